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

int dc_xml_parse(const char *path, const char *text, size_t len, xmlDocPtr *ret_doc, char **ret_msg)
{
    _cleanup_free_ char *buf = NULL;
    if (!text) {
        int r = dc_read_input_file("", path, DC_XML_MAX_SIZE, &buf, &len, ret_msg);
        if (r < 0)
            return r;
        text = buf;
    } else if (len > DC_XML_MAX_SIZE) {
        *ret_msg = xasprintf("%s is larger than %u MiB", path, DC_XML_MAX_SIZE >> 20);
        return -EFBIG;
    }

    xmlSetGenericErrorFunc(NULL, silent);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        *ret_msg = xstrdup("out of memory");
        return -ENOMEM;
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
        *ret_msg = xasprintf("%s:%d: malformed XML: %s", path, line, m);
        free(first.message);
        xmlFreeParserCtxt(ctxt);
        return -EBADMSG;
    }
    free(first.message);
    xmlFreeParserCtxt(ctxt);
    if (doc->intSubset || doc->extSubset) {
        /* Entities are how billion-laughs and XXE attacks work; no domain needs a DTD. */
        *ret_msg = xasprintf("%s: DOCTYPE declarations are not allowed", path);
        xmlFreeDoc(doc);
        return -EPERM;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) {
        *ret_msg = xasprintf("%s: no root element", path);
        xmlFreeDoc(doc);
        return -EBADMSG;
    }
    if (check_depth(root) < 0) {
        *ret_msg = xasprintf("%s: elements nested deeper than %d levels", path, DC_XML_MAX_DEPTH);
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
