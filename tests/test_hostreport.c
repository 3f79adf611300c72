/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Golden `domcaps host` reports, XML and JSON, for every captured and
 * hand-made root; and each XML report read back (as `check --host` does)
 * prints the same report again.
 */
#include "test_helpers.h"

#include <json-c/json.h>

#include "check.h"

static const char *const roots[] = {
    "debian12-kvm", "host-numa", "host-pci", "kvm-sev", "nokvm", "nonuma", "numa-broken",
    "numa2", "numa4", "pci-broken", "pci-sriov", "pci-vfio", "usb-host",
};

/* Diagnostics name files under the root: keep the goldens independent of the checkout. */
static char *relocate(const char *text, const char *root)
{
    dc_buf b = {0};
    size_t rl = strlen(root);
    for (const char *p = text; *p;) {
        const char *hit = strstr(p, root);
        if (!hit) {
            dc_buf_add(&b, p);
            break;
        }
        dc_buf_addn(&b, p, (size_t)(hit - p));
        dc_buf_add(&b, "@ROOT@");
        p = hit + rl;
    }
    return dc_buf_steal(&b);
}

static void test_report(void **state)
{
    const char *name = *state;
    _cleanup_free_ char *path = xasprintf("%s/roots/%s", DC_TEST_DATA_DIR, name);
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(path, &root), 0);
    dc_host host = {0};
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_INVENTORY, NULL);
    _cleanup_free_ char *xml = dc_hostinfo_format_xml(&host.info);
    _cleanup_free_ char *json = dc_hostinfo_format_json(&host.info);
    _cleanup_free_ char *gx = xasprintf("golden/host/%s.xml", name);
    _cleanup_free_ char *gj = xasprintf("golden/host/%s.json", name);
    _cleanup_free_ char *rx = relocate(xml, path), *rj = relocate(json, path);
    dc_test_golden(gx, rx);
    dc_test_golden(gj, rj);

    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    json_object_put(o);

    /* Read back: the saved report carries everything it printed. */
    char tmp[] = "/tmp/domcaps-hostreport-XXXXXX";
    char tmp2[] = "/tmp/domcaps-hostreport-json-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(dc_write_file_atomic(tmp, xml, strlen(xml)), 0);
    dc_hostinfo back = {0};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_hostinfo_load(tmp, &back, &msg), 0);
    unlink(tmp);
    _cleanup_free_ char *again = dc_hostinfo_format_xml(&back);
    assert_string_equal(xml, again);
    dc_hostinfo_clear(&back);

    /* The JSON form reads back to the same report too. */
    fd = mkstemp(tmp2);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(dc_write_file_atomic(tmp2, json, strlen(json)), 0);
    assert_int_equal(dc_hostinfo_load(tmp2, &back, &msg), 0);
    unlink(tmp2);
    _cleanup_free_ char *again_json = dc_hostinfo_format_json(&back);
    _cleanup_free_ char *again_xml = dc_hostinfo_format_xml(&back);
    assert_string_equal(json, again_json);
    assert_string_equal(xml, again_xml);
    dc_hostinfo_clear(&back);
    dc_host_clear(&host);
    dc_root_free(root);
}

static void test_not_a_report(void **state)
{
    dc_hostinfo h = {0};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    const char *path = DC_TEST_DATA_DIR "/golden/x86_64-pc-tcg.xml";
    assert_int_equal(dc_hostinfo_load(path, &h, &msg), -EINVAL);
    assert_non_null(
        strstr(msg.message, "is not a domcaps host report (root element <domainCapabilities>)"));
}

static void test_bad_json(void **state)
{
    const char *cases[][2] = {
        {"{\"cpu\": {", "malformed JSON"},
        {"{\"kvm\": {}}", "is not a domcaps host report"},
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        char tmp[] = "/tmp/domcaps-badjson-XXXXXX";
        int fd = mkstemp(tmp);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(dc_write_file_atomic(tmp, cases[i][0], strlen(cases[i][0])), 0);
        dc_hostinfo h = {0};
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        assert_true(dc_hostinfo_load(tmp, &h, &msg) < 0);
        unlink(tmp);
        assert_non_null(strstr(msg.message, tmp));
        assert_non_null(strstr(msg.message, cases[i][1]));
    }
}

int main(void)
{
    struct CMUnitTest tests[ELEMENTSOF(roots) + 2];
    size_t n = 0;
    for (size_t i = 0; i < ELEMENTSOF(roots); i++)
        tests[n++] = (struct CMUnitTest){roots[i], test_report, NULL, NULL, (void *)roots[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_not_a_report);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_json);
    return _cmocka_run_group_tests("hostreport", tests, n, NULL, NULL);
}
