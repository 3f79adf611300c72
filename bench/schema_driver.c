/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The schema module alone, for bench/schema-bench:
 *
 *   schema_driver [--schema-dir DIR] [--time] FILE...   validate each file
 *   schema_driver [--schema-dir DIR] --load N           load the schema N times
 *
 * Validating: the schema is loaded once, each file is read and parsed as
 * `domcaps check` does (src/util/xmlsafe.c) and validated; its errors are printed
 * as FILE:LINE: XPATH: MESSAGE. --time adds one line per file on stderr with
 * the validation time in microseconds. Exit 0: all valid, 1: some invalid,
 * 2: an error. Loading: prints the median load time in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_schema.h"
#include "xmlsafe.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int load_times(const char *dir, int n)
{
    double *t = calloc((size_t)n, sizeof(*t));
    if (!t)
        return 2;
    for (int i = 0; i < n; i++) {
        dc_schema *s = NULL;
        char *msg = NULL;
        double t0 = now_us();
        if (dc_schema_load(dir, &s, &msg) < 0) {
            fprintf(stderr, "schema_driver: %s\n", msg);
            free(msg);
            free(t);
            return 2;
        }
        t[i] = now_us() - t0;
        dc_schema_free(s);
    }
    qsort(t, (size_t)n, sizeof(*t), cmp_double);
    printf("%.2f\n", (n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) / 1e3);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    bool timing = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--schema-dir") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--time")) {
            timing = true;
        } else if (!strcmp(argv[i], "--load") && i + 1 < argc) {
            int n = atoi(argv[++i]);
            return n > 0 ? load_times(dir, n) : 2;
        } else {
            fprintf(stderr, "usage: schema_driver [--schema-dir DIR] [--time] FILE...\n"
                            "       schema_driver [--schema-dir DIR] --load N\n");
            return 2;
        }
    }
    dc_schema *s = NULL;
    char *msg = NULL;
    if (dc_schema_load(dir, &s, &msg) < 0) {
        fprintf(stderr, "schema_driver: %s\n", msg);
        free(msg);
        return 2;
    }
    int rc = 0;
    for (; i < argc; i++) {
        xmlDocPtr doc = NULL;
        if (dc_xml_parse(argv[i], NULL, 0, &doc, &msg) < 0) {
            fprintf(stderr, "schema_driver: %s\n", msg);
            free(msg);
            rc = 2;
            continue;
        }
        dc_schema_error *e = NULL;
        size_t n = 0;
        double t0 = now_us();
        int total = dc_schema_validate(s, doc, &e, &n);
        double t = now_us() - t0;
        if (timing)
            fprintf(stderr, "%s %.0f\n", argv[i], t);
        if (total < 0) {
            fprintf(stderr, "schema_driver: %s: validation failed: %s\n", argv[i],
                    strerror(-total));
            rc = 2;
        } else if (total > 0 && rc == 0) {
            rc = 1;
        }
        for (size_t k = 0; k < n; k++)
            printf("%s:%u: %s: %s\n", argv[i], e[k].line, e[k].xpath, e[k].message);
        dc_schema_errors_free(e, n);
        xmlFreeDoc(doc);
    }
    dc_schema_free(s);
    return rc;
}
