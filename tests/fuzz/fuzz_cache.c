/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cache entries: parsed; an entry the parser accepts is written out again,
 * and what the writer makes must parse back.
 */
#include "cache.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dc_cache_key key = {0};
    dc_qemu_caps *qc = NULL;
    _cleanup_error_ dc_error why = DC_ERROR_INIT;
    if (dc_cache_parse((const char *)data, size, &key, &qc, &why) < 0) {
        FUZZ_ASSERT(why.message && *why.message);
        return 0;
    }
    _cleanup_free_ char *text = dc_cache_serialize(&key, qc);
    FUZZ_ASSERT(text);
    dc_cache_key key2 = {0};
    dc_qemu_caps *qc2 = NULL;
    _cleanup_error_ dc_error why2 = DC_ERROR_INIT;
    int r = dc_cache_parse(text, strlen(text), &key2, &qc2, &why2);
    if (r < 0)
        fprintf(stderr, "a written entry does not parse back: %s\n", why2.message);
    FUZZ_ASSERT(r == 0);
    dc_cache_key_clear(&key2);
    dc_qemu_caps_free(qc2);
    dc_cache_key_clear(&key);
    dc_qemu_caps_free(qc);
    return 0;
}
