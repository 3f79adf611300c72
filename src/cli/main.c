/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>

#include "ansible.h"
#include "arch.h"
#include "baseline.h"
#include "bundle.h"
#include "cache.h"
#include "check.h"
#include "check_format.h"
#include "derive.h"
#include "domcaps/domcaps.h"
#include "host.h"
#include "jobs.h"
#include "jsonw.h"
#include "labels.h"
#include "metrics.h"
#include "place.h"
#include "qemu_probe.h"
#include "spawn.h"

#include <sys/wait.h>

typedef enum command {
    CMD_PROBE,
    CMD_HOST,
    CMD_CHECK,
    CMD_CACHE,
    CMD_BUNDLE,
    CMD_PLACE,
    CMD_BASELINE,
    CMD_LABELS,
    CMD_METRICS,
    _CMD_MAX,
} command;

static const char *const command_names[_CMD_MAX] = {"probe", "host", "check", "cache",
                                                            "bundle", "place", "baseline", "labels",
                                                     "metrics"};

#define ON_PROBE (1u << CMD_PROBE)
#define ON_HOST (1u << CMD_HOST)
#define ON_CHECK (1u << CMD_CHECK)
#define ON_CACHE (1u << CMD_CACHE)
#define ON_BUNDLE (1u << CMD_BUNDLE)
#define ON_PLACE (1u << CMD_PLACE)
#define ON_BASELINE (1u << CMD_BASELINE)
#define ON_LABELS (1u << CMD_LABELS)
#define ON_METRICS (1u << CMD_METRICS)
#define ON_ALL                                                                                     \
    (ON_PROBE | ON_HOST | ON_CHECK | ON_CACHE | ON_BUNDLE | ON_PLACE | ON_BASELINE | ON_LABELS |   \
     ON_METRICS)

enum {
    OPT_EMULATOR = 0x100,
    OPT_TRUST_EMULATOR,
    OPT_ARCH,
    OPT_MACHINE,
    OPT_VIRTTYPE,
    OPT_FORMAT,
    OPT_RECORD,
    OPT_REPLAY,
    OPT_SYSROOT,
    OPT_TIMEOUT,
    OPT_VERSION,
    OPT_HELP,
    OPT_SNAPSHOT,
    OPT_CAPS,
    OPT_HOST,
    OPT_CACHE_DIR,
    OPT_NO_CACHE,
    OPT_EXPLAIN,
    OPT_ALL,
    OPT_BUNDLE,
    OPT_BUNDLE_DIR,
    OPT_OUTPUT,
    OPT_HOST_REPORT,
    OPT_OUTPUT_DIR,
    OPT_OBSOLETE_CPUS,
    OPT_MIN_CPU,
    OPT_EXPIRY,
};

/* Every option, the subcommands taking it and its line in their --help. */
typedef struct option_desc {
    const char *name;
    int id;
    const char *arg; /* NULL: takes no value */
    unsigned on;
    const char *help;
} option_desc;

static const option_desc option_descs[] = {
    {"emulator", OPT_EMULATOR, "PATH",
     ON_PROBE | ON_HOST | ON_CHECK | ON_CACHE | ON_BUNDLE | ON_LABELS | ON_METRICS,
     "emulator binary (default: qemu-system-<arch> from PATH)"},
    {"trust-emulator", OPT_TRUST_EMULATOR, "DIR", ON_CHECK,
     "check may run the emulators inside DIR (repeatable)"},
    {"arch", OPT_ARCH, "ARCH", ON_PROBE | ON_BASELINE,
     "guest architecture (default: the emulator's or the host's)"},
    {"machine", OPT_MACHINE, "TYPE", ON_PROBE | ON_BASELINE,
     "machine type or alias (default: the arch's preferred one; with --all a comma list)"},
    {"virttype", OPT_VIRTTYPE, "TYPE", ON_PROBE | ON_BASELINE,
     "kvm or qemu (default: kvm when usable, else qemu; with --all a comma list)"},
    {"format", OPT_FORMAT, "FORMAT",
     ON_PROBE | ON_HOST | ON_CHECK | ON_BUNDLE | ON_PLACE | ON_BASELINE | ON_LABELS,
     "xml (default) or json; errors are a JSON document too with json"},
    {"record", OPT_RECORD, "FILE", ON_PROBE,
     "write the QMP conversation to FILE (.replies layout)"},
    {"replay", OPT_REPLAY, "FILE", ON_PROBE | ON_HOST | ON_BUNDLE | ON_LABELS | ON_METRICS,
     "answer from a recorded QMP conversation instead of QEMU"},
    {"sysroot", OPT_SYSROOT, "DIR",
     ON_PROBE | ON_HOST | ON_CHECK | ON_CACHE | ON_BUNDLE | ON_LABELS | ON_METRICS,
     "read host state (/dev, /sys, /proc, firmware) under DIR"},
    {"timeout", OPT_TIMEOUT, "SECONDS",
     ON_PROBE | ON_HOST | ON_CHECK | ON_BUNDLE | ON_LABELS | ON_METRICS,
     "limit for each QMP command (default 30; the probe: 4x)"},
    {"snapshot", OPT_SNAPSHOT, NULL, ON_PROBE,
     "add the extension element `domcaps check --caps` uses"},
    {"all", OPT_ALL, NULL, ON_PROBE, "probe every qemu-system-* in PATH"},
    {"caps", OPT_CAPS, "FILE", ON_CHECK, "judge against a saved `domcaps --snapshot` (repeatable)"},
    {"host", OPT_HOST, "FILE", ON_CHECK, "with --caps: the host report (`domcaps host`) to use"},
    {"cache-dir", OPT_CACHE_DIR, "DIR",
     ON_PROBE | ON_HOST | ON_CHECK | ON_CACHE | ON_LABELS | ON_METRICS,
     "where probe results are cached (default: $XDG_CACHE_HOME/domcaps)"},
    {"no-cache", OPT_NO_CACHE, NULL, ON_PROBE | ON_HOST | ON_CHECK | ON_LABELS | ON_METRICS,
     "neither read nor write the cache"},
    {"explain", OPT_EXPLAIN, NULL, ON_CACHE,
     "say for each entry what it was keyed on and if it holds"},
    {"bundle", OPT_BUNDLE, "FILE",
     ON_PROBE | ON_HOST | ON_CHECK | ON_PLACE | ON_BASELINE | ON_LABELS | ON_METRICS,
     "answer as the host captured in FILE (`domcaps bundle create`) would"},
    {"bundle-dir", OPT_BUNDLE_DIR, "DIR", ON_PLACE | ON_BASELINE,
     "every *.bundle in DIR (repeatable)"},
    {"host-report", OPT_HOST_REPORT, "FILE", ON_BASELINE,
     "also write the hosts' common CPU and KVM facts, for `check --host`"},
    {"output", OPT_OUTPUT, "FILE", ON_BUNDLE | ON_METRICS, "the bundle to write (also -o FILE)"},
    {"output-dir", OPT_OUTPUT_DIR, "DIR", ON_LABELS,
     "with --format nfd: write DIR/" DC_LABELS_NFD_NAME " (atomically) instead of printing"},
    {"obsolete-cpus", OPT_OBSOLETE_CPUS, "LIST", ON_LABELS,
     "KubeVirt's obsoleteCPUModels, comma-separated (default: its own list)"},
    {"min-cpu", OPT_MIN_CPU, "MODEL", ON_LABELS,
     "KubeVirt's minCPUModel: leave its features out of the feature labels"},
    {"expiry", OPT_EXPIRY, "SECONDS", ON_LABELS,
     "with --format nfd: the labels expire after SECONDS (default 3600, 0: never)"},
    {"version", OPT_VERSION, NULL, ON_ALL, "print the version and exit (also -V)"},
    {"help", OPT_HELP, NULL, ON_ALL, "print this help and exit (also -h)"},
};

static const char *const usage_lines[_CMD_MAX] = {
    "Usage: domcaps [probe] [OPTIONS]\n"
    "       domcaps probe --all [--machine TYPE,...] [--virttype TYPE,...] [OPTIONS]\n"
    "\n"
    "Prints the libvirt domainCapabilities document for a QEMU emulator.\n",
    "Usage: domcaps host [--format xml|json] [--sysroot DIR | --bundle FILE]\n"
    "       domcaps host --format ansible [--sysroot DIR [--emulator PATH --replay FILE]...]\n"
    "\n"
    "Prints the host inventory (CPU, KVM, NUMA, PCI, IOMMU groups, USB, VFIO).\n"
    "--format ansible prints it for Ansible's facts.d with each emulator's version,\n"
    "machine types and CPU models (the options below other than --format,\n"
    "--sysroot and --bundle are for --format ansible).\n",
    "Usage: domcaps check [OPTIONS] DOMAIN.xml...   (- reads a domain from stdin)\n"
    "\n"
    "Judges libvirt domain XML against the live host (default) or against saved\n"
    "documents: --caps (domcaps --snapshot output) and --host (domcaps host output).\n"
    "Live, a domain's <emulator> is run only when it is a qemu-system-* binary on\n"
    "PATH, /usr/libexec/qemu-kvm, named with --emulator or inside a --trust-emulator\n"
    "DIR; any other is judged from the cache or not at all (a warning says so).\n",
    "Usage: domcaps cache --explain [--emulator PATH] [--cache-dir DIR] [--sysroot DIR]\n"
    "\n"
    "Explains the cached probe results: their inputs and whether each still holds.\n",
    "Usage: domcaps bundle create -o FILE [--emulator PATH]... [--timeout SECONDS]\n"
    "       domcaps bundle create -o FILE --sysroot DIR (--emulator PATH --replay FILE)...\n"
    "       domcaps bundle show [--format text|json] FILE\n"
    "\n"
    "Captures this host into one file: the QMP conversation of every emulator, the\n"
    "host report and the host files the probes read; --bundle FILE on probe, host,\n"
    "check and place then answers as this host would, on any machine.\n",
    "Usage: domcaps place (--bundle FILE | --bundle-dir DIR)... [--format text|json|junit]\n"
    "                     DOMAIN.xml...\n"
    "\n"
    "Judges every domain on every captured host with the rules of `domcaps check`:\n"
    "the hosts that can run it, and why each other one cannot.\n",
    "Usage: domcaps baseline (--bundle FILE | --bundle-dir DIR)... [--arch ARCH]\n"
    "                        [--machine TYPE] [--virttype kvm|qemu] [--format xml|json]\n"
    "                        [--host-report FILE]\n"
    "\n"
    "Prints one domainCapabilities document every host of the pool satisfies: a\n"
    "domain that `domcaps check --caps` passes against it runs on each of them.\n",
    "Usage: domcaps labels [--format kubevirt|nfd] [--output-dir DIR] [OPTIONS]\n"
    "\n"
    "Prints the node labels KubeVirt's node labeller sets for this host (the native\n"
    "emulator under KVM, else TCG), as key=value lines or as a node-feature-discovery\n"
    "feature file.\n",
    "Usage: domcaps metrics --output FILE [--sysroot DIR] [--cache-dir DIR | --no-cache]\n"
    "                       [--timeout SECONDS] [--emulator PATH]...\n"
    "       domcaps metrics --output FILE --sysroot DIR (--emulator PATH --replay FILE)...\n"
    "       domcaps metrics --output FILE --bundle FILE\n"
    "\n"
    "Writes Prometheus metrics for node_exporter's textfile collector: KVM, every\n"
    "qemu-system-* in PATH with its version, probe time and cache entry, CPU model\n"
    "usability, IOMMU groups, hugepages. With --replay, of a captured root and\n"
    "recordings instead (each --replay answers for the --emulator in its place).\n",
};

/* The few options whose meaning depends on the subcommand. */
static const char *option_help(const option_desc *d, command cmd)
{
    if (d->id == OPT_EMULATOR && cmd == CMD_CHECK)
        return "an emulator check may run for a domain's <emulator> (repeatable)";
    if (d->id == OPT_EMULATOR && cmd == CMD_CACHE)
        return "explain only the entry of this emulator";
    if (d->id == OPT_FORMAT && (cmd == CMD_CHECK || cmd == CMD_PLACE))
        return "text (default), json or junit";
    if (d->id == OPT_FORMAT && cmd == CMD_BUNDLE)
        return "bundle show: text (default) or json";
    if (d->id == OPT_EMULATOR && cmd == CMD_BUNDLE)
        return "capture this emulator only (repeatable; default: every qemu-system-*)";
    if (d->id == OPT_REPLAY && cmd == CMD_BUNDLE)
        return "with --sysroot: the recording of the --emulator given before it";
    if (d->id == OPT_SYSROOT && cmd == CMD_BUNDLE)
        return "capture a captured root (with --replay recordings) instead of this host";
    if (d->id == OPT_FORMAT && cmd == CMD_HOST)
        return "xml (default), json, or ansible (facts.d, with the emulators)";
    if (d->id == OPT_EMULATOR && (cmd == CMD_METRICS || cmd == CMD_HOST))
        return "an emulator to report (repeatable; default: every qemu-system-* in PATH)";
    if (d->id == OPT_REPLAY && (cmd == CMD_METRICS || cmd == CMD_HOST))
        return "the recording answering for the --emulator in its place (repeatable)";
    if (d->id == OPT_OUTPUT && cmd == CMD_METRICS)
        return "write the metrics to FILE atomically (- : standard output)";
    if (d->id == OPT_FORMAT && cmd == CMD_LABELS)
        return "kubevirt (key=value lines, default) or nfd (a features.d file)";
    if (d->id == OPT_EMULATOR && cmd == CMD_LABELS)
        return "emulator binary (default: this host's qemu-system-<arch> from PATH)";
    if (d->id == OPT_BUNDLE && (cmd == CMD_PLACE || cmd == CMD_BASELINE))
        return "a captured host of the pool (repeatable)";
    return d->help;
}

static void print_help(command cmd)
{
    fputs(usage_lines[cmd], stdout);
    if (cmd == CMD_PROBE)
        fputs("Subcommands: probe (the default), host, check, cache, bundle, place, baseline, "
              "labels, metrics; "
              "`domcaps SUBCOMMAND --help` for each.\n",
              stdout);
    fputs("\nOptions:\n", stdout);
    for (size_t i = 0; i < ELEMENTSOF(option_descs); i++) {
        const option_desc *d = &option_descs[i];
        if (!(d->on & (1u << cmd)))
            continue;
        _cleanup_free_ char *left =
            xasprintf("--%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
        printf("  %-22s %s\n", left, option_help(d, cmd));
    }
    fputs("\nExit status: 0 success (check: every domain can run), 1 check found errors,\n"
          "2 usage or input error, 3 probing failed.\n",
          stdout);
}

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
    bool timeout_given;
    bool snapshot;
    dc_strv caps_files;
    dc_strv trusted_emulators, trusted_dirs; /* check: emulators it may run */
    const char *host_file;
    char **domains;
    int ndomains;
    const char *cache_dir;
    bool no_cache;
    bool explain;
    bool all;
    dc_strv bundles;     /* --bundle, then each --bundle-dir's files */
    dc_strv bundle_dirs;
    dc_strv replays; /* bundle create: one per --emulator */
    const char *output;
    const char *host_report;
    const char *action; /* bundle: create or show */
    bool sysroot_given;
    char **args;        /* bundle show, place: the files */
    int nargs;
    const char *output_dir;
    const char *obsolete_cpus;
    const char *min_cpu;
    long long expiry_s;
} options;

/*
 * Errors go to stderr; with --format json they are also kept for the JSON
 * error document main() prints on stdout when no other document was printed.
 */
static bool json_errors;
static bool document_printed;
static dc_strv error_messages;

_printf_(1, 2) static void report_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        m = NULL;
    va_end(ap);
    fprintf(stderr, "domcaps: %s\n", m ? m : fmt);
    if (json_errors)
        dc_strv_add(&error_messages, m ? m : fmt);
    free(m);
}

_printf_(1, 2) static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        m = NULL;
    va_end(ap);
    report_error("%s", m ? m : fmt);
    free(m);
    return DC_EXIT_USAGE;
}

static void print_error_document(int rc)
{
    dc_jw w = {0};
    dc_jw_open(&w, NULL, '{');
    dc_jw_num(&w, "schemaVersion", DC_JSON_SCHEMA_VERSION);
    dc_jw_num(&w, "exitCode", rc);
    dc_jw_open(&w, "errors", '[');
    for (size_t i = 0; i < error_messages.n; i++) {
        dc_jw_open(&w, NULL, '{');
        dc_jw_str(&w, "message", error_messages.v[i]);
        dc_jw_close(&w, '}');
    }
    dc_jw_close(&w, ']');
    dc_jw_close(&w, '}');
    _cleanup_free_ char *doc = dc_jw_finish(&w);
    fputs(doc, stdout);
    fflush(stdout);
}

/* The value of the last --format in argv, looked for before the real parse. */
static bool wants_json(int argc, char **argv)
{
    const char *f = NULL;
    for (int i = 1; i < argc; i++) {
        if (streq(argv[i], "--"))
            break;
        if (streq(argv[i], "--format") && i + 1 < argc)
            f = argv[++i];
        else if (startswith(argv[i], "--format="))
            f = argv[i] + strlen("--format=");
    }
    return f && streq(f, "json");
}

static const option_desc *option_by_id(int id)
{
    for (size_t i = 0; i < ELEMENTSOF(option_descs); i++)
        if (option_descs[i].id == id)
            return &option_descs[i];
    return NULL;
}

static command command_of(int *argc, char ***argv)
{
    for (int c = 0; c < _CMD_MAX; c++)
        if (*argc > 1 && streq((*argv)[1], command_names[c])) {
            (*argv)++, (*argc)--;
            return (command)c;
        }
    return CMD_PROBE;
}

/* Comma lists for --all; each element must be one of the allowed. */
/* Splits a comma list, keeping empty elements. */
static void split_commas(dc_strv *ret, const char *list)
{
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        dc_strv_add_take(ret, xstrndup(p, n));
        if (!p[n])
            break;
        p += n + 1;
    }
}

static int check_list(const char *what, const char *list, bool is_list_ok,
                      const char *const *allowed)
{
    if (!is_list_ok && strchr(list, ','))
        return fail_usage("a list of %ss is for --all", what);
    _cleanup_strv_ dc_strv v = {0};
    split_commas(&v, list);
    if (!v.n)
        return fail_usage("empty --%s", what);
    for (size_t i = 0; i < v.n; i++) {
        bool ok = !allowed && *v.v[i];
        for (const char *const *a = allowed; a && *a; a++)
            ok |= streq(*a, v.v[i]);
        if (!ok)
            return fail_usage("unknown %s '%s'%s", what, v.v[i],
                              allowed ? " (expected kvm or qemu)" : "");
    }
    return 0;
}

/* The options that keep their argument as given (or add it to a list). */
static bool set_string_option(options *o, int c, const char *arg)
{
    switch (c) {
    case OPT_EMULATOR:
        o->emulator = arg;
        dc_strv_add(&o->trusted_emulators, arg);
        break;
    case OPT_TRUST_EMULATOR:
        dc_strv_add(&o->trusted_dirs, arg);
        break;
    case OPT_ARCH:
        o->arch = arg;
        break;
    case OPT_MACHINE:
        o->machine = arg;
        break;
    case OPT_VIRTTYPE:
        o->virttype = arg;
        break;
    case OPT_FORMAT:
        o->format = arg;
        break;
    case OPT_RECORD:
        o->record = arg;
        break;
    case OPT_REPLAY:
        o->replay = arg;
        dc_strv_add(&o->replays, arg);
        break;
    case OPT_BUNDLE:
        dc_strv_add(&o->bundles, arg);
        break;
    case OPT_BUNDLE_DIR:
        dc_strv_add(&o->bundle_dirs, arg);
        break;
    case OPT_OUTPUT:
        o->output = arg;
        break;
    case OPT_HOST_REPORT:
        o->host_report = arg;
        break;
    case OPT_OUTPUT_DIR:
        o->output_dir = arg;
        break;
    case OPT_OBSOLETE_CPUS:
        o->obsolete_cpus = arg;
        break;
    case OPT_MIN_CPU:
        o->min_cpu = arg;
        break;
    case OPT_SYSROOT:
        o->sysroot = arg;
        o->sysroot_given = true;
        break;
    case OPT_CAPS:
        dc_strv_add(&o->caps_files, arg);
        break;
    case OPT_HOST:
        o->host_file = arg;
        break;
    case OPT_CACHE_DIR:
        o->cache_dir = arg;
        break;
    default:
        return false;
    }
    return true;
}

static int parse_option(options *o, int c, const char *arg)
{
    if (set_string_option(o, c, arg))
        return 0;
    switch (c) {
    case OPT_EXPIRY: {
        int64_t v;
        if (dc_parse_i64(arg, 10, 0, 10LL * 365 * 24 * 3600, &v) < 0)
            return fail_usage("invalid --expiry '%s': expected whole seconds, at most ten years",
                              arg);
        o->expiry_s = v;
        break;
    }
    case OPT_SNAPSHOT:
        o->snapshot = true;
        break;
    case OPT_NO_CACHE:
        o->no_cache = true;
        break;
    case OPT_EXPLAIN:
        o->explain = true;
        break;
    case OPT_ALL:
        o->all = true;
        break;
    case OPT_TIMEOUT: {
        char *end;
        double s = strtod(arg, &end);
        if (*end || !(s > 0) || s > 3600)
            return fail_usage("invalid --timeout '%s': expected seconds between 0 and 3600", arg);
        o->timeout_ms = (int)(s * 1000);
        o->timeout_given = true;
        break;
    }
    }
    return 0;
}

static int check_check_args(options *o, int argc, char **argv)
{
    o->domains = argv + optind;
    o->ndomains = argc - optind;
    if (!o->ndomains)
        return fail_usage("check needs at least one domain XML file; see 'domcaps check --help'");
    if (!streq(o->format, "text") && !streq(o->format, "json") && !streq(o->format, "junit"))
        return fail_usage("unknown format '%s' (expected text, json or junit)", o->format);
    if (o->host_file && !o->caps_files.n)
        return fail_usage("--host is for offline checks: give --caps too");
    int stdin_uses = 0;
    for (int i = 0; i < o->ndomains; i++)
        stdin_uses += streq(o->domains[i], "-");
    if (stdin_uses > 1)
        return fail_usage("'-' (the domain on stdin) can be given once");
    return 0;
}

static int check_probe_args(const options *o, int argc, char **argv)
{
    static const char *const virttypes[] = {"kvm", "qemu", NULL};
    int r;
    if (o->cmd == CMD_CACHE && !o->explain)
        return fail_usage("'domcaps cache' needs --explain");
    if (o->all && (o->emulator || o->arch || o->replay || o->record))
        return fail_usage("--all probes every qemu-system-* in PATH: it takes no --emulator, "
                          "--arch, --replay or --record");
    if (optind < argc)
        return fail_usage("unexpected argument '%s'; see --help", argv[optind]);
    if (o->virttype && (r = check_list("virttype", o->virttype, o->all, virttypes)))
        return r;
    if (o->machine && (r = check_list("machine", o->machine, o->all, NULL)))
        return r;
    if (!streq(o->format, "xml") && !streq(o->format, "json"))
        return fail_usage("unknown format '%s' (expected xml or json)", o->format);
    if (o->arch && !dc_arch_known(o->arch))
        return fail_usage("unknown architecture '%s'", o->arch);
    if (o->record && o->replay)
        return fail_usage("--record and --replay cannot be combined");
    if (o->snapshot && !streq(o->format, "xml"))
        return fail_usage("--snapshot extends the XML document: use it with --format xml");
    return 0;
}

static int check_output_path(const char *what, const char *path);

static int check_bundle_args(options *o, int argc, char **argv)
{
    o->args = argv + optind;
    o->nargs = argc - optind;
    if (!o->action)
        return fail_usage("'domcaps bundle' needs an action: create or show; see --help");
    if (streq(o->action, "show")) {
        if (o->nargs != 1)
            return fail_usage("'domcaps bundle show' takes one bundle file");
        if (o->output || o->emulator || o->replays.n || o->sysroot_given)
            return fail_usage("'domcaps bundle show' takes only --format and the file");
        if (!streq(o->format, "text") && !streq(o->format, "json"))
            return fail_usage("unknown format '%s' (expected text or json)", o->format);
        return 0;
    }
    if (o->nargs)
        return fail_usage("unexpected argument '%s'; see 'domcaps bundle --help'", o->args[0]);
    if (!o->output)
        return fail_usage("'domcaps bundle create' needs -o FILE");
    if (!streq(o->format, "text"))
        return fail_usage("'domcaps bundle create' writes a bundle: it takes no --format");
    if (o->replays.n && !o->sysroot_given)
        return fail_usage("--replay is for capturing a captured root: give --sysroot too");
    if (o->sysroot_given && o->replays.n != o->trusted_emulators.n)
        return fail_usage("with --sysroot, give each emulator as --emulator PATH --replay FILE "
                          "(%zu emulators, %zu recordings)",
                          o->trusted_emulators.n, o->replays.n);
    if (o->sysroot_given && !o->replays.n)
        return fail_usage("a captured root runs no emulator: give --emulator PATH --replay FILE");
    return check_output_path("bundle", o->output) ? DC_EXIT_USAGE : 0;
}

static int collect_bundle_dirs(options *o)
{
    for (size_t i = 0; i < o->bundle_dirs.n; i++) {
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        if (dc_bundle_list_dir(o->bundle_dirs.v[i], &o->bundles, &msg) < 0)
            return fail_usage("%s", msg.message);
    }
    return 0;
}

static int check_place_args(options *o, int argc, char **argv)
{
    o->args = argv + optind;
    o->nargs = argc - optind;
    if (!streq(o->format, "text") && !streq(o->format, "json") && !streq(o->format, "junit"))
        return fail_usage("unknown format '%s' (expected text, json or junit)", o->format);
    if (!o->bundles.n && !o->bundle_dirs.n)
        return fail_usage("place needs the pool: --bundle FILE or --bundle-dir DIR");
    if (!o->nargs)
        return fail_usage("place needs at least one domain XML file; see 'domcaps place --help'");
    int r = collect_bundle_dirs(o);
    if (r)
        return r;
    if (!o->bundles.n)
        return fail_usage("the pool is empty: no *.bundle in %s", o->bundle_dirs.v[0]);
    return 0;
}

static int check_baseline_args(options *o, int argc, char **argv)
{
    static const char *const virttypes[] = {"kvm", "qemu", NULL};
    if (optind < argc)
        return fail_usage("unexpected argument '%s'; see 'domcaps baseline --help'", argv[optind]);
    if (!streq(o->format, "xml") && !streq(o->format, "json"))
        return fail_usage("unknown format '%s' (expected xml or json)", o->format);
    if (o->arch && !dc_arch_known(o->arch))
        return fail_usage("unknown architecture '%s'", o->arch);
    int r = o->virttype ? check_list("virttype", o->virttype, false, virttypes) : 0;
    if (r)
        return r;
    if (!o->bundles.n && !o->bundle_dirs.n)
        return fail_usage("baseline needs the pool: --bundle FILE or --bundle-dir DIR");
    if ((r = collect_bundle_dirs(o)))
        return r;
    if (!o->bundles.n)
        return fail_usage("the pool is empty: no *.bundle in %s", o->bundle_dirs.v[0]);
    return o->host_report && check_output_path("host report", o->host_report) ? DC_EXIT_USAGE
                                                                              : 0;
}

/* probe, host and check answer for one captured host, instead of this one. */
static int check_bundle_use(const options *o)
{
    if (o->bundles.n > 1)
        return fail_usage("'domcaps %s' answers for one host: give one --bundle (place judges "
                          "a pool)",
                          command_names[o->cmd]);
    if (o->sysroot_given || o->replay || o->record || o->caps_files.n || o->all ||
        o->trusted_dirs.n)
        return fail_usage("--bundle holds the host's root and recordings: it takes no --sysroot, "
                          "--replay, --record, --caps, --all or --trust-emulator");
    return 0;
}

/* host and metrics: the emulators to report, live or each with its recording. */
static int check_summary_args(const options *o, int argc, char **argv)
{
    const char *cmd = command_names[o->cmd];
    if (optind < argc)
        return fail_usage("unexpected argument '%s'; see 'domcaps %s --help'", argv[optind], cmd);
    if (o->cmd == CMD_HOST) {
        if (!streq(o->format, "xml") && !streq(o->format, "json") && !streq(o->format, "ansible"))
            return fail_usage("unknown format '%s' (expected xml, json or ansible)", o->format);
        if (!streq(o->format, "ansible") && (o->trusted_emulators.n || o->replays.n ||
                                             o->cache_dir || o->no_cache || o->timeout_given))
            return fail_usage("--emulator, --replay, --cache-dir, --no-cache and --timeout are "
                              "for 'domcaps host --format ansible'");
    } else if (!o->output) {
        return fail_usage("metrics needs --output FILE (- for standard output)");
    }
    if (o->replays.n && o->replays.n != o->trusted_emulators.n)
        return fail_usage("each --replay answers for one --emulator: give them in pairs");
    if (o->bundles.n && (o->trusted_emulators.n || o->replays.n))
        return fail_usage("--bundle holds the host's emulators: it takes no --emulator or --replay");
    return 0;
}

static int check_labels_args(const options *o, int argc, char **argv)
{
    if (optind < argc)
        return fail_usage("unexpected argument '%s'; see 'domcaps labels --help'", argv[optind]);
    if (!streq(o->format, "kubevirt") && !streq(o->format, "nfd"))
        return fail_usage("unknown format '%s' (expected kubevirt or nfd)", o->format);
    if (o->output_dir && !streq(o->format, "nfd"))
        return fail_usage("--output-dir writes a features.d file: use it with --format nfd");
    if (o->min_cpu && !*o->min_cpu)
        return fail_usage("empty --min-cpu");
    if (o->bundles.n && (o->emulator || o->replay || o->sysroot_given))
        return fail_usage("--bundle holds the host's root and recordings: it takes no --emulator, "
                          "--replay or --sysroot");
    if (o->bundles.n > 1)
        return fail_usage("'domcaps labels' labels one host: give one --bundle");
    return 0;
}

/* 0: run; -1: done (help, version); else the exit code. */
static int parse_args(int argc, char **argv, options *o)
{
    struct option longopts[ELEMENTSOF(option_descs) + 1] = {0};
    for (size_t i = 0; i < ELEMENTSOF(option_descs); i++)
        longopts[i] = (struct option){option_descs[i].name,
                                      option_descs[i].arg ? required_argument : no_argument, NULL,
                                      option_descs[i].id};
    *o = (options){.format = "xml", .sysroot = "/", .timeout_ms = 30000};
    o->cmd = command_of(&argc, &argv);
    if (o->cmd == CMD_CHECK || o->cmd == CMD_PLACE || o->cmd == CMD_BUNDLE)
        o->format = "text";
    if (o->cmd == CMD_LABELS) {
        o->format = "kubevirt";
        o->expiry_s = 3600;
    }
    if (o->cmd == CMD_BUNDLE && argc > 1 && argv[1][0] != '-') {
        o->action = argv[1];
        argv++, argc--;
        if (!streq(o->action, "create") && !streq(o->action, "show"))
            return fail_usage("unknown bundle action '%s' (expected create or show)", o->action);
    }
    const char *cmdname = command_names[o->cmd];
    opterr = 0;
    int c;
    /* check, place and bundle take options after their files; the others stop at the first. */
    bool files_first = o->cmd == CMD_CHECK || o->cmd == CMD_PLACE || o->cmd == CMD_BUNDLE;
    while ((c = getopt_long(argc, argv, files_first ? "hVo:" : "+hVo:", longopts, NULL)) != -1) {
        if (c == 'h')
            c = OPT_HELP;
        else if (c == 'V')
            c = OPT_VERSION;
        else if (c == 'o')
            c = OPT_OUTPUT;
        if (c == '?') {
            const option_desc *d = optopt ? option_by_id(optopt) : NULL;
            if (d)
                return fail_usage("option '--%s' needs a value; see 'domcaps %s --help'", d->name,
                                  cmdname);
            if (optopt)
                return fail_usage("unknown option '-%c'; see 'domcaps %s --help'", optopt, cmdname);
            return fail_usage("unknown option '%s'; see 'domcaps %s --help'", argv[optind - 1],
                              cmdname);
        }
        const option_desc *d = option_by_id(c);
        if (!d || !(d->on & (1u << o->cmd)))
            return fail_usage("'domcaps %s' takes no --%s; see 'domcaps %s --help'", cmdname,
                              d ? d->name : "?", cmdname);
        if (c == OPT_VERSION) {
            printf("domcaps %s\n", DC_VERSION);
            return -1;
        }
        if (c == OPT_HELP) {
            print_help(o->cmd);
            return -1;
        }
        int r = parse_option(o, c, optarg);
        if (r)
            return r;
    }
    if (o->cmd == CMD_BUNDLE)
        return check_bundle_args(o, argc, argv);
    if (o->cmd == CMD_PLACE)
        return check_place_args(o, argc, argv);
    if (o->cmd == CMD_BASELINE)
        return check_baseline_args(o, argc, argv);
    if (o->cmd == CMD_LABELS)
        return check_labels_args(o, argc, argv);
    if (o->bundles.n) {
        int r = check_bundle_use(o);
        if (r)
            return r;
    }
    if (o->cmd == CMD_CHECK)
        return check_check_args(o, argc, argv);
    if (o->cmd == CMD_HOST || o->cmd == CMD_METRICS)
        return check_summary_args(o, argc, argv);
    return check_probe_args(o, argc, argv);
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

/* The cache directory in use, or NULL for no cache. */
static char *cache_dir_for(const options *o)
{
    if (o->no_cache)
        return NULL;
    return o->cache_dir ? xstrdup(o->cache_dir) : dc_cache_default_dir();
}

/* Whether an output file (what: "recording", ...) can be written, before any emulator starts. */
static int check_output_path(const char *what, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return fail_usage("cannot write %s %s: %s", what, path, strerror(EISDIR));
    _cleanup_free_ char *copy = xstrdup(path);
    char *slash = strrchr(copy, '/');
    const char *dir = !slash ? "." : slash == copy ? "/" : (*slash = '\0', copy);
    if (access(dir, W_OK | X_OK) < 0)
        return fail_usage("cannot write %s %s: %s", what, path, strerror(errno));
    return 0;
}

static int print_document(char *doc)
{
    document_printed = true;
    int rc = DC_EXIT_OK;
    if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF) {
        report_error("cannot write the document: %s", strerror(errno));
        rc = DC_EXIT_USAGE;
    }
    free(doc);
    return rc;
}

static int load_bundle(const char *file, dc_fleet_host **ret)
{
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_bundle_load(file, ret, &msg) < 0)
        return fail_usage("%s", msg.message);
    return 0;
}

/* The captured host's emulator for --emulator, --arch or the host's own arch. */
static int bundle_emulator(const options *o, dc_fleet_host *h, const dc_qemu_caps **ret)
{
    const char *arch = o->arch ? o->arch : h->arch;
    ssize_t k = o->emulator ? dc_fleet_emulator_by_path(h, o->emulator)
                : arch      ? dc_fleet_find_emulator(h, arch)
                            : -1;
    if (k < 0 && o->emulator)
        return fail_usage("%s: the captured host has no emulator %s", h->name, o->emulator);
    if (k < 0)
        return fail_usage("%s: unable to find any emulator to serve '%s' architecture", h->name,
                          arch ? arch : "its own");
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    if (dc_fleet_host_qemu(h, (size_t)k, ret, &msg) < 0)
        return fail_usage("%s", msg.message);
    return 0;
}

static int run_probe_bundle(const options *o)
{
    dc_fleet_host *h = NULL;
    int rc = load_bundle(o->bundles.v[0], &h);
    const dc_qemu_caps *qc = NULL;
    if (rc || (rc = bundle_emulator(o, h, &qc))) {
        dc_fleet_host_free(h);
        return rc;
    }
    const dc_host *host = dc_fleet_host_probes(h, DC_FLEET_FOR_PROBE);
    dc_request req = {.arch = o->arch, .machine = o->machine, .virttype = o->virttype};
    dc_domcaps *caps = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    print_warnings(&h->diag);
    if (dc_domcaps_derive(qc, host, &req, &caps, &msg) < 0) {
        report_error("%s: %s", h->name, msg.message);
        rc = DC_EXIT_USAGE;
    } else {
        rc = print_document(streq(o->format, "json") ? dc_domcaps_format_json(caps)
                            : o->snapshot            ? dc_domcaps_format_xml_snapshot(caps, qc)
                                                     : dc_domcaps_format_xml(caps));
    }
    dc_domcaps_free(caps);
    dc_fleet_host_free(h);
    return rc;
}

/* The emulator a probe runs: --emulator, or the one in PATH serving --arch (none to replay). */
static int probe_emulator(const options *o, char **ret)
{
    if (o->emulator) {
        if (!o->replay) {
            int rc = check_emulator(o->emulator);
            if (rc)
                return rc;
        }
        *ret = xstrdup(o->emulator);
    } else if (!o->replay) {
        const char *arch = o->arch ? o->arch : dc_arch_host();
        *ret = dc_find_emulator(arch);
        if (!*ret)
            return fail_usage("unable to find any emulator to serve '%s' architecture "
                              "(no qemu-system-%s in PATH)",
                              arch, dc_arch_to_qemu(arch));
    }
    return DC_EXIT_OK;
}

/* Prints the document in the format asked for; the exit status. */
static int print_caps_document(const options *o, const dc_domcaps *caps, const dc_qemu_caps *qc)
{
    _cleanup_free_ char *doc = streq(o->format, "json") ? dc_domcaps_format_json(caps)
                               : o->snapshot ? dc_domcaps_format_xml_snapshot(caps, qc)
                                             : dc_domcaps_format_xml(caps);
    document_printed = true;
    if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF) {
        report_error("cannot write the document: %s", strerror(errno));
        return DC_EXIT_USAGE;
    }
    return DC_EXIT_OK;
}

static int run_probe(const options *o)
{
    if (o->bundles.n)
        return run_probe_bundle(o);
    dc_root *root = NULL;
    int r = dc_root_open(o->sysroot, &root);
    if (r < 0)
        return fail_usage("cannot open sysroot '%s': %s", o->sysroot, strerror(-r));

    int rc = DC_EXIT_OK;
    _cleanup_free_ char *emulator = NULL;
    _cleanup_free_ char *xdg = dc_xdg_config_home();
    _cleanup_free_ char *cache_dir = cache_dir_for(o);
    dc_diag diag = {0};
    dc_host host = {0};
    dc_qemu_caps *qc = NULL;
    dc_domcaps *caps = NULL;
    dc_error msg = DC_ERROR_INIT;

    if ((rc = probe_emulator(o, &emulator)))
        goto out;
    if (o->record && (rc = check_output_path("recording", o->record)))
        goto out;
    dc_probe_opts po = {
        .binary = emulator ? emulator : "qemu",
        .replay = o->replay,
        .record = o->record,
        .timeout_ms = o->timeout_ms,
        .want_tcg_session = true,
    };
    r = dc_probe_cached(&po, root, cache_dir, &diag, &qc, &msg);
    if (r < 0) {
        report_error("%s", msg.message ? msg.message : strerror(-r));
        /* In a replay the recording is the input: whatever it lacks is an input error. */
        rc = o->replay || r == -ENOEXEC || r == -ENOTSUP ? DC_EXIT_USAGE : DC_EXIT_PROBE;
        goto out;
    }
    if (!emulator) {
        /* A replay names no binary: report the one that would serve its target. */
        free(qc->binary);
        qc->binary = xasprintf("/usr/bin/qemu-system-%s", qc->target);
    }

    host.cache_dir = cache_dir;
    dc_host_run_probes(&host, root, xdg, DC_PROBE_FOR_CAPS, &diag);
    dc_request req = {.arch = o->arch, .machine = o->machine, .virttype = o->virttype};
    r = dc_domcaps_derive(qc, &host, &req, &caps, &msg);
    if (r < 0) {
        /* The recording of a probe that printed nothing is no use to anyone. */
        if (o->record)
            unlink(o->record);
        print_warnings(&diag);
        report_error("%s", msg.message);
        rc = DC_EXIT_USAGE;
        goto out;
    }
    print_warnings(&diag);
    rc = print_caps_document(o, caps, qc);
out:
    dc_error_clear(&msg);
    dc_domcaps_free(caps);
    dc_qemu_caps_free(qc);
    dc_host_clear(&host);
    dc_strv_clear(&diag.warnings);
    dc_root_free(root);
    return rc;
}

static int run_host_bundle(const options *o)
{
    dc_fleet_host *h = NULL;
    int rc = load_bundle(o->bundles.v[0], &h);
    if (rc)
        return rc;
    const dc_host *host = dc_fleet_host_probes(h, DC_FLEET_FOR_REPORT);
    rc = print_document(streq(o->format, "json") ? dc_hostinfo_format_json(&host->info)
                                                 : dc_hostinfo_format_xml(&host->info));
    dc_fleet_host_free(h);
    return rc;
}

/* The recorded host --sysroot and the --emulator/--replay pairs describe, or --bundle's. */
static int open_recorded_host(const options *o, dc_fleet_host **ret)
{
    if (o->bundles.n)
        return load_bundle(o->bundles.v[0], ret);
    for (size_t i = 0; i < o->replays.n; i++)
        if (access(o->replays.v[i], R_OK) < 0)
            return fail_usage("cannot read recording '%s': %s", o->replays.v[i], strerror(errno));
    dc_fleet_part *parts = xcalloc(o->replays.n, sizeof(*parts));
    for (size_t i = 0; i < o->replays.n; i++)
        parts[i] = (dc_fleet_part){o->trusted_emulators.v[i], o->replays.v[i]};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int r = dc_fleet_host_open(o->sysroot, o->sysroot, parts, o->replays.n, ret, &msg);
    free(parts);
    return r < 0 ? fail_usage("%s", msg.message) : 0;
}

/* The metrics (or the Ansible facts) of this host, or of the recorded one. */
static int summarize(const options *o, bool metrics, char **ret_text)
{
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    dc_diag diag = {0};
    int r;
    if (o->replays.n || o->bundles.n) {
        dc_fleet_host *h = NULL;
        if ((r = open_recorded_host(o, &h)))
            return r;
        r = metrics ? dc_metrics_for_host(h, &diag, ret_text, &msg)
                    : dc_ansible_for_host(h, &diag, ret_text, &msg);
        dc_fleet_host_free(h);
    } else {
        for (size_t i = 0; i < o->trusted_emulators.n; i++)
            if ((r = check_emulator(o->trusted_emulators.v[i])))
                return r;
        _cleanup_free_ char *cache_dir = cache_dir_for(o);
        dc_survey_opts so = {.sysroot = o->sysroot,
                             .cache_dir = cache_dir,
                             .timeout_ms = o->timeout_ms,
                             .emulators = (const char *const *)o->trusted_emulators.v,
                             .nemulators = o->trusted_emulators.n};
        r = metrics ? dc_metrics_live(&so, &diag, ret_text, &msg)
                    : dc_ansible_live(&so, &diag, ret_text, &msg);
    }
    print_warnings(&diag);
    dc_strv_clear(&diag.warnings);
    if (r < 0)
        return fail_usage("%s", msg.message ? msg.message : strerror(-r));
    return 0;
}

static int run_metrics(const options *o)
{
    bool to_stdout = streq(o->output, "-");
    int rc = to_stdout ? 0 : check_output_path("metrics file", o->output);
    _cleanup_free_ char *text = NULL;
    if (rc || (rc = summarize(o, true, &text)))
        return rc;
    if (to_stdout)
        return print_document(TAKE_PTR(text));
    /* Never a torn file: the collector may read it at any moment. */
    document_printed = true;
    int r = dc_write_file_atomic(o->output, text, strlen(text));
    if (r < 0) {
        report_error("cannot write metrics file %s: %s", o->output, strerror(-r));
        return DC_EXIT_USAGE;
    }
    return DC_EXIT_OK;
}

static int run_host_ansible(const options *o)
{
    char *text = NULL;
    int rc = summarize(o, false, &text);
    return rc ? rc : print_document(text);
}

static int run_host(const options *o)
{
    if (streq(o->format, "ansible"))
        return run_host_ansible(o);
    if (o->bundles.n)
        return run_host_bundle(o);
    dc_root *root = NULL;
    int r = dc_root_open(o->sysroot, &root);
    if (r < 0)
        return fail_usage("cannot open sysroot '%s': %s", o->sysroot, strerror(-r));
    dc_host host = {0};
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_INVENTORY, NULL);
    char *doc = streq(o->format, "json") ? dc_hostinfo_format_json(&host.info)
                                         : dc_hostinfo_format_xml(&host.info);
    int rc = DC_EXIT_OK;
    document_printed = true;
    if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF) {
        report_error("cannot write the report: %s", strerror(errno));
        rc = DC_EXIT_USAGE;
    }
    free(doc);
    dc_host_clear(&host);
    dc_root_free(root);
    return rc;
}

/* "-" and /dev/stdin (a pipe, a terminal) are read here: the checker reads regular files. */
static void check_one(dc_check_env *env, const char *path, dc_check_result *ret)
{
    struct stat st;
    bool from_stdin = streq(path, "-") || (streq(path, "/dev/stdin") &&
                                           (fstat(STDIN_FILENO, &st) < 0 || !S_ISREG(st.st_mode)));
    if (!from_stdin) {
        dc_check_domain(env, path, NULL, 0, ret);
        return;
    }
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = dc_read_fd(STDIN_FILENO, 64u << 20, &text, &len);
    if (r < 0) {
        *ret = (dc_check_result){.file = xstrdup(path),
                                 .input_error =
                                     xasprintf("cannot read %s (standard input): %s", path,
                                               r == -EFBIG ? "larger than 64 MiB" : strerror(-r))};
        return;
    }
    dc_check_domain(env, path, text ? text : "", len, ret);
}

/* Checks every domain, prints the findings in the format asked for; the exit status. */
static int check_and_print(const options *o, dc_check_env *env)
{
    dc_check_result *results = xcalloc((size_t)o->ndomains, sizeof(dc_check_result));
    double *seconds = xcalloc((size_t)o->ndomains, sizeof(double));
    bool errors = false, input_errors = false;
    time_t started = time(NULL);
    for (int i = 0; i < o->ndomains; i++) {
        long long t0 = dc_now_ms();
        check_one(env, o->domains[i], &results[i]);
        seconds[i] = (double)(dc_now_ms() - t0) / 1000.0;
        if (results[i].input_error)
            input_errors = true;
        for (size_t j = 0; j < results[i].nfindings; j++)
            if (results[i].findings[j].severity == DC_SEVERITY_ERROR)
                errors = true;
    }
    char hostname[256] = "";
    if (gethostname(hostname, sizeof(hostname) - 1) < 0)
        hostname[0] = '\0';
    dc_junit_meta meta = {.timestamp = started, .hostname = hostname, .seconds = seconds};
    char *out = streq(o->format, "json") ? dc_check_format_json(results, (size_t)o->ndomains)
                : streq(o->format, "junit")
                    ? dc_check_format_junit(results, (size_t)o->ndomains, &meta)
                    : dc_check_format_text(results, (size_t)o->ndomains);
    document_printed = true;
    fputs(out, stdout);
    fflush(stdout);
    free(out);
    for (int i = 0; i < o->ndomains; i++) {
        if (results[i].input_error && !streq(o->format, "text"))
            report_error("%s", results[i].input_error);
        dc_check_result_clear(&results[i]);
    }
    free(results);
    free(seconds);
    return env->probe_failed ? DC_EXIT_PROBE
         : input_errors   ? DC_EXIT_USAGE
         : errors         ? DC_EXIT_FINDINGS
                          : DC_EXIT_OK;
}

static int run_check(const options *o)
{
    dc_check_env env = {.live = o->caps_files.n == 0,
                        .timeout_ms = o->timeout_ms,
                        .trusted_emulators = o->trusted_emulators,
                        .trusted_dirs = o->trusted_dirs};
    dc_root *root = NULL;
    _cleanup_free_ char *cache_dir = cache_dir_for(o);
    dc_host host = {0};
    int rc = DC_EXIT_OK;
    dc_fleet_host *bundle = NULL;

    if (o->bundles.n) {
        if ((rc = load_bundle(o->bundles.v[0], &bundle)))
            return rc;
        dc_fleet_check_env_init(bundle, &env);
    } else if (env.live) {
        int r = dc_root_open(o->sysroot, &root);
        if (r < 0)
            return fail_usage("cannot open sysroot '%s': %s", o->sysroot, strerror(-r));
        _cleanup_free_ char *xdg = dc_xdg_config_home();
        host.cache_dir = cache_dir;
        host.skip_names = true;
        dc_host_run_probes(&host, root, xdg, DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY, NULL);
        env.host = &host;
        env.root = root;
        env.cache_dir = cache_dir;
    } else {
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        if (dc_check_env_load_offline(&env, &o->caps_files, o->host_file, &msg) < 0) {
            rc = fail_usage("%s", msg.message);
            goto out;
        }
    }

    rc = check_and_print(o, &env);
out:
    dc_check_env_clear(&env);
    dc_host_clear(&host);
    dc_root_free(root);
    dc_fleet_host_free(bundle);
    return rc;
}

/* The command line of the probe --all worker for one emulator: this binary, this run's options. */
static void worker_argv(const options *o, const char *self, const char *emulator,
                        const char *machine, const char *virttype, dc_strv *ret)
{
    dc_strv_add(ret, self);
    dc_strv_add(ret, "probe");
    dc_strv_add(ret, "--emulator");
    dc_strv_add(ret, emulator);
    const struct {
        const char *name, *value;
    } pass[] = {{"--machine", *machine ? machine : NULL},
                {"--virttype", *virttype ? virttype : NULL},
                {"--format", o->format},
                {"--sysroot", o->sysroot},
                {"--cache-dir", o->cache_dir}};
    for (size_t i = 0; i < ELEMENTSOF(pass); i++)
        if (pass[i].value) {
            dc_strv_add(ret, pass[i].name);
            dc_strv_add(ret, pass[i].value);
        }
    dc_strv_add(ret, "--timeout");
    dc_strv_add_take(ret, xasprintf("%d.%03d", o->timeout_ms / 1000, o->timeout_ms % 1000));
    if (o->snapshot)
        dc_strv_add(ret, "--snapshot");
    if (o->no_cache)
        dc_strv_add(ret, "--no-cache");
}

/*
 * How long one worker may take: its probe's own limit (4x the timeout) plus
 * the host probes; past it the worker and whatever it started are killed.
 */
static long long worker_limit_ms(const options *o) { return 4LL * o->timeout_ms + 30000; }

/* What probe --all says as each worker ends: why it failed, and its progress on a terminal. */
typedef struct all_progress {
    const dc_job *jobs;
    const dc_strv *emus;
    bool tty;
} all_progress;

static void worker_finished(void *ctx, const dc_job *job, size_t ndone, size_t total)
{
    const all_progress *p = ctx;
    const char *emulator = p->emus->v[job - p->jobs];
    if (job->error) {
        fprintf(stderr, "domcaps: %s: %s\n", emulator, job->error);
        return;
    }
    if (job->timed_out)
        fprintf(stderr, "domcaps: %s: probing did not finish in time and was stopped\n", emulator);
    if (p->tty)
        fprintf(stderr, "\rdomcaps: probed %zu of %zu", ndone, total);
}

/* This binary by its path, for the workers. */
static void self_path(char *self, size_t size)
{
    /*
     * A program running domcaps under it (valgrind) answers for /proc/self/exe
     * too. A replaced binary still runs as itself.
     */
    ssize_t selflen = readlink("/proc/self/exe", self, size - 1);
    if (selflen > 0)
        self[selflen] = '\0';
    if (selflen <= 0 || self[0] != '/' || endswith(self, " (deleted)"))
        snprintf(self, size, "/proc/self/exe");
}

/* The documents of the workers in name order, a comment (XML) for each that failed. */
static int print_all(const options *o, const dc_job *jobs, const dc_strv *emus,
                     const dc_strv *jmachine, const dc_strv *jvirttype)
{
    int rc = DC_EXIT_OK;
    bool json = streq(o->format, "json");
    printf(json ? "[\n" : "<domainCapabilitiesList>\n");
    bool first = true;
    for (size_t i = 0; i < emus->n; i++) {
        int status = jobs[i].exit_code < 0 ? DC_EXIT_PROBE : jobs[i].exit_code;
        if (status != DC_EXIT_OK) {
            /* An emulator for an architecture libvirt has no name for is skipped, not failed. */
            if (status != DC_EXIT_USAGE)
                rc = DC_EXIT_PROBE;
            if (!json)
                printf("<!-- %s%s%s%s%s: %s, see the messages on stderr -->\n", emus->v[i],
                       *jmachine->v[i] ? " --machine " : "", jmachine->v[i],
                       *jvirttype->v[i] ? " --virttype " : "", jvirttype->v[i],
                       status == DC_EXIT_USAGE ? "skipped" : "probing failed");
        } else if (jobs[i].out.len) {
            if (json && !first)
                printf(",\n");
            fwrite(jobs[i].out.s, 1, jobs[i].out.len, stdout);
            first = false;
        }
    }
    printf(json ? "]\n" : "</domainCapabilitiesList>\n");
    return rc;
}

/*
 * probe --all: one worker process per emulator, machine and virttype (this
 * binary), run by the job runner at most one per CPU at a time, each writing
 * its document into a pipe; printed in name order once all are done.
 */
static int run_probe_all(const options *o)
{
    _cleanup_strv_ dc_strv bins = {0}, emus = {0}, machines = {0}, virttypes = {0};
    dc_list_emulators(&bins);
    if (!bins.n)
        return fail_usage("no qemu-system-* emulator in PATH");
    /* One job per emulator, machine and virttype ("": the default). */
    _cleanup_strv_ dc_strv jmachine = {0}, jvirttype = {0};
    split_commas(&machines, o->machine ? o->machine : "");
    split_commas(&virttypes, o->virttype ? o->virttype : "");
    for (size_t b = 0; b < bins.n; b++)
        for (size_t m = 0; m < machines.n; m++)
            for (size_t v = 0; v < virttypes.n; v++) {
                dc_strv_add(&emus, bins.v[b]);
                dc_strv_add(&jmachine, machines.v[m]);
                dc_strv_add(&jvirttype, virttypes.v[v]);
            }
    char self[PATH_MAX];
    self_path(self, sizeof(self));
    dc_job *jobs = xcalloc(emus.n, sizeof(dc_job));
    dc_strv *argvs = xcalloc(emus.n, sizeof(dc_strv));
    for (size_t i = 0; i < emus.n; i++) {
        worker_argv(o, self, emus.v[i], jmachine.v[i], jvirttype.v[i], &argvs[i]);
        /*
         * Longest first: emulators for this host's own arch run a second (TCG)
         * session and take the longest, so starting them last would leave one
         * CPU busy alone at the end.
         */
        const char *base = strrchr(emus.v[i], '/');
        const char *arch = dc_arch_from_qemu(base ? base + strlen("/qemu-system-") : "");
        jobs[i] = (dc_job){.argv = (const char *const *)argvs[i].v,
                           .weight = arch && dc_arch_is_native(arch) ? 2 : 1};
    }
    all_progress progress = {.jobs = jobs, .emus = &emus, .tty = isatty(STDERR_FILENO)};
    dc_jobs_opts jo = {.limit_ms = worker_limit_ms(o),
                       .stderr_fd = STDERR_FILENO,
                       .finished = worker_finished,
                       .ctx = &progress};
    fflush(stdout);
    fflush(stderr);
    dc_jobs_run(jobs, emus.n, &jo);
    bool any_done = false;
    for (size_t i = 0; i < emus.n; i++)
        any_done |= !jobs[i].error;
    if (progress.tty && any_done)
        fputs("\r\033[K", stderr);
    int rc = print_all(o, jobs, &emus, &jmachine, &jvirttype);
    document_printed = true;
    for (size_t i = 0; i < emus.n; i++) {
        dc_job_clear(&jobs[i]);
        dc_strv_clear(&argvs[i]);
    }
    free(jobs);
    free(argvs);
    return rc;
}

/* Prints what dc_cache_explain says of one entry. */
static void explain_entry(const char *path, const dc_root *root)
{
    dc_cache_explanation e = {0};
    dc_cache_explain(path, root, &e);
    printf("%s\n", e.path);
    if (e.verdict == DC_CACHE_UNREADABLE || e.verdict == DC_CACHE_UNPARSABLE) {
        if (e.verdict == DC_CACHE_UNREADABLE)
            printf("  unreadable: %s\n\n", e.why);
        else
            printf("  corrupt: %s (it will be discarded and re-probed)\n\n", e.why);
        dc_cache_explanation_clear(&e);
        return;
    }
    printf("  emulator: %s (QEMU %d.%d.%d, %s)\n", e.emulator, e.version_major, e.version_minor,
           e.version_micro, e.arch);
    for (size_t i = 0; i < e.ninputs; i++) {
        const dc_cache_input *in = &e.inputs[i];
        printf("  %-12s %s%s%s\n", in->name, in->stored, in->holds ? "" : "  CHANGED, now: ",
               in->holds     ? ""
               : in->current ? in->current
                             : "(gone)");
    }
    if (e.verdict == DC_CACHE_UNEXAMINABLE)
        printf("  status: stale: %s cannot be examined now\n\n", e.emulator);
    else if (e.verdict == DC_CACHE_CHANGED)
        printf("  status: stale: %zu input%s changed; the next probe re-probes\n\n", e.nchanged,
               e.nchanged == 1 ? "" : "s");
    else
        printf("  status: valid\n\n");
    dc_cache_explanation_clear(&e);
}

static int run_cache(const options *o)
{
    _cleanup_free_ char *dir = o->cache_dir ? xstrdup(o->cache_dir) : dc_cache_default_dir();
    if (!dir)
        return fail_usage("no cache directory: set XDG_CACHE_HOME or HOME, or give --cache-dir");
    dc_root *root = NULL;
    int r = dc_root_open(o->sysroot, &root);
    if (r < 0)
        return fail_usage("cannot open sysroot '%s': %s", o->sysroot, strerror(-r));
    printf("cache directory: %s\n\n", dir);
    if (o->emulator) {
        _cleanup_free_ char *path = dc_cache_entry_path(dir, o->emulator, root);
        if (access(path, F_OK) < 0)
            printf("%s\n  no entry for %s\n", path, o->emulator);
        else
            explain_entry(path, root);
    } else {
        _cleanup_closedir_ DIR *d = opendir(dir);
        dc_strv names = {0};
        for (struct dirent *de; d && (de = readdir(d));)
            if (endswith(de->d_name, ".caps"))
                dc_strv_add_take(&names, xasprintf("%s/%s", dir, de->d_name));
        dc_strv_sort(&names);
        if (!names.n)
            printf("no entries\n");
        for (size_t i = 0; i < names.n; i++)
            explain_entry(names.v[i], root);
        dc_strv_clear(&names);
    }
    dc_root_free(root);
    return DC_EXIT_OK;
}

static int load_pool(const options *o, dc_fleet_host ***ret, size_t *ret_n,
                     dc_fleet_replays *replays)
{
    dc_fleet_host **hosts = xcalloc(o->bundles.n, sizeof(*hosts));
    size_t n = 0;
    int rc = DC_EXIT_OK;
    for (size_t i = 0; i < o->bundles.n && !rc; i++)
        if (!(rc = load_bundle(o->bundles.v[i], &hosts[n])))
            hosts[n++]->replays = replays;
    *ret = hosts;
    *ret_n = n;
    return rc;
}

static void free_pool(dc_fleet_host **hosts, size_t n, dc_fleet_replays *replays)
{
    for (size_t i = 0; i < n; i++)
        dc_fleet_host_free(hosts[i]);
    dc_fleet_replays_clear(replays);
    free(hosts);
}

static int run_bundle(const options *o)
{
    if (streq(o->action, "show")) {
        dc_fleet_host *h = NULL;
        int rc = load_bundle(o->args[0], &h);
        if (rc)
            return rc;
        rc = print_document(dc_bundle_describe(h, streq(o->format, "json")));
        dc_fleet_host_free(h);
        return rc;
    }
    _cleanup_free_ char *xdg = o->sysroot_given ? NULL : dc_xdg_config_home();
    dc_bundle_create_opts bo = {
        .output = o->output,
        .sysroot = o->sysroot_given ? o->sysroot : NULL,
        .emulators = (const char *const *)o->trusted_emulators.v,
        .nemulators = o->trusted_emulators.n,
        .replays = o->replays.n ? (const char *const *)o->replays.v : NULL,
        .timeout_ms = o->timeout_ms,
        .xdg_config_home = xdg,
    };
    dc_diag diag = {0};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    int r = dc_bundle_create(&bo, &diag, &msg);
    print_warnings(&diag);
    dc_strv_clear(&diag.warnings);
    if (r < 0) {
        report_error("%s", msg.message);
        return r == -ENOENT ? DC_EXIT_PROBE : DC_EXIT_USAGE;
    }
    return DC_EXIT_OK;
}

static int run_place(const options *o)
{
    dc_fleet_host **hosts = NULL;
    dc_fleet_replays replays = {0};
    size_t n = 0;
    int rc = load_pool(o, &hosts, &n, &replays);
    if (!rc) {
        time_t started = time(NULL);
        dc_place_result res;
        dc_place(hosts, n, (const char *const *)o->args, (size_t)o->nargs, &res);
        char hostname[256] = "";
        if (gethostname(hostname, sizeof(hostname) - 1) < 0)
            hostname[0] = '\0';
        rc = print_document(dc_place_format(&res, o->format, started, hostname));
        if (!rc)
            rc = dc_place_input_errors(&res) ? DC_EXIT_USAGE
                 : dc_place_homeless(&res)   ? DC_EXIT_FINDINGS
                                             : DC_EXIT_OK;
        dc_place_result_clear(&res);
    }
    free_pool(hosts, n, &replays);
    return rc;
}

static int run_baseline(const options *o)
{
    dc_fleet_host **hosts = NULL;
    dc_fleet_replays replays = {0};
    size_t n = 0;
    int rc = load_pool(o, &hosts, &n, &replays);
    dc_fleet_baseline_result *b = NULL;
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    dc_request req = {.arch = o->arch, .machine = o->machine, .virttype = o->virttype};
    if (!rc && dc_fleet_baseline(hosts, n, &req, &b, &msg) < 0)
        rc = fail_usage("%s", msg.message);
    if (!rc && o->host_report) {
        _cleanup_free_ char *doc = dc_fleet_baseline_format_host(b, false);
        int r = dc_write_file_atomic(o->host_report, doc, strlen(doc));
        if (r < 0)
            rc = fail_usage("cannot write %s: %s", o->host_report, strerror(-r));
    }
    if (!rc) {
        for (char **l = b->limits; l && *l; l++)
            fprintf(stderr, "domcaps: warning: %s\n", *l);
        rc = print_document(dc_fleet_baseline_format(b, streq(o->format, "json")));
    }
    dc_fleet_baseline_free(b);
    free_pool(hosts, n, &replays);
    return rc;
}

static void print_label_warnings(const dc_diag *d, const dc_strv *w)
{
    print_warnings(d);
    for (size_t i = 0; i < w->n; i++)
        fprintf(stderr, "domcaps: warning: %s\n", w->v[i]);
}

/* The features.d file, or the labels on stdout. */
static int emit_labels(const options *o, const dc_strv *keys, const dc_strv *values)
{
    bool nfd = streq(o->format, "nfd");
    time_t expiry = nfd && o->expiry_s ? time(NULL) + (time_t)o->expiry_s : 0;
    _cleanup_free_ char *text = nfd ? dc_labels_format_nfd(keys, values, expiry)
                                    : dc_labels_format_kubevirt(keys, values);
    if (o->output_dir) {
        _cleanup_error_ dc_error msg = DC_ERROR_INIT;
        if (dc_labels_write_nfd(o->output_dir, text, &msg) < 0)
            return fail_usage("%s", msg.message);
        return DC_EXIT_OK;
    }
    document_printed = true;
    if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
        report_error("cannot write the labels: %s", strerror(errno));
        return DC_EXIT_USAGE;
    }
    return DC_EXIT_OK;
}

static int check_output_dir(const char *dir)
{
    /* Before probing: a directory it cannot write to makes the run pointless. */
    struct stat st;
    int e = stat(dir, &st) < 0              ? errno
            : !S_ISDIR(st.st_mode)          ? ENOTDIR
            : access(dir, W_OK | X_OK) < 0  ? errno
                                            : 0;
    return e ? fail_usage("cannot write into --output-dir '%s': %s", dir, strerror(e)) : 0;
}

static int run_labels(const options *o)
{
    int rc = o->emulator && !o->replay ? check_emulator(o->emulator) : 0;
    if (!rc && o->output_dir)
        rc = check_output_dir(o->output_dir);
    if (rc)
        return rc;
    _cleanup_free_ char *cache_dir = cache_dir_for(o);
    _cleanup_strv_ dc_strv obsolete = {0}, warnings = {0}, keys = {0}, values = {0};
    if (o->obsolete_cpus && *o->obsolete_cpus)
        split_commas(&obsolete, o->obsolete_cpus);
    dc_labels_opts lo = {.obsolete_cpus = o->obsolete_cpus ? &obsolete : NULL,
                         .min_cpu = o->min_cpu,
                         .warnings = &warnings};
    dc_labels_source src = {.emulator = o->emulator,
                            .replay = o->replay,
                            .sysroot = o->sysroot,
                            .cache_dir = cache_dir,
                            .timeout_ms = o->timeout_ms};
    dc_diag diag = {0};
    _cleanup_error_ dc_error msg = DC_ERROR_INIT;
    dc_fleet_host *h = NULL;
    int r;
    if (o->bundles.n) {
        if ((rc = load_bundle(o->bundles.v[0], &h)))
            return rc;
        r = dc_labels_for_fleet_host(h, &lo, &keys, &values, &msg);
        print_label_warnings(&h->diag, &warnings);
        dc_fleet_host_free(h);
    } else {
        r = dc_labels_for_source(&src, &lo, &diag, &keys, &values, &msg);
        print_label_warnings(&diag, &warnings);
        dc_strv_clear(&diag.warnings);
    }
    if (r < 0) {
        report_error("%s", msg.message ? msg.message : strerror(-r));
        return r == -EIO ? DC_EXIT_PROBE : DC_EXIT_USAGE;
    }
    return emit_labels(o, &keys, &values);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    json_errors = wants_json(argc, argv);
    options o;
    int r = parse_args(argc, argv, &o);
    if (r != 0) {
        dc_strv_clear(&o.caps_files);
        dc_strv_clear(&o.trusted_emulators);
        dc_strv_clear(&o.trusted_dirs);
        dc_strv_clear(&o.bundles);
        dc_strv_clear(&o.bundle_dirs);
        dc_strv_clear(&o.replays);
        if (r > 0 && json_errors)
            print_error_document(r);
        dc_strv_clear(&error_messages);
        return r < 0 ? DC_EXIT_OK : r;
    }
    switch (o.cmd) {
    case CMD_HOST:
        r = run_host(&o);
        break;
    case CMD_CHECK:
        r = run_check(&o);
        break;
    case CMD_CACHE:
        r = run_cache(&o);
        break;
    case CMD_BUNDLE:
        r = run_bundle(&o);
        break;
    case CMD_PLACE:
        r = run_place(&o);
        break;
    case CMD_BASELINE:
        r = run_baseline(&o);
        break;
    case CMD_LABELS:
        r = run_labels(&o);
        break;
    case CMD_METRICS:
        r = run_metrics(&o);
        break;
    case CMD_PROBE:
    case _CMD_MAX:
        r = o.all ? run_probe_all(&o) : run_probe(&o);
        break;
    }
    dc_strv_clear(&o.caps_files);
    dc_strv_clear(&o.trusted_emulators);
    dc_strv_clear(&o.trusted_dirs);
    dc_strv_clear(&o.bundles);
    dc_strv_clear(&o.bundle_dirs);
    dc_strv_clear(&o.replays);
    if (r != DC_EXIT_OK && json_errors && !document_printed)
        print_error_document(r);
    dc_strv_clear(&error_messages);
    return r;
}
