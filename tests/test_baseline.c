/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pool baselines (src/fleet/baseline.c) over recorded hosts built from the
 * committed fixtures:
 *
 *   amd     roots/debian12-kvm + replies/qemu-7.2-x86_64 (nested KVM, AMD EPYC)
 *   intel   roots/intel-nested-kvm + replies/qemu-7.2-x86_64-intel (nested KVM, Intel)
 *   tcg     roots/debian12-tcg + replies/qemu-7.2-x86_64 (no /dev/kvm)
 *   arm     a root made here whose kernel says aarch64 + replies/qemu-7.2-aarch64
 *   qemu92  roots/debian12-kvm + libvirt's QEMU 9.2 recording from the shared
 *           reference material (not in the tree; its cases skip without it)
 *
 * The defining property: a domain without error findings against the
 * baseline, judged offline from its formatted documents (dc_snapshot_load of
 * the caps XML, dc_hostinfo_load of the common host report, as
 * `domcaps check --caps B.xml --host B-host.xml`), has none against any host
 * of the pool judged as on that host (dc_fleet_check_env_init). It is
 * checked for every domain of tests/data/domains and tests/data/libvirt-agreement/domains,
 * for several pools and requests. The property covers every rule except the
 * host-resource rules listed in per_host_rules[]: they judge the inventory
 * (NUMA, hugepages, PCI and USB devices, device nodes, interfaces, files,
 * endpoints, TSC, SMBIOS, numad), which a pool has no common value of; the
 * baseline's host report leaves it unknown and placement judges it per host.
 */
#include "test_helpers.h"

#include <dirent.h>
#include <unistd.h>

#include "baseline.h"
#include "cpu_model.h"
#include "check.h"

#define ROOTS DC_TEST_DATA_DIR "/roots/"
#define REPLIES DC_TEST_DATA_DIR "/replies/"
#define FOREIGN_92 DC_SOURCE_DIR "/../shared/reference/libvirt-recordings/caps_9.2.0_x86_64.replies"

/* Judged per host (placement), outside the property: see the comment at the top. */
static const char *const per_host_rules[] = {
    "host-memory", "host-hugepages", "host-numa",        "host-cpuset",      "host-pci",
    "host-usb",    "host-tpm",       "host-render-node", "host-device-node", "host-interface",
    "host-tsc",    "host-path",      "host-endpoint",    "host-smbios",      "host-numad",
};

static bool covered(const char *rule)
{
    for (size_t i = 0; i < ELEMENTSOF(per_host_rules); i++)
        if (streq(per_host_rules[i], rule))
            return false;
    return true;
}

/* ---- the hosts ------------------------------------------------------------------ */

/* aarch64 hosts: one bare, one with the firmware of debian12-kvm (AAVMF). */
static tmproot arm_root, arm_fw_root;
/*
 * The nested-KVM roots were captured without the CPU flags (the checker then
 * takes every feature as present): copies of them with a /proc/cpuinfo that
 * has the flags of such a guest CPU, so that the CPU feature rules compare.
 */
static tmproot amd_flags_root, intel_flags_root;

#define COMMON_FLAGS                                                                               \
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "    \
    "sse sse2 syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl cpuid pni pclmulqdq "        \
    "ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor "       \
    "lahf_lm abm"
static const char amd_cpuinfo[] =
    "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: "
    "25\nmodel\t\t: 1\nflags\t\t: " COMMON_FLAGS " svm sse4a misalignsse 3dnowprefetch topoext\n"
    "address sizes\t: 48 bits physical, 48 bits virtual\n";
static const char intel_cpuinfo[] =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: "
    "6\nmodel\t\t: 106\nflags\t\t: " COMMON_FLAGS " vmx ss pcid tsc_deadline_timer 3dnowprefetch\n"
    "address sizes\t: 46 bits physical, 57 bits virtual\n";

static dc_fleet_host *open_host(const char *name)
{
    const char *root = NULL, *rec = NULL, *path = "/usr/bin/qemu-system-x86_64";
    if (streq(name, "amd"))
        root = ROOTS "debian12-kvm", rec = REPLIES "qemu-7.2-x86_64.replies";
    else if (streq(name, "intel"))
        root = ROOTS "intel-nested-kvm", rec = REPLIES "qemu-7.2-x86_64-intel.replies";
    else if (streq(name, "tcg"))
        root = ROOTS "debian12-tcg", rec = REPLIES "qemu-7.2-x86_64.replies";
    else if (streq(name, "arm"))
        root = arm_root.path, rec = REPLIES "qemu-7.2-aarch64.replies",
        path = "/usr/bin/qemu-system-aarch64";
    else if (streq(name, "amdf"))
        root = amd_flags_root.path, rec = REPLIES "qemu-7.2-x86_64.replies";
    else if (streq(name, "intelf"))
        root = intel_flags_root.path, rec = REPLIES "qemu-7.2-x86_64-intel.replies";
    else if (streq(name, "armfw"))
        root = arm_fw_root.path, rec = REPLIES "qemu-7.2-aarch64.replies",
        path = "/usr/bin/qemu-system-aarch64";
    else if (streq(name, "qemu92"))
        root = ROOTS "debian12-kvm", rec = FOREIGN_92;
    assert_non_null(root);
    dc_fleet_part part = {.path = path, .recording = rec};
    dc_fleet_host *h = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_fleet_host_open(name, root, &part, 1, &h, &msg) < 0)
        fail_msg("%s", msg.message);
    return h;
}

static bool have_foreign(void)
{
    if (access(FOREIGN_92, R_OK) == 0)
        return true;
    print_message("SKIP: %s is not present next to the checkout\n", FOREIGN_92);
    return false;
}

typedef struct pool {
    dc_fleet_host *h[4];
    size_t n;
} pool;

/* A pool from blank-separated host names. */
static pool pool_open(const char *names)
{
    pool p = {0};
    _cleanup_free_ char *copy = xstrdup(names);
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
        p.h[p.n++] = open_host(t);
    return p;
}

static void pool_close(pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        dc_fleet_host_free(p->h[i]);
    p->n = 0;
}

static dc_fleet_baseline_result *baseline_ok(pool *p, const dc_request *req)
{
    dc_fleet_baseline_result *b = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_fleet_baseline(p->h, p->n, req, &b, &msg) < 0)
        fail_msg("baseline failed: %s", msg.message);
    return b;
}

static char *baseline_error(pool *p, const dc_request *req)
{
    dc_fleet_baseline_result *b = NULL;
    dc_error msg = DC_ERROR_INIT;
    assert_true(dc_fleet_baseline(p->h, p->n, req, &b, &msg) < 0);
    assert_null(b);
    assert_non_null(msg.message);
    return msg.message;
}

static void assert_baseline_host_model(const dc_domcaps *c);

/* ---- the property ----------------------------------------------------------------- */

static void corpus(dc_strv *files)
{
    static const char *const dirs[] = {DC_TEST_DATA_DIR "/domains",
                                       DC_TEST_DATA_DIR "/libvirt-agreement/domains"};
    for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
        DIR *d = opendir(dirs[i]);
        assert_non_null(d);
        for (struct dirent *e; (e = readdir(d));)
            if (endswith(e->d_name, ".xml"))
                dc_strv_add_take(files, xasprintf("%s/%s", dirs[i], e->d_name));
        closedir(d);
    }
    dc_strv_sort(files);
    assert_true(files->n > 400);
}

/* The first covered error finding, or NULL. */
static const dc_finding *first_error(const dc_check_result *r)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].severity == DC_SEVERITY_ERROR && covered(r->findings[i].rule))
            return &r->findings[i];
    return NULL;
}

/* The offline environment of `domcaps check --caps B1.xml ... --host B-host.xml`. */
typedef struct offline {
    tmproot dir;
    dc_check_env env;
    dc_hostinfo report;
} offline;

static void offline_load(offline *o, dc_fleet_baseline_result **bs, size_t nb)
{
    tmproot_make(&o->dir);
    o->env = (dc_check_env){.snapshots = xcalloc(nb, sizeof(dc_snapshot))};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    for (size_t i = 0; i < nb; i++) {
        _cleanup_free_ char *rel = xasprintf("/b%zu.xml", i);
        _cleanup_free_ char *doc = dc_fleet_baseline_format(bs[i], false);
        tmproot_write(&o->dir, rel, doc);
        _cleanup_free_ char *path = xasprintf("%s%s", o->dir.path, rel);
        if (dc_snapshot_load(path, &o->env.snapshots[o->env.nsnapshots++], &msg) < 0)
            fail_msg("the baseline does not load back: %s", msg.message);
    }
    /* Every baseline of one pool has the same host part: the first one's. */
    _cleanup_free_ char *host = dc_fleet_baseline_format_host(bs[0], false);
    tmproot_write(&o->dir, "/host.xml", host);
    _cleanup_free_ char *hpath = xasprintf("%s/host.xml", o->dir.path);
    if (dc_hostinfo_load(hpath, &o->report, &msg) < 0)
        fail_msg("the baseline's host report does not load back: %s", msg.message);
    o->env.host_report = &o->report;
    o->env.host_arch = bs[0]->caps->arch;
}

static void offline_clear(offline *o)
{
    for (size_t i = 0; i < o->env.nsnapshots; i++)
        dc_snapshot_clear(&o->env.snapshots[i]);
    free(o->env.snapshots);
    dc_hostinfo_clear(&o->report);
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", o->dir.path);
    assert_int_equal(system(cmd), 0);
}

typedef struct figures {
    size_t judged, pass_baseline, pass_all_hosts;
    size_t declared;  /* host failures of a domain passing the baseline, declared in limits */
    dc_strv stricter; /* "rule: domain" where the baseline fails a domain every host passes */
} figures;

/*
 * A failure the baseline declared it cannot express (dc_fleet_baseline_result.limits):
 * Hyper-V on a pool where KVM lists enlightenments on some hosts only.
 */
static bool declared(const dc_finding *f, bool hyperv_limit)
{
    return hyperv_limit && f && streq(f->rule, "hyperv") &&
           strstr(f->message, "KVM on this host has no Hyper-V support");
}

/* Whether the domain at path passes on every host; a violation is added to bad. */
static bool judge_on_hosts(pool *p, const char *path, bool passed_baseline, bool hyperv_limit,
                           dc_buf *bad, size_t *ndeclared)
{
    bool all = true;
    for (size_t i = 0; i < p->n; i++) {
        dc_check_env env;
        dc_fleet_check_env_init(p->h[i], &env);
        dc_check_result r;
        dc_check_domain(&env, path, NULL, 0, &r);
        const dc_finding *f = r.input_error ? NULL : first_error(&r);
        if (r.input_error || f)
            all = false;
        if (passed_baseline && declared(f, hyperv_limit))
            ++*ndeclared;
        else if (passed_baseline && (r.input_error || f))
            dc_buf_addf(bad, "  %s on %s: %s: %s\n", strrchr(path, '/') + 1, p->h[i]->name,
                        f ? f->rule : "input", f ? f->message : r.input_error);
        dc_check_result_clear(&r);
        dc_fleet_check_env_clear(&env);
    }
    return all;
}

/* Baselines for each request the pool can serve, then every corpus domain. */
static figures property_figures(const char *names, const dc_request *reqs, size_t nreqs)
{
    pool p = pool_open(names);
    dc_fleet_baseline_result *bs[8] = {0};
    size_t nb = 0;
    for (size_t i = 0; i < nreqs; i++)
        bs[nb++] = baseline_ok(&p, &reqs[i]);
    offline o;
    offline_load(&o, bs, nb);
    _cleanup_strv_ dc_strv files = {0};
    corpus(&files);
    figures fig = {0};
    dc_buf bad = {0};
    bool hyperv_limit = false;
    for (size_t i = 0; i < nb; i++)
        for (char **l = bs[i]->limits; *l; l++) {
            assert_true(startswith(*l, "hyperv: "));
            hyperv_limit = true;
            print_message("declared: %s\n", *l);
        }
    for (size_t k = 0; k < files.n; k++) {
        dc_check_result r;
        dc_check_domain(&o.env, files.v[k], NULL, 0, &r);
        if (!r.input_error) {
            const dc_finding *f = first_error(&r);
            fig.judged++;
            fig.pass_baseline += !f;
            bool all = judge_on_hosts(&p, files.v[k], !f, hyperv_limit, &bad, &fig.declared);
            fig.pass_all_hosts += all;
            if (all && f)
                dc_strv_add_take(&fig.stricter,
                                 xasprintf("%s: %s", f->rule, strrchr(files.v[k], '/') + 1));
        }
        dc_check_result_clear(&r);
    }
    for (size_t k = 0; k < fig.stricter.n && getenv("DC_TEST_VERBOSE"); k++)
        print_message("  stricter: %s\n", fig.stricter.v[k]);
    print_message("pool {%s}: %zu domains, %zu pass the baseline, %zu pass on every host, "
                  "%zu host failures declared in limits\n",
                  names, fig.judged, fig.pass_baseline, fig.pass_all_hosts, fig.declared);
    if (bad.len)
        fail_msg("passes the baseline of {%s} but not every host:\n%s", names, bad.s);
    /* The baseline is not stricter than needed where the hosts agree on everything. */
    assert_true(fig.pass_baseline > 0);
    offline_clear(&o);
    for (size_t i = 0; i < nb; i++)
        dc_fleet_baseline_free(bs[i]);
    pool_close(&p);
    return fig;
}

static void property(const char *names, const dc_request *reqs, size_t nreqs)
{
    figures f = property_figures(names, reqs, nreqs);
    dc_strv_clear(&f.stricter);
}

static const dc_request x86_reqs[] = {
    {0},
    {.machine = "q35"},
    {.machine = "pc", .virttype = "qemu"},
    {.machine = "q35", .virttype = "qemu"},
};

static void test_property_amd_intel(void **state)
{
    (void)state;
    property("amd intel", x86_reqs, ELEMENTSOF(x86_reqs));
    property("amdf intelf", x86_reqs, ELEMENTSOF(x86_reqs));
    property("amd amdf", x86_reqs, ELEMENTSOF(x86_reqs));
}

static void test_property_amd_intel_tcg(void **state)
{
    (void)state;
    /* The TCG host has no KVM: the default virttype is qemu for the whole pool. */
    property("amd intel tcg", x86_reqs, ELEMENTSOF(x86_reqs));
}

static void test_property_single(void **state)
{
    (void)state;
    static const char *const hosts[] = {"intel", "amdf", "tcg"};
    for (size_t i = 0; i < ELEMENTSOF(hosts); i++) {
        figures f = property_figures(hosts[i], x86_reqs, ELEMENTSOF(x86_reqs));
        /*
         * One host: the baseline judges as the host does, except that offline
         * a domain needs a document for its machine and type (the four
         * requests), where the host derives one for any machine it has; and
         * a host whose CPU flags are unknown (intel: captured without them)
         * takes every feature as present, where a host report read back
         * without flags has none (the report cannot say "unknown").
         */
        bool unknown_flags = streq(hosts[i], "intel");
        for (size_t k = 0; k < f.stricter.n; k++)
            if (!startswith(f.stricter.v[k], "capabilities: ") &&
                !(unknown_flags && (startswith(f.stricter.v[k], "cpu-feature: ") ||
                                    startswith(f.stricter.v[k], "cpu-model: "))))
                fail_msg("%s: the baseline of one host is stricter: %s", hosts[i], f.stricter.v[k]);
        dc_strv_clear(&f.stricter);
    }
}

static void test_property_versions(void **state)
{
    (void)state;
    if (!have_foreign())
        skip();
    property("amd qemu92", x86_reqs, ELEMENTSOF(x86_reqs));
    property("amd intel qemu92", x86_reqs, ELEMENTSOF(x86_reqs));
}

static void test_property_arm(void **state)
{
    (void)state;
    const dc_request reqs[] = {{0}, {.machine = "virt", .virttype = "qemu"}};
    property("arm armfw", reqs, ELEMENTSOF(reqs));
}

/* ---- one host, order, what only one host has ----------------------------------------- */

/*
 * What `domcaps probe --snapshot` prints for that host, with hm (when not
 * NULL) in place of its host-model, and the extension's accel slot the same.
 */
static char *host_document(dc_fleet_host *h, const dc_request *req, bool json,
                           const dc_host_model *hm)
{
    dc_domcaps *caps = NULL;
    const dc_qemu_caps *qc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_fleet_host_derive(h, req, &caps, &qc, &msg) < 0)
        fail_msg("%s", msg.message);
    if (hm) {
        /* Kept for the assertions of the caller: the host's own must be supported alike. */
        assert_int_equal(caps->cpu.host_model.supported, hm->supported);
        assert_string_equal(caps->cpu.host_model.vendor ? caps->cpu.host_model.vendor : "",
                            hm->vendor ? hm->vendor : "");
        dc_host_model_clear(&caps->cpu.host_model);
        dc_host_model_copy(&caps->cpu.host_model, hm);
    }
    char *doc = json ? dc_domcaps_format_json(caps) : dc_domcaps_format_xml(caps);
    if (!json) {
        _cleanup_free_ char *ext = dc_snapshot_format_extension(qc, streq(caps->domain, "kvm"));
        size_t cut = strlen(doc) - strlen("</domainCapabilities>\n");
        char *full = xasprintf("%.*s%s</domainCapabilities>\n", (int)cut, doc, ext);
        free(doc);
        doc = full;
    }
    dc_domcaps_free(caps);
    return doc;
}

/*
 * The baseline of one host is that host's own document, byte for byte, the
 * XML with its extension and the JSON, but for the intended differences:
 *  - host-model: the host's own names the model closest to its CPU, which
 *    may need features disabled; the baseline names the model with the most
 *    features that the CPU has entirely (none disabled) when there is one,
 *    and requires the rest. Compared apart: same support and vendor, nothing
 *    disabled, a model the custom list has.
 *  - the host report: the baseline's leaves the inventory unknown.
 */
static void assert_baseline_host_model(const dc_domcaps *c)
{
    const dc_host_model *hm = &c->cpu.host_model;
    if (hm->supported != DC_YES)
        return;
    assert_non_null(hm->disable);
    if (hm->disable[0])
        fail_msg("host-model %s disables %s", hm->model, hm->disable[0]);
    bool listed = false;
    for (size_t i = 0; i < c->cpu.nmodels; i++)
        listed = listed || streq(c->cpu.models[i].name, hm->model);
    assert_true(listed);
}

static void test_single_host_is_identity(void **state)
{
    (void)state;
    static const char *const hosts[] = {"amd", "intel", "tcg", "arm", "armfw"};
    for (size_t i = 0; i < ELEMENTSOF(hosts); i++)
        for (size_t k = 0; k < ELEMENTSOF(x86_reqs); k++) {
            bool arm = startswith(hosts[i], "arm");
            dc_request req = arm ? (dc_request){.virttype = x86_reqs[k].virttype} : x86_reqs[k];
            pool p = pool_open(hosts[i]);
            dc_fleet_baseline_result *b = baseline_ok(&p, &req);
            assert_baseline_host_model(b->caps);
            for (int json = 0; json < 2; json++) {
                _cleanup_free_ char *want =
                    host_document(p.h[0], &req, json, &b->caps->cpu.host_model);
                _cleanup_free_ char *got = dc_fleet_baseline_format(b, json);
                if (!streq(want, got) && getenv("DC_TEST_DUMP")) {
                    dc_write_file_atomic("/tmp/want.xml", want, strlen(want));
                    dc_write_file_atomic("/tmp/got.xml", got, strlen(got));
                }
                if (!streq(want, got))
                    fail_msg("baseline of %s (machine %s) differs from its document (%s)", hosts[i],
                             req.machine ? req.machine : "default", json ? "json" : "xml");
            }
            dc_fleet_baseline_free(b);
            pool_close(&p);
        }
}

static void assert_same_baseline(const char *a, const char *b, const dc_request *req)
{
    pool pa = pool_open(a), pb = pool_open(b);
    dc_fleet_baseline_result *ba = baseline_ok(&pa, req), *bb = baseline_ok(&pb, req);
    for (int json = 0; json < 2; json++) {
        _cleanup_free_ char *da = dc_fleet_baseline_format(ba, json);
        _cleanup_free_ char *db = dc_fleet_baseline_format(bb, json);
        assert_string_equal(da, db);
        _cleanup_free_ char *ha = dc_fleet_baseline_format_host(ba, json);
        _cleanup_free_ char *hb = dc_fleet_baseline_format_host(bb, json);
        assert_string_equal(ha, hb);
    }
    dc_fleet_baseline_free(ba);
    dc_fleet_baseline_free(bb);
    pool_close(&pa);
    pool_close(&pb);
}

static void test_commutative(void **state)
{
    (void)state;
    for (size_t k = 0; k < ELEMENTSOF(x86_reqs); k++) {
        assert_same_baseline("amd intel", "intel amd", &x86_reqs[k]);
        assert_same_baseline("amd intel tcg", "tcg amd intel", &x86_reqs[k]);
        assert_same_baseline("intel tcg amd", "tcg intel amd", &x86_reqs[k]);
    }
    if (have_foreign())
        assert_same_baseline("qemu92 amd", "amd qemu92", &x86_reqs[1]);
}

/* The findings of a domain (text) against a baseline, offline. */
static void check_text(dc_fleet_baseline_result *b, const char *xml, dc_check_result *r)
{
    offline o;
    offline_load(&o, &b, 1);
    dc_check_domain(&o.env, "domain.xml", xml, strlen(xml), r);
    offline_clear(&o);
}

static const dc_finding *finding_of(const dc_check_result *r, const char *rule)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (streq(r->findings[i].rule, rule) && r->findings[i].severity == DC_SEVERITY_ERROR)
            return &r->findings[i];
    return NULL;
}

/* Passes on the one host that has it, fails against the baseline with that rule. */
static void only_one_host_has(const char *names, const char *owner, const dc_request *req,
                              const char *xml, const char *live_rule, const char *rule,
                              const char *needle)
{
    pool p = pool_open(names);
    for (size_t i = 0; i < p.n; i++) {
        dc_check_env env;
        dc_fleet_check_env_init(p.h[i], &env);
        dc_check_result r;
        dc_check_domain(&env, "domain.xml", xml, strlen(xml), &r);
        bool fails = finding_of(&r, live_rule) != NULL;
        if (fails == streq(p.h[i]->name, owner))
            fail_msg("%s: rule %s %s on %s", needle, live_rule, fails ? "fails" : "passes",
                     p.h[i]->name);
        dc_check_result_clear(&r);
        dc_fleet_check_env_clear(&env);
    }
    dc_fleet_baseline_result *b = baseline_ok(&p, req);
    dc_check_result r;
    check_text(b, xml, &r);
    const dc_finding *f = finding_of(&r, rule);
    if (!f || !strstr(f->message, needle))
        fail_msg("no %s finding naming '%s' against the baseline of {%s}", rule, needle, names);
    print_message("{%s}: %s\n", names, f->message);
    dc_check_result_clear(&r);
    dc_fleet_baseline_free(b);
    pool_close(&p);
}

#define DOMAIN_HEAD(type, machine)                                                                 \
    "<domain type='" type "'><name>d</name><memory unit='MiB'>512</memory><vcpu>2</vcpu>"          \
    "<os><type arch='x86_64' machine='" machine "'>hvm</type></os>"

static void test_only_one_host(void **state)
{
    (void)state;
    const dc_request q35 = {.machine = "q35"};
    /* Nested virtualization of the host's own vendor: svm on the AMD host, vmx on the Intel one. */
    only_one_host_has("amdf intelf", "amdf", &q35,
                      DOMAIN_HEAD("kvm", "q35") "<cpu mode='custom' match='exact'>"
                                                "<model fallback='forbid'>pentium3</model>"
                                                "<feature policy='require' name='svm'/></cpu>"
                                                "<devices/></domain>",
                      "cpu-feature", "cpu-feature", "svm");
    only_one_host_has("amdf intelf", "intelf", &q35,
                      DOMAIN_HEAD("kvm", "q35") "<cpu mode='custom' match='exact'>"
                                                "<model fallback='forbid'>pentium3</model>"
                                                "<feature policy='require' name='vmx'/></cpu>"
                                                "<devices/></domain>",
                      "cpu-feature", "cpu-feature", "vmx");
    /* KVM on two of three hosts: a kvm domain matches no baseline document. */
    only_one_host_has("amd tcg", "amd", &(dc_request){.machine = "q35", .virttype = "qemu"},
                      DOMAIN_HEAD("kvm", "q35") "<devices/></domain>", "domain-type",
                      "capabilities", "type kvm");
    if (!have_foreign())
        return;
    /* A machine type of the newer QEMU. */
    only_one_host_has("amd qemu92", "qemu92", &q35,
                      DOMAIN_HEAD("kvm", "pc-q35-9.2") "<devices/></domain>", "machine",
                      "capabilities", "pc-q35-9.2");
}

/* ---- requests a pool cannot serve ------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    dc_request req = {0};
    _cleanup_error_ dc_error empty = DC_ERROR_INIT;
    assert_true(dc_fleet_baseline(NULL, 0, &req, &(dc_fleet_baseline_result *){NULL}, &empty) < 0);
    assert_non_null(strstr(empty.message, "empty"));

    pool mixed = pool_open("amd arm");
    _cleanup_free_ char *m = baseline_error(&mixed, &req);
    assert_non_null(strstr(m, "amd (x86_64)"));
    assert_non_null(strstr(m, "arm (aarch64)"));
    free(m);
    dc_request a64 = {.arch = "aarch64"};
    m = baseline_error(&mixed, &a64);
    assert_non_null(strstr(m, "architectures"));
    pool_close(&mixed);

    pool kvm = pool_open("amd tcg");
    dc_request want_kvm = {.virttype = "kvm"};
    _cleanup_free_ char *k = baseline_error(&kvm, &want_kvm);
    assert_non_null(strstr(k, "tcg: "));
    assert_non_null(strstr(k, "kvm"));
    dc_request no_machine = {.machine = "pc-q35-9.2"};
    _cleanup_free_ char *nm = baseline_error(&kvm, &no_machine);
    assert_non_null(strstr(nm, "pc-q35-9.2"));
    pool_close(&kvm);

    pool twice = {.h = {open_host("amd"), open_host("amd")}, .n = 2};
    _cleanup_free_ char *t = baseline_error(&twice, &req);
    assert_non_null(strstr(t, "'amd'"));
    pool_close(&twice);
}

/* A default virttype is kvm only when every host has KVM. */
static void test_virttype_default(void **state)
{
    (void)state;
    pool p = pool_open("amd intel");
    dc_fleet_baseline_result *b = baseline_ok(&p, &(dc_request){0});
    assert_string_equal(b->caps->domain, "kvm");
    assert_string_equal(b->caps->machine, "pc-i440fx-7.2");
    assert_int_equal(b->caps->cpu.host_passthrough, DC_YES);
    /* Two vendors: host-model names no vendor. */
    assert_int_equal(b->caps->cpu.host_model.supported, DC_YES);
    assert_null(b->caps->cpu.host_model.vendor);
    assert_baseline_host_model(b->caps);
    size_t nreq = 0;
    while (b->caps->cpu.host_model.require[nreq])
        nreq++;
    print_message("{amd intel} host-model: %s + %zu required features, %zu custom models\n",
                  b->caps->cpu.host_model.model, nreq, b->caps->cpu.nmodels);
    dc_fleet_baseline_free(b);
    pool_close(&p);

    p = pool_open("amd intel tcg");
    b = baseline_ok(&p, &(dc_request){0});
    assert_string_equal(b->caps->domain, "qemu");
    assert_int_equal(b->caps->cpu.host_passthrough, DC_NO);
    dc_fleet_baseline_free(b);
    pool_close(&p);
}

/* Different QEMU versions: the machine is named by its alias; the oldest version is kept. */
static void test_versions(void **state)
{
    (void)state;
    if (!have_foreign())
        skip();
    pool p = pool_open("amd qemu92");
    dc_fleet_baseline_result *b = baseline_ok(&p, &(dc_request){.machine = "q35"});
    assert_string_equal(b->caps->machine, "q35");
    assert_string_equal(b->machines[0], "pc-q35-7.2");
    assert_string_equal(b->machines[1], "pc-q35-9.2");
    assert_int_equal(b->qemu->version_major, 7);
    dc_fleet_baseline_free(b);
    b = baseline_ok(&p, &(dc_request){0});
    assert_string_equal(b->caps->machine, "pc");
    dc_fleet_baseline_free(b);
    b = baseline_ok(&p, &(dc_request){.machine = "pc-q35-7.2"});
    assert_string_equal(b->caps->machine, "pc-q35-7.2");
    dc_fleet_baseline_free(b);
    pool_close(&p);
}

static void copy_root(tmproot *t, const char *name, const char *cpuinfo)
{
    tmproot_make(t);
    _cleanup_free_ char *cmd = xasprintf("cp -r '%s%s/.' '%s'", ROOTS, name, t->path);
    assert_int_equal(system(cmd), 0);
    tmproot_write(t, "/proc/cpuinfo", cpuinfo);
}

static int setup(void **state)
{
    (void)state;
    tmproot_make(&arm_root);
    tmproot_write(&arm_root, "/proc/sys/kernel/arch", "aarch64\n");
    tmproot_make(&arm_fw_root);
    _cleanup_free_ char *cmd =
        xasprintf("cp -r '%s' '%s/usr'", ROOTS "debian12-kvm/usr", arm_fw_root.path);
    assert_int_equal(system(cmd), 0);
    tmproot_write(&arm_fw_root, "/proc/sys/kernel/arch", "aarch64\n");
    copy_root(&amd_flags_root, "debian12-kvm", amd_cpuinfo);
    copy_root(&intel_flags_root, "intel-nested-kvm", intel_cpuinfo);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    _cleanup_free_ char *cmd =
        xasprintf("rm -rf '%s' '%s' '%s' '%s'", arm_root.path, arm_fw_root.path,
                  amd_flags_root.path, intel_flags_root.path);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_virttype_default),
        cmocka_unit_test(test_single_host_is_identity),
        cmocka_unit_test(test_commutative),
        cmocka_unit_test(test_only_one_host),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_property_single),
        cmocka_unit_test(test_property_amd_intel),
        cmocka_unit_test(test_property_amd_intel_tcg),
        cmocka_unit_test(test_property_versions),
        cmocka_unit_test(test_property_arm),
    };
    return cmocka_run_group_tests_name("baseline", tests, setup, teardown);
}
