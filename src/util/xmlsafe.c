/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xmlsafe.h"

#include <fcntl.h>
#include <libxml/parser.h>

static void silent(void *ctx, const char *msg, ...) {}

static int check_depth(xmlNodePtr root)
{
    /* Iterative walk: a hostile document must not recurse us into the ground. */
    int depth = 0;
    xmlNodePtr n = root;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && n->children) {
            if (++depth > DC_XML_MAX_DEPTH)
                return -E2BIG;
            n = n->children;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            depth--;
            if (n == root || !n)
                return 0;
        }
        if (n)
            n = n->next;
    }
    return 0;
}

/* The first error of a parse: later ones follow from it and mislead ("end of Start Tag"). */
typedef struct first_error {
    char *message;
    int line;
} first_error;

static void keep_first(void *ctx, xmlErrorPtr e)
{
    first_error *f = ctx;
    if (f->message || !e || e->level < XML_ERR_ERROR)
        return;
    f->message = xstrdup(e->message ? e->message : "not well-formed");
    f->line = e->line;
}

int dc_xml_parse(const char *path, const char *text, size_t len, xmlDocPtr *ret_doc, dc_error *err)
{
    _cleanup_free_ char *buf = NULL;
    if (!text) {
        int r = dc_read_input_file("", path, DC_XML_MAX_SIZE, &buf, &len, err);
        if (r < 0)
            return r;
        text = buf;
    } else if (len > DC_XML_MAX_SIZE) {
        return dc_error_set(err, -EFBIG, "%s is larger than %u MiB", path, DC_XML_MAX_SIZE >> 20);
    }

    xmlSetGenericErrorFunc(NULL, silent);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        return dc_error_set(err, -ENOMEM, "out of memory");
    }
    /* No NOENT (entities stay unexpanded), no DTDLOAD, no network, no XInclude. */
    first_error first = {0};
    xmlSetStructuredErrorFunc(&first, keep_first);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, text, (int)len, path, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR |
                                          XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        const char *last = e && e->message ? e->message : "not well-formed";
        /* The first error names the cause; the last one's line where both say the same. */
        bool same = !first.message || streq(first.message, last);
        _cleanup_free_ char *m = same ? xstrdup(last) : TAKE_PTR(first.message);
        int line = same ? (e ? e->line : 0) : first.line;
        size_t n = strlen(m);
        while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
            m[--n] = '\0';
        dc_error_set(err, -EBADMSG, "%s:%d: malformed XML: %s", path, line, m);
        free(first.message);
        xmlFreeParserCtxt(ctxt);
        return -EBADMSG;
    }
    free(first.message);
    xmlFreeParserCtxt(ctxt);
    if (doc->intSubset || doc->extSubset) {
        /* Entities are how billion-laughs and XXE attacks work; no domain needs a DTD. */
        dc_error_set(err, -EPERM, "%s: DOCTYPE declarations are not allowed", path);
        xmlFreeDoc(doc);
        return -EPERM;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) {
        dc_error_set(err, -EBADMSG, "%s: no root element", path);
        xmlFreeDoc(doc);
        return -EBADMSG;
    }
    if (check_depth(root) < 0) {
        dc_error_set(err, -E2BIG, "%s: elements nested deeper than %d levels", path,
                     DC_XML_MAX_DEPTH);
        xmlFreeDoc(doc);
        return -E2BIG;
    }
    *ret_doc = doc;
    return 0;
}

char *dc_xml_prop(xmlNodePtr n, const char *name)
{
    if (!n)
        return NULL;
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

xmlNodePtr dc_xml_next(xmlNodePtr n, const char *name)
{
    for (n = n ? n->next : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && (!name || streq((const char *)n->name, name)))
            return n;
    return NULL;
}

xmlNodePtr dc_xml_child(xmlNodePtr n, const char *name)
{
    if (!n)
        return NULL;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && (!name || streq((const char *)c->name, name)))
            return c;
    return NULL;
}

char *dc_xml_text(xmlNodePtr n)
{
    if (!n)
        return NULL;
    xmlChar *v = xmlNodeGetContent(n);
    if (!v)
        return NULL;
    const char *s = (const char *)v;
    while (*s && strchr(" \t\r\n", *s))
        s++;
    size_t len = strlen(s);
    while (len && strchr(" \t\r\n", s[len - 1]))
        len--;
    char *out = len ? xstrndup(s, len) : NULL;
    xmlFree(v);
    return out;
}

/* ---- strict readers ------------------------------------------------------------ */

size_t dc_xml_count_children(xmlNodePtr n, const char *name)
{
    size_t count = 0;
    for (xmlNodePtr c = dc_xml_child(n, name); c; c = dc_xml_next(c, name))
        count++;
    return count;
}

bool dc_xml_attr_yes(xmlNodePtr n, const char *name)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    return v && streq(v, "yes");
}

/* yes: 1, no: 0, absent or anything else: -1 (an older report). */
int dc_xml_attr_tri(xmlNodePtr n, const char *name)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    return v && streq(v, "yes") ? 1 : v && streq(v, "no") ? 0 : -1;
}

/*
 * The first malformed or out-of-range number met while reading one document
 * (a snapshot or a host report); the loaders refuse the document with it.
 * Numbers are never silently replaced by a default.
 */
static _Thread_local char *load_error;

void dc_load_error_set(char *msg)
{
    if (load_error)
        free(msg);
    else
        load_error = msg;
}

void dc_xml_bad_number(xmlNodePtr n, const char *name, const char *v, int r)
{
    if (load_error)
        return;
    load_error =
        xasprintf("line %ld: <%s> %s%s%s'%s' is %s", n ? xmlGetLineNo(n) : 0L,
                  n ? (const char *)n->name : "?", name ? "attribute '" : "", name ? name : "",
                  name ? "': " : "", v, r == -ERANGE ? "out of range" : "not a number");
}

/* Takes the recorded error (or NULL) and clears the slot. */
char *dc_load_error_take(void)
{
    char *e = load_error;
    load_error = NULL;
    return e;
}

unsigned long long dc_xml_attr_u64(xmlNodePtr n, const char *name, unsigned long long dflt,
                                   unsigned long long max)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    if (!v)
        return dflt;
    uint64_t x;
    int r = dc_parse_u64(v, 0, max, &x);
    if (r < 0) {
        dc_xml_bad_number(n, name, v, r);
        return dflt;
    }
    return x;
}

unsigned dc_xml_attr_uint(xmlNodePtr n, const char *name, unsigned dflt)
{
    return (unsigned)dc_xml_attr_u64(n, name, dflt, UINT_MAX);
}

/* Signed attributes: ids where -1 means unknown. */
long long dc_xml_attr_ll(xmlNodePtr n, const char *name, long long dflt)
{
    _cleanup_free_ char *v = dc_xml_prop(n, name);
    if (!v)
        return dflt;
    int64_t x;
    int r = dc_parse_i64(v, 0, INT_MIN, INT64_MAX, &x);
    if (r < 0) {
        dc_xml_bad_number(n, name, v, r);
        return dflt;
    }
    return x;
}

/* An element's text as a number. */
unsigned long long dc_xml_text_u64(xmlNodePtr n, unsigned long long max)
{
    _cleanup_free_ char *v = dc_xml_text(n);
    if (!v)
        return 0;
    uint64_t x;
    int r = dc_parse_u64(v, 10, max, &x);
    if (r < 0) {
        dc_xml_bad_number(n, NULL, v, r);
        return 0;
    }
    return x;
}
