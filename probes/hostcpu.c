/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host CPU from /proc/cpuinfo and the sysfs CPU topology. The caps
 * document needs only phys_bits, so this probe stays cheap: /proc/cpuinfo is
 * read once, and the topology costs three small sysfs reads per core (thread
 * siblings are skipped once their core is known). What is absent stays
 * unknown silently (captured roots hold only what they need); what is
 * present but unreadable or garbled gets a diagnostic.
 */
#include <ctype.h>
#include <limits.h>

#include "arch.h"
#include "host.h"

#define SYS_CPU "/sys/devices/system/cpu"

/* The value of the first "key : value" line of cpuinfo text, trimmed; NULL when absent. */
static char *cpuinfo_value(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        size_t len = next ? (size_t)(next - line) : strlen(line);
        if (next)
            next++;
        if (len <= klen || strncmp(line, key, klen) != 0)
            continue;
        const char *p = line + klen, *end = line + len;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end || *p != ':')
            continue;
        p++;
        while (p < end && isspace((unsigned char)*p))
            p++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        return xstrndup(p, (size_t)(end - p));
    }
    return NULL;
}

/* A decimal field such as "cpu family"; -1 when absent or not a number. */
static int cpuinfo_int(const char *text, const char *key)
{
    _cleanup_free_ char *v = cpuinfo_value(text, key);
    if (!v || !isdigit((unsigned char)v[0]))
        return -1;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return errno || *end || n > INT_MAX ? -1 : (int)n;
}

static char **split_flags(const char *s)
{
    _cleanup_strv_ dc_strv sv = {0};
    for (const char *p = s; *p;) {
        while (isspace((unsigned char)*p))
            p++;
        size_t n = strcspn(p, " \t");
        if (n)
            dc_strv_add_take(&sv, xstrndup(p, n));
        p += n;
    }
    if (sv.n == 0)
        return NULL;
    dc_strv_sort(&sv);
    size_t k = 1;
    for (size_t i = 1; i < sv.n; i++) {
        if (streq(sv.v[i], sv.v[k - 1]))
            free(sv.v[i]);
        else
            sv.v[k++] = sv.v[i];
    }
    sv.v[k] = NULL;
    char **v = sv.v;
    sv = (dc_strv){0};
    return v;
}

static bool has_flag(char **flags, const char *name)
{
    for (char **f = flags; f && *f; f++)
        if (streq(*f, name))
            return true;
    return false;
}

/* libvirt's arch name from cpuinfo alone; NULL when cpuinfo does not tell (ppc64 or ppc64le?). */
static const char *cpuinfo_arch(const char *text, bool x86, char **flags)
{
    if (x86)
        return has_flag(flags, "lm") ? "x86_64" : "i686";
    _cleanup_free_ char *armv = cpuinfo_value(text, "CPU architecture");
    if (armv) {
        if (streq(armv, "8") || streq(armv, "AArch64"))
            return "aarch64";
        if (streq(armv, "7"))
            return "armv7l";
        if (startswith(armv, "6"))
            return "armv6l";
    }
    _cleanup_free_ char *vendor = cpuinfo_value(text, "vendor_id");
    if (vendor && streq(vendor, "IBM/S390"))
        return "s390x";
    return NULL;
}

static void parse_cpuinfo(dc_host *host, const char *text)
{
    dc_hostcpu *cpu = &host->info.cpu;

    _cleanup_free_ char *x86_flags = cpuinfo_value(text, "flags");
    _cleanup_free_ char *vendor = cpuinfo_value(text, "vendor_id");
    /* x86 names its vendor and has "flags"; s390 has a vendor_id but "features". */
    bool x86 = x86_flags && vendor;
    if (x86_flags)
        cpu->flags = split_flags(x86_flags);
    else {
        _cleanup_free_ char *features = cpuinfo_value(text, "Features");
        if (!features)
            features = cpuinfo_value(text, "features");
        if (features)
            cpu->flags = split_flags(features);
    }

    const char *arch = cpuinfo_arch(text, x86, cpu->flags);
    if (!cpu->arch && arch)
        cpu->arch = xstrdup(arch);
    /* ARM has no vendor string; its implementer code ("0x41") is the equivalent. */
    cpu->vendor = vendor ? TAKE_PTR(vendor) : cpuinfo_value(text, "CPU implementer");
    cpu->model_name = cpuinfo_value(text, "model name");
    if (x86) {
        cpu->family = cpuinfo_int(text, "cpu family");
        cpu->model = cpuinfo_int(text, "model");
        cpu->stepping = cpuinfo_int(text, "stepping");
    }
    cpu->microcode = cpuinfo_value(text, "microcode");
    cpu->vmx = has_flag(cpu->flags, "vmx");
    cpu->svm = has_flag(cpu->flags, "svm");

    _cleanup_free_ char *sizes = cpuinfo_value(text, "address sizes");
    unsigned bits;
    if (sizes) {
        if (sscanf(sizes, "%u bits physical", &bits) == 1 && bits > 0 && bits < 64)
            cpu->phys_bits = bits;
        else
            dc_host_diag(host, "hostcpu",
                         "cannot read the physical address size from /proc/cpuinfo: '%s'", sizes);
    }
}

typedef struct core {
    unsigned package, die;
} core;

/*
 * sockets, dies per socket, cores per die and threads per core over the
 * online CPUs. A core is a set of thread siblings: core_id need not be
 * unique across dies, the sibling sets are. Like libvirt, each level takes
 * the largest count found, so an uneven host reports its biggest socket.
 */
static int count_topology(dc_host *host, const unsigned *online, size_t n)
{
    dc_hostcpu *cpu = &host->info.cpu;
    unsigned max_id = online[n - 1];
    _cleanup_free_ bool *seen = xcalloc((size_t)max_id + 1, sizeof(*seen));
    _cleanup_free_ core *cores = NULL;
    size_t ncores = 0;
    unsigned threads = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned id = online[i];
        if (seen[id])
            continue;
        _cleanup_free_ char *path = xasprintf(SYS_CPU "/cpu%u/topology/thread_siblings_list", id);
        _cleanup_free_ unsigned *sib = NULL;
        size_t nsib = 0;
        core c;
        int r = dc_host_read_cpulist(host, "hostcpu", path, false, &sib, &nsib);
        if (r < 0)
            return r;
        int package = dc_host_topology_id(host, "hostcpu", id, "physical_package_id", true);
        int die = dc_host_topology_id(host, "hostcpu", id, "die_id", true);
        if (package < 0 || die < 0)
            return -EINVAL;
        c.package = (unsigned)package;
        c.die = (unsigned)die;
        seen[id] = true;
        for (size_t j = 0; j < nsib; j++)
            if (sib[j] <= max_id)
                seen[sib[j]] = true;
        if (nsib > threads)
            threads = (unsigned)nsib;
        cores = xrealloc(cores, (ncores + 1) * sizeof(*cores));
        cores[ncores++] = c;
    }

    unsigned sockets = 0, dies = 0, cores_per_die = 0;
    for (size_t i = 0; i < ncores; i++) {
        bool first_of_package = true, first_of_die = true;
        for (size_t j = 0; j < i; j++) {
            if (cores[j].package != cores[i].package)
                continue;
            first_of_package = false;
            if (cores[j].die == cores[i].die)
                first_of_die = false;
        }
        if (first_of_package)
            sockets++;
        if (!first_of_die)
            continue;
        /* The first core of a die: count its package's dies and its own cores. */
        unsigned ndies = 0, ncore = 0;
        for (size_t j = 0; j < ncores; j++) {
            if (cores[j].package != cores[i].package)
                continue;
            if (cores[j].die == cores[i].die)
                ncore++;
            bool first = true;
            for (size_t k = 0; k < j; k++)
                if (cores[k].package == cores[j].package && cores[k].die == cores[j].die)
                    first = false;
            ndies += first;
        }
        if (ndies > dies)
            dies = ndies;
        if (ncore > cores_per_die)
            cores_per_die = ncore;
    }
    cpu->sockets = sockets;
    cpu->dies = dies;
    cpu->cores = cores_per_die;
    cpu->threads = threads;
    return 0;
}

static void read_topology(dc_host *host)
{
    _cleanup_free_ unsigned *online = NULL;
    size_t n = 0;
    /* Without the list of online CPUs (a minimal captured root) the topology stays unknown. */
    if (dc_host_read_cpulist(host, "hostcpu", SYS_CPU "/online", true, &online, &n) < 0 || n == 0)
        return;
    host->info.cpu.online_cpus = (unsigned)n;
    count_topology(host, online, n);
}

/*
 * The host's arch, the one whose KVM runs the guests: the kernel's own name
 * (/proc/sys/kernel/arch, which a captured root records and a personality
 * such as `setarch i686` does not change), else what /proc/cpuinfo tells
 * (parse_cpuinfo), else for the live root only, this machine's. A captured
 * root that records neither leaves it unknown: never this machine's uname().
 */
static void read_kernel_arch(dc_host *host)
{
    _cleanup_free_ char *v = NULL;
    int r = dc_root_read_line(host->root, "/proc/sys/kernel/arch", &v);
    if (r == -ENOENT)
        return;
    if (r < 0) {
        dc_host_diag(host, "hostcpu", "cannot read /proc/sys/kernel/arch: %s", strerror(-r));
        return;
    }
    const char *arch = dc_arch_normalize(v);
    if (!arch) {
        dc_host_diag(host, "hostcpu", "/proc/sys/kernel/arch names an unknown architecture '%s'",
                     v);
        return;
    }
    host->info.cpu.arch = xstrdup(arch);
}

static int probe_hostcpu(dc_host *host)
{
    host->info.cpu.family = host->info.cpu.model = host->info.cpu.stepping = -1;
    read_kernel_arch(host);
    _cleanup_free_ char *text = NULL;
    int r = dc_root_read_file(host->root, "/proc/cpuinfo", 16u << 20, &text, NULL);
    if (r < 0)
        dc_host_diag(host, "hostcpu", "cannot read /proc/cpuinfo: %s", strerror(-r));
    else
        parse_cpuinfo(host, text);
    if (!host->info.cpu.arch && dc_root_is_live(host->root))
        host->info.cpu.arch = xstrdup(dc_arch_host());
    /* Sockets, dies and cores are inventory: a caps run (the warm path) skips them. */
    if (host->what & DC_PROBE_FOR_INVENTORY)
        read_topology(host);
    return 0;
}

const dc_host_prober dc_probe_hostcpu = {
    .name = "hostcpu",
    .needed_for = DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY,
    .run = probe_hostcpu,
};
