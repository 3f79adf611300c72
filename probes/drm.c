/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DRM render nodes: what OpenGL-accelerated display backends (egl-headless, gl) need. */
#include "host.h"

static int probe_drm(dc_host *host)
{
    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, "/dev/dri");
    host->info.render_nodes = 0;
    if (!d) {
        if (errno != ENOENT) {
            host->info.render_nodes = -1;
            dc_host_diag(host, "drm", "cannot read /dev/dri: %s", strerror(errno));
        }
        return 0;
    }
    for (struct dirent *de; (de = readdir(d));)
        if (startswith(de->d_name, "renderD"))
            host->info.render_nodes++;
    return 0;
}

const dc_probe dc_probe_drm = {
    .name = "drm",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_drm,
};
