/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swtpm: the TPM emulator backend and the TPM versions it can emulate. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "host.h"
#include "json.h"

#define SWTPM_TIMEOUT_MS 5000

/* Runs argv with stdout captured, killing it after the timeout. */
static int run_capture(const char *const *argv, char **ret_out)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]), close(p[1]);
        return -e;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2);
        }
        dup2(p[1], 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    dc_buf out = {0};
    long long limit = dc_now_ms() + SWTPM_TIMEOUT_MS;
    int rc = 0;
    for (;;) {
        long long left = limit - dc_now_ms();
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
            rc = -ETIMEDOUT;
            break;
        }
        char tmp[4096];
        ssize_t n = read(p[0], tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out.len < (1u << 20))
            dc_buf_addn(&out, tmp, (size_t)n);
    }
    close(p[0]);
    if (rc < 0)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        rc = -EIO;
    if (rc < 0) {
        dc_buf_clear(&out);
        return rc;
    }
    *ret_out = dc_buf_steal(&out);
    return 0;
}

/* A binary's identity: any upgrade changes one of these. */
static char *identity(const dc_root *root, const char *path)
{
    struct stat st;
    if (dc_root_stat(root, path, &st) < 0)
        return xstrdup("-");
    return xasprintf("%s:%lld:%lld.%09ld:%lld.%09ld:%llu", path, (long long)st.st_size,
                     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
                     st.st_ctim.tv_nsec, (unsigned long long)st.st_ino);
}

/*
 * What swtpm_setup prints depends only on the swtpm binaries, so its answer
 * is kept next to the capability cache, keyed by their identity: running it
 * costs more than the rest of a warm probe.
 */
static bool versions_from_cache(dc_host *host, const char *key)
{
    if (!host->cache_dir)
        return false;
    _cleanup_free_ char *path = xasprintf("%s/swtpm.caps", host->cache_dir);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    _cleanup_free_ char *text = NULL;
    if (fd < 0 || dc_read_fd(fd, 4096, &text, NULL) < 0)
        return false;
    char *nl = strchr(text, '\n');
    int v12, v20;
    if (!nl || strncmp(text, key, (size_t)(nl - text)) != 0 || strlen(key) != (size_t)(nl - text) ||
        sscanf(nl + 1, "%d %d", &v12, &v20) != 2)
        return false;
    host->tpm.v12 = v12, host->tpm.v20 = v20;
    return true;
}

static void versions_to_cache(dc_host *host, const char *key)
{
    if (!host->cache_dir)
        return;
    _cleanup_free_ char *path = xasprintf("%s/swtpm.caps", host->cache_dir);
    _cleanup_free_ char *text = xasprintf("%s\n%d %d\n", key, host->tpm.v12, host->tpm.v20);
    dc_write_file_atomic(path, text, strlen(text)); /* no cache is not a failure */
}

static int probe_swtpm(dc_host *host)
{
    const dc_root *root = host->root;
    struct stat st;
    host->tpm.has_dev_tpm0 = dc_root_stat(root, "/dev/tpm0", &st) == 0;

    _cleanup_free_ char *swtpm = NULL, *setup = NULL, *ioctl_ = NULL;
    if (dc_root_find_exec(root, "swtpm", &swtpm) < 0 ||
        dc_root_find_exec(root, "swtpm_setup", &setup) < 0 ||
        dc_root_find_exec(root, "swtpm_ioctl", &ioctl_) < 0)
        return 0;
    host->tpm.swtpm = true;

    _cleanup_free_ char *id_setup = identity(root, setup), *id_swtpm = identity(root, swtpm);
    _cleanup_free_ char *key = xasprintf("%s %s %s", root->path, id_setup, id_swtpm);
    if (versions_from_cache(host, key))
        return 0;

    _cleanup_free_ char *exe = dc_root_display(root, setup);
    const char *argv[] = {exe, "--print-capabilities", NULL};
    _cleanup_free_ char *out = NULL;
    int r = run_capture(argv, &out);
    if (r < 0) {
        dc_host_diag(host, "swtpm", "cannot read TPM versions from '%s --print-capabilities': %s",
                     exe,
                     r == -ETIMEDOUT ? "timed out"
                     : r == -EIO     ? "it failed"
                                     : strerror(-r));
        return 0;
    }
    _cleanup_free_ char *err = NULL;
    _cleanup_json_ json_object *caps = dc_json_parse(out, strlen(out), &err);
    json_object *features = dc_json_get_array(caps, "features");
    if (!features) {
        dc_host_diag(host, "swtpm", "'%s --print-capabilities' printed no feature list", exe);
        return 0;
    }
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(features, i));
        if (streq_ptr(f, "tpm-1.2"))
            host->tpm.v12 = true;
        else if (streq_ptr(f, "tpm-2.0"))
            host->tpm.v20 = true;
    }
    versions_to_cache(host, key);
    return 0;
}

const dc_probe dc_probe_swtpm = {
    .name = "swtpm",
    .needed_for = DC_PROBE_FOR_CAPS,
    .run = probe_swtpm,
};
