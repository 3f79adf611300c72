/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Findings of `domcaps check`: what in a domain XML the host cannot run. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Shared with the internal model (domcaps/check.h), defined once per unit. */
#ifndef DC_SEVERITY_DEFINED
#define DC_SEVERITY_DEFINED
typedef enum dc_severity {
    DC_SEVERITY_ERROR,
    DC_SEVERITY_WARNING,
} dc_severity;
#endif

typedef struct dc_finding {
    unsigned line;
    char *xpath; /* /domain/devices/disk[2]/target/@bus */
    const char *rule;
    dc_severity severity;
    char *value;     /* the offending value, or NULL */
    char *supported; /* space-separated supported values, or NULL */
    char *message;
    char *hint; /* how to fix, or NULL */
} dc_finding;

typedef struct dc_check_result {
    char *file;
    char *input_error; /* the file could not be judged (exit 2), or NULL */
    dc_finding *findings;
    size_t nfindings;
    char **rules_checked; /* NULL-terminated, in rule order */
    char **rules_skipped; /* "rule-id: reason", NULL-terminated */
} dc_check_result;

/*
 * The rules, in the order of dc_rules[] (which the table's designated
 * initializers keep): code names a rule by its enum, output by its id.
 */
typedef enum dc_rule {
    DC_RULE_CAPABILITIES,
    DC_RULE_DOMAIN_TYPE,
    DC_RULE_OS_TYPE,
    DC_RULE_ARCH,
    DC_RULE_MACHINE,
    DC_RULE_EMULATOR,
    DC_RULE_VCPU_COUNT,
    DC_RULE_VCPU_GICV2,
    DC_RULE_VCPU_EIM,
    DC_RULE_FIRMWARE,
    DC_RULE_FIRMWARE_FEATURE,
    DC_RULE_LOADER,
    DC_RULE_SECURE_BOOT,
    DC_RULE_UEFI_ACPI,
    DC_RULE_ACPI,
    DC_RULE_CPU_MODE,
    DC_RULE_CPU_MODEL,
    DC_RULE_MEMORY_BACKING,
    DC_RULE_DISK,
    DC_RULE_GRAPHICS,
    DC_RULE_VIDEO,
    DC_RULE_HOSTDEV,
    DC_RULE_RNG,
    DC_RULE_FILESYSTEM,
    DC_RULE_VIRTIOFS_SHARED_MEMORY,
    DC_RULE_TPM,
    DC_RULE_REDIRDEV,
    DC_RULE_CHANNEL,
    DC_RULE_CRYPTO,
    DC_RULE_INTERFACE_BACKEND,
    DC_RULE_PANIC,
    DC_RULE_CONSOLE,
    DC_RULE_FEATURES,
    DC_RULE_LAUNCH_SECURITY,
    DC_RULE_DEVICE_MODEL,
    DC_RULE_HOST_MEMORY,
    DC_RULE_HOST_HUGEPAGES,
    DC_RULE_HOST_NUMA,
    DC_RULE_HOST_CPUSET,
    DC_RULE_HOST_PCI,
    DC_RULE_HOST_USB,
    DC_RULE_HOST_TPM,
    DC_RULE_HOST_SMM,
    DC_RULE_HOST_RENDER_NODE,
    /* libvirt's device validation (check_validate.c) */
    DC_RULE_DOMAIN_CONFIG,
    DC_RULE_DISK_CONFIG,
    DC_RULE_CONTROLLER_CONFIG,
    DC_RULE_INTERFACE_CONFIG,
    DC_RULE_INPUT_CONFIG,
    DC_RULE_VIDEO_CONFIG,
    DC_RULE_SOUND_CONFIG,
    DC_RULE_TPM_CONFIG,
    DC_RULE_FILESYSTEM_CONFIG,
    DC_RULE_DEVICE_CONFIG,
    /* character devices (check_chardev.c) */
    DC_RULE_CHARDEV,
    DC_RULE_VSOCK,
    DC_RULE_NVRAM,
    DC_RULE_SHMEM,
    /* machine-bound rules (check_machine.c) */
    DC_RULE_IMPLICIT_DEVICES,
    DC_RULE_PCI_TOPOLOGY,
    DC_RULE_IOMMU,
    /* platform features (check_platform.c) */
    DC_RULE_CLOCK,
    DC_RULE_FIRMWARE_CONFIG,
    DC_RULE_HYPERV,
    DC_RULE_MACHINE_FEATURE,
    /* CPU, topology, NUMA, memory (check_cpu.c) */
    DC_RULE_CPU_FEATURE,
    DC_RULE_CPU_TOPOLOGY,
    DC_RULE_NUMA,
    DC_RULE_MEMORY_HOTPLUG,
    DC_RULE_MEMORY_CONFIG,
    /* host resources (check_hostres.c) */
    DC_RULE_HOST_DEVICE_NODE,
    DC_RULE_HOST_INTERFACE,
    DC_RULE_HOST_TSC,
    DC_RULE_HOST_PATH,
    DC_RULE_HOST_ENDPOINT,
    DC_RULE_HOST_SMBIOS,
    DC_RULE_HOST_NUMAD,
    _DC_RULE_MAX,
} dc_rule;

/* The stable rule identifiers with a one-line description, indexed by dc_rule, NULL-terminated. */
typedef struct dc_rule_info {
    const char *id;
    const char *summary;
} dc_rule_info;
extern const dc_rule_info dc_rules[_DC_RULE_MAX + 1];

void dc_check_result_clear(dc_check_result *r);
