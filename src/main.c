/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <locale.h>

#include "arch.h"
#include "derive.h"
#include "domcaps/domcaps.h"
#include "host.h"
#include "qemu_probe.h"

static const char usage_text[] =
    "Usage: domcaps [probe] [OPTIONS]\n"
    "       domcaps host [--format xml|json] [--sysroot DIR]\n"
    "\n"
    "probe (the default) prints the libvirt domainCapabilities document for a\n"
    "QEMU emulator; host prints the host inventory (CPU, KVM, NUMA, PCI, IOMMU\n"
    "groups, USB, VFIO).\n"
    "\n"
    "  --emulator PATH      emulator binary (default: qemu-system-<arch> from PATH)\n"
    "  --arch ARCH          guest architecture (default: the emulator's, or the host's)\n"
    "  --machine TYPE       machine type or alias (default: the arch's preferred one)\n"
    "  --virttype TYPE      kvm or qemu (default: kvm when usable, else qemu)\n"
    "  --format FORMAT      xml (default) or json\n"
    "  --record FILE        write the QMP conversation to FILE (.replies layout)\n"
    "  --replay FILE        answer from a recorded QMP conversation instead of QEMU\n"
    "  --sysroot DIR        read host state (/dev, /sys, /proc, firmware) under DIR\n"
    "  --timeout SECONDS    limit for each QMP command (default 30; the probe: 4x)\n"
    "  --version            print the version and exit\n"
    "  --help               print this help and exit\n"
    "\n"
    "Exit status: 0 success, 2 usage or input error, 3 probing failed.\n";

typedef enum command {
    CMD_PROBE,
    CMD_HOST,
} command;

typedef struct options {
    command cmd;
    const char *emulator;
    const char *arch;
    const char *machine;
    const char *virttype;
    const char *format;
    const char *record;
    const char *replay;
    const char *sysroot;
    int timeout_ms;
} options;

_printf_(1, 2) static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("domcaps: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return DC_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, options *o)
{
    enum {
        OPT_EMULATOR = 0x100, OPT_ARCH, OPT_MACHINE, OPT_VIRTTYPE, OPT_FORMAT, OPT_RECORD,
        OPT_REPLAY, OPT_SYSROOT, OPT_TIMEOUT, OPT_VERSION, OPT_HELP,
    };
    static const struct option longopts[] = {
        {"emulator", required_argument, NULL, OPT_EMULATOR},
        {"arch", required_argument, NULL, OPT_ARCH},
        {"machine", required_argument, NULL, OPT_MACHINE},
        {"virttype", required_argument, NULL, OPT_VIRTTYPE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"record", required_argument, NULL, OPT_RECORD},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"sysroot", required_argument, NULL, OPT_SYSROOT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {0},
    };
    *o = (options){.format = "xml", .sysroot = "/", .timeout_ms = 30000};
    if (argc > 1 && streq(argv[1], "host")) {
        o->cmd = CMD_HOST;
        argv++, argc--;
    } else if (argc > 1 && streq(argv[1], "probe")) {
        argv++, argc--;
    }
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_EMULATOR: o->emulator = optarg; break;
        case OPT_ARCH: o->arch = optarg; break;
        case OPT_MACHINE: o->machine = optarg; break;
        case OPT_VIRTTYPE: o->virttype = optarg; break;
        case OPT_FORMAT: o->format = optarg; break;
        case OPT_RECORD: o->record = optarg; break;
        case OPT_REPLAY: o->replay = optarg; break;
        case OPT_SYSROOT: o->sysroot = optarg; break;
        case OPT_TIMEOUT: {
            char *end;
            double s = strtod(optarg, &end);
            if (*end || !(s > 0) || s > 3600)
                return fail_usage("invalid --timeout '%s': expected seconds between 0 and 3600",
                                  optarg);
            o->timeout_ms = (int)(s * 1000);
            break;
        }
        case OPT_VERSION: printf("domcaps %s\n", DC_VERSION); return -1;
        case OPT_HELP: fputs(usage_text, stdout); return -1;
        case '?':
        default:
            if (optopt)
                return fail_usage("option '%s' needs a value; see --help", argv[optind - 1]);
            return fail_usage("unknown option '%s'; see --help", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return fail_usage("unexpected argument '%s'; see --help", argv[optind]);
    if (o->virttype && !streq(o->virttype, "kvm") && !streq(o->virttype, "qemu"))
        return fail_usage("unknown virttype '%s' (expected kvm or qemu)", o->virttype);
    if (!streq(o->format, "xml") && !streq(o->format, "json"))
        return fail_usage("unknown format '%s' (expected xml or json)", o->format);
    if (o->arch && !dc_arch_known(o->arch))
        return fail_usage("unknown architecture '%s'", o->arch);
    if (o->record && o->replay)
        return fail_usage("--record and --replay cannot be combined");
    if (o->cmd == CMD_HOST && (o->emulator || o->arch || o->machine || o->virttype || o->record ||
                               o->replay))
        return fail_usage("'domcaps host' takes only --format and --sysroot");
    return 0;
}

static char *find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n) {
            char *p = xasprintf("%.*s/%s", (int)n, path, name);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
                return p;
            free(p);
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return NULL;
}

/* libvirt's lookup: qemu-system-<arch>, then a binary whose own arch serves it. */
static char *default_emulator(const char *arch)
{
    const char *candidates[3] = {dc_arch_to_qemu(arch), NULL, NULL};
    if (streq(arch, "i686"))
        candidates[1] = "x86_64";
    else if (streq(arch, "armv7l") || streq(arch, "armv6l"))
        candidates[1] = "aarch64";
    for (size_t i = 0; candidates[i]; i++) {
        _cleanup_free_ char *name = xasprintf("qemu-system-%s", candidates[i]);
        char *p = find_in_path(name);
        if (p)
            return p;
    }
    return NULL;
}

static int check_emulator(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            return fail_usage("emulator '%s' does not exist", path);
        return fail_usage("cannot access emulator '%s': %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return fail_usage("emulator '%s' is not a regular file", path);
    if (access(path, X_OK) < 0)
        return fail_usage("emulator '%s' is not executable", path);
    return 0;
}

static void print_warnings(const dc_diag *d)
{
    for (size_t i = 0; i < d->warnings.n; i++)
        fprintf(stderr, "domcaps: warning: %s\n", d->warnings.v[i]);
}

static char *xdg_config_home(void)
{
    if (geteuid() == 0)
        return NULL;
    const char *x = getenv("XDG_CONFIG_HOME");
    if (x && x[0] == '/')
        return xstrdup(x);
    const char *home = getenv("HOME");
    return home && home[0] == '/' ? xasprintf("%s/.config", home) : NULL;
}

static int run_probe(const options *o)
{
    dc_root *root = NULL;
    int r = dc_root_open(o->sysroot, &root);
    if (r < 0)
        return fail_usage("cannot open sysroot '%s': %s", o->sysroot, strerror(-r));

    int rc = DC_EXIT_OK;
    _cleanup_free_ char *emulator = NULL;
    _cleanup_free_ char *xdg = xdg_config_home();
    dc_diag diag = {0};
    dc_host host = {0};
    dc_qemu_caps *qc = NULL;
    dc_domcaps *caps = NULL;
    char *msg = NULL;

    if (o->emulator) {
        emulator = xstrdup(o->emulator);
        if (!o->replay && (rc = check_emulator(emulator)))
            goto out;
    } else if (!o->replay) {
        const char *arch = o->arch ? o->arch : dc_arch_host();
        emulator = default_emulator(arch);
        if (!emulator) {
            rc = fail_usage("unable to find any emulator to serve '%s' architecture "
                            "(no qemu-system-%s in PATH)", arch, dc_arch_to_qemu(arch));
            goto out;
        }
    }

    dc_probe_opts po = {
        .binary = emulator ? emulator : "qemu",
        .replay = o->replay,
        .record = o->record,
        .timeout_ms = o->timeout_ms,
        .want_tcg_session = true,
    };
    r = dc_qemu_probe(&po, &qc, &msg);
    if (r < 0) {
        fprintf(stderr, "domcaps: %s\n", msg ? msg : strerror(-r));
        /* In a replay the recording is the input: whatever it lacks is an input error. */
        rc = o->replay || r == -ENOEXEC || r == -ENOTSUP ? DC_EXIT_USAGE : DC_EXIT_PROBE;
        goto out;
    }
    if (!emulator) {
        /* A replay names no binary: report the one that would serve its target. */
        free(qc->binary);
        qc->binary = xasprintf("/usr/bin/qemu-system-%s", qc->target);
    }

    dc_host_probe(&host, root, xdg, DC_PROBE_FOR_CAPS, &diag);
    dc_request req = {.arch = o->arch, .machine = o->machine, .virttype = o->virttype};
    r = dc_domcaps_derive(qc, &host, &req, &caps, &msg);
    if (r < 0) {
        print_warnings(&diag);
        fprintf(stderr, "domcaps: %s\n", msg);
        rc = DC_EXIT_USAGE;
        goto out;
    }
    print_warnings(&diag);
    char *doc = streq(o->format, "json") ? dc_domcaps_format_json(caps)
                                         : dc_domcaps_format_xml(caps);
    if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF) {
        fprintf(stderr, "domcaps: cannot write the document: %s\n", strerror(errno));
        rc = DC_EXIT_USAGE;
    }
    free(doc);
out:
    free(msg);
    dc_domcaps_free(caps);
    dc_qemu_caps_free(qc);
    dc_host_clear(&host);
    dc_strv_clear(&diag.warnings);
    dc_root_free(root);
    return rc;
}

static int run_host(const options *o)
{
    dc_root *root = NULL;
    int r = dc_root_open(o->sysroot, &root);
    if (r < 0)
        return fail_usage("cannot open sysroot '%s': %s", o->sysroot, strerror(-r));
    dc_host host = {0};
    dc_host_probe(&host, root, NULL, DC_PROBE_FOR_INVENTORY, NULL);
    char *doc = streq(o->format, "json") ? dc_hostinfo_format_json(&host.info)
                                         : dc_hostinfo_format_xml(&host.info);
    int rc = DC_EXIT_OK;
    if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF) {
        fprintf(stderr, "domcaps: cannot write the report: %s\n", strerror(errno));
        rc = DC_EXIT_USAGE;
    }
    free(doc);
    dc_host_clear(&host);
    dc_root_free(root);
    return rc;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    options o;
    int r = parse_args(argc, argv, &o);
    if (r < 0)
        return DC_EXIT_OK;
    if (r > 0)
        return r;
    return o.cmd == CMD_HOST ? run_host(&o) : run_probe(&o);
}
