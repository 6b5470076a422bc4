/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * show.c: a pending push as the user sees it before saying yes (issue 10, point 10): what it
 * waits for, and the whole change it would make, every value grouped by what it configures,
 * network-level groups first, with the diff against what is applied now.
 *
 * Trust (docs/trust-boundary.md; verifierd/engine.h): the document and the diff come from
 * verifierd's GetPendingDocument, which decodes only a push it authenticated (and authenticates
 * it again first). A push that waits for its PIN is not authenticated: verifierd never decoded
 * it, and all there is to show are provd's words about it (ListPending's summary lines, each
 * labelled "(unverified)" by verifierd), shown here under a heading that says so. Every string
 * arrives escaped to one printable line (verifierd's display_escape); this file prints it as it
 * is and, for JSON, escapes it again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "macros.h"
#include "provctl.h"

void pending_info_done(PendingInfo *p) {
        if (!p)
                return;
        free(p->sender);
        free(p->sec);
        free(p->waiting);
        for (size_t i = 0; i < p->n_summary; i++)
                free(p->summary[i]);
        free(p->summary);
        *p = (PendingInfo) {};
}

int pending_info_read(sd_bus_message *reply, PendingInfo *p) {
        IpcPendingRow row;
        int r;

        r = ipc_pending_row_read(reply, &row);
        if (r <= 0)
                return r;
        p->id = row.id;
        p->received_usec = row.received_usec;
        p->expires_usec = row.expires_usec;
        p->sender = strdup(row.sender);
        p->sec = strdup(row.sec);
        p->waiting = strdup(row.waiting);
        if (!p->sender || !p->sec || !p->waiting)
                return -ENOMEM;
        p->summary = calloc(MAX(row.summary.n, 1U), sizeof(char *));
        if (!p->summary)
                return -ENOMEM;
        for (unsigned i = 0; i < row.summary.n; i++) {
                p->summary[i] = strdup(row.summary.lines[i]);
                if (!p->summary[i])
                        return -ENOMEM;
                p->n_summary++;
        }
        return 1;
}

int pending_info_get(sd_bus *bus, uint64_t id, PendingInfo *ret, sd_bus_error *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        *ret = (PendingInfo) {};
        r = pc_verifier_call(bus, IPC_M_LIST_PENDING, &m);
        if (r >= 0)
                r = pc_call(bus, m, &reply, e);
        if (r < 0)
                return r;
        r = ipc_list_enter(reply, IPC_LIST_PENDING);
        if (r < 0)
                return r;
        for (;;) {
                PendingInfo p = {};

                r = pending_info_read(reply, &p);
                if (r <= 0) {
                        pending_info_done(&p);
                        return r < 0 ? r : -ESRCH;
                }
                if (p.id == id) {
                        *ret = p;
                        return 0;
                }
                pending_info_done(&p);
        }
}

void doc_rows_done(DocRows *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].group);
                free(d->items[i].path);
                free(d->items[i].name);
                free(d->items[i].change);
                free(d->items[i].value);
                free(d->items[i].old_value);
        }
        free(d->items);
        *d = (DocRows) {};
}

int doc_rows_get(sd_bus *bus, uint64_t id, DocRows *ret, sd_bus_error *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        DocRows d = {};
        int r;

        r = pc_verifier_call(bus, IPC_M_GET_PENDING_DOCUMENT, &m);
        if (r >= 0)
                r = ipc_id_append(m, id);
        if (r >= 0)
                r = pc_call(bus, m, &reply, e);
        if (r < 0)
                return r;
        r = ipc_list_enter(reply, IPC_LIST_DOCUMENT);
        for (; r >= 0;) {
                IpcDocumentRow row;
                DocRow *n;

                r = ipc_document_row_read(reply, &row);
                if (r <= 0)
                        break;
                n = reallocarray(d.items, d.n + 1, sizeof(DocRow));
                if (!n) {
                        r = -ENOMEM;
                        break;
                }
                d.items = n;
                d.items[d.n++] = (DocRow) { strdup(row.group), strdup(row.path), strdup(row.name),
                                            strdup(row.change), strdup(row.value), strdup(row.old_value) };
                n = &d.items[d.n - 1];
                if (!n->group || !n->path || !n->name || !n->change || !n->value || !n->old_value)
                        r = -ENOMEM;
        }
        if (r < 0) {
                doc_rows_done(&d);
                return r;
        }
        *ret = d;
        return 0;
}

/* What each group configures, in words (OMA ProvCont characteristics, OMNA APPIDs). */
const char *doc_group_label(const char *group, char *buf, size_t size) {
        static const struct {
                const char *group, *words;
        } t[] = {
                { "NAPDEF", "Data connections" },
                { "PXLOGICAL", "Proxies" },
                { "BOOTSTRAP", "Provisioning bootstrap" },
                { "APPLICATION w4", "MMS" },
                { "APPLICATION w7", "Device management account (may change settings later)" },
                { "CertificateStore", "Certificates (whom the phone trusts)" },
                { "SecurityPolicy", "Security policy" },
                { "APPLICATION w2", "Browser" },
                { "APPLICATION w5", "Data synchronisation" },
                { "APPLICATION 25", "E-mail (SMTP)" },
                { "APPLICATION 110", "E-mail (POP3)" },
                { "APPLICATION 143", "E-mail (IMAP)" },
                { "ACCESS", "Access rules" },
                { "CLIENTIDENTITY", "Client identity" },
                { "VENDORCONFIG", "Vendor settings" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (strcmp(t[i].group, group) == 0) {
                        snprintf(buf, size, "%s (%s)", t[i].words, group);
                        return buf;
                }
        snprintf(buf, size, "%s", group);
        return buf;
}

static void print_document(FILE *f, const DocRows *rows) {
        const char *group = NULL, *path = NULL;
        char label[160];

        for (size_t i = 0; i < rows->n; i++) {
                const DocRow *it = &rows->items[i];

                if (strcmp(it->change, "removed") == 0)
                        continue; /* not in the document: listed in the diff */
                if (!group || strcmp(group, it->group) != 0) {
                        fprintf(f, "  %s\n", doc_group_label(it->group, label, sizeof label));
                        group = it->group;
                        path = NULL;
                }
                if (!path || strcmp(path, it->path) != 0) {
                        fprintf(f, "    %s\n", it->path);
                        path = it->path;
                }
                fprintf(f, "      %s = %s\n", it->name, it->value);
        }
}

/* The diff: changed, added and removed values, grouped as the document; unchanged ones counted. */
static void print_diff(FILE *f, const DocRows *rows) {
        const char *group = NULL;
        unsigned unchanged = 0, shown = 0;
        char label[160];

        for (size_t i = 0; i < rows->n; i++) {
                const DocRow *it = &rows->items[i];
                const char *c = it->change;

                if (strcmp(c, "unchanged") == 0) {
                        unchanged++;
                        continue;
                }
                if (!group || strcmp(group, it->group) != 0) {
                        fprintf(f, "  %s\n", doc_group_label(it->group, label, sizeof label));
                        group = it->group;
                }
                if (strcmp(c, "added") == 0)
                        fprintf(f, "    + %s.%s = %s\n", it->path, it->name, it->value);
                else if (strcmp(c, "changed") == 0)
                        fprintf(f, "    ~ %s.%s: %s -> %s\n", it->path, it->name, it->old_value, it->value);
                else
                        fprintf(f, "    - %s.%s (was %s)\n", it->path, it->name, it->old_value);
                shown++;
        }
        if (shown == 0)
                fprintf(f, "  (nothing changes: every value is applied already)\n");
        if (unchanged > 0)
                fprintf(f, "  %u value(s) unchanged\n", unchanged);
}

void pending_print(FILE *f, const PendingInfo *p, const DocRows *rows, const char *why) {
        char te[32];
        bool pin = strcmp(p->waiting, "needs-pin") == 0;

        pc_format_time(p->expires_usec, te, sizeof te);
        fprintf(f, "Push %" PRIu64 " from %s (%s) waits for %s; it expires %s.\n", p->id, p->sender[0] ? p->sender : "?",
                p->sec, pin ? "its PIN" : "your confirmation", te);
        if (rows) {
                fprintf(f, "What it would set (decoded by verifierd from the authenticated push%s):\n",
                        strcmp(p->sec, "none") == 0 ? "; UNSIGNED: nobody vouches for it" : "");
                print_document(f, rows);
                fprintf(f, "Changes against what is applied now:\n");
                print_diff(f, rows);
                return;
        }
        if (pin)
                fprintf(f, "What provd reported about it (UNVERIFIED: nothing is authenticated before the PIN;\n"
                           "verifierd decodes the push only then, so no diff can be shown yet):\n");
        else
                fprintf(f, "Its summary (the full document is not available: %s):\n", why ? why : "unknown");
        for (size_t i = 0; i < p->n_summary; i++)
                fprintf(f, "  %s\n", p->summary[i]);
}

static void json_rows(const DocRows *rows) {
        static const char *const keys[6] = { "group", "path", "name", "change", "value", "old_value" };

        printf("[");
        for (size_t i = 0; i < rows->n; i++) {
                const char *v[6] = { rows->items[i].group, rows->items[i].path, rows->items[i].name,
                                     rows->items[i].change, rows->items[i].value, rows->items[i].old_value };

                printf("%s{", i ? "," : "");
                for (size_t k = 0; k < 6; k++) {
                        printf("%s\"%s\":", k ? "," : "", keys[k]);
                        pc_json_str(v[k]);
                }
                printf("}");
        }
        printf("]");
}

int show_pending(sd_bus *bus, uint64_t id) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL, de = SD_BUS_ERROR_NULL;
        _cleanup_(pending_info_done) PendingInfo p = {};
        _cleanup_(doc_rows_done) DocRows rows = {};
        bool have_rows = false;
        int r;

        r = pending_info_get(bus, id, &p, &e);
        if (r == -ESRCH)
                return 0; /* decided already: the history line says it all */
        if (r < 0)
                return pc_fail("ListPending", &e, r);
        /* Only a push verifierd authenticated has a document to show (WrongState otherwise). */
        if (strcmp(p.waiting, "needs-pin") != 0) {
                r = doc_rows_get(bus, id, &rows, &de);
                have_rows = r >= 0;
        }
        if (!arg.json) {
                printf("\n");
                pending_print(stdout, &p, have_rows ? &rows : NULL, de.message);
                if (strcmp(p.waiting, "needs-pin") == 0)
                        printf("Give the PIN with 'provctl pin %" PRIu64 "', refuse with 'provctl discard %" PRIu64 "'.\n",
                               id, id);
                else
                        printf("Apply with 'provctl confirm %" PRIu64 "', refuse with 'provctl discard %" PRIu64 "'.\n",
                               id, id);
                return 0;
        }
        printf(",\"waiting\":");
        pc_json_str(p.waiting);
        printf(",\"expires\":%" PRIu64 ",\"verified\":%s,\"summary\":[", p.expires_usec,
               have_rows ? "true" : "false");
        for (size_t i = 0; i < p.n_summary; i++) {
                printf("%s", i ? "," : "");
                pc_json_str(p.summary[i]);
        }
        printf("]");
        if (have_rows) {
                printf(",\"document\":");
                json_rows(&rows);
        } else if (de.message) {
                printf(",\"document_error\":");
                pc_json_str(de.message);
        }
        return 0;
}
