/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capability rules: what the domainCapabilities document (and, with a
 * snapshot extension or live, QEMU's device list) says the emulator offers.
 */
#include "check_internal.h"

#include "arch.h"
#include "xmlsafe.h"

/* ---- domain-level rules ----------------------------------------------------- */

unsigned long long dc_chk_parse_ull(const char *s, bool *ok)
{
    char *end;
    errno = 0;
    unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    *ok = s && *s && !errno && *end == '\0';
    return v;
}

static unsigned vcpu_count(chk *c, xmlNodePtr *ret_node)
{
    xmlNodePtr vcpu = dc_xml_child(c->root, "vcpu");
    *ret_node = vcpu;
    if (!vcpu)
        return 1;
    _cleanup_free_ char *t = dc_xml_text(vcpu);
    bool ok;
    unsigned long long n = dc_chk_parse_ull(t, &ok);
    if (!ok) {
        dc_chk_finding(c, DC_RULE_VCPU_COUNT, DC_SEVERITY_ERROR, vcpu, NULL, t,
                       "vCPU count '%s' is not a number", t ? t : "");
        return 0;
    }
    return n > 1u << 20 ? 1u << 20 : (unsigned)n;
}

void dc_chk_rule_vcpus(chk *c)
{
    xmlNodePtr node;
    unsigned n = vcpu_count(c, &node);
    dc_chk_mark(c, DC_RULE_VCPU_COUNT);
    if (!node)
        return;
    if (n == 0) {
        if (c->res->nfindings && streq(dc_chk_last(c)->rule, dc_chk_rule_id(DC_RULE_VCPU_COUNT)))
            return;
        dc_chk_finding(c, DC_RULE_VCPU_COUNT, DC_SEVERITY_ERROR, node, NULL, "0",
                       "Domain requires at least 1 vCPU");
        return;
    }
    if (c->caps->vcpu_max && n > c->caps->vcpu_max) {
        _cleanup_free_ char *v = xasprintf("%u", n);
        dc_chk_finding(
            c, DC_RULE_VCPU_COUNT, DC_SEVERITY_ERROR, node, NULL, v,
            "Maximum CPUs greater than specified machine type limit %u (%u requested for "
            "machine %s under %s)",
            c->caps->vcpu_max, n, c->caps->machine, c->caps->domain);
        dc_chk_last(c)->supported = xasprintf("1-%u", c->caps->vcpu_max);
    }

    /*
     * A blind spot of libvirt: GICv2 on arm virt addresses at most 8 CPUs.
     * Without a version libvirt passes none under TCG and QEMU's default is v2.
     */
    if (dc_arch_is_arm(c->caps->arch) && startswith(c->caps->machine, "virt")) {
        dc_chk_mark(c, DC_RULE_VCPU_GICV2);
        xmlNodePtr gic = dc_xml_child(dc_xml_child(c->root, "features"), "gic");
        _cleanup_free_ char *ver = dc_xml_prop(gic, "version");
        bool v2 = ver ? streq(ver, "2")
                      : (!streq(c->caps->domain, "kvm") ||
                         (c->caps->features.gic == DC_YES &&
                          !dc_enum_has(&c->caps->features.gic_version, DC_GIC_V3)));
        if (v2 && n > 8) {
            _cleanup_free_ char *v = xasprintf("%u", n);
            dc_chk_finding(c, DC_RULE_VCPU_GICV2, DC_SEVERITY_ERROR, node, NULL, v,
                           "Number of SMP CPUs requested (%u) exceeds max CPUs supported by "
                           "machine 'mach-virt' (8)",
                           n);
            dc_chk_hint(c, "use <gic version='3'/>");
        }
    }

    /* x86 beyond 255 vCPUs: x2APIC IDs need interrupt remapping with EIM (q35 only). */
    if (dc_arch_is_x86(c->caps->arch)) {
        dc_chk_mark(c, DC_RULE_VCPU_EIM);
        if (n > 255) {
            xmlNodePtr iommu = dc_xml_child(dc_xml_child(c->root, "devices"), "iommu");
            xmlNodePtr drv = dc_xml_child(iommu, "driver");
            _cleanup_free_ char *eim = dc_xml_prop(drv, "eim");
            _cleanup_free_ char *v = xasprintf("%u", n);
            if (!startswith(c->caps->machine, "pc-q35"))
                dc_chk_finding(c, DC_RULE_VCPU_EIM, DC_SEVERITY_ERROR, node, NULL, v,
                               "more than 255 vCPUs are only supported on q35-based machine types");
            else if (!eim || !streq(eim, "on")) {
                dc_chk_finding(c, DC_RULE_VCPU_EIM, DC_SEVERITY_ERROR, node, NULL, v,
                               "more than 255 vCPUs require extended interrupt mode enabled on the "
                               "iommu device");
                dc_chk_hint(c,
                            "add <iommu model='intel'><driver intremap='on' eim='on'/></iommu> and "
                            "<ioapic driver='qemu'/>");
            }
        }
    }
}

/*
 * The descriptor libvirt's firmware autoselection takes for firmware='efi'
 * or 'bios': the first (in descriptor order) that matches the arch and
 * machine, offers the interface and has every feature the domain asks for
 * and none it refuses. Live only: snapshots do not carry the descriptors.
 */
const dc_firmware *dc_chk_picked_firmware(chk *c, const char *fw)
{
    if (!c->live_host || !fw)
        return NULL;
    unsigned iface = streq(fw, "efi") ? DC_FW_IFACE_UEFI : DC_FW_IFACE_BIOS;
    xmlNodePtr fwel = dc_xml_child(dc_xml_child(c->root, "os"), "firmware");
    for (size_t i = 0; i < c->live_host->firmware.n; i++) {
        const dc_firmware *f = &c->live_host->firmware.items[i];
        if (!f->executable_exists || !(f->interfaces & iface) ||
            !dc_firmware_matches(f, c->caps->arch, c->caps->machine))
            continue;
        bool ok = true;
        for (xmlNodePtr fe = dc_xml_child(fwel, "feature"); fe && ok;
             fe = dc_xml_next(fe, "feature")) {
            _cleanup_free_ char *name = dc_xml_prop(fe, "name");
            _cleanup_free_ char *en = dc_xml_prop(fe, "enabled");
            if (name && en)
                ok = dc_firmware_has_feature(f, name) == streq(en, "yes");
        }
        if (ok)
            return f;
    }
    return NULL;
}

/* firmware='efi|bios' autoselection: a descriptor for it, SMM, the firmware features asked for. */
static void rule_firmware(chk *c, xmlNodePtr os, const char *fw)
{
    int v = dc_enum_value_lookup(DC_E_FIRMWARE, fw);
    if (v < 0 || !dc_enum_has(&c->caps->os.firmware, (unsigned)v)) {
        _cleanup_free_ char *sup = dc_chk_enum_list(DC_E_FIRMWARE, &c->caps->os.firmware);
        dc_chk_finding(c, DC_RULE_FIRMWARE, DC_SEVERITY_ERROR, os, "firmware", fw,
                       "Unable to find '%s' firmware that is compatible with the current "
                       "configuration (%s, machine %s; firmware with a descriptor: %s)",
                       fw, c->caps->arch, c->caps->machine, sup);
        dc_chk_last(c)->supported = xstrdup(sup);
    }
    const dc_firmware *picked = dc_chk_picked_firmware(c, fw);
    xmlNodePtr smm = dc_xml_child(dc_xml_child(c->root, "features"), "smm");
    _cleanup_free_ char *smm_state = dc_xml_prop(smm, "state");
    if (picked && dc_firmware_has_feature(picked, "requires-smm") && smm_state &&
        streq(smm_state, "off")) {
        dc_chk_finding(c, DC_RULE_FIRMWARE, DC_SEVERITY_ERROR, smm, "state", smm_state,
                       "domain has SMM turned off but chosen firmware requires it (%s)",
                       picked->descriptor);
        dc_chk_hint(c, "ask for <feature enabled='no' name='secure-boot'/> in <os><firmware>, or "
                       "turn SMM on");
    }
    xmlNodePtr fwel = dc_xml_child(os, "firmware");
    for (xmlNodePtr f = dc_xml_child(fwel, "feature"); f; f = dc_xml_next(f, "feature")) {
        _cleanup_free_ char *name = dc_xml_prop(f, "name");
        _cleanup_free_ char *en = dc_xml_prop(f, "enabled");
        const dc_enum *e = name && streq(name, "secure-boot")     ? &c->caps->os.secure_boot
                           : name && streq(name, "enrolled-keys") ? &c->caps->os.enrolled_keys
                                                                  : NULL;
        dc_chk_mark(c, DC_RULE_FIRMWARE_FEATURE);
        if (!e || !en)
            continue;
        unsigned want = streq(en, "yes") ? DC_YES_V : DC_NO_V;
        if (!dc_enum_has(e, want))
            dc_chk_finding(c, DC_RULE_FIRMWARE_FEATURE, DC_SEVERITY_ERROR, f, "enabled", en,
                           "no firmware descriptor for %s machine %s has %s %s", c->caps->arch,
                           c->caps->machine, name, want == DC_YES_V ? "enabled" : "disabled");
    }
}

static void rule_loader(chk *c, xmlNodePtr loader)
{
    dc_chk_mark(c, DC_RULE_LOADER);
    if (loader) {
        _cleanup_free_ char *path = dc_xml_text(loader);
        _cleanup_free_ char *ltype = dc_xml_prop(loader, "type");
        _cleanup_free_ char *ro = dc_xml_prop(loader, "readonly");
        if (ltype)
            dc_chk_check_enum(c, DC_RULE_LOADER, loader, "type", ltype, "loader type",
                              DC_E_LOADER_TYPE, &c->caps->os.loader.type);
        if (ro)
            dc_chk_check_enum(c, DC_RULE_LOADER, loader, "readonly", ro, "loader readonly",
                              DC_E_YESNO, &c->caps->os.loader.readonly);
        bool known = false;
        for (char **v = c->caps->os.loader.values; path && v && *v; v++)
            if (streq(*v, path))
                known = true;
        if (path && !known) {
            struct stat st;
            if (c->live && stat(path, &st) < 0)
                dc_chk_finding(c, DC_RULE_LOADER, DC_SEVERITY_ERROR, loader, NULL, path,
                               "loader '%s' does not exist on this host", path);
            else if (!c->live)
                dc_chk_finding(c, DC_RULE_LOADER, DC_SEVERITY_WARNING, loader, NULL, path,
                               "loader '%s' is not among the firmware images the snapshot lists",
                               path);
        }
    }
}

static void rule_secure_boot(chk *c, xmlNodePtr loader)
{
    _cleanup_free_ char *secure = dc_xml_prop(loader, "secure");
    dc_chk_mark(c, DC_RULE_SECURE_BOOT);
    if (secure && streq(secure, "yes")) {
        xmlNodePtr smm = dc_xml_child(dc_xml_child(c->root, "features"), "smm");
        _cleanup_free_ char *smm_state = dc_xml_prop(smm, "state");
        if (!streq(c->caps->arch, "x86_64"))
            dc_chk_finding(c, DC_RULE_SECURE_BOOT, DC_SEVERITY_ERROR, loader, "secure", secure,
                           "Secure boot is supported for x86_64 architecture only");
        else if (!startswith(c->caps->machine, "pc-q35"))
            dc_chk_finding(c, DC_RULE_SECURE_BOOT, DC_SEVERITY_ERROR, loader, "secure", secure,
                           "Secure boot is supported with q35 machine types only");
        else if (!smm || (smm_state && !streq(smm_state, "on"))) {
            dc_chk_finding(c, DC_RULE_SECURE_BOOT, DC_SEVERITY_ERROR, loader, "secure", secure,
                           "Secure boot requires SMM feature enabled");
            dc_chk_hint(c, "add <smm state='on'/> to <features>");
        }
        if (!dc_enum_has(&c->caps->os.loader.secure, DC_YES_V))
            dc_chk_finding(c, DC_RULE_SECURE_BOOT, DC_SEVERITY_ERROR, loader, "secure", secure,
                           "no firmware for %s machine %s supports secure boot", c->caps->arch,
                           c->caps->machine);
    }
}

/* ACPI and UEFI go together on x86 and aarch64; some machines have no ACPI. */
static void rule_uefi_acpi(chk *c, xmlNodePtr os, xmlNodePtr loader, const char *fw)
{
    _cleanup_free_ char *loader_type = dc_xml_prop(loader, "type");
    bool efi = (fw && streq(fw, "efi")) || (loader_type && streq(loader_type, "pflash"));
    xmlNodePtr acpi = dc_xml_child(dc_xml_child(c->root, "features"), "acpi");
    dc_chk_mark(c, DC_RULE_UEFI_ACPI);
    if (dc_arch_is_x86(c->caps->arch) && efi && !acpi)
        dc_chk_finding(c, DC_RULE_UEFI_ACPI, DC_SEVERITY_ERROR, os, NULL, NULL,
                       "UEFI requires ACPI on this architecture");
    if (streq(c->caps->arch, "aarch64") && acpi && !efi)
        dc_chk_finding(c, DC_RULE_UEFI_ACPI, DC_SEVERITY_ERROR, acpi, NULL, NULL,
                       "ACPI requires UEFI on this architecture");
    if (acpi && c->qemu) {
        dc_chk_mark(c, DC_RULE_ACPI);
        for (size_t i = 0; i < c->qemu->tcg.nmachines + c->qemu->kvm.nmachines; i++) {
            const dc_qemu_machine *m = i < c->qemu->tcg.nmachines
                                           ? &c->qemu->tcg.machines[i]
                                           : &c->qemu->kvm.machines[i - c->qemu->tcg.nmachines];
            if (streq(m->name, c->caps->machine) && m->acpi == 0) {
                dc_chk_finding(c, DC_RULE_ACPI, DC_SEVERITY_ERROR, acpi, NULL, NULL,
                               "machine type '%s' does not support ACPI", m->name);
                break;
            }
        }
    }
}

void dc_chk_rule_os(chk *c)
{
    xmlNodePtr os = dc_xml_child(c->root, "os");
    xmlNodePtr type = dc_xml_child(os, "type");
    _cleanup_free_ char *t = dc_xml_text(type);
    dc_chk_mark(c, DC_RULE_OS_TYPE);
    if (t && !streq(t, "hvm"))
        dc_chk_finding(c, DC_RULE_OS_TYPE, DC_SEVERITY_ERROR, type, NULL, t,
                       "Emulator '%s' does not support os type '%s'", c->caps->path, t);

    /* firmware autoselection */
    _cleanup_free_ char *fw = dc_xml_prop(os, "firmware");
    dc_chk_mark(c, DC_RULE_FIRMWARE);
    if (fw)
        rule_firmware(c, os, fw);
    xmlNodePtr loader = dc_xml_child(os, "loader");
    rule_loader(c, loader);
    rule_secure_boot(c, loader);
    rule_uefi_acpi(c, os, loader, fw);
}

/* ---- CPU and memory --------------------------------------------------------- */

static const dc_cpu_model *find_cpu_model(const dc_domcaps *caps, const char *name)
{
    for (size_t i = 0; i < caps->cpu.nmodels; i++)
        if (streq(caps->cpu.models[i].name, name))
            return &caps->cpu.models[i];
    return NULL;
}

/* The usable model sharing the longest name prefix: EPYC-Rome for EPYC-Milan. */
static const char *nearest_usable_model(const dc_domcaps *caps, const char *name)
{
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < caps->cpu.nmodels; i++) {
        const dc_cpu_model *m = &caps->cpu.models[i];
        if (m->usable != DC_USABLE_YES)
            continue;
        size_t l = 0;
        while (m->name[l] && m->name[l] == name[l])
            l++;
        if (l > best_len) {
            best = m->name;
            best_len = l;
        }
    }
    return best_len >= 3 ? best : NULL;
}

/* A QEMU feature name in the host's /proc/cpuinfo flags (spellings differ a little). */
bool dc_chk_host_cpu_has(const dc_hostinfo *h, const char *feature)
{
    /* Paravirtual and hypervisor-defined bits never appear among the host's flags. */
    if (startswith(feature, "kvm") || streq(feature, "hypervisor") || startswith(feature, "vmx-"))
        return true;
    static const struct {
        const char *qemu, *linux_name;
    } renamed[] = {
        {"tsc-deadline", "tsc_deadline_timer"},
        {"cr8legacy", "cr8_legacy"},
        {"sse4.1", "sse4_1"},
        {"sse4.2", "sse4_2"},
        {"ds-cpl", "ds_cpl"},
        {"xd", "nx"},
        {"i64", "lm"},
        {"syscall", "syscall"},
        {"fxsr-opt", "fxsr_opt"},
    };
    char norm[64];
    snprintf(norm, sizeof(norm), "%s", feature);
    for (size_t i = 0; i < ELEMENTSOF(renamed); i++)
        if (streq(renamed[i].qemu, feature))
            snprintf(norm, sizeof(norm), "%s", renamed[i].linux_name);
    for (char *p = norm; *p; p++)
        if (*p == '-' || *p == '.')
            *p = '_';
    if (!h->cpu.flags)
        return true; /* no flags known: cannot tell */
    for (char **f = h->cpu.flags; *f; f++)
        if (streq(*f, norm))
            return true;
    return false;
}

/*
 * A custom model QEMU calls unusable here: refused on s390x and with
 * check='full', under KVM when the host CPU lacks what it needs, else a warning.
 */
static void judge_unusable_model(chk *c, xmlNodePtr cpu, xmlNodePtr model, const char *mname,
                                 const dc_cpu_model *m)
{
    /* s390x QEMU refuses a model with unavailable features whatever check= says. */
    if (dc_arch_is_s390(c->caps->arch)) {
        dc_buf all = {0};
        for (char **f = m->blockers; f && *f; f++)
            dc_buf_addf(&all, "%s%s", all.len ? " " : "", *f);
        dc_chk_finding(c, DC_RULE_CPU_MODEL, DC_SEVERITY_ERROR, model, NULL, mname,
                       "Some features requested in the CPU model are not available in the "
                       "configuration: %s",
                       all.len ? all.s : "(unknown)");
        dc_buf_clear(&all);
        return;
    }
    /*
     * What libvirt does with a model QEMU calls unusable depends on check=
     * (partial for custom mode): 'full' refuses; 'partial' under KVM refuses
     * only features the host CPU itself lacks (QEMU drops the rest and warns);
     * under TCG nothing is compared and QEMU only warns; 'none' checks nothing.
     */
    _cleanup_free_ char *check = dc_xml_prop(cpu, "check");
    if (check && streq(check, "none"))
        return;
    bool full = check && streq(check, "full");
    bool kvm = streq(c->caps->domain, "kvm");
    dc_buf all = {0}, lacking = {0};
    for (char **f = m->blockers; f && *f; f++) {
        dc_buf_addf(&all, "%s%s", all.len ? ", " : "", *f);
        if (kvm && c->host && !dc_chk_host_cpu_has(c->host, *f))
            dc_buf_addf(&lacking, "%s%s", lacking.len ? ", " : "", *f);
    }
    const char *near = nearest_usable_model(c->caps, mname);
    if (full) {
        dc_chk_finding(
            c, DC_RULE_CPU_MODEL, DC_SEVERITY_ERROR, model, NULL, mname,
            "CPU model '%s' is not usable under %s on this host: it needs %s (check='full')", mname,
            c->caps->domain, all.len ? all.s : "features the host lacks");
    } else if (kvm && (!c->host || lacking.len)) {
        dc_chk_finding(c, DC_RULE_CPU_MODEL, DC_SEVERITY_ERROR, model, NULL, mname,
                       "CPU model '%s' is not usable under kvm on this host: the host CPU lacks %s",
                       mname,
                       lacking.len ? lacking.s
                       : all.len   ? all.s
                                   : "required features");
    } else {
        dc_chk_finding(c, DC_RULE_CPU_MODEL, DC_SEVERITY_WARNING, model, NULL, mname,
                       "CPU model '%s' lacks %s under %s here: QEMU starts it without them (use "
                       "check='full' to refuse)",
                       mname, all.len ? all.s : "some features", c->caps->domain);
    }
    if (near)
        dc_chk_hint(c, "nearest usable model: %s", near);
    dc_buf_clear(&all);
    dc_buf_clear(&lacking);
}

/* A custom CPU model: known to the emulator, and usable. */
static void rule_cpu_model(chk *c, xmlNodePtr cpu, xmlNodePtr model, const char *mname)
{
    const dc_cpu_model *m = find_cpu_model(c->caps, mname);
    if (!m) {
        dc_chk_finding(c, DC_RULE_CPU_MODEL, DC_SEVERITY_ERROR, model, NULL, mname,
                       "CPU model '%s' is not known to %s", mname, c->caps->path);
        const char *near = nearest_usable_model(c->caps, mname);
        if (near)
            dc_chk_hint(c, "nearest usable model: %s", near);
        return;
    }
    if (m->usable != DC_USABLE_NO)
        return;
    judge_unusable_model(c, cpu, model, mname, m);
}

void dc_chk_rule_cpu(chk *c)
{
    xmlNodePtr cpu = dc_xml_child(c->root, "cpu");
    dc_chk_mark(c, DC_RULE_CPU_MODE);
    if (!cpu)
        return;
    _cleanup_free_ char *mode = dc_xml_prop(cpu, "mode");
    xmlNodePtr model = dc_xml_child(cpu, "model");
    _cleanup_free_ char *mname = dc_xml_text(model);
    if (!mode)
        mode = xstrdup("custom");
    dc_tristate sup = DC_ABSENT;
    if (streq(mode, "host-passthrough"))
        sup = c->caps->cpu.host_passthrough;
    else if (streq(mode, "host-model"))
        sup = c->caps->cpu.host_model.supported;
    else if (streq(mode, "maximum"))
        sup = c->caps->cpu.maximum;
    else if (streq(mode, "custom"))
        sup = mname ? c->caps->cpu.custom : DC_YES;
    if (sup != DC_YES) {
        dc_chk_finding(c, DC_RULE_CPU_MODE, DC_SEVERITY_ERROR, cpu, "mode", mode,
                       "CPU mode '%s' for %s %s domain on %s host is not supported by hypervisor",
                       mode, c->caps->arch, c->caps->domain,
                       c->host && c->host->cpu.arch ? c->host->cpu.arch : dc_arch_host());
        if (streq(mode, "host-passthrough") && streq(c->caps->domain, "qemu"))
            dc_chk_hint(c, "host-passthrough needs a KVM domain; use mode='maximum' under TCG");
        return;
    }
    _cleanup_free_ char *migratable = dc_xml_prop(cpu, "migratable");
    if (migratable && streq(mode, "host-passthrough"))
        dc_chk_check_enum(c, DC_RULE_CPU_MODE, cpu, "migratable", migratable,
                          "host-passthrough migratable", DC_E_ONOFF,
                          &c->caps->cpu.host_passthrough_migratable);

    dc_chk_mark(c, DC_RULE_CPU_MODEL);
    if (!streq(mode, "custom") || !mname)
        return;
    rule_cpu_model(c, cpu, model, mname);
}

void dc_chk_rule_memory_backing(chk *c)
{
    xmlNodePtr mb = dc_xml_child(c->root, "memoryBacking");
    xmlNodePtr src = dc_xml_child(mb, "source");
    dc_chk_mark(c, DC_RULE_MEMORY_BACKING);
    if (!src)
        return;
    _cleanup_free_ char *t = dc_xml_prop(src, "type");
    dc_chk_check_enum(c, DC_RULE_MEMORY_BACKING, src, "type", t, "memory source type",
                      DC_E_MEM_SOURCE, &c->caps->memory_backing.source_type);
    if (t && streq(t, "memfd") && dc_xml_child(mb, "hugepages") && c->qemu &&
        !c->qemu->memfd_hugetlb)
        dc_chk_finding(c, DC_RULE_MEMORY_BACKING, DC_SEVERITY_ERROR, src, "type", t,
                       "hugepages is not supported with memfd memory source");
}

/* ---- devices -------------------------------------------------------------- */

static bool shared_memory(chk *c)
{
    xmlNodePtr access = dc_xml_child(dc_xml_child(c->root, "memoryBacking"), "access");
    _cleanup_free_ char *mode = dc_xml_prop(access, "mode");
    if (mode && streq(mode, "shared"))
        return true;
    xmlNodePtr numa = dc_xml_child(dc_xml_child(c->root, "cpu"), "numa");
    bool any = false, all = true;
    for (xmlNodePtr cell = dc_xml_child(numa, "cell"); cell; cell = dc_xml_next(cell, "cell")) {
        _cleanup_free_ char *ma = dc_xml_prop(cell, "memAccess");
        any = true;
        if (!ma || !streq(ma, "shared"))
            all = false;
    }
    return any && all;
}

static void dev_disk(chk *c, xmlNodePtr d)
{
    dc_chk_dev_check(c, DC_RULE_DISK, DC_DEV_DISK, DC_SLOT_DISK_DISK_DEVICE, d, "device", "disk",
                     "disk device");
    xmlNodePtr target = dc_xml_child(d, "target");
    _cleanup_free_ char *bus = dc_xml_prop(target, "bus");
    if (bus)
        dc_chk_dev_check(c, DC_RULE_DISK, DC_DEV_DISK, DC_SLOT_DISK_BUS, target, "bus", NULL,
                         "bus");
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    if (model)
        dc_chk_dev_check(c, DC_RULE_DISK, DC_DEV_DISK, DC_SLOT_DISK_MODEL, d, "model", NULL,
                         "disk model");
    _cleanup_free_ char *device = dc_xml_prop(d, "device");
    _cleanup_free_ char *dev = dc_xml_prop(target, "dev");
    if (device && streq(device, "cdrom") && bus && (streq(bus, "virtio") || streq(bus, "sd")))
        dc_chk_finding(c, DC_RULE_DISK, DC_SEVERITY_ERROR, target, "bus", bus,
                       "disk type of '%s' does not support ejectable media", dev ? dev : bus);
}

static void dev_hostdev(chk *c, xmlNodePtr d)
{
    if (!dc_chk_dev_check(c, DC_RULE_HOSTDEV, DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_MODE, d, "mode",
                          "subsystem", "hostdev mode"))
        return;
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    /* QEMU serves mdev and scsi_host hostdevs although the caps enum never lists them. */
    if (type && (streq(type, "mdev") || streq(type, "scsi_host"))) {
        dc_chk_mark(c, DC_RULE_HOSTDEV);
        return;
    }
    if (!dc_chk_dev_check(c, DC_RULE_HOSTDEV, DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_SUBSYS_TYPE, d,
                          "type", NULL, "hostdev type"))
        return;
    if (!type || !streq(type, "pci"))
        return;
    xmlNodePtr drv = dc_xml_child(d, "driver");
    _cleanup_free_ char *name = dc_xml_prop(drv, "name");
    const dc_enum *be = dc_chk_dev_enum(c, DC_DEV_HOSTDEV, DC_SLOT_HOSTDEV_PCI_BACKEND);
    if (!be->values) {
        dc_chk_finding(c, DC_RULE_HOSTDEV, DC_SEVERITY_ERROR, drv ? drv : d, drv ? "name" : "type",
                       name ? name : type,
                       name && streq(name, "vfio") ? "host doesn't support VFIO PCI passthrough"
                                                   : "host doesn't support passthrough of host PCI "
                                                     "devices");
        dc_chk_hint(c, "enable the IOMMU (intel_iommu=on or amd_iommu=on) and load vfio-pci");
        return;
    }
    if (name)
        dc_chk_check_enum(c, DC_RULE_HOSTDEV, drv, "name", name, "PCI passthrough backend",
                          DC_E_PCI_BACKEND, be);
}

static void dev_rng(chk *c, xmlNodePtr d)
{
    dc_chk_dev_check(c, DC_RULE_RNG, DC_DEV_RNG, DC_SLOT_RNG_MODEL, d, "model", NULL, "rng model");
    xmlNodePtr be = dc_xml_child(d, "backend");
    if (be)
        dc_chk_dev_check(c, DC_RULE_RNG, DC_DEV_RNG, DC_SLOT_RNG_BACKEND_MODEL, be, "model", NULL,
                         "rng backend");
}

static void dev_filesystem(chk *c, xmlNodePtr d)
{
    xmlNodePtr drv = dc_xml_child(d, "driver");
    _cleanup_free_ char *type = dc_xml_prop(drv, "type");
    if (!drv || !type) {
        dc_chk_mark(c, DC_RULE_FILESYSTEM);
        return;
    }
    dc_chk_dev_check(c, DC_RULE_FILESYSTEM, DC_DEV_FILESYSTEM, DC_SLOT_FILESYSTEM_DRIVER_TYPE, drv,
                     "type", NULL, "filesystem driver");
    dc_chk_mark(c, DC_RULE_VIRTIOFS_SHARED_MEMORY);
    if (streq(type, "virtiofs") && !shared_memory(c)) {
        dc_chk_finding(c, DC_RULE_VIRTIOFS_SHARED_MEMORY, DC_SEVERITY_ERROR, drv, "type", type,
                       "virtiofs requires shared memory");
        dc_chk_hint(c, "add <memoryBacking><access mode='shared'/></memoryBacking> (with a "
                       "memfd or file source)");
    }
}

static void dev_tpm(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    if (c->caps->devices[DC_DEV_TPM].supported != DC_YES) {
        dc_chk_mark(c, DC_RULE_TPM);
        dc_chk_finding(c, DC_RULE_TPM, DC_SEVERITY_ERROR, d, NULL, model,
                       "The QEMU executable %s does not support TPM devices", c->caps->path);
        return;
    }
    if (model)
        dc_chk_dev_check(c, DC_RULE_TPM, DC_DEV_TPM, DC_SLOT_TPM_MODEL, d, "model", NULL,
                         "TPM model");
    xmlNodePtr be = dc_xml_child(d, "backend");
    _cleanup_free_ char *btype = dc_xml_prop(be, "type");
    if (be && btype) {
        dc_chk_dev_check(c, DC_RULE_TPM, DC_DEV_TPM, DC_SLOT_TPM_BACKEND_MODEL, be, "type", NULL,
                         "TPM backend");
        _cleanup_free_ char *ver = dc_xml_prop(be, "version");
        const dc_enum *ve = dc_chk_dev_enum(c, DC_DEV_TPM, DC_SLOT_TPM_BACKEND_VERSION);
        if (ver && streq(btype, "emulator") && ve->report)
            dc_chk_check_enum(c, DC_RULE_TPM, be, "version", ver, "TPM version", DC_E_TPM_VERSION,
                              ve);
        if (ver && streq(ver, "1.2") && model && !streq(model, "tpm-tis"))
            dc_chk_finding(c, DC_RULE_TPM, DC_SEVERITY_ERROR, be, "version", ver,
                           "TPM 1.2 is not supported for model '%s'", model);
        if (streq(btype, "passthrough")) {
            xmlNodePtr dev = dc_xml_child(be, "device");
            _cleanup_free_ char *path = dc_xml_prop(dev, "path");
            dc_chk_mark(c, DC_RULE_HOST_TPM);
            const char *p = path ? path : "/dev/tpm0";
            struct stat st;
            int known = !c->host                  ? -1
                        : streq(p, "/dev/tpm0")   ? c->host->tpm_device
                        : streq(p, "/dev/tpmrm0") ? c->host->devnodes.tpmrm
                                                  : -1;
            bool from_report = !c->live && known >= 0;
            if ((c->live && stat(p, &st) < 0) || (from_report && !known))
                dc_chk_finding(c, DC_RULE_HOST_TPM, DC_SEVERITY_ERROR, dev ? dev : be,
                               dev ? "path" : "type", p,
                               "Path '%s' is not accessible: No such file or directory", p);
            else if (!c->live && !from_report)
                dc_chk_skip_rule(c, DC_RULE_HOST_TPM,
                                 "the host report does not say whether the device exists");
        }
    }
}

static void dev_interface(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    xmlNodePtr be = dc_xml_child(d, "backend");
    _cleanup_free_ char *bt = dc_xml_prop(be, "type");
    dc_chk_mark(c, DC_RULE_INTERFACE_BACKEND);
    if (type && (streq(type, "user") || (streq(type, "vhostuser") && bt))) {
        const dc_enum *e = dc_chk_dev_enum(c, DC_DEV_INTERFACE, DC_SLOT_INTERFACE_BACKEND_TYPE);
        const char *want = bt ? bt : "default";
        int v = dc_enum_value_lookup(DC_E_NET_BACKEND, want);
        if (v < 0 || !dc_enum_has(e, (unsigned)v))
            dc_chk_finding(c, DC_RULE_INTERFACE_BACKEND, DC_SEVERITY_ERROR, be ? be : d,
                           be ? "type" : "type", want,
                           "the '%s' network backend is not supported with this QEMU binary", want);
    }
}

/* libvirt model names to the QEMU device types that implement them. */
typedef struct model_map {
    const char *model;
    const char *types[4];
} model_map;

static const model_map nic_models[] = {
    {"virtio", {"virtio-net-pci", "virtio-net-ccw", "virtio-net-device"}},
    {"virtio-transitional", {"virtio-net-pci-transitional"}},
    {"virtio-non-transitional", {"virtio-net-pci-non-transitional"}},
    {"e1000", {"e1000"}},
    {"e1000e", {"e1000e"}},
    {"igb", {"igb"}},
    {"rtl8139", {"rtl8139"}},
    {"vmxnet3", {"vmxnet3"}},
    {"ne2k_pci", {"ne2k_pci"}},
    {"pcnet", {"pcnet"}},
    {"spapr-vlan", {"spapr-vlan"}},
    {"usb-net", {"usb-net"}},
    {"smc91c111", {"smc91c111"}},
    {"lan9118", {"lan9118"}},
};

static const model_map controller_models[] = {
    {"piix3-uhci", {"piix3-usb-uhci"}},
    {"piix4-uhci", {"piix4-usb-uhci"}},
    {"ehci", {"usb-ehci"}},
    {"ich9-ehci1", {"ich9-usb-ehci1"}},
    {"ich9-uhci1", {"ich9-usb-uhci1"}},
    {"ich9-uhci2", {"ich9-usb-uhci2"}},
    {"ich9-uhci3", {"ich9-usb-uhci3"}},
    {"vt82c686b-uhci", {"vt82c686b-usb-uhci"}},
    {"pci-ohci", {"pci-ohci"}},
    {"nec-xhci", {"nec-usb-xhci"}},
    {"qemu-xhci", {"qemu-xhci"}},
    {"virtio-scsi", {"virtio-scsi-pci", "virtio-scsi-ccw", "virtio-scsi-device"}},
    {"lsilogic", {"lsi53c895a"}},
    {"lsisas1068", {"mptsas1068"}},
    {"lsisas1078", {"megasas"}},
    {"vmpvscsi", {"pvscsi"}},
    {"ibmvscsi", {"spapr-vscsi"}},
    {"am53c974", {"am53c974"}},
    {"dc390", {"dc390"}},
    {"pcie-root-port", {"pcie-root-port", "ioh3420"}},
    {"pci-bridge", {"pci-bridge"}},
    {"dmi-to-pci-bridge", {"i82801b11-bridge"}},
    {"pcie-to-pci-bridge", {"pcie-pci-bridge"}},
    {"pci-expander-bus", {"pxb"}},
    {"pcie-expander-bus", {"pxb-pcie"}},
    {"pcie-switch-upstream-port", {"x3130-upstream"}},
    {"pcie-switch-downstream-port", {"xio3130-downstream"}},
};

static const model_map sound_models[] = {
    {"ich6", {"intel-hda"}}, {"ich7", {"intel-hda"}},  {"ich9", {"ich9-intel-hda"}},
    {"ac97", {"AC97"}},      {"es1370", {"ES1370"}},   {"sb16", {"sb16"}},
    {"usb", {"usb-audio"}},  {"pcspk", {"isa-pcspk"}}, {"virtio", {"virtio-sound-pci"}},
};

static const model_map watchdog_models[] = {
    {"i6300esb", {"i6300esb"}},
    {"ib700", {"ib700"}},
    {"diag288", {"diag288"}},
    {"itco", {"ICH9-LPC"}},
};

static const model_map memballoon_models[] = {
    {"virtio", {"virtio-balloon-pci", "virtio-balloon-ccw", "virtio-balloon-device"}},
    {"virtio-transitional", {"virtio-balloon-pci-transitional"}},
    {"virtio-non-transitional", {"virtio-balloon-pci-non-transitional"}},
};

/* Checks that some QEMU type implements model (unknown models: a type of that name). */
static void device_model(chk *c, xmlNodePtr node, const char *attr, const char *kind,
                         const char *model, const model_map *map, size_t n)
{
    if (!model || streq(model, "none") || streq(model, "default"))
        return;
    if (!c->qemu) {
        dc_chk_skip_rule(c, DC_RULE_DEVICE_MODEL,
                         "the capabilities snapshot carries no QEMU device list "
                         "(save it with domcaps --snapshot)");
        return;
    }
    dc_chk_mark(c, DC_RULE_DEVICE_MODEL);
    const model_map *m = NULL;
    for (size_t i = 0; i < n; i++)
        if (streq(map[i].model, model))
            m = &map[i];
    if (m) {
        for (size_t i = 0; i < ELEMENTSOF(m->types) && m->types[i]; i++)
            if (dc_chk_has_type(c, m->types[i]))
                return;
    } else if (dc_chk_has_type(c, model)) {
        return;
    }
    dc_chk_finding(c, DC_RULE_DEVICE_MODEL, DC_SEVERITY_ERROR, node, attr, model,
                   "%s model '%s' is not supported by %s (%s)", kind, model, c->caps->path,
                   m ? "QEMU lacks the device that implements it" : "no QEMU device of that name");
}

static void dev_controller(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    if (type && streq(type, "ide")) {
        dc_chk_mark(c, DC_RULE_DISK);
        const dc_enum *bus = dc_chk_dev_enum(c, DC_DEV_DISK, DC_SLOT_DISK_BUS);
        if (!dc_enum_has(bus, DC_BUS_IDE))
            dc_chk_finding(c, DC_RULE_DISK, DC_SEVERITY_ERROR, d, "type", type,
                           "IDE controllers are unsupported for this QEMU binary or machine type");
    }
    if (type && streq(type, "sata")) {
        dc_chk_mark(c, DC_RULE_DISK);
        if (!dc_enum_has(dc_chk_dev_enum(c, DC_DEV_DISK, DC_SLOT_DISK_BUS), DC_BUS_SATA))
            dc_chk_finding(c, DC_RULE_DISK, DC_SEVERITY_ERROR, d, "type", type,
                           "SATA is not supported with this QEMU binary");
    }
    if (type && streq(type, "pci") && model &&
        (streq(model, "pci-root") || streq(model, "pcie-root")))
        return;
    /* 'auto' is libvirt's pick; the virtio (non-)transitional names are judged per bus in
     * check_validate.c. */
    if (model && (streq(model, "auto") || streq(model, "virtio-transitional") ||
                  streq(model, "virtio-non-transitional")))
        return;
    device_model(c, d, "model", "controller", model, controller_models,
                 ELEMENTSOF(controller_models));
}

static void dev_input(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    _cleanup_free_ char *bus = dc_xml_prop(d, "bus");
    if (!type || !bus)
        return;
    const char *qtype = NULL;
    if (streq(bus, "usb"))
        qtype = streq(type, "tablet")     ? "usb-tablet"
                : streq(type, "mouse")    ? "usb-mouse"
                : streq(type, "keyboard") ? "usb-kbd"
                                          : NULL;
    else if (streq(bus, "virtio"))
        qtype = streq(type, "tablet")     ? "virtio-tablet-pci"
                : streq(type, "mouse")    ? "virtio-mouse-pci"
                : streq(type, "keyboard") ? "virtio-keyboard-pci"
                                          : NULL;
    if (!qtype)
        return;
    static const model_map none[] = {{NULL, {NULL}}};
    _cleanup_free_ char *label = xasprintf("%s %s", bus, type);
    if (!c->qemu) {
        dc_chk_skip_rule(c, DC_RULE_DEVICE_MODEL,
                         "the capabilities snapshot carries no QEMU device list "
                         "(save it with domcaps --snapshot)");
        return;
    }
    dc_chk_mark(c, DC_RULE_DEVICE_MODEL);
    if (!dc_chk_has_type(c, qtype) &&
        !(streq(bus, "virtio") && dc_chk_has_type(c, "virtio-tablet-device")))
        dc_chk_finding(c, DC_RULE_DEVICE_MODEL, DC_SEVERITY_ERROR, d, "bus", bus,
                       "input device '%s' is not supported by %s (QEMU lacks %s)", label,
                       c->caps->path, qtype);
    (void)none;
}

static void dev_model_child(chk *c, xmlNodePtr d, const char *kind, const model_map *map, size_t n)
{
    xmlNodePtr m = dc_xml_child(d, "model");
    _cleanup_free_ char *t = dc_xml_prop(m, "type");
    device_model(c, m, "type", kind, t, map, n);
    /* On the PC machines a NIC goes on PCI: a device QEMU has but not for PCI fails at start. */
    bool pc = startswith(c->caps->machine, "pc-") || streq(c->caps->machine, "pc");
    if (t && pc && c->qemu && c->qemu->pci_types.n && dc_chk_has_type(c, t) &&
        !dc_qemu_is_pci_type(c->qemu, t) && !startswith(t, "usb-")) {
        dc_chk_finding(
            c, DC_RULE_DEVICE_MODEL, DC_SEVERITY_ERROR, m, "type", t,
            "%s model '%s' is not a PCI device and cannot go on the PCI bus of machine %s", kind, t,
            c->caps->machine);
    }
}

static void dev_model_attr(chk *c, xmlNodePtr d, const char *kind, const model_map *map, size_t n)
{
    _cleanup_free_ char *t = dc_xml_prop(d, "model");
    device_model(c, d, "model", kind, t, map, n);
    /* The iTCO watchdog is part of the ICH9 LPC bridge: q35 only. */
    if (t && streq(t, "itco") && !startswith(c->caps->machine, "pc-q35")) {
        dc_chk_mark(c, DC_RULE_DEVICE_MODEL);
        dc_chk_finding(c, DC_RULE_DEVICE_MODEL, DC_SEVERITY_ERROR, d, "model", t,
                       "watchdog model 'itco' is only available on q35 machine types, not %s",
                       c->caps->machine);
    }
}

/*
 * Character devices: the enums list what libvirt reports, not every backend
 * QEMU has, so only backends that need something QEMU may lack are judged.
 */
static void chr_check(chk *c, dc_rule rule, dc_device_kind kind, xmlNodePtr d)
{
    _cleanup_free_ char *t = dc_xml_prop(d, "type");
    dc_chk_mark(c, rule);
    if (!t || !(streq(t, "spicevmc") || streq(t, "spiceport") || streq(t, "qemu-vdagent") ||
                streq(t, "dbus")))
        return;
    if (kind == DC_DEV_CHANNEL && !streq(t, "spicevmc"))
        kind = DC_DEV_CONSOLE; /* the channel enum lists only pty, unix and spicevmc */
    if (c->caps->devices[kind].supported != DC_YES)
        return;
    dc_chk_check_enum(
        c, rule, d, "type", t, kind == DC_DEV_CHANNEL ? "channel type" : "character device type",
        DC_E_CHR_TYPE,
        dc_chk_dev_enum(c, kind,
                        kind == DC_DEV_CHANNEL ? DC_SLOT_CHANNEL_TYPE : DC_SLOT_CONSOLE_TYPE));
}

typedef enum dev_element {
    DEV_DISK,
    DEV_GRAPHICS,
    DEV_VIDEO,
    DEV_HOSTDEV,
    DEV_RNG,
    DEV_FILESYSTEM,
    DEV_TPM,
    DEV_REDIRDEV,
    DEV_CHANNEL,
    DEV_CRYPTO,
    DEV_INTERFACE,
    DEV_PANIC,
    DEV_CONSOLE,
    DEV_CONTROLLER,
    DEV_SOUND,
    DEV_WATCHDOG,
    DEV_INPUT,
    DEV_MEMBALLOON,
    DEV_OTHER,
} dev_element;

static dev_element classify(const char *name)
{
    static const struct {
        const char *name;
        dev_element e;
    } map[] = {
        {"disk", DEV_DISK},
        {"graphics", DEV_GRAPHICS},
        {"video", DEV_VIDEO},
        {"hostdev", DEV_HOSTDEV},
        {"rng", DEV_RNG},
        {"filesystem", DEV_FILESYSTEM},
        {"tpm", DEV_TPM},
        {"redirdev", DEV_REDIRDEV},
        {"channel", DEV_CHANNEL},
        {"crypto", DEV_CRYPTO},
        {"interface", DEV_INTERFACE},
        {"panic", DEV_PANIC},
        {"console", DEV_CONSOLE},
        {"controller", DEV_CONTROLLER},
        {"sound", DEV_SOUND},
        {"watchdog", DEV_WATCHDOG},
        {"input", DEV_INPUT},
        {"memballoon", DEV_MEMBALLOON},
    };
    for (size_t i = 0; i < ELEMENTSOF(map); i++)
        if (streq(map[i].name, name))
            return map[i].e;
    return DEV_OTHER;
}

static void dev_video(chk *c, xmlNodePtr d)
{
    xmlNodePtr m = dc_xml_child(d, "model");
    if (m)
        dc_chk_dev_check(c, DC_RULE_VIDEO, DC_DEV_VIDEO, DC_SLOT_VIDEO_MODEL_TYPE, m, "type", NULL,
                         "video model");
}

static void dev_redirdev(chk *c, xmlNodePtr d)
{
    if (c->caps->devices[DC_DEV_REDIRDEV].supported != DC_YES) {
        dc_chk_mark(c, DC_RULE_REDIRDEV);
        dc_chk_finding(c, DC_RULE_REDIRDEV, DC_SEVERITY_ERROR, d, NULL, NULL,
                       "USB redirection is not supported by this version of QEMU");
    } else {
        dc_chk_dev_check(c, DC_RULE_REDIRDEV, DC_DEV_REDIRDEV, DC_SLOT_REDIRDEV_BUS, d, "bus",
                         "usb", "redirdev bus");
    }
}

static void dev_crypto(chk *c, xmlNodePtr d)
{
    size_t first = c->res->nfindings;
    dc_chk_dev_check(c, DC_RULE_CRYPTO, DC_DEV_CRYPTO, DC_SLOT_CRYPTO_MODEL, d, "model", NULL,
                     "crypto model");
    dc_chk_dev_check(c, DC_RULE_CRYPTO, DC_DEV_CRYPTO, DC_SLOT_CRYPTO_TYPE, d, "type", NULL,
                     "crypto type");
    xmlNodePtr be = dc_xml_child(d, "backend");
    if (be)
        dc_chk_dev_check(c, DC_RULE_CRYPTO, DC_DEV_CRYPTO, DC_SLOT_CRYPTO_BACKEND_MODEL, be,
                         "model", NULL, "crypto backend");
    /* libvirt 9.0 does not know <crypto> and drops it: the domain starts without it. */
    for (size_t i = first; i < c->res->nfindings; i++) {
        dc_finding *f = &c->res->findings[i];
        f->severity = DC_SEVERITY_WARNING;
        free(f->hint);
        f->hint = xstrdup("libvirt 9.0 ignores <crypto> and starts the domain without "
                          "it; a libvirt that knows the element refuses this");
    }
}

void dc_chk_rule_devices(chk *c)
{
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    for (xmlNodePtr d = dc_xml_child(devices, NULL); d; d = dc_xml_next(d, NULL)) {
        switch (classify((const char *)d->name)) {
        case DEV_DISK:
            dev_disk(c, d);
            break;
        case DEV_GRAPHICS:
            dc_chk_dev_check(c, DC_RULE_GRAPHICS, DC_DEV_GRAPHICS, DC_SLOT_GRAPHICS_TYPE, d, "type",
                             NULL, "graphics type");
            break;
        case DEV_VIDEO:
            dev_video(c, d);
            break;
        case DEV_HOSTDEV:
            dev_hostdev(c, d);
            break;
        case DEV_RNG:
            dev_rng(c, d);
            break;
        case DEV_FILESYSTEM:
            dev_filesystem(c, d);
            break;
        case DEV_TPM:
            dev_tpm(c, d);
            break;
        case DEV_REDIRDEV:
            dev_redirdev(c, d);
            break;
        case DEV_CHANNEL:
            chr_check(c, DC_RULE_CHANNEL, DC_DEV_CHANNEL, d);
            break;
        case DEV_CRYPTO:
            dev_crypto(c, d);
            break;
        case DEV_INTERFACE:
            dev_interface(c, d);
            dev_model_child(c, d, "interface", nic_models, ELEMENTSOF(nic_models));
            break;
        case DEV_PANIC:
            dc_chk_dev_check(c, DC_RULE_PANIC, DC_DEV_PANIC, DC_SLOT_PANIC_MODEL, d, "model", NULL,
                             "panic model");
            break;
        case DEV_CONSOLE:
            chr_check(c, DC_RULE_CONSOLE, DC_DEV_CONSOLE, d);
            break;
        case DEV_CONTROLLER:
            dev_controller(c, d);
            break;
        case DEV_SOUND:
            dev_model_attr(c, d, "sound", sound_models, ELEMENTSOF(sound_models));
            break;
        case DEV_WATCHDOG:
            dev_model_attr(c, d, "watchdog", watchdog_models, ELEMENTSOF(watchdog_models));
            break;
        case DEV_INPUT:
            dev_input(c, d);
            break;
        case DEV_MEMBALLOON:
            dev_model_attr(c, d, "memballoon", memballoon_models, ELEMENTSOF(memballoon_models));
            break;
        case DEV_OTHER:
            break;
        }
    }
}

/* ---- features and launch security ------------------------------------------- */

void dc_chk_rule_features(chk *c)
{
    xmlNodePtr feats = dc_xml_child(c->root, "features");
    dc_chk_mark(c, DC_RULE_FEATURES);
    const dc_tristate *simple = c->caps->features.simple;
    for (xmlNodePtr f = dc_xml_child(feats, NULL); f; f = dc_xml_next(f, NULL)) {
        const char *name = (const char *)f->name;
        _cleanup_free_ char *state = dc_xml_prop(f, "state");
        bool off = state && streq(state, "off");
        if (streq(name, "gic")) {
            _cleanup_free_ char *ver = dc_xml_prop(f, "version");
            if (c->caps->features.gic != DC_YES) {
                dc_chk_finding(
                    c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, f, NULL, ver,
                    "The 'gic' feature is not supported for architecture '%s' or machine "
                    "type '%s'",
                    c->caps->arch, c->caps->machine);
            } else if (ver && !streq(ver, "host")) {
                dc_chk_check_enum(c, DC_RULE_FEATURES, f, "version", ver, "GIC version",
                                  DC_E_GIC_VERSION, &c->caps->features.gic_version);
            }
        } else if (streq(name, "vmcoreinfo") && !off && simple[DC_FEAT_VMCOREINFO] != DC_YES) {
            dc_chk_finding(c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, f, NULL, NULL,
                           "vmcoreinfo is not available with this QEMU binary");
        } else if (streq(name, "async-teardown") && !off &&
                   simple[DC_FEAT_ASYNC_TEARDOWN] != DC_YES) {
            _cleanup_free_ char *en = dc_xml_prop(f, "enabled");
            if (!en || streq(en, "yes"))
                dc_chk_finding(c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, f, NULL, NULL,
                               "asynchronous teardown is not available with this QEMU binary");
        } else if (streq(name, "ps2") && simple[DC_FEAT_PS2] != DC_YES) {
            dc_chk_finding(c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, f, "state", state,
                           "ps2 feature state cannot be controlled with this QEMU binary");
        } else if (streq(name, "smm") && !off && !dc_arch_is_x86(c->caps->arch)) {
            dc_chk_finding(
                c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, f, NULL, NULL,
                "The 'smm' feature is not supported for architecture '%s' or machine type "
                "'%s'",
                c->caps->arch, c->caps->machine);
        } else if (streq(name, "vmport") && !off && !dc_arch_is_x86(c->caps->arch)) {
            dc_chk_finding(c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, f, NULL, NULL,
                           "The 'vmport' feature is not supported for architecture '%s' or machine "
                           "type '%s'",
                           c->caps->arch, c->caps->machine);
        } else if (streq(name, "hyperv")) {
            if (!dc_arch_is_x86(c->caps->arch) && !dc_arch_is_arm(c->caps->arch)) {
                dc_chk_finding(c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, f, NULL, NULL,
                               "Hyperv features are not supported for architecture '%s' or machine "
                               "type '%s'",
                               c->caps->arch, c->caps->machine);
                continue;
            }
            /*
             * Which enlightenments a host can run is judged by the hyperv rule
             * (check_platform.c): libvirt does not hold them against this enum.
             */
        }
    }
    xmlNodePtr genid = dc_xml_child(c->root, "genid");
    if (genid && simple[DC_FEAT_GENID] != DC_YES)
        dc_chk_finding(c, DC_RULE_FEATURES, DC_SEVERITY_ERROR, genid, NULL, NULL,
                       "this QEMU does not support the 'genid' capability");

    xmlNodePtr ls = dc_xml_child(c->root, "launchSecurity");
    dc_chk_mark(c, DC_RULE_LAUNCH_SECURITY);
    if (ls) {
        _cleanup_free_ char *t = dc_xml_prop(ls, "type");
        int v = t ? dc_enum_value_lookup(DC_E_SECTYPE, t) : -1;
        if (t && (v < 0 || !dc_enum_has(&c->caps->features.launch_security.sectype, (unsigned)v))) {
            if (streq(t, "s390-pv"))
                dc_chk_finding(c, DC_RULE_LAUNCH_SECURITY, DC_SEVERITY_ERROR, ls, "type", t,
                               "S390 PV launch security is not supported by this host or kernel");
            else
                dc_chk_finding(c, DC_RULE_LAUNCH_SECURITY, DC_SEVERITY_ERROR, ls, "type", t,
                               "'%s' launch security is not supported with this QEMU binary", t);
            _cleanup_free_ char *sup =
                dc_chk_enum_list(DC_E_SECTYPE, &c->caps->features.launch_security.sectype);
            dc_chk_last(c)->supported = xstrdup(sup);
        }
    }
}
