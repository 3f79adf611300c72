/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU models and features, vCPU topology, guest NUMA and the memory
 * configuration (units, hotplug, memory devices).
 */
#include "check_internal.h"

void dc_chk_rule_topology(chk *c) { (void)c; }
