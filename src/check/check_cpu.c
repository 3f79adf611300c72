/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU models and features, vCPU topology, guest NUMA and the memory
 * configuration (units, hotplug, memory devices).
 */
#include "check_internal.h"

#include <ctype.h>
#include <limits.h>
#include <strings.h>

#include "arch.h"
#include "xmlsafe.h"

/* ---- parsing helpers ------------------------------------------------------------ */

/* A non-negative decimal as libvirt's XPath number readers take it: optional blanks around. */
static bool parse_number(const char *s, unsigned long long *ret)
{
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end)
        return false;
    *ret = v;
    return true;
}

/*
 * The scale of a libvirt size unit in bytes, as libvirt's scaled integers
 * read it: b/byte/bytes; k, m, g, t, p, e alone or with "iB" (powers of
 * 1024) or "B" (powers of 1000), any case. 0 for an unknown unit.
 */
static unsigned long long unit_scale(const char *unit, unsigned long long dflt)
{
    if (!unit || !*unit)
        return dflt;
    if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "byte") == 0 ||
        strcasecmp(unit, "bytes") == 0)
        return 1;
    static const char prefixes[] = "kmgtpe";
    const char *p = strchr(prefixes, tolower((unsigned char)unit[0]));
    if (!p || !unit[0])
        return 0;
    unsigned exp = (unsigned)(p - prefixes) + 1;
    unsigned long long base;
    if (!unit[1] || strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (strcasecmp(unit + 1, "B") == 0)
        base = 1000;
    else
        return 0;
    unsigned long long s = 1;
    for (unsigned i = 0; i < exp; i++)
        s *= base;
    return s;
}

typedef enum size_status {
    SIZE_ABSENT,
    SIZE_OK,
    SIZE_BAD, /* a finding was recorded */
} size_status;

/*
 * A size in KiB from a number (element text, or attribute num_attr) and the
 * unit attribute beside it (KiB when absent). Bad numbers and units are
 * findings in libvirt's words; xpath names the value in them.
 */
int dc_chk_parse_size(const char *num, const char *unit, unsigned long long dflt_scale,
                      unsigned long long *ret_kib)
{
    unsigned long long v, scale = unit_scale(unit, dflt_scale);
    if (!parse_number(num, &v))
        return -EINVAL;
    if (!scale)
        return -ENOENT;
    if (v && scale > ULLONG_MAX / v)
        return -ERANGE;
    /* libvirt rounds up to whole KiB */
    *ret_kib = v * scale / 1024 + (v * scale % 1024 != 0);
    return 0;
}

static size_status read_size(chk *c, xmlNodePtr n, const char *num_attr, const char *xpath,
                             unsigned long long *ret_kib)
{
    if (!n)
        return SIZE_ABSENT;
    _cleanup_free_ char *num = num_attr ? dc_xml_prop(n, num_attr) : dc_xml_text(n);
    _cleanup_free_ char *unit = dc_xml_prop(n, "unit");
    if (!num)
        return SIZE_ABSENT;
    int r = dc_chk_parse_size(num, unit, 1024, ret_kib);
    if (r == -EINVAL) {
        dc_chk_finding(c, DC_RULE_MEMORY_CONFIG, DC_SEVERITY_ERROR, n, num_attr, num,
                       "Invalid value '%s' for element or attribute '%s'", num, xpath);
        return SIZE_BAD;
    }
    if (r == -ENOENT) {
        dc_chk_finding(c, DC_RULE_MEMORY_CONFIG, DC_SEVERITY_ERROR, n, "unit", unit,
                       "unknown suffix '%s'", unit);
        return SIZE_BAD;
    }
    if (r == -ERANGE) {
        dc_chk_finding(c, DC_RULE_MEMORY_CONFIG, DC_SEVERITY_ERROR, n, num_attr, num,
                       "value too large: %s%s", num, unit ? unit : "");
        return SIZE_BAD;
    }
    return SIZE_OK;
}

/*
 * A vCPU set of a NUMA cell ("0-3,^2,8") through the one cpulist parser: the
 * ranges, less the ^ exclusions. false when malformed.
 */
static bool parse_vcpu_set(const char *s, bool *set, size_t nset, unsigned *ret_max, bool *ret_any)
{
    bool any = false;
    memset(set, 0, nset * sizeof(bool));
    /* first the inclusions, then the exclusions, whatever their order */
    for (int pass = 0; pass < 2; pass++) {
        _cleanup_free_ char *copy = xstrdup(s);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (isspace((unsigned char)*t))
                t++;
            bool neg = *t == '^';
            if (neg != (pass == 1))
                continue;
            _cleanup_free_ unsigned *ids = NULL;
            size_t n = 0;
            if (dc_cpulist_parse(neg ? t + 1 : t, &ids, &n) < 0 || n == 0)
                return false;
            for (size_t i = 0; i < n; i++) {
                if (ids[i] >= nset)
                    return false;
                set[ids[i]] = !neg;
                any = any || !neg;
            }
        }
    }
    unsigned max = 0;
    bool found = false;
    for (size_t i = 0; i < nset; i++)
        if (set[i]) {
            max = (unsigned)i;
            found = true;
        }
    *ret_max = max;
    *ret_any = found && any;
    return true;
}

/* ---- CPU models and features ------------------------------------------------------ */

/* x86 feature names libvirt 9.0 knows that QEMU 7.2 has no CPU property for. */
static const char *const libvirt_only_features[] = {
    "osxsave", "ospke", "cmt", "pconfig", "mbm_total", "mbm_local", "cvt16",
};

/*
 * Features libvirt 9.0's CPU map gives a model beyond QEMU 7.2's definition
 * of it (QEMU dropped MPX and intel-pt from these models, libvirt kept them).
 */
static const struct {
    const char *model, *feature;
} libvirt_model_extras[] = {
    {"Skylake-Client", "mpx"},
    {"Skylake-Client-IBRS", "mpx"},
    {"Skylake-Client-noTSX-IBRS", "mpx"},
    {"Skylake-Server", "mpx"},
    {"Skylake-Server-IBRS", "mpx"},
    {"Skylake-Server-noTSX-IBRS", "mpx"},
    {"Cascadelake-Server", "mpx"},
    {"Cascadelake-Server-noTSX", "mpx"},
    {"Icelake-Client", "mpx"},
    {"Icelake-Client-noTSX", "mpx"},
    {"Icelake-Server", "mpx"},
    {"Icelake-Server", "intel-pt"},
    {"Icelake-Server-noTSX", "mpx"},
    {"Icelake-Server-noTSX", "intel-pt"},
    {"Opteron_G2", "rdtscp"},
};

/* Feature names compared across spellings: lahf_lm is lahf-lm, sse4_2 is sse4.2. */
static bool same_feature(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' || *a == '.' ? '-' : *a;
        char y = *b == '_' || *b == '.' ? '-' : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static bool strv_has_feature(const dc_strv *sv, const char *f)
{
    for (size_t i = 0; i < sv->n; i++)
        if (same_feature(sv->v[i], f))
            return true;
    return false;
}

static bool words_have_feature(char *const *v, const char *f)
{
    for (; v && *v; v++)
        if (same_feature(*v, f))
            return true;
    return false;
}

/* A name QEMU has a CPU property for (in exactly that spelling, as libvirt matches). */
static bool known_feature(chk *c, const char *f)
{
    if (dc_strv_contains(&c->qemu->cpu_props, f))
        return true;
    for (size_t i = 0; i < ELEMENTSOF(libvirt_only_features); i++)
        if (streq(libvirt_only_features[i], f))
            return true;
    /* libvirt spells some with underscores where QEMU has dashes (and takes both). */
    _cleanup_free_ char *dashed = xstrdup(f);
    for (char *p = dashed; *p; p++)
        if (*p == '_')
            *p = '-';
    return dc_strv_contains(&c->qemu->cpu_props, dashed);
}

/* The host CPU as libvirt compares with it: its CPUID flags and what KVM's host-model adds. */
static bool host_provides(chk *c, const char *f)
{
    if (words_have_feature(c->caps->cpu.host_model.require, f))
        return true;
    return dc_chk_host_cpu_has(c->host, f);
}

static void check_host_features(chk *c, xmlNodePtr model, const char *mname, const dc_strv *want,
                                const dc_strv *off);

/* The domain's features by policy: to require, left off the host comparison, listed as on. */
static void feature_policies(xmlNodePtr cpu, dc_strv *want, dc_strv *off, dc_strv *listed)
{
    for (xmlNodePtr f = dc_xml_child(cpu, "feature"); f; f = dc_xml_next(f, "feature")) {
        _cleanup_free_ char *name = dc_xml_prop(f, "name");
        _cleanup_free_ char *policy = dc_xml_prop(f, "policy");
        if (!name)
            continue;
        if (!policy || !(streq(policy, "disable") || streq(policy, "forbid")))
            dc_strv_add(listed, name);
        if (!policy || streq(policy, "require"))
            dc_strv_add(want, name);
        else if (streq(policy, "disable") || streq(policy, "forbid"))
            dc_strv_add(off, name);
        else if (streq(policy, "force") || streq(policy, "optional"))
            dc_strv_add(off, name); /* not compared with the host */
    }
}

/*
 * check='full': libvirt refuses a guest CPU with features the definition
 * lacks. QEMU sets hypervisor on every model, and KVM adds x2apic.
 */
static void check_full_match(chk *c, xmlNodePtr cpu, const char *check, const dc_qemu_cpuexp *e,
                             const dc_strv *listed)
{
    dc_buf extra = {0};
    static const char *const added[] = {"x2apic", "hypervisor"};
    for (size_t i = 0; i < ELEMENTSOF(added); i++) {
        const char *f = added[i];
        bool in_model = !streq(f, "hypervisor") && dc_strv_contains(&e->features, f);
        if (streq(f, "x2apic") && !c->kvm)
            continue;
        if (!in_model && !strv_has_feature(listed, f))
            dc_buf_addf(&extra, "%s%s", extra.len ? "," : "", f);
    }
    if (extra.len)
        dc_chk_finding(c, DC_RULE_CPU_FEATURE, DC_SEVERITY_ERROR, cpu, "check", check,
                       "guest CPU doesn't match specification: extra features: %s", extra.s);
    dc_buf_clear(&extra);
}

static void rule_cpu_features(chk *c)
{
    xmlNodePtr cpu = dc_xml_child(c->root, "cpu");
    if (!cpu || !c->x86)
        return;
    _cleanup_free_ char *mode = dc_xml_prop(cpu, "mode");
    if (!mode)
        mode = xstrdup("custom");
    if (!streq(mode, "custom") && !streq(mode, "host-model"))
        return;
    if (!c->qemu || !c->qemu->cpu_props.n) {
        dc_chk_skip_rule(c, DC_RULE_CPU_FEATURE,
                         "the capabilities carry no QEMU CPU feature list (save them with "
                         "domcaps --snapshot)");
        return;
    }
    dc_chk_mark(c, DC_RULE_CPU_FEATURE);
    bool unknown = false;
    for (xmlNodePtr f = dc_xml_child(cpu, "feature"); f; f = dc_xml_next(f, "feature")) {
        _cleanup_free_ char *name = dc_xml_prop(f, "name");
        if (name && !known_feature(c, name)) {
            dc_chk_finding(c, DC_RULE_CPU_FEATURE, DC_SEVERITY_ERROR, f, "name", name,
                           "unknown CPU feature: %s", name);
            unknown = true;
        }
    }
    if (unknown || !streq(mode, "custom"))
        return;

    /*
     * check='partial' (libvirt's default for a custom model) under KVM: the
     * model's features and the required ones must be on the host CPU.
     */
    xmlNodePtr model = dc_xml_child(cpu, "model");
    _cleanup_free_ char *mname = dc_xml_text(model);
    _cleanup_free_ char *check = dc_xml_prop(cpu, "check");
    if (!mname || (check && streq(check, "none")))
        return;
    const dc_qemu_cpuexp *e = dc_qemu_model_expansion(&c->qemu->tcg, mname);
    if (!e)
        e = dc_qemu_model_expansion(&c->qemu->kvm, mname);
    _cleanup_strv_ dc_strv want = {0}, off = {0}, listed = {0};
    feature_policies(cpu, &want, &off, &listed);
    for (size_t i = 0; e && i < e->features.n; i++)
        dc_strv_add(&want, e->features.v[i]);
    for (size_t i = 0; e && i < ELEMENTSOF(libvirt_model_extras); i++)
        if (streq(libvirt_model_extras[i].model, mname))
            dc_strv_add(&want, libvirt_model_extras[i].feature);
    if (!c->kvm) {
        /* TCG: nothing is compared with the host */
    } else if (!c->host) {
        dc_chk_skip_rule(c, DC_RULE_CPU_FEATURE, "no host report to compare the CPU model with");
    } else {
        check_host_features(c, model, mname, &want, &off);
    }

    if (check && streq(check, "full") && e)
        check_full_match(c, cpu, check, e, &listed);
}

/* The features of want (less those in off) the host CPU lacks, as libvirt's check='partial'. */
static void check_host_features(chk *c, xmlNodePtr model, const char *mname, const dc_strv *want,
                                const dc_strv *off)
{
    dc_buf lacking = {0};
    _cleanup_strv_ dc_strv seen = {0};
    for (size_t i = 0; i < want->n; i++) {
        const char *f = want->v[i];
        if (strv_has_feature(off, f) || strv_has_feature(&seen, f))
            continue;
        dc_strv_add(&seen, f);
        if (!host_provides(c, f))
            dc_buf_addf(&lacking, "%s%s", lacking.len ? "," : "", f);
    }
    if (lacking.len) {
        dc_chk_finding(c, DC_RULE_CPU_FEATURE, DC_SEVERITY_ERROR, model, NULL, mname,
                       "the CPU is incompatible with host CPU: Host CPU does not provide "
                       "required features: %s",
                       lacking.s);
        dc_chk_hint(c, "use mode='host-model', a model the host runs, or disable those features");
    }
    dc_buf_clear(&lacking);
}

/* On arm virt QEMU takes only the A-profile models it lists for the machine. */
static void rule_arm_virt_model(chk *c)
{
    xmlNodePtr cpu = dc_xml_child(c->root, "cpu");
    xmlNodePtr model = dc_xml_child(cpu, "model");
    _cleanup_free_ char *mode = dc_xml_prop(cpu, "mode");
    _cleanup_free_ char *mname = dc_xml_text(model);
    if (!c->arm_virt || !mname || (mode && !streq(mode, "custom")))
        return;
    static const char *const valid[] = {
        "cortex-a7",  "cortex-a15", "cortex-a35", "cortex-a53",  "cortex-a55", "cortex-a57",
        "cortex-a72", "cortex-a76", "a64fx",      "neoverse-n1", "host",       "max",
    };
    dc_chk_mark(c, DC_RULE_CPU_MODEL);
    for (size_t i = 0; i < ELEMENTSOF(valid); i++)
        if (streq(valid[i], mname))
            return;
    dc_chk_finding(c, DC_RULE_CPU_MODEL, DC_SEVERITY_ERROR, model, NULL, mname,
                   "mach-virt: CPU type %s-arm-cpu not supported", mname);
    dc_chk_hint(c, "machine virt takes cortex-a7, cortex-a15, cortex-a53, cortex-a57, cortex-a72 "
                   "and the other A-profile models QEMU lists for it, or 'max'");
}

/* ---- vCPUs and topology ----------------------------------------------------------- */

#define MAX_VCPU_IDS 16384

typedef struct vcpus {
    xmlNodePtr node;
    unsigned long long max, current;
    bool valid; /* max parsed (or defaulted to 1) */
} vcpus;

static vcpus read_vcpus(chk *c)
{
    vcpus v = {.node = dc_xml_child(c->root, "vcpu"), .max = 1, .current = 1, .valid = true};
    if (!v.node)
        return v;
    _cleanup_free_ char *t = dc_xml_text(v.node);
    _cleanup_free_ char *cur = dc_xml_prop(v.node, "current");
    if (t && !parse_number(t, &v.max))
        v.valid = false; /* vcpu-count reports it */
    v.current = v.max;
    if (cur && !parse_number(cur, &v.current))
        v.current = v.max;
    return v;
}

static bool topo_attr(xmlNodePtr topo, const char *name, unsigned long long *ret)
{
    _cleanup_free_ char *s = dc_xml_prop(topo, name);
    if (!s)
        return false;
    return parse_number(s, ret);
}

static void rule_topology(chk *c, const vcpus *v)
{
    dc_chk_mark(c, DC_RULE_CPU_TOPOLOGY);
    if (!v->valid)
        return;
    if (v->node && v->current > v->max) {
        _cleanup_free_ char *cur = dc_xml_prop(v->node, "current");
        dc_chk_finding(c, DC_RULE_CPU_TOPOLOGY, DC_SEVERITY_ERROR, v->node, "current", cur,
                       "maximum vCPU count must not be less than current vCPU count");
    }

    xmlNodePtr topo = dc_xml_child(dc_xml_child(c->root, "cpu"), "topology");
    if (topo) {
        unsigned long long sockets, dies = 1, cores, threads;
        bool have = topo_attr(topo, "sockets", &sockets) && topo_attr(topo, "cores", &cores) &&
                    topo_attr(topo, "threads", &threads);
        _cleanup_free_ char *dies_s = dc_xml_prop(topo, "dies");
        if (dies_s && !parse_number(dies_s, &dies))
            have = false;
        if (have && sockets && dies && cores && threads) {
            unsigned long long prod = sockets * dies * cores * threads;
            if (prod != v->max) {
                _cleanup_free_ char *p = xasprintf("%llu", prod);
                dc_chk_finding(c, DC_RULE_CPU_TOPOLOGY, DC_SEVERITY_ERROR, topo, NULL, p,
                               "CPU topology doesn't match maximum vcpu count");
                dc_chk_hint(c,
                            "sockets*dies*cores*threads is %llu, <vcpu> is %llu: make them equal",
                            prod, v->max);
            }
        }
        /* QEMU 7.2 has dies on the x86 PC machines only. */
        if (dies_s && dies > 1 && !c->x86)
            dc_chk_finding(c, DC_RULE_CPU_TOPOLOGY, DC_SEVERITY_ERROR, topo, "dies", dies_s,
                           "dies not supported by this machine's CPU topology");
        /* pseries under TCG emulates one thread per core. */
        _cleanup_free_ char *threads_s = dc_xml_prop(topo, "threads");
        if (c->pseries && !c->kvm && have && threads > 1)
            dc_chk_finding(c, DC_RULE_CPU_TOPOLOGY, DC_SEVERITY_ERROR, topo, "threads", threads_s,
                           "TCG cannot support more than 1 thread/core on a pseries machine");
    }

    /* The host's own GIC only exists with KVM. */
    xmlNodePtr gic = dc_xml_child(dc_xml_child(c->root, "features"), "gic");
    _cleanup_free_ char *gv = dc_xml_prop(gic, "version");
    if (c->arm_virt && gv && streq(gv, "host") && !c->kvm)
        dc_chk_finding(c, DC_RULE_CPU_TOPOLOGY, DC_SEVERITY_ERROR, gic, "version", gv,
                       "gic-version=host requires KVM");
}

/* ---- guest NUMA ------------------------------------------------------------------- */

typedef struct numa_cell {
    xmlNodePtr node;
    bool *cpus; /* MAX_VCPU_IDS flags, NULL when the cell names none */
    unsigned long long mem_kib;
    bool mem_ok;
} numa_cell;

typedef struct numa {
    numa_cell *cells;
    size_t n;
    unsigned long long mem_kib; /* sum over the cells */
    bool mem_ok;                /* every cell's memory parsed */
} numa;

static void numa_clear(numa *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->cells[i].cpus);
    free(nm->cells);
    *nm = (numa){0};
}

static void read_numa(chk *c, const vcpus *v, numa *nm)
{
    xmlNodePtr xn = dc_xml_child(dc_xml_child(c->root, "cpu"), "numa");
    size_t n = 0;
    for (xmlNodePtr cell = dc_xml_child(xn, "cell"); cell; cell = dc_xml_next(cell, "cell"))
        n++;
    *nm = (numa){.cells = xcalloc(n ? n : 1, sizeof(numa_cell)), .n = n, .mem_ok = true};
    dc_chk_mark(c, DC_RULE_NUMA);
    size_t i = 0;
    bool reported_beyond = false;
    for (xmlNodePtr cell = dc_xml_child(xn, "cell"); cell; cell = dc_xml_next(cell, "cell"), i++) {
        numa_cell *nc = &nm->cells[i];
        nc->node = cell;
        _cleanup_free_ char *id = dc_xml_prop(cell, "id");
        unsigned long long idv;
        if (id && (!parse_number(id, &idv) || idv != i)) {
            dc_chk_finding(c, DC_RULE_NUMA, DC_SEVERITY_ERROR, cell, "id", id,
                           "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous "
                           "ranges or ranges not starting from 0 are not allowed");
        }
        _cleanup_free_ char *cpus = dc_xml_prop(cell, "cpus");
        if (cpus) {
            nc->cpus = xcalloc(MAX_VCPU_IDS, sizeof(bool));
            unsigned max;
            bool any;
            if (!parse_vcpu_set(cpus, nc->cpus, MAX_VCPU_IDS, &max, &any)) {
                dc_chk_finding(c, DC_RULE_NUMA, DC_SEVERITY_ERROR, cell, "cpus", cpus,
                               "Failed to parse bitmap '%s'", cpus);
                free(nc->cpus);
                nc->cpus = NULL;
            } else if (any && v->valid && max >= v->max && !reported_beyond) {
                dc_chk_finding(c, DC_RULE_NUMA, DC_SEVERITY_ERROR, cell, "cpus", cpus,
                               "Number of CPUs in <numa> exceeds the <vcpu> count");
                dc_chk_hint(c, "vCPU ids run from 0 to %llu", v->max ? v->max - 1 : 0);
                reported_beyond = true;
            }
        }
        _cleanup_free_ char *xp = xasprintf("./cpu/numa/cell[%zu]/@memory", i + 1);
        size_status st = read_size(c, cell, "memory", xp, &nc->mem_kib);
        nc->mem_ok = st == SIZE_OK;
        if (nc->mem_ok)
            nm->mem_kib += nc->mem_kib;
        else
            nm->mem_ok = false;
    }
}

static void rule_numa(chk *c, const numa *nm)
{
    dc_chk_mark(c, DC_RULE_NUMA);
    for (size_t i = 0; i < nm->n; i++) {
        if (!nm->cells[i].cpus)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (!nm->cells[j].cpus)
                continue;
            bool overlap = false;
            for (size_t k = 0; k < MAX_VCPU_IDS && !overlap; k++)
                overlap = nm->cells[i].cpus[k] && nm->cells[j].cpus[k];
            if (overlap) {
                _cleanup_free_ char *cpus = dc_xml_prop(nm->cells[i].node, "cpus");
                dc_chk_finding(c, DC_RULE_NUMA, DC_SEVERITY_ERROR, nm->cells[i].node, "cpus", cpus,
                               "NUMA cells %zu and %zu have overlapping vCPU ids", i, j);
            }
        }
    }
    if (nm->n && c->s390)
        dc_chk_finding(c, DC_RULE_NUMA, DC_SEVERITY_ERROR, nm->cells[0].node, NULL, NULL,
                       "NUMA is not supported by this machine-type");

    /* numatune memnodes name guest cells */
    xmlNodePtr nt = dc_xml_child(c->root, "numatune");
    for (xmlNodePtr mn = dc_xml_child(nt, "memnode"); mn; mn = dc_xml_next(mn, "memnode")) {
        _cleanup_free_ char *cellid = dc_xml_prop(mn, "cellid");
        unsigned long long id;
        if (!nm->n) {
            dc_chk_finding(c, DC_RULE_NUMA, DC_SEVERITY_ERROR, mn, NULL, NULL,
                           "Element 'memnode' is invalid without any guest NUMA cells");
            break;
        }
        if (cellid && parse_number(cellid, &id) && id >= nm->n)
            dc_chk_finding(c, DC_RULE_NUMA, DC_SEVERITY_ERROR, mn, "cellid", cellid,
                           "Argument 'cellid' in memnode element must correspond to existing "
                           "guest's NUMA cell");
    }
}

/* ---- memory size, hotplug and memory devices ----------------------------------- */

static void rule_memory(chk *c, const numa *nm)
{
    dc_chk_mark(c, DC_RULE_MEMORY_CONFIG);
    dc_chk_mark(c, DC_RULE_MEMORY_HOTPLUG);
    unsigned long long mem = 0, cur = 0, maxmem = 0;
    xmlNodePtr mem_n = dc_xml_child(c->root, "memory");
    xmlNodePtr max_n = dc_xml_child(c->root, "maxMemory");
    size_status mem_st = read_size(c, mem_n, NULL, "./memory[1]", &mem);
    read_size(c, dc_xml_child(c->root, "currentMemory"), NULL, "./currentMemory[1]", &cur);
    size_status max_st = read_size(c, max_n, NULL, "./maxMemory[1]", &maxmem);

    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    unsigned long long dev_kib = 0;
    bool dev_ok = true;
    size_t ndimm = 0;
    xmlNodePtr first_dimm = NULL;
    size_t idx = 0;
    for (xmlNodePtr d = dc_xml_child(devices, "memory"); d; d = dc_xml_next(d, "memory")) {
        idx++;
        _cleanup_free_ char *model = dc_xml_prop(d, "model");
        xmlNodePtr size = dc_xml_child(dc_xml_child(d, "target"), "size");
        unsigned long long kib;
        _cleanup_free_ char *xp = xasprintf("./devices/memory[%zu]/target/size[1]", idx);
        size_status st = read_size(c, size, NULL, xp, &kib);
        if (st == SIZE_OK)
            dev_kib += kib;
        else if (st == SIZE_BAD)
            dev_ok = false;
        if (model && (streq(model, "dimm") || streq(model, "nvdimm"))) {
            if (!first_dimm)
                first_dimm = d;
            ndimm++;
        }
        if (model && streq(model, "virtio-pmem"))
            dc_chk_finding(c, DC_RULE_MEMORY_HOTPLUG, DC_SEVERITY_ERROR, d, "model", model,
                           "virtio-pmem memory device info is not handled yet");
    }

    /* The initial memory: the NUMA cells' sum, else <memory> less the memory devices. */
    if (mem_st != SIZE_BAD && nm->mem_ok && dev_ok) {
        if (!nm->n && mem_st == SIZE_OK && mem < dev_kib)
            dc_chk_finding(c, DC_RULE_MEMORY_CONFIG, DC_SEVERITY_ERROR, mem_n, NULL, NULL,
                           "Total size of memory devices exceeds the total memory size");
        else if (nm->n ? nm->mem_kib == 0 : mem_st != SIZE_OK || mem == dev_kib) {
            dc_chk_finding(c, DC_RULE_MEMORY_CONFIG, DC_SEVERITY_ERROR, mem_n ? mem_n : c->root,
                           NULL, NULL,
                           "Memory size must be specified via <memory> or in the <numa> "
                           "configuration");
            if (dev_kib && !nm->n)
                dc_chk_hint(c, "the memory devices take all of <memory>: <memory> includes them");
        }
    }

    bool hotplug = max_st == SIZE_OK;
    if (!hotplug && max_st != SIZE_BAD && ndimm) {
        dc_chk_finding(c, DC_RULE_MEMORY_HOTPLUG, DC_SEVERITY_ERROR, first_dimm, "model", NULL,
                       "cannot use/hotplug a memory device when domain 'maxMemory' is not defined");
        dc_chk_hint(c, "add <maxMemory slots='N' unit='KiB'>...</maxMemory>");
    }
    /* ppc64 guests are fine without; elsewhere QEMU would add a NUMA node silently. */
    if (hotplug && !nm->n && !dc_arch_is_ppc64(c->caps->arch))
        dc_chk_finding(c, DC_RULE_MEMORY_HOTPLUG, DC_SEVERITY_ERROR, max_n, NULL, NULL,
                       "At least one numa node has to be configured when enabling memory hotplug");

    /* A pc-dimm plugs through the machine's ACPI hotplug device. */
    xmlNodePtr acpi = dc_xml_child(dc_xml_child(c->root, "features"), "acpi");
    if (ndimm && hotplug && !acpi && c->arm_virt)
        dc_chk_finding(c, DC_RULE_MEMORY_HOTPLUG, DC_SEVERITY_ERROR, first_dimm, "model", NULL,
                       "memory hotplug is not enabled: missing acpi-ged device");
    else if (ndimm && hotplug && !acpi && (c->pc || c->q35))
        dc_chk_finding(c, DC_RULE_MEMORY_HOTPLUG, DC_SEVERITY_ERROR, first_dimm, "model", NULL,
                       "memory hotplug is not enabled: missing acpi device or acpi disabled");
}

void dc_chk_rule_topology(chk *c)
{
    rule_cpu_features(c);
    rule_arm_virt_model(c);
    vcpus v = read_vcpus(c);
    rule_topology(c, &v);
    numa nm;
    read_numa(c, &v, &nm);
    rule_numa(c, &nm);
    rule_memory(c, &nm);
    numa_clear(&nm);
}
