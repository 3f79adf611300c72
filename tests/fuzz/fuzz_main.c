/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The driver of a harness built without libFuzzer (the ordinary and the
 * sanitizer builds): each argument is an input file, or a directory whose
 * regular files are inputs, run once in name order. So the seeds and the
 * crash inputs kept in tests/fuzz/corpus replay in every test run, and a
 * harness that no longer compiles against the library fails the build.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The harnesses' largest accepted input is well below this. */
#define FUZZ_MAX_INPUT (64u << 20)

static int run_file(const char *path)
{
    _cleanup_fclose_ FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_main: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    _cleanup_free_ uint8_t *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= FUZZ_MAX_INPUT) {
                fprintf(stderr, "fuzz_main: %s: larger than 64 MiB\n", path);
                return -1;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "fuzz_main: cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    return 0;
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Runs every regular file of dir; returns how many ran, or -1. */
static long run_dir(const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, name_order);
    if (n < 0) {
        fprintf(stderr, "fuzz_main: cannot list %s: %s\n", dir, strerror(errno));
        return -1;
    }
    long ran = 0;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]->d_name);
        struct stat st;
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(path) < 0)
                rc = -1;
            else
                ran++;
        }
        free(names[i]);
    }
    free(names);
    return rc < 0 ? -1 : ran;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "fuzz_main: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        long ran = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) < 0 ? -1 : 1;
        if (ran < 0)
            return 1;
        total += ran;
    }
    printf("%ld inputs ran\n", total);
    return 0;
}
