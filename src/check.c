/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules over one domain XML. Each rule looks at the parsed document, the
 * domainCapabilities the domain targets (live or from a snapshot), the QEMU
 * facts behind it and the host inventory, and records findings instead of
 * stopping at the first. The messages follow libvirt's where libvirt has one.
 */
#include "check.h"

#include <libxml/tree.h>

#include "arch.h"
#include "cache.h"
#include "xmlsafe.h"

const dc_rule_info dc_rules[] = {
    {"capabilities", "a capabilities document matches the domain's emulator, arch, machine and type"},
    {"domain-type", "the domain type (kvm, qemu) is available on this host"},
    {"os-type", "the OS type is hvm"},
    {"arch", "the emulator serves the guest architecture"},
    {"machine", "the emulator knows the machine type"},
    {"emulator", "the emulator binary exists and is a QEMU"},
    {"vcpu-count", "the vCPU count is within the machine's (and KVM's) limit"},
    {"vcpu-gicv2", "aarch64 virt with GICv2 has at most 8 vCPUs"},
    {"vcpu-eim", "more than 255 vCPUs on x86 need q35 and an IOMMU with EIM"},
    {"firmware", "firmware='efi|bios' has a matching firmware descriptor"},
    {"firmware-feature", "requested firmware features exist in a descriptor"},
    {"loader", "the loader is a known firmware image or an existing file"},
    {"secure-boot", "a secure loader needs x86_64, q35 and SMM"},
    {"uefi-acpi", "UEFI on x86 needs ACPI; ACPI on aarch64 needs UEFI"},
    {"acpi", "the machine type supports ACPI"},
    {"cpu-mode", "the CPU mode is supported"},
    {"cpu-model", "a custom CPU model exists and is usable"},
    {"memory-backing", "the memory backing source type is supported"},
    {"disk", "disk device, bus and model are supported"},
    {"graphics", "the graphics type is supported"},
    {"video", "the video model is supported"},
    {"hostdev", "hostdev mode, type and backend are supported"},
    {"rng", "rng model and backend are supported"},
    {"filesystem", "the filesystem driver is supported"},
    {"virtiofs-shared-memory", "virtiofs needs shared memory"},
    {"tpm", "TPM model, backend and version are supported"},
    {"redirdev", "USB redirection is supported"},
    {"channel", "the channel type is supported"},
    {"crypto", "crypto model, type and backend are supported"},
    {"interface-backend", "the network backend is supported"},
    {"panic", "the panic model is supported"},
    {"console", "the console type is supported"},
    {"features", "domain features (gic, vmcoreinfo, genid, hyperv, smm, ps2, ...) are supported"},
    {"launch-security", "the launch security type is supported"},
    {"device-model", "QEMU knows the device model (NIC, controller, sound, watchdog, input, memballoon)"},
    {"host-memory", "the memory fits the host"},
    {"host-hugepages", "the hugepage size is offered and enough pages are free"},
    {"host-numa", "numatune nodesets exist on the host"},
    {"host-cpuset", "vCPU, emulator and iothread pinning name existing host CPUs"},
    {"host-pci", "a PCI hostdev exists, VFIO is usable and its IOMMU group is viable"},
    {"host-usb", "a USB hostdev is present"},
    {"host-tpm", "the TPM passthrough device exists"},
    {"host-smm", "SMM (needed by secure-boot firmware) is available under KVM"},
    {"host-render-node", "OpenGL display backends have a DRM render node"},
    {NULL, NULL},
};

typedef struct chk {
    const char *path;
    xmlNodePtr root;
    const dc_domcaps *caps;
    const dc_qemu_caps *qemu;
    const dc_hostinfo *host;
    const dc_host *live_host; /* firmware files, /dev/tpm0 when live */
    bool live;
    const char *emulator, *arch, *machine, *virttype;
    dc_check_result *res;
    dc_strv checked, skipped;
} chk;

/* ---- findings ------------------------------------------------------------- */

static void mark(chk *c, const char *rule) { dc_strv_add_unique(&c->checked, rule); }

static const char *rule_id(const char *rule)
{
    for (const dc_rule_info *r = dc_rules; r->id; r++)
        if (streq(r->id, rule))
            return r->id;
    abort(); /* a rule not in the table is a programming error */
}

static char *node_xpath(xmlNodePtr n, const char *attr)
{
    xmlChar *p = xmlGetNodePath(n);
    char *s = attr ? xasprintf("%s/@%s", (const char *)p, attr) : xstrdup((const char *)p);
    xmlFree(p);
    return s;
}

_printf_(7, 8) static void finding(chk *c, const char *rule, dc_severity sev, xmlNodePtr node,
                                   const char *attr, const char *value, const char *fmt, ...)
{
    dc_check_result *r = c->res;
    r->findings = xrealloc(r->findings, (r->nfindings + 1) * sizeof(dc_finding));
    dc_finding *f = &r->findings[r->nfindings++];
    va_list ap;
    va_start(ap, fmt);
    *f = (dc_finding){
        .line = node ? (unsigned)xmlGetLineNo(node) : 0,
        .xpath = node ? node_xpath(node, attr) : xstrdup("/domain"),
        .rule = rule_id(rule),
        .severity = sev,
        .value = value ? xstrdup(value) : NULL,
        .message = xvasprintf(fmt, ap),
    };
    va_end(ap);
    mark(c, rule);
}

static dc_finding *last(chk *c) { return &c->res->findings[c->res->nfindings - 1]; }

static void hint(chk *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    last(c)->hint = xvasprintf(fmt, ap);
    va_end(ap);
}

static void skip_rule(chk *c, const char *rule, const char *why)
{
    _cleanup_free_ char *s = xasprintf("%s: %s", rule_id(rule), why);
    dc_strv_add_unique(&c->skipped, s);
}

static char *enum_list(dc_enum_type type, const dc_enum *e)
{
    dc_buf b = {0};
    for (unsigned v = 0; v < dc_enum_value_count(type); v++)
        if (e->values & (UINT32_C(1) << v)) {
            if (b.len)
                dc_buf_add(&b, " ");
            dc_buf_add(&b, dc_enum_value_name(type, v));
        }
    return b.len ? dc_buf_steal(&b) : xstrdup("none");
}

/*
 * The rule behind most device checks: the value must appear in the
 * domainCapabilities enum (what libvirt itself tests with ENUM_IS_SET).
 */
static bool check_enum(chk *c, const char *rule, xmlNodePtr node, const char *attr,
                       const char *value, const char *what, dc_enum_type type, const dc_enum *e)
{
    mark(c, rule);
    if (!value)
        return true;
    int v = dc_enum_value_lookup(type, value);
    if (v >= 0 && dc_enum_has(e, (unsigned)v))
        return true;
    _cleanup_free_ char *sup = enum_list(type, e);
    finding(c, rule, DC_SEVERITY_ERROR, node, attr, value,
            "%s '%s' is not supported by %s for machine %s (supported: %s)", what, value,
            c->caps->path, c->caps->machine, sup);
    last(c)->supported = xstrdup(sup);
    return false;
}

static const dc_enum *dev_enum(chk *c, dc_device_kind kind, const char *name)
{
    const dc_device_desc *d = &dc_device_descs[kind];
    for (unsigned i = 0; i < d->nenums; i++)
        if (streq(d->enums[i].name, name))
            return &c->caps->devices[kind].enums[i];
    abort();
}

static dc_enum_type dev_enum_type(dc_device_kind kind, const char *name)
{
    const dc_device_desc *d = &dc_device_descs[kind];
    for (unsigned i = 0; i < d->nenums; i++)
        if (streq(d->enums[i].name, name))
            return d->enums[i].type;
    abort();
}

/* Checks attr of node against the device kind's enum ename. */
static bool dev_check(chk *c, const char *rule, dc_device_kind kind, const char *ename,
                      xmlNodePtr node, const char *attr, const char *dflt, const char *what)
{
    _cleanup_free_ char *v = dc_xml_prop(node, attr);
    if (!v && dflt)
        v = xstrdup(dflt);
    if (c->caps->devices[kind].supported != DC_YES) {
        mark(c, rule);
        if (!v && !dflt)
            return true;
        finding(c, rule, DC_SEVERITY_ERROR, node, attr, v, "%s devices are not supported by %s",
                dc_device_descs[kind].element, c->caps->path);
        return false;
    }
    return check_enum(c, rule, node, attr, v, what, dev_enum_type(kind, ename),
                      dev_enum(c, kind, ename));
}

static bool has_type(chk *c, const char *t) { return c->qemu && dc_qemu_has_type(c->qemu, t); }

/* ---- domain-level rules ----------------------------------------------------- */

static unsigned long long parse_ull(const char *s, bool *ok)
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
    unsigned long long n = parse_ull(t, &ok);
    if (!ok) {
        finding(c, "vcpu-count", DC_SEVERITY_ERROR, vcpu, NULL, t,
                "vCPU count '%s' is not a number", t ? t : "");
        return 0;
    }
    return n > 1u << 20 ? 1u << 20 : (unsigned)n;
}

static void rule_vcpus(chk *c)
{
    xmlNodePtr node;
    unsigned n = vcpu_count(c, &node);
    mark(c, "vcpu-count");
    if (!node)
        return;
    if (n == 0) {
        if (c->res->nfindings && streq(last(c)->rule, "vcpu-count"))
            return;
        finding(c, "vcpu-count", DC_SEVERITY_ERROR, node, NULL, "0",
                "Domain requires at least 1 vCPU");
        return;
    }
    if (c->caps->vcpu_max && n > c->caps->vcpu_max) {
        _cleanup_free_ char *v = xasprintf("%u", n);
        finding(c, "vcpu-count", DC_SEVERITY_ERROR, node, NULL, v,
                "Maximum CPUs greater than specified machine type limit %u (%u requested for "
                "machine %s under %s)",
                c->caps->vcpu_max, n, c->caps->machine, c->caps->domain);
        last(c)->supported = xasprintf("1-%u", c->caps->vcpu_max);
    }

    /* A blind spot of libvirt: GICv2 on aarch64 virt addresses at most 8 CPUs. */
    if (dc_arch_is_arm(c->caps->arch) && startswith(c->caps->machine, "virt")) {
        mark(c, "vcpu-gicv2");
        xmlNodePtr gic = dc_xml_child(dc_xml_child(c->root, "features"), "gic");
        _cleanup_free_ char *ver = dc_xml_prop(gic, "version");
        bool v2 = ver ? streq(ver, "2")
                      : (c->caps->features.gic == DC_YES &&
                         !dc_enum_has(&c->caps->features.gic_version, DC_GIC_V3));
        if (v2 && n > 8) {
            _cleanup_free_ char *v = xasprintf("%u", n);
            finding(c, "vcpu-gicv2", DC_SEVERITY_ERROR, node, NULL, v,
                    "%u vCPUs requested but GICv2 supports at most 8 on machine %s", n,
                    c->caps->machine);
            hint(c, "use <gic version='3'/>");
        }
    }

    /* x86 beyond 255 vCPUs: x2APIC IDs need interrupt remapping with EIM (q35 only). */
    if (dc_arch_is_x86(c->caps->arch)) {
        mark(c, "vcpu-eim");
        if (n > 255) {
            xmlNodePtr iommu = dc_xml_child(dc_xml_child(c->root, "devices"), "iommu");
            xmlNodePtr drv = dc_xml_child(iommu, "driver");
            _cleanup_free_ char *eim = dc_xml_prop(drv, "eim");
            _cleanup_free_ char *v = xasprintf("%u", n);
            if (!startswith(c->caps->machine, "pc-q35"))
                finding(c, "vcpu-eim", DC_SEVERITY_ERROR, node, NULL, v,
                        "more than 255 vCPUs are only supported on q35-based machine types");
            else if (!eim || !streq(eim, "on")) {
                finding(c, "vcpu-eim", DC_SEVERITY_ERROR, node, NULL, v,
                        "more than 255 vCPUs require extended interrupt mode enabled on the "
                        "iommu device");
                hint(c, "add <iommu model='intel'><driver intremap='on' eim='on'/></iommu> and "
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
static const dc_firmware *picked_firmware(chk *c, const char *fw)
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
        for (xmlNodePtr fe = dc_xml_child(fwel, "feature"); fe && ok; fe = dc_xml_next(fe, "feature")) {
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

static void rule_os(chk *c)
{
    xmlNodePtr os = dc_xml_child(c->root, "os");
    xmlNodePtr type = dc_xml_child(os, "type");
    _cleanup_free_ char *t = dc_xml_text(type);
    mark(c, "os-type");
    if (t && !streq(t, "hvm"))
        finding(c, "os-type", DC_SEVERITY_ERROR, type, NULL, t,
                "Emulator '%s' does not support os type '%s'", c->caps->path, t);

    /* firmware autoselection */
    _cleanup_free_ char *fw = dc_xml_prop(os, "firmware");
    mark(c, "firmware");
    if (fw) {
        int v = dc_enum_value_lookup(DC_E_FIRMWARE, fw);
        if (v < 0 || !dc_enum_has(&c->caps->os.firmware, (unsigned)v)) {
            _cleanup_free_ char *sup = enum_list(DC_E_FIRMWARE, &c->caps->os.firmware);
            finding(c, "firmware", DC_SEVERITY_ERROR, os, "firmware", fw,
                    "Unable to find '%s' firmware that is compatible with the current "
                    "configuration (%s, machine %s; firmware with a descriptor: %s)",
                    fw, c->caps->arch, c->caps->machine, sup);
            last(c)->supported = xstrdup(sup);
        }
        const dc_firmware *picked = picked_firmware(c, fw);
        xmlNodePtr smm = dc_xml_child(dc_xml_child(c->root, "features"), "smm");
        _cleanup_free_ char *smm_state = dc_xml_prop(smm, "state");
        if (picked && dc_firmware_has_feature(picked, "requires-smm") && smm_state &&
            streq(smm_state, "off")) {
            finding(c, "firmware", DC_SEVERITY_ERROR, smm, "state", smm_state,
                    "domain has SMM turned off but chosen firmware requires it (%s)",
                    picked->descriptor);
            hint(c, "ask for <feature enabled='no' name='secure-boot'/> in <os><firmware>, or "
                    "turn SMM on");
        }
        xmlNodePtr fwel = dc_xml_child(os, "firmware");
        for (xmlNodePtr f = dc_xml_child(fwel, "feature"); f; f = dc_xml_next(f, "feature")) {
            _cleanup_free_ char *name = dc_xml_prop(f, "name");
            _cleanup_free_ char *en = dc_xml_prop(f, "enabled");
            const dc_enum *e = name && streq(name, "secure-boot") ? &c->caps->os.secure_boot
                               : name && streq(name, "enrolled-keys") ? &c->caps->os.enrolled_keys
                                                                      : NULL;
            mark(c, "firmware-feature");
            if (!e || !en)
                continue;
            unsigned want = streq(en, "yes") ? DC_YES_V : DC_NO_V;
            if (!dc_enum_has(e, want))
                finding(c, "firmware-feature", DC_SEVERITY_ERROR, f, "enabled", en,
                        "no firmware descriptor for %s machine %s has %s %s", c->caps->arch,
                        c->caps->machine, name, want == DC_YES_V ? "enabled" : "disabled");
        }
    }

    xmlNodePtr loader = dc_xml_child(os, "loader");
    mark(c, "loader");
    if (loader) {
        _cleanup_free_ char *path = dc_xml_text(loader);
        _cleanup_free_ char *ltype = dc_xml_prop(loader, "type");
        _cleanup_free_ char *ro = dc_xml_prop(loader, "readonly");
        if (ltype)
            check_enum(c, "loader", loader, "type", ltype, "loader type", DC_E_LOADER_TYPE,
                       &c->caps->os.loader.type);
        if (ro)
            check_enum(c, "loader", loader, "readonly", ro, "loader readonly", DC_E_YESNO,
                       &c->caps->os.loader.readonly);
        bool known = false;
        for (char **v = c->caps->os.loader.values; path && v && *v; v++)
            if (streq(*v, path))
                known = true;
        if (path && !known) {
            struct stat st;
            if (c->live && stat(path, &st) < 0)
                finding(c, "loader", DC_SEVERITY_ERROR, loader, NULL, path,
                        "loader '%s' does not exist on this host", path);
            else if (!c->live)
                finding(c, "loader", DC_SEVERITY_WARNING, loader, NULL, path,
                        "loader '%s' is not among the firmware images the snapshot lists",
                        path);
        }
    }

    /* secure boot */
    _cleanup_free_ char *secure = dc_xml_prop(loader, "secure");
    mark(c, "secure-boot");
    if (secure && streq(secure, "yes")) {
        xmlNodePtr smm = dc_xml_child(dc_xml_child(c->root, "features"), "smm");
        _cleanup_free_ char *smm_state = dc_xml_prop(smm, "state");
        if (!streq(c->caps->arch, "x86_64"))
            finding(c, "secure-boot", DC_SEVERITY_ERROR, loader, "secure", secure,
                    "Secure boot is supported for x86_64 architecture only");
        else if (!startswith(c->caps->machine, "pc-q35"))
            finding(c, "secure-boot", DC_SEVERITY_ERROR, loader, "secure", secure,
                    "Secure boot is supported with q35 machine types only");
        else if (!smm || (smm_state && !streq(smm_state, "on"))) {
            finding(c, "secure-boot", DC_SEVERITY_ERROR, loader, "secure", secure,
                    "Secure boot requires SMM feature enabled");
            hint(c, "add <smm state='on'/> to <features>");
        }
        if (!dc_enum_has(&c->caps->os.loader.secure, DC_YES_V))
            finding(c, "secure-boot", DC_SEVERITY_ERROR, loader, "secure", secure,
                    "no firmware for %s machine %s supports secure boot", c->caps->arch,
                    c->caps->machine);
    }

    /* ACPI and UEFI go together on x86 and aarch64. */
    _cleanup_free_ char *loader_type = dc_xml_prop(loader, "type");
    bool efi = (fw && streq(fw, "efi")) || (loader_type && streq(loader_type, "pflash"));
    xmlNodePtr acpi = dc_xml_child(dc_xml_child(c->root, "features"), "acpi");
    mark(c, "uefi-acpi");
    if (dc_arch_is_x86(c->caps->arch) && efi && !acpi)
        finding(c, "uefi-acpi", DC_SEVERITY_ERROR, os, NULL, NULL,
                "UEFI requires ACPI on this architecture");
    if (streq(c->caps->arch, "aarch64") && acpi && !efi)
        finding(c, "uefi-acpi", DC_SEVERITY_ERROR, acpi, NULL, NULL,
                "ACPI requires UEFI on this architecture");
    if (acpi && c->qemu) {
        mark(c, "acpi");
        for (size_t i = 0; i < c->qemu->tcg.nmachines + c->qemu->kvm.nmachines; i++) {
            const dc_qemu_machine *m = i < c->qemu->tcg.nmachines
                                           ? &c->qemu->tcg.machines[i]
                                           : &c->qemu->kvm.machines[i - c->qemu->tcg.nmachines];
            if (streq(m->name, c->caps->machine) && m->acpi == 0) {
                finding(c, "acpi", DC_SEVERITY_ERROR, acpi, NULL, NULL,
                        "machine type '%s' does not support ACPI", m->name);
                break;
            }
        }
    }
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
static bool host_cpu_has(const dc_hostinfo *h, const char *feature)
{
    /* Paravirtual and hypervisor-defined bits never appear among the host's flags. */
    if (startswith(feature, "kvm") || streq(feature, "hypervisor") || startswith(feature, "vmx-"))
        return true;
    static const struct {
        const char *qemu, *linux_name;
    } renamed[] = {
        {"tsc-deadline", "tsc_deadline_timer"}, {"cr8legacy", "cr8_legacy"},
        {"sse4.1", "sse4_1"}, {"sse4.2", "sse4_2"}, {"ds-cpl", "ds_cpl"},
        {"xd", "nx"}, {"i64", "lm"}, {"syscall", "syscall"}, {"fxsr-opt", "fxsr_opt"},
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

static void rule_cpu(chk *c)
{
    xmlNodePtr cpu = dc_xml_child(c->root, "cpu");
    mark(c, "cpu-mode");
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
        finding(c, "cpu-mode", DC_SEVERITY_ERROR, cpu, "mode", mode,
                "CPU mode '%s' for %s %s domain on %s host is not supported by hypervisor",
                mode, c->caps->arch, c->caps->domain, dc_arch_host());
        if (streq(mode, "host-passthrough") && streq(c->caps->domain, "qemu"))
            hint(c, "host-passthrough needs a KVM domain; use mode='maximum' under TCG");
        return;
    }
    _cleanup_free_ char *migratable = dc_xml_prop(cpu, "migratable");
    if (migratable && streq(mode, "host-passthrough"))
        check_enum(c, "cpu-mode", cpu, "migratable", migratable, "host-passthrough migratable",
                   DC_E_ONOFF, &c->caps->cpu.host_passthrough_migratable);

    mark(c, "cpu-model");
    if (!streq(mode, "custom") || !mname)
        return;
    const dc_cpu_model *m = find_cpu_model(c->caps, mname);
    if (!m) {
        finding(c, "cpu-model", DC_SEVERITY_ERROR, model, NULL, mname,
                "CPU model '%s' is not known to %s", mname, c->caps->path);
        const char *near = nearest_usable_model(c->caps, mname);
        if (near)
            hint(c, "nearest usable model: %s", near);
        return;
    }
    if (m->usable != DC_USABLE_NO)
        return;
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
        if (kvm && c->host && !host_cpu_has(c->host, *f))
            dc_buf_addf(&lacking, "%s%s", lacking.len ? ", " : "", *f);
    }
    const char *near = nearest_usable_model(c->caps, mname);
    if (full) {
        finding(c, "cpu-model", DC_SEVERITY_ERROR, model, NULL, mname,
                "CPU model '%s' is not usable under %s on this host: it needs %s (check='full')",
                mname, c->caps->domain, all.len ? all.s : "features the host lacks");
    } else if (kvm && (!c->host || lacking.len)) {
        finding(c, "cpu-model", DC_SEVERITY_ERROR, model, NULL, mname,
                "CPU model '%s' is not usable under kvm on this host: the host CPU lacks %s", mname,
                lacking.len ? lacking.s : all.len ? all.s : "required features");
    } else {
        finding(c, "cpu-model", DC_SEVERITY_WARNING, model, NULL, mname,
                "CPU model '%s' lacks %s under %s here: QEMU starts it without them (use "
                "check='full' to refuse)", mname, all.len ? all.s : "some features",
                c->caps->domain);
    }
    if (near)
        hint(c, "nearest usable model: %s", near);
    dc_buf_clear(&all);
    dc_buf_clear(&lacking);
}

static void rule_memory_backing(chk *c)
{
    xmlNodePtr mb = dc_xml_child(c->root, "memoryBacking");
    xmlNodePtr src = dc_xml_child(mb, "source");
    mark(c, "memory-backing");
    if (!src)
        return;
    _cleanup_free_ char *t = dc_xml_prop(src, "type");
    check_enum(c, "memory-backing", src, "type", t, "memory source type", DC_E_MEM_SOURCE,
               &c->caps->memory_backing.source_type);
    if (t && streq(t, "memfd") && dc_xml_child(mb, "hugepages") && c->qemu &&
        !c->qemu->memfd_hugetlb)
        finding(c, "memory-backing", DC_SEVERITY_ERROR, src, "type", t,
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
    dev_check(c, "disk", DC_DEV_DISK, "diskDevice", d, "device", "disk", "disk device");
    xmlNodePtr target = dc_xml_child(d, "target");
    _cleanup_free_ char *bus = dc_xml_prop(target, "bus");
    if (bus)
        dev_check(c, "disk", DC_DEV_DISK, "bus", target, "bus", NULL, "bus");
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    if (model)
        dev_check(c, "disk", DC_DEV_DISK, "model", d, "model", NULL, "disk model");
    _cleanup_free_ char *device = dc_xml_prop(d, "device");
    if (device && streq(device, "cdrom") && bus && (streq(bus, "virtio") || streq(bus, "sd")))
        finding(c, "disk", DC_SEVERITY_ERROR, target, "bus", bus,
                "disk type of '%s' does not support ejectable media", bus);
}

static void dev_hostdev(chk *c, xmlNodePtr d)
{
    if (!dev_check(c, "hostdev", DC_DEV_HOSTDEV, "mode", d, "mode", "subsystem", "hostdev mode"))
        return;
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    /* QEMU serves mdev and scsi_host hostdevs although the caps enum never lists them. */
    if (type && (streq(type, "mdev") || streq(type, "scsi_host"))) {
        mark(c, "hostdev");
        return;
    }
    if (!dev_check(c, "hostdev", DC_DEV_HOSTDEV, "subsysType", d, "type", NULL, "hostdev type"))
        return;
    if (!type || !streq(type, "pci"))
        return;
    xmlNodePtr drv = dc_xml_child(d, "driver");
    _cleanup_free_ char *name = dc_xml_prop(drv, "name");
    const dc_enum *be = dev_enum(c, DC_DEV_HOSTDEV, "pciBackend");
    if (!be->values) {
        finding(c, "hostdev", DC_SEVERITY_ERROR, drv ? drv : d, drv ? "name" : "type",
                name ? name : type,
                name && streq(name, "vfio") ? "host doesn't support VFIO PCI passthrough"
                                            : "host doesn't support passthrough of host PCI "
                                              "devices");
        hint(c, "enable the IOMMU (intel_iommu=on or amd_iommu=on) and load vfio-pci");
        return;
    }
    if (name)
        check_enum(c, "hostdev", drv, "name", name, "PCI passthrough backend", DC_E_PCI_BACKEND,
                   be);
}

static void dev_rng(chk *c, xmlNodePtr d)
{
    dev_check(c, "rng", DC_DEV_RNG, "model", d, "model", NULL, "rng model");
    xmlNodePtr be = dc_xml_child(d, "backend");
    if (be)
        dev_check(c, "rng", DC_DEV_RNG, "backendModel", be, "model", NULL, "rng backend");
}

static void dev_filesystem(chk *c, xmlNodePtr d)
{
    xmlNodePtr drv = dc_xml_child(d, "driver");
    _cleanup_free_ char *type = dc_xml_prop(drv, "type");
    if (!drv || !type) {
        mark(c, "filesystem");
        return;
    }
    dev_check(c, "filesystem", DC_DEV_FILESYSTEM, "driverType", drv, "type", NULL,
              "filesystem driver");
    mark(c, "virtiofs-shared-memory");
    if (streq(type, "virtiofs") && !shared_memory(c)) {
        finding(c, "virtiofs-shared-memory", DC_SEVERITY_ERROR, drv, "type", type,
                "virtiofs requires shared memory");
        hint(c, "add <memoryBacking><access mode='shared'/></memoryBacking> (with a "
                "memfd or file source)");
    }
}

static void dev_tpm(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    if (c->caps->devices[DC_DEV_TPM].supported != DC_YES) {
        mark(c, "tpm");
        finding(c, "tpm", DC_SEVERITY_ERROR, d, NULL, model,
                "The QEMU executable %s does not support TPM devices", c->caps->path);
        return;
    }
    if (model)
        dev_check(c, "tpm", DC_DEV_TPM, "model", d, "model", NULL, "TPM model");
    xmlNodePtr be = dc_xml_child(d, "backend");
    _cleanup_free_ char *btype = dc_xml_prop(be, "type");
    if (be && btype) {
        dev_check(c, "tpm", DC_DEV_TPM, "backendModel", be, "type", NULL, "TPM backend");
        _cleanup_free_ char *ver = dc_xml_prop(be, "version");
        const dc_enum *ve = dev_enum(c, DC_DEV_TPM, "backendVersion");
        if (ver && streq(btype, "emulator") && ve->report)
            check_enum(c, "tpm", be, "version", ver, "TPM version", DC_E_TPM_VERSION, ve);
        if (ver && streq(ver, "1.2") && model && !streq(model, "tpm-tis"))
            finding(c, "tpm", DC_SEVERITY_ERROR, be, "version", ver,
                    "TPM 1.2 is not supported for model '%s'", model);
        if (streq(btype, "passthrough")) {
            xmlNodePtr dev = dc_xml_child(be, "device");
            _cleanup_free_ char *path = dc_xml_prop(dev, "path");
            mark(c, "host-tpm");
            const char *p = path ? path : "/dev/tpm0";
            struct stat st;
            bool from_report = !c->live && c->host && c->host->tpm_device >= 0 &&
                               streq(p, "/dev/tpm0");
            if ((c->live && stat(p, &st) < 0) || (from_report && !c->host->tpm_device))
                finding(c, "host-tpm", DC_SEVERITY_ERROR, dev ? dev : be, dev ? "path" : "type",
                        p, "TPM passthrough device %s does not exist on this host", p);
            else if (!c->live && !from_report)
                skip_rule(c, "host-tpm", "the host report does not say whether the device exists");
        }
    }
}

static void dev_interface(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    xmlNodePtr be = dc_xml_child(d, "backend");
    _cleanup_free_ char *bt = dc_xml_prop(be, "type");
    mark(c, "interface-backend");
    if (type && (streq(type, "user") || (streq(type, "vhostuser") && bt))) {
        const dc_enum *e = dev_enum(c, DC_DEV_INTERFACE, "backendType");
        const char *want = bt ? bt : "default";
        int v = dc_enum_value_lookup(DC_E_NET_BACKEND, want);
        if (v < 0 || !dc_enum_has(e, (unsigned)v))
            finding(c, "interface-backend", DC_SEVERITY_ERROR, be ? be : d, be ? "type" : "type",
                    want, "the '%s' network backend is not supported with this QEMU binary",
                    want);
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
    {"e1000", {"e1000"}}, {"e1000e", {"e1000e"}}, {"igb", {"igb"}},
    {"rtl8139", {"rtl8139"}}, {"vmxnet3", {"vmxnet3"}}, {"ne2k_pci", {"ne2k_pci"}},
    {"pcnet", {"pcnet"}}, {"spapr-vlan", {"spapr-vlan"}}, {"usb-net", {"usb-net"}},
    {"smc91c111", {"smc91c111"}}, {"lan9118", {"lan9118"}},
};

static const model_map controller_models[] = {
    {"piix3-uhci", {"piix3-usb-uhci"}}, {"piix4-uhci", {"piix4-usb-uhci"}},
    {"ehci", {"usb-ehci"}}, {"ich9-ehci1", {"ich9-usb-ehci1"}},
    {"ich9-uhci1", {"ich9-usb-uhci1"}}, {"ich9-uhci2", {"ich9-usb-uhci2"}},
    {"ich9-uhci3", {"ich9-usb-uhci3"}}, {"vt82c686b-uhci", {"vt82c686b-usb-uhci"}},
    {"pci-ohci", {"pci-ohci"}}, {"nec-xhci", {"nec-usb-xhci"}}, {"qemu-xhci", {"qemu-xhci"}},
    {"virtio-scsi", {"virtio-scsi-pci", "virtio-scsi-ccw", "virtio-scsi-device"}},
    {"lsilogic", {"lsi53c895a"}}, {"lsisas1068", {"mptsas1068"}}, {"lsisas1078", {"megasas"}},
    {"vmpvscsi", {"pvscsi"}}, {"ibmvscsi", {"spapr-vscsi"}}, {"am53c974", {"am53c974"}},
    {"dc390", {"dc390"}},
    {"pcie-root-port", {"pcie-root-port", "ioh3420"}}, {"pci-bridge", {"pci-bridge"}},
    {"dmi-to-pci-bridge", {"i82801b11-bridge"}}, {"pcie-to-pci-bridge", {"pcie-pci-bridge"}},
    {"pci-expander-bus", {"pxb"}}, {"pcie-expander-bus", {"pxb-pcie"}},
    {"pcie-switch-upstream-port", {"x3130-upstream"}},
    {"pcie-switch-downstream-port", {"xio3130-downstream"}},
};

static const model_map sound_models[] = {
    {"ich6", {"intel-hda"}}, {"ich7", {"intel-hda"}}, {"ich9", {"ich9-intel-hda"}},
    {"ac97", {"AC97"}}, {"es1370", {"ES1370"}}, {"sb16", {"sb16"}}, {"usb", {"usb-audio"}},
    {"pcspk", {"isa-pcspk"}}, {"virtio", {"virtio-sound-pci"}},
};

static const model_map watchdog_models[] = {
    {"i6300esb", {"i6300esb"}}, {"ib700", {"ib700"}}, {"diag288", {"diag288"}},
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
        skip_rule(c, "device-model", "the capabilities snapshot carries no QEMU device list "
                                     "(save it with domcaps --snapshot)");
        return;
    }
    mark(c, "device-model");
    const model_map *m = NULL;
    for (size_t i = 0; i < n; i++)
        if (streq(map[i].model, model))
            m = &map[i];
    if (m) {
        for (size_t i = 0; i < ELEMENTSOF(m->types) && m->types[i]; i++)
            if (has_type(c, m->types[i]))
                return;
    } else if (has_type(c, model)) {
        return;
    }
    finding(c, "device-model", DC_SEVERITY_ERROR, node, attr, model,
            "%s model '%s' is not supported by %s (%s)", kind, model, c->caps->path,
            m ? "QEMU lacks the device that implements it" : "no QEMU device of that name");
}

static void dev_controller(chk *c, xmlNodePtr d)
{
    _cleanup_free_ char *type = dc_xml_prop(d, "type");
    _cleanup_free_ char *model = dc_xml_prop(d, "model");
    if (type && streq(type, "ide")) {
        mark(c, "disk");
        const dc_enum *bus = dev_enum(c, DC_DEV_DISK, "bus");
        if (!dc_enum_has(bus, DC_BUS_IDE))
            finding(c, "disk", DC_SEVERITY_ERROR, d, "type", type,
                    "IDE controllers are unsupported for this QEMU binary or machine type");
    }
    if (type && streq(type, "sata")) {
        mark(c, "disk");
        if (!dc_enum_has(dev_enum(c, DC_DEV_DISK, "bus"), DC_BUS_SATA))
            finding(c, "disk", DC_SEVERITY_ERROR, d, "type", type,
                    "SATA is not supported with this QEMU binary");
    }
    if (type && streq(type, "pci") && model && (streq(model, "pci-root") || streq(model, "pcie-root")))
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
        qtype = streq(type, "tablet") ? "usb-tablet" : streq(type, "mouse") ? "usb-mouse"
                : streq(type, "keyboard") ? "usb-kbd" : NULL;
    else if (streq(bus, "virtio"))
        qtype = streq(type, "tablet") ? "virtio-tablet-pci" : streq(type, "mouse") ? "virtio-mouse-pci"
                : streq(type, "keyboard") ? "virtio-keyboard-pci" : NULL;
    if (!qtype)
        return;
    static const model_map none[] = {{NULL, {NULL}}};
    _cleanup_free_ char *label = xasprintf("%s %s", bus, type);
    if (!c->qemu) {
        skip_rule(c, "device-model", "the capabilities snapshot carries no QEMU device list "
                                     "(save it with domcaps --snapshot)");
        return;
    }
    mark(c, "device-model");
    if (!has_type(c, qtype) && !(streq(bus, "virtio") && has_type(c, "virtio-tablet-device")))
        finding(c, "device-model", DC_SEVERITY_ERROR, d, "bus", bus,
                "input device '%s' is not supported by %s (QEMU lacks %s)", label, c->caps->path,
                qtype);
    (void)none;
}

static void dev_model_child(chk *c, xmlNodePtr d, const char *kind, const model_map *map, size_t n)
{
    xmlNodePtr m = dc_xml_child(d, "model");
    _cleanup_free_ char *t = dc_xml_prop(m, "type");
    device_model(c, m, "type", kind, t, map, n);
    /* On the PC machines a NIC goes on PCI: a device QEMU has but not for PCI fails at start. */
    bool pc = startswith(c->caps->machine, "pc-") || streq(c->caps->machine, "pc");
    if (t && pc && c->qemu && c->qemu->pci_types.n && has_type(c, t) &&
        !dc_qemu_is_pci_type(c->qemu, t) && !startswith(t, "usb-")) {
        finding(c, "device-model", DC_SEVERITY_ERROR, m, "type", t,
                "%s model '%s' is not a PCI device and cannot go on the PCI bus of machine %s",
                kind, t, c->caps->machine);
    }
}

static void dev_model_attr(chk *c, xmlNodePtr d, const char *kind, const model_map *map, size_t n)
{
    _cleanup_free_ char *t = dc_xml_prop(d, "model");
    device_model(c, d, "model", kind, t, map, n);
    /* The iTCO watchdog is part of the ICH9 LPC bridge: q35 only. */
    if (t && streq(t, "itco") && !startswith(c->caps->machine, "pc-q35")) {
        mark(c, "device-model");
        finding(c, "device-model", DC_SEVERITY_ERROR, d, "model", t,
                "watchdog model 'itco' is only available on q35 machine types, not %s",
                c->caps->machine);
    }
}

/*
 * Character devices: the enums list what libvirt reports, not every backend
 * QEMU has, so only backends that need something QEMU may lack are judged.
 */
static void chr_check(chk *c, const char *rule, dc_device_kind kind, xmlNodePtr d)
{
    _cleanup_free_ char *t = dc_xml_prop(d, "type");
    mark(c, rule);
    if (!t || !(streq(t, "spicevmc") || streq(t, "spiceport") || streq(t, "qemu-vdagent") ||
                streq(t, "dbus")))
        return;
    if (kind == DC_DEV_CHANNEL && !streq(t, "spicevmc"))
        kind = DC_DEV_CONSOLE; /* the channel enum lists only pty, unix and spicevmc */
    if (c->caps->devices[kind].supported != DC_YES)
        return;
    check_enum(c, rule, d, "type", t, kind == DC_DEV_CHANNEL ? "channel type" : "character device type",
               DC_E_CHR_TYPE, dev_enum(c, kind, "type"));
}

typedef enum dev_element {
    DEV_DISK, DEV_GRAPHICS, DEV_VIDEO, DEV_HOSTDEV, DEV_RNG, DEV_FILESYSTEM, DEV_TPM,
    DEV_REDIRDEV, DEV_CHANNEL, DEV_CRYPTO, DEV_INTERFACE, DEV_PANIC, DEV_CONSOLE,
    DEV_CONTROLLER, DEV_SOUND, DEV_WATCHDOG, DEV_INPUT, DEV_MEMBALLOON, DEV_OTHER,
} dev_element;

static dev_element classify(const char *name)
{
    static const struct {
        const char *name;
        dev_element e;
    } map[] = {
        {"disk", DEV_DISK}, {"graphics", DEV_GRAPHICS}, {"video", DEV_VIDEO},
        {"hostdev", DEV_HOSTDEV}, {"rng", DEV_RNG}, {"filesystem", DEV_FILESYSTEM},
        {"tpm", DEV_TPM}, {"redirdev", DEV_REDIRDEV}, {"channel", DEV_CHANNEL},
        {"crypto", DEV_CRYPTO}, {"interface", DEV_INTERFACE}, {"panic", DEV_PANIC},
        {"console", DEV_CONSOLE}, {"controller", DEV_CONTROLLER}, {"sound", DEV_SOUND},
        {"watchdog", DEV_WATCHDOG}, {"input", DEV_INPUT}, {"memballoon", DEV_MEMBALLOON},
    };
    for (size_t i = 0; i < ELEMENTSOF(map); i++)
        if (streq(map[i].name, name))
            return map[i].e;
    return DEV_OTHER;
}

static void rule_devices(chk *c)
{
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    for (xmlNodePtr d = dc_xml_child(devices, NULL); d; d = dc_xml_next(d, NULL)) {
        switch (classify((const char *)d->name)) {
        case DEV_DISK: dev_disk(c, d); break;
        case DEV_GRAPHICS:
            dev_check(c, "graphics", DC_DEV_GRAPHICS, "type", d, "type", NULL, "graphics type");
            break;
        case DEV_VIDEO: {
            xmlNodePtr m = dc_xml_child(d, "model");
            if (m)
                dev_check(c, "video", DC_DEV_VIDEO, "modelType", m, "type", NULL, "video model");
            break;
        }
        case DEV_HOSTDEV: dev_hostdev(c, d); break;
        case DEV_RNG: dev_rng(c, d); break;
        case DEV_FILESYSTEM: dev_filesystem(c, d); break;
        case DEV_TPM: dev_tpm(c, d); break;
        case DEV_REDIRDEV:
            if (c->caps->devices[DC_DEV_REDIRDEV].supported != DC_YES) {
                mark(c, "redirdev");
                finding(c, "redirdev", DC_SEVERITY_ERROR, d, NULL, NULL,
                        "USB redirection is not supported by this version of QEMU");
            } else {
                dev_check(c, "redirdev", DC_DEV_REDIRDEV, "bus", d, "bus", "usb", "redirdev bus");
            }
            break;
        case DEV_CHANNEL: chr_check(c, "channel", DC_DEV_CHANNEL, d); break;
        case DEV_CRYPTO: {
            dev_check(c, "crypto", DC_DEV_CRYPTO, "model", d, "model", NULL, "crypto model");
            dev_check(c, "crypto", DC_DEV_CRYPTO, "type", d, "type", NULL, "crypto type");
            xmlNodePtr be = dc_xml_child(d, "backend");
            if (be)
                dev_check(c, "crypto", DC_DEV_CRYPTO, "backendModel", be, "model", NULL,
                          "crypto backend");
            break;
        }
        case DEV_INTERFACE:
            dev_interface(c, d);
            dev_model_child(c, d, "interface", nic_models, ELEMENTSOF(nic_models));
            break;
        case DEV_PANIC:
            dev_check(c, "panic", DC_DEV_PANIC, "model", d, "model", NULL, "panic model");
            break;
        case DEV_CONSOLE: chr_check(c, "console", DC_DEV_CONSOLE, d); break;
        case DEV_CONTROLLER: dev_controller(c, d); break;
        case DEV_SOUND:
            dev_model_attr(c, d, "sound", sound_models, ELEMENTSOF(sound_models));
            break;
        case DEV_WATCHDOG:
            dev_model_attr(c, d, "watchdog", watchdog_models, ELEMENTSOF(watchdog_models));
            break;
        case DEV_INPUT: dev_input(c, d); break;
        case DEV_MEMBALLOON:
            dev_model_attr(c, d, "memballoon", memballoon_models, ELEMENTSOF(memballoon_models));
            break;
        case DEV_OTHER: break;
        }
    }
}

/* ---- features and launch security ------------------------------------------- */

static void rule_features(chk *c)
{
    xmlNodePtr feats = dc_xml_child(c->root, "features");
    mark(c, "features");
    const dc_tristate *simple = c->caps->features.simple;
    for (xmlNodePtr f = dc_xml_child(feats, NULL); f; f = dc_xml_next(f, NULL)) {
        const char *name = (const char *)f->name;
        _cleanup_free_ char *state = dc_xml_prop(f, "state");
        bool off = state && streq(state, "off");
        if (streq(name, "gic")) {
            _cleanup_free_ char *ver = dc_xml_prop(f, "version");
            if (c->caps->features.gic != DC_YES) {
                finding(c, "features", DC_SEVERITY_ERROR, f, NULL, ver,
                        "The 'gic' feature is not supported for architecture '%s' or machine "
                        "type '%s'", c->caps->arch, c->caps->machine);
            } else if (ver && !streq(ver, "host")) {
                check_enum(c, "features", f, "version", ver, "GIC version", DC_E_GIC_VERSION,
                           &c->caps->features.gic_version);
            }
        } else if (streq(name, "vmcoreinfo") && !off && simple[DC_FEAT_VMCOREINFO] != DC_YES) {
            finding(c, "features", DC_SEVERITY_ERROR, f, NULL, NULL,
                    "vmcoreinfo is not available with this QEMU binary");
        } else if (streq(name, "async-teardown") && !off && simple[DC_FEAT_ASYNC_TEARDOWN] != DC_YES) {
            _cleanup_free_ char *en = dc_xml_prop(f, "enabled");
            if (!en || streq(en, "yes"))
                finding(c, "features", DC_SEVERITY_ERROR, f, NULL, NULL,
                        "asynchronous teardown is not available with this QEMU binary");
        } else if (streq(name, "ps2") && simple[DC_FEAT_PS2] != DC_YES) {
            finding(c, "features", DC_SEVERITY_ERROR, f, "state", state,
                    "ps2 feature state cannot be controlled with this QEMU binary");
        } else if (streq(name, "smm") && !off && !dc_arch_is_x86(c->caps->arch)) {
            finding(c, "features", DC_SEVERITY_ERROR, f, NULL, NULL,
                    "The 'smm' feature is not supported for architecture '%s' or machine type "
                    "'%s'", c->caps->arch, c->caps->machine);
        } else if (streq(name, "vmport") && !off && !dc_arch_is_x86(c->caps->arch)) {
            finding(c, "features", DC_SEVERITY_ERROR, f, NULL, NULL,
                    "The 'vmport' feature is not supported for architecture '%s' or machine "
                    "type '%s'", c->caps->arch, c->caps->machine);
        } else if (streq(name, "hyperv")) {
            if (!dc_arch_is_x86(c->caps->arch) && !dc_arch_is_arm(c->caps->arch)) {
                finding(c, "features", DC_SEVERITY_ERROR, f, NULL, NULL,
                        "Hyperv features are not supported for architecture '%s' or machine "
                        "type '%s'", c->caps->arch, c->caps->machine);
                continue;
            }
            /* libvirt verifies enlightenments against the host under KVM only; TCG ignores them. */
            if (c->caps->features.hyperv.supported != DC_YES || !streq(c->caps->domain, "kvm"))
                continue;
            _cleanup_free_ char *mode = dc_xml_prop(f, "mode");
            if (mode && streq(mode, "passthrough"))
                continue;
            for (xmlNodePtr h = dc_xml_child(f, NULL); h; h = dc_xml_next(h, NULL)) {
                _cleanup_free_ char *hs = dc_xml_prop(h, "state");
                if (hs && streq(hs, "off"))
                    continue;
                const char *hn = (const char *)h->name;
                int v = dc_enum_value_lookup(DC_E_HYPERV, hn);
                if (v < 0)
                    continue; /* not one domcaps reports on */
                if (!dc_enum_has(&c->caps->features.hyperv.features, (unsigned)v)) {
                    finding(c, "features", DC_SEVERITY_ERROR, h, NULL, hn,
                            "host doesn't support hyperv '%s' feature", hn);
                    _cleanup_free_ char *sup = enum_list(DC_E_HYPERV,
                                                         &c->caps->features.hyperv.features);
                    last(c)->supported = xstrdup(sup);
                }
            }
        }
    }
    xmlNodePtr genid = dc_xml_child(c->root, "genid");
    if (genid && simple[DC_FEAT_GENID] != DC_YES)
        finding(c, "features", DC_SEVERITY_ERROR, genid, NULL, NULL,
                "this QEMU does not support the 'genid' capability");

    xmlNodePtr ls = dc_xml_child(c->root, "launchSecurity");
    mark(c, "launch-security");
    if (ls) {
        _cleanup_free_ char *t = dc_xml_prop(ls, "type");
        int v = t ? dc_enum_value_lookup(DC_E_SECTYPE, t) : -1;
        if (t && (v < 0 || !dc_enum_has(&c->caps->features.launch_security.sectype, (unsigned)v))) {
            if (streq(t, "s390-pv"))
                finding(c, "launch-security", DC_SEVERITY_ERROR, ls, "type", t,
                        "S390 PV launch security is not supported by this host or kernel");
            else
                finding(c, "launch-security", DC_SEVERITY_ERROR, ls, "type", t,
                        "'%s' launch security is not supported with this QEMU binary", t);
            _cleanup_free_ char *sup = enum_list(DC_E_SECTYPE,
                                                 &c->caps->features.launch_security.sectype);
            last(c)->supported = xstrdup(sup);
        }
    }
}

/* ---- host rules -------------------------------------------------------------- */

/* Parses a libvirt cpuset/nodeset ("0-3,8,^2") into ids; false when malformed. */
static bool parse_set(const char *s, dc_strv *ret_ids)
{
    if (!s || !*s)
        return false;
    _cleanup_free_ char *copy = xstrdup(s);
    dc_strv add = {0}, del = {0};
    char *save = NULL;
    bool ok = true;
    for (char *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        bool neg = *t == '^';
        if (neg)
            t++;
        char *end;
        errno = 0;
        unsigned long a = strtoul(t, &end, 10), b = a;
        if (end == t || errno) {
            ok = false;
            break;
        }
        if (*end == '-') {
            char *e2;
            b = strtoul(end + 1, &e2, 10);
            if (e2 == end + 1 || b < a || b - a > 65536) {
                ok = false;
                break;
            }
            end = e2;
        }
        while (*end == ' ')
            end++;
        if (*end) {
            ok = false;
            break;
        }
        for (unsigned long i = a; i <= b; i++) {
            char num[24];
            snprintf(num, sizeof(num), "%lu", i);
            dc_strv_add_unique(neg ? &del : &add, num);
        }
    }
    for (size_t i = 0; ok && i < add.n; i++)
        if (!dc_strv_contains(&del, add.v[i]))
            dc_strv_add(ret_ids, add.v[i]);
    dc_strv_clear(&add);
    dc_strv_clear(&del);
    return ok;
}

static bool host_has_cpu(const dc_hostinfo *h, unsigned id)
{
    for (size_t i = 0; i < h->numa.ncells; i++)
        for (size_t j = 0; j < h->numa.cells[i].ncpus; j++)
            if (h->numa.cells[i].cpus[j].id == id)
                return true;
    return false;
}

static const dc_numa_cell *host_cell(const dc_hostinfo *h, unsigned id)
{
    for (size_t i = 0; i < h->numa.ncells; i++)
        if (h->numa.cells[i].id == id)
            return &h->numa.cells[i];
    return NULL;
}

static void check_set(chk *c, const char *rule, xmlNodePtr node, const char *attr, bool nodes)
{
    _cleanup_free_ char *v = dc_xml_prop(node, attr);
    if (!v)
        return;
    mark(c, rule);
    _cleanup_strv_ dc_strv ids = {0};
    if (!parse_set(v, &ids)) {
        finding(c, rule, DC_SEVERITY_ERROR, node, attr, v, "'%s' is not a valid %s set", v,
                nodes ? "node" : "CPU");
        return;
    }
    dc_buf missing = {0};
    for (size_t i = 0; i < ids.n; i++) {
        unsigned id = (unsigned)strtoul(ids.v[i], NULL, 10);
        if (nodes ? !host_cell(c->host, id) : !host_has_cpu(c->host, id)) {
            if (missing.len)
                dc_buf_add(&missing, ",");
            dc_buf_add(&missing, ids.v[i]);
        }
    }
    if (missing.len) {
        finding(c, rule, DC_SEVERITY_ERROR, node, attr, v,
                "%s %s of '%s' do%s not exist on this host", nodes ? "NUMA node(s)" : "CPU(s)",
                missing.s, v, strchr(missing.s, ',') ? "" : "es");
        dc_buf sup = {0};
        for (size_t i = 0; i < c->host->numa.ncells; i++) {
            const dc_numa_cell *cell = &c->host->numa.cells[i];
            if (nodes) {
                dc_buf_addf(&sup, "%s%u", sup.len ? " " : "", cell->id);
            } else {
                for (size_t j = 0; j < cell->ncpus; j++)
                    dc_buf_addf(&sup, "%s%u", sup.len ? " " : "", cell->cpus[j].id);
            }
        }
        last(c)->supported = dc_buf_steal(&sup);
    }
    dc_buf_clear(&missing);
}

/* Memory in KiB from a libvirt <memory unit=...> value. */
static bool memory_kib(xmlNodePtr n, unsigned long long *ret)
{
    _cleanup_free_ char *t = dc_xml_text(n);
    _cleanup_free_ char *unit = dc_xml_prop(n, "unit");
    bool ok;
    unsigned long long v = parse_ull(t, &ok);
    if (!ok)
        return false;
    static const struct {
        const char *u;
        unsigned long long mul, div;
    } units[] = {
        {"b", 1, 1024}, {"bytes", 1, 1024}, {"KB", 1000, 1024}, {"k", 1, 1}, {"KiB", 1, 1},
        {"MB", 1000000, 1024}, {"M", 1024, 1}, {"MiB", 1024, 1}, {"GB", 1000000000, 1024},
        {"G", 1048576, 1}, {"GiB", 1048576, 1}, {"TB", 1000000000000ULL, 1024},
        {"T", 1073741824ULL, 1}, {"TiB", 1073741824ULL, 1},
    };
    if (!unit) {
        *ret = v;
        return true;
    }
    for (size_t i = 0; i < ELEMENTSOF(units); i++)
        if (streq(units[i].u, unit)) {
            *ret = v / units[i].div * units[i].mul + (v % units[i].div) * units[i].mul / units[i].div;
            return true;
        }
    return false;
}

static void rule_host_memory(chk *c, unsigned long long *ret_kib)
{
    xmlNodePtr mem = dc_xml_child(c->root, "memory");
    mark(c, "host-memory");
    unsigned long long kib = 0;
    if (!mem || !memory_kib(mem, &kib)) {
        *ret_kib = 0;
        return;
    }
    *ret_kib = kib;
    /* Node files may describe less than the machine: /proc/meminfo has the total. */
    unsigned long long total = 0;
    for (size_t i = 0; i < c->host->numa.ncells; i++)
        total += c->host->numa.cells[i].memory_kib;
    if (c->host->numa.memory_kib > total)
        total = c->host->numa.memory_kib;
    if (total && kib > total) {
        _cleanup_free_ char *v = xasprintf("%llu", kib);
        finding(c, "host-memory", DC_SEVERITY_ERROR, mem, NULL, v,
                "memory of %llu KiB is more than the host's %llu KiB", kib, total);
        last(c)->supported = xasprintf("<= %llu KiB", total);
    }
}

static void rule_host_hugepages(chk *c, unsigned long long mem_kib)
{
    xmlNodePtr hp = dc_xml_child(dc_xml_child(c->root, "memoryBacking"), "hugepages");
    mark(c, "host-hugepages");
    if (!hp || !c->host->numa.ncells)
        return;
    xmlNodePtr page = dc_xml_child(hp, "page");
    unsigned long long size = 0;
    if (page) {
        _cleanup_free_ char *sz = dc_xml_prop(page, "size");
        _cleanup_free_ char *unit = dc_xml_prop(page, "unit");
        bool ok;
        size = parse_ull(sz, &ok);
        if (ok && unit && (streq(unit, "M") || streq(unit, "MiB")))
            size *= 1024;
        else if (ok && unit && (streq(unit, "G") || streq(unit, "GiB")))
            size *= 1048576;
    }
    /* The hugepage sizes offered: every size but the base page on the first cell. */
    const dc_numa_cell *c0 = &c->host->numa.cells[0];
    if (!size)
        size = c->host->numa.default_hugepage_kib;
    if (!size && c0->npages > 1)
        size = c0->pages[1].size_kib;
    bool offered = false;
    dc_buf sup = {0};
    for (size_t p = 1; p < c0->npages; p++) {
        dc_buf_addf(&sup, "%s%llu", sup.len ? " " : "", c0->pages[p].size_kib);
        if (c0->pages[p].size_kib == size)
            offered = true;
    }
    if (!offered) {
        _cleanup_free_ char *v = xasprintf("%llu", size);
        finding(c, "host-hugepages", DC_SEVERITY_ERROR, page ? page : hp, page ? "size" : NULL, v,
                "hugepages of %llu KiB are not offered by this host (offered: %s KiB)", size,
                sup.len ? sup.s : "none");
        last(c)->supported = dc_buf_steal(&sup);
        dc_buf_clear(&sup);
        return;
    }
    dc_buf_clear(&sup);
    if (!mem_kib)
        return;

    /* Pinned with numatune strict: only those nodes' pages count. */
    xmlNodePtr nt = dc_xml_child(dc_xml_child(c->root, "numatune"), "memory");
    _cleanup_free_ char *nodeset = dc_xml_prop(nt, "nodeset");
    _cleanup_free_ char *mode = dc_xml_prop(nt, "mode");
    _cleanup_strv_ dc_strv nodes = {0};
    bool pinned = nodeset && (!mode || streq(mode, "strict")) && parse_set(nodeset, &nodes);
    unsigned long long free_pages = 0;
    for (size_t i = 0; i < c->host->numa.ncells; i++) {
        const dc_numa_cell *cell = &c->host->numa.cells[i];
        char id[16];
        snprintf(id, sizeof(id), "%u", cell->id);
        if (pinned && !dc_strv_contains(&nodes, id))
            continue;
        for (size_t p = 0; p < cell->npages; p++)
            if (cell->pages[p].size_kib == size)
                free_pages += cell->pages[p].free;
    }
    unsigned long long need = (mem_kib + size - 1) / size;
    if (need > free_pages) {
        _cleanup_free_ char *v = xasprintf("%llu", size);
        finding(c, "host-hugepages", DC_SEVERITY_ERROR, page ? page : hp, page ? "size" : NULL, v,
                "%llu free hugepages of %llu KiB needed%s%s, %llu free", need, size,
                pinned ? " on nodes " : "", pinned ? nodeset : "", free_pages);
        hint(c, "reserve more with: echo %llu > /sys/kernel/mm/hugepages/hugepages-%llukB/nr_hugepages",
             need, size);
    }
}

static void rule_host_numa_cpus(chk *c)
{
    xmlNodePtr nt = dc_xml_child(c->root, "numatune");
    check_set(c, "host-numa", dc_xml_child(nt, "memory"), "nodeset", true);
    for (xmlNodePtr m = dc_xml_child(nt, "memnode"); m; m = dc_xml_next(m, "memnode"))
        check_set(c, "host-numa", m, "nodeset", true);
    check_set(c, "host-cpuset", dc_xml_child(c->root, "vcpu"), "cpuset", false);
    xmlNodePtr ct = dc_xml_child(c->root, "cputune");
    for (xmlNodePtr p = dc_xml_child(ct, NULL); p; p = dc_xml_next(p, NULL))
        if (dc_xml_is(p, "vcpupin") || dc_xml_is(p, "emulatorpin") || dc_xml_is(p, "iothreadpin"))
            check_set(c, "host-cpuset", p, "cpuset", false);
}

static unsigned hexattr(xmlNodePtr n, const char *attr, bool *ok)
{
    _cleanup_free_ char *v = dc_xml_prop(n, attr);
    char *end;
    *ok = v != NULL;
    if (!v)
        return 0;
    unsigned long x = strtoul(v, &end, 0);
    if (*end)
        *ok = false;
    return (unsigned)x;
}

static void host_pci(chk *c, xmlNodePtr d)
{
    mark(c, "host-pci");
    xmlNodePtr addr = dc_xml_child(dc_xml_child(d, "source"), "address");
    if (!addr)
        return;
    bool ok1, ok2, ok3, ok4;
    unsigned dom = hexattr(addr, "domain", &ok1), bus = hexattr(addr, "bus", &ok2),
             slot = hexattr(addr, "slot", &ok3), fn = hexattr(addr, "function", &ok4);
    if (!ok1)
        dom = 0;
    _cleanup_free_ char *want = xasprintf("%04x:%02x:%02x.%x", dom, bus, slot, fn);
    if (!ok2 || !ok3 || !ok4) {
        finding(c, "host-pci", DC_SEVERITY_ERROR, addr, NULL, NULL,
                "PCI address needs bus, slot and function");
        return;
    }
    if (!c->host->pci_known) {
        skip_rule(c, "host-pci", "the host report has no PCI inventory");
        return;
    }
    const dc_pci_device *dev = NULL;
    for (size_t i = 0; i < c->host->npci; i++)
        if (streq(c->host->pci[i].address, want))
            dev = &c->host->pci[i];
    if (!dev) {
        finding(c, "host-pci", DC_SEVERITY_ERROR, addr, NULL, want,
                "PCI device %s does not exist on this host", want);
        return;
    }
    const dc_hostvfio *v = &c->host->vfio;
    if (!(v->dev_vfio && v->iommu_groups)) {
        finding(c, "host-pci", DC_SEVERITY_ERROR, addr, NULL, want,
                "PCI device %s cannot be assigned: VFIO is not usable on this host (%s)", want,
                !v->iommu_groups ? "no IOMMU groups: is the IOMMU enabled?"
                                 : "/dev/vfio/vfio does not exist");
        return;
    }
    _cleanup_free_ char *managed = dc_xml_prop(d, "managed");
    bool is_managed = managed && streq(managed, "yes");
    bool bound_ok = !dev->driver || streq(dev->driver, "vfio-pci") || streq(dev->driver, "pci-stub") ||
                    endswith(dev->driver, "_vfio_pci");
    if (!is_managed && !bound_ok) {
        finding(c, "host-pci", DC_SEVERITY_ERROR, addr, NULL, want,
                "PCI device %s is bound to '%s' and the hostdev is not managed", want, dev->driver);
        hint(c, "set managed='yes' or bind %s to vfio-pci", want);
    }
    for (size_t i = 0; i < v->ngroups; i++) {
        const dc_iommu_group *g = &v->groups[i];
        if ((int)g->id != dev->iommu_group || g->viable)
            continue;
        /* The device itself is libvirt's to rebind (managed) or judged above. */
        dc_buf culprits = {0}, addrs = {0};
        size_t n = 0;
        for (char **cu = g->culprits; cu && *cu; cu++) {
            size_t alen = strcspn(*cu, " ");
            if (strlen(want) == alen && strncmp(*cu, want, alen) == 0)
                continue;
            dc_buf_addf(&culprits, "%s%s", culprits.len ? ", " : "", *cu);
            dc_buf_addf(&addrs, "%s%.*s", addrs.len ? " " : "", (int)alen, *cu);
            n++;
        }
        if (n)
            finding(c, "host-pci", DC_SEVERITY_ERROR, addr, NULL, want,
                    "IOMMU group %u of PCI device %s is not viable: %s %s bound to a host driver",
                    g->id, want, culprits.s, n > 1 ? "are" : "is");
        if (n)
            hint(c, "bind the group's other members to vfio-pci: %s", addrs.s);
        dc_buf_clear(&culprits);
        dc_buf_clear(&addrs);
    }
}

static void host_usb(chk *c, xmlNodePtr d)
{
    mark(c, "host-usb");
    if (!c->host->usb_known) {
        skip_rule(c, "host-usb", "the host report has no USB inventory");
        return;
    }
    xmlNodePtr src = dc_xml_child(d, "source");
    bool okv, okp;
    unsigned vendor = hexattr(dc_xml_child(src, "vendor"), "id", &okv);
    unsigned product = hexattr(dc_xml_child(src, "product"), "id", &okp);
    xmlNodePtr addr = dc_xml_child(src, "address");
    _cleanup_free_ char *b = dc_xml_prop(addr, "bus"), *dv = dc_xml_prop(addr, "device");
    for (size_t i = 0; i < c->host->nusb; i++) {
        const dc_usb_device *u = &c->host->usb[i];
        bool match = true;
        if (okv && u->vendor_id != vendor)
            match = false;
        if (okp && u->product_id != product)
            match = false;
        if (b && strtoul(b, NULL, 10) != u->bus)
            match = false;
        if (dv && strtoul(dv, NULL, 10) != u->address)
            match = false;
        if (match)
            return;
    }
    _cleanup_free_ char *what = okv ? xasprintf("%04x:%04x", vendor, okp ? product : 0)
                                    : xasprintf("bus %s device %s", b ? b : "?", dv ? dv : "?");
    finding(c, "host-usb", DC_SEVERITY_ERROR, src ? src : d, NULL, what,
            "USB device %s is not present on this host", what);
}

/* Why SMM will be on for this domain, or NULL. */
static const char *smm_reason(chk *c, char **ret_owned)
{
    xmlNodePtr os = dc_xml_child(c->root, "os");
    xmlNodePtr smm = dc_xml_child(dc_xml_child(c->root, "features"), "smm");
    _cleanup_free_ char *state = dc_xml_prop(smm, "state");
    if (smm && (!state || streq(state, "on")))
        return "<smm state='on'/>";
    _cleanup_free_ char *secure = dc_xml_prop(dc_xml_child(os, "loader"), "secure");
    if (secure && streq(secure, "yes"))
        return "the secure loader";
    _cleanup_free_ char *fw = dc_xml_prop(os, "firmware");
    if (!fw || !streq(fw, "efi"))
        return NULL;
    const dc_firmware *f = picked_firmware(c, fw);
    if (f && dc_firmware_has_feature(f, "requires-smm")) {
        *ret_owned = xasprintf("the firmware libvirt picks (%s) requires it", f->descriptor);
        return *ret_owned;
    }
    if (!c->live_host && dc_enum_has(&c->caps->os.loader.secure, DC_YES_V))
        return "a firmware for this machine requires it (the snapshot lists one)";
    return NULL;
}

static void rule_host_smm_gpu(chk *c)
{
    mark(c, "host-smm");
    if (c->caps && dc_arch_is_x86(c->caps->arch) && streq(c->caps->domain, "kvm") &&
        c->host->kvm.smm == 0) {
        _cleanup_free_ char *owned = NULL;
        const char *why = smm_reason(c, &owned);
        if (why) {
            finding(c, "host-smm", DC_SEVERITY_ERROR, c->root, "type", "kvm",
                    "System Management Mode is not available under KVM on this host "
                    "(no KVM_CAP_X86_SMM), but %s needs it", why);
            hint(c, "use type='qemu', or a firmware without secure boot "
                    "(<feature enabled='no' name='secure-boot'/>)");
        }
    }
    mark(c, "host-render-node");
    if (c->host->render_nodes != 0)
        return;
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    for (xmlNodePtr g = dc_xml_child(devices, "graphics"); g; g = dc_xml_next(g, "graphics")) {
        _cleanup_free_ char *type = dc_xml_prop(g, "type");
        _cleanup_free_ char *gl = dc_xml_prop(dc_xml_child(g, "gl"), "enable");
        if ((type && streq(type, "egl-headless")) || (gl && streq(gl, "yes")))
            finding(c, "host-render-node", DC_SEVERITY_ERROR, g, "type", type,
                    "graphics '%s' renders with OpenGL and needs a DRM render node "
                    "(/dev/dri/renderD*), which this host does not have", type ? type : "?");
    }
}

static void rule_host(chk *c)
{
    if (!c->host) {
        for (const dc_rule_info *r = dc_rules; r->id; r++)
            if (startswith(r->id, "host-"))
                skip_rule(c, r->id, "no host report given (--host)");
        return;
    }
    unsigned long long mem;
    rule_host_memory(c, &mem);
    rule_host_hugepages(c, mem);
    rule_host_numa_cpus(c);
    rule_host_smm_gpu(c);
    xmlNodePtr devices = dc_xml_child(c->root, "devices");
    for (xmlNodePtr d = dc_xml_child(devices, "hostdev"); d; d = dc_xml_next(d, "hostdev")) {
        _cleanup_free_ char *mode = dc_xml_prop(d, "mode");
        _cleanup_free_ char *type = dc_xml_prop(d, "type");
        if (mode && !streq(mode, "subsystem"))
            continue;
        if (type && streq(type, "pci"))
            host_pci(c, d);
        else if (type && streq(type, "usb"))
            host_usb(c, d);
    }
}

/* ---- target resolution --------------------------------------------------------- */

static const dc_qemu_machine *qemu_machine(const dc_qemu_accel *a, const char *name)
{
    for (size_t i = 0; a && i < a->nmachines; i++)
        if (streq(a->machines[i].name, name) || streq_ptr(a->machines[i].alias, name))
            return &a->machines[i];
    return NULL;
}

/* The machine sharing the longest prefix: pc-q35-7.2 for pc-q35-9.0. */
static const char *nearest_machine(const dc_qemu_accel *a, const char *name)
{
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; a && i < a->nmachines; i++) {
        const char *m = a->machines[i].name;
        size_t l = 0;
        while (m[l] && m[l] == name[l])
            l++;
        if (l > best_len || (l == best_len && best && strcmp(m, best) > 0 && l)) {
            best = m;
            best_len = l;
        }
    }
    return best_len >= 2 ? best : NULL;
}

static char *find_emulator(const char *arch)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *names[2] = {dc_arch_to_qemu(arch), streq(arch, "i686") ? "x86_64" : NULL};
    for (size_t k = 0; k < 2 && names[k]; k++) {
        for (const char *p = path; *p;) {
            size_t n = strcspn(p, ":");
            if (n) {
                char *cand = xasprintf("%.*s/qemu-system-%s", (int)n, p, names[k]);
                if (access(cand, X_OK) == 0)
                    return cand;
                free(cand);
            }
            p += n;
            if (*p == ':')
                p++;
        }
    }
    return NULL;
}

static dc_qemu_caps *live_probe(dc_check_env *env, const char *emulator, char **ret_msg)
{
    for (size_t i = 0; i < env->nprobed; i++)
        if (streq(env->probed[i]->binary, emulator))
            return env->probed[i];
    dc_probe_opts po = {
        .binary = emulator, .timeout_ms = env->timeout_ms, .want_tcg_session = true,
    };
    dc_qemu_caps *qc = NULL;
    int r = dc_probe_cached(&po, env->root, env->cache_dir, NULL, &qc, ret_msg);
    if (r < 0)
        return NULL;
    env->probed = xrealloc(env->probed, (env->nprobed + 1) * sizeof(*env->probed));
    env->probed[env->nprobed++] = qc;
    return qc;
}

/* Live: probe the emulator the domain names, then check what derive would refuse. */
static dc_domcaps *resolve_live(chk *c, dc_check_env *env, xmlNodePtr type_node,
                                xmlNodePtr emu_node)
{
    _cleanup_free_ char *emu = c->emulator ? xstrdup(c->emulator) : find_emulator(c->arch);
    mark(c, "emulator");
    if (!emu) {
        finding(c, "emulator", DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                "unable to find any emulator to serve '%s' architecture", c->arch);
        return NULL;
    }
    struct stat st;
    if (stat(emu, &st) < 0 || access(emu, X_OK) < 0) {
        finding(c, "emulator", DC_SEVERITY_ERROR, emu_node, NULL, emu,
                "emulator '%s' does not exist or is not executable", emu);
        return NULL;
    }
    _cleanup_free_ char *msg = NULL;
    dc_qemu_caps *qc = live_probe(env, emu, &msg);
    if (!qc) {
        free(c->res->input_error);
        c->res->input_error = xasprintf("probing %s failed: %s", emu, msg ? msg : "unknown error");
        env->probe_failed = 1;
        return NULL;
    }
    c->qemu = qc;
    mark(c, "arch");
    if (!dc_arch_served_by(c->arch, qc->arch)) {
        finding(c, "arch", DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                "Emulator '%s' does not support arch '%s'", emu, c->arch);
        return NULL;
    }
    bool kvm = streq(c->virttype, "kvm");
    const dc_qemu_accel *a = dc_qemu_accel_for(qc, kvm);
    if (!a)
        a = dc_qemu_accel_for(qc, !kvm);
    mark(c, "machine");
    if (c->machine && !qemu_machine(a, c->machine)) {
        finding(c, "machine", DC_SEVERITY_ERROR, type_node, "machine", c->machine,
                "Emulator '%s' does not support machine type '%s'", emu, c->machine);
        const char *near = nearest_machine(a, c->machine);
        if (near)
            hint(c, "nearest machine type: %s", near);
        return NULL;
    }
    dc_request req = {.arch = c->arch, .machine = c->machine, .virttype = c->virttype};
    dc_domcaps *caps = NULL;
    _cleanup_free_ char *why = NULL;
    if (dc_domcaps_derive(qc, env->host, &req, &caps, &why) < 0) {
        mark(c, "domain-type");
        finding(c, "domain-type", DC_SEVERITY_ERROR, c->root, "type", c->virttype, "%s", why);
        if (!kvm)
            return NULL;
        if (dc_arch_is_native(c->arch))
            hint(c, "use type='qemu' (TCG) or make /dev/kvm usable");
        else
            hint(c, "KVM runs guests of the host's own architecture only: use type='qemu' (TCG)");
        /* Judge the rest against what TCG offers, so one run shows every problem. */
        req.virttype = "qemu";
        free(why);
        why = NULL;
        if (dc_domcaps_derive(qc, env->host, &req, &caps, &why) < 0)
            return NULL;
    }
    return caps;
}

static const char *snapshot_label(const dc_snapshot *s, dc_buf *b)
{
    dc_buf_addf(b, "%s%s (%s %s %s)", b->len ? ", " : "", s->file, s->caps->arch,
                s->caps->machine, s->caps->domain);
    return b->s;
}

/* Offline: the snapshot whose emulator, arch, machine and virttype match. */
static const dc_snapshot *resolve_offline(chk *c, dc_check_env *env, xmlNodePtr type_node)
{
    mark(c, "capabilities");
    const dc_snapshot *found = NULL;
    size_t candidates = 0;
    for (size_t i = 0; i < env->nsnapshots; i++) {
        const dc_snapshot *s = &env->snapshots[i];
        if (!streq(s->caps->domain, c->virttype) || !streq(s->caps->arch, c->arch))
            continue;
        if (c->emulator && !streq(s->caps->path, c->emulator))
            continue;
        const dc_qemu_machine *m = s->qemu ? qemu_machine(dc_qemu_accel_for(s->qemu, streq(c->virttype, "kvm")), c->machine ? c->machine : "") : NULL;
        bool match;
        if (!c->machine) {
            const char *pref = dc_arch_preferred_machine(c->arch);
            const dc_qemu_machine *pm = s->qemu && pref ? qemu_machine(dc_qemu_accel_for(s->qemu, streq(c->virttype, "kvm")), pref) : NULL;
            match = pm ? streq(pm->name, s->caps->machine) : true;
            candidates++;
        } else {
            match = streq(s->caps->machine, c->machine) || (m && streq(m->name, s->caps->machine));
        }
        if (match && !found)
            found = s;
    }
    if (!c->machine && candidates > 1 && found && !found->qemu)
        found = NULL; /* ambiguous without the alias table of the extension */
    if (!found) {
        dc_buf b = {0};
        for (size_t i = 0; i < env->nsnapshots; i++)
            snapshot_label(&env->snapshots[i], &b);
        finding(c, "capabilities", DC_SEVERITY_ERROR, type_node, c->machine ? "machine" : NULL,
                c->machine, "no capabilities document matches emulator %s, arch %s, machine %s, "
                "type %s (given: %s)", c->emulator ? c->emulator : "(any)", c->arch,
                c->machine ? c->machine : "(default)", c->virttype, b.len ? b.s : "none");
        dc_buf_clear(&b);
    }
    return found;
}

void dc_check_file(dc_check_env *env, const char *path, dc_check_result *ret)
{
    *ret = (dc_check_result){.file = xstrdup(path)};
    _cleanup_xml_ xmlDocPtr doc = NULL;
    char *msg = NULL;
    if (dc_xml_parse(path, NULL, 0, &doc, &msg) < 0) {
        ret->input_error = msg;
        return;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!dc_xml_is(root, "domain")) {
        ret->input_error = xasprintf("%s: the root element is <%s>, not <domain>", path,
                                     (const char *)root->name);
        return;
    }
    chk c = {.path = path, .root = root, .res = ret, .live = env->live};
    _cleanup_free_ char *virttype = dc_xml_prop(root, "type");
    xmlNodePtr os = dc_xml_child(root, "os");
    xmlNodePtr type = dc_xml_child(os, "type");
    _cleanup_free_ char *arch = dc_xml_prop(type, "arch");
    _cleanup_free_ char *machine = dc_xml_prop(type, "machine");
    xmlNodePtr emu_node = dc_xml_child(dc_xml_child(root, "devices"), "emulator");
    _cleanup_free_ char *emulator = dc_xml_text(emu_node);
    if (!virttype) {
        ret->input_error = xasprintf("%s: <domain> has no 'type' attribute", path);
        return;
    }
    if (!arch)
        arch = xstrdup(dc_arch_host());
    c.virttype = virttype;
    c.arch = arch;
    c.machine = machine;
    c.emulator = emulator;

    mark(&c, "domain-type");
    if (!streq(virttype, "kvm") && !streq(virttype, "qemu")) {
        finding(&c, "domain-type", DC_SEVERITY_ERROR, root, "type", virttype,
                "domain type '%s' is not supported by QEMU (kvm or qemu)", virttype);
    } else if (!dc_arch_known(arch)) {
        mark(&c, "arch");
        finding(&c, "arch", DC_SEVERITY_ERROR, type, "arch", arch, "unknown architecture: %s",
                arch);
    } else {
        dc_domcaps *owned = NULL;
        const dc_domcaps *caps = NULL;
        if (env->live) {
            owned = resolve_live(&c, env, type ? type : root, emu_node);
            caps = owned;
            c.host = env->host ? &env->host->info : NULL;
            c.live_host = env->host;
        } else {
            const dc_snapshot *s = resolve_offline(&c, env, type ? type : root);
            caps = s ? s->caps : NULL;
            c.qemu = s ? s->qemu : NULL;
            c.host = env->host_report;
        }
        if (caps) {
            c.caps = caps;
            rule_os(&c);
            rule_vcpus(&c);
            rule_cpu(&c);
            rule_memory_backing(&c);
            rule_devices(&c);
            rule_features(&c);
        } else if (!ret->input_error) {
            for (const dc_rule_info *r = dc_rules; r->id; r++)
                if (!startswith(r->id, "host-") && !dc_strv_contains(&c.checked, r->id))
                    skip_rule(&c, r->id, "no capabilities for this domain");
        }
        if (!ret->input_error)
            rule_host(&c);
        dc_domcaps_free(owned);
    }
    /* Rules in table order, so every format lists them the same way. */
    dc_strv ordered = {0};
    for (const dc_rule_info *r = dc_rules; r->id; r++) {
        if (!dc_strv_contains(&c.checked, r->id))
            continue;
        /* A rule skipped for this file is reported as skipped only, unless it found something. */
        bool skipped = false, found = false;
        for (size_t i = 0; i < c.skipped.n; i++)
            if (startswith(c.skipped.v[i], r->id) && c.skipped.v[i][strlen(r->id)] == ':')
                skipped = true;
        for (size_t i = 0; i < ret->nfindings; i++)
            if (streq(ret->findings[i].rule, r->id))
                found = true;
        if (!skipped || found)
            dc_strv_add(&ordered, r->id);
    }
    ret->rules_checked = ordered.v ? ordered.v : xcalloc(1, sizeof(char *));
    dc_strv_clear(&c.checked);
    ret->rules_skipped = c.skipped.v ? c.skipped.v : xcalloc(1, sizeof(char *));
}

void dc_check_result_clear(dc_check_result *r)
{
    free(r->file);
    free(r->input_error);
    for (size_t i = 0; i < r->nfindings; i++) {
        free(r->findings[i].xpath);
        free(r->findings[i].value);
        free(r->findings[i].supported);
        free(r->findings[i].message);
        free(r->findings[i].hint);
    }
    free(r->findings);
    for (char **s = r->rules_checked; s && *s; s++)
        free(*s);
    free(r->rules_checked);
    for (char **s = r->rules_skipped; s && *s; s++)
        free(*s);
    free(r->rules_skipped);
    *r = (dc_check_result){0};
}
