/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * package.c: verification of signed provisioning packages with OpenSSL's CMS API against the
 * SPC certificates only (package.h has the checks and the reason each failure gets). Pure
 * code over bytes and a list of trust anchors: no I/O, no global trust store, no logging;
 * OpenSSL's error queue is cleared before returning so a long-lived daemon never accumulates it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "package.h"

void package_result_done(PackageResult *r) {
        if (!r)
                return;
        free(r->content);
        r->content = NULL;
        r->content_len = 0;
}

static int fail(PackageResult *ret, int r, Reason reason, const char *fmt, ...) _printf_(4, 5);
static int fail(PackageResult *ret, int r, Reason reason, const char *fmt, ...) {
        va_list ap;

        ret->reason = reason;
        va_start(ap, fmt);
        vsnprintf(ret->detail, sizeof ret->detail, fmt, ap);
        va_end(ap);
        ERR_clear_error();
        return r;
}

/* DER (exactly one object), PEM, or S/MIME application/pkcs7-mime. Return: 0, -EBADMSG, -ENOMEM;
 * *ret_detached set for a multipart/signed message (content outside the signature). */
static int parse_cms(const uint8_t *buf, size_t len, CMS_ContentInfo **ret, bool *ret_detached) {
        _cleanup_(BIO_freep) BIO *b = NULL, *bcont = NULL;
        CMS_ContentInfo *cms;
        size_t i = 0;

        *ret_detached = false;
        if (buf[0] == 0x30) {
                const unsigned char *p = buf;

                cms = d2i_CMS_ContentInfo(NULL, &p, (long) len);
                if (cms && p != buf + len) { /* trailing bytes: not one package */
                        CMS_ContentInfo_free(cms);
                        return -EBADMSG;
                }
                if (!cms)
                        return -EBADMSG;
                *ret = cms;
                return 0;
        }
        b = BIO_new_mem_buf(buf, (int) len);
        if (!b)
                return -ENOMEM;
        while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
                i++;
        if (len - i >= 10 && memcmp(buf + i, "-----BEGIN", 10) == 0)
                cms = PEM_read_bio_CMS(b, NULL, NULL, NULL);
        else {
                cms = SMIME_read_CMS(b, &bcont);
                if (cms && bcont) {
                        /* multipart/signed: the signature is detached from the content */
                        CMS_ContentInfo_free(cms);
                        *ret_detached = true;
                        return -EBADMSG;
                }
        }
        if (!cms)
                return -EBADMSG;
        *ret = cms;
        return 0;
}

static const char *subject_of(X509 *x, char *buf, size_t size) {
        X509_NAME *n = x ? X509_get_subject_name(x) : NULL;

        if (!n || !X509_NAME_oneline(n, buf, (int) size))
                snprintf(buf, size, "?");
        for (char *q = buf; *q; q++)
                if ((unsigned char) *q < 0x20 || (unsigned char) *q >= 0x7F)
                        *q = '?';
        return buf;
}

static const char *not_after_of(X509 *x, char *buf, size_t size) {
        _cleanup_free_ char *subject = NULL;
        uint64_t na = 0;

        if (x && certstore_describe(x, &subject, &na) >= 0)
                return certstore_format_time(na, buf, size);
        snprintf(buf, size, "-");
        return buf;
}

/* The signer's certificate must be allowed to sign (the key-usage rule of package.h). */
static bool key_usage_ok(X509 *signer, const char **ret_why) {
        uint32_t ku = X509_get_key_usage(signer); /* UINT32_MAX: no keyUsage extension */
        uint32_t xku = X509_get_extended_key_usage(signer);

        if (X509_get_extension_flags(signer) & EXFLAG_INVALID) {
                *ret_why = "signer certificate has invalid extensions";
                return false;
        }
        if (ku != UINT32_MAX && !(ku & KU_DIGITAL_SIGNATURE)) {
                *ret_why = "signer certificate: keyUsage does not include digitalSignature";
                return false;
        }
        if (xku != UINT32_MAX && !(xku & (XKU_CODE_SIGN | XKU_SMIME | XKU_ANYEKU))) {
                *ret_why = "signer certificate: extendedKeyUsage permits neither code signing nor e-mail "
                           "protection";
                return false;
        }
        return true;
}

int package_verify(const uint8_t *buf, size_t len, const PackageAnchor *spc, size_t n_spc, uint64_t now_sec,
                   PackageResult *ret) {
        _cleanup_(CMS_ContentInfo_freep) CMS_ContentInfo *cms = NULL;
        _cleanup_(X509_STORE_freep) X509_STORE *store = NULL;
        _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
        _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *certs = NULL, *anchors = NULL;
        _cleanup_(sk_X509_freep) STACK_OF(X509) *extra = NULL;
        _cleanup_(BIO_freep) BIO *out = NULL;
        _cleanup_free_ char (*thumbs)[CERTSTORE_THUMBPRINT_LEN + 1] = NULL;
        _cleanup_free_ uint32_t *roles = NULL;
        _cleanup_free_ unsigned *strengths = NULL;
        STACK_OF(CMS_SignerInfo) *sis;
        STACK_OF(X509) *chain;
        CMS_SignerInfo *si;
        X509_ALGOR *digalg = NULL;
        X509_VERIFY_PARAM *vp;
        X509 *signer = NULL, *top;
        const char *why = NULL;
        char top_thumb[CERTSTORE_THUMBPRINT_LEN + 1], s1[256], s2[CERTSTORE_TIME_MAX];
        bool detached, found = false;
        char *mem = NULL;
        long mem_len;
        int r, nid;

        if (!ret)
                return -EINVAL;
        *ret = (PackageResult) {};
        /* S12: the size cap comes before any parser sees a byte. */
        if (!buf || len == 0)
                return fail(ret, -EBADMSG, REASON_MALFORMED, "empty package");
        if (len > PACKAGE_SIZE_MAX)
                return fail(ret, -E2BIG, REASON_MALFORMED, "package larger than %u bytes", PACKAGE_SIZE_MAX);

        r = parse_cms(buf, len, &cms, &detached);
        if (r == -ENOMEM)
                return fail(ret, r, REASON_MALFORMED, "out of memory");
        if (r < 0)
                return fail(ret, -EBADMSG, REASON_MALFORMED, "%s",
                            detached ? "detached signature (multipart/signed): the content must be inside "
                                       "the package"
                                     : "not a CMS package (DER, PEM or S/MIME)");
        if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
                return fail(ret, -EBADMSG, REASON_MALFORMED, "not CMS SignedData");
        /* The content is signed and carried inside: detached content is refused. */
        if (CMS_is_detached(cms) == 1)
                return fail(ret, -EBADMSG, REASON_MALFORMED,
                            "detached content: the content must be inside the package");
        if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
                return fail(ret, -EBADMSG, REASON_MALFORMED, "encapsulated content is not id-data");
        {
                ASN1_OCTET_STRING **pos = CMS_get0_content(cms);

                if (!pos || !*pos)
                        return fail(ret, -EBADMSG, REASON_MALFORMED, "no encapsulated content");
        }
        sis = CMS_get0_SignerInfos(cms);
        if (!sis || sk_CMS_SignerInfo_num(sis) != 1)
                return fail(ret, -EKEYREJECTED, REASON_BAD_SIGNATURE,
                            "the package must carry exactly one signature");
        si = sk_CMS_SignerInfo_value(sis, 0);
        CMS_SignerInfo_get0_algs(si, NULL, NULL, &digalg, NULL);
        nid = digalg ? OBJ_obj2nid(digalg->algorithm) : NID_undef;
        if (nid == NID_undef || nid == NID_md5 || nid == NID_md4 || nid == NID_md2 || nid == NID_sha1)
                return fail(ret, -EKEYREJECTED, REASON_BAD_SIGNATURE, "weak or unknown digest algorithm");

        /* The trust store: the SPC certificates of the certificate store, nothing else. */
        store = X509_STORE_new();
        anchors = sk_X509_new_null();
        thumbs = calloc(MAX(MIN(n_spc, (size_t) PACKAGE_ANCHORS_MAX), (size_t) 1), sizeof(*thumbs));
        roles = calloc(MAX(MIN(n_spc, (size_t) PACKAGE_ANCHORS_MAX), (size_t) 1), sizeof(*roles));
        strengths = calloc(MAX(MIN(n_spc, (size_t) PACKAGE_ANCHORS_MAX), (size_t) 1), sizeof(*strengths));
        if (!store || !anchors || !thumbs || !roles || !strengths)
                return fail(ret, -ENOMEM, REASON_MALFORMED, "out of memory");
        for (size_t i = 0; i < MIN(n_spc, (size_t) PACKAGE_ANCHORS_MAX); i++) {
                X509 *x = NULL;

                if (certstore_parse_der(spc[i].der, spc[i].der_len, &x) < 0)
                        continue; /* a row that does not parse trusts nothing */
                if (!sk_X509_push(anchors, x)) {
                        X509_free(x);
                        return fail(ret, -ENOMEM, REASON_MALFORMED, "out of memory");
                }
                if (X509_STORE_add_cert(store, x) != 1)
                        ERR_clear_error(); /* a duplicate: already trusted */
                if (certstore_thumbprint(spc[i].der, spc[i].der_len, thumbs[sk_X509_num(anchors) - 1]) < 0)
                        return fail(ret, -ENOMEM, REASON_MALFORMED, "digest failed");
                roles[sk_X509_num(anchors) - 1] = spc[i].roles;
                strengths[sk_X509_num(anchors) - 1] = spc[i].strength;
        }
        vp = X509_STORE_get0_param(store);
        /* An SPC certificate ends the chain wherever it is met (a corporate signer may sit in SPC
         * itself); the verification time is the engine's clock; OpenSSL's S/MIME purpose is
         * replaced by key_usage_ok() (see package.h). */
        if (X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN) != 1 ||
            X509_STORE_set_purpose(store, X509_PURPOSE_ANY) != 1)
                return fail(ret, -ENOMEM, REASON_MALFORMED, "out of memory");
        X509_VERIFY_PARAM_set_time(vp, (time_t) now_sec);
        X509_VERIFY_PARAM_set_depth(vp, PACKAGE_VERIFY_DEPTH);

        /* The signer: a certificate of the package, or an SPC certificate the package omits. */
        certs = CMS_get1_certs(cms);
        for (int i = 0; certs && i < sk_X509_num(certs) && !signer; i++)
                if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
                        signer = sk_X509_value(certs, i);
        for (int i = 0; i < sk_X509_num(anchors) && !signer; i++)
                if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(anchors, i)) == 0)
                        signer = sk_X509_value(anchors, i);
        if (!signer)
                return fail(ret, -ENOKEY, REASON_UNTRUSTED_SIGNER, "the signer's certificate is not known");
        {
                int len_der = i2d_X509(signer, NULL);
                _cleanup_free_ unsigned char *der = len_der > 0 ? malloc((size_t) len_der) : NULL;
                unsigned char *p = der;

                if (der && i2d_X509(signer, &p) == len_der)
                        (void) certstore_thumbprint(der, (size_t) len_der, ret->signer);
        }

        /* The chain, checked first so that the reason names what is wrong with the signer. */
        ctx = X509_STORE_CTX_new();
        if (!ctx || X509_STORE_CTX_init(ctx, store, signer, certs) != 1)
                return fail(ret, -ENOMEM, REASON_MALFORMED, "out of memory");
        (void) X509_STORE_CTX_set_default(ctx, "smime_sign"); /* as CMS_verify does; purpose stays ANY */
        if (X509_verify_cert(ctx) != 1) {
                int err = X509_STORE_CTX_get_error(ctx);
                X509 *cur = X509_STORE_CTX_get_current_cert(ctx);

                switch (err) {
                case X509_V_ERR_CERT_HAS_EXPIRED:
                        return fail(ret, -ENOKEY, REASON_UNTRUSTED_SIGNER,
                                    "certificate expired: %s (not after %s)", subject_of(cur, s1, sizeof s1),
                                    not_after_of(cur, s2, sizeof s2));
                case X509_V_ERR_CERT_NOT_YET_VALID:
                        return fail(ret, -ENOKEY, REASON_UNTRUSTED_SIGNER, "certificate not yet valid: %s",
                                    subject_of(cur, s1, sizeof s1));
                case X509_V_ERR_CERT_SIGNATURE_FAILURE:
                        return fail(ret, -EKEYREJECTED, REASON_BAD_SIGNATURE,
                                    "a certificate signature in the chain does not verify: %s",
                                    subject_of(cur, s1, sizeof s1));
                default:
                        return fail(ret, -ENOKEY, REASON_UNTRUSTED_SIGNER,
                                    "no SPC certificate trusts the signer: %s",
                                    X509_verify_cert_error_string(err));
                }
        }
        chain = X509_STORE_CTX_get0_chain(ctx);
        top = chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, sk_X509_num(chain) - 1) : NULL;
        {
                int len_der = top ? i2d_X509(top, NULL) : -1;
                _cleanup_free_ unsigned char *der = len_der > 0 ? malloc((size_t) len_der) : NULL;
                unsigned char *p = der;

                if (!der || i2d_X509(top, &p) != len_der ||
                    certstore_thumbprint(der, (size_t) len_der, top_thumb) < 0)
                        return fail(ret, -ENOKEY, REASON_UNTRUSTED_SIGNER, "chain has no anchor");
        }
        /* The package's roles are exactly its SPC entry's mask, and its strength that entry's
         * strength: nothing provd or the package says adds a role or strength. With several
         * entries for one certificate (cannot happen: the engine merges them) the first one
         * counts. */
        for (int i = 0; i < sk_X509_num(anchors) && !found; i++)
                if (strcmp(thumbs[i], top_thumb) == 0) {
                        ret->roles = roles[i];
                        ret->strength = strengths[i];
                        found = true;
                }
        if (!found)
                return fail(ret, -ENOKEY, REASON_UNTRUSTED_SIGNER,
                            "the chain does not end at an SPC certificate");
        memcpy(ret->anchor, top_thumb, sizeof top_thumb);

        if (!key_usage_ok(signer, &why))
                return fail(ret, -ENOKEY, REASON_UNTRUSTED_SIGNER, "%s", why);

        /* The signature over the content (and the signed attributes), with the signer's chain
         * verified again by CMS_verify against the same store: no CMS_NO_SIGNER_CERT_VERIFY. */
        extra = sk_X509_new_null();
        out = BIO_new(BIO_s_mem());
        if (!extra || !out || !sk_X509_push(extra, signer))
                return fail(ret, -ENOMEM, REASON_MALFORMED, "out of memory");
        if (CMS_verify(cms, extra, store, NULL, out, CMS_BINARY) != 1)
                return fail(ret, -EKEYREJECTED, REASON_BAD_SIGNATURE, "the signature does not verify");
        mem_len = BIO_get_mem_data(out, &mem);
        if (mem_len <= 0 || (size_t) mem_len > len)
                return fail(ret, -EBADMSG, REASON_MALFORMED, "empty content");
        ret->content = malloc((size_t) mem_len);
        if (!ret->content)
                return fail(ret, -ENOMEM, REASON_MALFORMED, "out of memory");
        memcpy(ret->content, mem, (size_t) mem_len);
        ret->content_len = (size_t) mem_len;
        ret->reason = REASON_NONE;
        ERR_clear_error();
        return 0;
}
