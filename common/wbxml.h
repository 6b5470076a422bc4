/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wbxml.h: the WBXML 1.0-1.3 token iterator (WAP-192-WBXML-20010725-a) and the PROV code-page
 * tables (docs/wire-notes.md §3.4-3.7) behind cpdoc_from_wbxml(). The iterator turns a WBXML body
 * into a flat stream of tokens (tag start, attribute start, attribute value, string, entity,
 * opaque, end of attribute list, end of element) so that the document builder is one loop
 * rather than a recursive descent (docs/conventions.md §8). It owns the header (version, public id,
 * charset, string table), the two code-page registers, every bounds check on strings and
 * string-table references, and the WBXML_* limits below; it knows nothing of PROV names. The
 * PROV tables are separate lookups so that tests can render and enumerate them.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "decode-error.h"

/* Limits (R8). Each one is tested at the limit and just past it. */
#define WBXML_STRTBL_MAX (32U * 1024U) /* string table octets: > any SMS push (32,640 B, anchors 1.7) */
#define WBXML_DEPTH_MAX 16U            /* open elements; PROV needs CPDOC_DEPTH_MAX + 2 */
#define WBXML_VALUE_PARTS_MAX 256U     /* value tokens/strings after one attribute start */

/* Global tokens (WBXML 1.3 7.1), the same in every code page. */
enum {
        WBXML_SWITCH_PAGE = 0x00,
        WBXML_END = 0x01,
        WBXML_ENTITY = 0x02,
        WBXML_STR_I = 0x03,
        WBXML_LITERAL = 0x04,
        WBXML_EXT_I_0 = 0x40,
        WBXML_EXT_I_1 = 0x41,
        WBXML_EXT_I_2 = 0x42,
        WBXML_PI = 0x43,
        WBXML_LITERAL_C = 0x44,
        WBXML_EXT_T_0 = 0x80,
        WBXML_EXT_T_1 = 0x81,
        WBXML_EXT_T_2 = 0x82,
        WBXML_STR_T = 0x83,
        WBXML_LITERAL_A = 0x84,
        WBXML_EXT_0 = 0xC0,
        WBXML_EXT_1 = 0xC1,
        WBXML_EXT_2 = 0xC2,
        WBXML_OPAQUE = 0xC3,
        WBXML_LITERAL_AC = 0xC4,
};

/* Public identifiers (WBXML 1.3 7.2) and charsets (IANA MIBenum) this module names. */
#define WBXML_PUBLIC_ID_STRTBL 0x00U  /* "00 index": the text is in the string table */
#define WBXML_PUBLIC_ID_UNKNOWN 0x01U
#define WBXML_PUBLIC_ID_PROV10 0x0BU
#define WBXML_PROV_FPI "-//WAPFORUM//DTD PROV 1.0//EN"
#define WBXML_CHARSET_UNKNOWN 0U
#define WBXML_CHARSET_US_ASCII 3U
#define WBXML_CHARSET_ISO_8859_1 4U
#define WBXML_CHARSET_UTF_8 106U

/* Language facts the iterator needs; the names themselves stay in the callers' tables. */
typedef struct WbxmlLang {
        uint8_t max_page;           /* SWITCH_PAGE to a higher page is -EBADMSG (R8: wrong code page) */
        uint8_t attr_4x_page_mask;  /* bit p: on attribute page p (< 8), 0x40-0x44 are attribute
                                     * starts, not EXT_I_0..2/PI/LITERAL_C (PROV cp1, wire 3.6) */
} WbxmlLang;

/* PROV: pages 0 and 1; cp1 40-44 are the 2005+ WLAN names (PRI-H-SSID .. SECMODE). */
extern const WbxmlLang wbxml_lang_prov;

typedef enum WbxmlTokenType {
        WBXML_TOKEN_TAG,        /* page, id (05-3F), attrs, content */
        WBXML_TOKEN_ATTR_START, /* page, id (05-7F; 40-44 only on pages in attr_4x_page_mask) */
        WBXML_TOKEN_ATTR_VALUE, /* page, id (85-FF, not a global token) */
        WBXML_TOKEN_STRING,     /* STR_I or STR_T: data/len, no NUL inside; in_attr */
        WBXML_TOKEN_ENTITY,     /* entity: a Unicode scalar value (<= 10FFFF, no surrogate); in_attr */
        WBXML_TOKEN_OPAQUE,     /* data/len, any octets; in_attr */
        WBXML_TOKEN_ATTRS_END,  /* the END that closes an attribute list */
        WBXML_TOKEN_END,        /* end of an element: its END, or implied when it has no content */
        _WBXML_TOKEN_MAX,
        _WBXML_TOKEN_INVALID = -EINVAL,
} WbxmlTokenType;

/* type and offset are always set; the other fields only for the types named beside them. */
typedef struct WbxmlToken {
        WbxmlTokenType type;
        uint8_t page;          /* TAG: tag page; ATTR_START/ATTR_VALUE: attribute page */
        uint8_t id;            /* TAG: token & 0x3F; ATTR_START/ATTR_VALUE: the token octet */
        bool attrs, content;   /* TAG: bit 7 / bit 6 of the tag token (WBXML 1.3 5.8.2) */
        bool in_attr;          /* STRING/ENTITY/OPAQUE: part of an attribute value, else content */
        bool from_strtbl;      /* STRING: came from STR_T */
        uint32_t entity;       /* ENTITY */
        const uint8_t *data;   /* STRING/OPAQUE: points into the input (or its string table) */
        size_t len;
        size_t offset;         /* offset of the token's first octet in the input buffer */
        unsigned depth;        /* TAG: depth of the new element (root = 1); END: depth it closes */
} WbxmlToken;

#define WBXML_ITER_PENDING_END 0x01U /* emit an implied END (element without content) next */
#define WBXML_ITER_DONE 0x02U        /* the root element is closed */

typedef struct WbxmlIter {
        /* header facts, valid after wbxml_iter_init() */
        uint8_t version;         /* 0x00..0x03 */
        uint32_t public_id;      /* 0 when given through the string table */
        const char *public_id_text; /* NUL-terminated inside the string table, or NULL */
        size_t public_id_len;
        uint32_t charset;        /* MIBenum; 0 when absent (WBXML 1.0) or unknown */
        Cursor strtbl;
        /* private */
        Cursor body;
        const WbxmlLang *lang;
        DecodeError *err;
        uint8_t tag_page, attr_page;
        uint8_t state;
        bool tag_content;        /* the tag whose attribute list is open has content */
        uint8_t flags;           /* WBXML_ITER_PENDING_END | WBXML_ITER_DONE */
        unsigned depth;
        unsigned parts;          /* value parts after the current attribute start */
} WbxmlIter;

/*
 * wbxml_iter_init - read the WBXML header (WBXML 1.3 5.3-5.7) and position at the body.
 * Version 1.0-1.3; charset absent in 1.0 (treated as UTF-8), else UTF-8, US-ASCII, ISO-8859-1
 * or 0 (unknown: UTF-8 is assumed, 5.6); a string-table public id must be NUL-terminated
 * inside the table. The public id's meaning is left to the caller. err may be NULL.
 * Return: 0; -EBADMSG truncated or bad string-table reference; -EOPNOTSUPP version or charset;
 *   -E2BIG string table over WBXML_STRTBL_MAX.
 */
int wbxml_iter_init(WbxmlIter *it, const uint8_t *buf, size_t len, const WbxmlLang *lang, DecodeError *err);

/*
 * wbxml_next - the next token of the body (body = element; no PI, LITERAL or EXT tokens).
 * Code-page switches are consumed here (two registers, kept across END, 5.8.1); every tag
 * gets exactly one END token; nothing may follow the root element.
 * Return: 1 with *ret filled; 0 at the end of the document; -EBADMSG malformed, truncated or
 *   a global token PROV never uses; -E2BIG over WBXML_DEPTH_MAX or WBXML_VALUE_PARTS_MAX.
 */
int wbxml_next(WbxmlIter *it, WbxmlToken *ret);

/* Resolve a string-table reference (5.7). Return: 0 or -EBADMSG (out of range, no NUL). */
int wbxml_strtbl_ref(const WbxmlIter *it, uint32_t index, const char **ret, size_t *ret_len);

/* ---- PROV token tables (docs/wire-notes.md §3.4-3.7) ------------------------------------- */

typedef enum WbxmlProvElem {
        WBXML_PROV_ELEM_DOC,            /* wap-provisioningdoc */
        WBXML_PROV_ELEM_CHARACTERISTIC,
        WBXML_PROV_ELEM_PARM,
        _WBXML_PROV_ELEM_MAX,
        _WBXML_PROV_ELEM_INVALID = -EINVAL,
} WbxmlProvElem;

typedef enum WbxmlProvAttr {
        WBXML_PROV_ATTR_VERSION,
        WBXML_PROV_ATTR_TYPE,
        WBXML_PROV_ATTR_NAME,
        WBXML_PROV_ATTR_VALUE,
        _WBXML_PROV_ATTR_MAX,
        _WBXML_PROV_ATTR_INVALID = -EINVAL,
} WbxmlProvAttr;

/* Where a table entry comes from (wire 3.5 markers). */
typedef enum WbxmlProvOrigin {
        WBXML_PROV_ORIGIN_WAP,   /* WAP-183 PROV 1.0 */
        WBXML_PROV_ORIGIN_OMA,   /* OMA ProvCont 1.1 (2002), "(OMA)" */
        WBXML_PROV_ORIGIN_2005,  /* later ProvCont 1.1 revisions (Kannel/LG); libwbxml lacks them */
        _WBXML_PROV_ORIGIN_MAX,
} WbxmlProvOrigin;

typedef struct WbxmlProvEntry {
        WbxmlTokenType type;     /* TAG, ATTR_START or ATTR_VALUE */
        uint8_t page, id;
        WbxmlProvOrigin origin;
        int kind;                /* TAG: WbxmlProvElem; ATTR_START: WbxmlProvAttr; else -1 */
        const char *text;        /* TAG: element name; ATTR_START: value prefix ("" if none);
                                  * ATTR_VALUE: the value text */
        size_t text_len;
} WbxmlProvEntry;

/* Table lookups. Return: 0 with *ret filled, or -ENOENT (not a PROV token). */
int wbxml_prov_tag(uint8_t page, uint8_t id, WbxmlProvEntry *ret);
int wbxml_prov_attr_start(uint8_t page, uint8_t id, WbxmlProvEntry *ret);
int wbxml_prov_attr_value(uint8_t page, uint8_t id, WbxmlProvEntry *ret);

/* Enumerate every table entry, index from 0. Return: 1 with *ret filled, 0 past the end. */
int wbxml_prov_table_entry(size_t index, WbxmlProvEntry *ret);

/* "version", "type", "name", "value", or NULL. */
const char *wbxml_prov_attr_name(WbxmlProvAttr a);
/* Name of a global token octet ("STR_I", ...), or NULL when it is not one. */
const char *wbxml_global_token_name(uint8_t token);

/*
 * Render one table entry for test output and token-name tables, e.g.
 * "cp1 ATTR_START 0x36 name=\"APPID\"" or "cp0 ATTR_VALUE 0xAB \"GSM-GPRS\"".
 * Return: the length snprintf() would write (truncated to size).
 */
int wbxml_prov_entry_render(const WbxmlProvEntry *e, char *buf, size_t size);
