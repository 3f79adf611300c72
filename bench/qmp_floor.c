/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qmp_floor EMULATOR RECORDING
 * qmp_floor --lean EMULATOR
 *
 * The benchmark floor: the least work any QMP prober has to do to ask QEMU
 * the questions domcaps asks. It replays the commands of a recording (libvirt's
 * .replies layout) against a live emulator: for each session (one per
 * qmp_capabilities; the first with accel=kvm:tcg, the others with accel=tcg)
 * it starts QEMU exactly like domcaps does, sends every recorded command in
 * order, waits for each reply by id (skipping the greeting and events), then
 * kills and reaps QEMU. No derivation, no output.
 *
 * With --lean it asks a fixed set instead, the main questions any libvirt-style
 * prober needs (capabilities, version, target, schema, KVM, types, machines,
 * CPU models, command-line options): once with accel=kvm:tcg and, when
 * /dev/kvm can be opened, once more with accel=tcg.
 *
 * QMP_FLOOR_TRACE=1 prints, per command, the milliseconds since QEMU was
 * started at which the reply arrived, and the command.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 30000

typedef struct session {
    char **cmds; /* serialized command lines, "\n"-terminated */
    char **ids;  /* the id each reply must carry */
    size_t n;
} session;

static const char *prog = "qmp_floor";
static bool trace;

static const char *const lean_commands[] = {
    "qmp_capabilities",
    "query-version",
    "query-target",
    "query-qmp-schema",
    "query-kvm",
    "qom-list-types",
    "query-machines",
    "query-cpu-definitions",
    "query-command-line-options",
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        fail("out of memory");
    return p;
}

static char *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail("cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0)
        fail("cannot stat %s: %s", path, strerror(errno));
    size_t cap = (size_t)st.st_size + 1, have = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (have + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + have, cap - have - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail("cannot read %s: %s", path, strerror(errno));
        if (n == 0)
            break;
        have += (size_t)n;
    }
    close(fd);
    buf[have] = '\0';
    *len = have;
    return buf;
}

/*
 * Finds the end of the JSON object starting at text[off] without building it;
 * sets *is_cmd when it has a top-level "execute" key. Replies (the schema is
 * megabytes) are only skipped, so loading costs next to nothing.
 */
static size_t scan_object(const char *path, const char *text, size_t len, size_t off, bool *is_cmd)
{
    if (text[off] != '{')
        fail("%s: expected a JSON object at byte %zu", path, off);
    unsigned depth = 0;
    *is_cmd = false;
    for (size_t i = off; i < len; i++) {
        char ch = text[i];
        if (ch == '"') {
            size_t start = ++i;
            while (i < len && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            if (i >= len)
                break;
            if (depth == 1 && i - start == 7 && memcmp(text + start, "execute", 7) == 0) {
                size_t j = i + 1;
                while (j < len && strchr(" \t\r\n", text[j]))
                    j++;
                if (j < len && text[j] == ':')
                    *is_cmd = true;
            }
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    fail("%s: unterminated JSON object at byte %zu", path, off);
}

static void add_command(session *cur, const char *wire, const char *id)
{
    cur->cmds = xrealloc(cur->cmds, (cur->n + 1) * sizeof(char *));
    cur->ids = xrealloc(cur->ids, (cur->n + 1) * sizeof(char *));
    size_t wl = strlen(wire);
    char *line = xrealloc(NULL, wl + 2);
    memcpy(line, wire, wl);
    memcpy(line + wl, "\n", 2);
    cur->cmds[cur->n] = line;
    cur->ids[cur->n] = strdup(id);
    cur->n++;
}

/* The lean sessions: the fixed commands, twice when KVM can be used. */
static session *lean(size_t *nsess)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    size_t ns = kvm >= 0 ? 2 : 1;
    if (kvm >= 0)
        close(kvm);
    session *s = xrealloc(NULL, ns * sizeof(*s));
    unsigned counter = 0;
    for (size_t i = 0; i < ns; i++) {
        s[i] = (session){0};
        for (size_t j = 0; j < sizeof(lean_commands) / sizeof(*lean_commands); j++) {
            char id[32], wire[160];
            snprintf(id, sizeof(id), "floor-%u", ++counter);
            snprintf(wire, sizeof(wire), "{\"execute\":\"%s\",\"id\":\"%s\"}", lean_commands[j],
                     id);
            add_command(&s[i], wire, id);
        }
    }
    *nsess = ns;
    return s;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Splits the recording into sessions of commands. */
static session *load(const char *path, size_t *nsess)
{
    size_t len;
    char *text = read_file(path, &len);
    json_tokener *tok = json_tokener_new();
    session *s = NULL;
    size_t ns = 0, off = 0;
    unsigned counter = 0;

    while (off < len) {
        if (strchr(" \t\r\n", text[off])) {
            off++;
            continue;
        }
        bool is_cmd;
        size_t end = scan_object(path, text, len, off, &is_cmd);
        if (!is_cmd) {
            off = end; /* a reply, greeting or event */
            continue;
        }
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, text + off, (int)(end - off));
        json_object *ex;
        if (!o || !json_object_object_get_ex(o, "execute", &ex))
            fail("%s: malformed command at byte %zu", path, off);
        off = end;
        if (strcmp(json_object_get_string(ex), "qmp_capabilities") == 0 || ns == 0) {
            s = xrealloc(s, (ns + 1) * sizeof(*s));
            s[ns++] = (session){0};
        }
        /* Our own ids: unique within the connection whatever the file holds. */
        char id[32];
        snprintf(id, sizeof(id), "floor-%u", ++counter);
        json_object_object_add(o, "id", json_object_new_string(id));
        const char *wire = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
        add_command(&s[ns - 1], wire, id);
        json_object_put(o);
    }
    json_tokener_free(tok);
    free(text);
    if (ns == 0)
        fail("%s: no commands in it", path);
    *nsess = ns;
    return s;
}

static pid_t spawn(const char *binary, const char *accel, int *ret_fd)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        fail("socketpair: %s", strerror(errno));
    char machine[64];
    snprintf(machine, sizeof(machine), "none,accel=%s", accel);
    const char *argv[] = {binary,       "-S",       "-no-user-config", "-nodefaults",
                          "-nographic", "-machine", machine,           "-qmp",
                          "stdio",      NULL};
    pid_t pid = fork();
    if (pid < 0)
        fail("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
            _exit(127);
        setenv("LC_ALL", "C", 1);
        execv(binary, (char *const *)argv);
        dprintf(2, "cannot execute %s: %s\n", binary, strerror(errno));
        _exit(127);
    }
    close(sv[1]);
    *ret_fd = sv[0];
    return pid;
}

typedef struct reader {
    int fd;
    char *buf;
    size_t len, cap;
} reader;

/* Returns the next line (NUL-terminated in place, valid until the next call). */
static char *next_line(reader *r, size_t *consumed)
{
    if (*consumed) {
        memmove(r->buf, r->buf + *consumed, r->len - *consumed);
        r->len -= *consumed;
        *consumed = 0;
    }
    size_t scanned = 0;
    for (;;) {
        char *nl = r->len > scanned ? memchr(r->buf + scanned, '\n', r->len - scanned) : NULL;
        if (nl) {
            *nl = '\0';
            *consumed = (size_t)(nl - r->buf) + 1;
            return r->buf;
        }
        scanned = r->len;
        if (r->cap - r->len < 65536)
            r->buf = xrealloc(r->buf, r->cap = r->cap ? r->cap * 2 : 1 << 20);
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        int pr = poll(&p, 1, REPLY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            fail("QEMU did not answer in time");
        ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail("QEMU closed the connection");
        r->len += (size_t)n;
    }
}

static void run_session(const char *binary, const char *accel, const session *s, reader *r)
{
    int fd;
    double t0 = now_ms();
    pid_t pid = spawn(binary, accel, &fd);
    r->fd = fd;
    r->len = 0;
    size_t consumed = 0;
    json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);

    for (size_t i = 0; i < s->n; i++) {
        const char *c = s->cmds[i];
        size_t left = strlen(c);
        while (left) {
            ssize_t n = send(fd, c, left, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                fail("QEMU closed the connection: %s", strerror(errno));
            c += n;
            left -= (size_t)n;
        }
        for (;;) {
            char *line = next_line(r, &consumed);
            size_t ll = strlen(line);
            if (ll == 0)
                continue;
            json_tokener_reset(tok);
            json_object *m = json_tokener_parse_ex(tok, line, (int)ll);
            if (!m)
                fail("malformed QMP message from QEMU");
            json_object *id;
            bool ours = json_object_object_get_ex(m, "id", &id) &&
                        strcmp(json_object_get_string(id), s->ids[i]) == 0;
            json_object_put(m);
            if (ours)
                break;
        }
        if (trace)
            fprintf(stderr, "%s %8.2f ms %.*s\n", accel, now_ms() - t0,
                    (int)strcspn(s->cmds[i], "\n"), s->cmds[i]);
    }
    json_tokener_free(tok);
    close(fd);
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (trace)
        fprintf(stderr, "%s %8.2f ms reaped\n", accel, now_ms() - t0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s EMULATOR RECORDING\n       %s --lean EMULATOR\n", prog, prog);
        return 2;
    }
    const char *t = getenv("QMP_FLOOR_TRACE");
    trace = t && *t && strcmp(t, "0") != 0;
    size_t ns;
    bool is_lean = strcmp(argv[1], "--lean") == 0;
    session *s = is_lean ? lean(&ns) : load(argv[2], &ns);
    if (is_lean)
        argv[1] = argv[2];
    reader r = {0};
    for (size_t i = 0; i < ns; i++)
        run_session(argv[1], i == 0 ? "kvm:tcg" : "tcg", &s[i], &r);
    /* Process exit frees the rest. */
    free(r.buf);
    return 0;
}
