/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sysfs and procfs readers (CPU lists, topology, NUMA nodes, hugepages,
 * meminfo, cpuinfo) over a root built from the input. The input is a list of
 * files, each introduced by a line "@/sys/..." or "@/proc/..." and holding
 * the lines up to the next such line:
 *
 *     @/sys/devices/system/cpu/online
 *     0-3
 *     @/sys/devices/system/cpu/cpu0/topology/core_id
 *     0
 *
 * Each input gets a fresh root; the host CPU, TSC and NUMA probes read it and
 * the inventory is printed in both formats.
 */
#include "fuzz_util.h"
#include "host.h"

#define MAX_FILES 512
#define MAX_PATH 200

/* Paths are plain: /sys or /proc, no empty, "." or ".." components. */
static bool path_ok(const char *p, size_t n)
{
    if (n > MAX_PATH || n < 2 || p[n - 1] == '/')
        return false;
    if (!(n > 5 && memcmp(p, "/sys/", 5) == 0) && !(n > 6 && memcmp(p, "/proc/", 6) == 0))
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || strchr("_-.:,+/", ch);
        if (!plain || ch == '\0')
            return false;
        if (ch == '/' && (p[i + 1] == '/' || p[i + 1] == '.'))
            return false;
    }
    return true;
}

static void build_root(const char *dir, const char *data, size_t size)
{
    size_t off = 0, nfiles = 0;
    /* Text before the first "@/" line is ignored. */
    while (off < size && !(data[off] == '@' && (off == 0 || data[off - 1] == '\n')))
        off++;
    while (off < size && nfiles < MAX_FILES) {
        const char *line = data + off + 1;
        const char *nl = memchr(line, '\n', size - off - 1);
        size_t plen = nl ? (size_t)(nl - line) : size - off - 1;
        size_t body = nl ? (size_t)(nl + 1 - data) : size;
        size_t end = body;
        while (end < size && !(data[end] == '@' && data[end - 1] == '\n'))
            end++;
        if (path_ok(line, plen)) {
            _cleanup_free_ char *path = xstrndup(line, plen);
            /* A path that is also a directory of an earlier one just fails. */
            fuzz_write_under(dir, path, data + body, end - body);
            nfiles++;
        }
        off = end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *dir = xasprintf("%s/root", fuzz_tmpdir());
    if (mkdir(dir, 0700) < 0)
        abort();
    build_root(dir, (const char *)data, size);
    dc_root *root = NULL;
    if (dc_root_open(dir, &root) < 0)
        abort();
    dc_diag diag = {0};
    dc_host host = {.root = root, .diag = &diag, .what = DC_PROBE_FOR_INVENTORY};
    host.info.tsc_scaling = -1;
    dc_probe_hostcpu.run(&host);
    dc_probe_tsc.run(&host);
    dc_probe_numa.run(&host);
    unsigned *ids = NULL;
    size_t n = 0;
    if (dc_host_read_cpulist(&host, "fuzz", "/sys/devices/system/cpu/present", true, &ids, &n) ==
        0) {
        for (size_t i = 0; i < n && i < 4; i++)
            dc_host_topology_id(&host, "fuzz", ids[i], "cluster_id", true);
        free(ids);
    }
    _cleanup_free_ char *xml = dc_hostinfo_format_xml(&host.info);
    _cleanup_free_ char *json = dc_hostinfo_format_json(&host.info);
    FUZZ_ASSERT(xml && json);
    dc_host_clear(&host);
    dc_strv_clear(&diag.warnings);
    dc_root_free(root);
    fuzz_remove_tree(dir);
    return 0;
}
