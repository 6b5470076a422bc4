/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * schema.h: the value syntaxes of the ProvCont schema (schema.c) as pure predicates, so that
 * the exporters can re-check a value right where they hand it to system configuration
 * (docs/wire-notes.md §7.2 R10) with exactly the rule cpdoc_validate applied. Each takes a
 * NUL-terminated string that already passed the document string rules (cpdoc-builder.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Decimal digits only (no sign, no spaces), at most 10 of them, value within [min, max]. */
bool schema_valid_uint(const char *s, uint32_t min, uint32_t max);
/* RFC 3986 absolute URI: scheme ":" and at least one more character, all of them URI
 * characters (printable ASCII, no space, no " < > \ ^ ` { | }), '%' followed by two hex digits. */
bool schema_valid_uri(const char *s);
/* RFC 3986 URI reference: as above, relative references allowed (e.g. "./contacts"). */
bool schema_valid_uri_ref(const char *s);
/* DNS name (labels of [A-Za-z0-9_-], 1..63 bytes, at most 253 in all, optional final dot),
 * IPv4 dotted quad, IPv6 address, or an IPv6 address in brackets. */
bool schema_valid_host(const char *s);
bool schema_valid_ipv4(const char *s);
bool schema_valid_ipv6(const char *s);
/* "+" optional, then 1..20 decimal digits. */
bool schema_valid_e164(const char *s);
/* NetworkManager's APN rule (libnm nm-setting-gsm.c): at most 64 bytes of [A-Za-z0-9._-]. */
bool schema_valid_apn(const char *s);
/* RFC 4648 base64, whitespace (SP, TAB, CR, LF) between characters ignored, padded. */
bool schema_valid_base64(const char *s);
/* A SHA-1 thumbprint: exactly 40 hexadecimal digits, either case (docs/trust-boundary.md §1.8). */
bool schema_valid_thumbprint(const char *s);
/* Printable ASCII without space, at least one character. */
bool schema_valid_token(const char *s);
/* Comma-separated list of [A-Za-z0-9._-] tokens, spaces around commas allowed (AAUTHTYPE). */
bool schema_valid_token_list(const char *s);
