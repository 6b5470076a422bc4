/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * input.h: the input forms `provctl decode` and `provctl inject` (via provd's Inject) accept,
 * in one place so both take exactly the same inputs (docs/architecture.md §4, fixed interfaces):
 * SMS-DELIVER TPDUs as hex text one per line (optionally each with the SMSC prefix that +CMT
 * delivers), a WSP push PDU, a bare WBXML body or a bare XML document, binary or hex,
 * auto-detected or forced. Pure code: the caller reads the file.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "decode-error.h"

#define INPUT_TPDUS_MAX 255U            /* TPDU lines in one input (23.040: 255 segments) */
#define INPUT_LINE_MAX 1024U            /* characters of one hex line */
#define INPUT_SIZE_MAX (256U * 1024U)   /* whole input */

typedef enum InputFormat {
        INPUT_AUTO,
        INPUT_SMS,        /* SMS-DELIVER TPDUs, hex, one per line */
        INPUT_SMS_SMSC,   /* the same, each line starting with the SMSC address (+CMT) */
        INPUT_WSP,        /* WSP push PDU */
        INPUT_WBXML,      /* bare WBXML body */
        INPUT_XML,        /* bare XML document */
        _INPUT_FORMAT_MAX,
        _INPUT_FORMAT_INVALID = -22,
} InputFormat;

typedef struct InputTpdu {
        const uint8_t *data; /* points into Input.bytes */
        size_t len;
} InputTpdu;

typedef struct Input {
        InputFormat format;          /* resolved, never INPUT_AUTO */
        uint8_t *bytes;              /* owned: binary content (hex decoded when given as hex) */
        size_t size;
        unsigned n_tpdus;            /* for INPUT_SMS / INPUT_SMS_SMSC */
        InputTpdu tpdus[INPUT_TPDUS_MAX];
} Input;

const char *input_format_to_string(InputFormat f);
InputFormat input_format_from_string(const char *s);

/*
 * input_parse - classify and normalise one input.
 * Return: 0; -EBADMSG (bad hex, unrecognisable); -E2BIG (over an INPUT_* limit); -ENOMEM.
 */
int input_parse(const uint8_t *buf, size_t len, InputFormat format, Input *ret, DecodeError *err);
void input_done(Input *in);
