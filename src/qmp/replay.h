/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a recorded QMP conversation (libvirt's .replies layout) as if it
 * were a QEMU: a server thread answers on a socketpair, so the probe runs the
 * same client code as against a live emulator.
 */
#pragma once

#include "util.h"

typedef struct dc_replay dc_replay;

/* Loads and validates a recording. On failure returns -errno and a message. */
int dc_replay_load(const char *path, dc_replay **ret, dc_error *err);
int dc_replay_load_buffer(const char *name, const char *text, size_t len, dc_replay **ret,
                          dc_error *err);
/* Number of QMP sessions (qmp_capabilities negotiations) in the recording. */
size_t dc_replay_sessions(const dc_replay *r);

/*
 * Starts serving one connection; returns the client end of a socketpair.
 * Each qmp_capabilities received moves to the next recorded session.
 */
int dc_replay_connect(dc_replay *r, int *ret_fd, dc_error *err);

/* Waits for the server threads and frees everything. Accepts NULL. */
void dc_replay_free(dc_replay *r);
