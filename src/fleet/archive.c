/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bundle container: a gzip stream of typed, length-prefixed entries. */
#include "archive.h"

#include <fcntl.h>
#include <zlib.h>

#include "bundle.h"

#define MAGIC "domcaps-bundle 1\n"
#define END "end\n"
#define MAX_PATH_LEN 4096
#define MAX_COMPRESSED (256u << 20)

void dc_archive_init(dc_archive *a)
{
    *a = (dc_archive){0};
    dc_buf_addn(&a->b, MAGIC, strlen(MAGIC));
}

void dc_archive_add(dc_archive *a, char type, const char *path, unsigned mode, const char *data,
                    size_t len)
{
    dc_buf_addf(&a->b, "%c %zu %o %s\n", type, len, mode & 0755, path);
    dc_buf_addn(&a->b, data ? data : "", len);
    dc_buf_addn(&a->b, "\n", 1);
    a->nentries++;
}

void dc_archive_clear(dc_archive *a)
{
    dc_buf_clear(&a->b);
    *a = (dc_archive){0};
}

static int gzip_buffer(const char *in, size_t len, dc_buf *out)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -ENOMEM;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int zr;
    do {
        char chunk[65536];
        z.next_out = (Bytef *)chunk;
        z.avail_out = sizeof(chunk);
        zr = deflate(&z, Z_FINISH);
        dc_buf_addn(out, chunk, sizeof(chunk) - z.avail_out);
    } while (zr == Z_OK || zr == Z_BUF_ERROR);
    deflateEnd(&z);
    return zr == Z_STREAM_END ? 0 : -EIO;
}

int dc_archive_write(dc_archive *a, const char *file, dc_error *err)
{
    dc_buf_addn(&a->b, END, strlen(END));
    dc_buf z = {0};
    int r = a->b.len > UINT32_MAX ? -EFBIG : gzip_buffer(a->b.s, a->b.len, &z);
    if (r == 0)
        r = dc_write_file_atomic(file, z.s, z.len);
    if (r < 0)
        dc_error_set(err, r, "cannot write bundle %s: %s", file, strerror(-r));
    dc_buf_clear(&z);
    dc_archive_clear(a);
    return r;
}

/* The whole decompressed stream, refusing more than DC_BUNDLE_MAX_BYTES or a damaged one. */
static int gunzip_buffer(const char *file, const char *in, size_t len, dc_buf *out, dc_error *err)
{
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -ENOMEM;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int zr;
    do {
        char chunk[65536];
        z.next_out = (Bytef *)chunk;
        z.avail_out = sizeof(chunk);
        zr = inflate(&z, Z_NO_FLUSH);
        dc_buf_addn(out, chunk, sizeof(chunk) - z.avail_out);
        if (out->len > DC_BUNDLE_MAX_BYTES) {
            inflateEnd(&z);
            return dc_error_set(err, -EINVAL,
                                "%s: unpacks to more than %llu MiB: not a bundle domcaps reads",
                                file, DC_BUNDLE_MAX_BYTES >> 20);
        }
    } while (zr == Z_OK);
    bool trailing = z.avail_in != 0;
    inflateEnd(&z);
    if (zr == Z_STREAM_END && !trailing)
        return 0;
    return dc_error_take(
        err, -EINVAL,
        zr == Z_STREAM_END  ? xasprintf("%s: data after the end of the compressed bundle", file)
        : zr == Z_BUF_ERROR ? xasprintf("%s: the bundle is truncated", file)
                            : xasprintf("%s: not a bundle (no gzip stream, or a damaged "
                                        "one: %s)",
                                        file, z.msg ? z.msg : "corrupt data"));
}

/* A relative path of plain components: no '', '.', '..', no control bytes. */
static bool path_ok(const char *p)
{
    if (!*p || *p == '/' || strlen(p) > MAX_PATH_LEN)
        return false;
    for (const char *c = p; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\')
            return false;
    for (const char *c = p; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += n;
        if (*c == '/' && !*++c)
            return false;
    }
    return true;
}

/* One header line "<type> <len> <mode> <path>", NUL-terminated in place. */
static int parse_header(char *line, dc_archive_entry *e, size_t remaining)
{
    if (!strchr("dfls", line[0]) || line[1] != ' ')
        return -EINVAL;
    e->type = line[0];
    char *len_s = line + 2, *sp = strchr(len_s, ' ');
    if (!sp)
        return -EINVAL;
    *sp = '\0';
    char *mode_s = sp + 1;
    sp = strchr(mode_s, ' ');
    if (!sp)
        return -EINVAL;
    *sp = '\0';
    uint64_t len, mode;
    if (dc_parse_u64(len_s, 10, remaining, &len) < 0 || dc_parse_u64(mode_s, 8, 0755, &mode) < 0)
        return -EINVAL;
    e->len = (size_t)len;
    e->mode = (unsigned)mode;
    e->path = sp + 1;
    return path_ok(e->path) ? 0 : -EINVAL;
}

static int check_entry(dc_archive_entry *e)
{
    if (e->type == 'd' && e->len)
        return -EINVAL;
    if (e->type == 'l' && (!e->len || e->len > MAX_PATH_LEN || memchr(e->data, '\0', e->len)))
        return -EINVAL;
    if (e->type == 's') {
        char num[24];
        uint64_t v;
        if (!e->len || e->len >= sizeof(num))
            return -EINVAL;
        memcpy(num, e->data, e->len);
        num[e->len] = '\0';
        if (dc_parse_u64(num, 10, DC_BUNDLE_MAX_SPARSE, &v) < 0)
            return -EINVAL;
        e->sparse_size = v;
    }
    return 0;
}

static int parse_entries(const char *file, dc_archive_reader *r, dc_error *err)
{
    size_t off = strlen(MAGIC);
    size_t cap = 0;
    for (;;) {
        if (r->len - off == strlen(END) && memcmp(r->text + off, END, strlen(END)) == 0)
            return 0;
        char *nl = memchr(r->text + off, '\n', r->len - off);
        if (!nl || r->nentries >= DC_BUNDLE_MAX_ENTRIES)
            break;
        *nl = '\0';
        dc_archive_entry e = {0};
        size_t body = (size_t)(nl + 1 - r->text);
        if (parse_header(r->text + off, &e, r->len - body) < 0)
            break;
        e.data = r->text + body;
        if (body + e.len >= r->len || r->text[body + e.len] != '\n' || check_entry(&e) < 0)
            break;
        if (r->nentries == cap) {
            cap = cap ? cap * 2 : 64;
            r->entries = xrealloc(r->entries, cap * sizeof(*r->entries));
        }
        r->entries[r->nentries++] = e;
        off = body + e.len + 1;
    }
    return dc_error_set(err, -EINVAL,
                        "%s: damaged bundle: entry %zu (offset %zu) is malformed or the archive "
                        "does not end properly",
                        file, r->nentries + 1, off);
}

int dc_archive_read(const char *file, dc_archive_reader *ret, dc_error *err)
{
    *ret = (dc_archive_reader){0};
    _cleanup_free_ char *raw = NULL;
    size_t rawlen = 0;
    int r = dc_read_input_file("bundle", file, MAX_COMPRESSED, &raw, &rawlen, err);
    if (r < 0)
        return r;
    dc_buf b = {0};
    r = gunzip_buffer(file, raw, rawlen, &b, err);
    if (r < 0) {
        dc_buf_clear(&b);
        return r;
    }
    size_t len = b.len;
    return dc_archive_parse(file, dc_buf_steal(&b), len, ret, err);
}

int dc_archive_parse(const char *name, char *text, size_t len, dc_archive_reader *ret,
                     dc_error *err)
{
    *ret = (dc_archive_reader){.text = text, .len = len};
    if (!text || len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0) {
        bool ours = text && len > 15 && memcmp(text, "domcaps-bundle ", 15) == 0;
        dc_error_take(err, -EINVAL,
                      ours ? xasprintf("%s: a bundle of another format version (this domcaps reads "
                                       "version %d)",
                                       name, DC_BUNDLE_FORMAT_VERSION)
                           : xasprintf("%s: not a domcaps bundle", name));
        dc_archive_reader_clear(ret);
        return -EINVAL;
    }
    int r = parse_entries(name, ret, err);
    if (r < 0)
        dc_archive_reader_clear(ret);
    return r;
}

void dc_archive_reader_clear(dc_archive_reader *r)
{
    free(r->text);
    free(r->entries);
    *r = (dc_archive_reader){0};
}

const dc_archive_entry *dc_archive_find(const dc_archive_reader *r, const char *path)
{
    for (size_t i = 0; i < r->nentries; i++)
        if (streq(r->entries[i].path, path))
            return &r->entries[i];
    return NULL;
}

/* The directory holding path's last component, created as needed, never through a symlink. */
static int open_parent(int dirfd, const char *path, const char **ret_name)
{
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return -errno;
    const char *p = path;
    for (;;) {
        size_t n = strcspn(p, "/");
        if (!p[n]) {
            *ret_name = p;
            return fd;
        }
        _cleanup_free_ char *comp = xstrndup(p, n);
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && mkdirat(fd, comp, 0755) == 0)
            next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        if (next < 0)
            return e == ELOOP ? -ENOTDIR : -e;
        fd = next;
        p += n + 1;
    }
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int create_entry(int parent, const char *name, const dc_archive_entry *e)
{
    if (e->type == 'd') {
        struct stat st;
        if (mkdirat(parent, name, 0755) == 0)
            return 0;
        /* a directory given twice, or made already as the parent of an earlier entry */
        return errno == EEXIST && fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                       S_ISDIR(st.st_mode)
                   ? 0
                   : -errno;
    }
    if (e->type == 'l') {
        _cleanup_free_ char *target = xstrndup(e->data, e->len);
        return symlinkat(target, parent, name) < 0 ? -errno : 0;
    }
    _cleanup_close_ int fd =
        openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int r = e->type == 's' ? (ftruncate(fd, (off_t)e->sparse_size) < 0 ? -errno : 0)
                           : write_all(fd, e->data, e->len);
    if (r == 0 && fchmod(fd, e->mode & 0755) < 0)
        r = -errno;
    return r;
}

int dc_archive_extract(const dc_archive_reader *r, const char *dir, dc_error *err)
{
    _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        return dc_error_set(err, -errno, "cannot open %s: %s", dir, strerror(errno));
    }
    for (size_t i = 0; i < r->nentries; i++) {
        const dc_archive_entry *e = &r->entries[i];
        const char *name = NULL;
        int parent = open_parent(dirfd, e->path, &name);
        int rc = parent < 0 ? parent : create_entry(parent, name, e);
        if (parent >= 0)
            close(parent);
        if (rc < 0) {
            return dc_error_set(err, rc == -EEXIST || rc == -ENOTDIR ? -EINVAL : rc,
                                "entry '%s': %s", e->path,
                                rc == -EEXIST    ? "given twice"
                                : rc == -ENOTDIR ? "lies under a symlink or a file"
                                                 : strerror(-rc));
        }
    }
    return 0;
}
