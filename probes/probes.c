/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "host.h"

static int probe_firmware(dc_host *host, dc_diag *diag)
{
    return dc_firmware_load(host->root, host->xdg_config_home, diag, &host->firmware);
}

const dc_probe dc_probe_firmware = {
    .name = "firmware",
    .run = probe_firmware,
};

/* Host CPU facts the caps document needs now: the physical address width. */
static int probe_cpuinfo(dc_host *host, dc_diag *diag)
{
    _cleanup_free_ char *text = NULL;
    int r = dc_root_read_file(host->root, "/proc/cpuinfo", 16u << 20, &text, NULL);
    if (r < 0)
        return 0;
    const char *p = strstr(text, "address sizes");
    unsigned bits;
    if (p && (p = strchr(p, ':')) && sscanf(p + 1, "%u bits physical", &bits) == 1 && bits < 64)
        host->phys_addr_bits = bits;
    return 0;
}

static const dc_probe dc_probe_cpuinfo = {
    .name = "cpuinfo",
    .run = probe_cpuinfo,
};

static int probe_rdp(dc_host *host, dc_diag *diag)
{
    _cleanup_free_ char *p = NULL;
    host->qemu_rdp = dc_root_find_exec(host->root, "qemu-rdp", &p) == 0;
    return 0;
}

static const dc_probe dc_probe_rdp = {
    .name = "qemu-rdp",
    .run = probe_rdp,
};

const dc_probe *const dc_probes[] = {
    &dc_probe_kvm, &dc_probe_cpuinfo, &dc_probe_firmware, &dc_probe_swtpm,
    &dc_probe_vfio, &dc_probe_rdp, NULL,
};

void dc_host_probe(dc_host *host, const dc_root *root, const char *xdg_config_home, dc_diag *diag)
{
    host->root = root;
    host->xdg_config_home = xdg_config_home;
    for (const dc_probe *const *p = dc_probes; *p; p++) {
        int r = (*p)->run(host, diag);
        if (r < 0)
            dc_diag_warn(diag, "host probe '%s' failed: %s", (*p)->name, strerror(-r));
    }
}

void dc_host_clear(dc_host *host)
{
    free(host->kvm.reason);
    dc_firmware_list_clear(&host->firmware);
    *host = (dc_host){0};
}
