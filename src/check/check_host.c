/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host rules: what the host inventory (live or a saved report) can provide. */
#include "check_internal.h"

#include "arch.h"
#include "xmlsafe.h"

/* ---- host rules -------------------------------------------------------------- */

static void check_set(chk *c, dc_rule rule, xmlNodePtr node, const char *attr, bool nodes)
{
    _cleanup_free_ char *v = dc_xml_prop(node, attr);
    if (!v)
        return;
    dc_chk_mark(c, rule);
    dc_bitmap ids = {0};
    int r = dc_bitmap_parse(v, DC_CPUSET_LIMIT, true, &ids);
    if (r < 0 || !dc_bitmap_count(&ids)) {
        if (r == -ERANGE)
            dc_chk_finding(c, rule, DC_SEVERITY_ERROR, node, attr, v,
                           "'%s' is not a valid %s set: ids must be below %u", v,
                           nodes ? "node" : "CPU", DC_CPUSET_LIMIT);
        else
            dc_chk_finding(c, rule, DC_SEVERITY_ERROR, node, attr, v, "'%s' is not a valid %s set",
                           v, nodes ? "node" : "CPU");
        dc_bitmap_clear(&ids);
        return;
    }
    /* The host's ids as a bitmap too, so the comparison is linear. */
    dc_bitmap have = {0};
    for (size_t i = 0; i < c->host->numa.ncells; i++) {
        const dc_numa_cell *cell = &c->host->numa.cells[i];
        if (nodes) {
            if (cell->id < DC_CPUSET_LIMIT)
                dc_bitmap_set(&have, cell->id);
        } else {
            for (size_t j = 0; j < cell->ncpus; j++)
                if (cell->cpus[j].id < DC_CPUSET_LIMIT)
                    dc_bitmap_set(&have, cell->cpus[j].id);
        }
    }
    dc_bitmap missing = {0};
    for (size_t i = dc_bitmap_next(&ids, 0); i != SIZE_MAX; i = dc_bitmap_next(&ids, i + 1))
        if (!dc_bitmap_test(&have, i))
            dc_bitmap_set(&missing, i);
    if (dc_bitmap_count(&missing)) {
        _cleanup_free_ char *m = dc_bitmap_format(&missing);
        dc_chk_finding(
            c, rule, DC_SEVERITY_ERROR, node, attr, v, "%s %s of '%s' do%s not exist on this host",
            nodes ? "NUMA node(s)" : "CPU(s)", m, v, dc_bitmap_count(&missing) > 1 ? "" : "es");
        dc_buf sup = {0};
        for (size_t i = dc_bitmap_next(&have, 0); i != SIZE_MAX; i = dc_bitmap_next(&have, i + 1))
            dc_buf_addf(&sup, "%s%zu", sup.len ? " " : "", i);
        dc_chk_last(c)->supported = sup.len ? dc_buf_steal(&sup) : xstrdup("none");
    }
    dc_bitmap_clear(&ids);
    dc_bitmap_clear(&have);
    dc_bitmap_clear(&missing);
}

/* Memory in KiB from a libvirt <memory unit=...> value (memory-config reports bad ones). */
static bool memory_kib(xmlNodePtr n, unsigned long long *ret)
{
    _cleanup_free_ char *t = dc_xml_text(n);
    _cleanup_free_ char *unit = dc_xml_prop(n, "unit");
    return t && dc_chk_parse_size(t, unit, 1024, ret) == 0;
}

static void rule_host_memory(chk *c, unsigned long long *ret_kib)
{
    xmlNodePtr mem = dc_xml_child(c->root, "memory");
    dc_chk_mark(c, DC_RULE_HOST_MEMORY);
    unsigned long long kib = 0;
    if (!mem || !memory_kib(mem, &kib)) {
        *ret_kib = 0;
        return;
    }
    *ret_kib = kib;
    /* Node files may describe less than the machine: /proc/meminfo has the total. */
    unsigned long long total = 0;
    for (size_t i = 0; i < c->host->numa.ncells; i++)
        total += c->host->numa.cells[i].memory_kib;
    if (c->host->numa.memory_kib > total)
        total = c->host->numa.memory_kib;
    if (total && kib > total) {
        _cleanup_free_ char *v = xasprintf("%llu", kib);
        dc_chk_finding(c, DC_RULE_HOST_MEMORY, DC_SEVERITY_ERROR, mem, NULL, v,
                       "memory of %llu KiB is more than the host's %llu KiB", kib, total);
        dc_chk_last(c)->supported = xasprintf("<= %llu KiB", total);
    }
}

static void rule_host_hugepages(chk *c, unsigned long long mem_kib)
{
    xmlNodePtr hp = dc_xml_child(dc_xml_child(c->root, "memoryBacking"), "hugepages");
    dc_chk_mark(c, DC_RULE_HOST_HUGEPAGES);
    if (!hp || !c->host->numa.ncells)
        return;
    xmlNodePtr page = dc_xml_child(hp, "page");
    unsigned long long size = 0;
    if (page) {
        _cleanup_free_ char *sz = dc_xml_prop(page, "size");
        _cleanup_free_ char *unit = dc_xml_prop(page, "unit");
        /* A page size without a unit is in KiB. */
        if (sz && dc_chk_parse_size(sz, unit, 1024, &size) < 0) {
            dc_chk_finding(c, DC_RULE_HOST_HUGEPAGES, DC_SEVERITY_ERROR, page, "size", sz,
                           "hugepage size '%s%s%s' is not a valid size", sz, unit ? " " : "",
                           unit ? unit : "");
            return;
        }
    }
    /* The hugepage sizes offered: every size but the base page on the first cell. */
    const dc_numa_cell *c0 = &c->host->numa.cells[0];
    if (!size)
        size = c->host->numa.default_hugepage_kib;
    if (!size && c0->npages > 1)
        size = c0->pages[1].size_kib;
    /* A page of the base size is an ordinary page, as libvirt treats it. */
    if (size && c0->npages && size == c0->pages[0].size_kib)
        return;
    bool offered = false;
    dc_buf sup = {0};
    for (size_t p = 1; p < c0->npages; p++) {
        dc_buf_addf(&sup, "%s%llu", sup.len ? " " : "", c0->pages[p].size_kib);
        if (c0->pages[p].size_kib == size)
            offered = true;
    }
    if (!offered) {
        _cleanup_free_ char *v = xasprintf("%llu", size);
        dc_chk_finding(c, DC_RULE_HOST_HUGEPAGES, DC_SEVERITY_ERROR, page ? page : hp,
                       page ? "size" : NULL, v,
                       "hugepages of %llu KiB are not offered by this host (offered: %s KiB)", size,
                       sup.len ? sup.s : "none");
        dc_chk_last(c)->supported = dc_buf_steal(&sup);
        dc_buf_clear(&sup);
        return;
    }
    dc_buf_clear(&sup);
    if (!mem_kib)
        return;

    /* Pinned with numatune strict: only those nodes' pages count. */
    xmlNodePtr nt = dc_xml_child(dc_xml_child(c->root, "numatune"), "memory");
    _cleanup_free_ char *nodeset = dc_xml_prop(nt, "nodeset");
    _cleanup_free_ char *mode = dc_xml_prop(nt, "mode");
    dc_bitmap nodes = {0};
    bool pinned = nodeset && (!mode || streq(mode, "strict")) &&
                  dc_bitmap_parse(nodeset, DC_CPUSET_LIMIT, true, &nodes) == 0;
    unsigned long long free_pages = 0;
    for (size_t i = 0; i < c->host->numa.ncells; i++) {
        const dc_numa_cell *cell = &c->host->numa.cells[i];
        if (pinned && !dc_bitmap_test(&nodes, cell->id))
            continue;
        for (size_t p = 0; p < cell->npages; p++)
            if (cell->pages[p].size_kib == size)
                free_pages += cell->pages[p].free;
    }
    dc_bitmap_clear(&nodes);
    if (!size)
        return; /* a host report with a zero page size is refused when it is read */
    unsigned long long need = mem_kib / size + (mem_kib % size != 0);
    if (need > free_pages) {
        _cleanup_free_ char *v = xasprintf("%llu", size);
        dc_chk_finding(c, DC_RULE_HOST_HUGEPAGES, DC_SEVERITY_ERROR, page ? page : hp,
                       page ? "size" : NULL, v,
                       "%llu free hugepages of %llu KiB needed%s%s, %llu free", need, size,
                       pinned ? " on nodes " : "", pinned ? nodeset : "", free_pages);
        dc_chk_hint(
            c,
            "reserve more with: echo %llu > /sys/kernel/mm/hugepages/hugepages-%llukB/nr_hugepages",
            need, size);
    }
}

static void rule_host_numa_cpus(chk *c)
{
    xmlNodePtr nt = dc_xml_child(c->root, "numatune");
    check_set(c, DC_RULE_HOST_NUMA, dc_xml_child(nt, "memory"), "nodeset", true);
    for (xmlNodePtr m = dc_xml_child(nt, "memnode"); m; m = dc_xml_next(m, "memnode"))
        check_set(c, DC_RULE_HOST_NUMA, m, "nodeset", true);
    check_set(c, DC_RULE_HOST_CPUSET, dc_xml_child(c->root, "vcpu"), "cpuset", false);
    xmlNodePtr ct = dc_xml_child(c->root, "cputune");
    for (xmlNodePtr p = dc_xml_child(ct, NULL); p; p = dc_xml_next(p, NULL))
        if (dc_xml_is(p, "vcpupin") || dc_xml_is(p, "emulatorpin") || dc_xml_is(p, "iothreadpin"))
            check_set(c, DC_RULE_HOST_CPUSET, p, "cpuset", false);
}

static unsigned hexattr(xmlNodePtr n, const char *attr, bool *ok)
{
    _cleanup_free_ char *v = dc_xml_prop(n, attr);
    char *end;
    *ok = v != NULL;
    if (!v)
        return 0;
    unsigned long x = strtoul(v, &end, 0);
    if (*end)
        *ok = false;
    return (unsigned)x;
}

static void host_pci(chk *c, xmlNodePtr d)
{
    dc_chk_mark(c, DC_RULE_HOST_PCI);
    xmlNodePtr addr = dc_xml_child(dc_xml_child(d, "source"), "address");
    if (!addr)
        return;
    bool ok1, ok2, ok3, ok4;
    unsigned dom = hexattr(addr, "domain", &ok1), bus = hexattr(addr, "bus", &ok2),
             slot = hexattr(addr, "slot", &ok3), fn = hexattr(addr, "function", &ok4);
    if (!ok1)
        dom = 0;
    _cleanup_free_ char *want = xasprintf("%04x:%02x:%02x.%x", dom, bus, slot, fn);
    if (!ok2 || !ok3 || !ok4) {
        dc_chk_finding(c, DC_RULE_HOST_PCI, DC_SEVERITY_ERROR, addr, NULL, NULL,
                       "PCI address needs bus, slot and function");
        return;
    }
    if (!c->host->pci_known) {
        dc_chk_skip_rule(c, DC_RULE_HOST_PCI, "the host report has no PCI inventory");
        return;
    }
    const dc_pci_device *dev = NULL;
    for (size_t i = 0; i < c->host->npci; i++)
        if (streq(c->host->pci[i].address, want))
            dev = &c->host->pci[i];
    if (!dev) {
        dc_chk_finding(c, DC_RULE_HOST_PCI, DC_SEVERITY_ERROR, addr, NULL, want,
                       "PCI device %s does not exist on this host", want);
        return;
    }
    const dc_hostvfio *v = &c->host->vfio;
    if (!(v->dev_vfio && v->iommu_groups)) {
        dc_chk_finding(c, DC_RULE_HOST_PCI, DC_SEVERITY_ERROR, addr, NULL, want,
                       "PCI device %s cannot be assigned: VFIO is not usable on this host (%s)",
                       want,
                       !v->iommu_groups ? "no IOMMU groups: is the IOMMU enabled?"
                                        : "/dev/vfio/vfio does not exist");
        return;
    }
    _cleanup_free_ char *managed = dc_xml_prop(d, "managed");
    bool is_managed = managed && streq(managed, "yes");
    bool bound_ok = !dev->driver || streq(dev->driver, "vfio-pci") ||
                    streq(dev->driver, "pci-stub") || endswith(dev->driver, "_vfio_pci");
    if (!is_managed && !bound_ok) {
        dc_chk_finding(c, DC_RULE_HOST_PCI, DC_SEVERITY_ERROR, addr, NULL, want,
                       "PCI device %s is bound to '%s' and the hostdev is not managed", want,
                       dev->driver);
        dc_chk_hint(c, "set managed='yes' or bind %s to vfio-pci", want);
    }
    for (size_t i = 0; i < v->ngroups; i++) {
        const dc_iommu_group *g = &v->groups[i];
        if ((int)g->id != dev->iommu_group || g->viable)
            continue;
        /* The device itself is libvirt's to rebind (managed) or judged above. */
        dc_buf culprits = {0}, addrs = {0};
        size_t n = 0;
        for (char **cu = g->culprits; cu && *cu; cu++) {
            size_t alen = strcspn(*cu, " ");
            if (strlen(want) == alen && strncmp(*cu, want, alen) == 0)
                continue;
            dc_buf_addf(&culprits, "%s%s", culprits.len ? ", " : "", *cu);
            dc_buf_addf(&addrs, "%s%.*s", addrs.len ? " " : "", (int)alen, *cu);
            n++;
        }
        if (n)
            dc_chk_finding(
                c, DC_RULE_HOST_PCI, DC_SEVERITY_ERROR, addr, NULL, want,
                "IOMMU group %u of PCI device %s is not viable: %s %s bound to a host driver",
                g->id, want, culprits.s, n > 1 ? "are" : "is");
        if (n)
            dc_chk_hint(c, "bind the group's other members to vfio-pci: %s", addrs.s);
        dc_buf_clear(&culprits);
        dc_buf_clear(&addrs);
    }
}

static void host_usb(chk *c, xmlNodePtr d)
{
    dc_chk_mark(c, DC_RULE_HOST_USB);
    if (!c->host->usb_known) {
        dc_chk_skip_rule(c, DC_RULE_HOST_USB, "the host report has no USB inventory");
        return;
    }
    xmlNodePtr src = dc_xml_child(d, "source");
    bool okv, okp;
    unsigned vendor = hexattr(dc_xml_child(src, "vendor"), "id", &okv);
    unsigned product = hexattr(dc_xml_child(src, "product"), "id", &okp);
    xmlNodePtr addr = dc_xml_child(src, "address");
    _cleanup_free_ char *b = dc_xml_prop(addr, "bus"), *dv = dc_xml_prop(addr, "device");
    /* Bus and device numbers, strictly; one that is no number matches no device. */
    unsigned busn = 0, devn = 0;
    bool busok = b && dc_parse_uint(b, 0, &busn) == 0,
         devok = dv && dc_parse_uint(dv, 0, &devn) == 0;
    for (size_t i = 0; i < c->host->nusb; i++) {
        const dc_usb_device *u = &c->host->usb[i];
        bool match = true;
        if (okv && u->vendor_id != vendor)
            match = false;
        if (okp && u->product_id != product)
            match = false;
        if (b && (!busok || busn != u->bus))
            match = false;
        if (dv && (!devok || devn != u->address))
            match = false;
        if (match)
            return;
    }
    _cleanup_free_ char *what = okv ? xasprintf("%04x:%04x", vendor, okp ? product : 0)
                                    : xasprintf("bus %s device %s", b ? b : "?", dv ? dv : "?");
    dc_chk_finding(c, DC_RULE_HOST_USB, DC_SEVERITY_ERROR, src ? src : d, NULL, what,
                   "USB device %s is not present on this host", what);
}

/* Why SMM will be on for this domain, or NULL. */
static const char *smm_reason(chk *c, char **ret_owned)
{
    xmlNodePtr os = dc_xml_child(c->root, "os");
    xmlNodePtr smm = dc_xml_child(dc_xml_child(c->root, "features"), "smm");
    _cleanup_free_ char *state = dc_xml_prop(smm, "state");
    if (smm && (!state || streq(state, "on")))
        return "<smm state='on'/>";
    _cleanup_free_ char *secure = dc_xml_prop(dc_xml_child(os, "loader"), "secure");
    if (secure && streq(secure, "yes"))
        return "the secure loader";
    _cleanup_free_ char *fw = dc_xml_prop(os, "firmware");
    if (!fw || !streq(fw, "efi"))
        return NULL;
    const dc_firmware *f = dc_chk_picked_firmware(c, fw);
    if (f && dc_firmware_has_feature(f, "requires-smm")) {
        *ret_owned = xasprintf("the firmware libvirt picks (%s) requires it", f->descriptor);
        return *ret_owned;
    }
    /* Offline: libvirt prefers the secure-boot builds, which require SMM, unless ruled out. */
    xmlNodePtr fwel = dc_xml_child(os, "firmware");
    for (xmlNodePtr fe = dc_xml_child(fwel, "feature"); fe; fe = dc_xml_next(fe, "feature")) {
        _cleanup_free_ char *name = dc_xml_prop(fe, "name");
        _cleanup_free_ char *en = dc_xml_prop(fe, "enabled");
        if (name && en && streq(name, "secure-boot") && streq(en, "no"))
            return NULL;
    }
    if (!c->live_host && dc_enum_has(&c->caps->os.loader.secure, DC_YES_V))
        return "a firmware for this machine requires it (the snapshot lists one)";
    return NULL;
}

static void rule_host_smm_gpu(chk *c)
{
    dc_chk_mark(c, DC_RULE_HOST_SMM);
    if (c->caps && dc_arch_is_x86(c->caps->arch) && streq(c->caps->domain, "kvm") &&
        c->host->kvm.smm == 0) {
        _cleanup_free_ char *owned = NULL;
        const char *why = smm_reason(c, &owned);
        if (why) {
            dc_chk_finding(c, DC_RULE_HOST_SMM, DC_SEVERITY_ERROR, c->root, "type", "kvm",
                           "System Management Mode is not available under KVM on this host "
                           "(no KVM_CAP_X86_SMM), but %s needs it",
                           why);
            dc_chk_hint(c, "use type='qemu', or a firmware without secure boot "
                           "(<feature enabled='no' name='secure-boot'/>)");
        }
    }
    dc_chk_mark(c, DC_RULE_HOST_RENDER_NODE);
    if (c->host->render_nodes != 0)
        return;
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    for (xmlNodePtr g = dc_xml_child(devices, "graphics"); g; g = dc_xml_next(g, "graphics")) {
        _cleanup_free_ char *type = dc_xml_prop(g, "type");
        _cleanup_free_ char *gl = dc_xml_prop(dc_xml_child(g, "gl"), "enable");
        if ((type && streq(type, "egl-headless")) || (gl && streq(gl, "yes")))
            dc_chk_finding(c, DC_RULE_HOST_RENDER_NODE, DC_SEVERITY_ERROR, g, "type", type,
                           "graphics '%s' renders with OpenGL and needs a DRM render node "
                           "(/dev/dri/renderD*), which this host does not have",
                           type ? type : "?");
    }
}

void dc_chk_rule_host(chk *c)
{
    if (!c->host) {
        for (dc_rule r = 0; r < _DC_RULE_MAX; r++)
            if (startswith(dc_rules[r].id, "host-"))
                dc_chk_skip_rule(c, r, "no host report given (--host)");
        return;
    }
    unsigned long long mem;
    rule_host_memory(c, &mem);
    rule_host_hugepages(c, mem);
    rule_host_numa_cpus(c);
    rule_host_smm_gpu(c);
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    for (xmlNodePtr d = dc_xml_child(devices, "hostdev"); d; d = dc_xml_next(d, "hostdev")) {
        _cleanup_free_ char *mode = dc_xml_prop(d, "mode");
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        if (mode && !streq(mode, "subsystem"))
            continue;
        if (type && streq(type, "pci"))
            host_pci(c, d);
        else if (type && streq(type, "usb"))
            host_usb(c, d);
    }
}
