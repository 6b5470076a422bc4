/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * siphash.h: SipHash-2-4, the keyed 64-bit PRF of J.-P. Aumasson and D. J. Bernstein,
 * "SipHash: a fast short-input PRF", INDOCRYPT 2012 (https://131002.net/siphash/siphash.pdf).
 * provd uses it to name pushes by a short digest (quarantine, logs) without linking any crypto
 * library: provd holds no secret, and the digest key is not one (it only keeps an attacker
 * from choosing inputs whose digests collide with a quarantined one). Pure code.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_SIZE 16U

/*
 * siphash24 - SipHash-2-4 of len bytes at in under the 128-bit key k (paper section 2:
 * k0 = key bytes 0..7, k1 = bytes 8..15, both little-endian).
 * Return: the 64-bit tag as a number (the paper's byte string is its little-endian form).
 */
uint64_t siphash24(const void *in, size_t len, const uint8_t k[SIPHASH_KEY_SIZE]);
