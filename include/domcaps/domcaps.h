/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * domcaps: the model of a libvirt-compatible domainCapabilities document and
 * the API that fills it. The model knows nothing about XML or JSON.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domcaps/version.h" /* DC_VERSION, from meson */

/* Exit codes of the domcaps command (documented in README.md). */
enum {
    DC_EXIT_OK = 0,
    DC_EXIT_FINDINGS = 1,
    DC_EXIT_USAGE = 2,
    DC_EXIT_PROBE = 3,
};

/* ABSENT: the element is not printed. NO: supported='no'. YES: printed with children. */
typedef enum dc_tristate {
    DC_ABSENT = 0,
    DC_NO,
    DC_YES,
} dc_tristate;

/*
 * Every enumerable property is a bitmask over one of these value lists. The
 * value order is libvirt's internal enum order, which is the print order.
 */
typedef enum dc_enum_type {
    DC_E_FIRMWARE,
    DC_E_LOADER_TYPE,
    DC_E_YESNO,
    DC_E_ONOFF,
    DC_E_MEM_SOURCE,
    DC_E_DISK_DEVICE,
    DC_E_DISK_BUS,
    DC_E_VIRTIO_MODEL,
    DC_E_GRAPHICS,
    DC_E_VIDEO,
    DC_E_HOSTDEV_MODE,
    DC_E_STARTUP_POLICY,
    DC_E_SUBSYS,
    DC_E_CAPS_TYPE,
    DC_E_PCI_BACKEND,
    DC_E_RNG_BACKEND,
    DC_E_FS_DRIVER,
    DC_E_TPM_MODEL,
    DC_E_TPM_BACKEND,
    DC_E_TPM_VERSION,
    DC_E_REDIRDEV_BUS,
    DC_E_CHR_TYPE,
    DC_E_CRYPTO_MODEL,
    DC_E_CRYPTO_TYPE,
    DC_E_CRYPTO_BACKEND,
    DC_E_NET_BACKEND,
    DC_E_PANIC_MODEL,
    DC_E_GIC_VERSION,
    DC_E_HYPERV,
    DC_E_SECTYPE,
    _DC_E_MAX,
} dc_enum_type;

enum { DC_FIRMWARE_BIOS, DC_FIRMWARE_EFI, _DC_FIRMWARE_MAX };
enum { DC_LOADER_ROM, DC_LOADER_PFLASH, _DC_LOADER_TYPE_MAX };
enum { DC_YES_V, DC_NO_V, _DC_YESNO_MAX };
enum { DC_ON_V, DC_OFF_V, _DC_ONOFF_MAX };
enum { DC_MEM_FILE, DC_MEM_ANONYMOUS, DC_MEM_MEMFD, _DC_MEM_SOURCE_MAX };
enum { DC_DISK_DISK, DC_DISK_CDROM, DC_DISK_FLOPPY, DC_DISK_LUN, _DC_DISK_DEVICE_MAX };
enum {
    DC_BUS_IDE,
    DC_BUS_FDC,
    DC_BUS_SCSI,
    DC_BUS_VIRTIO,
    DC_BUS_XEN,
    DC_BUS_USB,
    DC_BUS_UML,
    DC_BUS_SATA,
    DC_BUS_SD,
    DC_BUS_NVME,
    _DC_DISK_BUS_MAX
};
enum { DC_VIRTIO, DC_VIRTIO_TRANSITIONAL, DC_VIRTIO_NON_TRANSITIONAL, _DC_VIRTIO_MODEL_MAX };
enum {
    DC_GFX_SDL,
    DC_GFX_VNC,
    DC_GFX_RDP,
    DC_GFX_DESKTOP,
    DC_GFX_SPICE,
    DC_GFX_EGL_HEADLESS,
    DC_GFX_DBUS,
    _DC_GRAPHICS_MAX
};
enum {
    DC_VIDEO_VGA,
    DC_VIDEO_CIRRUS,
    DC_VIDEO_VMVGA,
    DC_VIDEO_XEN,
    DC_VIDEO_VBOX,
    DC_VIDEO_QXL,
    DC_VIDEO_PARALLELS,
    DC_VIDEO_VIRTIO,
    DC_VIDEO_GOP,
    DC_VIDEO_NONE,
    DC_VIDEO_BOCHS,
    DC_VIDEO_RAMFB,
    _DC_VIDEO_MAX
};
enum { DC_HOSTDEV_SUBSYSTEM, DC_HOSTDEV_CAPABILITIES, _DC_HOSTDEV_MODE_MAX };
enum {
    DC_STARTUP_DEFAULT,
    DC_STARTUP_MANDATORY,
    DC_STARTUP_REQUISITE,
    DC_STARTUP_OPTIONAL,
    _DC_STARTUP_POLICY_MAX
};
enum {
    DC_SUBSYS_USB,
    DC_SUBSYS_PCI,
    DC_SUBSYS_SCSI,
    DC_SUBSYS_SCSI_HOST,
    DC_SUBSYS_MDEV,
    _DC_SUBSYS_MAX
};
enum { DC_CAPS_STORAGE, DC_CAPS_MISC, DC_CAPS_NET, _DC_CAPS_TYPE_MAX };
enum { DC_PCI_DEFAULT, DC_PCI_KVM, DC_PCI_VFIO, DC_PCI_XEN, _DC_PCI_BACKEND_MAX };
enum { DC_RNG_RANDOM, DC_RNG_EGD, DC_RNG_BUILTIN, _DC_RNG_BACKEND_MAX };
enum {
    DC_FS_PATH,
    DC_FS_HANDLE,
    DC_FS_LOOP,
    DC_FS_NBD,
    DC_FS_PLOOP,
    DC_FS_VIRTIOFS,
    _DC_FS_DRIVER_MAX
};
enum { DC_TPM_TIS, DC_TPM_CRB, DC_TPM_SPAPR, DC_TPM_SPAPR_PROXY, _DC_TPM_MODEL_MAX };
enum { DC_TPM_PASSTHROUGH, DC_TPM_EMULATOR, DC_TPM_EXTERNAL, _DC_TPM_BACKEND_MAX };
enum { DC_TPM_V12, DC_TPM_V20, _DC_TPM_VERSION_MAX };
enum { DC_REDIR_USB, _DC_REDIRDEV_BUS_MAX };
enum {
    DC_CHR_NULL,
    DC_CHR_VC,
    DC_CHR_PTY,
    DC_CHR_DEV,
    DC_CHR_FILE,
    DC_CHR_PIPE,
    DC_CHR_STDIO,
    DC_CHR_UDP,
    DC_CHR_TCP,
    DC_CHR_UNIX,
    DC_CHR_SPICEVMC,
    DC_CHR_SPICEPORT,
    DC_CHR_NMDM,
    DC_CHR_QEMU_VDAGENT,
    DC_CHR_DBUS,
    _DC_CHR_TYPE_MAX
};
enum { DC_CRYPTO_VIRTIO, _DC_CRYPTO_MODEL_MAX };
enum { DC_CRYPTO_QEMU, _DC_CRYPTO_TYPE_MAX };
enum { DC_CRYPTO_BUILTIN, DC_CRYPTO_LKCF, _DC_CRYPTO_BACKEND_MAX };
enum { DC_NET_DEFAULT, DC_NET_PASST, _DC_NET_BACKEND_MAX };
enum {
    DC_PANIC_ISA,
    DC_PANIC_PSERIES,
    DC_PANIC_HYPERV,
    DC_PANIC_S390,
    DC_PANIC_PVPANIC,
    _DC_PANIC_MODEL_MAX
};
enum { DC_GIC_V2, DC_GIC_V3, _DC_GIC_VERSION_MAX };
enum {
    DC_HV_RELAXED,
    DC_HV_VAPIC,
    DC_HV_SPINLOCKS,
    DC_HV_VPINDEX,
    DC_HV_RUNTIME,
    DC_HV_SYNIC,
    DC_HV_STIMER,
    DC_HV_RESET,
    DC_HV_VENDOR_ID,
    DC_HV_FREQUENCIES,
    DC_HV_REENLIGHTENMENT,
    DC_HV_TLBFLUSH,
    DC_HV_IPI,
    DC_HV_EVMCS,
    DC_HV_AVIC,
    DC_HV_EMSR_BITMAP,
    DC_HV_XMM_INPUT,
    _DC_HYPERV_MAX
};
enum { DC_SEC_SEV, DC_SEC_SEV_SNP, DC_SEC_S390_PV, DC_SEC_TDX, _DC_SECTYPE_MAX };

/* A reported enum. report=false: the <enum> is not printed at all. */
typedef struct dc_enum {
    bool report;
    uint32_t values; /* bit i = value i of the enum type */
} dc_enum;

const char *dc_enum_value_name(dc_enum_type type, unsigned value);
/* Returns the value index, or -1 when the name is not a value of the type. */
int dc_enum_value_lookup(dc_enum_type type, const char *name);
unsigned dc_enum_value_count(dc_enum_type type);

static inline void dc_enum_set(dc_enum *e, unsigned v)
{
    e->report = true;
    e->values |= UINT32_C(1) << v;
}
static inline bool dc_enum_has(const dc_enum *e, unsigned v)
{
    return e->report && (e->values & (UINT32_C(1) << v));
}

/* Device kinds in <devices>, in print order. */
typedef enum dc_device_kind {
    DC_DEV_DISK,
    DC_DEV_GRAPHICS,
    DC_DEV_VIDEO,
    DC_DEV_HOSTDEV,
    DC_DEV_RNG,
    DC_DEV_FILESYSTEM,
    DC_DEV_TPM,
    DC_DEV_REDIRDEV,
    DC_DEV_CHANNEL,
    DC_DEV_CRYPTO,
    DC_DEV_INTERFACE,
    DC_DEV_PANIC,
    DC_DEV_CONSOLE,
    _DC_DEV_MAX,
} dc_device_kind;

#define DC_DEV_MAX_ENUMS 6

/*
 * The enum slots of each device kind: the index of an enum in
 * dc_device.enums[] and dc_device_descs[kind].enums[] (named after the
 * kind and the enum's name in the document). Each kind counts from 0.
 */
typedef enum dc_device_slot {
    DC_SLOT_DISK_DISK_DEVICE = 0,
    DC_SLOT_DISK_BUS,
    DC_SLOT_DISK_MODEL,
    DC_SLOT_GRAPHICS_TYPE = 0,
    DC_SLOT_VIDEO_MODEL_TYPE = 0,
    DC_SLOT_HOSTDEV_MODE = 0,
    DC_SLOT_HOSTDEV_STARTUP_POLICY,
    DC_SLOT_HOSTDEV_SUBSYS_TYPE,
    DC_SLOT_HOSTDEV_CAPS_TYPE,
    DC_SLOT_HOSTDEV_PCI_BACKEND,
    DC_SLOT_HOSTDEV_IOMMUFD,
    DC_SLOT_RNG_MODEL = 0,
    DC_SLOT_RNG_BACKEND_MODEL,
    DC_SLOT_FILESYSTEM_DRIVER_TYPE = 0,
    DC_SLOT_TPM_MODEL = 0,
    DC_SLOT_TPM_BACKEND_MODEL,
    DC_SLOT_TPM_BACKEND_VERSION,
    DC_SLOT_REDIRDEV_BUS = 0,
    DC_SLOT_CHANNEL_TYPE = 0,
    DC_SLOT_CRYPTO_MODEL = 0,
    DC_SLOT_CRYPTO_TYPE,
    DC_SLOT_CRYPTO_BACKEND_MODEL,
    DC_SLOT_INTERFACE_BACKEND_TYPE = 0,
    DC_SLOT_PANIC_MODEL = 0,
    DC_SLOT_CONSOLE_TYPE = 0,
} dc_device_slot;

/* Static description of one device element: its name and its enums. */
typedef struct dc_device_desc {
    const char *element;
    unsigned nenums;
    struct {
        const char *name;
        dc_enum_type type;
    } enums[DC_DEV_MAX_ENUMS];
} dc_device_desc;

extern const dc_device_desc dc_device_descs[_DC_DEV_MAX];

typedef struct dc_device {
    dc_tristate supported;
    dc_enum enums[DC_DEV_MAX_ENUMS]; /* by dc_device_slot, like dc_device_descs[kind].enums */
} dc_device;

typedef enum dc_usable {
    DC_USABLE_UNKNOWN,
    DC_USABLE_YES,
    DC_USABLE_NO,
} dc_usable;

typedef struct dc_cpu_model {
    char *name;
    dc_usable usable;
    bool deprecated;
    char *vendor;    /* NULL: 'unknown' */
    char *canonical; /* QEMU's versioned name this one is an alias of, or NULL */
    char **blockers; /* NULL-terminated, may be NULL */
} dc_cpu_model;

typedef struct dc_host_model {
    dc_tristate supported;
    char *model;
    char *vendor;
    bool fallback_allow;
    unsigned maxphysaddr_limit; /* 0: not printed */
    char **require;             /* NULL-terminated */
    char **disable;
} dc_host_model;

typedef struct dc_sgx_section {
    unsigned node;
    unsigned long long size_kib;
} dc_sgx_section;

/* Simple features printed as <name supported='yes|no'/> inside <features>. */
typedef enum dc_simple_feature {
    DC_FEAT_VMCOREINFO,
    DC_FEAT_GENID,
    DC_FEAT_BACKING_STORE_INPUT,
    DC_FEAT_BACKUP,
    DC_FEAT_ASYNC_TEARDOWN,
    DC_FEAT_S390_PV,
    DC_FEAT_PS2,
    DC_FEAT_TDX,
    _DC_FEAT_MAX,
} dc_simple_feature;

extern const char *const dc_simple_feature_names[_DC_FEAT_MAX];

typedef struct dc_domcaps {
    char *path;
    char *domain; /* kvm | qemu */
    char *machine;
    char *arch;
    unsigned vcpu_max;
    dc_tristate iothreads;

    struct {
        dc_tristate supported;
        dc_enum firmware;
        dc_tristate firmware_features;
        dc_enum secure_boot;
        dc_enum enrolled_keys;
        struct {
            dc_tristate supported;
            char **values; /* NULL-terminated */
            dc_enum type;
            dc_enum readonly;
            dc_enum secure;
        } loader;
    } os;

    struct {
        dc_tristate host_passthrough;
        dc_enum host_passthrough_migratable;
        dc_tristate maximum;
        dc_enum maximum_migratable;
        dc_host_model host_model;
        dc_tristate custom;
        dc_cpu_model *models;
        size_t nmodels;
    } cpu;

    struct {
        dc_tristate supported;
        dc_enum source_type;
    } memory_backing;

    dc_device devices[_DC_DEV_MAX];

    struct {
        dc_tristate gic;
        dc_enum gic_version;
        dc_tristate simple[_DC_FEAT_MAX];
        struct {
            dc_tristate supported;
            unsigned cbitpos;
            unsigned reduced_phys_bits;
            unsigned max_guests;
            unsigned max_es_guests;
            char *cpu0_id;
        } sev;
        struct {
            dc_tristate supported;
            bool flc, sgx1, sgx2;
            unsigned long long section_size_kib;
            dc_sgx_section *sections;
            size_t nsections;
        } sgx;
        struct {
            dc_tristate supported;
            dc_enum features;
        } hyperv;
        struct {
            dc_tristate supported;
            dc_enum sectype;
        } launch_security;
    } features;

    char **warnings; /* NULL-terminated warnings of the probe behind it (library API), or NULL */
} dc_domcaps;

void dc_domcaps_free(dc_domcaps *caps);

/* Formatting. Both return a newly allocated, NUL-terminated document. */
char *dc_domcaps_format_xml(const dc_domcaps *caps);
char *dc_domcaps_format_json(const dc_domcaps *caps);
