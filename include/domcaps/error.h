/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a call of libdomcaps failed: every function that can fail returns 0 or
 * a negative errno and, when given a dc_error, fills it with that code and a
 * message naming the input and the cause.
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dc_error {
    int code;      /* the negative errno also returned, 0 while unset */
    char *message; /* a whole sentence, owned by the dc_error */
} dc_error;

#define DC_ERROR_INIT                                                                              \
    {                                                                                              \
        0, 0                                                                                       \
    }

/* Frees the message and resets the error; the struct itself is the caller's. */
void dc_error_clear(dc_error *err);

#ifdef __cplusplus
}
#endif
