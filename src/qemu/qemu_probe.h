/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What QEMU itself says over QMP: the raw facts every derivation starts from. */
#pragma once

#include "domcaps/domcaps.h"
#include "util.h"

typedef struct dc_qemu_machine {
    char *name;
    char *alias;
    bool is_default;
    bool deprecated;
    unsigned cpu_max;
    int acpi; /* -1: not reported */
    char *default_cpu_type;
} dc_qemu_machine;

typedef struct dc_qemu_cpudef {
    char *name;
    char *alias_of;
    char *typename; /* the QOM type behind the model (power9_v2.0-powerpc64-cpu) */
    bool deprecated;
    int usable;          /* -1: unknown (no unavailable-features), 0, 1 */
    dc_strv unavailable; /* in the spelling libvirt users expect (see finalize) */
    char *vendor;        /* libvirt's vendor name (AMD, Intel), NULL unknown; x86 only */
} dc_qemu_cpudef;

/* A static expansion: the features a model turns on, plus its vendor. */
typedef struct dc_qemu_cpuexp {
    char *name;
    char *vendor;
    dc_strv features; /* sorted, features set to true */
} dc_qemu_cpuexp;

/* What one accelerator session reports. */
typedef struct dc_qemu_accel {
    bool probed;
    dc_qemu_machine *machines;
    size_t nmachines;
    bool have_cpu_defs;
    dc_qemu_cpudef *cpus;
    size_t ncpus;
    dc_qemu_cpuexp host; /* static expansion of host (kvm) or max (tcg); name NULL if none */
    bool hyperv_valid;
    dc_strv hyperv;     /* hv-* properties QEMU reports as available, QEMU's spelling */
    unsigned phys_bits; /* host phys-bits from the full expansion, 0 if unknown */
    /*
     * Static expansion of each named model (x86). They differ per accelerator:
     * under KVM models gain kvm_* features and take the host's vendor. Kept
     * in the cache and (TCG's) in snapshots: the checker compares a model's
     * features with the host's.
     */
    dc_qemu_cpuexp *models;
    size_t nmodels;
    /*
     * Computed once from the expansions above when the probe ends (and kept
     * in the cache beside them): the host-model answer for this accel.
     */
    dc_host_model host_model;
} dc_qemu_accel;

typedef struct dc_qemu_caps {
    char *binary;
    char *target; /* query-target arch, QEMU's name */
    char *arch;   /* libvirt's name for it */
    int version_major, version_minor, version_micro;
    char *package;

    bool kvm_enabled; /* query-kvm present && enabled in the first session */
    dc_qemu_accel kvm, tcg;

    dc_strv types;     /* qom-list-types, sorted */
    dc_strv pci_types; /* the non-abstract types implementing pci-device, sorted; may be empty */
    dc_strv commands;  /* from the schema, sorted */
    bool schema_sdl, schema_egl_headless, schema_dbus;
    bool schema_netdev_user, schema_netdev_stream, schema_vdagent;
    bool cl_spice, cl_async_teardown;

    bool have_tpm_query;
    dc_strv tpm_models, tpm_types;

    bool gic_valid;
    unsigned gic_kernel, gic_emulated; /* bit 2, bit 3 for versions */

    bool sev_valid;
    unsigned sev_cbitpos, sev_reduced_phys_bits;
    char *sev_cpu0_id;

    bool sgx_valid;
    bool sgx_flc, sgx_sgx1, sgx_sgx2;
    unsigned long long sgx_section_size;
    struct {
        unsigned node;
        unsigned long long size;
    } * sgx_sections;
    size_t sgx_nsections;

    bool max_cpu_migratable; /* max-<arch>-cpu has 'migratable' */
    bool none_machine_cgs;   /* none-machine has confidential-guest-support */
    bool pc_machine_i8042;   /* generic-pc-machine has i8042 */
    bool memfd_hugetlb;      /* memory-backend-memfd has hugetlb */

    dc_strv feature_aliases; /* pairs: canonical name, alias with underscores */
    /* x86: the boolean properties of the full expansions (QEMU's CPU feature names), sorted */
    dc_strv cpu_props;
} dc_qemu_caps;

typedef struct dc_probe_opts {
    const char *binary;    /* emulator to run (live) or to report as path (replay) */
    const char *replay;    /* recording to replay instead of running QEMU */
    const char *record;    /* file to write the conversation to */
    int timeout_ms;        /* overall limit, default 30 s */
    bool want_tcg_session; /* run the TCG session when KVM was found (default true) */
} dc_probe_opts;

/*
 * Probes QEMU over QMP. On failure returns a negative errno and a message;
 * -ENOEXEC means the binary is not a QEMU (input error), others are probe
 * failures.
 */
int dc_qemu_probe(const dc_probe_opts *opts, dc_qemu_caps **ret, dc_error *err);
void dc_qemu_caps_free(dc_qemu_caps *c);

bool dc_qemu_has_type(const dc_qemu_caps *c, const char *type);
bool dc_qemu_is_pci_type(const dc_qemu_caps *c, const char *type);
bool dc_qemu_has_command(const dc_qemu_caps *c, const char *cmd);
const dc_qemu_cpuexp *dc_qemu_model_expansion(const dc_qemu_accel *a, const char *name);
/*
 * The CPUID vendor a model has of its own: its TCG expansion, else a's, else
 * those of its family for a versioned name (Skylake-Client-v2); NULL unknown.
 */
const char *dc_qemu_model_vendor(const dc_qemu_caps *qc, const dc_qemu_accel *a,
                                 const char *name);
/* The accelerator session serving virttype (kvm or qemu). */
const dc_qemu_accel *dc_qemu_accel_for(const dc_qemu_caps *c, bool kvm);
