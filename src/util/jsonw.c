/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "jsonw.h"

static void sep(dc_jw *w)
{
    if (!w->first[w->level] && w->b.len)
        dc_buf_add(&w->b, ",");
    w->first[w->level] = false;
    if (w->b.len)
        dc_buf_add(&w->b, "\n");
    dc_buf_indent(&w->b, w->level);
}

static void key(dc_jw *w, const char *k)
{
    sep(w);
    if (k) {
        dc_buf_add_json_string(&w->b, k);
        dc_buf_add(&w->b, ": ");
    }
}

void dc_jw_open(dc_jw *w, const char *k, char bracket)
{
    key(w, k);
    dc_buf_addn(&w->b, &bracket, 1);
    if (w->level + 1 < DC_JW_MAX_DEPTH)
        w->level++;
    w->first[w->level] = true;
}

void dc_jw_close(dc_jw *w, char bracket)
{
    bool empty = w->first[w->level];
    w->level--;
    if (!empty) {
        dc_buf_add(&w->b, "\n");
        dc_buf_indent(&w->b, w->level);
    }
    dc_buf_addn(&w->b, &bracket, 1);
}

void dc_jw_str(dc_jw *w, const char *k, const char *v)
{
    key(w, k);
    if (v)
        dc_buf_add_json_string(&w->b, v);
    else
        dc_buf_add(&w->b, "null");
}

void dc_jw_num(dc_jw *w, const char *k, long long v)
{
    key(w, k);
    dc_buf_addf(&w->b, "%lld", v);
}

void dc_jw_bool(dc_jw *w, const char *k, bool v)
{
    key(w, k);
    dc_buf_add(&w->b, v ? "true" : "false");
}

void dc_jw_null(dc_jw *w, const char *k)
{
    key(w, k);
    dc_buf_add(&w->b, "null");
}

void dc_jw_strs(dc_jw *w, const char *k, char *const *v)
{
    dc_jw_open(w, k, '[');
    for (; v && *v; v++)
        dc_jw_str(w, NULL, *v);
    dc_jw_close(w, ']');
}

char *dc_jw_finish(dc_jw *w)
{
    dc_buf_add(&w->b, "\n");
    return dc_buf_steal(&w->b);
}
