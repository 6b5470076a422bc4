/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pipeline.c: the shared decode path (see pipeline.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "dm-pkg0.h"
#include "pipeline.h"

void pipeline_done(Pipeline *p) {
        input_done(&p->input);
        p->datagram = sms_datagram_free(p->datagram);
        p->doc = cpdoc_free(p->doc);
}

bool pipeline_wsp_is_dm_notification(const WspPush *w) {
        return w->content_type_coded ? w->content_type_code == 0x44U
                                     : strcmp(w->content_type, "application/vnd.syncml.notification") == 0;
}

static int decode_body(Pipeline *p, DecodeError *err) {
        int r;

        if (p->has_wsp && pipeline_wsp_is_dm_notification(&p->wsp)) {
                /* A DM package 0: nothing to decode here; verifierd parses it after checking
                 * its digest (verifierd/dm-notify.h). Only its size is provd's business. */
                if (p->body_len == 0 || p->body_len > DM_PKG0_MAX)
                        return decode_fail(err, "wsp", 0, "DM notification empty or over 512 bytes", -EBADMSG);
                p->dm_notification = true;
                return 0;
        }

        switch (p->kind) {
        case WSP_CONTENT_CP_WBXML:
                r = cpdoc_from_wbxml(p->body, p->body_len, &p->doc, err);
                break;
        case WSP_CONTENT_CP_XML:
                r = cpdoc_from_xml(p->body, p->body_len, &p->doc, err);
                break;
        case WSP_CONTENT_PKCS7:
                return 0; /* a signed package: only verifierd opens it */
        default:
                return decode_fail(err, "wsp", 0, "content type is not OMA client provisioning", -EOPNOTSUPP);
        }
        if (r < 0)
                return r;
        return cpdoc_validate(p->doc, err);
}

/* Is @d a segment of the same concatenated message as @last (which completed it)? Same
 * originator, reference, reference width and total: the reassembly key of docs/wire-notes.md §1.6. */
static bool same_group(const SmsDeliver *last, const SmsDeliver *d) {
        return last->has_concat && d->has_concat && last->concat_16bit == d->concat_16bit &&
               last->concat_ref == d->concat_ref && last->concat_total == d->concat_total &&
               last->oa_toa == d->oa_toa && strcmp(last->oa, d->oa) == 0;
}

static int decode_wsp(Pipeline *p, const uint8_t *buf, size_t len, DecodeError *err) {
        int r;

        r = wsp_parse_push(buf, len, &p->wsp, err);
        if (r < 0)
                return r;
        p->has_wsp = true;
        p->body = p->wsp.body;
        p->body_len = p->wsp.body_len;
        p->kind = p->wsp.content_kind;
        return decode_body(p, err);
}

int pipeline_decode(const uint8_t *buf, size_t len, InputFormat format, SmsReassembler *reasm,
                    uint64_t now_usec, Pipeline *ret, DecodeError *err) {
        _cleanup_(pipeline_done) Pipeline p = {};
        SmsReassembler *own = NULL;
        int r;

        r = input_parse(buf, len, format, &p.input, err);
        if (r < 0)
                return r;

        switch (p.input.format) {
        case INPUT_SMS:
        case INPUT_SMS_SMSC: {
                SmsReassembler *ra = reasm;
                bool done = false;

                if (!ra) {
                        r = sms_reasm_new(&own, NULL);
                        if (r < 0)
                                return r;
                        ra = own;
                }
                p.from_sms = true;
                for (unsigned i = 0; i < p.input.n_tpdus; i++) {
                        SmsDeliver d;
                        SmsDatagram *dg = NULL;

                        r = sms_parse_deliver(p.input.tpdus[i].data, p.input.tpdus[i].len, &d, err);
                        if (r < 0)
                                goto sms_fail;
                        if (done) {
                                /* Networks repeat segments; a copy of a segment of the message just
                                 * completed is dropped like any repeat (see below). Anything else
                                 * after the end is not part of this message. */
                                if (same_group(&p.first, &d)) {
                                        p.repeated_segments++;
                                        continue;
                                }
                                r = decode_fail(err, "sms", 0, "TPDUs after the message was complete", -EBADMSG);
                                goto sms_fail;
                        }
                        r = sms_reasm_add(ra, &d, now_usec, &dg);
                        if (r == -EEXIST) {
                                /*
                                 * docs/wire-notes.md §1.6 step 3: a later copy of a stored seq is dropped
                                 * and reassembly goes on; real operators send a segment twice. The
                                 * reassembler never overwrites the stored copy, so a substituted
                                 * segment cannot change the message (security invariant in sms.c).
                                 */
                                p.repeated_segments++;
                                continue;
                        }
                        if (r < 0) {
                                const char *why;

                                why = r == -EPROTO  ? "segment conflicts with its group" :
                                      r == -E2BIG   ? "message over the reassembly limits" :
                                      r == -ENOSPC  ? "too many partial messages" :
                                                      "segment not usable (not 8-bit data)";
                                r = decode_fail(err, "sms", 0, why, r);
                                goto sms_fail;
                        }
                        if (r > 0) {
                                p.first = d;
                                p.first.payload = NULL;
                                p.first.payload_len = 0;
                                p.datagram = dg;
                                done = true;
                        }
                }
                sms_reasm_free(own);
                own = NULL;
                if (!done) {
                        if (reasm) {
                                ret->repeated_segments = p.repeated_segments;
                                return 0;
                        }
                        return decode_fail(err, "sms", 0, "message incomplete: segments missing", -EBADMSG);
                }
                if (p.datagram->has_ports && p.datagram->dst_port != PIPELINE_WAP_PUSH_PORT)
                        return decode_fail(err, "sms", 0, "destination port is not WAP push (2948)", -EOPNOTSUPP);
                r = decode_wsp(&p, p.datagram->data, p.datagram->size, err);
                if (r < 0)
                        return r;
                break;
        sms_fail:
                sms_reasm_free(own);
                return r;
        }
        case INPUT_WSP:
                r = decode_wsp(&p, p.input.bytes, p.input.size, err);
                if (r < 0)
                        return r;
                break;
        case INPUT_WBXML:
                p.body = p.input.bytes;
                p.body_len = p.input.size;
                p.kind = WSP_CONTENT_CP_WBXML;
                r = decode_body(&p, err);
                if (r < 0)
                        return r;
                break;
        case INPUT_XML:
                p.body = p.input.bytes;
                p.body_len = p.input.size;
                p.kind = WSP_CONTENT_CP_XML;
                r = decode_body(&p, err);
                if (r < 0)
                        return r;
                break;
        default:
                return -EINVAL;
        }
        *ret = p;
        memset(&p, 0, sizeof(p));
        return 1;
}
