/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host bundles: one file holding what one host answers. A gzip stream
 * (`zcat` shows it) of a plain archive:
 *
 *   domcaps-bundle 1\n
 *   <type> <length> <mode> <path>\n <length bytes>\n     (repeated)
 *   end\n
 *
 * type: d directory, f file (the bytes are its content), l symlink (the
 * bytes are its target), s sparse file (the bytes are its size in decimal:
 * a firmware image whose presence and size are what the probes look at).
 * mode: octal, only 0755 bits kept. The first entry is manifest.json (what
 * made the bundle, when, on which host, its emulators and their recordings);
 * then host.xml (the host report as the host printed it), qmp/<name>.replies
 * (each emulator's QMP conversation, as `domcaps probe --record` writes it)
 * and root/... (the files the probes read, at their paths on that host).
 */
#pragma once

#include "fleet.h"

#define DC_BUNDLE_FORMAT_VERSION 1
/* Limits a bundle must respect, whatever it claims. */
#define DC_BUNDLE_MAX_BYTES (512ull << 20) /* decompressed */
#define DC_BUNDLE_MAX_ENTRIES 200000
#define DC_BUNDLE_MAX_SPARSE (64ull << 30)

typedef struct dc_bundle_create_opts {
    const char *output;   /* the bundle to write (atomically) */
    const char *sysroot;  /* NULL: this host; else a captured root (with recordings) */
    const char *const *emulators; /* NULL: every qemu-system-* in PATH, /usr/libexec/qemu-kvm */
    size_t nemulators;
    /* From recordings instead of running QEMU: emulators[i] answered as replays[i]. */
    const char *const *replays;
    int timeout_ms;
    const char *xdg_config_home; /* the user's firmware descriptors; NULL none */
} dc_bundle_create_opts;

/*
 * Captures this host (or a captured root and its recordings) into a bundle.
 * Emulators that cannot be probed are left out with a warning in diag; none
 * at all is an error. Then the bundle is read back and judged: a host report
 * or a caps document that does not come out the same is a warning.
 */
int dc_bundle_create(const dc_bundle_create_opts *opts, dc_diag *diag, dc_error *err);

/*
 * Opens a bundle: checked, unpacked into a private directory (removed by
 * dc_fleet_host_free) and opened as a recorded host. -EINVAL (with a
 * message naming the file and the cause) for anything damaged, foreign or
 * hostile; other -errno when it cannot be read.
 */
int dc_bundle_load(const char *path, dc_fleet_host **ret, dc_error *err);

/* The *.bundle files of dir, sorted by name. */
int dc_bundle_list_dir(const char *dir, dc_strv *ret, dc_error *err);

/* A few lines about a loaded bundle: host, capture time, emulators, sizes. */
char *dc_bundle_describe(dc_fleet_host *h, bool json);
