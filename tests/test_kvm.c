/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KVM probe against fixture roots, with /dev/kvm's open and ioctls
 * mocked (-Wl,--wrap=dc_kvm_open,dc_kvm_ioctl). The kvm-chardev root is
 * copied into a temp dir whose /dev/kvm is made a character device (a copy
 * of /dev/null's numbers), so the probe takes the path that opens it. A
 * symlink to the host's /dev/null would not do: paths resolve inside the root.
 * Making the node needs root; without it the tests that need it are skipped.
 */
#include "test_helpers.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#define ROOTS DC_TEST_DATA_DIR "/roots"
#define REPLIES_X86 DC_TEST_DATA_DIR "/replies/qemu-7.2-x86_64.replies"

static char chardev_root[] = "/tmp/domcaps-kvm-XXXXXX";
static bool have_chardev_root;

static int make_chardev_root(void **state)
{
    (void)state;
    if (!mkdtemp(chardev_root))
        return -1;
    _cleanup_free_ char *cmd = xasprintf("cp -a '%s/kvm-chardev/.' '%s/'", ROOTS, chardev_root);
    if (system(cmd) != 0)
        return -1;
    _cleanup_free_ char *dev = xasprintf("%s/dev", chardev_root);
    _cleanup_free_ char *node = xasprintf("%s/dev/kvm", chardev_root);
    (void)mkdir(dev, 0755);
    have_chardev_root = mknod(node, S_IFCHR | 0666, makedev(1, 3)) == 0 && chmod(node, 0666) == 0;
    return 0;
}

static int remove_chardev_root(void **state)
{
    (void)state;
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", chardev_root);
    return system(cmd) == 0 ? 0 : -1;
}

int __wrap_dc_kvm_open(const dc_root *root, int *ret_fd);
int __wrap_dc_kvm_ioctl(int fd, unsigned long request, unsigned long arg);

/* will_return: 0 to succeed (hands out a /dev/null fd for the probe to close) or -errno. */
int __wrap_dc_kvm_open(const dc_root *root, int *ret_fd)
{
    int r = mock_type(int);
    if (r < 0)
        return r;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    *ret_fd = fd;
    return 0;
}

int __wrap_dc_kvm_ioctl(int fd, unsigned long request, unsigned long arg)
{
    check_expected(request);
    check_expected(arg);
    return mock_type(int);
}

static void expect_ioctl(unsigned long request, unsigned long arg, int result)
{
    expect_value(__wrap_dc_kvm_ioctl, request, request);
    expect_value(__wrap_dc_kvm_ioctl, arg, arg);
    will_return(__wrap_dc_kvm_ioctl, result);
}

/* SMM support is asked on x86 only. */
static void expect_smm(int result)
{
#if defined(__x86_64__) || defined(__i386__)
    expect_ioctl(KVM_CHECK_EXTENSION, KVM_CAP_X86_SMM, result);
#else
    (void)result;
#endif
}

/* Runs the KVM probe alone against root. */
static void probe(const char *root_path, dc_host *host)
{
    if (root_path == chardev_root && !have_chardev_root)
        skip(); /* making a character device needs root */
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(root_path, &root), 0);
    *host = (dc_host){.root = root};
    assert_int_equal(dc_probe_kvm.run(host), 0);
    host->root = NULL;
    dc_root_free(root);
}

static void test_open_eacces(void **state)
{
    will_return(__wrap_dc_kvm_open, -EACCES);
    dc_host host;
    probe(chardev_root, &host);
    const dc_hostkvm *k = &host.info.kvm;
    assert_true(k->exists);
    assert_false(k->usable);
    /* /dev/null: 0666 root:root; the group name comes from the root's /etc/group */
    _cleanup_free_ char *want =
        xasprintf("/dev/kvm cannot be opened read-write by uid %u (mode 0666, owner uid 0, "
                  "group 0 (root)): Permission denied",
                  (unsigned)geteuid());
    assert_string_equal(k->reason, want);
    assert_int_equal(k->api_version, -1);
    assert_int_equal(k->max_vcpus, 0);
    dc_host_clear(&host);
}

static void test_open_other_error(void **state)
{
    will_return(__wrap_dc_kvm_open, -ENXIO);
    dc_host host;
    probe(chardev_root, &host);
    assert_true(host.info.kvm.exists);
    assert_false(host.info.kvm.usable);
    assert_string_equal(host.info.kvm.reason, "cannot open /dev/kvm: No such device or address");
    dc_host_clear(&host);
}

static void test_api_version_11(void **state)
{
    will_return(__wrap_dc_kvm_open, 0);
    expect_ioctl(KVM_GET_API_VERSION, 0, 11);
    dc_host host;
    probe(chardev_root, &host);
    const dc_hostkvm *k = &host.info.kvm;
    assert_true(k->exists);
    assert_false(k->usable);
    assert_int_equal(k->api_version, 11);
    assert_string_equal(k->reason, "unexpected KVM API version 11");
    assert_int_equal(k->max_vcpus, 0);
    dc_host_clear(&host);
}

static void test_api_version_fails(void **state)
{
    will_return(__wrap_dc_kvm_open, 0);
    expect_ioctl(KVM_GET_API_VERSION, 0, -ENOTTY);
    dc_host host;
    probe(chardev_root, &host);
    assert_false(host.info.kvm.usable);
    assert_int_equal(host.info.kvm.api_version, -1);
    assert_string_equal(host.info.kvm.reason, "cannot query the KVM API version of /dev/kvm: "
                                              "Inappropriate ioctl for device");
    dc_host_clear(&host);
}

static void test_nr_vcpus_fallback(void **state)
{
    will_return(__wrap_dc_kvm_open, 0);
    expect_ioctl(KVM_GET_API_VERSION, 0, 12);
    expect_ioctl(KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS, 0);
    expect_ioctl(KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS, 240);
    expect_smm(1);
    dc_host host;
    probe(chardev_root, &host);
    const dc_hostkvm *k = &host.info.kvm;
    assert_true(k->exists);
    assert_true(k->usable);
    assert_null(k->reason);
    assert_int_equal(k->api_version, 12);
    assert_int_equal(k->max_vcpus, 240);
#if defined(__x86_64__) || defined(__i386__)
    assert_int_equal(k->smm, 1);
#endif
    assert_string_equal(k->module, "kvm_intel");
    assert_true(k->nested);
    assert_false(k->sev);
    assert_int_equal(host.info.ndiags, 0);
    dc_host_clear(&host);
}

static void test_no_vcpu_limit(void **state)
{
    will_return(__wrap_dc_kvm_open, 0);
    expect_ioctl(KVM_GET_API_VERSION, 0, 12);
    expect_ioctl(KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS, 0);
    expect_ioctl(KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS, -EINVAL);
    expect_smm(0);
    dc_host host;
    probe(chardev_root, &host);
    assert_true(host.info.kvm.usable);
    assert_int_equal(host.info.kvm.max_vcpus, 0);
#if defined(__x86_64__) || defined(__i386__)
    assert_int_equal(host.info.kvm.smm, 0);
#endif
    assert_int_equal(host.info.ndiags, 1);
    assert_string_equal(host.info.diags[0].probe, "kvm");
    assert_string_equal(host.info.diags[0].message,
                        "/dev/kvm does not report a vCPU limit; using the machine's");
    dc_host_clear(&host);
}

/* The caps document caps the machine's vCPU limit with KVM's, through the whole probe. */
static void expect_caps_vcpu_max(const char *machine, int kvm_max, const char *want)
{
    /* The recording enabled KVM for x86_64: that, not this machine's arch, makes it native. */
    will_return(__wrap_dc_kvm_open, 0);
    expect_ioctl(KVM_GET_API_VERSION, 0, 12);
    expect_ioctl(KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS, kvm_max);
    expect_smm(1);
    dc_test_probe p = {
        .replay = REPLIES_X86,
        .sysroot = chardev_root,
        .machine = machine,
        .virttype = "kvm",
    };
    _cleanup_free_ char *doc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int r = dc_test_run_probe(&p, &doc, &msg);
    if (r != 0)
        fail_msg("probe failed (%d): %s", r, msg.message ? msg.message : "?");
    assert_non_null(strstr(doc, "<domain>kvm</domain>"));
    if (!strstr(doc, want))
        fail_msg("%s not in the document for %s with KVM max %d", want, machine, kvm_max);
}

static void test_caps_vcpu_max(void **state)
{
    expect_caps_vcpu_max("pc-i440fx-7.2", 1024, "<vcpu max='255'/>");
    expect_caps_vcpu_max("pc-q35-7.2", 1024, "<vcpu max='288'/>");
    expect_caps_vcpu_max("pc-i440fx-7.2", 64, "<vcpu max='64'/>");
    expect_caps_vcpu_max("pc-q35-7.2", 64, "<vcpu max='64'/>");
}

static void test_nokvm(void **state)
{
    dc_host host;
    probe(ROOTS "/nokvm", &host); /* no will_return: an open or ioctl would fail the test */
    const dc_hostkvm *k = &host.info.kvm;
    assert_false(k->exists);
    assert_false(k->usable);
    assert_string_equal(k->reason, "/dev/kvm does not exist");
    assert_string_equal(k->module, "kvm");
    assert_int_equal(k->api_version, -1);
    assert_false(k->nested);
    assert_false(k->sev || k->sev_es || k->sev_snp || k->tdx || k->s390_pv);
    dc_host_clear(&host);
}

static void test_kvm_sev(void **state)
{
    dc_host host;
    probe(ROOTS "/kvm-sev", &host); /* a placeholder file: never opened */
    const dc_hostkvm *k = &host.info.kvm;
    assert_true(k->exists);
    /*
     * The placeholder is judged by its mode like a device: usable by root and
     * by the checkout's owner, not by another user (access(2) as the oracle).
     */
    if (geteuid() == 0 || access(ROOTS "/kvm-sev/dev/kvm", R_OK | W_OK) == 0) {
        assert_true(k->usable);
        assert_null(k->reason);
    } else {
        assert_false(k->usable);
        assert_true(startswith(k->reason, "/dev/kvm is not accessible read-write by uid "));
    }
    assert_string_equal(k->module, "kvm_amd");
    assert_true(k->nested);
    assert_true(k->sev);
    assert_true(k->sev_es);
    assert_true(k->sev_snp);
    assert_false(k->tdx);
    assert_false(k->s390_pv);
    assert_int_equal(k->api_version, -1);
    assert_int_equal(k->max_vcpus, 0);
    dc_host_clear(&host);
}

/*
 * Placeholder /dev/kvm files with a given mode, judged for a given caller.
 * Git does not keep file modes or owners, so these roots are made here.
 */
typedef struct tmp_root {
    char dir[64];
    char kvm[96];
    char devdir[80];
} tmp_root;

static void tmp_root_make(tmp_root *t, mode_t mode, uid_t uid, gid_t gid)
{
    strcpy(t->dir, "/tmp/domcaps-kvm-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    assert_int_equal(chmod(t->dir, 0755), 0);
    snprintf(t->devdir, sizeof(t->devdir), "%s/dev", t->dir);
    assert_int_equal(mkdir(t->devdir, 0755), 0);
    snprintf(t->kvm, sizeof(t->kvm), "%s/kvm", t->devdir);
    int fd = open(t->kvm, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    if (uid != (uid_t)-1 || gid != (gid_t)-1)
        assert_int_equal(chown(t->kvm, uid, gid), 0);
    assert_int_equal(chmod(t->kvm, mode), 0);
}

static void tmp_root_remove(tmp_root *t)
{
    unlink(t->kvm);
    rmdir(t->devdir);
    rmdir(t->dir);
}

#define SKIP_EXIT_KVM 77
#define NOBODY 65534
#define SKIP_EXIT 77

/*
 * Runs the probe in a child that becomes uid/gid with the given supplementary
 * groups (when running as root), and returns "usable\n" or the reason.
 */
static char *probe_as(const char *root_path, bool switch_ids, uid_t uid, gid_t gid,
                      const gid_t *groups, size_t ngroups)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        if (switch_ids && (setgroups(ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
                           setresuid(uid, uid, uid) < 0))
            _exit(SKIP_EXIT);
        dc_root *root = NULL;
        if (dc_root_open(root_path, &root) < 0)
            _exit(1);
        dc_host host = {.root = root};
        if (dc_probe_kvm.run(&host) < 0)
            _exit(1);
        const char *out = host.info.kvm.usable ? "usable\n" : host.info.kvm.reason;
        if (!out || write(p[1], out, strlen(out)) != (ssize_t)strlen(out))
            _exit(1);
        dc_host_clear(&host);
        dc_root_free(root);
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    char *out = NULL;
    assert_int_equal(dc_read_fd(p[0], 4096, &out, NULL), 0);
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == SKIP_EXIT) {
        free(out);
        return NULL;
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    return out;
}

/* As root: judged by the mode bits as the unprivileged user nobody would be. */
static void test_noaccess_mode_bits_as_nobody(void **state)
{
    if (geteuid() != 0)
        skip(); /* test_noaccess_mode_bits_as_self covers an unprivileged run */
    static const gid_t kvm_group[] = {4242};
    static const struct {
        mode_t mode;
        uid_t owner;
        gid_t group;
        const gid_t *groups;
        size_t ngroups;
        bool usable;
    } cases[] = {
        /* other class */
        {0600, 0, 0, NULL, 0, false},
        {0666, 0, 0, NULL, 0, true},
        {0606, 0, 0, NULL, 0, true},
        {0604, 0, 0, NULL, 0, false},
        /* group class through a supplementary group */
        {0660, 0, 4242, kvm_group, 1, true},
        {0660, 0, 4242, NULL, 0, false},
        {0640, 0, 4242, kvm_group, 1, false},
        /* group class through the primary group */
        {0660, 0, NOBODY, NULL, 0, true},
        /* owner class wins even when the group's would grant access */
        {0060, NOBODY, 4242, kvm_group, 1, false},
        {0600, NOBODY, 0, NULL, 0, true},
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        tmp_root t;
        tmp_root_make(&t, cases[i].mode, cases[i].owner, cases[i].group);
        _cleanup_free_ char *out =
            probe_as(t.dir, true, NOBODY, NOBODY, cases[i].groups, cases[i].ngroups);
        tmp_root_remove(&t);
        if (!out)
            skip(); /* cannot change ids (no CAP_SETUID in this namespace) */
        if (cases[i].usable) {
            if (!streq(out, "usable\n"))
                fail_msg("case %zu (mode %04o): want usable, got: %s", i, (unsigned)cases[i].mode,
                         out);
            continue;
        }
        _cleanup_free_ char *want = xasprintf(
            "/dev/kvm is not accessible read-write by uid %u (mode %04o, owner uid %u, group %u",
            NOBODY, (unsigned)cases[i].mode, (unsigned)cases[i].owner, (unsigned)cases[i].group);
        if (!startswith(out, want))
            fail_msg("case %zu: want a reason starting\n  %s\ngot\n  %s", i, want, out);
    }
}

/* The owner without write permission; as root the same file is accessible (DAC override). */
static void test_noaccess_mode_bits_as_self(void **state)
{
    tmp_root t;
    tmp_root_make(&t, 0400, (uid_t)-1, (gid_t)-1);
    struct stat st;
    assert_int_equal(stat(t.kvm, &st), 0);
    _cleanup_free_ char *out = probe_as(t.dir, false, 0, 0, NULL, 0);
    tmp_root_remove(&t);
    assert_non_null(out);
    if (geteuid() == 0) {
        assert_string_equal(out, "usable\n");
        return;
    }
    /* A sysroot without /etc/group: the group is named by number only. */
    _cleanup_free_ char *want =
        xasprintf("/dev/kvm is not accessible read-write by uid %u (mode 0400, owner uid %u, "
                  "group %u)",
                  (unsigned)geteuid(), (unsigned)st.st_uid, (unsigned)st.st_gid);
    assert_string_equal(out, want);
}

/* A captured placeholder's recorded answers stand for the ioctls it never gets. */
static void test_placeholder_facts(void **state)
{
    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/dev/kvm",
                  "placeholder for /dev/kvm captured by tests/capture/capture-root.sh\n"
                  "api-version 12\nmax-vcpus 710\nsmm no\ntsc-khz 2596146\n");
    dc_host host;
    probe(t.path, &host); /* no will_return: an open or ioctl would fail the test */
    const dc_hostkvm *k = &host.info.kvm;
    assert_true(k->usable);
    assert_int_equal(k->api_version, 12);
    assert_int_equal(k->max_vcpus, 710);
    assert_int_equal(k->smm, 0);
    assert_int_equal(host.info.ndiags, 0);
    dc_host_clear(&host);

    /* Strict numbers: a malformed line is named and ignored; another API version is refused. */
    tmproot_write(&t, "/dev/kvm", "api-version 11\nmax-vcpus 12x\nsmm maybe\n");
    probe(t.path, &host);
    assert_false(k->usable);
    assert_string_equal(k->reason, "unexpected KVM API version 11");
    assert_int_equal(k->max_vcpus, 0);
    assert_int_equal(k->smm, -1);
    assert_int_equal(host.info.ndiags, 2);
    assert_string_equal(host.info.diags[0].message,
                        "the /dev/kvm placeholder has a malformed max-vcpus on line 2: '12x'");
    assert_string_equal(host.info.diags[1].message,
                        "the /dev/kvm placeholder has a malformed smm on line 3: 'maybe'");
    dc_host_clear(&host);
    tmproot_remove(&t);
}

/*
 * On the live root a regular file at /dev/kvm (a container's stray file) is
 * no device: the placeholder shortcut is for captured roots only. A private
 * mount namespace bind-mounts a file over /dev/kvm for the child alone.
 */
static void test_live_regular_file(void **state)
{
    char file[] = "/tmp/domcaps-kvmfile-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    assert_true(write(fd, "api-version 12\n", 15) == 15);
    close(fd);
    assert_int_equal(chmod(file, 0666), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
            _exit(SKIP_EXIT_KVM);
        struct stat st;
        if (stat("/dev/kvm", &st) < 0 || mount(file, "/dev/kvm", "none", MS_BIND, NULL) < 0)
            _exit(SKIP_EXIT_KVM);
        dc_root *root = NULL;
        if (dc_root_open("/", &root) < 0)
            _exit(1);
        dc_host host = {.root = root};
        if (dc_probe_kvm.run(&host) < 0)
            _exit(1);
        const char *out = host.info.kvm.usable ? "usable" : host.info.kvm.reason;
        if (!out || write(p[1], out, strlen(out)) != (ssize_t)strlen(out))
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    char *out = NULL;
    assert_int_equal(dc_read_fd(p[0], 4096, &out, NULL), 0);
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(file);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == SKIP_EXIT_KVM) {
        free(out);
        skip(); /* no private mount namespace here (not root), or no /dev/kvm to cover */
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_string_equal(out, "/dev/kvm is not a character device");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_eacces),
        cmocka_unit_test(test_open_other_error),
        cmocka_unit_test(test_api_version_11),
        cmocka_unit_test(test_api_version_fails),
        cmocka_unit_test(test_nr_vcpus_fallback),
        cmocka_unit_test(test_no_vcpu_limit),
        cmocka_unit_test(test_caps_vcpu_max),
        cmocka_unit_test(test_nokvm),
        cmocka_unit_test(test_kvm_sev),
        cmocka_unit_test(test_placeholder_facts),
        cmocka_unit_test(test_live_regular_file),
        cmocka_unit_test(test_noaccess_mode_bits_as_nobody),
        cmocka_unit_test(test_noaccess_mode_bits_as_self),
    };
    return cmocka_run_group_tests(tests, make_chardev_root, remove_chardev_root);
}
