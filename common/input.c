/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* input.c: classify and normalise decode/inject inputs (see input.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "input.h"
#include "sms.h"
#include "wsp.h"

static const char *const format_names[_INPUT_FORMAT_MAX] = {
        [INPUT_AUTO] = "auto",   [INPUT_SMS] = "sms",     [INPUT_SMS_SMSC] = "sms-smsc",
        [INPUT_WSP] = "wsp",     [INPUT_WBXML] = "wbxml", [INPUT_XML] = "xml",
};

const char *input_format_to_string(InputFormat f) {
        return (f >= 0 && f < _INPUT_FORMAT_MAX) ? format_names[f] : NULL;
}

InputFormat input_format_from_string(const char *s) {
        for (int i = 0; i < _INPUT_FORMAT_MAX; i++)
                if (strcmp(s, format_names[i]) == 0)
                        return (InputFormat) i;
        return _INPUT_FORMAT_INVALID;
}

void input_done(Input *in) {
        free(in->bytes);
        in->bytes = NULL;
        in->size = 0;
        in->n_tpdus = 0;
}

static bool is_blank(uint8_t c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool looks_xml(const uint8_t *b, size_t n) {
        size_t i = 0;

        if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
                i = 3;
        while (i < n && is_blank(b[i]))
                i++;
        return i < n && b[i] == '<';
}

/* A text input made of lines of hex digits, '#' comments, "+CMT:" headers and an optional
 * leading decimal length token per line ("156 0044..." as make-deliver.py prints). */
static bool looks_hex_text(const uint8_t *b, size_t n) {
        size_t digits = 0;

        for (size_t i = 0; i < n; i++) {
                uint8_t c = b[i];

                if (c == '#' || c == '+') { /* comment or +CMT: line: skip to end of line */
                        while (i < n && b[i] != '\n')
                                i++;
                        continue;
                }
                if (is_blank(c))
                        continue;
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                        return false;
                digits++;
        }
        return digits >= 2;
}

/* Binary classification, most specific first. */
static InputFormat classify_binary(const uint8_t *b, size_t n) {
        /* Octet 1 of a WSP PDU is its type, Push or ConfirmedPush (WAP-230 8.2.1); as a WBXML
         * public id 0x06/0x07 would be a WML/WTA document, never PROV. */
        if (n >= 2 && (b[1] == 0x06 || b[1] == 0x07))
                return INPUT_WSP;
        if (b[0] <= 0x03)
                return INPUT_WBXML;
        if (looks_xml(b, n))
                return INPUT_XML;
        /* TP-MTI 00 = SMS-DELIVER (23.040 9.2.3.1) */
        if ((b[0] & 0x03) == 0)
                return INPUT_SMS;
        /* Nothing fits: let the WBXML decoder say precisely what is wrong with octet 0. */
        return INPUT_WBXML;
}

typedef struct Line {
        const char *s;
        size_t len;
} Line;

/* Split hex text into logical TPDU lines. Return: number of lines, or negative errno. */
static int split_lines(const uint8_t *b, size_t n, Line *lines, unsigned max, DecodeError *err) {
        unsigned k = 0;
        size_t i = 0;

        while (i < n) {
                size_t start = i, end;

                while (i < n && b[i] != '\n')
                        i++;
                end = i;
                if (i < n)
                        i++;
                while (start < end && is_blank(b[start]))
                        start++;
                while (end > start && is_blank(b[end - 1]))
                        end--;
                if (start == end || b[start] == '#' || b[start] == '+')
                        continue;
                if (end - start > INPUT_LINE_MAX)
                        return decode_fail(err, "input", start, "hex line too long", -E2BIG);
                /* "LEN HEX": drop a leading decimal length token. */
                for (size_t j = start; j < end; j++) {
                        if (b[j] == ' ' || b[j] == '\t') {
                                bool decimal = j > start;

                                for (size_t q = start; q < j; q++)
                                        if (b[q] < '0' || b[q] > '9')
                                                decimal = false;
                                if (decimal) {
                                        start = j;
                                        while (start < end && is_blank(b[start]))
                                                start++;
                                }
                                break;
                        }
                }
                if (k >= max)
                        return decode_fail(err, "input", start, "too many TPDU lines", -E2BIG);
                lines[k].s = (const char *) b + start;
                lines[k].len = end - start;
                k++;
        }
        return (int) k;
}

int input_parse(const uint8_t *buf, size_t len, InputFormat format, Input *ret, DecodeError *err) {
        Input in = { .format = format };
        bool hex;
        int r;

        if (len == 0)
                return decode_fail(err, "input", 0, "empty input", -EBADMSG);
        if (len > INPUT_SIZE_MAX)
                return decode_fail(err, "input", 0, "input too large", -E2BIG);

        hex = format != INPUT_XML && !looks_xml(buf, len) && looks_hex_text(buf, len);

        if (hex) {
                Line *lines = calloc(INPUT_TPDUS_MAX, sizeof(Line));
                size_t off = 0;
                int n;

                if (!lines)
                        return -ENOMEM;
                n = split_lines(buf, len, lines, INPUT_TPDUS_MAX, err);
                if (n < 0) {
                        free(lines);
                        return n;
                }
                if (n == 0) {
                        free(lines);
                        return decode_fail(err, "input", 0, "no hex data", -EBADMSG);
                }
                in.bytes = malloc(len / 2 + 1);
                if (!in.bytes) {
                        free(lines);
                        return -ENOMEM;
                }
                for (int i = 0; i < n; i++) {
                        long k = hex_decode(lines[i].s, lines[i].len, in.bytes + off, len / 2 + 1 - off);

                        if (k <= 0) {
                                size_t at = (size_t) ((const uint8_t *) lines[i].s - buf);

                                free(lines);
                                input_done(&in);
                                return decode_fail(err, "input", at, "bad hex digits", -EBADMSG);
                        }
                        in.tpdus[i].data = in.bytes + off;
                        in.tpdus[i].len = (size_t) k;
                        off += (size_t) k;
                }
                free(lines);
                in.size = off;
                in.n_tpdus = (unsigned) n;
                if (format == INPUT_AUTO) {
                        if (n > 1)
                                format = INPUT_SMS;
                        else
                                format = classify_binary(in.bytes, in.size);
                }
                if (format != INPUT_SMS && format != INPUT_SMS_SMSC) {
                        if (n > 1) {
                                input_done(&in);
                                return decode_fail(err, "input", 0, "several hex lines but not SMS input",
                                                   -EBADMSG);
                        }
                        in.n_tpdus = 0;
                }
        } else {
                if (format == INPUT_SMS || format == INPUT_SMS_SMSC)
                        return decode_fail(err, "input", 0, "SMS input must be hex text, one TPDU per line",
                                           -EBADMSG);
                in.bytes = malloc(len);
                if (!in.bytes)
                        return -ENOMEM;
                memcpy(in.bytes, buf, len);
                in.size = len;
                if (format == INPUT_AUTO)
                        format = looks_xml(buf, len) ? INPUT_XML : classify_binary(buf, len);
                if (format == INPUT_SMS) {
                        in.n_tpdus = 1;
                        in.tpdus[0].data = in.bytes;
                        in.tpdus[0].len = in.size;
                }
        }

        /* Auto-detected single-TPDU SMS that only parses with an SMSC prefix (make-deliver.py,
         * +CMT PDU mode): treat it as such. */
        if (format == INPUT_SMS && in.n_tpdus > 0) {
                SmsDeliver d;

                if (sms_parse_deliver(in.tpdus[0].data, in.tpdus[0].len, &d, NULL) < 0) {
                        r = sms_strip_smsc(in.tpdus[0].data, in.tpdus[0].len, NULL);
                        if (r > 0 && sms_parse_deliver(in.tpdus[0].data + r, in.tpdus[0].len - (size_t) r, &d,
                                                       NULL) >= 0 && format == INPUT_SMS && len > 0)
                                format = INPUT_SMS_SMSC;
                }
        }
        if (format == INPUT_SMS_SMSC) {
                for (unsigned i = 0; i < in.n_tpdus; i++) {
                        r = sms_strip_smsc(in.tpdus[i].data, in.tpdus[i].len, err);
                        if (r < 0) {
                                input_done(&in);
                                return r;
                        }
                        in.tpdus[i].data += r;
                        in.tpdus[i].len -= (size_t) r;
                }
        }
        in.format = format;
        *ret = in;
        return 0;
}
