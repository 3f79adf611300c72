/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD helper for bench/run: when the process exits normally it
 * appends its own peak resident set (VmHWM) to $DOMCAPS_RSS_FILE. The QEMU
 * children domcaps starts are killed, so they never report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((destructor)) static void report_hwm(void)
{
    const char *out = getenv("DOMCAPS_RSS_FILE");
    if (!out)
        return;
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    FILE *o = fopen(out, "ae");
    if (!o)
        return;
    fprintf(o, "%ld\n", kib);
    fclose(o);
}
