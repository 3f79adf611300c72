/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placement over a pool of recorded hosts, and its text, JSON and JUnit reports. */
#include "place.h"

#include "check_format.h"
#include "jsonw.h"
#include "xmlsafe.h"

void dc_place(dc_fleet_host **hosts, size_t nhosts, const char *const *files, size_t nfiles,
              dc_place_result *ret)
{
    *ret = (dc_place_result){.hosts = hosts, .nhosts = nhosts, .nfiles = nfiles};
    ret->files = xcalloc(nfiles + 1, sizeof(char *));
    ret->parse_errors = xcalloc(nfiles + 1, sizeof(char *));
    ret->verdicts = xcalloc(nfiles * nhosts + 1, sizeof(dc_check_result));
    xmlDocPtr *docs = xcalloc(nfiles + 1, sizeof(xmlDocPtr));
    for (size_t f = 0; f < nfiles; f++) {
        ret->files[f] = xstrdup(files[f]);
        dc_error e = DC_ERROR_INIT;
        if (dc_xml_parse(files[f], NULL, 0, &docs[f], &e) < 0) {
            docs[f] = NULL;
            ret->parse_errors[f] = dc_error_steal(&e);
        }
    }
    for (size_t h = 0; h < nhosts; h++) {
        dc_check_env env;
        dc_fleet_check_env_init(hosts[h], &env);
        for (size_t f = 0; f < nfiles; f++)
            if (docs[f])
                dc_check_domain_doc(&env, files[f], docs[f], &ret->verdicts[f * nhosts + h]);
        dc_fleet_check_env_clear(&env);
    }
    for (size_t f = 0; f < nfiles; f++)
        xmlFreeDoc(docs[f]);
    free(docs);
}

void dc_place_result_clear(dc_place_result *r)
{
    for (size_t f = 0; f < r->nfiles; f++) {
        free(r->files[f]);
        free(r->parse_errors[f]);
        for (size_t h = 0; h < r->nhosts; h++)
            dc_check_result_clear(&r->verdicts[f * r->nhosts + h]);
    }
    free(r->files);
    free(r->parse_errors);
    free(r->verdicts);
    *r = (dc_place_result){0};
}

/* The first error finding of a verdict, NULL when none. */
static const dc_finding *first_error(const dc_check_result *v)
{
    for (size_t i = 0; i < v->nfindings; i++)
        if (v->findings[i].severity == DC_SEVERITY_ERROR)
            return &v->findings[i];
    return NULL;
}

bool dc_place_runs(const dc_place_result *r, size_t f, size_t h)
{
    const dc_check_result *v = &r->verdicts[f * r->nhosts + h];
    return !r->parse_errors[f] && !v->input_error && !first_error(v);
}

size_t dc_place_homeless(const dc_place_result *r)
{
    size_t n = 0;
    for (size_t f = 0; f < r->nfiles; f++) {
        bool any = false;
        for (size_t h = 0; h < r->nhosts && !any; h++)
            any = dc_place_runs(r, f, h);
        n += !any;
    }
    return n;
}

bool dc_place_input_errors(const dc_place_result *r)
{
    for (size_t f = 0; f < r->nfiles; f++) {
        if (r->parse_errors[f])
            return true;
        for (size_t h = 0; h < r->nhosts; h++)
            if (r->verdicts[f * r->nhosts + h].input_error)
                return true;
    }
    return false;
}

/* Why host h cannot run file f, in one line. */
static char *refusal(const dc_place_result *r, size_t f, size_t h, const dc_finding **ret_fd)
{
    const dc_check_result *v = &r->verdicts[f * r->nhosts + h];
    const dc_finding *fd = first_error(v);
    *ret_fd = fd;
    if (v->input_error)
        return xstrdup(v->input_error);
    return xasprintf("line %u: [%s] %s", fd->line, fd->rule, fd->message);
}

static void format_text(const dc_place_result *r, dc_buf *b)
{
    for (size_t f = 0; f < r->nfiles; f++) {
        if (r->parse_errors[f]) {
            dc_buf_addf(b, "%s: cannot be judged: %s\n", r->files[f], r->parse_errors[f]);
            continue;
        }
        dc_buf hosts = {0};
        for (size_t h = 0; h < r->nhosts; h++)
            if (dc_place_runs(r, f, h))
                dc_buf_addf(&hosts, "%s%s", hosts.len ? ", " : "", r->hosts[h]->name);
        dc_buf_addf(b, "%s: runs on %s\n", r->files[f], hosts.len ? hosts.s : "no host");
        dc_buf_clear(&hosts);
        for (size_t h = 0; h < r->nhosts; h++) {
            const dc_finding *fd;
            if (dc_place_runs(r, f, h))
                continue;
            _cleanup_free_ char *why = refusal(r, f, h, &fd);
            dc_buf_addf(b, "  not %s: %s\n", r->hosts[h]->name, why);
        }
    }
    size_t homeless = dc_place_homeless(r);
    dc_buf_addf(b, "%zu domain%s, %zu host%s: ", r->nfiles, r->nfiles == 1 ? "" : "s", r->nhosts,
                r->nhosts == 1 ? "" : "s");
    if (homeless)
        dc_buf_addf(b, "%zu domain%s no host can run\n", homeless, homeless == 1 ? "" : "s");
    else
        dc_buf_add(b, "every domain has a host\n");
}

static void json_hosts(const dc_place_result *r, dc_jw *w)
{
    dc_jw_open(w, "hosts", '[');
    for (size_t h = 0; h < r->nhosts; h++) {
        const dc_fleet_host *x = r->hosts[h];
        dc_jw_open(w, NULL, '{');
        dc_jw_str(w, "name", x->name);
        if (x->file)
            dc_jw_str(w, "file", x->file);
        if (x->hostname)
            dc_jw_str(w, "hostname", x->hostname);
        if (x->arch)
            dc_jw_str(w, "arch", x->arch);
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, ']');
}

static void json_refusals(const dc_place_result *r, size_t f, dc_jw *w)
{
    dc_jw_open(w, "refusedBy", '[');
    for (size_t h = 0; h < r->nhosts; h++) {
        if (dc_place_runs(r, f, h))
            continue;
        const dc_check_result *v = &r->verdicts[f * r->nhosts + h];
        const dc_finding *fd = first_error(v);
        dc_jw_open(w, NULL, '{');
        dc_jw_str(w, "host", r->hosts[h]->name);
        if (v->input_error)
            dc_jw_str(w, "inputError", v->input_error);
        else {
            dc_jw_str(w, "rule", fd->rule);
            dc_jw_num(w, "line", fd->line);
            dc_jw_str(w, "xpath", fd->xpath);
            dc_jw_str(w, "message", fd->message);
        }
        dc_jw_close(w, '}');
    }
    dc_jw_close(w, ']');
}

static void format_json(const dc_place_result *r, dc_buf *b)
{
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
    dc_jw_num(&w, "schemaVersion", DC_JSON_SCHEMA_VERSION);
    json_hosts(r, &w);
    dc_jw_open(&w, "domains", '[');
    for (size_t f = 0; f < r->nfiles; f++) {
        dc_jw_open(&w, NULL, '{');
        dc_jw_str(&w, "file", r->files[f]);
        if (r->parse_errors[f])
            dc_jw_str(&w, "inputError", r->parse_errors[f]);
        dc_jw_open(&w, "runsOn", '[');
        for (size_t h = 0; h < r->nhosts; h++)
            if (dc_place_runs(r, f, h))
                dc_jw_str(&w, NULL, r->hosts[h]->name);
        dc_jw_close(&w, ']');
        if (!r->parse_errors[f])
            json_refusals(r, f, &w);
        dc_jw_close(&w, '}');
    }
    dc_jw_close(&w, ']');
    dc_jw_num(&w, "homeless", (long long)dc_place_homeless(r));
    dc_jw_close(&w, '}');
    char *doc = dc_jw_finish(&w);
    dc_buf_add(b, doc);
    free(doc);
}

static void xml_attr(dc_buf *b, const char *name, const char *v)
{
    dc_buf_addf(b, " %s='", name);
    dc_buf_add_xml_escaped(b, v);
    dc_buf_add(b, "'");
}

/* One testsuite per domain, one testcase per host. */
static void junit_suite(const dc_place_result *r, size_t f, dc_buf *b, const char *ts,
                        const char *hostname)
{
    _cleanup_free_ char *classname = dc_check_junit_classname(r->files[f]);
    size_t failures = 0;
    for (size_t h = 0; h < r->nhosts; h++)
        failures += !r->parse_errors[f] && !dc_place_runs(r, f, h);
    dc_buf_add(b, "  <testsuite");
    xml_attr(b, "name", r->files[f]);
    xml_attr(b, "package", classname);
    dc_buf_addf(b, " id='%zu' tests='%zu' failures='%zu' errors='%d' skipped='0' time='0'", f,
                r->parse_errors[f] ? 1 : r->nhosts, failures, r->parse_errors[f] ? 1 : 0);
    xml_attr(b, "timestamp", ts);
    xml_attr(b, "hostname", hostname);
    dc_buf_add(b, ">\n    <properties/>\n");
    for (size_t h = 0; h < (r->parse_errors[f] ? 1 : r->nhosts); h++) {
        dc_buf_add(b, "    <testcase");
        xml_attr(b, "classname", classname);
        xml_attr(b, "name", r->parse_errors[f] ? "parse" : r->hosts[h]->name);
        dc_buf_add(b, " time='0'");
        const dc_finding *fd;
        if (r->parse_errors[f]) {
            dc_buf_add(b, ">\n      <error type='input-error'");
            xml_attr(b, "message", r->parse_errors[f]);
            dc_buf_add(b, "/>\n    </testcase>\n");
        } else if (!dc_place_runs(r, f, h)) {
            _cleanup_free_ char *why = refusal(r, f, h, &fd);
            dc_buf_add(b, ">\n      <failure");
            xml_attr(b, "type", fd ? fd->rule : "input-error");
            xml_attr(b, "message", why);
            dc_buf_add(b, "/>\n    </testcase>\n");
        } else
            dc_buf_add(b, "/>\n");
    }
    dc_buf_add(b, "    <system-out/>\n    <system-err/>\n  </testsuite>\n");
}

static void format_junit(const dc_place_result *r, dc_buf *b, time_t started,
                         const char *hostname)
{
    char ts[32] = "1970-01-01T00:00:00";
    struct tm tm;
    if (gmtime_r(&started, &tm))
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    dc_buf_add(b, "<?xml version='1.0' encoding='UTF-8'?>\n<testsuites>\n");
    for (size_t f = 0; f < r->nfiles; f++)
        junit_suite(r, f, b, ts, hostname && *hostname ? hostname : "localhost");
    dc_buf_add(b, "</testsuites>\n");
}

char *dc_place_format(const dc_place_result *r, const char *format, time_t started,
                      const char *hostname)
{
    dc_buf b = {0};
    if (streq(format, "json"))
        format_json(r, &b);
    else if (streq(format, "junit"))
        format_junit(r, &b, started, hostname);
    else
        format_text(r, &b);
    return dc_buf_steal(&b);
}
