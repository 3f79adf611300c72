/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "domcaps/domcaps.h"
#include "util.h"

#include <assert.h>

#define TABLE(name, max, ...)                                                                      \
    static const char *const name[] = {__VA_ARGS__};                                               \
    static_assert(ELEMENTSOF(name) == (max), #name " does not match its enum")

TABLE(firmware_names, _DC_FIRMWARE_MAX, "bios", "efi");
TABLE(loader_type_names, _DC_LOADER_TYPE_MAX, "rom", "pflash");
TABLE(yesno_names, _DC_YESNO_MAX, "yes", "no");
TABLE(onoff_names, _DC_ONOFF_MAX, "on", "off");
TABLE(mem_source_names, _DC_MEM_SOURCE_MAX, "file", "anonymous", "memfd");
TABLE(disk_device_names, _DC_DISK_DEVICE_MAX, "disk", "cdrom", "floppy", "lun");
TABLE(disk_bus_names, _DC_DISK_BUS_MAX, "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata",
      "sd", "nvme");
TABLE(virtio_model_names, _DC_VIRTIO_MODEL_MAX, "virtio", "virtio-transitional",
      "virtio-non-transitional");
TABLE(graphics_names, _DC_GRAPHICS_MAX, "sdl", "vnc", "rdp", "desktop", "spice", "egl-headless",
      "dbus");
TABLE(video_names, _DC_VIDEO_MAX, "vga", "cirrus", "vmvga", "xen", "vbox", "qxl", "parallels",
      "virtio", "gop", "none", "bochs", "ramfb");
TABLE(hostdev_mode_names, _DC_HOSTDEV_MODE_MAX, "subsystem", "capabilities");
TABLE(startup_policy_names, _DC_STARTUP_POLICY_MAX, "default", "mandatory", "requisite",
      "optional");
TABLE(subsys_names, _DC_SUBSYS_MAX, "usb", "pci", "scsi", "scsi_host", "mdev");
TABLE(caps_type_names, _DC_CAPS_TYPE_MAX, "storage", "misc", "net");
TABLE(pci_backend_names, _DC_PCI_BACKEND_MAX, "default", "kvm", "vfio", "xen");
TABLE(rng_backend_names, _DC_RNG_BACKEND_MAX, "random", "egd", "builtin");
TABLE(fs_driver_names, _DC_FS_DRIVER_MAX, "path", "handle", "loop", "nbd", "ploop", "virtiofs");
TABLE(tpm_model_names, _DC_TPM_MODEL_MAX, "tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy");
TABLE(tpm_backend_names, _DC_TPM_BACKEND_MAX, "passthrough", "emulator", "external");
TABLE(tpm_version_names, _DC_TPM_VERSION_MAX, "1.2", "2.0");
TABLE(redirdev_bus_names, _DC_REDIRDEV_BUS_MAX, "usb");
TABLE(chr_type_names, _DC_CHR_TYPE_MAX, "null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp",
      "tcp", "unix", "spicevmc", "spiceport", "nmdm", "qemu-vdagent", "dbus");
TABLE(crypto_model_names, _DC_CRYPTO_MODEL_MAX, "virtio");
TABLE(crypto_type_names, _DC_CRYPTO_TYPE_MAX, "qemu");
TABLE(crypto_backend_names, _DC_CRYPTO_BACKEND_MAX, "builtin", "lkcf");
TABLE(net_backend_names, _DC_NET_BACKEND_MAX, "default", "passt");
TABLE(panic_model_names, _DC_PANIC_MODEL_MAX, "isa", "pseries", "hyperv", "s390", "pvpanic");
TABLE(gic_version_names, _DC_GIC_VERSION_MAX, "2", "3");
TABLE(hyperv_names, _DC_HYPERV_MAX, "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic",
      "stimer", "reset", "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs",
      "avic", "emsr_bitmap", "xmm_input");
TABLE(sectype_names, _DC_SECTYPE_MAX, "sev", "sev-snp", "s390-pv", "tdx");

static const struct {
    const char *const *names;
    unsigned n;
} enum_tables[] = {
#define E(t, tbl) [t] = {tbl, ELEMENTSOF(tbl)}
    E(DC_E_FIRMWARE, firmware_names),
    E(DC_E_LOADER_TYPE, loader_type_names),
    E(DC_E_YESNO, yesno_names),
    E(DC_E_ONOFF, onoff_names),
    E(DC_E_MEM_SOURCE, mem_source_names),
    E(DC_E_DISK_DEVICE, disk_device_names),
    E(DC_E_DISK_BUS, disk_bus_names),
    E(DC_E_VIRTIO_MODEL, virtio_model_names),
    E(DC_E_GRAPHICS, graphics_names),
    E(DC_E_VIDEO, video_names),
    E(DC_E_HOSTDEV_MODE, hostdev_mode_names),
    E(DC_E_STARTUP_POLICY, startup_policy_names),
    E(DC_E_SUBSYS, subsys_names),
    E(DC_E_CAPS_TYPE, caps_type_names),
    E(DC_E_PCI_BACKEND, pci_backend_names),
    E(DC_E_RNG_BACKEND, rng_backend_names),
    E(DC_E_FS_DRIVER, fs_driver_names),
    E(DC_E_TPM_MODEL, tpm_model_names),
    E(DC_E_TPM_BACKEND, tpm_backend_names),
    E(DC_E_TPM_VERSION, tpm_version_names),
    E(DC_E_REDIRDEV_BUS, redirdev_bus_names),
    E(DC_E_CHR_TYPE, chr_type_names),
    E(DC_E_CRYPTO_MODEL, crypto_model_names),
    E(DC_E_CRYPTO_TYPE, crypto_type_names),
    E(DC_E_CRYPTO_BACKEND, crypto_backend_names),
    E(DC_E_NET_BACKEND, net_backend_names),
    E(DC_E_PANIC_MODEL, panic_model_names),
    E(DC_E_GIC_VERSION, gic_version_names),
    E(DC_E_HYPERV, hyperv_names),
    E(DC_E_SECTYPE, sectype_names),
#undef E
};
static_assert(ELEMENTSOF(enum_tables) == _DC_E_MAX, "an enum type has no table");

const char *dc_enum_value_name(dc_enum_type type, unsigned value)
{
    if ((unsigned)type >= _DC_E_MAX || value >= enum_tables[type].n)
        return NULL;
    return enum_tables[type].names[value];
}

int dc_enum_value_lookup(dc_enum_type type, const char *name)
{
    if ((unsigned)type >= _DC_E_MAX || !name)
        return -1;
    for (unsigned i = 0; i < enum_tables[type].n; i++)
        if (streq(enum_tables[type].names[i], name))
            return (int)i;
    return -1;
}

unsigned dc_enum_value_count(dc_enum_type type)
{
    return (unsigned)type < _DC_E_MAX ? enum_tables[type].n : 0;
}

const dc_device_desc dc_device_descs[_DC_DEV_MAX] = {
    [DC_DEV_DISK] = {"disk",
                     3,
                     {[DC_SLOT_DISK_DISK_DEVICE] = {"diskDevice", DC_E_DISK_DEVICE},
                      [DC_SLOT_DISK_BUS] = {"bus", DC_E_DISK_BUS},
                      [DC_SLOT_DISK_MODEL] = {"model", DC_E_VIRTIO_MODEL}}},
    [DC_DEV_GRAPHICS] = {"graphics", 1, {[DC_SLOT_GRAPHICS_TYPE] = {"type", DC_E_GRAPHICS}}},
    [DC_DEV_VIDEO] = {"video", 1, {[DC_SLOT_VIDEO_MODEL_TYPE] = {"modelType", DC_E_VIDEO}}},
    [DC_DEV_HOSTDEV] = {"hostdev",
                        6,
                        {[DC_SLOT_HOSTDEV_MODE] = {"mode", DC_E_HOSTDEV_MODE},
                         [DC_SLOT_HOSTDEV_STARTUP_POLICY] = {"startupPolicy", DC_E_STARTUP_POLICY},
                         [DC_SLOT_HOSTDEV_SUBSYS_TYPE] = {"subsysType", DC_E_SUBSYS},
                         [DC_SLOT_HOSTDEV_CAPS_TYPE] = {"capsType", DC_E_CAPS_TYPE},
                         [DC_SLOT_HOSTDEV_PCI_BACKEND] = {"pciBackend", DC_E_PCI_BACKEND},
                         [DC_SLOT_HOSTDEV_IOMMUFD] = {"iommufd", DC_E_YESNO}}},
    [DC_DEV_RNG] = {"rng",
                    2,
                    {[DC_SLOT_RNG_MODEL] = {"model", DC_E_VIRTIO_MODEL},
                     [DC_SLOT_RNG_BACKEND_MODEL] = {"backendModel", DC_E_RNG_BACKEND}}},
    [DC_DEV_FILESYSTEM] = {"filesystem",
                           1,
                           {[DC_SLOT_FILESYSTEM_DRIVER_TYPE] = {"driverType", DC_E_FS_DRIVER}}},
    [DC_DEV_TPM] = {"tpm",
                    3,
                    {[DC_SLOT_TPM_MODEL] = {"model", DC_E_TPM_MODEL},
                     [DC_SLOT_TPM_BACKEND_MODEL] = {"backendModel", DC_E_TPM_BACKEND},
                     [DC_SLOT_TPM_BACKEND_VERSION] = {"backendVersion", DC_E_TPM_VERSION}}},
    [DC_DEV_REDIRDEV] = {"redirdev", 1, {[DC_SLOT_REDIRDEV_BUS] = {"bus", DC_E_REDIRDEV_BUS}}},
    [DC_DEV_CHANNEL] = {"channel", 1, {[DC_SLOT_CHANNEL_TYPE] = {"type", DC_E_CHR_TYPE}}},
    [DC_DEV_CRYPTO] = {"crypto",
                       3,
                       {[DC_SLOT_CRYPTO_MODEL] = {"model", DC_E_CRYPTO_MODEL},
                        [DC_SLOT_CRYPTO_TYPE] = {"type", DC_E_CRYPTO_TYPE},
                        [DC_SLOT_CRYPTO_BACKEND_MODEL] = {"backendModel", DC_E_CRYPTO_BACKEND}}},
    [DC_DEV_INTERFACE] = {"interface",
                          1,
                          {[DC_SLOT_INTERFACE_BACKEND_TYPE] = {"backendType", DC_E_NET_BACKEND}}},
    [DC_DEV_PANIC] = {"panic", 1, {[DC_SLOT_PANIC_MODEL] = {"model", DC_E_PANIC_MODEL}}},
    [DC_DEV_CONSOLE] = {"console", 1, {[DC_SLOT_CONSOLE_TYPE] = {"type", DC_E_CHR_TYPE}}},
};

const char *const dc_simple_feature_names[_DC_FEAT_MAX] = {
    [DC_FEAT_VMCOREINFO] = "vmcoreinfo",
    [DC_FEAT_GENID] = "genid",
    [DC_FEAT_BACKING_STORE_INPUT] = "backingStoreInput",
    [DC_FEAT_BACKUP] = "backup",
    [DC_FEAT_ASYNC_TEARDOWN] = "async-teardown",
    [DC_FEAT_S390_PV] = "s390-pv",
    [DC_FEAT_PS2] = "ps2",
    [DC_FEAT_TDX] = "tdx",
};
