/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth.h: OMA ProvBoot 1.1 message authentication (docs/wire-notes.md §5): HMAC-SHA1 over the push
 * body exactly as received, with the key of the SEC method: NETWPIN = the IMSI in EF_IMSI
 * semi-octet form (§5.3), USERPIN = the PIN's ASCII octets, USERNETWPIN = IMSI key || PIN
 * (§5.4), USERPINMAC = the typed PIN is K || check digits, digit i = HMAC(K, body) octet i
 * mod 10 (§5.5). Keys, PINs and the IMSI are Secrets; the key derived for one verification lives
 * in a stack buffer wiped right after keying the HMAC context (no guarded allocation per push,
 * whose mmap/mprotect/mlock cost would dwarf the HMAC); the comparison
 * is constant-time (CRYPTO_memcmp over the full length) and every failure, whatever its cause,
 * returns -EKEYREJECTED (R3.4: no oracle). The EVP_MAC "HMAC" implementation and a SHA1-bound
 * context template are fetched once per process and reused.
 *
 * PIN limits (decided here; docs/wire-notes.md §5 fixes none):
 *   USERPIN / USERNETWPIN: AUTH_PIN_LEN_MIN..AUTH_PIN_LEN_MAX printable ASCII characters
 *     (0x21..0x7E). Four is the usual handset PIN minimum; shorter PINs are trivially guessed.
 *   USERPINMAC: the typed string has an even length 2n of decimal digits, with
 *     n = AUTH_PINMAC_HALF_MIN..AUTH_PINMAC_HALF_MAX. The minimum 4 admits the §5.7 vectors
 *     (K=1234); the maximum 20 is the HMAC-SHA1 length (one check digit per MAC octet).
 * A PIN outside these limits never authenticates (auth_verify() returns -EKEYREJECTED);
 * auth_pin_check_format() lets a caller refuse it up front without spending an attempt.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secret.h"
#include "wsp.h"

#define AUTH_MAC_LEN 20U                /* HMAC-SHA1 output, octets */
#define AUTH_MAC_HEX_LEN 40U            /* the MAC parameter: exactly 40 hex digits, any case */
#define AUTH_IMSI_DIGITS_MIN 6U         /* MCC + MNC + at least one MSIN digit */
#define AUTH_IMSI_DIGITS_MAX 15U        /* 3GPP TS 23.003 §2.2 */
#define AUTH_NETWPIN_KEY_MAX 8U         /* (1 + 15 digits) nibbles = 8 octets */
#define AUTH_PIN_LEN_MIN 4U             /* USERPIN / USERNETWPIN characters */
#define AUTH_PIN_LEN_MAX 32U
#define AUTH_PINMAC_HALF_MIN 4U         /* USERPINMAC: digits in K (and in the check part) */
#define AUTH_PINMAC_HALF_MAX 20U        /* = AUTH_MAC_LEN: one check digit per MAC octet */
#define AUTH_PINMAC_LEN_MAX (2U * AUTH_PINMAC_HALF_MAX) /* typed USERPINMAC string */
#define AUTH_KEY_MAX (AUTH_NETWPIN_KEY_MAX + AUTH_PIN_LEN_MAX)

/**
 * auth_verify() - authenticate a push body with its SEC method.
 * @sec: AUTH_NETWPIN .. AUTH_USERPINMAC.
 * @body: the body bytes exactly as received (WBXML with its header, or XML octets).
 * @len: body length (0 allowed: the MAC of nothing).
 * @mac_hex: the MAC content-type parameter, NUL-terminated: exactly 40 hex digits, any case.
 *   Required for NETWPIN, USERPIN, USERNETWPIN; ignored (may be NULL) for USERPINMAC, whose
 *   proof is the typed PIN (§5.5).
 * @imsi: the IMSI digits of the inserted SIM (NETWPIN, USERNETWPIN), or NULL when unknown.
 * @pin: the PIN as typed (USERPIN, USERNETWPIN, USERPINMAC), or NULL when none was given.
 *
 * Every authentication failure (missing/short/long/non-hex MAC, missing or malformed IMSI or
 * PIN, PIN outside the limits, MAC or check-digit mismatch, internal crypto failure) returns
 * the same code; the MAC compare itself always runs over the full length.
 *
 * Return: 0 authenticated; -EKEYREJECTED not authenticated; -EINVAL @sec is AUTH_NONE or out
 *   of range (a caller bug: an unauthenticated push has nothing to verify).
 */
int auth_verify(AuthMethod sec, const uint8_t *body, size_t len, const char *mac_hex, const Secret *imsi,
                const Secret *pin);

/*
 * AuthKey: a key prepared for verification, for callers that verify more than once with one key
 * or want the cost of key derivation (reading Secrets costs an mprotect pair each) outside the
 * measured verification. It holds an HMAC context already keyed (OpenSSL's ipad/opad state, in
 * OpenSSL's heap, cleansed by auth_key_free()) and, for USERPINMAC, the typed check digits; it
 * is key-equivalent material outside guarded memory, so keep it short-lived (one push) and never
 * cache it across pushes. auth_key_verify() costs one context copy + the HMAC + the compare.
 */
typedef struct AuthKey AuthKey;

/**
 * auth_key_new() - derive and prepare the key of @sec from @imsi and @pin.
 * @sec: AUTH_NETWPIN .. AUTH_USERPINMAC.
 * @imsi: IMSI digits (NETWPIN, USERNETWPIN).
 * @pin: PIN as typed (USERPIN, USERNETWPIN, USERPINMAC).
 * @ret: the prepared key.
 *
 * Return: 0; -EKEYREJECTED missing or malformed IMSI/PIN (the same answer auth_verify() gives);
 *   -EINVAL bad @sec; -EIO; -ENOMEM.
 */
int auth_key_new(AuthMethod sec, const Secret *imsi, const Secret *pin, AuthKey **ret);

/**
 * auth_key_verify() - auth_verify() with a prepared key.
 * @k: the key.
 * @body: body bytes exactly as received.
 * @len: body length.
 * @mac_hex: the MAC parameter (ignored for USERPINMAC).
 *
 * Return: 0 authenticated; -EKEYREJECTED otherwise (every failure); -EINVAL @k is NULL.
 */
int auth_key_verify(const AuthKey *k, const uint8_t *body, size_t len, const char *mac_hex);

/* auth_key_free() - cleanse and free a prepared key. Return: NULL. */
AuthKey *auth_key_free(AuthKey *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(AuthKey *, auth_key_free);

/* auth_needs_pin() - true for USERPIN, USERNETWPIN, USERPINMAC: the push waits for a PIN. */
bool auth_needs_pin(AuthMethod sec);

/* auth_needs_imsi() - true for NETWPIN and USERNETWPIN: the key needs the SIM's IMSI. */
bool auth_needs_imsi(AuthMethod sec);

/* auth_needs_mac() - true for NETWPIN, USERPIN, USERNETWPIN: the MAC parameter is required. */
bool auth_needs_mac(AuthMethod sec);

/**
 * auth_imsi_check() - whether @s is AUTH_IMSI_DIGITS_MIN..MAX decimal digits (nothing else).
 * @s: candidate IMSI (configuration, modem answer).
 * @len: its length.
 *
 * Return: 0 or -EINVAL.
 */
int auth_imsi_check(const char *s, size_t len);

/**
 * auth_pin_check_format() - whether @pin is within the limits of @sec (see the header comment).
 * @sec: USERPIN, USERNETWPIN or USERPINMAC.
 * @pin: the PIN as typed.
 *
 * Return: 0; -EINVAL outside the limits or for a method without a PIN.
 */
int auth_pin_check_format(AuthMethod sec, const Secret *pin);

/**
 * auth_netwpin_key() - the NETWPIN key: IMSI in EF_IMSI semi-octet form (§5.3): nibbles
 *   [parity/type, d1..dn] (+F filler), low nibble first, no length octet.
 * @imsi: the IMSI digits (validated with auth_imsi_check()).
 * @ret_key: a new secret of (n + 2) / 2 octets (8 for 14- and 15-digit IMSIs).
 *
 * Return: 0; -EINVAL malformed IMSI; -ENOMEM.
 */
int auth_netwpin_key(const Secret *imsi, Secret **ret_key);

/**
 * auth_derive_key() - the HMAC key of @sec: NETWPIN key, PIN octets, or IMSI key || PIN. For
 *   USERPINMAC the key is K, the first half of the typed PIN.
 * @sec: the method.
 * @imsi: IMSI digits, needed by NETWPIN and USERNETWPIN (else ignored).
 * @pin: PIN as typed, needed by the three PIN methods (else ignored).
 * @ret_key: the key.
 *
 * Return: 0; -EINVAL missing or malformed input (IMSI digits, PIN limits) or bad @sec; -ENOMEM.
 */
int auth_derive_key(AuthMethod sec, const Secret *imsi, const Secret *pin, Secret **ret_key);

/**
 * auth_hmac_sha1() - HMAC-SHA1(@key, @data) with the process-wide fetched EVP_MAC.
 * @key: key bytes (may be a secret_acquire_ro() mapping).
 * @key_len: key length (ProvBoot keys are 1..AUTH_KEY_MAX octets; any length works).
 * @data: message.
 * @len: message length.
 * @out: AUTH_MAC_LEN octets; the caller wipes it when it is sensitive.
 *
 * Return: 0; -EIO on an OpenSSL failure; -ENOMEM.
 */
int auth_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                   uint8_t out[AUTH_MAC_LEN]);

/**
 * auth_compute_mac_hex() - what a sender puts in the MAC parameter (tests, demo pushes):
 *   upper-case hex of HMAC-SHA1(key of @sec, @body). For USERPINMAC @pin is K alone and the
 *   result is M (what Kannel sends).
 * @sec: the method.
 * @body: body bytes.
 * @len: body length.
 * @imsi: IMSI digits (NETWPIN, USERNETWPIN).
 * @pin: PIN (USERPIN, USERNETWPIN), or K (USERPINMAC).
 * @out: AUTH_MAC_HEX_LEN + 1 characters.
 *
 * Return: 0; -EINVAL missing/malformed input; -EIO; -ENOMEM.
 */
int auth_compute_mac_hex(AuthMethod sec, const uint8_t *body, size_t len, const Secret *imsi, const Secret *pin,
                         char out[AUTH_MAC_HEX_LEN + 1]);

/**
 * auth_userpinmac_pin() - the USERPINMAC string a sender gives the user: K || n check digits.
 * @body: body bytes.
 * @len: body length.
 * @k: K, AUTH_PINMAC_HALF_MIN..MAX decimal digits.
 * @ret_pin: a new secret holding the 2n digits.
 *
 * Return: 0; -EINVAL malformed K; -EIO; -ENOMEM.
 */
int auth_userpinmac_pin(const uint8_t *body, size_t len, const Secret *k, Secret **ret_pin);

/**
 * auth_mac_from_hex() - decode a MAC parameter: exactly 40 hex digits, either case, nothing else.
 * @mac_hex: NUL-terminated text, or NULL.
 * @out: AUTH_MAC_LEN octets (untouched on failure).
 *
 * Return: 0 or -EINVAL.
 */
int auth_mac_from_hex(const char *mac_hex, uint8_t out[AUTH_MAC_LEN]);

/* auth_compare_primitive() - the name of the constant-time compare used ("CRYPTO_memcmp"). */
const char *auth_compare_primitive(void);
