/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KubeVirt's node labels from domcaps' facts. Each rule names the upstream
 * function it mirrors (kubevirt/kubevirt, pkg/virt-handler/node-labeller
 * unless said otherwise); the code is our own. The label names are those of
 * kubevirt.io/api/core/v1 (CPUFeatureLabel, CPUModelLabel, ...).
 *
 * Where KubeVirt reads libvirt, domcaps answers from its own documents:
 *  - virsh_domcapabilities.xml (`virsh domcapabilities --machine q35|virt|
 *    s390-ccw-virtio --virttype kvm|qemu`, cmd/virt-launcher/node-labeller/
 *    node-labeller.sh) is the dc_domcaps derived for the same request;
 *  - supported_features.xml (`virsh hypervisor-cpu-baseline --features` of
 *    that document) is the host-model CPU expanded: the model's own features
 *    (QEMU's expansion of it, in libvirt's spelling), plus the required ones,
 *    less the disabled ones;
 *  - capabilities.xml (`virsh capabilities`): the guest machine list is the
 *    probed emulator's, the TSC counter the tsc probe's;
 *  - the Hyper-V capabilities KVM reports (kvm-caps-info-plugin_amd64.go)
 *    are asked of /dev/kvm the same way, or, without a KVM device to ask,
 *    read from QEMU's hv-* answer.
 */
#include "labels.h"

#include <ctype.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/stat.h>

#include "arch.h"
#include "cpu_model.h"
#include "cache.h"

/* util.DefaultObsoleteCPUModels (pkg/virt-handler/node-labeller/util/util.go). */
const char *const dc_labels_default_obsolete[] = {
    "486",    "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270",  "core2duo",
    "Conroe", "athlon",  "phenom",   "qemu64",   "qemu32",     "kvm64",   "kvm32", NULL,
};

#define L_CPU_FEATURE "cpu-feature.node.kubevirt.io/"
#define L_CPU_MODEL "cpu-model.node.kubevirt.io/"
#define L_MIGRATION_CPU "cpu-model-migration.node.kubevirt.io/"
#define L_CPU_TIMER "cpu-timer.node.kubevirt.io/"
#define L_HYPERV "hyperv.node.kubevirt.io/"
#define L_VENDOR "cpu-vendor.node.kubevirt.io/"
#define L_HOST_MODEL "host-model-cpu.node.kubevirt.io/"
#define L_REQUIRED "host-model-required-features.node.kubevirt.io/"
#define L_OBSOLETE_HOST_MODEL "node-labeller.kubevirt.io/obsolete-host-model"
#define L_MACHINE "machine-type.node.kubevirt.io/"
#define L_REALTIME "kubevirt.io/realtime"
#define L_SEV "kubevirt.io/sev"
#define L_SEV_ES "kubevirt.io/sev-es"
/* pkg/virt-controller/watch/topology: TSCFrequencySchedulingLabel */
#define L_TSC_SCHEDULING "scheduling.node.kubevirt.io/tsc-frequency-"

/* What each architecture's labeller does (arch_labeller.go, amd64.go, arm64.go, s390x.go). */
typedef struct arch_rules {
    const char *arch, *machine;
    bool features, named_models, host_model;
    const char *default_vendor;
} arch_rules;

static const arch_rules arch_table[] = {
    {"x86_64", "q35", true, true, true, NULL},
    {"aarch64", "virt", false, false, false, NULL},
    {"s390x", "s390-ccw-virtio", true, true, true, "IBM"},
};

static const arch_rules *rules_for(const char *arch)
{
    for (size_t i = 0; arch && i < ELEMENTSOF(arch_table); i++)
        if (streq(arch_table[i].arch, arch))
            return &arch_table[i];
    return NULL;
}

const char *dc_labels_machine_for(const char *arch)
{
    const arch_rules *r = rules_for(arch);
    return r ? r->machine : NULL;
}

/* RFC 1123 label: [a-z0-9] at both ends, [-a-z0-9] inside, at most 63. */
static bool dns_label_valid(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

static bool name_valid(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
            return false;
    return true;
}

bool dc_label_key_valid(const char *key)
{
    const char *slash = strchr(key, '/');
    if (!slash)
        return name_valid(key, strlen(key));
    size_t plen = (size_t)(slash - key);
    if (plen == 0 || plen > 253)
        return false;
    for (const char *p = key; p < slash;) {
        size_t n = strcspn(p, "./");
        if (p + n > slash)
            n = (size_t)(slash - p);
        if (!dns_label_valid(p, n))
            return false;
        p += n;
        if (p < slash)
            p++; /* the dot */
        if (p == slash && p[-1] == '.')
            return false;
    }
    return name_valid(slash + 1, strlen(slash + 1));
}

bool dc_label_value_valid(const char *value) { return !*value || name_valid(value, strlen(value)); }

/* The labels being built: keys and values side by side, unsorted until the end. */
typedef struct label_set {
    dc_strv keys, values;
    dc_strv *warnings;
} label_set;

static void put(label_set *ls, const char *prefix, const char *name, const char *value)
{
    _cleanup_free_ char *key = xasprintf("%s%s", prefix, name ? name : "");
    if (!dc_label_key_valid(key) || !dc_label_value_valid(value)) {
        if (ls->warnings)
            dc_strv_add_take(ls->warnings,
                             xasprintf("the label '%s=%s' is not a valid Kubernetes label and is "
                                       "left out",
                                       key, value));
        return;
    }
    /* A map, as upstream's: the last value for a key wins. */
    for (size_t i = 0; i < ls->keys.n; i++)
        if (streq(ls->keys.v[i], key)) {
            free(ls->values.v[i]);
            ls->values.v[i] = xstrdup(value);
            return;
        }
    dc_strv_add(&ls->keys, key);
    dc_strv_add(&ls->values, value);
}

static bool in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (streq(*list, s))
            return true;
    return false;
}

static bool is_obsolete(const dc_labels_opts *o, const char *model)
{
    if (o->obsolete_cpus)
        return dc_strv_contains(o->obsolete_cpus, model);
    return in_list(dc_labels_default_obsolete, model);
}

/*
 * QEMU's KVM paravirtual bits (kvmclock, kvm-pv-eoi, ...: KVM's CPUID leaf,
 * not the CPU's) have no name in libvirt's CPU map, so libvirt never lists
 * them in host-model or a baseline and KubeVirt never labels them.
 */
static bool is_kvm_paravirt(const char *feature) { return startswith(feature, "kvm"); }

/* libvirt's cpu_map spelling of a QEMU feature name. */
static const char *libvirt_feature(const dc_qemu_caps *qc, const char *qemu_name)
{
    /* The one x86 feature libvirt names differently from every QEMU spelling. */
    if (streq(qemu_name, "pclmulqdq"))
        return "pclmuldq";
    return dc_cpu_feature_spelling(&qc->feature_aliases, qemu_name);
}

static const dc_qemu_accel *accel_of(const dc_domcaps *caps, const dc_qemu_caps *qc)
{
    return dc_qemu_accel_for(qc, streq_ptr(caps->domain, "kvm"));
}

/* A named model's own features in libvirt's spelling; false when QEMU gave no expansion. */
static bool model_features(const dc_domcaps *caps, const dc_qemu_caps *qc, const char *model,
                           dc_strv *out)
{
    const dc_qemu_cpuexp *e = dc_qemu_model_expansion(accel_of(caps, qc), model);
    for (size_t i = 0; i < caps->cpu.nmodels && !e; i++)
        if (streq(caps->cpu.models[i].name, model) && caps->cpu.models[i].canonical)
            e = dc_qemu_model_expansion(accel_of(caps, qc), caps->cpu.models[i].canonical);
    if (!e)
        return false;
    for (size_t i = 0; i < e->features.n; i++)
        if (!is_kvm_paravirt(e->features.v[i]))
            dc_strv_add_unique(out, libvirt_feature(qc, e->features.v[i]));
    return true;
}

/*
 * The features minCPUModel stands for, which the labels then leave out
 * (getMinCpuFeature of KubeVirt before v0.55); empty without --min-cpu.
 */
static int min_cpu_features(const dc_domcaps *caps, const dc_qemu_caps *qc, const dc_labels_opts *o,
                            dc_strv *out, dc_error *err)
{
    if (!o->min_cpu)
        return 0;
    if (!model_features(caps, qc, o->min_cpu, out)) {
        return dc_error_set(err, -EINVAL,
                            "the minimum CPU model '%s' is not a model %s knows the features of",
                            o->min_cpu, qc->binary);
    }
    return 0;
}

/*
 * cpu-feature: the features of `virsh hypervisor-cpu-baseline --features`
 * with policy require (loadHostSupportedFeatures, getSupportedCpuFeatures).
 */
static void rule_cpu_features(label_set *ls, const dc_domcaps *caps, const dc_qemu_caps *qc,
                              const dc_strv *min)
{
    const dc_host_model *hm = &caps->cpu.host_model;
    if (hm->supported != DC_YES || !hm->model) {
        if (ls->warnings)
            dc_strv_add(ls->warnings, "host-model is not supported: no cpu-feature, "
                                      "host-model-cpu or cpu-vendor labels");
        return;
    }
    _cleanup_strv_ dc_strv feats = {0};
    if (!model_features(caps, qc, hm->model, &feats)) {
        /* No per-model expansion: the host's own features are the nearest answer. */
        const dc_qemu_accel *a = accel_of(caps, qc);
        for (size_t i = 0; a && i < a->host.features.n; i++)
            if (!is_kvm_paravirt(a->host.features.v[i]))
                dc_strv_add_unique(&feats, libvirt_feature(qc, a->host.features.v[i]));
    }
    for (char **f = hm->require; f && *f; f++)
        if (!is_kvm_paravirt(*f))
            dc_strv_add_unique(&feats, *f);
    for (size_t i = 0; i < feats.n; i++) {
        bool disabled = false;
        for (char **d = hm->disable; d && *d; d++)
            disabled |= streq(*d, feats.v[i]);
        if (!disabled && !dc_strv_contains(min, feats.v[i]))
            put(ls, L_CPU_FEATURE, feats.v[i], "true");
    }
}

/*
 * cpu-model and cpu-model-migration: the custom models libvirt does not
 * call unusable, less the obsolete ones (loadDomCapabilities,
 * getSupportedCpuModels, prepareLabels).
 */
static void rule_cpu_models(label_set *ls, const dc_domcaps *caps, const dc_labels_opts *o)
{
    if (caps->cpu.custom != DC_YES)
        return;
    for (size_t i = 0; i < caps->cpu.nmodels; i++) {
        const dc_cpu_model *m = &caps->cpu.models[i];
        /* usable='yes' and usable='unknown' both count; only 'no' does not. */
        if (m->usable == DC_USABLE_NO || is_obsolete(o, m->name))
            continue;
        put(ls, L_CPU_MODEL, m->name, "true");
        put(ls, L_MIGRATION_CPU, m->name, "true");
    }
}

/* The host-model labels (prepareLabels, the supportsHostModel part). */
static void rule_host_model(label_set *ls, const dc_domcaps *caps, const dc_labels_opts *o,
                            const arch_rules *ar, const dc_strv *min)
{
    const dc_host_model *hm = &caps->cpu.host_model;
    if (hm->supported != DC_YES || !hm->model)
        return;
    if (is_obsolete(o, hm->model))
        put(ls, L_OBSOLETE_HOST_MODEL, NULL, "true");
    else
        put(ls, L_MIGRATION_CPU, hm->model, "true");
    for (char **f = hm->require; f && *f; f++)
        if (!is_kvm_paravirt(*f) && !dc_strv_contains(min, *f))
            put(ls, L_REQUIRED, *f, "true");
    const char *vendor = hm->vendor ? hm->vendor : ar->default_vendor;
    put(ls, L_VENDOR, vendor, "true");
    put(ls, L_HOST_MODEL, hm->model, "true");
}

/*
 * machine-type: every <machine> of `virsh capabilities`' guests, aliases
 * included (libvirt's virQEMUCapsGetMachineTypesCaps lists each alias
 * beside its machine), for the accelerator the document is for. libvirt
 * leaves QEMU's "none" machine out (virQEMUCapsProbeQMPMachineTypes).
 */
static void rule_machines(label_set *ls, const dc_domcaps *caps, const dc_qemu_caps *qc)
{
    const dc_qemu_accel *a = accel_of(caps, qc);
    for (size_t i = 0; a && i < a->nmachines; i++) {
        if (streq(a->machines[i].name, "none"))
            continue;
        put(ls, L_MACHINE, a->machines[i].name, "true");
        if (a->machines[i].alias)
            put(ls, L_MACHINE, a->machines[i].alias, "true");
    }
}

/* QEMU's hv-* property for each of KubeVirt's names that one stands for (CapsDesc). */
static const struct {
    const char *kubevirt, *qemu;
} hyperv_names[] = {
    {"time", "hv-time"},         {"vpindex", "hv-vpindex"},
    {"tlbflush", "hv-tlbflush"}, {"ipi", "hv-ipi"},
    {"synic", "hv-synic"},       {"frequencies", "hv-frequencies"},
    {"reset", "hv-reset"},       {"runtime", "hv-runtime"},
    {"synictimer", "hv-stimer"}, {"reenlightenment", "hv-reenlightenment"},
};

/*
 * hyperv: KVM's own answer when it could be asked. Otherwise (a recorded
 * host) only what QEMU's hv-passthrough expansion shows is known: a
 * feature it turned on is one KVM has. QEMU offers the hv-* properties
 * whatever KVM supports, so their mere presence says nothing.
 */
static void rule_hyperv(label_set *ls, const dc_domcaps *caps, const dc_qemu_caps *qc,
                        const dc_labels_opts *o)
{
    if (o->hyperv) {
        for (size_t i = 0; i < o->hyperv->n; i++)
            put(ls, L_HYPERV, o->hyperv->v[i], "true");
        return;
    }
    /* Only x86 KVM has the Hyper-V enlightenments (kvm-caps-info-plugin_amd64.go). */
    if (!dc_arch_is_x86(caps->arch) || !streq_ptr(caps->domain, "kvm"))
        return;
    const dc_qemu_accel *a = accel_of(caps, qc);
    if (!a || !a->hyperv_valid)
        return;
    bool any =
        dc_strv_contains(&a->hyperv, "hv-relaxed") || dc_strv_contains(&a->hyperv, "hv-vapic");
    for (size_t i = 0; i < ELEMENTSOF(hyperv_names); i++)
        if (dc_strv_contains(&a->hyperv, hyperv_names[i].qemu)) {
            put(ls, L_HYPERV, hyperv_names[i].kubevirt, "true");
            any = true;
        }
    if (any)
        put(ls, L_HYPERV, "base", "true");
}

static bool has_flag(const dc_hostinfo *h, const char *flag)
{
    for (char **f = h->cpu.flags; f && *f; f++)
        if (streq(*f, flag))
            return true;
    return false;
}

/*
 * cpu-timer (prepareLabels, hasTSCCounter): libvirt reports the TSC counter
 * of a KVM host only when the CPU has an invariant TSC (virCPUx86GetHost:
 * CPUID invtsc, Linux's nonstop_tsc flag). An inventory without CPU flags (a
 * minimal captured root) is taken at its recorded frequency. The
 * scheduling label is the one virt-controller's topology updater gives a
 * node for its own frequency (CalculateTSCLabelDiff).
 */
static void rule_tsc(label_set *ls, const dc_domcaps *caps, const dc_hostinfo *host)
{
    if (!dc_arch_is_x86(caps->arch) || !streq_ptr(caps->domain, "kvm") || !host->tsc_hz)
        return;
    if (host->cpu.flags && !has_flag(host, "nonstop_tsc"))
        return;
    _cleanup_free_ char *hz = xasprintf("%llu", host->tsc_hz);
    put(ls, L_CPU_TIMER, "tsc-frequency", hz);
    put(ls, L_CPU_TIMER, "tsc-scalable", host->tsc_scaling == 1 ? "true" : "false");
    put(ls, L_TSC_SCHEDULING, hz, "true");
}

/* SEV (getDomCapabilities: SEV-ES when SEV is supported and maxESGuests > 0) and realtime. */
static void rule_host_flags(label_set *ls, const dc_domcaps *caps, const dc_labels_opts *o)
{
    if (caps->features.sev.supported == DC_YES) {
        put(ls, L_SEV, NULL, "true");
        if (caps->features.sev.max_es_guests > 0)
            put(ls, L_SEV_ES, NULL, "true");
    }
    if (o->realtime == 1)
        put(ls, L_REALTIME, NULL, "true");
}

/* Sorts keys and carries values along. */
static void sort_pairs(dc_strv *keys, dc_strv *values)
{
    for (size_t i = 1; i < keys->n; i++)
        for (size_t j = i; j > 0 && strcmp(keys->v[j - 1], keys->v[j]) > 0; j--) {
            char *k = keys->v[j], *v = values->v[j];
            keys->v[j] = keys->v[j - 1], values->v[j] = values->v[j - 1];
            keys->v[j - 1] = k, values->v[j - 1] = v;
        }
}

int dc_labels_compute(const dc_domcaps *caps, const dc_qemu_caps *qc, const dc_hostinfo *host,
                      const dc_labels_opts *opts, dc_strv *ret_keys, dc_strv *ret_values,
                      dc_error *err)
{
    const dc_labels_opts none = {0};
    const dc_labels_opts *o = opts ? opts : &none;
    const arch_rules *ar = rules_for(caps->arch);
    if (!ar) {
        return dc_error_set(err, -ENOTSUP, "KubeVirt's node labeller does not label %s hosts",
                            caps->arch ? caps->arch : "unknown");
    }
    _cleanup_strv_ dc_strv min = {0};
    int r = min_cpu_features(caps, qc, o, &min, err);
    if (r < 0)
        return r;
    label_set ls = {.warnings = o->warnings};
    if (ar->features)
        rule_cpu_features(&ls, caps, qc, &min);
    if (ar->named_models)
        rule_cpu_models(&ls, caps, o);
    if (ar->host_model)
        rule_host_model(&ls, caps, o, ar, &min);
    rule_machines(&ls, caps, qc);
    rule_hyperv(&ls, caps, qc, o);
    rule_tsc(&ls, caps, host);
    rule_host_flags(&ls, caps, o);
    sort_pairs(&ls.keys, &ls.values);
    *ret_keys = ls.keys;
    *ret_values = ls.values;
    return 0;
}

/* KVM_GET_MSR_INDEX_LIST: how many, then the list. */
static int kvm_msr_list(int fd, uint32_t **ret, uint32_t *ret_n)
{
    struct kvm_msr_list probe = {.nmsrs = 0};
    int r = dc_kvm_ioctl(fd, KVM_GET_MSR_INDEX_LIST, (unsigned long)&probe);
    if (r < 0 && r != -E2BIG)
        return r;
    if (probe.nmsrs > 65536)
        return -ERANGE;
    struct kvm_msr_list *l = xcalloc(1, sizeof(*l) + (probe.nmsrs + 1) * sizeof(uint32_t));
    l->nmsrs = probe.nmsrs;
    r = dc_kvm_ioctl(fd, KVM_GET_MSR_INDEX_LIST, (unsigned long)l);
    if (r < 0 || l->nmsrs > probe.nmsrs) {
        free(l);
        return r < 0 ? r : -ERANGE;
    }
    uint32_t *v = xcalloc(l->nmsrs + 1, sizeof(uint32_t));
    memcpy(v, l->indices, l->nmsrs * sizeof(uint32_t));
    *ret_n = l->nmsrs;
    *ret = v;
    free(l);
    return 0;
}

/*
 * KubeVirt's capability table (CapsDesc in kvm-caps-info-plugin_amd64.go):
 * a capability with an extension is exposed when KVM has the extension, one
 * with only an MSR when KVM lists the MSR.
 */
static const struct {
    const char *name;
    unsigned long extension;
    uint32_t msr;
} kvm_hyperv_caps[] = {
    {"base", KVM_CAP_HYPERV, 0},
    {"time", KVM_CAP_HYPERV_TIME, 0},
    {"vpindex", KVM_CAP_HYPERV_VP_INDEX, 0},
    {"tlbflush", KVM_CAP_HYPERV_TLBFLUSH, 0},
    {"ipi", KVM_CAP_HYPERV_SEND_IPI, 0},
    {"synic", KVM_CAP_HYPERV_SYNIC, 0},
    {"synic2", KVM_CAP_HYPERV_SYNIC2, 0},
    {"frequencies", 0, 0x40000022},     /* HV_X64_MSR_TSC_FREQUENCY */
    {"reset", 0, 0x40000003},           /* HV_X64_MSR_RESET */
    {"runtime", 0, 0x40000010},         /* HV_X64_MSR_VP_RUNTIME */
    {"synictimer", 0, 0x400000B0},      /* HV_X64_MSR_STIMER0_CONFIG */
    {"reenlightenment", 0, 0x40000106}, /* HV_X64_MSR_REENLIGHTENMENT_CONTROL */
};

int dc_labels_kvm_hyperv(const dc_root *root, dc_strv *ret, dc_error *err)
{
    struct stat st;
    if (dc_root_stat(root, "/dev/kvm", &st) < 0 || !S_ISCHR(st.st_mode))
        return -ENODEV;
    _cleanup_close_ int fd = -1;
    int r = dc_kvm_open(root, &fd);
    if (r < 0) {
        return dc_error_set(err, r, "cannot open /dev/kvm to ask its Hyper-V capabilities: %s",
                            strerror(-r));
    }
    _cleanup_free_ uint32_t *msrs = NULL;
    uint32_t nmsrs = 0;
    r = kvm_msr_list(fd, &msrs, &nmsrs);
    if (r < 0) {
        return dc_error_set(err, r, "KVM_GET_MSR_INDEX_LIST failed: %s", strerror(-r));
    }
    dc_strv out = {0};
    for (size_t i = 0; i < ELEMENTSOF(kvm_hyperv_caps); i++) {
        bool on = false;
        for (uint32_t j = 0; kvm_hyperv_caps[i].msr && j < nmsrs; j++)
            on |= msrs[j] == kvm_hyperv_caps[i].msr;
        if (kvm_hyperv_caps[i].extension)
            on = dc_kvm_ioctl(fd, KVM_CHECK_EXTENSION, kvm_hyperv_caps[i].extension) > 0;
        if (on)
            dc_strv_add(&out, kvm_hyperv_caps[i].name);
    }
    *ret = out;
    return 0;
}

int dc_labels_realtime(const dc_root *root)
{
    _cleanup_free_ char *line = NULL;
    int v;
    if (dc_root_read_line(root, "/proc/sys/kernel/sched_rt_runtime_us", &line) < 0 ||
        dc_parse_int(line, 10, &v) < 0)
        return -1;
    return v == -1;
}

/* What the caps document cannot say: KVM's Hyper-V answer and realtime, asked of root. */
static void gather_host_facts(const dc_root *root, const dc_domcaps *caps, dc_labels_opts *o,
                              dc_strv *hyperv, dc_strv *warnings)
{
    o->realtime = dc_labels_realtime(root);
    if (!dc_arch_is_x86(caps->arch) || !streq_ptr(caps->domain, "kvm"))
        return;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int r = dc_labels_kvm_hyperv(root, hyperv, &msg);
    if (r == 0)
        o->hyperv = hyperv;
    else if (r != -ENODEV && warnings)
        dc_strv_add_take(warnings,
                         xasprintf("%s; the hyperv labels are QEMU's answer", msg.message));
}

static void warn_tcg(const dc_domcaps *caps, dc_strv *warnings)
{
    if (warnings && !streq_ptr(caps->domain, "kvm"))
        dc_strv_add(warnings, "KVM is not usable: these are the labels KubeVirt's labeller "
                              "sets from the TCG domainCapabilities (virttype qemu)");
}

int dc_labels_for_fleet_host(dc_fleet_host *h, const dc_labels_opts *opts, dc_strv *ret_keys,
                             dc_strv *ret_values, dc_error *err)
{
    const char *arch = dc_fleet_host_arch(h);
    if (!arch) {
        return dc_error_set(err, -EINVAL, "%s: the host's architecture is unknown", h->name);
    }
    const char *machine = dc_labels_machine_for(arch);
    if (!machine) {
        return dc_error_set(err, -ENOTSUP, "%s: KubeVirt's node labeller does not label %s hosts",
                            h->name, arch);
    }
    dc_domcaps *caps = NULL;
    const dc_qemu_caps *qc = NULL;
    dc_request req = {.arch = arch, .machine = machine};
    int r = dc_fleet_host_derive(h, &req, &caps, &qc, err);
    if (r < 0)
        return r;
    const dc_host *host = dc_fleet_host_probes(h, DC_FLEET_FOR_CHECK);
    dc_labels_opts o = opts ? *opts : (dc_labels_opts){0};
    _cleanup_strv_ dc_strv hyperv = {0};
    gather_host_facts(h->root, caps, &o, &hyperv, o.warnings);
    warn_tcg(caps, o.warnings);
    r = dc_labels_compute(caps, qc, &host->info, &o, ret_keys, ret_values, err);
    dc_domcaps_free(caps);
    return r;
}

/* The probe behind dc_labels_for_source: its errors as input (-EINVAL...) or probing ones. */
static int probe_source(const dc_labels_source *src, const dc_root *root, dc_diag *diag,
                        dc_qemu_caps **ret, dc_error *err)
{
    _cleanup_free_ char *emulator = src->emulator ? xstrdup(src->emulator) : NULL;
    if (!emulator && !src->replay) {
        emulator = dc_find_emulator(dc_arch_host());
        if (!emulator) {
            return dc_error_set(err, -ENOENT,
                                "unable to find any emulator to serve '%s' architecture "
                                "(no qemu-system-%s in PATH)",
                                dc_arch_host(), dc_arch_to_qemu(dc_arch_host()));
        }
    }
    dc_probe_opts po = {
        .binary = emulator ? emulator : "qemu",
        .replay = src->replay,
        .timeout_ms = src->timeout_ms,
        .want_tcg_session = true,
    };
    dc_qemu_caps *qc = NULL;
    int r = dc_probe_cached(&po, root, src->cache_dir, diag, &qc, err);
    if (r < 0)
        return src->replay || r == -ENOEXEC || r == -ENOTSUP ? -EINVAL : -EIO;
    if (!emulator) {
        free(qc->binary);
        qc->binary = xasprintf("/usr/bin/qemu-system-%s", qc->target);
    }
    *ret = qc;
    return 0;
}

/* Derives and computes for a probed emulator over root. */
static int compute_source(const dc_labels_source *src, const dc_root *root, const dc_qemu_caps *qc,
                          const dc_labels_opts *opts, dc_strv *ret_keys, dc_strv *ret_values,
                          dc_error *err)
{
    const char *machine = dc_labels_machine_for(qc->arch);
    if (!machine) {
        return dc_error_set(err, -ENOTSUP, "KubeVirt's node labeller does not label %s hosts",
                            qc->arch);
    }
    _cleanup_free_ char *xdg = dc_xdg_config_home();
    dc_host host = {.cache_dir = src->cache_dir, .skip_names = true};
    /* The inventory's complaints (no PCI in a captured root) say nothing about labels. */
    dc_host_run_probes(&host, root, xdg, DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY, NULL);
    dc_domcaps *caps = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    dc_request req = {.arch = qc->arch, .machine = machine};
    int r = dc_domcaps_derive(qc, &host, &req, &caps, &msg);
    if (r < 0) {
        dc_error_take(err, r, dc_error_steal(&msg));
        dc_host_clear(&host);
        return -EINVAL;
    }
    dc_labels_opts o = opts ? *opts : (dc_labels_opts){0};
    _cleanup_strv_ dc_strv hyperv = {0};
    gather_host_facts(root, caps, &o, &hyperv, o.warnings);
    warn_tcg(caps, o.warnings);
    r = dc_labels_compute(caps, qc, &host.info, &o, ret_keys, ret_values, err);
    dc_domcaps_free(caps);
    dc_host_clear(&host);
    return r;
}

int dc_labels_for_source(const dc_labels_source *src, const dc_labels_opts *opts, dc_diag *diag,
                         dc_strv *ret_keys, dc_strv *ret_values, dc_error *err)
{
    dc_root *root = NULL;
    const char *sysroot = src->sysroot ? src->sysroot : "/";
    int r = dc_root_open(sysroot, &root);
    if (r < 0) {
        return dc_error_set(err, -EINVAL, "cannot open sysroot '%s': %s", sysroot, strerror(-r));
    }
    dc_qemu_caps *qc = NULL;
    r = probe_source(src, root, diag, &qc, err);
    if (r == 0)
        r = compute_source(src, root, qc, opts, ret_keys, ret_values, err);
    dc_qemu_caps_free(qc);
    dc_root_free(root);
    return r;
}

char *dc_labels_format_kubevirt(const dc_strv *keys, const dc_strv *values)
{
    dc_buf b = {0};
    dc_buf_add(&b, "");
    for (size_t i = 0; i < keys->n; i++)
        dc_buf_addf(&b, "%s=%s\n", keys->v[i], values->v[i]);
    return dc_buf_steal(&b);
}

char *dc_labels_format_nfd(const dc_strv *keys, const dc_strv *values, time_t expiry)
{
    dc_buf b = {0};
    dc_buf_add(&b,
               "# The node labels KubeVirt's node labeller sets, from domcaps " DC_VERSION ".\n");
    struct tm tm;
    char when[32];
    if (expiry > 0 && gmtime_r(&expiry, &tm) &&
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
        dc_buf_addf(&b, "# +expiry-time=%s\n", when);
    for (size_t i = 0; i < keys->n; i++)
        dc_buf_addf(&b, "%s=%s\n", keys->v[i], values->v[i]);
    return dc_buf_steal(&b);
}

int dc_labels_write_nfd(const char *dir, const char *text, dc_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, DC_LABELS_NFD_NAME);
    _cleanup_free_ char *dot = xasprintf("%s/.%s", dir, DC_LABELS_NFD_NAME);
    size_t len = strlen(text);
    if (len > DC_LABELS_NFD_MAX) {
        return dc_error_set(err, -EFBIG,
                            "cannot write %s: %zu bytes is more than the %d NFD reads of a "
                            "feature file",
                            path, len, DC_LABELS_NFD_MAX);
    }
    struct stat st;
    int r = stat(dir, &st) < 0 ? -errno : !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
    if (r == 0)
        r = dc_write_file_atomic(dot, text, len);
    if (r == 0 && rename(dot, path) < 0) {
        r = -errno;
        unlink(dot);
    }
    if (r < 0) {
        return dc_error_set(err, r, "cannot write %s: %s", path, strerror(-r));
    }
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        (void)fsync(dfd);
    return 0;
}
