/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Platform features: timers and tick policies, machine-specific features,
 * firmware features and SMM, Hyper-V enlightenments.
 */
#include "check_internal.h"

#include "arch.h"
#include "xmlsafe.h"

/* The attribute equals value (a missing attribute equals nothing). */
static bool prop_is(xmlNodePtr n, const char *attr, const char *value)
{
    _cleanup_free_ char *v = n ? dc_xml_prop(n, attr) : NULL;
    return v && streq(v, value);
}

static bool has_prop(xmlNodePtr n, const char *attr)
{
    _cleanup_free_ char *v = n ? dc_xml_prop(n, attr) : NULL;
    return v != NULL;
}

static xmlNodePtr feature(chk *c, const char *name)
{
    return dc_xml_child(dc_xml_child(c->root, "features"), name);
}

/* ---- clock ------------------------------------------------------------------ */

/* libvirt's post-parse checks of one timer (the attributes each timer takes). */
static void timer_attributes(chk *c, xmlNodePtr t, const char *name)
{
    _cleanup_free_ char *tick = dc_xml_prop(t, "tickpolicy");
    if (tick && (streq(name, "kvmclock") || streq(name, "hypervclock")))
        dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "tickpolicy", tick,
                       "timer %s doesn't support setting of timer tickpolicy", name);

    xmlNodePtr cu = dc_xml_child(t, "catchup");
    bool catchup_set = false;
    for (const char *const *a = (const char *const[]){"threshold", "slew", "limit", NULL}; *a;
         a++) {
        _cleanup_free_ char *v = dc_xml_prop(cu, *a);
        bool ok;
        if (v && dc_chk_parse_ull(v, &ok) != 0 && ok)
            catchup_set = true;
    }
    if (catchup_set && !(tick && streq(tick, "catchup")))
        dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, cu, NULL, NULL,
                       "setting of timer catchup policies is only supported with "
                       "tickpolicy='catchup'");

    if (!streq(name, "tsc")) {
        _cleanup_free_ char *freq = dc_xml_prop(t, "frequency");
        _cleanup_free_ char *mode = dc_xml_prop(t, "mode");
        bool ok;
        if (freq && dc_chk_parse_ull(freq, &ok) != 0)
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "frequency", freq,
                           "timer %s doesn't support setting of timer frequency", name);
        if (mode)
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "mode", mode,
                           "timer %s doesn't support setting of timer mode", name);
    }
    _cleanup_free_ char *track = dc_xml_prop(t, "track");
    if (track && !streq(name, "platform") && !streq(name, "rtc"))
        dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "track", track,
                       "timer %s doesn't support setting of timer track", name);
}

/* QEMU's validation of one timer: which arch, machine and accelerator take it. */
static void timer_qemu(chk *c, xmlNodePtr t, const char *name)
{
    _cleanup_free_ char *present = dc_xml_prop(t, "present");
    _cleanup_free_ char *tick = dc_xml_prop(t, "tickpolicy");
    _cleanup_free_ char *track = dc_xml_prop(t, "track");
    bool yes = present && streq(present, "yes"), no = present && streq(present, "no");

    if (streq(name, "platform")) {
        dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "name", name,
                       "unsupported timer type (name) '%s'", name);
    } else if (streq(name, "tsc") || streq(name, "kvmclock") || streq(name, "hypervclock")) {
        if (!c->x86 && yes)
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "present", present,
                           "Configuring the '%s' timer is not supported for virtType=%s "
                           "arch=%s machine=%s guests",
                           name, c->virttype, c->arch, c->caps->machine);
        else if (!c->x86 && no && streq(name, "kvmclock"))
            /* libvirt passes kvmclock=off to the CPU, a property only x86 CPUs have. */
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "present", present,
                           "can't apply global kvmclock=off: Property 'kvmclock' not found "
                           "(only x86 CPUs have it; %s is %s)",
                           c->caps->machine, c->arch);
    } else if (streq(name, "rtc")) {
        if (track && streq(track, "boot"))
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "track", track,
                           "unsupported rtc timer track '%s'", track);
        if (tick && (streq(tick, "merge") || streq(tick, "discard")))
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "tickpolicy", tick,
                           "unsupported rtc timer tickpolicy '%s'", tick);
    } else if (streq(name, "pit")) {
        if (tick && streq(tick, "merge"))
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "tickpolicy", tick,
                           "unsupported pit tickpolicy '%s'", tick);
    } else if (streq(name, "hpet")) {
        /* Only x86 QEMU can switch the HPET; asking for one elsewhere is refused. */
        if (yes && !c->x86)
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "present", present,
                           "hpet timer is not supported");
    } else if (streq(name, "armvtimer")) {
        if (!c->kvm || !c->arm_virt)
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "name", name,
                           "Configuring the '%s' timer is not supported for virtType=%s "
                           "arch=%s machine=%s guests",
                           name, c->virttype, c->arch, c->caps->machine);
        else if (no)
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "present", present,
                           "The '%s' timer can't be disabled", name);
        else if (tick && (streq(tick, "catchup") || streq(tick, "merge")))
            dc_chk_finding(c, DC_RULE_CLOCK, DC_SEVERITY_ERROR, t, "tickpolicy", tick,
                           "The '%s' timer does not support tickpolicy '%s'", name, tick);
    }
}

static void rule_clock(chk *c)
{
    dc_chk_mark(c, DC_RULE_CLOCK);
    xmlNodePtr clock = dc_xml_child(c->root, "clock");
    for (xmlNodePtr t = dc_xml_child(clock, "timer"); t; t = dc_xml_next(t, "timer")) {
        _cleanup_free_ char *name = dc_xml_prop(t, "name");
        if (!name)
            continue;
        timer_attributes(c, t, name);
        timer_qemu(c, t, name);
    }
}

/* ---- firmware, NVRAM and SMM ------------------------------------------------------ */

/* The enabled= of <os><firmware><feature name=...>: 1 yes, 0 no, -1 not asked. */
static int firmware_feature(chk *c, const char *name)
{
    xmlNodePtr fw = dc_xml_child(dc_xml_child(c->root, "os"), "firmware");
    for (xmlNodePtr f = dc_xml_child(fw, "feature"); f; f = dc_xml_next(f, "feature"))
        if (prop_is(f, "name", name)) {
            _cleanup_free_ char *en = dc_xml_prop(f, "enabled");
            return en ? streq(en, "yes") : -1;
        }
    return -1;
}

/* Is path a firmware executable libvirt knows a variable store template for? */
static bool known_loader(chk *c, const char *path)
{
    for (char **v = c->caps->os.loader.values; v && *v; v++)
        if (streq(*v, path))
            return true;
    for (size_t i = 0; c->live_host && i < c->live_host->firmware.n; i++) {
        const dc_firmware *f = &c->live_host->firmware.items[i];
        if (f->executable && f->nvram_template && streq(f->executable, path))
            return true;
    }
    return false;
}

static void rule_firmware_config(chk *c)
{
    dc_chk_mark(c, DC_RULE_FIRMWARE_CONFIG);
    xmlNodePtr os = dc_xml_child(c->root, "os");
    xmlNodePtr loader = dc_xml_child(os, "loader");
    xmlNodePtr nvram = dc_xml_child(os, "nvram");
    _cleanup_free_ char *fw = dc_xml_prop(os, "firmware");

    if (firmware_feature(c, "enrolled-keys") == 1 && firmware_feature(c, "secure-boot") == 0)
        dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, dc_xml_child(os, "firmware"),
                       NULL, NULL,
                       "firmware feature 'enrolled-keys' cannot be enabled when firmware "
                       "feature 'secure-boot' is disabled");

    if (fw) {
        /* Autoselection picks the loader and the template itself. */
        _cleanup_free_ char *lpath = dc_xml_text(loader);
        if (lpath || has_prop(loader, "type"))
            dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, loader, "type", NULL,
                           "loader attribute 'type' cannot be specified when firmware "
                           "autoselection is enabled");
        if (has_prop(loader, "readonly"))
            dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, loader, "readonly", NULL,
                           "loader attribute 'readonly' cannot be specified when firmware "
                           "autoselection is enabled");
        if (prop_is(loader, "secure", "no"))
            dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, loader, "secure", "no",
                           "loader attribute 'secure' cannot be specified when firmware "
                           "autoselection is enabled");
        if (prop_is(loader, "secure", "yes") && firmware_feature(c, "secure-boot") == 0)
            dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, loader, "secure", "yes",
                           "operation failed: Unable to find any firmware to satisfy '%s' "
                           "(a secure loader with secure-boot disabled)",
                           fw);
        if (has_prop(nvram, "template"))
            dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, nvram, "template", NULL,
                           "nvram attribute 'template' cannot be specified when firmware "
                           "autoselection is enabled");

        /*
         * Offline the descriptors are not at hand (live, the os rule judges the
         * descriptor libvirt picks): on x86 the secure-boot builds come first and
         * require SMM, so libvirt takes one unless the domain rules secure boot out.
         */
        xmlNodePtr smm = feature(c, "smm");
        if (!c->live_host && streq(fw, "efi") && c->x86 && prop_is(smm, "state", "off") &&
            dc_enum_has(&c->caps->os.loader.secure, DC_YES_V) &&
            firmware_feature(c, "secure-boot") != 0)
            dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, smm, "state", "off",
                           "Requested operation is not valid: domain has SMM turned off but "
                           "chosen firmware requires it (the secure-boot firmware libvirt "
                           "prefers for %s)",
                           c->caps->machine);
        return;
    }

    /*
     * A read-only pflash loader needs a writable variable store; without a
     * template libvirt looks one up by the loader path among the firmware it
     * knows, and fails for any other image.
     */
    _cleanup_free_ char *path = dc_xml_text(loader);
    if (!path || !prop_is(loader, "type", "pflash") || !prop_is(loader, "readonly", "yes") ||
        prop_is(loader, "stateless", "yes") || has_prop(nvram, "template") || known_loader(c, path))
        return;
    _cleanup_free_ char *vars = dc_xml_text(nvram);
    struct stat st;
    if (vars && (!c->live || stat(vars, &st) == 0))
        return; /* an existing store needs no template (offline: it may exist) */
    dc_chk_finding(c, DC_RULE_FIRMWARE_CONFIG, DC_SEVERITY_ERROR, loader, NULL, path,
                   "operation failed: unable to find any master var store for loader: %s", path);
    dc_chk_hint(c, "add <nvram template='...'/> naming the variable store that goes with this "
                   "loader");
}

/* ---- Hyper-V ------------------------------------------------------------------ */

/* Enlightenments other than the two string properties every QEMU reports. */
static bool kvm_reports_hyperv(chk *c)
{
    const dc_enum *e = &c->caps->features.hyperv.features;
    for (unsigned v = 0; v < _DC_HYPERV_MAX; v++)
        if (v != DC_HV_SPINLOCKS && v != DC_HV_VENDOR_ID && dc_enum_has(e, v))
            return true;
    return false;
}

/*
 * Without Hyper-V support in KVM, QEMU still passes the CPUID bits, but the
 * enlightenments whose MSRs it programs at vCPU reset make KVM refuse the
 * write and QEMU abort.
 */
static const struct {
    const char *name;
    unsigned msr;
} hv_msr_backed[] = {
    {"vapic", 0x40000073},
    {"synic", 0x40000081},
    {"reenlightenment", 0x40000106},
};

/* Under KVM that reports its Hyper-V enlightenments: each one asked for is offered. */
static void hyperv_offered(chk *c, xmlNodePtr hv, bool passthrough)
{
    /*
     * QEMU refuses what KVM does not offer; libvirt checks the guest CPU
     * after start and only warns for relaxed and vapic.
     */
    for (xmlNodePtr h = dc_xml_child(hv, NULL); h && !passthrough; h = dc_xml_next(h, NULL)) {
        const char *hn = (const char *)h->name;
        int v = dc_enum_value_lookup(DC_E_HYPERV, hn);
        if (!prop_is(h, "state", "on") || v < 0 || v == DC_HV_SPINLOCKS || v == DC_HV_VENDOR_ID ||
            dc_enum_has(&c->caps->features.hyperv.features, (unsigned)v))
            continue;
        bool warn = v == DC_HV_RELAXED || v == DC_HV_VAPIC;
        dc_chk_finding(c, DC_RULE_HYPERV, warn ? DC_SEVERITY_WARNING : DC_SEVERITY_ERROR, h, NULL,
                       hn, "host doesn't support hyperv '%s' feature", hn);
        _cleanup_free_ char *sup =
            dc_chk_enum_list(DC_E_HYPERV, &c->caps->features.hyperv.features);
        dc_chk_last(c)->supported = xstrdup(sup);
    }
}

/* Under KVM without any Hyper-V support: the enlightenments QEMU cannot set. */
static void hyperv_none(chk *c, xmlNodePtr hv, bool passthrough, xmlNodePtr hvclock_node)
{
    xmlNodePtr vp = dc_xml_child(hv, "vpindex");
    if (!passthrough && prop_is(vp, "state", "on"))
        dc_chk_finding(c, DC_RULE_HYPERV, DC_SEVERITY_ERROR, vp, "state", "on",
                       "kernel doesn't allow setting HyperV VP_INDEX (KVM on this host has no "
                       "Hyper-V support)");
    for (size_t i = 0; i < ELEMENTSOF(hv_msr_backed) && !passthrough; i++) {
        xmlNodePtr h = dc_xml_child(hv, hv_msr_backed[i].name);
        if (prop_is(h, "state", "on"))
            dc_chk_finding(c, DC_RULE_HYPERV, DC_SEVERITY_ERROR, h, "state", "on",
                           "failed to set MSR 0x%x: KVM on this host has no Hyper-V support, so "
                           "QEMU cannot start with the '%s' enlightenment",
                           hv_msr_backed[i].msr, hv_msr_backed[i].name);
    }
    if (hvclock_node)
        dc_chk_finding(c, DC_RULE_HYPERV, DC_SEVERITY_ERROR, hvclock_node, "present", "yes",
                       "failed to set MSR 0x40000021: KVM on this host has no Hyper-V support, "
                       "so QEMU cannot start with the 'hypervclock' timer (hv-time)");
}

static void rule_hyperv(chk *c)
{
    dc_chk_mark(c, DC_RULE_HYPERV);
    xmlNodePtr hv = feature(c, "hyperv");
    bool passthrough = prop_is(hv, "mode", "passthrough");
    const char *first_on = NULL;
    for (xmlNodePtr h = dc_xml_child(hv, NULL); h && !first_on; h = dc_xml_next(h, NULL))
        if (prop_is(h, "state", "on"))
            first_on = (const char *)h->name;

    /* libvirt lets arm virt through, but QEMU's Arm CPUs have no hv-* properties. */
    if (hv && c->arm_virt && (passthrough || first_on)) {
        _cleanup_free_ char *prop = xstrdup(passthrough ? "passthrough" : first_on);
        for (char *p = prop; *p; p++)
            if (*p == '_')
                *p = '-';
        dc_chk_finding(c, DC_RULE_HYPERV, DC_SEVERITY_ERROR, hv, NULL, prop,
                       "can't apply global hv-%s: Property 'hv-%s' not found (QEMU's %s CPUs "
                       "have no Hyper-V enlightenments)",
                       prop, prop, c->arch);
        return;
    }
    if (!c->x86)
        return;

    xmlNodePtr hvclock_node = NULL;
    for (xmlNodePtr t = dc_xml_child(dc_xml_child(c->root, "clock"), "timer"); t;
         t = dc_xml_next(t, "timer"))
        if (prop_is(t, "name", "hypervclock") && prop_is(t, "present", "yes"))
            hvclock_node = t;

    if (!c->kvm) {
        /*
         * QEMU before 8.1 asks KVM whether VP_INDEX is settable even under TCG.
         * A snapshot does not carry the version (0): judge it as such a QEMU.
         */
        xmlNodePtr vp = dc_xml_child(hv, "vpindex");
        int major = c->qemu ? c->qemu->version_major : 0;
        int minor = c->qemu ? c->qemu->version_minor : 0;
        if (hv && !passthrough && prop_is(vp, "state", "on") &&
            (major < 8 || (major == 8 && minor < 1)))
            dc_chk_finding(c, DC_RULE_HYPERV, DC_SEVERITY_ERROR, vp, "state", "on",
                           "kernel doesn't allow setting HyperV VP_INDEX (QEMU before 8.1 "
                           "checks it under TCG too)");
        return;
    }
    if (c->caps->features.hyperv.supported != DC_YES || (passthrough && !hvclock_node))
        return;

    /* KVM offers no Hyper-V enlightenment at all when its hv-passthrough expansion is empty. */
    if (kvm_reports_hyperv(c))
        hyperv_offered(c, hv, passthrough);
    else
        hyperv_none(c, hv, passthrough, hvclock_node);
}

/* ---- machine-specific features ------------------------------------------------------ */

static void not_for_machine(chk *c, xmlNodePtr f, const char *name)
{
    dc_chk_finding(c, DC_RULE_MACHINE_FEATURE, DC_SEVERITY_ERROR, f, NULL, name,
                   "The '%s' feature is not supported for architecture '%s' or machine type "
                   "'%s'",
                   name, c->arch, c->caps->machine);
}

static void rule_machine_feature(chk *c)
{
    dc_chk_mark(c, DC_RULE_MACHINE_FEATURE);
    static const char *const pseries_only[] = {"hpt",  "htm",  "nested-hv", "ccf-assist",
                                               "cfpc", "sbbc", "ibs"};
    for (xmlNodePtr f = dc_xml_child(dc_xml_child(c->root, "features"), NULL); f;
         f = dc_xml_next(f, NULL)) {
        const char *name = (const char *)f->name;
        bool on = prop_is(f, "state", "on");
        bool is_pseries_only = false;
        for (size_t i = 0; i < ELEMENTSOF(pseries_only); i++)
            if (streq(name, pseries_only[i]))
                is_pseries_only = true;

        if (is_pseries_only && !c->pseries) {
            not_for_machine(c, f, name);
        } else if (streq(name, "htm") && on && !c->kvm) {
            dc_chk_finding(c, DC_RULE_MACHINE_FEATURE, DC_SEVERITY_ERROR, f, "state", "on",
                           "No Transactional Memory support in TCG (QEMU refuses cap-htm=on)");
            dc_chk_hint(c, "use <htm state='off'/> or drop it under type='qemu'");
        } else if ((streq(name, "ioapic") || streq(name, "pvspinlock")) && !c->x86) {
            not_for_machine(c, f, name);
        } else if (streq(name, "pvspinlock") && on && !c->kvm) {
            /* libvirt checks kvm_pv_unhalt in the started guest's CPU; TCG lacks it. */
            dc_chk_finding(c, DC_RULE_MACHINE_FEATURE, DC_SEVERITY_ERROR, f, "state", "on",
                           "host doesn't support paravirtual spinlocks");
        } else if (streq(name, "apic") && has_prop(f, "eoi") && !c->x86) {
            dc_chk_finding(c, DC_RULE_MACHINE_FEATURE, DC_SEVERITY_ERROR, f, "eoi", NULL,
                           "The 'eoi' attribute of the 'apic' feature is not supported for "
                           "architecture '%s' or machine type '%s'",
                           c->arch, c->caps->machine);
        } else if (streq(name, "pmu") && prop_is(f, "state", "off") && dc_arch_is_ppc64(c->arch)) {
            dc_chk_finding(c, DC_RULE_MACHINE_FEATURE, DC_SEVERITY_ERROR, f, "state", "off",
                           "PMU is always enabled for architecture '%s'", c->arch);
        } else if (streq(name, "vmport") && c->x86 && !c->pc && !c->q35 && !c->isapc) {
            dc_chk_finding(c, DC_RULE_MACHINE_FEATURE, DC_SEVERITY_ERROR, f, NULL, NULL,
                           "vmport is not available with this QEMU binary");
        }
    }
}

void dc_chk_rule_platform(chk *c)
{
    rule_clock(c);
    rule_firmware_config(c);
    rule_hyperv(c);
    rule_machine_feature(c);
}
