/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "util.h"

/* SHA-256 of data as lowercase hex: 64 digits plus NUL. */
void dc_sha256_hex(const void *data, size_t len, char ret[65]);
