/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain XML against libvirt's RelaxNG schema.
 *
 * libxml2 does the validation and is the only judge of validity. Its
 * messages, though, often blame a whole <devices> ("Extra element devices in
 * interleave") when one <modle> deep inside is wrong. So the schema files are
 * also read into a small model of their own: for every <element> pattern,
 * which child elements and attributes it can have, which attribute values
 * are closed lists, and which children and attributes every match must
 * have. When libxml2 rejects a document, that model is walked along the
 * document to name the element, attribute or value at fault. The model
 * over-approximates what the schema allows, so whatever it reports is a real
 * error; libxml2's own errors that it does not explain are kept, reworded.
 *
 * The schema directory is untrusted input too: libxml2 loads schema files
 * through an external entity loader of ours, installed only while loading,
 * that reads nothing but regular files beneath the directory (openat2
 * RESOLVE_BENEATH), never the network, with size and count limits.
 */
#include "check_schema.h"

#include <fcntl.h>
#include <libxml/dict.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <libxml/schemasInternals.h>
#include <libxml/uri.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemastypes.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <strings.h>
#include <sys/syscall.h>

#define RNG_NS "http://relaxng.org/ns/structure/1.0"
#define XSD_NS "http://www.w3.org/2001/XMLSchema"
#define XSD_DATATYPES "http://www.w3.org/2001/XMLSchema-datatypes"

/* libvirt 9.0's domain schema is 16 files and 420 KiB in all. */
#define SCHEMA_FILE_MAX (8u << 20)
#define SCHEMA_TOTAL_MAX (32u << 20)
#define SCHEMA_LOADS_MAX 256
/* libxml2 errors kept per validation before they are reworded. */
#define RAW_MAX 64
/* Findings collected before sorting and cutting to DC_SCHEMA_MAX_ERRORS. */
#define FINDINGS_MAX 256
/* Pattern nesting (through refs) and document depth the model follows. */
#define WALK_DEPTH_MAX 256

#if LIBXML_VERSION >= 21200
typedef const xmlError dc_xml_error;
#else
typedef xmlError dc_xml_error;
#endif

/* ---- small sets of pointers (interned strings, model elements) --------------- */

typedef struct ptrset {
    const void **v;
    size_t n, alloc;
} ptrset;

static bool ptrset_has(const ptrset *s, const void *p)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == p)
            return true;
    return false;
}

static void ptrset_add(ptrset *s, const void *p)
{
    if (ptrset_has(s, p))
        return;
    if (s->n == s->alloc) {
        s->alloc = s->alloc ? 2 * s->alloc : 4;
        s->v = xrealloc(s->v, s->alloc * sizeof(*s->v));
    }
    s->v[s->n++] = p;
}

static void ptrset_add_all(ptrset *s, const ptrset *from)
{
    for (size_t i = 0; i < from->n; i++)
        ptrset_add(s, from->v[i]);
}

/* Keeps only what is also in other. */
static void ptrset_keep(ptrset *s, const ptrset *other)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (ptrset_has(other, s->v[i]))
            s->v[k++] = s->v[i];
    s->n = k;
}

static void ptrset_clear(ptrset *s)
{
    free(s->v);
    *s = (ptrset){0};
}

/* ---- libxml2 errors ----------------------------------------------------------- */

typedef struct raw_error {
    int domain, code;
    xmlNodePtr node; /* validation: the instance node libxml2 blamed, or NULL */
    char *file;
    int line;
    char *str1, *str2;
    char *message;
} raw_error;

typedef struct collector {
    raw_error v[RAW_MAX];
    size_t n;
    size_t total;
} collector;

static void collect_error(void *data, dc_xml_error *e)
{
    collector *c = data;
    c->total++;
    if (!e || c->n == RAW_MAX)
        return;
    c->v[c->n++] = (raw_error){
        .domain = e->domain,
        .code = e->code,
        .node = e->node,
        .file = e->file ? xstrdup(e->file) : NULL,
        .line = e->line,
        .str1 = e->str1 ? xstrdup(e->str1) : NULL,
        .str2 = e->str2 ? xstrdup(e->str2) : NULL,
        .message = xstrdup(e->message ? e->message : ""),
    };
}

static void collector_clear(collector *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].file);
        free(c->v[i].str1);
        free(c->v[i].str2);
        free(c->v[i].message);
    }
    c->n = c->total = 0;
}

/* libxml2's text as one sentence: one line, single spaces, capital, full stop. */
static char *sentence(const char *s)
{
    dc_buf b = {0};
    bool space = false;
    for (; *s; s++) {
        if (strchr(" \t\r\n", *s)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            dc_buf_add(&b, " ");
        space = false;
        dc_buf_addn(&b, s, 1);
    }
    if (!b.len)
        dc_buf_add(&b, "Unknown error");
    if (b.s[0] >= 'a' && b.s[0] <= 'z')
        b.s[0] = (char)(b.s[0] - 'a' + 'A');
    if (!strchr(".!?", b.s[b.len - 1]))
        dc_buf_add(&b, ".");
    return dc_buf_steal(&b);
}

/* A file URL as libxml2 passes it back, as a path for messages. */
static char *url_display(const char *url)
{
    xmlURIPtr u = xmlParseURI(url);
    char *s =
        xstrdup(u && u->path && (!u->scheme || !strcasecmp(u->scheme, "file")) ? u->path : url);
    xmlFreeURI(u);
    return s;
}

/* ---- the sandboxed schema loader ---------------------------------------------- */

typedef struct schema_file {
    char *url;
    char *data;
    size_t len;
} schema_file;

typedef struct load_state {
    int rootfd;
    const char *root;
    schema_file *files;
    size_t nfiles;
    size_t loads, bytes;
    /* The first refusal: why, and how many errors libxml2 had raised before it. */
    char *refusal;
    int refusal_errno;
    size_t refusal_at;
    collector *errors;
} load_state;

/* Set only while dc_schema_load runs on this thread; other loads go to the previous loader. */
static _Thread_local load_state *current_load;
static xmlExternalEntityLoader previous_loader;

_printf_(3, 4) static void refuse(load_state *st, int err, const char *fmt, ...)
{
    if (st->refusal)
        return;
    va_list ap;
    va_start(ap, fmt);
    st->refusal = xvasprintf(fmt, ap);
    va_end(ap);
    st->refusal_errno = err;
    st->refusal_at = st->errors->n;
}

/* Lexically resolves "." and ".." and repeated slashes of an absolute path. */
static char *normalize_path(const char *path)
{
    dc_buf b = {0};
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (b.len && b.s[b.len - 1] != '/')
                b.len--;
            if (b.len)
                b.len--;
        } else {
            dc_buf_add(&b, "/");
            dc_buf_addn(&b, p, n);
        }
        p = end;
    }
    if (!b.len)
        dc_buf_add(&b, "/");
    b.s[b.len] = '\0';
    return dc_buf_steal(&b);
}

/* Opens rel beneath dirfd, following symlinks only while they stay beneath it. */
static int open_beneath(int dirfd, const char *root, const char *rel)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
    if (fd >= 0)
        return fd;
    if (errno != ENOSYS)
        return -errno;
    /* Kernels before 5.6: resolve first, then insist the result is beneath the root. */
    _cleanup_free_ char *abs = xasprintf("%s/%s", root, rel);
    _cleanup_free_ char *real = realpath(abs, NULL);
    if (!real)
        return -errno;
    size_t n = strlen(root);
    if (strncmp(real, root, n) != 0 || real[n] != '/')
        return -EXDEV;
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    return fd < 0 ? -errno : fd;
}

/* Reads the file a schema URL names, if it may be read; NULL (and a refusal) if not. */
static const schema_file *sandbox_read(load_state *st, const char *url)
{
    if (++st->loads > SCHEMA_LOADS_MAX) {
        refuse(st, -ELOOP, "the schema loads more than %d files", SCHEMA_LOADS_MAX);
        return NULL;
    }
    for (size_t i = 0; i < st->nfiles; i++)
        if (streq(st->files[i].url, url))
            return &st->files[i];

    xmlURIPtr u = xmlParseURI(url);
    if (!u) {
        refuse(st, -EPERM, "'%s' is not a file inside %s", url, st->root);
        return NULL;
    }
    bool file = !u->scheme || !strcasecmp(u->scheme, "file");
    bool local = !u->server || !*u->server || !strcmp(u->server, "localhost");
    if (!file || !local || !u->path || u->path[0] != '/') {
        refuse(st, -EPERM, "'%s' is not a file; schemas are read only from files inside %s", url,
               st->root);
        xmlFreeURI(u);
        return NULL;
    }
    _cleanup_free_ char *path = normalize_path(u->path);
    xmlFreeURI(u);
    size_t rootlen = strlen(st->root);
    if (strncmp(path, st->root, rootlen) != 0 || path[rootlen] != '/') {
        refuse(st, -EPERM, "'%s' is outside the schema directory %s", path, st->root);
        return NULL;
    }

    _cleanup_close_ int fd = open_beneath(st->rootfd, st->root, path + rootlen + 1);
    if (fd < 0) {
        if (fd == -EXDEV || fd == -ELOOP)
            refuse(st, -EPERM, "'%s' leads outside the schema directory %s", path, st->root);
        else if (fd == -ENOENT)
            refuse(st, -EBADMSG, "'%s' does not exist", path);
        else
            refuse(st, fd, "cannot open '%s': %s", path, strerror(-fd));
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        refuse(st, -EINVAL, "'%s' is not a regular file", path);
        return NULL;
    }
    char *data = NULL;
    size_t len = 0;
    int r = dc_read_fd(fd, SCHEMA_FILE_MAX, &data, &len);
    if (r < 0) {
        if (r == -EFBIG)
            refuse(st, r, "'%s' is larger than %u MiB", path, SCHEMA_FILE_MAX >> 20);
        else
            refuse(st, r, "cannot read '%s': %s", path, strerror(-r));
        return NULL;
    }
    if (len == 0)
        refuse(st, -EBADMSG, "'%s' is empty", path);
    else if (memmem(data, len, "<!DOCTYPE", 9))
        /* DTDs bring entities, and entities bring billion laughs and XXE. */
        refuse(st, -EPERM, "'%s' has a DOCTYPE declaration, which schemas must not have", path);
    else if (st->bytes + len > SCHEMA_TOTAL_MAX)
        refuse(st, -EFBIG, "the schema files add up to more than %u MiB", SCHEMA_TOTAL_MAX >> 20);
    if (len == 0 || st->refusal) {
        free(data);
        return NULL;
    }
    st->bytes += len;
    st->files = xrealloc(st->files, (st->nfiles + 1) * sizeof(*st->files));
    st->files[st->nfiles] = (schema_file){.url = xstrdup(url), .data = data, .len = len};
    return &st->files[st->nfiles++];
}

static xmlParserInputPtr sandbox_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    load_state *st = current_load;
    if (!st)
        return previous_loader ? previous_loader(url, id, ctxt) : NULL;
    if (!url) {
        refuse(st, -EPERM, "the schema refers to an entity without a file name");
        return NULL;
    }
    const schema_file *f = sandbox_read(st, url);
    if (!f)
        return NULL;
    xmlParserInputBufferPtr buf =
        xmlParserInputBufferCreateMem(f->data, (int)f->len, XML_CHAR_ENCODING_NONE);
    if (!buf)
        return NULL;
    xmlParserInputPtr in = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
    if (!in) {
        xmlFreeParserInputBuffer(buf);
        return NULL;
    }
    /* Becomes the document's URL, against which its includes are resolved. */
    in->filename = (char *)xmlCharStrdup(url);
    return in;
}

/* ---- the model of the grammar --------------------------------------------------- */

/* An XML Schema datatype with its facets (<data type="unsignedInt"><param .../></data>). */
typedef struct rng_datatype {
    xmlSchemaTypePtr type;
    xmlSchemaFacetPtr *facets;
    size_t nfacets;
    char *label; /* unsignedShort (pattern '[0-9]+', minInclusive '1') */
} rng_datatype;

/* What a piece of text (an attribute value, an element's text) may be. */
typedef struct rng_values {
    bool open;       /* text the model does not check */
    ptrset literals; /* interned: whitespace-collapsed, and as written for type string */
    ptrset types;    /* rng_datatype * */
} rng_values;

typedef struct rng_attr {
    const xmlChar *name; /* interned qualified name */
    rng_values values;
} rng_attr;

/*
 * One form an element can take. A choice at the top of an element's content
 * (through groups and refs, not inside optional or repeated parts) gives one
 * form per branch, so that <interface type='network'> is judged by what the
 * network form of <interface> needs.
 */
typedef struct rng_variant {
    bool opaque;     /* content the model does not follow (nested grammars): anything goes */
    ptrset children; /* rng_elem * */
    rng_attr *attrs;
    size_t nattrs;
    bool any_attr;
    bool has_text; /* text content is allowed, as described by text */
    rng_values text;
    ptrset req_children, req_attrs; /* what every match has */
} rng_variant;

typedef struct rng_elem {
    xmlNodePtr node; /* the <element> pattern, while the model is built */
    xmlNodePtr content;
    ptrset names; /* interned qualified names: "local" or "{ns}local" */
    bool any_name;
    rng_variant *variants; /* none: the content can never match */
    size_t nvariants;
} rng_elem;

typedef struct req {
    bool top; /* cannot match at all (notAllowed): neutral in a choice */
    ptrset elems, attrs;
} req;

enum { MEMO_NONE, MEMO_BUSY, MEMO_DONE, MEMO_FAILED };

typedef struct rng_define {
    xmlNodePtr *v;
    size_t n;
    bool choice;    /* combine="choice": requirements intersect */
    unsigned visit; /* collect: the walk that last entered it */
    int forms_state;
    struct vlist *forms; /* its forms, worked out once */
    int req_state;
    req req;
} rng_define;

typedef struct rng_model {
    xmlDictPtr dict;
    xmlDocPtr *docs;
    size_t ndocs;
    const schema_file *files;
    size_t nfiles;
    xmlHashTablePtr defines;
    rng_variant start; /* its children are the root element patterns */
    rng_elem **elems;
    size_t nelems;
    rng_datatype **types;
    size_t ntypes;
    unsigned walk; /* collect: numbers the walks, for rng_define.visit */
    struct attr_pattern **attr_patterns;
    size_t nattr_patterns;
} rng_model;

static bool is_rng(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && (!name || streq((const char *)n->name, name)) &&
           n->ns && streq((const char *)n->ns->href, RNG_NS);
}

static xmlNodePtr rng_first(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (is_rng(n, NULL))
            return n;
    return NULL;
}

static xmlNodePtr rng_next(xmlNodePtr n) { return rng_first(n ? n->next : NULL); }

static const xmlChar *intern_qname(rng_model *m, const char *ns, const char *local)
{
    if (!ns || !*ns)
        return xmlDictLookup(m->dict, (const xmlChar *)local, -1);
    _cleanup_free_ char *q = xasprintf("{%s}%s", ns, local);
    return xmlDictLookup(m->dict, (const xmlChar *)q, -1);
}

/* The interned name of an instance element or attribute, NULL when the schema never names it. */
static const xmlChar *instance_qname(const rng_model *m, const xmlChar *local, xmlNsPtr ns)
{
    if (!ns || !ns->href || !*ns->href)
        return xmlDictExists(m->dict, local, -1);
    _cleanup_free_ char *q = xasprintf("{%s}%s", (const char *)ns->href, (const char *)local);
    return xmlDictExists(m->dict, (const xmlChar *)q, -1);
}

/* "{ns}local" -> "local", for messages. */
static const char *display_name(const void *qname)
{
    const char *s = qname;
    const char *close = s[0] == '{' ? strchr(s, '}') : NULL;
    return close ? close + 1 : s;
}

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

static char *trimmed_content(xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    const char *s = v ? (const char *)v : "";
    while (*s && strchr(" \t\r\n", *s))
        s++;
    size_t len = strlen(s);
    while (len && strchr(" \t\r\n", s[len - 1]))
        len--;
    char *out = xstrndup(s, len);
    xmlFree(v);
    return out;
}

/* Whitespace collapsed, as RelaxNG's token type compares. */
static char *collapse(const char *s)
{
    dc_buf b = {0};
    bool space = false;
    for (; *s; s++) {
        if (strchr(" \t\r\n", *s)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            dc_buf_add(&b, " ");
        space = false;
        dc_buf_addn(&b, s, 1);
    }
    return dc_buf_steal(&b);
}

/*
 * A QName in a pattern. Elements inherit the nearest ns attribute; attributes
 * are in no namespace unless they say so.
 */
static const xmlChar *pattern_qname(rng_model *m, xmlNodePtr ctx, const char *raw, bool attribute)
{
    _cleanup_free_ char *name = collapse(raw);
    _cleanup_free_ char *ns = NULL;
    char *colon = strchr(name, ':');
    if (colon) {
        *colon = '\0';
        xmlNsPtr x = xmlSearchNs(ctx->doc, ctx, (const xmlChar *)name);
        ns = xstrdup(x && x->href ? (const char *)x->href : "");
        return intern_qname(m, ns, colon + 1);
    }
    for (xmlNodePtr p = ctx; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        if ((ns = prop(p, "ns")))
            break;
        if (attribute && !is_rng(p, "name"))
            break;
    }
    return intern_qname(m, ns, name);
}

/* Adds the names of a name class; false when it can match any name. */
static bool name_class(rng_model *m, xmlNodePtr nc, ptrset *names, bool attribute, int depth)
{
    if (depth > WALK_DEPTH_MAX)
        return false;
    if (is_rng(nc, "name")) {
        _cleanup_free_ char *t = trimmed_content(nc);
        ptrset_add(names, pattern_qname(m, nc, t, attribute));
        return true;
    }
    if (is_rng(nc, "choice")) {
        for (xmlNodePtr c = rng_first(nc->children); c; c = rng_next(c))
            if (!name_class(m, c, names, attribute, depth + 1))
                return false;
        return true;
    }
    return false; /* anyName, nsName */
}

/* The define a <ref> names; remembered in the ref itself (defines are complete by then). */
static rng_define *define_get(const rng_model *m, xmlNodePtr ref)
{
    if (ref->_private)
        return ref->_private;
    _cleanup_free_ char *raw = prop(ref, "name");
    if (!raw)
        return NULL;
    _cleanup_free_ char *name = collapse(raw);
    return ref->_private = xmlHashLookup(m->defines, (const xmlChar *)name);
}

/* The model's view of an <element> pattern, created on first sight and analysed later. */
static rng_elem *elem_get(rng_model *m, xmlNodePtr pattern)
{
    if (pattern->_private)
        return pattern->_private;
    rng_elem *e = xcalloc(1, sizeof(*e));
    e->node = pattern;
    _cleanup_free_ char *name = prop(pattern, "name");
    if (name) {
        ptrset_add(&e->names, pattern_qname(m, pattern, name, false));
        e->content = pattern->children;
    } else {
        xmlNodePtr nc = rng_first(pattern->children);
        e->any_name = !nc || !name_class(m, nc, &e->names, false, 0);
        e->content = nc ? nc->next : NULL;
    }
    pattern->_private = e;
    m->elems = xrealloc(m->elems, (m->nelems + 1) * sizeof(*m->elems));
    m->elems[m->nelems++] = e;
    return e;
}

static void values_merge(rng_values *to, const rng_values *from)
{
    to->open = to->open || from->open;
    ptrset_add_all(&to->literals, &from->literals);
    ptrset_add_all(&to->types, &from->types);
}

static void values_clear(rng_values *v)
{
    ptrset_clear(&v->literals);
    ptrset_clear(&v->types);
    v->open = false;
}

static char *inherited_prop(xmlNodePtr n, const char *name)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        char *v = prop(n, name);
        if (v)
            return v;
    }
    return NULL;
}

static const struct {
    const char *param;
    xmlSchemaTypeType facet;
} facet_names[] = {
    {"length", XML_SCHEMA_FACET_LENGTH},
    {"minLength", XML_SCHEMA_FACET_MINLENGTH},
    {"maxLength", XML_SCHEMA_FACET_MAXLENGTH},
    {"pattern", XML_SCHEMA_FACET_PATTERN},
    {"enumeration", XML_SCHEMA_FACET_ENUMERATION},
    {"whiteSpace", XML_SCHEMA_FACET_WHITESPACE},
    {"minInclusive", XML_SCHEMA_FACET_MININCLUSIVE},
    {"maxInclusive", XML_SCHEMA_FACET_MAXINCLUSIVE},
    {"minExclusive", XML_SCHEMA_FACET_MINEXCLUSIVE},
    {"maxExclusive", XML_SCHEMA_FACET_MAXEXCLUSIVE},
    {"totalDigits", XML_SCHEMA_FACET_TOTALDIGITS},
    {"fractionDigits", XML_SCHEMA_FACET_FRACTIONDIGITS},
};

static void facet_free(xmlSchemaFacetPtr f)
{
    /* libxml2 frees what it compiled from the value, not the value. */
    xmlFree((xmlChar *)f->value);
    xmlSchemaFreeFacet(f);
}

static void datatype_free(rng_datatype *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nfacets; i++)
        facet_free(d->facets[i]);
    free(d->facets);
    free(d->label);
    free(d);
}

/*
 * The datatype of a <data> pattern, or NULL when the model leaves it unchecked:
 * another datatype library, types that need the document (ID, QName, ENTITY),
 * an unknown facet.
 */
static rng_datatype *datatype_new(xmlNodePtr data)
{
    _cleanup_free_ char *lib = inherited_prop(data, "datatypeLibrary");
    _cleanup_free_ char *raw = prop(data, "type");
    _cleanup_free_ char *name = raw ? collapse(raw) : NULL;
    if (!lib || !streq(lib, XSD_DATATYPES) || !name)
        return NULL; /* the built-in library's string and token take any text */
    static const char *const unchecked[] = {"ID",       "IDREF",    "IDREFS", "ENTITY",
                                            "ENTITIES", "NOTATION", "QName"};
    for (size_t i = 0; i < ELEMENTSOF(unchecked); i++)
        if (streq(name, unchecked[i]))
            return NULL;
    xmlSchemaTypePtr type =
        xmlSchemaGetPredefinedType((const xmlChar *)name, (const xmlChar *)XSD_NS);
    if (!type)
        return NULL;
    rng_datatype *d = xcalloc(1, sizeof(*d));
    d->type = type;
    dc_buf label = {0};
    dc_buf_add(&label, name);
    for (xmlNodePtr p = rng_first(data->children); p; p = rng_next(p)) {
        if (!is_rng(p, "param"))
            continue; /* <except>: ignored, the model may accept more than the schema */
        _cleanup_free_ char *pname = prop(p, "name");
        xmlSchemaTypeType kind = XML_SCHEMA_TYPE_BASIC;
        for (size_t i = 0; pname && i < ELEMENTSOF(facet_names); i++)
            if (streq(pname, facet_names[i].param))
                kind = facet_names[i].facet;
        xmlSchemaFacetPtr f = kind != XML_SCHEMA_TYPE_BASIC ? xmlSchemaNewFacet() : NULL;
        if (!f) {
            dc_buf_clear(&label);
            datatype_free(d);
            return NULL;
        }
        f->type = kind;
        f->value = xmlNodeGetContent(p);
        if (!f->value || xmlSchemaCheckFacet(f, type, NULL, (const xmlChar *)name) != 0) {
            facet_free(f);
            dc_buf_clear(&label);
            datatype_free(d);
            return NULL;
        }
        d->facets = xrealloc(d->facets, (d->nfacets + 1) * sizeof(*d->facets));
        d->facets[d->nfacets++] = f;
        dc_buf_addf(&label, "%s%s '%s'", d->nfacets == 1 ? " (" : ", ", pname,
                    (const char *)f->value);
    }
    if (d->nfacets)
        dc_buf_add(&label, ")");
    d->label = dc_buf_steal(&label);
    return d;
}

static bool datatype_accepts(const rng_datatype *d, const char *value)
{
    xmlSchemaValPtr val = NULL;
    bool ok = xmlSchemaValPredefTypeNode(d->type, (const xmlChar *)value, &val, NULL) == 0;
    for (size_t i = 0; ok && i < d->nfacets; i++)
        ok = xmlSchemaValidateFacet(d->type, d->facets[i], (const xmlChar *)value, val) == 0;
    if (val)
        xmlSchemaFreeValue(val);
    return ok;
}

/* Adds what one pattern of text content allows. */
static void values_add(rng_model *m, xmlNodePtr c, rng_values *vs, int depth)
{
    if (depth > WALK_DEPTH_MAX) {
        vs->open = true;
    } else if (is_rng(c, "value")) {
        _cleanup_free_ char *type = prop(c, "type");
        _cleanup_free_ char *t = type ? collapse(type) : NULL;
        if (t && !streq(t, "token") && !streq(t, "string")) {
            vs->open = true;
            return;
        }
        xmlChar *raw = xmlNodeGetContent(c);
        const char *text = raw ? (const char *)raw : "";
        _cleanup_free_ char *v = collapse(text);
        ptrset_add(&vs->literals, xmlDictLookup(m->dict, (const xmlChar *)v, -1));
        if (t && streq(t, "string"))
            ptrset_add(&vs->literals, xmlDictLookup(m->dict, (const xmlChar *)text, -1));
        xmlFree(raw);
    } else if (is_rng(c, "data")) {
        if (!c->_private) {
            rng_datatype *d = datatype_new(c);
            if (!d) {
                vs->open = true;
                return;
            }
            m->types = xrealloc(m->types, (m->ntypes + 1) * sizeof(*m->types));
            m->types[m->ntypes++] = d;
            c->_private = d;
        }
        ptrset_add(&vs->types, c->_private);
    } else if (is_rng(c, "choice")) {
        for (xmlNodePtr b = rng_first(c->children); b; b = rng_next(b))
            values_add(m, b, vs, depth + 1);
    } else if (is_rng(c, "ref")) {
        rng_define *d = define_get(m, c);
        for (size_t i = 0; d && i < d->n; i++)
            for (xmlNodePtr b = rng_first(d->v[i]->children); b; b = rng_next(b))
                values_add(m, b, vs, depth + 1);
        if (!d)
            vs->open = true;
    } else if (is_rng(c, "empty")) {
        ptrset_add(&vs->literals, xmlDictLookup(m->dict, (const xmlChar *)"", -1));
    } else if (!is_rng(c, "notAllowed")) {
        vs->open = true; /* text, list, group ...: not checked */
    }
}

static bool values_accept(const rng_model *m, const rng_values *vs, const char *raw)
{
    if (vs->open)
        return true;
    _cleanup_free_ char *v = collapse(raw);
    const xmlChar *a = xmlDictExists(m->dict, (const xmlChar *)v, -1);
    const xmlChar *b = xmlDictExists(m->dict, (const xmlChar *)raw, -1);
    if ((a && ptrset_has(&vs->literals, a)) || (b && ptrset_has(&vs->literals, b)))
        return true;
    for (size_t i = 0; i < vs->types.n; i++)
        if (datatype_accepts(vs->types.v[i], raw))
            return true;
    return false;
}

static rng_attr *attr_slot(rng_variant *e, const xmlChar *name)
{
    for (size_t i = 0; i < e->nattrs; i++)
        if (e->attrs[i].name == name)
            return &e->attrs[i];
    e->attrs = xrealloc(e->attrs, (e->nattrs + 1) * sizeof(*e->attrs));
    e->attrs[e->nattrs] = (rng_attr){.name = name};
    return &e->attrs[e->nattrs++];
}

/* An <attribute> pattern, read once: its names (none: any name) and values. */
typedef struct attr_pattern {
    ptrset names;
    bool any_name;
    rng_values values;
} attr_pattern;

static attr_pattern *attr_pattern_get(rng_model *m, xmlNodePtr a)
{
    if (a->_private)
        return a->_private;
    attr_pattern *p = xcalloc(1, sizeof(*p));
    xmlNodePtr content;
    _cleanup_free_ char *name = prop(a, "name");
    if (name) {
        ptrset_add(&p->names, pattern_qname(m, a, name, true));
        content = a->children;
    } else {
        xmlNodePtr nc = rng_first(a->children);
        p->any_name = !nc || !name_class(m, nc, &p->names, true, 0);
        content = nc ? nc->next : NULL;
    }
    xmlNodePtr first = rng_first(content);
    if (!first)
        p->values.open = true; /* no pattern: any text */
    for (xmlNodePtr c = first; c; c = rng_next(c))
        values_add(m, c, &p->values, 0);
    m->attr_patterns = xrealloc(m->attr_patterns, (m->nattr_patterns + 1) * sizeof(p));
    m->attr_patterns[m->nattr_patterns++] = p;
    return a->_private = p;
}

static void attr_add(rng_model *m, rng_variant *e, xmlNodePtr a)
{
    const attr_pattern *p = attr_pattern_get(m, a);
    if (p->any_name)
        e->any_attr = true;
    else
        for (size_t i = 0; i < p->names.n; i++)
            values_merge(&attr_slot(e, p->names.v[i])->values, &p->values);
}

static bool is_container(xmlNodePtr c)
{
    static const char *const names[] = {"group",      "interleave", "choice", "optional",
                                        "zeroOrMore", "oneOrMore",  "div"};
    for (size_t i = 0; i < ELEMENTSOF(names); i++)
        if (streq((const char *)c->name, names[i]))
            return true;
    return false;
}

static void collect(rng_model *m, rng_variant *e, xmlNodePtr first, int depth);

/* Child elements, attributes and text reachable from a pattern without entering an element. */
static void collect_one(rng_model *m, rng_variant *e, xmlNodePtr c, int depth)
{
    if (depth > WALK_DEPTH_MAX) {
        e->opaque = true;
    } else if (is_rng(c, "element")) {
        ptrset_add(&e->children, elem_get(m, c));
    } else if (is_rng(c, "attribute")) {
        attr_add(m, e, c);
    } else if (is_rng(c, "ref")) {
        rng_define *d = define_get(m, c);
        if (!d) {
            e->opaque = true;
        } else if (d->visit != m->walk) {
            d->visit = m->walk; /* once per walk: what it allows is already in */
            for (size_t i = 0; i < d->n; i++)
                collect(m, e, d->v[i]->children, depth + 1);
        }
    } else if (is_rng(c, "parentRef") || is_rng(c, "externalRef") || is_rng(c, "grammar")) {
        e->opaque = true;
    } else if (is_container(c)) {
        collect(m, e, c->children, depth + 1);
    } else if (is_rng(c, "value") || is_rng(c, "data")) {
        e->has_text = true;
        values_add(m, c, &e->text, depth + 1);
    } else if (is_rng(c, "text") || is_rng(c, "list") || is_rng(c, "mixed")) {
        e->has_text = true;
        e->text.open = true;
        if (is_rng(c, "mixed"))
            collect(m, e, c->children, depth + 1);
    }
    /* empty, notAllowed: nothing */
}

static void collect(rng_model *m, rng_variant *e, xmlNodePtr first, int depth)
{
    for (xmlNodePtr c = rng_first(first); c; c = rng_next(c))
        collect_one(m, e, c, depth);
}

/* ---- what every match of a pattern must contain ------------------------------------ */

static void req_clear(req *r)
{
    ptrset_clear(&r->elems);
    ptrset_clear(&r->attrs);
    r->top = false;
}

static void req_union(req *a, const req *b)
{
    a->top = a->top || b->top;
    ptrset_add_all(&a->elems, &b->elems);
    ptrset_add_all(&a->attrs, &b->attrs);
}

/* a as a choice between a and b: only what both require (a branch that cannot match is neutral). */
static void req_intersect(req *a, const req *b)
{
    if (b->top)
        return;
    if (a->top) {
        req_clear(a);
        req_union(a, b);
        return;
    }
    ptrset_keep(&a->elems, &b->elems);
    ptrset_keep(&a->attrs, &b->attrs);
}

static void req_pattern(rng_model *m, xmlNodePtr c, req *out, int depth);

static void req_seq(rng_model *m, xmlNodePtr first, req *out, int depth)
{
    for (xmlNodePtr c = rng_first(first); c; c = rng_next(c))
        req_pattern(m, c, out, depth);
}

static void req_pattern(rng_model *m, xmlNodePtr c, req *out, int depth)
{
    if (depth > WALK_DEPTH_MAX)
        return; /* requiring less is always safe */
    if (is_rng(c, "element")) {
        rng_elem *e = elem_get(m, c);
        if (!e->any_name && e->names.n == 1)
            ptrset_add(&out->elems, e->names.v[0]);
    } else if (is_rng(c, "attribute")) {
        ptrset names = {0};
        _cleanup_free_ char *name = prop(c, "name");
        if (name)
            ptrset_add(&names, pattern_qname(m, c, name, true));
        else if (!name_class(m, rng_first(c->children), &names, true, 0))
            names.n = 0;
        if (names.n == 1)
            ptrset_add(&out->attrs, names.v[0]);
        ptrset_clear(&names);
    } else if (is_rng(c, "choice")) {
        req r = {.top = true};
        for (xmlNodePtr b = rng_first(c->children); b; b = rng_next(b)) {
            req rb = {0};
            req_pattern(m, b, &rb, depth + 1);
            req_intersect(&r, &rb);
            req_clear(&rb);
        }
        req_union(out, &r);
        req_clear(&r);
    } else if (is_rng(c, "ref")) {
        rng_define *d = define_get(m, c);
        if (!d)
            return;
        if (d->req_state == MEMO_NONE) {
            d->req_state = MEMO_BUSY;
            req r = {.top = d->choice};
            for (size_t i = 0; i < d->n; i++) {
                req rv = {0};
                req_seq(m, d->v[i]->children, &rv, depth + 1);
                if (d->choice)
                    req_intersect(&r, &rv);
                else
                    req_union(&r, &rv);
                req_clear(&rv);
            }
            d->req = r;
            d->req_state = MEMO_DONE;
        }
        if (d->req_state == MEMO_DONE)
            req_union(out, &d->req);
    } else if (is_rng(c, "notAllowed")) {
        out->top = true;
    } else if (is_rng(c, "group") || is_rng(c, "interleave") || is_rng(c, "oneOrMore") ||
               is_rng(c, "mixed") || is_rng(c, "list") || is_rng(c, "div")) {
        req_seq(m, c->children, out, depth + 1);
    }
    /* optional, zeroOrMore, text, data, value, empty: nothing required */
}

/* ---- the forms of an element ------------------------------------------------------- */

#define VARIANTS_MAX 64

/* Forms as lists of patterns that together make up the content. */
typedef struct vlist {
    ptrset *v;
    size_t n;
} vlist;

static void vlist_clear(vlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        ptrset_clear(&l->v[i]);
    free(l->v);
    *l = (vlist){0};
}

static void vlist_push(vlist *l, ptrset p)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n++] = p;
}

/* acc = every form of acc followed by every form of b. */
static bool vlist_product(vlist *acc, const vlist *b)
{
    if (acc->n * b->n > VARIANTS_MAX)
        return false;
    vlist r = {0};
    for (size_t i = 0; i < acc->n; i++)
        for (size_t k = 0; k < b->n; k++) {
            ptrset p = {0};
            ptrset_add_all(&p, &acc->v[i]);
            ptrset_add_all(&p, &b->v[k]);
            vlist_push(&r, p);
        }
    vlist_clear(acc);
    *acc = r;
    return true;
}

static bool vlist_append(vlist *acc, vlist *b)
{
    if (acc->n + b->n > VARIANTS_MAX)
        return false;
    for (size_t i = 0; i < b->n; i++)
        vlist_push(acc, b->v[i]);
    free(b->v);
    *b = (vlist){0};
    return true;
}

static bool expand(rng_model *m, xmlNodePtr c, vlist *out, int depth);
static bool expand_seq(rng_model *m, xmlNodePtr first, vlist *out, int depth);

static bool vlist_copy(vlist *to, const vlist *from)
{
    if (to->n + from->n > VARIANTS_MAX)
        return false;
    for (size_t i = 0; i < from->n; i++) {
        ptrset p = {0};
        ptrset_add_all(&p, &from->v[i]);
        vlist_push(to, p);
    }
    return true;
}

/* The forms of a define's patterns (all its parts, for combine="choice" each part). */
static bool define_expand(rng_model *m, rng_define *d, vlist *out, int depth)
{
    vlist acc = {0};
    if (!d->choice)
        vlist_push(&acc, (ptrset){0});
    for (size_t i = 0; i < d->n; i++) {
        vlist x = {0};
        bool ok = expand_seq(m, d->v[i]->children, &x, depth + 1) &&
                  (d->choice ? vlist_append(&acc, &x) : vlist_product(&acc, &x));
        vlist_clear(&x);
        if (!ok) {
            vlist_clear(&acc);
            return false;
        }
    }
    *out = acc;
    return true;
}

static bool define_forms(rng_model *m, rng_define *d, vlist *out, int depth)
{
    if (d->forms_state == MEMO_NONE) {
        d->forms_state = MEMO_BUSY;
        vlist *f = xcalloc(1, sizeof(*f));
        if (define_expand(m, d, f, depth)) {
            d->forms = f;
            d->forms_state = MEMO_DONE;
        } else {
            free(f);
            d->forms_state = MEMO_FAILED; /* too many forms */
        }
    }
    return d->forms_state == MEMO_DONE && vlist_copy(out, d->forms);
}

static bool expand_seq(rng_model *m, xmlNodePtr first, vlist *out, int depth)
{
    vlist acc = {0};
    vlist_push(&acc, (ptrset){0});
    for (xmlNodePtr c = rng_first(first); c; c = rng_next(c)) {
        vlist x = {0};
        bool ok = expand(m, c, &x, depth + 1) && vlist_product(&acc, &x);
        vlist_clear(&x);
        if (!ok) {
            vlist_clear(&acc);
            return false;
        }
    }
    *out = acc;
    return true;
}

/* The forms of one pattern; false when there would be too many to tell apart. */
static bool expand(rng_model *m, xmlNodePtr c, vlist *out, int depth)
{
    if (depth > WALK_DEPTH_MAX)
        return false;
    if (is_rng(c, "choice")) {
        for (xmlNodePtr b = rng_first(c->children); b; b = rng_next(b)) {
            vlist x = {0};
            bool ok = expand(m, b, &x, depth + 1) && vlist_append(out, &x);
            vlist_clear(&x);
            if (!ok)
                return false;
        }
        return true;
    }
    if (is_rng(c, "group") || is_rng(c, "interleave"))
        return expand_seq(m, c->children, out, depth);
    if (is_rng(c, "ref")) {
        rng_define *d = define_get(m, c);
        return d && define_forms(m, d, out, depth);
    }
    if (is_rng(c, "notAllowed"))
        return true; /* no form at all */
    ptrset one = {0};
    ptrset_add(&one, c);
    vlist_push(out, one);
    return true;
}

static void variant_analyse(rng_model *m, rng_variant *v, const ptrset *patterns)
{
    req r = {0};
    m->walk++;
    for (size_t i = 0; i < patterns->n; i++) {
        collect_one(m, v, (xmlNodePtr)patterns->v[i], 0);
        req_pattern(m, (xmlNodePtr)patterns->v[i], &r, 0);
    }
    if (r.top)
        req_clear(&r); /* cannot match: requires nothing we could name */
    v->req_children = r.elems;
    v->req_attrs = r.attrs;
}

static void elem_analyse(rng_model *m, rng_elem *e)
{
    vlist forms = {0};
    if (!expand_seq(m, e->content, &forms, 0)) {
        /* Too many forms: one that allows all of them. */
        ptrset all = {0};
        for (xmlNodePtr c = rng_first(e->content); c; c = rng_next(c))
            ptrset_add(&all, c);
        vlist_push(&forms, all);
    }
    e->variants = xcalloc(forms.n ? forms.n : 1, sizeof(*e->variants));
    e->nvariants = forms.n;
    for (size_t i = 0; i < forms.n; i++)
        variant_analyse(m, &e->variants[i], &forms.v[i]);
    vlist_clear(&forms);
}

static void variant_clear(rng_variant *v)
{
    ptrset_clear(&v->children);
    for (size_t k = 0; k < v->nattrs; k++)
        values_clear(&v->attrs[k].values);
    free(v->attrs);
    values_clear(&v->text);
    ptrset_clear(&v->req_children);
    ptrset_clear(&v->req_attrs);
}

/* ---- building the model from the files libxml2 loaded ---------------------------------- */

static xmlDocPtr model_doc(rng_model *m, const char *url)
{
    for (size_t i = 0; i < m->nfiles; i++) {
        if (!streq(m->files[i].url, url))
            continue;
        if (!m->docs[i])
            m->docs[i] = xmlReadMemory(m->files[i].data, (int)m->files[i].len, url, NULL,
                                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                           XML_PARSE_NOBLANKS | XML_PARSE_COMPACT);
        return m->docs[i];
    }
    return NULL;
}

static void model_add_define(rng_model *m, xmlNodePtr def, const ptrset *overrides,
                             rng_define ***all, size_t *nall)
{
    _cleanup_free_ char *raw = prop(def, "name");
    if (!raw)
        return;
    _cleanup_free_ char *name = collapse(raw);
    if (ptrset_has(overrides, xmlDictLookup(m->dict, (const xmlChar *)name, -1)))
        return;
    rng_define *d = xmlHashLookup(m->defines, (const xmlChar *)name);
    if (!d) {
        d = xcalloc(1, sizeof(*d));
        xmlHashAddEntry(m->defines, (const xmlChar *)name, d);
        *all = xrealloc(*all, (*nall + 1) * sizeof(**all));
        (*all)[(*nall)++] = d;
    }
    d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
    d->v[d->n++] = def;
    _cleanup_free_ char *combine = prop(def, "combine");
    if (combine && strstr(combine, "choice"))
        d->choice = true;
}

/* The names an <include> overrides: its own defines (and start), also inside <div>. */
static void include_overrides(rng_model *m, xmlNodePtr inc, ptrset *names, bool *start)
{
    for (xmlNodePtr c = rng_first(inc->children); c; c = rng_next(c)) {
        if (is_rng(c, "div")) {
            include_overrides(m, c, names, start);
        } else if (is_rng(c, "start")) {
            *start = true;
        } else if (is_rng(c, "define")) {
            _cleanup_free_ char *raw = prop(c, "name");
            _cleanup_free_ char *name = raw ? collapse(raw) : NULL;
            if (name)
                ptrset_add(names, xmlDictLookup(m->dict, (const xmlChar *)name, -1));
        }
    }
}

typedef struct model_build {
    rng_define **defines;
    size_t ndefines;
    ptrset starts; /* <start> patterns */
} model_build;

static int model_grammar(rng_model *m, model_build *b, xmlNodePtr grammar, const ptrset *overrides,
                         bool no_start, int depth)
{
    if (depth > 64)
        return -ELOOP;
    for (xmlNodePtr c = rng_first(grammar->children); c; c = rng_next(c)) {
        if (is_rng(c, "div")) {
            int r = model_grammar(m, b, c, overrides, no_start, depth + 1);
            if (r < 0)
                return r;
        } else if (is_rng(c, "start")) {
            if (!no_start)
                ptrset_add(&b->starts, c);
        } else if (is_rng(c, "define")) {
            model_add_define(m, c, overrides, &b->defines, &b->ndefines);
        } else if (is_rng(c, "include")) {
            _cleanup_free_ char *href = prop(c, "href");
            xmlChar *base = xmlNodeGetBase(c->doc, c);
            xmlChar *url = href ? xmlBuildURI((const xmlChar *)href, base) : NULL;
            xmlFree(base);
            xmlDocPtr doc = url ? model_doc(m, (const char *)url) : NULL;
            xmlFree(url);
            xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
            if (!is_rng(root, "grammar"))
                return -EBADMSG;
            ptrset inner = {0};
            ptrset_add_all(&inner, overrides);
            bool inner_no_start = no_start;
            include_overrides(m, c, &inner, &inner_no_start);
            int r = model_grammar(m, b, root, &inner, inner_no_start, depth + 1);
            ptrset_clear(&inner);
            if (r < 0)
                return r;
            /* The include's own defines and start belong to this grammar. */
            r = model_grammar(m, b, c, overrides, no_start, depth + 1);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

static void model_free(rng_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nelems; i++) {
        rng_elem *e = m->elems[i];
        ptrset_clear(&e->names);
        for (size_t k = 0; k < e->nvariants; k++)
            variant_clear(&e->variants[k]);
        free(e->variants);
        free(e);
    }
    free(m->elems);
    for (size_t i = 0; i < m->ntypes; i++)
        datatype_free(m->types[i]);
    free(m->types);
    for (size_t i = 0; i < m->nattr_patterns; i++) {
        ptrset_clear(&m->attr_patterns[i]->names);
        values_clear(&m->attr_patterns[i]->values);
        free(m->attr_patterns[i]);
    }
    free(m->attr_patterns);
    variant_clear(&m->start);
    for (size_t i = 0; i < m->nfiles; i++)
        if (m->docs[i])
            xmlFreeDoc(m->docs[i]);
    free(m->docs);
    if (m->defines)
        xmlHashFree(m->defines, NULL);
    if (m->dict)
        xmlDictFree(m->dict);
    free(m);
}

static int model_build_from(const schema_file *files, size_t nfiles, const char *top_url,
                            rng_model **ret)
{
    rng_model *m = xcalloc(1, sizeof(*m));
    m->dict = xmlDictCreate();
    m->defines = xmlHashCreate(512);
    m->files = files;
    m->nfiles = nfiles;
    m->docs = xcalloc(nfiles ? nfiles : 1, sizeof(*m->docs));
    model_build b = {0};
    int r = -EBADMSG;
    xmlDocPtr top = (m->dict && m->defines) ? model_doc(m, top_url) : NULL;
    xmlNodePtr root = top ? xmlDocGetRootElement(top) : NULL;
    ptrset none = {0};
    if (is_rng(root, "grammar")) {
        r = model_grammar(m, &b, root, &none, false, 0);
    } else if (is_rng(root, "element")) {
        ptrset_add(&m->start.children, elem_get(m, root));
        r = 0;
    }
    if (r >= 0) {
        m->walk++;
        for (size_t i = 0; i < b.starts.n; i++)
            collect(m, &m->start, ((xmlNodePtr)b.starts.v[i])->children, 0);
        /* elem_analyse meets new element patterns and appends them: a worklist. */
        for (size_t i = 0; i < m->nelems; i++)
            elem_analyse(m, m->elems[i]);
    }
    /* What the elements learnt stays (names, values: in the dictionary); the documents go. */
    for (size_t i = 0; i < m->nelems; i++)
        m->elems[i]->node = m->elems[i]->content = NULL;
    for (size_t i = 0; i < nfiles; i++)
        if (m->docs[i]) {
            xmlFreeDoc(m->docs[i]);
            m->docs[i] = NULL;
        }
    for (size_t i = 0; i < b.ndefines; i++) {
        if (b.defines[i]->forms) {
            vlist_clear(b.defines[i]->forms);
            free(b.defines[i]->forms);
        }
        free(b.defines[i]->v);
        req_clear(&b.defines[i]->req);
        free(b.defines[i]);
    }
    free(b.defines);
    ptrset_clear(&b.starts);
    xmlHashFree(m->defines, NULL);
    m->defines = NULL;
    m->files = NULL;
    if (r < 0) {
        model_free(m);
        return r;
    }
    *ret = m;
    return 0;
}

/* ---- explaining an invalid document with the model ------------------------------------- */

typedef struct finding {
    xmlNodePtr node;
    char *attr; /* the xpath ends in /@attr */
    char *message;
} finding;

typedef struct findings {
    finding v[FINDINGS_MAX];
    size_t n;
    size_t total;
} findings;

_printf_(4, 5) static void add_finding(findings *f, xmlNodePtr node, const char *attr,
                                       const char *fmt, ...)
{
    f->total++;
    if (f->n == FINDINGS_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    f->v[f->n++] = (finding){
        .node = node,
        .attr = attr ? xstrdup(attr) : NULL,
        .message = xvasprintf(fmt, ap),
    };
    va_end(ap);
}

/* Whether a finding would be kept; when not, it is only counted (and its message not made). */
static bool finding_room(findings *f)
{
    if (f->n < FINDINGS_MAX)
        return true;
    f->total++;
    return false;
}

/* Optimal string alignment distance (transpositions count once), for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* The closest of names (interned qnames) to s, if close enough to be a likely typo. */
static const char *suggest(const char *s, const ptrset *names)
{
    size_t limit = strlen(s) <= 4 ? 1 : 2, best = SIZE_MAX;
    const char *pick = NULL;
    for (size_t i = 0; i < names->n; i++) {
        const char *n = display_name(names->v[i]);
        if (!strcasecmp(s, n))
            return n;
        size_t d = edit_distance(s, n);
        if (d <= limit && d < best)
            best = d, pick = n;
    }
    return pick;
}

static char *node_label(xmlNodePtr n)
{
    if (n->ns && n->ns->prefix)
        return xasprintf("%s:%s", (const char *)n->ns->prefix, (const char *)n->name);
    return xstrdup((const char *)n->name);
}

/* Text for a message: one line, at most 64 characters. */
static char *quote_text(const char *raw)
{
    _cleanup_free_ char *v = collapse(raw);
    if (strlen(v) > 64)
        return xasprintf("%.61s...", v);
    return TAKE_PTR(v);
}

static char *names_list(const ptrset *names)
{
    dc_buf b = {0};
    for (size_t i = 0; i < names->n; i++)
        dc_buf_addf(&b, "%s%s", i ? ", " : "", display_name(names->v[i]));
    return dc_buf_steal(&b);
}

/* "one of a, b, c or of type unsignedInt (minInclusive '1')" */
static char *values_describe(const rng_values *vs)
{
    dc_buf b = {0};
    if (vs->literals.n)
        dc_buf_add(&b, vs->literals.n == 1 ? "" : "one of ");
    for (size_t i = 0; i < vs->literals.n; i++) {
        if (i == 16) {
            dc_buf_addf(&b, ", ... (%zu values)", vs->literals.n);
            break;
        }
        const char *v = vs->literals.v[i];
        dc_buf_addf(&b, "%s%s", i ? ", " : "", *v ? v : "(empty)");
    }
    for (size_t i = 0; i < vs->types.n; i++)
        dc_buf_addf(&b, "%sof type %s", b.len ? " or " : "",
                    ((const rng_datatype *)vs->types.v[i])->label);
    return dc_buf_steal(&b);
}

static char *attr_label(xmlAttrPtr a)
{
    if (a->ns && a->ns->prefix)
        return xasprintf("%s:%s", (const char *)a->ns->prefix, (const char *)a->name);
    return xstrdup((const char *)a->name);
}

static const rng_attr *variant_attr(const rng_variant *v, const xmlChar *q)
{
    for (size_t k = 0; q && k < v->nattrs; k++)
        if (v->attrs[k].name == q)
            return &v->attrs[k];
    return NULL;
}

/* Whether form v allows attribute a with its value. */
static bool variant_allows_attr(const rng_model *m, const rng_variant *v, xmlAttrPtr a)
{
    if (v->any_attr || v->opaque)
        return true;
    const rng_attr *ra = variant_attr(v, instance_qname(m, a->name, a->ns));
    if (!ra)
        return false;
    xmlChar *raw = xmlNodeGetContent((xmlNodePtr)a);
    bool ok = values_accept(m, &ra->values, raw ? (const char *)raw : "");
    xmlFree(raw);
    return ok;
}

/* Attribute a of n against every form n may have: unknown name, or a value none accepts. */
static void explain_attr(const rng_model *m, findings *f, xmlNodePtr n, xmlAttrPtr a,
                         const ptrset *cands)
{
    const xmlChar *q = instance_qname(m, a->name, a->ns);
    bool known = false, accepted = false;
    for (size_t i = 0; i < cands->n; i++) {
        const rng_variant *v = cands->v[i];
        if (v->any_attr || v->opaque)
            return;
    }
    rng_values all = {0};
    for (size_t i = 0; i < cands->n && !accepted; i++) {
        const rng_variant *v = cands->v[i];
        const rng_attr *ra = variant_attr(v, q);
        if (!ra)
            continue;
        known = true;
        accepted = variant_allows_attr(m, v, a);
        values_merge(&all, &ra->values);
    }
    if ((known && accepted) || !finding_room(f)) {
        values_clear(&all);
        return;
    }
    _cleanup_free_ char *label = attr_label(a);
    _cleanup_free_ char *elem = node_label(n);
    if (!known) {
        ptrset names = {0};
        for (size_t i = 0; i < cands->n; i++) {
            const rng_variant *v = cands->v[i];
            for (size_t k = 0; k < v->nattrs; k++)
                ptrset_add(&names, v->attrs[k].name);
        }
        const char *s = suggest((const char *)a->name, &names);
        if (s)
            add_finding(f, n, label, "Attribute '%s' is not allowed on <%s>; did you mean '%s'?",
                        label, elem, s);
        else
            add_finding(f, n, label, "Attribute '%s' is not allowed on <%s>.", label, elem);
        ptrset_clear(&names);
    } else {
        xmlChar *raw = xmlNodeGetContent((xmlNodePtr)a);
        const char *text = raw ? (const char *)raw : "";
        _cleanup_free_ char *shown = quote_text(text);
        _cleanup_free_ char *want = values_describe(&all);
        _cleanup_free_ char *v = collapse(text);
        const char *s = suggest(v, &all.literals);
        if (s)
            add_finding(f, n, label,
                        "Attribute '%s' of <%s> has the value '%s', which is not %s; did you "
                        "mean '%s'?",
                        label, elem, shown, want, s);
        else
            add_finding(f, n, label, "Attribute '%s' of <%s> has the value '%s', which is not %s.",
                        label, elem, shown, want);
        xmlFree(raw);
    }
    values_clear(&all);
}

static bool has_element_children(xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return true;
    return false;
}

/* The text of an element without child elements, against what its forms allow. */
static void explain_text(const rng_model *m, findings *f, xmlNodePtr n, const ptrset *cands)
{
    if (has_element_children(n))
        return;
    xmlChar *raw = xmlNodeGetContent(n);
    const char *text = raw ? (const char *)raw : "";
    _cleanup_free_ char *v = collapse(text);
    bool any_text = false, accepted = !*v; /* empty: whether allowed depends on more */
    rng_values all = {0};
    for (size_t i = 0; i < cands->n && !accepted; i++) {
        const rng_variant *c = cands->v[i];
        if (c->opaque)
            accepted = true;
        if (!c->has_text)
            continue;
        any_text = true;
        accepted = values_accept(m, &c->text, text);
        values_merge(&all, &c->text);
    }
    if (!accepted && finding_room(f)) {
        _cleanup_free_ char *label = node_label(n);
        _cleanup_free_ char *shown = quote_text(text);
        _cleanup_free_ char *want = any_text ? values_describe(&all) : NULL;
        const char *s = any_text ? suggest(v, &all.literals) : NULL;
        if (!any_text)
            add_finding(f, n, NULL, "Element <%s> must not contain text, but contains '%s'.", label,
                        shown);
        else if (s)
            add_finding(f, n, NULL,
                        "Element <%s> has the value '%s', which is not %s; did you mean '%s'?",
                        label, shown, want, s);
        else
            add_finding(f, n, NULL, "Element <%s> has the value '%s', which is not %s.", label,
                        shown, want);
    }
    values_clear(&all);
    xmlFree(raw);
}

static bool has_attr(const rng_model *m, xmlNodePtr n, const void *q)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (instance_qname(m, a->name, a->ns) == q)
            return true;
    return false;
}

static bool has_child(const rng_model *m, xmlNodePtr n, const void *q)
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && instance_qname(m, c->name, c->ns) == q)
            return true;
    return false;
}

/* The forms of the child element patterns of cands that an element named like ch can take. */
static void child_forms(const rng_model *m, const ptrset *cands, xmlNodePtr ch, ptrset *out)
{
    const xmlChar *q = instance_qname(m, ch->name, ch->ns);
    for (size_t i = 0; i < cands->n; i++) {
        const rng_variant *v = cands->v[i];
        for (size_t k = 0; k < v->children.n; k++) {
            const rng_elem *d = v->children.v[k];
            if (d->any_name || (q && ptrset_has(&d->names, q)))
                for (size_t j = 0; j < d->nvariants; j++)
                    ptrset_add(out, &d->variants[j]);
        }
    }
}

static bool variant_allows_children(const rng_model *m, const rng_variant *v, xmlNodePtr n)
{
    ptrset one = {0};
    ptrset_add(&one, v);
    bool ok = true;
    for (xmlNodePtr ch = n->children; ok && ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE)
            continue;
        ptrset forms = {0};
        child_forms(m, &one, ch, &forms);
        ok = forms.n > 0;
        ptrset_clear(&forms);
    }
    ptrset_clear(&one);
    return ok;
}

static bool variant_has_required_attrs(const rng_model *m, const rng_variant *v, xmlNodePtr n)
{
    for (size_t i = 0; i < v->req_attrs.n; i++)
        if (!has_attr(m, n, v->req_attrs.v[i]))
            return false;
    return true;
}

typedef bool (*form_test)(const rng_model *m, const rng_variant *v, xmlNodePtr n);

static bool variant_allows_attrs(const rng_model *m, const rng_variant *v, xmlNodePtr n)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (!variant_allows_attr(m, v, a))
            return false;
    return true;
}

/* The forms of from that pass test; all of from when none does (n is wrong either way). */
static void narrow(const rng_model *m, const ptrset *from, xmlNodePtr n, form_test test,
                   ptrset *out)
{
    for (size_t i = 0; i < from->n; i++)
        if (test(m, from->v[i], n))
            ptrset_add(out, from->v[i]);
    if (!out->n)
        ptrset_add_all(out, from);
}

static void intersect_required(const ptrset *forms, bool attrs, ptrset *out)
{
    for (size_t i = 0; i < forms->n; i++) {
        const rng_variant *v = forms->v[i];
        const ptrset *r = attrs ? &v->req_attrs : &v->req_children;
        if (i == 0)
            ptrset_add_all(out, r);
        else
            ptrset_keep(out, r);
    }
}

/*
 * If the document were valid, n would match one of cands (the forms of the
 * patterns its name can match here). Whatever rules out all of them is an
 * error in the document. The forms are narrowed by n's attributes, then its
 * children, then the attributes each form requires, before what is required
 * is judged; each step keeps all forms when it would keep none.
 */
static void explain(const rng_model *m, findings *f, xmlNodePtr n, const ptrset *cands, int depth)
{
    if (depth > WALK_DEPTH_MAX)
        return;
    for (size_t i = 0; i < cands->n; i++)
        if (((const rng_variant *)cands->v[i])->opaque)
            return;
    _cleanup_free_ char *label = node_label(n);

    for (xmlAttrPtr a = n->properties; a; a = a->next)
        explain_attr(m, f, n, a, cands);

    ptrset by_attrs = {0}, by_children = {0}, forms = {0};
    narrow(m, cands, n, variant_allows_attrs, &by_attrs);
    narrow(m, &by_attrs, n, variant_allows_children, &by_children);
    narrow(m, &by_children, n, variant_has_required_attrs, &forms);

    ptrset missing = {0};
    intersect_required(&by_children, true, &missing);
    for (size_t i = 0; i < missing.n; i++)
        if (!has_attr(m, n, missing.v[i]))
            add_finding(f, n, NULL, "Element <%s> lacks the required attribute '%s'.", label,
                        display_name(missing.v[i]));
    ptrset_clear(&missing);
    intersect_required(&forms, false, &missing);
    for (size_t i = 0; i < missing.n; i++)
        if (!has_child(m, n, missing.v[i]))
            add_finding(f, n, NULL, "Element <%s> lacks the required child element <%s>.", label,
                        display_name(missing.v[i]));
    ptrset_clear(&missing);

    explain_text(m, f, n, &forms);

    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE)
            continue;
        ptrset cc = {0};
        child_forms(m, &forms, ch, &cc);
        if (!cc.n)
            child_forms(m, cands, ch, &cc);
        if (cc.n) {
            explain(m, f, ch, &cc, depth + 1);
        } else if (finding_room(f)) {
            ptrset names = {0};
            for (size_t i = 0; i < cands->n; i++) {
                const rng_variant *v = cands->v[i];
                for (size_t k = 0; k < v->children.n; k++)
                    ptrset_add_all(&names, &((const rng_elem *)v->children.v[k])->names);
            }
            _cleanup_free_ char *chl = node_label(ch);
            const char *s = suggest((const char *)ch->name, &names);
            if (s)
                add_finding(f, ch, NULL, "Element <%s> is not allowed in <%s>; did you mean <%s>?",
                            chl, label, s);
            else
                add_finding(f, ch, NULL, "Element <%s> is not allowed in <%s>.", chl, label);
            ptrset_clear(&names);
        }
        ptrset_clear(&cc);
    }
    ptrset_clear(&by_attrs);
    ptrset_clear(&by_children);
    ptrset_clear(&forms);
}

static void explain_doc(const rng_model *m, findings *f, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return;
    ptrset start = {0}, cands = {0};
    ptrset_add(&start, &m->start);
    child_forms(m, &start, root, &cands);
    if (cands.n) {
        explain(m, f, root, &cands, 0);
    } else {
        ptrset names = {0};
        for (size_t i = 0; i < m->start.children.n; i++)
            ptrset_add_all(&names, &((const rng_elem *)m->start.children.v[i])->names);
        _cleanup_free_ char *label = node_label(root);
        _cleanup_free_ char *list = names_list(&names);
        add_finding(f, root, NULL, "The root element is <%s>, not <%s>.", label, list);
        ptrset_clear(&names);
    }
    ptrset_clear(&start);
    ptrset_clear(&cands);
}

/* ---- libxml2's validity errors, reworded ------------------------------------------------ */

static xmlNodePtr element_of(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->type == XML_DOCUMENT_NODE ? NULL : n->parent;
    return n;
}

static const char *or_unknown(const char *s) { return s && *s ? s : "?"; }

static char *reword(const raw_error *r, xmlNodePtr node)
{
    const char *s1 = or_unknown(r->str1), *s2 = or_unknown(r->str2);
    const char *here = node ? (const char *)node->name : "?";
    if (r->domain != XML_FROM_RELAXNGV)
        return sentence(r->message);
    switch (r->code) {
    case XML_RELAXNG_ERR_EXTRACONTENT:
        if (r->node && r->node->type == XML_TEXT_NODE)
            return xasprintf("Element <%s> must not contain text here.", s1);
        return xasprintf("Element <%s> is not allowed in <%s>.", s2, s1);
    case XML_RELAXNG_ERR_NOELEM:
        if (!node)
            return xasprintf("A required element <%s> is missing.", s1);
        return xasprintf("Element <%s> lacks a required child element <%s>.", here, s1);
    case XML_RELAXNG_ERR_ELEMNAME:
        return xasprintf("Element <%s> is not allowed here; <%s> was expected.", s2, s1);
    case XML_RELAXNG_ERR_ELEMWRONG:
        return xasprintf("Element <%s> is not allowed here.", s1);
    case XML_RELAXNG_ERR_INTEREXTRA:
        return xasprintf("Element <%s> is not allowed here, or its content does not match the "
                         "schema.",
                         s1);
    case XML_RELAXNG_ERR_INTERSEQ:
        return xasprintf("The child elements of <%s> do not match the schema.", here);
    case XML_RELAXNG_ERR_CONTENTVALID:
        if (node && !streq(here, s1))
            return xasprintf("The content of <%s> does not match the schema, from its child "
                             "<%s> on.",
                             s1, here);
        return xasprintf("The content of <%s> does not match the schema.", s1);
    case XML_RELAXNG_ERR_ATTRVALID:
        return xasprintf("The attributes of <%s> do not match the schema.", s1);
    case XML_RELAXNG_ERR_INVALIDATTR:
        return xasprintf("Attribute '%s' of <%s> is not allowed, or its value is not.", s1, s2);
    case XML_RELAXNG_ERR_TYPEVAL:
        return xasprintf("The value '%s' is not a valid %s.", s2, s1);
    case XML_RELAXNG_ERR_DATATYPE:
        return xasprintf("A value in <%s> is not a valid %s.", here, s1);
    case XML_RELAXNG_ERR_VALUE:
        if (node && !has_element_children(node)) {
            xmlChar *raw = xmlNodeGetContent(node);
            _cleanup_free_ char *shown = quote_text(raw ? (const char *)raw : "");
            xmlFree(raw);
            return xasprintf("The value '%s' of <%s> is not allowed here.", shown, here);
        }
        return xasprintf("A value in <%s> is not allowed here.", here);
    case XML_RELAXNG_ERR_LIST:
    case XML_RELAXNG_ERR_LISTEXTRA:
        return xasprintf("A list of values in <%s> does not match the schema.", here);
    case XML_RELAXNG_ERR_TEXTWRONG:
        return xasprintf("Element <%s> must not contain text.", s1);
    case XML_RELAXNG_ERR_ELEMNOTEMPTY:
        return xasprintf("Element <%s> must be empty.", s1);
    case XML_RELAXNG_ERR_NOTELEM:
        return xasprintf("Element <%s> has text where an element was expected.", here);
    case XML_RELAXNG_ERR_LACKDATA:
        return xasprintf("Element <%s> must contain a value.", s1);
    case XML_RELAXNG_ERR_ELEMNONS:
    case XML_RELAXNG_ERR_ELEMWRONGNS:
    case XML_RELAXNG_ERR_ELEMEXTRANS:
        return xasprintf("Element <%s> is in the wrong XML namespace.", s1);
    case XML_RELAXNG_ERR_EXTRADATA:
        return xstrdup("The document has content after its root element.");
    default:
        return sentence(r->message);
    }
}

/* ---- the API ------------------------------------------------------------------------------ */

struct dc_schema {
    char *path;
    xmlRelaxNGPtr rng;
    /*
     * The model costs about as much as libxml2's own loading and only invalid
     * documents need it: it is built for the first one, from the schema files
     * kept until then.
     */
    pthread_mutex_t lock;
    bool model_tried;
    rng_model *model; /* NULL: libxml2's messages only */
    schema_file *files;
    size_t nfiles;
    char *url;
};

static void schema_files_free(schema_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].url);
        free(files[i].data);
    }
    free(files);
}

static rng_model *schema_model(dc_schema *s)
{
    pthread_mutex_lock(&s->lock);
    if (!s->model_tried) {
        s->model_tried = true;
        /* Facet checks may report through libxml2's process-wide handler: catch those. */
        collector *sink = xcalloc(1, sizeof(*sink));
        xmlStructuredErrorFunc saved = xmlStructuredError;
        void *saved_ctx = xmlStructuredErrorContext;
        xmlSetStructuredErrorFunc(sink, collect_error);
        if (model_build_from(s->files, s->nfiles, s->url, &s->model) < 0)
            s->model = NULL; /* libxml2's messages only */
        xmlSetStructuredErrorFunc(saved_ctx, saved);
        xmlResetLastError();
        collector_clear(sink);
        free(sink);
        schema_files_free(s->files, s->nfiles);
        s->files = NULL;
        s->nfiles = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return s->model;
}

const char *dc_schema_path(const dc_schema *s) { return s->path; }

void dc_schema_free(dc_schema *s)
{
    if (!s)
        return;
    if (s->rng)
        xmlRelaxNGFree(s->rng);
    model_free(s->model);
    schema_files_free(s->files, s->nfiles);
    pthread_mutex_destroy(&s->lock);
    free(s->url);
    free(s->path);
    free(s);
}

static void load_state_clear(load_state *st)
{
    schema_files_free(st->files, st->nfiles);
    free(st->refusal);
    if (st->rootfd >= 0)
        close(st->rootfd);
}

static char *load_failure(const load_state *st, const collector *c, const char *path, int *ret_err)
{
    if (st->refusal) {
        *ret_err = st->refusal_errno;
        /* libxml2's next error says where the refused file was referred to. */
        if (st->refusal_at < c->n && c->v[st->refusal_at].file) {
            _cleanup_free_ char *where = url_display(c->v[st->refusal_at].file);
            return xasprintf("%s:%d: %s", where, c->v[st->refusal_at].line, st->refusal);
        }
        return xasprintf("%s: %s", path, st->refusal);
    }
    *ret_err = -EBADMSG;
    for (size_t i = 0; i < c->n; i++) {
        const raw_error *e = &c->v[i];
        const char *text = e->message;
        /* libxml2 prefixes some messages with its function's name. */
        for (const char *const *p =
                 (const char *const[]){"xmlRelaxNGParse: ", "xmlRelaxNG: ", NULL};
             *p; p++)
            if (startswith(text, *p))
                text += strlen(*p);
        _cleanup_free_ char *what = e->domain == XML_FROM_RELAXNGP && e->code == XML_RNGP_EMPTY
                                        ? xstrdup("it has no RelaxNG grammar.")
                                        : sentence(text);
        _cleanup_free_ char *where = e->file ? url_display(e->file) : xstrdup(path);
        const char *kind =
            e->domain == XML_FROM_RELAXNGP ? "not a valid RelaxNG schema" : "malformed XML";
        if (e->line > 0)
            return xasprintf("%s:%d: %s: %s", where, e->line, kind, what);
        return xasprintf("%s: %s: %s", where, kind, what);
    }
    return xasprintf("%s: the schema could not be loaded", path);
}

int dc_schema_load(const char *dir, dc_schema **ret, dc_error *err)
{
    if (!dir)
        dir = DC_SCHEMA_DIR;
    _cleanup_free_ char *root = realpath(dir, NULL);
    if (!root) {
        int e = errno;
        if (e == ENOENT)
            dc_error_set(err, -e, "schema directory %s does not exist", dir);
        else
            dc_error_set(err, -e, "cannot open schema directory %s: %s", dir, strerror(e));
        return -e;
    }
    struct stat sb;
    if (stat(root, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        return dc_error_set(err, -ENOTDIR, "%s is not a directory", dir);
    }
    _cleanup_free_ char *path = xasprintf("%s/domain.rng", streq(root, "/") ? "" : root);
    if (stat(path, &sb) < 0) {
        int e = errno;
        return dc_error_take(err, -e,
                             e == ENOENT ? xasprintf("%s does not exist", path)
                                         : xasprintf("cannot open %s: %s", path, strerror(e)));
    }

    collector errors = {0};
    load_state st = {.root = root, .errors = &errors};
    st.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st.rootfd < 0) {
        int e = errno;
        return dc_error_set(err, -e, "cannot open schema directory %s: %s", dir, strerror(e));
    }
    /* The path as a URI: libxml2 resolves includes against it and hands them to our loader. */
    xmlChar *url = xmlURIEscapeStr((const xmlChar *)path, (const xmlChar *)"/");

    /* libxml2's loader and error hooks are process-wide: ours only for the duration. */
    xmlExternalEntityLoader saved_loader = xmlGetExternalEntityLoader();
    xmlStructuredErrorFunc saved_serror = xmlStructuredError;
    void *saved_serror_ctx = xmlStructuredErrorContext;
    previous_loader = saved_loader;
    current_load = &st;
    xmlSetExternalEntityLoader(sandbox_loader);
    xmlSetStructuredErrorFunc(&errors, collect_error);

    xmlRelaxNGPtr rng = NULL;
    xmlRelaxNGParserCtxtPtr pctxt = url ? xmlRelaxNGNewParserCtxt((const char *)url) : NULL;
    if (pctxt) {
        xmlRelaxNGSetParserStructuredErrors(pctxt, collect_error, &errors);
        rng = xmlRelaxNGParse(pctxt);
        xmlRelaxNGFreeParserCtxt(pctxt);
    }
    xmlSetStructuredErrorFunc(saved_serror_ctx, saved_serror);
    xmlSetExternalEntityLoader(saved_loader);
    current_load = NULL;
    xmlResetLastError();

    int r = 0;
    dc_schema *s = NULL;
    if (rng) {
        s = xcalloc(1, sizeof(*s));
        pthread_mutex_init(&s->lock, NULL);
        s->path = TAKE_PTR(path);
        s->rng = rng;
        s->url = xstrdup((const char *)url);
        s->files = TAKE_PTR(st.files);
        s->nfiles = st.nfiles;
        st.nfiles = 0;
    } else {
        char *m = load_failure(&st, &errors, path, &r);
        dc_error_take(err, r, m);
    }
    xmlFree(url);
    collector_clear(&errors);
    load_state_clear(&st);
    if (r < 0)
        return r;
    *ret = s;
    return 0;
}

typedef struct out_error {
    dc_schema_error e;
    size_t order;
} out_error;

static int cmp_out(const void *a, const void *b)
{
    const out_error *x = a, *y = b;
    if (x->e.line != y->e.line)
        return x->e.line < y->e.line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static unsigned line_of(xmlNodePtr n)
{
    long l = n ? xmlGetLineNo(n) : 0;
    return l > 0 ? (unsigned)l : 0;
}

static char *xpath_of(xmlNodePtr n, const char *attr)
{
    xmlChar *p = xmlGetNodePath(n);
    char *s = attr ? xasprintf("%s/@%s", p ? (const char *)p : "", attr)
                   : xstrdup(p ? (const char *)p : "/");
    xmlFree(p);
    return s;
}

/* The element an "Extra element X in interleave" is about: next itself, or its child X. */
static xmlNodePtr interleave_extra(const raw_error *r, xmlNodePtr next)
{
    if (!next || !r->str1)
        return NULL;
    if (streq((const char *)next->name, r->str1))
        return next;
    for (xmlNodePtr c = next->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && streq((const char *)c->name, r->str1))
            return c;
    return NULL;
}

/* ---- long child lists, in slices -------------------------------------------------------- */

/*
 * libxml2 validates an <interleave> with a repeated part (what <devices>
 * is) in time quadratic in the number of children: 10,000 <serial/> take
 * 0.5 s, 80,000 take 16 s. So an element with more than SLICE_LIMIT
 * children is validated in rounds, each seeing SLICE_SIZE of its children
 * plus the first child of each name (up to SLICE_NAMES names; they stand
 * for required children) and every child that leads to another long list.
 * This is exact for interleaves and repetitions of choices, which is how
 * libvirt's schema writes every list that can grow long; what is lost is
 * counting across rounds (an element allowed once, given twice, is still
 * caught when both are in one round, and the first of a name is in all).
 */
#define SLICE_LIMIT 512
#define SLICE_SIZE 256
#define SLICE_NAMES 64
/* Rounds stop here; the document is then reported as not fully checked. */
#define VALIDATE_BUDGET_MS 10000

typedef struct sliced {
    xmlNodePtr parent;
    xmlNodePtr *kids;
    size_t nkids;
    size_t *keep, nkeep; /* indices seen in every round */
    size_t *rest, nrest; /* the others, SLICE_SIZE per round */
} sliced;

static void relink(xmlNodePtr parent, xmlNodePtr *kids, const size_t *idx, size_t n)
{
    xmlNodePtr prev = NULL;
    parent->children = NULL;
    for (size_t i = 0; i < n; i++) {
        xmlNodePtr k = kids[idx ? idx[i] : i];
        k->prev = prev;
        k->next = NULL;
        if (prev)
            prev->next = k;
        else
            parent->children = k;
        prev = k;
    }
    parent->last = prev;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

static bool ptr_in(void *const *sorted, size_t n, const void *p)
{
    return n && bsearch(&p, sorted, n, sizeof(*sorted), cmp_ptr);
}

/* The elements with long child lists, in document order. */
static size_t find_long_lists(xmlDocPtr doc, sliced **ret, size_t *ret_elements)
{
    sliced *v = NULL;
    size_t n = 0, elements = 0;
    xmlNodePtr root = xmlDocGetRootElement(doc), cur = root;
    while (cur) {
        if (cur->type == XML_ELEMENT_NODE) {
            elements++;
            size_t kids = 0;
            for (xmlNodePtr c = cur->children; c; c = c->next)
                kids++;
            if (kids > SLICE_LIMIT) {
                v = xrealloc(v, (n + 1) * sizeof(*v));
                v[n] = (sliced){.parent = cur, .nkids = kids};
                v[n].kids = xmalloc(kids * sizeof(xmlNodePtr));
                size_t i = 0;
                for (xmlNodePtr c = cur->children; c; c = c->next)
                    v[n].kids[i++] = c;
                n++;
            }
        }
        /* Iterative walk: the document's depth is not ours to trust here. */
        if (cur->type == XML_ELEMENT_NODE && cur->children) {
            cur = cur->children;
            continue;
        }
        while (cur && cur != root && !cur->next)
            cur = cur->parent;
        cur = cur && cur != root ? cur->next : NULL;
    }
    *ret = v;
    *ret_elements = elements;
    return n;
}

static void plan_slices(sliced *v, size_t n)
{
    /* Children that lead to another long list are seen in every round. */
    void **carriers = NULL;
    size_t ncarriers = 0;
    for (size_t i = 0; i < n; i++)
        for (xmlNodePtr p = v[i].parent; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
            carriers = xrealloc(carriers, (ncarriers + 1) * sizeof(*carriers));
            carriers[ncarriers++] = p;
        }
    qsort(carriers, ncarriers, sizeof(*carriers), cmp_ptr);
    for (size_t i = 0; i < n; i++) {
        sliced *e = &v[i];
        xmlHashTablePtr names = xmlHashCreate(SLICE_NAMES);
        size_t nnames = 0;
        e->keep = xmalloc(e->nkids * sizeof(size_t));
        e->rest = xmalloc(e->nkids * sizeof(size_t));
        for (size_t k = 0; k < e->nkids; k++) {
            xmlNodePtr c = e->kids[k];
            bool keep = ptr_in(carriers, ncarriers, c);
            if (!keep && c->type == XML_ELEMENT_NODE && nnames < SLICE_NAMES && names) {
                const xmlChar *ns = c->ns ? c->ns->href : NULL;
                if (!xmlHashLookup2(names, c->name, ns)) {
                    xmlHashAddEntry2(names, c->name, ns, c);
                    nnames++;
                    keep = true;
                }
            }
            if (keep)
                e->keep[e->nkeep++] = k;
            else
                e->rest[e->nrest++] = k;
        }
        if (names)
            xmlHashFree(names, NULL);
    }
    free(carriers);
}

static int validate_once(dc_schema *s, xmlDocPtr doc, collector *raw)
{
    xmlRelaxNGValidCtxtPtr v = xmlRelaxNGNewValidCtxt(s->rng);
    if (!v)
        return -ENOMEM;
    xmlRelaxNGSetValidStructuredErrors(v, collect_error, raw);
    int rc = xmlRelaxNGValidateDoc(v, doc);
    xmlRelaxNGFreeValidCtxt(v);
    xmlResetLastError();
    return rc < 0 ? -EINVAL : rc > 0;
}

/* 0 valid, 1 invalid, 2 stopped at the budget, or -errno. */
static int validate_doc(dc_schema *s, xmlDocPtr doc, collector *raw, size_t *ret_elements)
{
    sliced *v = NULL;
    size_t elements = 0;
    size_t n = find_long_lists(doc, &v, &elements);
    *ret_elements = elements;
    if (!n)
        return validate_once(s, doc, raw);

    plan_slices(v, n);
    size_t rounds = 1;
    for (size_t i = 0; i < n; i++)
        if ((v[i].nrest + SLICE_SIZE - 1) / SLICE_SIZE > rounds)
            rounds = (v[i].nrest + SLICE_SIZE - 1) / SLICE_SIZE;
    size_t *idx = xmalloc((SLICE_NAMES + SLICE_SIZE + 1) * sizeof(size_t) * 2);
    long long start = dc_now_ms();
    int rc = 0;
    for (size_t r = 0; r < rounds && rc == 0; r++) {
        if (r && dc_now_ms() - start > VALIDATE_BUDGET_MS) {
            rc = 2;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            sliced *e = &v[i];
            size_t from = r * SLICE_SIZE, to = from + SLICE_SIZE;
            if (from > e->nrest)
                from = e->nrest;
            if (to > e->nrest)
                to = e->nrest;
            /* This round's slice, merged with the children kept in all rounds, in order. */
            size_t *list = e->nkeep + (to - from) <= 2 * (SLICE_NAMES + SLICE_SIZE + 1)
                               ? idx
                               : xmalloc((e->nkeep + to - from) * sizeof(size_t));
            size_t a = 0, b = from, m = 0;
            while (a < e->nkeep || b < to)
                list[m++] = (b >= to || (a < e->nkeep && e->keep[a] < e->rest[b])) ? e->keep[a++]
                                                                                   : e->rest[b++];
            relink(e->parent, e->kids, list, m);
            if (list != idx)
                free(list);
        }
        rc = validate_once(s, doc, raw);
    }
    for (size_t i = 0; i < n; i++) {
        relink(v[i].parent, v[i].kids, NULL, v[i].nkids);
        free(v[i].kids);
        free(v[i].keep);
        free(v[i].rest);
    }
    free(v);
    free(idx);
    return rc;
}

/* libxml2's own errors of a document the model found nothing in; returns the new count. */
static size_t add_raw_errors(const collector *raw, out_error *out, size_t n, size_t *total)
{
    /*
     * The model found nothing: libxml2's own errors, reworded, one per element.
     * (When it did find something, those are the errors: libxml2's are then
     * mostly its backtracking showing, blaming a <devices> or a sibling.)
     */
    xmlNodePtr seen[RAW_MAX];
    size_t nseen = 0;
    bool any_node = false;
    for (size_t i = 0; i < raw->n; i++)
        any_node = any_node || element_of(raw->v[i].node);
    for (size_t i = 0; i < raw->n; i++) {
        const raw_error *r = &raw->v[i], *wording = r;
        xmlNodePtr node = element_of(r->node);
        if (!node && r->code == XML_RELAXNG_ERR_INTEREXTRA && i + 1 < raw->n &&
            (node = interleave_extra(r, element_of(raw->v[i + 1].node)))) {
            /* "Extra element vcpu in interleave" has no node; the next error's says where. */
        } else if (!node && any_node) {
            continue;
        }
        bool skip = false;
        for (size_t k = 0; node && !skip && k < nseen; k++)
            skip = seen[k] == node;
        if (skip)
            continue;
        if (node)
            seen[nseen++] = node;
        (*total)++;
        out[n].e = (dc_schema_error){
            .line = line_of(node),
            .xpath = node ? xpath_of(node, NULL) : xstrdup("/"),
            .message = reword(wording, node),
        };
        out[n].order = n;
        n++;
    }
    return n;
}

/* One error for the whole document: validation stopped (rc 2), or nothing else said why. */
static size_t add_document_error(xmlDocPtr doc, int rc, size_t elements, out_error *out, size_t n,
                                 size_t *total)
{
    if (rc == 2) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        (*total)++;
        out[n].e = (dc_schema_error){
            .line = line_of(root),
            .xpath = root ? xpath_of(root, NULL) : xstrdup("/"),
            .message = xasprintf("Schema validation of this document (%zu elements) was "
                                 "stopped after %d s; it was not fully checked.",
                                 elements, VALIDATE_BUDGET_MS / 1000),
        };
        out[n].order = n;
        n++;
    } else if (n == 0) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        (*total)++;
        out[n].e = (dc_schema_error){
            .line = line_of(root),
            .xpath = root ? xpath_of(root, NULL) : xstrdup("/"),
            .message = xstrdup("The document does not match libvirt's domain schema."),
        };
        out[n].order = n;
        n++;
    }
    return n;
}

int dc_schema_validate(dc_schema *s, xmlDocPtr doc, dc_schema_error **ret, size_t *ret_n)
{
    collector *raw = xcalloc(1, sizeof(*raw));
    size_t elements = 0;
    int rc = validate_doc(s, doc, raw, &elements);
    if (rc < 0) {
        collector_clear(raw);
        free(raw);
        return rc;
    }

    findings *f = xcalloc(1, sizeof(*f));
    rng_model *model = rc > 0 ? schema_model(s) : NULL;
    if (model)
        explain_doc(model, f, doc);

    out_error *out = xcalloc(FINDINGS_MAX + RAW_MAX + 1, sizeof(*out));
    size_t n = 0, total = f->total;
    for (size_t i = 0; i < f->n; i++, n++) {
        out[n].e = (dc_schema_error){
            .line = line_of(f->v[i].node),
            .xpath = xpath_of(f->v[i].node, f->v[i].attr),
            .message = TAKE_PTR(f->v[i].message),
        };
        out[n].order = n;
    }
    if (rc == 1 && f->n == 0)
        n = add_raw_errors(raw, out, n, &total);
    if (rc > 0)
        n = add_document_error(doc, rc, elements, out, n, &total);
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].attr);
    free(f);
    collector_clear(raw);
    free(raw);

    qsort(out, n, sizeof(*out), cmp_out);
    size_t keep = n < DC_SCHEMA_MAX_ERRORS ? n : DC_SCHEMA_MAX_ERRORS;
    dc_schema_error *res = xcalloc(keep ? keep : 1, sizeof(*res));
    for (size_t i = 0; i < n; i++) {
        if (i < keep) {
            res[i] = out[i].e;
        } else {
            free(out[i].e.xpath);
            free(out[i].e.message);
        }
    }
    free(out);
    *ret = res;
    *ret_n = keep;
    return (int)(total < INT_MAX ? total : INT_MAX);
}

void dc_schema_errors_free(dc_schema_error *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].xpath);
        free(e[i].message);
    }
    free(e);
}
