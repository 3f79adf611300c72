/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A pool's baseline: each host's domainCapabilities for the request,
 * intersected element by element, and the QEMU facts behind them intersected
 * the same way, so that the checker judges a domain against the pool as
 * strictly as against its strictest host. docs/baseline.md has the rules.
 */
#include "baseline.h"

#include <limits.h>

#include "arch.h"
#include "cpu_model.h"
#include "snapshot.h"

/* One host of the pool with what it derived for the request. */
typedef struct member {
    dc_fleet_host *h;
    dc_domcaps *caps;
    const dc_qemu_caps *qc;
    const dc_qemu_accel *a; /* the session serving caps->domain */
} member;

/* ---- small set operations ------------------------------------------------------- */

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keeps the strings of acc that other has, in acc's order. */
static void strv_keep_common(dc_strv *acc, const dc_strv *other)
{
    char **sorted = xcalloc(other->n ? other->n : 1, sizeof(char *));
    if (other->n)
        memcpy(sorted, other->v, other->n * sizeof(char *));
    qsort(sorted, other->n, sizeof(char *), cmp_strp);
    size_t k = 0;
    for (size_t i = 0; i < acc->n; i++) {
        if (bsearch(&acc->v[i], sorted, other->n, sizeof(char *), cmp_strp))
            acc->v[k++] = acc->v[i];
        else
            free(acc->v[i]);
    }
    acc->n = k;
    if (acc->v)
        acc->v[k] = NULL;
    free(sorted);
}

static void strv_copy(dc_strv *dst, const dc_strv *src)
{
    for (size_t i = 0; i < src->n; i++)
        dc_strv_add(dst, src->v[i]);
}

static void strv_union(dc_strv *acc, const dc_strv *other)
{
    for (size_t i = 0; i < other->n; i++)
        dc_strv_add_unique(acc, other->v[i]);
}

/* Replaces *a with NULL unless b holds the same string. */
static void keep_if_same(char **a, const char *b)
{
    if (*a && !streq_ptr(*a, b)) {
        free(*a);
        *a = NULL;
    }
}

static size_t strs_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static bool strs_contains(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (streq(*v, s))
            return true;
    return false;
}

/* Keeps the entries of the NULL-terminated *v that other has. */
static void strs_keep_common(char **v, char *const *other)
{
    size_t k = 0;
    for (size_t i = 0; v && v[i]; i++) {
        if (strs_contains(other, v[i]))
            v[k++] = v[i];
        else
            free(v[i]);
    }
    if (v)
        v[k] = NULL;
}

/* Supported on both only when both say the same; anything else is 'no'. */
static dc_tristate tri_and(dc_tristate a, dc_tristate b) { return a == b ? a : DC_NO; }

/* A value is offered when both offer it; an enum one side does not print offers nothing. */
static void enum_and(dc_enum *a, const dc_enum *b)
{
    a->report = a->report && b->report;
    a->values = a->report ? a->values & b->values : 0;
}

static unsigned min_known(unsigned a, unsigned b)
{
    if (!a || !b)
        return a ? a : b;
    return a < b ? a : b;
}

/* ---- the domainCapabilities document ---------------------------------------------- */

static void os_and(dc_domcaps *acc, const dc_domcaps *o)
{
    acc->os.supported = tri_and(acc->os.supported, o->os.supported);
    enum_and(&acc->os.firmware, &o->os.firmware);
    acc->os.firmware_features = tri_and(acc->os.firmware_features, o->os.firmware_features);
    enum_and(&acc->os.secure_boot, &o->os.secure_boot);
    enum_and(&acc->os.enrolled_keys, &o->os.enrolled_keys);
    acc->os.loader.supported = tri_and(acc->os.loader.supported, o->os.loader.supported);
    /* A loader is offered when it is at the same path on every host. */
    strs_keep_common(acc->os.loader.values, o->os.loader.values);
    enum_and(&acc->os.loader.type, &o->os.loader.type);
    enum_and(&acc->os.loader.readonly, &o->os.loader.readonly);
    enum_and(&acc->os.loader.secure, &o->os.loader.secure);
}

static void blockers_union(dc_cpu_model *m, char *const *other)
{
    dc_strv b = {0};
    for (char **f = m->blockers; f && *f; f++)
        dc_strv_add_take(&b, *f);
    free(m->blockers);
    for (; other && *other; other++)
        dc_strv_add_unique(&b, *other);
    m->blockers = b.v ? b.v : xcalloc(1, sizeof(char *));
}

static void model_and(dc_cpu_model *m, const dc_cpu_model *o)
{
    if (m->usable == DC_USABLE_NO || o->usable == DC_USABLE_NO) {
        if (m->usable != DC_USABLE_NO) {
            dc_strv_freep(&(dc_strv){.v = m->blockers, .n = strs_len(m->blockers)});
            m->blockers = NULL;
        }
        if (o->usable == DC_USABLE_NO)
            blockers_union(m, o->blockers);
        m->usable = DC_USABLE_NO;
    } else if (m->usable != o->usable) {
        m->usable = DC_USABLE_UNKNOWN;
    }
    m->deprecated = m->deprecated || o->deprecated;
    keep_if_same(&m->vendor, o->vendor);
    keep_if_same(&m->canonical, o->canonical);
}

static const dc_cpu_model *find_cpu_model(const dc_domcaps *c, const char *name)
{
    for (size_t i = 0; i < c->cpu.nmodels; i++)
        if (streq(c->cpu.models[i].name, name))
            return &c->cpu.models[i];
    return NULL;
}

static void free_cpu_model(dc_cpu_model *m)
{
    free(m->name);
    free(m->vendor);
    free(m->canonical);
    dc_strv_freep(&(dc_strv){.v = m->blockers, .n = strs_len(m->blockers)});
}

static void cpu_and(dc_domcaps *acc, const dc_domcaps *o)
{
    acc->cpu.host_passthrough = tri_and(acc->cpu.host_passthrough, o->cpu.host_passthrough);
    enum_and(&acc->cpu.host_passthrough_migratable, &o->cpu.host_passthrough_migratable);
    acc->cpu.maximum = tri_and(acc->cpu.maximum, o->cpu.maximum);
    enum_and(&acc->cpu.maximum_migratable, &o->cpu.maximum_migratable);
    /* host-model is computed from the expansions afterwards (host_model_baseline). */
    acc->cpu.custom = tri_and(acc->cpu.custom, o->cpu.custom);
    size_t k = 0;
    for (size_t i = 0; i < acc->cpu.nmodels; i++) {
        dc_cpu_model *m = &acc->cpu.models[i];
        const dc_cpu_model *om = find_cpu_model(o, m->name);
        if (!om) {
            free_cpu_model(m);
            continue;
        }
        model_and(m, om);
        acc->cpu.models[k++] = *m;
    }
    acc->cpu.nmodels = k;
    if (!k)
        acc->cpu.custom = DC_NO;
}

static void devices_and(dc_domcaps *acc, const dc_domcaps *o)
{
    for (unsigned k = 0; k < _DC_DEV_MAX; k++) {
        dc_device *d = &acc->devices[k];
        d->supported = tri_and(d->supported, o->devices[k].supported);
        for (unsigned e = 0; e < dc_device_descs[k].nenums; e++)
            enum_and(&d->enums[e], &o->devices[k].enums[e]);
    }
}

static void sev_and(dc_domcaps *acc, const dc_domcaps *o)
{
    typeof(acc->features.sev) *s = &acc->features.sev;
    const typeof(o->features.sev) *t = &o->features.sev;
    /* A guest is launched for one C-bit position: hosts that differ share no SEV. */
    if (s->supported == DC_YES && (t->supported != DC_YES || s->cbitpos != t->cbitpos ||
                                   s->reduced_phys_bits != t->reduced_phys_bits)) {
        free(s->cpu0_id);
        *s = (typeof(*s)){.supported = DC_NO};
        return;
    }
    s->supported = tri_and(s->supported, t->supported);
    s->max_guests = s->max_guests < t->max_guests ? s->max_guests : t->max_guests;
    s->max_es_guests = s->max_es_guests < t->max_es_guests ? s->max_es_guests : t->max_es_guests;
    keep_if_same(&s->cpu0_id, t->cpu0_id);
}

static void sgx_and(dc_domcaps *acc, const dc_domcaps *o)
{
    typeof(acc->features.sgx) *s = &acc->features.sgx;
    const typeof(o->features.sgx) *t = &o->features.sgx;
    s->supported = tri_and(s->supported, t->supported);
    if (s->supported != DC_YES) {
        free(s->sections);
        *s = (typeof(*s)){.supported = s->supported};
        return;
    }
    s->flc = s->flc && t->flc;
    s->sgx1 = s->sgx1 && t->sgx1;
    s->sgx2 = s->sgx2 && t->sgx2;
    if (t->section_size_kib < s->section_size_kib)
        s->section_size_kib = t->section_size_kib;
    /* EPC sections on the NUMA nodes every host has one on, the smallest size. */
    size_t k = 0;
    for (size_t i = 0; i < s->nsections; i++)
        for (size_t j = 0; j < t->nsections; j++)
            if (t->sections[j].node == s->sections[i].node) {
                s->sections[k] = s->sections[i];
                if (t->sections[j].size_kib < s->sections[k].size_kib)
                    s->sections[k].size_kib = t->sections[j].size_kib;
                k++;
                break;
            }
    s->nsections = k;
}

/* Whether KVM lists enlightenments (more than the two QEMU always offers). */
static bool hyperv_listed(const dc_domcaps *c)
{
    uint32_t always = (UINT32_C(1) << DC_HV_SPINLOCKS) | (UINT32_C(1) << DC_HV_VENDOR_ID);
    return c->features.hyperv.supported == DC_YES && (c->features.hyperv.features.values & ~always);
}

/*
 * The checker judges enlightenments against the list where KVM has one, and
 * where it has none refuses those whose MSRs QEMU programs (vpindex, vapic,
 * synic, reenlightenment). A pool mixing both takes the lists of the hosts
 * that have one, less those four; a host without Hyper-V (supported='no') is
 * not judged on them and restricts nothing.
 */
static void hyperv_and(dc_domcaps *acc, const dc_domcaps *o)
{
    typeof(acc->features.hyperv) *h = &acc->features.hyperv;
    const typeof(o->features.hyperv) *t = &o->features.hyperv;
    if (t->supported != DC_YES)
        return;
    if (h->supported != DC_YES) {
        *h = *t;
        return;
    }
    bool mixed = hyperv_listed(acc) != hyperv_listed(o);
    if (mixed && !hyperv_listed(acc))
        h->features = t->features;
    else if (!mixed)
        enum_and(&h->features, &t->features);
    if (mixed)
        h->features.values &=
            ~((UINT32_C(1) << DC_HV_VPINDEX) | (UINT32_C(1) << DC_HV_VAPIC) |
              (UINT32_C(1) << DC_HV_SYNIC) | (UINT32_C(1) << DC_HV_REENLIGHTENMENT));
}

static void features_and(dc_domcaps *acc, const dc_domcaps *o)
{
    acc->features.gic = tri_and(acc->features.gic, o->features.gic);
    enum_and(&acc->features.gic_version, &o->features.gic_version);
    for (unsigned i = 0; i < _DC_FEAT_MAX; i++)
        acc->features.simple[i] = tri_and(acc->features.simple[i], o->features.simple[i]);
    sev_and(acc, o);
    sgx_and(acc, o);
    hyperv_and(acc, o);
    acc->features.launch_security.supported =
        tri_and(acc->features.launch_security.supported, o->features.launch_security.supported);
    enum_and(&acc->features.launch_security.sectype, &o->features.launch_security.sectype);
}

/* What both documents offer, into acc. The machine and path are settled by the caller. */
static void domcaps_and(dc_domcaps *acc, const dc_domcaps *o)
{
    if (o->vcpu_max < acc->vcpu_max)
        acc->vcpu_max = o->vcpu_max;
    acc->iothreads = tri_and(acc->iothreads, o->iothreads);
    os_and(acc, o);
    cpu_and(acc, o);
    acc->memory_backing.supported =
        tri_and(acc->memory_backing.supported, o->memory_backing.supported);
    enum_and(&acc->memory_backing.source_type, &o->memory_backing.source_type);
    devices_and(acc, o);
    features_and(acc, o);
}

/* After every host: an element left with nothing to offer says so. */
static void domcaps_settle(dc_domcaps *c)
{
    if (c->features.gic == DC_YES && !c->features.gic_version.values)
        c->features.gic = DC_NO;
    if (c->features.hyperv.supported == DC_YES && !c->features.hyperv.features.values)
        c->features.hyperv.supported = DC_NO;
    if (c->features.launch_security.supported == DC_YES &&
        !c->features.launch_security.sectype.values)
        c->features.launch_security.supported = DC_NO;
    if (c->devices[DC_DEV_TPM].supported == DC_YES && !c->devices[DC_DEV_TPM].enums[0].values)
        c->devices[DC_DEV_TPM].supported = DC_NO;
    for (char **w = c->warnings; w && *w; w++)
        free(*w);
    free(c->warnings);
    c->warnings = NULL;
}

/* ---- the QEMU facts -------------------------------------------------------------- */

static const dc_qemu_machine *machine_named(const dc_qemu_accel *a, const char *name)
{
    for (size_t i = 0; a && i < a->nmachines; i++)
        if (streq(a->machines[i].name, name))
            return &a->machines[i];
    return NULL;
}

static int acpi_and(int a, int b) { return a == b ? a : (a == 0 || b == 0) ? 0 : -1; }

static void machine_copy(dc_qemu_machine *dst, const dc_qemu_machine *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->alias = src->alias ? xstrdup(src->alias) : NULL;
    dst->default_cpu_type = src->default_cpu_type ? xstrdup(src->default_cpu_type) : NULL;
}

static void machine_and(dc_qemu_machine *m, const dc_qemu_machine *o)
{
    if (o->cpu_max < m->cpu_max)
        m->cpu_max = o->cpu_max;
    keep_if_same(&m->alias, o->alias);
    keep_if_same(&m->default_cpu_type, o->default_cpu_type);
    m->is_default = m->is_default && o->is_default;
    m->deprecated = m->deprecated || o->deprecated;
    m->acpi = acpi_and(m->acpi, o->acpi);
}

/*
 * The machines every host has under the same name. When the baseline's
 * machine is an alias naming different machines on the hosts, the alias is
 * listed as a machine of its own (the smallest vCPU limit of what it names).
 */
static void machines_and(dc_qemu_accel *out, const member *ms, size_t n, const char *machine,
                         char *const *resolved)
{
    const dc_qemu_accel *first = ms[0].a;
    out->machines = xcalloc(first->nmachines + 1, sizeof(dc_qemu_machine));
    for (size_t i = 0; i < first->nmachines; i++) {
        dc_qemu_machine m;
        machine_copy(&m, &first->machines[i]);
        bool everywhere = true;
        for (size_t j = 1; j < n && everywhere; j++) {
            const dc_qemu_machine *o = machine_named(ms[j].a, m.name);
            if (o)
                machine_and(&m, o);
            everywhere = o != NULL;
        }
        if (everywhere)
            out->machines[out->nmachines++] = m;
        else {
            free(m.name);
            free(m.alias);
            free(m.default_cpu_type);
        }
    }
    if (machine_named(out, machine))
        return;
    dc_qemu_machine *alias = &out->machines[out->nmachines++];
    *alias = (dc_qemu_machine){.name = xstrdup(machine), .acpi = 1, .cpu_max = UINT_MAX};
    for (size_t j = 0; j < n; j++) {
        const dc_qemu_machine *o = machine_named(ms[j].a, resolved[j]);
        if (o) {
            alias->cpu_max = o->cpu_max < alias->cpu_max ? o->cpu_max : alias->cpu_max;
            alias->acpi = acpi_and(alias->acpi, o->acpi);
        }
    }
}

static const dc_qemu_cpudef *cpudef_named(const dc_qemu_accel *a, const char *name)
{
    for (size_t i = 0; i < a->ncpus; i++)
        if (streq(a->cpus[i].name, name))
            return &a->cpus[i];
    return NULL;
}

static int usable_and(int a, int b) { return a == 0 || b == 0 ? 0 : a == b ? a : -1; }

/* The CPU models every host has, usable only where usable on all. */
static void cpudefs_and(dc_qemu_accel *out, const member *ms, size_t n)
{
    const dc_qemu_accel *first = ms[0].a;
    out->have_cpu_defs = true;
    out->cpus = xcalloc(first->ncpus ? first->ncpus : 1, sizeof(dc_qemu_cpudef));
    for (size_t i = 0; i < first->ncpus; i++) {
        const dc_qemu_cpudef *d = &first->cpus[i];
        dc_qemu_cpudef m = {
            .name = xstrdup(d->name), .deprecated = d->deprecated, .usable = d->usable};
        m.alias_of = d->alias_of ? xstrdup(d->alias_of) : NULL;
        m.typename = d->typename ? xstrdup(d->typename) : NULL;
        m.vendor = d->vendor ? xstrdup(d->vendor) : NULL;
        strv_copy(&m.unavailable, &d->unavailable);
        bool everywhere = true;
        for (size_t j = 1; j < n && everywhere; j++) {
            const dc_qemu_cpudef *o = cpudef_named(ms[j].a, d->name);
            everywhere = o != NULL;
            if (!o)
                break;
            m.usable = usable_and(m.usable, o->usable);
            m.deprecated = m.deprecated || o->deprecated;
            keep_if_same(&m.alias_of, o->alias_of);
            keep_if_same(&m.typename, o->typename);
            keep_if_same(&m.vendor, o->vendor);
            strv_union(&m.unavailable, &o->unavailable);
        }
        if (!everywhere) {
            free(m.name), free(m.alias_of), free(m.typename), free(m.vendor);
            dc_strv_clear(&m.unavailable);
            continue;
        }
        dc_strv_sort(&m.unavailable);
        out->cpus[out->ncpus++] = m;
    }
    for (size_t j = 0; j < n; j++)
        out->have_cpu_defs = out->have_cpu_defs && ms[j].a->have_cpu_defs;
}

/* The session whose per-model expansions are QEMU's own definitions (TCG's), else a. */
static const dc_qemu_accel *definitions(const member *m)
{
    const dc_qemu_accel *t = dc_qemu_accel_for(m->qc, false);
    return t && t->nmodels ? t : m->a;
}

/*
 * The per-model expansions the checker compares a custom model with: every
 * model any host defines, with the features of its definition on any host
 * (the checker wants them all on the host CPU, so more is stricter), in the
 * first host's order.
 */
static void models_union(dc_qemu_accel *out, const member *ms, size_t n)
{
    dc_strv names = {0};
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < definitions(&ms[j])->nmodels; i++)
            dc_strv_add_unique(&names, definitions(&ms[j])->models[i].name);
    out->models = xcalloc(names.n ? names.n : 1, sizeof(dc_qemu_cpuexp));
    for (size_t i = 0; i < names.n; i++) {
        dc_qemu_cpuexp *e = &out->models[out->nmodels++];
        e->name = xstrdup(names.v[i]);
        bool first = true;
        for (size_t j = 0; j < n; j++) {
            const dc_qemu_cpuexp *o = dc_qemu_model_expansion(definitions(&ms[j]), e->name);
            if (!o)
                continue;
            strv_union(&e->features, &o->features);
            if (first)
                e->vendor = o->vendor ? xstrdup(o->vendor) : NULL;
            else
                keep_if_same(&e->vendor, o->vendor);
            first = false;
        }
        dc_strv_sort(&e->features);
    }
    dc_strv_clear(&names);
}

/* The common part of lists some hosts may not know (empty): over the hosts that know. */
#define KNOWN_AND(out, ms, n, field)                                                               \
    do {                                                                                           \
        bool started_ = false;                                                                     \
        for (size_t j_ = 0; j_ < (n); j_++) {                                                      \
            if (!(ms)[j_].qc->field.n)                                                             \
                continue;                                                                          \
            if (!started_)                                                                         \
                strv_copy(&(out)->field, &(ms)[j_].qc->field);                                     \
            else                                                                                   \
                strv_keep_common(&(out)->field, &(ms)[j_].qc->field);                              \
            started_ = true;                                                                       \
        }                                                                                          \
    } while (0)

/* Pairs (canonical, alias) every host has. */
static void aliases_and(dc_qemu_caps *out, const member *ms, size_t n)
{
    const dc_strv *f = &ms[0].qc->feature_aliases;
    for (size_t i = 0; i + 1 < f->n; i += 2) {
        bool everywhere = true;
        for (size_t j = 1; j < n && everywhere; j++) {
            const dc_strv *o = &ms[j].qc->feature_aliases;
            bool found = false;
            for (size_t k = 0; k + 1 < o->n && !found; k += 2)
                found = streq(o->v[k], f->v[i]) && streq(o->v[k + 1], f->v[i + 1]);
            everywhere = found;
        }
        if (everywhere) {
            dc_strv_add(&out->feature_aliases, f->v[i]);
            dc_strv_add(&out->feature_aliases, f->v[i + 1]);
        }
    }
}

static bool version_less(const dc_qemu_caps *a, const dc_qemu_caps *b)
{
    if (a->version_major != b->version_major)
        return a->version_major < b->version_major;
    if (a->version_minor != b->version_minor)
        return a->version_minor < b->version_minor;
    return a->version_micro < b->version_micro;
}

/* Flags, limits and secure-guest facts: true only when true on every host. */
static void qemu_flags_and(dc_qemu_caps *out, const dc_qemu_caps *o)
{
    out->kvm_enabled = out->kvm_enabled && o->kvm_enabled;
    out->schema_sdl = out->schema_sdl && o->schema_sdl;
    out->schema_egl_headless = out->schema_egl_headless && o->schema_egl_headless;
    out->schema_dbus = out->schema_dbus && o->schema_dbus;
    out->schema_netdev_user = out->schema_netdev_user && o->schema_netdev_user;
    out->schema_netdev_stream = out->schema_netdev_stream && o->schema_netdev_stream;
    out->schema_vdagent = out->schema_vdagent && o->schema_vdagent;
    out->cl_spice = out->cl_spice && o->cl_spice;
    out->cl_async_teardown = out->cl_async_teardown && o->cl_async_teardown;
    out->max_cpu_migratable = out->max_cpu_migratable && o->max_cpu_migratable;
    out->none_machine_cgs = out->none_machine_cgs && o->none_machine_cgs;
    out->pc_machine_i8042 = out->pc_machine_i8042 && o->pc_machine_i8042;
    out->memfd_hugetlb = out->memfd_hugetlb && o->memfd_hugetlb;
    out->gic_valid = out->gic_valid && o->gic_valid;
    out->gic_kernel &= o->gic_kernel;
    out->gic_emulated &= o->gic_emulated;
    out->sev_valid = out->sev_valid && o->sev_valid && out->sev_cbitpos == o->sev_cbitpos &&
                     out->sev_reduced_phys_bits == o->sev_reduced_phys_bits;
    keep_if_same(&out->sev_cpu0_id, o->sev_cpu0_id);
    out->sgx_valid = out->sgx_valid && o->sgx_valid;
    out->sgx_flc = out->sgx_flc && o->sgx_flc;
    out->sgx_sgx1 = out->sgx_sgx1 && o->sgx_sgx1;
    out->sgx_sgx2 = out->sgx_sgx2 && o->sgx_sgx2;
    if (o->sgx_section_size < out->sgx_section_size)
        out->sgx_section_size = o->sgx_section_size;
    if (version_less(o, out)) {
        out->version_major = o->version_major;
        out->version_minor = o->version_minor;
        out->version_micro = o->version_micro;
    }
}

/* The first host's scalar facts, before the others are folded in. */
static dc_qemu_caps *qemu_start(const dc_qemu_caps *f, const dc_domcaps *caps)
{
    dc_qemu_caps *out = xcalloc(1, sizeof(*out));
    out->binary = xstrdup(caps->path);
    out->target = xstrdup(f->target);
    out->arch = xstrdup(f->arch);
    out->version_major = f->version_major;
    out->version_minor = f->version_minor;
    out->version_micro = f->version_micro;
    out->sev_cbitpos = f->sev_cbitpos;
    out->sev_reduced_phys_bits = f->sev_reduced_phys_bits;
    out->sev_cpu0_id = f->sev_cpu0_id ? xstrdup(f->sev_cpu0_id) : NULL;
    out->sgx_section_size = f->sgx_section_size;
    out->have_tpm_query = f->have_tpm_query;
    out->kvm_enabled = out->schema_sdl = out->schema_egl_headless = out->schema_dbus = true;
    out->schema_netdev_user = out->schema_netdev_stream = out->schema_vdagent = true;
    out->cl_spice = out->cl_async_teardown = out->max_cpu_migratable = true;
    out->none_machine_cgs = out->pc_machine_i8042 = out->memfd_hugetlb = true;
    out->gic_valid = out->sev_valid = out->sgx_valid = true;
    out->sgx_flc = out->sgx_sgx1 = out->sgx_sgx2 = true;
    out->gic_kernel = out->gic_emulated = ~0u;
    return out;
}

static void lists_and(dc_qemu_caps *out, const member *ms, size_t n)
{
    strv_copy(&out->types, &ms[0].qc->types);
    strv_copy(&out->commands, &ms[0].qc->commands);
    strv_copy(&out->tpm_models, &ms[0].qc->tpm_models);
    strv_copy(&out->tpm_types, &ms[0].qc->tpm_types);
    for (size_t j = 1; j < n; j++) {
        strv_keep_common(&out->types, &ms[j].qc->types);
        strv_keep_common(&out->commands, &ms[j].qc->commands);
        strv_keep_common(&out->tpm_models, &ms[j].qc->tpm_models);
        strv_keep_common(&out->tpm_types, &ms[j].qc->tpm_types);
        out->have_tpm_query = out->have_tpm_query && ms[j].qc->have_tpm_query;
    }
    KNOWN_AND(out, ms, n, pci_types);
    KNOWN_AND(out, ms, n, cpu_props);
    /* A PCI type is one only where QEMU has the type at all. */
    strv_keep_common(&out->pci_types, &out->types);
    dc_strv_sort(&out->types);
    dc_strv_sort(&out->pci_types);
    dc_strv_sort(&out->commands);
    dc_strv_sort(&out->cpu_props);
    aliases_and(out, ms, n);
}

static void accel_and(dc_qemu_accel *out, const member *ms, size_t n, const char *machine,
                      char *const *resolved)
{
    out->probed = true;
    machines_and(out, ms, n, machine, resolved);
    cpudefs_and(out, ms, n);
    out->hyperv_valid = true;
    strv_copy(&out->hyperv, &ms[0].a->hyperv);
    out->phys_bits = ms[0].a->phys_bits;
    for (size_t j = 0; j < n; j++) {
        out->hyperv_valid = out->hyperv_valid && ms[j].a->hyperv_valid;
        if (j)
            strv_keep_common(&out->hyperv, &ms[j].a->hyperv);
        out->phys_bits = min_known(out->phys_bits, ms[j].a->phys_bits);
    }
}

static dc_qemu_caps *qemu_and(const member *ms, size_t n, const dc_domcaps *caps, bool kvm,
                              char *const *resolved)
{
    dc_qemu_caps *out = qemu_start(ms[0].qc, caps);
    for (size_t j = 0; j < n; j++)
        qemu_flags_and(out, ms[j].qc);
    if (!out->sgx_valid)
        out->sgx_section_size = 0;
    lists_and(out, ms, n);
    accel_and(kvm ? &out->kvm : &out->tcg, ms, n, caps->machine, resolved);
    /* The checker reads the models' definitions from the TCG slot, whichever accel. */
    models_union(&out->tcg, ms, n);
    return out;
}

/* ---- host-model: the named model all hosts run, plus what they all have beyond it ---- */

/* The CPUID vendor a model has of its own, as the probe finds it (its TCG expansion). */
static const char *own_vendor(const member *m, const char *name)
{
    return dc_qemu_model_vendor(m->qc, m->a, name);
}

/* The features every host's CPU has (its host or max expansion), the vendor if common. */
static void common_host_cpu(const member *ms, size_t n, dc_qemu_cpuexp *out)
{
    out->name = xstrdup(ms[0].a->host.name);
    out->vendor = ms[0].a->host.vendor ? xstrdup(ms[0].a->host.vendor) : NULL;
    strv_copy(&out->features, &ms[0].a->host.features);
    for (size_t j = 1; j < n; j++) {
        keep_if_same(&out->vendor, ms[j].a->host.vendor);
        strv_keep_common(&out->features, &ms[j].a->host.features);
    }
    dc_strv_sort(&out->features);
}

/* The models every host expanded, with the features they have on every host. */
static size_t common_models(const member *ms, size_t n, dc_qemu_cpuexp **ret, char ***ret_own)
{
    const dc_qemu_accel *first = ms[0].a;
    dc_qemu_cpuexp *models = xcalloc(first->nmodels ? first->nmodels : 1, sizeof(*models));
    char **own = xcalloc(first->nmodels ? first->nmodels : 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < first->nmodels; i++) {
        const char *name = first->models[i].name;
        bool everywhere = true;
        for (size_t j = 1; j < n && everywhere; j++)
            everywhere = dc_qemu_model_expansion(ms[j].a, name) != NULL;
        if (!everywhere)
            continue;
        dc_qemu_cpuexp *e = &models[k];
        e->name = xstrdup(name);
        strv_copy(&e->features, &first->models[i].features);
        const char *v = own_vendor(&ms[0], name);
        own[k] = v ? xstrdup(v) : NULL;
        for (size_t j = 1; j < n; j++) {
            strv_keep_common(&e->features, &dc_qemu_model_expansion(ms[j].a, name)->features);
            keep_if_same(&own[k], own_vendor(&ms[j], name));
        }
        dc_strv_sort(&e->features);
        k++;
    }
    *ret = models;
    *ret_own = own;
    return k;
}

static void cpuexp_clear(dc_qemu_cpuexp *e)
{
    free(e->name);
    free(e->vendor);
    dc_strv_clear(&e->features);
}

static bool features_within(const dc_strv *model, const dc_strv *cpu)
{
    for (size_t i = 0; i < model->n; i++)
        if (!dc_strv_contains(cpu, model->v[i]))
            return false;
    return true;
}

/*
 * Moves the models whose every feature the common CPU has to the front and
 * returns how many there are: among them the closest is the one with the
 * most features, and nothing needs disabling on any host.
 */
static size_t prefer_whole_models(const dc_qemu_cpuexp *common, dc_qemu_cpuexp *models, char **own,
                                  size_t k)
{
    dc_qemu_cpuexp *m = xcalloc(k ? k : 1, sizeof(*m));
    char **o = xcalloc(k ? k : 1, sizeof(char *));
    size_t w = 0, rest = 0;
    /* Stable: the models keep their order within each part. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < k; i++)
            if (features_within(&models[i].features, &common->features) == (pass == 0)) {
                m[w + rest] = models[i];
                o[w + rest] = own[i];
                pass == 0 ? w++ : rest++;
            }
    if (k) {
        memcpy(models, m, k * sizeof(*m));
        memcpy(own, o, k * sizeof(char *));
    }
    free(m);
    free(o);
    return w;
}

/*
 * Without per-model expansions on some host: named after the model the
 * first host's host-model names when every host can use it, every common
 * feature required, what the model lacks on any host disabled.
 */
static void host_model_fallback(const member *ms, size_t n, const dc_domcaps *caps,
                                const char *name, const dc_qemu_cpuexp *common,
                                const dc_strv *aliases, dc_host_model *out)
{
    const dc_cpu_model *m = name ? find_cpu_model(caps, name) : NULL;
    if (!m || m->usable == DC_USABLE_NO) {
        out->supported = DC_NO;
        return;
    }
    _cleanup_strv_ dc_strv unavailable = {0};
    for (size_t j = 0; j < n; j++) {
        const dc_qemu_cpudef *d = cpudef_named(ms[j].a, name);
        if (d)
            strv_union(&unavailable, &d->unavailable);
    }
    dc_cpu_host_model_fallback(common, name, &unavailable, aliases, out);
}

static void host_model_baseline(const member *ms, size_t n, dc_domcaps *caps, dc_qemu_caps *qc,
                                bool kvm)
{
    dc_host_model *hm = &caps->cpu.host_model;
    dc_tristate sup = ms[0].caps->cpu.host_model.supported;
    bool with_models = true;
    unsigned limit = 0;
    bool allow = true;
    for (size_t j = 0; j < n; j++) {
        const dc_host_model *h = &ms[j].caps->cpu.host_model;
        sup = tri_and(sup, h->supported);
        with_models = with_models && ms[j].a->nmodels;
        limit = min_known(limit, h->maxphysaddr_limit);
        allow = allow && h->fallback_allow;
    }
    _cleanup_free_ char *first_model = hm->model ? xstrdup(hm->model) : NULL;
    dc_host_model_clear(hm);
    hm->supported = sup;
    if (sup != DC_YES)
        return;
    dc_qemu_cpuexp common = {0};
    common_host_cpu(ms, n, &common);
    dc_qemu_cpuexp *models = NULL;
    char **own = NULL;
    size_t k = with_models ? common_models(ms, n, &models, &own) : 0;
    size_t whole = prefer_whole_models(&common, models, own, k);
    if (whole)
        dc_cpu_host_model(&common, models, (const char *const *)own, whole, &qc->feature_aliases,
                          hm);
    else if (k)
        dc_cpu_host_model(&common, models, (const char *const *)own, k, &qc->feature_aliases, hm);
    if (!k || hm->supported != DC_YES) {
        dc_host_model_clear(hm);
        host_model_fallback(ms, n, caps, first_model, &common, &qc->feature_aliases, hm);
    }
    for (size_t i = 0; i < k; i++) {
        cpuexp_clear(&models[i]);
        free(own[i]);
    }
    free(models);
    free(own);
    hm->maxphysaddr_limit = hm->supported == DC_YES ? limit : 0;
    hm->fallback_allow = allow;
    dc_qemu_accel *a = kvm ? &qc->kvm : &qc->tcg;
    a->host = common;
    dc_host_model_copy(&a->host_model, hm);
}

/* ---- the common host part ---------------------------------------------------------- */

static int tri_int_and(int a, int b) { return a == 0 || b == 0 ? 0 : a == b ? a : -1; }

static void hostcpu_and(dc_hostcpu *out, const dc_hostcpu *c, bool first, dc_strv *flags,
                        bool *flags_known)
{
    /* Flags are compared only where known: a host without them judges none. */
    dc_strv f = {.v = c->flags, .n = strs_len(c->flags)};
    if (f.n && !*flags_known)
        strv_copy(flags, &f);
    else if (f.n)
        strv_keep_common(flags, &f);
    *flags_known = *flags_known || f.n;
    if (first) {
        out->arch = c->arch ? xstrdup(c->arch) : NULL;
        out->vendor = c->vendor ? xstrdup(c->vendor) : NULL;
        out->phys_bits = c->phys_bits;
        out->vmx = c->vmx;
        out->svm = c->svm;
        return;
    }
    keep_if_same(&out->arch, c->arch);
    keep_if_same(&out->vendor, c->vendor);
    out->phys_bits = min_known(out->phys_bits, c->phys_bits);
    out->vmx = out->vmx && c->vmx;
    out->svm = out->svm && c->svm;
}

static void hostkvm_and(dc_hostkvm *out, const dc_hostkvm *k, bool first)
{
    if (first) {
        *out = *k;
        out->reason = k->reason ? xstrdup(k->reason) : NULL;
        out->module = k->module ? xstrdup(k->module) : NULL;
        return;
    }
    /* One reason, the same whatever the order of the hosts. */
    if (k->reason && !k->usable && (!out->reason || strcmp(k->reason, out->reason) < 0)) {
        free(out->reason);
        out->reason = xstrdup(k->reason);
    }
    out->exists = out->exists && k->exists;
    out->usable = out->usable && k->usable;
    out->api_version = out->api_version < k->api_version ? out->api_version : k->api_version;
    out->max_vcpus = min_known(out->max_vcpus, k->max_vcpus);
    keep_if_same(&out->module, k->module);
    out->nested = out->nested && k->nested;
    out->smm = tri_int_and(out->smm, k->smm);
    out->sev = out->sev && k->sev;
    out->sev_es = out->sev_es && k->sev_es;
    out->sev_snp = out->sev_snp && k->sev_snp;
    out->tdx = out->tdx && k->tdx;
    out->s390_pv = out->s390_pv && k->s390_pv;
}

/*
 * The CPU and KVM every host has. The inventory is left unknown: a pool has
 * no common PCI device, free hugepage or bridge; those are judged per host.
 */
static void host_and(member *ms, size_t n, dc_hostinfo *out)
{
    *out = (dc_hostinfo){
        .cpu = {.family = -1, .model = -1, .stepping = -1},
        .vfio = {.mdev = -1},
        .render_nodes = -1,
        .tpm_device = -1,
        .devnodes = {-1, -1, -1, -1},
        .tsc_scaling = -1,
        .smbios = -1,
        .dmidecode = -1,
        .numad = -1,
    };
    dc_strv flags = {0};
    bool flags_known = false;
    for (size_t j = 0; j < n; j++) {
        const dc_host *h = dc_fleet_host_probes(ms[j].h, DC_FLEET_FOR_CHECK);
        hostcpu_and(&out->cpu, &h->info.cpu, j == 0, &flags, &flags_known);
        hostkvm_and(&out->kvm, &h->info.kvm, j == 0);
    }
    dc_strv_sort(&flags);
    /* NULL: no host knows its flags (a report read back says none, which is stricter). */
    out->cpu.flags = flags_known ? (flags.v ? flags.v : xcalloc(1, sizeof(char *))) : NULL;
    out->numa.cells = xcalloc(1, sizeof(dc_numa_cell));
    out->pci = xcalloc(1, sizeof(dc_pci_device));
    out->usb = xcalloc(1, sizeof(dc_usb_device));
    out->ifaces = xcalloc(1, sizeof(dc_hostnet));
    out->vfio.groups = xcalloc(1, sizeof(dc_iommu_group));
    out->diags = xcalloc(1, sizeof(dc_diagnostic));
    out->diags[out->ndiags++] = (dc_diagnostic){
        .probe = xstrdup("baseline"),
        .message = xstrdup("the common CPU and KVM of a pool; NUMA, PCI, USB, device nodes, "
                           "interfaces and files are judged per host"),
    };
}

/* ---- the pool ------------------------------------------------------------------------ */

static void members_free(member *ms, size_t n)
{
    for (size_t j = 0; ms && j < n; j++)
        dc_domcaps_free(ms[j].caps);
    free(ms);
}

static int derive_all(dc_fleet_host **hosts, size_t n, const dc_request *req, member *ms,
                      dc_error *err)
{
    for (size_t j = 0; j < n; j++) {
        ms[j].h = hosts[j];
        int r = dc_fleet_host_derive(hosts[j], req, &ms[j].caps, &ms[j].qc, err);
        if (r < 0)
            return r;
        ms[j].a = dc_qemu_accel_for(ms[j].qc, streq(ms[j].caps->domain, "kvm"));
    }
    return 0;
}

static char *host_list(const member *ms, size_t n, const char *(*what)(const member *))
{
    dc_buf b = {0};
    for (size_t j = 0; j < n; j++)
        dc_buf_addf(&b, "%s%s (%s)", j ? ", " : "", ms[j].h->name, what(&ms[j]));
    return dc_buf_steal(&b);
}

static const char *what_machine(const member *m) { return m->caps->machine; }

/* Hosts of different arches, or guests of different arches: one request cannot span them. */
static int check_arches(dc_fleet_host **hosts, size_t n, dc_error *err)
{
    for (size_t j = 1; j < n; j++) {
        const char *a = hosts[0]->arch, *b = hosts[j]->arch;
        if (a && b && !streq(a, b)) {
            dc_buf l = {0};
            for (size_t i = 0; i < n; i++)
                dc_buf_addf(&l, "%s%s (%s)", i ? ", " : "", hosts[i]->name,
                            hosts[i]->arch ? hosts[i]->arch : "unknown");
            dc_error_set(err, -EINVAL,
                         "the pool mixes host architectures: %s; a baseline is for "
                         "hosts of one architecture",
                         l.s);
            dc_buf_clear(&l);
            return -EINVAL;
        }
    }
    return 0;
}

/*
 * The name the baseline gives the machine: the common name, else the alias
 * the request (or the arch's preferred machine) named on every host.
 */
static int settle_machine(const member *ms, size_t n, const dc_request *req, char **ret,
                          dc_error *err)
{
    bool same = true;
    for (size_t j = 1; j < n; j++)
        same = same && streq(ms[j].caps->machine, ms[0].caps->machine);
    if (same) {
        *ret = xstrdup(ms[0].caps->machine);
        return 0;
    }
    const char *alias = req->machine ? req->machine : dc_arch_preferred_machine(ms[0].caps->arch);
    bool aliased = alias != NULL;
    for (size_t j = 0; j < n && aliased; j++) {
        const dc_qemu_machine *m = machine_named(ms[j].a, ms[j].caps->machine);
        aliased = m && (streq(m->name, alias) || streq_ptr(m->alias, alias));
    }
    if (!aliased) {
        _cleanup_free_ char *l = host_list(ms, n, what_machine);
        return dc_error_set(err, -EINVAL,
                            "the hosts have no machine type in common for the request: %s; "
                            "give a machine type every host has",
                            l);
    }
    *ret = xstrdup(alias);
    return 0;
}

/*
 * Each host's document for the request. A virttype left to the default is
 * kvm when every host has KVM for it, else qemu on all of them.
 */
static int derive_pool(dc_fleet_host **hosts, size_t n, const dc_request *req, member **ret,
                       dc_error *err)
{
    member *ms = xcalloc(n, sizeof(member));
    int r = derive_all(hosts, n, req, ms, err);
    bool mixed = false;
    for (size_t j = 1; r >= 0 && j < n; j++)
        mixed = mixed || !streq(ms[j].caps->domain, ms[0].caps->domain);
    if (r >= 0 && mixed && !req->virttype) {
        members_free(ms, n);
        ms = xcalloc(n, sizeof(member));
        dc_request rq = *req;
        rq.virttype = "qemu";
        r = derive_all(hosts, n, &rq, ms, err);
    }
    if (r < 0) {
        members_free(ms, n);
        return r;
    }
    *ret = ms;
    return 0;
}

/* The path of an emulator installed at the same place everywhere, else a note saying not. */
static char *common_path(const member *ms, size_t n)
{
    for (size_t j = 1; j < n; j++)
        if (!streq(ms[j].caps->path, ms[0].caps->path))
            return xstrdup("(differs per host)");
    return xstrdup(ms[0].caps->path);
}

/*
 * Under KVM the checker judges Hyper-V against the host's list, or, where
 * KVM has none, refuses what QEMU programs MSRs for: a pool with both has
 * vapic (only warned about with a list) and the hypervclock timer (not
 * judged with one) that its document cannot refuse.
 */
static char **pool_limits(const member *ms, size_t n)
{
    dc_strv out = {0};
    dc_buf with = {0}, without = {0};
    for (size_t j = 0; j < n; j++) {
        const dc_domcaps *c = ms[j].caps;
        if (!streq(c->domain, "kvm") || c->features.hyperv.supported != DC_YES)
            continue;
        dc_buf *b = hyperv_listed(c) ? &with : &without;
        dc_buf_addf(b, "%s%s", b->len ? ", " : "", ms[j].h->name);
    }
    if (with.len && without.len)
        dc_strv_add_take(&out, xasprintf("hyperv: KVM lists Hyper-V enlightenments on %s and "
                                         "none on %s; a domain with vapic or the hypervclock "
                                         "timer passes the baseline and fails on %s",
                                         with.s, without.s, without.s));
    dc_buf_clear(&with);
    dc_buf_clear(&without);
    return out.v ? out.v : xcalloc(1, sizeof(char *));
}

static dc_fleet_baseline_result *result_new(const member *ms, size_t n)
{
    dc_fleet_baseline_result *b = xcalloc(1, sizeof(*b));
    b->hosts = xcalloc(n + 1, sizeof(char *));
    b->machines = xcalloc(n + 1, sizeof(char *));
    for (size_t j = 0; j < n; j++) {
        b->hosts[j] = xstrdup(ms[j].h->name);
        b->machines[j] = xstrdup(ms[j].caps->machine);
    }
    return b;
}

static int cmp_host(const void *a, const void *b)
{
    return strcmp((*(dc_fleet_host *const *)a)->name, (*(dc_fleet_host *const *)b)->name);
}

int dc_fleet_baseline(dc_fleet_host **hosts, size_t n, const dc_request *req,
                      dc_fleet_baseline_result **ret, dc_error *err)
{
    if (n == 0) {
        return dc_error_set(err, -EINVAL, "a baseline needs at least one host (the pool is empty)");
    }
    int r = check_arches(hosts, n, err);
    if (r < 0)
        return r;
    /* By name, so that the order the hosts are given in changes nothing. */
    _cleanup_free_ dc_fleet_host **sorted = xcalloc(n, sizeof(*sorted));
    memcpy(sorted, hosts, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_host);
    for (size_t j = 1; j < n; j++)
        if (streq(sorted[j]->name, sorted[j - 1]->name)) {
            return dc_error_set(err, -EINVAL, "two hosts of the pool are named '%s'",
                                sorted[j]->name);
        }
    member *ms = NULL;
    r = derive_pool(sorted, n, req, &ms, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *machine = NULL;
    r = settle_machine(ms, n, req, &machine, err);
    if (r < 0) {
        members_free(ms, n);
        return r;
    }
    dc_fleet_baseline_result *b = result_new(ms, n);
    b->limits = pool_limits(ms, n);
    char *path = common_path(ms, n);
    b->caps = TAKE_PTR(ms[0].caps);
    for (size_t j = 1; j < n; j++)
        domcaps_and(b->caps, ms[j].caps);
    free(b->caps->machine);
    b->caps->machine = TAKE_PTR(machine);
    free(b->caps->path);
    b->caps->path = path;
    ms[0].caps = b->caps; /* read below, freed with b */
    bool kvm = streq(b->caps->domain, "kvm");
    b->qemu = qemu_and(ms, n, b->caps, kvm, b->machines);
    host_model_baseline(ms, n, b->caps, b->qemu, kvm);
    domcaps_settle(b->caps);
    host_and(ms, n, &b->host);
    ms[0].caps = NULL;
    members_free(ms, n);
    *ret = b;
    return 0;
}

void dc_fleet_baseline_free(dc_fleet_baseline_result *b)
{
    if (!b)
        return;
    dc_domcaps_free(b->caps);
    dc_qemu_caps_free(b->qemu);
    dc_hostinfo_clear(&b->host);
    for (size_t j = 0; b->limits && b->limits[j]; j++)
        free(b->limits[j]);
    free(b->limits);
    for (size_t j = 0; b->hosts && b->hosts[j]; j++)
        free(b->hosts[j]);
    free(b->hosts);
    for (size_t j = 0; b->machines && b->machines[j]; j++)
        free(b->machines[j]);
    free(b->machines);
    free(b);
}

char *dc_fleet_baseline_format(const dc_fleet_baseline_result *b, bool json)
{
    if (json)
        return dc_domcaps_format_json(b->caps);
    /* As `domcaps probe --snapshot` prints it: the extension last, inside the root element. */
    return dc_domcaps_format_xml_snapshot(b->caps, b->qemu);
}

char *dc_fleet_baseline_format_host(const dc_fleet_baseline_result *b, bool json)
{
    return json ? dc_hostinfo_format_json(&b->host) : dc_hostinfo_format_xml(&b->host);
}
