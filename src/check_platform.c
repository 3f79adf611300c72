/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Platform features: timers and tick policies, machine-specific features,
 * firmware features and SMM, Hyper-V enlightenments.
 */
#include "check_internal.h"

void dc_chk_rule_platform(chk *c) { (void)c; }
