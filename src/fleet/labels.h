/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The node labels KubeVirt's node labeller (virt-handler's
 * pkg/virt-handler/node-labeller) sets, computed from domcaps' own facts
 * instead of virtqemud, `virsh domcapabilities`, `virsh capabilities` and
 * `virsh hypervisor-cpu-baseline`, and printed as `key=value` lines or as a
 * node-feature-discovery feature file (features.d).
 */
#pragma once

#include <time.h>

#include "fleet.h"

/* KubeVirt's configuration knobs and the facts the caps document does not carry. */
typedef struct dc_labels_opts {
    /* KubeVirt's obsoleteCPUModels; NULL: its default list (dc_labels_default_obsolete) */
    const dc_strv *obsolete_cpus;
    /*
     * minCPUModel. KubeVirt's labeller has ignored it since v0.55: NULL does
     * the same. Named, the model's own features are left out of the
     * cpu-feature and host-model-required-features labels (what KubeVirt did
     * before).
     */
    const char *min_cpu;
    /*
     * KubeVirt's names of the Hyper-V capabilities KVM reports
     * (dc_labels_kvm_hyperv); NULL: derived from QEMU's hv-* answer.
     */
    const dc_strv *hyperv;
    int realtime;      /* kernel.sched_rt_runtime_us is -1: 1; 0 or unknown (-1): no label */
    dc_strv *warnings; /* optional: labels left out and why, as whole sentences */
} dc_labels_opts;

/* KubeVirt's DefaultObsoleteCPUModels, NULL-terminated. */
extern const char *const dc_labels_default_obsolete[];

/* The machine KubeVirt's labeller asks domcapabilities for on arch; NULL: it does not label arch.
 */
const char *dc_labels_machine_for(const char *arch);

/*
 * The label set, keys sorted, for a host whose domainCapabilities for
 * dc_labels_machine_for(arch) (virttype kvm with KVM, else qemu) is caps,
 * qc the probe behind it, host its inventory. Labels whose key or value is
 * not a valid Kubernetes label are left out with a warning. -ENOTSUP with a
 * message for an architecture KubeVirt does not label.
 */
int dc_labels_compute(const dc_domcaps *caps, const dc_qemu_caps *qc, const dc_hostinfo *host,
                      const dc_labels_opts *opts, dc_strv *ret_keys, dc_strv *ret_values,
                      dc_error *err);

/* A Kubernetes label key (optional DNS-subdomain prefix, '/', name of at most 63 characters). */
bool dc_label_key_valid(const char *key);
/* A Kubernetes label value: empty, or at most 63 of [A-Za-z0-9._-] starting and ending
 * alphanumeric. */
bool dc_label_value_valid(const char *value);

/*
 * The Hyper-V capabilities KVM itself reports, by KubeVirt's names
 * (KVM_CHECK_EXTENSION and KVM_GET_MSR_INDEX_LIST, as its
 * kvm-caps-info-plugin asks): 0, or -ENODEV when root has no KVM device to
 * ask (a captured root's placeholder, no /dev/kvm).
 */
int dc_labels_kvm_hyperv(const dc_root *root, dc_strv *ret, dc_error *err);
/* kernel.sched_rt_runtime_us under root: 1 when -1 (unlimited), 0 otherwise, -1 unreadable. */
int dc_labels_realtime(const dc_root *root);

/* The labels of a recorded host (its own arch; opts->hyperv and realtime are filled here). */
int dc_labels_for_fleet_host(dc_fleet_host *h, const dc_labels_opts *opts, dc_strv *ret_keys,
                             dc_strv *ret_values, dc_error *err);

/* Where the labels of this machine (or of a recording over a captured root) come from. */
typedef struct dc_labels_source {
    const char *emulator;  /* NULL: the host's native one, found as `domcaps probe` finds it */
    const char *replay;    /* a recording to answer from instead */
    const char *sysroot;   /* NULL: / */
    const char *cache_dir; /* NULL: no cache */
    int timeout_ms;
} dc_labels_source;

/*
 * Probes (through the cache) and computes. Returns 0, -EINVAL/-ENOENT/
 * -ENOTSUP for input errors (no emulator, an arch KubeVirt does not label,
 * a bad recording) or another -errno when probing failed; warnings go to
 * diag and opts->warnings.
 */
int dc_labels_for_source(const dc_labels_source *src, const dc_labels_opts *opts, dc_diag *diag,
                         dc_strv *ret_keys, dc_strv *ret_values, dc_error *err);

/* `key=value` lines in key order. */
char *dc_labels_format_kubevirt(const dc_strv *keys, const dc_strv *values);
/* A features.d file: a comment, `# +expiry-time=` (RFC 3339 UTC) when expiry > 0, the lines. */
char *dc_labels_format_nfd(const dc_strv *keys, const dc_strv *values, time_t expiry);

/* NFD reads at most 64 KiB of a feature file and ignores a larger one. */
#define DC_LABELS_NFD_MAX (64 * 1024)
/* The file name in features.d. */
#define DC_LABELS_NFD_NAME "domcaps"

/*
 * Writes text as dir/DC_LABELS_NFD_NAME so that NFD never reads a partial
 * file: written atomically as the dot file dir/.domcaps (NFD skips dot
 * files), then renamed. -EFBIG when text exceeds DC_LABELS_NFD_MAX.
 */
int dc_labels_write_nfd(const char *dir, const char *text, dc_error *err);
