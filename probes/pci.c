/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI devices from sysfs. libpci lists /sys/bus/pci/devices (sysfs.path set
 * inside the root) and names devices from pci.ids. The attributes themselves
 * are read through dc_root: libpci 3.9's sysfs backend parses them with
 * strtol (garbage reads as 0, a real-looking value) and reports a missing one
 * through its fatal error callback, losing the device; here a bad file makes
 * only that field unknown, with a diagnostic naming the file.
 */
#include <ctype.h>
#include <limits.h>
#include <pci/pci.h>
#include <setjmp.h>

#include "host.h"

#define SYSFS_PCI "/sys/bus/pci"
#define SYSFS_PCI_DEVICES SYSFS_PCI "/devices"

/* hwdb and the DNS cache would make names depend on the machine, not the root. */
#define NAME_FLAGS (PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB)

enum {
    KNOWN_VENDOR = 1 << 0,
    KNOWN_DEVICE = 1 << 1,
    KNOWN_CLASS = 1 << 2,
};

/* libpci's callbacks carry no user data, so the running probe is found here. */
typedef struct pci_run {
    jmp_buf jb;
    char *error; /* the last message passed to a->error */
    dc_host *host;
    unsigned *known; /* KNOWN_* per device, parallel to host->info.pci */
} pci_run;

static _Thread_local pci_run *current;

static char *vmessage(const char *fmt, va_list ap) _printf_(1, 0);
static char *vmessage(const char *fmt, va_list ap)
{
    char *m = xvasprintf(fmt, ap);
    size_t n = strlen(m);
    while (n > 0 && isspace((unsigned char)m[n - 1]))
        m[--n] = '\0';
    return m;
}

/* libpci's default handler calls exit(); unwinding to the probe keeps the run going. */
static void on_error(char *fmt, ...) __attribute__((noreturn)) _printf_(1, 2);
static void on_error(char *fmt, ...)
{
    if (!current)
        abort();
    va_list ap;
    va_start(ap, fmt);
    free(current->error);
    current->error = vmessage(fmt, ap);
    va_end(ap);
    longjmp(current->jb, 1);
}

static void on_warning(char *fmt, ...) _printf_(1, 2);
static void on_warning(char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *m = vmessage(fmt, ap);
    va_end(ap);
    if (current)
        dc_host_diag(current->host, "pci", "libpci warned: %s.", m);
}

static void on_debug(char *fmt, ...) _printf_(1, 2);
static void on_debug(char *fmt, ...) {}

/* Attribute values go into messages; keep them short and printable. */
static char *printable(const char *s)
{
    char *p = xstrndup(s, 40);
    for (char *c = p; *c; c++)
        if (!isprint((unsigned char)*c))
            *c = '?';
    return p;
}

static void diag_unreadable(dc_host *host, const char *path, int r)
{
    _cleanup_free_ char *shown = dc_root_display(host->root, path);
    dc_host_diag(host, "pci", "Cannot read %s: %s.", shown, strerror(-r));
}

static void diag_bad_value(dc_host *host, const char *path, const char *value)
{
    _cleanup_free_ char *shown = dc_root_display(host->root, path);
    _cleanup_free_ char *v = printable(value);
    dc_host_diag(host, "pci", "Ignoring %s: '%s' is not a valid value.", shown, v);
}

/* Reads dir/attr; -ENOENT is reported only for attributes every device has. */
static int read_attr(dc_host *host, const char *dir, const char *attr, bool required,
                     char **ret_path, char **ret_value)
{
    char *path = xasprintf("%s/%s", dir, attr);
    char *value = NULL;
    int r = dc_root_read_line(host->root, path, &value);
    if (r < 0) {
        if (r != -ENOENT || required)
            diag_unreadable(host, path, r);
        free(path);
        return r;
    }
    size_t n = strlen(value);
    while (n > 0 && isspace((unsigned char)value[n - 1]))
        value[--n] = '\0';
    *ret_path = path;
    *ret_value = value;
    return 0;
}

/* sysfs prints IDs as 0x%04x and classes as 0x%06x; anything else is not trusted. */
static int parse_hex(const char *s, unsigned long max, unsigned *ret)
{
    if (!startswith(s, "0x") || !isxdigit((unsigned char)s[2]))
        return -EBADMSG;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s + 2, &end, 16);
    if (errno || *end || v > max)
        return -EBADMSG;
    *ret = (unsigned)v;
    return 0;
}

static int parse_int(const char *s, long min, long max, int *ret)
{
    if (!isdigit((unsigned char)s[s[0] == '-']))
        return -EBADMSG;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -EBADMSG;
    *ret = (int)v;
    return 0;
}

static int read_hex_attr(dc_host *host, const char *dir, const char *attr, bool required,
                         unsigned long max, unsigned *ret)
{
    _cleanup_free_ char *path = NULL, *value = NULL;
    int r = read_attr(host, dir, attr, required, &path, &value);
    if (r < 0)
        return r;
    r = parse_hex(value, max, ret);
    if (r < 0)
        diag_bad_value(host, path, value);
    return r;
}

static int read_int_attr(dc_host *host, const char *dir, const char *attr, bool required, long min,
                         int *ret)
{
    _cleanup_free_ char *path = NULL, *value = NULL;
    int r = read_attr(host, dir, attr, required, &path, &value);
    if (r < 0)
        return r;
    r = parse_int(value, min, INT_MAX, ret);
    if (r < 0)
        diag_bad_value(host, path, value);
    return r;
}

/*
 * The last component of a sysfs link (driver, iommu_group, physfn): what it
 * names. A dangling link still names it, so the name is used, with a
 * diagnostic. -ENOENT: no link.
 */
static int read_link_name(dc_host *host, const char *dir, const char *attr,
                          bool (*valid)(const char *name), char **ret)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, attr);
    _cleanup_free_ char *target = NULL;
    int r = dc_root_readlink(host->root, path, &target);
    if (r == -ENOENT)
        return r;
    if (r < 0) {
        diag_unreadable(host, path, r);
        return r;
    }
    const char *slash = strrchr(target, '/');
    const char *name = slash ? slash + 1 : target;
    if (!*name || streq(name, ".") || streq(name, "..") || (valid && !valid(name))) {
        diag_bad_value(host, path, target);
        return -EBADMSG;
    }
    struct stat st;
    r = dc_root_stat(host->root, path, &st);
    if (r < 0) {
        _cleanup_free_ char *shown = dc_root_display(host->root, path);
        _cleanup_free_ char *t = printable(target);
        dc_host_diag(host, "pci", "%s points to '%s', which cannot be reached (%s); using '%s'.",
                     shown, t, strerror(-r), name);
    }
    *ret = xstrdup(name);
    return 0;
}

static bool is_address(const char *s)
{
    unsigned dom, bus, slot, fn;
    int n = -1;
    if (sscanf(s, "%x:%x:%x.%x%n", &dom, &bus, &slot, &fn, &n) != 4 || n < 0 || s[n])
        return false;
    return bus <= 0xff && slot <= 0x1f && fn <= 7;
}

static bool is_group_number(const char *s)
{
    int v;
    return parse_int(s, 0, INT_MAX, &v) == 0;
}

static void read_device(dc_host *host, dc_pci_device *d, unsigned *known)
{
    _cleanup_free_ char *dir = xasprintf(SYSFS_PCI_DEVICES "/%s", d->address);
    if (read_hex_attr(host, dir, "vendor", true, 0xffff, &d->vendor_id) == 0)
        *known |= KNOWN_VENDOR;
    if (read_hex_attr(host, dir, "device", true, 0xffff, &d->device_id) == 0)
        *known |= KNOWN_DEVICE;
    if (read_hex_attr(host, dir, "class", true, 0xffffff, &d->class_id) == 0)
        *known |= KNOWN_CLASS;
    if (read_hex_attr(host, dir, "subsystem_vendor", false, 0xffff, &d->subsys_vendor_id) < 0 ||
        read_hex_attr(host, dir, "subsystem_device", false, 0xffff, &d->subsys_device_id) < 0)
        d->subsys_vendor_id = d->subsys_device_id = 0;
    if (read_int_attr(host, dir, "numa_node", false, -1, &d->numa_node) < 0)
        d->numa_node = -1;
    /* Only PFs have sriov_totalvfs; numvfs without it means nothing. */
    if (read_int_attr(host, dir, "sriov_totalvfs", false, 0, &d->sriov_totalvfs) < 0)
        d->sriov_totalvfs = -1;
    else if (read_int_attr(host, dir, "sriov_numvfs", true, 0, &d->sriov_numvfs) < 0)
        d->sriov_numvfs = -1;

    /* No driver link: unbound. */
    (void)read_link_name(host, dir, "driver", NULL, &d->driver);
    _cleanup_free_ char *group = NULL;
    if (read_link_name(host, dir, "iommu_group", is_group_number, &group) == 0)
        (void)parse_int(group, 0, INT_MAX, &d->iommu_group);
    (void)read_link_name(host, dir, "physfn", is_address, &d->physfn);

    /*
     * The kernel's VFIO ignores devices whose header type is not "normal":
     * PCI-to-PCI (0x0604), semi-transparent PCI-to-PCI (0x0609) and CardBus
     * (0x0607) bridges. Host, ISA and other 0x06xx bridges are endpoints there,
     * so they are not bridges here either.
     */
    unsigned cls = d->class_id >> 8;
    d->is_bridge = (*known & KNOWN_CLASS) && (cls == 0x0604 || cls == 0x0607 || cls == 0x0609);
}

static int compare_devices(const void *x, const void *y)
{
    const dc_pci_device *a = x, *b = y;
    if (a->domain != b->domain)
        return a->domain < b->domain ? -1 : 1;
    if (a->bus != b->bus)
        return a->bus < b->bus ? -1 : 1;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    if (a->function != b->function)
        return a->function < b->function ? -1 : 1;
    return 0;
}

static void list_devices(struct pci_access *a, dc_hostinfo *h)
{
    size_t n = 0;
    for (struct pci_dev *p = a->devices; p; p = p->next)
        n++;
    h->pci = n ? xcalloc(n, sizeof(*h->pci)) : NULL;
    h->npci = n;
    size_t i = 0;
    for (struct pci_dev *p = a->devices; p; p = p->next, i++) {
        h->pci[i] = (dc_pci_device){
            .domain = (unsigned)p->domain,
            .bus = p->bus,
            .slot = p->dev,
            .function = p->func,
            .iommu_group = -1,
            .numa_node = -1,
            .sriov_totalvfs = -1,
            .sriov_numvfs = -1,
        };
        h->pci[i].address =
            xasprintf("%04x:%02x:%02x.%x", (unsigned)p->domain, p->bus, p->dev, p->func);
    }
    if (n > 1)
        qsort(h->pci, n, sizeof(*h->pci), compare_devices);
}

static char *copy_name(const char *s) { return s ? xstrdup(s) : NULL; }

static void lookup_names(struct pci_access *a, dc_hostinfo *h, const unsigned *known)
{
    char buf[512];
    for (size_t i = 0; i < h->npci; i++) {
        dc_pci_device *d = &h->pci[i];
        if (known[i] & KNOWN_VENDOR) {
            d->vendor_name = copy_name(
                pci_lookup_name(a, buf, sizeof(buf), PCI_LOOKUP_VENDOR | NAME_FLAGS, d->vendor_id));
            if (known[i] & KNOWN_DEVICE)
                d->device_name =
                    copy_name(pci_lookup_name(a, buf, sizeof(buf), PCI_LOOKUP_DEVICE | NAME_FLAGS,
                                              d->vendor_id, d->device_id));
        }
        if (known[i] & KNOWN_CLASS) {
            unsigned cls = d->class_id >> 8;
            char *s = pci_lookup_name(a, buf, sizeof(buf), PCI_LOOKUP_CLASS | NAME_FLAGS, cls);
            if (s) {
                /* Only the base class known: libpci appends " [cccc]"; the number is in class. */
                char suffix[16];
                snprintf(suffix, sizeof(suffix), " [%04x]", cls);
                if (s == buf && endswith(s, suffix))
                    s[strlen(s) - strlen(suffix)] = '\0';
                d->class_name = xstrdup(s);
            }
        }
    }
}

static void clear_names(dc_hostinfo *h)
{
    for (size_t i = 0; i < h->npci; i++) {
        dc_pci_device *d = &h->pci[i];
        free(d->vendor_name);
        free(d->device_name);
        free(d->class_name);
        d->vendor_name = d->device_name = d->class_name = NULL;
    }
}

static void clear_devices(dc_hostinfo *h)
{
    for (size_t i = 0; i < h->npci; i++)
        free(h->pci[i].address);
    free(h->pci);
    h->pci = NULL;
    h->npci = 0;
}

/* The root's own pci.ids keeps names stable for a fixture; else libpci's default. */
static char *find_ids_file(const dc_root *root)
{
    /* libpci reads gzip and plain files alike */
    static const char *const candidates[] = {
        "/usr/share/misc/pci.ids",
        "/usr/share/hwdata/pci.ids",
        "/usr/share/misc/pci.ids.gz",
    };
    for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
        struct stat st;
        if (dc_root_stat(root, candidates[i], &st) == 0 && S_ISREG(st.st_mode))
            return dc_root_fs_path(root, candidates[i]);
    }
    return NULL;
}

static int probe_pci(dc_host *host)
{
    dc_hostinfo *h = &host->info;
    _cleanup_free_ char *sysfs = dc_root_fs_path(host->root, SYSFS_PCI);
    _cleanup_free_ char *shown = dc_root_display(host->root, SYSFS_PCI);
    struct stat st;
    if (dc_root_stat(host->root, SYSFS_PCI, &st) == -ENOENT) {
        /* No PCI bus registered (or no sysfs): known to be empty, but say why. */
        h->pci_known = true;
        dc_host_diag(host, "pci", "%s does not exist; no PCI devices are reported.", shown);
        return 0;
    }

    _cleanup_free_ char *ids = find_ids_file(host->root);
    pci_run run = {.host = host};
    struct pci_access *a = pci_alloc();
    a->error = on_error;
    a->warning = on_warning;
    a->debug = on_debug;
    a->method = PCI_ACCESS_SYS_BUS_PCI;
    a->id_lookup_mode = 0; /* no ~/.pciids-cache, no DNS */
    current = &run;

    if (setjmp(run.jb) == 0) {
        if (pci_set_param(a, "sysfs.path", sysfs) < 0)
            a->error("the sysfs backend has no sysfs.path parameter");
        if (ids)
            pci_set_name_list_path(a, ids, 0);
        pci_init(a);
        pci_scan_bus(a);
        list_devices(a, h);
        h->pci_known = true;
    } else {
        dc_host_diag(host, "pci", "libpci cannot list the PCI devices in %s: %s.", shown,
                     run.error);
    }

    if (h->pci_known) {
        run.known = xcalloc(h->npci ? h->npci : 1, sizeof(*run.known));
        for (size_t i = 0; i < h->npci; i++)
            read_device(host, &h->pci[i], &run.known[i]);
        if (host->skip_names) {
            /* The checker needs addresses and drivers; pci.ids is 1 MiB to parse. */
        } else if (setjmp(run.jb) == 0) {
            if (h->npci > 0 && !pci_load_name_list(a))
                dc_host_diag(host, "pci", "Cannot open the PCI ID database %s; names are unknown.",
                             a->id_file_name);
            else
                lookup_names(a, h, run.known);
        } else {
            /* A parse error leaves libpci's table half built: no names at all. */
            clear_names(h);
            dc_host_diag(host, "pci", "libpci cannot read the PCI ID database %s: %s.",
                         a->id_file_name, run.error);
        }
    } else {
        clear_devices(h);
    }

    if (setjmp(run.jb) == 0)
        pci_cleanup(a);
    current = NULL;
    free(run.known);
    free(run.error);
    return 0;
}

const dc_host_prober dc_probe_pci = {
    .name = "pci",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_pci,
};
