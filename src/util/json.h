/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "util.h"

static inline void dc_json_putp(json_object **o)
{
    if (*o)
        json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(dc_json_putp)

/* Pretty-prints like libvirt's .replies files: two-space indent, "key": value. */
void dc_json_pretty(dc_buf *b, json_object *o, int level);

/* Parses one JSON document into *ret; -EBADMSG (with err saying why) when it is not one. */
int dc_json_parse(const char *text, size_t len, json_object **ret, dc_error *err);

/* Typed accessors that tolerate absent keys and wrong types. */
json_object *dc_json_get(json_object *o, const char *key);
const char *dc_json_get_string(json_object *o, const char *key);
bool dc_json_get_bool(json_object *o, const char *key, bool dflt);
long long dc_json_get_int(json_object *o, const char *key, long long dflt);
json_object *dc_json_get_array(json_object *o, const char *key);
json_object *dc_json_get_object(json_object *o, const char *key);
