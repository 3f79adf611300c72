/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The capability cache: entries round-trip exactly, every key input
 * invalidates, corrupt/truncated/foreign entries are refused, an unwritable
 * directory only disables caching, concurrent writers never tear an entry,
 * and `cache --explain` names what changed.
 */
#include "test_helpers.h"

#include <fcntl.h>
#include <sys/wait.h>

#include "cache.h"

#include <json-c/json.h>

static char *tmp;

static int setup(void **state)
{
    char t[] = "/tmp/domcaps-cache-XXXXXX";
    tmp = xstrdup(mkdtemp(t));
    return 0;
}

static int teardown(void **state)
{
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp);
    int r = system(cmd);
    free(tmp);
    return r == 0 ? 0 : -1;
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(dc_write_file_atomic(path, text, strlen(text)), 0);
}

static char *read_text(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    char *t = NULL;
    assert_int_equal(dc_read_fd(fd, 64u << 20, &t, NULL), 0);
    return t;
}

static dc_qemu_caps *replayed(const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/replies/%s.replies", DC_TEST_DATA_DIR, name);
    dc_probe_opts po = {
        .binary = "/usr/bin/qemu-system-x86_64", .replay = path, .want_tcg_session = true};
    dc_qemu_caps *qc = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_qemu_probe(&po, &qc, &msg), 0);
    return qc;
}

static char *document(const dc_qemu_caps *qc, const char *root_path, const char *machine,
                      const char *virttype)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(root_path, &root), 0);
    dc_host host = {0};
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_CAPS, NULL);
    dc_request req = {.machine = machine, .virttype = virttype};
    dc_domcaps *caps = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_domcaps_derive(qc, &host, &req, &caps, &msg), 0);
    char *doc = dc_domcaps_format_xml(caps);
    dc_domcaps_free(caps);
    dc_host_clear(&host);
    dc_root_free(root);
    return doc;
}

/* What is served from an entry is exactly what the probe found. */
static void test_roundtrip(void **state)
{
    dc_qemu_caps *qc = replayed("qemu-7.2-x86_64");
    dc_cache_key key = {0};
    dc_strv_add(&key.names, "emulator");
    dc_strv_add(&key.values, "/usr/bin/qemu-system-x86_64");
    _cleanup_free_ char *text = dc_cache_serialize(&key, qc);

    dc_cache_key key2 = {0};
    dc_qemu_caps *qc2 = NULL;
    _cleanup_error_ dc_error why = DC_ERROR_INIT;
    assert_int_equal(dc_cache_parse(text, strlen(text), &key2, &qc2, &why), 0);
    _cleanup_free_ char *text2 = dc_cache_serialize(&key2, qc2);
    assert_string_equal(text, text2);

    const char *roots[] = {DC_TEST_DATA_DIR "/roots/debian12-kvm",
                           DC_TEST_DATA_DIR "/roots/debian12-tcg"};
    const char *virttypes[] = {"kvm", "qemu"};
    const char *machines[] = {"pc", "q35"};
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++) {
            _cleanup_free_ char *a = document(qc, roots[i], machines[j], virttypes[i]);
            _cleanup_free_ char *b = document(qc2, roots[i], machines[j], virttypes[i]);
            assert_string_equal(a, b);
        }
    dc_cache_key_clear(&key);
    dc_cache_key_clear(&key2);
    dc_qemu_caps_free(qc);
    dc_qemu_caps_free(qc2);
}

/* A sysroot and an emulator file whose every key input the test can change. */
typedef struct fixture {
    char *root, *bin, *dir;
} fixture;

static void fixture_make(fixture *f, const char *name)
{
    f->root = xasprintf("%s/%s-root", tmp, name);
    f->bin = xasprintf("%s/%s-qemu", tmp, name);
    f->dir = xasprintf("%s/%s-cache", tmp, name);
    _cleanup_free_ char *cmd = xasprintf(
        "mkdir -p '%1$s/proc/sys/kernel' '%1$s/dev' '%1$s/sys/module/kvm_amd/parameters' && "
        "printf 'vendor_id\\t: AuthenticAMD\\ncpu family\\t: 25\\nmodel\\t\\t: 1\\n"
        "model name\\t: AMD EPYC 7713\\nstepping\\t: 1\\nmicrocode\\t: 0xa0011d1\\n' "
        "> '%1$s/proc/cpuinfo' && echo 6.1.0-test > '%1$s/proc/sys/kernel/osrelease' && "
        "echo '#1 SMP' > '%1$s/proc/sys/kernel/version' && : > '%1$s/dev/kvm' && "
        "echo 1 > '%1$s/sys/module/kvm_amd/parameters/nested' && "
        "echo 0 > '%1$s/sys/module/kvm_amd/parameters/sev' && "
        "printf '#!/bin/sh\\nexit 0\\n' > '%2$s' && chmod 755 '%2$s'",
        f->root, f->bin);
    assert_int_equal(system(cmd), 0);
}

static void fixture_clear(fixture *f)
{
    free(f->root);
    free(f->bin);
    free(f->dir);
}

static dc_cache_status load_with(fixture *f, char **ret_why)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(f->root, &root), 0);
    dc_cache_key key = {0};
    assert_int_equal(dc_cache_key_compute(f->bin, root, &key), 0);
    dc_qemu_caps *qc = NULL;
    dc_cache_status st = dc_cache_load(f->dir, f->bin, &key, &qc, ret_why);
    dc_qemu_caps_free(qc);
    dc_cache_key_clear(&key);
    dc_root_free(root);
    return st;
}

static void store_into(fixture *f, bool make_dir);

static void store_with(fixture *f) { store_into(f, true); }

/* As store_with, into an existing directory. */
static void store_with_dir(fixture *f) { store_into(f, false); }

static void store_into(fixture *f, bool make_dir)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(f->root, &root), 0);
    dc_cache_key key = {0};
    assert_int_equal(dc_cache_key_compute(f->bin, root, &key), 0);
    dc_qemu_caps *qc = replayed("qemu-7.2-aarch64");
    free(qc->binary);
    qc->binary = xstrdup(f->bin);
    if (make_dir)
        assert_int_equal(mkdir(f->dir, 0755), 0);
    assert_int_equal(dc_cache_store(f->dir, f->bin, &key, qc), 0);
    dc_qemu_caps_free(qc);
    dc_cache_key_clear(&key);
    dc_root_free(root);
}

/* The entry file of f's emulator for f's root. */
static char *fixture_entry(fixture *f)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(f->root, &root), 0);
    char *path = dc_cache_entry_path(f->dir, f->bin, root);
    dc_root_free(root);
    return path;
}

/* The entry with its checksum recomputed, as a writer with access to the directory could. */
static char *reseal(const char *text)
{
    const char *tail = strstr(text, "\nchecksum sha256 ");
    assert_non_null(tail);
    return dc_cache_seal(text, (size_t)(tail + 1 - text));
}

typedef struct invalidation {
    const char *name;
    const char *change; /* shell, %1$s: root, %2$s: binary */
    const char *input;  /* the key input the explanation must name */
} invalidation;

static const invalidation invalidations[] = {
    {"binary-touched", "touch -d '2001-01-01' '%2$s'", "mtime"},
    {"binary-replaced", "cp -p '%2$s' '%2$s.new' && mv '%2$s.new' '%2$s'", "ctime"},
    {"binary-grown", "echo '# more' >> '%2$s'", "size"},
    {"microcode", "sed -i 's/0xa0011d1/0xa0011d2/' '%1$s/proc/cpuinfo'", "microcode"},
    {"cpu-model", "sed -i 's/7713/7763/' '%1$s/proc/cpuinfo'", "cpu"},
    {"kernel", "echo 6.1.0-next > '%1$s/proc/sys/kernel/osrelease'", "kernel"},
    {"kvm-removed", "rm '%1$s/dev/kvm'", "kvm"},
    {"nested", "echo 0 > '%1$s/sys/module/kvm_amd/parameters/nested'", "nested"},
    {"sev", "echo 1 > '%1$s/sys/module/kvm_amd/parameters/sev'", "secure-guest"},
};

static void test_invalidation(void **state)
{
    const invalidation *inv = *state;
    fixture f = {0};
    fixture_make(&f, inv->name);
    char *why = NULL;
    assert_int_equal(load_with(&f, &why), DC_CACHE_MISSING);
    store_with(&f);
    assert_int_equal(load_with(&f, &why), DC_CACHE_HIT);
    /* ctime has nanosecond resolution but coarse clocks exist: let it tick. */
    usleep(20000);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    _cleanup_free_ char *cmd = xasprintf(inv->change, f.root, f.bin);
#pragma GCC diagnostic pop
    assert_int_equal(system(cmd), 0);
    assert_int_equal(load_with(&f, &why), DC_CACHE_STALE);
    assert_non_null(why);
    _cleanup_free_ char *want = xasprintf("%s changed", inv->input);
    if (!startswith(why, want))
        fail_msg("expected '%s...', got '%s'", want, why);
    free(why);
    fixture_clear(&f);
}

static void test_corrupt(void **state)
{
    fixture f = {0};
    fixture_make(&f, "corrupt");
    store_with(&f);
    _cleanup_free_ char *entry = fixture_entry(&f);
    _cleanup_free_ char *good = read_text(entry);
    char *why = NULL;

    /* truncated at a line boundary, and in the middle of a line */
    size_t cut = strlen(good) / 2;
    while (cut && good[cut - 1] != '\n')
        cut--;
    _cleanup_free_ char *half = xstrndup(good, cut);
    write_text(entry, half);
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    assert_non_null(strstr(why, "truncated"));
    free(why);
    _cleanup_free_ char *mid = xstrndup(good, cut + 7);
    write_text(entry, mid);
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    free(why);

    /* garbage */
    write_text(entry, "\x7f"
                      "ELF not a cache entry\n");
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    assert_non_null(strstr(why, "not a domcaps cache entry"));
    free(why);

    /* another format version: an upgrade's leftover, stale rather than corrupt */
    _cleanup_free_ char *older = xstrdup(good);
    strcpy(strstr(older, "\nchecksum "), "\nend\n");
    older[strlen("domcaps-cache ")] = '5';
    write_text(entry, older);
    assert_int_equal(load_with(&f, &why), DC_CACHE_STALE);
    assert_non_null(strstr(why, "another domcaps version"));
    free(why);
    _cleanup_free_ char *newer = xstrdup(good);
    newer[strlen("domcaps-cache ")] = '9';
    _cleanup_free_ char *newer_sealed = reseal(newer);
    write_text(entry, newer_sealed);
    assert_int_equal(load_with(&f, &why), DC_CACHE_STALE);
    free(why);
    /* ... but this version's entry with its digit damaged is corrupt */
    write_text(entry, newer);
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    assert_non_null(strstr(why, "checksum mismatch"));
    free(why);

    /* anything after the end marker */
    _cleanup_free_ char *after = xasprintf("%sbinary /bin/sh\n", good);
    write_text(entry, after);
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    assert_non_null(strstr(why, "after the end marker"));
    free(why);
    _cleanup_free_ char *blank = xasprintf("%s\n", good);
    write_text(entry, blank);
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    free(why);

    /* a valid entry of another emulator under this name */
    _cleanup_free_ char *foreign = xstrdup(good);
    char *b = strstr(foreign, "\nbinary ");
    assert_non_null(b);
    b[9] = 'X';
    _cleanup_free_ char *foreign_sealed = reseal(foreign);
    write_text(entry, foreign_sealed);
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    assert_non_null(strstr(why, "belongs to"));
    free(why);

    /* an empty file */
    write_text(entry, "");
    assert_int_equal(load_with(&f, &why), DC_CACHE_CORRUPT);
    free(why);
    fixture_clear(&f);
}

/* ---- audit reproducers: entries regenerated for this machine, then tampered ---- */

/* A valid entry for f's emulator, keyed on this machine's own root. */
static char *live_entry(fixture *f, const char *replies, dc_cache_key *ret_key)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open("/", &root), 0);
    assert_int_equal(dc_cache_key_compute(f->bin, root, ret_key), 0);
    dc_root_free(root);
    dc_qemu_caps *qc = replayed(replies);
    free(qc->binary);
    qc->binary = xstrdup(f->bin);
    char *text = dc_cache_serialize(ret_key, qc);
    dc_qemu_caps_free(qc);
    return text;
}

/* Inserts lines just before the terminator (and checksum) of an entry, and reseals it. */
static char *insert_before_end(const char *entry, const char *lines)
{
    const char *tail = strstr(entry, "\nchecksum ");
    if (!tail)
        tail = strstr(entry, "\nend\n");
    assert_non_null(tail);
    _cleanup_free_ char *t = xasprintf("%.*s\n%s%s", (int)(tail - entry), entry, lines, tail + 1);
    return reseal(t);
}

static void expect_corrupt_load(fixture *f, const dc_cache_key *key, const char *text,
                                const char *why_has)
{
    _cleanup_free_ char *entry = dc_cache_entry_path(f->dir, f->bin, NULL);
    write_text(entry, text);
    dc_qemu_caps *qc = NULL;
    _cleanup_free_ char *why = NULL;
    assert_int_equal(dc_cache_load(f->dir, f->bin, key, &qc, &why), DC_CACHE_CORRUPT);
    assert_null(qc);
    assert_non_null(why);
    if (why_has && !strstr(why, why_has))
        fail_msg("expected a reason with '%s', got '%s'", why_has, why);
}

/* cache-dup-accel-overflow.caps: a second kvm section overflowed the machine array. */
static void test_dup_accel_overflow(void **state)
{
    fixture f = {0};
    fixture_make(&f, "dup-accel");
    assert_int_equal(mkdir(f.dir, 0755), 0);
    dc_cache_key key = {0};
    _cleanup_free_ char *good = live_entry(&f, "qemu-7.2-x86_64", &key);
    _cleanup_free_ char *sealed = reseal(good);
    dc_buf b = {0};
    dc_buf_add(&b, "accel kvm 1 1 1 0\n");
    for (int i = 0; i < 16; i++)
        dc_buf_addf(&b, "machine 1 0 0 -1 evil-%d %%- %%-\n", i);
    _cleanup_free_ char *lines = dc_buf_steal(&b);
    _cleanup_free_ char *bad = insert_before_end(sealed, lines);
    expect_corrupt_load(&f, &key, bad, "accel");
    dc_cache_key_clear(&key);
    fixture_clear(&f);
}

/* cache-dup-lines-leak.caps: a repeated hostmodel or package line overwrote (and leaked). */
static void test_dup_lines_leak(void **state)
{
    fixture f = {0};
    fixture_make(&f, "dup-lines");
    assert_int_equal(mkdir(f.dir, 0755), 0);
    dc_cache_key key = {0};
    _cleanup_free_ char *good = live_entry(&f, "qemu-7.2-x86_64", &key);
    static const struct {
        const char *lines, *why;
    } cases[] = {
        {"hostmodel 2 0 0 EPYC AMD\npackage dup\n", "hostmodel"},
        {"package dup\n", "package"},
        {"hostmodel 2 0 0 EPYC AMD\n", "hostmodel"},
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        _cleanup_free_ char *bad = insert_before_end(good, cases[i].lines);
        expect_corrupt_load(&f, &key, bad, cases[i].why);
    }
    /* The untampered entry is a hit. */
    _cleanup_free_ char *entry = dc_cache_entry_path(f.dir, f.bin, NULL);
    _cleanup_free_ char *sealed = reseal(good);
    write_text(entry, sealed);
    dc_qemu_caps *qc = NULL;
    _cleanup_free_ char *why = NULL;
    assert_int_equal(dc_cache_load(f.dir, f.bin, &key, &qc, &why), DC_CACHE_HIT);
    dc_qemu_caps_free(qc);
    dc_cache_key_clear(&key);
    fixture_clear(&f);
}

/*
 * Every byte of a real entry, each substituted once (a different bit per
 * position, so newlines, NULs, digits and escapes all get hit): each damaged
 * entry is refused as corrupt.
 */
static void test_flip_sweep(void **state)
{
    fixture f = {0};
    fixture_make(&f, "flip");
    dc_cache_key key = {0};
    /* The smallest recording: the sweep costs the entry's size squared. */
    _cleanup_free_ char *good = live_entry(&f, "qemu-7.2-riscv64", &key);
    size_t len = strlen(good);
    _cleanup_free_ char *bad = xstrdup(good);
    size_t by_checksum = 0, other = 0;
    for (size_t i = 0; i < len; i++) {
        bad[i] = (char)(good[i] ^ (1u << (i % 8)));
        dc_cache_key k2 = {0};
        dc_qemu_caps *qc = NULL;
        _cleanup_error_ dc_error why = DC_ERROR_INIT;
        int r = dc_cache_parse(bad, len, &k2, &qc, &why);
        if (r != -EBADMSG)
            fail_msg("byte %zu ('%c' to 0x%02x): parse returned %d (%s)", i, good[i],
                     (unsigned char)bad[i], r, why.message ? why.message : "accepted");
        if (strstr(why.message, "checksum mismatch"))
            by_checksum++;
        else
            other++;
        bad[i] = good[i];
    }
    print_message("flip sweep: %zu of %zu substitutions refused as corrupt (%zu by the checksum, "
                  "%zu by the structure)\n",
                  by_checksum + other, len, by_checksum, other);
    dc_cache_key_clear(&key);
    fixture_clear(&f);
}

/* What a killed writer left is removed by the next store; a live writer's file is not. */
static void test_leftovers(void **state)
{
    fixture f = {0};
    fixture_make(&f, "leftover");
    assert_int_equal(mkdir(f.dir, 0755), 0);
    _cleanup_free_ char *cmd =
        xasprintf("cd '%1$s' && echo half > qemu-system-x86_64-0123456789abcdef.caps.Ab3xZ9 && "
                  "echo half > swtpm.caps.q1W2e3 && touch -d '-2 minutes' *.caps.* && "
                  "echo writing > qemu-aarch64-0000000000000000.caps.N0w0k1 && "
                  "echo other > notes.caps.tmp && touch -d '-2 minutes' notes.caps.tmp && "
                  "echo outside > '%2$s/outside' && touch -d '-2 minutes' '%2$s/outside' && "
                  "ln -s '%2$s/outside' link.caps.L1nk00",
                  f.dir, tmp);
    assert_int_equal(system(cmd), 0);
    store_with_dir(&f);
    static const struct {
        const char *name;
        bool kept;
    } files[] = {
        {"qemu-system-x86_64-0123456789abcdef.caps.Ab3xZ9", false},
        {"swtpm.caps.q1W2e3", false},
        {"qemu-aarch64-0000000000000000.caps.N0w0k1", true}, /* still being written */
        {"notes.caps.tmp", true},                            /* not a temporary file */
        {"link.caps.L1nk00", true},                          /* not a regular file */
    };
    for (size_t i = 0; i < ELEMENTSOF(files); i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", f.dir, files[i].name);
        struct stat st;
        if ((lstat(path, &st) == 0) != files[i].kept)
            fail_msg("%s: expected %s", files[i].name, files[i].kept ? "kept" : "removed");
    }
    _cleanup_free_ char *entry = fixture_entry(&f);
    assert_int_equal(access(entry, F_OK), 0);
    _cleanup_free_ char *outside = xasprintf("%s/outside", tmp);
    assert_int_equal(access(outside, F_OK), 0);
    /* Only the abandoned ones go: a second call finds nothing more. */
    assert_int_equal(dc_cache_remove_leftovers(f.dir, time(NULL)), 0);
    /* A minute on, the interrupted write is abandoned too. */
    assert_int_equal(dc_cache_remove_leftovers(f.dir, time(NULL) + 2 * DC_CACHE_LEFTOVER_AGE), 1);
    fixture_clear(&f);
}

/* A --sysroot or --replay run never replaces or evicts the live host's entry. */
static void test_sysroot_and_replay_spare_live(void **state)
{
    fixture f = {0};
    fixture_make(&f, "spare");
    assert_int_equal(mkdir(f.dir, 0755), 0);
    dc_cache_key live_key = {0};
    _cleanup_free_ char *live = live_entry(&f, "qemu-7.2-x86_64", &live_key);
    dc_qemu_caps *qc = replayed("qemu-7.2-x86_64");
    free(qc->binary);
    qc->binary = xstrdup(f.bin);
    assert_int_equal(dc_cache_store(f.dir, f.bin, &live_key, qc), 0);
    dc_qemu_caps_free(qc);
    _cleanup_free_ char *live_path = dc_cache_entry_path(f.dir, f.bin, NULL);
    _cleanup_free_ char *before = read_text(live_path);

    /* The sysroot's entry has a name of its own and names its root. */
    store_with_dir(&f);
    _cleanup_free_ char *sys_path = fixture_entry(&f);
    assert_string_not_equal(sys_path, live_path);
    _cleanup_free_ char *sys_text = read_text(sys_path);
    _cleanup_free_ char *want_root = NULL;
    {
        dc_root *root = NULL;
        assert_int_equal(dc_root_open(f.root, &root), 0);
        _cleanup_free_ char *id = dc_cache_root_id(root);
        assert_string_not_equal(id, "/");
        want_root = xasprintf("\nkey root %s\n", id);
        dc_root_free(root);
    }
    assert_non_null(strstr(sys_text, want_root));
    assert_non_null(strstr(before, "\nkey root /\nkey source qemu\n"));
    char *why = NULL;
    assert_int_equal(load_with(&f, &why), DC_CACHE_HIT);

    /* A replay through the cache neither reads nor writes it. */
    _cleanup_free_ char *rec = xasprintf("%s/replies/qemu-7.2-aarch64.replies", DC_TEST_DATA_DIR);
    dc_probe_opts po = {.binary = f.bin, .replay = rec, .want_tcg_session = true};
    dc_root *root = NULL;
    assert_int_equal(dc_root_open("/", &root), 0);
    dc_qemu_caps *got = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    assert_int_equal(dc_probe_cached(&po, root, f.dir, NULL, &got, &msg), 0);
    assert_string_equal(got->target, "aarch64"); /* the recording's answer, not the entry's */
    dc_qemu_caps_free(got);
    dc_root_free(root);

    /* The live entry is byte for byte what it was, and still valid for the live key. */
    _cleanup_free_ char *after = read_text(live_path);
    assert_string_equal(before, after);
    dc_qemu_caps *hit = NULL;
    assert_int_equal(dc_cache_load(f.dir, f.bin, &live_key, &hit, &why), DC_CACHE_HIT);
    assert_string_equal(hit->target, "x86_64");
    dc_qemu_caps_free(hit);
    _cleanup_free_ char *count = xasprintf("ls '%s' | wc -l | grep -qx 2", f.dir);
    assert_int_equal(system(count), 0);
    dc_cache_key_clear(&live_key);
    fixture_clear(&f);
}

/*
 * dc_cache_explain: a fresh entry holds in every input; after the kernel
 * release changes exactly that input is reported, with both values; with the
 * emulator gone none can be examined; a damaged or missing file is said so.
 */
static void test_explain_structured(void **state)
{
    fixture f;
    fixture_make(&f, "explain");
    store_with(&f);
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(f.root, &root), 0);
    _cleanup_free_ char *path = dc_cache_entry_path(f.dir, f.bin, root);

    dc_cache_explanation e = {0};
    assert_int_equal(dc_cache_explain(path, root, &e), 0);
    assert_int_equal(e.verdict, DC_CACHE_VALID);
    assert_string_equal(e.path, path);
    assert_string_equal(e.emulator, f.bin);
    assert_string_equal(e.arch, "aarch64");
    assert_int_equal(e.version_major, 7);
    assert_int_equal(e.version_minor, 2);
    assert_true(e.ninputs > 3);
    assert_int_equal(e.nchanged, 0);
    for (size_t i = 0; i < e.ninputs; i++)
        assert_true(e.inputs[i].holds && streq(e.inputs[i].stored, e.inputs[i].current));
    dc_cache_explanation_clear(&e);

    _cleanup_free_ char *rel = xasprintf("%s/proc/sys/kernel/osrelease", f.root);
    write_text(rel, "6.2.0-other\n");
    assert_int_equal(dc_cache_explain(path, root, &e), 0);
    assert_int_equal(e.verdict, DC_CACHE_CHANGED);
    assert_int_equal(e.nchanged, 1);
    size_t changed = 0;
    for (size_t i = 0; i < e.ninputs; i++)
        if (!e.inputs[i].holds) {
            changed++;
            assert_string_equal(e.inputs[i].stored, "6.1.0-test #1 SMP");
            assert_string_equal(e.inputs[i].current, "6.2.0-other #1 SMP");
        }
    assert_int_equal(changed, 1);
    dc_cache_explanation_clear(&e);

    assert_int_equal(unlink(f.bin), 0);
    assert_int_equal(dc_cache_explain(path, root, &e), 0);
    assert_int_equal(e.verdict, DC_CACHE_UNEXAMINABLE);
    assert_int_equal(e.nchanged, e.ninputs);
    for (size_t i = 0; i < e.ninputs; i++)
        assert_null(e.inputs[i].current);
    dc_cache_explanation_clear(&e);

    write_text(path, "domcaps-cache garbage\n");
    assert_true(dc_cache_explain(path, root, &e) < 0);
    assert_int_equal(e.verdict, DC_CACHE_UNPARSABLE);
    assert_non_null(e.why);
    assert_null(e.emulator);
    dc_cache_explanation_clear(&e);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(dc_cache_explain(path, root, &e), -ENOENT);
    assert_int_equal(e.verdict, DC_CACHE_UNREADABLE);
    assert_string_equal(e.why, strerror(ENOENT));
    dc_cache_explanation_clear(&e);
    dc_root_free(root);
    fixture_clear(&f);
}

/* ---- through the command, with the real QEMU -------------------------------- */

static int run(const char *cmd, char **ret_out)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    dc_buf b = {0};
    char tmpb[4096];
    size_t n;
    while ((n = fread(tmpb, 1, sizeof(tmpb), p)) > 0)
        dc_buf_addn(&b, tmpb, n);
    int st = pclose(p);
    if (ret_out)
        *ret_out = dc_buf_steal(&b);
    else
        dc_buf_clear(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void need_qemu(void)
{
    if (access("/usr/bin/qemu-system-x86_64", X_OK) < 0) {
        print_message("SKIP: /usr/bin/qemu-system-x86_64 is not installed\n");
        skip();
    }
}

static void test_unwritable_dir(void **state)
{
    need_qemu();
    /* A cache directory under a regular file can never be created. */
    _cleanup_free_ char *cmd =
        xasprintf("%s --virttype qemu --cache-dir /proc/version/domcaps", DC_BINARY);
    _cleanup_free_ char *out = NULL;
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out, "<domainCapabilities>"));
}

static void test_concurrent_and_explain(void **state)
{
    need_qemu();
    _cleanup_free_ char *dir = xasprintf("%s/race", tmp);
    _cleanup_free_ char *wrapper = xasprintf("%s/qemu-wrapper", tmp);
    _cleanup_free_ char *mk = xasprintf(
        "printf '#!/bin/sh\\nexec /usr/bin/qemu-system-x86_64 \"$@\"\\n' > '%s' && chmod 755 '%s'",
        wrapper, wrapper);
    assert_int_equal(system(mk), 0);

    /* Two processes probe and write the same entry at once. */
    _cleanup_free_ char *cmd = xasprintf(
        "cd '%1$s' && (%2$s --emulator '%3$s' --virttype qemu --cache-dir '%4$s' > a.xml & "
        "%2$s --emulator '%3$s' --virttype qemu --cache-dir '%4$s' > b.xml; wait) && "
        "cmp a.xml b.xml && ls '%4$s' | grep -v -e '\\.caps$' -e '^swtpm\\.caps$' | wc -l",
        tmp, DC_BINARY, wrapper, dir);
    _cleanup_free_ char *out = NULL;
    assert_int_equal(run(cmd, &out), 0);
    assert_string_equal(out, "0\n"); /* no temporary file left behind */

    /* The entry is whole, valid, and serves the same document. */
    _cleanup_free_ char *explain =
        xasprintf("%s cache --explain --emulator '%s' --cache-dir '%s'", DC_BINARY, wrapper, dir);
    _cleanup_free_ char *e1 = NULL;
    assert_int_equal(run(explain, &e1), 0);
    assert_non_null(strstr(e1, "status: valid"));
    _cleanup_free_ char *again = xasprintf(
        "cd '%s' && %s --emulator '%s' --virttype qemu --cache-dir '%s' > c.xml && cmp a.xml c.xml",
        tmp, DC_BINARY, wrapper, dir);
    assert_int_equal(run(again, NULL), 0);

    /* Touch the emulator: explain names the input, the next probe re-probes. */
    _cleanup_free_ char *touch = xasprintf("touch -d '2001-01-01' '%s'", wrapper);
    assert_int_equal(system(touch), 0);
    _cleanup_free_ char *e2 = NULL;
    assert_int_equal(run(explain, &e2), 0);
    assert_non_null(strstr(e2, "mtime"));
    assert_non_null(strstr(e2, "CHANGED"));
    assert_non_null(strstr(e2, "status: stale"));
    assert_int_equal(run(again, NULL), 0);
    _cleanup_free_ char *e3 = NULL;
    assert_int_equal(run(explain, &e3), 0);
    assert_non_null(strstr(e3, "status: valid"));

    /* A corrupt entry is discarded with a warning and replaced. */
    _cleanup_free_ char *entry = dc_cache_entry_path(dir, wrapper, NULL);
    write_text(entry, "#!/bin/sh: not a cache entry\n");
    _cleanup_free_ char *warn =
        xasprintf("%s --emulator '%s' --virttype qemu --cache-dir '%s' 2>&1 >/dev/null", DC_BINARY,
                  wrapper, dir);
    _cleanup_free_ char *w = NULL;
    assert_int_equal(run(warn, &w), 0);
    assert_non_null(strstr(w, "warning: discarding cache entry"));
    _cleanup_free_ char *e4 = NULL;
    assert_int_equal(run(explain, &e4), 0);
    assert_non_null(strstr(e4, "status: valid"));
}

/* probe --all: every qemu-system-* in PATH, one document each, in name order, through the cache. */
static void test_probe_all(void **state)
{
    need_qemu();
    _cleanup_free_ char *dir = xasprintf("%s/all", tmp);
    _cleanup_free_ char *cmd = xasprintf("%s probe --all --cache-dir '%s'", DC_BINARY, dir);
    _cleanup_free_ char *out = NULL;
    int rc = run(cmd, &out);
    assert_true(rc == 0 || rc == 3);
    assert_true(startswith(out, "<domainCapabilitiesList>\n<domainCapabilities>\n"));
    assert_true(endswith(out, "</domainCapabilities>\n</domainCapabilitiesList>\n"));
    assert_non_null(strstr(out, "<path>/usr/bin/qemu-system-x86_64</path>"));
    /* In name order: qemu-system-aarch64 (when installed) comes before x86_64. */
    const char *x86 = strstr(out, "qemu-system-x86_64</path>");
    const char *arm = strstr(out, "qemu-system-aarch64</path>");
    assert_true(!arm || arm < x86);

    /* Warm: the same documents from the cache, and JSON is an array of them. */
    _cleanup_free_ char *again = NULL;
    assert_int_equal(run(cmd, &again), rc);
    assert_string_equal(out, again);
    _cleanup_free_ char *jcmd =
        xasprintf("%s probe --all --format json --cache-dir '%s'", DC_BINARY, dir);
    _cleanup_free_ char *json = NULL;
    assert_int_equal(run(jcmd, &json), rc);
    json_object *arr = json_tokener_parse(json);
    assert_non_null(arr);
    assert_true(json_object_is_type(arr, json_type_array));
    size_t docs = 0;
    for (const char *p = out; (p = strstr(p, "<domainCapabilities>")); p++)
        docs++;
    assert_int_equal(json_object_array_length(arr), docs);
    json_object_put(arr);
}

int main(void)
{
    struct CMUnitTest tests[ELEMENTSOF(invalidations) + 16];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_roundtrip);
    for (size_t i = 0; i < ELEMENTSOF(invalidations); i++)
        tests[n++] = (struct CMUnitTest){invalidations[i].name, test_invalidation, NULL, NULL,
                                         (void *)&invalidations[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_corrupt);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_dup_accel_overflow);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_dup_lines_leak);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_flip_sweep);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_leftovers);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sysroot_and_replay_spare_live);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_unwritable_dir);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_concurrent_and_explain);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_explain_structured);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_probe_all);
    return _cmocka_run_group_tests("cache", tests, n, setup, teardown);
}
