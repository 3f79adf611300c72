/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host resources a domain names: device nodes, network interfaces and
 * bridges, the TSC, files and sockets it opens at start.
 *
 * Device nodes, interfaces, the TSC, SMBIOS and numad come from the host
 * inventory, so a saved report judges them offline as a live run does. Files
 * and sockets are the domain's own and change from run to run: only a live
 * check looks at them (stat, never open, under --sysroot), and a socket that
 * is not there yet is a warning, since its server may start before the domain.
 */
#include "check_internal.h"

#include "arch.h"
#include "xmlsafe.h"

static bool is_virtio_model(const char *m)
{
    return m && (streq(m, "virtio") || streq(m, "virtio-transitional") ||
                 streq(m, "virtio-non-transitional"));
}

static const dc_hostnet *host_iface(const dc_hostinfo *h, const char *name)
{
    for (size_t i = 0; i < h->nifaces; i++)
        if (streq(h->ifaces[i].name, name))
            return &h->ifaces[i];
    return NULL;
}

/* ---- device nodes and VFIO ----------------------------------------------------- */

static void iface_vhost(chk *c, xmlNodePtr d, const char *type)
{
    /* libvirt opens /dev/vhost-net for the tap and macvtap backends of virtio NICs. */
    if (!streq(type, "network") && !streq(type, "bridge") && !streq(type, "ethernet") &&
        !streq(type, "direct"))
        return;
    xmlNodePtr drv = dc_xml_child(d, "driver");
    _cleanup_free_ char *name = dc_xml_prop(drv, "name");
    _cleanup_free_ char *model = dc_xml_prop(dc_xml_child(d, "model"), "type");
    if (!name || !streq(name, "vhost") || !is_virtio_model(model))
        return;
    dc_chk_mark(c, DC_RULE_HOST_DEVICE_NODE);
    if (c->host->devnodes.vhost_net < 0) {
        dc_chk_skip_rule(c, DC_RULE_HOST_DEVICE_NODE,
                         "the host report does not list /dev/vhost-net");
        return;
    }
    if (!c->host->devnodes.vhost_net) {
        dc_chk_finding(c, DC_RULE_HOST_DEVICE_NODE, DC_SEVERITY_ERROR, drv, "name", name,
                       "vhost-net was requested for an interface, but is unavailable");
        dc_chk_hint(c, "load the vhost_net module, or drop <driver name='vhost'/>");
    }
}

static bool vfio_usable(const dc_hostinfo *h) { return h->vfio.dev_vfio && h->vfio.iommu_groups; }

static void iface_hostdev(chk *c, xmlNodePtr d)
{
    dc_chk_mark(c, DC_RULE_HOST_DEVICE_NODE);
    if (vfio_usable(c->host))
        return;
    _cleanup_free_ char *drv = dc_xml_prop(dc_xml_child(d, "driver"), "name");
    if (drv && streq(drv, "vfio"))
        dc_chk_finding(c, DC_RULE_HOST_DEVICE_NODE, DC_SEVERITY_ERROR, d, "type", "hostdev",
                       "host doesn't support VFIO PCI passthrough");
    else
        dc_chk_finding(c, DC_RULE_HOST_DEVICE_NODE, DC_SEVERITY_ERROR, d, "type", "hostdev",
                       "host doesn't support passthrough of host PCI devices");
    dc_chk_hint(c, "%s",
                !c->host->vfio.iommu_groups ? "no IOMMU groups: is the IOMMU enabled?"
                                            : "/dev/vfio/vfio does not exist");
}

static void rule_device_nodes(chk *c, xmlNodePtr devices)
{
    for (xmlNodePtr d = dc_xml_child(devices, "interface"); d; d = dc_xml_next(d, "interface")) {
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        if (!type)
            continue;
        if (streq(type, "hostdev"))
            iface_hostdev(c, d);
        else
            iface_vhost(c, d, type);
    }
    for (xmlNodePtr v = dc_xml_child(devices, "vsock"); v; v = dc_xml_next(v, "vsock")) {
        dc_chk_mark(c, DC_RULE_HOST_DEVICE_NODE);
        if (c->host->devnodes.vhost_vsock < 0)
            dc_chk_skip_rule(c, DC_RULE_HOST_DEVICE_NODE,
                             "the host report does not list /dev/vhost-vsock");
        else if (!c->host->devnodes.vhost_vsock) {
            dc_chk_finding(c, DC_RULE_HOST_DEVICE_NODE, DC_SEVERITY_ERROR, v, NULL, NULL,
                           "unable to open vhost-vsock device");
            dc_chk_hint(c, "load the vhost_vsock module (/dev/vhost-vsock)");
        }
    }
    for (xmlNodePtr h = dc_xml_child(devices, "hostdev"); h; h = dc_xml_next(h, "hostdev")) {
        _cleanup_free_ char *mode = dc_xml_prop(h, "mode");
        _cleanup_free_ char *type = dc_xml_prop(h, "type");
        if ((mode && !streq(mode, "subsystem")) || !type || !streq(type, "mdev"))
            continue;
        /* The mdev framework isolates the device: libvirt asks for /dev/vfio/vfio only. */
        dc_chk_mark(c, DC_RULE_HOST_DEVICE_NODE);
        if (!c->host->vfio.dev_vfio) {
            dc_chk_finding(c, DC_RULE_HOST_DEVICE_NODE, DC_SEVERITY_ERROR, h, "type", type,
                           "Mediated host device assignment requires VFIO support");
            dc_chk_hint(c, "load the vfio and vfio_mdev modules (/dev/vfio/vfio)");
        }
    }
}

/* ---- interfaces ---------------------------------------------------------------- */

static void rule_interfaces(chk *c, xmlNodePtr devices)
{
    for (xmlNodePtr d = dc_xml_child(devices, "interface"); d; d = dc_xml_next(d, "interface")) {
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        bool bridge = type && streq(type, "bridge"), direct = type && streq(type, "direct");
        if (!bridge && !direct)
            continue;
        xmlNodePtr src = dc_xml_child(d, "source");
        _cleanup_free_ char *name = dc_xml_prop(src, bridge ? "bridge" : "dev");
        if (!name)
            continue;
        dc_chk_mark(c, DC_RULE_HOST_INTERFACE);
        if (!c->host->ifaces_known) {
            dc_chk_skip_rule(c, DC_RULE_HOST_INTERFACE,
                             "the host report has no network interfaces");
            continue;
        }
        if (host_iface(c->host, name))
            continue;
        if (bridge)
            dc_chk_finding(c, DC_RULE_HOST_INTERFACE, DC_SEVERITY_ERROR, src, "bridge", name,
                           "Cannot get interface MTU on '%s': No such device", name);
        else
            dc_chk_finding(c, DC_RULE_HOST_INTERFACE, DC_SEVERITY_ERROR, src, "dev", name,
                           "Unable to get index for interface %s: No such device", name);
        dc_buf sup = {0};
        for (size_t i = 0; i < c->host->nifaces; i++)
            if (!bridge || c->host->ifaces[i].bridge)
                dc_buf_addf(&sup, "%s%s", sup.len ? " " : "", c->host->ifaces[i].name);
        dc_chk_last(c)->supported = sup.len ? dc_buf_steal(&sup) : xstrdup("none");
        dc_buf_clear(&sup);
    }
}

/* ---- TSC, SMBIOS, numad -------------------------------------------------------- */

static void rule_tsc(chk *c)
{
    xmlNodePtr clock = dc_xml_child(c->root, "clock");
    for (xmlNodePtr t = dc_xml_child(clock, "timer"); t; t = dc_xml_next(t, "timer")) {
        _cleanup_free_ char *name = dc_xml_prop(t, "name");
        _cleanup_free_ char *freq = dc_xml_prop(t, "frequency");
        if (!name || !streq(name, "tsc") || !freq)
            continue;
        bool ok;
        unsigned long long want = dc_chk_parse_ull(freq, &ok);
        if (!ok || !want)
            continue;
        dc_chk_mark(c, DC_RULE_HOST_TSC);
        /* libvirt asks KVM for the host TSC; without it (no usable KVM) it does not judge. */
        if (!c->host->tsc_hz || c->host->tsc_scaling < 0) {
            dc_chk_skip_rule(c, DC_RULE_HOST_TSC,
                             "the host report has no TSC frequency or scaling");
            return;
        }
        unsigned long long host = c->host->tsc_hz, tol = host * 250 / 1000000;
        if ((want >= host - tol && want <= host + tol) || c->host->tsc_scaling)
            return;
        dc_chk_finding(c, DC_RULE_HOST_TSC, DC_SEVERITY_ERROR, t, "frequency", freq,
                       "Requested TSC frequency %llu Hz is outside tolerance range ([%llu, %llu] "
                       "Hz) around host frequency %llu Hz and TSC scaling is not supported by "
                       "the host CPU",
                       want, host - tol, host + tol, host);
        dc_chk_last(c)->supported = xasprintf("%llu-%llu", host - tol, host + tol);
        dc_chk_hint(c, "drop the frequency, or use %llu", host);
        return;
    }
}

static void rule_smbios(chk *c)
{
    xmlNodePtr s = dc_xml_child(dc_xml_child(c->root, "os"), "smbios");
    _cleanup_free_ char *mode = dc_xml_prop(s, "mode");
    if (!mode || !streq(mode, "host"))
        return;
    dc_chk_mark(c, DC_RULE_HOST_SMBIOS);
    /* libvirt reads the host's tables with dmidecode on x86; elsewhere it has other sources. */
    if (!c->host->cpu.arch || !dc_arch_is_x86(c->host->cpu.arch))
        return;
    if (c->host->smbios < 0 && c->host->dmidecode < 0) {
        dc_chk_skip_rule(c, DC_RULE_HOST_SMBIOS,
                         "the host report does not say whether SMBIOS exists");
        return;
    }
    if (c->host->smbios == 0 || c->host->dmidecode == 0) {
        dc_chk_finding(c, DC_RULE_HOST_SMBIOS, DC_SEVERITY_ERROR, s, "mode", mode,
                       "Host SMBIOS information is not available");
        dc_chk_hint(c, "%s",
                    c->host->dmidecode == 0
                        ? "install dmidecode, or use <smbios mode='sysinfo'/>"
                        : "this host has no SMBIOS tables: use <smbios mode='sysinfo'/>");
    }
}

static bool placement_auto(xmlNodePtr n)
{
    _cleanup_free_ char *p = dc_xml_prop(n, "placement");
    return p && streq(p, "auto");
}

static void rule_numad(chk *c)
{
    xmlNodePtr vcpu = dc_xml_child(c->root, "vcpu");
    xmlNodePtr mem = dc_xml_child(dc_xml_child(c->root, "numatune"), "memory");
    xmlNodePtr n = placement_auto(mem) ? mem : placement_auto(vcpu) ? vcpu : NULL;
    if (!n)
        return;
    dc_chk_mark(c, DC_RULE_HOST_NUMAD);
    if (c->host->numad < 0) {
        dc_chk_skip_rule(c, DC_RULE_HOST_NUMAD,
                         "the host report does not say whether numad exists");
        return;
    }
    if (!c->host->numad) {
        dc_chk_finding(c, DC_RULE_HOST_NUMAD, DC_SEVERITY_ERROR, n, "placement", "auto",
                       "Failed to query numad for the advisory nodeset");
        dc_chk_hint(c, "install numad, or use placement='static' with a nodeset");
    }
}

/* ---- files and sockets (live) -------------------------------------------------- */

typedef enum {
    P_STORAGE_FILE, /* a disk image */
    P_STORAGE_DEV,  /* a block or SCSI generic device */
    P_STAT,         /* kernel, initrd, dtb */
    P_ACCESS,       /* a device or file libvirt labels and hands over */
    P_PARENT,       /* a file QEMU creates: its directory must exist */
    P_VIRTIOFS,
    P_ROM,
    P_SCSI_HOST,
    P_SOCKET, /* a unix socket QEMU connects to */
} path_kind;

static const dc_root *live_root(chk *c) { return c->live_host ? c->live_host->root : NULL; }

static int path_stat(chk *c, const char *p, struct stat *st)
{
    const dc_root *r = live_root(c);
    if (r)
        return dc_root_stat(r, p, st);
    return stat(p, st) < 0 ? -errno : 0;
}

static void path_finding(chk *c, xmlNodePtr n, const char *attr, const char *p, path_kind k, int e)
{
    const char *why = strerror(-e);
    switch (k) {
    case P_STORAGE_FILE:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "Cannot access storage file '%s' (as uid:%u, gid:%u): %s", p,
                       (unsigned)geteuid(), (unsigned)getegid(), why);
        break;
    case P_STORAGE_DEV:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "Cannot access storage file '%s': %s", p, why);
        break;
    case P_STAT:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "unable to stat: %s: %s", p, why);
        break;
    case P_ACCESS:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "Path '%s' is not accessible: %s", p, why);
        break;
    case P_PARENT:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "Unable to open file: %s: %s", p, why);
        break;
    case P_VIRTIOFS:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "the virtiofs export directory '%s' does not exist", p);
        break;
    case P_ROM:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "failed to find romfile \"%s\"", p);
        break;
    case P_SCSI_HOST:
        dc_chk_finding(c, DC_RULE_HOST_PATH, DC_SEVERITY_ERROR, n, attr, p,
                       "cannot open directory '%s': %s", p, why);
        break;
    case P_SOCKET:
        dc_chk_finding(c, DC_RULE_HOST_ENDPOINT, DC_SEVERITY_WARNING, n, attr, p,
                       "QEMU connects to the unix socket '%s' at start, which does not exist "
                       "now: %s",
                       p, why);
        dc_chk_hint(c, "start its server before the domain");
        break;
    }
}

/* Judges one path the domain names; offline it only records that the rule was skipped. */
static void check_path(chk *c, xmlNodePtr n, const char *attr, const char *p, path_kind k)
{
    dc_rule rule = k == P_SOCKET ? DC_RULE_HOST_ENDPOINT : DC_RULE_HOST_PATH;
    if (!p || !*p)
        return;
    dc_chk_mark(c, rule);
    if (!c->live || c->recorded) {
        dc_chk_skip_rule(c, rule,
                         k == P_SOCKET ? "sockets the domain connects to are checked live only"
                         : c->recorded ? "files the domain opens are checked live only, not "
                                         "in a captured host"
                                       : "files the domain opens are checked live only");
        return;
    }
    struct stat st;
    int r;
    if (k == P_PARENT) {
        _cleanup_free_ char *dir = xstrdup(p);
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return;
        *slash = '\0';
        r = path_stat(c, dir, &st);
    } else
        r = path_stat(c, p, &st);
    if (r == 0 && k == P_VIRTIOFS && !S_ISDIR(st.st_mode))
        r = -ENOTDIR;
    if (r == 0 && k == P_SOCKET && !S_ISSOCK(st.st_mode))
        r = -ENOTSOCK;
    if (r < 0)
        path_finding(c, n, attr, p, k, r);
}

static void check_prop(chk *c, xmlNodePtr n, const char *attr, path_kind k)
{
    _cleanup_free_ char *v = dc_xml_prop(n, attr);
    check_path(c, n, attr, v, k);
}

static void check_text(chk *c, xmlNodePtr n, path_kind k)
{
    _cleanup_free_ char *v = dc_xml_text(n);
    check_path(c, n, NULL, v, k);
}

static void disk_paths(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    xmlNodePtr src = dc_xml_child(d, "source");
    _cleanup_free_ char *policy = dc_xml_prop(src, "startupPolicy");
    if (!type || !src || (policy && streq(policy, "optional")))
        return; /* an optional source that is missing is dropped */
    if (streq(type, "file"))
        check_prop(c, src, "file", P_STORAGE_FILE);
    else if (streq(type, "block"))
        check_prop(c, src, "dev", P_STORAGE_DEV);
    else if (streq(type, "network")) {
        xmlNodePtr host = dc_xml_child(src, "host");
        _cleanup_free_ char *transport = dc_xml_prop(host, "transport");
        if (transport && streq(transport, "unix"))
            check_prop(c, host, "socket", P_SOCKET);
    }
}

/* A character device's backend: files, devices and client-mode unix sockets. */
static void chardev_paths(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    if (!type)
        return;
    for (xmlNodePtr s = dc_xml_child(d, "source"); s; s = dc_xml_next(s, "source")) {
        _cleanup_free_ char *mode = dc_xml_prop(s, "mode");
        if (streq(type, "file"))
            check_prop(c, s, "path", P_PARENT);
        else if (streq(type, "dev"))
            check_prop(c, s, "path", P_ACCESS);
        else if (streq(type, "unix") && mode && streq(mode, "connect"))
            check_prop(c, s, "path", P_SOCKET);
    }
}

static void scsi_host_path(chk *c, xmlNodePtr h)
{
    xmlNodePtr src = dc_xml_child(h, "source");
    _cleanup_free_ char *protocol = dc_xml_prop(src, "protocol");
    if (protocol)
        return; /* iSCSI: a network endpoint */
    xmlNodePtr ad = dc_xml_child(src, "adapter");
    xmlNodePtr addr = dc_xml_child(src, "address");
    _cleanup_free_ char *name = dc_xml_prop(ad, "name");
    _cleanup_free_ char *bus = dc_xml_prop(addr, "bus"), *target = dc_xml_prop(addr, "target"),
                        *unit = dc_xml_prop(addr, "unit");
    unsigned host;
    if (!name || !bus || !target || !unit || sscanf(name, "scsi_host%u", &host) != 1)
        return;
    _cleanup_free_ char *p =
        xasprintf("/sys/bus/scsi/devices/%u:%s:%s:%s/scsi_generic", host, bus, target, unit);
    check_path(c, ad, "name", p, P_SCSI_HOST);
}

static void rule_paths(chk *c, xmlNodePtr devices)
{
    xmlNodePtr os = dc_xml_child(c->root, "os");
    check_text(c, dc_xml_child(os, "kernel"), P_STAT);
    check_text(c, dc_xml_child(os, "initrd"), P_STAT);
    check_text(c, dc_xml_child(os, "dtb"), P_STAT);
    for (xmlNodePtr d = dc_xml_child(devices, NULL); d; d = dc_xml_next(d, NULL)) {
        if (dc_xml_is(d, "disk"))
            disk_paths(c, d);
        else if (dc_xml_is(d, "serial") || dc_xml_is(d, "console") || dc_xml_is(d, "parallel") ||
                 dc_xml_is(d, "channel"))
            chardev_paths(c, d);
        else if (dc_xml_is(d, "input")) {
            _cleanup_free_ char *type = dc_xml_prop(d, "type");
            if (type && (streq(type, "passthrough") || streq(type, "evdev")))
                check_prop(c, dc_xml_child(d, "source"), "evdev", P_ACCESS);
        } else if (dc_xml_is(d, "rng")) {
            xmlNodePtr be = dc_xml_child(d, "backend");
            _cleanup_free_ char *model = dc_xml_prop(be, "model");
            if (model && streq(model, "random")) {
                _cleanup_free_ char *p = dc_xml_text(be);
                check_path(c, be, NULL, p && *p ? p : "/dev/urandom", P_ACCESS);
            } else if (model && streq(model, "egd"))
                chardev_paths(c, be);
        } else if (dc_xml_is(d, "memory")) {
            _cleanup_free_ char *model = dc_xml_prop(d, "model");
            if (model && (streq(model, "nvdimm") || streq(model, "virtio-pmem")))
                check_text(c, dc_xml_child(dc_xml_child(d, "source"), "path"), P_ACCESS);
        } else if (dc_xml_is(d, "filesystem")) {
            _cleanup_free_ char *drv = dc_xml_prop(dc_xml_child(d, "driver"), "type");
            _cleanup_free_ char *type = dc_xml_prop(d, "type");
            if (drv && streq(drv, "virtiofs") && (!type || streq(type, "mount")))
                check_prop(c, dc_xml_child(d, "source"), "dir", P_VIRTIOFS);
        } else if (dc_xml_is(d, "interface")) {
            check_prop(c, dc_xml_child(d, "rom"), "file", P_ROM);
            _cleanup_free_ char *type = dc_xml_prop(d, "type");
            xmlNodePtr src = dc_xml_child(d, "source");
            _cleanup_free_ char *mode = dc_xml_prop(src, "mode");
            /* libvirt's default mode for vhost-user is client: QEMU connects. */
            if (type && streq(type, "vhostuser") && (!mode || streq(mode, "client")))
                check_prop(c, src, "path", P_SOCKET);
        } else if (dc_xml_is(d, "hostdev")) {
            _cleanup_free_ char *type = dc_xml_prop(d, "type");
            check_prop(c, dc_xml_child(d, "rom"), "file", P_ROM);
            if (type && streq(type, "scsi"))
                scsi_host_path(c, d);
        } else if (dc_xml_is(d, "shmem")) {
            xmlNodePtr srv = dc_xml_child(d, "server");
            if (srv) {
                _cleanup_free_ char *p = dc_xml_prop(srv, "path");
                _cleanup_free_ char *name = dc_xml_prop(d, "name");
                _cleanup_free_ char *dflt =
                    name ? xasprintf("/var/lib/libvirt/shmem/%s-sock", name) : NULL;
                check_path(c, srv, "path", p ? p : dflt, P_SOCKET);
            }
        } else if (dc_xml_is(d, "tpm")) {
            xmlNodePtr be = dc_xml_child(d, "backend");
            _cleanup_free_ char *type = dc_xml_prop(be, "type");
            xmlNodePtr src = dc_xml_child(be, "source");
            _cleanup_free_ char *st = dc_xml_prop(src, "type");
            if (type && streq(type, "external") && (!st || streq(st, "unix")))
                check_prop(c, src, "path", P_SOCKET);
        }
    }
}

void dc_chk_rule_hostres(chk *c)
{
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    if (c->host) {
        rule_device_nodes(c, devices);
        rule_interfaces(c, devices);
        rule_tsc(c);
        rule_smbios(c);
        rule_numad(c);
    }
    rule_paths(c, devices);
}
