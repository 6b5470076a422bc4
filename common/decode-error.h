/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * decode-error.h: where and why an untrusted-input decoder gave up.
 * Every decoder takes an optional DecodeError* and fills it on failure so that
 * `provctl decode` can print one line naming the layer, offset and reason.
 * The strings are static; no input byte is ever copied into them.
 */
#pragma once

#include <stddef.h>

typedef struct DecodeError {
        const char *layer;  /* "sms", "wsp", "wbxml", "xml", "cpdoc" */
        size_t offset;      /* byte offset inside the buffer handed to that layer */
        const char *reason; /* static text, no input data */
} DecodeError;

/* Record the failure (first one wins) and return r, which must be negative. */
static inline int decode_fail(DecodeError *e, const char *layer, size_t offset, const char *reason, int r) {
        if (e && !e->layer) {
                e->layer = layer;
                e->offset = offset;
                e->reason = reason;
        }
        return r;
}
