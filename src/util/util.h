/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domcaps/error.h"

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(dc_freep)
#define _cleanup_close_ _cleanup_(dc_closep)
#define _cleanup_fclose_ _cleanup_(dc_fclosep)
#define _cleanup_closedir_ _cleanup_(dc_closedirp)
#define _cleanup_strv_ _cleanup_(dc_strv_freep)
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define TAKE_PTR(p)                                                                                \
    ({                                                                                             \
        __typeof__(p) _p = (p);                                                                    \
        (p) = NULL;                                                                                \
        _p;                                                                                        \
    })
#define TAKE_FD(fd)                                                                                \
    ({                                                                                             \
        int _fd = (fd);                                                                            \
        (fd) = -1;                                                                                 \
        _fd;                                                                                       \
    })

static inline void dc_freep(void *p) { free(*(void **)p); }

/*
 * The error convention of every layer: a function that can fail returns 0 or
 * a negative errno and describes the failure in the caller's dc_error (which
 * may be NULL when the caller wants only the code).
 */
#define _cleanup_error_ _cleanup_(dc_error_clear)
/* Sets err to code and the formatted message (replacing any); returns code. */
int dc_error_set(dc_error *err, int code, const char *fmt, ...) _printf_(3, 4);
/* The same with a message already made, which err takes (or frees when NULL). */
int dc_error_take(dc_error *err, int code, char *message);
/* Puts the formatted context before err's message; returns err's code. */
int dc_error_prefix(dc_error *err, const char *fmt, ...) _printf_(2, 3);
/* Hands over err's message (NULL when unset) and resets err. */
char *dc_error_steal(dc_error *err);
static inline void dc_closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}
static inline void dc_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
static inline void dc_closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
static inline bool streq_ptr(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}
static inline bool startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}
bool endswith(const char *s, const char *suffix);

/* Allocation failure is not recoverable in a command-line tool; abort loudly. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
_printf_(1, 0) char *xvasprintf(const char *fmt, va_list ap);

/* NULL-terminated string vector. */
typedef struct dc_strv {
    char **v;
    size_t n;
    size_t alloc;
} dc_strv;

void dc_strv_add(dc_strv *sv, const char *s);
void dc_strv_add_take(dc_strv *sv, char *s);
bool dc_strv_contains(const dc_strv *sv, const char *s);
/* Adds s unless already present. */
void dc_strv_add_unique(dc_strv *sv, const char *s);
void dc_strv_sort(dc_strv *sv);
void dc_strv_clear(dc_strv *sv);
static inline void dc_strv_freep(dc_strv *sv) { dc_strv_clear(sv); }

/* Growable text buffer. */
typedef struct dc_buf {
    char *s;
    size_t len;
    size_t alloc;
} dc_buf;

void dc_buf_add(dc_buf *b, const char *s);
void dc_buf_addn(dc_buf *b, const char *s, size_t n);
void dc_buf_addf(dc_buf *b, const char *fmt, ...) _printf_(2, 3);
/*
 * The length of the well-formed UTF-8 character at p (1..4), 0 when p does
 * not start one (a stray or truncated sequence, an overlong form, a
 * surrogate, U+FFFE, U+FFFF or past U+10FFFF).
 */
size_t dc_utf8_len(const char *p);
void dc_buf_add_xml_escaped(dc_buf *b, const char *s);
void dc_buf_add_json_string(dc_buf *b, const char *s);
void dc_buf_indent(dc_buf *b, int level);
char *dc_buf_steal(dc_buf *b);
void dc_buf_clear(dc_buf *b);

/* Diagnostics: warnings collected by library code for the CLI to print. */
typedef struct dc_diag {
    dc_strv warnings;
} dc_diag;

void dc_diag_warn(dc_diag *d, const char *fmt, ...) _printf_(2, 3);

/*
 * Root-aware file access. Every probe reads host state through a dc_root so
 * that tests can point it at a fixture tree (--sysroot). Inside a root other
 * than the live /, every path resolves inside it: '..' stops at the root and
 * symlinks, absolute or relative, are followed as if the root were / (openat2
 * RESOLVE_IN_ROOT, or a component walk where the kernel lacks it), so a
 * captured root can never make domcaps read a file of the machine it runs on.
 */
typedef struct dc_root {
    int dirfd;
    char *path; /* as given, for messages */
    bool live;  /* the root is this machine's own /: paths are used as they are */
    /*
     * When set, every path reached through the root is noted here as one
     * string: a kind letter then the path. 'r' a file opened (read), 's'
     * stat/lstat/access, 'd' a directory listed, 'l' a symlink read, 'x' an
     * executable found. A host capture copies exactly what the probes read.
     */
    dc_strv *tap;
    char *display; /* what messages show before a path; NULL: path (see dc_root_set_display) */
} dc_root;

int dc_root_open(const char *path, dc_root **ret);
/*
 * Opens a root whose files are data even when it is this machine's / : the
 * probes read it as they read a captured root (sysfs instead of libusb, the
 * captured answers of swtpm), which is how a capture sees what they need.
 */
int dc_root_open_as_data(const char *path, dc_root **ret);
/* Tests set this to exercise the component walk used where openat2 is missing. */
extern bool dc_root_no_openat2;
void dc_root_free(dc_root *r);
/*
 * Messages show paths under this prefix instead of the root's path: "" for a
 * root that stands for another host's / (a bundle), whose paths are the host's.
 */
void dc_root_set_display(dc_root *r, const char *prefix);
/* Path inside the root, relative (no leading '/'), for *at() calls. */
const char *dc_root_rel(const char *abspath);
/* Where abspath is on this machine, for a library that opens files itself (libpci). */
char *dc_root_fs_path(const dc_root *r, const char *abspath);
/* Human-readable path for messages: the sysroot prefix plus abspath. */
char *dc_root_display(const dc_root *r, const char *abspath);
int dc_root_stat(const dc_root *r, const char *abspath, struct stat *ret_st);
int dc_root_lstat(const dc_root *r, const char *abspath, struct stat *ret_st);
/* access(2) with the effective ids; returns 0 or -errno */
int dc_root_access(const dc_root *r, const char *abspath, int mode);
int dc_root_open_file(const dc_root *r, const char *abspath, int flags);
/* Reads a whole file of at most max bytes; -EFBIG when larger. */
int dc_root_read_file(const dc_root *r, const char *abspath, size_t max, char **ret_buf,
                      size_t *ret_len);
/* First line without the trailing newline. */
int dc_root_read_line(const dc_root *r, const char *abspath, char **ret_line);
DIR *dc_root_opendir(const dc_root *r, const char *abspath);
/* Searches $PATH (of this process) for an executable named name inside the root. */
int dc_root_find_exec(const dc_root *r, const char *name, char **ret_abspath);

/* The target of a symlink inside the root, as stored (not resolved). */
int dc_root_readlink(const dc_root *r, const char *abspath, char **ret);
/* True when the root is this machine's own / (libraries that ignore roots may be used). */
bool dc_root_is_live(const dc_root *r);

/*
 * Strict numbers: the whole string is the number (no sign, no spaces, no
 * suffix); base 10, 16 (an optional 0x) or 0 (0x means hex, no octal).
 * Returns 0, -EINVAL when s is not a number, -ERANGE when it exceeds max.
 */
int dc_parse_u64(const char *s, int base, uint64_t max, uint64_t *ret);
int dc_parse_uint(const char *s, int base, unsigned *ret);
/* As dc_parse_u64 with an optional leading '-', within [min, max]. */
int dc_parse_i64(const char *s, int base, int64_t min, int64_t max, int64_t *ret);
int dc_parse_int(const char *s, int base, int *ret);
/* a * b, or -ERANGE when it does not fit. */
int dc_mul_u64(uint64_t a, uint64_t b, uint64_t *ret);

/*
 * Bitmaps of CPU or node ids. dc_bitmap_parse reads libvirt's and the
 * kernel's set syntax ("0-3,8", with allow_negation also "^2"; spaces around
 * items allowed) in one pass, in time linear in the string plus limit/64:
 * every id must be below limit (-ERANGE otherwise), malformed text is
 * -EINVAL.
 */
typedef struct dc_bitmap {
    uint64_t *w;
    size_t nbits;
} dc_bitmap;
int dc_bitmap_parse(const char *s, size_t limit, bool allow_negation, dc_bitmap *ret);
bool dc_bitmap_test(const dc_bitmap *b, size_t i);
void dc_bitmap_set(dc_bitmap *b, size_t i);
/* The first set bit at or after from, or SIZE_MAX. */
size_t dc_bitmap_next(const dc_bitmap *b, size_t from);
size_t dc_bitmap_count(const dc_bitmap *b);
/* "0-3,8"; "" for an empty set. */
char *dc_bitmap_format(const dc_bitmap *b);
void dc_bitmap_clear(dc_bitmap *b);
/* The largest set id the kernel's and libvirt's CPU lists may name here. */
#define DC_CPUSET_LIMIT 16384

/* CPU lists as the kernel writes them ("0-3,8"): parsed sorted and unique, and printed back. */
int dc_cpulist_parse(const char *s, unsigned **ret_ids, size_t *ret_n);
char *dc_cpulist_format(const unsigned *ids, size_t n);
/* qsort comparison for unsigned. */
int dc_cmp_unsigned(const void *a, const void *b);

/* Reads a whole fd of at most max bytes. */
int dc_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len);
/*
 * Reads an input file named on the command line: a regular file of at most
 * max bytes. what ("recording", "" ...) goes into the messages.
 */
int dc_read_input_file(const char *what, const char *path, size_t max, char **ret_text,
                       size_t *ret_len, dc_error *err);
/* Removes a directory tree (symlinks themselves, never what they point to). */
int dc_remove_tree(const char *path);
/* Writes a file atomically: temp file in the same directory, fsync, rename. */
int dc_write_file_atomic(const char *path, const char *data, size_t len);

/* A regular file the caller may execute. */
bool dc_is_executable_file(const char *path);
/* $XDG_CONFIG_HOME or ~/.config for a user; NULL for root (firmware descriptors under /etc only).
 */
char *dc_xdg_config_home(void);

/* Monotonic clock in milliseconds. */
long long dc_now_ms(void);
