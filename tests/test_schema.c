/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RelaxNG validation of domain XML (src/check/check_schema.c):
 *
 *  - the committed mini schema (tests/data/schema/mini, always there): a valid
 *    document gives no error; each kind of mistake gives one error naming the
 *    element, attribute or value, with its line and path; errors are capped;
 *    long child lists (validated in slices) keep their verdicts and stay linear;
 *  - libvirt's installed schema (skipped when /usr/share/libvirt/schemas is
 *    not installed): valid domains, the same mistakes in real domains, and a
 *    10,000-device domain;
 *  - hostile schema directories: missing, malformed, empty, not RelaxNG, an
 *    include leaving the directory, naming a URL (a listening socket sees no
 *    connection), a FIFO, a symlink out, a DOCTYPE, an include loop, too many
 *    files: each a clear -errno and message, quickly;
 *  - nothing is printed and libxml2's global hooks and last error are as
 *    they were.
 */
#include "test_helpers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_schema.h"
#include "xmlsafe.h"

#ifndef DC_TEST_DATA_DIR
#error "DC_TEST_DATA_DIR must be defined by the build"
#endif

#define MINI_DIR DC_TEST_DATA_DIR "/schema/mini"
#define LIBVIRT_RNG DC_SCHEMA_DIR "/domain.rng"
#define RNG_HEAD "<grammar xmlns='http://relaxng.org/ns/structure/1.0'>"
#define RNG_START "<start><element name='domain'><empty/></element></start>"

static dc_schema *mini;
static dc_schema *libvirt; /* NULL when libvirt's schemas are not installed */

static int group_setup(void **state)
{
    dc_error msg = DC_ERROR_INIT;
    if (dc_schema_load(MINI_DIR, &mini, &msg) < 0) {
        fprintf(stderr, "%s\n", msg.message);
        dc_error_clear(&msg);
        return -1;
    }
    if (access(LIBVIRT_RNG, F_OK) == 0 && dc_schema_load(NULL, &libvirt, &msg) < 0) {
        fprintf(stderr, "%s\n", msg.message);
        dc_error_clear(&msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    dc_schema_free(mini);
    dc_schema_free(libvirt);
    return 0;
}

static void need_libvirt(void)
{
    if (!libvirt) {
        print_message("SKIP: %s is not installed (Debian: libvirt0)\n", LIBVIRT_RNG);
        skip();
    }
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- validating and comparing ---------------------------------------------------- */

typedef struct expect {
    unsigned line;
    const char *xpath;
    const char *message; /* exact; ending in "..." only the part before must match */
} expect;

static void print_errors(const dc_schema_error *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        print_message("  %u: %s: %s\n", e[i].line, e[i].xpath, e[i].message);
}

static bool message_matches(const char *got, const char *want)
{
    size_t n = strlen(want);
    if (n > 3 && streq(want + n - 3, "..."))
        return strncmp(got, want, n - 3) == 0;
    return streq(got, want);
}

/* Validates text with s; returns the total the validation reported. */
static int validate_text(dc_schema *s, const char *text, dc_schema_error **ret, size_t *ret_n)
{
    xmlDocPtr doc = NULL;
    dc_error msg = DC_ERROR_INIT;
    int r = dc_xml_parse("test.xml", text, strlen(text), &doc, &msg);
    if (r < 0)
        print_message("%s\n", msg.message);
    assert_int_equal(r, 0);
    int total = dc_schema_validate(s, doc, ret, ret_n);
    xmlFreeDoc(doc);
    assert_true(total >= 0);
    return total;
}

static void check_text(dc_schema *s, const char *what, const char *text, const expect *want,
                       size_t nwant)
{
    dc_schema_error *e = NULL;
    size_t n = 0;
    int total = validate_text(s, text, &e, &n);
    bool ok = total == (int)nwant && n == nwant;
    for (size_t i = 0; ok && i < n; i++) {
        ok = e[i].line == want[i].line && streq(e[i].xpath, want[i].xpath) &&
             message_matches(e[i].message, want[i].message) && !strchr(e[i].message, '\n');
    }
    if (!ok) {
        print_message("%s: %d errors (%zu kept), expected %zu:\n", what, total, n, nwant);
        print_errors(e, n);
        for (size_t i = 0; i < nwant; i++)
            print_message("  expected %u: %s: %s\n", want[i].line, want[i].xpath, want[i].message);
    }
    dc_schema_errors_free(e, n);
    assert_true(ok);
}

/* text with the first occurrence of from replaced by to (to NULL: the whole line removed). */
static char *mutate(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    if (!to) {
        const char *bol = at, *eol = strchr(at, '\n');
        while (bol > text && bol[-1] != '\n')
            bol--;
        return xasprintf("%.*s%s", (int)(bol - text), text, eol ? eol + 1 : "");
    }
    return xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

typedef struct mistake {
    const char *what;
    const char *from, *to;
    expect want;
} mistake;

static void check_mistakes(dc_schema *s, const char *base, const mistake *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *text = mutate(base, m[i].from, m[i].to);
        check_text(s, m[i].what, text, &m[i].want, 1);
    }
}

/* ---- the mini schema ------------------------------------------------------------------ */

static const char mini_ok[] =                                    /* line */
    "<domain type='kvm'>\n"                                      /*  1 */
    "  <name>vm1</name>\n"                                       /*  2 */
    "  <memory unit='MiB'>1024</memory>\n"                       /*  3 */
    "  <vcpu>2</vcpu>\n"                                         /*  4 */
    "  <devices>\n"                                              /*  5 */
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"     /*  6 */
    "    <disk device='disk'>\n"                                 /*  7 */
    "      <source file='/var/lib/libvirt/images/vm1.qcow2'/>\n" /*  8 */
    "      <target dev='vda' bus='virtio'/>\n"                   /*  9 */
    "    </disk>\n"                                              /* 10 */
    "    <interface type='network'>\n"                           /* 11 */
    "      <source network='default'/>\n"                        /* 12 */
    "      <model type='virtio'/>\n"                             /* 13 */
    "    </interface>\n"                                         /* 14 */
    "    <interface type='user'/>\n"                             /* 15 */
    "    <serial type='pty'/>\n"                                 /* 16 */
    "    <graphics type='vnc'/>\n"                               /* 17 */
    "  </devices>\n"                                             /* 18 */
    "</domain>\n";                                               /* 19 */

static void test_mini_valid(void **state)
{
    check_text(mini, "mini_ok", mini_ok, NULL, 0);
    /* The form of <interface> without a <source>, and a document without optional parts. */
    check_text(mini, "minimal", "<domain type='qemu'><name>x</name></domain>", NULL, 0);
}

static void test_mini_mistakes(void **state)
{
    static const mistake m[] = {
        {"unknown element",
         "<model type",
         "<modle type",
         {13, "/domain/devices/interface[1]/modle",
          "Element <modle> is not allowed in <interface>; did you mean <model>?"}},
        {"unknown device",
         "<graphics type",
         "<graphic type",
         {17, "/domain/devices/graphic",
          "Element <graphic> is not allowed in <devices>; did you mean <graphics>?"}},
        {"unknown element, nothing close",
         "<serial type='pty'/>",
         "<watchdog/>",
         {16, "/domain/devices/watchdog", "Element <watchdog> is not allowed in <devices>."}},
        {"attribute value",
         "device='disk'",
         "device='dvd'",
         {7, "/domain/devices/disk/@device",
          "Attribute 'device' of <disk> has the value 'dvd', which is not one of disk, cdrom."}},
        {"attribute value, case",
         "unit='MiB'",
         "unit='mib'",
         {3, "/domain/memory/@unit",
          "Attribute 'unit' of <memory> has the value 'mib', which is not one of KiB, MiB, GiB; "
          "did you mean 'MiB'?"}},
        {"unknown attribute",
         "bus='virtio'",
         "bsu='virtio'",
         {9, "/domain/devices/disk/target/@bsu",
          "Attribute 'bsu' is not allowed on <target>; did you mean 'bus'?"}},
        {"missing required element",
         "<target dev",
         NULL,
         {7, "/domain/devices/disk", "Element <disk> lacks the required child element <target>."}},
        {"missing name",
         "<name>",
         NULL,
         {1, "/domain", "Element <domain> lacks the required child element <name>."}},
        {"missing required attribute",
         "<domain type='kvm'>",
         "<domain>",
         {1, "/domain", "Element <domain> lacks the required attribute 'type'."}},
        {"required by the element's form",
         "<source network",
         NULL,
         {11, "/domain/devices/interface[1]",
          "Element <interface> lacks the required child element <source>."}},
        {"datatype",
         "<vcpu>2<",
         "<vcpu>two<",
         {4, "/domain/vcpu",
          "Element <vcpu> has the value 'two', which is not of type unsignedShort (minInclusive "
          "'1')."}},
        {"facet",
         "<vcpu>2<",
         "<vcpu>0<",
         {4, "/domain/vcpu",
          "Element <vcpu> has the value '0', which is not of type unsignedShort (minInclusive "
          "'1')."}},
        {"pattern",
         "dev='vda'",
         "dev='hda'",
         {9, "/domain/devices/disk/target/@dev",
          "Attribute 'dev' of <target> has the value 'hda', which is not of type string (pattern "
          "'(sd|vd)[a-z]+')."}},
        {"text where none is allowed",
         "<serial type='pty'/>",
         "<serial type='pty'>x</serial>",
         {16, "/domain/devices/serial",
          "Element <serial> must not contain text, but contains 'x'."}},
        /* What the model does not judge (how often an element appears): libxml2's words. */
        {"twice",
         "<name>vm1</name>",
         "<name>vm1</name><name>vm2</name>",
         {2, "/domain/name[2]",
          "Element <name> is not allowed here, or its content does not match the schema."}},
    };
    check_mistakes(mini, mini_ok, m, ELEMENTSOF(m));

    _cleanup_free_ char *root = mutate(mini_ok, "<domain type='kvm'>", "<network>");
    _cleanup_free_ char *root2 = mutate(root, "</domain>", "</network>");
    const expect want = {1, "/network", "The root element is <network>, not <domain>."};
    check_text(mini, "root", root2, &want, 1);
}

static void test_mini_several_and_cap(void **state)
{
    /* Two mistakes in one document: both, in document order. */
    _cleanup_free_ char *a = mutate(mini_ok, "<graphics type", "<graphic type");
    _cleanup_free_ char *b = mutate(a, "device='disk'", "device='dvd'");
    const expect two[] = {
        {7, "/domain/devices/disk/@device",
         "Attribute 'device' of <disk> has the value 'dvd', which is not one of disk, cdrom."},
        {17, "/domain/devices/graphic",
         "Element <graphic> is not allowed in <devices>; did you mean <graphics>?"},
    };
    check_text(mini, "two mistakes", b, two, 2);

    /* 30 unknown elements: DC_SCHEMA_MAX_ERRORS kept, all counted. */
    dc_buf doc = {0};
    dc_buf_add(&doc, "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n");
    for (int i = 0; i < 30; i++)
        dc_buf_add(&doc, "    <bogus/>\n");
    dc_buf_add(&doc, "  </devices>\n</domain>\n");
    dc_schema_error *e = NULL;
    size_t n = 0;
    assert_int_equal(validate_text(mini, doc.s, &e, &n), 30);
    assert_int_equal(n, DC_SCHEMA_MAX_ERRORS);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(e[i].line, 4 + i);
    assert_string_equal(e[0].message, "Element <bogus> is not allowed in <devices>.");
    dc_schema_errors_free(e, n);
    dc_buf_clear(&doc);
}

/* <domain> with an <emulator> and n <serial/>, the last one replaced, something appended. */
static char *long_list(size_t n, const char *replace_last, const char *append)
{
    dc_buf b = {0};
    dc_buf_add(&b, "<domain type='kvm'>\n<name>x</name>\n<devices>\n<emulator>/e</emulator>\n");
    for (size_t i = 0; i < n; i++)
        dc_buf_add(&b, i + 1 == n && replace_last ? replace_last : "<serial type='pty'/>\n");
    if (append)
        dc_buf_add(&b, append);
    dc_buf_add(&b, "</devices>\n</domain>\n");
    return dc_buf_steal(&b);
}

static double best_time(dc_schema *s, const char *text)
{
    double best = 1e9;
    for (int i = 0; i < 3; i++) {
        dc_schema_error *e = NULL;
        size_t n = 0;
        double t0 = now_s();
        assert_int_equal(validate_text(s, text, &e, &n), 0);
        double t = now_s() - t0;
        dc_schema_errors_free(e, n);
        if (t < best)
            best = t;
    }
    return best;
}

static void test_mini_long_lists(void **state)
{
    /* 20,000 children are validated in slices: the verdicts are the same. */
    _cleanup_free_ char *ok = long_list(20000, NULL, NULL);
    check_text(mini, "20000 serials", ok, NULL, 0);
    _cleanup_free_ char *typo = long_list(20000, "<serail type='pty'/>\n", NULL);
    const expect want_typo = {20004, "/domain/devices/serail",
                              "Element <serail> is not allowed in <devices>; did you mean "
                              "<serial>?"};
    check_text(mini, "typo at the end", typo, &want_typo, 1);
    /*
     * A second <emulator> far from the first still meets it in one slice; how often an
     * element may appear is libxml2's to judge, and it blames <devices>.
     */
    _cleanup_free_ char *twice = long_list(20000, NULL, "<emulator>/f</emulator>\n");
    const expect want_twice = {3, "/domain/devices",
                               "Element <devices> is not allowed here, or its content does not "
                               "match the schema."};
    check_text(mini, "emulator twice", twice, &want_twice, 1);

    /* Linear: four times the children, not sixteen times the time (unsliced: 13x here). */
    _cleanup_free_ char *small = long_list(5000, NULL, NULL);
    _cleanup_free_ char *large = long_list(20000, NULL, NULL);
    double ts = best_time(mini, small), tl = best_time(mini, large);
    print_message("5000 children: %.1f ms, 20000: %.1f ms (%.1fx)\n", ts * 1e3, tl * 1e3, tl / ts);
    assert_true(tl < 8 * ts + 0.05);
}

/* ---- libvirt's schema ------------------------------------------------------------------- */

static const char libvirt_ok[] =                             /* line */
    "<domain type='kvm'>\n"                                  /*  1 */
    "  <name>vm1</name>\n"                                   /*  2 */
    "  <memory unit='MiB'>1024</memory>\n"                   /*  3 */
    "  <vcpu>2</vcpu>\n"                                     /*  4 */
    "  <os>\n"                                               /*  5 */
    "    <type arch='x86_64' machine='q35'>hvm</type>\n"     /*  6 */
    "  </os>\n"                                              /*  7 */
    "  <devices>\n"                                          /*  8 */
    "    <disk type='file' device='disk'>\n"                 /*  9 */
    "      <source file='/var/lib/libvirt/images/a.img'/>\n" /* 10 */
    "      <target dev='vda' bus='virtio'/>\n"               /* 11 */
    "    </disk>\n"                                          /* 12 */
    "    <interface type='network'>\n"                       /* 13 */
    "      <source network='default'/>\n"                    /* 14 */
    "      <model type='virtio'/>\n"                         /* 15 */
    "    </interface>\n"                                     /* 16 */
    "    <graphics type='vnc'/>\n"                           /* 17 */
    "  </devices>\n"                                         /* 18 */
    "</domain>\n";                                           /* 19 */

static void test_libvirt_valid(void **state)
{
    need_libvirt();
    check_text(libvirt, "libvirt_ok", libvirt_ok, NULL, 0);
    _cleanup_free_ char *path = xasprintf("%s/schema/libvirt-valid.xml", DC_TEST_DATA_DIR);
    xmlDocPtr doc = NULL;
    dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_xml_parse(path, NULL, 0, &doc, &msg), 0);
    dc_schema_error *e = NULL;
    size_t n = 0;
    int total = dc_schema_validate(libvirt, doc, &e, &n);
    print_errors(e, n);
    assert_int_equal(total, 0);
    dc_schema_errors_free(e, n);
    xmlFreeDoc(doc);
}

static void test_libvirt_mistakes(void **state)
{
    need_libvirt();
    static const mistake m[] = {
        {"<modle>",
         "<model type",
         "<modle type",
         {15, "/domain/devices/interface/modle",
          "Element <modle> is not allowed in <interface>; did you mean <model>?"}},
        {"<graphic>",
         "<graphics type",
         "<graphic type",
         {17, "/domain/devices/graphic",
          "Element <graphic> is not allowed in <devices>; did you mean <graphics>?"}},
        {"device='dvd'",
         "device='disk'",
         "device='dvd'",
         {9, "/domain/devices/disk/@device",
          "Attribute 'device' of <disk> has the value 'dvd', which is not one of ..."}},
        {"no <target>",
         "<target dev",
         NULL,
         {9, "/domain/devices/disk", "Element <disk> lacks the required child element <target>."}},
        {"no <name>",
         "<name>",
         NULL,
         {1, "/domain", "Element <domain> lacks the required child element <name>."}},
        {"network without <source>",
         "<source network",
         NULL,
         {13, "/domain/devices/interface",
          "Element <interface> lacks the required child element <source>."}},
        {"<vcpu>two</vcpu>",
         "<vcpu>2<",
         "<vcpu>two<",
         {4, "/domain/vcpu", "Element <vcpu> has the value 'two', which is not of type ..."}},
        {"bus='virtoi'",
         "bus='virtio'",
         "bus='virtoi'",
         {11, "/domain/devices/disk/target/@bus",
          "Attribute 'bus' of <target> has the value 'virtoi', which is not one of ...; did you "
          "mean 'virtio'?"}},
    };
    /* The "..." of the last one stands for libvirt's list of buses, which may grow. */
    for (size_t i = 0; i < ELEMENTSOF(m); i++) {
        _cleanup_free_ char *text = mutate(libvirt_ok, m[i].from, m[i].to);
        dc_schema_error *e = NULL;
        size_t n = 0;
        int total = validate_text(libvirt, text, &e, &n);
        const expect *w = &m[i].want;
        const char *dots = strstr(w->message, "...");
        bool ok = total == 1 && n == 1 && e[0].line == w->line && streq(e[0].xpath, w->xpath);
        if (ok && dots)
            ok = strncmp(e[0].message, w->message, (size_t)(dots - w->message)) == 0 &&
                 (!dots[3] || endswith(e[0].message, dots + 3));
        else if (ok)
            ok = streq(e[0].message, w->message);
        if (!ok) {
            print_message("%s:\n", m[i].what);
            print_errors(e, n);
        }
        dc_schema_errors_free(e, n);
        assert_true(ok);
    }
}

static void test_libvirt_10000_devices(void **state)
{
    need_libvirt();
    dc_buf b = {0};
    dc_buf_add(&b, "<domain type='kvm'>\n<name>big</name>\n<memory>1048576</memory>\n"
                   "<os>\n<type arch='x86_64' machine='q35'>hvm</type>\n</os>\n<devices>\n");
    unsigned typo_line = 0, line = 8;
    for (int i = 0; i < 10000; i++) {
        switch (i % 4) {
        case 0:
            dc_buf_addf(&b,
                        "<disk type='file' device='disk'>\n<source file='/i/%d.img'/>\n"
                        "<target dev='vd%c' bus='virtio'/>\n</disk>\n",
                        i, 'a' + i % 26);
            line += 4;
            break;
        case 1:
            if (i == 5001)
                typo_line = line + 2;
            dc_buf_addf(&b,
                        "<interface type='network'>\n<source network='default'/>\n<%s "
                        "type='virtio'/>\n</interface>\n",
                        i == 5001 ? "modle" : "model");
            line += 4;
            break;
        case 2:
            dc_buf_add(&b, "<serial type='pty'/>\n");
            line++;
            break;
        default:
            dc_buf_addf(&b,
                        "<channel type='unix'>\n<target type='virtio' name='ch.%d'/>\n"
                        "</channel>\n",
                        i);
            line += 3;
        }
    }
    dc_buf_add(&b, "</devices>\n</domain>\n");
    double t0 = now_s();
    dc_schema_error *e = NULL;
    size_t n = 0;
    assert_int_equal(validate_text(libvirt, b.s, &e, &n), 1);
    print_message("10000 devices, one typo: %.0f ms\n", (now_s() - t0) * 1e3);
    assert_int_equal(e[0].line, typo_line);
    assert_string_equal(e[0].xpath, "/domain/devices/interface[1251]/modle");
    dc_schema_errors_free(e, n);
    dc_buf_clear(&b);
}

/* ---- hostile schema directories ---------------------------------------------------------- */

typedef struct load_case {
    const char *what;
    int err;
    const char *needles[3]; /* in the message, with @ standing for the directory */
} load_case;

static void expect_load(const char *dir, const load_case *c)
{
    dc_schema *s = NULL;
    dc_error msg = DC_ERROR_INIT;
    double t0 = now_s();
    int r = dc_schema_load(dir, &s, &msg);
    double t = now_s() - t0;
    print_message("%s: %d %s\n", c->what, r, msg.message ? msg.message : "(no message)");
    assert_int_equal(r, c->err);
    assert_null(s);
    assert_non_null(msg.message);
    assert_null(strchr(msg.message, '\n'));
    for (size_t i = 0; i < ELEMENTSOF(c->needles) && c->needles[i]; i++) {
        _cleanup_free_ char *needle = NULL;
        const char *at = strchr(c->needles[i], '@');
        needle = at ? xasprintf("%.*s%s%s", (int)(at - c->needles[i]), c->needles[i], dir, at + 1)
                    : xstrdup(c->needles[i]);
        if (!strstr(msg.message, needle))
            print_message("  missing: %s\n", needle);
        assert_non_null(strstr(msg.message, needle));
    }
    assert_true(t < 5.0);
    dc_error_clear(&msg);
}

/* A schema directory with domain.rng and, optionally, one more file. */
static void make_dir(tmproot *t, const char *domain_rng, const char *other, const char *other_text)
{
    tmproot_make(t);
    if (domain_rng)
        tmproot_write(t, "/domain.rng", domain_rng);
    if (other)
        tmproot_write(t, other, other_text);
}

static void test_load_missing(void **state)
{
    const load_case nodir = {"no directory", -ENOENT, {"/nonexistent/schemas", "does not exist"}};
    expect_load("/nonexistent/schemas", &nodir);

    tmproot t;
    make_dir(&t, NULL, "/other.rng", RNG_HEAD RNG_START "</grammar>");
    const load_case norng = {"no domain.rng", -ENOENT, {"@/domain.rng does not exist"}};
    expect_load(t.path, &norng);
    _cleanup_free_ char *file = xasprintf("%s/other.rng", t.path);
    const load_case notdir = {"a file", -ENOTDIR, {"is not a directory"}};
    expect_load(file, &notdir);
    tmproot_remove(&t);
}

static void test_load_broken(void **state)
{
    static const struct {
        const char *domain_rng;
        load_case c;
    } cases[] = {
        {"", {"empty", -EBADMSG, {"@/domain.rng", "is empty"}}},
        {RNG_HEAD RNG_START, {"malformed", -EBADMSG, {"@/domain.rng:1: malformed XML"}}},
        {"<foo/>", {"not RelaxNG", -EBADMSG, {"@/domain.rng", "not a valid RelaxNG schema"}}},
        {RNG_HEAD "<start><element name='domain'><bogus/></element></start></grammar>",
         {"bad pattern", -EBADMSG, {"@/domain.rng:1: not a valid RelaxNG schema", "bogus"}}},
        {RNG_HEAD "<include href='nothere.rng'/>" RNG_START "</grammar>",
         {"missing include", -EBADMSG, {"@/domain.rng:1:", "'@/nothere.rng' does not exist"}}},
        {"<!DOCTYPE grammar [<!ENTITY a 'b'>]>" RNG_HEAD RNG_START "</grammar>",
         {"DOCTYPE", -EPERM, {"@/domain.rng", "DOCTYPE"}}},
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        tmproot t;
        make_dir(&t, cases[i].domain_rng, NULL, NULL);
        expect_load(t.path, &cases[i].c);
        tmproot_remove(&t);
    }
}

static void test_load_escapes(void **state)
{
    static const struct {
        const char *href;
        load_case c;
    } cases[] = {
        {"../../etc/passwd", {"../../etc/passwd", -EPERM, {"@/domain.rng:1:", "outside"}}},
        {"/etc/passwd", {"absolute path", -EPERM, {"'/etc/passwd' is outside the schema"}}},
        {"file:///etc/passwd", {"file URL", -EPERM, {"'/etc/passwd' is outside the schema"}}},
        {"sub/../../x.rng", {"dot-dot inside", -EPERM, {"outside the schema directory"}}},
        {"ftp://example.com/x.rng", {"ftp", -EPERM, {"'ftp://example.com/x.rng' is not a file"}}},
        {"http://example.com/x.rng",
         {"http", -EPERM, {"'http://example.com/x.rng' is not a file", "inside @"}}},
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        tmproot t;
        _cleanup_free_ char *rng =
            xasprintf(RNG_HEAD "<include href='%s'/>" RNG_START "</grammar>", cases[i].href);
        make_dir(&t, rng, "/sub/x.rng", RNG_HEAD "</grammar>");
        expect_load(t.path, &cases[i].c);
        tmproot_remove(&t);
    }

    /* An externalRef is held to the same rules. */
    tmproot t;
    make_dir(&t, RNG_HEAD "<start><externalRef href='/etc/passwd'/></start></grammar>", NULL, NULL);
    const load_case ext = {"externalRef", -EPERM, {"'/etc/passwd' is outside the schema"}};
    expect_load(t.path, &ext);
    tmproot_remove(&t);
}

static void test_load_no_network(void **state)
{
    /* A listener on the loopback: an include naming it must not even connect. */
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    assert_true(l >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(l, 4), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
    tmproot t;
    _cleanup_free_ char *rng =
        xasprintf(RNG_HEAD "<include href='http://127.0.0.1:%u/x.rng'/>"
                           "<include href='ftp://127.0.0.1:%u/y.rng'/>" RNG_START "</grammar>",
                  ntohs(a.sin_port), ntohs(a.sin_port));
    make_dir(&t, rng, NULL, NULL);
    const load_case c = {"http to a listener", -EPERM, {"is not a file"}};
    expect_load(t.path, &c);
    int conn = accept(l, NULL, NULL);
    assert_true(conn < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    close(l);
    tmproot_remove(&t);
}

static void test_load_special_files(void **state)
{
    tmproot t;
    make_dir(&t, RNG_HEAD "<include href='inc.rng'/>" RNG_START "</grammar>", NULL, NULL);
    _cleanup_free_ char *inc = xasprintf("%s/inc.rng", t.path);
    /* A FIFO with no writer: refused without blocking on the open. */
    assert_int_equal(mkfifo(inc, 0600), 0);
    const load_case fifo = {"FIFO", -EINVAL, {"'@/inc.rng' is not a regular file"}};
    expect_load(t.path, &fifo);
    assert_int_equal(unlink(inc), 0);
    /* A symlink out of the directory. */
    assert_int_equal(symlink("/etc/passwd", inc), 0);
    const load_case out = {"symlink out", -EPERM, {"'@/inc.rng' leads outside"}};
    expect_load(t.path, &out);
    assert_int_equal(unlink(inc), 0);
    /* A directory where a file should be. */
    assert_int_equal(mkdir(inc, 0700), 0);
    const load_case dir = {"directory", -EINVAL, {"'@/inc.rng' is not a regular file"}};
    expect_load(t.path, &dir);
    assert_int_equal(rmdir(inc), 0);
    /* A symlink that stays inside is followed. */
    tmproot_write(&t, "/real/inc.rng",
                  RNG_HEAD "<define name='x'><element name='x'><empty/></element></define>"
                           "</grammar>");
    assert_int_equal(symlink("real/inc.rng", inc), 0);
    dc_schema *s = NULL;
    dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_schema_load(t.path, &s, &msg), 0);
    dc_schema_free(s);
    tmproot_remove(&t);
}

static void test_load_loops_and_counts(void **state)
{
    tmproot t;
    make_dir(&t, RNG_HEAD "<include href='b.rng'/>" RNG_START "</grammar>", "/b.rng",
             RNG_HEAD "<include href='domain.rng'/></grammar>");
    const load_case loop = {"include loop", -EBADMSG, {"not a valid RelaxNG schema", "recursion"}};
    expect_load(t.path, &loop);
    tmproot_remove(&t);

    /* 300 files where libvirt has 16: refused before they are all read. */
    dc_buf rng = {0};
    dc_buf_add(&rng, RNG_HEAD);
    for (int i = 0; i < 300; i++)
        dc_buf_addf(&rng, "<include href='f%d.rng'/>", i);
    dc_buf_add(&rng, RNG_START "</grammar>");
    make_dir(&t, rng.s, NULL, NULL);
    for (int i = 0; i < 300; i++) {
        _cleanup_free_ char *name = xasprintf("/f%d.rng", i);
        _cleanup_free_ char *text =
            xasprintf(RNG_HEAD "<define name='d%d'><empty/></define></grammar>", i);
        tmproot_write(&t, name, text);
    }
    const load_case many = {"300 files", -ELOOP, {"more than 256 files"}};
    expect_load(t.path, &many);
    tmproot_remove(&t);
    dc_buf_clear(&rng);
}

/* ---- silence and global state -------------------------------------------------------------- */

static void test_silent_and_stateless(void **state)
{
    xmlExternalEntityLoader loader = xmlGetExternalEntityLoader();
    xmlStructuredErrorFunc serror = xmlStructuredError;
    void *serror_ctx = xmlStructuredErrorContext;

    char errpath[] = "/tmp/domcaps-schema-stderr-XXXXXX";
    int fd = mkstemp(errpath);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_int_equal(dup2(fd, 2), 2);

    /* A broken schema, a valid and an invalid document with both schemas. */
    tmproot t;
    make_dir(&t, RNG_HEAD "<include href='missing.rng'/>" RNG_START "</grammar>", NULL, NULL);
    dc_schema *s = NULL;
    dc_error msg = DC_ERROR_INIT;
    int r = dc_schema_load(t.path, &s, &msg);
    dc_error_clear(&msg);
    tmproot_remove(&t);
    _cleanup_free_ char *bad = mutate(mini_ok, "<model type", "<modle type");
    dc_schema_error *e = NULL;
    size_t n = 0;
    int valid = validate_text(mini, mini_ok, &e, &n);
    dc_schema_errors_free(e, n);
    int invalid = validate_text(mini, bad, &e, &n);
    dc_schema_errors_free(e, n);
    int lv = 0;
    if (libvirt) {
        _cleanup_free_ char *lbad = mutate(libvirt_ok, "<graphics type", "<graphic type");
        lv = validate_text(libvirt, lbad, &e, &n);
        dc_schema_errors_free(e, n);
    }

    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    unlink(errpath);

    assert_int_equal(r, -EBADMSG);
    assert_int_equal(valid, 0);
    assert_int_equal(invalid, 1);
    assert_int_equal(lv, libvirt ? 1 : 0);
    assert_int_equal(st.st_size, 0);
    assert_ptr_equal(xmlGetExternalEntityLoader(), loader);
    assert_ptr_equal(xmlStructuredError, serror);
    assert_ptr_equal(xmlStructuredErrorContext, serror_ctx);
    assert_null(xmlGetLastError());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mini_valid),
        cmocka_unit_test(test_mini_mistakes),
        cmocka_unit_test(test_mini_several_and_cap),
        cmocka_unit_test(test_mini_long_lists),
        cmocka_unit_test(test_libvirt_valid),
        cmocka_unit_test(test_libvirt_mistakes),
        cmocka_unit_test(test_libvirt_10000_devices),
        cmocka_unit_test(test_load_missing),
        cmocka_unit_test(test_load_broken),
        cmocka_unit_test(test_load_escapes),
        cmocka_unit_test(test_load_no_network),
        cmocka_unit_test(test_load_special_files),
        cmocka_unit_test(test_load_loops_and_counts),
        cmocka_unit_test(test_silent_and_stateless),
    };
    return cmocka_run_group_tests_name("schema", tests, group_setup, group_teardown);
}
