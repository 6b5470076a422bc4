/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-transport.c: URL, TLS and a strict small HTTP/1.1 client for the DM session
 * (dm-transport.h). Library code: it does not log; dm_tls_last_error() says why a handshake
 * failed, for the caller's TLS verdict.
 *
 * Why a small HTTP client of our own and not libcurl (docs/architecture.md §2.4.1, the choice the design
 * left open): this code runs inside verifierd, the process that holds every secret, and what it
 * parses comes from the network. A DM session needs exactly one request shape (POST with
 * Content-Length) and two response framings (Content-Length, chunked). libcurl would bring
 * redirects, proxies, cookies, authentication schemes, content decoding, HTTP/2, name resolution
 * and a dozen protocols into that process, each of which would have to be switched off and kept
 * off across library updates; the parser below is ~400 lines, has a named limit for everything,
 * is fuzzed (tests/fuzz/fuzz-dm-http.c) and can only do what the session needs. The project's
 * "use a well-kept library" rule is kept where it matters most: TLS and certificate checks are
 * OpenSSL's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

#include "dm-address.h"
#include "dm-transport.h"
#include "macros.h"

_Static_assert(DM_URL_HOST_MAX > DM_HOST_MAX, "a host name fits DmUrl.host");
_Static_assert(sizeof(((DmUrl *) 0)->scheme) == DM_URL_SCHEME_MAX, "one scheme size");
_Static_assert(sizeof(((DmUrl *) 0)->host) == DM_URL_HOST_MAX, "one host size");
_Static_assert(sizeof(((DmUrl *) 0)->path) == DM_URL_PATH_MAX, "one path size");

/* ---- URL ------------------------------------------------------------------------------------ */

int dm_url_parse(const char *url, DmUrl *ret) {
        DmUrl u = { .port = DM_HTTPS_DEFAULT_PORT };
        const char *p, *auth, *auth_end, *host_end;
        size_t n, hn;

        if (!url || !ret)
                return -EINVAL;
        n = strnlen(url, DM_URL_MAX + 1);
        if (n > DM_URL_MAX)
                return -E2BIG;
        /* printable ASCII only, no blanks: nothing to normalise, nothing to smuggle */
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) url[i] <= 0x20 || (unsigned char) url[i] >= 0x7f)
                        return -EINVAL;
        /* Only https: a plain http address is never dialled, not even "just this once"
         * (OMA-TS-DM_Security-V1_2 §5.1.5.1; docs/architecture.md §2.4.1). */
        if (strncasecmp(url, "http://", 7) == 0)
                return -EPROTONOSUPPORT;
        if (strncasecmp(url, "https://", 8) != 0)
                return -EINVAL;
        memcpy(u.scheme, "https", 6);
        auth = url + 8;
        auth_end = auth + strcspn(auth, "/?#");
        if (strchr(url, '#'))
                return -EINVAL;                 /* no fragment (RFC 3986 §3.5): nothing to send */
        if (memchr(auth, '@', (size_t) (auth_end - auth)))
                return -EINVAL;                 /* no userinfo: credentials never go in a URL */
        if (auth == auth_end)
                return -EINVAL;
        if (auth[0] == '[') {                   /* IP-literal (RFC 3986 §3.2.2), IPv6 only */
                struct in6_addr a6;
                const char *close = memchr(auth, ']', (size_t) (auth_end - auth));

                if (!close)
                        return -EINVAL;
                hn = (size_t) (close - auth - 1);
                if (hn == 0 || hn >= INET6_ADDRSTRLEN)
                        return -EINVAL;
                memcpy(u.host, auth + 1, hn);
                u.host[hn] = 0;
                if (inet_pton(AF_INET6, u.host, &a6) != 1)
                        return -EINVAL;
                host_end = close + 1;
                if (host_end != auth_end && *host_end != ':')
                        return -EINVAL;
        } else {
                host_end = memchr(auth, ':', (size_t) (auth_end - auth));
                if (!host_end)
                        host_end = auth_end;
                hn = (size_t) (host_end - auth);
                if (hn > DM_HOST_MAX)
                        return -E2BIG;
                for (size_t i = 0; i < hn; i++) /* host names compare case-insensitively (RFC 3986 §3.2.2) */
                        u.host[i] = (char) ((auth[i] >= 'A' && auth[i] <= 'Z') ? auth[i] + 32 : auth[i]);
                u.host[hn] = 0;
                if (!dm_host_valid(u.host))
                        return -EINVAL;
                {
                        struct in6_addr a6;

                        if (inet_pton(AF_INET6, u.host, &a6) == 1)
                                return -EINVAL;         /* IPv6 literals need brackets */
                }
        }
        if (host_end != auth_end) {             /* ":" port */
                unsigned long v = 0;
                const char *q = host_end + 1;

                if (q == auth_end || auth_end - q > 5 || *q == '0')
                        return -EINVAL;
                for (; q < auth_end; q++) {
                        if (*q < '0' || *q > '9')
                                return -EINVAL;
                        v = v * 10 + (unsigned long) (*q - '0');
                }
                if (v == 0 || v > 65535)
                        return -EINVAL;
                u.port = (uint16_t) v;
        }
        p = auth_end;
        if (*p == 0)
                memcpy(u.path, "/", 2);
        else {
                size_t pn = strlen(p) + (*p == '?' ? 1 : 0);

                if (pn >= sizeof(u.path))
                        return -E2BIG;
                snprintf(u.path, sizeof u.path, "%s%s", *p == '?' ? "/" : "", p);
        }
        *ret = u;
        return 0;
}

bool dm_url_same_origin(const DmUrl *a, const DmUrl *b) {
        if (!a || !b)
                return false;
        return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 && a->port == b->port;
}

/* ---- TLS ------------------------------------------------------------------------------------ */

struct DmTls {
        SSL_CTX *ctx;
        SSL *ssl;
        int fd;
        char host[DM_URL_HOST_MAX];
        unsigned requests;              /* POSTs answered on this connection */
        bool unusable;                  /* the server closes, or an error happened */
};

static __thread char tls_last_error[256];

const char *dm_tls_last_error(void) {
        return tls_last_error;
}

static void set_last_error(const char *what, unsigned long e) {
        char buf[200] = "";

        if (e)
                ERR_error_string_n(e, buf, sizeof buf);
        snprintf(tls_last_error, sizeof tls_last_error, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000U + (uint64_t) ts.tv_nsec / 1000000U;
}

/* Wait for @fd to become readable (@want_read) or writable, until @deadline (CLOCK_MONOTONIC ms).
 * Return: 0, -ETIMEDOUT, or negative errno. */
static int wait_fd(int fd, bool want_read, uint64_t deadline) {
        for (;;) {
                struct pollfd p = { .fd = fd, .events = want_read ? POLLIN : POLLOUT };
                uint64_t now = now_ms();
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int) MIN(deadline - now, (uint64_t) INT32_MAX));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r > 0)
                        return 0;
        }
}

DmTls *dm_tls_free(DmTls *t) {
        if (!t)
                return NULL;
        if (t->ssl) {
                /* close_notify, best effort: the socket is non-blocking, nothing waits for it */
                if (!t->unusable && SSL_is_init_finished(t->ssl))
                        (void) SSL_shutdown(t->ssl);
                SSL_free(t->ssl);
        }
        SSL_CTX_free(t->ctx);
        if (t->fd >= 0)
                close(t->fd);
        free(t);
        ERR_clear_error();
        return NULL;
}

/* The CAs the server's chain must end in. TRUST: only these; the [DM] TrustFile= bundle when set
 * (an operator's or enterprise root, as Windows Mobile's ROOT store for DM, MS bb737552), the
 * system store otherwise. A bundle that holds no certificate is an error, not "trust nothing". */
static int load_trust(SSL_CTX *ctx, const char *trust_file) {
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        X509_LOOKUP *lookup;

        if (!trust_file) {
                if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
                        set_last_error("cannot load the system trust store", ERR_get_error());
                        return -EINVAL;
                }
                return 0;
        }
        if (access(trust_file, R_OK) < 0) {
                int e = errno;

                snprintf(tls_last_error, sizeof tls_last_error, "cannot read the trust file: %s", strerror(e));
                return e == ENOENT ? -ENOENT : -e;
        }
        lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
        if (!lookup)
                return -ENOMEM;
        if (X509_load_cert_crl_file(lookup, trust_file, X509_FILETYPE_PEM) <= 0) {
                set_last_error("the trust file holds no PEM certificate", ERR_get_error());
                return -EINVAL;
        }
        return 0;
}

int dm_tls_open(int fd, const char *host, const char *trust_file, unsigned timeout_ms, DmTls **ret) {
        uint64_t deadline = now_ms() + timeout_ms;
        DmTls *t = NULL;
        struct in_addr a4;
        struct in6_addr a6;
        bool literal;
        int flags, r;

        tls_last_error[0] = 0;
        if (fd < 0 || !ret || !dm_host_valid(host)) {
                if (fd >= 0)
                        close(fd);
                return -EINVAL;
        }
        t = calloc(1, sizeof(*t));
        if (!t) {
                close(fd);
                return -ENOMEM;
        }
        t->fd = fd;
        snprintf(t->host, sizeof t->host, "%s", host);
        ERR_clear_error();
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }
        t->ctx = SSL_CTX_new(TLS_client_method());
        if (!t->ctx) {
                r = -ENOMEM;
                goto fail;
        }
        /* TLS 1.2 at least: the spec's TLS 1.0 / SSL 3.0 floor (OMA-TS-DM_Security-V1_2
         * §5.1.5.1.1) is obsolete (RFC 8996 deprecates TLS 1.0 and 1.1). No renegotiation, no
         * compression (CRIME), no session tickets kept: one session per connection. */
        if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1) {
                r = -EPROTO;
                goto fail;
        }
        SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
        r = load_trust(t->ctx, trust_file);
        if (r < 0)
                goto fail;
        t->ssl = SSL_new(t->ctx);
        if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1) {
                r = -ENOMEM;
                goto fail;
        }
        /* TRUST: the certificate must name the host of the account's address (RFC 6125 via
         * X509_check_host, run by OpenSSL during verification), not just chain to a trusted
         * CA: the dialer picks the peer, so this is what makes a misrouted connection fail. */
        literal = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
        /* NEVER_CHECK_SUBJECT: the name is taken from the subjectAltName only, never from the
         * subject's CN when the certificate has no DNS SAN (RFC 6125 §6.4.4 allows that fallback,
         * RFC 9525 §6.3 drops it; the CA/B Forum requires SANs since 2012) */
        X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(t->ssl),
                                        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
        if (literal) {
                /* an address is checked against the certificate's iPAddress SANs; no SNI for
                 * literals (RFC 6066 §3) */
                if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) != 1) {
                        r = -EINVAL;
                        goto fail;
                }
        } else if (SSL_set1_host(t->ssl, host) != 1 || SSL_set_tlsext_host_name(t->ssl, host) != 1) {
                r = -ENOMEM;
                goto fail;
        }
        for (;;) {
                int k = SSL_connect(t->ssl), e;

                if (k == 1)
                        break;
                e = SSL_get_error(t->ssl, k);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                        r = wait_fd(fd, e == SSL_ERROR_WANT_READ, deadline);
                        if (r < 0) {
                                if (r == -ETIMEDOUT)
                                        set_last_error("TLS handshake timed out", 0);
                                goto fail;
                        }
                        continue;
                }
                if (SSL_get_verify_result(t->ssl) != X509_V_OK) {
                        char what[200];

                        snprintf(what, sizeof what, "certificate verification failed (%s)",
                                 X509_verify_cert_error_string(SSL_get_verify_result(t->ssl)));
                        set_last_error(what, 0);
                } else
                        set_last_error("TLS handshake failed", ERR_peek_last_error());
                r = -EPROTO;
                goto fail;
        }
        /* Belt and braces: with SSL_VERIFY_PEER a failed check already ended the handshake. */
        if (SSL_get_verify_result(t->ssl) != X509_V_OK || !SSL_get0_peer_certificate(t->ssl) ||
            SSL_version(t->ssl) < TLS1_2_VERSION) {
                set_last_error("server not verified", 0);
                r = -EPROTO;
                goto fail;
        }
        *ret = t;
        return 0;
fail:
        if (t->ssl)
                t->unusable = true;
        dm_tls_free(t);
        return r;
}

/* ---- HTTP response parser ------------------------------------------------------------------- */

void dm_http_response_done(DmHttpResponse *r) {
        if (!r)
                return;
        free(r->content_type);
        free(r->body);
        free(r->hmac_header);
        *r = (DmHttpResponse) {};
}

/* RFC 9110 §5.6.2 tchar */
static bool is_tchar(uint8_t c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

/* field-vchar / SP / HTAB / obs-text (RFC 9110 §5.5) */
static bool is_field_char(uint8_t c) {
        return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

/* One CRLF-terminated line starting at *off, at most @max bytes (CRLF excluded). A bare LF, a CR
 * not followed by LF, or a NUL is -EBADMSG; a line over @max is -E2BIG, even before its end
 * arrived; no complete line yet is -EAGAIN. */
static int next_line(const uint8_t *buf, size_t len, size_t *off, size_t max, const uint8_t **ret,
                     size_t *ret_n) {
        for (size_t i = *off; i < len; i++) {
                uint8_t c = buf[i];

                if (c == '\n') {
                        size_t n;

                        if (i == *off || buf[i - 1] != '\r')
                                return -EBADMSG;
                        n = i - 1 - *off;
                        if (n > max)
                                return -E2BIG;
                        *ret = buf + *off;
                        *ret_n = n;
                        *off = i + 1;
                        return 0;
                }
                if (c == 0)
                        return -EBADMSG;
                if (c == '\r' && i + 1 < len && buf[i + 1] != '\n')
                        return -EBADMSG;
                /* byte max of the line may only be the CR (an LF after it ended the line above) */
                if (i - *off > max || (i - *off == max && c != '\r'))
                        return -E2BIG;
        }
        return -EAGAIN;
}

static bool name_is(const uint8_t *n, size_t nl, const char *s) {
        return strlen(s) == nl && strncasecmp((const char *) n, s, nl) == 0;
}

/* Does the comma-separated token list @v (@vl bytes) hold @tok (case-insensitive)? */
static bool list_has(const uint8_t *v, size_t vl, const char *tok) {
        size_t i = 0;

        while (i < vl) {
                size_t s, e;

                while (i < vl && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
                        i++;
                s = i;
                while (i < vl && v[i] != ',')
                        i++;
                e = i;
                while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
                        e--;
                if (e > s && name_is(v + s, e - s, tok))
                        return true;
        }
        return false;
}

typedef struct Head {
        unsigned status;
        bool http10;
        bool have_length, chunked, conn_close, conn_keep_alive;
        uint64_t length;
        const uint8_t *ctype, *hmac;
        size_t ctype_n, hmac_n;
} Head;

/* Status line "HTTP/1.x SP 3DIGIT SP reason" (RFC 9112 §4). */
static int parse_status_line(const uint8_t *l, size_t n, Head *h) {
        if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
                return -EBADMSG;
        h->http10 = l[7] == '0';
        for (size_t i = 9; i < 12; i++)
                if (l[i] < '0' || l[i] > '9')
                        return -EBADMSG;
        h->status = (unsigned) (l[9] - '0') * 100U + (unsigned) (l[10] - '0') * 10U + (unsigned) (l[11] - '0');
        if (h->status < 100 || h->status > 599)
                return -EBADMSG;
        if (n == 12)
                return -EBADMSG;                /* the SP before the (possibly empty) reason */
        if (l[12] != ' ')
                return -EBADMSG;
        for (size_t i = 13; i < n; i++)
                if (!is_field_char(l[i]))
                        return -EBADMSG;
        return 0;
}

/* "name: OWS value OWS" (RFC 9112 §5). Sets the name and the trimmed value. */
static int split_field(const uint8_t *l, size_t n, const uint8_t **name, size_t *name_n, const uint8_t **value,
                       size_t *value_n) {
        size_t i = 0, s, e;

        if (n == 0 || l[0] == ' ' || l[0] == '\t')
                return -EBADMSG;                /* obs-fold (RFC 9112 §5.2): refused */
        while (i < n && is_tchar(l[i]))
                i++;
        if (i == 0 || i >= n || l[i] != ':')
                return -EBADMSG;                /* no blank between name and colon (§5.1) */
        *name = l;
        *name_n = i;
        for (size_t k = i + 1; k < n; k++)
                if (!is_field_char(l[k]))
                        return -EBADMSG;
        s = i + 1;
        e = n;
        while (s < e && (l[s] == ' ' || l[s] == '\t'))
                s++;
        while (e > s && (l[e - 1] == ' ' || l[e - 1] == '\t'))
                e--;
        *value = l + s;
        *value_n = e - s;
        return 0;
}

static int parse_uint_dec(const uint8_t *v, size_t n, uint64_t *ret) {
        uint64_t x = 0;

        /* 19 digits always fit in 64 bits: no overflow check needed below */
        if (n == 0 || n > DM_HTTP_CONTENT_LENGTH_DIGITS_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return -EBADMSG;
                x = x * 10 + (uint64_t) (v[i] - '0');
        }
        *ret = x;
        return 0;
}

static int hexval(uint8_t c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* The header section from *off (status line included); *off moves past its empty line. */
static int parse_head(const uint8_t *buf, size_t len, size_t *off, Head *h) {
        size_t start = *off, fields = 0;
        const uint8_t *l;
        size_t n;
        int r;

        *h = (Head) {};
        r = next_line(buf, len, off, DM_HTTP_HEADER_LINE_MAX, &l, &n);
        if (r < 0)
                return r == -EAGAIN && len - start > DM_HTTP_HEADER_MAX ? -E2BIG : r;
        r = parse_status_line(l, n, h);
        if (r < 0)
                return r;
        for (;;) {
                const uint8_t *name, *value;
                size_t name_n, value_n;

                r = next_line(buf, len, off, DM_HTTP_HEADER_LINE_MAX, &l, &n);
                if (r == -EAGAIN)
                        return len - start > DM_HTTP_HEADER_MAX ? -E2BIG : -EAGAIN;
                if (r < 0)
                        return r;
                if (*off - start > DM_HTTP_HEADER_MAX)
                        return -E2BIG;
                if (n == 0)
                        break;
                if (++fields > DM_HTTP_HEADERS_MAX)
                        return -E2BIG;
                r = split_field(l, n, &name, &name_n, &value, &value_n);
                if (r < 0)
                        return r;
                if (name_is(name, name_n, "content-length")) {
                        uint64_t v;

                        /* one value; repeated identical values are tolerated (RFC 9110 §8.6),
                         * differing ones are a framing attack */
                        if (parse_uint_dec(value, value_n, &v) < 0)
                                return -EBADMSG;
                        if (h->have_length && h->length != v)
                                return -EBADMSG;
                        h->have_length = true;
                        h->length = v;
                } else if (name_is(name, name_n, "transfer-encoding")) {
                        /* chunked alone; any other coding (gzip, ...) is not supported */
                        if (h->chunked || !name_is(value, value_n, "chunked"))
                                return -EBADMSG;
                        h->chunked = true;
                } else if (name_is(name, name_n, "content-type")) {
                        if (h->ctype)
                                return -EBADMSG;
                        if (value_n > DM_HTTP_CONTENT_TYPE_MAX)
                                return -E2BIG;
                        h->ctype = value;
                        h->ctype_n = value_n;
                } else if (name_is(name, name_n, "x-syncml-hmac")) {
                        if (h->hmac)
                                return -EBADMSG;
                        if (value_n > DM_HTTP_HMAC_HEADER_MAX)
                                return -E2BIG;
                        h->hmac = value;
                        h->hmac_n = value_n;
                } else if (name_is(name, name_n, "connection")) {
                        if (list_has(value, value_n, "close"))
                                h->conn_close = true;
                        if (list_has(value, value_n, "keep-alive"))
                                h->conn_keep_alive = true;
                }
        }
        /* Content-Length with Transfer-Encoding is how request smuggling starts (RFC 9112 §6.3):
         * refused rather than resolved. */
        if (h->have_length && h->chunked)
                return -EBADMSG;
        return 0;
}

/* Chunked body from *off (RFC 9112 §7.1): sizes in hex, optional extensions ignored, each
 * chunk's CRLF checked, trailer fields parsed with the header grammar and dropped. Appends to
 * @body (NULL: only measure) and counts *body_n. */
static int parse_chunked(const uint8_t *buf, size_t len, size_t *off, size_t max_body, uint8_t *body,
                         size_t *body_n) {
        size_t chunks = 0, trailer_start, trailer_fields = 0;

        *body_n = 0;
        for (;;) {
                const uint8_t *l;
                size_t n, i = 0;
                uint64_t size = 0;
                int r;

                r = next_line(buf, len, off, DM_HTTP_CHUNK_LINE_MAX, &l, &n);
                if (r < 0)
                        return r;
                while (i < n && hexval(l[i]) >= 0) {
                        if (i >= DM_HTTP_CHUNK_SIZE_DIGITS_MAX)
                                return -E2BIG;  /* 2^60 or more: no DM message is that big */
                        size = size * 16 + (uint64_t) hexval(l[i]);
                        i++;
                }
                if (i == 0)
                        return -EBADMSG;
                /* chunk-ext: BWS ";" ... (RFC 9112 §7.1.1): accepted and ignored */
                while (i < n && (l[i] == ' ' || l[i] == '\t'))
                        i++;
                if (i < n && l[i] != ';')
                        return -EBADMSG;
                for (; i < n; i++)
                        if (!is_field_char(l[i]))
                                return -EBADMSG;
                if (size == 0)
                        break;
                if (++chunks > DM_HTTP_CHUNKS_MAX)
                        return -E2BIG;
                if (size > max_body || *body_n + size > max_body)
                        return -E2BIG;
                if (len - *off < size + 2)
                        return -EAGAIN;
                if (buf[*off + size] != '\r' || buf[*off + size + 1] != '\n')
                        return -EBADMSG;
                if (body)
                        memcpy(body + *body_n, buf + *off, size);
                *body_n += size;
                *off += size + 2;
        }
        trailer_start = *off;
        for (;;) {
                const uint8_t *l, *name, *value;
                size_t n, name_n, value_n;
                int r;

                r = next_line(buf, len, off, DM_HTTP_HEADER_LINE_MAX, &l, &n);
                if (r == -EAGAIN)
                        return len - trailer_start > DM_HTTP_HEADER_MAX ? -E2BIG : -EAGAIN;
                if (r < 0)
                        return r;
                if (*off - trailer_start > DM_HTTP_HEADER_MAX)
                        return -E2BIG;
                if (n == 0)
                        return 0;
                if (++trailer_fields > DM_HTTP_HEADERS_MAX)
                        return -E2BIG;
                r = split_field(l, n, &name, &name_n, &value, &value_n);
                if (r < 0)
                        return r;
        }
}

int dm_http_parse_response(const uint8_t *buf, size_t len, size_t max_body, DmHttpResponse *ret,
                           size_t *ret_consumed) {
        DmHttpResponse resp = {};
        size_t off = 0, body_start, body_n = 0;
        unsigned interim = 0;
        Head h;
        int r;

        if (!buf || !ret || !ret_consumed)
                return -EINVAL;
        /* interim 1xx responses (100 Continue, 103 Early Hints) come before the answer and are
         * skipped; 101 Switching Protocols is never asked for */
        for (;;) {
                r = parse_head(buf, len, &off, &h);
                if (r < 0)
                        return r;
                if (h.status >= 200)
                        break;
                if (h.status == 101 || h.have_length || h.chunked)
                        return -EBADMSG;
                /* each costs a parse of what came before it on every read (dm_http_post) */
                if (++interim > DM_HTTP_INTERIM_MAX)
                        return -E2BIG;
        }
        body_start = off;
        if (h.status == 204 || h.status == 304) {
                if ((h.have_length && h.length != 0) || h.chunked)
                        return -EBADMSG;
        } else if (h.chunked) {
                r = parse_chunked(buf, len, &off, max_body, NULL, &body_n);
                if (r < 0)
                        return r;
        } else if (h.have_length) {
                if (h.length > max_body)
                        return -E2BIG;
                if (len - off < h.length)
                        return -EAGAIN;
                body_n = (size_t) h.length;
                off += body_n;
        } else
                /* framing by closing the connection is not accepted: the DM server must say how
                 * long its answer is, or a cut connection would pass for a complete message */
                return -EBADMSG;

        resp.status = h.status;
        resp.server_closes = h.conn_close || (h.http10 && !h.conn_keep_alive);
        if (h.ctype) {
                size_t n = 0;

                /* the media type without parameters, lower-cased (RFC 9110 §8.3.1) */
                while (n < h.ctype_n && h.ctype[n] != ';' && h.ctype[n] != ' ' && h.ctype[n] != '\t')
                        n++;
                resp.content_type = strndup((const char *) h.ctype, n);
                if (!resp.content_type)
                        goto oom;
                for (char *p = resp.content_type; *p; p++)
                        if (*p >= 'A' && *p <= 'Z')
                                *p = (char) (*p + 32);
        }
        if (h.hmac) {
                resp.hmac_header = strndup((const char *) h.hmac, h.hmac_n);
                if (!resp.hmac_header)
                        goto oom;
        }
        if (body_n > 0) {
                resp.body = malloc(body_n + 1);
                if (!resp.body)
                        goto oom;
                if (h.chunked) {
                        size_t o = body_start, n2;

                        r = parse_chunked(buf, len, &o, max_body, resp.body, &n2);
                        if (r < 0 || n2 != body_n) {
                                dm_http_response_done(&resp);
                                return r < 0 ? r : -EBADMSG;
                        }
                } else
                        memcpy(resp.body, buf + body_start, body_n);
                resp.body[body_n] = 0;
                resp.body_len = body_n;
        }
        *ret = resp;
        *ret_consumed = off;
        return 0;
oom:
        dm_http_response_done(&resp);
        return -ENOMEM;
}

/* ---- HTTP POST over TLS --------------------------------------------------------------------- */

/* Largest response buffer: headers, a body of @max_body, chunk framing and trailers. */
static size_t response_buffer_max(size_t max_body) {
        return DM_HTTP_HEADER_MAX * 2U + max_body + DM_HTTP_CHUNKS_MAX * (DM_HTTP_CHUNK_LINE_MAX + 4U) + 8U;
}

/* Has the peer closed (or sent anything) while the connection was idle? A server that dropped a
 * kept-alive connection shows as readable: EOF, or a close_notify/alert record. Nothing is
 * consumed from a live connection: an idle one has nothing to read. */
static bool peer_closed(DmTls *t) {
        struct pollfd p = { .fd = t->fd, .events = POLLIN | POLLRDHUP };

        /* Bytes OpenSSL already read from the socket (a record after the answer, decrypted or
         * not) do not show in poll(): they are anything the server sent unasked, so the
         * connection is out of step just the same. */
        if (SSL_has_pending(t->ssl) || SSL_pending(t->ssl) > 0)
                return true;
        return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR));
}

/* Writing to a socket the peer closed raises SIGPIPE, which would kill verifierd: block it for
 * this thread around the write and swallow one that was raised here (the way libcurl's
 * sigpipe_ignore does it), leaving the process' signal dispositions alone. */
static int tls_write_all_nosigpipe(DmTls *t, const uint8_t *p, size_t n, uint64_t deadline, bool *ret_closed);

static int tls_write_all(DmTls *t, const uint8_t *p, size_t n, uint64_t deadline, bool *ret_closed) {
        sigset_t pipe_set, old, pending;
        bool was_pending;
        int r;

        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigemptyset(&pending);
        (void) sigpending(&pending);
        was_pending = sigismember(&pending, SIGPIPE);
        if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0)
                return -EINVAL;
        r = tls_write_all_nosigpipe(t, p, n, deadline, ret_closed);
        if (!was_pending) {
                const struct timespec zero = {};

                (void) sigtimedwait(&pipe_set, NULL, &zero);
        }
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        return r;
}

static int tls_write_all_nosigpipe(DmTls *t, const uint8_t *p, size_t n, uint64_t deadline, bool *ret_closed) {
        while (n > 0) {
                size_t w = 0;
                int e;

                ERR_clear_error();
                if (SSL_write_ex(t->ssl, p, n, &w) == 1) {
                        p += w;
                        n -= w;
                        continue;
                }
                e = SSL_get_error(t->ssl, 0);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                        int r = wait_fd(t->fd, e == SSL_ERROR_WANT_READ, deadline);

                        if (r < 0)
                                return r;
                        continue;
                }
                if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL)
                        *ret_closed = true;     /* EPIPE/ECONNRESET: the peer closed */
                return -EPROTO;
        }
        return 0;
}

/* Read what is there (at least one byte). Return: bytes read, 0 at the end of the stream,
 * or negative errno. */
static ssize_t tls_read_some(DmTls *t, uint8_t *p, size_t n, uint64_t deadline) {
        for (;;) {
                size_t got = 0;
                int e;

                ERR_clear_error();
                if (SSL_read_ex(t->ssl, p, n, &got) == 1)
                        return (ssize_t) got;
                e = SSL_get_error(t->ssl, 0);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                        int r = wait_fd(t->fd, e == SSL_ERROR_WANT_READ, deadline);

                        if (r < 0)
                                return r;
                        continue;
                }
                if (e == SSL_ERROR_ZERO_RETURN)
                        return 0;               /* close_notify */
                /* TCP end without close_notify: an end too, but the framing check of the caller
                 * catches a cut answer (a truncation attack can only shorten the stream, and
                 * every answer must be framed: Content-Length or chunked). OpenSSL 1.1 reports
                 * it as SSL_ERROR_SYSCALL without an error queued; OpenSSL 3 as SSL_ERROR_SSL
                 * with SSL_R_UNEXPECTED_EOF_WHILE_READING. */
                if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
                        return 0;
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
                if (e == SSL_ERROR_SSL && ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_SSL &&
                    ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                        ERR_clear_error();
                        return 0;
                }
#endif
                return -EPROTO;
        }
}

static bool content_type_valid(const char *ct) {
        size_t n = strnlen(ct, DM_HTTP_CONTENT_TYPE_MAX + 1);

        if (n == 0 || n > DM_HTTP_CONTENT_TYPE_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_field_char((uint8_t) ct[i]) || ct[i] == '\t')
                        return false;
        return true;
}

int dm_http_post(DmTls *t, const DmUrl *url, const char *content_type, const uint8_t *body,
                 size_t len, size_t max_response, unsigned timeout_ms, DmHttpResponse *ret) {
        uint64_t deadline = now_ms() + timeout_ms;
        _cleanup_free_ uint8_t *in = NULL;
        size_t in_n = 0, in_size = 0, in_max, consumed = 0;
        char head[DM_URL_PATH_MAX + DM_URL_HOST_MAX + 2 * DM_HTTP_CONTENT_TYPE_MAX + 256];
        char hostport[DM_URL_HOST_MAX + 16];
        bool closed = false, v6;
        int n, r;

        if (!t || !url || !ret || (len > 0 && !body))
                return -EINVAL;
        if (!content_type)
                content_type = DM_HTTP_CONTENT_TYPE_DEFAULT;
        /* the request goes to the host the TLS session verified, nowhere else */
        if (strcmp(url->scheme, "https") != 0 || strcmp(url->host, t->host) != 0 || !content_type_valid(content_type))
                return -EINVAL;
        if (url->path[0] != '/' || strpbrk(url->path, " \r\n\t") || len > SIZE_MAX / 2 ||
            max_response > SIZE_MAX / 4)
                return -EINVAL;
        /* A kept-alive connection the server said it would close: dial again (the caller). */
        if (t->unusable)
                return -ECONNRESET;
        if (t->requests > 0 && peer_closed(t)) {
                t->unusable = true;
                return -ECONNRESET;
        }
        v6 = strchr(url->host, ':') != NULL;
        if (url->port == DM_HTTPS_DEFAULT_PORT)
                snprintf(hostport, sizeof hostport, v6 ? "[%s]" : "%s", url->host);
        else
                snprintf(hostport, sizeof hostport, v6 ? "[%s]:%u" : "%s:%u", url->host, (unsigned) url->port);
        /* SyncML HTTP binding as practised (docs/architecture.md §2.4.1): POST, Content-Length, no-store */
        n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "User-Agent: provboot-dm/0.1\r\n"
                     "Content-Type: %s\r\n"
                     "Accept: %s\r\n"
                     "Cache-Control: no-store\r\n"
                     "Connection: keep-alive\r\n"
                     "Content-Length: %zu\r\n"
                     "\r\n",
                     url->path, hostport, content_type, content_type, len);
        if (n < 0 || (size_t) n >= sizeof head)
                return -E2BIG;
        r = tls_write_all(t, (const uint8_t *) head, (size_t) n, deadline, &closed);
        if (r >= 0 && len > 0)
                r = tls_write_all(t, body, len, deadline, &closed);
        if (r < 0) {
                t->unusable = true;
                /* The request was not written whole: the server cannot have acted on it (its
                 * Content-Length was not reached), so the caller may send it again. */
                return closed && t->requests > 0 ? -ECONNRESET : r;
        }

        in_max = response_buffer_max(max_response);
        for (;;) {
                ssize_t got;

                if (in_n == in_size) {
                        size_t ns = in_size ? in_size * 2 : 4096;
                        uint8_t *p;

                        if (ns > in_max)
                                ns = in_max;
                        if (ns <= in_size) {
                                t->unusable = true;
                                return -E2BIG;
                        }
                        p = realloc(in, ns);
                        if (!p)
                                return -ENOMEM;
                        in = p;
                        in_size = ns;
                }
                got = tls_read_some(t, in + in_n, in_size - in_n, deadline);
                if (got < 0) {
                        t->unusable = true;
                        return (int) got;
                }
                if (got == 0) {
                        /* Closed after the whole request was written, even before a single byte
                         * of the answer: the server may have acted on it, and a POST is not
                         * idempotent (RFC 9110 §9.2.2, RFC 9112 §9.3.1): never -ECONNRESET (which
                         * makes the caller send it again), a cut answer. */
                        t->unusable = true;
                        return -EBADMSG;
                }
                in_n += (size_t) got;
                /* The whole buffer is parsed again after every read: quadratic in the worst case
                 * (a server sending one-byte TLS records), but the buffer is capped
                 * (response_buffer_max, about 100 KiB for a 16 KiB body), the peer is the
                 * TLS-authenticated server, and the deadline ends it. */
                r = dm_http_parse_response(in, in_n, max_response, ret, &consumed);
                if (r == -EAGAIN)
                        continue;
                if (r < 0) {
                        t->unusable = true;
                        return r;
                }
                break;
        }
        t->requests++;
        /* SECURITY: bytes after the answer were never asked for (we do not pipeline): the
         * connection is not trusted to be in step any more. They may be in our buffer or still
         * in OpenSSL's (SSL_pending: decrypted, not yet read; SSL_has_pending: a record read from
         * the socket) when the answer filled the read exactly: a server writing "answer + a
         * second answer" in one record would otherwise have the second read as the answer to
         * the next POST. */
        if (ret->server_closes || consumed != in_n || SSL_pending(t->ssl) > 0 || SSL_has_pending(t->ssl))
                t->unusable = true;
        return 0;
}
