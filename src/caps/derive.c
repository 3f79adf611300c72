/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "derive.h"

#include <strings.h>

#include "arch.h"
#include "cpu_model.h"

#define T(name) dc_qemu_has_type(qc, name)

static const dc_qemu_machine *find_machine(const dc_qemu_accel *a, const char *name)
{
    for (size_t i = 0; i < a->nmachines; i++)
        if (streq(a->machines[i].name, name))
            return &a->machines[i];
    for (size_t i = 0; i < a->nmachines; i++)
        if (streq_ptr(a->machines[i].alias, name))
            return &a->machines[i];
    return NULL;
}

static const dc_qemu_machine *default_machine(const dc_qemu_accel *a, const char *arch)
{
    const char *pref = dc_arch_preferred_machine(arch);
    const dc_qemu_machine *m = pref ? find_machine(a, pref) : NULL;
    if (m)
        return m;
    for (size_t i = 0; i < a->nmachines; i++)
        if (a->machines[i].is_default)
            return &a->machines[i];
    return a->nmachines ? &a->machines[0] : NULL;
}

static bool machine_is_i440fx(const char *m)
{
    return startswith(m, "pc-i440fx-") || streq(m, "pc");
}
static bool machine_is_q35(const char *m) { return startswith(m, "pc-q35-") || streq(m, "q35"); }
static bool machine_is_pc_family(const char *m)
{
    return machine_is_i440fx(m) || machine_is_q35(m) || streq(m, "isapc") || startswith(m, "xenfv");
}
static bool machine_is_arm_virt(const char *m)
{
    return streq(m, "virt") || startswith(m, "virt-");
}
static bool machine_is_pseries(const char *m)
{
    return streq(m, "pseries") || startswith(m, "pseries-");
}

/* Machines whose board has an IDE controller built in. */
static bool machine_has_builtin_ide(const char *arch, const char *m)
{
    return (dc_arch_is_x86(arch) && (machine_is_i440fx(m) || streq(m, "isapc"))) ||
           streq(m, "malta") || streq(m, "sun4u") || streq(m, "g3beige");
}

/* Whether a floppy controller can exist on this machine (built in or addable). */
static bool machine_supports_floppy(const dc_qemu_caps *qc, const char *arch, const char *m)
{
    if (dc_arch_is_x86(arch) && machine_is_pc_family(m))
        return T("isa-fdc");
    return false;
}

/*
 * Secure-boot builds of OVMF require SMM; a KVM without KVM_CAP_X86_SMM
 * (some nested hosts) cannot start them, so under KVM they are not offered.
 * libvirt 9.0 lists them anyway; the host report says smm='no' and check
 * refuses such a domain (host-smm). An unknown answer (-1) offers them.
 */
static bool firmware_runs(const dc_firmware *fw, const dc_host *host, bool kvm, const char *arch)
{
    if (kvm && dc_arch_is_x86(arch) && host->info.kvm.smm == 0)
        return !dc_firmware_has_feature(fw, "requires-smm");
    return true;
}

static void fill_os(dc_domcaps *caps, const dc_host *host, bool kvm, const char *arch,
                    const char *machine)
{
    caps->os.supported = DC_YES;
    caps->os.firmware.report = true;
    caps->os.secure_boot.report = caps->os.enrolled_keys.report = true;
    dc_strv loaders = {0};
    bool any = false, smm = false;
    for (size_t i = 0; i < host->firmware.n; i++) {
        const dc_firmware *fw = &host->firmware.items[i];
        /* A descriptor whose image is missing cannot boot anything: skip it. */
        if (!fw->executable_exists || !dc_firmware_matches(fw, arch, machine) ||
            !firmware_runs(fw, host, kvm, arch))
            continue;
        any = true;
        if (fw->interfaces & DC_FW_IFACE_BIOS)
            dc_enum_set(&caps->os.firmware, DC_FIRMWARE_BIOS);
        if (fw->interfaces & DC_FW_IFACE_UEFI)
            dc_enum_set(&caps->os.firmware, DC_FIRMWARE_EFI);
        dc_enum_set(&caps->os.secure_boot,
                    dc_firmware_has_feature(fw, "secure-boot") ? DC_YES_V : DC_NO_V);
        dc_enum_set(&caps->os.enrolled_keys,
                    dc_firmware_has_feature(fw, "enrolled-keys") ? DC_YES_V : DC_NO_V);
        if (dc_firmware_has_feature(fw, "requires-smm"))
            smm = true;
        if (fw->executable && (streq_ptr(fw->device, "flash") || streq_ptr(fw->device, "memory")))
            dc_strv_add_unique(&loaders, fw->executable);
    }
    caps->os.firmware_features = any ? DC_YES : DC_NO;
    caps->os.loader.supported = DC_YES;
    caps->os.loader.values = loaders.v ? loaders.v : xcalloc(1, sizeof(char *));
    dc_enum_set(&caps->os.loader.type, DC_LOADER_ROM);
    dc_enum_set(&caps->os.loader.type, DC_LOADER_PFLASH);
    dc_enum_set(&caps->os.loader.readonly, DC_YES_V);
    dc_enum_set(&caps->os.loader.readonly, DC_NO_V);
    if (smm)
        dc_enum_set(&caps->os.loader.secure, DC_YES_V);
    dc_enum_set(&caps->os.loader.secure, DC_NO_V);
}

/* The sPAPR CPU core type QEMU has for a model, named after its CPU type. */
static bool has_spapr_core(const dc_qemu_caps *qc, const dc_qemu_cpudef *d)
{
    if (!d->typename)
        return false;
    const char *suffix = strrchr(d->typename, '-');
    size_t base =
        suffix && streq(suffix, "-cpu") ? (size_t)(suffix - d->typename) : strlen(d->typename);
    /* power9_v2.0-powerpc64-cpu -> power9_v2.0-spapr-cpu-core */
    const char *family = memchr(d->typename, '-', base);
    size_t stem = family ? (size_t)(family - d->typename) : base;
    _cleanup_free_ char *core = xasprintf("%.*s-spapr-cpu-core", (int)stem, d->typename);
    return dc_qemu_has_type(qc, core);
}

/* Architectures libvirt has a CPU driver for (x86, ARM, ppc64, s390, RISC-V, LoongArch). */
static bool arch_has_cpu_driver(const char *arch)
{
    return dc_arch_is_x86(arch) || dc_arch_is_arm(arch) || dc_arch_is_ppc64(arch) ||
           dc_arch_is_s390(arch) || streq(arch, "riscv64") || streq(arch, "loongarch64");
}

/*
 * libvirt's ppc64 models are the POWER generations, spelled POWER7, POWER8,
 * POWER9, POWER10. QEMU offers each generation as an alias "power<N>" for its
 * current revision (power9 -> power9_v2.0) and matches -cpu names without
 * regard to case, so libvirt's spelling reaches the same CPU. Revisions and
 * variants (power9_v1.0, power8e, power7+) and the other families (970, e500)
 * are not listed: libvirt's ppc64 map has none of them. Returns NULL for them.
 */
static char *ppc64_generation_name(const char *qemu_name)
{
    if (strncasecmp(qemu_name, "power", 5) != 0)
        return NULL;
    const char *gen = qemu_name + 5;
    if (!*gen || gen[0] == '0' || strspn(gen, "0123456789") != strlen(gen))
        return NULL;
    return xasprintf("POWER%s", gen);
}

static void fill_cpu(dc_domcaps *caps, const dc_qemu_caps *qc, const dc_qemu_accel *a,
                     const dc_host *host, bool kvm, const char *arch, const char *machine)
{
    bool x86 = dc_arch_is_x86(arch);

    /* kvm is only chosen for an arch native to the host (kvm_unavailable_reason). */
    caps->cpu.host_passthrough = kvm ? DC_YES : DC_NO;
    if (caps->cpu.host_passthrough == DC_YES) {
        if (qc->max_cpu_migratable)
            dc_enum_set(&caps->cpu.host_passthrough_migratable, DC_ON_V);
        dc_enum_set(&caps->cpu.host_passthrough_migratable, DC_OFF_V);
    }

    bool have_max = false;
    for (size_t i = 0; i < a->ncpus; i++)
        if (streq(a->cpus[i].name, "max"))
            have_max = true;
    caps->cpu.maximum = have_max ? DC_YES : DC_NO;
    if (have_max) {
        dc_enum_set(&caps->cpu.maximum_migratable, DC_ON_V);
        dc_enum_set(&caps->cpu.maximum_migratable, DC_OFF_V);
    }

    caps->cpu.host_model.supported = DC_NO;
    if (x86 && a->host_model.supported == DC_YES) {
        dc_host_model_copy(&caps->cpu.host_model, &a->host_model);
        if (kvm && host->info.cpu.phys_bits)
            caps->cpu.host_model.maxphysaddr_limit = host->info.cpu.phys_bits;
    }

    /* Without a CPU driver for the arch libvirt refuses every custom model. */
    if (!a->have_cpu_defs || a->ncpus == 0 || !arch_has_cpu_driver(arch)) {
        caps->cpu.custom = DC_NO;
        return;
    }
    bool ppc64 = dc_arch_is_ppc64(arch);
    bool spapr_cores = false;
    if (machine_is_pseries(machine))
        for (size_t i = 0; i < qc->types.n && !spapr_cores; i++)
            spapr_cores = endswith(qc->types.v[i], "-spapr-cpu-core");
    caps->cpu.models = xcalloc(a->ncpus ? a->ncpus : 1, sizeof(dc_cpu_model));
    for (size_t i = 0; i < a->ncpus; i++) {
        const dc_qemu_cpudef *d = &a->cpus[i];
        if (streq(d->name, "host"))
            continue;
        /* max and base are accepted by QEMU but are not CPU models to offer. */
        if (x86 && (streq(d->name, "max") || streq(d->name, "base")))
            continue;
        _cleanup_free_ char *power = ppc64 ? ppc64_generation_name(d->name) : NULL;
        if (ppc64 && !power)
            continue;
        bool listed = false;
        for (size_t j = 0; power && j < caps->cpu.nmodels; j++)
            listed |= streq(caps->cpu.models[j].name, power);
        if (listed)
            continue;
        /* pseries builds its CPUs from sPAPR cores: only models with one can be used. */
        if (spapr_cores && !has_spapr_core(qc, d))
            continue;
        dc_cpu_model *m = &caps->cpu.models[caps->cpu.nmodels++];
        m->name = power ? TAKE_PTR(power) : xstrdup(d->name);
        m->usable = d->usable < 0 ? DC_USABLE_UNKNOWN : d->usable ? DC_USABLE_YES : DC_USABLE_NO;
        m->deprecated = d->deprecated;
        /* Every POWER generation is IBM's design; QEMU has no vendor for ppc. */
        m->vendor = ppc64 ? xstrdup("IBM") : d->vendor ? xstrdup(d->vendor) : NULL;
        m->canonical = d->alias_of ? xstrdup(d->alias_of) : NULL;
        if (m->usable == DC_USABLE_NO) {
            dc_strv b = {0};
            for (size_t j = 0; j < d->unavailable.n; j++)
                dc_strv_add(&b, d->unavailable.v[j]);
            m->blockers = b.v;
        }
    }
    caps->cpu.custom = caps->cpu.nmodels ? DC_YES : DC_NO;
}

static int cmp_model(const void *a, const void *b)
{
    return strcmp(((const dc_cpu_model *)a)->name, ((const dc_cpu_model *)b)->name);
}

#define DEV(kind) (&caps->devices[kind])
#define SET(kind, idx, v) dc_enum_set(&DEV(kind)->enums[idx], v)
#define REPORT(kind, idx) (DEV(kind)->enums[idx].report = true)

static bool any_transitional(const dc_qemu_caps *qc)
{
    for (size_t i = 0; i < qc->types.n; i++)
        if (endswith(qc->types.v[i], "-transitional"))
            return true;
    return false;
}

static void fill_virtio_models(dc_domcaps *caps, dc_device_kind kind, dc_device_slot idx,
                               bool virtio, bool trans)
{
    REPORT(kind, idx);
    if (virtio)
        SET(kind, idx, DC_VIRTIO);
    if (trans) {
        SET(kind, idx, DC_VIRTIO_TRANSITIONAL);
        SET(kind, idx, DC_VIRTIO_NON_TRANSITIONAL);
    }
}

/* The disk devices, buses and models. */
static void fill_disk(dc_domcaps *caps, const dc_qemu_caps *qc, const char *arch,
                      const char *machine, bool trans)
{
    /* disk */
    bool floppy = machine_supports_floppy(qc, arch, machine);
    SET(DC_DEV_DISK, DC_SLOT_DISK_DISK_DEVICE, DC_DISK_DISK);
    SET(DC_DEV_DISK, DC_SLOT_DISK_DISK_DEVICE, DC_DISK_CDROM);
    if (floppy)
        SET(DC_DEV_DISK, DC_SLOT_DISK_DISK_DEVICE, DC_DISK_FLOPPY);
    SET(DC_DEV_DISK, DC_SLOT_DISK_DISK_DEVICE, DC_DISK_LUN);
    if (machine_has_builtin_ide(arch, machine))
        SET(DC_DEV_DISK, DC_SLOT_DISK_BUS, DC_BUS_IDE);
    if (floppy)
        SET(DC_DEV_DISK, DC_SLOT_DISK_BUS, DC_BUS_FDC);
    SET(DC_DEV_DISK, DC_SLOT_DISK_BUS, DC_BUS_SCSI);
    SET(DC_DEV_DISK, DC_SLOT_DISK_BUS, DC_BUS_VIRTIO);
    if (T("usb-storage") || T("usb-bot"))
        SET(DC_DEV_DISK, DC_SLOT_DISK_BUS, DC_BUS_USB);
    if (T("ich9-ahci"))
        SET(DC_DEV_DISK, DC_SLOT_DISK_BUS, DC_BUS_SATA);
    if (T("nvme-ns"))
        SET(DC_DEV_DISK, DC_SLOT_DISK_BUS, DC_BUS_NVME);
    fill_virtio_models(caps, DC_DEV_DISK, DC_SLOT_DISK_MODEL, true, trans);
}

/* Graphics types and video models. */
static void fill_graphics_video(dc_domcaps *caps, const dc_qemu_caps *qc, const dc_host *host,
                                bool spice)
{
    /* graphics */
    if (qc->schema_sdl)
        SET(DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE, DC_GFX_SDL);
    if (dc_qemu_has_command(qc, "query-vnc"))
        SET(DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE, DC_GFX_VNC);
    if (qc->schema_dbus && host->qemu_rdp)
        SET(DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE, DC_GFX_RDP);
    if (spice)
        SET(DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE, DC_GFX_SPICE);
    if (qc->schema_egl_headless)
        SET(DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE, DC_GFX_EGL_HEADLESS);
    if (qc->schema_dbus)
        SET(DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE, DC_GFX_DBUS);

    /* video */
    static const struct {
        const char *type;
        unsigned model;
    } video[] = {
        {"VGA", DC_VIDEO_VGA},
        {"cirrus-vga", DC_VIDEO_CIRRUS},
        {"vmware-svga", DC_VIDEO_VMVGA},
        {"qxl", DC_VIDEO_QXL},
        {"virtio-gpu-pci", DC_VIDEO_VIRTIO},
        {"virtio-gpu-device", DC_VIDEO_VIRTIO},
        {"bochs-display", DC_VIDEO_BOCHS},
        {"ramfb", DC_VIDEO_RAMFB},
    };
    for (size_t i = 0; i < ELEMENTSOF(video); i++)
        if (T(video[i].type))
            SET(DC_DEV_VIDEO, DC_SLOT_VIDEO_MODEL_TYPE, video[i].model);
    SET(DC_DEV_VIDEO, DC_SLOT_VIDEO_MODEL_TYPE, DC_VIDEO_NONE);
}

/* Host device modes, subsystems and the PCI backends VFIO allows. */
static void fill_hostdev(dc_domcaps *caps, const dc_qemu_caps *qc, const dc_host *host)
{
    /* hostdev */
    SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_MODE, DC_HOSTDEV_SUBSYSTEM);
    for (unsigned p = 0; p < _DC_STARTUP_POLICY_MAX; p++)
        SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_STARTUP_POLICY, p);
    static const char *const usb_ctrls[] = {
        "piix3-usb-uhci",     "piix4-usb-uhci", "usb-ehci",     "ich9-usb-ehci1",
        "vt82c686b-usb-uhci", "pci-ohci",       "nec-usb-xhci", "qemu-xhci",
    };
    for (size_t i = 0; i < ELEMENTSOF(usb_ctrls); i++)
        if (T(usb_ctrls[i])) {
            SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_SUBSYS_TYPE, DC_SUBSYS_USB);
            break;
        }
    SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_SUBSYS_TYPE, DC_SUBSYS_PCI);
    SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_SUBSYS_TYPE, DC_SUBSYS_SCSI);
    bool vfio = host->info.vfio.iommu_groups && host->info.vfio.dev_vfio && T("vfio-pci");
    if (vfio) {
        SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_PCI_BACKEND, DC_PCI_DEFAULT);
        SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_PCI_BACKEND, DC_PCI_VFIO);
    }
    if (vfio && T("iommufd") && host->info.vfio.dev_iommu)
        SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_IOMMUFD, DC_YES_V);
    SET(DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_IOMMUFD, DC_NO_V);
}

/* RNG models and backends, filesystem drivers. */
static void fill_rng_filesystem(dc_domcaps *caps, const dc_qemu_caps *qc, bool trans)
{
    /* rng */
    fill_virtio_models(caps, DC_DEV_RNG, DC_SLOT_RNG_MODEL,
                       T("virtio-rng-pci") || T("virtio-rng-ccw") || T("virtio-rng-device"), trans);
    if (T("rng-random"))
        SET(DC_DEV_RNG, DC_SLOT_RNG_BACKEND_MODEL, DC_RNG_RANDOM);
    if (T("rng-egd"))
        SET(DC_DEV_RNG, DC_SLOT_RNG_BACKEND_MODEL, DC_RNG_EGD);
    if (T("rng-builtin"))
        SET(DC_DEV_RNG, DC_SLOT_RNG_BACKEND_MODEL, DC_RNG_BUILTIN);

    /* filesystem: 9p 'path' always; 'handle' left QEMU in 6.0 */
    SET(DC_DEV_FILESYSTEM, DC_SLOT_FILESYSTEM_DRIVER_TYPE, DC_FS_PATH);
    if (T("vhost-user-fs-device"))
        SET(DC_DEV_FILESYSTEM, DC_SLOT_FILESYSTEM_DRIVER_TYPE, DC_FS_VIRTIOFS);
}

/* TPM models (from query-tpm-models when QEMU has it), backends and versions (swtpm). */
static void fill_tpm(dc_domcaps *caps, const dc_qemu_caps *qc, const dc_host *host)
{
    /* tpm */
    bool tis, crb, spapr, passthrough, emulator;
    if (qc->have_tpm_query) {
        tis = dc_strv_contains(&qc->tpm_models, "tpm-tis");
        crb = dc_strv_contains(&qc->tpm_models, "tpm-crb");
        spapr = dc_strv_contains(&qc->tpm_models, "tpm-spapr");
        passthrough = dc_strv_contains(&qc->tpm_types, "passthrough");
        emulator = dc_strv_contains(&qc->tpm_types, "emulator");
    } else {
        tis = T("tpm-tis") || T("tpm-tis-device") || T("tpm-tis-i2c");
        crb = T("tpm-crb");
        spapr = T("tpm-spapr");
        passthrough = T("tpm-passthrough");
        emulator = T("tpm-emulator");
    }
    if (tis)
        SET(DC_DEV_TPM, DC_SLOT_TPM_MODEL, DC_TPM_TIS);
    if (crb)
        SET(DC_DEV_TPM, DC_SLOT_TPM_MODEL, DC_TPM_CRB);
    if (spapr)
        SET(DC_DEV_TPM, DC_SLOT_TPM_MODEL, DC_TPM_SPAPR);
    if (T("spapr-tpm-proxy"))
        SET(DC_DEV_TPM, DC_SLOT_TPM_MODEL, DC_TPM_SPAPR_PROXY);
    if (passthrough)
        SET(DC_DEV_TPM, DC_SLOT_TPM_BACKEND_MODEL, DC_TPM_PASSTHROUGH);
    if (emulator && host->tpm.swtpm) {
        SET(DC_DEV_TPM, DC_SLOT_TPM_BACKEND_MODEL, DC_TPM_EMULATOR);
        SET(DC_DEV_TPM, DC_SLOT_TPM_BACKEND_MODEL, DC_TPM_EXTERNAL);
    }
    DEV(DC_DEV_TPM)->enums[DC_SLOT_TPM_BACKEND_VERSION].report = host->tpm.swtpm;
    if (host->tpm.swtpm && host->tpm.v12)
        SET(DC_DEV_TPM, DC_SLOT_TPM_BACKEND_VERSION, DC_TPM_V12);
    if (host->tpm.swtpm && host->tpm.v20)
        SET(DC_DEV_TPM, DC_SLOT_TPM_BACKEND_VERSION, DC_TPM_V20);
    if (!DEV(DC_DEV_TPM)->enums[DC_SLOT_TPM_MODEL].values)
        DEV(DC_DEV_TPM)->supported = DC_NO;
}

/* USB redirection, channel types, crypto and network backends. */
static void fill_redirdev_channel_crypto_interface(dc_domcaps *caps, const dc_qemu_caps *qc,
                                                   bool spice)
{
    /* redirdev */
    if (T("usb-redir"))
        SET(DC_DEV_REDIRDEV, DC_SLOT_REDIRDEV_BUS, DC_REDIR_USB);
    else
        DEV(DC_DEV_REDIRDEV)->supported = DC_NO;

    /* channel */
    SET(DC_DEV_CHANNEL, DC_SLOT_CHANNEL_TYPE, DC_CHR_PTY);
    SET(DC_DEV_CHANNEL, DC_SLOT_CHANNEL_TYPE, DC_CHR_UNIX);
    if (spice)
        SET(DC_DEV_CHANNEL, DC_SLOT_CHANNEL_TYPE, DC_CHR_SPICEVMC);

    /* crypto */
    if (T("virtio-crypto-pci") || T("virtio-crypto-device"))
        SET(DC_DEV_CRYPTO, DC_SLOT_CRYPTO_MODEL, DC_CRYPTO_VIRTIO);
    SET(DC_DEV_CRYPTO, DC_SLOT_CRYPTO_TYPE, DC_CRYPTO_QEMU);
    SET(DC_DEV_CRYPTO, DC_SLOT_CRYPTO_BACKEND_MODEL, DC_CRYPTO_BUILTIN);
    if (T("cryptodev-backend-lkcf"))
        SET(DC_DEV_CRYPTO, DC_SLOT_CRYPTO_BACKEND_MODEL, DC_CRYPTO_LKCF);

    /* interface */
    if (qc->schema_netdev_user)
        SET(DC_DEV_INTERFACE, DC_SLOT_INTERFACE_BACKEND_TYPE, DC_NET_DEFAULT);
    if (qc->schema_netdev_stream)
        SET(DC_DEV_INTERFACE, DC_SLOT_INTERFACE_BACKEND_TYPE, DC_NET_PASST);
}

/* Panic models and console types. */
static void fill_panic_console(dc_domcaps *caps, const dc_qemu_caps *qc, const char *arch,
                               const char *machine, bool spice)
{
    /* panic */
    if (T("pvpanic"))
        SET(DC_DEV_PANIC, DC_SLOT_PANIC_MODEL, DC_PANIC_ISA);
    if (machine_is_pseries(machine))
        SET(DC_DEV_PANIC, DC_SLOT_PANIC_MODEL, DC_PANIC_PSERIES);
    if (dc_arch_is_x86(arch))
        SET(DC_DEV_PANIC, DC_SLOT_PANIC_MODEL, DC_PANIC_HYPERV);
    if (dc_arch_is_s390(arch))
        SET(DC_DEV_PANIC, DC_SLOT_PANIC_MODEL, DC_PANIC_S390);
    if (T("pvpanic-pci"))
        SET(DC_DEV_PANIC, DC_SLOT_PANIC_MODEL, DC_PANIC_PVPANIC);
    if (!DEV(DC_DEV_PANIC)->enums[DC_SLOT_PANIC_MODEL].values)
        DEV(DC_DEV_PANIC)->supported = DC_NO;

    /* console */
    static const unsigned always[] = {DC_CHR_NULL, DC_CHR_VC,   DC_CHR_PTY,   DC_CHR_DEV,
                                      DC_CHR_FILE, DC_CHR_PIPE, DC_CHR_STDIO, DC_CHR_UDP,
                                      DC_CHR_TCP,  DC_CHR_UNIX, DC_CHR_DBUS};
    for (size_t i = 0; i < ELEMENTSOF(always); i++)
        SET(DC_DEV_CONSOLE, DC_SLOT_CONSOLE_TYPE, always[i]);
    if (qc->schema_vdagent)
        SET(DC_DEV_CONSOLE, DC_SLOT_CONSOLE_TYPE, DC_CHR_QEMU_VDAGENT);
    if (spice) {
        SET(DC_DEV_CONSOLE, DC_SLOT_CONSOLE_TYPE, DC_CHR_SPICEVMC);
        SET(DC_DEV_CONSOLE, DC_SLOT_CONSOLE_TYPE, DC_CHR_SPICEPORT);
    }
}

static void fill_devices(dc_domcaps *caps, const dc_qemu_caps *qc, const dc_host *host,
                         const char *arch, const char *machine)
{
    bool trans = any_transitional(qc);
    bool spice = qc->cl_spice || dc_qemu_has_command(qc, "query-spice");

    for (unsigned k = 0; k < _DC_DEV_MAX; k++) {
        DEV(k)->supported = DC_YES;
        for (unsigned e = 0; e < dc_device_descs[k].nenums; e++)
            DEV(k)->enums[e].report = true;
    }

    fill_disk(caps, qc, arch, machine, trans);
    fill_graphics_video(caps, qc, host, spice);
    fill_hostdev(caps, qc, host);
    fill_rng_filesystem(caps, qc, trans);
    fill_tpm(caps, qc, host);
    fill_redirdev_channel_crypto_interface(caps, qc, spice);
    fill_panic_console(caps, qc, arch, machine, spice);
}

/* SGX as QEMU reports it (query-sgx-capabilities), under KVM only. */
static void fill_sgx(dc_domcaps *caps, const dc_qemu_caps *qc, bool kvm)
{
    bool sgx = kvm && qc->sgx_valid;
    caps->features.sgx.supported = sgx ? DC_YES : DC_NO;
    if (!sgx)
        return;
    caps->features.sgx.flc = qc->sgx_flc;
    caps->features.sgx.sgx1 = qc->sgx_sgx1;
    caps->features.sgx.sgx2 = qc->sgx_sgx2;
    caps->features.sgx.section_size_kib = qc->sgx_section_size / 1024;
    caps->features.sgx.nsections = qc->sgx_nsections;
    caps->features.sgx.sections =
        xcalloc(qc->sgx_nsections ? qc->sgx_nsections : 1, sizeof(dc_sgx_section));
    for (size_t i = 0; i < qc->sgx_nsections; i++) {
        caps->features.sgx.sections[i].node = qc->sgx_sections[i].node;
        caps->features.sgx.sections[i].size_kib = qc->sgx_sections[i].size / 1024;
    }
}

/* The Hyper-V enlightenments the accelerator's CPU has (hv-* properties, x86 and arm). */
static void fill_hyperv(dc_domcaps *caps, const dc_qemu_accel *a, const char *arch)
{
    if (!(dc_arch_is_x86(arch) || dc_arch_is_arm(arch)) || !a->hyperv_valid)
        return;
    for (size_t i = 0; i < a->hyperv.n; i++) {
        _cleanup_free_ char *name = xstrdup(a->hyperv.v[i] + 3);
        for (char *p = name; *p; p++)
            if (*p == '-')
                *p = '_';
        int v = dc_enum_value_lookup(DC_E_HYPERV, name);
        if (v >= 0)
            dc_enum_set(&caps->features.hyperv.features, (unsigned)v);
    }
    if (caps->features.hyperv.features.values)
        caps->features.hyperv.supported = DC_YES;
}

static void fill_features(dc_domcaps *caps, const dc_qemu_caps *qc, const dc_qemu_accel *a,
                          const dc_host *host, bool kvm, const char *arch, const char *machine)
{
    dc_tristate *f = caps->features.simple;

    caps->features.gic = DC_NO;
    if (dc_arch_is_arm(arch) && machine_is_arm_virt(machine) && qc->gic_valid) {
        unsigned mask = kvm ? qc->gic_kernel : qc->gic_emulated;
        if (mask & (1u << 2))
            dc_enum_set(&caps->features.gic_version, DC_GIC_V2);
        if (mask & (1u << 3))
            dc_enum_set(&caps->features.gic_version, DC_GIC_V3);
        if (mask)
            caps->features.gic = DC_YES;
    }

    f[DC_FEAT_VMCOREINFO] = T("vmcoreinfo") ? DC_YES : DC_NO;
    f[DC_FEAT_GENID] = T("vmgenid") ? DC_YES : DC_NO;
    f[DC_FEAT_BACKING_STORE_INPUT] = DC_YES;
    f[DC_FEAT_BACKUP] = DC_YES;
    f[DC_FEAT_ASYNC_TEARDOWN] = qc->cl_async_teardown ? DC_YES : DC_NO;
    bool s390pv = dc_arch_is_s390(arch) && kvm && qc->none_machine_cgs && T("s390-pv-guest") &&
                  host->info.kvm.s390_pv;
    f[DC_FEAT_S390_PV] = s390pv ? DC_YES : DC_NO;
    f[DC_FEAT_PS2] =
        T("i8042") && qc->pc_machine_i8042 && machine_is_pc_family(machine) ? DC_YES : DC_NO;
    bool tdx = streq(arch, "x86_64") && kvm && T("tdx-guest") && host->info.kvm.tdx;
    f[DC_FEAT_TDX] = tdx ? DC_YES : DC_NO;

    /*
     * QEMU answers query-sev-capabilities only where the host has SEV (it
     * opens /dev/sev and asks the firmware), so its answer is the host side,
     * as recorded; the root's kvm_amd parameters are not asked again.
     */
    bool sev = kvm && qc->sev_valid;
    caps->features.sev.supported = sev ? DC_YES : DC_NO;
    if (sev) {
        caps->features.sev.cbitpos = qc->sev_cbitpos;
        caps->features.sev.reduced_phys_bits = qc->sev_reduced_phys_bits;
        caps->features.sev.cpu0_id = qc->sev_cpu0_id ? xstrdup(qc->sev_cpu0_id) : NULL;
    }

    fill_sgx(caps, qc, kvm);
    fill_hyperv(caps, a, arch);

    if (sev)
        dc_enum_set(&caps->features.launch_security.sectype, DC_SEC_SEV);
    if (sev && T("sev-snp-guest"))
        dc_enum_set(&caps->features.launch_security.sectype, DC_SEC_SEV_SNP);
    if (s390pv)
        dc_enum_set(&caps->features.launch_security.sectype, DC_SEC_S390_PV);
    if (tdx)
        dc_enum_set(&caps->features.launch_security.sectype, DC_SEC_TDX);
    caps->features.launch_security.supported =
        caps->features.launch_security.sectype.values ? DC_YES : DC_NO;
}

/*
 * The arch of the host KVM would run on, for guests of the emulator's arch.
 * A QEMU that enabled KVM (live, or as recorded) ran on a host native to its
 * own target: that settles it, whatever machine replays the recording. Else
 * the root's arch (recorded in a captured root, the kernel's for the live
 * one); NULL when neither says, and the other checks decide.
 */
static const char *kvm_host_arch(const dc_qemu_caps *qc, const dc_host *host)
{
    if (qc->kvm_enabled)
        return qc->arch;
    return host->info.cpu.arch;
}

static char *kvm_unavailable_reason(const dc_qemu_caps *qc, const dc_host *host, const char *arch)
{
    const char *host_arch = kvm_host_arch(qc, host);
    if (host_arch && !dc_arch_native_to(arch, host_arch))
        return xasprintf("guest architecture '%s' is not native to this %s host", arch, host_arch);
    if (!host->info.kvm.exists)
        return xstrdup("/dev/kvm does not exist");
    if (!host->info.kvm.usable)
        return xstrdup(host->info.kvm.reason ? host->info.kvm.reason : "/dev/kvm is not usable");
    if (!qc->kvm_enabled)
        return xasprintf("%s did not enable KVM (query-kvm reports it absent or disabled)",
                         qc->binary);
    return NULL;
}

int dc_domcaps_derive(const dc_qemu_caps *qc, const dc_host *host, const dc_request *req,
                      dc_domcaps **ret, dc_error *err)
{
    const char *arch = req->arch ? req->arch : qc->arch;
    if (!dc_arch_served_by(arch, qc->arch)) {
        return dc_error_set(err, -EINVAL,
                            "emulator '%s' is for %s and cannot serve architecture '%s'",
                            qc->binary, qc->arch, arch);
    }

    _cleanup_free_ char *why = kvm_unavailable_reason(qc, host, arch);
    bool kvm;
    if (!req->virttype)
        kvm = !why;
    else if (streq(req->virttype, "kvm")) {
        if (why) {
            return dc_error_set(err, -EINVAL, "virttype 'kvm' is not available: %s", why);
        }
        kvm = true;
    } else if (streq(req->virttype, "qemu"))
        kvm = false;
    else {
        return dc_error_set(err, -EINVAL, "unknown virttype '%s' (expected kvm or qemu)",
                            req->virttype);
    }

    const dc_qemu_accel *a = dc_qemu_accel_for(qc, kvm);
    if (!a) {
        return dc_error_set(err, -EINVAL, "virttype '%s' is not available: %s",
                            kvm ? "kvm" : "qemu",
                            kvm ? "QEMU did not enable KVM"
                                : "the emulator was not probed with TCG (built without it?)");
    }

    const dc_qemu_machine *m =
        req->machine ? find_machine(a, req->machine) : default_machine(a, arch);
    if (!m) {
        return dc_error_take(err, -EINVAL,
                             req->machine
                                 ? xasprintf("the machine '%s' is not supported by emulator '%s'",
                                             req->machine, qc->binary)
                                 : xasprintf("emulator '%s' reports no machine types", qc->binary));
    }

    dc_domcaps *caps = xcalloc(1, sizeof(*caps));
    caps->path = xstrdup(qc->binary);
    caps->domain = xstrdup(kvm ? "kvm" : "qemu");
    caps->machine = xstrdup(m->name);
    caps->arch = xstrdup(arch);
    caps->vcpu_max = m->cpu_max;
    if (kvm && host->info.kvm.max_vcpus && host->info.kvm.max_vcpus < caps->vcpu_max)
        caps->vcpu_max = host->info.kvm.max_vcpus;
    caps->iothreads = DC_YES;

    fill_os(caps, host, kvm, arch, m->name);
    fill_cpu(caps, qc, a, host, kvm, arch, m->name);
    if (caps->cpu.nmodels > 1)
        qsort(caps->cpu.models, caps->cpu.nmodels, sizeof(dc_cpu_model), cmp_model);

    caps->memory_backing.supported = DC_YES;
    dc_enum_set(&caps->memory_backing.source_type, DC_MEM_FILE);
    dc_enum_set(&caps->memory_backing.source_type, DC_MEM_ANONYMOUS);
    if (T("memory-backend-memfd"))
        dc_enum_set(&caps->memory_backing.source_type, DC_MEM_MEMFD);

    fill_devices(caps, qc, host, arch, m->name);
    fill_features(caps, qc, a, host, kvm, arch, m->name);
    *ret = caps;
    return 0;
}

static void free_strs(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void dc_domcaps_free(dc_domcaps *caps)
{
    if (!caps)
        return;
    free(caps->path);
    free(caps->domain);
    free(caps->machine);
    free(caps->arch);
    free_strs(caps->os.loader.values);
    dc_host_model_clear(&caps->cpu.host_model);
    for (size_t i = 0; i < caps->cpu.nmodels; i++) {
        free(caps->cpu.models[i].name);
        free(caps->cpu.models[i].vendor);
        free(caps->cpu.models[i].canonical);
        free_strs(caps->cpu.models[i].blockers);
    }
    free(caps->cpu.models);
    free(caps->features.sev.cpu0_id);
    free(caps->features.sgx.sections);
    free_strs(caps->warnings);
    free(caps);
}
