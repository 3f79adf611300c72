/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>

#include "arch.h"
#include "cache.h"
#include "check.h"
#include "check_format.h"
#include "derive.h"
#include "domcaps/domcaps.h"
#include "host.h"
#include "qemu_probe.h"
#include "spawn.h"

#include <sys/wait.h>

static const char usage_text[] =
    "Usage: domcaps [probe] [OPTIONS]\n"
    "       domcaps host [--format xml|json] [--sysroot DIR]\n"
    "       domcaps check [--caps FILE]... [--host FILE] [--format text|json|junit] DOMAIN.xml...\n"
    "       domcaps check [--emulator PATH]... [--trust-emulator DIR]... DOMAIN.xml...\n"
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
    "  --snapshot           add the extension element `domcaps check --caps` uses\n"
    "  --version            print the version and exit\n"
    "  --help               print this help and exit\n"
    "\n"
    "check judges libvirt domain XML against the live host (default) or against\n"
    "saved documents: --caps (domcaps --snapshot output, repeatable) and --host\n"
    "(domcaps host output). Live, a domain's <emulator> is run only when it is a\n"
    "qemu-system-* binary on PATH, /usr/libexec/qemu-kvm, named with --emulator\n"
    "or inside a --trust-emulator DIR; any other is judged from the cache or not\n"
    "at all (a warning says so).\n"
    "\n"
    "Exit status: 0 success (check: every domain can run), 1 check found errors,\n"
    "2 usage or input error, 3 probing failed.\n";

typedef enum command {
    CMD_PROBE,
    CMD_HOST,
    CMD_CHECK,
    CMD_CACHE,
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
    };
    static const struct option longopts[] = {
        {"emulator", required_argument, NULL, OPT_EMULATOR},
        {"trust-emulator", required_argument, NULL, OPT_TRUST_EMULATOR},
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
        {"snapshot", no_argument, NULL, OPT_SNAPSHOT},
        {"caps", required_argument, NULL, OPT_CAPS},
        {"host", required_argument, NULL, OPT_HOST},
        {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"all", no_argument, NULL, OPT_ALL},
        {0},
    };
    *o = (options){.format = "xml", .sysroot = "/", .timeout_ms = 30000};
    if (argc > 1 && streq(argv[1], "host")) {
        o->cmd = CMD_HOST;
        argv++, argc--;
    } else if (argc > 1 && streq(argv[1], "cache")) {
        o->cmd = CMD_CACHE;
        argv++, argc--;
    } else if (argc > 1 && streq(argv[1], "check")) {
        o->cmd = CMD_CHECK;
        o->format = "text";
        argv++, argc--;
    } else if (argc > 1 && streq(argv[1], "probe")) {
        argv++, argc--;
    }
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, o->cmd == CMD_CHECK ? "" : "+", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_EMULATOR:
            o->emulator = optarg;
            dc_strv_add(&o->trusted_emulators, optarg);
            break;
        case OPT_TRUST_EMULATOR:
            if (o->cmd != CMD_CHECK)
                return fail_usage("--trust-emulator is an option of 'domcaps check'");
            dc_strv_add(&o->trusted_dirs, optarg);
            break;
        case OPT_ARCH:
            o->arch = optarg;
            break;
        case OPT_MACHINE:
            o->machine = optarg;
            break;
        case OPT_VIRTTYPE:
            o->virttype = optarg;
            break;
        case OPT_FORMAT:
            o->format = optarg;
            break;
        case OPT_RECORD:
            o->record = optarg;
            break;
        case OPT_REPLAY:
            o->replay = optarg;
            break;
        case OPT_SYSROOT:
            o->sysroot = optarg;
            break;
        case OPT_SNAPSHOT:
            o->snapshot = true;
            break;
        case OPT_CAPS:
            dc_strv_add(&o->caps_files, optarg);
            break;
        case OPT_HOST:
            o->host_file = optarg;
            break;
        case OPT_CACHE_DIR:
            o->cache_dir = optarg;
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
            double s = strtod(optarg, &end);
            if (*end || !(s > 0) || s > 3600)
                return fail_usage("invalid --timeout '%s': expected seconds between 0 and 3600",
                                  optarg);
            o->timeout_ms = (int)(s * 1000);
            break;
        }
        case OPT_VERSION:
            printf("domcaps %s\n", DC_VERSION);
            return -1;
        case OPT_HELP:
            fputs(usage_text, stdout);
            return -1;
        case '?':
        default:
            if (optopt)
                return fail_usage("option '%s' needs a value; see --help", argv[optind - 1]);
            return fail_usage("unknown option '%s'; see --help", argv[optind - 1]);
        }
    }
    if (o->cmd == CMD_CHECK) {
        o->domains = argv + optind;
        o->ndomains = argc - optind;
        if (!o->ndomains)
            return fail_usage("check needs at least one domain XML file; see --help");
        if (!streq(o->format, "text") && !streq(o->format, "json") && !streq(o->format, "junit"))
            return fail_usage("unknown format '%s' (expected text, json or junit)", o->format);
        if (o->host_file && !o->caps_files.n)
            return fail_usage("--host is for offline checks: give --caps too");
        return 0;
    }
    if (o->caps_files.n || o->host_file)
        return fail_usage("--caps and --host are options of 'domcaps check'");
    if (o->cmd == CMD_CACHE && !o->explain)
        return fail_usage("'domcaps cache' needs --explain");
    if (o->explain && o->cmd != CMD_CACHE)
        return fail_usage("--explain is an option of 'domcaps cache'");
    if (o->all && (o->emulator || o->arch || o->replay || o->record))
        return fail_usage("--all probes every qemu-system-* in PATH: it takes no --emulator, "
                          "--arch, --replay or --record");
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
    if (o->snapshot && !streq(o->format, "xml"))
        return fail_usage("--snapshot extends the XML document: use it with --format xml");
    if (o->cmd == CMD_HOST &&
        (o->emulator || o->arch || o->machine || o->virttype || o->record || o->replay))
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

/* The cache directory in use, or NULL for no cache. */
static char *cache_dir_for(const options *o)
{
    if (o->no_cache)
        return NULL;
    return o->cache_dir ? xstrdup(o->cache_dir) : dc_cache_default_dir();
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
    _cleanup_free_ char *cache_dir = cache_dir_for(o);
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
                            "(no qemu-system-%s in PATH)",
                            arch, dc_arch_to_qemu(arch));
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
    r = dc_probe_cached(&po, root, cache_dir, &diag, &qc, &msg);
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

    host.cache_dir = cache_dir;
    dc_host_run_probes(&host, root, xdg, DC_PROBE_FOR_CAPS, &diag);
    dc_request req = {.arch = o->arch, .machine = o->machine, .virttype = o->virttype};
    r = dc_domcaps_derive(qc, &host, &req, &caps, &msg);
    if (r < 0) {
        print_warnings(&diag);
        fprintf(stderr, "domcaps: %s\n", msg);
        rc = DC_EXIT_USAGE;
        goto out;
    }
    print_warnings(&diag);
    char *doc =
        streq(o->format, "json") ? dc_domcaps_format_json(caps) : dc_domcaps_format_xml(caps);
    if (o->snapshot) {
        /* The extension goes last, inside the root element. */
        _cleanup_free_ char *ext = dc_snapshot_format_extension(qc, streq(caps->domain, "kvm"));
        size_t cut = strlen(doc) - strlen("</domainCapabilities>\n");
        char *full = xasprintf("%.*s%s</domainCapabilities>\n", (int)cut, doc, ext);
        free(doc);
        doc = full;
    }
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
    dc_host_run_probes(&host, root, NULL, DC_PROBE_FOR_INVENTORY, NULL);
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
    char *msg = NULL;

    if (env.live) {
        int r = dc_root_open(o->sysroot, &root);
        if (r < 0)
            return fail_usage("cannot open sysroot '%s': %s", o->sysroot, strerror(-r));
        _cleanup_free_ char *xdg = xdg_config_home();
        host.cache_dir = cache_dir;
        host.skip_names = true;
        dc_host_run_probes(&host, root, xdg, DC_PROBE_FOR_CAPS | DC_PROBE_FOR_INVENTORY, NULL);
        env.host = &host;
        env.root = root;
        env.cache_dir = cache_dir;
    } else {
        env.snapshots = xcalloc(o->caps_files.n, sizeof(dc_snapshot));
        for (size_t i = 0; i < o->caps_files.n; i++) {
            if (dc_snapshot_load(o->caps_files.v[i], &env.snapshots[env.nsnapshots], &msg) < 0) {
                rc = fail_usage("unusable capabilities snapshot: %s", msg);
                goto out;
            }
            env.nsnapshots++;
        }
        if (o->host_file) {
            env.host_report = xcalloc(1, sizeof(dc_hostinfo));
            if (dc_hostinfo_load(o->host_file, env.host_report, &msg) < 0) {
                rc = fail_usage("unusable host report: %s", msg);
                goto out;
            }
        }
    }

    dc_check_result *results = xcalloc((size_t)o->ndomains, sizeof(dc_check_result));
    bool errors = false, input_errors = false;
    for (int i = 0; i < o->ndomains; i++) {
        dc_check_domain(&env, o->domains[i], NULL, 0, &results[i]);
        if (results[i].input_error)
            input_errors = true;
        for (size_t j = 0; j < results[i].nfindings; j++)
            if (results[i].findings[j].severity == DC_SEVERITY_ERROR)
                errors = true;
    }
    char *out = streq(o->format, "json")    ? dc_check_format_json(results, (size_t)o->ndomains)
                : streq(o->format, "junit") ? dc_check_format_junit(results, (size_t)o->ndomains)
                                            : dc_check_format_text(results, (size_t)o->ndomains);
    fputs(out, stdout);
    fflush(stdout);
    free(out);
    for (int i = 0; i < o->ndomains; i++) {
        if (results[i].input_error && !streq(o->format, "text"))
            fprintf(stderr, "domcaps: %s\n", results[i].input_error);
        dc_check_result_clear(&results[i]);
    }
    free(results);
    rc = env.probe_failed ? DC_EXIT_PROBE
         : input_errors   ? DC_EXIT_USAGE
         : errors         ? DC_EXIT_FINDINGS
                          : DC_EXIT_OK;
out:
    free(msg);
    for (size_t i = 0; i < env.nsnapshots; i++)
        dc_snapshot_clear(&env.snapshots[i]);
    free(env.snapshots);
    if (env.host_report) {
        dc_hostinfo_clear(env.host_report);
        free(env.host_report);
    }
    for (size_t i = 0; i < env.nprobed; i++)
        dc_qemu_caps_free(env.probed[i]);
    free(env.probed);
    dc_host_clear(&host);
    dc_root_free(root);
    return rc;
}

/* Every qemu-system-* in PATH, first occurrence of each name, sorted by name. */
static void list_emulators(dc_strv *ret)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    dc_strv seen = {0};
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        _cleanup_free_ char *dir = xstrndup(p, n);
        _cleanup_closedir_ DIR *d = n ? opendir(dir) : NULL;
        for (struct dirent *de; d && (de = readdir(d));) {
            if (!startswith(de->d_name, "qemu-system-") || dc_strv_contains(&seen, de->d_name))
                continue;
            _cleanup_free_ char *full = xasprintf("%s/%s", dir, de->d_name);
            struct stat st;
            if (stat(full, &st) < 0 || !S_ISREG(st.st_mode) || access(full, X_OK) < 0)
                continue;
            dc_strv_add(&seen, de->d_name);
            dc_strv_add(ret, full);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    dc_strv_sort(ret);
    dc_strv_clear(&seen);
}

/* The command line of the probe --all worker for one emulator: this binary, this run's options. */
static void worker_argv(const options *o, const char *self, const char *emulator, dc_strv *ret)
{
    dc_strv_add(ret, self);
    dc_strv_add(ret, "probe");
    dc_strv_add(ret, "--emulator");
    dc_strv_add(ret, emulator);
    const struct {
        const char *name, *value;
    } pass[] = {{"--machine", o->machine},
                {"--virttype", o->virttype},
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

typedef struct worker {
    pid_t pid;     /* -1: not started or reaped */
    int fd;        /* its stdout, -1 once at EOF */
    long long end; /* dc_now_ms() limit */
    dc_buf out;
    int status; /* exit code */
} worker;

/* Ends a worker: reaps it (killing its process group) and records its exit code. */
static void worker_finish(worker *w, const char *emulator, bool killed)
{
    int st = 0;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    dc_spawn_reap(w->pid, &st);
    w->pid = -1;
    if (killed)
        fprintf(stderr, "domcaps: %s: probing did not finish in time and was stopped\n", emulator);
    w->status = !killed && WIFEXITED(st) ? WEXITSTATUS(st) : DC_EXIT_PROBE;
}

/*
 * probe --all: one worker process per emulator (this binary, run through the
 * spawning helper), at most one per CPU at a time, each writing its document
 * into a pipe; printed in name order once all are done.
 */
static int run_probe_all(const options *o)
{
    dc_strv emus = {0};
    list_emulators(&emus);
    if (!emus.n) {
        dc_strv_clear(&emus);
        return fail_usage("no qemu-system-* emulator in PATH");
    }
    /*
     * This binary by its path: a program running domcaps under it (valgrind)
     * answers for /proc/self/exe too. A replaced binary still runs as itself.
     */
    char self[PATH_MAX];
    ssize_t selflen = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (selflen > 0)
        self[selflen] = '\0';
    if (selflen <= 0 || self[0] != '/' || endswith(self, " (deleted)"))
        snprintf(self, sizeof(self), "/proc/self/exe");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t limit = ncpu > 0 ? (size_t)ncpu : 1;
    worker *ws = xcalloc(emus.n, sizeof(worker));
    for (size_t i = 0; i < emus.n; i++)
        ws[i] = (worker){.pid = -1, .fd = -1, .status = DC_EXIT_PROBE};
    /*
     * Longest first: emulators for this host's own arch run a second (TCG)
     * session and take the longest, so starting them last would leave one
     * CPU busy alone at the end.
     */
    size_t *order = xcalloc(emus.n, sizeof(size_t));
    size_t nord = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < emus.n; i++) {
            const char *base = strrchr(emus.v[i], '/');
            const char *arch = dc_arch_from_qemu(base ? base + strlen("/qemu-system-") : "");
            bool native = arch && dc_arch_is_native(arch);
            if (native == (pass == 0))
                order[nord++] = i;
        }
    size_t next = 0, running = 0;
    fflush(stdout);
    fflush(stderr);
    struct pollfd *pfd = xcalloc(emus.n, sizeof(struct pollfd));
    size_t *idx = xcalloc(emus.n, sizeof(size_t));
    while (next < emus.n || running) {
        while (next < emus.n && running < limit) {
            size_t e = order[next++];
            worker *w = &ws[e];
            int p[2];
            if (pipe2(p, O_CLOEXEC) < 0) {
                fprintf(stderr, "domcaps: %s: cannot create a pipe: %s\n", emus.v[e],
                        strerror(errno));
                continue;
            }
            _cleanup_strv_ dc_strv argv = {0};
            worker_argv(o, self, emus.v[e], &argv);
            _cleanup_free_ char *msg = NULL;
            dc_spawn_opts so = {.argv = (const char *const *)argv.v,
                                .stdin_fd = -1,
                                .stdout_fd = p[1],
                                .stderr_fd = STDERR_FILENO};
            int r = dc_spawn(&so, &w->pid, &msg);
            close(p[1]);
            if (r < 0) {
                close(p[0]);
                w->pid = -1;
                fprintf(stderr, "domcaps: %s: %s\n", emus.v[e], msg);
                continue;
            }
            w->fd = p[0];
            w->end = dc_now_ms() + worker_limit_ms(o);
            running++;
        }
        if (!running)
            break;
        /* Drain whichever workers have output; end the finished and the late ones. */
        size_t np = 0;
        long long now = dc_now_ms(), soonest = 0;
        for (size_t i = 0; i < emus.n; i++) {
            if (ws[i].pid < 0)
                continue;
            if (!soonest || ws[i].end < soonest)
                soonest = ws[i].end;
            if (ws[i].fd >= 0) {
                pfd[np] = (struct pollfd){.fd = ws[i].fd, .events = POLLIN};
                idx[np++] = i;
            }
        }
        int wait_ms = soonest > now ? (int)(soonest - now) : 0;
        if (np < running && wait_ms > 10)
            wait_ms = 10; /* a worker closed its stdout: look for its exit soon */
        int nready = poll(pfd, np, wait_ms);
        for (size_t k = 0; nready > 0 && k < np; k++) {
            if (!pfd[k].revents)
                continue;
            worker *w = &ws[idx[k]];
            char tmp[65536];
            ssize_t n = read(w->fd, tmp, sizeof(tmp));
            if (n > 0)
                dc_buf_addn(&w->out, tmp, (size_t)n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(w->fd);
                w->fd = -1;
            }
        }
        now = dc_now_ms();
        for (size_t i = 0; i < emus.n; i++) {
            worker *w = &ws[i];
            if (w->pid < 0)
                continue;
            bool late = now >= w->end;
            if (!late && (w->fd >= 0 || dc_spawn_exited(w->pid, NULL) == 0))
                continue;
            worker_finish(w, emus.v[i], late);
            running--;
        }
    }
    free(pfd);
    free(idx);
    int rc = DC_EXIT_OK;
    bool json = streq(o->format, "json");
    printf(json ? "[\n" : "<domainCapabilitiesList>\n");
    bool first = true;
    for (size_t i = 0; i < emus.n; i++) {
        if (ws[i].status != DC_EXIT_OK) {
            /* An emulator for an architecture libvirt has no name for is skipped, not failed. */
            if (ws[i].status != DC_EXIT_USAGE)
                rc = DC_EXIT_PROBE;
            if (!json)
                printf("<!-- %s: %s, see the messages on stderr -->\n", emus.v[i],
                       ws[i].status == DC_EXIT_USAGE ? "skipped" : "probing failed");
        } else if (ws[i].out.len) {
            if (json && !first)
                printf(",\n");
            fwrite(ws[i].out.s, 1, ws[i].out.len, stdout);
            first = false;
        }
        dc_buf_clear(&ws[i].out);
    }
    printf(json ? "]\n" : "</domainCapabilitiesList>\n");
    free(ws);
    free(order);
    dc_strv_clear(&emus);
    return rc;
}

/* Explains one entry: its recorded inputs and whether each still holds. */
static void explain_entry(const char *path, const dc_root *root)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    _cleanup_free_ char *text = NULL, *why = NULL;
    size_t len = 0;
    dc_cache_key stored = {0}, now = {0};
    dc_qemu_caps *qc = NULL;
    printf("%s\n", path);
    if (fd < 0 || dc_read_fd(fd, 64u << 20, &text, &len) < 0) {
        printf("  unreadable: %s\n\n", strerror(errno));
        return;
    }
    if (dc_cache_parse(text, len, &stored, &qc, &why) < 0) {
        printf("  corrupt: %s (it will be discarded and re-probed)\n\n", why);
        return;
    }
    printf("  emulator: %s (QEMU %d.%d.%d, %s)\n", qc->binary, qc->version_major, qc->version_minor,
           qc->version_micro, qc->arch);
    bool have_now = dc_cache_key_compute(qc->binary, root, &now) == 0;
    size_t changed = 0;
    for (size_t i = 0; i < stored.names.n; i++) {
        const char *cur = NULL;
        for (size_t j = 0; have_now && j < now.names.n; j++)
            if (streq(now.names.v[j], stored.names.v[i]))
                cur = now.values.v[j];
        bool same = cur && streq(cur, stored.values.v[i]);
        changed += !same;
        printf("  %-12s %s%s%s%s\n", stored.names.v[i], stored.values.v[i],
               same ? "" : "  CHANGED, now: ",
               same  ? ""
               : cur ? cur
                     : "(gone)",
               "");
    }
    if (!have_now)
        printf("  status: stale: %s cannot be examined now\n\n", qc->binary);
    else if (changed)
        printf("  status: stale: %zu input%s changed; the next probe re-probes\n\n", changed,
               changed == 1 ? "" : "s");
    else
        printf("  status: valid\n\n");
    dc_cache_key_clear(&stored);
    dc_cache_key_clear(&now);
    dc_qemu_caps_free(qc);
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

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    options o;
    int r = parse_args(argc, argv, &o);
    if (r != 0) {
        dc_strv_clear(&o.caps_files);
        dc_strv_clear(&o.trusted_emulators);
        dc_strv_clear(&o.trusted_dirs);
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
    case CMD_PROBE:
        r = o.all ? run_probe_all(&o) : run_probe(&o);
        break;
    }
    dc_strv_clear(&o.caps_files);
    dc_strv_clear(&o.trusted_emulators);
    dc_strv_clear(&o.trusted_dirs);
    return r;
}
