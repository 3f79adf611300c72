/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The same document as JSON: elements become keys, supported stays a
 * "yes"/"no" string, each <enum> becomes an array under "enums".
 */
#include "domcaps/domcaps.h"
#include "util.h"

typedef struct jw {
    dc_buf b;
    int level;
    bool first[32];
} jw;

static void sep(jw *w)
{
    if (!w->first[w->level])
        dc_buf_add(&w->b, ",");
    w->first[w->level] = false;
    dc_buf_add(&w->b, "\n");
    dc_buf_indent(&w->b, w->level);
}

static void key(jw *w, const char *k)
{
    sep(w);
    dc_buf_add_json_string(&w->b, k);
    dc_buf_add(&w->b, ": ");
}

static void open_(jw *w, const char *k, char c)
{
    if (k)
        key(w, k);
    else
        sep(w);
    dc_buf_addn(&w->b, &c, 1);
    w->level++;
    w->first[w->level] = true;
}

static void close_(jw *w, char c)
{
    bool empty = w->first[w->level];
    w->level--;
    if (!empty) {
        dc_buf_add(&w->b, "\n");
        dc_buf_indent(&w->b, w->level);
    }
    dc_buf_addn(&w->b, &c, 1);
}

static void str(jw *w, const char *k, const char *v)
{
    if (k)
        key(w, k);
    else
        sep(w);
    dc_buf_add_json_string(&w->b, v);
}

static void num(jw *w, const char *k, unsigned long long v)
{
    key(w, k);
    dc_buf_addf(&w->b, "%llu", v);
}

static void boolean(jw *w, const char *k, bool v)
{
    key(w, k);
    dc_buf_add(&w->b, v ? "true" : "false");
}

static void strs(jw *w, const char *k, char **v)
{
    open_(w, k, '[');
    for (; v && *v; v++)
        str(w, NULL, *v);
    close_(w, ']');
}

static void enum_values(jw *w, const char *name, dc_enum_type type, const dc_enum *e)
{
    if (!e->report)
        return;
    open_(w, name, '[');
    for (unsigned v = 0; v < dc_enum_value_count(type); v++)
        if (e->values & (UINT32_C(1) << v))
            str(w, NULL, dc_enum_value_name(type, v));
    close_(w, ']');
}

/* Opens an object with "supported"; returns true when its children follow. */
static bool open_supported(jw *w, const char *k, dc_tristate t)
{
    if (t == DC_ABSENT)
        return false;
    open_(w, k, '{');
    str(w, "supported", t == DC_YES ? "yes" : "no");
    if (t != DC_YES) {
        close_(w, '}');
        return false;
    }
    return true;
}

static void format_cpu(jw *w, const dc_domcaps *c)
{
    open_(w, "cpu", '{');
    if (open_supported(w, "host-passthrough", c->cpu.host_passthrough)) {
        open_(w, "enums", '{');
        enum_values(w, "hostPassthroughMigratable", DC_E_ONOFF, &c->cpu.host_passthrough_migratable);
        close_(w, '}');
        close_(w, '}');
    }
    if (open_supported(w, "maximum", c->cpu.maximum)) {
        open_(w, "enums", '{');
        enum_values(w, "maximumMigratable", DC_E_ONOFF, &c->cpu.maximum_migratable);
        close_(w, '}');
        close_(w, '}');
    }
    const dc_host_model *hm = &c->cpu.host_model;
    if (open_supported(w, "host-model", hm->supported)) {
        str(w, "model", hm->model);
        str(w, "fallback", hm->fallback_allow ? "allow" : "forbid");
        if (hm->vendor)
            str(w, "vendor", hm->vendor);
        if (hm->maxphysaddr_limit)
            num(w, "maxphysaddrLimit", hm->maxphysaddr_limit);
        strs(w, "require", hm->require);
        strs(w, "disable", hm->disable);
        close_(w, '}');
    }
    if (open_supported(w, "custom", c->cpu.custom)) {
        open_(w, "models", '[');
        for (size_t i = 0; i < c->cpu.nmodels; i++) {
            const dc_cpu_model *m = &c->cpu.models[i];
            static const char *const usable[] = {"unknown", "yes", "no"};
            open_(w, NULL, '{');
            str(w, "name", m->name);
            str(w, "usable", usable[m->usable]);
            if (m->deprecated)
                boolean(w, "deprecated", true);
            str(w, "vendor", m->vendor ? m->vendor : "unknown");
            if (m->canonical)
                str(w, "canonical", m->canonical);
            if (m->usable == DC_USABLE_NO)
                strs(w, "blockers", m->blockers);
            close_(w, '}');
        }
        close_(w, ']');
        close_(w, '}');
    }
    close_(w, '}');
}

char *dc_domcaps_format_json(const dc_domcaps *c)
{
    jw w = {.first = {true}};
    open_(&w, NULL, '{');
    str(&w, "path", c->path);
    str(&w, "domain", c->domain);
    str(&w, "machine", c->machine);
    str(&w, "arch", c->arch);
    if (c->vcpu_max) {
        open_(&w, "vcpu", '{');
        num(&w, "max", c->vcpu_max);
        close_(&w, '}');
    }
    if (open_supported(&w, "iothreads", c->iothreads))
        close_(&w, '}');

    if (open_supported(&w, "os", c->os.supported)) {
        open_(&w, "enums", '{');
        enum_values(&w, "firmware", DC_E_FIRMWARE, &c->os.firmware);
        close_(&w, '}');
        if (open_supported(&w, "firmwareFeatures", c->os.firmware_features)) {
            open_(&w, "enums", '{');
            enum_values(&w, "secureBoot", DC_E_YESNO, &c->os.secure_boot);
            enum_values(&w, "enrolledKeys", DC_E_YESNO, &c->os.enrolled_keys);
            close_(&w, '}');
            close_(&w, '}');
        }
        if (open_supported(&w, "loader", c->os.loader.supported)) {
            strs(&w, "values", c->os.loader.values);
            open_(&w, "enums", '{');
            enum_values(&w, "type", DC_E_LOADER_TYPE, &c->os.loader.type);
            enum_values(&w, "readonly", DC_E_YESNO, &c->os.loader.readonly);
            enum_values(&w, "secure", DC_E_YESNO, &c->os.loader.secure);
            close_(&w, '}');
            close_(&w, '}');
        }
        close_(&w, '}');
    }

    format_cpu(&w, c);

    if (open_supported(&w, "memoryBacking", c->memory_backing.supported)) {
        open_(&w, "enums", '{');
        enum_values(&w, "sourceType", DC_E_MEM_SOURCE, &c->memory_backing.source_type);
        close_(&w, '}');
        close_(&w, '}');
    }

    open_(&w, "devices", '{');
    for (unsigned k = 0; k < _DC_DEV_MAX; k++) {
        const dc_device_desc *d = &dc_device_descs[k];
        if (!open_supported(&w, d->element, c->devices[k].supported))
            continue;
        open_(&w, "enums", '{');
        for (unsigned e = 0; e < d->nenums; e++)
            enum_values(&w, d->enums[e].name, d->enums[e].type, &c->devices[k].enums[e]);
        close_(&w, '}');
        close_(&w, '}');
    }
    close_(&w, '}');

    open_(&w, "features", '{');
    if (open_supported(&w, "gic", c->features.gic)) {
        open_(&w, "enums", '{');
        enum_values(&w, "version", DC_E_GIC_VERSION, &c->features.gic_version);
        close_(&w, '}');
        close_(&w, '}');
    }
    for (unsigned f = 0; f < _DC_FEAT_MAX; f++)
        if (open_supported(&w, dc_simple_feature_names[f], c->features.simple[f]))
            close_(&w, '}');
    if (open_supported(&w, "sev", c->features.sev.supported)) {
        num(&w, "cbitpos", c->features.sev.cbitpos);
        num(&w, "reducedPhysBits", c->features.sev.reduced_phys_bits);
        num(&w, "maxGuests", c->features.sev.max_guests);
        num(&w, "maxESGuests", c->features.sev.max_es_guests);
        if (c->features.sev.cpu0_id)
            str(&w, "cpu0Id", c->features.sev.cpu0_id);
        close_(&w, '}');
    }
    if (open_supported(&w, "sgx", c->features.sgx.supported)) {
        boolean(&w, "flc", c->features.sgx.flc);
        boolean(&w, "sgx1", c->features.sgx.sgx1);
        boolean(&w, "sgx2", c->features.sgx.sgx2);
        num(&w, "sectionSizeKiB", c->features.sgx.section_size_kib);
        open_(&w, "sections", '[');
        for (size_t i = 0; i < c->features.sgx.nsections; i++) {
            open_(&w, NULL, '{');
            num(&w, "node", c->features.sgx.sections[i].node);
            num(&w, "sizeKiB", c->features.sgx.sections[i].size_kib);
            close_(&w, '}');
        }
        close_(&w, ']');
        close_(&w, '}');
    }
    if (open_supported(&w, "hyperv", c->features.hyperv.supported)) {
        open_(&w, "enums", '{');
        enum_values(&w, "features", DC_E_HYPERV, &c->features.hyperv.features);
        close_(&w, '}');
        close_(&w, '}');
    }
    if (open_supported(&w, "launchSecurity", c->features.launch_security.supported)) {
        open_(&w, "enums", '{');
        enum_values(&w, "sectype", DC_E_SECTYPE, &c->features.launch_security.sectype);
        close_(&w, '}');
        close_(&w, '}');
    }
    close_(&w, '}');
    close_(&w, '}');
    dc_buf_add(&w.b, "\n");
    /* The first separator printed a leading newline. */
    char *s = dc_buf_steal(&w.b);
    if (s[0] == '\n')
        memmove(s, s + 1, strlen(s));
    return s;
}
