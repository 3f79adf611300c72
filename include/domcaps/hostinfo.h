/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host inventory: what the kernel says about this machine's CPU, KVM,
 * NUMA topology, PCI and USB devices and VFIO. Filled by the probes in
 * probes/, printed by `domcaps host`, read back by the checker. Every part
 * a probe could not read stays unknown and a diagnostic says why.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "domcaps/error.h"

typedef struct dc_diagnostic {
    char *probe;   /* "pci", "numa", ... */
    char *message; /* a whole sentence naming the file and the cause */
} dc_diagnostic;

typedef struct dc_hostcpu {
    char *arch;   /* libvirt spelling: x86_64, aarch64 */
    char *vendor; /* CPUID vendor string (AuthenticAMD) or the arch's equivalent */
    char *model_name;
    int family, model, stepping;            /* -1 unknown */
    char *microcode;                        /* as /proc/cpuinfo prints it, NULL unknown */
    char **flags;                           /* NULL-terminated, sorted */
    unsigned sockets, dies, cores, threads; /* per socket/die/core; 0 unknown */
    unsigned online_cpus;
    unsigned phys_bits; /* 0 unknown */
    bool vmx, svm;      /* hardware virtualization advertised to this kernel */
} dc_hostcpu;

typedef struct dc_hostkvm {
    bool exists;
    bool usable;
    char *reason;       /* why not usable */
    int api_version;    /* -1 unknown */
    unsigned max_vcpus; /* KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS; 0 unknown */
    char *module;       /* kvm_intel, kvm_amd, kvm_hv, kvm... loaded; NULL unknown */
    bool nested;
    int smm;                   /* KVM_CAP_X86_SMM: 1, 0, -1 unknown (not x86, or no ioctl) */
    bool sev, sev_es, sev_snp; /* kvm_amd parameters with /dev/sev */
    bool tdx;
    bool s390_pv;
} dc_hostkvm;

typedef struct dc_numa_cpu {
    unsigned id;
    int socket_id, die_id, core_id; /* -1 unknown */
    char *siblings;                 /* cpulist of thread siblings, "0,64" */
} dc_numa_cpu;

typedef struct dc_numa_pages {
    unsigned long long size_kib;
    unsigned long long total; /* pages */
    unsigned long long free;
} dc_numa_pages;

typedef struct dc_numa_cell {
    unsigned id;
    unsigned long long memory_kib; /* MemTotal */
    unsigned long long free_kib;   /* MemFree */
    dc_numa_pages *pages;          /* base page size first, then hugepage sizes ascending */
    size_t npages;
    struct {
        unsigned id;
        unsigned value;
    } * distances;
    size_t ndistances;
    dc_numa_cpu *cpus;
    size_t ncpus;
} dc_numa_cell;

typedef struct dc_numa {
    bool available; /* false: no NUMA support; one synthesized cell describes the host */
    unsigned long long default_hugepage_kib; /* Hugepagesize in /proc/meminfo, 0 unknown */
    unsigned long long memory_kib;           /* MemTotal in /proc/meminfo, 0 unknown */
    dc_numa_cell *cells;
    size_t ncells;
} dc_numa;

typedef struct dc_pci_device {
    char *address; /* 0000:00:1f.2 */
    unsigned domain, bus, slot, function;
    unsigned vendor_id, device_id;
    unsigned subsys_vendor_id, subsys_device_id;  /* 0 when absent */
    unsigned class_id;                            /* 24-bit class code: base, sub, prog-if */
    char *vendor_name, *device_name, *class_name; /* from pci.ids, NULL unknown */
    char *driver;                                 /* bound driver, NULL when unbound */
    int iommu_group;                              /* -1 none */
    int numa_node;                                /* -1 unknown */
    int sriov_totalvfs;                           /* -1 not an SR-IOV PF */
    int sriov_numvfs;
    char *physfn; /* the PF's address when this is a VF */
    bool is_bridge;
} dc_pci_device;

typedef struct dc_iommu_group {
    unsigned id;
    char **devices;  /* member addresses, sorted */
    bool viable;     /* every endpoint bound to vfio-pci or pci-stub, or unbound */
    char **culprits; /* endpoints bound to another driver, "0000:03:00.1 (ixgbe)" */
} dc_iommu_group;

typedef struct dc_hostvfio {
    bool dev_vfio;     /* /dev/vfio/vfio */
    bool dev_iommu;    /* /dev/iommu (iommufd) */
    bool module;       /* vfio_pci loaded (or built in) */
    bool iommu_groups; /* /sys/kernel/iommu_groups has entries */
    int mdev;          /* /sys/class/mdev_bus has parent devices: 1, 0, -1 unknown */
    dc_iommu_group *groups;
    size_t ngroups;
} dc_hostvfio;

typedef struct dc_usb_device {
    unsigned bus, address;
    char *port_path; /* "1-2.3" */
    unsigned vendor_id, product_id;
    unsigned class_id;            /* bDeviceClass */
    char *speed;                  /* "low", "full", "high", "super", "super+"; NULL unknown */
    char *manufacturer, *product; /* NULL when unreadable */
} dc_usb_device;

/* Device nodes domains open directly: 1 present, 0 absent, -1 unknown. */
typedef struct dc_hostdevnodes {
    int vhost_net;   /* /dev/vhost-net: vhost for tap and macvtap NICs */
    int vhost_vsock; /* /dev/vhost-vsock: <vsock> */
    int net_tun;     /* /dev/net/tun: tap NICs */
    int tpmrm;       /* /dev/tpmrm0: the TPM resource manager (passthrough, spapr-tpm-proxy) */
} dc_hostdevnodes;

typedef struct dc_hostnet {
    char *name; /* as in /sys/class/net */
    bool bridge;
} dc_hostnet;

typedef struct dc_hostinfo {
    dc_hostcpu cpu;
    dc_hostkvm kvm;
    dc_numa numa;
    dc_pci_device *pci;
    size_t npci;
    bool pci_known; /* false: the PCI probe could not run */
    dc_hostvfio vfio;
    dc_usb_device *usb;
    size_t nusb;
    bool usb_known;
    int render_nodes; /* DRM render nodes (/dev/dri/renderD*), -1 unknown */
    int tpm_device;   /* /dev/tpm0 exists: 1, 0, -1 unknown */
    dc_hostdevnodes devnodes;
    dc_hostnet *ifaces; /* network interfaces, sorted by name */
    size_t nifaces;
    bool ifaces_known;         /* false: /sys/class/net was not read */
    unsigned long long tsc_hz; /* the host TSC frequency KVM reports, 0 unknown */
    int tsc_scaling;           /* KVM_CAP_TSC_CONTROL: 1, 0, -1 unknown */
    int smbios;                /* SMBIOS/DMI tables in sysfs: 1, 0, -1 unknown */
    int dmidecode;             /* the dmidecode binary libvirt reads them with */
    int numad;                 /* the numad binary (placement='auto'): 1, 0, -1 unknown */
    dc_diagnostic *diags;
    size_t ndiags;
} dc_hostinfo;

/* Printing and reading back the `domcaps host` report. */
char *dc_hostinfo_format_xml(const dc_hostinfo *h);
char *dc_hostinfo_format_json(const dc_hostinfo *h);
void dc_hostinfo_clear(dc_hostinfo *h);
/*
 * Reads a saved `domcaps host` report (XML, or JSON from --format json) into
 * *ret; -errno with a message for an unreadable, malformed or foreign file.
 */
int dc_hostinfo_load(const char *path, dc_hostinfo *ret, dc_error *err);
