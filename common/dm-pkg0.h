/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-pkg0.h: the OMA DM package 0, the server-alerted notification (OMA-TS-DM_Notification-V1_2
 * §6.2.1-6.2.2; docs/ of the project: the DM route). Pure parsing, no crypto and no I/O: provd
 * may use it for length checks, verifierd parses again and checks the digest (dm-cred.h,
 * dm_pkg0_digest). The notification carries no URL and nothing here is trusted: the digest is
 * only copied out, never checked.
 *
 * Wire format (all big-endian):
 *   digest        16 bytes, MD5 (see dm_pkg0_digest)
 *   trigger       = header || body
 *   header        64 bits: version 10 | ui-mode 2 | initiator 1 | future-use 27 (zero) |
 *                 session-id 16 | server-id length 8; then the server identifier
 *   body          optional vendor-specific bytes (the rest of the message)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_PKG0_DIGEST_LEN 16U
#define DM_PKG0_HEADER_LEN 8U
#define DM_PKG0_MAX 512U                 /* largest notification accepted */
#define DM_PKG0_VERSION 11U              /* DM 1.2 notification version field (1.1 -> 11) */
/* Shortest notification: digest, header, a server identifier of one byte. */
#define DM_PKG0_MIN (DM_PKG0_DIGEST_LEN + DM_PKG0_HEADER_LEN + 1U)

/* ui-mode values (§6.2.2.7). */
enum {
        DM_PKG0_UI_NOT_SPECIFIED = 0,
        DM_PKG0_UI_BACKGROUND = 1,
        DM_PKG0_UI_INFORMATIVE = 2,
        DM_PKG0_UI_USER_INTERACTION = 3,
};

typedef struct DmPkg0 {
        uint8_t digest[16];
        unsigned version, ui_mode;
        bool server_initiated;                  /* initiator bit (§6.2.2.8) */
        uint16_t session_id;                    /* 1..0xFFFF */
        char server_id[256];                    /* NUL-terminated, printable ASCII only */
        const uint8_t *trigger;                 /* into the caller's buffer: header || body */
        size_t trigger_len;
        const uint8_t *vendor;                  /* into the caller's buffer, NULL when empty */
        size_t vendor_len;
} DmPkg0;

/**
 * dm_pkg0_parse() - split a package 0 into its fields.
 * @buf: the notification as received (WSP body); must stay alive while @ret is used.
 * @len: its length.
 * @ret: filled on success only.
 *
 * Return: 0; -EBADMSG truncated, future-use bits set, session id 0, empty server identifier or
 *   one with a NUL or a non-printable byte; -EOPNOTSUPP version field != DM_PKG0_VERSION;
 *   -E2BIG longer than DM_PKG0_MAX.
 */
int dm_pkg0_parse(const uint8_t *buf, size_t len, DmPkg0 *ret);

/**
 * dm_pkg0_session_id_hex() - the SessionID of package 1 for a notification's session id:
 * upper-case hex without leading zeros (§6.2.2.10; 0x1A2B -> "1A2B", 0x00AB -> "AB").
 * @id: the session id.
 * @out: receives the NUL-terminated text.
 */
void dm_pkg0_session_id_hex(uint16_t id, char out[5]);
