/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt's XML validation of devices: disks, controllers, interfaces, input,
 * video, sound, TPM, filesystems, memballoon, rng (define-time refusals), and
 * the few start-time refusals that follow from the XML alone (multiqueue on
 * user networking, virtio model names QEMU does not have, -soundhw).
 */
#include "check_internal.h"

#include <libxml/hash.h>

#include <ctype.h>

#include "xmlsafe.h"

/* ---- shared facts ------------------------------------------------------------ */

/* Machines on which libvirt gives a device without an address a PCI address. */
static bool pci_machine(chk *c)
{
    return c->pc || c->q35 || c->arm_virt || c->riscv_virt || c->pseries;
}

static bool transitional_model(const char *model)
{
    return model &&
           (streq(model, "virtio-transitional") || streq(model, "virtio-non-transitional"));
}

/*
 * libvirt names the QEMU device of a virtio (non-)transitional model after
 * the address: <base>-pci, -ccw or -device, then the suffix. Only the
 * address kinds where that name can be missing are judged: CCW (s390, QEMU
 * has no transitional CCW device at all) and, for kinds no other rule looks
 * at, PCI.
 */
static void virtio_model_device(chk *c, dc_rule rule, xmlNodePtr dev, xmlNodePtr mnode,
                                const char *attr, const char *model, const char *base,
                                bool check_pci)
{
    if (!transitional_model(model))
        return;
    if (!c->qemu) {
        dc_chk_skip_rule(c, rule,
                         "the capabilities snapshot carries no QEMU device list "
                         "(save it with domcaps --snapshot)");
        return;
    }
    _cleanup_free_ char *atype = dc_xml_prop(dc_xml_child(dev, "address"), "type");
    const char *impl = NULL;
    if (atype)
        impl = streq(atype, "ccw") ? "ccw" : streq(atype, "pci") ? "pci" : NULL;
    else if (c->s390)
        impl = "ccw";
    else if (pci_machine(c))
        impl = "pci";
    if (!impl || (streq(impl, "pci") && !check_pci))
        return;
    _cleanup_free_ char *qtype =
        xasprintf("%s-%s-%s", base, impl,
                  streq(model, "virtio-transitional") ? "transitional" : "non-transitional");
    if (!dc_chk_has_type(c, qtype))
        dc_chk_finding(c, rule, DC_SEVERITY_ERROR, mnode, attr, model,
                       "'%s' is not a valid device model name (the QEMU device libvirt uses for "
                       "model '%s' on a %s address; %s has none)",
                       qtype, model, impl, c->caps->path);
}

/*
 * The iothread ids the domain defines: <iothreadids> plus, up to the
 * <iothreads> count, the lowest ids not yet taken (how libvirt fills them).
 */
static void defined_iothreads(chk *c, dc_strv *ret_ids)
{
    xmlNodePtr ids = dc_xml_child(c->root, "iothreadids");
    size_t n = 0;
    for (xmlNodePtr t = dc_xml_child(ids, "iothread"); t; t = dc_xml_next(t, "iothread")) {
        _cleanup_free_ char *id = dc_xml_prop(t, "id");
        if (id) {
            dc_strv_add_unique(ret_ids, id);
            n++;
        }
    }
    _cleanup_free_ char *cnt = dc_xml_text(dc_xml_child(c->root, "iothreads"));
    bool ok;
    unsigned long long want = dc_chk_parse_ull(cnt, &ok);
    if (!ok || want > 4096)
        return;
    for (unsigned long long id = 1; n < want; id++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%llu", id);
        if (!dc_strv_contains(ret_ids, buf)) {
            dc_strv_add(ret_ids, buf);
            n++;
        }
    }
}

/* The id as libvirt prints it back (a number), or NULL when it is not one. */
static bool iothread_defined(const dc_strv *ids, const char *id)
{
    bool ok;
    unsigned long long v = dc_chk_parse_ull(id, &ok);
    if (!ok)
        return true; /* the parser refuses it; not this rule's business */
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    return dc_strv_contains(ids, buf);
}

/* ---- domain ------------------------------------------------------------------ */

static void rule_domain(chk *c)
{
    dc_chk_mark(c, DC_RULE_DOMAIN_CONFIG);
    xmlNodePtr name = dc_xml_child(c->root, "name");
    _cleanup_free_ char *n = dc_xml_text(name);
    if (n && strchr(n, '/'))
        dc_chk_finding(c, DC_RULE_DOMAIN_CONFIG, DC_SEVERITY_ERROR, name, NULL, n,
                       "name %s cannot contain '/'", n);
}

/* ---- disks ------------------------------------------------------------------- */

static char *disk_source(xmlNodePtr d)
{
    xmlNodePtr s = dc_xml_child(d, "source");
    static const char *const attrs[] = {"file", "dev", "dir", "name", "volume"};
    for (size_t i = 0; s && i < ELEMENTSOF(attrs); i++) {
        char *v = dc_xml_prop(s, attrs[i]);
        if (v)
            return v;
    }
    return xstrdup("<null>");
}

/* libvirt's QEMU serial: letters, digits, space and _ - . + only. */
static bool serial_safe(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(" _-.+", *s))
            return false;
    return true;
}

static void disk_one(chk *c, xmlNodePtr d, const dc_strv *iothreads)
{
    const dc_rule R = DC_RULE_DISK_CONFIG;
    _cleanup_free_ char *device = dc_xml_prop(d, "device");
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    xmlNodePtr target = dc_xml_child(d, "target");
    xmlNodePtr drv = dc_xml_child(d, "driver");
    _cleanup_free_ char *bus = dc_xml_prop(target, "bus");
    _cleanup_free_ char *dev = dc_xml_prop(target, "dev");
    const char *dv = device ? device : "disk";
    const char *tdev = dev ? dev : "";

    if (bus) {
        if (streq(dv, "floppy") && !streq(bus, "fdc"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, target, "bus", bus,
                           "Invalid bus type '%s' for floppy disk", bus);
        else if (!streq(dv, "floppy") && streq(bus, "fdc"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, target, "bus", bus,
                           "Invalid bus type '%s' for disk", bus);
        if (streq(dv, "lun") && !streq(bus, "scsi") && !streq(bus, "virtio"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, target, "bus", bus,
                           "disk device='lun' is not supported for bus='%s'", bus);
    }
    if (streq(dv, "lun") && type && !streq(type, "block") && !streq(type, "volume") &&
        !streq(type, "network"))
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "type", type,
                       "disk device='lun' is only valid for block type disk source");

    xmlNodePtr wwn = dc_xml_child(d, "wwn");
    if (wwn && bus && !streq(bus, "ide") && !streq(bus, "scsi"))
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, wwn, NULL, bus,
                       "Only ide and scsi disk support wwn");
    xmlNodePtr vendor = dc_xml_child(d, "vendor");
    xmlNodePtr product = dc_xml_child(d, "product");
    if ((vendor || product) && bus && !streq(bus, "scsi"))
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, vendor ? vendor : product, NULL, bus,
                       "Only scsi disk supports vendor and product");

    xmlNodePtr serial = dc_xml_child(d, "serial");
    _cleanup_free_ char *sv = dc_xml_text(serial);
    if (sv && !serial_safe(sv))
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, serial, NULL, sv,
                       "driver serial '%s' contains unsafe characters", sv);

    if (dc_xml_child(d, "readonly") && streq(dv, "disk") && bus &&
        (streq(bus, "ide") || streq(bus, "sata")))
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, dc_xml_child(d, "readonly"), NULL, bus,
                       "readonly %s disks are not supported", bus);

    _cleanup_free_ char *io = dc_xml_prop(drv, "io");
    _cleanup_free_ char *cache = dc_xml_prop(drv, "cache");
    if (io && streq(io, "native") &&
        !(cache && (streq(cache, "none") || streq(cache, "directsync")))) {
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, drv, "io", io,
                       "io='native' needs either no disk cache or directsync cache mode");
        dc_chk_hint(c, "add cache='none' (or 'directsync') to <driver>");
    }

    _cleanup_free_ char *iot = dc_xml_prop(drv, "iothread");
    if (iot) {
        if (bus && !streq(bus, "virtio"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, drv, "iothread", iot,
                           "IOThreads not available for bus %s target %s", bus, tdev);
        else if (!iothread_defined(iothreads, iot)) {
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, drv, "iothread", iot,
                           "Disk iothread '%s' not defined in iothreadid", iot);
            dc_chk_hint(c, "add <iothreads>N</iothreads> or an <iothreadids> entry with that id");
        }
    }

    if (!bus || streq(bus, "virtio"))
        virtio_model_device(c, R, d, d, "model", model, "virtio-blk", false);
}

static void rule_disks(chk *c, xmlNodePtr devices, const dc_strv *iothreads)
{
    dc_chk_mark(c, DC_RULE_DISK_CONFIG);
    /* target dev -> the last disk with it, so duplicates cost one lookup each */
    xmlHashTablePtr seen = xmlHashCreate(64);
    for (xmlNodePtr d = dc_xml_child(devices, "disk"); d; d = dc_xml_next(d, "disk")) {
        disk_one(c, d, iothreads);
        xmlNodePtr t = dc_xml_child(d, "target");
        _cleanup_free_ char *dev = dc_xml_prop(t, "dev");
        if (!dev)
            continue;
        xmlNodePtr prev = xmlHashLookup(seen, (const xmlChar *)dev);
        if (prev) {
            _cleanup_free_ char *s1 = disk_source(prev);
            _cleanup_free_ char *s2 = disk_source(d);
            dc_chk_finding(c, DC_RULE_DISK_CONFIG, DC_SEVERITY_ERROR, t, "dev", dev,
                           "target '%s' duplicated for disk sources '%s' and '%s'", dev, s1, s2);
        }
        /* AddEntry for a new key: only it grows the table (UpdateEntry does not). */
        if (prev)
            xmlHashUpdateEntry(seen, (const xmlChar *)dev, d, NULL);
        else
            xmlHashAddEntry(seen, (const xmlChar *)dev, d);
    }
    xmlHashFree(seen, NULL);
}

/* ---- controllers --------------------------------------------------------------- */

static void rule_controllers(chk *c, xmlNodePtr devices, const dc_strv *iothreads)
{
    const dc_rule R = DC_RULE_CONTROLLER_CONFIG;
    dc_chk_mark(c, R);
    for (xmlNodePtr d = dc_xml_child(devices, "controller"); d; d = dc_xml_next(d, "controller")) {
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        _cleanup_free_ char *model = dc_xml_prop(d, "model");
        if (!type)
            continue;
        if (streq(type, "scsi") || streq(type, "virtio-serial"))
            virtio_model_device(c, R, d, d, "model", model,
                                streq(type, "scsi") ? "virtio-scsi" : "virtio-serial", true);
        xmlNodePtr drv = dc_xml_child(d, "driver");
        _cleanup_free_ char *iot = dc_xml_prop(drv, "iothread");
        if (iot && streq(type, "scsi") && !iothread_defined(iothreads, iot))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, drv, "iothread", iot,
                           "controller iothread '%s' not defined in iothreadid", iot);
    }
}

/* ---- interfaces ---------------------------------------------------------------- */

/* libvirt's MAC syntax: six groups of hex digits (at most 0xff each) joined by ':'. */
static bool mac_parse(const char *s, unsigned *ret_first)
{
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)*s))
            return false;
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 16);
        if (errno || v > 0xff)
            return false;
        if (i == 0)
            *ret_first = (unsigned)v;
        s = end;
        if (i < 5) {
            if (*s != ':')
                return false;
            s++;
        }
    }
    return *s == '\0';
}

static bool virtio_net_model(const char *m)
{
    return m && (streq(m, "virtio") || transitional_model(m));
}

static void rule_interfaces(chk *c, xmlNodePtr devices)
{
    const dc_rule R = DC_RULE_INTERFACE_CONFIG;
    dc_chk_mark(c, R);
    for (xmlNodePtr d = dc_xml_child(devices, "interface"); d; d = dc_xml_next(d, "interface")) {
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        xmlNodePtr macn = dc_xml_child(d, "mac");
        _cleanup_free_ char *mac = dc_xml_prop(macn, "address");
        xmlNodePtr modeln = dc_xml_child(d, "model");
        _cleanup_free_ char *model = dc_xml_prop(modeln, "type");
        const char *t = type ? type : "";

        unsigned first = 0;
        if (mac && !mac_parse(mac, &first))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, macn, "address", mac,
                           "unable to parse mac address '%s'", mac);
        else if (mac && (first & 1))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, macn, "address", mac,
                           "expected unicast mac address, found multicast '%s'", mac);

        /* libvirt 9.0 knows no backend type (passt came later): any value is refused. */
        xmlNodePtr be = dc_xml_child(d, "backend");
        _cleanup_free_ char *bt = dc_xml_prop(be, "type");
        if (bt)
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, be, "type", bt,
                           "Invalid value for attribute 'type' in element 'backend': '%s'.", bt);

        /* MTU needs a tap-like backend libvirt can set it on. */
        xmlNodePtr mtu = dc_xml_child(d, "mtu");
        static const char *const no_mtu[] = {"user",   "mcast",  "udp", "server",
                                             "client", "direct", "null"};
        for (size_t i = 0; mtu && i < ELEMENTSOF(no_mtu); i++)
            if (streq(t, no_mtu[i]))
                dc_chk_finding(c, R, DC_SEVERITY_ERROR, mtu, NULL, t,
                               "setting MTU on interface type %s is not supported yet", t);

        /* Multiqueue only over tap (and vhost-user/vDPA) backends; refused at start. */
        xmlNodePtr drv = dc_xml_child(d, "driver");
        _cleanup_free_ char *queues = dc_xml_prop(drv, "queues");
        bool ok;
        unsigned long long q = dc_chk_parse_ull(queues, &ok);
        static const char *const no_mq[] = {"user", "mcast", "udp", "server", "client"};
        for (size_t i = 0; ok && q > 1 && virtio_net_model(model) && i < ELEMENTSOF(no_mq); i++)
            if (streq(t, no_mq[i]))
                dc_chk_finding(c, R, DC_SEVERITY_ERROR, drv, "queues", queues,
                               "interface %s - multiqueue is not supported for network "
                               "interfaces of type %s",
                               mac ? mac : "(generated MAC)", t);

        virtio_model_device(c, R, d, modeln, "type", model, "virtio-net", false);

        /*
         * A NIC model that is a QEMU device but neither PCI nor USB (lan9118,
         * smc91c111: sysbus devices) cannot be plugged where libvirt puts it, a
         * PCI slot. check_caps.c judges the PC machines already.
         */
        if (model && !c->pc && pci_machine(c) && c->qemu && c->qemu->pci_types.n &&
            dc_chk_has_type(c, model) && !dc_qemu_is_pci_type(c->qemu, model) &&
            !startswith(model, "usb-") && !streq(model, "spapr-vlan"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, modeln, "type", model,
                           "Parameter 'driver' expects a pluggable device type (NIC model '%s' is "
                           "not a PCI device and cannot go on the PCI bus of machine %s)",
                           model, c->caps->machine);
    }
}

/* ---- input --------------------------------------------------------------------- */

static void rule_inputs(chk *c, xmlNodePtr devices)
{
    const dc_rule R = DC_RULE_INPUT_CONFIG;
    dc_chk_mark(c, R);
    for (xmlNodePtr d = dc_xml_child(devices, "input"); d; d = dc_xml_next(d, "input")) {
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        _cleanup_free_ char *bus = dc_xml_prop(d, "bus");
        _cleanup_free_ char *model = dc_xml_prop(d, "model");
        if (!type)
            continue;
        if (bus && streq(bus, "ps2") && !streq(type, "mouse") && !streq(type, "keyboard"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "type", type,
                           "ps2 bus does not support %s input device", type);
        if (bus && (streq(bus, "xen") || streq(bus, "parallels")))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "bus", bus, "unsupported input bus %s", bus);
        /* PS/2 is the i8042 controller: implicit on x86, present only where QEMU has it. */
        if (bus && streq(bus, "ps2") && !c->x86 && c->qemu && !dc_chk_has_type(c, "i8042"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "bus", bus,
                           "ps2 is not supported by this QEMU binary");
        if (streq(type, "passthrough") && bus && !streq(bus, "virtio") && !streq(bus, "ps2"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "bus", bus,
                           "only bus 'virtio' is supported for 'passthrough' input devices");
        /* Virtio input devices are modern only. */
        if (transitional_model(model))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", model,
                           "virtio (non-)transitional models are not supported for input type=%s",
                           type);
    }
}

/* ---- video --------------------------------------------------------------------- */

static void rule_videos(chk *c, xmlNodePtr devices)
{
    const dc_rule R = DC_RULE_VIDEO_CONFIG;
    dc_chk_mark(c, R);
    xmlNodePtr primary = NULL;
    size_t n = 0;
    for (xmlNodePtr v = dc_xml_child(devices, "video"); v; v = dc_xml_next(v, "video")) {
        _cleanup_free_ char *p = dc_xml_prop(dc_xml_child(v, "model"), "primary");
        if (!primary && p && streq(p, "yes"))
            primary = v;
        n++;
    }
    if (!primary)
        primary = dc_xml_child(devices, "video");
    for (xmlNodePtr v = dc_xml_child(devices, "video"); v; v = dc_xml_next(v, "video")) {
        xmlNodePtr m = dc_xml_child(v, "model");
        _cleanup_free_ char *t = dc_xml_prop(m, "type");
        if (!t)
            continue;
        if (streq(t, "none") && n > 1)
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, m, "type", t,
                           "a 'none' video type must be the only video device defined for the "
                           "domain");
        else if (v != primary && !streq(t, "qxl") && !streq(t, "virtio") && !streq(t, "none"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, m, "type", t,
                           "video type '%s' is only valid as primary video device", t);
    }
}

/* ---- sound --------------------------------------------------------------------- */

static void rule_sounds(chk *c, xmlNodePtr devices)
{
    const dc_rule R = DC_RULE_SOUND_CONFIG;
    dc_chk_mark(c, R);
    for (xmlNodePtr d = dc_xml_child(devices, "sound"); d; d = dc_xml_next(d, "sound")) {
        _cleanup_free_ char *model = dc_xml_prop(d, "model");
        if (!model)
            continue;
        /* libvirt 9.0 gives ich7 no PCI connect flags, so no bus can take it. */
        if (streq(model, "ich7")) {
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", model,
                           "Cannot automatically add a new PCI bus for a device with connect "
                           "flags 00");
            dc_chk_hint(c, "libvirt cannot place sound model 'ich7'; use 'ich9' or 'ich6'");
        }
        /* libvirt 9.0 asks for pcspk with -soundhw, which QEMU 7.1 removed. */
        if (streq(model, "pcspk") && c->qemu &&
            (c->qemu->version_major > 7 ||
             (c->qemu->version_major == 7 && c->qemu->version_minor >= 1))) {
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", model,
                           "-soundhw: invalid option (libvirt starts sound model 'pcspk' with "
                           "-soundhw, which QEMU %d.%d no longer has)",
                           c->qemu->version_major, c->qemu->version_minor);
        }
    }
}

/* ---- TPM ----------------------------------------------------------------------- */

static void rule_tpms(chk *c, xmlNodePtr devices)
{
    const dc_rule R = DC_RULE_TPM_CONFIG;
    dc_chk_mark(c, R);
    size_t n = 0, proxies = 0;
    xmlNodePtr last = NULL;
    for (xmlNodePtr d = dc_xml_child(devices, "tpm"); d; d = dc_xml_next(d, "tpm")) {
        _cleanup_free_ char *model = dc_xml_prop(d, "model");
        n++;
        if (model && streq(model, "spapr-tpm-proxy"))
            proxies++;
        last = d;
    }
    if (n > 2)
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, last, NULL, NULL,
                       "a maximum of two TPM devices is supported, one of them being a TPM "
                       "Proxy device");
    else if (n == 2 && proxies == 0)
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, last, NULL, NULL,
                       "only a single TPM non-proxy device is supported");
    else if (n == 2 && proxies == 2)
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, last, NULL, NULL,
                       "only a single TPM Proxy device is supported");
}

/* ---- filesystems --------------------------------------------------------------- */

static void rule_filesystems(chk *c, xmlNodePtr devices)
{
    const dc_rule R = DC_RULE_FILESYSTEM_CONFIG;
    dc_chk_mark(c, R);
    for (xmlNodePtr d = dc_xml_child(devices, "filesystem"); d; d = dc_xml_next(d, "filesystem")) {
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        if (type && !streq(type, "mount"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "type", type,
                           "only supports mount filesystem type");
        _cleanup_free_ char *model = dc_xml_prop(d, "model");
        _cleanup_free_ char *drv = dc_xml_prop(dc_xml_child(d, "driver"), "type");
        virtio_model_device(c, R, d, d, "model", model,
                            drv && streq(drv, "virtiofs") ? "vhost-user-fs" : "virtio-9p", false);
    }
}

/* ---- other devices ------------------------------------------------------------- */

static void rule_other(chk *c, xmlNodePtr devices)
{
    const dc_rule R = DC_RULE_DEVICE_CONFIG;
    dc_chk_mark(c, R);
    static const struct {
        const char *element, *base;
    } kinds[] = {
        {"memballoon", "virtio-balloon"},
        {"rng", "virtio-rng"},
        {"vsock", "vhost-vsock"},
    };
    for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
        for (xmlNodePtr d = dc_xml_child(devices, kinds[k].element); d;
             d = dc_xml_next(d, kinds[k].element)) {
            _cleanup_free_ char *model = dc_xml_prop(d, "model");
            virtio_model_device(c, R, d, d, "model", model, kinds[k].base, false);
        }
    /* Guest CIDs 0-2 are reserved (hypervisor, local, host). */
    for (xmlNodePtr d = dc_xml_child(devices, "vsock"); d; d = dc_xml_next(d, "vsock")) {
        xmlNodePtr cid = dc_xml_child(d, "cid");
        _cleanup_free_ char *addr = dc_xml_prop(cid, "address");
        bool ok;
        unsigned long long v = dc_chk_parse_ull(addr, &ok);
        if (ok && v == 0)
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, cid, "address", addr,
                           "Invalid value for attribute 'address' in element 'cid': Zero is not "
                           "permitted");
        else if (ok && v < 3)
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, cid, "address", addr,
                           "guest CIDs must be >= 3");
    }

    xmlNodePtr nvram = dc_xml_child(devices, "nvram");
    if (nvram && !startswith(c->caps->arch, "ppc64"))
        dc_chk_finding(c, R, DC_SEVERITY_ERROR, nvram, NULL, NULL,
                       "nvram device is only supported for PPC64");

    /* The shmem model is a QEMU device of that name; legacy 'ivshmem' (the default) is gone. */
    for (xmlNodePtr d = dc_xml_child(devices, "shmem"); d && c->qemu; d = dc_xml_next(d, "shmem")) {
        xmlNodePtr m = dc_xml_child(d, "model");
        _cleanup_free_ char *model = dc_xml_prop(m, "type");
        const char *t = model ? model : "ivshmem";
        if ((streq(t, "ivshmem") || streq(t, "ivshmem-plain") || streq(t, "ivshmem-doorbell")) &&
            !dc_chk_has_type(c, t))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, m ? m : d, m ? "type" : NULL, t,
                           "%s device is not supported with this QEMU binary", t);
    }

    /* Panic models libvirt 9.0 knows, and where each exists. */
    for (xmlNodePtr d = dc_xml_child(devices, "panic"); d; d = dc_xml_next(d, "panic")) {
        _cleanup_free_ char *model = dc_xml_prop(d, "model");
        const char *m = model ? model : c->pseries ? "pseries" : c->s390 ? "s390" : "isa";
        if (!streq(m, "isa") && !streq(m, "pseries") && !streq(m, "hyperv") && !streq(m, "s390"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", m, "unknown panic model '%s'", m);
        else if (streq(m, "s390") && !streq(c->caps->arch, "s390x"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", m,
                           "only S390 guests support panic device of model 's390'");
        else if (streq(m, "pseries") && !c->pseries)
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", m,
                           "only pSeries guests support panic device of model 'pseries'");
        else if (streq(m, "hyperv") && !c->x86)
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", m,
                           "only i686 and x86_64 guests support panic device of model 'hyperv'");
        else if (streq(m, "isa") && c->qemu && !dc_chk_has_type(c, "pvpanic"))
            dc_chk_finding(c, R, DC_SEVERITY_ERROR, d, "model", m,
                           "the QEMU binary does not support the ISA panic device");
    }
}

void dc_chk_rule_validate(chk *c)
{
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    _cleanup_strv_ dc_strv iothreads = {0};
    defined_iothreads(c, &iothreads);
    rule_domain(c);
    rule_disks(c, devices, &iothreads);
    rule_controllers(c, devices, &iothreads);
    rule_interfaces(c, devices);
    rule_inputs(c, devices);
    rule_videos(c, devices);
    rule_sounds(c, devices);
    rule_tpms(c, devices);
    rule_filesystems(c, devices);
    rule_other(c, devices);
}
