/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The NUMA probe against fixture roots (tests/data/roots/{numa2,numa4,nonuma,
 * numa-broken,host-numa}), small roots built on the fly, and the live root
 * with libnuma mocked (-Wl,--wrap=dc_numa_available,dc_numa_max_node,
 * dc_numa_distance). The probe asks libnuma only whether a live host has
 * NUMA; the other two wraps fail the test if it ever calls them.
 *
 * Expected page counts follow libvirt's virNumaGetPages: base pages are
 * (MemTotal - sum(hugepage size * nr_hugepages)) / 4 KiB, free base pages
 * MemFree / 4 KiB.
 */
#include "test_helpers.h"

#include <ctype.h>
#include <limits.h>

#include "numa_seam.h"

#define ROOTS DC_TEST_DATA_DIR "/roots"

int __wrap_dc_numa_available(void);
int __wrap_dc_numa_max_node(void);
int __wrap_dc_numa_distance(int a, int b);

static int numa_available_result;
static unsigned numa_available_calls;

int __wrap_dc_numa_available(void)
{
    numa_available_calls++;
    return numa_available_result;
}

int __wrap_dc_numa_max_node(void)
{
    fail_msg("the numa probe must read node ids from sysfs, not libnuma");
    return -1;
}

int __wrap_dc_numa_distance(int a, int b)
{
    fail_msg("the numa probe must read distances from sysfs, not libnuma (%d, %d)", a, b);
    return -1;
}

/* Runs the hostcpu probe (the numa probe reads its arch) and the numa probe against root. */
static void probe(const char *root_path, dc_host *host)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(root_path, &root), 0);
    *host = (dc_host){.root = root, .what = DC_PROBE_FOR_INVENTORY};
    numa_available_calls = 0;
    assert_int_equal(dc_probe_hostcpu.run(host), 0);
    assert_int_equal(dc_probe_numa.run(host), 0);
    host->root = NULL;
    dc_root_free(root);
}

static bool has_diag(const dc_host *host, const char *probe_name, const char *text)
{
    for (size_t i = 0; i < host->info.ndiags; i++)
        if (streq(host->info.diags[i].probe, probe_name) &&
            strstr(host->info.diags[i].message, text))
            return true;
    return false;
}

static void assert_diag(const dc_host *host, const char *text)
{
    if (has_diag(host, "numa", text))
        return;
    for (size_t i = 0; i < host->info.ndiags; i++)
        print_message("diagnostic %s: %s\n", host->info.diags[i].probe,
                      host->info.diags[i].message);
    fail_msg("no numa diagnostic contains '%s'", text);
}

static void assert_no_diags(const dc_host *host)
{
    for (size_t i = 0; i < host->info.ndiags; i++)
        print_message("diagnostic %s: %s\n", host->info.diags[i].probe,
                      host->info.diags[i].message);
    assert_int_equal(host->info.ndiags, 0);
}

/* Expected cells; each list ends at its first zeroed entry. */
typedef struct want_cpu {
    unsigned id;
    int socket, die, core;
    const char *siblings; /* NULL ends the list */
} want_cpu;

typedef struct want_pages {
    unsigned long long size, total, free; /* size 0 ends the list */
} want_pages;

typedef struct want_distance {
    unsigned id, value; /* value 0 ends the list */
} want_distance;

typedef struct want_cell {
    unsigned id;
    unsigned long long memory, free;
    want_pages pages[4];
    want_distance distances[5];
    want_cpu cpus[9];
} want_cell;

static void assert_cell(const dc_numa_cell *c, const want_cell *w)
{
    assert_int_equal(c->id, w->id);
    assert_int_equal(c->memory_kib, w->memory);
    assert_int_equal(c->free_kib, w->free);

    size_t n = 0;
    for (; w->pages[n].size; n++) {
        assert_true(n < c->npages);
        assert_int_equal(c->pages[n].size_kib, w->pages[n].size);
        assert_int_equal(c->pages[n].total, w->pages[n].total);
        assert_int_equal(c->pages[n].free, w->pages[n].free);
    }
    assert_int_equal(c->npages, n);

    for (n = 0; w->distances[n].value; n++) {
        assert_true(n < c->ndistances);
        assert_int_equal(c->distances[n].id, w->distances[n].id);
        assert_int_equal(c->distances[n].value, w->distances[n].value);
    }
    assert_int_equal(c->ndistances, n);

    for (n = 0; w->cpus[n].siblings; n++) {
        assert_true(n < c->ncpus);
        const dc_numa_cpu *cpu = &c->cpus[n];
        assert_int_equal(cpu->id, w->cpus[n].id);
        assert_int_equal(cpu->socket_id, w->cpus[n].socket);
        assert_int_equal(cpu->die_id, w->cpus[n].die);
        assert_int_equal(cpu->core_id, w->cpus[n].core);
        if (w->cpus[n].siblings[0])
            assert_string_equal(cpu->siblings, w->cpus[n].siblings);
        else
            assert_null(cpu->siblings); /* "" in the table: unknown */
    }
    assert_int_equal(c->ncpus, n);
}

static void test_numa2(void **state)
{
    dc_host host;
    probe(ROOTS "/numa2", &host);
    const dc_numa *numa = &host.info.numa;
    assert_true(numa->available);
    assert_int_equal(numa->ncells, 2);
    assert_int_equal(numa_available_calls, 0); /* a captured root never asks libnuma */
    assert_cell(&numa->cells[0],
                &(want_cell){
                    .id = 0,
                    .memory = 16777216,
                    .free = 8388608,
                    /* (16777216 - 512 * 2048 - 2 * 1048576) / 4 */
                    .pages = {{4, 3407872, 2097152}, {2048, 512, 500}, {1048576, 2, 1}},
                    .distances = {{0, 10}, {1, 21}},
                    .cpus = {{0, 0, 0, 0, "0,4"},
                             {1, 0, 0, 1, "1,5"},
                             {4, 0, 0, 0, "0,4"},
                             {5, 0, 0, 1, "1,5"}},
                });
    assert_cell(&numa->cells[1],
                &(want_cell){
                    .id = 1,
                    .memory = 16515072,
                    .free = 12000000,
                    .pages = {{4, 3997696, 3000000}, {2048, 256, 256}, {1048576, 0, 0}},
                    .distances = {{0, 21}, {1, 10}},
                    .cpus = {{2, 1, 0, 0, "2,6"},
                             {3, 1, 0, 1, "3,7"},
                             {6, 1, 0, 0, "2,6"},
                             {7, 1, 0, 1, "3,7"}},
                });
    assert_no_diags(&host);
    dc_host_clear(&host);
}

static void test_numa4(void **state)
{
    dc_host host;
    probe(ROOTS "/numa4", &host);
    const dc_numa *numa = &host.info.numa;
    assert_true(numa->available);
    assert_int_equal(numa->ncells, 4);
    const want_pages none[] = {{2048, 0, 0}, {1048576, 0, 0}};
    want_cell w[4] = {
        {.id = 0,
         .memory = 8388608,
         .free = 100000,
         .pages = {{4, 2097152, 25000}, none[0], none[1]},
         .distances = {{0, 10}, {1, 16}, {2, 22}, {3, 22}},
         .cpus = {{0, 0, 0, 0, "0"}, {1, 0, 0, 1, "1"}}},
        {.id = 1,
         .memory = 8388608,
         .free = 7000000,
         .pages = {{4, 2097152, 1750000}, none[0], none[1]},
         .distances = {{0, 16}, {1, 10}, {2, 22}, {3, 22}},
         .cpus = {{2, 0, 1, 2, "2"}, {3, 0, 1, 3, "3"}}},
        {.id = 2,
         .memory = 8388608,
         .free = 4000000,
         .pages = {{4, 2097152, 1000000}, none[0], none[1]},
         .distances = {{0, 22}, {1, 22}, {2, 10}, {3, 16}},
         .cpus = {{4, 1, 0, 0, "4"}, {5, 1, 0, 1, "5"}}},
        /* Memory only: no CPUs; (33554432 - 1024 * 2048) / 4 base pages. */
        {.id = 3,
         .memory = 33554432,
         .free = 33000000,
         .pages = {{4, 7864320, 8250000}, {2048, 1024, 1000}, {1048576, 0, 0}},
         .distances = {{0, 22}, {1, 22}, {2, 16}, {3, 10}}},
    };
    for (size_t i = 0; i < 4; i++)
        assert_cell(&numa->cells[i], &w[i]);
    assert_no_diags(&host);
    dc_host_clear(&host);
}

static void test_nonuma(void **state)
{
    dc_host host;
    probe(ROOTS "/nonuma", &host);
    const dc_numa *numa = &host.info.numa;
    assert_false(numa->available);
    assert_int_equal(numa->ncells, 1);
    /* /proc/meminfo and /sys/kernel/mm/hugepages; die_id is missing (kernel < 5.3): die 0. */
    assert_cell(&numa->cells[0], &(want_cell){
                                     .id = 0,
                                     .memory = 4030464,
                                     .free = 2015232,
                                     .pages = {{4, 974848, 503808}, {2048, 64, 32}},
                                     .distances = {{0, 10}},
                                     .cpus = {{0, 0, 0, 0, "0-1"}, {1, 0, 0, 0, "0-1"}},
                                 });
    assert_no_diags(&host);
    dc_host_clear(&host);
}

static void test_broken(void **state)
{
    dc_host host;
    probe(ROOTS "/numa-broken", &host);
    const dc_numa *numa = &host.info.numa;
    assert_true(numa->available);
    assert_int_equal(numa->ncells, 2);
    /*
     * node0: garbage meminfo (no memory, so no base page count), a garbage
     * 2048 kB pool and a pool whose name has no size, both left out; cpu1's
     * core_id is garbage.
     */
    assert_cell(&numa->cells[0], &(want_cell){
                                     .id = 0,
                                     .pages = {{1048576, 1, 1}},
                                     .distances = {{0, 10}, {1, 20}},
                                     .cpus = {{0, 0, 0, 0, "0"}, {1, 0, 0, -1, "1"}},
                                 });
    /* node1: meminfo is a directory, no cpulist, a distance file cut short. */
    assert_cell(&numa->cells[1], &(want_cell){
                                     .id = 1,
                                     .pages = {{2048, 10, 5}},
                                     .distances = {{0, 20}},
                                 });
    const char *node = ROOTS "/numa-broken/sys/devices/system/node";
    char buf[512];
#define DIAG(...) (snprintf(buf, sizeof(buf), __VA_ARGS__), assert_diag(&host, buf))
    DIAG("the MemTotal line of %s/node0/meminfo is not a number of kB", node);
    DIAG("the MemFree line of %s/node0/meminfo is not a number of kB", node);
    DIAG("%s/node0/hugepages/hugepages-2048kB/nr_hugepages does not hold a number: 'abc'", node);
    DIAG("cannot tell the page size from the name of %s/node0/hugepages/hugepages-huge", node);
    DIAG("%s/numa-broken/sys/devices/system/cpu/cpu1/topology/core_id does not hold an id: 'one'",
         ROOTS);
    DIAG("cannot read %s/node1/meminfo: Is a directory", node);
    DIAG("%s/node1/distance ends after 1 of 2 distances: '20'", node);
    DIAG("cannot read %s/node1/cpulist: No such file or directory", node);
#undef DIAG
    assert_int_equal(host.info.ndiags, 8);
    dc_host_clear(&host);
}

/* Captured from the machine the fixture was made on; `virsh capabilities` printed the same. */
static void test_host_numa(void **state)
{
    dc_host host;
    probe(ROOTS "/host-numa", &host);
    const dc_numa *numa = &host.info.numa;
    assert_true(numa->available);
    assert_int_equal(numa->ncells, 1);
    assert_cell(&numa->cells[0],
                &(want_cell){
                    .id = 0,
                    .memory = 5990604,
                    .free = 4934388,
                    .pages = {{4, 1497651, 1233597}, {2048, 0, 0}, {1048576, 0, 0}},
                    .distances = {{0, 10}},
                    .cpus = {{0, 0, 0, 0, "0"}, {1, 0, 0, 1, "1"}},
                });
    assert_no_diags(&host);
    dc_host_clear(&host);
}

static const char *const x86_cpuinfo = "vendor_id\t: GenuineIntel\nflags\t\t: fpu lm\n";

/* Node ids with a hole: the distance file lists online nodes in order, as libnuma maps it. */
static void test_sparse_nodes(void **state)
{
    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/proc/cpuinfo", x86_cpuinfo);
    tmproot_write(&t, "/sys/devices/system/node/node0/meminfo",
                  "Node 0 MemTotal: 400 kB\n"
                  "Node 0 MemFree: 40 kB\n");
    tmproot_write(&t, "/sys/devices/system/node/node0/cpulist", "0\n");
    tmproot_write(&t, "/sys/devices/system/node/node0/distance", "10 20\n");
    tmproot_write(&t, "/sys/devices/system/node/node2/meminfo",
                  "Node 2 MemTotal: 800 kB\n"
                  "Node 2 MemFree: 80 kB\n");
    tmproot_write(&t, "/sys/devices/system/node/node2/cpulist", "\n");
    tmproot_write(&t, "/sys/devices/system/node/node2/distance", "20 10\n");
    dc_host host;
    probe(t.path, &host);
    const dc_numa *numa = &host.info.numa;
    assert_int_equal(numa->ncells, 2);
    /* No topology files: socket and core unknown, die 0 (no die_id), siblings unknown. */
    assert_cell(&numa->cells[0], &(want_cell){.id = 0,
                                              .memory = 400,
                                              .free = 40,
                                              .pages = {{4, 100, 10}},
                                              .distances = {{0, 10}, {2, 20}},
                                              .cpus = {{0, -1, 0, -1, ""}}});
    assert_cell(&numa->cells[1], &(want_cell){.id = 2,
                                              .memory = 800,
                                              .free = 80,
                                              .pages = {{4, 200, 20}},
                                              .distances = {{0, 20}, {2, 10}}});
    assert_no_diags(&host);
    dc_host_clear(&host);
    tmproot_remove(&t);
}

static void test_no_nodes_listed(void **state)
{
    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/proc/cpuinfo", x86_cpuinfo);
    tmproot_write(&t, "/proc/meminfo", "MemTotal: 1000 kB\nMemFree: 500 kB\n");
    tmproot_write(&t, "/sys/devices/system/node/online", "\n");
    tmproot_write(&t, "/sys/devices/system/cpu/online", "0\n");
    dc_host host;
    probe(t.path, &host);
    const dc_numa *numa = &host.info.numa;
    assert_false(numa->available);
    assert_cell(&numa->cells[0], &(want_cell){.id = 0,
                                              .memory = 1000,
                                              .free = 500,
                                              .pages = {{4, 250, 125}},
                                              .distances = {{0, 10}},
                                              .cpus = {{0, -1, 0, -1, ""}}});
    assert_diag(&host, "/sys/devices/system/node lists no nodes; describing the host as one cell");
    dc_host_clear(&host);
    tmproot_remove(&t);
}

/* aarch64 pages need not be 4 KiB: a captured root states the size in /proc/self/smaps. */
static void test_page_size(void **state)
{
    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/proc/cpuinfo", "CPU implementer\t: 0x41\nCPU architecture: 8\n");
    tmproot_write(&t, "/proc/meminfo", "MemTotal: 1048576 kB\nMemFree: 65536 kB\n");
    tmproot_write(&t, "/proc/self/smaps", "KernelPageSize:       64 kB\n");
    tmproot_write(&t, "/sys/kernel/mm/hugepages/hugepages-524288kB/nr_hugepages", "1\n");
    tmproot_write(&t, "/sys/kernel/mm/hugepages/hugepages-524288kB/free_hugepages", "1\n");
    dc_host host;
    probe(t.path, &host);
    assert_string_equal(host.info.cpu.arch, "aarch64");
    assert_cell(&host.info.numa.cells[0], &(want_cell){.id = 0,
                                                       .memory = 1048576,
                                                       .free = 65536,
                                                       .pages = {{64, 8192, 1024}, {524288, 1, 1}},
                                                       .distances = {{0, 10}}});
    /* No /sys/devices/system/cpu/online in this root. */
    assert_diag(&host, "/sys/devices/system/cpu/online: No such file or directory");
    assert_int_equal(host.info.ndiags, 1);
    dc_host_clear(&host);

    /* Without smaps a non-x86 root's page size is a guess, and says so. */
    _cleanup_free_ char *smaps = xasprintf("%s/proc/self/smaps", t.path);
    assert_int_equal(unlink(smaps), 0);
    probe(t.path, &host);
    assert_diag(&host, "cannot tell the base page size of");
    assert_int_equal(host.info.numa.cells[0].pages[0].size_kib, sysconf(_SC_PAGESIZE) / 1024);
    dc_host_clear(&host);
    tmproot_remove(&t);
}

/* The huge page pools outgrow MemTotal (garbage): no base pages rather than a wrapped count. */
static void test_hugepages_exceed_memory(void **state)
{
    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/proc/cpuinfo", x86_cpuinfo);
    tmproot_write(&t, "/proc/meminfo", "MemTotal: 1024 kB\nMemFree: 0 kB\n");
    tmproot_write(&t, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
                  "18446744073709551615\n");
    tmproot_write(&t, "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
    dc_host host;
    probe(t.path, &host);
    assert_cell(&host.info.numa.cells[0],
                &(want_cell){.id = 0,
                             .memory = 1024,
                             .pages = {{4, 0, 0}, {2048, 18446744073709551615ull, 0}},
                             .distances = {{0, 10}}});
    assert_diag(&host, "are larger than its MemTotal");
    dc_host_clear(&host);
    tmproot_remove(&t);
}

static unsigned long long live_meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "re");
    assert_non_null(f);
    char line[256];
    unsigned long long v = ULLONG_MAX;
    size_t klen = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':')
            sscanf(line + klen + 1, "%llu", &v);
    fclose(f);
    return v;
}

static size_t live_nodes(void)
{
    DIR *d = opendir("/sys/devices/system/node");
    if (!d)
        return 0;
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (startswith(de->d_name, "node") && isdigit((unsigned char)de->d_name[4]))
            n++;
    closedir(d);
    return n;
}

/* On the live root libnuma decides: when it says no, one synthesized cell from /proc/meminfo. */
static void test_live_unavailable(void **state)
{
    numa_available_result = -1;
    dc_host host;
    probe("/", &host);
    const dc_numa *numa = &host.info.numa;
    assert_false(numa->available);
    assert_int_equal(numa->ncells, 1);
    const dc_numa_cell *c = &numa->cells[0];
    assert_int_equal(c->memory_kib, live_meminfo("MemTotal"));
    assert_int_equal(c->ncpus, host.info.cpu.online_cpus);
    assert_int_equal(c->ndistances, 1);
    assert_int_equal(c->distances[0].value, 10);
    assert_int_equal(c->pages[0].size_kib, sysconf(_SC_PAGESIZE) / 1024);
    if (live_nodes()) {
        assert_int_equal(numa_available_calls, 1);
        assert_diag(&host, "libnuma reports NUMA unavailable");
    }
    dc_host_clear(&host);
}

static void test_live_available(void **state)
{
    size_t nodes = live_nodes();
    if (!nodes) {
        print_message("[  SKIP    ] this machine has no /sys/devices/system/node\n");
        skip();
    }
    numa_available_result = 0;
    dc_host host;
    probe("/", &host);
    const dc_numa *numa = &host.info.numa;
    assert_int_equal(numa_available_calls, 1);
    assert_true(numa->available);
    assert_int_equal(numa->ncells, nodes);
    size_t ncpus = 0;
    for (size_t i = 0; i < numa->ncells; i++) {
        assert_true(numa->cells[i].memory_kib > 0 || numa->cells[i].ncpus == 0);
        ncpus += numa->cells[i].ncpus;
    }
    assert_int_equal(ncpus, host.info.cpu.online_cpus);
    assert_false(has_diag(&host, "numa", ""));
    dc_host_clear(&host);
}

static void test_cpulist(void **state)
{
    static const struct {
        const char *in, *out; /* out NULL: rejected */
        size_t n;
    } cases[] = {
        {"0-3,8,10-11\n", "0-3,8,10-11", 7},
        {"", "", 0},
        {"\n", "", 0},
        {"  5\n", "5", 1},
        {"0,64", "0,64", 2},
        {"3,1,2", "1-3", 3},
        {"0,0,1-2,1", "0-2", 3},
        {"7-7", "7", 1},
        {"a", NULL, 0},
        {"1-", NULL, 0},
        {"3-1", NULL, 0},
        {"1,,2", NULL, 0},
        {"1,", NULL, 0},
        {"-1", NULL, 0},
        {"1 2", NULL, 0},
        {"0-99999999", NULL, 0},
        {"4294967296", NULL, 0},
        {"0-65535,65535", NULL, 0},
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        unsigned *ids = NULL;
        size_t n = 99;
        int r = dc_cpulist_parse(cases[i].in, &ids, &n);
        if (!cases[i].out) {
            if (r != -EINVAL)
                fail_msg("'%s' was accepted", cases[i].in);
            assert_int_equal(n, 99); /* untouched on failure */
            continue;
        }
        if (r != 0)
            fail_msg("'%s' was rejected", cases[i].in);
        assert_int_equal(n, cases[i].n);
        _cleanup_free_ char *s = dc_cpulist_format(ids, n);
        assert_string_equal(s, cases[i].out);
        free(ids);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numa2),
        cmocka_unit_test(test_numa4),
        cmocka_unit_test(test_nonuma),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_host_numa),
        cmocka_unit_test(test_sparse_nodes),
        cmocka_unit_test(test_no_nodes_listed),
        cmocka_unit_test(test_page_size),
        cmocka_unit_test(test_hugepages_exceed_memory),
        cmocka_unit_test(test_live_unavailable),
        cmocka_unit_test(test_live_available),
        cmocka_unit_test(test_cpulist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
