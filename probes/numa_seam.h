/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

int dc_numa_available(void);
int dc_numa_max_node(void);
int dc_numa_distance(int a, int b);

/*
 * Kernel CPU lists ("0-3,8,10-11"), shared by the hostcpu and numa probes.
 * Pure helpers defined in numa.c, not seams: tests call them directly.
 */

/* Parses a cpulist into ascending unique ids; "" is the empty list. -EINVAL on garbage. */
int dc_cpulist_parse(const char *s, unsigned **ret_ids, size_t *ret_n);
/* Formats ascending unique ids as the kernel and libvirt do: runs of two or more as "a-b". */
char *dc_cpulist_format(const unsigned *ids, size_t n);
