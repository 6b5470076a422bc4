/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-cred.h: the OMA DM authentication digests (OMA-TS-DM_Security-V1_2 §5.1.3-5.1.4;
 * OMA-TS-DM_Protocol-V1_2 §2.4.4.1; OMA-TS-DM_Notification-V1_2 §6.2.2.2) over OpenSSL EVP.
 * Secrets (passwords) and nonces are passed as the raw bytes the caller took from a Secret;
 * nothing here keeps a copy past the call (intermediate buffers are wiped with
 * OPENSSL_cleanse), and nothing here logs. Comparisons of received credentials are constant
 * time (CRYPTO_memcmp over the full digest length).
 *
 * H = MD5; B64 = base64 with padding (RFC 4648 §4).
 *   basic:  B64(user ":" pw)
 *   md5:    B64(H(B64(H(user ":" pw)) ":" nonce))
 *   hmac:   B64(H(B64(H(user ":" pw)) ":" nonce ":" B64(H(body))))   (the raw 16 bytes are
 *           base64-encoded, the normative form of §5.1.4.2, not the hex of the spec example)
 *   pkg0:   H(B64(H(server_id ":" pw)) ":" nonce ":" B64(H(trigger)))  (raw 16 bytes)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_MD5_LEN 16U
/* Longest base64 text dm_b64_decode() accepts, and so the largest nonce or Cred it decodes. */
#define DM_B64_MAX 4096U
/* Longest user name (AAuthName) and password (AAuthSecret) dm_cred_basic() encodes: B64 of both
 * with the ':' (2,736 characters) stays well inside a DM_MESSAGE_MAX message. */
#define DM_CRED_USER_MAX 1024U
#define DM_CRED_SECRET_MAX 1024U

/**
 * dm_cred_basic() - syncml:auth-basic Cred/Data: B64(user ":" pw).
 * @user: the user name (AAuthName), at most DM_CRED_USER_MAX bytes; must not contain ':'.
 * @pw, @pw_len: the password bytes, at most DM_CRED_SECRET_MAX.
 * @ret_b64: malloc'd NUL-terminated base64 text.
 *
 * Return: 0; -EINVAL user with ':' or NULL arguments; -E2BIG a user or password over its cap;
 * -ENOMEM.
 */
int dm_cred_basic(const char *user, const uint8_t *pw, size_t pw_len, char **ret_b64);

/**
 * dm_cred_md5() - syncml:auth-md5 Cred/Data: B64(H(B64(H(user ":" pw)) ":" nonce)).
 * @user: the user name.
 * @pw, @pw_len: the password bytes.
 * @nonce, @nonce_len: the nonce as raw bytes (the decoded NextNonce / AAuthData).
 * @ret_b64: malloc'd NUL-terminated base64 text (24 characters).
 *
 * Return: 0; -EINVAL; -ENOMEM; -EIO the digest failed.
 */
int dm_cred_md5(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce, size_t nonce_len,
                char **ret_b64);

/**
 * dm_cred_md5_verify() - whether @received_b64 is the syncml:auth-md5 credential of @user.
 * The received text is base64-decoded strictly and compared to the expected 16 bytes in
 * constant time; any decoding failure or a length other than 16 is a mismatch.
 *
 * Return: true only on a match.
 */
bool dm_cred_md5_verify(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                        size_t nonce_len, const char *received_b64);

/**
 * dm_cred_hmac() - the syncml:auth-MAC mac value of x-syncml-hmac over @body (§5.1.4.2).
 * @body, @body_len: the exact message bytes as sent or received.
 * @ret_b64: malloc'd base64 of the raw 16-byte digest.
 *
 * Return: 0; -EINVAL; -ENOMEM; -EIO.
 */
int dm_cred_hmac(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce, size_t nonce_len,
                 const uint8_t *body, size_t body_len, char **ret_b64);

/**
 * dm_cred_hmac_verify() - constant-time check of a received mac value (as dm_cred_md5_verify).
 *
 * Return: true only on a match.
 */
bool dm_cred_hmac_verify(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *body, size_t body_len, const char *received_b64);

/**
 * dm_pkg0_digest() - the package-0 digest (Notification §6.2.2.2).
 * @server_id: the server identifier (the ServerID of the trigger, = SRVCRED AAuthName).
 * @pw, @pw_len: the server's secret (SRVCRED AAuthSecret).
 * @nonce, @nonce_len: the server nonce, raw bytes (SRVCRED AAuthData decoded).
 * @trigger, @trigger_len: everything after the digest (DmPkg0.trigger).
 * @out: the 16 raw digest bytes. Compare them with CRYPTO_memcmp (or dm_pkg0_digest_verify).
 *
 * Return: 0; -EINVAL; -EIO.
 */
int dm_pkg0_digest(const char *server_id, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                   size_t nonce_len, const uint8_t *trigger, size_t trigger_len, uint8_t out[16]);

/**
 * dm_pkg0_digest_verify() - recompute the package-0 digest and compare it with @received in
 * constant time.
 *
 * Return: true only on a match.
 */
bool dm_pkg0_digest_verify(const char *server_id, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                           size_t nonce_len, const uint8_t *trigger, size_t trigger_len,
                           const uint8_t received[16]);

/**
 * dm_b64_decode() - strict base64 (RFC 4648 §4): the standard alphabet, padding required
 * (length a multiple of 4), no whitespace, no characters after the padding, and non-zero
 * unused bits of the last character refused (so one text decodes from only one encoding).
 * @b64: NUL-terminated text, at most DM_B64_MAX characters. "" decodes to 0 bytes.
 * @ret: malloc'd bytes (one extra NUL byte after them, not counted); @ret_len their number.
 *
 * Return: 0; -EBADMSG not strict base64; -E2BIG longer than DM_B64_MAX; -ENOMEM.
 */
int dm_b64_decode(const char *b64, uint8_t **ret, size_t *ret_len);

/**
 * dm_b64_encode() - base64 with padding of @len bytes.
 * @ret: malloc'd NUL-terminated text.
 *
 * Return: 0; -ENOMEM; -E2BIG (absurd length).
 */
int dm_b64_encode(const uint8_t *buf, size_t len, char **ret);
