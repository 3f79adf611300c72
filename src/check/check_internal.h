/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the checker's files: the per-domain state and the finding helpers. */
#pragma once

#include <libxml/tree.h>

#include "check.h"

typedef struct chk {
    const char *path;
    xmlNodePtr root;
    const dc_domcaps *caps;
    const dc_qemu_caps *qemu;
    const dc_hostinfo *host;
    const dc_host *live_host; /* firmware files, /dev/tpm0 when live */
    bool live;
    bool recorded; /* live rules over a recorded host (a bundle): no files of the domain */
    const char *emulator, *arch, *machine, *virttype;
    dc_check_result *res;
    bool checked[_DC_RULE_MAX];
    dc_strv skipped;
    bool indexed; /* the document's sibling positions are computed (first finding) */
    /* Facts about the target machine, set before the rule groups run. */
    bool x86;     /* i686 or x86_64 */
    bool q35, pc; /* x86 q35 / i440fx families */
    bool isapc, microvm;
    bool arm_virt; /* aarch64 or armv7l virt */
    bool pseries;  /* ppc64(le) pseries */
    bool s390;     /* s390-ccw-virtio */
    bool riscv_virt;
    bool kvm; /* type='kvm' */
} chk;

/* Records that a rule was evaluated for this domain. */
void dc_chk_mark(chk *c, dc_rule rule);
/* The id a rule is printed with (the rule table's own pointer). */
const char *dc_chk_rule_id(dc_rule rule);
/* The rule of a printed id (aborts on an unknown id). */
dc_rule dc_chk_rule_index(const char *id);
_printf_(7, 8) void dc_chk_finding(chk *c, dc_rule rule, dc_severity sev, xmlNodePtr node,
                                   const char *attr, const char *value, const char *fmt, ...);
dc_finding *dc_chk_last(chk *c);
_printf_(2, 3) void dc_chk_hint(chk *c, const char *fmt, ...);
void dc_chk_skip_rule(chk *c, dc_rule rule, const char *why);
char *dc_chk_enum_list(dc_enum_type type, const dc_enum *e);
/* The value must appear in the domainCapabilities enum (libvirt's ENUM_IS_SET test). */
bool dc_chk_check_enum(chk *c, dc_rule rule, xmlNodePtr node, const char *attr, const char *value,
                       const char *what, dc_enum_type type, const dc_enum *e);
const dc_enum *dc_chk_dev_enum(chk *c, dc_device_kind kind, dc_device_slot slot);
dc_enum_type dc_chk_dev_enum_type(dc_device_kind kind, dc_device_slot slot);
bool dc_chk_dev_check(chk *c, dc_rule rule, dc_device_kind kind, dc_device_slot slot,
                      xmlNodePtr node, const char *attr, const char *dflt, const char *what);
bool dc_chk_has_type(chk *c, const char *t);
unsigned long long dc_chk_parse_ull(const char *s, bool *ok);
/*
 * A libvirt scaled size (number plus unit, dflt_scale bytes when the unit is
 * absent) in KiB, rounded up: 0, -EINVAL (not a number), -ENOENT (unknown
 * unit) or -ERANGE (does not fit).
 */
int dc_chk_parse_size(const char *num, const char *unit, unsigned long long dflt_scale,
                      unsigned long long *ret_kib);
/* A QEMU (or libvirt) x86 feature name among the host CPU's flags; true when they are unknown. */
bool dc_chk_host_cpu_has(const dc_hostinfo *h, const char *feature);
/* The descriptor libvirt's firmware autoselection picks (live only), or NULL. */
const dc_firmware *dc_chk_picked_firmware(chk *c, const char *fw);

/* Rule groups, run by dc_check_domain in this order. */
void dc_chk_rule_os(chk *c);
void dc_chk_rule_vcpus(chk *c);
void dc_chk_rule_cpu(chk *c);
void dc_chk_rule_memory_backing(chk *c);
void dc_chk_rule_devices(chk *c);
void dc_chk_rule_features(chk *c);
void dc_chk_rule_host(chk *c);
/* libvirt's XML validation of devices (check_validate.c). */
void dc_chk_rule_validate(chk *c);
/* Character devices and the remaining devices (check_chardev.c). */
void dc_chk_rule_chardev(chk *c);
/* Machine-bound rules: implicit devices, USB, PCI topology, IOMMU (check_machine.c). */
void dc_chk_rule_machine(chk *c);
/* Platform features: timers, machine-specific features, firmware/SMM, Hyper-V (check_platform.c).
 */
void dc_chk_rule_platform(chk *c);
/* CPU features, topology, NUMA and memory configuration (check_cpu.c). */
void dc_chk_rule_topology(chk *c);
/* Host resources a domain names: device nodes, interfaces, TSC, sockets, files (check_hostres.c).
 */
void dc_chk_rule_hostres(chk *c);
