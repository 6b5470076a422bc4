/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * schema.c: the ProvCont content model (OMA-WAP-ProvCont 1.1 as in docs/wire-notes.md §4, the
 * value tokens of 3.5-3.7, and the CertificateStore shape of docs/trust-boundary.md §1.8) as one
 * static table, and cpdoc_validate, the one generic walker over it (docs/conventions.md §8, in the
 * style of iwd's REQUIRED()/OPTIONAL() tables). Each characteristic type lists where it may
 * appear, its parms with cardinality and value syntax; APPLICATION adds a per-APPID table.
 *
 * Decisions, for every consumer of the flags:
 * - Unknown characteristic types, unknown APPIDs, the 2005+ types this receiver does not
 *   support (BEARERINFO, DNS-ADDRINFO, the WLAN family) and unknown parms are kept and flagged
 *   CP_FLAG_UNKNOWN, never an error, never dropped. A flagged characteristic's whole subtree
 *   is flagged with it and not validated: nothing under it may ever be applied.
 * - A known type in a place the table does not allow (PXPHYSICAL at the root, NAPDEF inside
 *   APPLICATION) is flagged CP_FLAG_MISPLACED, with its subtree, and is NOT an error: ProvCont
 *   4.1 ignores what it cannot place, and the policy layer decides whether a document holding
 *   flagged elements is acceptable. A flagged element is never applied.
 * - Inside a characteristic that is known and in place, a value that breaks its syntax, a
 *   missing required parm, a known parm over its cardinality, a PXLOGICAL without PXPHYSICAL,
 *   or a certificate node not named by a SHA-1 thumbprint is -EBADMSG: the document is wrong
 *   where we understand it, and the whole document is refused (docs/trust-boundary.md §1.6).
 * - Vendor parms inside VENDORCONFIG are legitimate and not flagged; unknown parms anywhere
 *   else (including APPLICATION parms not registered for its APPID) are flagged.
 * - Tolerance for real senders: NAPDEF NAME and PXLOGICAL NAME are optional; PROVIDER-ID is
 *   optional for w7 (docs/testing.md §5.1); PXADDR/NAP-ADDRESS/ADDR take the syntax their *ADDRTYPE
 *   sibling selects and a lenient one when it is absent; SERVICE under an APPADDR PORT is
 *   free text (senders put port numbers there); RESOURCE URI may be relative (DS databases);
 *   a flag parm may carry an empty value; APPADDR ADDRTYPE is matched ignoring case.
 * Names and values are otherwise case-sensitive (ProvCont 4.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cpdoc.h"
#include "macros.h"
#include "schema.h"

/* ---- value syntaxes ----------------------------------------------------------------- */

typedef enum Syntax {
        SYN_TEXT,        /* anything the document string rules admit */
        SYN_FLAG,        /* no value (or an empty one) */
        SYN_ENUM,        /* one of .values */
        SYN_UINT,        /* decimal in [.min, .max] */
        SYN_UINT_OR_ENUM,
        SYN_TOKEN,
        SYN_TOKEN_LIST,
        SYN_URI,
        SYN_URI_REF,
        SYN_URI_OR_HOST,
        SYN_HOST,
        SYN_IP,
        SYN_IPV4,
        SYN_IPV6,
        SYN_E164,
        SYN_APN,
        SYN_BASE64,
        _SYN_MAX,
} Syntax;

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool schema_valid_uint(const char *s, uint32_t min, uint32_t max) {
        uint64_t v = 0;
        size_t n = 0;

        for (; s[n]; n++) {
                if (!is_digit(s[n]) || n >= 10)
                        return false;
                v = v * 10 + (uint64_t) (s[n] - '0');
        }
        return n > 0 && v >= min && v <= max;
}

/* Octet classes (bits) for the hot syntax loops; NUL is in no class. */
enum {
        CC_URI = 1U << 0, /* RFC 3986 2.2/2.3: ALPHA, DIGIT, unreserved, gen-delims, sub-delims */
        CC_PCT = 1U << 1, /* '%': must be followed by two hex digits (RFC 3986 2.1) */
        CC_APN = 1U << 2, /* [A-Za-z0-9._-], NetworkManager's APN characters */
};

static const uint8_t char_class[256] = {
        ['A' ... 'Z'] = CC_URI | CC_APN, ['a' ... 'z'] = CC_URI | CC_APN, ['0' ... '9'] = CC_URI | CC_APN,
        /* unreserved */
        ['-'] = CC_URI | CC_APN, ['.'] = CC_URI | CC_APN, ['_'] = CC_URI | CC_APN, ['~'] = CC_URI,
        /* gen-delims */
        [':'] = CC_URI, ['/'] = CC_URI, ['?'] = CC_URI, ['#'] = CC_URI, ['['] = CC_URI, [']'] = CC_URI,
        ['@'] = CC_URI,
        /* sub-delims */
        ['!'] = CC_URI, ['$'] = CC_URI, ['&'] = CC_URI, ['\''] = CC_URI, ['('] = CC_URI, [')'] = CC_URI,
        ['*'] = CC_URI, ['+'] = CC_URI, [','] = CC_URI, [';'] = CC_URI, ['='] = CC_URI,
        ['%'] = CC_PCT,
};

static inline unsigned char_class_of(char c) {
        return char_class[(uint8_t) c];
}

/* Every octet a URI character or a percent-encoding (RFC 3986 2.1-2.3). */
static bool uri_chars(const char *s) {
        for (size_t i = 0;; i++) {
                unsigned k = char_class_of(s[i]);

                if (k & CC_URI)
                        continue;
                if (!(k & CC_PCT))
                        return s[i] == 0;
                if (!is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                        return false;
                i += 2;
        }
}

bool schema_valid_uri(const char *s) {
        size_t i = 0;

        /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1) */
        if (!is_alpha(s[0]))
                return false;
        while (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
                i++;
        if (s[i] != ':' || s[i + 1] == 0)
                return false;
        return uri_chars(s);
}

bool schema_valid_uri_ref(const char *s) {
        return s[0] && uri_chars(s);
}

bool schema_valid_ipv4(const char *s) {
        struct in_addr a;

        return inet_pton(AF_INET, s, &a) == 1;
}

bool schema_valid_ipv6(const char *s) {
        struct in6_addr a;

        return inet_pton(AF_INET6, s, &a) == 1;
}

static bool valid_dns_name(const char *s) {
        size_t len = strlen(s), label = 0;

        if (len > 0 && s[len - 1] == '.')
                len--;
        if (len == 0 || len > 253)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                        continue;
                }
                if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
                        return false;
                if (++label > 63)
                        return false;
        }
        return label > 0;
}

bool schema_valid_host(const char *s) {
        size_t len = strlen(s);

        if (len >= 2 && s[0] == '[' && s[len - 1] == ']' && len - 2 < 64) {
                char a[64];

                memcpy(a, s + 1, len - 2);
                a[len - 2] = 0;
                return schema_valid_ipv6(a);
        }
        return schema_valid_ipv4(s) || schema_valid_ipv6(s) || valid_dns_name(s);
}

bool schema_valid_e164(const char *s) {
        size_t n = 0;

        if (*s == '+')
                s++;
        for (; s[n]; n++)
                if (!is_digit(s[n]))
                        return false;
        return n >= 1 && n <= 20;
}

bool schema_valid_apn(const char *s) {
        size_t n = 0;

        for (; s[n]; n++)
                if (n >= 64 || !(char_class_of(s[n]) & CC_APN))
                        return false;
        return true;
}

bool schema_valid_base64(const char *s) {
        size_t n = 0, pad = 0;

        for (; *s; s++) {
                char c = *s;

                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                        continue;
                if (c == '=') {
                        pad++;
                } else {
                        if (pad > 0)
                                return false; /* data after padding */
                        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/')
                                return false;
                }
                n++;
        }
        return n > 0 && n % 4 == 0 && pad <= 2;
}

bool schema_valid_thumbprint(const char *s) {
        size_t n = 0;

        for (; s[n]; n++)
                if (n >= 40 || !is_hex(s[n]))
                        return false;
        return n == 40;
}

bool schema_valid_token(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7F)
                        return false;
        return true;
}

bool schema_valid_token_list(const char *s) {
        size_t tok = 0;

        while (*s == ' ')
                s++;
        for (; *s; s++) {
                if (*s == ',') {
                        if (tok == 0)
                                return false;
                        tok = 0;
                        while (s[1] == ' ')
                                s++;
                } else if (*s == ' ') {
                        while (s[1] == ' ')
                                s++;
                        if (s[1] != ',' && s[1] != 0)
                                return false;
                } else if (is_alpha(*s) || is_digit(*s) || *s == '-' || *s == '_' || *s == '.')
                        tok++;
                else
                        return false;
        }
        return tok > 0;
}

/* ---- the table ------------------------------------------------------------------------ */

typedef enum Card {
        CARD_OPT,   /* 0..1 */
        CARD_ONE,   /* 1 */
        CARD_MANY,  /* 0..* */
        CARD_SOME,  /* 1..* */
} Card;

/* A name of the schema with its length, for length-first comparisons (NM, NAMELEN). */
typedef struct SchemaName {
        const char *s;
        uint8_t len;
} SchemaName;

typedef struct SchemaVariant {
        const char *when;       /* value of the selector parm */
        uint8_t syntax;
} SchemaVariant;

typedef struct SchemaParm {
        const char *name;
        uint8_t name_len;       /* strlen(name), from NAMELEN() */
        uint8_t card;
        uint8_t syntax;         /* also the default when a selector is absent or unmatched */
        bool value_optional;    /* may also appear without a value (ACCESS RULE) */
        bool icase;             /* enum and selector values matched ignoring case */
        uint32_t min, max;
        const SchemaName *values;        /* SYN_ENUM, SYN_UINT_OR_ENUM; NAMES_END-terminated */
        const char *selector;            /* sibling parm whose value picks the syntax */
        const SchemaVariant *variants;   /* terminated by .when == NULL */
} SchemaParm;

#define SCHEMA_PARMS_MAX 64U /* check_parms keeps one bit per table entry in a uint64_t */

enum {
        SCHEMA_ROOT = 1U << 0,          /* may appear at the document root */
        SCHEMA_VENDOR_PARMS = 1U << 1,  /* any other parm is a legitimate vendor parm */
        SCHEMA_UNSUPPORTED = 1U << 2,   /* known, not supported: flagged CP_FLAG_UNKNOWN */
        SCHEMA_APPLICATION = 1U << 3,   /* parms also from the APPID table */
        SCHEMA_THUMBPRINT_CHILDREN = 1U << 4, /* every child is named by a SHA-1 thumbprint */
};

typedef struct SchemaType {
        const char *type;               /* NULL: any name that is a SHA-1 thumbprint */
        uint8_t type_len;               /* strlen(type), from NAMELEN(); 0 when type is NULL */
        unsigned flags;
        const SchemaName *parents;      /* allowed parent types, NAMES_END-terminated */
        const SchemaParm *parms;
        size_t n_parms;
        const char *required_child;     /* at least one child of this type */
} SchemaType;

typedef struct SchemaApp {
        const char *appid;
        const SchemaParm *parms;
        size_t n_parms;
} SchemaApp;

/* Length of a string literal, at compile time; anything but a literal does not compile. The
 * uint8_t length fields hold it (-Woverflow catches a longer name; CPDOC_NAME_MAX is 64). */
#define NAMELEN(s) (sizeof(s "") - 1)

#define NM(str) { .s = (str), .len = NAMELEN(str) }
#define NAMES_END { .s = NULL, .len = 0 }

#define ONE(n, ...) { .name = (n), .name_len = NAMELEN(n), .card = CARD_ONE, __VA_ARGS__ }
#define OPT(n, ...) { .name = (n), .name_len = NAMELEN(n), .card = CARD_OPT, __VA_ARGS__ }
#define MANY(n, ...) { .name = (n), .name_len = NAMELEN(n), .card = CARD_MANY, __VA_ARGS__ }
#define SOME(n, ...) { .name = (n), .name_len = NAMELEN(n), .card = CARD_SOME, __VA_ARGS__ }

#define TEXT .syntax = SYN_TEXT
#define FLAG .syntax = SYN_FLAG
#define TOKEN .syntax = SYN_TOKEN
#define ENUM(v) .syntax = SYN_ENUM, .values = (v)
#define UINT(lo, hi) .syntax = SYN_UINT, .min = (lo), .max = (hi)
#define SELECT(def, sel, var) .syntax = (def), .selector = (sel), .variants = (var)

#define PARMS(id, ...)                                                                   \
        static const SchemaParm id[] = { __VA_ARGS__ };                                 \
        _Static_assert(ELEMENTSOF(id) <= SCHEMA_PARMS_MAX, #id " over SCHEMA_PARMS_MAX")

#define LIST(...) ((const SchemaName[]) { __VA_ARGS__, NAMES_END })

/* Value tokens, docs/wire-notes.md §3.7 (cp0/cp1 attribute values), ProvCont 4.2. */
static const SchemaName nap_addrtypes[] = {
        NM("IPV4"), NM("IPV6"), NM("E164"), NM("ALPHA"), NM("APN"), NM("SCODE"), NM("TETRA-ITSI"),
        NM("MAN"), NAMES_END,
};
static const SchemaName px_addrtypes[] = {
        NM("IPV4"), NM("IPV6"), NM("E164"), NM("ALPHA"), NM("SCODE"), NM("TETRA-ITSI"), NM("MAN"),
        NAMES_END,
};
static const SchemaName app_addrtypes[] = {
        NM("IPV4"), NM("IPV6"), NM("E164"), NM("ALPHA"), NM("APN"), NM("SCODE"), NM("TETRA-ITSI"),
        NM("MAN"), NM("URI"), NAMES_END,
};
static const SchemaName local_addrtypes[] = { NM("IPV4"), NM("IPV6"), NAMES_END };
static const SchemaName bearers[] = {
        NM("GSM-USSD"), NM("GSM-SMS"), NM("ANSI-136-GUTS"), NM("IS-95-CDMA-SMS"),
        NM("IS-95-CDMA-CSD"), NM("IS-95-CDMA-PACKET"), NM("ANSI-136-CSD"), NM("ANSI-136-GPRS"),
        NM("GSM-CSD"), NM("GSM-GPRS"), NM("AMPS-CDPD"), NM("PDC-CSD"), NM("PDC-PACKET"),
        NM("IDEN-SMS"), NM("IDEN-CSD"), NM("IDEN-PACKET"), NM("FLEX/REFLEX"), NM("PHS-SMS"),
        NM("PHS-CSD"), NM("TETRA-SDS"), NM("TETRA-PACKET"), NM("ANSI-136-GHOST"),
        NM("MOBITEX-MPAK"), NM("CDMA2000-1X-SIMPLE-IP"), NM("CDMA2000-1X-MOBILE-IP"), NM("3G-GSM"),
        NM("WLAN"), /* 2005+ (wire 3.7) */
        NAMES_END,
};
static const SchemaName calltypes[] = {
        NM("ANALOG-MODEM"), NM("V.120"), NM("V.110"), NM("X.31"), NM("BIT-TRANSPARENT"),
        NM("DIRECT-ASYNCHRONOUS-DATA-SERVICE"), NAMES_END,
};
static const SchemaName linkspeeds[] = { NM("AUTOBAUDING"), NAMES_END };
static const SchemaName authtypes[] = { NM("PAP"), NM("CHAP"), NM("MD5"), NAMES_END };
static const SchemaName auth_entities[] = { NM("AAA"), NM("HA"), NAMES_END };
static const SchemaName pxauth_types[] = {
        NM("HTTP-BASIC"), NM("HTTP-DIGEST"), NM("WTLS-SS"), NAMES_END,
};
static const SchemaName px_services[] = {
        NM("CL-WSP"), NM("CO-WSP"), NM("CL-SEC-WSP"), NM("CO-SEC-WSP"), NM("CL-SEC-WTA"),
        NM("CO-SEC-WTA"), NM("OTA-HTTP-TO"), NM("OTA-HTTP-TLS-TO"), NM("OTA-HTTP-PO"),
        NM("OTA-HTTP-TLS-PO"), NAMES_END,
};
/* APPSRV, OBEX (cp1 8D/8E); CLIENT for the server's credentials (wire 4.3). */
static const SchemaName aauthlevels[] = { NM("APPSRV"), NM("CLIENT"), NM("OBEX"), NAMES_END };
static const SchemaName dm_encodings[] = {
        NM("application/vnd.syncml.dm+xml"), NM("application/vnd.syncml.dm+wbxml"), NAMES_END,
};

/* The *ADDRTYPE sibling picks the address syntax (ProvCont 4.2). */
static const SchemaVariant nap_address_by_type[] = {
        { "APN", SYN_APN }, { "IPV4", SYN_IPV4 }, { "IPV6", SYN_IPV6 }, { "E164", SYN_E164 },
        { NULL, 0 },
};
static const SchemaVariant pxaddr_by_type[] = {
        { "IPV4", SYN_IPV4 }, { "IPV6", SYN_IPV6 }, { "E164", SYN_E164 }, { "ALPHA", SYN_HOST },
        { "SCODE", SYN_TEXT }, { "TETRA-ITSI", SYN_TEXT }, { "MAN", SYN_TEXT },
        { NULL, 0 },
};
static const SchemaVariant local_addr_by_type[] = {
        { "IPV4", SYN_IPV4 }, { "IPV6", SYN_IPV6 }, { NULL, 0 },
};
static const SchemaVariant app_addr_by_type[] = {
        { "IPV4", SYN_IPV4 }, { "IPV6", SYN_IPV6 }, { "E164", SYN_E164 }, { "ALPHA", SYN_HOST },
        { "APN", SYN_APN }, { "URI", SYN_URI }, { "SCODE", SYN_TEXT }, { "TETRA-ITSI", SYN_TEXT },
        { "MAN", SYN_TEXT }, { NULL, 0 },
};

/* ProvCont 4.2 PXLOGICAL */
PARMS(pxlogical_parms,
      ONE("PROXY-ID", TEXT),
      OPT("PROXY-PW", TEXT),
      OPT("PPGAUTH-TYPE", ENUM(pxauth_types)),
      OPT("PROXY-PROVIDER-ID", TEXT),
      OPT("NAME", TEXT),
      MANY("DOMAIN", TEXT),
      OPT("TRUST", FLAG),
      OPT("MASTER", FLAG),
      OPT("STARTPAGE", .syntax = SYN_URI),
      OPT("BASAUTH-ID", TEXT),
      OPT("BASAUTH-PW", TEXT),
      OPT("WSP-VERSION", TOKEN),
      OPT("PUSHENABLED", UINT(0, 1)),
      OPT("PULLENABLED", UINT(0, 1)));

/* ProvCont 4.2 PXPHYSICAL */
PARMS(pxphysical_parms,
      ONE("PHYSICAL-PROXY-ID", TEXT),
      MANY("DOMAIN", TEXT),
      ONE("PXADDR", SELECT(SYN_HOST, "PXADDRTYPE", pxaddr_by_type)),
      OPT("PXADDRTYPE", ENUM(px_addrtypes)),
      OPT("PXADDR-FQDN", .syntax = SYN_HOST),
      OPT("WSP-VERSION", TOKEN),
      OPT("PUSHENABLED", UINT(0, 1)),
      OPT("PULLENABLED", UINT(0, 1)),
      SOME("TO-NAPID", TEXT));

/* ProvCont 4.2 PORT, inside a proxy: SERVICE from the cp0 tokens CA..D3. */
PARMS(px_port_parms,
      ONE("PORTNBR", UINT(0, 65535)),
      MANY("SERVICE", ENUM(px_services)));

/* PORT inside APPADDR: SERVICE is application-defined (e-mail senders put "995" there). */
PARMS(app_port_parms,
      ONE("PORTNBR", UINT(0, 65535)),
      MANY("SERVICE", TEXT));

/* ProvCont 4.2 PXAUTHINFO */
PARMS(pxauthinfo_parms,
      ONE("PXAUTH-TYPE", ENUM(pxauth_types)),
      OPT("PXAUTH-ID", TEXT),
      OPT("PXAUTH-PW", TEXT));

/* ProvCont 4.2 NAPDEF; the 3GPP QoS codes are kept as tokens. */
PARMS(napdef_parms,
      ONE("NAPID", TEXT),
      MANY("BEARER", ENUM(bearers)),
      OPT("NAME", TEXT),
      OPT("INTERNET", FLAG),
      ONE("NAP-ADDRESS", SELECT(SYN_TEXT, "NAP-ADDRTYPE", nap_address_by_type)),
      OPT("NAP-ADDRTYPE", ENUM(nap_addrtypes)),
      MANY("DNS-ADDR", .syntax = SYN_IP),
      OPT("CALLTYPE", ENUM(calltypes)),
      OPT("LOCAL-ADDR", SELECT(SYN_IP, "LOCAL-ADDRTYPE", local_addr_by_type)),
      OPT("LOCAL-ADDRTYPE", ENUM(local_addrtypes)),
      OPT("LINKSPEED", .syntax = SYN_UINT_OR_ENUM, .min = 0, .max = UINT32_MAX, .values = linkspeeds),
      OPT("DNLINKSPEED", .syntax = SYN_UINT_OR_ENUM, .min = 0, .max = UINT32_MAX, .values = linkspeeds),
      OPT("LINGER", UINT(0, UINT32_MAX)),
      OPT("DELIVERY-ERR-SDU", TOKEN),
      OPT("DELIVERY-ORDER", TOKEN),
      OPT("TRAFFIC-CLASS", TOKEN),
      OPT("MAX-SDU-SIZE", TOKEN),
      OPT("MAX-BITRATE-UPLINK", TOKEN),
      OPT("MAX-BITRATE-DNLINK", TOKEN),
      OPT("RESIDUAL-BER", TOKEN),
      OPT("SDU-ERROR-RATIO", TOKEN),
      OPT("TRAFFIC-HANDL-PRIO", TOKEN),
      OPT("TRANSFER-DELAY", TOKEN),
      OPT("GUARANTEED-BITRATE-UPLINK", TOKEN),
      OPT("GUARANTEED-BITRATE-DNLINK", TOKEN),
      OPT("MAX-NUM-RETRY", UINT(0, UINT32_MAX)),
      OPT("FIRST-RETRY-TIMEOUT", UINT(0, UINT32_MAX)),
      OPT("REREG-THRESHOLD", UINT(0, UINT32_MAX)),
      OPT("T-BIT", FLAG));

/* ProvCont 4.2 NAPAUTHINFO */
PARMS(napauthinfo_parms,
      ONE("AUTHTYPE", ENUM(authtypes)),
      OPT("AUTHNAME", TEXT),
      OPT("AUTHSECRET", TEXT),
      MANY("AUTH-ENTITY", ENUM(auth_entities)),
      OPT("SPI", TOKEN));

/* ProvCont 4.2 VALIDITY; COUNTRY is an MCC. */
PARMS(validity_parms,
      OPT("COUNTRY", UINT(0, 999)),
      OPT("NETWORK", TEXT),
      OPT("SID", TEXT),
      OPT("SOC", TEXT),
      OPT("VALIDUNTIL", UINT(0, UINT32_MAX)));

/* ProvCont 4.2 BOOTSTRAP (wire 4.2 semantics). */
PARMS(bootstrap_parms,
      OPT("NAME", TEXT),
      MANY("NETWORK", TEXT),
      OPT("COUNTRY", UINT(0, 999)),
      MANY("PROXY-ID", TEXT),
      OPT("PROVURL", .syntax = SYN_URI),
      OPT("CONTEXT-ALLOW", UINT(0, 255)));

PARMS(clientidentity_parms,
      ONE("CLIENT-ID", TEXT));

PARMS(vendorconfig_parms,
      ONE("NAME", TEXT));

/* ProvCont 4.2 APPLICATION, parms for every APPID (APPREF/TO-APPREF: 2005+ cp1 3C/3D). */
PARMS(application_parms,
      ONE("APPID", TOKEN),
      OPT("PROVIDER-ID", TEXT),
      OPT("NAME", TEXT),
      OPT("AACCEPT", TEXT),
      OPT("APROTOCOL", TEXT),
      MANY("TO-PROXY", TEXT),
      MANY("TO-NAPID", TEXT),
      MANY("ADDR", .syntax = SYN_URI_OR_HOST),
      OPT("APPREF", TEXT),
      MANY("TO-APPREF", TEXT));

PARMS(appaddr_parms,
      ONE("ADDR", SELECT(SYN_URI_OR_HOST, "ADDRTYPE", app_addr_by_type), .icase = true),
      OPT("ADDRTYPE", ENUM(app_addrtypes), .icase = true));

/* AAUTHTYPE: "HTTP-BASIC,HTTP-DIGEST", "DIGEST", "HMAC" ... (cp1 90-93 compose it). */
PARMS(appauth_parms,
      OPT("AAUTHLEVEL", ENUM(aauthlevels)),
      OPT("AAUTHTYPE", .syntax = SYN_TOKEN_LIST),
      OPT("AAUTHNAME", TEXT),
      OPT("AAUTHSECRET", TEXT),
      OPT("AAUTHDATA", TEXT));

PARMS(resource_parms,
      ONE("URI", .syntax = SYN_URI_REF),
      OPT("NAME", TEXT),
      OPT("AACCEPT", TEXT),
      OPT("AAUTHTYPE", .syntax = SYN_TOKEN_LIST),
      OPT("AAUTHNAME", TEXT),
      OPT("AAUTHSECRET", TEXT),
      OPT("AAUTHDATA", TEXT),
      OPT("STARTPAGE", FLAG));

/* ProvCont 4.2 ACCESS; RULE may come without a value. */
PARMS(access_parms,
      MANY("RULE", TEXT, .value_optional = true),
      MANY("APPID", TOKEN),
      MANY("PORTNBR", UINT(0, 65535)),
      MANY("DOMAIN", TEXT),
      MANY("TO-NAPID", TEXT),
      MANY("TO-PROXY", TEXT));

/* docs/trust-boundary.md §1.8: EncodedCertificate (base64 DER) and Role (decimal role mask). */
PARMS(certificate_parms,
      ONE("EncodedCertificate", .syntax = SYN_BASE64),
      OPT("Role", UINT(0, 8191)));

/* ---- APPID registrations (wire 4.3, 4.4) ---- */

/* w4 MMS: OMNA registration parms. */
PARMS(app_w4_parms,
      OPT("CM", TOKEN),
      OPT("RM", TOKEN),
      OPT("MS", TEXT),
      OPT("PC-ADDR", TEXT),
      OPT("Ma", TEXT));

/* w7 OMA DM, with the Microsoft extension parms (docs/trust-boundary.md §1.5, wire 4.3); Microsoft
 * spells the back-off parms both ways. */
PARMS(app_w7_parms,
      OPT("ROLE", UINT(0, 8191)),
      OPT("INIT", FLAG),
      OPT("BACKCOMPATRETRYDISABLED", FLAG),
      OPT("CONNRETRYFREQ", UINT(0, UINT32_MAX)),
      OPT("DEFAULTENCODING", ENUM(dm_encodings)),
      OPT("INITIALBACKOFFTIME", UINT(0, UINT32_MAX)),
      OPT("INITIALBACKOFTIME", UINT(0, UINT32_MAX)),
      OPT("MAXBACKOFFTIME", UINT(0, UINT32_MAX)),
      OPT("MAXBACKOFTIME", UINT(0, UINT32_MAX)),
      OPT("PROTOVER", TOKEN),
      OPT("USEHWDEVID", FLAG),
      OPT("SSLCLIENTCERTSEARCHCRITERIA", TEXT));

/* 25 SMTP, 110 POP3, 143 IMAP4. */
PARMS(app_email_parms,
      OPT("FROM", TEXT),
      OPT("RT-ADDR", TEXT),
      OPT("CIDPREFIX", TEXT),
      OPT("SERVICES", TEXT));

/* 554 RTSP streaming. */
PARMS(app_554_parms,
      OPT("MAX-BANDWIDTH", UINT(0, UINT32_MAX)),
      MANY("NETINFO", TEXT),
      OPT("MIN-UDP-PORT", UINT(0, 65535)),
      OPT("MAX-UDP-PORT", UINT(0, 65535)));

static const SchemaApp schema_apps[] = {
        { "w2", NULL, 0 },      /* browser: RESOURCE children carry the bookmarks */
        { "w4", app_w4_parms, ELEMENTSOF(app_w4_parms) },
        { "w5", NULL, 0 },      /* SyncML DS */
        { "w7", app_w7_parms, ELEMENTSOF(app_w7_parms) },
        { "25", app_email_parms, ELEMENTSOF(app_email_parms) },
        { "110", app_email_parms, ELEMENTSOF(app_email_parms) },
        { "143", app_email_parms, ELEMENTSOF(app_email_parms) },
        { "554", app_554_parms, ELEMENTSOF(app_554_parms) },
};

#define T(t, f, par, p)                                                                              \
        { .type = (t), .type_len = NAMELEN(t), .flags = (f), .parents = (par), .parms = (p),          \
          .n_parms = ELEMENTSOF(p) }
#define T0(t, f, par) { .type = (t), .type_len = NAMELEN(t), .flags = (f), .parents = (par) }
/* A type named by any SHA-1 thumbprint (40 hex digits) rather than by one name. */
#define T_THUMBPRINT(f, par, p) \
        { .type = NULL, .flags = (f), .parents = (par), .parms = (p), .n_parms = ELEMENTSOF(p) }

#define CERT_STORES                                                                     \
        NM("ROOT"), NM("CA"), NM("SPC"), NM("MY"), NM("Privileged Execution Trust Authorities"), \
                NM("Unprivileged Execution Trust Authorities")

/* Where each type may appear: wire 4.1 (root-level and nested-only lists), 4.2 children. */
static const SchemaType schema_types[] = {
        { .type = "PXLOGICAL", .type_len = NAMELEN("PXLOGICAL"), .flags = SCHEMA_ROOT,
          .parms = pxlogical_parms, .n_parms = ELEMENTSOF(pxlogical_parms), .required_child = "PXPHYSICAL" },
        T("PXPHYSICAL", 0, LIST(NM("PXLOGICAL")), pxphysical_parms),
        T("PORT", 0, LIST(NM("PXLOGICAL"), NM("PXPHYSICAL")), px_port_parms),
        T("PORT", 0, LIST(NM("APPADDR")), app_port_parms),
        T("PXAUTHINFO", 0, LIST(NM("PXLOGICAL")), pxauthinfo_parms),
        T("NAPDEF", SCHEMA_ROOT, NULL, napdef_parms),
        T("NAPAUTHINFO", 0, LIST(NM("NAPDEF")), napauthinfo_parms),
        T("VALIDITY", 0, LIST(NM("NAPDEF")), validity_parms),
        T("BOOTSTRAP", SCHEMA_ROOT, NULL, bootstrap_parms),
        T("CLIENTIDENTITY", SCHEMA_ROOT, LIST(NM("APPLICATION")), clientidentity_parms),
        T("VENDORCONFIG", SCHEMA_ROOT | SCHEMA_VENDOR_PARMS, NULL, vendorconfig_parms),
        T("APPLICATION", SCHEMA_ROOT | SCHEMA_APPLICATION, NULL, application_parms),
        T("APPADDR", 0, LIST(NM("APPLICATION")), appaddr_parms),
        T("APPAUTH", 0, LIST(NM("APPLICATION")), appauth_parms),
        T("RESOURCE", 0, LIST(NM("APPLICATION")), resource_parms),
        T("ACCESS", SCHEMA_ROOT, NULL, access_parms),
        /* docs/trust-boundary.md §1.8: CertificateStore / store / <SHA-1 thumbprint hex> */
        T0("CertificateStore", SCHEMA_ROOT, NULL),
        T0("ROOT", SCHEMA_THUMBPRINT_CHILDREN, LIST(NM("CertificateStore"))),
        T0("CA", SCHEMA_THUMBPRINT_CHILDREN, LIST(NM("CertificateStore"))),
        T0("SPC", SCHEMA_THUMBPRINT_CHILDREN, LIST(NM("CertificateStore"))),
        T0("MY", SCHEMA_THUMBPRINT_CHILDREN, LIST(NM("CertificateStore"))),
        T0("Privileged Execution Trust Authorities", SCHEMA_THUMBPRINT_CHILDREN, LIST(NM("CertificateStore"))),
        T0("Unprivileged Execution Trust Authorities", SCHEMA_THUMBPRINT_CHILDREN, LIST(NM("CertificateStore"))),
        T_THUMBPRINT(0, LIST(CERT_STORES), certificate_parms),
        /* 2005+ (wire 3.5, 3.6): known, not supported by this receiver */
        T0("BEARERINFO", SCHEMA_UNSUPPORTED, NULL),
        T0("DNS-ADDRINFO", SCHEMA_UNSUPPORTED, NULL),
        T0("WLAN", SCHEMA_UNSUPPORTED, NULL),
        T0("SEC-SSID", SCHEMA_UNSUPPORTED, NULL),
        T0("EAP", SCHEMA_UNSUPPORTED, NULL),
        T0("CERT", SCHEMA_UNSUPPORTED, NULL),
        T0("WEPKEY", SCHEMA_UNSUPPORTED, NULL),
};

/*
 * Required-parm masks, derived from the tables above (which stay the only source of truth):
 * bit i of type_required[k] is set when schema_types[k].parms[i] is CARD_ONE or CARD_SOME,
 * app_required[k] likewise for schema_apps[k]. Built once, on first use, by pthread_once;
 * read-only afterwards.
 */
static uint64_t type_required[ELEMENTSOF(schema_types)];
static uint64_t app_required[ELEMENTSOF(schema_apps)];
static pthread_once_t required_once = PTHREAD_ONCE_INIT;

static uint64_t required_mask(const SchemaParm *parms, size_t n) {
        uint64_t m = 0;

        for (size_t i = 0; i < n; i++)
                if (parms[i].card == CARD_ONE || parms[i].card == CARD_SOME)
                        m |= UINT64_C(1) << i;
        return m;
}

static void required_init(void) {
        for (size_t k = 0; k < ELEMENTSOF(schema_types); k++)
                type_required[k] = required_mask(schema_types[k].parms, schema_types[k].n_parms);
        for (size_t k = 0; k < ELEMENTSOF(schema_apps); k++)
                app_required[k] = required_mask(schema_apps[k].parms, schema_apps[k].n_parms);
}

/* ---- the walker ------------------------------------------------------------------------ */

typedef struct Validator {
        const CpDoc *doc;
        DecodeError *err;
        CpDocValidateError *ret;
} Validator;

typedef struct PathWriter {
        char *buf;
        size_t size, n;
        bool full;
} PathWriter;

static void path_raw(PathWriter *w, const char *s, size_t len) {
        if (w->full)
                return;
        if (w->n + len + 3 >= w->size) {
                /* keep room for "..." and the NUL */
                memcpy(w->buf + w->n, "...", 3);
                w->n += 3;
                w->full = true;
                return;
        }
        memcpy(w->buf + w->n, s, len);
        w->n += len;
}

static void path_name(PathWriter *w, const char *s) {
        static const char hex[] = "0123456789ABCDEF";

        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c > 0x20 && c < 0x7F && !strchr("/[]@\\", c)) {
                        char ch = (char) c;

                        path_raw(w, &ch, 1);
                } else {
                        char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

                        path_raw(w, e, 4);
                }
        }
}

static void path_index(PathWriter *w, unsigned i) {
        char b[16];
        int n = snprintf(b, sizeof b, "[%u]", i);

        path_raw(w, b, (size_t) n);
}

static void path_characteristic(PathWriter *w, const CpDoc *d, const CpCharacteristic *c, unsigned depth) {
        const CpCharacteristic *k;
        unsigned i = 1;

        if (!c)
                return;
        /* Depth is bounded by the builder (CPDOC_DEPTH_MAX); the guard only caps recursion. */
        if (depth < 64)
                path_characteristic(w, d, c->parent, depth + 1);
        k = c->parent ? c->parent->children : d->chars;
        for (; k && k != c; k = k->next)
                if (strcmp(k->type, c->type) == 0)
                        i++;
        path_raw(w, "/", 1);
        path_name(w, c->type);
        path_index(w, i);
}

size_t cpdoc_path(const CpDoc *d, const CpCharacteristic *c, const CpParm *p, char *buf, size_t size) {
        PathWriter w = { .buf = buf, .size = size };

        if (size < 4) {
                if (size > 0)
                        buf[0] = 0;
                return 0;
        }
        path_characteristic(&w, d, c, 0);
        if (p) {
                unsigned i = 1;

                for (const CpParm *q = c ? c->parms : NULL; q && q != p; q = q->next)
                        if (strcmp(q->name, p->name) == 0)
                                i++;
                path_raw(&w, "/@", 2);
                path_name(&w, p->name);
                path_index(&w, i);
        }
        if (w.n == 0)
                path_raw(&w, "/", 1);
        buf[w.n] = 0;
        return w.n;
}

/*
 * Every rule names itself in DecodeError.reason (static text, no document data); the path
 * (document data, escaped) goes to CpDocValidateError. missing: the static schema name of an
 * absent parm ("@NAME") or, with child set, of an absent child characteristic.
 */
static int fail_at(Validator *v, const CpCharacteristic *c, const CpParm *p, const char *missing, bool child,
                   const char *reason) {
        if (v->ret) {
                PathWriter w = { .buf = v->ret->path, .size = sizeof v->ret->path };

                v->ret->characteristic = c;
                v->ret->parm = p;
                v->ret->parm_name = child ? NULL : missing;
                w.n = cpdoc_path(v->doc, c, p, w.buf, w.size);
                if (missing) {
                        if (w.n == 1) /* "/" alone: the document */
                                w.n = 0;
                        path_raw(&w, child ? "/" : "/@", child ? 1 : 2);
                        path_name(&w, missing);
                        w.buf[w.n] = 0;
                }
        }
        return decode_fail(v->err, "cpdoc", 0, reason, -EBADMSG);
}

static int fail(Validator *v, const CpCharacteristic *c, const CpParm *p, const char *missing,
                const char *reason) {
        return fail_at(v, c, p, missing, false, reason);
}

static void flag_subtree(CpCharacteristic *c, unsigned flag) {
        c->flags |= flag;
        if (flag & CP_FLAG_UNKNOWN)
                for (CpParm *p = c->parms; p; p = p->next)
                        p->flags |= CP_FLAG_UNKNOWN;
        for (CpCharacteristic *k = c->children; k; k = k->next)
                flag_subtree(k, flag);
}

static void clear_flags(CpCharacteristic *c) {
        for (; c; c = c->next) {
                c->flags = 0;
                for (CpParm *p = c->parms; p; p = p->next)
                        p->flags = 0;
                clear_flags(c->children);
        }
}

/* strcmp(a, b) == 0, inline: most comparisons in the lookups below end at the first octet. */
static inline bool str_eq(const char *a, const char *b) {
        while (*a && *a == *b) {
                a++;
                b++;
        }
        return *a == *b;
}

/*
 * memcmp(a, b, n) == 0 for short strings, inline: whole words where n allows, overlapping at
 * the end (both spans hold n octets; no read leaves them).
 */
static inline bool mem_eq(const char *a, const char *b, size_t n) {
        uint64_t x, y;
        uint32_t u, w;

        if (n >= 8) {
                for (size_t i = 0; n - i > 8; i += 8) {
                        memcpy(&x, a + i, 8);
                        memcpy(&y, b + i, 8);
                        if (x != y)
                                return false;
                }
                memcpy(&x, a + n - 8, 8);
                memcpy(&y, b + n - 8, 8);
                return x == y;
        }
        if (n >= 4) {
                memcpy(&u, a, 4);
                memcpy(&w, b, 4);
                if (u != w)
                        return false;
                memcpy(&u, a + n - 4, 4);
                memcpy(&w, b + n - 4, 4);
                return u == w;
        }
        for (size_t i = 0; i < n; i++)
                if (a[i] != b[i])
                        return false;
        return true;
}

/* A document string of known length against a schema name of known length (NAMELEN). */
static inline bool name_eq(const char *s, size_t len, const char *name, size_t name_len) {
        return len == name_len && s[0] == name[0] && mem_eq(s, name, len);
}

/* s (of length len) is in list; strings of another length can never be equal, with or
 * without case (strcasecmp compares octet by octet). */
static bool in_list(const SchemaName *list, const char *s, size_t len, bool icase) {
        for (; list && list->s; list++)
                if (icase ? list->len == len && strcasecmp(list->s, s) == 0 : name_eq(s, len, list->s, list->len))
                        return true;
        return false;
}

static bool placed(const SchemaType *t, const CpCharacteristic *parent, size_t parent_len) {
        if (!parent)
                return t->flags & SCHEMA_ROOT;
        return in_list(t->parents, parent->type, parent_len, false);
}

/*
 * The table entry for c (type of length len, parent type of length parent_len): the first
 * one whose name matches and whose placement allows c's parent; *ret_misplaced when names
 * match but no placement does. NULL: unknown type. The length tests only skip entries that
 * could not match: a thumbprint is exactly 40 octets (schema_valid_thumbprint), a named
 * entry exactly type_len.
 */
static const SchemaType *schema_lookup(const CpCharacteristic *c, size_t len, size_t parent_len, bool *ret_misplaced) {
        const SchemaType *named = NULL;

        for (size_t i = 0; i < ELEMENTSOF(schema_types); i++) {
                const SchemaType *t = &schema_types[i];

                if (t->type ? !name_eq(c->type, len, t->type, t->type_len)
                            : !(len == 40 && schema_valid_thumbprint(c->type)))
                        continue;
                if ((t->flags & SCHEMA_UNSUPPORTED) || placed(t, c->parent, parent_len)) {
                        *ret_misplaced = false;
                        return t;
                }
                named = t;
        }
        *ret_misplaced = named != NULL;
        return named;
}

/* The first entry of parms named name (of length len). */
static const SchemaParm *find_spec(const SchemaParm *parms, size_t n, const char *name, size_t len, size_t *ret_index) {
        for (size_t i = 0; i < n; i++)
                if (name_eq(name, len, parms[i].name, parms[i].name_len)) {
                        *ret_index = i;
                        return &parms[i];
                }
        return NULL;
}

/* cpdoc_find_parm() with the inline comparison: the first parm of c named name. */
static const CpParm *find_parm(const CpCharacteristic *c, const char *name) {
        for (const CpParm *p = c->parms; p; p = p->next)
                if (str_eq(p->name, name))
                        return p;
        return NULL;
}

static const char *syntax_reason(uint8_t syntax) {
        switch (syntax) {
        case SYN_FLAG: return "flag parm carries a value (ProvCont 4.1: it has none)";
        case SYN_ENUM: return "value is not one of the parm's tokens (ProvCont 4.2, wire 3.7)";
        case SYN_UINT: return "value is not a decimal integer in the parm's range (ProvCont 4.2)";
        case SYN_UINT_OR_ENUM:
                return "value is neither a decimal integer nor one of the parm's tokens (ProvCont 4.2)";
        case SYN_TOKEN: return "value is not a token (printable ASCII without spaces)";
        case SYN_TOKEN_LIST: return "value is not a comma-separated token list (AAUTHTYPE, wire 3.7)";
        case SYN_URI: return "value is not an absolute URI (RFC 3986)";
        case SYN_URI_REF: return "value is not a URI reference (RFC 3986)";
        case SYN_URI_OR_HOST: return "value is neither an absolute URI nor a host name or address";
        case SYN_HOST: return "value is not a host name or IP address";
        case SYN_IP: return "value is not an IPv4 or IPv6 address";
        case SYN_IPV4: return "value is not an IPv4 address (ADDRTYPE IPV4)";
        case SYN_IPV6: return "value is not an IPv6 address (ADDRTYPE IPV6)";
        case SYN_E164: return "value is not an E.164 number (ADDRTYPE E164)";
        case SYN_APN: return "value is not an APN: at most 64 of [A-Za-z0-9._-] (NetworkManager's rule)";
        case SYN_BASE64: return "value is not base64 (EncodedCertificate, docs/trust-boundary.md §1.8)";
        default: return "invalid value";
        }
}

static bool check_syntax(const SchemaParm *spec, uint8_t syntax, const char *s) {
        switch (syntax) {
        case SYN_TEXT: return true;
        case SYN_FLAG: return s[0] == 0;
        case SYN_ENUM: return in_list(spec->values, s, strlen(s), spec->icase);
        case SYN_UINT: return schema_valid_uint(s, spec->min, spec->max);
        case SYN_UINT_OR_ENUM:
                return in_list(spec->values, s, strlen(s), spec->icase) || schema_valid_uint(s, spec->min, spec->max);
        case SYN_TOKEN: return schema_valid_token(s);
        case SYN_TOKEN_LIST: return schema_valid_token_list(s);
        case SYN_URI: return schema_valid_uri(s);
        case SYN_URI_REF: return schema_valid_uri_ref(s);
        case SYN_URI_OR_HOST: return schema_valid_uri(s) || schema_valid_host(s);
        case SYN_HOST: return schema_valid_host(s);
        case SYN_IP: return schema_valid_ipv4(s) || schema_valid_ipv6(s);
        case SYN_IPV4: return schema_valid_ipv4(s);
        case SYN_IPV6: return schema_valid_ipv6(s);
        case SYN_E164: return schema_valid_e164(s);
        case SYN_APN: return schema_valid_apn(s);
        case SYN_BASE64: return schema_valid_base64(s);
        default: return false;
        }
}

static int check_value(Validator *v, const CpCharacteristic *c, const CpParm *p, const SchemaParm *spec) {
        uint8_t syntax = spec->syntax;

        if (!p->value) {
                if (spec->syntax == SYN_FLAG || spec->value_optional)
                        return 0;
                return fail(v, c, p, NULL, "parm has no value (ProvCont 4.2)");
        }
        if (spec->selector) {
                const CpParm *sp = find_parm(c, spec->selector);
                const char *sel = sp ? sp->value : NULL;

                for (const SchemaVariant *var = spec->variants; sel && var->when; var++)
                        if (spec->icase ? strcasecmp(var->when, sel) == 0 : str_eq(var->when, sel)) {
                                syntax = var->syntax;
                                break;
                        }
        }
        if (!check_syntax(spec, syntax, p->value))
                return fail(v, c, p, NULL, syntax_reason(syntax));
        return 0;
}

/*
 * One pass over c's parms in document order: table lookup, cardinality, value; then the
 * required parms. seen[ti] has bit i set once entry i of table ti matched a parm: a second
 * match of a CARD_ONE/CARD_OPT entry is the cardinality error (SCHEMA_PARMS_MAX <= 64). The
 * first missing required parm in table order (table 0 first) is the lowest set bit of
 * required & ~seen.
 */
static int check_parms(Validator *v, CpCharacteristic *c, const SchemaType *t, const SchemaApp *app) {
        const SchemaParm *tables[2] = { t->parms, app ? app->parms : NULL };
        size_t sizes[2] = { t->n_parms, app ? app->n_parms : 0 };
        uint64_t required[2] = { type_required[t - schema_types], app ? app_required[app - schema_apps] : 0 };
        uint64_t seen[2] = { 0, 0 };
        int r;

        _Static_assert(SCHEMA_PARMS_MAX <= 64, "seen[] has one bit per table entry");

        for (CpParm *p = c->parms; p; p = p->next) {
                const SchemaParm *spec = NULL;
                size_t ti, idx = 0, len = p->name_len;
                uint64_t bit;

                for (ti = 0; ti < 2 && !spec; ti++)
                        spec = find_spec(tables[ti], sizes[ti], p->name, len, &idx);
                if (!spec) {
                        if (!(t->flags & SCHEMA_VENDOR_PARMS))
                                p->flags |= CP_FLAG_UNKNOWN;
                        continue;
                }
                ti--;
                bit = UINT64_C(1) << idx;
                if ((seen[ti] & bit) && (spec->card == CARD_ONE || spec->card == CARD_OPT))
                        return fail(v, c, p, NULL,
                                    "parm occurs more often than its cardinality allows (ProvCont 4.2)");
                seen[ti] |= bit;
                r = check_value(v, c, p, spec);
                if (r < 0)
                        return r;
        }
        for (size_t ti = 0; ti < 2; ti++) {
                uint64_t missing = required[ti] & ~seen[ti];

                if (missing)
                        return fail(v, c, NULL, tables[ti][__builtin_ctzll(missing)].name,
                                    "required parm is missing (ProvCont 4.2)");
        }
        return 0;
}

/* parent_len: strlen(c->parent->type), 0 at the root. */
static int validate_characteristic(Validator *v, CpCharacteristic *c, size_t parent_len, unsigned depth) {
        const SchemaApp *app = NULL;
        const SchemaType *t;
        size_t len = c->type_len;
        bool misplaced;
        int r;

        if (depth >= CPDOC_DEPTH_MAX)
                return decode_fail(v->err, "cpdoc", 0, "nesting over CPDOC_DEPTH_MAX", -E2BIG);
        t = schema_lookup(c, len, parent_len, &misplaced);
        if (!t || (t->flags & SCHEMA_UNSUPPORTED)) {
                flag_subtree(c, CP_FLAG_UNKNOWN);
                return 0;
        }
        if (misplaced) {
                flag_subtree(c, CP_FLAG_MISPLACED);
                return 0;
        }
        if (t->flags & SCHEMA_APPLICATION) {
                const CpParm *ap = find_parm(c, "APPID");
                const char *appid = ap ? ap->value : NULL;

                if (!ap)
                        return fail(v, c, NULL, "APPID", "required parm is missing (ProvCont 4.2)");
                /* the last entry naming appid, as a forward scan keeping every match would */
                for (size_t i = ELEMENTSOF(schema_apps); appid && i > 0; i--)
                        if (str_eq(schema_apps[i - 1].appid, appid)) {
                                app = &schema_apps[i - 1];
                                break;
                        }
                if (!app) {
                        /* An APPID we do not know (wire 4.4): kept, flagged, never applied. */
                        flag_subtree(c, CP_FLAG_UNKNOWN);
                        return 0;
                }
        }
        r = check_parms(v, c, t, app);
        if (r < 0)
                return r;
        for (CpCharacteristic *k = c->children; k; k = k->next) {
                if ((t->flags & SCHEMA_THUMBPRINT_CHILDREN) && !schema_valid_thumbprint(k->type))
                        return fail(v, k, NULL, NULL, "certificate node is not named by a 40-hex SHA-1 "
                                                      "thumbprint (docs/trust-boundary.md §1.8)");
                r = validate_characteristic(v, k, len, depth + 1);
                if (r < 0)
                        return r;
        }
        if (t->required_child) {
                bool found = false;

                for (const CpCharacteristic *k = c->children; k && !found; k = k->next)
                        found = str_eq(k->type, t->required_child) && !k->flags;
                if (!found)
                        return fail_at(v, c, NULL, t->required_child, true,
                                       "required child characteristic is missing "
                                       "(PXLOGICAL needs a PXPHYSICAL, ProvCont 4.2)");
        }
        return 0;
}

int cpdoc_validate_ex(CpDoc *d, DecodeError *err, CpDocValidateError *ret) {
        Validator v = { .doc = d, .err = err, .ret = ret };
        int r;

        if (!d)
                return -EINVAL;
        (void) pthread_once(&required_once, required_init);
        clear_flags(d->chars);
        for (CpCharacteristic *c = d->chars; c; c = c->next) {
                r = validate_characteristic(&v, c, 0, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cpdoc_validate(CpDoc *d, DecodeError *err) {
        return cpdoc_validate_ex(d, err, NULL);
}
