/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hex.c: hex text helpers (see hex.h). */
#include <errno.h>

#include "hex.h"

static int hexval(uint8_t c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool is_space(uint8_t c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

long hex_decode(const char *s, size_t len, uint8_t *out, size_t out_size) {
        size_t k = 0;
        int hi = -1;

        for (size_t i = 0; i < len; i++) {
                uint8_t c = (uint8_t) s[i];
                int v;

                if (is_space(c))
                        continue;
                v = hexval(c);
                if (v < 0)
                        return -EBADMSG;
                if (hi < 0) {
                        hi = v;
                        continue;
                }
                if (k >= out_size)
                        return -E2BIG;
                out[k++] = (uint8_t) (hi << 4 | v);
                hi = -1;
        }
        if (hi >= 0)
                return -EBADMSG;
        return (long) k;
}

void hex_encode_upper(const uint8_t *in, size_t len, char *out) {
        static const char digits[] = "0123456789ABCDEF";

        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[in[i] >> 4];
                out[2 * i + 1] = digits[in[i] & 0xF];
        }
        out[2 * len] = 0;
}
