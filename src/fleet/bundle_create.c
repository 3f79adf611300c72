/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capturing a host into a bundle. The probes run twice: once as usual (the
 * facts only a live host gives: KVM's ioctls, swtpm's answer, the host
 * report as printed), and once over the same files read as data with every
 * path they reach noted (dc_root tap). The bundle's root holds exactly those
 * paths, plus the sysfs files libpci reads on its own, and the facts of the
 * first run where a captured root keeps them (the /dev/kvm placeholder,
 * /.domcaps/swtpm_setup.capabilities.json). No binary is copied: an
 * executable the probes look for becomes a stub that is never run.
 */
#include "bundle.h"

#include <time.h>

#include "arch.h"
#include "archive.h"
#include "cache.h"
#include "jsonw.h"

#define MAX_CAPTURED_FILE (16u << 20)
#define MAX_LINK_DEPTH 16

/* A captured path: its archive entry, upgraded as stronger evidence comes in. */
typedef struct node {
    char *path; /* absolute, as on the host */
    char type;  /* 'd', 'f', 'l', 's' */
    unsigned mode;
    char *data;
    size_t len;
} node;

typedef struct capture {
    const dc_root *root; /* the files, read as data (no tap) */
    node *nodes;
    size_t n, cap;
    size_t *slots; /* open addressing over nodes, index + 1 */
    size_t nslots;
} capture;

static size_t hash_path(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void rehash(capture *c)
{
    free(c->slots);
    c->nslots = c->nslots ? c->nslots * 2 : 1024;
    c->slots = xcalloc(c->nslots, sizeof(size_t));
    for (size_t i = 0; i < c->n; i++) {
        size_t k = hash_path(c->nodes[i].path) & (c->nslots - 1);
        while (c->slots[k])
            k = (k + 1) & (c->nslots - 1);
        c->slots[k] = i + 1;
    }
}

/* The node for path, made (as a directory placeholder) when new. */
static node *get_node(capture *c, const char *path, bool *ret_new)
{
    if (2 * (c->n + 1) > c->nslots)
        rehash(c);
    size_t k = hash_path(path) & (c->nslots - 1);
    for (; c->slots[k]; k = (k + 1) & (c->nslots - 1))
        if (streq(c->nodes[c->slots[k] - 1].path, path)) {
            *ret_new = false;
            return &c->nodes[c->slots[k] - 1];
        }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->nodes = xrealloc(c->nodes, c->cap * sizeof(node));
    }
    c->nodes[c->n] = (node){.path = xstrdup(path), .type = 'd', .mode = 0755};
    c->slots[k] = ++c->n;
    *ret_new = true;
    return &c->nodes[c->n - 1];
}

static void set_node(capture *c, const char *path, char type, unsigned mode, char *data,
                     size_t len)
{
    bool fresh;
    node *n = get_node(c, path, &fresh);
    free(n->data);
    *n = (node){.path = n->path, .type = type, .mode = mode & 0755, .data = data, .len = len};
}

static bool has_content(capture *c, const char *path)
{
    bool fresh;
    node *n = get_node(c, path, &fresh);
    if (fresh)
        n->type = 0; /* not captured yet: filled by the caller */
    return !fresh && n->type != 0;
}

/* Where a symlink at link pointing at target leads, as a normalized absolute path. */
static char *resolve_link(const char *link, const char *target)
{
    dc_strv parts = {0};
    _cleanup_free_ char *joined = NULL;
    if (target[0] == '/')
        joined = xstrdup(target);
    else {
        const char *slash = strrchr(link, '/');
        joined = xasprintf("%.*s/%s", (int)(slash - link), link, target);
    }
    for (char *save = NULL, *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (streq(t, "."))
            continue;
        if (streq(t, "..")) {
            if (parts.n)
                free(parts.v[--parts.n]), parts.v[parts.n] = NULL;
            continue;
        }
        dc_strv_add(&parts, t);
    }
    dc_buf b = {0};
    for (size_t i = 0; i < parts.n; i++)
        dc_buf_addf(&b, "/%s", parts.v[i]);
    dc_strv_clear(&parts);
    return b.len ? dc_buf_steal(&b) : xstrdup("/");
}

static void capture_path(capture *c, const char *path, char kind, int depth);

/* What a path that is no symlink holds, per what the probes did with it. */
static void capture_object(capture *c, const char *path, char kind, const struct stat *st)
{
    bool pseudo = startswith(path, "/proc/") || startswith(path, "/sys/");
    if (S_ISDIR(st->st_mode)) {
        bool fresh;
        node *n = get_node(c, path, &fresh);
        if (fresh || n->type == 0)
            *n = (node){.path = n->path, .type = 'd', .mode = 0755};
        return;
    }
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
        if (!has_content(c, path)) {
            char *d = xasprintf("placeholder for %s captured by domcaps bundle create\n", path);
            set_node(c, path, 'f', 0644, d, strlen(d));
        }
        return;
    }
    if (!S_ISREG(st->st_mode))
        return;
    if (kind == 'x') {
        char *d = xasprintf("#!/bin/sh\n# stub for %s captured by domcaps bundle create: never "
                            "run\nexit 1\n",
                            path);
        set_node(c, path, 'f', 0755, d, strlen(d));
        return;
    }
    bool fresh;
    node *n = get_node(c, path, &fresh);
    if (kind == 'r' && (fresh || n->type != 'f')) {
        char *text = NULL;
        size_t len = 0;
        if (dc_root_read_file(c->root, path, MAX_CAPTURED_FILE, &text, &len) == 0) {
            free(n->data);
            *n = (node){.path = n->path, .type = 'f', .mode = st->st_mode & 0755, .data = text,
                        .len = len};
            return;
        }
    }
    if (fresh || n->type == 0 || n->type == 'd') {
        /* Looked at, not read: its presence and size are what matter. */
        char *size = xasprintf("%lld", pseudo ? 0LL : (long long)st->st_size);
        free(n->data);
        *n = (node){.path = n->path, .type = 's', .mode = st->st_mode & 0755, .data = size,
                    .len = strlen(size)};
    }
}

static void capture_listing(capture *c, const char *path, int depth)
{
    _cleanup_closedir_ DIR *d = dc_root_opendir(c->root, path);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
            continue;
        _cleanup_free_ char *child =
            xasprintf("%s/%s", streq(path, "/") ? "" : path, de->d_name);
        struct stat st;
        if (dc_root_lstat(c->root, child, &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))
            capture_path(c, child, 's', depth + 1);
        else if (!has_content(c, child)) {
            /* Listed, not opened: an empty stand-in keeps the name. */
            set_node(c, child, 's', st.st_mode & 0755, xstrdup("0"), 1);
        }
    }
}

/* Captures path: each symlink on the way (and where it leads), then the object itself. */
static void capture_path(capture *c, const char *path, char kind, int depth)
{
    if (depth > MAX_LINK_DEPTH || path[0] != '/')
        return;
    dc_buf prefix = {0};
    for (const char *p = path + 1; *p;) {
        size_t n = strcspn(p, "/");
        dc_buf_addf(&prefix, "/%.*s", (int)n, p);
        p += n;
        while (*p == '/')
            p++;
        struct stat st;
        if (dc_root_lstat(c->root, prefix.s, &st) < 0)
            break;
        if (S_ISLNK(st.st_mode)) {
            char *target = NULL;
            if (dc_root_readlink(c->root, prefix.s, &target) < 0)
                break;
            _cleanup_free_ char *to = resolve_link(prefix.s, target);
            set_node(c, prefix.s, 'l', 0777, target, strlen(target));
            if (!*p && kind == 'l')
                break; /* the link itself was read, not followed */
            _cleanup_free_ char *rest = *p ? xasprintf("%s/%s", streq(to, "/") ? "" : to, p)
                                           : xstrdup(to);
            capture_path(c, rest, kind, depth + 1);
            break;
        }
        if (!*p) {
            capture_object(c, prefix.s, kind, &st);
            if (kind == 'd' && S_ISDIR(st.st_mode))
                capture_listing(c, prefix.s, depth);
        }
    }
    dc_buf_clear(&prefix);
}

/* Sysfs files libpci reads by itself (not through the root layer), per device. */
static const char *const pci_attrs[] = {
    "vendor",       "device",         "class",         "subsystem_vendor",
    "subsystem_device", "revision",   "irq",           "resource",
    "config",       "numa_node",      "sriov_totalvfs", "sriov_numvfs",
    "driver_override", "label",       "boot_vga",
};
static const char *const pci_links[] = {"driver", "iommu_group", "physfn"};
static const char *const pci_ids[] = {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids",
                                      "/usr/share/misc/pci.ids.gz",
                                      "/usr/share/hwdata/pci.ids.gz"};

static void capture_pci(capture *c)
{
    capture_path(c, "/sys/bus/pci/devices", 'd', 0);
    _cleanup_closedir_ DIR *d = dc_root_opendir(c->root, "/sys/bus/pci/devices");
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        for (size_t i = 0; i < ELEMENTSOF(pci_attrs); i++) {
            _cleanup_free_ char *p =
                xasprintf("/sys/bus/pci/devices/%s/%s", de->d_name, pci_attrs[i]);
            capture_path(c, p, 'r', 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(pci_links); i++) {
            _cleanup_free_ char *p =
                xasprintf("/sys/bus/pci/devices/%s/%s", de->d_name, pci_links[i]);
            capture_path(c, p, 's', 0);
        }
    }
    for (size_t i = 0; i < ELEMENTSOF(pci_ids); i++)
        capture_path(c, pci_ids[i], 'r', 0);
}

/* Every path the tapped probe run reached. */
static void capture_tapped(capture *c, const dc_strv *tap)
{
    for (size_t i = 0; i < tap->n; i++)
        capture_path(c, tap->v[i] + 1, tap->v[i][0], 0);
}

static node *find_node(capture *c, const char *path)
{
    bool fresh;
    node *n = get_node(c, path, &fresh);
    if (fresh)
        n->type = 0;
    return n->type ? n : NULL;
}

/* Keeps only the lines of a captured file that pass keep(). */
static void filter_lines(capture *c, const char *path, bool (*keep)(const char *, const void *),
                         const void *arg)
{
    node *n = find_node(c, path);
    if (!n || n->type != 'f')
        return;
    dc_buf b = {0};
    _cleanup_free_ char *text = xstrndup(n->data ? n->data : "", n->len);
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (keep(l, arg))
            dc_buf_addf(&b, "%s\n", l);
    free(n->data);
    n->len = b.len;
    n->data = b.len ? dc_buf_steal(&b) : xstrdup("");
}

static bool keep_page_size(const char *l, const void *arg)
{
    (void)arg;
    return startswith(l, "KernelPageSize:");
}
static bool keep_not_serial(const char *l, const void *arg)
{
    (void)arg;
    return !startswith(l, "Serial");
}
static bool keep_group(const char *l, const void *arg)
{
    /* name:password:gid:members, only the group that owns /dev/kvm */
    const char *c2 = strchr(l, ':');
    c2 = c2 ? strchr(c2 + 1, ':') : NULL;
    return c2 && strtoul(c2 + 1, NULL, 10) == *(const unsigned long *)arg;
}

/* What a captured root keeps of the live-only facts, in the places the probes read them. */
static void add_live_facts(capture *c, const dc_host *live, const dc_hostinfo *report)
{
    const dc_hostkvm *k = &live->info.kvm;
    node *kvm = find_node(c, "/dev/kvm");
    if (kvm && !k->usable)
        kvm->type = 0; /* a placeholder stands for a usable device */
    else if (kvm) {
        dc_buf b = {0};
        dc_buf_addf(&b, "placeholder for /dev/kvm captured by domcaps bundle create\n");
        if (k->api_version >= 0)
            dc_buf_addf(&b, "api-version %d\n", k->api_version);
        if (k->max_vcpus)
            dc_buf_addf(&b, "max-vcpus %u\n", k->max_vcpus);
        if (k->smm >= 0)
            dc_buf_addf(&b, "smm %s\n", k->smm ? "yes" : "no");
        /* the TSC is an inventory fact: the report's run asked for it */
        if (report->tsc_hz)
            dc_buf_addf(&b, "tsc-khz %llu\n", report->tsc_hz / 1000);
        if (report->tsc_scaling >= 0)
            dc_buf_addf(&b, "tsc-scaling %s\n", report->tsc_scaling ? "yes" : "no");
        size_t len = b.len;
        set_node(c, "/dev/kvm", 'f', 0644, dc_buf_steal(&b), len);
    }
    if (live->tpm.swtpm && (live->tpm.v12 || live->tpm.v20)) {
        char *d = xasprintf("{\"type\": \"swtpm_setup\", \"features\": [%s%s%s]}\n",
                            live->tpm.v12 ? "\"tpm-1.2\"" : "",
                            live->tpm.v12 && live->tpm.v20 ? ", " : "",
                            live->tpm.v20 ? "\"tpm-2.0\"" : "");
        set_node(c, "/.domcaps/swtpm_setup.capabilities.json", 'f', 0644, d, strlen(d));
    }
}

static void filter_private(capture *c, const dc_root *live_root)
{
    filter_lines(c, "/proc/self/smaps", keep_page_size, NULL);
    filter_lines(c, "/proc/cpuinfo", keep_not_serial, NULL);
    struct stat st;
    unsigned long gid = dc_root_stat(live_root, "/dev/kvm", &st) == 0 ? st.st_gid : ~0ul;
    filter_lines(c, "/etc/group", keep_group, &gid);
}

static int cmp_nodes(const void *a, const void *b)
{
    return strcmp(((const node *)a)->path, ((const node *)b)->path);
}

static void emit_root(capture *c, dc_archive *a)
{
    qsort(c->nodes, c->n, sizeof(node), cmp_nodes);
    for (size_t i = 0; i < c->n; i++) {
        node *n = &c->nodes[i];
        if (!n->type || streq(n->path, "/"))
            continue;
        _cleanup_free_ char *p = xasprintf("root%s", n->path);
        dc_archive_add(a, n->type, p, n->type == 'l' ? 0755 : n->mode, n->data, n->len);
    }
}

static void capture_clear(capture *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->nodes[i].path);
        free(c->nodes[i].data);
    }
    free(c->nodes);
    free(c->slots);
    *c = (capture){0};
}

/* One emulator as the bundle keeps it. */
typedef struct recorded {
    char *path;
    char *name; /* qmp/<name>.replies */
    char *text; /* the recording */
    size_t len;
    dc_qemu_caps *qc;
} recorded;

static int record_live(const char *emulator, const char *dir, int timeout_ms, recorded *ret,
                       dc_error *err)
{
    _cleanup_free_ char *file = xasprintf("%s/recording", dir);
    dc_probe_opts po = {.binary = emulator,
                        .record = file,
                        .timeout_ms = timeout_ms,
                        .want_tcg_session = true};
    int r = dc_qemu_probe(&po, &ret->qc, err);
    if (r == 0)
        r = dc_read_input_file("recording", file, 256u << 20, &ret->text, &ret->len, err);
    unlink(file);
    return r;
}

static int record_replay(const char *emulator, const char *replay, recorded *ret, dc_error *err)
{
    int r = dc_read_input_file("recording", replay, 256u << 20, &ret->text, &ret->len, err);
    if (r < 0)
        return r;
    dc_probe_opts po = {.binary = emulator, .replay = replay, .want_tcg_session = true};
    return dc_qemu_probe(&po, &ret->qc, err);
}

static char *recording_name(const recorded *rs, size_t n, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *name = xasprintf("qmp/%s.replies", base);
    for (unsigned k = 2; ; k++) {
        bool taken = false;
        for (size_t i = 0; i < n; i++)
            taken |= rs[i].name && streq(rs[i].name, name);
        if (!taken)
            return name;
        free(name);
        name = xasprintf("qmp/%s-%u.replies", base, k);
    }
}

static void list_targets(const dc_bundle_create_opts *o, dc_strv *ret)
{
    if (o->nemulators) {
        for (size_t i = 0; i < o->nemulators; i++)
            dc_strv_add(ret, o->emulators[i]);
        return;
    }
    dc_list_emulators(ret);
    if (dc_is_executable_file("/usr/libexec/qemu-kvm"))
        dc_strv_add(ret, "/usr/libexec/qemu-kvm");
}

static recorded *record_all(const dc_bundle_create_opts *o, const char *dir, size_t *ret_n,
                            dc_diag *diag)
{
    _cleanup_strv_ dc_strv targets = {0};
    list_targets(o, &targets);
    recorded *rs = xcalloc(targets.n ? targets.n : 1, sizeof(*rs));
    size_t n = 0;
    for (size_t i = 0; i < targets.n; i++) {
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        recorded rec = {0};
        int r = o->replays ? record_replay(targets.v[i], o->replays[i], &rec, &msg)
                           : record_live(targets.v[i], dir, o->timeout_ms, &rec, &msg);
        if (r < 0) {
            dc_diag_warn(diag, "%s left out of the bundle: %s", targets.v[i],
                         msg.message ? msg.message : strerror(-r));
            free(rec.text);
            dc_qemu_caps_free(rec.qc);
            continue;
        }
        rec.path = xstrdup(targets.v[i]);
        rec.name = recording_name(rs, n, rec.path);
        rs[n++] = rec;
    }
    *ret_n = n;
    return rs;
}

static void recorded_free(recorded *rs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rs[i].path);
        free(rs[i].name);
        free(rs[i].text);
        dc_qemu_caps_free(rs[i].qc);
    }
    free(rs);
}

static char *utc_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

static char *manifest_json(const dc_bundle_create_opts *o, const recorded *rs, size_t n,
                           const char *arch)
{
    char hostname[256] = "";
    if (gethostname(hostname, sizeof(hostname) - 1) < 0)
        hostname[0] = '\0';
    _cleanup_free_ char *now = utc_now();
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
    dc_jw_str(&w, "format", "domcaps-bundle");
    dc_jw_num(&w, "version", DC_BUNDLE_FORMAT_VERSION);
    dc_jw_str(&w, "domcaps", DC_VERSION);
    dc_jw_str(&w, "created", now);
    if (!o->sysroot && hostname[0])
        dc_jw_str(&w, "hostname", hostname);
    if (arch)
        dc_jw_str(&w, "arch", arch);
    if (o->xdg_config_home)
        dc_jw_str(&w, "xdgConfigHome", o->xdg_config_home);
    dc_jw_open(&w, "emulators", '[');
    for (size_t i = 0; i < n; i++) {
        dc_jw_open(&w, NULL, '{');
        dc_jw_str(&w, "path", rs[i].path);
        dc_jw_str(&w, "recording", rs[i].name);
        dc_jw_str(&w, "arch", rs[i].qc->arch);
        _cleanup_free_ char *v = xasprintf("%d.%d.%d", rs[i].qc->version_major,
                                           rs[i].qc->version_minor, rs[i].qc->version_micro);
        dc_jw_str(&w, "qemuVersion", v);
        dc_jw_close(&w, '}');
    }
    dc_jw_close(&w, ']');
    dc_jw_close(&w, '}');
    return dc_jw_finish(&w);
}

/* The first line where two documents differ, for a warning. */
static char *first_difference(const char *a, const char *b)
{
    unsigned line = 1;
    const char *la = a, *lb = b;
    for (; *a && *a == *b; a++, b++)
        if (*a == '\n') {
            line++;
            la = a + 1;
            lb = b + 1;
        }
    return xasprintf("line %u: '%.*s' here, '%.*s' from the bundle", line,
                     (int)strcspn(la, "\n"), la, (int)strcspn(lb, "\n"), lb);
}

/* The report with its free-memory counters blanked: they move between any two runs. */
static char *mask_volatile(const char *report)
{
    dc_buf b = {0};
    for (const char *p = report; *p;) {
        const char *f = strstr(p, " free='");
        if (!f) {
            dc_buf_add(&b, p);
            break;
        }
        f += strlen(" free='");
        dc_buf_addn(&b, p, (size_t)(f - p));
        p = f + strspn(f, "0123456789");
        dc_buf_add(&b, "*");
    }
    return dc_buf_steal(&b);
}

static void verify_caps(dc_fleet_host *fh, const recorded *rs, size_t n, const dc_host *live,
                        dc_diag *diag)
{
    const dc_host *replayed = dc_fleet_host_probes(fh, DC_FLEET_FOR_PROBE);
    for (size_t i = 0; i < n; i++) {
        const dc_qemu_caps *qc = NULL;
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        _cleanup_error_ dc_error msg2 = DC_ERROR_INIT;
        ssize_t k = dc_fleet_emulator_by_path(fh, rs[i].path);
        if (k < 0 || dc_fleet_host_qemu(fh, (size_t)k, &qc, &msg) < 0) {
            dc_diag_warn(diag, "the bundle does not replay %s: %s", rs[i].path,
                         msg.message ? msg.message : "missing");
            continue;
        }
        dc_request req = {0};
        dc_domcaps *here = NULL, *there = NULL;
        int a = dc_domcaps_derive(rs[i].qc, live, &req, &here, &msg);
        int b = dc_domcaps_derive(qc, replayed, &req, &there, &msg2);
        if (a == 0 && b == 0) {
            _cleanup_free_ char *x = dc_domcaps_format_xml(here);
            _cleanup_free_ char *y = dc_domcaps_format_xml(there);
            if (!streq(x, y)) {
                _cleanup_free_ char *d = first_difference(x, y);
                dc_diag_warn(diag, "the bundle gives another document for %s: %s", rs[i].path, d);
            }
        } else if ((a == 0) != (b == 0))
            dc_diag_warn(diag, "the bundle %s a document for %s", a == 0 ? "gives no" : "gives",
                         rs[i].path);
        dc_domcaps_free(here);
        dc_domcaps_free(there);
    }
}

static void verify_bundle(const char *file, const char *report, const recorded *rs, size_t n,
                          const dc_host *live, dc_diag *diag)
{
    dc_fleet_host *fh = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_bundle_load(file, &fh, &msg) < 0) {
        dc_diag_warn(diag, "the bundle just written does not load: %s", msg.message);
        return;
    }
    const dc_host *h = dc_fleet_host_probes(fh, DC_FLEET_FOR_REPORT);
    _cleanup_free_ char *again = dc_hostinfo_format_xml(&h->info);
    _cleanup_free_ char *x = mask_volatile(report), *y = mask_volatile(again);
    if (!streq(x, y)) {
        _cleanup_free_ char *d = first_difference(x, y);
        dc_diag_warn(diag, "the bundle gives another host report: %s", d);
    }
    verify_caps(fh, rs, n, live, diag);
    dc_fleet_host_free(fh);
}

/* The two probe runs: the usual one (facts, report) and the tapped one over the files as data. */
static void capture_root(const dc_bundle_create_opts *o, dc_root *root, dc_root *data,
                         dc_archive *a, dc_host *live, char **ret_report)
{
    dc_diag quiet = {0};
    dc_host report = {0}, tapped = {0};
    dc_host_run_probes(live, root, o->xdg_config_home, DC_PROBE_FOR_CAPS, &quiet);
    dc_host_run_probes(&report, root, NULL, DC_PROBE_FOR_INVENTORY, NULL);
    *ret_report = dc_hostinfo_format_xml(&report.info);
    dc_strv tap = {0};
    data->tap = &tap;
    dc_host_run_probes(&tapped, data, o->xdg_config_home,
                       DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY, &quiet);
    data->tap = NULL;
    capture c = {.root = data};
    capture_tapped(&c, &tap);
    capture_pci(&c);
    if (!o->sysroot)
        add_live_facts(&c, live, &report.info);
    filter_private(&c, root);
    emit_root(&c, a);
    capture_clear(&c);
    dc_strv_clear(&tap);
    dc_strv_clear(&quiet.warnings);
    dc_host_clear(&report);
    dc_host_clear(&tapped);
}

int dc_bundle_create(const dc_bundle_create_opts *o, dc_diag *diag, dc_error *err)
{
    const char *path = o->sysroot ? o->sysroot : "/";
    dc_root *root = NULL, *data = NULL;
    int r = dc_root_open(path, &root);
    if (r == 0)
        r = dc_root_open_as_data(path, &data);
    if (r == 0) {
        /* The report a bundle keeps names the host's paths, as the host itself would. */
        dc_root_set_display(root, "");
        dc_root_set_display(data, "");
    }
    const char *tmp = getenv("TMPDIR");
    _cleanup_free_ char *dir =
        xasprintf("%s/domcaps-capture-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
    if (r < 0)
        dc_error_set(err, r, "cannot open root %s: %s", path, strerror(-r));
    else if (!mkdtemp(dir)) {
        r = -errno;
        dc_error_set(err, r, "cannot make a temporary directory: %s", strerror(errno));
    }
    if (r < 0) {
        dc_root_free(root);
        dc_root_free(data);
        return r;
    }
    size_t n = 0;
    recorded *rs = record_all(o, dir, &n, diag);
    rmdir(dir);
    dc_host live = {0};
    _cleanup_free_ char *report = NULL;
    if (!n) {
        dc_error_set(err, -ENOENT, "no emulator could be probed: nothing to put in a bundle");
        r = -ENOENT;
    } else {
        dc_archive a, b; /* b: the root, after the manifest, the report and the recordings */
        dc_archive_init(&a);
        dc_archive_init(&b);
        capture_root(o, root, data, &b, &live, &report);
        _cleanup_free_ char *m = manifest_json(o, rs, n, live.info.cpu.arch);
        dc_archive_add(&a, 'f', "manifest.json", 0644, m, strlen(m));
        dc_archive_add(&a, 'f', "host.xml", 0644, report, strlen(report));
        for (size_t i = 0; i < n; i++)
            dc_archive_add(&a, 'f', rs[i].name, 0644, rs[i].text, rs[i].len);
        size_t skip = strlen("domcaps-bundle 1\n");
        dc_buf_addn(&a.b, b.b.s + skip, b.b.len - skip);
        dc_archive_clear(&b);
        r = dc_archive_write(&a, o->output, err);
        if (r == 0)
            verify_bundle(o->output, report, rs, n, &live, diag);
    }
    dc_host_clear(&live);
    recorded_free(rs, n);
    dc_root_free(data);
    dc_root_free(root);
    return r;
}
