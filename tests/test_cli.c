/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command-line contract of domcaps on bad input and broken emulators:
 * runs the built binary (DC_BINARY) and checks, for every case, the exit code,
 * what stderr says (one line starting with "domcaps: "), that it is quick,
 * that it leaves nothing in TMPDIR, no --record file and no emulator process
 * behind. Broken emulators are impersonated by tests/fake_qemu.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* cmocka needs these first, in this order. */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#ifndef DC_BINARY
#error "DC_BINARY must be defined by the build"
#endif

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define RECORDING_X86 DC_TEST_DATA_DIR "/replies/qemu-7.2-x86_64.replies"

/* Arguments starting with this are made relative to the per-run work directory. */
#define WORK "@W/"

typedef struct cli_case {
    const char *name;
    const char *args[10];
    const char *fake_mode; /* FAKE_QEMU_MODE, or NULL: no fake emulator */
    int exit_code;
    const char *err_has[4];
    const char *out_prefix; /* for successful runs */
    double max_seconds;     /* 0: the default */
    bool record;            /* add --record FILE: nothing may be left behind */
    const char *requires;   /* a file the case needs; skipped when missing */
    unsigned fake_pids;     /* processes the fake emulator creates */
    size_t max_err_bytes;   /* 0: no limit on the length of stderr */
    bool needs_nonexec_hostname;
} cli_case;

#define DEFAULT_MAX_SECONDS 5.0
#define FAKE DC_FAKE_QEMU

static const cli_case cases[] = {
    {.name = "emulator-missing",
     .args = {"--emulator", "/nonexistent/qemu"},
     .exit_code = 2,
     .err_has = {"emulator '/nonexistent/qemu' does not exist"},
     .record = true},
    {.name = "emulator-not-executable-etc-hostname",
     .args = {"--emulator", "/etc/hostname"},
     .exit_code = 2,
     .err_has = {"is not executable"},
     .record = true,
     .needs_nonexec_hostname = true},
    {.name = "emulator-not-executable",
     .args = {"--emulator", WORK "not-executable"},
     .exit_code = 2,
     .err_has = {"is not executable"},
     .record = true},
    {.name = "emulator-bin-true",
     .args = {"--emulator", "/bin/true"},
     .exit_code = 2,
     .err_has = {"/bin/true does not behave like QEMU"},
     .record = true},
    {.name = "emulator-bin-cat",
     .args = {"--emulator", "/bin/cat"},
     .exit_code = 2,
     .err_has = {"/bin/cat does not behave like QEMU"},
     .record = true},
    {.name = "fake-hang",
     .args = {"--emulator", FAKE, "--timeout", "2"},
     .fake_mode = "hang",
     .exit_code = 3,
     .err_has = {"did not answer in time"},
     .max_seconds = 6.0,
     .record = true,
     .fake_pids = 2},
    {.name = "fake-die-after-greeting",
     .args = {"--emulator", FAKE},
     .fake_mode = "die-after-greeting",
     .exit_code = 3,
     .err_has = {"QMP connection closed", "exited with status 1", "simulated crash"},
     .record = true,
     .fake_pids = 1},
    {.name = "fake-garbage",
     .args = {"--emulator", FAKE},
     .fake_mode = "garbage",
     .exit_code = 2,
     .err_has = {"does not behave like QEMU"},
     .record = true,
     .fake_pids = 1},
    {.name = "fake-garbage-reply",
     .args = {"--emulator", FAKE},
     .fake_mode = "garbage-reply",
     .exit_code = 3,
     .err_has = {"malformed QMP message"},
     .record = true,
     .fake_pids = 1},
    {.name = "fake-truncated",
     .args = {"--emulator", FAKE},
     .fake_mode = "truncated",
     .exit_code = 3,
     .err_has = {"in the middle of a message"},
     .record = true,
     .fake_pids = 1},
    {.name = "fake-hang-after-caps",
     .args = {"--emulator", FAKE, "--timeout", "2"},
     .fake_mode = "hang-after-caps",
     .exit_code = 3,
     .err_has = {"did not answer in time"},
     .max_seconds = 6.0,
     .record = true,
     .fake_pids = 1},
    /* A child of the emulator that outlives it is killed with its process group. */
    {.name = "fake-fork-child",
     .args = {"--emulator", FAKE, "--no-cache", "--timeout", "1"},
     .fake_mode = "fork-child",
     .exit_code = 3,
     .err_has = {"did not answer in time", "exited with status 0"},
     .max_seconds = 2.5,
     .record = true,
     .fake_pids = 2},
    /* Events without end: the timeout covers the whole wait for the reply. */
    {.name = "fake-spew",
     .args = {"--emulator", FAKE, "--no-cache", "--timeout", "2"},
     .fake_mode = "spew",
     .exit_code = 3,
     .err_has = {"did not answer in time"},
     .max_seconds = 3.0,
     .record = true,
     .fake_pids = 1},
    /* 66 KB of stderr on one line: quoted in part, and said so. */
    {.name = "fake-stderr-line",
     .args = {"--emulator", FAKE, "--no-cache"},
     .fake_mode = "stderr-line",
     .exit_code = 3,
     .err_has = {"exited with status 1", "fake-qemu: xxx", "(truncated)"},
     .record = true,
     .fake_pids = 1,
     .max_err_bytes = 1024},
    /* The audit's reproducers themselves (a shell wrapper, `yes | head` for the flood). */
    {.name = "hostile-spew-stdout-lines",
     .args = {"--emulator", DC_TEST_DATA_DIR "/hostile/spew-stdout-lines.sh", "--no-cache",
              "--timeout", "2"},
     .exit_code = 3,
     .err_has = {"did not answer in time"},
     .max_seconds = 3.0,
     .record = true,
     .requires = DC_TEST_DATA_DIR "/hostile/spew-stdout-lines.sh"},
    {.name = "hostile-fork-child",
     .args = {"--emulator", DC_TEST_DATA_DIR "/hostile/fork-child.sh", "--no-cache", "--timeout",
              "1"},
     .exit_code = 3,
     .err_has = {"did not answer in time"},
     .max_seconds = 2.5,
     .record = true,
     .requires = DC_TEST_DATA_DIR "/hostile/fork-child.sh"},
    {.name = "replay-version-too-large",
     .args = {"--replay", WORK "version-too-large.replies", "--no-cache"},
     .exit_code = 2,
     .err_has = {"unusable QEMU version", "'major' is a number too large"}},
    {.name = "replay-version-negative",
     .args = {"--replay", WORK "version-negative.replies", "--no-cache"},
     .exit_code = 2,
     .err_has = {"unusable QEMU version", "'minor' is -2, expected a number from 0 to"}},
    {.name = "unknown-arch",
     .args = {"--arch", "nosuch"},
     .exit_code = 2,
     .err_has = {"unknown architecture 'nosuch'"},
     .record = true},
    {.name = "unknown-virttype",
     .args = {"--virttype", "xen"},
     .exit_code = 2,
     .err_has = {"unknown virttype 'xen'"},
     .record = true},
    {.name = "unknown-format",
     .args = {"--format", "yaml"},
     .exit_code = 2,
     .err_has = {"unknown format 'yaml'"},
     .record = true},
    {.name = "unknown-option", .args = {"--bogus"}, .exit_code = 2, .record = true},
    {.name = "replay-missing",
     .args = {"--replay", "/nonexistent.replies"},
     .exit_code = 2,
     .err_has = {"cannot open recording"}},
    {.name = "replay-not-json",
     .args = {"--replay", WORK "not-json.replies"},
     .exit_code = 2,
     .err_has = {"malformed recording"}},
    {.name = "replay-command-without-reply",
     .args = {"--replay", WORK "command-without-reply.replies"},
     .exit_code = 2,
     .err_has = {"malformed recording"}},
    {.name = "replay-reply-without-command",
     .args = {"--replay", WORK "reply-without-command.replies"},
     .exit_code = 2,
     .err_has = {"malformed recording"}},
    {.name = "replay-empty",
     .args = {"--replay", WORK "empty.replies"},
     .exit_code = 2,
     .err_has = {"malformed recording"}},
    {.name = "replay-unknown-machine",
     .args = {"--replay", RECORDING_X86, "--machine", "nosuch"},
     .exit_code = 2,
     .err_has = {"the machine 'nosuch' is not supported by emulator"},
     .requires = RECORDING_X86},
    {.name = "replay-wrong-arch",
     .args = {"--replay", RECORDING_X86, "--arch", "aarch64"},
     .exit_code = 2,
     .err_has = {"cannot serve architecture 'aarch64'"},
     .requires = RECORDING_X86},
    {.name = "replay-deeply-nested",
     .args = {"--replay", WORK "deep.replies"},
     .exit_code = 2,
     .err_has = {"malformed recording", "deep.replies"}},
    {.name = "replay-without-machines",
     .args = {"--replay", WORK "no-machines.replies"},
     .exit_code = 2,
     .err_has = {"no machine types"}},
    {.name = "replay-unknown-target",
     .args = {"--replay", WORK "unknown-target.replies"},
     .exit_code = 2,
     .err_has = {"architecture unknown to domcaps: 'vax'"}},
    {.name = "sysroot-missing",
     .args = {"--replay", RECORDING_X86, "--sysroot", "/nonexistent/root"},
     .exit_code = 2,
     .err_has = {"cannot open sysroot '/nonexistent/root'"},
     .requires = RECORDING_X86},
    {.name = "replay-json",
     .args = {"--replay", RECORDING_X86, "--format", "json", "--virttype", "qemu"},
     .exit_code = 0,
     .out_prefix = "{\n  \"schemaVersion\": 1,\n  \"path\": \"/usr/bin/qemu-system-x86_64\"",
     .requires = RECORDING_X86},
    {.name = "snapshot-needs-xml",
     .args = {"--snapshot", "--format", "json"},
     .exit_code = 2,
     .err_has = {"--snapshot extends the XML document"}},
    {.name = "explain-outside-cache",
     .args = {"--explain"},
     .exit_code = 2,
     .err_has = {"'domcaps probe' takes no --explain"}},
    {.name = "cache-without-explain",
     .args = {"cache"},
     .exit_code = 2,
     .err_has = {"'domcaps cache' needs --explain"}},
    {.name = "check-without-domains",
     .args = {"check"},
     .exit_code = 2,
     .err_has = {"check needs at least one domain XML file"}},
    {.name = "host-with-probe-options",
     .args = {"host", "--machine", "q35"},
     .exit_code = 2,
     .err_has = {"'domcaps host' takes no --machine", "see 'domcaps host --help'"}},
    {.name = "host-with-timeout",
     .args = {"host", "--timeout", "3"},
     .exit_code = 2,
     .err_has = {"--timeout are for 'domcaps host --format ansible'"}},
    {.name = "metrics-without-output",
     .args = {"metrics", "--no-cache"},
     .exit_code = 2,
     .err_has = {"metrics needs --output FILE"}},
    {.name = "metrics-replay-without-emulator",
     .args = {"metrics", "--output", "-", "--replay", "x.replies"},
     .exit_code = 2,
     .err_has = {"each --replay answers for one --emulator"}},
    {.name = "metrics-with-machine",
     .args = {"metrics", "--output", "-", "--machine", "q35"},
     .exit_code = 2,
     .err_has = {"'domcaps metrics' takes no --machine"}},
    {.name = "check-with-machine",
     .args = {"check", "--machine", "q35", "x.xml"},
     .exit_code = 2,
     .err_has = {"'domcaps check' takes no --machine"}},
    {.name = "cache-with-timeout",
     .args = {"cache", "--explain", "--timeout", "3"},
     .exit_code = 2,
     .err_has = {"'domcaps cache' takes no --timeout"}},
    {.name = "unknown-short-option",
     .args = {"-x"},
     .exit_code = 2,
     .err_has = {"unknown option '-x'"},
     .record = true},
    {.name = "check-unknown-short-option",
     .args = {"check", "-q", "x.xml"},
     .exit_code = 2,
     .err_has = {"unknown option '-q'", "'domcaps check --help'"}},
    {.name = "option-needs-value",
     .args = {"--machine"},
     .exit_code = 2,
     .err_has = {"option '--machine' needs a value"}},
    {.name = "machine-list-without-all",
     .args = {"--machine", "q35,pc"},
     .exit_code = 2,
     .err_has = {"a list of machines is for --all"}},
    {.name = "all-unknown-virttype",
     .args = {"--all", "--virttype", "kvm,xen"},
     .exit_code = 2,
     .err_has = {"unknown virttype 'xen'"}},
    {.name = "check-stdin-twice",
     .args = {"check", "-", "-"},
     .exit_code = 2,
     .err_has = {"'-' (the domain on stdin) can be given once"}},
    /* --format json: the error as a JSON document on stdout too. */
    {.name = "json-error-document",
     .args = {"--format", "json", "--bogus"},
     .exit_code = 2,
     .err_has = {"unknown option '--bogus'"},
     .out_prefix = "{\n  \"schemaVersion\": 1,\n  \"exitCode\": 2,\n  \"errors\": [\n    {\n"
                   "      \"message\": \"unknown option '--bogus'"},
    {.name = "json-error-document-host",
     .args = {"host", "--format", "json", "--sysroot", "/nonexistent/root"},
     .exit_code = 2,
     .err_has = {"cannot open sysroot '/nonexistent/root'"},
     .out_prefix = "{\n  \"schemaVersion\": 1,\n  \"exitCode\": 2,"},
    {.name = "json-error-document-check",
     .args = {"check", "--format", "json"},
     .exit_code = 2,
     .err_has = {"check needs at least one domain XML file"},
     .out_prefix = "{\n  \"schemaVersion\": 1,\n  \"exitCode\": 2,"},
    /* An unwritable --record: refused before any emulator starts. */
    {.name = "record-unwritable",
     .args = {"--emulator", FAKE, "--no-cache", "--record", "/nonexistent/dir/x.replies"},
     .exit_code = 2,
     .err_has = {"cannot write recording /nonexistent/dir/x.replies"},
     .max_seconds = 1.0},
    /* A probe that fails after QEMU answered (unknown machine) leaves no recording. */
    {.name = "live-unknown-machine-no-recording",
     .args = {"--emulator", "/usr/bin/qemu-system-x86_64", "--no-cache", "--virttype", "qemu",
              "--machine", "nosuch"},
     .exit_code = 2,
     .err_has = {"the machine 'nosuch' is not supported"},
     .max_seconds = 30.0,
     .record = true,
     .requires = "/usr/bin/qemu-system-x86_64"},
    {.name = "short-version", .args = {"-V"}, .exit_code = 0, .out_prefix = "domcaps "},
    {.name = "short-help", .args = {"-h"}, .exit_code = 0, .out_prefix = "Usage: domcaps [probe]"},
    {.name = "check-help",
     .args = {"check", "--help"},
     .exit_code = 0,
     .out_prefix = "Usage: domcaps check"},
    {.name = "version", .args = {"--version"}, .exit_code = 0, .out_prefix = "domcaps "},
};

#define REPLY_VERSION(v)                                                                           \
    "{\"execute\": \"qmp_capabilities\"}\n\n{\"return\": {}}\n\n"                                  \
    "{\"execute\": \"query-version\"}\n\n"                                                         \
    "{\"return\": {\"qemu\": " v ", \"package\": \"\"}}\n\n"

/* Files the cases refer to with WORK, created once. */
static const struct {
    const char *name;
    const char *text;
    mode_t mode;
} work_files[] = {
    {"not-executable", "#!/bin/sh\nexit 0\n", 0644},
    {"not-json.replies", "this is not JSON\n", 0644},
    {"command-without-reply.replies",
     "{\n  \"execute\": \"qmp_capabilities\",\n  \"id\": \"libvirt-1\"\n}\n\n"
     "{\n  \"execute\": \"query-version\",\n  \"id\": \"libvirt-2\"\n}\n\n",
     0644},
    {"reply-without-command.replies", "{\n  \"return\": {\n  },\n  \"id\": \"libvirt-1\"\n}\n\n",
     0644},
    {"empty.replies", "", 0644},
    {"no-machines.replies",
     "{\"execute\": \"qmp_capabilities\"}\n\n{\"return\": {}}\n\n"
     "{\"execute\": \"query-version\"}\n\n"
     "{\"return\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}, \"package\": \"\"}}\n\n"
     "{\"execute\": \"query-target\"}\n\n{\"return\": {\"arch\": \"x86_64\"}}\n\n"
     "{\"execute\": \"qom-list-types\"}\n\n{\"return\": [{\"name\": \"VGA\"}]}\n\n",
     0644},
    {"version-too-large.replies",
     REPLY_VERSION("{\"major\": 99999999999999999999999, \"minor\": 2, \"micro\": 0}"), 0644},
    {"version-negative.replies", REPLY_VERSION("{\"major\": 7, \"minor\": -2, \"micro\": 0}"),
     0644},
    {"unknown-target.replies",
     "{\"execute\": \"qmp_capabilities\"}\n\n{\"return\": {}}\n\n"
     "{\"execute\": \"query-version\"}\n\n"
     "{\"return\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}, \"package\": \"\"}}\n\n"
     "{\"execute\": \"query-target\"}\n\n{\"return\": {\"arch\": \"vax\"}}\n\n",
     0644},
};

static char *workdir;

/* ---- helpers ------------------------------------------------------------- */

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    assert_true(r >= 0);
    return s;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_true(write(fd, text, len) == (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

/* Names of the entries of dir, comma-separated; NULL when it is empty. */
static char *dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return xasprintf("(cannot open %s: %s)", dir, strerror(errno));
    char *list = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *n = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", de->d_name);
        free(list);
        list = n;
    }
    closedir(d);
    return list;
}

/* Whether pid is a live fake emulator (not a zombie, not a reused pid). */
static bool fake_alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
    if (!lp || !rp || rp < lp || rp[1] != ' ')
        return false;
    *rp = '\0';
    if (strcmp(lp + 1, "fake-qemu") != 0)
        return false;
    return rp[2] != 'Z' && rp[2] != 'X';
}

typedef struct run_result {
    int exit_code; /* 128 + signal when killed */
    bool signaled, timed_out, fds_leaked;
    char *out, *err;
    double seconds;
} run_result;

static void run_result_clear(run_result *r)
{
    free(r->out);
    free(r->err);
    *r = (run_result){0};
}

typedef struct sink {
    int fd;
    char *s;
    size_t len, cap;
} sink;

static void sink_read(sink *k)
{
    char tmp[8192];
    ssize_t n = read(k->fd, tmp, sizeof(tmp));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close(k->fd);
        k->fd = -1;
        return;
    }
    if (k->len + (size_t)n + 1 > k->cap) {
        k->cap = (k->len + (size_t)n + 1) * 2;
        k->s = realloc(k->s, k->cap);
        assert_non_null(k->s);
    }
    memcpy(k->s + k->len, tmp, (size_t)n);
    k->len += (size_t)n;
    k->s[k->len] = '\0';
}

/*
 * Runs argv (argv[0] is the program) with extra environment settings
 * ("NAME=value", or "NAME" to unset), stdin from /dev/null; kills it after
 * hard_limit seconds.
 */
static void run(char *const *argv, char *const *env, double hard_limit, run_result *res)
{
    int outp[2], errp[2];
    assert_int_equal(pipe2(outp, O_CLOEXEC), 0);
    assert_int_equal(pipe2(errp, O_CLOEXEC), 0);
    double start = now_seconds();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(126);
        for (size_t i = 0; env[i]; i++) {
            char *eq = strchr(env[i], '=');
            if (eq) {
                *eq = '\0';
                setenv(env[i], eq + 1, 1);
            } else {
                unsetenv(env[i]);
            }
        }
        execv(argv[0], argv);
        dprintf(2, "test_cli: cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    sink out = {.fd = outp[0]}, err = {.fd = errp[0]};
    fcntl(out.fd, F_SETFL, O_NONBLOCK);
    fcntl(err.fd, F_SETFL, O_NONBLOCK);

    int status = 0;
    bool reaped = false;
    double exited_at = 0;
    for (;;) {
        if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            exited_at = now_seconds();
            res->seconds = exited_at - start;
        }
        if (reaped && out.fd < 0 && err.fd < 0)
            break;
        double t = now_seconds();
        if (!reaped && t - start > hard_limit) {
            res->timed_out = true;
            kill(pid, SIGKILL);
            continue;
        }
        if (reaped && t - exited_at > 1.0) {
            /* Something domcaps started still holds its stdout or stderr. */
            res->fds_leaked = true;
            break;
        }
        struct pollfd p[2];
        nfds_t np = 0;
        if (out.fd >= 0)
            p[np++] = (struct pollfd){.fd = out.fd, .events = POLLIN};
        if (err.fd >= 0)
            p[np++] = (struct pollfd){.fd = err.fd, .events = POLLIN};
        if (poll(p, np, 20) > 0) {
            for (nfds_t i = 0; i < np; i++) {
                if (!p[i].revents)
                    continue;
                sink_read(p[i].fd == out.fd ? &out : &err);
            }
        }
    }
    if (out.fd >= 0)
        close(out.fd);
    if (err.fd >= 0)
        close(err.fd);
    res->out = out.s ? out.s : strdup("");
    res->err = err.s ? err.s : strdup("");
    if (WIFSIGNALED(status)) {
        res->signaled = true;
        res->exit_code = 128 + WTERMSIG(status);
    } else {
        res->exit_code = WEXITSTATUS(status);
    }
}

/* ---- the checks ---------------------------------------------------------- */

typedef struct checker {
    const char *name;
    unsigned failures;
} checker;

static void check(checker *c, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(checker *c, bool ok, const char *fmt, ...)
{
    if (ok)
        return;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    print_error("[%s] %s\n", c->name, msg ? msg : fmt);
    free(msg);
    c->failures++;
}

/* A single line, "domcaps: ...\n", nothing else. */
static void check_single_message(checker *c, const char *err)
{
    const char *nl = strchr(err, '\n');
    check(c, strncmp(err, "domcaps: ", 9) == 0, "stderr does not start with \"domcaps: \"");
    check(c, nl && nl[1] == '\0', "stderr is not a single newline-terminated line");
    check(c, strlen(err) > 9 + 10, "stderr is too short to be a clear message");
}

/* Waits up to a second for the fake emulator's processes to go away. */
static void check_no_survivors(checker *c, const cli_case *tc, const char *pidfile)
{
    FILE *f = fopen(pidfile, "re");
    check(c, f != NULL, "the fake emulator never ran (no %s)", pidfile);
    if (!f)
        return;
    long pids[8];
    unsigned n = 0;
    while (n < 8 && fscanf(f, "%ld", &pids[n]) == 1)
        n++;
    fclose(f);
    check(c, n >= tc->fake_pids, "the fake emulator recorded %u processes, expected %u", n,
          tc->fake_pids);
    for (unsigned i = 0; i < n; i++) {
        bool alive = fake_alive((pid_t)pids[i]);
        for (int tries = 0; alive && tries < 50; tries++) {
            usleep(20000);
            alive = fake_alive((pid_t)pids[i]);
        }
        check(c, !alive, "fake emulator process %ld (%s) survived domcaps", pids[i],
              i == 0 ? "the emulator" : "its child");
        if (alive)
            kill((pid_t)pids[i], SIGKILL);
    }
}

static void test_case(void **state)
{
    const cli_case *tc = *state;
    checker c = {.name = tc->name};

    if (tc->requires && access(tc->requires, R_OK) != 0) {
        print_message("[  SKIP    ] %s: %s does not exist (yet)\n", tc->name, tc->requires);
        skip();
    }
    if (tc->needs_nonexec_hostname && access("/etc/hostname", X_OK) == 0) {
        print_message("[  SKIP    ] %s: /etc/hostname is executable on this system; the "
                      "emulator-not-executable case covers the contract\n",
                      tc->name);
        skip();
    }

    static unsigned seq;
    char *dir = xasprintf("%s/%02u-%s", workdir, ++seq, tc->name);
    char *tmpdir = xasprintf("%s/tmp", dir);
    char *recdir = xasprintf("%s/rec", dir);
    char *recfile = xasprintf("%s/out.replies", recdir);
    char *pidfile = xasprintf("%s/fake.pids", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mkdir(tmpdir, 0700), 0);
    assert_int_equal(mkdir(recdir, 0700), 0);

    char *argv[16];
    char *owned[16];
    size_t argc = 0, nowned = 0;
    argv[argc++] = (char *)DC_BINARY;
    for (size_t i = 0; i < ELEMENTSOF(tc->args) && tc->args[i]; i++) {
        if (strncmp(tc->args[i], WORK, strlen(WORK)) == 0)
            argv[argc++] = owned[nowned++] =
                xasprintf("%s/%s", workdir, tc->args[i] + strlen(WORK));
        else
            argv[argc++] = (char *)tc->args[i];
    }
    if (tc->record) {
        argv[argc++] = (char *)"--record";
        argv[argc++] = recfile;
    }
    argv[argc] = NULL;

    char *env[4];
    size_t nenv = 0;
    env[nenv++] = owned[nowned++] = xasprintf("TMPDIR=%s", tmpdir);
    if (tc->fake_mode) {
        env[nenv++] = owned[nowned++] = xasprintf("FAKE_QEMU_MODE=%s", tc->fake_mode);
        env[nenv++] = owned[nowned++] = xasprintf("FAKE_QEMU_PIDFILE=%s", pidfile);
    } else {
        env[nenv++] = (char *)"FAKE_QEMU_MODE";
    }
    env[nenv] = NULL;

    double max_seconds = tc->max_seconds > 0 ? tc->max_seconds : DEFAULT_MAX_SECONDS;
    run_result res = {0};
    run(argv, env, max_seconds + 10.0, &res);

    check(&c, !res.timed_out, "domcaps was still running after %.0f s and was killed",
          max_seconds + 10.0);
    check(&c, !res.signaled || res.timed_out, "domcaps was killed by signal %d",
          res.exit_code - 128);
    check(&c, res.exit_code == tc->exit_code, "exit code %d, expected %d", res.exit_code,
          tc->exit_code);
    check(&c, res.seconds < max_seconds, "took %.2f s, limit %.1f s", res.seconds, max_seconds);
    check(&c, !res.fds_leaked, "a process started by domcaps kept its stdout/stderr open");
    for (size_t i = 0; i < ELEMENTSOF(tc->err_has) && tc->err_has[i]; i++)
        check(&c, strstr(res.err, tc->err_has[i]) != NULL, "stderr lacks \"%s\"", tc->err_has[i]);
    if (tc->exit_code != 0)
        check_single_message(&c, res.err);
    if (tc->max_err_bytes)
        check(&c, strlen(res.err) <= tc->max_err_bytes, "stderr is %zu bytes, limit %zu",
              strlen(res.err), tc->max_err_bytes);
    if (tc->out_prefix)
        check(&c, strncmp(res.out, tc->out_prefix, strlen(tc->out_prefix)) == 0,
              "stdout does not start with \"%s\"", tc->out_prefix);

    char *left = dir_entries(tmpdir);
    check(&c, left == NULL, "TMPDIR is not empty afterwards: %s", left);
    free(left);
    if (tc->record) {
        left = dir_entries(recdir);
        check(&c, left == NULL, "--record left files behind: %s", left);
        free(left);
    }
    if (tc->fake_mode)
        check_no_survivors(&c, tc, pidfile);

    if (c.failures) {
        print_error("[%s] command:", tc->name);
        for (size_t i = 0; argv[i]; i++)
            print_error(" %s", argv[i]);
        print_error("\n[%s] exit %d after %.2f s\n[%s] stderr: %.2000s\n[%s] stdout: %.500s\n",
                    tc->name, res.exit_code, res.seconds, tc->name, res.err, tc->name, res.out);
    }

    run_result_clear(&res);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(dir);
    free(tmpdir);
    free(recdir);
    free(recfile);
    free(pidfile);
    if (c.failures)
        fail_msg("%s: %u check(s) failed", tc->name, c.failures);
}

/* ---- a captured root is data ---------------------------------------------- */

static void make_dirs(const char *path)
{
    char *p = strdup(path);
    assert_non_null(p);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
    free(p);
}

/*
 * swtpm tools in a --sysroot that would leave a marker file (and claim both
 * TPM versions) if run: the probe must read the captured file instead, and
 * without one say that the versions are unknown, running nothing either way.
 */
static void test_sysroot_swtpm_never_run(void **state)
{
    (void)state;
    if (access(RECORDING_X86, R_OK) != 0) {
        print_message("[  SKIP    ] %s does not exist (yet)\n", RECORDING_X86);
        skip();
    }
    char *root = xasprintf("%s/swtpm-root", workdir);
    char *bin = xasprintf("%s/usr/bin", root);
    char *capdir = xasprintf("%s/.domcaps", root);
    char *marker = xasprintf("%s/swtpm-ran", workdir);
    make_dirs(bin);
    make_dirs(capdir);
    const char *tools[] = {"swtpm", "swtpm_setup", "swtpm_ioctl"};
    for (size_t i = 0; i < ELEMENTSOF(tools); i++) {
        char *path = xasprintf("%s/%s", bin, tools[i]);
        char *script = xasprintf("#!/bin/sh\necho %s >> '%s'\n"
                                 "echo '{\"features\": [\"tpm-1.2\", \"tpm-2.0\"]}'\n",
                                 tools[i], marker);
        write_file(path, script, 0755);
        free(script);
        free(path);
    }
    char *capture = xasprintf("%s/swtpm_setup.capabilities.json", capdir);
    write_file(capture, "{ \"type\": \"swtpm_setup\", \"features\": [ \"tpm-2.0\" ] }\n", 0644);

    char *sysroot = xasprintf("--sysroot=%s", root);
    char *argv[] = {(char *)DC_BINARY, (char *)"--replay",   (char *)RECORDING_X86,
                    sysroot,           (char *)"--no-cache", NULL};
    /* run() edits the entries in the child: writable copies. */
    char *path_env = xasprintf("PATH=/usr/bin:/bin");
    char *env[] = {path_env, (char *)"FAKE_QEMU_MODE", NULL};
    run_result res = {0};
    run(argv, env, 20.0, &res);
    if (res.exit_code != 0)
        print_error("stderr: %.2000s\n", res.err);
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(access(marker, F_OK), -1);
    /* 2.0 from the captured file, not 1.2 as the scripts would have said. */
    const char *tpm = strstr(res.out, "<enum name='backendVersion'>");
    assert_non_null(tpm);
    const char *end = strstr(tpm, "</enum>");
    assert_non_null(end);
    assert_non_null(strstr(tpm, "<value>2.0</value>"));
    char *one_two = strstr(tpm, "<value>1.2</value>");
    assert_true(!one_two || one_two > end);
    assert_null(strstr(res.err, "TPM"));
    assert_null(strstr(res.err, "swtpm"));
    run_result_clear(&res);

    /* Without the captured file: unknown versions and a warning naming it, still nothing run. */
    assert_int_equal(unlink(capture), 0);
    run(argv, env, 20.0, &res);
    if (res.exit_code != 0)
        print_error("stderr: %.2000s\n", res.err);
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(access(marker, F_OK), -1);
    assert_non_null(strstr(res.out, "<enum name='backendVersion'/>"));
    assert_non_null(strstr(res.err, "domcaps: warning: the TPM versions of the swtpm in the "
                                    "sysroot are unknown"));
    assert_non_null(strstr(res.err, "/.domcaps/swtpm_setup.capabilities.json"));
    run_result_clear(&res);

    free(path_env);
    free(sysroot);
    free(capture);
    free(marker);
    free(capdir);
    free(bin);
    free(root);
}

/* ---- setup --------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    workdir = xasprintf("%s/domcaps-test-cli-XXXXXX", base);
    if (!mkdtemp(workdir)) {
        print_error("cannot create a directory under %s: %s\n", base, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < ELEMENTSOF(work_files); i++) {
        char *p = xasprintf("%s/%s", workdir, work_files[i].name);
        write_file(p, work_files[i].text, work_files[i].mode);
        free(p);
    }
    /* A recording nested a million levels deep: must be refused, not recursed into. */
    size_t depth = 1000000;
    char *deep = malloc(depth + 1);
    assert_non_null(deep);
    memset(deep, '[', depth);
    deep[depth] = '\0';
    char *p = xasprintf("%s/deep.replies", workdir);
    write_file(p, deep, 0644);
    free(p);
    free(deep);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (workdir)
        rm_rf(workdir);
    free(workdir);
    workdir = NULL;
    return 0;
}

#define QEMU_X86 "/usr/bin/qemu-system-x86_64"

/* Everything a process writes on a new terminal (stdout and stderr), and its exit code. */
static char *run_on_tty(char *const *argv, const char *path_env, int *ret_exit)
{
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("PATH", path_env, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    size_t len = 0, cap = 65536;
    char *out = malloc(cap);
    assert_non_null(out);
    for (;;) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 120000) <= 0)
            break;
        if (len + 4096 + 1 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        ssize_t n = read(master, out + len, 4096);
        if (n <= 0)
            break; /* EIO once the child closed the terminal */
        len += (size_t)n;
    }
    out[len] = '\0';
    close(master);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    *ret_exit = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return out;
}

/*
 * probe --all takes --machine and --virttype lists (one probe per emulator,
 * machine and virttype; a machine an emulator lacks is skipped), and shows
 * its progress on stderr only when that is a terminal.
 */
static void test_probe_all_lists_and_progress(void **state)
{
    (void)state;
    if (access(QEMU_X86, X_OK) < 0) {
        print_message("SKIP: %s is not installed\n", QEMU_X86);
        skip();
    }
    char *dir = xasprintf("%s/all-path", workdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    char *link = xasprintf("%s/qemu-system-x86_64", dir);
    assert_int_equal(symlink(QEMU_X86, link), 0);
    char *pathenv = xasprintf("PATH=%s", dir);
    char *env[] = {pathenv, NULL};
    char *argv[] = {(char *)DC_BINARY,   (char *)"probe",      (char *)"--all",
                    (char *)"--machine", (char *)"q35,nosuch", (char *)"--virttype",
                    (char *)"qemu",      (char *)"--no-cache", NULL};
    run_result r;
    run(argv, env, 120, &r);
    if (r.exit_code != 0)
        fail_msg("probe --all: exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "<machine>pc-q35-"));
    assert_non_null(strstr(r.out, "qemu-system-x86_64 --machine nosuch --virttype qemu: skipped"));
    assert_null(strstr(r.err, "probed "));
    run_result_clear(&r);

    int code = -1;
    char *tty = run_on_tty(argv, dir, &code);
    assert_int_equal(code, 0);
    if (!strstr(tty, "domcaps: probed 1 of 2") || !strstr(tty, "domcaps: probed 2 of 2"))
        fail_msg("no progress on the terminal: %.2000s", tty);
    free(tty);
    free(pathenv);
    unlink(link);
    free(link);
    rmdir(dir);
    free(dir);
}

/*
 * `domcaps SUB --help` lists every option SUB takes: each listed option is
 * accepted (`SUB --OPT VALUE --help` reaches the help), each other option of
 * domcaps is refused by name.
 */
static void test_help_lists_every_option(void **state)
{
    (void)state;
    static const char *const subs[] = {"probe", "host", "check", "cache", "metrics"};
    static const char *const all[] = {
        "emulator",  "trust-emulator", "arch",    "machine",  "virttype", "format", "record",
        "replay",    "sysroot",        "timeout", "snapshot", "all",      "caps",   "host",
        "cache-dir", "no-cache",       "explain", "version",  "help",     "output"};
    char *noenv[] = {NULL};
    for (size_t i = 0; i < ELEMENTSOF(subs); i++) {
        char *argv[] = {(char *)DC_BINARY, (char *)subs[i], (char *)"--help", NULL};
        run_result help;
        run(argv, noenv, 10, &help);
        assert_int_equal(help.exit_code, 0);
        char *usage =
            xasprintf("Usage: domcaps %s", strcmp(subs[i], "probe") == 0 ? "[probe]" : subs[i]);
        if (strncmp(help.out, usage, strlen(usage)) != 0)
            fail_msg("domcaps %s --help starts '%.60s'", subs[i], help.out);
        free(usage);
        for (size_t k = 0; k < ELEMENTSOF(all); k++) {
            char *line = xasprintf("\n  --%s ", all[k]);
            bool listed = strstr(help.out, line) != NULL;
            free(line);
            char *opt = xasprintf("--%s", all[k]);
            char *marker = xasprintf("\n  --%s ", all[k]);
            const char *at = strstr(help.out, marker);
            bool takes_value = at && at[strlen(marker)] >= 'A' && at[strlen(marker)] <= 'Z';
            char *args[] = {(char *)DC_BINARY,
                            (char *)subs[i],
                            opt,
                            takes_value ? "5" : "--help",
                            (char *)"--help",
                            NULL};
            run_result r;
            run(args, noenv, 10, &r);
            if (listed && r.exit_code != 0)
                fail_msg("domcaps %s --help lists %s, which it refuses: %s", subs[i], opt, r.err);
            if (!listed) {
                char *refusal = xasprintf("'domcaps %s' takes no %s", subs[i], opt);
                if (r.exit_code != 2 || !strstr(r.err, refusal))
                    fail_msg("domcaps %s %s: exit %d, stderr '%s' (expected \"%s\")", subs[i], opt,
                             r.exit_code, r.err, refusal);
                free(refusal);
            }
            run_result_clear(&r);
            free(opt);
            free(marker);
        }
        run_result_clear(&help);
    }
}

int main(void)
{
    if (access(DC_BINARY, X_OK) != 0) {
        fprintf(stderr, "test_cli: %s is not built\n", DC_BINARY);
        return 1;
    }
    struct CMUnitTest tests[ELEMENTSOF(cases) + 3];
    for (size_t i = 0; i < ELEMENTSOF(cases); i++)
        tests[i] = (struct CMUnitTest){
            .name = cases[i].name,
            .test_func = test_case,
            .initial_state = (void *)&cases[i],
        };
    tests[ELEMENTSOF(cases)] = (struct CMUnitTest){
        .name = "sysroot-swtpm-never-run",
        .test_func = test_sysroot_swtpm_never_run,
    };
    tests[ELEMENTSOF(cases) + 1] = (struct CMUnitTest){
        .name = "help-lists-every-option",
        .test_func = test_help_lists_every_option,
    };
    tests[ELEMENTSOF(cases) + 2] = (struct CMUnitTest){
        .name = "probe-all-lists-and-progress",
        .test_func = test_probe_all_lists_and_progress,
    };
    return _cmocka_run_group_tests("cli", tests, ELEMENTSOF(tests), group_setup, group_teardown);
}
