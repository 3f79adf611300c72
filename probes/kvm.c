/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /dev/kvm: present, usable by the caller, its API version and vCPU limit,
 * the KVM module that is loaded, nesting and secure guests.
 *
 * A captured root holds /dev/kvm as a regular placeholder file: it is judged
 * by its mode alone and never opened as a device; the answers the capture
 * script got from the real one are lines in it ("api-version 12",
 * "max-vcpus 1024", "smm yes|no"), each unknown when absent. On the live
 * root a regular file is no device and KVM is not usable. Anything else is
 * opened through the seam (dc_kvm_open) and asked with ioctls only when it
 * is a character device.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "host.h"

static bool param_on(const dc_root *root, const char *path)
{
    _cleanup_free_ char *v = NULL;
    if (dc_root_read_line(root, path, &v) < 0)
        return false;
    return streq(v, "Y") || streq(v, "y") || streq(v, "1");
}

static bool is_dir(const dc_root *root, const char *path)
{
    struct stat st;
    return dc_root_stat(root, path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const dc_root *root, const char *path)
{
    struct stat st;
    return dc_root_stat(root, path, &st) == 0;
}

static bool cmdline_has_prot_virt(const dc_root *root)
{
    _cleanup_free_ char *cl = NULL;
    if (dc_root_read_line(root, "/proc/cmdline", &cl) < 0)
        return false;
    char *save = NULL;
    for (char *t = strtok_r(cl, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (streq(t, "prot_virt=1") || streq(t, "prot_virt=y") || streq(t, "prot_virt=on"))
            return true;
    return false;
}

/*
 * The first loaded module of these. The vendor modules come first: they are
 * the ones that create /dev/kvm on x86 (kvm_intel, kvm_amd) and on POWER
 * (kvm_hv); elsewhere (arm64, s390) KVM is the one module kvm. A built-in
 * module shows up in /sys/module too when it has parameters.
 */
static char *loaded_module(const dc_root *root)
{
    static const char *const names[] = {"kvm_intel", "kvm_amd", "kvm_hv", "kvm"};
    for (size_t i = 0; i < ELEMENTSOF(names); i++) {
        _cleanup_free_ char *p = xasprintf("/sys/module/%s", names[i]);
        if (is_dir(root, p))
            return xstrdup(names[i]);
    }
    return NULL;
}

/*
 * The name of group gid: from NSS for the live root, from the root's own
 * /etc/group for a sysroot (NSS would describe this machine, not the captured
 * one). NULL when unknown.
 */
static char *group_name(const dc_root *root, gid_t gid)
{
    if (dc_root_is_live(root)) {
        /* A group with many members needs a large buffer: grow it on ERANGE. */
        for (size_t size = 4096; size <= (1u << 22); size *= 2) {
            _cleanup_free_ char *buf = xmalloc(size);
            struct group grp, *res = NULL;
            int r = getgrgid_r(gid, &grp, buf, size, &res);
            if (r == ERANGE)
                continue;
            return r == 0 && res ? xstrdup(res->gr_name) : NULL;
        }
        return NULL;
    }
    _cleanup_free_ char *text = NULL;
    if (dc_root_read_file(root, "/etc/group", 1 << 20, &text, NULL) < 0)
        return NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* name:password:gid:members */
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c1 == line)
            continue;
        char *end;
        errno = 0;
        unsigned long g = strtoul(c2 + 1, &end, 10);
        if (errno || end == c2 + 1 || *end != ':' || g != gid)
            continue;
        return xstrndup(line, (size_t)(c1 - line));
    }
    return NULL;
}

/*
 * Whether the caller may open /dev/kvm read-write, decided without access(2)
 * for root: root has DAC override, so both access(2) and the kernel's own
 * permission check let it in whatever the mode (an LSM or device-cgroup
 * denial only shows when the device is opened, which follows for a real one).
 * For anyone else the mode bits are compared with the effective uid, gid and
 * supplementary groups the way the kernel does (the owner class wins even
 * when it grants less than the group's); faccessat() may still grant access
 * through a POSIX ACL (logind's uaccess tag on /dev/kvm).
 */
static bool caller_may_open(const dc_root *root, const struct stat *st)
{
    uid_t euid = geteuid();
    if (euid == 0)
        return true;

    mode_t need;
    if (st->st_uid == euid)
        need = S_IRUSR | S_IWUSR;
    else {
        bool member = st->st_gid == getegid();
        int n = getgroups(0, NULL);
        if (!member && n > 0) {
            _cleanup_free_ gid_t *groups = xcalloc((size_t)n, sizeof(gid_t));
            n = getgroups(n, groups);
            for (int i = 0; i < n && !member; i++)
                member = groups[i] == st->st_gid;
        }
        need = member ? S_IRGRP | S_IWGRP : S_IROTH | S_IWOTH;
    }
    if ((st->st_mode & need) == need)
        return true;
    return dc_root_access(root, "/dev/kvm", R_OK | W_OK) == 0;
}

/* "… by uid 1000 (mode 0660, owner uid 0, group 108 (kvm))", plus ": <cause>" when given. */
static char *access_reason(const dc_root *root, const struct stat *st, const char *verb,
                           const char *cause)
{
    _cleanup_free_ char *gname = group_name(root, st->st_gid);
    _cleanup_free_ char *group = gname ? xasprintf("group %u (%s)", (unsigned)st->st_gid, gname)
                                       : xasprintf("group %u", (unsigned)st->st_gid);
    return xasprintf("/dev/kvm %s read-write by uid %u (mode %04o, owner uid %u, %s)%s%s", verb,
                     (unsigned)geteuid(), (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
                     group, cause ? ": " : "", cause ? cause : "");
}

/* Asks an open /dev/kvm for its API version and vCPU limit. */
static void query_device(dc_host *host, int fd)
{
    dc_hostkvm *k = &host->info.kvm;

    int v = dc_kvm_ioctl(fd, KVM_GET_API_VERSION, 0);
    if (v < 0) {
        k->reason = xasprintf("cannot query the KVM API version of /dev/kvm: %s", strerror(-v));
        return;
    }
    k->api_version = v;
    if (v != KVM_API_VERSION) {
        k->reason = xasprintf("unexpected KVM API version %d", v);
        return;
    }
    k->usable = true;

    /* KVM_CAP_MAX_VCPUS is the hard limit; older kernels only have the recommended NR_VCPUS. */
    v = dc_kvm_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (v <= 0)
        v = dc_kvm_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    if (v > 0)
        k->max_vcpus = (unsigned)v;
    else
        dc_host_diag(host, "kvm", "/dev/kvm does not report a vCPU limit; using the machine's");
#if defined(__x86_64__) || defined(__i386__)
    /* Nested or unusual hypervisors may lack SMM, which secure-boot firmware needs. */
    v = dc_kvm_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_SMM);
    k->smm = v > 0 ? 1 : 0;
#endif
}

/* The captured answers in a placeholder; a malformed line is diagnosed and ignored. */
static void from_placeholder(dc_host *host)
{
    dc_hostkvm *k = &host->info.kvm;
    _cleanup_free_ char *text = NULL;
    int r = dc_root_read_file(host->root, "/dev/kvm", 1 << 16, &text, NULL);
    if (r < 0) {
        dc_host_diag(host, "kvm", "cannot read the /dev/kvm placeholder: %s", strerror(-r));
        return;
    }
    unsigned line = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *sp = strchr(l, ' ');
        if (!sp)
            continue;
        *sp = '\0';
        const char *key = l, *val = sp + 1;
        unsigned u;
        bool bad = false;
        if (streq(key, "api-version")) {
            if (dc_parse_uint(val, 10, &u) < 0 || u > INT32_MAX)
                bad = true;
            else
                k->api_version = (int)u;
        } else if (streq(key, "max-vcpus")) {
            if (dc_parse_uint(val, 10, &u) < 0 || u == 0)
                bad = true;
            else
                k->max_vcpus = u;
        } else if (streq(key, "smm")) {
            if (streq(val, "yes") || streq(val, "no"))
                k->smm = streq(val, "yes");
            else
                bad = true;
        }
        if (bad)
            dc_host_diag(host, "kvm",
                         "the /dev/kvm placeholder has a malformed %s on line %u: '%s'", key, line,
                         val);
    }
    if (k->api_version >= 0 && k->api_version != KVM_API_VERSION) {
        k->usable = false;
        k->reason = xasprintf("unexpected KVM API version %d", k->api_version);
    }
}

static int probe_kvm(dc_host *host)
{
    const dc_root *root = host->root;
    dc_hostkvm *k = &host->info.kvm;
    struct stat st;

    k->api_version = -1;
    k->smm = -1;
    k->module = loaded_module(root);
    k->nested = param_on(root, "/sys/module/kvm_intel/parameters/nested") ||
                param_on(root, "/sys/module/kvm_amd/parameters/nested") ||
                param_on(root, "/sys/module/kvm_hv/parameters/nested") ||
                param_on(root, "/sys/module/kvm/parameters/nested");
    /* kvm_amd clears sev_es without sev and sev_snp without sev_es; so does this, for fixtures. */
    k->sev = param_on(root, "/sys/module/kvm_amd/parameters/sev") && exists(root, "/dev/sev");
    k->sev_es = k->sev && param_on(root, "/sys/module/kvm_amd/parameters/sev_es");
    k->sev_snp = k->sev_es && param_on(root, "/sys/module/kvm_amd/parameters/sev_snp");
    k->tdx = param_on(root, "/sys/module/kvm_intel/parameters/tdx");
    k->s390_pv = is_dir(root, "/sys/firmware/uv") && cmdline_has_prot_virt(root);

    int r = dc_root_stat(root, "/dev/kvm", &st);
    if (r < 0) {
        if (r == -ENOENT)
            k->reason = xstrdup("/dev/kvm does not exist");
        else {
            _cleanup_free_ char *p = dc_root_display(root, "/dev/kvm");
            k->reason = xasprintf("cannot stat %s: %s", p, strerror(-r));
        }
        return 0;
    }
    k->exists = true;

    if (!caller_may_open(root, &st)) {
        k->reason = access_reason(root, &st, "is not accessible", NULL);
        return 0;
    }
    if (S_ISREG(st.st_mode) && !dc_root_is_live(root)) {
        /* A captured root's placeholder: accessible; what it records stands for the ioctls. */
        k->usable = true;
        from_placeholder(host);
        return 0;
    }
    if (!S_ISCHR(st.st_mode)) {
        k->reason = xstrdup("/dev/kvm is not a character device");
        return 0;
    }

    _cleanup_close_ int fd = -1;
    r = dc_kvm_open(root, &fd);
    if (r == -EACCES || r == -EPERM) {
        /* Root too can be refused: by an LSM or the device cgroup. */
        k->reason = access_reason(root, &st, "cannot be opened", strerror(-r));
        return 0;
    }
    if (r < 0) {
        k->reason = xasprintf("cannot open /dev/kvm: %s", strerror(-r));
        return 0;
    }
    query_device(host, fd);
    return 0;
}

const dc_host_prober dc_probe_kvm = {
    .name = "kvm",
    .needed_for = DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY,
    .run = probe_kvm,
};
