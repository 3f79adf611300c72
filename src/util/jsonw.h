/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A small streaming JSON writer with stable, two-space indented output. */
#pragma once

#include "util.h"

#define DC_JW_MAX_DEPTH 32

/*
 * The "schemaVersion" every JSON document starts with: raised when a key is
 * removed or changes meaning (docs/schema/ describes each version).
 */
#define DC_JSON_SCHEMA_VERSION 1

typedef struct dc_jw {
    dc_buf b;
    int level;
    bool first[DC_JW_MAX_DEPTH];
} dc_jw;

/* key NULL: an array element. */
void dc_jw_open(dc_jw *w, const char *key, char bracket);
void dc_jw_close(dc_jw *w, char bracket);
void dc_jw_str(dc_jw *w, const char *key, const char *v);
void dc_jw_num(dc_jw *w, const char *key, long long v);
void dc_jw_bool(dc_jw *w, const char *key, bool v);
void dc_jw_null(dc_jw *w, const char *key);
/* A NULL-terminated string vector as an array. */
void dc_jw_strs(dc_jw *w, const char *key, char *const *v);
/* The finished document, with a trailing newline. */
char *dc_jw_finish(dc_jw *w);
