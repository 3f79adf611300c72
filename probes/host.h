/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host facts: the inventory (dc_hostinfo) plus what only the caps document
 * needs (firmware, swtpm, qemu-rdp). None of it is cached: it changes without
 * the emulator changing. Each probe fills its part; what it cannot read stays
 * unknown and a diagnostic says why.
 */
#pragma once

#include "domcaps/hostinfo.h"
#include "firmware.h"
#include "util.h"

typedef struct dc_host_tpm {
    bool swtpm;    /* swtpm, swtpm_setup and swtpm_ioctl all found */
    bool v12, v20; /* from swtpm_setup --print-capabilities */
    bool has_dev_tpm0;
} dc_host_tpm;

typedef struct dc_host {
    const dc_root *root;
    const char *xdg_config_home; /* for firmware descriptors; NULL for root */
    dc_hostinfo info;
    dc_host_tpm tpm;
    bool qemu_rdp;
    dc_firmware_list firmware;
    dc_diag *diag;         /* warnings for the caps run (malformed descriptors, swtpm) */
    const char *cache_dir; /* where probes may keep answers keyed by a binary's identity */
    bool skip_names;       /* no pci.ids lookups: the checker needs no device names */
    unsigned what;         /* the DC_PROBE_FOR_* bits this run asked for */
} dc_host;

/* What a run needs: the caps document, the inventory report, or both. */
enum {
    DC_PROBE_FOR_CAPS = 1 << 0,
    DC_PROBE_FOR_INVENTORY = 1 << 1,
};

typedef struct dc_host_prober {
    const char *name;
    unsigned needed_for; /* DC_PROBE_FOR_* bits */
    int (*run)(dc_host *host);
} dc_host_prober;

extern const dc_host_prober dc_probe_hostcpu;
extern const dc_host_prober dc_probe_kvm;
extern const dc_host_prober dc_probe_tsc;
extern const dc_host_prober dc_probe_numa;
extern const dc_host_prober dc_probe_pci;
extern const dc_host_prober dc_probe_vfio;
extern const dc_host_prober dc_probe_usb;
extern const dc_host_prober dc_probe_devnodes;
extern const dc_host_prober dc_probe_firmware;
extern const dc_host_prober dc_probe_swtpm;
extern const dc_host_prober dc_probe_rdp;

/* NULL-terminated, in run order: a probe may use what earlier ones filled (VFIO after PCI). */
extern const dc_host_prober *const dc_probes[];

/* Runs every probe needed for `what` against root. Never fails: problems become diagnostics. */
void dc_host_run_probes(dc_host *host, const dc_root *root, const char *xdg_config_home,
                        unsigned what, dc_diag *diag);
void dc_host_clear(dc_host *host);

/* Records a diagnostic for the inventory report (and as a warning for the caps run). */
void dc_host_diag(dc_host *host, const char *probe, const char *fmt, ...) _printf_(3, 4);

/* A kernel CPU list file; diagnoses what it cannot read, except a missing file when allowed. */
int dc_host_read_cpulist(dc_host *host, const char *probe, const char *path, bool enoent_ok,
                         unsigned **ret_ids, size_t *ret_n);

/*
 * One id from /sys/devices/system/cpu/cpuN/topology/<name>. -1 in the file
 * (no such level on this architecture) is 0, as libvirt says, and so is a
 * missing die_id (kernels before 5.3). Returns the id, or -1 when unknown; a
 * missing file is diagnosed only with diag_missing, anything unreadable or
 * garbled always is.
 */
int dc_host_topology_id(dc_host *host, const char *probe, unsigned cpu, const char *name,
                        bool diag_missing);

/* Thin seams over the kernel, replaced in tests with -Wl,--wrap. */
int dc_kvm_open(const dc_root *root, int *ret_fd);
int dc_kvm_ioctl(int fd, unsigned long request, unsigned long arg);
