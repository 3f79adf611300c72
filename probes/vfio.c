/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The minimal VFIO check libvirt makes: IOMMU groups exist and /dev/vfio/vfio is there. */
#include "host.h"

static int probe_vfio(dc_host *host)
{
    const dc_root *root = host->root;
    struct stat st;
    _cleanup_closedir_ DIR *d = dc_root_opendir(root, "/sys/kernel/iommu_groups");
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            if (de->d_name[0] != '.') {
                host->info.vfio.iommu_groups = true;
                break;
            }
    } else if (errno != ENOENT) {
        dc_host_diag(host, "vfio", "cannot read /sys/kernel/iommu_groups: %s", strerror(errno));
    }
    host->info.vfio.dev_vfio = dc_root_stat(root, "/dev/vfio/vfio", &st) == 0;
    host->info.vfio.dev_iommu = dc_root_stat(root, "/dev/iommu", &st) == 0;
    return 0;
}

const dc_probe dc_probe_vfio = {
    .name = "vfio",
    .needed_for = DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY,
    .run = probe_vfio,
};
