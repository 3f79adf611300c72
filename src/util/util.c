/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

bool endswith(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

static void oom(void)
{
    fputs("domcaps: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        oom();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        oom();
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void dc_strv_add_take(dc_strv *sv, char *s)
{
    if (sv->n + 2 > sv->alloc) {
        sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
        sv->v = xrealloc(sv->v, sv->alloc * sizeof(char *));
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

void dc_strv_add(dc_strv *sv, const char *s) { dc_strv_add_take(sv, xstrdup(s)); }

bool dc_strv_contains(const dc_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (streq(sv->v[i], s))
            return true;
    return false;
}

void dc_strv_add_unique(dc_strv *sv, const char *s)
{
    if (!dc_strv_contains(sv, s))
        dc_strv_add(sv, s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void dc_strv_sort(dc_strv *sv)
{
    /* Lists read back from a file are usually sorted already: one pass tells. */
    size_t i = 1;
    while (i < sv->n && strcmp(sv->v[i - 1], sv->v[i]) <= 0)
        i++;
    if (i < sv->n)
        qsort(sv->v, sv->n, sizeof(char *), cmp_str);
}

void dc_strv_clear(dc_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    *sv = (dc_strv){0};
}

static void buf_reserve(dc_buf *b, size_t extra)
{
    if (b->len + extra + 1 > b->alloc) {
        size_t n = b->alloc ? b->alloc : 256;
        while (n < b->len + extra + 1)
            n *= 2;
        b->s = xrealloc(b->s, n);
        b->alloc = n;
    }
}

void dc_buf_addn(dc_buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void dc_buf_add(dc_buf *b, const char *s) { dc_buf_addn(b, s, strlen(s)); }

void dc_buf_addf(dc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/*
 * The length of the well-formed UTF-8 sequence at p (1..4), or 0 when p does
 * not start one (stray continuation bytes, overlong forms, surrogates, values
 * past U+10FFFF, a truncated sequence).
 */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if ((p[0] & 0xe0) == 0xc0)
        n = 2, cp = p[0] & 0x1fu;
    else if ((p[0] & 0xf0) == 0xe0)
        n = 3, cp = p[0] & 0x0fu;
    else if ((p[0] & 0xf8) == 0xf0)
        n = 4, cp = p[0] & 0x07u;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    /* U+FFFE and U+FFFF are not characters XML allows. */
    if (cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

size_t dc_utf8_len(const char *p) { return utf8_len((const unsigned char *)p); }

/* What replaces a byte that is not text: U+FFFD. */
#define REPLACEMENT "\xef\xbf\xbd"

void dc_buf_add_xml_escaped(dc_buf *b, const char *str)
{
    for (const char *s = str; *s; s++) {
        const char *q = s;
        while ((unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80 && *q != '<' && *q != '>' &&
               *q != '&' && *q != '\'' && *q != '"')
            q++;
        if (q > s) {
            dc_buf_addn(b, s, (size_t)(q - s));
            s = q - 1;
            continue;
        }
        size_t n = utf8_len((const unsigned char *)s);
        if (n == 0 || ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')) {
            /* Neither XML 1.0 text nor representable as a character reference. */
            dc_buf_add(b, REPLACEMENT);
            continue;
        }
        if (n > 1) {
            dc_buf_addn(b, s, n);
            s += n - 1;
            continue;
        }
        switch (*s) {
        case '<':
            dc_buf_add(b, "&lt;");
            break;
        case '>':
            dc_buf_add(b, "&gt;");
            break;
        case '&':
            dc_buf_add(b, "&amp;");
            break;
        case '\'':
            dc_buf_add(b, "&apos;");
            break;
        case '"':
            dc_buf_add(b, "&quot;");
            break;
        default:
            dc_buf_addn(b, s, 1);
        }
    }
}

void dc_buf_add_json_string(dc_buf *b, const char *s)
{
    dc_buf_add(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* A run of plain ASCII goes in at once. */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
            q++;
        if (q > p) {
            dc_buf_addn(b, (const char *)p, (size_t)(q - p));
            p = q - 1;
            continue;
        }
        switch (*p) {
        case '"':
            dc_buf_add(b, "\\\"");
            break;
        case '\\':
            dc_buf_add(b, "\\\\");
            break;
        case '\n':
            dc_buf_add(b, "\\n");
            break;
        case '\r':
            dc_buf_add(b, "\\r");
            break;
        case '\t':
            dc_buf_add(b, "\\t");
            break;
        case '\b':
            dc_buf_add(b, "\\b");
            break;
        case '\f':
            dc_buf_add(b, "\\f");
            break;
        default:
            if (*p < 0x20) {
                dc_buf_addf(b, "\\u%04x", *p);
            } else {
                size_t n = utf8_len(p);
                if (n == 0) {
                    dc_buf_add(b, REPLACEMENT);
                } else {
                    dc_buf_addn(b, (const char *)p, n);
                    p += n - 1;
                }
            }
        }
    }
    dc_buf_add(b, "\"");
}

void dc_buf_indent(dc_buf *b, int level)
{
    for (int i = 0; i < level; i++)
        dc_buf_add(b, "  ");
}

char *dc_buf_steal(dc_buf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    *b = (dc_buf){0};
    return s;
}

void dc_buf_clear(dc_buf *b)
{
    free(b->s);
    *b = (dc_buf){0};
}

void dc_diag_warn(dc_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    dc_strv_add_take(&d->warnings, xvasprintf(fmt, ap));
    va_end(ap);
}

int dc_root_open(const char *path, dc_root **ret)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    dc_root *r = xcalloc(1, sizeof(*r));
    r->dirfd = fd;
    r->path = xstrdup(path);
    struct stat a, b;
    r->live =
        fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    *ret = r;
    return 0;
}

int dc_root_open_as_data(const char *path, dc_root **ret)
{
    int r = dc_root_open(path, ret);
    if (r == 0)
        (*ret)->live = false;
    return r;
}

static void tap(const dc_root *r, char kind, const char *abspath)
{
    if (r->tap)
        dc_strv_add_take(r->tap, xasprintf("%c%s", kind, abspath));
}

void dc_root_free(dc_root *r)
{
    if (!r)
        return;
    if (r->dirfd >= 0)
        close(r->dirfd);
    free(r->path);
    free(r->display);
    free(r);
}

const char *dc_root_rel(const char *abspath)
{
    while (*abspath == '/')
        abspath++;
    return *abspath ? abspath : ".";
}

void dc_root_set_display(dc_root *r, const char *prefix)
{
    free(r->display);
    r->display = xstrdup(prefix);
}

char *dc_root_fs_path(const dc_root *r, const char *abspath)
{
    if (!r || streq(r->path, "/"))
        return xstrdup(abspath);
    size_t n = strlen(r->path);
    while (n > 1 && r->path[n - 1] == '/')
        n--;
    return xasprintf("%.*s%s", (int)n, r->path, abspath);
}

char *dc_root_display(const dc_root *r, const char *abspath)
{
    if (r && r->display)
        return xasprintf("%s%s", r->display, abspath);
    if (!r || streq(r->path, "/"))
        return xstrdup(abspath);
    const char *p = r->path;
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    return xasprintf("%.*s%s", (int)n, p, abspath);
}

/* At most this many symlinks on one path, as the kernel's own limit. */
#define ROOT_MAX_SYMLINKS 40

/*
 * The component walk behind root_openat when openat2 is not available: the
 * resolved components are kept as a list, '..' pops one (never above the
 * root), a symlink's target is spliced in front of the rest (an absolute one
 * restarts at the root). The last open is O_NOFOLLOW, so a symlink swapped in
 * after the walk is not followed.
 */
static int root_walk_open(const dc_root *r, const char *rel, int flags)
{
    bool follow_last = !(flags & O_NOFOLLOW);
    dc_strv done = {0};
    _cleanup_free_ char *rest = xstrdup(rel);
    unsigned links = 0;
    int rc = 0;
    for (;;) {
        char *p = rest;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        _cleanup_free_ char *comp = xstrndup(p, n);
        _cleanup_free_ char *tail = xstrdup(p + n);
        free(rest);
        rest = TAKE_PTR(tail);
        if (streq(comp, "."))
            continue;
        if (streq(comp, "..")) {
            if (done.n)
                free(done.v[--done.n]), done.v[done.n] = NULL;
            continue;
        }
        dc_buf b = {0};
        for (size_t i = 0; i < done.n; i++)
            dc_buf_addf(&b, "%s/", done.v[i]);
        dc_buf_add(&b, comp);
        struct stat st;
        if (fstatat(r->dirfd, b.s, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = -errno;
            dc_buf_clear(&b);
            break;
        }
        bool last = !rest[strspn(rest, "/")];
        if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
            char target[PATH_MAX];
            ssize_t tl = readlinkat(r->dirfd, b.s, target, sizeof(target) - 1);
            dc_buf_clear(&b);
            if (tl < 0) {
                rc = -errno;
                break;
            }
            target[tl] = '\0';
            if (++links > ROOT_MAX_SYMLINKS) {
                rc = -ELOOP;
                break;
            }
            if (target[0] == '/')
                dc_strv_clear(&done);
            char *joined = xasprintf("%s/%s", target, rest);
            free(rest);
            rest = joined;
            continue;
        }
        dc_buf_clear(&b);
        dc_strv_add(&done, comp);
    }
    int fd = -1;
    if (rc == 0) {
        dc_buf b = {0};
        for (size_t i = 0; i < done.n; i++)
            dc_buf_addf(&b, "%s%s", i ? "/" : "", done.v[i]);
        fd = openat(r->dirfd, b.len ? b.s : ".", flags | O_NOFOLLOW | O_CLOEXEC);
        rc = fd < 0 ? -errno : 0;
        dc_buf_clear(&b);
    }
    dc_strv_clear(&done);
    return rc < 0 ? rc : fd;
}

bool dc_root_no_openat2;

/* openat() of abspath inside the root; returns an fd or -errno. */
static int root_openat(const dc_root *r, const char *abspath, int flags)
{
    const char *rel = dc_root_rel(abspath);
    if (!(flags & O_PATH))
        flags |= O_NOCTTY;
    if (r->live) {
        int fd = openat(r->dirfd, rel, flags | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
#ifdef SYS_openat2
    if (dc_root_no_openat2)
        return root_walk_open(r, rel, flags);
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, r->dirfd, rel, &how, sizeof(how));
    if (fd >= 0)
        return fd;
    if (errno != ENOSYS && errno != EPERM)
        return -errno;
#endif
    return root_walk_open(r, rel, flags);
}

int dc_root_stat(const dc_root *r, const char *abspath, struct stat *ret_st)
{
    tap(r, 's', abspath);
    if (r->live)
        return fstatat(r->dirfd, dc_root_rel(abspath), ret_st, 0) < 0 ? -errno : 0;
    _cleanup_close_ int fd = root_openat(r, abspath, O_PATH);
    if (fd < 0)
        return fd;
    return fstat(fd, ret_st) < 0 ? -errno : 0;
}

int dc_root_lstat(const dc_root *r, const char *abspath, struct stat *ret_st)
{
    tap(r, 's', abspath);
    if (r->live)
        return fstatat(r->dirfd, dc_root_rel(abspath), ret_st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
                                                                                        : 0;
    _cleanup_close_ int fd = root_openat(r, abspath, O_PATH | O_NOFOLLOW);
    if (fd < 0)
        return fd;
    return fstat(fd, ret_st) < 0 ? -errno : 0;
}

int dc_root_access(const dc_root *r, const char *abspath, int mode)
{
    tap(r, 's', abspath);
    if (r->live)
        return faccessat(r->dirfd, dc_root_rel(abspath), mode, AT_EACCESS) < 0 ? -errno : 0;
    _cleanup_close_ int fd = root_openat(r, abspath, O_PATH);
    if (fd < 0)
        return fd;
    if (faccessat(fd, "", mode, AT_EACCESS | AT_EMPTY_PATH) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -errno;
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    return faccessat(AT_FDCWD, proc, mode, AT_EACCESS) < 0 ? -errno : 0;
}

int dc_root_open_file(const dc_root *r, const char *abspath, int flags)
{
    tap(r, (flags & O_DIRECTORY) ? 'd' : 'r', abspath);
    return root_openat(r, abspath, flags);
}

int dc_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
    dc_buf b = {0};
    char tmp[16384];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int r = -errno;
            dc_buf_clear(&b);
            return r;
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > max) {
            dc_buf_clear(&b);
            return -EFBIG;
        }
        dc_buf_addn(&b, tmp, (size_t)n);
    }
    if (ret_len)
        *ret_len = b.len;
    *ret_buf = dc_buf_steal(&b);
    return 0;
}

int dc_root_read_file(const dc_root *r, const char *abspath, size_t max, char **ret_buf,
                      size_t *ret_len)
{
    _cleanup_close_ int fd = dc_root_open_file(r, abspath, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return fd;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    /* Devices and FIFOs could block forever; only regular files are read. */
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    return dc_read_fd(fd, max, ret_buf, ret_len);
}

int dc_root_read_line(const dc_root *r, const char *abspath, char **ret_line)
{
    char *buf;
    int rc = dc_root_read_file(r, abspath, 1 << 20, &buf, NULL);
    if (rc < 0)
        return rc;
    buf[strcspn(buf, "\n")] = '\0';
    *ret_line = buf;
    return 0;
}

DIR *dc_root_opendir(const dc_root *r, const char *abspath)
{
    tap(r, 'd', abspath);
    int fd = root_openat(r, abspath, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        errno = -fd;
        return NULL;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

int dc_root_find_exec(const dc_root *r, const char *name, char **ret_abspath)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && path[0] == '/') {
            _cleanup_free_ char *p = xasprintf("%.*s/%s", (int)n, path, name);
            struct stat st;
            if (dc_root_stat(r, p, &st) == 0 && S_ISREG(st.st_mode) &&
                dc_root_access(r, p, X_OK) == 0) {
                tap(r, 'x', p);
                *ret_abspath = TAKE_PTR(p);
                return 0;
            }
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return -ENOENT;
}

int dc_write_file_atomic(const char *path, const char *data, size_t len)
{
    _cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t off = 0;
    int rc = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        off += (size_t)n;
    }
    if (rc == 0 && fchmod(fd, 0644) < 0)
        rc = -errno;
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    /* The rename itself is durable only once the directory is. */
    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *dir =
        slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL))
        return -errno;
    return 0;
}

bool dc_is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *dc_xdg_config_home(void)
{
    if (geteuid() == 0)
        return NULL;
    const char *x = getenv("XDG_CONFIG_HOME");
    if (x && x[0] == '/')
        return xstrdup(x);
    const char *home = getenv("HOME");
    return home && home[0] == '/' ? xasprintf("%s/.config", home) : NULL;
}

long long dc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dc_cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

int dc_parse_u64(const char *s, int base, uint64_t max, uint64_t *ret)
{
    if (!s)
        return -EINVAL;
    const char *p = s;
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = 10;
    }
    if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
        return -EINVAL;
    uint64_t v = 0;
    bool over = false;
    for (; *p; p++) {
        unsigned d;
        if (isdigit((unsigned char)*p))
            d = (unsigned)(*p - '0');
        else if (base == 16 && isxdigit((unsigned char)*p))
            d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
        else
            return -EINVAL;
        if (v > (UINT64_MAX - d) / (unsigned)base)
            over = true;
        else
            v = v * (unsigned)base + d;
    }
    if (over || v > max)
        return -ERANGE;
    *ret = v;
    return 0;
}

int dc_parse_uint(const char *s, int base, unsigned *ret)
{
    uint64_t v;
    int r = dc_parse_u64(s, base, UINT_MAX, &v);
    if (r == 0)
        *ret = (unsigned)v;
    return r;
}

int dc_parse_i64(const char *s, int base, int64_t min, int64_t max, int64_t *ret)
{
    if (!s)
        return -EINVAL;
    bool neg = *s == '-';
    uint64_t v;
    int r = dc_parse_u64(neg ? s + 1 : s, base, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);
    if (r < 0)
        return r;
    int64_t x = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    if (x < min || x > max)
        return -ERANGE;
    *ret = x;
    return 0;
}

int dc_parse_int(const char *s, int base, int *ret)
{
    int64_t v;
    int r = dc_parse_i64(s, base, INT_MIN, INT_MAX, &v);
    if (r == 0)
        *ret = (int)v;
    return r;
}

int dc_mul_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
    if (a && b > UINT64_MAX / a)
        return -ERANGE;
    *ret = a * b;
    return 0;
}

static void bitmap_grow(dc_bitmap *b, size_t nbits)
{
    if (nbits <= b->nbits)
        return;
    size_t oldw = (b->nbits + 63) / 64, neww = (nbits + 63) / 64;
    if (neww > oldw) {
        b->w = xrealloc(b->w, neww * sizeof(uint64_t));
        memset(b->w + oldw, 0, (neww - oldw) * sizeof(uint64_t));
    }
    b->nbits = nbits;
}

void dc_bitmap_set(dc_bitmap *b, size_t i)
{
    bitmap_grow(b, i + 1);
    b->w[i / 64] |= UINT64_C(1) << (i % 64);
}

bool dc_bitmap_test(const dc_bitmap *b, size_t i)
{
    return i < b->nbits && (b->w[i / 64] >> (i % 64)) & 1;
}

/* Sets (or clears) [a, b], a word at a time. */
static void bitmap_range(dc_bitmap *bm, size_t a, size_t b, bool on)
{
    if (on)
        bitmap_grow(bm, b + 1);
    else if (a >= bm->nbits)
        return;
    else if (b >= bm->nbits)
        b = bm->nbits - 1;
    for (size_t i = a; i <= b;) {
        size_t word = i / 64, lo = i % 64;
        size_t hi = (b / 64 == word) ? b % 64 : 63;
        uint64_t mask = (hi == 63 ? ~UINT64_C(0) : ((UINT64_C(1) << (hi + 1)) - 1)) &
                        ~((UINT64_C(1) << lo) - 1);
        if (on)
            bm->w[word] |= mask;
        else
            bm->w[word] &= ~mask;
        i = word * 64 + hi + 1;
    }
}

/* One id: digits only, below limit. */
static int bitmap_id(const char **p, size_t limit, size_t *ret)
{
    if (!isdigit((unsigned char)**p))
        return -EINVAL;
    uint64_t v = 0;
    bool over = false;
    for (; isdigit((unsigned char)**p); (*p)++) {
        if (v >= limit)
            over = true; /* keep consuming: the whole number is the error */
        else
            v = v * 10 + (uint64_t)(**p - '0');
    }
    if (over || v >= limit)
        return -ERANGE;
    *ret = (size_t)v;
    return 0;
}

int dc_bitmap_parse(const char *s, size_t limit, bool allow_negation, dc_bitmap *ret)
{
    if (!s)
        return -EINVAL;
    dc_bitmap add = {0}, del = {0};
    const char *p = s;
    int r = 0;
    bool any = false;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p && !any)
            break; /* an empty set */
        bool neg = false;
        if (*p == '^' && allow_negation) {
            neg = true;
            p++;
        }
        size_t a, b;
        if ((r = bitmap_id(&p, limit, &a)) < 0)
            break;
        b = a;
        if (*p == '-') {
            p++;
            if ((r = bitmap_id(&p, limit, &b)) < 0)
                break;
            if (b < a) {
                r = -EINVAL;
                break;
            }
        }
        if (neg && b != a) {
            r = -EINVAL; /* libvirt negates single ids only */
            break;
        }
        bitmap_range(neg ? &del : &add, a, b, true);
        any = true;
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p)
            r = -EINVAL;
        break;
    }
    if (r == 0 && !any && *s && s[strspn(s, " \t\n")])
        r = -EINVAL;
    if (r < 0) {
        dc_bitmap_clear(&add);
        dc_bitmap_clear(&del);
        return r;
    }
    for (size_t i = 0; i < (del.nbits + 63) / 64 && i < (add.nbits + 63) / 64; i++)
        add.w[i] &= ~del.w[i];
    dc_bitmap_clear(&del);
    *ret = add;
    return 0;
}

size_t dc_bitmap_next(const dc_bitmap *b, size_t from)
{
    for (size_t i = from; i < b->nbits;) {
        uint64_t w = b->w[i / 64] >> (i % 64);
        if (w)
            return i + (size_t)__builtin_ctzll(w);
        i = (i / 64 + 1) * 64;
    }
    return SIZE_MAX;
}

size_t dc_bitmap_count(const dc_bitmap *b)
{
    size_t n = 0;
    for (size_t i = 0; i < (b->nbits + 63) / 64; i++)
        n += (size_t)__builtin_popcountll(b->w[i]);
    return n;
}

char *dc_bitmap_format(const dc_bitmap *b)
{
    dc_buf out = {0};
    dc_buf_add(&out, "");
    for (size_t i = dc_bitmap_next(b, 0); i != SIZE_MAX;) {
        size_t j = i;
        while (j + 1 < b->nbits && dc_bitmap_test(b, j + 1))
            j++;
        if (j > i)
            dc_buf_addf(&out, "%s%zu-%zu", out.len ? "," : "", i, j);
        else
            dc_buf_addf(&out, "%s%zu", out.len ? "," : "", i);
        i = j + 1 < b->nbits ? dc_bitmap_next(b, j + 1) : SIZE_MAX;
    }
    return dc_buf_steal(&out);
}

void dc_bitmap_clear(dc_bitmap *b)
{
    free(b->w);
    *b = (dc_bitmap){0};
}

int dc_cpulist_parse(const char *s, unsigned **ret_ids, size_t *ret_n)
{
    dc_bitmap bm = {0};
    int r = dc_bitmap_parse(s, DC_CPUSET_LIMIT, false, &bm);
    if (r < 0)
        return -EINVAL;
    size_t n = dc_bitmap_count(&bm), k = 0;
    unsigned *ids = xcalloc(n ? n : 1, sizeof(*ids));
    for (size_t i = dc_bitmap_next(&bm, 0); i != SIZE_MAX; i = dc_bitmap_next(&bm, i + 1))
        ids[k++] = (unsigned)i;
    dc_bitmap_clear(&bm);
    *ret_ids = ids;
    *ret_n = n;
    return 0;
}

char *dc_cpulist_format(const unsigned *ids, size_t n)
{
    dc_buf b = {0};
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && ids[j + 1] == ids[j] + 1)
            j++;
        if (b.len)
            dc_buf_add(&b, ",");
        if (j > i)
            dc_buf_addf(&b, "%u-%u", ids[i], ids[j]);
        else
            dc_buf_addf(&b, "%u", ids[i]);
        i = j + 1;
    }
    return dc_buf_steal(&b);
}

int dc_root_readlink(const dc_root *r, const char *abspath, char **ret)
{
    tap(r, 'l', abspath);
    char buf[PATH_MAX];
    ssize_t n;
    if (r->live) {
        n = readlinkat(r->dirfd, dc_root_rel(abspath), buf, sizeof(buf) - 1);
    } else {
        _cleanup_close_ int fd = root_openat(r, abspath, O_PATH | O_NOFOLLOW);
        if (fd < 0)
            return fd;
        n = readlinkat(fd, "", buf, sizeof(buf) - 1);
    }
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    *ret = xstrdup(buf);
    return 0;
}

bool dc_root_is_live(const dc_root *r) { return r->live; }

int dc_read_input_file(const char *what, const char *path, size_t max, char **ret_text,
                       size_t *ret_len, dc_error *err)
{
    const char *sep = *what ? " " : "";
    /* O_NONBLOCK: a FIFO must not hang us; it is refused below anyway. */
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return dc_error_set(err, -e, "cannot open %s%s%s: %s", what, sep, path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        return dc_error_set(err, -EINVAL, "cannot read %s%s%s: not a regular file", what, sep,
                            path);
    }
    int r = dc_read_fd(fd, max, ret_text, ret_len);
    if (r == -EFBIG)
        dc_error_set(err, r, "%s%s%s is larger than %zu MiB", what, sep, path, max >> 20);
    else if (r < 0)
        dc_error_set(err, r, "cannot read %s%s%s: %s", what, sep, path, strerror(-r));
    return r;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int dc_remove_tree(const char *path)
{
    /* Depth first, never following a symlink out of the tree. */
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}
