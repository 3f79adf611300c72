/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Architecture names: libvirt's spelling, QEMU's, and what serves what. */
#pragma once

#include "util.h"

#include <stdbool.h>

/* True for an architecture name libvirt knows. */
bool dc_arch_known(const char *arch);
/* libvirt arch for a QEMU target (i386 -> i686, arm -> armv7l); NULL if unknown. */
const char *dc_arch_from_qemu(const char *target);
/* qemu-system-<name> suffix for an arch (i686 -> i386, armv7l -> arm). */
const char *dc_arch_to_qemu(const char *arch);
/* True when a binary whose own arch is emu_arch can run guests of arch. */
bool dc_arch_served_by(const char *arch, const char *emu_arch);
/* libvirt's spelling of a kernel machine name (i586 -> i686, arm64 -> aarch64); NULL if unknown. */
const char *dc_arch_normalize(const char *machine);
/*
 * The arch of the machine running domcaps, in libvirt's spelling: the
 * kernel's (/proc/sys/kernel/arch), else uname(). Only for the live root and
 * for choosing a local emulator; a captured root or a recording has its own.
 */
const char *dc_arch_host(void);
/* True when guests of arch run under KVM on a host of arch host (x86_64 runs i686). */
bool dc_arch_native_to(const char *arch, const char *host);
/* dc_arch_native_to(arch, dc_arch_host()): for live decisions only. */
bool dc_arch_is_native(const char *arch);
bool dc_arch_is_x86(const char *arch);
bool dc_arch_is_arm(const char *arch);
bool dc_arch_is_ppc64(const char *arch);
bool dc_arch_is_s390(const char *arch);
/* The machine libvirt picks when none is given; NULL: QEMU's own default. */
const char *dc_arch_preferred_machine(const char *arch);

/*
 * The emulator libvirt and domcaps pick for a guest arch when none is named:
 * qemu-system-<arch> in PATH, then one whose own arch serves it (x86_64 for
 * i686, aarch64 for armv7l/armv6l), then the host's own emulator as RHEL,
 * CentOS and Fedora install it (/usr/libexec/qemu-kvm). NULL when none.
 */
/* The QEMU targets whose qemu-system-* serves arch, best first; ret[1] may be NULL. */
void dc_arch_emulator_targets(const char *arch, const char *ret[2]);
char *dc_find_emulator(const char *arch);
/* Every qemu-system-* in PATH (absolute entries only), first of each name, sorted by name. */
void dc_list_emulators(dc_strv *ret);
