/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-transport.h: the DM session's transport in verifierd: the account's URL, TLS on the socket
 * the dialer passed (dm-dial.h), and a strict small HTTP/1.1 client (docs/architecture.md §2.4.1; OMA DM
 * HTTP binding as implementations practise it: one POST per DM message, Content-Length,
 * Cache-Control: no-store, a non-200 status is a transport failure, not a DM status).
 *
 * TLS policy (OMA-TS-DM_Security-V1_2 §5.1.5.1 recommends an encrypted transport; its TLS 1.0 /
 * SSL 3.0 floor is obsolete, RFC 8996): TLS >= 1.2, SSL_VERIFY_PEER against the [DM] TrustFile=
 * bundle or the system store, the URL's host name checked (SSL_set1_host) and sent as SNI. No
 * fallback of any kind: every failure is -EPROTO and nothing is sent.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_URL_SCHEME_MAX 8U
#define DM_URL_HOST_MAX 256U            /* buffer: host name <= 253 bytes + NUL */
#define DM_URL_PATH_MAX 1024U           /* buffer: path and query, NUL included */
#define DM_URL_MAX 2048U                /* bytes of a whole URL */
#define DM_HTTPS_DEFAULT_PORT 443U

/* HTTP limits (each has a test at and past it: tests/unit/test-dm-transport.c) */
#define DM_HTTP_HEADER_MAX (8U * 1024U)         /* status line + headers + CRLF CRLF */
#define DM_HTTP_HEADER_LINE_MAX 1024U           /* one header line, CRLF excluded */
#define DM_HTTP_HEADERS_MAX 64U                 /* header fields */
#define DM_HTTP_CHUNK_LINE_MAX 64U              /* chunk-size line, CRLF excluded */
#define DM_HTTP_CHUNKS_MAX 1024U                /* chunks of one body */
#define DM_HTTP_CHUNK_SIZE_DIGITS_MAX 15U       /* hex digits of a chunk size (< 2^60); more: -E2BIG */
#define DM_HTTP_CONTENT_LENGTH_DIGITS_MAX 19U   /* decimal digits of Content-Length (fits uint64_t);
                                                 * more: -EBADMSG */
#define DM_HTTP_INTERIM_MAX 4U                  /* 1xx interim responses before the answer; more: -E2BIG */
#define DM_HTTP_CONTENT_TYPE_MAX 127U           /* bytes of the response's Content-Type */
#define DM_HTTP_HMAC_HEADER_MAX 512U            /* bytes of x-syncml-hmac */
#define DM_HTTP_CONTENT_TYPE_DEFAULT "application/vnd.syncml.dm+xml"

typedef struct DmUrl {
        char scheme[8];
        char host[256];                 /* lower-case host name, or address literal without [] */
        uint16_t port;                  /* 443 when the URL names none */
        char path[1024];                /* "/" when the URL names none; query kept */
} DmUrl;

/* Parse an absolute https URL: "https://" host [":" port] [path-abempty ["?" query]] (RFC 3986
 * §3), no userinfo, no fragment, no percent-encoding in the host, only printable ASCII. http:// ->
 * -EPROTONOSUPPORT (no plaintext fallback, ever); any other scheme or syntax error -> -EINVAL;
 * a part longer than its buffer or a URL over DM_URL_MAX -> -E2BIG. */
int dm_url_parse(const char *url, DmUrl *ret);
/* Scheme, host and port equal (RespURI must keep the origin of the account's address). */
bool dm_url_same_origin(const DmUrl *a, const DmUrl *b);

typedef struct DmTls DmTls;

/* TLS client on @fd (taken: closed on every path, also on failure), checking the server's
 * certificate chain against @trust_file (a PEM bundle; NULL: OpenSSL's system default paths) and
 * its name against @host (SSL_set1_host; also sent as SNI unless it is an address literal), TLS
 * 1.2 at least; the handshake must finish within @timeout_ms.
 * Return: 0; -EPROTO any TLS or verification failure; -ETIMEDOUT; -ENOENT/-EINVAL a trust file
 * that cannot be read or holds no certificate; -ENOMEM. */
int dm_tls_open(int fd, const char *host, const char *trust_file, unsigned timeout_ms, DmTls **ret);
/* Why the last dm_tls_open() of this thread failed, in words for the TLS verdict log (OpenSSL's
 * reason, e.g. "certificate verification failed (unable to get local issuer certificate)"); ""
 * after a success. Holds no secret and no peer data but the verify error. */
const char *dm_tls_last_error(void);
/* Send close_notify (best effort, without waiting), free, close the fd. NULL-safe; returns NULL. */
DmTls *dm_tls_free(DmTls *t);

typedef struct DmHttpResponse {
        unsigned status;                /* 100..599 */
        char *content_type;             /* lower-cased media type without parameters, or NULL */
        uint8_t *body;                  /* body_len bytes + a NUL not counted; NULL when empty */
        size_t body_len;
        char *hmac_header;              /* x-syncml-hmac's value, or NULL */
        bool server_closes;             /* "Connection: close", or HTTP/1.0 without keep-alive */
} DmHttpResponse;

/* Free what @r holds and zero it. */
void dm_http_response_done(DmHttpResponse *r);

/* Parse one HTTP/1.1 (or 1.0) response from @buf: status line, header fields (RFC 9112 §2-5:
 * token ":" OWS value OWS, no obs-fold, no bare CR or LF, no NUL), a body framed by
 * Content-Length or Transfer-Encoding: chunked (both, several differing Content-Lengths, or another
 * transfer coding -> -EBADMSG; neither -> no body unless the status allows one: -EBADMSG, as the
 * DM server must frame its reply), 1xx responses skipped (at most DM_HTTP_INTERIM_MAX). Pure
 * (fuzzed).
 * Return: 0 with @ret filled and @ret_consumed the bytes used; -EAGAIN incomplete (read more);
 * -EBADMSG malformed; -E2BIG over a named limit or a body over @max_body. */
int dm_http_parse_response(const uint8_t *buf, size_t len, size_t max_body, DmHttpResponse *ret,
                           size_t *ret_consumed);

/* POST @body (@len bytes, @content_type or DM_HTTP_CONTENT_TYPE_DEFAULT when NULL) to @url's path
 * on @t with Host, Content-Length, Cache-Control: no-store, Accept (the same type) and
 * Connection: keep-alive, and read the response (at most @max_response body bytes), all within
 * @timeout_ms. @url must name the host @t was opened for (-EINVAL otherwise).
 * Return: 0 and @ret (any HTTP status: the caller treats non-200 as a transport failure);
 * -ECONNRESET only when the request was NOT written whole on a kept-alive connection: the server
 * had closed it (or sent bytes nobody asked for) before this POST, said it would close after the
 * previous answer, or the write failed because it closed (the caller dials again and sends it
 * again: the server cannot have acted on it); -EBADMSG a malformed, unframed or cut answer, also
 * a close after the whole request was written, even before any byte of an answer (a POST is not
 * idempotent: the server may have acted on it, so it is never sent again); -ETIMEDOUT; -E2BIG;
 * -EPROTO a TLS error; -EINVAL. After an error @t must not be used again. */
int dm_http_post(DmTls *t, const DmUrl *url, const char *content_type, const uint8_t *body,
                 size_t len, size_t max_response, unsigned timeout_ms, DmHttpResponse *ret);
