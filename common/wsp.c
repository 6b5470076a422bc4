/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wsp.c: decoder for the WSP connectionless Push and ConfirmedPush PDU as it arrives over
 * WDP/SMS (WAP-230 8.2.4.1): TID, PDU type, the HeadersLen window holding the Content-Type
 * value (constrained or general form, with the ProvBoot SEC/MAC parameters in their typed and
 * untyped encodings) and further headers (skipped by the first-octet rule of WAP-230 8.4.1.2,
 * except X-Wap-Application-Id), then the body, which is returned as a span of the input exactly
 * as received because it is what the MAC covers. Every read goes through a Cursor bounded to
 * its enclosing length field; every input-driven loop has a WSP_*_MAX limit.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "cursor.h"
#include "wsp.h"

#define LAYER "wsp"

/* WAP-230 8.4.2.1 / 8.4.2.2: octet ranges that classify a value by its first octet. */
#define SHORT_LENGTH_MAX 30U            /* Short-length 0..30 */
#define LENGTH_QUOTE 0x1FU              /* Length-quote, followed by a uintvar */
#define TEXT_FIRST 0x20U                /* 32..127: text up to End-of-string */
#define SHORT_INTEGER_FLAG 0x80U        /* 128..255: Short-integer */
#define QUOTE_OCTET 0x7FU               /* Quote before text starting >= 128; in headers: Shift-delimiter */
#define QUOTED_STRING_MARK 0x22U        /* '"' opening a Quoted-string */

/* WAP-230 8.4.2.1: Q-value is encoded like a uintvar but in at most 2 octets. */
#define Q_VALUE_OCTETS_MAX 2U

/* WAP-230 8.4.1.1: header code pages; page 1 holds the standard field names. */
#define HEADER_PAGE_DEFAULT 1U

/* WAP-230 Table 39 (field names, page 1) and Table 38 (parameters; SEC/MAC are WSP 1.4). */
#define FIELD_X_WAP_APPLICATION_ID 0x2FU
#define PARAM_Q 0x00U
#define PARAM_SEC 0x11U
#define PARAM_MAC 0x12U

static const struct {
        uint8_t code;
        const char *name;
} well_known_media[] = {
        /* WAP-230 Table 40 (and the OMNA registry) for the types a push receiver meets. */
        { 0x23, "application/vnd.wap.multipart.mixed" },
        { 0x2E, "application/vnd.wap.sic" },
        { 0x30, "application/vnd.wap.slc" },
        { 0x32, "application/vnd.wap.coc" },
        { 0x33, "application/vnd.wap.multipart.related" },
        { WSP_MEDIA_CONNECTIVITY_XML, "text/vnd.wap.connectivity-xml" },
        { WSP_MEDIA_CONNECTIVITY_WBXML, "application/vnd.wap.connectivity-wbxml" },
        { WSP_MEDIA_PKCS7_MIME, "application/pkcs7-mime" },
        { 0x42, "application/vnd.syncml.dm+wbxml" },
        { 0x43, "application/vnd.syncml.dm+xml" },
        { 0x44, "application/vnd.syncml.notification" },
};

static int fail(DecodeError *err, size_t offset, const char *reason, int r) {
        return decode_fail(err, LAYER, offset, reason, r);
}

static char ascii_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static char ascii_upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
}

static bool ascii_is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Case-insensitive (ASCII only, no locale) comparison of s[0..n) with the NUL-terminated lit. */
static bool text_eq_nocase(const char *s, size_t n, const char *lit) {
        size_t i;

        for (i = 0; i < n; i++)
                if (lit[i] == 0 || ascii_lower(s[i]) != ascii_lower(lit[i]))
                        return false;
        return lit[i] == 0;
}

/*
 * Strip the Quoted-string mark (WAP-230 8.4.2.1: '"' TEXT End-of-string) and the closing '"'
 * some encoders add before the End-of-string (docs/wire-notes.md §6).
 */
static void text_unquote(const char **s, size_t *n) {
        if (*n > 0 && (uint8_t) (*s)[0] == QUOTED_STRING_MARK) {
                (*s)++;
                (*n)--;
        }
        if (*n > 0 && (uint8_t) (*s)[*n - 1] == QUOTED_STRING_MARK)
                (*n)--;
}

static int sec_from_text(const char *s, size_t n) {
        /* docs/wire-notes.md §2.6 step 5: untyped SEC as digit text "0".."3" or as the method name. */
        if (n == 1 && s[0] >= '0' && s[0] < '0' + _AUTH_SEC_MAX)
                return s[0] - '0';
        for (int i = 0; i < _AUTH_SEC_MAX; i++)
                if (text_eq_nocase(s, n, auth_method_to_string((AuthMethod) i)))
                        return i;
        return -EINVAL;
}

/*
 * WAP-230 8.4.2.1: Integer-value = Short-integer | Long-integer; Long-integer = Short-length
 * (1..30 octets) Multi-octet-integer, big-endian. Values past 64 bits saturate at UINT64_MAX so
 * callers can range-check without a separate overflow flag.
 */
static int read_integer(Cursor *c, uint64_t *ret, DecodeError *err) {
        Cursor t = *c;
        const uint8_t *p;
        uint64_t v = 0;
        uint8_t b;

        if (cursor_u8(&t, &b) < 0)
                return fail(err, cursor_offset(c), "integer truncated", -EBADMSG);
        if (b & SHORT_INTEGER_FLAG) {
                *ret = b & 0x7FU;
                *c = t;
                return 0;
        }
        if (b == 0 || b > SHORT_LENGTH_MAX)
                return fail(err, cursor_offset(c), "not an Integer-value", -EBADMSG);
        if (cursor_bytes(&t, b, &p) < 0)
                return fail(err, cursor_offset(c), "Long-integer truncated", -EBADMSG);
        for (size_t i = 0; i < b; i++)
                v = v > (UINT64_MAX >> 8) ? UINT64_MAX : (v << 8 | p[i]);
        *ret = v;
        *c = t;
        return 0;
}

/* WAP-230 8.1.2: uintvar of at most 5 octets and 32 bits; anything longer is not a uintvar. */
static int read_uintvar(Cursor *c, uint32_t *ret, DecodeError *err) {
        int r;

        r = cursor_uintvar(c, ret);
        if (r == -E2BIG)
                return fail(err, cursor_offset(c), "uintvar longer than 5 octets or 32 bits", -EBADMSG);
        if (r < 0)
                return fail(err, cursor_offset(c), "uintvar truncated", -EBADMSG);
        return 0;
}

/* WAP-230 8.4.2.2: Value-length = Short-length (0..30) | Length-quote (31) Length (uintvar). */
static int read_value_length(Cursor *c, uint32_t *ret, DecodeError *err) {
        Cursor t = *c;
        uint32_t v;
        uint8_t b;
        int r;

        if (cursor_u8(&t, &b) < 0)
                return fail(err, cursor_offset(c), "Value-length truncated", -EBADMSG);
        if (b <= SHORT_LENGTH_MAX)
                v = b;
        else if (b == LENGTH_QUOTE) {
                r = read_uintvar(&t, &v, err);
                if (r < 0)
                        return r;
        } else
                return fail(err, cursor_offset(c), "not a Value-length", -EBADMSG);
        *ret = v;
        *c = t;
        return 0;
}

/* Text up to End-of-string, which must lie inside the cursor (WAP-230 8.4.2.1 Text-string). */
static int read_text(Cursor *c, const char **ret, size_t *ret_len, DecodeError *err) {
        if (cursor_cstr(c, ret, ret_len) < 0)
                return fail(err, cursor_offset(c), "text without End-of-string", -EBADMSG);
        return 0;
}

/*
 * WAP-230 8.4.1.2 first-octet rule, used to skip any header value or parameter value whose
 * type we do not need: 0..30 = that many octets follow; 31 = uintvar length then data;
 * 32..127 = text up to End-of-string; 128..255 = a one-octet Short-integer.
 */
static int skip_value(Cursor *c, DecodeError *err) {
        Cursor t = *c;
        const char *s;
        uint32_t n = 0;
        size_t k;
        uint8_t b;
        int r;

        if (cursor_peek(&t, &b) < 0)
                return fail(err, cursor_offset(c), "value missing", -EBADMSG);
        if (b <= SHORT_LENGTH_MAX || b == LENGTH_QUOTE) {
                r = read_value_length(&t, &n, err);
                if (r < 0)
                        return r;
                if (n > cursor_left(&t))
                        return fail(err, cursor_offset(c), "value length past its window", -EBADMSG);
                (void) cursor_skip(&t, n);
        } else if (b < SHORT_INTEGER_FLAG) {
                r = read_text(&t, &s, &k, err);
                if (r < 0)
                        return r;
        } else
                (void) cursor_skip(&t, 1);
        *c = t;
        return 0;
}

static int set_media_code(WspPush *p, uint64_t code, size_t off, DecodeError *err) {
        if (code > UINT32_MAX)
                return fail(err, off, "content type code over 32 bits", -E2BIG);
        p->content_type_coded = true;
        p->content_type_code = (uint32_t) code;
        p->content_type[0] = 0;
        for (size_t i = 0; i < sizeof(well_known_media) / sizeof(well_known_media[0]); i++)
                if (well_known_media[i].code == code) {
                        /* Table names are shorter than WSP_CONTENT_TYPE_MAX. */
                        strcpy(p->content_type, well_known_media[i].name);
                        break;
                }
        switch (code) {
        case WSP_MEDIA_CONNECTIVITY_WBXML:
                p->content_kind = WSP_CONTENT_CP_WBXML;
                break;
        case WSP_MEDIA_CONNECTIVITY_XML:
                p->content_kind = WSP_CONTENT_CP_XML;
                break;
        case WSP_MEDIA_PKCS7_MIME:
                p->content_kind = WSP_CONTENT_PKCS7;
                break;
        default:
                p->content_kind = WSP_CONTENT_OTHER;
        }
        return 0;
}

/*
 * WAP-230 8.4.2.24 Extension-media = *TEXT End-of-string. A media type is token "/" token
 * (RFC 2045), so only printable ASCII without space is kept; it is stored lower-case and
 * matched case-insensitively (docs/wire-notes.md §6).
 */
static int set_media_text(WspPush *p, const char *s, size_t n, size_t off, DecodeError *err) {
        if (n == 0)
                return fail(err, off, "empty media type", -EBADMSG);
        if (n > WSP_CONTENT_TYPE_MAX)
                return fail(err, off, "media type longer than WSP_CONTENT_TYPE_MAX", -E2BIG);
        for (size_t i = 0; i < n; i++) {
                if ((uint8_t) s[i] <= 0x20 || (uint8_t) s[i] >= 0x7F)
                        return fail(err, off + i, "media type not printable ASCII", -EBADMSG);
                p->content_type[i] = ascii_lower(s[i]);
        }
        p->content_type[n] = 0;
        p->content_type_coded = false;
        p->content_type_code = 0;
        if (strcmp(p->content_type, "application/vnd.wap.connectivity-wbxml") == 0)
                p->content_kind = WSP_CONTENT_CP_WBXML;
        else if (strcmp(p->content_type, "text/vnd.wap.connectivity-xml") == 0)
                p->content_kind = WSP_CONTENT_CP_XML;
        else if (strcmp(p->content_type, "application/pkcs7-mime") == 0)
                p->content_kind = WSP_CONTENT_PKCS7;
        else
                p->content_kind = WSP_CONTENT_OTHER;
        return 0;
}

/*
 * WAP-230 8.4.2.24 Media-type = (Well-known-media | Extension-media); Well-known-media is an
 * Integer-value, so both the Short-integer and the Long-integer form are accepted.
 */
static int parse_media(Cursor *c, WspPush *p, DecodeError *err) {
        size_t off = cursor_offset(c), n;
        const char *s;
        uint64_t code = 0;
        uint8_t b;
        int r;

        if (cursor_peek(c, &b) < 0)
                return fail(err, off, "media type missing", -EBADMSG);
        if (b >= SHORT_INTEGER_FLAG || (b >= 1 && b <= SHORT_LENGTH_MAX)) {
                r = read_integer(c, &code, err);
                if (r < 0)
                        return r;
                return set_media_code(p, code, off, err);
        }
        if (b >= TEXT_FIRST) {
                r = read_text(c, &s, &n, err);
                if (r < 0)
                        return r;
                return set_media_text(p, s, n, off, err);
        }
        return fail(err, off, "bad media type octet", -EBADMSG);
}

/*
 * ProvBoot MAC (docs/wire-notes.md §5.2): Text-value (WAP-230 8.4.2.1) holding exactly 40 hex digits
 * once a Quoted-string mark and a trailing '"' are stripped; stored upper-case.
 */
static int parse_mac(Cursor *c, WspPush *p, DecodeError *err) {
        size_t off = cursor_offset(c), n;
        const char *s;
        uint8_t b;
        int r;

        if (p->has_mac)
                return fail(err, off, "duplicate MAC parameter", -EBADMSG);
        if (cursor_peek(c, &b) < 0)
                return fail(err, off, "MAC value missing", -EBADMSG);
        if (b != 0 && (b < TEXT_FIRST || b >= SHORT_INTEGER_FLAG))
                return fail(err, off, "MAC is not a Text-value", -EBADMSG);
        r = read_text(c, &s, &n, err);
        if (r < 0)
                return r;
        text_unquote(&s, &n);
        if (n != WSP_MAC_HEX_LEN)
                return fail(err, off, "MAC is not 40 hex digits", -EBADMSG);
        for (size_t i = 0; i < n; i++) {
                if (!ascii_is_hex(s[i]))
                        return fail(err, off, "MAC has a non-hex digit", -EBADMSG);
                p->mac[i] = ascii_upper(s[i]);
        }
        p->mac[n] = 0;
        p->has_mac = true;
        return 0;
}

static int set_sec(WspPush *p, uint64_t v, size_t off, DecodeError *err) {
        int m;

        if (p->sec != AUTH_NONE)
                return fail(err, off, "duplicate SEC parameter", -EBADMSG);
        /* docs/wire-notes.md §2.3, §5.1: SEC 0 NETWPIN .. 3 USERPINMAC; anything else is malformed. */
        m = auth_method_from_wsp_sec(v);
        if (m < 0)
                return fail(err, off, "SEC outside 0..3", -EBADMSG);
        p->sec = (AuthMethod) m;
        return 0;
}

/* Typed SEC (0x91): Short-integer, or the Long-integer form tolerant encoders emit (docs/wire-notes.md §6). */
static int parse_sec_typed(Cursor *c, WspPush *p, DecodeError *err) {
        size_t off = cursor_offset(c);
        uint64_t v = 0;
        int r;

        r = read_integer(c, &v, err);
        if (r < 0)
                return r;
        return set_sec(p, v, off, err);
}

/* Untyped SEC: Untyped-value = Integer-value | Text-value (WAP-230 8.4.2.4). */
static int parse_sec_untyped(Cursor *c, WspPush *p, DecodeError *err) {
        size_t off = cursor_offset(c), n;
        const char *s;
        uint64_t v = 0;
        uint8_t b;
        int r, k;

        if (cursor_peek(c, &b) < 0)
                return fail(err, off, "SEC value missing", -EBADMSG);
        if (b >= SHORT_INTEGER_FLAG || (b >= 1 && b <= SHORT_LENGTH_MAX)) {
                r = read_integer(c, &v, err);
                if (r < 0)
                        return r;
                return set_sec(p, v, off, err);
        }
        if (b != 0 && b < TEXT_FIRST)
                return fail(err, off, "SEC is not an Untyped-value", -EBADMSG);
        r = read_text(c, &s, &n, err);
        if (r < 0)
                return r;
        text_unquote(&s, &n);
        k = sec_from_text(s, n);
        if (k < 0)
                return fail(err, off, "SEC outside 0..3", -EBADMSG);
        return set_sec(p, (uint64_t) k, off, err);
}

/*
 * WAP-230 8.4.2.4: Parameter = Typed-parameter | Untyped-parameter.
 * Typed-parameter = Well-known-parameter-token (Integer-value) Typed-value;
 * Untyped-parameter = Token-text Untyped-value.
 */
static int parse_param(Cursor *c, WspPush *p, DecodeError *err) {
        size_t off = cursor_offset(c), n;
        const char *name;
        uint64_t token = 0;
        uint32_t q = 0;
        uint8_t b;
        int r;

        if (cursor_peek(c, &b) < 0)
                return fail(err, off, "parameter missing", -EBADMSG);
        if (b >= TEXT_FIRST && b < SHORT_INTEGER_FLAG) {
                r = read_text(c, &name, &n, err);
                if (r < 0)
                        return r;
                if (text_eq_nocase(name, n, "SEC"))
                        return parse_sec_untyped(c, p, err);
                if (text_eq_nocase(name, n, "MAC"))
                        return parse_mac(c, p, err);
                return skip_value(c, err);
        }
        r = read_integer(c, &token, err);
        if (r < 0)
                return r;
        switch (token) {
        case PARAM_SEC:
                return parse_sec_typed(c, p, err);
        case PARAM_MAC:
                return parse_mac(c, p, err);
        case PARAM_Q: {
                /* The one typed value the first-octet rule cannot skip (WAP-230 8.4.2.1 Q-value). */
                size_t start = cursor_offset(c);

                r = read_uintvar(c, &q, err);
                if (r < 0)
                        return r;
                if (cursor_offset(c) - start > Q_VALUE_OCTETS_MAX)
                        return fail(err, off, "Q-value longer than 2 octets", -EBADMSG);
                return 0;
        }
        default:
                /* Charset (0x81) and every other typed value fit the first-octet rule. */
                return skip_value(c, err);
        }
}

/*
 * WAP-230 8.4.2.24 Content-type-value = Constrained-media | Content-general-form, where
 * Content-general-form = Value-length Media-type and Media-type = media *(Parameter): the
 * parameters run until exactly the end of the value.
 */
static int parse_content_type(Cursor *h, WspPush *p, DecodeError *err) {
        size_t off = cursor_offset(h);
        unsigned n_params = 0;
        uint32_t vlen = 0;
        Cursor v;
        uint8_t b;
        int r;

        if (cursor_peek(h, &b) < 0)
                return fail(err, off, "Content-Type missing", -EBADMSG);
        if (b >= TEXT_FIRST)
                /* Constrained-media: a Short-integer or Extension-media, no parameters. */
                return parse_media(h, p, err);

        r = read_value_length(h, &vlen, err);
        if (r < 0)
                return r;
        if (vlen > cursor_left(h))
                return fail(err, off, "Content-Type value length past the header window", -EBADMSG);
        if (vlen == 0)
                return fail(err, off, "empty Content-Type value", -EBADMSG);
        (void) cursor_sub(h, vlen, &v);

        r = parse_media(&v, p, err);
        if (r < 0)
                return r;
        while (!cursor_eof(&v)) {
                if (n_params >= WSP_PARAMS_MAX)
                        return fail(err, cursor_offset(&v), "more than WSP_PARAMS_MAX parameters", -E2BIG);
                n_params++;
                r = parse_param(&v, p, err);
                if (r < 0)
                        return r;
        }
        p->n_params = n_params;
        return 0;
}

/* X-Wap-Application-Id (WAP-230 8.4.2.54): Uri-value (Text-string) | App-assigned-code (Integer-value). */
static int parse_app_id(Cursor *c, WspPush *p, DecodeError *err) {
        size_t off = cursor_offset(c), n;
        const char *s;
        uint64_t v = 0;
        uint8_t b;
        int r;

        if (p->has_app_id)
                return fail(err, off, "duplicate X-Wap-Application-Id", -EBADMSG);
        if (cursor_peek(c, &b) < 0)
                return fail(err, off, "X-Wap-Application-Id value missing", -EBADMSG);
        if (b >= SHORT_INTEGER_FLAG || (b >= 1 && b <= SHORT_LENGTH_MAX)) {
                r = read_integer(c, &v, err);
                if (r < 0)
                        return r;
                if (v > UINT32_MAX)
                        return fail(err, off, "X-Wap-Application-Id code over 32 bits", -E2BIG);
                p->app_id_code = (uint32_t) v;
                p->app_id[0] = 0;
                p->has_app_id = true;
                return 0;
        }
        if (b < TEXT_FIRST)
                return fail(err, off, "bad X-Wap-Application-Id value", -EBADMSG);
        r = read_text(c, &s, &n, err);
        if (r < 0)
                return r;
        if (n == 0)
                return fail(err, off, "empty X-Wap-Application-Id", -EBADMSG);
        if (n > WSP_APP_ID_MAX)
                return fail(err, off, "X-Wap-Application-Id longer than WSP_APP_ID_MAX", -E2BIG);
        for (size_t i = 0; i < n; i++) {
                /* A URI: printable ASCII without space (also rejects the 0x7F Quote form). */
                if ((uint8_t) s[i] <= 0x20 || (uint8_t) s[i] >= 0x7F)
                        return fail(err, off + i, "X-Wap-Application-Id not printable ASCII", -EBADMSG);
                p->app_id[i] = s[i];
        }
        p->app_id[n] = 0;
        p->app_id_code = 0;
        p->has_app_id = true;
        return 0;
}

/*
 * WAP-230 8.4.2.6: Headers = *(Message-header | Shift-sequence). Shift-sequence = Shift-delimiter
 * (0x7F) Page-identity (1..255) | Short-cut-shift-delimiter (1..31) and switches the code page of
 * the field names that follow (8.4.1.1). Message-header = Well-known-header (Short-integer field
 * name + value) | Application-header (Token-text + value).
 */
static int parse_headers(Cursor *h, WspPush *p, DecodeError *err) {
        unsigned items = 0, n_headers = 0;
        uint8_t page = HEADER_PAGE_DEFAULT;
        const char *name;
        size_t off, n;
        uint8_t b;
        int r;

        while (!cursor_eof(h)) {
                off = cursor_offset(h);
                if (items >= WSP_HEADERS_MAX)
                        return fail(err, off, "more than WSP_HEADERS_MAX headers", -E2BIG);
                items++;
                (void) cursor_peek(h, &b);
                if (b == QUOTE_OCTET) {
                        uint8_t id;

                        (void) cursor_skip(h, 1);
                        if (cursor_u8(h, &id) < 0)
                                return fail(err, off, "Shift-delimiter without page", -EBADMSG);
                        if (id == 0)
                                return fail(err, off, "header code page 0", -EBADMSG);
                        page = id;
                        continue;
                }
                if (b >= 1 && b <= LENGTH_QUOTE) {
                        (void) cursor_skip(h, 1);
                        page = b;
                        continue;
                }
                if (b == 0)
                        return fail(err, off, "empty header field name", -EBADMSG);
                n_headers++;
                if (b & SHORT_INTEGER_FLAG) {
                        (void) cursor_skip(h, 1);
                        if (page == HEADER_PAGE_DEFAULT && (b & 0x7FU) == FIELD_X_WAP_APPLICATION_ID)
                                r = parse_app_id(h, p, err);
                        else
                                r = skip_value(h, err);
                } else {
                        /* Application-header: Token-text field name, then its value. */
                        r = read_text(h, &name, &n, err);
                        if (r >= 0)
                                r = skip_value(h, err);
                }
                if (r < 0)
                        return r;
        }
        p->n_headers = n_headers;
        return 0;
}

int wsp_parse_push(const uint8_t *buf, size_t len, WspPush *ret, DecodeError *err) {
        WspPush p = {
                .content_kind = WSP_CONTENT_OTHER,
                .sec = AUTH_NONE,
        };
        uint32_t headers_len = 0;
        Cursor c, h;
        size_t off;
        int r;

        assert(ret);
        assert(buf || len == 0);

        /* WAP-230 8.2.4.1: TID (connectionless only), PDU type, HeadersLen, ContentType, Headers, Data. */
        cursor_init(&c, buf, len);
        if (cursor_u8(&c, &p.tid) < 0)
                return fail(err, cursor_offset(&c), "PDU truncated before TID", -EBADMSG);
        off = cursor_offset(&c);
        if (cursor_u8(&c, &p.pdu_type) < 0)
                return fail(err, off, "PDU truncated before PDU type", -EBADMSG);
        /* WAP-230 8.2.1 Table 34: ConfirmedPush shares the Push layout; over SMS both carry a TID. */
        if (p.pdu_type != WSP_PDU_PUSH && p.pdu_type != WSP_PDU_CONFIRMED_PUSH)
                return fail(err, off, "not a Push or ConfirmedPush PDU", -EOPNOTSUPP);

        off = cursor_offset(&c);
        r = read_uintvar(&c, &headers_len, err);
        if (r < 0)
                return r;
        /* HeadersLen must fit what arrived (MSL-2008-001: over-long lengths hung handsets). */
        if (headers_len > cursor_left(&c))
                return fail(err, off, "HeadersLen past the end of the PDU", -EBADMSG);
        if (headers_len == 0)
                return fail(err, off, "HeadersLen 0: no Content-Type", -EBADMSG);
        (void) cursor_sub(&c, headers_len, &h);

        r = parse_content_type(&h, &p, err);
        if (r < 0)
                return r;
        r = parse_headers(&h, &p, err);
        if (r < 0)
                return r;

        /* Data: everything after the header window, exactly as received (what the MAC covers). */
        p.headers_len = headers_len;
        p.body_offset = cursor_offset(&c);
        p.body_len = cursor_left(&c);
        (void) cursor_bytes(&c, p.body_len, &p.body);

        *ret = p;
        return 0;
}
