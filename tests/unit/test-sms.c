/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-sms.c: the SMS layer (common/sms.c). SMS-DELIVER decoding against the full PDUs of
 * docs/wire-notes.md §2.7 (TV-A) and 2.8 (TV-B) and hand-built TPDUs (addresses, DCS, SCTS, UDL, every
 * UDH rule of 1.3), SMSC-prefix stripping, every reassembly edge case of 1.6 driven by an explicit
 * clock, and each named limit once at the limit (accepted) and once just past it (rejected).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "sms.h"
#include "testutil.h"

/* Reset a DecodeError (the first failure wins) and pass its address. */
#define FRESH(e) ((e) = (DecodeError) {}, &(e))

/* docs/wire-notes.md §2.7: TV-A, one segment, USERPIN. */
static const char tv_a_hex[] =
        "44 0A 91 94 71 10 32 54 00 04 42 10 20 30 40 50 00 4F"
        "06 05 04 0B 84 23 F0"
        "01 06 2F 1F 2D B6 91 81 92"
        "42 41 41 31 38 36 41 30 46 37 38 30 32 45 30 31 37 41 34 41"
        "36 39 42 32 31 34 39 32 31 44 42 31 36 45 46 32 36 35 31 32 00"
        "03 0B 6A 00 C5 46 01 C6 56 01 87 07 06 03 54 65 73 74 00 01 01 01";

/* docs/wire-notes.md §2.8: TV-B, two segments, NETWPIN. */
static const char tv_b1_hex[] =
        "44 0A 91 9471103254 00 04 42102030405000 8C"
        "0B 05 04 0B84 23F0 00 03 5A 02 01"
        "01 06 2F 1F 2D B6 91 80 92"
        "43363833373236424436423235434345424534354635323945463543393044393744394633394236 00"
        "030B6A00C54503312E310001C65601870706035465737420444D000101C60001550187360603773700"
        "0187380603646D7372760001"
        "870706035465737420444D00018734060368747470733A2F2F";
static const char tv_b2_hex[] =
        "44 0A 91 9471103254 00 04 42102030405000 4C"
        "0B 05 04 0B84 23F0 00 03 5A 02 02"
        "646D2E6578616D706C652E636F6D2F646D0001C657018730068D0187330603444947455354000187310603757365720001"
        "873206037365637265740001010101";

#define T0 1000000000ULL /* an arbitrary start of the caller's monotonic clock, usec */

/* ---- helpers ---------------------------------------------------------------------------- */

typedef struct Buf {
        uint8_t b[512];
        size_t n;
} Buf;

static void buf_hex(Buf *b, const char *hex) {
        size_t n;
        uint8_t *p = tu_unhex(hex, &n);

        ck_assert_uint_le(b->n + n, sizeof b->b);
        memcpy(b->b + b->n, p, n);
        b->n += n;
        free(p);
}

static void buf_u8(Buf *b, uint8_t v) {
        ck_assert_uint_lt(b->n, sizeof b->b);
        b->b[b->n++] = v;
}

/*
 * Build an SMS-DELIVER: first octet 44 (UDHI) or 04, TP-OA from oa_hex ("LL TOA digits"), PID 00,
 * the DCS, SCTS 2024-01-02 03:04:05 +0, TP-UDL in octets, then (when ies_hex is not NULL) UDHL and
 * the IEs, then plen payload octets of value fill.
 */
static void mk_tpdu(Buf *b, const char *oa_hex, uint8_t dcs, const char *ies_hex, size_t plen,
                    uint8_t fill) {
        Buf ies = {};

        b->n = 0;
        if (ies_hex)
                buf_hex(&ies, ies_hex);
        buf_u8(b, ies_hex ? 0x44 : 0x04);
        buf_hex(b, oa_hex);
        buf_u8(b, 0x00);
        buf_u8(b, dcs);
        buf_hex(b, "42 10 20 30 40 50 00");
        buf_u8(b, (uint8_t) ((ies_hex ? 1 + ies.n : 0) + plen));
        if (ies_hex) {
                buf_u8(b, (uint8_t) ies.n);
                memcpy(b->b + b->n, ies.b, ies.n);
                b->n += ies.n;
        }
        for (size_t i = 0; i < plen; i++)
                buf_u8(b, fill);
}

/* A 10-digit international sender +49170000NN (NN = 00..99), as TP-OA hex. */
static const char *sender_hex(unsigned nn, char out[32]) {
        snprintf(out, 32, "0A 91 94 71 00 00 %X%X", nn % 10U, nn / 10U % 10U);
        return out;
}

/* Ports 2948/9200 plus an 8-bit concatenation IE. */
static const char *concat_ies(uint8_t ref, uint8_t total, uint8_t seq, char out[64]) {
        snprintf(out, 64, "05 04 0B 84 23 F0 00 03 %02X %02X %02X", ref, total, seq);
        return out;
}

static SmsDeliver parse_ok(const Buf *b) {
        SmsDeliver d;
        DecodeError e = {};

        ck_assert_int_eq(sms_parse_deliver(b->b, b->n, &d, &e), 0);
        ck_assert_ptr_null(e.layer);
        return d;
}

/* Build one segment from sender nn (ports + 8-bit concat) and feed it. */
static int add_seg(SmsReassembler *r, unsigned nn, uint8_t ref, uint8_t total, uint8_t seq, size_t plen,
                   uint64_t now, SmsDatagram **ret) {
        char s[32], c[64];
        Buf b;
        SmsDeliver d;

        mk_tpdu(&b, sender_hex(nn, s), 0x04, concat_ies(ref, total, seq, c), plen, seq);
        d = parse_ok(&b);
        return sms_reasm_add(r, &d, now, ret);
}

static SmsReassembler *reasm(const SmsReasmLimits *l) {
        SmsReassembler *r = NULL;

        ck_assert_int_eq(sms_reasm_new(&r, l), 0);
        ck_assert_ptr_nonnull(r);
        return r;
}

/* A sentinel that no successful call could produce: *ret must stay untouched unless 1 is returned. */
#define NO_DG ((SmsDatagram *) (uintptr_t) 0x1)

/* ---- SMS-DELIVER decoding --------------------------------------------------------------- */

START_TEST(test_parse_tv_a) {
        Buf b = {};
        SmsDeliver d;

        buf_hex(&b, tv_a_hex);
        ck_assert_uint_eq(b.n, 97);
        d = parse_ok(&b);
        ck_assert_uint_eq(d.first_octet, 0x44);
        ck_assert(d.udhi);
        ck_assert_str_eq(d.oa, "+4917012345");
        ck_assert_uint_eq(d.oa_toa, 0x91);
        ck_assert_uint_eq(d.pid, 0x00);
        ck_assert_uint_eq(d.dcs, 0x04);
        ck_assert(d.dcs_8bit);
        ck_assert_uint_eq(d.scts.year, 24);
        ck_assert_uint_eq(d.scts.month, 1);
        ck_assert_uint_eq(d.scts.day, 2);
        ck_assert_uint_eq(d.scts.hour, 3);
        ck_assert_uint_eq(d.scts.minute, 4);
        ck_assert_uint_eq(d.scts.second, 5);
        ck_assert_int_eq(d.scts.tz_quarters, 0);
        ck_assert_uint_eq(d.udl, 79);
        ck_assert(!d.has_concat);
        ck_assert(d.has_ports);
        ck_assert(d.ports_16bit);
        ck_assert_uint_eq(d.dst_port, 2948);
        ck_assert_uint_eq(d.src_port, 9200);
        /* 18 header octets + UDHL + 6 octets of UDH: the WSP PDU starts at offset 25. */
        ck_assert_ptr_eq(d.payload, b.b + 25);
        ck_assert_uint_eq(d.payload_len, 72);
        ck_assert_uint_eq(d.payload[0], 0x01); /* TID */
        ck_assert_uint_eq(d.payload[1], 0x06); /* Push */
}
END_TEST

START_TEST(test_parse_tv_b) {
        Buf b1 = {}, b2 = {};
        SmsDeliver d1, d2;

        buf_hex(&b1, tv_b1_hex);
        buf_hex(&b2, tv_b2_hex);
        d1 = parse_ok(&b1);
        d2 = parse_ok(&b2);
        ck_assert_uint_eq(d1.udl, 140);
        ck_assert_uint_eq(d2.udl, 76);
        for (int i = 0; i < 2; i++) {
                const SmsDeliver *d = i ? &d2 : &d1;

                ck_assert_str_eq(d->oa, "+4917012345");
                ck_assert(d->has_concat);
                ck_assert(!d->concat_16bit);
                ck_assert_uint_eq(d->concat_ref, 0x5A);
                ck_assert_uint_eq(d->concat_total, 2);
                ck_assert_uint_eq(d->concat_seq, i + 1);
                ck_assert(d->has_ports && d->ports_16bit);
                ck_assert_uint_eq(d->dst_port, 2948);
                ck_assert_uint_eq(d->src_port, 9200);
        }
        ck_assert_uint_eq(d1.payload_len, 128);
        ck_assert_uint_eq(d2.payload_len, 64);
        ck_assert_ptr_eq(d1.payload, b1.b + 30);
        ck_assert_ptr_eq(d2.payload, b2.b + 30);
}
END_TEST

START_TEST(test_parse_truncated_every_prefix) {
        Buf b = {};

        buf_hex(&b, tv_a_hex);
        for (size_t n = 0; n < b.n; n++) {
                SmsDeliver d, orig;
                DecodeError e = {};

                memset(&d, 0xA5, sizeof d);
                orig = d;
                ck_assert_int_eq(sms_parse_deliver(b.b, n, &d, &e), -EBADMSG);
                ck_assert_int_eq(memcmp(&d, &orig, sizeof d), 0); /* outputs only on success */
                ck_assert_str_eq(e.layer, "sms");
                ck_assert_ptr_nonnull(e.reason);
                ck_assert_uint_le(e.offset, n);
        }
}
END_TEST

START_TEST(test_parse_trailing_octet) {
        Buf b = {};
        SmsDeliver d;
        DecodeError e = {};

        buf_hex(&b, tv_a_hex);
        buf_u8(&b, 0x00);
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 97);
        ck_assert_str_eq(e.reason, "octets after TP-UD");
}
END_TEST

START_TEST(test_parse_not_deliver) {
        /* 23.040 9.2.3.1: TP-MTI 01 SUBMIT-REPORT, 10 STATUS-REPORT, 11 reserved. */
        for (uint8_t mti = 1; mti <= 3; mti++) {
                Buf b = {};
                SmsDeliver d;
                DecodeError e = {};

                buf_hex(&b, tv_a_hex);
                b.b[0] = (uint8_t) (0x40 | mti);
                ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), -EOPNOTSUPP);
                ck_assert_uint_eq(e.offset, 0);
        }
}
END_TEST

START_TEST(test_addr_forms) {
        static const struct {
                const char *oa_hex;
                int r;
                const char *text;
        } t[] = {
                { "0A 91 9471103254", 0, "+4917012345" },
                { "0A 81 9471103254", 0, "4917012345" },         /* unknown TON: no '+' */
                { "05 91 2143F5", 0, "+12345" },                 /* odd count, F filler */
                { "05 91 214305", 0, "+12345" },                 /* the filler nibble is not read */
                { "06 81 BADCFE", -EBADMSG, NULL },              /* F inside the counted digits */
                { "06 81 BADC0E", 0, "*#abc0" },                 /* 24.008 10.5.4.7 extra digits */
                { "00 91", 0, "" },                              /* empty address */
                { "0D D0 D432BBBC7EB701", 0, "Telekom" },        /* 23.040 9.1.2.5 alphanumeric */
                /* A £ Δ LF ESC-€ @: controls become '?', the rest is printable UTF-8 */
                { "0D D0 C10044B1290300", 0, "A\xC2\xA3\xCE\x94?\xE2\x82\xAC@" },
                { "02 D0 1B", 0, "?" },                          /* one septet: a dangling ESC */
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                Buf b;
                SmsDeliver d;
                DecodeError e = {};

                mk_tpdu(&b, t[i].oa_hex, 0x04, NULL, 1, 0xAA);
                ck_assert_msg(sms_parse_deliver(b.b, b.n, &d, &e) == t[i].r, "row %zu", i);
                if (t[i].r == 0) {
                        ck_assert_str_eq(d.oa, t[i].text);
                        ck_assert_uint_eq(d.payload_len, 1);
                } else
                        ck_assert_str_eq(e.reason, "filler digit inside address");
        }
}
END_TEST

START_TEST(test_addr_digits_max) {
        Buf b;
        SmsDeliver d;
        DecodeError e = {};

        /* SMS_ADDR_DIGITS_MAX = 20: at the limit. */
        ck_assert_uint_eq(SMS_ADDR_DIGITS_MAX, 20);
        mk_tpdu(&b, "14 91 10325476981032547698", 0x04, NULL, 1, 0);
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), 0);
        ck_assert_str_eq(d.oa, "+01234567890123456789");
        /* 21 digits: past it (23.040 9.1.2.5: 12 octets at most). */
        mk_tpdu(&b, "15 91 10325476981032547698F1", 0x04, NULL, 1, 0);
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 1);
        ck_assert_str_eq(e.reason, "originating address longer than 20 digits");

        /* Alphanumeric: 20 semi-octets = 11 septets at the limit, 21 past it. */
        mk_tpdu(&b, "14 D0 C16030180C0683C16010", 0x04, NULL, 1, 0);
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, FRESH(e)), 0);
        ck_assert_str_eq(d.oa, "AAAAAAAAAAA");
        mk_tpdu(&b, "15 D0 C16030180C0683C1603008", 0x04, NULL, 1, 0);
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, FRESH(e)), -EBADMSG);
        ck_assert_uint_eq(e.offset, 1);
}
END_TEST

START_TEST(test_dcs_table) {
        /* docs/wire-notes.md §1.2 / 23.038 4: 8-bit detection and the unit of TP-UDL. */
        static const struct {
                uint8_t dcs;
                bool eight_bit, septets;
        } t[] = {
                { 0x04, true, false },  { 0x14, true, false },  { 0x15, true, false },
                { 0x16, true, false },  { 0x17, true, false },  { 0x44, true, false },
                { 0x55, true, false },  { 0xF4, true, false },  { 0xF5, true, false },
                { 0xF6, true, false },  { 0xF7, true, false },  { 0xFC, true, false },  /* bit 3 ignored */
                { 0x00, false, true },  { 0x10, false, true },  { 0x0C, false, true },  /* 11: reserved */
                { 0xF0, false, true },  { 0xF1, false, true },  { 0x84, false, true },  /* 10xx: reserved */
                { 0xB4, false, true },  { 0xC4, false, true },  { 0xD4, false, true },  /* MWI GSM 7-bit */
                { 0x08, false, false }, { 0x18, false, false }, { 0xE4, false, false }, /* UCS2 */
                { 0x24, false, false }, /* compressed 8-bit: not usable, UDL in octets */
                { 0x34, false, false }, { 0x64, false, false }, { 0x20, false, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                Buf b;
                SmsDeliver d;

                /* 7 octets of UD: UDL 7 for octets, 8 for septets (8 * 7 bits = 7 octets). */
                mk_tpdu(&b, "0A 91 9471103254", t[i].dcs, NULL, 7, 0x11);
                if (t[i].septets)
                        b.b[b.n - 8] = 8;
                ck_assert_msg(sms_parse_deliver(b.b, b.n, &d, NULL) == 0, "dcs %02x", t[i].dcs);
                ck_assert_msg(d.dcs_8bit == t[i].eight_bit, "dcs %02x", t[i].dcs);
                ck_assert_uint_eq(d.payload_len, 7);
                ck_assert_uint_eq(d.dcs, t[i].dcs);
        }
}
END_TEST

START_TEST(test_scts) {
        static const struct {
                const char *hex;
                int r;
                int8_t tz;
        } t[] = {
                { "42 10 20 30 40 50 00", 0, 0 },
                { "42 10 20 30 40 50 80", 0, 8 },     /* +2 h */
                { "42 10 20 30 40 50 88", 0, -8 },    /* sign bit 3 of the first semi-octet */
                { "42 10 20 30 40 50 2A", 0, -22 },
                { "42 10 20 30 40 50 97", 0, 79 },    /* largest two-digit magnitude */
                { "99 21 13 32 95 95 00", 0, 0 },     /* 99-12-31 23:59:59 */
                { "4A 10 20 30 40 50 00", -EBADMSG, 0 }, /* non-decimal digit */
                { "42 31 20 30 40 50 00", -EBADMSG, 0 }, /* month 13 */
                { "42 10 23 30 40 50 00", -EBADMSG, 0 }, /* day 32 */
                { "42 10 20 42 40 50 00", -EBADMSG, 0 }, /* hour 24 */
                { "42 10 20 30 06 50 00", -EBADMSG, 0 }, /* minute 60 */
                { "42 10 20 30 40 06 00", -EBADMSG, 0 }, /* second 60 */
                { "42 10 20 30 40 50 A0", -EBADMSG, 0 }, /* tz digit */
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                Buf b = {};
                SmsDeliver d;
                DecodeError e = {};

                buf_hex(&b, "04 0A 91 9471103254 00 04");
                buf_hex(&b, t[i].hex);
                buf_hex(&b, "01 AA");
                ck_assert_msg(sms_parse_deliver(b.b, b.n, &d, &e) == t[i].r, "row %zu", i);
                if (t[i].r == 0)
                        ck_assert_int_eq(d.scts.tz_quarters, t[i].tz);
                else
                        ck_assert_uint_ge(e.offset, 10);
        }
}
END_TEST

START_TEST(test_ud_octets_max) {
        Buf b;
        SmsDeliver d;
        DecodeError e = {};

        /* SMS_UD_OCTETS_MAX = 140 octets of 8-bit TP-UD: at the limit. */
        ck_assert_uint_eq(SMS_UD_OCTETS_MAX, 140);
        mk_tpdu(&b, "0A 91 9471103254", 0x04, NULL, 140, 0x5A);
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), 0);
        ck_assert_uint_eq(d.udl, 140);
        ck_assert_uint_eq(d.payload_len, 140);
        /* 141: past it, even when 141 octets follow. */
        mk_tpdu(&b, "0A 91 9471103254", 0x04, NULL, 141, 0x5A);
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 17);
        ck_assert_str_eq(e.reason, "TP-UDL over 140 octets");
}
END_TEST

START_TEST(test_ud_septets_max) {
        Buf b;
        SmsDeliver d;
        DecodeError e = {};
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        /* GSM 7-bit: 160 septets in 140 octets at the limit; not WDP, so reassembly refuses it. */
        mk_tpdu(&b, "0A 91 9471103254", 0x00, NULL, 140, 0x41);
        b.b[17] = 160;
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), 0);
        ck_assert(!d.dcs_8bit);
        ck_assert_uint_eq(d.payload_len, 140);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG);
        ck_assert_ptr_eq(dg, NO_DG);
        /* 161 septets: past it. */
        mk_tpdu(&b, "0A 91 9471103254", 0x00, NULL, 141, 0x41);
        b.b[17] = 161;
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), -EBADMSG);
        ck_assert_str_eq(e.reason, "TP-UDL over 160 septets");
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_ud_short) {
        Buf b;
        SmsDeliver d;
        DecodeError e = {};

        mk_tpdu(&b, "0A 91 9471103254", 0x04, NULL, 10, 0);
        b.n--; /* one octet less than TP-UDL says */
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 18);
        ck_assert_str_eq(e.reason, "TP-UD shorter than TP-UDL");
}
END_TEST

/* ---- User Data Header (docs/wire-notes.md §1.3) ---------------------------------------------- */

START_TEST(test_udh_rules) {
        static const struct {
                const char *ud;         /* UDHL, IEs, payload */
                bool concat, c16;
                uint16_t ref;
                uint8_t total, seq;
                bool ports, p16;
                uint16_t dst, src;
                size_t plen;
        } t[] = {
                { "06 05040B8423F0 AABB", false, false, 0, 0, 0, true, true, 2948, 9200, 2 },
                { "05 00035A0201 AABB", true, false, 0x5A, 2, 1, false, false, 0, 0, 2 },
                { "06 080401020301 AABB", true, true, 0x0102, 3, 1, false, false, 0, 0, 2 },
                /* total 0, seq 0, seq > total: that IE is ignored; seq == total is fine */
                { "05 00035A0001 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "05 00035A0200 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "05 00035A0203 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "06 080401020003 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "05 00035A0202 AA", true, false, 0x5A, 2, 2, false, false, 0, 0, 1 },
                /* the last valid occurrence wins; 8/16-bit forms are mutually exclusive */
                { "0A 00035A0201 00035B0302 AA", true, false, 0x5B, 3, 2, false, false, 0, 0, 1 },
                { "0B 00035A0201 080401020303 AA", true, true, 0x0102, 3, 3, false, false, 0, 0, 1 },
                { "0B 080401020303 00035A0201 AA", true, false, 0x5A, 2, 1, false, false, 0, 0, 1 },
                { "0A 00035A0201 00035B0300 AA", true, false, 0x5A, 2, 1, false, false, 0, 0, 1 },
                { "06 00045A020100 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 }, /* wrong IE length */
                /* 8-bit ports: 0-239 reserved (dst or src) */
                { "04 0402F0F1 AA", false, false, 0, 0, 0, true, false, 240, 241, 1 },
                { "04 0402EFF0 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "04 0402F0EF AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "05 040300F0F0 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                /* 16-bit ports: dst above 49151 ignored, src unrestricted */
                { "06 0504BFFFFFFF AA", false, false, 0, 0, 0, true, true, 49151, 65535, 1 },
                { "06 0504C0000B84 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "0A 0402F0F0 05040B840B84 AA", false, false, 0, 0, 0, true, true, 2948, 2948, 1 },
                { "0A 05040B840B84 0402F5F6 AA", false, false, 0, 0, 0, true, false, 245, 246, 1 },
                { "0C 05040B840B84 0504C0000000 AA", false, false, 0, 0, 0, true, true, 2948, 2948, 1 },
                /* unknown and empty IEs are skipped */
                { "09 240101 05040B840B84 AA", false, false, 0, 0, 0, true, true, 2948, 2948, 1 },
                { "02 2200 AABB", false, false, 0, 0, 0, false, false, 0, 0, 2 },
                { "00 AABB", false, false, 0, 0, 0, false, false, 0, 0, 2 },
                /* IE lengths that do not add up to UDHL: the entire UDH is ignored (23.040 9.2.3.24),
                 * including the valid IEs before the bad one; the payload still starts after UDHL */
                { "06 05050B8423F0 AABB", false, false, 0, 0, 0, false, false, 0, 0, 2 },
                { "07 05040B8423F0 00 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "0C 00035A0201 05040B8423F0 05 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                { "01 00 AA", false, false, 0, 0, 0, false, false, 0, 0, 1 },
                /* UDH fills TP-UD: an empty payload is not an error here */
                { "06 05040B8423F0", false, false, 0, 0, 0, true, true, 2948, 9200, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                Buf b = {}, ud = {};
                SmsDeliver d;

                buf_hex(&ud, t[i].ud);
                buf_hex(&b, "44 0A 91 9471103254 00 04 42102030405000");
                buf_u8(&b, (uint8_t) ud.n);
                memcpy(b.b + b.n, ud.b, ud.n);
                b.n += ud.n;
                ck_assert_msg(sms_parse_deliver(b.b, b.n, &d, NULL) == 0, "row %zu", i);
                ck_assert_msg(d.has_concat == t[i].concat, "row %zu concat", i);
                if (d.has_concat) {
                        ck_assert_msg(d.concat_16bit == t[i].c16, "row %zu", i);
                        ck_assert_uint_eq(d.concat_ref, t[i].ref);
                        ck_assert_uint_eq(d.concat_total, t[i].total);
                        ck_assert_uint_eq(d.concat_seq, t[i].seq);
                }
                ck_assert_msg(d.has_ports == t[i].ports, "row %zu ports", i);
                if (d.has_ports) {
                        ck_assert_msg(d.ports_16bit == t[i].p16, "row %zu", i);
                        ck_assert_uint_eq(d.dst_port, t[i].dst);
                        ck_assert_uint_eq(d.src_port, t[i].src);
                }
                ck_assert_msg(d.payload_len == t[i].plen, "row %zu plen %zu", i, d.payload_len);
                ck_assert_ptr_eq(d.payload + d.payload_len, b.b + b.n);
        }
}
END_TEST

START_TEST(test_udh_bad_udhl) {
        Buf b = {};
        SmsDeliver d;
        DecodeError e = {};

        /* UDHL 7 with 7 octets left: the header would run past TP-UD. */
        buf_hex(&b, "44 0A 91 9471103254 00 04 42102030405000 07 07 05040B8423F0");
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, &e), -EBADMSG);
        ck_assert_uint_eq(e.offset, 18);
        ck_assert_str_eq(e.reason, "UDHL past the end of TP-UD");

        /* TP-UDHI with an empty TP-UD. */
        b.n = 0;
        buf_hex(&b, "44 0A 91 9471103254 00 04 42102030405000 00");
        ck_assert_int_eq(sms_parse_deliver(b.b, b.n, &d, FRESH(e)), -EBADMSG);
        ck_assert_str_eq(e.reason, "TP-UDHI set but TP-UD empty");
}
END_TEST

/* ---- SMSC prefix ------------------------------------------------------------------------ */

START_TEST(test_smsc_strip) {
        Buf b = {};
        DecodeError e = {};
        SmsDeliver d;

        buf_hex(&b, "07 91 44 77 58 10 06 50");
        buf_hex(&b, tv_a_hex);
        ck_assert_int_eq(sms_strip_smsc(b.b, b.n, &e), 8);
        ck_assert_int_eq(sms_parse_deliver(b.b + 8, b.n - 8, &d, &e), 0);
        ck_assert_str_eq(d.oa, "+4917012345");

        b.n = 0;
        buf_hex(&b, "00 44");
        ck_assert_int_eq(sms_strip_smsc(b.b, b.n, &e), 1); /* no SMSC */

        /* SMS_SMSC_OCTETS_MAX = 12 octets including the length octet: at the limit, then past it. */
        ck_assert_uint_eq(SMS_SMSC_OCTETS_MAX, 12);
        b.n = 0;
        buf_hex(&b, "0B 91 11111111111111111111 04");
        ck_assert_int_eq(sms_strip_smsc(b.b, b.n, &e), 12);
        b.n = 0;
        buf_hex(&b, "0C 91 1111111111111111111111 04");
        ck_assert_int_eq(sms_strip_smsc(b.b, b.n, &e), -EBADMSG);
        ck_assert_str_eq(e.reason, "SMSC address longer than 11 octets");

        ck_assert_int_eq(sms_strip_smsc(b.b, 0, FRESH(e)), -EBADMSG);
        ck_assert_str_eq(e.reason, "empty PDU");
        b.n = 0;
        buf_hex(&b, "07 91 44 77 58 10 06");
        ck_assert_int_eq(sms_strip_smsc(b.b, b.n, FRESH(e)), -EBADMSG);
        ck_assert_str_eq(e.reason, "truncated SMSC address");
        b.n = 0;
        buf_hex(&b, "07 91 44 77 58 10 06 50");
        ck_assert_int_eq(sms_strip_smsc(b.b, b.n, FRESH(e)), -EBADMSG);
        ck_assert_str_eq(e.reason, "no TPDU after the SMSC address");
        ck_assert_uint_eq(e.offset, 8);
}
END_TEST

/* ---- test data files --------------------------------------------------------------------- */

/* Read a hex file, one PDU per line, strip the SMSC when asked, reassemble in file order. */
static SmsDatagram *reasm_file(const char *path, bool smsc, unsigned *ret_lines) {
        size_t n;
        uint8_t *text = tu_read_file(path, &n);
        char *s = calloc(1, n + 1), *save = NULL;
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NULL;
        unsigned lines = 0;

        ck_assert_ptr_nonnull(s);
        memcpy(s, text, n);
        for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t m;
                uint8_t *pdu = tu_unhex(line, &m);
                SmsDeliver d;
                int skip = 0, k;

                if (smsc) {
                        skip = sms_strip_smsc(pdu, m, NULL);
                        ck_assert_int_eq(skip, 8);
                }
                ck_assert_int_eq(sms_parse_deliver(pdu + skip, m - (size_t) skip, &d, NULL), 0);
                k = sms_reasm_add(r, &d, T0 + lines, &dg);
                lines++;
                free(pdu); /* the reassembler keeps its own copy */
                ck_assert_int_ge(k, 0);
        }
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        sms_reasm_free(r);
        free(s);
        free(text);
        *ret_lines = lines;
        return dg;
}

static void check_tv_b_datagram(const SmsDatagram *dg) {
        Buf b1 = {}, b2 = {};

        buf_hex(&b1, tv_b1_hex);
        buf_hex(&b2, tv_b2_hex);
        ck_assert_ptr_nonnull(dg);
        ck_assert_uint_eq(dg->size, 192); /* docs/wire-notes.md §2.8: reassembled WSP length */
        ck_assert_uint_eq(dg->n_segments, 2);
        ck_assert_int_eq(memcmp(dg->data, b1.b + 30, 128), 0);
        ck_assert_int_eq(memcmp(dg->data + 128, b2.b + 30, 64), 0);
        ck_assert_uint_eq(dg->data[0], 0x01);
        ck_assert_uint_eq(dg->data[1], 0x06);
        ck_assert_uint_eq(dg->data[8], 0x92); /* MAC parameter */
        ck_assert_int_eq(memcmp(dg->data + 9, "C683726BD6B25CCEBE45F529EF5C90D97D9F39B6", 40), 0);
        ck_assert_str_eq(dg->sender, "+4917012345");
        ck_assert_uint_eq(dg->sender_toa, 0x91);
        ck_assert(dg->has_ports);
        ck_assert_uint_eq(dg->dst_port, 2948);
        ck_assert_uint_eq(dg->src_port, 9200);
}

START_TEST(test_data_tv_a_file) {
        unsigned lines;
        SmsDatagram *dg = reasm_file("tests/data/tv-a-userpin.sms.hex", false, &lines);
        Buf b = {};

        buf_hex(&b, tv_a_hex);
        ck_assert_uint_eq(lines, 1);
        ck_assert_ptr_nonnull(dg);
        ck_assert_uint_eq(dg->size, 72);
        ck_assert_int_eq(memcmp(dg->data, b.b + 25, 72), 0);
        sms_datagram_free(dg);
}
END_TEST

START_TEST(test_data_tv_b_file) {
        unsigned lines;
        SmsDatagram *dg = reasm_file("tests/data/tv-b-netwpin.sms.hex", false, &lines);

        ck_assert_uint_eq(lines, 2);
        check_tv_b_datagram(dg);
        sms_datagram_free(dg);
}
END_TEST

START_TEST(test_data_tv_b_cmt_file) {
        unsigned lines;
        SmsDatagram *dg = reasm_file("tests/data/tv-b-netwpin.cmt.hex", true, &lines);

        ck_assert_uint_eq(lines, 2);
        check_tv_b_datagram(dg);
        sms_datagram_free(dg);
}
END_TEST

/* ---- reassembly (docs/wire-notes.md §1.6) ------------------------------------------------------ */

START_TEST(test_reasm_tv_a) {
        Buf b = {};
        SmsDeliver d;
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        buf_hex(&b, tv_a_hex);
        d = parse_ok(&b);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), 1);
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        ck_assert_uint_eq(dg->size, 72);
        ck_assert_int_eq(memcmp(dg->data, d.payload, 72), 0);
        ck_assert_ptr_ne(dg->data, d.payload); /* a copy, not a borrow */
        ck_assert_uint_eq(dg->n_segments, 1);
        ck_assert_str_eq(dg->sender, "+4917012345");
        ck_assert_uint_eq(dg->dst_port, 2948);
        ck_assert_uint_eq(dg->src_port, 9200);
        ck_assert_uint_eq(dg->scts.second, 5);
        sms_datagram_free(dg);
        sms_reasm_free(r);
}
END_TEST

static void feed_tv_b(bool seg2_first) {
        Buf b1 = {}, b2 = {};
        SmsDeliver d1, d2;
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        buf_hex(&b1, tv_b1_hex);
        buf_hex(&b2, tv_b2_hex);
        b2.b[15] = 0x90; /* segment 2 stamped 03:04:09: the datagram carries segment 1's time */
        d1 = parse_ok(&b1);
        d2 = parse_ok(&b2);
        ck_assert_int_eq(sms_reasm_add(r, seg2_first ? &d2 : &d1, T0, &dg), 0);
        ck_assert_ptr_eq(dg, NO_DG);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        ck_assert_int_eq(sms_reasm_add(r, seg2_first ? &d1 : &d2, T0 + 1000, &dg), 1);
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        check_tv_b_datagram(dg);
        ck_assert_uint_eq(dg->scts.second, 5);
        sms_datagram_free(dg);
        sms_reasm_free(r);
}

START_TEST(test_reasm_tv_b) {
        feed_tv_b(false);
}
END_TEST

START_TEST(test_reasm_out_of_order) {
        feed_tv_b(true);
}
END_TEST

START_TEST(test_reasm_out_of_order_many) {
        /* Five segments arriving 3 5 1 4 2 join in seq order. */
        static const uint8_t order[] = { 3, 5, 1, 4, 2 };
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                ck_assert_int_eq(add_seg(r, 1, 0x77, 5, order[i], 10, T0, &dg), i + 1 == ELEMENTSOF(order));
        ck_assert_uint_eq(dg->size, 50);
        for (size_t i = 0; i < 50; i++)
                ck_assert_uint_eq(dg->data[i], i / 10 + 1); /* add_seg fills with the seq */
        sms_datagram_free(dg);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_reasm_duplicate) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        Buf b1 = {}, b1x = {}, b2 = {};
        SmsDeliver d1, d1x, d2;

        buf_hex(&b1, tv_b1_hex);
        buf_hex(&b2, tv_b2_hex);
        b1x = b1;
        memset(b1x.b + 30, 0x58, 128); /* same key and seq, substituted payload */
        d1 = parse_ok(&b1);
        d1x = parse_ok(&b1x);
        d2 = parse_ok(&b2);

        ck_assert_int_eq(sms_reasm_add(r, &d1, T0, &dg), 0);
        ck_assert_int_eq(sms_reasm_add(r, &d1x, T0 + 1, &dg), -EEXIST);
        ck_assert_int_eq(sms_reasm_add(r, &d1, T0 + 2, &dg), -EEXIST); /* identical copy too */
        ck_assert_ptr_eq(dg, NO_DG);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        ck_assert_int_eq(sms_reasm_add(r, &d2, T0 + 3, &dg), 1);
        check_tv_b_datagram(dg); /* the first copy was kept, not the substitute */
        sms_datagram_free(dg);
        sms_reasm_free(r);
}
END_TEST

static void conflict_case(const char *ies2, uint8_t dcs2) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        char s[32];
        Buf b;
        SmsDeliver d;

        ck_assert_int_eq(add_seg(r, 1, 0x10, 3, 1, 20, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 1, 0x10, 3, 3, 20, T0, &dg), 0);
        mk_tpdu(&b, sender_hex(1, s), dcs2, ies2, 20, 2);
        d = parse_ok(&b);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EPROTO);
        ck_assert_uint_eq(sms_reasm_pending(r), 0); /* the whole group is gone */
        ck_assert_ptr_eq(dg, NO_DG);
        /* The well-formed seq 2 now starts a new group instead of completing anything. */
        ck_assert_int_eq(add_seg(r, 1, 0x10, 3, 2, 20, T0, &dg), 0);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        sms_reasm_free(r);
}

START_TEST(test_reasm_conflict_ports) {
        conflict_case("05 04 0B 84 23 F1 00 03 10 03 02", 0x04); /* src 9201 */
}
END_TEST

START_TEST(test_reasm_conflict_no_ports) {
        conflict_case("00 03 10 03 02", 0x04);
}
END_TEST

START_TEST(test_reasm_conflict_port_width) {
        /* 8-bit port IE where the group has 16-bit ones */
        conflict_case("04 02 F5 F5 00 03 10 03 02", 0x04);
}
END_TEST

START_TEST(test_reasm_conflict_dcs) {
        conflict_case("05 04 0B 84 23 F0 00 03 10 03 02", 0xF5); /* 8-bit too, but another DCS */
}
END_TEST

START_TEST(test_reasm_conflict_duplicate) {
        /* A conflicting copy of a stored seq drops the group too (conflict is checked first). */
        conflict_case("05 04 0B 84 23 F1 00 03 10 03 01", 0x04);
}
END_TEST

START_TEST(test_reasm_missing_timeout) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        ck_assert_int_eq(add_seg(r, 1, 0x20, 3, 1, 10, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 1, 0x20, 3, 2, 10, T0 + 1, &dg), 0);
        /* seq 3 never comes: the group is held only until its age passes the limit */
        ck_assert_uint_eq(sms_reasm_expire(r, T0 + SMS_REASM_AGE_MAX_USEC), 0);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        ck_assert_uint_eq(sms_reasm_expire(r, T0 + SMS_REASM_AGE_MAX_USEC + 1), 1);
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        ck_assert_uint_eq(sms_reasm_expire(r, T0 + SMS_REASM_AGE_MAX_USEC + 2), 0);
        /* a late seq 3 starts a new partial group rather than completing the expired one */
        ck_assert_int_eq(add_seg(r, 1, 0x20, 3, 3, 10, T0 + SMS_REASM_AGE_MAX_USEC + 3, &dg), 0);
        ck_assert_ptr_eq(dg, NO_DG);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        sms_reasm_free(r); /* frees the partial group (leak-checked under ASan) */
}
END_TEST

START_TEST(test_reasm_clock_backwards) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        ck_assert_int_eq(add_seg(r, 1, 0x21, 2, 1, 10, T0, &dg), 0);
        /* The clock steps back: the group's lifetime restarts from the earlier time. */
        ck_assert_uint_eq(sms_reasm_expire(r, T0 - 5000000), 0);
        ck_assert_uint_eq(sms_reasm_expire(r, T0 - 5000000 + SMS_REASM_AGE_MAX_USEC), 0);
        ck_assert_uint_eq(sms_reasm_expire(r, T0 - 5000000 + SMS_REASM_AGE_MAX_USEC + 1), 1);
        sms_reasm_free(r);
}
END_TEST

/* A segment whose concat IE is ignored by the UDH rules is a whole message by itself. */
static void ignored_concat_case(const char *ies) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        char s[32];
        Buf b;
        SmsDeliver d;

        mk_tpdu(&b, sender_hex(1, s), 0x04, ies, 30, 0x33);
        d = parse_ok(&b);
        ck_assert(!d.has_concat);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), 1);
        ck_assert_uint_eq(dg->size, 30);
        ck_assert_uint_eq(dg->n_segments, 1);
        ck_assert(dg->has_ports);
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        sms_datagram_free(dg);
        sms_reasm_free(r);
}

START_TEST(test_reasm_seq_zero) {
        ignored_concat_case("05 04 0B 84 23 F0 00 03 5A 02 00");
}
END_TEST

START_TEST(test_reasm_seq_past_total) {
        ignored_concat_case("05 04 0B 84 23 F0 00 03 5A 02 03");
}
END_TEST

START_TEST(test_reasm_total_zero) {
        ignored_concat_case("05 04 0B 84 23 F0 08 04 00 5A 00 00");
}
END_TEST

START_TEST(test_reasm_forged_segment) {
        /* A hand-made SmsDeliver (not from the parser) is checked again. */
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        uint8_t p[4] = { 1, 2, 3, 4 };
        SmsDeliver d = {
                .oa = "+1", .oa_toa = 0x91, .dcs = 0x04, .dcs_8bit = true, .has_concat = true,
                .concat_ref = 1, .concat_total = 2, .concat_seq = 0, .payload = p, .payload_len = 4,
        };

        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* seq 0 */
        d.concat_seq = 3;
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* seq > total */
        d.concat_total = 0;
        d.concat_seq = 1;
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* total 0 */
        d.concat_total = 1;
        d.concat_seq = 2;
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* seq 2 of 1 */
        d.concat_total = 2;
        d.concat_seq = 1;
        d.payload_len = 0;
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* no payload */
        d.payload_len = SMS_UD_OCTETS_MAX + 1;
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* longer than any TP-UD */
        d.payload_len = 4;
        d.dcs_8bit = false;
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* not 8-bit */
        d.dcs_8bit = true;
        memset(d.oa, 'x', sizeof d.oa);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG); /* unterminated sender */
        ck_assert_ptr_eq(dg, NO_DG);
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_reasm_empty_payload) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        Buf b = {};
        SmsDeliver d;

        buf_hex(&b, "44 0A 91 9471103254 00 04 42102030405000 07 06 05040B8423F0");
        d = parse_ok(&b);
        ck_assert_uint_eq(d.payload_len, 0);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -EBADMSG);
        ck_assert_ptr_eq(dg, NO_DG);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_reasm_mixed_ref_width) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        char s[32];
        Buf b;
        SmsDeliver d;

        ck_assert_int_eq(add_seg(r, 1, 0x5A, 2, 1, 10, T0, &dg), 0);
        /* The same reference 0x005A as a 16-bit IE is a different message. */
        mk_tpdu(&b, sender_hex(1, s), 0x04, "05 04 0B 84 23 F0 08 04 00 5A 02 02", 10, 2);
        d = parse_ok(&b);
        ck_assert(d.concat_16bit);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), 0);
        ck_assert_uint_eq(sms_reasm_pending(r), 2);
        ck_assert_ptr_eq(dg, NO_DG);
        ck_assert_int_eq(add_seg(r, 1, 0x5A, 2, 2, 10, T0, &dg), 1);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        sms_datagram_free(dg);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_reasm_key_parts) {
        /* Sender, TOA and total are part of the key too. */
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        char c[64];
        Buf b;
        SmsDeliver d;

        ck_assert_int_eq(add_seg(r, 1, 0x30, 2, 1, 10, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 2, 0x30, 2, 2, 10, T0, &dg), 0);          /* other sender */
        ck_assert_int_eq(add_seg(r, 1, 0x30, 3, 2, 10, T0, &dg), 0);          /* other total */
        mk_tpdu(&b, "0A 11 94 71 00 00 10", 0x04, concat_ies(0x30, 2, 2, c), 10, 2);
        d = parse_ok(&b);
        ck_assert_str_eq(d.oa, "+4917000001"); /* same text as sender 1, TOA 11 instead of 91 */
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), 0);
        ck_assert_uint_eq(sms_reasm_pending(r), 4);
        ck_assert_ptr_eq(dg, NO_DG);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_reasm_ref_reuse) {
        Buf b1 = {}, b2 = {};
        SmsDeliver d1, d2;
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NULL;

        buf_hex(&b1, tv_b1_hex);
        buf_hex(&b2, tv_b2_hex);
        d1 = parse_ok(&b1);
        d2 = parse_ok(&b2);
        ck_assert_int_eq(sms_reasm_add(r, &d1, T0, &dg), 0);
        ck_assert_int_eq(sms_reasm_add(r, &d2, T0, &dg), 1);
        dg = sms_datagram_free(dg);
        /* The completed group was deleted: the same ref is a new message, not a duplicate. */
        memset(b1.b + 30, 0x61, 128);
        ck_assert_int_eq(sms_reasm_add(r, &d1, T0 + 1, &dg), 0);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        ck_assert_int_eq(sms_reasm_add(r, &d2, T0 + 2, &dg), 1);
        ck_assert_uint_eq(dg->size, 192);
        ck_assert_uint_eq(dg->data[0], 0x61); /* the new message's bytes */
        sms_datagram_free(dg);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_reasm_no_ports) {
        /* Without a UDH at all: one whole message, no ports. */
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;
        Buf b;
        SmsDeliver d;

        mk_tpdu(&b, "0D D0 D432BBBC7EB701", 0xF5, NULL, 40, 0x01);
        d = parse_ok(&b);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), 1);
        ck_assert(!dg->has_ports);
        ck_assert_uint_eq(dg->dst_port, 0);
        ck_assert_str_eq(dg->sender, "Telekom");
        ck_assert_uint_eq(dg->sender_toa, 0xD0);
        ck_assert_uint_eq(dg->size, 40);
        sms_datagram_free(dg);
        sms_reasm_free(r);
}
END_TEST

/* ---- named limits: at the limit accepted, just past it rejected --------------------------- */

START_TEST(test_limit_groups) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        ck_assert_uint_eq(SMS_REASM_GROUPS_MAX, 16);
        for (unsigned i = 0; i < SMS_REASM_GROUPS_MAX; i++)
                ck_assert_int_eq(add_seg(r, i, 0x40, 2, 1, 10, T0, &dg), 0);
        ck_assert_uint_eq(sms_reasm_pending(r), SMS_REASM_GROUPS_MAX);
        ck_assert_int_eq(add_seg(r, 99, 0x40, 2, 1, 10, T0, &dg), -ENOSPC);
        ck_assert_uint_eq(sms_reasm_pending(r), SMS_REASM_GROUPS_MAX);
        /* Segments of groups already held still complete; that frees a place. */
        ck_assert_int_eq(add_seg(r, 0, 0x40, 2, 2, 10, T0, &dg), 1);
        dg = sms_datagram_free(dg);
        ck_assert_int_eq(add_seg(r, 99, 0x40, 2, 1, 10, T0, &dg), 0);
        /* A single-segment message needs no group and is never refused for room. */
        ck_assert_int_eq(add_seg(r, 98, 0x40, 1, 1, 10, T0, &dg), 1);
        sms_datagram_free(dg);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_limit_groups_per_sender) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        ck_assert_uint_eq(SMS_REASM_GROUPS_PER_SENDER_MAX, 4);
        for (unsigned i = 0; i < SMS_REASM_GROUPS_PER_SENDER_MAX; i++)
                ck_assert_int_eq(add_seg(r, 7, (uint8_t) i, 2, 1, 10, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 7, 0x80, 2, 1, 10, T0, &dg), -ENOSPC);
        ck_assert_uint_eq(sms_reasm_pending(r), SMS_REASM_GROUPS_PER_SENDER_MAX);
        ck_assert_int_eq(add_seg(r, 8, 0x80, 2, 1, 10, T0, &dg), 0); /* another sender still fits */
        ck_assert_ptr_eq(dg, NO_DG);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_limit_segments) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        /* total = 64 segments of 96 octets (6144 = the size cap too): at the limit. */
        ck_assert_uint_eq(SMS_REASM_SEGMENTS_MAX, 64);
        for (unsigned seq = 1; seq <= SMS_REASM_SEGMENTS_MAX; seq++)
                ck_assert_int_eq(add_seg(r, 1, 0x50, SMS_REASM_SEGMENTS_MAX, (uint8_t) seq, 96, T0, &dg),
                                 seq == SMS_REASM_SEGMENTS_MAX);
        ck_assert_uint_eq(dg->n_segments, 64);
        ck_assert_uint_eq(dg->size, 64 * 96);
        ck_assert_uint_eq(dg->data[64 * 96 - 1], 64);
        dg = sms_datagram_free(dg);
        /* total = 65: past it, whichever seq comes; nothing is stored. */
        dg = NO_DG;
        ck_assert_int_eq(add_seg(r, 1, 0x51, SMS_REASM_SEGMENTS_MAX + 1, 1, 10, T0, &dg), -E2BIG);
        ck_assert_int_eq(add_seg(r, 1, 0x51, SMS_REASM_SEGMENTS_MAX + 1, 65, 10, T0, &dg), -E2BIG);
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        ck_assert_ptr_eq(dg, NO_DG);
        sms_reasm_free(r);
}
END_TEST

/* Segments with an 8-bit concatenation IE only (UDH of 6 octets), so one can carry 134 octets. */
static int add_plain(SmsReassembler *r, uint8_t ref, uint8_t total, uint8_t seq, size_t plen,
                     SmsDatagram **dg) {
        char s[32], c[32];
        Buf b;
        SmsDeliver d;

        snprintf(c, sizeof c, "00 03 %02X %02X %02X", ref, total, seq);
        mk_tpdu(&b, sender_hex(3, s), 0x04, c, plen, seq);
        d = parse_ok(&b);
        return sms_reasm_add(r, &d, T0, dg);
}

START_TEST(test_limit_bytes) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        /* 47 * 128 + 128 = 6144 octets: at the limit. */
        ck_assert_uint_eq(SMS_REASM_BYTES_MAX, 6144);
        for (unsigned seq = 1; seq <= 47; seq++)
                ck_assert_int_eq(add_plain(r, 0x60, 48, (uint8_t) seq, 128, &dg), 0);
        ck_assert_int_eq(add_plain(r, 0x60, 48, 48, 128, &dg), 1);
        ck_assert_uint_eq(dg->size, SMS_REASM_BYTES_MAX);
        dg = sms_datagram_free(dg);
        /* 47 * 128 + 129 = 6145: past it; the group is dropped. */
        dg = NO_DG;
        for (unsigned seq = 1; seq <= 47; seq++)
                ck_assert_int_eq(add_plain(r, 0x61, 48, (uint8_t) seq, 128, &dg), 0);
        ck_assert_int_eq(add_plain(r, 0x61, 48, 48, 129, &dg), -E2BIG);
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        ck_assert_ptr_eq(dg, NO_DG);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_limit_age) {
        SmsReassembler *r = reasm(NULL);
        SmsDatagram *dg = NO_DG;

        ck_assert_uint_eq(SMS_REASM_AGE_MAX_USEC, 600000000ULL);
        /* The last segment arrives exactly age_max after the first: still assembled. */
        ck_assert_int_eq(add_seg(r, 1, 0x70, 2, 1, 10, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 1, 0x70, 2, 2, 10, T0 + SMS_REASM_AGE_MAX_USEC, &dg), 1);
        dg = sms_datagram_free(dg);
        /* One microsecond later: the first one expired, the second starts a new group. */
        dg = NO_DG;
        ck_assert_int_eq(add_seg(r, 1, 0x71, 2, 1, 10, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 1, 0x71, 2, 2, 10, T0 + SMS_REASM_AGE_MAX_USEC + 1, &dg), 0);
        ck_assert_ptr_eq(dg, NO_DG);
        ck_assert_uint_eq(sms_reasm_pending(r), 1);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_limit_custom) {
        /* Lowered limits are honoured, each at and past its value. */
        SmsReasmLimits l = {
                .groups_max = 2, .groups_per_sender_max = 1, .segments_max = 3, .bytes_max = 72,
                .age_max_usec = 10,
        };
        SmsReassembler *r = reasm(&l);
        SmsDatagram *dg = NO_DG;
        Buf b = {};
        SmsDeliver d;

        ck_assert_int_eq(add_seg(r, 1, 1, 3, 1, 10, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 1, 2, 3, 1, 10, T0, &dg), -ENOSPC);  /* per sender */
        ck_assert_int_eq(add_seg(r, 2, 1, 3, 1, 10, T0, &dg), 0);
        ck_assert_int_eq(add_seg(r, 3, 1, 3, 1, 10, T0, &dg), -ENOSPC);  /* global */
        ck_assert_int_eq(add_seg(r, 3, 1, 4, 1, 10, T0, &dg), -E2BIG);   /* segments */
        ck_assert_uint_eq(sms_reasm_expire(r, T0 + 10), 0);
        ck_assert_uint_eq(sms_reasm_expire(r, T0 + 11), 2);              /* age */

        /* bytes_max applies to single-segment messages too: TV-A is 72 octets. */
        buf_hex(&b, tv_a_hex);
        d = parse_ok(&b);
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), 1);
        dg = sms_datagram_free(dg);
        sms_reasm_free(r);

        l.bytes_max = 71;
        r = reasm(&l);
        dg = NO_DG;
        ck_assert_int_eq(sms_reasm_add(r, &d, T0, &dg), -E2BIG);
        ck_assert_int_eq(add_seg(r, 1, 1, 2, 1, 72, T0, &dg), -E2BIG); /* a first segment alone */
        ck_assert_uint_eq(sms_reasm_pending(r), 0);
        ck_assert_ptr_eq(dg, NO_DG);
        sms_reasm_free(r);
}
END_TEST

START_TEST(test_free_null) {
        ck_assert_ptr_null(sms_reasm_free(NULL));
        ck_assert_ptr_null(sms_datagram_free(NULL));
        ck_assert_uint_eq(sms_reasm_pending(NULL), 0);
}
END_TEST

/* One TCase per test, named by its path. */
static void tc(Suite *s, const char *name, const TTest *t) {
        TCase *c = tcase_create(name);

        tcase_add_test(c, t);
        suite_add_tcase(s, c);
}

int main(void) {
        Suite *s = suite_create("sms");

        tc(s, "/sms/parse/tv-a", test_parse_tv_a);
        tc(s, "/sms/parse/tv-b", test_parse_tv_b);
        tc(s, "/sms/parse/truncated", test_parse_truncated_every_prefix);
        tc(s, "/sms/parse/trailing-octet", test_parse_trailing_octet);
        tc(s, "/sms/parse/not-deliver", test_parse_not_deliver);
        tc(s, "/sms/addr/forms", test_addr_forms);
        tc(s, "/sms/limit/addr-digits", test_addr_digits_max);
        tc(s, "/sms/dcs/table", test_dcs_table);
        tc(s, "/sms/scts", test_scts);
        tc(s, "/sms/limit/ud-octets", test_ud_octets_max);
        tc(s, "/sms/limit/ud-septets", test_ud_septets_max);
        tc(s, "/sms/ud/short", test_ud_short);
        tc(s, "/sms/udh/rules", test_udh_rules);
        tc(s, "/sms/udh/bad-udhl", test_udh_bad_udhl);
        tc(s, "/sms/smsc/strip", test_smsc_strip);
        tc(s, "/sms/data/tv-a", test_data_tv_a_file);
        tc(s, "/sms/data/tv-b", test_data_tv_b_file);
        tc(s, "/sms/data/tv-b-cmt", test_data_tv_b_cmt_file);
        tc(s, "/sms/reasm/tv-a", test_reasm_tv_a);
        tc(s, "/sms/reasm/tv-b", test_reasm_tv_b);
        tc(s, "/sms/reasm/out-of-order", test_reasm_out_of_order);
        tc(s, "/sms/reasm/out-of-order-many", test_reasm_out_of_order_many);
        tc(s, "/sms/reasm/duplicate", test_reasm_duplicate);
        tc(s, "/sms/reasm/conflict-ports", test_reasm_conflict_ports);
        tc(s, "/sms/reasm/conflict-no-ports", test_reasm_conflict_no_ports);
        tc(s, "/sms/reasm/conflict-port-width", test_reasm_conflict_port_width);
        tc(s, "/sms/reasm/conflict-dcs", test_reasm_conflict_dcs);
        tc(s, "/sms/reasm/conflict-duplicate", test_reasm_conflict_duplicate);
        tc(s, "/sms/reasm/missing-timeout", test_reasm_missing_timeout);
        tc(s, "/sms/reasm/clock-backwards", test_reasm_clock_backwards);
        tc(s, "/sms/reasm/seq-zero", test_reasm_seq_zero);
        tc(s, "/sms/reasm/seq-past-total", test_reasm_seq_past_total);
        tc(s, "/sms/reasm/total-zero", test_reasm_total_zero);
        tc(s, "/sms/reasm/forged-segment", test_reasm_forged_segment);
        tc(s, "/sms/reasm/empty-payload", test_reasm_empty_payload);
        tc(s, "/sms/reasm/mixed-ref-width", test_reasm_mixed_ref_width);
        tc(s, "/sms/reasm/key-parts", test_reasm_key_parts);
        tc(s, "/sms/reasm/ref-reuse", test_reasm_ref_reuse);
        tc(s, "/sms/reasm/no-ports", test_reasm_no_ports);
        tc(s, "/sms/limit/groups", test_limit_groups);
        tc(s, "/sms/limit/groups-per-sender", test_limit_groups_per_sender);
        tc(s, "/sms/limit/segments", test_limit_segments);
        tc(s, "/sms/limit/bytes", test_limit_bytes);
        tc(s, "/sms/limit/age", test_limit_age);
        tc(s, "/sms/limit/custom", test_limit_custom);
        tc(s, "/sms/free-null", test_free_null);
        return tu_run(s);
}
