/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cache.h"

#include <fcntl.h>
#include <sys/utsname.h>

#include "domcaps/domcaps.h"

/*
 * Bumped whenever dc_qemu_caps, this format or the meaning of a stored answer
 * changes. 4: generic-pc-machine's i8042 and the max CPU's migratable are
 * asked for whether or not qom-list-types lists the class; host-model is
 * chosen among models of the host's own vendor. 5: the per-model static
 * expansions and QEMU's CPU feature names are kept for the checker.
 */
#define DC_CACHE_FORMAT 5
#define DC_CACHE_MAGIC "domcaps-cache"
#define DC_CACHE_MAX (64u << 20)

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
static char *module_dir_stamp(void)
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
        if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
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
    _cleanup_free_ char *moddir = module_dir_stamp();
    key_add(&k, "module-dir", moddir);
    _cleanup_free_ char *self = xasprintf("%s/%d", DC_VERSION, DC_CACHE_FORMAT);
    key_add(&k, "domcaps", self);

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

char *dc_cache_entry_path(const char *dir, const char *binary)
{
    /* FNV-1a of the path; the path itself is stored and compared on load. */
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)binary; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
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
    return xasprintf("%s/%s-%016llx.caps", dir, clean, (unsigned long long)h);
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
    dc_buf_add(&b, "end\n");
    return dc_buf_steal(&b);
}

/* ---- parsing ------------------------------------------------------------------- */

typedef struct words {
    char *w[32];
    size_t n;
} words;

/* Splits a line in place and unescapes each word; "%-" is NULL. */
static void split(char *line, words *ws)
{
    ws->n = 0;
    char *p = line;
    while (*p && ws->n < ELEMENTSOF(ws->w)) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *t = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = '\0';
        if (t[0] == '%' && t[1] == '-' && !t[2]) {
            ws->w[ws->n++] = NULL;
            continue;
        }
        if (t[0] == '%' && t[1] == '0' && !t[2]) {
            t[0] = '\0'; /* the empty string */
            ws->w[ws->n++] = t;
            continue;
        }
        if (strchr(t, '%')) {
            char *o = t;
            for (char *i = t; *i; i++) {
                if (*i == '%' && i[1] && i[2]) {
                    char hex[3] = {i[1], i[2], 0};
                    *o++ = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else {
                    *o++ = *i;
                }
            }
            *o = '\0';
        }
        ws->w[ws->n++] = t;
    }
}

static char *dupn(const char *s) { return s ? xstrdup(s) : NULL; }

/* Hands the collected host-model feature lists to the accelerator they belong to. */
static void take_host_model_lists(dc_qemu_accel *a, dc_strv *req, dc_strv *dis)
{
    if (!a) {
        dc_strv_clear(req);
        dc_strv_clear(dis);
        return;
    }
    if (a->host_model.supported == DC_YES) {
        a->host_model.require = req->v ? req->v : xcalloc(1, sizeof(char *));
        a->host_model.disable = dis->v ? dis->v : xcalloc(1, sizeof(char *));
        *req = (dc_strv){0};
        *dis = (dc_strv){0};
    }
    dc_strv_clear(req);
    dc_strv_clear(dis);
}

static bool to_int(const char *s, long long *ret)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *ret = v;
    return true;
}

int dc_cache_parse(const char *text, size_t len, dc_cache_key *ret_key, dc_qemu_caps **ret,
                   char **ret_why)
{
    _cleanup_free_ char *copy = xstrndup(text, len);
    dc_qemu_caps *c = xcalloc(1, sizeof(*c));
    dc_cache_key key = {0};
    dc_qemu_accel *a = NULL;
    dc_qemu_cpudef *cpu = NULL;
    dc_qemu_cpuexp *model = NULL;
    size_t models_alloc = 0;
    dc_strv req = {0}, dis = {0}; /* the host-model lists of accelerator a */
    size_t cpus_alloc = 0, machines_alloc = 0;
    bool ended = false, header = false;
    unsigned lineno = 0;
    const char *err = NULL;

    for (char *line = copy, *next; line && *line && !err && !ended; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        words ws;
        split(line, &ws);
        if (ws.n == 0 || !ws.w[0]) {
            err = "empty line";
            break;
        }
        const char *tag = ws.w[0];
        long long v[26];
        /* The bulk of an entry: QOM types and unavailable CPU features. */
        if (header && ws.n == 2 && ws.w[1] && tag[0] == 't' && streq(tag, "type")) {
            dc_strv_add(&c->types, ws.w[1]);
            continue;
        }
        if (header && ws.n == 2 && ws.w[1] && cpu && tag[0] == 'u' && streq(tag, "unavail")) {
            dc_strv_add(&cpu->unavailable, ws.w[1]);
            continue;
        }
        if (header && ws.n == 2 && ws.w[1] && model && tag[0] == 'm' && streq(tag, "mfeat")) {
            dc_strv_add(&model->features, ws.w[1]);
            continue;
        }
        if (!header) {
            long long fmt;
            if (!streq(tag, DC_CACHE_MAGIC) || ws.n != 2 || !to_int(ws.w[1], &fmt))
                err = "not a domcaps cache entry";
            else if (fmt != DC_CACHE_FORMAT)
                err = "written by another domcaps version";
            header = true;
        } else if (streq(tag, "key") && ws.n == 3 && ws.w[1] && ws.w[2]) {
            dc_strv_add(&key.names, ws.w[1]);
            dc_strv_add(&key.values, ws.w[2]);
        } else if (streq(tag, "binary") && ws.n == 2 && ws.w[1]) {
            c->binary = xstrdup(ws.w[1]);
        } else if (streq(tag, "target") && ws.n == 2 && ws.w[1]) {
            c->target = xstrdup(ws.w[1]);
        } else if (streq(tag, "arch") && ws.n == 2 && ws.w[1]) {
            c->arch = xstrdup(ws.w[1]);
        } else if (streq(tag, "version") && ws.n == 4 && to_int(ws.w[1], &v[0]) &&
                   to_int(ws.w[2], &v[1]) && to_int(ws.w[3], &v[2])) {
            c->version_major = (int)v[0], c->version_minor = (int)v[1],
            c->version_micro = (int)v[2];
        } else if (streq(tag, "package") && ws.n == 2) {
            c->package = dupn(ws.w[1] ? ws.w[1] : "");
        } else if (streq(tag, "flags") && ws.n == 26) {
            for (size_t i = 0; i < 25 && !err; i++)
                if (!to_int(ws.w[i + 1], &v[i]))
                    err = "bad flags line";
            if (err)
                break;
            c->kvm_enabled = v[0], c->schema_sdl = v[1], c->schema_egl_headless = v[2];
            c->schema_dbus = v[3], c->schema_netdev_user = v[4], c->schema_netdev_stream = v[5];
            c->schema_vdagent = v[6], c->cl_spice = v[7], c->cl_async_teardown = v[8];
            c->have_tpm_query = v[9], c->gic_valid = v[10], c->gic_kernel = (unsigned)v[11];
            c->gic_emulated = (unsigned)v[12], c->sev_valid = v[13];
            c->sev_cbitpos = (unsigned)v[14], c->sev_reduced_phys_bits = (unsigned)v[15];
            c->sgx_valid = v[16], c->sgx_flc = v[17], c->sgx_sgx1 = v[18], c->sgx_sgx2 = v[19];
            c->sgx_section_size = (unsigned long long)v[20], c->max_cpu_migratable = v[21];
            c->none_machine_cgs = v[22], c->pc_machine_i8042 = v[23], c->memfd_hugetlb = v[24];
        } else if (streq(tag, "sev_cpu0") && ws.n == 2) {
            c->sev_cpu0_id = dupn(ws.w[1]);
        } else if (streq(tag, "sgx_section") && ws.n == 3 && to_int(ws.w[1], &v[0]) &&
                   to_int(ws.w[2], &v[1])) {
            c->sgx_sections =
                xrealloc(c->sgx_sections, (c->sgx_nsections + 1) * sizeof(*c->sgx_sections));
            c->sgx_sections[c->sgx_nsections].node = (unsigned)v[0];
            c->sgx_sections[c->sgx_nsections++].size = (unsigned long long)v[1];
        } else if (streq(tag, "pcitype") && ws.n == 2 && ws.w[1]) {
            dc_strv_add(&c->pci_types, ws.w[1]);
        } else if ((streq(tag, "type") || streq(tag, "cmd") || streq(tag, "tpm_model") ||
                    streq(tag, "tpm_type") || streq(tag, "falias") || streq(tag, "cpuprop")) &&
                   ws.n == 2 && ws.w[1]) {
            dc_strv *sv = streq(tag, "type")        ? &c->types
                          : streq(tag, "cmd")       ? &c->commands
                          : streq(tag, "tpm_model") ? &c->tpm_models
                          : streq(tag, "tpm_type")  ? &c->tpm_types
                          : streq(tag, "cpuprop")   ? &c->cpu_props
                                                    : &c->feature_aliases;
            dc_strv_add(sv, ws.w[1]);
        } else if (streq(tag, "accel") && ws.n == 6 && ws.w[1] &&
                   (streq(ws.w[1], "kvm") || streq(ws.w[1], "tcg")) && to_int(ws.w[2], &v[0]) &&
                   to_int(ws.w[3], &v[1]) && to_int(ws.w[4], &v[2]) && to_int(ws.w[5], &v[3])) {
            take_host_model_lists(a, &req, &dis);
            a = streq(ws.w[1], "kvm") ? &c->kvm : &c->tcg;
            a->probed = v[0], a->have_cpu_defs = v[1], a->hyperv_valid = v[2];
            a->phys_bits = (unsigned)v[3];
            cpu = NULL;
            model = NULL;
            cpus_alloc = machines_alloc = models_alloc = 0;
        } else if (!a) {
            err = "data before the accelerator section";
        } else if (streq(tag, "machine") && ws.n == 8 && ws.w[5] && to_int(ws.w[1], &v[0]) &&
                   to_int(ws.w[2], &v[1]) && to_int(ws.w[3], &v[2]) && to_int(ws.w[4], &v[3])) {
            if (a->nmachines == machines_alloc) {
                machines_alloc = machines_alloc ? machines_alloc * 2 : 64;
                a->machines = xrealloc(a->machines, machines_alloc * sizeof(dc_qemu_machine));
            }
            a->machines[a->nmachines++] = (dc_qemu_machine){
                .cpu_max = (unsigned)v[0],
                .is_default = v[1],
                .deprecated = v[2],
                .acpi = (int)v[3],
                .name = xstrdup(ws.w[5]),
                .alias = dupn(ws.w[6]),
                .default_cpu_type = dupn(ws.w[7]),
            };
        } else if (streq(tag, "cpu") && ws.n == 7 && ws.w[3] && to_int(ws.w[1], &v[0]) &&
                   to_int(ws.w[2], &v[1])) {
            if (a->ncpus == cpus_alloc) {
                cpus_alloc = cpus_alloc ? cpus_alloc * 2 : 64;
                a->cpus = xrealloc(a->cpus, cpus_alloc * sizeof(dc_qemu_cpudef));
            }
            cpu = &a->cpus[a->ncpus++];
            *cpu = (dc_qemu_cpudef){.usable = (int)v[0],
                                    .deprecated = v[1],
                                    .name = xstrdup(ws.w[3]),
                                    .alias_of = dupn(ws.w[4]),
                                    .vendor = dupn(ws.w[5]),
                                    .typename = dupn(ws.w[6])};
        } else if (streq(tag, "model") && ws.n == 3 && ws.w[1]) {
            if (a->nmodels == models_alloc) {
                models_alloc = models_alloc ? models_alloc * 2 : 64;
                a->models = xrealloc(a->models, models_alloc * sizeof(dc_qemu_cpuexp));
            }
            model = &a->models[a->nmodels++];
            *model = (dc_qemu_cpuexp){.name = xstrdup(ws.w[1]), .vendor = dupn(ws.w[2])};
        } else if (streq(tag, "unavail") && ws.n == 2 && ws.w[1] && cpu) {
            dc_strv_add(&cpu->unavailable, ws.w[1]);
        } else if (streq(tag, "hostmodel") && ws.n == 6 && to_int(ws.w[1], &v[0]) &&
                   to_int(ws.w[2], &v[1]) && to_int(ws.w[3], &v[2])) {
            a->host_model.supported = (dc_tristate)v[0];
            a->host_model.fallback_allow = v[1];
            a->host_model.maxphysaddr_limit = (unsigned)v[2];
            a->host_model.model = dupn(ws.w[4]);
            a->host_model.vendor = dupn(ws.w[5]);
        } else if ((streq(tag, "hmreq") || streq(tag, "hmdis")) && ws.n == 2 && ws.w[1]) {
            dc_strv_add(streq(tag, "hmreq") ? &req : &dis, ws.w[1]);
        } else if (streq(tag, "hv") && ws.n == 2 && ws.w[1]) {
            dc_strv_add(&a->hyperv, ws.w[1]);
        } else if (streq(tag, "end") && ws.n == 1) {
            take_host_model_lists(a, &req, &dis);
            ended = true;
        } else {
            err = "unexpected line";
        }
    }
    dc_strv_clear(&req);
    dc_strv_clear(&dis);
    if (!err && !ended)
        err = "truncated (no end marker)";
    if (!err && (!c->binary || !c->target || !c->arch || !c->package))
        err = "incomplete entry";
    if (err) {
        *ret_why = xasprintf("%s (line %u)", err, lineno);
        dc_qemu_caps_free(c);
        dc_cache_key_clear(&key);
        /* An upgrade's leftover is stale, not damaged. */
        return streq(err, "written by another domcaps version") ? -ESTALE : -EBADMSG;
    }
    /* The writer kept these sorted; lookups rely on it. */
    dc_strv_sort(&c->types);
    dc_strv_sort(&c->pci_types);
    dc_strv_sort(&c->commands);
    dc_strv_sort(&c->cpu_props);
    *ret_key = key;
    *ret = c;
    return 0;
}

/* ---- load and store ------------------------------------------------------------ */

dc_cache_status dc_cache_load(const char *dir, const char *binary, const dc_cache_key *key,
                              dc_qemu_caps **ret, char **ret_why)
{
    _cleanup_free_ char *path = dc_cache_entry_path(dir, binary);
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
    _cleanup_free_ char *why = NULL;
    int pr = dc_cache_parse(text, len, &stored, &c, &why);
    if (pr < 0) {
        *ret_why = xasprintf("%s: %s", path, why);
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

int dc_cache_store(const char *dir, const char *binary, const dc_cache_key *key,
                   const dc_qemu_caps *caps)
{
    _cleanup_free_ char *path = dc_cache_entry_path(dir, binary);
    _cleanup_free_ char *text = dc_cache_serialize(key, caps);
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
                    dc_diag *diag, dc_qemu_caps **ret, char **ret_msg)
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
    int r = dc_qemu_probe(opts, ret, ret_msg);
    if (r == 0 && use && mkdir_p(cache_dir) == 0) {
        /* An unwritable cache means no cache, not a failure. */
        dc_cache_store(cache_dir, opts->binary, &key, *ret);
    }
    dc_cache_key_clear(&key);
    return r;
}
