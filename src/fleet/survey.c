/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One host's probes and the answer of each of its emulators, for the summary reports. */
#include "survey.h"

#include <time.h>

#include "arch.h"
#include "cache.h"

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The cache entry as found before probing: its age, and whether every key input still holds. */
static void examine_cache(dc_survey_emulator *e, const dc_root *root, const char *dir)
{
    e->cache = DC_SURVEY_CACHE_MISSING;
    _cleanup_free_ char *path = dc_cache_entry_path(dir, e->path, root);
    struct stat st;
    if (stat(path, &st) < 0)
        return;
    double written = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
    double age = clock_seconds(CLOCK_REALTIME) - written;
    e->cache_age_seconds = age > 0 ? age : 0;
    e->cache = DC_SURVEY_CACHE_STALE;
    dc_cache_key key = {0};
    if (dc_cache_key_compute(e->path, root, &key) < 0)
        return;
    _cleanup_free_ char *why = NULL;
    dc_cache_status st_load = dc_cache_load(dir, e->path, &key, &e->owned, &why);
    if (st_load == DC_CACHE_HIT)
        e->cache = DC_SURVEY_CACHE_VALID;
    else if (st_load == DC_CACHE_MISSING)
        e->cache = DC_SURVEY_CACHE_MISSING;
    dc_cache_key_clear(&key);
}

/* A valid entry answers; otherwise the emulator is probed (and the entry rewritten). */
static void probe_live(dc_survey_emulator *e, const dc_root *root, const dc_survey_opts *o,
                       dc_diag *diag)
{
    double t0 = clock_seconds(CLOCK_MONOTONIC);
    if (o->cache_dir)
        examine_cache(e, root, o->cache_dir);
    if (!e->owned) {
        dc_probe_opts po = {
            .binary = e->path,
            .timeout_ms = o->timeout_ms,
            .want_tcg_session = true,
        };
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        int r = dc_probe_cached(&po, root, o->cache_dir, diag, &e->owned, &msg);
        if (r < 0)
            e->error =
                msg.message ? dc_error_steal(&msg) : xasprintf("%s: %s", e->path, strerror(-r));
    }
    e->caps = e->owned;
    e->seconds = clock_seconds(CLOCK_MONOTONIC) - t0;
}

static int compare_emulators(const void *x, const void *y)
{
    const dc_survey_emulator *a = x, *b = y;
    return strcmp(a->path, b->path);
}

static ssize_t emulator_by_path(const dc_survey *s, const char *path)
{
    for (size_t i = 0; path && i < s->nemus; i++)
        if (streq(s->emus[i].path, path))
            return (ssize_t)i;
    return -1;
}

/* Without an emulator the lookup chose: the first whose own arch is the host's, else serves it. */
static ssize_t find_native(const dc_survey *s)
{
    for (int pass = 0; s->arch && pass < 2; pass++)
        for (size_t i = 0; i < s->nemus; i++) {
            const dc_qemu_caps *qc = s->emus[i].caps;
            if (qc && qc->arch &&
                (pass == 0 ? streq(qc->arch, s->arch) : dc_arch_served_by(s->arch, qc->arch)))
                return (ssize_t)i;
        }
    return -1;
}

static void add_emulators(dc_survey *s, const dc_strv *paths)
{
    s->emus = xcalloc(paths->n ? paths->n : 1, sizeof(*s->emus));
    for (size_t i = 0; i < paths->n; i++)
        s->emus[i].path = xstrdup(paths->v[i]);
    s->nemus = paths->n;
}

int dc_survey_live(const dc_survey_opts *opts, dc_survey *ret, dc_error *err)
{
    /* Built in place: the survey points into itself (host, report, arch). */
    dc_survey *s = ret;
    *s = (dc_survey){.native = -1};
    const char *sysroot = opts->sysroot ? opts->sysroot : "/";
    int r = dc_root_open(sysroot, &s->root);
    if (r < 0) {
        return dc_error_set(err, r, "cannot open sysroot '%s': %s", sysroot, strerror(-r));
    }
    s->xdg_config_home = dc_xdg_config_home();
    s->own_host.cache_dir = opts->cache_dir;
    s->own_host.skip_names = !opts->want_report;
    dc_host_run_probes(&s->own_host, s->root, s->xdg_config_home,
                       DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY, NULL);
    s->host = &s->own_host;
    s->report = opts->want_report ? &s->own_host.info : NULL;
    s->arch = s->own_host.info.cpu.arch ? s->own_host.info.cpu.arch : dc_arch_host();

    _cleanup_strv_ dc_strv paths = {0};
    _cleanup_free_ char *lookup = NULL;
    for (size_t i = 0; i < opts->nemulators; i++)
        dc_strv_add_unique(&paths, opts->emulators[i]);
    if (!opts->nemulators) {
        dc_list_emulators(&paths);
        lookup = s->arch ? dc_find_emulator(s->arch) : NULL;
        if (lookup)
            dc_strv_add_unique(&paths, lookup);
        dc_strv_sort(&paths);
    }
    add_emulators(s, &paths);
    for (size_t i = 0; i < s->nemus; i++) {
        probe_live(&s->emus[i], s->root, opts, &s->diag);
        if (s->emus[i].error)
            dc_diag_warn(&s->diag, "%s", s->emus[i].error);
    }
    qsort(s->emus, s->nemus, sizeof(*s->emus), compare_emulators);
    s->native = emulator_by_path(s, lookup);
    if (s->native < 0 || !s->emus[s->native].caps)
        s->native = find_native(s);
    return 0;
}

int dc_survey_fleet_host(dc_fleet_host *h, bool want_report, dc_survey *ret, dc_error *err)
{
    (void)err; /* a recorded host always has its probes; a bad recording is its emulator's */
    dc_survey s = {.native = -1, .name = h->name};
    s.host = dc_fleet_host_probes(h, DC_FLEET_FOR_CHECK);
    s.report = want_report ? &dc_fleet_host_probes(h, DC_FLEET_FOR_REPORT)->info : NULL;
    s.arch = dc_fleet_host_arch(h) ? dc_fleet_host_arch(h) : s.host->info.cpu.arch;
    s.emus = xcalloc(h->nemus ? h->nemus : 1, sizeof(*s.emus));
    for (size_t i = 0; i < h->nemus; i++) {
        dc_survey_emulator *e = &s.emus[s.nemus++];
        e->path = xstrdup(h->emus[i].path);
        double t0 = clock_seconds(CLOCK_MONOTONIC);
        dc_error msg = DC_ERROR_INIT;
        if (dc_fleet_host_qemu(h, i, &e->caps, &msg) < 0) {
            e->error = msg.message;
            dc_diag_warn(&s.diag, "%s", msg.message);
        }
        e->seconds = clock_seconds(CLOCK_MONOTONIC) - t0;
    }
    qsort(s.emus, s.nemus, sizeof(*s.emus), compare_emulators);
    ssize_t k = s.arch ? dc_fleet_find_emulator(h, s.arch) : -1;
    s.native = k >= 0 ? emulator_by_path(&s, h->emus[k].path) : -1;
    if (s.native >= 0 && !s.emus[s.native].caps)
        s.native = -1;
    *ret = s;
    return 0;
}

void dc_survey_take_warnings(dc_survey *s, dc_diag *diag)
{
    for (size_t i = 0; diag && i < s->diag.warnings.n; i++)
        dc_strv_add(&diag->warnings, s->diag.warnings.v[i]);
    dc_strv_clear(&s->diag.warnings);
}

void dc_survey_clear(dc_survey *s)
{
    for (size_t i = 0; i < s->nemus; i++) {
        free(s->emus[i].path);
        free(s->emus[i].error);
        dc_qemu_caps_free(s->emus[i].owned);
    }
    free(s->emus);
    dc_strv_clear(&s->diag.warnings);
    dc_host_clear(&s->own_host);
    dc_root_free(s->root);
    free(s->xdg_config_home);
    *s = (dc_survey){.native = -1};
}

dc_domcaps *dc_survey_derive(const dc_survey *s, size_t i, const char *arch, const char *virttype)
{
    const dc_qemu_caps *qc = s->emus[i].caps;
    if (!qc)
        return NULL;
    dc_request req = {.arch = arch, .virttype = virttype};
    dc_domcaps *caps = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_domcaps_derive(qc, s->host, &req, &caps, &msg) < 0)
        return NULL;
    return caps;
}

/* The document of a survey made (r: what making it returned), then the survey cleared. */
static int survey_text(int r, dc_survey *s, dc_survey_formatter format, dc_diag *diag,
                       char **ret_text)
{
    if (r >= 0) {
        *ret_text = format(s);
        dc_survey_take_warnings(s, diag);
    }
    dc_survey_clear(s);
    return r < 0 ? r : 0;
}

int dc_survey_live_text(const dc_survey_opts *opts, dc_survey_formatter format, dc_diag *diag,
                        char **ret_text, dc_error *err)
{
    dc_survey s = {0};
    return survey_text(dc_survey_live(opts, &s, err), &s, format, diag, ret_text);
}

int dc_survey_fleet_host_text(dc_fleet_host *h, bool want_report, dc_survey_formatter format,
                              dc_diag *diag, char **ret_text, dc_error *err)
{
    dc_survey s = {0};
    return survey_text(dc_survey_fleet_host(h, want_report, &s, err), &s, format, diag, ret_text);
}
