/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * USB devices. libusb (behind usb_seam.c) describes the running system only,
 * so it serves the live root; a sysroot is read from its
 * /sys/bus/usb/devices, which also lets fixtures carry USB devices.
 *
 * A host without USB has an empty, known list. When the devices cannot be
 * listed the list stays unknown (usb_known false) and a diagnostic says why.
 */
#include "host.h"
#include "usb_seam.h"

#define USB_DEVICES "/sys/bus/usb/devices"

/* sysfs reports the speed in Mbit/s. */
static const char *speed_from_sysfs(const char *mbps)
{
    static const struct {
        const char *mbps, *name;
    } speeds[] = {
        {"1.5", "low"},    {"12", "full"},      {"480", "high"},
        {"5000", "super"}, {"10000", "super+"}, {"20000", "super+"},
    };
    for (size_t i = 0; i < ELEMENTSOF(speeds); i++)
        if (streq(mbps, speeds[i].mbps))
            return speeds[i].name;
    return NULL;
}

static int read_attr(const dc_root *root, const char *dev, const char *attr, char **ret)
{
    _cleanup_free_ char *p = xasprintf(USB_DEVICES "/%s/%s", dev, attr);
    return dc_root_read_line(root, p, ret);
}

/* Reads a number attribute; -EINVAL for text that is not one. */
static int read_uint_attr(const dc_root *root, const char *dev, const char *attr, int base,
                          unsigned max, unsigned *ret)
{
    _cleanup_free_ char *v = NULL;
    int r = read_attr(root, dev, attr, &v);
    if (r < 0)
        return r;
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, base);
    if (errno || end == v || *end || v[0] == '-' || n > max)
        return -EINVAL;
    *ret = (unsigned)n;
    return 0;
}

/* An optional string attribute: NULL when absent or empty. */
static char *read_opt_attr(const dc_root *root, const char *dev, const char *attr)
{
    char *v = NULL;
    if (read_attr(root, dev, attr, &v) < 0)
        return NULL;
    if (!*v) {
        free(v);
        return NULL;
    }
    return v;
}

/* Returns 1 and the device, 0 for an entry that is not a device (an interface), or -errno. */
static int read_sysfs_device(dc_host *host, const char *name, dc_usb_device *u)
{
    const dc_root *root = host->root;
    /* Interfaces ("1-2:1.0") live in the same directory; only devices have busnum. */
    if (strchr(name, ':'))
        return 0;

    static const struct {
        const char *attr;
        int base;
        unsigned max;
        size_t off;
    } required[] = {
        {"busnum", 10, 0xffff, offsetof(dc_usb_device, bus)},
        {"devnum", 10, 0xffff, offsetof(dc_usb_device, address)},
        {"idVendor", 16, 0xffff, offsetof(dc_usb_device, vendor_id)},
        {"idProduct", 16, 0xffff, offsetof(dc_usb_device, product_id)},
    };
    for (size_t i = 0; i < ELEMENTSOF(required); i++) {
        int r = read_uint_attr(root, name, required[i].attr, required[i].base, required[i].max,
                               (unsigned *)((char *)u + required[i].off));
        if (r < 0) {
            _cleanup_free_ char *rel = xasprintf(USB_DEVICES "/%s/%s", name, required[i].attr);
            _cleanup_free_ char *p = dc_root_display(root, rel);
            dc_host_diag(host, "usb", "skipping USB device %s: cannot read %s: %s", name, p,
                         r == -EINVAL ? "not a number" : strerror(-r));
            return r;
        }
    }
    if (read_uint_attr(root, name, "bDeviceClass", 16, 0xff, &u->class_id) < 0)
        u->class_id = 0;

    _cleanup_free_ char *devpath = read_opt_attr(root, name, "devpath");
    if (devpath)
        u->port_path = xasprintf("%u-%s", u->bus, devpath);
    else
        u->port_path = startswith(name, "usb") ? xasprintf("%u-0", u->bus) : xstrdup(name);

    _cleanup_free_ char *speed = read_opt_attr(root, name, "speed");
    const char *s = speed ? speed_from_sysfs(speed) : NULL;
    u->speed = s ? xstrdup(s) : NULL;
    u->manufacturer = read_opt_attr(root, name, "manufacturer");
    u->product = read_opt_attr(root, name, "product");
    return 1;
}

static void clear_device(dc_usb_device *u)
{
    free(u->port_path);
    free(u->speed);
    free(u->manufacturer);
    free(u->product);
    *u = (dc_usb_device){0};
}

static int list_sysfs(dc_host *host, dc_usb_device **ret, size_t *ret_n)
{
    const dc_root *root = host->root;
    _cleanup_closedir_ DIR *d = dc_root_opendir(root, USB_DEVICES);
    if (!d) {
        int r = -errno;
        if (r == -ENOENT) {
            /* No USB support in this kernel (or none captured): nothing to list. */
            *ret = NULL;
            *ret_n = 0;
            return 0;
        }
        _cleanup_free_ char *p = dc_root_display(root, USB_DEVICES);
        dc_host_diag(host, "usb", "cannot list the USB devices in %s: %s", p, strerror(-r));
        return r;
    }

    dc_usb_device *devs = NULL;
    size_t n = 0, alloc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        dc_usb_device u = {0};
        if (read_sysfs_device(host, de->d_name, &u) <= 0) {
            clear_device(&u);
            continue;
        }
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 8;
            devs = xrealloc(devs, alloc * sizeof(*devs));
        }
        devs[n++] = u;
    }
    *ret = devs;
    *ret_n = n;
    return 0;
}

/* Device strings go into XML and JSON: control characters become '?'. */
static void sanitize(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static int cmp_device(const void *a, const void *b)
{
    const dc_usb_device *x = a, *y = b;
    if (x->bus != y->bus)
        return x->bus < y->bus ? -1 : 1;
    if (x->address != y->address)
        return x->address < y->address ? -1 : 1;
    return 0;
}

static int probe_usb(dc_host *host)
{
    dc_hostinfo *h = &host->info;
    dc_usb_device *devs = NULL;
    size_t n = 0;

    if (dc_root_is_live(host->root)) {
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        int r = dc_usb_list_devices(&devs, &n, &msg);
        if (r < 0) {
            dc_host_diag(host, "usb", "cannot list the USB devices: %s",
                         msg.message ? msg.message : strerror(-r));
            return 0;
        }
    } else if (list_sysfs(host, &devs, &n) < 0)
        return 0;

    for (size_t i = 0; i < n; i++) {
        sanitize(devs[i].manufacturer);
        sanitize(devs[i].product);
    }
    if (n > 1)
        qsort(devs, n, sizeof(*devs), cmp_device);
    h->usb = devs;
    h->nusb = n;
    h->usb_known = true;
    return 0;
}

const dc_host_prober dc_probe_usb = {
    .name = "usb",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_usb,
};
