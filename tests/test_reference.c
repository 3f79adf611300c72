/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every golden document that has a libvirt 9.0 counterpart is compared with
 * it, element by element and value by value. libvirt's documents were made by
 * `virsh domcapabilities` for the same QEMU 7.2 binaries on the hosts the
 * recordings and roots come from (tests/data/reference/libvirt-9.0/README.md).
 *
 * Both documents are flattened into facts, one per attribute, text and enum
 * or loader value, keyed by a path such as
 *   /domainCapabilities/cpu/mode[custom]/model[EPYC]/@vendor
 *   /domainCapabilities/devices/disk/enum[bus]/value
 * Each difference is only in ours, only in libvirt's, or a value that differs.
 * A difference is accepted only by an entry of the allow-list below, each of
 * which names one intended difference and, where the intended value is known,
 * checks it; anything else fails with the path and both values. Values common
 * to both are also compared in order. Since libvirt's documents are fixed data,
 * regenerating the goldens cannot make a wrong value pass.
 */
#include "test_helpers.h"

#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "arch.h"

#define REPLIES DC_TEST_DATA_DIR "/replies/"
#define ROOTS DC_TEST_DATA_DIR "/roots/"
#define REFERENCE DC_TEST_DATA_DIR "/reference/libvirt-9.0/"

typedef struct ref_case {
    const char *golden;    /* tests/data/golden/<golden> */
    const char *reference; /* tests/data/reference/libvirt-9.0/<reference> */
    const char *replies, *emulator, *root;
    const char *arch, *machine, *virttype;
} ref_case;

/* The golden list of tests/test_replay.c, for the documents libvirt made too. */
static const ref_case cases[] = {
    {"x86_64-pc-tcg.xml", "tcg/x86_64-pc.xml", "qemu-7.2-x86_64", "/usr/bin/qemu-system-x86_64",
     "debian12-tcg", NULL, NULL, NULL},
    {"x86_64-q35-tcg.xml", "tcg/x86_64-q35.xml", "qemu-7.2-x86_64", "/usr/bin/qemu-system-x86_64",
     "debian12-tcg", NULL, "q35", NULL},
    {"i686-pc-tcg.xml", "tcg/i686-pc.xml", "qemu-7.2-i386-intel", "/usr/bin/qemu-system-i386",
     "debian12-tcg", NULL, NULL, NULL},
    {"aarch64-virt-tcg.xml", "tcg/aarch64-virt.xml", "qemu-7.2-aarch64",
     "/usr/bin/qemu-system-aarch64", "debian12-tcg", NULL, NULL, NULL},
    {"armv7l-virt-tcg.xml", "tcg/armv7l-virt.xml", "qemu-7.2-arm", "/usr/bin/qemu-system-arm",
     "debian12-tcg", NULL, NULL, NULL},
    {"ppc64-pseries-tcg.xml", "tcg/ppc64-pseries.xml", "qemu-7.2-ppc64",
     "/usr/bin/qemu-system-ppc64", "debian12-tcg", NULL, NULL, NULL},
    {"s390x-s390-ccw-virtio-tcg.xml", "tcg/s390x-s390-ccw-virtio.xml", "qemu-7.2-s390x",
     "/usr/bin/qemu-system-s390x", "debian12-tcg", NULL, NULL, NULL},
    {"riscv64-virt-tcg.xml", "tcg/riscv64-virt.xml", "qemu-7.2-riscv64",
     "/usr/bin/qemu-system-riscv64", "debian12-tcg", NULL, NULL, NULL},
    {"x86_64-pc-kvm.xml", "amd-nested-kvm/x86_64-pc-kvm.xml", "qemu-7.2-x86_64",
     "/usr/bin/qemu-system-x86_64", "debian12-kvm", NULL, "pc", "kvm"},
    {"x86_64-q35-kvm.xml", "amd-nested-kvm/x86_64-q35-kvm.xml", "qemu-7.2-x86_64",
     "/usr/bin/qemu-system-x86_64", "debian12-kvm", NULL, "pc-q35-7.2", "kvm"},
    {"x86_64-q35-kvm-intel.xml", "intel-nested-kvm/x86_64-q35-kvm.xml", "qemu-7.2-x86_64-intel",
     "/usr/bin/qemu-system-x86_64", "intel-nested-kvm", NULL, "q35", "kvm"},
};

/* ---- documents as facts ------------------------------------------------------ */

typedef struct fact {
    char *key;
    char *value;
} fact;

typedef struct doc {
    fact *facts;
    size_t n, alloc;
    /* For the order check: each element's path and its children's keys in order. */
    dc_strv parents;
    dc_strv *children;
} doc;

static void add_fact(doc *d, const char *key, const char *value)
{
    if (d->n == d->alloc) {
        d->alloc = d->alloc ? 2 * d->alloc : 256;
        d->facts = realloc(d->facts, d->alloc * sizeof(fact));
        assert_non_null(d->facts);
    }
    d->facts[d->n++] = (fact){xstrdup(key), xstrdup(value ? value : "")};
}

static char *node_text(xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = xstrdup(t ? (const char *)t : "");
    xmlFree(t);
    /* trim */
    char *b = s + strspn(s, " \t\n");
    size_t len = strlen(b);
    while (len && strchr(" \t\n", b[len - 1]))
        len--;
    char *out = xstrndup(b, len);
    free(s);
    return out;
}

static char *prop(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static bool has_element_children(xmlNode *n)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return true;
    return false;
}

/*
 * The path segment of an element: its name, keyed by its name attribute
 * (mode, enum, feature), by its text for the custom models, by the model for
 * blockers. Returns the attribute used as key (not a fact of its own) in ret_key.
 */
static char *segment(xmlNode *n, const char *parent_path, const char **ret_key)
{
    const char *tag = (const char *)n->name;
    *ret_key = NULL;
    if (streq(tag, "model") && endswith(parent_path, "/mode[custom]")) {
        _cleanup_free_ char *t = node_text(n);
        return xasprintf("model[%s]", t);
    }
    if (streq(tag, "blockers")) {
        *ret_key = "model";
        _cleanup_free_ char *m = prop(n, "model");
        return xasprintf("blockers[%s]", m ? m : "");
    }
    _cleanup_free_ char *name = prop(n, "name");
    if (name) {
        *ret_key = "name";
        return xasprintf("%s[%s]", tag, name);
    }
    return xstrdup(tag);
}

static void walk(doc *d, xmlNode *n, const char *parent_path)
{
    const char *key_attr = NULL;
    _cleanup_free_ char *seg = segment(n, parent_path, &key_attr);
    _cleanup_free_ char *path = xasprintf("%s/%s", parent_path, seg);
    size_t before = d->n;
    bool keyed_by_text = startswith(seg, "model[") && endswith(parent_path, "/mode[custom]");

    for (xmlAttr *a = n->properties; a; a = a->next) {
        const char *an = (const char *)a->name;
        if (key_attr && streq(an, key_attr))
            continue;
        _cleanup_free_ char *v = prop(n, an);
        _cleanup_free_ char *k = xasprintf("%s/@%s", path, an);
        add_fact(d, k, v);
    }

    dc_strv kids = {0};
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (streq((const char *)c->name, "value")) {
            _cleanup_free_ char *t = node_text(c);
            _cleanup_free_ char *k = xasprintf("%s/value", path);
            add_fact(d, k, t);
            _cleanup_free_ char *kid = xasprintf("value=%s", t);
            dc_strv_add(&kids, kid);
            continue;
        }
        const char *ka = NULL;
        _cleanup_free_ char *cs = segment(c, path, &ka);
        dc_strv_add(&kids, cs);
        walk(d, c, path);
    }
    if (!has_element_children(n) && !keyed_by_text) {
        _cleanup_free_ char *t = node_text(n);
        if (*t)
            add_fact(d, path, t);
    }
    /* An element with nothing else to say (<enum name='capsType'/>) still exists. */
    if (d->n == before)
        add_fact(d, path, "");

    d->children = realloc(d->children, (d->parents.n + 1) * sizeof(dc_strv));
    assert_non_null(d->children);
    d->children[d->parents.n] = kids;
    dc_strv_add(&d->parents, path);
}

static int cmp_fact(const void *a, const void *b)
{
    const fact *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

static void doc_load(doc *d, const char *text, const char *what)
{
    xmlDoc *x = xmlReadMemory(text, (int)strlen(text), what, NULL, XML_PARSE_NONET);
    if (!x)
        fail_msg("%s is not well-formed XML", what);
    xmlNode *root = xmlDocGetRootElement(x);
    assert_non_null(root);
    walk(d, root, "");
    xmlFreeDoc(x);
    qsort(d->facts, d->n, sizeof(fact), cmp_fact);
}

static void doc_clear(doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->facts[i].key);
        free(d->facts[i].value);
    }
    free(d->facts);
    for (size_t i = 0; i < d->parents.n; i++)
        dc_strv_clear(&d->children[i]);
    free(d->children);
    dc_strv_clear(&d->parents);
    *d = (doc){0};
}

/* The first value under key, or NULL. */
static const char *lookup(const doc *d, const char *key)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->facts[mid].key, key);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->n && streq(d->facts[lo].key, key) ? d->facts[lo].value : NULL;
}

/* ---- the allow-list ------------------------------------------------------------ */

typedef enum side {
    ONLY_OURS = 1 << 0,
    ONLY_LIBVIRT = 1 << 1,
    DIFFERS = 1 << 2,
} side;

typedef struct cmp_ctx {
    const char *arch, *machine;
    bool kvm;
    const doc *ours, *theirs;
    const dc_qemu_caps *qc;
    const dc_firmware_list *firmware;
} cmp_ctx;

typedef struct difference {
    side side;
    const char *key;
    const char *ours, *theirs; /* NULL on the side that lacks it */
} difference;

typedef bool (*rule_check)(const cmp_ctx *x, const difference *d);

typedef struct rule {
    unsigned sides;
    const char *key;    /* glob: '*' matches any run of characters */
    const char *ours;   /* glob over our value, NULL: any */
    const char *theirs; /* glob over libvirt's value, NULL: any */
    rule_check check;   /* the intended value, NULL: any */
    const char *why;
} rule;

static bool glob(const char *p, const char *s)
{
    if (!*p)
        return !*s;
    if (*p == '*') {
        for (const char *t = s;; t++) {
            if (glob(p + 1, t))
                return true;
            if (!*t)
                return false;
        }
    }
    return *s && *p == *s && glob(p + 1, s + 1);
}

/* The text between "<what>[" and the next "]" in key. */
static char *key_name(const char *key, const char *what)
{
    _cleanup_free_ char *open = xasprintf("/%s[", what);
    const char *p = strstr(key, open);
    if (!p)
        return NULL;
    p += strlen(open);
    const char *e = strchr(p, ']');
    return e ? xstrndup(p, (size_t)(e - p)) : NULL;
}

static bool is_versioned(const char *name)
{
    const char *v = strrchr(name, '-');
    return v && v[1] == 'v' && v[2] && strspn(v + 2, "0123456789") == strlen(v + 2);
}

static bool machine_is_pc(const char *m)
{
    return startswith(m, "pc-i440fx-") || startswith(m, "pc-q35-") || streq(m, "isapc") ||
           startswith(m, "xenfv");
}

/* Models libvirt 9.0's CPU map lacked and its newer maps have: every versioned name. */
static bool model_is_newer(const char *name)
{
    return is_versioned(name) || streq(name, "KnightsMill") || streq(name, "Denverton");
}

static bool check_new_model(const cmp_ctx *x, const difference *d)
{
    _cleanup_free_ char *name = key_name(d->key, "model");
    return name && model_is_newer(name);
}

/* canonical names the versioned model the name is an alias of (EPYC-IBPB -> EPYC-v2). */
static bool check_canonical(const cmp_ctx *x, const difference *d)
{
    _cleanup_free_ char *name = key_name(d->key, "model");
    if (!name || !is_versioned(d->ours))
        return false;
    size_t family = (size_t)(strrchr(d->ours, '-') - d->ours);
    return strncmp(name, d->ours, family) == 0 && !is_versioned(name);
}

/* <blockers> follow a model both call unusable, or a model only newer libvirt lists. */
static bool check_blockers(const cmp_ctx *x, const difference *d)
{
    _cleanup_free_ char *name = key_name(d->key, "blockers");
    if (!name)
        return false;
    _cleanup_free_ char *k =
        xasprintf("/domainCapabilities/cpu/mode[custom]/model[%s]/@usable", name);
    const char *ours = lookup(x->ours, k), *theirs = lookup(x->theirs, k);
    return streq_ptr(ours, "no") && (streq_ptr(theirs, "no") || (!theirs && model_is_newer(name)));
}

static bool check_kvm(const cmp_ctx *x, const difference *d) { return x->kvm; }

static bool check_not_s390(const cmp_ctx *x, const difference *d)
{
    return !dc_arch_is_s390(x->arch);
}

static bool check_nvme(const cmp_ctx *x, const difference *d)
{
    return dc_qemu_has_type(x->qc, "nvme-ns");
}

/* firmwareFeatures is yes exactly when a descriptor matched, i.e. libvirt offers a firmware. */
static bool check_firmware_features(const cmp_ctx *x, const difference *d)
{
    bool any = lookup(x->theirs, "/domainCapabilities/os/enum[firmware]/value") != NULL;
    return streq(d->ours, any ? "yes" : "no");
}

/*
 * ps2 (libvirt 9.x-10.x): i8042 and the i8042 property of generic-pc-machine,
 * which QEMU 7.2 has, on the i440fx/q35/isapc machines; no elsewhere.
 */
static bool check_ps2(const cmp_ctx *x, const difference *d)
{
    bool pc = dc_arch_is_x86(x->arch) && machine_is_pc(x->machine);
    return streq(d->ours, pc ? "yes" : "no");
}

/* A floppy controller exists only on the PC machines, with QEMU's isa-fdc. */
static bool check_no_floppy(const cmp_ctx *x, const difference *d)
{
    return !(dc_arch_is_x86(x->arch) && machine_is_pc(x->machine) &&
             dc_qemu_has_type(x->qc, "isa-fdc"));
}

/*
 * libvirt 9.0 lists an image no descriptor offers for this target (its
 * built-in list when no descriptor matches). Accepted only when no descriptor
 * of the root names this image for the arch and machine with the image present.
 */
static bool check_loader_not_for_target(const cmp_ctx *x, const difference *d)
{
    for (size_t i = 0; i < x->firmware->n; i++) {
        const dc_firmware *fw = &x->firmware->items[i];
        if (streq_ptr(fw->executable, d->theirs) && fw->executable_exists &&
            dc_firmware_matches(fw, x->arch, x->machine))
            return false;
    }
    return true;
}

/*
 * The model host-model is named after comes from QEMU's expansions, not
 * libvirt's map, but it must be a model of the host's vendor, the vendor
 * libvirt names.
 */
static bool check_host_model_name(const cmp_ctx *x, const difference *d)
{
    _cleanup_free_ char *k =
        xasprintf("/domainCapabilities/cpu/mode[custom]/model[%s]/@vendor", d->ours);
    const char *vendor = lookup(x->ours, k);
    const char *host = lookup(x->theirs, "/domainCapabilities/cpu/mode[host-model]/vendor");
    return vendor && host && streq(vendor, host);
}

#define CUSTOM "/domainCapabilities/cpu/mode[custom]"
#define HOST_MODEL "/domainCapabilities/cpu/mode[host-model]"

static const rule rules[] = {
    /* ---- Elements libvirt added after 9.0, with the value they have for QEMU 7.2 ---- */
    {ONLY_OURS, "/domainCapabilities/os/firmwareFeatures/@supported", NULL, NULL,
     check_firmware_features, "os/firmwareFeatures (12.1): yes when a descriptor matches"},
    {ONLY_OURS, "/domainCapabilities/os/firmwareFeatures/*", NULL, NULL, NULL,
     "os/firmwareFeatures: secureBoot and enrolledKeys of the matching descriptors"},
    {ONLY_OURS, HOST_MODEL "/maxphysaddr/@*", NULL, NULL, check_kvm,
     "host-model maxphysaddr (9.x): the host's address bits, under KVM only"},
    {ONLY_OURS, CUSTOM "/model[*]/@canonical", NULL, NULL, check_canonical,
     "custom model canonical (10.10): the versioned model an unversioned name aliases"},
    {ONLY_OURS, CUSTOM "/blockers[*", NULL, NULL, check_blockers,
     "custom model blockers (10.9): after each usable='no' model"},
    {ONLY_OURS, CUSTOM "/model[*", NULL, NULL, check_new_model,
     "custom models newer libvirt maps have: every X-vN, KnightsMill, Denverton"},
    {ONLY_OURS, "/domainCapabilities/devices/disk/enum[bus]/value", "nvme", NULL, check_nvme,
     "disk bus nvme (11.5): QEMU has nvme-ns"},
    {ONLY_OURS, "/domainCapabilities/devices/hostdev/enum[iommufd]/value", "no", NULL, NULL,
     "hostdev iommufd (12.x): no, none of these roots has VFIO with /dev/iommu"},
    {ONLY_OURS, "/domainCapabilities/devices/crypto*", NULL, NULL, NULL, "devices/crypto (9.x)"},
    {ONLY_OURS, "/domainCapabilities/devices/interface*", NULL, NULL, NULL,
     "devices/interface backendType (10.6)"},
    {ONLY_OURS, "/domainCapabilities/devices/panic*", NULL, NULL, NULL, "devices/panic (10.x)"},
    {ONLY_OURS, "/domainCapabilities/devices/console*", NULL, NULL, NULL, "devices/console (11.5)"},
    {ONLY_OURS, "/domainCapabilities/features/async-teardown/@supported", "no", NULL, NULL,
     "features/async-teardown (9.x): no, QEMU 7.2 has no -run-with"},
    {ONLY_OURS, "/domainCapabilities/features/s390-pv/@supported", "no", NULL, check_not_s390,
     "features/s390-pv: current libvirt prints it on every arch, 9.0 on s390 only"},
    {ONLY_OURS, "/domainCapabilities/features/ps2/@supported", NULL, NULL, check_ps2,
     "features/ps2 (9.x-10.x): yes on the PC machines"},
    {ONLY_OURS, "/domainCapabilities/features/tdx/@supported", "no", NULL, NULL,
     "features/tdx (11.x): no, QEMU 7.2 has no tdx-guest"},
    {ONLY_OURS, "/domainCapabilities/features/launchSecurity/@supported", "no", NULL, NULL,
     "features/launchSecurity (10.5): no, none of these hosts has SEV, TDX or s390 PV"},

    /* ---- Improvements over libvirt 9.0 ---- */
    {ONLY_LIBVIRT, "/domainCapabilities/devices/filesystem/enum[driverType]/value", NULL, "handle",
     NULL, "9p handle: QEMU removed it in 6.0, libvirt 12.2 dropped it"},
    {ONLY_LIBVIRT, "/domainCapabilities/devices/disk/enum[diskDevice]/value", NULL, "floppy",
     check_no_floppy, "floppy only where a floppy controller can exist"},
    {ONLY_LIBVIRT, "/domainCapabilities/devices/disk/enum[bus]/value", NULL, "fdc", check_no_floppy,
     "fdc only where a floppy controller can exist"},
    {ONLY_LIBVIRT, "/domainCapabilities/os/loader/value", NULL, NULL, check_loader_not_for_target,
     "firmware only for the targets its descriptor names, and only when its image exists"},

    /* ---- CPU facts from QEMU instead of libvirt's CPU map ---- */
    {DIFFERS, CUSTOM "/model[*]/@vendor", NULL, "unknown", NULL,
     "custom model vendors from QEMU where libvirt's map has none (qemu64, kvm64, 486...)"},
    {DIFFERS, HOST_MODEL "/model", NULL, NULL, check_host_model_name,
     "host-model named after the closest QEMU model of the host's vendor"},
    {ONLY_OURS | ONLY_LIBVIRT | DIFFERS, HOST_MODEL "/feature[*]/@policy", NULL, NULL, NULL,
     "host-model features: QEMU's expansion against QEMU's model, by design"},
};

static unsigned rule_uses[ELEMENTSOF(rules)];

/* Element paths whose children's order is not compared. */
static const char *const unordered[] = {
    CUSTOM,     /* sorted by name, as libvirt 11.x sorts; 9.0 kept QEMU's order */
    HOST_MODEL, /* features by design */
};

static const char *side_name(side s)
{
    return s == ONLY_OURS ? "only in ours" : s == ONLY_LIBVIRT ? "only in libvirt's" : "differs";
}

/* Returns true when an allow-list entry accepts the difference. */
static bool allowed(const cmp_ctx *x, const difference *d)
{
    for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
        const rule *r = &rules[i];
        if (!(r->sides & d->side) || !glob(r->key, d->key))
            continue;
        if (r->ours && (!d->ours || !glob(r->ours, d->ours)))
            continue;
        if (r->theirs && (!d->theirs || !glob(r->theirs, d->theirs)))
            continue;
        /* The first entry for this difference decides: its intended value must hold. */
        if (r->check && !r->check(x, d))
            return false;
        rule_uses[i]++;
        /* DC_TEST_VERBOSE=1 lists what each entry accepted, for review. */
        if (getenv("DC_TEST_VERBOSE"))
            print_message("accepted (%s) %s: ours '%s', libvirt's '%s'\n", r->why, d->key,
                          d->ours ? d->ours : "(none)", d->theirs ? d->theirs : "(none)");
        return true;
    }
    return false;
}

static void report(dc_buf *out, const difference *d)
{
    dc_buf_addf(out, "  %s: %s: ours %s%s%s, libvirt's %s%s%s\n", d->key, side_name(d->side),
                d->ours ? "'" : "", d->ours ? d->ours : "(none)", d->ours ? "'" : "",
                d->theirs ? "'" : "", d->theirs ? d->theirs : "(none)", d->theirs ? "'" : "");
}

static int cmp_parent(const void *x, const void *y, void *arg)
{
    const doc *d = arg;
    return strcmp(d->parents.v[*(const size_t *)x], d->parents.v[*(const size_t *)y]);
}

/* The index in d->parents of path, or d->parents.n; sorted lists d's indices by path. */
static size_t find_parent(const doc *d, const size_t *sorted, const char *path)
{
    size_t lo = 0, hi = d->parents.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->parents.v[sorted[mid]], path);
        if (c == 0)
            return sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return d->parents.n;
}

static void check_order(const cmp_ctx *x, dc_buf *out, size_t *bad)
{
    const doc *a = x->ours, *b = x->theirs;
    _cleanup_free_ size_t *sorted = xcalloc(b->parents.n + 1, sizeof(size_t));
    for (size_t j = 0; j < b->parents.n; j++)
        sorted[j] = j;
    qsort_r(sorted, b->parents.n, sizeof(size_t), cmp_parent, (void *)b);
    for (size_t i = 0; i < a->parents.n; i++) {
        const char *path = a->parents.v[i];
        bool skip = false;
        for (size_t u = 0; u < ELEMENTSOF(unordered); u++)
            skip |= streq(path, unordered[u]);
        size_t j = skip ? b->parents.n : find_parent(b, sorted, path);
        if (j == b->parents.n)
            continue;
        const dc_strv *ka = &a->children[i], *kb = &b->children[j];
        dc_strv ca = {0}, cb = {0};
        for (size_t k = 0; k < ka->n; k++)
            if (dc_strv_contains(kb, ka->v[k]))
                dc_strv_add(&ca, ka->v[k]);
        for (size_t k = 0; k < kb->n; k++)
            if (dc_strv_contains(ka, kb->v[k]))
                dc_strv_add(&cb, kb->v[k]);
        for (size_t k = 0; k < ca.n; k++)
            if (!streq(ca.v[k], cb.v[k])) {
                dc_buf_addf(out,
                            "  %s: children in another order: ours has %s where libvirt's has %s\n",
                            path, ca.v[k], cb.v[k]);
                (*bad)++;
                break;
            }
        dc_strv_clear(&ca);
        dc_strv_clear(&cb);
    }
}

/* Compares ours with libvirt's; returns the number of differences no entry accepts. */
static size_t compare(const cmp_ctx *x, dc_buf *out)
{
    const doc *a = x->ours, *b = x->theirs;
    size_t bad = 0, i = 0, j = 0;
    while (i < a->n || j < b->n) {
        const char *key;
        if (i < a->n && j < b->n)
            key = strcmp(a->facts[i].key, b->facts[j].key) <= 0 ? a->facts[i].key : b->facts[j].key;
        else
            key = i < a->n ? a->facts[i].key : b->facts[j].key;
        size_t ie = i, je = j;
        while (ie < a->n && streq(a->facts[ie].key, key))
            ie++;
        while (je < b->n && streq(b->facts[je].key, key))
            je++;
        difference d = {.key = key};
        if (ie - i == 1 && je - j == 1) {
            if (!streq(a->facts[i].value, b->facts[j].value)) {
                d.side = DIFFERS, d.ours = a->facts[i].value, d.theirs = b->facts[j].value;
                if (!allowed(x, &d))
                    report(out, &d), bad++;
            }
        } else {
            /* Both sides are sorted by value: walk them together. */
            size_t p = i, q = j;
            while (p < ie || q < je) {
                int c = p < ie && q < je ? strcmp(a->facts[p].value, b->facts[q].value)
                        : p < ie         ? -1
                                         : 1;
                if (c == 0) {
                    p++, q++;
                    continue;
                }
                d = (difference){.key = key};
                if (c < 0)
                    d.side = ONLY_OURS, d.ours = a->facts[p++].value;
                else
                    d.side = ONLY_LIBVIRT, d.theirs = b->facts[q++].value;
                if (!allowed(x, &d))
                    report(out, &d), bad++;
            }
        }
        i = ie, j = je;
    }
    check_order(x, out, &bad);
    return bad;
}

/* ---- running the cases --------------------------------------------------------- */

static char *read_text(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    char *text = NULL;
    assert_int_equal(dc_read_fd(fd, 64u << 20, &text, NULL), 0);
    return text;
}

/* What one case needs, loaded once and shared by its comparison and the mutations. */
typedef struct fixture {
    bool loaded;
    dc_qemu_caps *qc;
    dc_root *root;
    dc_host host;
    dc_diag diag;
    char *golden;
    char *reference;
} fixture;

static fixture fixtures[ELEMENTSOF(cases)];

static const fixture *fixture_get(size_t ncase)
{
    const ref_case *c = &cases[ncase];
    fixture *f = &fixtures[ncase];
    if (f->loaded)
        return f;
    _cleanup_free_ char *replies = xasprintf(REPLIES "%s.replies", c->replies);
    _cleanup_free_ char *root = xasprintf(ROOTS "%s", c->root);
    _cleanup_free_ char *golden = xasprintf(DC_TEST_DATA_DIR "/golden/%s", c->golden);
    _cleanup_free_ char *reference = xasprintf(REFERENCE "%s", c->reference);
    f->golden = read_text(golden);
    f->reference = read_text(reference);

    dc_probe_opts po = {
        .binary = c->emulator, .replay = replies, .timeout_ms = 60000, .want_tcg_session = true};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_qemu_probe(&po, &f->qc, &msg) < 0)
        fail_msg("replay of %s failed: %s", c->replies, msg.message);
    assert_int_equal(dc_root_open(root, &f->root), 0);
    dc_host_run_probes(&f->host, f->root, NULL, DC_PROBE_FOR_CAPS, &f->diag);

    /* The golden must be what the code prints today, or comparing it proves nothing. */
    dc_request req = {.arch = c->arch, .machine = c->machine, .virttype = c->virttype};
    dc_domcaps *caps = NULL;
    if (dc_domcaps_derive(f->qc, &f->host, &req, &caps, &msg) < 0)
        fail_msg("%s: %s", c->golden, msg.message);
    _cleanup_free_ char *fresh = dc_domcaps_format_xml(caps);
    dc_domcaps_free(caps);
    if (!streq(fresh, f->golden))
        fail_msg("golden/%s is not what domcaps prints now: regenerate it with the replay "
                 "suite and review it",
                 c->golden);
    f->loaded = true;
    return f;
}

static int fixtures_clear(void **state)
{
    for (size_t i = 0; i < ELEMENTSOF(fixtures); i++) {
        fixture *f = &fixtures[i];
        dc_qemu_caps_free(f->qc);
        dc_host_clear(&f->host);
        dc_strv_clear(&f->diag.warnings);
        dc_root_free(f->root);
        free(f->golden);
        free(f->reference);
        *f = (fixture){0};
    }
    return 0;
}

/* Compares a document of ours with the case's reference; returns the unaccepted count. */
static size_t compare_text(const ref_case *c, const fixture *f, const char *ours_text, dc_buf *out)
{
    doc ours = {0}, theirs = {0};
    doc_load(&ours, ours_text, c->golden);
    doc_load(&theirs, f->reference, c->reference);
    cmp_ctx x = {
        .arch = lookup(&ours, "/domainCapabilities/arch"),
        .machine = lookup(&ours, "/domainCapabilities/machine"),
        .kvm = streq_ptr(lookup(&ours, "/domainCapabilities/domain"), "kvm"),
        .ours = &ours,
        .theirs = &theirs,
        .qc = f->qc,
        .firmware = &f->host.firmware,
    };
    assert_non_null(x.arch);
    assert_non_null(x.machine);
    size_t bad = compare(&x, out);
    doc_clear(&ours);
    doc_clear(&theirs);
    return bad;
}

static void test_reference(void **state)
{
    const ref_case *c = *state;
    const fixture *f = fixture_get((size_t)(c - cases));
    dc_buf out = {0};
    size_t bad = compare_text(c, f, f->golden, &out);
    if (bad) {
        print_error("golden/%s against libvirt's %s:\n%s", c->golden, c->reference, out.s);
        dc_buf_clear(&out);
        fail_msg("%zu difference(s) from libvirt 9.0 that the allow-list does not accept", bad);
    }
    dc_buf_clear(&out);
}

/*
 * The comparison must catch wrong values: each mutation of a golden document
 * is a mistake domcaps made or could make, and must be reported.
 */
static void test_detects_mistakes(void **state)
{
    static const struct {
        size_t ncase;
        const char *from, *to;
    } mutations[] = {
        /* a model of the wrong vendor */
        {0, "vendor='Intel' canonical='Broadwell-v1'>Broadwell<",
         "vendor='AMD' canonical='Broadwell-v1'>Broadwell<"},
        /* ps2 off on a PC machine */
        {0, "<ps2 supported='yes'/>", "<ps2 supported='no'/>"},
        /* floppy dropped where the PC has a floppy controller */
        {0, "<value>floppy</value>", ""},
        /* a model libvirt calls usable called unusable */
        {0, "<model usable='yes' vendor='AMD' canonical='athlon-v1'>athlon</model>",
         "<model usable='no' vendor='AMD' canonical='athlon-v1'>athlon</model>"},
        /* host-model named after a model of the other vendor */
        {10, "<model fallback='forbid'>core2duo</model>",
         "<model fallback='forbid'>Opteron_G2</model>"},
        /* QEMU's lowercase ppc64 name */
        {5, ">POWER9<", ">power9<"},
        /* a firmware image libvirt offers for this target dropped */
        {1, "<value>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</value>", ""},
        /* enum values in another order */
        {0, "<value>sdl</value>\n        <value>vnc</value>",
         "<value>vnc</value>\n        <value>sdl</value>"},
        /* a newer element with a value newer libvirt would not print here */
        {2, "<async-teardown supported='no'/>", "<async-teardown supported='yes'/>"},
    };
    for (size_t i = 0; i < ELEMENTSOF(mutations); i++) {
        const ref_case *c = &cases[mutations[i].ncase];
        const fixture *f = fixture_get(mutations[i].ncase);
        const char *at = strstr(f->golden, mutations[i].from);
        if (!at)
            fail_msg("mutation %zu: '%s' is not in golden/%s", i, mutations[i].from, c->golden);
        dc_buf m = {0};
        dc_buf_addf(&m, "%.*s%s%s", (int)(at - f->golden), f->golden, mutations[i].to,
                    at + strlen(mutations[i].from));
        dc_buf out = {0};
        size_t bad = compare_text(c, f, m.s, &out);
        if (bad == 0)
            fail_msg("mutation %zu of golden/%s ('%s' -> '%s') went unnoticed", i, c->golden,
                     mutations[i].from, mutations[i].to);
        if (getenv("DC_TEST_VERBOSE"))
            print_message("mutation %zu of golden/%s reported:\n%s", i, c->golden, out.s);
        dc_buf_clear(&out);
        dc_buf_clear(&m);
    }
}

/* Every allow-list entry must still be needed; a stale one hides nothing but rots. */
static void test_allow_list_used(void **state)
{
    for (size_t i = 0; i < ELEMENTSOF(rules); i++)
        if (!rule_uses[i])
            fail_msg("allow-list entry '%s' (%s) accepted nothing: remove it", rules[i].key,
                     rules[i].why);
}

int main(void)
{
    struct CMUnitTest tests[ELEMENTSOF(cases) + 2];
    size_t n = 0;
    for (size_t i = 0; i < ELEMENTSOF(cases); i++)
        tests[n++] =
            (struct CMUnitTest){cases[i].golden, test_reference, NULL, NULL, (void *)&cases[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_allow_list_used);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_detects_mistakes);
    int r = _cmocka_run_group_tests("reference", tests, n, NULL, fixtures_clear);
    xmlCleanupParser();
    return r;
}
