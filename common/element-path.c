/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* element-path.c: the path of a CP element (element-path.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "element-path.h"
#include "macros.h"

void path_buf_putn(PathBuf *b, const char *s, size_t n) {
        if (b->failed)
                return;
        if (b->len + n + 1 > ELEMENT_PATH_MAX) {
                b->failed = true;
                return;
        }
        if (b->len + n + 1 > b->cap) {
                size_t cap = MAX(b->cap * 2, b->len + n + 1);
                char *p = realloc(b->p, MAX(cap, (size_t) 64));

                if (!p) {
                        b->failed = true;
                        return;
                }
                b->p = p;
                b->cap = MAX(cap, (size_t) 64);
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = 0;
}

void path_buf_puts(PathBuf *b, const char *s) {
        path_buf_putn(b, s, strlen(s));
}

void path_buf_put_escaped(PathBuf *b, const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p <= 0x20 || *p == 0x7F || strchr("%/.[]=,#", *p)) {
                        char e[4];

                        snprintf(e, sizeof e, "%%%02X", *p);
                        path_buf_putn(b, e, 3);
                } else
                        path_buf_putn(b, (const char *) p, 1);
        }
}

void path_buf_put_occurrence(PathBuf *b, unsigned occ) {
        if (occ > 0) {
                char e[16];

                snprintf(e, sizeof e, "#%u", occ);
                path_buf_puts(b, e);
        }
}

static const struct {
        const char *type;
        const char *keys[2];
} key_table[] = {
        { "NAPDEF", { "NAPID" } },
        { "PXLOGICAL", { "PROXY-ID" } },
        { "PXPHYSICAL", { "PHYSICAL-PROXY-ID" } },
        { "APPLICATION", { "APPID", "PROVIDER-ID" } },
        { "VENDORCONFIG", { "NAME" } },
};

bool element_path_skipped(unsigned flags) {
        /* Unknown or misplaced elements are kept in the model but never applied (cpdoc.h). */
        return (flags & (CP_FLAG_UNKNOWN | CP_FLAG_MISPLACED)) != 0;
}

/* CertificateStore is not a setting: its certificates live in the store's certificates table,
 * never in settings rows; nor is a root-level SecurityPolicy: the over-the-air policy layer keeps
 * it (verifierd/store-policy.h). */
bool element_path_skipped_at(const CpCharacteristic *c, const CpCharacteristic *parent) {
        return element_path_skipped(c->flags) || (!parent && (strcmp(c->type, "CertificateStore") == 0 ||
                                                               strcmp(c->type, "SecurityPolicy") == 0));
}

char *element_path_segment(const CpCharacteristic *c) {
        PathBuf b = {};
        bool open = false;

        path_buf_put_escaped(&b, c->type);
        for (size_t i = 0; i < ELEMENTSOF(key_table); i++) {
                if (strcmp(key_table[i].type, c->type) != 0)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(key_table[i].keys) && key_table[i].keys[k]; k++) {
                        const CpParm *p = cpdoc_find_parm(c, key_table[i].keys[k]);

                        if (!p || !p->value || element_path_skipped(p->flags))
                                continue;
                        path_buf_puts(&b, open ? "," : "[");
                        open = true;
                        path_buf_put_escaped(&b, key_table[i].keys[k]);
                        path_buf_puts(&b, "=");
                        path_buf_put_escaped(&b, p->value);
                }
        }
        if (open)
                path_buf_puts(&b, "]");
        if (b.failed || !b.p) {
                free(b.p);
                return NULL;
        }
        return b.p;
}

/* Repetitions of @c's segment among the counted siblings before it. */
static int occurrence(const CpDoc *doc, const CpCharacteristic *c, const char *seg, unsigned *ret) {
        const CpCharacteristic *first = c->parent ? c->parent->children : (doc ? doc->chars : NULL);
        unsigned n = 0;

        for (const CpCharacteristic *s = first; s && s != c; s = s->next) {
                _cleanup_free_ char *other = NULL;

                if (element_path_skipped_at(s, c->parent) || strcmp(s->type, c->type) != 0)
                        continue;
                other = element_path_segment(s);
                if (!other)
                        return -1;
                if (strcmp(other, seg) == 0)
                        n++;
        }
        *ret = n;
        return 0;
}

static void put_char(PathBuf *b, const CpDoc *doc, const CpCharacteristic *c) {
        _cleanup_free_ char *seg = NULL;
        unsigned occ = 0;

        if (c->parent)
                put_char(b, doc, c->parent);
        seg = element_path_segment(c);
        if (!seg || occurrence(doc, c, seg, &occ) < 0) {
                b->failed = true;
                return;
        }
        path_buf_puts(b, "/");
        path_buf_puts(b, seg);
        path_buf_put_occurrence(b, occ);
}

const char *element_path(const CpDoc *doc, const CpCharacteristic *c, const CpParm *p, char *buf, size_t size) {
        PathBuf b = {};

        if (!buf || size == 0)
                return buf;
        if (c)
                put_char(&b, doc, c);
        if (p) {
                unsigned occ = 0;

                for (const CpParm *q = c ? c->parms : NULL; q && q != p; q = q->next)
                        if (!element_path_skipped(q->flags) && strcmp(q->name, p->name) == 0)
                                occ++;
                path_buf_puts(&b, ".");
                path_buf_put_escaped(&b, p->name);
                path_buf_put_occurrence(&b, occ);
        }
        snprintf(buf, size, "%s", b.failed || !b.p ? "" : b.p);
        free(b.p);
        return buf;
}
