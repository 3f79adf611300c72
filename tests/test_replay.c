/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Golden documents from recorded QEMU 7.2 sessions replayed against captured
 * host roots. Each golden file was reviewed against libvirt 9.0's output
 * (tests/data/golden/README.md lists every difference and why).
 */
#include "test_helpers.h"

#include <json-c/json.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "qmp.h"
#include "replay.h"
#include "snapshot.h"

#define REPLIES DC_TEST_DATA_DIR "/replies/"
#define ROOTS DC_TEST_DATA_DIR "/roots/"

typedef struct golden_case {
    const char *golden;
    const char *replies;
    const char *emulator;
    const char *root;
    const char *arch, *machine, *virttype;
    bool json;
} golden_case;

#define X86_64 "/usr/bin/qemu-system-x86_64"

/*
 * Each document with a libvirt 9.0 counterpart in tests/data/reference/ is
 * also diffed against it by the reference suite (tests/test_reference.c).
 */
static const golden_case cases[] = {
    {"x86_64-pc-tcg.xml", "qemu-7.2-x86_64", X86_64, "debian12-tcg", NULL, NULL, NULL, false},
    {"x86_64-q35-tcg.xml", "qemu-7.2-x86_64", X86_64, "debian12-tcg", NULL, "q35", NULL, false},
    {"x86_64-q35-tcg.json", "qemu-7.2-x86_64", X86_64, "debian12-tcg", NULL, "q35", NULL, true},
    {"x86_64-pc-kvm.xml", "qemu-7.2-x86_64", X86_64, "debian12-kvm", NULL, "pc", "kvm", false},
    {"x86_64-q35-kvm.xml", "qemu-7.2-x86_64", X86_64, "debian12-kvm", NULL, "pc-q35-7.2", "kvm",
     false},
    {"x86_64-q35-kvm-intel.xml", "qemu-7.2-x86_64-intel", X86_64, "intel-nested-kvm", NULL, "q35",
     "kvm", false},
    {"i686-pc-tcg.xml", "qemu-7.2-i386-intel", "/usr/bin/qemu-system-i386", "debian12-tcg", NULL,
     NULL, NULL, false},
    {"i686-q35-tcg.xml", "qemu-7.2-x86_64", X86_64, "debian12-tcg", "i686", "q35", "qemu", false},
    {"aarch64-virt-tcg.xml", "qemu-7.2-aarch64", "/usr/bin/qemu-system-aarch64", "debian12-tcg",
     NULL, NULL, NULL, false},
    {"armv7l-virt-tcg.xml", "qemu-7.2-arm", "/usr/bin/qemu-system-arm", "debian12-tcg", NULL, NULL,
     NULL, false},
    {"ppc64-pseries-tcg.xml", "qemu-7.2-ppc64", "/usr/bin/qemu-system-ppc64", "debian12-tcg", NULL,
     NULL, NULL, false},
    {"s390x-s390-ccw-virtio-tcg.xml", "qemu-7.2-s390x", "/usr/bin/qemu-system-s390x",
     "debian12-tcg", NULL, NULL, NULL, false},
    {"riscv64-virt-tcg.xml", "qemu-7.2-riscv64", "/usr/bin/qemu-system-riscv64", "debian12-tcg",
     NULL, NULL, NULL, false},
};

static void test_golden(void **state)
{
    const golden_case *c = *state;
    _cleanup_free_ char *replies = xasprintf(REPLIES "%s.replies", c->replies);
    _cleanup_free_ char *root = xasprintf(ROOTS "%s", c->root);
    dc_test_probe p = {
        .emulator = c->emulator,
        .replay = replies,
        .sysroot = root,
        .arch = c->arch,
        .machine = c->machine,
        .virttype = c->virttype,
        .json = c->json,
    };
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int rc = dc_test_run_probe(&p, &doc, &msg);
    if (rc != 0)
        fail_msg("probe failed (%d): %s", rc, msg.message);
    _cleanup_free_ char *rel = xasprintf("golden/%s", c->golden);
    dc_test_golden(rel, doc);
    if (c->json) {
        json_object *o = json_tokener_parse(doc);
        assert_non_null(o);
        json_object_put(o);
    }
}

/* Same recording, a host without KVM: asking for kvm names the cause. */
static void test_kvm_unavailable(void **state)
{
    dc_test_probe p = {
        .replay = REPLIES "qemu-7.2-x86_64.replies",
        .sysroot = ROOTS "debian12-tcg",
        .virttype = "kvm",
    };
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_test_run_probe(&p, &doc, &msg), DC_EXIT_USAGE);
    assert_string_equal(msg.message, "virttype 'kvm' is not available: /dev/kvm does not exist");
}

static void test_unknown_machine(void **state)
{
    dc_test_probe p = {
        .replay = REPLIES "qemu-7.2-aarch64.replies",
        .sysroot = ROOTS "debian12-tcg",
        .emulator = "/usr/bin/qemu-system-aarch64",
        .machine = "pc",
    };
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_test_run_probe(&p, &doc, &msg), DC_EXIT_USAGE);
    assert_string_equal(msg.message, "the machine 'pc' is not supported by emulator "
                                     "'/usr/bin/qemu-system-aarch64'");
}

static void test_arch_mismatch(void **state)
{
    dc_test_probe p = {
        .replay = REPLIES "qemu-7.2-ppc64.replies",
        .sysroot = ROOTS "debian12-tcg",
        .emulator = "/usr/bin/qemu-system-ppc64",
        .arch = "x86_64",
    };
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_test_run_probe(&p, &doc, &msg), DC_EXIT_USAGE);
    assert_string_equal(msg.message,
                        "emulator '/usr/bin/qemu-system-ppc64' is for ppc64 and cannot "
                        "serve architecture 'x86_64'");
}

/* Runs a replay that must succeed and returns the document. */
static char *replay_doc(const char *replies, const char *emulator, const char *arch,
                        const char *machine)
{
    _cleanup_free_ char *path = xasprintf(REPLIES "%s.replies", replies);
    dc_test_probe p = {.emulator = emulator,
                       .replay = path,
                       .sysroot = ROOTS "debian12-tcg",
                       .arch = arch,
                       .machine = machine};
    char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_test_run_probe(&p, &doc, &msg) != 0)
        fail_msg("replay of %s failed: %s", replies, msg.message);
    return doc;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/*
 * The --snapshot document: the plain document with the extension element last
 * inside the root, and read back by the offline checker as the same
 * capabilities and the same QEMU facts (its extension formats identically).
 */
static void test_snapshot_document(void **state)
{
    (void)state;
    dc_probe_opts po = {.binary = X86_64,
                        .replay = REPLIES "qemu-7.2-x86_64.replies",
                        .timeout_ms = 60000,
                        .want_tcg_session = true};
    dc_qemu_caps *qc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_qemu_probe(&po, &qc, &msg), 0);
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(ROOTS "debian12-kvm", &root), 0);
    dc_host host = {0};
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_CAPS, NULL);
    dc_request req = {.machine = "q35", .virttype = "kvm"};
    dc_domcaps *caps = NULL;
    assert_int_equal(dc_domcaps_derive(qc, &host, &req, &caps, &msg), 0);
    _cleanup_free_ char *plain = dc_domcaps_format_xml(caps);
    _cleanup_free_ char *ext = dc_snapshot_format_extension(qc, true);
    _cleanup_free_ char *snap = dc_domcaps_format_xml_snapshot(caps, qc);
    static const char end[] = "</domainCapabilities>\n";
    size_t body = strlen(plain) - strlen(end);
    assert_int_equal(strlen(snap), strlen(plain) + strlen(ext));
    assert_memory_equal(snap, plain, body);
    assert_memory_equal(snap + body, ext, strlen(ext));
    assert_string_equal(snap + body + strlen(ext), end);
    assert_non_null(strstr(ext, "<qemu xmlns='" DC_SNAPSHOT_NS "'"));

    char path[] = "/tmp/domcaps-snapshot-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, snap, strlen(snap)), (ssize_t)strlen(snap));
    close(fd);
    dc_snapshot s = {0};
    assert_int_equal(dc_snapshot_load(path, &s, &msg), 0);
    unlink(path);
    assert_non_null(s.qemu);
    _cleanup_free_ char *plain2 = dc_domcaps_format_xml(s.caps);
    _cleanup_free_ char *ext2 = dc_snapshot_format_extension(s.qemu, true);
    assert_string_equal(plain2, plain);
    assert_string_equal(ext2, ext);
    dc_snapshot_clear(&s);
    dc_domcaps_free(caps);
    dc_host_clear(&host);
    dc_root_free(root);
    dc_qemu_caps_free(qc);
}

/*
 * ppc64 and ppc64le, pseries or not: libvirt's POWER names for the
 * generations QEMU has, never QEMU's lowercase names or variants.
 */
static void test_ppc64_models(void **state)
{
    static const struct {
        const char *arch, *machine;
    } reqs[] = {
        {"ppc64", "pseries"}, {"ppc64le", "pseries"}, {"ppc64", "powernv9"}, {"ppc64", "mac99"}};
    for (size_t i = 0; i < ELEMENTSOF(reqs); i++) {
        _cleanup_free_ char *doc = replay_doc("qemu-7.2-ppc64", "/usr/bin/qemu-system-ppc64",
                                              reqs[i].arch, reqs[i].machine);
        static const char *const want[] = {"POWER7", "POWER8", "POWER9", "POWER10"};
        for (size_t j = 0; j < ELEMENTSOF(want); j++) {
            _cleanup_free_ char *m =
                xasprintf("<model usable='unknown' vendor='IBM'>%s</model>", want[j]);
            if (!strstr(doc, m))
                fail_msg("%s %s lacks %s", reqs[i].arch, reqs[i].machine, m);
        }
        assert_int_equal(count(doc, "<model usable="), ELEMENTSOF(want));
        assert_null(strstr(doc, "'>power")); /* no model in QEMU's spelling */
    }
}

/*
 * libvirt refuses custom models where it has no CPU driver (32-bit ppc:
 * "'ppc' architecture is not supported by CPU driver"), so none is offered
 * even though QEMU lists some.
 */
static void test_custom_needs_cpu_driver(void **state)
{
    dc_qemu_caps *qc = xcalloc(1, sizeof(*qc));
    qc->binary = xstrdup("/usr/bin/qemu-system-ppc");
    qc->target = xstrdup("ppc");
    qc->arch = xstrdup("ppc");
    qc->tcg.probed = qc->tcg.have_cpu_defs = true;
    qc->tcg.machines = xcalloc(1, sizeof(dc_qemu_machine));
    qc->tcg.machines[0] =
        (dc_qemu_machine){.name = xstrdup("g3beige"), .is_default = true, .cpu_max = 1, .acpi = -1};
    qc->tcg.nmachines = 1;
    qc->tcg.cpus = xcalloc(1, sizeof(dc_qemu_cpudef));
    qc->tcg.cpus[0] = (dc_qemu_cpudef){.name = xstrdup("g4"), .usable = -1};
    qc->tcg.ncpus = 1;
    dc_host host = {0};
    dc_request req = {0};
    dc_domcaps *caps = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_domcaps_derive(qc, &host, &req, &caps, &msg), 0);
    assert_int_equal(caps->cpu.custom, DC_NO);
    assert_int_equal(caps->cpu.nmodels, 0);
    dc_domcaps_free(caps);
    dc_qemu_caps_free(qc);
}

/*
 * libvirt's own recording of QEMU 9.2 with KVM: commands domcaps does not
 * send, and some it sends that are missing. Kept out of the tree; used when
 * the shared reference material is next to the checkout.
 */
static void test_foreign_recording(void **state)
{
    const char *virttype = *state;
    const char *path =
        DC_SOURCE_DIR "/../shared/reference/libvirt-recordings/caps_9.2.0_x86_64.replies";
    if (access(path, R_OK) < 0) {
        print_message("SKIP: %s is not present next to the checkout\n", path);
        skip();
    }
    dc_test_probe p = {.replay = path, .sysroot = ROOTS "debian12-kvm", .virttype = virttype};
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int rc = dc_test_run_probe(&p, &doc, &msg);
    if (rc != 0)
        fail_msg("replay failed: %s", msg.message);
    _cleanup_free_ char *want_domain = xasprintf("<domain>%s</domain>", virttype);
    assert_non_null(strstr(doc, want_domain));
    assert_non_null(strstr(doc, "<machine>pc-i440fx-9.2</machine>"));
    assert_non_null(strstr(doc, "<mode name='maximum' supported='yes'>"));
    assert_non_null(strstr(doc, "<mode name='custom' supported='yes'>"));
    assert_non_null(strstr(doc, "<value>efi</value>"));
    if (streq(virttype, "kvm"))
        assert_non_null(strstr(doc, "<mode name='host-passthrough' supported='yes'>"));
    else
        assert_non_null(strstr(doc, "<mode name='host-passthrough' supported='no'/>"));
    /*
     * libvirt's expected document for this recording: host-model supported
     * (the recording has the host/max expansions but no per-model ones) and
     * ps2 supported (generic-pc-machine has i8042; the class is abstract).
     */
    assert_non_null(strstr(doc, "<mode name='host-model' supported='yes'>"));
    assert_non_null(strstr(doc, "<ps2 supported='yes'/>"));
    _cleanup_free_ char *rel = xasprintf("golden/foreign-qemu-9.2-%s.xml", virttype);
    dc_test_golden(rel, doc);
}

/* A reply to put in place of the one a recording has for a command (every session). */
typedef struct reply_patch {
    const char *execute;
    const char *reply; /* JSON: {"return": ...} or {"error": ...} */
} reply_patch;

/*
 * Writes a copy of a recording to a temporary file with some replies
 * replaced, for a host that answers differently than the recorded one
 * (KVM on an aarch64 host, SEV on an AMD host). Returns the file's path.
 */
static char *patched_recording(const char *base, const reply_patch *patches, size_t npatches)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    _cleanup_free_ char *path = xasprintf(REPLIES "%s.replies", base);
    assert_int_equal(dc_read_input_file("recording", path, 64u << 20, &text, &len, &msg), 0);
    dc_buf out = {0};
    json_tokener *tok = json_tokener_new();
    const reply_patch *pending = NULL;
    for (size_t off = 0; off < len;) {
        if (strchr(" \t\r\n", text[off])) {
            off++;
            continue;
        }
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, text + off, (int)(len - off));
        assert_non_null(o);
        off += json_tokener_get_parse_end(tok);
        json_object *ex = NULL;
        if (json_object_object_get_ex(o, "execute", &ex)) {
            pending = NULL;
            for (size_t i = 0; i < npatches; i++)
                if (streq(json_object_get_string(ex), patches[i].execute))
                    pending = &patches[i];
        } else if (pending) {
            json_object *id = NULL;
            json_object *rep = json_tokener_parse(pending->reply);
            assert_non_null(rep);
            if (json_object_object_get_ex(o, "id", &id))
                json_object_object_add(rep, "id", json_object_get(id));
            json_object_put(o);
            o = rep;
            pending = NULL;
        }
        dc_buf_addf(&out, "%s\n\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
        json_object_put(o);
    }
    json_tokener_free(tok);
    char *tmp = xstrdup("/tmp/domcaps-replies-XXXXXX");
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, out.s, out.len), (ssize_t)out.len);
    close(fd);
    dc_buf_clear(&out);
    return tmp;
}

/*
 * An aarch64 KVM host, replayed on any machine: Debian's QEMU 7.2 aarch64
 * session with the answers an aarch64 KVM host gives (query-kvm enabled, a
 * GICv3 in the kernel, as libvirt's aarch64 KVM recordings show). The root
 * is an x86_64 capture: it decides the firmware files, not the arch KVM
 * runs on, which the recording settles.
 */
static void test_aarch64_kvm(void **state)
{
    static const reply_patch patches[] = {
        {"query-kvm", "{\"return\": {\"enabled\": true, \"present\": true}}"},
        {"query-gic-capabilities",
         "{\"return\": [{\"emulated\": true, \"kernel\": true, \"version\": 3},"
         " {\"emulated\": true, \"kernel\": false, \"version\": 2}]}"},
    };
    _cleanup_free_ char *rec = patched_recording("qemu-7.2-aarch64", patches, ELEMENTSOF(patches));
    dc_test_probe p = {
        .emulator = "/usr/bin/qemu-system-aarch64", .replay = rec, .sysroot = ROOTS "debian12-kvm"};
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int rc = dc_test_run_probe(&p, &doc, &msg);
    unlink(rec);
    if (rc != 0)
        fail_msg("probe failed (%d): %s", rc, msg.message);
    assert_non_null(strstr(doc, "<domain>kvm</domain>"));
    assert_non_null(strstr(doc, "<arch>aarch64</arch>"));
    assert_non_null(strstr(doc, "<mode name='host-passthrough' supported='yes'>"));
    assert_non_null(strstr(doc, "<gic supported='yes'>"));
    dc_test_golden("golden/aarch64-virt-kvm.xml", doc);

    /* A TCG-only aarch64 recording on that x86_64 root: the root's arch names the cause. */
    dc_test_probe t = {.emulator = "/usr/bin/qemu-system-aarch64",
                       .replay = REPLIES "qemu-7.2-aarch64.replies",
                       .sysroot = ROOTS "debian12-kvm",
                       .virttype = "kvm"};
    _cleanup_free_ char *tdoc = NULL;
    _cleanup_error_ dc_error tmsg = DC_ERROR_INIT;
    assert_int_equal(dc_test_run_probe(&t, &tdoc, &tmsg), DC_EXIT_USAGE);
    assert_string_equal(tmsg.message,
                        "virttype 'kvm' is not available: guest architecture 'aarch64' "
                        "is not native to this x86_64 host");
}

/*
 * A recording made on a host with SEV: QEMU 7.2's x86_64 session with the
 * query-sev-capabilities answer of an AMD SEV host (the example in QEMU's
 * qapi/misc-target.json: cbitpos 47, reduced-phys-bits 1). Launch security
 * is as recorded; the root (no kvm_amd parameters) is not asked again.
 */
static void test_sev_recorded(void **state)
{
    static const reply_patch patches[] = {
        {"query-sev-capabilities",
         "{\"return\": {\"pdh\": \"8CCDD8DDD\", \"cert-chain\": \"888CCCDDDEE\","
         " \"cpu0-id\": \"2lvmGwo+...61iEinw==\", \"cbitpos\": 47, \"reduced-phys-bits\": 1}}"},
    };
    _cleanup_free_ char *rec = patched_recording("qemu-7.2-x86_64", patches, ELEMENTSOF(patches));
    dc_test_probe p = {.emulator = X86_64,
                       .replay = rec,
                       .sysroot = ROOTS "debian12-kvm",
                       .machine = "q35",
                       .virttype = "kvm"};
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int rc = dc_test_run_probe(&p, &doc, &msg);
    unlink(rec);
    if (rc != 0)
        fail_msg("probe failed (%d): %s", rc, msg.message);
    assert_non_null(strstr(doc, "<sev supported='yes'>\n      <cbitpos>47</cbitpos>\n"
                                "      <reducedPhysBits>1</reducedPhysBits>"));
    assert_non_null(strstr(doc, "<cpu0Id>2lvmGwo+...61iEinw==</cpu0Id>"));
    assert_non_null(strstr(doc, "<launchSecurity supported='yes'>"));
    assert_non_null(strstr(doc, "<value>sev</value>"));
    dc_test_golden("golden/x86_64-q35-kvm-sev.xml", doc);
}

static bool in_path(const char *prog)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *p = xasprintf("%s/%s", d, prog);
        if (access(p, X_OK) == 0)
            return true;
    }
    return false;
}

/*
 * Host report lines that change while the test runs (free memory, a ballooned
 * node's size): every run of digits on them becomes one '#', so numbers of
 * different lengths compare equal too.
 */
static void mask_volatile(char *report)
{
    char *w = report;
    for (const char *line = report; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        bool vol = memmem(line, n, "<memory unit=", 13) || memmem(line, n, "<pages unit=", 12) ||
                   memmem(line, n, "\"free\"", 6);
        for (size_t i = 0; i < n; i++) {
            bool digit = line[i] >= '0' && line[i] <= '9';
            if (vol && digit) {
                if (w == report || w[-1] != '#')
                    *w++ = '#';
            } else {
                *w++ = line[i];
            }
        }
        line += n;
    }
    *w = '\0';
}

static char *host_report(const char *sysroot)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(sysroot, &root), 0);
    dc_host host = {0};
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_INVENTORY, NULL);
    char *doc = dc_hostinfo_format_xml(&host.info);
    dc_host_clear(&host);
    dc_root_free(root);
    mask_volatile(doc);
    return doc;
}

/* Fails naming the first line where the replayed document differs from the live one. */
static void same_lines(const char *what, const char *rep, const char *live)
{
    unsigned line = 1;
    const char *a = rep, *b = live;
    while (*a && *a == *b) {
        if (*a == '\n')
            line++;
        a++, b++;
    }
    if (!*a && !*b)
        return;
    while (a > rep && a[-1] != '\n')
        a--, b--;
    fail_msg("%s line %u differs: replay '%.*s', live '%.*s'", what, line, (int)strcspn(a, "\n"), a,
             (int)strcspn(b, "\n"), b);
}

/*
 * This host, captured (the tests/capture scripts) and recorded, stands in for
 * itself: the replay prints the live document byte for byte, and the
 * captured root the live host report (free memory masked: it moves).
 */
static void test_live_standin(void **state)
{
    if (access(X86_64, X_OK) < 0 || !in_path("bash") || !in_path("python3")) {
        print_message("SKIP: needs %s, bash and python3\n", X86_64);
        skip();
    }
    char dir[] = "/tmp/domcaps-standin-XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *rec = xasprintf("%s/live.replies", dir);
    _cleanup_free_ char *root = xasprintf("%s/root", dir);
    _cleanup_free_ char *cmd = xasprintf("bash '%1$s/tests/capture/capture-root.sh' '%2$s' && "
                                         "bash '%1$s/tests/capture/capture-numa.sh' '%2$s' && "
                                         "bash '%1$s/tests/capture/capture-pci.sh' '%2$s'",
                                         DC_SOURCE_DIR, root);
    _cleanup_free_ char *quiet = xasprintf("(%s) >/dev/null", cmd);
    int capture = system(quiet);

    dc_test_probe live = {.emulator = X86_64, .record = rec, .sysroot = "/"};
    _cleanup_free_ char *live_doc = NULL;
    _cleanup_error_ dc_error live_msg = DC_ERROR_INIT;
    int rc = dc_test_run_probe(&live, &live_doc, &live_msg);
    dc_test_probe rep = {.emulator = X86_64, .replay = rec, .sysroot = root};
    _cleanup_free_ char *rep_doc = NULL;
    _cleanup_error_ dc_error rep_msg = DC_ERROR_INIT;
    int rrc = rc == 0 ? dc_test_run_probe(&rep, &rep_doc, &rep_msg) : -1;
    _cleanup_free_ char *live_host = host_report("/");
    _cleanup_free_ char *rep_host = host_report(root);
    _cleanup_free_ char *rm = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(rm), 0);

    if (capture != 0)
        fail_msg("capturing this host failed: %s", cmd);
    if (rc != 0)
        fail_msg("the live probe failed (%d): %s", rc, live_msg.message);
    if (rrc != 0)
        fail_msg("the replay failed (%d): %s", rrc, rep_msg.message);
    same_lines("domainCapabilities", rep_doc, live_doc);
    same_lines("host report", rep_host, live_host);
}

/* In --key-cases mode: the personality must really be in effect, or the run proves nothing. */
static void test_personality(void **state)
{
    struct utsname u;
    assert_int_equal(uname(&u), 0);
    if (!streq(u.machine, "i686"))
        fail_msg("uname() says '%s', not i686: setarch did not take effect", u.machine);
}

/*
 * The replay suite's key cases under `setarch i686`: uname() then says i686
 * although the kernel and every recording and root here are x86_64, and no
 * answer may change. Exit 77 (skipped) when setarch is missing or refused.
 */

/*
 * Commands sent ahead are answered in order; one sent ahead but not asked
 * for is read and dropped, and neither it nor its reply is recorded.
 */
static void test_send_ahead(void **state)
{
    (void)state;
    static const char rec[] = "{\"execute\": \"qmp_capabilities\"}\n{\"return\": {}}\n"
                              "{\"execute\": \"query-a\"}\n{\"return\": {\"n\": 1}}\n"
                              "{\"execute\": \"query-b\"}\n{\"return\": {\"n\": 2}}\n"
                              "{\"execute\": \"query-c\", \"arguments\": {\"x\": 3}}\n"
                              "{\"return\": {\"n\": 3}}\n";
    dc_replay *r = NULL;
    dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_replay_load_buffer("ahead", rec, strlen(rec), &r, &msg), 0);
    int fd;
    assert_int_equal(dc_replay_connect(r, &fd, &msg), 0);
    dc_buf record = {0};
    dc_qmp_opts o = {.command_timeout_ms = 5000, .record = &record};
    dc_qmp *q = dc_qmp_new_fd(fd, &o);
    assert_int_equal(dc_qmp_handshake(q, &msg), 0);

    json_object *x3 = json_object_new_object();
    json_object_object_add(x3, "x", json_object_new_int(3));
    assert_int_equal(dc_qmp_send_ahead(q, "query-a", NULL, &msg), 0);
    assert_int_equal(dc_qmp_send_ahead(q, "query-b", NULL, &msg), 0);
    assert_int_equal(dc_qmp_send_ahead(q, "query-c", x3, &msg), 0);
    json_object *ret = NULL;
    dc_qmp_error err = {0};
    /* query-a is never asked for: its reply is dropped. */
    assert_int_equal(dc_qmp_command(q, "query-b", NULL, &ret, &err, &msg), 0);
    assert_int_equal(dc_json_get_int(ret, "n", 0), 2);
    json_object_put(ret);
    /* Arguments must match too: a query-c without them is sent anew and refused. */
    ret = NULL;
    assert_int_equal(dc_qmp_command(q, "query-c", NULL, &ret, &err, &msg), 1);
    assert_string_equal(err.klass, "CommandNotFound");
    dc_qmp_error_clear(&err);
    /* The query-c sent ahead with its arguments was dropped by then; asking again sends it. */
    assert_int_equal(dc_qmp_command(q, "query-c", x3, &ret, &err, &msg), 0);
    assert_int_equal(dc_json_get_int(ret, "n", 0), 3);
    json_object_put(ret);
    json_object_put(x3);

    assert_non_null(strstr(record.s, "query-b"));
    assert_non_null(strstr(record.s, "query-c"));
    assert_null(strstr(record.s, "query-a"));
    dc_qmp_free(q);
    dc_replay_free(r);
    dc_buf_clear(&record);
    dc_error_clear(&msg);
}

static int run_under_setarch(void)
{
    if (!in_path("setarch")) {
        printf("SKIP: setarch is not installed\n");
        return 77;
    }
    if (system("setarch i686 true >/dev/null 2>&1") != 0) {
        printf("SKIP: setarch i686 is not permitted here\n");
        return 77;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        execlp("setarch", "setarch", "i686", self, "--key-cases", (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && streq(argv[1], "--under-setarch"))
        return run_under_setarch();
    bool key = argc > 1 && streq(argv[1], "--key-cases");

    struct CMUnitTest tests[ELEMENTSOF(cases) + 16];
    size_t n = 0;
    if (key)
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_personality);
    for (size_t i = 0; i < ELEMENTSOF(cases); i++)
        if (!key || streq_ptr(cases[i].virttype, "kvm"))
            tests[n++] =
                (struct CMUnitTest){cases[i].golden, test_golden, NULL, NULL, (void *)&cases[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_kvm_unavailable);
    if (!key) {
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_unknown_machine);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_arch_mismatch);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ppc64_models);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_custom_needs_cpu_driver);
    }
    tests[n++] = (struct CMUnitTest){"foreign-kvm", test_foreign_recording, NULL, NULL, "kvm"};
    if (!key)
        tests[n++] =
            (struct CMUnitTest){"foreign-qemu", test_foreign_recording, NULL, NULL, "qemu"};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_aarch64_kvm);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sev_recorded);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_live_standin);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_send_ahead);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_snapshot_document);
    return _cmocka_run_group_tests(key ? "replay-i686" : "replay", tests, n, NULL, NULL);
}
