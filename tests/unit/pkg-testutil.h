/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkg-testutil.h: header-only helpers for the certificate-store and package tests: EC P-256
 * keys, X.509 certificates (self-signed or issued, with chosen validity, keyUsage,
 * extendedKeyUsage, CA flag) and CMS SignedData packages, all generated at test time with
 * OpenSSL's API. No key or certificate is read from disk; nothing private is committed.
 */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h> /* before cms.h: it declares PEM_write_bio_CMS through pem.h's macros */
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#define PT_DAY (24L * 3600L)

typedef struct PtCertSpec {
        const char *cn;
        time_t now;                     /* validity is relative to this */
        long not_before;                /* seconds from now (negative: in the past) */
        long not_after;
        const char *key_usage;          /* e.g. "critical,digitalSignature"; NULL: no extension */
        const char *ext_key_usage;      /* e.g. "codeSigning"; NULL: none */
        bool ca;                        /* basicConstraints CA:TRUE */
} PtCertSpec;

static inline EVP_PKEY *pt_key(void) {
        EVP_PKEY *k = EVP_EC_gen("P-256");

        ck_assert_ptr_nonnull(k);
        return k;
}

static inline void pt_ext(X509 *x, X509 *issuer, int nid, const char *value) {
        X509V3_CTX ctx;
        X509_EXTENSION *e;

        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
        e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        ck_assert_ptr_nonnull(e);
        ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
        X509_EXTENSION_free(e);
}

/* A certificate for @key, issued by @issuer/@issuer_key (NULL: self-signed). */
static inline X509 *pt_cert(const PtCertSpec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key) {
        static long serial = 1000;
        X509 *x = X509_new();
        X509_NAME *n = X509_NAME_new();
        time_t base = s->now;
        const unsigned char *cn = (const unsigned char *) s->cn, *org = (const unsigned char *) "provboot tests";

        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(X509_set_version(x, 2), 1);
        ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
        ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notBefore(x), 0, s->not_before, &base));
        ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notAfter(x), 0, s->not_after, &base));
        ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, cn, -1, -1, 0), 1);
        ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, org, -1, -1, 0), 1);
        ck_assert_int_eq(X509_set_subject_name(x, n), 1);
        ck_assert_int_eq(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n), 1);
        ck_assert_int_eq(X509_set_pubkey(x, key), 1);
        pt_ext(x, issuer ? issuer : x, NID_basic_constraints,
               s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
        pt_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
        if (s->key_usage)
                pt_ext(x, issuer ? issuer : x, NID_key_usage, s->key_usage);
        if (s->ext_key_usage)
                pt_ext(x, issuer ? issuer : x, NID_ext_key_usage, s->ext_key_usage);
        ck_assert_int_gt(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()), 0);
        X509_NAME_free(n);
        return x;
}

/* A signer certificate valid from a day ago for a year, keyUsage digitalSignature. */
static inline X509 *pt_signer_cert(const char *cn, EVP_PKEY *key, time_t now) {
        PtCertSpec s = {
                .cn = cn,
                .now = now,
                .not_before = -PT_DAY,
                .not_after = 365 * PT_DAY,
                .key_usage = "critical,digitalSignature",
        };

        return pt_cert(&s, key, NULL, NULL);
}

static inline uint8_t *pt_der(X509 *x, size_t *ret_len) {
        int n = i2d_X509(x, NULL);
        uint8_t *buf, *p;

        ck_assert_int_gt(n, 0);
        buf = malloc((size_t) n);
        ck_assert_ptr_nonnull(buf);
        p = buf;
        ck_assert_int_eq(i2d_X509(x, &p), n);
        *ret_len = (size_t) n;
        return buf;
}

static inline char *pt_b64(const uint8_t *buf, size_t len) {
        char *out = malloc(4 * ((len + 2) / 3) + 1);

        ck_assert_ptr_nonnull(out);
        ck_assert_int_ge(EVP_EncodeBlock((unsigned char *) out, buf, (int) len), 0);
        return out;
}

/* 40 upper-case hex digits of the SHA-1 over the DER. */
static inline void pt_thumb(X509 *x, char out[41]) {
        static const char hexdig[] = "0123456789ABCDEF";
        unsigned char md[20];
        unsigned mdlen = 0;
        size_t len;
        uint8_t *der = pt_der(x, &len);

        ck_assert_int_eq(EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL), 1);
        for (unsigned i = 0; i < 20; i++) {
                out[2 * i] = hexdig[md[i] >> 4];
                out[2 * i + 1] = hexdig[md[i] & 15];
        }
        out[40] = 0;
        free(der);
}

static inline void pt_write_pem(X509 *x, const char *path) {
        FILE *f = fopen(path, "we");

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(PEM_write_X509(f, x), 1);
        fclose(f);
}

typedef enum PtFormat {
        PT_DER,
        PT_PEM,
        PT_SMIME,
} PtFormat;

/* A CMS SignedData over @content (CMS_BINARY | @flags, e.g. CMS_DETACHED, CMS_NOCERTS),
 * with @extra certificates; @md NULL: SHA-256. */
static inline uint8_t *pt_sign_ex(const void *content, size_t len, X509 *signer, EVP_PKEY *key,
                                  STACK_OF(X509) *extra, unsigned flags, const EVP_MD *md, PtFormat fmt,
                                  size_t *ret_len) {
        BIO *in = BIO_new_mem_buf(content, (int) len), *out = BIO_new(BIO_s_mem());
        CMS_ContentInfo *cms;
        char *mem = NULL;
        uint8_t *buf;
        long n;

        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(out);
        if (md) {
                cms = CMS_sign(NULL, NULL, extra, in, CMS_BINARY | CMS_PARTIAL | flags);
                ck_assert_ptr_nonnull(cms);
                ck_assert_ptr_nonnull(CMS_add1_signer(cms, signer, key, md, CMS_BINARY | flags));
                ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY | flags), 1);
        } else if (fmt == PT_SMIME && (flags & CMS_DETACHED)) {
                /* multipart/signed: OpenSSL streams the content into the message as it signs */
                cms = CMS_sign(signer, key, extra, in, CMS_BINARY | CMS_STREAM | flags);
                ck_assert_ptr_nonnull(cms);
                ck_assert_int_eq(SMIME_write_CMS(out, cms, in, CMS_BINARY | CMS_STREAM | flags), 1);
                fmt = (PtFormat) -1;
        } else {
                cms = CMS_sign(signer, key, extra, in, CMS_BINARY | flags);
                ck_assert_ptr_nonnull(cms);
        }
        switch (fmt) {
        case PT_DER:
                ck_assert_int_eq(i2d_CMS_bio(out, cms), 1);
                break;
        case PT_PEM:
                ck_assert_int_eq(PEM_write_bio_CMS(out, cms), 1);
                break;
        case PT_SMIME:
                ck_assert_int_eq(SMIME_write_CMS(out, cms, NULL, CMS_BINARY | flags), 1);
                break;
        default:
                break;
        }
        n = BIO_get_mem_data(out, &mem);
        ck_assert_int_gt(n, 0);
        buf = malloc((size_t) n);
        ck_assert_ptr_nonnull(buf);
        memcpy(buf, mem, (size_t) n);
        *ret_len = (size_t) n;
        CMS_ContentInfo_free(cms);
        BIO_free(in);
        BIO_free(out);
        return buf;
}

static inline uint8_t *pt_sign(const char *content, X509 *signer, EVP_PKEY *key, size_t *ret_len) {
        return pt_sign_ex(content, strlen(content), signer, key, NULL, 0, NULL, PT_DER, ret_len);
}

/* Offset of @needle in @buf (aborts when absent). */
static inline size_t pt_find(const uint8_t *buf, size_t len, const char *needle) {
        size_t n = strlen(needle);

        for (size_t i = 0; i + n <= len; i++)
                if (memcmp(buf + i, needle, n) == 0)
                        return i;
        ck_abort_msg("'%s' not found", needle);
        return 0;
}
