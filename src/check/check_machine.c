/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules bound to the machine type: the devices libvirt adds implicitly (PCI
 * root, USB controller, balloon, video) and whether the machine has a bus for
 * them, USB topology, PCI topology and addresses, IOMMU models and options.
 */
#include "check_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "xmlsafe.h"

/* ---- machine facts ---------------------------------------------------------- */

typedef enum {
    ROOT_UNKNOWN, /* a machine we do not model: the rules that need the root stay quiet */
    ROOT_NONE,    /* isapc, microvm, s390-ccw-virtio: libvirt adds no PCI root */
    ROOT_PCI,     /* pc (i440fx), pseries */
    ROOT_PCIE,    /* q35, arm and riscv virt */
} pci_root;

static pci_root machine_pci_root(const chk *c)
{
    if (c->pc || c->pseries)
        return ROOT_PCI;
    if (c->q35 || c->arm_virt || c->riscv_virt)
        return ROOT_PCIE;
    if (c->isapc || c->microvm || c->s390)
        return ROOT_NONE;
    return ROOT_UNKNOWN;
}

/* Whether libvirt adds a USB controller when the domain names none: -1 unknown. */
static int machine_default_usb(const chk *c)
{
    if (c->x86)
        return !c->isapc;
    if (c->pseries)
        return 1;
    if (c->arm_virt || c->riscv_virt || c->s390)
        return 0;
    return -1;
}

/* ---- small XML helpers ------------------------------------------------------- */

static bool prop_present(xmlNodePtr n, const char *attr)
{
    return n && xmlHasProp(n, (const xmlChar *)attr);
}

static bool prop_is(xmlNodePtr n, const char *attr, const char *value)
{
    _cleanup_free_ char *v = dc_xml_prop(n, attr);
    return v && streq(v, value);
}

/* The type of the device's own <address> (not a hostdev's source address), or NULL. */
static char *address_type(xmlNodePtr dev)
{
    return dc_xml_prop(dc_xml_child(dev, "address"), "type");
}

static bool parse_num(const char *s, unsigned long long *ret)
{
    bool ok = false;
    if (!s)
        return false;
    unsigned long long v = dc_chk_parse_ull(s, &ok);
    if (ok)
        *ret = v;
    return ok;
}

static bool prop_num(xmlNodePtr n, const char *attr, unsigned long long *ret)
{
    _cleanup_free_ char *v = dc_xml_prop(n, attr);
    return parse_num(v, ret);
}

/* PCI address parts are C integers to libvirt: 0x12, 18 (and 022) are the same. */
static bool parse_addr_part(const char *s, unsigned long long *ret)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *ret = v;
    return true;
}

static bool addr_num(xmlNodePtr a, const char *attr, unsigned long long *ret)
{
    _cleanup_free_ char *v = dc_xml_prop(a, attr);
    return parse_addr_part(v, ret);
}

#define FOREACH_DEVICE(c, d)                                                                       \
    for (xmlNodePtr d = dc_xml_child(dc_xml_child((c)->root, "devices"), NULL); d;                 \
         d = dc_xml_next(d, NULL))

static size_t count_devices(chk *c, const char *name)
{
    size_t n = 0;
    FOREACH_DEVICE(c, d)
    {
        if (dc_xml_is(d, name))
            n++;
    }
    return n;
}

static bool has_controller(chk *c, const char *type)
{
    FOREACH_DEVICE(c, d)
    {
        if (dc_xml_is(d, "controller") && prop_is(d, "type", type))
            return true;
    }
    return false;
}

/* ---- implicit devices: PCI ----------------------------------------------------- */

static bool disk_is_virtio(xmlNodePtr d)
{
    xmlNodePtr t = dc_xml_child(d, "target");
    _cleanup_free_ char *bus = dc_xml_prop(t, "bus");
    if (bus)
        return streq(bus, "virtio");
    _cleanup_free_ char *dev = dc_xml_prop(t, "dev");
    return dev && startswith(dev, "vd");
}

/*
 * Whether libvirt gives the device a PCI address when the domain names none:
 * the device's description when it does, NULL when it needs none (ISA, USB,
 * platform devices, an explicit non-PCI address).
 */
static const char *needs_pci(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *atype = address_type(d);
    if (atype && !streq(atype, "pci"))
        return NULL;
    const char *name = (const char *)d->name;
    if (streq(name, "disk")) {
        if (disk_is_virtio(d))
            return "a virtio disk";
        /* libvirt adds the controller a SCSI or SATA disk needs: an LSI or AHCI, on PCI */
        xmlNodePtr t = dc_xml_child(d, "target");
        if (prop_is(t, "bus", "scsi") && !has_controller(c, "scsi"))
            return "the SCSI controller libvirt adds for a SCSI disk";
        if (prop_is(t, "bus", "sata") && !has_controller(c, "sata"))
            return "the SATA controller libvirt adds for a SATA disk";
        return NULL;
    }
    if (streq(name, "interface") || streq(name, "rng") || streq(name, "shmem") ||
        streq(name, "vsock") || streq(name, "crypto") || streq(name, "filesystem"))
        return name;
    if (streq(name, "memballoon"))
        return prop_is(d, "model", "none") ? NULL : "memballoon";
    if (streq(name, "watchdog"))
        return prop_is(d, "model", "i6300esb") ? "an i6300esb watchdog" : NULL;
    if (streq(name, "input"))
        return prop_is(d, "bus", "virtio") ? "a virtio input device" : NULL;
    if (streq(name, "iommu"))
        return prop_is(d, "model", "virtio") ? "a virtio IOMMU" : NULL;
    if (streq(name, "video")) {
        xmlNodePtr m = dc_xml_child(d, "model");
        _cleanup_free_ char *t = dc_xml_prop(m, "type");
        return t && (streq(t, "none") || streq(t, "ramfb")) ? NULL : "a video device";
    }
    if (streq(name, "sound")) {
        _cleanup_free_ char *m = dc_xml_prop(d, "model");
        return m && (streq(m, "ich6") || streq(m, "ich7") || streq(m, "ich9") || streq(m, "ac97") ||
                     streq(m, "es1370"))
                   ? "a PCI sound card"
                   : NULL;
    }
    if (streq(name, "hostdev")) {
        _cleanup_free_ char *t = dc_xml_prop(d, "type");
        return t && (streq(t, "pci") || streq(t, "mdev")) ? "a PCI host device" : NULL;
    }
    if (streq(name, "memory")) {
        _cleanup_free_ char *m = dc_xml_prop(d, "model");
        return m && startswith(m, "virtio-") ? "a virtio memory device" : NULL;
    }
    if (streq(name, "controller")) {
        _cleanup_free_ char *t = dc_xml_prop(d, "type");
        _cleanup_free_ char *m = dc_xml_prop(d, "model");
        if (!t)
            return NULL;
        if (streq(t, "usb"))
            return m && streq(m, "none") ? NULL : "a USB controller";
        if (streq(t, "scsi"))
            return m && streq(m, "ibmvscsi") ? NULL : "a SCSI controller";
        if (streq(t, "sata"))
            return "a SATA controller";
        if (streq(t, "virtio-serial"))
            return "a virtio-serial controller";
        return NULL;
    }
    if (streq(name, "serial") || streq(name, "channel") || streq(name, "console")) {
        xmlNodePtr t = dc_xml_child(d, "target");
        _cleanup_free_ char *tt = dc_xml_prop(t, "type");
        if (tt && streq(tt, "pci-serial"))
            return "a PCI serial port";
        if (tt && streq(tt, "virtio"))
            return "a virtio character device (on an implicit virtio-serial controller)";
        return NULL;
    }
    return NULL;
}

/* isapc and microvm have no PCI bus: any device libvirt places on PCI is refused. */
static void rule_no_pci_bus(chk *c)
{
    if (machine_pci_root(c) != ROOT_NONE || c->s390)
        return; /* s390 devices get CCW addresses */
    dc_chk_mark(c, DC_RULE_IMPLICIT_DEVICES);
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    const char *what = NULL;
    xmlNodePtr node = NULL;
    /*
     * With a PCI root in the XML libvirt assigns addresses, but QEMU's
     * machine has no such bus: the first device on it fails at start.
     */
    const char *qemu_bus = NULL;
    FOREACH_DEVICE(c, d)
    {
        if (!dc_xml_is(d, "controller") || !prop_is(d, "type", "pci"))
            continue;
        unsigned long long idx = 0;
        _cleanup_free_ char *m = dc_xml_prop(d, "model");
        if (prop_num(d, "index", &idx) && idx == 0 && m &&
            (streq(m, "pci-root") || streq(m, "pcie-root"))) {
            qemu_bus = streq(m, "pci-root") ? "pci.0" : "pcie.0";
        } else if (!what) {
            what = "a PCI controller";
            node = d;
        }
    }
    if (has_controller(c, "pci") && !qemu_bus)
        return; /* no root at index 0: the pci-topology rules judge it */
    FOREACH_DEVICE(c, d)
    {
        if (what)
            break;
        what = needs_pci(c, d);
        if (what)
            node = d;
    }
    if (!what && !has_controller(c, "usb") && machine_default_usb(c) == 1)
        what = "the USB controller libvirt adds when the domain names none";
    if (!what && count_devices(c, "memballoon") == 0)
        what = "the virtio memballoon libvirt adds when the domain names none";
    if (!what && count_devices(c, "graphics") > 0 && count_devices(c, "video") == 0)
        what = "the video device libvirt adds for the graphics";
    if (!what)
        return;
    if (qemu_bus) {
        dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, node ? node : devices, NULL,
                       NULL, "Bus '%s' not found", qemu_bus);
        dc_chk_hint(c,
                    "libvirt accepts the PCI root in the XML, but QEMU's %s machine has no PCI "
                    "bus, and %s goes on it; give such devices a non-PCI address (virtio-mmio)",
                    c->caps->machine, what);
        return;
    }
    dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, node ? node : devices, NULL,
                   NULL, "No PCI buses available");
    dc_chk_hint(c,
                "machine %s has no PCI bus, but %s needs a PCI address; give such devices a "
                "non-PCI address (virtio-mmio), or add <controller type='usb' model='none'/>, "
                "<memballoon model='none'/> and <video><model type='none'/></video>",
                c->caps->machine, what);
}

/* ---- implicit devices: USB ------------------------------------------------------- */

/* A device libvirt places on a USB bus. */
static bool is_usb_device(xmlNodePtr d)
{
    const char *name = (const char *)d->name;
    if (streq(name, "input") || streq(name, "redirdev")) {
        _cleanup_free_ char *bus = dc_xml_prop(d, "bus");
        return streq(name, "redirdev") ? !bus || streq(bus, "usb") : bus && streq(bus, "usb");
    }
    if (streq(name, "disk"))
        return prop_is(dc_xml_child(d, "target"), "bus", "usb");
    if (streq(name, "hub"))
        return prop_is(d, "type", "usb");
    if (streq(name, "hostdev"))
        return prop_is(d, "type", "usb");
    if (streq(name, "sound"))
        return prop_is(d, "model", "usb");
    if (streq(name, "smartcard"))
        return true; /* on a CCID controller, itself a USB device */
    if (streq(name, "controller"))
        return prop_is(d, "type", "ccid");
    if (streq(name, "serial"))
        return prop_is(dc_xml_child(d, "target"), "type", "usb-serial");
    return false;
}

static void rule_usb(chk *c)
{
    int dflt = machine_default_usb(c);
    bool any_usb = false, usb_none = false, real_usb = false;
    FOREACH_DEVICE(c, d)
    {
        if (!dc_xml_is(d, "controller") || !prop_is(d, "type", "usb"))
            continue;
        any_usb = true;
        if (prop_is(d, "model", "none"))
            usb_none = true;
        else
            real_usb = true;
    }
    dc_chk_mark(c, DC_RULE_IMPLICIT_DEVICES);
    if (usb_none) {
        FOREACH_DEVICE(c, d)
        {
            if (dc_xml_is(d, "input") && prop_is(d, "bus", "usb")) {
                dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, d, "bus", "usb",
                               "Can't add USB input device. USB bus is disabled");
                dc_chk_hint(c, "remove <controller type='usb' model='none'/> or use another "
                               "input bus");
                return;
            }
        }
    }
    bool has_usb = real_usb || (!any_usb && dflt == 1);
    if (has_usb || (!any_usb && dflt < 0))
        return;
    xmlNodePtr usbdev = NULL;
    FOREACH_DEVICE(c, d)
    {
        if (is_usb_device(d)) {
            usbdev = d;
            break;
        }
    }
    /* pseries: libvirt adds a USB keyboard and mouse for graphics. */
    bool implicit_inputs = !usbdev && c->pseries && count_devices(c, "graphics") > 0;
    if (!usbdev && !implicit_inputs)
        return;
    dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR,
                   usbdev ? usbdev : dc_xml_child(c->root, "devices"), NULL, NULL,
                   "USB is disabled for this domain, but USB devices are present in the domain "
                   "XML");
    if (implicit_inputs)
        dc_chk_hint(c, "on pseries libvirt adds a USB keyboard and mouse for graphics; add a "
                       "USB controller (model='pci-ohci' or 'qemu-xhci')");
    else if (usb_none)
        dc_chk_hint(c, "the domain disables USB (<controller type='usb' model='none'/>); add a "
                       "USB controller such as model='qemu-xhci'");
    else
        dc_chk_hint(c,
                    "libvirt adds no USB controller on machine %s; add <controller "
                    "type='usb' model='qemu-xhci'/>",
                    c->caps->machine);
}

/* The ports of a USB controller model as libvirt counts them, or 0 when unknown. */
static unsigned usb_model_ports(const char *model)
{
    static const struct {
        const char *model;
        unsigned ports;
    } tab[] = {
        {"piix3-uhci", 2}, {"piix4-uhci", 2}, {"vt82c686b-uhci", 2}, {"ich9-uhci1", 2},
        {"ich9-uhci2", 2}, {"ich9-uhci3", 2}, {"ehci", 6},           {"ich9-ehci1", 6},
        {"nec-xhci", 4},   {"qemu-xhci", 4},  {"pci-ohci", 3},
    };
    for (size_t i = 0; model && i < ELEMENTSOF(tab); i++)
        if (streq(tab[i].model, model))
            return tab[i].ports;
    return 0;
}

/*
 * The ports of the USB controller libvirt picks: for a <controller type='usb'>
 * without a model (piix3-uhci on x86 and riscv, qemu-xhci on arm and pseries),
 * or for the one it adds itself (piix3-uhci on pc, qemu-xhci on q35 and pseries).
 */
static unsigned default_usb_ports(const chk *c, bool implicit)
{
    if (implicit)
        return c->pc ? 2 : (c->q35 || c->pseries) ? 4 : 0;
    return (c->x86 || c->riscv_virt) ? 2 : (c->arm_virt || c->pseries) ? 4 : 0;
}

typedef struct {
    unsigned long long index;
    bool master; /* a companion controller */
    unsigned ports;
} usb_bus;

static const usb_bus *find_bus(const usb_bus *v, size_t n, unsigned long long index)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].index == index && !v[i].master)
            return &v[i];
    return NULL;
}

/* A <hub type='usb'> sits at bus/port. */
static bool hub_at(chk *c, unsigned long long bus, const char *port)
{
    FOREACH_DEVICE(c, d)
    {
        if (!dc_xml_is(d, "hub"))
            continue;
        xmlNodePtr a = dc_xml_child(d, "address");
        unsigned long long b = 0;
        _cleanup_free_ char *p = dc_xml_prop(a, "port");
        if (a && prop_is(a, "type", "usb") && (!prop_present(a, "bus") || prop_num(a, "bus", &b)) &&
            b == bus && p && streq(p, port))
            return true;
    }
    return false;
}

/* USB controllers and the USB addresses devices name. */
/* One USB address: its bus exists, the hub and port it names exist, no other device has it. */
static void check_usb_address(chk *c, const usb_bus *v, size_t n, xmlNodePtr a, dc_strv *seen)
{
    unsigned long long bus = 0;
    _cleanup_free_ char *sbus = dc_xml_prop(a, "bus");
    _cleanup_free_ char *port = dc_xml_prop(a, "port");
    if (sbus && !parse_num(sbus, &bus))
        return;
    const usb_bus *b = find_bus(v, n, bus);
    if (!b) {
        dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, a, "bus", sbus,
                       "Missing USB bus %llu", bus);
        dc_chk_hint(c, "no USB controller has index %llu", bus);
        return;
    }
    if (!port || !*port)
        return; /* libvirt picks the port */
    const char *last = strrchr(port, '.');
    unsigned long long p;
    if (!parse_num(last ? last + 1 : port, &p) || p == 0)
        return; /* port 0: libvirt picks one */
    if (last) {
        _cleanup_free_ char *hub = xstrndup(port, (size_t)(last - port));
        if (!hub_at(c, bus, hub)) {
            dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, a, "port", port,
                           "there is no hub at port %s in USB address bus: %llu port: %s", hub, bus,
                           port);
            return;
        }
    }
    unsigned nports = last ? 8 : b->ports; /* a usb-hub has 8 ports */
    if (nports && p > nports) {
        dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, a, "port", port,
                       "requested USB port %s not present on USB bus %llu", port, bus);
        dc_chk_hint(c, "this %s has ports 1 to %u", last ? "hub" : "controller", nports);
        return;
    }
    _cleanup_free_ char *key = xasprintf("%llu/%s", bus, port);
    if (dc_strv_contains(seen, key)) {
        dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, a, "port", port,
                       "Duplicate USB address bus %llu port %s", bus, port);
        return;
    }
    dc_strv_add(seen, key);
}

static void rule_usb_topology(chk *c)
{
    usb_bus *v = NULL;
    size_t n = 0;
    xmlNodePtr none = NULL, other = NULL;
    dc_chk_mark(c, DC_RULE_IMPLICIT_DEVICES);
    FOREACH_DEVICE(c, d)
    {
        if (!dc_xml_is(d, "controller") || !prop_is(d, "type", "usb"))
            continue;
        _cleanup_free_ char *m = dc_xml_prop(d, "model");
        if (m && streq(m, "none")) {
            none = d;
            continue;
        }
        if (!other)
            other = d;
        usb_bus b = {0};
        if (prop_present(d, "index") && !prop_num(d, "index", &b.index))
            continue;
        b.master = dc_xml_child(d, "master") || (m && startswith(m, "ich9-uhci"));
        unsigned long long ports;
        b.ports = prop_num(d, "ports", &ports) && ports < 256 ? (unsigned)ports : 0;
        if (!b.ports)
            b.ports = m ? usb_model_ports(m) : default_usb_ports(c, false);
        v = xrealloc(v, (n + 1) * sizeof(*v));
        v[n++] = b;
    }
    if (none && other) {
        dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, other, NULL, NULL,
                       "Can't add another USB controller: USB is disabled for this domain");
        dc_chk_hint(c, "drop <controller type='usb' model='none'/> or the other USB controllers");
        free(v);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!find_bus(v, n, v[i].index)) {
            dc_chk_finding(c, DC_RULE_IMPLICIT_DEVICES, DC_SEVERITY_ERROR, NULL, NULL, NULL,
                           "No master USB controller specified");
            dc_chk_hint(c,
                        "USB controller index %llu has only companion controllers; add the "
                        "EHCI controller they belong to (model='ich9-ehci1') at that index",
                        v[i].index);
            free(v);
            return;
        }
    if (!none && n == 0 && machine_default_usb(c) == 1) {
        v = xrealloc(v, sizeof(*v));
        v[n++] = (usb_bus){.index = 0, .ports = default_usb_ports(c, true)};
    }
    if (n == 0) {
        free(v);
        return; /* no USB at all: the USB-disabled rule speaks */
    }
    dc_strv seen = {0};
    FOREACH_DEVICE(c, d)
    {
        xmlNodePtr a = dc_xml_child(d, "address");
        if (!a || !prop_is(a, "type", "usb"))
            continue;
        check_usb_address(c, v, n, a, &seen);
    }
    dc_strv_clear(&seen);
    free(v);
}

/* ---- PCI topology ------------------------------------------------------------------ */

typedef struct {
    xmlNodePtr node;
    unsigned long long index;
    bool has_index;
    char *model;
    bool has_addr; /* an explicit PCI address */
    unsigned long long bus;
    bool has_bus;
    char addr[32]; /* the explicit address, as libvirt prints it */
} pci_ctrl;

static bool pcie_only_model(const char *m)
{
    return streq(m, "pcie-root-port") || streq(m, "pcie-switch-upstream-port") ||
           streq(m, "pcie-switch-downstream-port") || streq(m, "dmi-to-pci-bridge") ||
           streq(m, "pcie-to-pci-bridge");
}

static int cmp_ctrl(const void *a, const void *b)
{
    const pci_ctrl *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* One of the first n controllers (sorted by index) has one of the models. */
static bool first_n_have(const pci_ctrl *v, size_t n, const char *const *models)
{
    for (size_t j = 0; j < n; j++)
        for (const char *const *m = models; *m; m++)
            if (v[j].model && streq(v[j].model, *m))
                return true;
    return false;
}

/* The PCI controllers of the domain (free each model, then the array). */
static pci_ctrl *pci_controllers(chk *c, size_t *ret_n)
{
    pci_ctrl *v = NULL;
    size_t n = 0;
    FOREACH_DEVICE(c, d)
    {
        if (!dc_xml_is(d, "controller") || !prop_is(d, "type", "pci"))
            continue;
        v = xrealloc(v, (n + 1) * sizeof(*v));
        pci_ctrl *p = &v[n++];
        *p = (pci_ctrl){.node = d, .model = dc_xml_prop(d, "model")};
        p->has_index = prop_num(d, "index", &p->index);
        xmlNodePtr a = dc_xml_child(d, "address");
        if (a && prop_is(a, "type", "pci")) {
            unsigned long long dom = 0, slot = 0, fn = 0;
            p->has_addr = true;
            p->has_bus = addr_num(a, "bus", &p->bus);
            addr_num(a, "domain", &dom);
            addr_num(a, "slot", &slot);
            addr_num(a, "function", &fn);
            snprintf(p->addr, sizeof(p->addr), "%04llx:%02llx:%02llx.%llx", dom,
                     p->has_bus ? p->bus : 0, slot, fn);
        }
    }
    *ret_n = n;
    return v;
}

/* A controller's model and index against the machine's PCI root. */
static void check_pci_controller(chk *c, const pci_ctrl *p, pci_root root, const char *root_model)
{
    const char *m = p->model;
    bool is_root = streq(m, "pci-root") || streq(m, "pcie-root");
    if (p->index == 0 && root_model && !streq(m, root_model)) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "The PCI controller with index='0' must be model='%s' for this "
                       "machine type, but model='%s' was found instead",
                       root_model, m);
        return;
    }
    if (is_root && p->index != 0 && !(c->pseries && streq(m, "pci-root"))) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "index", NULL,
                       "pci-root and pcie-root controllers should have index 0");
        dc_chk_hint(c, "additional PCI host bridges (pci-root with index > 0, "
                       "spapr-pci-host-bridge) exist on pseries only");
        return;
    }
    if (streq(m, "pci-expander-bus") && !c->pc && root != ROOT_UNKNOWN) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "pci-expander-bus controllers are only supported on 440fx-based "
                       "machinetypes");
        return;
    }
    if (streq(m, "pcie-expander-bus") && root == ROOT_PCI) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "pcie-expander-bus controllers are not supported with this machine "
                       "type");
        return;
    }
    if (p->has_addr && p->has_bus && p->index != 0 && p->index <= p->bus) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, NULL, NULL,
                       "PCI controller at index %llu (0x%02llx) has bus='0x%02llx', but "
                       "index must be larger than bus",
                       p->index, p->index, p->bus);
        return;
    }
}

/* A PCI Express controller on a conventional PCI root: libvirt finds it no slot. */
static void report_pcie_on_pci(chk *c, const pci_ctrl *p)
{
    const char *m = p->model;
    if (p->has_addr) {
        unsigned long long bus = p->has_bus ? p->bus : 0;
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "The device at PCI address %s cannot be plugged into the PCI "
                       "controller with index='%llu'. It requires a controller that "
                       "accepts a %s.",
                       p->addr, bus, m);
    } else if (streq(m, "pcie-to-pci-bridge")) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "Cannot automatically add a new PCI bus for a device with "
                       "connect flags 2000");
    } else {
        const char *named = streq(m, "pcie-switch-upstream-port") ? "pcie-root-port" : m;
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "a PCI slot is needed to connect a PCI controller model='%s', "
                       "but none is available, and it cannot be automatically added",
                       named);
    }
    dc_chk_hint(c,
                "machine %s has a conventional PCI root (pci-root): PCI Express "
                "controllers need q35; use pci-bridge here",
                c->caps->machine);
}

/* A bridge or port on a PCIe root with nothing to plug into (v sorted by index); whether reported.
 */
static bool report_pcie_slot(chk *c, const pci_ctrl *v, size_t n, size_t i)
{
    const pci_ctrl *p = &v[i];
    const char *m = p->model;
    if (p->has_addr)
        return false;
    if (streq(m, "pci-bridge")) {
        static const char *const below[] = {"pcie-to-pci-bridge", "dmi-to-pci-bridge", "pci-bridge",
                                            NULL};
        if (first_n_have(v, i, below))
            return false;
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "index", NULL,
                       "PCI controller at index %llu (0x%02llx) has bus='0x%02llx', but "
                       "index must be larger than bus",
                       p->index, p->index, p->index);
        dc_chk_hint(c, "on a PCI Express machine a pci-bridge needs a pcie-to-pci-bridge "
                       "or dmi-to-pci-bridge with a lower index");
        return true;
    } else if (streq(m, "pcie-to-pci-bridge")) {
        static const char *const above[] = {"pcie-root-port", "pcie-switch-downstream-port", NULL};
        if (first_n_have(v, n, above))
            return false;
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "Cannot automatically add a new PCI bus for a device with connect "
                       "flags 2000");
        dc_chk_hint(c, "a pcie-to-pci-bridge needs a pcie-root-port to plug into");
        return true;
    } else if (streq(m, "pcie-switch-downstream-port")) {
        static const char *const above[] = {"pcie-switch-upstream-port", NULL};
        if (first_n_have(v, n, above))
            return false;
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, p->node, "model", m,
                       "a PCI slot is needed to connect a PCI controller model='%s', but none "
                       "is available, and it cannot be automatically added",
                       m);
        dc_chk_hint(c, "a pcie-switch-downstream-port plugs into a pcie-switch-upstream-port");
        return true;
    }
    return false;
}

static void rule_pci_controllers(chk *c)
{
    pci_root root = machine_pci_root(c);
    const char *root_model = root == ROOT_PCI ? "pci-root" : root == ROOT_PCIE ? "pcie-root" : NULL;
    size_t n = 0;
    pci_ctrl *v = pci_controllers(c, &n);
    dc_chk_mark(c, DC_RULE_PCI_TOPOLOGY);
    for (size_t i = 0; i < n; i++)
        if (v[i].has_index && v[i].model)
            check_pci_controller(c, &v[i], root, root_model);
    /*
     * Where libvirt finds no slot for a controller it does not add one: PCIe
     * controllers on a conventional PCI root, a pci-bridge on a PCIe root
     * without a PCI bus below it, a pcie-to-pci-bridge without a root port.
     */
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_ctrl);
    for (size_t i = 0; i < n; i++) {
        const pci_ctrl *p = &v[i];
        if (!p->has_index || !p->model || p->index == 0)
            continue;
        if (root == ROOT_PCI && pcie_only_model(p->model)) {
            report_pcie_on_pci(c, p);
            break;
        }
        if (root == ROOT_PCIE && report_pcie_slot(c, v, n, i))
            break;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].model);
    free(v);
}

typedef struct {
    unsigned long long dom, bus, slot, fn;
    xmlNodePtr node;
} pci_addr;

/* The model of the PCI controller with that index, or NULL. */
static char *controller_model_at(chk *c, unsigned long long index)
{
    FOREACH_DEVICE(c, d)
    {
        unsigned long long i;
        if (dc_xml_is(d, "controller") && prop_is(d, "type", "pci") && prop_num(d, "index", &i) &&
            i == index)
            return dc_xml_prop(d, "model");
    }
    return NULL;
}

/* libvirt's implicit piix3-uhci takes 00:01.2 on pc when the domain leaves USB to it. */
static bool pc_usb_at_1_2(chk *c)
{
    bool any = false;
    FOREACH_DEVICE(c, d)
    {
        if (!dc_xml_is(d, "controller") || !prop_is(d, "type", "usb"))
            continue;
        any = true;
        _cleanup_free_ char *m = dc_xml_prop(d, "model");
        if ((!m || streq(m, "piix3-uhci")) && !dc_xml_child(d, "address"))
            return true;
    }
    return !any;
}

/* Whether the machine's own chipset devices (or libvirt's implicit ones) hold the slot. */
static bool reserved_by_machine(chk *c, xmlNodePtr dev, const pci_addr *p)
{
    if (p->dom || p->bus)
        return false;
    if (c->pc && p->slot == 1) {
        /* PIIX3: the ISA bridge at .0, the power management at .3, USB at .2 */
        if (p->fn == 0 || p->fn == 3)
            return true;
        return p->fn == 2 && !(dc_xml_is(dev, "controller") && prop_is(dev, "type", "usb")) &&
               pc_usb_at_1_2(c);
    }
    if (c->q35 && p->slot == 0x1f) {
        /* ICH9: the LPC bridge at .0, SMBus at .3, the implicit SATA controller at .2 */
        if (p->fn == 0 || p->fn == 3)
            return true;
        return p->fn == 2 && !(dc_xml_is(dev, "controller") && prop_is(dev, "type", "sata"));
    }
    return false;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (streq(s, *list))
            return true;
    return false;
}

/*
 * Whether a PCI controller of model child may sit on a bus of model parent
 * (where libvirt has been seen to refuse; anything else passes).
 */
static bool controller_fits_bus(const char *child, const char *parent)
{
    static const char *const conventional[] = {"pci-root",          "pci-bridge",
                                               "dmi-to-pci-bridge", "pcie-to-pci-bridge",
                                               "pci-expander-bus",  NULL};
    static const char *const pcie_ports[] = {"pcie-root-port", "pcie-switch-downstream-port", NULL};
    if (streq(child, "pcie-root-port"))
        return streq(parent, "pcie-root") || streq(parent, "pcie-expander-bus");
    if (streq(child, "pcie-switch-upstream-port") || streq(child, "pcie-to-pci-bridge"))
        return in_list(parent, pcie_ports);
    if (streq(child, "pcie-switch-downstream-port"))
        return streq(parent, "pcie-switch-upstream-port");
    if (streq(child, "dmi-to-pci-bridge"))
        return !in_list(parent, conventional) && !in_list(parent, pcie_ports) &&
               !startswith(parent, "pcie-switch-");
    if (streq(child, "pci-bridge"))
        return !streq(parent, "pcie-switch-upstream-port");
    return true;
}

/* libvirt's name for what an endpoint device needs, in its refusal. */
static const char *endpoint_kind(xmlNodePtr d)
{
    const char *name = (const char *)d->name;
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    _cleanup_free_ char *mtype = dc_xml_prop(dc_xml_child(d, "model"), "type");
    bool virtio = (model && startswith(model, "virtio")) ||
                  (mtype && startswith(mtype, "virtio")) ||
                  (streq(name, "disk") && disk_is_virtio(d)) || streq(name, "vsock") ||
                  streq(name, "filesystem") || prop_is(d, "type", "virtio-serial") ||
                  prop_is(d, "bus", "virtio");
    return virtio ? "PCI Express device" : "standard PCI device";
}

/* Explicit PCI addresses: in range, fitting the bus they name, and used once. */
/* The address's slot on the controller of its bus, and whether the device fits that bus. */
static bool pci_bus_misfit(chk *c, xmlNodePtr d, xmlNodePtr a, const pci_addr *p, const char *sbus,
                           const char *sslot, const char *addr)
{
    _cleanup_free_ char *bus_model = controller_model_at(c, p->bus);
    if (!bus_model && p->bus == 0 && machine_pci_root(c) == ROOT_PCI)
        bus_model = xstrdup("pci-root"); /* the root libvirt adds */
    else if (!bus_model && p->bus == 0 && machine_pci_root(c) == ROOT_PCIE)
        bus_model = xstrdup("pcie-root");
    if (bus_model && p->slot > 0 &&
        (streq(bus_model, "pcie-root-port") || streq(bus_model, "pcie-switch-downstream-port"))) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, "slot", sslot,
                       "Invalid PCI address %s. slot must be <= 0", addr);
        dc_chk_hint(c, "a %s has a single slot, 0", bus_model);
        return true;
    }
    if (bus_model && p->slot == 0 &&
        (streq(bus_model, "pci-bridge") || streq(bus_model, "pcie-to-pci-bridge"))) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, "slot", sslot,
                       "Invalid PCI address %s. slot must be >= 1", addr);
        dc_chk_hint(c, "slot 0 of a %s is its own", bus_model);
        return true;
    }
    bool is_pci_ctrl = dc_xml_is(d, "controller") && prop_is(d, "type", "pci");
    _cleanup_free_ char *own_model = is_pci_ctrl ? dc_xml_prop(d, "model") : NULL;
    const char *needs = NULL;
    if (bus_model && own_model && !controller_fits_bus(own_model, bus_model))
        needs = own_model;
    else if (bus_model && !is_pci_ctrl &&
             (streq(bus_model, "pcie-switch-upstream-port") ||
              streq(bus_model, "pcie-expander-bus")))
        needs = endpoint_kind(d);
    if (needs) {
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, "bus", sbus,
                       "The device at PCI address %s cannot be plugged into the PCI controller "
                       "with index='%llu'. It requires a controller that accepts a %s.",
                       addr, p->bus, needs);
        dc_chk_hint(c, "bus %llu is a %s", p->bus, bus_model);
        return true;
    }
    return false;
}

static void rule_pci_addresses(chk *c)
{
    pci_addr *v = NULL;
    size_t n = 0;
    dc_chk_mark(c, DC_RULE_PCI_TOPOLOGY);
    FOREACH_DEVICE(c, d)
    {
        xmlNodePtr a = dc_xml_child(d, "address");
        if (!a || !prop_is(a, "type", "pci"))
            continue;
        pci_addr p = {.node = a};
        _cleanup_free_ char *sdom = dc_xml_prop(a, "domain");
        _cleanup_free_ char *sbus = dc_xml_prop(a, "bus");
        _cleanup_free_ char *sslot = dc_xml_prop(a, "slot");
        _cleanup_free_ char *sfn = dc_xml_prop(a, "function");
        if ((sdom && !parse_addr_part(sdom, &p.dom)) || (sbus && !parse_addr_part(sbus, &p.bus)) ||
            (sslot && !parse_addr_part(sslot, &p.slot)) || (sfn && !parse_addr_part(sfn, &p.fn)))
            continue; /* not a number: the schema rule's business */
        if (!p.dom && !p.bus && !p.slot && !p.fn)
            continue; /* libvirt takes an all-zero address as none and assigns one */
        if (p.bus > 0xff) {
            dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, "bus", sbus,
                           "Invalid PCI address bus='0x%llx', must be <= 0xFF", p.bus);
            continue;
        }
        if (p.slot > 0x1f) {
            dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, "slot", sslot,
                           "Invalid PCI address slot='0x%llx', must be <= 0x1F", p.slot);
            continue;
        }
        if (p.fn > 7) {
            dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, "function", sfn,
                           "Invalid PCI address function=0x%llx, must be <= 7", p.fn);
            continue;
        }
        char addr[32];
        snprintf(addr, sizeof(addr), "%04llx:%02llx:%02llx.%llx", p.dom, p.bus, p.slot, p.fn);
        if (p.dom) {
            dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, "domain", sdom,
                           "Invalid PCI address %s. Only PCI domain 0 is available", addr);
            continue;
        }
        if (pci_bus_misfit(c, d, a, &p, sbus, sslot, addr))
            continue;
        bool dup = reserved_by_machine(c, d, &p);
        for (size_t i = 0; i < n && !dup; i++)
            if (v[i].dom == p.dom && v[i].bus == p.bus && v[i].slot == p.slot && v[i].fn == p.fn)
                dup = true;
        if (dup) {
            dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, a, NULL, NULL,
                           "Attempted double use of PCI Address %s", addr);
            dc_chk_hint(c, "another device (or the machine's chipset) is at that address; give "
                           "each device its own slot or function, or drop the <address>");
            continue;
        }
        v = xrealloc(v, (n + 1) * sizeof(*v));
        v[n++] = p;
    }
    free(v);
}

/*
 * libvirt puts every NIC but spapr-vlan on PCI. A model naming a QEMU device
 * that is not a PCI device (lan9118, smc91c111, ne2k_isa) fails at start.
 * The x86 PC machines are judged by the device-model rule already.
 */
static void nic_off_pci(chk *c, xmlNodePtr d)
{
    if (c->x86 || !dc_xml_is(d, "interface") || !c->qemu || !c->qemu->pci_types.n)
        return;
    _cleanup_free_ char *atype = address_type(d);
    if (atype && !streq(atype, "pci"))
        return;
    xmlNodePtr m = dc_xml_child(d, "model");
    _cleanup_free_ char *t = dc_xml_prop(m, "type");
    if (!t || startswith(t, "usb-") || (c->pseries && streq(t, "spapr-vlan")))
        return;
    if (!dc_chk_has_type(c, t) || dc_qemu_is_pci_type(c->qemu, t))
        return;
    dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, m, "type", t,
                   "interface model '%s' is not a PCI device, but libvirt places NICs on the PCI "
                   "bus of machine %s",
                   t, c->caps->machine);
    dc_chk_hint(c, "QEMU refuses it at start (\"Parameter 'driver' expects a pluggable device "
                   "type\"); use model='virtio' or 'e1000'");
}

/*
 * Devices libvirt 9.0 puts through PCI address assignment without knowing
 * which slot they take (ich7 sound, usb-net NICs): with no address of their
 * own they fail wherever the machine has PCI.
 */
static void rule_pci_unplaceable(chk *c)
{
    pci_root root = machine_pci_root(c);
    if (root != ROOT_PCI && root != ROOT_PCIE)
        return;
    dc_chk_mark(c, DC_RULE_PCI_TOPOLOGY);
    FOREACH_DEVICE(c, d)
    {
        nic_off_pci(c, d);
        if (dc_xml_child(d, "address"))
            continue;
        const char *what = NULL;
        if (dc_xml_is(d, "sound") && prop_is(d, "model", "ich7"))
            what = "sound model 'ich7'";
        else if (dc_xml_is(d, "interface") && prop_is(dc_xml_child(d, "model"), "type", "usb-net"))
            what = "interface model 'usb-net'";
        if (!what)
            continue;
        dc_chk_finding(c, DC_RULE_PCI_TOPOLOGY, DC_SEVERITY_ERROR, d, NULL, NULL,
                       "Cannot automatically add a new PCI bus for a device with connect flags 00");
        dc_chk_hint(c, "libvirt 9.0 cannot place a %s on its own; give it an explicit <address>",
                    what);
        return;
    }
}

/* ---- IOMMU ---------------------------------------------------------------------------- */

static void rule_iommu(chk *c)
{
    xmlNodePtr iommu = dc_xml_child(dc_xml_child(c->root, "devices"), "iommu");
    if (!iommu)
        return;
    dc_chk_mark(c, DC_RULE_IOMMU);
    if (count_devices(c, "iommu") > 1) {
        xmlNodePtr second = dc_xml_next(iommu, "iommu");
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, second, NULL, NULL,
                       "only a single IOMMU device is supported");
    }
    _cleanup_free_ char *model = dc_xml_prop(iommu, "model");
    if (!model)
        return;
    bool intel = streq(model, "intel"), smmu = streq(model, "smmuv3"),
         virtio = streq(model, "virtio");
    if (intel && !c->q35)
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, iommu, "model", model,
                       "IOMMU device: 'intel' is only supported with Q35 machines");
    else if (smmu && !c->arm_virt)
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, iommu, "model", model,
                       "IOMMU device: 'smmuv3' is only supported with ARM Virt machines");
    else if (virtio && !c->q35 && !c->arm_virt)
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, iommu, "model", model,
                       "IOMMU device: 'virtio' is only supported with Q35 and ARM Virt machines");
    else if (virtio && !dc_xml_child(dc_xml_child(c->root, "features"), "acpi"))
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, iommu, "model", model,
                       "IOMMU device: 'virtio' requires ACPI");
    else if (c->qemu && ((intel && !dc_chk_has_type(c, "intel-iommu")) ||
                         (virtio && !dc_chk_has_type(c, "virtio-iommu-pci"))))
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, iommu, "model", model,
                       "IOMMU device: '%s' is not supported with this QEMU binary", model);

    /* QEMU refuses VFIO devices behind an Intel IOMMU that does not report its mappings. */
    if (intel && !prop_is(dc_xml_child(iommu, "driver"), "caching_mode", "on")) {
        FOREACH_DEVICE(c, d)
        {
            if (dc_xml_is(d, "hostdev") && prop_is(d, "type", "pci")) {
                dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, d, NULL, NULL,
                               "a PCI host device behind the Intel IOMMU requires caching mode");
                dc_chk_hint(c, "set <driver caching_mode='on'/> on the <iommu>");
                break;
            }
        }
    }

    xmlNodePtr drv = dc_xml_child(iommu, "driver");
    if (!drv)
        return;
    if (!intel) {
        if (drv->properties)
            dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, drv, NULL, NULL,
                           "iommu model '%s' doesn't support additional attributes", model);
        return;
    }
    _cleanup_free_ char *ioapic =
        dc_xml_prop(dc_xml_child(dc_xml_child(c->root, "features"), "ioapic"), "driver");
    bool intremap = prop_is(drv, "intremap", "on"), eim = prop_is(drv, "eim", "on");
    if (intremap && !(ioapic && streq(ioapic, "qemu"))) {
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, drv, "intremap", "on",
                       "IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')");
        dc_chk_hint(c, "add <ioapic driver='qemu'/> to <features>");
    }
    if (eim && !intremap) {
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, drv, "eim", "on",
                       "IOMMU eim requires interrupt remapping to be enabled");
        dc_chk_hint(c, "set intremap='on' as well");
    } else if (eim && !c->kvm) {
        /* QEMU refuses at start: TCG has no split kernel irqchip. */
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, drv, "eim", "on",
                       "eim=on requires accel=kvm,kernel-irqchip=split");
        dc_chk_hint(c, "extended interrupt mode needs type='kvm'; drop eim='on' under TCG");
    }
    unsigned long long aw;
    _cleanup_free_ char *saw = dc_xml_prop(drv, "aw_bits");
    if (saw && parse_num(saw, &aw) && aw != 39 && aw != 48)
        dc_chk_finding(c, DC_RULE_IOMMU, DC_SEVERITY_ERROR, drv, "aw_bits", saw,
                       "Supported values for aw-bits are: 39, 48");
}

void dc_chk_rule_machine(chk *c)
{
    rule_no_pci_bus(c);
    rule_usb(c);
    rule_usb_topology(c);
    if (machine_pci_root(c) != ROOT_UNKNOWN || has_controller(c, "pci")) {
        rule_pci_controllers(c);
        rule_pci_addresses(c);
        rule_pci_unplaceable(c);
    }
    rule_iommu(c);
}
