/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * package.h: signed provisioning packages (docs/trust-boundary.md §1.3 signed-cab row, §1.8): a CMS
 * SignedData (DER, PEM "-----BEGIN CMS-----"/"PKCS7", or S/MIME application/pkcs7-mime) whose
 * encapsulated content is a provisioning document (text XML or WBXML). Verified with OpenSSL's
 * CMS API against the SPC certificates of the certificate store ONLY (docs/testing.md
 * §7.12): no system trust store, no CMS_NO_SIGNER_CERT_VERIFY, the size capped before any parser.
 *
 * Checks, in order, and the reason each failure gets:
 *   size 0 or over PACKAGE_SIZE_MAX                     malformed  (before any parsing)
 *   not CMS / not SignedData / trailing bytes          malformed
 *   detached content (also multipart/signed S/MIME)    malformed  (the content must be inside)
 *   eContentType not id-data, no content               malformed
 *   not exactly one SignerInfo                          bad-signature
 *   signer's certificate neither in the package nor in SPC, or its chain does not end at an
 *     SPC certificate (PARTIAL_CHAIN: the first SPC certificate met ends it)   untrusted-signer
 *   any certificate of that chain expired or not yet valid at the engine's clock
 *                                                       untrusted-signer (detail names it)
 *   a certificate signature in the chain is wrong      bad-signature
 *   signer's keyUsage present without digitalSignature, or extendedKeyUsage present without
 *     codeSigning, emailProtection or anyExtendedKeyUsage   untrusted-signer (the key may not
 *     sign packages: the signer is not trusted for this, whatever the bytes say)
 *   CMS_verify: signed attributes, message digest, signature   bad-signature
 * Chain building uses X509_PURPOSE_ANY so that a code-signing certificate is not refused by
 * OpenSSL's S/MIME purpose; the key-usage rule above replaces it. Basic constraints of
 * intermediates are still enforced by X509_verify_cert.
 *
 * The package's roles are exactly the role mask of the SPC entry its chain ends at: nothing
 * provd, the package or its certificates say adds a role. Its strength is that entry's too
 * (PackageAnchor.strength: the strength of the message that installed the certificate, the
 * full STORE_STRENGTH_SIGNED for the administrator's); the engine caps the document with it
 * (store_package_strength), so a certificate never launders a weak message into a strong one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certstore.h"
#include "verdict.h"

#define PACKAGE_SIZE_MAX (256U * 1024U)         /* = IPC_PACKAGE_MAX */
#define PACKAGE_VERIFY_DEPTH 8                  /* certificates in a chain */
#define PACKAGE_ANCHORS_MAX 1024U               /* SPC certificates taken into the trust store */
#define PACKAGE_DETAIL_MAX 256U

/* One SPC certificate: a trust anchor with the role mask a package signed under it earns. */
typedef struct PackageAnchor {
        const uint8_t *der;
        size_t der_len;
        uint32_t roles;
        unsigned strength;                      /* of the message that installed it (store.h) */
} PackageAnchor;

typedef struct PackageResult {
        Reason reason;                          /* REASON_NONE when verified */
        char detail[PACKAGE_DETAIL_MAX];        /* why it failed, for the history; "" else */
        uint8_t *content;                       /* verified: the document bytes (malloc'd) */
        size_t content_len;
        uint32_t roles;                         /* verified: the anchor's role mask */
        unsigned strength;                      /* verified: the anchor's strength */
        char anchor[CERTSTORE_THUMBPRINT_LEN + 1]; /* verified: the SPC entry the chain ends at */
        char signer[CERTSTORE_THUMBPRINT_LEN + 1]; /* the signer's certificate, when found */
} PackageResult;

void package_result_done(PackageResult *r);

/**
 * package_verify() - verify a package and extract its content (checks in the header comment).
 * @buf: the package bytes exactly as received.
 * @len: their number.
 * @spc: the SPC trust anchors (borrowed).
 * @n_spc: their number (at most PACKAGE_ANCHORS_MAX are used).
 * @now_sec: the verification time (seconds since the epoch; the engine's clock).
 * @ret: always filled; on 0 with the content and roles.
 * Return: 0 verified; -EBADMSG malformed; -E2BIG too big (malformed); -EKEYREJECTED
 *   bad-signature; -ENOKEY untrusted-signer; -ENOMEM.
 */
int package_verify(const uint8_t *buf, size_t len, const PackageAnchor *spc, size_t n_spc, uint64_t now_sec,
                   PackageResult *ret);
