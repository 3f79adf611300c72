/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hostile and careless input (tests/data/hostile, from a reliability audit):
 * runs the built binary over each file and checks that it ends in time,
 * without a signal, with the documented exit code and a message naming the
 * input and the cause. Each case is the regression test of one finding.
 */
#include "test_helpers.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#ifndef DC_BINARY
#error "DC_BINARY must be defined by the build"
#endif

#define H DC_TEST_DATA_DIR "/hostile/"
/* Arguments starting with this name files the group setup generates. */
#define G "@G/"

typedef struct hcase {
    const char *name;
    const char *args[12];
    int exit_code;
    const char *out_has[3];
    const char *err_has[3];
    const char *out_lacks;
    double max_seconds;
    const char *must_not_exist; /* a G file the run must not create */
    const char *out_format;     /* "xml" or "json": stdout must be well-formed */
} hcase;

static const hcase cases[] = {
    {.name = "cpuset-ulong-max",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host.xml", H "cpuset-ulong-max.xml"},
     .exit_code = 1,
     .out_has = {"'18446744073709551615' is not a valid CPU set: ids must be below 16384"}},
    {.name = "numatune-ulong-max",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host.xml", H "numatune-ulong.xml"},
     .exit_code = 1,
     .out_has = {"'18446744073709551615' is not a valid node set"}},
    {.name = "cpuset-large-range",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host.xml", H "cpuset-quadratic-1.xml"},
     .exit_code = 1,
     .out_has = {"'0-65536' is not a valid CPU set"},
     .max_seconds = 1.0},
    {.name = "cpuset-two-large-ranges",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host.xml", H "cpuset-quadratic-2.xml"},
     .exit_code = 1,
     .out_has = {"is not a valid CPU set"},
     .max_seconds = 1.0},
    /* Live check of a domain whose <emulator> is an arbitrary script: never run. */
    {.name = "untrusted-emulator-not-run",
     .args = {"check", G "evil-emulator.xml"},
     .exit_code = 0,
     .out_has = {"was not run", "rules that need its capabilities were skipped"},
     .must_not_exist = G "evil-ran"},
    {.name = "trusted-emulator-dir-is-run",
     .args = {"check", "--trust-emulator", G "", G "evil-emulator.xml"},
     .exit_code = 3,
     .out_has = {"does not behave like QEMU"},
     .out_lacks = "was not run"},
    /* Control characters and invalid UTF-8 from QEMU or sysfs never reach the output as such. */
    {.name = "control-chars-replay-xml",
     .args = {"--replay", H "control-chars.replies", "--no-cache", "--snapshot"},
     .exit_code = 0,
     .out_has = {"<domainCapabilities"},
     .out_format = "xml"},
    {.name = "control-chars-replay-json",
     .args = {"--replay", H "control-chars.replies", "--no-cache", "--format", "json"},
     .exit_code = 0,
     .out_format = "json"},
    {.name = "garbage-sysfs-host-xml",
     .args = {"host", "--sysroot", H "sysroot-garbage-coreid"},
     .exit_code = 0,
     .out_format = "xml"},
    {.name = "garbage-sysfs-host-json",
     .args = {"host", "--format", "json", "--sysroot", H "sysroot-garbage-coreid"},
     .exit_code = 0,
     .out_format = "json"},
    /* Host reports are data: a zero page size is refused when read, never divided by. */
    {.name = "host-zero-hugepage-xml",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host-zero-hugepage.xml",
              H "domain-hugepages-default.xml"},
     .exit_code = 2,
     .err_has = {"host-zero-hugepage.xml: line 127: <pages> without a positive size"}},
    {.name = "host-zero-hugepage-json",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host-zero-hugepage.json",
              H "domain-hugepages-default.xml"},
     .exit_code = 2,
     .err_has = {"without a positive \"sizeKiB\""}},
    {.name = "host-fuzzed-zero-hugepage",
     .args = {"check", "--caps", H "snap.xml", "--host", H "fuzz-hostreport-crash.xml",
              H "domain-hugepages-default.xml"},
     .exit_code = 2,
     .err_has = {"unusable host report", "without a positive size"}},
    {.name = "host-json-divzero",
     .args = {"check", "--caps", H "snap.xml", "--host", H "hostreport-json-divzero.json",
              H "domain-hugepages-default.xml"},
     .exit_code = 2,
     .err_has = {"unusable host report"}},
    /* Sizes that do not fit are findings, never wrapped or skipped. */
    {.name = "memory-huge",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host.xml", H "mem-huge.xml"},
     .exit_code = 1,
     .out_has = {"Invalid value '99999999999999999999'"}},
    {.name = "memory-tib-wrap",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host.xml", H "mem-tib-wrap.xml"},
     .exit_code = 1,
     .out_has = {"value too large: 17179869184TiB"}},
    {.name = "hugepage-size-wrap",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host.xml", H "hugepage-size-wrap.xml"},
     .exit_code = 1,
     .out_has = {"hugepage size '17592186044416 G' is not a valid size"}},
    {.name = "namespaced-domain-root",
     .args = {"check", "--caps", H "snap.xml", H "ns-domain.xml"},
     .exit_code = 2,
     .out_has = {"is in namespace 'urn:x', not libvirt's <domain>"}},
    {.name = "host-report-json-with-bom",
     .args = {"check", "--caps", H "snap.xml", "--host", H "host-utf8-bom.json", H "mem-huge.xml"},
     .exit_code = 1,
     .out_has = {"Invalid value"}},
    /* A QEMU version that is no number is refused, not read as 0.0.0. */
    {.name = "snapshot-bad-version",
     .args = {"check", "--caps", G "snap-bad-version.xml", H "mem-huge.xml"},
     .exit_code = 2,
     .err_has = {"<qemu> attribute 'version': '7.x.22' is not a number"}},
    /* A snapshot with two extension elements is refused, not half-read and leaked. */
    {.name = "snapshot-two-extensions",
     .args = {"check", "--caps", H "caps-two-extensions-leak.xml", H "mem-huge.xml"},
     .exit_code = 2,
     .err_has = {"unusable capabilities snapshot", "a second domcaps extension element"}},
};

static char gendir[] = "/tmp/domcaps-hostile-XXXXXX";

static void gen_domain(const char *name, bool disks, unsigned n)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", gendir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<domain type='qemu'><name>many</name><memory unit='MiB'>64</memory>"
          "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>\n",
          f);
    for (unsigned i = 0; i < n; i++)
        if (disks)
            fprintf(f,
                    "<disk type='file' device='disk'><source file='/d%u.img'/>"
                    "<target dev='vd%u' bus='bogus'/></disk>\n",
                    i, i);
        else
            fputs("<graphics type='bogus'/>\n", f);
    fputs("</devices></domain>\n", f);
    assert_int_equal(fclose(f), 0);
}

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(gendir))
        return -1;
    /* snap.xml with its QEMU version mangled */
    dc_root *live = NULL;
    assert_int_equal(dc_root_open("/", &live), 0);
    char *snap = NULL;
    assert_int_equal(dc_root_read_file(live, H "snap.xml", 1 << 24, &snap, NULL), 0);
    dc_root_free(live);
    char *v = strstr(snap, "version='7.2.22'");
    assert_non_null(v);
    v[strlen("version='7.")] = 'x';
    _cleanup_free_ char *bad = xasprintf("%s/snap-bad-version.xml", gendir);
    FILE *sf = fopen(bad, "w");
    assert_non_null(sf);
    fputs(snap, sf);
    fclose(sf);
    free(snap);
    gen_domain("graphics-10k.xml", false, 10000);
    gen_domain("graphics-100k.xml", false, 100000);
    gen_domain("disks-10k.xml", true, 10000);
    gen_domain("disks-100k.xml", true, 100000);
    _cleanup_free_ char *evil = xasprintf("%s/evil.sh", gendir);
    _cleanup_free_ char *script = xasprintf("#!/bin/sh\ntouch '%s/evil-ran'\n", gendir);
    FILE *f = fopen(evil, "w");
    assert_non_null(f);
    fputs(script, f);
    fclose(f);
    chmod(evil, 0755);
    _cleanup_free_ char *dom = xasprintf("%s/evil-emulator.xml", gendir);
    f = fopen(dom, "w");
    assert_non_null(f);
    fprintf(f,
            "<domain type='qemu'><name>evil</name><memory unit='MiB'>64</memory>"
            "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
            "<devices><emulator>%s</emulator></devices></domain>\n",
            evil);
    fclose(f);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", gendir);
    return system(cmd) == 0 ? 0 : -1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp_fd(int fd)
{
    char *buf = NULL;
    lseek(fd, 0, SEEK_SET);
    if (dc_read_fd(fd, 64 << 20, &buf, NULL) < 0)
        buf = xstrdup("");
    return buf;
}

static void test_case(void **state)
{
    const hcase *tc = *state;
    char outp[] = "/tmp/domcaps-hostile-out-XXXXXX", errp[] = "/tmp/domcaps-hostile-err-XXXXXX";
    int outfd = mkstemp(outp), errfd = mkstemp(errp);
    assert_true(outfd >= 0 && errfd >= 0);
    unlink(outp);
    unlink(errp);
    char *argv[16];
    _cleanup_strv_ dc_strv owned = {0};
    size_t argc = 0;
    argv[argc++] = (char *)DC_BINARY;
    for (size_t i = 0; i < ELEMENTSOF(tc->args) && tc->args[i]; i++) {
        if (startswith(tc->args[i], G)) {
            dc_strv_add_take(&owned, xasprintf("%s/%s", gendir, tc->args[i] + strlen(G)));
            argv[argc++] = owned.v[owned.n - 1];
        } else {
            argv[argc++] = (char *)tc->args[i];
        }
    }
    argv[argc] = NULL;
    double limit = tc->max_seconds > 0 ? tc->max_seconds : 5.0;
    double start = now_seconds();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(outfd, 1);
        dup2(errfd, 2);
        setenv("DOMCAPS_CACHE_DIR", "/nonexistent/domcaps-hostile-cache", 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    bool killed = false;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (now_seconds() - start > limit + 10) {
            kill(pid, SIGKILL);
            killed = true;
        }
        usleep(2000);
    }
    double took = now_seconds() - start;
    _cleanup_free_ char *out = slurp_fd(outfd), *err = slurp_fd(errfd);
    close(outfd);
    close(errfd);
    unsigned failures = 0;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            print_error("[%s] ", tc->name);                                                        \
            print_error(__VA_ARGS__);                                                              \
            print_error("\n");                                                                     \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)
    CHECK(!killed, "still running after %.0f s", limit + 10);
    CHECK(!WIFSIGNALED(st), "killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == tc->exit_code, "exit %d, expected %d",
          WIFEXITED(st) ? WEXITSTATUS(st) : -1, tc->exit_code);
    CHECK(took < limit, "took %.2f s, limit %.1f s", took, limit);
    for (size_t i = 0; i < ELEMENTSOF(tc->out_has) && tc->out_has[i]; i++)
        CHECK(strstr(out, tc->out_has[i]), "stdout lacks \"%s\"", tc->out_has[i]);
    for (size_t i = 0; i < ELEMENTSOF(tc->err_has) && tc->err_has[i]; i++)
        CHECK(strstr(err, tc->err_has[i]), "stderr lacks \"%s\"", tc->err_has[i]);
    if (tc->out_lacks)
        CHECK(!strstr(out, tc->out_lacks), "stdout has \"%s\"", tc->out_lacks);
    if (tc->out_format && streq(tc->out_format, "xml")) {
        xmlDocPtr doc = xmlReadMemory(out, (int)strlen(out), "stdout", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        CHECK(doc != NULL, "stdout is not well-formed XML");
        xmlFreeDoc(doc);
    } else if (tc->out_format) {
        json_tokener *tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        json_object *o = json_tokener_parse_ex(tok, out, (int)strlen(out));
        CHECK(o != NULL, "stdout is not well-formed JSON (or not UTF-8)");
        json_object_put(o);
        json_tokener_free(tok);
    }
    if (tc->must_not_exist) {
        _cleanup_free_ char *p = xasprintf("%s/%s", gendir, tc->must_not_exist + strlen(G));
        CHECK(access(p, F_OK) != 0, "%s exists: the run executed what it must not", p);
    }
    if (failures) {
        print_error("[%s] stdout: %.1500s\n[%s] stderr: %.1500s\n", tc->name, out, tc->name, err);
        fail_msg("%s: %u check(s) failed", tc->name, failures);
    }
}

/* Seconds one check of a generated file takes, with its exit code and stdout checked. */
static double time_check(const char *name, const char *must_have)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", gendir, name);
    _cleanup_free_ char *cmd =
        xasprintf("'%s' check --caps '%s' '%s' > '%s.out'", DC_BINARY, H "snap.xml", path, path);
    double start = now_seconds();
    int st = system(cmd);
    double took = now_seconds() - start;
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    _cleanup_free_ char *out_path = xasprintf("%s.out", path);
    char *out = NULL;
    dc_root *r = NULL;
    assert_int_equal(dc_root_open("/", &r), 0);
    assert_int_equal(dc_root_read_file(r, out_path, 256 << 20, &out, NULL), 0);
    dc_root_free(r);
    bool ok = strstr(out, must_have) != NULL;
    free(out);
    if (!ok)
        fail_msg("%s: output lacks \"%s\"", name, must_have);
    return took;
}

/*
 * 100,000 findings cost about ten times 10,000 (the check is linear: a
 * finding's path costs its depth, duplicates are found through a hash). The
 * ratio, not a wall-clock limit, so sanitizer and valgrind builds pass too.
 */
static void test_linear_in_findings(void **state)
{
    (void)state;
    const struct {
        const char *small, *big, *mark;
    } sets[] = {
        {"graphics-10k.xml", "graphics-100k.xml", "graphics[100000]/@type"},
        {"disks-10k.xml", "disks-100k.xml", "disk[100000]/target/@bus"},
    };
    for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
        double t1 = time_check(sets[i].small, "[10000]");
        double t2 = time_check(sets[i].big, sets[i].mark);
        print_message("[  INFO    ] %s %.2f s, %s %.2f s: ratio %.1f\n", sets[i].small, t1,
                      sets[i].big, t2, t2 / t1);
        /* linear is 10x; quadratic would be 100x */
        if (t2 > 0.5 && t2 / t1 > 30)
            fail_msg("%s takes %.1fx %s: not linear", sets[i].big, t2 / t1, sets[i].small);
    }
}

int main(void)
{
    struct CMUnitTest tests[ELEMENTSOF(cases) + 1];
    for (size_t i = 0; i < ELEMENTSOF(cases); i++)
        tests[i] = (struct CMUnitTest){
            .name = cases[i].name, .test_func = test_case, .initial_state = (void *)&cases[i]};
    tests[ELEMENTSOF(cases)] =
        (struct CMUnitTest){.name = "linear-in-findings", .test_func = test_linear_in_findings};
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
