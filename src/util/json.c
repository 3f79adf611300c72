/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json.h"

#include <math.h>

#define DC_JSON_MAX_DEPTH 64

static void pretty_scalar(dc_buf *b, json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null:
        dc_buf_add(b, "null");
        break;
    case json_type_boolean:
        dc_buf_add(b, json_object_get_boolean(o) ? "true" : "false");
        break;
    case json_type_int:
        /* QMP carries uint64 values (lbr-fmt, apic-id) that json-c keeps unsigned. */
        if (json_object_get_int64(o) == INT64_MAX &&
            json_object_get_uint64(o) > (uint64_t)INT64_MAX)
            dc_buf_addf(b, "%llu", (unsigned long long)json_object_get_uint64(o));
        else
            dc_buf_addf(b, "%lld", (long long)json_object_get_int64(o));
        break;
    case json_type_double: {
        double d = json_object_get_double(o);
        if (isfinite(d) && d == (double)(long long)d && fabs(d) < 1e15)
            dc_buf_addf(b, "%.1f", d);
        else
            dc_buf_addf(b, "%.17g", d);
        break;
    }
    case json_type_string:
        dc_buf_add_json_string(b, json_object_get_string(o));
        break;
    case json_type_object:
    case json_type_array:
        break;
    }
}

void dc_json_pretty(dc_buf *b, json_object *o, int level)
{
    if (json_object_is_type(o, json_type_object)) {
        if (json_object_object_length(o) == 0) {
            dc_buf_add(b, "{}");
            return;
        }
        dc_buf_add(b, "{\n");
        size_t i = 0, n = (size_t)json_object_object_length(o);
        json_object_object_foreach(o, key, val)
        {
            dc_buf_indent(b, level + 1);
            dc_buf_add_json_string(b, key);
            dc_buf_add(b, ": ");
            dc_json_pretty(b, val, level + 1);
            dc_buf_add(b, ++i < n ? ",\n" : "\n");
        }
        dc_buf_indent(b, level);
        dc_buf_add(b, "}");
    } else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        if (n == 0) {
            dc_buf_add(b, "[]");
            return;
        }
        dc_buf_add(b, "[\n");
        for (size_t i = 0; i < n; i++) {
            dc_buf_indent(b, level + 1);
            dc_json_pretty(b, json_object_array_get_idx(o, i), level + 1);
            dc_buf_add(b, i + 1 < n ? ",\n" : "\n");
        }
        dc_buf_indent(b, level);
        dc_buf_add(b, "]");
    } else {
        pretty_scalar(b, o);
    }
}

int dc_json_parse(const char *text, size_t len, json_object **ret, dc_error *err)
{
    json_tokener *tok = json_tokener_new_ex(DC_JSON_MAX_DEPTH);
    if (!tok)
        return dc_error_set(err, -ENOMEM, "out of memory");
    json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = o ? json_tokener_get_parse_end(tok) : 0;
    json_tokener_free(tok);
    if (!o)
        return dc_error_set(err, -EBADMSG, "%s",
                            jerr == json_tokener_continue ? "unexpected end of data"
                                                          : json_tokener_error_desc(jerr));
    while (off < len && strchr(" \t\r\n", text[off]))
        off++;
    if (off < len) {
        json_object_put(o);
        return dc_error_set(err, -EBADMSG, "trailing data at offset %zu", off);
    }
    *ret = o;
    return 0;
}

json_object *dc_json_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object))
        return NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *dc_json_get_string(json_object *o, const char *key)
{
    json_object *v = dc_json_get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

bool dc_json_get_bool(json_object *o, const char *key, bool dflt)
{
    json_object *v = dc_json_get(o, key);
    return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : dflt;
}

long long dc_json_get_int(json_object *o, const char *key, long long dflt)
{
    json_object *v = dc_json_get(o, key);
    return v && json_object_is_type(v, json_type_int) ? (long long)json_object_get_int64(v) : dflt;
}

json_object *dc_json_get_array(json_object *o, const char *key)
{
    json_object *v = dc_json_get(o, key);
    return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

json_object *dc_json_get_object(json_object *o, const char *key)
{
    json_object *v = dc_json_get(o, key);
    return v && json_object_is_type(v, json_type_object) ? v : NULL;
}
