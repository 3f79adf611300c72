/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The capability cache: what QEMU said over QMP (dc_qemu_caps), one entry per
 * emulator binary, valid only while every key input is unchanged. Host facts
 * that change without the binary changing are never stored here.
 */
#pragma once

#include "qemu_probe.h"
#include "util.h"

/* The inputs an entry is valid for, as name/value pairs. */
typedef struct dc_cache_key {
    dc_strv names;
    dc_strv values;
} dc_cache_key;

/* Computes the key for binary, reading host state through root. */
int dc_cache_key_compute(const char *binary, const dc_root *root, dc_cache_key *ret);
void dc_cache_key_clear(dc_cache_key *k);

/*
 * The default directory: $DOMCAPS_CACHE_DIR, else $XDG_CACHE_HOME/domcaps or
 * ~/.cache/domcaps, /var/cache/domcaps for root.
 */
char *dc_cache_default_dir(void);
/* The entry file for binary inside dir. */
char *dc_cache_entry_path(const char *dir, const char *binary);

typedef enum dc_cache_status {
    DC_CACHE_HIT,
    DC_CACHE_MISSING,
    DC_CACHE_STALE,   /* *ret_why names the input that changed */
    DC_CACHE_CORRUPT, /* *ret_why says what is wrong with the file */
} dc_cache_status;

/*
 * Loads the entry for binary if it is valid for key. On a hit *ret holds the
 * caps; otherwise *ret_why explains (for STALE and CORRUPT).
 */
dc_cache_status dc_cache_load(const char *dir, const char *binary, const dc_cache_key *key,
                              dc_qemu_caps **ret, char **ret_why);

/* Writes the entry atomically (temporary file, fsync, rename). */
int dc_cache_store(const char *dir, const char *binary, const dc_cache_key *key,
                   const dc_qemu_caps *caps);

/* Serialization, exposed for tests. */
char *dc_cache_serialize(const dc_cache_key *key, const dc_qemu_caps *caps);
int dc_cache_parse(const char *text, size_t len, dc_cache_key *ret_key, dc_qemu_caps **ret,
                   char **ret_why);

/*
 * Probes through the cache: a valid entry answers without QEMU; otherwise
 * QEMU is probed and the entry rewritten. cache_dir NULL: no cache. A corrupt
 * entry is reported in diag and replaced.
 */
int dc_probe_cached(const dc_probe_opts *opts, const dc_root *root, const char *cache_dir,
                    dc_diag *diag, dc_qemu_caps **ret, char **ret_msg);
