/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil.h: small helpers on top of Check for byte-vector tests. */
#pragma once

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Decode hex text (whitespace ignored) into a malloc'd buffer. Aborts the test on bad hex. */
uint8_t *tu_unhex(const char *hex, size_t *ret_len);
/* Read a whole file below tests/data (path relative to the source tree). Aborts on error. */
uint8_t *tu_read_file(const char *path, size_t *ret_len);
/* Run one suite with Check in fork mode; returns the process exit status. */
int tu_run(Suite *s);

/* Add a test with an ell-style path name. */
#define TU_ADD(tc, fn) tcase_add_test(tc, fn)
