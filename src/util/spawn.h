/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one way domcaps starts a program (QEMU, swtpm, probe --all workers).
 * Everything the child needs is prepared before fork(); between fork() and
 * exec() the child makes only async-signal-safe calls: it gets its own
 * process group, SIGKILL when domcaps dies, default signal dispositions and
 * an empty mask, and no file descriptor but 0, 1 and 2.
 */
#pragma once

#include <sys/types.h>

#include "util.h"

typedef struct dc_spawn_opts {
    const char *const *argv; /* argv[0] is the file executed (a path, no PATH search) */
    /* "NAME=value" entries replacing or adding to this process's environment; may be NULL. */
    const char *const *env_set;
    /* The child's fd 0, 1 and 2; -1 means /dev/null. Borrowed, may be the same fd. */
    int stdin_fd, stdout_fd, stderr_fd;
} dc_spawn_opts;

/*
 * Starts the program. Returns 0 and the child's pid (also its process group)
 * once it has executed, or -errno and a message when it could not be started
 * (-ENOEXEC, -EACCES, -ENOENT... when exec failed; the child is reaped then).
 */
int dc_spawn(const dc_spawn_opts *o, pid_t *ret_pid, dc_error *err);

/*
 * Whether pid has exited, without reaping it: the zombie keeps the pid and so
 * its process group id from being reused until dc_spawn_reap(). Returns 1 and
 * the wait status when it exited, 0 when it still runs, -errno on failure.
 */
int dc_spawn_exited(pid_t pid, int *ret_status);

/*
 * Waits up to timeout_ms (0: just checks) for pid to exit, without reaping it.
 * Returns 1 and the status when it exited, 0 on timeout.
 */
int dc_spawn_wait(pid_t pid, int timeout_ms, int *ret_status);

/*
 * Kills the child's whole process group (so whatever it started dies with
 * it, even after the child itself exited) and reaps the child. The status is
 * stored when ret_status is not NULL. Accepts pid <= 0 (does nothing).
 */
void dc_spawn_reap(pid_t pid, int *ret_status);
