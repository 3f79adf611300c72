/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the test suites: golden-file comparison and one-call probing. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "derive.h"
#include "host.h"
#include "qemu_probe.h"

/*
 * Compares text with the golden file DC_TEST_DATA_DIR/<rel>. With
 * DC_TEST_REGENERATE=1 the file is rewritten instead. On a mismatch prints a
 * unified diff and fails.
 */
void dc_test_golden(const char *rel, const char *text);

/* Probes (live when replay is NULL), derives and formats. Returns the exit-style status. */
typedef struct dc_test_probe {
    const char *emulator;
    const char *replay;
    const char *record;
    const char *sysroot;
    const char *arch, *machine, *virttype;
    bool json;
} dc_test_probe;

int dc_test_run_probe(const dc_test_probe *p, char **ret_doc, dc_error *err);

/* Roots built on the fly by a test, removed afterwards. */
typedef struct tmproot {
    char path[64];
} tmproot;

void tmproot_make(tmproot *t);
/* Writes content to rel (an absolute path inside the root), creating directories. */
void tmproot_write(const tmproot *t, const char *rel, const char *content);
void tmproot_remove(tmproot *t);
