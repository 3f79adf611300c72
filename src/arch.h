/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Architecture names: libvirt's spelling, QEMU's, and what serves what. */
#pragma once

#include <stdbool.h>

/* True for an architecture name libvirt knows. */
bool dc_arch_known(const char *arch);
/* libvirt arch for a QEMU target (i386 -> i686, arm -> armv7l); NULL if unknown. */
const char *dc_arch_from_qemu(const char *target);
/* qemu-system-<name> suffix for an arch (i686 -> i386, armv7l -> arm). */
const char *dc_arch_to_qemu(const char *arch);
/* True when a binary whose own arch is emu_arch can run guests of arch. */
bool dc_arch_served_by(const char *arch, const char *emu_arch);
/* The arch of this host in libvirt's spelling. */
const char *dc_arch_host(void);
/* True when guests of arch run natively on this host (KVM possible). */
bool dc_arch_is_native(const char *arch);
bool dc_arch_is_x86(const char *arch);
bool dc_arch_is_arm(const char *arch);
bool dc_arch_is_ppc64(const char *arch);
bool dc_arch_is_s390(const char *arch);
/* The machine libvirt picks when none is given; NULL: QEMU's own default. */
const char *dc_arch_preferred_machine(const char *arch);
