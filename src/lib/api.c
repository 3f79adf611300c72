/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The public API of libdomcaps (include/domcaps/libdomcaps.h) over the internals. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "cache.h"
#include "check.h"
#include "check_format.h"
#include "derive.h"
#include "host.h"
#include "qemu_probe.h"
#include "util.h"

#include "domcaps/libdomcaps.h"

#define DC_DEFAULT_TIMEOUT_MS 30000

const char *dc_version(void) { return DC_VERSION; }

/* Replaces *slot with a copy of value (NULL: the default). */
static int set_str(char **slot, const char *value)
{
    if (!slot)
        return -EINVAL;
    free(*slot);
    *slot = value ? xstrdup(value) : NULL;
    return 0;
}

/* The root host state is read under: sysroot, or the live "/". */
static int open_root(const char *sysroot, dc_root **ret, dc_error *err)
{
    const char *path = sysroot ? sysroot : "/";
    int r = dc_root_open(path, ret);
    if (r < 0)
        return dc_error_set(err, r, "cannot open sysroot '%s': %s", path, strerror(-r));
    return 0;
}

/* ---- probe ---- */

struct dc_probe_options {
    char *emulator, *arch, *machine, *virttype, *sysroot, *replay, *record, *cache_dir;
    int timeout_ms;
};

dc_probe_options *dc_probe_options_new(void)
{
    dc_probe_options *o = xcalloc(1, sizeof(*o));
    o->timeout_ms = DC_DEFAULT_TIMEOUT_MS;
    return o;
}

void dc_probe_options_free(dc_probe_options *o)
{
    if (!o)
        return;
    free(o->emulator);
    free(o->arch);
    free(o->machine);
    free(o->virttype);
    free(o->sysroot);
    free(o->replay);
    free(o->record);
    free(o->cache_dir);
    free(o);
}

int dc_probe_options_set_emulator(dc_probe_options *o, const char *v)
{
    return set_str(o ? &o->emulator : NULL, v);
}
int dc_probe_options_set_arch(dc_probe_options *o, const char *v)
{
    if (v && !dc_arch_known(v))
        return -EINVAL;
    return set_str(o ? &o->arch : NULL, v);
}
int dc_probe_options_set_machine(dc_probe_options *o, const char *v)
{
    return set_str(o ? &o->machine : NULL, v);
}
int dc_probe_options_set_virttype(dc_probe_options *o, const char *v)
{
    if (v && !streq(v, "kvm") && !streq(v, "qemu"))
        return -EINVAL;
    return set_str(o ? &o->virttype : NULL, v);
}
int dc_probe_options_set_sysroot(dc_probe_options *o, const char *v)
{
    return set_str(o ? &o->sysroot : NULL, v);
}
int dc_probe_options_set_replay(dc_probe_options *o, const char *v)
{
    return set_str(o ? &o->replay : NULL, v);
}
int dc_probe_options_set_record(dc_probe_options *o, const char *v)
{
    return set_str(o ? &o->record : NULL, v);
}
int dc_probe_options_set_cache_dir(dc_probe_options *o, const char *v)
{
    return set_str(o ? &o->cache_dir : NULL, v);
}
int dc_probe_options_set_timeout_ms(dc_probe_options *o, int timeout_ms)
{
    if (!o || timeout_ms <= 0)
        return -EINVAL;
    o->timeout_ms = timeout_ms;
    return 0;
}

static int pick_emulator(const dc_probe_options *o, char **ret, dc_error *err)
{
    if (o->emulator) {
        if (!o->replay && !dc_is_executable_file(o->emulator))
            return dc_error_set(err, -ENOENT, "emulator '%s' is not an executable file",
                                o->emulator);
        *ret = xstrdup(o->emulator);
        return 0;
    }
    if (o->replay) {
        *ret = NULL; /* named after the recording's target below */
        return 0;
    }
    const char *arch = o->arch ? o->arch : dc_arch_host();
    char *p = dc_find_emulator(arch);
    if (!p)
        return dc_error_set(
            err, -ENOENT,
            "unable to find any emulator to serve '%s' architecture (no qemu-system-%s "
            "in PATH nor /usr/libexec/qemu-kvm)",
            arch, dc_arch_to_qemu(arch));
    *ret = p;
    return 0;
}

static char **take_warnings(dc_diag *diag)
{
    /* A dc_strv is kept NULL-terminated. */
    char **v = diag->warnings.v;
    diag->warnings = (dc_strv){0};
    return v;
}

int dc_probe(const dc_probe_options *o, dc_domcaps **ret, dc_error *err)
{
    if (!o || !ret)
        return dc_error_set(err, -EINVAL, "dc_probe needs options and a place for the document.");
    if (o->record && o->replay)
        return dc_error_set(err, -EINVAL,
                            "a probe cannot both record and replay a QMP conversation.");
    dc_root *root = NULL;
    int r = open_root(o->sysroot, &root, err);
    if (r < 0)
        return r;

    _cleanup_free_ char *emulator = NULL;
    _cleanup_free_ char *xdg = dc_xdg_config_home();
    dc_diag diag = {0};
    dc_host host = {0};
    dc_qemu_caps *qc = NULL;
    dc_domcaps *caps = NULL;

    r = pick_emulator(o, &emulator, err);
    if (r < 0)
        goto out;
    dc_probe_opts po = {
        .binary = emulator ? emulator : "qemu",
        .replay = o->replay,
        .record = o->record,
        .timeout_ms = o->timeout_ms,
        .want_tcg_session = true,
    };
    r = dc_probe_cached(&po, root, o->cache_dir, &diag, &qc, err);
    if (r < 0) {
        if (err && !err->message)
            dc_error_set(err, r, "%s", strerror(-r));
        goto out;
    }
    if (!emulator) {
        free(qc->binary);
        qc->binary = xasprintf("/usr/bin/qemu-system-%s", qc->target);
    }
    host.cache_dir = o->cache_dir;
    dc_host_run_probes(&host, root, xdg, DC_PROBE_FOR_CAPS, &diag);
    dc_request req = {.arch = o->arch, .machine = o->machine, .virttype = o->virttype};
    r = dc_domcaps_derive(qc, &host, &req, &caps, err);
    if (r < 0)
        goto out;
    caps->warnings = take_warnings(&diag);
    *ret = TAKE_PTR(caps);
out:
    dc_qemu_caps_free(qc);
    dc_host_clear(&host);
    dc_strv_clear(&diag.warnings);
    dc_root_free(root);
    return r < 0 ? r : 0;
}

const char *dc_domcaps_get_emulator(const dc_domcaps *c) { return c ? c->path : NULL; }
const char *dc_domcaps_get_arch(const dc_domcaps *c) { return c ? c->arch : NULL; }
const char *dc_domcaps_get_machine(const dc_domcaps *c) { return c ? c->machine : NULL; }
const char *dc_domcaps_get_virttype(const dc_domcaps *c) { return c ? c->domain : NULL; }
unsigned dc_domcaps_get_max_vcpus(const dc_domcaps *c) { return c ? c->vcpu_max : 0; }
size_t dc_domcaps_get_ncpu_models(const dc_domcaps *c) { return c ? c->cpu.nmodels : 0; }

const char *dc_domcaps_get_cpu_model(const dc_domcaps *c, size_t i, bool *ret_usable)
{
    if (!c || i >= c->cpu.nmodels)
        return NULL;
    if (ret_usable)
        *ret_usable = c->cpu.models[i].usable == DC_USABLE_YES;
    return c->cpu.models[i].name;
}

size_t dc_domcaps_get_nwarnings(const dc_domcaps *c)
{
    size_t n = 0;
    while (c && c->warnings && c->warnings[n])
        n++;
    return n;
}

const char *dc_domcaps_get_warning(const dc_domcaps *c, size_t i)
{
    return i < dc_domcaps_get_nwarnings(c) ? c->warnings[i] : NULL;
}

/* ---- host ---- */

int dc_host_probe(const char *sysroot, dc_hostinfo **ret, dc_error *err)
{
    if (!ret)
        return dc_error_set(err, -EINVAL, "dc_host_probe needs a place for the report.");
    dc_root *root = NULL;
    int r = open_root(sysroot, &root, err);
    if (r < 0)
        return r;
    dc_host host = {0};
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_INVENTORY, NULL);
    dc_hostinfo *info = xmalloc(sizeof(*info));
    *info = host.info;
    host.info = (dc_hostinfo){0};
    dc_host_clear(&host);
    dc_root_free(root);
    *ret = info;
    return 0;
}

void dc_hostinfo_free(dc_hostinfo *h)
{
    if (!h)
        return;
    dc_hostinfo_clear(h);
    free(h);
}

const char *dc_hostinfo_get_arch(const dc_hostinfo *h) { return h ? h->cpu.arch : NULL; }
bool dc_hostinfo_get_kvm_usable(const dc_hostinfo *h) { return h && h->kvm.usable; }
size_t dc_hostinfo_get_ndiagnostics(const dc_hostinfo *h) { return h ? h->ndiags : 0; }

const char *dc_hostinfo_get_diagnostic(const dc_hostinfo *h, size_t i)
{
    return h && i < h->ndiags ? h->diags[i].message : NULL;
}

const char *dc_hostinfo_get_diagnostic_probe(const dc_hostinfo *h, size_t i)
{
    return h && i < h->ndiags ? h->diags[i].probe : NULL;
}

/* ---- check ---- */

struct dc_check_options {
    dc_strv caps_files;
    char *host_report, *sysroot, *cache_dir;
    int timeout_ms;
    dc_strv trusted_emulators, trusted_dirs;
};

struct dc_findings {
    dc_check_result res;
    bool probe_failed;
};

dc_check_options *dc_check_options_new(void)
{
    dc_check_options *o = xcalloc(1, sizeof(*o));
    o->timeout_ms = DC_DEFAULT_TIMEOUT_MS;
    return o;
}

void dc_check_options_free(dc_check_options *o)
{
    if (!o)
        return;
    dc_strv_clear(&o->caps_files);
    dc_strv_clear(&o->trusted_emulators);
    dc_strv_clear(&o->trusted_dirs);
    free(o->host_report);
    free(o->sysroot);
    free(o->cache_dir);
    free(o);
}

int dc_check_options_add_caps_file(dc_check_options *o, const char *path)
{
    if (!o || !path)
        return -EINVAL;
    dc_strv_add(&o->caps_files, path);
    return 0;
}
int dc_check_options_set_host_report(dc_check_options *o, const char *v)
{
    return set_str(o ? &o->host_report : NULL, v);
}
int dc_check_options_set_sysroot(dc_check_options *o, const char *v)
{
    return set_str(o ? &o->sysroot : NULL, v);
}
int dc_check_options_set_cache_dir(dc_check_options *o, const char *v)
{
    return set_str(o ? &o->cache_dir : NULL, v);
}
int dc_check_options_set_timeout_ms(dc_check_options *o, int timeout_ms)
{
    if (!o || timeout_ms <= 0)
        return -EINVAL;
    o->timeout_ms = timeout_ms;
    return 0;
}
int dc_check_options_add_trusted_emulator(dc_check_options *o, const char *path)
{
    if (!o || !path)
        return -EINVAL;
    dc_strv_add(&o->trusted_emulators, path);
    return 0;
}

int dc_check_options_add_trusted_dir(dc_check_options *o, const char *dir)
{
    if (!o || !dir)
        return -EINVAL;
    dc_strv_add(&o->trusted_dirs, dir);
    return 0;
}

/* What a check needs besides the domain: snapshots and a report, or a live host. */
typedef struct check_setup {
    dc_check_env env;
    dc_root *root;
    dc_host host;
    char *xdg;
} check_setup;

static void check_setup_clear(check_setup *s)
{
    dc_check_env_clear(&s->env);
    dc_host_clear(&s->host);
    dc_root_free(s->root);
    free(s->xdg);
}

static int check_setup_live(const dc_check_options *o, check_setup *s, dc_error *err)
{
    int r = open_root(o->sysroot, &s->root, err);
    if (r < 0)
        return r;
    s->xdg = dc_xdg_config_home();
    s->host.cache_dir = o->cache_dir;
    s->host.skip_names = true;
    dc_host_run_probes(&s->host, s->root, s->xdg, DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY, NULL);
    s->env.host = &s->host;
    s->env.root = s->root;
    s->env.cache_dir = o->cache_dir;
    return 0;
}

static int check_one(const dc_check_options *o, const char *name, const char *xml, size_t len,
                     dc_findings **ret, dc_error *err)
{
    if (!o || !name || !ret)
        return dc_error_set(err, -EINVAL,
                            "a check needs options, a domain and a place for findings.");
    /* The environment borrows the options' lists; check_setup_clear leaves them. */
    check_setup s = {.env = {.live = o->caps_files.n == 0,
                             .timeout_ms = o->timeout_ms,
                             .trusted_emulators = o->trusted_emulators,
                             .trusted_dirs = o->trusted_dirs}};
    int r = s.env.live ? check_setup_live(o, &s, err)
                       : dc_check_env_load_offline(&s.env, &o->caps_files, o->host_report, err);
    if (r >= 0) {
        dc_findings *f = xcalloc(1, sizeof(*f));
        dc_check_domain(&s.env, name, xml, len, &f->res);
        f->probe_failed = s.env.probe_failed;
        *ret = f;
    }
    check_setup_clear(&s);
    return r < 0 ? r : 0;
}

int dc_check_file(const dc_check_options *o, const char *path, dc_findings **ret, dc_error *err)
{
    return check_one(o, path, NULL, 0, ret, err);
}

int dc_check_buffer(const dc_check_options *o, const char *name, const char *xml, size_t len,
                    dc_findings **ret, dc_error *err)
{
    if (!xml)
        return dc_error_set(err, -EINVAL, "dc_check_buffer needs a document.");
    return check_one(o, name, xml, len, ret, err);
}

void dc_findings_free(dc_findings *f)
{
    if (!f)
        return;
    dc_check_result_clear(&f->res);
    free(f);
}

const char *dc_findings_get_input_error(const dc_findings *f)
{
    return f ? f->res.input_error : NULL;
}
bool dc_findings_get_probe_failed(const dc_findings *f) { return f && f->probe_failed; }
size_t dc_findings_count(const dc_findings *f) { return f ? f->res.nfindings : 0; }

static const dc_finding *finding_at(const dc_findings *f, size_t i)
{
    return f && i < f->res.nfindings ? &f->res.findings[i] : NULL;
}

int dc_findings_get_severity(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? (int)x->severity : -1;
}
const char *dc_findings_get_rule(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? x->rule : NULL;
}
unsigned dc_findings_get_line(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? x->line : 0;
}
const char *dc_findings_get_xpath(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? x->xpath : NULL;
}
const char *dc_findings_get_message(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? x->message : NULL;
}
const char *dc_findings_get_value(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? x->value : NULL;
}
const char *dc_findings_get_supported(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? x->supported : NULL;
}
const char *dc_findings_get_hint(const dc_findings *f, size_t i)
{
    const dc_finding *x = finding_at(f, i);
    return x ? x->hint : NULL;
}

char *dc_findings_format_text(const dc_findings *f)
{
    return f ? dc_check_format_text(&f->res, 1) : NULL;
}
char *dc_findings_format_json(const dc_findings *f)
{
    return f ? dc_check_format_json(&f->res, 1) : NULL;
}
char *dc_findings_format_junit(const dc_findings *f)
{
    if (!f)
        return NULL;
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) < 0)
        host[0] = '\0';
    dc_junit_meta meta = {.timestamp = time(NULL), .hostname = host, .seconds = NULL};
    return dc_check_format_junit(&f->res, 1, &meta);
}
