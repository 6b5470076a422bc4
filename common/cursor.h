/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cursor.h: the one bounded reader for untrusted bytes (docs/conventions.md §8).
 *
 * A Cursor is a stack object over a caller-owned span. Every read checks the
 * remaining length first (lengths are compared, never pointers); on failure the
 * cursor does not move and no output is written.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Cursor {
        const uint8_t *data;
        size_t size;
        size_t pos;
        size_t base; /* offset of data[0] within the outermost buffer, for error reports */
} Cursor;

/* Longest uintvar / mb_u_int32 we accept (WSP 8.1.2, WBXML 5.1): 5 octets, value <= UINT32_MAX. */
#define CURSOR_UINTVAR_OCTETS_MAX 5U

static inline void cursor_init(Cursor *c, const void *data, size_t size) {
        c->data = data;
        c->size = size;
        c->pos = 0;
        c->base = 0;
}

static inline size_t cursor_left(const Cursor *c) {
        return c->size - c->pos;
}

static inline bool cursor_eof(const Cursor *c) {
        return c->pos >= c->size;
}

/* Absolute offset (in the outermost buffer) of the next byte. */
static inline size_t cursor_offset(const Cursor *c) {
        return c->base + c->pos;
}

static inline const uint8_t *cursor_ptr(const Cursor *c) {
        return c->data + c->pos;
}

/* Return: 0, or -EBADMSG when no byte is left. */
int cursor_u8(Cursor *c, uint8_t *ret);
/* Look at the next byte without consuming it. Return: 0 or -EBADMSG. */
int cursor_peek(const Cursor *c, uint8_t *ret);
/* WSP uintvar == WBXML mb_u_int32. Return: 0, -EBADMSG (truncated), -E2BIG (> 5 octets or > 32 bits). */
int cursor_uintvar(Cursor *c, uint32_t *ret);
/* Zero-copy span of n bytes. Return: 0 or -EBADMSG. */
int cursor_bytes(Cursor *c, size_t n, const uint8_t **ret);
/* Skip n bytes. Return: 0 or -EBADMSG. */
int cursor_skip(Cursor *c, size_t n);
/* Child cursor bounded to the next n bytes; the parent moves past them. Return: 0 or -EBADMSG. */
int cursor_sub(Cursor *c, size_t n, Cursor *ret);
/*
 * NUL-terminated string starting at the cursor; the terminator must lie inside the
 * cursor. *ret points into the buffer, *ret_len excludes the NUL; the cursor moves past
 * the NUL. Return: 0 or -EBADMSG (no terminator).
 */
int cursor_cstr(Cursor *c, const char **ret, size_t *ret_len);
