/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-sms.c: libFuzzer entry for the SMS layer (common/sms.c). The input is a sequence of
 * segments, each <ctl> <len> <len octets>: bit 7 of ctl says the octets start with an SMSC
 * address (+CMT form) to strip first; bits 0..6 advance the clock by that many seconds, except
 * 0x7F, which steps it back a minute. Every TPDU that decodes is fed to three reassemblers (tiny
 * limits, small limits, the defaults); the invariants the decoder and the state machine promise
 * are checked, and everything is freed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(x)                   \
        do {                            \
                if (!(x))               \
                        abort();        \
        } while (0)

#define USEC_PER_SEC 1000000ULL

#define CLOCK_BACK 0x7F

/* Tiny: even one segment can be over the size cap. Small: two 128-octet segments are. */
static const SmsReasmLimits tiny_limits = {
        .groups_max = 1,
        .groups_per_sender_max = 1,
        .segments_max = 2,
        .bytes_max = 100,
        .age_max_usec = 1ULL * USEC_PER_SEC,
};

static const SmsReasmLimits small_limits = {
        .groups_max = 3,
        .groups_per_sender_max = 2,
        .segments_max = 4,
        .bytes_max = 200,
        .age_max_usec = 30ULL * USEC_PER_SEC,
};

static void check_deliver(const SmsDeliver *d, const uint8_t *buf, size_t len) {
        const char *end = memchr(d->oa, '\0', sizeof d->oa);

        FUZZ_CHECK(end);
        /* The printable address never carries a control character. */
        for (const char *p = d->oa; p < end; p++)
                FUZZ_CHECK((unsigned char) *p >= 0x20 && *p != 0x7F);
        FUZZ_CHECK(d->payload_len <= SMS_UD_OCTETS_MAX);
        FUZZ_CHECK(d->payload >= buf && d->payload_len <= len &&
                   (size_t) (d->payload - buf) <= len - d->payload_len);
        if (d->has_concat)
                FUZZ_CHECK(d->concat_seq >= 1 && d->concat_seq <= d->concat_total);
        if (d->has_ports && !d->ports_16bit)
                FUZZ_CHECK(d->dst_port >= 240 && d->src_port >= 240 && d->dst_port <= 255 &&
                           d->src_port <= 255);
        if (d->has_ports && d->ports_16bit)
                FUZZ_CHECK(d->dst_port <= 49151);
}

static void feed(SmsReassembler *r, const SmsReasmLimits *l, const SmsDeliver *d, uint64_t now) {
        SmsDatagram *dg = NULL;
        volatile uint8_t sink = 0;
        int k;

        k = sms_reasm_add(r, d, now, &dg);
        FUZZ_CHECK(k == 0 || k == 1 || k == -EBADMSG || k == -EEXIST || k == -EPROTO || k == -E2BIG ||
                   k == -ENOSPC);
        FUZZ_CHECK((k == 1) == (dg != NULL));
        FUZZ_CHECK(sms_reasm_pending(r) <= l->groups_max);
        if (dg) {
                FUZZ_CHECK(dg->size >= 1 && dg->size <= l->bytes_max);
                FUZZ_CHECK(dg->n_segments >= 1 &&
                           (dg->n_segments == 1 || dg->n_segments <= l->segments_max));
                FUZZ_CHECK(memchr(dg->sender, '\0', sizeof dg->sender));
                for (size_t i = 0; i < dg->size; i++) /* every octet must be readable */
                        sink ^= dg->data[i];
                sms_datagram_free(dg);
        }
        (void) sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const SmsReasmLimits defaults = SMS_REASM_LIMITS_DEFAULT;
        SmsReassembler *tiny = NULL, *small = NULL, *dflt = NULL;
        uint64_t now = 1000 * USEC_PER_SEC, latest = now;
        size_t pos = 0;

        if (sms_reasm_new(&tiny, &tiny_limits) < 0 || sms_reasm_new(&small, &small_limits) < 0 ||
            sms_reasm_new(&dflt, NULL) < 0)
                goto out;

        while (size - pos >= 2) {
                uint8_t ctl = data[pos], n = data[pos + 1];
                const uint8_t *pdu = data + pos + 2;
                size_t len = size - pos - 2;
                SmsDeliver d;
                DecodeError err = {};
                uint8_t *copy;
                int skip = 0;

                if (len > n)
                        len = n;
                pos += 2 + len;
                if ((ctl & 0x7F) == CLOCK_BACK)
                        now -= MIN(now, 60ULL * USEC_PER_SEC);
                else
                        now += (uint64_t) (ctl & 0x7F) * USEC_PER_SEC;
                latest = MAX(latest, now);

                /* Exact-size heap copy so that ASan sees any over-read of this segment. */
                copy = malloc(len ? len : 1);
                if (!copy)
                        break;
                memcpy(copy, pdu, len);

                if (ctl & 0x80) {
                        skip = sms_strip_smsc(copy, len, &err);
                        if (skip < 0) {
                                FUZZ_CHECK(err.layer && err.reason && err.offset <= len);
                                free(copy);
                                continue;
                        }
                        FUZZ_CHECK(skip >= 1 && (size_t) skip < len && skip <= (int) SMS_SMSC_OCTETS_MAX);
                }
                if (sms_parse_deliver(copy + skip, len - (size_t) skip, &d, &err) < 0)
                        FUZZ_CHECK(err.layer && err.reason && err.offset <= len - (size_t) skip);
                else {
                        check_deliver(&d, copy + skip, len - (size_t) skip);
                        feed(tiny, &tiny_limits, &d, now);
                        feed(small, &small_limits, &d, now);
                        feed(dflt, &defaults, &d, now);
                }
                free(copy); /* the reassemblers keep copies, never borrows */
        }

        /*
         * Past the latest time seen (not the last one: the clock may have stepped back, which
         * restarts lifetimes) everything pending has expired. dflt is freed with its groups held.
         */
        latest += SMS_REASM_AGE_MAX_USEC + 1;
        (void) sms_reasm_expire(tiny, latest);
        (void) sms_reasm_expire(small, latest);
        FUZZ_CHECK(sms_reasm_pending(tiny) == 0 && sms_reasm_pending(small) == 0);
out:
        sms_reasm_free(tiny);
        sms_reasm_free(small);
        sms_reasm_free(dflt);
        return 0;
}
