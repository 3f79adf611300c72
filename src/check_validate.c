/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt's XML validation of devices: disks, controllers, interfaces, input,
 * video, sound, TPM, filesystems, memballoon, rng (define-time refusals).
 */
#include "check_internal.h"

void dc_chk_rule_validate(chk *c) { (void)c; }
