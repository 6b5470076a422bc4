/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dm-http.c: libFuzzer entry point for the DM transport's HTTP response parser
 * (verifierd/dm-transport.c dm_http_parse_response) and the URL parser. The first two bytes
 * choose max_body (little-endian, 0..65535), the rest is the response. On success the invariants
 * of dm-transport.h are checked with abort(): consumed within the input, the body within
 * max_body and NUL-terminated, the status 200..599, the content type and x-syncml-hmac within
 * their caps and without control characters; parsing exactly the consumed bytes gives the same
 * answer, and no shorter prefix is a complete answer. Every error is one the header names.
 * The same input, NUL-terminated, goes to dm_url_parse (its result re-checked). Replayed by
 * tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifierd/dm-transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
        if (!ok)
                abort();
}

static void check_string(const char *s, size_t max) {
        size_t n;

        if (!s)
                return;
        n = strlen(s);
        check(n <= max);
        for (size_t i = 0; i < n; i++)
                check((unsigned char) s[i] >= 0x20 || s[i] == '\t');
}

static void fuzz_url(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        DmUrl u, again;
        int r;

        if (!s)
                return;
        memcpy(s, data, size);
        s[size] = 0;
        r = dm_url_parse(s, &u);
        if (r == 0) {
                check(strcmp(u.scheme, "https") == 0);
                check(u.port > 0 && u.host[0] && u.path[0] == '/');
                check(strlen(u.host) < sizeof u.host && strlen(u.path) < sizeof u.path);
                check(!strpbrk(u.host, "/@#?[] ") && !strpbrk(u.path, " #"));
                check(dm_url_same_origin(&u, &u));
        } else {
                check(r == -EINVAL || r == -E2BIG || r == -EPROTONOSUPPORT);
        }
        (void) again;
        free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DmHttpResponse resp = {}, again = {};
        size_t max_body, consumed = 0, c2 = 0;
        volatile unsigned sum = 0;
        int r;

        if (size < 2)
                return 0;
        fuzz_url(data + 2, size - 2);
        max_body = (size_t) data[0] | (size_t) data[1] << 8;
        data += 2;
        size -= 2;
        r = dm_http_parse_response(data, size, max_body, &resp, &consumed);
        if (r < 0) {
                check(r == -EAGAIN || r == -EBADMSG || r == -E2BIG || r == -ENOMEM);
                return 0;
        }
        check(r == 0);
        check(consumed > 0 && consumed <= size);
        check(resp.status >= 200 && resp.status <= 599);
        check(resp.body_len <= max_body);
        check((resp.body_len == 0) == (resp.body == NULL));
        if (resp.body) {
                check(resp.body[resp.body_len] == 0);
                for (size_t i = 0; i < resp.body_len; i++)
                        sum += resp.body[i];
        }
        check_string(resp.content_type, DM_HTTP_CONTENT_TYPE_MAX);
        check_string(resp.hmac_header, DM_HTTP_HMAC_HEADER_MAX);
        /* the consumed bytes alone are the same complete answer */
        check(dm_http_parse_response(data, consumed, max_body, &again, &c2) == 0);
        check(c2 == consumed && again.status == resp.status && again.body_len == resp.body_len);
        check(resp.body_len == 0 || memcmp(again.body, resp.body, resp.body_len) == 0);
        dm_http_response_done(&again);
        /* one byte less is never a complete answer */
        r = dm_http_parse_response(data, consumed - 1, max_body, &again, &c2);
        check(r != 0);
        dm_http_response_done(&resp);
        return 0;
}
