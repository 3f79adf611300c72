/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>

#include "host.h"

const dc_host_prober *const dc_probes[] = {
    &dc_probe_hostcpu,  &dc_probe_kvm,   &dc_probe_tsc, &dc_probe_numa,
    &dc_probe_pci,      &dc_probe_vfio,  &dc_probe_usb, &dc_probe_devnodes,
    &dc_probe_firmware, &dc_probe_swtpm, &dc_probe_rdp, NULL,
};

void dc_host_diag(dc_host *host, const char *probe, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    dc_hostinfo *h = &host->info;
    h->diags = xrealloc(h->diags, (h->ndiags + 1) * sizeof(*h->diags));
    h->diags[h->ndiags++] = (dc_diagnostic){.probe = xstrdup(probe), .message = msg};
    if (host->diag)
        dc_diag_warn(host->diag, "%s", msg);
}

int dc_host_read_cpulist(dc_host *host, const char *probe, const char *path, bool enoent_ok,
                         unsigned **ret_ids, size_t *ret_n)
{
    _cleanup_free_ char *line = NULL;
    int r = dc_root_read_line(host->root, path, &line);
    if (r < 0) {
        if (r != -ENOENT || !enoent_ok) {
            _cleanup_free_ char *disp = dc_root_display(host->root, path);
            dc_host_diag(host, probe, "cannot read %s: %s", disp, strerror(-r));
        }
        return r;
    }
    r = dc_cpulist_parse(line, ret_ids, ret_n);
    if (r < 0) {
        _cleanup_free_ char *disp = dc_root_display(host->root, path);
        dc_host_diag(host, probe, "%s does not hold a CPU list: '%s'", disp, line);
    }
    return r;
}

int dc_host_topology_id(dc_host *host, const char *probe, unsigned cpu, const char *name,
                        bool diag_missing)
{
    _cleanup_free_ char *path = xasprintf("/sys/devices/system/cpu/cpu%u/topology/%s", cpu, name);
    _cleanup_free_ char *line = NULL;
    int r = dc_root_read_line(host->root, path, &line);
    if (r == -ENOENT && streq(name, "die_id"))
        return 0;
    if (r < 0) {
        if (r != -ENOENT || diag_missing) {
            _cleanup_free_ char *disp = dc_root_display(host->root, path);
            dc_host_diag(host, probe, "cannot read %s: %s", disp, strerror(-r));
        }
        return -1;
    }
    char *end;
    errno = 0;
    long v = strtol(line, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (end == line || errno || *end || v < -1 || v > INT_MAX) {
        _cleanup_free_ char *disp = dc_root_display(host->root, path);
        dc_host_diag(host, probe, "%s does not hold an id: '%s'", disp, line);
        return -1;
    }
    return v < 0 ? 0 : (int)v;
}

void dc_host_run_probes(dc_host *host, const dc_root *root, const char *xdg_config_home,
                        unsigned what, dc_diag *diag)
{
    host->root = root;
    host->xdg_config_home = xdg_config_home;
    host->diag = diag;
    host->what = what;
    host->info.render_nodes = -1; /* unknown until the devnodes probe runs */
    host->info.tpm_device = -1;
    host->info.devnodes = (dc_hostdevnodes){-1, -1, -1, -1};
    host->info.vfio.mdev = -1;
    host->info.tsc_scaling = -1;
    host->info.smbios = -1;
    host->info.dmidecode = -1;
    host->info.numad = -1;
    for (const dc_host_prober *const *p = dc_probes; *p; p++) {
        if (!((*p)->needed_for & what))
            continue;
        int r = (*p)->run(host);
        if (r < 0)
            dc_host_diag(host, (*p)->name, "the %s probe failed: %s", (*p)->name, strerror(-r));
    }
}

void dc_host_clear(dc_host *host)
{
    dc_hostinfo_clear(&host->info);
    dc_firmware_list_clear(&host->firmware);
    *host = (dc_host){0};
}

static int probe_firmware(dc_host *host)
{
    return dc_firmware_load(host->root, host->xdg_config_home, host->diag, &host->firmware);
}

const dc_host_prober dc_probe_firmware = {
    .name = "firmware",
    .needed_for = DC_PROBE_FOR_CAPS,
    .run = probe_firmware,
};

static int probe_rdp(dc_host *host)
{
    _cleanup_free_ char *p = NULL;
    host->qemu_rdp = dc_root_find_exec(host->root, "qemu-rdp", &p) == 0;
    return 0;
}

const dc_host_prober dc_probe_rdp = {
    .name = "qemu-rdp",
    .needed_for = DC_PROBE_FOR_CAPS,
    .run = probe_rdp,
};
