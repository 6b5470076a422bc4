/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sms.h: SMS-DELIVER TPDU decoding (3GPP TS 23.040 9.2.2.1), the User Data Header
 * IEs that carry WDP (concatenation 0x00/0x08, application ports 0x04/0x05), and a
 * bounded reassembly state machine for concatenated segments (docs/wire-notes.md §1.6).
 *
 * Pure code: no I/O, no globals, no clock of its own (the caller passes "now").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode-error.h"

/* 23.040 9.1.2.5: address field at most 12 octets = 20 semi-octets. */
#define SMS_ADDR_DIGITS_MAX 20U
/* 23.040 9.2.3.16: TP-UDL for 8-bit data is at most 140 octets. */
#define SMS_UD_OCTETS_MAX 140U
/* 23.040 9.2.3.16: TP-UDL for the GSM 7-bit default alphabet is at most 160 septets. */
#define SMS_UD_SEPTETS_MAX 160U
/* Longest SMSC prefix (+CMT/+CMGR PDU mode): length octet + at most 11 octets. */
#define SMS_SMSC_OCTETS_MAX 12U
/*
 * Room for a printable address: 20 digits plus '+' and NUL, or an alphanumeric address of at
 * most 11 GSM 7-bit characters (20 semi-octets * 4 / 7) rendered as UTF-8 (<= 3 octets each).
 */
#define SMS_ADDR_TEXT_SIZE (SMS_ADDR_DIGITS_MAX * 2U + 2U)

typedef struct SmsTimestamp {
        uint8_t year, month, day, hour, minute, second; /* year = 0..99 (20YY) */
        int8_t tz_quarters;                             /* signed quarter hours from UTC */
} SmsTimestamp;

typedef struct SmsDeliver {
        uint8_t first_octet;
        bool udhi;                              /* TP-UDHI */
        uint8_t oa_toa;                         /* type of address octet (0x91, 0x81, 0xD0 ...) */
        char oa[SMS_ADDR_TEXT_SIZE];            /* printable: digits ('+' first if international) or
                                                 * alphanumeric as UTF-8, controls shown as '?' */
        uint8_t pid;
        uint8_t dcs;
        bool dcs_8bit;                          /* 23.038: DCS means 8-bit data, uncompressed */
        SmsTimestamp scts;
        uint8_t udl;

        /* From the UDH (23.040 9.2.3.24); the last valid occurrence of an IE wins. */
        bool has_concat;
        bool concat_16bit;                      /* IE 0x08 rather than 0x00 */
        uint16_t concat_ref;
        uint8_t concat_total, concat_seq;       /* seq is 1-based */
        bool has_ports;
        bool ports_16bit;                       /* IE 0x05 rather than 0x04 */
        uint16_t dst_port, src_port;

        /* User data after the UDH: borrowed from the input buffer. */
        const uint8_t *payload;
        size_t payload_len;
} SmsDeliver;

/*
 * sms_parse_deliver - decode one SMS-DELIVER TPDU (no SMSC prefix).
 * @buf, @len: the TPDU exactly, from the first octet to the last octet of TP-UD.
 * @ret: written only on success; payload points into @buf.
 * @err: optional; filled on failure.
 *
 * Any DCS is decoded (dcs_8bit says whether the data is usable as WDP); for a GSM 7-bit DCS the
 * payload is the raw septet-packed octets after the UDH. A malformed UDH (IE lengths that do not
 * add up to UDHL) is ignored as a whole, as 23.040 9.2.3.24 requires: no ports, no concatenation,
 * payload still starts after UDHL.
 * Return: 0; -EBADMSG malformed or truncated (also: address longer than SMS_ADDR_DIGITS_MAX,
 *   TP-UDL over SMS_UD_OCTETS_MAX / SMS_UD_SEPTETS_MAX, UDHL past TP-UD, octets after TP-UD);
 *   -EOPNOTSUPP not SMS-DELIVER (TP-MTI other than 00).
 */
int sms_parse_deliver(const uint8_t *buf, size_t len, SmsDeliver *ret, DecodeError *err);

/*
 * sms_strip_smsc - skip the SMSC address that +CMT/+CMGR put before the TPDU.
 * The first octet counts the octets that follow (TOA + BCD digits, 00 = no SMSC), at most
 * SMS_SMSC_OCTETS_MAX - 1; at least one TPDU octet must follow.
 * Return: number of octets to skip (>= 1), or -EBADMSG.
 */
int sms_strip_smsc(const uint8_t *buf, size_t len, DecodeError *err);

/* Reassembly limits (R2 of docs/wire-notes.md §7.2). Defaults below; tests may lower them. */
#define SMS_REASM_GROUPS_MAX 16U              /* concurrent partial groups, all senders */
#define SMS_REASM_GROUPS_PER_SENDER_MAX 4U    /* concurrent partial groups of one sender */
#define SMS_REASM_SEGMENTS_MAX 64U            /* segments of one message (total field) */
#define SMS_REASM_BYTES_MAX 6144U             /* reassembled WDP payload of one message */
#define SMS_REASM_AGE_MAX_USEC (10ULL * 60ULL * 1000000ULL) /* partial group lifetime */

typedef struct SmsReasmLimits {
        unsigned groups_max;
        unsigned groups_per_sender_max;
        unsigned segments_max;
        size_t bytes_max;
        uint64_t age_max_usec;
} SmsReasmLimits;

#define SMS_REASM_LIMITS_DEFAULT                                   \
        ((SmsReasmLimits){                                         \
                .groups_max = SMS_REASM_GROUPS_MAX,                \
                .groups_per_sender_max = SMS_REASM_GROUPS_PER_SENDER_MAX, \
                .segments_max = SMS_REASM_SEGMENTS_MAX,            \
                .bytes_max = SMS_REASM_BYTES_MAX,                  \
                .age_max_usec = SMS_REASM_AGE_MAX_USEC,            \
        })

/* A complete WDP datagram (one message, all segments joined in seq order). Owned. */
typedef struct SmsDatagram {
        char sender[SMS_ADDR_TEXT_SIZE];
        uint8_t sender_toa;
        bool has_ports;
        uint16_t dst_port, src_port;
        SmsTimestamp scts;                       /* of segment 1 */
        unsigned n_segments;
        uint8_t *data;
        size_t size;
} SmsDatagram;

SmsDatagram *sms_datagram_free(SmsDatagram *d);

typedef struct SmsReassembler SmsReassembler;

/* limits may be NULL for the defaults. Return: 0 or -ENOMEM. */
int sms_reasm_new(SmsReassembler **ret, const SmsReasmLimits *limits);
SmsReassembler *sms_reasm_free(SmsReassembler *r);

/*
 * sms_reasm_add - feed one decoded segment; now_usec is the caller's monotonic clock.
 * Expired groups are evicted first. A segment without a (valid) concatenation IE, or with
 * total 1, is a complete message by itself. Groups are keyed by (sender, sender TOA, reference,
 * total, reference width 8/16); every segment of a group must carry the same DCS octet and the
 * same ports (width, dst, src). A completed group is deleted, so a reused reference starts a new
 * group. The segment is copied; seg->payload may be freed after the call.
 * *ret is written only when 1 is returned; the caller owns it (sms_datagram_free).
 * A group older than age_max_usec is gone: a late segment starts a new group.
 * Return: 1 with *ret set when a message completed; 0 when stored and waiting;
 *   -EBADMSG not 8-bit data, no payload, or a hand-made segment the parser could not have
 *     produced (seq 0 or > total, payload over SMS_UD_OCTETS_MAX, unterminated sender);
 *   -EEXIST duplicate seq: the new copy is dropped, the stored one kept (checked after -EPROTO);
 *   -EPROTO segment conflicts with its group (DCS octet, ports): the whole group is dropped;
 *   -E2BIG total over segments_max (nothing stored), or the message would exceed bytes_max
 *     (its partial group, if any, is dropped);
 *   -ENOSPC no room for a new group (global or per-sender cap); held groups are kept;
 *   -ENOMEM (nothing of this segment is stored).
 */
int sms_reasm_add(SmsReassembler *r, const SmsDeliver *seg, uint64_t now_usec, SmsDatagram **ret);

/*
 * Evict groups whose first segment arrived more than age_max_usec before now_usec (a group
 * exactly age_max_usec old is kept). Return: number of groups evicted.
 */
unsigned sms_reasm_expire(SmsReassembler *r, uint64_t now_usec);

/* Number of partial groups held. */
unsigned sms_reasm_pending(const SmsReassembler *r);
