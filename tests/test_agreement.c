/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `domcaps check` against what real libvirt 9.0 + QEMU 7.2 did with the same
 * domains (tests/data/libvirt-agreement, see its README):
 *
 *  - builds the capability snapshots of targets.tsv into a temp dir, all at once, each by
 *    `DC_BINARY --replay ... --sysroot ... --snapshot --no-cache`;
 *  - runs `DC_BINARY check --caps <all> --host host.xml --format json` once
 *    over every domain file in domains/;
 *  - per domain: libvirt `started` <=> no error finding, refused (define or
 *    start) <=> at least one; the domains classes.tsv lists are skipped.
 *
 * A mismatch prints a table (false rejects and false accepts apart, with
 * libvirt's message and domcaps' rules and first message), counts per arch,
 * and fails.
 */
#include "test_helpers.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The classes.tsv letters, in the order the summary counts them: v (a value
 * newer than libvirt 9.0), q (a defect of this host or QEMU), c (out of
 * scope), p (a path on the recording host, checked live only), e (an endpoint
 * the domain connects to at start; domcaps warns live).
 */
#define CLASSES "vqcpe"

#ifndef DC_BINARY
#error "DC_BINARY must be defined by the build"
#endif

#define AGREE_DIR DC_TEST_DATA_DIR "/libvirt-agreement"
#define SYSROOT DC_TEST_DATA_DIR "/roots/intel-nested-kvm"
#define REPLIES_DIR DC_TEST_DATA_DIR "/replies"
/* One run of the binary may not take longer than this. */
#define RUN_LIMIT_SECONDS 60

typedef struct verdict {
    char *domain, *arch, *machine, *virttype, *verdict, *message;
    char klass; /* from classes.tsv, 0 when the domain must agree */
    char *klass_note;
    /* from the check run */
    bool seen, input_error;
    int errors, warnings;
    char *rules;     /* error rules, comma-separated */
    char *first_msg; /* first error (or, without one, first warning) message */
} verdict;

static verdict *rows;
static size_t nrows;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 4096) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Splits line at tabs into at most max fields (in place); returns the count. */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    while (n < max) {
        fields[n++] = line;
        char *tab = strchr(line, '\t');
        if (!tab)
            break;
        *tab = '\0';
        line = tab + 1;
    }
    return n;
}

static verdict *find_row(const char *domain)
{
    for (size_t i = 0; i < nrows; i++)
        if (streq(rows[i].domain, domain))
            return &rows[i];
    return NULL;
}

static void load_verdicts(void)
{
    _cleanup_free_ char *text = slurp(AGREE_DIR "/verdicts.tsv");
    assert_non_null(text);
    char *save = NULL;
    bool header = true;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (header) {
            header = false;
            continue;
        }
        char *f[8];
        if (split_tabs(line, f, 8) < 6) {
            fail_msg("verdicts.tsv: short row '%s'", line);
        }
        rows = realloc(rows, (nrows + 1) * sizeof(*rows));
        assert_non_null(rows);
        rows[nrows++] = (verdict){
            .domain = xstrdup(f[0]),
            .arch = xstrdup(f[1]),
            .machine = xstrdup(f[2]),
            .virttype = xstrdup(f[3]),
            .verdict = xstrdup(f[4]),
            .message = xstrdup(f[5]),
        };
    }
    assert_true(nrows > 0);
}

/* classes.tsv: domain, class (v, q, c, p or e), note; '#' starts a comment line. */
static void load_classes(size_t *stale)
{
    _cleanup_free_ char *text = slurp(AGREE_DIR "/classes.tsv");
    assert_non_null(text);
    char *save = NULL;
    *stale = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[3];
        size_t n = split_tabs(line, f, 3);
        if (n < 3 || strlen(f[1]) != 1 || !strchr(CLASSES, f[1][0]) || !f[2][0])
            fail_msg("classes.tsv: a row needs domain, class v/q/c/p/e and a reason: '%s'", line);
        verdict *r = find_row(f[0]);
        if (!r) {
            print_error("classes.tsv: %s is not in verdicts.tsv\n", f[0]);
            (*stale)++;
            continue;
        }
        r->klass = f[1][0];
        r->klass_note = xstrdup(f[2]);
    }
}

/* Starts argv with stdout and stderr into files (in dir, when given); returns its pid. */
static pid_t spawn_to_files(char *const *argv, const char *dir, const char *out, const char *err)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (o < 0 || e < 0 || in < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 ||
            (dir && chdir(dir) < 0))
            _exit(126);
        setenv("LC_ALL", "C", 1);
        alarm(RUN_LIMIT_SECONDS);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int wait_exit(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *json_str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static void take_results(json_object *doc)
{
    json_object *files;
    assert_true(json_object_object_get_ex(doc, "files", &files));
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        json_object *fo = json_object_array_get_idx(files, i);
        const char *path = json_str(fo, "file");
        assert_non_null(path);
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        _cleanup_free_ char *dom = xstrdup(base);
        if (strlen(dom) > 4 && streq(dom + strlen(dom) - 4, ".xml"))
            dom[strlen(dom) - 4] = '\0';
        verdict *r = find_row(dom);
        if (!r)
            continue;
        r->seen = true;
        json_object *ie;
        if (json_object_object_get_ex(fo, "inputError", &ie) && ie &&
            !json_object_is_type(ie, json_type_null)) {
            r->input_error = true;
            r->errors++;
            r->rules = xstrdup("input-error");
            r->first_msg =
                xstrdup(json_object_is_type(ie, json_type_string) ? json_object_get_string(ie)
                                                                  : json_object_to_json_string(ie));
        }
        json_object *fs;
        if (!json_object_object_get_ex(fo, "findings", &fs))
            continue;
        char *warn_msg = NULL;
        for (size_t j = 0; j < json_object_array_length(fs); j++) {
            json_object *x = json_object_array_get_idx(fs, j);
            const char *sev = json_str(x, "severity"), *rule = json_str(x, "rule"),
                       *msg = json_str(x, "message");
            if (!sev || !rule)
                continue;
            if (streq(sev, "error")) {
                r->errors++;
                if (!r->rules) {
                    r->rules = xstrdup(rule);
                } else {
                    _cleanup_free_ char *pat = xasprintf(",%s,", rule);
                    _cleanup_free_ char *have = xasprintf(",%s,", r->rules);
                    if (!strstr(have, pat)) {
                        char *n = xasprintf("%s,%s", r->rules, rule);
                        free(r->rules);
                        r->rules = n;
                    }
                }
                if (!r->first_msg && msg)
                    r->first_msg = xstrdup(msg);
            } else if (streq(sev, "warning")) {
                r->warnings++;
                if (!warn_msg && msg)
                    warn_msg = xasprintf("(warning) [%s] %s", rule, msg);
            }
        }
        if (!r->first_msg && warn_msg)
            r->first_msg = warn_msg;
        else
            free(warn_msg);
    }
}

static bool refused(const verdict *r) { return !streq(r->verdict, "started"); }

static int domcaps_exit(const verdict *r) { return r->input_error ? 2 : r->errors ? 1 : 0; }

static void print_cut(const char *s, size_t max)
{
    if (!s || !*s) {
        print_message("-");
        return;
    }
    if (strlen(s) <= max)
        print_message("%s", s);
    else
        print_message("%.*s...", (int)max, s);
}

static void print_mismatches(const char *title, bool want_refused)
{
    size_t n = 0;
    for (size_t i = 0; i < nrows; i++)
        if (!rows[i].klass && rows[i].seen && refused(&rows[i]) == want_refused &&
            (rows[i].errors > 0) != want_refused)
            n++;
    if (!n)
        return;
    print_message("\n%s: %zu\n", title, n);
    print_message("  domain | libvirt: message | domcaps exit | error rules | first message\n");
    for (size_t i = 0; i < nrows; i++) {
        const verdict *r = &rows[i];
        if (r->klass || !r->seen || refused(r) != want_refused || (r->errors > 0) == want_refused)
            continue;
        print_message("  %s | %s: ", r->domain, r->verdict);
        print_cut(r->message, 160);
        print_message(" | %d | %s | ", domcaps_exit(r), r->rules ? r->rules : "-");
        print_cut(r->first_msg, 160);
        print_message("\n");
    }
}

typedef struct arch_count {
    char arch[32];
    size_t compared, agree, false_reject, false_accept, skipped;
} arch_count;

static void test_agreement(void **state)
{
    (void)state;
    double t0 = now_seconds();
    load_verdicts();
    size_t stale = 0;
    load_classes(&stale);

    /* the domains on disk, sorted */
    DIR *d = opendir(AGREE_DIR "/domains");
    assert_non_null(d);
    char **doms = NULL;
    size_t ndoms = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && streq(e->d_name + l - 4, ".xml")) {
            doms = realloc(doms, (ndoms + 1) * sizeof(*doms));
            assert_non_null(doms);
            doms[ndoms++] = xstrndup(e->d_name, l - 4);
        }
    }
    closedir(d);
    qsort(doms, ndoms, sizeof(*doms), cmp_str);
    size_t unrecorded = 0;
    for (size_t i = 0; i < ndoms; i++)
        if (!find_row(doms[i])) {
            print_error("domains/%s.xml has no row in verdicts.tsv (record it)\n", doms[i]);
            unrecorded++;
        }

    /* the snapshots */
    tmproot tmp;
    tmproot_make(&tmp);
    _cleanup_free_ char *targets = slurp(AGREE_DIR "/targets.tsv");
    assert_non_null(targets);
    dc_strv argv = {0};
    dc_strv_add(&argv, DC_BINARY);
    dc_strv_add(&argv, "check");
    /* all snapshots at once, then wait for each */
    typedef struct snap {
        pid_t pid;
        char *what, *out, *err;
    } snap;
    snap snaps[64];
    size_t nsnap = 0;
    char *save = NULL;
    for (char *line = strtok_r(targets, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0])
            continue;
        char *f[4];
        if (split_tabs(line, f, 4) != 4)
            fail_msg("targets.tsv: want replies, arch, machine, virttype: '%s'", line);
        assert_true(nsnap < ELEMENTSOF(snaps));
        _cleanup_free_ char *replies = xasprintf(REPLIES_DIR "/%s.replies", f[0]);
        snap *sn = &snaps[nsnap++];
        sn->what = xasprintf("%s %s %s from %s", f[1], f[2], f[3], f[0]);
        sn->out = xasprintf("%s/%s-%s-%s-%s.xml", tmp.path, f[0], f[1], f[2], f[3]);
        sn->err = xasprintf("%s.err", sn->out);
        char *sargv[] = {(char *)DC_BINARY,
                         (char *)"--replay",
                         replies,
                         (char *)"--sysroot",
                         (char *)SYSROOT,
                         (char *)"--arch",
                         f[1],
                         (char *)"--machine",
                         f[2],
                         (char *)"--virttype",
                         f[3],
                         (char *)"--snapshot",
                         (char *)"--no-cache",
                         NULL};
        sn->pid = spawn_to_files(sargv, NULL, sn->out, sn->err);
    }
    for (size_t i = 0; i < nsnap; i++) {
        int rc = wait_exit(snaps[i].pid);
        if (rc != 0) {
            _cleanup_free_ char *msg = slurp(snaps[i].err);
            fail_msg("snapshot %s failed with %d: %s", snaps[i].what, rc, msg ? msg : "");
        }
        dc_strv_add(&argv, "--caps");
        dc_strv_add(&argv, snaps[i].out);
        free(snaps[i].what);
        free(snaps[i].out);
        free(snaps[i].err);
    }
    dc_strv_add(&argv, "--host");
    dc_strv_add(&argv, "host.xml");
    dc_strv_add(&argv, "--format");
    dc_strv_add(&argv, "json");
    for (size_t i = 0; i < ndoms; i++)
        dc_strv_add_take(&argv, xasprintf("domains/%s.xml", doms[i]));
    double t1 = now_seconds();

    /* one check run over every domain */
    _cleanup_free_ char *out = xasprintf("%s/check.json", tmp.path);
    _cleanup_free_ char *err = xasprintf("%s/check.err", tmp.path);
    int rc = wait_exit(spawn_to_files(argv.v, AGREE_DIR, out, err));
    double t2 = now_seconds();
    _cleanup_free_ char *json = slurp(out);
    _cleanup_free_ char *errtext = slurp(err);
    if (rc != 0 && rc != 1)
        print_error("domcaps check exited with %d: %s\n", rc, errtext ? errtext : "");
    assert_non_null(json);
    json_object *doc = json_tokener_parse(json);
    if (!doc)
        fail_msg("domcaps check --format json printed no JSON (exit %d): %s", rc,
                 errtext ? errtext : "");
    take_results(doc);
    json_object_put(doc);
    tmproot_remove(&tmp);

    /* compare */
    arch_count per[32] = {0};
    size_t narch = 0, compared = 0, agree = 0, frej = 0, facc = 0, unseen = 0;
    size_t skipped[sizeof(CLASSES) - 1] = {0}, skipped_agreeing = 0;
    for (size_t i = 0; i < nrows; i++) {
        verdict *r = &rows[i];
        bool on_disk = bsearch(&r->domain, doms, ndoms, sizeof(*doms), cmp_str) != NULL;
        if (!on_disk)
            continue;
        size_t a = 0;
        while (a < narch && !streq(per[a].arch, r->arch))
            a++;
        if (a == narch && narch < ELEMENTSOF(per)) {
            snprintf(per[a].arch, sizeof(per[a].arch), "%s", r->arch);
            narch++;
        }
        if (!r->seen) {
            print_error("%s: not in the check output\n", r->domain);
            unseen++;
            continue;
        }
        bool mismatch = refused(r) != (r->errors > 0);
        if (r->klass) {
            skipped[strchr(CLASSES, r->klass) - CLASSES]++;
            per[a].skipped++;
            if (!mismatch)
                skipped_agreeing++;
            continue;
        }
        compared++;
        per[a].compared++;
        if (!mismatch) {
            agree++;
            per[a].agree++;
        } else if (refused(r)) {
            facc++;
            per[a].false_accept++;
        } else {
            frej++;
            per[a].false_reject++;
        }
    }
    print_message("agreement: %zu domains, %zu snapshots built in %.2f s, one check run in %.2f s "
                  "(exit %d)\n",
                  ndoms, nsnap, t1 - t0, t2 - t1, rc);
    print_message("  skipped by classes.tsv: %zu (v %zu, q %zu, c %zu, p %zu, e %zu; %zu of them "
                  "agree anyway)\n",
                  skipped[0] + skipped[1] + skipped[2] + skipped[3] + skipped[4], skipped[0],
                  skipped[1], skipped[2], skipped[3], skipped[4], skipped_agreeing);
    print_message("  compared %zu: agree %zu, false rejects %zu, false accepts %zu\n", compared,
                  agree, frej, facc);
    print_mismatches("FALSE REJECTS (libvirt started it, domcaps has an error)", false);
    print_mismatches("FALSE ACCEPTS (libvirt refused it, domcaps has no error)", true);
    print_message("\n  %-10s %8s %6s %13s %13s %8s\n", "arch", "compared", "agree", "false-reject",
                  "false-accept", "skipped");
    for (size_t a = 0; a < narch; a++)
        print_message("  %-10s %8zu %6zu %13zu %13zu %8zu\n", per[a].arch, per[a].compared,
                      per[a].agree, per[a].false_reject, per[a].false_accept, per[a].skipped);

    for (size_t i = 0; i < ndoms; i++)
        free(doms[i]);
    free(doms);
    dc_strv_clear(&argv);
    if (unrecorded || unseen || stale)
        fail_msg(
            "%zu domains unrecorded, %zu missing from the check output, %zu stale classes.tsv rows",
            unrecorded, unseen, stale);
    if (frej || facc)
        fail_msg(
            "domcaps check disagrees with libvirt on %zu domains (%zu false rejects, %zu false "
            "accepts)",
            frej + facc, frej, facc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agreement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
