/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-wsp.c: the WSP push decoder (common/wsp.c) against the TV-A and TV-B PDUs of
 * docs/wire-notes.md §2.7, §2.8, the pushes Kannel's sendota emitted (docs/testing.md §5.2), every quirk
 * of docs/wire-notes.md §6, malformed and truncated PDUs, and every WSP_*_MAX limit at and past it.
 * Each parse runs on an exact-size heap copy so ASan sees any over-read, and checks that a
 * failure leaves the output untouched and fills the DecodeError.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "wsp.h"

#define TVA_MAC "BAA186A0F7802E017A4A69B214921DB16EF26512"
#define TVB_MAC "C683726BD6B25CCEBE45F529EF5C90D97D9F39B6"
#define KANNEL_MAC "F9B2D1D626B06B8683ADF510A05F4F0861045AF0"
#define KANNEL_MAC_HEX "46394232443144363236423036423836383341444635313041303546344630383631303435414630"
#define TVA_BODY "030B6A00C54601C6560187070603546573740001 0101"
#define KANNEL_BODY                                                                                    \
        "030b6a00c54601c6550187110603494e5445524e45540001871006ab01870706034578616d706c6520475052530001" \
        "87080603696e7465726e65742e6578616d706c652e636f6d0001870906890101c6000155018736000006037737000" \
        "187220603494e5445524e455400018700013400000603687474703a2f2f646d2e6578616d706c652e636f6d2f0001" \
        "0101"
#define WBXML_CT "application/vnd.wap.connectivity-wbxml"

/* ---- byte builder ---------------------------------------------------------------------------- */

typedef struct Bytes {
        uint8_t d[4096];
        size_t n;
} Bytes;

static void put_u8(Bytes *b, uint8_t v) {
        ck_assert_uint_lt(b->n, sizeof b->d);
        b->d[b->n++] = v;
}

static void put_hex(Bytes *b, const char *hex) {
        size_t n;
        uint8_t *x = tu_unhex(hex, &n);

        for (size_t i = 0; i < n; i++)
                put_u8(b, x[i]);
        free(x);
}

static void put_str(Bytes *b, const char *s) { /* without the End-of-string */
        while (*s)
                put_u8(b, (uint8_t) *s++);
}

static void put_cstr(Bytes *b, const char *s) {
        put_str(b, s);
        put_u8(b, 0);
}

static void put_rep(Bytes *b, const char *hex, unsigned times) {
        for (unsigned i = 0; i < times; i++)
                put_hex(b, hex);
}

static void put_uintvar(Bytes *b, uint32_t v) {
        uint8_t t[5];
        int k = 0;

        do {
                t[k++] = v & 0x7F;
                v >>= 7;
        } while (v);
        while (k > 1)
                put_u8(b, t[--k] | 0x80);
        put_u8(b, t[0]);
}

static void put_bytes(Bytes *b, const Bytes *x) {
        for (size_t i = 0; i < x->n; i++)
                put_u8(b, x->d[i]);
}

/* WAP-230 8.4.2.2 Value-length, then the value. */
static void put_valued(Bytes *b, const Bytes *val) {
        if (val->n <= 30)
                put_u8(b, (uint8_t) val->n);
        else {
                put_u8(b, 0x1F);
                put_uintvar(b, (uint32_t) val->n);
        }
        put_bytes(b, val);
}

/* TID 01, the PDU type, HeadersLen, the header window, the body. */
static void make_pdu(Bytes *out, uint8_t type, const Bytes *hdr, const char *body_hex) {
        out->n = 0;
        put_u8(out, 0x01);
        put_u8(out, type);
        put_uintvar(out, (uint32_t) hdr->n);
        put_bytes(out, hdr);
        put_hex(out, body_hex);
}

/* ---- parse helpers --------------------------------------------------------------------------- */

static uint8_t *copy; /* exact-size heap copy of the PDU under test; freed by the fixture */

static void teardown(void) {
        free(copy);
        copy = NULL;
}

static int parse_raw(const uint8_t *d, size_t n, WspPush *w, DecodeError *e) {
        WspPush untouched;
        int r;

        free(copy);
        copy = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(copy);
        if (n)
                memcpy(copy, d, n);
        memset(w, 0xA5, sizeof *w);
        memset(&untouched, 0xA5, sizeof untouched);
        *e = (DecodeError) {};
        r = wsp_parse_push(copy, n, w, e);
        if (r < 0) {
                ck_assert_mem_eq(w, &untouched, sizeof untouched); /* outputs only on success */
                ck_assert_ptr_nonnull(e->layer);
                ck_assert_str_eq(e->layer, "wsp");
                ck_assert_ptr_nonnull(e->reason);
                ck_assert_uint_le(e->offset, n);
        } else {
                ck_assert_int_eq(r, 0);
                ck_assert_ptr_null(e->layer);
                /* Body is borrowed from the input, runs to its end, and is never copied. */
                ck_assert_ptr_eq(w->body, copy + w->body_offset);
                ck_assert_uint_eq(w->body_offset + w->body_len, n);
                ck_assert_uint_eq(w->body_offset, n - w->body_len);
                ck_assert_uint_le(strlen(w->content_type), WSP_CONTENT_TYPE_MAX);
                ck_assert_uint_le(strlen(w->app_id), WSP_APP_ID_MAX);
        }
        return r;
}

static int parse(const Bytes *b, WspPush *w, DecodeError *e) {
        return parse_raw(b->d, b->n, w, e);
}

static int parse_hex(const char *hex, WspPush *w, DecodeError *e) {
        size_t n;
        uint8_t *x = tu_unhex(hex, &n);
        int r = parse_raw(x, n, w, e);

        free(x);
        return r;
}

/* A Push with the given header window and the TV-A body. */
static int parse_hdr(const Bytes *hdr, WspPush *w, DecodeError *e) {
        Bytes p;

        make_pdu(&p, WSP_PDU_PUSH, hdr, TVA_BODY);
        return parse(&p, w, e);
}

static size_t uintvar_len(size_t v) {
        size_t k = 1;

        while (v >>= 7)
                k++;
        return k;
}

/* PDU offset of byte pos of a Content-Type value that parse_ct_value() would send. */
static size_t ct_value_offset(const Bytes *val, size_t pos) {
        size_t vl = val->n <= 30 ? 1 : 1 + uintvar_len(val->n);

        return 2 + uintvar_len(vl + val->n) + vl + pos;
}

/* A Push whose header window is only a general-form Content-Type with the given value. */
static int parse_ct_value(const Bytes *val, WspPush *w, DecodeError *e) {
        Bytes h = {};

        put_valued(&h, val);
        return parse_hdr(&h, w, e);
}

static void assert_body_hex(const WspPush *w, const char *hex) {
        size_t n;
        uint8_t *x = tu_unhex(hex, &n);

        ck_assert_uint_eq(w->body_len, n);
        ck_assert_mem_eq(w->body, x, n);
        free(x);
}

/* ---- vectors --------------------------------------------------------------------------------- */

START_TEST(test_tv_a) {
        size_t n;
        uint8_t *f = tu_read_file("tests/data/tv-a-userpin.wsp", &n);
        WspPush w;
        DecodeError e;

        ck_assert_uint_eq(n, 72);
        ck_assert_int_eq(parse_raw(f, n, &w, &e), 0);
        ck_assert_uint_eq(w.tid, 0x01);
        ck_assert_uint_eq(w.pdu_type, WSP_PDU_PUSH);
        ck_assert_int_eq(w.content_kind, WSP_CONTENT_CP_WBXML);
        ck_assert_str_eq(w.content_type, WBXML_CT);
        ck_assert(w.content_type_coded);
        ck_assert_uint_eq(w.content_type_code, 0x36);
        ck_assert_uint_eq(w.n_params, 2);
        ck_assert_int_eq(w.sec, AUTH_USERPIN);
        ck_assert(w.has_mac);
        ck_assert_str_eq(w.mac, TVA_MAC);
        ck_assert(!w.has_app_id);
        ck_assert_uint_eq(w.n_headers, 0);
        ck_assert_uint_eq(w.headers_len, 47);
        ck_assert_uint_eq(w.body_offset, 50);
        ck_assert_uint_eq(w.body_len, 22);
        assert_body_hex(&w, TVA_BODY);
        free(f);
}
END_TEST

START_TEST(test_tv_b) {
        size_t n;
        uint8_t *f = tu_read_file("tests/data/tv-b-netwpin.wsp", &n);
        WspPush w;
        DecodeError e;

        ck_assert_uint_eq(n, 192);
        ck_assert_int_eq(parse_raw(f, n, &w, &e), 0);
        ck_assert_uint_eq(w.tid, 0x01);
        ck_assert_uint_eq(w.pdu_type, WSP_PDU_PUSH);
        ck_assert_int_eq(w.content_kind, WSP_CONTENT_CP_WBXML);
        ck_assert_int_eq(w.sec, AUTH_NETWPIN);
        ck_assert(w.has_mac);
        ck_assert_str_eq(w.mac, TVB_MAC);
        ck_assert_uint_eq(w.headers_len, 47);
        ck_assert_uint_eq(w.body_offset, 50);
        ck_assert_uint_eq(w.body_len, 142);
        /* WBXML header at the start, the closing END END END END at the end (docs/wire-notes.md §5.7). */
        ck_assert_mem_eq(w.body, "\x03\x0B\x6A\x00\xC5\x45", 6);
        ck_assert_mem_eq(w.body + 138, "\x01\x01\x01\x01", 4);
        free(f);
}
END_TEST

START_TEST(test_kannel) {
        /* docs/testing.md §5.2 pushes.txt: the four OMA CP pushes, SEC 80..83, pin 1234. */
        static const char *const headers[] = {
                "1f2db6918092" KANNEL_MAC_HEX "00",
                "1f2db6918192" KANNEL_MAC_HEX "00",
                "1f2db6918292" KANNEL_MAC_HEX "00",
                "1f2db6918392" KANNEL_MAC_HEX "00",
        };
        for (int i = 0; i < 4; i++) {
                Bytes h = {}, p;
                WspPush w;
                DecodeError e;

                put_hex(&h, headers[i]);
                ck_assert_uint_eq(h.n, 0x2f);
                make_pdu(&p, WSP_PDU_PUSH, &h, KANNEL_BODY);
                ck_assert_int_eq(parse(&p, &w, &e), 0);
                ck_assert_int_eq(w.sec, i);
                ck_assert_str_eq(w.mac, KANNEL_MAC);
                ck_assert_int_eq(w.content_kind, WSP_CONTENT_CP_WBXML);
                ck_assert_uint_eq(w.body_offset, 50);
                ck_assert_uint_eq(w.body_len, 142);
                assert_body_hex(&w, KANNEL_BODY);
        }
}
END_TEST

START_TEST(test_kannel_legacy_ota) {
        /* docs/testing.md §5.2: Kannel's legacy settings push: text content type plus Charset 81 EA. */
        Bytes h = {};
        WspPush w;
        DecodeError e;

        put_hex(&h, "1f2a 6170706c69636174696f6e2f782d7761702d70726f762e"
                    "62726f777365722d73657474696e677300 81ea");
        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
        ck_assert_str_eq(w.content_type, "application/x-wap-prov.browser-settings");
        ck_assert(!w.content_type_coded);
        ck_assert_int_eq(w.content_kind, WSP_CONTENT_OTHER);
        ck_assert_uint_eq(w.n_params, 1);
        ck_assert_int_eq(w.sec, AUTH_NONE);
        ck_assert(!w.has_mac);
        ck_assert_uint_eq(w.body_offset, 3 + 44);
}
END_TEST

/* ---- content type ---------------------------------------------------------------------------- */

START_TEST(test_ct_well_known) {
        static const struct {
                const char *hdr;
                WspContentKind kind;
                uint32_t code;
                const char *name;
        } t[] = {
                { "B6", WSP_CONTENT_CP_WBXML, 0x36, WBXML_CT },             /* constrained */
                { "B5", WSP_CONTENT_CP_XML, 0x35, "text/vnd.wap.connectivity-xml" },
                { "B7", WSP_CONTENT_PKCS7, 0x37, "application/pkcs7-mime" },
                { "C4", WSP_CONTENT_OTHER, 0x44, "application/vnd.syncml.notification" },
                { "AE", WSP_CONTENT_OTHER, 0x2E, "application/vnd.wap.sic" },
                { "FF", WSP_CONTENT_OTHER, 0x7F, "" },                      /* unknown code */
                { "01 B5", WSP_CONTENT_CP_XML, 0x35, "text/vnd.wap.connectivity-xml" },
                { "03 02 01 36", WSP_CONTENT_OTHER, 0x0136, "" },           /* Long-integer media */
                { "04 03 00 00 36", WSP_CONTENT_CP_WBXML, 0x36, WBXML_CT }, /* Long-integer, leading 0s */
                { "05 04 FF FF FF FF", WSP_CONTENT_OTHER, UINT32_MAX, "" }, /* 32 bits: the limit */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes h = {};
                WspPush w;
                DecodeError e;

                put_hex(&h, t[i].hdr);
                ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
                ck_assert_int_eq(w.content_kind, t[i].kind);
                ck_assert(w.content_type_coded);
                ck_assert_uint_eq(w.content_type_code, t[i].code);
                ck_assert_str_eq(w.content_type, t[i].name);
                ck_assert_int_eq(w.sec, AUTH_NONE);
                ck_assert_uint_eq(w.n_params, 0);
        }
}
END_TEST

START_TEST(test_ct_code_over_32_bits) {
        Bytes h = {};
        WspPush w;
        DecodeError e;

        put_hex(&h, "06 05 01 00 00 00 00"); /* general form, Long-integer 2^32 */
        ck_assert_int_eq(parse_hdr(&h, &w, &e), -E2BIG);
        ck_assert_uint_eq(e.offset, 4);
}
END_TEST

START_TEST(test_ct_text) {
        static const struct {
                const char *text;
                WspContentKind kind;
                const char *stored;
        } t[] = {
                { "Application/VND.wap.Connectivity-WBXML", WSP_CONTENT_CP_WBXML, WBXML_CT },
                { "application/vnd.wap.connectivity-wbxml", WSP_CONTENT_CP_WBXML, WBXML_CT },
                { "TEXT/vnd.wap.connectivity-xml", WSP_CONTENT_CP_XML, "text/vnd.wap.connectivity-xml" },
                { "application/PKCS7-mime", WSP_CONTENT_PKCS7, "application/pkcs7-mime" },
                { "application/vnd.wap.connectivity-wbxmlx", WSP_CONTENT_OTHER,
                  "application/vnd.wap.connectivity-wbxmlx" },
                { "text/plain", WSP_CONTENT_OTHER, "text/plain" },
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                for (int general = 0; general < 2; general++) {
                        Bytes h = {}, v = {};
                        WspPush w;
                        DecodeError e;

                        put_cstr(&v, t[i].text);
                        if (general) {
                                put_hex(&v, "91 81 92");
                                put_cstr(&v, TVA_MAC);
                                put_valued(&h, &v);
                        } else
                                put_bytes(&h, &v); /* constrained Extension-media */
                        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
                        ck_assert_int_eq(w.content_kind, t[i].kind);
                        ck_assert_str_eq(w.content_type, t[i].stored);
                        ck_assert(!w.content_type_coded);
                        ck_assert_uint_eq(w.content_type_code, 0);
                        ck_assert_int_eq(w.sec, general ? AUTH_USERPIN : AUTH_NONE);
                        ck_assert(w.has_mac == !!general);
                }
        }
}
END_TEST

START_TEST(test_ct_text_bad) {
        static const char *const t[] = {
                "20 61 2F 62 00",    /* space */
                "61 2F 62 09 00",    /* control character */
                "7F C3 A4 00",       /* Quote + non-ASCII */
                "61 2F 62 C3 A4 00", /* non-ASCII */
                "61 2F 62",          /* no End-of-string inside the window */
                "02 00 B6",          /* general form, media octet 00 */
                "02 1F B6",          /* general form, media octet 1F */
                "00",                /* general form, Value-length 0 */
                "1E B6",             /* Value-length past the window */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes h = {};
                WspPush w;
                DecodeError e;

                put_hex(&h, t[i]);
                ck_assert_msg(parse_hdr(&h, &w, &e) == -EBADMSG, "case %zu", i);
        }
}
END_TEST

START_TEST(test_ct_charset_param) {
        Bytes v = {};
        WspPush w;
        DecodeError e;

        /* docs/wire-notes.md §6: Charset (81 EA = UTF-8) before and after SEC/MAC, skipped. */
        put_hex(&v, "B6 81 EA 91 81 92");
        put_cstr(&v, TVA_MAC);
        put_hex(&v, "81 EA 81 02 03 E8"); /* Charset as Short-integer and as Long-integer */
        ck_assert_int_eq(parse_ct_value(&v, &w, &e), 0);
        ck_assert_int_eq(w.content_kind, WSP_CONTENT_CP_WBXML);
        ck_assert_uint_eq(w.n_params, 5);
        ck_assert_int_eq(w.sec, AUTH_USERPIN);
        ck_assert_str_eq(w.mac, TVA_MAC);
}
END_TEST

START_TEST(test_ct_other_params) {
        Bytes v = {};
        WspPush w;
        DecodeError e;

        put_hex(&v, "B6");
        put_hex(&v, "90 00");            /* Secure: No-value */
        put_hex(&v, "97");               /* Name (1.4): Text-value */
        put_cstr(&v, "prov");
        put_hex(&v, "97 22");            /* Name as Quoted-string */
        put_cstr(&v, "prov");
        put_hex(&v, "80 81 00");         /* Q: two-octet uintvar Q-value */
        put_hex(&v, "80 64");            /* Q: one octet */
        put_hex(&v, "93 04 61 62 63 64"); /* Creation-date: Long-integer */
        put_hex(&v, "01 7E 83");         /* token as Long-integer (unknown 0x7E), Short-integer value */
        put_cstr(&v, "x-vendor");        /* untyped, Text-value */
        put_cstr(&v, "1");
        put_cstr(&v, "level");           /* untyped, Integer-value */
        put_hex(&v, "82");
        put_cstr(&v, "empty");           /* untyped, No-value */
        put_hex(&v, "00");
        put_hex(&v, "91 80");
        ck_assert_int_eq(parse_ct_value(&v, &w, &e), 0);
        ck_assert_uint_eq(w.n_params, 11);
        ck_assert_int_eq(w.sec, AUTH_NETWPIN);
        ck_assert(!w.has_mac);
}
END_TEST

START_TEST(test_ct_bad_params) {
        static const char *const t[] = {
                "B6 80 81 80 00",  /* Q-value of 3 octets */
                "B6 80 81",        /* Q-value truncated at the value end */
                "B6 00 91 81",     /* parameter token 00 */
                "B6 1F 91 81",     /* parameter token 1F */
                "B6 81",           /* typed value missing */
                "B6 81 1F 05 00",  /* typed value length past the value end */
                "B6 81 05 01",     /* Short-length value past the value end */
                "B6 97 61 62",     /* text past the value end */
                "B6 53 45 43 00",  /* untyped SEC without value */
                "B6 78 00",        /* untyped name, value missing */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;

                put_hex(&v, t[i]);
                ck_assert_msg(parse_ct_value(&v, &w, &e) == -EBADMSG, "case %zu", i);
        }
}
END_TEST

START_TEST(test_ct_params_end_exactly) {
        /* The MAC text runs past the Value-length although its End-of-string lies inside the window:
         * the parameter must not read across the value end. */
        Bytes h = {};
        WspPush w;
        DecodeError e;

        put_hex(&h, "03 B6 92 41 42 00");
        ck_assert_int_eq(parse_hdr(&h, &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 3 + 3);
}
END_TEST

/* ---- SEC ------------------------------------------------------------------------------------- */

START_TEST(test_sec_short_integer) {
        for (unsigned s = 0; s < 4; s++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;

                put_hex(&v, "B6 91");
                put_u8(&v, (uint8_t) (0x80 | s));
                ck_assert_int_eq(parse_ct_value(&v, &w, &e), 0);
                ck_assert_int_eq(w.sec, (int) s);
                ck_assert(!w.has_mac); /* SEC without MAC: allowed here, the verifier decides */
        }
}
END_TEST

START_TEST(test_sec_long_integer) {
        static const struct {
                const char *v;
                AuthMethod sec;
        } t[] = {
                { "B6 91 01 01", AUTH_USERPIN },
                { "B6 91 01 00", AUTH_NETWPIN },
                { "B6 91 02 00 03", AUTH_USERPINMAC },
                { "B6 01 11 82", AUTH_USERNETWPIN }, /* the SEC token itself as a Long-integer */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;

                put_hex(&v, t[i].v);
                put_hex(&v, "92");
                put_cstr(&v, TVA_MAC);
                ck_assert_int_eq(parse_ct_value(&v, &w, &e), 0);
                ck_assert_int_eq(w.sec, t[i].sec);
                ck_assert_str_eq(w.mac, TVA_MAC);
        }
}
END_TEST

START_TEST(test_sec_untyped) {
        static const struct {
                const char *name;
                const char *value_hex; /* NULL: value_text */
                const char *value_text;
                AuthMethod sec;
        } t[] = {
                { "SEC", "81", NULL, AUTH_USERPIN },      /* Token-text + Short-integer */
                { "sec", "01 02", NULL, AUTH_USERNETWPIN }, /* + Long-integer */
                { "SEC", NULL, "0", AUTH_NETWPIN },       /* digit text */
                { "SEC", NULL, "1", AUTH_USERPIN },
                { "SEC", NULL, "2", AUTH_USERNETWPIN },
                { "Sec", NULL, "3", AUTH_USERPINMAC },
                { "SEC", NULL, "NETWPIN", AUTH_NETWPIN }, /* names */
                { "SEC", NULL, "userpin", AUTH_USERPIN },
                { "SEC", NULL, "UserNetwPin", AUTH_USERNETWPIN },
                { "SEC", NULL, "USERPINMAC", AUTH_USERPINMAC },
                { "SEC", NULL, "\"USERPIN", AUTH_USERPIN }, /* Quoted-string */
                { "SEC", NULL, "\"1\"", AUTH_USERPIN },     /* with the trailing quote */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;

                put_hex(&v, "B6");
                put_cstr(&v, t[i].name);
                if (t[i].value_hex)
                        put_hex(&v, t[i].value_hex);
                else
                        put_cstr(&v, t[i].value_text);
                put_cstr(&v, "MAC");
                put_cstr(&v, TVA_MAC);
                ck_assert_int_eq(parse_ct_value(&v, &w, &e), 0);
                ck_assert_int_eq(w.sec, t[i].sec);
                ck_assert(w.has_mac);
                ck_assert_str_eq(w.mac, TVA_MAC);
                ck_assert_uint_eq(w.n_params, 2);
        }
}
END_TEST

START_TEST(test_sec_out_of_range) {
        static const struct {
                const char *name; /* NULL: typed 0x91 */
                const char *value_hex;
                const char *value_text;
        } t[] = {
                { NULL, "84", NULL },                    /* SEC = 4 */
                { NULL, "FF", NULL },
                { NULL, "01 04", NULL },
                { NULL, "08 00 00 00 01 00 00 00 01", NULL }, /* 2^32 + 1: must not wrap to 1 */
                /* 30 octets: the value saturates and stays out of range */
                { NULL, "1E FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", NULL },
                { NULL, NULL, "1" },                     /* typed SEC must be an integer */
                { "SEC", "84", NULL },
                { "SEC", NULL, "4" },
                { "SEC", NULL, "01" },
                { "SEC", NULL, "" },
                { "SEC", NULL, "USERPINX" },
                { "SEC", NULL, "none" },
                { "SEC", NULL, "signed" },               /* a package's method, never a SEC */
                { "SEC", NULL, "00" },
                { "SEC", NULL, "USERPIN " },
                { "SEC", NULL, "USERPI" },
                { "SEC", "00", NULL },                   /* No-value */
                { "SEC", "1F 01 01", NULL },             /* not an Untyped-value */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;

                size_t at;

                put_hex(&v, "B6");
                if (t[i].name)
                        put_cstr(&v, t[i].name);
                else
                        put_hex(&v, "91");
                at = v.n;
                if (t[i].value_hex)
                        put_hex(&v, t[i].value_hex);
                else
                        put_cstr(&v, t[i].value_text);
                ck_assert_msg(parse_ct_value(&v, &w, &e) == -EBADMSG, "case %zu", i);
                ck_assert_uint_eq(e.offset, ct_value_offset(&v, at)); /* at the value */
        }
}
END_TEST

START_TEST(test_sec_duplicate) {
        static const char *const t[] = { "B6 91 81 91 81", "B6 91 81 53 45 43 00 81" };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;

                put_hex(&v, t[i]);
                ck_assert_int_eq(parse_ct_value(&v, &w, &e), -EBADMSG);
                ck_assert_str_eq(e.reason, "duplicate SEC parameter");
        }
}
END_TEST

START_TEST(test_sec_strings) {
        ck_assert_str_eq(auth_method_to_string(AUTH_NETWPIN), "NETWPIN");
        ck_assert_str_eq(auth_method_to_string(AUTH_USERPIN), "USERPIN");
        ck_assert_str_eq(auth_method_to_string(AUTH_USERNETWPIN), "USERNETWPIN");
        ck_assert_str_eq(auth_method_to_string(AUTH_USERPINMAC), "USERPINMAC");
        ck_assert_str_eq(auth_method_to_string(AUTH_NONE), "none");
        /* one enum for every method (auth-method.h): a signed package is named too */
        ck_assert_str_eq(auth_method_to_string(AUTH_SIGNED), "signed");
        ck_assert_ptr_null(auth_method_to_string(_AUTH_METHOD_MAX));
        ck_assert_ptr_null(auth_method_to_string((AuthMethod) -2));
        /* the wire: a SEC parameter names 0..3 only, never the signed pseudo-method */
        ck_assert_int_eq(auth_method_from_wsp_sec(0), AUTH_NETWPIN);
        ck_assert_int_eq(auth_method_from_wsp_sec(3), AUTH_USERPINMAC);
        ck_assert_int_eq(auth_method_from_wsp_sec(_AUTH_SEC_MAX), -EINVAL);
        ck_assert_int_eq(auth_method_from_wsp_sec(UINT64_MAX), -EINVAL);
}
END_TEST

/* ---- MAC ------------------------------------------------------------------------------------- */

START_TEST(test_mac_forms) {
        static const struct {
                const char *name; /* NULL: typed 0x92 */
                const char *text;
        } t[] = {
                { NULL, "baa186a0f7802e017a4a69b214921db16ef26512" },      /* lower case */
                { NULL, "BaA186a0F7802E017A4A69B214921DB16EF26512" },      /* mixed */
                { NULL, "\"BAA186A0F7802E017A4A69B214921DB16EF26512" },    /* Quoted-string */
                { NULL, "\"baa186a0f7802e017a4a69b214921db16ef26512\"" },  /* + trailing quote */
                { NULL, "BAA186A0F7802E017A4A69B214921DB16EF26512\"" },    /* trailing quote only */
                { "MAC", "BAA186A0F7802E017A4A69B214921DB16EF26512" },     /* untyped */
                { "mac", "\"baa186a0f7802e017a4a69b214921db16ef26512\"" }, /* untyped, quoted, lower */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;

                put_hex(&v, "B6 91 81");
                if (t[i].name)
                        put_cstr(&v, t[i].name);
                else
                        put_hex(&v, "92");
                put_cstr(&v, t[i].text);
                ck_assert_int_eq(parse_ct_value(&v, &w, &e), 0);
                ck_assert(w.has_mac);
                ck_assert_str_eq(w.mac, TVA_MAC);
                ck_assert_int_eq(w.sec, AUTH_USERPIN);
        }
}
END_TEST

START_TEST(test_mac_bad) {
        static const struct {
                const char *hex; /* NULL: text */
                const char *text;
                const char *reason;
        } t[] = {
                { NULL, "BAA186A0F7802E017A4A69B214921DB16EF2651", "MAC is not 40 hex digits" },   /* 39 */
                { NULL, "BAA186A0F7802E017A4A69B214921DB16EF265120", "MAC is not 40 hex digits" }, /* 41 */
                { NULL, "BAA186A0F7802E017A4A69B214921DB16EF2651G", "MAC has a non-hex digit" },
                { NULL, "BAA186A0F7802E017A4A69B214921DB16EF2651 ", "MAC has a non-hex digit" },
                { NULL, "0xA186A0F7802E017A4A69B214921DB16EF26512", "MAC has a non-hex digit" },
                { NULL, "\"\"BAA186A0F7802E017A4A69B214921DB16EF26512", "MAC is not 40 hex digits" },
                { NULL, "", "MAC is not 40 hex digits" },
                { "00", NULL, "MAC is not 40 hex digits" },     /* No-value */
                { "81", NULL, "MAC is not a Text-value" },      /* Short-integer */
                { "01 02", NULL, "MAC is not a Text-value" },   /* Long-integer */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                for (int untyped = 0; untyped < 2; untyped++) {
                        Bytes v = {};
                        WspPush w;
                        DecodeError e;
                        size_t at;

                        put_hex(&v, "B6 91 81");
                        if (untyped)
                                put_cstr(&v, "MAC");
                        else
                                put_hex(&v, "92");
                        at = v.n;
                        if (t[i].hex)
                                put_hex(&v, t[i].hex);
                        else
                                put_cstr(&v, t[i].text);
                        ck_assert_msg(parse_ct_value(&v, &w, &e) == -EBADMSG, "case %zu", i);
                        ck_assert_str_eq(e.reason, t[i].reason);
                        ck_assert_uint_eq(e.offset, ct_value_offset(&v, at));
                }
        }
}
END_TEST

START_TEST(test_mac_duplicate) {
        Bytes v = {};
        WspPush w;
        DecodeError e;

        put_hex(&v, "B6 92");
        put_cstr(&v, TVA_MAC);
        put_cstr(&v, "MAC");
        put_cstr(&v, TVA_MAC);
        ck_assert_int_eq(parse_ct_value(&v, &w, &e), -EBADMSG);
        ck_assert_str_eq(e.reason, "duplicate MAC parameter");
}
END_TEST

START_TEST(test_mac_without_sec) {
        Bytes v = {};
        WspPush w;
        DecodeError e;

        put_hex(&v, "B6 92");
        put_cstr(&v, TVA_MAC);
        ck_assert_int_eq(parse_ct_value(&v, &w, &e), 0);
        ck_assert_int_eq(w.sec, AUTH_NONE);
        ck_assert(w.has_mac);
        ck_assert_str_eq(w.mac, TVA_MAC);
}
END_TEST

/* ---- PDU type -------------------------------------------------------------------------------- */

START_TEST(test_pdu_confirmed_push) {
        size_t n;
        uint8_t *f = tu_read_file("tests/data/tv-a-userpin.wsp", &n);
        WspPush w;
        DecodeError e;

        f[0] = 0x42;
        f[1] = WSP_PDU_CONFIRMED_PUSH;
        ck_assert_int_eq(parse_raw(f, n, &w, &e), 0);
        ck_assert_uint_eq(w.tid, 0x42);
        ck_assert_uint_eq(w.pdu_type, WSP_PDU_CONFIRMED_PUSH);
        ck_assert_int_eq(w.sec, AUTH_USERPIN);
        ck_assert_str_eq(w.mac, TVA_MAC);
        ck_assert_uint_eq(w.body_len, 22);
        free(f);
}
END_TEST

START_TEST(test_pdu_unsupported) {
        static const uint8_t types[] = { 0x01, 0x00, 0x02, 0x05, 0x08, 0x40, 0x60, 0x86, 0xFF };
        size_t n;
        uint8_t *f = tu_read_file("tests/data/tv-a-userpin.wsp", &n);

        for (size_t i = 0; i < sizeof types; i++) {
                WspPush w;
                DecodeError e;

                f[1] = types[i];
                ck_assert_int_eq(parse_raw(f, n, &w, &e), -EOPNOTSUPP);
                ck_assert_uint_eq(e.offset, 1);
                ck_assert_str_eq(e.reason, "not a Push or ConfirmedPush PDU");
        }
        free(f);
}
END_TEST

/* ---- headers after Content-Type ---------------------------------------------------------------- */

START_TEST(test_app_id_integer) {
        static const struct {
                const char *hex;
                uint32_t code;
        } t[] = {
                { "B6 AF 84", 0x04 },             /* mms.ua */
                { "B6 AF 87", 0x07 },             /* syncml.dm */
                { "B6 AF 02 90 44", 0x9044 },     /* x-wap-microsoft:cfgmgr.ua as Long-integer */
                { "B6 AF 04 FF FF FF FF", UINT32_MAX },
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes h = {};
                WspPush w;
                DecodeError e;

                put_hex(&h, t[i].hex);
                ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
                ck_assert(w.has_app_id);
                ck_assert_uint_eq(w.app_id_code, t[i].code);
                ck_assert_str_eq(w.app_id, "");
                ck_assert_uint_eq(w.n_headers, 1);
        }
}
END_TEST

START_TEST(test_app_id_text) {
        Bytes h = {};
        WspPush w;
        DecodeError e;

        put_hex(&h, "B6 AF");
        put_cstr(&h, "x-wap-application:push.sia");
        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
        ck_assert(w.has_app_id);
        ck_assert_str_eq(w.app_id, "x-wap-application:push.sia");
        ck_assert_uint_eq(w.app_id_code, 0);
        ck_assert_int_eq(w.content_kind, WSP_CONTENT_CP_WBXML);
}
END_TEST

START_TEST(test_app_id_bad) {
        static const struct {
                const char *hex;
                int r;
        } t[] = {
                { "B6 AF", -EBADMSG },                      /* value missing */
                { "B6 AF 00", -EBADMSG },                   /* empty text */
                { "B6 AF 1F 01 84", -EBADMSG },             /* not an Application-id-value */
                { "B6 AF 78 20 79 00", -EBADMSG },          /* space in the URI */
                { "B6 AF 7F C3 A4 00", -EBADMSG },          /* Quote + non-ASCII */
                { "B6 AF 78", -EBADMSG },                   /* no End-of-string */
                { "B6 AF 84 AF 84", -EBADMSG },             /* duplicate */
                { "B6 AF 05 01 00 00 00 00", -E2BIG },      /* code over 32 bits */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes h = {};
                WspPush w;
                DecodeError e;

                put_hex(&h, t[i].hex);
                ck_assert_msg(parse_hdr(&h, &w, &e) == t[i].r, "case %zu", i);
        }
}
END_TEST

START_TEST(test_headers_generic) {
        Bytes h = {};
        WspPush w;
        DecodeError e;

        put_hex(&h, "B6");
        put_hex(&h, "B4 81");                  /* Push-Flag: Short-integer */
        put_hex(&h, "B1");                     /* X-Wap-Initiator-URI: text */
        put_cstr(&h, "http://tps.example.com/");
        put_hex(&h, "C3 02 01 02");            /* Short-length value */
        put_hex(&h, "92 1F 20");               /* Length-quote + uintvar 32 */
        put_rep(&h, "55", 32);
        put_hex(&h, "91 B5");                  /* a Content-Type header field: skipped */
        put_hex(&h, "80 00");                  /* Short-length 0 */
        put_cstr(&h, "X-Vendor-Thing");        /* Application-header */
        put_cstr(&h, "value");
        put_cstr(&h, "X-Empty");
        put_hex(&h, "00");
        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
        ck_assert_uint_eq(w.n_headers, 8);
        ck_assert(!w.has_app_id);
        ck_assert_int_eq(w.content_kind, WSP_CONTENT_CP_WBXML);
        ck_assert_uint_eq(w.headers_len, h.n);
}
END_TEST

START_TEST(test_headers_code_pages) {
        Bytes h = {};
        WspPush w;
        DecodeError e;

        /* docs/wire-notes.md §2.4: a vendor header in page 2 whose octet is X-Wap-Application-Id's in
         * page 1 is skipped (not taken as the app id); the short-cut shift back to page 1 makes the
         * next AF the real one. */
        put_hex(&h, "B6");
        put_hex(&h, "7F 02 AF");
        put_cstr(&h, "x-up-vendor");
        put_hex(&h, "10 AF 1F 02 AB CD"); /* short-cut shift to 16, vendor header with a long value */
        put_hex(&h, "7F FF AF 81");       /* page 255 */
        put_hex(&h, "01 AF 82");          /* short-cut back to page 1: the app id */
        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
        ck_assert_uint_eq(w.n_headers, 4);
        ck_assert(w.has_app_id);
        ck_assert_uint_eq(w.app_id_code, 2);

        /* A shift at the end of the window is a complete Shift-sequence. */
        h.n = 0;
        put_hex(&h, "B6 7F 03");
        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
        ck_assert_uint_eq(w.n_headers, 0);
        ck_assert(!w.has_app_id);
}
END_TEST

START_TEST(test_headers_bad) {
        static const struct {
                const char *hex;
                size_t offset; /* within the header window */
        } t[] = {
                { "B6 7F", 1 },              /* Shift-delimiter without page */
                { "B6 7F 00 B4 81", 1 },     /* page 0 */
                { "B6 00", 1 },              /* empty field name */
                { "B6 B4", 2 },              /* value missing */
                { "B6 B0 05 01 02", 2 },     /* Short-length past the window */
                { "B6 B0 1F 30 01", 2 },     /* Length-quote length past the window */
                { "B6 B0 1F 8F", 3 },        /* uintvar truncated */
                { "B6 B0 1F 81 80 80 80 80 00", 3 }, /* uintvar of 6 octets */
                { "B6 B1 68 74 74 70", 2 },  /* text without End-of-string */
                { "B6 78 2D 61", 1 },        /* Application-header name without End-of-string */
                { "B6 78 00", 3 },           /* Application-header without value */
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                Bytes h = {};
                WspPush w;
                DecodeError e;

                put_hex(&h, t[i].hex);
                ck_assert_msg(parse_hdr(&h, &w, &e) == -EBADMSG, "case %zu", i);
                ck_assert_msg(e.offset == 3 + t[i].offset, "case %zu: offset %zu", i, e.offset);
        }
}
END_TEST

/* ---- malformed and truncated ------------------------------------------------------------------ */

START_TEST(test_headers_len_past_end) {
        /* MSL-2008-001: a length field larger than the data. */
        WspPush w;
        DecodeError e;

        ck_assert_int_eq(parse_hex("01 06 30 1F 2D B6 91 81", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 2);
        ck_assert_str_eq(e.reason, "HeadersLen past the end of the PDU");
        ck_assert_int_eq(parse_hex("01 06 8F FF FF FF 7F B6", &w, &e), -EBADMSG); /* 2^32-1 */
        ck_assert_uint_eq(e.offset, 2);
        ck_assert_int_eq(parse_hex("01 06 02 B6", &w, &e), -EBADMSG);
        ck_assert_int_eq(parse_hex("01 06 01 B6", &w, &e), 0); /* exactly the rest: empty body */
        ck_assert_uint_eq(w.body_len, 0);
        ck_assert_uint_eq(w.body_offset, 4);
}
END_TEST

START_TEST(test_headers_len_zero) {
        WspPush w;
        DecodeError e;

        ck_assert_int_eq(parse_hex("01 06 00 03 0B 6A 00", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 2);
}
END_TEST

START_TEST(test_value_length_past_window) {
        WspPush w;
        DecodeError e;

        /* Value-length 45 but HeadersLen 5: the Content-Type must stay inside the window even
         * though the PDU has enough bytes after it. */
        ck_assert_int_eq(parse_hex("01 06 05 1F 2D B6 91 81 92 41 42 00 03 0B 6A 00", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 3);
        ck_assert_str_eq(e.reason, "Content-Type value length past the header window");
        ck_assert_int_eq(parse_hex("01 06 02 03 B6 91 81", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 3);
}
END_TEST

START_TEST(test_uintvar_too_long) {
        WspPush w;
        DecodeError e;

        /* HeadersLen as a 6-octet uintvar (value 1 with redundant leading groups) */
        ck_assert_int_eq(parse_hex("01 06 80 80 80 80 80 01 B6", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 2);
        /* 5 octets but more than 32 bits */
        ck_assert_int_eq(parse_hex("01 06 90 80 80 80 01 B6", &w, &e), -EBADMSG);
        /* 5 octets, value 1: still a valid uintvar */
        ck_assert_int_eq(parse_hex("01 06 80 80 80 80 01 B6", &w, &e), 0);
        ck_assert_uint_eq(w.body_offset, 8);
        /* Content-Type Value-length with a 6-octet uintvar */
        ck_assert_int_eq(parse_hex("01 06 09 1F 80 80 80 80 80 01 B6 00", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 4);
        /* truncated uintvar */
        ck_assert_int_eq(parse_hex("01 06 81", &w, &e), -EBADMSG);
}
END_TEST

static void check_truncations(const uint8_t *pdu, size_t n, size_t body_offset) {
        /* Decision: a cut inside TID/type/HeadersLen/header window fails with -EBADMSG; a cut
         * inside the body succeeds with the shorter body (WSP has no body length; the MAC over
         * the body catches it). */
        for (size_t k = 0; k <= n; k++) {
                WspPush w;
                DecodeError e;
                int r = parse_raw(pdu, k, &w, &e);

                if (k < body_offset) {
                        ck_assert_msg(r == -EBADMSG, "length %zu: %d", k, r);
                        ck_assert_uint_le(e.offset, k);
                } else {
                        ck_assert_msg(r == 0, "length %zu: %d", k, r);
                        ck_assert_uint_eq(w.body_offset, body_offset);
                        ck_assert_uint_eq(w.body_len, k - body_offset);
                        ck_assert_mem_eq(w.body, pdu + body_offset, k - body_offset);
                }
        }
}

START_TEST(test_truncated) {
        size_t n;
        uint8_t *a = tu_read_file("tests/data/tv-a-userpin.wsp", &n);

        check_truncations(a, n, 50);
        free(a);
        a = tu_read_file("tests/data/tv-b-netwpin.wsp", &n);
        check_truncations(a, n, 50);
        free(a);
}
END_TEST

START_TEST(test_truncated_with_headers) {
        Bytes h = {}, p;

        put_hex(&h, "1F 2F B6 81 EA 91 80 92");
        put_cstr(&h, TVB_MAC);
        put_hex(&h, "AF 84 B4 81 7F 02 B1");
        put_cstr(&h, "x");
        make_pdu(&p, WSP_PDU_PUSH, &h, TVA_BODY);
        check_truncations(p.d, p.n, 3 + h.n);
}
END_TEST

START_TEST(test_error_offsets) {
        WspPush w;
        DecodeError e;

        ck_assert_int_eq(parse_hex("", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 0);
        ck_assert_int_eq(parse_hex("01", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 1);
        ck_assert_int_eq(parse_hex("01 06", &w, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 2);
        /* a previously recorded error is kept (first one wins) */
        e = (DecodeError) { .layer = "sms", .offset = 7, .reason = "earlier" };
        {
                uint8_t b[] = { 0x01, 0x01 };

                ck_assert_int_eq(wsp_parse_push(b, sizeof b, &w, &e), -EOPNOTSUPP);
                ck_assert_str_eq(e.layer, "sms");
                ck_assert_uint_eq(e.offset, 7);
                ck_assert_int_eq(wsp_parse_push(b, sizeof b, &w, NULL), -EOPNOTSUPP);
        }
}
END_TEST

/* ---- limits ---------------------------------------------------------------------------------- */

START_TEST(test_limit_headers) {
        for (unsigned n = WSP_HEADERS_MAX - 1; n <= WSP_HEADERS_MAX + 1; n++) {
                Bytes h = {};
                WspPush w;
                DecodeError e;
                int r;

                put_hex(&h, "B6");
                put_rep(&h, "B4 81", n);
                r = parse_hdr(&h, &w, &e);
                if (n <= WSP_HEADERS_MAX) {
                        ck_assert_int_eq(r, 0);
                        ck_assert_uint_eq(w.n_headers, n);
                } else {
                        ck_assert_int_eq(r, -E2BIG);
                        ck_assert_uint_eq(e.offset, 3 + 1 + 2 * WSP_HEADERS_MAX);
                }
        }
}
END_TEST

START_TEST(test_limit_headers_shifts) {
        /* A code-page shift is one item of the walk: 31 headers + 1 shift is at the limit. */
        Bytes h = {};
        WspPush w;
        DecodeError e;

        put_hex(&h, "B6 02");
        put_rep(&h, "B4 81", WSP_HEADERS_MAX - 1);
        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
        ck_assert_uint_eq(w.n_headers, WSP_HEADERS_MAX - 1);
        put_hex(&h, "B4 81");
        ck_assert_int_eq(parse_hdr(&h, &w, &e), -E2BIG);

        /* Shifts alone cannot spin the loop. */
        h.n = 0;
        put_hex(&h, "B6");
        put_rep(&h, "01", WSP_HEADERS_MAX);
        ck_assert_int_eq(parse_hdr(&h, &w, &e), 0);
        put_hex(&h, "01");
        ck_assert_int_eq(parse_hdr(&h, &w, &e), -E2BIG);
}
END_TEST

START_TEST(test_limit_params) {
        for (unsigned n = WSP_PARAMS_MAX - 1; n <= WSP_PARAMS_MAX + 1; n++) {
                Bytes v = {};
                WspPush w;
                DecodeError e;
                int r;

                put_hex(&v, "B6 91 83 92");
                put_cstr(&v, TVA_MAC);
                put_rep(&v, "81 EA", n - 2);
                r = parse_ct_value(&v, &w, &e);
                if (n <= WSP_PARAMS_MAX) {
                        ck_assert_int_eq(r, 0);
                        ck_assert_uint_eq(w.n_params, n);
                        ck_assert_int_eq(w.sec, AUTH_USERPINMAC);
                } else {
                        ck_assert_int_eq(r, -E2BIG);
                        /* PDU: 3 + (1F uintvar) + B6 + SEC 2 + MAC 42 + 14 Charsets */
                        ck_assert_uint_eq(e.offset, 3 + 2 + 1 + 2 + 42 + 2 * (WSP_PARAMS_MAX - 2));
                }
        }
}
END_TEST

static void make_text(char *out, size_t n) {
        static const char prefix[] = "application/x-";

        ck_assert_uint_ge(n, sizeof prefix);
        memcpy(out, prefix, sizeof prefix - 1);
        for (size_t i = sizeof prefix - 1; i < n; i++)
                out[i] = (char) ('A' + i % 26);
        out[n] = 0;
}

START_TEST(test_limit_content_type) {
        for (size_t n = WSP_CONTENT_TYPE_MAX; n <= WSP_CONTENT_TYPE_MAX + 1; n++) {
                for (int general = 0; general < 2; general++) {
                        char text[WSP_CONTENT_TYPE_MAX + 2], lower[WSP_CONTENT_TYPE_MAX + 2];
                        Bytes h = {}, v = {};
                        WspPush w;
                        DecodeError e;
                        int r;

                        make_text(text, n);
                        put_cstr(&v, text);
                        if (general) {
                                put_hex(&v, "91 81");
                                put_valued(&h, &v);
                        } else
                                put_bytes(&h, &v);
                        r = parse_hdr(&h, &w, &e);
                        if (n <= WSP_CONTENT_TYPE_MAX) {
                                ck_assert_int_eq(r, 0);
                                for (size_t i = 0; i <= n; i++) {
                                        bool up = text[i] >= 'A' && text[i] <= 'Z';

                                        lower[i] = (char) (up ? text[i] + 32 : text[i]);
                                }
                                ck_assert_str_eq(w.content_type, lower);
                                ck_assert_int_eq(w.content_kind, WSP_CONTENT_OTHER);
                                ck_assert_int_eq(w.sec, general ? AUTH_USERPIN : AUTH_NONE);
                        } else {
                                ck_assert_int_eq(r, -E2BIG);
                                ck_assert_str_eq(e.reason, "media type longer than WSP_CONTENT_TYPE_MAX");
                        }
                }
        }
}
END_TEST

START_TEST(test_limit_app_id) {
        for (size_t n = WSP_APP_ID_MAX; n <= WSP_APP_ID_MAX + 1; n++) {
                char text[WSP_APP_ID_MAX + 2];
                Bytes h = {};
                WspPush w;
                DecodeError e;
                int r;

                make_text(text, n);
                put_hex(&h, "B6 AF");
                put_cstr(&h, text);
                r = parse_hdr(&h, &w, &e);
                if (n <= WSP_APP_ID_MAX) {
                        ck_assert_int_eq(r, 0);
                        ck_assert(w.has_app_id);
                        ck_assert_str_eq(w.app_id, text); /* kept as sent, not case-folded */
                } else {
                        ck_assert_int_eq(r, -E2BIG);
                        ck_assert_uint_eq(e.offset, 2 + 2 + 2); /* HeadersLen takes 2 octets */
                }
        }
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t) {
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, t);
        suite_add_tcase(s, tc);
}

int main(void) {
        Suite *s = suite_create("wsp");

        add(s, "/wsp/vectors/tv-a", test_tv_a);
        add(s, "/wsp/vectors/tv-b", test_tv_b);
        add(s, "/wsp/vectors/kannel-oma-cp", test_kannel);
        add(s, "/wsp/vectors/kannel-legacy-ota", test_kannel_legacy_ota);
        add(s, "/wsp/content-type/well-known", test_ct_well_known);
        add(s, "/wsp/content-type/code-over-32-bits", test_ct_code_over_32_bits);
        add(s, "/wsp/content-type/text-mixed-case", test_ct_text);
        add(s, "/wsp/content-type/text-bad", test_ct_text_bad);
        add(s, "/wsp/content-type/charset-param", test_ct_charset_param);
        add(s, "/wsp/content-type/other-params", test_ct_other_params);
        add(s, "/wsp/content-type/bad-params", test_ct_bad_params);
        add(s, "/wsp/content-type/params-end-exactly", test_ct_params_end_exactly);
        add(s, "/wsp/sec/short-integer", test_sec_short_integer);
        add(s, "/wsp/sec/long-integer", test_sec_long_integer);
        add(s, "/wsp/sec/untyped", test_sec_untyped);
        add(s, "/wsp/sec/out-of-range", test_sec_out_of_range);
        add(s, "/wsp/sec/duplicate", test_sec_duplicate);
        add(s, "/wsp/sec/strings", test_sec_strings);
        add(s, "/wsp/mac/forms", test_mac_forms);
        add(s, "/wsp/mac/bad", test_mac_bad);
        add(s, "/wsp/mac/duplicate", test_mac_duplicate);
        add(s, "/wsp/mac/without-sec", test_mac_without_sec);
        add(s, "/wsp/pdu/confirmed-push", test_pdu_confirmed_push);
        add(s, "/wsp/pdu/unsupported-type", test_pdu_unsupported);
        add(s, "/wsp/headers/app-id-integer", test_app_id_integer);
        add(s, "/wsp/headers/app-id-text", test_app_id_text);
        add(s, "/wsp/headers/app-id-bad", test_app_id_bad);
        add(s, "/wsp/headers/generic-skip", test_headers_generic);
        add(s, "/wsp/headers/code-pages", test_headers_code_pages);
        add(s, "/wsp/headers/bad", test_headers_bad);
        add(s, "/wsp/malformed/headers-len-past-end", test_headers_len_past_end);
        add(s, "/wsp/malformed/headers-len-zero", test_headers_len_zero);
        add(s, "/wsp/malformed/value-length-past-window", test_value_length_past_window);
        add(s, "/wsp/malformed/uintvar-too-long", test_uintvar_too_long);
        add(s, "/wsp/malformed/truncated", test_truncated);
        add(s, "/wsp/malformed/truncated-with-headers", test_truncated_with_headers);
        add(s, "/wsp/malformed/error-offsets", test_error_offsets);
        add(s, "/wsp/limits/headers", test_limit_headers);
        add(s, "/wsp/limits/headers-shifts", test_limit_headers_shifts);
        add(s, "/wsp/limits/params", test_limit_params);
        add(s, "/wsp/limits/content-type", test_limit_content_type);
        add(s, "/wsp/limits/app-id", test_limit_app_id);
        return tu_run(s);
}
