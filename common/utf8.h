/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* utf8.h: one multi-byte UTF-8 sequence, the check the document model and verifierd's display
 * text share. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The length (2..4) of the multi-byte UTF-8 sequence that starts at @p, of which @avail bytes
 * are readable, when it is well-formed (RFC 3629 §3: a lead octet C2..F4, continuation octets
 * 80..BF, the shortest form, no surrogate, at most U+10FFFF) and not a C1 control
 * (U+0080..U+009F); 0 otherwise. @ret_cp receives the code point. An ASCII octet is not a
 * multi-byte sequence: 0.
 *
 * Inline: the document builders call it for every non-ASCII character they copy.
 */
static inline size_t utf8_seq(const uint8_t *p, size_t avail, uint32_t *ret_cp) {
        uint8_t c = avail > 0 ? p[0] : 0;
        size_t len;
        uint32_t cp;

        if (c >= 0xC2 && c <= 0xDF) {
                len = 2;
                cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
                len = 3;
                cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
                len = 4;
                cp = c & 0x07;
        } else
                return 0;
        if (avail < len)
                return 0;
        for (size_t k = 1; k < len; k++) {
                if ((p[k] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
                return 0; /* overlong, or past U+10FFFF */
        if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp < 0xA0))
                return 0; /* surrogate, C1 control */
        *ret_cp = cp;
        return len;
}
