/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capability snapshots: the extension element domcaps adds to the
 * domainCapabilities document for what the offline checker needs beyond it,
 * and such a document (libvirt's or ours) read back.
 */
#include "snapshot.h"

#include "xmlsafe.h"

#include <assert.h>
#include <limits.h>

/* ---- the extension element --------------------------------------------------- */

char *dc_snapshot_format_extension(const dc_qemu_caps *qc, bool kvm)
{
    const dc_qemu_accel *a = dc_qemu_accel_for(qc, kvm);
    dc_buf b = {0};
    dc_buf_addf(&b, "  <qemu xmlns='%s' target='", DC_SNAPSHOT_NS);
    dc_buf_add_xml_escaped(&b, qc->target);
    dc_buf_addf(&b, "' version='%d.%d.%d' kvm='%s' memfdHugetlb='%s'>\n", qc->version_major,
                qc->version_minor, qc->version_micro, qc->kvm_enabled ? "yes" : "no",
                qc->memfd_hugetlb ? "yes" : "no");
    for (size_t i = 0; a && i < a->nmachines; i++) {
        const dc_qemu_machine *m = &a->machines[i];
        dc_buf_add(&b, "    <machine name='");
        dc_buf_add_xml_escaped(&b, m->name);
        dc_buf_add(&b, "'");
        if (m->alias) {
            dc_buf_add(&b, " alias='");
            dc_buf_add_xml_escaped(&b, m->alias);
            dc_buf_add(&b, "'");
        }
        dc_buf_addf(&b, " maxCpus='%u'", m->cpu_max);
        if (m->acpi >= 0)
            dc_buf_addf(&b, " acpi='%s'", m->acpi ? "yes" : "no");
        if (m->is_default)
            dc_buf_add(&b, " default='yes'");
        if (m->deprecated)
            dc_buf_add(&b, " deprecated='yes'");
        dc_buf_add(&b, "/>\n");
    }
    /*
     * x86: each named model's features as TCG expands them (QEMU's own
     * definition, without the accelerator's defaults), and the CPU feature
     * names QEMU knows, for the checker's feature rules.
     */
    const dc_qemu_accel *ma = qc->tcg.nmodels ? &qc->tcg : a;
    for (size_t i = 0; ma && i < ma->nmodels; i++) {
        const dc_qemu_cpuexp *e = &ma->models[i];
        dc_buf_add(&b, "    <cpuModel name='");
        dc_buf_add_xml_escaped(&b, e->name);
        dc_buf_add(&b, "' features='");
        for (size_t j = 0; j < e->features.n; j++) {
            if (j)
                dc_buf_add(&b, " ");
            dc_buf_add_xml_escaped(&b, e->features.v[j]);
        }
        dc_buf_add(&b, "'/>\n");
    }
    if (qc->cpu_props.n) {
        dc_buf_add(&b, "    <cpuFeatures names='");
        for (size_t j = 0; j < qc->cpu_props.n; j++) {
            if (j)
                dc_buf_add(&b, " ");
            dc_buf_add_xml_escaped(&b, qc->cpu_props.v[j]);
        }
        dc_buf_add(&b, "'/>\n");
    }
    for (size_t i = 0; i < qc->types.n; i++) {
        dc_buf_add(&b, "    <type name='");
        dc_buf_add_xml_escaped(&b, qc->types.v[i]);
        dc_buf_add(&b, dc_qemu_is_pci_type(qc, qc->types.v[i]) ? "' pci='yes'/>\n" : "'/>\n");
    }
    dc_buf_add(&b, "  </qemu>\n");
    return dc_buf_steal(&b);
}

char *dc_domcaps_format_xml_snapshot(const dc_domcaps *caps, const dc_qemu_caps *qc)
{
    static const char end[] = "</domainCapabilities>\n";
    _cleanup_free_ char *doc = dc_domcaps_format_xml(caps);
    _cleanup_free_ char *ext = dc_snapshot_format_extension(qc, streq(caps->domain, "kvm"));
    size_t len = strlen(doc);
    assert(len >= strlen(end) && streq(doc + len - strlen(end), end));
    /* The extension goes last, inside the root element. */
    return xasprintf("%.*s%s%s", (int)(len - strlen(end)), doc, ext, end);
}

/* The blank-separated words of attribute name, added to ret. */
static void split_words(xmlNodePtr n, const char *name, dc_strv *ret)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    char *save = NULL;
    for (char *t = v ? strtok_r(v, " \t\n", &save) : NULL; t; t = strtok_r(NULL, " \t\n", &save))
        dc_strv_add(ret, t);
}

static dc_qemu_caps *parse_extension(xmlNodePtr q, const dc_domcaps *caps)
{
    dc_qemu_caps *qc = xcalloc(1, sizeof(*qc));
    qc->binary = xstrdup(caps->path);
    qc->target = dc_xml_prop(q, "target");
    if (!qc->target)
        qc->target = xstrdup(caps->arch);
    qc->arch = xstrdup(caps->arch);
    qc->kvm_enabled = dc_xml_attr_yes(q, "kvm");
    /* QEMU's version as major.minor.micro; absent in older snapshots (0.0.0: unknown). */
    _cleanup_free_ char *ver = dc_xml_prop(q, "version");
    if (ver) {
        int *parts[3] = {&qc->version_major, &qc->version_minor, &qc->version_micro};
        const char *p = ver;
        for (size_t i = 0; i < 3; i++) {
            size_t n = strcspn(p, ".");
            _cleanup_free_ char *part = xstrndup(p, n);
            unsigned v = 0;
            if (dc_parse_uint(part, 10, &v) < 0 || v > 999999 || (i < 2 ? p[n] != '.' : p[n])) {
                dc_xml_bad_number(q, "version", ver, -EINVAL);
                break;
            }
            *parts[i] = (int)v;
            p += n + (i < 2);
        }
    }
    qc->memfd_hugetlb = dc_xml_attr_yes(q, "memfdHugetlb");
    dc_qemu_accel *a = streq(caps->domain, "kvm") ? &qc->kvm : &qc->tcg;
    a->probed = true;
    size_t n = dc_xml_count_children(q, "machine");
    a->machines = xcalloc(n ? n : 1, sizeof(dc_qemu_machine));
    for (xmlNodePtr m = dc_xml_child(q, "machine"); m; m = dc_xml_next(m, "machine")) {
        char *name = dc_xml_prop(m, "name");
        if (!name)
            continue;
        dc_qemu_machine *out = &a->machines[a->nmachines++];
        out->name = name;
        out->alias = dc_xml_prop(m, "alias");
        out->cpu_max = dc_xml_attr_uint(m, "maxCpus", 0);
        _cleanup_free_ char *acpi = dc_xml_prop(m, "acpi");
        out->acpi = acpi ? streq(acpi, "yes") : -1;
        out->is_default = dc_xml_attr_yes(m, "default");
        out->deprecated = dc_xml_attr_yes(m, "deprecated");
    }
    /* The models are TCG's expansions whichever accelerator the document is for. */
    n = dc_xml_count_children(q, "cpuModel");
    qc->tcg.models = xcalloc(n ? n : 1, sizeof(dc_qemu_cpuexp));
    for (xmlNodePtr m = dc_xml_child(q, "cpuModel"); m; m = dc_xml_next(m, "cpuModel")) {
        char *name = dc_xml_prop(m, "name");
        if (!name)
            continue;
        dc_qemu_cpuexp *e = &qc->tcg.models[qc->tcg.nmodels++];
        e->name = name;
        split_words(m, "features", &e->features);
        dc_strv_sort(&e->features);
    }
    split_words(dc_xml_child(q, "cpuFeatures"), "names", &qc->cpu_props);
    dc_strv_sort(&qc->cpu_props);
    for (xmlNodePtr t = dc_xml_child(q, "type"); t; t = dc_xml_next(t, "type")) {
        char *name = dc_xml_prop(t, "name");
        if (!name)
            continue;
        if (dc_xml_attr_yes(t, "pci"))
            dc_strv_add(&qc->pci_types, name);
        dc_strv_add_take(&qc->types, name);
    }
    dc_strv_sort(&qc->types);
    dc_strv_sort(&qc->pci_types);
    return qc;
}

/* ---- domainCapabilities --------------------------------------------------------- */

static dc_tristate supported(xmlNodePtr n)
{
    if (!n)
        return DC_ABSENT;
    _cleanup_free_ char *v = dc_xml_prop(n, "supported");
    return v && streq(v, "yes") ? DC_YES : DC_NO;
}

/* Reads <enum name='name'> among n's children into e (unknown values are ignored). */
static void read_enum(xmlNodePtr n, const char *name, dc_enum_type type, dc_enum *e)
{
    for (xmlNodePtr c = dc_xml_child(n, "enum"); c; c = dc_xml_next(c, "enum")) {
        _cleanup_free_ char *en = dc_xml_prop(c, "name");
        if (!en || !streq(en, name))
            continue;
        e->report = true;
        for (xmlNodePtr v = dc_xml_child(c, "value"); v; v = dc_xml_next(v, "value")) {
            _cleanup_free_ char *t = dc_xml_text(v);
            int idx = t ? dc_enum_value_lookup(type, t) : -1;
            if (idx >= 0)
                dc_enum_set(e, (unsigned)idx);
        }
    }
}

static xmlNodePtr child_with(xmlNodePtr n, const char *elem, const char *attr, const char *value)
{
    for (xmlNodePtr c = dc_xml_child(n, elem); c; c = dc_xml_next(c, elem)) {
        _cleanup_free_ char *v = dc_xml_prop(c, attr);
        if (v && streq(v, value))
            return c;
    }
    return NULL;
}

static char **strv_steal(dc_strv *sv) { return sv->v ? sv->v : xcalloc(1, sizeof(char *)); }

static void parse_cpu(xmlNodePtr cpu, dc_domcaps *caps)
{
    xmlNodePtr hp = child_with(cpu, "mode", "name", "host-passthrough");
    caps->cpu.host_passthrough = supported(hp);
    read_enum(hp, "hostPassthroughMigratable", DC_E_ONOFF, &caps->cpu.host_passthrough_migratable);
    xmlNodePtr mx = child_with(cpu, "mode", "name", "maximum");
    caps->cpu.maximum = supported(mx);
    read_enum(mx, "maximumMigratable", DC_E_ONOFF, &caps->cpu.maximum_migratable);

    xmlNodePtr hm = child_with(cpu, "mode", "name", "host-model");
    dc_host_model *h = &caps->cpu.host_model;
    h->supported = supported(hm);
    if (h->supported == DC_YES) {
        xmlNodePtr model = dc_xml_child(hm, "model");
        h->model = dc_xml_text(model);
        _cleanup_free_ char *fb = dc_xml_prop(model, "fallback");
        h->fallback_allow = fb && streq(fb, "allow");
        h->vendor = dc_xml_text(dc_xml_child(hm, "vendor"));
        h->maxphysaddr_limit = dc_xml_attr_uint(dc_xml_child(hm, "maxphysaddr"), "limit", 0);
        dc_strv req = {0}, dis = {0};
        for (xmlNodePtr f = dc_xml_child(hm, "feature"); f; f = dc_xml_next(f, "feature")) {
            _cleanup_free_ char *policy = dc_xml_prop(f, "policy");
            char *name = dc_xml_prop(f, "name");
            if (!name)
                continue;
            dc_strv_add_take(policy && streq(policy, "disable") ? &dis : &req, name);
        }
        h->require = strv_steal(&req);
        h->disable = strv_steal(&dis);
    }

    xmlNodePtr cu = child_with(cpu, "mode", "name", "custom");
    caps->cpu.custom = supported(cu);
    size_t n = dc_xml_count_children(cu, "model");
    caps->cpu.models = xcalloc(n ? n : 1, sizeof(dc_cpu_model));
    for (xmlNodePtr m = dc_xml_child(cu, "model"); m; m = dc_xml_next(m, "model")) {
        char *name = dc_xml_text(m);
        if (!name)
            continue;
        dc_cpu_model *out = &caps->cpu.models[caps->cpu.nmodels++];
        out->name = name;
        _cleanup_free_ char *u = dc_xml_prop(m, "usable");
        out->usable = u && streq(u, "yes")  ? DC_USABLE_YES
                      : u && streq(u, "no") ? DC_USABLE_NO
                                            : DC_USABLE_UNKNOWN;
        out->deprecated = dc_xml_attr_yes(m, "deprecated");
        _cleanup_free_ char *vendor = dc_xml_prop(m, "vendor");
        out->vendor = vendor && !streq(vendor, "unknown") ? xstrdup(vendor) : NULL;
        out->canonical = dc_xml_prop(m, "canonical");
        xmlNodePtr bl = child_with(cu, "blockers", "model", name);
        if (bl) {
            dc_strv b = {0};
            for (xmlNodePtr f = dc_xml_child(bl, "feature"); f; f = dc_xml_next(f, "feature")) {
                char *fname = dc_xml_prop(f, "name");
                if (fname)
                    dc_strv_add_take(&b, fname);
            }
            out->blockers = strv_steal(&b);
        }
    }
}

static void parse_features(xmlNodePtr f, dc_domcaps *caps)
{
    xmlNodePtr gic = dc_xml_child(f, "gic");
    caps->features.gic = supported(gic);
    read_enum(gic, "version", DC_E_GIC_VERSION, &caps->features.gic_version);
    for (unsigned i = 0; i < _DC_FEAT_MAX; i++)
        caps->features.simple[i] = supported(dc_xml_child(f, dc_simple_feature_names[i]));
    xmlNodePtr sev = dc_xml_child(f, "sev");
    caps->features.sev.supported = supported(sev);
    if (caps->features.sev.supported == DC_YES) {
        caps->features.sev.cbitpos =
            (unsigned)dc_xml_text_u64(dc_xml_child(sev, "cbitpos"), UINT_MAX);
        caps->features.sev.reduced_phys_bits =
            (unsigned)dc_xml_text_u64(dc_xml_child(sev, "reducedPhysBits"), UINT_MAX);
        caps->features.sev.max_guests =
            (unsigned)dc_xml_text_u64(dc_xml_child(sev, "maxGuests"), UINT_MAX);
        caps->features.sev.max_es_guests =
            (unsigned)dc_xml_text_u64(dc_xml_child(sev, "maxESGuests"), UINT_MAX);
        caps->features.sev.cpu0_id = dc_xml_text(dc_xml_child(sev, "cpu0Id"));
    }
    xmlNodePtr sgx = dc_xml_child(f, "sgx");
    caps->features.sgx.supported = supported(sgx);
    if (caps->features.sgx.supported == DC_YES) {
        _cleanup_free_ char *flc = dc_xml_text(dc_xml_child(sgx, "flc"));
        _cleanup_free_ char *s1 = dc_xml_text(dc_xml_child(sgx, "sgx1"));
        _cleanup_free_ char *s2 = dc_xml_text(dc_xml_child(sgx, "sgx2"));

        caps->features.sgx.flc = flc && streq(flc, "yes");
        caps->features.sgx.sgx1 = s1 && streq(s1, "yes");
        caps->features.sgx.sgx2 = s2 && streq(s2, "yes");
        caps->features.sgx.section_size_kib =
            dc_xml_text_u64(dc_xml_child(sgx, "section_size"), UINT64_MAX);
        xmlNodePtr secs = dc_xml_child(sgx, "sections");
        size_t n = dc_xml_count_children(secs, "section");
        caps->features.sgx.sections = xcalloc(n ? n : 1, sizeof(dc_sgx_section));
        for (xmlNodePtr s = dc_xml_child(secs, "section"); s; s = dc_xml_next(s, "section")) {
            dc_sgx_section *o = &caps->features.sgx.sections[caps->features.sgx.nsections++];
            o->node = dc_xml_attr_uint(s, "node", 0);
            o->size_kib = (unsigned long long)dc_xml_attr_ll(s, "size", 0);
        }
    }
    xmlNodePtr hv = dc_xml_child(f, "hyperv");
    caps->features.hyperv.supported = supported(hv);
    read_enum(hv, "features", DC_E_HYPERV, &caps->features.hyperv.features);
    xmlNodePtr ls = dc_xml_child(f, "launchSecurity");
    caps->features.launch_security.supported = supported(ls);
    read_enum(ls, "sectype", DC_E_SECTYPE, &caps->features.launch_security.sectype);
}

static void parse_os(xmlNodePtr root, dc_domcaps *caps)
{
    xmlNodePtr os = dc_xml_child(root, "os");
    caps->os.supported = supported(os);
    read_enum(os, "firmware", DC_E_FIRMWARE, &caps->os.firmware);
    xmlNodePtr ff = dc_xml_child(os, "firmwareFeatures");
    caps->os.firmware_features = supported(ff);
    read_enum(ff, "secureBoot", DC_E_YESNO, &caps->os.secure_boot);
    read_enum(ff, "enrolledKeys", DC_E_YESNO, &caps->os.enrolled_keys);
    if (!ff) {
        /* libvirt before 12.1 has no firmwareFeatures: assume nothing is excluded. */
        dc_enum_set(&caps->os.secure_boot, DC_YES_V);
        dc_enum_set(&caps->os.secure_boot, DC_NO_V);
        caps->os.enrolled_keys = caps->os.secure_boot;
    }
    xmlNodePtr loader = dc_xml_child(os, "loader");
    caps->os.loader.supported = supported(loader);
    dc_strv values = {0};
    for (xmlNodePtr v = dc_xml_child(loader, "value"); v; v = dc_xml_next(v, "value")) {
        char *t = dc_xml_text(v);
        if (t)
            dc_strv_add_take(&values, t);
    }
    caps->os.loader.values = strv_steal(&values);
    read_enum(loader, "type", DC_E_LOADER_TYPE, &caps->os.loader.type);
    read_enum(loader, "readonly", DC_E_YESNO, &caps->os.loader.readonly);
    read_enum(loader, "secure", DC_E_YESNO, &caps->os.loader.secure);
}

/* Every device kind; one older libvirt did not print offers every value. */
static void parse_devices(xmlNodePtr root, dc_domcaps *caps)
{
    xmlNodePtr devices = dc_xml_child(root, "devices");
    for (unsigned k = 0; k < _DC_DEV_MAX; k++) {
        const dc_device_desc *d = &dc_device_descs[k];
        xmlNodePtr n = dc_xml_child(devices, d->element);
        /* An element older libvirt did not print: nothing is known to be missing. */
        caps->devices[k].supported = n ? supported(n) : DC_YES;
        for (unsigned e = 0; e < d->nenums; e++) {
            if (n) {
                read_enum(n, d->enums[e].name, d->enums[e].type, &caps->devices[k].enums[e]);
            } else {
                caps->devices[k].enums[e].report = true;
                caps->devices[k].enums[e].values =
                    (UINT32_C(1) << dc_enum_value_count(d->enums[e].type)) - 1;
            }
        }
    }
}

/* The domcaps extension element (one at most), or NULL for a plain libvirt document. */
static dc_qemu_caps *parse_extensions(xmlNodePtr root, const dc_domcaps *caps)
{
    dc_qemu_caps *qc = NULL;
    for (xmlNodePtr n = dc_xml_child(root, NULL); n; n = dc_xml_next(n, NULL))
        if (dc_xml_is(n, "qemu") && n->ns && streq((const char *)n->ns->href, DC_SNAPSHOT_NS)) {
            if (qc) {
                dc_load_error_set(xasprintf("line %ld: a second domcaps extension element "
                                            "(namespace %s)",
                                            xmlGetLineNo(n), DC_SNAPSHOT_NS));
                continue;
            }
            qc = parse_extension(n, caps);
        }
    return qc;
}

int dc_snapshot_load(const char *path, dc_snapshot *ret, dc_error *err)
{
    _cleanup_xml_ xmlDocPtr doc = NULL;
    int r = dc_xml_parse(path, NULL, 0, &doc, err);
    if (r < 0)
        return r;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!dc_xml_is(root, "domainCapabilities")) {
        return dc_error_set(err, -EINVAL,
                            "%s is not a domainCapabilities document (root element <%s>)", path,
                            (const char *)root->name);
    }
    free(dc_load_error_take());
    dc_domcaps *caps = xcalloc(1, sizeof(*caps));
    caps->path = dc_xml_text(dc_xml_child(root, "path"));
    caps->domain = dc_xml_text(dc_xml_child(root, "domain"));
    caps->machine = dc_xml_text(dc_xml_child(root, "machine"));
    caps->arch = dc_xml_text(dc_xml_child(root, "arch"));
    const char *missing = !caps->path      ? "path"
                          : !caps->domain  ? "domain"
                          : !caps->machine ? "machine"
                          : !caps->arch    ? "arch"
                                           : NULL;
    if (missing) {
        dc_error_set(err, -EINVAL, "%s is not a usable domainCapabilities document: no <%s>", path,
                     missing);
        dc_domcaps_free(caps);
        return -EINVAL;
    }
    caps->vcpu_max = dc_xml_attr_uint(dc_xml_child(root, "vcpu"), "max", 0);
    caps->iothreads = supported(dc_xml_child(root, "iothreads"));

    parse_os(root, caps);

    parse_cpu(dc_xml_child(root, "cpu"), caps);

    xmlNodePtr mb = dc_xml_child(root, "memoryBacking");
    caps->memory_backing.supported = supported(mb);
    read_enum(mb, "sourceType", DC_E_MEM_SOURCE, &caps->memory_backing.source_type);

    parse_devices(root, caps);
    parse_features(dc_xml_child(root, "features"), caps);

    dc_qemu_caps *qc = parse_extensions(root, caps);
    _cleanup_free_ char *bad = dc_load_error_take();
    if (bad) {
        dc_error_set(err, -EINVAL, "%s: %s", path, bad);
        dc_domcaps_free(caps);
        dc_qemu_caps_free(qc);
        return -EINVAL;
    }
    *ret = (dc_snapshot){.file = xstrdup(path), .caps = caps, .qemu = qc};
    return 0;
}

void dc_snapshot_clear(dc_snapshot *s)
{
    free(s->file);
    dc_domcaps_free(s->caps);
    dc_qemu_caps_free(s->qemu);
    *s = (dc_snapshot){0};
}
