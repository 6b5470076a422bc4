/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wsp.h: WSP connectionless Push / ConfirmedPush PDU decoding (WAP-230 8.2.4, 8.4.2;
 * docs/wire-notes.md §2). Extracts the content type, the ProvBoot SEC and MAC parameters
 * (typed and untyped forms), X-Wap-Application-Id, and the body span exactly as received.
 * Pure code: no I/O, no globals.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth-method.h"
#include "decode-error.h"

#define WSP_PDU_PUSH 0x06
#define WSP_PDU_CONFIRMED_PUSH 0x07

#define WSP_MAC_HEX_LEN 40U             /* ProvBoot: HMAC-SHA1 as 40 hex digits */
#define WSP_CONTENT_TYPE_MAX 127U       /* longest textual content type we keep */
#define WSP_APP_ID_MAX 127U             /* longest textual X-Wap-Application-Id we keep */
#define WSP_HEADERS_MAX 32U             /* headers after Content-Type we walk (a code-page shift counts) */
#define WSP_PARAMS_MAX 16U              /* Content-Type parameters we walk */

/* WAP-230 Table 40 / docs/wire-notes.md §2.3: well-known media codes (Short-integer value, not the octet). */
#define WSP_MEDIA_CONNECTIVITY_XML 0x35U        /* text/vnd.wap.connectivity-xml */
#define WSP_MEDIA_CONNECTIVITY_WBXML 0x36U      /* application/vnd.wap.connectivity-wbxml */
#define WSP_MEDIA_PKCS7_MIME 0x37U              /* application/pkcs7-mime */

typedef enum WspContentKind {
        WSP_CONTENT_CP_WBXML,   /* application/vnd.wap.connectivity-wbxml (0x36) */
        WSP_CONTENT_CP_XML,     /* text/vnd.wap.connectivity-xml (0x35) */
        WSP_CONTENT_PKCS7,      /* application/pkcs7-mime (0x37 or text): a signed package */
        WSP_CONTENT_OTHER,
        _WSP_CONTENT_MAX,
} WspContentKind;

typedef struct WspPush {
        uint8_t tid;
        uint8_t pdu_type;
        WspContentKind content_kind;
        char content_type[WSP_CONTENT_TYPE_MAX + 1]; /* canonical lower-case name; empty for an
                                                        unknown well-known code */
        bool content_type_coded;                     /* sent as a well-known code (Integer-value) */
        uint32_t content_type_code;                  /* that code, e.g. 0x36; 0 when sent as text */
        unsigned n_params;                           /* Content-Type parameters walked */
        AuthMethod sec;
        bool has_mac;
        char mac[WSP_MAC_HEX_LEN + 1];               /* normalised to upper-case hex */
        bool has_app_id;
        uint32_t app_id_code;                        /* when sent as an integer */
        char app_id[WSP_APP_ID_MAX + 1];             /* when sent as text (else empty) */
        unsigned n_headers;                          /* headers after Content-Type (shifts not counted) */
        size_t headers_len;                          /* HeadersLen: Content-Type plus headers */
        /* Body = the document, exactly the bytes the MAC covers. Borrowed. */
        const uint8_t *body;
        size_t body_len;
        size_t body_offset;
} WspPush;

/*
 * wsp_parse_push - decode a connectionless Push PDU (TID, type, headers, body).
 * @buf: the WSP PDU (UDH already stripped, segments reassembled)
 * @len: its length
 * @ret: filled only on success; ret->body points into @buf
 * @err: optional; on failure names the offset (from the PDU start) and a static reason
 *
 * A SEC value outside 0..3 and a MAC that is not exactly 40 hex digits after
 * normalising (quotes stripped, case folded) are malformed, and so is a second SEC, MAC or
 * X-Wap-Application-Id. A SEC without a MAC is accepted here (has_mac = false): the verifier
 * decides. The body is everything after the header window; WSP carries no body length, so a
 * PDU truncated inside the body decodes with a shorter body (the MAC catches that).
 *
 * Return: 0; -EBADMSG malformed/truncated (including a uintvar of more than 5 octets);
 *   -EOPNOTSUPP not a Push/ConfirmedPush; -E2BIG over a WSP_*_MAX limit, or an integer
 *   (content type code, application id) that does not fit 32 bits.
 */
int wsp_parse_push(const uint8_t *buf, size_t len, WspPush *ret, DecodeError *err);

