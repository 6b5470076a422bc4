/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-wsp.c: libFuzzer entry point for the WSP push decoder (common/wsp.c). On success every
 * output is read, the body span byte by byte, so ASan reports a span that leaves the input, and
 * the documented invariants (body is the tail of the input, strings bounded, SEC in range, MAC
 * 40 upper-case hex digits) are checked with abort(). Replayed by tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
        if (!ok)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DecodeError err = {};
        volatile unsigned sum = 0;
        WspPush w;
        int r;

        r = wsp_parse_push(data, size, &w, &err);
        if (r < 0) {
                check(r == -EBADMSG || r == -E2BIG || r == -EOPNOTSUPP);
                check(err.layer && strcmp(err.layer, "wsp") == 0 && err.reason && err.offset <= size);
                return 0;
        }
        check(r == 0 && !err.layer);
        check(w.pdu_type == WSP_PDU_PUSH || w.pdu_type == WSP_PDU_CONFIRMED_PUSH);
        check(w.body_offset <= size && w.body_len == size - w.body_offset);
        check(w.body == data + w.body_offset);
        check(w.headers_len > 0 && w.headers_len < w.body_offset);
        for (size_t i = 0; i < w.body_len; i++)
                sum += w.body[i];
        check(strlen(w.content_type) <= WSP_CONTENT_TYPE_MAX);
        check(w.content_kind >= 0 && w.content_kind < _WSP_CONTENT_MAX);
        check(w.sec == AUTH_NONE || (w.sec >= 0 && w.sec < _AUTH_SEC_MAX));
        check(auth_method_to_string(w.sec) != NULL);
        check(w.n_headers <= WSP_HEADERS_MAX && w.n_params <= WSP_PARAMS_MAX);
        if (w.has_mac) {
                check(strlen(w.mac) == WSP_MAC_HEX_LEN);
                for (size_t i = 0; i < WSP_MAC_HEX_LEN; i++)
                        check((w.mac[i] >= '0' && w.mac[i] <= '9') || (w.mac[i] >= 'A' && w.mac[i] <= 'F'));
        }
        if (w.has_app_id)
                check(strlen(w.app_id) <= WSP_APP_ID_MAX);
        for (const char *p = w.content_type; *p; p++)
                sum += (unsigned char) *p;
        for (const char *p = w.app_id; *p; p++)
                sum += (unsigned char) *p;
        sum += w.tid + w.app_id_code + w.content_type_code;
        (void) sum;
        return 0;
}
