/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU firmware descriptors: each input is the one descriptor of a root
 * made once in the temporary directory, loaded as the firmware probe loads
 * it, then matched against a few arch and machine names.
 */
#include "firmware.h"
#include "fuzz_util.h"

#define DESCRIPTOR "/usr/share/qemu/firmware/50-fuzz.json"

static char *rootdir;
static dc_root *root;

static void free_root(void)
{
    dc_root_free(root);
    free(rootdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    rootdir = xasprintf("%s/root", fuzz_tmpdir());
    /* Images the seeds name, so that the "executable exists" branch is taken too. */
    static const char *const images[] = {
        "/usr/share/OVMF/OVMF_CODE_4M.fd",         "/usr/share/OVMF/OVMF_VARS_4M.fd",
        "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/AAVMF/AAVMF_CODE.fd",
        "/usr/share/AAVMF/AAVMF_VARS.fd",
    };
    if (mkdir(rootdir, 0700) < 0)
        abort();
    for (size_t i = 0; i < ELEMENTSOF(images); i++)
        if (fuzz_write_under(rootdir, images[i], "", 0) < 0)
            abort();
    if (fuzz_write_under(rootdir, DESCRIPTOR, "", 0) < 0 || dc_root_open(rootdir, &root) < 0)
        abort();
    atexit(free_root);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A zero-length file masks a descriptor; it is not a parse. */
    if (fuzz_write_under(rootdir, DESCRIPTOR, data, size) < 0)
        abort();
    dc_diag diag = {0};
    dc_firmware_list l = {0};
    FUZZ_ASSERT(dc_firmware_load(root, NULL, &diag, &l) == 0);
    FUZZ_ASSERT(l.n <= 1);
    static const char *const archs[] = {"x86_64", "i686", "aarch64", "armv7l", "riscv64"};
    static const char *const machines[] = {"pc-q35-7.2", "pc-i440fx-7.2", "virt", "q35", ""};
    for (size_t i = 0; i < l.n; i++) {
        const dc_firmware *fw = &l.items[i];
        FUZZ_ASSERT(fw->descriptor && fw->device);
        for (size_t a = 0; a < ELEMENTSOF(archs); a++)
            for (size_t m = 0; m < ELEMENTSOF(machines); m++)
                dc_firmware_matches(fw, archs[a], machines[m]);
        dc_firmware_has_feature(fw, "secure-boot");
    }
    dc_firmware_list_clear(&l);
    dc_strv_clear(&diag.warnings);
    return 0;
}
