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

char *dc_check_format_json(const dc_check_result *results, size_t n)
{
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
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
            dc_jw_str(&w, "supported", f->supported);
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

char *dc_check_format_junit(const dc_check_result *results, size_t n)
{
    dc_buf b = {0};
    size_t tests = 0, failures = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_check_result *r = &results[i];
        if (r->input_error) {
            tests++, errors++;
            continue;
        }
        for (char **s = r->rules_skipped; s && *s; s++)
            tests++;
        for (char **s = r->rules_checked; s && *s; s++) {
            tests++;
            for (size_t j = 0; j < r->nfindings; j++)
                if (streq(r->findings[j].rule, *s) &&
                    r->findings[j].severity == DC_SEVERITY_ERROR) {
                    failures++;
                    break;
                }
        }
    }
    dc_buf_add(&b, "<?xml version='1.0' encoding='UTF-8'?>\n");
    dc_buf_addf(&b, "<testsuites name='domcaps check' tests='%zu' failures='%zu' errors='%zu'>\n",
                tests, failures, errors);
    for (size_t i = 0; i < n; i++) {
        const dc_check_result *r = &results[i];
        size_t t = 0, f = 0, sk = 0;
        for (char **s = r->rules_checked; s && *s; s++)
            t++;
        for (char **s = r->rules_skipped; s && *s; s++)
            sk++;
        dc_buf_add(&b, "  <testsuite");
        xml_attr(&b, "name", r->file);
        if (r->input_error) {
            dc_buf_add(&b, " tests='1' failures='0' errors='1'>\n    <testcase");
            xml_attr(&b, "classname", r->file);
            dc_buf_add(&b, " name='parse'>\n      <error");
            xml_attr(&b, "message", r->input_error);
            dc_buf_add(&b, "/>\n    </testcase>\n  </testsuite>\n");
            continue;
        }
        for (char **s = r->rules_checked; s && *s; s++)
            for (size_t j = 0; j < r->nfindings; j++)
                if (streq(r->findings[j].rule, *s) &&
                    r->findings[j].severity == DC_SEVERITY_ERROR) {
                    f++;
                    break;
                }
        dc_buf_addf(&b, " tests='%zu' failures='%zu' errors='0' skipped='%zu'>\n", t + sk, f, sk);
        for (char **s = r->rules_checked; s && *s; s++) {
            dc_buf_add(&b, "    <testcase");
            xml_attr(&b, "classname", r->file);
            xml_attr(&b, "name", *s);
            bool any = false;
            for (size_t j = 0; j < r->nfindings; j++) {
                const dc_finding *fd = &r->findings[j];
                if (!streq(fd->rule, *s) || fd->severity != DC_SEVERITY_ERROR)
                    continue;
                if (!any)
                    dc_buf_add(&b, ">\n");
                any = true;
                dc_buf_add(&b, "      <failure");
                xml_attr(&b, "type", fd->rule);
                xml_attr(&b, "message", fd->message);
                dc_buf_addf(&b, ">line %u: %s", fd->line, "");
                dc_buf_add_xml_escaped(&b, fd->xpath);
                if (fd->hint) {
                    dc_buf_add(&b, "\nhint: ");
                    dc_buf_add_xml_escaped(&b, fd->hint);
                }
                dc_buf_add(&b, "</failure>\n");
            }
            dc_buf_add(&b, any ? "    </testcase>\n" : "/>\n");
        }
        for (char **s = r->rules_skipped; s && *s; s++) {
            size_t idlen = strcspn(*s, ":");
            _cleanup_free_ char *id = xstrndup(*s, idlen);
            dc_buf_add(&b, "    <testcase");
            xml_attr(&b, "classname", r->file);
            xml_attr(&b, "name", id);
            dc_buf_add(&b, ">\n      <skipped");
            xml_attr(&b, "message", *s + idlen + (s[0][idlen] ? 2 : 0));
            dc_buf_add(&b, "/>\n    </testcase>\n");
        }
        dc_buf_add(&b, "  </testsuite>\n");
    }
    dc_buf_add(&b, "</testsuites>\n");
    return dc_buf_steal(&b);
}
