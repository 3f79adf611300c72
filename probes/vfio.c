/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VFIO. The caps document needs only what libvirt checks: IOMMU groups exist
 * and /dev/vfio/vfio (and /dev/iommu for iommufd) is there. The inventory also
 * lists every IOMMU group with its members and whether the kernel would let
 * the group be assigned.
 *
 * The groups are walked only when the PCI probe has run (pci_known), which it
 * does for the inventory only: caps-only runs stay at three stat calls, and
 * the walk can take each member's driver and bridge-ness from the PCI list.
 */
#include <limits.h>

#include "host.h"

#define IOMMU_GROUPS "/sys/kernel/iommu_groups"

/* vfio-pci and its vendor variants (mlx5_vfio_pci, ...) hand the device to VFIO; pci-stub parks it.
 */
static bool driver_allows_vfio(const char *driver)
{
    return streq(driver, "vfio-pci") || streq(driver, "pci-stub") || endswith(driver, "_vfio_pci");
}

static bool parse_group_id(const char *s, unsigned *ret)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
        return false;
    *ret = (unsigned)strtoul(s, NULL, 10);
    return true;
}

/* The last component of a symlink's target: a driver or group name. */
static int root_readlink_name(const dc_root *root, const char *path, char **ret)
{
    _cleanup_free_ char *buf = NULL;
    int r = dc_root_readlink(root, path, &buf);
    if (r < 0)
        return r;
    const char *slash = strrchr(buf, '/');
    const char *name = slash ? slash + 1 : buf;
    if (!*name)
        return -EBADMSG;
    *ret = xstrdup(name);
    return 0;
}

static const dc_pci_device *find_pci(const dc_hostinfo *h, const char *address)
{
    for (size_t i = 0; i < h->npci; i++)
        if (streq(h->pci[i].address, address))
            return &h->pci[i];
    return NULL;
}

/* A member the PCI list lacks (not PCI, or the PCI probe lost it): read it from the group. */
static void read_member(dc_host *host, const char *dir, bool *ret_bridge, char **ret_driver)
{
    _cleanup_free_ char *link = xasprintf("%s/driver", dir);
    int r = root_readlink_name(host->root, link, ret_driver);
    if (r < 0 && r != -ENOENT) {
        _cleanup_free_ char *shown = dc_root_display(host->root, link);
        dc_host_diag(host, "vfio", "Cannot read the link %s: %s.", shown, strerror(-r));
    }
    _cleanup_free_ char *path = xasprintf("%s/class", dir);
    _cleanup_free_ char *cls = NULL;
    unsigned long v = 0;
    /* No class file: not a PCI device, so an endpoint. */
    if (dc_root_read_line(host->root, path, &cls) == 0) {
        char *end;
        v = strtoul(cls, &end, 16);
        if (!startswith(cls, "0x") || (*end && *end != ' ')) {
            _cleanup_free_ char *shown = dc_root_display(host->root, path);
            dc_host_diag(host, "vfio", "Ignoring %s: it does not hold a PCI class.", shown);
            v = 0;
        }
    }
    unsigned c = (unsigned)(v >> 8);
    *ret_bridge = c == 0x0604 || c == 0x0607 || c == 0x0609;
}

static char **steal_strv(dc_strv *sv)
{
    char **v = sv->v;
    *sv = (dc_strv){0};
    return v;
}

static int read_group(dc_host *host, unsigned id, dc_iommu_group *ret)
{
    _cleanup_free_ char *devdir = xasprintf(IOMMU_GROUPS "/%u/devices", id);
    _cleanup_closedir_ DIR *d = dc_root_opendir(host->root, devdir);
    if (!d) {
        int r = -errno;
        _cleanup_free_ char *shown = dc_root_display(host->root, devdir);
        dc_host_diag(host, "vfio", "Cannot read %s: %s; group %u is not listed.", shown,
                     strerror(-r), id);
        return r;
    }
    _cleanup_strv_ dc_strv members = {0};
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            dc_strv_add(&members, de->d_name);
    dc_strv_sort(&members);

    _cleanup_strv_ dc_strv culprits = {0};
    for (size_t i = 0; i < members.n; i++) {
        const char *m = members.v[i];
        const dc_pci_device *pd = find_pci(&host->info, m);
        bool bridge;
        _cleanup_free_ char *own_driver = NULL;
        const char *driver;
        if (pd) {
            bridge = pd->is_bridge;
            driver = pd->driver;
        } else {
            _cleanup_free_ char *dir = xasprintf("%s/%s", devdir, m);
            read_member(host, dir, &bridge, &own_driver);
            driver = own_driver;
        }
        /* The kernel ignores bridges when it decides whether a group is viable. */
        if (bridge || !driver || driver_allows_vfio(driver))
            continue;
        dc_strv_add_take(&culprits, xasprintf("%s (%s)", m, driver));
    }

    *ret = (dc_iommu_group){
        .id = id,
        .viable = culprits.n == 0,
        .devices = steal_strv(&members),
        .culprits = steal_strv(&culprits),
    };
    return 0;
}

static int compare_groups(const void *x, const void *y)
{
    const dc_iommu_group *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static void list_groups(dc_host *host, DIR *d)
{
    dc_hostvfio *v = &host->info.vfio;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        unsigned id;
        if (!parse_group_id(de->d_name, &id)) {
            _cleanup_free_ char *shown = dc_root_display(host->root, IOMMU_GROUPS);
            dc_host_diag(host, "vfio", "Ignoring '%s' in %s: not an IOMMU group number.",
                         de->d_name, shown);
            continue;
        }
        dc_iommu_group g;
        if (read_group(host, id, &g) < 0)
            continue;
        v->groups = xrealloc(v->groups, (v->ngroups + 1) * sizeof(*v->groups));
        v->groups[v->ngroups++] = g;
    }
    if (v->ngroups > 1)
        qsort(v->groups, v->ngroups, sizeof(*v->groups), compare_groups);
}

static int probe_vfio(dc_host *host)
{
    const dc_root *root = host->root;
    dc_hostvfio *v = &host->info.vfio;
    struct stat st;
    _cleanup_closedir_ DIR *d = dc_root_opendir(root, IOMMU_GROUPS);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            if (de->d_name[0] != '.') {
                v->iommu_groups = true;
                break;
            }
    } else if (errno != ENOENT) {
        _cleanup_free_ char *shown = dc_root_display(root, IOMMU_GROUPS);
        dc_host_diag(host, "vfio", "Cannot read %s: %s.", shown, strerror(errno));
    }
    v->dev_vfio = dc_root_stat(root, "/dev/vfio/vfio", &st) == 0;
    v->dev_iommu = dc_root_stat(root, "/dev/iommu", &st) == 0;
    /* Loaded or built in: both have the directory (vfio_pci has parameters). */
    v->module = dc_root_stat(root, "/sys/module/vfio_pci", &st) == 0 && S_ISDIR(st.st_mode);

    if (d && v->iommu_groups && host->info.pci_known) {
        rewinddir(d);
        list_groups(host, d);
    }
    return 0;
}

const dc_host_prober dc_probe_vfio = {
    .name = "vfio",
    .needed_for = DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY,
    .run = probe_vfio,
};
