/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A recorded QMP conversation through a whole probe, as `--replay` runs it:
 * the recording is served over a socketpair, the probe's answer is derived
 * into domainCapabilities for both virt types and printed, and written as a
 * cache entry that must parse back. No QEMU is ever started.
 */
#include "cache.h"
#include "check.h"
#include "derive.h"
#include "fuzz_util.h"

static dc_root *root;
static dc_host host;
static dc_diag diag;

static void free_host(void)
{
    dc_host_clear(&host);
    dc_strv_clear(&diag.warnings);
    dc_root_free(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* Only the probes that read files: the fixture's swtpm must never be run. */
    if (dc_root_open(FUZZ_DATA_DIR "/roots/debian12-kvm", &root) < 0)
        abort();
    host.root = root;
    host.diag = &diag;
    host.what = DC_PROBE_FOR_CAPS;
    dc_probe_hostcpu.run(&host);
    dc_probe_firmware.run(&host);
    host.tpm = (dc_host_tpm){.swtpm = true, .v12 = true, .v20 = true};
    atexit(free_host);
    return 0;
}

static void derive(const dc_qemu_caps *qc, const char *virttype)
{
    dc_request req = {.virttype = virttype};
    dc_domcaps *caps = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_domcaps_derive(qc, &host, &req, &caps, &msg) < 0) {
        FUZZ_ASSERT(msg.message && *msg.message);
        return;
    }
    _cleanup_free_ char *xml = dc_domcaps_format_xml(caps);
    _cleanup_free_ char *json = dc_domcaps_format_json(caps);
    FUZZ_ASSERT(xml && json);
    dc_domcaps_free(caps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *path = fuzz_write_file("qemu.replies", data, size);
    dc_probe_opts opts = {
        .binary = "/usr/bin/qemu-system-x86_64",
        .replay = path,
        .timeout_ms = 5000,
        .want_tcg_session = true,
    };
    dc_qemu_caps *qc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_qemu_probe(&opts, &qc, &msg) < 0) {
        FUZZ_ASSERT(msg.message && *msg.message);
        return 0;
    }
    derive(qc, "kvm");
    derive(qc, "qemu");
    _cleanup_free_ char *ext = dc_snapshot_format_extension(qc, qc->kvm_enabled);
    FUZZ_ASSERT(ext);

    dc_cache_key key = {0};
    dc_strv_add(&key.names, "emulator");
    dc_strv_add(&key.values, opts.binary);
    _cleanup_free_ char *entry = dc_cache_serialize(&key, qc);
    dc_cache_key back_key = {0};
    dc_qemu_caps *back = NULL;
    _cleanup_error_ dc_error why = DC_ERROR_INIT;
    int r = dc_cache_parse(entry, strlen(entry), &back_key, &back, &why);
    if (r < 0)
        fprintf(stderr, "the cache entry of this probe does not parse back: %s\n", why.message);
    FUZZ_ASSERT(r == 0);
    dc_cache_key_clear(&back_key);
    dc_qemu_caps_free(back);
    dc_cache_key_clear(&key);
    dc_qemu_caps_free(qc);
    return 0;
}
