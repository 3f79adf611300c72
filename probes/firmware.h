/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QEMU firmware descriptors (docs/interop/firmware.json in QEMU). */
#pragma once

#include "util.h"

typedef enum dc_fw_interface {
    DC_FW_IFACE_BIOS = 1 << 0,
    DC_FW_IFACE_UEFI = 1 << 1,
    DC_FW_IFACE_OPENFIRMWARE = 1 << 2,
    DC_FW_IFACE_UBOOT = 1 << 3,
} dc_fw_interface;

typedef struct dc_fw_target {
    char *architecture; /* QEMU's name: x86_64, i386, aarch64, arm, ... */
    dc_strv machines;   /* glob patterns */
} dc_fw_target;

typedef struct dc_firmware {
    char *descriptor;     /* absolute path of the descriptor inside the root */
    char *device;         /* "flash" | "memory" | "kernel" */
    char *executable;     /* flash executable, or the memory/kernel mapping filename */
    char *nvram_template; /* flash only, may be NULL */
    unsigned interfaces;  /* dc_fw_interface bits */
    dc_strv features;     /* "secure-boot", "enrolled-keys", "requires-smm", ... */
    dc_fw_target *targets;
    size_t ntargets;
    bool executable_exists; /* the executable file exists inside the root */
} dc_firmware;

typedef struct dc_firmware_list {
    dc_firmware *items; /* in descriptor file-name order */
    size_t n;
} dc_firmware_list;

/*
 * Loads descriptors from /usr/share/qemu/firmware, /etc/qemu/firmware and,
 * when xdg_config_home is not NULL, <xdg_config_home>/qemu/firmware (all
 * resolved inside root). A later directory overrides an earlier file of the same
 * name; a zero-length file masks it. Malformed descriptors are skipped with a
 * warning in diag naming the file. Never fails for a bad descriptor; returns
 * -errno only for unexpected errors.
 */
int dc_firmware_load(const dc_root *root, const char *xdg_config_home, dc_diag *diag,
                     dc_firmware_list *ret);

/* Maps a libvirt arch name to QEMU's descriptor name (i686 -> i386, armv7l -> arm). */
const char *dc_firmware_arch_name(const char *arch);

/* True when some target has this arch and a machine glob matching machine. */
bool dc_firmware_matches(const dc_firmware *fw, const char *arch, const char *machine);

bool dc_firmware_has_feature(const dc_firmware *fw, const char *feature);

void dc_firmware_list_clear(dc_firmware_list *l);
