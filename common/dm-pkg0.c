/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-pkg0.c: the OMA DM package-0 parser (OMA-TS-DM_Notification-V1_2 §6.2.1-6.2.2). Pure and
 * bounded: the length is capped before a byte is read, every field is read from inside the
 * buffer, and nothing the notification says is trusted here. In particular it carries no URL:
 * a session started from it always goes to the Addr stored in the account (docs/architecture.md §2.4,
 * the DM route); the digest is copied out for verifierd to check against the account's secret.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dm-pkg0.h"

int dm_pkg0_parse(const uint8_t *buf, size_t len, DmPkg0 *ret) {
        const uint8_t *h;
        uint64_t hdr = 0;
        unsigned version, id_len;
        DmPkg0 p = {};

        if (len > DM_PKG0_MAX)
                return -E2BIG;
        if (!buf || len < DM_PKG0_DIGEST_LEN + DM_PKG0_HEADER_LEN)
                return -EBADMSG;

        memcpy(p.digest, buf, DM_PKG0_DIGEST_LEN);
        h = buf + DM_PKG0_DIGEST_LEN;
        for (unsigned i = 0; i < DM_PKG0_HEADER_LEN; i++)
                hdr = (hdr << 8) | h[i];

        /* version 10 | ui-mode 2 | initiator 1 | future-use 27 | session-id 16 | id-length 8 */
        version = (unsigned) (hdr >> 54) & 0x3FFU;
        p.ui_mode = (unsigned) (hdr >> 52) & 0x3U;
        p.server_initiated = (hdr >> 51) & 1U;
        p.session_id = (uint16_t) ((hdr >> 8) & 0xFFFFU);
        id_len = (unsigned) (hdr & 0xFFU);
        p.version = version;

        /* §6.2.2.6: the DM 1.2 notification is version 1.1 ("0000001011"); nothing else. */
        if (version != DM_PKG0_VERSION)
                return -EOPNOTSUPP;
        /* §6.2.2.9: future-use bits are zero; set bits mean a format we do not know. */
        if (((hdr >> 24) & 0x7FFFFFFULL) != 0)
                return -EBADMSG;
        /* §6.2.2.10: the session id is 1..0xFFFF. */
        if (p.session_id == 0)
                return -EBADMSG;
        if (id_len == 0 || len - DM_PKG0_DIGEST_LEN - DM_PKG0_HEADER_LEN < id_len)
                return -EBADMSG;
        /* The identifier is looked up among stored accounts and shown in logs: printable
         * ASCII only, so it can neither cut a string short nor carry control characters. */
        for (unsigned i = 0; i < id_len; i++) {
                uint8_t c = h[DM_PKG0_HEADER_LEN + i];

                if (c < 0x20 || c > 0x7E)
                        return -EBADMSG;
                p.server_id[i] = (char) c;
        }
        p.server_id[id_len] = 0;

        p.trigger = h;
        p.trigger_len = len - DM_PKG0_DIGEST_LEN;
        p.vendor_len = p.trigger_len - DM_PKG0_HEADER_LEN - id_len;
        p.vendor = p.vendor_len > 0 ? h + DM_PKG0_HEADER_LEN + id_len : NULL;
        *ret = p;
        return 0;
}

void dm_pkg0_session_id_hex(uint16_t id, char out[5]) {
        snprintf(out, 5, "%X", (unsigned) id);
}
