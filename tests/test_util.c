/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The util layer on hostile input: a root whose symlinks and '..' paths try
 * to leave it (with openat2 and with the component walk used without it).
 */
#include "test_helpers.h"

#include <fcntl.h>
#include <limits.h>

#include "jobs.h"
#include "sha256.h"

static char top[] = "/tmp/domcaps-util-XXXXXX";
static char *rootdir, *secret;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/*
 * top/secret           a file outside the root
 * top/root/etc/hostname "inside"
 * top/root/sys/a -> /etc/hostname        absolute: resolves inside the root
 * top/root/sys/b -> ../../../../secret   relative: '..' stops at the root
 * top/root/sys/c -> <abs path of top/secret>  absolute to a host file
 * top/root/sys/d -> d                     a loop
 * top/root/sys/dir -> ../etc              a directory link
 */
static int make_tree(void **state)
{
    (void)state;
    if (!mkdtemp(top))
        return -1;
    rootdir = xasprintf("%s/root", top);
    secret = xasprintf("%s/secret", top);
    write_file(secret, "host secret\n");
    _cleanup_free_ char *etc = xasprintf("%s/etc", rootdir);
    _cleanup_free_ char *sys = xasprintf("%s/sys", rootdir);
    if (mkdir(rootdir, 0755) < 0 || mkdir(etc, 0755) < 0 || mkdir(sys, 0755) < 0)
        return -1;
    _cleanup_free_ char *hn = xasprintf("%s/hostname", etc);
    write_file(hn, "inside\n");
    const char *links[][2] = {
        {"a", "/etc/hostname"}, {"b", "../../../../secret"}, {"c", secret}, {"d", "d"},
        {"dir", "../etc"},
    };
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        _cleanup_free_ char *l = xasprintf("%s/%s", sys, links[i][0]);
        if (symlink(links[i][1], l) < 0)
            return -1;
    }
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", top);
    free(rootdir);
    free(secret);
    return system(cmd) == 0 ? 0 : -1;
}

static void contained(bool walk)
{
    dc_root_no_openat2 = walk;
    dc_root *r = NULL;
    assert_int_equal(dc_root_open(rootdir, &r), 0);
    assert_false(dc_root_is_live(r));
    char *line = NULL;
    /* An absolute link is taken relative to the root. */
    assert_int_equal(dc_root_read_line(r, "/sys/a", &line), 0);
    assert_string_equal(line, "inside");
    free(line);
    /* '..' beyond the root stays at the root: root/secret does not exist. */
    assert_int_equal(dc_root_read_line(r, "/sys/b", &line), -ENOENT);
    assert_int_equal(dc_root_read_line(r, "/../../secret", &line), -ENOENT);
    _cleanup_free_ char *abs_outside = xasprintf("/../../../..%s", secret);
    assert_int_equal(dc_root_read_line(r, abs_outside, &line), -ENOENT);
    /* A link to a host file's absolute path names root/<that path>. */
    assert_int_equal(dc_root_read_line(r, "/sys/c", &line), -ENOENT);
    struct stat st;
    assert_int_equal(dc_root_stat(r, "/sys/c", &st), -ENOENT);
    assert_int_equal(dc_root_access(r, "/sys/c", R_OK), -ENOENT);
    assert_int_equal(dc_root_lstat(r, "/sys/c", &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* A loop ends. */
    assert_int_equal(dc_root_stat(r, "/sys/d", &st), -ELOOP);
    /* A directory link inside the root works, for reads and listings. */
    assert_int_equal(dc_root_read_line(r, "/sys/dir/hostname", &line), 0);
    assert_string_equal(line, "inside");
    free(line);
    DIR *d = dc_root_opendir(r, "/sys/dir");
    assert_non_null(d);
    closedir(d);
    assert_int_equal(dc_root_access(r, "/sys/dir/hostname", R_OK), 0);
    char *target = NULL;
    assert_int_equal(dc_root_readlink(r, "/sys/b", &target), 0);
    assert_string_equal(target, "../../../../secret");
    free(target);
    /* O_NOFOLLOW on a link: refused, not followed. */
    int fd = dc_root_open_file(r, "/sys/a", O_RDONLY | O_NOFOLLOW);
    assert_true(fd == -ELOOP);
    dc_root_free(r);
    dc_root_no_openat2 = false;
}

static void test_root_openat2(void **state)
{
    (void)state;
    contained(false);
}

static void test_root_walk(void **state)
{
    (void)state;
    contained(true);
}

/* The live root uses paths as they are (symlinks to anywhere are the host's own). */
static void test_root_live(void **state)
{
    (void)state;
    dc_root *r = NULL;
    assert_int_equal(dc_root_open("/", &r), 0);
    assert_true(dc_root_is_live(r));
    _cleanup_free_ char *viaroot = xasprintf("%s/sys/c", rootdir);
    char *line = NULL;
    assert_int_equal(dc_root_read_line(r, viaroot, &line), 0);
    assert_string_equal(line, "host secret");
    free(line);
    dc_root_free(r);
}

static void test_parse_numbers(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(dc_parse_u64("18446744073709551615", 10, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(dc_parse_u64("18446744073709551616", 10, UINT64_MAX, &v), -ERANGE);
    assert_int_equal(dc_parse_u64("99999999999999999999", 10, UINT64_MAX, &v), -ERANGE);
    assert_int_equal(dc_parse_u64("1024", 10, 1023, &v), -ERANGE);
    assert_int_equal(dc_parse_u64("", 10, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(dc_parse_u64("-1", 10, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(dc_parse_u64(" 1", 10, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(dc_parse_u64("1 ", 10, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(dc_parse_u64("12k", 10, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(dc_parse_u64("0x1f", 0, UINT64_MAX, &v), 0);
    assert_true(v == 31);
    assert_int_equal(dc_parse_u64("010", 0, UINT64_MAX, &v), 0);
    assert_true(v == 10); /* no octal */
    assert_int_equal(dc_parse_u64("0x", 0, UINT64_MAX, &v), -EINVAL);
    unsigned u;
    assert_int_equal(dc_parse_uint("4294967296", 10, &u), -ERANGE);
    int i;
    assert_int_equal(dc_parse_int("-2147483648", 10, &i), 0);
    assert_int_equal(i, INT_MIN);
    assert_int_equal(dc_parse_int("2147483648", 10, &i), -ERANGE);
    assert_int_equal(dc_parse_int("--1", 10, &i), -EINVAL);
    assert_int_equal(dc_mul_u64(UINT64_MAX / 2 + 1, 2, &v), -ERANGE);
    assert_int_equal(dc_mul_u64(1ULL << 31, 1ULL << 32, &v), 0);
}

static void test_bitmap(void **state)
{
    (void)state;
    dc_bitmap b = {0};
    assert_int_equal(dc_bitmap_parse("0-3, 8,^2 ,62-65", DC_CPUSET_LIMIT, true, &b), 0);
    _cleanup_free_ char *f = dc_bitmap_format(&b);
    assert_string_equal(f, "0-1,3,8,62-65");
    assert_int_equal(dc_bitmap_count(&b), 8);
    assert_true(dc_bitmap_test(&b, 64));
    assert_false(dc_bitmap_test(&b, 2));
    assert_false(dc_bitmap_test(&b, 100000));
    dc_bitmap_clear(&b);
    assert_int_equal(dc_bitmap_parse("18446744073709551615", DC_CPUSET_LIMIT, true, &b), -ERANGE);
    assert_int_equal(dc_bitmap_parse("0-18446744073709551615", DC_CPUSET_LIMIT, true, &b), -ERANGE);
    assert_int_equal(dc_bitmap_parse("0-16384", DC_CPUSET_LIMIT, true, &b), -ERANGE);
    assert_int_equal(dc_bitmap_parse("0-16383", DC_CPUSET_LIMIT, true, &b), 0);
    assert_int_equal(dc_bitmap_count(&b), 16384);
    dc_bitmap_clear(&b);
    const char *bad[] = {"3-1", "1,", ",1", "1--2", "^1", "a", "1 2", "0-", "-1", "^1-3"};
    for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
        bool neg = !streq(bad[k], "^1");
        assert_int_equal(dc_bitmap_parse(bad[k], DC_CPUSET_LIMIT, neg, &b), -EINVAL);
    }
    assert_int_equal(dc_bitmap_parse("", DC_CPUSET_LIMIT, true, &b), 0);
    assert_int_equal(dc_bitmap_count(&b), 0);
    dc_bitmap_clear(&b);
    /* A long list is linear: 100,000 items. */
    dc_buf big = {0};
    for (unsigned k = 0; k < 100000; k++)
        dc_buf_addf(&big, "%s%u", k ? "," : "", k % DC_CPUSET_LIMIT);
    assert_int_equal(dc_bitmap_parse(big.s, DC_CPUSET_LIMIT, true, &b), 0);
    assert_int_equal(dc_bitmap_count(&b), DC_CPUSET_LIMIT);
    dc_bitmap_clear(&b);
    dc_buf_clear(&big);
    unsigned *ids = NULL;
    size_t n = 0;
    assert_int_equal(dc_cpulist_parse("0-2,5\n", &ids, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(ids[3], 5);
    free(ids);
}

/* What the finished callback saw: each job once, with the running count of ended ones. */
typedef struct jobs_seen {
    const dc_job *jobs;
    size_t calls, last_done;
    int order[8];
} jobs_seen;

static void job_finished(void *ctx, const dc_job *job, size_t ndone, size_t total)
{
    jobs_seen *seen = ctx;
    assert_int_equal(total, 6);
    assert_true(ndone >= seen->last_done);
    seen->last_done = ndone;
    seen->order[seen->calls++] = (int)(job - seen->jobs);
}

/*
 * The job runner: stdout collected, exit codes kept, a job past its limit
 * killed (with the process group it started), an unstartable one reported,
 * and with one job at a time the heavier ones start first.
 */
static void test_jobs(void **state)
{
    (void)state;
    _cleanup_free_ char *log = xasprintf("%s/jobs.log", top);
    _cleanup_free_ char *a = xasprintf("echo a >>%s; echo out-a", log);
    _cleanup_free_ char *b = xasprintf("echo b >>%s; exit 3", log);
    _cleanup_free_ char *c = xasprintf("echo c >>%s; sleep 30 & sleep 30", log);
    _cleanup_free_ char *d = xasprintf("echo d >>%s; kill -9 $$", log);
    _cleanup_free_ char *f = xasprintf("echo f >>%s; printf 'x%%.0s' $(seq 100000)", log);
    const char *argv_a[] = {"/bin/sh", "-c", a, NULL}, *argv_b[] = {"/bin/sh", "-c", b, NULL},
               *argv_c[] = {"/bin/sh", "-c", c, NULL}, *argv_d[] = {"/bin/sh", "-c", d, NULL},
               *argv_e[] = {"/nonexistent/program", NULL}, *argv_f[] = {"/bin/sh", "-c", f, NULL};
    dc_job jobs[] = {
        {.argv = argv_a, .weight = 1}, {.argv = argv_b, .weight = 3}, {.argv = argv_c, .weight = 1},
        {.argv = argv_d, .weight = 2}, {.argv = argv_e, .weight = 5}, {.argv = argv_f, .weight = 0},
    };
    jobs_seen seen = {.jobs = jobs};
    dc_jobs_opts o = {.max_running = 1,
                      .limit_ms = 1000,
                      .stderr_fd = -1,
                      .finished = job_finished,
                      .ctx = &seen};
    long long t0 = dc_now_ms();
    dc_jobs_run(jobs, ELEMENTSOF(jobs), &o);
    /* The sleeping job is stopped at its limit, not after 30 s. */
    assert_true(dc_now_ms() - t0 < 10000);

    assert_string_equal(jobs[0].out.s, "out-a\n");
    assert_int_equal(jobs[0].exit_code, 0);
    assert_int_equal(jobs[1].exit_code, 3);
    assert_true(jobs[2].timed_out);
    assert_int_equal(jobs[2].exit_code, -1);
    assert_false(jobs[3].timed_out);
    assert_int_equal(jobs[3].exit_code, -1); /* killed by a signal */
    assert_non_null(jobs[4].error);
    assert_int_equal(jobs[4].exit_code, -1);
    assert_int_equal(jobs[5].out.len, 100000); /* more than a pipe holds */
    assert_int_equal(jobs[5].exit_code, 0);
    for (size_t i = 0; i < ELEMENTSOF(jobs); i++)
        if (i != 4)
            assert_null(jobs[i].error);

    /* Every job ended once; five ran to their end; weight order, ties as given. */
    assert_int_equal(seen.calls, 6);
    assert_int_equal(seen.last_done, 5);
    const int want[] = {4, 1, 3, 0, 2, 5};
    for (size_t i = 0; i < ELEMENTSOF(want); i++)
        assert_int_equal(seen.order[i], want[i]);
    _cleanup_close_ int fd = open(log, O_RDONLY | O_CLOEXEC);
    _cleanup_free_ char *text = NULL;
    assert_int_equal(dc_read_fd(fd, 4096, &text, NULL), 0);
    assert_string_equal(text, "b\nd\na\nc\nf\n");
    for (size_t i = 0; i < ELEMENTSOF(jobs); i++)
        dc_job_clear(&jobs[i]);
    unlink(log);
}

/* The error convention: the code returned is the one kept, messages replace and prefix. */
/* FIPS 180-4 examples and a long run, by both compressions; both agree at every length. */
static void test_sha256(void **state)
{
    static const struct {
        const char *text;
        const char *hex;
    } known[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
         "mnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char got[65];
    for (size_t i = 0; i < ELEMENTSOF(known); i++)
        for (int accel = 0; accel < 2; accel++) {
            dc_sha256_hex_with(known[i].text, strlen(known[i].text), accel, got);
            assert_string_equal(got, known[i].hex);
        }
    size_t big = 1000000;
    _cleanup_free_ char *a = xmalloc(big);
    memset(a, 'a', big);
    for (int accel = 0; accel < 2; accel++) {
        dc_sha256_hex_with(a, big, accel, got);
        assert_string_equal(got,
                            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    /* Every length around the block and padding boundaries, bytes of every value. */
    for (size_t i = 0; i < 4096; i++)
        a[i] = (char)(i * 131 + 7);
    for (size_t len = 0; len <= 4096; len += len < 300 ? 1 : 61) {
        char generic[65];
        dc_sha256_hex_with(a, len, false, generic);
        dc_sha256_hex(a, len, got);
        assert_string_equal(got, generic);
    }
    print_message("sha256: the CPU's SHA instructions %s\n",
                  dc_sha256_accelerated() ? "are used" : "are not available");
}

static void test_error(void **state)
{
    (void)state;
    dc_error e = DC_ERROR_INIT;
    assert_int_equal(dc_error_set(&e, -ENOENT, "cannot open %s", "x"), -ENOENT);
    assert_int_equal(e.code, -ENOENT);
    assert_string_equal(e.message, "cannot open x");
    assert_int_equal(dc_error_set(&e, -EBADMSG, "second"), -EBADMSG);
    assert_int_equal(e.code, -EBADMSG);
    assert_string_equal(e.message, "second");
    assert_int_equal(dc_error_prefix(&e, "%s: ", "file"), -EBADMSG);
    assert_string_equal(e.message, "file: second");
    char *m = dc_error_steal(&e);
    assert_string_equal(m, "file: second");
    free(m);
    assert_null(e.message);
    assert_int_equal(e.code, 0);
    assert_int_equal(dc_error_take(&e, -EIO, xstrdup("taken")), -EIO);
    assert_string_equal(e.message, "taken");
    dc_error_clear(&e);
    assert_null(e.message);
    /* A caller that wants only the code passes NULL. */
    assert_int_equal(dc_error_set(NULL, -EPERM, "dropped"), -EPERM);
    assert_int_equal(dc_error_take(NULL, -EPERM, xstrdup("freed")), -EPERM);
    assert_int_equal(dc_error_prefix(NULL, "x"), 0);
    assert_null(dc_error_steal(NULL));
    dc_error_clear(NULL);
    /* A prefix on an unset error changes nothing. */
    assert_int_equal(dc_error_prefix(&e, "x: "), 0);
    assert_null(e.message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_numbers), cmocka_unit_test(test_bitmap),
        cmocka_unit_test(test_root_openat2),  cmocka_unit_test(test_root_walk),
        cmocka_unit_test(test_root_live),     cmocka_unit_test(test_jobs),
        cmocka_unit_test(test_error),         cmocka_unit_test(test_sha256),
    };
    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
