/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A survey of one host: its probes and the answer of each of its emulators,
 * gathered once for the reports that summarize a host (Prometheus metrics,
 * Ansible facts). Either this machine (every qemu-system-* in PATH, probed
 * through the cache) or a recorded host (its recordings replayed).
 */
#pragma once

#include "fleet.h"

typedef enum dc_survey_cache {
    DC_SURVEY_CACHE_UNUSED,  /* no cache in use (--no-cache, a replay) */
    DC_SURVEY_CACHE_MISSING, /* no entry for the emulator */
    DC_SURVEY_CACHE_VALID,   /* an entry every key input still holds for */
    DC_SURVEY_CACHE_STALE,   /* an entry that no longer holds (or is corrupt) */
} dc_survey_cache;

typedef struct dc_survey_emulator {
    char *path;               /* as installed on the host */
    const dc_qemu_caps *caps; /* what it answered; NULL when that failed */
    dc_qemu_caps *owned;      /* caps when the survey owns them (live) */
    char *error;              /* why there is no answer */
    double seconds;           /* how long the answer took: probe, cache load or replay */
    dc_survey_cache cache;    /* the cache entry as this run found it, before any re-probe */
    double cache_age_seconds; /* with VALID and STALE: since the entry was written */
} dc_survey_emulator;

typedef struct dc_survey {
    const char *name;          /* the recorded host's name, NULL for this machine */
    const char *arch;          /* the host's own architecture, NULL unknown */
    const dc_host *host;       /* the caps and inventory probes */
    const dc_hostinfo *report; /* the inventory with device names (want_report), else NULL */
    dc_survey_emulator *emus;  /* sorted by path */
    size_t nemus;
    ssize_t native; /* the emulator for the host's own arch, -1 none */
    dc_diag diag;   /* emulators without an answer, corrupt cache entries */
    /* Owned by a live survey. */
    dc_root *root;
    dc_host own_host;
    char *xdg_config_home;
} dc_survey;

typedef struct dc_survey_opts {
    const char *sysroot;   /* NULL: / */
    const char *cache_dir; /* NULL: no cache */
    int timeout_ms;        /* for each probe, 0: the default */
    /* The emulators to survey; none: every qemu-system-* in PATH and the native one. */
    const char *const *emulators;
    size_t nemulators;
    bool want_report; /* device names for the inventory report (pci.ids lookups) */
} dc_survey_opts;

/*
 * Surveys this machine (or a captured root under opts->sysroot, with this
 * machine's emulators, as `domcaps probe --sysroot` does). An emulator that
 * cannot be probed is recorded with its error; only an unusable sysroot fails.
 */
int dc_survey_live(const dc_survey_opts *opts, dc_survey *ret, dc_error *err);

/* Surveys a recorded host: its probes, each recording replayed (kept by h). */
int dc_survey_fleet_host(dc_fleet_host *h, bool want_report, dc_survey *ret, dc_error *err);

/*
 * A survey turned into a document: live (dc_survey_live) or of a recorded
 * host, its warnings appended to diag (NULL: dropped).
 */
typedef char *(*dc_survey_formatter)(const dc_survey *s);
int dc_survey_live_text(const dc_survey_opts *opts, dc_survey_formatter format, dc_diag *diag,
                        char **ret_text, dc_error *err);
int dc_survey_fleet_host_text(dc_fleet_host *h, bool want_report, dc_survey_formatter format,
                              dc_diag *diag, char **ret_text, dc_error *err);

/* Appends the survey's warnings to diag (NULL: drops them). */
void dc_survey_take_warnings(dc_survey *s, dc_diag *diag);
void dc_survey_clear(dc_survey *s);

/*
 * The domainCapabilities emulator i gives for a guest of arch (NULL: the
 * emulator's own) under virttype ("kvm" or "qemu") on the arch's preferred
 * machine; NULL when it cannot serve that (KVM unusable, not native, no answer).
 */
dc_domcaps *dc_survey_derive(const dc_survey *s, size_t i, const char *arch, const char *virttype);
