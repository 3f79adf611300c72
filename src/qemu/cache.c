/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cache.h"
#include "sha256.h"

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/utsname.h>
#include <time.h>

#include "domcaps/domcaps.h"

/*
 * Bumped whenever dc_qemu_caps, this format or the meaning of a stored answer
 * changes. 4: generic-pc-machine's i8042 and the max CPU's migratable are
 * asked for whether or not qom-list-types lists the class; host-model is
 * chosen among models of the host's own vendor. 5: the per-model static
 * expansions and QEMU's CPU feature names are kept for the checker. 6: a
 * fixed line order with every section and singleton line at most once, a
 * SHA-256 checksum line before the end marker, and the root and the answer's
 * source in the key (entries of a --sysroot live under their own names).
 */
#define DC_CACHE_FORMAT 6
#define DC_CACHE_MAGIC "domcaps-cache"
#define DC_CACHE_CHECKSUM "checksum"
#define DC_CACHE_DIGEST "sha256"
#define DC_CACHE_END "end"
#define DC_CACHE_MAX (64u << 20)
#ifndef MIN
#endif

/* ---- key inputs --------------------------------------------------------------- */

static void key_add(dc_cache_key *k, const char *name, const char *value)
{
    dc_strv_add(&k->names, name);
    dc_strv_add(&k->values, value && *value ? value : "-");
}

void dc_cache_key_clear(dc_cache_key *k)
{
    dc_strv_clear(&k->names);
    dc_strv_clear(&k->values);
}

static char *cpuinfo_field(const char *text, const char *field)
{
    size_t fl = strlen(field);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, field, fl) != 0 || (p[fl] != ' ' && p[fl] != '\t' && p[fl] != ':'))
            continue;
        const char *colon = strchr(p, ':');
        const char *nl = strchr(p, '\n');
        if (!colon || (nl && colon > nl))
            continue;
        colon++;
        while (*colon == ' ')
            colon++;
        return xstrndup(colon, nl ? (size_t)(nl - colon) : strlen(colon));
    }
    return NULL;
}

/* The QEMU module directory: modules loaded at run time change what QEMU offers. */
static char *module_dir_stamp(const dc_root *root)
{
    static const char *const dirs[] = {
        "/usr/lib/x86_64-linux-gnu/qemu",
        "/usr/lib/aarch64-linux-gnu/qemu",
        "/usr/lib/powerpc64le-linux-gnu/qemu",
        "/usr/lib/s390x-linux-gnu/qemu",
        "/usr/lib64/qemu",
        "/usr/lib/qemu",
    };
    for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
        struct stat st;
        if (dc_root_stat(root, dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
            return xasprintf("%s@%lld.%09ld", dirs[i], (long long)st.st_mtim.tv_sec,
                             st.st_mtim.tv_nsec);
    }
    return xstrdup("none");
}

static char *param(const dc_root *root, const char *path)
{
    char *v = NULL;
    if (dc_root_read_line(root, path, &v) < 0)
        return xstrdup("-");
    return v;
}

int dc_cache_key_compute(const char *binary, const dc_root *root, dc_cache_key *ret)
{
    struct stat st;
    if (stat(binary, &st) < 0)
        return -errno;
    dc_cache_key k = {0};
    _cleanup_free_ char *size = xasprintf("%lld", (long long)st.st_size);
    _cleanup_free_ char *mtime =
        xasprintf("%lld.%09ld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    _cleanup_free_ char *ctime =
        xasprintf("%lld.%09ld", (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    _cleanup_free_ char *inode =
        xasprintf("%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    key_add(&k, "emulator", binary);
    key_add(&k, "size", size);
    key_add(&k, "mtime", mtime);
    key_add(&k, "ctime", ctime);
    key_add(&k, "inode", inode);
    _cleanup_free_ char *moddir = module_dir_stamp(root);
    key_add(&k, "module-dir", moddir);
    _cleanup_free_ char *self = xasprintf("%s/%d", DC_VERSION, DC_CACHE_FORMAT);
    key_add(&k, "domcaps", self);
    _cleanup_free_ char *rootid = dc_cache_root_id(root);
    key_add(&k, "root", rootid);
    /* Replayed answers are never stored (see dc_probe_cached); this says so in the entry. */
    key_add(&k, "source", "qemu");

    _cleanup_free_ char *rel = NULL, *ver = NULL;
    if (dc_root_read_line(root, "/proc/sys/kernel/osrelease", &rel) < 0) {
        struct utsname u;
        if (uname(&u) == 0)
            rel = xstrdup(u.release);
    }
    dc_root_read_line(root, "/proc/sys/kernel/version", &ver);
    _cleanup_free_ char *kernel = xasprintf("%s %s", rel ? rel : "-", ver ? ver : "-");
    key_add(&k, "kernel", kernel);

    const char *kvm = "absent";
    struct stat kst;
    if (dc_root_stat(root, "/dev/kvm", &kst) == 0)
        kvm = dc_root_access(root, "/dev/kvm", R_OK | W_OK) == 0 ? "usable" : "inaccessible";
    key_add(&k, "kvm", kvm);

    _cleanup_free_ char *cpuinfo = NULL;
    dc_root_read_file(root, "/proc/cpuinfo", 16u << 20, &cpuinfo, NULL);
    _cleanup_free_ char *vendor = cpuinfo ? cpuinfo_field(cpuinfo, "vendor_id") : NULL;
    _cleanup_free_ char *model_name = cpuinfo ? cpuinfo_field(cpuinfo, "model name") : NULL;
    _cleanup_free_ char *family = cpuinfo ? cpuinfo_field(cpuinfo, "cpu family") : NULL;
    _cleanup_free_ char *model = cpuinfo ? cpuinfo_field(cpuinfo, "model") : NULL;
    _cleanup_free_ char *stepping = cpuinfo ? cpuinfo_field(cpuinfo, "stepping") : NULL;
    _cleanup_free_ char *microcode = cpuinfo ? cpuinfo_field(cpuinfo, "microcode") : NULL;
    _cleanup_free_ char *sig =
        xasprintf("%s|%s|%s|%s|%s", vendor ? vendor : "-", model_name ? model_name : "-",
                  family ? family : "-", model ? model : "-", stepping ? stepping : "-");
    key_add(&k, "cpu", sig);
    key_add(&k, "microcode", microcode);

    _cleanup_free_ char *n1 = param(root, "/sys/module/kvm_intel/parameters/nested");
    _cleanup_free_ char *n2 = param(root, "/sys/module/kvm_amd/parameters/nested");
    _cleanup_free_ char *n3 = param(root, "/sys/module/kvm_hv/parameters/nested");
    _cleanup_free_ char *n4 = param(root, "/sys/module/kvm/parameters/nested");
    _cleanup_free_ char *nested = xasprintf("%s,%s,%s,%s", n1, n2, n3, n4);
    key_add(&k, "nested", nested);
    _cleanup_free_ char *sev = param(root, "/sys/module/kvm_amd/parameters/sev");
    _cleanup_free_ char *tdx = param(root, "/sys/module/kvm_intel/parameters/tdx");
    struct stat uv;
    bool has_uv = dc_root_stat(root, "/sys/firmware/uv", &uv) == 0;
    _cleanup_free_ char *secure = xasprintf("sev=%s,tdx=%s,uv=%s", sev, tdx, has_uv ? "y" : "n");
    key_add(&k, "secure-guest", secure);
    *ret = k;
    return 0;
}

/* ---- location ------------------------------------------------------------------ */

char *dc_cache_default_dir(void)
{
    const char *env = getenv("DOMCAPS_CACHE_DIR");
    if (env && env[0] == '/')
        return xstrdup(env);
    if (geteuid() == 0)
        return xstrdup("/var/cache/domcaps");
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && x[0] == '/')
        return xasprintf("%s/domcaps", x);
    const char *home = getenv("HOME");
    if (home && home[0] == '/')
        return xasprintf("%s/.cache/domcaps", home);
    return NULL;
}

char *dc_cache_root_id(const dc_root *root)
{
    if (!root || dc_root_is_live(root))
        return xstrdup("/");
    /* Where it is and which directory it is: a moved or replaced tree is another root. */
    struct stat st;
    _cleanup_free_ char *real = realpath(root->path, NULL);
    if (fstat(root->dirfd, &st) < 0)
        return xasprintf("%s@?", real ? real : root->path);
    return xasprintf("%s@%llu:%llu", real ? real : root->path, (unsigned long long)st.st_dev,
                     (unsigned long long)st.st_ino);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

/* The live root keeps the plain name; any other root gets its own, so it never replaces it. */
static char *entry_path(const char *dir, const char *binary, const char *rootid)
{
    /* FNV-1a of the path (and root); both are stored in the key and compared on load. */
    uint64_t h = fnv1a(1469598103934665603ULL, binary);
    const char *base = strrchr(binary, '/');
    base = base ? base + 1 : binary;
    char clean[64];
    size_t n = 0;
    for (; *base && n + 1 < sizeof(clean); base++)
        clean[n++] = (char)((*base == '.' || *base == '-' || *base == '_' ||
                             (*base >= '0' && *base <= '9') || (*base >= 'a' && *base <= 'z') ||
                             (*base >= 'A' && *base <= 'Z'))
                                ? *base
                                : '_');
    clean[n] = '\0';
    if (!rootid || streq(rootid, "/"))
        return xasprintf("%s/%s-%016llx.caps", dir, clean, (unsigned long long)h);
    uint64_t r = fnv1a(fnv1a(1469598103934665603ULL, rootid), "\n");
    return xasprintf("%s/%s-%016llx-root-%016llx.caps", dir, clean, (unsigned long long)h,
                     (unsigned long long)r);
}

char *dc_cache_entry_path(const char *dir, const char *binary, const dc_root *root)
{
    _cleanup_free_ char *rootid = dc_cache_root_id(root);
    return entry_path(dir, binary, rootid);
}

/* The root an entry is for, as recorded in its key; NULL (the live root) when absent. */
static const char *key_root(const dc_cache_key *key)
{
    for (size_t i = 0; i < key->names.n; i++)
        if (streq(key->names.v[i], "root"))
            return key->values.v[i];
    return NULL;
}

/* ---- serialization ----------------------------------------------------------- */

/* Values are space-separated words: escape space, newline and '%'. */
static void word(dc_buf *b, const char *s)
{
    dc_buf_add(b, " ");
    if (!s) {
        dc_buf_add(b, "%-");
        return;
    }
    if (!*s) {
        dc_buf_add(b, "%0");
        return;
    }
    for (; *s; s++) {
        if (*s == ' ')
            dc_buf_add(b, "%20");
        else if (*s == '\n')
            dc_buf_add(b, "%0A");
        else if (*s == '%')
            dc_buf_add(b, "%25");
        else if (*s == '\t')
            dc_buf_add(b, "%09");
        else
            dc_buf_addn(b, s, 1);
    }
}

static void line_strs(dc_buf *b, const char *tag, const dc_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++) {
        dc_buf_add(b, tag);
        word(b, sv->v[i]);
        dc_buf_add(b, "\n");
    }
}

static void line_words(dc_buf *b, const char *tag, char *const *v)
{
    for (; v && *v; v++) {
        dc_buf_add(b, tag);
        word(b, *v);
        dc_buf_add(b, "\n");
    }
}

static void serialize_accel(dc_buf *b, const char *name, const dc_qemu_accel *a)
{
    dc_buf_addf(b, "accel %s %d %d %d %u\n", name, a->probed, a->have_cpu_defs, a->hyperv_valid,
                a->phys_bits);
    for (size_t i = 0; i < a->nmachines; i++) {
        const dc_qemu_machine *m = &a->machines[i];
        dc_buf_addf(b, "machine %u %d %d %d", m->cpu_max, m->is_default, m->deprecated, m->acpi);
        word(b, m->name);
        word(b, m->alias);
        word(b, m->default_cpu_type);
        dc_buf_add(b, "\n");
    }
    for (size_t i = 0; i < a->ncpus; i++) {
        const dc_qemu_cpudef *d = &a->cpus[i];
        dc_buf_addf(b, "cpu %d %d", d->usable, d->deprecated);
        word(b, d->name);
        word(b, d->alias_of);
        word(b, d->vendor);
        word(b, d->typename);
        dc_buf_add(b, "\n");
        line_strs(b, "unavail", &d->unavailable);
    }
    for (size_t i = 0; i < a->nmodels; i++) {
        dc_buf_add(b, "model");
        word(b, a->models[i].name);
        word(b, a->models[i].vendor);
        dc_buf_add(b, "\n");
        line_strs(b, "mfeat", &a->models[i].features);
    }
    line_strs(b, "hv", &a->hyperv);
    const dc_host_model *hm = &a->host_model;
    dc_buf_addf(b, "hostmodel %d %d %u", hm->supported, hm->fallback_allow, hm->maxphysaddr_limit);
    word(b, hm->model);
    word(b, hm->vendor);
    dc_buf_add(b, "\n");
    line_words(b, "hmreq", hm->require);
    line_words(b, "hmdis", hm->disable);
}

char *dc_cache_serialize(const dc_cache_key *key, const dc_qemu_caps *c)
{
    dc_buf b = {0};
    dc_buf_addf(&b, "%s %d\n", DC_CACHE_MAGIC, DC_CACHE_FORMAT);
    for (size_t i = 0; i < key->names.n; i++) {
        dc_buf_add(&b, "key");
        word(&b, key->names.v[i]);
        word(&b, key->values.v[i]);
        dc_buf_add(&b, "\n");
    }
    dc_buf_add(&b, "binary");
    word(&b, c->binary);
    dc_buf_add(&b, "\ntarget");
    word(&b, c->target);
    dc_buf_add(&b, "\narch");
    word(&b, c->arch);
    dc_buf_addf(&b, "\nversion %d %d %d", c->version_major, c->version_minor, c->version_micro);
    dc_buf_add(&b, "\npackage");
    word(&b, c->package);
    dc_buf_addf(
        &b,
        "\nflags %d %d %d %d %d %d %d %d %d %d %d %u %u %d %u %u %d %d %d %d %llu %d %d %d %d\n",
        c->kvm_enabled, c->schema_sdl, c->schema_egl_headless, c->schema_dbus,
        c->schema_netdev_user, c->schema_netdev_stream, c->schema_vdagent, c->cl_spice,
        c->cl_async_teardown, c->have_tpm_query, c->gic_valid, c->gic_kernel, c->gic_emulated,
        c->sev_valid, c->sev_cbitpos, c->sev_reduced_phys_bits, c->sgx_valid, c->sgx_flc,
        c->sgx_sgx1, c->sgx_sgx2, c->sgx_section_size, c->max_cpu_migratable, c->none_machine_cgs,
        c->pc_machine_i8042, c->memfd_hugetlb);
    if (c->sev_cpu0_id) {
        dc_buf_add(&b, "sev_cpu0");
        word(&b, c->sev_cpu0_id);
        dc_buf_add(&b, "\n");
    }
    for (size_t i = 0; i < c->sgx_nsections; i++)
        dc_buf_addf(&b, "sgx_section %u %llu\n", c->sgx_sections[i].node, c->sgx_sections[i].size);
    line_strs(&b, "type", &c->types);
    line_strs(&b, "pcitype", &c->pci_types);
    line_strs(&b, "cmd", &c->commands);
    line_strs(&b, "tpm_model", &c->tpm_models);
    line_strs(&b, "tpm_type", &c->tpm_types);
    line_strs(&b, "falias", &c->feature_aliases);
    line_strs(&b, "cpuprop", &c->cpu_props);
    serialize_accel(&b, "kvm", &c->kvm);
    serialize_accel(&b, "tcg", &c->tcg);
    char *sealed = dc_cache_seal(b.s, b.len);
    dc_buf_clear(&b);
    return sealed;
}

/* ---- checksum ------------------------------------------------------------------ */

/* The digest (util/sha256.c) is for integrity against damage, not a signature. */

char *dc_cache_seal(const char *body, size_t len)
{
    char hex[65];
    dc_sha256_hex(body, len, hex);
    return xasprintf("%.*s%s %s %s\n%s\n", (int)len, body, DC_CACHE_CHECKSUM, DC_CACHE_DIGEST, hex,
                     DC_CACHE_END);
}

/* ---- parsing ------------------------------------------------------------------- */

typedef struct words {
    char *w[32];
    size_t n;
} words;

/*
 * Splits a line in place into single-space-separated words and unescapes
 * each; "%-" is NULL, "%0" the empty string. Only what the writer produces is
 * accepted: no empty words, no escape other than the four it uses, at most
 * ELEMENTSOF(w) words. Returns false otherwise.
 */
static bool split(char *line, words *ws)
{
    ws->n = 0;
    for (char *p = line;;) {
        char *t = p;
        while (*p && *p != ' ')
            p++;
        if (p == t || ws->n == ELEMENTSOF(ws->w))
            return false;
        bool last = !*p;
        *p = '\0';
        if (streq(t, "%-")) {
            ws->w[ws->n++] = NULL;
        } else if (streq(t, "%0")) {
            t[0] = '\0';
            ws->w[ws->n++] = t;
        } else {
            char *o = t;
            for (char *i = t; *i; i++) {
                if (*i != '%') {
                    *o++ = *i;
                    continue;
                }
                char c = i[1] == '2' && i[2] == '0'   ? ' '
                         : i[1] == '0' && i[2] == 'A' ? '\n'
                         : i[1] == '2' && i[2] == '5' ? '%'
                         : i[1] == '0' && i[2] == '9' ? '\t'
                                                      : '\0';
                if (!c)
                    return false;
                *o++ = c;
                i += 2;
            }
            *o = '\0';
            ws->w[ws->n++] = t;
        }
        if (last)
            return true;
        p++;
    }
}

static char *dupn(const char *s) { return s ? xstrdup(s) : NULL; }

/* Hands the collected host-model feature lists to the accelerator they belong to. */
static void take_host_model_lists(dc_qemu_accel *a, dc_strv *req, dc_strv *dis)
{
    if (a && a->host_model.supported == DC_YES) {
        a->host_model.require = req->v ? req->v : xcalloc(1, sizeof(char *));
        a->host_model.disable = dis->v ? dis->v : xcalloc(1, sizeof(char *));
        *req = (dc_strv){0};
        *dis = (dc_strv){0};
    }
    dc_strv_clear(req);
    dc_strv_clear(dis);
}

static bool num_bool(const char *s, bool *ret)
{
    unsigned v;
    if (dc_parse_uint(s, 10, &v) < 0 || v > 1)
        return false;
    *ret = v;
    return true;
}

static bool num_uint(const char *s, unsigned *ret) { return dc_parse_uint(s, 10, ret) == 0; }

static bool num_range(const char *s, int min, int max, int *ret)
{
    int64_t v;
    if (dc_parse_i64(s, 10, min, max, &v) < 0)
        return false;
    *ret = (int)v;
    return true;
}

static bool num_u64(const char *s, unsigned long long *ret)
{
    uint64_t v;
    if (dc_parse_u64(s, 10, UINT64_MAX, &v) < 0)
        return false;
    *ret = v;
    return true;
}

/*
 * The lines of an entry in the order they must come. Those marked repeatable
 * may occur any number of times in a row; every other at most once per
 * section (the top, then accel kvm, then accel tcg).
 */
typedef enum line_kind {
    L_KEY,
    L_BINARY,
    L_TARGET,
    L_ARCH,
    L_VERSION,
    L_PACKAGE,
    L_FLAGS,
    L_SEV_CPU0,
    L_SGX_SECTION,
    L_TYPE,
    L_PCITYPE,
    L_CMD,
    L_TPM_MODEL,
    L_TPM_TYPE,
    L_FALIAS,
    L_CPUPROP,
    L_ACCEL,
    L_MACHINE,
    L_CPU,   /* with its unavail lines */
    L_MODEL, /* with its mfeat lines */
    L_HV,
    L_HOSTMODEL,
    L_HMREQ,
    L_HMDIS,
    L_MAX,
} line_kind;

static const struct {
    const char *tag;
    bool repeatable;
    size_t nwords; /* including the tag */
} line_kinds[L_MAX] = {
    [L_KEY] = {"key", true, 3},
    [L_BINARY] = {"binary", false, 2},
    [L_TARGET] = {"target", false, 2},
    [L_ARCH] = {"arch", false, 2},
    [L_VERSION] = {"version", false, 4},
    [L_PACKAGE] = {"package", false, 2},
    [L_FLAGS] = {"flags", false, 26},
    [L_SEV_CPU0] = {"sev_cpu0", false, 2},
    [L_SGX_SECTION] = {"sgx_section", true, 3},
    [L_TYPE] = {"type", true, 2},
    [L_PCITYPE] = {"pcitype", true, 2},
    [L_CMD] = {"cmd", true, 2},
    [L_TPM_MODEL] = {"tpm_model", true, 2},
    [L_TPM_TYPE] = {"tpm_type", true, 2},
    [L_FALIAS] = {"falias", true, 2},
    [L_CPUPROP] = {"cpuprop", true, 2},
    [L_ACCEL] = {"accel", false, 6},
    [L_MACHINE] = {"machine", true, 8},
    [L_CPU] = {"cpu", true, 7},
    [L_MODEL] = {"model", true, 3},
    [L_HV] = {"hv", true, 2},
    [L_HOSTMODEL] = {"hostmodel", false, 6},
    [L_HMREQ] = {"hmreq", true, 2},
    [L_HMDIS] = {"hmdis", true, 2},
};

/* More key lines than any domcaps writes is damage; it also bounds the key comparison. */
#define DC_CACHE_MAX_KEYS 64

typedef struct parser {
    dc_qemu_caps *c;
    dc_cache_key key;
    dc_qemu_accel *a; /* the section being read; NULL at the top */
    dc_qemu_cpudef *cpu;
    dc_qemu_cpuexp *model;
    size_t cpus_alloc, machines_alloc, models_alloc;
    dc_strv req, dis;
    int section; /* 0 top, 1 accel kvm, 2 accel tcg */
    int last;    /* the kind of the previous line, -1 before the first */
    bool seen[L_MAX];
} parser;

/* An 'unavail' or 'mfeat' line: the lists inside a cpu or model belong to it. */
static const char *parse_sublist(parser *ps, words *ws)
{
    const char *tag = ws->w[0];
    bool unavail = tag[0] == 'u';
    if (ps->last != (unavail ? L_CPU : L_MODEL))
        return unavail ? "an 'unavail' line outside a cpu" : "an 'mfeat' line outside a model";
    if (ws->n != 2 || !ws->w[1])
        return unavail ? "malformed 'unavail' line" : "malformed 'mfeat' line";
    dc_strv_add(unavail ? &ps->cpu->unavailable : &ps->model->features, ws->w[1]);
    return NULL;
}

/* An 'accel NAME' line, opening the kvm or the tcg section. */
static const char *parse_accel(parser *ps, words *ws, char **ret_alloc)
{
    const char *name = ws->w[1] ? ws->w[1] : "";
    int want = streq(name, "kvm") ? 1 : streq(name, "tcg") ? 2 : 0;
    if (!want)
        return "an accel section other than kvm or tcg";
    if (want <= ps->section) {
        *ret_alloc = xasprintf("repeated 'accel %s' section", name);
        return *ret_alloc;
    }
    if (want != ps->section + 1)
        return "the 'accel tcg' section before 'accel kvm'";
    if (ps->a && !ps->seen[L_HOSTMODEL])
        return "an accel section without a 'hostmodel' line";
    take_host_model_lists(ps->a, &ps->req, &ps->dis);
    dc_qemu_accel *a = want == 1 ? &ps->c->kvm : &ps->c->tcg;
    if (!num_bool(ws->w[2], &a->probed) || !num_bool(ws->w[3], &a->have_cpu_defs) ||
        !num_bool(ws->w[4], &a->hyperv_valid) || !num_uint(ws->w[5], &a->phys_bits))
        return "bad number in an 'accel' line";
    ps->a = a;
    ps->section = want;
    ps->cpu = NULL;
    ps->model = NULL;
    ps->cpus_alloc = ps->machines_alloc = ps->models_alloc = 0;
    memset(ps->seen, 0, sizeof(ps->seen));
    ps->seen[L_ACCEL] = true;
    ps->last = L_ACCEL;
    return NULL;
}

/* Whether a line of kind k may come here (section, grouping, order); records it when so. */
static const char *check_order(parser *ps, line_kind k, const char *tag, char **ret_alloc)
{
    if ((k < L_ACCEL) != (ps->section == 0)) {
        *ret_alloc = xasprintf(k < L_ACCEL ? "a '%s' line inside an accel section"
                                           : "a '%s' line before the accel sections",
                               tag);
        return *ret_alloc;
    }
    if (ps->seen[k] && !(line_kinds[k].repeatable && ps->last == (int)k)) {
        *ret_alloc = xasprintf(
            line_kinds[k].repeatable ? "'%s' lines not kept together" : "repeated '%s' line", tag);
        return *ret_alloc;
    }
    for (size_t later = k + 1; later < L_MAX; later++)
        if (ps->seen[later]) {
            *ret_alloc = xasprintf("a '%s' line after '%s'", tag, line_kinds[later].tag);
            return *ret_alloc;
        }
    ps->seen[k] = true;
    ps->last = (int)k;
    return NULL;
}

/* The 'flags' line: QEMU's yes/no answers and a few numbers, in a fixed order. */
static const char *parse_flags(dc_qemu_caps *c, words *ws, char **ret_alloc)
{
    bool *b[] = {&c->kvm_enabled,
                 &c->schema_sdl,
                 &c->schema_egl_headless,
                 &c->schema_dbus,
                 &c->schema_netdev_user,
                 &c->schema_netdev_stream,
                 &c->schema_vdagent,
                 &c->cl_spice,
                 &c->cl_async_teardown,
                 &c->have_tpm_query,
                 &c->gic_valid,
                 NULL,
                 NULL,
                 &c->sev_valid,
                 NULL,
                 NULL,
                 &c->sgx_valid,
                 &c->sgx_flc,
                 &c->sgx_sgx1,
                 &c->sgx_sgx2,
                 NULL,
                 &c->max_cpu_migratable,
                 &c->none_machine_cgs,
                 &c->pc_machine_i8042,
                 &c->memfd_hugetlb};
    static_assert(ELEMENTSOF(b) == 25, "the flags line has 25 numbers");
    unsigned *u[] = {[11] = &c->gic_kernel,
                     [12] = &c->gic_emulated,
                     [14] = &c->sev_cbitpos,
                     [15] = &c->sev_reduced_phys_bits};
    for (size_t i = 0; i < ELEMENTSOF(b); i++) {
        const char *s = ws->w[i + 1];
        bool ok = b[i]                        ? num_bool(s, b[i])
                  : i < ELEMENTSOF(u) && u[i] ? num_uint(s, u[i])
                                              : num_u64(s, &c->sgx_section_size);
        if (!ok) {
            *ret_alloc = xasprintf("bad number %zu in the 'flags' line", i + 1);
            return *ret_alloc;
        }
    }
    return NULL;
}

/* A 'machine' line of the section. */
static const char *parse_machine(parser *ps, words *ws)
{
    dc_qemu_accel *a = ps->a;
    dc_qemu_machine m = {0};
    if (!num_uint(ws->w[1], &m.cpu_max) || !num_bool(ws->w[2], &m.is_default) ||
        !num_bool(ws->w[3], &m.deprecated) || !num_range(ws->w[4], -1, 1, &m.acpi))
        return "bad number in a 'machine' line";
    if (!ws->w[5])
        return "a 'machine' line without a name";
    if (a->nmachines == ps->machines_alloc) {
        ps->machines_alloc = ps->machines_alloc ? ps->machines_alloc * 2 : 64;
        a->machines = xrealloc(a->machines, ps->machines_alloc * sizeof(*a->machines));
    }
    m.name = xstrdup(ws->w[5]);
    m.alias = dupn(ws->w[6]);
    m.default_cpu_type = dupn(ws->w[7]);
    a->machines[a->nmachines++] = m;
    return NULL;
}

/* A 'cpu' line: a CPU definition of the section (its 'unavail' lines follow). */
static const char *parse_cpu(parser *ps, words *ws)
{
    dc_qemu_accel *a = ps->a;
    dc_qemu_cpudef d = {0};
    if (!num_range(ws->w[1], -1, 1, &d.usable) || !num_bool(ws->w[2], &d.deprecated))
        return "bad number in a 'cpu' line";
    if (!ws->w[3])
        return "a 'cpu' line without a name";
    if (a->ncpus == ps->cpus_alloc) {
        ps->cpus_alloc = ps->cpus_alloc ? ps->cpus_alloc * 2 : 64;
        a->cpus = xrealloc(a->cpus, ps->cpus_alloc * sizeof(*a->cpus));
    }
    d.name = xstrdup(ws->w[3]);
    d.alias_of = dupn(ws->w[4]);
    d.vendor = dupn(ws->w[5]);
    d.typename = dupn(ws->w[6]);
    ps->cpu = &a->cpus[a->ncpus++];
    *ps->cpu = d;
    return NULL;
}

/* A 'model' line: a model's expansion (its 'mfeat' lines follow). */
static const char *parse_model(parser *ps, words *ws)
{
    dc_qemu_accel *a = ps->a;
    if (!ws->w[1])
        return "a 'model' line without a name";
    if (a->nmodels == ps->models_alloc) {
        ps->models_alloc = ps->models_alloc ? ps->models_alloc * 2 : 64;
        a->models = xrealloc(a->models, ps->models_alloc * sizeof(*a->models));
    }
    ps->model = &a->models[a->nmodels++];
    *ps->model = (dc_qemu_cpuexp){.name = xstrdup(ws->w[1]), .vendor = dupn(ws->w[2])};
    return NULL;
}

/* The section's 'hostmodel' line. */
static const char *parse_hostmodel(parser *ps, words *ws)
{
    dc_qemu_accel *a = ps->a;
    dc_host_model *hm = &a->host_model;
    int supported;
    if (!num_range(ws->w[1], DC_ABSENT, DC_YES, &supported) ||
        !num_bool(ws->w[2], &hm->fallback_allow) || !num_uint(ws->w[3], &hm->maxphysaddr_limit))
        return "bad number in a 'hostmodel' line";
    hm->supported = (dc_tristate)supported;
    hm->model = dupn(ws->w[4]);
    hm->vendor = dupn(ws->w[5]);
    return NULL;
}

/* One line; returns NULL or what is wrong with it (a static string or *ret_alloc). */
/* A 'key' line: one input the entry is valid for. */
static const char *parse_key(parser *ps, words *ws, char **ret_alloc)
{
    if (!ws->w[1] || !ws->w[2])
        return "malformed 'key' line";
    if (ps->key.names.n == DC_CACHE_MAX_KEYS)
        return "too many 'key' lines";
    if (dc_strv_contains(&ps->key.names, ws->w[1])) {
        *ret_alloc = xasprintf("repeated key '%s'", ws->w[1]);
        return *ret_alloc;
    }
    dc_strv_add(&ps->key.names, ws->w[1]);
    dc_strv_add(&ps->key.values, ws->w[2]);
    return NULL;
}

/* An 'sgx_section' line: one EPC section. */
static const char *parse_sgx_section(dc_qemu_caps *c, words *ws)
{
    unsigned node;
    unsigned long long size;
    if (!num_uint(ws->w[1], &node) || !num_u64(ws->w[2], &size))
        return "bad number in an 'sgx_section' line";
    c->sgx_sections = xrealloc(c->sgx_sections, (c->sgx_nsections + 1) * sizeof(*c->sgx_sections));
    c->sgx_sections[c->sgx_nsections].node = node;
    c->sgx_sections[c->sgx_nsections++].size = size;
    return NULL;
}

/* A line adding one string to a list: types, commands, TPM models, hv-* properties, ... */
static const char *parse_list(parser *ps, line_kind k, words *ws, char **ret_alloc)
{
    const char *tag = ws->w[0];
    dc_qemu_caps *c = ps->c;
    dc_qemu_accel *a = ps->a;
    if (!ws->w[1]) {
        *ret_alloc = xasprintf("malformed '%s' line", tag);
        return *ret_alloc;
    }
    dc_strv *sv = k == L_TYPE        ? &c->types
                  : k == L_PCITYPE   ? &c->pci_types
                  : k == L_CMD       ? &c->commands
                  : k == L_TPM_MODEL ? &c->tpm_models
                  : k == L_TPM_TYPE  ? &c->tpm_types
                  : k == L_FALIAS    ? &c->feature_aliases
                  : k == L_CPUPROP   ? &c->cpu_props
                  : k == L_HV        ? &a->hyperv
                  : k == L_HMREQ     ? &ps->req
                                     : &ps->dis;
    dc_strv_add(sv, ws->w[1]);
    return NULL;
}

static const char *parse_line(parser *ps, words *ws, char **ret_alloc)
{
    const char *tag = ws->w[0];
    if (!tag)
        return "a line without a tag";
    /* Most lines of an entry are per-model lists: look for those first. */
    if (streq(tag, "unavail") || streq(tag, "mfeat"))
        return parse_sublist(ps, ws);
    line_kind k = L_MAX;
    for (size_t i = 0; i < L_MAX && k == L_MAX; i++)
        if (streq(tag, line_kinds[i].tag))
            k = (line_kind)i;
    if (k == L_MAX)
        return "unexpected line";
    if (ws->n != line_kinds[k].nwords) {
        *ret_alloc = xasprintf("malformed '%s' line (%zu words, expected %zu)", tag, ws->n,
                               line_kinds[k].nwords);
        return *ret_alloc;
    }
    if (k == L_ACCEL)
        return parse_accel(ps, ws, ret_alloc);
    const char *bad = check_order(ps, k, tag, ret_alloc);
    if (bad)
        return bad;

    dc_qemu_caps *c = ps->c;
    switch (k) {
    case L_KEY:
        return parse_key(ps, ws, ret_alloc);
    case L_BINARY:
    case L_TARGET:
    case L_ARCH:
    case L_SEV_CPU0:
        if (!ws->w[1]) {
            *ret_alloc = xasprintf("malformed '%s' line", tag);
            return *ret_alloc;
        }
        *(k == L_BINARY   ? &c->binary
          : k == L_TARGET ? &c->target
          : k == L_ARCH   ? &c->arch
                          : &c->sev_cpu0_id) = xstrdup(ws->w[1]);
        return NULL;
    case L_VERSION:
        if (!num_range(ws->w[1], 0, INT_MAX, &c->version_major) ||
            !num_range(ws->w[2], 0, INT_MAX, &c->version_minor) ||
            !num_range(ws->w[3], 0, INT_MAX, &c->version_micro))
            return "bad number in the 'version' line";
        return NULL;
    case L_PACKAGE:
        c->package = xstrdup(ws->w[1] ? ws->w[1] : "");
        return NULL;
    case L_FLAGS:
        return parse_flags(c, ws, ret_alloc);
    case L_SGX_SECTION:
        return parse_sgx_section(c, ws);
    case L_TYPE:
    case L_PCITYPE:
    case L_CMD:
    case L_TPM_MODEL:
    case L_TPM_TYPE:
    case L_FALIAS:
    case L_CPUPROP:
    case L_HV:
    case L_HMREQ:
    case L_HMDIS:
        return parse_list(ps, k, ws, ret_alloc);
    case L_MACHINE:
        return parse_machine(ps, ws);
    case L_CPU:
        return parse_cpu(ps, ws);
    case L_MODEL:
        return parse_model(ps, ws);
    case L_HOSTMODEL:
        return parse_hostmodel(ps, ws);
    case L_ACCEL:
    case L_MAX:
        break;
    }
    return "unexpected line";
}

/* The line number (1-based) of offset off in text. */
static unsigned line_of(const char *text, size_t off)
{
    unsigned n = 1;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + off - p))); p++)
        n++;
    return n;
}

/*
 * The envelope: the header (format version), the end marker and the checksum
 * line before it. Returns 0 with *ret_tail at the checksum line, -ESTALE for
 * another format version, -EBADMSG for a damaged entry.
 */
static int check_envelope(const char *text, size_t len, const char **ret_tail, dc_error *err)
{
    /* The header first: an entry of another format is stale, whatever else it holds. */
    const char *nl = memchr(text, '\n', len);
    size_t hlen = nl ? (size_t)(nl - text) : len;
    _cleanup_free_ char *header = xstrndup(text, hlen);
    const char *sp = strchr(header, ' ');
    unsigned fmt;
    if (!sp || strlen(header) != hlen || (size_t)(sp - header) != strlen(DC_CACHE_MAGIC) ||
        !startswith(header, DC_CACHE_MAGIC) || dc_parse_uint(sp + 1, 10, &fmt) < 0) {
        return dc_error_set(err, -EBADMSG, "not a domcaps cache entry (line 1)");
    }
    if (memchr(text, '\0', len)) {
        return dc_error_set(err, -EBADMSG, "a NUL byte (line %u)",
                            line_of(text, (size_t)((const char *)memchr(text, '\0', len) - text)));
    }

    /* The tail: "checksum sha256 HEX\nend\n" and nothing after it. */
    static const char end[] = "\n" DC_CACHE_END "\n";
    const size_t endlen = sizeof(end) - 1;
    bool has_end = len >= endlen && memcmp(text + len - endlen, end, endlen) == 0;
    const char *tail = NULL; /* the checksum line */
    char want[65] = "";
    if (has_end) {
        size_t ck = len - endlen; /* the newline ending the checksum line */
        size_t start = ck;
        while (start > 0 && text[start - 1] != '\n')
            start--;
        static const char prefix[] = DC_CACHE_CHECKSUM " " DC_CACHE_DIGEST " ";
        const size_t plen = sizeof(prefix) - 1;
        if (ck - start == plen + 64 && memcmp(text + start, prefix, plen) == 0) {
            tail = text + start;
            memcpy(want, text + start + plen, 64);
        }
    }
    if (fmt != DC_CACHE_FORMAT) {
        char got[65];
        if (tail)
            dc_sha256_hex(text, (size_t)(tail - text), got);
        if (!tail || streq(got, want)) {
            return dc_error_set(err, -ESTALE, "written by another domcaps version (line 1)");
        }
    }
    if (!has_end) {
        const char *early = memmem(text, len, end, endlen);
        return dc_error_take(
            err, -EBADMSG,
            early ? xasprintf("data after the end marker (line %u)",
                              line_of(text, (size_t)(early - text)) + 2)
                  : xasprintf("truncated (no end marker) (line %u)", line_of(text, len)));
    }
    if (!tail) {
        return dc_error_set(err, -EBADMSG, "no checksum line before the end marker (line %u)",
                            line_of(text, len - endlen));
    }
    char got[65];
    dc_sha256_hex(text, (size_t)(tail - text), got);
    if (!streq(got, want)) {
        return dc_error_set(err, -EBADMSG, "checksum mismatch: the entry was damaged (line %u)",
                            line_of(text, (size_t)(tail - text)));
    }
    *ret_tail = tail;
    return 0;
}

/* The body, line by line after the header, in copy (the entry up to its checksum line). */
static int parse_body(char *copy, dc_cache_key *ret_key, dc_qemu_caps **ret, dc_error *err)
{
    parser ps = {.c = xcalloc(1, sizeof(dc_qemu_caps)), .last = -1};
    unsigned lineno = 1;
    const char *bad = NULL;
    _cleanup_free_ char *err_alloc = NULL;
    for (char *line = strchr(copy, '\n') + 1, *next; *line && !bad; line = next) {
        char *eol = strchr(line, '\n'); /* the body ends with a newline */
        *eol = '\0';
        next = eol + 1;
        lineno++;
        words ws;
        if (!split(line, &ws))
            bad = "malformed line (empty word, bad escape or too many words)";
        else
            bad = parse_line(&ps, &ws, &err_alloc);
    }
    if (!bad) {
        lineno++;
        if (ps.section != 2)
            bad = "the accel sections are missing";
        else if (!ps.seen[L_HOSTMODEL])
            bad = "an accel section without a 'hostmodel' line";
        else if (!ps.key.names.n)
            bad = "no 'key' line";
        else if (!ps.c->binary || !ps.c->target || !ps.c->arch || !ps.c->package)
            bad = "incomplete entry";
    }
    if (!bad)
        take_host_model_lists(ps.a, &ps.req, &ps.dis);
    dc_strv_clear(&ps.req);
    dc_strv_clear(&ps.dis);
    if (bad) {
        dc_error_set(err, -EBADMSG, "%s (line %u)", bad, lineno);
        dc_qemu_caps_free(ps.c);
        dc_cache_key_clear(&ps.key);
        return -EBADMSG;
    }
    /* The writer kept these sorted; lookups rely on it. */
    dc_strv_sort(&ps.c->types);
    dc_strv_sort(&ps.c->pci_types);
    dc_strv_sort(&ps.c->commands);
    dc_strv_sort(&ps.c->cpu_props);
    *ret_key = ps.key;
    *ret = ps.c;
    return 0;
}

int dc_cache_parse(const char *text, size_t len, dc_cache_key *ret_key, dc_qemu_caps **ret,
                   dc_error *err)
{
    const char *tail = NULL;
    int r = check_envelope(text, len, &tail, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *copy = xstrndup(text, (size_t)(tail - text));
    return parse_body(copy, ret_key, ret, err);
}

/* ---- load and store ------------------------------------------------------------ */

dc_cache_status dc_cache_load(const char *dir, const char *binary, const dc_cache_key *key,
                              dc_qemu_caps **ret, char **ret_why)
{
    _cleanup_free_ char *path = entry_path(dir, binary, key_root(key));
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return DC_CACHE_MISSING;
    _cleanup_free_ char *text = NULL;
    size_t len;
    int r = dc_read_fd(fd, DC_CACHE_MAX, &text, &len);
    if (r < 0) {
        *ret_why = xasprintf("cannot read %s: %s", path, strerror(-r));
        return DC_CACHE_CORRUPT;
    }
    dc_cache_key stored = {0};
    dc_qemu_caps *c = NULL;
    _cleanup_error_ dc_error why = DC_ERROR_INIT;
    int pr = dc_cache_parse(text, len, &stored, &c, &why);
    if (pr < 0) {
        *ret_why = xasprintf("%s: %s", path, why.message);
        return pr == -ESTALE ? DC_CACHE_STALE : DC_CACHE_CORRUPT;
    }
    dc_cache_status st = DC_CACHE_HIT;
    for (size_t i = 0; i < key->names.n && st == DC_CACHE_HIT; i++) {
        const char *was = NULL;
        for (size_t j = 0; j < stored.names.n; j++)
            if (streq(stored.names.v[j], key->names.v[i]))
                was = stored.values.v[j];
        if (!was || !streq(was, key->values.v[i])) {
            *ret_why = xasprintf("%s changed (was '%s', now '%s')", key->names.v[i],
                                 was ? was : "(not recorded)", key->values.v[i]);
            st = DC_CACHE_STALE;
        }
    }
    if (st == DC_CACHE_HIT && !streq(c->binary, binary)) {
        *ret_why = xasprintf("%s: the entry belongs to %s", path, c->binary);
        st = DC_CACHE_CORRUPT;
    }
    dc_cache_key_clear(&stored);
    if (st != DC_CACHE_HIT) {
        dc_qemu_caps_free(c);
        return st;
    }
    *ret = c;
    return DC_CACHE_HIT;
}

/* ---- explanation ---------------------------------------------------------------- */

/* The value of name in key, or NULL. */
static const char *key_value(const dc_cache_key *key, const char *name)
{
    for (size_t i = 0; i < key->names.n; i++)
        if (streq(key->names.v[i], name))
            return key->values.v[i];
    return NULL;
}

/* Each stored input beside its value now (now NULL: the emulator cannot be examined). */
static void explain_inputs(const dc_cache_key *stored, const dc_cache_key *now,
                           dc_cache_explanation *e)
{
    e->inputs = xcalloc(stored->names.n ? stored->names.n : 1, sizeof(dc_cache_input));
    for (size_t i = 0; i < stored->names.n; i++) {
        const char *cur = now ? key_value(now, stored->names.v[i]) : NULL;
        dc_cache_input *in = &e->inputs[e->ninputs++];
        in->name = xstrdup(stored->names.v[i]);
        in->stored = xstrdup(stored->values.v[i]);
        in->current = cur ? xstrdup(cur) : NULL;
        in->holds = cur && streq(cur, stored->values.v[i]);
        e->nchanged += !in->holds;
    }
}

int dc_cache_explain(const char *path, const dc_root *root, dc_cache_explanation *ret)
{
    *ret = (dc_cache_explanation){.path = xstrdup(path), .verdict = DC_CACHE_UNREADABLE};
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = fd < 0 ? -errno : dc_read_fd(fd, 64u << 20, &text, &len);
    if (r < 0) {
        ret->why = xstrdup(strerror(-r));
        return r;
    }
    dc_cache_key stored = {0}, now = {0};
    dc_qemu_caps *qc = NULL;
    dc_error e = DC_ERROR_INIT;
    r = dc_cache_parse(text, len, &stored, &qc, &e);
    if (r < 0) {
        ret->why = dc_error_steal(&e);
        ret->verdict = DC_CACHE_UNPARSABLE;
        return r;
    }
    ret->emulator = xstrdup(qc->binary);
    ret->arch = xstrdup(qc->arch);
    ret->version_major = qc->version_major;
    ret->version_minor = qc->version_minor;
    ret->version_micro = qc->version_micro;
    bool have_now = dc_cache_key_compute(qc->binary, root, &now) == 0;
    explain_inputs(&stored, have_now ? &now : NULL, ret);
    ret->verdict = !have_now       ? DC_CACHE_UNEXAMINABLE
                   : ret->nchanged ? DC_CACHE_CHANGED
                                   : DC_CACHE_VALID;
    dc_cache_key_clear(&stored);
    dc_cache_key_clear(&now);
    dc_qemu_caps_free(qc);
    return 0;
}

void dc_cache_explanation_clear(dc_cache_explanation *e)
{
    for (size_t i = 0; i < e->ninputs; i++) {
        free(e->inputs[i].name);
        free(e->inputs[i].stored);
        free(e->inputs[i].current);
    }
    free(e->inputs);
    free(e->path);
    free(e->why);
    free(e->emulator);
    free(e->arch);
    *e = (dc_cache_explanation){0};
}

/* A writer's temporary file: "<entry>.caps.XXXXXX" as mkostemp names it. */
static bool is_temporary(const char *name)
{
    size_t n = strlen(name);
    static const char mid[] = ".caps.";
    const size_t ml = sizeof(mid) - 1;
    if (n < ml + 6 + 1 || memcmp(name + n - 6 - ml, mid, ml) != 0)
        return false;
    for (const char *p = name + n - 6; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

size_t dc_cache_remove_leftovers(const char *dir, time_t now)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t removed = 0;
    for (struct dirent *de; (de = readdir(d));) {
        struct stat st;
        if (!is_temporary(de->d_name) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        /* A live writer renames its file within moments; only an old one was abandoned. */
        if (st.st_mtime > now - DC_CACHE_LEFTOVER_AGE)
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
            removed++;
    }
    return removed;
}

int dc_cache_store(const char *dir, const char *binary, const dc_cache_key *key,
                   const dc_qemu_caps *caps)
{
    _cleanup_free_ char *path = entry_path(dir, binary, key_root(key));
    _cleanup_free_ char *text = dc_cache_serialize(key, caps);
    dc_cache_remove_leftovers(dir, time(NULL));
    return dc_write_file_atomic(path, text, strlen(text));
}

static int mkdir_p(const char *dir)
{
    _cleanup_free_ char *p = xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return -errno;
        *s = '/';
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int dc_probe_cached(const dc_probe_opts *opts, const dc_root *root, const char *cache_dir,
                    dc_diag *diag, dc_qemu_caps **ret, dc_error *err)
{
    dc_cache_key key = {0};
    bool use = cache_dir && !opts->replay && !opts->record &&
               dc_cache_key_compute(opts->binary, root, &key) == 0;
    if (use) {
        _cleanup_free_ char *why = NULL;
        dc_cache_status st = dc_cache_load(cache_dir, opts->binary, &key, ret, &why);
        if (st == DC_CACHE_HIT) {
            dc_cache_key_clear(&key);
            return 0;
        }
        if (st == DC_CACHE_CORRUPT)
            dc_diag_warn(diag, "discarding cache entry: %s", why);
    }
    int r = dc_qemu_probe(opts, ret, err);
    if (r == 0 && use && mkdir_p(cache_dir) == 0) {
        /* An unwritable cache means no cache, not a failure. */
        dc_cache_store(cache_dir, opts->binary, &key, *ret);
    }
    dc_cache_key_clear(&key);
    return r;
}
