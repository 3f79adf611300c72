/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

/* How long a child may take between fork() and exec(): only a few system calls. */
#define DC_SPAWN_EXEC_TIMEOUT_MS 10000

static size_t env_name_len(const char *e)
{
    const char *eq = strchr(e, '=');
    return eq ? (size_t)(eq - e) : strlen(e);
}

/* This process's environment with the env_set entries replacing or added. */
static char **build_env(const char *const *env_set)
{
    size_t n = 0, nset = 0;
    while (environ && environ[n])
        n++;
    while (env_set && env_set[nset])
        nset++;
    char **envp = xcalloc(n + nset + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = env_name_len(environ[i]);
        bool replaced = false;
        for (size_t j = 0; j < nset && !replaced; j++)
            replaced = env_name_len(env_set[j]) == len && !strncmp(env_set[j], environ[i], len);
        if (!replaced)
            envp[k++] = environ[i];
    }
    for (size_t j = 0; j < nset; j++)
        envp[k++] = (char *)env_set[j];
    envp[k] = NULL;
    return envp;
}

/* A copy of fd at 3 or above, close-on-exec (0, 1 and 2 are about to be replaced). */
static int fd_above_stdio(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 3); }

static void close_fds(unsigned lo, unsigned hi)
{
    if (close_range(lo, hi, 0) == 0)
        return;
    for (unsigned fd = lo; fd <= hi && fd < (1u << 20); fd++)
        close((int)fd);
}

/* The child after fork(): async-signal-safe calls only, never returns. */
_Noreturn static void child(const dc_spawn_opts *o, char **envp, pid_t parent, int report_fd,
                            int devnull, unsigned max_fd)
{
    int err = 0;
    /* A child must never outlive domcaps. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);
    if (setpgid(0, 0) < 0)
        goto fail;

    int report = fd_above_stdio(report_fd);
    if (report < 0)
        goto fail;
    report_fd = report;
    const int want[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
    int tmp[3];
    for (int i = 0; i < 3; i++)
        if ((tmp[i] = fd_above_stdio(want[i] >= 0 ? want[i] : devnull)) < 0)
            goto fail;
    for (int i = 0; i < 3; i++)
        if (dup2(tmp[i], i) < 0) /* dup2 clears close-on-exec on the copy */
            goto fail;
    /* Everything else closed; the report pipe is close-on-exec and stays until exec. */
    if (report_fd > 3)
        close_fds(3, (unsigned)report_fd - 1);
    if ((unsigned)report_fd < max_fd)
        close_fds((unsigned)report_fd + 1, max_fd);

    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL); /* glibc's internal signals refuse: harmless */
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        goto fail;

    execve(o->argv[0], (char *const *)o->argv, envp);
fail:
    err = errno;
    while (write(report_fd, &err, sizeof(err)) < 0 && errno == EINTR)
        ;
    _exit(127);
}

/* The highest fd number the child may have to close. */
static unsigned highest_fd(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > (1u << 20))
        return ~0u;
    return rl.rlim_cur ? (unsigned)rl.rlim_cur - 1 : 0;
}

int dc_spawn(const dc_spawn_opts *o, pid_t *ret_pid, dc_error *err)
{
    int rp[2];
    if (pipe2(rp, O_CLOEXEC) < 0) {
        int e = errno;
        return dc_error_set(err, -e, "cannot start %s: cannot create a pipe: %s", o->argv[0],
                            strerror(e));
    }
    _cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) {
        int e = errno;
        close(rp[0]), close(rp[1]);
        return dc_error_set(err, -e, "cannot start %s: cannot open /dev/null: %s", o->argv[0],
                            strerror(e));
    }
    _cleanup_free_ char **envp = build_env(o->env_set);
    unsigned max_fd = highest_fd();
    pid_t parent = getpid();

    /* No signal handler of ours may run in the child before exec. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0)
        child(o, envp, parent, rp[1], devnull, max_fd);
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(rp[1]);
    if (pid < 0) {
        close(rp[0]);
        return dc_error_set(err, -fork_errno, "cannot start %s: cannot fork: %s", o->argv[0],
                            strerror(fork_errno));
    }
    /* Also here, so that the group exists before this returns (kill(-pid) works at once). */
    setpgid(pid, pid);

    /* The report pipe closes on exec (nothing read) or carries exec's errno. */
    int child_errno = 0;
    size_t got = 0;
    long long limit = dc_now_ms() + DC_SPAWN_EXEC_TIMEOUT_MS;
    for (;;) {
        long long left = limit - dc_now_ms();
        struct pollfd pfd = {.fd = rp[0], .events = POLLIN};
        int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            child_errno = ETIMEDOUT;
            break;
        }
        ssize_t n = read(rp[0], (char *)&child_errno + got, sizeof(child_errno) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == sizeof(child_errno))
            break;
    }
    close(rp[0]);
    if (got == sizeof(child_errno) || child_errno == ETIMEDOUT) {
        dc_spawn_reap(pid, NULL);
        if (child_errno == 0)
            child_errno = EIO;
        return dc_error_take(
            err, -child_errno,
            child_errno == ETIMEDOUT
                ? xasprintf("cannot execute %s: it did not start in time", o->argv[0])
                : xasprintf("cannot execute %s: %s", o->argv[0], strerror(child_errno)));
    }
    *ret_pid = pid;
    return 0;
}

int dc_spawn_exited(pid_t pid, int *ret_status)
{
    siginfo_t si = {0};
    for (;;) {
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0)
            break;
        if (errno != EINTR)
            return -errno;
    }
    if (si.si_pid != pid)
        return 0;
    int st = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
    if (ret_status)
        *ret_status = st;
    return 1;
}

int dc_spawn_wait(pid_t pid, int timeout_ms, int *ret_status)
{
    long long limit = dc_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    long step_us = 500;
    for (;;) {
        int r = dc_spawn_exited(pid, ret_status);
        if (r != 0)
            return r;
        long long left = limit - dc_now_ms();
        if (left <= 0)
            return 0;
        long us = left * 1000 < step_us ? (long)(left * 1000) : step_us;
        struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
        nanosleep(&ts, NULL);
        if (step_us < 20000)
            step_us *= 2;
    }
}

void dc_spawn_reap(pid_t pid, int *ret_status)
{
    if (pid <= 0)
        return;
    /* The group first, while the unreaped child still holds its id. */
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (ret_status)
        *ret_status = st;
}
