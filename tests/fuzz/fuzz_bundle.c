/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bundle container, decompressed (gzip itself is zlib's): an archive the
 * reader accepts is unpacked into a fresh directory, and every entry must
 * then be inside it, where the archive said.
 */
#include <sys/stat.h>

#include "archive.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    dc_archive_reader ar;
    _cleanup_error_ dc_error why = DC_ERROR_INIT;
    if (dc_archive_parse("fuzz.bundle", text, size, &ar, &why) < 0) {
        FUZZ_ASSERT(why.message && *why.message);
        return 0;
    }
    _cleanup_free_ char *dir = xasprintf("%s/unpacked", fuzz_tmpdir());
    fuzz_remove_tree(dir);
    FUZZ_ASSERT(mkdir(dir, 0700) == 0);
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_archive_extract(&ar, dir, &msg) == 0) {
        for (size_t i = 0; i < ar.nentries; i++) {
            _cleanup_free_ char *p = xasprintf("%s/%s", dir, ar.entries[i].path);
            struct stat st;
            FUZZ_ASSERT(lstat(p, &st) == 0);
        }
    } else
        FUZZ_ASSERT(msg.message && *msg.message);
    fuzz_remove_tree(dir);
    /* Nothing may appear beside the directory it unpacked into. */
    _cleanup_free_ char *escape = xasprintf("%s/escape", fuzz_tmpdir());
    struct stat st;
    FUZZ_ASSERT(lstat(escape, &st) < 0);
    dc_archive_reader_clear(&ar);
    return 0;
}
