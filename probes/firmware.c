/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "firmware.h"

#include <fnmatch.h>
#include <json-c/json.h>
#include <limits.h>

/* Real descriptors are a few KiB; anything this big is not one. */
#define FW_DESCRIPTOR_MAX (1024 * 1024)
/* Descriptors nest four levels deep; leave room but bound the recursion. */
#define FW_JSON_DEPTH 32

static const char *const fw_search_dirs[] = {
    "/usr/share/qemu/firmware",
    "/etc/qemu/firmware",
};

typedef struct fw_entry {
    char *name;  /* file name, the override key */
    char *path;  /* absolute path inside the root */
    size_t prio; /* index of the directory; higher wins */
} fw_entry;

typedef struct fw_entries {
    fw_entry *v;
    size_t n, alloc;
} fw_entries;

static void fw_entries_clear(fw_entries *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].name);
        free(e->v[i].path);
    }
    free(e->v);
    *e = (fw_entries){0};
}

static void fw_entries_add(fw_entries *e, const char *dir, const char *name, size_t prio)
{
    if (e->n == e->alloc) {
        e->alloc = e->alloc ? e->alloc * 2 : 16;
        e->v = xrealloc(e->v, e->alloc * sizeof(*e->v));
    }
    e->v[e->n++] = (fw_entry){
        .name = xstrdup(name),
        .path = xasprintf("%s/%s", dir, name),
        .prio = prio,
    };
}

static int fw_entry_cmp(const void *a, const void *b)
{
    const fw_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return (x->prio > y->prio) - (x->prio < y->prio);
}

static void firmware_done(dc_firmware *fw)
{
    free(fw->descriptor);
    free(fw->device);
    free(fw->executable);
    free(fw->nvram_template);
    dc_strv_clear(&fw->features);
    for (size_t i = 0; i < fw->ntargets; i++) {
        free(fw->targets[i].architecture);
        dc_strv_clear(&fw->targets[i].machines);
    }
    free(fw->targets);
    *fw = (dc_firmware){0};
}

static void json_object_putp(json_object **o)
{
    if (*o)
        json_object_put(*o);
}

static void json_tokener_freep(json_tokener **t)
{
    if (*t)
        json_tokener_free(*t);
}

static const char *type_article(json_type t)
{
    switch (t) {
    case json_type_array:
        return "an array";
    case json_type_object:
        return "an object";
    case json_type_string:
        return "a string";
    case json_type_null:
    case json_type_boolean:
    case json_type_double:
    case json_type_int:
        break;
    }
    return "of the expected type";
}

static int get_member(json_object *obj, const char *key, json_type type, const char *what,
                      bool required, json_object **ret, dc_error *err)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || !v) {
        if (required)
            return dc_error_set(err, -EINVAL, "missing '%s'", what);
        *ret = NULL;
        return 0;
    }
    if (!json_object_is_type(v, type))
        return dc_error_set(err, -EINVAL, "'%s' is not %s", what, type_article(type));
    *ret = v;
    return 1;
}

static int get_string(json_object *obj, const char *key, const char *what, bool required,
                      char **ret, dc_error *err)
{
    json_object *v = NULL;
    int r = get_member(obj, key, json_type_string, what, required, &v, err);
    if (r <= 0)
        return r;
    *ret = xstrdup(json_object_get_string(v));
    return 1;
}

/* Appends every element of a string array; what names it in messages. */
static int get_string_array(json_object *obj, const char *key, const char *what, bool required,
                            dc_strv *ret, dc_error *err)
{
    json_object *arr = NULL;
    int r = get_member(obj, key, json_type_array, what, required, &arr, err);
    if (r <= 0)
        return r;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(s, json_type_string))
            return dc_error_set(err, -EINVAL, "'%s[%zu]' is not a string", what, i);
        dc_strv_add(ret, json_object_get_string(s));
    }
    return 1;
}

static int parse_interfaces(json_object *root, dc_firmware *fw, dc_error *err)
{
    _cleanup_strv_ dc_strv types = {0};
    int r = get_string_array(root, "interface-types", "interface-types", false, &types, err);
    if (r < 0)
        return r;
    static const struct {
        const char *name;
        dc_fw_interface bit;
    } map[] = {
        {"bios", DC_FW_IFACE_BIOS},
        {"uefi", DC_FW_IFACE_UEFI},
        {"openfirmware", DC_FW_IFACE_OPENFIRMWARE},
        {"uboot", DC_FW_IFACE_UBOOT},
    };
    /* Unknown types are ignored: newer QEMU may add some we do not model. */
    for (size_t i = 0; i < types.n; i++)
        for (size_t j = 0; j < ELEMENTSOF(map); j++)
            if (streq(types.v[i], map[j].name))
                fw->interfaces |= map[j].bit;
    return 0;
}

static int parse_mapping(json_object *root, dc_firmware *fw, dc_error *err)
{
    json_object *mapping = NULL;
    int r = get_member(root, "mapping", json_type_object, "mapping", true, &mapping, err);
    if (r < 0)
        return r;

    r = get_string(mapping, "device", "mapping.device", true, &fw->device, err);
    if (r < 0)
        return r;

    if (streq(fw->device, "flash")) {
        json_object *exe = NULL, *nvram = NULL;
        r = get_member(mapping, "executable", json_type_object, "mapping.executable", true, &exe,
                       err);
        if (r < 0)
            return r;
        r = get_string(exe, "filename", "mapping.executable.filename", true, &fw->executable, err);
        if (r < 0)
            return r;
        /* Absent for "combined" and "stateless" modes. */
        r = get_member(mapping, "nvram-template", json_type_object, "mapping.nvram-template", false,
                       &nvram, err);
        if (r < 0)
            return r;
        if (r > 0) {
            r = get_string(nvram, "filename", "mapping.nvram-template.filename", true,
                           &fw->nvram_template, err);
            if (r < 0)
                return r;
        }
    } else if (streq(fw->device, "memory") || streq(fw->device, "kernel")) {
        r = get_string(mapping, "filename", "mapping.filename", true, &fw->executable, err);
        if (r < 0)
            return r;
    } else
        return dc_error_set(err, -EINVAL, "unknown mapping device '%s'", fw->device);

    return 0;
}

static int parse_targets(json_object *root, dc_firmware *fw, dc_error *err)
{
    json_object *arr = NULL;
    int r = get_member(root, "targets", json_type_array, "targets", true, &arr, err);
    if (r < 0)
        return r;
    size_t n = json_object_array_length(arr);
    fw->targets = xcalloc(n, sizeof(*fw->targets));
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(t, json_type_object))
            return dc_error_set(err, -EINVAL, "'targets[%zu]' is not an object", i);
        /* Count it first so a failure below still frees what was parsed. */
        dc_fw_target *target = &fw->targets[fw->ntargets++];
        _cleanup_free_ char *what_arch = xasprintf("targets[%zu].architecture", i);
        _cleanup_free_ char *what_machines = xasprintf("targets[%zu].machines", i);
        r = get_string(t, "architecture", what_arch, true, &target->architecture, err);
        if (r < 0)
            return r;
        r = get_string_array(t, "machines", what_machines, true, &target->machines, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* buf must be NUL-terminated at buf[len]. On failure err says why. */
static int parse_descriptor(const char *buf, size_t len, dc_firmware *fw, dc_error *err)
{
    if (memchr(buf, '\0', len))
        return dc_error_set(err, -EINVAL, "not valid JSON (contains a NUL byte)");
    if (len > (size_t)INT_MAX - 1)
        return dc_error_set(err, -EINVAL, "too large");

    _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new_ex(FW_JSON_DEPTH);
    if (!tok)
        return -ENOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* Passing the terminating NUL tells json-c the input ends here. */
    _cleanup_(json_object_putp) json_object *root = json_tokener_parse_ex(tok, buf, (int)len + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr != json_tokener_success || !root)
        return dc_error_set(err, -EINVAL, "not valid JSON (%s)",
                            jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "null");
    if (!json_object_is_type(root, json_type_object))
        return dc_error_set(err, -EINVAL, "not a JSON object");

    int r = parse_interfaces(root, fw, err);
    if (r < 0)
        return r;
    r = parse_mapping(root, fw, err);
    if (r < 0)
        return r;
    r = parse_targets(root, fw, err);
    if (r < 0)
        return r;
    r = get_string_array(root, "features", "features", false, &fw->features, err);
    if (r < 0)
        return r;
    return 0;
}

/*
 * Loads one descriptor. Returns 1 and fills *fw, 0 when the file masks others
 * or is skipped (with a warning for the latter).
 */
static int load_descriptor(const dc_root *root, const char *path, dc_diag *diag, dc_firmware *fw)
{
    _cleanup_free_ char *display = dc_root_display(root, path);
    struct stat st;
    int r = dc_root_stat(root, path, &st);
    if (r < 0) {
        dc_diag_warn(diag, "skipping firmware descriptor %s: cannot read: %s", display,
                     strerror(-r));
        return 0;
    }
    /* An empty file (or a link to /dev/null) masks lower-priority ones. */
    if ((S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)) && st.st_size == 0)
        return 0;
    if (S_ISREG(st.st_mode) && st.st_size > FW_DESCRIPTOR_MAX) {
        dc_diag_warn(diag, "skipping firmware descriptor %s: file too large (more than 1 MiB)",
                     display);
        return 0;
    }

    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    r = dc_root_read_file(root, path, FW_DESCRIPTOR_MAX, &buf, &len);
    if (r == -EFBIG) {
        /* Grew since the stat above. */
        dc_diag_warn(diag, "skipping firmware descriptor %s: file too large (more than 1 MiB)",
                     display);
        return 0;
    }
    if (r < 0) {
        dc_diag_warn(diag, "skipping firmware descriptor %s: cannot read: %s", display,
                     strerror(-r));
        return 0;
    }
    if (len == 0)
        return 0;

    _cleanup_error_ dc_error perr = DC_ERROR_INIT;
    dc_firmware tmp = {0};
    r = parse_descriptor(buf, len, &tmp, &perr);
    if (r < 0) {
        firmware_done(&tmp);
        if (!perr.message)
            return r;
        dc_diag_warn(diag, "skipping firmware descriptor %s: %s", display, perr.message);
        return 0;
    }

    tmp.descriptor = xstrdup(path);
    struct stat est;
    tmp.executable_exists =
        tmp.executable && dc_root_stat(root, tmp.executable, &est) == 0 && S_ISREG(est.st_mode);
    *fw = tmp;
    return 1;
}

static char *strip_trailing_slashes(const char *s)
{
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/')
        n--;
    return xstrndup(s, n);
}

static void scan_dir(const dc_root *root, const char *dir, size_t prio, dc_diag *diag,
                     fw_entries *entries)
{
    _cleanup_closedir_ DIR *d = dc_root_opendir(root, dir);
    if (!d) {
        if (errno != ENOENT && errno != ENOTDIR) {
            _cleanup_free_ char *display = dc_root_display(root, dir);
            dc_diag_warn(diag, "cannot open firmware directory %s: %s", display, strerror(errno));
        }
        return;
    }
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno != 0) {
                _cleanup_free_ char *display = dc_root_display(root, dir);
                dc_diag_warn(diag, "cannot read firmware directory %s: %s", display,
                             strerror(errno));
            }
            break;
        }
        if (!endswith(de->d_name, ".json"))
            continue;
        fw_entries_add(entries, dir, de->d_name, prio);
    }
}

int dc_firmware_load(const dc_root *root, const char *xdg_config_home, dc_diag *diag,
                     dc_firmware_list *ret)
{
    if (!root || !ret)
        return -EINVAL;

    _cleanup_(fw_entries_clear) fw_entries entries = {0};
    size_t prio = 0;
    for (; prio < ELEMENTSOF(fw_search_dirs); prio++)
        scan_dir(root, fw_search_dirs[prio], prio, diag, &entries);
    if (xdg_config_home) {
        _cleanup_free_ char *base = strip_trailing_slashes(xdg_config_home);
        _cleanup_free_ char *dir = xasprintf("%s/qemu/firmware", streq(base, "/") ? "" : base);
        scan_dir(root, dir, prio, diag, &entries);
    }

    /* By name, then by directory priority: the last of each run of a name wins. */
    if (entries.n > 1)
        qsort(entries.v, entries.n, sizeof(*entries.v), fw_entry_cmp);

    dc_firmware_list list = {0};
    size_t alloc = 0;
    for (size_t i = 0; i < entries.n; i++) {
        if (i + 1 < entries.n && streq(entries.v[i].name, entries.v[i + 1].name))
            continue;
        dc_firmware fw = {0};
        int r = load_descriptor(root, entries.v[i].path, diag, &fw);
        if (r < 0) {
            dc_firmware_list_clear(&list);
            return r;
        }
        if (r == 0)
            continue;
        if (list.n == alloc) {
            alloc = alloc ? alloc * 2 : 8;
            list.items = xrealloc(list.items, alloc * sizeof(*list.items));
        }
        list.items[list.n++] = fw;
    }

    *ret = list;
    return 0;
}

const char *dc_firmware_arch_name(const char *arch)
{
    if (!arch)
        return NULL;
    if (streq(arch, "i686"))
        return "i386";
    if (streq(arch, "armv6l") || streq(arch, "armv7l"))
        return "arm";
    if (streq(arch, "ppc64le"))
        return "ppc64";
    return arch;
}

bool dc_firmware_matches(const dc_firmware *fw, const char *arch, const char *machine)
{
    if (!fw || !arch || !machine)
        return false;
    const char *qarch = dc_firmware_arch_name(arch);
    for (size_t i = 0; i < fw->ntargets; i++) {
        const dc_fw_target *t = &fw->targets[i];
        if (!t->architecture || !streq(t->architecture, qarch))
            continue;
        for (size_t j = 0; j < t->machines.n; j++)
            if (fnmatch(t->machines.v[j], machine, 0) == 0)
                return true;
    }
    return false;
}

bool dc_firmware_has_feature(const dc_firmware *fw, const char *feature)
{
    return fw && feature && dc_strv_contains(&fw->features, feature);
}

void dc_firmware_list_clear(dc_firmware_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        firmware_done(&l->items[i]);
    free(l->items);
    *l = (dc_firmware_list){0};
}
