/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host resources a domain names: device nodes, network interfaces and
 * bridges, the TSC, files and sockets it opens at start.
 */
#include "check_internal.h"

void dc_chk_rule_hostres(chk *c) { (void)c; }
