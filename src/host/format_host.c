/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `domcaps host` report. The NUMA part uses the element names of the
 * <host><topology> section of `virsh capabilities` (cells, cell, memory,
 * pages, distances, sibling, cpus, cpu) so existing parsers read it; free
 * memory and free pages are extra attributes those parsers ignore.
 */
#include "domcaps/domcaps.h"
#include "domcaps/hostinfo.h"
#include "jsonw.h"

static const char *yesno(bool b) { return b ? "yes" : "no"; }

static void attr(dc_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    dc_buf_addf(b, " %s='", name);
    dc_buf_add_xml_escaped(b, value);
    dc_buf_add(b, "'");
}

static void text_elem(dc_buf *b, int lvl, const char *name, const char *text)
{
    if (!text)
        return;
    dc_buf_indent(b, lvl);
    dc_buf_addf(b, "<%s>", name);
    dc_buf_add_xml_escaped(b, text);
    dc_buf_addf(b, "</%s>\n", name);
}

static void xml_cpu(dc_buf *b, const dc_hostcpu *c)
{
    dc_buf_add(b, "  <cpu>\n");
    text_elem(b, 2, "arch", c->arch);
    text_elem(b, 2, "vendor", c->vendor);
    text_elem(b, 2, "model", c->model_name);
    if (c->family >= 0 || c->model >= 0 || c->stepping >= 0)
        dc_buf_addf(b, "    <signature family='%d' model='%d' stepping='%d'/>\n", c->family,
                    c->model, c->stepping);
    if (c->microcode) {
        dc_buf_add(b, "    <microcode");
        attr(b, "version", c->microcode);
        dc_buf_add(b, "/>\n");
    }
    if (c->sockets)
        dc_buf_addf(b, "    <topology sockets='%u' dies='%u' cores='%u' threads='%u'/>\n",
                    c->sockets, c->dies, c->cores, c->threads);
    if (c->online_cpus)
        dc_buf_addf(b, "    <cpus online='%u'/>\n", c->online_cpus);
    if (c->phys_bits)
        dc_buf_addf(b, "    <maxphysaddr mode='passthrough' bits='%u'/>\n", c->phys_bits);
    dc_buf_addf(b, "    <virtualization vmx='%s' svm='%s'/>\n", yesno(c->vmx), yesno(c->svm));
    for (char **f = c->flags; f && *f; f++) {
        dc_buf_add(b, "    <feature");
        attr(b, "name", *f);
        dc_buf_add(b, "/>\n");
    }
    dc_buf_add(b, "  </cpu>\n");
}

static void xml_kvm(dc_buf *b, const dc_hostkvm *k)
{
    dc_buf_addf(b, "  <kvm present='%s' usable='%s'", yesno(k->exists), yesno(k->usable));
    if (k->api_version > 0)
        dc_buf_addf(b, " apiVersion='%d'", k->api_version);
    if (k->max_vcpus)
        dc_buf_addf(b, " maxVcpus='%u'", k->max_vcpus);
    attr(b, "module", k->module);
    if (k->smm >= 0)
        dc_buf_addf(b, " smm='%s'", yesno(k->smm));
    dc_buf_addf(b, " nested='%s'>\n", yesno(k->nested));
    text_elem(b, 2, "reason", k->reason);
    dc_buf_addf(b, "    <secureGuest sev='%s' sevES='%s' sevSNP='%s' tdx='%s' s390PV='%s'/>\n",
                yesno(k->sev), yesno(k->sev_es), yesno(k->sev_snp), yesno(k->tdx),
                yesno(k->s390_pv));
    dc_buf_add(b, "  </kvm>\n");
}

static void xml_numa(dc_buf *b, const dc_numa *n)
{
    dc_buf_addf(b, "  <topology numa='%s'", yesno(n->available));
    if (n->memory_kib)
        dc_buf_addf(b, " memoryKiB='%llu'", n->memory_kib);
    if (n->default_hugepage_kib)
        dc_buf_addf(b, " defaultHugepageKiB='%llu'", n->default_hugepage_kib);
    dc_buf_add(b, ">\n");
    dc_buf_addf(b, "    <cells num='%zu'>\n", n->ncells);
    for (size_t i = 0; i < n->ncells; i++) {
        const dc_numa_cell *c = &n->cells[i];
        dc_buf_addf(b, "      <cell id='%u'>\n", c->id);
        dc_buf_addf(b, "        <memory unit='KiB' free='%llu'>%llu</memory>\n", c->free_kib,
                    c->memory_kib);
        for (size_t p = 0; p < c->npages; p++)
            dc_buf_addf(b, "        <pages unit='KiB' size='%llu' free='%llu'>%llu</pages>\n",
                        c->pages[p].size_kib, c->pages[p].free, c->pages[p].total);
        if (c->ndistances) {
            dc_buf_add(b, "        <distances>\n");
            for (size_t d = 0; d < c->ndistances; d++)
                dc_buf_addf(b, "          <sibling id='%u' value='%u'/>\n", c->distances[d].id,
                            c->distances[d].value);
            dc_buf_add(b, "        </distances>\n");
        }
        dc_buf_addf(b, "        <cpus num='%zu'>\n", c->ncpus);
        for (size_t j = 0; j < c->ncpus; j++) {
            const dc_numa_cpu *cpu = &c->cpus[j];
            dc_buf_addf(b, "          <cpu id='%u'", cpu->id);
            if (cpu->socket_id >= 0)
                dc_buf_addf(b, " socket_id='%d'", cpu->socket_id);
            if (cpu->die_id >= 0)
                dc_buf_addf(b, " die_id='%d'", cpu->die_id);
            if (cpu->core_id >= 0)
                dc_buf_addf(b, " core_id='%d'", cpu->core_id);
            attr(b, "siblings", cpu->siblings);
            dc_buf_add(b, "/>\n");
        }
        dc_buf_add(b, "        </cpus>\n");
        dc_buf_add(b, "      </cell>\n");
    }
    dc_buf_add(b, "    </cells>\n");
    dc_buf_add(b, "  </topology>\n");
}

static void hex_attr(dc_buf *b, const char *name, unsigned v, int width)
{
    dc_buf_addf(b, " %s='0x%0*x'", name, width, v);
}

static void xml_pci(dc_buf *b, const dc_hostinfo *h)
{
    if (!h->pci_known) {
        dc_buf_add(b, "  <pci probed='no'/>\n");
        return;
    }
    if (!h->npci) {
        dc_buf_add(b, "  <pci probed='yes' num='0'/>\n");
        return;
    }
    dc_buf_addf(b, "  <pci probed='yes' num='%zu'>\n", h->npci);
    for (size_t i = 0; i < h->npci; i++) {
        const dc_pci_device *d = &h->pci[i];
        dc_buf_add(b, "    <device");
        attr(b, "address", d->address);
        hex_attr(b, "vendor", d->vendor_id, 4);
        hex_attr(b, "device", d->device_id, 4);
        if (d->subsys_vendor_id || d->subsys_device_id) {
            hex_attr(b, "subsysVendor", d->subsys_vendor_id, 4);
            hex_attr(b, "subsysDevice", d->subsys_device_id, 4);
        }
        hex_attr(b, "class", d->class_id, 6);
        attr(b, "driver", d->driver);
        if (d->iommu_group >= 0)
            dc_buf_addf(b, " iommuGroup='%d'", d->iommu_group);
        if (d->numa_node >= 0)
            dc_buf_addf(b, " numaNode='%d'", d->numa_node);
        if (d->is_bridge)
            dc_buf_add(b, " bridge='yes'");
        bool children = d->vendor_name || d->device_name || d->class_name ||
                        d->sriov_totalvfs >= 0 || d->physfn;
        if (!children) {
            dc_buf_add(b, "/>\n");
            continue;
        }
        dc_buf_add(b, ">\n");
        text_elem(b, 3, "vendorName", d->vendor_name);
        text_elem(b, 3, "deviceName", d->device_name);
        text_elem(b, 3, "className", d->class_name);
        if (d->sriov_totalvfs >= 0)
            dc_buf_addf(b, "      <sriov totalvfs='%d' numvfs='%d'/>\n", d->sriov_totalvfs,
                        d->sriov_numvfs);
        if (d->physfn) {
            dc_buf_add(b, "      <physfn");
            attr(b, "address", d->physfn);
            dc_buf_add(b, "/>\n");
        }
        dc_buf_add(b, "    </device>\n");
    }
    dc_buf_add(b, "  </pci>\n");
}

static void tri_json(dc_jw *w, const char *key, int v)
{
    if (v >= 0)
        dc_jw_bool(w, key, v);
    else
        dc_jw_null(w, key);
}

static const struct {
    const char *path, *key; /* the XML's path attribute, the JSON's key */
    size_t offset;
} devnode_fields[] = {
    {"/dev/vhost-net", "vhostNet", offsetof(dc_hostdevnodes, vhost_net)},
    {"/dev/vhost-vsock", "vhostVsock", offsetof(dc_hostdevnodes, vhost_vsock)},
    {"/dev/net/tun", "netTun", offsetof(dc_hostdevnodes, net_tun)},
    {"/dev/tpmrm0", "tpmrm", offsetof(dc_hostdevnodes, tpmrm)},
};

static int devnode(const dc_hostdevnodes *d, size_t i)
{
    return *(const int *)((const char *)d + devnode_fields[i].offset);
}

/* Device nodes, interfaces, TSC, SMBIOS and numad: what domains name on the host. */
static void xml_resources(dc_buf *b, const dc_hostinfo *h)
{
    bool any = false;
    for (size_t i = 0; i < ELEMENTSOF(devnode_fields); i++)
        any |= devnode(&h->devnodes, i) >= 0;
    if (any) {
        dc_buf_add(b, "  <devnodes>\n");
        for (size_t i = 0; i < ELEMENTSOF(devnode_fields); i++)
            if (devnode(&h->devnodes, i) >= 0)
                dc_buf_addf(b, "    <node path='%s' present='%s'/>\n", devnode_fields[i].path,
                            yesno(devnode(&h->devnodes, i)));
        dc_buf_add(b, "  </devnodes>\n");
    }
    if (h->ifaces_known) {
        dc_buf_addf(b, "  <interfaces probed='yes' num='%zu'", h->nifaces);
        if (!h->nifaces)
            dc_buf_add(b, "/>\n");
        else {
            dc_buf_add(b, ">\n");
            for (size_t i = 0; i < h->nifaces; i++) {
                dc_buf_add(b, "    <interface");
                attr(b, "name", h->ifaces[i].name);
                if (h->ifaces[i].bridge)
                    dc_buf_add(b, " bridge='yes'");
                dc_buf_add(b, "/>\n");
            }
            dc_buf_add(b, "  </interfaces>\n");
        }
    }
    if (h->tsc_hz) {
        dc_buf_addf(b, "  <tsc frequency='%llu'", h->tsc_hz);
        if (h->tsc_scaling >= 0)
            dc_buf_addf(b, " scaling='%s'", yesno(h->tsc_scaling));
        dc_buf_add(b, "/>\n");
    }
    if (h->smbios >= 0 || h->dmidecode >= 0) {
        dc_buf_add(b, "  <smbios");
        if (h->smbios >= 0)
            dc_buf_addf(b, " tables='%s'", yesno(h->smbios));
        if (h->dmidecode >= 0)
            dc_buf_addf(b, " dmidecode='%s'", yesno(h->dmidecode));
        dc_buf_add(b, "/>\n");
    }
    if (h->numad >= 0)
        dc_buf_addf(b, "  <numad present='%s'/>\n", yesno(h->numad));
}

static void json_resources(dc_jw *w, const dc_hostinfo *h)
{
    dc_jw_open(w, "devnodes", '{');
    for (size_t i = 0; i < ELEMENTSOF(devnode_fields); i++)
        tri_json(w, devnode_fields[i].key, devnode(&h->devnodes, i));
    dc_jw_close(w, '}');
    if (h->ifaces_known) {
        dc_jw_open(w, "interfaces", '[');
        for (size_t i = 0; i < h->nifaces; i++) {
            dc_jw_open(w, NULL, '{');
            dc_jw_str(w, "name", h->ifaces[i].name);
            dc_jw_bool(w, "bridge", h->ifaces[i].bridge);
            dc_jw_close(w, '}');
        }
        dc_jw_close(w, ']');
    } else
        dc_jw_null(w, "interfaces");
    dc_jw_open(w, "tsc", '{');
    if (h->tsc_hz)
        dc_jw_num(w, "frequency", (long long)h->tsc_hz);
    else
        dc_jw_null(w, "frequency");
    tri_json(w, "scaling", h->tsc_scaling);
    dc_jw_close(w, '}');
    dc_jw_open(w, "smbios", '{');
    tri_json(w, "tables", h->smbios);
    tri_json(w, "dmidecode", h->dmidecode);
    dc_jw_close(w, '}');
    tri_json(w, "numad", h->numad);
}

static void xml_vfio(dc_buf *b, const dc_hostvfio *v)
{
    dc_buf_addf(b, "  <vfio usable='%s' devVfio='%s' devIommu='%s' module='%s' iommuGroups='%s'",
                yesno(v->dev_vfio && v->iommu_groups), yesno(v->dev_vfio), yesno(v->dev_iommu),
                yesno(v->module), yesno(v->iommu_groups));
    if (v->mdev >= 0)
        dc_buf_addf(b, " mdev='%s'", yesno(v->mdev));
    if (!v->ngroups) {
        dc_buf_add(b, "/>\n");
        return;
    }
    dc_buf_add(b, ">\n");
    for (size_t i = 0; i < v->ngroups; i++) {
        const dc_iommu_group *g = &v->groups[i];
        dc_buf_addf(b, "    <group id='%u' viable='%s'>\n", g->id, yesno(g->viable));
        for (char **d = g->devices; d && *d; d++) {
            dc_buf_add(b, "      <device");
            attr(b, "address", *d);
            dc_buf_add(b, "/>\n");
        }
        for (char **c = g->culprits; c && *c; c++)
            text_elem(b, 3, "culprit", *c);
        dc_buf_add(b, "    </group>\n");
    }
    dc_buf_add(b, "  </vfio>\n");
}

static void xml_usb(dc_buf *b, const dc_hostinfo *h)
{
    if (!h->usb_known) {
        dc_buf_add(b, "  <usb probed='no'/>\n");
        return;
    }
    if (!h->nusb) {
        dc_buf_add(b, "  <usb probed='yes' num='0'/>\n");
        return;
    }
    dc_buf_addf(b, "  <usb probed='yes' num='%zu'>\n", h->nusb);
    for (size_t i = 0; i < h->nusb; i++) {
        const dc_usb_device *u = &h->usb[i];
        dc_buf_addf(b, "    <device bus='%u' address='%u'", u->bus, u->address);
        attr(b, "port", u->port_path);
        hex_attr(b, "vendor", u->vendor_id, 4);
        hex_attr(b, "product", u->product_id, 4);
        hex_attr(b, "class", u->class_id, 2);
        attr(b, "speed", u->speed);
        if (!u->manufacturer && !u->product) {
            dc_buf_add(b, "/>\n");
            continue;
        }
        dc_buf_add(b, ">\n");
        text_elem(b, 3, "manufacturer", u->manufacturer);
        text_elem(b, 3, "product", u->product);
        dc_buf_add(b, "    </device>\n");
    }
    dc_buf_add(b, "  </usb>\n");
}

char *dc_hostinfo_format_xml(const dc_hostinfo *h)
{
    dc_buf b = {0};
    dc_buf_addf(&b, "<hostReport version='%s'>\n", DC_VERSION);
    xml_cpu(&b, &h->cpu);
    xml_kvm(&b, &h->kvm);
    xml_numa(&b, &h->numa);
    xml_pci(&b, h);
    xml_vfio(&b, &h->vfio);
    xml_usb(&b, h);
    if (h->render_nodes >= 0)
        dc_buf_addf(&b, "  <drm renderNodes='%d'/>\n", h->render_nodes);
    if (h->tpm_device >= 0)
        dc_buf_addf(&b, "  <tpm device='/dev/tpm0' present='%s'/>\n", yesno(h->tpm_device));
    xml_resources(&b, h);
    if (h->ndiags) {
        dc_buf_add(&b, "  <diagnostics>\n");
        for (size_t i = 0; i < h->ndiags; i++) {
            dc_buf_add(&b, "    <diagnostic");
            attr(&b, "probe", h->diags[i].probe);
            dc_buf_add(&b, ">");
            dc_buf_add_xml_escaped(&b, h->diags[i].message);
            dc_buf_add(&b, "</diagnostic>\n");
        }
        dc_buf_add(&b, "  </diagnostics>\n");
    }
    dc_buf_add(&b, "</hostReport>\n");
    return dc_buf_steal(&b);
}

static void hex_str(dc_jw *w, const char *key, unsigned v, int width)
{
    char tmp[16];
    snprintf(tmp, sizeof(tmp), "0x%0*x", width, v);
    dc_jw_str(w, key, tmp);
}

static void json_cpu(dc_jw *w, const dc_hostcpu *c)
{
    dc_jw_open(w, "cpu", '{');
    dc_jw_str(w, "arch", c->arch);
    dc_jw_str(w, "vendor", c->vendor);
    dc_jw_str(w, "model", c->model_name);
    dc_jw_num(w, "family", c->family);
    dc_jw_num(w, "modelNumber", c->model);
    dc_jw_num(w, "stepping", c->stepping);
    dc_jw_str(w, "microcode", c->microcode);
    dc_jw_open(w, "topology", '{');
    dc_jw_num(w, "sockets", c->sockets);
    dc_jw_num(w, "dies", c->dies);
    dc_jw_num(w, "cores", c->cores);
    dc_jw_num(w, "threads", c->threads);
    dc_jw_close(w, '}');
    dc_jw_num(w, "onlineCpus", c->online_cpus);
    dc_jw_num(w, "physAddrBits", c->phys_bits);
    dc_jw_bool(w, "vmx", c->vmx);
    dc_jw_bool(w, "svm", c->svm);
    dc_jw_strs(w, "flags", c->flags);
    dc_jw_close(w, '}');
}

static void json_kvm(dc_jw *w, const dc_hostkvm *k)
{
    dc_jw_open(w, "kvm", '{');
    dc_jw_bool(w, "present", k->exists);
    dc_jw_bool(w, "usable", k->usable);
    dc_jw_str(w, "reason", k->reason);
    dc_jw_num(w, "apiVersion", k->api_version);
    dc_jw_num(w, "maxVcpus", k->max_vcpus);
    dc_jw_str(w, "module", k->module);
    dc_jw_bool(w, "nested", k->nested);
    if (k->smm >= 0)
        dc_jw_bool(w, "smm", k->smm);
    else
        dc_jw_null(w, "smm");
    dc_jw_open(w, "secureGuest", '{');
    dc_jw_bool(w, "sev", k->sev);
    dc_jw_bool(w, "sevES", k->sev_es);
    dc_jw_bool(w, "sevSNP", k->sev_snp);
    dc_jw_bool(w, "tdx", k->tdx);
    dc_jw_bool(w, "s390PV", k->s390_pv);
    dc_jw_close(w, '}');
    dc_jw_close(w, '}');
}

/* The kernel's thread_siblings_list as an array of CPU ids (kept as text when malformed). */
static void json_siblings(dc_jw *w, const char *siblings)
{
    unsigned *ids = NULL;
    size_t n = 0;
    if (!siblings || dc_cpulist_parse(siblings, &ids, &n) < 0) {
        dc_jw_str(w, "siblings", siblings);
        return;
    }
    dc_jw_open(w, "siblings", '[');
    for (size_t i = 0; i < n; i++)
        dc_jw_num(w, NULL, ids[i]);
    dc_jw_close(w, ']');
    free(ids);
}

static void json_numa(dc_jw *w, const dc_numa *n)
{
    dc_jw_open(w, "topology", '{');
    dc_jw_bool(w, "numa", n->available);
    dc_jw_num(w, "memoryKiB", (long long)n->memory_kib);
    dc_jw_num(w, "defaultHugepageKiB", (long long)n->default_hugepage_kib);
    dc_jw_open(w, "cells", '[');
    for (size_t i = 0; i < n->ncells; i++) {
        const dc_numa_cell *c = &n->cells[i];
        dc_jw_open(w, NULL, '{');
        dc_jw_num(w, "id", c->id);
        dc_jw_num(w, "memoryKiB", (long long)c->memory_kib);
        dc_jw_num(w, "freeKiB", (long long)c->free_kib);
        dc_jw_open(w, "pages", '[');
        for (size_t p = 0; p < c->npages; p++) {
            dc_jw_open(w, NULL, '{');
            dc_jw_num(w, "sizeKiB", (long long)c->pages[p].size_kib);
            dc_jw_num(w, "total", (long long)c->pages[p].total);
            dc_jw_num(w, "free", (long long)c->pages[p].free);
            dc_jw_close(w, '}');
        }
        dc_jw_close(w, ']');
        dc_jw_open(w, "distances", '[');
        for (size_t d = 0; d < c->ndistances; d++) {
            dc_jw_open(w, NULL, '{');
            dc_jw_num(w, "id", c->distances[d].id);
            dc_jw_num(w, "value", c->distances[d].value);
            dc_jw_close(w, '}');
        }
        dc_jw_close(w, ']');
        dc_jw_open(w, "cpus", '[');
        for (size_t j = 0; j < c->ncpus; j++) {
            const dc_numa_cpu *cpu = &c->cpus[j];
            dc_jw_open(w, NULL, '{');
            dc_jw_num(w, "id", cpu->id);
            dc_jw_num(w, "socketId", cpu->socket_id);
            dc_jw_num(w, "dieId", cpu->die_id);
            dc_jw_num(w, "coreId", cpu->core_id);
            json_siblings(w, cpu->siblings);
            dc_jw_close(w, '}');
        }
        dc_jw_close(w, ']');
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, ']');
    dc_jw_close(w, '}');
}

static void json_pci(dc_jw *w, const dc_hostinfo *h)
{
    if (!h->pci_known) {
        dc_jw_null(w, "pci");
        return;
    }
    dc_jw_open(w, "pci", '[');
    for (size_t i = 0; i < h->npci; i++) {
        const dc_pci_device *d = &h->pci[i];
        dc_jw_open(w, NULL, '{');
        dc_jw_str(w, "address", d->address);
        hex_str(w, "vendor", d->vendor_id, 4);
        hex_str(w, "device", d->device_id, 4);
        hex_str(w, "subsysVendor", d->subsys_vendor_id, 4);
        hex_str(w, "subsysDevice", d->subsys_device_id, 4);
        hex_str(w, "class", d->class_id, 6);
        dc_jw_str(w, "vendorName", d->vendor_name);
        dc_jw_str(w, "deviceName", d->device_name);
        dc_jw_str(w, "className", d->class_name);
        dc_jw_str(w, "driver", d->driver);
        dc_jw_num(w, "iommuGroup", d->iommu_group);
        dc_jw_num(w, "numaNode", d->numa_node);
        dc_jw_bool(w, "bridge", d->is_bridge);
        if (d->sriov_totalvfs >= 0) {
            dc_jw_open(w, "sriov", '{');
            dc_jw_num(w, "totalvfs", d->sriov_totalvfs);
            dc_jw_num(w, "numvfs", d->sriov_numvfs);
            dc_jw_close(w, '}');
        }
        dc_jw_str(w, "physfn", d->physfn);
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, ']');
}

static void json_vfio(dc_jw *w, const dc_hostvfio *v)
{
    dc_jw_open(w, "vfio", '{');
    dc_jw_bool(w, "usable", v->dev_vfio && v->iommu_groups);
    dc_jw_bool(w, "devVfio", v->dev_vfio);
    dc_jw_bool(w, "devIommu", v->dev_iommu);
    dc_jw_bool(w, "module", v->module);
    dc_jw_bool(w, "iommuGroups", v->iommu_groups);
    tri_json(w, "mdev", v->mdev);
    dc_jw_open(w, "groups", '[');
    for (size_t i = 0; i < v->ngroups; i++) {
        const dc_iommu_group *g = &v->groups[i];
        dc_jw_open(w, NULL, '{');
        dc_jw_num(w, "id", g->id);
        dc_jw_bool(w, "viable", g->viable);
        dc_jw_strs(w, "devices", g->devices);
        dc_jw_strs(w, "culprits", g->culprits);
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, ']');
    dc_jw_close(w, '}');
}

static void json_usb(dc_jw *w, const dc_hostinfo *h)
{
    if (!h->usb_known) {
        dc_jw_null(w, "usb");
        return;
    }
    dc_jw_open(w, "usb", '[');
    for (size_t i = 0; i < h->nusb; i++) {
        const dc_usb_device *u = &h->usb[i];
        dc_jw_open(w, NULL, '{');
        dc_jw_num(w, "bus", u->bus);
        dc_jw_num(w, "address", u->address);
        dc_jw_str(w, "port", u->port_path);
        hex_str(w, "vendor", u->vendor_id, 4);
        hex_str(w, "product", u->product_id, 4);
        hex_str(w, "class", u->class_id, 2);
        dc_jw_str(w, "speed", u->speed);
        dc_jw_str(w, "manufacturer", u->manufacturer);
        dc_jw_str(w, "productName", u->product);
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, ']');
}

char *dc_hostinfo_format_json(const dc_hostinfo *h)
{
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
    dc_jw_num(&w, "schemaVersion", DC_JSON_SCHEMA_VERSION);
    dc_jw_str(&w, "version", DC_VERSION);
    json_cpu(&w, &h->cpu);
    json_kvm(&w, &h->kvm);
    json_numa(&w, &h->numa);
    json_pci(&w, h);
    json_vfio(&w, &h->vfio);
    json_usb(&w, h);
    dc_jw_num(&w, "renderNodes", h->render_nodes);
    if (h->tpm_device >= 0)
        dc_jw_bool(&w, "tpmDevice", h->tpm_device);
    else
        dc_jw_null(&w, "tpmDevice");
    json_resources(&w, h);
    dc_jw_open(&w, "diagnostics", '[');
    for (size_t i = 0; i < h->ndiags; i++) {
        dc_jw_open(&w, NULL, '{');
        dc_jw_str(&w, "probe", h->diags[i].probe);
        dc_jw_str(&w, "message", h->diags[i].message);
        dc_jw_close(&w, '}');
    }
    dc_jw_close(&w, ']');
    dc_jw_close(&w, '}');
    return dc_jw_finish(&w);
}
