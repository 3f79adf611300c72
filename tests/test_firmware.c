/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first. */
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>

#include "firmware.h"
#include "util.h"

#ifndef DC_TEST_DATA_DIR
#error "DC_TEST_DATA_DIR must be defined to the absolute path of tests/data"
#endif

#define FW_ROOTS DC_TEST_DATA_DIR "/roots/firmware"
#define USR "/usr/share/qemu/firmware/"
#define ETC "/etc/qemu/firmware/"
#define XDG "/home/user/.config/qemu/firmware/"
#define OVMF "/usr/share/OVMF/"
#define AAVMF "/usr/share/AAVMF/"

#define MAX_STRS 8
#define MAX_TARGETS 3

typedef struct exp_target {
    const char *arch;
    const char *machines[MAX_STRS];
} exp_target;

typedef struct exp_fw {
    const char *descriptor;
    const char *device;
    const char *executable;
    const char *nvram;
    unsigned interfaces;
    bool exists;
    const char *features[MAX_STRS];
    exp_target targets[MAX_TARGETS];
} exp_fw;

/* The shared Debian-like descriptors, reused by several fixture trees. */
#define FEAT_ENROLLED                                                                              \
    {                                                                                              \
        "acpi-s3", "amd-sev", "enrolled-keys", "requires-smm", "secure-boot", "verbose-dynamic"    \
    }
#define FEAT_SECURE                                                                                \
    {                                                                                              \
        "acpi-s3", "amd-sev", "requires-smm", "secure-boot", "verbose-dynamic"                     \
    }
#define FEAT_PLAIN                                                                                 \
    {                                                                                              \
        "acpi-s3", "amd-sev", "verbose-dynamic"                                                    \
    }
#define T_Q35                                                                                      \
    {                                                                                              \
        {                                                                                          \
            "x86_64",                                                                              \
            {                                                                                      \
                "pc-q35-*"                                                                         \
            }                                                                                      \
        }                                                                                          \
    }
#define T_X86                                                                                      \
    {                                                                                              \
        {                                                                                          \
            "x86_64",                                                                              \
            {                                                                                      \
                "pc-i440fx-*", "pc-q35-*"                                                          \
            }                                                                                      \
        }                                                                                          \
    }
#define T_AARCH64                                                                                  \
    {                                                                                              \
        {                                                                                          \
            "aarch64",                                                                             \
            {                                                                                      \
                "virt-*"                                                                           \
            }                                                                                      \
        }                                                                                          \
    }

#define EXP_ENROLLED(dir)                                                                          \
    {                                                                                              \
        dir "40-edk2-x86_64-secure-enrolled.json", "flash", OVMF "OVMF_CODE_4M.secboot.fd",        \
            OVMF "OVMF_VARS_4M.ms.fd", DC_FW_IFACE_UEFI, true, FEAT_ENROLLED, T_Q35                \
    }
#define EXP_SECURE(dir)                                                                            \
    {                                                                                              \
        dir "50-edk2-x86_64-secure.json", "flash", OVMF "OVMF_CODE_4M.secboot.fd",                 \
            OVMF "OVMF_VARS_4M.fd", DC_FW_IFACE_UEFI, true, FEAT_SECURE, T_Q35                     \
    }
#define EXP_PLAIN(dir, name, exists)                                                               \
    {                                                                                              \
        dir name, "flash", OVMF "OVMF_CODE_4M.fd", OVMF "OVMF_VARS_4M.fd", DC_FW_IFACE_UEFI,       \
            exists, FEAT_PLAIN, T_X86                                                              \
    }
#define EXP_AARCH64(dir, name)                                                                     \
    {                                                                                              \
        dir name, "flash", AAVMF "AAVMF_CODE.fd", AAVMF "AAVMF_VARS.fd", DC_FW_IFACE_UEFI, true,   \
            {"verbose-static"}, T_AARCH64                                                          \
    }
#define EXP_SEABIOS256(dir)                                                                        \
    {                                                                                              \
        dir "50-seabios-256k.json", "memory", "/usr/share/seabios/bios-256k.bin", NULL,            \
            DC_FW_IFACE_BIOS, true, {"acpi-s3", "acpi-s4"},                                        \
        {                                                                                          \
            {"i386", {"pc-i440fx-*", "pc-q35-*"}},                                                 \
            {                                                                                      \
                "x86_64",                                                                          \
                {                                                                                  \
                    "pc-i440fx-*", "pc-q35-*"                                                      \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

typedef struct loaded {
    dc_root *root;
    dc_diag diag;
    dc_firmware_list list;
} loaded;

static void loaded_free(loaded *l)
{
    dc_firmware_list_clear(&l->list);
    dc_strv_clear(&l->diag.warnings);
    dc_root_free(l->root);
    *l = (loaded){0};
}

static void load_path(const char *rootpath, const char *xdg, loaded *ret)
{
    *ret = (loaded){0};
    assert_int_equal(dc_root_open(rootpath, &ret->root), 0);
    assert_int_equal(dc_firmware_load(ret->root, xdg, &ret->diag, &ret->list), 0);
}

static void load_case(const char *name, const char *xdg, loaded *ret)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", FW_ROOTS, name);
    load_path(p, xdg, ret);
}

static size_t count_strs(const char *const *v)
{
    size_t n = 0;
    while (n < MAX_STRS && v[n])
        n++;
    return n;
}

static void assert_str_or_null(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

static void assert_strv(const dc_strv *got, const char *const *want)
{
    size_t n = count_strs(want);
    assert_int_equal(got->n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got->v[i], want[i]);
    if (got->v)
        assert_null(got->v[got->n]);
}

static void assert_fw(const dc_firmware *fw, const exp_fw *e)
{
    assert_string_equal(fw->descriptor, e->descriptor);
    assert_string_equal(fw->device, e->device);
    assert_str_or_null(fw->executable, e->executable);
    assert_str_or_null(fw->nvram_template, e->nvram);
    assert_int_equal(fw->interfaces, e->interfaces);
    assert_int_equal(fw->executable_exists, e->exists);
    assert_strv(&fw->features, e->features);
    size_t nt = 0;
    while (nt < MAX_TARGETS && e->targets[nt].arch)
        nt++;
    assert_int_equal(fw->ntargets, nt);
    for (size_t i = 0; i < nt; i++) {
        assert_string_equal(fw->targets[i].architecture, e->targets[i].arch);
        assert_strv(&fw->targets[i].machines, e->targets[i].machines);
    }
}

static void assert_list(const dc_firmware_list *l, const exp_fw *e, size_t n)
{
    /* Names first, so a mismatch reports the whole order. */
    for (size_t i = 0; i < l->n && i < n; i++)
        assert_string_equal(l->items[i].descriptor, e[i].descriptor);
    assert_int_equal(l->n, n);
    for (size_t i = 0; i < n; i++)
        assert_fw(&l->items[i], &e[i]);
}

static void assert_no_warnings(const loaded *l)
{
    for (size_t i = 0; i < l->diag.warnings.n; i++)
        print_error("unexpected warning: %s\n", l->diag.warnings.v[i]);
    assert_int_equal(l->diag.warnings.n, 0);
}

/* Descriptor file names (without directory) of the firmware matching arch/machine. */
static char *matching(const dc_firmware_list *l, const char *arch, const char *machine)
{
    dc_buf b = {0};
    for (size_t i = 0; i < l->n; i++) {
        if (!dc_firmware_matches(&l->items[i], arch, machine))
            continue;
        const char *slash = strrchr(l->items[i].descriptor, '/');
        dc_buf_addf(&b, "%s%s", b.len ? " " : "", slash ? slash + 1 : l->items[i].descriptor);
    }
    return dc_buf_steal(&b);
}

static void assert_matching(const dc_firmware_list *l, const char *arch, const char *machine,
                            const char *want)
{
    _cleanup_free_ char *got = matching(l, arch, machine);
    if (!streq(got, want))
        print_error("%s %s: got '%s', want '%s'\n", arch, machine, got, want);
    assert_string_equal(got, want);
}

static void test_arch_name(_unused_ void **state)
{
    assert_string_equal(dc_firmware_arch_name("i686"), "i386");
    assert_string_equal(dc_firmware_arch_name("armv6l"), "arm");
    assert_string_equal(dc_firmware_arch_name("armv7l"), "arm");
    assert_string_equal(dc_firmware_arch_name("ppc64le"), "ppc64");
    assert_string_equal(dc_firmware_arch_name("x86_64"), "x86_64");
    assert_string_equal(dc_firmware_arch_name("aarch64"), "aarch64");
    assert_string_equal(dc_firmware_arch_name("s390x"), "s390x");
}

static void test_basic(_unused_ void **state)
{
    static const exp_fw want[] = {
        EXP_ENROLLED(USR),
        EXP_SECURE(USR),
        EXP_AARCH64(USR, "60-edk2-aarch64.json"),
        EXP_PLAIN(USR, "60-edk2-x86_64.json", true),
    };
    loaded l;
    load_case("basic", NULL, &l);
    assert_no_warnings(&l);
    assert_list(&l.list, want, ELEMENTSOF(want));

    assert_matching(&l.list, "x86_64", "pc-q35-7.2",
                    "40-edk2-x86_64-secure-enrolled.json 50-edk2-x86_64-secure.json "
                    "60-edk2-x86_64.json");
    assert_matching(&l.list, "x86_64", "pc-i440fx-7.2", "60-edk2-x86_64.json");
    assert_matching(&l.list, "aarch64", "virt-7.2", "60-edk2-aarch64.json");
    assert_matching(&l.list, "ppc64", "pseries", "");
    assert_matching(&l.list, "ppc64le", "pseries-7.2", "");
    /* Globs must match the whole machine name, and the arch must agree. */
    assert_matching(&l.list, "x86_64", "q35", "");
    assert_matching(&l.list, "x86_64", "virt-7.2", "");
    assert_matching(&l.list, "aarch64", "pc-q35-7.2", "");
    assert_matching(&l.list, "i686", "pc-q35-7.2", "");

    const dc_firmware *enrolled = &l.list.items[0];
    assert_true(dc_firmware_has_feature(enrolled, "enrolled-keys"));
    assert_true(dc_firmware_has_feature(enrolled, "requires-smm"));
    assert_false(dc_firmware_has_feature(&l.list.items[1], "enrolled-keys"));
    assert_false(dc_firmware_has_feature(enrolled, "secure"));

    /* The XDG argument alone changes nothing when that directory is missing. */
    loaded l2;
    load_case("basic", "/home/nobody/.config", &l2);
    assert_no_warnings(&l2);
    assert_list(&l2.list, want, ELEMENTSOF(want));
    loaded_free(&l2);
    loaded_free(&l);
}

static const exp_fw override_etc_secure = {
    ETC "50-edk2-x86_64-secure.json",
    "flash",
    "/opt/ovmf/OVMF_CODE.secboot.fd",
    "/opt/ovmf/OVMF_VARS.fd",
    DC_FW_IFACE_UEFI,
    true,
    {"requires-smm", "secure-boot"},
    T_Q35,
};

static void test_override_system(_unused_ void **state)
{
    const exp_fw want[] = {
        override_etc_secure,
        EXP_PLAIN(USR, "60-edk2-x86_64.json", true),
    };
    loaded l;
    load_case("override", NULL, &l);
    assert_no_warnings(&l);
    assert_list(&l.list, want, ELEMENTSOF(want));
    assert_matching(&l.list, "x86_64", "pc-q35-7.2",
                    "50-edk2-x86_64-secure.json 60-edk2-x86_64.json");
    loaded_free(&l);
}

static void test_override_xdg(_unused_ void **state)
{
    static const exp_fw want[] = {
        {XDG "10-user-seabios.json",
         "memory",
         "/home/user/seabios/bios.bin",
         NULL,
         DC_FW_IFACE_BIOS,
         true,
         {NULL},
         {{"x86_64", {"pc-i440fx-*"}}}},
        {XDG "50-edk2-x86_64-secure.json",
         "flash",
         "/home/user/ovmf/OVMF_CODE.fd",
         NULL,
         DC_FW_IFACE_UEFI,
         true,
         {"secure-boot"},
         {{"x86_64", {"pc-q35-8.*"}}}},
        EXP_PLAIN(USR, "60-edk2-x86_64.json", true),
    };
    /* Trailing slashes must not leak into the descriptor paths. */
    static const char *const xdgs[] = {"/home/user/.config", "/home/user/.config//"};
    for (size_t i = 0; i < ELEMENTSOF(xdgs); i++) {
        loaded l;
        load_case("override", xdgs[i], &l);
        assert_no_warnings(&l);
        assert_list(&l.list, want, ELEMENTSOF(want));
        assert_matching(&l.list, "x86_64", "pc-q35-7.2", "60-edk2-x86_64.json");
        assert_matching(&l.list, "x86_64", "pc-q35-8.1",
                        "50-edk2-x86_64-secure.json 60-edk2-x86_64.json");
        assert_matching(&l.list, "x86_64", "pc-i440fx-8.1",
                        "10-user-seabios.json 60-edk2-x86_64.json");
        loaded_free(&l);
    }
}

static void test_masking(_unused_ void **state)
{
    static const exp_fw want_system[] = {
        EXP_AARCH64(USR, "60-edk2-aarch64.json"),
        EXP_PLAIN(USR, "60-edk2-x86_64.json", true),
    };
    loaded l;
    load_case("masking", NULL, &l);
    assert_no_warnings(&l);
    assert_list(&l.list, want_system, ELEMENTSOF(want_system));
    assert_matching(&l.list, "x86_64", "pc-q35-7.2", "60-edk2-x86_64.json");
    loaded_free(&l);

    /* The user masks aarch64 and brings back a name /etc masked. */
    static const exp_fw want_user[] = {
        {XDG "55-local.json",
         "memory",
         "/usr/share/seabios/bios-256k.bin",
         NULL,
         DC_FW_IFACE_BIOS,
         true,
         {NULL},
         {{"x86_64", {"pc-*"}}}},
        EXP_PLAIN(USR, "60-edk2-x86_64.json", true),
    };
    load_case("masking", "/home/user/.config", &l);
    assert_no_warnings(&l);
    assert_list(&l.list, want_user, ELEMENTSOF(want_user));
    assert_matching(&l.list, "aarch64", "virt-7.2", "");
    loaded_free(&l);
}

static void test_missing_binary(_unused_ void **state)
{
    static const exp_fw want[] = {
        EXP_SEABIOS256(USR),
        EXP_PLAIN(USR, "60-edk2-x86_64.json", false),
        {USR "70-exe-is-dir.json",
         "flash",
         "/usr/share/OVMF",
         NULL,
         DC_FW_IFACE_UEFI,
         false,
         {NULL},
         T_Q35},
    };
    loaded l;
    load_case("missing-binary", NULL, &l);
    assert_no_warnings(&l);
    assert_list(&l.list, want, ELEMENTSOF(want));
    /* Matching is about the descriptor; callers decide what a missing binary means. */
    assert_matching(&l.list, "x86_64", "pc-q35-7.2",
                    "50-seabios-256k.json 60-edk2-x86_64.json 70-exe-is-dir.json");
    loaded_free(&l);
}

static void assert_warnings(const loaded *l, const char *rootpath, const char *const *names,
                            const char *const *causes, size_t n)
{
    if (l->diag.warnings.n != n)
        for (size_t i = 0; i < l->diag.warnings.n; i++)
            print_error("warning: %s\n", l->diag.warnings.v[i]);
    assert_int_equal(l->diag.warnings.n, n);
    for (size_t i = 0; i < n; i++) {
        const char *w = l->diag.warnings.v[i];
        _cleanup_free_ char *prefix =
            xasprintf("skipping firmware descriptor %s" USR "%s: ", rootpath, names[i]);
        assert_true(startswith(w, prefix));
        const char *cause = w + strlen(prefix);
        /* A trailing '*' accepts any rest: json-c's wording is not ours to pin. */
        size_t cl = strlen(causes[i]);
        if (cl > 0 && causes[i][cl - 1] == '*') {
            assert_true(strncmp(cause, causes[i], cl - 1) == 0);
            assert_true(endswith(cause, ")"));
        } else
            assert_string_equal(cause, causes[i]);
    }
}

static void test_malformed(_unused_ void **state)
{
    static const exp_fw want[] = {
        {USR "10-good.json", "flash", OVMF "OVMF_CODE_4M.secboot.fd", OVMF "OVMF_VARS_4M.fd",
         DC_FW_IFACE_UEFI, true, FEAT_SECURE, T_Q35},
        EXP_AARCH64(USR, "90-good.json"),
    };
    static const char *const names[] = {
        "20-not-json.json",       "30-truncated.json",  "40-targets-not-array.json",
        "50-unknown-device.json", "60-no-mapping.json", "70-not-object.json",
        "80-bad-feature.json",
    };
    static const char *const causes[] = {
        "not valid JSON (*",
        "not valid JSON (unexpected end of data)",
        "'targets' is not an array",
        "unknown mapping device 'floppy'",
        "missing 'mapping'",
        "not a JSON object",
        "'features[1]' is not a string",
    };
    _cleanup_free_ char *rootpath = xasprintf("%s/malformed", FW_ROOTS);
    loaded l;
    load_path(rootpath, NULL, &l);
    assert_list(&l.list, want, ELEMENTSOF(want));
    assert_warnings(&l, rootpath, names, causes, ELEMENTSOF(names));
    loaded_free(&l);
}

static int rm_one(const char *path, _unused_ const struct stat *st, _unused_ int flag,
                  _unused_ struct FTW *ftw)
{
    return remove(path);
}

static void tmp_mkdir(const char *base, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", base, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void tmp_write(const char *base, const char *rel, const char *data, size_t len)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", base, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static const char small_descriptor[] =
    "{\"interface-types\": [\"bios\"],\n"
    " \"mapping\": {\"device\": \"memory\", \"filename\": \"/bios.bin\"},\n"
    " \"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-*\"]}]}\n";

/* A valid descriptor padded with whitespace to exactly size bytes. */
static void tmp_write_padded(const char *base, const char *rel, size_t size)
{
    _cleanup_free_ char *buf = xmalloc(size);
    size_t n = strlen(small_descriptor);
    assert_true(size >= n);
    memset(buf, ' ', size);
    memcpy(buf, small_descriptor, n);
    buf[size - 1] = '\n';
    tmp_write(base, rel, buf, size);
}

static int tmp_setup(void **state)
{
    _cleanup_free_ char *tmpl =
        xasprintf("%s/dc-test-firmware-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpl))
        return -1;
    *state = TAKE_PTR(tmpl);
    return 0;
}

/* Runs even when an assertion failed, so no temp tree is left behind. */
static int tmp_teardown(void **state)
{
    char *tmpl = *state;
    int r = nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(tmpl);
    return r;
}

static void test_huge_and_unreadable(void **state)
{
    const char *tmpl = *state;
    tmp_mkdir(tmpl, "usr");
    tmp_mkdir(tmpl, "usr/share");
    tmp_mkdir(tmpl, "usr/share/qemu");
    tmp_mkdir(tmpl, "usr/share/qemu/firmware");
    tmp_write(tmpl, USR "10-good.json", small_descriptor, strlen(small_descriptor));
    tmp_write_padded(tmpl, USR "20-huge.json", 1024 * 1024 + 1);
    /* The limit is inclusive: exactly 1 MiB is still read. */
    tmp_write_padded(tmpl, USR "25-exactly-1mib.json", 1024 * 1024);
    tmp_mkdir(tmpl, USR "30-directory.json");
    _cleanup_free_ char *dangling = xasprintf("%s" USR "40-dangling.json", tmpl);
    assert_int_equal(symlink("nonexistent-target", dangling), 0);
    tmp_write(tmpl, "bios.bin", "x", 1);

    static const exp_fw small = {NULL, "memory", "/bios.bin",           NULL, DC_FW_IFACE_BIOS,
                                 true, {NULL},   {{"x86_64", {"pc-*"}}}};
    exp_fw want[2] = {small, small};
    want[0].descriptor = USR "10-good.json";
    want[1].descriptor = USR "25-exactly-1mib.json";
    static const char *const names[] = {"20-huge.json", "30-directory.json", "40-dangling.json"};
    _cleanup_free_ char *isdir = xasprintf("cannot read: %s", strerror(EISDIR));
    _cleanup_free_ char *noent = xasprintf("cannot read: %s", strerror(ENOENT));
    const char *const causes[] = {"file too large (more than 1 MiB)", isdir, noent};

    loaded l;
    load_path(tmpl, NULL, &l);
    assert_list(&l.list, want, ELEMENTSOF(want));
    assert_warnings(&l, tmpl, names, causes, ELEMENTSOF(names));
    loaded_free(&l);
}

static void test_sorting(_unused_ void **state)
{
    static const exp_fw want[] = {
        {ETC "10-local-ovmf.json",
         "flash",
         "/opt/ovmf/OVMF_CODE.fd",
         "/opt/ovmf/OVMF_VARS.fd",
         DC_FW_IFACE_UEFI,
         true,
         {"acpi-s3"},
         T_Q35},
        {USR "100-extra.json",
         "memory",
         "/usr/share/seabios/bios.bin",
         NULL,
         DC_FW_IFACE_BIOS,
         true,
         {NULL},
         {{"x86_64", {"pc-i440fx-*"}}}},
        {USR "20-opensbi-riscv64.json",
         "kernel",
         "/usr/share/opensbi/fw_dynamic.bin",
         NULL,
         DC_FW_IFACE_OPENFIRMWARE | DC_FW_IFACE_UBOOT,
         true,
         {NULL},
         {{"riscv64", {"virt"}}}},
        EXP_SEABIOS256(USR),
        {XDG "70-slof.json",
         "memory",
         "/usr/share/qemu/slof.bin",
         NULL,
         DC_FW_IFACE_OPENFIRMWARE,
         true,
         {"vendor-specific"},
         {{"ppc64", {"pseries-*"}}}},
        EXP_PLAIN(USR, "80-edk2-x86_64.json", true),
        {ETC "9-edk2-arm.json",
         "flash",
         AAVMF "AAVMF32_CODE.fd",
         AAVMF "AAVMF32_VARS.fd",
         DC_FW_IFACE_UEFI,
         true,
         {NULL},
         {{"arm", {"virt-*"}}}},
        {USR "Z-upper.json",
         "memory",
         "/usr/share/seabios/bios.bin",
         NULL,
         DC_FW_IFACE_BIOS,
         true,
         {NULL},
         {{"x86_64", {"isapc"}}}},
    };
    loaded l;
    load_case("sorting", "/home/user/.config", &l);
    assert_no_warnings(&l);
    assert_list(&l.list, want, ELEMENTSOF(want));

    assert_matching(&l.list, "x86_64", "pc-q35-7.2",
                    "10-local-ovmf.json 50-seabios-256k.json 80-edk2-x86_64.json");
    assert_matching(&l.list, "x86_64", "pc-i440fx-7.2",
                    "100-extra.json 50-seabios-256k.json 80-edk2-x86_64.json");
    assert_matching(&l.list, "i686", "pc-i440fx-7.2", "50-seabios-256k.json");
    assert_matching(&l.list, "x86_64", "isapc", "Z-upper.json");
    assert_matching(&l.list, "ppc64le", "pseries-8.0", "70-slof.json");
    assert_matching(&l.list, "ppc64", "pseries-8.0", "70-slof.json");
    assert_matching(&l.list, "armv7l", "virt-7.2", "9-edk2-arm.json");
    assert_matching(&l.list, "armv6l", "virt-7.2", "9-edk2-arm.json");
    assert_matching(&l.list, "riscv64", "virt", "20-opensbi-riscv64.json");
    assert_matching(&l.list, "riscv64", "virt-7.2", "");
    loaded_free(&l);

    /* Without XDG the per-user descriptor disappears; order is otherwise unchanged. */
    load_case("sorting", NULL, &l);
    assert_no_warnings(&l);
    exp_fw want_sys[ELEMENTSOF(want) - 1];
    size_t n = 0;
    for (size_t i = 0; i < ELEMENTSOF(want); i++)
        if (!startswith(want[i].descriptor, XDG))
            want_sys[n++] = want[i];
    assert_list(&l.list, want_sys, n);
    loaded_free(&l);
}

static void test_clear_empty(_unused_ void **state)
{
    dc_firmware_list l = {0};
    dc_firmware_list_clear(&l);
    dc_firmware_list_clear(NULL);
    assert_false(dc_firmware_matches(NULL, "x86_64", "pc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arch_name),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_override_system),
        cmocka_unit_test(test_override_xdg),
        cmocka_unit_test(test_masking),
        cmocka_unit_test(test_missing_binary),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test_setup_teardown(test_huge_and_unreadable, tmp_setup, tmp_teardown),
        cmocka_unit_test(test_sorting),
        cmocka_unit_test(test_clear_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
