/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placement: every domain judged on every recorded host, with the rules of `domcaps check`. */
#pragma once

#include <time.h>

#include "fleet.h"

typedef struct dc_place_result {
    dc_fleet_host **hosts; /* borrowed */
    size_t nhosts;
    char **files;
    size_t nfiles;
    char **parse_errors;       /* per file: the domain could not be read, or NULL */
    dc_check_result *verdicts; /* per file and host: [file * nhosts + host] */
} dc_place_result;

/* Judges each file (parsed once) on each host (loaded once). Never fails. */
void dc_place(dc_fleet_host **hosts, size_t nhosts, const char *const *files, size_t nfiles,
              dc_place_result *ret);
void dc_place_result_clear(dc_place_result *r);

/* Whether host h can run file f: no error finding, nothing unjudgeable. */
bool dc_place_runs(const dc_place_result *r, size_t f, size_t h);
/* The counts the exit status is made of. */
size_t dc_place_homeless(const dc_place_result *r); /* domains no host runs */
bool dc_place_input_errors(const dc_place_result *r);

/* text, json or junit (timestamp and hostname for JUnit's testsuite attributes). */
char *dc_place_format(const dc_place_result *r, const char *format, time_t started,
                      const char *hostname);
