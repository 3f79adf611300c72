/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A saved `domcaps host` report read back (XML, or the JSON of --format json)
 * into dc_hostinfo, for the offline checker's --host.
 */
#include "domcaps/hostinfo.h"
#include "json.h"
#include "jsonw.h"
#include "xmlsafe.h"

#include <limits.h>

static char **strv_steal(dc_strv *sv) { return sv->v ? sv->v : xcalloc(1, sizeof(char *)); }

static char **text_children(xmlNodePtr n, const char *elem, const char *attr)
{
    dc_strv sv = {0};
    for (xmlNodePtr c = dc_xml_child(n, elem); c; c = dc_xml_next(c, elem)) {
        char *v = attr ? dc_xml_prop(c, attr) : dc_xml_text(c);
        if (v)
            dc_strv_add_take(&sv, v);
    }
    return strv_steal(&sv);
}

static void parse_host_cpu(xmlNodePtr cpu, dc_hostcpu *c)
{
    c->arch = dc_xml_text(dc_xml_child(cpu, "arch"));
    c->vendor = dc_xml_text(dc_xml_child(cpu, "vendor"));
    c->model_name = dc_xml_text(dc_xml_child(cpu, "model"));
    xmlNodePtr sig = dc_xml_child(cpu, "signature");
    c->family = (int)dc_xml_attr_ll(sig, "family", -1);
    c->model = (int)dc_xml_attr_ll(sig, "model", -1);
    c->stepping = (int)dc_xml_attr_ll(sig, "stepping", -1);
    c->microcode = dc_xml_prop(dc_xml_child(cpu, "microcode"), "version");
    xmlNodePtr topo = dc_xml_child(cpu, "topology");
    c->sockets = dc_xml_attr_uint(topo, "sockets", 0);
    c->dies = dc_xml_attr_uint(topo, "dies", 0);
    c->cores = dc_xml_attr_uint(topo, "cores", 0);
    c->threads = dc_xml_attr_uint(topo, "threads", 0);
    c->online_cpus = dc_xml_attr_uint(dc_xml_child(cpu, "cpus"), "online", 0);
    c->phys_bits = dc_xml_attr_uint(dc_xml_child(cpu, "maxphysaddr"), "bits", 0);
    xmlNodePtr virt = dc_xml_child(cpu, "virtualization");
    c->vmx = dc_xml_attr_yes(virt, "vmx");
    c->svm = dc_xml_attr_yes(virt, "svm");
    c->flags = text_children(cpu, "feature", "name");
}

static void parse_host_kvm(xmlNodePtr k, dc_hostkvm *o)
{
    o->exists = dc_xml_attr_yes(k, "present");
    o->usable = dc_xml_attr_yes(k, "usable");
    o->api_version = (int)dc_xml_attr_ll(k, "apiVersion", -1);
    o->max_vcpus = dc_xml_attr_uint(k, "maxVcpus", 0);
    o->module = dc_xml_prop(k, "module");
    o->nested = dc_xml_attr_yes(k, "nested");
    _cleanup_free_ char *smm = dc_xml_prop(k, "smm");
    o->smm = smm ? streq(smm, "yes") : -1;
    o->reason = dc_xml_text(dc_xml_child(k, "reason"));
    xmlNodePtr sg = dc_xml_child(k, "secureGuest");
    o->sev = dc_xml_attr_yes(sg, "sev");
    o->sev_es = dc_xml_attr_yes(sg, "sevES");
    o->sev_snp = dc_xml_attr_yes(sg, "sevSNP");
    o->tdx = dc_xml_attr_yes(sg, "tdx");
    o->s390_pv = dc_xml_attr_yes(sg, "s390PV");
}

static void parse_host_numa(xmlNodePtr topo, dc_numa *n)
{
    _cleanup_free_ char *numa = dc_xml_prop(topo, "numa");
    n->available = numa && streq(numa, "yes");
    n->default_hugepage_kib = dc_xml_attr_u64(topo, "defaultHugepageKiB", 0, UINT64_MAX / 1024);
    n->memory_kib = dc_xml_attr_u64(topo, "memoryKiB", 0, UINT64_MAX);
    xmlNodePtr cells = dc_xml_child(topo, "cells");
    size_t count = dc_xml_count_children(cells, "cell");
    n->cells = xcalloc(count ? count : 1, sizeof(dc_numa_cell));
    for (xmlNodePtr c = dc_xml_child(cells, "cell"); c; c = dc_xml_next(c, "cell")) {
        dc_numa_cell *o = &n->cells[n->ncells++];
        o->id = dc_xml_attr_uint(c, "id", 0);
        xmlNodePtr mem = dc_xml_child(c, "memory");
        o->memory_kib = dc_xml_text_u64(mem, UINT64_MAX);
        o->free_kib = dc_xml_attr_u64(mem, "free", 0, UINT64_MAX);
        size_t np = dc_xml_count_children(c, "pages");
        o->pages = xcalloc(np ? np : 1, sizeof(dc_numa_pages));
        for (xmlNodePtr p = dc_xml_child(c, "pages"); p; p = dc_xml_next(p, "pages")) {
            dc_numa_pages *pg = &o->pages[o->npages++];
            pg->size_kib = dc_xml_attr_u64(p, "size", 0, UINT64_MAX / 1024);
            pg->free = dc_xml_attr_u64(p, "free", 0, UINT64_MAX);
            pg->total = dc_xml_text_u64(p, UINT64_MAX);
            if (!pg->size_kib)
                dc_load_error_set(
                    xasprintf("line %ld: <pages> without a positive size", xmlGetLineNo(p)));
        }
        xmlNodePtr dist = dc_xml_child(c, "distances");
        size_t nd = dc_xml_count_children(dist, "sibling");
        o->distances = xcalloc(nd ? nd : 1, sizeof(*o->distances));
        for (xmlNodePtr s = dc_xml_child(dist, "sibling"); s; s = dc_xml_next(s, "sibling")) {
            o->distances[o->ndistances].id = dc_xml_attr_uint(s, "id", 0);
            o->distances[o->ndistances++].value = dc_xml_attr_uint(s, "value", 0);
        }
        xmlNodePtr cpus = dc_xml_child(c, "cpus");
        size_t nc = dc_xml_count_children(cpus, "cpu");
        o->cpus = xcalloc(nc ? nc : 1, sizeof(dc_numa_cpu));
        for (xmlNodePtr u = dc_xml_child(cpus, "cpu"); u; u = dc_xml_next(u, "cpu")) {
            dc_numa_cpu *cpu = &o->cpus[o->ncpus++];
            cpu->id = dc_xml_attr_uint(u, "id", 0);
            cpu->socket_id = (int)dc_xml_attr_ll(u, "socket_id", -1);
            cpu->die_id = (int)dc_xml_attr_ll(u, "die_id", -1);
            cpu->core_id = (int)dc_xml_attr_ll(u, "core_id", -1);
            cpu->siblings = dc_xml_prop(u, "siblings");
        }
    }
}

/* DDDD:BB:SS.F, each part hex and in range. */
static bool pci_address(const char *a, dc_pci_device *o)
{
    unsigned d, b, sl, f;
    int n = -1;
    if (sscanf(a, "%4x:%2x:%2x.%1x%n", &d, &b, &sl, &f, &n) != 4 || n < 0 || a[n] ||
        strlen(a) != 12 || sl > 0x1f || f > 7)
        return false;
    o->domain = d, o->bus = b, o->slot = sl, o->function = f;
    return true;
}

static void parse_host_pci(xmlNodePtr pci, dc_hostinfo *h)
{
    h->pci_known = dc_xml_attr_yes(pci, "probed");
    size_t n = dc_xml_count_children(pci, "device");
    h->pci = xcalloc(n ? n : 1, sizeof(dc_pci_device));
    for (xmlNodePtr d = dc_xml_child(pci, "device"); d; d = dc_xml_next(d, "device")) {
        char *addr = dc_xml_prop(d, "address");
        if (!addr)
            continue;
        dc_pci_device *o = &h->pci[h->npci++];
        o->address = addr;
        if (!pci_address(addr, o))
            dc_load_error_set(
                xasprintf("line %ld: '%s' is not a PCI address", xmlGetLineNo(d), addr));
        o->vendor_id = dc_xml_attr_uint(d, "vendor", 0);
        o->device_id = dc_xml_attr_uint(d, "device", 0);
        o->subsys_vendor_id = dc_xml_attr_uint(d, "subsysVendor", 0);
        o->subsys_device_id = dc_xml_attr_uint(d, "subsysDevice", 0);
        o->class_id = dc_xml_attr_uint(d, "class", 0);
        o->driver = dc_xml_prop(d, "driver");
        o->iommu_group = (int)dc_xml_attr_ll(d, "iommuGroup", -1);
        o->numa_node = (int)dc_xml_attr_ll(d, "numaNode", -1);
        o->is_bridge = dc_xml_attr_yes(d, "bridge");
        o->vendor_name = dc_xml_text(dc_xml_child(d, "vendorName"));
        o->device_name = dc_xml_text(dc_xml_child(d, "deviceName"));
        o->class_name = dc_xml_text(dc_xml_child(d, "className"));
        xmlNodePtr sriov = dc_xml_child(d, "sriov");
        o->sriov_totalvfs = sriov ? (int)dc_xml_attr_ll(sriov, "totalvfs", -1) : -1;
        o->sriov_numvfs = sriov ? (int)dc_xml_attr_ll(sriov, "numvfs", -1) : -1;
        o->physfn = dc_xml_prop(dc_xml_child(d, "physfn"), "address");
    }
}

static void parse_host_vfio(xmlNodePtr v, dc_hostvfio *o)
{
    o->dev_vfio = dc_xml_attr_yes(v, "devVfio");
    o->dev_iommu = dc_xml_attr_yes(v, "devIommu");
    o->module = dc_xml_attr_yes(v, "module");
    o->iommu_groups = dc_xml_attr_yes(v, "iommuGroups");
    o->mdev = dc_xml_attr_tri(v, "mdev");
    size_t n = dc_xml_count_children(v, "group");
    o->groups = xcalloc(n ? n : 1, sizeof(dc_iommu_group));
    for (xmlNodePtr g = dc_xml_child(v, "group"); g; g = dc_xml_next(g, "group")) {
        dc_iommu_group *gr = &o->groups[o->ngroups++];
        gr->id = dc_xml_attr_uint(g, "id", 0);
        gr->viable = dc_xml_attr_yes(g, "viable");
        gr->devices = text_children(g, "device", "address");
        gr->culprits = text_children(g, "culprit", NULL);
    }
}

static void parse_host_resources(xmlNodePtr root, dc_hostinfo *h)
{
    h->devnodes = (dc_hostdevnodes){-1, -1, -1, -1};
    for (xmlNodePtr n = dc_xml_child(dc_xml_child(root, "devnodes"), "node"); n;
         n = dc_xml_next(n, "node")) {
        _cleanup_free_ char *path = dc_xml_prop(n, "path");
        int present = dc_xml_attr_tri(n, "present");
        if (!path)
            continue;
        if (streq(path, "/dev/vhost-net"))
            h->devnodes.vhost_net = present;
        else if (streq(path, "/dev/vhost-vsock"))
            h->devnodes.vhost_vsock = present;
        else if (streq(path, "/dev/net/tun"))
            h->devnodes.net_tun = present;
        else if (streq(path, "/dev/tpmrm0"))
            h->devnodes.tpmrm = present;
    }
    xmlNodePtr ifs = dc_xml_child(root, "interfaces");
    h->ifaces_known = dc_xml_attr_yes(ifs, "probed");
    size_t n = dc_xml_count_children(ifs, "interface");
    h->ifaces = xcalloc(n ? n : 1, sizeof(dc_hostnet));
    for (xmlNodePtr i = dc_xml_child(ifs, "interface"); i; i = dc_xml_next(i, "interface")) {
        char *name = dc_xml_prop(i, "name");
        if (name)
            h->ifaces[h->nifaces++] =
                (dc_hostnet){.name = name, .bridge = dc_xml_attr_yes(i, "bridge")};
    }
    xmlNodePtr tsc = dc_xml_child(root, "tsc");
    long long f = dc_xml_attr_ll(tsc, "frequency", 0);
    h->tsc_hz = f > 0 ? (unsigned long long)f : 0;
    h->tsc_scaling = dc_xml_attr_tri(tsc, "scaling");
    xmlNodePtr smbios = dc_xml_child(root, "smbios");
    h->smbios = dc_xml_attr_tri(smbios, "tables");
    h->dmidecode = dc_xml_attr_tri(smbios, "dmidecode");
    h->numad = dc_xml_attr_tri(dc_xml_child(root, "numad"), "present");
}

static void parse_host_usb(xmlNodePtr usb, dc_hostinfo *h)
{
    h->usb_known = dc_xml_attr_yes(usb, "probed");
    size_t n = dc_xml_count_children(usb, "device");
    h->usb = xcalloc(n ? n : 1, sizeof(dc_usb_device));
    for (xmlNodePtr d = dc_xml_child(usb, "device"); d; d = dc_xml_next(d, "device")) {
        dc_usb_device *o = &h->usb[h->nusb++];
        o->bus = dc_xml_attr_uint(d, "bus", 0);
        o->address = dc_xml_attr_uint(d, "address", 0);
        o->port_path = dc_xml_prop(d, "port");
        o->vendor_id = dc_xml_attr_uint(d, "vendor", 0);
        o->product_id = dc_xml_attr_uint(d, "product", 0);
        o->class_id = dc_xml_attr_uint(d, "class", 0);
        o->speed = dc_xml_prop(d, "speed");
        o->manufacturer = dc_xml_text(dc_xml_child(d, "manufacturer"));
        o->product = dc_xml_text(dc_xml_child(d, "product"));
    }
}

static void json_host(json_object *root, dc_hostinfo *h);

/* A report saved with --format json: the same content, read from json-c. */
static int hostinfo_load_json(const char *path, const char *text, size_t len, dc_hostinfo *ret,
                              dc_error *err)
{
    _cleanup_json_ json_object *root = NULL;
    int r = dc_json_parse(text, len, &root, err);
    if (r < 0) {
        return dc_error_prefix(err, "%s: malformed JSON: ", path);
    }
    if (!dc_json_get_object(root, "cpu") || !dc_json_get_object(root, "topology")) {
        return dc_error_set(err, -EINVAL,
                            "%s is not a domcaps host report (no \"cpu\" and \"topology\")", path);
    }
    /* Reports before "schemaVersion" (version 0) read the same; later ones may not. */
    json_object *ver = dc_json_get(root, "schemaVersion");
    if (ver && (!json_object_is_type(ver, json_type_int) || json_object_get_int64(ver) < 0 ||
                json_object_get_int64(ver) > DC_JSON_SCHEMA_VERSION)) {
        return dc_error_set(err, -EINVAL,
                            "%s: \"schemaVersion\" %s is not one this domcaps reads (up to %d)",
                            path, json_object_to_json_string(ver), DC_JSON_SCHEMA_VERSION);
    }
    dc_hostinfo h = {0};
    free(dc_load_error_take());
    json_host(root, &h);
    _cleanup_free_ char *bad = dc_load_error_take();
    if (bad) {
        dc_error_set(err, -EINVAL, "%s: %s", path, bad);
        dc_hostinfo_clear(&h);
        return -EINVAL;
    }
    *ret = h;
    return 0;
}

int dc_hostinfo_load(const char *path, dc_hostinfo *ret, dc_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int rr = dc_read_input_file("", path, DC_XML_MAX_SIZE, &text, &len, err);
    if (rr < 0)
        return rr;
    /* A UTF-8 byte order mark is not content: JSON and XML both follow it. */
    size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    const char *first = text + skip + strspn(text + skip, " \t\r\n");
    if (*first == '{')
        return hostinfo_load_json(path, text + skip, len - skip, ret, err);
    _cleanup_xml_ xmlDocPtr doc = NULL;
    int r = dc_xml_parse(path, text, len, &doc, err);
    if (r < 0)
        return r;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!dc_xml_is(root, "hostReport")) {
        return dc_error_set(err, -EINVAL, "%s is not a domcaps host report (root element <%s>)",
                            path, (const char *)root->name);
    }
    dc_hostinfo h = {0};
    free(dc_load_error_take());
    parse_host_cpu(dc_xml_child(root, "cpu"), &h.cpu);
    parse_host_kvm(dc_xml_child(root, "kvm"), &h.kvm);
    parse_host_numa(dc_xml_child(root, "topology"), &h.numa);
    parse_host_pci(dc_xml_child(root, "pci"), &h);
    parse_host_vfio(dc_xml_child(root, "vfio"), &h.vfio);
    parse_host_usb(dc_xml_child(root, "usb"), &h);
    xmlNodePtr drm = dc_xml_child(root, "drm");
    h.render_nodes = drm ? (int)dc_xml_attr_ll(drm, "renderNodes", -1) : -1;
    xmlNodePtr tpm = dc_xml_child(root, "tpm");
    h.tpm_device = tpm ? dc_xml_attr_yes(tpm, "present") : -1;
    parse_host_resources(root, &h);
    xmlNodePtr diags = dc_xml_child(root, "diagnostics");
    size_t n = dc_xml_count_children(diags, "diagnostic");
    h.diags = xcalloc(n ? n : 1, sizeof(dc_diagnostic));
    for (xmlNodePtr d = dc_xml_child(diags, "diagnostic"); d; d = dc_xml_next(d, "diagnostic")) {
        char *probe = dc_xml_prop(d, "probe");
        char *msg = dc_xml_text(d);
        h.diags[h.ndiags++] = (dc_diagnostic){.probe = probe ? probe : xstrdup(""),
                                              .message = msg ? msg : xstrdup("")};
    }
    _cleanup_free_ char *bad = dc_load_error_take();
    if (bad) {
        dc_error_set(err, -EINVAL, "%s: %s", path, bad);
        dc_hostinfo_clear(&h);
        return -EINVAL;
    }
    *ret = h;
    return 0;
}

/* ---- the host report as JSON (same content as the XML) ---------------------------- */

static char *jstr(json_object *o, const char *key)
{
    const char *v = dc_json_get_string(o, key);
    return v ? xstrdup(v) : NULL;
}

static unsigned jhex(json_object *o, const char *key)
{
    const char *v = dc_json_get_string(o, key);
    if (!v)
        return 0;
    unsigned x;
    int r = dc_parse_uint(v, 0, &x);
    if (r < 0) {
        dc_load_error_set(xasprintf("\"%s\": \"%s\" is %s", key, v,
                                    r == -ERANGE ? "out of range" : "not a number"));
        return 0;
    }
    return x;
}

/* An integer member within [min, max], or dflt when absent; anything else is an error. */
static long long jint(json_object *o, const char *key, long long dflt, long long min, long long max)
{
    json_object *v = dc_json_get(o, key);
    if (!v || json_object_is_type(v, json_type_null))
        return dflt;
    errno = 0;
    int64_t x = json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_int) || errno || x < min || x > max ||
        (x == INT64_MAX && max == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)) {
        dc_load_error_set(
            xasprintf("\"%s\": %s is %s", key, json_object_to_json_string(v),
                      json_object_is_type(v, json_type_int) ? "out of range" : "not an integer"));
        return dflt;
    }
    return x;
}

static char **jstrs(json_object *o, const char *key)
{
    dc_strv sv = {0};
    json_object *a = dc_json_get_array(o, key);
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (json_object_is_type(e, json_type_string))
            dc_strv_add(&sv, json_object_get_string(e));
    }
    return strv_steal(&sv);
}

static size_t jlen(json_object *a) { return a ? json_object_array_length(a) : 0; }

/* true: 1, false: 0, null or absent: -1. */
static int jtri(json_object *o, const char *key)
{
    json_object *v = dc_json_get(o, key);
    return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : -1;
}

/* A CPU's siblings: a CPU list string (reports before schemaVersion 1) or an array of ids. */
static char *jsiblings(json_object *o)
{
    json_object *a = dc_json_get_array(o, "siblings");
    if (!a)
        return jstr(o, "siblings");
    size_t n = json_object_array_length(a);
    unsigned *ids = xcalloc(n ? n : 1, sizeof(unsigned));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        int64_t v = json_object_get_int64(e);
        if (json_object_is_type(e, json_type_int) && v >= 0 && v < DC_CPUSET_LIMIT)
            ids[k++] = (unsigned)v;
    }
    qsort(ids, k, sizeof(unsigned), dc_cmp_unsigned);
    char *s = dc_cpulist_format(ids, k);
    free(ids);
    return s;
}

static void json_host_resources(json_object *root, dc_hostinfo *h)
{
    json_object *dn = dc_json_get_object(root, "devnodes");
    h->devnodes = (dc_hostdevnodes){
        .vhost_net = jtri(dn, "vhostNet"),
        .vhost_vsock = jtri(dn, "vhostVsock"),
        .net_tun = jtri(dn, "netTun"),
        .tpmrm = jtri(dn, "tpmrm"),
    };
    json_object *ifs = dc_json_get_array(root, "interfaces");
    h->ifaces_known = ifs != NULL;
    h->ifaces = xcalloc(jlen(ifs) ? jlen(ifs) : 1, sizeof(dc_hostnet));
    for (size_t i = 0; i < jlen(ifs); i++) {
        json_object *o = json_object_array_get_idx(ifs, i);
        char *name = jstr(o, "name");
        if (name)
            h->ifaces[h->nifaces++] =
                (dc_hostnet){.name = name, .bridge = dc_json_get_bool(o, "bridge", false)};
    }
    json_object *tsc = dc_json_get_object(root, "tsc");
    long long f = jint(tsc, "frequency", 0, 0, INT64_MAX);
    h->tsc_hz = f > 0 ? (unsigned long long)f : 0;
    h->tsc_scaling = jtri(tsc, "scaling");
    json_object *smbios = dc_json_get_object(root, "smbios");
    h->smbios = jtri(smbios, "tables");
    h->dmidecode = jtri(smbios, "dmidecode");
    h->numad = jtri(root, "numad");
}

/* "cpu" */
static void json_host_cpu(json_object *root, dc_hostinfo *h)
{
    json_object *cpu = dc_json_get_object(root, "cpu");
    h->cpu.arch = jstr(cpu, "arch");
    h->cpu.vendor = jstr(cpu, "vendor");
    h->cpu.model_name = jstr(cpu, "model");
    h->cpu.family = (int)jint(cpu, "family", -1, -1, INT_MAX);
    h->cpu.model = (int)jint(cpu, "modelNumber", -1, -1, INT_MAX);
    h->cpu.stepping = (int)jint(cpu, "stepping", -1, -1, INT_MAX);
    h->cpu.microcode = jstr(cpu, "microcode");
    json_object *topo = dc_json_get_object(cpu, "topology");
    h->cpu.sockets = (unsigned)jint(topo, "sockets", 0, 0, UINT_MAX);
    h->cpu.dies = (unsigned)jint(topo, "dies", 0, 0, UINT_MAX);
    h->cpu.cores = (unsigned)jint(topo, "cores", 0, 0, UINT_MAX);
    h->cpu.threads = (unsigned)jint(topo, "threads", 0, 0, UINT_MAX);
    h->cpu.online_cpus = (unsigned)jint(cpu, "onlineCpus", 0, 0, UINT_MAX);
    h->cpu.phys_bits = (unsigned)jint(cpu, "physAddrBits", 0, 0, UINT_MAX);
    h->cpu.vmx = dc_json_get_bool(cpu, "vmx", false);
    h->cpu.svm = dc_json_get_bool(cpu, "svm", false);
    h->cpu.flags = jstrs(cpu, "flags");
}

/* "kvm" */
static void json_host_kvm(json_object *root, dc_hostinfo *h)
{
    json_object *k = dc_json_get_object(root, "kvm");
    h->kvm.exists = dc_json_get_bool(k, "present", false);
    h->kvm.usable = dc_json_get_bool(k, "usable", false);
    h->kvm.reason = jstr(k, "reason");
    h->kvm.api_version = (int)jint(k, "apiVersion", -1, -1, INT_MAX);
    h->kvm.max_vcpus = (unsigned)jint(k, "maxVcpus", 0, 0, UINT_MAX);
    h->kvm.module = jstr(k, "module");
    h->kvm.nested = dc_json_get_bool(k, "nested", false);
    json_object *smm = dc_json_get(k, "smm");
    h->kvm.smm =
        smm && json_object_is_type(smm, json_type_boolean) ? json_object_get_boolean(smm) : -1;
    json_object *sg = dc_json_get_object(k, "secureGuest");
    h->kvm.sev = dc_json_get_bool(sg, "sev", false);
    h->kvm.sev_es = dc_json_get_bool(sg, "sevES", false);
    h->kvm.sev_snp = dc_json_get_bool(sg, "sevSNP", false);
    h->kvm.tdx = dc_json_get_bool(sg, "tdx", false);
    h->kvm.s390_pv = dc_json_get_bool(sg, "s390PV", false);
}

/* "topology": the NUMA cells */
static void json_host_numa(json_object *root, dc_hostinfo *h)
{
    json_object *t = dc_json_get_object(root, "topology");
    h->numa.available = dc_json_get_bool(t, "numa", false);
    h->numa.memory_kib = (unsigned long long)jint(t, "memoryKiB", 0, 0, INT64_MAX);
    h->numa.default_hugepage_kib =
        (unsigned long long)jint(t, "defaultHugepageKiB", 0, 0, INT64_MAX);
    json_object *cells = dc_json_get_array(t, "cells");
    h->numa.cells = xcalloc(jlen(cells) ? jlen(cells) : 1, sizeof(dc_numa_cell));
    for (size_t i = 0; i < jlen(cells); i++) {
        json_object *c = json_object_array_get_idx(cells, i);
        dc_numa_cell *o = &h->numa.cells[h->numa.ncells++];
        o->id = (unsigned)jint(c, "id", 0, 0, UINT_MAX);
        o->memory_kib = (unsigned long long)jint(c, "memoryKiB", 0, 0, INT64_MAX);
        o->free_kib = (unsigned long long)jint(c, "freeKiB", 0, 0, INT64_MAX);
        json_object *pages = dc_json_get_array(c, "pages");
        o->pages = xcalloc(jlen(pages) ? jlen(pages) : 1, sizeof(dc_numa_pages));
        for (size_t j = 0; j < jlen(pages); j++) {
            json_object *p = json_object_array_get_idx(pages, j);
            o->pages[o->npages++] = (dc_numa_pages){
                .size_kib = (unsigned long long)jint(p, "sizeKiB", 0, 0, INT64_MAX),
                .total = (unsigned long long)jint(p, "total", 0, 0, INT64_MAX),
                .free = (unsigned long long)jint(p, "free", 0, 0, INT64_MAX),
            };
            if (!o->pages[o->npages - 1].size_kib)
                dc_load_error_set(xstrdup("a \"pages\" entry without a positive \"sizeKiB\""));
        }
        json_object *dist = dc_json_get_array(c, "distances");
        o->distances = xcalloc(jlen(dist) ? jlen(dist) : 1, sizeof(*o->distances));
        for (size_t j = 0; j < jlen(dist); j++) {
            json_object *d = json_object_array_get_idx(dist, j);
            o->distances[o->ndistances].id = (unsigned)jint(d, "id", 0, 0, UINT_MAX);
            o->distances[o->ndistances++].value = (unsigned)jint(d, "value", 0, 0, UINT_MAX);
        }
        json_object *cpus = dc_json_get_array(c, "cpus");
        o->cpus = xcalloc(jlen(cpus) ? jlen(cpus) : 1, sizeof(dc_numa_cpu));
        for (size_t j = 0; j < jlen(cpus); j++) {
            json_object *u = json_object_array_get_idx(cpus, j);
            o->cpus[o->ncpus++] = (dc_numa_cpu){
                .id = (unsigned)jint(u, "id", 0, 0, UINT_MAX),
                .socket_id = (int)jint(u, "socketId", -1, -1, INT_MAX),
                .die_id = (int)jint(u, "dieId", -1, -1, INT_MAX),
                .core_id = (int)jint(u, "coreId", -1, -1, INT_MAX),
                .siblings = jsiblings(u),
            };
        }
    }
}

/* "pci" */
static void json_host_pci(json_object *root, dc_hostinfo *h)
{
    json_object *pci = dc_json_get_array(root, "pci");
    h->pci_known = pci != NULL;
    h->pci = xcalloc(jlen(pci) ? jlen(pci) : 1, sizeof(dc_pci_device));
    for (size_t i = 0; i < jlen(pci); i++) {
        json_object *d = json_object_array_get_idx(pci, i);
        char *addr = jstr(d, "address");
        if (!addr)
            continue;
        dc_pci_device *o = &h->pci[h->npci++];
        o->address = addr;
        if (!pci_address(addr, o))
            dc_load_error_set(xasprintf("\"%s\" is not a PCI address", addr));
        o->vendor_id = jhex(d, "vendor");
        o->device_id = jhex(d, "device");
        o->subsys_vendor_id = jhex(d, "subsysVendor");
        o->subsys_device_id = jhex(d, "subsysDevice");
        o->class_id = jhex(d, "class");
        o->vendor_name = jstr(d, "vendorName");
        o->device_name = jstr(d, "deviceName");
        o->class_name = jstr(d, "className");
        o->driver = jstr(d, "driver");
        o->iommu_group = (int)jint(d, "iommuGroup", -1, -1, INT_MAX);
        o->numa_node = (int)jint(d, "numaNode", -1, -1, INT_MAX);
        o->is_bridge = dc_json_get_bool(d, "bridge", false);
        json_object *sriov = dc_json_get_object(d, "sriov");
        o->sriov_totalvfs = sriov ? (int)jint(sriov, "totalvfs", -1, -1, INT_MAX) : -1;
        o->sriov_numvfs = sriov ? (int)jint(sriov, "numvfs", -1, -1, INT_MAX) : -1;
        o->physfn = jstr(d, "physfn");
    }
}

/* "vfio" */
static void json_host_vfio(json_object *root, dc_hostinfo *h)
{
    json_object *v = dc_json_get_object(root, "vfio");
    h->vfio.dev_vfio = dc_json_get_bool(v, "devVfio", false);
    h->vfio.dev_iommu = dc_json_get_bool(v, "devIommu", false);
    h->vfio.module = dc_json_get_bool(v, "module", false);
    h->vfio.iommu_groups = dc_json_get_bool(v, "iommuGroups", false);
    h->vfio.mdev = jtri(v, "mdev");
    json_object *groups = dc_json_get_array(v, "groups");
    h->vfio.groups = xcalloc(jlen(groups) ? jlen(groups) : 1, sizeof(dc_iommu_group));
    for (size_t i = 0; i < jlen(groups); i++) {
        json_object *g = json_object_array_get_idx(groups, i);
        dc_iommu_group *o = &h->vfio.groups[h->vfio.ngroups++];
        o->id = (unsigned)jint(g, "id", 0, 0, UINT_MAX);
        o->viable = dc_json_get_bool(g, "viable", false);
        o->devices = jstrs(g, "devices");
        o->culprits = jstrs(g, "culprits");
    }
}

/* "usb" */
static void json_host_usb(json_object *root, dc_hostinfo *h)
{
    json_object *usb = dc_json_get_array(root, "usb");
    h->usb_known = usb != NULL;
    h->usb = xcalloc(jlen(usb) ? jlen(usb) : 1, sizeof(dc_usb_device));
    for (size_t i = 0; i < jlen(usb); i++) {
        json_object *u = json_object_array_get_idx(usb, i);
        h->usb[h->nusb++] = (dc_usb_device){
            .bus = (unsigned)jint(u, "bus", 0, 0, UINT_MAX),
            .address = (unsigned)jint(u, "address", 0, 0, UINT_MAX),
            .port_path = jstr(u, "port"),
            .vendor_id = jhex(u, "vendor"),
            .product_id = jhex(u, "product"),
            .class_id = jhex(u, "class"),
            .speed = jstr(u, "speed"),
            .manufacturer = jstr(u, "manufacturer"),
            .product = jstr(u, "productName"),
        };
    }
}

static void json_host(json_object *root, dc_hostinfo *h)
{
    json_host_cpu(root, h);
    json_host_kvm(root, h);
    json_host_numa(root, h);
    json_host_pci(root, h);
    json_host_vfio(root, h);
    json_host_usb(root, h);
    h->render_nodes = (int)jint(root, "renderNodes", -1, -1, INT_MAX);
    json_object *tpm = dc_json_get(root, "tpmDevice");
    h->tpm_device =
        tpm && json_object_is_type(tpm, json_type_boolean) ? json_object_get_boolean(tpm) : -1;
    json_host_resources(root, h);
    json_object *diags = dc_json_get_array(root, "diagnostics");
    h->diags = xcalloc(jlen(diags) ? jlen(diags) : 1, sizeof(dc_diagnostic));
    for (size_t i = 0; i < jlen(diags); i++) {
        json_object *d = json_object_array_get_idx(diags, i);
        char *probe = jstr(d, "probe"), *msg = jstr(d, "message");
        h->diags[h->ndiags++] = (dc_diagnostic){.probe = probe ? probe : xstrdup(""),
                                                .message = msg ? msg : xstrdup("")};
    }
}
