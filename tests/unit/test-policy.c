/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-policy.c: roles, metabase and the policy evaluator (verifierd/policy.c, metabase.c):
 * a table of the default policy (authentication outcome x characteristic type -> verdict and
 * reason), bootstrap disabled, the policy gates, the Check Point 2019 cases, the whole-document
 * rule listing every denied element, the DM-account and CertificateStore bounded-roles rule,
 * metabase drop-ins, and the shipped metabase.conf against the built-in table. Documents are
 * decoded from text XML and validated with the common/ decoders, as verifierd does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc-builder.h"
#include "cpdoc.h"
#include "element-path.h"
#include "verifierd/auth.h"
#include "verifierd/config.h"
#include "verifierd/policy.h"
#include "verifierd/store.h"
#include "testutil.h"

/* ---- documents ---------------------------------------------------------------------------- */

#define THUMB "3A5C7E9B1D2F4A6C8E0B1D3F5A7C9E1B3D5F7A9C"
#define CERT_B64 "TUlJQmR6Q0NBUjJnQXdJQkFnSUJBVEFLQmdncWhrak9QUVFEQWpBUE1RMHdDd1lE"

static const struct {
        const char *name;
        const char *xml; /* characteristics inside wap-provisioningdoc */
} kinds[] = {
        { "BOOTSTRAP", "<characteristic type=\"BOOTSTRAP\"><parm name=\"NAME\" value=\"Operator\"/>"
                       "<parm name=\"PROVURL\" value=\"http://tps.example.com/\"/></characteristic>" },
        { "NAPDEF", "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"NAP1\"/>"
                    "<parm name=\"NAME\" value=\"Internet\"/><parm name=\"NAP-ADDRESS\" value=\"internet\"/>"
                    "<parm name=\"NAP-ADDRTYPE\" value=\"APN\"/></characteristic>" },
        { "NAPAUTHINFO",
          "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"NAP1\"/>"
          "<parm name=\"NAME\" value=\"Internet\"/><parm name=\"NAP-ADDRESS\" value=\"internet\"/>"
          "<parm name=\"NAP-ADDRTYPE\" value=\"APN\"/>"
          "<characteristic type=\"NAPAUTHINFO\"><parm name=\"AUTHTYPE\" value=\"PAP\"/>"
          "<parm name=\"AUTHNAME\" value=\"u\"/><parm name=\"AUTHSECRET\" value=\"s\"/>"
          "</characteristic></characteristic>" },
        { "PXLOGICAL",
          "<characteristic type=\"PXLOGICAL\"><parm name=\"PROXY-ID\" value=\"PX1\"/>"
          "<parm name=\"NAME\" value=\"Proxy\"/><characteristic type=\"PXPHYSICAL\">"
          "<parm name=\"PHYSICAL-PROXY-ID\" value=\"PP1\"/><parm name=\"PXADDR\" value=\"10.0.0.1\"/>"
          "<parm name=\"PXADDRTYPE\" value=\"IPV4\"/><parm name=\"TO-NAPID\" value=\"NAP1\"/>"
          "</characteristic></characteristic>" },
        { "w2", "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/>"
                "<parm name=\"NAME\" value=\"Browser\"/><characteristic type=\"RESOURCE\">"
                "<parm name=\"URI\" value=\"http://example.com/\"/><parm name=\"NAME\" value=\"Home\"/>"
                "<parm name=\"STARTPAGE\"/></characteristic></characteristic>" },
        { "w2+TO-PROXY", "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/>"
                         "<parm name=\"NAME\" value=\"Browser\"/><parm name=\"TO-PROXY\" value=\"PX1\"/>"
                         "</characteristic>" },
        { "w4", "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w4\"/>"
                "<parm name=\"NAME\" value=\"MMS\"/><parm name=\"ADDR\" value=\"http://mmsc.example.com/\"/>"
                "</characteristic>" },
        { "w7", "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w7\"/>"
                "<parm name=\"PROVIDER-ID\" value=\"dmsrv\"/><parm name=\"NAME\" value=\"Test DM\"/>"
                "<parm name=\"ADDR\" value=\"https://dm.example.com/dm\"/>"
                "<characteristic type=\"APPAUTH\"><parm name=\"AAUTHLEVEL\" value=\"APPSRV\"/>"
                "<parm name=\"AAUTHTYPE\" value=\"DIGEST\"/><parm name=\"AAUTHNAME\" value=\"user\"/>"
                "<parm name=\"AAUTHSECRET\" value=\"secret\"/></characteristic></characteristic>" },
        { "25", "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"25\"/>"
                "<parm name=\"NAME\" value=\"Mail out\"/><characteristic type=\"APPADDR\">"
                "<parm name=\"ADDR\" value=\"smtp.example.com\"/></characteristic></characteristic>" },
        { "110", "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"110\"/>"
                 "<parm name=\"NAME\" value=\"Mail in\"/><characteristic type=\"APPADDR\">"
                 "<parm name=\"ADDR\" value=\"pop.example.com\"/></characteristic></characteristic>" },
        { "143", "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"143\"/>"
                 "<parm name=\"NAME\" value=\"IMAP\"/><characteristic type=\"APPADDR\">"
                 "<parm name=\"ADDR\" value=\"imap.example.com\"/></characteristic></characteristic>" },
        { "CertificateStore",
          "<characteristic type=\"CertificateStore\"><characteristic type=\"ROOT\">"
          "<characteristic type=\"" THUMB "\"><parm name=\"EncodedCertificate\" value=\"" CERT_B64
          "\"/></characteristic></characteristic></characteristic>" },
        { "unknown", "<characteristic type=\"FROBNICATE\"><parm name=\"X\" value=\"1\"/></characteristic>" },
        { "VENDORCONFIG", "<characteristic type=\"VENDORCONFIG\"><parm name=\"NAME\" value=\"acme\"/>"
                          "<parm name=\"ACME-KNOB\" value=\"1\"/></characteristic>" },
        { "ACCESS", "<characteristic type=\"ACCESS\"><parm name=\"APPID\" value=\"w2\"/>"
                    "<parm name=\"TO-NAPID\" value=\"NAP1\"/></characteristic>" },
        { "CLIENTIDENTITY", "<characteristic type=\"CLIENTIDENTITY\"><parm name=\"CLIENT-ID\" value=\"c1\"/>"
                            "</characteristic>" },
};

static CpDoc *doc_xml(const char *inner) {
        char *xml = NULL;
        CpDoc *d = NULL;
        DecodeError err = {};
        int r;

        ck_assert_int_ge(
                asprintf(&xml, "<wap-provisioningdoc version=\"1.1\">%s</wap-provisioningdoc>", inner), 0);
        r = cpdoc_from_xml((const uint8_t *) xml, strlen(xml), &d, &err);
        ck_assert_msg(r == 0, "decode: %d %s at %zu", r, err.reason ? err.reason : "", err.offset);
        r = cpdoc_validate(d, &err);
        ck_assert_msg(r == 0, "validate: %d %s", r, err.reason ? err.reason : "");
        free(xml);
        return d;
}

static CpDoc *doc_kind(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (strcmp(kinds[i].name, name) == 0)
                        return doc_xml(kinds[i].xml);
        ck_abort_msg("no kind %s", name);
        return NULL;
}

static Config *config_enabled(void) {
        Config *c = NULL;

        ck_assert_int_eq(config_new_default(&c), 0);
        c->bootstrap_enabled = true;
        return c;
}

static void eval(const Config *c, AuthMethod sec, const CpDoc *d, PolicyResult *res) {
        ck_assert_int_eq(policy_evaluate(c, c->metabase, sec, policy_auth_roles(c, sec), d, res), 0);
}

/* ---- the default-policy table ------------------------------------------------------------ */

enum { A = 1, D = 2, U = 3 }; /* applied, role-denied, unsupported (issue 12: never dropped silently) */

typedef struct Outcome {
        const char *name;
        AuthMethod sec;
        uint32_t grant_manager;
        bool accept_unauth;
        Reason gate;            /* != REASON_NONE: every kind gets this reason */
        uint32_t effective;
        int expect[16];         /* by kinds[] index */
} Outcome;

/*        BOOT NAP  AUTH PX   w2   w2px w4   w7   25   110  143  CERT unkn VEND ACC  CLID */
#define NET_ROW { A, A, A, A, A, A, A, A, A, A, A, D, D, A, A, A }
#define USER_ROW { D, D, D, D, A, D, D, D, A, A, A, D, D, D, D, D }
#define ALL_ROW { A, A, A, A, A, A, A, A, A, A, A, A, U, A, A, A }
#define NONE_ROW { D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D }

static const Outcome outcomes[] = {
        { "none", AUTH_NONE, 0, false, REASON_UNAUTHENTICATED, 64, NONE_ROW },
        { "none+accept", AUTH_NONE, 0, true, REASON_NONE, 64, NONE_ROW },
        { "NETWPIN", AUTH_NETWPIN, 0, false, REASON_NONE, 4, NET_ROW },
        { "USERPIN", AUTH_USERPIN, 0, false, REASON_NONE, 16, USER_ROW },
        { "USERNETWPIN", AUTH_USERNETWPIN, 0, false, REASON_NONE, 20, NET_ROW },
        { "USERPINMAC", AUTH_USERPINMAC, 0, false, REASON_NONE, 16, USER_ROW },
        /* GrantManager=4 ("Enabling OTA bootstrapping"): operator-signed messages act as Manager */
        { "NETWPIN+GM4", AUTH_NETWPIN, 4, false, REASON_NONE, 12, ALL_ROW },
        { "USERPIN+GM4", AUTH_USERPIN, 4, false, REASON_NONE, 16, USER_ROW },
        { "USERNETWPIN+GM4", AUTH_USERNETWPIN, 4, false, REASON_NONE, 28, ALL_ROW },
        { "USERPINMAC+GM4", AUTH_USERPINMAC, 4, false, REASON_NONE, 16, USER_ROW },
        { "none+accept+GM4", AUTH_NONE, 4, true, REASON_NONE, 64, NONE_ROW },
        /* GrantManager=20 (OPERATOR|USER_AUTH): also the user-PIN methods act as Manager */
        { "NETWPIN+GM20", AUTH_NETWPIN, 20, false, REASON_NONE, 12, ALL_ROW },
        { "USERPIN+GM20", AUTH_USERPIN, 20, false, REASON_NONE, 24, ALL_ROW },
        { "USERNETWPIN+GM20", AUTH_USERNETWPIN, 20, false, REASON_NONE, 28, ALL_ROW },
        { "USERPINMAC+GM20", AUTH_USERPINMAC, 20, false, REASON_NONE, 24, ALL_ROW },
        { "none+accept+GM20", AUTH_NONE, 20, true, REASON_NONE, 64, NONE_ROW },
};

START_TEST(test_default_table) {
        unsigned cells = 0;

        ck_assert_uint_eq(ELEMENTSOF(kinds), 16);
        for (size_t o = 0; o < ELEMENTSOF(outcomes); o++) {
                const Outcome *oc = &outcomes[o];
                _cleanup_(config_freep) Config *c = config_enabled();

                c->grant_manager = oc->grant_manager;
                c->accept_unauthenticated = oc->accept_unauth;
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        CpDoc *d = doc_xml(kinds[k].xml);
                        PolicyResult res;
                        Verdict want_v;
                        Reason want_r;

                        eval(c, oc->sec, d, &res);
                        if (oc->gate != REASON_NONE) {
                                want_v = VERDICT_REJECTED;
                                want_r = oc->gate;
                        } else if (oc->expect[k] == A) {
                                want_v = VERDICT_APPLIED;
                                want_r = REASON_NONE;
                        } else if (oc->expect[k] == U) {
                                want_v = VERDICT_REJECTED;
                                want_r = REASON_UNSUPPORTED;
                        } else {
                                want_v = VERDICT_REJECTED;
                                want_r = REASON_ROLE_DENIED;
                        }
                        ck_assert_msg(res.verdict == want_v && res.reason == want_r,
                                      "%s x %s: got %s/%s, want %s/%s", oc->name, kinds[k].name,
                                      verdict_to_string(res.verdict), reason_to_string(res.reason),
                                      verdict_to_string(want_v), reason_to_string(want_r));
                        ck_assert_uint_eq(res.effective_roles, oc->effective);
                        if (want_r == REASON_ROLE_DENIED)
                                ck_assert_uint_ge(res.n_denied, 1);
                        if (want_v == VERDICT_APPLIED)
                                ck_assert_uint_eq(res.n_denied, 0);
                        /* NETWPIN-only pushes wait for confirmation (4132 default) */
                        ck_assert(res.needs_confirmation ==
                                  (want_v == VERDICT_APPLIED && oc->sec == AUTH_NETWPIN));
                        cpdoc_free(d);
                        cells++;
                }
        }
        ck_assert_uint_eq(cells, ELEMENTSOF(outcomes) * ELEMENTSOF(kinds));
}
END_TEST

START_TEST(test_bootstrap_disabled) {
        /* the default: every push, whatever its authentication and content */
        _cleanup_(config_freep) Config *c = NULL;
        AuthMethod secs[] = {AUTH_NONE, AUTH_NETWPIN, AUTH_USERPIN, AUTH_USERNETWPIN,
                         AUTH_USERPINMAC};

        ck_assert_int_eq(config_new_default(&c), 0);
        ck_assert(!c->bootstrap_enabled);
        c->grant_manager = ROLE_ALL;            /* even with every grant */
        c->accept_unauthenticated = true;
        for (size_t s = 0; s < ELEMENTSOF(secs); s++)
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        CpDoc *d = doc_xml(kinds[k].xml);
                        PolicyResult res;

                        eval(c, secs[s], d, &res);
                        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
                        ck_assert_str_eq(reason_to_string(res.reason), "bootstrap-disabled");
                        ck_assert_uint_eq(res.n_denied, 0);
                        cpdoc_free(d);
                }
        /* the example drop-in turns it on */
        {
                _cleanup_(config_freep) Config *n = NULL;
                const char *root = "tests/data/config/precedence/usr-lib"; /* has 10-enable.conf */
                ConfigError err = {};
                CpDoc *d = doc_kind("w4");
                PolicyResult res;

                ck_assert_int_eq(config_load_roots(&root, 1, &n, &err), 0);
                ck_assert(n->bootstrap_enabled);
                eval(n, AUTH_NETWPIN, d, &res);
                ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
                cpdoc_free(d);
        }
}
END_TEST

START_TEST(test_gates) {
        _cleanup_(config_freep) Config *c = config_enabled();
        CpDoc *d = doc_kind("w2");
        PolicyResult res;

        /* unauthenticated: rejected by default, before any metabase check */
        eval(c, AUTH_NONE, d, &res);
        ck_assert_int_eq(res.reason, REASON_UNAUTHENTICATED);
        /* per-method acceptance */
        for (int s = 0; s < _AUTH_SEC_MAX; s++) {
                c->accept_sec[s] = false;
                eval(c, (AuthMethod) s, d, &res);
                ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
                ck_assert_str_eq(reason_to_string(res.reason), "policy-denied");
                ck_assert_uint_eq(res.n_denied, 0);
                c->accept_sec[s] = true;
                eval(c, (AuthMethod) s, d, &res);
                ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        }
        /* order: bootstrap-disabled before unauthenticated before policy-denied */
        c->accept_sec[AUTH_USERPIN] = false;
        c->bootstrap_enabled = false;
        eval(c, AUTH_USERPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_BOOTSTRAP_DISABLED);
        eval(c, AUTH_NONE, d, &res);
        ck_assert_int_eq(res.reason, REASON_BOOTSTRAP_DISABLED);
        /* ConfirmNetworkPin=no: NETWPIN applies silently */
        c->bootstrap_enabled = true;
        c->confirm_network_pin = false;
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert(!res.needs_confirmation);
        /* an OMA DM session's document (AUTH_DM): no OTA gate (the account is the DM route's),
         * and no grant: exactly the account's roles */
        c->bootstrap_enabled = false;
        c->grant_manager = ROLE_OPERATOR;
        ck_assert_int_eq(policy_evaluate(c, c->metabase, AUTH_DM, ROLE_OPERATOR, d, &res), 0);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.effective_roles, ROLE_OPERATOR);
        ck_assert(!res.needs_confirmation);
        ck_assert_int_eq(policy_evaluate(c, c->metabase, AUTH_DM, ROLE_USER_UNAUTH, d, &res), 0);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        c->grant_manager = 0;
        c->bootstrap_enabled = true;
        /* bad arguments */
        ck_assert_int_eq(policy_evaluate(NULL, c->metabase, AUTH_NETWPIN, 4, d, &res), -EINVAL);
        /* _AUTH_SEC_MAX is AUTH_SIGNED (a signed package), AUTH_DM follows (an OMA DM session's
         * document); one past the last method is out of range */
        ck_assert_int_eq(policy_evaluate(c, c->metabase, (AuthMethod) _AUTH_METHOD_MAX, 4, d, &res), -EINVAL);
        ck_assert_int_eq(policy_evaluate(c, c->metabase, AUTH_NETWPIN, 4, NULL, &res), -EINVAL);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_grants) {
        _cleanup_(config_freep) Config *c = config_enabled();

        ck_assert_uint_eq(policy_auth_roles(c, AUTH_NONE), 64);
        ck_assert_uint_eq(policy_auth_roles(c, AUTH_NETWPIN), 4);
        ck_assert_uint_eq(policy_auth_roles(c, AUTH_USERPIN), 16);
        ck_assert_uint_eq(policy_auth_roles(c, AUTH_USERNETWPIN), 20);
        ck_assert_uint_eq(policy_auth_roles(c, AUTH_USERPINMAC), 16);
        ck_assert_uint_eq(policy_auth_roles(c, _AUTH_SEC_MAX), 0);
        ck_assert_uint_eq(policy_effective_roles(c, 20), 20);
        c->grant_manager = 4;
        ck_assert_uint_eq(policy_effective_roles(c, 4), 12);
        ck_assert_uint_eq(policy_effective_roles(c, 16), 16);
        /* Grant User Authenticated (4120) */
        c->grant_manager = 0;
        c->grant_user_auth = 4;
        ck_assert_uint_eq(policy_effective_roles(c, 4), 20);
        /* no chaining: unauth -> user-auth does not then meet GrantManager=USER_AUTH */
        c->grant_user_auth = 64;
        c->grant_manager = 16;
        ck_assert_uint_eq(policy_effective_roles(c, 64), 80);
        ck_assert_uint_eq(policy_effective_roles(c, 16), 24);
        /* a USERPIN message granted user-auth rights on top of NETWPIN may set a w2 bookmark */
        {
                CpDoc *d = doc_kind("w2");
                PolicyResult res;

                c->grant_user_auth = 4;
                c->grant_manager = 0;
                ck_assert_int_eq(policy_evaluate(c, c->metabase, AUTH_NETWPIN, 4, d, &res), 0);
                ck_assert_uint_eq(res.auth_roles, 4);
                ck_assert_uint_eq(res.effective_roles, 20);
                cpdoc_free(d);
        }
}
END_TEST

/* ---- Check Point 2019 (docs/wire-notes.md §7) ------------------------------------------------------ */

START_TEST(test_checkpoint) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        CpDoc *px = doc_xml(
                "<characteristic type=\"PXLOGICAL\"><parm name=\"PROXY-ID\" value=\"evil\"/>"
                "<characteristic type=\"PXPHYSICAL\"><parm name=\"PHYSICAL-PROXY-ID\" value=\"p\"/>"
                "<parm name=\"PXADDR\" value=\"198.51.100.7\"/><parm name=\"TO-NAPID\" value=\"INTERNET\"/>"
                "</characteristic></characteristic>"
                "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/>"
                "<parm name=\"TO-PROXY\" value=\"evil\"/></characteristic>");

        /* unsigned proxy change: rejected by default ... */
        eval(c, AUTH_NONE, px, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(res.reason, REASON_UNAUTHENTICATED);
        /* ... and still rejected where unsigned pushes are accepted: the proxy is network-level */
        c->accept_unauthenticated = true;
        eval(c, AUTH_NONE, px, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.n_denied, 2);
        ck_assert_str_eq(res.denied[0].path, "/PXLOGICAL[PROXY-ID=evil]");
        ck_assert_str_eq(res.denied[1].path, "/APPLICATION[APPID=w2]");
        /* USERPIN (attacker-chosen PIN) proxy change: the w2 part alone is fine, the rest is not */
        eval(c, AUTH_USERPIN, px, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.n_denied, 2);
        ck_assert_str_eq(res.denied[0].path, "/PXLOGICAL[PROXY-ID=evil]");
        ck_assert_str_eq(res.denied[1].path, "/APPLICATION[APPID=w2].TO-PROXY");
        ck_assert_uint_eq(res.denied[1].required, 140);
        cpdoc_free(px);

        /* USERPIN NAPDEF change */
        {
                CpDoc *nap = doc_kind("NAPAUTHINFO");

                eval(c, AUTH_USERPIN, nap, &res);
                ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
                ck_assert_str_eq(reason_to_string(res.reason), "role-denied");
                ck_assert_uint_eq(res.n_denied, 1);
                ck_assert_str_eq(res.denied[0].path, "/NAPDEF[NAPID=NAP1]");
                eval(c, AUTH_USERPINMAC, nap, &res);
                ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
                cpdoc_free(nap);
        }
        /* NETWPIN with the wrong IMSI never reaches the policy: the MAC does not verify */
        {
                size_t n;
                uint8_t *b = tu_unhex("030B6A00C54601C65601870706035465737400010101", &n);
                _cleanup_secret_ Secret *right = NULL, *wrong = NULL;

                ck_assert_int_eq(secret_new_from_string("262011234567890", &right), 0);
                ck_assert_int_eq(secret_new_from_string("262011234567891", &wrong), 0);
                ck_assert_int_eq(auth_verify(AUTH_NETWPIN, b, n,
                                             "A7EFB3E213C7DA2B3DBA091E2CCD601B316B8052", right, NULL),
                                 0);
                ck_assert_int_eq(auth_verify(AUTH_NETWPIN, b, n,
                                             "A7EFB3E213C7DA2B3DBA091E2CCD601B316B8052", wrong, NULL),
                                 -EKEYREJECTED);
                free(b);
        }
}
END_TEST

/* ---- the whole-document rule ------------------------------------------------------------------ */

START_TEST(test_whole_document) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        char xml[8192];

        /* one allowed element (w2 bookmark) and several denied ones: all listed, nothing applied */
        snprintf(xml, sizeof xml, "%s%s%s%s%s%s%s", kinds[4].xml /* w2 ok */, kinds[1].xml /* NAPDEF */,
                 kinds[3].xml /* PXLOGICAL */, kinds[7].xml /* w7 */, kinds[5].xml /* w2 TO-PROXY */,
                 kinds[1].xml /* NAPDEF again */, kinds[12].xml /* unknown */);
        CpDoc *d = doc_xml(xml);

        eval(c, AUTH_USERPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.n_denied, 6);
        ck_assert_str_eq(res.denied[0].path, "/NAPDEF[NAPID=NAP1]");
        ck_assert_str_eq(res.denied[1].path, "/PXLOGICAL[PROXY-ID=PX1]");
        ck_assert_str_eq(res.denied[2].path, "/APPLICATION[APPID=w7,PROVIDER-ID=dmsrv]");
        ck_assert_str_eq(res.denied[3].path, "/APPLICATION[APPID=w2]#1.TO-PROXY");
        ck_assert_str_eq(res.denied[4].path, "/NAPDEF[NAPID=NAP1]#1");
        ck_assert_str_eq(res.denied[5].path, "/FROBNICATE");
        for (unsigned i = 0; i < res.n_denied; i++)
                ck_assert_int_eq(res.denied[i].reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.denied[5].required, ROLE_MANAGER);
        /* the same document from the operator: only the unknown element stays denied */
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.n_denied, 1);
        ck_assert_str_eq(res.denied[0].path, "/FROBNICATE");
        cpdoc_free(d);
}
END_TEST

START_TEST(test_denied_list_bounded) {
        _cleanup_(config_freep) Config *c = config_enabled();
        size_t n = POLICY_DENIED_MAX + 8, len = strlen(kinds[1].xml);
        char *xml = calloc(1, n * len + 1);
        PolicyResult res;

        for (size_t i = 0; i < n; i++)
                memcpy(xml + i * len, kinds[1].xml, len);
        CpDoc *d = doc_xml(xml);

        eval(c, AUTH_USERPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.n_denied, n); /* counts all */
        ck_assert_str_eq(res.denied[POLICY_DENIED_MAX - 1].path, "/NAPDEF[NAPID=NAP1]#31");
        cpdoc_free(d);
        free(xml);
}
END_TEST

START_TEST(test_unknown_parm) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        CpDoc *d = doc_xml("<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"N\"/>"
                           "<parm name=\"NAME\" value=\"x\"/><parm name=\"NAP-ADDRESS\" value=\"apn\"/>"
                           "<parm name=\"X-FOO\" value=\"1\"/></characteristic>");

        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.n_denied, 1);
        ck_assert_str_eq(res.denied[0].path, "/NAPDEF[NAPID=N].X-FOO");
        /* Manager may set anything, but nothing is dropped silently (issue 12): an element
         * provboot neither stores nor applies refuses the document, listed */
        c->grant_manager = 4;
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(res.reason, REASON_UNSUPPORTED);
        ck_assert_uint_eq(res.n_denied, 1);
        ck_assert_str_eq(res.denied[0].path, "/NAPDEF[NAPID=N].X-FOO");
        ck_assert_int_eq(res.denied[0].reason, REASON_UNSUPPORTED);
        cpdoc_free(d);
        /* a misplaced known type (PXPHYSICAL at the root) is treated as unknown */
        d = doc_xml("<characteristic type=\"PXPHYSICAL\"><parm name=\"PHYSICAL-PROXY-ID\" value=\"p\"/>"
                    "<parm name=\"PXADDR\" value=\"10.0.0.1\"/><parm name=\"TO-NAPID\" "
                    "value=\"N\"/></characteristic>");
        ck_assert(d->chars->flags & (CP_FLAG_MISPLACED | CP_FLAG_UNKNOWN));
        c->grant_manager = 0;
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.denied[0].required, ROLE_MANAGER);
        cpdoc_free(d);
}
END_TEST

/* ---- DM accounts and certificates ------------------------------------------------------------- */

static CpDoc *w7_with_role(const char *role) {
        char xml[1024];

        snprintf(xml, sizeof xml,
                 "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w7\"/>"
                 "<parm name=\"PROVIDER-ID\" value=\"dmsrv\"/><parm name=\"NAME\" value=\"DM\"/>"
                 "<parm name=\"ADDR\" value=\"https://dm.example.com/\"/>%s%s%s</characteristic>",
                 role ? "<parm name=\"ROLE\" value=\"" : "", role ? role : "", role ? "\"/>" : "");
        return doc_xml(xml);
}

START_TEST(test_dm_account_roles) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        CpDoc *d;

        /* USERNETWPIN (20), ROLE=8 (Manager) without GrantManager: escalation */
        d = w7_with_role("8");
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_str_eq(reason_to_string(res.reason), "role-escalation");
        ck_assert_uint_eq(res.n_denied, 1);
        ck_assert_str_eq(res.denied[0].path, "/APPLICATION[APPID=w7,PROVIDER-ID=dmsrv].ROLE");
        ck_assert_int_eq(res.denied[0].reason, REASON_ROLE_ESCALATION);
        ck_assert_uint_eq(res.denied[0].required, 8);
        /* with GrantManager=4 the message holds Manager: allowed, account roles 8 */
        c->grant_manager = 4;
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.n_dm_accounts, 1);
        ck_assert_uint_eq(res.dm_accounts[0].roles, 8);
        c->grant_manager = 0;
        cpdoc_free(d);

        /* ROLE=4: applied, the account gets exactly 4 */
        d = w7_with_role("4");
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_int_eq(res.reason, REASON_NONE);
        ck_assert_uint_eq(res.n_dm_accounts, 1);
        ck_assert_uint_eq(res.dm_accounts[0].roles, 4);
        ck_assert(res.dm_accounts[0].role_explicit);
        ck_assert_str_eq(res.dm_accounts[0].provider_id, "dmsrv");
        ck_assert_str_eq(res.dm_accounts[0].name, "DM");
        cpdoc_free(d);

        /* no ROLE: the account gets the message's (effective) roles */
        d = w7_with_role(NULL);
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.dm_accounts[0].roles, 20);
        ck_assert(!res.dm_accounts[0].role_explicit);
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_uint_eq(res.dm_accounts[0].roles, 4);
        c->grant_manager = 4;
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_uint_eq(res.dm_accounts[0].roles, 12);
        c->grant_manager = 0;
        cpdoc_free(d);

        /* ROLE=16 from NETWPIN (4): escalation; ROLE=0 is a subset (no rights) */
        d = w7_with_role("16");
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_ESCALATION);
        cpdoc_free(d);
        d = w7_with_role("0");
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.dm_accounts[0].roles, 0);
        cpdoc_free(d);
        /* ROLE with bit 0 (no such role) is malformed */
        d = w7_with_role("5");
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_MALFORMED);
        cpdoc_free(d);
        /* USERPIN cannot create a DM account at all: role-denied, ROLE not even looked at */
        d = w7_with_role("16");
        eval(c, AUTH_USERPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_str_eq(res.denied[0].path, "/APPLICATION[APPID=w7,PROVIDER-ID=dmsrv]");
        ck_assert_uint_eq(res.n_dm_accounts, 0);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_dm_escalation_beats_denial) {
        /* a document with both a denied element and an escalating ROLE reports role-escalation,
         * and lists both */
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        char xml[4096];

        snprintf(xml, sizeof xml, "%s%s", kinds[12].xml,
                 "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w7\"/>"
                 "<parm name=\"ADDR\" value=\"https://dm.example.com/\"/><parm name=\"ROLE\" value=\"8\"/>"
                 "</characteristic>");
        CpDoc *d = doc_xml(xml);

        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_ESCALATION);
        ck_assert_uint_eq(res.n_denied, 2);
        ck_assert_int_eq(res.denied[0].reason, REASON_ROLE_DENIED);
        ck_assert_int_eq(res.denied[1].reason, REASON_ROLE_ESCALATION);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_dm_accounts_bounded) {
        _cleanup_(config_freep) Config *c = config_enabled();
        size_t n = POLICY_DM_ACCOUNTS_MAX + 1;
        char *xml = calloc(n, 512);
        PolicyResult res;

        for (size_t i = 0; i < n; i++) {
                char one[512];

                snprintf(one, sizeof one,
                         "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w7\"/>"
                         "<parm name=\"PROVIDER-ID\" value=\"s%zu\"/><parm name=\"ADDR\" "
                         "value=\"https://dm/\"/>"
                         "</characteristic>",
                         i);
                strcat(xml, one);
        }
        CpDoc *d = doc_xml(xml);

        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(res.reason, REASON_POLICY_DENIED);
        ck_assert_uint_eq(res.n_dm_accounts, n);
        ck_assert_str_eq(res.denied[0].path, "/APPLICATION[APPID=w7,PROVIDER-ID=s16]");
        cpdoc_free(d);
        free(xml);
}
END_TEST

static CpDoc *cert_with_role(const char *store, const char *role) {
        char xml[2048];

        snprintf(xml, sizeof xml,
                 "<characteristic type=\"CertificateStore\"><characteristic type=\"%s\">"
                 "<characteristic type=\"" THUMB "\"><parm name=\"EncodedCertificate\" value=\"" CERT_B64
                 "\"/>"
                 "<parm name=\"Role\" value=\"%s\"/></characteristic></characteristic></characteristic>",
                 store, role);
        return doc_xml(xml);
}

START_TEST(test_certificate_role_bounded) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        CpDoc *d;

        /* CertificateStore is Manager-only: USERNETWPIN without a grant is denied outright */
        d = cert_with_role("SPC", "8");
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_str_eq(res.denied[0].path, "/CertificateStore");
        /* with GrantManager=20 the message holds 28: Role=8 is within it */
        c->grant_manager = 20;
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.n_cert_roles, 1);
        ck_assert_uint_eq(res.cert_roles[0].roles, 8);
        ck_assert_str_eq(res.cert_roles[0].certificate->type, THUMB);
        cpdoc_free(d);
        /* Microsoft's privileged-root mask 222 holds roles the message lacks: escalation */
        d = cert_with_role("SPC", "222");
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_str_eq(reason_to_string(res.reason), "role-escalation");
        ck_assert_str_eq(res.denied[0].path, "/CertificateStore/SPC/" THUMB ".Role");
        ck_assert_uint_eq(res.denied[0].required, 222);
        cpdoc_free(d);
        /* the same check for any store */
        d = cert_with_role("Privileged Execution Trust Authorities", "16");
        eval(c, AUTH_NETWPIN, d, &res); /* NETWPIN+GM20 = 12: 16 is not held */
        ck_assert_int_eq(res.reason, REASON_ROLE_ESCALATION);
        cpdoc_free(d);

        /* the primitive the certificate-store work reuses */
        {
                uint32_t v = 0;

                ck_assert_int_eq(policy_check_bounded_roles(28, "8", &v), 0);
                ck_assert_uint_eq(v, 8);
                ck_assert_int_eq(policy_check_bounded_roles(28, "28", &v), 0);
                ck_assert_int_eq(policy_check_bounded_roles(28, "0", &v), 0);
                ck_assert_uint_eq(v, 0);
                ck_assert_int_eq(policy_check_bounded_roles(28, "32", &v), -EPERM);
                ck_assert_int_eq(policy_check_bounded_roles(28, "222", &v), -EPERM);
                ck_assert_int_eq(policy_check_bounded_roles(28, "8x", &v), -EINVAL);
                ck_assert_int_eq(policy_check_bounded_roles(28, "", &v), -EINVAL);
                ck_assert_int_eq(policy_check_bounded_roles(28, "-8", &v), -EINVAL);
                ck_assert_int_eq(policy_check_bounded_roles(8191, "8191", &v), -EINVAL);
                ck_assert_int_eq(policy_check_bounded_roles(28, NULL, &v), 0);
                ck_assert_uint_eq(v, 28);
        }
}
END_TEST

/* ---- metabase ----------------------------------------------------------------------------------- */

START_TEST(test_metabase_dropin_override) {
        _cleanup_(config_freep) Config *c = config_enabled();
        ConfigError err = {};
        PolicyResult res;
        CpDoc *nap = doc_kind("NAPAUTHINFO"), *w2px = doc_kind("w2+TO-PROXY"), *w2 = doc_kind("w2"),
              *unk = doc_kind("unknown");

        /* loosen: let user-PIN messages set NAPDEF */
        ck_assert_int_eq(metabase_load_string(c->metabase, "10-nap",
                                              "[Characteristic NAPDEF]\nRoles=MANAGER|USER_AUTH\n", &err),
                         0);
        eval(c, AUTH_USERPIN, nap, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        /* ... which also took it away from the operator */
        eval(c, AUTH_NETWPIN, nap, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        /* tighten a nested type: NAPAUTHINFO Manager only */
        ck_assert_int_eq(metabase_load_string(c->metabase, "20-auth",
                                              "[Characteristic NAPDEF]\nRoles=140\n"
                                              "[Characteristic NAPAUTHINFO]\nRoles=8\n",
                                              &err),
                         0);
        eval(c, AUTH_NETWPIN, nap, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_str_eq(res.denied[0].path, "/NAPDEF[NAPID=NAP1]/NAPAUTHINFO");
        /* parm-level: allow TO-PROXY for user PINs */
        eval(c, AUTH_USERPIN, w2px, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_int_eq(
                metabase_load_string(c->metabase, "30-w2", "[Application w2]\nParm.TO-PROXY=156\n", &err),
                0);
        eval(c, AUTH_USERPIN, w2px, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        /* Parm-only section keeps the APPLICATION's own mask */
        eval(c, AUTH_USERPIN, w2, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        /* tighten w2 to Manager */
        ck_assert_int_eq(metabase_load_string(c->metabase, "40-w2", "[Application w2]\nRoles=8\n", &err), 0);
        eval(c, AUTH_USERPIN, w2, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        /* allow an unknown vendor type by naming it */
        eval(c, AUTH_NETWPIN, unk, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_int_eq(metabase_load_string(c->metabase, "50-frob",
                                              "[Characteristic FROBNICATE]\nRoles=OPERATOR\nParm.X=4\n",
                                              &err),
                         0);
        eval(c, AUTH_NETWPIN, unk, &res);
        /* the metabase now lets the operator set it, yet nothing stores or applies it: refused as
         * unsupported rather than reported applied (issue 12) */
        ck_assert_int_eq(res.reason, REASON_UNSUPPORTED);
        ck_assert_str_eq(res.denied[0].path, "/FROBNICATE");
        /* or all unknown elements at once */
        ck_assert_int_eq(metabase_load_string(c->metabase, "60-def", "[Defaults]\nUnknown=12\n", &err), 0);
        cpdoc_free(nap);
        cpdoc_free(w2px);
        cpdoc_free(w2);
        cpdoc_free(unk);
}
END_TEST

START_TEST(test_metabase_dropin_errors) {
        _cleanup_(metabase_freep) Metabase *m = NULL;
        static const struct {
                const char *text;
                unsigned line;
                const char *needle;
        } t[] = {
                { "[Characteristic NAPDEF]\nRole=8\n", 2, "unknown key 'Role'" },
                { "[Characteristic NAPDEF]\nRoles=1\n", 2, "expects a role mask" },
                { "[Characteristic NAPDEF]\nRoles=\n", 2, "expects a role mask" },
                { "# x\n[Thing NAPDEF]\nRoles=8\n", 3, "unknown section [Thing NAPDEF]" },
                { "[Defaults]\nFoo=8\n", 2, "unknown key 'Foo' in section [Defaults]" },
                { "[Application w2]\nParm.=8\n", 2, "unknown key 'Parm.'" },
                { "[Characteristic "
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA]\nRoles=8\n",
                 1, "section name longer than 49"}, /* refused, never truncated */
                { "[Characteristic]\nRoles=8\n", 2, "unknown section [Characteristic]" },
        };

        ck_assert_int_eq(metabase_new_default(&m), 0);
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ConfigError err = {};

                ck_assert_msg(metabase_load_string(m, "x.conf", t[i].text, &err) == -EINVAL, "case %zu", i);
                ck_assert_str_eq(err.file, "x.conf");
                ck_assert_msg(err.line == t[i].line, "%zu: line %u", i, err.line);
                ck_assert_msg(strstr(err.message, t[i].needle), "%zu: %s", i, err.message);
        }
}
END_TEST

START_TEST(test_metabase_dropin_files) {
        /* metabase.d drop-ins across roots, with masking: via config_load_roots */
        _cleanup_(config_freep) Config *c = NULL;
        const char *roots[3] = {
                "tests/data/config/precedence/usr-lib",
                "tests/data/config/precedence/run",
                "tests/data/config/precedence/etc",
        };
        ConfigError err = {};
        PolicyResult res;
        CpDoc *nap = doc_kind("NAPDEF"), *w2px = doc_kind("w2+TO-PROXY");

        ck_assert_int_eq(config_load_roots(roots, 3, &c, &err), 0);
        /* 10-napdef.conf: NAPDEF Manager only; NetworkPin roles are 132 there, GrantManager 20 */
        ck_assert_int_eq(policy_evaluate(c, c->metabase, AUTH_USERPIN, 16, nap, &res), 0);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED); /* 16 & GrantManager(20) -> Manager */
        c->grant_manager = 0;
        ck_assert_int_eq(policy_evaluate(c, c->metabase, AUTH_NETWPIN, 132, nap, &res), 0);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        /* 20-w2.conf: TO-PROXY for user PINs */
        ck_assert_int_eq(policy_evaluate(c, c->metabase, AUTH_USERPIN, 16, w2px, &res), 0);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        cpdoc_free(nap);
        cpdoc_free(w2px);
}
END_TEST

static char *metabase_text(const Metabase *m) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(metabase_write(m, f), 0);
        fclose(f);
        return buf;
}

START_TEST(test_shipped_metabase_conf) {
        /* packaging/config/metabase.conf, read into an empty metabase, is the built-in table */
        _cleanup_(metabase_freep) Metabase *builtin = NULL, *file = NULL, *again = NULL;
        ConfigError err = {};
        size_t n;
        uint8_t *text = tu_read_file("packaging/config/metabase.conf", &n);
        char *s = strndup((const char *) text, n), *a, *b, *c2;

        ck_assert_int_eq(metabase_new_default(&builtin), 0);
        ck_assert_int_eq(metabase_new_empty(&file), 0);
        ck_assert_int_eq(metabase_load_string(file, "metabase.conf", s, &err), 0);
        a = metabase_text(builtin);
        b = metabase_text(file);
        ck_assert_str_eq(a, b);
        /* and the writer's output reads back to the same table */
        ck_assert_int_eq(metabase_new_empty(&again), 0);
        ck_assert_int_eq(metabase_load_string(again, "written", a, &err), 0);
        c2 = metabase_text(again);
        ck_assert_str_eq(a, c2);
        /* no default mask lets an unsigned push set anything */
        ck_assert_ptr_null(strstr(a, "=64\n"));
        free(a);
        free(b);
        free(c2);
        free(s);
        free(text);
}
END_TEST

START_TEST(test_metabase_lookup) {
        _cleanup_(metabase_freep) Metabase *m = NULL;
        CpDoc *d = doc_kind("NAPAUTHINFO"), *w2 = doc_kind("w2+TO-PROXY"), *w7 = w7_with_role("4");

        ck_assert_int_eq(metabase_new_default(&m), 0);
        ck_assert_uint_eq(metabase_char_roles(m, d->chars), 140);
        ck_assert_uint_eq(metabase_char_roles(m, d->chars->children), 140); /* inherits */
        ck_assert_uint_eq(metabase_parm_roles(m, d->chars->children, d->chars->children->parms), 140);
        ck_assert_uint_eq(metabase_char_roles(m, w2->chars), 156);
        for (const CpParm *p = w2->chars->parms; p; p = p->next)
                ck_assert_uint_eq(metabase_parm_roles(m, w2->chars, p),
                                  strcmp(p->name, "TO-PROXY") ? 156 : 140);
        ck_assert_uint_eq(metabase_parm_roles(m, w7->chars, cpdoc_find_parm(w7->chars, "ROLE")), 140);
        /* an APPLICATION with an APPID the table does not list: [Characteristic APPLICATION] */
        {
                CpDoc *x = doc_kind("w4");
                CpCharacteristic fake = *x->chars;

                ck_assert_uint_eq(metabase_char_roles(m, &fake), 140);
                cpdoc_free(x);
        }
        cpdoc_free(d);
        cpdoc_free(w2);
        cpdoc_free(w7);
}
END_TEST

/* ---- roles and paths ------------------------------------------------------------------------------ */

START_TEST(test_roles) {
        static const struct {
                uint32_t bit;
                const char *name;
        } t[] = {
                {0, "NONE" },
                {2, "OEM" },
                {4, "OPERATOR" },
                {8, "MANAGER" },
                {16, "USER_AUTH" },
                {32, "ENTERPRISE" },
                {64, "USER_UNAUTH" },
                {128, "OPERATOR_TPS" },
                {256, "KNOWN_PPG" },
                {512, "TRUSTED_PPG" },
                {1024, "PPG_AUTH" },
                {2048, "PPG_TRUSTED" },
                {4096, "ANY_PUSH_SOURCE" },
        };
        char buf[ROLES_FORMAT_MAX];
        uint32_t all = 0, v;

        ck_assert_uint_eq(ELEMENTSOF(t), ROLES_COUNT);
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ck_assert_str_eq(role_name(t[i].bit), t[i].name);
                ck_assert_int_eq(roles_parse(t[i].name, &v), 0);
                ck_assert_uint_eq(v, t[i].bit);
                all |= t[i].bit;
        }
        ck_assert_uint_eq(all, ROLE_ALL);
        ck_assert_uint_eq(ROLE_ALL, 8190);
        ck_assert_ptr_null(role_name(1));
        ck_assert_ptr_null(role_name(12));
        ck_assert_str_eq(roles_format(0, buf, sizeof buf), "NONE");
        ck_assert_str_eq(roles_format(20, buf, sizeof buf), "OPERATOR|USER_AUTH");
        ck_assert_str_eq(roles_format(132, buf, sizeof buf), "OPERATOR|OPERATOR_TPS");
        ck_assert_str_eq(roles_format(222, buf, sizeof buf),
                         "OEM|OPERATOR|MANAGER|USER_AUTH|USER_UNAUTH|OPERATOR_TPS");
        ck_assert_str_eq(roles_format(8 | 1 | 0x10000, buf, sizeof buf), "MANAGER|0x10001");
        roles_format(ROLE_ALL | 0x80000001U, buf, sizeof buf);
        ck_assert_uint_lt(strlen(buf), ROLES_FORMAT_MAX);
        ck_assert_str_eq(roles_format(20, buf, 5), "OPER"); /* truncated, terminated */
        /* parse forms */
        ck_assert_int_eq(roles_parse("20", &v), 0);
        ck_assert_uint_eq(v, 20);
        ck_assert_int_eq(roles_parse("OPERATOR|USER_AUTH", &v), 0);
        ck_assert_uint_eq(v, 20);
        ck_assert_int_eq(roles_parse(" secrole_carrier + user_auth ", &v), 0);
        ck_assert_uint_eq(v, 20);
        ck_assert_int_eq(roles_parse("CARRIER_TPS,KNOWN_PPG", &v), 0);
        ck_assert_uint_eq(v, 384);
        ck_assert_int_eq(roles_parse("4 128", &v), 0);
        ck_assert_uint_eq(v, 132);
        ck_assert_int_eq(roles_parse("", &v), -EINVAL);
        ck_assert_int_eq(roles_parse("|", &v), -EINVAL);
        ck_assert_int_eq(roles_parse("ROOT", &v), -EINVAL);
        ck_assert_int_eq(roles_parse("1", &v), -EINVAL);
        ck_assert_int_eq(roles_parse("8192", &v), -EINVAL);
        ck_assert_int_eq(roles_parse("99999999999", &v), -EINVAL);
        ck_assert_int_eq(roles_parse_decimal("OPERATOR", &v), -EINVAL);
        ck_assert_int_eq(roles_parse_decimal("8190", &v), 0);
}
END_TEST

START_TEST(test_paths) {
        CpDoc *d;
        char buf[POLICY_PATH_MAX], xml[4096];
        const CpCharacteristic *c;

        snprintf(xml, sizeof xml, "%s%s%s%s", kinds[1].xml, kinds[2].xml, kinds[4].xml, kinds[5].xml);
        d = doc_xml(xml);
        c = d->chars->next; /* second NAPDEF */
        ck_assert_str_eq(element_path(d, c, NULL, buf, sizeof buf), "/NAPDEF[NAPID=NAP1]#1");
        ck_assert_str_eq(element_path(d, c->children, NULL, buf, sizeof buf),
                         "/NAPDEF[NAPID=NAP1]#1/NAPAUTHINFO");
        ck_assert_str_eq(element_path(d, c->children, c->children->parms, buf, sizeof buf),
                         "/NAPDEF[NAPID=NAP1]#1/NAPAUTHINFO.AUTHTYPE");
        c = c->next;
        ck_assert_str_eq(element_path(d, c, NULL, buf, sizeof buf), "/APPLICATION[APPID=w2]");
        ck_assert_str_eq(element_path(d, c->children, NULL, buf, sizeof buf),
                         "/APPLICATION[APPID=w2]/RESOURCE");
        ck_assert_str_eq(element_path(d, c->next, NULL, buf, sizeof buf), "/APPLICATION[APPID=w2]#1");
        ck_assert_str_eq(element_path(d, c, NULL, buf, 8), "/APPLIC"); /* truncated, terminated */
        cpdoc_free(d);

        /* the same spelling as the store's settings rows (store.h), escapes included */
        d = doc_xml("<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"a/b.c\"/>"
                    "<parm name=\"NAP-ADDRESS\" value=\"x\"/></characteristic>");
        ck_assert_str_eq(element_path(d, d->chars, d->chars->parms->next, buf, sizeof buf),
                         "/NAPDEF[NAPID=a%2Fb%2Ec].NAP-ADDRESS");
        {
                StoreSettingList rows = {};

                ck_assert_int_eq(store_settings_from_doc(d, &rows), 0);
                ck_assert_str_eq(rows.items[rows.n - 1].path, buf);
                store_setting_list_done(&rows);
        }
        cpdoc_free(d);
}
END_TEST

START_TEST(test_builder_documents) {
        /* documents built with the builder API (no validation): same decisions */
        _cleanup_(config_freep) Config *c = config_enabled();
        CpDoc *d = NULL;
        PolicyResult res;

        ck_assert_int_eq(cpdoc_builder_new(&d, CPDOC_SOURCE_WBXML), 0);
        ck_assert_int_eq(cpdoc_builder_open(d, "APPLICATION", 11), 0);
        ck_assert_int_eq(cpdoc_builder_parm(d, "APPID", 5, "w7", 2), 0);
        ck_assert_int_eq(cpdoc_builder_parm(d, "ROLE", 4, "abc", 3), 0);
        ck_assert_int_eq(cpdoc_builder_close(d), 0);
        ck_assert_int_eq(cpdoc_builder_finish(d), 0);
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_REJECTED);
        ck_assert_str_eq(reason_to_string(res.reason), "malformed");
        ck_assert_str_eq(res.denied[0].path, "/APPLICATION[APPID=w7].ROLE");
        cpdoc_free(d);
        /* an empty document is permitted (nothing to apply) */
        ck_assert_int_eq(cpdoc_builder_new(&d, CPDOC_SOURCE_WBXML), 0);
        ck_assert_int_eq(cpdoc_builder_finish(d), 0);
        eval(c, AUTH_USERPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        cpdoc_free(d);
}
END_TEST

int main(void) {
        Suite *s = suite_create("policy");
        TCase *table = tcase_create("/policy/default-table");
        TCase *gates = tcase_create("/policy/gates");
        TCase *doc = tcase_create("/policy/whole-document");
        TCase *bounded = tcase_create("/policy/bounded-roles");
        TCase *mb = tcase_create("/policy/metabase");
        TCase *roles = tcase_create("/policy/roles");

        TU_ADD(table, test_default_table);
        TU_ADD(table, test_bootstrap_disabled);
        TU_ADD(table, test_checkpoint);
        TU_ADD(gates, test_gates);
        TU_ADD(gates, test_grants);
        TU_ADD(doc, test_whole_document);
        TU_ADD(doc, test_denied_list_bounded);
        TU_ADD(doc, test_unknown_parm);
        TU_ADD(doc, test_builder_documents);
        TU_ADD(bounded, test_dm_account_roles);
        TU_ADD(bounded, test_dm_escalation_beats_denial);
        TU_ADD(bounded, test_dm_accounts_bounded);
        TU_ADD(bounded, test_certificate_role_bounded);
        TU_ADD(mb, test_metabase_dropin_override);
        TU_ADD(mb, test_metabase_dropin_errors);
        TU_ADD(mb, test_metabase_dropin_files);
        TU_ADD(mb, test_shipped_metabase_conf);
        TU_ADD(mb, test_metabase_lookup);
        TU_ADD(roles, test_roles);
        TU_ADD(roles, test_paths);
        tcase_set_timeout(table, 60);
        suite_add_tcase(s, table);
        suite_add_tcase(s, gates);
        suite_add_tcase(s, doc);
        suite_add_tcase(s, bounded);
        suite_add_tcase(s, mb);
        suite_add_tcase(s, roles);
        return tu_run(s);
}
