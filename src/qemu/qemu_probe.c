/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "qemu_probe.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>

#include "arch.h"
#include "cpu_model.h"
#include "json.h"
#include "qmp.h"
#include "replay.h"

#define DC_MIN_QEMU_MAJOR 4
#define DC_MIN_QEMU_MINOR 2

/* Commands in flight at most when a run of them is sent ahead. */
#define DC_PROBE_WINDOW 8

/* One answer of the speculative TCG session, kept to be served again in order. */
typedef struct answer {
    char *name;
    json_object *args;  /* NULL when the command had none */
    json_object *reply; /* NULL when QEMU answered with an error */
} answer;

/*
 * The TCG session run alongside the first one. Its thread asks the questions
 * through tcg_session() on a private caps object, learning the architecture
 * and the command list from the first session once that knows them, and
 * keeps every answer; the main thread then runs tcg_session() again on the
 * real caps with those answers served in order, so both sessions' facts are
 * derived exactly as if they had run one after the other.
 */
typedef struct tcg_job {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool facts_ready; /* arch and commands below are set */
    bool cancel;      /* the session is not wanted: stop asking */
    dc_qmp *q;        /* its connection while one is open */
    char *arch;
    dc_strv commands;
    const dc_probe_opts *opts;
    long long deadline;
    dc_buf record; /* the session's recording, when asked for */
    answer *answers;
    size_t nanswers;
    int err; /* the session's first failure, with msg */
    char *msg;
} tcg_job;

typedef struct probe_ctx {
    dc_qmp *q;
    char *msg;        /* transport failure description */
    int err;          /* first transport failure */
    tcg_job *fetch;   /* set in the job's thread: keep each answer, wait for the facts */
    tcg_job *serve;   /* set in the main thread: answers come from the finished job */
    size_t next;      /* next answer served */
    tcg_job *publish; /* set in the first session: tells the job the facts it waits for */
} probe_ctx;

static bool args_same(json_object *a, json_object *b)
{
    if (!a || !b)
        return !a && !b;
    return json_object_equal(a, b);
}

/* The next kept answer, or the job's failure once they are used up. */
static json_object *served(probe_ctx *ctx, const char *name, json_object *args)
{
    tcg_job *j = ctx->serve;
    if (ctx->next < j->nanswers) {
        answer *a = &j->answers[ctx->next];
        if (streq(a->name, name) && args_same(a->args, args)) {
            ctx->next++;
            return a->reply ? json_object_get(a->reply) : NULL;
        }
    }
    ctx->err = j->err ? j->err : -EPROTO;
    ctx->msg = j->msg ? xstrdup(j->msg)
                      : xasprintf("the TCG session was not asked '%s' at this point", name);
    return NULL;
}

static bool job_cancelled(tcg_job *j)
{
    pthread_mutex_lock(&j->lock);
    bool c = j->cancel;
    pthread_mutex_unlock(&j->lock);
    return c;
}

/*
 * Runs one command. Returns the reply (owned) or NULL when QEMU answered with
 * an error (tolerated: the feature is simply absent) or the transport failed
 * (recorded in ctx->err, and every later call is skipped).
 */
static json_object *cmd(probe_ctx *ctx, const char *name, json_object *args)
{
    json_object *ret = NULL;
    dc_qmp_error qerr = {0};
    if (!ctx->err && ctx->serve)
        ret = served(ctx, name, args);
    if (ctx->err || ctx->serve) {
        if (args)
            json_object_put(args);
        return ret;
    }
    if (ctx->fetch && job_cancelled(ctx->fetch)) {
        ctx->err = -ECANCELED;
        ctx->msg = xstrdup("the TCG session was cancelled");
        if (args)
            json_object_put(args);
        return NULL;
    }
    dc_error e = DC_ERROR_INIT;
    int r = dc_qmp_command(ctx->q, name, args, &ret, &qerr, &e);
    if (r < 0)
        ctx->msg = dc_error_steal(&e);
    if (r >= 0 && ctx->fetch) {
        tcg_job *j = ctx->fetch;
        j->answers = xrealloc(j->answers, (j->nanswers + 1) * sizeof(answer));
        j->answers[j->nanswers++] = (answer){
            .name = xstrdup(name),
            .args = args ? json_object_get(args) : NULL,
            .reply = r == 0 ? json_object_get(ret) : NULL,
        };
    }
    if (args)
        json_object_put(args);
    if (r < 0) {
        ctx->err = r;
        return NULL;
    }
    if (r == 1) {
        dc_qmp_error_clear(&qerr);
        return NULL;
    }
    return ret;
}

/*
 * Sends a command that cmd() will ask next, without waiting (takes args):
 * QEMU works on it while the replies before it are read and parsed.
 */
static void ahead(probe_ctx *ctx, const char *name, json_object *args)
{
    if (!ctx->err && !ctx->serve) {
        /* A failure shows again, in order, when the command is asked. */
        (void)dc_qmp_send_ahead(ctx->q, name, args, NULL);
    }
    if (args)
        json_object_put(args);
}

static json_object *args1(const char *k, json_object *v)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, k, v);
    return a;
}

static json_object *expansion_args(const char *type, const char *model, json_object *props)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "name", json_object_new_string(model));
    if (props)
        json_object_object_add(m, "props", props);
    json_object *a = args1("type", json_object_new_string(type));
    json_object_object_add(a, "model", m);
    return a;
}

/* ---- query-qmp-schema ---------------------------------------------------- */

typedef struct schema {
    json_object *list;
    struct lh_table *byname; /* name -> entry, borrowed */
} schema;

static json_object *schema_entry(const schema *s, const char *name)
{
    void *v = NULL;
    return name && lh_table_lookup_ex(s->byname, name, &v) ? v : NULL;
}

static bool enum_has(json_object *t, const char *v)
{
    json_object *vals = dc_json_get_array(t, "values");
    for (size_t i = 0; vals && i < json_object_array_length(vals); i++)
        if (streq_ptr(json_object_get_string(json_object_array_get_idx(vals, i)), v))
            return true;
    json_object *mem = dc_json_get_array(t, "members");
    for (size_t i = 0; mem && i < json_object_array_length(mem); i++)
        if (streq_ptr(dc_json_get_string(json_object_array_get_idx(mem, i), "name"), v))
            return true;
    return false;
}

/*
 * Evaluates a libvirt-style schema query such as
 * "chardev-add/arg-type/backend/+qemu-vdagent": start at a command, follow
 * arg-type/ret-type, member names, and test "+x" against union cases or enum values.
 */
static bool schema_query(const schema *s, const char *query)
{
    _cleanup_free_ char *copy = xstrdup(query);
    char *save = NULL;
    char *tok = strtok_r(copy, "/", &save);
    json_object *cur = schema_entry(s, tok);
    while (cur && (tok = strtok_r(NULL, "/", &save))) {
        const char *mt = dc_json_get_string(cur, "meta-type");
        if (mt && streq(mt, "array")) {
            cur = schema_entry(s, dc_json_get_string(cur, "element-type"));
            if (!cur)
                return false;
        }
        if (streq(tok, "arg-type") || streq(tok, "ret-type")) {
            cur = schema_entry(s, dc_json_get_string(cur, tok));
            continue;
        }
        if (tok[0] == '+') {
            const char *want = tok + 1;
            if (enum_has(cur, want) && streq_ptr(dc_json_get_string(cur, "meta-type"), "enum"))
                return true;
            json_object *vars = dc_json_get_array(cur, "variants");
            for (size_t i = 0; vars && i < json_object_array_length(vars); i++)
                if (streq_ptr(dc_json_get_string(json_object_array_get_idx(vars, i), "case"), want))
                    return true;
            return false;
        }
        json_object *mem = dc_json_get_array(cur, "members");
        json_object *next = NULL;
        for (size_t i = 0; mem && i < json_object_array_length(mem); i++) {
            json_object *m = json_object_array_get_idx(mem, i);
            if (streq_ptr(dc_json_get_string(m, "name"), tok))
                next = schema_entry(s, dc_json_get_string(m, "type"));
        }
        cur = next;
    }
    return cur != NULL;
}

static void probe_schema(dc_qemu_caps *c, json_object *list)
{
    schema s = {.list = list, .byname = lh_kchar_table_new(4096, NULL)};
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *name = dc_json_get_string(e, "name");
        if (!name)
            continue;
        lh_table_insert(s.byname, name, e);
        if (streq_ptr(dc_json_get_string(e, "meta-type"), "command"))
            dc_strv_add(&c->commands, name);
    }
    dc_strv_sort(&c->commands);
    c->schema_sdl = schema_query(&s, "query-display-options/ret-type/+sdl");
    c->schema_egl_headless = schema_query(&s, "query-display-options/ret-type/+egl-headless");
    c->schema_dbus = schema_query(&s, "query-display-options/ret-type/+dbus");
    c->schema_netdev_user = schema_query(&s, "netdev_add/arg-type/+user");
    c->schema_netdev_stream = schema_query(&s, "netdev_add/arg-type/+stream");
    c->schema_vdagent = schema_query(&s, "chardev-add/arg-type/backend/+qemu-vdagent");
    lh_table_free(s.byname);
}

/* ---- helpers over replies -------------------------------------------------- */

static void strv_from_names(dc_strv *sv, json_object *arr, const char *key)
{
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        const char *n =
            key ? dc_json_get_string(e, key)
                : (json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL);
        if (n)
            dc_strv_add(sv, n);
    }
}

static bool qom_has_property(probe_ctx *ctx, const char *typename, const char *prop)
{
    _cleanup_json_ json_object *r =
        cmd(ctx, "qom-list-properties", args1("typename", json_object_new_string(typename)));
    json_object *arr = r && json_object_is_type(r, json_type_array) ? r : NULL;
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
        if (streq_ptr(dc_json_get_string(json_object_array_get_idx(arr, i), "name"), prop))
            return true;
    return false;
}

static void probe_machines(probe_ctx *ctx, dc_qemu_accel *a)
{
    _cleanup_json_ json_object *r = cmd(ctx, "query-machines", NULL);
    if (!r || !json_object_is_type(r, json_type_array))
        return;
    size_t n = json_object_array_length(r);
    a->machines = xcalloc(n, sizeof(dc_qemu_machine));
    for (size_t i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(r, i);
        const char *name = dc_json_get_string(m, "name");
        if (!name)
            continue;
        dc_qemu_machine *out = &a->machines[a->nmachines++];
        out->name = xstrdup(name);
        const char *alias = dc_json_get_string(m, "alias");
        out->alias = alias ? xstrdup(alias) : NULL;
        out->is_default = dc_json_get_bool(m, "is-default", false);
        out->deprecated = dc_json_get_bool(m, "deprecated", false);
        long long max = dc_json_get_int(m, "cpu-max", 0);
        out->cpu_max = max > 0 && max < 1 << 24 ? (unsigned)max : 0;
        json_object *acpi = dc_json_get(m, "acpi");
        out->acpi = acpi && json_object_is_type(acpi, json_type_boolean)
                        ? json_object_get_boolean(acpi)
                        : -1;
        const char *dct = dc_json_get_string(m, "default-cpu-type");
        out->default_cpu_type = dct ? xstrdup(dct) : NULL;
    }
}

static void probe_cpu_defs(probe_ctx *ctx, dc_qemu_accel *a)
{
    _cleanup_json_ json_object *r = cmd(ctx, "query-cpu-definitions", NULL);
    if (!r || !json_object_is_type(r, json_type_array))
        return;
    a->have_cpu_defs = true;
    size_t n = json_object_array_length(r);
    a->cpus = xcalloc(n, sizeof(dc_qemu_cpudef));
    for (size_t i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(r, i);
        const char *name = dc_json_get_string(d, "name");
        if (!name)
            continue;
        dc_qemu_cpudef *out = &a->cpus[a->ncpus++];
        out->name = xstrdup(name);
        const char *alias = dc_json_get_string(d, "alias-of");
        out->alias_of = alias ? xstrdup(alias) : NULL;
        const char *tn = dc_json_get_string(d, "typename");
        out->typename = tn ? xstrdup(tn) : NULL;
        out->deprecated = dc_json_get_bool(d, "deprecated", false);
        json_object *un = dc_json_get_array(d, "unavailable-features");
        out->usable = un ? json_object_array_length(un) == 0 : -1;
        strv_from_names(&out->unavailable, un, NULL);
    }
}

/* Fills an expansion from a query-cpu-model-expansion reply. */
static bool parse_expansion(json_object *r, dc_qemu_cpuexp *out)
{
    json_object *model = dc_json_get_object(r, "model");
    json_object *props = dc_json_get_object(model, "props");
    if (!model || !props)
        return false;
    json_object_object_foreach(props, key, val)
    {
        if (json_object_is_type(val, json_type_boolean) && json_object_get_boolean(val))
            dc_strv_add(&out->features, key);
        else if (streq(key, "vendor") && json_object_is_type(val, json_type_string))
            out->vendor = xstrdup(json_object_get_string(val));
    }
    dc_strv_sort(&out->features);
    return true;
}

/* Properties of a full expansion used for Hyper-V and address bits. */
static void parse_full_expansion(dc_qemu_caps *c, dc_qemu_accel *a, json_object *r,
                                 bool take_hyperv, bool collect_aliases)
{
    json_object *props = dc_json_get_object(dc_json_get_object(r, "model"), "props");
    if (!props)
        return;
    json_object_object_foreach(props, key, val)
    {
        if (take_hyperv && startswith(key, "hv-")) {
            bool on = false;
            if (json_object_is_type(val, json_type_boolean))
                on = json_object_get_boolean(val);
            else if (json_object_is_type(val, json_type_int))
                on = json_object_get_int64(val) > 0;
            else if (json_object_is_type(val, json_type_string))
                on = true;
            if (on) {
                a->hyperv_valid = true;
                dc_strv_add(&a->hyperv, key);
            }
        }
        if (dc_arch_is_x86(c->arch) && json_object_is_type(val, json_type_boolean))
            dc_strv_add_unique(&c->cpu_props, key);
        if (streq(key, "phys-bits") && json_object_is_type(val, json_type_int) &&
            json_object_get_int64(val) > 0 && json_object_get_int64(val) < 64)
            a->phys_bits = (unsigned)json_object_get_int64(val);
        if (collect_aliases && strchr(key, '_') && json_object_is_type(val, json_type_boolean)) {
            /* An underscore spelling QEMU also accepts under its canonical dashed name. */
            _cleanup_free_ char *canon = xstrdup(key);
            for (char *p = canon; *p; p++)
                if (*p == '_')
                    *p = '-';
            dc_strv_add(&c->feature_aliases, canon);
            dc_strv_add(&c->feature_aliases, key);
        }
    }
}

static void probe_host_cpu(probe_ctx *ctx, dc_qemu_caps *c, dc_qemu_accel *a, bool kvm)
{
    bool x86 = dc_arch_is_x86(c->arch);
    bool arm = dc_arch_is_arm(c->arch);
    if (!dc_qemu_has_command(c, "query-cpu-model-expansion"))
        return;
    const char *model = kvm ? "host" : "max";
    if (x86) {
        _cleanup_json_ json_object *r =
            cmd(ctx, "query-cpu-model-expansion", expansion_args("static", model, NULL));
        if (r && parse_expansion(r, &a->host))
            a->host.name = xstrdup(model);
    }
    if (x86 || arm) {
        json_object *props = NULL;
        if (kvm) {
            props = json_object_new_object();
            json_object_object_add(props, "migratable", json_object_new_boolean(false));
            if (x86)
                json_object_object_add(props, "hv-passthrough", json_object_new_boolean(true));
        }
        _cleanup_json_ json_object *r =
            cmd(ctx, "query-cpu-model-expansion", expansion_args("full", model, props));
        if (r)
            parse_full_expansion(c, a, r, x86 || (arm && kvm),
                                 x86 && !kvm && !c->feature_aliases.n);
    }
}

/* Static expansions of the named models give their vendor and features. */
static void probe_models(probe_ctx *ctx, dc_qemu_caps *c, dc_qemu_accel *a)
{
    if (!dc_arch_is_x86(c->arch) || !dc_qemu_has_command(c, "query-cpu-model-expansion"))
        return;
    a->models = xcalloc(a->ncpus ? a->ncpus : 1, sizeof(dc_qemu_cpuexp));
    size_t *todo = xcalloc(a->ncpus ? a->ncpus : 1, sizeof(size_t));
    size_t ntodo = 0;
    for (size_t i = 0; i < a->ncpus; i++) {
        const dc_qemu_cpudef *d = &a->cpus[i];
        /* Versioned names are reached through their aliases; host/max/base are not models. */
        if (!d->alias_of &&
            (streq(d->name, "host") || streq(d->name, "max") || streq(d->name, "base")))
            continue;
        bool is_target = false;
        for (size_t j = 0; j < a->ncpus; j++)
            if (streq_ptr(a->cpus[j].alias_of, d->name))
                is_target = true;
        if (!is_target)
            todo[ntodo++] = i;
    }
    size_t sent = 0;
    for (size_t k = 0; k < ntodo && !ctx->err; k++) {
        const dc_qemu_cpudef *d = &a->cpus[todo[k]];
        /* A few expansions stay in flight: QEMU expands the next while this one is parsed. */
        for (; sent < ntodo && sent < k + DC_PROBE_WINDOW; sent++)
            ahead(ctx, "query-cpu-model-expansion",
                  expansion_args("static", a->cpus[todo[sent]].name, NULL));
        _cleanup_json_ json_object *r =
            cmd(ctx, "query-cpu-model-expansion", expansion_args("static", d->name, NULL));
        dc_qemu_cpuexp *e = &a->models[a->nmodels];
        if (r && parse_expansion(r, e)) {
            e->name = xstrdup(d->name);
            a->nmodels++;
        } else {
            dc_strv_clear(&e->features);
            free(e->vendor);
            *e = (dc_qemu_cpuexp){0};
        }
    }
    free(todo);
}

static void probe_gic(probe_ctx *ctx, dc_qemu_caps *c)
{
    _cleanup_json_ json_object *r = cmd(ctx, "query-gic-capabilities", NULL);
    if (!r || !json_object_is_type(r, json_type_array))
        return;
    c->gic_valid = true;
    for (size_t i = 0; i < json_object_array_length(r); i++) {
        json_object *g = json_object_array_get_idx(r, i);
        long long v = dc_json_get_int(g, "version", 0);
        if (v != 2 && v != 3)
            continue;
        if (dc_json_get_bool(g, "kernel", false))
            c->gic_kernel |= 1u << v;
        if (dc_json_get_bool(g, "emulated", false))
            c->gic_emulated |= 1u << v;
    }
}

static void probe_sev_sgx(probe_ctx *ctx, dc_qemu_caps *c)
{
    if (dc_qemu_has_type(c, "sev-guest") || dc_qemu_has_type(c, "sev-snp-guest")) {
        _cleanup_json_ json_object *r = cmd(ctx, "query-sev-capabilities", NULL);
        if (r && dc_json_get(r, "cbitpos")) {
            c->sev_valid = true;
            c->sev_cbitpos = (unsigned)dc_json_get_int(r, "cbitpos", 0);
            c->sev_reduced_phys_bits = (unsigned)dc_json_get_int(r, "reduced-phys-bits", 0);
            const char *id = dc_json_get_string(r, "cpu0-id");
            c->sev_cpu0_id = id ? xstrdup(id) : NULL;
        }
    }
    if (dc_qemu_has_type(c, "sgx-epc")) {
        _cleanup_json_ json_object *r = cmd(ctx, "query-sgx-capabilities", NULL);
        if (r && json_object_is_type(r, json_type_object)) {
            c->sgx_valid = true;
            c->sgx_flc = dc_json_get_bool(r, "flc", false);
            c->sgx_sgx1 = dc_json_get_bool(r, "sgx1", false);
            c->sgx_sgx2 = dc_json_get_bool(r, "sgx2", false);
            c->sgx_section_size = (unsigned long long)dc_json_get_int(r, "section-size", 0);
            json_object *secs = dc_json_get_array(r, "sections");
            size_t n = secs ? json_object_array_length(secs) : 0;
            c->sgx_sections = xcalloc(n ? n : 1, sizeof(*c->sgx_sections));
            for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_array_get_idx(secs, i);
                c->sgx_sections[i].node = (unsigned)dc_json_get_int(s, "node", 0);
                c->sgx_sections[i].size = (unsigned long long)dc_json_get_int(s, "size", 0);
            }
            c->sgx_nsections = n;
        }
    }
}

static void probe_cl_options(probe_ctx *ctx, dc_qemu_caps *c)
{
    _cleanup_json_ json_object *r = cmd(ctx, "query-command-line-options", NULL);
    for (size_t i = 0;
         r && json_object_is_type(r, json_type_array) && i < json_object_array_length(r); i++) {
        json_object *o = json_object_array_get_idx(r, i);
        const char *opt = dc_json_get_string(o, "option");
        if (streq_ptr(opt, "spice"))
            c->cl_spice = true;
        if (streq_ptr(opt, "run-with")) {
            json_object *params = dc_json_get_array(o, "parameters");
            for (size_t j = 0; params && j < json_object_array_length(params); j++)
                if (streq_ptr(dc_json_get_string(json_object_array_get_idx(params, j), "name"),
                              "async-teardown"))
                    c->cl_async_teardown = true;
        }
    }
}

static void probe_tpm(probe_ctx *ctx, dc_qemu_caps *c)
{
    if (!dc_qemu_has_command(c, "query-tpm-models"))
        return;
    _cleanup_json_ json_object *m = cmd(ctx, "query-tpm-models", NULL);
    _cleanup_json_ json_object *t = cmd(ctx, "query-tpm-types", NULL);
    if (m && json_object_is_type(m, json_type_array) && t &&
        json_object_is_type(t, json_type_array)) {
        c->have_tpm_query = true;
        strv_from_names(&c->tpm_models, m, NULL);
        strv_from_names(&c->tpm_types, t, NULL);
    }
}

/* ---- sessions ------------------------------------------------------------ */

/* The largest version component believed: QEMU's are dates and small counters. */
#define DC_MAX_VERSION_NUMBER 999999

/*
 * One component of query-version's "qemu" object: absent is 0, anything but
 * a whole number from 0 to DC_MAX_VERSION_NUMBER is refused. json-c clamps
 * a number too large for 64 bits, so such a value is described, not quoted.
 */
static int version_number(json_object *q, const char *name, int *ret, dc_error *err)
{
    json_object *v = dc_json_get(q, name);
    if (!v) {
        *ret = 0;
        return 0;
    }
    if (json_object_is_type(v, json_type_int)) {
        int64_t n = json_object_get_int64(v);
        if (n >= 0 && n <= DC_MAX_VERSION_NUMBER) {
            *ret = (int)n;
            return 0;
        }
        if (n == INT64_MAX || n == INT64_MIN)
            dc_error_set(err, -EBADMSG,
                         "query-version reports an unusable QEMU version: '%s' is a "
                         "number too large to be a version",
                         name);
        else
            dc_error_set(err, -EBADMSG,
                         "query-version reports an unusable QEMU version: '%s' is "
                         "%" PRId64 ", expected a number from 0 to %d",
                         name, n, DC_MAX_VERSION_NUMBER);
        return -EBADMSG;
    }
    const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    return dc_error_set(err, -EBADMSG,
                        "query-version reports an unusable QEMU version: '%s' is %.40s%s, "
                        "expected a number from 0 to %d",
                        name, text, strlen(text) > 40 ? "..." : "", DC_MAX_VERSION_NUMBER);
}

static int check_version(dc_qemu_caps *c, json_object *v, dc_error *err)
{
    json_object *q = dc_json_get_object(v, "qemu");
    if (!q) {
        return dc_error_set(err, -EBADMSG, "query-version returned no 'qemu' object");
    }
    const char *names[] = {"major", "minor", "micro"};
    int *fields[] = {&c->version_major, &c->version_minor, &c->version_micro};
    for (size_t i = 0; i < ELEMENTSOF(names); i++) {
        int r = version_number(q, names[i], fields[i], err);
        if (r < 0)
            return r;
    }
    const char *pkg = dc_json_get_string(v, "package");
    c->package = xstrdup(pkg ? pkg : "");
    if (c->version_major < DC_MIN_QEMU_MAJOR ||
        (c->version_major == DC_MIN_QEMU_MAJOR && c->version_minor < DC_MIN_QEMU_MINOR)) {
        return dc_error_set(err, -ENOTSUP,
                            "QEMU version >= %d.%d.0 is required, but %d.%d.%d found",
                            DC_MIN_QEMU_MAJOR, DC_MIN_QEMU_MINOR, c->version_major,
                            c->version_minor, c->version_micro);
    }
    return 0;
}

static int session_failure(probe_ctx *ctx, dc_error *err)
{
    if (ctx->err) {
        return dc_error_take(err, ctx->err, TAKE_PTR(ctx->msg));
    }
    return dc_error_set(
        err, -EBADMSG,
        "QEMU gave no usable answer to query-version, query-target or qom-list-types");
}

static void publish_facts(tcg_job *j, const dc_qemu_caps *c);

/*
 * What the binary is: its version, target, QMP schema, KVM state and QOM
 * types (the answers everything after depends on).
 */
static int probe_identity(probe_ctx *ctx, dc_qemu_caps *c, dc_error *err)
{
    ahead(ctx, "query-version", NULL);
    ahead(ctx, "query-target", NULL);
    ahead(ctx, "query-qmp-schema", NULL);
    ahead(ctx, "query-kvm", NULL);
    ahead(ctx, "qom-list-types", NULL);
    ahead(ctx, "qom-list-types", args1("implements", json_object_new_string("pci-device")));
    _cleanup_json_ json_object *ver = cmd(ctx, "query-version", NULL);
    if (!ver)
        return session_failure(ctx, err);
    int r = check_version(c, ver, err);
    if (r < 0)
        return r;
    _cleanup_json_ json_object *tgt = cmd(ctx, "query-target", NULL);
    const char *arch = dc_json_get_string(tgt, "arch");
    if (!arch)
        return session_failure(ctx, err);
    c->target = xstrdup(arch);
    const char *la = dc_arch_from_qemu(arch);
    if (!la) {
        return dc_error_set(err, -ENOTSUP, "QEMU reports an architecture unknown to domcaps: '%s'",
                            arch);
    }
    c->arch = xstrdup(la);

    _cleanup_json_ json_object *sch = cmd(ctx, "query-qmp-schema", NULL);
    if (sch && json_object_is_type(sch, json_type_array))
        probe_schema(c, sch);
    if (ctx->publish)
        publish_facts(ctx->publish, c);

    _cleanup_json_ json_object *kvm = cmd(ctx, "query-kvm", NULL);
    c->kvm_enabled =
        dc_json_get_bool(kvm, "present", false) && dc_json_get_bool(kvm, "enabled", false);

    _cleanup_json_ json_object *types = cmd(ctx, "qom-list-types", NULL);
    if (!types || !json_object_is_type(types, json_type_array))
        return session_failure(ctx, err);
    strv_from_names(&c->types, types, "name");
    dc_strv_sort(&c->types);
    /* Which devices plug into PCI: an ISA NIC cannot go on a q35 or pc PCI bus. */
    _cleanup_json_ json_object *pci =
        cmd(ctx, "qom-list-types", args1("implements", json_object_new_string("pci-device")));
    if (pci && json_object_is_type(pci, json_type_array)) {
        strv_from_names(&c->pci_types, pci, "name");
        dc_strv_sort(&c->pci_types);
    }
    return 0;
}

/*
 * Sends the rest of the session's questions ahead, to be answered in order.
 * qom-list-properties answers for abstract types too, but qom-list-types
 * never lists them: the machine and CPU classes below are asked for
 * without a qom-list-types guard, and an error reply means "absent".
 */
static void ask_class_questions(probe_ctx *ctx, const dc_qemu_caps *c, bool x86)
{
    bool memfd = dc_qemu_has_type(c, "memory-backend-memfd");
    if (memfd)
        ahead(ctx, "qom-list-properties",
              args1("typename", json_object_new_string("memory-backend-memfd")));
    if (x86 || dc_arch_is_arm(c->arch))
        ahead(ctx, "qom-list-properties",
              args1("typename", json_object_new_string(x86 ? "max-x86_64-cpu" : "max-arm-cpu")));
    ahead(ctx, "query-machines", NULL);
    ahead(ctx, "qom-list-properties", args1("typename", json_object_new_string("none-machine")));
    if (x86)
        ahead(ctx, "qom-list-properties",
              args1("typename", json_object_new_string("generic-pc-machine")));
    ahead(ctx, "query-cpu-definitions", NULL);
    if (dc_qemu_has_command(c, "query-tpm-models")) {
        ahead(ctx, "query-tpm-models", NULL);
        ahead(ctx, "query-tpm-types", NULL);
    }
    ahead(ctx, "query-command-line-options", NULL);
}

static int first_session(probe_ctx *ctx, dc_qemu_caps *c, dc_error *err)
{
    int r = probe_identity(ctx, c, err);
    if (r < 0)
        return r;
    bool x86 = dc_arch_is_x86(c->arch);
    ask_class_questions(ctx, c, x86);
    c->memfd_hugetlb = dc_qemu_has_type(c, "memory-backend-memfd") &&
                       qom_has_property(ctx, "memory-backend-memfd", "hugetlb");
    /*
     * libvirt asks max-x86_64-cpu on every x86 binary: qemu-system-i386 has only
     * max-i386-cpu, so libvirt refuses migratable='on' there, and so must we.
     */
    if (x86 || dc_arch_is_arm(c->arch))
        c->max_cpu_migratable =
            qom_has_property(ctx, x86 ? "max-x86_64-cpu" : "max-arm-cpu", "migratable");

    dc_qemu_accel *a = c->kvm_enabled ? &c->kvm : &c->tcg;
    a->probed = true;
    probe_machines(ctx, a);
    if (a->nmachines == 0 && !ctx->err) {
        return dc_error_set(err, -EBADMSG, "QEMU reported no machine types (query-machines)");
    }
    c->none_machine_cgs = qom_has_property(ctx, "none-machine", "confidential-guest-support");
    /* generic-pc-machine is the abstract parent of every pc-i440fx/pc-q35/isapc machine. */
    if (x86)
        c->pc_machine_i8042 = qom_has_property(ctx, "generic-pc-machine", "i8042");
    probe_cpu_defs(ctx, a);
    probe_tpm(ctx, c);
    probe_cl_options(ctx, c);
    if (dc_arch_is_arm(c->arch))
        probe_gic(ctx, c);
    probe_sev_sgx(ctx, c);
    probe_host_cpu(ctx, c, a, c->kvm_enabled);
    if (c->kvm_enabled && x86 && dc_qemu_has_command(c, "query-cpu-model-expansion")) {
        /* The underscore spellings come from a full expansion of max. */
        _cleanup_json_ json_object *fr =
            cmd(ctx, "query-cpu-model-expansion", expansion_args("full", "max", NULL));
        if (fr)
            parse_full_expansion(c, a, fr, false, true);
    }
    probe_models(ctx, c, a);
    return ctx->err ? session_failure(ctx, err) : 0;
}

/* What the TCG session needs from the first one: the architecture and the commands. */
static void publish_facts(tcg_job *j, const dc_qemu_caps *c)
{
    pthread_mutex_lock(&j->lock);
    if (!j->facts_ready) {
        j->arch = c->arch ? xstrdup(c->arch) : NULL;
        for (size_t i = 0; i < c->commands.n; i++)
            dc_strv_add(&j->commands, c->commands.v[i]);
        j->facts_ready = true;
        pthread_cond_broadcast(&j->cond);
    }
    pthread_mutex_unlock(&j->lock);
}

static void cancel_job(tcg_job *j)
{
    pthread_mutex_lock(&j->lock);
    j->cancel = true;
    if (j->q)
        dc_qmp_abort(j->q);
    pthread_cond_broadcast(&j->cond);
    pthread_mutex_unlock(&j->lock);
}

/* In the job's thread: waits for the first session's facts and copies them into c. */
static void await_facts(probe_ctx *ctx, dc_qemu_caps *c)
{
    tcg_job *j = ctx->fetch;
    pthread_mutex_lock(&j->lock);
    while (!j->facts_ready && !j->cancel)
        pthread_cond_wait(&j->cond, &j->lock);
    if (j->facts_ready && !j->cancel) {
        c->arch = j->arch ? xstrdup(j->arch) : NULL;
        for (size_t i = 0; i < j->commands.n; i++)
            dc_strv_add(&c->commands, j->commands.v[i]);
    } else if (!ctx->err) {
        ctx->err = -ECANCELED;
        ctx->msg = xstrdup("the TCG session was cancelled");
    }
    pthread_mutex_unlock(&j->lock);
}

static int tcg_session(probe_ctx *ctx, dc_qemu_caps *c, dc_error *err)
{
    dc_qemu_accel *a = &c->tcg;
    a->probed = true;
    ahead(ctx, "query-machines", NULL);
    ahead(ctx, "query-cpu-definitions", NULL);
    probe_machines(ctx, a);
    probe_cpu_defs(ctx, a);
    /* Everything after this depends on the architecture and the schema. */
    if (ctx->fetch)
        await_facts(ctx, c);
    if (ctx->err) {
        return dc_error_take(err, ctx->err, TAKE_PTR(ctx->msg));
    }
    probe_host_cpu(ctx, c, a, false);
    probe_models(ctx, c, a);
    if (ctx->err) {
        return dc_error_take(err, ctx->err, TAKE_PTR(ctx->msg));
    }
    return 0;
}

typedef struct source {
    const dc_probe_opts *opts;
    dc_replay *replay;
    dc_buf record;
    long long deadline;
    tcg_job *job; /* the session runs in this job's thread */
} source;

/* Makes q the job's connection (NULL: none), cut at once when the job is cancelled. */
static void job_attach(tcg_job *j, dc_qmp *q)
{
    pthread_mutex_lock(&j->lock);
    j->q = q;
    if (q && j->cancel)
        dc_qmp_abort(q);
    pthread_mutex_unlock(&j->lock);
}

static int open_session(source *src, const char *accel, dc_qmp **ret, dc_error *err)
{
    dc_qmp_opts qo = {
        .command_timeout_ms = src->opts->timeout_ms,
        .deadline_ms = src->deadline,
        .record = src->opts->record ? &src->record : NULL,
    };
    dc_qmp *q = NULL;
    if (src->replay) {
        int fd;
        int r = dc_replay_connect(src->replay, &fd, err);
        if (r < 0)
            return r;
        q = dc_qmp_new_fd(fd, &qo);
    } else {
        int r = dc_qmp_spawn(src->opts->binary, accel, &qo, &q, err);
        if (r < 0)
            return r;
    }
    if (src->job)
        job_attach(src->job, q);
    _cleanup_error_ dc_error e = DC_ERROR_INIT;
    int r = dc_qmp_handshake(q, &e);
    const char *m = e.message;
    if (r < 0) {
        if (src->job)
            job_attach(src->job, NULL);
        /* Something that never greets us over QMP is not a QEMU. */
        if (r == -ENOEXEC)
            dc_error_set(err, r, "%s does not behave like QEMU: %s", src->opts->binary, m);
        else
            dc_error_set(err, r, "%s: %s", src->opts->binary, m);
        dc_qmp_free(q);
        return r;
    }
    *ret = q;
    return 0;
}

static void *tcg_thread(void *arg)
{
    tcg_job *j = arg;
    source src = {.opts = j->opts, .deadline = j->deadline, .job = j};
    dc_qmp *q = NULL;
    dc_error e = DC_ERROR_INIT;
    int r = open_session(&src, "tcg", &q, &e);
    if (r == 0) {
        dc_qemu_caps *shadow = xcalloc(1, sizeof(*shadow));
        probe_ctx ctx = {.q = q, .fetch = j};
        r = tcg_session(&ctx, shadow, &e);
        free(ctx.msg);
        job_attach(j, NULL);
        dc_qmp_free(q);
        dc_qemu_caps_free(shadow);
    }
    j->err = r;
    j->msg = dc_error_steal(&e);
    j->record = src.record;
    return NULL;
}

/* KVM can be used: the TCG session will be wanted, so it may start at once. */
static bool kvm_usable(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Starts the TCG session in its own thread; NULL when no thread can be made. */
static tcg_job *start_tcg_job(const source *src)
{
    tcg_job *j = xcalloc(1, sizeof(*j));
    j->opts = src->opts;
    j->deadline = src->deadline;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    if (pthread_create(&j->thread, NULL, tcg_thread, j) != 0) {
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->cond);
        free(j);
        return NULL;
    }
    return j;
}

static void free_job(tcg_job *j)
{
    for (size_t i = 0; i < j->nanswers; i++) {
        free(j->answers[i].name);
        if (j->answers[i].args)
            json_object_put(j->answers[i].args);
        if (j->answers[i].reply)
            json_object_put(j->answers[i].reply);
    }
    free(j->answers);
    free(j->arch);
    dc_strv_clear(&j->commands);
    dc_buf_clear(&j->record);
    free(j->msg);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->cond);
    free(j);
}

/*
 * A model's vendor from its static expansion. Under KVM every model reports
 * the host's vendor, so TCG's answer is preferred. A versioned name (EPYC-v3)
 * has the vendor of its family, expanded once under the unversioned alias.
 */
const char *dc_qemu_model_vendor(const dc_qemu_caps *qc, const dc_qemu_accel *a, const char *name)
{
    const dc_qemu_accel *sessions[] = {dc_qemu_accel_for(qc, false), a};
    for (size_t i = 0; i < ELEMENTSOF(sessions); i++) {
        const dc_qemu_cpuexp *e = dc_qemu_model_expansion(sessions[i], name);
        if (e)
            return e->vendor;
    }
    const char *v = strrchr(name, '-');
    if (!v || v[1] != 'v' || !v[2] || strspn(v + 2, "0123456789") != strlen(v + 2))
        return NULL;
    _cleanup_free_ char *family = xstrndup(name, (size_t)(v - name));
    for (size_t i = 0; i < ELEMENTSOF(sessions); i++) {
        const dc_qemu_cpuexp *e = dc_qemu_model_expansion(sessions[i], family);
        if (e)
            return e->vendor;
    }
    return NULL;
}

static bool is_pseudo_model(const dc_qemu_cpudef *d)
{
    return streq(d->name, "host") || streq(d->name, "max") || streq(d->name, "base");
}

/*
 * The model host-model is named after when no per-model expansion is known
 * (a recording without them): the CPU model of QEMU's default machine, else
 * the first usable model by name, else the first model by name.
 */
static const dc_qemu_cpudef *fallback_model(const dc_qemu_accel *a)
{
    const char *type = NULL;
    for (size_t i = 0; i < a->nmachines && !type; i++)
        if (a->machines[i].is_default)
            type = a->machines[i].default_cpu_type;
    for (size_t i = 0; i < a->nmachines && !type; i++)
        type = a->machines[i].default_cpu_type;
    for (size_t i = 0; type && i < a->ncpus; i++)
        if (!is_pseudo_model(&a->cpus[i]) && streq_ptr(a->cpus[i].typename, type))
            return &a->cpus[i];
    const dc_qemu_cpudef *usable = NULL, *any = NULL;
    for (size_t i = 0; i < a->ncpus; i++) {
        const dc_qemu_cpudef *d = &a->cpus[i];
        if (is_pseudo_model(d))
            continue;
        if (!any || strcmp(d->name, any->name) < 0)
            any = d;
        if (d->usable == 1 && !d->deprecated && (!usable || strcmp(d->name, usable->name) < 0))
            usable = d;
    }
    return usable ? usable : any;
}

/*
 * host-model is supported whenever QEMU expanded host (KVM) or max (TCG);
 * the per-model expansions only name the closest model.
 */
static void host_model(const dc_qemu_caps *c, dc_qemu_accel *a)
{
    a->host_model.supported = DC_NO;
    if (!a->host.name)
        return;
    if (a->nmodels) {
        const char **own = xcalloc(a->nmodels, sizeof(char *));
        for (size_t i = 0; i < a->nmodels; i++)
            own[i] = dc_qemu_model_vendor(c, a, a->models[i].name);
        dc_cpu_host_model(&a->host, a->models, own, a->nmodels, &c->feature_aliases,
                          &a->host_model);
        free(own);
        if (a->host_model.supported == DC_YES)
            return;
    }
    const dc_qemu_cpudef *d = fallback_model(a);
    if (d)
        dc_cpu_host_model_fallback(&a->host, d->name, &d->unavailable, &c->feature_aliases,
                                   &a->host_model);
}

/*
 * Turns the raw expansions into the answers the document needs (host-model,
 * model vendors, blocker spellings), so that the derivation never needs
 * every model's feature list (only the checker's feature rules read them).
 */
static void finalize(dc_qemu_caps *c)
{
    dc_strv_sort(&c->cpu_props);
    dc_qemu_accel *accels[] = {&c->kvm, &c->tcg};
    for (size_t k = 0; k < ELEMENTSOF(accels); k++) {
        dc_qemu_accel *a = accels[k];
        a->host_model.supported = DC_NO;
        if (!a->probed || !dc_arch_is_x86(c->arch))
            continue;
        host_model(c, a);
        for (size_t i = 0; i < a->ncpus; i++) {
            dc_qemu_cpudef *d = &a->cpus[i];
            const char *vn = dc_cpu_vendor_name(dc_qemu_model_vendor(c, a, d->name));
            d->vendor = vn ? xstrdup(vn) : NULL;
            for (size_t j = 0; j < d->unavailable.n; j++) {
                const char *sp = dc_cpu_feature_spelling(&c->feature_aliases, d->unavailable.v[j]);
                if (sp != d->unavailable.v[j]) {
                    free(d->unavailable.v[j]);
                    d->unavailable.v[j] = xstrdup(sp);
                }
            }
        }
    }
}

int dc_qemu_probe(const dc_probe_opts *opts, dc_qemu_caps **ret, dc_error *err)
{
    source src = {.opts = opts};
    int timeout = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    /* Each command gets the timeout; the whole probe four times that. */
    src.deadline = dc_now_ms() + 4LL * timeout;
    if (opts->replay) {
        int r = dc_replay_load(opts->replay, &src.replay, err);
        if (r < 0)
            return -ENOEXEC;
    }

    dc_qemu_caps *c = xcalloc(1, sizeof(*c));
    c->binary = xstrdup(opts->binary);
    /*
     * With KVM at hand a TCG session follows the first: it runs alongside,
     * one QEMU per session at the same time. A recording is replayed one
     * session after the other.
     */
    tcg_job *job =
        !src.replay && opts->want_tcg_session && kvm_usable() ? start_tcg_job(&src) : NULL;
    dc_qmp *q = NULL;
    int r = open_session(&src, "kvm:tcg", &q, err);
    if (r == 0) {
        probe_ctx ctx = {.q = q, .publish = job};
        r = first_session(&ctx, c, err);
        if (r < 0 && (!err || !err->message))
            dc_error_take(err, r, TAKE_PTR(ctx.msg));
        free(ctx.msg);
        dc_qmp_free(q);
        q = NULL;
    }
    bool second = r == 0 && c->kvm_enabled && opts->want_tcg_session &&
                  dc_qemu_has_type(c, "tcg-accel") &&
                  (!src.replay || dc_replay_sessions(src.replay) > 1);
    if (job) {
        if (!second)
            cancel_job(job);
        pthread_join(job->thread, NULL);
        if (second) {
            probe_ctx ctx = {.serve = job};
            r = tcg_session(&ctx, c, err);
            free(ctx.msg);
            if (r == 0 && job->record.len)
                dc_buf_addn(&src.record, job->record.s, job->record.len);
        }
        free_job(job);
    } else if (second) {
        r = open_session(&src, "tcg", &q, err);
        if (r == 0) {
            probe_ctx ctx = {.q = q};
            r = tcg_session(&ctx, c, err);
            free(ctx.msg);
            dc_qmp_free(q);
        }
    }
    dc_replay_free(src.replay);
    if (r == 0 && opts->record) {
        r = dc_write_file_atomic(opts->record, src.record.s ? src.record.s : "", src.record.len);
        if (r < 0)
            dc_error_set(err, r, "cannot write recording %s: %s", opts->record, strerror(-r));
    }
    dc_buf_clear(&src.record);
    if (r < 0) {
        dc_qemu_caps_free(c);
        return r;
    }
    finalize(c);
    *ret = c;
    return 0;
}

static void accel_clear(dc_qemu_accel *a)
{
    for (size_t i = 0; i < a->nmachines; i++) {
        free(a->machines[i].name);
        free(a->machines[i].alias);
        free(a->machines[i].default_cpu_type);
    }
    free(a->machines);
    for (size_t i = 0; i < a->ncpus; i++) {
        free(a->cpus[i].name);
        free(a->cpus[i].alias_of);
        free(a->cpus[i].typename);
        free(a->cpus[i].vendor);
        dc_strv_clear(&a->cpus[i].unavailable);
    }
    free(a->cpus);
    free(a->host.name);
    free(a->host.vendor);
    dc_strv_clear(&a->host.features);
    dc_strv_clear(&a->hyperv);
    for (size_t i = 0; i < a->nmodels; i++) {
        free(a->models[i].name);
        free(a->models[i].vendor);
        dc_strv_clear(&a->models[i].features);
    }
    free(a->models);
    dc_host_model_clear(&a->host_model);
}

void dc_qemu_caps_free(dc_qemu_caps *c)
{
    if (!c)
        return;
    free(c->binary);
    free(c->target);
    free(c->arch);
    free(c->package);
    accel_clear(&c->kvm);
    accel_clear(&c->tcg);
    dc_strv_clear(&c->types);
    dc_strv_clear(&c->pci_types);
    dc_strv_clear(&c->commands);
    dc_strv_clear(&c->tpm_models);
    dc_strv_clear(&c->tpm_types);
    free(c->sev_cpu0_id);
    free(c->sgx_sections);
    dc_strv_clear(&c->feature_aliases);
    dc_strv_clear(&c->cpu_props);
    free(c);
}

static bool sorted_contains(const dc_strv *sv, const char *s)
{
    size_t lo = 0, hi = sv->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmpv = strcmp(sv->v[mid], s);
        if (cmpv == 0)
            return true;
        if (cmpv < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool dc_qemu_has_type(const dc_qemu_caps *c, const char *type)
{
    return sorted_contains(&c->types, type);
}

bool dc_qemu_is_pci_type(const dc_qemu_caps *c, const char *type)
{
    return sorted_contains(&c->pci_types, type);
}

bool dc_qemu_has_command(const dc_qemu_caps *c, const char *command)
{
    return sorted_contains(&c->commands, command);
}

const dc_qemu_cpuexp *dc_qemu_model_expansion(const dc_qemu_accel *a, const char *name)
{
    for (size_t i = 0; a && i < a->nmodels; i++)
        if (streq(a->models[i].name, name))
            return &a->models[i];
    return NULL;
}

const dc_qemu_accel *dc_qemu_accel_for(const dc_qemu_caps *c, bool kvm)
{
    if (kvm)
        return c->kvm.probed ? &c->kvm : NULL;
    if (c->tcg.probed)
        return &c->tcg;
    return NULL;
}
