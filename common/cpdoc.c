/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpdoc.c: the CP document model: an arena that owns every node and string, the builder
 * both front ends (wbxml.c, cpdoc-xml.c) use, lookups and printers.
 *
 * One arena per document keeps a typical document to a handful of allocations (the
 * libwbxml tree needs ~1,400 mallocs for the same document, docs/testing.md §6.1).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpdoc-builder.h"
#include "macros.h"
#include "utf8.h"

#define _noinline_ __attribute__((noinline))
#define _always_inline_ __attribute__((always_inline)) inline

#define ARENA_BLOCK_MIN 2048U
#define ARENA_BLOCK_MAX (256U * 1024U)
#define ARENA_ALIGN 8U

typedef struct ArenaBlock {
        struct ArenaBlock *next;
        size_t size, used;
        max_align_t data[];
} ArenaBlock;

typedef struct Arena {
        ArenaBlock *blocks;
        CpCharacteristic *open; /* innermost open characteristic */
        CpCharacteristic *last_root;
        unsigned depth;
        bool decoded_over;      /* a string was refused for CPDOC_DECODED_MAX */
} Arena;

/*
 * A document, its arena and the arena's first block come from one malloc (cpdoc_builder_new):
 * first must stay the last member; its data[] runs into the ARENA_BLOCK_MIN octets allocated
 * behind the struct (sizeof(DocAlloc) is at least the offset of first.data). cpdoc_free frees
 * every other block, then the whole. A typical document (anchors 1.1: 60 elements) fits in the
 * first block and one more.
 */
typedef struct DocAlloc {
        CpDoc doc;
        Arena arena;
        ArenaBlock first;
} DocAlloc;

/* Nodes are allocated at ARENA_ALIGN boundaries, their strings right behind them. */
_Static_assert(ARENA_ALIGN >= _Alignof(CpCharacteristic) && ARENA_ALIGN >= _Alignof(CpParm) &&
                       _Alignof(max_align_t) % ARENA_ALIGN == 0,
               "arena alignment");

static _noinline_ void *arena_alloc_slow(Arena *a, size_t n) {
        ArenaBlock *b = a->blocks;
        size_t sz = b ? MIN(b->size * 2, (size_t) ARENA_BLOCK_MAX) : ARENA_BLOCK_MIN;

        if (sz < n)
                sz = n;
        b = malloc(sizeof(ArenaBlock) + sz);
        if (!b)
                return NULL;
        b->size = sz;
        b->used = n;
        b->next = a->blocks;
        a->blocks = b;
        return b->data;
}

/* n octets, ARENA_ALIGN-aligned. n is at most a node with its strings (CPDOC_NAME_MAX and
 * CPDOC_VALUE_MAX bound them) or a string-table public id (< WBXML_STRTBL_MAX): the rounding
 * cannot wrap. */
static inline void *arena_alloc(Arena *a, size_t n) {
        ArenaBlock *b = a->blocks;
        void *p;

        n = (n + (ARENA_ALIGN - 1)) & ~(size_t) (ARENA_ALIGN - 1);
        if (_unlikely_(!b || b->size - b->used < n))
                return arena_alloc_slow(a, n);
        p = (uint8_t *) b->data + b->used;
        b->used += n;
        return p;
}

/*
 * Copy s[0..len) and a NUL to dst; return dst. Names and most values are short: up to 16
 * octets are copied inline with (overlapping) word moves inside s[0..len) and dst[0..len).
 */
static _always_inline_ char *str_put(char *dst, const char *s, size_t len) {
        uint64_t x, y;
        uint32_t u, w;

        if (len >= 8 && len <= 16) {
                memcpy(&x, s, 8);
                memcpy(&y, s + len - 8, 8);
                memcpy(dst, &x, 8);
                memcpy(dst + len - 8, &y, 8);
        } else if (len >= 4 && len < 8) {
                memcpy(&u, s, 4);
                memcpy(&w, s + len - 4, 4);
                memcpy(dst, &u, 4);
                memcpy(dst + len - 4, &w, 4);
        } else if (len > 0 && len < 4) {
                /* first, middle and last octet: every position of 1..3 */
                dst[0] = s[0];
                dst[len / 2] = s[len / 2];
                dst[len - 1] = s[len - 1];
        } else if (len > 0)
                memcpy(dst, s, len);
        dst[len] = 0;
        return dst;
}

static char *arena_strdup(Arena *a, const char *s, size_t len) {
        char *p = arena_alloc(a, len + 1);

        if (!p)
                return NULL;
        return str_put(p, s, len);
}

CpDoc *cpdoc_free(CpDoc *d) {
        Arena *a;

        if (!d)
                return NULL;
        a = d->arena;
        if (a) {
                DocAlloc *h = (DocAlloc *) d; /* every arena comes from cpdoc_builder_new */
                ArenaBlock *b = a->blocks;

                /* a document may hold passwords (cpdoc_parm_is_password) and DM secrets: its
                 * strings are wiped before their blocks go back to the allocator */
                while (b) {
                        ArenaBlock *n = b->next;

                        explicit_bzero(b->data, b->used);
                        if (b != &h->first)
                                free(b);
                        b = n;
                }
        }
        free(d);
        return NULL;
}

int cpdoc_builder_new(CpDoc **ret, CpDocSource source) {
        DocAlloc *h = malloc(sizeof(DocAlloc) + ARENA_BLOCK_MIN);

        if (!h)
                return -ENOMEM;
        memset(h, 0, sizeof(DocAlloc));
        h->first.size = ARENA_BLOCK_MIN;
        h->arena.blocks = &h->first;
        h->doc.arena = &h->arena;
        h->doc.source = source;
        *ret = &h->doc;
        return 0;
}

/* SWAR constants: one octet value repeated in every octet of a 64-bit word. */
#define OCTETS(x) (UINT64_C(0x0101010101010101) * (x))

/*
 * True when any of the 8 octets of w is outside printable ASCII 0x20..0x7E. Exact for the
 * whole word (no false negative, no false positive): (w - 0x20..) & ~w sets an octet's top
 * bit only for an octet < 0x20 (a borrow can only start at such an octet); (w + 0x01..) | w
 * sets it for an octet >= 0x7F (a carry can only start at 0xFF, itself >= 0x80).
 */
static inline bool word_has_nonprint(uint64_t w) {
        return (((w - OCTETS(0x20)) & ~w) | (w + OCTETS(0x01)) | w) & OCTETS(0x80);
}

/*
 * True when all len octets at p are printable ASCII, read in whole words: for len >= 8 the
 * last word overlaps the one before it (octets already found printable stay printable);
 * 4..7 octets are two overlapping 4-octet reads, 1..3 octets the first, middle and last
 * octet padded with spaces. No read leaves p[0..len).
 */
static inline bool span_printable(const uint8_t *p, size_t len) {
        uint64_t w;

        if (len >= 8) {
                size_t i = 0;

                for (; len - i > 8; i += 8) {
                        memcpy(&w, p + i, sizeof(w));
                        if (word_has_nonprint(w))
                                return false;
                }
                memcpy(&w, p + len - 8, sizeof(w));
        } else if (len >= 4) {
                uint32_t lo, hi;

                memcpy(&lo, p, sizeof(lo));
                memcpy(&hi, p + len - 4, sizeof(hi));
                w = (uint64_t) lo | (uint64_t) hi << 32;
        } else if (len > 0)
                w = (OCTETS(0x20) & ~UINT64_C(0xFFFFFF)) | p[0] | (uint64_t) p[len / 2] << 8 | (uint64_t) p[len - 1] << 16;
        else
                return true;
        return !word_has_nonprint(w);
}

/*
 * The exact per-character decoder of the string rules (check_string). It still skips whole
 * 8-octet words of printable ASCII: i stays on a character boundary, and the decoder takes
 * over for at least the rest of any word that holds another octet (and for the < 8 octet
 * tail), so every other octet goes through the checks below.
 */
static _noinline_ int check_string_slow(const uint8_t *p, size_t len) {
        size_t i = 0;

        while (i < len) {
                size_t end;

                while (len - i >= 8) {
                        uint64_t w;

                        memcpy(&w, p + i, sizeof(w));
                        if (word_has_nonprint(w))
                                break;
                        i += 8;
                }
                end = MIN(len, i + 8);
                while (i < end) {
                        uint8_t c = p[i];
                        uint32_t cp;
                        size_t n;

                        if (c >= 0x20 && c < 0x7F) {
                                i++;
                                continue;
                        }
                        if (c < 0x80) {
                                if (c != '\t' && c != '\n' && c != '\r') /* C0 controls, DEL */
                                        return -EBADMSG;
                                i++;
                                continue;
                        }
                        n = utf8_seq(p + i, len - i, &cp);
                        if (n == 0) /* ill-formed, overlong, surrogate or C1 control */
                                return -EBADMSG;
                        if (cp == 0xFFFE || cp == 0xFFFF) /* not XML 1.0 Chars (2.2): the XML printer could not write them */
                                return -EBADMSG;
                        i += n;
                }
        }
        return 0;
}

/*
 * UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, <= U+10FFFF), no NUL,
 * no C0 controls other than TAB/LF/CR, no DEL (R10 of docs/wire-notes.md §7.2).
 *
 * Fast path (the builders inline it): a string of printable ASCII only, 0x20..0x7E, is
 * accepted by span_printable(): each such octet is a complete character that every rule
 * accepts. Anything else goes to check_string_slow(). Same results as the byte-at-a-time
 * decoder for every input (tests/unit/test-cpdoc-string.c checks it against one).
 */
static inline int check_string(const char *s, size_t len) {
        if (_likely_(span_printable((const uint8_t *) s, len)))
                return 0;
        return check_string_slow((const uint8_t *) s, len);
}

int cpdoc_check_string(const char *s, size_t len) {
        return check_string(s, len);
}

/* Not counted against CPDOC_DECODED_MAX: its only caller copies the string-table public id,
 * which cpdoc_from_wbxml takes only when it is WBXML_PROV_FPI (29 octets). */
const char *cpdoc_builder_strdup(CpDoc *d, const char *s, size_t len) {
        return arena_strdup(d->arena, s, len);
}

/*
 * Security invariant (issue 9 finding 8): d->n_decoded <= CPDOC_DECODED_MAX. Every string the
 * builder stores for a front end (version, type, name, value) is counted here before it is
 * copied into the arena, so neither front end can make a document hold more, however often its
 * input repeats a string (WBXML STR_T references, tokens that stand for whole strings). n is
 * at most CPDOC_NAME_MAX + CPDOC_VALUE_MAX (checked before) and n_decoded at most
 * CPDOC_DECODED_MAX before the addition: the sum cannot wrap, even as an unsigned (which keeps
 * CpDoc at its size: n_decoded sits in what was padding). Added first and taken back on
 * failure: the cheapest form for the builder's hot path (bench/bench-decode.sh).
 */
static inline int decoded_add(CpDoc *d, size_t n) {
        d->n_decoded += (unsigned) n;
        if (_unlikely_(d->n_decoded > CPDOC_DECODED_MAX)) {
                d->n_decoded -= (unsigned) n;
                ((Arena *) d->arena)->decoded_over = true;
                return -E2BIG;
        }
        return 0;
}

bool cpdoc_builder_decoded_over(const CpDoc *d) {
        return ((const Arena *) d->arena)->decoded_over;
}

int cpdoc_builder_version(CpDoc *d, const char *v, size_t len) {
        int r;

        if (len > CPDOC_NAME_MAX)
                return -E2BIG;
        if (check_string(v, len) < 0)
                return -EBADMSG;
        r = decoded_add(d, len);
        if (r < 0)
                return r;
        d->version = arena_strdup(d->arena, v, len);
        return d->version ? 0 : -ENOMEM;
}

static int check_name(const char *s, size_t len) {
        if (len == 0)
                return -EBADMSG;
        if (len > CPDOC_NAME_MAX)
                return -E2BIG;
        return check_string(s, len);
}

int cpdoc_builder_open(CpDoc *d, const char *type, size_t len) {
        Arena *a = d->arena;
        CpCharacteristic *c;
        int r;

        r = check_name(type, len);
        if (r < 0)
                return r;
        if (a->depth >= CPDOC_DEPTH_MAX || d->n_total_chars >= CPDOC_CHARACTERISTICS_MAX)
                return -E2BIG;
        r = decoded_add(d, len);
        if (r < 0)
                return r;
        /* One arena allocation: the node, then its type string (len <= CPDOC_NAME_MAX). */
        c = arena_alloc(a, sizeof(CpCharacteristic) + len + 1);
        if (!c)
                return -ENOMEM;
        memset(c, 0, sizeof(*c));
        c->parm_tail_ = &c->parms;
        c->type_len = (unsigned) len;
        c->type = str_put((char *) (c + 1), type, len);
        c->parent = a->open;
        if (a->open) {
                if (a->open->last_child_)
                        a->open->last_child_->next = c;
                else
                        a->open->children = c;
                a->open->last_child_ = c;
                a->open->n_children++;
        } else {
                if (a->last_root)
                        a->last_root->next = c;
                else
                        d->chars = c;
                a->last_root = c;
                d->n_chars++;
        }
        a->open = c;
        a->depth++;
        d->n_total_chars++;
        return 0;
}

int cpdoc_builder_close(CpDoc *d) {
        Arena *a = d->arena;

        if (!a->open)
                return -EBADMSG;
        a->open = a->open->parent;
        a->depth--;
        return 0;
}

int cpdoc_builder_parm(CpDoc *d, const char *name, size_t name_len, const char *value, size_t value_len) {
        Arena *a = d->arena;
        CpParm *p;
        int r;

        if (!a->open)
                return -EBADMSG;
        r = check_name(name, name_len);
        if (r < 0)
                return r;
        if (value) {
                if (value_len > CPDOC_VALUE_MAX)
                        return -E2BIG;
                if (check_string(value, value_len) < 0)
                        return -EBADMSG;
        }
        if (d->n_total_parms >= CPDOC_PARMS_MAX)
                return -E2BIG;
        r = decoded_add(d, name_len + (value ? value_len : 0));
        if (r < 0)
                return r;
        /* One arena allocation: the node, its name, then its value (lengths checked above). */
        p = arena_alloc(a, sizeof(CpParm) + name_len + 1 + (value ? value_len + 1 : 0));
        if (!p)
                return -ENOMEM;
        memset(p, 0, sizeof(*p));
        p->name_len = (unsigned) name_len;
        p->name = str_put((char *) (p + 1), name, name_len);
        if (value)
                p->value = str_put((char *) (p + 1) + name_len + 1, value, value_len);
        *a->open->parm_tail_ = p;
        a->open->parm_tail_ = &p->next;
        a->open->n_parms++;
        d->n_total_parms++;
        return 0;
}

int cpdoc_builder_finish(CpDoc *d) {
        Arena *a = d->arena;

        return a->open ? -EBADMSG : 0;
}

const CpParm *cpdoc_find_parm(const CpCharacteristic *c, const char *name) {
        for (const CpParm *p = c->parms; p; p = p->next)
                if (strcmp(p->name, name) == 0)
                        return p;
        return NULL;
}

const char *cpdoc_parm_value(const CpCharacteristic *c, const char *name) {
        const CpParm *p = cpdoc_find_parm(c, name);

        return p ? p->value : NULL;
}

bool cpdoc_parm_is_password(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        return strcasestr(name, "SECRET") || strcasestr(name, "PASSWORD") || strcasestr(name, "-PW") ||
               (n >= 2 && strcasecmp(name + n - 2, "PW") == 0) || strcasecmp(name, "AAUTHDATA") == 0;
}

/* ---- printers ---------------------------------------------------------------------- */

static void print_xml_escaped(FILE *f, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '&': fputs("&amp;", f); break;
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '"': fputs("&quot;", f); break;
                case '\n': fputs("&#10;", f); break;
                case '\r': fputs("&#13;", f); break;
                case '\t': fputs("&#9;", f); break;
                default: fputc(*s, f);
                }
}

static void print_xml_char(FILE *f, const CpCharacteristic *c, unsigned indent) {
        fprintf(f, "%*s<characteristic type=\"", (int) indent * 2, "");
        print_xml_escaped(f, c->type);
        if (!c->parms && !c->children) {
                fputs("\"/>\n", f);
                return;
        }
        fputs("\">\n", f);
        for (const CpParm *p = c->parms; p; p = p->next) {
                fprintf(f, "%*s<parm name=\"", (int) (indent + 1) * 2, "");
                print_xml_escaped(f, p->name);
                if (p->value) {
                        fputs("\" value=\"", f);
                        print_xml_escaped(f, p->value);
                }
                fputs("\"/>\n", f);
        }
        for (const CpCharacteristic *k = c->children; k; k = k->next)
                print_xml_char(f, k, indent + 1);
        fprintf(f, "%*s</characteristic>\n", (int) indent * 2, "");
}

int cpdoc_print_xml(const CpDoc *d, FILE *f) {
        fputs("<wap-provisioningdoc", f);
        if (d->version) {
                fputs(" version=\"", f);
                print_xml_escaped(f, d->version);
                fputc('"', f);
        }
        if (!d->chars) {
                fputs("/>\n", f);
        } else {
                fputs(">\n", f);
                for (const CpCharacteristic *c = d->chars; c; c = c->next)
                        print_xml_char(f, c, 1);
                fputs("</wap-provisioningdoc>\n", f);
        }
        return ferror(f) ? -EIO : 0;
}

static void print_json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fprintf(f, "\\%c", *p);
                else if (*p < 0x20)
                        fprintf(f, "\\u%04x", *p);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

static void print_json_char(FILE *f, const CpCharacteristic *c) {
        bool first = true;

        fputs("{\"type\":", f);
        print_json_string(f, c->type);
        if (c->flags & CP_FLAG_UNKNOWN)
                fputs(",\"unknown\":true", f);
        if (c->flags & CP_FLAG_MISPLACED)
                fputs(",\"misplaced\":true", f);
        fputs(",\"parms\":[", f);
        for (const CpParm *p = c->parms; p; p = p->next) {
                if (!first)
                        fputc(',', f);
                first = false;
                fputs("{\"name\":", f);
                print_json_string(f, p->name);
                if (p->value) {
                        fputs(",\"value\":", f);
                        print_json_string(f, p->value);
                }
                if (p->flags & CP_FLAG_UNKNOWN)
                        fputs(",\"unknown\":true", f);
                fputc('}', f);
        }
        fputs("],\"characteristics\":[", f);
        first = true;
        for (const CpCharacteristic *k = c->children; k; k = k->next) {
                if (!first)
                        fputc(',', f);
                first = false;
                print_json_char(f, k);
        }
        fputs("]}", f);
}

int cpdoc_print_json(const CpDoc *d, FILE *f) {
        bool first = true;

        fputs("{\"version\":", f);
        if (d->version)
                print_json_string(f, d->version);
        else
                fputs("null", f);
        fputs(",\"characteristics\":[", f);
        for (const CpCharacteristic *c = d->chars; c; c = c->next) {
                if (!first)
                        fputc(',', f);
                first = false;
                print_json_char(f, c);
        }
        fputs("]}", f);
        return ferror(f) ? -EIO : 0;
}
