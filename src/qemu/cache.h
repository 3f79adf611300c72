/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The capability cache: what QEMU said over QMP (dc_qemu_caps), one entry per
 * emulator binary, valid only while every key input is unchanged. Host facts
 * that change without the binary changing are never stored here.
 */
#pragma once

#include <time.h>

#include "qemu_probe.h"
#include "util.h"

/* The inputs an entry is valid for, as name/value pairs. */
typedef struct dc_cache_key {
    dc_strv names;
    dc_strv values;
} dc_cache_key;

/*
 * Computes the key for binary, reading host state (the QEMU module directory
 * included) through root. The key names the root (dc_cache_root_id) and the
 * source of the answer: only what QEMU itself answered is ever stored.
 */
int dc_cache_key_compute(const char *binary, const dc_root *root, dc_cache_key *ret);
void dc_cache_key_clear(dc_cache_key *k);

/*
 * The default directory: $DOMCAPS_CACHE_DIR, else $XDG_CACHE_HOME/domcaps or
 * ~/.cache/domcaps, /var/cache/domcaps for root.
 */
char *dc_cache_default_dir(void);
/*
 * The entry file for binary probed with root inside dir (root NULL: the live
 * /). Entries for another root have names of their own, so a --sysroot run
 * never replaces or evicts the live host's entry.
 */
char *dc_cache_entry_path(const char *dir, const char *binary, const dc_root *root);
/* "/" for the live root; otherwise its real path and device:inode. */
char *dc_cache_root_id(const dc_root *root);

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

/*
 * Writes the entry atomically (temporary file, fsync, rename, fsync of the
 * directory), after removing what killed writers left behind.
 */
int dc_cache_store(const char *dir, const char *binary, const dc_cache_key *key,
                   const dc_qemu_caps *caps);

/*
 * A writer's temporary files ("*.caps.XXXXXX") whose mtime is at least this
 * many seconds before now were abandoned by a killed writer: a live one
 * renames its file within moments. Age rather than the writer's pid, because
 * the directory may be shared by machines or pid namespaces.
 */
#define DC_CACHE_LEFTOVER_AGE 60
/* Removes those from dir; returns how many. Called by every store. */
size_t dc_cache_remove_leftovers(const char *dir, time_t now);

/* What `domcaps cache --explain` says of one entry file. */
typedef enum dc_cache_verdict {
    DC_CACHE_VALID,        /* every input holds: the next probe is answered from it */
    DC_CACHE_CHANGED,      /* nchanged inputs changed: the next probe re-probes */
    DC_CACHE_UNEXAMINABLE, /* the emulator cannot be examined now */
    DC_CACHE_UNPARSABLE,   /* why says what is wrong; it will be discarded */
    DC_CACHE_UNREADABLE,   /* why says why */
} dc_cache_verdict;

/* One recorded input of an entry, beside its value now. */
typedef struct dc_cache_input {
    char *name;
    char *stored;
    char *current; /* NULL: gone now, or the emulator cannot be examined */
    bool holds;    /* current equals stored */
} dc_cache_input;

typedef struct dc_cache_explanation {
    char *path;
    dc_cache_verdict verdict;
    char *why; /* UNPARSABLE, UNREADABLE */
    /* The emulator the entry was probed from (all but UNPARSABLE, UNREADABLE). */
    char *emulator;
    char *arch;
    int version_major, version_minor, version_micro;
    dc_cache_input *inputs; /* in the entry's order */
    size_t ninputs;
    size_t nchanged; /* inputs that do not hold */
} dc_cache_explanation;

/*
 * Explains the entry file at path: what it was keyed on and whether each
 * input still holds, computing the key now through root. Always fills *ret;
 * returns 0 when the entry was read and parsed, else -errno (-EBADMSG or
 * -ESTALE for an entry dc_cache_parse rejects).
 */
int dc_cache_explain(const char *path, const dc_root *root, dc_cache_explanation *ret);
void dc_cache_explanation_clear(dc_cache_explanation *e);

/*
 * Serialization, exposed for tests. An entry is a header line, the key and
 * the caps in a fixed line order, then "checksum sha256 HEX" (the digest of
 * every byte before that line) and "end" as the last line. dc_cache_parse is
 * linear and strict: a damaged checksum, a repeated or misplaced section or
 * line, a malformed number or anything after the end marker makes it return
 * -EBADMSG with *ret_why saying what and where; an entry of another format
 * version is -ESTALE.
 */
char *dc_cache_serialize(const dc_cache_key *key, const dc_qemu_caps *caps);
int dc_cache_parse(const char *text, size_t len, dc_cache_key *ret_key, dc_qemu_caps **ret,
                   dc_error *err);
/* body followed by its checksum line and the end marker. */
char *dc_cache_seal(const char *body, size_t len);

/*
 * Probes through the cache: a valid entry answers without QEMU; otherwise
 * QEMU is probed and the entry rewritten. cache_dir NULL: no cache. A corrupt
 * entry is reported in diag and replaced. A replay or a recording run
 * neither reads nor writes the cache: its answer is the recording's, not the
 * binary's.
 */
int dc_probe_cached(const dc_probe_opts *opts, const dc_root *root, const char *cache_dir,
                    dc_diag *diag, dc_qemu_caps **ret, dc_error *err);
