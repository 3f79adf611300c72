/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What libdomcaps gives a program: the caps of an emulator (here from a
 * recorded QMP session), the host report, and the findings of a domain
 * checked against a saved snapshot.
 *
 *   domcaps-example SYSROOT REPLIES SNAPSHOT DOMAIN
 *
 * Build: cc domcaps-example.c $(pkg-config --cflags --libs domcaps)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <domcaps/libdomcaps.h>

static int show_caps(const char *sysroot, const char *replies)
{
    dc_probe_options *opts = dc_probe_options_new();
    dc_probe_options_set_sysroot(opts, sysroot);
    dc_probe_options_set_replay(opts, replies);
    dc_probe_options_set_virttype(opts, "qemu");
    dc_domcaps *caps = NULL;
    dc_error err = {0};
    int r = dc_probe(opts, &caps, &err);
    dc_probe_options_free(opts);
    if (r < 0) {
        fprintf(stderr, "probe failed (%d): %s\n", r, err.message);
        dc_error_clear(&err);
        return -1;
    }
    bool usable = false;
    const char *first = dc_domcaps_get_cpu_model(caps, 0, &usable);
    printf("caps: %s %s %s %s\n", dc_domcaps_get_emulator(caps), dc_domcaps_get_arch(caps),
           dc_domcaps_get_machine(caps), dc_domcaps_get_virttype(caps));
    printf("caps: %u vCPUs, %zu CPU models, the first %s (%s)\n", dc_domcaps_get_max_vcpus(caps),
           dc_domcaps_get_ncpu_models(caps), first ? first : "none",
           usable ? "usable" : "not usable");
    char *xml = dc_domcaps_format_xml(caps);
    char *json = dc_domcaps_format_json(caps);
    printf("caps: XML of %zu bytes, JSON of %zu bytes\n", strlen(xml), strlen(json));
    free(xml);
    free(json);
    dc_domcaps_free(caps);
    return 0;
}

static int show_host(const char *sysroot)
{
    dc_hostinfo *host = NULL;
    dc_error err = {0};
    if (dc_host_probe(sysroot, &host, &err) < 0) {
        fprintf(stderr, "host probe failed: %s\n", err.message);
        dc_error_clear(&err);
        return -1;
    }
    printf("host: %s, KVM %s, %zu diagnostics\n", dc_hostinfo_get_arch(host),
           dc_hostinfo_get_kvm_usable(host) ? "usable" : "not usable",
           dc_hostinfo_get_ndiagnostics(host));
    dc_hostinfo_free(host);
    return 0;
}

static int show_findings(const char *snapshot, const char *domain)
{
    dc_check_options *opts = dc_check_options_new();
    dc_check_options_add_caps_file(opts, snapshot);
    dc_findings *f = NULL;
    dc_error err = {0};
    int r = dc_check_file(opts, domain, &f, &err);
    dc_check_options_free(opts);
    if (r < 0) {
        fprintf(stderr, "check failed: %s\n", err.message);
        dc_error_clear(&err);
        return -1;
    }
    for (size_t i = 0; i < dc_findings_count(f); i++)
        printf("finding: line %u %s [%s] %s\n", dc_findings_get_line(f, i),
               dc_findings_get_severity(f, i) == DC_SEVERITY_ERROR ? "error" : "warning",
               dc_findings_get_rule(f, i), dc_findings_get_xpath(f, i));
    dc_findings_free(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s SYSROOT REPLIES SNAPSHOT DOMAIN\n", argv[0]);
        return 2;
    }
    printf("libdomcaps %s (headers %s)\n", dc_version(), DC_VERSION);
    if (show_caps(argv[1], argv[2]) < 0 || show_host(argv[1]) < 0 ||
        show_findings(argv[3], argv[4]) < 0)
        return 1;
    return 0;
}
