/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hex.h: hex text <-> bytes for input files and MAC parameters. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode hex digits, skipping ASCII whitespace. Return: bytes written, -EBADMSG (bad digit or
 * odd count), -E2BIG (out too small). */
long hex_decode(const char *s, size_t len, uint8_t *out, size_t out_size);
/* Encode upper-case hex; out must hold 2*len+1. */
void hex_encode_upper(const uint8_t *in, size_t len, char *out);
