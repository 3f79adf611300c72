/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Probes the real installed QEMU, records the session, replays the recording
 * and checks that both give the same document: the replay path is faithful
 * to the live one, for every virttype this host offers.
 */
#include "test_helpers.h"

static char *tmpdir;

static int setup(void **state)
{
    char tmpl[] = "/tmp/domcaps-live-XXXXXX";
    tmpdir = xstrdup(mkdtemp(tmpl));
    return 0;
}

static int teardown(void **state)
{
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return -1;
    free(tmpdir);
    return 0;
}

static void live_vs_replay(const char *emulator, const char *machine, const char *virttype)
{
    if (access(emulator, X_OK) < 0) {
        print_message("SKIP: %s is not installed\n", emulator);
        skip();
    }
    _cleanup_free_ char *rec = xasprintf("%s/%s-%s.replies", tmpdir, strrchr(emulator, '/') + 1,
                                         virttype ? virttype : "default");
    dc_test_probe live = {.emulator = emulator, .record = rec, .machine = machine,
                          .virttype = virttype};
    _cleanup_free_ char *doc_live = NULL, *doc_replay = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int rc = dc_test_run_probe(&live, &doc_live, &msg);
    if (rc == DC_EXIT_USAGE && virttype && streq(virttype, "kvm")) {
        print_message("SKIP: %s\n", msg.message);
        skip();
    }
    if (rc != 0)
        fail_msg("live probe of %s failed: %s", emulator, msg.message);
    assert_int_equal(access(rec, R_OK), 0);

    dc_test_probe replay = live;
    replay.record = NULL;
    replay.replay = rec;
    rc = dc_test_run_probe(&replay, &doc_replay, &msg);
    if (rc != 0)
        fail_msg("replay of %s failed: %s", rec, msg.message);
    assert_string_equal(doc_live, doc_replay);

    _cleanup_free_ char *want = xasprintf("<path>%s</path>", emulator);
    assert_non_null(strstr(doc_live, want));
    assert_non_null(strstr(doc_live, "<mode name='custom' supported='yes'>"));
}

static void test_x86_default(void **state) { live_vs_replay("/usr/bin/qemu-system-x86_64", NULL, NULL); }
static void test_x86_q35_qemu(void **state) { live_vs_replay("/usr/bin/qemu-system-x86_64", "q35", "qemu"); }
static void test_x86_kvm(void **state) { live_vs_replay("/usr/bin/qemu-system-x86_64", "q35", "kvm"); }
static void test_aarch64(void **state) { live_vs_replay("/usr/bin/qemu-system-aarch64", NULL, NULL); }

/* The default machine is printed under its canonical, versioned name. */
static void test_canonical_machine(void **state)
{
    if (access("/usr/bin/qemu-system-x86_64", X_OK) < 0)
        skip();
    dc_test_probe p = {.emulator = "/usr/bin/qemu-system-x86_64", .virttype = "qemu"};
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_test_run_probe(&p, &doc, &msg), 0);
    assert_non_null(strstr(doc, "<machine>pc-i440fx-"));
    assert_null(strstr(doc, "<machine>pc</machine>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x86_default),
        cmocka_unit_test(test_x86_q35_qemu),
        cmocka_unit_test(test_x86_kvm),
        cmocka_unit_test(test_aarch64),
        cmocka_unit_test(test_canonical_machine),
    };
    return cmocka_run_group_tests_name("live", tests, setup, teardown);
}
