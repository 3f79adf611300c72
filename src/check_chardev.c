/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Character devices (serial, console, parallel, channel) per arch and
 * machine, and the remaining single devices (vsock, nvram, shmem, panic, ...).
 */
#include "check_internal.h"

void dc_chk_rule_chardev(chk *c) { (void)c; }
