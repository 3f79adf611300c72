/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnuma reads the live kernel only; this seam lets tests replace it. */
#include <numa.h>

#include "numa_seam.h"

int dc_numa_available(void) { return numa_available(); }
int dc_numa_max_node(void) { return numa_max_node(); }
int dc_numa_distance(int a, int b) { return numa_distance(a, b); }
