/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "jobs.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

/* What the runner keeps of one job while it runs. */
typedef struct slot {
    pid_t pid;     /* -1: not started or reaped */
    int fd;        /* its stdout, -1 once at EOF */
    long long end; /* dc_now_ms() limit */
} slot;

typedef struct runner {
    dc_job *jobs;
    slot *slots;
    size_t n, running, done;
    const dc_jobs_opts *opts;
    struct pollfd *pfd;
    size_t *idx; /* the job of each pfd entry */
} runner;

/* The start order: decreasing weight, stable. */
static size_t *start_order(const dc_job *jobs, size_t n)
{
    size_t *order = xcalloc(n ? n : 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        for (; k > 0 && jobs[order[k - 1]].weight < jobs[i].weight; k--)
            order[k] = order[k - 1];
        order[k] = i;
    }
    return order;
}

static void report(runner *rn, size_t i)
{
    if (rn->opts->finished)
        rn->opts->finished(rn->opts->ctx, &rn->jobs[i], rn->done, rn->n);
}

/* Starts job i with its stdout on a pipe; a failure is recorded on the job and reported. */
static void start_job(runner *rn, size_t i)
{
    dc_job *j = &rn->jobs[i];
    slot *s = &rn->slots[i];
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        j->error = xasprintf("cannot create a pipe: %s", strerror(errno));
        report(rn, i);
        return;
    }
    dc_spawn_opts so = {
        .argv = j->argv, .stdin_fd = -1, .stdout_fd = p[1], .stderr_fd = rn->opts->stderr_fd};
    dc_error e = DC_ERROR_INIT;
    int r = dc_spawn(&so, &s->pid, &e);
    if (r < 0)
        j->error = dc_error_steal(&e);
    close(p[1]);
    if (r < 0) {
        close(p[0]);
        s->pid = -1;
        report(rn, i);
        return;
    }
    s->fd = p[0];
    s->end = dc_now_ms() + rn->opts->limit_ms;
    rn->running++;
}

/* Ends job i: reaps it (killing its process group) and records its exit code. */
static void finish_job(runner *rn, size_t i, bool killed)
{
    dc_job *j = &rn->jobs[i];
    slot *s = &rn->slots[i];
    int st = 0;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    dc_spawn_reap(s->pid, &st);
    s->pid = -1;
    j->timed_out = killed;
    j->exit_code = !killed && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    rn->running--;
    rn->done++;
    report(rn, i);
}

/* Waits for output (or the soonest time limit) and reads what is there. */
static void drain_output(runner *rn)
{
    size_t np = 0;
    long long now = dc_now_ms(), soonest = 0;
    for (size_t i = 0; i < rn->n; i++) {
        if (rn->slots[i].pid < 0)
            continue;
        if (!soonest || rn->slots[i].end < soonest)
            soonest = rn->slots[i].end;
        if (rn->slots[i].fd >= 0) {
            rn->pfd[np] = (struct pollfd){.fd = rn->slots[i].fd, .events = POLLIN};
            rn->idx[np++] = i;
        }
    }
    int wait_ms = soonest > now ? (int)(soonest - now) : 0;
    if (np < rn->running && wait_ms > 10)
        wait_ms = 10; /* a job closed its stdout: look for its exit soon */
    int nready = poll(rn->pfd, np, wait_ms);
    for (size_t k = 0; nready > 0 && k < np; k++) {
        if (!rn->pfd[k].revents)
            continue;
        slot *s = &rn->slots[rn->idx[k]];
        char tmp[65536];
        ssize_t len = read(s->fd, tmp, sizeof(tmp));
        if (len > 0)
            dc_buf_addn(&rn->jobs[rn->idx[k]].out, tmp, (size_t)len);
        else if (len == 0 || (errno != EINTR && errno != EAGAIN)) {
            close(s->fd);
            s->fd = -1;
        }
    }
}

/* Ends the jobs that exited (their stdout at EOF) and the ones past their limit. */
static void reap_finished(runner *rn)
{
    long long now = dc_now_ms();
    for (size_t i = 0; i < rn->n; i++) {
        slot *s = &rn->slots[i];
        if (s->pid < 0)
            continue;
        bool late = now >= s->end;
        if (!late && (s->fd >= 0 || dc_spawn_exited(s->pid, NULL) == 0))
            continue;
        finish_job(rn, i, late);
    }
}

void dc_jobs_run(dc_job *jobs, size_t n, const dc_jobs_opts *opts)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t limit = opts->max_running ? opts->max_running : ncpu > 0 ? (size_t)ncpu : 1;
    runner rn = {.jobs = jobs,
                 .n = n,
                 .opts = opts,
                 .slots = xcalloc(n ? n : 1, sizeof(slot)),
                 .pfd = xcalloc(n ? n : 1, sizeof(struct pollfd)),
                 .idx = xcalloc(n ? n : 1, sizeof(size_t))};
    for (size_t i = 0; i < n; i++) {
        rn.slots[i] = (slot){.pid = -1, .fd = -1};
        jobs[i].exit_code = -1;
    }
    _cleanup_free_ size_t *order = start_order(jobs, n);
    size_t next = 0;
    while (next < n || rn.running) {
        while (next < n && rn.running < limit)
            start_job(&rn, order[next++]);
        if (!rn.running)
            break;
        drain_output(&rn);
        reap_finished(&rn);
    }
    free(rn.slots);
    free(rn.pfd);
    free(rn.idx);
}

void dc_job_clear(dc_job *job)
{
    dc_buf_clear(&job->out);
    free(job->error);
    job->error = NULL;
}
