/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a host bundle back: checked, unpacked privately, opened as a recorded host. */
#include "bundle.h"

#include <dirent.h>

#include "arch.h"
#include "archive.h"
#include "json.h"
#include "jsonw.h"

/* What the manifest says; strings point into the parsed JSON. */
typedef struct manifest {
    json_object *root;
    const char *created, *hostname, *creator, *arch, *xdg;
    json_object *emulators;
} manifest;

static int manifest_error(const char *file, const char *why, dc_error *err)
{
    return dc_error_set(err, -EINVAL, "%s: damaged bundle: manifest.json %s", file, why);
}

static bool optional_string(json_object *o, const char *key, const char **ret)
{
    json_object *v = dc_json_get(o, key);
    if (!v) {
        *ret = NULL;
        return true;
    }
    if (!json_object_is_type(v, json_type_string))
        return false;
    *ret = json_object_get_string(v);
    return true;
}

static int check_emulators(const char *file, const dc_archive_reader *ar, json_object *emus,
                           dc_error *err)
{
    if (!emus || !json_object_is_type(emus, json_type_array))
        return manifest_error(file, "has no list of emulators", err);
    size_t n = json_object_array_length(emus);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(emus, i);
        const char *path = dc_json_get_string(e, "path");
        const char *rec = dc_json_get_string(e, "recording");
        const dc_archive_entry *ent = rec ? dc_archive_find(ar, rec) : NULL;
        if (!path || path[0] != '/' || !rec || !startswith(rec, "qmp/"))
            return manifest_error(file, "names an emulator without an absolute path or recording",
                                  err);
        if (!ent || ent->type != 'f') {
            return dc_error_set(err, -EINVAL,
                                "%s: damaged bundle: the recording %s of %s is missing", file, rec,
                                path);
        }
    }
    return 0;
}

static int parse_manifest(const char *file, const dc_archive_reader *ar, manifest *m, dc_error *err)
{
    const dc_archive_entry *e = ar->nentries ? &ar->entries[0] : NULL;
    if (!e || e->type != 'f' || !streq(e->path, "manifest.json"))
        return manifest_error(file, "is not its first entry", err);
    _cleanup_error_ dc_error perr = DC_ERROR_INIT;
    if (dc_json_parse(e->data, e->len, &m->root, &perr) < 0 ||
        !json_object_is_type(m->root, json_type_object)) {
        return dc_error_set(err, -EINVAL, "%s: damaged bundle: manifest.json: %s", file,
                            perr.message ? perr.message : "not a JSON object");
    }
    const char *format = dc_json_get_string(m->root, "format");
    json_object *version = dc_json_get(m->root, "version");
    if (!format || !streq(format, "domcaps-bundle"))
        return manifest_error(file, "is not a domcaps bundle's", err);
    if (!version || !json_object_is_type(version, json_type_int) ||
        json_object_get_int64(version) != DC_BUNDLE_FORMAT_VERSION) {
        return dc_error_set(err, -EINVAL,
                            "%s: a bundle of another format version (this domcaps reads "
                            "version %d)",
                            file, DC_BUNDLE_FORMAT_VERSION);
    }
    if (!optional_string(m->root, "created", &m->created) ||
        !optional_string(m->root, "hostname", &m->hostname) ||
        !optional_string(m->root, "domcaps", &m->creator) ||
        !optional_string(m->root, "arch", &m->arch) ||
        !optional_string(m->root, "xdgConfigHome", &m->xdg))
        return manifest_error(file, "has a field of the wrong type", err);
    m->emulators = dc_json_get(m->root, "emulators");
    return check_emulators(file, ar, m->emulators, err);
}

static char *bundle_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    if (n > strlen(".bundle") && endswith(base, ".bundle"))
        n -= strlen(".bundle");
    return xstrndup(base, n);
}

/* Where bundles are unpacked: $TMPDIR, else memory-backed /dev/shm when usable, else /tmp. */
static char *make_private_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/')
        tmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    _cleanup_free_ char *tmpl = xasprintf("%s/domcaps-bundle-XXXXXX", tmp);
    return mkdtemp(tmpl) ? TAKE_PTR(tmpl) : NULL;
}

static int open_unpacked(const char *file, const dc_archive_reader *ar, const manifest *m,
                         const char *dir, dc_fleet_host **ret, dc_error *err)
{
    size_t n = json_object_array_length(m->emulators);
    dc_fleet_part *parts = xcalloc(n ? n : 1, sizeof(*parts));
    dc_strv recs = {0};
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(m->emulators, i);
        parts[i].path = dc_json_get_string(e, "path");
        dc_strv_add_take(&recs, xasprintf("%s/%s", dir, dc_json_get_string(e, "recording")));
    }
    for (size_t i = 0; i < n; i++)
        parts[i].recording = recs.v[i];
    _cleanup_free_ char *name = bundle_name(file);
    _cleanup_free_ char *root = xasprintf("%s/root", dir);
    struct stat st;
    int r = stat(root, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -EINVAL;
    if (r < 0)
        dc_error_set(err, r, "%s: damaged bundle: it holds no root", file);
    else
        r = dc_fleet_host_open(name, root, parts, n, ret, err);
    free(parts);
    dc_strv_clear(&recs);
    if (r < 0)
        return r;
    dc_fleet_host *h = *ret;
    h->file = xstrdup(file);
    h->hostname = m->hostname ? xstrdup(m->hostname) : NULL;
    h->created = m->created ? xstrdup(m->created) : NULL;
    h->creator = m->creator ? xstrdup(m->creator) : NULL;
    h->xdg_config_home = m->xdg ? xstrdup(m->xdg) : NULL;
    const dc_archive_entry *rep = dc_archive_find(ar, "host.xml");
    h->host_report = rep && rep->type == 'f' ? xstrndup(rep->data, rep->len) : NULL;
    if (!h->arch && m->arch && dc_arch_normalize(m->arch))
        h->arch = xstrdup(dc_arch_normalize(m->arch));
    return 0;
}

int dc_bundle_load(const char *path, dc_fleet_host **ret, dc_error *err)
{
    dc_archive_reader ar = {0};
    int r = dc_archive_read(path, &ar, err);
    if (r < 0)
        return r;
    manifest m = {0};
    r = parse_manifest(path, &ar, &m, err);
    char *dir = r < 0 ? NULL : make_private_dir();
    if (r == 0 && !dir) {
        r = -errno;
        dc_error_set(err, r, "%s: cannot make a directory to unpack it into: %s", path,
                     strerror(errno));
    }
    _cleanup_error_ dc_error why = DC_ERROR_INIT;
    if (r == 0 && (r = dc_archive_extract(&ar, dir, &why)) < 0)
        dc_error_set(err, r, "%s: damaged bundle: %s", path, why.message);
    if (r == 0 && (r = open_unpacked(path, &ar, &m, dir, ret, err)) == 0) {
        (*ret)->dir = TAKE_PTR(dir);
    }
    if (dir) {
        dc_remove_tree(dir);
        free(dir);
    }
    dc_json_putp(&m.root);
    dc_archive_reader_clear(&ar);
    return r;
}

int dc_bundle_list_dir(const char *dir, dc_strv *ret, dc_error *err)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        return dc_error_set(err, -e, "cannot read the bundle directory %s: %s", dir, strerror(e));
    }
    dc_strv found = {0};
    for (struct dirent *de; (de = readdir(d));)
        if (de->d_name[0] != '.' && endswith(de->d_name, ".bundle"))
            dc_strv_add_take(&found, xasprintf("%s/%s", dir, de->d_name));
    dc_strv_sort(&found);
    for (size_t i = 0; i < found.n; i++)
        dc_strv_add(ret, found.v[i]);
    dc_strv_clear(&found);
    return 0;
}

static void describe_json(dc_fleet_host *h, dc_buf *out)
{
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
    dc_jw_num(&w, "schemaVersion", DC_JSON_SCHEMA_VERSION);
    dc_jw_str(&w, "file", h->file ? h->file : h->name);
    dc_jw_str(&w, "name", h->name);
    if (h->hostname)
        dc_jw_str(&w, "hostname", h->hostname);
    if (h->arch)
        dc_jw_str(&w, "arch", h->arch);
    if (h->created)
        dc_jw_str(&w, "created", h->created);
    if (h->creator)
        dc_jw_str(&w, "domcaps", h->creator);
    dc_jw_open(&w, "emulators", '[');
    for (size_t i = 0; i < h->nemus; i++) {
        const dc_qemu_caps *qc = NULL;
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        dc_jw_open(&w, NULL, '{');
        dc_jw_str(&w, "path", h->emus[i].path);
        if (dc_fleet_host_qemu(h, i, &qc, &msg) == 0) {
            dc_jw_str(&w, "arch", qc->arch);
            _cleanup_free_ char *v =
                xasprintf("%d.%d.%d", qc->version_major, qc->version_minor, qc->version_micro);
            dc_jw_str(&w, "qemuVersion", v);
        } else
            dc_jw_str(&w, "error", msg.message);
        dc_jw_close(&w, '}');
    }
    dc_jw_close(&w, ']');
    dc_jw_close(&w, '}');
    char *doc = dc_jw_finish(&w);
    dc_buf_addn(out, doc, strlen(doc));
    free(doc);
}

char *dc_bundle_describe(dc_fleet_host *h, bool json)
{
    dc_buf b = {0};
    if (json) {
        describe_json(h, &b);
        return dc_buf_steal(&b);
    }
    struct stat st;
    dc_buf_addf(&b, "bundle: %s", h->file ? h->file : h->name);
    if (h->file && stat(h->file, &st) == 0)
        dc_buf_addf(&b, " (%lld bytes)", (long long)st.st_size);
    dc_buf_addf(&b, "\nhost: %s (%s)\n", h->hostname ? h->hostname : "unknown",
                h->arch ? h->arch : "unknown arch");
    dc_buf_addf(&b, "captured: %s by domcaps %s\n", h->created ? h->created : "unknown time",
                h->creator ? h->creator : "(unknown version)");
    dc_buf_addf(&b, "emulators: %zu\n", h->nemus);
    for (size_t i = 0; i < h->nemus; i++) {
        const dc_qemu_caps *qc = NULL;
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        if (dc_fleet_host_qemu(h, i, &qc, &msg) == 0)
            dc_buf_addf(&b, "  %s  QEMU %d.%d.%d (%s)\n", h->emus[i].path, qc->version_major,
                        qc->version_minor, qc->version_micro, qc->arch);
        else
            dc_buf_addf(&b, "  %s  unusable: %s\n", h->emus[i].path, msg.message);
    }
    return dc_buf_steal(&b);
}
