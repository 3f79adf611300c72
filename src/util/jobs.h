/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a batch of programs in parallel: at most a given number at a
 * time, heaviest first, each within a time limit past which it (and its
 * process group) is killed, each one's standard output collected. Used by
 * `probe --all`, whose workers are domcaps itself.
 */
#pragma once

#include <stdbool.h>

#include "util.h"

typedef struct dc_job {
    /* Set by the caller. */
    const char *const *argv; /* argv[0] is the file executed (no PATH search) */
    unsigned weight;         /* expected cost: heavier jobs are started first */
    /* Set by dc_jobs_run. */
    dc_buf out;     /* what the job wrote on its stdout */
    int exit_code;  /* its exit status; -1 when it did not start, was killed or died of a signal */
    bool timed_out; /* killed at the time limit */
    char *error;    /* why it did not start (NULL when it did) */
} dc_job;

typedef struct dc_jobs_opts {
    size_t max_running; /* 0: one per online CPU */
    long long limit_ms; /* each job's time limit from its start */
    int stderr_fd;      /* the jobs' stderr; -1: /dev/null */
    /*
     * Called when a job ends (exited, killed, or could not start: its error
     * is set then) with how many jobs have run to their end so far; may be NULL.
     */
    void (*finished)(void *ctx, const dc_job *job, size_t ndone, size_t total);
    void *ctx;
} dc_jobs_opts;

/*
 * Runs the n jobs, in order of decreasing weight (equal weights in the given
 * order), and returns once every one has ended. Clear each with dc_job_clear.
 */
void dc_jobs_run(dc_job *jobs, size_t n, const dc_jobs_opts *opts);
void dc_job_clear(dc_job *job);
