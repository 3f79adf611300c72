/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cpu_model.h"

const char *dc_cpu_vendor_name(const char *v)
{
    static const struct {
        const char *cpuid, *name;
    } map[] = {
        {"AuthenticAMD", "AMD"}, {"GenuineIntel", "Intel"},   {"HygonGenuine", "Hygon"},
        {"CentaurHauls", "VIA"}, {"  Shanghai  ", "Zhaoxin"},
    };
    if (!v || !*v)
        return NULL;
    for (size_t i = 0; i < ELEMENTSOF(map); i++)
        if (streq(map[i].cpuid, v))
            return map[i].name;
    return v;
}

/* Counts |a \ b| over sorted vectors. */
static size_t diff_count(const dc_strv *a, const dc_strv *b)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->n) {
        int c = j < b->n ? strcmp(a->v[i], b->v[j]) : -1;
        if (c == 0)
            i++, j++;
        else if (c < 0)
            n++, i++;
        else
            j++;
    }
    return n;
}

/* QEMU's underscore spelling of a feature where it has one, as libvirt mostly uses. */
const char *dc_cpu_feature_spelling(const dc_strv *aliases, const char *name)
{
    for (size_t i = 0; aliases && i + 1 < aliases->n; i += 2)
        if (streq(aliases->v[i], name))
            return aliases->v[i + 1];
    return name;
}

static char **diff_list(const dc_strv *a, const dc_strv *b, const dc_strv *aliases)
{
    dc_strv out = {0};
    size_t i = 0, j = 0;
    while (i < a->n) {
        int c = j < b->n ? strcmp(a->v[i], b->v[j]) : -1;
        if (c == 0)
            i++, j++;
        else if (c < 0)
            dc_strv_add(&out, dc_cpu_feature_spelling(aliases, a->v[i++]));
        else
            j++;
    }
    if (!out.v)
        return xcalloc(1, sizeof(char *));
    return out.v;
}

void dc_cpu_host_model(const dc_qemu_cpuexp *host, const dc_qemu_cpuexp *models,
                       const char *const *own_vendors, size_t nmodels, const dc_strv *aliases,
                       dc_host_model *out)
{
    const dc_qemu_cpuexp *best = NULL;
    size_t best_cost = SIZE_MAX, best_dis = SIZE_MAX;
    /*
     * Under KVM every model's expansion reports the host's vendor, so the
     * comparison uses each model's own vendor. When none of the models is
     * known to be of the host's vendor, all of them are candidates.
     */
    bool vendor_match_exists = false;
    for (size_t i = 0; i < nmodels; i++)
        if (host->vendor && streq_ptr(own_vendors[i], host->vendor))
            vendor_match_exists = true;

    for (size_t i = 0; i < nmodels; i++) {
        const dc_qemu_cpuexp *m = &models[i];
        /* A model of another vendor would change what the guest sees as its CPU maker. */
        if (vendor_match_exists && !streq_ptr(own_vendors[i], host->vendor))
            continue;
        size_t req = diff_count(&host->features, &m->features);
        size_t dis = diff_count(&m->features, &host->features);
        size_t cost = req + dis;
        if (cost < best_cost || (cost == best_cost && dis < best_dis)) {
            best = m;
            best_cost = cost;
            best_dis = dis;
        }
    }
    if (!best) {
        out->supported = DC_NO;
        return;
    }
    out->supported = DC_YES;
    out->model = xstrdup(best->name);
    const char *vn = dc_cpu_vendor_name(host->vendor);
    out->vendor = vn ? xstrdup(vn) : NULL;
    out->require = diff_list(&host->features, &best->features, aliases);
    out->disable = diff_list(&best->features, &host->features, aliases);
}

void dc_cpu_host_model_fallback(const dc_qemu_cpuexp *host, const char *model,
                                const dc_strv *unavailable, const dc_strv *aliases,
                                dc_host_model *out)
{
    out->supported = DC_YES;
    out->model = xstrdup(model);
    const char *vn = dc_cpu_vendor_name(host->vendor);
    out->vendor = vn ? xstrdup(vn) : NULL;
    /*
     * Without the model's own feature list the difference is not known: every
     * host feature is required (those the model already has are harmless) and
     * the model's features the host lacks, which QEMU names as its
     * unavailable-features, are disabled. The result is the host's CPU.
     */
    dc_strv empty = {0};
    out->require = diff_list(&host->features, &empty, aliases);
    dc_strv dis = {0};
    for (size_t i = 0; unavailable && i < unavailable->n; i++)
        dc_strv_add_unique(&dis, dc_cpu_feature_spelling(aliases, unavailable->v[i]));
    dc_strv_sort(&dis);
    out->disable = dis.v ? dis.v : xcalloc(1, sizeof(char *));
}

static char **strs_copy(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

void dc_host_model_copy(dc_host_model *dst, const dc_host_model *src)
{
    *dst = *src;
    dst->model = src->model ? xstrdup(src->model) : NULL;
    dst->vendor = src->vendor ? xstrdup(src->vendor) : NULL;
    dst->require = strs_copy(src->require);
    dst->disable = strs_copy(src->disable);
}

void dc_host_model_clear(dc_host_model *hm)
{
    free(hm->model);
    free(hm->vendor);
    for (char **f = hm->require; f && *f; f++)
        free(*f);
    free(hm->require);
    for (char **f = hm->disable; f && *f; f++)
        free(*f);
    free(hm->disable);
    *hm = (dc_host_model){0};
}
