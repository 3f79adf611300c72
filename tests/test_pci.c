/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI and VFIO probes against fixture roots (tests/data/roots/pci-*,
 * vfio-nopci, host-pci), and what the VFIO facts do to the caps document.
 */
#include "test_helpers.h"

#define ROOTS DC_TEST_DATA_DIR "/roots/"

typedef struct probed {
    dc_root *root;
    dc_host host;
} probed;

static probed *probe(const char *root, unsigned what)
{
    probed *p = xcalloc(1, sizeof(*p));
    assert_int_equal(dc_root_open(root, &p->root), 0);
    dc_host_run_probes(&p->host, p->root, NULL, what, NULL);
    return p;
}

static void probed_free(probed *p)
{
    dc_host_clear(&p->host);
    dc_root_free(p->root);
    free(p);
}

static size_t count_diags(const dc_hostinfo *h, const char *probe_name)
{
    size_t n = 0;
    for (size_t i = 0; i < h->ndiags; i++)
        if (streq(h->diags[i].probe, probe_name))
            n++;
    return n;
}

/* Fails unless a diagnostic of probe_name contains every one of the NULL-terminated parts. */
static void assert_diag(const dc_hostinfo *h, const char *probe_name, ...)
{
    for (size_t i = 0; i < h->ndiags; i++) {
        if (!streq(h->diags[i].probe, probe_name))
            continue;
        va_list ap;
        va_start(ap, probe_name);
        bool all = true;
        for (const char *part; (part = va_arg(ap, const char *));)
            all = all && strstr(h->diags[i].message, part);
        va_end(ap);
        if (all)
            return;
    }
    for (size_t i = 0; i < h->ndiags; i++)
        print_message("diagnostic [%s] %s\n", h->diags[i].probe, h->diags[i].message);
    fail_msg("no matching %s diagnostic", probe_name);
}

static void assert_no_diags(const dc_hostinfo *h)
{
    if (count_diags(h, "pci") + count_diags(h, "vfio") == 0)
        return;
    for (size_t i = 0; i < h->ndiags; i++)
        print_message("diagnostic [%s] %s\n", h->diags[i].probe, h->diags[i].message);
    fail_msg("unexpected pci/vfio diagnostics");
}

typedef struct want_dev {
    const char *address;
    unsigned vendor, device, subsys_vendor, subsys_device, class_id;
    const char *vendor_name, *device_name, *class_name;
    const char *driver;
    int iommu_group, numa_node;
    bool bridge;
    int totalvfs, numvfs;
    const char *physfn;
} want_dev;

static void assert_devices(const dc_hostinfo *h, const want_dev *want, size_t n)
{
    assert_true(h->pci_known);
    assert_int_equal(h->npci, n);
    for (size_t i = 0; i < n; i++) {
        const dc_pci_device *d = &h->pci[i];
        const want_dev *w = &want[i];
        print_message("checking %s\n", w->address);
        assert_string_equal(d->address, w->address);
        unsigned dom, bus, slot, fn;
        assert_int_equal(sscanf(w->address, "%x:%x:%x.%x", &dom, &bus, &slot, &fn), 4);
        assert_int_equal(d->domain, dom);
        assert_int_equal(d->bus, bus);
        assert_int_equal(d->slot, slot);
        assert_int_equal(d->function, fn);
        assert_int_equal(d->vendor_id, w->vendor);
        assert_int_equal(d->device_id, w->device);
        assert_int_equal(d->subsys_vendor_id, w->subsys_vendor);
        assert_int_equal(d->subsys_device_id, w->subsys_device);
        assert_int_equal(d->class_id, w->class_id);
        assert_true(streq_ptr(d->vendor_name, w->vendor_name));
        assert_true(streq_ptr(d->device_name, w->device_name));
        assert_true(streq_ptr(d->class_name, w->class_name));
        assert_true(streq_ptr(d->driver, w->driver));
        assert_int_equal(d->iommu_group, w->iommu_group);
        assert_int_equal(d->numa_node, w->numa_node);
        assert_int_equal(d->is_bridge, w->bridge);
        assert_int_equal(d->sriov_totalvfs, w->totalvfs);
        assert_int_equal(d->sriov_numvfs, w->numvfs);
        assert_true(streq_ptr(d->physfn, w->physfn));
    }
}

typedef struct want_group {
    unsigned id;
    const char *devices[4];
    bool viable;
    const char *culprits[3];
} want_group;

static void assert_strs(char **got, const char *const *want)
{
    size_t i = 0;
    for (; want[i]; i++) {
        assert_non_null(got);
        assert_non_null(got[i]);
        assert_string_equal(got[i], want[i]);
    }
    assert_true(!got || !got[i]);
}

static void assert_groups(const dc_hostvfio *v, const want_group *want, size_t n)
{
    assert_int_equal(v->ngroups, n);
    for (size_t i = 0; i < n; i++) {
        print_message("checking group %u\n", want[i].id);
        assert_int_equal(v->groups[i].id, want[i].id);
        assert_int_equal(v->groups[i].viable, want[i].viable);
        assert_strs(v->groups[i].devices, want[i].devices);
        assert_strs(v->groups[i].culprits, want[i].culprits);
    }
}

#define INTEL "Intel Corporation"
#define NVIDIA "NVIDIA Corporation"
#define NO_SRIOV -1, -1, NULL

static void test_vfio_fixture(void **state)
{
    probed *p = probe(ROOTS "pci-vfio", DC_PROBE_FOR_INVENTORY);
    const dc_hostinfo *h = &p->host.info;
    static const want_dev devs[] = {
        {"0000:00:00.0", 0x8086, 0x29c0, 0x1af4, 0x1100, 0x060000, INTEL,
         "82G33/G31/P35/P31 Express DRAM Controller", "Host bridge", NULL, 0, -1, false, NO_SRIOV},
        {"0000:00:01.0", 0x8086, 0x1901, 0, 0, 0x060400, INTEL,
         "6th-10th Gen Core Processor PCIe Controller (x16)", "PCI bridge", "pcieport", 2, 0, true,
         NO_SRIOV},
        /* pci.ids lacks subclass 01 06: the base class names it */
        {"0000:00:17.0", 0x8086, 0xa352, 0x1af4, 0x1100, 0x010601, INTEL,
         "Cannon Lake PCH SATA AHCI Controller", "Mass storage controller", "pci-stub", 12, -1,
         false, NO_SRIOV},
        {"0000:00:1c.0", 0x8086, 0xa33c, 0, 0, 0x060400, INTEL,
         "Cannon Lake PCH PCI Express Root Port #5", "PCI bridge", "pcieport", 11, -1, true,
         NO_SRIOV},
        {"0000:00:1f.4", 0x8086, 0xa323, 0x1af4, 0x1100, 0x0c0500, INTEL,
         "Cannon Lake PCH SMBus Controller", "SMBus", "i801_smbus", -1, -1, false, NO_SRIOV},
        {"0000:01:00.0", 0x10de, 0x1c82, 0x1458, 0x3763, 0x030000, NVIDIA,
         "GP107 [GeForce GTX 1050 Ti]", "VGA compatible controller", "vfio-pci", 2, 0, false,
         NO_SRIOV},
        {"0000:01:00.1", 0x10de, 0x0fb9, 0x1458, 0x3763, 0x040300, NVIDIA,
         "GP107GL High Definition Audio Controller", "Audio device", "vfio-pci", 2, 0, false,
         NO_SRIOV},
        {"0000:03:00.0", 0x8086, 0x10fb, 0x8086, 0x000c, 0x020000, INTEL,
         "82599ES 10-Gigabit SFI/SFP+ Network Connection", "Ethernet controller", "vfio-pci", 10, 1,
         false, NO_SRIOV},
        {"0000:03:00.1", 0x8086, 0x10fb, 0x8086, 0x000c, 0x020000, INTEL,
         "82599ES 10-Gigabit SFI/SFP+ Network Connection", "Ethernet controller", "ixgbe", 10, 1,
         false, NO_SRIOV},
    };
    assert_devices(h, devs, ELEMENTSOF(devs));

    /* Numeric order (2 before 10); the root port in group 2 does not spoil it. */
    static const want_group groups[] = {
        {0, {"0000:00:00.0"}, true, {NULL}},
        {2, {"0000:00:01.0", "0000:01:00.0", "0000:01:00.1"}, true, {NULL}},
        {10, {"0000:03:00.0", "0000:03:00.1"}, false, {"0000:03:00.1 (ixgbe)"}},
        {11, {"0000:00:1c.0"}, true, {NULL}},
        {12, {"0000:00:17.0"}, true, {NULL}},
    };
    assert_groups(&h->vfio, groups, ELEMENTSOF(groups));
    assert_true(h->vfio.dev_vfio);
    assert_false(h->vfio.dev_iommu);
    assert_true(h->vfio.module);
    assert_true(h->vfio.iommu_groups);
    assert_no_diags(h);
    probed_free(p);
}

static void test_sriov_fixture(void **state)
{
    probed *p = probe(ROOTS "pci-sriov", DC_PROBE_FOR_INVENTORY);
    const dc_hostinfo *h = &p->host.info;
    static const want_dev devs[] = {
        {"0000:3a:00.0", 0x8086, 0x2030, 0x8086, 0, 0x060400, INTEL,
         "Sky Lake-E PCI Express Root Port A", "PCI bridge", "pcieport", -1, 1, true, NO_SRIOV},
        {"0000:3b:00.0", 0x8086, 0x1572, 0x8086, 0x0007, 0x020000, INTEL,
         "Ethernet Controller X710 for 10GbE SFP+", "Ethernet controller", "i40e", -1, 1, false, 8,
         2, NULL},
        {"0000:3b:02.0", 0x8086, 0x154c, 0x8086, 0, 0x020000, INTEL,
         "Ethernet Virtual Function 700 Series", "Ethernet controller", "iavf", -1, 1, false, -1,
         -1, "0000:3b:00.0"},
        {"0000:3b:02.1", 0x8086, 0x154c, 0x8086, 0, 0x020000, INTEL,
         "Ethernet Virtual Function 700 Series", "Ethernet controller", "vfio-pci", -1, 1, false,
         -1, -1, "0000:3b:00.0"},
    };
    assert_devices(h, devs, ELEMENTSOF(devs));
    assert_int_equal(h->vfio.ngroups, 0);
    assert_false(h->vfio.iommu_groups);
    assert_false(h->vfio.dev_vfio);
    assert_false(h->vfio.module);
    assert_no_diags(h);
    probed_free(p);
}

/* Captured by tests/capture/capture-pci.sh on the development VM; `lspci -D -n` there:
 *   0000:00:00.0 0600: 8086:0d57
 *   0000:00:01.0 ffff: 1af4:1045 (rev 01)
 *   0000:00:02.0 0180: 1af4:1042 (rev 01)
 *   0000:00:03.0 0200: 1af4:1041 (rev 01)
 *   0000:00:04.0 ffff: 1af4:1053 (rev 01)
 *   0000:00:05.0 ffff: 1af4:1044 (rev 01)
 */
static void test_host_fixture(void **state)
{
    probed *p = probe(ROOTS "host-pci", DC_PROBE_FOR_INVENTORY);
    const dc_hostinfo *h = &p->host.info;
#define RH "Red Hat, Inc."
#define VIRTIO(addr, dev, cls, dname, cname)                                                       \
    {                                                                                              \
        addr, 0x1af4, dev, 0x1af4, dev, cls, RH, dname, cname, "virtio-pci", -1, -1, false,        \
            NO_SRIOV                                                                               \
    }
    static const want_dev devs[] = {
        {"0000:00:00.0", 0x8086, 0x0d57, 0, 0, 0x060000, INTEL, NULL, "Host bridge", NULL, -1, -1,
         false, NO_SRIOV},
        VIRTIO("0000:00:01.0", 0x1045, 0xffff00, "Virtio 1.0 memory balloon", "Unassigned class"),
        VIRTIO("0000:00:02.0", 0x1042, 0x018000, "Virtio 1.0 block device",
               "Mass storage controller"),
        VIRTIO("0000:00:03.0", 0x1041, 0x020000, "Virtio 1.0 network device",
               "Ethernet controller"),
        VIRTIO("0000:00:04.0", 0x1053, 0xffff00, "Virtio 1.0 socket", "Unassigned class"),
        VIRTIO("0000:00:05.0", 0x1044, 0xffff00, "Virtio 1.0 RNG", "Unassigned class"),
    };
#undef VIRTIO
#undef RH
    assert_devices(h, devs, ELEMENTSOF(devs));
    assert_int_equal(h->vfio.ngroups, 0);
    assert_no_diags(h);
    probed_free(p);
}

/* No /sys/bus/pci: known to be empty, with a diagnostic saying why. */
static void test_no_sysfs(void **state)
{
    probed *p = probe(ROOTS "debian12-tcg", DC_PROBE_FOR_INVENTORY);
    const dc_hostinfo *h = &p->host.info;
    assert_true(h->pci_known);
    assert_int_equal(h->npci, 0);
    assert_null(h->pci);
    assert_int_equal(count_diags(h, "pci"), 1);
    assert_diag(h, "pci", "debian12-tcg/sys/bus/pci does not exist", NULL);
    assert_int_equal(h->vfio.ngroups, 0);
    probed_free(p);
}

/* Bad files cost their field, never the device or the run. */
static void test_broken_files(void **state)
{
    probed *p = probe(ROOTS "pci-broken", DC_PROBE_FOR_INVENTORY);
    const dc_hostinfo *h = &p->host.info;
    /* The PCI ID database does not parse: no names at all. */
    static const want_dev devs[] = {
        /* vendor "garbage", numa_node "abc", driver link dangling */
        {"0000:00:02.0", 0, 0x1c82, 0, 0, 0x030000, NULL, NULL, NULL, "nouveau", -1, -1, false,
         NO_SRIOV},
        /* iommu_group link names no number */
        {"0000:00:03.0", 0x8086, 0x100e, 0x8086, 0x001e, 0x020000, NULL, NULL, NULL, "e1000", -1,
         -1, false, NO_SRIOV},
        /* no class file */
        {"0000:00:04.0", 0x8086, 0x2922, 0x8086, 0x1100, 0, NULL, NULL, NULL, NULL, -1, -1, false,
         NO_SRIOV},
    };
    assert_devices(h, devs, ELEMENTSOF(devs));
    const char *dir = "pci-broken/sys/bus/pci/devices/";
    assert_diag(h, "pci", dir, "0000:00:02.0/vendor", "'garbage' is not a valid value", NULL);
    assert_diag(h, "pci", dir, "0000:00:02.0/numa_node", "'abc'", NULL);
    assert_diag(h, "pci", dir, "0000:00:02.0/driver", "cannot be reached", "using 'nouveau'", NULL);
    assert_diag(h, "pci", dir, "0000:00:03.0/iommu_group", "notanumber", NULL);
    assert_diag(h, "pci", dir, "0000:00:04.0/class", "No such file or directory", NULL);
    assert_diag(h, "pci", "libpci cannot read the PCI ID database",
                "pci-broken/usr/share/misc/pci.ids", "line 4", NULL);
    assert_int_equal(count_diags(h, "pci"), 6);
    probed_free(p);
}

/* libpci's error callback (scanning a file as a directory) ends the PCI probe, not the process. */
static void test_libpci_error(void **state)
{
    probed *p = probe(ROOTS "pci-notdir", DC_PROBE_FOR_INVENTORY);
    const dc_hostinfo *h = &p->host.info;
    assert_false(h->pci_known);
    assert_int_equal(h->npci, 0);
    assert_null(h->pci);
    assert_diag(h, "pci", "libpci cannot list the PCI devices in", "pci-notdir/sys/bus/pci/devices",
                NULL);
    /* Twice in one process: the callback state is reset each time. */
    probed *q = probe(ROOTS "pci-notdir", DC_PROBE_FOR_INVENTORY);
    assert_false(q->host.info.pci_known);
    probed_free(q);
    probed_free(p);
}

/* Members the PCI list lacks: driver and class come from the group's own directories. */
static void test_groups_without_pci(void **state)
{
    probed *p = probe(ROOTS "vfio-nopci", DC_PROBE_FOR_INVENTORY);
    const dc_hostinfo *h = &p->host.info;
    assert_true(h->pci_known);
    assert_int_equal(h->npci, 0);
    static const want_group groups[] = {
        /* 05:00.0 is a bridge (class 0x0604), the others endpoints with foreign drivers */
        {7,
         {"0000:05:00.0", "0000:06:00.0", "ff100000.gpu"},
         false,
         {"0000:06:00.0 (e1000e)", "ff100000.gpu (panfrost)"}},
        {8, {"0000:07:00.0"}, true, {NULL}},
    };
    assert_groups(&h->vfio, groups, ELEMENTSOF(groups));
    assert_true(h->vfio.iommu_groups);
    assert_no_diags(h);
    probed_free(p);
}

/* A caps-only run needs only the three facts; the groups are inventory. */
static void test_caps_only(void **state)
{
    probed *p = probe(ROOTS "pci-vfio", DC_PROBE_FOR_CAPS);
    const dc_hostinfo *h = &p->host.info;
    assert_false(h->pci_known);
    assert_int_equal(h->npci, 0);
    assert_true(h->vfio.iommu_groups);
    assert_true(h->vfio.dev_vfio);
    assert_true(h->vfio.module);
    assert_int_equal(h->vfio.ngroups, 0);
    probed_free(p);
}

static char *caps_for(const char *root)
{
    dc_test_probe tp = {
        .replay = DC_TEST_DATA_DIR "/replies/qemu-7.2-x86_64.replies",
        .sysroot = root,
        .virttype = "qemu",
    };
    char *doc = NULL;
    dc_error msg = DC_ERROR_INIT;
    int rc = dc_test_run_probe(&tp, &doc, &msg);
    if (rc != 0)
        fail_msg("probe failed (%d): %s", rc, msg.message);
    dc_error_clear(&msg);
    return doc;
}

static void test_caps_pci_backend(void **state)
{
    _cleanup_free_ char *vfio = caps_for(ROOTS "pci-vfio");
    assert_non_null(strstr(vfio, "<enum name='pciBackend'>\n"
                                 "        <value>default</value>\n"
                                 "        <value>vfio</value>\n"
                                 "      </enum>"));
    _cleanup_free_ char *none = caps_for(ROOTS "debian12-tcg");
    assert_non_null(strstr(none, "<enum name='pciBackend'/>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vfio_fixture),       cmocka_unit_test(test_sriov_fixture),
        cmocka_unit_test(test_host_fixture),       cmocka_unit_test(test_no_sysfs),
        cmocka_unit_test(test_broken_files),       cmocka_unit_test(test_libpci_error),
        cmocka_unit_test(test_groups_without_pci), cmocka_unit_test(test_caps_only),
        cmocka_unit_test(test_caps_pci_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
