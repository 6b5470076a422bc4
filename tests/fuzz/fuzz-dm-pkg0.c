/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dm-pkg0.c: libFuzzer entry for the package-0 parser (common/dm-pkg0.c). On success the
 * spans must lie inside the input (read byte by byte, so ASan sees a stray one), the fields
 * must respect the format (version 11, session id non-zero, printable server id of the declared
 * length), and the session id must print as upper-case hex without leading zeros. Replayed by
 * tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-pkg0.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
        if (!ok)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        volatile unsigned sum = 0;
        char hex[5];
        size_t id_len;
        DmPkg0 p;
        int r;

        r = dm_pkg0_parse(data, size, &p);
        if (r < 0) {
                check(r == -EBADMSG || r == -EOPNOTSUPP || r == -E2BIG);
                check(r != -E2BIG || size > DM_PKG0_MAX);
                return 0;
        }
        check(size >= DM_PKG0_MIN && size <= DM_PKG0_MAX);
        check(p.version == DM_PKG0_VERSION && p.ui_mode <= 3 && p.session_id != 0);
        check(memcmp(p.digest, data, DM_PKG0_DIGEST_LEN) == 0);
        check(p.trigger == data + DM_PKG0_DIGEST_LEN && p.trigger_len == size - DM_PKG0_DIGEST_LEN);
        id_len = strlen(p.server_id);
        check(id_len > 0 && id_len == data[DM_PKG0_DIGEST_LEN + DM_PKG0_HEADER_LEN - 1]);
        check(memcmp(p.server_id, data + DM_PKG0_DIGEST_LEN + DM_PKG0_HEADER_LEN, id_len) == 0);
        for (size_t i = 0; i < id_len; i++)
                check(p.server_id[i] >= 0x20 && p.server_id[i] <= 0x7E);
        check(p.vendor_len == p.trigger_len - DM_PKG0_HEADER_LEN - id_len);
        check((p.vendor_len == 0) == (p.vendor == NULL));
        for (size_t i = 0; i < p.vendor_len; i++)
                sum += p.vendor[i];
        check(p.vendor == NULL || p.vendor + p.vendor_len == data + size);
        dm_pkg0_session_id_hex(p.session_id, hex);
        check(hex[0] != '0' && strtoul(hex, NULL, 16) == p.session_id);
        for (const char *c = hex; *c; c++)
                check((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'F'));
        return 0;
}
