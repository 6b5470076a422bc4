/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sms.c: the SMS layer of the push path. Decodes one SMS-DELIVER TPDU (3GPP TS 23.040 9.2.2.1)
 * through the bounded Cursor: originating address (BCD or packed GSM 7-bit alphanumeric, always
 * rendered printable), PID, DCS (23.038 4), SCTS, TP-UDL and the User Data Header IEs that carry
 * WDP (concatenation 0x00/0x08, application ports 0x04/0x05, validated as oFono does). Also
 * strips the SMSC prefix of +CMT PDUs, and reassembles concatenated segments in a bounded
 * state machine (docs/wire-notes.md §1.6) driven by the caller's clock. No I/O, no globals, no logging.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "sms.h"

#define SMS_LAYER "sms"

/* 23.040 9.2.3.24: IEIs we interpret; any other IE is skipped by its length. */
#define SMS_IEI_CONCAT_8BIT 0x00
#define SMS_IEI_PORTS_8BIT 0x04
#define SMS_IEI_PORTS_16BIT 0x05
#define SMS_IEI_CONCAT_16BIT 0x08

/* 23.040 9.1.2.5: type-of-number 101 = alphanumeric (packed GSM 7-bit), 001 = international. */
#define SMS_TON_MASK 0x70
#define SMS_TON_INTERNATIONAL 0x10
#define SMS_TON_ALPHANUMERIC 0x50

/* 23.040 9.2.3.24.3: 8-bit ports 0-239 are reserved. */
#define SMS_PORT8_MIN 240U
/* docs/wire-notes.md §1.3 (oFono): 16-bit destination ports above 49151 are ignored. */
#define SMS_PORT16_DST_MAX 49151U

/* Longest alphanumeric address: 20 semi-octets = 80 bits = 11 septets; each renders to <= 3 octets. */
#define SMS_ALNUM_CHARS_MAX (SMS_ADDR_DIGITS_MAX * 4U / 7U)
_Static_assert(SMS_ALNUM_CHARS_MAX * 3U + 1U <= SMS_ADDR_TEXT_SIZE, "alphanumeric address must fit");
_Static_assert(SMS_ADDR_DIGITS_MAX + 2U <= SMS_ADDR_TEXT_SIZE, "numeric address must fit");

/*
 * 23.038 6.2.1: the GSM 7-bit default alphabet as Unicode code points. 0 marks the control
 * codes (LF, CR, ESC) that must never reach a printable address.
 */
static const uint16_t gsm7_default[128] = {
        0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, /* @ £ $ ¥ è é ù ì */
        0x00F2, 0x00C7, 0,      0x00D8, 0x00F8, 0,      0x00C5, 0x00E5, /* ò Ç LF Ø ø CR Å å */
        0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, /* Δ _ Φ Γ Λ Ω Π Ψ */
        0x03A3, 0x0398, 0x039E, 0,      0x00C6, 0x00E6, 0x00DF, 0x00C9, /* Σ Θ Ξ ESC Æ æ ß É */
        0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027, /* space ! " # ¤ % & ' */
        0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
        0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
        0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
        0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* ¡ A..G */
        0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
        0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
        0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7, /* X Y Z Ä Ö Ñ Ü § */
        0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* ¿ a..g */
        0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
        0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
        0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0, /* x y z ä ö ñ ü à */
};

#define GSM7_ESC 0x1B

/* 23.038 6.2.1.1: the default alphabet extension table (after ESC). Page break, CR2 and SS2 are controls. */
static uint16_t gsm7_extension(uint8_t c) {
        switch (c) {
        case 0x14: return '^';
        case 0x28: return '{';
        case 0x29: return '}';
        case 0x2F: return '\\';
        case 0x3C: return '[';
        case 0x3D: return '~';
        case 0x3E: return ']';
        case 0x40: return '|';
        case 0x65: return 0x20AC; /* € */
        case 0x0A: case 0x0D: case GSM7_ESC: return 0;
        default:
                /* 23.038 6.2.1.1: an undefined extension code shows the default-table character. */
                return gsm7_default[c & 0x7F];
        }
}

/* Append one code point as UTF-8; controls (0) become '?'. Return: octets written. */
static size_t put_utf8(char *out, uint16_t cp) {
        if (cp == 0) {
                out[0] = '?';
                return 1;
        }
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xC0 | (cp >> 6));
                out[1] = (char) (0x80 | (cp & 0x3F));
                return 2;
        }
        out[0] = (char) (0xE0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
}

/*
 * 23.040 9.1.2.5 / 23.038 6.1.2.1: an alphanumeric TP-OA holds digits*4/7 septets packed LSB
 * first into the address octets. The result is printable UTF-8 without controls, so it is safe
 * to show in a consent dialog or a log (docs/wire-notes.md §7.2 R6).
 */
static void render_alnum(const uint8_t *oct, size_t n_oct, unsigned digits, char *out) {
        uint8_t sept[SMS_ALNUM_CHARS_MAX];
        unsigned n = digits * 4U / 7U;
        size_t o = 0;

        assert(n <= SMS_ALNUM_CHARS_MAX);
        for (unsigned i = 0; i < n; i++) {
                size_t bit = (size_t) i * 7U, byte = bit / 8U;
                unsigned shift = (unsigned) (bit % 8U);
                unsigned v;

                assert(byte < n_oct);
                v = oct[byte] >> shift;
                if (shift > 1U) {
                        assert(byte + 1U < n_oct);
                        v |= (unsigned) oct[byte + 1U] << (8U - shift);
                }
                sept[i] = (uint8_t) (v & 0x7FU);
        }
        for (unsigned i = 0; i < n; i++) {
                if (sept[i] == GSM7_ESC) {
                        if (i + 1U < n) {
                                o += put_utf8(out + o, gsm7_extension(sept[++i]));
                                continue;
                        }
                        o += put_utf8(out + o, 0); /* dangling ESC */
                        continue;
                }
                o += put_utf8(out + o, gsm7_default[sept[i]]);
        }
        out[o] = '\0';
}

/*
 * 23.040 9.1.2.5: TP-OA = digit count, TOA, then (count + 1) / 2 octets of swapped BCD
 * (24.008 10.5.4.7: 0-9 * # a b c; F only as the filler of an odd count).
 */
static int parse_address(Cursor *c, char *out, uint8_t *ret_toa, DecodeError *err) {
        static const char bcd[] = "0123456789*#abc";
        size_t start = cursor_offset(c);
        uint8_t digits, toa;
        const uint8_t *oct;
        size_t n_oct, o = 0;
        int r;

        r = cursor_u8(c, &digits);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, start, "truncated originating address", r);
        /* 23.040 9.1.2.5: at most 12 octets, i.e. 20 semi-octets of address value. */
        if (digits > SMS_ADDR_DIGITS_MAX)
                return decode_fail(err, SMS_LAYER, start, "originating address longer than 20 digits",
                                   -EBADMSG);
        r = cursor_u8(c, &toa);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, start + 1, "truncated originating address", r);
        n_oct = (digits + 1U) / 2U;
        r = cursor_bytes(c, n_oct, &oct);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, start + 2, "truncated originating address", r);

        if ((toa & SMS_TON_MASK) == SMS_TON_ALPHANUMERIC) {
                render_alnum(oct, n_oct, digits, out);
                *ret_toa = toa;
                return 0;
        }

        if ((toa & SMS_TON_MASK) == SMS_TON_INTERNATIONAL && digits > 0)
                out[o++] = '+';
        for (unsigned i = 0; i < digits; i++) {
                uint8_t d = (i % 2U) ? (uint8_t) (oct[i / 2U] >> 4) : (uint8_t) (oct[i / 2U] & 0x0F);

                /* 24.008 10.5.4.7: F is the end mark; inside the counted digits it is malformed. */
                if (d == 0x0F)
                        return decode_fail(err, SMS_LAYER, start + 2 + i / 2U, "filler digit inside address",
                                           -EBADMSG);
                out[o++] = bcd[d];
        }
        out[o] = '\0';
        *ret_toa = toa;
        return 0;
}

/* 23.040 9.2.3.11: two swapped BCD digits. Return: value 0..99 or -EBADMSG. */
static int bcd2(uint8_t b) {
        uint8_t lo = b & 0x0F, hi = b >> 4;

        if (lo > 9 || hi > 9)
                return -EBADMSG;
        return lo * 10 + hi;
}

static int parse_scts(Cursor *c, SmsTimestamp *ret, DecodeError *err) {
        static const uint8_t max[6] = { 99, 12, 31, 23, 59, 59 };
        size_t start = cursor_offset(c);
        const uint8_t *b;
        int v[6];
        int r, tz;

        r = cursor_bytes(c, 7, &b);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, start, "truncated TP-SCTS", r);
        /* 23.040 9.2.3.11: YY MM DD hh mm ss, each two semi-octets, low nibble first. */
        for (size_t i = 0; i < 6; i++) {
                v[i] = bcd2(b[i]);
                if (v[i] < 0 || v[i] > max[i])
                        return decode_fail(err, SMS_LAYER, start + i, "bad TP-SCTS field", -EBADMSG);
        }
        /* 23.040 9.2.3.11: TZ in quarter hours; bit 3 of the first semi-octet is the sign. */
        if ((b[6] >> 4) > 9)
                return decode_fail(err, SMS_LAYER, start + 6, "bad TP-SCTS time zone", -EBADMSG);
        tz = (b[6] & 0x07) * 10 + (b[6] >> 4);
        if (b[6] & 0x08)
                tz = -tz;

        *ret = (SmsTimestamp) {
                .year = (uint8_t) v[0],
                .month = (uint8_t) v[1],
                .day = (uint8_t) v[2],
                .hour = (uint8_t) v[3],
                .minute = (uint8_t) v[4],
                .second = (uint8_t) v[5],
                .tz_quarters = (int8_t) tz,
        };
        return 0;
}

typedef struct DcsInfo {
        bool septets; /* TP-UDL counts GSM 7-bit septets, not octets */
        bool usable;  /* 8-bit data, uncompressed: the only coding WDP uses */
} DcsInfo;

/* 23.038 4 (docs/wire-notes.md §1.2): which DCS values mean 8-bit data, and the unit of TP-UDL. */
static DcsInfo dcs_decode(uint8_t dcs) {
        switch (dcs >> 4) {
        case 0x0 ... 0x7: {
                /* General data coding (00xx) and automatic deletion (01xx): bit 5 compressed,
                 * bits 3..2 alphabet (00 GSM 7-bit, 01 8-bit, 10 UCS2, 11 reserved). */
                bool compressed = dcs & 0x20;
                uint8_t alphabet = (dcs >> 2) & 0x03;

                if (compressed) /* 23.040 9.2.3.16: compressed data is counted in octets */
                        return (DcsInfo) { .septets = false, .usable = false };
                if (alphabet == 1)
                        return (DcsInfo) { .septets = false, .usable = true };
                if (alphabet == 2)
                        return (DcsInfo) { .septets = false, .usable = false };
                /* GSM 7-bit, and reserved 11 which 23.038 4 says to treat as GSM 7-bit. */
                return (DcsInfo) { .septets = true, .usable = false };
        }
        case 0xE: /* message waiting indication, UCS2 */
                return (DcsInfo) { .septets = false, .usable = false };
        case 0xF: /* data coding / message class: bit 2 = 8-bit (bit 3 reserved, ignored) */
                if (dcs & 0x04)
                        return (DcsInfo) { .septets = false, .usable = true };
                return (DcsInfo) { .septets = true, .usable = false };
        default:
                /* 1000..1011 reserved and 1100/1101 message waiting (GSM 7-bit): 23.038 4 says a
                 * reserved coding group is to be treated as the GSM 7-bit default alphabet. */
                return (DcsInfo) { .septets = true, .usable = false };
        }
}

typedef struct Udh {
        bool has_concat, concat_16bit;
        uint16_t concat_ref;
        uint8_t concat_total, concat_seq;
        bool has_ports, ports_16bit;
        uint16_t dst_port, src_port;
} Udh;

/* Interpret one IE; an IE with a wrong length or a reserved value is skipped (23.040 9.2.3.24). */
static void udh_ie(Udh *u, uint8_t iei, const uint8_t *d, uint8_t len) {
        switch (iei) {
        case SMS_IEI_CONCAT_8BIT:
        case SMS_IEI_CONCAT_16BIT: {
                bool wide = iei == SMS_IEI_CONCAT_16BIT;
                uint8_t total, seq;

                /* 23.040 9.2.3.24.1 / .8: ref(1 or 2) total(1) seq(1). */
                if (len != (wide ? 4 : 3))
                        return;
                total = d[wide ? 2 : 1];
                seq = d[wide ? 3 : 2];
                /* total 0, seq 0 or seq > total: reserved values, ignore this occurrence. */
                if (total == 0 || seq == 0 || seq > total)
                        return;
                /* The last valid occurrence wins, 8-bit and 16-bit being mutually exclusive. */
                u->has_concat = true;
                u->concat_16bit = wide;
                u->concat_ref = wide ? (uint16_t) (d[0] << 8 | d[1]) : d[0];
                u->concat_total = total;
                u->concat_seq = seq;
                return;
        }
        case SMS_IEI_PORTS_8BIT:
                /* 23.040 9.2.3.24.3: dst(1) src(1); 0-239 reserved. */
                if (len != 2 || d[0] < SMS_PORT8_MIN || d[1] < SMS_PORT8_MIN)
                        return;
                u->has_ports = true;
                u->ports_16bit = false;
                u->dst_port = d[0];
                u->src_port = d[1];
                return;
        case SMS_IEI_PORTS_16BIT: {
                uint16_t dst;

                /* 23.040 9.2.3.24.4: dst(2) src(2), big-endian; oFono ignores dst > 49151. */
                if (len != 4)
                        return;
                dst = (uint16_t) (d[0] << 8 | d[1]);
                if (dst > SMS_PORT16_DST_MAX)
                        return;
                u->has_ports = true;
                u->ports_16bit = true;
                u->dst_port = dst;
                u->src_port = (uint16_t) (d[2] << 8 | d[3]);
                return;
        }
        default:
                return;
        }
}

/*
 * 23.040 9.2.3.24: walk the IEs of a UDH (the bytes after UDHL). If the IE lengths do not add
 * up to UDHL exactly, the whole UDH is ignored: *ret is left as "no IEs". The walk is bounded
 * by the header size (< SMS_UD_OCTETS_MAX), each IE consuming at least two octets.
 */
static void parse_udh(Cursor *h, Udh *ret) {
        Udh u = {};

        while (!cursor_eof(h)) {
                const uint8_t *data;
                uint8_t iei, len;

                if (cursor_u8(h, &iei) < 0 || cursor_u8(h, &len) < 0 || cursor_bytes(h, len, &data) < 0)
                        return; /* too few octets for the last IE: ignore the entire UDH */
                udh_ie(&u, iei, data, len);
        }
        *ret = u;
}

int sms_parse_deliver(const uint8_t *buf, size_t len, SmsDeliver *ret, DecodeError *err) {
        SmsDeliver d = {};
        Udh udh = {};
        Cursor c, ud;
        DcsInfo info;
        size_t udl_off, ud_octets;
        int r;

        assert(buf || len == 0);
        assert(ret);

        cursor_init(&c, buf, len);

        r = cursor_u8(&c, &d.first_octet);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, 0, "empty TPDU", r);
        /* 23.040 9.2.3.1: TP-MTI 00 is SMS-DELIVER, the only TPDU that carries a push to us. The
         * spec lets an MS treat the reserved 11 as a DELIVER (oFono does); we refuse it instead. */
        if ((d.first_octet & 0x03) != 0x00)
                return decode_fail(err, SMS_LAYER, 0, "not an SMS-DELIVER", -EOPNOTSUPP);
        /* 23.040 9.2.3.23: TP-UDHI. */
        d.udhi = d.first_octet & 0x40;

        r = parse_address(&c, d.oa, &d.oa_toa, err);
        if (r < 0)
                return r;

        /* 23.040 9.2.3.9 TP-PID, 9.2.3.10 TP-DCS. */
        r = cursor_u8(&c, &d.pid);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, cursor_offset(&c), "truncated TP-PID", r);
        r = cursor_u8(&c, &d.dcs);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, cursor_offset(&c), "truncated TP-DCS", r);
        info = dcs_decode(d.dcs);
        d.dcs_8bit = info.usable;

        r = parse_scts(&c, &d.scts, err);
        if (r < 0)
                return r;

        /* 23.040 9.2.3.16: TP-UDL in septets (GSM 7-bit) or octets (8-bit, UCS2, compressed). */
        udl_off = cursor_offset(&c);
        r = cursor_u8(&c, &d.udl);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, udl_off, "truncated TP-UDL", r);
        if (info.septets) {
                if (d.udl > SMS_UD_SEPTETS_MAX)
                        return decode_fail(err, SMS_LAYER, udl_off, "TP-UDL over 160 septets", -EBADMSG);
                ud_octets = ((size_t) d.udl * 7U + 7U) / 8U;
        } else {
                if (d.udl > SMS_UD_OCTETS_MAX)
                        return decode_fail(err, SMS_LAYER, udl_off, "TP-UDL over 140 octets", -EBADMSG);
                ud_octets = d.udl;
        }
        r = cursor_sub(&c, ud_octets, &ud);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, udl_off + 1, "TP-UD shorter than TP-UDL", r);
        if (!cursor_eof(&c))
                return decode_fail(err, SMS_LAYER, cursor_offset(&c), "octets after TP-UD", -EBADMSG);

        if (d.udhi) {
                uint8_t udhl;
                Cursor h;

                /* 23.040 9.2.3.24: UDHL, then UDHL octets of IEs, all inside TP-UD. */
                r = cursor_u8(&ud, &udhl);
                if (r < 0)
                        return decode_fail(err, SMS_LAYER, cursor_offset(&ud), "TP-UDHI set but TP-UD empty",
                                           r);
                r = cursor_sub(&ud, udhl, &h);
                if (r < 0)
                        return decode_fail(err, SMS_LAYER, cursor_offset(&ud) - 1,
                                           "UDHL past the end of TP-UD", r);
                parse_udh(&h, &udh);
        }

        d.has_concat = udh.has_concat;
        d.concat_16bit = udh.concat_16bit;
        d.concat_ref = udh.concat_ref;
        d.concat_total = udh.concat_total;
        d.concat_seq = udh.concat_seq;
        d.has_ports = udh.has_ports;
        d.ports_16bit = udh.ports_16bit;
        d.dst_port = udh.dst_port;
        d.src_port = udh.src_port;
        d.payload_len = cursor_left(&ud);
        r = cursor_bytes(&ud, d.payload_len, &d.payload);
        assert(r == 0);

        *ret = d;
        return 0;
}

int sms_strip_smsc(const uint8_t *buf, size_t len, DecodeError *err) {
        Cursor c;
        uint8_t n;
        int r;

        assert(buf || len == 0);

        cursor_init(&c, buf, len);
        /* 24.011 8.2.5.1 / 27.005 3.3.1: <length octet> <TOA> <BCD digits>; 00 = no SMSC. */
        r = cursor_u8(&c, &n);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, 0, "empty PDU", r);
        if (n > SMS_SMSC_OCTETS_MAX - 1U)
                return decode_fail(err, SMS_LAYER, 0, "SMSC address longer than 11 octets", -EBADMSG);
        r = cursor_skip(&c, n);
        if (r < 0)
                return decode_fail(err, SMS_LAYER, 1, "truncated SMSC address", r);
        if (cursor_eof(&c))
                return decode_fail(err, SMS_LAYER, cursor_offset(&c), "no TPDU after the SMSC address",
                                   -EBADMSG);
        return (int) cursor_offset(&c);
}

SmsDatagram *sms_datagram_free(SmsDatagram *d) {
        if (!d)
                return NULL;
        free(d->data);
        free(d);
        return NULL;
}

/* One stored segment; data is NULL until that seq arrived (payloads are never empty). */
typedef struct SmsReasmSlot {
        uint8_t *data;
        size_t len;
} SmsReasmSlot;

typedef struct SmsReasmGroup SmsReasmGroup;
struct SmsReasmGroup {
        SmsReasmGroup *next;

        /* Key (docs/wire-notes.md §1.6): sender incl. TOA, reference, total, reference width. */
        char sender[SMS_ADDR_TEXT_SIZE];
        uint8_t sender_toa;
        uint16_t ref;
        bool ref_16bit;
        uint8_t total;

        /* What every segment must agree on (docs/wire-notes.md §1.6 step 2). */
        uint8_t dcs;
        bool has_ports, ports_16bit;
        uint16_t dst_port, src_port;

        SmsTimestamp scts; /* of segment 1, once it arrived */
        uint64_t created_usec;
        unsigned n_received;
        size_t bytes;
        SmsReasmSlot slot[]; /* total entries, index seq - 1 */
};

struct SmsReassembler {
        SmsReasmLimits limits;
        SmsReasmGroup *groups; /* newest first */
        unsigned n_groups;
};

static SmsReasmGroup *group_free(SmsReasmGroup *g) {
        if (!g)
                return NULL;
        for (unsigned i = 0; i < g->total; i++)
                free(g->slot[i].data);
        free(g);
        return NULL;
}

int sms_reasm_new(SmsReassembler **ret, const SmsReasmLimits *limits) {
        SmsReassembler *r;

        assert(ret);

        r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        r->limits = limits ? *limits : SMS_REASM_LIMITS_DEFAULT;
        *ret = r;
        return 0;
}

SmsReassembler *sms_reasm_free(SmsReassembler *r) {
        if (!r)
                return NULL;
        while (r->groups) {
                SmsReasmGroup *g = r->groups;

                r->groups = g->next;
                group_free(g);
        }
        free(r);
        return NULL;
}

unsigned sms_reasm_pending(const SmsReassembler *r) {
        return r ? r->n_groups : 0;
}

/* Unlink *pp from the list and free it. */
static void group_drop(SmsReassembler *r, SmsReasmGroup **pp) {
        SmsReasmGroup *g = *pp;

        *pp = g->next;
        r->n_groups--;
        group_free(g);
}

unsigned sms_reasm_expire(SmsReassembler *r, uint64_t now_usec) {
        unsigned n = 0;

        assert(r);

        for (SmsReasmGroup **pp = &r->groups; *pp;) {
                SmsReasmGroup *g = *pp;

                /* A clock that went backwards restarts the lifetime instead of pinning the group. */
                if (now_usec < g->created_usec)
                        g->created_usec = now_usec;
                /* Missing segments (docs/wire-notes.md §1.6 step 5): a group lives at most age_max_usec. */
                if (now_usec - g->created_usec > r->limits.age_max_usec) {
                        group_drop(r, pp);
                        n++;
                } else
                        pp = &g->next;
        }
        return n;
}

static bool group_matches(const SmsReasmGroup *g, const SmsDeliver *s) {
        return g->sender_toa == s->oa_toa && g->ref == s->concat_ref && g->ref_16bit == s->concat_16bit &&
               g->total == s->concat_total && strcmp(g->sender, s->oa) == 0;
}

static bool group_conflicts(const SmsReasmGroup *g, const SmsDeliver *s) {
        if (g->dcs != s->dcs || g->has_ports != s->has_ports)
                return true;
        if (!g->has_ports)
                return false;
        return g->ports_16bit != s->ports_16bit || g->dst_port != s->dst_port || g->src_port != s->src_port;
}

/* Build the datagram; slot data are copied, the group is left as it is. */
static int datagram_new(const SmsDeliver *s, const SmsTimestamp *scts, unsigned n_segments,
                        const SmsReasmSlot *slots, size_t n_slots, size_t size, SmsDatagram **ret) {
        SmsDatagram *d;
        size_t o = 0;

        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->data = malloc(size);
        if (!d->data) {
                free(d);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_slots; i++) {
                memcpy(d->data + o, slots[i].data, slots[i].len);
                o += slots[i].len;
        }
        assert(o == size);
        memcpy(d->sender, s->oa, sizeof d->sender);
        d->sender_toa = s->oa_toa;
        d->has_ports = s->has_ports;
        d->dst_port = s->has_ports ? s->dst_port : 0;
        d->src_port = s->has_ports ? s->src_port : 0;
        d->scts = *scts;
        d->n_segments = n_segments;
        d->size = size;
        *ret = d;
        return 0;
}

int sms_reasm_add(SmsReassembler *r, const SmsDeliver *seg, uint64_t now_usec, SmsDatagram **ret) {
        const SmsReasmLimits *lim;
        SmsReasmGroup *g, **pp;
        unsigned same_sender = 0;
        uint8_t *copy;

        assert(r);
        assert(seg);
        assert(ret);
        lim = &r->limits;

        (void) sms_reasm_expire(r, now_usec);

        /* The segment may come from anywhere (a fuzzer, another stack), so check it again. */
        if (!seg->dcs_8bit)
                return -EBADMSG; /* 23.038 4: WDP needs 8-bit data (docs/wire-notes.md §1.2) */
        if (seg->payload_len == 0 || !seg->payload || seg->payload_len > SMS_UD_OCTETS_MAX)
                return -EBADMSG;
        if (!memchr(seg->oa, '\0', sizeof seg->oa))
                return -EBADMSG;

        if (!seg->has_concat || seg->concat_total == 1) {
                SmsReasmSlot one = { .data = (uint8_t *) seg->payload, .len = seg->payload_len };

                if (seg->has_concat && seg->concat_seq != 1)
                        return -EBADMSG;
                if (seg->payload_len > lim->bytes_max)
                        return -E2BIG;
                return datagram_new(seg, &seg->scts, 1, &one, 1, seg->payload_len, ret) < 0 ? -ENOMEM : 1;
        }

        /* 23.040 9.2.3.24.1: seq is 1..total; total 0 never reaches here (parse ignores it). */
        if (seg->concat_total == 0 || seg->concat_seq == 0 || seg->concat_seq > seg->concat_total)
                return -EBADMSG;
        if (seg->concat_total > lim->segments_max)
                return -E2BIG;

        for (pp = &r->groups; *pp; pp = &(*pp)->next)
                if (group_matches(*pp, seg))
                        break;
        g = *pp;

        if (g) {
                SmsReasmSlot *slot = &g->slot[seg->concat_seq - 1];

                /* docs/wire-notes.md §1.6 step 2: every segment carries the same ports and DCS, else the
                 * message cannot be trusted to be one message: drop all of it. */
                if (group_conflicts(g, seg)) {
                        group_drop(r, pp);
                        return -EPROTO;
                }
                /*
                 * Security invariant (docs/wire-notes.md §1.6 step 3): a stored segment is never
                 * overwritten. The first copy of a seq wins and a later one is dropped, so a second
                 * sender using the same address and reference cannot substitute part of a message
                 * that is already being assembled.
                 */
                if (slot->data)
                        return -EEXIST;
                /* Total size cap (docs/wire-notes.md §7.2 R2), checked before anything is stored. No
                 * overflow: g->bytes <= bytes_max and payload_len <= SMS_UD_OCTETS_MAX. */
                if (g->bytes + seg->payload_len > lim->bytes_max) {
                        group_drop(r, pp);
                        return -E2BIG;
                }

                copy = malloc(seg->payload_len);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, seg->payload, seg->payload_len);

                if (g->n_received + 1U == g->total) {
                        /* Complete: join in seq order 1..total (step 4), then delete the group so a
                         * reused reference starts fresh (step 6). */
                        SmsTimestamp scts = seg->concat_seq == 1 ? seg->scts : g->scts;
                        int k;

                        slot->data = copy;
                        slot->len = seg->payload_len;
                        k = datagram_new(seg, &scts, g->total, g->slot, g->total,
                                         g->bytes + seg->payload_len, ret);
                        if (k < 0) {
                                /* Leave the group as it was before this call. */
                                slot->data = NULL;
                                slot->len = 0;
                                free(copy);
                                return k;
                        }
                        group_drop(r, pp);
                        return 1;
                }

                slot->data = copy;
                slot->len = seg->payload_len;
                g->n_received++;
                g->bytes += seg->payload_len;
                if (seg->concat_seq == 1)
                        g->scts = seg->scts;
                return 0;
        }

        /* A new group: it must fit the size cap and the global and per-sender group caps. */
        if (seg->payload_len > lim->bytes_max)
                return -E2BIG;
        if (r->n_groups >= lim->groups_max)
                return -ENOSPC;
        for (SmsReasmGroup *i = r->groups; i; i = i->next)
                if (i->sender_toa == seg->oa_toa && strcmp(i->sender, seg->oa) == 0)
                        same_sender++;
        if (same_sender >= lim->groups_per_sender_max)
                return -ENOSPC;

        g = calloc(1, sizeof *g + (size_t) seg->concat_total * sizeof g->slot[0]);
        if (!g)
                return -ENOMEM;
        copy = malloc(seg->payload_len);
        if (!copy) {
                free(g);
                return -ENOMEM;
        }
        memcpy(copy, seg->payload, seg->payload_len);

        memcpy(g->sender, seg->oa, sizeof g->sender);
        g->sender_toa = seg->oa_toa;
        g->ref = seg->concat_ref;
        g->ref_16bit = seg->concat_16bit;
        g->total = seg->concat_total;
        g->dcs = seg->dcs;
        g->has_ports = seg->has_ports;
        g->ports_16bit = seg->ports_16bit;
        g->dst_port = seg->dst_port;
        g->src_port = seg->src_port;
        g->created_usec = now_usec;
        g->slot[seg->concat_seq - 1] = (SmsReasmSlot) { .data = copy, .len = seg->payload_len };
        g->n_received = 1;
        g->bytes = seg->payload_len;
        if (seg->concat_seq == 1)
                g->scts = seg->scts;

        g->next = r->groups;
        r->groups = g;
        r->n_groups++;
        return 0;
}
