/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host facts that are never cached: they change without the emulator
 * changing. Each probe fills its part; what it cannot read stays unknown and
 * a diagnostic says why.
 */
#pragma once

#include "firmware.h"
#include "util.h"

typedef struct dc_host_kvm {
    bool exists;         /* /dev/kvm is present */
    bool usable;         /* and can be opened read-write by the caller */
    char *reason;        /* why not usable, a whole sentence fragment for messages */
    unsigned max_vcpus;  /* KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS; 0 unknown */
    bool nested;
    bool sev;            /* kvm_amd sev parameter and /dev/sev */
    bool tdx;            /* kvm_intel tdx parameter */
    bool s390_pv;        /* /sys/firmware/uv and prot_virt on the kernel command line */
} dc_host_kvm;

typedef struct dc_host_tpm {
    bool swtpm;          /* swtpm, swtpm_setup and swtpm_ioctl all found */
    bool v12, v20;       /* from swtpm_setup --print-capabilities */
    bool has_dev_tpm0;
} dc_host_tpm;

typedef struct dc_host_vfio {
    bool iommu_groups;   /* /sys/kernel/iommu_groups has an entry */
    bool dev_vfio;       /* /dev/vfio/vfio exists */
    bool dev_iommu;      /* /dev/iommu (iommufd) exists */
} dc_host_vfio;

typedef struct dc_host {
    const dc_root *root;
    const char *xdg_config_home; /* for firmware descriptors; NULL for root */
    dc_host_kvm kvm;
    dc_host_tpm tpm;
    dc_host_vfio vfio;
    bool qemu_rdp;
    unsigned phys_addr_bits; /* from /proc/cpuinfo "address sizes", 0 unknown */
    dc_firmware_list firmware;
} dc_host;

typedef struct dc_probe {
    const char *name;
    int (*run)(dc_host *host, dc_diag *diag);
} dc_probe;

extern const dc_probe dc_probe_kvm;
extern const dc_probe dc_probe_firmware;
extern const dc_probe dc_probe_swtpm;
extern const dc_probe dc_probe_vfio;

/* NULL-terminated, in run order. */
extern const dc_probe *const dc_probes[];

/* Runs every probe against root. Never fails: problems end up in diag. */
void dc_host_probe(dc_host *host, const dc_root *root, const char *xdg_config_home, dc_diag *diag);
void dc_host_clear(dc_host *host);

/* Thin seams over the kernel, replaced in tests. */
int dc_kvm_open(const dc_root *root, int *ret_fd);
int dc_kvm_check_extension(int fd, unsigned long cap);
