/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-wbxml.c: the WBXML token iterator and cpdoc_from_wbxml() (common/wbxml.c). TV-A and
 * TV-B (docs/wire-notes.md §5.7) and the docs/testing.md §5.1 outputs decode to the exact trees of
 * wire 3.9/4.5; every header field, global token, code-page rule and PROV table entry; every
 * WBXML_* and CPDOC_* limit at and just past it; truncation at every length; the hostile
 * files of ../shared/testdata/hostile; and the xml2wbxml corpus (tests/data/wbxml-corpus),
 * each document against its XML source (read with libxml2, not our XML front end), plus a
 * coverage check that the corpus uses every token of the PROV tables. Every decode runs on
 * an exact-size heap copy so ASan sees any over-read; every failure must leave *ret
 * untouched and fill the DecodeError (layer "wbxml", offset inside the input, a reason).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cpdoc.h"
#include "macros.h"
#include "testutil.h"
#include "wbxml.h"

#define CORPUS "tests/data/wbxml-corpus"
#define H13 "03 0B 6A 00 "                    /* WBXML 1.3, PROV, UTF-8, no string table */
#define ROOT(x) H13 "45 " x " 01"           /* wap-provisioningdoc with content */
#define NAPDEF(x) ROOT("C6 55 01 " x " 01") /* ... holding one NAPDEF */
#define TVA "030B6A00C54601C65601870706035465737400010101"
#define TVB                                                                                          \
        "030B6A00C54503312E310001C65601870706035465737420444D000101C600015501873606037737000187380603" \
        "646D7372760001870706035465737420444D00018734060368747470733A2F2F646D2E6578616D706C652E636F6D" \
        "2F646D0001C657018730068D0187330603444947455354000187310603757365720001873206037365637265740001" \
        "010101"
#define ENV5A_V13                                                                                    \
        "030b6a09494e5445524e455400c54601c65501871106830001871006ab01870706034578616d706c652047505253" \
        "000187080603696e7465726e65742e6578616d706c652e636f6d0001870906890101c600015501873600000603" \
        "773700018722068300018700013400000603687474703a2f2f646d2e6578616d706c652e636f6d2f00010101"
#define ENV5A_V11N                                                                                   \
        "010b6a00c54601c6550187110603494e5445524e45540001871006ab01870706034578616d706c65204750525300" \
        "0187080603696e7465726e65742e6578616d706c652e636f6d0001870906890101c60001550187360000060377" \
        "37000187220603494e5445524e455400018700013400000603687474703a2f2f646d2e6578616d706c652e636f" \
        "6d2f00010101"
#define ENV5A_TREE                                                                                   \
        "doc version=\"1.0\"\n"                                                                      \
        "C NAPDEF\n  P NAPID=\"INTERNET\"\n  P BEARER=\"GSM-GPRS\"\n  P NAME=\"Example GPRS\"\n"   \
        "  P NAP-ADDRESS=\"internet.example.com\"\n  P NAP-ADDRTYPE=\"APN\"\n"                      \
        "C APPLICATION\n  P APPID=\"w7\"\n  P TO-NAPID=\"INTERNET\"\n  P ADDR=\"http://dm.example.com/\"\n"

/* ---- byte builder --------------------------------------------------------------------------- */

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

static void put_rep(Buf *b, const char *hex, size_t times) {
        size_t n;
        uint8_t *x = tu_unhex(hex, &n);

        for (size_t i = 0; i < times; i++)
                put(b, x, n);
        free(x);
}

static void put_fill(Buf *b, uint8_t c, size_t times) {
        for (size_t i = 0; i < times; i++)
                put_u8(b, c);
}

static void put_mb(Buf *b, uint32_t v) {
        uint8_t t[5];
        int k = 0;

        do {
                t[k++] = v & 0x7F;
                v >>= 7;
        } while (v);
        while (k > 0) {
                k--;
                put_u8(b, (uint8_t) (t[k] | (k ? 0x80 : 0)));
        }
}

/* ---- canonical tree text ----------------------------------------------------------------------- */

static void canon_char(FILE *f, const CpCharacteristic *c, unsigned depth) {
        fprintf(f, "%*sC %s\n", (int) depth * 2, "", c->type);
        for (const CpParm *p = c->parms; p; p = p->next) {
                if (p->value)
                        fprintf(f, "%*sP %s=\"%s\"\n", (int) (depth + 1) * 2, "", p->name, p->value);
                else
                        fprintf(f, "%*sP %s\n", (int) (depth + 1) * 2, "", p->name);
        }
        for (const CpCharacteristic *k = c->children; k; k = k->next)
                canon_char(f, k, depth + 1);
}

/* "doc version=..." then one line per characteristic and parm, two spaces per level. */
static char *canon_doc(const CpDoc *d) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        ck_assert_ptr_nonnull(f);
        if (d->version)
                fprintf(f, "doc version=\"%s\"\n", d->version);
        else
                fprintf(f, "doc\n");
        for (const CpCharacteristic *c = d->chars; c; c = c->next)
                canon_char(f, c, 0);
        fclose(f);
        return s;
}

static void canon_xml_node(FILE *f, xmlNode *n, unsigned depth) {
        for (xmlNode *k = n->children; k; k = k->next) {
                xmlChar *a, *v;

                if (k->type != XML_ELEMENT_NODE)
                        continue;
                if (xmlStrcmp(k->name, BAD_CAST "characteristic") == 0) {
                        a = xmlGetProp(k, BAD_CAST "type");
                        fprintf(f, "%*sC %s\n", (int) depth * 2, "", a ? (char *) a : "?unknown");
                        xmlFree(a);
                        canon_xml_node(f, k, depth + 1);
                } else {
                        ck_assert_str_eq((const char *) k->name, "parm");
                        a = xmlGetProp(k, BAD_CAST "name");
                        v = xmlGetProp(k, BAD_CAST "value");
                        if (v)
                                fprintf(f, "%*sP %s=\"%s\"\n", (int) depth * 2, "", a ? (char *) a : "?unknown",
                                        (char *) v);
                        else
                                fprintf(f, "%*sP %s\n", (int) depth * 2, "", a ? (char *) a : "?unknown");
                        xmlFree(a);
                        xmlFree(v);
                }
        }
}

/* The same text from an XML document, read with libxml2 (no network, no DTD). */
static char *canon_xml(const uint8_t *buf, size_t len) {
        xmlDoc *x = xmlReadMemory((const char *) buf, (int) len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
        xmlNode *root;
        xmlChar *ver;
        char *s = NULL;
        size_t n = 0;
        FILE *f;

        ck_assert_ptr_nonnull(x);
        root = xmlDocGetRootElement(x);
        ck_assert_str_eq((const char *) root->name, "wap-provisioningdoc");
        f = open_memstream(&s, &n);
        ver = xmlGetProp(root, BAD_CAST "version");
        if (ver)
                fprintf(f, "doc version=\"%s\"\n", (char *) ver);
        else
                fprintf(f, "doc\n");
        xmlFree(ver);
        canon_xml_node(f, root, 0);
        fclose(f);
        xmlFreeDoc(x);
        return s;
}

/* Replace every occurrence of from by to (to no longer than from). Return: how many. */
static unsigned replace_all(char *s, const char *from, const char *to) {
        size_t fl = strlen(from), tl = strlen(to);
        unsigned k = 0;
        char *p;

        while ((p = strstr(s, from))) {
                memcpy(p, to, tl);
                memmove(p + tl, p + fl, strlen(p + fl) + 1);
                k++;
        }
        return k;
}

/* ---- decode helpers ---------------------------------------------------------------------------- */

#define SENTINEL ((CpDoc *) (uintptr_t) 0x5a5a5a5a)

/* Decode an exact-size heap copy. */
static int decode(const uint8_t *p, size_t n, CpDoc **ret, DecodeError *e) {
        uint8_t *copy = malloc(n ? n : 1);
        int r;

        ck_assert_ptr_nonnull(copy);
        if (n)
                memcpy(copy, p, n);
        memset(e, 0, sizeof(*e));
        r = cpdoc_from_wbxml(copy, n, ret, e);
        free(copy);
        return r;
}

static CpDoc *ok_bytes(const uint8_t *p, size_t n) {
        DecodeError e;
        CpDoc *d = SENTINEL;
        int r = decode(p, n, &d, &e);

        ck_assert_msg(r == 0, "decode failed: %d at %zu: %s", r, e.offset, e.reason ? e.reason : "-");
        ck_assert_ptr_null(e.layer);
        return d;
}

static CpDoc *ok_hex(const char *hex) {
        size_t n;
        uint8_t *b = tu_unhex(hex, &n);
        CpDoc *d = ok_bytes(b, n);

        free(b);
        return d;
}

static char *tree_hex(const char *hex) {
        CpDoc *d = ok_hex(hex);
        char *s = canon_doc(d);

        cpdoc_free(d);
        return s;
}

#define ck_tree(hex, want)                                                                            \
        do {                                                                                          \
                char *_t = tree_hex(hex);                                                             \
                ck_assert_str_eq(_t, want);                                                           \
                free(_t);                                                                             \
        } while (0)

static DecodeError fail_bytes_at(const uint8_t *p, size_t n, int want, const char *what) {
        DecodeError e;
        CpDoc *d = SENTINEL;
        int r = decode(p, n, &d, &e);

        ck_assert_msg(r == want, "%s: got %d (%s at %zu), want %d", what, r, e.reason ? e.reason : "ok", e.offset,
                      want);
        ck_assert_msg(d == SENTINEL, "%s: *ret written on failure", what);
        ck_assert_ptr_nonnull(e.layer);
        ck_assert_str_eq(e.layer, "wbxml");
        ck_assert_ptr_nonnull(e.reason);
        ck_assert_msg(e.offset <= n || (want == -E2BIG && e.offset == CPDOC_WBXML_SIZE_MAX), "%s: offset %zu > %zu",
                      what, e.offset, n);
        return e;
}

static void fail_bytes(const uint8_t *p, size_t n, int want, const char *what) {
        (void) fail_bytes_at(p, n, want, what);
}

static DecodeError fail_hex_at(const char *hex, int want) {
        size_t n;
        uint8_t *b = tu_unhex(hex, &n);
        DecodeError e = fail_bytes_at(b, n, want, hex);

        free(b);
        return e;
}

static void fail_hex(const char *hex, int want) {
        (void) fail_hex_at(hex, want);
}

static void fail_buf(Buf *b, int want, const char *what) {
        fail_bytes(b->p, b->n, want, what);
        free(b->p);
        b->p = NULL;
}

static void ok_buf(Buf *b) {
        cpdoc_free(ok_bytes(b->p, b->n));
        free(b->p);
        b->p = NULL;
}

/* ---- vectors --------------------------------------------------------------------------------- */

START_TEST(test_tv_a) {
        size_t n;
        uint8_t *b = tu_unhex(TVA, &n);
        CpDoc *d;

        ck_assert_uint_eq(n, 22); /* wire 5.7: 22 octets */
        d = ok_bytes(b, n);
        ck_assert_int_eq(d->source, CPDOC_SOURCE_WBXML);
        ck_assert_uint_eq(d->wbxml_version, 0x03);
        ck_assert_uint_eq(d->public_id, 0x0B);
        ck_assert_ptr_null(d->public_id_text);
        ck_assert_uint_eq(d->charset, 106);
        ck_assert_uint_eq(d->strtbl_len, 0);
        ck_assert_uint_eq(d->n_chars, 1);
        ck_assert_uint_eq(d->n_total_chars, 1);
        ck_assert_uint_eq(d->n_total_parms, 1);
        cpdoc_free(d);
        free(b);
        /* wire 3.9: wap-provisioningdoc version="1.0" / BOOTSTRAP / NAME=Test */
        ck_tree(TVA, "doc version=\"1.0\"\nC BOOTSTRAP\n  P NAME=\"Test\"\n");
}
END_TEST

START_TEST(test_tv_b) {
        size_t n;
        uint8_t *b = tu_unhex(TVB, &n);

        ck_assert_uint_eq(n, 142); /* wire 5.7: 142 octets */
        free(b);
        /* wire 4.5, the TV-B source */
        ck_tree(TVB, "doc version=\"1.1\"\n"
                     "C BOOTSTRAP\n  P NAME=\"Test DM\"\n"
                     "C APPLICATION\n  P APPID=\"w7\"\n  P PROVIDER-ID=\"dmsrv\"\n  P NAME=\"Test DM\"\n"
                     "  P ADDR=\"https://dm.example.com/dm\"\n"
                     "  C APPAUTH\n    P AAUTHLEVEL=\"APPSRV\"\n    P AAUTHTYPE=\"DIGEST\"\n"
                     "    P AAUTHNAME=\"user\"\n    P AAUTHSECRET=\"secret\"\n");
}
END_TEST

START_TEST(test_env_5a) {
        CpDoc *d = ok_hex(ENV5A_V13);

        /* -v 1.3: "INTERNET" in a 9-octet string table, referenced by 83 00 */
        ck_assert_uint_eq(d->strtbl_len, 9);
        cpdoc_free(d);
        ck_tree(ENV5A_V13, ENV5A_TREE);
        /* -v 1.1 -n: inline strings, same tree */
        d = ok_hex(ENV5A_V11N);
        ck_assert_uint_eq(d->wbxml_version, 0x01);
        ck_assert_uint_eq(d->strtbl_len, 0);
        cpdoc_free(d);
        ck_tree(ENV5A_V11N, ENV5A_TREE);
}
END_TEST

START_TEST(test_nowsms_110e) {
        CpDoc *d;

        /* wire 2.9.2: publicid A2 0E = 0x110E (Windows Mobile sender), root 45: no version */
        d = ok_hex("03 A2 0E 6A 00 45 C6 56 01 87 07 06 03 546573 7400 01 01 01");
        ck_assert_uint_eq(d->public_id, 0x110E);
        ck_assert_ptr_null(d->version);
        cpdoc_free(d);
        ck_tree("03 A2 0E 6A 00 45 C6 56 01 87 07 06 03 546573 7400 01 01 01", "doc\nC BOOTSTRAP\n  P NAME=\"Test\"\n");
}
END_TEST

/* ---- header -------------------------------------------------------------------------------- */

START_TEST(test_header_versions) {
        CpDoc *d;

        /* WBXML 1.0: no charset field (5.6), taken as UTF-8 */
        d = ok_hex("00 0B 00 45 C6 56 01 87 07 06 03 C3A9 00 01 01 01");
        ck_assert_uint_eq(d->wbxml_version, 0x00);
        ck_assert_uint_eq(d->charset, 0);
        ck_assert_str_eq(d->chars->parms->value, "\xc3\xa9");
        cpdoc_free(d);
        cpdoc_free(ok_hex("01 0B 6A 00 45 C6 56 01 01 01"));
        cpdoc_free(ok_hex("02 0B 6A 00 45 C6 56 01 01 01"));
        cpdoc_free(ok_hex("03 0B 6A 00 45 C6 56 01 01 01"));
        fail_hex("04 0B 6A 00 45 C6 56 01 01 01", -EOPNOTSUPP);
        fail_hex("13 0B 6A 00 45 C6 56 01 01 01", -EOPNOTSUPP); /* WBXML 2.3 */
        fail_hex("FF 0B 6A 00 45 01", -EOPNOTSUPP);
        /* libwbxml's `xml2wbxml -v 1.0` writes a charset anyway (its own parser rejects the
         * result too): 6A is then read as a 106-octet string table -> malformed. */
        fail_hex("00 0B 6A 00 45 C6 56 01 01 01", -EBADMSG);
        fail_hex("", -EBADMSG);
        fail_hex("03", -EBADMSG);
}
END_TEST

START_TEST(test_header_public_ids) {
        CpDoc *d;

        d = ok_hex("03 01 6A 00 45 01"); /* unknown: root is wap-provisioningdoc */
        ck_assert_uint_eq(d->public_id, 1);
        cpdoc_free(d);
        cpdoc_free(ok_hex("03 0F 6A 00 45 01"));       /* an unregistered id: treated as vendor */
        cpdoc_free(ok_hex("03 81 80 00 6A 00 45 01")); /* 0x4000, 3-octet mb_u_int32 */
        fail_hex("03 01 6A 00 46 01", -EBADMSG);       /* unknown id, root is not PROV's */
        fail_hex("03 01 6A 00 C6 55 01 01", -EBADMSG); /* unknown id, root is a characteristic */
        /* registered ids of other WAP document types (WBXML 1.3 7.2) */
        for (unsigned pid = 0x02; pid <= 0x0E; pid++) {
                Buf b = { 0 };

                put_u8(&b, 0x03);
                put_u8(&b, (uint8_t) pid);
                put_hex(&b, "6A 00 45 01");
                if (pid == 0x0B)
                        ok_buf(&b);
                else
                        fail_buf(&b, -EOPNOTSUPP, "foreign public id");
        }
        fail_hex("03 80 00 6A 00 45 01", -EBADMSG); /* 0 in a two-octet form is not "00 index" */
        fail_hex("03 80 80 80 80 80 01 6A 00 45 01", -EBADMSG); /* mb_u_int32 over 5 octets */
        fail_hex("03 8F", -EBADMSG);
}
END_TEST

START_TEST(test_header_strtbl_public_id) {
        Buf b = { 0 };
        static const char fpi[] = "-//WAPFORUM//DTD PROV 1.0//EN";
        CpDoc *d;

        /* "00 index": the FPI at offset 4 of the string table (after "abc\0") */
        put_hex(&b, "03 00 04 6A");
        put_mb(&b, 4 + sizeof fpi);
        put(&b, "abc", 4);
        put(&b, fpi, sizeof fpi);
        put_hex(&b, "45 C6 56 01 87 07 06 83 00 01 01 01");
        d = ok_bytes(b.p, b.n);
        ck_assert_uint_eq(d->public_id, 0);
        ck_assert_str_eq(d->public_id_text, fpi);
        ck_assert_str_eq(d->chars->parms->value, "abc");
        cpdoc_free(d);
        free(b.p);

        /* another FPI -> -EOPNOTSUPP, even with a PROV root */
        b = (Buf) { 0 };
        put_hex(&b, "03 00 00 6A 1C");
        put(&b, "-//WAPFORUM//DTD SI 1.0//EN", 28);
        put_hex(&b, "45 01");
        fail_buf(&b, -EOPNOTSUPP, "SI FPI");

        /* same letters, other case: FPIs compare exactly */
        b = (Buf) { 0 };
        put_hex(&b, "03 00 00 6A 1E");
        put(&b, "-//wapforum//dtd prov 1.0//en", 30);
        put_hex(&b, "45 01");
        fail_buf(&b, -EOPNOTSUPP, "lower-case FPI");

        /* index past the table, index at its end, string without NUL inside the table */
        fail_hex("03 00 05 6A 03 616263 45 01", -EBADMSG);
        fail_hex("03 00 03 6A 03 616263 45 01", -EBADMSG);
        fail_hex("03 00 00 6A 03 616263 00 45 01", -EBADMSG); /* a NUL right after, in the body */
        fail_hex("03 00 00 6A 00 45 01", -EBADMSG);          /* empty table */
        fail_hex("03 00 90 80 80 80 00 6A 00 45 01", -EBADMSG);
}
END_TEST

START_TEST(test_header_charsets) {
        CpDoc *d;

        d = ok_hex("03 0B 00 00 45 C6 56 01 87 07 06 03 C3A9 00 01 01 01"); /* 0: unknown -> UTF-8 */
        ck_assert_str_eq(d->chars->parms->value, "\xc3\xa9");
        cpdoc_free(d);
        /* US-ASCII: ASCII passes, any octet >= 0x80 is refused */
        d = ok_hex("03 0B 03 00 45 C6 56 01 87 07 06 03 636166 65 00 01 01 01");
        ck_assert_uint_eq(d->charset, 3);
        ck_assert_str_eq(d->chars->parms->value, "cafe");
        cpdoc_free(d);
        fail_hex("03 0B 03 00 45 C6 56 01 87 07 06 03 C3A9 00 01 01 01", -EBADMSG);
        /* ISO-8859-1: converted to UTF-8 */
        d = ok_hex("03 0B 04 00 45 C6 56 01 87 07 06 03 636166 E9 00 01 01 01");
        ck_assert_uint_eq(d->charset, 4);
        ck_assert_str_eq(d->chars->parms->value, "caf\xc3\xa9");
        cpdoc_free(d);
        d = ok_hex("03 0B 04 00 45 C6 56 01 87 07 06 03 FF 00 01 01 01");
        ck_assert_str_eq(d->chars->parms->value, "\xc3\xbf");
        cpdoc_free(d);
        fail_hex("03 0B 04 00 45 C6 56 01 87 07 06 03 85 00 01 01 01", -EBADMSG); /* C1 control */
        /* not UTF-8 in a UTF-8 document */
        fail_hex("03 0B 6A 00 45 C6 56 01 87 07 06 03 E9 00 01 01 01", -EBADMSG);
        fail_hex("03 0B 6A 00 45 C6 56 01 87 07 06 03 C0AF 00 01 01 01", -EBADMSG); /* overlong */
        /* UTF-16 (1015 = 87 77), Big5 (2026), Shift_JIS (17) */
        fail_hex("03 0B 87 77 00 45 01", -EOPNOTSUPP);
        fail_hex("03 0B 8F 6A 00 45 01", -EOPNOTSUPP);
        fail_hex("03 0B 11 00 45 01", -EOPNOTSUPP);
        fail_hex("03 0B 6A", -EBADMSG);
        fail_hex("03 0B EA", -EBADMSG);
}
END_TEST

/* ---- string table ----------------------------------------------------------------------------- */

START_TEST(test_strtbl_ref_ok) {
        CpDoc *d;

        /* references at 0, in the middle of a string (a suffix), at the last string */
        d = ok_hex("03 0B 6A 08 6162630078797A00 45 C6 56 01 87 07 06 83 00 01 87 07 06 83 01 01 87 07 06 83 04 01"
                   " 87 07 06 83 07 01 01 01");
        ck_assert_str_eq(d->chars->parms->value, "abc");
        ck_assert_str_eq(d->chars->parms->next->value, "bc");
        ck_assert_str_eq(d->chars->parms->next->next->value, "xyz");
        ck_assert_str_eq(d->chars->parms->next->next->next->value, "");
        ck_assert_uint_eq(d->strtbl_len, 8);
        cpdoc_free(d);
        /* a table that is never referenced may hold anything */
        cpdoc_free(ok_hex("03 0B 6A 03 FF FE 01 45 01"));
}
END_TEST

START_TEST(test_strtbl_ref_out_of_range) {
        fail_hex("03 0B 6A 04 61626300 45 C6 56 01 87 07 06 83 04 01 01 01", -EBADMSG); /* index == length */
        fail_hex("03 0B 6A 04 61626300 45 C6 56 01 87 07 06 83 05 01 01 01", -EBADMSG);
        fail_hex("03 0B 6A 04 61626300 45 C6 56 01 87 07 06 83 8F FF FF FF 7F 01 01 01", -EBADMSG);
        fail_hex(NAPDEF("87 07 06 83 00 01"), -EBADMSG); /* no table at all */
}
END_TEST

START_TEST(test_strtbl_ref_not_terminated) {
        /* "abc" with no NUL in the table, although the body's next octet is 00 */
        fail_hex("03 0B 6A 03 616263 00 45 01", -EBADMSG);
        fail_hex("03 0B 6A 03 616263 45 C6 56 01 87 07 06 83 00 01 01 01", -EBADMSG);
        fail_hex("03 0B 6A 05 6100626364 45 C6 56 01 87 07 06 83 02 01 01 01", -EBADMSG);
}
END_TEST

START_TEST(test_strtbl_length) {
        fail_hex("03 0B 6A 05 61626300", -EBADMSG);                       /* longer than the document */
        fail_hex("03 0B 6A 8F FF FF FF 7F 00", -EBADMSG);                 /* 4 GiB */
        fail_hex("03 0B 6A 90 80 80 80 00 00", -EBADMSG);                 /* over 32 bits */
        fail_hex("03 0B 6A 81 80 80 80 80 00 45 01", -EBADMSG);           /* 6 octets */
        fail_hex("03 0B 6A 80", -EBADMSG);                                /* truncated length */
}
END_TEST

START_TEST(test_strtbl_max) {
        Buf b = { 0 };
        CpDoc *d;

        /* at WBXML_STRTBL_MAX: all NULs, the last octet referenced (an empty string) */
        put_hex(&b, "03 0B 6A");
        put_mb(&b, WBXML_STRTBL_MAX);
        put_fill(&b, 0, WBXML_STRTBL_MAX);
        put_hex(&b, "45 C6 56 01 87 07 06 83");
        put_mb(&b, WBXML_STRTBL_MAX - 1);
        put_hex(&b, "01 01 01");
        d = ok_bytes(b.p, b.n);
        ck_assert_uint_eq(d->strtbl_len, WBXML_STRTBL_MAX);
        ck_assert_str_eq(d->chars->parms->value, "");
        cpdoc_free(d);
        free(b.p);

        b = (Buf) { 0 };
        put_hex(&b, "03 0B 6A");
        put_mb(&b, WBXML_STRTBL_MAX + 1);
        put_fill(&b, 0, WBXML_STRTBL_MAX + 1);
        put_hex(&b, "45 01");
        fail_buf(&b, -E2BIG, "string table past WBXML_STRTBL_MAX");
}
END_TEST

/* ---- global tokens --------------------------------------------------------------------------- */

START_TEST(test_global_switch_page) {
        /* attribute page: cp1 55 = APPLICATION; tag page: cp1 06/07 */
        ck_tree(ROOT("C6 00 01 55 01 87 36 06 03 773200 01 01"), "doc\nC APPLICATION\n  P APPID=\"w2\"\n");
        ck_tree(ROOT("00 01 C6 00 01 55 01 87 36 06 03 773200 01 01"), "doc\nC APPLICATION\n  P APPID=\"w2\"\n");
        /* the tag page stays 1 across END; the attribute page stays 1 as well */
        ck_tree(ROOT("00 01 C6 00 01 55 01 87 36 01 01 86 55 01"), "doc\nC APPLICATION\n  P APPID\nC APPLICATION\n");
        /* wire 3.9: after APPLICATION the attribute page is still 1: C6 55 is APPLICATION again,
         * a cp0 NAPDEF needs 00 00 first */
        ck_tree(ROOT("C6 00 01 55 01 01 C6 55 01 01 C6 00 00 55 01 01"), "doc\nC APPLICATION\nC APPLICATION\nC NAPDEF\n");
        /* several switches in a row, the last one counts */
        ck_tree(ROOT("C6 00 01 00 00 00 01 55 01 01"), "doc\nC APPLICATION\n");
        /* a code page PROV does not define, even without a token on it (R8) */
        fail_hex(ROOT("00 02 00 00 C6 55 01 01"), -EBADMSG);
        fail_hex(ROOT("C6 00 02 00 00 55 01 01"), -EBADMSG);
        fail_hex(ROOT("C6 00 FF 55 01 01"), -EBADMSG);
        fail_hex(H13 "45 00", -EBADMSG); /* truncated */
        /* tag page 1 has no wap-provisioningdoc */
        fail_hex(H13 "00 01 45 01", -EBADMSG);
}
END_TEST

START_TEST(test_global_end) {
        fail_hex(H13 "01", -EBADMSG);                  /* END before the root */
        fail_hex(ROOT("87 01"), -EBADMSG);             /* attribute list without attribute */
        fail_hex(H13 "C5 01 01", -EBADMSG);            /* root: attribute list without attribute */
        fail_hex(ROOT("01"), -EBADMSG);                /* one END too many: data after the root */
        fail_hex(H13 "45 C6 55 01", -EBADMSG);         /* missing ENDs */
        cpdoc_free(ok_hex(H13 "05"));                  /* empty root, no content, no END */
        cpdoc_free(ok_hex(H13 "45 01"));
}
END_TEST

START_TEST(test_global_entity) {
        /* mapped to UTF-8: e-acute, euro, U+1D11E, concatenated with other parts */
        ck_tree(NAPDEF("87 07 06 02 81 69 02 C1 2C 03 2D00 02 87 A2 1E 01"),
                "doc\nC NAPDEF\n  P NAME=\"\xc3\xa9\xe2\x82\xac-\xf0\x9d\x84\x9e\"\n");
        ck_tree(NAPDEF("87 05 02 41 02 42 01"), "doc\nC NAPDEF\n  P AB\n"); /* in a name */
        ck_tree(NAPDEF("87 05 02 41 02 C3 FF 7F 01"), "doc\nC NAPDEF\n  P A\xf4\x8f\xbf\xbf\n"); /* U+10FFFF */
        fail_hex(NAPDEF("87 07 06 02 00 01"), -EBADMSG);                  /* NUL */
        fail_hex(NAPDEF("87 07 06 02 07 01"), -EBADMSG);                  /* C0 control */
        fail_hex(NAPDEF("87 07 06 02 81 00 01"), -EBADMSG);               /* U+0080, C1 control */
        fail_hex(NAPDEF("87 07 06 02 83 B0 00 01"), -EBADMSG);            /* surrogate D800 */
        fail_hex(NAPDEF("87 07 06 02 C4 80 00 01"), -EBADMSG);            /* U+110000 */
        fail_hex(NAPDEF("87 07 06 02 88 80 80 80 00 01"), -EBADMSG);      /* 0x80000000: libwbxml asserts */
        fail_hex(NAPDEF("87 07 06 02 8F FF FF FF 7F 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 02 90 80 80 80 00 01"), -EBADMSG);      /* over 32 bits */
        fail_hex(NAPDEF("87 07 06 02"), -EBADMSG);                        /* truncated */
        fail_hex(NAPDEF("02 41"), -EBADMSG);                              /* entity as content */
        fail_hex(ROOT("C6 55 02 41 01"), -EBADMSG);                       /* before any attribute start */
}
END_TEST

START_TEST(test_global_str_i) {
        ck_tree(NAPDEF("87 05 03 582D4100 06 03 7600 01"), "doc\nC NAPDEF\n  P X-A=\"v\"\n");
        ck_tree(NAPDEF("87 07 06 03 00 01"), "doc\nC NAPDEF\n  P NAME=\"\"\n"); /* empty value */
        fail_hex(NAPDEF("87 07 06 03 616263"), -EBADMSG);             /* not terminated */
        fail_hex(H13 "45 C6 55 01 87 07 06 03 6162", -EBADMSG);
        fail_hex(NAPDEF("87 05 03 00 01"), -EBADMSG);                 /* empty name */
        /* content: whitespace (xml2wbxml -k) is skipped, anything else refused */
        ck_tree(ROOT("03 0A2020 00 C6 55 01 03 0A 00 87 07 01 03 090D0A20 00 01 03 0A00"), "doc\nC NAPDEF\n  P NAME\n");
        fail_hex(ROOT("03 7800"), -EBADMSG);
        fail_hex(NAPDEF("03 2078 00"), -EBADMSG);
        fail_hex(H13 "03 2000 45 01", -EBADMSG); /* content before the root */
}
END_TEST

START_TEST(test_global_str_t) {
        ck_tree("03 0B 6A 06 4E41504944 00 45 C6 55 01 87 05 83 00 06 83 02 01 01 01",
                "doc\nC NAPDEF\n  P NAPID=\"PID\"\n");
        /* whitespace content from the string table is skipped too */
        ck_tree("03 0B 6A 02 0A00 45 83 00 C6 55 01 01 83 00 01", "doc\nC NAPDEF\n");
        fail_hex("03 0B 6A 02 7800 45 83 00 01", -EBADMSG);
        fail_hex(NAPDEF("87 07 06 83"), -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 C6 55 01 87 07 06 83 90 80 80 80 00 01 01 01", -EBADMSG); /* > 32 bits */
        fail_hex("03 0B 6A 02 7800 45 C6 55 01 87 07 06 83 81 80 80 80 80 00 01 01 01", -EBADMSG);
}
END_TEST

START_TEST(test_global_opaque) {
        /* WBXML >= 1.2: OPAQUE in an attribute value is string data */
        ck_tree(NAPDEF("87 07 06 C3 03 616263 01"), "doc\nC NAPDEF\n  P NAME=\"abc\"\n");
        ck_tree("02 0B 6A 00 45 C6 55 01 87 07 06 C3 02 C3A9 03 2100 01 01 01", "doc\nC NAPDEF\n  P NAME=\"\xc3\xa9!\"\n");
        ck_tree(NAPDEF("87 07 06 C3 00 01"), "doc\nC NAPDEF\n  P NAME=\"\"\n");
        fail_hex("01 0B 6A 00 45 C6 55 01 87 07 06 C3 01 61 01 01 01", -EBADMSG); /* WBXML 1.1 */
        fail_hex("00 0B 00 45 C6 55 01 87 07 06 C3 01 61 01 01 01", -EBADMSG);    /* WBXML 1.0 */
        /* the string rules apply: no NUL, no controls, valid UTF-8 */
        fail_hex(NAPDEF("87 07 06 C3 03 610062 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 C3 01 1B 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 C3 02 FFFE 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 C3 02 C3 01"), -EBADMSG); /* truncated UTF-8 sequence */
        /* lengths: past the end, 4 GiB, over 32 bits, 6 octets, truncated */
        fail_hex(NAPDEF("87 07 06 C3 10 6162 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 C3 8F FF FF FF 7F 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 C3 90 80 80 80 00 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 C3 81 80 80 80 80 00 01"), -EBADMSG);
        fail_hex(H13 "45 C6 55 01 87 07 06 C3 83", -EBADMSG);
        /* content: PROV elements hold none */
        fail_hex(NAPDEF("C3 01 20"), -EBADMSG);
        /* OPAQUE over CPDOC_VALUE_MAX */
        {
                Buf b = { 0 };

                put_hex(&b, H13 "45 C6 55 01 87 07 06 C3");
                put_mb(&b, CPDOC_VALUE_MAX + 1);
                put_fill(&b, 'o', CPDOC_VALUE_MAX + 1);
                put_hex(&b, "01 01 01");
                fail_buf(&b, -E2BIG, "OPAQUE over CPDOC_VALUE_MAX");
        }
}
END_TEST

START_TEST(test_global_literal) {
        /* LITERAL (04) in attribute state, LITERAL_C/A/AC (44/84/C4) in tag state, and the
         * same octets in the other state: PROV has no literal names */
        fail_hex("03 0B 6A 02 7800 45 C6 55 01 87 04 00 01 01 01", -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 44 00 01 01", -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 84 00 05 01 01", -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 C4 00 05 01 01 01", -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 04 00 01", -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 C6 55 01 87 07 06 84 00 01 01 01", -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 C6 55 01 87 07 06 C4 00 01 01 01", -EBADMSG);
        fail_hex("03 0B 6A 02 7800 45 C6 55 01 87 07 06 44 00 01 01 01", -EBADMSG); /* cp0 attribute state */
        fail_hex("03 0B 6A 02 7800 04 00 01", -EBADMSG);                            /* as the root */
}
END_TEST

START_TEST(test_global_ext) {
        static const char *const ext[] = { "40 6100", "41 6100", "42 6100", "80 00", "81 00", "82 00", "C0", "C1", "C2" };

        for (size_t i = 0; i < ELEMENTSOF(ext); i++) {
                char hex[256];

                /* in content, in an attribute value (cp0), as the root */
                snprintf(hex, sizeof hex, NAPDEF("%s"), ext[i]);
                fail_hex(hex, -EBADMSG);
                snprintf(hex, sizeof hex, NAPDEF("87 07 06 %s 01"), ext[i]);
                fail_hex(hex, -EBADMSG);
                snprintf(hex, sizeof hex, H13 "%s 45 01", ext[i]);
                fail_hex(hex, -EBADMSG);
        }
        /* cp1 80-83 were the 2002 AAUTHTYPE numbers (wire 3.8): 80-82 stay EXT_T, 83 is STR_T */
        fail_hex(ROOT("C6 00 01 55 01 87 33 06 00 01 81 01 01"), -EBADMSG);
        fail_hex(ROOT("C6 00 01 55 01 87 33 06 00 01 83 00 01 01"), -EBADMSG);
}
END_TEST

START_TEST(test_global_pi) {
        fail_hex(H13 "43 05 01 45 01", -EBADMSG);         /* before the root */
        fail_hex(H13 "45 01 43 05 01", -EBADMSG);         /* after the root */
        fail_hex(ROOT("43 05 01"), -EBADMSG);             /* in content */
        fail_hex(NAPDEF("87 07 43 01"), -EBADMSG);        /* cp0 attribute state */
        /* cp1 attribute state: 43 is NETMODE (wire 3.6), 40-44 likewise */
        ck_tree(ROOT("C6 00 01 5A 01 87 40 01 87 41 01 87 42 01 87 43 00 00 06 03 494E46524100 01 87 00 01 44 01 01"),
                "doc\nC WLAN\n  P PRI-H-SSID\n  P S-SSID\n  P S-U-SSID\n  P NETMODE=\"INFRA\"\n  P SECMODE\n");
        /* ... but not in tag state on any page */
        fail_hex(ROOT("00 01 43 05 01"), -EBADMSG);
}
END_TEST

/* ---- PROV tokens ------------------------------------------------------------------------------ */

START_TEST(test_tokens_unknown) {
        fail_hex(ROOT("C8 55 01 01"), -EBADMSG);                 /* cp0 tag 08 */
        fail_hex(ROOT("7F 01"), -EBADMSG);                       /* cp0 tag 3F */
        fail_hex(ROOT("00 01 C5 46 01 01"), -EBADMSG);           /* cp1 tag 05 */
        fail_hex(NAPDEF("87 4D 01"), -EBADMSG);                  /* cp0 4D: unassigned */
        fail_hex(NAPDEF("87 7F 01"), -EBADMSG);
        fail_hex(NAPDEF("87 40 01"), -EBADMSG);                  /* cp0 40: EXT_I_0 */
        fail_hex(ROOT("C6 00 01 55 01 87 4A 01 01"), -EBADMSG);   /* cp1 4A/4B: not established */
        fail_hex(ROOT("C6 00 01 55 01 87 4B 01 01"), -EBADMSG);
        fail_hex(ROOT("C6 00 01 55 01 87 08 01 01"), -EBADMSG);   /* cp1 08: no alias of NAP-ADDRESS */
        fail_hex(ROOT("C6 00 01 51 01 01"), -EBADMSG);            /* cp1 51: no PXLOGICAL */
        fail_hex(NAPDEF("87 07 06 8D 01"), -EBADMSG);             /* cp0 8D */
        fail_hex(NAPDEF("87 07 06 BD 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 E2 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 FF 01"), -EBADMSG);
        fail_hex(ROOT("C6 00 01 55 01 87 07 06 00 01 85 01 01"), -EBADMSG); /* no IPV4 on cp1 */
        fail_hex(ROOT("C6 00 01 55 01 87 07 06 00 01 94 01 01"), -EBADMSG);
        fail_hex(NAPDEF("87 07 06 85 86 FE 01"), -EBADMSG);       /* unknown after known parts */
}
END_TEST

START_TEST(test_tokens_cp1_aauthtype) {
        /* cp1 90-93 = "," "HTTP-" "BASIC" "DIGEST" (2005 numbering, wire 3.7/3.8) */
        ck_tree(ROOT("C6 00 01 57 01 87 33 06 91 92 90 91 93 01 01"),
                "doc\nC APPAUTH\n  P AAUTHTYPE=\"HTTP-BASIC,HTTP-DIGEST\"\n");
        /* the same octets on cp0 are CALLTYPE values */
        ck_tree(NAPDEF("87 0A 06 91 92 90 93 01"), "doc\nC NAPDEF\n  P CALLTYPE=\"V.120V.110ANALOG-MODEMX.31\"\n");
        /* cp1 8D/8E APPSRV/OBEX, 86-88 */
        ck_tree(ROOT("C6 00 01 57 01 87 30 06 8D 90 8E 01 87 35 06 86 87 88 01 01"),
                "doc\nC APPAUTH\n  P AAUTHLEVEL=\"APPSRV,OBEX\"\n  P ADDRTYPE=\"IPV6E164ALPHA\"\n");
}
END_TEST

START_TEST(test_tokens_switch_mid_attribute) {
        /* libwbxml/Kannel style: value= switches back to cp0 inside cp1 (wire 3.8) */
        ck_tree(ROOT("C6 00 01 55 01 87 36 00 00 06 03 773700 01 01"), "doc\nC APPLICATION\n  P APPID=\"w7\"\n");
        /* between an attribute start and its values, and between two values */
        ck_tree(ROOT("C6 00 01 57 01 87 33 06 00 00 9C 00 01 90 00 00 9D 00 01 90 92 01 01"),
                "doc\nC APPAUTH\n  P AAUTHTYPE=\"HTTP-BASIC,HTTP-DIGEST,BASIC\"\n");
        /* a switch right before the END of the attribute list changes nothing else */
        ck_tree(ROOT("C6 00 01 57 01 87 33 06 91 93 00 00 01 01 86 55 01"),
                "doc\nC APPAUTH\n  P AAUTHTYPE=\"HTTP-DIGEST\"\nC NAPDEF\n");
        /* a tag page switch inside an attribute list is an attribute page switch */
        ck_tree(ROOT("86 55 00 01 01 86 55 01"), "doc\nC NAPDEF\nC APPLICATION\n");
}
END_TEST

START_TEST(test_tokens_multi_part_values) {
        /* prefix + STR_I + value token + STR_T + ENTITY + OPAQUE, in order */
        ck_tree("03 0B 6A 04 2D737400 45 C6 55 01 87 05 03 5800 06 03 5B00 8C 83 00 02 5D C3 02 2121 89 01 01 01",
                "doc\nC NAPDEF\n  P X=\"[MAN-st]!!APN\"\n");
        /* type prefix: type="NAPDEF" + "2" (what xml2wbxml emits for type="NAPDEF2") */
        ck_tree(ROOT("C6 55 03 3200 01 01"), "doc\nC NAPDEF2\n");
        /* name= prefix followed by more: name="NAME" + "X" */
        ck_tree(NAPDEF("87 07 03 5800 01"), "doc\nC NAPDEF\n  P NAMEX\n");
        /* version= prefix: version="1.0" + "5" */
        ck_tree(H13 "C5 46 03 3500 01 01", "doc version=\"1.05\"\n");
        ck_tree(H13 "C5 45 03 312E3100 01 01", "doc version=\"1.1\"\n");
        /* value before name */
        ck_tree(NAPDEF("87 06 03 7600 07 01"), "doc\nC NAPDEF\n  P NAME=\"v\"\n");
}
END_TEST

START_TEST(test_tokens_table) {
        WbxmlProvEntry e;
        unsigned counts[3][2] = { { 0 } };
        size_t i;
        char s[160];

        for (i = 0; wbxml_prov_table_entry(i, &e) == 1; i++) {
                WbxmlProvEntry back;
                int r;

                ck_assert_int_ge(e.type, WBXML_TOKEN_TAG);
                ck_assert_int_le(e.type, WBXML_TOKEN_ATTR_VALUE);
                counts[e.type][e.page]++;
                /* every entry resolves back through its lookup, and renders */
                if (e.type == WBXML_TOKEN_TAG)
                        r = wbxml_prov_tag(e.page, e.id, &back);
                else if (e.type == WBXML_TOKEN_ATTR_START)
                        r = wbxml_prov_attr_start(e.page, e.id, &back);
                else
                        r = wbxml_prov_attr_value(e.page, e.id, &back);
                ck_assert_int_eq(r, 0);
                ck_assert_ptr_eq(back.text, e.text);
                ck_assert_uint_eq(strlen(e.text), e.text_len);
                ck_assert_int_gt(wbxml_prov_entry_render(&e, s, sizeof s), 0);
                /* no value token is global, no attribute start is global unless cp1 40-44 */
                if (e.type != WBXML_TOKEN_TAG && wbxml_global_token_name(e.id))
                        ck_assert(e.type == WBXML_TOKEN_ATTR_START && e.page == 1 && e.id >= 0x40 && e.id <= 0x44);
        }
        /* wire 3.4-3.7: 3+2 tags; cp0 83 attribute starts (05-3F, 45-4C, 4E-5D), cp1 72
         * (OMA 33 + 2005+ 39); cp0 60 values, cp1 9 */
        ck_assert_uint_eq(counts[WBXML_TOKEN_TAG][0], 3);
        ck_assert_uint_eq(counts[WBXML_TOKEN_TAG][1], 2);
        ck_assert_uint_eq(counts[WBXML_TOKEN_ATTR_START][0], 59 + 8 + 16);
        ck_assert_uint_eq(counts[WBXML_TOKEN_ATTR_START][1], 72);
        ck_assert_uint_eq(counts[WBXML_TOKEN_ATTR_VALUE][0], 60);
        ck_assert_uint_eq(counts[WBXML_TOKEN_ATTR_VALUE][1], 9);
        ck_assert_int_eq(wbxml_prov_table_entry(i, &e), 0);
        /* spot checks of the rendered names */
        ck_assert_int_eq(wbxml_prov_attr_start(1, 0x36, &e), 0);
        wbxml_prov_entry_render(&e, s, sizeof s);
        ck_assert_str_eq(s, "cp1 ATTR_START 0x36 name=\"APPID\"");
        ck_assert_int_eq(wbxml_prov_attr_value(0, 0xB5, &e), 0);
        wbxml_prov_entry_render(&e, s, sizeof s);
        ck_assert_str_eq(s, "cp0 ATTR_VALUE 0xB5 \"TETRA-SDS\"");
        ck_assert_int_eq(wbxml_prov_tag(0, 0x05, &e), 0);
        wbxml_prov_entry_render(&e, s, sizeof s);
        ck_assert_str_eq(s, "cp0 TAG 0x05 \"wap-provisioningdoc\"");
        ck_assert_int_eq(wbxml_prov_attr_start(0, 0x46, &e), 0);
        ck_assert_int_eq(e.kind, WBXML_PROV_ATTR_VERSION);
        ck_assert_str_eq(e.text, "1.0");
        ck_assert_int_eq(wbxml_prov_attr_start(0, 0x5C, &e), 0);
        ck_assert_int_eq(e.origin, WBXML_PROV_ORIGIN_2005);
        ck_assert_int_eq(wbxml_prov_attr_start(0, 0x4D, &e), -ENOENT);
        ck_assert_int_eq(wbxml_prov_attr_start(2, 0x05, &e), -ENOENT);
        ck_assert_int_eq(wbxml_prov_attr_value(0, 0x05, &e), -ENOENT);
        ck_assert_str_eq(wbxml_global_token_name(WBXML_OPAQUE), "OPAQUE");
        ck_assert_ptr_null(wbxml_global_token_name(0x45));
        ck_assert_ptr_null(wbxml_prov_attr_name(_WBXML_PROV_ATTR_MAX));
}
END_TEST

/* ---- structure -------------------------------------------------------------------------------- */

START_TEST(test_structure) {
        fail_hex(H13 "C6 55 01 01", -EBADMSG);                      /* root is a characteristic */
        fail_hex(H13 "87 07 01", -EBADMSG);                         /* root is a parm */
        fail_hex(ROOT("45 01"), -EBADMSG);                          /* nested wap-provisioningdoc */
        fail_hex(ROOT("87 07 01"), -EBADMSG);                       /* parm at the root */
        fail_hex(NAPDEF("C7 07 01 C6 55 01 01 01"), -EBADMSG);      /* characteristic in a parm */
        fail_hex(NAPDEF("C7 07 01 87 07 01 01"), -EBADMSG);         /* parm in a parm */
        fail_hex(ROOT("46 01"), -EBADMSG);                          /* characteristic without type */
        fail_hex(ROOT("06"), -EBADMSG);
        fail_hex(ROOT("86 07 01"), -EBADMSG);                       /* name= on a characteristic */
        fail_hex(ROOT("C6 55 46 01 01"), -EBADMSG);                 /* version= on a characteristic */
        fail_hex(NAPDEF("87 06 03 7600 01"), -EBADMSG);             /* parm without name */
        fail_hex(NAPDEF("07"), -EBADMSG);                           /* parm without attributes */
        fail_hex(NAPDEF("87 55 01"), -EBADMSG);                     /* type= on a parm */
        fail_hex(H13 "C5 55 01 01", -EBADMSG);                      /* type= on the root */
        fail_hex(NAPDEF("87 07 11 01"), -EBADMSG);                  /* two names */
        fail_hex(NAPDEF("87 07 06 03 6100 06 03 6200 01"), -EBADMSG); /* two values */
        fail_hex(ROOT("C6 55 53 01 01"), -EBADMSG);                 /* two types */
        fail_hex(H13 "C5 46 46 01 01", -EBADMSG);                   /* two versions */
        fail_hex(ROOT("C6 50 01 01"), -EBADMSG);                    /* empty type */
        fail_hex(H13 "45 01 45 01", -EBADMSG);                      /* two roots */
        fail_hex(H13, -EBADMSG);                                    /* no body */
        /* parm with an empty content part is still a parm without content */
        ck_tree(NAPDEF("C7 07 01 01"), "doc\nC NAPDEF\n  P NAME\n");
        ck_tree(NAPDEF("C7 07 01 03 2000 01"), "doc\nC NAPDEF\n  P NAME\n");
        /* characteristic without content, with empty content */
        ck_tree(ROOT("86 55 01 C6 56 01 01"), "doc\nC NAPDEF\nC BOOTSTRAP\n");
        /* Nokia/Ericsson OTA settings (wire 6: public id 01, CHARACTERISTIC-LIST, TYPE=ADDRESS
         * 06, NAME=BEARER 12, VALUE=GPRS 49 ...) never decodes through the PROV tables */
        fail_hex("01 01 6A 00 45 C6 06 01 87 12 49 01 01 01", -EBADMSG);
}
END_TEST

START_TEST(test_error_offsets) {
        DecodeError e;

        /* TV-A with its parm token 87 (offset 10) replaced by an unknown tag 88 */
        e = fail_hex_at("030B6A00C54601C65601880706035465737400010101", -EBADMSG);
        ck_assert_uint_eq(e.offset, 10);
        /* unknown attribute start at offset 11 */
        e = fail_hex_at("030B6A00C54601C65601874D06035465737400010101", -EBADMSG);
        ck_assert_uint_eq(e.offset, 11);
        /* STR_T at offset 13 into an empty table */
        e = fail_hex_at("030B6A00C54601C6560187070683000101 01", -EBADMSG);
        ck_assert_uint_eq(e.offset, 13);
        /* truncation: where the input ended */
        e = fail_hex_at("030B6A00C54601C656018707060354657374", -EBADMSG);
        ck_assert_uint_eq(e.offset, 13);
        e = fail_hex_at("030B6A00C54601C6560187070603546573740001", -EBADMSG);
        ck_assert_uint_eq(e.offset, 20);
        /* trailing data right after the last END */
        e = fail_hex_at(TVA "00", -EBADMSG);
        ck_assert_uint_eq(e.offset, 22);
}
END_TEST

/* ---- the iterator ----------------------------------------------------------------------------- */

START_TEST(test_iter_tv_a) {
        static const struct {
                WbxmlTokenType type;
                uint8_t page, id;
                size_t offset;
                unsigned depth;
        } want[] = {
                { WBXML_TOKEN_TAG, 0, 0x05, 4, 1 },        { WBXML_TOKEN_ATTR_START, 0, 0x46, 5, 0 },
                { WBXML_TOKEN_ATTRS_END, 0, 0, 6, 0 },     { WBXML_TOKEN_TAG, 0, 0x06, 7, 2 },
                { WBXML_TOKEN_ATTR_START, 0, 0x56, 8, 0 }, { WBXML_TOKEN_ATTRS_END, 0, 0, 9, 0 },
                { WBXML_TOKEN_TAG, 0, 0x07, 10, 3 },       { WBXML_TOKEN_ATTR_START, 0, 0x07, 11, 0 },
                { WBXML_TOKEN_ATTR_START, 0, 0x06, 12, 0 }, { WBXML_TOKEN_STRING, 0, 0, 13, 0 },
                { WBXML_TOKEN_ATTRS_END, 0, 0, 19, 0 },    { WBXML_TOKEN_END, 0, 0, 20, 3 }, /* implied */
                { WBXML_TOKEN_END, 0, 0, 20, 2 },          { WBXML_TOKEN_END, 0, 0, 21, 1 },
        };
        size_t n;
        uint8_t *b = tu_unhex(TVA, &n);
        WbxmlIter it;
        WbxmlToken t;

        ck_assert_int_eq(wbxml_iter_init(&it, b, n, &wbxml_lang_prov, NULL), 0);
        ck_assert_uint_eq(it.version, 3);
        ck_assert_uint_eq(it.public_id, 0x0B);
        ck_assert_uint_eq(it.charset, 106);
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                ck_assert_int_eq(wbxml_next(&it, &t), 1);
                ck_assert_int_eq(t.type, want[i].type);
                ck_assert_uint_eq(t.offset, want[i].offset);
                if (t.type == WBXML_TOKEN_TAG || t.type == WBXML_TOKEN_ATTR_START) {
                        ck_assert_uint_eq(t.page, want[i].page);
                        ck_assert_uint_eq(t.id, want[i].id);
                }
                if (t.type == WBXML_TOKEN_TAG || t.type == WBXML_TOKEN_END)
                        ck_assert_uint_eq(t.depth, want[i].depth);
                if (t.type == WBXML_TOKEN_TAG && t.id == 0x07) {
                        ck_assert(t.attrs);
                        ck_assert(!t.content);
                }
                if (t.type == WBXML_TOKEN_STRING) {
                        ck_assert(t.in_attr);
                        ck_assert(!t.from_strtbl);
                        ck_assert_uint_eq(t.len, 4);
                        ck_assert(memcmp(t.data, "Test", 4) == 0);
                }
        }
        ck_assert_int_eq(wbxml_next(&it, &t), 0);
        ck_assert_int_eq(wbxml_next(&it, &t), 0); /* stays at the end */
        free(b);
}
END_TEST

static int iter_walk(const uint8_t *p, size_t n, DecodeError *e) {
        WbxmlIter it;
        WbxmlToken t;
        int r;

        memset(e, 0, sizeof(*e));
        r = wbxml_iter_init(&it, p, n, &wbxml_lang_prov, e);
        while (r >= 0) {
                r = wbxml_next(&it, &t);
                if (r == 0)
                        return 0;
        }
        return r;
}

START_TEST(test_limit_wbxml_depth) {
        for (unsigned depth = WBXML_DEPTH_MAX; depth <= WBXML_DEPTH_MAX + 1; depth++) {
                Buf b = { 0 };
                DecodeError e;
                int r;

                /* generic nesting seen by the iterator alone: 46 (tag with content) x depth */
                put_hex(&b, H13);
                put_fill(&b, 0x46, depth);
                put_fill(&b, 0x01, depth);
                r = iter_walk(b.p, b.n, &e);
                if (depth == WBXML_DEPTH_MAX)
                        ck_assert_int_eq(r, 0);
                else {
                        ck_assert_int_eq(r, -E2BIG);
                        ck_assert_uint_eq(e.offset, 4 + WBXML_DEPTH_MAX);
                        ck_assert_str_eq(e.layer, "wbxml");
                }
                free(b.p);
        }
}
END_TEST

START_TEST(test_limit_value_parts) {
        for (unsigned parts = WBXML_VALUE_PARTS_MAX; parts <= WBXML_VALUE_PARTS_MAX + 1; parts++) {
                Buf b = { 0 };

                put_hex(&b, H13 "45 C6 55 01 87 07 06");
                for (unsigned i = 0; i < parts; i++)
                        put_hex(&b, i % 2 ? "03 6100" : "89"); /* strings and value tokens alike */
                put_hex(&b, "01 01 01");
                if (parts == WBXML_VALUE_PARTS_MAX)
                        ok_buf(&b);
                else
                        fail_buf(&b, -E2BIG, "WBXML_VALUE_PARTS_MAX + 1");
        }
        /* empty strings count too: they add no octet to the value */
        {
                Buf b = { 0 };

                put_hex(&b, H13 "45 C6 55 01 87 07 06");
                put_rep(&b, "03 00", WBXML_VALUE_PARTS_MAX + 1);
                put_hex(&b, "01 01 01");
                fail_buf(&b, -E2BIG, "empty parts");
        }
}
END_TEST

/* ---- CPDOC_* limits reached through WBXML ------------------------------------------------------- */

START_TEST(test_limit_cpdoc_depth) {
        for (unsigned depth = CPDOC_DEPTH_MAX; depth <= CPDOC_DEPTH_MAX + 1; depth++) {
                Buf b = { 0 };

                put_hex(&b, H13 "45");
                put_rep(&b, "C6 55 01", depth);
                put_hex(&b, "87 07 01");
                put_fill(&b, 0x01, depth + 1);
                if (depth == CPDOC_DEPTH_MAX)
                        ok_buf(&b);
                else
                        fail_buf(&b, -E2BIG, "CPDOC_DEPTH_MAX + 1");
        }
}
END_TEST

START_TEST(test_limit_cpdoc_characteristics) {
        for (unsigned n = CPDOC_CHARACTERISTICS_MAX; n <= CPDOC_CHARACTERISTICS_MAX + 1; n++) {
                Buf b = { 0 };

                put_hex(&b, H13 "45");
                put_rep(&b, "86 55 01", n);
                put_hex(&b, "01");
                if (n == CPDOC_CHARACTERISTICS_MAX) {
                        CpDoc *d = ok_bytes(b.p, b.n);

                        ck_assert_uint_eq(d->n_total_chars, CPDOC_CHARACTERISTICS_MAX);
                        cpdoc_free(d);
                        free(b.p);
                } else
                        fail_buf(&b, -E2BIG, "CPDOC_CHARACTERISTICS_MAX + 1");
        }
}
END_TEST

START_TEST(test_limit_cpdoc_parms) {
        for (unsigned n = CPDOC_PARMS_MAX; n <= CPDOC_PARMS_MAX + 1; n++) {
                Buf b = { 0 };

                put_hex(&b, H13 "45 C6 55 01");
                put_rep(&b, "87 07 01", n);
                put_hex(&b, "01 01");
                if (n == CPDOC_PARMS_MAX) {
                        CpDoc *d = ok_bytes(b.p, b.n);

                        ck_assert_uint_eq(d->n_total_parms, CPDOC_PARMS_MAX);
                        cpdoc_free(d);
                        free(b.p);
                } else
                        fail_buf(&b, -E2BIG, "CPDOC_PARMS_MAX + 1");
        }
}
END_TEST

START_TEST(test_limit_cpdoc_name) {
        for (unsigned n = CPDOC_NAME_MAX; n <= CPDOC_NAME_MAX + 1; n++) {
                int want = n == CPDOC_NAME_MAX ? 0 : -E2BIG;
                Buf b = { 0 };

                /* parm name by name= + STR_I */
                put_hex(&b, H13 "45 C6 55 01 87 05 03");
                put_fill(&b, 'N', n);
                put_hex(&b, "00 01 01 01");
                if (want)
                        fail_buf(&b, want, "name");
                else
                        ok_buf(&b);
                /* name="NAME" prefix + STR_I */
                b = (Buf) { 0 };
                put_hex(&b, H13 "45 C6 55 01 87 07 03");
                put_fill(&b, 'N', n - 4);
                put_hex(&b, "00 01 01 01");
                if (want)
                        fail_buf(&b, want, "NAME prefix");
                else
                        ok_buf(&b);
                /* characteristic type, by type= + STR_T */
                b = (Buf) { 0 };
                put_hex(&b, "03 0B 6A");
                put_mb(&b, n + 1);
                put_fill(&b, 'T', n);
                put_hex(&b, "00 45 86 50 83 00 01 01");
                if (want)
                        fail_buf(&b, want, "type");
                else
                        ok_buf(&b);
                /* version */
                b = (Buf) { 0 };
                put_hex(&b, H13 "C5 45 03");
                put_fill(&b, '1', n);
                put_hex(&b, "00 01 01");
                if (want)
                        fail_buf(&b, want, "version");
                else
                        ok_buf(&b);
        }
}
END_TEST

START_TEST(test_limit_cpdoc_value) {
        for (unsigned n = CPDOC_VALUE_MAX; n <= CPDOC_VALUE_MAX + 1; n++) {
                int want = n == CPDOC_VALUE_MAX ? 0 : -E2BIG;
                Buf b = { 0 };

                put_hex(&b, H13 "45 C6 55 01 87 07 06 03");
                put_fill(&b, 'v', n);
                put_hex(&b, "00 01 01 01");
                if (want)
                        fail_buf(&b, want, "value");
                else
                        ok_buf(&b);
        }
        /* reached by concatenating table values: "DIRECT-ASYNCHRONOUS-DATA-SERVICE" is 32 octets */
        _Static_assert(CPDOC_VALUE_MAX % 32 == 0 && CPDOC_VALUE_MAX / 32 < WBXML_VALUE_PARTS_MAX, "test layout");
        for (unsigned k = CPDOC_VALUE_MAX / 32; k <= CPDOC_VALUE_MAX / 32 + 1; k++) {
                Buf b = { 0 };

                put_hex(&b, H13 "45 C6 55 01 87 07 06");
                put_fill(&b, 0x95, k);
                put_hex(&b, "01 01 01");
                if (k == CPDOC_VALUE_MAX / 32)
                        ok_buf(&b);
                else
                        fail_buf(&b, -E2BIG, "table values");
        }
        /* reached through ISO-8859-1 expansion: each E9 becomes 2 UTF-8 octets */
        for (unsigned k = CPDOC_VALUE_MAX / 2; k <= CPDOC_VALUE_MAX / 2 + 1; k++) {
                Buf b = { 0 };

                put_hex(&b, "03 0B 04 00 45 C6 55 01 87 07 06 03");
                put_fill(&b, 0xE9, k);
                put_hex(&b, "00 01 01 01");
                if (k == CPDOC_VALUE_MAX / 2)
                        ok_buf(&b);
                else
                        fail_buf(&b, -E2BIG, "latin-1 expansion");
        }
}
END_TEST

/*
 * CPDOC_DECODED_MAX through STR_T amplification (issue 9 finding 8): a string table holding one
 * entry of CPDOC_VALUE_MAX octets, and parms whose values are 2-octet STR_T references to it.
 * version="1.0" (3 octets) + type "NAPDEF" (6) + k parms NAME=<entry> (4 + 4096 each) + one
 * parm NAME=<the entry's last `tail` octets> (a reference into the middle of the entry, WBXML
 * 1.3 5.7) brings the document to exactly the limit; one octet more in the tail is past it.
 */
#define AMP_FIXED (3U + 6U)
#define AMP_PARM (4U + CPDOC_VALUE_MAX)
#define AMP_K ((CPDOC_DECODED_MAX - AMP_FIXED - 4U - 1U) / AMP_PARM)
#define AMP_TAIL (CPDOC_DECODED_MAX - AMP_FIXED - AMP_K * AMP_PARM - 4U) /* value octets of the last parm */
_Static_assert(AMP_TAIL + 1 <= CPDOC_VALUE_MAX && AMP_K + 1 < CPDOC_PARMS_MAX, "test layout");

/* Return: the offset of the last parm. */
static size_t put_amplified(Buf *b, unsigned k, size_t tail) {
        size_t last;

        put_hex(b, "03 0B 6A");
        put_mb(b, CPDOC_VALUE_MAX + 1);
        put_fill(b, 'A', CPDOC_VALUE_MAX);
        put_hex(b, "00 C5 46 01 C6 55 01");
        put_rep(b, "87 07 06 83 00 01", k);
        last = b->n;
        put_hex(b, "87 07 06 83");
        put_mb(b, (uint32_t) (CPDOC_VALUE_MAX - tail));
        put_hex(b, "01 01 01");
        return last;
}

START_TEST(test_limit_cpdoc_decoded) {
        size_t last_parm;
        DecodeError e;
        CpDoc *d;
        Buf b = { 0 };

        /* at the limit */
        (void) put_amplified(&b, AMP_K, AMP_TAIL);
        d = ok_bytes(b.p, b.n);
        ck_assert_uint_eq(d->n_decoded, CPDOC_DECODED_MAX);
        ck_assert_uint_eq(d->n_total_parms, AMP_K + 1);
        ck_assert_str_eq(d->version, "1.0");
        ck_assert_uint_eq(strlen(d->chars->parms->value), CPDOC_VALUE_MAX);
        cpdoc_free(d);
        free(b.p);

        /* one octet past it: refused at the parm that crosses it, naming the limit */
        b = (Buf) { 0 };
        last_parm = put_amplified(&b, AMP_K, AMP_TAIL + 1);
        e = fail_bytes_at(b.p, b.n, -E2BIG, "CPDOC_DECODED_MAX + 1");
        ck_assert_msg(strstr(e.reason, "CPDOC_DECODED_MAX"), "reason: %s", e.reason);
        ck_assert_uint_eq(e.offset, last_parm);
        free(b.p);

        /* the review's 53 KB body: 8,192 references decoded to 33.6 MB; now refused at the
         * first parm past the limit */
        b = (Buf) { 0 };
        put_hex(&b, "03 0B 6A");
        put_mb(&b, CPDOC_VALUE_MAX + 1);
        put_fill(&b, 'A', CPDOC_VALUE_MAX);
        put_hex(&b, "00 45 C6 50 03 58 00 01");
        put_rep(&b, "87 07 06 83 00 01", CPDOC_PARMS_MAX);
        put_hex(&b, "01 01");
        ck_assert_uint_lt(b.n, 54 * 1000);
        e = fail_bytes_at(b.p, b.n, -E2BIG, "STR_T amplification");
        ck_assert_msg(strstr(e.reason, "CPDOC_DECODED_MAX"), "reason: %s", e.reason);
        /* type "X" (1) + 47 x 4100 fits, the 48th parm crosses: header 5, table, 7 octets of
         * root and characteristic, then 47 parms of 6 octets */
        ck_assert_uint_eq(e.offset, 5 + CPDOC_VALUE_MAX + 1 + 7 + ((CPDOC_DECODED_MAX - 1) / AMP_PARM) * 6);
        free(b.p);
}
END_TEST

START_TEST(test_limit_input_size) {
        for (size_t n = CPDOC_WBXML_SIZE_MAX; n <= CPDOC_WBXML_SIZE_MAX + 1; n++) {
                Buf b = { 0 };

                /* an empty document padded with one whitespace content string */
                put_hex(&b, H13 "45 03");
                put_fill(&b, ' ', n - 8);
                put_hex(&b, "00 01");
                ck_assert_uint_eq(b.n, n);
                if (n == CPDOC_WBXML_SIZE_MAX)
                        ok_buf(&b);
                else
                        fail_buf(&b, -E2BIG, "CPDOC_WBXML_SIZE_MAX + 1");
        }
}
END_TEST

/* ---- truncation --------------------------------------------------------------------------------- */

static void truncate_all(const uint8_t *p, size_t n, const char *what) {
        for (size_t k = 0; k < n; k++) {
                char w[96];

                snprintf(w, sizeof w, "%s cut at %zu", what, k);
                fail_bytes(p, k, -EBADMSG, w);
        }
        cpdoc_free(ok_bytes(p, n));
}

START_TEST(test_truncation) {
        static const char *const vectors[] = { TVA, TVB, ENV5A_V13, ENV5A_V11N };
        static const char *const files[] = {
                CORPUS "/07-cp-typical.v13.wbxml", CORPUS "/61-cp1-aliases.v13n.wbxml",
                CORPUS "/64-wlan-2005.v13n.wbxml",
        };

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                size_t n;
                uint8_t *b = tu_unhex(vectors[i], &n);

                truncate_all(b, n, "vector");
                free(b);
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                size_t n;
                uint8_t *b = tu_read_file(files[i], &n);

                truncate_all(b, n, files[i]);
                free(b);
        }
}
END_TEST

/* ---- hostile files ----------------------------------------------------------------------------- */

START_TEST(test_hostile) {
        static const struct {
                const char *file;
                int r, r_as_prov; /* as received; with the header patched to 1.3 / PROV */
        } t[] = {
                { "tests/data/hostile/libwbxml-abort.bin", -EOPNOTSUPP, -EBADMSG },
                { "tests/data/hostile/libwbxml-leak.bin", -EBADMSG, -EBADMSG },
                { "tests/data/hostile/libwbxml-segv-1.bin", -EOPNOTSUPP, -EBADMSG },
                { "tests/data/hostile/libwbxml-segv-2.bin", -EOPNOTSUPP, -EOPNOTSUPP },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                size_t n;
                uint8_t *b = tu_read_file(t[i].file, &n);
                DecodeError e;

                fail_bytes(b, n, t[i].r, t[i].file);
                /* the iterator alone, too */
                ck_assert_int_lt(iter_walk(b, n, &e), 0);
                ck_assert_ptr_nonnull(e.reason);
                /* reach deeper: the same bytes behind a 1.3 PROV version/public id */
                ck_assert_uint_ge(n, 2);
                b[0] = 0x03;
                b[1] = 0x0B;
                fail_bytes(b, n, t[i].r_as_prov, t[i].file);
                free(b);
        }
}
END_TEST

/* ---- corpus ------------------------------------------------------------------------------------ */

typedef struct CorpusDoc {
        char name[96], flags[32], retok[16], expect[32];
} CorpusDoc;

static size_t corpus_read(CorpusDoc **ret) {
        size_t n, k = 0, cap = 0;
        char *m = (char *) tu_read_file(CORPUS "/MANIFEST", &n);
        CorpusDoc *v = NULL;
        char *save = NULL;

        m = realloc(m, n + 1);
        m[n] = 0;
        for (char *line = strtok_r(m, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (line[0] == '#')
                        continue;
                if (k == cap) {
                        cap = cap ? cap * 2 : 64;
                        v = realloc(v, cap * sizeof(*v));
                }
                ck_assert_int_eq(sscanf(line, "%95[^|]|%31[^|]|%15[^|]|%31s", v[k].name, v[k].flags, v[k].retok,
                                        v[k].expect),
                                 4);
                k++;
        }
        free(m);
        *ret = v;
        return k;
}

static uint8_t *corpus_file(const char *name, const char *ext, size_t *len) {
        char path[256];

        snprintf(path, sizeof path, CORPUS "/%s.%s", name, ext);
        return tu_read_file(path, len);
}

START_TEST(test_corpus_decode) {
        CorpusDoc *docs;
        size_t n = corpus_read(&docs);
        unsigned tretra = 0, versions[4] = { 0 }, with_strtbl = 0;

        ck_assert_uint_ge(n, 50);
        for (size_t i = 0; i < n; i++) {
                size_t wl, xl;
                uint8_t *w = corpus_file(docs[i].name, "wbxml", &wl);
                uint8_t *x = corpus_file(docs[i].name, "xml", &xl);
                CpDoc *d = ok_bytes(w, wl);
                char *ours = canon_doc(d), *src = canon_xml(x, xl);

                versions[d->wbxml_version & 3]++;
                with_strtbl += d->strtbl_len > 0;
                if (strcmp(docs[i].expect, "tretra") == 0) {
                        /* the source spells libwbxml's "TRETRA-" so that xml2wbxml emits B5/B6;
                         * we decode the names the tables define (wire 3.8) */
                        ck_assert_uint_gt(replace_all(src, "TRETRA-", "TETRA-"), 0);
                        tretra++;
                }
                ck_assert_msg(strcmp(ours, src) == 0, "%s: decoded tree differs from its XML source\n--- ours\n%s--- source\n%s",
                              docs[i].name, ours, src);
                free(ours);
                free(src);
                cpdoc_free(d);
                free(w);
                free(x);
        }
        /* the mix the corpus promises: 1.1, 1.2 and 1.3, with and without a string table */
        ck_assert_uint_gt(versions[1], 0);
        ck_assert_uint_gt(versions[2], 0);
        ck_assert_uint_gt(versions[3], 0);
        ck_assert_uint_gt(with_strtbl, 0);
        ck_assert_uint_gt(tretra, 0);
        free(docs);
}
END_TEST

/*
 * Coverage proof: every tag, attribute-start and attribute-value token of both PROV code pages
 * (our tables, a superset of libwbxml's; test-wbxml-diff checks libwbxml's own table) occurs
 * somewhere in the corpus, counted by the iterator.
 */
START_TEST(test_corpus_coverage) {
        static unsigned seen[3][2][256];
        CorpusDoc *docs;
        size_t n = corpus_read(&docs), total = 0, missing = 0;
        WbxmlProvEntry e;

        memset(seen, 0, sizeof seen);
        for (size_t i = 0; i < n; i++) {
                size_t wl;
                uint8_t *w = corpus_file(docs[i].name, "wbxml", &wl);
                WbxmlIter it;
                WbxmlToken t;
                int r;

                ck_assert_int_eq(wbxml_iter_init(&it, w, wl, &wbxml_lang_prov, NULL), 0);
                while ((r = wbxml_next(&it, &t)) == 1)
                        if (t.type <= WBXML_TOKEN_ATTR_VALUE)
                                seen[t.type][t.page][t.id]++;
                ck_assert_int_eq(r, 0);
                free(w);
        }
        for (size_t i = 0; wbxml_prov_table_entry(i, &e) == 1; i++) {
                total++;
                if (!seen[e.type][e.page][e.id]) {
                        char s[160];

                        wbxml_prov_entry_render(&e, s, sizeof s);
                        fprintf(stderr, "corpus misses %s\n", s);
                        missing++;
                }
        }
        printf("wbxml corpus: %zu documents cover %zu of %zu PROV table entries\n", n, total - missing, total);
        ck_assert_uint_eq(missing, 0);
        free(docs);
}
END_TEST

int main(void) {
        Suite *s = suite_create("wbxml");
        TCase *tc;

        tc = tcase_create("/wbxml/vectors");
        TU_ADD(tc, test_tv_a);
        TU_ADD(tc, test_tv_b);
        TU_ADD(tc, test_env_5a);
        TU_ADD(tc, test_nowsms_110e);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/header");
        TU_ADD(tc, test_header_versions);
        TU_ADD(tc, test_header_public_ids);
        TU_ADD(tc, test_header_strtbl_public_id);
        TU_ADD(tc, test_header_charsets);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/strtbl");
        TU_ADD(tc, test_strtbl_ref_ok);
        TU_ADD(tc, test_strtbl_ref_out_of_range);
        TU_ADD(tc, test_strtbl_ref_not_terminated);
        TU_ADD(tc, test_strtbl_length);
        TU_ADD(tc, test_strtbl_max);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/global");
        TU_ADD(tc, test_global_switch_page);
        TU_ADD(tc, test_global_end);
        TU_ADD(tc, test_global_entity);
        TU_ADD(tc, test_global_str_i);
        TU_ADD(tc, test_global_str_t);
        TU_ADD(tc, test_global_opaque);
        TU_ADD(tc, test_global_literal);
        TU_ADD(tc, test_global_ext);
        TU_ADD(tc, test_global_pi);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/tokens");
        TU_ADD(tc, test_tokens_unknown);
        TU_ADD(tc, test_tokens_cp1_aauthtype);
        TU_ADD(tc, test_tokens_switch_mid_attribute);
        TU_ADD(tc, test_tokens_multi_part_values);
        TU_ADD(tc, test_tokens_table);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/structure");
        TU_ADD(tc, test_structure);
        TU_ADD(tc, test_error_offsets);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/iter");
        TU_ADD(tc, test_iter_tv_a);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/limits");
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_limit_wbxml_depth);
        TU_ADD(tc, test_limit_value_parts);
        TU_ADD(tc, test_limit_cpdoc_depth);
        TU_ADD(tc, test_limit_cpdoc_characteristics);
        TU_ADD(tc, test_limit_cpdoc_parms);
        TU_ADD(tc, test_limit_cpdoc_name);
        TU_ADD(tc, test_limit_cpdoc_value);
        TU_ADD(tc, test_limit_cpdoc_decoded);
        TU_ADD(tc, test_limit_input_size);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/truncation");
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_truncation);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/hostile");
        TU_ADD(tc, test_hostile);
        suite_add_tcase(s, tc);

        tc = tcase_create("/wbxml/corpus");
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_corpus_decode);
        TU_ADD(tc, test_corpus_coverage);
        suite_add_tcase(s, tc);

        return tu_run(s);
}
