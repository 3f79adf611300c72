/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdomcaps: what a QEMU binary and this host can run, as libvirt's
 * domainCapabilities document, a host report, and the findings of checking a
 * domain XML against them.
 *
 * Every handle is opaque and owned by the caller, who frees it with its
 * _free function (which accepts NULL). Functions that can fail return 0 or a
 * negative errno and, when err is not NULL, fill it with the code and a
 * message; out-parameters are written only on success. The library never
 * prints and never exits; running out of memory aborts the process.
 *
 * Build: cc prog.c $(pkg-config --cflags --libs domcaps)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <domcaps/error.h>
#include <domcaps/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library in use, which may differ from DC_VERSION. */
const char *dc_version(void);

/* Why a call failed (domcaps/error.h): dc_error, dc_error_clear(). */

/* ---- The domainCapabilities document of one emulator, machine and virttype ---- */

typedef struct dc_probe_options dc_probe_options;
typedef struct dc_domcaps dc_domcaps;

dc_probe_options *dc_probe_options_new(void);
void dc_probe_options_free(dc_probe_options *opts);
/*
 * Each setter copies value; NULL restores the default, and a value the probe
 * cannot take is -EINVAL. Defaults: the qemu-system-* in PATH serving the
 * arch (or /usr/libexec/qemu-kvm for the host's own), the host's arch, the
 * arch's preferred machine, kvm when usable else qemu, the live root "/", no
 * replay, no recording, no cache, 30 s per QMP command.
 */
int dc_probe_options_set_emulator(dc_probe_options *opts, const char *path);
/* libvirt's spelling: x86_64, i686, aarch64, armv7l, ppc64le, s390x, ... */
int dc_probe_options_set_arch(dc_probe_options *opts, const char *arch);
int dc_probe_options_set_machine(dc_probe_options *opts, const char *machine);
/* "kvm" or "qemu". */
int dc_probe_options_set_virttype(dc_probe_options *opts, const char *virttype);
int dc_probe_options_set_sysroot(dc_probe_options *opts, const char *dir);
/* A QMP conversation recorded earlier, answered instead of running QEMU. */
int dc_probe_options_set_replay(dc_probe_options *opts, const char *file);
/* Where to write the QMP conversation of this probe (not with a replay). */
int dc_probe_options_set_record(dc_probe_options *opts, const char *file);
/* Where QEMU's answers are kept between runs (see domcaps(1), CACHE). */
int dc_probe_options_set_cache_dir(dc_probe_options *opts, const char *dir);
/* The limit for each QMP command in milliseconds; must be positive. */
int dc_probe_options_set_timeout_ms(dc_probe_options *opts, int timeout_ms);

/*
 * Probes the emulator and the host. -EINVAL: a request the emulator cannot
 * serve (unknown machine), or a recording combined with a replay; -ENOENT: no
 * emulator found; -ENOEXEC: not a QEMU; other codes: the probe failed.
 */
int dc_probe(const dc_probe_options *opts, dc_domcaps **ret, dc_error *err);
void dc_domcaps_free(dc_domcaps *caps);

/* The accessors' strings belong to the document. */
const char *dc_domcaps_get_emulator(const dc_domcaps *caps);
const char *dc_domcaps_get_arch(const dc_domcaps *caps);
const char *dc_domcaps_get_machine(const dc_domcaps *caps);
const char *dc_domcaps_get_virttype(const dc_domcaps *caps); /* "kvm" or "qemu" */
unsigned dc_domcaps_get_max_vcpus(const dc_domcaps *caps);
size_t dc_domcaps_get_ncpu_models(const dc_domcaps *caps);
/* NULL when i is out of range; usable is set when not NULL. */
const char *dc_domcaps_get_cpu_model(const dc_domcaps *caps, size_t i, bool *ret_usable);
/* Warnings of the probe that made the document (malformed firmware descriptors, swtpm). */
size_t dc_domcaps_get_nwarnings(const dc_domcaps *caps);
const char *dc_domcaps_get_warning(const dc_domcaps *caps, size_t i);

/* New NUL-terminated documents the caller frees. */
char *dc_domcaps_format_xml(const dc_domcaps *caps);
char *dc_domcaps_format_json(const dc_domcaps *caps);

/* ---- The host report: CPU, KVM, NUMA, PCI, USB, VFIO ---- */

typedef struct dc_hostinfo dc_hostinfo;

/* sysroot NULL: the live "/". Never fails on what it cannot read: see the diagnostics. */
int dc_host_probe(const char *sysroot, dc_hostinfo **ret, dc_error *err);
void dc_hostinfo_free(dc_hostinfo *host);
const char *dc_hostinfo_get_arch(const dc_hostinfo *host);
bool dc_hostinfo_get_kvm_usable(const dc_hostinfo *host);
size_t dc_hostinfo_get_ndiagnostics(const dc_hostinfo *host);
/* What a probe could not read, a whole sentence; NULL when i is out of range. */
const char *dc_hostinfo_get_diagnostic(const dc_hostinfo *host, size_t i);
/* The probe that said it ("pci", "numa", ...). */
const char *dc_hostinfo_get_diagnostic_probe(const dc_hostinfo *host, size_t i);
char *dc_hostinfo_format_xml(const dc_hostinfo *host);
char *dc_hostinfo_format_json(const dc_hostinfo *host);

/* ---- Checking a domain XML ---- */

typedef struct dc_check_options dc_check_options;
typedef struct dc_findings dc_findings;

/* Shared with the internal model (domcaps/check.h), defined once per unit. */
#ifndef DC_SEVERITY_DEFINED
#define DC_SEVERITY_DEFINED
typedef enum dc_severity {
    DC_SEVERITY_ERROR,
    DC_SEVERITY_WARNING,
} dc_severity;
#endif

dc_check_options *dc_check_options_new(void);
void dc_check_options_free(dc_check_options *opts);
/*
 * Offline: judge against saved `domcaps probe --snapshot` documents (one per
 * emulator/machine/virttype) and optionally a saved `domcaps host` report.
 * With no caps file the check is live: the emulators are probed.
 */
int dc_check_options_add_caps_file(dc_check_options *opts, const char *path);
int dc_check_options_set_host_report(dc_check_options *opts, const char *path);
/* Live checks only. */
int dc_check_options_set_sysroot(dc_check_options *opts, const char *dir);
int dc_check_options_set_cache_dir(dc_check_options *opts, const char *dir);
/* Per QMP command, as for dc_probe_options_set_timeout_ms. */
int dc_check_options_set_timeout_ms(dc_check_options *opts, int timeout_ms);
/*
 * Live, a domain's <emulator> is run only when it is a qemu-system-* in PATH,
 * /usr/libexec/qemu-kvm, a binary added here or one inside a directory added
 * here; any other is judged from the cache or not at all.
 */
int dc_check_options_add_trusted_emulator(dc_check_options *opts, const char *path);
int dc_check_options_add_trusted_dir(dc_check_options *opts, const char *dir);

/*
 * Judges one domain. A domain that cannot be judged (malformed XML, no
 * <domain>) is not a failure: dc_findings_get_input_error says why. Failures
 * are about the options: an unusable snapshot or host report (-EINVAL), a
 * sysroot that cannot be opened.
 */
int dc_check_file(const dc_check_options *opts, const char *path, dc_findings **ret, dc_error *err);
/* name labels the findings (a file name, "-"). */
int dc_check_buffer(const dc_check_options *opts, const char *name, const char *xml, size_t len,
                    dc_findings **ret, dc_error *err);
void dc_findings_free(dc_findings *f);

/* NULL when the domain was judged. */
const char *dc_findings_get_input_error(const dc_findings *f);
/* True when a live probe of an emulator failed (its findings are missing). */
bool dc_findings_get_probe_failed(const dc_findings *f);
size_t dc_findings_count(const dc_findings *f);
/* For i out of range: -1 / NULL. */
int dc_findings_get_severity(const dc_findings *f, size_t i);
const char *dc_findings_get_rule(const dc_findings *f, size_t i);
unsigned dc_findings_get_line(const dc_findings *f, size_t i);
const char *dc_findings_get_xpath(const dc_findings *f, size_t i);
const char *dc_findings_get_message(const dc_findings *f, size_t i);
const char *dc_findings_get_value(const dc_findings *f, size_t i);     /* or NULL */
const char *dc_findings_get_supported(const dc_findings *f, size_t i); /* or NULL */
const char *dc_findings_get_hint(const dc_findings *f, size_t i);      /* or NULL */
/* The findings as `domcaps check --format text|json|junit` prints them. */
char *dc_findings_format_text(const dc_findings *f);
char *dc_findings_format_json(const dc_findings *f);
char *dc_findings_format_junit(const dc_findings *f);

#ifdef __cplusplus
}
#endif
