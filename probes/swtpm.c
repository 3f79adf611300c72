/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swtpm: the TPM emulator backend and the TPM versions it can emulate. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "host.h"
#include "json.h"
#include "spawn.h"

#define SWTPM_TIMEOUT_MS 5000
#define SWTPM_MAX_OUTPUT (1u << 20)

/*
 * Under a captured root (any --sysroot but the live /) nothing in the root is
 * ever run: what the tools printed is read from these files, written by
 * tests/capture/capture-root.sh as the tools' stdout, verbatim. Only the
 * first is needed for the TPM versions; the second is kept for completeness.
 */
#define SWTPM_SETUP_CAPTURE "/.domcaps/swtpm_setup.capabilities.json"
#define SWTPM_CAPTURE "/.domcaps/swtpm.capabilities.json"

/* Runs argv with stdout captured, killing it (and whatever it started) after the timeout. */
static int run_capture(const char *const *argv, char **ret_out)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    dc_spawn_opts so = {.argv = argv, .stdin_fd = -1, .stdout_fd = p[1], .stderr_fd = -1};
    pid_t pid;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int rc = dc_spawn(&so, &pid, &msg);
    close(p[1]);
    if (rc < 0) {
        close(p[0]);
        return rc;
    }
    dc_buf out = {0};
    long long limit = dc_now_ms() + SWTPM_TIMEOUT_MS;
    for (;;) {
        long long left = limit - dc_now_ms();
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        int n_ready = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (n_ready < 0 && errno == EINTR)
            continue;
        if (n_ready <= 0) {
            rc = -ETIMEDOUT;
            break;
        }
        char tmp[4096];
        ssize_t n = read(p[0], tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out.len < SWTPM_MAX_OUTPUT)
            dc_buf_addn(&out, tmp, (size_t)n);
    }
    close(p[0]);
    int st = 0;
    if (rc == 0) {
        long long left = limit - dc_now_ms();
        if (dc_spawn_wait(pid, left > 0 ? (int)left : 0, &st) != 1)
            rc = -ETIMEDOUT;
    }
    dc_spawn_reap(pid, NULL);
    if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        rc = -EIO;
    if (rc < 0) {
        dc_buf_clear(&out);
        return rc;
    }
    *ret_out = out.s ? dc_buf_steal(&out) : xstrdup("");
    return 0;
}

/* The TPM versions in what swtpm_setup --print-capabilities printed; false when unusable. */
static bool parse_versions(dc_host *host, const char *text, size_t len, const char *what)
{
    _cleanup_error_ dc_error err = DC_ERROR_INIT;
    _cleanup_json_ json_object *caps = NULL;
    if (dc_json_parse(text, len, &caps, &err) < 0) {
        dc_host_diag(host, "swtpm", "%s is not JSON: %s", what, err.message);
        return false;
    }
    json_object *features = dc_json_get_array(caps, "features");
    if (!features) {
        dc_host_diag(host, "swtpm", "%s has no feature list", what);
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i);
        const char *name =
            json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
        if (streq_ptr(name, "tpm-1.2"))
            host->tpm.v12 = true;
        else if (streq_ptr(name, "tpm-2.0"))
            host->tpm.v20 = true;
    }
    return true;
}

/* A captured root: the versions come from the captured output, never from running anything. */
static void versions_from_capture(dc_host *host)
{
    const dc_root *root = host->root;
    _cleanup_free_ char *shown = dc_root_display(root, SWTPM_SETUP_CAPTURE);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = dc_root_read_file(root, SWTPM_SETUP_CAPTURE, SWTPM_MAX_OUTPUT, &text, &len);
    if (r < 0) {
        dc_host_diag(host, "swtpm",
                     "the TPM versions of the swtpm in the sysroot are unknown: cannot read %s: %s "
                     "(programs in a sysroot are never run)",
                     shown, strerror(-r));
        return;
    }
    _cleanup_free_ char *what = xasprintf("the captured swtpm_setup capabilities %s", shown);
    parse_versions(host, text, len, what);
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
    /* Exactly "KEY\nV12 V20\n", each flag 0 or 1; anything else is re-probed. */
    size_t klen = strlen(key);
    if (strncmp(text, key, klen) != 0 || text[klen] != '\n')
        return false;
    const char *flags = text + klen + 1;
    if (strlen(flags) != 4 || !strchr("01", flags[0]) || flags[1] != ' ' ||
        !strchr("01", flags[2]) || flags[3] != '\n')
        return false;
    host->tpm.v12 = flags[0] == '1', host->tpm.v20 = flags[2] == '1';
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

    if (!dc_root_is_live(root)) {
        versions_from_capture(host);
        return 0;
    }

    _cleanup_free_ char *id_setup = identity(root, setup), *id_swtpm = identity(root, swtpm);
    _cleanup_free_ char *key = xasprintf("%s %s", id_setup, id_swtpm);
    if (versions_from_cache(host, key))
        return 0;

    const char *argv[] = {setup, "--print-capabilities", NULL};
    _cleanup_free_ char *out = NULL;
    int r = run_capture(argv, &out);
    if (r < 0) {
        dc_host_diag(host, "swtpm", "cannot read TPM versions from '%s --print-capabilities': %s",
                     setup,
                     r == -ETIMEDOUT ? "timed out"
                     : r == -EIO     ? "it failed"
                                     : strerror(-r));
        return 0;
    }
    _cleanup_free_ char *what = xasprintf("what '%s --print-capabilities' printed", setup);
    if (parse_versions(host, out, strlen(out), what))
        versions_to_cache(host, key);
    return 0;
}

const dc_host_prober dc_probe_swtpm = {
    .name = "swtpm",
    .needed_for = DC_PROBE_FOR_CAPS,
    .run = probe_swtpm,
};
