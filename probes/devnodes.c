/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host resources domains use directly: DRM render nodes (egl-headless and GL
 * displays), the host TPM, the vhost and tun device nodes, mediated-device
 * parents, the network interfaces and bridges, the SMBIOS tables and the
 * numad binary libvirt asks for placement='auto'.
 */
#include "host.h"

static int node_present(dc_host *host, const char *path)
{
    struct stat st;
    int r = dc_root_stat(host->root, path, &st);
    if (r == 0)
        return 1;
    if (r == -ENOENT || r == -ENOTDIR)
        return 0;
    _cleanup_free_ char *disp = dc_root_display(host->root, path);
    dc_host_diag(host, "devnodes", "cannot stat %s: %s", disp, strerror(-r));
    return -1;
}

/* libvirt finds numad at its build-time path and dmidecode in the daemon's PATH (with sbin). */
static int binary_present(dc_host *host, const char *name)
{
    static const char *const dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                       "/usr/bin",        "/sbin",          "/bin"};
    for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", dirs[i], name);
        struct stat st;
        if (dc_root_stat(host->root, p, &st) == 0 && S_ISREG(st.st_mode) &&
            dc_root_access(host->root, p, X_OK) == 0)
            return 1;
    }
    return 0;
}

static int cmp_iface(const void *a, const void *b)
{
    return strcmp(((const dc_hostnet *)a)->name, ((const dc_hostnet *)b)->name);
}

static void probe_ifaces(dc_host *host)
{
    dc_hostinfo *h = &host->info;
    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, "/sys/class/net");
    if (!d) {
        if (errno != ENOENT)
            dc_host_diag(host, "devnodes", "cannot read /sys/class/net: %s", strerror(errno));
        return;
    }
    h->ifaces_known = true;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *br = xasprintf("/sys/class/net/%s/bridge", de->d_name);
        struct stat st;
        h->ifaces = xrealloc(h->ifaces, (h->nifaces + 1) * sizeof(*h->ifaces));
        h->ifaces[h->nifaces++] = (dc_hostnet){
            .name = xstrdup(de->d_name),
            .bridge = dc_root_stat(host->root, br, &st) == 0 && S_ISDIR(st.st_mode),
        };
    }
    if (h->nifaces)
        qsort(h->ifaces, h->nifaces, sizeof(*h->ifaces), cmp_iface);
}

static int mdev_parents(dc_host *host)
{
    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, "/sys/class/mdev_bus");
    if (!d)
        return errno == ENOENT ? 0 : -1;
    for (struct dirent *de; (de = readdir(d));)
        if (de->d_name[0] != '.')
            return 1;
    return 0;
}

static int probe_devnodes(dc_host *host)
{
    dc_hostinfo *h = &host->info;
    h->tpm_device = node_present(host, "/dev/tpm0");
    h->devnodes.vhost_net = node_present(host, "/dev/vhost-net");
    h->devnodes.vhost_vsock = node_present(host, "/dev/vhost-vsock");
    h->devnodes.net_tun = node_present(host, "/dev/net/tun");
    h->devnodes.tpmrm = node_present(host, "/dev/tpmrm0");
    h->vfio.mdev = mdev_parents(host);
    probe_ifaces(host);
    h->smbios = node_present(host, "/sys/firmware/dmi/tables/smbios_entry_point");
    h->dmidecode = binary_present(host, "dmidecode");
    h->numad = binary_present(host, "numad");

    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, "/dev/dri");
    h->render_nodes = 0;
    if (!d) {
        if (errno != ENOENT) {
            h->render_nodes = -1;
            dc_host_diag(host, "devnodes", "cannot read /dev/dri: %s", strerror(errno));
        }
        return 0;
    }
    for (struct dirent *de; (de = readdir(d));)
        if (startswith(de->d_name, "renderD"))
            h->render_nodes++;
    return 0;
}

const dc_host_prober dc_probe_devnodes = {
    .name = "devnodes",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_devnodes,
};
