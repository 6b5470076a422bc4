/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-wbxml.c: the WBXML encoding of the DM writer's messages (dm-wbxml.h).
 * The token tables below are the encoder's copy of the decoder's (dm-syncml.c): SyncML RepPro
 * 1.2 code page 0 and MetInf code page 1 (OMA-TS-DM_RepPro-V1_2 §8; the same numbers as
 * libwbxml's sv_syncml_syncml12_tag_table). tests/unit/test-dm-wbxml.c decodes every message
 * this module writes with both dm_message_parse() and libwbxml's wbxml2xml, so a wrong token
 * here fails there.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dm-wbxml.h"
#include "macros.h"
#include "utf8.h"
#include "wbxml.h"

#define NS_SYNCML_1_1 "SYNCML:SYNCML1.1"
#define NS_SYNCML_1_2 "SYNCML:SYNCML1.2"
#define NS_METINF "syncml:metinf"

static const char *const page0[0x40] = {
        [0x05] = "Add",       [0x06] = "Alert",
        [0x07] = "Archive",   [0x08] = "Atomic",
        [0x09] = "Chal",      [0x0A] = "Cmd",
        [0x0B] = "CmdID",     [0x0C] = "CmdRef",
        [0x0D] = "Copy",      [0x0E] = "Cred",
        [0x0F] = "Data",      [0x10] = "Delete",
        [0x11] = "Exec",      [0x12] = "Final",
        [0x13] = "Get",       [0x14] = "Item",
        [0x15] = "Lang",      [0x16] = "LocName",
        [0x17] = "LocURI",    [0x18] = "Map",
        [0x19] = "MapItem",   [0x1A] = "Meta",
        [0x1B] = "MsgID",     [0x1C] = "MsgRef",
        [0x1D] = "NoResp",    [0x1E] = "NoResults",
        [0x1F] = "Put",       [0x20] = "Replace",
        [0x21] = "RespURI",   [0x22] = "Results",
        [0x23] = "Search",    [0x24] = "Sequence",
        [0x25] = "SessionID", [0x26] = "SftDel",
        [0x27] = "Source",    [0x28] = "SourceRef",
        [0x29] = "Status",    [0x2A] = "Sync",
        [0x2B] = "SyncBody",  [0x2C] = "SyncHdr",
        [0x2D] = "SyncML",    [0x2E] = "Target",
        [0x2F] = "TargetRef", [0x31] = "VerDTD",
        [0x32] = "VerProto",  [0x33] = "NumberOfChanges",
        [0x34] = "MoreData",  [0x3C] = "Correlator",
};

static const char *const page1[0x40] = {
        [0x05] = "Anchor",  [0x06] = "EMI",        [0x07] = "Format",     [0x08] = "FreeID", [0x09] = "FreeMem",
        [0x0A] = "Last",    [0x0B] = "Mark",       [0x0C] = "MaxMsgSize", [0x0D] = "Mem",    [0x0E] = "MetInf",
        [0x0F] = "Next",    [0x10] = "NextNonce",  [0x11] = "SharedMem",  [0x12] = "Size",   [0x13] = "Type",
        [0x14] = "Version", [0x15] = "MaxObjSize", [0x16] = "FieldLevel",
};

typedef struct Out {
        uint8_t *buf;
        size_t len, cap;
        bool oom;
} Out;

static void out_put(Out *o, const void *p, size_t n) {
        if (o->oom)
                return;
        if (o->len + n + 1 > o->cap) {
                size_t cap = MAX(MAX(o->cap * 2, o->len + n + 1), (size_t) 1024);
                uint8_t *b = calloc(1, cap); /* all initialised: test-dm-writer-wipe scans it whole */

                if (!b) {
                        o->oom = true;
                        return;
                }
                /* No realloc: the old buffer may hold the header Cred and is wiped first. */
                if (o->buf) {
                        memcpy(b, o->buf, o->len);
                        explicit_bzero(o->buf, o->cap);
                        free(o->buf);
                }
                o->buf = b;
                o->cap = cap;
        }
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        o->buf[o->len] = 0;
}

static void out_byte(Out *o, uint8_t b) {
        out_put(o, &b, 1);
}

/* mb_u_int32 (WBXML 1.3 §5.1): 7 bits an octet, most significant first, bit 7 = more. */
static void out_mb_u_int32(Out *o, uint32_t v) {
        uint8_t b[5];
        size_t n = 0;

        do {
                b[4 - n] = (uint8_t) (v & 0x7F) | (n > 0 ? 0x80 : 0);
                v >>= 7;
                n++;
        } while (v > 0);
        out_put(o, b + 5 - n, n);
}

static int lookup(const char *const table[0x40], const char *name, size_t len) {
        for (int i = 0x05; i < 0x40; i++)
                if (table[i] && strlen(table[i]) == len && memcmp(table[i], name, len) == 0)
                        return i;
        return -1;
}

static bool is_name_char(char c, bool first) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

/* One reference (XML 1.0 §4.1) at @p (after '&'): the predefined entities and numeric
 * character references the writer uses. Return: octets consumed, 0 if malformed. */
static size_t decode_ref(const char *p, const char *end, uint8_t u[4], size_t *ret_n) {
        static const struct {
                const char *name;
                char c;
        } ents[] = {
                { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' },
        };
        uint32_t cp = 0;
        size_t i;

        for (i = 0; i < ELEMENTSOF(ents); i++) {
                size_t n = strlen(ents[i].name);

                if ((size_t) (end - p) >= n && memcmp(p, ents[i].name, n) == 0) {
                        u[0] = (uint8_t) ents[i].c;
                        *ret_n = 1;
                        return n;
                }
        }
        if (p >= end || *p != '#')
                return 0;
        for (i = 1; p + i < end && p[i] >= '0' && p[i] <= '9' && i < 8; i++)
                cp = cp * 10 + (uint32_t) (p[i] - '0');
        if (i == 1 || p + i >= end || p[i] != ';' || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        if (cp < 0x80) {
                u[0] = (uint8_t) cp;
                *ret_n = 1;
        } else if (cp < 0x800) {
                u[0] = (uint8_t) (0xC0 | cp >> 6);
                u[1] = (uint8_t) (0x80 | (cp & 0x3F));
                *ret_n = 2;
        } else if (cp < 0x10000) {
                u[0] = (uint8_t) (0xE0 | cp >> 12);
                u[1] = (uint8_t) (0x80 | ((cp >> 6) & 0x3F));
                u[2] = (uint8_t) (0x80 | (cp & 0x3F));
                *ret_n = 3;
        } else {
                u[0] = (uint8_t) (0xF0 | cp >> 18);
                u[1] = (uint8_t) (0x80 | ((cp >> 12) & 0x3F));
                u[2] = (uint8_t) (0x80 | ((cp >> 6) & 0x3F));
                u[3] = (uint8_t) (0x80 | (cp & 0x3F));
                *ret_n = 4;
        }
        return i + 1;
}

typedef struct Open {
        const char *name;
        size_t len;
        uint8_t page;
} Open;

static int encode(const char *p, const char *end, Out *o) {
        Open stack[DM_WBXML_ENCODE_DEPTH_MAX];
        unsigned depth = 0;
        uint8_t page = 0; /* the tag code page register (WBXML 1.3 §5.8.1) */
        bool in_text = false, done = false;

        /* The XML declaration (the writer's first line), if any. */
        if ((size_t) (end - p) >= 5 && memcmp(p, "<?xml", 5) == 0) {
                const char *q = memchr(p, '>', (size_t) (end - p));

                if (!q || q[-1] != '?')
                        return -EINVAL;
                p = q + 1;
        }
        while (p < end) {
                if (*p != '<') {
                        /* Character data: one inline string up to the next tag. */
                        if (depth == 0 || done)
                                return -EINVAL;
                        if (!in_text) {
                                out_byte(o, WBXML_STR_I);
                                in_text = true;
                        }
                        if (*p == '&') {
                                uint8_t u[4];
                                size_t n = 0, k = decode_ref(p + 1, end, u, &n);

                                if (k == 0)
                                        return -EINVAL;
                                out_put(o, u, n);
                                p += 1 + k;
                        } else if (*p == '>' || *p == 0) {
                                return -EINVAL;
                        } else {
                                out_put(o, p, 1);
                                p++;
                        }
                        continue;
                }
                if (in_text) {
                        out_byte(o, 0x00); /* STR_I terminator */
                        in_text = false;
                }
                if (p + 1 < end && p[1] == '/') {
                        /* End tag: must close the innermost element. */
                        const char *n = p + 2;
                        size_t len = 0;

                        while (n + len < end && is_name_char(n[len], len == 0))
                                len++;
                        if (depth == 0 || len != stack[depth - 1].len || memcmp(n, stack[depth - 1].name, len) != 0 ||
                            n + len >= end || n[len] != '>')
                                return -EINVAL;
                        out_byte(o, WBXML_END);
                        depth--;
                        if (depth == 0)
                                done = true;
                        p = n + len + 1;
                        continue;
                }
                {
                        /* Start tag: <Name>, <Name/>, <Name xmlns="...">, <Name xmlns="..."/>. */
                        const char *n = p + 1, *q;
                        uint8_t tag_page;
                        size_t len = 0;
                        bool empty = false, content;
                        int tok;

                        if (done || depth >= DM_WBXML_ENCODE_DEPTH_MAX)
                                return -EINVAL;
                        while (n + len < end && is_name_char(n[len], len == 0))
                                len++;
                        if (len == 0)
                                return -EINVAL;
                        q = n + len;
                        tag_page = depth > 0 ? stack[depth - 1].page : 0;
                        if ((size_t) (end - q) >= 8 && memcmp(q, " xmlns=\"", 8) == 0) {
                                const char *u = q + 8, *e = memchr(u, '"', (size_t) (end - u));
                                size_t ulen;

                                if (!e)
                                        return -EINVAL;
                                ulen = (size_t) (e - u);
                                if (ulen == strlen(NS_METINF) && memcmp(u, NS_METINF, ulen) == 0)
                                        tag_page = 1;
                                else if (depth == 0 && ulen == strlen(NS_SYNCML_1_2) &&
                                         memcmp(u, NS_SYNCML_1_2, ulen) == 0)
                                        tag_page = 0;
                                else if (depth == 0 && ulen == strlen(NS_SYNCML_1_1) &&
                                         memcmp(u, NS_SYNCML_1_1, ulen) == 0)
                                        tag_page = 0;
                                else
                                        return -EINVAL;
                                q = e + 1;
                        }
                        if (q < end && *q == '/') {
                                empty = true;
                                q++;
                        }
                        if (q >= end || *q != '>')
                                return -EINVAL;
                        q++;
                        tok = lookup(tag_page == 0 ? page0 : page1, n, len);
                        if (tok < 0)
                                return -EINVAL;
                        if (depth == 0) {
                                /* The header (WBXML 1.3 §5.3): version, public id (by the
                                 * root's namespace: the writer's version), charset, strtbl. */
                                bool v11;

                                if (tag_page != 0 || tok != 0x2D || o->len > 0 || q - n < 9)
                                        return -EINVAL;
                                v11 = memmem(n, (size_t) (q - n), NS_SYNCML_1_1, strlen(NS_SYNCML_1_1)) != NULL;
                                if (!v11 && !memmem(n, (size_t) (q - n), NS_SYNCML_1_2, strlen(NS_SYNCML_1_2)))
                                        return -EINVAL;
                                out_byte(o, DM_WBXML_VERSION_1_2);
                                out_mb_u_int32(o, v11 ? DM_WBXML_PUBLIC_ID_SYNCML_1_1 : DM_WBXML_PUBLIC_ID_SYNCML_1_2);
                                out_mb_u_int32(o, WBXML_CHARSET_UTF_8);
                                out_mb_u_int32(o, 0); /* no string table */
                        }
                        /* <Name></Name> has no content either: one token without bit 6. */
                        content = !empty && !((size_t) (end - q) >= 2 && q[0] == '<' && q[1] == '/');
                        if (tag_page != page) {
                                out_byte(o, WBXML_SWITCH_PAGE);
                                out_byte(o, tag_page);
                                page = tag_page;
                        }
                        out_byte(o, (uint8_t) tok | (content ? 0x40 : 0));
                        if (!empty && !content) {
                                /* skip the matching end tag */
                                if ((size_t) (end - q) < len + 3 || memcmp(q + 2, n, len) != 0 || q[2 + len] != '>')
                                        return -EINVAL;
                                q += len + 3;
                                if (depth == 0)
                                        done = true;
                        } else if (empty) {
                                if (depth == 0)
                                        done = true;
                        } else
                                stack[depth++] = (Open){ .name = n, .len = len, .page = tag_page };
                        p = q;
                }
        }
        if (!done || depth > 0 || in_text)
                return -EINVAL;
        return o->oom ? -ENOMEM : 0;
}

int dm_wbxml_from_xml(const char *xml, size_t len, uint8_t **ret, size_t *ret_len) {
        Out o = {};
        int r;

        if (!xml || !ret || !ret_len)
                return -EINVAL;
        r = encode(xml, xml + len, &o);
        if (r < 0) {
                /* The partial output may hold the header Cred: wipe it. */
                if (o.buf)
                        explicit_bzero(o.buf, o.cap);
                free(o.buf);
                return r;
        }
        *ret = o.buf;
        *ret_len = o.len;
        return 0;
}

int dm_wbxml_terminate_fpi(const uint8_t *buf, size_t len, uint8_t **ret, size_t *ret_len) {
        static const char *const fpis[] = { DM_WBXML_FPI_SYNCML_1_1, DM_WBXML_FPI_SYNCML_1_2 };

        if (!buf || !ret || !ret_len || len < 5)
                return 0;
        /* version 1.1-1.3 (1.0 has no charset), "00 00" = public id in the string table at
         * index 0, a single-octet charset and table length (mb_u_int32 < 0x80). */
        if (buf[0] < 0x01 || buf[0] > 0x03 || buf[1] != 0x00 || buf[2] != 0x00 || buf[3] >= 0x80 || buf[4] >= 0x80)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(fpis); i++) {
                size_t n = strlen(fpis[i]);
                uint8_t *c;

                if (buf[4] != n || len < 5 + n || memcmp(buf + 5, fpis[i], n) != 0)
                        continue;
                c = malloc(len + 2);
                if (!c)
                        return -ENOMEM;
                memcpy(c, buf, 4);
                c[4] = (uint8_t) (n + 1);
                memcpy(c + 5, fpis[i], n);
                c[5 + n] = 0;
                memcpy(c + 6 + n, buf + 5 + n, len - 5 - n);
                c[len + 1] = 0;
                *ret = c;
                *ret_len = len + 1;
                return 1;
        }
        return 0;
}
