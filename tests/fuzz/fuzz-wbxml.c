/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-wbxml.c: libFuzzer entry point for the WBXML front end (common/wbxml.c). Each input is
 * decoded by cpdoc_from_wbxml() and walked by the bare token iterator twice, once with the PROV
 * language and once with a generic one (every code page, no cp1 collision), so iterator paths
 * the document builder never reaches are fuzzed too. Checked with abort(): failures use only
 * the documented codes and fill the DecodeError inside the input; a built document honours
 * every CPDOC_* limit and string rule and prints; the builder never accepts what the iterator
 * refuses; every span the iterator hands out lies inside the input; n_decoded is exactly the
 * octets of the document's strings and at most CPDOC_DECODED_MAX. Replayed by
 * tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc-builder.h"
#include "wbxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
        if (!ok)
                abort();
}

static void check_error(int r, const DecodeError *e, size_t size) {
        check(r == -EBADMSG || r == -E2BIG || r == -EOPNOTSUPP || r == -ENOMEM);
        check(e->layer && strcmp(e->layer, "wbxml") == 0 && e->reason);
        check(e->offset <= size || (r == -E2BIG && e->offset == CPDOC_WBXML_SIZE_MAX));
}

/* decoded: adds the octets of c's strings and its subtree's (CpDoc.n_decoded) */
static unsigned check_char(const CpCharacteristic *c, unsigned depth, size_t *decoded) {
        unsigned n = 1, parms = 0, kids = 0;

        check(depth <= CPDOC_DEPTH_MAX);
        check(strlen(c->type) >= 1 && strlen(c->type) <= CPDOC_NAME_MAX && strlen(c->type) == c->type_len);
        check(cpdoc_check_string(c->type, strlen(c->type)) == 0);
        *decoded += c->type_len;
        for (const CpParm *p = c->parms; p; p = p->next) {
                size_t l = strlen(p->name);

                check(l >= 1 && l <= CPDOC_NAME_MAX && cpdoc_check_string(p->name, l) == 0 && l == p->name_len);
                *decoded += l;
                if (p->value) {
                        l = strlen(p->value);
                        check(l <= CPDOC_VALUE_MAX && cpdoc_check_string(p->value, l) == 0);
                        *decoded += l;
                }
                parms++;
        }
        check(parms == c->n_parms);
        for (const CpCharacteristic *k = c->children; k; k = k->next) {
                check(k->parent == c);
                n += check_char(k, depth + 1, decoded);
                kids++;
        }
        check(kids == c->n_children);
        return n;
}

/* Walk the iterator to the end; every span must lie inside data. Return: its result. */
static int walk(const uint8_t *data, size_t size, const WbxmlLang *lang) {
        DecodeError e = { 0 };
        volatile unsigned sum = 0;
        WbxmlIter it;
        WbxmlToken t;
        int r;

        r = wbxml_iter_init(&it, data, size, lang, &e);
        while (r >= 0) {
                r = wbxml_next(&it, &t);
                if (r <= 0)
                        break;
                check(t.offset < size || t.type == WBXML_TOKEN_END || t.type == WBXML_TOKEN_ATTRS_END);
                check(t.offset <= size);
                check(it.depth <= WBXML_DEPTH_MAX);
                if (t.type == WBXML_TOKEN_STRING || t.type == WBXML_TOKEN_OPAQUE) {
                        check(t.data >= data && t.len <= size && (size_t) (t.data - data) <= size - t.len);
                        for (size_t i = 0; i < t.len; i++)
                                sum += t.data[i];
                        if (t.type == WBXML_TOKEN_STRING)
                                check(memchr(t.data, 0, t.len) == NULL && t.data[t.len] == 0);
                }
                if (t.type == WBXML_TOKEN_ENTITY)
                        check(t.entity <= 0x10FFFF && (t.entity < 0xD800 || t.entity > 0xDFFF));
        }
        if (r < 0)
                check_error(r, &e, size);
        else
                check(!e.layer);
        (void) sum;
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const WbxmlLang any = { .max_page = 255, .attr_4x_page_mask = 0 };
        static FILE *null;
        DecodeError err = { 0 };
        CpDoc *d = NULL;
        int r, rw;

        r = cpdoc_from_wbxml(data, size, &d, &err);
        rw = walk(data, size, &wbxml_lang_prov);
        (void) walk(data, size, &any);
        if (r < 0) {
                check(d == NULL);
                check_error(r, &err, size);
                return 0;
        }
        check(r == 0 && d && !err.layer);
        check(rw == 0); /* the builder accepts nothing the iterator refuses */
        check(d->source == CPDOC_SOURCE_WBXML && d->wbxml_version <= 3);
        check(d->strtbl_len <= WBXML_STRTBL_MAX);
        check(!d->version || (strlen(d->version) <= CPDOC_NAME_MAX &&
                              cpdoc_check_string(d->version, strlen(d->version)) == 0));
        {
                unsigned total = 0, roots = 0;
                size_t decoded = d->version ? strlen(d->version) : 0;

                for (const CpCharacteristic *c = d->chars; c; c = c->next) {
                        check(c->parent == NULL);
                        total += check_char(c, 1, &decoded);
                        roots++;
                }
                check(roots == d->n_chars && total == d->n_total_chars);
                check(d->n_total_chars <= CPDOC_CHARACTERISTICS_MAX && d->n_total_parms <= CPDOC_PARMS_MAX);
                check(decoded == d->n_decoded && d->n_decoded <= CPDOC_DECODED_MAX);
        }
        if (!null)
                null = fopen("/dev/null", "w");
        if (null) {
                check(cpdoc_print_xml(d, null) == 0);
                check(cpdoc_print_json(d, null) == 0);
        }
        cpdoc_free(d);
        return 0;
}
