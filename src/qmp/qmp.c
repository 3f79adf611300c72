/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "qmp.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "spawn.h"

/* The largest single QMP message accepted (the schema reply is about 1 MiB). */
#define DC_QMP_MAX_MESSAGE (64u << 20)
#define DC_QMP_MAX_STDERR (64u << 10)

/* What a message quotes of the emulator's stderr: its first lines, this long at most. */
#define DC_QMP_STDERR_LINES 3
#define DC_QMP_STDERR_QUOTE 400

struct dc_qmp {
    int fd;
    pid_t pid;
    int errfd;
    dc_buf in;       /* bytes received */
    size_t in_off;   /* in.s[in_off..] is not parsed yet */
    size_t scan_off; /* in.s[in_off..scan_off] holds no newline */
    dc_buf stderr_text;
    unsigned next_id;
    json_object **ahead; /* commands sent whose replies are not read yet, oldest first */
    size_t nahead;
    dc_qmp_opts opts;
    bool eof;
    int exit_status; /* valid once exited */
    bool exited;     /* exited, not reaped: the zombie keeps the process group id */
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

static void note_exit(dc_qmp *q)
{
    if (q->pid > 0 && !q->exited && dc_spawn_exited(q->pid, &q->exit_status) > 0)
        q->exited = true;
}

/* Errors of exec() that mean "this file is not a program we can run". */
static bool exec_refused(int e)
{
    return e == ENOENT || e == EACCES || e == ENOEXEC || e == ENOTDIR || e == ELOOP ||
           e == ENAMETOOLONG || e == EISDIR || e == ETXTBSY || e == EPERM || e == ELIBBAD;
}

int dc_qmp_spawn(const char *binary, const char *accel, const dc_qmp_opts *opts, dc_qmp **ret,
                 dc_error *err)
{
    int sv[2], ep[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        return dc_error_set(err, -errno, "cannot create the QMP socket pair: %s", strerror(errno));
    }
    if (pipe2(ep, O_CLOEXEC) < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return dc_error_set(err, -e, "cannot create the stderr pipe: %s", strerror(e));
    }
    _cleanup_free_ char *machine = xasprintf("none,accel=%s", accel);
    const char *argv[] = {binary,       "-S",       "-no-user-config", "-nodefaults",
                          "-nographic", "-machine", machine,           "-qmp",
                          "stdio",      NULL};
    const char *env[] = {"LC_ALL=C", NULL};
    dc_spawn_opts so = {
        .argv = argv, .env_set = env, .stdin_fd = sv[1], .stdout_fd = sv[1], .stderr_fd = ep[1]};
    pid_t pid;
    int r = dc_spawn(&so, &pid, err);
    close(sv[1]);
    close(ep[1]);
    if (r < 0) {
        close(sv[0]);
        close(ep[0]);
        /* A file that cannot be executed is not a QEMU: an input error, not a probe failure. */
        return exec_refused(-r) ? -ENOEXEC : r;
    }
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

/*
 * One line quoting what the emulator printed on stderr: its first non-empty
 * lines joined with "; ", control characters as '?', cut (at a character
 * boundary, with "...") when longer than the quote limit; NULL when it
 * printed nothing.
 */
static char *stderr_summary(const dc_buf *text)
{
    dc_buf one = {0};
    const char *p = text->s ? text->s : "";
    const char *end = p + text->len;
    unsigned lines = 0;
    bool cut = false;
    while (p < end) {
        size_t n = 0;
        while (p + n < end && p[n] != '\n' && p[n] != '\r')
            n++;
        if (n) {
            if (lines == DC_QMP_STDERR_LINES || one.len >= DC_QMP_STDERR_QUOTE) {
                cut = true;
                break;
            }
            if (one.len)
                dc_buf_add(&one, "; ");
            for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)p[i];
                if (one.len >= DC_QMP_STDERR_QUOTE && (ch & 0xc0) != 0x80) {
                    cut = true;
                    break;
                }
                char c = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
                dc_buf_addn(&one, &c, 1);
            }
            lines++;
            if (cut)
                break;
        }
        p += n;
        while (p < end && (*p == '\n' || *p == '\r'))
            p++;
    }
    if (!one.len)
        return NULL;
    if (cut || text->len >= DC_QMP_MAX_STDERR)
        dc_buf_add(&one, " ... (truncated)");
    return dc_buf_steal(&one);
}

/* A description of why the peer went away, with what QEMU printed. */
static char *describe_exit(dc_qmp *q, const char *what)
{
    _cleanup_free_ char *err = NULL;
    if (q->pid > 0) {
        /* Give a dying QEMU a moment to finish writing stderr and exit. */
        for (int i = 0; i < 50 && !q->exited; i++) {
            drain_stderr(q);
            note_exit(q);
            if (!q->exited)
                usleep(2000);
        }
        drain_stderr(q);
        err = stderr_summary(&q->stderr_text);
        if (q->exited) {
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

/* The absolute limit for one exchange: the command timeout, within the probe's deadline. */
static long long exchange_limit(const dc_qmp *q)
{
    long long limit = dc_now_ms() + q->opts.command_timeout_ms;
    if (q->opts.deadline_ms && q->opts.deadline_ms < limit)
        limit = q->opts.deadline_ms;
    return limit;
}

static char *timeout_message(dc_qmp *q, long long limit)
{
    return describe_exit(q, q->opts.deadline_ms && limit == q->opts.deadline_ms
                                ? "QEMU did not answer in time (overall probe limit)"
                                : "QEMU did not answer in time");
}

/* Takes the next complete line out of the input buffer, or returns false. */
static bool take_line(dc_qmp *q, const char **ret_line, size_t *ret_len)
{
    if (q->in.len <= q->scan_off)
        return false;
    char *nl = memchr(q->in.s + q->scan_off, '\n', q->in.len - q->scan_off);
    if (!nl) {
        q->scan_off = q->in.len;
        return false;
    }
    *ret_line = q->in.s + q->in_off;
    *ret_len = (size_t)(nl - *ret_line);
    q->in_off = q->scan_off = (size_t)(nl - q->in.s) + 1;
    return true;
}

/*
 * Reads one JSON line before limit (absolute dc_now_ms()); returns 0,
 * -ETIMEDOUT, -EPIPE or -EBADMSG. The limit holds however many lines arrive.
 */
static int read_message(dc_qmp *q, long long limit, json_object **ret, dc_error *err)
{
    for (;;) {
        if (dc_now_ms() >= limit) {
            return dc_error_take(err, -ETIMEDOUT, timeout_message(q, limit));
        }
        const char *line;
        size_t linelen;
        if (take_line(q, &line, &linelen)) {
            bool blank = true;
            for (size_t i = 0; i < linelen && blank; i++)
                if (!strchr(" \t\r", line[i]))
                    blank = false;
            if (blank)
                continue;
            json_object *o = NULL;
            int pr = dc_json_parse(line, linelen, &o, err);
            if (pr < 0) {
                return dc_error_prefix(err, "malformed QMP message: ");
            }
            if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return dc_error_set(err, -EBADMSG, "malformed QMP message: not a JSON object");
            }
            *ret = o;
            return 0;
        }
        /* Everything parsed so far is dropped before reading more. */
        if (q->in_off) {
            memmove(q->in.s, q->in.s + q->in_off, q->in.len - q->in_off);
            q->in.len -= q->in_off;
            q->scan_off -= q->in_off;
            q->in_off = 0;
            if (q->in.s)
                q->in.s[q->in.len] = '\0';
        }
        if (q->eof) {
            return dc_error_take(
                err, -EPIPE,
                describe_exit(q, q->in.len ? "QMP connection closed in the middle of a message"
                                           : "QMP connection closed"));
        }
        if (q->in.len > DC_QMP_MAX_MESSAGE) {
            return dc_error_set(err, -EBADMSG, "QMP message larger than %u bytes",
                                DC_QMP_MAX_MESSAGE);
        }

        long long now = dc_now_ms();
        if (now >= limit)
            continue; /* reported at the top */
        struct pollfd pfd[2] = {{.fd = q->fd, .events = POLLIN},
                                {.fd = q->errfd, .events = POLLIN}};
        int r = poll(pfd, q->errfd >= 0 ? 2 : 1, (int)(limit - now));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return dc_error_set(err, -errno, "poll failed: %s", strerror(errno));
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

static int write_all(dc_qmp *q, const char *s, size_t len, long long limit, dc_error *err)
{
    while (len) {
        ssize_t n = send(q->fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == ENOTSOCK)
            n = write(q->fd, s, len);
        if (n < 0 && errno == EAGAIN) {
            /* A peer that does not read its input gets no longer than an answer would. */
            long long left = limit - dc_now_ms();
            struct pollfd pfd = {.fd = q->fd, .events = POLLOUT};
            if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
                return dc_error_take(err, -ETIMEDOUT, timeout_message(q, limit));
            }
            continue;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return dc_error_take(err, -EPIPE, describe_exit(q, "QMP connection closed"));
        }
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Sends one command; *ret_cmd is the command object sent (for recording). */
static int send_command(dc_qmp *q, const char *command, json_object *args, long long limit,
                        json_object **ret_cmd, dc_error *err)
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
    int r = write_all(q, line.s, line.len, limit, err);
    dc_buf_clear(&line);
    if (r < 0) {
        json_object_put(cmd);
        return r;
    }
    *ret_cmd = cmd;
    return 0;
}

/* Waits for the reply to cmd until limit, skipping events and other replies. */
static int receive_reply(dc_qmp *q, json_object *cmd, long long limit, json_object **ret_return,
                         dc_qmp_error *ret_err, dc_error *err)
{
    const char *id = dc_json_get_string(cmd, "id");
    const char *command = dc_json_get_string(cmd, "execute");
    for (;;) {
        json_object *msg = NULL;
        int r = read_message(q, limit, &msg, err);
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
        json_object *qerr = dc_json_get_object(msg, "error");
        if (!ret_val && !qerr) {
            json_object_put(msg);
            return dc_error_set(
                err, -EBADMSG,
                "malformed QMP message: reply to '%s' has neither 'return' nor 'error'", command);
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
        const char *k = dc_json_get_string(qerr, "class");
        const char *d = dc_json_get_string(qerr, "desc");
        ret_err->klass = xstrdup(k ? k : "GenericError");
        ret_err->desc = xstrdup(d ? d : "");
        json_object_put(msg);
        return 1;
    }
}

int dc_qmp_handshake(dc_qmp *q, dc_error *err)
{
    /* The greeting and the capabilities reply share one command timeout. */
    long long limit = exchange_limit(q);
    /*
     * qmp_capabilities goes out before the greeting arrives: QEMU reads it
     * only after greeting, and a program that merely echoes its input (not a
     * QEMU) is then caught at once instead of after a timeout.
     */
    _cleanup_error_ dc_error send_error = DC_ERROR_INIT;
    _cleanup_json_ json_object *cmd = NULL;
    int send_err = send_command(q, "qmp_capabilities", NULL, limit, &cmd, &send_error);
    if (send_err == -ETIMEDOUT) {
        return dc_error_take(err, -ETIMEDOUT, dc_error_steal(&send_error));
    }
    json_object *greeting = NULL;
    int r = read_message(q, limit, &greeting, err);
    if (r == -EPIPE || r == -EBADMSG)
        return -ENOEXEC; /* gone or garbled before greeting: not a QEMU */
    if (r < 0)
        return r;
    bool ok = dc_json_get_object(greeting, "QMP") != NULL;
    json_object_put(greeting);
    if (!ok) {
        return dc_error_set(err, -ENOEXEC, "no QMP greeting: the peer does not speak QMP");
    }
    if (!cmd) {
        /* It greeted, so it is a QEMU, and then it went away. */
        return dc_error_take(err, -EPIPE, dc_error_steal(&send_error));
    }
    _cleanup_json_ json_object *ret_obj = NULL;
    dc_qmp_error qerr = {0};
    r = receive_reply(q, cmd, limit, &ret_obj, &qerr, err);
    if (r == 1) {
        dc_error_set(err, -EPROTO, "qmp_capabilities failed: %s",
                     qerr.desc ? qerr.desc : "unknown error");
        dc_qmp_error_clear(&qerr);
        return -EPROTO;
    }
    return r;
}

int dc_qmp_send_ahead(dc_qmp *q, const char *command, json_object *args, dc_error *err)
{
    json_object *cmd = NULL;
    int r = send_command(q, command, args, exchange_limit(q), &cmd, err);
    if (r < 0)
        return r;
    q->ahead = xrealloc(q->ahead, (q->nahead + 1) * sizeof(*q->ahead));
    q->ahead[q->nahead++] = cmd;
    return 0;
}

static bool same_args(json_object *a, json_object *b)
{
    if (!a || !b)
        return !a && !b;
    return json_object_equal(a, b);
}

/* Takes the oldest command sent ahead, or NULL when there is none. */
static json_object *take_ahead(dc_qmp *q)
{
    if (!q->nahead)
        return NULL;
    json_object *cmd = q->ahead[0];
    memmove(q->ahead, q->ahead + 1, (q->nahead - 1) * sizeof(*q->ahead));
    q->nahead--;
    return cmd;
}

int dc_qmp_command(dc_qmp *q, const char *command, json_object *args, json_object **ret_return,
                   dc_qmp_error *ret_err, dc_error *err)
{
    /* The timeout covers sending and the whole wait for the reply, events or not. */
    long long limit = exchange_limit(q);
    json_object *cmd = NULL;
    while (!cmd && q->nahead) {
        json_object *head = take_ahead(q);
        if (streq_ptr(dc_json_get_string(head, "execute"), command) &&
            same_args(dc_json_get(head, "arguments"), args)) {
            cmd = head;
            break;
        }
        /* Sent ahead but not asked for after all: its reply is read and dropped, unrecorded. */
        dc_buf *record = q->opts.record;
        q->opts.record = NULL;
        json_object *ret = NULL;
        dc_qmp_error qerr = {0};
        int r = receive_reply(q, head, limit, &ret, &qerr, err);
        q->opts.record = record;
        json_object_put(head);
        if (ret)
            json_object_put(ret);
        dc_qmp_error_clear(&qerr);
        if (r < 0)
            return r;
    }
    int r = cmd ? 0 : send_command(q, command, args, limit, &cmd, err);
    if (r < 0)
        return r;
    r = receive_reply(q, cmd, limit, ret_return, ret_err, err);
    json_object_put(cmd);
    return r;
}

void dc_qmp_abort(dc_qmp *q) { shutdown(q->fd, SHUT_RDWR); }

void dc_qmp_free(dc_qmp *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    /* The whole process group, even when QEMU itself has exited: it may have left children. */
    dc_spawn_reap(q->pid, NULL);
    if (q->errfd >= 0)
        close(q->errfd);
    dc_buf_clear(&q->in);
    dc_buf_clear(&q->stderr_text);
    for (size_t i = 0; i < q->nahead; i++)
        json_object_put(q->ahead[i]);
    free(q->ahead);
    free(q);
}
