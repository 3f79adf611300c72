/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Untrusted XML in: no network, no DTD loading, no entity substitution, no
 * DOCTYPE at all, bounded size and depth. Every refusal names the file.
 */
#pragma once

#include <libxml/tree.h>

#include "util.h"

#define DC_XML_MAX_SIZE (16u << 20)
#define DC_XML_MAX_DEPTH 64

/* Parses path (or, when text is not NULL, text under the name path). */
int dc_xml_parse(const char *path, const char *text, size_t len, xmlDocPtr *ret_doc, dc_error *err);

static inline void dc_xml_freep(xmlDocPtr *d)
{
    if (*d)
        xmlFreeDoc(*d);
}
#define _cleanup_xml_ _cleanup_(dc_xml_freep)

/* Attribute value as a new C string (the caller frees), or NULL. */
char *dc_xml_prop(xmlNodePtr n, const char *name);
/* The first element child named name, or NULL. */
xmlNodePtr dc_xml_child(xmlNodePtr n, const char *name);
/* Next element sibling named name (NULL name: any element). */
xmlNodePtr dc_xml_next(xmlNodePtr n, const char *name);
/* Text content, trimmed, newly allocated; NULL when empty. */
char *dc_xml_text(xmlNodePtr n);
static inline bool dc_xml_is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && streq((const char *)n->name, name);
}

/*
 * Strict readers for the documents domcaps reads back (snapshots, host
 * reports). A malformed or out-of-range number is never silently replaced by
 * a default: the first one met while reading a document is kept, per thread,
 * and the loader refuses the document with it.
 */
/* Keeps msg (taken) as the document's error unless one is kept already. */
void dc_load_error_set(char *msg);
/* Takes the kept error (or NULL) and clears the slot. */
char *dc_load_error_take(void);
/* Keeps "line N: <elem> attribute 'name': 'v' is out of range" (name NULL: the text). */
void dc_xml_bad_number(xmlNodePtr n, const char *name, const char *v, int r);

size_t dc_xml_count_children(xmlNodePtr n, const char *name);
/* Whether attribute name is "yes". */
bool dc_xml_attr_yes(xmlNodePtr n, const char *name);
/* yes: 1, no: 0, absent or anything else: -1 (an older report). */
int dc_xml_attr_tri(xmlNodePtr n, const char *name);
/* Numeric attributes (any base dc_parse_u64 takes); dflt when absent or malformed. */
unsigned long long dc_xml_attr_u64(xmlNodePtr n, const char *name, unsigned long long dflt,
                                   unsigned long long max);
unsigned dc_xml_attr_uint(xmlNodePtr n, const char *name, unsigned dflt);
/* Signed attributes: ids where -1 means unknown. */
long long dc_xml_attr_ll(xmlNodePtr n, const char *name, long long dflt);
/* An element's text as a decimal number; 0 when empty or malformed. */
unsigned long long dc_xml_text_u64(xmlNodePtr n, unsigned long long max);
