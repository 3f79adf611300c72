/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The NUMA topology in the terms of <host><topology> in `virsh capabilities`:
 * per node its memory, page pools, distances and CPUs. Everything is read
 * from sysfs through the root; libnuma (through the seam) only decides
 * whether a live host supports NUMA at all, as libvirt's virNumaIsAvailable
 * does. A host without NUMA gets one synthesized cell.
 */
#include <ctype.h>
#include <limits.h>
#include <sys/stat.h>

#include "arch.h"
#include "host.h"
#include "numa_seam.h"

#define SYS_NODE "/sys/devices/system/node"
#define SYS_CPU "/sys/devices/system/cpu"
#define SYS_HUGEPAGES "/sys/kernel/mm/hugepages"
/* More CPU ids than any kernel supports: a longer list is garbage. */

static void diag_read(dc_host *host, const char *path, int err)
{
    _cleanup_free_ char *disp = dc_root_display(host->root, path);
    dc_host_diag(host, "numa", "cannot read %s: %s", disp, strerror(-err));
}

/* A whole-file unsigned number such as nr_hugepages; diagnoses what it cannot read. */
static int read_ull(dc_host *host, const char *path, unsigned long long *ret)
{
    _cleanup_free_ char *line = NULL;
    int r = dc_root_read_line(host->root, path, &line);
    if (r < 0) {
        diag_read(host, path, r);
        return r;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(line, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (!isdigit((unsigned char)line[0]) || errno || *end) {
        _cleanup_free_ char *disp = dc_root_display(host->root, path);
        dc_host_diag(host, "numa", "%s does not hold a number: '%s'", disp, line);
        return -EINVAL;
    }
    *ret = v;
    return 0;
}

/*
 * The value of key in a meminfo file, in KiB. Node files prefix each line
 * with "Node N ", /proc/meminfo does not. -ENOENT when the key is missing,
 * -EINVAL when its value is not a number of kB.
 */
static int meminfo_value(const char *text, const char *key, unsigned long long *ret)
{
    size_t klen = strlen(key);
    for (const char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            next++;
        const char *p = line;
        if (startswith(p, "Node ")) {
            p += 5;
            while (isdigit((unsigned char)*p))
                p++;
            while (*p == ' ')
                p++;
        }
        if (strncmp(p, key, klen) != 0 || p[klen] != ':')
            continue;
        p += klen + 1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno)
            return -EINVAL;
        while (*end == ' ')
            end++;
        if (startswith(end, "kB"))
            end += 2;
        if (*end && *end != '\n')
            return -EINVAL;
        *ret = v;
        return 0;
    }
    return -ENOENT;
}

typedef struct meminfo {
    unsigned long long total_kib, free_kib;
    bool total_known, free_known;
} meminfo;

static void read_meminfo(dc_host *host, const char *path, meminfo *ret)
{
    *ret = (meminfo){0};
    _cleanup_free_ char *text = NULL;
    int r = dc_root_read_file(host->root, path, 1u << 20, &text, NULL);
    if (r < 0) {
        diag_read(host, path, r);
        return;
    }
    static const char *const keys[] = {"MemTotal", "MemFree"};
    for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
        unsigned long long v;
        r = meminfo_value(text, keys[i], &v);
        if (r < 0) {
            _cleanup_free_ char *disp = dc_root_display(host->root, path);
            if (r == -ENOENT)
                dc_host_diag(host, "numa", "%s has no %s line", disp, keys[i]);
            else
                dc_host_diag(host, "numa", "the %s line of %s is not a number of kB", keys[i],
                             disp);
            continue;
        }
        if (i == 0) {
            ret->total_kib = v;
            ret->total_known = true;
        } else {
            ret->free_kib = v;
            ret->free_known = true;
        }
    }
}

static int cmp_pages(const void *a, const void *b)
{
    const dc_numa_pages *x = a, *y = b;
    return x->size_kib < y->size_kib ? -1 : x->size_kib > y->size_kib;
}

/* "hugepages-2048kB" -> 2048 */
static int hugepage_size(const char *name, unsigned long long *ret)
{
    const char *p = name + strlen("hugepages-");
    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || v == 0 || !streq(end, "kB"))
        return -EINVAL;
    *ret = v;
    return 0;
}

/*
 * The page pools of one node (or of the whole host): the base page size
 * first, then every hugepage size ascending. As libvirt's virNumaGetPages
 * does, the base page count is the memory not reserved as hugepages,
 * (MemTotal - sum(size * nr_hugepages)) / page size, and the free count is
 * MemFree / page size (free hugepages are not in MemFree).
 */
static void read_pages(dc_host *host, const char *hugedir, unsigned long long page_kib,
                       const meminfo *mem, const char *mempath, dc_numa_cell *cell)
{
    dc_numa_pages *pages = xcalloc(1, sizeof(*pages));
    size_t n = 1; /* slot 0: the base pages, filled last */
    unsigned long long huge_kib = 0;
    bool huge_overflow = false;

    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, hugedir);
    if (!d && errno != ENOENT)
        diag_read(host, hugedir, -errno);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (!startswith(de->d_name, "hugepages-"))
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", hugedir, de->d_name);
        unsigned long long size, nr, nfree;
        if (hugepage_size(de->d_name, &size) < 0) {
            _cleanup_free_ char *disp = dc_root_display(host->root, sub);
            dc_host_diag(host, "numa", "cannot tell the page size from the name of %s", disp);
            continue;
        }
        _cleanup_free_ char *nr_path = xasprintf("%s/nr_hugepages", sub);
        _cleanup_free_ char *free_path = xasprintf("%s/free_hugepages", sub);
        if (read_ull(host, nr_path, &nr) < 0 || read_ull(host, free_path, &nfree) < 0)
            continue;
        pages = xrealloc(pages, (n + 1) * sizeof(*pages));
        pages[n++] = (dc_numa_pages){.size_kib = size, .total = nr, .free = nfree};
        unsigned long long kib;
        if (__builtin_mul_overflow(size, nr, &kib) ||
            __builtin_add_overflow(huge_kib, kib, &huge_kib))
            huge_overflow = true;
    }
    qsort(pages + 1, n - 1, sizeof(*pages), cmp_pages);

    if (page_kib && mem->total_known) {
        pages[0].size_kib = page_kib;
        if (huge_overflow || huge_kib > mem->total_kib) {
            _cleanup_free_ char *disp = dc_root_display(host->root, mempath);
            dc_host_diag(host, "numa",
                         "the hugepage pools of node %u are larger than its MemTotal in %s "
                         "(%llu kB); counting no %llu KiB pages",
                         cell->id, disp, mem->total_kib, page_kib);
        } else {
            pages[0].total = (mem->total_kib - huge_kib) / page_kib;
        }
        if (mem->free_known)
            pages[0].free = mem->free_kib / page_kib;
    } else {
        /* Without MemTotal there is no base page count to report. */
        memmove(pages, pages + 1, (n - 1) * sizeof(*pages));
        n--;
    }
    if (n == 0) {
        free(pages);
        pages = NULL;
    }
    cell->pages = pages;
    cell->npages = n;
}

/*
 * nodeN/distance lists the distance to every online node in ascending node
 * order, which is how libnuma's numa_distance() maps it too (node ids may
 * have holes). Zeros are left out, as libvirt does.
 */
static void read_distances(dc_host *host, const char *path, const unsigned *nodes, size_t nnodes,
                           dc_numa_cell *cell)
{
    _cleanup_free_ char *line = NULL;
    int r = dc_root_read_line(host->root, path, &line);
    if (r < 0) {
        diag_read(host, path, r);
        return;
    }
    cell->distances = xcalloc(nnodes, sizeof(*cell->distances));
    size_t k = 0;
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        char *end;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (!isdigit((unsigned char)*p) || errno || v > UINT_MAX ||
            (*end && *end != ' ' && *end != '\t')) {
            _cleanup_free_ char *disp = dc_root_display(host->root, path);
            dc_host_diag(host, "numa", "%s holds something other than distances: '%s'", disp, line);
            return;
        }
        if (k == nnodes) {
            _cleanup_free_ char *disp = dc_root_display(host->root, path);
            dc_host_diag(host, "numa", "%s lists more distances than the %zu nodes: '%s'", disp,
                         nnodes, line);
            return;
        }
        if (v)
            cell->distances[cell->ndistances++] =
                (__typeof__(*cell->distances)){.id = nodes[k], .value = (unsigned)v};
        k++;
        p = end;
    }
    if (k < nnodes) {
        _cleanup_free_ char *disp = dc_root_display(host->root, path);
        dc_host_diag(host, "numa", "%s ends after %zu of %zu distances: '%s'", disp, k, nnodes,
                     line);
    }
}

static void fill_cpus(dc_host *host, const char *cpulist_path, dc_numa_cell *cell)
{
    _cleanup_free_ unsigned *ids = NULL;
    size_t n = 0;
    if (dc_host_read_cpulist(host, "numa", cpulist_path, false, &ids, &n) < 0 || n == 0)
        return;
    cell->cpus = xcalloc(n, sizeof(*cell->cpus));
    cell->ncpus = n;
    for (size_t i = 0; i < n; i++) {
        dc_numa_cpu *c = &cell->cpus[i];
        c->id = ids[i];
        c->socket_id = dc_host_topology_id(host, "numa", ids[i], "physical_package_id", false);
        c->die_id = dc_host_topology_id(host, "numa", ids[i], "die_id", false);
        c->core_id = dc_host_topology_id(host, "numa", ids[i], "core_id", false);
        _cleanup_free_ char *path =
            xasprintf(SYS_CPU "/cpu%u/topology/thread_siblings_list", ids[i]);
        _cleanup_free_ unsigned *sib = NULL;
        size_t nsib = 0;
        if (dc_host_read_cpulist(host, "numa", path, true, &sib, &nsib) == 0)
            c->siblings = dc_cpulist_format(sib, nsib);
    }
}

/*
 * The base page size in KiB. A live host knows its own; a captured root says
 * it in /proc/self/smaps (KernelPageSize, written by capture-numa.sh); x86
 * always has 4 KiB pages. Otherwise this machine's size is a guess.
 */
static unsigned long long base_page_kib(dc_host *host, bool live)
{
    long own = sysconf(_SC_PAGESIZE);
    unsigned long long own_kib = own > 0 ? (unsigned long long)own / 1024 : 4;
    if (live)
        return own_kib;
    _cleanup_free_ char *smaps = NULL;
    unsigned long long v;
    if (dc_root_read_file(host->root, "/proc/self/smaps", 16u << 20, &smaps, NULL) == 0 &&
        meminfo_value(smaps, "KernelPageSize", &v) == 0 && v > 0)
        return v;
    const char *arch = host->info.cpu.arch;
    if (arch && dc_arch_is_x86(arch))
        return 4;
    dc_host_diag(host, "numa",
                 "cannot tell the base page size of %s (no KernelPageSize in /proc/self/smaps, "
                 "architecture '%s'); assuming this machine's %llu KiB",
                 host->root->path, arch ? arch : "unknown", own_kib);
    return own_kib;
}

/* The nodeN directories, ascending; false when the root has no NUMA nodes. */
static bool list_nodes(dc_host *host, unsigned **ret_nodes, size_t *ret_n)
{
    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, SYS_NODE);
    if (!d) {
        if (errno != ENOENT)
            diag_read(host, SYS_NODE, -errno);
        return false;
    }
    _cleanup_free_ unsigned *nodes = NULL;
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        const char *p = de->d_name;
        if (!startswith(p, "node") || !p[4] || strspn(p + 4, "0123456789") != strlen(p + 4))
            continue;
        errno = 0;
        unsigned long id = strtoul(p + 4, NULL, 10);
        if (errno || id > INT_MAX)
            continue;
        nodes = xrealloc(nodes, (n + 1) * sizeof(*nodes));
        nodes[n++] = (unsigned)id;
    }
    if (n == 0) {
        _cleanup_free_ char *disp = dc_root_display(host->root, SYS_NODE);
        dc_host_diag(host, "numa", "%s lists no nodes; describing the host as one cell", disp);
        return false;
    }
    qsort(nodes, n, sizeof(*nodes), dc_cmp_unsigned);
    *ret_nodes = TAKE_PTR(nodes);
    *ret_n = n;
    return true;
}

static void read_node(dc_host *host, const unsigned *nodes, size_t nnodes, size_t idx,
                      unsigned long long page_kib, dc_numa_cell *cell)
{
    cell->id = nodes[idx];
    _cleanup_free_ char *dir = xasprintf(SYS_NODE "/node%u", cell->id);
    _cleanup_free_ char *mempath = xasprintf("%s/meminfo", dir);
    _cleanup_free_ char *hugedir = xasprintf("%s/hugepages", dir);
    _cleanup_free_ char *distpath = xasprintf("%s/distance", dir);
    _cleanup_free_ char *cpupath = xasprintf("%s/cpulist", dir);

    meminfo mem;
    read_meminfo(host, mempath, &mem);
    cell->memory_kib = mem.total_kib;
    cell->free_kib = mem.free_kib;
    read_pages(host, hugedir, page_kib, &mem, mempath, cell);
    read_distances(host, distpath, nodes, nnodes, cell);
    fill_cpus(host, cpupath, cell);
}

/* What libvirt fakes without NUMA, plus the memory, pages and distance of a real cell. */
static void synthesize_cell(dc_host *host, unsigned long long page_kib)
{
    dc_numa *numa = &host->info.numa;
    numa->available = false;
    numa->cells = xcalloc(1, sizeof(*numa->cells));
    numa->ncells = 1;
    dc_numa_cell *cell = &numa->cells[0];

    meminfo mem;
    read_meminfo(host, "/proc/meminfo", &mem);
    cell->memory_kib = mem.total_kib;
    cell->free_kib = mem.free_kib;
    read_pages(host, SYS_HUGEPAGES, page_kib, &mem, "/proc/meminfo", cell);
    cell->distances = xcalloc(1, sizeof(*cell->distances));
    cell->distances[0].id = 0;
    cell->distances[0].value = 10;
    cell->ndistances = 1;
    fill_cpus(host, SYS_CPU "/online", cell);
}

/*
 * From /proc/meminfo: the size hugepages get when a domain names none, and
 * the host's memory (node files can describe less than the whole machine).
 */
static void host_meminfo(dc_host *host, dc_numa *numa)
{
    _cleanup_free_ char *text = NULL;
    unsigned long long v;
    if (dc_root_read_file(host->root, "/proc/meminfo", 1u << 20, &text, NULL) < 0)
        return;
    if (meminfo_value(text, "Hugepagesize", &v) == 0)
        numa->default_hugepage_kib = v;
    if (meminfo_value(text, "MemTotal", &v) == 0)
        numa->memory_kib = v;
}

static int probe_numa(dc_host *host)
{
    dc_numa *numa = &host->info.numa;
    bool live = dc_root_is_live(host->root);
    unsigned long long page_kib = base_page_kib(host, live);
    host_meminfo(host, numa);

    _cleanup_free_ unsigned *nodes = NULL;
    size_t nnodes = 0;
    if (!list_nodes(host, &nodes, &nnodes)) {
        synthesize_cell(host, page_kib);
        return 0;
    }
    /* Sysfs lists nodes, yet libnuma may still refuse (get_mempolicy blocked in a container). */
    if (live && dc_numa_available() < 0) {
        dc_host_diag(host, "numa",
                     "libnuma reports NUMA unavailable although %s lists %zu nodes; describing "
                     "the host as one cell",
                     SYS_NODE, nnodes);
        synthesize_cell(host, page_kib);
        return 0;
    }
    numa->available = true;
    numa->cells = xcalloc(nnodes, sizeof(*numa->cells));
    numa->ncells = nnodes;
    for (size_t i = 0; i < nnodes; i++)
        read_node(host, nodes, nnodes, i, page_kib, &numa->cells[i]);
    return 0;
}

const dc_host_prober dc_probe_numa = {
    .name = "numa",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_numa,
};
