/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sha256.h"

#include <inttypes.h>
#include <stdbool.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define DC_SHA256_SHANI 1
#endif

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* SHA-256 (FIPS 180-4). */
/* Runs the compression function over n 64-byte blocks. */
typedef void sha256_blocks_fn(uint32_t h[8], const uint8_t *p, size_t n);

typedef struct sha256 {
    uint32_t h[8];
    uint8_t block[64];
    size_t used;
    uint64_t total;
    sha256_blocks_fn *blocks;
} sha256;

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t hs[8], const uint8_t *p)
{
    uint32_t w[64];
    for (size_t i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (size_t i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = hs[0], b = hs[1], c = hs[2], d = hs[3];
    uint32_t e = hs[4], f = hs[5], g = hs[6], h = hs[7];
    for (size_t i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                      sha256_k[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    hs[0] += a, hs[1] += b, hs[2] += c, hs[3] += d;
    hs[4] += e, hs[5] += f, hs[6] += g, hs[7] += h;
}

static void sha256_blocks_generic(uint32_t h[8], const uint8_t *p, size_t n)
{
    for (; n; n--, p += 64)
        sha256_block(h, p);
}

#ifdef DC_SHA256_SHANI
/*
 * The same compression with the x86 SHA extensions. The state lives as two
 * vectors, (a, b, e, f) and (c, d, g, h); each sha256rnds2 does two rounds,
 * and the message schedule advances four words at a time: W[t..t+3] =
 * msg2(msg1(W[t-16..t-13], W[t-12..t-9]) + W[t-7..t-4], W[t-4..t-1]).
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
    __m128i hgfe = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
    __m128i abef = _mm_alignr_epi8(dcba, hgfe, 8);
    __m128i cdgh = _mm_blend_epi16(hgfe, dcba, 0xF0);
    for (; n; n--, p += 64) {
        const __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i w[4];
        for (unsigned g = 0; g < 16; g++) {
            __m128i *cur = &w[g & 3];
            if (g < 4)
                *cur = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
            else {
                const __m128i prev = w[(g - 1) & 3], prev2 = w[(g - 2) & 3];
                __m128i x = _mm_sha256msg1_epu32(*cur, w[(g - 3) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(prev, prev2, 4));
                *cur = _mm_sha256msg2_epu32(x, prev);
            }
            __m128i k = _mm_add_epi32(*cur, _mm_loadu_si128((const __m128i *)&sha256_k[4 * g]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

static bool cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
        return false;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

bool dc_sha256_accelerated(void)
{
#ifdef DC_SHA256_SHANI
    /* Threads may race to fill it: each writes the same answer. */
    static int have = -1;
    int h = __atomic_load_n(&have, __ATOMIC_RELAXED);
    if (h < 0) {
        h = cpu_has_sha();
        __atomic_store_n(&have, h, __ATOMIC_RELAXED);
    }
    return h;
#else
    return false;
#endif
}

static void sha256_init(sha256 *s, bool accel)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    *s = (sha256){.blocks = sha256_blocks_generic};
#ifdef DC_SHA256_SHANI
    if (accel)
        s->blocks = sha256_blocks_shani;
#endif
    memcpy(s->h, iv, sizeof(iv));
}

static void sha256_update(sha256 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->total += len;
    if (s->used) {
        size_t take = MIN(len, sizeof(s->block) - s->used);
        memcpy(s->block + s->used, p, take);
        s->used += take, p += take, len -= take;
        if (s->used < sizeof(s->block))
            return;
        s->blocks(s->h, s->block, 1);
        s->used = 0;
    }
    s->blocks(s->h, p, len / 64);
    p += len / 64 * 64;
    len %= 64;
    memcpy(s->block, p, len);
    s->used = len;
}

void dc_sha256_hex_with(const void *data, size_t len, bool accel, char ret[65])
{
    sha256 s;
    sha256_init(&s, accel && dc_sha256_accelerated());
    sha256_update(&s, data, len);
    uint64_t bits = s.total * 8;
    static const uint8_t pad[64] = {0x80};
    sha256_update(&s, pad, s.used < 56 ? 56 - s.used : 120 - s.used);
    uint8_t lenbe[8];
    for (size_t i = 0; i < 8; i++)
        lenbe[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(&s, lenbe, 8);
    for (size_t i = 0; i < 8; i++)
        snprintf(ret + 8 * i, 9, "%08" PRIx32, s.h[i]);
}

void dc_sha256_hex(const void *data, size_t len, char ret[65])
{
    dc_sha256_hex_with(data, len, true, ret);
}
