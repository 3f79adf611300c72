/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "host.h"

static int probe_pci(dc_host *host)
{
    return 0;
}

const dc_probe dc_probe_pci = {
    .name = "pci",
    .needed_for = DC_PROBE_FOR_INVENTORY,
    .run = probe_pci,
};
