/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "test_helpers.h"

#include <fcntl.h>

void dc_test_golden(const char *rel, const char *text)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", DC_TEST_DATA_DIR, rel);
    const char *regen = getenv("DC_TEST_REGENERATE");
    if (regen && streq(regen, "1")) {
        assert_int_equal(dc_write_file_atomic(path, text, strlen(text)), 0);
        return;
    }
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_msg("golden file %s is missing (run with DC_TEST_REGENERATE=1 and review it)", path);
    _cleanup_free_ char *want = NULL;
    assert_int_equal(dc_read_fd(fd, 64u << 20, &want, NULL), 0);
    if (streq(want, text))
        return;
    char tmp[] = "/tmp/domcaps-golden-XXXXXX";
    int tfd = mkstemp(tmp);
    assert_true(tfd >= 0);
    assert_int_equal(write(tfd, text, strlen(text)), (ssize_t)strlen(text));
    close(tfd);
    _cleanup_free_ char *cmd = xasprintf("diff -u '%s' '%s' | head -100", path, tmp);
    fflush(stdout);
    if (system(cmd) < 0)
        print_error("could not run diff\n");
    unlink(tmp);
    fail_msg("output differs from %s", rel);
}

int dc_test_run_probe(const dc_test_probe *p, char **ret_doc, dc_error *err)
{
    dc_probe_opts po = {
        .binary = p->emulator ? p->emulator : "/usr/bin/qemu-system-x86_64",
        .replay = p->replay,
        .record = p->record,
        .timeout_ms = 60000,
        .want_tcg_session = true,
    };
    dc_qemu_caps *qc = NULL;
    int r = dc_qemu_probe(&po, &qc, err);
    if (r < 0)
        return r == -ENOEXEC ? DC_EXIT_USAGE : DC_EXIT_PROBE;
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(p->sysroot ? p->sysroot : "/", &root), 0);
    dc_host host = {0};
    dc_diag diag = {0};
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_CAPS, &diag);
    dc_request req = {.arch = p->arch, .machine = p->machine, .virttype = p->virttype};
    dc_domcaps *caps = NULL;
    r = dc_domcaps_derive(qc, &host, &req, &caps, err);
    if (r == 0)
        *ret_doc = p->json ? dc_domcaps_format_json(caps) : dc_domcaps_format_xml(caps);
    dc_domcaps_free(caps);
    dc_host_clear(&host);
    dc_strv_clear(&diag.warnings);
    dc_root_free(root);
    dc_qemu_caps_free(qc);
    return r == 0 ? DC_EXIT_OK : DC_EXIT_USAGE;
}

void tmproot_make(tmproot *t)
{
    snprintf(t->path, sizeof(t->path), "/tmp/domcaps-root-XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

void tmproot_write(const tmproot *t, const char *rel, const char *content)
{
    _cleanup_free_ char *path = xasprintf("%s%s", t->path, rel);
    for (char *p = path + strlen(t->path) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
        *p = '/';
    }
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
}

void tmproot_remove(tmproot *t)
{
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", t->path);
    assert_int_equal(system(cmd), 0);
}
