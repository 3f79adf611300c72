/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The same document as JSON (docs/schema/domcaps.schema.json): elements
 * become keys, supported and other yes/no attributes become booleans, each
 * <enum> becomes an array under "enums", "schemaVersion" comes first.
 */
#include "domcaps/domcaps.h"
#include "jsonw.h"

static void num(dc_jw *w, const char *k, unsigned long long v) { dc_jw_num(w, k, (long long)v); }

static void enum_values(dc_jw *w, const char *name, dc_enum_type type, const dc_enum *e)
{
    if (!e->report)
        return;
    dc_jw_open(w, name, '[');
    for (unsigned v = 0; v < dc_enum_value_count(type); v++)
        if (e->values & (UINT32_C(1) << v))
            dc_jw_str(w, NULL, dc_enum_value_name(type, v));
    dc_jw_close(w, ']');
}

/* Opens an object with "supported"; returns true when its children follow. */
static bool open_supported(dc_jw *w, const char *k, dc_tristate t)
{
    if (t == DC_ABSENT)
        return false;
    dc_jw_open(w, k, '{');
    dc_jw_bool(w, "supported", t == DC_YES);
    if (t != DC_YES) {
        dc_jw_close(w, '}');
        return false;
    }
    return true;
}

static void format_cpu(dc_jw *w, const dc_domcaps *c)
{
    dc_jw_open(w, "cpu", '{');
    if (open_supported(w, "host-passthrough", c->cpu.host_passthrough)) {
        dc_jw_open(w, "enums", '{');
        enum_values(w, "hostPassthroughMigratable", DC_E_ONOFF,
                    &c->cpu.host_passthrough_migratable);
        dc_jw_close(w, '}');
        dc_jw_close(w, '}');
    }
    if (open_supported(w, "maximum", c->cpu.maximum)) {
        dc_jw_open(w, "enums", '{');
        enum_values(w, "maximumMigratable", DC_E_ONOFF, &c->cpu.maximum_migratable);
        dc_jw_close(w, '}');
        dc_jw_close(w, '}');
    }
    const dc_host_model *hm = &c->cpu.host_model;
    if (open_supported(w, "host-model", hm->supported)) {
        dc_jw_str(w, "model", hm->model);
        dc_jw_str(w, "fallback", hm->fallback_allow ? "allow" : "forbid");
        if (hm->vendor)
            dc_jw_str(w, "vendor", hm->vendor);
        if (hm->maxphysaddr_limit) {
            dc_jw_open(w, "maxphysaddr", '{');
            dc_jw_str(w, "mode", "passthrough");
            num(w, "limit", hm->maxphysaddr_limit);
            dc_jw_close(w, '}');
        }
        dc_jw_strs(w, "require", hm->require);
        dc_jw_strs(w, "disable", hm->disable);
        dc_jw_close(w, '}');
    }
    if (open_supported(w, "custom", c->cpu.custom)) {
        dc_jw_open(w, "models", '[');
        for (size_t i = 0; i < c->cpu.nmodels; i++) {
            const dc_cpu_model *m = &c->cpu.models[i];
            dc_jw_open(w, NULL, '{');
            dc_jw_str(w, "name", m->name);
            if (m->usable == DC_USABLE_UNKNOWN)
                dc_jw_null(w, "usable");
            else
                dc_jw_bool(w, "usable", m->usable == DC_USABLE_YES);
            if (m->deprecated)
                dc_jw_bool(w, "deprecated", true);
            dc_jw_str(w, "vendor", m->vendor ? m->vendor : "unknown");
            if (m->canonical)
                dc_jw_str(w, "canonical", m->canonical);
            if (m->usable == DC_USABLE_NO)
                dc_jw_strs(w, "blockers", m->blockers);
            dc_jw_close(w, '}');
        }
        dc_jw_close(w, ']');
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, '}');
}

/* "os": firmware, its features and the loader. */
static void format_os(dc_jw *w, const dc_domcaps *c)
{
    if (open_supported(w, "os", c->os.supported)) {
        dc_jw_open(w, "enums", '{');
        enum_values(w, "firmware", DC_E_FIRMWARE, &c->os.firmware);
        dc_jw_close(w, '}');
        if (open_supported(w, "firmwareFeatures", c->os.firmware_features)) {
            dc_jw_open(w, "enums", '{');
            enum_values(w, "secureBoot", DC_E_YESNO, &c->os.secure_boot);
            enum_values(w, "enrolledKeys", DC_E_YESNO, &c->os.enrolled_keys);
            dc_jw_close(w, '}');
            dc_jw_close(w, '}');
        }
        if (open_supported(w, "loader", c->os.loader.supported)) {
            dc_jw_strs(w, "values", c->os.loader.values);
            dc_jw_open(w, "enums", '{');
            enum_values(w, "type", DC_E_LOADER_TYPE, &c->os.loader.type);
            enum_values(w, "readonly", DC_E_YESNO, &c->os.loader.readonly);
            enum_values(w, "secure", DC_E_YESNO, &c->os.loader.secure);
            dc_jw_close(w, '}');
            dc_jw_close(w, '}');
        }
        dc_jw_close(w, '}');
    }
}

/* "devices": each kind with its enums. */
static void format_devices(dc_jw *w, const dc_domcaps *c)
{
    dc_jw_open(w, "devices", '{');
    for (unsigned k = 0; k < _DC_DEV_MAX; k++) {
        const dc_device_desc *d = &dc_device_descs[k];
        if (!open_supported(w, d->element, c->devices[k].supported))
            continue;
        dc_jw_open(w, "enums", '{');
        for (unsigned e = 0; e < d->nenums; e++)
            enum_values(w, d->enums[e].name, d->enums[e].type, &c->devices[k].enums[e]);
        dc_jw_close(w, '}');
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, '}');
}

/* "features". */
static void format_features(dc_jw *w, const dc_domcaps *c)
{
    dc_jw_open(w, "features", '{');
    if (open_supported(w, "gic", c->features.gic)) {
        dc_jw_open(w, "enums", '{');
        enum_values(w, "version", DC_E_GIC_VERSION, &c->features.gic_version);
        dc_jw_close(w, '}');
        dc_jw_close(w, '}');
    }
    for (unsigned f = 0; f < _DC_FEAT_MAX; f++)
        if (open_supported(w, dc_simple_feature_names[f], c->features.simple[f]))
            dc_jw_close(w, '}');
    if (open_supported(w, "sev", c->features.sev.supported)) {
        num(w, "cbitpos", c->features.sev.cbitpos);
        num(w, "reducedPhysBits", c->features.sev.reduced_phys_bits);
        num(w, "maxGuests", c->features.sev.max_guests);
        num(w, "maxESGuests", c->features.sev.max_es_guests);
        if (c->features.sev.cpu0_id)
            dc_jw_str(w, "cpu0Id", c->features.sev.cpu0_id);
        dc_jw_close(w, '}');
    }
    if (open_supported(w, "sgx", c->features.sgx.supported)) {
        dc_jw_bool(w, "flc", c->features.sgx.flc);
        dc_jw_bool(w, "sgx1", c->features.sgx.sgx1);
        dc_jw_bool(w, "sgx2", c->features.sgx.sgx2);
        num(w, "sectionSizeKiB", c->features.sgx.section_size_kib);
        dc_jw_open(w, "sections", '[');
        for (size_t i = 0; i < c->features.sgx.nsections; i++) {
            dc_jw_open(w, NULL, '{');
            num(w, "node", c->features.sgx.sections[i].node);
            num(w, "sizeKiB", c->features.sgx.sections[i].size_kib);
            dc_jw_close(w, '}');
        }
        dc_jw_close(w, ']');
        dc_jw_close(w, '}');
    }
    if (open_supported(w, "hyperv", c->features.hyperv.supported)) {
        dc_jw_open(w, "enums", '{');
        enum_values(w, "features", DC_E_HYPERV, &c->features.hyperv.features);
        dc_jw_close(w, '}');
        dc_jw_close(w, '}');
    }
    if (open_supported(w, "launchSecurity", c->features.launch_security.supported)) {
        dc_jw_open(w, "enums", '{');
        enum_values(w, "sectype", DC_E_SECTYPE, &c->features.launch_security.sectype);
        dc_jw_close(w, '}');
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, '}');
}

char *dc_domcaps_format_json(const dc_domcaps *c)
{
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
    dc_jw_num(&w, "schemaVersion", DC_JSON_SCHEMA_VERSION);
    dc_jw_str(&w, "path", c->path);
    dc_jw_str(&w, "domain", c->domain);
    dc_jw_str(&w, "machine", c->machine);
    dc_jw_str(&w, "arch", c->arch);
    if (c->vcpu_max) {
        dc_jw_open(&w, "vcpu", '{');
        num(&w, "max", c->vcpu_max);
        dc_jw_close(&w, '}');
    }
    if (open_supported(&w, "iothreads", c->iothreads))
        dc_jw_close(&w, '}');

    format_os(&w, c);

    format_cpu(&w, c);

    if (open_supported(&w, "memoryBacking", c->memory_backing.supported)) {
        dc_jw_open(&w, "enums", '{');
        enum_values(&w, "sourceType", DC_E_MEM_SOURCE, &c->memory_backing.source_type);
        dc_jw_close(&w, '}');
        dc_jw_close(&w, '}');
    }

    format_devices(&w, c);

    format_features(&w, c);
    dc_jw_close(&w, '}');
    return dc_jw_finish(&w);
}
