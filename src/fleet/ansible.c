/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The facts.d document: keys in the project's JSON spelling, every key always
 * present (an emulator without an answer: its path and error only).
 */
#include "ansible.h"

#include "domcaps/version.h"
#include "json.h"
#include "jsonw.h"

static json_object *str_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

static json_object *strv_json(char *const *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}

/* The CPU part of one virttype's domainCapabilities. */
static json_object *cpu_json(const dc_domcaps *caps)
{
    json_object *o = json_object_new_object();
    static const struct {
        const char *name;
        size_t off;
    } modes[] = {
        {"host-passthrough", offsetof(dc_domcaps, cpu.host_passthrough)},
        {"maximum", offsetof(dc_domcaps, cpu.maximum)},
        {"host-model", offsetof(dc_domcaps, cpu.host_model.supported)},
        {"custom", offsetof(dc_domcaps, cpu.custom)},
    };
    json_object *m = json_object_new_array();
    for (size_t i = 0; i < ELEMENTSOF(modes); i++)
        if (*(const dc_tristate *)((const char *)caps + modes[i].off) == DC_YES)
            json_object_array_add(m, json_object_new_string(modes[i].name));
    json_object_object_add(o, "modes", m);
    const dc_host_model *hm = &caps->cpu.host_model;
    json_object *h = NULL;
    if (hm->supported == DC_YES && hm->model) {
        h = json_object_new_object();
        json_object_object_add(h, "model", json_object_new_string(hm->model));
        json_object_object_add(h, "vendor", str_or_null(hm->vendor));
    }
    json_object_object_add(o, "hostModel", h);
    _cleanup_strv_ dc_strv usable = {0};
    for (size_t i = 0; i < caps->cpu.nmodels; i++)
        if (caps->cpu.models[i].usable == DC_USABLE_YES)
            dc_strv_add_unique(&usable, caps->cpu.models[i].name);
    json_object_object_add(o, "usableModels", strv_json(usable.v, usable.n));
    return o;
}

/* Machine types (sorted) and aliases of the session serving the emulator's default virttype. */
static void machines_json(json_object *o, const dc_qemu_caps *qc, bool kvm)
{
    const dc_qemu_accel *a = dc_qemu_accel_for(qc, kvm);
    if (!a)
        a = dc_qemu_accel_for(qc, !kvm);
    _cleanup_strv_ dc_strv names = {0};
    json_object *aliases = json_object_new_object();
    for (size_t i = 0; a && i < a->nmachines; i++) {
        dc_strv_add_unique(&names, a->machines[i].name);
        if (a->machines[i].alias)
            json_object_object_add(aliases, a->machines[i].alias,
                                   json_object_new_string(a->machines[i].name));
    }
    dc_strv_sort(&names);
    json_object_object_add(o, "machineTypes", strv_json(names.v, names.n));
    json_object_object_add(o, "machineAliases", aliases);
}

static json_object *emulator_json(const dc_survey *s, size_t i)
{
    const dc_survey_emulator *e = &s->emus[i];
    const dc_qemu_caps *qc = e->caps;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string(e->path));
    json_object_object_add(o, "error",
                           qc ? NULL : json_object_new_string(e->error ? e->error : "no answer"));
    if (!qc)
        return o;
    json_object_object_add(o, "arch", str_or_null(qc->arch));
    json_object_object_add(o, "target", str_or_null(qc->target));
    _cleanup_free_ char *version =
        xasprintf("%d.%d.%d", qc->version_major, qc->version_minor, qc->version_micro);
    json_object_object_add(o, "version", json_object_new_string(version));
    json_object_object_add(o, "package",
                           str_or_null(qc->package && *qc->package ? qc->package : NULL));
    dc_domcaps *kvm = dc_survey_derive(s, i, NULL, "kvm");
    dc_domcaps *tcg = dc_survey_derive(s, i, NULL, "qemu");
    const dc_domcaps *dflt = kvm ? kvm : tcg;
    json_object *vts = json_object_new_array();
    if (kvm)
        json_object_array_add(vts, json_object_new_string("kvm"));
    if (tcg)
        json_object_array_add(vts, json_object_new_string("qemu"));
    json_object_object_add(o, "virttypes", vts);
    json_object_object_add(o, "defaultVirttype", str_or_null(dflt ? dflt->domain : NULL));
    json_object_object_add(o, "defaultMachine", str_or_null(dflt ? dflt->machine : NULL));
    machines_json(o, qc, kvm != NULL);
    json_object *cpu = json_object_new_object();
    json_object_object_add(cpu, "kvm", kvm ? cpu_json(kvm) : NULL);
    json_object_object_add(cpu, "qemu", tcg ? cpu_json(tcg) : NULL);
    json_object_object_add(o, "cpu", cpu);
    dc_domcaps_free(kvm);
    dc_domcaps_free(tcg);
    return o;
}

/* What the host's own emulator gives by default: its virttype, machine and CPU. */
static json_object *native_json(const dc_survey *s)
{
    if (s->native < 0)
        return NULL;
    dc_domcaps *caps = dc_survey_derive(s, (size_t)s->native, s->arch, NULL);
    if (!caps)
        return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "emulator", json_object_new_string(s->emus[s->native].path));
    json_object_object_add(o, "arch", json_object_new_string(caps->arch));
    json_object_object_add(o, "virttype", json_object_new_string(caps->domain));
    json_object_object_add(o, "machine", json_object_new_string(caps->machine));
    json_object *cpu = cpu_json(caps);
    json_object_object_foreach(cpu, key, val) json_object_object_add(o, key, json_object_get(val));
    json_object_put(cpu);
    dc_domcaps_free(caps);
    return o;
}

static json_object *kvm_json(const dc_hostkvm *k)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "present", json_object_new_boolean(k->exists));
    json_object_object_add(o, "usable", json_object_new_boolean(k->usable));
    json_object_object_add(o, "reason", k->usable ? NULL : str_or_null(k->reason));
    return o;
}

/* The host report as `domcaps host --format json` prints it. */
static json_object *report_json(const dc_hostinfo *info)
{
    _cleanup_free_ char *text = dc_hostinfo_format_json(info);
    json_object *o = NULL;
    (void)dc_json_parse(text, strlen(text), &o, NULL);
    /* Our own output always parses; an object stands in should that ever change. */
    return o ? o : json_object_new_object();
}

char *dc_ansible_format(const dc_survey *s)
{
    _cleanup_json_ json_object *o = json_object_new_object();
    json_object_object_add(o, "schemaVersion", json_object_new_int(DC_JSON_SCHEMA_VERSION));
    json_object_object_add(o, "version", json_object_new_string(DC_VERSION));
    json_object_object_add(o, "recordedHost", str_or_null(s->name));
    json_object_object_add(o, "arch", str_or_null(s->arch));
    json_object_object_add(o, "kvm", kvm_json(&s->host->info.kvm));
    json_object_object_add(o, "native", native_json(s));
    json_object *emus = json_object_new_array();
    for (size_t i = 0; i < s->nemus; i++)
        json_object_array_add(emus, emulator_json(s, i));
    json_object_object_add(o, "emulators", emus);
    json_object_object_add(o, "report", report_json(s->report ? s->report : &s->host->info));
    dc_buf b = {0};
    dc_json_pretty(&b, o, 0);
    dc_buf_add(&b, "\n");
    return dc_buf_steal(&b);
}

int dc_ansible_live(const dc_survey_opts *opts, dc_diag *diag, char **ret_text, dc_error *err)
{
    dc_survey_opts o = *opts;
    o.want_report = true;
    return dc_survey_live_text(&o, dc_ansible_format, diag, ret_text, err);
}

int dc_ansible_for_host(dc_fleet_host *h, dc_diag *diag, char **ret_text, dc_error *err)
{
    return dc_survey_fleet_host_text(h, true, dc_ansible_format, diag, ret_text, err);
}
