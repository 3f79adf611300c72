/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "replay.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>

#include "json.h"

#define DC_REPLAY_MAX_FILE (64u << 20)
#define DC_REPLAY_MAX_LINE (1u << 20)

typedef struct entry {
    char *execute;
    json_object *args; /* NULL when the command had none */
    json_object *reply;
    bool used;
} entry;

typedef struct session {
    entry *e;
    size_t n;
} session;

typedef struct conn {
    dc_replay *r;
    int fd;
    pthread_t thread;
} conn;

struct dc_replay {
    char *name;
    session *s;
    size_t nsess;
    long cur; /* session being served; advanced by each qmp_capabilities */
    json_object *version;
    conn **conns;
    size_t nconns;
    pthread_mutex_t lock;
};

size_t dc_replay_sessions(const dc_replay *r) { return r->nsess; }

static unsigned line_of(const char *text, size_t off)
{
    unsigned line = 1;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n')
            line++;
    return line;
}

static session *new_session(dc_replay *r)
{
    r->s = xrealloc(r->s, (r->nsess + 1) * sizeof(session));
    r->s[r->nsess] = (session){0};
    return &r->s[r->nsess++];
}

/* The JSON object at *off (moved past it); -EBADMSG when there is none. */
static int next_object(json_tokener *tok, const char *name, const char *text, size_t len,
                       size_t *off, json_object **ret, dc_error *err)
{
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, text + *off, (int)(len - *off));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (!o) {
        return dc_error_set(err, -EBADMSG, "malformed recording %s: line %u: %s", name,
                            line_of(text, *off),
                            jerr == json_tokener_continue ? "unexpected end of data"
                                                          : json_tokener_error_desc(jerr));
    }
    size_t start = *off;
    *off += json_tokener_get_parse_end(tok);
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return dc_error_set(err, -EBADMSG,
                            "malformed recording %s: line %u: expected a JSON object", name,
                            line_of(text, start));
    }
    *ret = o;
    return 0;
}

/* A command and its reply (taken), in the current session; qmp_capabilities opens a new one. */
static void record_entry(dc_replay *r, json_object *command, json_object *reply)
{
    const char *ex = dc_json_get_string(command, "execute");
    if (streq(ex, "qmp_capabilities") || r->nsess == 0)
        new_session(r);
    if (streq(ex, "query-version") && dc_json_get_object(reply, "return") && !r->version)
        r->version = json_object_get(dc_json_get(reply, "return"));
    session *s = &r->s[r->nsess - 1];
    s->e = xrealloc(s->e, (s->n + 1) * sizeof(entry));
    json_object *args = dc_json_get_object(command, "arguments");
    s->e[s->n++] = (entry){
        .execute = xstrdup(ex),
        .args = args && json_object_object_length(args) ? json_object_get(args) : NULL,
        .reply = reply,
    };
}

int dc_replay_load_buffer(const char *name, const char *text, size_t len, dc_replay **ret,
                          dc_error *err)
{
    dc_replay *r = xcalloc(1, sizeof(*r));
    r->name = xstrdup(name);
    r->cur = -1;
    pthread_mutex_init(&r->lock, NULL);
    json_tokener *tok = json_tokener_new_ex(128);
    json_object *pending = NULL; /* a command waiting for its reply */
    size_t pending_off = 0;
    size_t off = 0;
    int rc = 0;

    while (off < len) {
        if (strchr(" \t\r\n", text[off])) {
            off++;
            continue;
        }
        size_t start = off;
        json_object *o = NULL;
        rc = next_object(tok, name, text, len, &off, &o, err);
        if (rc < 0)
            break;
        if (dc_json_get_string(o, "execute")) {
            if (pending) {
                dc_error_set(err, -EBADMSG,
                             "malformed recording %s: line %u: command '%s' has no reply", name,
                             line_of(text, pending_off), dc_json_get_string(pending, "execute"));
                json_object_put(o);
                rc = -EBADMSG;
                break;
            }
            pending = o;
            pending_off = start;
            continue;
        }
        if (!dc_json_get(o, "return") && !dc_json_get_object(o, "error")) {
            json_object_put(o);
            /* A greeting or an event in the file: nothing to answer with. */
            continue;
        }
        if (!pending) {
            dc_error_set(err, -EBADMSG, "malformed recording %s: line %u: reply without a command",
                         name, line_of(text, start));
            json_object_put(o);
            rc = -EBADMSG;
            break;
        }
        record_entry(r, pending, o);
        json_object_put(pending);
        pending = NULL;
    }
    if (rc == 0 && pending) {
        dc_error_set(err, -EBADMSG, "malformed recording %s: line %u: command '%s' has no reply",
                     name, line_of(text, pending_off), dc_json_get_string(pending, "execute"));
        rc = -EBADMSG;
    }
    if (rc == 0 && r->nsess == 0) {
        dc_error_set(err, -EBADMSG, "malformed recording %s: no QMP commands in it", name);
        rc = -EBADMSG;
    }
    if (pending)
        json_object_put(pending);
    json_tokener_free(tok);
    if (rc < 0) {
        dc_replay_free(r);
        return rc;
    }
    *ret = r;
    return 0;
}

int dc_replay_load(const char *path, dc_replay **ret, dc_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    int r = dc_read_input_file("recording", path, DC_REPLAY_MAX_FILE, &text, &len, err);
    if (r < 0)
        return r;
    return dc_replay_load_buffer(path, text, len, ret, err);
}

static bool args_equal(json_object *a, json_object *b)
{
    if (!a || !b)
        return !a && !b;
    return json_object_equal(a, b);
}

/* Finds the answer in the current session: the first unused match, else the last match. */
static json_object *lookup(dc_replay *r, const char *execute, json_object *args)
{
    if (r->cur < 0 || (size_t)r->cur >= r->nsess)
        return NULL;
    session *s = &r->s[r->cur];
    entry *last = NULL;
    for (size_t i = 0; i < s->n; i++) {
        entry *e = &s->e[i];
        if (!streq(e->execute, execute) || !args_equal(e->args, args))
            continue;
        if (!e->used) {
            e->used = true;
            return e->reply;
        }
        last = e;
    }
    return last ? last->reply : NULL;
}

static bool send_json(int fd, json_object *o)
{
    const char *s =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(s);
    while (len) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        s += n;
        len -= (size_t)n;
    }
    return send(fd, "\n", 1, MSG_NOSIGNAL) == 1;
}

static json_object *answer(dc_replay *r, json_object *cmd)
{
    const char *ex = dc_json_get_string(cmd, "execute");
    json_object *args = dc_json_get_object(cmd, "arguments");
    if (args && json_object_object_length(args) == 0)
        args = NULL;
    json_object *out = json_object_new_object();
    pthread_mutex_lock(&r->lock);
    if (ex && streq(ex, "qmp_capabilities"))
        r->cur++;
    json_object *rec = ex ? lookup(r, ex, args) : NULL;
    if (rec) {
        json_object *v = dc_json_get(rec, "return");
        if (v)
            json_object_object_add(out, "return", json_object_get(v));
        else
            json_object_object_add(out, "error", json_object_get(dc_json_get(rec, "error")));
    } else if (ex && streq(ex, "qmp_capabilities")) {
        json_object_object_add(out, "return", json_object_new_object());
    } else {
        json_object *err = json_object_new_object();
        json_object_object_add(err, "class", json_object_new_string("CommandNotFound"));
        _cleanup_free_ char *d = xasprintf("The command %s has not been found", ex ? ex : "(none)");
        json_object_object_add(err, "desc", json_object_new_string(d));
        json_object_object_add(out, "error", err);
    }
    pthread_mutex_unlock(&r->lock);
    json_object *id = dc_json_get(cmd, "id");
    if (id)
        json_object_object_add(out, "id", json_object_get(id));
    return out;
}

static void *serve(void *arg)
{
    conn *c = arg;
    json_object *greeting = json_object_new_object();
    json_object *qmp = json_object_new_object();
    json_object_object_add(
        qmp, "version", c->r->version ? json_object_get(c->r->version) : json_object_new_object());
    json_object_object_add(qmp, "capabilities", json_object_new_array());
    json_object_object_add(greeting, "QMP", qmp);
    bool ok = send_json(c->fd, greeting);
    json_object_put(greeting);

    dc_buf in = {0};
    char tmp[8192];
    while (ok) {
        char *nl;
        while (ok && in.s && (nl = memchr(in.s, '\n', in.len))) {
            size_t n = (size_t)(nl - in.s);
            json_object *cmd = NULL;
            (void)dc_json_parse(in.s, n, &cmd, NULL);
            memmove(in.s, nl + 1, in.len - n - 1);
            in.len -= n + 1;
            if (!cmd)
                continue;
            json_object *out = answer(c->r, cmd);
            ok = send_json(c->fd, out);
            json_object_put(out);
            json_object_put(cmd);
        }
        if (!ok || in.len > DC_REPLAY_MAX_LINE)
            break;
        ssize_t n = recv(c->fd, tmp, sizeof(tmp), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        dc_buf_addn(&in, tmp, (size_t)n);
    }
    dc_buf_clear(&in);
    shutdown(c->fd, SHUT_RDWR);
    return NULL;
}

int dc_replay_connect(dc_replay *r, int *ret_fd, dc_error *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        return dc_error_set(err, -errno, "cannot create a socket pair: %s", strerror(errno));
    }
    conn *c = xcalloc(1, sizeof(*c));
    c->r = r;
    c->fd = sv[1];
    int e = pthread_create(&c->thread, NULL, serve, c);
    if (e != 0) {
        close(sv[0]);
        close(sv[1]);
        free(c);
        return dc_error_set(err, -e, "cannot start the replay thread: %s", strerror(e));
    }
    r->conns = xrealloc(r->conns, (r->nconns + 1) * sizeof(conn *));
    r->conns[r->nconns++] = c;
    *ret_fd = sv[0];
    return 0;
}

void dc_replay_free(dc_replay *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nconns; i++) {
        /* The client end is closed by then; the server sees EOF and ends. */
        pthread_join(r->conns[i]->thread, NULL);
        close(r->conns[i]->fd);
        free(r->conns[i]);
    }
    free(r->conns);
    for (size_t i = 0; i < r->nsess; i++) {
        for (size_t j = 0; j < r->s[i].n; j++) {
            free(r->s[i].e[j].execute);
            if (r->s[i].e[j].args)
                json_object_put(r->s[i].e[j].args);
            json_object_put(r->s[i].e[j].reply);
        }
        free(r->s[i].e);
    }
    free(r->s);
    if (r->version)
        json_object_put(r->version);
    pthread_mutex_destroy(&r->lock);
    free(r->name);
    free(r);
}
