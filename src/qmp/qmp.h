/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A QMP client over one connected stream fd (a live QEMU or a replay server). */
#pragma once

#include <sys/types.h>

#include "json.h"

typedef struct dc_qmp dc_qmp;

typedef struct dc_qmp_opts {
    int command_timeout_ms; /* per exchange: sending a command and the whole wait for its reply */
    long long deadline_ms;  /* absolute dc_now_ms() limit for the whole probe, 0: none */
    dc_buf *record;         /* when set, every command and reply is appended */
} dc_qmp_opts;

/* Result of a command that QEMU answered with an error object. */
typedef struct dc_qmp_error {
    char *klass;
    char *desc;
} dc_qmp_error;

void dc_qmp_error_clear(dc_qmp_error *e);

/*
 * Starts binary with the probing command line and "-machine none,accel=<accel>",
 * its QMP monitor on a socketpair. On failure returns -errno and a message.
 */
int dc_qmp_spawn(const char *binary, const char *accel, const dc_qmp_opts *opts, dc_qmp **ret,
                 dc_error *err);

/* Wraps an already connected fd (takes ownership). */
dc_qmp *dc_qmp_new_fd(int fd, const dc_qmp_opts *opts);

/* Reads the greeting and negotiates capabilities. */
int dc_qmp_handshake(dc_qmp *q, dc_error *err);

/*
 * Runs one command. args may be NULL (borrowed). Returns 0 and *ret_return
 * (owned by the caller) on success, 1 and *ret_err when QEMU answered with an
 * error, or -errno with *err on a transport failure (EOF, timeout, garbage).
 */
int dc_qmp_command(dc_qmp *q, const char *command, json_object *args, json_object **ret_return,
                   dc_qmp_error *ret_err, dc_error *err);

/*
 * Sends a command without waiting for its reply (args borrowed). The next
 * dc_qmp_command() of the same command and arguments takes that reply, in the
 * order sent: QEMU answers in order. A command sent ahead that is never asked
 * for has its reply read and dropped. Returns 0, or -errno and *err when
 * it could not be sent (dc_qmp_command() then sends it again and reports).
 */
int dc_qmp_send_ahead(dc_qmp *q, const char *command, json_object *args, dc_error *err);

/*
 * Cuts the connection from another thread: a command waiting on it fails at
 * once as if QEMU had closed it. dc_qmp_free() must not run at the same time.
 */
void dc_qmp_abort(dc_qmp *q);

/* Kills and reaps a spawned QEMU, closes the connection. Accepts NULL. */
void dc_qmp_free(dc_qmp *q);
