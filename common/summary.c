/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * summary.c: the display summary of a CP document and the display escaping (see summary.h for
 * the order of the lines and what is escaped). Pure code: no I/O, no allocation except
 * summary_join().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "summary.h"
#include "utf8.h"

/* ---- escaping ------------------------------------------------------------------------------ */

/*
 * Length of the character at @p (at most @n bytes available) when it may be shown as it is,
 * or 0 when its first byte must be escaped: C0 controls, DEL, backslash, malformed or
 * over-long UTF-8, surrogates, C1 controls, and the invisible characters that reorder or break
 * what a reader sees (Unicode bidi marks, embeddings, overrides and isolates; line and
 * paragraph separators).
 */
static size_t char_kept(const unsigned char *p, size_t n) {
        size_t len;
        uint32_t cp;

        if (p[0] >= 0x20 && p[0] < 0x7f)
                return p[0] == '\\' ? 0 : 1;
        len = utf8_seq(p, n, &cp);
        if (len == 0)
                return 0; /* C0, DEL, malformed or over-long UTF-8, surrogates, C1 controls */
        if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029)
                return 0; /* bidi controls, line/paragraph separators */
        return len;
}

const char *display_escape(const char *s, char *buf, size_t size) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *) s;
        size_t n, i = 0, o = 0;

        if (size < 4) {
                if (size > 0)
                        buf[0] = 0;
                return buf;
        }
        if (!s)
                s = "";
        p = (const unsigned char *) s;
        n = strlen(s);
        while (i < n) {
                size_t k = char_kept(p + i, n - i), need = k ? k : 4;

                if (o + need + 4 > size) { /* keep room for "..." and the NUL */
                        memcpy(buf + o, "...", 3);
                        o += 3;
                        break;
                }
                if (k) {
                        memcpy(buf + o, p + i, k);
                        o += k;
                        i += k;
                } else {
                        buf[o++] = '\\';
                        buf[o++] = 'x';
                        buf[o++] = hex[p[i] >> 4];
                        buf[o++] = hex[p[i] & 15];
                        i++;
                }
        }
        buf[o] = 0;
        return buf;
}

bool display_text_clean(const char *s, size_t max) {
        const unsigned char *p = (const unsigned char *) s;
        size_t n;

        if (!s)
                return false;
        n = strnlen(s, max + 1);
        if (n > max)
                return false;
        for (size_t i = 0; i < n;) {
                /* a backslash is printable: it only makes escapes unambiguous, so escaped text
                 * (display_escape's output) is clean */
                size_t k = p[i] == '\\' ? 1 : char_kept(p + i, n - i);

                if (k == 0)
                        return false;
                i += k;
        }
        return true;
}

bool summary_line_valid(const char *s) {
        return s && s[0] && display_text_clean(s, SUMMARY_LINE_MAX);
}

/* ---- one line ------------------------------------------------------------------------------ */

typedef struct Line {
        char *buf;              /* SUMMARY_LINE_MAX + 1 bytes */
        size_t len;
        bool full;              /* cut: ends in "..." */
} Line;

/* Append " " (unless first) and the already escaped @text; cut the line with "..." if needed. */
static void line_add(Line *l, const char *text) {
        size_t need = strlen(text) + (l->len ? 1 : 0);

        if (l->full)
                return;
        if (l->len == 0 && need + 4 > SUMMARY_LINE_MAX) {
                /* the first word alone is too long: cut it on a character boundary */
                size_t n = SUMMARY_LINE_MAX - 3;

                while (n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80)
                        n--;
                memcpy(l->buf, text, n);
                memcpy(l->buf + n, "...", 4);
                l->len = n + 3;
                l->full = true;
                return;
        }
        if (l->len + need + 4 > SUMMARY_LINE_MAX) { /* always leave room for " ..." */
                memcpy(l->buf + l->len, " ...", 4);
                l->len += 4;
                l->buf[l->len] = 0;
                l->full = true;
                return;
        }
        l->len += (size_t) snprintf(l->buf + l->len, SUMMARY_LINE_MAX + 1 - l->len, "%s%s", l->len ? " " : "", text);
}

static void line_add_parm(Line *l, const char *name, const char *value) {
        char n[DISPLAY_ESCAPE_SIZE(CPDOC_NAME_MAX)], v[SUMMARY_VALUE_MAX + 1], both[sizeof n + sizeof v + 1];

        display_escape(name, n, sizeof n);
        if (value) {
                display_escape(value, v, sizeof v);
                snprintf(both, sizeof both, "%s=%s", n, v);
                line_add(l, both);
        } else
                line_add(l, n);
}

/* Parms worth showing: what identifies an element and where it sends traffic. Never a secret. */
static bool parm_shown(const char *name) {
        static const char *const shown[] = {
                "NAPID",   "PROXY-ID", "APPID",   "PROVIDER-ID", "NAME", "NAP-ADDRESS", "PXADDR", "PORTNBR",
                "TO-NAPID", "TO-PROXY", "ADDR",   "URI",         "PROVURL", "ROLE",    "Role",
        };

        for (size_t i = 0; i < ELEMENTSOF(shown); i++)
                if (strcmp(name, shown[i]) == 0)
                        return true;
        return false;
}

static bool is_type(const CpCharacteristic *c, const char *t) {
        return strcmp(c->type, t) == 0;
}

/* Depth-first over @c's parms and children, adding what parm_shown() selects. */
static void line_walk(Line *l, const CpCharacteristic *root, const CpCharacteristic *c, unsigned depth) {
        bool policy = is_type(root, "SecurityPolicy"), certs = is_type(root, "CertificateStore");

        if (certs && depth == 2 && c->parent) {
                /* CertificateStore/<store>/<thumbprint>: name the certificate (docs/trust-boundary.md §1.8) */
                char st[DISPLAY_ESCAPE_SIZE(CPDOC_NAME_MAX)], th[DISPLAY_ESCAPE_SIZE(CPDOC_NAME_MAX)];
                char both[sizeof st + sizeof th + 1];

                snprintf(both, sizeof both, "%s/%s", display_escape(c->parent->type, st, sizeof st),
                         display_escape(c->type, th, sizeof th));
                line_add(l, both);
        }
        for (const CpParm *p = c->parms; p && !l->full; p = p->next)
                if (policy || parm_shown(p->name))
                        line_add_parm(l, p->name, p->value);
        for (const CpCharacteristic *k = c->children; k && !l->full && depth < CPDOC_DEPTH_MAX; k = k->next)
                line_walk(l, root, k, depth + 1);
}

static void describe(const CpCharacteristic *c, char out[SUMMARY_LINE_MAX + 1]) {
        char t[DISPLAY_ESCAPE_SIZE(CPDOC_NAME_MAX)];
        Line l = { .buf = out };

        out[0] = 0;
        line_add(&l, display_escape(c->type, t, sizeof t));
        line_walk(&l, c, c, 0);
}

/* ---- the order ----------------------------------------------------------------------------- */

static unsigned root_class(const CpCharacteristic *c) {
        const char *appid;

        if (is_type(c, "NAPDEF") || strncmp(c->type, "PX", 2) == 0 || is_type(c, "CertificateStore") ||
            is_type(c, "BOOTSTRAP") || is_type(c, "SecurityPolicy"))
                return 0;
        if (is_type(c, "APPLICATION")) {
                appid = cpdoc_parm_value(c, "APPID");
                if (appid && (strcmp(appid, "w4") == 0 || strcmp(appid, "w7") == 0))
                        return 0;
                if (cpdoc_find_parm(c, "TO-PROXY") || cpdoc_find_parm(c, "TO-NAPID"))
                        return 1;
        }
        return 2;
}

void summary_from_doc(const CpDoc *d, Summary *ret) {
        unsigned n = 0, shown, hidden_net = 0, k = 0;

        memset(ret, 0, sizeof *ret);
        if (!d)
                return;
        for (const CpCharacteristic *c = d->chars; c; c = c->next)
                n++;
        ret->n_roots = n;
        shown = n <= SUMMARY_LINES_MAX ? n : SUMMARY_LINES_MAX - 1;
        /* Stable by class: three passes over the document order. */
        for (unsigned cls = 0; cls < 3; cls++)
                for (const CpCharacteristic *c = d->chars; c; c = c->next) {
                        if (root_class(c) != cls)
                                continue;
                        if (k < shown)
                                describe(c, ret->lines[k]);
                        else if (cls == 0)
                                hidden_net++;
                        k++;
                }
        ret->n_lines = shown;
        ret->hidden = n - shown;
        if (ret->hidden > 0) {
                if (hidden_net > 0)
                        snprintf(ret->lines[shown], sizeof ret->lines[shown], "+%u more not shown (%u network-level)",
                                 ret->hidden, hidden_net);
                else
                        snprintf(ret->lines[shown], sizeof ret->lines[shown], "+%u more not shown", ret->hidden);
                ret->n_lines++;
        }
}

char *summary_join(const Summary *s) {
        size_t total = 1;
        char *out, *p;

        for (unsigned i = 0; i < s->n_lines; i++)
                total += strlen(s->lines[i]) + 1;
        out = malloc(total);
        if (!out)
                return NULL;
        p = out;
        *p = 0;
        for (unsigned i = 0; i < s->n_lines; i++)
                p += sprintf(p, "%s%s", i ? "\n" : "", s->lines[i]);
        return out;
}

void summary_from_text(const char *text, Summary *ret) {
        unsigned total = 0;

        memset(ret, 0, sizeof *ret);
        for (const char *l = text; l && *l;) {
                size_t n = strcspn(l, "\n");
                char *line;

                if (total++ < SUMMARY_LINES_MAX) {
                        line = ret->lines[ret->n_lines++];
                        if (n <= SUMMARY_LINE_MAX) {
                                memcpy(line, l, n);
                                line[n] = 0;
                        }
                        /* the store is only as trusted as the disk: anything that is not one
                         * clean line of at most SUMMARY_LINE_MAX bytes is escaped (and cut) */
                        if (n > SUMMARY_LINE_MAX || !display_text_clean(line, SUMMARY_LINE_MAX)) {
                                _cleanup_free_ char *copy = strndup(l, n);

                                display_escape(copy ? copy : "", line, SUMMARY_LINE_MAX + 1);
                        }
                }
                l += n + (l[n] ? 1 : 0);
        }
        if (total > SUMMARY_LINES_MAX) {
                ret->hidden = total - (SUMMARY_LINES_MAX - 1);
                snprintf(ret->lines[SUMMARY_LINES_MAX - 1], sizeof ret->lines[0], "+%u more not shown", ret->hidden);
        }
}
