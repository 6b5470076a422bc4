/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-transport.c: the pure parts of the DM transport (verifierd/dm-transport.h) and the
 * address rules (common/dm-address.h): dm_url_parse, dm_url_same_origin, dm_http_parse_response
 * with every named limit at and past it, the header grammar's refusals, chunked framing, the
 * -EAGAIN prefixes of a valid answer, and which peer addresses the DM route refuses. The TLS
 * half runs against a real server: tests/integration/dm-tls.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dm-address.h"
#include "common/macros.h"
#include "testutil.h"
#include "verifierd/dm-transport.h"

/* ---- URL ---- */

START_TEST(test_url_ok) {
        DmUrl u;

        ck_assert_int_eq(dm_url_parse("https://dm.example.com/dm?x=1", &u), 0);
        ck_assert_str_eq(u.scheme, "https");
        ck_assert_str_eq(u.host, "dm.example.com");
        ck_assert_uint_eq(u.port, 443);
        ck_assert_str_eq(u.path, "/dm?x=1");
        ck_assert_int_eq(dm_url_parse("HTTPS://DM.Example.COM:8443", &u), 0);
        ck_assert_str_eq(u.host, "dm.example.com");
        ck_assert_uint_eq(u.port, 8443);
        ck_assert_str_eq(u.path, "/");
        ck_assert_int_eq(dm_url_parse("https://127.0.0.1:65535?q", &u), 0);
        ck_assert_str_eq(u.host, "127.0.0.1");
        ck_assert_uint_eq(u.port, 65535);
        ck_assert_str_eq(u.path, "/?q");
        ck_assert_int_eq(dm_url_parse("https://[::1]:1/p", &u), 0);
        ck_assert_str_eq(u.host, "::1");
        ck_assert_uint_eq(u.port, 1);
}
END_TEST

START_TEST(test_url_refused) {
        static const struct {
                const char *url;
                int err;
        } t[] = {
                { "http://dm.example.com/", -EPROTONOSUPPORT },
                { "HTTP://dm.example.com/", -EPROTONOSUPPORT },
                { "ftp://dm.example.com/", -EINVAL },
                { "dm.example.com", -EINVAL },
                { "https://", -EINVAL },
                { "https:///path", -EINVAL },
                { "https://user:pw@dm.example.com/", -EINVAL },
                { "https://dm.example.com/#frag", -EINVAL },
                { "https://dm.example.com:0/", -EINVAL },
                { "https://dm.example.com:65536/", -EINVAL },
                { "https://dm.example.com:080/", -EINVAL },
                { "https://dm.example.com:/", -EINVAL },
                { "https://dm.example.com:12a/", -EINVAL },
                { "https://dm example.com/", -EINVAL },
                { "https://dm.example.com/a b", -EINVAL },
                { "https://dm.example.com/\x7f", -EINVAL },
                { "https://-dm.example.com/", -EINVAL },
                { "https://dm_x.example.com/", -EINVAL },
                { "https://dm..example.com/", -EINVAL },
                { "https://::1/", -EINVAL },
                { "https://[::1/", -EINVAL },
                { "https://[]/", -EINVAL },
                { "https://[1.2.3.4]/", -EINVAL },
                { "https://[::1]x/", -EINVAL },
                { "https://1.2.3/", -EINVAL },          /* inet_aton shorthand is no address */
                { "https://0x7f.1/", -EINVAL },
                { "https://dm.example.com%2e/", -EINVAL },
        };
        DmUrl u;

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                ck_assert_msg(dm_url_parse(t[i].url, &u) == t[i].err, "%s: %d", t[i].url, dm_url_parse(t[i].url, &u));
        ck_assert_int_eq(dm_url_parse(NULL, &u), -EINVAL);
}
END_TEST

START_TEST(test_url_limits) {
        char url[DM_URL_MAX + 64], host[DM_HOST_MAX + 2];
        DmUrl u;
        size_t n;

        /* host: DM_HOST_MAX (253) at, 254 past; labels of 63 at, 64 past */
        memset(host, 0, sizeof host);
        for (size_t i = 0; i < DM_HOST_MAX; i++)
                host[i] = (i % 64 == 63) ? '.' : 'a';
        ck_assert_uint_eq(strlen(host), DM_HOST_MAX);
        snprintf(url, sizeof url, "https://%s/", host);
        ck_assert_int_eq(dm_url_parse(url, &u), 0);
        ck_assert_str_eq(u.host, host);
        host[DM_HOST_MAX] = 'a';
        snprintf(url, sizeof url, "https://%s/", host);
        ck_assert_int_eq(dm_url_parse(url, &u), -E2BIG);
        memset(host, 0, sizeof host);
        memset(host, 'b', DM_HOST_LABEL_MAX);
        snprintf(url, sizeof url, "https://%s.test/", host);
        ck_assert_int_eq(dm_url_parse(url, &u), 0);
        host[DM_HOST_LABEL_MAX] = 'b';
        snprintf(url, sizeof url, "https://%s.test/", host);
        ck_assert_int_eq(dm_url_parse(url, &u), -EINVAL);

        /* path: DM_URL_PATH_MAX - 1 bytes at, one more past */
        n = (size_t) snprintf(url, sizeof url, "https://h.test");
        url[n] = '/';
        memset(url + n + 1, 'p', DM_URL_PATH_MAX - 2);
        url[n + DM_URL_PATH_MAX - 1] = 0;
        ck_assert_int_eq(dm_url_parse(url, &u), 0);
        ck_assert_uint_eq(strlen(u.path), DM_URL_PATH_MAX - 1);
        url[n + DM_URL_PATH_MAX - 1] = 'p';
        url[n + DM_URL_PATH_MAX] = 0;
        ck_assert_int_eq(dm_url_parse(url, &u), -E2BIG);

        /* whole URL: DM_URL_MAX at (it fails on the path, not on the URL cap), past: -E2BIG */
        memset(url, 'x', sizeof url);
        memcpy(url, "https://h.test/", 15);
        url[DM_URL_MAX] = 0;
        ck_assert_int_eq(dm_url_parse(url, &u), -E2BIG);
        url[DM_URL_MAX] = 'x';
        url[DM_URL_MAX + 1] = 0;
        ck_assert_int_eq(dm_url_parse(url, &u), -E2BIG);
        /* an http URL over the cap is refused as over the cap before anything else is read */
        memcpy(url, "http://h.test/", 14);
        ck_assert_int_eq(dm_url_parse(url, &u), -E2BIG);
}
END_TEST

START_TEST(test_same_origin) {
        DmUrl a, b;

        ck_assert_int_eq(dm_url_parse("https://dm.test:8443/a", &a), 0);
        ck_assert_int_eq(dm_url_parse("https://DM.test:8443/other?x", &b), 0);
        ck_assert(dm_url_same_origin(&a, &b));
        ck_assert_int_eq(dm_url_parse("https://dm.test/a", &b), 0);
        ck_assert(!dm_url_same_origin(&a, &b));
        ck_assert_int_eq(dm_url_parse("https://evil.test:8443/a", &b), 0);
        ck_assert(!dm_url_same_origin(&a, &b));
        ck_assert(!dm_url_same_origin(&a, NULL));
}
END_TEST

/* ---- HTTP response ---- */

static int parse(const char *s, size_t max_body, DmHttpResponse *r, size_t *consumed) {
        return dm_http_parse_response((const uint8_t *) s, strlen(s), max_body, r, consumed);
}

START_TEST(test_http_content_length) {
        static const char *resp = "HTTP/1.1 200 OK\r\n"
                                  "Content-Type: Application/VND.SyncML.DM+XML; charset=utf-8\r\n"
                                  "Content-Length: 5\r\n"
                                  "x-syncml-hmac: algorithm=MD5, username=\"a\", mac=xyz\r\n"
                                  "\r\n"
                                  "hello";
        DmHttpResponse r = {};
        size_t c;

        ck_assert_int_eq(parse(resp, 16384, &r, &c), 0);
        ck_assert_uint_eq(c, strlen(resp));
        ck_assert_uint_eq(r.status, 200);
        ck_assert_str_eq(r.content_type, "application/vnd.syncml.dm+xml");
        ck_assert_str_eq(r.hmac_header, "algorithm=MD5, username=\"a\", mac=xyz");
        ck_assert_uint_eq(r.body_len, 5);
        ck_assert_int_eq(memcmp(r.body, "hello", 5), 0);
        ck_assert(!r.server_closes);
        dm_http_response_done(&r);
        ck_assert_ptr_null(r.body);

        /* every proper prefix is incomplete, never an error */
        for (size_t i = 0; i < strlen(resp); i++)
                ck_assert_msg(dm_http_parse_response((const uint8_t *) resp, i, 16384, &r, &c) == -EAGAIN, "prefix %zu", i);
        /* bytes after the answer are not consumed */
        {
                char buf[512];

                snprintf(buf, sizeof buf, "%sHTTP/1.1 200 OK\r\n", resp);
                ck_assert_int_eq(parse(buf, 16384, &r, &c), 0);
                ck_assert_uint_eq(c, strlen(resp));
                dm_http_response_done(&r);
        }
}
END_TEST

START_TEST(test_http_chunked) {
        static const char *resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
                                  "5;ext=1\r\nhello\r\n"
                                  "6\r\n world\r\n"
                                  "0\r\n"
                                  "X-Trailer: yes\r\n"
                                  "\r\n";
        DmHttpResponse r = {};
        size_t c;

        ck_assert_int_eq(parse(resp, 11, &r, &c), 0);
        ck_assert_uint_eq(c, strlen(resp));
        ck_assert_uint_eq(r.body_len, 11);
        ck_assert_str_eq((char *) r.body, "hello world");
        ck_assert(r.server_closes);
        ck_assert_ptr_null(r.content_type);
        dm_http_response_done(&r);
        for (size_t i = 0; i < strlen(resp); i++)
                ck_assert_msg(dm_http_parse_response((const uint8_t *) resp, i, 11, &r, &c) == -EAGAIN, "prefix %zu", i);
        /* max_body: 11 at, 10 past */
        ck_assert_int_eq(parse(resp, 10, &r, &c), -E2BIG);
        /* a chunk without its CRLF, a size that is no hex, a missing size */
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 100, &r, &c),
                         -EBADMSG);
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", 100, &r, &c), -EBADMSG);
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", 100, &r, &c), -EBADMSG);
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", 100, &r, &c), -EBADMSG);
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 100, &r, &c),
                         -E2BIG);
}
END_TEST

START_TEST(test_http_status_and_close) {
        DmHttpResponse r = {};
        size_t c;

        ck_assert_int_eq(parse("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n", 10, &r, &c), 0);
        ck_assert_uint_eq(r.status, 404);
        ck_assert(r.server_closes);             /* HTTP/1.0 without keep-alive */
        ck_assert_ptr_null(r.body);
        dm_http_response_done(&r);
        ck_assert_int_eq(parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", 10, &r, &c), 0);
        ck_assert(!r.server_closes);
        dm_http_response_done(&r);
        ck_assert_int_eq(parse("HTTP/1.1 200 \r\nConnection: foo, close\r\nContent-Length: 0\r\n\r\n", 10, &r, &c), 0);
        ck_assert(r.server_closes);
        dm_http_response_done(&r);
        /* 1xx skipped */
        ck_assert_int_eq(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx", 10, &r, &c), 0);
        ck_assert_uint_eq(r.status, 201);
        dm_http_response_done(&r);
        ck_assert_int_eq(parse("HTTP/1.1 101 Switching\r\n\r\n", 10, &r, &c), -EBADMSG);
        ck_assert_int_eq(parse("HTTP/1.1 204 No Content\r\n\r\n", 10, &r, &c), 0);
        ck_assert_uint_eq(r.status, 204);
        dm_http_response_done(&r);
}
END_TEST

START_TEST(test_http_grammar) {
        static const char *const bad[] = {
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",   /* differing lengths */
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", /* both framings */
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 1 1\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
                "HTTP/1.1 200 OK\r\n\r\n",                                           /* no framing */
                "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",                       /* blank before colon */
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n folded\r\n\r\n",             /* obs-fold */
                "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",             /* bare CR */
                "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",                          /* bare LF */
                "HTTP/1.1 200 OK\r\nX: a\x01\r\nContent-Length: 0\r\n\r\n",            /* control char */
                "HTTP/1.1 200 OK\r\nX(y): a\r\nContent-Length: 0\r\n\r\n",             /* not a token */
                "HTTP/1.1 200 OK\r\n: a\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Type: a\r\nContent-Type: b\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nx-syncml-hmac: a\r\nx-syncml-hmac: b\r\nContent-Length: 0\r\n\r\n",
                "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",                           /* no SP after code */
                "HTTP/1.1 200xOK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc",
                "ICY 200 OK\r\n\r\n",
        };
        DmHttpResponse r = {};
        size_t c;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(parse(bad[i], 100, &r, &c) == -EBADMSG, "%zu: %d", i, parse(bad[i], 100, &r, &c));
        /* a NUL anywhere in the head */
        {
                static const uint8_t nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n";

                ck_assert_int_eq(dm_http_parse_response(nul, sizeof(nul) - 1, 100, &r, &c), -EBADMSG);
        }
        /* identical repeated Content-Length is tolerated (RFC 9110 §8.6) */
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 100, &r, &c), 0);
        dm_http_response_done(&r);
}
END_TEST

/* A head with @n_fields "X-Fill: " fields whose total size is @total bytes (status line and the
 * final CRLF CRLF included), or 0 to let the fields be 16 bytes each. */
static char *make_head(size_t n_fields, size_t line_len, const char *tail) {
        size_t cap = 64 + n_fields * (line_len + 2) + strlen(tail) + 64;
        char *s = malloc(cap), *p = s;

        p += sprintf(p, "HTTP/1.1 200 OK\r\n");
        for (size_t i = 0; i < n_fields; i++) {
                int k = sprintf(p, "X-%zu: ", i);

                memset(p + k, 'v', line_len - (size_t) k);
                p += line_len;
                *p++ = '\r';
                *p++ = '\n';
        }
        p += sprintf(p, "%s", tail);
        return s;
}

START_TEST(test_http_limits_headers) {
        DmHttpResponse r = {};
        size_t c;
        char *s;

        /* header fields: DM_HTTP_HEADERS_MAX at (Content-Length being one of them), one more past */
        s = make_head(DM_HTTP_HEADERS_MAX - 1, 16, "Content-Length: 0\r\n\r\n");
        ck_assert_int_eq(parse(s, 0, &r, &c), 0);
        dm_http_response_done(&r);
        free(s);
        s = make_head(DM_HTTP_HEADERS_MAX, 16, "Content-Length: 0\r\n\r\n");
        ck_assert_int_eq(parse(s, 0, &r, &c), -E2BIG);
        free(s);

        /* one line: DM_HTTP_HEADER_LINE_MAX at, one more past (also before its end arrived) */
        s = make_head(1, DM_HTTP_HEADER_LINE_MAX, "Content-Length: 0\r\n\r\n");
        ck_assert_int_eq(parse(s, 0, &r, &c), 0);
        dm_http_response_done(&r);
        free(s);
        s = make_head(1, DM_HTTP_HEADER_LINE_MAX + 1, "Content-Length: 0\r\n\r\n");
        ck_assert_int_eq(parse(s, 0, &r, &c), -E2BIG);
        s[17 + DM_HTTP_HEADER_LINE_MAX + 1] = 0;        /* cut before the line's CR */
        ck_assert_int_eq(parse(s, 0, &r, &c), -E2BIG);
        free(s);

        /* the whole head: DM_HTTP_HEADER_MAX at, one more past. Status line 17 + 7 fields +
         * "Content-Length: 0\r\n" 19 + "\r\n" 2. */
        {
                size_t fixed = 17 + 19 + 2, n = 8, per = (DM_HTTP_HEADER_MAX - fixed) / n, rest;
                char *p;

                ck_assert_uint_le(per - 2, DM_HTTP_HEADER_LINE_MAX);
                rest = DM_HTTP_HEADER_MAX - fixed - per * n;
                s = make_head(n, per - 2, "Content-Length: 0\r\n\r\n");
                /* lengthen the first field by rest bytes so the head is exactly DM_HTTP_HEADER_MAX */
                p = malloc(DM_HTTP_HEADER_MAX + 16);
                memcpy(p, s, 17 + 6);
                memset(p + 23, 'w', rest);
                strcpy(p + 23 + rest, s + 23);
                free(s);
                ck_assert_uint_eq(strlen(p), DM_HTTP_HEADER_MAX);
                ck_assert_int_eq(parse(p, 0, &r, &c), 0);
                ck_assert_uint_eq(c, DM_HTTP_HEADER_MAX);
                dm_http_response_done(&r);
                /* one byte more */
                memmove(p + 24, p + 23, strlen(p + 23) + 1);
                p[23] = 'w';
                ck_assert_uint_eq(strlen(p), DM_HTTP_HEADER_MAX + 1);
                ck_assert_int_eq(parse(p, 0, &r, &c), -E2BIG);
                free(p);
        }
}
END_TEST

START_TEST(test_http_limits_values) {
        char buf[2048], v[1024];
        DmHttpResponse r = {};
        size_t c;

        /* Content-Type: DM_HTTP_CONTENT_TYPE_MAX at, past */
        memset(v, 0, sizeof v);
        memset(v, 'a', DM_HTTP_CONTENT_TYPE_MAX);
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 0\r\n\r\n", v);
        ck_assert_int_eq(parse(buf, 0, &r, &c), 0);
        ck_assert_uint_eq(strlen(r.content_type), DM_HTTP_CONTENT_TYPE_MAX);
        dm_http_response_done(&r);
        v[DM_HTTP_CONTENT_TYPE_MAX] = 'a';
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 0\r\n\r\n", v);
        ck_assert_int_eq(parse(buf, 0, &r, &c), -E2BIG);

        /* x-syncml-hmac: DM_HTTP_HMAC_HEADER_MAX at, past */
        memset(v, 0, sizeof v);
        memset(v, 'm', DM_HTTP_HMAC_HEADER_MAX);
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nx-syncml-hmac: %s\r\nContent-Length: 0\r\n\r\n", v);
        ck_assert_int_eq(parse(buf, 0, &r, &c), 0);
        ck_assert_uint_eq(strlen(r.hmac_header), DM_HTTP_HMAC_HEADER_MAX);
        dm_http_response_done(&r);
        v[DM_HTTP_HMAC_HEADER_MAX] = 'm';
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nx-syncml-hmac: %s\r\nContent-Length: 0\r\n\r\n", v);
        ck_assert_int_eq(parse(buf, 0, &r, &c), -E2BIG);

        /* body by Content-Length: max_body at, past (refused before the body arrives) */
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", 4, &r, &c), 0);
        dm_http_response_done(&r);
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 4, &r, &c), -E2BIG);
        ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 4, &r, &c), -EBADMSG);
        /* Content-Length: DM_HTTP_CONTENT_LENGTH_DIGITS_MAX digits at (leading zeros), past */
        {
                char cl[64];

                memset(cl, '0', sizeof cl);
                cl[DM_HTTP_CONTENT_LENGTH_DIGITS_MAX - 1] = '4';
                cl[DM_HTTP_CONTENT_LENGTH_DIGITS_MAX] = 0;
                snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\nabcd", cl);
                ck_assert_int_eq(parse(buf, 4, &r, &c), 0);
                ck_assert_uint_eq(r.body_len, 4);
                dm_http_response_done(&r);
                snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Length: 0%s\r\n\r\nabcd", cl);
                ck_assert_int_eq(parse(buf, 4, &r, &c), -EBADMSG);
        }
        /* 1xx interim responses: DM_HTTP_INTERIM_MAX at, past */
        for (unsigned n = DM_HTTP_INTERIM_MAX; n <= DM_HTTP_INTERIM_MAX + 1; n++) {
                char *p = buf;

                for (unsigned i = 0; i < n; i++)
                        p += sprintf(p, "HTTP/1.1 %s\r\n\r\n", i % 2 ? "103 Early Hints" : "100 Continue");
                sprintf(p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                ck_assert_int_eq(parse(buf, 4, &r, &c), n <= DM_HTTP_INTERIM_MAX ? 0 : -E2BIG);
                if (n <= DM_HTTP_INTERIM_MAX)
                        ck_assert_uint_eq(r.status, 200);
                dm_http_response_done(&r);
        }
}
END_TEST

START_TEST(test_http_limits_chunks) {
        size_t cap = 128 + (DM_HTTP_CHUNKS_MAX + 1) * 8 + DM_HTTP_CHUNK_LINE_MAX * 2;
        char *s = malloc(cap), *p;
        DmHttpResponse r = {};
        size_t c;

        /* chunks: DM_HTTP_CHUNKS_MAX of one byte at, one more past */
        for (unsigned extra = 0; extra <= 1; extra++) {
                p = s + sprintf(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (unsigned i = 0; i < DM_HTTP_CHUNKS_MAX + extra; i++)
                        p += sprintf(p, "1\r\nx\r\n");
                sprintf(p, "0\r\n\r\n");
                ck_assert_int_eq(parse(s, 1U << 20, &r, &c), extra ? -E2BIG : 0);
                if (!extra)
                        ck_assert_uint_eq(r.body_len, DM_HTTP_CHUNKS_MAX);
                dm_http_response_done(&r);
        }
        /* chunk size: DM_HTTP_CHUNK_SIZE_DIGITS_MAX hex digits at (leading zeros), one more past */
        for (unsigned extra = 0; extra <= 1; extra++) {
                p = s + sprintf(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                memset(p, '0', DM_HTTP_CHUNK_SIZE_DIGITS_MAX - 1 + extra);
                p += DM_HTTP_CHUNK_SIZE_DIGITS_MAX - 1 + extra;
                sprintf(p, "a\r\n0123456789\r\n0\r\n\r\n");
                ck_assert_int_eq(parse(s, 10, &r, &c), extra ? -E2BIG : 0);
                if (!extra)
                        ck_assert_uint_eq(r.body_len, 10);
                dm_http_response_done(&r);
        }
        /* chunk-size line: DM_HTTP_CHUNK_LINE_MAX at (with an extension), one more past */
        for (unsigned extra = 0; extra <= 1; extra++) {
                p = s + sprintf(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
                memset(p, 'e', DM_HTTP_CHUNK_LINE_MAX - 2 + extra);
                p += DM_HTTP_CHUNK_LINE_MAX - 2 + extra;
                sprintf(p, "\r\nx\r\n0\r\n\r\n");
                ck_assert_int_eq(parse(s, 10, &r, &c), extra ? -E2BIG : 0);
                dm_http_response_done(&r);
        }
        /* trailer fields count against DM_HTTP_HEADERS_MAX: at, past */
        free(s);
        s = malloc(64 + (DM_HTTP_HEADERS_MAX + 1) * 16);
        for (unsigned extra = 0; extra <= 1; extra++) {
                p = s + sprintf(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
                for (unsigned i = 0; i < DM_HTTP_HEADERS_MAX + extra; i++)
                        p += sprintf(p, "T%u: v\r\n", i % 10);
                sprintf(p, "\r\n");
                ck_assert_int_eq(parse(s, 10, &r, &c), extra ? -E2BIG : 0);
                dm_http_response_done(&r);
        }
        free(s);
}
END_TEST

/* ---- addresses ---- */

static bool local4(const char *a) {
        struct sockaddr_in in = { .sin_family = AF_INET };

        ck_assert_int_eq(inet_pton(AF_INET, a, &in.sin_addr), 1);
        return dm_address_is_local((struct sockaddr *) &in, sizeof in);
}

static bool local6(const char *a) {
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

        ck_assert_int_eq(inet_pton(AF_INET6, a, &in6.sin6_addr), 1);
        return dm_address_is_local((struct sockaddr *) &in6, sizeof in6);
}

START_TEST(test_addresses) {
        static const char *const local_v4[] = { "127.0.0.1", "127.255.255.254", "0.0.0.0", "10.1.2.3",
                "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.1.1", "100.64.0.1", "224.0.0.1",
                "239.255.255.255", "255.255.255.255", "240.0.0.1",
                /* RFC 6890 special-purpose blocks, first and last address of each */
                "192.0.0.0", "192.0.0.255", "192.0.2.0", "192.0.2.255", "192.88.99.1", "198.18.0.0",
                "198.19.255.255", "198.51.100.0", "198.51.100.255", "203.0.113.0", "203.0.113.255" };
        static const char *const public_v4[] = { "8.8.8.8", "172.15.255.255", "172.32.0.0", "192.169.0.1",
                "100.128.0.1", "169.253.0.1", "223.255.255.255", "1.1.1.1",
                /* just outside each special-purpose block */
                "191.255.255.255", "192.0.1.0", "192.0.3.0", "192.88.98.255", "192.88.100.0", "198.17.255.255",
                "198.20.0.0", "198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0" };
        static const char *const local_v6[] = { "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
                "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "fec0::1",
                /* NAT64 (RFC 6052) and 6to4 (RFC 3056) embed the IPv4 address the IPv4 rule judges */
                "64:ff9b::127.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::192.168.0.1", "64:ff9b::",
                "2002:7f00:1::", "2002:a00:1::1", "2002:c0a8:101::", "2002:a9fe:0101::",
                /* not globally reachable (RFC 6890 §2.2.3, IANA IPv6 special-purpose registry) */
                "64:ff9b:1::1", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "::ffff:0:8.8.8.8", "::ffff:0:0:1",
                "100::", "100::ffff:ffff:ffff:ffff", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                "2001:2::1", "2001:10::1", "2001:1ff:ffff::1", "2001:db8::1", "2001:db8:ffff::1",
                "3fff::1", "3fff:fff::1", "5f00::1" };
        static const char *const public_v6[] = { "2a00:1450::1", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
                "2002:808:808::1", "2001:200::1", "2001:db7:ffff::1", "2001:db9::1", "101::1",
                "100:0:0:1::1", "64:ff9b:2::1", "3fff:1000::1", "2606:4700::1111" };
        struct sockaddr_un { sa_family_t f; char p[108]; } un = { .f = AF_UNIX };

        for (size_t i = 0; i < ELEMENTSOF(local_v4); i++)
                ck_assert_msg(local4(local_v4[i]), "%s", local_v4[i]);
        for (size_t i = 0; i < ELEMENTSOF(public_v4); i++)
                ck_assert_msg(!local4(public_v4[i]), "%s", public_v4[i]);
        for (size_t i = 0; i < ELEMENTSOF(local_v6); i++)
                ck_assert_msg(local6(local_v6[i]), "%s", local_v6[i]);
        for (size_t i = 0; i < ELEMENTSOF(public_v6); i++)
                ck_assert_msg(!local6(public_v6[i]), "%s", public_v6[i]);
        ck_assert(dm_address_is_local((struct sockaddr *) &un, sizeof un));
        ck_assert(dm_address_is_local(NULL, 0));
        {
                struct sockaddr_in in = { .sin_family = AF_INET };

                ck_assert(dm_address_is_local((struct sockaddr *) &in, sizeof(in) - 1));
        }
}
END_TEST

START_TEST(test_host_valid) {
        ck_assert(dm_host_valid("dm.test"));
        ck_assert(dm_host_valid("a-b.c1"));
        ck_assert(dm_host_valid("127.0.0.1"));
        ck_assert(dm_host_valid("::1"));
        ck_assert(dm_host_valid("2001:db8::1"));
        ck_assert(dm_host_valid("4chan.example"));
        ck_assert(!dm_host_valid(""));
        ck_assert(!dm_host_valid(NULL));
        ck_assert(!dm_host_valid("dm.test."));
        ck_assert(!dm_host_valid(".dm.test"));
        ck_assert(!dm_host_valid("dm-.test"));
        ck_assert(!dm_host_valid("dm.test:443"));
        ck_assert(!dm_host_valid("[::1]"));
        ck_assert(!dm_host_valid("dm test"));
        ck_assert(!dm_host_valid("dm\n.test"));
        ck_assert(!dm_host_valid("1.2.3"));
        ck_assert(!dm_host_valid("010.0.0.1"));
        ck_assert(!dm_host_valid("1234"));
}
END_TEST

int main(void) {
        Suite *s = suite_create("dm-transport");
        TCase *url = tcase_create("/dm-transport/url");
        TCase *http = tcase_create("/dm-transport/http");
        TCase *addr = tcase_create("/dm-transport/address");

        TU_ADD(url, test_url_ok);
        TU_ADD(url, test_url_refused);
        TU_ADD(url, test_url_limits);
        TU_ADD(url, test_same_origin);
        TU_ADD(http, test_http_content_length);
        TU_ADD(http, test_http_chunked);
        TU_ADD(http, test_http_status_and_close);
        TU_ADD(http, test_http_grammar);
        TU_ADD(http, test_http_limits_headers);
        TU_ADD(http, test_http_limits_values);
        TU_ADD(http, test_http_limits_chunks);
        TU_ADD(addr, test_addresses);
        TU_ADD(addr, test_host_valid);
        suite_add_tcase(s, url);
        suite_add_tcase(s, http);
        suite_add_tcase(s, addr);
        return tu_run(s);
}
