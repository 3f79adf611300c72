/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one error convention: 0 or -errno, and a dc_error carrying the text. */
#include <stdarg.h>
#include <stdlib.h>

#include "util.h"

void dc_error_clear(dc_error *err)
{
    if (!err)
        return;
    free(err->message);
    *err = (dc_error)DC_ERROR_INIT;
}

int dc_error_take(dc_error *err, int code, char *message)
{
    if (!err) {
        free(message);
        return code;
    }
    free(err->message);
    err->code = code;
    err->message = message;
    return code;
}

int dc_error_set(dc_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    char *message = xvasprintf(fmt, ap);
    va_end(ap);
    return dc_error_take(err, code, message);
}

int dc_error_prefix(dc_error *err, const char *fmt, ...)
{
    if (!err || !err->message)
        return err ? err->code : 0;
    va_list ap;
    va_start(ap, fmt);
    char *prefix = xvasprintf(fmt, ap);
    va_end(ap);
    char *message = xasprintf("%s%s", prefix, err->message);
    free(prefix);
    free(err->message);
    err->message = message;
    return err->code;
}

char *dc_error_steal(dc_error *err)
{
    if (!err)
        return NULL;
    char *message = err->message;
    *err = (dc_error)DC_ERROR_INIT;
    return message;
}
