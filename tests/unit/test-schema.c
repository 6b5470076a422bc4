/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-schema.c: the ProvCont schema table and its validator (common/schema.c). Table-driven:
 * every rule (required parm, cardinality, each value syntax, placement, thumbprint nodes,
 * required child) has a passing and a failing row; unknown, unsupported and misplaced
 * elements are kept and flagged; the real documents (TV-A/TV-B, docs/testing.md §5.1 prov.xml, the
 * Kannel oma-settings sources, the demo and bench documents) validate.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc.h"
#include "macros.h"
#include "schema.h"
#include "testutil.h"

static CpDoc *parse_body(const char *body) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        DecodeError e = {};
        CpDoc *d = NULL;
        int r;

        ck_assert_ptr_nonnull(f);
        fprintf(f, "<wap-provisioningdoc version=\"1.1\">%s</wap-provisioningdoc>", body);
        ck_assert_int_eq(fclose(f), 0);
        r = cpdoc_from_xml((const uint8_t *) s, n, &d, &e);
        ck_assert_msg(r == 0, "parse: %d %s\n%s", r, e.reason ? e.reason : "-", s);
        free(s);
        return d;
}

/* Validate body; on failure check the layer, reason and (when given) path. */
static void check(const char *body, int expect, const char *path, const char *reason_part) {
        CpDoc *d = parse_body(body);
        DecodeError e = {};
        CpDocValidateError v = {};
        int r = cpdoc_validate_ex(d, &e, &v);

        ck_assert_msg(r == expect, "got %d (%s at %s), want %d:\n%s", r, e.reason ? e.reason : "-", v.path, expect,
                      body);
        if (r < 0) {
                ck_assert_str_eq(e.layer, "cpdoc");
                ck_assert_uint_eq(e.offset, 0);
                ck_assert_ptr_nonnull(e.reason);
                ck_assert_uint_gt(strlen(v.path), 1);
                if (path)
                        ck_assert_msg(strcmp(v.path, path) == 0, "path %s, want %s", v.path, path);
                if (reason_part)
                        ck_assert_msg(strstr(e.reason, reason_part), "reason '%s' lacks '%s'", e.reason, reason_part);
        }
        cpdoc_free(d);
}

#define OK 0, NULL, NULL
#define BAD (-EBADMSG)

/* Building blocks of well-formed characteristics. */
#define PXPHYS "<characteristic type=\"PXPHYSICAL\"><parm name=\"PHYSICAL-PROXY-ID\" value=\"P\"/>" \
               "<parm name=\"PXADDR\" value=\"10.0.0.1\"/><parm name=\"TO-NAPID\" value=\"N\"/></characteristic>"
#define NAP(parms) "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"N\"/>" parms "</characteristic>"
#define NAPA(parms) NAP("<parm name=\"NAP-ADDRESS\" value=\"internet\"/>" parms)
#define PXL(parms, kids) "<characteristic type=\"PXLOGICAL\"><parm name=\"PROXY-ID\" value=\"X\"/>" parms kids "</characteristic>"
#define PHYS(parms) PXL("", "<characteristic type=\"PXPHYSICAL\"><parm name=\"PHYSICAL-PROXY-ID\" value=\"P\"/>" \
                            "<parm name=\"TO-NAPID\" value=\"N\"/>" parms "</characteristic>")
#define PORT(parms) PXL("", "<characteristic type=\"PORT\">" parms "</characteristic>" PXPHYS)
#define APP(id, parms) "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"" id "\"/>" parms "</characteristic>"
#define CHILD(type, parms) "<characteristic type=\"" type "\">" parms "</characteristic>"
#define P(n, v) "<parm name=\"" n "\" value=\"" v "\"/>"
#define F(n) "<parm name=\"" n "\"/>"
#define BOOT(parms) CHILD("BOOTSTRAP", parms)
#define CERT(node, parms) CHILD("CertificateStore", CHILD("SPC", CHILD(node, parms)))
#define TP "0123456789abcdef0123456789ABCDEF01234567"

typedef struct Row {
        const char *body;
        int r;
        const char *path;
        const char *reason;
} Row;

static void run_rows(const Row *t, size_t n) {
        for (size_t i = 0; i < n; i++)
                check(t[i].body, t[i].r, t[i].path, t[i].reason);
}

/* ---- /schema/required ------------------------------------------------------------------- */

START_TEST(test_required) {
        static const Row t[] = {
                { NAPA(""), OK },
                { CHILD("NAPDEF", P("NAP-ADDRESS", "x")), BAD, "/NAPDEF[1]/@NAPID", "required parm" },
                { NAP(""), BAD, "/NAPDEF[1]/@NAP-ADDRESS", "required parm" },
                { PXL("", PXPHYS), OK },
                { CHILD("PXLOGICAL", PXPHYS), BAD, "/PXLOGICAL[1]/@PROXY-ID", "required parm" },
                { PXL("", ""), BAD, "/PXLOGICAL[1]/PXPHYSICAL", "required child" },
                { PXL("", CHILD("PXPHYSICAL", P("PHYSICAL-PROXY-ID", "P") P("PXADDR", "h"))), BAD,
                  "/PXLOGICAL[1]/PXPHYSICAL[1]/@TO-NAPID", "required parm" },
                { PXL("", CHILD("PXPHYSICAL", P("PXADDR", "h") P("TO-NAPID", "N"))), BAD,
                  "/PXLOGICAL[1]/PXPHYSICAL[1]/@PHYSICAL-PROXY-ID", NULL },
                { PHYS(""), BAD, "/PXLOGICAL[1]/PXPHYSICAL[1]/@PXADDR", NULL },
                { PORT(P("PORTNBR", "80")), OK },
                { PORT(P("SERVICE", "CO-WSP")), BAD, "/PXLOGICAL[1]/PORT[1]/@PORTNBR", NULL },
                { PXL(CHILD("PXAUTHINFO", P("PXAUTH-TYPE", "HTTP-BASIC")), PXPHYS), OK },
                { PXL(CHILD("PXAUTHINFO", P("PXAUTH-ID", "u")), PXPHYS), BAD, "/PXLOGICAL[1]/PXAUTHINFO[1]/@PXAUTH-TYPE", NULL },
                { NAPA(CHILD("NAPAUTHINFO", P("AUTHTYPE", "PAP"))), OK },
                { NAPA(CHILD("NAPAUTHINFO", P("AUTHNAME", "u"))), BAD, "/NAPDEF[1]/NAPAUTHINFO[1]/@AUTHTYPE", NULL },
                { CHILD("CLIENTIDENTITY", P("CLIENT-ID", "me")), OK },
                { CHILD("CLIENTIDENTITY", ""), BAD, "/CLIENTIDENTITY[1]/@CLIENT-ID", NULL },
                { CHILD("VENDORCONFIG", P("NAME", "v")), OK },
                { CHILD("VENDORCONFIG", P("X", "v")), BAD, "/VENDORCONFIG[1]/@NAME", NULL },
                { APP("w2", ""), OK },
                { CHILD("APPLICATION", P("NAME", "x")), BAD, "/APPLICATION[1]/@APPID", "required parm" },
                { APP("w7", CHILD("APPADDR", P("ADDR", "http://a/"))), OK },
                { APP("w7", CHILD("APPADDR", P("ADDRTYPE", "URI"))), BAD, "/APPLICATION[1]/APPADDR[1]/@ADDR", NULL },
                { APP("w2", CHILD("RESOURCE", P("URI", "http://a/"))), OK },
                { APP("w2", CHILD("RESOURCE", P("NAME", "n"))), BAD, "/APPLICATION[1]/RESOURCE[1]/@URI", NULL },
                { CERT(TP, P("EncodedCertificate", "AAAA")), OK },
                { CERT(TP, P("Role", "8")), BAD, "/CertificateStore[1]/SPC[1]/" TP "[1]/@EncodedCertificate", NULL },
                /* no required parm at all */
                { BOOT(""), OK },
                { CHILD("ACCESS", ""), OK },
                { APP("w2", CHILD("APPAUTH", "")), OK },
                { NAPA(CHILD("VALIDITY", "")), OK },
        };

        run_rows(t, ELEMENTSOF(t));
}
END_TEST

/* ---- /schema/cardinality ---------------------------------------------------------------- */

START_TEST(test_cardinality) {
        static const Row t[] = {
                { NAPA(P("NAPID", "M")), BAD, "/NAPDEF[1]/@NAPID[2]", "cardinality" },
                { NAPA(P("NAP-ADDRTYPE", "APN") P("NAP-ADDRTYPE", "APN")), BAD, "/NAPDEF[1]/@NAP-ADDRTYPE[2]", NULL },
                { NAPA(F("INTERNET") F("INTERNET")), BAD, "/NAPDEF[1]/@INTERNET[2]", NULL },
                { NAPA(P("BEARER", "GSM-GPRS") P("BEARER", "GSM-CSD") P("DNS-ADDR", "10.0.0.1") P("DNS-ADDR", "::1")), OK },
                { BOOT(P("NAME", "a") P("NAME", "b")), BAD, "/BOOTSTRAP[1]/@NAME[2]", NULL },
                { BOOT(P("NETWORK", "1") P("NETWORK", "2") P("PROXY-ID", "a") P("PROXY-ID", "b")), OK },
                { APP("w7", P("APPID", "w7")), BAD, "/APPLICATION[1]/@APPID[2]", NULL },
                { APP("w7", P("PROVIDER-ID", "a") P("PROVIDER-ID", "b")), BAD, "/APPLICATION[1]/@PROVIDER-ID[2]", NULL },
                { APP("w7", P("TO-NAPID", "a") P("TO-NAPID", "b") P("ADDR", "http://a/") P("ADDR", "http://b/")), OK },
                { APP("w7", P("ROLE", "4") P("ROLE", "8")), BAD, "/APPLICATION[1]/@ROLE[2]", NULL },
                { PHYS(P("PXADDR", "h") P("TO-NAPID", "M") P("DOMAIN", "a") P("DOMAIN", "b")), OK },
                { PHYS(P("PXADDR", "h") P("PXADDR", "i")), BAD, "/PXLOGICAL[1]/PXPHYSICAL[1]/@PXADDR[2]", NULL },
                { PORT(P("PORTNBR", "1") P("SERVICE", "CO-WSP") P("SERVICE", "CL-WSP")), OK },
                { PORT(P("PORTNBR", "1") P("PORTNBR", "2")), BAD, "/PXLOGICAL[1]/PORT[1]/@PORTNBR[2]", NULL },
                { CHILD("ACCESS", F("RULE") P("RULE", "r") P("APPID", "w2") P("APPID", "w4") P("PORTNBR", "80")), OK },
                { CERT(TP, P("EncodedCertificate", "AAAA") P("Role", "8") P("Role", "8")), BAD, NULL, NULL },
                { CERT(TP, P("EncodedCertificate", "AAAA") P("EncodedCertificate", "AAAA")), BAD, NULL, NULL },
        };

        run_rows(t, ELEMENTSOF(t));
}
END_TEST

/* ---- /schema/syntax --------------------------------------------------------------------- */

START_TEST(test_syntax_enum) {
        static const Row t[] = {
                { NAPA(P("NAP-ADDRTYPE", "APN")), OK },
                { NAPA(P("NAP-ADDRTYPE", "apn")), BAD, "/NAPDEF[1]/@NAP-ADDRTYPE[1]", "tokens" }, /* case-sensitive */
                { NAPA(P("BEARER", "GSM-GPRS") P("BEARER", "CDMA2000-1X-SIMPLE-IP") P("BEARER", "FLEX/REFLEX")), OK },
                { NAPA(P("BEARER", "GPRS")), BAD, "/NAPDEF[1]/@BEARER[1]", NULL },
                { NAPA(P("CALLTYPE", "V.120")), OK },
                { NAPA(P("CALLTYPE", "ISDN")), BAD, NULL, NULL },
                { NAPA(P("LOCAL-ADDRTYPE", "IPV6")), OK },
                { NAPA(P("LOCAL-ADDRTYPE", "APN")), BAD, NULL, NULL },
                { NAPA(CHILD("NAPAUTHINFO", P("AUTHTYPE", "CHAP") P("AUTH-ENTITY", "AAA") P("AUTH-ENTITY", "HA"))), OK },
                { NAPA(CHILD("NAPAUTHINFO", P("AUTHTYPE", "MSCHAPV2"))), BAD, "/NAPDEF[1]/NAPAUTHINFO[1]/@AUTHTYPE[1]", NULL },
                { NAPA(CHILD("NAPAUTHINFO", P("AUTHTYPE", "PAP") P("AUTH-ENTITY", "AAB"))), BAD, NULL, NULL },
                { PXL(P("PPGAUTH-TYPE", "HTTP-DIGEST"), PXPHYS), OK },
                { PXL(P("PPGAUTH-TYPE", "DIGEST"), PXPHYS), BAD, NULL, NULL },
                { PXL(CHILD("PXAUTHINFO", P("PXAUTH-TYPE", "WTLS-SS")), PXPHYS), OK },
                { PXL(CHILD("PXAUTHINFO", P("PXAUTH-TYPE", "BASIC")), PXPHYS), BAD, NULL, NULL },
                { PHYS(P("PXADDR", "10.0.0.1") P("PXADDRTYPE", "IPV4")), OK },
                { PHYS(P("PXADDR", "10.0.0.1") P("PXADDRTYPE", "APN")), BAD, NULL, NULL },
                { PORT(P("PORTNBR", "9201") P("SERVICE", "OTA-HTTP-TLS-PO")), OK },
                { PORT(P("PORTNBR", "9201") P("SERVICE", "HTTP")), BAD, "/PXLOGICAL[1]/PORT[1]/@SERVICE[1]", NULL },
                /* under APPADDR SERVICE is application-defined */
                { APP("110", CHILD("APPADDR", P("ADDR", "pop.example.com") CHILD("PORT", P("PORTNBR", "995") P("SERVICE", "995")))), OK },
                { APP("w7", CHILD("APPAUTH", P("AAUTHLEVEL", "APPSRV"))), OK },
                { APP("w7", CHILD("APPAUTH", P("AAUTHLEVEL", "CLIENT"))), OK },
                { APP("w7", CHILD("APPAUTH", P("AAUTHLEVEL", "SERVER"))), BAD, "/APPLICATION[1]/APPAUTH[1]/@AAUTHLEVEL[1]", NULL },
                { APP("w7", CHILD("APPADDR", P("ADDR", "10.1.2.3") P("ADDRTYPE", "ipv4"))), OK }, /* ignoring case */
                { APP("w7", CHILD("APPADDR", P("ADDR", "10.1.2.3") P("ADDRTYPE", "IP"))), BAD, NULL, NULL },
                { APP("w7", P("DEFAULTENCODING", "application/vnd.syncml.dm+wbxml")), OK },
                { APP("w7", P("DEFAULTENCODING", "text/plain")), BAD, NULL, NULL },
        };

        run_rows(t, ELEMENTSOF(t));
}
END_TEST

START_TEST(test_syntax_integer) {
        static const Row t[] = {
                { PORT(P("PORTNBR", "0")), OK },
                { PORT(P("PORTNBR", "65535")), OK },
                { PORT(P("PORTNBR", "08080")), OK },
                { PORT(P("PORTNBR", "65536")), BAD, "/PXLOGICAL[1]/PORT[1]/@PORTNBR[1]", "range" },
                { PORT(P("PORTNBR", "-1")), BAD, NULL, NULL },
                { PORT(P("PORTNBR", "+80")), BAD, NULL, NULL },
                { PORT(P("PORTNBR", "80a")), BAD, NULL, NULL },
                { PORT(P("PORTNBR", " 80")), BAD, NULL, NULL },
                { PORT(P("PORTNBR", "")), BAD, NULL, NULL },
                { PORT(P("PORTNBR", "99999999999")), BAD, NULL, NULL },
                { BOOT(P("CONTEXT-ALLOW", "0")), OK },
                { BOOT(P("CONTEXT-ALLOW", "255")), OK },
                { BOOT(P("CONTEXT-ALLOW", "256")), BAD, "/BOOTSTRAP[1]/@CONTEXT-ALLOW[1]", NULL },
                { BOOT(P("COUNTRY", "262")), OK },
                { BOOT(P("COUNTRY", "DE")), BAD, NULL, NULL },
                { APP("w7", P("ROLE", "0")), OK },
                { APP("w7", P("ROLE", "8191")), OK },
                { APP("w7", P("ROLE", "8192")), BAD, "/APPLICATION[1]/@ROLE[1]", NULL },
                { APP("w7", P("ROLE", "MANAGER")), BAD, NULL, NULL },
                { CERT(TP, P("EncodedCertificate", "AAAA") P("Role", "8191")), OK },
                { CERT(TP, P("EncodedCertificate", "AAAA") P("Role", "8192")), BAD, NULL, NULL },
                { PXL(P("PUSHENABLED", "1") P("PULLENABLED", "0"), PXPHYS), OK },
                { PXL(P("PUSHENABLED", "2"), PXPHYS), BAD, NULL, NULL },
                { NAPA(P("LINGER", "4294967295")), OK },
                { NAPA(P("LINGER", "4294967296")), BAD, NULL, NULL },
                { NAPA(P("LINKSPEED", "AUTOBAUDING") P("DNLINKSPEED", "9600")), OK },
                { NAPA(P("LINKSPEED", "FAST")), BAD, NULL, "integer" },
                { APP("554", P("MIN-UDP-PORT", "6970") P("MAX-UDP-PORT", "65536")), BAD, NULL, NULL },
        };

        run_rows(t, ELEMENTSOF(t));
}
END_TEST

START_TEST(test_syntax_flag) {
        static const Row t[] = {
                { NAPA(F("INTERNET") F("T-BIT")), OK },
                { NAPA(P("INTERNET", "")), OK },              /* an empty value is tolerated */
                { NAPA(P("INTERNET", "1")), BAD, "/NAPDEF[1]/@INTERNET[1]", "flag" },
                { PXL(F("TRUST") F("MASTER"), PXPHYS), OK },
                { PXL(P("TRUST", "yes"), PXPHYS), BAD, NULL, NULL },
                { APP("w2", CHILD("RESOURCE", P("URI", "http://a/") F("STARTPAGE"))), OK },
                { APP("w2", CHILD("RESOURCE", P("URI", "http://a/") P("STARTPAGE", "http://a/"))), BAD, NULL, NULL },
                { APP("w7", F("INIT") F("USEHWDEVID") F("BACKCOMPATRETRYDISABLED")), OK },
                { APP("w7", P("INIT", "now")), BAD, "/APPLICATION[1]/@INIT[1]", NULL },
                /* a value parm without its value */
                { NAP(F("NAP-ADDRESS")), BAD, "/NAPDEF[1]/@NAP-ADDRESS[1]", "no value" },
                { BOOT(F("NAME")), BAD, NULL, "no value" },
                { CHILD("ACCESS", F("RULE")), OK },             /* RULE may be value-less */
        };

        run_rows(t, ELEMENTSOF(t));
}
END_TEST

START_TEST(test_syntax_address) {
        static const Row t[] = {
                /* absolute URI */
                { BOOT(P("PROVURL", "http://tps.example.com/p?q=1&amp;r=%20")), OK },
                { BOOT(P("PROVURL", "wsps://tps.example.com:9203/")), OK },
                { BOOT(P("PROVURL", "tps.example.com")), BAD, "/BOOTSTRAP[1]/@PROVURL[1]", "URI" },
                { BOOT(P("PROVURL", "http://a b/")), BAD, NULL, NULL },
                { BOOT(P("PROVURL", "http://a/%zz")), BAD, NULL, NULL },
                { BOOT(P("PROVURL", "1http://a/")), BAD, NULL, NULL },
                { BOOT(P("PROVURL", "http:")), BAD, NULL, NULL },
                { BOOT(P("PROVURL", "http://a/\xc3\xa9")), BAD, NULL, NULL },
                { BOOT(P("PROVURL", "http://a/&lt;x&gt;")), BAD, NULL, NULL },
                { BOOT(P("PROVURL", "http://a/&#9;")), BAD, NULL, NULL },
                { PXL(P("STARTPAGE", "http://wap.example.com/"), PXPHYS), OK },
                { PXL(P("STARTPAGE", "wap.example.com"), PXPHYS), BAD, NULL, NULL },
                /* URI reference (RESOURCE URI) */
                { APP("w5", CHILD("RESOURCE", P("URI", "./contacts"))), OK },
                { APP("w5", CHILD("RESOURCE", P("URI", "my contacts"))), BAD, "/APPLICATION[1]/RESOURCE[1]/@URI[1]", "URI reference" },
                { APP("w5", CHILD("RESOURCE", P("URI", ""))), BAD, NULL, NULL },
                /* URI or host (APPLICATION ADDR, APPADDR ADDR without ADDRTYPE) */
                { APP("w4", P("ADDR", "http://mmsc.example.com/mms")), OK },
                { APP("w4", P("ADDR", "mmsc.example.com")), OK },
                { APP("w4", P("ADDR", "http://mmsc example")), BAD, "/APPLICATION[1]/@ADDR[1]", NULL },
                { APP("w7", CHILD("APPADDR", P("ADDR", "https://dm.example.com/"))), OK },
                { APP("w7", CHILD("APPADDR", P("ADDR", "dm server"))), BAD, NULL, NULL },
                { APP("w7", CHILD("APPADDR", P("ADDR", "dm.example.com") P("ADDRTYPE", "URI"))), BAD, NULL, "absolute URI" },
                { APP("w7", CHILD("APPADDR", P("ADDR", "+4917012345") P("ADDRTYPE", "E164"))), OK },
                /* host (PXADDR without PXADDRTYPE; PXADDR-FQDN) */
                { PHYS(P("PXADDR", "proxy.example.com")), OK },
                { PHYS(P("PXADDR", "proxy_1.example.com.")), OK },
                { PHYS(P("PXADDR", "[2001:db8::1]")), OK },
                { PHYS(P("PXADDR", "not a host!")), BAD, "/PXLOGICAL[1]/PXPHYSICAL[1]/@PXADDR[1]", "host" },
                { PHYS(P("PXADDR", "a..b")), BAD, NULL, NULL },
                { PHYS(P("PXADDR", "http://proxy/")), BAD, NULL, NULL },
                { PHYS(P("PXADDR", "h") P("PXADDR-FQDN", "proxy.example.com")), OK },
                { PHYS(P("PXADDR", "h") P("PXADDR-FQDN", "proxy/example")), BAD, NULL, NULL },
                /* PXADDRTYPE selects the syntax */
                { PHYS(P("PXADDRTYPE", "IPV4") P("PXADDR", "10.0.0.1")), OK },
                { PHYS(P("PXADDR", "10.0.0.300") P("PXADDRTYPE", "IPV4")), BAD, NULL, "IPv4" },
                { PHYS(P("PXADDR", "proxy.example.com") P("PXADDRTYPE", "IPV4")), BAD, NULL, "IPv4" },
                { PHYS(P("PXADDR", "2001:db8::8") P("PXADDRTYPE", "IPV6")), OK },
                { PHYS(P("PXADDR", "10.0.0.1") P("PXADDRTYPE", "IPV6")), BAD, NULL, "IPv6" },
                { PHYS(P("PXADDR", "+4917012345") P("PXADDRTYPE", "E164")), OK },
                { PHYS(P("PXADDR", "0800-123") P("PXADDRTYPE", "E164")), BAD, NULL, "E.164" },
                { PHYS(P("PXADDR", "proxy.example.com") P("PXADDRTYPE", "ALPHA")), OK },
                /* NAP-ADDRTYPE selects: APN (NetworkManager's rule), IPV4, E164 */
                { NAP(P("NAP-ADDRESS", "internet.example-1_x.com") P("NAP-ADDRTYPE", "APN")), OK },
                { NAP(P("NAP-ADDRESS", "1234567890123456789012345678901234567890123456789012345678901234") P("NAP-ADDRTYPE", "APN")), OK },
                { NAP(P("NAP-ADDRESS", "12345678901234567890123456789012345678901234567890123456789012345") P("NAP-ADDRTYPE", "APN")), BAD, NULL, "APN" },
                { NAP(P("NAP-ADDRESS", "my apn") P("NAP-ADDRTYPE", "APN")), BAD, "/NAPDEF[1]/@NAP-ADDRESS[1]", "APN" },
                { NAP(P("NAP-ADDRESS", "a/b") P("NAP-ADDRTYPE", "APN")), BAD, NULL, NULL },
                { NAP(P("NAP-ADDRESS", "+491234") P("NAP-ADDRTYPE", "E164")), OK },
                { NAP(P("NAP-ADDRESS", "apn") P("NAP-ADDRTYPE", "E164")), BAD, NULL, NULL },
                { NAP(P("NAP-ADDRESS", "192.0.2.1") P("NAP-ADDRTYPE", "IPV4")), OK },
                { NAP(P("NAP-ADDRESS", "my apn")), OK }, /* no NAP-ADDRTYPE: free text */
                /* IP only (DNS-ADDR, LOCAL-ADDR) */
                { NAPA(P("DNS-ADDR", "192.0.2.53") P("DNS-ADDR", "2001:db8::53")), OK },
                { NAPA(P("DNS-ADDR", "dns.example.com")), BAD, "/NAPDEF[1]/@DNS-ADDR[1]", NULL },
                { NAPA(P("LOCAL-ADDR", "10.0.0.2") P("LOCAL-ADDRTYPE", "IPV4")), OK },
                { NAPA(P("LOCAL-ADDR", "::2") P("LOCAL-ADDRTYPE", "IPV4")), BAD, NULL, NULL },
        };

        run_rows(t, ELEMENTSOF(t));
}
END_TEST

START_TEST(test_syntax_misc) {
        static const Row t[] = {
                /* base64 EncodedCertificate */
                { CERT(TP, P("EncodedCertificate", "TWFu")), OK },
                { CERT(TP, P("EncodedCertificate", "TWE=")), OK },
                { CERT(TP, P("EncodedCertificate", "TQ==")), OK },
                { CERT(TP, P("EncodedCertificate", "TWFu&#10;TWFu&#13;&#10;")), OK },
                { CERT(TP, P("EncodedCertificate", "TWF")), BAD, NULL, "base64" },
                { CERT(TP, P("EncodedCertificate", "TW=u")), BAD, NULL, NULL },
                { CERT(TP, P("EncodedCertificate", "T===")), BAD, NULL, NULL },
                { CERT(TP, P("EncodedCertificate", "TW-u")), BAD, NULL, NULL },
                { CERT(TP, P("EncodedCertificate", "")), BAD, NULL, NULL },
                /* thumbprint node names */
                { CERT("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", P("EncodedCertificate", "AAAA")), OK },
                { CERT("0123456789abcdef0123456789abcdef0123456", P("EncodedCertificate", "AAAA")), BAD,
                  "/CertificateStore[1]/SPC[1]/0123456789abcdef0123456789abcdef0123456[1]", "thumbprint" },
                { CERT("0123456789abcdef0123456789abcdef012345678", P("EncodedCertificate", "AAAA")), BAD, NULL, "thumbprint" },
                { CERT("0123456789abcdef0123456789abcdef", P("EncodedCertificate", "AAAA")), BAD, NULL, "thumbprint" }, /* MD5 */
                { CERT("g123456789abcdef0123456789abcdef01234567", P("EncodedCertificate", "AAAA")), BAD, NULL, "thumbprint" },
                { CHILD("CertificateStore", CHILD("ROOT", CHILD(TP, P("EncodedCertificate", "AAAA")))
                                            CHILD("CA", CHILD(TP, P("EncodedCertificate", "AAAA")))
                                            CHILD("MY", "")
                                            CHILD("Privileged Execution Trust Authorities", CHILD(TP, P("EncodedCertificate", "AAAA")))), OK },
                /* tokens: APPID, WSP-VERSION */
                { APP("w7", P("PROTOVER", "1.2")), OK },
                { CHILD("ACCESS", P("APPID", "w 7")), BAD, "/ACCESS[1]/@APPID[1]", "token" },
                { PXL(P("WSP-VERSION", "1 2"), PXPHYS), BAD, NULL, NULL },
                /* token lists: AAUTHTYPE */
                { APP("w7", CHILD("APPAUTH", P("AAUTHTYPE", "HTTP-BASIC,HTTP-DIGEST"))), OK },
                { APP("w7", CHILD("APPAUTH", P("AAUTHTYPE", "BASIC, DIGEST"))), OK },
                { APP("w7", CHILD("APPAUTH", P("AAUTHTYPE", "HMAC"))), OK },
                { APP("w7", CHILD("APPAUTH", P("AAUTHTYPE", "BASIC,,DIGEST"))), BAD, NULL, "token list" },
                { APP("w7", CHILD("APPAUTH", P("AAUTHTYPE", "BASIC DIGEST"))), BAD, NULL, NULL },
                { APP("w7", CHILD("APPAUTH", P("AAUTHTYPE", "BASIC,"))), BAD, NULL, NULL },
                { APP("w7", CHILD("APPAUTH", P("AAUTHTYPE", ""))), BAD, NULL, NULL },
                { APP("w5", CHILD("RESOURCE", P("URI", "c") P("AAUTHTYPE", "B64"))), OK },
                /* free text takes anything the string rules allow */
                { BOOT(P("NAME", "Caf\xc3\xa9 &amp; \xe2\x82\xac &#9;tab")), OK },
        };

        run_rows(t, ELEMENTSOF(t));
}
END_TEST

/* ---- /schema/flags ---------------------------------------------------------------------- */

static const CpCharacteristic *nth(const CpDoc *d, unsigned i) {
        const CpCharacteristic *c = d->chars;

        while (i-- && c)
                c = c->next;
        ck_assert_ptr_nonnull(c);
        return c;
}

START_TEST(test_flags_unknown) {
        CpDoc *d = parse_body(CHILD("X-ACME", P("A", "1") CHILD("NAPDEF", P("BEARER", "bogus")))
                              NAPA(P("X-PRIVATE", "1") P("NAME", "n"))
                              APP("w9010", P("ADDR", "not an address!") CHILD("APPAUTH", P("AAUTHLEVEL", "X")))
                              APP("w7", P("X-VENDOR", "1") P("ROLE", "4"))
                              CHILD("VENDORCONFIG", P("NAME", "acme") P("ACME-A", "1") F("ACME-B"))
                              NAPA(CHILD("WLAN", P("PRI-SSID", "x")))
                              CHILD("BEARERINFO", ""));
        const CpCharacteristic *c;

        ck_assert_int_eq(cpdoc_validate(d, NULL), 0);
        ck_assert_uint_eq(d->n_chars, 7); /* nothing dropped */

        c = nth(d, 0); /* unknown type: flagged with its whole subtree */
        ck_assert_uint_eq(c->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(c->parms->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(c->children->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(c->children->parms->flags, CP_FLAG_UNKNOWN);

        c = nth(d, 1); /* unknown parm in a known type */
        ck_assert_uint_eq(c->flags, 0);
        ck_assert_uint_eq(cpdoc_find_parm(c, "X-PRIVATE")->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(cpdoc_find_parm(c, "NAME")->flags, 0);
        ck_assert_uint_eq(c->n_parms, 4);

        c = nth(d, 2); /* unknown APPID: kept and flagged, contents not validated */
        ck_assert_uint_eq(c->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(c->children->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(cpdoc_find_parm(c, "APPID")->flags, CP_FLAG_UNKNOWN);

        c = nth(d, 3); /* w7: a vendor parm is flagged, the registered ones are not */
        ck_assert_uint_eq(c->flags, 0);
        ck_assert_uint_eq(cpdoc_find_parm(c, "X-VENDOR")->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(cpdoc_find_parm(c, "ROLE")->flags, 0);

        c = nth(d, 4); /* VENDORCONFIG: vendor parms are legitimate */
        ck_assert_uint_eq(c->flags, 0);
        for (const CpParm *p = c->parms; p; p = p->next)
                ck_assert_uint_eq(p->flags, 0);

        c = nth(d, 5); /* 2005+ WLAN under NAPDEF: known, unsupported */
        ck_assert_uint_eq(c->flags, 0);
        ck_assert_uint_eq(c->children->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(c->children->parms->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(nth(d, 6)->flags, CP_FLAG_UNKNOWN);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_flags_misplaced) {
        CpDoc *d = parse_body(CHILD("PXPHYSICAL", P("PXADDR", "not a host!") CHILD("PORT", P("PORTNBR", "x")))
                              APP("w2", NAPA("") CHILD("CLIENTIDENTITY", P("CLIENT-ID", "c")))
                              NAPA(CHILD("PORT", P("PORTNBR", "1")))
                              CHILD("APPAUTH", P("AAUTHLEVEL", "APPSRV"))
                              CHILD("SPC", CHILD(TP, ""))
                              CHILD(TP, P("EncodedCertificate", "!")));
        const CpCharacteristic *c;

        /* misplaced is not an error, and what is inside is not validated */
        ck_assert_int_eq(cpdoc_validate(d, NULL), 0);
        c = nth(d, 0);
        ck_assert_uint_eq(c->flags, CP_FLAG_MISPLACED);
        ck_assert_uint_eq(c->parms->flags, 0);
        ck_assert_uint_eq(c->children->flags, CP_FLAG_MISPLACED);
        c = nth(d, 1);
        ck_assert_uint_eq(c->flags, 0);
        ck_assert_uint_eq(c->children->flags, CP_FLAG_MISPLACED);          /* NAPDEF in APPLICATION */
        ck_assert_uint_eq(c->children->next->flags, 0);                    /* CLIENTIDENTITY may be there */
        ck_assert_uint_eq(nth(d, 2)->children->flags, CP_FLAG_MISPLACED); /* PORT in NAPDEF */
        ck_assert_uint_eq(nth(d, 3)->flags, CP_FLAG_MISPLACED);
        ck_assert_uint_eq(nth(d, 4)->flags, CP_FLAG_MISPLACED);            /* a store outside CertificateStore */
        ck_assert_uint_eq(nth(d, 4)->children->flags, CP_FLAG_MISPLACED);
        ck_assert_uint_eq(nth(d, 5)->flags, CP_FLAG_MISPLACED);            /* a certificate node at the root */
        cpdoc_free(d);
}
END_TEST

START_TEST(test_flags_reset_and_json) {
        CpDoc *d = parse_body(CHILD("X", "") CHILD("PXPHYSICAL", "") NAPA(P("Y", "1")));
        char *s = NULL;
        size_t n = 0;
        FILE *f;

        ck_assert_int_eq(cpdoc_validate(d, NULL), 0);
        /* validating again gives the same flags, and stale flags are cleared */
        d->chars->next->next->flags = CP_FLAG_UNKNOWN | CP_FLAG_MISPLACED;
        ck_assert_int_eq(cpdoc_validate(d, NULL), 0);
        ck_assert_uint_eq(d->chars->flags, CP_FLAG_UNKNOWN);
        ck_assert_uint_eq(d->chars->next->flags, CP_FLAG_MISPLACED);
        ck_assert_uint_eq(d->chars->next->next->flags, 0);
        ck_assert_uint_eq(d->chars->next->next->parms->next->next->flags, CP_FLAG_UNKNOWN);

        f = open_memstream(&s, &n);
        ck_assert_int_eq(cpdoc_print_json(d, f), 0);
        fclose(f);
        ck_assert_ptr_nonnull(strstr(s, "{\"type\":\"X\",\"unknown\":true"));
        ck_assert_ptr_nonnull(strstr(s, "{\"type\":\"PXPHYSICAL\",\"misplaced\":true"));
        ck_assert_ptr_nonnull(strstr(s, "{\"name\":\"Y\",\"value\":\"1\",\"unknown\":true}"));
        free(s);
        cpdoc_free(d);
}
END_TEST

/* ---- /schema/path ----------------------------------------------------------------------- */

START_TEST(test_path) {
        CpDoc *d = parse_body(APP("w2", "") APP("w4", "") APP("w7", CHILD("APPAUTH", P("AAUTHLEVEL", "APPSRV"))
                                                           CHILD("APPADDR", P("ADDR", "a"))
                                                           CHILD("APPAUTH", P("AAUTHNAME", "a") P("AAUTHLEVEL", "BOGUS"))));
        DecodeError e = {};
        CpDocValidateError v = {};
        char buf[CPDOC_PATH_MAX];

        ck_assert_int_eq(cpdoc_validate_ex(d, &e, &v), -EBADMSG);
        ck_assert_str_eq(v.path, "/APPLICATION[3]/APPAUTH[2]/@AAUTHLEVEL[1]");
        ck_assert_ptr_eq(v.characteristic, d->chars->next->next->children->next->next);
        ck_assert_str_eq(v.parm->value, "BOGUS");
        ck_assert_ptr_null(v.parm_name);
        ck_assert_uint_eq(cpdoc_path(d, NULL, NULL, buf, sizeof buf), 1);
        ck_assert_str_eq(buf, "/");
        cpdoc_path(d, d->chars->next, NULL, buf, sizeof buf);
        ck_assert_str_eq(buf, "/APPLICATION[2]");
        cpdoc_free(d);

        /* a missing parm is named from the schema */
        d = parse_body(BOOT("") CHILD("NAPDEF", P("NAPID", "n")));
        ck_assert_int_eq(cpdoc_validate_ex(d, NULL, &v), -EBADMSG);
        ck_assert_str_eq(v.path, "/NAPDEF[1]/@NAP-ADDRESS");
        ck_assert_str_eq(v.parm_name, "NAP-ADDRESS");
        ck_assert_ptr_null(v.parm);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_path_escaping) {
        CpDoc *d = parse_body(CHILD("a/b[c]@d\\e f\xc3\xa9&#9;", P("n@1", "v")));
        char buf[CPDOC_PATH_MAX], small[16];
        size_t n;

        n = cpdoc_path(d, d->chars, d->chars->parms, buf, sizeof buf);
        ck_assert_str_eq(buf, "/a\\x2Fb\\x5Bc\\x5D\\x40d\\x5Ce\\x20f\\xC3\\xA9\\x09[1]/@n\\x401[1]");
        ck_assert_uint_eq(n, strlen(buf));
        n = cpdoc_path(d, d->chars, d->chars->parms, small, sizeof small);
        ck_assert_uint_lt(n, sizeof small);
        ck_assert_uint_eq(n, strlen(small));
        ck_assert_str_eq(small + n - 3, "...");
        ck_assert_uint_eq(cpdoc_path(d, d->chars, NULL, small, 3), 0);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_path_truncated) {
        /* the longest path there can be (8 levels of 64 TABs, 4 bytes each escaped) is cut */
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        char buf[CPDOC_PATH_MAX];
        const CpCharacteristic *c;
        CpDoc *d;

        for (unsigned i = 0; i < CPDOC_DEPTH_MAX; i++) {
                fputs("<characteristic type=\"", f);
                for (unsigned k = 0; k < CPDOC_NAME_MAX; k++)
                        fputs("&#9;", f);
                fputs("\">", f);
        }
        for (unsigned i = 0; i < CPDOC_DEPTH_MAX; i++)
                fputs("</characteristic>", f);
        fclose(f);
        d = parse_body(s);
        for (c = d->chars; c->children; c = c->children)
                ;
        n = cpdoc_path(d, c, NULL, buf, sizeof buf);
        ck_assert_uint_eq(n, strlen(buf));
        ck_assert_uint_lt(n, CPDOC_PATH_MAX);
        ck_assert_uint_ge(n, CPDOC_PATH_MAX - 8);
        ck_assert_str_eq(buf + n - 3, "...");
        ck_assert_int_eq(cpdoc_validate(d, NULL), 0);
        cpdoc_free(d);
        free(s);
}
END_TEST

/* ---- /schema/predicates ----------------------------------------------------------------- */

START_TEST(test_predicates) {
        ck_assert(schema_valid_uint("0", 0, 0));
        ck_assert(!schema_valid_uint("1", 0, 0));
        ck_assert(schema_valid_uint("4294967295", 0, UINT32_MAX));
        ck_assert(!schema_valid_uint("4294967296", 0, UINT32_MAX));
        ck_assert(!schema_valid_uint("00000000001", 0, 10)); /* more than 10 digits */
        ck_assert(schema_valid_uri("urn:x"));
        ck_assert(!schema_valid_uri(":x"));
        ck_assert(!schema_valid_uri("http://a/\""));
        ck_assert(!schema_valid_uri("http://a/{x}"));
        ck_assert(schema_valid_uri_ref("/a/b?c#d"));
        ck_assert(schema_valid_host("localhost"));
        ck_assert(schema_valid_host("::1"));
        ck_assert(!schema_valid_host("."));
        ck_assert(!schema_valid_host(""));
        ck_assert(!schema_valid_host("[10.0.0.1]"));
        ck_assert(!schema_valid_host("a234567890123456789012345678901234567890123456789012345678901234.b"));
        ck_assert(schema_valid_ipv4("0.0.0.0"));
        ck_assert(!schema_valid_ipv4("1.2.3"));
        ck_assert(schema_valid_ipv6("2001:db8::1"));
        ck_assert(!schema_valid_ipv6("2001:db8:::1"));
        ck_assert(schema_valid_e164("112"));
        ck_assert(!schema_valid_e164("+"));
        ck_assert(!schema_valid_e164("123456789012345678901"));
        ck_assert(schema_valid_apn(""));  /* NetworkManager accepts an empty APN */
        ck_assert(!schema_valid_apn("a@b"));
        ck_assert(schema_valid_base64("AAAA BBBB\r\nCC=="));
        ck_assert(!schema_valid_base64("AAAA===="));
        ck_assert(schema_valid_thumbprint("0000000000000000000000000000000000000000"));
        ck_assert(!schema_valid_thumbprint(""));
        ck_assert(schema_valid_token("!~"));
        ck_assert(!schema_valid_token(""));
        ck_assert(!schema_valid_token("\xc3\xa9"));
        ck_assert(schema_valid_token_list(" A , B "));
        ck_assert(!schema_valid_token_list(","));
        ck_assert(!schema_valid_token_list("   "));
}
END_TEST

/* ---- /schema/documents ------------------------------------------------------------------ */

static unsigned validate_glob(const char *pattern, bool skip_hostile) {
        glob_t g;
        unsigned n = 0;

        if (glob(pattern, 0, NULL, &g) != 0)
                return 0;
        for (size_t i = 0; i < g.gl_pathc; i++) {
                size_t len;
                uint8_t *b;
                DecodeError e = {};
                CpDocValidateError v = {};
                CpDoc *d = NULL;
                int r;

                if (skip_hostile && strstr(g.gl_pathv[i], "/hostile-"))
                        continue;
                b = tu_read_file(g.gl_pathv[i], &len);
                r = cpdoc_from_xml(b, len, &d, &e);
                ck_assert_msg(r == 0, "%s: parse %d %s", g.gl_pathv[i], r, e.reason ? e.reason : "-");
                r = cpdoc_validate_ex(d, &e, &v);
                ck_assert_msg(r == 0, "%s: %s at %s", g.gl_pathv[i], e.reason ? e.reason : "-", v.path);
                cpdoc_free(d);
                free(b);
                n++;
        }
        globfree(&g);
        return n;
}

START_TEST(test_real_documents) {
        /* ours: TV-A, TV-B, docs/testing.md §5.1 prov.xml, typical, e-mail/DS, CertificateStore, flagged */
        ck_assert_uint_ge(validate_glob("tests/data/xml/*.xml", true), 8);
        /* Kannel oma-settings sources and the demo pushes, when present in the tree */
        validate_glob("tests/data/kannel/*.xml", false);
        validate_glob("tests/data/demo/*.xml", false);
        validate_glob("bench/data/*.xml", false);
}
END_TEST

START_TEST(test_flagged_document) {
        size_t len;
        uint8_t *b = tu_read_file("tests/data/xml/flagged.xml", &len);
        CpDoc *d = NULL;

        ck_assert_int_eq(cpdoc_from_xml(b, len, &d, NULL), 0);
        ck_assert_int_eq(cpdoc_validate(d, NULL), 0);
        ck_assert_uint_eq(nth(d, 0)->flags, 0);                 /* VENDORCONFIG */
        ck_assert_uint_eq(nth(d, 1)->flags, CP_FLAG_UNKNOWN);   /* X-ACME-SETTINGS */
        ck_assert_uint_eq(nth(d, 2)->flags, CP_FLAG_UNKNOWN);   /* APPID ap0004 */
        ck_assert_uint_eq(nth(d, 3)->flags, 0);                 /* w7 with a vendor parm */
        ck_assert_uint_eq(nth(d, 4)->children->flags, CP_FLAG_UNKNOWN); /* WLAN */
        ck_assert_uint_eq(nth(d, 5)->flags, CP_FLAG_MISPLACED); /* PXPHYSICAL at the root */
        cpdoc_free(d);
        free(b);
}
END_TEST

static bool chars_equal(const CpCharacteristic *a, const CpCharacteristic *b) {
        for (; a && b; a = a->next, b = b->next) {
                const CpParm *p = a->parms, *q = b->parms;

                if (strcmp(a->type, b->type) != 0)
                        return false;
                for (; p && q; p = p->next, q = q->next)
                        if (strcmp(p->name, q->name) != 0 || (!p->value != !q->value) ||
                            (p->value && strcmp(p->value, q->value) != 0))
                                return false;
                if (p || q || !chars_equal(a->children, b->children))
                        return false;
        }
        return !a && !b;
}

/* The WBXML bodies of TV-A and TV-B (docs/wire-notes.md §5.7) validate to the same tree as the XML. */
START_TEST(test_wbxml_documents) {
        static const struct {
                const char *hex, *xml;
        } t[] = {
                { "030B6A00C54601C65601870706035465737400010101", "tests/data/xml/tv-a.xml" },
                { "030B6A00C54503312E310001C65601870706035465737420444D000101C600015501873606037737000187380603"
                  "646D7372760001870706035465737420444D00018734060368747470733A2F2F646D2E6578616D706C652E636F"
                  "6D2F646D0001C657018730068D0187330603444947455354000187310603757365720001873206037365637265"
                  "740001010101", "tests/data/xml/tv-b.xml" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                size_t n, m;
                uint8_t *w = tu_unhex(t[i].hex, &n), *x = tu_read_file(t[i].xml, &m);
                CpDoc *dw = NULL, *dx = NULL;
                DecodeError e = {};

                ck_assert_msg(cpdoc_from_bytes(w, n, &dw, &e) == 0, "%s: %s", t[i].xml, e.reason ? e.reason : "-");
                ck_assert_int_eq(cpdoc_from_bytes(x, m, &dx, NULL), 0);
                ck_assert_int_eq(dw->source, CPDOC_SOURCE_WBXML);
                ck_assert_int_eq(cpdoc_validate(dw, NULL), 0);
                ck_assert_int_eq(cpdoc_validate(dx, NULL), 0);
                ck_assert(chars_equal(dw->chars, dx->chars));
                cpdoc_free(dw);
                cpdoc_free(dx);
                free(w);
                free(x);
        }
}
END_TEST

int main(void) {
        Suite *s = suite_create("schema");
        TCase *tc;

        tc = tcase_create("/schema/required");
        TU_ADD(tc, test_required);
        suite_add_tcase(s, tc);

        tc = tcase_create("/schema/cardinality");
        TU_ADD(tc, test_cardinality);
        suite_add_tcase(s, tc);

        tc = tcase_create("/schema/syntax");
        TU_ADD(tc, test_syntax_enum);
        TU_ADD(tc, test_syntax_integer);
        TU_ADD(tc, test_syntax_flag);
        TU_ADD(tc, test_syntax_address);
        TU_ADD(tc, test_syntax_misc);
        TU_ADD(tc, test_predicates);
        suite_add_tcase(s, tc);

        tc = tcase_create("/schema/flags");
        TU_ADD(tc, test_flags_unknown);
        TU_ADD(tc, test_flags_misplaced);
        TU_ADD(tc, test_flags_reset_and_json);
        suite_add_tcase(s, tc);

        tc = tcase_create("/schema/path");
        TU_ADD(tc, test_path);
        TU_ADD(tc, test_path_escaping);
        TU_ADD(tc, test_path_truncated);
        suite_add_tcase(s, tc);

        tc = tcase_create("/schema/documents");
        tcase_set_timeout(tc, 30);
        TU_ADD(tc, test_real_documents);
        TU_ADD(tc, test_flagged_document);
        TU_ADD(tc, test_wbxml_documents);
        suite_add_tcase(s, tc);

        return tu_run(s);
}
