/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Findings of `domcaps check`: what in a domain XML the host cannot run. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Shared with the internal model (domcaps/check.h), defined once per unit. */
#ifndef DC_SEVERITY_DEFINED
#define DC_SEVERITY_DEFINED
typedef enum dc_severity {
    DC_SEVERITY_ERROR,
    DC_SEVERITY_WARNING,
} dc_severity;
#endif

typedef struct dc_finding {
    unsigned line;
    char *xpath; /* /domain/devices/disk[2]/target/@bus */
    const char *rule;
    dc_severity severity;
    char *value;     /* the offending value, or NULL */
    char *supported; /* space-separated supported values, or NULL */
    char *message;
    char *hint; /* how to fix, or NULL */
} dc_finding;

typedef struct dc_check_result {
    char *file;
    char *input_error; /* the file could not be judged (exit 2), or NULL */
    dc_finding *findings;
    size_t nfindings;
    char **rules_checked; /* NULL-terminated, in rule order */
    char **rules_skipped; /* "rule-id: reason", NULL-terminated */
} dc_check_result;

/* The stable rule identifiers with a one-line description, NULL-terminated. */
typedef struct dc_rule_info {
    const char *id;
    const char *summary;
} dc_rule_info;
extern const dc_rule_info dc_rules[];

void dc_check_result_clear(dc_check_result *r);
