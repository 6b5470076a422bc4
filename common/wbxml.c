/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wbxml.c: the WBXML token iterator, the PROV code-page tables and cpdoc_from_wbxml(), the
 * WBXML front end of the CP document model. Single pass, no allocation of its own: the
 * iterator reads through one bounded Cursor (R8) and hands out zero-copy spans; the builder
 * loop resolves tokens by direct table index, borrows single-piece attribute values and
 * assembles the others in fixed buffers bounded by CPDOC_NAME_MAX / CPDOC_VALUE_MAX, then
 * hands them to the cpdoc builder, which owns the arena, the string rules and the CPDOC_*
 * limits. Citations: "WBXML 1.3 5.x" is WAP-192-WBXML-20010725-a; "wire 3.x/4.x" is
 * docs/wire-notes.md, whose PROV tables stand for WAP-183-ProvCont and OMA-WAP-ProvCont-v1_1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpdoc-builder.h"
#include "macros.h"
#include "wbxml.h"

const WbxmlLang wbxml_lang_prov = {
        .max_page = 1,
        .attr_4x_page_mask = 1U << 1,
};

/* Parser states (WBXML 1.3 5.8.1): tag/content, attribute list before the first attribute
 * start, attribute list after one (value tokens allowed). */
enum {
        ST_CONTENT,
        ST_ATTR_LIST,
        ST_ATTR_VALUE,
};

#define LAYER "wbxml"

static int it_fail(const WbxmlIter *it, size_t off, const char *reason, int r) {
        return decode_fail(it->err, LAYER, off, reason, r);
}

/* mb_u_int32 (WBXML 1.3 5.1): at most 32 bits; anything longer is malformed, not a limit. */
static int read_mb(const WbxmlIter *it, Cursor *c, uint32_t *ret, size_t off, const char *truncated) {
        int r;

        r = cursor_uintvar(c, ret);
        if (r == -E2BIG)
                return it_fail(it, off, "mb_u_int32 longer than 32 bits (WBXML 1.3 5.1)", -EBADMSG);
        if (r < 0)
                return it_fail(it, off, truncated, -EBADMSG);
        return 0;
}

int wbxml_strtbl_ref(const WbxmlIter *it, uint32_t index, const char **ret, size_t *ret_len) {
        Cursor t = it->strtbl;
        const char *s;
        size_t n;

        /* WBXML 1.3 5.7: an index is an octet offset into the table; the string and its NUL
         * must lie inside the table (R8), never in the body behind it. */
        if (cursor_skip(&t, index) < 0 || cursor_cstr(&t, &s, &n) < 0)
                return -EBADMSG;
        *ret = s;
        *ret_len = n;
        return 0;
}

int wbxml_iter_init(WbxmlIter *it, const uint8_t *buf, size_t len, const WbxmlLang *lang, DecodeError *err) {
        Cursor c;
        uint32_t pid = 0, index = 0, charset = WBXML_CHARSET_UNKNOWN, tlen;
        bool pid_in_table = false;
        size_t off;
        uint8_t v, first;
        int r;

        memset(it, 0, sizeof(*it));
        it->lang = lang;
        it->err = err;
        cursor_init(&c, buf, len);

        /* WBXML 1.3 5.4: version = u_int8, (major - 1) << 4 | minor. */
        if (cursor_u8(&c, &v) < 0)
                return it_fail(it, 0, "empty document: no WBXML version octet", -EBADMSG);
        if (v > 0x03)
                return it_fail(it, 0, "WBXML version other than 1.0-1.3 (WBXML 1.3 5.4)", -EOPNOTSUPP);

        /* 5.5: publicid = mb_u_int32 | ( zero index ). */
        off = cursor_offset(&c);
        if (cursor_peek(&c, &first) < 0)
                return it_fail(it, off, "truncated header: no public id", -EBADMSG);
        if (first == 0x00) {
                (void) cursor_u8(&c, &first);
                r = read_mb(it, &c, &index, off, "truncated header: public id string-table index");
                if (r < 0)
                        return r;
                pid_in_table = true;
        } else {
                r = read_mb(it, &c, &pid, off, "truncated header: public id");
                if (r < 0)
                        return r;
                if (pid == 0)
                        return it_fail(it, off, "public id 0 in a multi-octet form (WBXML 1.3 5.5)", -EBADMSG);
        }

        /* 5.6: charset = mb_u_int32 (IANA MIBenum); the field does not exist in WBXML 1.0. */
        if (v > 0x00) {
                off = cursor_offset(&c);
                r = read_mb(it, &c, &charset, off, "truncated header: charset");
                if (r < 0)
                        return r;
                switch (charset) {
                case WBXML_CHARSET_UNKNOWN: /* 5.6: unknown and no meta information: UTF-8 */
                case WBXML_CHARSET_UTF_8:
                case WBXML_CHARSET_US_ASCII:
                case WBXML_CHARSET_ISO_8859_1:
                        break;
                default:
                        return it_fail(it, off, "charset other than UTF-8, US-ASCII or ISO-8859-1 (WBXML 1.3 5.6)",
                                       -EOPNOTSUPP);
                }
        }

        /* 5.7: strtbl = length *byte; every reference is checked against this sub-cursor. */
        off = cursor_offset(&c);
        r = read_mb(it, &c, &tlen, off, "truncated header: string table length");
        if (r < 0)
                return r;
        if (tlen > cursor_left(&c))
                return it_fail(it, off, "string table longer than the document (WBXML 1.3 5.7)", -EBADMSG);
        if (tlen > WBXML_STRTBL_MAX)
                return it_fail(it, off, "string table over WBXML_STRTBL_MAX", -E2BIG);
        (void) cursor_sub(&c, tlen, &it->strtbl);

        if (pid_in_table) {
                r = wbxml_strtbl_ref(it, index, &it->public_id_text, &it->public_id_len);
                if (r < 0)
                        return it_fail(it, 1, "public id string-table index outside the table or not NUL-terminated in it (WBXML 1.3 5.5)",
                                       -EBADMSG);
        }

        it->version = v;
        it->public_id = pid;
        it->charset = charset;
        it->body = c;
        return 0;
}

/* The token path is inlined into both wbxml_next() and the builder loop (perf: one call and
 * one switch per token, anchors 1.1). */
#define _always_inline_ __attribute__((always_inline)) inline
#define _fallthrough_ __attribute__((fallthrough))

/* One octet through the cursor: the length is compared first (R8). */
static _always_inline_ bool take_u8(Cursor *c, uint8_t *ret) {
        if (cursor_left(c) < 1)
                return false;
        *ret = *cursor_ptr(c);
        c->pos++;
        return true;
}

/*
 * memchr(s, 0, n) for the short strings of a PROV document: 8 octets at a time while 8 are
 * left (every read stays inside s[0..n)), then memchr. In (w - 0x01..) & ~w & 0x80.., a
 * borrow can only start at a zero octet, so the lowest flagged octet is the first NUL.
 */
static _always_inline_ const uint8_t *find_nul(const uint8_t *s, size_t n) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        size_t i = 0;

        for (; n - i >= 8; i += 8) {
                uint64_t w, z;

                memcpy(&w, s + i, sizeof(w));
                z = (w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080);
                if (z)
                        return s + i + (size_t) (__builtin_ctzll(z) >> 3);
        }
        return memchr(s + i, 0, n - i);
#else
        return memchr(s, 0, n);
#endif
}

/* cursor_cstr(), inline for the token path: the NUL must lie inside the cursor (R8); on
 * failure the cursor does not move. */
static _always_inline_ bool take_cstr(Cursor *c, const char **ret, size_t *ret_len) {
        const uint8_t *s = cursor_ptr(c), *nul = find_nul(s, cursor_left(c));

        if (!nul)
                return false;
        *ret = (const char *) s;
        *ret_len = (size_t) (nul - s);
        c->pos += (size_t) (nul - s) + 1;
        return true;
}

/* read_mb() with the one- and two-octet forms (values < 0x4000, WBXML 1.3 5.1) inline;
 * longer forms and every error go through read_mb() from the same position, so results and
 * errors are the same. */
static _always_inline_ int take_mb(const WbxmlIter *it, Cursor *c, uint32_t *ret, size_t off, const char *truncated) {
        const uint8_t *q = cursor_ptr(c);
        size_t left = cursor_left(c);

        if (_likely_(left >= 1 && q[0] < 0x80)) {
                *ret = q[0];
                c->pos++;
                return 0;
        }
        if (left >= 2 && q[1] < 0x80) {
                *ret = (uint32_t) (q[0] & 0x7F) << 7 | q[1];
                c->pos += 2;
                return 0;
        }
        return read_mb(it, c, ret, off, truncated);
}

/* wbxml_strtbl_ref(), inline: the same two checks (index inside the table, NUL inside it). */
static _always_inline_ bool strtbl_take(const WbxmlIter *it, uint32_t index, const char **ret, size_t *ret_len) {
        const Cursor *t = &it->strtbl;
        const uint8_t *s, *nul;

        if (index > cursor_left(t))
                return false;
        s = cursor_ptr(t) + index;
        nul = find_nul(s, cursor_left(t) - index);
        if (!nul)
                return false;
        *ret = (const char *) s;
        *ret_len = (size_t) (nul - s);
        return true;
}

static _always_inline_ int emit_end(WbxmlIter *it, WbxmlToken *t, size_t off) {
        t->type = WBXML_TOKEN_END;
        t->offset = off;
        t->depth = it->depth;
        it->depth--;
        if (it->depth == 0)
                it->flags |= WBXML_ITER_DONE;
        return 1;
}

/* STR_I, STR_T, ENTITY, OPAQUE: part of an attribute value, or element content. */
static _always_inline_ int read_data(WbxmlIter *it, uint8_t b, size_t off, WbxmlToken *t) {
        Cursor *c = &it->body;
        bool in_attr = it->state != ST_CONTENT;
        uint32_t v;
        int r;

        if (in_attr) {
                if (it->state != ST_ATTR_VALUE)
                        return it_fail(it, off, "attribute value before any attribute start (WBXML 1.3 5.3)", -EBADMSG);
                if (it->parts >= WBXML_VALUE_PARTS_MAX)
                        return it_fail(it, off, "attribute value in more than WBXML_VALUE_PARTS_MAX parts", -E2BIG);
                it->parts++;
        } else if (it->depth == 0)
                return it_fail(it, off, "content outside the root element (WBXML 1.3 5.3)", -EBADMSG);

        t->offset = off;
        t->in_attr = in_attr;
        switch (b) {
        case WBXML_STR_I: {
                const char *s;

                /* 5.8.4.1: termstr; the NUL must be inside the document. */
                if (!take_cstr(c, &s, &t->len))
                        return it_fail(it, off, "STR_I not NUL-terminated before the end of the document (WBXML 1.3 5.8.4.1)",
                                       -EBADMSG);
                t->type = WBXML_TOKEN_STRING;
                t->from_strtbl = false;
                t->data = (const uint8_t *) s;
                return 1;
        }
        case WBXML_STR_T: {
                const char *s;

                r = take_mb(it, c, &v, off, "truncated STR_T index");
                if (r < 0)
                        return r;
                if (!strtbl_take(it, v, &s, &t->len))
                        return it_fail(it, off, "STR_T index outside the string table or not NUL-terminated in it (WBXML 1.3 5.7)",
                                       -EBADMSG);
                t->type = WBXML_TOKEN_STRING;
                t->from_strtbl = true;
                t->data = (const uint8_t *) s;
                return 1;
        }
        case WBXML_ENTITY:
                /* 5.8.4.3: entcode = mb_u_int32, a UCS-4 character code. Mapped, never asserted
                 * on (libwbxml 0.11.8 aborts here, anchors 1.6). */
                r = read_mb(it, c, &v, off, "truncated ENTITY");
                if (r < 0)
                        return r;
                if (v > 0x10FFFFU || (v >= 0xD800U && v <= 0xDFFFU))
                        return it_fail(it, off, "ENTITY is not a Unicode scalar value (WBXML 1.3 5.8.4.3)", -EBADMSG);
                t->type = WBXML_TOKEN_ENTITY;
                t->entity = v;
                return 1;
        default: /* WBXML_OPAQUE */
                /* 5.8.4.6: OPAQUE length *byte; not in 1.0 at all, not in attribute values
                 * before 1.2 (libwbxml's reading of the 1.1/1.2 BNF). */
                if (it->version == 0x00 || (in_attr && it->version < 0x02))
                        return it_fail(it, off, "OPAQUE not allowed here in this WBXML version (WBXML 1.3 5.3)", -EBADMSG);
                r = read_mb(it, c, &v, off, "truncated OPAQUE length");
                if (r < 0)
                        return r;
                if (cursor_bytes(c, v, &t->data) < 0)
                        return it_fail(it, off, "OPAQUE length beyond the end of the document (WBXML 1.3 5.8.4.6)", -EBADMSG);
                t->type = WBXML_TOKEN_OPAQUE;
                t->len = v;
                return 1;
        }
}

/* A token of the application code space: tag (content state), attribute start (< 0x80) or
 * attribute value (>= 0x80) in attribute state (WBXML 1.3 5.8.2, 5.8.3). */
static _always_inline_ int code_token(WbxmlIter *it, uint8_t b, size_t off, WbxmlToken *t) {
        t->offset = off;
        if (it->state == ST_CONTENT) {
                if (it->depth >= WBXML_DEPTH_MAX)
                        return it_fail(it, off, "elements nested deeper than WBXML_DEPTH_MAX", -E2BIG);
                t->type = WBXML_TOKEN_TAG;
                t->page = it->tag_page;
                t->id = b & 0x3F;
                t->attrs = (b & 0x80) != 0;
                t->content = (b & 0x40) != 0;
                it->depth++;
                t->depth = it->depth;
                if (t->attrs) {
                        it->state = ST_ATTR_LIST;
                        it->tag_content = t->content;
                } else if (!t->content)
                        it->flags |= WBXML_ITER_PENDING_END;
                return 1;
        }
        t->page = it->attr_page;
        t->id = b;
        if (b < 0x80) {
                t->type = WBXML_TOKEN_ATTR_START;
                it->state = ST_ATTR_VALUE;
                it->parts = 0;
                return 1;
        }
        if (it->state != ST_ATTR_VALUE)
                return it_fail(it, off, "attribute value token before any attribute start (WBXML 1.3 5.3)", -EBADMSG);
        if (it->parts >= WBXML_VALUE_PARTS_MAX)
                return it_fail(it, off, "attribute value in more than WBXML_VALUE_PARTS_MAX parts", -E2BIG);
        it->parts++;
        t->type = WBXML_TOKEN_ATTR_VALUE;
        return 1;
}

static _always_inline_ int next_token(WbxmlIter *it, WbxmlToken *ret) {
        Cursor *c = &it->body;

        for (;;) {
                size_t off = cursor_offset(c);
                uint8_t b, page;

                if (_unlikely_(it->flags)) {
                        if (it->flags & WBXML_ITER_PENDING_END) {
                                it->flags &= ~WBXML_ITER_PENDING_END;
                                return emit_end(it, ret, off);
                        }
                        if (!cursor_eof(c))
                                return it_fail(it, off, "data after the root element (WBXML 1.3 5.3; PROV has no PI)", -EBADMSG);
                        return 0;
                }
                if (!take_u8(c, &b))
                        return it_fail(it, off,
                                       it->depth > 0 ? "document truncated inside an element" : "no root element",
                                       -EBADMSG);

                /* WBXML 1.3 7.1: the global tokens are exactly the octets whose low six bits
                 * are 0x00-0x04 (00-04, 40-44, 80-84, C0-C4); any other octet is a tag or an
                 * attribute code (the switch's default), the common case. */
                if (_likely_((b & 0x3F) > WBXML_LITERAL))
                        return code_token(it, b, off, ret);

                switch (b) {
                case WBXML_SWITCH_PAGE:
                        /* 5.8.1: SWITCH_PAGE changes the tag page in tag state and the attribute
                         * page in attribute state; both persist across END (wire 3.3). */
                        if (!take_u8(c, &page))
                                return it_fail(it, off, "truncated SWITCH_PAGE", -EBADMSG);
                        if (page > it->lang->max_page)
                                return it_fail(it, off, "SWITCH_PAGE to a code page PROV does not define (wire 3.3)",
                                               -EBADMSG);
                        if (it->state == ST_CONTENT)
                                it->tag_page = page;
                        else
                                it->attr_page = page;
                        continue;

                case WBXML_END:
                        if (it->state == ST_CONTENT) {
                                if (it->depth == 0)
                                        return it_fail(it, off, "END outside any element", -EBADMSG);
                                return emit_end(it, ret, off);
                        }
                        if (it->state == ST_ATTR_LIST)
                                return it_fail(it, off, "attribute list without an attribute (WBXML 1.3 5.3: 1*attribute END)",
                                               -EBADMSG);
                        it->state = ST_CONTENT;
                        if (!it->tag_content)
                                it->flags |= WBXML_ITER_PENDING_END;
                        ret->type = WBXML_TOKEN_ATTRS_END;
                        ret->offset = off;
                        return 1;

                case WBXML_STR_I:
                        /* the common case inline: an inline string in an attribute value */
                        if (it->state == ST_ATTR_VALUE && it->parts < WBXML_VALUE_PARTS_MAX) {
                                const char *s;

                                if (!take_cstr(c, &s, &ret->len))
                                        return it_fail(it, off,
                                                       "STR_I not NUL-terminated before the end of the document (WBXML 1.3 5.8.4.1)",
                                                       -EBADMSG);
                                it->parts++;
                                ret->type = WBXML_TOKEN_STRING;
                                ret->offset = off;
                                ret->in_attr = true;
                                ret->from_strtbl = false;
                                ret->data = (const uint8_t *) s;
                                return 1;
                        }
                        _fallthrough_;
                case WBXML_STR_T:
                case WBXML_ENTITY:
                case WBXML_OPAQUE:
                        return read_data(it, b, off, ret);

                case WBXML_EXT_I_0:
                case WBXML_EXT_I_1:
                case WBXML_EXT_I_2:
                case WBXML_PI:
                case WBXML_LITERAL_C:
                        /* wire 3.6: on PROV cp1 these octets are attribute starts (2005+ WLAN
                         * names) in attribute state; the collision exists in two tables. */
                        if (it->state != ST_CONTENT && it->attr_page < 8 &&
                            (it->lang->attr_4x_page_mask >> it->attr_page) & 1U)
                                return code_token(it, b, off, ret);
                        if (b == WBXML_PI)
                                return it_fail(it, off, "PI: PROV documents carry no processing instructions (WBXML 1.3 5.8.4.4)",
                                               -EBADMSG);
                        if (b == WBXML_LITERAL_C)
                                return it_fail(it, off, "LITERAL_C: PROV has no literal tags (WBXML 1.3 5.8.4.5)", -EBADMSG);
                        return it_fail(it, off, "EXT_I_*: PROV defines no extensions (WBXML 1.3 5.8.4.2)", -EBADMSG);

                case WBXML_LITERAL:
                case WBXML_LITERAL_A:
                case WBXML_LITERAL_AC:
                        return it_fail(it, off, "LITERAL*: PROV has no literal tag or attribute names (WBXML 1.3 5.8.4.5)",
                                       -EBADMSG);

                case WBXML_EXT_T_0:
                case WBXML_EXT_T_1:
                case WBXML_EXT_T_2:
                case WBXML_EXT_0:
                case WBXML_EXT_1:
                case WBXML_EXT_2:
                        return it_fail(it, off, "EXT_T_*/EXT_*: PROV defines no extensions (WBXML 1.3 5.8.4.2)", -EBADMSG);

                default:
                        return code_token(it, b, off, ret);
                }
        }
}

int wbxml_next(WbxmlIter *it, WbxmlToken *ret) {
        return next_token(it, ret);
}

/* ---- PROV tables (wire 3.4-3.7) ------------------------------------------------------ */

typedef struct ProvStr {
        const char *s;
        uint8_t len;
        uint8_t origin;
        uint8_t kind;
} ProvStr;

#define W WBXML_PROV_ORIGIN_WAP
#define O WBXML_PROV_ORIGIN_OMA
#define N WBXML_PROV_ORIGIN_2005
#define S(o, k, str) { (str), sizeof(str) - 1, (o), (k) }
#define V(o, str) S(o, 0, str)
#define NM(o, str) S(o, WBXML_PROV_ATTR_NAME, str)
#define TY(o, str) S(o, WBXML_PROV_ATTR_TYPE, str)

/* wire 3.4: tags; index = token & 0x3F. */
static const ProvStr prov_tags[2][64] = {
        [0] = {
                [0x05] = S(W, WBXML_PROV_ELEM_DOC, "wap-provisioningdoc"),
                [0x06] = S(W, WBXML_PROV_ELEM_CHARACTERISTIC, "characteristic"),
                [0x07] = S(W, WBXML_PROV_ELEM_PARM, "parm"),
        },
        [1] = {
                [0x06] = S(O, WBXML_PROV_ELEM_CHARACTERISTIC, "characteristic"),
                [0x07] = S(O, WBXML_PROV_ELEM_PARM, "parm"),
        },
};

/* wire 3.5 (cp0) and 3.6 (cp1): attribute starts; s is the value prefix. */
static const ProvStr prov_attr_starts[2][128] = {
        [0] = {
                [0x05] = NM(W, ""),
                [0x06] = S(W, WBXML_PROV_ATTR_VALUE, ""),
                [0x07] = NM(W, "NAME"),
                [0x08] = NM(W, "NAP-ADDRESS"),
                [0x09] = NM(W, "NAP-ADDRTYPE"),
                [0x0A] = NM(W, "CALLTYPE"),
                [0x0B] = NM(W, "VALIDUNTIL"),
                [0x0C] = NM(W, "AUTHTYPE"),
                [0x0D] = NM(W, "AUTHNAME"),
                [0x0E] = NM(W, "AUTHSECRET"),
                [0x0F] = NM(W, "LINGER"),
                [0x10] = NM(W, "BEARER"),
                [0x11] = NM(W, "NAPID"),
                [0x12] = NM(W, "COUNTRY"),
                [0x13] = NM(W, "NETWORK"),
                [0x14] = NM(W, "INTERNET"),
                [0x15] = NM(W, "PROXY-ID"),
                [0x16] = NM(W, "PROXY-PROVIDER-ID"),
                [0x17] = NM(W, "DOMAIN"),
                [0x18] = NM(W, "PROVURL"),
                [0x19] = NM(W, "PXAUTH-TYPE"),
                [0x1A] = NM(W, "PXAUTH-ID"),
                [0x1B] = NM(W, "PXAUTH-PW"),
                [0x1C] = NM(W, "STARTPAGE"),
                [0x1D] = NM(W, "BASAUTH-ID"),
                [0x1E] = NM(W, "BASAUTH-PW"),
                [0x1F] = NM(W, "PUSHENABLED"),
                [0x20] = NM(W, "PXADDR"),
                [0x21] = NM(W, "PXADDRTYPE"),
                [0x22] = NM(W, "TO-NAPID"),
                [0x23] = NM(W, "PORTNBR"),
                [0x24] = NM(W, "SERVICE"),
                [0x25] = NM(W, "LINKSPEED"),
                [0x26] = NM(W, "DNLINKSPEED"),
                [0x27] = NM(W, "LOCAL-ADDR"),
                [0x28] = NM(W, "LOCAL-ADDRTYPE"),
                [0x29] = NM(W, "CONTEXT-ALLOW"),
                [0x2A] = NM(W, "TRUST"),
                [0x2B] = NM(W, "MASTER"),
                [0x2C] = NM(W, "SID"),
                [0x2D] = NM(W, "SOC"),
                [0x2E] = NM(W, "WSP-VERSION"),
                [0x2F] = NM(W, "PHYSICAL-PROXY-ID"),
                [0x30] = NM(W, "CLIENT-ID"),
                [0x31] = NM(W, "DELIVERY-ERR-SDU"),
                [0x32] = NM(W, "DELIVERY-ORDER"),
                [0x33] = NM(W, "TRAFFIC-CLASS"),
                [0x34] = NM(W, "MAX-SDU-SIZE"),
                [0x35] = NM(W, "MAX-BITRATE-UPLINK"),
                [0x36] = NM(W, "MAX-BITRATE-DNLINK"),
                [0x37] = NM(W, "RESIDUAL-BER"),
                [0x38] = NM(W, "SDU-ERROR-RATIO"),
                [0x39] = NM(W, "TRAFFIC-HANDL-PRIO"),
                [0x3A] = NM(W, "TRANSFER-DELAY"),
                [0x3B] = NM(W, "GUARANTEED-BITRATE-UPLINK"),
                [0x3C] = NM(W, "GUARANTEED-BITRATE-DNLINK"),
                [0x3D] = NM(O, "PXADDR-FQDN"),
                [0x3E] = NM(O, "PROXY-PW"),
                [0x3F] = NM(O, "PPGAUTH-TYPE"),
                [0x45] = S(W, WBXML_PROV_ATTR_VERSION, ""),
                [0x46] = S(W, WBXML_PROV_ATTR_VERSION, "1.0"),
                [0x47] = NM(O, "PULLENABLED"),
                [0x48] = NM(O, "DNS-ADDR"),
                [0x49] = NM(O, "MAX-NUM-RETRY"),
                [0x4A] = NM(O, "FIRST-RETRY-TIMEOUT"),
                [0x4B] = NM(O, "REREG-THRESHOLD"),
                [0x4C] = NM(O, "T-BIT"),
                /* 0x4D unassigned in every table (wire 3.5) */
                [0x4E] = NM(O, "AUTH-ENTITY"),
                [0x4F] = NM(O, "SPI"),
                [0x50] = TY(W, ""),
                [0x51] = TY(W, "PXLOGICAL"),
                [0x52] = TY(W, "PXPHYSICAL"),
                [0x53] = TY(W, "PORT"),
                [0x54] = TY(W, "VALIDITY"),
                [0x55] = TY(W, "NAPDEF"),
                [0x56] = TY(W, "BOOTSTRAP"),
                [0x57] = TY(W, "VENDORCONFIG"),
                [0x58] = TY(W, "CLIENTIDENTITY"),
                [0x59] = TY(W, "PXAUTHINFO"),
                [0x5A] = TY(W, "NAPAUTHINFO"),
                [0x5B] = TY(O, "ACCESS"),
                [0x5C] = TY(N, "BEARERINFO"),
                [0x5D] = TY(N, "DNS-ADDRINFO"),
        },
        [1] = {
                [0x05] = NM(O, ""),
                [0x06] = S(O, WBXML_PROV_ATTR_VALUE, ""),
                [0x07] = NM(O, "NAME"),
                [0x14] = NM(O, "INTERNET"),
                [0x1C] = NM(O, "STARTPAGE"),
                [0x22] = NM(O, "TO-NAPID"),
                [0x23] = NM(O, "PORTNBR"),
                [0x24] = NM(O, "SERVICE"),
                [0x2E] = NM(O, "AACCEPT"),
                [0x2F] = NM(O, "AAUTHDATA"),
                [0x30] = NM(O, "AAUTHLEVEL"),
                [0x31] = NM(O, "AAUTHNAME"),
                [0x32] = NM(O, "AAUTHSECRET"),
                [0x33] = NM(O, "AAUTHTYPE"),
                [0x34] = NM(O, "ADDR"),
                [0x35] = NM(O, "ADDRTYPE"),
                [0x36] = NM(O, "APPID"),
                [0x37] = NM(O, "APROTOCOL"),
                [0x38] = NM(O, "PROVIDER-ID"),
                [0x39] = NM(O, "TO-PROXY"),
                [0x3A] = NM(O, "URI"),
                [0x3B] = NM(O, "RULE"),
                [0x3C] = NM(N, "APPREF"),
                [0x3D] = NM(N, "TO-APPREF"),
                [0x3E] = NM(N, "PRI-SSID"),
                [0x3F] = NM(N, "PRI-U-SSID"),
                [0x40] = NM(N, "PRI-H-SSID"), /* 0x40-0x44 collide with EXT_I_0..LITERAL_C */
                [0x41] = NM(N, "S-SSID"),
                [0x42] = NM(N, "S-U-SSID"),
                [0x43] = NM(N, "NETMODE"),
                [0x44] = NM(N, "SECMODE"),
                [0x45] = NM(N, "EAPTYPE"),
                [0x46] = NM(N, "USERNAME"),
                [0x47] = NM(N, "PASSWORD"),
                [0x48] = NM(N, "REALM"),
                [0x49] = NM(N, "USE-PSEUD"),
                /* 0x4A/0x4B: "probably MAXAUTHS/ENCAPS" only (wire 3.6, 8): unknown */
                [0x4C] = NM(N, "VER-SER-REALM"),
                [0x4D] = NM(N, "CLIENT-AUTH"),
                [0x4E] = NM(N, "SES-VAL-TIME"),
                [0x4F] = NM(N, "CIP-SUIT"),
                [0x50] = TY(O, ""),
                [0x53] = TY(O, "PORT"),
                [0x55] = TY(O, "APPLICATION"),
                [0x56] = TY(O, "APPADDR"),
                [0x57] = TY(O, "APPAUTH"),
                [0x58] = TY(O, "CLIENTIDENTITY"),
                [0x59] = TY(O, "RESOURCE"),
                [0x5A] = TY(N, "WLAN"),
                [0x5B] = TY(N, "SEC-SSID"),
                [0x5C] = TY(N, "EAP"),
                [0x5D] = TY(N, "CERT"),
                [0x5E] = TY(N, "WEPKEY"),
                [0x60] = NM(N, "PEAP-V0"),
                [0x61] = NM(N, "PEAP-V1"),
                [0x62] = NM(N, "PEAP-V2"),
                [0x63] = NM(N, "ISS-NAME"),
                [0x64] = NM(N, "SUB-NAME"),
                [0x65] = NM(N, "CERT-TYPE"),
                [0x66] = NM(N, "SER-NUM"),
                [0x67] = NM(N, "SUB-KEY-ID"),
                [0x68] = NM(N, "THUMBPRINT"),
                [0x69] = NM(N, "WPA-PRES-KEY-ASC"),
                [0x6A] = NM(N, "WPA-PRES-KEY-HEX"),
                [0x6B] = NM(N, "WEPKEYIND"),
                [0x6C] = NM(N, "WEPAUTHMODE"),
                [0x6D] = NM(N, "LENGTH"),
                [0x6E] = NM(N, "INDEX"),
                [0x6F] = NM(N, "DATA"),
                [0x70] = NM(N, "WLANHAND"),
                [0x71] = NM(N, "EDIT-SET"),
                [0x72] = NM(N, "VIEW-SET"),
                [0x73] = NM(N, "FORW-SET"),
        },
};

/* wire 3.7: attribute values; index = token - 0x80. */
static const ProvStr prov_attr_values[2][128] = {
        [0] = {
                [0x05] = V(W, "IPV4"),
                [0x06] = V(W, "IPV6"),
                [0x07] = V(W, "E164"),
                [0x08] = V(W, "ALPHA"),
                [0x09] = V(W, "APN"),
                [0x0A] = V(W, "SCODE"),
                [0x0B] = V(W, "TETRA-ITSI"),
                [0x0C] = V(W, "MAN"),
                [0x10] = V(W, "ANALOG-MODEM"),
                [0x11] = V(W, "V.120"),
                [0x12] = V(W, "V.110"),
                [0x13] = V(W, "X.31"),
                [0x14] = V(W, "BIT-TRANSPARENT"),
                [0x15] = V(W, "DIRECT-ASYNCHRONOUS-DATA-SERVICE"),
                [0x1A] = V(W, "PAP"),
                [0x1B] = V(W, "CHAP"),
                [0x1C] = V(W, "HTTP-BASIC"),
                [0x1D] = V(W, "HTTP-DIGEST"),
                [0x1E] = V(W, "WTLS-SS"),
                [0x1F] = V(O, "MD5"),
                [0x22] = V(W, "GSM-USSD"),
                [0x23] = V(W, "GSM-SMS"),
                [0x24] = V(W, "ANSI-136-GUTS"),
                [0x25] = V(W, "IS-95-CDMA-SMS"),
                [0x26] = V(W, "IS-95-CDMA-CSD"),
                [0x27] = V(W, "IS-95-CDMA-PACKET"),
                [0x28] = V(W, "ANSI-136-CSD"),
                [0x29] = V(W, "ANSI-136-GPRS"),
                [0x2A] = V(W, "GSM-CSD"),
                [0x2B] = V(W, "GSM-GPRS"),
                [0x2C] = V(W, "AMPS-CDPD"),
                [0x2D] = V(W, "PDC-CSD"),
                [0x2E] = V(W, "PDC-PACKET"),
                [0x2F] = V(W, "IDEN-SMS"),
                [0x30] = V(W, "IDEN-CSD"),
                [0x31] = V(W, "IDEN-PACKET"),
                [0x32] = V(W, "FLEX/REFLEX"),
                [0x33] = V(W, "PHS-SMS"),
                [0x34] = V(W, "PHS-CSD"),
                [0x35] = V(W, "TETRA-SDS"),    /* libwbxml: "TRETRA-SDS" (wire 3.8) */
                [0x36] = V(W, "TETRA-PACKET"), /* libwbxml: "TRETRA-PACKET" (wire 3.8) */
                [0x37] = V(W, "ANSI-136-GHOST"),
                [0x38] = V(W, "MOBITEX-MPAK"),
                [0x39] = V(O, "CDMA2000-1X-SIMPLE-IP"),
                [0x3A] = V(O, "CDMA2000-1X-MOBILE-IP"),
                [0x3B] = V(N, "3G-GSM"),
                [0x3C] = V(N, "WLAN"),
                [0x45] = V(W, "AUTOBAUDING"),
                [0x4A] = V(W, "CL-WSP"),
                [0x4B] = V(W, "CO-WSP"),
                [0x4C] = V(W, "CL-SEC-WSP"),
                [0x4D] = V(W, "CO-SEC-WSP"),
                [0x4E] = V(W, "CL-SEC-WTA"),
                [0x4F] = V(W, "CO-SEC-WTA"),
                [0x50] = V(O, "OTA-HTTP-TO"),
                [0x51] = V(O, "OTA-HTTP-TLS-TO"),
                [0x52] = V(O, "OTA-HTTP-PO"),
                [0x53] = V(O, "OTA-HTTP-TLS-PO"),
                [0x60] = V(O, "AAA"),
                [0x61] = V(O, "HA"),
        },
        [1] = {
                /* no IPV4 on cp1 (wire 3.7) */
                [0x06] = V(O, "IPV6"),
                [0x07] = V(O, "E164"),
                [0x08] = V(O, "ALPHA"),
                [0x0D] = V(O, "APPSRV"),
                [0x0E] = V(O, "OBEX"),
                /* AAUTHTYPE: 2005 numbering 90-93 only; 80-83 would be EXT_T_0..2/STR_T (wire 3.8) */
                [0x10] = V(O, ","),
                [0x11] = V(O, "HTTP-"),
                [0x12] = V(O, "BASIC"),
                [0x13] = V(O, "DIGEST"),
        },
};

#undef W
#undef O
#undef N

static void entry_fill(const ProvStr *p, WbxmlTokenType type, uint8_t page, uint8_t id, WbxmlProvEntry *ret) {
        ret->type = type;
        ret->page = page;
        ret->id = id;
        ret->origin = p->origin;
        ret->kind = type == WBXML_TOKEN_ATTR_VALUE ? -1 : p->kind;
        ret->text = p->s;
        ret->text_len = p->len;
}

int wbxml_prov_tag(uint8_t page, uint8_t id, WbxmlProvEntry *ret) {
        const ProvStr *p;

        if (page > 1 || id > 0x3F)
                return -ENOENT;
        p = &prov_tags[page][id];
        if (!p->s)
                return -ENOENT;
        entry_fill(p, WBXML_TOKEN_TAG, page, id, ret);
        return 0;
}

int wbxml_prov_attr_start(uint8_t page, uint8_t id, WbxmlProvEntry *ret) {
        const ProvStr *p;

        if (page > 1 || id > 0x7F)
                return -ENOENT;
        p = &prov_attr_starts[page][id];
        if (!p->s)
                return -ENOENT;
        entry_fill(p, WBXML_TOKEN_ATTR_START, page, id, ret);
        return 0;
}

int wbxml_prov_attr_value(uint8_t page, uint8_t id, WbxmlProvEntry *ret) {
        const ProvStr *p;

        if (page > 1 || id < 0x80)
                return -ENOENT;
        p = &prov_attr_values[page][id - 0x80];
        if (!p->s)
                return -ENOENT;
        entry_fill(p, WBXML_TOKEN_ATTR_VALUE, page, id, ret);
        return 0;
}

int wbxml_prov_table_entry(size_t index, WbxmlProvEntry *ret) {
        size_t k = 0;

        for (unsigned t = 0; t < 3; t++)
                for (unsigned page = 0; page < 2; page++)
                        for (unsigned i = 0; i < (t == 0 ? 64U : 128U); i++) {
                                WbxmlProvEntry e;
                                int r;

                                if (t == 0)
                                        r = wbxml_prov_tag(page, i, &e);
                                else if (t == 1)
                                        r = wbxml_prov_attr_start(page, i, &e);
                                else
                                        r = wbxml_prov_attr_value(page, i + 0x80, &e);
                                if (r < 0)
                                        continue;
                                if (k++ == index) {
                                        *ret = e;
                                        return 1;
                                }
                        }
        return 0;
}

const char *wbxml_prov_attr_name(WbxmlProvAttr a) {
        static const char *const names[_WBXML_PROV_ATTR_MAX] = {
                [WBXML_PROV_ATTR_VERSION] = "version",
                [WBXML_PROV_ATTR_TYPE] = "type",
                [WBXML_PROV_ATTR_NAME] = "name",
                [WBXML_PROV_ATTR_VALUE] = "value",
        };

        if (a < 0 || a >= _WBXML_PROV_ATTR_MAX)
                return NULL;
        return names[a];
}

const char *wbxml_global_token_name(uint8_t token) {
        switch (token) {
        case WBXML_SWITCH_PAGE: return "SWITCH_PAGE";
        case WBXML_END: return "END";
        case WBXML_ENTITY: return "ENTITY";
        case WBXML_STR_I: return "STR_I";
        case WBXML_LITERAL: return "LITERAL";
        case WBXML_EXT_I_0: return "EXT_I_0";
        case WBXML_EXT_I_1: return "EXT_I_1";
        case WBXML_EXT_I_2: return "EXT_I_2";
        case WBXML_PI: return "PI";
        case WBXML_LITERAL_C: return "LITERAL_C";
        case WBXML_EXT_T_0: return "EXT_T_0";
        case WBXML_EXT_T_1: return "EXT_T_1";
        case WBXML_EXT_T_2: return "EXT_T_2";
        case WBXML_STR_T: return "STR_T";
        case WBXML_LITERAL_A: return "LITERAL_A";
        case WBXML_EXT_0: return "EXT_0";
        case WBXML_EXT_1: return "EXT_1";
        case WBXML_EXT_2: return "EXT_2";
        case WBXML_OPAQUE: return "OPAQUE";
        case WBXML_LITERAL_AC: return "LITERAL_AC";
        default: return NULL;
        }
}

int wbxml_prov_entry_render(const WbxmlProvEntry *e, char *buf, size_t size) {
        static const char *const types[] = {
                [WBXML_TOKEN_TAG] = "TAG",
                [WBXML_TOKEN_ATTR_START] = "ATTR_START",
                [WBXML_TOKEN_ATTR_VALUE] = "ATTR_VALUE",
        };
        const char *tn = e->type >= 0 && e->type <= WBXML_TOKEN_ATTR_VALUE ? types[e->type] : "?";

        if (e->type == WBXML_TOKEN_ATTR_START)
                return snprintf(buf, size, "cp%u %s 0x%02X %s=\"%s\"", e->page, tn, e->id,
                                wbxml_prov_attr_name((WbxmlProvAttr) e->kind), e->text);
        return snprintf(buf, size, "cp%u %s 0x%02X \"%s\"", e->page, tn, e->id, e->text);
}

/* ---- cpdoc_from_wbxml: one flat loop over the tokens ------------------------------------ */

/*
 * Decisions taken by cpdoc_from_wbxml():
 *  - Public id: 0x0B (PROV), 0x01 (unknown) and any vendor id (e.g. Windows Mobile 0x110E)
 *    are accepted; the numbers the WAP registry gives other document types (0x02-0x0A WML,
 *    WTA, SI, SL, CO, CHANNEL; 0x0C-0x0E WTA-WML, EMN, DRMREL) are -EOPNOTSUPP. A public id
 *    given through the string table must be exactly "-//WAPFORUM//DTD PROV 1.0//EN", else
 *    -EOPNOTSUPP: a sender that spells an FPI names its document type. Whatever the id, the
 *    root element must decode as wap-provisioningdoc (cp0 0x05), so a foreign document can
 *    never be read through the PROV tables (wire 3.1, 6).
 *  - Charset: UTF-8 (106), and 0 / absent (WBXML 1.0) taken as UTF-8 (WBXML 1.3 5.6);
 *    US-ASCII (3) with every string octet checked < 0x80; ISO-8859-1 (4) converted to UTF-8
 *    while the value is assembled. Everything else is -EOPNOTSUPP (in wbxml_iter_init()).
 *  - ENTITY is mapped to UTF-8 (a Unicode scalar value, then the builder's string rules);
 *    OPAQUE is string data in the document charset, in attribute values only (WBXML >= 1.2).
 *  - Element content: PROV elements hold no text; whitespace-only strings (what
 *    `xml2wbxml -k` emits between elements) are skipped, any other content is -EBADMSG.
 *  - Structure (wire 4.1): wap-provisioningdoc is the root and takes only version;
 *    characteristic takes only type (required); parm takes name (required) and value, and
 *    no child elements. A repeated attribute is -EBADMSG.
 *  - cp1 0x40-0x44 in attribute state are the 2005+ WLAN names, not EXT_I_0..2/PI/LITERAL_C
 *    (wire 3.6); cp1 0x4A/0x4B (unconfirmed MAXAUTHS/ENCAPS) and cp0 0x4D are unknown.
 */

/*
 * An attribute value being assembled. While it is one piece it borrows that piece (from the
 * input, its string table or a PROV table) and copies nothing; a second piece, a charset
 * conversion or an entity moves it into buf, bounded by cap (CPDOC_NAME_MAX or
 * CPDOC_VALUE_MAX). The builder copies the result into the document's arena.
 */
typedef struct Slot {
        const char *p;
        size_t len, cap;
        bool buffered;
        char *buf;
} Slot;

typedef struct ProvBuild {
        WbxmlIter it;
        CpDoc *d;
        DecodeError *err;
        uint8_t kinds[WBXML_DEPTH_MAX + 1]; /* element kind per depth (1-based) */
        WbxmlProvElem elem;                 /* element whose attribute list is open */
        size_t elem_off;
        unsigned seen;                      /* attributes seen on it, bit per WbxmlProvAttr */
        Slot *slot;                         /* attribute being assembled */
        Slot name;                          /* version, type or name */
        Slot value;                         /* value */
        char name_buf[CPDOC_NAME_MAX];
        char value_buf[CPDOC_VALUE_MAX];
} ProvBuild;

static int fail(ProvBuild *b, size_t off, const char *reason, int r) {
        return decode_fail(b->err, LAYER, off, reason, r);
}

/* Registered public ids of other document types (WBXML 1.3 7.2; libwbxml wbxml_tables.h). */
static bool public_id_foreign(uint32_t pid) {
        return (pid >= 0x02 && pid <= 0x0A) || (pid >= 0x0C && pid <= 0x0E);
}

/* The builder refused a string for CPDOC_DECODED_MAX (cpdoc.h): STR_T references repeating one
 * string-table entry end here, at the element that crossed it. */
static const char reason_decoded[] = "document's decoded strings over CPDOC_DECODED_MAX";

static int slot_too_big(ProvBuild *b, size_t off) {
        return fail(b, off,
                    b->slot == &b->value ? "parm value over CPDOC_VALUE_MAX" : "name, type or version over CPDOC_NAME_MAX",
                    -E2BIG);
}

/*
 * memcpy(dst, src, n) for the short pieces values are made of: up to 16 octets inline with
 * (overlapping) word moves inside src[0..n) and dst[0..n).
 */
static _always_inline_ void copy_piece(char *dst, const void *src, size_t n) {
        const char *s = src;
        uint64_t x, y;
        uint32_t u, w;

        if (n >= 8 && n <= 16) {
                memcpy(&x, s, 8);
                memcpy(&y, s + n - 8, 8);
                memcpy(dst, &x, 8);
                memcpy(dst + n - 8, &y, 8);
        } else if (n >= 4 && n < 8) {
                memcpy(&u, s, 4);
                memcpy(&w, s + n - 4, 4);
                memcpy(dst, &u, 4);
                memcpy(dst + n - 4, &w, 4);
        } else if (n > 0 && n < 4) {
                /* first, middle and last octet: every position of 1..3 */
                dst[0] = s[0];
                dst[n / 2] = s[n / 2];
                dst[n - 1] = s[n - 1];
        } else if (n > 0)
                memcpy(dst, s, n);
}

/* Make room for n more octets in the slot's own buffer. */
static _always_inline_ int slot_reserve(ProvBuild *b, size_t n, size_t off) {
        Slot *s = b->slot;

        if (n > s->cap - s->len)
                return slot_too_big(b, off);
        if (!s->buffered) {
                copy_piece(s->buf, s->p, s->len);
                s->p = s->buf;
                s->buffered = true;
        }
        return 0;
}

/* Append octets that are already UTF-8 (table text, UTF-8 document strings). */
static _always_inline_ int slot_add(ProvBuild *b, const void *src, size_t n, size_t off) {
        Slot *s = b->slot;
        int r;

        if (s->len == 0 && !s->buffered) {
                if (n > s->cap)
                        return slot_too_big(b, off);
                s->p = src; /* borrow: valid until the element's attribute list ends */
                s->len = n;
                return 0;
        }
        r = slot_reserve(b, n, off);
        if (r < 0)
                return r;
        copy_piece(s->buf + s->len, src, n);
        s->len += n;
        return 0;
}

/* slot_add_text() for US-ASCII and ISO-8859-1 documents. */
static int slot_add_text_8bit(ProvBuild *b, const uint8_t *src, size_t n, size_t off) {
        Slot *s;
        int r;

        if (b->it.charset == WBXML_CHARSET_US_ASCII) {
                for (size_t i = 0; i < n; i++)
                        if (src[i] >= 0x80)
                                return fail(b, off, "octet >= 0x80 in a US-ASCII document (WBXML 1.3 5.6)", -EBADMSG);
                return slot_add(b, src, n, off);
        }
        /* ISO-8859-1: each octet is its own code point; >= 0x80 takes two UTF-8 octets. */
        s = b->slot;
        for (size_t i = 0; i < n; i++) {
                size_t k = src[i] < 0x80 ? 1 : 2;

                r = slot_reserve(b, k, off);
                if (r < 0)
                        return r;
                if (k == 1)
                        s->buf[s->len++] = (char) src[i];
                else {
                        s->buf[s->len++] = (char) (0xC0 | (src[i] >> 6));
                        s->buf[s->len++] = (char) (0x80 | (src[i] & 0x3F));
                }
        }
        return 0;
}

/* Append document text (STR_I, STR_T, OPAQUE) in the document charset, as UTF-8. */
static _always_inline_ int slot_add_text(ProvBuild *b, const uint8_t *src, size_t n, size_t off) {
        uint32_t cs = b->it.charset;

        if (_likely_(cs == WBXML_CHARSET_UTF_8 || cs == WBXML_CHARSET_UNKNOWN))
                return slot_add(b, src, n, off);
        return slot_add_text_8bit(b, src, n, off);
}

static int slot_add_entity(ProvBuild *b, uint32_t cp, size_t off) {
        Slot *s = b->slot;
        size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        char *u;
        int r;

        /* The iterator guarantees a Unicode scalar value; encode it as UTF-8 (RFC 3629). */
        r = slot_reserve(b, n, off);
        if (r < 0)
                return r;
        u = s->buf + s->len;
        switch (n) {
        case 1:
                u[0] = (char) cp;
                break;
        case 2:
                u[0] = (char) (0xC0 | (cp >> 6));
                u[1] = (char) (0x80 | (cp & 0x3F));
                break;
        case 3:
                u[0] = (char) (0xE0 | (cp >> 12));
                u[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
                u[2] = (char) (0x80 | (cp & 0x3F));
                break;
        default:
                u[0] = (char) (0xF0 | (cp >> 18));
                u[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
                u[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
                u[3] = (char) (0x80 | (cp & 0x3F));
                break;
        }
        s->len += n;
        return 0;
}

static bool all_space(const uint8_t *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
                        return false;
        return true;
}

/* The attribute list of the current element is complete: act on it (wire 4.1). */
static _always_inline_ int element_start(ProvBuild *b) {
        CpDoc *d = b->d;
        int r;

        switch (b->elem) {
        case WBXML_PROV_ELEM_DOC:
                if (!(b->seen & (1U << WBXML_PROV_ATTR_VERSION)))
                        return 0;
                r = cpdoc_builder_version(d, b->name.p ? b->name.p : "", b->name.len);
                if (r == -E2BIG && cpdoc_builder_decoded_over(d))
                        return fail(b, b->elem_off, reason_decoded, r);
                if (r == -EBADMSG)
                        return fail(b, b->elem_off, "version attribute is not a valid string", r);
                if (r < 0)
                        return fail(b, b->elem_off, "version attribute: out of memory", r);
                return 0;
        case WBXML_PROV_ELEM_CHARACTERISTIC:
                if (!(b->seen & (1U << WBXML_PROV_ATTR_TYPE)))
                        return fail(b, b->elem_off, "characteristic without a type attribute (wire 4.1)", -EBADMSG);
                r = cpdoc_builder_open(d, b->name.p ? b->name.p : "", b->name.len);
                if (r == -E2BIG && cpdoc_builder_decoded_over(d))
                        return fail(b, b->elem_off, reason_decoded, r);
                if (r == -E2BIG)
                        return fail(b, b->elem_off,
                                    d->n_total_chars >= CPDOC_CHARACTERISTICS_MAX ? "more than CPDOC_CHARACTERISTICS_MAX characteristics"
                                                                                  : "characteristics nested deeper than CPDOC_DEPTH_MAX",
                                    r);
                if (r == -EBADMSG)
                        return fail(b, b->elem_off, "characteristic type is empty or not a valid string", r);
                if (r < 0)
                        return fail(b, b->elem_off, "characteristic: out of memory", r);
                return 0;
        default: /* WBXML_PROV_ELEM_PARM */
                if (!(b->seen & (1U << WBXML_PROV_ATTR_NAME)))
                        return fail(b, b->elem_off, "parm without a name attribute (wire 4.1)", -EBADMSG);
                r = cpdoc_builder_parm(d, b->name.p ? b->name.p : "", b->name.len,
                                       (b->seen & (1U << WBXML_PROV_ATTR_VALUE)) ? (b->value.p ? b->value.p : "") : NULL,
                                       b->value.len);
                if (r == -E2BIG && cpdoc_builder_decoded_over(d))
                        return fail(b, b->elem_off, reason_decoded, r);
                if (r == -E2BIG)
                        return fail(b, b->elem_off, "more than CPDOC_PARMS_MAX parms", r);
                if (r == -EBADMSG)
                        return fail(b, b->elem_off, "parm name or value is empty or not a valid string", r);
                if (r < 0)
                        return fail(b, b->elem_off, "parm: out of memory", r);
                return 0;
        }
}

static _always_inline_ void slot_reset(Slot *s) {
        s->p = NULL;
        s->len = 0;
        s->buffered = false;
}

static _always_inline_ int on_tag(ProvBuild *b, const WbxmlToken *t) {
        const ProvStr *e;
        int parent;

        /* wire 3.4: the tag tables; pages above 1 never get here (max_page). */
        e = t->page <= 1 ? &prov_tags[t->page][t->id] : NULL;
        if (!e || !e->s)
                return fail(b, t->offset, "unknown PROV tag token (wire 3.4)", -EBADMSG);
        parent = t->depth > 1 ? b->kinds[t->depth - 1] : -1;
        /* wire 4.1: wap-provisioningdoc is the root and only the root; characteristic under
         * the root or a characteristic; parm under a characteristic; parm has no children. */
        switch (e->kind) {
        case WBXML_PROV_ELEM_DOC:
                if (parent != -1)
                        return fail(b, t->offset, "wap-provisioningdoc below the root", -EBADMSG);
                break;
        case WBXML_PROV_ELEM_CHARACTERISTIC:
                if (parent != WBXML_PROV_ELEM_DOC && parent != WBXML_PROV_ELEM_CHARACTERISTIC)
                        return fail(b, t->offset,
                                    parent == -1 ? "root element is not wap-provisioningdoc (wire 3.1)"
                                                 : "characteristic inside a parm",
                                    -EBADMSG);
                break;
        default:
                if (parent != WBXML_PROV_ELEM_CHARACTERISTIC)
                        return fail(b, t->offset,
                                    parent == -1 ? "root element is not wap-provisioningdoc (wire 3.1)"
                                                 : "parm outside a characteristic (wire 4.1)",
                                    -EBADMSG);
                break;
        }
        b->kinds[t->depth] = e->kind;
        b->elem = e->kind;
        b->elem_off = t->offset;
        b->seen = 0;
        b->slot = NULL;
        slot_reset(&b->name);
        slot_reset(&b->value);
        if (!t->attrs)
                return element_start(b);
        return 0;
}

static _always_inline_ int on_attr_start(ProvBuild *b, const WbxmlToken *t) {
        static const unsigned allowed[_WBXML_PROV_ELEM_MAX] = {
                [WBXML_PROV_ELEM_DOC] = 1U << WBXML_PROV_ATTR_VERSION,
                [WBXML_PROV_ELEM_CHARACTERISTIC] = 1U << WBXML_PROV_ATTR_TYPE,
                [WBXML_PROV_ELEM_PARM] = (1U << WBXML_PROV_ATTR_NAME) | (1U << WBXML_PROV_ATTR_VALUE),
        };
        const ProvStr *e = &prov_attr_starts[t->page][t->id]; /* page <= 1, id < 0x80 */

        if (!e->s)
                return fail(b, t->offset, "unknown PROV attribute-start token (wire 3.5, 3.6)", -EBADMSG);
        if (!(allowed[b->elem] & (1U << e->kind)))
                return fail(b, t->offset, "attribute not defined for this element (wire 4.1)", -EBADMSG);
        if (b->seen & (1U << e->kind))
                return fail(b, t->offset, "attribute repeated on one element", -EBADMSG);
        b->seen |= 1U << e->kind;
        b->slot = e->kind == WBXML_PROV_ATTR_VALUE ? &b->value : &b->name;
        return e->len ? slot_add(b, e->s, e->len, t->offset) : 0;
}

int cpdoc_from_wbxml(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err) {
        ProvBuild b;
        WbxmlToken t;
        CpDoc *d = NULL;
        int r;

        if (len > CPDOC_WBXML_SIZE_MAX)
                return decode_fail(err, LAYER, CPDOC_WBXML_SIZE_MAX, "document over CPDOC_WBXML_SIZE_MAX", -E2BIG);

        r = wbxml_iter_init(&b.it, buf, len, &wbxml_lang_prov, err);
        if (r < 0)
                return r;

        /* wire 3.1: which public ids may carry PROV (see the header comment). */
        if (b.it.public_id_text) {
                if (b.it.public_id_len != sizeof(WBXML_PROV_FPI) - 1 ||
                    memcmp(b.it.public_id_text, WBXML_PROV_FPI, b.it.public_id_len) != 0)
                        return decode_fail(err, LAYER, 1, "string-table public id is not \"" WBXML_PROV_FPI "\"",
                                           -EOPNOTSUPP);
        } else if (public_id_foreign(b.it.public_id))
                return decode_fail(err, LAYER, 1, "public id of another WAP document type (WBXML 1.3 7.2)", -EOPNOTSUPP);

        r = cpdoc_builder_new(&d, CPDOC_SOURCE_WBXML);
        if (r < 0)
                return decode_fail(err, LAYER, 0, "out of memory", r);
        b.d = d;
        b.err = err;
        b.elem = WBXML_PROV_ELEM_DOC;
        b.slot = NULL;
        b.name = (Slot) { .cap = CPDOC_NAME_MAX, .buf = b.name_buf };
        b.value = (Slot) { .cap = CPDOC_VALUE_MAX, .buf = b.value_buf };

        for (;;) {
                r = next_token(&b.it, &t);
                if (r <= 0)
                        break;

                switch (t.type) {
                case WBXML_TOKEN_TAG:
                        r = on_tag(&b, &t);
                        break;
                case WBXML_TOKEN_ATTR_START:
                        r = on_attr_start(&b, &t);
                        break;
                case WBXML_TOKEN_ATTR_VALUE: {
                        const ProvStr *e = &prov_attr_values[t.page][t.id - 0x80]; /* page <= 1, id >= 0x80 */

                        if (!e->s)
                                r = fail(&b, t.offset, "unknown PROV attribute-value token (wire 3.7)", -EBADMSG);
                        else
                                r = slot_add(&b, e->s, e->len, t.offset);
                        break;
                }
                case WBXML_TOKEN_STRING:
                        if (t.in_attr)
                                r = slot_add_text(&b, t.data, t.len, t.offset);
                        else if (!all_space(t.data, t.len))
                                r = fail(&b, t.offset, "text content in a PROV element (wire 4.1: no content)", -EBADMSG);
                        break;
                case WBXML_TOKEN_OPAQUE:
                        /* OPAQUE in an attribute value is string data and meets the same
                         * string rules (charset, UTF-8, no NUL or controls) as STR_I. */
                        if (t.in_attr)
                                r = slot_add_text(&b, t.data, t.len, t.offset);
                        else
                                r = fail(&b, t.offset, "OPAQUE content in a PROV element (wire 4.1: no content)", -EBADMSG);
                        break;
                case WBXML_TOKEN_ENTITY:
                        if (t.in_attr)
                                r = slot_add_entity(&b, t.entity, t.offset);
                        else
                                r = fail(&b, t.offset, "ENTITY content in a PROV element (wire 4.1: no content)", -EBADMSG);
                        break;
                case WBXML_TOKEN_ATTRS_END:
                        r = element_start(&b);
                        break;
                case WBXML_TOKEN_END:
                        r = b.kinds[t.depth] == WBXML_PROV_ELEM_CHARACTERISTIC ? cpdoc_builder_close(d) : 0;
                        break;
                default:
                        r = fail(&b, t.offset, "internal: unexpected token type", -EBADMSG);
                        break;
                }
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;

        r = cpdoc_builder_finish(d);
        if (r < 0) {
                r = fail(&b, len, "internal: characteristic left open", r);
                goto fail;
        }
        d->wbxml_version = b.it.version;
        d->public_id = b.it.public_id;
        d->charset = b.it.charset;
        d->strtbl_len = b.it.strtbl.size;
        if (b.it.public_id_text) {
                d->public_id_text = cpdoc_builder_strdup(d, b.it.public_id_text, b.it.public_id_len);
                if (!d->public_id_text) {
                        r = fail(&b, 1, "out of memory", -ENOMEM);
                        goto fail;
                }
        }
        *ret = d;
        return 0;

fail:
        cpdoc_free(d);
        return r;
}
