/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `domcaps check` end to end: runs the built binary (DC_BINARY) offline, with
 * the capability snapshots and host reports of tests/data/snapshots, over the
 * domain corpus of tests/data/domains (listed in its `index`):
 *
 *  - every case: stdout equals <case>.expected, the exit status is the
 *    index's, stderr is empty, the run is quick;
 *  - every rule of dc_rules[] is seen passing and failing somewhere in the
 *    corpus (except the few judged only live, listed below);
 *  - several files in one run: one bad file does not stop the others;
 *  - --format json parsed back with json-c, --format junit with libxml2,
 *    both checked against each other;
 *  - without --host the host rules are reported as skipped; a domain no
 *    snapshot matches gets the `capabilities` finding;
 *  - hostile input (billion laughs, XXE, 20 MiB, 10,000 levels deep, a FIFO,
 *    a directory, a missing file): exit 2, the file named, nothing read, no hang.
 *
 * DC_TEST_REGENERATE=1 rewrites the .expected files; review them line by line.
 */
#include "test_helpers.h"

#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domcaps/check.h"

#ifndef DC_BINARY
#error "DC_BINARY must be defined by the build"
#endif

#define DOMAINS_DIR DC_TEST_DATA_DIR "/domains"
/* Each run of the binary: it must finish within this, or it is killed and fails. */
#define RUN_LIMIT_SECONDS 10.0
/* A single corpus case is expected to take a few milliseconds. */
#define CASE_MAX_SECONDS 3.0

/* Paths relative to DOMAINS_DIR, where every run happens. */
static const char *const caps_all[] = {
    "../snapshots/x86_64-pc-qemu.xml",        "../snapshots/x86_64-q35-qemu.xml",
    "../snapshots/x86_64-q35-kvm.xml",        "../snapshots/aarch64-virt-qemu.xml",
    "../snapshots/ppc64-pseries-qemu.xml",    "../snapshots/x86_64-isapc-qemu.xml",
    "../snapshots/x86_64-q35-kvm-server.xml",
};
static const char *const caps_plain[] = {"../snapshots/plain-x86_64-q35-qemu.xml"};

/*
 * Rules only a live check judges (see tests/data/domains/index): offline they
 * are never seen passing (accepted) or failing (rejected).
 */
static const struct {
    const char *rule;
    bool no_accept, no_reject;
} live_only[] = {
    {"emulator", true, true},      /* the binary is only looked at live */
    {"machine", true, true},       /* offline: the `capabilities` rule */
    {"arch", true, false},         /* offline only "unknown architecture" */
    {"host-path", true, true},     /* files the domain opens: stat'ed live only */
    {"host-endpoint", true, true}, /* sockets the domain connects to: live only */
    {"crypto", false, true},       /* warnings only: libvirt 9.0 ignores <crypto> */
};

/* ---- the corpus index ---------------------------------------------------- */

typedef struct corpus_case {
    char *name;
    int exit_code;
    char *caps; /* "all" or "plain" */
    char *host; /* "numa2", "novfio" or "none" */
} corpus_case;

static corpus_case *corpus;
static size_t ncorpus;
static char *workdir;

static void load_index(void)
{
    _cleanup_close_ int fd = open(DOMAINS_DIR "/index", O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    _cleanup_free_ char *text = NULL;
    assert_int_equal(dc_read_fd(fd, 1u << 20, &text, NULL), 0);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char name[128], caps[16], host[16];
        int exit_code;
        int n = sscanf(line, "%127s %d %15s %15s", name, &exit_code, caps, host);
        if (n <= 0)
            continue;
        if (n != 4)
            fail_msg("tests/data/domains/index: malformed line '%s'", line);
        assert_true(exit_code >= 0 && exit_code <= 2);
        assert_true(streq(caps, "all") || streq(caps, "plain"));
        assert_true(streq(host, "numa2") || streq(host, "novfio") || streq(host, "none"));
        corpus = xrealloc(corpus, (ncorpus + 1) * sizeof(*corpus));
        corpus[ncorpus++] = (corpus_case){.name = xstrdup(name),
                                          .exit_code = exit_code,
                                          .caps = xstrdup(caps),
                                          .host = xstrdup(host)};
    }
    assert_true(ncorpus > 0);
}

static const corpus_case *find_case(const char *name)
{
    for (size_t i = 0; i < ncorpus; i++)
        if (streq(corpus[i].name, name))
            return &corpus[i];
    fail_msg("no corpus case '%s' in tests/data/domains/index", name);
    return NULL;
}

static char *read_text(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *text = NULL;
    if (dc_read_fd(fd, 64u << 20, &text, NULL) < 0)
        return NULL;
    return text;
}

static char *expected_path(const char *name)
{
    return xasprintf("%s/%s.expected", DOMAINS_DIR, name);
}

/* ---- running the binary ---------------------------------------------------- */

typedef struct run_result {
    int exit_code; /* 128 + signal when killed */
    bool timed_out;
    char *out, *err;
    double seconds;
} run_result;

static void run_result_clear(run_result *r)
{
    free(r->out);
    free(r->err);
    *r = (run_result){0};
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void drain(int *fd, dc_buf *b)
{
    char tmp[65536];
    ssize_t n = read(*fd, tmp, sizeof(tmp));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close(*fd);
        *fd = -1;
        return;
    }
    dc_buf_addn(b, tmp, (size_t)n);
}

/* Runs DC_BINARY with argv (argv[0] included) in DOMAINS_DIR; kills it after limit seconds. */
static void run(char *const *argv, double limit, run_result *res)
{
    int outp[2], errp[2];
    assert_int_equal(pipe2(outp, O_CLOEXEC), 0);
    assert_int_equal(pipe2(errp, O_CLOEXEC), 0);
    double start = now_seconds();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0 ||
            chdir(DOMAINS_DIR) < 0)
            _exit(126);
        setenv("LC_ALL", "C", 1);
        execv(argv[0], argv);
        dprintf(2, "test_check: cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    int ofd = outp[0], efd = errp[0];
    fcntl(ofd, F_SETFL, O_NONBLOCK);
    fcntl(efd, F_SETFL, O_NONBLOCK);
    dc_buf out = {0}, err = {0};
    int status = 0;
    bool reaped = false;
    *res = (run_result){0};
    for (;;) {
        if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            res->seconds = now_seconds() - start;
        }
        if (reaped && ofd < 0 && efd < 0)
            break;
        if (!reaped && now_seconds() - start > limit) {
            res->timed_out = true;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            reaped = true;
            res->seconds = now_seconds() - start;
            continue;
        }
        struct pollfd p[2];
        nfds_t np = 0;
        if (ofd >= 0)
            p[np++] = (struct pollfd){.fd = ofd, .events = POLLIN};
        if (efd >= 0)
            p[np++] = (struct pollfd){.fd = efd, .events = POLLIN};
        if (np && poll(p, np, 20) > 0)
            for (nfds_t i = 0; i < np; i++)
                if (p[i].revents)
                    drain(p[i].fd == ofd ? &ofd : &efd, p[i].fd == ofd ? &out : &err);
        if (!np)
            usleep(1000);
    }
    res->out = out.s ? dc_buf_steal(&out) : xstrdup("");
    res->err = err.s ? dc_buf_steal(&err) : xstrdup("");
    res->exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* argv for `domcaps check` with the corpus' snapshot set and host report, then the files. */
static void check_argv(dc_strv *argv, const char *caps, const char *host, const char *format)
{
    dc_strv_add(argv, DC_BINARY);
    dc_strv_add(argv, "check");
    const char *const *set = streq(caps, "plain") ? caps_plain : caps_all;
    size_t n = streq(caps, "plain") ? ELEMENTSOF(caps_plain) : ELEMENTSOF(caps_all);
    for (size_t i = 0; i < n; i++) {
        dc_strv_add(argv, "--caps");
        dc_strv_add(argv, set[i]);
    }
    if (host && !streq(host, "none")) {
        dc_strv_add(argv, "--host");
        dc_strv_add_take(argv, xasprintf("../snapshots/host-%s.xml", host));
    }
    if (format) {
        dc_strv_add(argv, "--format");
        dc_strv_add(argv, format);
    }
}

static void print_run(const char *what, char *const *argv, const run_result *r)
{
    print_error("[%s] command:", what);
    for (size_t i = 0; argv[i]; i++)
        print_error(" %s", argv[i]);
    print_error("\n[%s] exit %d after %.2f s%s\n[%s] stderr: %.2000s\n[%s] stdout: %.3000s\n", what,
                r->exit_code, r->seconds, r->timed_out ? " (killed: timed out)" : "", what, r->err,
                what, r->out);
}

/* Shows a unified diff of want and got (as a corpus .expected file would be). */
static void show_diff(const char *want_path, const char *got)
{
    char tmp[] = "/tmp/domcaps-check-got-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return;
    if (write(fd, got, strlen(got)) < 0)
        print_error("cannot write %s\n", tmp);
    close(fd);
    _cleanup_free_ char *cmd = xasprintf("diff -u '%s' '%s' | head -60 >&2", want_path, tmp);
    fflush(stdout);
    if (system(cmd) < 0)
        print_error("could not run diff\n");
    unlink(tmp);
}

static bool regenerating(void)
{
    const char *r = getenv("DC_TEST_REGENERATE");
    return r && streq(r, "1");
}

/* ---- the corpus ----------------------------------------------------------- */

static void test_corpus(void **state)
{
    (void)state;
    unsigned failed = 0;
    for (size_t i = 0; i < ncorpus; i++) {
        const corpus_case *c = &corpus[i];
        _cleanup_strv_ dc_strv argv = {0};
        check_argv(&argv, c->caps, c->host, NULL);
        _cleanup_free_ char *file = xasprintf("%s.xml", c->name);
        dc_strv_add(&argv, file);
        run_result r;
        run(argv.v, RUN_LIMIT_SECONDS, &r);
        _cleanup_free_ char *exp_path = expected_path(c->name);
        unsigned before = failed;

        if (regenerating()) {
            assert_int_equal(dc_write_file_atomic(exp_path, r.out, strlen(r.out)), 0);
        } else {
            _cleanup_free_ char *want = read_text(exp_path);
            if (!want) {
                print_error("[%s] %s is missing (run with DC_TEST_REGENERATE=1 and review it)\n",
                            c->name, exp_path);
                failed++;
            } else if (!streq(want, r.out)) {
                print_error("[%s] stdout differs from %s.expected:\n", c->name, c->name);
                show_diff(exp_path, r.out);
                failed++;
            }
        }
        if (r.timed_out || r.exit_code != c->exit_code) {
            print_error("[%s] exit %d, the index says %d\n", c->name, r.exit_code, c->exit_code);
            failed++;
        }
        if (r.seconds > CASE_MAX_SECONDS) {
            print_error("[%s] took %.2f s (limit %.1f s)\n", c->name, r.seconds, CASE_MAX_SECONDS);
            failed++;
        }
        if (*r.err) {
            /* Text output carries everything, input errors included, on stdout. */
            print_error("[%s] unexpected stderr\n", c->name);
            failed++;
        }
        if (c->exit_code == 2) {
            _cleanup_free_ char *prefix = xasprintf("%s: input error: ", file);
            if (!startswith(r.out, prefix) || !strstr(r.out + strlen(prefix), file)) {
                print_error("[%s] the input error does not name the file\n", c->name);
                failed++;
            }
        }
        if (failed != before)
            print_run(c->name, argv.v, &r);
        run_result_clear(&r);
    }
    if (failed)
        fail_msg("%u corpus check(s) failed", failed);
}

/* ---- JSON ------------------------------------------------------------------- */

static const char *const finding_keys[] = {"file",  "line",      "xpath",   "rule", "severity",
                                           "value", "supported", "message", "hint"};

static bool known_rule(const char *id)
{
    for (const dc_rule_info *r = dc_rules; r->id; r++)
        if (streq(r->id, id))
            return true;
    return false;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static json_object *jarr(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("JSON object lacks key '%s'", key);
    assert_true(json_object_is_type(v, json_type_array));
    return v;
}

/* Parses --format json output and checks its shape; returns the "files" array's owner. */
static json_object *parse_check_json(const char *text, char *const *files, size_t nfiles)
{
    json_object *root = json_tokener_parse(text);
    if (!root)
        fail_msg("--format json output does not parse: %.300s", text);
    assert_true(json_object_is_type(root, json_type_object));
    json_object *arr = jarr(root, "files");
    assert_int_equal(json_object_array_length(arr), nfiles);
    for (size_t i = 0; i < nfiles; i++) {
        json_object *f = json_object_array_get_idx(arr, i);
        const char *name = jstr(f, "file");
        assert_non_null(name);
        assert_string_equal(name, files[i]);
        json_object *findings = jarr(f, "findings");
        for (size_t j = 0; j < json_object_array_length(findings); j++) {
            json_object *fd = json_object_array_get_idx(findings, j);
            for (size_t k = 0; k < ELEMENTSOF(finding_keys); k++) {
                json_object *v = NULL;
                if (!json_object_object_get_ex(fd, finding_keys[k], &v))
                    fail_msg("%s: finding %zu lacks key '%s'", name, j, finding_keys[k]);
                json_type want = streq(finding_keys[k], "line")        ? json_type_int
                                 : streq(finding_keys[k], "supported") ? json_type_array
                                                                       : json_type_string;
                if (v && !json_object_is_type(v, want))
                    fail_msg("%s: finding %zu: '%s' has the wrong type", name, j, finding_keys[k]);
            }
            assert_string_equal(jstr(fd, "file"), name);
            const char *rule = jstr(fd, "rule"), *sev = jstr(fd, "severity");
            assert_non_null(rule);
            assert_non_null(sev);
            if (!known_rule(rule))
                fail_msg("%s: finding with rule '%s', which is not in dc_rules[]", name, rule);
            assert_true(streq(sev, "error") || streq(sev, "warning"));
            assert_non_null(jstr(fd, "xpath"));
            assert_true(startswith(jstr(fd, "xpath"), "/domain"));
            assert_non_null(jstr(fd, "message"));
            json_object *line = NULL;
            assert_true(json_object_object_get_ex(fd, "line", &line));
            assert_true(json_object_get_int(line) > 0);
        }
        json_object *checked = jarr(f, "rulesChecked");
        for (size_t j = 0; j < json_object_array_length(checked); j++)
            assert_true(known_rule(json_object_get_string(json_object_array_get_idx(checked, j))));
        json_object *skipped = jarr(f, "rulesSkipped");
        for (size_t j = 0; j < json_object_array_length(skipped); j++) {
            const char *s = json_object_get_string(json_object_array_get_idx(skipped, j));
            _cleanup_free_ char *id = xstrndup(s, strcspn(s, ":"));
            assert_true(known_rule(id));
        }
    }
    return root;
}

static bool has_error_finding(json_object *file, const char *rule)
{
    json_object *findings = jarr(file, "findings");
    for (size_t j = 0; j < json_object_array_length(findings); j++) {
        json_object *fd = json_object_array_get_idx(findings, j);
        if (streq(jstr(fd, "rule"), rule) && streq(jstr(fd, "severity"), "error"))
            return true;
    }
    return false;
}

/* The corpus cases sharing a snapshot set and host report, as one argv's file list. */
static void group_files(const char *caps, const char *host, dc_strv *files)
{
    for (size_t i = 0; i < ncorpus; i++)
        if (streq(corpus[i].caps, caps) && streq(corpus[i].host, host))
            dc_strv_add_take(files, xasprintf("%s.xml", corpus[i].name));
}

/*
 * Every rule passes somewhere and fails somewhere. Runs the corpus as a few
 * multi-file --format json runs, one per snapshot set and host report.
 */
static void test_json_rule_coverage(void **state)
{
    (void)state;
    static const char *const groups[][2] = {
        {"all", "numa2"},  {"all", "novfio"},  {"all", "none"},
        {"plain", "none"}, {"plain", "numa2"}, {"plain", "novfio"},
    };
    size_t nrules = 0;
    while (dc_rules[nrules].id)
        nrules++;
    /* Every dc_rule has its row: a gap would end the table early. */
    assert_int_equal(nrules, _DC_RULE_MAX);
    bool *accepted = xcalloc(nrules, sizeof(bool)), *rejected = xcalloc(nrules, sizeof(bool));
    size_t seen = 0;
    for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
        _cleanup_strv_ dc_strv files = {0};
        group_files(groups[g][0], groups[g][1], &files);
        if (!files.n)
            continue;
        _cleanup_strv_ dc_strv argv = {0};
        check_argv(&argv, groups[g][0], groups[g][1], "json");
        for (size_t i = 0; i < files.n; i++)
            dc_strv_add(&argv, files.v[i]);
        run_result r;
        run(argv.v, RUN_LIMIT_SECONDS, &r);
        if (r.timed_out)
            print_run("json", argv.v, &r);
        assert_false(r.timed_out);
        json_object *root = parse_check_json(r.out, files.v, files.n);
        json_object *arr = jarr(root, "files");
        bool any_input_error = false, any_error = false;
        for (size_t i = 0; i < files.n; i++) {
            json_object *f = json_object_array_get_idx(arr, i);
            _cleanup_free_ char *name = xstrndup(files.v[i], strlen(files.v[i]) - 4);
            const corpus_case *c = find_case(name);
            bool input_error = jstr(f, "inputError") != NULL;
            json_object *findings = jarr(f, "findings");
            bool errors = false;
            for (size_t j = 0; j < json_object_array_length(findings); j++)
                if (streq(jstr(json_object_array_get_idx(findings, j), "severity"), "error"))
                    errors = true;
            int want = input_error ? 2 : errors ? 1 : 0;
            if (want != c->exit_code)
                fail_msg("%s: the JSON says exit %d (input error %d, errors %d), the index %d",
                         name, want, input_error, errors, c->exit_code);
            any_input_error |= input_error;
            any_error |= errors;
            if (input_error) {
                /* In JSON and JUnit the input errors also go to stderr, one line each. */
                _cleanup_free_ char *line = xasprintf("domcaps: %s\n", jstr(f, "inputError"));
                assert_non_null(strstr(r.err, line));
                continue;
            }
            json_object *checked = jarr(f, "rulesChecked");
            for (size_t k = 0; k < nrules; k++) {
                bool is_checked = false;
                for (size_t j = 0; j < json_object_array_length(checked); j++)
                    if (streq(json_object_get_string(json_object_array_get_idx(checked, j)),
                              dc_rules[k].id))
                        is_checked = true;
                bool failed = has_error_finding(f, dc_rules[k].id);
                /* A finding is always for a checked rule. */
                if (failed && !is_checked)
                    fail_msg("%s: error for rule %s, which is not in rulesChecked", name,
                             dc_rules[k].id);
                if (failed)
                    rejected[k] = true;
                else if (is_checked)
                    accepted[k] = true;
            }
            seen++;
        }
        int want_exit = any_input_error ? 2 : any_error ? 1 : 0;
        if (r.exit_code != want_exit) {
            print_run("json", argv.v, &r);
            fail_msg("exit %d for the %s/%s group, expected %d", r.exit_code, groups[g][0],
                     groups[g][1], want_exit);
        }
        json_object_put(root);
        run_result_clear(&r);
    }
    assert_true(seen > 0);
    unsigned missing = 0;
    for (size_t k = 0; k < nrules; k++) {
        bool no_accept = false, no_reject = false;
        for (size_t l = 0; l < ELEMENTSOF(live_only); l++)
            if (streq(live_only[l].rule, dc_rules[k].id)) {
                no_accept = live_only[l].no_accept;
                no_reject = live_only[l].no_reject;
            }
        if (!accepted[k] && !no_accept) {
            print_error("rule %s: no corpus domain passes it\n", dc_rules[k].id);
            missing++;
        }
        if (!rejected[k] && !no_reject) {
            print_error("rule %s: no corpus domain fails it\n", dc_rules[k].id);
            missing++;
        }
        /* A live-only rule that starts being judged offline should move out of the list. */
        if ((accepted[k] && no_accept) || (rejected[k] && no_reject)) {
            print_error("rule %s is judged offline now: update live_only[] and the index\n",
                        dc_rules[k].id);
            missing++;
        }
    }
    free(accepted);
    free(rejected);
    if (missing)
        fail_msg("%u rule coverage gap(s) in tests/data/domains", missing);
}

/* ---- several files in one run ------------------------------------------------ */

static const char *const mixed_files[] = {
    "ok-q35-tcg.xml", "input-malformed.xml", "graphics-rdp.xml",       "nonexistent.xml",
    "vcpu-zero.xml",  "input-xxe.xml",       "hostdev-usb-absent.xml", "loader-unlisted.xml",
};

static void test_multiple_files(void **state)
{
    (void)state;
    /* Text: the output is each file's own output, in order; input errors do not stop the rest. */
    _cleanup_strv_ dc_strv argv = {0};
    check_argv(&argv, "all", "numa2", NULL);
    for (size_t i = 0; i < ELEMENTSOF(mixed_files); i++)
        dc_strv_add(&argv, mixed_files[i]);
    run_result r;
    run(argv.v, RUN_LIMIT_SECONDS, &r);
    dc_buf want = {0};
    for (size_t i = 0; i < ELEMENTSOF(mixed_files); i++) {
        if (streq(mixed_files[i], "nonexistent.xml")) {
            dc_buf_add(&want, "nonexistent.xml: input error: cannot open nonexistent.xml: No such "
                              "file or directory\n");
            continue;
        }
        _cleanup_free_ char *name = xstrndup(mixed_files[i], strlen(mixed_files[i]) - 4);
        assert_int_equal(find_case(name)->caps[0], 'a');
        _cleanup_free_ char *p = expected_path(name);
        _cleanup_free_ char *t = read_text(p);
        assert_non_null(t);
        dc_buf_add(&want, t);
    }
    _cleanup_free_ char *want_text = dc_buf_steal(&want);
    if (r.exit_code != 2 || !streq(r.out, want_text) || *r.err) {
        print_run("mixed", argv.v, &r);
        print_error("[mixed] expected stdout:\n%s", want_text);
        fail_msg("several files in one run: exit %d (expected 2) or output differs", r.exit_code);
    }
    run_result_clear(&r);

    /* JSON: the same, and each input error is also one line on stderr. */
    _cleanup_strv_ dc_strv jargv = {0};
    check_argv(&jargv, "all", "numa2", "json");
    for (size_t i = 0; i < ELEMENTSOF(mixed_files); i++)
        dc_strv_add(&jargv, mixed_files[i]);
    run(jargv.v, RUN_LIMIT_SECONDS, &r);
    assert_int_equal(r.exit_code, 2);
    json_object *root =
        parse_check_json(r.out, (char *const *)mixed_files, ELEMENTSOF(mixed_files));
    json_object *arr = jarr(root, "files");
    size_t stderr_lines = 0;
    for (const char *p = r.err; (p = strchr(p, '\n')); p++)
        stderr_lines++;
    size_t input_errors = 0;
    for (size_t i = 0; i < ELEMENTSOF(mixed_files); i++) {
        json_object *f = json_object_array_get_idx(arr, i);
        const char *ie = jstr(f, "inputError");
        bool bad = startswith(mixed_files[i], "input-") || streq(mixed_files[i], "nonexistent.xml");
        assert_int_equal(ie != NULL, bad);
        if (ie) {
            input_errors++;
            assert_non_null(strstr(ie, mixed_files[i]));
            assert_int_equal(json_object_array_length(jarr(f, "findings")), 0);
            continue;
        }
        /* As many findings as the text output has error and warning lines. */
        _cleanup_free_ char *name = xstrndup(mixed_files[i], strlen(mixed_files[i]) - 4);
        _cleanup_free_ char *p = expected_path(name);
        _cleanup_free_ char *t = read_text(p);
        size_t lines = 0;
        for (const char *s = t; (s = strstr(s, ": error: [")); s++)
            lines++;
        for (const char *s = t; (s = strstr(s, ": warning: [")); s++)
            lines++;
        assert_int_equal(json_object_array_length(jarr(f, "findings")), lines);
    }
    assert_int_equal(stderr_lines, input_errors);
    json_object_put(root);
    run_result_clear(&r);
}

/* ---- JUnit ---------------------------------------------------------------------- */

static char *xml_attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static xmlNodePtr next_elem(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

static unsigned attr_unsigned(xmlNodePtr n, const char *name)
{
    _cleanup_free_ char *v = xml_attr(n, name);
    if (!v)
        fail_msg("<%s> lacks attribute %s", (const char *)n->name, name);
    return (unsigned)strtoul(v, NULL, 10);
}

static xmlNodePtr child_named(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = next_elem(n->children); c; c = next_elem(c->next))
        if (streq((const char *)c->name, name))
            return c;
    return NULL;
}

static void test_junit(void **state)
{
    (void)state;
    _cleanup_strv_ dc_strv files = {0};
    group_files("all", "numa2", &files);
    dc_strv_add(&files, "nonexistent.xml");
    _cleanup_strv_ dc_strv jargv = {0}, xargv = {0};
    check_argv(&jargv, "all", "numa2", "json");
    check_argv(&xargv, "all", "numa2", "junit");
    for (size_t i = 0; i < files.n; i++) {
        dc_strv_add(&jargv, files.v[i]);
        dc_strv_add(&xargv, files.v[i]);
    }
    run_result jr, xr;
    run(jargv.v, RUN_LIMIT_SECONDS, &jr);
    run(xargv.v, RUN_LIMIT_SECONDS, &xr);
    assert_int_equal(jr.exit_code, 2);
    assert_int_equal(xr.exit_code, 2);
    assert_string_equal(jr.err, xr.err);
    json_object *root = parse_check_json(jr.out, files.v, files.n);
    json_object *arr = jarr(root, "files");

    xmlDocPtr doc = xmlReadMemory(xr.out, (int)strlen(xr.out), "junit.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!doc) {
        print_run("junit", xargv.v, &xr);
        fail_msg("--format junit output is not well-formed XML");
    }
    xmlNodePtr top = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)top->name, "testsuites");
    unsigned total_tests = 0, total_failures = 0, total_errors = 0;
    size_t i = 0;
    for (xmlNodePtr suite = next_elem(top->children); suite; suite = next_elem(suite->next), i++) {
        assert_string_equal((const char *)suite->name, "testsuite");
        assert_true(i < files.n);
        json_object *f = json_object_array_get_idx(arr, i);
        _cleanup_free_ char *name = xml_attr(suite, "name");
        assert_non_null(name);
        assert_string_equal(name, files.v[i]);
        unsigned tests = attr_unsigned(suite, "tests"), failures = attr_unsigned(suite, "failures"),
                 errors = attr_unsigned(suite, "errors");
        total_tests += tests, total_failures += failures, total_errors += errors;
        const char *ie = jstr(f, "inputError");
        if (ie) {
            /* One testcase 'parse' with the error. */
            assert_int_equal(tests, 1);
            assert_int_equal(errors, 1);
            xmlNodePtr tc = next_elem(next_elem(suite->children)->next);
            assert_non_null(tc);
            _cleanup_free_ char *tcname = xml_attr(tc, "name");
            assert_string_equal(tcname, "parse");
            xmlNodePtr e = child_named(tc, "error");
            assert_non_null(e);
            _cleanup_free_ char *msg = xml_attr(e, "message");
            assert_string_equal(msg, ie);
            assert_string_equal((const char *)next_elem(tc->next)->name, "system-out");
            continue;
        }
        assert_int_equal(errors, 0);
        /* One testcase per checked rule, in order, then one per skipped rule. */
        json_object *checked = jarr(f, "rulesChecked"), *skipped = jarr(f, "rulesSkipped");
        size_t nchecked = json_object_array_length(checked);
        size_t nskipped = json_object_array_length(skipped);
        assert_int_equal(tests, nchecked + nskipped);
        assert_string_equal((const char *)next_elem(suite->children)->name, "properties");
        xmlNodePtr tc = next_elem(next_elem(suite->children)->next);
        unsigned failed_cases = 0;
        for (size_t k = 0; k < nchecked + nskipped; k++, tc = next_elem(tc->next)) {
            if (!tc)
                fail_msg("%s: %zu testcases, expected %zu", name, k, nchecked + nskipped);
            assert_string_equal((const char *)tc->name, "testcase");
            _cleanup_free_ char *classname = xml_attr(tc, "classname");
            assert_null(strchr(classname, '.'));
            const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
            assert_true(strncmp(classname, base, strlen(classname)) == 0);
            _cleanup_free_ char *tctime = xml_attr(tc, "time");
            assert_non_null(tctime);
            _cleanup_free_ char *tcname = xml_attr(tc, "name");
            if (k < nchecked) {
                const char *rule = json_object_get_string(json_object_array_get_idx(checked, k));
                assert_string_equal(tcname, rule);
                assert_null(child_named(tc, "skipped"));
                size_t want_failures = 0, got_failures = 0;
                json_object *findings = jarr(f, "findings");
                for (size_t j = 0; j < json_object_array_length(findings); j++) {
                    json_object *fd = json_object_array_get_idx(findings, j);
                    if (streq(jstr(fd, "rule"), rule) && streq(jstr(fd, "severity"), "error"))
                        want_failures++;
                }
                for (xmlNodePtr c = next_elem(tc->children); c; c = next_elem(c->next))
                    if (streq((const char *)c->name, "failure")) {
                        got_failures++;
                        _cleanup_free_ char *type = xml_attr(c, "type");
                        assert_string_equal(type, rule);
                        _cleanup_free_ char *msg = xml_attr(c, "message");
                        assert_non_null(msg);
                    }
                /* One <failure> per failing rule, however many errors it found. */
                if (got_failures != (want_failures > 0))
                    fail_msg("%s: testcase %s has %zu <failure>, the JSON %zu errors", name, rule,
                             got_failures, want_failures);
                failed_cases += got_failures > 0;
            } else {
                const char *s =
                    json_object_get_string(json_object_array_get_idx(skipped, k - nchecked));
                _cleanup_free_ char *id = xstrndup(s, strcspn(s, ":"));
                assert_string_equal(tcname, id);
                xmlNodePtr sk = child_named(tc, "skipped");
                assert_non_null(sk);
                _cleanup_free_ char *msg = xml_attr(sk, "message");
                assert_non_null(msg);
                assert_string_equal(msg, s + strlen(id) + 2);
            }
        }
        if (tc && !streq((const char *)tc->name, "system-out"))
            fail_msg("%s: more testcases than checked and skipped rules", name);
        _cleanup_free_ char *stamp = xml_attr(suite, "timestamp"),
                            *host = xml_attr(suite, "hostname");
        assert_non_null(stamp);
        assert_int_equal(strlen(stamp), strlen("2026-01-01T00:00:00"));
        assert_non_null(host);
        assert_true(*host);
        assert_int_equal(failures, failed_cases);
        /* A rejected corpus case has at least one failing testcase. */
        _cleanup_free_ char *base = xstrndup(name, strlen(name) - 4);
        assert_int_equal(failed_cases > 0, find_case(base)->exit_code == 1);
    }
    assert_int_equal(i, files.n);
    /* The totals are the suites' sums: <testsuites> carries no attributes (the Ant schema). */
    assert_null(top->properties);
    assert_true(total_tests >= total_failures + total_errors);
    xmlFreeDoc(doc);
    json_object_put(root);
    run_result_clear(&jr);
    run_result_clear(&xr);
}

/* ---- without --host, and without a matching snapshot ---------------------------- */

static void test_caps_only_skips_host_rules(void **state)
{
    (void)state;
    _cleanup_strv_ dc_strv argv = {0};
    check_argv(&argv, "all", "none", NULL);
    dc_strv_add(&argv, "hugepages-not-enough-on-node.xml");
    run_result r;
    run(argv.v, RUN_LIMIT_SECONDS, &r);
    /* The hugepages shortage is a host fact: without the report the domain passes. */
    assert_int_equal(r.exit_code, 0);
    size_t nhost = 0;
    for (const dc_rule_info *ri = dc_rules; ri->id; ri++) {
        if (!startswith(ri->id, "host-"))
            continue;
        nhost++;
        /* "FILE: skipped rule, rule: reason" */
        const char *line = strstr(r.out, "hugepages-not-enough-on-node.xml: skipped ");
        const char *eol = line ? strchr(line, '\n') : NULL;
        const char *id = line ? strstr(line, ri->id) : NULL;
        if (!line || !eol || !id || id > eol ||
            !strstr(line, ": no host report given (--host)\n")) {
            print_run("caps-only", argv.v, &r);
            fail_msg("the output does not say that %s was skipped", ri->id);
        }
    }
    assert_true(nhost >= 6);
    assert_null(strstr(r.out, "error"));
    run_result_clear(&r);
}

static void test_no_snapshot_matches(void **state)
{
    (void)state;
    /* aarch64 under the x86 q35 snapshot alone. */
    char *const argv[] = {(char *)DC_BINARY,
                          (char *)"check",
                          (char *)"--caps",
                          (char *)"../snapshots/x86_64-q35-qemu.xml",
                          (char *)"--format",
                          (char *)"json",
                          (char *)"ok-aarch64-virt.xml",
                          NULL};
    run_result r;
    run(argv, RUN_LIMIT_SECONDS, &r);
    assert_int_equal(r.exit_code, 1);
    char *const files[] = {(char *)"ok-aarch64-virt.xml"};
    json_object *root = parse_check_json(r.out, files, 1);
    json_object *f = json_object_array_get_idx(jarr(root, "files"), 0);
    json_object *findings = jarr(f, "findings");
    assert_int_equal(json_object_array_length(findings), 1);
    json_object *fd = json_object_array_get_idx(findings, 0);
    assert_string_equal(jstr(fd, "rule"), "capabilities");
    assert_string_equal(jstr(fd, "severity"), "error");
    assert_string_equal(jstr(fd, "xpath"), "/domain/os/type/@machine");
    assert_non_null(strstr(jstr(fd, "message"), "arch aarch64, machine virt"));
    assert_non_null(strstr(jstr(fd, "message"), "../snapshots/x86_64-q35-qemu.xml"));
    json_object_put(root);
    run_result_clear(&r);
}

/* ---- live: files the domain opens ------------------------------------------------------ */

static const char live_domain[] = "<domain type='qemu'>\n"
                                  "  <name>hostres-paths</name>\n"
                                  "  <memory unit='MiB'>128</memory>\n"
                                  "  <vcpu>1</vcpu>\n"
                                  "  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
                                  "  <devices>\n"
                                  "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                                  "    <disk type='file' device='disk'>\n"
                                  "      <driver name='qemu' type='qcow2'/>\n"
                                  "      <source file='/images/disk.qcow2'/>\n"
                                  "      <target dev='vda' bus='virtio'/>\n"
                                  "    </disk>\n"
                                  "    <interface type='user'>\n"
                                  "      <model type='e1000'/>\n"
                                  "      <rom file='/roms/efi-e1000.rom'/>\n"
                                  "    </interface>\n"
                                  "  </devices>\n"
                                  "</domain>\n";

/* The live check's findings of one rule, as "severity: xpath: message" lines. */
static char *live_findings(const char *file, const char *sysroot, const char *rule, int *ret_exit)
{
    char *const argv[] = {(char *)DC_BINARY,  (char *)"check", (char *)"--sysroot", (char *)sysroot,
                          (char *)"--format", (char *)"json",  (char *)file,        NULL};
    run_result r;
    run(argv, 120.0, &r);
    if (r.exit_code != 0 && r.exit_code != 1) {
        print_run("live", argv, &r);
        fail_msg("the live check exited %d", r.exit_code);
    }
    *ret_exit = r.exit_code;
    json_object *root = json_tokener_parse(r.out);
    if (!root)
        fail_msg("--format json output does not parse: %.300s", r.out);
    json_object *f = json_object_array_get_idx(jarr(root, "files"), 0);
    json_object *findings = jarr(f, "findings");
    dc_buf b = {0};
    for (size_t i = 0; i < json_object_array_length(findings); i++) {
        json_object *fd = json_object_array_get_idx(findings, i);
        if (streq(jstr(fd, "rule"), rule))
            dc_buf_addf(&b, "%s: %s: %s\n", jstr(fd, "severity"), jstr(fd, "xpath"),
                        jstr(fd, "message"));
    }
    json_object_put(root);
    run_result_clear(&r);
    return b.len ? dc_buf_steal(&b) : xstrdup("");
}

/*
 * Live (the default mode), with the real QEMU and a --sysroot: a missing
 * disk image and a missing NIC rom file are host-path errors in libvirt's
 * words; with both files in the root there is nothing to say.
 */
static void test_live_host_paths(void **state)
{
    (void)state;
    if (access("/usr/bin/qemu-system-x86_64", X_OK) != 0) {
        print_message("SKIP: /usr/bin/qemu-system-x86_64 is not installed\n");
        skip();
    }
    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/domain/hostres-paths.xml", live_domain);
    _cleanup_free_ char *file = xasprintf("%s/domain/hostres-paths.xml", t.path);
    int rc;
    _cleanup_free_ char *missing = live_findings(file, t.path, "host-path", &rc);
    _cleanup_free_ char *want =
        xasprintf("error: /domain/devices/disk/source/@file: Cannot access storage file "
                  "'/images/disk.qcow2' (as uid:%u, gid:%u): No such file or directory\n"
                  "error: /domain/devices/interface/rom/@file: failed to find romfile "
                  "\"/roms/efi-e1000.rom\"\n",
                  (unsigned)geteuid(), (unsigned)getegid());
    assert_string_equal(missing, want);
    assert_int_equal(rc, 1);

    tmproot_write(&t, "/images/disk.qcow2", "");
    tmproot_write(&t, "/roms/efi-e1000.rom", "");
    _cleanup_free_ char *present = live_findings(file, t.path, "host-path", &rc);
    assert_string_equal(present, "");
    assert_int_equal(rc, 0);
    tmproot_remove(&t);
}

/* ---- hostile and broken input -------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void write_big(const char *path, size_t size)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    static const char head[] = "<domain type='qemu'>\n  <name>big</name>\n  <description>";
    static const char tail[] = "</description>\n</domain>\n";
    assert_int_equal(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    char block[65536];
    memset(block, 'x', sizeof(block));
    for (size_t done = 0; done < size;) {
        size_t n = size - done < sizeof(block) ? size - done : sizeof(block);
        assert_int_equal(write(fd, block, n), (ssize_t)n);
        done += n;
    }
    assert_int_equal(write(fd, tail, strlen(tail)), (ssize_t)strlen(tail));
}

static void write_deep(const char *path, size_t depth)
{
    dc_buf b = {0};
    dc_buf_add(&b, "<domain type='qemu'>\n");
    for (size_t i = 0; i < depth; i++)
        dc_buf_add(&b, "<devices>");
    for (size_t i = 0; i < depth; i++)
        dc_buf_add(&b, "</devices>");
    dc_buf_add(&b, "\n</domain>\n");
    assert_int_equal(dc_write_file_atomic(path, b.s, b.len), 0);
    dc_buf_clear(&b);
}

static char *passwd_first_line(void)
{
    _cleanup_free_ char *t = read_text("/etc/passwd");
    if (!t || !*t)
        return NULL;
    return xstrndup(t, strcspn(t, "\n"));
}

static void test_hostile_input(void **state)
{
    (void)state;
    _cleanup_free_ char *big = xasprintf("%s/big.xml", workdir);
    _cleanup_free_ char *deep = xasprintf("%s/deep.xml", workdir);
    _cleanup_free_ char *fifo = xasprintf("%s/fifo.xml", workdir);
    _cleanup_free_ char *dir = xasprintf("%s/dir.xml", workdir);
    write_big(big, 20u << 20);
    write_deep(deep, 10000);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    _cleanup_free_ char *passwd = passwd_first_line();

    const char *const inputs[] = {
        big,
        deep,
        fifo,
        dir,
        "input-billion-laughs.xml",
        "input-xxe.xml",
        "input-external-dtd.xml",
        "input-empty.xml",
        "input-malformed.xml",
        "input-not-domain.xml",
        "domain-type-missing.xml",
        "nonexistent.xml",
    };
    static const char *const formats[] = {"text", "json", "junit"};
    unsigned failed = 0;
    for (size_t i = 0; i < ELEMENTSOF(inputs); i++)
        for (size_t k = 0; k < ELEMENTSOF(formats); k++) {
            _cleanup_strv_ dc_strv argv = {0};
            check_argv(&argv, "all", "numa2", formats[k]);
            dc_strv_add(&argv, inputs[i]);
            run_result r;
            run(argv.v, RUN_LIMIT_SECONDS, &r);
            unsigned before = failed;
            if (r.timed_out) {
                print_error("[%s] hung: killed after %.0f s\n", inputs[i], RUN_LIMIT_SECONDS);
                failed++;
            } else if (r.exit_code != 2) {
                print_error("[%s] exit %d, expected 2\n", inputs[i], r.exit_code);
                failed++;
            }
            if (r.seconds > CASE_MAX_SECONDS) {
                print_error("[%s] took %.2f s\n", inputs[i], r.seconds);
                failed++;
            }
            /* The message names the file: on stdout in text, on stderr (too) otherwise. */
            const char *where = streq(formats[k], "text") ? r.out : r.err;
            _cleanup_free_ char *want = streq(formats[k], "text")
                                            ? xasprintf("%s: input error: ", inputs[i])
                                            : xasprintf("domcaps: ");
            if (!startswith(where, want) || !strstr(where + strlen(want), inputs[i])) {
                print_error("[%s] no message naming the file\n", inputs[i]);
                failed++;
            }
            if (!streq(formats[k], "text") && strchr(r.err, '\n') != r.err + strlen(r.err) - 1) {
                print_error("[%s] stderr is not one line\n", inputs[i]);
                failed++;
            }
            if (passwd && (strstr(r.out, passwd) || strstr(r.err, passwd))) {
                print_error("[%s] the output contains the first line of /etc/passwd\n", inputs[i]);
                failed++;
            }
            if (strlen(r.out) > 64 * 1024) {
                print_error("[%s] %zu bytes of output\n", inputs[i], strlen(r.out));
                failed++;
            }
            if (failed != before)
                print_run(formats[k], argv.v, &r);
            run_result_clear(&r);
        }
    if (failed)
        fail_msg("%u hostile-input check(s) failed", failed);
}

/* ---- usage errors ------------------------------------------------------------------------- */

static void test_usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[8];
        const char *err;
    } cases[] = {
        {{"--host", "../snapshots/host-numa2.xml", "ok-q35-tcg.xml"}, "give --caps too"},
        {{"--caps", "ok-q35-tcg.xml", "ok-q35-tcg.xml"},
         "unusable capabilities snapshot: ok-q35-tcg.xml is not a domainCapabilities document"},
        {{"--caps", "../snapshots/x86_64-q35-qemu.xml", "--host",
          "../snapshots/x86_64-q35-qemu.xml", "ok-q35-tcg.xml"},
         "unusable host report: ../snapshots/x86_64-q35-qemu.xml is not a domcaps host report"},
        {{"--caps", "input-xxe.xml", "ok-q35-tcg.xml"}, "DOCTYPE declarations are not allowed"},
        {{"--caps", "../snapshots/x86_64-q35-qemu.xml", "--format", "yaml", "ok-q35-tcg.xml"},
         "unknown format 'yaml'"},
        {{"--caps", "../snapshots/x86_64-q35-qemu.xml"}, "at least one domain XML file"},
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        _cleanup_strv_ dc_strv argv = {0};
        dc_strv_add(&argv, DC_BINARY);
        dc_strv_add(&argv, "check");
        for (size_t k = 0; k < ELEMENTSOF(cases[i].args) && cases[i].args[k]; k++)
            dc_strv_add(&argv, cases[i].args[k]);
        run_result r;
        run(argv.v, RUN_LIMIT_SECONDS, &r);
        if (r.exit_code != 2 || !startswith(r.err, "domcaps: ") || !strstr(r.err, cases[i].err) ||
            *r.out) {
            print_run("usage", argv.v, &r);
            fail_msg("usage case %zu: expected exit 2 and \"%s\" on stderr", i, cases[i].err);
        }
        run_result_clear(&r);
    }
}

/* ---- setup ---------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    load_index();
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    workdir = xasprintf("%s/domcaps-test-check-XXXXXX", base);
    if (!mkdtemp(workdir)) {
        print_error("cannot create a directory under %s: %s\n", base, strerror(errno));
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (workdir)
        nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(workdir);
    workdir = NULL;
    for (size_t i = 0; i < ncorpus; i++) {
        free(corpus[i].name);
        free(corpus[i].caps);
        free(corpus[i].host);
    }
    free(corpus);
    corpus = NULL;
    ncorpus = 0;
    return 0;
}

int main(void)
{
    if (access(DC_BINARY, X_OK) != 0) {
        fprintf(stderr, "test_check: %s is not built\n", DC_BINARY);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_json_rule_coverage),
        cmocka_unit_test(test_multiple_files),
        cmocka_unit_test(test_junit),
        cmocka_unit_test(test_caps_only_skips_host_rules),
        cmocka_unit_test(test_no_snapshot_matches),
        cmocka_unit_test(test_live_host_paths),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests_name("check", tests, group_setup, group_teardown);
}
