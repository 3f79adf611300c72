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
int dc_xml_parse(const char *path, const char *text, size_t len, xmlDocPtr *ret_doc,
                 char **ret_msg);

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
