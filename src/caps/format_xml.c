/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domainCapabilities document, printed exactly as libvirt prints it. */
#include "domcaps/domcaps.h"
#include "util.h"

static const char *tri(dc_tristate t) { return t == DC_YES ? "yes" : "no"; }

static void text_elem(dc_buf *b, int lvl, const char *name, const char *text)
{
    dc_buf_indent(b, lvl);
    dc_buf_addf(b, "<%s>", name);
    dc_buf_add_xml_escaped(b, text);
    dc_buf_addf(b, "</%s>\n", name);
}

static void enum_elem(dc_buf *b, int lvl, const char *name, dc_enum_type type, const dc_enum *e)
{
    if (!e->report)
        return;
    dc_buf_indent(b, lvl);
    if (!e->values) {
        dc_buf_addf(b, "<enum name='%s'/>\n", name);
        return;
    }
    dc_buf_addf(b, "<enum name='%s'>\n", name);
    for (unsigned v = 0; v < dc_enum_value_count(type); v++)
        if (e->values & (UINT32_C(1) << v))
            text_elem(b, lvl + 1, "value", dc_enum_value_name(type, v));
    dc_buf_indent(b, lvl);
    dc_buf_add(b, "</enum>\n");
}

/* Opens <name supported='..'> and returns true when children follow. */
static bool open_supported(dc_buf *b, int lvl, const char *name, const char *extra, dc_tristate t,
                           bool has_children)
{
    if (t == DC_ABSENT)
        return false;
    dc_buf_indent(b, lvl);
    dc_buf_addf(b, "<%s%s supported='%s'", name, extra ? extra : "", tri(t));
    if (t != DC_YES || !has_children) {
        dc_buf_add(b, "/>\n");
        return false;
    }
    dc_buf_add(b, ">\n");
    return true;
}

static void close_elem(dc_buf *b, int lvl, const char *name)
{
    dc_buf_indent(b, lvl);
    dc_buf_addf(b, "</%s>\n", name);
}

static void format_os(dc_buf *b, const dc_domcaps *c)
{
    if (!open_supported(b, 1, "os", NULL, c->os.supported, true))
        return;
    enum_elem(b, 2, "firmware", DC_E_FIRMWARE, &c->os.firmware);
    if (open_supported(b, 2, "firmwareFeatures", NULL, c->os.firmware_features, true)) {
        enum_elem(b, 3, "secureBoot", DC_E_YESNO, &c->os.secure_boot);
        enum_elem(b, 3, "enrolledKeys", DC_E_YESNO, &c->os.enrolled_keys);
        close_elem(b, 2, "firmwareFeatures");
    }
    if (open_supported(b, 2, "loader", NULL, c->os.loader.supported, true)) {
        for (char **v = c->os.loader.values; v && *v; v++)
            text_elem(b, 3, "value", *v);
        enum_elem(b, 3, "type", DC_E_LOADER_TYPE, &c->os.loader.type);
        enum_elem(b, 3, "readonly", DC_E_YESNO, &c->os.loader.readonly);
        enum_elem(b, 3, "secure", DC_E_YESNO, &c->os.loader.secure);
        close_elem(b, 2, "loader");
    }
    close_elem(b, 1, "os");
}

static void format_mode_enum(dc_buf *b, const char *mode, dc_tristate t, const char *ename,
                             const dc_enum *e)
{
    _cleanup_free_ char *extra = xasprintf(" name='%s'", mode);
    if (open_supported(b, 2, "mode", extra, t, e->report)) {
        enum_elem(b, 3, ename, DC_E_ONOFF, e);
        close_elem(b, 2, "mode");
    }
}

static void format_cpu(dc_buf *b, const dc_domcaps *c)
{
    dc_buf_add(b, "  <cpu>\n");
    format_mode_enum(b, "host-passthrough", c->cpu.host_passthrough, "hostPassthroughMigratable",
                     &c->cpu.host_passthrough_migratable);
    format_mode_enum(b, "maximum", c->cpu.maximum, "maximumMigratable", &c->cpu.maximum_migratable);

    const dc_host_model *hm = &c->cpu.host_model;
    if (open_supported(b, 2, "mode", " name='host-model'", hm->supported, true)) {
        dc_buf_indent(b, 3);
        dc_buf_addf(b, "<model fallback='%s'>", hm->fallback_allow ? "allow" : "forbid");
        dc_buf_add_xml_escaped(b, hm->model);
        dc_buf_add(b, "</model>\n");
        if (hm->vendor)
            text_elem(b, 3, "vendor", hm->vendor);
        if (hm->maxphysaddr_limit)
            dc_buf_addf(b, "      <maxphysaddr mode='passthrough' limit='%u'/>\n",
                        hm->maxphysaddr_limit);
        for (int pass = 0; pass < 2; pass++)
            for (char **f = pass ? hm->disable : hm->require; f && *f; f++) {
                dc_buf_addf(b, "      <feature policy='%s' name='", pass ? "disable" : "require");
                dc_buf_add_xml_escaped(b, *f);
                dc_buf_add(b, "'/>\n");
            }
        close_elem(b, 2, "mode");
    }

    if (open_supported(b, 2, "mode", " name='custom'", c->cpu.custom, c->cpu.nmodels > 0)) {
        for (size_t i = 0; i < c->cpu.nmodels; i++) {
            const dc_cpu_model *m = &c->cpu.models[i];
            static const char *const usable[] = {"unknown", "yes", "no"};
            dc_buf_indent(b, 3);
            dc_buf_addf(b, "<model usable='%s'", usable[m->usable]);
            if (m->deprecated)
                dc_buf_add(b, " deprecated='yes'");
            dc_buf_add(b, " vendor='");
            dc_buf_add_xml_escaped(b, m->vendor ? m->vendor : "unknown");
            dc_buf_add(b, "'");
            if (m->canonical) {
                dc_buf_add(b, " canonical='");
                dc_buf_add_xml_escaped(b, m->canonical);
                dc_buf_add(b, "'");
            }
            dc_buf_add(b, ">");
            dc_buf_add_xml_escaped(b, m->name);
            dc_buf_add(b, "</model>\n");
            if (m->usable == DC_USABLE_NO && m->blockers && m->blockers[0]) {
                dc_buf_indent(b, 3);
                dc_buf_add(b, "<blockers model='");
                dc_buf_add_xml_escaped(b, m->name);
                dc_buf_add(b, "'>\n");
                for (char **f = m->blockers; *f; f++) {
                    dc_buf_indent(b, 4);
                    dc_buf_add(b, "<feature name='");
                    dc_buf_add_xml_escaped(b, *f);
                    dc_buf_add(b, "'/>\n");
                }
                close_elem(b, 3, "blockers");
            }
        }
        close_elem(b, 2, "mode");
    }
    dc_buf_add(b, "  </cpu>\n");
}

static void format_devices(dc_buf *b, const dc_domcaps *c)
{
    dc_buf_add(b, "  <devices>\n");
    for (unsigned k = 0; k < _DC_DEV_MAX; k++) {
        const dc_device_desc *d = &dc_device_descs[k];
        const dc_device *dev = &c->devices[k];
        if (!open_supported(b, 2, d->element, NULL, dev->supported, true))
            continue;
        for (unsigned e = 0; e < d->nenums; e++)
            enum_elem(b, 3, d->enums[e].name, d->enums[e].type, &dev->enums[e]);
        close_elem(b, 2, d->element);
    }
    dc_buf_add(b, "  </devices>\n");
}

static void format_features(dc_buf *b, const dc_domcaps *c)
{
    dc_buf_add(b, "  <features>\n");
    if (open_supported(b, 2, "gic", NULL, c->features.gic, true)) {
        enum_elem(b, 3, "version", DC_E_GIC_VERSION, &c->features.gic_version);
        close_elem(b, 2, "gic");
    }
    for (unsigned f = 0; f < _DC_FEAT_MAX; f++)
        open_supported(b, 2, dc_simple_feature_names[f], NULL, c->features.simple[f], false);

    if (open_supported(b, 2, "sev", NULL, c->features.sev.supported, true)) {
        dc_buf_addf(b, "      <cbitpos>%u</cbitpos>\n", c->features.sev.cbitpos);
        dc_buf_addf(b, "      <reducedPhysBits>%u</reducedPhysBits>\n",
                    c->features.sev.reduced_phys_bits);
        dc_buf_addf(b, "      <maxGuests>%u</maxGuests>\n", c->features.sev.max_guests);
        dc_buf_addf(b, "      <maxESGuests>%u</maxESGuests>\n", c->features.sev.max_es_guests);
        if (c->features.sev.cpu0_id)
            text_elem(b, 3, "cpu0Id", c->features.sev.cpu0_id);
        close_elem(b, 2, "sev");
    }
    if (open_supported(b, 2, "sgx", NULL, c->features.sgx.supported, true)) {
        dc_buf_addf(b, "      <flc>%s</flc>\n", c->features.sgx.flc ? "yes" : "no");
        dc_buf_addf(b, "      <sgx1>%s</sgx1>\n", c->features.sgx.sgx1 ? "yes" : "no");
        dc_buf_addf(b, "      <sgx2>%s</sgx2>\n", c->features.sgx.sgx2 ? "yes" : "no");
        dc_buf_addf(b, "      <section_size unit='KiB'>%llu</section_size>\n",
                    c->features.sgx.section_size_kib);
        if (c->features.sgx.nsections) {
            dc_buf_add(b, "      <sections>\n");
            for (size_t i = 0; i < c->features.sgx.nsections; i++)
                dc_buf_addf(b, "        <section node='%u' size='%llu' unit='KiB'/>\n",
                            c->features.sgx.sections[i].node, c->features.sgx.sections[i].size_kib);
            dc_buf_add(b, "      </sections>\n");
        }
        close_elem(b, 2, "sgx");
    }
    if (open_supported(b, 2, "hyperv", NULL, c->features.hyperv.supported, true)) {
        enum_elem(b, 3, "features", DC_E_HYPERV, &c->features.hyperv.features);
        close_elem(b, 2, "hyperv");
    }
    if (open_supported(b, 2, "launchSecurity", NULL, c->features.launch_security.supported, true)) {
        enum_elem(b, 3, "sectype", DC_E_SECTYPE, &c->features.launch_security.sectype);
        close_elem(b, 2, "launchSecurity");
    }
    dc_buf_add(b, "  </features>\n");
}

char *dc_domcaps_format_xml(const dc_domcaps *c)
{
    dc_buf b = {0};
    dc_buf_add(&b, "<domainCapabilities>\n");
    text_elem(&b, 1, "path", c->path);
    text_elem(&b, 1, "domain", c->domain);
    text_elem(&b, 1, "machine", c->machine);
    text_elem(&b, 1, "arch", c->arch);
    if (c->vcpu_max)
        dc_buf_addf(&b, "  <vcpu max='%u'/>\n", c->vcpu_max);
    open_supported(&b, 1, "iothreads", NULL, c->iothreads, false);
    format_os(&b, c);
    format_cpu(&b, c);
    if (open_supported(&b, 1, "memoryBacking", NULL, c->memory_backing.supported, true)) {
        enum_elem(&b, 2, "sourceType", DC_E_MEM_SOURCE, &c->memory_backing.source_type);
        close_elem(&b, 1, "memoryBacking");
    }
    format_devices(&b, c);
    format_features(&b, c);
    dc_buf_add(&b, "</domainCapabilities>\n");
    return dc_buf_steal(&b);
}
