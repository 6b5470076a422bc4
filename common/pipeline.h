/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pipeline.h: input -> (SMS-DELIVER TPDUs -> reassembly) -> WSP push -> body -> CP document.
 * The one decode path shared by `provctl decode`, provd's intake and the tests, so that every
 * front end rejects the same inputs the same way. Pure code: no I/O, the caller passes "now".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cpdoc.h"
#include "input.h"
#include "sms.h"
#include "wsp.h"

#define PIPELINE_WAP_PUSH_PORT 2948U  /* WDP port of connectionless WAP push (docs/wire-notes.md §1.4) */

typedef struct Pipeline {
        Input input;
        /* transport facts, when the input was SMS */
        bool from_sms;
        SmsDeliver first;          /* segment that completed the message (payload pointer invalid) */
        SmsDatagram *datagram;     /* owned */
        unsigned repeated_segments; /* later copies of a stored segment, dropped (docs/wire-notes.md §1.6) */
        /* WSP facts, when the input carried a WSP PDU */
        bool has_wsp;
        WspPush wsp;               /* body points into datagram or input */
        /* the document bytes, exactly as received, and what they are */
        const uint8_t *body;
        size_t body_len;
        WspContentKind kind;
        CpDoc *doc;                /* owned; NULL for a signed package (decoded by verifierd) */
        bool dm_notification;      /* an OMA DM package 0 (application/vnd.syncml.notification):
                                    * no document; verifierd parses and authenticates it */
} Pipeline;

/* Whether @w carries an OMA DM notification: WSP content type 0x44 or its text form
 * (OMA-TS-DM_Notification-V1_2 §6.3.1: application/vnd.syncml.notification). */
bool pipeline_wsp_is_dm_notification(const WspPush *w);

/*
 * pipeline_decode - run the whole decode path.
 * reasm: a long-lived reassembler (provd) or NULL for a private one that must complete the
 * message from this input alone (provctl decode).
 * A later copy of a segment already stored (or of the message this input completed) is dropped
 * and counted in ret->repeated_segments (docs/wire-notes.md §1.6 step 3): networks repeat segments.
 * Return: 1 complete (ret filled); 0 segments stored, message incomplete (only with reasm; of ret
 *   only repeated_segments is set);
 *   negative errno with err naming layer, offset and reason.
 */
int pipeline_decode(const uint8_t *buf, size_t len, InputFormat format, SmsReassembler *reasm,
                    uint64_t now_usec, Pipeline *ret, DecodeError *err);

void pipeline_done(Pipeline *p);
