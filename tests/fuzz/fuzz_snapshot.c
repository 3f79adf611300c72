/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Saved domainCapabilities documents (plain libvirt ones and ours with the
 * extension): parsed, then printed again as XML and JSON.
 */
#include "check.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *path = fuzz_write_file("caps.xml", data, size);
    dc_snapshot s = {0};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_snapshot_load(path, &s, &msg) < 0) {
        FUZZ_ASSERT(msg.message && *msg.message);
        return 0;
    }
    _cleanup_free_ char *xml = dc_domcaps_format_xml(s.caps);
    _cleanup_free_ char *json = dc_domcaps_format_json(s.caps);
    FUZZ_ASSERT(xml && json);
    if (s.qemu) {
        _cleanup_free_ char *snap = dc_domcaps_format_xml_snapshot(s.caps, s.qemu);
        FUZZ_ASSERT(snap);
    }
    dc_snapshot_clear(&s);
    return 0;
}
