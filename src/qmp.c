/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "qmp.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* The largest single QMP message accepted (the schema reply is about 1 MiB). */
#define DC_QMP_MAX_MESSAGE (64u << 20)
#define DC_QMP_MAX_STDERR (64u << 10)

struct dc_qmp {
    int fd;
    pid_t pid;
    int errfd;
    dc_buf in; /* bytes received, not yet parsed */
    dc_buf stderr_text;
    unsigned next_id;
    dc_qmp_opts opts;
    bool eof;
    int exit_status; /* valid once reaped */
    bool reaped;
};

void dc_qmp_error_clear(dc_qmp_error *e)
{
    free(e->klass);
    free(e->desc);
    *e = (dc_qmp_error){0};
}

dc_qmp *dc_qmp_new_fd(int fd, const dc_qmp_opts *opts)
{
    dc_qmp *q = xcalloc(1, sizeof(*q));
    q->fd = fd;
    q->pid = -1;
    q->errfd = -1;
    q->opts = *opts;
    if (q->opts.command_timeout_ms <= 0)
        q->opts.command_timeout_ms = 30000;
    return q;
}

static void reap(dc_qmp *q, bool wait_for_it)
{
    if (q->pid <= 0 || q->reaped)
        return;
    int st;
    pid_t r = waitpid(q->pid, &st, wait_for_it ? 0 : WNOHANG);
    if (r == q->pid) {
        q->reaped = true;
        q->exit_status = st;
    }
}

int dc_qmp_spawn(const char *binary, const char *accel, const dc_qmp_opts *opts, dc_qmp **ret,
                 char **ret_msg)
{
    int sv[2], ep[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        *ret_msg = xasprintf("cannot create the QMP socket pair: %s", strerror(errno));
        return -errno;
    }
    if (pipe2(ep, O_CLOEXEC) < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        *ret_msg = xasprintf("cannot create the stderr pipe: %s", strerror(e));
        return -e;
    }
    _cleanup_free_ char *machine = xasprintf("none,accel=%s", accel);
    const char *argv[] = {binary,       "-S",       "-no-user-config", "-nodefaults",
                          "-nographic", "-machine", machine,           "-qmp",
                          "stdio",      NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]), close(sv[1]), close(ep[0]), close(ep[1]);
        *ret_msg = xasprintf("cannot fork: %s", strerror(e));
        return -e;
    }
    if (pid == 0) {
        /* A probe must never outlive domcaps. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 || dup2(ep[1], 2) < 0)
            _exit(127);
        setenv("LC_ALL", "C", 1);
        execv(binary, (char *const *)argv);
        dprintf(2, "cannot execute %s: %s\n", binary, strerror(errno));
        _exit(127);
    }
    close(sv[1]);
    close(ep[1]);
    fcntl(ep[0], F_SETFL, O_NONBLOCK);
    dc_qmp *q = dc_qmp_new_fd(sv[0], opts);
    q->pid = pid;
    q->errfd = ep[0];
    *ret = q;
    return 0;
}

static void drain_stderr(dc_qmp *q)
{
    if (q->errfd < 0)
        return;
    char tmp[4096];
    for (;;) {
        ssize_t n = read(q->errfd, tmp, sizeof(tmp));
        if (n > 0) {
            if (q->stderr_text.len < DC_QMP_MAX_STDERR)
                dc_buf_addn(&q->stderr_text, tmp, (size_t)n);
            continue;
        }
        if (n == 0) {
            close(q->errfd);
            q->errfd = -1;
        }
        break;
    }
}

/* A description of why the peer went away, with what QEMU printed. */
static char *describe_exit(dc_qmp *q, const char *what)
{
    _cleanup_free_ char *err = NULL;
    if (q->pid > 0) {
        /* Give a dying QEMU a moment to finish writing stderr and exit. */
        for (int i = 0; i < 50 && !q->reaped; i++) {
            drain_stderr(q);
            reap(q, false);
            if (!q->reaped)
                usleep(2000);
        }
        drain_stderr(q);
        if (q->stderr_text.len) {
            /* One line of message: the emulator's lines joined with "; ". */
            dc_buf one = {0};
            const char *p = q->stderr_text.s;
            while (*p) {
                size_t n = strcspn(p, "\r\n");
                if (n) {
                    if (one.len)
                        dc_buf_add(&one, "; ");
                    dc_buf_addn(&one, p, n);
                }
                p += n;
                p += strspn(p, "\r\n");
            }
            err = one.len ? dc_buf_steal(&one) : NULL;
            dc_buf_clear(&one);
        }
        if (q->reaped) {
            int st = q->exit_status;
            _cleanup_free_ char *how = WIFEXITED(st)
                                           ? xasprintf("exited with status %d", WEXITSTATUS(st))
                                           : xasprintf("was killed by signal %d", WTERMSIG(st));
            return err ? xasprintf("%s: the emulator %s: %s", what, how, err)
                       : xasprintf("%s: the emulator %s", what, how);
        }
    }
    return err ? xasprintf("%s: %s", what, err) : xstrdup(what);
}

/* Reads one JSON line within timeout; returns 0, -ETIMEDOUT, -EPIPE or -EBADMSG. */
static int read_message(dc_qmp *q, json_object **ret, char **ret_msg)
{
    long long start = dc_now_ms();
    long long limit = start + q->opts.command_timeout_ms;
    if (q->opts.deadline_ms && q->opts.deadline_ms < limit)
        limit = q->opts.deadline_ms;

    for (;;) {
        char *nl = q->in.s ? memchr(q->in.s, '\n', q->in.len) : NULL;
        if (nl) {
            size_t linelen = (size_t)(nl - q->in.s);
            _cleanup_free_ char *perr = NULL;
            json_object *o = NULL;
            bool blank = true;
            for (size_t i = 0; i < linelen; i++)
                if (!strchr(" \t\r", q->in.s[i]))
                    blank = false;
            if (!blank)
                o = dc_json_parse(q->in.s, linelen, &perr);
            memmove(q->in.s, nl + 1, q->in.len - linelen - 1);
            q->in.len -= linelen + 1;
            q->in.s[q->in.len] = '\0';
            if (blank)
                continue;
            if (!o) {
                *ret_msg = xasprintf("malformed QMP message: %s", perr);
                return -EBADMSG;
            }
            if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                *ret_msg = xstrdup("malformed QMP message: not a JSON object");
                return -EBADMSG;
            }
            *ret = o;
            return 0;
        }
        if (q->eof) {
            *ret_msg =
                describe_exit(q, q->in.len ? "QMP connection closed in the middle of a message"
                                           : "QMP connection closed");
            return -EPIPE;
        }
        if (q->in.len > DC_QMP_MAX_MESSAGE) {
            *ret_msg = xasprintf("QMP message larger than %u bytes", DC_QMP_MAX_MESSAGE);
            return -EBADMSG;
        }

        long long now = dc_now_ms();
        if (now >= limit) {
            *ret_msg = describe_exit(q, q->opts.deadline_ms && limit == q->opts.deadline_ms
                                            ? "QEMU did not answer in time (overall probe limit)"
                                            : "QEMU did not answer in time");
            return -ETIMEDOUT;
        }
        struct pollfd pfd[2] = {{.fd = q->fd, .events = POLLIN},
                                {.fd = q->errfd, .events = POLLIN}};
        int r = poll(pfd, q->errfd >= 0 ? 2 : 1, (int)(limit - now));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *ret_msg = xasprintf("poll failed: %s", strerror(errno));
            return -errno;
        }
        if (q->errfd >= 0 && pfd[1].revents)
            drain_stderr(q);
        if (pfd[0].revents) {
            char tmp[65536];
            ssize_t n = read(q->fd, tmp, sizeof(tmp));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0)
                q->eof = true;
            else
                dc_buf_addn(&q->in, tmp, (size_t)n);
        }
    }
}

static int write_all(dc_qmp *q, const char *s, size_t len, char **ret_msg)
{
    while (len) {
        ssize_t n = send(q->fd, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK)
            n = write(q->fd, s, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *ret_msg = describe_exit(q, "QMP connection closed");
            return -EPIPE;
        }
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Sends one command; returns the command object (for recording) or NULL on failure. */
static json_object *send_command(dc_qmp *q, const char *command, json_object *args, char **ret_msg)
{
    _cleanup_free_ char *id = xasprintf("domcaps-%u", ++q->next_id);
    json_object *cmd = json_object_new_object();
    json_object_object_add(cmd, "execute", json_object_new_string(command));
    if (args)
        json_object_object_add(cmd, "arguments", json_object_get(args));
    json_object_object_add(cmd, "id", json_object_new_string(id));

    const char *wire = json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
    dc_buf line = {0};
    dc_buf_add(&line, wire);
    dc_buf_add(&line, "\n");
    int r = write_all(q, line.s, line.len, ret_msg);
    dc_buf_clear(&line);
    if (r < 0) {
        json_object_put(cmd);
        return NULL;
    }
    return cmd;
}

static int receive_reply(dc_qmp *q, json_object *cmd, json_object **ret_return,
                         dc_qmp_error *ret_err, char **ret_msg)
{
    const char *id = dc_json_get_string(cmd, "id");
    const char *command = dc_json_get_string(cmd, "execute");
    for (;;) {
        json_object *msg = NULL;
        int r = read_message(q, &msg, ret_msg);
        if (r < 0)
            return r;
        if (dc_json_get(msg, "event")) {
            json_object_put(msg);
            continue;
        }
        const char *rid = dc_json_get_string(msg, "id");
        if (!rid || !streq(rid, id)) {
            /* A reply to something else (or a stray greeting): not ours. */
            json_object_put(msg);
            continue;
        }
        json_object *ret_val = dc_json_get(msg, "return");
        json_object *err = dc_json_get_object(msg, "error");
        if (!ret_val && !err) {
            json_object_put(msg);
            *ret_msg = xasprintf(
                "malformed QMP message: reply to '%s' has neither 'return' nor 'error'", command);
            return -EBADMSG;
        }
        if (q->opts.record) {
            dc_json_pretty(q->opts.record, cmd, 0);
            dc_buf_add(q->opts.record, "\n\n");
            dc_json_pretty(q->opts.record, msg, 0);
            dc_buf_add(q->opts.record, "\n\n");
        }
        if (ret_val) {
            *ret_return = json_object_get(ret_val);
            json_object_put(msg);
            return 0;
        }
        const char *k = dc_json_get_string(err, "class");
        const char *d = dc_json_get_string(err, "desc");
        ret_err->klass = xstrdup(k ? k : "GenericError");
        ret_err->desc = xstrdup(d ? d : "");
        json_object_put(msg);
        return 1;
    }
}

int dc_qmp_handshake(dc_qmp *q, char **ret_msg)
{
    /*
     * qmp_capabilities goes out before the greeting arrives: QEMU reads it
     * only after greeting, and a program that merely echoes its input (not a
     * QEMU) is then caught at once instead of after a timeout.
     */
    _cleanup_free_ char *send_msg = NULL;
    _cleanup_json_ json_object *cmd = send_command(q, "qmp_capabilities", NULL, &send_msg);
    json_object *greeting = NULL;
    int r = read_message(q, &greeting, ret_msg);
    if (r == -EPIPE || r == -EBADMSG)
        return -ENOEXEC; /* gone or garbled before greeting: not a QEMU */
    if (r < 0)
        return r;
    bool ok = dc_json_get_object(greeting, "QMP") != NULL;
    json_object_put(greeting);
    if (!ok) {
        *ret_msg = xstrdup("no QMP greeting: the peer does not speak QMP");
        return -ENOEXEC;
    }
    if (!cmd) {
        /* It greeted, so it is a QEMU, and then it went away. */
        *ret_msg = TAKE_PTR(send_msg);
        return -EPIPE;
    }
    _cleanup_json_ json_object *ret_obj = NULL;
    dc_qmp_error err = {0};
    r = receive_reply(q, cmd, &ret_obj, &err, ret_msg);
    if (r == 1) {
        *ret_msg = xasprintf("qmp_capabilities failed: %s", err.desc ? err.desc : "unknown error");
        dc_qmp_error_clear(&err);
        return -EPROTO;
    }
    return r;
}

int dc_qmp_command(dc_qmp *q, const char *command, json_object *args, json_object **ret_return,
                   dc_qmp_error *ret_err, char **ret_msg)
{
    _cleanup_json_ json_object *cmd = send_command(q, command, args, ret_msg);
    if (!cmd)
        return -EPIPE;
    return receive_reply(q, cmd, ret_return, ret_err, ret_msg);
}

void dc_qmp_free(dc_qmp *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    if (q->pid > 0 && !q->reaped) {
        /* The whole process group: a wrapper script may have children. */
        kill(-q->pid, SIGKILL);
        kill(q->pid, SIGKILL);
        reap(q, true);
    }
    if (q->errfd >= 0)
        close(q->errfd);
    dc_buf_clear(&q->in);
    dc_buf_clear(&q->stderr_text);
    free(q);
}
