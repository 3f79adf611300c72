/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Findings as text lines, JSON with stable keys, or JUnit XML for CI dashboards. */
#include "check_format.h"

#include "jsonw.h"

static const char *severity_name(dc_severity s)
{
    return s == DC_SEVERITY_ERROR ? "error" : "warning";
}

char *dc_check_format_text(const dc_check_result *results, size_t n)
{
    dc_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        const dc_check_result *r = &results[i];
        if (r->input_error) {
            dc_buf_addf(&b, "%s: input error: %s\n", r->file, r->input_error);
            continue;
        }
        for (size_t j = 0; j < r->nfindings; j++) {
            const dc_finding *f = &r->findings[j];
            dc_buf_addf(&b, "%s:%u: %s: [%s] %s: %s\n", r->file, f->line,
                        severity_name(f->severity), f->rule, f->xpath, f->message);
            if (f->hint)
                dc_buf_addf(&b, "%s:%u: note: %s\n", r->file, f->line, f->hint);
        }
        /* One line per reason: "skipped rule, rule: reason". */
        dc_strv reasons = {0};
        for (char **s = r->rules_skipped; s && *s; s++) {
            const char *why = strstr(*s, ": ");
            if (why)
                dc_strv_add_unique(&reasons, why + 2);
        }
        for (size_t k = 0; k < reasons.n; k++) {
            dc_buf_addf(&b, "%s: skipped", r->file);
            bool first = true;
            for (char **s = r->rules_skipped; s && *s; s++) {
                const char *why = strstr(*s, ": ");
                if (!why || !streq(why + 2, reasons.v[k]))
                    continue;
                dc_buf_addf(&b, "%s %.*s", first ? "" : ",", (int)(why - *s), *s);
                first = false;
            }
            dc_buf_addf(&b, ": %s\n", reasons.v[k]);
        }
        dc_strv_clear(&reasons);
    }
    return dc_buf_steal(&b);
}

/* The supported values, space-separated in a finding ("none": none), as an array. */
static void supported_json(dc_jw *w, const char *sup)
{
    if (!sup) {
        dc_jw_null(w, "supported");
        return;
    }
    dc_jw_open(w, "supported", '[');
    if (!streq(sup, "none"))
        for (const char *p = sup; *p;) {
            size_t len = strcspn(p, " ");
            if (len) {
                _cleanup_free_ char *v = xstrndup(p, len);
                dc_jw_str(w, NULL, v);
            }
            p += len;
            p += strspn(p, " ");
        }
    dc_jw_close(w, ']');
}

char *dc_check_format_json(const dc_check_result *results, size_t n)
{
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
    dc_jw_num(&w, "schemaVersion", DC_JSON_SCHEMA_VERSION);
    dc_jw_open(&w, "files", '[');
    for (size_t i = 0; i < n; i++) {
        const dc_check_result *r = &results[i];
        dc_jw_open(&w, NULL, '{');
        dc_jw_str(&w, "file", r->file);
        dc_jw_str(&w, "inputError", r->input_error);
        dc_jw_open(&w, "findings", '[');
        for (size_t j = 0; j < r->nfindings; j++) {
            const dc_finding *f = &r->findings[j];
            dc_jw_open(&w, NULL, '{');
            dc_jw_str(&w, "file", r->file);
            dc_jw_num(&w, "line", f->line);
            dc_jw_str(&w, "xpath", f->xpath);
            dc_jw_str(&w, "rule", f->rule);
            dc_jw_str(&w, "severity", severity_name(f->severity));
            dc_jw_str(&w, "value", f->value);
            supported_json(&w, f->supported);
            dc_jw_str(&w, "message", f->message);
            dc_jw_str(&w, "hint", f->hint);
            dc_jw_close(&w, '}');
        }
        dc_jw_close(&w, ']');
        dc_jw_strs(&w, "rulesChecked", r->rules_checked);
        dc_jw_strs(&w, "rulesSkipped", r->rules_skipped);
        dc_jw_close(&w, '}');
    }
    dc_jw_close(&w, ']');
    dc_jw_close(&w, '}');
    return dc_jw_finish(&w);
}

static void xml_attr(dc_buf *b, const char *name, const char *v)
{
    dc_buf_addf(b, " %s='", name);
    dc_buf_add_xml_escaped(b, v);
    dc_buf_add(b, "'");
}

/*
 * A CI system splits classname at its last dot into package and class: the
 * file's base name without ".xml", other dots as '_'.
 */
char *dc_check_junit_classname(const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    if (streq(file, "-"))
        base = "stdin";
    size_t len = strlen(base);
    if (endswith(base, ".xml"))
        len -= 4;
    char *c = len ? xstrndup(base, len) : xstrdup("domain");
    for (char *p = c; *p; p++)
        if (*p == '.' || (unsigned char)*p <= ' ')
            *p = '_';
    return c;
}

static bool rule_failed(const dc_check_result *r, const char *rule)
{
    for (size_t j = 0; j < r->nfindings; j++)
        if (streq(r->findings[j].rule, rule) && r->findings[j].severity == DC_SEVERITY_ERROR)
            return true;
    return false;
}

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* Tests, failures and errors of one file. */
static void junit_counts(const dc_check_result *r, size_t *tests, size_t *failures, size_t *errors,
                         size_t *skipped)
{
    *tests = *failures = *errors = *skipped = 0;
    if (r->input_error) {
        *tests = *errors = 1;
        return;
    }
    *skipped = strv_len(r->rules_skipped);
    *tests = strv_len(r->rules_checked) + *skipped;
    for (char **s = r->rules_checked; s && *s; s++)
        *failures += rule_failed(r, *s);
}

static void junit_seconds(dc_buf *b, double s) { dc_buf_addf(b, " time='%.3f'", s < 0 ? 0 : s); }

/* One <failure> per failing rule (strict readers take at most one), every error in its text. */
static void junit_failure(dc_buf *b, const dc_check_result *r, const char *rule)
{
    const dc_finding *first = NULL;
    for (size_t j = 0; j < r->nfindings; j++) {
        const dc_finding *fd = &r->findings[j];
        if (!streq(fd->rule, rule) || fd->severity != DC_SEVERITY_ERROR)
            continue;
        if (!first) {
            first = fd;
            dc_buf_add(b, "      <failure");
            xml_attr(b, "type", fd->rule);
            xml_attr(b, "message", fd->message);
            dc_buf_add(b, ">");
        } else
            dc_buf_add(b, "\n");
        dc_buf_addf(b, "line %u: ", fd->line);
        dc_buf_add_xml_escaped(b, fd->xpath);
        dc_buf_add(b, ": ");
        dc_buf_add_xml_escaped(b, fd->message);
        if (fd->hint) {
            dc_buf_add(b, "\nhint: ");
            dc_buf_add_xml_escaped(b, fd->hint);
        }
    }
    if (first)
        dc_buf_add(b, "</failure>\n");
}

/* The warnings of a file, one line each, led by their rule. */
static void junit_system_out(dc_buf *b, const dc_check_result *r)
{
    bool any = false;
    for (size_t j = 0; j < r->nfindings; j++) {
        const dc_finding *fd = &r->findings[j];
        if (fd->severity != DC_SEVERITY_WARNING)
            continue;
        if (!any)
            dc_buf_add(b, "    <system-out>");
        any = true;
        dc_buf_addf(b, "warning: [%s] line %u: ", fd->rule, fd->line);
        dc_buf_add_xml_escaped(b, fd->xpath);
        dc_buf_add(b, ": ");
        dc_buf_add_xml_escaped(b, fd->message);
        dc_buf_add(b, "\n");
    }
    dc_buf_add(b, any ? "</system-out>\n" : "    <system-out/>\n");
}

static void junit_testcase(dc_buf *b, const char *classname, const char *name)
{
    dc_buf_add(b, "    <testcase");
    xml_attr(b, "classname", classname);
    xml_attr(b, "name", name);
    dc_buf_add(b, " time='0.000'");
}

/* One testcase per checked rule (failed or passed), then one per skipped rule. */
static void junit_rule_cases(dc_buf *b, const dc_check_result *r, const char *classname)
{
    for (char **s = r->rules_checked; s && *s; s++) {
        junit_testcase(b, classname, *s);
        if (!rule_failed(r, *s)) {
            dc_buf_add(b, "/>\n");
            continue;
        }
        dc_buf_add(b, ">\n");
        junit_failure(b, r, *s);
        dc_buf_add(b, "    </testcase>\n");
    }
    for (char **s = r->rules_skipped; s && *s; s++) {
        size_t idlen = strcspn(*s, ":");
        _cleanup_free_ char *id = xstrndup(*s, idlen);
        junit_testcase(b, classname, id);
        dc_buf_add(b, ">\n      <skipped");
        xml_attr(b, "message", *s + idlen + (s[0][idlen] ? 2 : 0));
        dc_buf_add(b, "/>\n    </testcase>\n");
    }
}

static void junit_suite(dc_buf *b, const dc_check_result *r, size_t id, double seconds,
                        const char *timestamp, const char *hostname)
{
    size_t t, f, e, sk;
    junit_counts(r, &t, &f, &e, &sk);
    _cleanup_free_ char *classname = dc_check_junit_classname(r->file);
    dc_buf_add(b, "  <testsuite");
    xml_attr(b, "name", r->file);
    xml_attr(b, "package", classname);
    dc_buf_addf(b, " id='%zu' tests='%zu' failures='%zu' errors='%zu' skipped='%zu'", id, t, f, e,
                sk);
    junit_seconds(b, seconds);
    xml_attr(b, "timestamp", timestamp);
    xml_attr(b, "hostname", hostname);
    dc_buf_add(b, ">\n    <properties/>\n");
    if (r->input_error) {
        junit_testcase(b, classname, "parse");
        dc_buf_add(b, ">\n      <error type='input-error'");
        xml_attr(b, "message", r->input_error);
        dc_buf_add(b, "/>\n    </testcase>\n");
    } else
        junit_rule_cases(b, r, classname);
    junit_system_out(b, r);
    dc_buf_add(b, "    <system-err/>\n  </testsuite>\n");
}

char *dc_check_format_junit(const dc_check_result *results, size_t n, const dc_junit_meta *meta)
{
    dc_buf b = {0};
    /* ISO 8601 without a zone (the Ant schema wants none): UTC. */
    char timestamp[32] = "1970-01-01T00:00:00";
    struct tm tm;
    if (gmtime_r(&meta->timestamp, &tm))
        strftime(timestamp, sizeof(timestamp), "%Y-%m-%dT%H:%M:%S", &tm);
    const char *hostname = meta->hostname && *meta->hostname ? meta->hostname : "localhost";
    dc_buf_add(&b, "<?xml version='1.0' encoding='UTF-8'?>\n");
    /* No attributes: the Ant schema allows none here; the totals are the suites' sums. */
    dc_buf_add(&b, "<testsuites>\n");
    for (size_t i = 0; i < n; i++)
        junit_suite(&b, &results[i], i, meta->seconds ? meta->seconds[i] : 0, timestamp, hostname);
    dc_buf_add(&b, "</testsuites>\n");
    return dc_buf_steal(&b);
}
