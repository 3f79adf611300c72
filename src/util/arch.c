/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "arch.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util.h"

static const struct {
    const char *arch;
    const char *qemu;
    const char *machine;
} archs[] = {
    {"aarch64", "aarch64", "virt"},
    {"alpha", "alpha", NULL},
    {"armv6l", "arm", "virt"},
    {"armv7l", "arm", "virt"},
    {"armv7b", "arm", "virt"},
    {"cris", "cris", NULL},
    {"hppa", "hppa", NULL},
    {"i686", "i386", "pc"},
    {"loongarch64", "loongarch64", "virt"},
    {"m68k", "m68k", NULL},
    {"microblaze", "microblaze", NULL},
    {"microblazeel", "microblazeel", NULL},
    {"mips", "mips", NULL},
    {"mipsel", "mipsel", NULL},
    {"mips64", "mips64", NULL},
    {"mips64el", "mips64el", NULL},
    {"openrisc", "or1k", NULL},
    {"ppc", "ppc", "g3beige"},
    {"ppc64", "ppc64", "pseries"},
    {"ppc64le", "ppc64", "pseries"},
    {"riscv32", "riscv32", "virt"},
    {"riscv64", "riscv64", "virt"},
    {"s390x", "s390x", "s390-ccw-virtio"},
    {"sh4", "sh4", NULL},
    {"sh4eb", "sh4eb", NULL},
    {"sparc", "sparc", NULL},
    {"sparc64", "sparc64", NULL},
    {"x86_64", "x86_64", "pc"},
    {"xtensa", "xtensa", NULL},
    {"xtensaeb", "xtensaeb", NULL},
};

bool dc_arch_known(const char *arch)
{
    for (size_t i = 0; i < ELEMENTSOF(archs); i++)
        if (streq(archs[i].arch, arch))
            return true;
    return false;
}

const char *dc_arch_from_qemu(const char *target)
{
    if (streq(target, "i386"))
        return "i686";
    if (streq(target, "arm"))
        return "armv7l";
    if (streq(target, "or1k"))
        return "openrisc";
    for (size_t i = 0; i < ELEMENTSOF(archs); i++)
        if (streq(archs[i].arch, target))
            return archs[i].arch;
    return NULL;
}

const char *dc_arch_to_qemu(const char *arch)
{
    for (size_t i = 0; i < ELEMENTSOF(archs); i++)
        if (streq(archs[i].arch, arch))
            return archs[i].qemu;
    return arch;
}

bool dc_arch_served_by(const char *arch, const char *emu_arch)
{
    if (streq(arch, emu_arch))
        return true;
    if (streq(emu_arch, "x86_64"))
        return streq(arch, "i686");
    if (streq(emu_arch, "aarch64"))
        return streq(arch, "armv7l");
    if (streq(emu_arch, "armv7l"))
        return streq(arch, "armv6l");
    if (streq(emu_arch, "ppc64"))
        return streq(arch, "ppc64le");
    return false;
}

const char *dc_arch_normalize(const char *machine)
{
    if (!machine)
        return NULL;
    if (streq(machine, "i386") || streq(machine, "i486") || streq(machine, "i586"))
        return "i686";
    if (streq(machine, "arm64"))
        return "aarch64";
    if (streq(machine, "amd64"))
        return "x86_64";
    for (size_t i = 0; i < ELEMENTSOF(archs); i++)
        if (streq(archs[i].arch, machine))
            return archs[i].arch;
    return NULL;
}

/*
 * The kernel's own machine name (kernel.arch), which a personality such as
 * `setarch i686` does not change; uname() only where that file is missing.
 */
const char *dc_arch_host(void)
{
    static char cached[65];
    if (!cached[0]) {
        char buf[65] = "";
        int fd = open("/proc/sys/kernel/arch", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof(buf) - 1);
            close(fd);
            buf[n > 0 ? n : 0] = '\0';
            buf[strcspn(buf, "\n")] = '\0';
        }
        const char *a = dc_arch_normalize(buf);
        struct utsname u;
        if (!a && uname(&u) == 0)
            a = dc_arch_normalize(u.machine) ? dc_arch_normalize(u.machine) : u.machine;
        snprintf(cached, sizeof(cached), "%s", a ? a : "unknown");
    }
    return cached;
}

bool dc_arch_native_to(const char *arch, const char *host)
{
    if (streq(arch, host))
        return true;
    /* A 64-bit host runs its 32-bit guests under KVM too. */
    return (streq(host, "x86_64") && streq(arch, "i686")) ||
           (streq(host, "aarch64") && streq(arch, "armv7l")) ||
           (streq(host, "ppc64le") && streq(arch, "ppc64")) ||
           (streq(host, "ppc64") && streq(arch, "ppc64le"));
}

bool dc_arch_is_native(const char *arch) { return dc_arch_native_to(arch, dc_arch_host()); }

bool dc_arch_is_x86(const char *arch) { return streq(arch, "x86_64") || streq(arch, "i686"); }
bool dc_arch_is_arm(const char *arch) { return streq(arch, "aarch64") || startswith(arch, "armv"); }
bool dc_arch_is_ppc64(const char *arch) { return startswith(arch, "ppc64"); }
bool dc_arch_is_s390(const char *arch) { return startswith(arch, "s390"); }

const char *dc_arch_preferred_machine(const char *arch)
{
    for (size_t i = 0; i < ELEMENTSOF(archs); i++)
        if (streq(archs[i].arch, arch))
            return archs[i].machine;
    return NULL;
}

static char *find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        if (n && p[0] == '/') {
            char *cand = xasprintf("%.*s/%s", (int)n, p, name);
            if (dc_is_executable_file(cand))
                return cand;
            free(cand);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    return NULL;
}

void dc_arch_emulator_targets(const char *arch, const char *ret[2])
{
    ret[0] = dc_arch_to_qemu(arch);
    ret[1] = streq(arch, "i686")                                ? "x86_64"
             : streq(arch, "armv7l") || streq(arch, "armv6l") ? "aarch64"
                                                              : NULL;
}

char *dc_find_emulator(const char *arch)
{
    const char *names[2];
    dc_arch_emulator_targets(arch, names);
    for (size_t i = 0; i < 2 && names[i]; i++) {
        _cleanup_free_ char *name = xasprintf("qemu-system-%s", names[i]);
        char *p = find_in_path(name);
        if (p)
            return p;
    }
    if (dc_arch_is_native(arch) && dc_is_executable_file("/usr/libexec/qemu-kvm"))
        return xstrdup("/usr/libexec/qemu-kvm");
    return NULL;
}

void dc_list_emulators(dc_strv *ret)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    dc_strv seen = {0}, found = {0};
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        _cleanup_free_ char *dir = xstrndup(p, n);
        _cleanup_closedir_ DIR *d = n && dir[0] == '/' ? opendir(dir) : NULL;
        for (struct dirent *de; d && (de = readdir(d));) {
            if (!startswith(de->d_name, "qemu-system-") || dc_strv_contains(&seen, de->d_name))
                continue;
            _cleanup_free_ char *full = xasprintf("%s/%s", dir, de->d_name);
            if (!dc_is_executable_file(full))
                continue;
            dc_strv_add(&seen, de->d_name);
            dc_strv_add(&found, full);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    dc_strv_sort(&found);
    for (size_t i = 0; i < found.n; i++)
        dc_strv_add(ret, found.v[i]);
    dc_strv_clear(&found);
    dc_strv_clear(&seen);
}
