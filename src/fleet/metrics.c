/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text exposition format: for each family "# HELP" and "# TYPE" once,
 * then its samples together. Names follow Prometheus' conventions (base
 * units in the name, no _total on gauges); a family no sample needs is left
 * out.
 */
#include "metrics.h"

#include <time.h>

#include "domcaps/version.h"

typedef struct family {
    const char *name;
    const char *help; /* a constant without backslashes or newlines */
    bool started;
} family;

void dc_metrics_add_label_value(dc_buf *b, const char *value)
{
    for (const char *p = value; *p;) {
        size_t n = dc_utf8_len(p);
        if (*p == '\\')
            dc_buf_add(b, "\\\\");
        else if (*p == '"')
            dc_buf_add(b, "\\\"");
        else if (*p == '\n')
            dc_buf_add(b, "\\n");
        else if (n == 0 || ((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            dc_buf_add(b, "\xef\xbf\xbd"); /* not text: U+FFFD, as the JSON and XML outputs */
        else
            dc_buf_addn(b, p, n);
        p += n ? n : 1;
    }
}

/* The sample's name and labels (name/value pairs, NULL-terminated; labels NULL: none). */
static void sample_start(dc_buf *b, family *f, const char *const *labels)
{
    if (!f->started)
        dc_buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", f->name, f->help, f->name);
    f->started = true;
    dc_buf_add(b, f->name);
    if (!labels || !labels[0])
        return;
    dc_buf_add(b, "{");
    for (size_t i = 0; labels[i]; i += 2) {
        dc_buf_addf(b, "%s%s=\"", i ? "," : "", labels[i]);
        dc_metrics_add_label_value(b, labels[i + 1]);
        dc_buf_add(b, "\"");
    }
    dc_buf_add(b, "}");
}

static void sample_u(dc_buf *b, family *f, const char *const *labels, unsigned long long v)
{
    sample_start(b, f, labels);
    dc_buf_addf(b, " %llu\n", v);
}

static void sample_seconds(dc_buf *b, family *f, const char *const *labels, double v)
{
    sample_start(b, f, labels);
    dc_buf_addf(b, " %.6f\n", v);
}

#define LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void section_run(dc_buf *b, double now)
{
    family build = {.name = "domcaps_build_info",
                    .help =
                        "The domcaps version that wrote these metrics (the value is always 1)."};
    sample_u(b, &build, LABELS("version", DC_VERSION), 1);
    family last = {.name = "domcaps_last_run_timestamp_seconds",
                   .help = "When domcaps wrote these metrics, in seconds since the Unix epoch."};
    sample_seconds(b, &last, NULL, now);
}

static void section_kvm(dc_buf *b, const dc_hostkvm *k)
{
    family f = {.name = "domcaps_kvm_usable",
                .help = "Whether KVM can run guests on this host (1) or not (0, with the reason)."};
    if (k->usable)
        sample_u(b, &f, NULL, 1);
    else
        sample_u(b, &f, LABELS("reason", k->reason ? k->reason : "unknown"), 0);
}

static void section_emulators(dc_buf *b, const dc_survey *s)
{
    family info = {.name = "domcaps_emulator_info",
                   .help =
                       "An emulator, its architecture and QEMU version (the value is always 1)."};
    for (size_t i = 0; i < s->nemus; i++) {
        const dc_qemu_caps *qc = s->emus[i].caps;
        if (!qc)
            continue;
        _cleanup_free_ char *version =
            xasprintf("%d.%d.%d", qc->version_major, qc->version_minor, qc->version_micro);
        const char *arch = qc->arch ? qc->arch : qc->target ? qc->target : "unknown";
        sample_u(b, &info, LABELS("path", s->emus[i].path, "arch", arch, "version", version), 1);
    }
    family ok = {.name = "domcaps_emulator_probe_success",
                 .help = "Whether the emulator answered (1) or could not be probed (0)."};
    for (size_t i = 0; i < s->nemus; i++)
        sample_u(b, &ok, LABELS("path", s->emus[i].path), s->emus[i].caps != NULL);
    family took = {.name = "domcaps_emulator_probe_duration_seconds",
                   .help =
                       "How long the emulator's answer took this run: a probe, a cache load or a "
                       "replay."};
    for (size_t i = 0; i < s->nemus; i++)
        sample_seconds(b, &took, LABELS("path", s->emus[i].path), s->emus[i].seconds);
}

static bool has_entry(const dc_survey_emulator *e)
{
    return e->cache == DC_SURVEY_CACHE_VALID || e->cache == DC_SURVEY_CACHE_STALE;
}

static void section_cache(dc_buf *b, const dc_survey *s)
{
    family age = {.name = "domcaps_cache_entry_age_seconds",
                  .help = "Age of the emulator's capability cache entry as this run found it."};
    for (size_t i = 0; i < s->nemus; i++)
        if (has_entry(&s->emus[i]))
            sample_seconds(b, &age, LABELS("path", s->emus[i].path), s->emus[i].cache_age_seconds);
    family stale = {
        .name = "domcaps_cache_entry_stale",
        .help = "Whether the emulator's cache entry no longer held for its key inputs or was "
                "corrupt (1, this run re-probed) or held (0), as domcaps cache --explain "
                "judges it."};
    for (size_t i = 0; i < s->nemus; i++)
        if (has_entry(&s->emus[i]))
            sample_u(b, &stale, LABELS("path", s->emus[i].path),
                     s->emus[i].cache == DC_SURVEY_CACHE_STALE);
}

static void cpu_models(dc_buf *b, family *f, const dc_domcaps *caps)
{
    _cleanup_strv_ dc_strv seen = {0};
    for (size_t i = 0; i < caps->cpu.nmodels; i++) {
        const dc_cpu_model *m = &caps->cpu.models[i];
        if (m->usable == DC_USABLE_UNKNOWN || dc_strv_contains(&seen, m->name))
            continue;
        dc_strv_add(&seen, m->name);
        sample_u(b, f, LABELS("arch", caps->arch, "virttype", caps->domain, "model", m->name),
                 m->usable == DC_USABLE_YES);
    }
}

static void section_cpu(dc_buf *b, const dc_survey *s)
{
    if (s->native < 0)
        return;
    static const char *const virttypes[] = {"kvm", "qemu"};
    dc_domcaps *caps[ELEMENTSOF(virttypes)];
    for (size_t v = 0; v < ELEMENTSOF(virttypes); v++)
        caps[v] = dc_survey_derive(s, (size_t)s->native, s->arch, virttypes[v]);
    family usable = {.name = "domcaps_cpu_model_usable",
                     .help =
                         "Whether a named CPU model runs with the native emulator on this host (1) "
                         "or not (0), under kvm and under qemu (TCG)."};
    for (size_t v = 0; v < ELEMENTSOF(virttypes); v++)
        if (caps[v])
            cpu_models(b, &usable, caps[v]);
    family host = {.name = "domcaps_cpu_host_model_info",
                   .help =
                       "The CPU model and vendor host-model stands for with the native emulator on "
                       "this host (the value is always 1)."};
    for (size_t v = 0; v < ELEMENTSOF(virttypes); v++) {
        const dc_host_model *hm = caps[v] ? &caps[v]->cpu.host_model : NULL;
        if (hm && hm->supported == DC_YES && hm->model)
            sample_u(b, &host,
                     LABELS("arch", caps[v]->arch, "virttype", caps[v]->domain, "model", hm->model,
                            "vendor", hm->vendor ? hm->vendor : "unknown"),
                     1);
    }
    for (size_t v = 0; v < ELEMENTSOF(virttypes); v++)
        dc_domcaps_free(caps[v]);
}

static void section_iommu(dc_buf *b, const dc_hostvfio *v)
{
    family avail = {.name = "domcaps_vfio_available",
                    .help = "Whether devices can be assigned with VFIO: IOMMU groups exist and "
                            "/dev/vfio/vfio is present (1), or not (0)."};
    sample_u(b, &avail, NULL, v->iommu_groups && v->dev_vfio);
    family devices = {.name = "domcaps_iommu_group_devices",
                      .help = "How many devices an IOMMU group holds."};
    for (size_t i = 0; i < v->ngroups; i++) {
        size_t n = 0;
        while (v->groups[i].devices && v->groups[i].devices[n])
            n++;
        _cleanup_free_ char *id = xasprintf("%u", v->groups[i].id);
        sample_u(b, &devices, LABELS("group", id), n);
    }
    family viable = {
        .name = "domcaps_iommu_group_viable",
        .help = "Whether an IOMMU group can be assigned to a guest: every endpoint in it is "
                "bound to vfio-pci or pci-stub, or unbound (1), or not (0)."};
    for (size_t i = 0; i < v->ngroups; i++) {
        _cleanup_free_ char *id = xasprintf("%u", v->groups[i].id);
        sample_u(b, &viable, LABELS("group", id), v->groups[i].viable);
    }
}

static void hugepages(dc_buf *b, family *f, const dc_numa *numa, bool free_pages)
{
    for (size_t c = 0; c < numa->ncells; c++) {
        const dc_numa_cell *cell = &numa->cells[c];
        _cleanup_free_ char *node = xasprintf("%u", cell->id);
        /*
         * The base pages come first, not a hugepage pool; the numa probe
         * lists them only where it knows the node's MemTotal.
         */
        for (size_t k = cell->memory_kib ? 1 : 0; k < cell->npages; k++) {
            _cleanup_free_ char *size = xasprintf("%llu", cell->pages[k].size_kib * 1024ULL);
            sample_u(b, f, LABELS("node", node, "page_size_bytes", size),
                     free_pages ? cell->pages[k].free : cell->pages[k].total);
        }
    }
}

static void section_hugepages(dc_buf *b, const dc_numa *numa)
{
    family total = {.name = "domcaps_hugepages",
                    .help = "Hugepages in the pool of a NUMA node, per page size."};
    hugepages(b, &total, numa, false);
    family free_pages = {.name = "domcaps_hugepages_free",
                         .help = "Free hugepages in the pool of a NUMA node, per page size."};
    hugepages(b, &free_pages, numa, true);
}

char *dc_metrics_format(const dc_survey *s, double now)
{
    dc_buf b = {0};
    section_run(&b, now);
    section_kvm(&b, &s->host->info.kvm);
    section_emulators(&b, s);
    section_cache(&b, s);
    section_cpu(&b, s);
    section_iommu(&b, &s->host->info.vfio);
    section_hugepages(&b, &s->host->info.numa);
    return dc_buf_steal(&b);
}

static double wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The metrics as of now, the end of the survey. */
static char *format_now(const dc_survey *s) { return dc_metrics_format(s, wall_clock()); }

int dc_metrics_live(const dc_survey_opts *opts, dc_diag *diag, char **ret_text, dc_error *err)
{
    return dc_survey_live_text(opts, format_now, diag, ret_text, err);
}

int dc_metrics_for_host(dc_fleet_host *h, dc_diag *diag, char **ret_text, dc_error *err)
{
    return dc_survey_fleet_host_text(h, false, format_now, diag, ret_text, err);
}
