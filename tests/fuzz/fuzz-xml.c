/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-xml.c: libFuzzer entry for the text XML front end (cpdoc_from_xml). Every accepted
 * document must print as XML that parses back to the same tree (round trip), validate without
 * crashing and print as JSON; every rejection must name the xml layer and a reason; n_decoded
 * is exactly the octets of the document's strings and at most CPDOC_DECODED_MAX.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int str_cmp0(const char *a, const char *b) {
        if (!a || !b)
                return a != b;
        return strcmp(a, b);
}

static int chars_cmp(const CpCharacteristic *a, const CpCharacteristic *b) {
        for (; a && b; a = a->next, b = b->next) {
                const CpParm *p = a->parms, *q = b->parms;

                if (strcmp(a->type, b->type) != 0)
                        return 1;
                for (; p && q; p = p->next, q = q->next)
                        if (strcmp(p->name, q->name) != 0 || str_cmp0(p->value, q->value) != 0)
                                return 1;
                if (p || q || chars_cmp(a->children, b->children))
                        return 1;
        }
        return a || b;
}

/* The octets of every string of the document: what CpDoc.n_decoded must count. */
static size_t chars_decoded(const CpCharacteristic *c) {
        size_t n = 0;

        for (; c; c = c->next) {
                n += strlen(c->type);
                for (const CpParm *p = c->parms; p; p = p->next)
                        n += strlen(p->name) + (p->value ? strlen(p->value) : 0);
                n += chars_decoded(c->children);
        }
        return n;
}

static bool decoded_ok(const CpDoc *d) {
        return d->n_decoded <= CPDOC_DECODED_MAX &&
               d->n_decoded == (d->version ? strlen(d->version) : 0) + chars_decoded(d->chars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DecodeError e = {};
        CpDoc *d = NULL, *d2 = NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        r = cpdoc_from_xml(data, size, &d, &e);
        if (r < 0) {
                if (!e.layer || strcmp(e.layer, "xml") != 0 || !e.reason || d)
                        abort();
                return 0;
        }
        if (!decoded_ok(d))
                abort();

        f = open_memstream(&buf, &len);
        if (!f)
                abort();
        if (cpdoc_print_xml(d, f) < 0)
                abort();
        fclose(f);
        /* As in fuzz-cpdoc.c: the print escapes (a quote is 6 octets), so it may be longer than
         * CPDOC_XML_SIZE_MAX; only the limits of the document bound it. */
        if (len <= CPDOC_XML_SIZE_MAX) {
                r = cpdoc_from_xml((const uint8_t *) buf, len, &d2, NULL);
                if (r < 0 || str_cmp0(d->version, d2->version) != 0 || d->n_total_chars != d2->n_total_chars ||
                    d->n_total_parms != d2->n_total_parms || d->n_decoded != d2->n_decoded ||
                    chars_cmp(d->chars, d2->chars) != 0) {
                        fprintf(stderr, "round trip failed (%d):\n%s\n", r, buf);
                        abort();
                }
                cpdoc_free(d2);
        }
        free(buf);

        (void) cpdoc_validate(d, NULL);
        buf = NULL;
        f = open_memstream(&buf, &len);
        if (!f)
                abort();
        (void) cpdoc_print_json(d, f);
        fclose(f);
        free(buf);
        cpdoc_free(d);
        return 0;
}
