/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-pipeline.c: the shared decode path on SMS input with repeated segments.
 *
 * Networks repeat segments (docs/wire-notes.md §1.6 step 3 and 2.9.3: a real operator's three-segment
 * NETWPIN push arrives with segment 2 twice). The later copy is dropped and reassembly goes on; a
 * later copy never replaces the stored one, so a substituted payload cannot change the message.
 * The base input is tests/data/demo/apn-proxy.netwpin.sms.hex (three segments, reference 0x5A).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-pkg0.h"
#include "pipeline.h"
#include "testutil.h"

#define BASE_FILE "tests/data/demo/apn-proxy.netwpin.sms.hex"
#define LINES_MAX 8U
#define LINE_MAX 400U
#define T0 1000000ULL

static char lines[LINES_MAX][LINE_MAX];
static unsigned n_lines;

static void load_base(void) {
        size_t len;
        char *text = (char *) tu_read_file(BASE_FILE, &len), *save = NULL;

        n_lines = 0;
        text = realloc(text, len + 1);
        ck_assert_ptr_nonnull(text);
        text[len] = 0;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                ck_assert_uint_lt(n_lines, LINES_MAX);
                ck_assert_uint_lt(strlen(l), LINE_MAX);
                snprintf(lines[n_lines++], LINE_MAX, "%s", l);
        }
        free(text);
        ck_assert_uint_eq(n_lines, 3);
}

/* Build the input from line indexes (0-based); @subst: index in the output whose payload's last
 * hex digit is changed (a substituted copy), or -1. */
static char *build(const unsigned *order, size_t n, int subst) {
        size_t cap = n * LINE_MAX + 1, used = 0;
        char *out = calloc(1, cap);

        ck_assert_ptr_nonnull(out);
        for (size_t i = 0; i < n; i++) {
                int k = snprintf(out + used, cap - used, "%s\n", lines[order[i]]);

                ck_assert_int_gt(k, 1);
                if ((int) i == subst)
                        out[used + (size_t) k - 2] = out[used + (size_t) k - 2] == '0' ? '1' : '0';
                used += (size_t) k;
        }
        return out;
}

static int decode(const char *text, SmsReassembler *ra, Pipeline *p, DecodeError *err) {
        memset(p, 0, sizeof *p);
        memset(err, 0, sizeof *err);
        return pipeline_decode((const uint8_t *) text, strlen(text), INPUT_AUTO, ra, T0, p, err);
}

/* The datagram decoded from the three segments in order, each once: the reference. */
static void reference(uint8_t **ret, size_t *ret_len) {
        static const unsigned order[] = { 0, 1, 2 };
        char *text = build(order, 3, -1);
        DecodeError err;
        Pipeline p;

        ck_assert_int_eq(decode(text, NULL, &p, &err), 1);
        ck_assert_uint_eq(p.repeated_segments, 0);
        *ret_len = p.body_len;
        *ret = malloc(p.body_len);
        memcpy(*ret, p.body, p.body_len);
        pipeline_done(&p);
        free(text);
}

static void expect_same(const unsigned *order, size_t n, int subst, unsigned repeated) {
        uint8_t *want;
        size_t want_len;
        char *text = build(order, n, subst);
        DecodeError err;
        Pipeline p;
        int r;

        reference(&want, &want_len);
        r = decode(text, NULL, &p, &err);
        ck_assert_msg(r == 1, "decode: %d (%s: %s)", r, err.layer ? err.layer : "?", err.reason ? err.reason : "?");
        ck_assert_uint_eq(p.repeated_segments, repeated);
        ck_assert_uint_eq(p.datagram->n_segments, 3);
        ck_assert_uint_eq(p.body_len, want_len);
        ck_assert_mem_eq(p.body, want, want_len); /* the first copy of each seq, never a later one */
        ck_assert_ptr_nonnull(p.doc);
        pipeline_done(&p);
        free(want);
        free(text);
}

START_TEST(test_repeat_middle) {
        static const unsigned order[] = { 0, 1, 1, 2 }; /* the operator trace: segment 2 twice */
        load_base();
        expect_same(order, 4, -1, 1);
}
END_TEST

START_TEST(test_repeat_substituted) {
        static const unsigned order[] = { 0, 1, 1, 2 };
        load_base();
        expect_same(order, 4, 2, 1); /* a changed later copy of seq 2 changes nothing */
}
END_TEST

START_TEST(test_repeat_after_complete) {
        static const unsigned order[] = { 0, 1, 2, 1, 0 };
        load_base();
        expect_same(order, 5, -1, 2);
}
END_TEST

START_TEST(test_repeat_first_many) {
        static const unsigned order[] = { 0, 0, 0, 2, 2, 1 };
        load_base();
        expect_same(order, 6, -1, 3);
}
END_TEST

START_TEST(test_other_message_after_complete) {
        /* Not a repeat: a segment of another message (reference 0x5B) after the end. */
        static const unsigned order[] = { 0, 1, 2 };
        char other[LINE_MAX], *ref, *head, *text;
        DecodeError err;
        Pipeline p;

        load_base();
        snprintf(other, sizeof other, "%s", lines[1]);
        ref = strstr(other, "00035A"); /* concatenation IE: 00 03 <ref> <total> <seq> */
        ck_assert_ptr_nonnull(ref);
        ref[5] = 'B';
        head = build(order, 3, -1);
        ck_assert_int_gt(asprintf(&text, "%s%s\n", head, other), 0);
        ck_assert_int_eq(decode(text, NULL, &p, &err), -EBADMSG);
        ck_assert_str_eq(err.reason, "TPDUs after the message was complete");
        pipeline_done(&p);
        free(head);
        free(text);
}
END_TEST

START_TEST(test_live_reassembler) {
        /* provd's path: one TPDU per call into a long-lived reassembler. */
        static const unsigned order[] = { 0, 1, 1, 2 };
        SmsReassembler *ra = NULL;
        uint8_t *want;
        size_t want_len;
        DecodeError err;
        Pipeline p;

        load_base();
        reference(&want, &want_len);
        ck_assert_int_eq(sms_reasm_new(&ra, NULL), 0);
        for (size_t i = 0; i < 3; i++) {
                char *text = build(order + i, 1, -1);

                ck_assert_int_eq(decode(text, ra, &p, &err), 0); /* stored (or dropped), incomplete */
                ck_assert_uint_eq(p.repeated_segments, i == 2 ? 1U : 0U);
                pipeline_done(&p);
                free(text);
        }
        {
                char *text = build(order + 3, 1, -1);

                ck_assert_int_eq(decode(text, ra, &p, &err), 1);
                ck_assert_uint_eq(p.body_len, want_len);
                ck_assert_mem_eq(p.body, want, want_len);
                pipeline_done(&p);
                free(text);
        }
        sms_reasm_free(ra);
        free(want);
}
END_TEST

/* An OMA DM package 0 (WSP content type 0x44, or its text form): no document, only its size is
 * checked (1..DM_PKG0_MAX); verifierd parses it. Other WSP content stays unsupported. */
START_TEST(test_dm_notification) {
        uint8_t pdu[6 + DM_PKG0_MAX + 1] = { 0x01, 0x06, 0x03, 0xC4, 0xAF, 0x87 };
        static const char text_ct[] = "application/vnd.syncml.notification";
        uint8_t tpdu[64 + sizeof text_ct];
        DecodeError err = {};
        Pipeline p;

        memset(pdu + 6, 0xA5, DM_PKG0_MAX + 1);
        for (size_t len = DM_PKG0_MAX; len <= DM_PKG0_MAX + 1; len++) {
                memset(&p, 0, sizeof p);
                memset(&err, 0, sizeof err);
                int r = pipeline_decode(pdu, 6 + len, INPUT_WSP, NULL, T0, &p, &err);

                if (len <= DM_PKG0_MAX) {
                        ck_assert_int_eq(r, 1);
                        ck_assert(p.dm_notification);
                        ck_assert_ptr_null(p.doc);
                        ck_assert_uint_eq(p.body_len, len);
                } else
                        ck_assert_int_eq(r, -EBADMSG);
                pipeline_done(&p);
        }
        /* the text form: Content-Type as a string (0x03 + the header length) */
        size_t n = 0;
        tpdu[n++] = 0x01;
        tpdu[n++] = 0x06;
        tpdu[n++] = (uint8_t) sizeof text_ct;           /* headers: the text and its NUL */
        memcpy(tpdu + n, text_ct, sizeof text_ct);
        n += sizeof text_ct;
        memset(tpdu + n, 0x5A, 24);
        n += 24;
        memset(&p, 0, sizeof p);
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(pipeline_decode(tpdu, n, INPUT_WSP, NULL, T0, &p, &err), 1);
        ck_assert(p.dm_notification);
        pipeline_done(&p);
        /* an empty one */
        memset(&p, 0, sizeof p);
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(pipeline_decode(pdu, 6, INPUT_WSP, NULL, T0, &p, &err), -EBADMSG);
        pipeline_done(&p);
        /* 0x43 (SyncML DM XML itself) is not a notification: unsupported as before */
        pdu[3] = 0xC3;
        memset(&p, 0, sizeof p);
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(pipeline_decode(pdu, 6 + 30, INPUT_WSP, NULL, T0, &p, &err), -EOPNOTSUPP);
        pipeline_done(&p);
}
END_TEST

int main(void) {
        Suite *s = suite_create("pipeline");
        TCase *tc = tcase_create("/pipeline/repeated-segments");

        TU_ADD(tc, test_repeat_middle);
        TU_ADD(tc, test_repeat_substituted);
        TU_ADD(tc, test_repeat_after_complete);
        TU_ADD(tc, test_repeat_first_many);
        TU_ADD(tc, test_other_message_after_complete);
        TU_ADD(tc, test_live_reassembler);
        suite_add_tcase(s, tc);
        tc = tcase_create("/pipeline/dm-notification");
        TU_ADD(tc, test_dm_notification);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
