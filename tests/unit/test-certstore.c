/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-certstore.c: the certificate store end to end through the engine. The seed's flow: an
 * operator push (USERNETWPIN, PIN 1234, GrantManager=4) installs a corporate certificate in
 * SPC with Role=8; a package signed by the corporate key is then applied with Manager rights
 * (it installs a ROOT certificate, which only Manager may do); the same package before the
 * certificate was installed is untrusted-signer. Without the grant the certificate push is
 * role-denied; a Role beyond the message's roles is role-escalation; a node name that is not
 * the certificate's thumbprint, a Role without a certificate and DER that does not parse are
 * malformed; nothing is stored by a refused document. Deleting (the Delete parm) needs Manager
 * and obeys the downgrade rule. Strength (issue 9, finding 6): a package is no stronger than the
 * message that installed its anchor (a NETWPIN-installed anchor signs NETWPIN-strength packages
 * that cannot replace the operator's USERNETWPIN APN and wait for ConfirmNetworkPin, also
 * through a second certificate such a package installs); the administrator's keep full
 * strength. The administrator's certs.d with drop-in precedence, [Remove], and its errors. Keys
 * and certificates are generated here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine-testutil.h"
#include "macros.h"
#include "pkg-testutil.h"
#include "testutil.h"
#include "verifierd/auth.h"
#include "verifierd/certstore.h"
#include "verifierd/engine.h"

#define IMSI "262011234567890"
#define PIN  "1234"

static char *dir;
static Config *cfg;
static Engine *eng;
static uint64_t fake_now;
static time_t now_sec;
static EVP_PKEY *corp_key;
static X509 *corp;
static char corp_thumb[41];
static unsigned doc_serial;

static uint64_t test_clock(void *u) {
        return fake_now;
}

static void setup(void) {
        EngineOptions o = {};

        now_sec = time(NULL);
        fake_now = (uint64_t) now_sec * 1000000ULL;
        dir = et_tmpdir("cs-state");
        ck_assert_int_eq(config_new_default(&cfg), 0);
        cfg->bootstrap_enabled = true;
        cfg->grant_manager = ROLE_OPERATOR; /* "Enabling OTA bootstrapping" (docs/trust-boundary.md §1.4) */
        o = (EngineOptions) { .state_dir = dir, .config = cfg, .clock = test_clock, .no_export = true };
        ck_assert_int_eq(engine_new(&eng, &o), 0);
        ck_assert_int_eq(engine_set_imsi(eng, IMSI), 0);
        corp_key = pt_key();
        corp = pt_signer_cert("Corporate signer", corp_key, now_sec);
        pt_thumb(corp, corp_thumb);
}

static void teardown(void) {
        eng = engine_free(eng);
        cfg = config_free(cfg);
        et_rm_rf(dir);
        free(dir);
        X509_free(corp);
        EVP_PKEY_free(corp_key);
}

static int count_setting(const StoreSetting *st, void *u) {
        return 0;
}

/* A CertificateStore document: @store/@node with @x's certificate (NULL: none) and @role (NULL:
 * none). An XML comment with a serial number makes every document's bytes unique, so that no
 * test document is another's replay. */
static char *cert_doc(const char *store, const char *node, X509 *x, const char *role) {
        char *xml = NULL, *b64 = NULL;

        if (x) {
                size_t len;
                uint8_t *der = pt_der(x, &len);

                b64 = pt_b64(der, len);
                free(der);
        }
        ck_assert_int_ge(
                asprintf(&xml,
                         "<?xml version=\"1.0\"?>\n<!-- %u -->\n<wap-provisioningdoc version=\"1.1\">"
                         "<characteristic type=\"CertificateStore\"><characteristic type=\"%s\">"
                         "<characteristic type=\"%s\">%s%s%s%s%s%s</characteristic></characteristic>"
                         "</characteristic></wap-provisioningdoc>",
                         doc_serial++, store, node, b64 ? "<parm name=\"EncodedCertificate\" value=\"" : "",
                         b64 ? b64 : "", b64 ? "\"/>" : "", role ? "<parm name=\"Role\" value=\"" : "",
                         role ? role : "", role ? "\"/>" : ""),
                0);
        free(b64);
        return xml;
}

static char *delete_doc(const char *store, const char *thumb) {
        char *xml = NULL;

        ck_assert_int_ge(
                asprintf(&xml,
                         "<?xml version=\"1.0\"?>\n<!-- %u -->\n<wap-provisioningdoc version=\"1.1\">"
                         "<characteristic type=\"CertificateStore\"><characteristic type=\"%s\">"
                         "<parm name=\"Delete\" value=\"%s\"/></characteristic></characteristic>"
                         "</wap-provisioningdoc>",
                         doc_serial++, store, thumb),
                0);
        return xml;
}

static void mac_of(const char *body, AuthMethod sec, char out[41]) {
        Secret *i = NULL, *p = NULL;

        ck_assert_int_eq(secret_new_from_string(IMSI, &i), 0);
        if (sec != AUTH_NETWPIN)
                ck_assert_int_eq(secret_new_from_string(PIN, &p), 0);
        ck_assert_int_eq(auth_compute_mac_hex(sec, (const uint8_t *) body, strlen(body), i, p, out), 0);
        secret_free(i);
        secret_free(p);
}

/* Push @body as the operator would: USERNETWPIN (then the PIN) or NETWPIN. */
static EngineResult push(const char *body, AuthMethod sec) {
        char mac[41];
        EngineSubmission s = {
                .body = (const uint8_t *) body,
                .body_len = strlen(body),
                .content_kind = WSP_CONTENT_CP_XML,
                .sec = sec,
                .mac = mac,
                .sender = "+4917012345",
                .transport = "inject",
        };
        EngineResult r = {};

        mac_of(body, sec, mac);
        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        if (sec == AUTH_USERNETWPIN) {
                Secret *p = NULL;
                uint64_t id = r.id;

                ck_assert_int_eq(r.reason, REASON_NEEDS_PIN);
                engine_result_done(&r);
                ck_assert_int_eq(secret_new_from_string(PIN, &p), 0);
                ck_assert_int_eq(engine_provide_pin(eng, id, p, &r), 0);
                secret_free(p);
        }
        return r;
}

static void expect(EngineResult *r, Verdict v, Reason rs) {
        ck_assert_msg(r->verdict == v && r->reason == rs, "got %s/%s, want %s/%s (denied: %s)",
                      verdict_to_string(r->verdict), reason_to_string(r->reason), verdict_to_string(v),
                      reason_to_string(rs), r->denied ?: "-");
        engine_result_done(r);
}

typedef struct Seen {
        unsigned n;
        char thumb[8][41], store[8][48], source[8][16];
        uint32_t roles[8];
        uint64_t push[8];
} Seen;

static int seen_cb(const EngineCert *c, void *u) {
        Seen *s = u;

        if (s->n < 8) {
                snprintf(s->thumb[s->n], 41, "%s", c->thumbprint);
                snprintf(s->store[s->n], 48, "%s", c->store);
                snprintf(s->source[s->n], 16, "%s", c->source);
                s->roles[s->n] = c->roles;
                s->push[s->n] = c->push_id;
                ck_assert_ptr_nonnull(c->subject);
                ck_assert_uint_gt(c->not_after_usec, fake_now);
        }
        s->n++;
        return 0;
}

static Seen certs(void) {
        Seen s = {};

        ck_assert_int_ge(engine_foreach_certificate(eng, seen_cb, &s), 0);
        return s;
}

static EngineResult install(const char *content, X509 *signer, EVP_PKEY *key) {
        size_t len;
        uint8_t *p = pt_sign(content, signer, key, &len);
        EngineResult r = {};

        ck_assert_int_eq(engine_install(eng, p, len, "install", &r), 0);
        free(p);
        return r;
}

START_TEST(test_seed_flow) {
        EVP_PKEY *rk = pt_key();
        PtCertSpec rs = { .cn = "Corp Root",
                          .now = now_sec,
                          .not_before = -PT_DAY,
                          .not_after = 3650 * PT_DAY,
                          .key_usage = "keyCertSign",
                          .ca = true };
        X509 *root = pt_cert(&rs, rk, NULL, NULL);
        char root_thumb[41], *doc, *pkg_doc;
        EngineResult r;
        uint64_t push_id;
        Seen s;

        pt_thumb(root, root_thumb);
        /* the corporate package: a ROOT certificate, which only Manager may install */
        pkg_doc = cert_doc("ROOT", root_thumb, root, NULL);

        /* before the corporate certificate is in SPC the package's signer is unknown */
        r = install(pkg_doc, corp, corp_key);
        expect(&r, VERDICT_REJECTED, REASON_UNTRUSTED_SIGNER);
        ck_assert_uint_eq(certs().n, 0);

        /* the operator's USERNETWPIN push, with GrantManager=4: 20 + Manager = 28 >= Role 8 */
        doc = cert_doc("SPC", corp_thumb, corp, "8");
        r = push(doc, AUTH_USERNETWPIN);
        push_id = r.id;
        ck_assert_uint_eq(r.roles, 28);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        s = certs();
        ck_assert_uint_eq(s.n, 1);
        ck_assert_str_eq(s.thumb[0], corp_thumb);
        ck_assert_str_eq(s.store[0], "SPC");
        ck_assert_str_eq(s.source[0], "push");
        ck_assert_uint_eq(s.roles[0], 8);
        ck_assert_uint_eq(s.push[0], push_id);
        /* CertificateStore is no setting row: the certificate lives in the certificates table */
        ck_assert_int_eq(engine_foreach_setting(eng, NULL, count_setting, NULL), 0);
        free(doc);

        /* now the package is applied with Manager rights, exactly */
        r = install(pkg_doc, corp, corp_key);
        ck_assert_uint_eq(r.roles, ROLE_MANAGER);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        s = certs();
        ck_assert_uint_eq(s.n, 2);
        ck_assert_str_eq(s.store[0], "ROOT");
        ck_assert_str_eq(s.thumb[0], root_thumb);
        ck_assert_str_eq(s.source[0], "package");
        ck_assert_str_eq(s.store[1], "SPC");
        free(pkg_doc);

        /* a package may not give a certificate more than its own roles: SPC Role=16 from a
         * Manager-only package is role-escalation, and nothing changes */
        pkg_doc = cert_doc("SPC", root_thumb, root, "16");
        r = install(pkg_doc, corp, corp_key);
        expect(&r, VERDICT_REJECTED, REASON_ROLE_ESCALATION);
        ck_assert_uint_eq(certs().n, 2);
        free(pkg_doc);
        X509_free(root);
        EVP_PKEY_free(rk);
}
END_TEST

START_TEST(test_without_grant_role_denied) {
        char *doc = cert_doc("SPC", corp_thumb, corp, "8");
        EngineResult r;

        cfg->grant_manager = 0;
        r = push(doc, AUTH_USERNETWPIN);
        ck_assert_uint_eq(r.roles, 20);
        expect(&r, VERDICT_REJECTED, REASON_ROLE_DENIED);
        ck_assert_uint_eq(certs().n, 0);
        free(doc);
}
END_TEST

START_TEST(test_role_escalation) {
        char *doc = cert_doc("SPC", corp_thumb, corp, "32"); /* ENTERPRISE: not held (28) */
        EngineResult r = push(doc, AUTH_USERNETWPIN);

        expect(&r, VERDICT_REJECTED, REASON_ROLE_ESCALATION);
        ck_assert_uint_eq(certs().n, 0);
        free(doc);
        doc = cert_doc("SPC", corp_thumb, corp, "222"); /* Microsoft's privileged-root mask */
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_ROLE_ESCALATION);
        ck_assert_uint_eq(certs().n, 0);
        free(doc);
}
END_TEST

START_TEST(test_malformed_certificates) {
        char wrong[41], *doc;
        EngineResult r;

        /* node name is not the certificate's thumbprint */
        memcpy(wrong, corp_thumb, sizeof wrong);
        wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
        doc = cert_doc("SPC", wrong, corp, "8");
        r = push(doc, AUTH_USERNETWPIN);
        ck_assert_ptr_nonnull(r.denied);
        ck_assert_ptr_nonnull(strstr(r.denied, "thumbprint"));
        expect(&r, VERDICT_REJECTED, REASON_MALFORMED);
        free(doc);
        /* the thumbprint in lower case is the same thumbprint */
        {
                char lower[41];

                for (int i = 0; i < 41; i++)
                        lower[i] = (char) (corp_thumb[i] >= 'A' && corp_thumb[i] <= 'F' ? corp_thumb[i] + 32
                                                                                        : corp_thumb[i]);
                doc = cert_doc("SPC", lower, corp, "8");
                r = push(doc, AUTH_USERNETWPIN);
                expect(&r, VERDICT_APPLIED, REASON_NONE);
                free(doc);
                ck_assert_str_eq(certs().thumb[0], corp_thumb);
        }
        /* Role without EncodedCertificate */
        doc = cert_doc("CA", corp_thumb, NULL, "8");
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_MALFORMED);
        free(doc);
        /* base64 of bytes that are no certificate, named by their own SHA-1 */
        {
                static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
                char junk_thumb[41], *b64 = pt_b64(junk, sizeof junk), *xml = NULL;

                ck_assert_int_eq(certstore_thumbprint(junk, sizeof junk, junk_thumb), 0);
                ck_assert_int_ge(asprintf(&xml,
                                          "<wap-provisioningdoc version=\"1.1\"><characteristic "
                                          "type=\"CertificateStore\">"
                                          "<characteristic type=\"MY\"><characteristic type=\"%s\">"
                                          "<parm name=\"EncodedCertificate\" value=\"%s\"/></characteristic>"
                                          "</characteristic></characteristic></wap-provisioningdoc>",
                                          junk_thumb, b64),
                                 0);
                r = push(xml, AUTH_USERNETWPIN);
                expect(&r, VERDICT_REJECTED, REASON_MALFORMED);
                free(xml);
                free(b64);
        }
        ck_assert_uint_eq(certs().n, 1); /* only the lower-case one */
}
END_TEST

START_TEST(test_delete) {
        char *doc = cert_doc("SPC", corp_thumb, corp, "8");
        EngineResult r = push(doc, AUTH_USERNETWPIN);

        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_uint_eq(certs().n, 1);

        /* a Manager NETWPIN push (GrantManager=4) is weaker than the USERNETWPIN that installed it */
        cfg->confirm_network_pin = false;
        doc = delete_doc("SPC", corp_thumb);
        r = push(doc, AUTH_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);
        ck_assert_uint_eq(certs().n, 1);
        /* a malformed Delete value */
        doc = delete_doc("SPC", "1234");
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_MALFORMED);
        free(doc);
        /* without Manager: role-denied */
        cfg->grant_manager = 0;
        doc = delete_doc("SPC", corp_thumb);
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_ROLE_DENIED);
        free(doc);
        ck_assert_uint_eq(certs().n, 1);
        /* a Manager USERNETWPIN push deletes it (lower-case thumbprint: same certificate) */
        cfg->grant_manager = ROLE_OPERATOR;
        {
                char lower[41];

                for (int i = 0; i < 41; i++)
                        lower[i] = (char) (corp_thumb[i] >= 'A' && corp_thumb[i] <= 'F' ? corp_thumb[i] + 32
                                                                                        : corp_thumb[i]);
                doc = delete_doc("SPC", lower);
        }
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_uint_eq(certs().n, 0);
        /* and packages signed by that key are untrusted again */
        doc = cert_doc("MY", corp_thumb, corp, NULL);
        r = install(doc, corp, corp_key);
        expect(&r, VERDICT_REJECTED, REASON_UNTRUSTED_SIGNER);
        free(doc);
}
END_TEST

/* ---- strength (issue 9, finding 6) ----------------------------------------------------------- */

/* A NAPDEF document (unique bytes, see cert_doc). */
static char *nap_doc(const char *napid, const char *apn) {
        char *xml = NULL;

        ck_assert_int_ge(asprintf(&xml,
                                  "<?xml version=\"1.0\"?>\n<!-- %u -->\n<wap-provisioningdoc version=\"1.1\">"
                                  "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"%s\"/>"
                                  "<parm name=\"NAME\" value=\"%s\"/><parm name=\"NAP-ADDRESS\" value=\"%s\"/>"
                                  "<parm name=\"NAP-ADDRTYPE\" value=\"APN\"/></characteristic>"
                                  "</wap-provisioningdoc>",
                                  doc_serial++, napid, napid, apn),
                         0);
        return xml;
}

typedef struct Setting {
        char value[128];
        int strength;
} Setting;

static int setting_cb(const StoreSetting *st, void *u) {
        Setting *s = u;

        if (st->parm && strcmp(st->parm, "NAP-ADDRESS") == 0) {
                snprintf(s->value, sizeof s->value, "%s", st->value ?: "");
                s->strength = (int) st->strength;
        }
        return 0;
}

/* NAP-ADDRESS of NAPDEF @napid and the strength that installed it ("" and -1 when absent). */
static Setting nap(const char *napid) {
        char root[64];
        Setting s = { .strength = -1 };

        snprintf(root, sizeof root, "/NAPDEF[NAPID=%s]", napid);
        ck_assert_int_ge(engine_foreach_setting(eng, root, setting_cb, &s), 0);
        return s;
}

typedef struct CertStrength {
        const char *thumb;
        int strength;
} CertStrength;

static int cert_strength_cb(const StoreCert *c, void *u) {
        CertStrength *cs = u;

        if (strcmp(c->thumbprint, cs->thumb) == 0)
                cs->strength = (int) c->strength;
        return 0;
}

/* The strength recorded for a stored certificate, -1 when absent. */
static int cert_strength(const char *thumb) {
        CertStrength cs = { .thumb = thumb, .strength = -1 };

        ck_assert_int_ge(store_foreach_certificate(engine_get_store(eng), NULL, cert_strength_cb, &cs), 0);
        return cs.strength;
}

/* @r is pending for confirmation: confirm it and return the final result. */
/*
 * An SPC certificate as a NETWPIN push installed it before issue 12 (a store row of a NETWPIN
 * document with Manager lent by GrantManager=4): no push can do that any more (policy.c: a message
 * that proves no secret never touches SPC), but such rows may be in a store from before, and what
 * they sign keeps NETWPIN strength. Written with store_apply, as the engine wrote it then.
 */
static void legacy_netwpin_anchor(X509 *x, const char *thumb, uint32_t roles) {
        size_t len;
        uint8_t *der = pt_der(x, &len);
        char body[64];
        CpDoc *d = et_doc("BOOTSTRAP{NAME=legacy}");
        StoreCert c = { .store = "SPC", .thumbprint = thumb, .der = der, .der_len = len, .roles = roles,
                        .source = "push", .subject = "legacy", .not_after_usec = fake_now + 86400000000ULL };
        StoreApply a = {
                .push = { .sec = AUTH_NETWPIN, .roles = roles, .verdict = VERDICT_APPLIED,
                          .received_usec = fake_now, .decided_usec = fake_now },
                .doc = d,
                .certs = &c,
                .n_certs = 1,
        };

        snprintf(body, sizeof body, "legacy NETWPIN push %u", doc_serial++);
        a.body = (const uint8_t *) body;
        a.body_len = strlen(body);
        ck_assert_int_eq(store_apply(engine_get_store(eng), &a, NULL, NULL), 0);
        cpdoc_free(d);
        free(der);
}

static EngineResult confirm(EngineResult *r) {
        EngineResult c = {};
        uint64_t id = r->id;

        ck_assert_msg(r->verdict == VERDICT_PENDING && r->reason == REASON_NEEDS_CONFIRMATION,
                      "got %s/%s, want pending/needs-confirmation", verdict_to_string(r->verdict),
                      reason_to_string(r->reason));
        engine_result_done(r);
        ck_assert_int_eq(engine_confirm(eng, id, &c), 0);
        return c;
}

START_TEST(test_netwpin_anchor_keeps_its_strength) {
        EVP_PKEY *k2 = pt_key();
        X509 *second = pt_signer_cert("Second signer", k2, now_sec);
        char second_thumb[41], *doc;
        EngineResult r, c;

        pt_thumb(second, second_thumb);
        ck_assert(cfg->confirm_network_pin); /* the default */

        /* the operator's APN, USERNETWPIN */
        doc = nap_doc("INTERNET", "op.example");
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_int_eq(nap("INTERNET").strength, STORE_STRENGTH_USERNETWPIN);

        /* the same change as NETWPIN is a downgrade */
        doc = nap_doc("INTERNET", "evil.example");
        r = push(doc, AUTH_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);

        /* issue 12: a NETWPIN push (GrantManager=4: roles 12) no longer installs an SPC
         * certificate, whatever the grant; one installed that way before is still only as strong
         * as that push */
        doc = cert_doc("SPC", corp_thumb, corp, "12");
        r = push(doc, AUTH_NETWPIN);
        ck_assert_uint_eq(r.roles, 12);
        ck_assert_str_eq(r.denied, "/CertificateStore/SPC");
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);
        ck_assert_uint_eq(certs().n, 0);
        legacy_netwpin_anchor(corp, corp_thumb, 12);
        ck_assert_int_eq(cert_strength(corp_thumb), STORE_STRENGTH_NETWPIN);

        /* a package signed with it is no stronger than that push: the operator's APN stays */
        doc = nap_doc("INTERNET", "evil.example");
        r = install(doc, corp, corp_key);
        ck_assert_ptr_nonnull(r.denied);
        ck_assert_ptr_nonnull(strstr(r.denied, "/NAPDEF[NAPID=INTERNET]"));
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);
        ck_assert_str_eq(nap("INTERNET").value, "op.example");

        /* what NETWPIN may do, the package may do, after the user's confirmation */
        doc = nap_doc("corp", "corp.example");
        r = install(doc, corp, corp_key);
        ck_assert_int_eq(r.verdict, VERDICT_PENDING);
        ck_assert_int_eq(nap("corp").strength, -1); /* nothing applied before the confirmation */
        c = confirm(&r);
        ck_assert_uint_eq(c.roles, 12);
        expect(&c, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_str_eq(nap("corp").value, "corp.example");
        ck_assert_int_eq(nap("corp").strength, STORE_STRENGTH_NETWPIN);

        /* no laundering through a second certificate: one the package installs keeps strength 2,
         * and what it signs cannot replace the operator's APN either */
        doc = cert_doc("SPC", second_thumb, second, "8");
        r = install(doc, corp, corp_key);
        c = confirm(&r);
        expect(&c, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_int_eq(cert_strength(second_thumb), STORE_STRENGTH_NETWPIN);
        doc = nap_doc("INTERNET", "evil2.example");
        r = install(doc, second, k2);
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);
        ck_assert_str_eq(nap("INTERNET").value, "op.example");

        /* ConfirmNetworkPin=no: NETWPIN-strength packages apply without confirmation, still at
         * NETWPIN strength */
        cfg->confirm_network_pin = false;
        doc = nap_doc("corp2", "corp2.example");
        r = install(doc, corp, corp_key);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_int_eq(nap("corp2").strength, STORE_STRENGTH_NETWPIN);
        doc = nap_doc("INTERNET", "evil3.example");
        r = install(doc, corp, corp_key);
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);
        ck_assert_str_eq(nap("INTERNET").value, "op.example");
        X509_free(second);
        EVP_PKEY_free(k2);
}
END_TEST

START_TEST(test_strong_anchor_full_strength) {
        char *doc;
        EngineResult r;

        /* an anchor the operator's USERNETWPIN push installed: packages have strength 3, need no
         * confirmation, and may update the operator's own APN (equal strength) */
        doc = nap_doc("INTERNET", "op.example");
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        doc = cert_doc("SPC", corp_thumb, corp, "12");
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_int_eq(cert_strength(corp_thumb), STORE_STRENGTH_USERNETWPIN);
        doc = nap_doc("INTERNET", "op2.example");
        r = install(doc, corp, corp_key);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_str_eq(nap("INTERNET").value, "op2.example");
        ck_assert_int_eq(nap("INTERNET").strength, STORE_STRENGTH_USERNETWPIN);
}
END_TEST

START_TEST(test_pending_package_verified_again) {
        char *doc;
        EngineResult r, c;
        uint64_t id;

        /* NETWPIN-installed anchor (from before issue 12: legacy_netwpin_anchor): the package
         * waits; the certificate is deleted meanwhile (by a stronger push); the confirmation
         * verifies again and finds no anchor */
        legacy_netwpin_anchor(corp, corp_thumb, 12);
        doc = nap_doc("corp", "corp.example");
        r = install(doc, corp, corp_key);
        ck_assert_int_eq(r.verdict, VERDICT_PENDING);
        ck_assert_int_eq(r.reason, REASON_NEEDS_CONFIRMATION);
        id = r.id;
        engine_result_done(&r);
        free(doc);
        /* OTA bootstrap disabled while a second one waits: refused at its confirmation */
        doc = nap_doc("corp2", "corp2.example");
        r = install(doc, corp, corp_key);
        ck_assert_int_eq(r.verdict, VERDICT_PENDING);
        cfg->bootstrap_enabled = false;
        c = confirm(&r);
        expect(&c, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED);
        cfg->bootstrap_enabled = true;
        free(doc);
        ck_assert_int_eq(nap("corp2").strength, -1);
        doc = delete_doc("SPC", corp_thumb);
        r = push(doc, AUTH_USERNETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_int_eq(engine_confirm(eng, id, &c), 0);
        ck_assert_uint_eq(c.id, id);
        expect(&c, VERDICT_REJECTED, REASON_UNTRUSTED_SIGNER);
        ck_assert_int_eq(nap("corp").strength, -1);
}
END_TEST

START_TEST(test_store_strength_cap) {
        /* store level: the cap lowers what a document records and compares, never raises it */
        Store *st = engine_get_store(eng);
        CpDoc *d = et_doc("NAPDEF{NAPID=x;NAP-ADDRESS=x.example}");
        StoreApply a = {
                .push = { .sec = AUTH_SIGNED, .verdict = VERDICT_APPLIED, .received_usec = 1, .decided_usec = 2 },
                .doc = d,
                .body = (const uint8_t *) "body-1",
                .body_len = 6,
                .strength_capped = true,
                .strength_cap = STORE_STRENGTH_NETWPIN,
        };

        ck_assert_uint_eq(store_apply_strength(&a), STORE_STRENGTH_NETWPIN);
        ck_assert_int_eq(store_apply(st, &a, NULL, NULL), 0);
        ck_assert_int_eq(nap("x").strength, STORE_STRENGTH_NETWPIN);
        a.push.sec = AUTH_USERPIN;
        a.strength_cap = STORE_STRENGTH_SIGNED;
        ck_assert_uint_eq(store_apply_strength(&a), STORE_STRENGTH_USERPIN);
        a.strength_capped = false;
        ck_assert_uint_eq(store_apply_strength(&a), STORE_STRENGTH_USERPIN);
        ck_assert_uint_eq(store_package_strength(STORE_STRENGTH_SIGNED + 5), STORE_STRENGTH_SIGNED);
        ck_assert_uint_eq(store_package_strength(STORE_STRENGTH_NONE), STORE_STRENGTH_NONE);
        /* the one order: signed > USERNETWPIN > NETWPIN > USERPIN = USERPINMAC > none */
        ck_assert_uint_eq(store_auth_strength(AUTH_SIGNED), STORE_STRENGTH_SIGNED);
        ck_assert_uint_eq(store_auth_strength(AUTH_USERNETWPIN), STORE_STRENGTH_USERNETWPIN);
        ck_assert_uint_eq(store_auth_strength(AUTH_NETWPIN), STORE_STRENGTH_NETWPIN);
        ck_assert_uint_eq(store_auth_strength(AUTH_USERPIN), STORE_STRENGTH_USERPIN);
        ck_assert_uint_eq(store_auth_strength(AUTH_USERPINMAC), STORE_STRENGTH_USERPIN);
        ck_assert_uint_eq(store_auth_strength(AUTH_NONE), STORE_STRENGTH_NONE);
        cpdoc_free(d);
}
END_TEST

/* ---- certs.d ---------------------------------------------------------------------------------- */

static void write_file(const char *dirpath, const char *name, const char *text) {
        char *p = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dirpath, name), 0);
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
        free(p);
}

static char *mkdir_in(const char *base, const char *name) {
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", base, name), 0);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        return p;
}

static void use_config(const char *const *roots, size_t n) {
        Config *c = NULL;
        ConfigError err = {};

        ck_assert_msg(config_load_roots(roots, n, &c, &err) == 0, "%s:%u: %s", err.file, err.line,
                      err.message);
        engine_set_config(eng, c, NULL);
        config_free(cfg);
        cfg = c;
}

START_TEST(test_admin_certs) {
        char *base = et_tmpdir("cs-conf"), *usr, *etc, *usr_d, *etc_d, *pem = NULL, *text = NULL, *doc;
        const char *roots[2];
        EVP_PKEY *ok = pt_key();
        X509 *other = pt_signer_cert("Other signer", ok, now_sec);
        char other_thumb[41];
        EngineResult r;
        Seen s;

        pt_thumb(other, other_thumb);
        usr = mkdir_in(base, "usr-lib");
        etc = mkdir_in(base, "etc");
        usr_d = mkdir_in(usr, "certs.d");
        etc_d = mkdir_in(etc, "certs.d");
        roots[0] = usr;
        roots[1] = etc;
        ck_assert_int_ge(asprintf(&pem, "%s/corp.pem", base), 0);
        pt_write_pem(corp, pem);
        write_file(usr, "verifierd.conf", "[Bootstrap]\nEnabled=yes\n[Policy]\nGrantManager=4\n");
        /* the vendor ships Role=16; the administrator's /etc copy of the same drop-in says 8 */
        ck_assert_int_ge(asprintf(&text, "[Certificate]\nStore=SPC\nFile=%s\nRole=16\n", pem), 0);
        write_file(usr_d, "50-corp.conf", text);
        free(text);
        ck_assert_int_ge(asprintf(&text, "[Certificate]\nStore=SPC\nFile=%s\nRole=MANAGER\n", pem), 0);
        write_file(etc_d, "50-corp.conf", text);
        free(text);
        /* a vendor certificate the administrator masks with an empty file */
        write_file(usr_d, "60-vendor.conf", "[Certificate]\nStore=ROOT\nFile=/nonexistent.pem\n");
        write_file(etc_d, "60-vendor.conf", "");
        use_config(roots, 2);
        ck_assert_int_eq(engine_set_imsi(eng, IMSI), 0);

        s = certs();
        ck_assert_uint_eq(s.n, 1);
        ck_assert_str_eq(s.source[0], "admin");
        ck_assert_uint_eq(s.roles[0], 8);
        ck_assert_uint_eq(s.push[0], 0);

        /* a package signed by the administrator's certificate earns its 8, at full strength
         * (what it installs keeps that strength) and without a confirmation */
        doc = cert_doc("SPC", other_thumb, other, "8");
        r = install(doc, corp, corp_key);
        ck_assert_uint_eq(r.roles, 8);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(doc);
        ck_assert_uint_eq(certs().n, 2);
        ck_assert_int_eq(cert_strength(other_thumb), STORE_STRENGTH_SIGNED);
        /* a document cannot delete the administrator's certificate */
        doc = delete_doc("SPC", corp_thumb);
        r = install(doc, corp, corp_key);
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);

        /* [Remove] takes the pushed one out on reload and keeps it out */
        ck_assert_int_ge(asprintf(&text, "[Remove]\nStore=SPC\nThumbprint=%s\n", other_thumb), 0);
        write_file(etc_d, "70-distrust.conf", text);
        free(text);
        use_config(roots, 2);
        s = certs();
        ck_assert_uint_eq(s.n, 1);
        ck_assert_str_eq(s.source[0], "admin");
        doc = cert_doc("SPC", other_thumb, other, "8");
        r = install(doc, corp, corp_key);
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        free(doc);
        /* packages signed by the removed certificate are untrusted */
        doc = cert_doc("MY", corp_thumb, corp, NULL);
        r = install(doc, other, ok);
        expect(&r, VERDICT_REJECTED, REASON_UNTRUSTED_SIGNER);
        free(doc);

        /* masking the administrator's entry removes it: the corporate key is untrusted now */
        write_file(etc_d, "50-corp.conf", "");
        write_file(usr_d, "50-corp.conf", "");
        use_config(roots, 2);
        ck_assert_uint_eq(certs().n, 0);

        /* errors name the file and line; a failed reload keeps nothing half-loaded */
        {
                static const char *const bad[] = {
                        "[Certificate]\nStore=SPC\n",                          /* no File= */
                        "[Certificate]\nStore=NOPE\nFile=/x.pem\n",            /* bad store */
                        "[Certificate]\nFile=/x.pem\n",                        /* no Store= */
                        "[Certificate]\nStore=SPC\nFile=/nonexistent.pem\n",   /* unreadable */
                        "[Certificate]\nStore=SPC\nFile=../x.pem\n",           /* .. */
                        "[Remove]\nStore=SPC\nThumbprint=12\n",                /* bad thumbprint */
                        "[Remove]\nStore=SPC\n",                               /* no Thumbprint= */
                        "[Certificate]\nStore=SPC\nRole=99999\nFile=/x.pem\n", /* bad role */
                        "[Certificate]\nStore=SPC\n[Remove]\nStore=SPC\n",     /* two entries */
                        "[Other]\nKey=1\n",                                    /* unknown section */
                };

                for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                        Config *c = NULL;
                        ConfigError err = {};

                        write_file(etc_d, "90-bad.conf", bad[i]);
                        ck_assert_msg(config_load_roots(roots, 2, &c, &err) == -EINVAL, "case %zu loaded",
                                      i);
                        ck_assert_msg(strstr(err.file, "90-bad.conf"), "case %zu: error in '%s'", i,
                                      err.file);
                        ck_assert_ptr_null(c);
                }
        }
        free(pem);
        free(usr);
        free(etc);
        free(usr_d);
        free(etc_d);
        et_rm_rf(base);
        free(base);
        X509_free(other);
        EVP_PKEY_free(ok);
}
END_TEST

START_TEST(test_store_migration_keeps_ids) {
        /* a schema-2 database (before signed packages) with history migrates to 3 and keeps
         * counting push ids upward; sec 4 is accepted afterwards */
        char *d2 = et_tmpdir("cs-mig");
        Store *s = NULL;
        StorePush p = { .received_usec = 1,
                        .decided_usec = 2,
                        .sec = 2,
                        .verdict = VERDICT_REJECTED,
                        .reason = REASON_MALFORMED };
        uint64_t id = 0;

        ck_assert_int_eq(store_test_open_at_version(&s, d2, 2), 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(store_record(s, &p, &id), 0);
        ck_assert_uint_eq(id, 3);
        p.sec = AUTH_SIGNED;
        ck_assert_int_lt(store_record(s, &p, NULL), 0); /* schema 2 refuses sec 4 */
        store_free(s);
        ck_assert_int_eq(store_open(&s, d2), 0);
        ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
        ck_assert_int_eq(store_record(s, &p, &id), 0);
        ck_assert_uint_eq(id, 4);
        ck_assert_uint_eq(store_auth_strength(AUTH_SIGNED), 4);
        store_free(s);
        et_rm_rf(d2);
        free(d2);
}
END_TEST

int main(void) {
        Suite *s = suite_create("certstore");
        TCase *tc;

        tc = tcase_create("/certstore/engine");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_seed_flow);
        TU_ADD(tc, test_without_grant_role_denied);
        TU_ADD(tc, test_role_escalation);
        TU_ADD(tc, test_malformed_certificates);
        TU_ADD(tc, test_delete);
        TU_ADD(tc, test_netwpin_anchor_keeps_its_strength);
        TU_ADD(tc, test_strong_anchor_full_strength);
        TU_ADD(tc, test_pending_package_verified_again);
        TU_ADD(tc, test_store_strength_cap);
        TU_ADD(tc, test_admin_certs);
        TU_ADD(tc, test_store_migration_keeps_ids);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
