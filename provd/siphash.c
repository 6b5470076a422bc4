/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * siphash.c: SipHash-2-4 (Aumasson, Bernstein, "SipHash: a fast short-input PRF",
 * INDOCRYPT 2012), written from the paper's section 2: initialisation with the four
 * "somepseudorandomlygeneratedbytes" constants, compression with c = 2 SipRounds per 8-byte
 * little-endian word, the last word carrying the length mod 256 in its top byte, and
 * finalisation with v2 ^= 0xff and d = 4 SipRounds. Byte order is handled explicitly, so the
 * result does not depend on the host. Pure code.
 */
#include "siphash.h"

static inline uint64_t rotl64(uint64_t x, unsigned b) {
        return (x << b) | (x >> (64U - b));
}

static inline uint64_t load_le64(const uint8_t *p) {
        return (uint64_t) p[0] | (uint64_t) p[1] << 8 | (uint64_t) p[2] << 16 | (uint64_t) p[3] << 24 |
               (uint64_t) p[4] << 32 | (uint64_t) p[5] << 40 | (uint64_t) p[6] << 48 | (uint64_t) p[7] << 56;
}

/* One SipRound (paper figure 2.1). */
#define SIPROUND(v0, v1, v2, v3)              \
        do {                                  \
                v0 += v1;                     \
                v1 = rotl64(v1, 13);          \
                v1 ^= v0;                     \
                v0 = rotl64(v0, 32);          \
                v2 += v3;                     \
                v3 = rotl64(v3, 16);          \
                v3 ^= v2;                     \
                v0 += v3;                     \
                v3 = rotl64(v3, 21);          \
                v3 ^= v0;                     \
                v2 += v1;                     \
                v1 = rotl64(v1, 17);          \
                v1 ^= v2;                     \
                v2 = rotl64(v2, 32);          \
        } while (0)

uint64_t siphash24(const void *in, size_t len, const uint8_t k[SIPHASH_KEY_SIZE]) {
        const uint8_t *p = in;
        uint64_t k0 = load_le64(k), k1 = load_le64(k + 8);
        /* Initialisation (paper 2.1): the constants spell "somepseudorandomlygeneratedbytes". */
        uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
        uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
        uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
        uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
        uint64_t b = (uint64_t) len << 56; /* the last word's top byte is len mod 256 */
        size_t whole = len - (len % 8U);

        /* Compression: c = 2 rounds per message word. */
        for (size_t i = 0; i < whole; i += 8) {
                uint64_t m = load_le64(p + i);

                v3 ^= m;
                SIPROUND(v0, v1, v2, v3);
                SIPROUND(v0, v1, v2, v3);
                v0 ^= m;
        }
        for (size_t i = 0; i < len % 8U; i++)
                b |= (uint64_t) p[whole + i] << (8U * i);
        v3 ^= b;
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        v0 ^= b;

        /* Finalisation: d = 4 rounds. */
        v2 ^= 0xff;
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        return v0 ^ v1 ^ v2 ^ v3;
}
