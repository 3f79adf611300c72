/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules bound to the machine type: the devices libvirt adds implicitly, the PCI
 * topology, IOMMU models, timers, firmware and Hyper-V enlightenments.
 */
#include "check_internal.h"

void dc_chk_rule_machine(chk *c) { (void)c; }
