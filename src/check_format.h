/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "domcaps/check.h"
#include "util.h"

char *dc_check_format_text(const dc_check_result *results, size_t n);
char *dc_check_format_json(const dc_check_result *results, size_t n);
char *dc_check_format_junit(const dc_check_result *results, size_t n);
