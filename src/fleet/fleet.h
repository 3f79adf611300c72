/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A pool of hosts known from what they recorded, not from running anything:
 * each host is a captured root (the files its probes read) plus the QMP
 * recordings of its emulators. A host bundle (bundle.h) unpacks into one; so
 * do a --sysroot and --replay pairs given by hand (tests, fixtures).
 */
#pragma once

#include "check.h"
#include "derive.h"
#include "host.h"
#include "qemu_probe.h"

typedef struct dc_fleet_emulator {
    char *path;       /* as installed on that host */
    char *recording;  /* the recorded QMP conversation (a file on this machine) */
    dc_qemu_caps *qc; /* replayed on first use */
    bool shared;      /* qc belongs to the pool's replays (dc_fleet_replays) */
    char *error;      /* why replaying failed; kept so that it is tried once */
} dc_fleet_emulator;

/*
 * The replays of a pool, shared by its hosts: a fleet runs the same QEMU
 * builds on many hosts, and the same recording (same emulator path, same
 * bytes: equal SHA-256) replays to the same facts, so it is replayed once.
 */
typedef struct dc_fleet_replay {
    char *path;
    char digest[65];
    dc_qemu_caps *qc;
} dc_fleet_replay;

typedef struct dc_fleet_replays {
    dc_fleet_replay *v;
    size_t n;
} dc_fleet_replays;

void dc_fleet_replays_clear(dc_fleet_replays *r);

typedef struct dc_fleet_host {
    char *name;     /* how reports name the host (the bundle's file name, or as given) */
    char *file;     /* the bundle, NULL when built from parts */
    char *hostname; /* as the host named itself, NULL unknown */
    char *created;  /* capture time (RFC 3339 UTC), NULL unknown */
    char *creator;  /* the domcaps version that made the bundle, NULL unknown */
    char *dir;      /* private directory the bundle was unpacked into (removed by free) */
    char *arch;        /* the host's own (its /proc/sys/kernel/arch), NULL unknown */
    char *host_report; /* the host report the host printed when captured (XML), NULL none */
    char *xdg_config_home; /* the capturing user's, for firmware descriptors; NULL none */
    dc_root *root;
    /* The probes over root, run on first use for each purpose (dc_fleet_host_probes). */
    dc_host host_caps, host_check, host_report_probes;
    bool have_caps, have_check, have_report;
    dc_diag diag; /* what the caps probes warned about, as `domcaps probe` prints them */
    dc_fleet_emulator *emus;
    size_t nemus;
    dc_fleet_replays *replays; /* the pool's, borrowed; NULL: this host replays alone */
} dc_fleet_host;

/* One emulator of a host built from parts: its path there and its recording here. */
typedef struct dc_fleet_part {
    const char *path;
    const char *recording;
} dc_fleet_part;

/*
 * A host from a captured root and recordings. Runs the host probes over the
 * root at once; the recordings are replayed when first needed.
 */
int dc_fleet_host_open(const char *name, const char *sysroot, const dc_fleet_part *emus,
                       size_t nemus, dc_fleet_host **ret, dc_error *err);
void dc_fleet_host_free(dc_fleet_host *h);

typedef enum dc_fleet_purpose {
    DC_FLEET_FOR_PROBE, /* what `domcaps probe` runs: the caps probes, warnings in diag */
    DC_FLEET_FOR_CHECK, /* what `domcaps check` runs: caps and inventory, no device names */
    DC_FLEET_FOR_REPORT, /* what `domcaps host` runs: the inventory */
} dc_fleet_purpose;

/* The host's probes for one purpose, run over its root on first use. */
const dc_host *dc_fleet_host_probes(dc_fleet_host *h, dc_fleet_purpose purpose);

/* The host's own architecture (from its root), NULL when unknown. */
const char *dc_fleet_host_arch(const dc_fleet_host *h);

/*
 * The emulator that host would run for a guest of arch, found the way
 * domcaps finds one on a live host (qemu-system-<arch>, the one serving arch,
 * then /usr/libexec/qemu-kvm for the host's own arch), among the host's
 * emulators only. -1 when it has none.
 */
ssize_t dc_fleet_find_emulator(const dc_fleet_host *h, const char *arch);
/* The emulator installed at path on that host, -1 when it has none. */
ssize_t dc_fleet_emulator_by_path(const dc_fleet_host *h, const char *path);

/* Replays emulator i (once); 0 or -errno with a message naming the bundle and recording. */
int dc_fleet_host_qemu(dc_fleet_host *h, size_t i, const dc_qemu_caps **ret, dc_error *err);

/*
 * The domainCapabilities that host gives for req (req->arch NULL: the host's
 * own arch): the emulator found for the arch, replayed, derived over the
 * host's probes. -ENOENT: no emulator for the arch; -EINVAL: the emulator
 * cannot serve req; other errors: the recording is unusable.
 */
int dc_fleet_host_derive(dc_fleet_host *h, const dc_request *req, dc_domcaps **ret,
                         const dc_qemu_caps **ret_qc, dc_error *err);

/*
 * Sets env up to judge domains as `domcaps check` would on that host: the
 * host's probes, its emulators only (replayed, never run), no cache.
 * dc_fleet_check_env_clear undoes it (the host keeps its replays).
 */
void dc_fleet_check_env_init(dc_fleet_host *h, dc_check_env *env);
void dc_fleet_check_env_clear(dc_check_env *env);
