/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-syncml.c: the SyncML DM XML codec (dm-syncml.h).
 *
 * Decoding is two passes over a message that is at most DM_MESSAGE_MAX octets:
 *  1. libxml2's SAX2 parser, hardened as in common/cpdoc-xml.c (network off, no DTD loading,
 *     no entity substitution, no internal subset, UTF-8 only, per-parse error handler, the
 *     thread's libxml2 "last error" restored), builds a small element tree. The depth
 *     (DM_XML_DEPTH_MAX), the text of any one element (DM_DATA_MAX) and the text of all
 *     elements (DM_TEXT_TOTAL_MAX) are capped while parsing. The message size does NOT bound
 *     the decoded text: a WBXML string-table reference (STR_T) of 2 octets may name a table
 *     entry of kilobytes, any number of times; DM_TEXT_TOTAL_MAX does.
 *  2. A strict walk of that tree against the SyncML DM structure (OMA-TS-DM_RepPro-V1_2 §5,
 *     the DM usage of the SyncML DTD) fills the DmMessage, with the per-field caps.
 * Nothing in a message is trusted here: the session (dm-session.c) checks the server's Cred
 * before it runs any command. No logging: messages carry credentials and nonces (R7); error
 * texts are static and never quote the input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "dm-cred.h"
#include "dm-syncml.h"
#include "utf8.h"
#include "wbxml.h"
#include "xml-precheck.h"

#define NS_SYNCML_1_1 "SYNCML:SYNCML1.1"
#define NS_SYNCML_1_2 "SYNCML:SYNCML1.2"
#define NS_METINF "syncml:metinf"


/* ------------------------------------------------------------------------------------------ */
/* Arena: every string and array of a DmMessage, freed at once. */

typedef struct ArenaChunk {
        struct ArenaChunk *next;
        size_t used, size;
        max_align_t data[];
} ArenaChunk;

typedef struct Arena {
        ArenaChunk *head;
} Arena;

#define ARENA_CHUNK_SIZE 8192U

static void *arena_alloc(Arena *a, size_t n) {
        ArenaChunk *c = a->head;
        size_t align = sizeof(max_align_t);

        n = (n + align - 1) / align * align;
        if (n == 0)
                n = align;
        if (!c || c->size - c->used < n) {
                size_t size = MAX(n, (size_t) ARENA_CHUNK_SIZE);

                c = calloc(1, sizeof(ArenaChunk) + size);
                if (!c)
                        return NULL;
                c->size = size;
                c->next = a->head;
                a->head = c;
        }
        c->used += n;
        return (uint8_t *) c->data + c->used - n;
}

static char *arena_strndup(Arena *a, const char *s, size_t n) {
        char *p = arena_alloc(a, n + 1);

        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

static void arena_free(Arena *a) {
        while (a && a->head) {
                ArenaChunk *c = a->head;

                a->head = c->next;
                free(c);
        }
}

/* ------------------------------------------------------------------------------------------ */
/* Pass 1: the element tree. */

typedef enum XNs { XNS_SYNCML, XNS_METINF } XNs;

typedef struct XNode {
        char *name;
        XNs ns;
        char *text; /* concatenated character data, NUL-terminated */
        size_t text_len, text_cap;
        bool has_text; /* some non-whitespace text */
        struct XNode *parent, *first, *last, *next;
        size_t n_children;
} XNode;

typedef struct XState {
        xmlParserCtxtPtr ctxt;
        Arena *tmp;
        XNode *root, *cur;
        unsigned depth;
        size_t text_total; /* octets of text of all elements so far (DM_TEXT_TOTAL_MAX) */
        bool root_closed;
        DmVersion version;
        int r;
        const char *reason;
} XState;

static int x_fail(XState *s, int r, const char *reason) {
        if (s->r == 0) {
                s->r = r;
                s->reason = reason;
        }
        if (s->ctxt)
                xmlStopParser(s->ctxt);
        return r;
}

static bool ns_ieq(const xmlChar *uri, const char *want) {
        return uri && strcasecmp((const char *) uri, want) == 0;
}

static bool is_name(const XNode *n, const char *name) {
        return n->ns == XNS_SYNCML && strcmp(n->name, name) == 0;
}

/* Open a child of the current element (or the root), capped at DM_XML_DEPTH_MAX. */
static int node_open(XState *s, const char *name, XNs ns) {
        XNode *n;

        if (s->depth >= DM_XML_DEPTH_MAX)
                return x_fail(s, -E2BIG, "elements nested deeper than DM_XML_DEPTH_MAX");
        n = arena_alloc(s->tmp, sizeof(XNode));
        if (!n || !(n->name = arena_strndup(s->tmp, name, strlen(name))))
                return x_fail(s, -ENOMEM, "out of memory");
        n->ns = ns;
        n->parent = s->cur;
        if (s->cur) {
                if (s->cur->last)
                        s->cur->last->next = n;
                else
                        s->cur->first = n;
                s->cur->last = n;
                s->cur->n_children++;
        } else
                s->root = n;
        s->cur = n;
        s->depth++;
        return 0;
}

static void node_close(XState *s) {
        if (s->r < 0 || !s->cur)
                return;
        s->cur = s->cur->parent;
        s->depth--;
        if (!s->cur)
                s->root_closed = true;
}

static void sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                      int n_namespaces, const xmlChar **namespaces, int n_attrs, int n_defaulted,
                      const xmlChar **attrs) {
        XState *s = ctx;
        XNs ns;

        if (s->r < 0)
                return;
        if (n_attrs > 0) {
                x_fail(s, -EBADMSG, "attribute on a SyncML element (they have none)");
                return;
        }
        if (!s->cur) {
                if (s->root) {
                        x_fail(s, -EBADMSG, "content after the SyncML element");
                        return;
                }
                if (strcmp((const char *) localname, "SyncML") != 0) {
                        x_fail(s, -EBADMSG, "root element is not SyncML");
                        return;
                }
                /* RepPro §5.1: the DM 1.2 and 1.1.2 namespaces; nothing else is SyncML DM. */
                if (ns_ieq(uri, NS_SYNCML_1_2))
                        s->version = DM_VERSION_1_2;
                else if (ns_ieq(uri, NS_SYNCML_1_1))
                        s->version = DM_VERSION_1_1;
                else {
                        x_fail(s, -EOPNOTSUPP, "SyncML element not in namespace SYNCML:SYNCML1.2 or 1.1");
                        return;
                }
        }
        if (ns_ieq(uri, s->version == DM_VERSION_1_2 ? NS_SYNCML_1_2 : NS_SYNCML_1_1))
                ns = XNS_SYNCML;
        else if (uri && strcmp((const char *) uri, NS_METINF) == 0)
                ns = XNS_METINF;
        else {
                x_fail(s, -EBADMSG, "element in a namespace other than the message's SyncML or syncml:metinf");
                return;
        }
        (void) node_open(s, (const char *) localname, ns);
}

static void sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
        node_close(ctx);
}

static bool xml_space(uint8_t c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append character data to the open element, capped at DM_DATA_MAX per element and
 * DM_TEXT_TOTAL_MAX per message (both encodings). */
static int node_text(XState *s, const uint8_t *ch, size_t len) {
        XNode *n = s->cur;

        if (s->r < 0)
                return s->r;
        if (!n)
                return x_fail(s, -EBADMSG, "text outside the SyncML element");
        if (len > DM_DATA_MAX - n->text_len)
                return x_fail(s, -E2BIG, "text of one element longer than DM_DATA_MAX");
        /* SECURITY: WBXML STR_T references multiply the input (2 octets name a whole table
         * entry): the decoded total is capped here, where every text of both encodings passes. */
        if (len > DM_TEXT_TOTAL_MAX - s->text_total)
                return x_fail(s, -E2BIG, "decoded text of the message longer than DM_TEXT_TOTAL_MAX");
        s->text_total += len;
        if (n->text_len + len + 1 > n->text_cap) {
                size_t cap = MAX(n->text_cap * 2, n->text_len + len + 1);
                char *t;

                cap = MIN(cap, (size_t) DM_DATA_MAX + 1);
                /* The old buffer stays in the throw-away arena: at most twice the text. */
                t = arena_alloc(s->tmp, cap);
                if (!t)
                        return x_fail(s, -ENOMEM, "out of memory");
                if (n->text_len > 0)
                        memcpy(t, n->text, n->text_len);
                n->text = t;
                n->text_cap = cap;
        }
        if (len > 0)
                memcpy(n->text + n->text_len, ch, len);
        n->text_len += len;
        n->text[n->text_len] = 0;
        for (size_t i = 0; i < len && !n->has_text; i++)
                if (!xml_space(ch[i]))
                        n->has_text = true;
        return 0;
}

/* Character data (text and CDATA) of the open element. */
static void sax_text(void *ctx, const xmlChar *ch, int len) {
        if (len > 0)
                (void) node_text(ctx, ch, (size_t) len);
}

/* The DOCTYPE may name SyncML; its external subset is never fetched or read (no DTDLOAD,
 * no resolveEntity/externalSubset callbacks, NONET). */
static void sax_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                                const xmlChar *system_id) {
        if (!name || strcmp((const char *) name, "SyncML") != 0)
                x_fail(ctx, -EBADMSG, "DOCTYPE does not name SyncML");
}

/* Every declaration of an internal subset is refused as it is parsed and nothing is stored:
 * no entity exists, so none can be expanded (billion laughs) or fetched (XXE). */
static void sax_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                            const xmlChar *system_id, xmlChar *content) {
        x_fail(ctx, -EBADMSG, "DOCTYPE declares an entity");
}

static void sax_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                     const xmlChar *system_id, const xmlChar *notation) {
        x_fail(ctx, -EBADMSG, "DOCTYPE declares an entity");
}

static void sax_notation_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                              const xmlChar *system_id) {
        x_fail(ctx, -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_attribute_decl(void *ctx, const xmlChar *elem, const xmlChar *fullname, int type, int def,
                               const xmlChar *default_value, xmlEnumerationPtr tree) {
        xmlFreeEnumeration(tree); /* the callback owns it */
        x_fail(ctx, -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_element_decl(void *ctx, const xmlChar *name, int type, xmlElementContentPtr content) {
        x_fail(ctx, -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_comment(void *ctx, const xmlChar *value) {
        XState *s = ctx;

        if (s->ctxt->inSubset == 1)
                x_fail(s, -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_pi(void *ctx, const xmlChar *target, const xmlChar *data) {
        XState *s = ctx;

        if (s->ctxt->inSubset == 1)
                x_fail(s, -EBADMSG, "DOCTYPE internal subset is not allowed");
}

/* libxml2 resolves the five predefined entities itself; any lookup is another entity. */
static xmlEntityPtr sax_get_entity(void *ctx, const xmlChar *name) {
        x_fail(ctx, -EBADMSG, "entity reference (only the five predefined entities and character references)");
        return NULL;
}

static void sax_reference(void *ctx, const xmlChar *name) {
        x_fail(ctx, -EBADMSG, "entity reference (only the five predefined entities and character references)");
}

static void sax_error(void *ctx, xmlErrorPtr e) {
        XState *s = ctx;

        if (!s || !e)
                return;
        if (e->level == XML_ERR_WARNING && e->code == XML_WAR_UNKNOWN_VERSION)
                return;
        if (e->code == XML_ERR_NO_MEMORY)
                x_fail(s, -ENOMEM, "out of memory");
        else if (e->code >= XML_NS_ERR_XML_NAMESPACE && e->code <= XML_NS_ERR_COLON)
                x_fail(s, -EBADMSG, "namespace error");
        else
                x_fail(s, -EBADMSG, "XML is not well-formed");
}

static const xmlSAXHandler dm_sax = {
        .initialized = XML_SAX2_MAGIC,
        .internalSubset = sax_internal_subset,
        .getEntity = sax_get_entity,
        .getParameterEntity = sax_get_entity,
        .entityDecl = sax_entity_decl,
        .unparsedEntityDecl = sax_unparsed_entity_decl,
        .notationDecl = sax_notation_decl,
        .attributeDecl = sax_attribute_decl,
        .elementDecl = sax_element_decl,
        .reference = sax_reference,
        .characters = sax_text,
        .ignorableWhitespace = sax_text,
        .cdataBlock = sax_text,
        .comment = sax_comment,
        .processingInstruction = sax_pi,
        .startElementNs = sax_start,
        .endElementNs = sax_end,
        .serror = sax_error,
        /* resolveEntity, externalSubset: NULL, nothing is ever loaded. */
};

/*
 * UTF-8 only (the DM media types are UTF-8, RepPro §5.1.2): a UTF-16/UCS-4/EBCDIC signature,
 * a NUL byte or an XML declaration naming another encoding is refused before libxml2 sees a
 * byte, which is then told to ignore the declaration (iconv never runs on untrusted input).
 */
static int xml_precheck(const uint8_t *buf, size_t len, const char **reason) {
        size_t offset = 0;

        return xml_precheck_utf8(buf, len, &offset, reason);
}

static int xml_to_tree(const uint8_t *buf, size_t len, Arena *tmp, XState *s) {
        xmlError saved = {};
        bool had_error;
        int r;

        r = xml_precheck(buf, len, &s->reason);
        if (r < 0)
                return s->r = r;

        xmlInitParser();
        /* Keep the thread's libxml2 "last error" as the caller left it. */
        had_error = xmlGetLastError() && xmlCopyError(xmlGetLastError(), &saved) == 0;

        s->tmp = tmp;
        s->ctxt = xmlCreateMemoryParserCtxt((const char *) buf, (int) len);
        if (!s->ctxt) {
                x_fail(s, -ENOMEM, "out of memory");
                goto finish;
        }
        /* Our handlers go into the context's own copy, never into libxml2's global default. */
        if (!s->ctxt->sax || (const void *) s->ctxt->sax == (const void *) &xmlDefaultSAXHandler) {
                xmlSAXHandler *h = xmlMalloc(sizeof(xmlSAXHandler));

                if (!h) {
                        xmlFreeParserCtxt(s->ctxt);
                        s->ctxt = NULL;
                        x_fail(s, -ENOMEM, "out of memory");
                        goto finish;
                }
                s->ctxt->sax = h;
        }
        *s->ctxt->sax = dm_sax;
        /* The SAX user data is our state, not the context: libxml2 then never falls back to its
         * tree builder's entity lookup. */
        s->ctxt->userData = s;
        (void) xmlCtxtUseOptions(s->ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
        /* Whatever the process set globally: no entity substitution, no DTD loading or
         * validation, no HUGE limits, no recovery. */
        s->ctxt->replaceEntities = 0;
        s->ctxt->loadsubset = 0;
        s->ctxt->validate = 0;
        s->ctxt->options &= ~(XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR | XML_PARSE_DTDVALID |
                              XML_PARSE_HUGE | XML_PARSE_RECOVER);
        s->ctxt->recovery = 0;

        (void) xmlParseDocument(s->ctxt);

        if (s->r == 0 && !s->ctxt->wellFormed)
                x_fail(s, -EBADMSG, "XML is not well-formed");
        if (s->r == 0 && (!s->root || !s->root_closed))
                x_fail(s, -EBADMSG, "no SyncML element");
        if (s->ctxt->myDoc) {
                xmlFreeDoc(s->ctxt->myDoc);
                s->ctxt->myDoc = NULL;
        }
        xmlFreeParserCtxt(s->ctxt);
        s->ctxt = NULL;
finish:
        xmlResetLastError();
        if (had_error) {
                xmlCopyError(&saved, &xmlLastError);
                xmlResetError(&saved);
        }
        return s->r;
}

/* ------------------------------------------------------------------------------------------ */
/* Pass 1 for WBXML (application/vnd.syncml.dm+wbxml) through the project's WBXML iterator. */

/*
 * Code page 0 (SyncML) and 1 (MetInf) tag tokens (OMA-TS-DM_RepPro-V1_2 §8 WBXML; SyncML
 * RepPro 1.1/1.2 token tables). One table serves both versions: 1.1 is 1.2 without 0x35-0x3C,
 * and messages in the wild pair versions and public ids freely (docs/dm-wire.md §1). Page 2
 * (DM DDF) never appears in a DM message and is refused by the iterator (max_page 1).
 */
static const char *const wbxml_syncml_page0[0x40] = {
        [0x05] = "Add",       [0x06] = "Alert",     [0x07] = "Archive",   [0x08] = "Atomic",
        [0x09] = "Chal",      [0x0A] = "Cmd",       [0x0B] = "CmdID",     [0x0C] = "CmdRef",
        [0x0D] = "Copy",      [0x0E] = "Cred",      [0x0F] = "Data",      [0x10] = "Delete",
        [0x11] = "Exec",      [0x12] = "Final",     [0x13] = "Get",       [0x14] = "Item",
        [0x15] = "Lang",      [0x16] = "LocName",   [0x17] = "LocURI",    [0x18] = "Map",
        [0x19] = "MapItem",   [0x1A] = "Meta",      [0x1B] = "MsgID",     [0x1C] = "MsgRef",
        [0x1D] = "NoResp",    [0x1E] = "NoResults", [0x1F] = "Put",       [0x20] = "Replace",
        [0x21] = "RespURI",   [0x22] = "Results",   [0x23] = "Search",    [0x24] = "Sequence",
        [0x25] = "SessionID", [0x26] = "SftDel",    [0x27] = "Source",    [0x28] = "SourceRef",
        [0x29] = "Status",    [0x2A] = "Sync",      [0x2B] = "SyncBody",  [0x2C] = "SyncHdr",
        [0x2D] = "SyncML",    [0x2E] = "Target",    [0x2F] = "TargetRef", [0x31] = "VerDTD",
        [0x32] = "VerProto",  [0x33] = "NumberOfChanges", [0x34] = "MoreData", [0x35] = "Field",
        [0x36] = "Filter",    [0x37] = "Record",    [0x38] = "FilterType", [0x39] = "SourceParent",
        [0x3A] = "TargetParent", [0x3B] = "Move",   [0x3C] = "Correlator",
};

static const char *const wbxml_metinf_page1[0x40] = {
        [0x05] = "Anchor",    [0x06] = "EMI",       [0x07] = "Format",    [0x08] = "FreeID",
        [0x09] = "FreeMem",   [0x0A] = "Last",      [0x0B] = "Mark",      [0x0C] = "MaxMsgSize",
        [0x0D] = "Mem",       [0x0E] = "MetInf",    [0x0F] = "Next",      [0x10] = "NextNonce",
        [0x11] = "SharedMem", [0x12] = "Size",      [0x13] = "Type",      [0x14] = "Version",
        [0x15] = "MaxObjSize", [0x16] = "FieldLevel",
};

static const WbxmlLang wbxml_lang_syncml = { .max_page = 1, .attr_4x_page_mask = 0 };

#define WBXML_PUBLIC_ID_SYNCML_1_1 0x0FD3U
#define WBXML_PUBLIC_ID_SYNCML_1_2 0x1201U

/*
 * Text from WBXML must be what the XML path would accept: well-formed UTF-8 (utf8.h, which
 * also refuses C1 controls), no NUL and no C0 control but TAB, LF and CR, and neither U+FFFE
 * nor U+FFFF (XML 1.0 §2.2 Char); the same rule as xml_text_ok() of the writer.
 */
static bool wbxml_text_ok(const uint8_t *p, size_t len) {
        return xml_char_data_ok(p, len);
}

static int wbxml_to_tree(const uint8_t *buf, size_t len, Arena *tmp, XState *s) {
        DecodeError derr = {};
        WbxmlIter it;
        WbxmlToken t;
        int r;

        s->tmp = tmp;
        r = wbxml_iter_init(&it, buf, len, &wbxml_lang_syncml, &derr);
        if (r < 0)
                return x_fail(s, r, derr.reason ? derr.reason : "bad WBXML header");
        /* The public id must name SyncML 1.1 or 1.2, numerically or as string-table text; the
         * protocol version itself is taken from VerDTD/VerProto (pass 2). */
        if (it.public_id_text) {
                if (strcmp(it.public_id_text, "-//SYNCML//DTD SyncML 1.2//EN") != 0 &&
                    strcmp(it.public_id_text, "-//SYNCML//DTD SyncML 1.1//EN") != 0)
                        return x_fail(s, -EOPNOTSUPP, "WBXML public id is not SyncML 1.1 or 1.2");
        } else if (it.public_id != WBXML_PUBLIC_ID_SYNCML_1_2 && it.public_id != WBXML_PUBLIC_ID_SYNCML_1_1)
                return x_fail(s, -EOPNOTSUPP, "WBXML public id is not SyncML 1.1 or 1.2");
        /* UTF-8 (or its subset US-ASCII) only: no transcoding of untrusted text. */
        if (it.charset != WBXML_CHARSET_UTF_8 && it.charset != WBXML_CHARSET_US_ASCII &&
            it.charset != WBXML_CHARSET_UNKNOWN)
                return x_fail(s, -EOPNOTSUPP, "WBXML charset other than UTF-8");

        for (;;) {
                r = wbxml_next(&it, &t);
                if (r == 0)
                        break;
                if (r < 0)
                        return x_fail(s, r, derr.reason ? derr.reason : "malformed WBXML");
                switch (t.type) {
                case WBXML_TOKEN_TAG: {
                        const char *name = t.id < 0x40 ? (t.page == 0 ? wbxml_syncml_page0 : wbxml_metinf_page1)[t.id]
                                                       : NULL;
                        char unknown[16];

                        if (t.attrs)
                                return x_fail(s, -EBADMSG, "attribute on a SyncML element (they have none)");
                        if (!s->root && (t.page != 0 || !name || strcmp(name, "SyncML") != 0))
                                return x_fail(s, -EBADMSG, "root element is not SyncML");
                        if (s->root && !s->cur) /* the iterator refuses it first */
                                return x_fail(s, -EBADMSG, "content after the SyncML element");
                        if (!name) {
                                /* A token no table names: an element under SyncBody then is an
                                 * unknown command (400), anywhere else a malformed message. */
                                snprintf(unknown, sizeof unknown, "WBXML-%u-%02X", t.page, t.id);
                                name = unknown;
                        }
                        r = node_open(s, name, t.page == 0 ? XNS_SYNCML : XNS_METINF);
                        if (r < 0)
                                return r;
                        break;
                }
                case WBXML_TOKEN_STRING:
                case WBXML_TOKEN_OPAQUE:
                        if (t.in_attr)
                                return x_fail(s, -EBADMSG, "attribute on a SyncML element (they have none)");
                        /* OPAQUE is taken as text too (AOSP sends Data and nonces that way),
                         * under the same rules as any text. */
                        if (!wbxml_text_ok(t.data, t.len))
                                return x_fail(s, -EBADMSG, "WBXML text is not UTF-8 text (NUL, control or bad sequence)");
                        r = node_text(s, t.data, t.len);
                        if (r < 0)
                                return r;
                        break;
                case WBXML_TOKEN_ENTITY: {
                        uint8_t u[4];
                        size_t n;

                        if (t.in_attr)
                                return x_fail(s, -EBADMSG, "attribute on a SyncML element (they have none)");
                        if (t.entity < 0x80) {
                                u[0] = (uint8_t) t.entity;
                                n = 1;
                        } else if (t.entity < 0x800) {
                                u[0] = (uint8_t) (0xC0 | t.entity >> 6);
                                u[1] = (uint8_t) (0x80 | (t.entity & 0x3F));
                                n = 2;
                        } else if (t.entity < 0x10000) {
                                u[0] = (uint8_t) (0xE0 | t.entity >> 12);
                                u[1] = (uint8_t) (0x80 | ((t.entity >> 6) & 0x3F));
                                u[2] = (uint8_t) (0x80 | (t.entity & 0x3F));
                                n = 3;
                        } else {
                                u[0] = (uint8_t) (0xF0 | t.entity >> 18);
                                u[1] = (uint8_t) (0x80 | ((t.entity >> 12) & 0x3F));
                                u[2] = (uint8_t) (0x80 | ((t.entity >> 6) & 0x3F));
                                u[3] = (uint8_t) (0x80 | (t.entity & 0x3F));
                                n = 4;
                        }
                        if (!wbxml_text_ok(u, n))
                                return x_fail(s, -EBADMSG, "WBXML entity is not a text character");
                        r = node_text(s, u, n);
                        if (r < 0)
                                return r;
                        break;
                }
                case WBXML_TOKEN_END:
                        node_close(s);
                        break;
                default: /* ATTR_START, ATTR_VALUE, ATTRS_END */
                        return x_fail(s, -EBADMSG, "attribute on a SyncML element (they have none)");
                }
        }
        if (!s->root || !s->root_closed)
                return x_fail(s, -EBADMSG, "no SyncML element");
        /* No namespace in WBXML: the version pass 2 checks against is the one VerDTD names. */
        s->version = DM_VERSION_1_2;
        if (s->root->first && is_name(s->root->first, "SyncHdr"))
                for (const XNode *c = s->root->first->first; c; c = c->next)
                        if (is_name(c, "VerDTD") && c->text && strcmp(c->text, "1.1") == 0)
                                s->version = DM_VERSION_1_1;
        return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Pass 2: the SyncML DM structure. */

typedef struct Walk {
        Arena *arena;
        DmMessage *m;
        size_t n_cmds;  /* commands so far, nested ones included */
        int r;
        const char *reason;
} Walk;

static int w_fail(Walk *w, int r, const char *reason) {
        if (w->r == 0) {
                w->r = r;
                w->reason = reason;
        }
        return r;
}

static bool is(const XNode *n, XNs ns, const char *name) {
        return n->ns == ns && strcmp(n->name, name) == 0;
}

/*
 * The text of a leaf element: no child element, at most @max octets (-E2BIG past it),
 * trimmed of XML white space unless @keep (Data keeps its bytes exactly).
 */
static int leaf(Walk *w, const XNode *n, size_t max, bool keep, const char **ret, size_t *ret_len) {
        const char *t = n->text ? n->text : "";
        size_t len = n->text_len;
        char *c;

        if (n->first)
                return w_fail(w, -EBADMSG, "element with markup where only text is allowed");
        if (!keep) {
                while (len > 0 && xml_space((uint8_t) *t))
                        t++, len--;
                while (len > 0 && xml_space((uint8_t) t[len - 1]))
                        len--;
        }
        if (len > max)
                return w_fail(w, -E2BIG,
                              max == DM_URI_MAX ? "URI longer than DM_URI_MAX" :
                              max == DM_DATA_MAX ? "Data longer than DM_DATA_MAX" :
                                                   "text longer than DM_STRING_MAX");
        c = arena_strndup(w->arena, t, len);
        if (!c)
                return w_fail(w, -ENOMEM, "out of memory");
        *ret = c;
        if (ret_len)
                *ret_len = len;
        return 0;
}

static int leaf_once(Walk *w, const XNode *n, size_t max, const char **ret) {
        if (*ret)
                return w_fail(w, -EBADMSG, "element repeated");
        return leaf(w, n, max, false, ret, NULL);
}

/* A container element: no text besides white space. */
static int container(Walk *w, const XNode *n) {
        if (n->has_text)
                return w_fail(w, -EBADMSG, "text inside an element that holds only elements");
        return 0;
}

static int empty_element(Walk *w, const XNode *n) {
        if (n->first || n->has_text)
                return w_fail(w, -EBADMSG, "content in an empty element (Final, NoResp, MoreData)");
        return 0;
}

/* Digits only, no sign, fits 32 bits. */
static int parse_u32(const char *s, uint32_t *ret) {
        uint64_t v = 0;

        if (!*s)
                return -EBADMSG;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > UINT32_MAX)
                        return -EBADMSG;
        }
        *ret = (uint32_t) v;
        return 0;
}

typedef struct MetaOut {
        const char *type, *format, *next_nonce, *max_msg_size;
} MetaOut;

/* Meta (MetaInfo §5): its content must be in namespace syncml:metinf. Type, Format,
 * MaxMsgSize and NextNonce are taken; the other MetInf elements are ignored. */
static int parse_meta(Walk *w, const XNode *meta, MetaOut *out) {
        static const char *const ignored[] = {
                "Anchor", "EMI", "FieldLevel", "FreeID", "FreeMem", "Last", "Mark", "MaxObjSize", "Mem",
                "MetInf", "Next", "SharedMem", "Size", "Version",
        };
        int r;

        r = container(w, meta);
        if (r < 0)
                return r;
        for (const XNode *c = meta->first; c; c = c->next) {
                bool known = false;

                if (c->ns != XNS_METINF)
                        return w_fail(w, -EBADMSG, "Meta content not in namespace syncml:metinf");
                if (strcmp(c->name, "Type") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &out->type);
                else if (strcmp(c->name, "Format") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &out->format);
                else if (strcmp(c->name, "NextNonce") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &out->next_nonce);
                else if (strcmp(c->name, "MaxMsgSize") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &out->max_msg_size);
                else {
                        for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
                                known = known || strcmp(c->name, ignored[i]) == 0;
                        if (!known)
                                return w_fail(w, -EBADMSG, "unknown element in Meta");
                        r = 0;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Target or Source: LocURI (required), LocName (optional). */
static int parse_loc(Walk *w, const XNode *n, const char **ret_uri, const char **ret_name) {
        const char *uri = NULL, *name = NULL;
        int r = container(w, n);

        if (r < 0)
                return r;
        for (const XNode *c = n->first; c; c = c->next) {
                if (is(c, XNS_SYNCML, "LocURI"))
                        r = leaf_once(w, c, DM_URI_MAX, &uri);
                else if (is(c, XNS_SYNCML, "LocName"))
                        r = leaf_once(w, c, DM_STRING_MAX, &name);
                else
                        r = w_fail(w, -EBADMSG, "unknown element in Target or Source");
                if (r < 0)
                        return r;
        }
        if (!uri)
                return w_fail(w, -EBADMSG, "Target or Source without LocURI");
        *ret_uri = uri;
        if (ret_name)
                *ret_name = name;
        return 0;
}

static int parse_item(Walk *w, const XNode *n, DmItem *it) {
        const char *ignored_name;
        bool seen_target = false, seen_source = false, seen_meta = false, seen_data = false;
        int r = container(w, n);

        if (r < 0)
                return r;
        for (const XNode *c = n->first; c; c = c->next) {
                if (c->ns != XNS_SYNCML)
                        return w_fail(w, -EBADMSG, "element of syncml:metinf outside Meta");
                if (strcmp(c->name, "Target") == 0) {
                        if (seen_target)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_target = true;
                        r = parse_loc(w, c, &it->target, &ignored_name);
                } else if (strcmp(c->name, "Source") == 0) {
                        if (seen_source)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_source = true;
                        r = parse_loc(w, c, &it->source, &ignored_name);
                } else if (strcmp(c->name, "Meta") == 0) {
                        MetaOut mo = {};

                        if (seen_meta)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_meta = true;
                        r = parse_meta(w, c, &mo);
                        it->meta_type = mo.type;
                        it->meta_format = mo.format;
                } else if (strcmp(c->name, "Data") == 0) {
                        if (seen_data)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_data = true;
                        /* Data is text only here: no nested markup (no TNDS, RepPro §5.1.7). */
                        r = leaf(w, c, DM_DATA_MAX, true, &it->data, &it->data_len);
                } else if (strcmp(c->name, "MoreData") == 0) {
                        r = empty_element(w, c);
                        it->more_data = true;
                } else if (strcmp(c->name, "SourceParent") == 0 || strcmp(c->name, "TargetParent") == 0) {
                        r = parse_loc(w, c, &ignored_name, NULL);
                } else
                        r = w_fail(w, -EBADMSG, "unknown element in Item");
                if (r < 0)
                        return r;
        }
        return 0;
}

static const struct {
        const char *name;
        DmCmdType type;
} cmd_names[] = {
        { "Add", DM_CMD_ADD },         { "Replace", DM_CMD_REPLACE }, { "Get", DM_CMD_GET },
        { "Delete", DM_CMD_DELETE },   { "Exec", DM_CMD_EXEC },       { "Copy", DM_CMD_COPY },
        { "Alert", DM_CMD_ALERT },     { "Sequence", DM_CMD_SEQUENCE }, { "Atomic", DM_CMD_ATOMIC },
        { "Status", DM_CMD_STATUS },   { "Results", DM_CMD_RESULTS },
};

const char *dm_cmd_type_name(DmCmdType t) {
        for (size_t i = 0; i < ELEMENTSOF(cmd_names); i++)
                if (cmd_names[i].type == t)
                        return cmd_names[i].name;
        return "Unknown";
}

static int parse_commands(Walk *w, const XNode *first, unsigned nesting, bool in_body, DmCommand **ret,
                          size_t *ret_n, bool *ret_final);

static int parse_chal(Walk *w, const XNode *n, DmCommand *cmd) {
        MetaOut mo = {};
        bool seen_meta = false;
        int r = container(w, n);

        if (r < 0)
                return r;
        for (const XNode *c = n->first; c; c = c->next) {
                if (!is(c, XNS_SYNCML, "Meta") || seen_meta)
                        return w_fail(w, -EBADMSG, "Chal holds one Meta and nothing else");
                seen_meta = true;
                r = parse_meta(w, c, &mo);
                if (r < 0)
                        return r;
        }
        cmd->has_chal = true;
        cmd->chal.type = mo.type;
        cmd->chal.format = mo.format;
        if (mo.next_nonce) {
                uint8_t *nonce = NULL;
                size_t len = 0;
                uint8_t *copy;

                /* Security §5.1.3.4 / RepPro §5.1.4: the nonce travels base64-encoded (Format
                 * b64); the digests use the decoded bytes. */
                if (mo.format && strcmp(mo.format, "b64") != 0)
                        return w_fail(w, -EBADMSG, "Chal with NextNonce but Format other than b64");
                r = dm_b64_decode(mo.next_nonce, &nonce, &len);
                if (r == -ENOMEM)
                        return w_fail(w, r, "out of memory");
                if (r < 0)
                        return w_fail(w, -EBADMSG, "NextNonce is not base64");
                if (len > DM_NONCE_MAX) {
                        free(nonce);
                        return w_fail(w, -E2BIG, "NextNonce longer than DM_NONCE_MAX");
                }
                copy = arena_alloc(w->arena, len + 1);
                if (!copy) {
                        free(nonce);
                        return w_fail(w, -ENOMEM, "out of memory");
                }
                memcpy(copy, nonce, len + 1);
                free(nonce);
                cmd->chal.next_nonce = copy;
                cmd->chal.next_nonce_len = len;
        }
        return 0;
}

/* Which children each command may have besides CmdID, NoResp, Meta (RepPro §5.5, §5.6). */
enum {
        ALLOW_ITEM = 1 << 0,
        ALLOW_DATA = 1 << 1,       /* Alert, Status */
        ALLOW_CORRELATOR = 1 << 2, /* Alert, Exec */
        ALLOW_REFS = 1 << 3,       /* Status, Results: MsgRef, CmdRef, TargetRef, SourceRef */
        ALLOW_STATUS = 1 << 4,     /* Cmd, Chal */
        ALLOW_CHILDREN = 1 << 5,   /* Sequence, Atomic */
        ALLOW_META = 1 << 6,
};

static unsigned allowed(DmCmdType t) {
        switch (t) {
        case DM_CMD_ADD:
        case DM_CMD_REPLACE:
        case DM_CMD_GET:
        case DM_CMD_DELETE:
        case DM_CMD_COPY:
                return ALLOW_ITEM | ALLOW_META;
        case DM_CMD_EXEC:
                return ALLOW_ITEM | ALLOW_META | ALLOW_CORRELATOR;
        case DM_CMD_ALERT:
                return ALLOW_ITEM | ALLOW_DATA | ALLOW_CORRELATOR;
        case DM_CMD_SEQUENCE:
        case DM_CMD_ATOMIC:
                return ALLOW_CHILDREN | ALLOW_META;
        case DM_CMD_STATUS:
                return ALLOW_ITEM | ALLOW_DATA | ALLOW_REFS | ALLOW_STATUS;
        case DM_CMD_RESULTS:
                return ALLOW_ITEM | ALLOW_REFS | ALLOW_META;
        default:
                return 0;
        }
}

static int parse_command(Walk *w, const XNode *n, DmCmdType type, unsigned nesting, DmCommand *cmd) {
        unsigned ok = allowed(type);
        const XNode *first_child_cmd = NULL;
        const char *ignored = NULL;
        size_t n_items = 0;
        bool seen_meta = false, seen_chal = false;
        int r;

        cmd->type = type;
        cmd->element = arena_strndup(w->arena, n->name, strlen(n->name));
        if (!cmd->element)
                return w_fail(w, -ENOMEM, "out of memory");

        if (type == DM_CMD_UNKNOWN) {
                /* Not a DM command (RepPro §5; Map, Put, Sync, Search or anything else): kept
                 * for a 400. Only its CmdID is read, the rest is skipped unread. */
                for (const XNode *c = n->first; c; c = c->next)
                        if (is(c, XNS_SYNCML, "CmdID") && !c->first) {
                                r = leaf_once(w, c, DM_STRING_MAX, &cmd->cmd_id);
                                if (r < 0)
                                        return r;
                        }
                return 0;
        }
        r = container(w, n);
        if (r < 0)
                return r;
        for (const XNode *c = n->first; c; c = c->next) {
                if (c->ns != XNS_SYNCML)
                        return w_fail(w, -EBADMSG, "element of syncml:metinf outside Meta");
                if (first_child_cmd)
                        break; /* everything from the first nested command on is a command */
                if (strcmp(c->name, "CmdID") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &cmd->cmd_id);
                else if (strcmp(c->name, "NoResp") == 0) {
                        r = empty_element(w, c);
                        cmd->no_resp = true;
                } else if (strcmp(c->name, "Cred") == 0)
                        /* RepPro §5.1.6 / DM Protocol §2.4: credentials only in SyncHdr. */
                        r = w_fail(w, -EBADMSG, "Cred inside a command (allowed only in SyncHdr)");
                else if (strcmp(c->name, "Meta") == 0 && (ok & ALLOW_META)) {
                        MetaOut mo = {};

                        if (seen_meta)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_meta = true;
                        r = parse_meta(w, c, &mo);
                        cmd->meta_type = mo.type;
                        cmd->meta_format = mo.format;
                } else if (strcmp(c->name, "Item") == 0 && (ok & ALLOW_ITEM)) {
                        n_items++;
                        if (n_items > DM_ITEMS_MAX)
                                return w_fail(w, -E2BIG, "more Items in a command than DM_ITEMS_MAX");
                        r = 0; /* second loop below */
                } else if (strcmp(c->name, "Data") == 0 && (ok & ALLOW_DATA)) {
                        r = leaf_once(w, c, DM_STRING_MAX, type == DM_CMD_ALERT ? &cmd->alert_code :
                                                                                   &cmd->status_code);
                } else if (strcmp(c->name, "Correlator") == 0 && (ok & ALLOW_CORRELATOR)) {
                        ignored = NULL;
                        r = leaf(w, c, DM_STRING_MAX, false, &ignored, NULL);
                } else if (strcmp(c->name, "MsgRef") == 0 && (ok & ALLOW_REFS))
                        r = leaf_once(w, c, DM_STRING_MAX, &cmd->msg_ref);
                else if (strcmp(c->name, "CmdRef") == 0 && (ok & ALLOW_REFS))
                        r = leaf_once(w, c, DM_STRING_MAX, &cmd->cmd_ref);
                else if ((strcmp(c->name, "TargetRef") == 0 || strcmp(c->name, "SourceRef") == 0) &&
                         (ok & ALLOW_REFS)) {
                        ignored = NULL;
                        r = leaf(w, c, DM_URI_MAX, false, &ignored, NULL);
                } else if (strcmp(c->name, "Cmd") == 0 && (ok & ALLOW_STATUS))
                        r = leaf_once(w, c, DM_STRING_MAX, &cmd->cmd);
                else if (strcmp(c->name, "Chal") == 0 && (ok & ALLOW_STATUS)) {
                        if (seen_chal)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_chal = true;
                        r = parse_chal(w, c, cmd);
                } else if (ok & ALLOW_CHILDREN) {
                        first_child_cmd = c;
                        r = 0;
                } else
                        r = w_fail(w, -EBADMSG, "unexpected element in a command");
                if (r < 0)
                        return r;
        }

        if (n_items > 0) {
                size_t i = 0;

                cmd->items = arena_alloc(w->arena, n_items * sizeof(DmItem));
                if (!cmd->items)
                        return w_fail(w, -ENOMEM, "out of memory");
                memset(cmd->items, 0, n_items * sizeof(DmItem));
                for (const XNode *c = n->first; c; c = c->next)
                        if (is(c, XNS_SYNCML, "Item")) {
                                r = parse_item(w, c, &cmd->items[i++]);
                                if (r < 0)
                                        return r;
                        }
                cmd->n_items = n_items;
        }
        if (type == DM_CMD_STATUS && (!cmd->cmd_ref || !cmd->cmd || !cmd->status_code))
                return w_fail(w, -EBADMSG, "Status without CmdRef, Cmd or Data");
        if (type == DM_CMD_SEQUENCE || type == DM_CMD_ATOMIC) {
                if (nesting >= DM_NESTING_MAX)
                        return w_fail(w, -E2BIG, "Sequence/Atomic nested deeper than DM_NESTING_MAX");
                if (first_child_cmd)
                        return parse_commands(w, first_child_cmd, nesting + 1, false, &cmd->children,
                                              &cmd->n_children, NULL);
        }
        return 0;
}

/* The commands from @first on (SyncBody's or a container's), and Final in SyncBody. */
static int parse_commands(Walk *w, const XNode *first, unsigned nesting, bool in_body, DmCommand **ret,
                          size_t *ret_n, bool *ret_final) {
        size_t n = 0, i = 0;
        bool final = false;
        int r;

        for (const XNode *c = first; c; c = c->next) {
                if (c->ns != XNS_SYNCML)
                        return w_fail(w, -EBADMSG, "element of syncml:metinf outside Meta");
                if (final)
                        return w_fail(w, -EBADMSG, "element after Final");
                if (in_body && strcmp(c->name, "Final") == 0) {
                        r = empty_element(w, c);
                        if (r < 0)
                                return r;
                        final = true;
                        continue;
                }
                n++;
        }
        /* DM_COMMANDS_MAX counts every command of the message, nested ones included. */
        if (n > DM_COMMANDS_MAX - w->n_cmds)
                return w_fail(w, -E2BIG, "more commands in a message than DM_COMMANDS_MAX");
        w->n_cmds += n;
        if (n > 0) {
                *ret = arena_alloc(w->arena, n * sizeof(DmCommand));
                if (!*ret)
                        return w_fail(w, -ENOMEM, "out of memory");
                memset(*ret, 0, n * sizeof(DmCommand));
        }
        for (const XNode *c = first; c; c = c->next) {
                DmCmdType type = DM_CMD_UNKNOWN;

                if (in_body && strcmp(c->name, "Final") == 0)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(cmd_names); k++)
                        if (strcmp(c->name, cmd_names[k].name) == 0)
                                type = cmd_names[k].type;
                r = parse_command(w, c, type, nesting, &(*ret)[i++]);
                if (r < 0)
                        return r;
        }
        *ret_n = n;
        if (ret_final)
                *ret_final = final;
        return 0;
}

static int parse_cred(Walk *w, const XNode *n, DmCred *cred) {
        bool seen_meta = false;
        int r = container(w, n);

        if (r < 0)
                return r;
        for (const XNode *c = n->first; c; c = c->next) {
                if (is(c, XNS_SYNCML, "Meta") && !seen_meta) {
                        MetaOut mo = {};

                        seen_meta = true;
                        r = parse_meta(w, c, &mo);
                        cred->type = mo.type;
                        cred->format = mo.format;
                } else if (is(c, XNS_SYNCML, "Data"))
                        r = leaf_once(w, c, DM_STRING_MAX, &cred->data);
                else
                        r = w_fail(w, -EBADMSG, "unexpected element in Cred");
                if (r < 0)
                        return r;
        }
        if (!cred->data)
                return w_fail(w, -EBADMSG, "Cred without Data");
        return 0;
}

static int parse_header(Walk *w, const XNode *h, DmVersion ns_version) {
        DmMessage *m = w->m;
        const char *ver_dtd = NULL, *ver_proto = NULL, *ignored = NULL;
        bool seen_target = false, seen_source = false, seen_meta = false;
        int r = container(w, h);

        if (r < 0)
                return r;
        for (const XNode *c = h->first; c; c = c->next) {
                if (c->ns != XNS_SYNCML)
                        return w_fail(w, -EBADMSG, "element of syncml:metinf outside Meta");
                if (strcmp(c->name, "VerDTD") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &ver_dtd);
                else if (strcmp(c->name, "VerProto") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &ver_proto);
                else if (strcmp(c->name, "SessionID") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &m->session_id);
                else if (strcmp(c->name, "MsgID") == 0)
                        r = leaf_once(w, c, DM_STRING_MAX, &m->msg_id);
                else if (strcmp(c->name, "Target") == 0) {
                        if (seen_target)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_target = true;
                        r = parse_loc(w, c, &m->target_uri, &ignored);
                } else if (strcmp(c->name, "Source") == 0) {
                        if (seen_source)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_source = true;
                        r = parse_loc(w, c, &m->source_uri, &m->source_locname);
                } else if (strcmp(c->name, "RespURI") == 0)
                        r = leaf_once(w, c, DM_URI_MAX, &m->resp_uri);
                else if (strcmp(c->name, "NoResp") == 0)
                        r = empty_element(w, c);
                else if (strcmp(c->name, "Cred") == 0) {
                        if (m->has_cred)
                                return w_fail(w, -EBADMSG, "element repeated");
                        m->has_cred = true;
                        r = parse_cred(w, c, &m->cred);
                } else if (strcmp(c->name, "Meta") == 0) {
                        MetaOut mo = {};

                        if (seen_meta)
                                return w_fail(w, -EBADMSG, "element repeated");
                        seen_meta = true;
                        r = parse_meta(w, c, &mo);
                        if (r == 0 && mo.max_msg_size && parse_u32(mo.max_msg_size, &m->max_msg_size) < 0)
                                r = w_fail(w, -EBADMSG, "MaxMsgSize is not a number");
                } else
                        r = w_fail(w, -EBADMSG, "unknown element in SyncHdr");
                if (r < 0)
                        return r;
        }
        if (!ver_dtd || !ver_proto || !m->session_id || !m->msg_id || !seen_target || !seen_source)
                return w_fail(w, -EBADMSG, "SyncHdr lacks VerDTD, VerProto, SessionID, MsgID, Target or Source");
        /* The version comes from VerDTD/VerProto and must agree with the namespace
         * (DM Protocol §2.3.3: 1.2 / DM/1.2; DM 1.1.2: 1.1 / DM/1.1). */
        if (ns_version == DM_VERSION_1_2 ? strcmp(ver_dtd, "1.2") != 0 || strcmp(ver_proto, "DM/1.2") != 0 :
                                           strcmp(ver_dtd, "1.1") != 0 || strcmp(ver_proto, "DM/1.1") != 0)
                return w_fail(w, -EOPNOTSUPP, "VerDTD/VerProto not 1.2 DM/1.2 (or 1.1 DM/1.1) as the namespace says");
        m->version = ns_version;
        return 0;
}

static int parse_root(Walk *w, const XNode *root, DmVersion v) {
        const XNode *hdr = root->first, *body = hdr ? hdr->next : NULL;
        int r = container(w, root);

        if (r < 0)
                return r;
        /* RepPro §5.1.17: SyncML holds SyncHdr then SyncBody, nothing else. */
        if (!hdr || !is(hdr, XNS_SYNCML, "SyncHdr") || !body || !is(body, XNS_SYNCML, "SyncBody") || body->next)
                return w_fail(w, -EBADMSG, "SyncML does not hold exactly SyncHdr then SyncBody");
        r = parse_header(w, hdr, v);
        if (r < 0)
                return r;
        r = container(w, body);
        if (r < 0)
                return r;
        return parse_commands(w, body->first, 0, true, &w->m->cmds, &w->m->n_cmds, &w->m->final);
}

static void set_err(char *err, size_t err_size, const char *reason) {
        if (err && err_size > 0)
                snprintf(err, err_size, "%s", reason ? reason : "malformed message");
}

int dm_message_parse(const uint8_t *buf, size_t len, DmMessage **ret, char *err, size_t err_size) {
        Arena tmp = {}, *arena = NULL;
        XState s = {};
        Walk w = {};
        DmMessage *m;
        int r;

        if (!ret)
                return -EINVAL;
        /* The size cap holds before the parser sees a byte. */
        if (len > DM_MESSAGE_MAX) {
                set_err(err, err_size, "message larger than DM_MESSAGE_MAX");
                return -E2BIG;
        }
        if (!buf || len == 0) {
                set_err(err, err_size, "empty message");
                return -EBADMSG;
        }

        /* A WBXML document starts with its version octet (WBXML 1.3 §5.4, 0x00-0x03); an XML
         * one never does (a NUL or control octet is refused there). */
        if (buf[0] <= 0x03)
                r = wbxml_to_tree(buf, len, &tmp, &s);
        else
                r = xml_to_tree(buf, len, &tmp, &s);
        if (r < 0) {
                set_err(err, err_size, s.reason);
                arena_free(&tmp);
                return r;
        }

        arena = calloc(1, sizeof(Arena));
        if (!arena) {
                arena_free(&tmp);
                set_err(err, err_size, "out of memory");
                return -ENOMEM;
        }
        m = arena_alloc(arena, sizeof(DmMessage));
        if (!m) {
                free(arena);
                arena_free(&tmp);
                set_err(err, err_size, "out of memory");
                return -ENOMEM;
        }
        memset(m, 0, sizeof *m);
        m->arena = arena;
        w.arena = arena;
        w.m = m;
        r = parse_root(&w, s.root, s.version);
        arena_free(&tmp);
        if (r < 0) {
                set_err(err, err_size, w.reason);
                dm_message_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

DmMessage *dm_message_free(DmMessage *m) {
        Arena *a;

        if (!m)
                return NULL;
        a = m->arena; /* m itself lives in the arena */
        arena_free(a);
        free(a);
        return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The writer. */

struct DmWriter {
        DmVersion version;
        char *buf; /* header, then the commands */
        size_t len, cap;
        unsigned next_cmd_id;
        uint32_t max_msg_size;
        bool finished, oom;
};

/* SECURITY: the buffer holds the Cred (B64(user:pw) for auth-basic, the MD5 digest otherwise):
 * it never goes through realloc(), which would leave the old copy in freed memory; every copy
 * is wiped before it is freed (here, in dm_writer_free, on the error paths). */
static void w_put(DmWriter *w, const char *s, size_t n) {
        if (w->oom)
                return;
        if (w->len + n + 1 > w->cap) {
                size_t cap = MAX(MAX(w->cap * 2, w->len + n + 1), (size_t) 1024);
                char *b = malloc(cap);

                if (!b) {
                        w->oom = true;
                        return;
                }
                if (w->buf) {
                        memcpy(b, w->buf, w->len + 1);
                        OPENSSL_cleanse(w->buf, w->cap);
                        free(w->buf);
                }
                w->buf = b;
                w->cap = cap;
        }
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len] = 0;
}

static void w_puts(DmWriter *w, const char *s) {
        w_put(w, s, strlen(s));
}

/* Short formatted pieces only (element names, numbers): never message text. */
_printf_(2, 3) static void w_printf(DmWriter *w, const char *fmt, ...) {
        char b[256];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(b, sizeof b, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof b) {
                w->oom = true;
                return;
        }
        w_put(w, b, (size_t) n);
}

/*
 * Whether @s can be written as XML character data: well-formed UTF-8 (utf8.h) and no control
 * character that XML 1.0 §2.2 forbids (every C0 but TAB, LF, CR).
 */
static bool xml_text_ok(const char *s) {
        return xml_char_data_ok((const uint8_t *) s, strlen(s));
}

/* Character data with the five XML special characters escaped (XML 1.0 §2.4). */
static void w_text(DmWriter *w, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '&':
                        w_puts(w, "&amp;");
                        break;
                case '<':
                        w_puts(w, "&lt;");
                        break;
                case '>':
                        w_puts(w, "&gt;");
                        break;
                case '"':
                        w_puts(w, "&quot;");
                        break;
                case '\'':
                        w_puts(w, "&apos;");
                        break;
                case '\r':
                        w_puts(w, "&#13;"); /* a raw CR would be normalised away (XML §2.11) */
                        break;
                default:
                        w_put(w, s, 1);
                }
}

/* <name>escaped text</name> */
static void w_elem(DmWriter *w, const char *name, const char *text) {
        w_printf(w, "<%s>", name);
        w_text(w, text);
        w_printf(w, "</%s>", name);
}

static void w_metinf(DmWriter *w, const char *name, const char *text) {
        w_printf(w, "<%s xmlns=\"" NS_METINF "\">", name);
        w_text(w, text);
        w_printf(w, "</%s>", name);
}

static void w_cmd_id(DmWriter *w) {
        w_printf(w, "<CmdID>%u</CmdID>", w->next_cmd_id++);
}

static int w_result(DmWriter *w) {
        if (w->oom)
                return -ENOMEM;
        return 0;
}

/* Every text the writer takes must be writable as XML (checked before anything is written,
 * so a refused call leaves the message as it was). */
static bool texts_ok(size_t n, ...) {
        va_list ap;
        bool ok = true;

        va_start(ap, n);
        for (size_t i = 0; i < n; i++) {
                const char *s = va_arg(ap, const char *);

                if (s && !xml_text_ok(s))
                        ok = false;
        }
        va_end(ap);
        return ok;
}

int dm_writer_new(DmVersion v, const char *session_id, unsigned msg_id, const char *target_uri,
                  const char *source_uri, const char *locname, const DmCred *cred, uint32_t max_msg_size,
                  DmWriter **ret) {
        DmWriter *w;

        if (!ret || !session_id || !target_uri || !source_uri || max_msg_size == 0 ||
            (v != DM_VERSION_1_1 && v != DM_VERSION_1_2) || (cred && (!cred->data || !cred->type)))
                return -EINVAL;
        if (!texts_ok(4, session_id, target_uri, source_uri, locname) ||
            (cred && !texts_ok(3, cred->type, cred->format, cred->data)))
                return -EINVAL;
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->version = v;
        w->max_msg_size = max_msg_size;
        w->next_cmd_id = 1;

        /* DM Protocol §2.3.3 / RepPro §5.2: the header elements in DTD order. */
        w_puts(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        w_puts(w, v == DM_VERSION_1_2 ? "<SyncML xmlns=\"" NS_SYNCML_1_2 "\"><SyncHdr><VerDTD>1.2</VerDTD>"
                                        "<VerProto>DM/1.2</VerProto>" :
                                        "<SyncML xmlns=\"" NS_SYNCML_1_1 "\"><SyncHdr><VerDTD>1.1</VerDTD>"
                                        "<VerProto>DM/1.1</VerProto>");
        w_elem(w, "SessionID", session_id);
        w_printf(w, "<MsgID>%u</MsgID>", msg_id);
        w_puts(w, "<Target>");
        w_elem(w, "LocURI", target_uri);
        w_puts(w, "</Target><Source>");
        w_elem(w, "LocURI", source_uri);
        if (locname)
                w_elem(w, "LocName", locname);
        w_puts(w, "</Source>");
        if (cred) {
                w_puts(w, "<Cred><Meta>");
                if (cred->format)
                        w_metinf(w, "Format", cred->format);
                w_metinf(w, "Type", cred->type);
                w_puts(w, "</Meta>");
                w_elem(w, "Data", cred->data);
                w_puts(w, "</Cred>");
        }
        w_printf(w, "<Meta><MaxMsgSize xmlns=\"" NS_METINF "\">%" PRIu32 "</MaxMsgSize></Meta>", max_msg_size);
        w_puts(w, "</SyncHdr><SyncBody>");
        if (w->oom) {
                dm_writer_free(w);
                return -ENOMEM;
        }
        *ret = w;
        return 0;
}

int dm_writer_status(DmWriter *w, const char *msg_ref, const char *cmd_ref, const char *cmd,
                     const char *target_ref, const char *source_ref, unsigned code, const DmChal *chal) {
        _cleanup_free_ char *nonce = NULL;

        if (!w || w->finished || !msg_ref || !cmd || code > 9999)
                return -EINVAL;
        if (!texts_ok(5, msg_ref, cmd_ref, cmd, target_ref, source_ref) ||
            (chal && !texts_ok(2, chal->type, chal->format)))
                return -EINVAL;
        if (chal && chal->next_nonce_len > 0) {
                if (!chal->next_nonce || chal->next_nonce_len > DM_NONCE_MAX)
                        return -EINVAL;
                if (dm_b64_encode(chal->next_nonce, chal->next_nonce_len, &nonce) < 0)
                        return -ENOMEM;
        }
        /* RepPro §5.5.19: CmdID, MsgRef, CmdRef, Cmd, TargetRef, SourceRef, Chal, Data. */
        w_puts(w, "<Status>");
        w_cmd_id(w);
        w_elem(w, "MsgRef", msg_ref);
        w_elem(w, "CmdRef", cmd_ref ? cmd_ref : "");
        w_elem(w, "Cmd", cmd);
        if (target_ref)
                w_elem(w, "TargetRef", target_ref);
        if (source_ref)
                w_elem(w, "SourceRef", source_ref);
        if (chal) {
                w_puts(w, "<Chal><Meta>");
                if (chal->type)
                        w_metinf(w, "Type", chal->type);
                if (chal->format)
                        w_metinf(w, "Format", chal->format);
                if (nonce)
                        w_metinf(w, "NextNonce", nonce);
                w_puts(w, "</Meta></Chal>");
        }
        w_printf(w, "<Data>%u</Data></Status>", code);
        return w_result(w);
}

int dm_writer_results(DmWriter *w, const char *msg_ref, const char *cmd_ref, const char *source_uri,
                      const char *meta_format, const char *meta_type, const char *data) {
        if (!w || w->finished || !msg_ref || !cmd_ref || !source_uri)
                return -EINVAL;
        if (!texts_ok(6, msg_ref, cmd_ref, source_uri, meta_format, meta_type, data))
                return -EINVAL;
        /* RepPro §5.5.17: CmdID, MsgRef, CmdRef, Item (Source, Meta, Data). */
        w_puts(w, "<Results>");
        w_cmd_id(w);
        w_elem(w, "MsgRef", msg_ref);
        w_elem(w, "CmdRef", cmd_ref);
        w_puts(w, "<Item><Source>");
        w_elem(w, "LocURI", source_uri);
        w_puts(w, "</Source>");
        if (meta_format || meta_type) {
                w_puts(w, "<Meta>");
                if (meta_format)
                        w_metinf(w, "Format", meta_format);
                if (meta_type)
                        w_metinf(w, "Type", meta_type);
                w_puts(w, "</Meta>");
        }
        if (data)
                w_elem(w, "Data", data);
        w_puts(w, "</Item></Results>");
        return w_result(w);
}

int dm_writer_alert(DmWriter *w, unsigned code) {
        if (!w || w->finished || code > 9999)
                return -EINVAL;
        w_puts(w, "<Alert>");
        w_cmd_id(w);
        w_printf(w, "<Data>%u</Data></Alert>", code);
        return w_result(w);
}

int dm_writer_replace(DmWriter *w, const char *const *source_uris, const char *const *values, size_t n) {
        if (!w || w->finished || !source_uris || !values || n == 0 || n > DM_ITEMS_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!source_uris[i] || !values[i] || !texts_ok(2, source_uris[i], values[i]))
                        return -EINVAL;
        w_puts(w, "<Replace>");
        w_cmd_id(w);
        for (size_t i = 0; i < n; i++) {
                w_puts(w, "<Item><Source>");
                w_elem(w, "LocURI", source_uris[i]);
                w_puts(w, "</Source>");
                w_elem(w, "Data", values[i]);
                w_puts(w, "</Item>");
        }
        w_puts(w, "</Replace>");
        return w_result(w);
}

int dm_writer_finish(DmWriter *w, bool final, uint8_t **ret_buf, size_t *ret_len) {
        if (!w || w->finished || !ret_buf || !ret_len)
                return -EINVAL;
        w->finished = true;
        if (final)
                w_puts(w, "<Final/>");
        w_puts(w, "</SyncBody></SyncML>");
        if (w->oom)
                return -ENOMEM;
        /* We advertise max_msg_size and must never send more ourselves (RepPro §5.6.11). */
        if (w->len > w->max_msg_size)
                return -E2BIG;
        *ret_buf = (uint8_t *) TAKE_PTR(w->buf);
        *ret_len = w->len;
        w->len = w->cap = 0;
        return 0;
}

DmWriter *dm_writer_free(DmWriter *w) {
        if (!w)
                return NULL;
        if (w->buf)
                OPENSSL_cleanse(w->buf, w->cap); /* the Cred (w_put) */
        free(w->buf);
        free(w);
        return NULL;
}
