/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public API as a linked program sees it: this suite includes only
 * <domcaps/libdomcaps.h> and links only libdomcaps.so.
 *
 *  - dc_probe over the recorded QEMU sessions gives the golden documents
 *    of tests/data/golden, XML and JSON;
 *  - dc_host_probe over the captured roots gives the golden host reports;
 *  - dc_check_file and dc_check_buffer give, for every case of the check
 *    corpus (tests/data/domains/index), exactly the <case>.expected the
 *    binary prints, and findings whose severities make the index's exit code;
 *  - failures return -errno with a message and leave the out-parameter alone;
 *    setters refuse values the probe cannot take; accessors are NULL-safe.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <domcaps/libdomcaps.h>

#ifndef DC_TEST_DATA_DIR
#error "DC_TEST_DATA_DIR must be defined by the build"
#endif
#ifndef DC_PROJECT_VERSION
#error "DC_PROJECT_VERSION must be defined by the build"
#endif

#define DATA DC_TEST_DATA_DIR
#define X86_64 "/usr/bin/qemu-system-x86_64"
#define SENTINEL ((void *)0x1)

static char *read_all(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, alloc = 0;
    for (;;) {
        if (len + 4096 + 1 > alloc) {
            alloc = alloc ? alloc * 2 : 8192;
            buf = realloc(buf, alloc);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, alloc - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    if (ret_len)
        *ret_len = len;
    return buf;
}

static void assert_same_text(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return;
    size_t i = 0;
    while (got[i] && got[i] == want[i])
        i++;
    size_t from = i > 60 ? i - 60 : 0;
    fail_msg("%s differs at byte %zu:\n got: ...%.120s\nwant: ...%.120s", what, i, got + from,
             want + from);
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(dc_version(), DC_PROJECT_VERSION);
    assert_string_equal(DC_VERSION, DC_PROJECT_VERSION);
    char joined[64];
    snprintf(joined, sizeof(joined), "%d.%d.%d", DC_VERSION_MAJOR, DC_VERSION_MINOR,
             DC_VERSION_MICRO);
    assert_string_equal(joined, DC_PROJECT_VERSION);
}

typedef struct golden_case {
    const char *golden; /* under golden/ */
    const char *replies;
    const char *emulator;
    const char *root;
    const char *arch, *machine, *virttype;
} golden_case;

static const golden_case goldens[] = {
    {"x86_64-pc-tcg", "qemu-7.2-x86_64", X86_64, "debian12-tcg", NULL, NULL, NULL},
    {"x86_64-q35-tcg", "qemu-7.2-x86_64", X86_64, "debian12-tcg", NULL, "q35", NULL},
    {"x86_64-q35-kvm", "qemu-7.2-x86_64", X86_64, "debian12-kvm", NULL, "pc-q35-7.2", "kvm"},
    {"i686-q35-tcg", "qemu-7.2-x86_64", X86_64, "debian12-tcg", "i686", "q35", "qemu"},
    {"aarch64-virt-tcg", "qemu-7.2-aarch64", "/usr/bin/qemu-system-aarch64", "debian12-tcg", NULL,
     NULL, NULL},
    {"ppc64-pseries-tcg", "qemu-7.2-ppc64", "/usr/bin/qemu-system-ppc64", "debian12-tcg", NULL,
     NULL, NULL},
};

static dc_probe_options *golden_options(const golden_case *c)
{
    char replies[512], root[512];
    snprintf(replies, sizeof(replies), DATA "/replies/%s.replies", c->replies);
    snprintf(root, sizeof(root), DATA "/roots/%s", c->root);
    dc_probe_options *o = dc_probe_options_new();
    assert_non_null(o);
    assert_int_equal(dc_probe_options_set_replay(o, replies), 0);
    assert_int_equal(dc_probe_options_set_sysroot(o, root), 0);
    assert_int_equal(dc_probe_options_set_emulator(o, c->emulator), 0);
    assert_int_equal(dc_probe_options_set_arch(o, c->arch), 0);
    assert_int_equal(dc_probe_options_set_machine(o, c->machine), 0);
    assert_int_equal(dc_probe_options_set_virttype(o, c->virttype), 0);
    return o;
}

static void test_probe_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
        const golden_case *c = &goldens[i];
        dc_probe_options *o = golden_options(c);
        dc_domcaps *caps = NULL;
        dc_error err = {0};
        int r = dc_probe(o, &caps, &err);
        dc_probe_options_free(o);
        if (r < 0)
            fail_msg("%s: dc_probe failed (%d): %s", c->golden, r, err.message);
        assert_null(err.message);

        char path[512];
        snprintf(path, sizeof(path), DATA "/golden/%s.xml", c->golden);
        char *want = read_all(path, NULL);
        char *xml = dc_domcaps_format_xml(caps);
        assert_same_text(path, xml, want);
        free(want);
        free(xml);
        /* JSON is checked byte for byte in test_probe_golden_json. */
        char *json = dc_domcaps_format_json(caps);
        assert_non_null(json);
        assert_int_equal(json[0], '{');
        free(json);

        assert_string_equal(dc_domcaps_get_emulator(caps), c->emulator);
        if (c->arch)
            assert_string_equal(dc_domcaps_get_arch(caps), c->arch);
        if (c->virttype)
            assert_string_equal(dc_domcaps_get_virttype(caps), c->virttype);
        assert_true(dc_domcaps_get_max_vcpus(caps) > 0);
        size_t n = dc_domcaps_get_ncpu_models(caps);
        for (size_t k = 0; k < n; k++)
            assert_non_null(dc_domcaps_get_cpu_model(caps, k, NULL));
        bool usable = true;
        assert_null(dc_domcaps_get_cpu_model(caps, n, &usable));
        assert_true(usable); /* untouched out of range */
        dc_domcaps_free(caps);
    }
}

/* The JSON golden of the suite that has one, byte for byte. */
static void test_probe_golden_json(void **state)
{
    (void)state;
    const golden_case c = {
        "x86_64-q35-tcg", "qemu-7.2-x86_64", X86_64, "debian12-tcg", NULL, "q35", NULL};
    dc_probe_options *o = golden_options(&c);
    dc_domcaps *caps = NULL;
    assert_int_equal(dc_probe(o, &caps, NULL), 0);
    dc_probe_options_free(o);
    char *want = read_all(DATA "/golden/x86_64-q35-tcg.json", NULL);
    char *json = dc_domcaps_format_json(caps);
    assert_same_text("x86_64-q35-tcg.json", json, want);
    free(want);
    free(json);
    assert_string_equal(dc_domcaps_get_machine(caps), "pc-q35-7.2");
    assert_string_equal(dc_domcaps_get_arch(caps), "x86_64");
    assert_string_equal(dc_domcaps_get_virttype(caps), "qemu");
    dc_domcaps_free(caps);
}

static void test_probe_failures(void **state)
{
    (void)state;
    const golden_case c = {"",   "qemu-7.2-x86_64", X86_64, "debian12-tcg",
                           NULL, "no-such-machine", NULL};
    dc_probe_options *o = golden_options(&c);
    dc_domcaps *caps = SENTINEL;
    dc_error err = {0};
    assert_int_equal(dc_probe(o, &caps, &err), -EINVAL);
    assert_ptr_equal(caps, SENTINEL);
    assert_int_equal(err.code, -EINVAL);
    assert_non_null(strstr(err.message, "no-such-machine"));

    /* A second failure replaces the message; clearing resets the error. */
    assert_int_equal(dc_probe_options_set_record(o, "/tmp/never-written.replies"), 0);
    assert_int_equal(dc_probe(o, &caps, &err), -EINVAL);
    assert_non_null(strstr(err.message, "record"));
    assert_int_equal(access("/tmp/never-written.replies", F_OK), -1);
    dc_error_clear(&err);
    assert_null(err.message);
    assert_int_equal(err.code, 0);
    dc_error_clear(NULL);
    assert_int_equal(dc_probe_options_set_record(o, NULL), 0);

    /* A sysroot that does not exist. */
    assert_int_equal(dc_probe_options_set_sysroot(o, DATA "/roots/no-such-root"), 0);
    assert_true(dc_probe(o, &caps, &err) < 0);
    assert_ptr_equal(caps, SENTINEL);
    assert_non_null(strstr(err.message, "no-such-root"));
    dc_error_clear(&err);
    dc_probe_options_free(o);

    /* A live probe of an emulator that is not there. */
    o = dc_probe_options_new();
    assert_int_equal(dc_probe_options_set_emulator(o, "/nonexistent/qemu-system-x86_64"), 0);
    assert_int_equal(dc_probe(o, &caps, &err), -ENOENT);
    assert_non_null(strstr(err.message, "/nonexistent/qemu-system-x86_64"));
    dc_error_clear(&err);

    /* No emulator anywhere for the arch: PATH holds none. */
    assert_int_equal(dc_probe_options_set_emulator(o, NULL), 0);
    assert_int_equal(dc_probe_options_set_arch(o, "s390x"), 0);
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    assert_int_equal(dc_probe(o, &caps, &err), -ENOENT);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    assert_non_null(strstr(err.message, "'s390x'"));
    assert_ptr_equal(caps, SENTINEL);
    dc_error_clear(&err);

    /* NULL arguments are errors, not crashes; err may be NULL. */
    assert_int_equal(dc_probe(NULL, &caps, &err), -EINVAL);
    dc_error_clear(&err);
    assert_int_equal(dc_probe(o, NULL, NULL), -EINVAL);
    dc_probe_options_free(o);
    dc_probe_options_free(NULL);
}

static void test_probe_setters(void **state)
{
    (void)state;
    dc_probe_options *o = dc_probe_options_new();
    assert_int_equal(dc_probe_options_set_virttype(o, "xen"), -EINVAL);
    assert_int_equal(dc_probe_options_set_virttype(o, "kvm"), 0);
    assert_int_equal(dc_probe_options_set_arch(o, "vax"), -EINVAL);
    assert_int_equal(dc_probe_options_set_arch(o, "aarch64"), 0);
    assert_int_equal(dc_probe_options_set_timeout_ms(o, 0), -EINVAL);
    assert_int_equal(dc_probe_options_set_timeout_ms(o, -5), -EINVAL);
    assert_int_equal(dc_probe_options_set_timeout_ms(o, 5000), 0);
    assert_int_equal(dc_probe_options_set_cache_dir(o, "/tmp"), 0);
    assert_int_equal(dc_probe_options_set_machine(NULL, "q35"), -EINVAL);
    assert_int_equal(dc_probe_options_set_timeout_ms(NULL, 1), -EINVAL);
    dc_probe_options_free(o);

    /* Accessors of no document. */
    assert_null(dc_domcaps_get_emulator(NULL));
    assert_null(dc_domcaps_get_machine(NULL));
    assert_int_equal(dc_domcaps_get_max_vcpus(NULL), 0);
    assert_int_equal(dc_domcaps_get_ncpu_models(NULL), 0);
    assert_int_equal(dc_domcaps_get_nwarnings(NULL), 0);
    assert_null(dc_domcaps_get_warning(NULL, 0));
    dc_domcaps_free(NULL);
}

/* The report's paths under the root are printed as @ROOT@ in the goldens. */
static char *relocate(const char *text, const char *root)
{
    size_t rl = strlen(root), n = 0;
    for (const char *p = text; (p = strstr(p, root)); p += rl)
        n++;
    char *out = malloc(strlen(text) + n * 6 + 1), *o = out;
    assert_non_null(out);
    for (const char *p = text;;) {
        const char *hit = strstr(p, root);
        size_t k = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!hit)
            break;
        memcpy(o, "@ROOT@", 6);
        o += 6;
        p = hit + rl;
    }
    *o = '\0';
    return out;
}

static void test_host_golden(void **state)
{
    (void)state;
    static const char *const roots[] = {"debian12-kvm", "nokvm", "host-pci", "numa-broken"};
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        char root[512], path[512];
        snprintf(root, sizeof(root), DATA "/roots/%s", roots[i]);
        dc_hostinfo *h = NULL;
        dc_error err = {0};
        if (dc_host_probe(root, &h, &err) < 0)
            fail_msg("%s: %s", roots[i], err.message);
        for (int json = 0; json < 2; json++) {
            snprintf(path, sizeof(path), DATA "/golden/host/%s.%s", roots[i],
                     json ? "json" : "xml");
            if (access(path, F_OK) < 0)
                continue;
            char *want = read_all(path, NULL);
            char *doc = json ? dc_hostinfo_format_json(h) : dc_hostinfo_format_xml(h);
            char *rel = relocate(doc, root);
            assert_same_text(path, rel, want);
            free(rel);
            free(doc);
            free(want);
        }
        size_t n = dc_hostinfo_get_ndiagnostics(h);
        for (size_t k = 0; k < n; k++) {
            assert_non_null(dc_hostinfo_get_diagnostic(h, k));
            assert_non_null(dc_hostinfo_get_diagnostic_probe(h, k));
        }
        assert_null(dc_hostinfo_get_diagnostic(h, n));
        assert_null(dc_hostinfo_get_diagnostic_probe(h, n));
        if (strcmp(roots[i], "numa-broken") == 0)
            assert_true(n > 0);
        if (strcmp(roots[i], "debian12-kvm") == 0) {
            assert_string_equal(dc_hostinfo_get_arch(h), "x86_64");
            assert_true(dc_hostinfo_get_kvm_usable(h));
        }
        if (strcmp(roots[i], "nokvm") == 0)
            assert_false(dc_hostinfo_get_kvm_usable(h));
        dc_hostinfo_free(h);
    }

    dc_hostinfo *h = SENTINEL;
    dc_error err = {0};
    assert_true(dc_host_probe(DATA "/roots/no-such-root", &h, &err) < 0);
    assert_ptr_equal(h, SENTINEL);
    assert_non_null(strstr(err.message, "no-such-root"));
    dc_error_clear(&err);
    assert_int_equal(dc_host_probe(NULL, NULL, NULL), -EINVAL);
    assert_null(dc_hostinfo_get_arch(NULL));
    assert_int_equal(dc_hostinfo_get_ndiagnostics(NULL), 0);
    dc_hostinfo_free(NULL);
}

/* Paths relative to the domains directory, where the corpus runs (see its index). */
static const char *const caps_all[] = {
    "../snapshots/x86_64-pc-qemu.xml",        "../snapshots/x86_64-q35-qemu.xml",
    "../snapshots/x86_64-q35-kvm.xml",        "../snapshots/aarch64-virt-qemu.xml",
    "../snapshots/ppc64-pseries-qemu.xml",    "../snapshots/x86_64-isapc-qemu.xml",
    "../snapshots/x86_64-q35-kvm-server.xml",
};

static dc_check_options *corpus_options(const char *caps, const char *host)
{
    dc_check_options *o = dc_check_options_new();
    assert_non_null(o);
    if (strcmp(caps, "all") == 0) {
        for (size_t i = 0; i < sizeof(caps_all) / sizeof(caps_all[0]); i++)
            assert_int_equal(dc_check_options_add_caps_file(o, caps_all[i]), 0);
    } else if (strcmp(caps, "plain") == 0) {
        assert_int_equal(
            dc_check_options_add_caps_file(o, "../snapshots/plain-x86_64-q35-qemu.xml"), 0);
    } else {
        fail_msg("unknown caps set '%s' in the index", caps);
    }
    if (strcmp(host, "numa2") == 0)
        assert_int_equal(dc_check_options_set_host_report(o, "../snapshots/host-numa2.xml"), 0);
    else if (strcmp(host, "novfio") == 0)
        assert_int_equal(dc_check_options_set_host_report(o, "../snapshots/host-novfio.xml"), 0);
    else if (strcmp(host, "none") != 0)
        fail_msg("unknown host report '%s' in the index", host);
    return o;
}

/* The exit code the binary derives from one domain's findings. */
static int exit_code(const dc_findings *f)
{
    if (dc_findings_get_input_error(f))
        return 2;
    for (size_t i = 0; i < dc_findings_count(f); i++)
        if (dc_findings_get_severity(f, i) == DC_SEVERITY_ERROR)
            return 1;
    return 0;
}

static void check_case(const char *name, int want_exit, const char *caps, const char *host)
{
    char file[300], expected[300];
    snprintf(file, sizeof(file), "%s.xml", name);
    snprintf(expected, sizeof(expected), "%s.expected", name);
    dc_check_options *o = corpus_options(caps, host);
    char *want = read_all(expected, NULL);

    dc_findings *f = NULL;
    dc_error err = {0};
    if (dc_check_file(o, file, &f, &err) < 0)
        fail_msg("%s: dc_check_file failed: %s", name, err.message);
    char *text = dc_findings_format_text(f);
    assert_same_text(expected, text, want);
    if (exit_code(f) != want_exit)
        fail_msg("%s: findings make exit %d, the index says %d", name, exit_code(f), want_exit);
    for (size_t i = 0; i < dc_findings_count(f); i++) {
        assert_non_null(dc_findings_get_rule(f, i));
        assert_non_null(dc_findings_get_message(f, i));
        assert_non_null(dc_findings_get_xpath(f, i));
        assert_non_null(strstr(text, dc_findings_get_message(f, i)));
    }
    assert_int_equal(dc_findings_get_severity(f, dc_findings_count(f)), -1);
    assert_null(dc_findings_get_rule(f, dc_findings_count(f)));
    char *json = dc_findings_format_json(f), *junit = dc_findings_format_junit(f);
    assert_true(json && junit && json[0] == '{' && strncmp(junit, "<?xml", 5) == 0);
    free(json);
    free(junit);

    /* The same document from memory gives the same findings. */
    size_t len = 0;
    char *xml = read_all(file, &len);
    dc_findings *fb = NULL;
    assert_int_equal(dc_check_buffer(o, file, xml, len, &fb, &err), 0);
    char *text_b = dc_findings_format_text(fb);
    assert_same_text("the findings of dc_check_buffer", text_b, text);

    free(text_b);
    free(xml);
    dc_findings_free(fb);
    free(text);
    dc_findings_free(f);
    free(want);
    dc_check_options_free(o);
}

static void test_check_corpus(void **state)
{
    (void)state;
    if (chdir(DATA "/domains") < 0)
        fail_msg("cannot enter the corpus: %s", strerror(errno));
    FILE *index = fopen("index", "r");
    assert_non_null(index);
    char line[1024];
    size_t ncases = 0;
    while (fgets(line, sizeof(line), index)) {
        char name[256], caps[32], host[32];
        int want_exit;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "%255s %d %31s %31s", name, &want_exit, caps, host) != 4)
            fail_msg("malformed index line: %s", line);
        check_case(name, want_exit, caps, host);
        ncases++;
    }
    fclose(index);
    assert_true(ncases >= 150);
    print_message("%zu corpus cases agree with the binary's output\n", ncases);
}

static void test_check_failures(void **state)
{
    (void)state;
    dc_check_options *o = dc_check_options_new();
    assert_int_equal(dc_check_options_add_caps_file(o, DATA "/domains/acpi-isapc.xml"), 0);
    dc_findings *f = SENTINEL;
    dc_error err = {0};
    static const char domain[] = "<domain type='qemu'><os><type>hvm</type></os></domain>";
    /* A domain XML is not a capabilities snapshot: the options are at fault. */
    assert_int_equal(dc_check_buffer(o, "d.xml", domain, strlen(domain), &f, &err), -EINVAL);
    assert_ptr_equal(f, SENTINEL);
    assert_non_null(strstr(err.message, "snapshot"));
    dc_error_clear(&err);
    dc_check_options_free(o);

    o = dc_check_options_new();
    assert_int_equal(dc_check_options_add_caps_file(o, DATA "/snapshots/x86_64-pc-qemu.xml"), 0);
    assert_int_equal(dc_check_options_set_host_report(o, "/nonexistent/host.xml"), 0);
    assert_int_equal(dc_check_file(o, "x.xml", &f, &err), -EINVAL);
    assert_non_null(strstr(err.message, "/nonexistent/host.xml"));
    dc_error_clear(&err);
    assert_int_equal(dc_check_options_set_host_report(o, NULL), 0);

    /* Input that cannot be judged is a result, not a failure. */
    static const char broken[] = "<domain type='qemu'><os>";
    assert_int_equal(dc_check_buffer(o, "broken.xml", broken, strlen(broken), &f, &err), 0);
    assert_non_null(dc_findings_get_input_error(f));
    assert_non_null(strstr(dc_findings_get_input_error(f), "broken.xml"));
    assert_int_equal(dc_findings_count(f), 0);
    dc_findings_free(f);
    static const char other[] = "<network/>";
    assert_int_equal(dc_check_buffer(o, "-", other, strlen(other), &f, &err), 0);
    assert_non_null(strstr(dc_findings_get_input_error(f), "<network>"));
    dc_findings_free(f);
    assert_int_equal(dc_check_file(o, "/nonexistent/domain.xml", &f, &err), 0);
    assert_non_null(strstr(dc_findings_get_input_error(f), "/nonexistent/domain.xml"));
    assert_false(dc_findings_get_probe_failed(f));
    dc_findings_free(f);

    f = SENTINEL;
    assert_int_equal(dc_check_buffer(o, "x.xml", NULL, 0, &f, NULL), -EINVAL);
    assert_int_equal(dc_check_file(o, NULL, &f, NULL), -EINVAL);
    assert_int_equal(dc_check_file(NULL, "x.xml", &f, NULL), -EINVAL);
    assert_ptr_equal(f, SENTINEL);
    assert_int_equal(dc_check_options_set_timeout_ms(o, 0), -EINVAL);
    assert_int_equal(dc_check_options_add_caps_file(o, NULL), -EINVAL);
    assert_int_equal(dc_check_options_add_trusted_emulator(NULL, "/x"), -EINVAL);
    assert_int_equal(dc_check_options_add_trusted_dir(o, NULL), -EINVAL);
    dc_check_options_free(o);
    dc_check_options_free(NULL);

    assert_null(dc_findings_get_input_error(NULL));
    assert_int_equal(dc_findings_count(NULL), 0);
    assert_null(dc_findings_format_text(NULL));
    dc_findings_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),           cmocka_unit_test(test_probe_golden),
        cmocka_unit_test(test_probe_golden_json), cmocka_unit_test(test_probe_failures),
        cmocka_unit_test(test_probe_setters),     cmocka_unit_test(test_host_golden),
        cmocka_unit_test(test_check_corpus),      cmocka_unit_test(test_check_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
