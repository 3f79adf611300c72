/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz_util.h"

#include <fcntl.h>
#include <ftw.h>

static char *tmpdir;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void fuzz_remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void remove_tmpdir(void)
{
    if (!tmpdir)
        return;
    fuzz_remove_tree(tmpdir);
    free(tmpdir);
    tmpdir = NULL;
}

const char *fuzz_tmpdir(void)
{
    if (tmpdir)
        return tmpdir;
    /*
     * Every input is written, and the sysfs harness makes and removes a tree
     * per input: memory-backed /dev/shm is many times faster than a disk.
     */
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char *templ = xasprintf("%s/domcaps-fuzz-XXXXXX", base);
    if (!mkdtemp(templ)) {
        fprintf(stderr, "cannot make a temporary directory %s: %s\n", templ, strerror(errno));
        abort();
    }
    tmpdir = templ;
    atexit(remove_tmpdir);
    return tmpdir;
}

static int write_all(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    const char *p = data;
    while (size) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int r = n < 0 ? -errno : -EIO;
            close(fd);
            return r;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd) < 0 ? -errno : 0;
}

char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    char *path = xasprintf("%s/%s", fuzz_tmpdir(), name);
    int r = write_all(path, data, size);
    if (r < 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(-r));
        abort();
    }
    return path;
}

int fuzz_write_under(const char *root, const char *abspath, const void *data, size_t size)
{
    _cleanup_free_ char *path = xasprintf("%s%s", root, abspath);
    for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        int r = mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
        *s = '/';
        if (r < 0)
            return r;
    }
    return write_all(path, data, size);
}
