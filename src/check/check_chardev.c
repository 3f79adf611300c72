/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Character devices (serial, console, parallel, channel) per arch and
 * machine, and the remaining single devices (vsock, nvram, shmem, ...).
 *
 * Serial targets are judged the way libvirt sees them after its defaults:
 * target type 'isa-serial' (the historical default) and an absent type both
 * become the arch/machine default, and an absent model becomes the target
 * type's model. Only then are model, type and machine compared.
 */
#include "check_internal.h"

#include "xmlsafe.h"

typedef enum serial_type {
    ST_NONE,
    ST_ISA,
    ST_USB,
    ST_PCI,
    ST_SPAPR_VIO,
    ST_SYSTEM,
    ST_SCLP,
    ST_ISA_DEBUG,
    _ST_MAX,
} serial_type;

static const char *const serial_type_names[_ST_MAX] = {
    [ST_NONE] = "none",
    [ST_ISA] = "isa-serial",
    [ST_USB] = "usb-serial",
    [ST_PCI] = "pci-serial",
    [ST_SPAPR_VIO] = "spapr-vio-serial",
    [ST_SYSTEM] = "system-serial",
    [ST_SCLP] = "sclp-serial",
    [ST_ISA_DEBUG] = "isa-debug",
};

/* A serial target model: the target type it needs and the QEMU device behind it. */
typedef struct serial_model {
    const char *name;
    serial_type type;
    const char *qemu_type; /* NULL: a platform device QEMU creates from -serial */
} serial_model;

static const serial_model serial_models[] = {
    {"isa-serial", ST_ISA, "isa-serial"},
    {"usb-serial", ST_USB, "usb-serial"},
    {"pci-serial", ST_PCI, "pci-serial"},
    {"spapr-vty", ST_SPAPR_VIO, "spapr-vty"},
    {"pl011", ST_SYSTEM, NULL},
    {"16550a", ST_SYSTEM, NULL},
    {"sclpconsole", ST_SCLP, "sclpconsole"},
    {"sclplmconsole", ST_SCLP, "sclplmconsole"},
    {"isa-debugcon", ST_ISA_DEBUG, "isa-debugcon"},
};

static const serial_model *serial_model_lookup(const char *name)
{
    for (size_t i = 0; name && i < ELEMENTSOF(serial_models); i++)
        if (streq(serial_models[i].name, name))
            return &serial_models[i];
    return NULL;
}

static bool serial_type_lookup(const char *name, serial_type *ret)
{
    for (unsigned t = ST_ISA; t < _ST_MAX; t++) /* "none" is no value to give */
        if (streq(serial_type_names[t], name)) {
            *ret = (serial_type)t;
            return true;
        }
    return false;
}

static const char *guest_arch(chk *c) { return c->caps->arch ? c->caps->arch : c->arch; }
static bool arch_is_s390(chk *c) { return startswith(guest_arch(c), "s390"); }
static bool arch_is_ppc64(chk *c) { return startswith(guest_arch(c), "ppc64"); }
static bool arch_is_arm(chk *c)
{
    const char *a = guest_arch(c);
    return streq(a, "aarch64") || streq(a, "armv7l") || streq(a, "armv6l");
}
static bool arch_is_riscv(chk *c) { return startswith(guest_arch(c), "riscv"); }

static bool machine_is_virt(chk *c)
{
    const char *m = c->caps->machine ? c->caps->machine : "";
    return streq(m, "virt") || startswith(m, "virt-");
}

static bool riscv_virt(chk *c) { return arch_is_riscv(c) && machine_is_virt(c); }
static bool arm_virt(chk *c) { return arch_is_arm(c) && machine_is_virt(c); }

/* Whether the QEMU facts behind the capabilities are known (device types). */
static bool qemu_known(chk *c) { return c->qemu != NULL; }

static bool has_spice_graphics(chk *c)
{
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    for (xmlNodePtr g = dc_xml_child(devices, "graphics"); g; g = dc_xml_next(g, "graphics")) {
        _cleanup_free_ char *t = dc_xml_prop(g, "type");
        if (t && streq(t, "spice"))
            return true;
    }
    return false;
}

static bool qemu_has_spice(chk *c)
{
    if (c->caps->devices[DC_DEV_GRAPHICS].supported != DC_YES)
        return false;
    return dc_enum_has(dc_chk_dev_enum(c, DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE), DC_GFX_SPICE);
}

/* Target type the domain gives, or "" when the element has none. */
static char *target_type(xmlNodePtr d)
{
    _cleanup_free_ char *t = dc_xml_prop(dc_xml_child(d, "target"), "type");
    return t ? TAKE_PTR(t) : xstrdup("");
}

/* ---- chardev sources --------------------------------------------------------- */

/*
 * The spice chardevs need spice graphics; spicevmc on a chardev element is
 * only a virtio channel. Applies to every element with a chardev source.
 */
static void chr_source(chk *c, xmlNodePtr d, const char *type, bool chardev_element,
                       bool virtio_channel)
{
    if (!type)
        return;
    bool spicevmc = streq(type, "spicevmc");
    if (!spicevmc && !streq(type, "spiceport"))
        return;
    if (spicevmc && chardev_element && !virtio_channel) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, d, "type", type,
                       "spicevmc device type only supports virtio");
        dc_chk_hint(c, "use a <channel type='spicevmc'> with <target type='virtio'/>");
        return;
    }
    if (!has_spice_graphics(c)) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, d, "type", type,
                       "chardev '%s' not supported without spice graphics", type);
        if (qemu_has_spice(c))
            dc_chk_hint(c, "add <graphics type='spice'/> or use another chardev type");
        else
            dc_chk_hint(c, "%s has no spice: use another chardev type", c->caps->path);
    }
}

/* ---- serial ------------------------------------------------------------------ */

typedef struct sclp_count {
    unsigned vt220, lm;
    xmlNodePtr vt220_node, lm_node; /* the second of each, where QEMU fails */
} sclp_count;

static void sclp_add(sclp_count *n, const char *qemu_type, xmlNodePtr d)
{
    if (streq(qemu_type, "sclpconsole") && ++n->vt220 == 2)
        n->vt220_node = d;
    else if (streq(qemu_type, "sclplmconsole") && ++n->lm == 2)
        n->lm_node = d;
}

static serial_type serial_default_type(chk *c)
{
    if (c->x86)
        return ST_ISA;
    if (c->pseries)
        return ST_SPAPR_VIO;
    if (arm_virt(c) || riscv_virt(c))
        return ST_SYSTEM;
    if (arch_is_s390(c))
        return ST_SCLP;
    return ST_NONE;
}

static const char *serial_default_model(chk *c, serial_type t)
{
    switch (t) {
    case ST_ISA:
        return "isa-serial";
    case ST_USB:
        return "usb-serial";
    case ST_PCI:
        return "pci-serial";
    case ST_SPAPR_VIO:
        return "spapr-vty";
    case ST_SYSTEM:
        return arm_virt(c) ? "pl011" : riscv_virt(c) ? "16550a" : NULL;
    case ST_SCLP:
        return "sclpconsole";
    case ST_ISA_DEBUG:
        return "isa-debugcon";
    case ST_NONE:
    case _ST_MAX:
        break;
    }
    return NULL;
}

/* The address type a serial target type lives on (NULL: none may be given). */
static const char *serial_address_type(serial_type t)
{
    switch (t) {
    case ST_ISA:
    case ST_ISA_DEBUG:
        return "isa";
    case ST_USB:
        return "usb";
    case ST_PCI:
        return "pci";
    case ST_SPAPR_VIO:
        return "spapr-vio";
    case ST_SYSTEM:
    case ST_SCLP:
    case ST_NONE:
    case _ST_MAX:
        break;
    }
    return NULL;
}

static bool serial_address(chk *c, xmlNodePtr d, serial_type t)
{
    xmlNodePtr a = dc_xml_is(d, "serial") ? dc_xml_child(d, "address") : NULL;
    _cleanup_free_ char *at = dc_xml_prop(a, "type");
    if (!at || t == ST_NONE)
        return true;
    const char *want = serial_address_type(t);
    if (!want) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, a, "type", at,
                       "Target type '%s' cannot have an associated address", serial_type_names[t]);
        dc_chk_hint(c, "remove the <address> element");
        return false;
    }
    if (!streq(at, want)) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, a, "type", at,
                       "Target type '%s' requires address type '%s'", serial_type_names[t], want);
        return false;
    }
    return true;
}

/*
 * One serial port: d is its element (for the port libvirt makes from the first
 * console, the console's), tname and mname what the domain gives (NULL: absent).
 */
static void serial_target(chk *c, xmlNodePtr d, const char *tname, const char *mname,
                          sclp_count *sclp)
{
    serial_type t = ST_NONE;
    if (tname && !serial_type_lookup(tname, &t))
        return; /* not a type libvirt knows: the schema rule reports it */
    const serial_model *m = NULL;
    if (mname && !(m = serial_model_lookup(mname)))
        return;
    xmlNodePtr tnode = dc_xml_child(d, "target");
    xmlNodePtr mnode = tnode ? dc_xml_child(tnode, "model") : NULL;
    xmlNodePtr at = mnode ? mnode : tnode ? tnode : d;

    /* isa-serial was the historical default, so it means "the default" */
    if (t == ST_ISA)
        t = ST_NONE;
    if (t == ST_NONE)
        t = serial_default_type(c);
    if (!m)
        m = serial_model_lookup(serial_default_model(c, t));

    if (!serial_address(c, d, t))
        return;
    if (m && m->type != t) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, at, mnode ? "name" : "type", m->name,
                       "Target model '%s' requires target type '%s'", m->name,
                       serial_type_names[m->type]);
        if (tname && streq(tname, "isa-serial") && t != ST_ISA)
            dc_chk_hint(c,
                        "libvirt reads target type 'isa-serial' as the default, which is "
                        "'%s' here",
                        serial_type_names[t]);
        return;
    }

    const char *mn = m ? m->name : "none";
    bool ok = true;
    if (t == ST_SYSTEM && m && streq(m->name, "pl011") && !arm_virt(c))
        ok = false;
    if (t == ST_SYSTEM && m && streq(m->name, "16550a") && !riscv_virt(c))
        ok = false;
    if (!c->pseries && (t == ST_SPAPR_VIO || (m && streq(m->name, "spapr-vty"))))
        ok = false;
    if (!arch_is_s390(c) && t == ST_SCLP)
        ok = false;
    if (!ok) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, at, mnode ? "name" : "type", mn,
                       "Serial device with target type '%s' and target model '%s' not "
                       "compatible with guest architecture or machine type",
                       serial_type_names[t], mn);
        serial_type dt = serial_default_type(c);
        const char *dm = serial_default_model(c, dt);
        if (dm)
            dc_chk_hint(c, "the serial port of this machine is target type '%s', model '%s'",
                        serial_type_names[dt], dm);
        return;
    }

    /* What QEMU's command line builder needs. Type none is a -serial platform port. */
    if (t == ST_NONE)
        return;
    if (!m) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, at, "type", serial_type_names[t],
                       "Invalid target model for serial device");
        dc_chk_hint(c, "target type '%s' has no default model on %s machine %s: name one",
                    serial_type_names[t], guest_arch(c), c->caps->machine);
        return;
    }
    if (!m->qemu_type || !qemu_known(c))
        return;
    if (!dc_chk_has_type(c, m->qemu_type)) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, at, mnode ? "name" : "type", m->name,
                       "'%s' is not supported in this QEMU binary", m->name);
        return;
    }
    sclp_add(sclp, m->qemu_type, d);
}

/* ---- consoles ---------------------------------------------------------------- */

static void console_target(chk *c, xmlNodePtr d, const char *t, size_t index, bool *first_err,
                           sclp_count *sclp)
{
    bool serial = !*t || streq(t, "serial");
    if (index > 0 && serial) {
        if (!*first_err)
            dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, d, NULL, *t ? t : NULL,
                           "Only the first console can be a serial port");
        if (!*first_err)
            dc_chk_hint(c, "give later consoles <target type='virtio'/>%s",
                        arch_is_s390(c) ? " or 'sclp'/'sclplm'" : "");
        *first_err = true;
        return;
    }
    if (serial || streq(t, "virtio"))
        return;
    xmlNodePtr tnode = dc_xml_child(d, "target");
    if (streq(t, "sclp") || streq(t, "sclplm")) {
        const char *qt = streq(t, "sclp") ? "sclpconsole" : "sclplmconsole";
        if (!qemu_known(c))
            return;
        if (!dc_chk_has_type(c, qt)) {
            dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, tnode, "type", t,
                           "%s is not supported in this QEMU binary", qt);
            dc_chk_hint(c, "SCLP consoles exist on s390x only; use target type 'serial' or "
                           "'virtio'");
            return;
        }
        sclp_add(sclp, qt, d);
        return;
    }
    if (streq(t, "xen") || streq(t, "uml") || streq(t, "lxc") || streq(t, "openvz")) {
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, tnode, "type", t,
                       "unsupported console target type %s", t);
        dc_chk_hint(c, "QEMU consoles are target type 'serial' or 'virtio'%s",
                    arch_is_s390(c) ? " (or 'sclp', 'sclplm')" : "");
    }
}

/* ---- the group --------------------------------------------------------------- */

static void vsock_check(chk *c, xmlNodePtr d)
{
    dc_chk_mark(c, DC_RULE_VSOCK);
    xmlNodePtr cid = dc_xml_child(d, "cid");
    _cleanup_free_ char *addr = dc_xml_prop(cid, "address");
    bool ok;
    unsigned long long v = dc_chk_parse_ull(addr, &ok);
    if (!ok || v == 0 || v > 2)
        return;
    dc_chk_finding(c, DC_RULE_VSOCK, DC_SEVERITY_ERROR, cid, "address", addr,
                   "guest CIDs must be >= 3");
    dc_chk_hint(c, "CIDs 0-2 belong to the hypervisor and the host: use 3 or more, or "
                   "<cid auto='yes'/>");
}

static void nvram_check(chk *c, xmlNodePtr d)
{
    dc_chk_mark(c, DC_RULE_NVRAM);
    if (arch_is_ppc64(c))
        return;
    dc_chk_finding(c, DC_RULE_NVRAM, DC_SEVERITY_ERROR, d, NULL, NULL,
                   "nvram device is only supported for PPC64");
    dc_chk_hint(c, "the spapr NVRAM is a pSeries device; other guests keep firmware variables "
                   "in <os><nvram>");
}

static void shmem_check(chk *c, xmlNodePtr d)
{
    dc_chk_mark(c, DC_RULE_SHMEM);
    _cleanup_free_ char *model = dc_xml_prop(dc_xml_child(d, "model"), "type");
    const char *m = model ? model : "ivshmem";
    if (!streq(m, "ivshmem") && !streq(m, "ivshmem-plain") && !streq(m, "ivshmem-doorbell"))
        return;
    if (!qemu_known(c) || dc_chk_has_type(c, m))
        return;
    xmlNodePtr at = model ? dc_xml_child(d, "model") : d;
    if (streq(m, "ivshmem")) {
        dc_chk_finding(c, DC_RULE_SHMEM, DC_SEVERITY_ERROR, at, model ? "type" : NULL, m,
                       "ivshmem device is not supported with this QEMU binary");
        if (dc_chk_has_type(c, "ivshmem-plain"))
            dc_chk_hint(c, "QEMU dropped the legacy ivshmem device: use <model "
                           "type='ivshmem-plain'/> (or 'ivshmem-doorbell' with a server)");
    } else {
        dc_chk_finding(c, DC_RULE_SHMEM, DC_SEVERITY_ERROR, at, "type", m,
                       "shmem model '%s' is not supported by this QEMU binary", m);
    }
}

void dc_chk_rule_chardev(chk *c)
{
    dc_chk_mark(c, DC_RULE_CHARDEV);
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    sclp_count sclp = {0};
    size_t nserials = 0, nconsoles = 0;
    bool first_console_err = false;
    for (xmlNodePtr d = dc_xml_child(devices, "serial"); d; d = dc_xml_next(d, "serial"))
        nserials++;

    for (xmlNodePtr d = dc_xml_child(devices, NULL); d; d = dc_xml_next(d, NULL)) {
        const char *name = (const char *)d->name;
        if (streq(name, "serial") || streq(name, "console") || streq(name, "parallel") ||
            streq(name, "channel")) {
            _cleanup_free_ char *src = dc_xml_prop(d, "type");
            _cleanup_free_ char *t = target_type(d);
            bool virtio_channel = streq(name, "channel") && streq(t, "virtio");
            chr_source(c, d, src, true, virtio_channel);

            if (streq(name, "serial")) {
                _cleanup_free_ char *model =
                    dc_xml_prop(dc_xml_child(dc_xml_child(d, "target"), "model"), "name");
                serial_target(c, d, *t ? t : NULL, model, &sclp);
            } else if (streq(name, "console")) {
                /* libvirt turns a first console of type serial into the first serial port */
                if (nconsoles == 0 && nserials == 0 && (!*t || streq(t, "serial")))
                    serial_target(c, d, NULL, NULL, &sclp);
                console_target(c, d, t, nconsoles, &first_console_err, &sclp);
                nconsoles++;
            } else if (streq(name, "parallel")) {
                if (arch_is_s390(c) || c->pseries) {
                    dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, d, NULL, NULL,
                                   "parallel ports are not supported");
                } else if (qemu_known(c) && !dc_chk_has_type(c, "isa-parallel")) {
                    dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, d, NULL, NULL,
                                   "'isa-parallel' is not a valid device model name");
                    dc_chk_hint(c,
                                "libvirt's parallel port is QEMU's isa-parallel, which %s "
                                "lacks; use a serial port or a virtio console",
                                c->caps->path);
                }
            } else if (streq(t, "xen")) {
                /* libvirt builds no QEMU argument for it and fails without a reason */
                dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, dc_xml_child(d, "target"),
                               "type", t, "An error occurred, but the cause is unknown");
                dc_chk_hint(c, "channel target type 'xen' is for Xen guests; QEMU channels "
                               "are target type 'virtio' or 'guestfwd'");
            }
        } else if (streq(name, "redirdev") || streq(name, "smartcard")) {
            _cleanup_free_ char *src = dc_xml_prop(d, "type");
            chr_source(c, d, src, false, false);
        } else if (streq(name, "rng")) {
            xmlNodePtr be = dc_xml_child(d, "backend");
            _cleanup_free_ char *bm = dc_xml_prop(be, "model");
            _cleanup_free_ char *src = dc_xml_prop(be, "type");
            if (bm && streq(bm, "egd"))
                chr_source(c, be, src, false, false);
        } else if (streq(name, "vsock")) {
            vsock_check(c, d);
        } else if (streq(name, "nvram")) {
            nvram_check(c, d);
        } else if (streq(name, "shmem")) {
            shmem_check(c, d);
        }
    }

    if (sclp.vt220 > 1)
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, sclp.vt220_node, NULL, NULL,
                       "Multiple VT220 operator consoles are not supported");
    if (sclp.lm > 1)
        dc_chk_finding(c, DC_RULE_CHARDEV, DC_SEVERITY_ERROR, sclp.lm_node, NULL, NULL,
                       "Multiple line-mode operator consoles are not supported");
    if (sclp.vt220 > 1 || sclp.lm > 1)
        dc_chk_hint(c, "an s390x guest has one sclpconsole and one sclplmconsole at most (the "
                       "first console or serial port is the sclpconsole); use virtio consoles "
                       "for more");
}
