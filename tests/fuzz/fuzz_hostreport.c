/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Saved host reports (`domcaps host`, XML or JSON; the loader tells them
 * apart): parsed, then printed again in both formats.
 */
#include "check.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *path = fuzz_write_file("host", data, size);
    dc_hostinfo h = {0};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_hostinfo_load(path, &h, &msg) < 0) {
        FUZZ_ASSERT(msg.message && *msg.message);
        return 0;
    }
    _cleanup_free_ char *xml = dc_hostinfo_format_xml(&h);
    _cleanup_free_ char *json = dc_hostinfo_format_json(&h);
    FUZZ_ASSERT(xml && json);
    dc_hostinfo_clear(&h);
    return 0;
}
