/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dm-syncml.c: libFuzzer entry for the SyncML DM decoder (verifierd/dm-syncml.c). Every
 * rejection must be one of the documented errors with a reason; every accepted message must
 * respect the named limits (commands, items, nesting, string lengths, nonce size), and a client
 * message written with its header and one Status (and Results) per command must decode back to
 * the same values (writer round trip), in XML and in WBXML (dm-wbxml.c: the encoder must take
 * every message the writer makes, and the decoder read it back). Replayed by tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifierd/dm-syncml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
        if (!ok)
                abort();
}

static void check_str(const char *s, size_t max) {
        if (s)
                check(strlen(s) <= max);
}

static size_t check_cmds(const DmCommand *c, size_t n, unsigned nesting) {
        size_t total = n;

        check(n == 0 || nesting <= DM_NESTING_MAX);
        for (size_t i = 0; i < n; i++, c++) {
                check(c->type >= DM_CMD_ADD && c->type <= DM_CMD_UNKNOWN);
                check(c->element != NULL);
                check_str(c->cmd_id, DM_STRING_MAX);
                check_str(c->alert_code, DM_STRING_MAX);
                check_str(c->meta_type, DM_STRING_MAX);
                check_str(c->meta_format, DM_STRING_MAX);
                check_str(c->msg_ref, DM_STRING_MAX);
                check_str(c->cmd_ref, DM_STRING_MAX);
                check_str(c->cmd, DM_STRING_MAX);
                check_str(c->status_code, DM_STRING_MAX);
                if (c->type == DM_CMD_STATUS)
                        check(c->cmd_ref && c->cmd && c->status_code);
                check(c->n_items <= DM_ITEMS_MAX);
                for (size_t k = 0; k < c->n_items; k++) {
                        const DmItem *it = &c->items[k];

                        check_str(it->target, DM_URI_MAX);
                        check_str(it->source, DM_URI_MAX);
                        check_str(it->meta_type, DM_STRING_MAX);
                        check_str(it->meta_format, DM_STRING_MAX);
                        if (it->data)
                                check(strlen(it->data) == it->data_len && it->data_len <= DM_DATA_MAX);
                }
                if (c->has_chal) {
                        check(c->chal.next_nonce_len <= DM_NONCE_MAX);
                        check(c->chal.next_nonce_len == 0 || c->chal.next_nonce);
                        if (c->chal.next_nonce_len > 0) {
                                volatile uint8_t x = c->chal.next_nonce[c->chal.next_nonce_len - 1];
                                (void) x;
                        }
                }
                check(c->n_children == 0 || c->type == DM_CMD_SEQUENCE || c->type == DM_CMD_ATOMIC);
                total += check_cmds(c->children, c->n_children, nesting + 1);
        }
        return total;
}

static void roundtrip(const DmMessage *m, DmEncoding enc) {
        DmWriter *w = NULL;
        DmMessage *m2 = NULL;
        uint8_t *buf = NULL;
        size_t len = 0, k = 0;
        int r;

        r = dm_writer_new(m->version, m->session_id, 7, m->source_uri, m->target_uri, m->source_locname,
                          m->has_cred ? &m->cred : NULL, 4 * DM_MESSAGE_MAX, &w);
        if (r == -EINVAL) /* a C1 control or a Cred without Type: the writer is stricter */
                return;
        check(r == 0);
        check(dm_writer_set_encoding(w, enc) == 0);
        for (size_t i = 0; i < m->n_cmds; i++) {
                const DmCommand *c = &m->cmds[i];

                r = dm_writer_status(w, m->msg_id, c->cmd_id, c->element, NULL, NULL, 200,
                                     c->has_chal ? &c->chal : NULL);
                if (r == -EINVAL)
                        goto out;
                check(r == 0);
                if (c->n_items > 0 && c->items[0].target) {
                        r = dm_writer_results(w, m->msg_id, c->cmd_id ? c->cmd_id : "", c->items[0].target,
                                              c->items[0].meta_format, c->items[0].meta_type, c->items[0].data);
                        if (r == -EINVAL)
                                goto out;
                        check(r == 0);
                }
        }
        r = dm_writer_finish(w, m->final, &buf, &len);
        if (r == -E2BIG) /* a compact (WBXML) input whose statuses repeat long, escaped refs: over
                          * the writer's cap, which it must then refuse */
                goto out;
        check(r == 0);
        check(enc == DM_ENCODING_WBXML ? buf[0] == 0x02 : buf[0] == '<');
        if (len > DM_MESSAGE_MAX)
                goto out;
        r = dm_message_parse(buf, len, &m2, NULL, 0);
        if (r == -E2BIG) /* escaping grows text past a per-element cap */
                goto out;
        check(r == 0);
        check(m2->version == m->version && strcmp(m2->session_id, m->session_id) == 0);
        check(strcmp(m2->target_uri, m->source_uri) == 0 && strcmp(m2->source_uri, m->target_uri) == 0);
        check(m2->has_cred == m->has_cred && m2->final == m->final);
        if (m->has_cred)
                check(strcmp(m2->cred.data, m->cred.data) == 0);
        for (size_t i = 0; i < m->n_cmds; i++) {
                const DmCommand *c = &m->cmds[i], *s = &m2->cmds[k++];

                check(s->type == DM_CMD_STATUS && strcmp(s->cmd, c->element) == 0);
                check(strcmp(s->cmd_ref, c->cmd_id ? c->cmd_id : "") == 0);
                check(s->has_chal == c->has_chal);
                if (c->has_chal)
                        check(s->chal.next_nonce_len == c->chal.next_nonce_len &&
                              (c->chal.next_nonce_len == 0 ||
                               memcmp(s->chal.next_nonce, c->chal.next_nonce, c->chal.next_nonce_len) == 0));
                if (c->n_items > 0 && c->items[0].target) {
                        const DmCommand *res = &m2->cmds[k++];

                        check(res->type == DM_CMD_RESULTS && strcmp(res->items[0].source, c->items[0].target) == 0);
                        check((!res->items[0].data && !c->items[0].data) ||
                              (res->items[0].data && c->items[0].data &&
                               strcmp(res->items[0].data, c->items[0].data) == 0));
                }
        }
        check(k == m2->n_cmds);
out:
        dm_message_free(m2);
        free(buf);
        dm_writer_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DmMessage *m = NULL;
        char err[128] = "";
        int r;

        r = dm_message_parse(data, size, &m, err, sizeof err);
        if (r < 0) {
                check(r == -EBADMSG || r == -EOPNOTSUPP || r == -E2BIG);
                check(err[0] != 0 && m == NULL);
                return 0;
        }
        check(m != NULL);
        check(m->version == DM_VERSION_1_1 || m->version == DM_VERSION_1_2);
        check(m->session_id && m->msg_id && m->target_uri && m->source_uri);
        check_str(m->session_id, DM_STRING_MAX);
        check_str(m->target_uri, DM_URI_MAX);
        check_str(m->resp_uri, DM_URI_MAX);
        if (m->has_cred)
                check(m->cred.data != NULL);
        check(check_cmds(m->cmds, m->n_cmds, 0) <= DM_COMMANDS_MAX);
        roundtrip(m, DM_ENCODING_XML);
        roundtrip(m, DM_ENCODING_WBXML);
        dm_message_free(m);
        return 0;
}
