/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-package.c: verifierd/package.c and the engine's package path: CMS SignedData in DER,
 * PEM and S/MIME verified against the SPC anchors only; every way a package can be wrong gets
 * its reason (a flipped bit in the content or the signature: bad-signature; an unknown, expired
 * or not-yet-valid signer, or one whose key may not sign: untrusted-signer; detached, garbage,
 * oversized: malformed); chains through an intermediate end at the first SPC certificate and
 * earn its mask exactly; through the engine a rejected package changes nothing, and an accepted
 * one (installed or pushed) is recorded as sec "signed" with the signer's roles and no grant.
 * Keys and certificates are generated here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine-testutil.h"
#include "macros.h"
#include "pkg-testutil.h"
#include "testutil.h"
#include "verifierd/engine.h"
#include "verifierd/package.h"

#define DOC_NAPDEF                                                                                       \
        "<?xml version=\"1.0\"?><wap-provisioningdoc version=\"1.1\"><characteristic type=\"NAPDEF\">"   \
        "<parm name=\"NAPID\" value=\"corp\"/><parm name=\"NAME\" value=\"Corporate APN\"/>"             \
        "<parm name=\"NAP-ADDRESS\" value=\"corp.example\"/><parm name=\"NAP-ADDRTYPE\" value=\"APN\"/>" \
        "</characteristic></wap-provisioningdoc>"

static time_t now_sec;
static EVP_PKEY *corp_key;
static X509 *corp;
static uint8_t *corp_der;
static size_t corp_der_len;

static void pkg_setup(void) {
        now_sec = time(NULL);
        corp_key = pt_key();
        corp = pt_signer_cert("Corporate signer", corp_key, now_sec);
        corp_der = pt_der(corp, &corp_der_len);
}

static void pkg_teardown(void) {
        X509_free(corp);
        EVP_PKEY_free(corp_key);
        free(corp_der);
}

static int verify(const uint8_t *p, size_t len, uint32_t roles, PackageResult *res) {
        PackageAnchor a = { .der = corp_der, .der_len = corp_der_len, .roles = roles };

        return package_verify(p, len, &a, 1, (uint64_t) now_sec, res);
}

static void expect_fail(const uint8_t *p, size_t len, int want_r, Reason want, const char *detail_part) {
        PackageResult res;
        int r = verify(p, len, 8, &res);

        ck_assert_msg(r == want_r && res.reason == want, "got %d/%s (%s), want %d/%s", r,
                      reason_to_string(res.reason), res.detail, want_r, reason_to_string(want));
        ck_assert_ptr_null(res.content);
        if (detail_part)
                ck_assert_msg(strstr(res.detail, detail_part), "detail '%s' lacks '%s'", res.detail,
                              detail_part);
        package_result_done(&res);
}

START_TEST(test_verify_formats) {
        static const PtFormat fmts[] = { PT_DER, PT_PEM, PT_SMIME };

        for (size_t i = 0; i < ELEMENTSOF(fmts); i++) {
                size_t len;
                uint8_t *p = pt_sign_ex(DOC_NAPDEF, strlen(DOC_NAPDEF), corp, corp_key, NULL, 0, NULL,
                                        fmts[i], &len);
                PackageResult res;
                char thumb[41];

                ck_assert_int_eq(verify(p, len, 8, &res), 0);
                ck_assert_int_eq(res.reason, REASON_NONE);
                ck_assert_uint_eq(res.roles, 8);
                ck_assert_uint_eq(res.content_len, strlen(DOC_NAPDEF));
                ck_assert_mem_eq(res.content, DOC_NAPDEF, res.content_len);
                pt_thumb(corp, thumb);
                ck_assert_str_eq(res.anchor, thumb);
                ck_assert_str_eq(res.signer, thumb);
                package_result_done(&res);
                free(p);
        }
}
END_TEST

START_TEST(test_tampered) {
        size_t len, off;
        uint8_t *p = pt_sign(DOC_NAPDEF, corp, corp_key, &len);

        /* one bit of the content: the message digest no longer matches */
        off = pt_find(p, len, "corp.example");
        p[off] ^= 0x01;
        expect_fail(p, len, -EKEYREJECTED, REASON_BAD_SIGNATURE, "signature");
        p[off] ^= 0x01;
        /* one bit of the signature (the last octets of an ECDSA SignerInfo) */
        p[len - 3] ^= 0x10;
        expect_fail(p, len, -EKEYREJECTED, REASON_BAD_SIGNATURE, "signature");
        p[len - 3] ^= 0x10;
        /* untouched it still verifies */
        {
                PackageResult res;

                ck_assert_int_eq(verify(p, len, 8, &res), 0);
                package_result_done(&res);
        }
        free(p);
}
END_TEST

START_TEST(test_untrusted_signers) {
        EVP_PKEY *k = pt_key();
        X509 *stranger = pt_signer_cert("Stranger", k, now_sec);
        size_t len;
        uint8_t *p = pt_sign(DOC_NAPDEF, stranger, k, &len);
        PackageResult res;

        expect_fail(p, len, -ENOKEY, REASON_UNTRUSTED_SIGNER, NULL);
        /* no SPC certificate at all: nothing is trusted, not even a valid signature */
        ck_assert_int_eq(package_verify(p, len, NULL, 0, (uint64_t) now_sec, &res), -ENOKEY);
        ck_assert_int_eq(res.reason, REASON_UNTRUSTED_SIGNER);
        free(p);
        /* the corporate key signs, but the SPC store holds only the stranger */
        p = pt_sign(DOC_NAPDEF, corp, corp_key, &len);
        {
                size_t slen;
                uint8_t *sder = pt_der(stranger, &slen);
                PackageAnchor a = { .der = sder, .der_len = slen, .roles = 8 };

                ck_assert_int_eq(package_verify(p, len, &a, 1, (uint64_t) now_sec, &res), -ENOKEY);
                ck_assert_int_eq(res.reason, REASON_UNTRUSTED_SIGNER);
                free(sder);
        }
        free(p);
        X509_free(stranger);
        EVP_PKEY_free(k);
}
END_TEST

static void expect_cert_refused(const PtCertSpec *spec, const char *detail) {
        EVP_PKEY *k = pt_key();
        X509 *x = pt_cert(spec, k, NULL, NULL);
        size_t len, dlen;
        uint8_t *p = pt_sign(DOC_NAPDEF, x, k, &len), *der = pt_der(x, &dlen);
        PackageAnchor a = { .der = der, .der_len = dlen, .roles = 8 };
        PackageResult res;
        int r = package_verify(p, len, &a, 1, (uint64_t) now_sec, &res);

        ck_assert_msg(r == -ENOKEY && res.reason == REASON_UNTRUSTED_SIGNER, "%s: got %d/%s (%s)", spec->cn,
                      r, reason_to_string(res.reason), res.detail);
        ck_assert_msg(strstr(res.detail, detail), "%s: detail '%s' lacks '%s'", spec->cn, res.detail,
                      detail);
        free(p);
        free(der);
        X509_free(x);
        EVP_PKEY_free(k);
}

START_TEST(test_validity_and_key_usage) {
        PtCertSpec expired = { .cn = "Expired",
                               .now = now_sec,
                               .not_before = -10 * PT_DAY,
                               .not_after = -PT_DAY,
                               .key_usage = "digitalSignature" };
        PtCertSpec future = { .cn = "Future",
                              .now = now_sec,
                              .not_before = PT_DAY,
                              .not_after = 10 * PT_DAY,
                              .key_usage = "digitalSignature" };
        PtCertSpec ku = { .cn = "CertSignOnly",
                          .now = now_sec,
                          .not_before = -PT_DAY,
                          .not_after = PT_DAY,
                          .key_usage = "critical,keyCertSign" };
        PtCertSpec nonrep = { .cn = "NonRepudiationOnly",
                              .now = now_sec,
                              .not_before = -PT_DAY,
                              .not_after = PT_DAY,
                              .key_usage = "nonRepudiation" };
        PtCertSpec eku = { .cn = "TLSServer",
                           .now = now_sec,
                           .not_before = -PT_DAY,
                           .not_after = PT_DAY,
                           .key_usage = "digitalSignature",
                           .ext_key_usage = "serverAuth" };
        PtCertSpec codesign = { .cn = "CodeSigner",
                                .now = now_sec,
                                .not_before = -PT_DAY,
                                .not_after = PT_DAY,
                                .key_usage = "digitalSignature",
                                .ext_key_usage = "codeSigning" };
        PtCertSpec noku = { .cn = "NoKeyUsage", .now = now_sec, .not_before = -PT_DAY, .not_after = PT_DAY };

        expect_cert_refused(&expired, "expired");
        expect_cert_refused(&future, "not yet valid");
        expect_cert_refused(&ku, "digitalSignature");
        expect_cert_refused(&nonrep, "digitalSignature");
        expect_cert_refused(&eku, "extendedKeyUsage");

        /* a code-signing certificate, and one without keyUsage (RFC 5280: unrestricted), may sign */
        for (int i = 0; i < 2; i++) {
                EVP_PKEY *k = pt_key();
                X509 *x = pt_cert(i ? &noku : &codesign, k, NULL, NULL);
                size_t len, dlen;
                uint8_t *p = pt_sign(DOC_NAPDEF, x, k, &len), *der = pt_der(x, &dlen);
                PackageAnchor a = { .der = der, .der_len = dlen, .roles = 16 };
                PackageResult res;

                ck_assert_int_eq(package_verify(p, len, &a, 1, (uint64_t) now_sec, &res), 0);
                ck_assert_uint_eq(res.roles, 16);
                package_result_done(&res);
                free(p);
                free(der);
                X509_free(x);
                EVP_PKEY_free(k);
        }
}
END_TEST

START_TEST(test_malformed_and_caps) {
        size_t len;
        uint8_t *p = pt_sign(DOC_NAPDEF, corp, corp_key, &len), *big;
        PackageResult res;

        expect_fail((const uint8_t *) "hello", 5, -EBADMSG, REASON_MALFORMED, NULL);
        expect_fail((const uint8_t *) "\x30\x03\x02\x01\x01", 5, -EBADMSG, REASON_MALFORMED, NULL);
        expect_fail(p, len - 1, -EBADMSG, REASON_MALFORMED, NULL); /* truncated */
        ck_assert_int_eq(verify(p, 0, 8, &res), -EBADMSG);
        /* trailing bytes after the DER object */
        big = malloc(PACKAGE_SIZE_MAX + 1);
        ck_assert_ptr_nonnull(big);
        memcpy(big, p, len);
        big[len] = 0;
        expect_fail(big, len + 1, -EBADMSG, REASON_MALFORMED, NULL);
        /* the cap comes before parsing: at the cap a valid prefix is just trailing garbage,
         * past it the package is refused unread */
        memset(big + len, 0, PACKAGE_SIZE_MAX + 1 - len);
        expect_fail(big, PACKAGE_SIZE_MAX, -EBADMSG, REASON_MALFORMED, NULL);
        expect_fail(big, PACKAGE_SIZE_MAX + 1, -E2BIG, REASON_MALFORMED, "larger");
        free(big);
        free(p);

        /* detached content is refused even though the signature is fine */
        p = pt_sign_ex(DOC_NAPDEF, strlen(DOC_NAPDEF), corp, corp_key, NULL, CMS_DETACHED, NULL, PT_DER,
                       &len);
        expect_fail(p, len, -EBADMSG, REASON_MALFORMED, "detached");
        free(p);
        p = pt_sign_ex(DOC_NAPDEF, strlen(DOC_NAPDEF), corp, corp_key, NULL, CMS_DETACHED, NULL, PT_SMIME,
                       &len);
        expect_fail(p, len, -EBADMSG, REASON_MALFORMED, "detached");
        free(p);
        /* SHA-1 digests are refused */
        p = pt_sign_ex(DOC_NAPDEF, strlen(DOC_NAPDEF), corp, corp_key, NULL, 0, EVP_sha1(), PT_DER, &len);
        expect_fail(p, len, -EKEYREJECTED, REASON_BAD_SIGNATURE, "digest");
        free(p);
}
END_TEST

START_TEST(test_two_signers) {
        EVP_PKEY *k = pt_key();
        X509 *x = pt_signer_cert("Second", k, now_sec);
        BIO *in = BIO_new_mem_buf(DOC_NAPDEF, -1), *out = BIO_new(BIO_s_mem());
        CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, in, CMS_BINARY | CMS_PARTIAL);
        char *mem;
        long n;

        ck_assert_ptr_nonnull(CMS_add1_signer(cms, corp, corp_key, EVP_sha256(), CMS_BINARY));
        ck_assert_ptr_nonnull(CMS_add1_signer(cms, x, k, EVP_sha256(), CMS_BINARY));
        ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY), 1);
        ck_assert_int_eq(i2d_CMS_bio(out, cms), 1);
        n = BIO_get_mem_data(out, &mem);
        expect_fail((uint8_t *) mem, (size_t) n, -EKEYREJECTED, REASON_BAD_SIGNATURE, "exactly one");
        CMS_ContentInfo_free(cms);
        BIO_free(in);
        BIO_free(out);
        X509_free(x);
        EVP_PKEY_free(k);
}
END_TEST

START_TEST(test_chains) {
        PtCertSpec root_s = { .cn = "Corp Root",
                              .now = now_sec,
                              .not_before = -PT_DAY,
                              .not_after = 3650 * PT_DAY,
                              .key_usage = "critical,keyCertSign,cRLSign",
                              .ca = true };
        PtCertSpec ca_s = root_s, leaf_s = { .cn = "Corp Leaf",
                                             .now = now_sec,
                                             .not_before = -PT_DAY,
                                             .not_after = 30 * PT_DAY,
                                             .key_usage = "critical,digitalSignature" };
        EVP_PKEY *rk = pt_key(), *ik = pt_key(), *lk = pt_key();
        X509 *root, *inter, *leaf;
        STACK_OF(X509) *extra = sk_X509_new_null();
        uint8_t *p, *rder, *ider, *lder;
        size_t len, rlen, ilen, llen;
        PackageResult res;

        ca_s.cn = "Corp Issuing CA";
        root = pt_cert(&root_s, rk, NULL, NULL);
        inter = pt_cert(&ca_s, ik, root, rk);
        leaf = pt_cert(&leaf_s, lk, inter, ik);
        rder = pt_der(root, &rlen);
        ider = pt_der(inter, &ilen);
        lder = pt_der(leaf, &llen);
        sk_X509_push(extra, inter);
        p = pt_sign_ex(DOC_NAPDEF, strlen(DOC_NAPDEF), leaf, lk, extra, 0, NULL, PT_DER, &len);

        /* root in SPC with 222: the chain leaf -> intermediate (in the package) -> root earns 222,
         * and the root entry's strength */
        {
                PackageAnchor a[] = { { .der = rder, .der_len = rlen, .roles = 222, .strength = 4 } };

                ck_assert_int_eq(package_verify(p, len, a, 1, (uint64_t) now_sec, &res), 0);
                ck_assert_uint_eq(res.roles, 222);
                ck_assert_uint_eq(res.strength, 4);
                package_result_done(&res);
        }
        /* the intermediate in SPC too, with 16 and strength 2 (say a NETWPIN push put it there):
         * the chain ends at the first SPC certificate met, and its strength is what counts */
        {
                PackageAnchor a[] = { { .der = rder, .der_len = rlen, .roles = 222, .strength = 4 },
                                      { .der = ider, .der_len = ilen, .roles = 16, .strength = 2 } };

                ck_assert_int_eq(package_verify(p, len, a, 2, (uint64_t) now_sec, &res), 0);
                ck_assert_uint_eq(res.roles, 16);
                ck_assert_uint_eq(res.strength, 2);
                package_result_done(&res);
        }
        /* only the leaf's issuer's issuer is missing: untrusted */
        {
                PackageAnchor a[] = { { .der = corp_der, .der_len = corp_der_len, .roles = 8 } };

                ck_assert_int_eq(package_verify(p, len, a, 1, (uint64_t) now_sec, &res), -ENOKEY);
        }
        free(p);
        /* the signer's certificate omitted from the package but present in SPC */
        p = pt_sign_ex(DOC_NAPDEF, strlen(DOC_NAPDEF), leaf, lk, NULL, CMS_NOCERTS, NULL, PT_DER, &len);
        {
                PackageAnchor a[] = { { .der = lder, .der_len = llen, .roles = 4 } };

                ck_assert_int_eq(package_verify(p, len, a, 1, (uint64_t) now_sec, &res), 0);
                ck_assert_uint_eq(res.roles, 4);
                package_result_done(&res);
        }
        /* ... and without it in SPC nothing identifies the signer */
        {
                PackageAnchor a[] = { { .der = rder, .der_len = rlen, .roles = 222 } };

                ck_assert_int_eq(package_verify(p, len, a, 1, (uint64_t) now_sec, &res), -ENOKEY);
                ck_assert_int_eq(res.reason, REASON_UNTRUSTED_SIGNER);
        }
        /* an expired root in SPC fails the chain, with the detail */
        free(p);
        p = pt_sign_ex(DOC_NAPDEF, strlen(DOC_NAPDEF), leaf, lk, extra, 0, NULL, PT_DER, &len);
        {
                PackageAnchor a[] = { { .der = rder, .der_len = rlen, .roles = 222 } };

                ck_assert_int_eq(package_verify(p, len, a, 1, (uint64_t) now_sec + 3700 * PT_DAY, &res),
                                 -ENOKEY);
                ck_assert_ptr_nonnull(strstr(res.detail, "expired"));
        }
        free(p);
        free(rder);
        free(ider);
        free(lder);
        sk_X509_free(extra);
        X509_free(root);
        X509_free(inter);
        X509_free(leaf);
        EVP_PKEY_free(rk);
        EVP_PKEY_free(ik);
        EVP_PKEY_free(lk);
}
END_TEST

/* ---- through the engine ------------------------------------------------------------------------ */

static char *dir, *cfgdir;
static Config *cfg;
static Engine *eng;
static uint64_t fake_now;

static uint64_t test_clock(void *u) {
        return fake_now;
}

static void eng_setup(void) {
        char *p = NULL;
        FILE *f;

        pkg_setup();
        fake_now = (uint64_t) now_sec * 1000000ULL;
        dir = et_tmpdir("pkg-state");
        cfgdir = et_tmpdir("pkg-conf");
        /* the corporate certificate as the administrator's SPC entry, Role=8 (Manager) */
        ck_assert_int_ge(asprintf(&p, "%s/certs.d", cfgdir), 0);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        free(p);
        ck_assert_int_ge(asprintf(&p, "%s/certs.d/corp.pem", cfgdir), 0);
        pt_write_pem(corp, p);
        free(p);
        ck_assert_int_ge(asprintf(&p, "%s/certs.d/50-corp.conf", cfgdir), 0);
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "[Certificate]\nStore=SPC\nFile=corp.pem\nRole=MANAGER\n");
        fclose(f);
        free(p);
        ck_assert_int_ge(asprintf(&p, "%s/verifierd.conf", cfgdir), 0);
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "[Bootstrap]\nEnabled=yes\n[Policy]\nGrantManager=8190\n");
        fclose(f);
        free(p);
        {
                ConfigError err = {};
                const char *roots[] = { cfgdir };

                ck_assert_msg(config_load_roots(roots, 1, &cfg, &err) == 0, "%s", err.message);
        }
        EngineOptions o = { .state_dir = dir, .config = cfg, .clock = test_clock, .no_export = true };
        ck_assert_int_eq(engine_new(&eng, &o), 0);
}

static void eng_teardown(void) {
        eng = engine_free(eng);
        cfg = config_free(cfg);
        et_rm_rf(dir);
        et_rm_rf(cfgdir);
        free(dir);
        free(cfgdir);
        pkg_teardown();
}

static int cnt(const void *x, void *u) {
        (*(unsigned *) u)++;
        return 0;
}

static unsigned n_documents(void) {
        unsigned n = 0;

        ck_assert_int_ge(store_foreach_document(engine_get_store(eng), (StoreDocumentFn) cnt, &n), 0);
        return n;
}

static unsigned n_settings(void) {
        unsigned n = 0;

        ck_assert_int_ge(engine_foreach_setting(eng, NULL, (StoreSettingFn) cnt, &n), 0);
        return n;
}

typedef struct Hist {
        int sec;
        uint32_t roles;
        Reason r;
        char denied[512], transport[32];
} Hist;

static int keep(const StorePush *p, void *u) {
        Hist *h = u;

        h->sec = p->sec;
        h->roles = p->roles;
        h->r = p->reason;
        snprintf(h->denied, sizeof h->denied, "%s", p->denied ?: "");
        snprintf(h->transport, sizeof h->transport, "%s", p->transport ?: "");
        return 0;
}

static Hist history(uint64_t id) {
        Hist h = {};

        ck_assert_int_eq(engine_get_push(eng, id, keep, &h), 0);
        return h;
}

static EngineResult install(const uint8_t *p, size_t len) {
        EngineResult r = {};

        ck_assert_int_eq(engine_install(eng, p, len, "install", &r), 0);
        ck_assert_uint_gt(r.id, 0);
        return r;
}

START_TEST(test_engine_install_applies_with_signer_roles) {
        size_t len;
        uint8_t *p = pt_sign(DOC_NAPDEF, corp, corp_key, &len);
        EngineResult r = install(p, len);
        Hist h;

        ck_assert_msg(r.verdict == VERDICT_APPLIED, "%s (%s)", reason_to_string(r.reason), r.denied ?: "");
        /* exactly the SPC entry's mask: GrantManager=8190 adds nothing to a package */
        ck_assert_uint_eq(r.roles, 8);
        h = history(r.id);
        ck_assert_int_eq(h.sec, AUTH_SIGNED);
        ck_assert_str_eq(auth_method_to_string(h.sec) ?: "?", "signed");
        ck_assert_str_eq(h.transport, "install");
        ck_assert_uint_eq(n_documents(), 1);
        ck_assert_uint_gt(n_settings(), 0);
        engine_result_done(&r);
        /* the same package again is a replay */
        r = install(p, len);
        ck_assert_int_eq(r.reason, REASON_REPLAY);
        engine_result_done(&r);
        free(p);
        /* over the cap: refused before anything */
        ck_assert_int_eq(engine_install(eng, (const uint8_t *) "x", ENGINE_PACKAGE_MAX + 1, NULL, &r),
                         -E2BIG);
        ck_assert_int_eq(engine_install(eng, NULL, 1, NULL, &r), -EINVAL);
}
END_TEST

START_TEST(test_engine_rejections_change_nothing) {
        PtCertSpec expired = { .cn = "Old corp",
                               .now = now_sec,
                               .not_before = -10 * PT_DAY,
                               .not_after = -PT_DAY,
                               .key_usage = "digitalSignature" };
        PtCertSpec ku = { .cn = "CA key",
                          .now = now_sec,
                          .not_before = -PT_DAY,
                          .not_after = PT_DAY,
                          .key_usage = "keyCertSign" };
        EVP_PKEY *k = pt_key();
        X509 *stranger = pt_signer_cert("Stranger", k, now_sec);
        size_t len, off;
        uint8_t *p;
        EngineResult r;
        Hist h;

        /* unknown key */
        p = pt_sign(DOC_NAPDEF, stranger, k, &len);
        r = install(p, len);
        ck_assert_int_eq(r.reason, REASON_UNTRUSTED_SIGNER);
        engine_result_done(&r);
        free(p);
        /* flipped content bit, flipped signature bit */
        p = pt_sign(DOC_NAPDEF, corp, corp_key, &len);
        off = pt_find(p, len, "Corporate APN");
        p[off + 2] ^= 0x02;
        r = install(p, len);
        ck_assert_int_eq(r.reason, REASON_BAD_SIGNATURE);
        engine_result_done(&r);
        p[off + 2] ^= 0x02;
        p[len - 2] ^= 0x01;
        r = install(p, len);
        ck_assert_int_eq(r.reason, REASON_BAD_SIGNATURE);
        engine_result_done(&r);
        free(p);
        /* garbage */
        r = install((const uint8_t *) "not a package", 13);
        ck_assert_int_eq(r.reason, REASON_MALFORMED);
        engine_result_done(&r);
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_uint_eq(n_settings(), 0);
        X509_free(stranger);
        EVP_PKEY_free(k);

        /* an expired certificate in SPC (the administrator's): untrusted-signer, detail in history */
        for (int i = 0; i < 2; i++) {
                char *path = NULL;
                X509 *x;

                k = pt_key();
                x = pt_cert(i == 0 ? &expired : &ku, k, NULL, NULL);
                ck_assert_int_ge(asprintf(&path, "%s/certs.d/corp.pem", cfgdir), 0);
                pt_write_pem(x, path);
                free(path);
                {
                        Config *c2 = NULL;
                        const char *roots[] = { cfgdir };

                        ck_assert_int_eq(config_load_roots(roots, 1, &c2, NULL), 0);
                        engine_set_config(eng, c2, NULL);
                        config_free(cfg);
                        cfg = c2;
                }
                p = pt_sign(DOC_NAPDEF, x, k, &len);
                r = install(p, len);
                ck_assert_int_eq(r.verdict, VERDICT_REJECTED);
                ck_assert_int_eq(r.reason, REASON_UNTRUSTED_SIGNER);
                h = history(r.id);
                ck_assert_int_eq(h.r, REASON_UNTRUSTED_SIGNER);
                ck_assert_msg(strstr(h.denied, i == 0 ? "expired" : "digitalSignature"), "history: %s",
                              h.denied);
                engine_result_done(&r);
                free(p);
                X509_free(x);
                EVP_PKEY_free(k);
        }
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_uint_eq(n_settings(), 0);
}
END_TEST

START_TEST(test_engine_signed_roles_bound_the_document) {
        /* a package from a signer whose SPC entry holds USER_AUTH (16) only cannot set NAPDEF,
         * whatever GrantManager says */
        char *path = NULL;
        FILE *f;
        size_t len;
        uint8_t *p;
        EngineResult r;

        ck_assert_int_ge(asprintf(&path, "%s/certs.d/50-corp.conf", cfgdir), 0);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "[Certificate]\nStore=SPC\nFile=corp.pem\nRole=16\n");
        fclose(f);
        free(path);
        {
                Config *c2 = NULL;
                const char *roots[] = { cfgdir };

                ck_assert_int_eq(config_load_roots(roots, 1, &c2, NULL), 0);
                engine_set_config(eng, c2, NULL);
                config_free(cfg);
                cfg = c2;
        }
        p = pt_sign(DOC_NAPDEF, corp, corp_key, &len);
        r = install(p, len);
        ck_assert_int_eq(r.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(r.roles, 16);
        engine_result_done(&r);
        free(p);
        ck_assert_uint_eq(n_documents(), 0);
}
END_TEST

START_TEST(test_engine_pushed_package) {
        size_t len;
        uint8_t *p = pt_sign(DOC_NAPDEF, corp, corp_key, &len);
        EngineSubmission s = {
                .body = p,
                .body_len = len,
                .content_kind = WSP_CONTENT_PKCS7,
                .sec = AUTH_NETWPIN, /* ignored for a package */
                .mac = "0000000000000000000000000000000000000000",
                .sender = "+4917012345",
                .transport = "inject",
        };
        EngineResult r = {};

        /* OTA bootstrap disabled: a pushed package is refused at the gate */
        cfg->bootstrap_enabled = false;
        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        ck_assert_int_eq(r.reason, REASON_BOOTSTRAP_DISABLED);
        engine_result_done(&r);
        cfg->bootstrap_enabled = true;
        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        ck_assert_msg(r.verdict == VERDICT_APPLIED, "%s (%s)", reason_to_string(r.reason), r.denied ?: "");
        ck_assert_uint_eq(r.roles, 8);
        ck_assert_int_eq(history(r.id).sec, AUTH_SIGNED);
        engine_result_done(&r);
        free(p);
}
END_TEST

int main(void) {
        Suite *s = suite_create("package");
        TCase *tc;

        tc = tcase_create("/package/verify");
        tcase_add_checked_fixture(tc, pkg_setup, pkg_teardown);
        TU_ADD(tc, test_verify_formats);
        TU_ADD(tc, test_tampered);
        TU_ADD(tc, test_untrusted_signers);
        TU_ADD(tc, test_validity_and_key_usage);
        TU_ADD(tc, test_malformed_and_caps);
        TU_ADD(tc, test_two_signers);
        TU_ADD(tc, test_chains);
        suite_add_tcase(s, tc);

        tc = tcase_create("/package/engine");
        tcase_add_checked_fixture(tc, eng_setup, eng_teardown);
        TU_ADD(tc, test_engine_install_applies_with_signer_roles);
        TU_ADD(tc, test_engine_rejections_change_nothing);
        TU_ADD(tc, test_engine_signed_roles_bound_the_document);
        TU_ADD(tc, test_engine_pushed_package);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
