/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "util.h"

/*
 * SHA-256 of data as lowercase hex: 64 digits plus NUL. On x86-64 CPUs with
 * the SHA extensions the compression runs on them, several times faster.
 */
void dc_sha256_hex(const void *data, size_t len, char ret[65]);

/* Whether dc_sha256_hex uses the CPU's SHA instructions. */
bool dc_sha256_accelerated(void);

/* dc_sha256_hex with the portable code alone when accel is false (for tests). */
void dc_sha256_hex_with(const void *data, size_t len, bool accel, char ret[65]);
