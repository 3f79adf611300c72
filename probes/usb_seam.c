/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The only place that calls libusb. libusb reads the running system's
 * /dev/bus/usb and udev and knows nothing of a sysroot, so the USB probe
 * calls this for the live root only. Kept in its own object so tests can
 * replace it with -Wl,--wrap.
 */
#include <libusb.h>

#include "usb_seam.h"
#include "util.h"

static const char *speed_name(int speed)
{
    switch (speed) {
    case LIBUSB_SPEED_LOW:
        return "low";
    case LIBUSB_SPEED_FULL:
        return "full";
    case LIBUSB_SPEED_HIGH:
        return "high";
    case LIBUSB_SPEED_SUPER:
        return "super";
    case LIBUSB_SPEED_SUPER_PLUS:
        return "super+";
#if LIBUSB_API_VERSION >= 0x0100010A
    case LIBUSB_SPEED_SUPER_PLUS_X2:
        return "super+";
#endif
    default:
        return NULL;
    }
}

static int errno_from_libusb(int e)
{
    switch (e) {
    case LIBUSB_ERROR_ACCESS:
        return -EACCES;
    case LIBUSB_ERROR_NO_DEVICE:
        return -ENODEV;
    case LIBUSB_ERROR_NOT_FOUND:
        return -ENOENT;
    case LIBUSB_ERROR_BUSY:
        return -EBUSY;
    case LIBUSB_ERROR_TIMEOUT:
        return -ETIMEDOUT;
    case LIBUSB_ERROR_NO_MEM:
        return -ENOMEM;
    case LIBUSB_ERROR_NOT_SUPPORTED:
        return -EOPNOTSUPP;
    default:
        return -EIO;
    }
}

/*
 * Whether the running kernel has any USB device at all. libusb's own errors
 * cannot tell "no USB here" (no usbfs, nothing to enumerate) from "USB we
 * cannot reach" (netlink or udev blocked in a container): they are both
 * LIBUSB_ERROR_OTHER. sysfs can. Like libusb this looks at the live system.
 */
static bool kernel_has_usb_devices(void)
{
    _cleanup_closedir_ DIR *d = opendir("/sys/bus/usb/devices");
    if (!d)
        return errno != ENOENT; /* unreadable sysfs: assume there is something */
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            return true;
    return false;
}

static char *string_descriptor(libusb_device_handle *h, uint8_t index)
{
    if (!h || index == 0)
        return NULL;
    unsigned char buf[256];
    int n = libusb_get_string_descriptor_ascii(h, index, buf, sizeof(buf));
    if (n <= 0)
        return NULL;
    return xstrndup((const char *)buf, (size_t)n);
}

static void fill_device(libusb_device *dev, dc_usb_device *u)
{
    struct libusb_device_descriptor desc;
    u->bus = libusb_get_bus_number(dev);
    u->address = libusb_get_device_address(dev);

    /* USB allows at most 7 tiers; a root hub has no port numbers ("1-0", like its sysfs devpath).
     */
    uint8_t ports[8];
    int np = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
    if (np >= 0) {
        dc_buf b = {0};
        dc_buf_addf(&b, "%u-", u->bus);
        if (np == 0)
            dc_buf_add(&b, "0");
        for (int i = 0; i < np; i++)
            dc_buf_addf(&b, "%s%u", i ? "." : "", ports[i]);
        u->port_path = dc_buf_steal(&b);
    }

    const char *speed = speed_name(libusb_get_device_speed(dev));
    u->speed = speed ? xstrdup(speed) : NULL;

    if (libusb_get_device_descriptor(dev, &desc) < 0)
        return;
    u->vendor_id = desc.idVendor;
    u->product_id = desc.idProduct;
    u->class_id = desc.bDeviceClass;

    if (!desc.iManufacturer && !desc.iProduct)
        return;
    /* Opening needs write access to the usbfs node; without it the strings stay unknown. */
    libusb_device_handle *h = NULL;
    if (libusb_open(dev, &h) < 0)
        return;
    u->manufacturer = string_descriptor(h, desc.iManufacturer);
    u->product = string_descriptor(h, desc.iProduct);
    libusb_close(h);
}

int dc_usb_list_devices(dc_usb_device **ret, size_t *ret_n, dc_error *err)
{
    /* No device in sysfs, nothing for libusb to find: skip its thread and netlink set-up. */
    if (!kernel_has_usb_devices()) {
        *ret = NULL;
        *ret_n = 0;
        return 0;
    }
    libusb_context *ctx = NULL;
#if LIBUSB_API_VERSION >= 0x0100010A
    int r = libusb_init_context(&ctx, NULL, 0);
#else
    int r = libusb_init(&ctx);
#endif
    if (r < 0) {
        if (!kernel_has_usb_devices()) {
            *ret = NULL;
            *ret_n = 0;
            return 0;
        }
        return dc_error_set(err, errno_from_libusb(r), "libusb could not be initialised: %s (%s)",
                            libusb_strerror(r), libusb_error_name(r));
    }

    libusb_device **list = NULL;
    ssize_t n = libusb_get_device_list(ctx, &list);
    if (n < 0) {
        int e = (int)n;
        libusb_exit(ctx);
        if (!kernel_has_usb_devices()) {
            *ret = NULL;
            *ret_n = 0;
            return 0;
        }
        return dc_error_set(err, errno_from_libusb(e),
                            "libusb could not list the USB devices: %s (%s)", libusb_strerror(e),
                            libusb_error_name(e));
    }

    dc_usb_device *devs = n ? xcalloc((size_t)n, sizeof(*devs)) : NULL;
    for (ssize_t i = 0; i < n; i++)
        fill_device(list[i], &devs[i]);
    libusb_free_device_list(list, 1);
    libusb_exit(ctx);
    *ret = devs;
    *ret_n = (size_t)n;
    return 0;
}
