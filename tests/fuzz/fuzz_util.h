/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the libFuzzer harnesses: one private temporary directory per
 * process (removed at exit), where inputs that the library reads by path are
 * written.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The process's temporary directory, made on first use. Aborts if it cannot be made. */
const char *fuzz_tmpdir(void);

/* Writes data to <tmpdir>/<name> (replacing it) and returns the path, owned by the caller. */
char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/* Writes data to root/abspath, creating the directories on the way. Returns 0 or -errno. */
int fuzz_write_under(const char *root, const char *abspath, const void *data, size_t size);

/* Removes a directory tree (never following symlinks). */
void fuzz_remove_tree(const char *path);

/* Fails the run loudly when a property the harness checks does not hold. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
