/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host TSC frequency and whether KVM can scale a guest's TSC to another
 * one, as libvirt learns them for <timer name='tsc' frequency=.../>: a
 * throwaway VM with one vCPU asked KVM_GET_TSC_KHZ, the VM asked
 * KVM_CAP_TSC_CONTROL. x86 only.
 *
 * A captured root's /dev/kvm placeholder carries the answers the capture
 * script got on the captured host, as "tsc-khz N" and "tsc-scaling yes|no"
 * lines; it is never opened as a device.
 */
#include <linux/kvm.h>

#include "host.h"

static void from_placeholder(dc_host *host)
{
    _cleanup_free_ char *text = NULL;
    if (dc_root_read_file(host->root, "/dev/kvm", 1 << 16, &text, NULL) < 0)
        return;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        unsigned long long khz;
        char yn[8];
        if (sscanf(l, "tsc-khz %llu", &khz) == 1 && khz > 0 && khz < 100000000ULL)
            host->info.tsc_hz = khz * 1000;
        else if (sscanf(l, "tsc-scaling %7s", yn) == 1)
            host->info.tsc_scaling = streq(yn, "yes") ? 1 : streq(yn, "no") ? 0 : -1;
    }
}

static int probe_tsc(dc_host *host)
{
#if defined(__x86_64__) || defined(__i386__)
    const dc_hostkvm *k = &host->info.kvm;
    if (!k->usable)
        return 0;
    struct stat st;
    if (dc_root_stat(host->root, "/dev/kvm", &st) < 0)
        return 0;
    if (S_ISREG(st.st_mode)) {
        from_placeholder(host);
        return 0;
    }
    _cleanup_close_ int fd = -1;
    if (dc_kvm_open(host->root, &fd) < 0)
        return 0;
    int vm = dc_kvm_ioctl(fd, KVM_CREATE_VM, 0);
    if (vm < 0) {
        dc_host_diag(host, "tsc", "cannot create a KVM VM to ask the TSC frequency: %s",
                     strerror(-vm));
        return 0;
    }
    _cleanup_close_ int vmfd = vm;
    int r = dc_kvm_ioctl(vmfd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL);
    int scaling = r > 0 ? 1 : r == 0 ? 0 : -1;
    int vcpu = dc_kvm_ioctl(vmfd, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) {
        dc_host_diag(host, "tsc", "cannot create a KVM vCPU to ask the TSC frequency: %s",
                     strerror(-vcpu));
        return 0;
    }
    _cleanup_close_ int vcpufd = vcpu;
    int khz = dc_kvm_ioctl(vcpufd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) {
        dc_host_diag(host, "tsc", "KVM_GET_TSC_KHZ failed: %s",
                     khz < 0 ? strerror(-khz) : "no frequency");
        return 0;
    }
    host->info.tsc_hz = (unsigned long long)khz * 1000;
    host->info.tsc_scaling = scaling;
#else
    (void)host;
#endif
    return 0;
}

const dc_host_prober dc_probe_tsc = {
    .name = "tsc",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_tsc,
};
