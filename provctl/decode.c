/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * decode.c: `provctl decode`, the offline decoder. Runs the same pipeline provd runs
 * (common/pipeline.c) and prints the transport facts, WSP headers, SEC, MAC and the document
 * tree. Malformed input: one line naming the layer, offset and reason, exit 65.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "macros.h"
#include "pipeline.h"
#include "provctl.h"

static const char *kind_name(WspContentKind k) {
        switch (k) {
        case WSP_CONTENT_CP_WBXML: return "wbxml";
        case WSP_CONTENT_CP_XML: return "xml";
        case WSP_CONTENT_PKCS7: return "pkcs7";
        default: return "other";
        }
}

static void format_scts(const SmsTimestamp *t, char *buf, size_t n) {
        int tz = t->tz_quarters * 15;

        snprintf(buf, n, "20%02u-%02u-%02u %02u:%02u:%02u %c%02d:%02d", t->year, t->month, t->day, t->hour,
                 t->minute, t->second, tz < 0 ? '-' : '+', (tz < 0 ? -tz : tz) / 60, (tz < 0 ? -tz : tz) % 60);
}

static void print_text(const Pipeline *p) {
        printf("       Input: %s", input_format_to_string(p->input.format));
        if (p->from_sms)
                printf(" (%u TPDU%s)", p->input.n_tpdus, p->input.n_tpdus == 1 ? "" : "s");
        printf("\n");
        if (p->from_sms) {
                char ts[64];

                format_scts(&p->datagram->scts, ts, sizeof ts);
                printf("      Sender: %s (TOA 0x%02X)\n", p->datagram->sender, p->datagram->sender_toa);
                printf("   Timestamp: %s\n", ts);
                printf("         DCS: 0x%02X (8-bit data)\n", p->first.dcs);
                if (p->datagram->has_ports)
                        printf("       Ports: %u <- %u\n", p->datagram->dst_port, p->datagram->src_port);
                printf("    Segments: %u", p->datagram->n_segments);
                if (p->first.has_concat)
                        printf(" (%s-bit reference 0x%0*X)", p->first.concat_16bit ? "16" : "8",
                               p->first.concat_16bit ? 4 : 2, p->first.concat_ref);
                if (p->repeated_segments > 0)
                        printf(", %u repeated cop%s dropped", p->repeated_segments,
                               p->repeated_segments == 1 ? "y" : "ies");
                printf("\n    Datagram: %zu bytes\n", p->datagram->size);
        }
        if (p->has_wsp) {
                printf("         WSP: %s (0x%02X), TID 0x%02X, headers %zu bytes\n",
                       p->wsp.pdu_type == 0x07 ? "ConfirmedPush" : "Push", p->wsp.pdu_type, p->wsp.tid,
                       p->wsp.headers_len);
                printf("Content-Type: %s\n", p->wsp.content_type);
                if (p->wsp.sec == AUTH_NONE)
                        printf("         SEC: none (unauthenticated)\n");
                else
                        printf("         SEC: %s (%d)\n", auth_method_to_string(p->wsp.sec), (int) p->wsp.sec);
                printf("         MAC: %s\n", p->wsp.has_mac ? p->wsp.mac : "(none)");
                if (p->wsp.has_app_id) {
                        if (p->wsp.app_id[0])
                                printf("      App-Id: %s\n", p->wsp.app_id);
                        else
                                printf("      App-Id: 0x%X\n", p->wsp.app_id_code);
                }
        }
        printf("        Body: %zu bytes %s", p->body_len, kind_name(p->kind));
        if (p->doc && p->doc->source == CPDOC_SOURCE_WBXML) {
                printf(" %u.%u, public id ", (p->doc->wbxml_version >> 4) + 1, p->doc->wbxml_version & 0xF);
                if (p->doc->public_id_text)
                        printf("'%s'", p->doc->public_id_text);
                else
                        printf("0x%02X", p->doc->public_id);
                printf(", charset %u, string table %zu bytes", p->doc->charset, p->doc->strtbl_len);
        }
        printf("\n");
        if (p->doc) {
                printf("    Document: %u characteristics, %u parms\n\n", p->doc->n_total_chars, p->doc->n_total_parms);
                cpdoc_print_xml(p->doc, stdout);
        } else if (p->kind == WSP_CONTENT_PKCS7)
                printf("    Document: signed package (opened and verified by verifierd only)\n");
}

static void print_json(const Pipeline *p) {
        printf("{\"input\":{\"format\":\"%s\",\"tpdus\":%u}", input_format_to_string(p->input.format),
               p->input.n_tpdus);
        if (p->from_sms) {
                char ts[64];

                format_scts(&p->datagram->scts, ts, sizeof ts);
                printf(",\"transport\":{\"sender\":");
                pc_json_str(p->datagram->sender);
                printf(",\"toa\":%u,\"timestamp\":\"%s\",\"dcs\":%u,\"segments\":%u,\"datagram_size\":%zu",
                       p->datagram->sender_toa, ts, p->first.dcs, p->datagram->n_segments, p->datagram->size);
                if (p->datagram->has_ports)
                        printf(",\"dst_port\":%u,\"src_port\":%u", p->datagram->dst_port, p->datagram->src_port);
                if (p->first.has_concat)
                        printf(",\"concat_ref\":%u,\"concat_16bit\":%s", p->first.concat_ref,
                               p->first.concat_16bit ? "true" : "false");
                printf(",\"repeated_segments\":%u", p->repeated_segments);
                printf("}");
        }
        if (p->has_wsp) {
                printf(",\"wsp\":{\"pdu_type\":%u,\"tid\":%u,\"headers_len\":%zu,\"content_type\":", p->wsp.pdu_type,
                       p->wsp.tid, p->wsp.headers_len);
                pc_json_str(p->wsp.content_type);
                printf(",\"sec\":");
                if (p->wsp.sec == AUTH_NONE)
                        printf("null");
                else
                        pc_json_str(auth_method_to_string(p->wsp.sec));
                printf(",\"mac\":");
                if (p->wsp.has_mac)
                        pc_json_str(p->wsp.mac);
                else
                        printf("null");
                if (p->wsp.has_app_id) {
                        printf(",\"app_id\":");
                        if (p->wsp.app_id[0])
                                pc_json_str(p->wsp.app_id);
                        else
                                printf("%u", p->wsp.app_id_code);
                }
                printf("}");
        }
        printf(",\"body\":{\"size\":%zu,\"kind\":\"%s\"", p->body_len, kind_name(p->kind));
        if (p->doc && p->doc->source == CPDOC_SOURCE_WBXML) {
                printf(",\"wbxml_version\":\"%u.%u\",\"public_id\":%u,\"charset\":%u,\"strtbl_len\":%zu",
                       (p->doc->wbxml_version >> 4) + 1, p->doc->wbxml_version & 0xF, p->doc->public_id,
                       p->doc->charset, p->doc->strtbl_len);
                if (p->doc->public_id_text) {
                        printf(",\"public_id_text\":");
                        pc_json_str(p->doc->public_id_text);
                }
        }
        printf("}");
        if (p->doc) {
                printf(",\"document\":");
                fflush(stdout);
                cpdoc_print_json(p->doc, stdout);
        }
        printf("}\n");
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

int verb_decode(int argc, char **argv) {
        _cleanup_free_ unsigned char *buf = NULL;
        _cleanup_(pipeline_done) Pipeline p = {};
        DecodeError err = {};
        InputFormat fmt;
        size_t len;
        int r;

        if (argc != 2) {
                fprintf(stderr, "provctl: usage: provctl decode [--json] [--format=FORMAT] [--smsc] FILE|-\n");
                return PROVCTL_EXIT_USAGE;
        }
        fmt = input_format_from_string(arg.format);
        if (arg.smsc)
                fmt = INPUT_SMS_SMSC;
        else if (arg.sms)
                fmt = INPUT_SMS;

        r = read_input_file(argv[1], &buf, &len, INPUT_SIZE_MAX);
        if (r == -E2BIG) {
                fprintf(stderr, "provctl: malformed input: input layer, offset 0: input larger than %u bytes\n",
                        INPUT_SIZE_MAX);
                return PROVCTL_EXIT_DATAERR;
        }
        if (r < 0) {
                fprintf(stderr, "provctl: cannot read '%s': %s\n", argv[1], strerror(-r));
                return PROVCTL_EXIT_NOINPUT;
        }

        r = pipeline_decode(buf, len, fmt, NULL, now_usec(), &p, &err);
        if (r < 0) {
                if (r == -ENOMEM) {
                        fprintf(stderr, "provctl: out of memory\n");
                        return PROVCTL_EXIT_SOFTWARE;
                }
                fprintf(stderr, "provctl: malformed input: %s layer, offset %zu: %s\n", err.layer ? err.layer : "input",
                        err.offset, err.reason ? err.reason : strerror(-r));
                return PROVCTL_EXIT_DATAERR;
        }
        if (arg.json)
                print_json(&p);
        else
                print_text(&p);
        return fflush(stdout) == 0 ? 0 : PROVCTL_EXIT_SOFTWARE;
}
