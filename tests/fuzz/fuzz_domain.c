/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain XML through every checker rule, offline: the capability snapshots of
 * tests/data/snapshots (one per arch and machine family) and a host report
 * are loaded once; each input is judged as a domain file.
 */
#include "check.h"
#include "fuzz_util.h"

static const char *const snapshot_files[] = {
    "x86_64-q35-qemu.xml",       "x86_64-q35-kvm.xml",    "x86_64-pc-qemu.xml",
    "x86_64-isapc-qemu.xml",     "aarch64-virt-qemu.xml", "ppc64-pseries-qemu.xml",
    "plain-x86_64-q35-qemu.xml",
};

static dc_check_env env;

static void load_env(void)
{
    env.snapshots = xcalloc(ELEMENTSOF(snapshot_files), sizeof(dc_snapshot));
    for (size_t i = 0; i < ELEMENTSOF(snapshot_files); i++) {
        _cleanup_free_ char *path = xasprintf(FUZZ_DATA_DIR "/snapshots/%s", snapshot_files[i]);
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        if (dc_snapshot_load(path, &env.snapshots[env.nsnapshots], &msg) < 0) {
            fprintf(stderr, "cannot load %s: %s\n", path, msg.message);
            abort();
        }
        env.nsnapshots++;
    }
    env.host_report = xcalloc(1, sizeof(dc_hostinfo));
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_hostinfo_load(FUZZ_DATA_DIR "/snapshots/host-numa2.xml", env.host_report, &msg) < 0) {
        fprintf(stderr, "cannot load the host report: %s\n", msg.message);
        abort();
    }
}

static void free_env(void)
{
    for (size_t i = 0; i < env.nsnapshots; i++)
        dc_snapshot_clear(&env.snapshots[i]);
    free(env.snapshots);
    dc_hostinfo_clear(env.host_report);
    free(env.host_report);
    env = (dc_check_env){0};
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    load_env();
    atexit(free_env);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *path = fuzz_write_file("domain.xml", data, size);
    dc_check_result res;
    dc_check_domain(&env, path, NULL, 0, &res);
    /* Every verdict is either an input error or a list of rules that ran. */
    FUZZ_ASSERT(res.input_error || res.rules_checked);
    for (size_t i = 0; i < res.nfindings; i++)
        FUZZ_ASSERT(res.findings[i].message && res.findings[i].rule);
    dc_check_result_clear(&res);
    return 0;
}
