/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device nodes domains use directly: DRM render nodes (egl-headless and GL
 * displays) and the host TPM (TPM passthrough).
 */
#include "host.h"

static int probe_devnodes(dc_host *host)
{
    struct stat st;
    host->info.tpm_device = dc_root_stat(host->root, "/dev/tpm0", &st) == 0 ? 1 : 0;

    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, "/dev/dri");
    host->info.render_nodes = 0;
    if (!d) {
        if (errno != ENOENT) {
            host->info.render_nodes = -1;
            dc_host_diag(host, "devnodes", "cannot read /dev/dri: %s", strerror(errno));
        }
        return 0;
    }
    for (struct dirent *de; (de = readdir(d));)
        if (startswith(de->d_name, "renderD"))
            host->info.render_nodes++;
    return 0;
}

const dc_probe dc_probe_devnodes = {
    .name = "devnodes",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_devnodes,
};
