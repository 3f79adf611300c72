/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CPU list and bitmap parsers and the strict number parsers, called
 * directly: whatever parses must print back to text that parses to the same
 * set.
 */
#include <inttypes.h>

#include "fuzz_util.h"

static void cpulist(const char *s)
{
    _cleanup_free_ unsigned *ids = NULL;
    size_t n = 0;
    if (dc_cpulist_parse(s, &ids, &n) < 0)
        return;
    for (size_t i = 1; i < n; i++)
        FUZZ_ASSERT(ids[i - 1] < ids[i]);
    _cleanup_free_ char *text = dc_cpulist_format(ids, n);
    _cleanup_free_ unsigned *again = NULL;
    size_t n2 = 0;
    FUZZ_ASSERT(dc_cpulist_parse(text, &again, &n2) == 0);
    FUZZ_ASSERT(n2 == n && (n == 0 || memcmp(ids, again, n * sizeof(*ids)) == 0));
}

static void bitmap(const char *s, bool negation)
{
    dc_bitmap b = {0};
    if (dc_bitmap_parse(s, DC_CPUSET_LIMIT, negation, &b) < 0)
        return;
    _cleanup_free_ char *text = dc_bitmap_format(&b);
    dc_bitmap b2 = {0};
    FUZZ_ASSERT(dc_bitmap_parse(text, DC_CPUSET_LIMIT, false, &b2) == 0);
    FUZZ_ASSERT(dc_bitmap_count(&b) == dc_bitmap_count(&b2));
    for (size_t i = dc_bitmap_next(&b, 0); i != SIZE_MAX; i = dc_bitmap_next(&b, i + 1))
        FUZZ_ASSERT(i < DC_CPUSET_LIMIT && dc_bitmap_test(&b2, i));
    dc_bitmap_clear(&b);
    dc_bitmap_clear(&b2);
}

static void numbers(const char *s)
{
    uint64_t u;
    int64_t i;
    unsigned ui;
    int si;
    for (int base = 0; base <= 16; base += base == 0 ? 10 : 6) {
        if (dc_parse_u64(s, base, UINT64_MAX, &u) == 0 && base == 10) {
            _cleanup_free_ char *t = xasprintf("%" PRIu64, u);
            uint64_t back;
            FUZZ_ASSERT(dc_parse_u64(t, 10, UINT64_MAX, &back) == 0 && back == u);
        }
        dc_parse_i64(s, base, INT64_MIN, INT64_MAX, &i);
        dc_parse_uint(s, base, &ui);
        dc_parse_int(s, base, &si);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *s = xstrndup((const char *)data, size);
    cpulist(s);
    bitmap(s, false);
    bitmap(s, true);
    numbers(s);
    return 0;
}
