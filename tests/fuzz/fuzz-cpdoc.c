/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-cpdoc.c: libFuzzer entry for the whole CP document path: cpdoc_from_bytes (WBXML or
 * XML by sniffing), cpdoc_validate over the schema table (with the element path), and both
 * printers into a memory stream. A rejection must name a layer and a reason; a validation
 * failure must come with a path; whatever either front end accepts must print as XML that
 * the XML front end reads back to the same tree (both share the builder's string rules and
 * its CPDOC_DECODED_MAX count, which must be exactly the octets of the document's strings).
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
        CpDocValidateError v = {};
        CpDoc *d = NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        r = cpdoc_from_bytes(data, size, &d, &e);
        if (r < 0) {
                if (!e.layer || !e.reason || d)
                        abort();
                return 0;
        }
        if (!decoded_ok(d))
                abort();
        e = (DecodeError) {};
        r = cpdoc_validate_ex(d, &e, &v);
        if (r < 0 && (!e.layer || strcmp(e.layer, "cpdoc") != 0 || !e.reason || v.path[0] != '/' ||
                      strlen(v.path) >= CPDOC_PATH_MAX))
                abort();

        f = open_memstream(&buf, &len);
        if (!f)
                abort();
        if (cpdoc_print_xml(d, f) < 0)
                abort();
        fclose(f);
        /* The XML print is capped only by the document limits, not by CPDOC_XML_SIZE_MAX. */
        if (len <= CPDOC_XML_SIZE_MAX) {
                CpDoc *d2 = NULL;

                r = cpdoc_from_xml((const uint8_t *) buf, len, &d2, NULL);
                if (r < 0 || str_cmp0(d->version, d2->version) != 0 || d->n_decoded != d2->n_decoded ||
                    chars_cmp(d->chars, d2->chars) != 0) {
                        fprintf(stderr, "XML round trip failed (%d):\n%s\n", r, buf);
                        abort();
                }
                cpdoc_free(d2);
        }
        free(buf);

        buf = NULL;
        f = open_memstream(&buf, &len);
        if (!f)
                abort();
        if (cpdoc_print_json(d, f) < 0)
                abort();
        fclose(f);
        free(buf);
        cpdoc_free(d);
        return 0;
}
