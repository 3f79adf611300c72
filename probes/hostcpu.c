/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host CPU from /proc/cpuinfo and the sysfs CPU topology. */
#include "host.h"

static int probe_hostcpu(dc_host *host)
{
    _cleanup_free_ char *text = NULL;
    int r = dc_root_read_file(host->root, "/proc/cpuinfo", 16u << 20, &text, NULL);
    if (r < 0) {
        dc_host_diag(host, "hostcpu", "cannot read /proc/cpuinfo: %s", strerror(-r));
        return 0;
    }
    const char *p = strstr(text, "address sizes");
    unsigned bits;
    if (p && (p = strchr(p, ':')) && sscanf(p + 1, "%u bits physical", &bits) == 1 && bits < 64)
        host->info.cpu.phys_bits = bits;
    return 0;
}

const dc_probe dc_probe_hostcpu = {
    .name = "hostcpu",
    .needed_for = DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY,
    .run = probe_hostcpu,
};
