/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Saved documents read back for the offline checker: a domainCapabilities
 * document (libvirt's or ours, with the extension element domcaps adds for
 * what the checker needs beyond it) and a `domcaps host` report.
 */
#include "snapshot.h"

#include "check.h"
#include "json.h"
#include "jsonw.h"
#include "xmlsafe.h"

#include <assert.h>
#include <fcntl.h>

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

static size_t count_children(xmlNodePtr n, const char *name)
{
    size_t count = 0;
    for (xmlNodePtr c = dc_xml_child(n, name); c; c = dc_xml_next(c, name))
        count++;
    return count;
}

static bool attr_yes(xmlNodePtr n, const char *name)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    return v && streq(v, "yes");
}

/* yes: 1, no: 0, absent or anything else: -1 (an older report). */
static int attr_tri(xmlNodePtr n, const char *name)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    return v && streq(v, "yes") ? 1 : v && streq(v, "no") ? 0 : -1;
}

/*
 * The first malformed or out-of-range number met while reading one document
 * (a snapshot or a host report); the loaders refuse the document with it.
 * Numbers are never silently replaced by a default.
 */
static _Thread_local char *load_error;

static void bad_number(xmlNodePtr n, const char *name, const char *v, int r)
{
    if (load_error)
        return;
    load_error =
        xasprintf("line %ld: <%s> %s%s%s'%s' is %s", n ? xmlGetLineNo(n) : 0L,
                  n ? (const char *)n->name : "?", name ? "attribute '" : "", name ? name : "",
                  name ? "': " : "", v, r == -ERANGE ? "out of range" : "not a number");
}

/* Takes the recorded error (or NULL) and clears the slot. */
static char *take_load_error(void)
{
    char *e = load_error;
    load_error = NULL;
    return e;
}

static unsigned long long attr_u64(xmlNodePtr n, const char *name, unsigned long long dflt,
                                   unsigned long long max)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    if (!v)
        return dflt;
    uint64_t x;
    int r = dc_parse_u64(v, 0, max, &x);
    if (r < 0) {
        bad_number(n, name, v, r);
        return dflt;
    }
    return x;
}

static unsigned attr_uint(xmlNodePtr n, const char *name, unsigned dflt)
{
    return (unsigned)attr_u64(n, name, dflt, UINT_MAX);
}

/* Signed attributes: ids where -1 means unknown. */
static long long attr_ll(xmlNodePtr n, const char *name, long long dflt)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    if (!v)
        return dflt;
    int64_t x;
    int r = dc_parse_i64(v, 0, INT_MIN, INT64_MAX, &x);
    if (r < 0) {
        bad_number(n, name, v, r);
        return dflt;
    }
    return x;
}

/* An element's text as a number. */
static unsigned long long text_u64(xmlNodePtr n, unsigned long long max)
{
    _cleanup_free_ char *v = dc_xml_text(n);
    if (!v)
        return 0;
    uint64_t x;
    int r = dc_parse_u64(v, 10, max, &x);
    if (r < 0) {
        bad_number(n, NULL, v, r);
        return 0;
    }
    return x;
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
    qc->kvm_enabled = attr_yes(q, "kvm");
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
                bad_number(q, "version", ver, -EINVAL);
                break;
            }
            *parts[i] = (int)v;
            p += n + (i < 2);
        }
    }
    qc->memfd_hugetlb = attr_yes(q, "memfdHugetlb");
    dc_qemu_accel *a = streq(caps->domain, "kvm") ? &qc->kvm : &qc->tcg;
    a->probed = true;
    size_t n = count_children(q, "machine");
    a->machines = xcalloc(n ? n : 1, sizeof(dc_qemu_machine));
    for (xmlNodePtr m = dc_xml_child(q, "machine"); m; m = dc_xml_next(m, "machine")) {
        char *name = dc_xml_prop(m, "name");
        if (!name)
            continue;
        dc_qemu_machine *out = &a->machines[a->nmachines++];
        out->name = name;
        out->alias = dc_xml_prop(m, "alias");
        out->cpu_max = attr_uint(m, "maxCpus", 0);
        _cleanup_free_ char *acpi = dc_xml_prop(m, "acpi");
        out->acpi = acpi ? streq(acpi, "yes") : -1;
        out->is_default = attr_yes(m, "default");
        out->deprecated = attr_yes(m, "deprecated");
    }
    /* The models are TCG's expansions whichever accelerator the document is for. */
    n = count_children(q, "cpuModel");
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
        if (attr_yes(t, "pci"))
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
        h->maxphysaddr_limit = attr_uint(dc_xml_child(hm, "maxphysaddr"), "limit", 0);
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
    size_t n = count_children(cu, "model");
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
        out->deprecated = attr_yes(m, "deprecated");
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
        caps->features.sev.cbitpos = (unsigned)text_u64(dc_xml_child(sev, "cbitpos"), UINT_MAX);
        caps->features.sev.reduced_phys_bits =
            (unsigned)text_u64(dc_xml_child(sev, "reducedPhysBits"), UINT_MAX);
        caps->features.sev.max_guests =
            (unsigned)text_u64(dc_xml_child(sev, "maxGuests"), UINT_MAX);
        caps->features.sev.max_es_guests =
            (unsigned)text_u64(dc_xml_child(sev, "maxESGuests"), UINT_MAX);
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
            text_u64(dc_xml_child(sgx, "section_size"), UINT64_MAX);
        xmlNodePtr secs = dc_xml_child(sgx, "sections");
        size_t n = count_children(secs, "section");
        caps->features.sgx.sections = xcalloc(n ? n : 1, sizeof(dc_sgx_section));
        for (xmlNodePtr s = dc_xml_child(secs, "section"); s; s = dc_xml_next(s, "section")) {
            dc_sgx_section *o = &caps->features.sgx.sections[caps->features.sgx.nsections++];
            o->node = attr_uint(s, "node", 0);
            o->size_kib = (unsigned long long)attr_ll(s, "size", 0);
        }
    }
    xmlNodePtr hv = dc_xml_child(f, "hyperv");
    caps->features.hyperv.supported = supported(hv);
    read_enum(hv, "features", DC_E_HYPERV, &caps->features.hyperv.features);
    xmlNodePtr ls = dc_xml_child(f, "launchSecurity");
    caps->features.launch_security.supported = supported(ls);
    read_enum(ls, "sectype", DC_E_SECTYPE, &caps->features.launch_security.sectype);
}

int dc_snapshot_load(const char *path, dc_snapshot *ret, char **ret_msg)
{
    _cleanup_xml_ xmlDocPtr doc = NULL;
    int r = dc_xml_parse(path, NULL, 0, &doc, ret_msg);
    if (r < 0)
        return r;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!dc_xml_is(root, "domainCapabilities")) {
        *ret_msg = xasprintf("%s is not a domainCapabilities document (root element <%s>)", path,
                             (const char *)root->name);
        return -EINVAL;
    }
    free(take_load_error());
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
        *ret_msg =
            xasprintf("%s is not a usable domainCapabilities document: no <%s>", path, missing);
        dc_domcaps_free(caps);
        return -EINVAL;
    }
    caps->vcpu_max = attr_uint(dc_xml_child(root, "vcpu"), "max", 0);
    caps->iothreads = supported(dc_xml_child(root, "iothreads"));

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

    parse_cpu(dc_xml_child(root, "cpu"), caps);

    xmlNodePtr mb = dc_xml_child(root, "memoryBacking");
    caps->memory_backing.supported = supported(mb);
    read_enum(mb, "sourceType", DC_E_MEM_SOURCE, &caps->memory_backing.source_type);

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
    parse_features(dc_xml_child(root, "features"), caps);

    dc_qemu_caps *qc = NULL;
    for (xmlNodePtr n = dc_xml_child(root, NULL); n; n = dc_xml_next(n, NULL))
        if (dc_xml_is(n, "qemu") && n->ns && streq((const char *)n->ns->href, DC_SNAPSHOT_NS)) {
            if (qc) {
                if (!load_error)
                    load_error = xasprintf("line %ld: a second domcaps extension element "
                                           "(namespace %s)",
                                           xmlGetLineNo(n), DC_SNAPSHOT_NS);
                continue;
            }
            qc = parse_extension(n, caps);
        }
    _cleanup_free_ char *bad = take_load_error();
    if (bad) {
        *ret_msg = xasprintf("%s: %s", path, bad);
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

/* ---- the host report ------------------------------------------------------------ */

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
    c->family = (int)attr_ll(sig, "family", -1);
    c->model = (int)attr_ll(sig, "model", -1);
    c->stepping = (int)attr_ll(sig, "stepping", -1);
    c->microcode = dc_xml_prop(dc_xml_child(cpu, "microcode"), "version");
    xmlNodePtr topo = dc_xml_child(cpu, "topology");
    c->sockets = attr_uint(topo, "sockets", 0);
    c->dies = attr_uint(topo, "dies", 0);
    c->cores = attr_uint(topo, "cores", 0);
    c->threads = attr_uint(topo, "threads", 0);
    c->online_cpus = attr_uint(dc_xml_child(cpu, "cpus"), "online", 0);
    c->phys_bits = attr_uint(dc_xml_child(cpu, "maxphysaddr"), "bits", 0);
    xmlNodePtr virt = dc_xml_child(cpu, "virtualization");
    c->vmx = attr_yes(virt, "vmx");
    c->svm = attr_yes(virt, "svm");
    c->flags = text_children(cpu, "feature", "name");
}

static void parse_host_kvm(xmlNodePtr k, dc_hostkvm *o)
{
    o->exists = attr_yes(k, "present");
    o->usable = attr_yes(k, "usable");
    o->api_version = (int)attr_ll(k, "apiVersion", -1);
    o->max_vcpus = attr_uint(k, "maxVcpus", 0);
    o->module = dc_xml_prop(k, "module");
    o->nested = attr_yes(k, "nested");
    _cleanup_free_ char *smm = dc_xml_prop(k, "smm");
    o->smm = smm ? streq(smm, "yes") : -1;
    o->reason = dc_xml_text(dc_xml_child(k, "reason"));
    xmlNodePtr sg = dc_xml_child(k, "secureGuest");
    o->sev = attr_yes(sg, "sev");
    o->sev_es = attr_yes(sg, "sevES");
    o->sev_snp = attr_yes(sg, "sevSNP");
    o->tdx = attr_yes(sg, "tdx");
    o->s390_pv = attr_yes(sg, "s390PV");
}

static void parse_host_numa(xmlNodePtr topo, dc_numa *n)
{
    _cleanup_free_ char *numa = dc_xml_prop(topo, "numa");
    n->available = numa && streq(numa, "yes");
    n->default_hugepage_kib = attr_u64(topo, "defaultHugepageKiB", 0, UINT64_MAX / 1024);
    n->memory_kib = attr_u64(topo, "memoryKiB", 0, UINT64_MAX);
    xmlNodePtr cells = dc_xml_child(topo, "cells");
    size_t count = count_children(cells, "cell");
    n->cells = xcalloc(count ? count : 1, sizeof(dc_numa_cell));
    for (xmlNodePtr c = dc_xml_child(cells, "cell"); c; c = dc_xml_next(c, "cell")) {
        dc_numa_cell *o = &n->cells[n->ncells++];
        o->id = attr_uint(c, "id", 0);
        xmlNodePtr mem = dc_xml_child(c, "memory");
        o->memory_kib = text_u64(mem, UINT64_MAX);
        o->free_kib = attr_u64(mem, "free", 0, UINT64_MAX);
        size_t np = count_children(c, "pages");
        o->pages = xcalloc(np ? np : 1, sizeof(dc_numa_pages));
        for (xmlNodePtr p = dc_xml_child(c, "pages"); p; p = dc_xml_next(p, "pages")) {
            dc_numa_pages *pg = &o->pages[o->npages++];
            pg->size_kib = attr_u64(p, "size", 0, UINT64_MAX / 1024);
            pg->free = attr_u64(p, "free", 0, UINT64_MAX);
            pg->total = text_u64(p, UINT64_MAX);
            if (!pg->size_kib && !load_error)
                load_error =
                    xasprintf("line %ld: <pages> without a positive size", xmlGetLineNo(p));
        }
        xmlNodePtr dist = dc_xml_child(c, "distances");
        size_t nd = count_children(dist, "sibling");
        o->distances = xcalloc(nd ? nd : 1, sizeof(*o->distances));
        for (xmlNodePtr s = dc_xml_child(dist, "sibling"); s; s = dc_xml_next(s, "sibling")) {
            o->distances[o->ndistances].id = attr_uint(s, "id", 0);
            o->distances[o->ndistances++].value = attr_uint(s, "value", 0);
        }
        xmlNodePtr cpus = dc_xml_child(c, "cpus");
        size_t nc = count_children(cpus, "cpu");
        o->cpus = xcalloc(nc ? nc : 1, sizeof(dc_numa_cpu));
        for (xmlNodePtr u = dc_xml_child(cpus, "cpu"); u; u = dc_xml_next(u, "cpu")) {
            dc_numa_cpu *cpu = &o->cpus[o->ncpus++];
            cpu->id = attr_uint(u, "id", 0);
            cpu->socket_id = (int)attr_ll(u, "socket_id", -1);
            cpu->die_id = (int)attr_ll(u, "die_id", -1);
            cpu->core_id = (int)attr_ll(u, "core_id", -1);
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
    h->pci_known = attr_yes(pci, "probed");
    size_t n = count_children(pci, "device");
    h->pci = xcalloc(n ? n : 1, sizeof(dc_pci_device));
    for (xmlNodePtr d = dc_xml_child(pci, "device"); d; d = dc_xml_next(d, "device")) {
        char *addr = dc_xml_prop(d, "address");
        if (!addr)
            continue;
        dc_pci_device *o = &h->pci[h->npci++];
        o->address = addr;
        if (!pci_address(addr, o) && !load_error)
            load_error = xasprintf("line %ld: '%s' is not a PCI address", xmlGetLineNo(d), addr);
        o->vendor_id = attr_uint(d, "vendor", 0);
        o->device_id = attr_uint(d, "device", 0);
        o->subsys_vendor_id = attr_uint(d, "subsysVendor", 0);
        o->subsys_device_id = attr_uint(d, "subsysDevice", 0);
        o->class_id = attr_uint(d, "class", 0);
        o->driver = dc_xml_prop(d, "driver");
        o->iommu_group = (int)attr_ll(d, "iommuGroup", -1);
        o->numa_node = (int)attr_ll(d, "numaNode", -1);
        o->is_bridge = attr_yes(d, "bridge");
        o->vendor_name = dc_xml_text(dc_xml_child(d, "vendorName"));
        o->device_name = dc_xml_text(dc_xml_child(d, "deviceName"));
        o->class_name = dc_xml_text(dc_xml_child(d, "className"));
        xmlNodePtr sriov = dc_xml_child(d, "sriov");
        o->sriov_totalvfs = sriov ? (int)attr_ll(sriov, "totalvfs", -1) : -1;
        o->sriov_numvfs = sriov ? (int)attr_ll(sriov, "numvfs", -1) : -1;
        o->physfn = dc_xml_prop(dc_xml_child(d, "physfn"), "address");
    }
}

static void parse_host_vfio(xmlNodePtr v, dc_hostvfio *o)
{
    o->dev_vfio = attr_yes(v, "devVfio");
    o->dev_iommu = attr_yes(v, "devIommu");
    o->module = attr_yes(v, "module");
    o->iommu_groups = attr_yes(v, "iommuGroups");
    o->mdev = attr_tri(v, "mdev");
    size_t n = count_children(v, "group");
    o->groups = xcalloc(n ? n : 1, sizeof(dc_iommu_group));
    for (xmlNodePtr g = dc_xml_child(v, "group"); g; g = dc_xml_next(g, "group")) {
        dc_iommu_group *gr = &o->groups[o->ngroups++];
        gr->id = attr_uint(g, "id", 0);
        gr->viable = attr_yes(g, "viable");
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
        int present = attr_tri(n, "present");
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
    h->ifaces_known = attr_yes(ifs, "probed");
    size_t n = count_children(ifs, "interface");
    h->ifaces = xcalloc(n ? n : 1, sizeof(dc_hostnet));
    for (xmlNodePtr i = dc_xml_child(ifs, "interface"); i; i = dc_xml_next(i, "interface")) {
        char *name = dc_xml_prop(i, "name");
        if (name)
            h->ifaces[h->nifaces++] = (dc_hostnet){.name = name, .bridge = attr_yes(i, "bridge")};
    }
    xmlNodePtr tsc = dc_xml_child(root, "tsc");
    long long f = attr_ll(tsc, "frequency", 0);
    h->tsc_hz = f > 0 ? (unsigned long long)f : 0;
    h->tsc_scaling = attr_tri(tsc, "scaling");
    xmlNodePtr smbios = dc_xml_child(root, "smbios");
    h->smbios = attr_tri(smbios, "tables");
    h->dmidecode = attr_tri(smbios, "dmidecode");
    h->numad = attr_tri(dc_xml_child(root, "numad"), "present");
}

static void parse_host_usb(xmlNodePtr usb, dc_hostinfo *h)
{
    h->usb_known = attr_yes(usb, "probed");
    size_t n = count_children(usb, "device");
    h->usb = xcalloc(n ? n : 1, sizeof(dc_usb_device));
    for (xmlNodePtr d = dc_xml_child(usb, "device"); d; d = dc_xml_next(d, "device")) {
        dc_usb_device *o = &h->usb[h->nusb++];
        o->bus = attr_uint(d, "bus", 0);
        o->address = attr_uint(d, "address", 0);
        o->port_path = dc_xml_prop(d, "port");
        o->vendor_id = attr_uint(d, "vendor", 0);
        o->product_id = attr_uint(d, "product", 0);
        o->class_id = attr_uint(d, "class", 0);
        o->speed = dc_xml_prop(d, "speed");
        o->manufacturer = dc_xml_text(dc_xml_child(d, "manufacturer"));
        o->product = dc_xml_text(dc_xml_child(d, "product"));
    }
}

static void json_host(json_object *root, dc_hostinfo *h);

/* A report saved with --format json: the same content, read from json-c. */
static int hostinfo_load_json(const char *path, const char *text, size_t len, dc_hostinfo *ret,
                              char **ret_msg)
{
    _cleanup_free_ char *err = NULL;
    _cleanup_json_ json_object *root = dc_json_parse(text, len, &err);
    if (!root) {
        *ret_msg = xasprintf("%s: malformed JSON: %s", path, err);
        return -EBADMSG;
    }
    if (!dc_json_get_object(root, "cpu") || !dc_json_get_object(root, "topology")) {
        *ret_msg = xasprintf("%s is not a domcaps host report (no \"cpu\" and \"topology\")", path);
        return -EINVAL;
    }
    /* Reports before "schemaVersion" (version 0) read the same; later ones may not. */
    json_object *ver = dc_json_get(root, "schemaVersion");
    if (ver && (!json_object_is_type(ver, json_type_int) || json_object_get_int64(ver) < 0 ||
                json_object_get_int64(ver) > DC_JSON_SCHEMA_VERSION)) {
        *ret_msg = xasprintf("%s: \"schemaVersion\" %s is not one this domcaps reads (up to %d)",
                             path, json_object_to_json_string(ver), DC_JSON_SCHEMA_VERSION);
        return -EINVAL;
    }
    dc_hostinfo h = {0};
    free(take_load_error());
    json_host(root, &h);
    _cleanup_free_ char *bad = take_load_error();
    if (bad) {
        *ret_msg = xasprintf("%s: %s", path, bad);
        dc_hostinfo_clear(&h);
        return -EINVAL;
    }
    *ret = h;
    return 0;
}

int dc_hostinfo_load(const char *path, dc_hostinfo *ret, char **ret_msg)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int rr = dc_read_input_file("", path, DC_XML_MAX_SIZE, &text, &len, ret_msg);
    if (rr < 0)
        return rr;
    /* A UTF-8 byte order mark is not content: JSON and XML both follow it. */
    size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    const char *first = text + skip + strspn(text + skip, " \t\r\n");
    if (*first == '{')
        return hostinfo_load_json(path, text + skip, len - skip, ret, ret_msg);
    _cleanup_xml_ xmlDocPtr doc = NULL;
    int r = dc_xml_parse(path, text, len, &doc, ret_msg);
    if (r < 0)
        return r;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!dc_xml_is(root, "hostReport")) {
        *ret_msg = xasprintf("%s is not a domcaps host report (root element <%s>)", path,
                             (const char *)root->name);
        return -EINVAL;
    }
    dc_hostinfo h = {0};
    free(take_load_error());
    parse_host_cpu(dc_xml_child(root, "cpu"), &h.cpu);
    parse_host_kvm(dc_xml_child(root, "kvm"), &h.kvm);
    parse_host_numa(dc_xml_child(root, "topology"), &h.numa);
    parse_host_pci(dc_xml_child(root, "pci"), &h);
    parse_host_vfio(dc_xml_child(root, "vfio"), &h.vfio);
    parse_host_usb(dc_xml_child(root, "usb"), &h);
    xmlNodePtr drm = dc_xml_child(root, "drm");
    h.render_nodes = drm ? (int)attr_ll(drm, "renderNodes", -1) : -1;
    xmlNodePtr tpm = dc_xml_child(root, "tpm");
    h.tpm_device = tpm ? attr_yes(tpm, "present") : -1;
    parse_host_resources(root, &h);
    xmlNodePtr diags = dc_xml_child(root, "diagnostics");
    size_t n = count_children(diags, "diagnostic");
    h.diags = xcalloc(n ? n : 1, sizeof(dc_diagnostic));
    for (xmlNodePtr d = dc_xml_child(diags, "diagnostic"); d; d = dc_xml_next(d, "diagnostic")) {
        char *probe = dc_xml_prop(d, "probe");
        char *msg = dc_xml_text(d);
        h.diags[h.ndiags++] = (dc_diagnostic){.probe = probe ? probe : xstrdup(""),
                                              .message = msg ? msg : xstrdup("")};
    }
    _cleanup_free_ char *bad = take_load_error();
    if (bad) {
        *ret_msg = xasprintf("%s: %s", path, bad);
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
        if (!load_error)
            load_error = xasprintf("\"%s\": \"%s\" is %s", key, v,
                                   r == -ERANGE ? "out of range" : "not a number");
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
        if (!load_error)
            load_error = xasprintf("\"%s\": %s is %s", key, json_object_to_json_string(v),
                                   json_object_is_type(v, json_type_int) ? "out of range"
                                                                         : "not an integer");
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

static void json_host(json_object *root, dc_hostinfo *h)
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
            if (!o->pages[o->npages - 1].size_kib && !load_error)
                load_error = xstrdup("a \"pages\" entry without a positive \"sizeKiB\"");
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
        if (!pci_address(addr, o) && !load_error)
            load_error = xasprintf("\"%s\" is not a PCI address", addr);
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
