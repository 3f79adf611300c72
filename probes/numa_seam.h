/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

int dc_numa_available(void);
int dc_numa_max_node(void);
int dc_numa_distance(int a, int b);
