/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpdoc.h: the OMA Client Provisioning document model (OMA-WAP-ProvCont 1.1):
 * a wap-provisioningdoc holding nested characteristics with parms.
 *
 * Built from WBXML (cpdoc_from_wbxml, over the PROV token tables of wbxml.c) or
 * from the text XML form (cpdoc_from_xml, libxml2 with network, DTD loading and
 * entity substitution off). Neither builder validates against the ProvCont schema;
 * cpdoc_validate does that from a data table (schema.c), keeping unknown
 * characteristics and parms but flagging them.
 *
 * All strings of a document live in one arena owned by the CpDoc; they are valid
 * UTF-8 without NUL or control characters other than TAB/LF/CR.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decode-error.h"

/* Limits on what any document may hold (R8). */
#define CPDOC_DEPTH_MAX 8U               /* characteristic nesting (PROV needs <= 4) */
#define CPDOC_CHARACTERISTICS_MAX 2048U  /* characteristics in one document */
#define CPDOC_PARMS_MAX 8192U            /* parms in one document */
#define CPDOC_NAME_MAX 64U               /* characteristic type / parm name, bytes */
#define CPDOC_VALUE_MAX 4096U            /* parm value, bytes (a base64 DER certificate fits) */
/*
 * Decoded strings per document: the octets of every version, type, name and value string the
 * builder stores (NULs not counted), whichever front end decoded them; CpDoc.n_decoded. The
 * input size limits below do not bound this: WBXML can name one string-table entry of up to
 * CPDOC_VALUE_MAX octets with a two-octet STR_T reference (WBXML 1.3 5.7) as often as it likes,
 * and a 53 KB body of 8,192 such parms decoded into 33.6 MB of strings, 38 MB of peak RSS
 * (issue 9 finding 8). This one does:
 * a document's arena holds at most CPDOC_DECODED_MAX string octets plus the nodes the count
 * limits above allow (about 1 MiB in all), whatever the input.
 *
 * 192 KiB, because every legitimate document we know of fits with room to spare:
 *  - the typical document (bench/data/cp-typical, 830 B WBXML) decodes to 1,046 octets, and the
 *    64 KB one (cp-large: 4,999 elements, twice any SMS push, docs/testing.md §6.1) to
 *    80,265: 2.4 times headroom; honest WBXML decodes to about 1.25 times its size, so a body of
 *    IPC_BODY_MAX (64 KiB) would have to expand 3 times to reach it;
 *  - certificates: 64 certificate nodes (verifierd's CERTSTORE_OPS_MAX per document) with
 *    EncodedCertificate values of up to 2,990 base64 octets each (about 2,240 DER octets; an
 *    RSA-4096 certificate is about 1.4 KB), or 47 of CPDOC_VALUE_MAX;
 *  - text XML never expands (no entities: markup and references only shrink), so only an XML
 *    document larger than 192 KiB can reach it, i.e. a signed package of up to PACKAGE_SIZE_MAX
 *    (256 KiB) that is nearly all strings.
 * Over it, decoding stops with -E2BIG and a DecodeError naming CPDOC_DECODED_MAX (malformed).
 */
#define CPDOC_DECODED_MAX (192U * 1024U)
#define CPDOC_XML_SIZE_MAX (256U * 1024U)   /* text XML input */
#define CPDOC_WBXML_SIZE_MAX (128U * 1024U) /* WBXML input */

/* Flags set by cpdoc_validate. */
enum {
        CP_FLAG_UNKNOWN = 1U << 0,     /* type or parm name not in the schema: kept, never applied */
        CP_FLAG_MISPLACED = 1U << 1,   /* known type in a place the schema does not allow */
};

typedef struct CpParm CpParm;
typedef struct CpCharacteristic CpCharacteristic;

struct CpParm {
        const char *name;
        const char *value;     /* NULL when the parm has no value attribute (flag parms) */
        unsigned flags;
        unsigned name_len;     /* strlen(name) (<= CPDOC_NAME_MAX), so the validator need not count */
        CpParm *next;
};

struct CpCharacteristic {
        const char *type;
        unsigned flags;
        unsigned type_len;             /* strlen(type) (<= CPDOC_NAME_MAX) */
        CpParm *parms;                 /* in document order */
        CpCharacteristic *children;    /* in document order */
        CpCharacteristic *next;
        CpCharacteristic *parent;
        unsigned n_parms, n_children;
        CpCharacteristic *last_child_; /* private to the builder */
        CpParm **parm_tail_;           /* private to the builder: where the next parm links */
};

typedef enum CpDocSource {
        CPDOC_SOURCE_WBXML,
        CPDOC_SOURCE_XML,
} CpDocSource;

typedef struct CpDoc {
        CpDocSource source;
        const char *version;           /* wap-provisioningdoc version attribute, or NULL */
        CpCharacteristic *chars;       /* root-level characteristics, in document order */
        unsigned n_chars;              /* root-level */
        unsigned n_total_chars, n_total_parms;
        unsigned n_decoded;            /* octets of decoded strings, <= CPDOC_DECODED_MAX */
        /* WBXML header facts (source == CPDOC_SOURCE_WBXML) */
        uint8_t wbxml_version;         /* 0x00..0x03 */
        uint32_t public_id;            /* 0x0B, 0x01, vendor, or 0 when given by string table */
        const char *public_id_text;    /* when given through the string table, else NULL */
        uint32_t charset;              /* IANA MIBenum, 0 when absent (WBXML 1.0) */
        size_t strtbl_len;
        void *arena;                   /* private */
} CpDoc;

/*
 * cpdoc_from_wbxml - decode a WBXML 1.x PROV document.
 * Return: 0; -EBADMSG malformed (bad token, bad string-table reference, truncation, unknown
 *   token); -EOPNOTSUPP wrong public id, charset or version; -E2BIG over a CPDOC_* or WBXML_*
 *   limit (CPDOC_DECODED_MAX included); -ENOMEM.
 */
int cpdoc_from_wbxml(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err);

/*
 * cpdoc_from_xml - decode the text XML form (libxml2, no network, no DTD, no entities;
 *   a DOCTYPE declaring entities is rejected).
 * Return: as cpdoc_from_wbxml.
 */
int cpdoc_from_xml(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err);

/* Pick by sniffing: a '<' (after optional BOM/whitespace) means XML, else WBXML. */
int cpdoc_from_bytes(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err);

CpDoc *cpdoc_free(CpDoc *d);

/*
 * cpdoc_validate - check the document against the ProvCont schema table: value syntaxes,
 *   required parms, cardinalities, placement. Unknown types and parms are flagged
 *   (CP_FLAG_UNKNOWN), never dropped.
 * Return: 0 valid (possibly with flagged elements); -EBADMSG with err naming the element.
 */
int cpdoc_validate(CpDoc *d, DecodeError *err);

/* Where cpdoc_validate_ex found the first violation (schema.c). */
#define CPDOC_PATH_MAX 512U
typedef struct CpDocValidateError {
        const CpCharacteristic *characteristic; /* the characteristic the rule applies to */
        const CpParm *parm;                     /* the offending parm; NULL when one is missing */
        const char *parm_name;                  /* static schema name of a missing parm, else NULL */
        /*
         * The element path, e.g. "/APPLICATION[2]/APPAUTH[1]/@AAUTHLEVEL[1]": each step is a
         * type with its 1-based position among same-type siblings, "@NAME[n]" a parm. Built from
         * document strings: bytes outside printable ASCII and the characters / [ ] @ \ are
         * written as \xHH, so it is one printable line; truncated with "..." at CPDOC_PATH_MAX.
         */
        char path[CPDOC_PATH_MAX];
} CpDocValidateError;

/*
 * cpdoc_validate_ex - cpdoc_validate, and on -EBADMSG also fill ret (when not NULL) with the
 *   element path of the violation. ret is left untouched on success.
 * Return: as cpdoc_validate.
 */
int cpdoc_validate_ex(CpDoc *d, DecodeError *err, CpDocValidateError *ret);

/*
 * cpdoc_path - write the path of c (NULL: the document), followed by parm p when not NULL,
 *   in the CpDocValidateError.path form.
 * Return: the length written (always < size; size must be > 3).
 */
size_t cpdoc_path(const CpDoc *d, const CpCharacteristic *c, const CpParm *p, char *buf, size_t size);

/* Lookup helpers (first match), NULL when absent. */
const CpParm *cpdoc_find_parm(const CpCharacteristic *c, const char *name);
const char *cpdoc_parm_value(const CpCharacteristic *c, const char *name);

/*
 * cpdoc_parm_is_password() - is @name (a ProvCont parm name, any case) one whose value is a
 * password or authentication secret: a name containing "SECRET" (AAUTHSECRET, AUTHSECRET),
 * "PASSWORD" or "-PW" (PXAUTH-PW, PROXY-PW, BASAUTH-PW), ending in "PW" (CLIENTPW), or AAUTHDATA
 * (OMA-TS-DM_StdObj-V1_2 §7.1.3.1.22-23). The one predicate of every place that hides such
 * values (verifierd's D-Bus settings rows, the DM tree's Get). NULL: false.
 */
bool cpdoc_parm_is_password(const char *name);

/* Printers: indented XML (same shape as wbxml2xml), and JSON. Return: 0 or -errno from stdio. */
int cpdoc_print_xml(const CpDoc *d, FILE *f);
int cpdoc_print_json(const CpDoc *d, FILE *f);
