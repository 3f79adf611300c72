/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules over one domain XML. Each rule looks at the parsed document, the
 * domainCapabilities the domain targets (live or from a snapshot), the QEMU
 * facts behind it and the host inventory, and records findings instead of
 * stopping at the first. The messages follow libvirt's where libvirt has one.
 */
#include "check_internal.h"

#include <dirent.h>
#include <libxml/hash.h>
#include <libxml/tree.h>
#include <pthread.h>

#include "arch.h"
#include "cache.h"
#include "xmlsafe.h"

const dc_rule_info dc_rules[_DC_RULE_MAX + 1] = {
    [DC_RULE_CAPABILITIES] =
        {"capabilities",
         "a capabilities document matches the domain's emulator, arch, machine and type"},
    [DC_RULE_DOMAIN_TYPE] = {"domain-type",
                             "the domain type (kvm, qemu) is available on this host"},
    [DC_RULE_OS_TYPE] = {"os-type", "the OS type is hvm"},
    [DC_RULE_ARCH] = {"arch", "the emulator serves the guest architecture"},
    [DC_RULE_MACHINE] = {"machine", "the emulator knows the machine type"},
    [DC_RULE_EMULATOR] = {"emulator", "the emulator binary exists and is a QEMU"},
    [DC_RULE_VCPU_COUNT] = {"vcpu-count",
                            "the vCPU count is within the machine's (and KVM's) limit"},
    [DC_RULE_VCPU_GICV2] = {"vcpu-gicv2", "aarch64 virt with GICv2 has at most 8 vCPUs"},
    [DC_RULE_VCPU_EIM] = {"vcpu-eim", "more than 255 vCPUs on x86 need q35 and an IOMMU with EIM"},
    [DC_RULE_FIRMWARE] = {"firmware", "firmware='efi|bios' has a matching firmware descriptor"},
    [DC_RULE_FIRMWARE_FEATURE] = {"firmware-feature",
                                  "requested firmware features exist in a descriptor"},
    [DC_RULE_LOADER] = {"loader", "the loader is a known firmware image or an existing file"},
    [DC_RULE_SECURE_BOOT] = {"secure-boot", "a secure loader needs x86_64, q35 and SMM"},
    [DC_RULE_UEFI_ACPI] = {"uefi-acpi", "UEFI on x86 needs ACPI; ACPI on aarch64 needs UEFI"},
    [DC_RULE_ACPI] = {"acpi", "the machine type supports ACPI"},
    [DC_RULE_CPU_MODE] = {"cpu-mode", "the CPU mode is supported"},
    [DC_RULE_CPU_MODEL] = {"cpu-model", "a custom CPU model exists and is usable"},
    [DC_RULE_MEMORY_BACKING] = {"memory-backing", "the memory backing source type is supported"},
    [DC_RULE_DISK] = {"disk", "disk device, bus and model are supported"},
    [DC_RULE_GRAPHICS] = {"graphics", "the graphics type is supported"},
    [DC_RULE_VIDEO] = {"video", "the video model is supported"},
    [DC_RULE_HOSTDEV] = {"hostdev", "hostdev mode, type and backend are supported"},
    [DC_RULE_RNG] = {"rng", "rng model and backend are supported"},
    [DC_RULE_FILESYSTEM] = {"filesystem", "the filesystem driver is supported"},
    [DC_RULE_VIRTIOFS_SHARED_MEMORY] = {"virtiofs-shared-memory", "virtiofs needs shared memory"},
    [DC_RULE_TPM] = {"tpm", "TPM model, backend and version are supported"},
    [DC_RULE_REDIRDEV] = {"redirdev", "USB redirection is supported"},
    [DC_RULE_CHANNEL] = {"channel", "the channel type is supported"},
    [DC_RULE_CRYPTO] = {"crypto", "crypto model, type and backend are supported"},
    [DC_RULE_INTERFACE_BACKEND] = {"interface-backend", "the network backend is supported"},
    [DC_RULE_PANIC] = {"panic", "the panic model is supported"},
    [DC_RULE_CONSOLE] = {"console", "the console type is supported"},
    [DC_RULE_FEATURES] =
        {"features",
         "domain features (gic, vmcoreinfo, genid, hyperv, smm, ps2, ...) are supported"},
    [DC_RULE_LAUNCH_SECURITY] = {"launch-security", "the launch security type is supported"},
    [DC_RULE_DEVICE_MODEL] =
        {"device-model",
         "QEMU knows the device model (NIC, controller, sound, watchdog, input, memballoon)"},
    [DC_RULE_HOST_MEMORY] = {"host-memory", "the memory fits the host"},
    [DC_RULE_HOST_HUGEPAGES] = {"host-hugepages",
                                "the hugepage size is offered and enough pages are free"},
    [DC_RULE_HOST_NUMA] = {"host-numa", "numatune nodesets exist on the host"},
    [DC_RULE_HOST_CPUSET] = {"host-cpuset",
                             "vCPU, emulator and iothread pinning name existing host CPUs"},
    [DC_RULE_HOST_PCI] = {"host-pci",
                          "a PCI hostdev exists, VFIO is usable and its IOMMU group is viable"},
    [DC_RULE_HOST_USB] = {"host-usb", "a USB hostdev is present"},
    [DC_RULE_HOST_TPM] = {"host-tpm", "the TPM passthrough device exists"},
    [DC_RULE_HOST_SMM] = {"host-smm",
                          "SMM (needed by secure-boot firmware) is available under KVM"},
    [DC_RULE_HOST_RENDER_NODE] = {"host-render-node",
                                  "OpenGL display backends have a DRM render node"},
    /* libvirt's device validation (check_validate.c) */
    [DC_RULE_DOMAIN_CONFIG] = {"domain-config",
                               "the domain's name, memory size and units are valid"},
    [DC_RULE_DISK_CONFIG] =
        {"disk-config",
         "disk bus, device, cache, io, serial, wwn, readonly and iothread are consistent"},
    [DC_RULE_CONTROLLER_CONFIG] = {"controller-config", "controller models and indexes are valid"},
    [DC_RULE_INTERFACE_CONFIG] = {"interface-config",
                                  "interface type, backend, MAC, MTU and queues are valid"},
    [DC_RULE_INPUT_CONFIG] = {"input-config", "input type and bus fit together and the machine"},
    [DC_RULE_VIDEO_CONFIG] = {"video-config",
                              "video models and primary/secondary placement are valid"},
    [DC_RULE_SOUND_CONFIG] = {"sound-config", "the sound model fits the machine"},
    [DC_RULE_TPM_CONFIG] = {"tpm-config", "TPM count and model fit the machine"},
    [DC_RULE_FILESYSTEM_CONFIG] = {"filesystem-config", "filesystem type and driver are valid"},
    [DC_RULE_DEVICE_CONFIG] =
        {"device-config",
         "other devices (memballoon, rng, vsock, nvram, shmem, panic, ...) are valid"},
    /* check_validate.c end */
    /* character devices (check_chardev.c) */
    [DC_RULE_CHARDEV] =
        {"chardev",
         "serial, console, parallel and channel target types and models fit the arch and machine"},
    [DC_RULE_VSOCK] = {"vsock", "the vsock guest CID is valid"},
    [DC_RULE_NVRAM] = {"nvram", "an nvram device is on a PPC64 guest"},
    [DC_RULE_SHMEM] = {"shmem", "QEMU has the shared memory device model"},
    /* check_chardev.c end */
    /* machine-bound rules (check_machine.c) */
    [DC_RULE_IMPLICIT_DEVICES] =
        {"implicit-devices",
         "the devices libvirt adds (PCI root, USB controller, ...) exist on the machine"},
    [DC_RULE_PCI_TOPOLOGY] = {"pci-topology",
                              "PCI controllers, buses and addresses are consistent"},
    [DC_RULE_IOMMU] = {"iommu", "the IOMMU model and options fit the machine and accelerator"},
    /* check_machine.c end */
    /* platform features (check_platform.c) */
    [DC_RULE_CLOCK] = {"clock",
                       "timers and tick policies are valid for the arch, machine and accelerator"},
    [DC_RULE_FIRMWARE_CONFIG] = {"firmware-config",
                                 "firmware features, SMM and loader/NVRAM are consistent"},
    [DC_RULE_HYPERV] = {"hyperv",
                        "Hyper-V enlightenments fit the arch, the accelerator and each other"},
    [DC_RULE_MACHINE_FEATURE] =
        {"machine-feature",
         "machine-specific features (htm, hpt, ccf-assist, ...) fit the machine"},
    /* check_platform.c end */
    /* CPU, topology, NUMA, memory (check_cpu.c) */
    [DC_RULE_CPU_FEATURE] = {"cpu-feature",
                             "CPU features exist and the host provides the required ones"},
    [DC_RULE_CPU_TOPOLOGY] =
        {"cpu-topology", "sockets, dies, cores and threads match the vCPU count and the machine"},
    [DC_RULE_NUMA] = {"numa", "guest NUMA cells are consistent with the vCPUs and memory"},
    [DC_RULE_MEMORY_HOTPLUG] = {"memory-hotplug",
                                "maxMemory, memory devices and their requirements are consistent"},
    [DC_RULE_MEMORY_CONFIG] = {"memory-config",
                               "memory sizes and units parse and the initial memory is not empty"},
    /* check_cpu.c end */
    /* host resources (check_hostres.c) */
    [DC_RULE_HOST_DEVICE_NODE] =
        {"host-device-node",
         "device nodes the domain needs (vhost-net, vhost-vsock, tpm, ...) exist"},
    [DC_RULE_HOST_INTERFACE] = {"host-interface",
                                "host network interfaces and bridges the domain names exist"},
    [DC_RULE_HOST_TSC] =
        {"host-tsc",
         "a requested TSC frequency is within the host's tolerance or TSC scaling exists"},
    [DC_RULE_HOST_PATH] = {"host-path", "files and directories the domain opens at start exist"},
    [DC_RULE_HOST_ENDPOINT] = {"host-endpoint",
                               "sockets and network endpoints the domain connects to at start"},
    [DC_RULE_HOST_SMBIOS] = {"host-smbios", "<smbios mode='host'/> needs the host's SMBIOS tables"},
    [DC_RULE_HOST_NUMAD] = {"host-numad", "placement='auto' needs numad on the host"},
    /* check_hostres.c end */
    [_DC_RULE_MAX] = {NULL, NULL},
};

/* ---- findings ------------------------------------------------------------- */

/* The table's indexes sorted by id, for a binary search; made once. */
static dc_rule rule_order[_DC_RULE_MAX];
static pthread_once_t rule_order_once = PTHREAD_ONCE_INIT;

static int cmp_rule_index(const void *a, const void *b)
{
    return strcmp(dc_rules[*(const dc_rule *)a].id, dc_rules[*(const dc_rule *)b].id);
}

static void sort_rules(void)
{
    for (dc_rule i = 0; i < _DC_RULE_MAX; i++) {
        if (!dc_rules[i].id)
            abort(); /* a rule without its row in dc_rules[] */
        rule_order[i] = i;
    }
    qsort(rule_order, _DC_RULE_MAX, sizeof(rule_order[0]), cmp_rule_index);
}

dc_rule dc_chk_rule_index(const char *id)
{
    pthread_once(&rule_order_once, sort_rules);
    size_t lo = 0, hi = _DC_RULE_MAX;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(dc_rules[rule_order[mid]].id, id);
        if (d == 0)
            return rule_order[mid];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    abort(); /* a rule not in the table is a programming error */
}

void dc_chk_mark(chk *c, dc_rule rule) { c->checked[rule] = true; }

const char *dc_chk_rule_id(dc_rule rule) { return dc_rules[rule].id; }

/*
 * Each element's position among same-named siblings, computed once per
 * document (node->_private = index << 1 | has_same_named_siblings), so that a
 * finding's path costs its depth and not the number of its siblings.
 */
static void index_siblings(xmlNodePtr parent)
{
    size_t nchildren = 0;
    for (xmlNodePtr n = parent->children; n; n = n->next)
        nchildren += n->type == XML_ELEMENT_NODE;
    if (nchildren <= 16) {
        /* Few children: counting among the earlier ones is cheaper than a hash. */
        for (xmlNodePtr n = parent->children; n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE)
                continue;
            uintptr_t k = 1;
            bool more = false, before = true;
            for (xmlNodePtr m = parent->children; m; m = m->next) {
                if (m == n) {
                    before = false;
                    continue;
                }
                if (m->type != XML_ELEMENT_NODE || !xmlStrEqual(m->name, n->name))
                    continue;
                more = true;
                k += before;
            }
            n->_private = (void *)(k << 1 | (uintptr_t)more);
            index_siblings(n);
        }
        return;
    }
    xmlHashTablePtr counts = xmlHashCreate(16);
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        uintptr_t k = (uintptr_t)xmlHashLookup(counts, n->name) + 1;
        /* AddEntry for a new name: only it grows the table. */
        if (k == 1)
            xmlHashAddEntry(counts, n->name, (void *)k);
        else
            xmlHashUpdateEntry(counts, n->name, (void *)k, NULL);
        n->_private = (void *)(k << 1);
    }
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if ((uintptr_t)xmlHashLookup(counts, n->name) > 1)
            n->_private = (void *)((uintptr_t)n->_private | 1);
        index_siblings(n);
    }
    xmlHashFree(counts, NULL);
}

static char *dc_chk_node_xpath(chk *c, xmlNodePtr n, const char *attr)
{
    if (!c->indexed) {
        /* Only documents with findings pay for the sibling index. */
        index_siblings((xmlNodePtr)n->doc);
        c->indexed = true;
    }
    /* Built leaf first, then reversed by element. */
    xmlNodePtr chain[256];
    size_t depth = 0;
    for (xmlNodePtr p = n; p && p->type == XML_ELEMENT_NODE && depth < ELEMENTSOF(chain);
         p = p->parent)
        chain[depth++] = p;
    dc_buf b = {0};
    for (size_t i = depth; i-- > 0;) {
        uintptr_t pv = (uintptr_t)chain[i]->_private;
        dc_buf_addf(&b, "/%s", (const char *)chain[i]->name);
        if (pv & 1)
            dc_buf_addf(&b, "[%lu]", (unsigned long)(pv >> 1));
    }
    if (attr)
        dc_buf_addf(&b, "/@%s", attr);
    return dc_buf_steal(&b);
}

_printf_(7, 8) void dc_chk_finding(chk *c, dc_rule rule, dc_severity sev, xmlNodePtr node,
                                   const char *attr, const char *value, const char *fmt, ...)
{
    dc_check_result *r = c->res;
    /* Capacity: 8, then doubled: max(8, the next power of two). */
    size_t n = r->nfindings;
    if (n == 0 || (n >= 8 && (n & (n - 1)) == 0))
        r->findings = xrealloc(r->findings, (n < 8 ? 8 : 2 * n) * sizeof(dc_finding));
    dc_finding *f = &r->findings[r->nfindings++];
    va_list ap;
    va_start(ap, fmt);
    *f = (dc_finding){
        .line = node ? (unsigned)xmlGetLineNo(node) : 0,
        .xpath = node ? dc_chk_node_xpath(c, node, attr) : xstrdup("/domain"),
        .rule = dc_chk_rule_id(rule),
        .severity = sev,
        .value = value ? xstrdup(value) : NULL,
        .message = xvasprintf(fmt, ap),
    };
    va_end(ap);
    dc_chk_mark(c, rule);
}

dc_finding *dc_chk_last(chk *c) { return &c->res->findings[c->res->nfindings - 1]; }

void dc_chk_hint(chk *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dc_chk_last(c)->hint = xvasprintf(fmt, ap);
    va_end(ap);
}

void dc_chk_skip_rule(chk *c, dc_rule rule, const char *why)
{
    _cleanup_free_ char *s = xasprintf("%s: %s", dc_chk_rule_id(rule), why);
    dc_strv_add_unique(&c->skipped, s);
}

char *dc_chk_enum_list(dc_enum_type type, const dc_enum *e)
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
bool dc_chk_check_enum(chk *c, dc_rule rule, xmlNodePtr node, const char *attr, const char *value,
                       const char *what, dc_enum_type type, const dc_enum *e)
{
    dc_chk_mark(c, rule);
    if (!value)
        return true;
    int v = dc_enum_value_lookup(type, value);
    if (v >= 0 && dc_enum_has(e, (unsigned)v))
        return true;
    _cleanup_free_ char *sup = dc_chk_enum_list(type, e);
    dc_chk_finding(c, rule, DC_SEVERITY_ERROR, node, attr, value,
                   "%s '%s' is not supported by %s for machine %s (supported: %s)", what, value,
                   c->caps->path, c->caps->machine, sup);
    dc_chk_last(c)->supported = xstrdup(sup);
    return false;
}

const dc_enum *dc_chk_dev_enum(chk *c, dc_device_kind kind, dc_device_slot slot)
{
    if ((unsigned)slot >= dc_device_descs[kind].nenums)
        abort(); /* a slot of another device kind */
    return &c->caps->devices[kind].enums[slot];
}

dc_enum_type dc_chk_dev_enum_type(dc_device_kind kind, dc_device_slot slot)
{
    if ((unsigned)slot >= dc_device_descs[kind].nenums)
        abort();
    return dc_device_descs[kind].enums[slot].type;
}

/* Checks attr of node against the device kind's enum in slot. */
bool dc_chk_dev_check(chk *c, dc_rule rule, dc_device_kind kind, dc_device_slot slot,
                      xmlNodePtr node, const char *attr, const char *dflt, const char *what)
{
    _cleanup_free_ char *v = dc_xml_prop(node, attr);
    if (!v && dflt)
        v = xstrdup(dflt);
    if (c->caps->devices[kind].supported != DC_YES) {
        dc_chk_mark(c, rule);
        if (!v && !dflt)
            return true;
        dc_chk_finding(c, rule, DC_SEVERITY_ERROR, node, attr, v,
                       "%s devices are not supported by %s", dc_device_descs[kind].element,
                       c->caps->path);
        return false;
    }
    return dc_chk_check_enum(c, rule, node, attr, v, what, dc_chk_dev_enum_type(kind, slot),
                             dc_chk_dev_enum(c, kind, slot));
}

bool dc_chk_has_type(chk *c, const char *t) { return c->qemu && dc_qemu_has_type(c->qemu, t); }

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

/* The emulator a user of this host runs without naming it: qemu-system-* on PATH, qemu-kvm. */
static bool emulator_on_path(const char *resolved)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *base = strrchr(resolved, '/');
    base = base ? base + 1 : resolved;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        if (n && p[0] == '/') {
            _cleanup_free_ char *dir = xasprintf("%.*s", (int)n, p);
            DIR *d = opendir(dir);
            for (struct dirent *e; d && (e = readdir(d));) {
                if (!startswith(e->d_name, "qemu-system-"))
                    continue;
                _cleanup_free_ char *cand = xasprintf("%s/%s", dir, e->d_name);
                _cleanup_free_ char *rc = realpath(cand, NULL);
                if (rc && streq(rc, resolved)) {
                    closedir(d);
                    return true;
                }
            }
            if (d)
                closedir(d);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    (void)base;
    _cleanup_free_ char *kvm = realpath("/usr/libexec/qemu-kvm", NULL);
    return kvm && streq(kvm, resolved);
}

/* Whether a live check may run the emulator a domain names (see dc_check_env). */
static bool emulator_trusted(const dc_check_env *env, const char *emu)
{
    _cleanup_free_ char *resolved = realpath(emu, NULL);
    if (!resolved)
        return false;
    for (size_t i = 0; i < env->trusted_emulators.n; i++) {
        _cleanup_free_ char *t = realpath(env->trusted_emulators.v[i], NULL);
        if (t && streq(t, resolved))
            return true;
    }
    for (size_t i = 0; i < env->trusted_dirs.n; i++) {
        _cleanup_free_ char *t = realpath(env->trusted_dirs.v[i], NULL);
        size_t n = t ? strlen(t) : 0;
        if (t && strncmp(resolved, t, n) == 0 && (resolved[n] == '/' || streq(t, "/")))
            return true;
    }
    return emulator_on_path(resolved);
}

int dc_check_env_load_offline(dc_check_env *env, const dc_strv *caps_files, const char *host_report,
                              dc_error *err)
{
    _cleanup_error_ dc_error e = DC_ERROR_INIT;
    env->snapshots = xcalloc(caps_files->n, sizeof(dc_snapshot));
    for (size_t i = 0; i < caps_files->n; i++) {
        if (dc_snapshot_load(caps_files->v[i], &env->snapshots[env->nsnapshots], &e) < 0)
            return dc_error_set(err, -EINVAL, "unusable capabilities snapshot: %s", e.message);
        env->nsnapshots++;
    }
    if (host_report) {
        env->host_report = xcalloc(1, sizeof(dc_hostinfo));
        if (dc_hostinfo_load(host_report, env->host_report, &e) < 0)
            return dc_error_set(err, -EINVAL, "unusable host report: %s", e.message);
    }
    return 0;
}

void dc_check_env_clear(dc_check_env *env)
{
    for (size_t i = 0; i < env->nsnapshots; i++)
        dc_snapshot_clear(&env->snapshots[i]);
    free(env->snapshots);
    if (env->host_report) {
        dc_hostinfo_clear(env->host_report);
        free(env->host_report);
    }
    for (size_t i = 0; i < env->nprobed; i++)
        dc_qemu_caps_free(env->probed[i]);
    free(env->probed);
    env->snapshots = NULL, env->nsnapshots = 0;
    env->host_report = NULL;
    env->probed = NULL, env->nprobed = 0;
}

static void add_probed(dc_check_env *env, dc_qemu_caps *qc)
{
    env->probed = xrealloc(env->probed, (env->nprobed + 1) * sizeof(*env->probed));
    env->probed[env->nprobed++] = qc;
}

/* An untrusted emulator's caps from the cache, never by running it; NULL without an entry. */
static dc_qemu_caps *cached_only(dc_check_env *env, const char *emulator)
{
    for (size_t i = 0; i < env->nprobed; i++)
        if (streq(env->probed[i]->binary, emulator))
            return env->probed[i];
    dc_cache_key key = {0};
    dc_qemu_caps *qc = NULL;
    if (env->cache_dir && dc_cache_key_compute(emulator, env->root, &key) == 0) {
        _cleanup_free_ char *why = NULL;
        if (dc_cache_load(env->cache_dir, emulator, &key, &qc, &why) != DC_CACHE_HIT)
            qc = NULL;
    }
    dc_cache_key_clear(&key);
    if (qc)
        add_probed(env, qc);
    return qc;
}

static int live_probe(dc_check_env *env, const char *emulator, dc_qemu_caps **ret,
                      dc_error *err)
{
    for (size_t i = 0; i < env->nprobed; i++)
        if (streq(env->probed[i]->binary, emulator)) {
            *ret = env->probed[i];
            return 0;
        }
    dc_probe_opts po = {
        .binary = emulator,
        .timeout_ms = env->timeout_ms,
        .want_tcg_session = true,
    };
    dc_qemu_caps *qc = NULL;
    int r = dc_probe_cached(&po, env->root, env->cache_dir, NULL, &qc, err);
    if (r < 0)
        return r;
    add_probed(env, qc);
    *ret = qc;
    return 0;
}

/* A recorded host's emulator for the domain: never run, never looked for here. */
static const dc_qemu_caps *resolve_recorded(chk *c, dc_check_env *env, xmlNodePtr type_node,
                                            xmlNodePtr emu_node, char **ret_emu)
{
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    const dc_qemu_caps *qc = NULL;
    dc_chk_mark(c, DC_RULE_EMULATOR);
    int r = env->emulator_lookup(env->emulator_ctx, c->arch, c->emulator, &qc, ret_emu, &msg);
    if (r == -ENOENT && !c->emulator)
        dc_chk_finding(c, DC_RULE_EMULATOR, DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                       "unable to find any emulator to serve '%s' architecture", c->arch);
    else if (r == -ENOENT)
        dc_chk_finding(c, DC_RULE_EMULATOR, DC_SEVERITY_ERROR, emu_node, NULL, c->emulator,
                       "emulator '%s' does not exist or is not executable", c->emulator);
    else if (r < 0) {
        free(c->res->input_error);
        c->res->input_error = xstrdup(msg.message ? msg.message : strerror(-r));
        env->probe_failed = 1;
    }
    return r < 0 ? NULL : qc;
}

/* This machine: the emulator the domain names (run only when trusted), else the one on PATH. */
static const dc_qemu_caps *resolve_emulator(chk *c, dc_check_env *env, xmlNodePtr type_node,
                                            xmlNodePtr emu_node, char **ret_emu)
{
    if (env->emulator_lookup)
        return resolve_recorded(c, env, type_node, emu_node, ret_emu);
    _cleanup_free_ char *emu = c->emulator ? xstrdup(c->emulator) : dc_find_emulator(c->arch);
    dc_chk_mark(c, DC_RULE_EMULATOR);
    if (!emu) {
        dc_chk_finding(c, DC_RULE_EMULATOR, DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                       "unable to find any emulator to serve '%s' architecture", c->arch);
        return NULL;
    }
    struct stat st;
    if (stat(emu, &st) < 0 || access(emu, X_OK) < 0) {
        dc_chk_finding(c, DC_RULE_EMULATOR, DC_SEVERITY_ERROR, emu_node, NULL, emu,
                       "emulator '%s' does not exist or is not executable", emu);
        return NULL;
    }
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    dc_qemu_caps *qc = NULL;
    if (c->emulator && !emulator_trusted(env, emu)) {
        /* Domain XML is untrusted input: its <emulator> is never run unless trusted. */
        qc = cached_only(env, emu);
        if (!qc) {
            dc_chk_finding(c, DC_RULE_EMULATOR, DC_SEVERITY_WARNING, emu_node, NULL, emu,
                           "emulator '%s' was not run: it is neither a qemu-system-* binary on "
                           "PATH nor /usr/libexec/qemu-kvm, nor named with --emulator or "
                           "--trust-emulator, and the cache has no entry for it; the rules "
                           "that need its capabilities were skipped",
                           emu);
            dc_chk_hint(c, "to judge against it: domcaps check --emulator %s ...", emu);
            return NULL;
        }
    } else {
        (void)live_probe(env, emu, &qc, &msg);
    }
    if (!qc) {
        free(c->res->input_error);
        c->res->input_error =
            xasprintf("probing %s failed: %s", emu, msg.message ? msg.message : "unknown error");
        env->probe_failed = 1;
        return NULL;
    }
    *ret_emu = TAKE_PTR(emu);
    return qc;
}

/* Live (or a recorded host): the domain's emulator, then what derive would refuse. */
static dc_domcaps *resolve_live(chk *c, dc_check_env *env, xmlNodePtr type_node,
                                xmlNodePtr emu_node)
{
    _cleanup_free_ char *emu = NULL;
    const dc_qemu_caps *qc = resolve_emulator(c, env, type_node, emu_node, &emu);
    if (!qc)
        return NULL;
    c->qemu = qc;
    dc_chk_mark(c, DC_RULE_ARCH);
    if (!dc_arch_served_by(c->arch, qc->arch)) {
        dc_chk_finding(c, DC_RULE_ARCH, DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                       "Emulator '%s' does not support arch '%s'", emu, c->arch);
        return NULL;
    }
    bool kvm = streq(c->virttype, "kvm");
    const dc_qemu_accel *a = dc_qemu_accel_for(qc, kvm);
    if (!a)
        a = dc_qemu_accel_for(qc, !kvm);
    dc_chk_mark(c, DC_RULE_MACHINE);
    if (c->machine && !qemu_machine(a, c->machine)) {
        dc_chk_finding(c, DC_RULE_MACHINE, DC_SEVERITY_ERROR, type_node, "machine", c->machine,
                       "Emulator '%s' does not support machine type '%s'", emu, c->machine);
        const char *near = nearest_machine(a, c->machine);
        if (near)
            dc_chk_hint(c, "nearest machine type: %s", near);
        return NULL;
    }
    dc_request req = {.arch = c->arch, .machine = c->machine, .virttype = c->virttype};
    dc_domcaps *caps = NULL;
    _cleanup_error_ dc_error why = DC_ERROR_INIT;
    if (dc_domcaps_derive(qc, env->host, &req, &caps, &why) < 0) {
        dc_chk_mark(c, DC_RULE_DOMAIN_TYPE);
        dc_chk_finding(c, DC_RULE_DOMAIN_TYPE, DC_SEVERITY_ERROR, c->root, "type", c->virttype,
                       "%s", why.message);
        if (!kvm)
            return NULL;
        if (env->host_arch ? dc_arch_native_to(c->arch, env->host_arch)
                           : dc_arch_is_native(c->arch))
            dc_chk_hint(c, "use type='qemu' (TCG) or make /dev/kvm usable");
        else
            dc_chk_hint(
                c, "KVM runs guests of the host's own architecture only: use type='qemu' (TCG)");
        /* Judge the rest against what TCG offers, so one run shows every problem. */
        req.virttype = "qemu";
        dc_error_clear(&why);
        if (dc_domcaps_derive(qc, env->host, &req, &caps, &why) < 0)
            return NULL;
    }
    return caps;
}

static const char *snapshot_label(const dc_snapshot *s, dc_buf *b)
{
    dc_buf_addf(b, "%s%s (%s %s %s)", b->len ? ", " : "", s->file, s->caps->arch, s->caps->machine,
                s->caps->domain);
    return b->s;
}

/* Offline: the snapshot whose emulator, arch, machine and virttype match. */
static const dc_snapshot *resolve_offline(chk *c, dc_check_env *env, xmlNodePtr type_node)
{
    dc_chk_mark(c, DC_RULE_CAPABILITIES);
    const dc_snapshot *found = NULL;
    size_t candidates = 0;
    for (size_t i = 0; i < env->nsnapshots; i++) {
        const dc_snapshot *s = &env->snapshots[i];
        if (!streq(s->caps->domain, c->virttype) || !streq(s->caps->arch, c->arch))
            continue;
        if (c->emulator && !streq(s->caps->path, c->emulator))
            continue;
        const dc_qemu_machine *m =
            s->qemu ? qemu_machine(dc_qemu_accel_for(s->qemu, streq(c->virttype, "kvm")),
                                   c->machine ? c->machine : "")
                    : NULL;
        bool match;
        if (!c->machine) {
            const char *pref = dc_arch_preferred_machine(c->arch);
            const dc_qemu_machine *pm =
                s->qemu && pref
                    ? qemu_machine(dc_qemu_accel_for(s->qemu, streq(c->virttype, "kvm")), pref)
                    : NULL;
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
        dc_chk_finding(c, DC_RULE_CAPABILITIES, DC_SEVERITY_ERROR, type_node,
                       c->machine ? "machine" : NULL, c->machine,
                       "no capabilities document matches emulator %s, arch %s, machine %s, "
                       "type %s (given: %s)",
                       c->emulator ? c->emulator : "(any)", c->arch,
                       c->machine ? c->machine : "(default)", c->virttype, b.len ? b.s : "none");
        dc_buf_clear(&b);
    }
    return found;
}

static void set_machine_facts(chk *c)
{
    const char *m = c->caps->machine ? c->caps->machine : "";
    const char *a = c->caps->arch ? c->caps->arch : c->arch;
    c->kvm = streq(c->virttype, "kvm");
    c->x86 = streq(a, "x86_64") || streq(a, "i686");
    c->q35 = c->x86 && (streq(m, "q35") || startswith(m, "pc-q35"));
    c->pc = c->x86 && (streq(m, "pc") || startswith(m, "pc-i440fx"));
    c->isapc = c->x86 && streq(m, "isapc");
    c->microvm = c->x86 && streq(m, "microvm");
    c->arm_virt =
        (streq(a, "aarch64") || streq(a, "armv7l")) && (streq(m, "virt") || startswith(m, "virt-"));
    c->pseries = startswith(a, "ppc64") && (streq(m, "pseries") || startswith(m, "pseries-"));
    c->s390 = streq(a, "s390x") && startswith(m, "s390-ccw-virtio");
    c->riscv_virt = startswith(a, "riscv") && streq(m, "virt");
}

void dc_check_domain(dc_check_env *env, const char *path, const char *text, size_t len,
                     dc_check_result *ret)
{
    _cleanup_xml_ xmlDocPtr doc = NULL;
    dc_error msg = DC_ERROR_INIT;
    if (dc_xml_parse(path, text, len, &doc, &msg) < 0) {
        *ret = (dc_check_result){.file = xstrdup(path), .input_error = msg.message};
        return;
    }
    dc_check_domain_doc(env, path, doc, ret);
}

/*
 * The rules over the capabilities the domain targets (live or from a
 * snapshot), then the host rules; without capabilities every other rule is
 * skipped.
 */
static void judge_domain(chk *c, dc_check_env *env, xmlNodePtr root, xmlNodePtr type,
                         xmlNodePtr emu_node)
{
    dc_domcaps *owned = NULL;
    const dc_domcaps *caps = NULL;
    if (env->live) {
        owned = resolve_live(c, env, type ? type : root, emu_node);
        caps = owned;
        c->host = env->host ? &env->host->info : NULL;
        c->live_host = env->host;
    } else {
        const dc_snapshot *s = resolve_offline(c, env, type ? type : root);
        caps = s ? s->caps : NULL;
        c->qemu = s ? s->qemu : NULL;
        c->host = env->host_report;
    }
    if (caps) {
        c->caps = caps;
        set_machine_facts(c);
        dc_chk_rule_os(c);
        dc_chk_rule_vcpus(c);
        dc_chk_rule_cpu(c);
        dc_chk_rule_memory_backing(c);
        dc_chk_rule_devices(c);
        dc_chk_rule_features(c);
        dc_chk_rule_validate(c);
        dc_chk_rule_chardev(c);
        dc_chk_rule_machine(c);
        dc_chk_rule_platform(c);
        dc_chk_rule_topology(c);
    } else if (!c->res->input_error) {
        for (dc_rule r = 0; r < _DC_RULE_MAX; r++)
            if (!startswith(dc_rules[r].id, "host-") && !c->checked[r])
                dc_chk_skip_rule(c, r, "no capabilities for this domain");
    }
    if (!c->res->input_error) {
        dc_chk_rule_host(c);
        if (caps)
            dc_chk_rule_hostres(c);
    }
    dc_domcaps_free(owned);
}

/* The rules checked, in table order so every format lists them the same way, and skipped. */
static void list_rules(chk *c, dc_check_result *ret)
{
    bool found[_DC_RULE_MAX] = {0}, skipped[_DC_RULE_MAX] = {0};
    for (size_t i = 0; i < ret->nfindings; i++)
        found[dc_chk_rule_index(ret->findings[i].rule)] = true;
    for (size_t i = 0; i < c->skipped.n; i++) {
        _cleanup_free_ char *id = xstrndup(c->skipped.v[i], strcspn(c->skipped.v[i], ":"));
        skipped[dc_chk_rule_index(id)] = true;
    }
    dc_strv ordered = {0};
    for (dc_rule k = 0; k < _DC_RULE_MAX; k++) {
        /* A rule skipped for this file is reported as skipped only, unless it found something. */
        if (c->checked[k] && (!skipped[k] || found[k]))
            dc_strv_add(&ordered, dc_rules[k].id);
    }
    ret->rules_checked = ordered.v ? ordered.v : xcalloc(1, sizeof(char *));
    ret->rules_skipped = c->skipped.v ? c->skipped.v : xcalloc(1, sizeof(char *));
}

void dc_check_domain_doc(dc_check_env *env, const char *path, xmlDocPtr doc, dc_check_result *ret)
{
    *ret = (dc_check_result){.file = xstrdup(path)};
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (dc_xml_is(root, "domain") && root->ns) {
        ret->input_error = xasprintf("%s: the root element <%s%s%s> is in namespace '%s', not "
                                     "libvirt's <domain>",
                                     path, root->ns->prefix ? (const char *)root->ns->prefix : "",
                                     root->ns->prefix ? ":" : "", (const char *)root->name,
                                     (const char *)root->ns->href);
        return;
    }
    if (!dc_xml_is(root, "domain")) {
        ret->input_error =
            xasprintf("%s: the root element is <%s>, not <domain>", path, (const char *)root->name);
        return;
    }
    chk c = {.path = path, .root = root, .res = ret, .live = env->live, .recorded = env->recorded};
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
        arch = xstrdup(env->host_arch ? env->host_arch : dc_arch_host());
    c.virttype = virttype;
    c.arch = arch;
    c.machine = machine;
    c.emulator = emulator;

    dc_chk_mark(&c, DC_RULE_DOMAIN_TYPE);
    if (!streq(virttype, "kvm") && !streq(virttype, "qemu")) {
        dc_chk_finding(&c, DC_RULE_DOMAIN_TYPE, DC_SEVERITY_ERROR, root, "type", virttype,
                       "domain type '%s' is not supported by QEMU (kvm or qemu)", virttype);
    } else if (!dc_arch_known(arch)) {
        dc_chk_mark(&c, DC_RULE_ARCH);
        dc_chk_finding(&c, DC_RULE_ARCH, DC_SEVERITY_ERROR, type, "arch", arch,
                       "unknown architecture: %s", arch);
    } else {
        judge_domain(&c, env, root, type, emu_node);
    }
    list_rules(&c, ret);
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
