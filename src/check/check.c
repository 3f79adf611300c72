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

const dc_rule_info dc_rules[] = {
    {"capabilities",
     "a capabilities document matches the domain's emulator, arch, machine and type"},
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
    {"device-model",
     "QEMU knows the device model (NIC, controller, sound, watchdog, input, memballoon)"},
    {"host-memory", "the memory fits the host"},
    {"host-hugepages", "the hugepage size is offered and enough pages are free"},
    {"host-numa", "numatune nodesets exist on the host"},
    {"host-cpuset", "vCPU, emulator and iothread pinning name existing host CPUs"},
    {"host-pci", "a PCI hostdev exists, VFIO is usable and its IOMMU group is viable"},
    {"host-usb", "a USB hostdev is present"},
    {"host-tpm", "the TPM passthrough device exists"},
    {"host-smm", "SMM (needed by secure-boot firmware) is available under KVM"},
    {"host-render-node", "OpenGL display backends have a DRM render node"},
    /* libvirt's device validation (check_validate.c) */
    {"domain-config", "the domain's name, memory size and units are valid"},
    {"disk-config",
     "disk bus, device, cache, io, serial, wwn, readonly and iothread are consistent"},
    {"controller-config", "controller models and indexes are valid"},
    {"interface-config", "interface type, backend, MAC, MTU and queues are valid"},
    {"input-config", "input type and bus fit together and the machine"},
    {"video-config", "video models and primary/secondary placement are valid"},
    {"sound-config", "the sound model fits the machine"},
    {"tpm-config", "TPM count and model fit the machine"},
    {"filesystem-config", "filesystem type and driver are valid"},
    {"device-config", "other devices (memballoon, rng, vsock, nvram, shmem, panic, ...) are valid"},
    /* check_validate.c end */
    /* character devices (check_chardev.c) */
    {"chardev",
     "serial, console, parallel and channel target types and models fit the arch and machine"},
    {"vsock", "the vsock guest CID is valid"},
    {"nvram", "an nvram device is on a PPC64 guest"},
    {"shmem", "QEMU has the shared memory device model"},
    /* check_chardev.c end */
    /* machine-bound rules (check_machine.c) */
    {"implicit-devices",
     "the devices libvirt adds (PCI root, USB controller, ...) exist on the machine"},
    {"pci-topology", "PCI controllers, buses and addresses are consistent"},
    {"iommu", "the IOMMU model and options fit the machine and accelerator"},
    /* check_machine.c end */
    /* platform features (check_platform.c) */
    {"clock", "timers and tick policies are valid for the arch, machine and accelerator"},
    {"firmware-config", "firmware features, SMM and loader/NVRAM are consistent"},
    {"hyperv", "Hyper-V enlightenments fit the arch, the accelerator and each other"},
    {"machine-feature", "machine-specific features (htm, hpt, ccf-assist, ...) fit the machine"},
    /* check_platform.c end */
    /* CPU, topology, NUMA, memory (check_cpu.c) */
    {"cpu-feature", "CPU features exist and the host provides the required ones"},
    {"cpu-topology", "sockets, dies, cores and threads match the vCPU count and the machine"},
    {"numa", "guest NUMA cells are consistent with the vCPUs and memory"},
    {"memory-hotplug", "maxMemory, memory devices and their requirements are consistent"},
    {"memory-config", "memory sizes and units parse and the initial memory is not empty"},
    /* check_cpu.c end */
    /* host resources (check_hostres.c) */
    {"host-device-node", "device nodes the domain needs (vhost-net, vhost-vsock, tpm, ...) exist"},
    {"host-interface", "host network interfaces and bridges the domain names exist"},
    {"host-tsc", "a requested TSC frequency is within the host's tolerance or TSC scaling exists"},
    {"host-path", "files and directories the domain opens at start exist"},
    {"host-endpoint", "sockets and network endpoints the domain connects to at start"},
    {"host-smbios", "<smbios mode='host'/> needs the host's SMBIOS tables"},
    {"host-numad", "placement='auto' needs numad on the host"},
    /* check_hostres.c end */
    {NULL, NULL},
};

/* ---- findings ------------------------------------------------------------- */

/* The table's indexes sorted by id, for a binary search; made once. */
static size_t rule_order[DC_RULES_MAX], nrules;
static pthread_once_t rule_order_once = PTHREAD_ONCE_INIT;

static int cmp_rule_index(const void *a, const void *b)
{
    return strcmp(dc_rules[*(const size_t *)a].id, dc_rules[*(const size_t *)b].id);
}

static void sort_rules(void)
{
    while (dc_rules[nrules].id)
        nrules++;
    if (nrules > DC_RULES_MAX)
        abort(); /* raise DC_RULES_MAX */
    for (size_t i = 0; i < nrules; i++)
        rule_order[i] = i;
    qsort(rule_order, nrules, sizeof(rule_order[0]), cmp_rule_index);
}

size_t dc_chk_rule_index(const char *rule)
{
    pthread_once(&rule_order_once, sort_rules);
    size_t lo = 0, hi = nrules;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(dc_rules[rule_order[mid]].id, rule);
        if (d == 0)
            return rule_order[mid];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    abort(); /* a rule not in the table is a programming error */
}

void dc_chk_mark(chk *c, const char *rule) { c->checked[dc_chk_rule_index(rule)] = true; }

const char *dc_chk_rule_id(const char *rule) { return dc_rules[dc_chk_rule_index(rule)].id; }

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

_printf_(7, 8) void dc_chk_finding(chk *c, const char *rule, dc_severity sev, xmlNodePtr node,
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

void dc_chk_skip_rule(chk *c, const char *rule, const char *why)
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
bool dc_chk_check_enum(chk *c, const char *rule, xmlNodePtr node, const char *attr,
                       const char *value, const char *what, dc_enum_type type, const dc_enum *e)
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

const dc_enum *dc_chk_dev_enum(chk *c, dc_device_kind kind, const char *name)
{
    const dc_device_desc *d = &dc_device_descs[kind];
    for (unsigned i = 0; i < d->nenums; i++)
        if (streq(d->enums[i].name, name))
            return &c->caps->devices[kind].enums[i];
    abort();
}

dc_enum_type dc_chk_dev_enum_type(dc_device_kind kind, const char *name)
{
    const dc_device_desc *d = &dc_device_descs[kind];
    for (unsigned i = 0; i < d->nenums; i++)
        if (streq(d->enums[i].name, name))
            return d->enums[i].type;
    abort();
}

/* Checks attr of node against the device kind's enum ename. */
bool dc_chk_dev_check(chk *c, const char *rule, dc_device_kind kind, const char *ename,
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
    return dc_chk_check_enum(c, rule, node, attr, v, what, dc_chk_dev_enum_type(kind, ename),
                             dc_chk_dev_enum(c, kind, ename));
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

static dc_qemu_caps *live_probe(dc_check_env *env, const char *emulator, char **ret_msg)
{
    for (size_t i = 0; i < env->nprobed; i++)
        if (streq(env->probed[i]->binary, emulator))
            return env->probed[i];
    dc_probe_opts po = {
        .binary = emulator,
        .timeout_ms = env->timeout_ms,
        .want_tcg_session = true,
    };
    dc_qemu_caps *qc = NULL;
    int r = dc_probe_cached(&po, env->root, env->cache_dir, NULL, &qc, ret_msg);
    if (r < 0)
        return NULL;
    add_probed(env, qc);
    return qc;
}

/* A recorded host's emulator for the domain: never run, never looked for here. */
static const dc_qemu_caps *resolve_recorded(chk *c, dc_check_env *env, xmlNodePtr type_node,
                                            xmlNodePtr emu_node, char **ret_emu)
{
    _cleanup_free_ char *msg = NULL;
    const dc_qemu_caps *qc = NULL;
    dc_chk_mark(c, "emulator");
    int r = env->emulator_lookup(env->emulator_ctx, c->arch, c->emulator, &qc, ret_emu, &msg);
    if (r == -ENOENT && !c->emulator)
        dc_chk_finding(c, "emulator", DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                       "unable to find any emulator to serve '%s' architecture", c->arch);
    else if (r == -ENOENT)
        dc_chk_finding(c, "emulator", DC_SEVERITY_ERROR, emu_node, NULL, c->emulator,
                       "emulator '%s' does not exist or is not executable", c->emulator);
    else if (r < 0) {
        free(c->res->input_error);
        c->res->input_error = xstrdup(msg ? msg : strerror(-r));
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
    dc_chk_mark(c, "emulator");
    if (!emu) {
        dc_chk_finding(c, "emulator", DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                       "unable to find any emulator to serve '%s' architecture", c->arch);
        return NULL;
    }
    struct stat st;
    if (stat(emu, &st) < 0 || access(emu, X_OK) < 0) {
        dc_chk_finding(c, "emulator", DC_SEVERITY_ERROR, emu_node, NULL, emu,
                       "emulator '%s' does not exist or is not executable", emu);
        return NULL;
    }
    _cleanup_free_ char *msg = NULL;
    dc_qemu_caps *qc = NULL;
    if (c->emulator && !emulator_trusted(env, emu)) {
        /* Domain XML is untrusted input: its <emulator> is never run unless trusted. */
        qc = cached_only(env, emu);
        if (!qc) {
            dc_chk_finding(c, "emulator", DC_SEVERITY_WARNING, emu_node, NULL, emu,
                           "emulator '%s' was not run: it is neither a qemu-system-* binary on "
                           "PATH nor /usr/libexec/qemu-kvm, nor named with --emulator or "
                           "--trust-emulator, and the cache has no entry for it; the rules "
                           "that need its capabilities were skipped",
                           emu);
            dc_chk_hint(c, "to judge against it: domcaps check --emulator %s ...", emu);
            return NULL;
        }
    } else {
        qc = live_probe(env, emu, &msg);
    }
    if (!qc) {
        free(c->res->input_error);
        c->res->input_error = xasprintf("probing %s failed: %s", emu, msg ? msg : "unknown error");
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
    dc_chk_mark(c, "arch");
    if (!dc_arch_served_by(c->arch, qc->arch)) {
        dc_chk_finding(c, "arch", DC_SEVERITY_ERROR, type_node, "arch", c->arch,
                       "Emulator '%s' does not support arch '%s'", emu, c->arch);
        return NULL;
    }
    bool kvm = streq(c->virttype, "kvm");
    const dc_qemu_accel *a = dc_qemu_accel_for(qc, kvm);
    if (!a)
        a = dc_qemu_accel_for(qc, !kvm);
    dc_chk_mark(c, "machine");
    if (c->machine && !qemu_machine(a, c->machine)) {
        dc_chk_finding(c, "machine", DC_SEVERITY_ERROR, type_node, "machine", c->machine,
                       "Emulator '%s' does not support machine type '%s'", emu, c->machine);
        const char *near = nearest_machine(a, c->machine);
        if (near)
            dc_chk_hint(c, "nearest machine type: %s", near);
        return NULL;
    }
    dc_request req = {.arch = c->arch, .machine = c->machine, .virttype = c->virttype};
    dc_domcaps *caps = NULL;
    _cleanup_free_ char *why = NULL;
    if (dc_domcaps_derive(qc, env->host, &req, &caps, &why) < 0) {
        dc_chk_mark(c, "domain-type");
        dc_chk_finding(c, "domain-type", DC_SEVERITY_ERROR, c->root, "type", c->virttype, "%s",
                       why);
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
        free(why);
        why = NULL;
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
    dc_chk_mark(c, "capabilities");
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
        dc_chk_finding(c, "capabilities", DC_SEVERITY_ERROR, type_node,
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
    char *msg = NULL;
    if (dc_xml_parse(path, text, len, &doc, &msg) < 0) {
        *ret = (dc_check_result){.file = xstrdup(path), .input_error = msg};
        return;
    }
    dc_check_domain_doc(env, path, doc, ret);
}

void dc_check_domain_doc(dc_check_env *env, const char *path, xmlDocPtr doc,
                         dc_check_result *ret)
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

    dc_chk_mark(&c, "domain-type");
    if (!streq(virttype, "kvm") && !streq(virttype, "qemu")) {
        dc_chk_finding(&c, "domain-type", DC_SEVERITY_ERROR, root, "type", virttype,
                       "domain type '%s' is not supported by QEMU (kvm or qemu)", virttype);
    } else if (!dc_arch_known(arch)) {
        dc_chk_mark(&c, "arch");
        dc_chk_finding(&c, "arch", DC_SEVERITY_ERROR, type, "arch", arch,
                       "unknown architecture: %s", arch);
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
            set_machine_facts(&c);
            dc_chk_rule_os(&c);
            dc_chk_rule_vcpus(&c);
            dc_chk_rule_cpu(&c);
            dc_chk_rule_memory_backing(&c);
            dc_chk_rule_devices(&c);
            dc_chk_rule_features(&c);
            dc_chk_rule_validate(&c);
            dc_chk_rule_chardev(&c);
            dc_chk_rule_machine(&c);
            dc_chk_rule_platform(&c);
            dc_chk_rule_topology(&c);
        } else if (!ret->input_error) {
            for (const dc_rule_info *r = dc_rules; r->id; r++)
                if (!startswith(r->id, "host-") && !c.checked[r - dc_rules])
                    dc_chk_skip_rule(&c, r->id, "no capabilities for this domain");
        }
        if (!ret->input_error) {
            dc_chk_rule_host(&c);
            if (caps)
                dc_chk_rule_hostres(&c);
        }
        dc_domcaps_free(owned);
    }
    /* Rules in table order, so every format lists them the same way. */
    bool found[DC_RULES_MAX] = {0}, skipped[DC_RULES_MAX] = {0};
    for (size_t i = 0; i < ret->nfindings; i++)
        found[dc_chk_rule_index(ret->findings[i].rule)] = true;
    for (size_t i = 0; i < c.skipped.n; i++) {
        _cleanup_free_ char *id = xstrndup(c.skipped.v[i], strcspn(c.skipped.v[i], ":"));
        skipped[dc_chk_rule_index(id)] = true;
    }
    dc_strv ordered = {0};
    for (const dc_rule_info *r = dc_rules; r->id; r++) {
        size_t k = (size_t)(r - dc_rules);
        /* A rule skipped for this file is reported as skipped only, unless it found something. */
        if (c.checked[k] && (!skipped[k] || found[k]))
            dc_strv_add(&ordered, r->id);
    }
    ret->rules_checked = ordered.v ? ordered.v : xcalloc(1, sizeof(char *));
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
