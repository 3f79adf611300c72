/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "domcaps/check.h"
#include "util.h"

#include <time.h>

char *dc_check_format_text(const dc_check_result *results, size_t n);
char *dc_check_format_json(const dc_check_result *results, size_t n);

/* What a JUnit report says about the run besides the findings. */
typedef struct dc_junit_meta {
    time_t timestamp;      /* when the check started */
    const char *hostname;  /* NULL or "": "localhost" */
    const double *seconds; /* per file, or NULL */
} dc_junit_meta;

char *dc_check_format_junit(const dc_check_result *results, size_t n, const dc_junit_meta *meta);
/* The JUnit classname of a domain file: its base name, no ".xml", no dots. */
char *dc_check_junit_classname(const char *file);
