/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RelaxNG validation of domain XML against libvirt's installed schemas
 * (domain.rng and what it includes). libvirt itself ignores elements it does
 * not know unless asked to validate, so a typo such as <modle> inside
 * <interface> passes `virsh define`; this catches it.
 *
 * Loading is meant to happen once per process; the handle then serves every
 * document, from any thread.
 */
#pragma once

#include <libxml/tree.h>

#include "util.h"

#define DC_SCHEMA_DIR "/usr/share/libvirt/schemas"
/* Errors kept per document; the rest are only counted. */
#define DC_SCHEMA_MAX_ERRORS 20

typedef struct dc_schema dc_schema;

/*
 * Loads DIR/domain.rng (DIR NULL: DC_SCHEMA_DIR). Every file the schema
 * includes must be a regular file inside DIR; nothing is read over the
 * network. Returns -ENOENT when DIR or DIR/domain.rng does not exist (the
 * schema is not installed there), other -errno for a broken or refused
 * schema; *err then names the file and the cause.
 */
int dc_schema_load(const char *dir, dc_schema **ret, dc_error *err);

/* The domain.rng that was loaded, as an absolute path. */
const char *dc_schema_path(const dc_schema *s);

typedef struct dc_schema_error {
    unsigned line; /* 0 when the error concerns no particular element */
    char *xpath;   /* the element, or element/@attribute */
    char *message; /* one sentence, one line */
} dc_schema_error;

/*
 * Validates a parsed domain document. On success *ret holds at most
 * DC_SCHEMA_MAX_ERRORS errors in document order (none: valid) and the return
 * value is the number of errors found (>= *ret_n). -ENOMEM or -EINVAL when
 * libxml2 could not run the validation.
 */
int dc_schema_validate(dc_schema *s, xmlDocPtr doc, dc_schema_error **ret, size_t *ret_n);

void dc_schema_errors_free(dc_schema_error *e, size_t n);
void dc_schema_free(dc_schema *s);
