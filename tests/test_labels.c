/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KubeVirt's node labels for recorded hosts. The expected labels are
 * KubeVirt's rules (pkg/virt-handler/node-labeller) applied by hand, or by
 * the small readers below, to libvirt's own documents for the same hosts
 * (tests/data/reference/libvirt-9.0, tests/data/labels: `virsh capabilities`
 * of the nested-KVM AMD host), to the facts the fixture roots record, and to
 * libvirt's CPU map; never to domcaps' output. /dev/kvm's ioctls are mocked
 * (-Wl,--wrap=dc_kvm_open,dc_kvm_ioctl) for the Hyper-V question.
 */
#include "test_helpers.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <linux/kvm.h>
#include <sys/sysmacros.h>

#include "labels.h"

#define ROOTS DC_TEST_DATA_DIR "/roots/"
#define REPLIES DC_TEST_DATA_DIR "/replies/"
#define REFERENCE DC_TEST_DATA_DIR "/reference/libvirt-9.0/"
#define X86 "/usr/bin/qemu-system-x86_64"

/* ---- /dev/kvm, mocked only while a test asks for it ---- */

static bool mock_kvm;
int __real_dc_kvm_open(const dc_root *root, int *ret_fd);
int __real_dc_kvm_ioctl(int fd, unsigned long request, unsigned long arg);
int __wrap_dc_kvm_open(const dc_root *root, int *ret_fd);
int __wrap_dc_kvm_ioctl(int fd, unsigned long request, unsigned long arg);

int __wrap_dc_kvm_open(const dc_root *root, int *ret_fd)
{
    if (!mock_kvm)
        return __real_dc_kvm_open(root, ret_fd);
    *ret_fd = dup(STDIN_FILENO);
    return 0;
}

/* A KVM with KVM_CAP_HYPERV and KVM_CAP_HYPERV_VP_INDEX, listing the reset and TSC frequency MSRs.
 */
int __wrap_dc_kvm_ioctl(int fd, unsigned long request, unsigned long arg)
{
    if (!mock_kvm)
        return __real_dc_kvm_ioctl(fd, request, arg);
    static const uint32_t msrs[] = {0x10, 0x40000003, 0x40000022, 0xc0000080};
    if (request == KVM_CHECK_EXTENSION)
        return arg == KVM_CAP_HYPERV || arg == KVM_CAP_HYPERV_VP_INDEX;
    if (request == KVM_GET_MSR_INDEX_LIST) {
        struct kvm_msr_list *l = (struct kvm_msr_list *)arg;
        uint32_t have = l->nmsrs;
        l->nmsrs = ELEMENTSOF(msrs);
        if (have < ELEMENTSOF(msrs))
            return -E2BIG;
        memcpy(l->indices, msrs, sizeof(msrs));
        return 0;
    }
    return -ENOTTY;
}

/* ---- helpers ---- */

typedef struct labels {
    dc_strv keys, values, warnings;
} labels;

static void labels_clear(labels *l)
{
    dc_strv_clear(&l->keys);
    dc_strv_clear(&l->values);
    dc_strv_clear(&l->warnings);
}

static const char *value_of(const labels *l, const char *key)
{
    for (size_t i = 0; i < l->keys.n; i++)
        if (streq(l->keys.v[i], key))
            return l->values.v[i];
    return NULL;
}

static void expect_label(const labels *l, const char *key, const char *value)
{
    const char *v = value_of(l, key);
    if (!v)
        fail_msg("label %s missing", key);
    if (!streq(v, value))
        fail_msg("label %s is '%s', expected '%s'", key, v, value);
}

static void expect_no_label(const labels *l, const char *key)
{
    if (value_of(l, key))
        fail_msg("label %s is set, expected none", key);
}

/* The keys with prefix, the prefix cut off. */
static void keys_with(const labels *l, const char *prefix, dc_strv *out)
{
    for (size_t i = 0; i < l->keys.n; i++)
        if (startswith(l->keys.v[i], prefix))
            dc_strv_add(out, l->keys.v[i] + strlen(prefix));
    dc_strv_sort(out);
}

static void expect_same_set(const char *what, dc_strv *got, dc_strv *want)
{
    dc_strv_sort(got);
    dc_strv_sort(want);
    for (size_t i = 0; i < want->n; i++)
        if (!dc_strv_contains(got, want->v[i]))
            fail_msg("%s: '%s' expected but missing", what, want->v[i]);
    for (size_t i = 0; i < got->n; i++)
        if (!dc_strv_contains(want, got->v[i]))
            fail_msg("%s: '%s' not expected", what, got->v[i]);
}

static void fleet_labels(const char *name, const char *root, const char *emulator,
                         const char *recording, const dc_labels_opts *opts, labels *ret)
{
    dc_fleet_part part = {.path = emulator, .recording = recording};
    dc_fleet_host *h = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_fleet_host_open(name, root, &part, 1, &h, &msg) < 0)
        fail_msg("%s", msg.message);
    dc_labels_opts o = opts ? *opts : (dc_labels_opts){0};
    o.warnings = &ret->warnings;
    if (dc_labels_for_fleet_host(h, &o, &ret->keys, &ret->values, &msg) < 0)
        fail_msg("%s", msg.message);
    dc_fleet_host_free(h);
    for (size_t i = 1; i < ret->keys.n; i++)
        assert_true(strcmp(ret->keys.v[i - 1], ret->keys.v[i]) < 0);
    for (size_t i = 0; i < ret->keys.n; i++) {
        assert_true(dc_label_key_valid(ret->keys.v[i]));
        assert_true(dc_label_value_valid(ret->values.v[i]));
    }
}

/* KubeVirt's loadDomCapabilities over libvirt's document: the custom models not usable='no'. */
static void reference_usable_models(const char *file, dc_strv *ret)
{
    xmlDocPtr doc = xmlReadFile(file, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    for (xmlNodePtr cpu = xmlDocGetRootElement(doc)->children; cpu; cpu = cpu->next)
        for (xmlNodePtr mode = cpu->children; cpu->type == XML_ELEMENT_NODE && mode;
             mode = mode->next)
            for (xmlNodePtr m = mode->children; m; m = m->next) {
                if (m->type != XML_ELEMENT_NODE || !xmlStrEqual(m->name, BAD_CAST "model"))
                    continue;
                xmlChar *usable = xmlGetProp(m, BAD_CAST "usable");
                xmlChar *name = xmlNodeGetContent(m);
                if (usable && !xmlStrEqual(usable, BAD_CAST "no"))
                    dc_strv_add(ret, (const char *)name);
                xmlFree(usable);
                xmlFree(name);
            }
    xmlFreeDoc(doc);
}

/* KubeVirt's getSupportedMachines over `virsh capabilities`: the guest arch's machine names. */
static void reference_machines(const char *file, const char *arch, dc_strv *ret)
{
    xmlDocPtr doc = xmlReadFile(file, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    for (xmlNodePtr g = xmlDocGetRootElement(doc)->children; g; g = g->next)
        for (xmlNodePtr a = g->children; g->type == XML_ELEMENT_NODE && a; a = a->next) {
            xmlChar *name = a->type == XML_ELEMENT_NODE && xmlStrEqual(a->name, BAD_CAST "arch")
                                ? xmlGetProp(a, BAD_CAST "name")
                                : NULL;
            for (xmlNodePtr m = a->children; name && xmlStrEqual(name, BAD_CAST arch) && m;
                 m = m->next)
                if (m->type == XML_ELEMENT_NODE && xmlStrEqual(m->name, BAD_CAST "machine")) {
                    xmlChar *t = xmlNodeGetContent(m);
                    dc_strv_add_unique(ret, (const char *)t);
                    xmlFree(t);
                }
            xmlFree(name);
        }
    xmlFreeDoc(doc);
}

/* KubeVirt's DefaultObsoleteCPUModels, as pkg/virt-handler/node-labeller/util/util.go lists them.
 */
static const char *const kubevirt_obsolete[] = {
    "486",    "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270",  "core2duo",
    "Conroe", "athlon",  "phenom",   "qemu64",   "qemu32",     "kvm64",   "kvm32",
};

static bool in_list_default(const char *model)
{
    for (size_t i = 0; i < ELEMENTSOF(kubevirt_obsolete); i++)
        if (streq(kubevirt_obsolete[i], model))
            return true;
    return false;
}

static void copy_root(const char *fixture, tmproot *t)
{
    tmproot_make(t);
    _cleanup_free_ char *cmd = xasprintf("cp -a '%s%s/.' '%s/'", ROOTS, fixture, t->path);
    assert_int_equal(system(cmd), 0);
}

/* ---- recorded hosts ---- */

/*
 * The nested-KVM Intel host. Its facts: libvirt's document
 * (reference intel-nested-kvm/x86_64-q35-kvm.xml) has only pentium,
 * pentium2, pentium3 and 486 usable, all in KubeVirt's obsolete list; the
 * root's /dev/kvm placeholder recorded tsc-khz 2300000 and no TSC scaling;
 * the recording's hv-* expansion turns nothing on; no SEV.
 */
static void test_intel_models_timer(void **state)
{
    (void)state;
    labels l = {0};
    fleet_labels("intel", ROOTS "intel-nested-kvm", X86, REPLIES "qemu-7.2-x86_64-intel.replies",
                 NULL, &l);
    _cleanup_strv_ dc_strv usable = {0}, got = {0}, want = {0};
    reference_usable_models(REFERENCE "intel-nested-kvm/x86_64-q35-kvm.xml", &usable);
    assert_int_equal(usable.n, 4);
    for (size_t i = 0; i < usable.n; i++)
        if (!in_list_default(usable.v[i]))
            dc_strv_add(&want, usable.v[i]);
    keys_with(&l, "cpu-model.node.kubevirt.io/", &got);
    /*
     * libvirt 10 and later (the golden document follows them) also list each
     * model's versioned name, which is in no obsolete list.
     */
    for (size_t i = 0; i < usable.n; i++)
        dc_strv_add_take(&want, xasprintf("%s-v1", usable.v[i]));
    expect_same_set("cpu-model", &got, &want);
    expect_label(&l, "cpu-model-migration.node.kubevirt.io/486-v1", "true");
    expect_label(&l, "cpu-timer.node.kubevirt.io/tsc-frequency", "2300000000");
    expect_label(&l, "cpu-timer.node.kubevirt.io/tsc-scalable", "false");
    expect_label(&l, "scheduling.node.kubevirt.io/tsc-frequency-2300000000", "true");
    dc_strv_clear(&got);
    keys_with(&l, "hyperv.node.kubevirt.io/", &got);
    assert_int_equal(got.n, 0);
    expect_no_label(&l, "kubevirt.io/sev");
    expect_no_label(&l, "kubevirt.io/realtime");
    labels_clear(&l);
}

/*
 * Intel's host-model (golden x86_64-q35-kvm-intel.xml, the document the
 * reference suite checks against libvirt): core2duo, which KubeVirt counts
 * obsolete, so the node gets obsolete-host-model and no migration label for
 * it; its required features become host-model-required-features, less
 * QEMU's KVM paravirtual bits libvirt has no names for.
 */
static const char *const intel_required[] = {
    "3dnowprefetch",
    "arat",
    "arch-capabilities",
    "cldemote",
    "clflushopt",
    "clwb",
    "gfni",
    "hle",
    "la57",
    "mds-no",
    "movdir64b",
    "movdiri",
    "pschange-mc-no",
    "rdctl-no",
    "rsba",
    "rtm",
    "skip-l1dfl-vmentry",
    "taa-no",
    "tsc_adjust",
    "tsc-deadline",
    "tsx-ldtrk",
    "umip",
};

/* libvirt's CPU map, src/cpu_map/x86_core2duo.xml (as KubeVirt's testdata/cpu_map has it). */
static const char *const libvirt_core2duo[] = {
    "apic",  "clflush", "cmov", "cx8",  "de",    "fpu",     "fxsr", "lm",  "mca", "mce",
    "mmx",   "monitor", "msr",  "mtrr", "nx",    "pae",     "pat",  "pge", "pni", "pse",
    "pse36", "sep",     "sse",  "sse2", "ssse3", "syscall", "tsc",  "vme",
};

static void test_intel_host_model(void **state)
{
    (void)state;
    labels l = {0};
    fleet_labels("intel", ROOTS "intel-nested-kvm", X86, REPLIES "qemu-7.2-x86_64-intel.replies",
                 NULL, &l);
    expect_label(&l, "host-model-cpu.node.kubevirt.io/core2duo", "true");
    expect_label(&l, "node-labeller.kubevirt.io/obsolete-host-model", "true");
    expect_no_label(&l, "cpu-model-migration.node.kubevirt.io/core2duo");
    expect_label(&l, "cpu-vendor.node.kubevirt.io/Intel", "true");
    _cleanup_strv_ dc_strv got = {0}, want = {0};
    keys_with(&l, "host-model-required-features.node.kubevirt.io/", &got);
    for (size_t i = 0; i < ELEMENTSOF(intel_required); i++)
        dc_strv_add(&want, intel_required[i]);
    expect_same_set("host-model-required-features", &got, &want);

    /*
     * cpu-feature: `virsh hypervisor-cpu-baseline --features` of that
     * host-model, i.e. core2duo's features in libvirt's map, the required
     * ones, less the disabled pni and ssse3. Where libvirt's map and QEMU's
     * core2duo differ, libvirt would write the difference out as policies on
     * this host, which has cx16, x2apic and lahf_lm (required; libvirt's
     * own document requires x2apic and lahf_lm) and, under KVM, no monitor
     * (disabled): the same set.
     */
    dc_strv_clear(&got);
    dc_strv_clear(&want);
    keys_with(&l, "cpu-feature.node.kubevirt.io/", &got);
    for (size_t i = 0; i < ELEMENTSOF(libvirt_core2duo); i++)
        if (!streq(libvirt_core2duo[i], "pni") && !streq(libvirt_core2duo[i], "ssse3") &&
            !streq(libvirt_core2duo[i], "monitor"))
            dc_strv_add(&want, libvirt_core2duo[i]);
    for (size_t i = 0; i < ELEMENTSOF(intel_required); i++)
        dc_strv_add_unique(&want, intel_required[i]);
    dc_strv_add(&want, "cx16");
    dc_strv_add(&want, "x2apic");
    dc_strv_add(&want, "lahf_lm");
    dc_strv_add(&want, "hypervisor"); /* required by QEMU's definition under KVM, as libvirt's */
    dc_strv_add(&want, "ss");
    expect_same_set("cpu-feature", &got, &want);
    labels_clear(&l);
}

/*
 * KubeVirt's obsoleteCPUModels replaced by an empty list: the usable models
 * and the host-model get their labels, and the node is not flagged.
 */
static void test_obsolete_override(void **state)
{
    (void)state;
    _cleanup_strv_ dc_strv none = {0};
    dc_labels_opts o = {.obsolete_cpus = &none};
    labels l = {0};
    fleet_labels("intel", ROOTS "intel-nested-kvm", X86, REPLIES "qemu-7.2-x86_64-intel.replies",
                 &o, &l);
    expect_label(&l, "cpu-model.node.kubevirt.io/pentium3", "true");
    expect_label(&l, "cpu-model-migration.node.kubevirt.io/486", "true");
    expect_label(&l, "cpu-model-migration.node.kubevirt.io/core2duo", "true");
    expect_no_label(&l, "node-labeller.kubevirt.io/obsolete-host-model");
    expect_no_label(&l, "cpu-model.node.kubevirt.io/core2duo"); /* usable='no' */
    labels_clear(&l);

    /* Obsolete models named by hand: exactly those are left out. */
    dc_strv mine = {0};
    dc_strv_add(&mine, "pentium3");
    o.obsolete_cpus = &mine;
    fleet_labels("intel", ROOTS "intel-nested-kvm", X86, REPLIES "qemu-7.2-x86_64-intel.replies",
                 &o, &l);
    expect_no_label(&l, "cpu-model.node.kubevirt.io/pentium3");
    expect_label(&l, "cpu-model.node.kubevirt.io/pentium2", "true");
    dc_strv_clear(&mine);
    labels_clear(&l);
}

/*
 * minCPUModel (KubeVirt before v0.55): the model's own features leave the
 * feature labels. Penryn is not usable here, but its features are known.
 */
static void test_min_cpu(void **state)
{
    (void)state;
    dc_labels_opts o = {.min_cpu = "core2duo"};
    labels l = {0};
    fleet_labels("intel", ROOTS "intel-nested-kvm", X86, REPLIES "qemu-7.2-x86_64-intel.replies",
                 &o, &l);
    expect_no_label(&l, "cpu-feature.node.kubevirt.io/fpu");
    expect_no_label(&l, "cpu-feature.node.kubevirt.io/sse2");
    expect_label(&l, "cpu-feature.node.kubevirt.io/la57", "true");
    expect_label(&l, "host-model-required-features.node.kubevirt.io/la57", "true");
    labels_clear(&l);

    dc_fleet_part part = {.path = X86, .recording = REPLIES "qemu-7.2-x86_64-intel.replies"};
    dc_fleet_host *h = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_fleet_host_open("intel", ROOTS "intel-nested-kvm", &part, 1, &h, &msg), 0);
    o.min_cpu = "NoSuchModel";
    assert_int_equal(dc_labels_for_fleet_host(h, &o, &l.keys, &l.values, &msg), -EINVAL);
    assert_non_null(strstr(msg.message, "'NoSuchModel'"));
    dc_fleet_host_free(h);
}

/*
 * The nested-KVM AMD host: the machine types are exactly the x86_64 guest's
 * <machine> list of libvirt's `virsh capabilities` on that host (aliases
 * included, QEMU's none machine not), and its host-model Opteron_G2 is not
 * obsolete. Its root recorded no TSC answer: no timer labels.
 */
static void test_amd_machines(void **state)
{
    (void)state;
    labels l = {0};
    fleet_labels("amd", ROOTS "debian12-kvm", X86, REPLIES "qemu-7.2-x86_64.replies", NULL, &l);
    _cleanup_strv_ dc_strv got = {0}, want = {0};
    keys_with(&l, "machine-type.node.kubevirt.io/", &got);
    reference_machines(DC_TEST_DATA_DIR "/labels/libvirt-9.0-amd-nested-kvm-capabilities.xml",
                       "x86_64", &want);
    assert_int_equal(want.n, 60);
    expect_same_set("machine-type", &got, &want);
    expect_label(&l, "host-model-cpu.node.kubevirt.io/Opteron_G2", "true");
    expect_label(&l, "cpu-model-migration.node.kubevirt.io/Opteron_G2", "true");
    expect_no_label(&l, "cpu-model.node.kubevirt.io/Opteron_G2"); /* usable='no' in libvirt's */
    expect_no_label(&l, "node-labeller.kubevirt.io/obsolete-host-model");
    expect_label(&l, "cpu-vendor.node.kubevirt.io/AMD", "true");
    expect_no_label(&l, "cpu-timer.node.kubevirt.io/tsc-frequency");
    labels_clear(&l);
}

/*
 * The same host with the TSC answer libvirt's `virsh capabilities` gave there
 * (<counter name='tsc' frequency='2596122000' scaling='no'/>) and an
 * invariant TSC; then with the CPU flags known and nonstop_tsc missing,
 * when libvirt reports no counter (virCPUx86GetHost) and KubeVirt no label.
 */
static void test_amd_tsc(void **state)
{
    (void)state;
    tmproot t;
    copy_root("debian12-kvm", &t);
    tmproot_write(&t, "/dev/kvm", "placeholder\ntsc-khz 2596122\ntsc-scaling no\n");
    tmproot_write(&t, "/proc/cpuinfo",
                  "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu tsc constant_tsc "
                  "nonstop_tsc svm\n\n");
    labels l = {0};
    fleet_labels("amd", t.path, X86, REPLIES "qemu-7.2-x86_64.replies", NULL, &l);
    expect_label(&l, "cpu-timer.node.kubevirt.io/tsc-frequency", "2596122000");
    expect_label(&l, "cpu-timer.node.kubevirt.io/tsc-scalable", "false");
    expect_label(&l, "scheduling.node.kubevirt.io/tsc-frequency-2596122000", "true");
    labels_clear(&l);

    tmproot_write(&t, "/dev/kvm", "placeholder\ntsc-khz 2596122\ntsc-scaling yes\n");
    fleet_labels("amd", t.path, X86, REPLIES "qemu-7.2-x86_64.replies", NULL, &l);
    expect_label(&l, "cpu-timer.node.kubevirt.io/tsc-scalable", "true");
    labels_clear(&l);

    tmproot_write(&t, "/proc/cpuinfo",
                  "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu tsc svm\n\n");
    fleet_labels("amd", t.path, X86, REPLIES "qemu-7.2-x86_64.replies", NULL, &l);
    expect_no_label(&l, "cpu-timer.node.kubevirt.io/tsc-frequency");
    expect_no_label(&l, "scheduling.node.kubevirt.io/tsc-frequency-2596122000");
    labels_clear(&l);

    /* kernel.sched_rt_runtime_us = -1: isNodeRealtimeCapable. */
    tmproot_write(&t, "/proc/sys/kernel/sched_rt_runtime_us", "-1\n");
    fleet_labels("amd", t.path, X86, REPLIES "qemu-7.2-x86_64.replies", NULL, &l);
    expect_label(&l, "kubevirt.io/realtime", "true");
    labels_clear(&l);
    tmproot_write(&t, "/proc/sys/kernel/sched_rt_runtime_us", "950000\n");
    fleet_labels("amd", t.path, X86, REPLIES "qemu-7.2-x86_64.replies", NULL, &l);
    expect_no_label(&l, "kubevirt.io/realtime");
    labels_clear(&l);
    tmproot_remove(&t);
}

/*
 * No /dev/kvm (debian12-tcg): KubeVirt's node-labeller.sh asks for virttype
 * qemu, so the models are those libvirt calls usable under TCG
 * (reference tcg/x86_64-q35.xml), less the obsolete ones; no Hyper-V and no
 * TSC counter (both need /dev/kvm).
 */
static void test_no_kvm(void **state)
{
    (void)state;
    labels l = {0};
    fleet_labels("tcg", ROOTS "debian12-tcg", X86, REPLIES "qemu-7.2-x86_64.replies", NULL, &l);
    _cleanup_strv_ dc_strv usable = {0};
    reference_usable_models(REFERENCE "tcg/x86_64-q35.xml", &usable);
    assert_int_equal(usable.n, 18);
    for (size_t i = 0; i < usable.n; i++) {
        _cleanup_free_ char *k = xasprintf("cpu-model.node.kubevirt.io/%s", usable.v[i]);
        if (in_list_default(usable.v[i]))
            expect_no_label(&l, k);
        else
            expect_label(&l, k, "true");
    }
    expect_no_label(&l, "cpu-model.node.kubevirt.io/Haswell"); /* usable='no' under TCG */
    expect_label(&l, "machine-type.node.kubevirt.io/q35", "true");
    for (size_t i = 0; i < l.keys.n; i++) {
        assert_false(startswith(l.keys.v[i], "hyperv.node.kubevirt.io/"));
        assert_false(startswith(l.keys.v[i], "cpu-timer.node.kubevirt.io/"));
    }
    bool warned = false;
    for (size_t i = 0; i < l.warnings.n; i++)
        warned |= strstr(l.warnings.v[i], "TCG") != NULL;
    assert_true(warned);
    labels_clear(&l);

    /* A root whose architecture nothing records cannot be labelled. */
    dc_fleet_part part = {.path = X86, .recording = REPLIES "qemu-7.2-x86_64.replies"};
    dc_fleet_host *h = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_fleet_host_open("nokvm", ROOTS "nokvm", &part, 1, &h, &msg), 0);
    assert_int_equal(dc_labels_for_fleet_host(h, NULL, &l.keys, &l.values, &msg), -EINVAL);
    assert_non_null(strstr(msg.message, "architecture is unknown"));
    dc_fleet_host_free(h);
}

/*
 * aarch64 (arm64.go): no CPU feature, model or host-model labels; the
 * machine types are the aarch64 guest's list in libvirt's capabilities
 * (the same QEMU 7.2 build).
 */
static void test_aarch64(void **state)
{
    (void)state;
    tmproot t;
    copy_root("debian12-tcg", &t);
    tmproot_write(&t, "/proc/sys/kernel/arch", "aarch64\n");
    labels l = {0};
    fleet_labels("arm", t.path, "/usr/bin/qemu-system-aarch64", REPLIES "qemu-7.2-aarch64.replies",
                 NULL, &l);
    _cleanup_strv_ dc_strv got = {0}, want = {0};
    keys_with(&l, "machine-type.node.kubevirt.io/", &got);
    assert_int_equal(got.n, l.keys.n);
    reference_machines(DC_TEST_DATA_DIR "/labels/libvirt-9.0-amd-nested-kvm-capabilities.xml",
                       "aarch64", &want);
    assert_int_equal(want.n, 109);
    expect_same_set("machine-type", &got, &want);
    labels_clear(&l);
    tmproot_remove(&t);
}

/* ---- the rules over hand-made documents ---- */

static dc_domcaps *small_caps(const char *arch)
{
    dc_domcaps *c = xcalloc(1, sizeof(*c));
    c->arch = xstrdup(arch);
    c->domain = xstrdup("kvm");
    c->cpu.custom = DC_YES;
    c->cpu.nmodels = 3;
    c->cpu.models = xcalloc(3, sizeof(dc_cpu_model));
    c->cpu.models[0] = (dc_cpu_model){.name = xstrdup("Skylake-Client"), .usable = DC_USABLE_YES};
    c->cpu.models[1] = (dc_cpu_model){.name = xstrdup("bad model!"), .usable = DC_USABLE_YES};
    c->cpu.models[2] = (dc_cpu_model){.name = xstrdup("EPYC"), .usable = DC_USABLE_UNKNOWN};
    return c;
}

/*
 * SEV (getDomCapabilities): kubevirt.io/sev with <sev supported='yes'>,
 * kubevirt.io/sev-es only when maxESGuests is above 0. A model name that is
 * no Kubernetes label is left out with a warning, not sent to fail the
 * whole node patch; usable='unknown' counts as usable.
 */
static void test_sev_and_names(void **state)
{
    (void)state;
    dc_domcaps *c = small_caps("x86_64");
    dc_qemu_caps qc = {.arch = "x86_64", .binary = "qemu"};
    dc_hostinfo host = {.tsc_scaling = -1};
    c->features.sev.supported = DC_YES;
    labels l = {0};
    dc_labels_opts o = {.warnings = &l.warnings};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_labels_compute(c, &qc, &host, &o, &l.keys, &l.values, &msg), 0);
    expect_label(&l, "kubevirt.io/sev", "true");
    expect_no_label(&l, "kubevirt.io/sev-es");
    expect_label(&l, "cpu-model.node.kubevirt.io/Skylake-Client", "true");
    expect_label(&l, "cpu-model.node.kubevirt.io/EPYC", "true");
    /* The bad name, twice (cpu-model and cpu-model-migration), and no host-model. */
    size_t bad = 0;
    for (size_t i = 0; i < l.warnings.n; i++)
        bad += strstr(l.warnings.v[i], "/bad model!=true' is not a valid Kubernetes label") != NULL;
    assert_int_equal(bad, 2);
    assert_int_equal(l.warnings.n, 3);
    labels_clear(&l);

    c->features.sev.max_es_guests = 15;
    o.warnings = &l.warnings;
    assert_int_equal(dc_labels_compute(c, &qc, &host, &o, &l.keys, &l.values, &msg), 0);
    expect_label(&l, "kubevirt.io/sev-es", "true");
    labels_clear(&l);

    free(c->arch);
    c->arch = xstrdup("ppc64");
    assert_int_equal(dc_labels_compute(c, &qc, &host, NULL, &l.keys, &l.values, &msg), -ENOTSUP);
    assert_string_equal(msg.message, "KubeVirt's node labeller does not label ppc64 hosts");
    dc_domcaps_free(c);
}

/* Kubernetes' label syntax (k8s.io/apimachinery validation: qualified names, label values). */
static void test_label_syntax(void **state)
{
    (void)state;
    assert_true(dc_label_key_valid("cpu-model.node.kubevirt.io/Skylake-Client-IBRS"));
    assert_true(dc_label_key_valid("machine-type.node.kubevirt.io/pc-i440fx-7.2"));
    assert_true(dc_label_key_valid("kubevirt.io/sev"));
    assert_true(dc_label_key_valid("cpu-feature.node.kubevirt.io/lahf_lm"));
    assert_false(dc_label_key_valid("cpu-vendor.node.kubevirt.io/"));
    assert_false(dc_label_key_valid("Kubevirt.io/sev"));  /* the prefix is lower case */
    assert_false(dc_label_key_valid("kubevirt..io/sev")); /* empty DNS label */
    assert_false(dc_label_key_valid("kubevirt.io./sev")); /* trailing dot */
    assert_false(dc_label_key_valid("kubevirt.io/-sev")); /* starts with a dash */
    assert_false(dc_label_key_valid("kubevirt.io/sev_")); /* ends with an underscore */
    assert_false(dc_label_key_valid("kubevirt.io/a/b"));
    char name[80];
    memset(name, 'a', sizeof(name));
    snprintf(name, sizeof(name), "x.io/%.*s", 63,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_true(dc_label_key_valid(name));
    snprintf(name, sizeof(name), "x.io/%.*s", 64,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_false(dc_label_key_valid(name));
    assert_true(dc_label_value_valid(""));
    assert_true(dc_label_value_valid("2300000000"));
    assert_false(dc_label_value_valid("a b"));
}

/* KubeVirt's default obsolete list, as its util.go has it. */
static void test_default_obsolete(void **state)
{
    (void)state;
    size_t n = 0;
    for (const char *const *m = dc_labels_default_obsolete; *m; m++, n++)
        assert_true(in_list_default(*m));
    assert_int_equal(n, ELEMENTSOF(kubevirt_obsolete));
    assert_string_equal(dc_labels_machine_for("x86_64"), "q35");
    assert_string_equal(dc_labels_machine_for("aarch64"), "virt");
    assert_string_equal(dc_labels_machine_for("s390x"), "s390-ccw-virtio");
    assert_null(dc_labels_machine_for("ppc64"));
}

/* ---- KVM's Hyper-V answer ---- */

/*
 * KubeVirt's table (kvm-caps-info-plugin_amd64.go): base and vpindex by
 * extension, reset and frequencies by MSR; nothing else. A captured root's
 * placeholder is not a device: -ENODEV and the QEMU fallback.
 */
static void test_kvm_hyperv(void **state)
{
    (void)state;
    dc_root *root = NULL;
    _cleanup_strv_ dc_strv hv = {0};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_root_open(ROOTS "intel-nested-kvm", &root), 0);
    assert_int_equal(dc_labels_kvm_hyperv(root, &hv, &msg), -ENODEV);
    dc_root_free(root);

    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/proc/sys/kernel/arch", "x86_64\n");
    _cleanup_free_ char *dev = xasprintf("%s/dev", t.path);
    _cleanup_free_ char *node = xasprintf("%s/dev/kvm", t.path);
    (void)mkdir(dev, 0755);
    if (mknod(node, S_IFCHR | 0600, makedev(1, 3)) < 0) {
        tmproot_remove(&t);
        skip(); /* making the device node needs root */
    }
    assert_int_equal(dc_root_open(t.path, &root), 0);
    mock_kvm = true;
    int r = dc_labels_kvm_hyperv(root, &hv, &msg);
    mock_kvm = false;
    dc_root_free(root);
    tmproot_remove(&t);
    assert_int_equal(r, 0);
    assert_int_equal(hv.n, 4);
    assert_string_equal(hv.v[0], "base");
    assert_string_equal(hv.v[1], "vpindex");
    assert_string_equal(hv.v[2], "frequencies");
    assert_string_equal(hv.v[3], "reset");
}

/* ---- NFD's feature file ---- */

static void test_nfd_file(void **state)
{
    (void)state;
    dc_strv k = {0}, v = {0};
    dc_strv_add(&k, "cpu-model.node.kubevirt.io/EPYC");
    dc_strv_add(&v, "true");
    dc_strv_add(&k, "cpu-timer.node.kubevirt.io/tsc-frequency");
    dc_strv_add(&v, "2596122000");
    /* 2023-07-29T11:22:33Z, NFD's own example (customization-guide.md). */
    _cleanup_free_ char *text = dc_labels_format_nfd(&k, &v, 1690629753);
    assert_non_null(strstr(text, "\n# +expiry-time=2023-07-29T11:22:33Z\n"
                                 "cpu-model.node.kubevirt.io/EPYC=true\n"
                                 "cpu-timer.node.kubevirt.io/tsc-frequency=2596122000\n"));
    assert_true(text[0] == '#');
    _cleanup_free_ char *never = dc_labels_format_nfd(&k, &v, 0);
    assert_null(strstr(never, "expiry-time"));
    _cleanup_free_ char *kv = dc_labels_format_kubevirt(&k, &v);
    assert_string_equal(kv, "cpu-model.node.kubevirt.io/EPYC=true\n"
                            "cpu-timer.node.kubevirt.io/tsc-frequency=2596122000\n");

    tmproot t;
    tmproot_make(&t);
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_labels_write_nfd(t.path, text, &msg), 0);
    _cleanup_free_ char *path = xasprintf("%s/domcaps", t.path);
    _cleanup_free_ char *dot = xasprintf("%s/.domcaps", t.path);
    _cleanup_free_ char *back = NULL;
    size_t len = 0;
    assert_int_equal(dc_read_input_file("labels", path, 1 << 20, &back, &len, &msg), 0);
    assert_string_equal(back, text);
    assert_int_equal(access(dot, F_OK), -1);
    /* Only the file itself is left in the directory. */
    _cleanup_free_ char *cmd = xasprintf("test \"$(ls -A '%s' | wc -l)\" = 1", t.path);
    assert_int_equal(system(cmd), 0);

    /* A second write replaces the file whole. */
    assert_int_equal(dc_labels_write_nfd(t.path, never, &msg), 0);
    free(back);
    back = NULL;
    assert_int_equal(dc_read_input_file("labels", path, 1 << 20, &back, &len, &msg), 0);
    assert_string_equal(back, never);

    /* More than NFD reads: refused, the old file kept. */
    char *big = xmalloc(DC_LABELS_NFD_MAX + 2);
    memset(big, 'a', DC_LABELS_NFD_MAX + 1);
    big[DC_LABELS_NFD_MAX + 1] = '\0';
    dc_error_clear(&msg);
    assert_int_equal(dc_labels_write_nfd(t.path, big, &msg), -EFBIG);
    free(big);
    free(back);
    back = NULL;
    assert_int_equal(dc_read_input_file("labels", path, 1 << 20, &back, &len, &msg), 0);
    assert_string_equal(back, never);

    /* Not a directory, and no directory at all. */
    dc_error_clear(&msg);
    assert_int_equal(dc_labels_write_nfd(path, text, &msg), -ENOTDIR);
    assert_non_null(strstr(msg.message, "cannot write"));
    dc_error_clear(&msg);
    _cleanup_free_ char *gone = xasprintf("%s/missing", t.path);
    assert_int_equal(dc_labels_write_nfd(gone, text, &msg), -ENOENT);
    tmproot_remove(&t);
    dc_strv_clear(&k);
    dc_strv_clear(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intel_models_timer),
        cmocka_unit_test(test_intel_host_model),
        cmocka_unit_test(test_obsolete_override),
        cmocka_unit_test(test_min_cpu),
        cmocka_unit_test(test_amd_machines),
        cmocka_unit_test(test_amd_tsc),
        cmocka_unit_test(test_no_kvm),
        cmocka_unit_test(test_aarch64),
        cmocka_unit_test(test_sev_and_names),
        cmocka_unit_test(test_label_syntax),
        cmocka_unit_test(test_default_obsolete),
        cmocka_unit_test(test_kvm_hyperv),
        cmocka_unit_test(test_nfd_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
