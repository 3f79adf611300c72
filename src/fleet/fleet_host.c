/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A recorded host: its captured root and the recordings of its emulators. */
#include "fleet.h"

#include "arch.h"
#include "cache.h"
#include "sha256.h"

int dc_fleet_host_open(const char *name, const char *sysroot, const dc_fleet_part *emus,
                       size_t nemus, dc_fleet_host **ret, dc_error *err)
{
    dc_root *root = NULL;
    int r = dc_root_open(sysroot, &root);
    if (r < 0) {
        return dc_error_set(err, r, "%s: cannot open the host's root %s: %s", name, sysroot,
                            strerror(-r));
    }
    if (dc_root_is_live(root)) {
        dc_root_free(root);
        return dc_error_set(err, -EINVAL, "%s: a recorded host needs a captured root, not /", name);
    }
    /* Messages name the host's own paths, not where its files are unpacked here. */
    dc_root_set_display(root, "");
    dc_fleet_host *h = xcalloc(1, sizeof(*h));
    h->name = xstrdup(name);
    h->root = root;
    h->emus = xcalloc(nemus ? nemus : 1, sizeof(*h->emus));
    for (size_t i = 0; i < nemus; i++) {
        h->emus[i].path = xstrdup(emus[i].path);
        h->emus[i].recording = xstrdup(emus[i].recording);
    }
    h->nemus = nemus;
    _cleanup_free_ char *line = NULL;
    if (dc_root_read_line(root, "/proc/sys/kernel/arch", &line) == 0) {
        const char *a = dc_arch_normalize(line);
        h->arch = a ? xstrdup(a) : NULL;
    }
    *ret = h;
    return 0;
}

void dc_fleet_host_free(dc_fleet_host *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nemus; i++) {
        free(h->emus[i].path);
        free(h->emus[i].recording);
        free(h->emus[i].error);
        if (!h->emus[i].shared)
            dc_qemu_caps_free(h->emus[i].qc);
    }
    free(h->emus);
    dc_host_clear(&h->host_caps);
    dc_host_clear(&h->host_check);
    dc_host_clear(&h->host_report_probes);
    dc_strv_clear(&h->diag.warnings);
    dc_root_free(h->root);
    if (h->dir)
        dc_remove_tree(h->dir);
    free(h->dir);
    free(h->name);
    free(h->file);
    free(h->hostname);
    free(h->created);
    free(h->creator);
    free(h->arch);
    free(h->host_report);
    free(h->xdg_config_home);
    free(h);
}

const dc_host *dc_fleet_host_probes(dc_fleet_host *h, dc_fleet_purpose purpose)
{
    switch (purpose) {
    case DC_FLEET_FOR_PROBE:
        if (!h->have_caps)
            dc_host_run_probes(&h->host_caps, h->root, h->xdg_config_home, DC_PROBE_FOR_CAPS,
                               &h->diag);
        h->have_caps = true;
        return &h->host_caps;
    case DC_FLEET_FOR_CHECK:
        if (!h->have_check) {
            h->host_check.skip_names = true;
            dc_host_run_probes(&h->host_check, h->root, h->xdg_config_home,
                               DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY, NULL);
        }
        h->have_check = true;
        return &h->host_check;
    case DC_FLEET_FOR_REPORT:
        if (!h->have_report)
            dc_host_run_probes(&h->host_report_probes, h->root, NULL, DC_PROBE_FOR_INVENTORY,
                               NULL);
        h->have_report = true;
        return &h->host_report_probes;
    }
    return NULL;
}

const char *dc_fleet_host_arch(const dc_fleet_host *h) { return h->arch; }

ssize_t dc_fleet_emulator_by_path(const dc_fleet_host *h, const char *path)
{
    for (size_t i = 0; i < h->nemus; i++)
        if (streq(h->emus[i].path, path))
            return (ssize_t)i;
    return -1;
}

static ssize_t by_basename(const dc_fleet_host *h, const char *name)
{
    for (size_t i = 0; i < h->nemus; i++) {
        const char *slash = strrchr(h->emus[i].path, '/');
        if (streq(slash ? slash + 1 : h->emus[i].path, name))
            return (ssize_t)i;
    }
    return -1;
}

ssize_t dc_fleet_find_emulator(const dc_fleet_host *h, const char *arch)
{
    const char *names[2];
    dc_arch_emulator_targets(arch, names);
    for (size_t i = 0; i < 2 && names[i]; i++) {
        _cleanup_free_ char *name = xasprintf("qemu-system-%s", names[i]);
        ssize_t k = by_basename(h, name);
        if (k >= 0)
            return k;
    }
    if (h->arch && dc_arch_native_to(arch, h->arch))
        return dc_fleet_emulator_by_path(h, "/usr/libexec/qemu-kvm");
    return -1;
}

void dc_fleet_replays_clear(dc_fleet_replays *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].path);
        dc_qemu_caps_free(r->v[i].qc);
    }
    free(r->v);
    *r = (dc_fleet_replays){0};
}

static int replay(dc_fleet_host *h, dc_fleet_emulator *e)
{
    dc_probe_opts po = {.binary = e->path, .replay = e->recording, .want_tcg_session = true};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int r = dc_probe_cached(&po, h->root, NULL, NULL, &e->qc, &msg);
    if (r < 0)
        e->error = xasprintf("%s: the recording of %s is unusable: %s", h->name, e->path,
                             msg.message ? msg.message : strerror(-r));
    return r;
}

/* Through the pool's replays: an equal recording of the same emulator is replayed once. */
static void replay_shared(dc_fleet_host *h, dc_fleet_emulator *e)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    size_t len = 0;
    if (dc_read_input_file("recording", e->recording, 256u << 20, &text, &len, &msg) < 0) {
        e->error = xasprintf("%s: %s", h->name, msg.message);
        return;
    }
    char digest[65];
    dc_sha256_hex(text, len, digest);
    dc_fleet_replays *rs = h->replays;
    for (size_t i = 0; i < rs->n; i++)
        if (streq(rs->v[i].path, e->path) && streq(rs->v[i].digest, digest)) {
            e->qc = rs->v[i].qc;
            e->shared = true;
            return;
        }
    if (replay(h, e) < 0)
        return;
    rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
    rs->v[rs->n] = (dc_fleet_replay){.path = xstrdup(e->path), .qc = e->qc};
    memcpy(rs->v[rs->n++].digest, digest, sizeof(digest));
    e->shared = true;
}

int dc_fleet_host_qemu(dc_fleet_host *h, size_t i, const dc_qemu_caps **ret, dc_error *err)
{
    dc_fleet_emulator *e = &h->emus[i];
    if (!e->qc && !e->error) {
        if (h->replays)
            replay_shared(h, e);
        else
            replay(h, e);
    }
    if (!e->qc) {
        return dc_error_set(err, -EINVAL, "%s", e->error);
    }
    *ret = e->qc;
    return 0;
}

int dc_fleet_host_derive(dc_fleet_host *h, const dc_request *req, dc_domcaps **ret,
                         const dc_qemu_caps **ret_qc, dc_error *err)
{
    const char *arch = req->arch ? req->arch : h->arch;
    if (!arch) {
        return dc_error_set(err, -EINVAL, "%s: the host's architecture is unknown; give --arch",
                            h->name);
    }
    ssize_t k = dc_fleet_find_emulator(h, arch);
    if (k < 0) {
        return dc_error_set(err, -ENOENT,
                            "%s: unable to find any emulator to serve '%s' architecture", h->name,
                            arch);
    }
    const dc_qemu_caps *qc = NULL;
    int r = dc_fleet_host_qemu(h, (size_t)k, &qc, err);
    if (r < 0)
        return r;
    const dc_host *host = dc_fleet_host_probes(h, DC_FLEET_FOR_PROBE);
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    dc_request rq = *req;
    rq.arch = arch;
    r = dc_domcaps_derive(qc, host, &rq, ret, &msg);
    if (r < 0) {
        return dc_error_set(err, r, "%s: %s", h->name, msg.message);
    }
    if (ret_qc)
        *ret_qc = qc;
    return 0;
}

static int lookup_emulator(void *ctx, const char *arch, const char *emulator,
                           const dc_qemu_caps **ret_qc, char **ret_path, dc_error *err)
{
    dc_fleet_host *h = ctx;
    ssize_t k = emulator ? dc_fleet_emulator_by_path(h, emulator) : dc_fleet_find_emulator(h, arch);
    if (k < 0)
        return -ENOENT;
    int r = dc_fleet_host_qemu(h, (size_t)k, ret_qc, err);
    if (r < 0)
        return r;
    *ret_path = xstrdup(h->emus[k].path);
    return 0;
}

void dc_fleet_check_env_init(dc_fleet_host *h, dc_check_env *env)
{
    *env = (dc_check_env){
        .live = true,
        .host = (dc_host *)dc_fleet_host_probes(h, DC_FLEET_FOR_CHECK),
        .root = h->root,
        .emulator_lookup = lookup_emulator,
        .emulator_ctx = h,
        .host_arch = h->arch,
        .recorded = true,
    };
}

void dc_fleet_check_env_clear(dc_check_env *env) { *env = (dc_check_env){0}; }
