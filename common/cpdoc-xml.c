/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpdoc-xml.c: the text XML front end of the CP document model (cpdoc_from_xml). The
 * wap-provisioningdoc of OMA-WAP-ProvCont 1.1 (docs/wire-notes.md §4.1) arrives as
 * text/vnd.wap.connectivity-xml (wire 2.3, 6) and goes through libxml2's SAX2 parser
 * straight into the CpDoc builder, so the builder's depth, count, length and string limits
 * bite while parsing, not after a tree was built. libxml2 runs with network access off, no
 * DTD loading, no entity substitution and no HUGE limits; every DTD declaration, every
 * entity reference other than the five predefined ones and character references, every
 * namespace, and every element, attribute or text node that the PROV DTD does not have is
 * rejected. Errors go to a per-parse structured handler, never to stderr, and the thread's
 * libxml2 "last error" is left as the caller had it. No logging here (R7).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "cpdoc-builder.h"
#include "macros.h"
#include "xml-precheck.h"

/* Open elements: the root, CPDOC_DEPTH_MAX characteristics, one parm. */
#define XML_ELEMENTS_OPEN_MAX (CPDOC_DEPTH_MAX + 2U)
/* How far into the document the XML declaration is looked for (XMLDecl, XML 1.0 2.8). */

typedef enum XmlElement {
        XML_ELEMENT_ROOT,
        XML_ELEMENT_CHARACTERISTIC,
        XML_ELEMENT_PARM,
} XmlElement;

typedef struct XmlState {
        xmlParserCtxtPtr ctxt;
        size_t len;             /* of the input, to keep offsets inside it */
        CpDoc *doc;
        int r;                  /* first failure, 0 while all is well */
        const char *reason;     /* static text */
        size_t offset;
        unsigned n_open;
        uint8_t open[XML_ELEMENTS_OPEN_MAX];
        bool root_seen, root_closed;
} XmlState;

static size_t xml_offset(const XmlState *s) {
        long n = s->ctxt ? xmlByteConsumed(s->ctxt) : -1;

        return n > 0 ? MIN((size_t) n, s->len) : 0;
}

/* Record the first failure and stop the parser: no callback after this one does anything. */
static int xml_fail(XmlState *s, int r, const char *reason) {
        if (s->r == 0) {
                s->r = r;
                s->reason = reason;
                s->offset = xml_offset(s);
        }
        xmlStopParser(s->ctxt);
        return r;
}

static const char reason_entity[] =
        "entity reference (only the five predefined entities and character references)";
static const char reason_namespace[] = "namespaces are not allowed in a provisioning document";
/* The builder refused a string for CPDOC_DECODED_MAX (cpdoc.h). */
static const char reason_decoded[] = "document's decoded strings over CPDOC_DECODED_MAX";

/*
 * The SAX user data is our state, not the parser context: libxml2 then never falls back to
 * its own tree-builder entity lookup (xmlSAX2GetEntity), which it does when userData == ctxt.
 */
static XmlState *xml_state(void *ctx) {
        return ctx;
}

static bool streq(const xmlChar *a, const char *b) {
        return strcmp((const char *) a, b) == 0;
}

/*
 * Copy an attribute value as SAX2 hands it over ([v, end), already normalised, character
 * references and the predefined entities resolved) into buf. Without XML_PARSE_NOENT libxml2
 * writes every '&' of an attribute value as the five bytes "&#38;" so that a tree builder can
 * re-parse it; undo exactly that. No other '&' can be there: entity declarations are refused
 * below, so an entity can never expand into a value.
 * Return: 0; -E2BIG longer than CPDOC_VALUE_MAX; -EBADMSG an unexpected '&'.
 */
static int attr_value(const xmlChar *v, const xmlChar *end, char *buf, size_t *ret_len) {
        size_t n = 0;

        while (v < end) {
                char c = (char) *v;

                if (c == '&') {
                        if ((size_t) (end - v) < 5 || memcmp(v, "&#38;", 5) != 0)
                                return -EBADMSG;
                        v += 5;
                } else
                        v++;
                if (n >= CPDOC_VALUE_MAX)
                        return -E2BIG;
                buf[n++] = c;
        }
        buf[n] = 0;
        *ret_len = n;
        return 0;
}

/* wap-provisioningdoc [version] (ProvCont 4.1). */
static int start_root(XmlState *s, const xmlChar *name, int n_attrs, const xmlChar **attrs) {
        char buf[CPDOC_VALUE_MAX + 1];

        if (!streq(name, "wap-provisioningdoc"))
                return xml_fail(s, -EBADMSG, "root element is not wap-provisioningdoc (ProvCont 4.1)");
        for (int i = 0; i < n_attrs; i++) {
                const xmlChar **a = attrs + 5 * i;
                size_t len;
                int r;

                if (!streq(a[0], "version"))
                        return xml_fail(s, -EBADMSG, "unknown attribute on wap-provisioningdoc");
                r = attr_value(a[3], a[4], buf, &len);
                if (r == 0)
                        r = cpdoc_builder_version(s->doc, buf, len);
                if (r == -E2BIG && cpdoc_builder_decoded_over(s->doc))
                        return xml_fail(s, r, reason_decoded);
                if (r < 0)
                        return xml_fail(s, r, r == -E2BIG ? "version attribute too long (CPDOC_NAME_MAX)" :
                                        r == -ENOMEM ? "out of memory" : "invalid version attribute");
        }
        s->root_seen = true;
        s->open[s->n_open++] = XML_ELEMENT_ROOT;
        return 0;
}

/* characteristic type= (required) ; ProvCont 4.1. */
static int start_characteristic(XmlState *s, int n_attrs, const xmlChar **attrs) {
        char buf[CPDOC_VALUE_MAX + 1];
        bool have_type = false;
        size_t len = 0;
        int r;

        for (int i = 0; i < n_attrs; i++) {
                const xmlChar **a = attrs + 5 * i;

                if (!streq(a[0], "type"))
                        return xml_fail(s, -EBADMSG, "unknown attribute on characteristic");
                r = attr_value(a[3], a[4], buf, &len);
                if (r < 0)
                        return xml_fail(s, r, r == -E2BIG ? "characteristic type too long (CPDOC_NAME_MAX)" :
                                        "invalid characteristic type");
                have_type = true;
        }
        if (!have_type)
                return xml_fail(s, -EBADMSG, "characteristic without type attribute (ProvCont 4.1)");
        r = cpdoc_builder_open(s->doc, buf, len);
        if (r == -E2BIG && cpdoc_builder_decoded_over(s->doc))
                return xml_fail(s, r, reason_decoded);
        if (r < 0)
                return xml_fail(s, r,
                                r == -E2BIG ? "characteristic over a limit (CPDOC_DEPTH_MAX, "
                                              "CPDOC_CHARACTERISTICS_MAX or CPDOC_NAME_MAX)" :
                                r == -ENOMEM ? "out of memory" : "invalid characteristic type");
        s->open[s->n_open++] = XML_ELEMENT_CHARACTERISTIC;
        return 0;
}

/* parm name= (required) value= (optional), no content ; ProvCont 4.1. */
static int start_parm(XmlState *s, int n_attrs, const xmlChar **attrs) {
        char name[CPDOC_VALUE_MAX + 1], value[CPDOC_VALUE_MAX + 1];
        bool have_name = false, have_value = false;
        size_t name_len = 0, value_len = 0;
        int r;

        for (int i = 0; i < n_attrs; i++) {
                const xmlChar **a = attrs + 5 * i;

                if (streq(a[0], "name")) {
                        r = attr_value(a[3], a[4], name, &name_len);
                        if (r < 0)
                                return xml_fail(s, r, r == -E2BIG ? "parm name too long (CPDOC_NAME_MAX)" :
                                                "invalid parm name");
                        have_name = true;
                } else if (streq(a[0], "value")) {
                        r = attr_value(a[3], a[4], value, &value_len);
                        if (r < 0)
                                return xml_fail(s, r, r == -E2BIG ? "parm value too long (CPDOC_VALUE_MAX)" :
                                                "invalid parm value");
                        have_value = true;
                } else
                        return xml_fail(s, -EBADMSG, "unknown attribute on parm");
        }
        if (!have_name)
                return xml_fail(s, -EBADMSG, "parm without name attribute (ProvCont 4.1)");
        r = cpdoc_builder_parm(s->doc, name, name_len, have_value ? value : NULL, value_len);
        if (r == -E2BIG && cpdoc_builder_decoded_over(s->doc))
                return xml_fail(s, r, reason_decoded);
        if (r < 0)
                return xml_fail(s, r,
                                r == -E2BIG ? "parm over a limit (CPDOC_PARMS_MAX, CPDOC_NAME_MAX or "
                                              "CPDOC_VALUE_MAX)" :
                                r == -ENOMEM ? "out of memory" : "invalid parm name or value");
        s->open[s->n_open++] = XML_ELEMENT_PARM;
        return 0;
}

static int start_element(XmlState *s, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                         int n_namespaces, int n_attrs, const xmlChar **attrs) {
        if (s->r < 0)
                return s->r;
        /* The PROV DTD has no namespaces; a prefixed name is never one of its elements. */
        if (prefix || uri || n_namespaces > 0)
                return xml_fail(s, -EBADMSG, reason_namespace);
        for (int i = 0; i < n_attrs; i++)
                if (attrs[5 * i + 1] || attrs[5 * i + 2])
                        return xml_fail(s, -EBADMSG, reason_namespace);
        if (s->n_open == 0) {
                if (s->root_seen)
                        return xml_fail(s, -EBADMSG, "content after the root element");
                return start_root(s, localname, n_attrs, attrs);
        }
        if (s->open[s->n_open - 1] == XML_ELEMENT_PARM)
                return xml_fail(s, -EBADMSG, "parm has content (it is EMPTY in the PROV DTD)");
        /* Cannot trigger: the builder refuses the characteristic past CPDOC_DEPTH_MAX first. */
        if (s->n_open >= XML_ELEMENTS_OPEN_MAX)
                return xml_fail(s, -E2BIG, "nesting over CPDOC_DEPTH_MAX");
        if (streq(localname, "characteristic"))
                return start_characteristic(s, n_attrs, attrs);
        if (streq(localname, "parm"))
                return start_parm(s, n_attrs, attrs);
        return xml_fail(s, -EBADMSG, "unknown element (only characteristic and parm, ProvCont 4.1)");
}

static void sax_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                              int n_namespaces, const xmlChar **namespaces, int n_attrs, int n_defaulted,
                              const xmlChar **attrs) {
        (void) start_element(xml_state(ctx), localname, prefix, uri, n_namespaces, n_attrs, attrs);
}

static void sax_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
        XmlState *s = xml_state(ctx);
        int r;

        if (s->r < 0 || s->n_open == 0)
                return;
        switch (s->open[--s->n_open]) {
        case XML_ELEMENT_CHARACTERISTIC:
                r = cpdoc_builder_close(s->doc);
                if (r < 0)
                        xml_fail(s, r, "unbalanced characteristic");
                break;
        case XML_ELEMENT_ROOT:
                s->root_closed = true;
                break;
        default:
                break;
        }
}

/* Text, CDATA and whitespace callbacks: PROV elements hold no text (ProvCont 4.1). */
static void sax_text(void *ctx, const xmlChar *ch, int len) {
        XmlState *s = xml_state(ctx);

        if (s->r < 0)
                return;
        for (int i = 0; i < len; i++)
                if (ch[i] != ' ' && ch[i] != '\t' && ch[i] != '\n' && ch[i] != '\r') {
                        xml_fail(s, -EBADMSG, "text content is not allowed (only whitespace)");
                        return;
                }
}

/*
 * The DOCTYPE. Its external subset is never fetched or read (no DTDLOAD, no externalSubset
 * or resolveEntity callback, NONET), so the public PROV DOCTYPE costs nothing. Its name must
 * be the PROV root.
 */
static void sax_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                                const xmlChar *system_id) {
        XmlState *s = xml_state(ctx);

        if (s->r < 0)
                return;
        if (!name || !streq(name, "wap-provisioningdoc"))
                xml_fail(s, -EBADMSG, "DOCTYPE does not name wap-provisioningdoc");
}

/*
 * Any declaration in an internal subset is refused as soon as it is parsed, and nothing is
 * ever stored: no entity exists, so none can be expanded (billion laughs) or fetched (XXE).
 */
static void sax_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                            const xmlChar *system_id, xmlChar *content) {
        xml_fail(xml_state(ctx), -EBADMSG, "DOCTYPE declares an entity");
}

static void sax_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                     const xmlChar *system_id, const xmlChar *notation) {
        xml_fail(xml_state(ctx), -EBADMSG, "DOCTYPE declares an entity");
}

static void sax_notation_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                              const xmlChar *system_id) {
        xml_fail(xml_state(ctx), -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_attribute_decl(void *ctx, const xmlChar *elem, const xmlChar *fullname, int type, int def,
                               const xmlChar *default_value, xmlEnumerationPtr tree) {
        xmlFreeEnumeration(tree); /* the callback owns it */
        xml_fail(xml_state(ctx), -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_element_decl(void *ctx, const xmlChar *name, int type, xmlElementContentPtr content) {
        xml_fail(xml_state(ctx), -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_comment(void *ctx, const xmlChar *value) {
        XmlState *s = xml_state(ctx);

        if (s->ctxt->inSubset == 1)
                xml_fail(s, -EBADMSG, "DOCTYPE internal subset is not allowed");
}

static void sax_pi(void *ctx, const xmlChar *target, const xmlChar *data) {
        XmlState *s = xml_state(ctx);

        if (s->ctxt->inSubset == 1)
                xml_fail(s, -EBADMSG, "DOCTYPE internal subset is not allowed");
}

/*
 * Entity lookups. libxml2 resolves the five predefined entities itself before asking; any
 * call here is a reference to some other entity, which is refused. Returning NULL means the
 * reference resolves to nothing even if a later check were to miss it.
 */
static xmlEntityPtr sax_get_entity(void *ctx, const xmlChar *name) {
        xml_fail(xml_state(ctx), -EBADMSG, reason_entity);
        return NULL;
}

static void sax_reference(void *ctx, const xmlChar *name) {
        xml_fail(xml_state(ctx), -EBADMSG, reason_entity);
}

static const char *xml_error_reason(int code) {
        switch (code) {
        case XML_ERR_UNDECLARED_ENTITY:
        case XML_WAR_UNDECLARED_ENTITY:
        case XML_ERR_ENTITY_LOOP:
        case XML_ERR_ENTITYREF_SEMICOL_MISSING:
        case XML_ERR_ENTITYREF_NO_NAME:
                return reason_entity;
        case XML_ERR_INVALID_CHAR:
        case XML_ERR_INVALID_ENCODING:
        case XML_ERR_INVALID_CHARREF:
        case XML_ERR_INVALID_DEC_CHARREF:
        case XML_ERR_INVALID_HEX_CHARREF:
                return "invalid character or UTF-8 sequence";
        case XML_ERR_DOCUMENT_EMPTY:
                return "empty document";
        case XML_ERR_DOCUMENT_END:
                return "content after the root element";
        case XML_ERR_TAG_NAME_MISMATCH:
        case XML_ERR_TAG_NOT_FINISHED:
                return "mismatched or unclosed element";
        case XML_ERR_ATTRIBUTE_REDEFINED:
                return "duplicate attribute";
        case XML_ERR_NO_MEMORY:
                return "out of memory";
        default:
                if (code >= XML_NS_ERR_XML_NAMESPACE && code <= XML_NS_ERR_COLON)
                        return reason_namespace;
                return "XML is not well-formed";
        }
}

/*
 * The per-parse structured error handler: libxml2 never prints, and every error and every
 * warning but "unknown XML version" ends the parse (an undeclared entity is only a warning
 * when a DOCTYPE names an external subset, and libxml2 would then drop it from a value).
 */
static void sax_error(void *ctx, xmlErrorPtr e) {
        XmlState *s = xml_state(ctx);

        if (!s || !e)
                return;
        if (e->level == XML_ERR_WARNING && e->code == XML_WAR_UNKNOWN_VERSION)
                return;
        xml_fail(s, e->code == XML_ERR_NO_MEMORY ? -ENOMEM : -EBADMSG, xml_error_reason(e->code));
}

static const xmlSAXHandler xml_sax = {
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
        .startElementNs = sax_start_element,
        .endElementNs = sax_end_element,
        .serror = sax_error,
        /* resolveEntity, externalSubset: NULL, nothing is ever loaded. warning, error,
         * fatalError: NULL, serror gets everything. */
};

/*
 * Before libxml2 sees a byte: the document is decoded as UTF-8 only (WSP charset 106, wire
 * 3.1), so iconv never runs on untrusted input. A UTF-16/UCS-4/EBCDIC signature, a NUL byte
 * or an XML declaration naming another encoding is refused; libxml2 is then told to ignore
 * the declaration (XML_PARSE_IGNORE_ENC), and invalid UTF-8 fails in the parser and again
 * in the builder's string rules.
 */
static int xml_precheck(const uint8_t *buf, size_t len, DecodeError *err) {
        const char *reason = NULL;
        size_t offset = 0;
        int r;

        r = xml_precheck_utf8(buf, len, &offset, &reason);
        return r < 0 ? decode_fail(err, "xml", offset, reason, r) : 0;
}

int cpdoc_from_xml(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err) {
        XmlState s = { .len = len };
        xmlError saved = {};
        bool had_error;
        int r;

        /* R8: the size cap holds before the parser sees a byte. */
        if (len > CPDOC_XML_SIZE_MAX)
                return decode_fail(err, "xml", 0, "XML document larger than CPDOC_XML_SIZE_MAX", -E2BIG);
        if (!buf || len == 0)
                return decode_fail(err, "xml", 0, "empty document", -EBADMSG);
        r = xml_precheck(buf, len, err);
        if (r < 0)
                return r;

        xmlInitParser();
        r = cpdoc_builder_new(&s.doc, CPDOC_SOURCE_XML);
        if (r < 0)
                return decode_fail(err, "xml", 0, "out of memory", r);

        /* Keep the thread's libxml2 "last error" as the caller left it. */
        had_error = xmlGetLastError() && xmlCopyError(xmlGetLastError(), &saved) == 0;

        s.ctxt = xmlCreateMemoryParserCtxt((const char *) buf, (int) len);
        if (!s.ctxt) {
                r = decode_fail(err, "xml", 0, "out of memory", -ENOMEM);
                goto finish;
        }
        /*
         * Our handlers replace the tree builder's in the context's own copy (libxml2 2.9 gives
         * every context one and frees it with the context); never write into the process-wide
         * default handler.
         */
        if (!s.ctxt->sax || (const void *) s.ctxt->sax == (const void *) &xmlDefaultSAXHandler) {
                xmlSAXHandler *h = xmlMalloc(sizeof(xmlSAXHandler));

                if (!h) {
                        xmlFreeParserCtxt(s.ctxt);
                        r = decode_fail(err, "xml", 0, "out of memory", -ENOMEM);
                        goto finish;
                }
                s.ctxt->sax = h;
        }
        *s.ctxt->sax = xml_sax;
        s.ctxt->userData = &s;
        (void) xmlCtxtUseOptions(s.ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
        /*
         * Whatever defaults the process set globally (xmlSubstituteEntitiesDefault,
         * xmlLoadExtDtdDefaultValue, ...): no entity substitution, no DTD loading or
         * validation, no HUGE limits.
         */
        s.ctxt->replaceEntities = 0;
        s.ctxt->loadsubset = 0;
        s.ctxt->validate = 0;
        s.ctxt->options &= ~(XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR | XML_PARSE_DTDVALID |
                             XML_PARSE_HUGE | XML_PARSE_RECOVER);
        s.ctxt->recovery = 0;

        (void) xmlParseDocument(s.ctxt);

        if (s.r < 0)
                r = decode_fail(err, "xml", s.offset, s.reason, s.r);
        else if (!s.ctxt->wellFormed)
                r = decode_fail(err, "xml", xml_offset(&s), "XML is not well-formed", -EBADMSG);
        else if (!s.root_seen || !s.root_closed)
                r = decode_fail(err, "xml", xml_offset(&s), "no wap-provisioningdoc element", -EBADMSG);
        else if (cpdoc_builder_finish(s.doc) < 0)
                r = decode_fail(err, "xml", xml_offset(&s), "unbalanced characteristic", -EBADMSG);
        else
                r = 0;

        /*
         * libxml2 builds a throw-away document of its own when it meets an entity declaration
         * ("expat compatibility in SAX mode"); the parse stopped right there, free it.
         */
        if (s.ctxt->myDoc) {
                xmlFreeDoc(s.ctxt->myDoc);
                s.ctxt->myDoc = NULL;
        }
        xmlFreeParserCtxt(s.ctxt);
finish:
        xmlResetLastError();
        if (had_error) {
                xmlCopyError(&saved, &xmlLastError);
                xmlResetError(&saved);
        }
        if (r < 0) {
                cpdoc_free(s.doc);
                return r;
        }
        *ret = s.doc;
        return 0;
}
