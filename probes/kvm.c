/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /dev/kvm: present, usable by the caller, its vCPU limit, nesting and secure guests. */
#include <fcntl.h>
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

static int probe_kvm(dc_host *host)
{
    const dc_root *root = host->root;
    dc_hostkvm *k = &host->info.kvm;
    struct stat st;

    k->nested = param_on(root, "/sys/module/kvm_intel/parameters/nested") ||
                param_on(root, "/sys/module/kvm_amd/parameters/nested") ||
                param_on(root, "/sys/module/kvm_hv/parameters/nested") ||
                param_on(root, "/sys/module/kvm/parameters/nested");
    k->sev = param_on(root, "/sys/module/kvm_amd/parameters/sev") &&
             dc_root_stat(root, "/dev/sev", &st) == 0;
    k->tdx = param_on(root, "/sys/module/kvm_intel/parameters/tdx");
    k->s390_pv = dc_root_stat(root, "/sys/firmware/uv", &st) == 0 && S_ISDIR(st.st_mode) &&
                 cmdline_has_prot_virt(root);

    int r = dc_root_stat(root, "/dev/kvm", &st);
    if (r < 0) {
        k->reason = r == -ENOENT ? xstrdup("/dev/kvm does not exist")
                                 : xasprintf("cannot stat /dev/kvm: %s", strerror(-r));
        return 0;
    }
    k->exists = true;
    r = dc_root_access(root, "/dev/kvm", R_OK | W_OK);
    if (r < 0) {
        k->reason = xasprintf("/dev/kvm is not accessible read-write by uid %u (mode %04o, "
                              "owner %u, group %u): %s",
                              (unsigned)geteuid(), (unsigned)(st.st_mode & 07777),
                              (unsigned)st.st_uid, (unsigned)st.st_gid, strerror(-r));
        return 0;
    }
    if (!S_ISCHR(st.st_mode)) {
        /* A captured root holds a placeholder file: accessible, nothing to ask it. */
        k->usable = true;
        return 0;
    }
    _cleanup_close_ int fd = -1;
    r = dc_kvm_open(root, &fd);
    if (r < 0) {
        k->reason = xasprintf("cannot open /dev/kvm: %s", strerror(-r));
        return 0;
    }
    k->usable = true;
    k->api_version = dc_kvm_ioctl(fd, KVM_GET_API_VERSION, 0);
    int v = dc_kvm_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (v <= 0)
        v = dc_kvm_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    if (v > 0)
        k->max_vcpus = (unsigned)v;
    else
        dc_host_diag(host, "kvm", "/dev/kvm does not report a vCPU limit; using the machine's");
    return 0;
}

const dc_probe dc_probe_kvm = {
    .name = "kvm",
    .needed_for = DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY,
    .run = probe_kvm,
};
