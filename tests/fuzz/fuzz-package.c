/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-package.c: libFuzzer entry for the signed-package path (verifierd/package.c and what the
 * engine does with a verified content): the size cap, the CMS parse (DER, PEM, S/MIME), chain
 * building against a fixed in-memory SPC store, key usage, CMS_verify, content extraction, then
 * the CP decoders, the schema and the CertificateStore operations (certstore.c) over the
 * content.
 *
 * The SPC store holds two anchors, both with role mask 8: a certificate generated at fuzzer
 * start (its key stays in memory), and the public certificate of the throwaway key that signed
 * the committed seed corpus (tests/fuzz/corpus/fuzz-package/; the key itself was destroyed), so
 * mutations of real packages reach every check. Each input is used twice:
 *   1. as a package: any verdict is fine, but a rejection has a reason and a detail and no
 *      content, and an accepted package has exactly the anchor's roles and a content no longer
 *      than the package;
 *   2. when it could be a document (first octet of text XML or WBXML), as the content of a
 *      package signed here with the generated key: it must verify and come back byte for byte,
 *      so the decoders and the CertificateStore rules behind the signature are fuzzed as well.
 * Verification time is fixed so that runs are reproducible.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "cpdoc.h"
#include "verifierd/certstore.h"
#include "verifierd/package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(x)            \
        do {                     \
                if (!(x))        \
                        abort(); \
        } while (0)

#define FUZZ_NOW      1830000000ULL /* 2027-12-28: inside both anchors' validity */
#define FUZZ_SIGN_MAX 4096U         /* inputs signed as content (ECDSA per run costs time) */

/* The throwaway corpus signer (public certificate only; valid 2026-11-25 .. 2126-11-01). */
static const char corpus_cert_pem[] = "-----BEGIN CERTIFICATE-----\n"
                                      "MIIB+jCCAaCgAwIBAgIUCBddyGyGoHClH6FQ6sBN8SfzRYwwCgYIKoZIzj0EAwIw\n"
                                      "SzEwMC4GA1UEAwwncHJvdmJvb3QgZnV6eiBjb3JwdXMgc2lnbmVyICh0aHJvd2F3\n"
                                      "YXkpMRcwFQYDVQQKDA5wcm92Ym9vdCB0ZXN0czAgFw0yNjExMjUxOTEyNDJaGA8y\n"
                                      "MTI2MTEwMTE5MTI0MlowSzEwMC4GA1UEAwwncHJvdmJvb3QgZnV6eiBjb3JwdXMg\n"
                                      "c2lnbmVyICh0aHJvd2F3YXkpMRcwFQYDVQQKDA5wcm92Ym9vdCB0ZXN0czBZMBMG\n"
                                      "ByqGSM49AgEGCCqGSM49AwEHA0IABEkmWxpj46dejf1MVGU+i+Q4Qk+cmZ//U+MT\n"
                                      "/6lhnrbcDlvXxd2S7dbsvesal+34hgs1XHs80T5nFVXWrBYSrlujYDBeMB0GA1Ud\n"
                                      "DgQWBBTHM7IbgGkVSVhKAm2Wd2zFLL3LejAfBgNVHSMEGDAWgBTHM7IbgGkVSVhK\n"
                                      "Am2Wd2zFLL3LejAOBgNVHQ8BAf8EBAMCB4AwDAYDVR0TAQH/BAIwADAKBggqhkjO\n"
                                      "PQQDAgNIADBFAiBeWK+N4Uj442Q7n6eCmd5TbEVEuESszM94vIoaMhTZWQIhALuG\n"
                                      "+7w7d21MYJzYS5d+DUSfW/tSHVh35Sf1pK1T6IpS\n"
                                      "-----END CERTIFICATE-----\n";

static EVP_PKEY *gen_key;
static X509 *gen_cert;
static PackageAnchor anchors[2];
static uint8_t *anchor_der[2];

static uint8_t *to_der(X509 *x, size_t *ret_len) {
        int n = i2d_X509(x, NULL);
        uint8_t *buf, *p;

        FUZZ_CHECK(n > 0);
        buf = malloc((size_t) n);
        FUZZ_CHECK(buf);
        p = buf;
        FUZZ_CHECK(i2d_X509(x, &p) == n);
        *ret_len = (size_t) n;
        return buf;
}

static void add_ext(X509 *x, int nid, const char *value) {
        X509V3_CTX ctx;
        X509_EXTENSION *e;

        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
        e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        FUZZ_CHECK(e);
        FUZZ_CHECK(X509_add_ext(x, e, -1) == 1);
        X509_EXTENSION_free(e);
}

static void init_once(void) {
        time_t base = (time_t) FUZZ_NOW;
        BIO *b;
        X509 *corpus;
        X509_NAME *n;
        size_t len;

        if (gen_cert)
                return;
        gen_key = EVP_EC_gen("P-256");
        FUZZ_CHECK(gen_key);
        gen_cert = X509_new();
        FUZZ_CHECK(gen_cert);
        FUZZ_CHECK(X509_set_version(gen_cert, 2) == 1);
        ASN1_INTEGER_set(X509_get_serialNumber(gen_cert), 1);
        FUZZ_CHECK(X509_time_adj_ex(X509_getm_notBefore(gen_cert), -1, 0, &base));
        FUZZ_CHECK(X509_time_adj_ex(X509_getm_notAfter(gen_cert), 3650, 0, &base));
        n = X509_get_subject_name(gen_cert);
        FUZZ_CHECK(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *) "fuzz signer",
                                              -1, -1, 0));
        FUZZ_CHECK(X509_set_issuer_name(gen_cert, n) == 1);
        FUZZ_CHECK(X509_set_pubkey(gen_cert, gen_key) == 1);
        add_ext(gen_cert, NID_key_usage, "critical,digitalSignature");
        FUZZ_CHECK(X509_sign(gen_cert, gen_key, EVP_sha256()) > 0);
        anchor_der[0] = to_der(gen_cert, &len);
        anchors[0] = (PackageAnchor) { .der = anchor_der[0], .der_len = len, .roles = 8 };

        b = BIO_new_mem_buf(corpus_cert_pem, -1);
        FUZZ_CHECK(b);
        corpus = PEM_read_bio_X509(b, NULL, NULL, NULL);
        FUZZ_CHECK(corpus);
        anchor_der[1] = to_der(corpus, &len);
        anchors[1] = (PackageAnchor) { .der = anchor_der[1], .der_len = len, .roles = 8 };
        X509_free(corpus);
        BIO_free(b);
}

/* What the engine does with verified content: decode, validate, certificate operations. */
static void use_content(const uint8_t *content, size_t len, uint32_t roles) {
        CpDoc *doc = NULL;
        CertOpList ops = {};
        char *why = NULL;
        int r;

        if (cpdoc_from_bytes(content, len, &doc, NULL) < 0)
                return;
        if (cpdoc_validate(doc, NULL) >= 0) {
                r = certstore_ops_from_doc(doc, roles, &ops, &why);
                FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EPERM || r == -ENOMEM);
                for (size_t i = 0; r == 0 && i < ops.n; i++) {
                        FUZZ_CHECK(strlen(ops.items[i].thumbprint) == CERTSTORE_THUMBPRINT_LEN);
                        FUZZ_CHECK(ops.items[i].remove || (ops.items[i].der && ops.items[i].der_len > 0 &&
                                                           (ops.items[i].roles & ~roles) == 0));
                }
                certop_list_done(&ops);
                free(why);
        }
        cpdoc_free(doc);
}

/* A '<', whitespace or a UTF-8 BOM (text XML), or a WBXML version octet 0x00..0x03. */
static bool could_be_document(uint8_t first) {
        return first == '<' || first == ' ' || first == '\t' || first == '\r' || first == '\n' ||
               first == 0xEF || first <= 0x03;
}

static void check_result(int r, const PackageResult *res, size_t size) {
        if (r == 0) {
                FUZZ_CHECK(res->reason == REASON_NONE && res->content && res->content_len > 0);
                FUZZ_CHECK(res->content_len <= size);
                FUZZ_CHECK(res->roles == 8);
                FUZZ_CHECK(strlen(res->anchor) == CERTSTORE_THUMBPRINT_LEN);
                return;
        }
        FUZZ_CHECK(r == -EBADMSG || r == -E2BIG || r == -EKEYREJECTED || r == -ENOKEY || r == -ENOMEM);
        FUZZ_CHECK(!res->content);
        FUZZ_CHECK(res->reason == REASON_MALFORMED || res->reason == REASON_BAD_SIGNATURE ||
                   res->reason == REASON_UNTRUSTED_SIGNER);
        FUZZ_CHECK(res->detail[0] != 0);
        FUZZ_CHECK(ERR_peek_error() == 0); /* the error queue is left empty */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PackageResult res;
        int r;

        init_once();

        /* 1. the input as a package */
        r = package_verify(data, size, anchors, 2, FUZZ_NOW, &res);
        check_result(r, &res, size);
        if (r == 0)
                use_content(res.content, res.content_len, res.roles);
        package_result_done(&res);

        /* 2. the input as the content of a package we sign: it must round-trip exactly. Only
         * for inputs that could be a document (text XML or WBXML by their first octet): signing
         * costs milliseconds under the sanitizers, and CMS-looking inputs are for step 1. */
        if (size > 0 && size <= FUZZ_SIGN_MAX && could_be_document(data[0])) {
                BIO *in = BIO_new_mem_buf(data, (int) size), *out = BIO_new(BIO_s_mem());
                CMS_ContentInfo *cms;
                char *mem = NULL;
                long n;

                FUZZ_CHECK(in && out);
                cms = CMS_sign(gen_cert, gen_key, NULL, in, CMS_BINARY);
                FUZZ_CHECK(cms);
                FUZZ_CHECK(i2d_CMS_bio(out, cms) == 1);
                n = BIO_get_mem_data(out, &mem);
                FUZZ_CHECK(n > 0);
                r = package_verify((const uint8_t *) mem, (size_t) n, anchors, 2, FUZZ_NOW, &res);
                FUZZ_CHECK(r == 0);
                FUZZ_CHECK(res.content_len == size && memcmp(res.content, data, size) == 0);
                use_content(res.content, res.content_len, res.roles);
                package_result_done(&res);
                CMS_ContentInfo_free(cms);
                BIO_free(in);
                BIO_free(out);
        }
        return 0;
}
