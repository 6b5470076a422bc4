/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cpdoc-string.c: edge cases of the fast paths added for the decode budget (perf goal P1,
 * docs/testing.md §6.2):
 *  - cpdoc_check_string's word-at-a-time printable-ASCII path, against a byte-at-a-time
 *    reference of the same rules: every octet value at every position 0..17 of strings of
 *    length 0..17 (and a little past a second word), UTF-8 sequences valid and invalid at every
 *    position, every alignment, strings placed at the very end of their allocation (ASan sees
 *    any read past the string), octets just past the length ignored;
 *  - the WBXML token path's word-at-a-time NUL search and short-piece copies: inline strings
 *    and string-table entries of every length around a word, up to the end of the document
 *    and without their NUL, one- two- and non-minimal mb_u_int32 string-table indices, values
 *    assembled from pieces of every length 0..17;
 *  - the schema's required-parm masks (built on first use): the first missing parm in table
 *    order is reported, and concurrent first use from several threads agrees.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc-builder.h"
#include "cpdoc.h"
#include "macros.h"
#include "testutil.h"
#include "utf8.h"

/* ---- reference: the byte-at-a-time string rules (cpdoc-builder.h) -------------------------- */

static int ref_check_string(const uint8_t *p, size_t len) {
        size_t i = 0;

        while (i < len) {
                uint8_t c = p[i];
                uint32_t cp;
                size_t n;

                if (c < 0x80) {
                        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
                                return -EBADMSG;
                        i++;
                        continue;
                }
                if (c >= 0xC2 && c <= 0xDF) {
                        n = 1;
                        cp = c & 0x1F;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        n = 2;
                        cp = c & 0x0F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        n = 3;
                        cp = c & 0x07;
                } else
                        return -EBADMSG;
                if (len - i <= n)
                        return -EBADMSG;
                for (size_t k = 1; k <= n; k++) {
                        if ((p[i + k] & 0xC0) != 0x80)
                                return -EBADMSG;
                        cp = (cp << 6) | (p[i + k] & 0x3F);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                    (cp >= 0xD800 && cp <= 0xDFFF))
                        return -EBADMSG;
                if (cp >= 0x80 && cp < 0xA0)
                        return -EBADMSG;
                if (cp == 0xFFFE || cp == 0xFFFF)
                        return -EBADMSG;
                i += n + 1;
        }
        return 0;
}

/*
 * Check s[0..len) with the string at offset off of a fresh allocation of exactly off + len
 * octets, so that any read past the string is out of bounds (ASan), and compare with the
 * reference.
 */
static void check_at(const uint8_t *s, size_t len, size_t off) {
        uint8_t *buf = malloc(off + len + (off + len == 0));
        int want, got;

        ck_assert_ptr_nonnull(buf);
        memset(buf, 'x', off);
        if (len)
                memcpy(buf + off, s, len);
        want = ref_check_string(buf + off, len);
        got = cpdoc_check_string((const char *) buf + off, len);
        if (got != want) {
                char hex[3 * 64 + 1] = "";

                for (size_t i = 0; i < len && i < 64; i++)
                        sprintf(hex + 3 * i, "%02X ", s[i]);
                ck_abort_msg("cpdoc_check_string(len %zu, offset %zu) = %d, reference %d: %s", len, off, got, want, hex);
        }
        free(buf);
}

static void check_all_offsets(const uint8_t *s, size_t len) {
        for (size_t off = 0; off < 8; off++)
                check_at(s, len, off);
}

/* utf8_seq (shared by the document builders and verifierd's display text) at each edge of RFC
 * 3629 §4's table, and one past it. */
START_TEST(test_utf8_seq_edges) {
        static const struct {
                const char *bytes;
                size_t len, want;
                uint32_t cp;
        } v[] = {
                { "A", 1, 0, 0 },                       /* ASCII is not a multi-byte sequence */
                { "\xC1\xBF", 2, 0, 0 },              /* overlong lead */
                { "\xC2\x9F", 2, 0, 0 },              /* U+009F: C1 control */
                { "\xC2\xA0", 2, 2, 0xA0 },           /* first after C1 */
                { "\xC2", 1, 0, 0 },                   /* truncated */
                { "\xC2\xC0", 2, 0, 0 },              /* bad continuation */
                { "\xE0\x9F\xBF", 3, 0, 0 },         /* overlong U+07FF */
                { "\xE0\xA0\x80", 3, 3, 0x800 },
                { "\xED\x9F\xBF", 3, 3, 0xD7FF },    /* last before the surrogates */
                { "\xED\xA0\x80", 3, 0, 0 },         /* U+D800 */
                { "\xED\xBF\xBF", 3, 0, 0 },         /* U+DFFF */
                { "\xEE\x80\x80", 3, 3, 0xE000 },
                { "\xF0\x8F\xBF\xBF", 4, 0, 0 },    /* overlong U+FFFF */
                { "\xF0\x90\x80\x80", 4, 4, 0x10000 },
                { "\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF }, /* the last code point */
                { "\xF4\x90\x80\x80", 4, 0, 0 },    /* one past it */
                { "\xF5\x80\x80\x80", 4, 0, 0 },    /* lead past F4 */
                { "\xF0\x90\x80", 3, 0, 0 },         /* truncated */
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                uint32_t cp = 0;
                size_t n = utf8_seq((const uint8_t *) v[i].bytes, v[i].len, &cp);

                ck_assert_msg(n == v[i].want, "vector %zu: %zu, want %zu", i, n, v[i].want);
                if (n > 0)
                        ck_assert_uint_eq(cp, v[i].cp);
        }
}
END_TEST

START_TEST(test_printable_all_lengths) {
        uint8_t s[80];

        /* every printable octet, at every position of every length (0x20 and 0x7E are the
         * edges of the fast path's range) */
        for (size_t len = 0; len <= sizeof(s); len++) {
                for (size_t i = 0; i < len; i++)
                        s[i] = (uint8_t) (0x20 + (i * 7 + len) % 95);
                check_all_offsets(s, len);
                ck_assert_int_eq(cpdoc_check_string((const char *) s, len), 0);
        }
        memset(s, 0x20, sizeof(s));
        ck_assert_int_eq(cpdoc_check_string((const char *) s, sizeof(s)), 0);
        memset(s, 0x7E, sizeof(s));
        ck_assert_int_eq(cpdoc_check_string((const char *) s, sizeof(s)), 0);
}
END_TEST

START_TEST(test_octet_every_position) {
        static const uint8_t fillers[] = { 'a', 0x20, 0x7E };
        uint8_t s[26];

        /* lengths 0..17 cover the 1..3, 4..7 and 8..16 octet forms and a second word;
         * 18..25 the loop over whole words */
        for (size_t f = 0; f < ELEMENTSOF(fillers); f++)
                for (size_t len = 0; len <= 25; len++)
                        for (size_t pos = 0; pos < len; pos++)
                                for (unsigned c = 0; c < 256; c++) {
                                        memset(s, fillers[f], sizeof(s));
                                        s[pos] = (uint8_t) c;
                                        check_at(s, len, pos & 7);
                                }
}
END_TEST

START_TEST(test_sequences_every_position) {
        static const char *const seqs[] = {
                "\t", "\n", "\r", "\x01", "\x1F", "\x7F", "\x00",
                "\xC3\xA9", "\xC2\xA0", "\xDF\xBF",              /* valid 2-octet */
                "\xC2\x85", "\xC2\x9F",                          /* C1 controls */
                "\xC0\xAF", "\xC1\xBF",                          /* overlong 2-octet */
                "\xE2\x82\xAC", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEF\xBF\xBD", /* valid 3-octet */
                "\xE0\x9F\xBF",                                  /* overlong 3-octet */
                "\xED\xA0\x80", "\xED\xBF\xBF",                  /* surrogates */
                "\xEF\xBF\xBE", "\xEF\xBF\xBF",                  /* U+FFFE, U+FFFF */
                "\xF0\x9F\x98\x80", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", /* valid 4-octet */
                "\xF0\x8F\xBF\xBF",                              /* overlong 4-octet */
                "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",  /* above U+10FFFF, bad leads */
                "\x80", "\xBF", "\xC3", "\xE2\x82", "\xF0\x9F\x98", /* lone continuation, truncated */
                "\xC3\x41", "\xE2\x41\xAC", "\xF0\x9F\x41\x80",  /* continuation missing */
        };
        uint8_t s[32];

        for (size_t q = 0; q < ELEMENTSOF(seqs); q++) {
                size_t n = q == 6 ? 1 : strlen(seqs[q]);

                for (size_t len = 0; len <= 25; len++)
                        for (size_t pos = 0; pos < len; pos++) {
                                memset(s, 'a', sizeof(s));
                                memcpy(s + pos, seqs[q], n); /* may run past len: truncated there */
                                check_all_offsets(s, len);
                                /* the same sequence twice, with printable text between */
                                if (pos + 2 * n + 3 <= sizeof(s)) {
                                        memcpy(s + pos + n + 3, seqs[q], n);
                                        check_at(s, len, 0);
                                }
                        }
        }
}
END_TEST

START_TEST(test_octets_past_length_ignored) {
        /* what follows len is never looked at: a NUL, a lead octet, a control */
        static const uint8_t after[] = { 0x00, 0x01, 0x7F, 0x80, 0xC3, 0xE2, 0xF0, 0xFF };
        uint8_t s[40];

        for (size_t len = 0; len + 1 < sizeof(s); len++)
                for (size_t k = 0; k < ELEMENTSOF(after); k++) {
                        memset(s, 'b', sizeof(s));
                        s[len] = after[k];
                        ck_assert_int_eq(cpdoc_check_string((const char *) s, len), 0);
                        if (len >= 2) { /* a valid 2-octet sequence ending exactly at len */
                                s[len - 2] = 0xC3;
                                s[len - 1] = 0xA9;
                                ck_assert_int_eq(cpdoc_check_string((const char *) s, len), 0);
                        }
                }
}
END_TEST

START_TEST(test_random_vs_reference) {
        static const char *const frag[] = {
                "a", "Z", " ", "~", "0", "\t", "\n", "\r", "\x7F", "\x01", "\xC3\xA9", "\xE2\x82\xAC",
                "\xF0\x9F\x98\x80", "\xC2\x85", "\xEF\xBF\xBE", "\xED\xA0\x80", "\xC0\xAF", "\x80",
        };
        unsigned seed = 12345;
        uint8_t s[80];

        for (unsigned i = 0; i < 200000; i++) {
                size_t len = 0;
                unsigned parts = (seed = seed * 1103515245U + 12345U) >> 16 & 31;

                for (unsigned k = 0; k < parts; k++) {
                        unsigned r = (seed = seed * 1103515245U + 12345U) >> 16;
                        const char *f = frag[r % 8 < 6 ? r % 5 : r % ELEMENTSOF(frag)];
                        size_t n = strlen(f);

                        if (len + n > sizeof(s))
                                break;
                        memcpy(s + len, f, n);
                        len += n;
                }
                check_at(s, len, i & 7);
                if (len > 0)
                        check_at(s, len - 1, 0);
        }
}
END_TEST

/* ---- WBXML strings (common/wbxml.c token path) -------------------------------------------- */

typedef struct Buf {
        uint8_t *p;
        size_t n, cap;
} Buf;

static void put(Buf *b, const void *s, size_t n) {
        if (b->n + n > b->cap) {
                b->cap = (b->n + n) * 2 + 64;
                b->p = realloc(b->p, b->cap);
                ck_assert_ptr_nonnull(b->p);
        }
        if (n)
                memcpy(b->p + b->n, s, n);
        b->n += n;
}

static void put_u8(Buf *b, uint8_t v) {
        put(b, &v, 1);
}

static void put_hex(Buf *b, const char *hex) {
        size_t n;
        uint8_t *x = tu_unhex(hex, &n);

        put(b, x, n);
        free(x);
}

/* n octets of text: 'A', 'B', ... so that misplaced copies show */
static void put_text(Buf *b, size_t n, char first) {
        for (size_t i = 0; i < n; i++)
                put_u8(b, (uint8_t) (first + i % 26));
}

static void text(char *dst, size_t n, char first) {
        for (size_t i = 0; i < n; i++)
                dst[i] = (char) (first + i % 26);
        dst[n] = 0;
}

/* Decode b exactly as it is: a copy in an allocation of exactly b->n octets. */
static int decode(const Buf *b, CpDoc **ret, DecodeError *e) {
        uint8_t *x = malloc(b->n);
        int r;

        ck_assert_ptr_nonnull(x);
        memcpy(x, b->p, b->n);
        r = cpdoc_from_wbxml(x, b->n, ret, e);
        free(x);
        return r;
}

/* The NAPDEF's parms in document order (decoded documents only). */
static const CpParm *parm(const CpDoc *d, unsigned k) {
        const CpParm *p;

        ck_assert_ptr_nonnull(d->chars);
        p = d->chars->parms;
        while (p && k--)
                p = p->next;
        ck_assert_ptr_nonnull(p);
        return p;
}

#define NAPDEF_OPEN "45 C6 55 01 "  /* wap-provisioningdoc, NAPDEF */
#define PARM_NAME_VALUE "87 07 06 "  /* parm name="NAME" value= */

START_TEST(test_wbxml_str_i_lengths) {
        char want[64];

        /* a value of every length 0..40, after a first value of 0..8 octets (which moves the
         * string against the word boundaries), with 3 octets of document after its NUL */
        for (size_t lead = 0; lead <= 8; lead++)
                for (size_t len = 0; len <= 40; len++) {
                        DecodeError e = {};
                        CpDoc *d = NULL;
                        Buf b = {};

                        put_hex(&b, "03 0B 6A 00 " NAPDEF_OPEN PARM_NAME_VALUE "03");
                        put_text(&b, lead, 'a');
                        put_hex(&b, "00 01 " PARM_NAME_VALUE "03");
                        put_text(&b, len, 'A');
                        put_hex(&b, "00 01 01 01");
                        ck_assert_int_eq(decode(&b, &d, &e), 0);
                        text(want, lead, 'a');
                        ck_assert_str_eq(parm(d, 0)->value, want);
                        text(want, len, 'A');
                        ck_assert_str_eq(parm(d, 1)->value, want);
                        cpdoc_free(d);

                        /* the same document cut right after the string: no NUL before the end */
                        b.n -= 4;
                        d = NULL;
                        e = (DecodeError) {};
                        ck_assert_int_eq(decode(&b, &d, &e), -EBADMSG);
                        ck_assert_ptr_null(d);
                        ck_assert_str_eq(e.reason, "STR_I not NUL-terminated before the end of the document (WBXML 1.3 5.8.4.1)");
                        ck_assert_uint_eq(e.offset, 4 + 4 + 3 + 1 + lead + 2 + 3);
                        free(b.p);
                }
}
END_TEST

/* A string table of entries 0..40 octets long ('A'..), each NUL-terminated; *ret_index[k] is
 * the index of entry k. */
static void put_table(Buf *b, size_t *index, bool last_nul) {
        Buf t = {};

        for (size_t k = 0; k <= 40; k++) {
                index[k] = t.n;
                put_text(&t, k, 'A');
                if (k < 40 || last_nul)
                        put_u8(&t, 0);
        }
        /* mb_u_int32 table length (WBXML 1.3 5.1): two octets, the table is > 127 octets */
        ck_assert_uint_gt(t.n, 127);
        ck_assert_uint_lt(t.n, 16384);
        put_u8(b, (uint8_t) (0x80 | t.n >> 7));
        put_u8(b, (uint8_t) (t.n & 0x7F));
        put(b, t.p, t.n);
        free(t.p);
}

static void put_index(Buf *b, size_t v) {
        if (v >= 128)
                put_u8(b, (uint8_t) (0x80 | v >> 7));
        put_u8(b, (uint8_t) (v & 0x7F));
}

START_TEST(test_wbxml_str_t_lengths) {
        size_t index[41];
        char want[64];

        for (size_t k = 0; k <= 40; k++) {
                DecodeError e = {};
                CpDoc *d = NULL;
                Buf b = {};

                put_hex(&b, "03 0B 6A");
                put_table(&b, index, true);
                put_hex(&b, NAPDEF_OPEN PARM_NAME_VALUE "83");
                put_index(&b, index[k]);
                put_hex(&b, "01 " PARM_NAME_VALUE "83");
                put_index(&b, index[40 - k]);
                put_hex(&b, "01 01 01");
                ck_assert_int_eq(decode(&b, &d, &e), 0);
                text(want, k, 'A');
                ck_assert_str_eq(parm(d, 0)->value, want);
                text(want, 40 - k, 'A');
                ck_assert_str_eq(parm(d, 1)->value, want);
                cpdoc_free(d);
                free(b.p);

                /* the last entry without its NUL: a reference to it is refused, the others work */
                b = (Buf) {};
                e = (DecodeError) {};
                put_hex(&b, "03 0B 6A");
                put_table(&b, index, false);
                put_hex(&b, NAPDEF_OPEN PARM_NAME_VALUE "83");
                put_index(&b, index[k]);
                put_hex(&b, "01 01 01");
                if (k < 40) {
                        ck_assert_int_eq(decode(&b, &d, &e), 0);
                        text(want, k, 'A');
                        ck_assert_str_eq(parm(d, 0)->value, want);
                        cpdoc_free(d);
                } else {
                        ck_assert_int_eq(decode(&b, &d, &e), -EBADMSG);
                        ck_assert_str_eq(e.reason,
                                         "STR_T index outside the string table or not NUL-terminated in it (WBXML 1.3 5.7)");
                }
                free(b.p);
        }
}
END_TEST

START_TEST(test_wbxml_str_t_index_forms) {
        static const struct {
                const char *index; /* mb_u_int32 octets after STR_T */
                int r;
                const char *value, *reason;
        } rows[] = {
                { "00", 0, "ab", NULL },
                { "03", 0, "cdef", NULL },
                { "80 03", 0, "cdef", NULL },    /* non-minimal two-octet form of 3 */
                { "80 80 03", 0, "cdef", NULL }, /* three octets */
                { "80 80 80 80 03", 0, "cdef", NULL },
                { "08", 0, "", NULL },           /* the empty entry */
                { "09", -EBADMSG, NULL, "STR_T index outside the string table or not NUL-terminated in it (WBXML 1.3 5.7)" },
                { "81 00", -EBADMSG, NULL, "STR_T index outside the string table or not NUL-terminated in it (WBXML 1.3 5.7)" },
                { "8F FF FF FF 7F", -EBADMSG, NULL, "STR_T index outside the string table or not NUL-terminated in it (WBXML 1.3 5.7)" },
                { "90 80 80 80 00", -EBADMSG, NULL, "mb_u_int32 longer than 32 bits (WBXML 1.3 5.1)" },
                { "80 80 80 80 80 00", -EBADMSG, NULL, "mb_u_int32 longer than 32 bits (WBXML 1.3 5.1)" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                DecodeError e = {};
                CpDoc *d = NULL;
                Buf b = {};
                int r;

                /* table "ab\0cdef\0\0" (9 octets) */
                put_hex(&b, "03 0B 6A 09 61 62 00 63 64 65 66 00 00 " NAPDEF_OPEN PARM_NAME_VALUE "83");
                put_hex(&b, rows[i].index);
                put_hex(&b, "01 01 01");
                r = decode(&b, &d, &e);
                ck_assert_msg(r == rows[i].r, "row %zu: %d", i, r);
                if (r == 0) {
                        ck_assert_str_eq(parm(d, 0)->value, rows[i].value);
                        cpdoc_free(d);
                } else {
                        ck_assert_str_eq(e.reason, rows[i].reason);
                        ck_assert_uint_eq(e.offset, 13 + 4 + 3);
                }
                free(b.p);

                /* the index cut at the end of the document */
                b = (Buf) {};
                e = (DecodeError) {};
                put_hex(&b, "03 0B 6A 09 61 62 00 63 64 65 66 00 00 " NAPDEF_OPEN PARM_NAME_VALUE "83");
                put_hex(&b, rows[i].index);
                b.n--;
                r = decode(&b, &d, &e);
                ck_assert_int_eq(r, -EBADMSG);
                free(b.p);
        }
}
END_TEST

START_TEST(test_wbxml_pieces) {
        char want[64];

        /* value = STR_I(a) STR_T(b) STR_I(c) for piece lengths 0..17: borrowed first piece,
         * then copies of every length into the value buffer */
        for (size_t a = 0; a <= 17; a++)
                for (size_t bl = 0; bl <= 17; bl++)
                        for (size_t c = 0; c <= 17; c += 17 - c > 4 ? 4 : 1) {
                                size_t index[41];
                                DecodeError e = {};
                                CpDoc *d = NULL;
                                Buf b = {};

                                put_hex(&b, "03 0B 6A");
                                put_table(&b, index, true);
                                put_hex(&b, NAPDEF_OPEN PARM_NAME_VALUE "03");
                                put_text(&b, a, 'a');
                                put_hex(&b, "00 83");
                                put_index(&b, index[bl]);
                                put_hex(&b, "03");
                                put_text(&b, c, 'n');
                                put_hex(&b, "00 01 01 01");
                                ck_assert_int_eq(decode(&b, &d, &e), 0);
                                text(want, a, 'a');
                                text(want + a, bl, 'A');
                                text(want + a + bl, c, 'n');
                                ck_assert_str_eq(parm(d, 0)->value, want);
                                ck_assert_str_eq(parm(d, 0)->name, "NAME");
                                cpdoc_free(d);
                                free(b.p);
                        }
}
END_TEST

START_TEST(test_many_parms_arena) {
        DecodeError e = {};
        CpDoc *d = NULL;
        Buf b = {};
        unsigned k = 0;
        char want[CPDOC_VALUE_MAX + 1];

        /* enough parms of mixed lengths (0..40, and two of CPDOC_VALUE_MAX) for several arena
         * blocks; every string must come back intact */
        put_hex(&b, "03 0B 6A 00 " NAPDEF_OPEN);
        for (unsigned i = 0; i < 600; i++) {
                size_t len = i == 100 || i == 101 ? CPDOC_VALUE_MAX : i % 41;

                put_hex(&b, PARM_NAME_VALUE "03");
                put_text(&b, len, (char) ('A' + i % 7));
                put_hex(&b, "00 01");
        }
        put_hex(&b, "01 01");
        ck_assert_int_eq(decode(&b, &d, &e), 0);
        for (const CpParm *p = d->chars->parms; p; p = p->next, k++) {
                size_t len = k == 100 || k == 101 ? CPDOC_VALUE_MAX : k % 41;

                text(want, len, (char) ('A' + k % 7));
                ck_assert_str_eq(p->name, "NAME");
                ck_assert_str_eq(p->value, want);
                ck_assert_uint_eq(((uintptr_t) p) % 8, 0);
        }
        ck_assert_uint_eq(k, 600);
        ck_assert_uint_eq(d->n_total_parms, 600);
        cpdoc_free(d);
        free(b.p);
}
END_TEST

/* ---- schema: required-parm masks ----------------------------------------------------------- */

static CpDoc *parse_xml(const char *body) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        DecodeError e = {};
        CpDoc *d = NULL;

        ck_assert_ptr_nonnull(f);
        fprintf(f, "<wap-provisioningdoc version=\"1.1\">%s</wap-provisioningdoc>", body);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(cpdoc_from_xml((const uint8_t *) s, n, &d, &e), 0);
        free(s);
        return d;
}

static void missing(const char *body, const char *parm_name, const char *path) {
        CpDocValidateError v = {};
        DecodeError e = {};
        CpDoc *d = parse_xml(body);

        ck_assert_int_eq(cpdoc_validate_ex(d, &e, &v), -EBADMSG);
        ck_assert_str_eq(e.reason, "required parm is missing (ProvCont 4.2)");
        ck_assert_str_eq(v.parm_name, parm_name);
        ck_assert_str_eq(v.path, path);
        cpdoc_free(d);
}

START_TEST(test_required_first_in_table_order) {
        /* NAPDEF: NAPID (entry 0) before NAP-ADDRESS (entry 4), whatever the document order */
        missing("<characteristic type=\"NAPDEF\"><parm name=\"NAME\" value=\"x\"/></characteristic>", "NAPID",
                "/NAPDEF[1]/@NAPID");
        missing("<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"x\"/></characteristic>", "NAP-ADDRESS",
                "/NAPDEF[1]/@NAP-ADDRESS");
        /* PXPHYSICAL: PHYSICAL-PROXY-ID, PXADDR, TO-NAPID (entries 0, 2, 8) */
        missing("<characteristic type=\"PXLOGICAL\"><parm name=\"PROXY-ID\" value=\"p\"/>"
                "<characteristic type=\"PXPHYSICAL\"><parm name=\"TO-NAPID\" value=\"n\"/></characteristic>"
                "</characteristic>",
                "PHYSICAL-PROXY-ID", "/PXLOGICAL[1]/PXPHYSICAL[1]/@PHYSICAL-PROXY-ID");
        missing("<characteristic type=\"PXLOGICAL\"><parm name=\"PROXY-ID\" value=\"p\"/>"
                "<characteristic type=\"PXPHYSICAL\"><parm name=\"PXADDR\" value=\"10.0.0.1\"/>"
                "<parm name=\"PHYSICAL-PROXY-ID\" value=\"x\"/></characteristic></characteristic>",
                "TO-NAPID", "/PXLOGICAL[1]/PXPHYSICAL[1]/@TO-NAPID");
        /* the 64th-entry limit of the masks is a compile-time assertion in schema.c; the largest
         * table (NAPDEF) with every required parm present validates */
        {
                DecodeError e = {};
                CpDoc *d = parse_xml("<characteristic type=\"NAPDEF\"><parm name=\"NAP-ADDRESS\" value=\"a.b\"/>"
                                     "<parm name=\"NAPID\" value=\"x\"/></characteristic>");

                ck_assert_int_eq(cpdoc_validate(d, &e), 0);
                cpdoc_free(d);
        }
}
END_TEST

#define THREADS 4

static void *validate_thread(void *arg) {
        CpDoc *d = arg;
        DecodeError e = {};

        return (void *) (intptr_t) cpdoc_validate(d, &e);
}

START_TEST(test_first_use_concurrent) {
        pthread_t t[THREADS];
        CpDoc *d[THREADS];
        size_t n;
        uint8_t *buf = tu_read_file("bench/data/cp-typical.wbxml", &n);

        /* each Check test runs in its own process: this is the masks' first use */
        for (unsigned i = 0; i < THREADS; i++) {
                DecodeError e = {};

                ck_assert_int_eq(cpdoc_from_wbxml(buf, n, &d[i], &e), 0);
        }
        for (unsigned i = 0; i < THREADS; i++)
                ck_assert_int_eq(pthread_create(&t[i], NULL, validate_thread, d[i]), 0);
        for (unsigned i = 0; i < THREADS; i++) {
                void *r;

                ck_assert_int_eq(pthread_join(t[i], &r), 0);
                ck_assert_int_eq((int) (intptr_t) r, 0);
        }
        for (unsigned i = 0; i < THREADS; i++)
                cpdoc_free(d[i]);
        free(buf);
        missing("<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"x\"/></characteristic>", "NAP-ADDRESS",
                "/NAPDEF[1]/@NAP-ADDRESS");
}
END_TEST

int main(void) {
        Suite *s = suite_create("cpdoc-string");
        TCase *tc;

        tc = tcase_create("/cpdoc-string/check-string");
        tcase_set_timeout(tc, 120);
        TU_ADD(tc, test_utf8_seq_edges);
        TU_ADD(tc, test_printable_all_lengths);
        TU_ADD(tc, test_octet_every_position);
        TU_ADD(tc, test_sequences_every_position);
        TU_ADD(tc, test_octets_past_length_ignored);
        TU_ADD(tc, test_random_vs_reference);
        suite_add_tcase(s, tc);

        tc = tcase_create("/cpdoc-string/wbxml");
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_wbxml_str_i_lengths);
        TU_ADD(tc, test_wbxml_str_t_lengths);
        TU_ADD(tc, test_wbxml_str_t_index_forms);
        TU_ADD(tc, test_wbxml_pieces);
        TU_ADD(tc, test_many_parms_arena);
        suite_add_tcase(s, tc);

        tc = tcase_create("/cpdoc-string/schema");
        TU_ADD(tc, test_required_first_in_table_order);
        TU_ADD(tc, test_first_use_concurrent);
        suite_add_tcase(s, tc);

        return tu_run(s);
}
