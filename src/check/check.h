/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domain checker: rules over a parsed domain XML and the capabilities it targets. */
#pragma once

#include <libxml/tree.h>

#include "derive.h"
#include "domcaps/check.h"
#include "host.h"
#include "qemu_probe.h"
#include "snapshot.h"

typedef struct dc_check_env {
    bool live;
    /* live: emulators probed so far, the host probed once */
    dc_qemu_caps **probed;
    size_t nprobed;
    dc_host *host;
    int timeout_ms;
    const dc_root *root;   /* for the cache key */
    const char *cache_dir; /* NULL: no cache */
    /* offline */
    dc_snapshot *snapshots;
    size_t nsnapshots;
    dc_hostinfo *host_report; /* --host, NULL when not given */
    int probe_failed;         /* set when a live probe failed: exit 3 */
    /*
     * Live: the emulators a domain may have run besides the ones domcaps
     * would pick itself (qemu-system-* on PATH, /usr/libexec/qemu-kvm):
     * binaries the caller named (--emulator) and directories it trusts
     * (--trust-emulator). Any other <emulator> is never run.
     */
    dc_strv trusted_emulators;
    dc_strv trusted_dirs;
    /*
     * A recorded host (src/fleet): when set, a domain's emulator is looked up
     * here instead of on PATH and in this machine's filesystem, and nothing is
     * run. Returns 0 with the caps and the emulator's path on that host,
     * -ENOENT when the host has no emulator for arch (emulator NULL) or none
     * at emulator, another -errno with a message when its recording is unusable.
     */
    int (*emulator_lookup)(void *ctx, const char *arch, const char *emulator,
                           const dc_qemu_caps **ret_qc, char **ret_path, dc_error *err);
    void *emulator_ctx;
    const char *host_arch; /* the judged host's own arch; NULL: this machine's */
    bool recorded;         /* the host is a recording: the files a domain names are not in it */
} dc_check_env;

/*
 * Offline: loads the snapshots of caps_files and, when host_report is not
 * NULL, the host report into env. -EINVAL with a message naming the file
 * when one is unusable; what was loaded stays for dc_check_env_clear.
 */
int dc_check_env_load_offline(dc_check_env *env, const dc_strv *caps_files, const char *host_report,
                              dc_error *err);

/* Frees what env owns (snapshots, host report, probed emulators); borrowed fields stay. */
void dc_check_env_clear(dc_check_env *env);

/*
 * Judges one domain: the file path, or text (len bytes) labelled path when
 * text is not NULL. Never fails: input problems land in ret->input_error.
 */
void dc_check_domain(dc_check_env *env, const char *path, const char *text, size_t len,
                     dc_check_result *ret);

/*
 * Judges one domain already parsed (by dc_xml_parse): a pool judges each
 * domain on every host from one parse. doc is only read.
 */
void dc_check_domain_doc(dc_check_env *env, const char *path, xmlDocPtr doc,
                         dc_check_result *ret);
