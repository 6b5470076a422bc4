/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cursor.c: bounded reads over untrusted bytes (see cursor.h). */
#include <errno.h>
#include <string.h>

#include "cursor.h"

int cursor_u8(Cursor *c, uint8_t *ret) {
        if (cursor_left(c) < 1)
                return -EBADMSG;
        *ret = c->data[c->pos++];
        return 0;
}

int cursor_peek(const Cursor *c, uint8_t *ret) {
        if (cursor_left(c) < 1)
                return -EBADMSG;
        *ret = c->data[c->pos];
        return 0;
}

int cursor_uintvar(Cursor *c, uint32_t *ret) {
        uint64_t v = 0;
        size_t i;

        /* WSP 8.1.2 / WBXML 5.1: 7 bits per octet, MSB set = more octets follow. */
        for (i = 0; i < CURSOR_UINTVAR_OCTETS_MAX; i++) {
                uint8_t b;

                if (cursor_left(c) <= i)
                        return -EBADMSG;
                b = c->data[c->pos + i];
                v = (v << 7) | (b & 0x7F);
                if (!(b & 0x80)) {
                        if (v > UINT32_MAX)
                                return -E2BIG;
                        c->pos += i + 1;
                        *ret = (uint32_t) v;
                        return 0;
                }
        }
        /* Five octets all with the continuation bit: a sixth would be needed, over our limit. */
        return -E2BIG;
}

int cursor_bytes(Cursor *c, size_t n, const uint8_t **ret) {
        if (n > cursor_left(c))
                return -EBADMSG;
        *ret = c->data + c->pos;
        c->pos += n;
        return 0;
}

int cursor_skip(Cursor *c, size_t n) {
        if (n > cursor_left(c))
                return -EBADMSG;
        c->pos += n;
        return 0;
}

int cursor_sub(Cursor *c, size_t n, Cursor *ret) {
        if (n > cursor_left(c))
                return -EBADMSG;
        ret->data = c->data + c->pos;
        ret->size = n;
        ret->pos = 0;
        ret->base = c->base + c->pos;
        c->pos += n;
        return 0;
}

int cursor_cstr(Cursor *c, const char **ret, size_t *ret_len) {
        const uint8_t *nul;
        size_t n;

        nul = memchr(c->data + c->pos, 0, cursor_left(c));
        if (!nul)
                return -EBADMSG;
        n = (size_t) (nul - (c->data + c->pos));
        *ret = (const char *) (c->data + c->pos);
        if (ret_len)
                *ret_len = n;
        c->pos += n + 1;
        return 0;
}
