/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The USB probe: libusb (mocked with -Wl,--wrap=dc_usb_list_devices) for the
 * live root, sysfs for a sysroot.
 */
#include "test_helpers.h"

#include "usb_seam.h"

#define ROOTS DC_TEST_DATA_DIR "/roots"

typedef struct usb_mock {
    int result; /* < 0: fail with message */
    const char *message;
    const dc_usb_device *devices; /* copied, as the seam's caller owns the list */
    size_t n;
} usb_mock;

int __wrap_dc_usb_list_devices(dc_usb_device **ret, size_t *ret_n, dc_error *err);

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

int __wrap_dc_usb_list_devices(dc_usb_device **ret, size_t *ret_n, dc_error *err)
{
    const usb_mock *m = mock_ptr_type(const usb_mock *);
    if (m->result < 0) {
        return dc_error_set(err, m->result, "%s", m->message);
    }
    dc_usb_device *devs = m->n ? xcalloc(m->n, sizeof(*devs)) : NULL;
    for (size_t i = 0; i < m->n; i++) {
        devs[i] = m->devices[i];
        devs[i].port_path = dup_or_null(m->devices[i].port_path);
        devs[i].speed = dup_or_null(m->devices[i].speed);
        devs[i].manufacturer = dup_or_null(m->devices[i].manufacturer);
        devs[i].product = dup_or_null(m->devices[i].product);
    }
    *ret = devs;
    *ret_n = m->n;
    return 0;
}

static void probe(const char *root_path, dc_host *host)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(root_path, &root), 0);
    *host = (dc_host){.root = root};
    assert_int_equal(dc_probe_usb.run(host), 0);
    host->root = NULL;
    dc_root_free(root);
}

static void assert_device(const dc_usb_device *u, unsigned bus, unsigned address,
                          const char *port_path, unsigned vendor, unsigned product,
                          unsigned class_id, const char *speed, const char *manufacturer,
                          const char *prod_name)
{
    assert_int_equal(u->bus, bus);
    assert_int_equal(u->address, address);
    assert_string_equal(u->port_path, port_path);
    assert_int_equal(u->vendor_id, vendor);
    assert_int_equal(u->product_id, product);
    assert_int_equal(u->class_id, class_id);
    if (speed)
        assert_string_equal(u->speed, speed);
    else
        assert_null(u->speed);
    if (manufacturer)
        assert_string_equal(u->manufacturer, manufacturer);
    else
        assert_null(u->manufacturer);
    if (prod_name)
        assert_string_equal(u->product, prod_name);
    else
        assert_null(u->product);
}

static void test_live_sorted(void **state)
{
    static const dc_usb_device devices[] = {
        {.bus = 2,
         .address = 3,
         .port_path = "2-1",
         .vendor_id = 0x0bda,
         .product_id = 0x8153,
         .class_id = 0x00,
         .speed = "super"},
        {.bus = 1,
         .address = 5,
         .port_path = "1-2.3",
         .vendor_id = 0x046d,
         .product_id = 0xc52b,
         .class_id = 0x00,
         .speed = "full",
         .manufacturer = "Logitech",
         .product = "USB\tReceiver"},
        {.bus = 1,
         .address = 1,
         .port_path = "1-0",
         .vendor_id = 0x1d6b,
         .product_id = 0x0002,
         .class_id = 0x09,
         .speed = "high",
         .product = "xHCI Host Controller"},
    };
    static const usb_mock m = {.devices = devices, .n = ELEMENTSOF(devices)};
    will_return(__wrap_dc_usb_list_devices, &m);
    dc_host host;
    probe("/", &host);
    const dc_hostinfo *h = &host.info;
    assert_true(h->usb_known);
    assert_int_equal(h->ndiags, 0);
    assert_int_equal(h->nusb, 3);
    assert_device(&h->usb[0], 1, 1, "1-0", 0x1d6b, 0x0002, 0x09, "high", NULL,
                  "xHCI Host Controller");
    /* control characters in device strings are replaced: they would break the XML */
    assert_device(&h->usb[1], 1, 5, "1-2.3", 0x046d, 0xc52b, 0x00, "full", "Logitech",
                  "USB?Receiver");
    assert_device(&h->usb[2], 2, 3, "2-1", 0x0bda, 0x8153, 0x00, "super", NULL, NULL);
    dc_host_clear(&host);
}

static void test_live_none(void **state)
{
    static const usb_mock m = {0};
    will_return(__wrap_dc_usb_list_devices, &m);
    dc_host host;
    probe("/", &host);
    assert_true(host.info.usb_known);
    assert_int_equal(host.info.nusb, 0);
    assert_null(host.info.usb);
    assert_int_equal(host.info.ndiags, 0);
    dc_host_clear(&host);
}

/* A listing that failed leaves the devices unknown, not "none": the report says probed='no'. */
static void test_live_error(void **state)
{
    static const usb_mock m = {
        .result = -EIO,
        .message = "libusb could not be initialised: Other error (LIBUSB_ERROR_OTHER)",
    };
    will_return(__wrap_dc_usb_list_devices, &m);
    dc_host host;
    probe("/", &host);
    const dc_hostinfo *h = &host.info;
    assert_false(h->usb_known);
    assert_int_equal(h->nusb, 0);
    assert_null(h->usb);
    assert_int_equal(h->ndiags, 1);
    assert_string_equal(h->diags[0].probe, "usb");
    assert_string_equal(h->diags[0].message,
                        "cannot list the USB devices: libusb could not be initialised: Other "
                        "error (LIBUSB_ERROR_OTHER)");
    _cleanup_free_ char *xml = dc_hostinfo_format_xml(h);
    assert_non_null(strstr(xml, "<usb probed='no'/>"));
    dc_host_clear(&host);
}

/* A sysroot is read from its sysfs; libusb is never asked (the mock has no answer queued). */
static void test_sysfs_fixture(void **state)
{
    dc_host host;
    probe(ROOTS "/usb-host", &host);
    const dc_hostinfo *h = &host.info;
    assert_true(h->usb_known);
    assert_int_equal(h->ndiags, 0);
    assert_int_equal(h->nusb, 3); /* the interfaces 1-0:1.0 and 1-2:1.0 are not devices */
    assert_device(&h->usb[0], 1, 1, "1-0", 0x1d6b, 0x0002, 0x09, "high",
                  "Linux 6.1.0-13-amd64 xhci-hcd", "xHCI Host Controller");
    assert_device(&h->usb[1], 1, 3, "1-4", 0x04d9, 0x1702, 0x00, "low", NULL, NULL);
    assert_device(&h->usb[2], 1, 7, "1-2", 0x046d, 0xc52b, 0x00, "full", "Logitech",
                  "USB Receiver");
    dc_host_clear(&host);
}

static void test_sysfs_no_usb(void **state)
{
    dc_host host;
    probe(ROOTS "/nokvm", &host); /* has /sys but no /sys/bus/usb */
    assert_true(host.info.usb_known);
    assert_int_equal(host.info.nusb, 0);
    assert_int_equal(host.info.ndiags, 0);
    _cleanup_free_ char *xml = dc_hostinfo_format_xml(&host.info);
    assert_non_null(strstr(xml, "<usb probed='yes' num='0'/>"));
    dc_host_clear(&host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_sorted),  cmocka_unit_test(test_live_none),
        cmocka_unit_test(test_live_error),   cmocka_unit_test(test_sysfs_fixture),
        cmocka_unit_test(test_sysfs_no_usb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
