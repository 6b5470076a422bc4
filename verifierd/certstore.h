/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * certstore.h: the certificate store (docs/trust-boundary.md §1.8). Certificates come from three
 * places: CertificateStore characteristics of authenticated documents (source "push" or
 * "package", kept in the store's certificates table with who installed them), and the
 * administrator's drop-ins certs.d/<name>.conf (source "admin", configuration reloaded with
 * verifierd.conf). The SPC certificates with their role masks are the only trust anchors of
 * signed packages (package.h).
 *
 * CertificateStore in a document (the shape common/schema.c validates):
 *   CertificateStore / <store> / <SHA-1 thumbprint, 40 hex, either case>
 *       EncodedCertificate = base64 DER     (required: a Role alone is malformed)
 *       Role               = decimal mask   (bounded by the installing message's roles)
 *   <store> is ROOT, CA, SPC, MY (or one of the two execution-trust stores).
 * Deleting (nocharacteristic-style; the XML and WBXML decoders carry no <nocharacteristic>):
 *   CertificateStore / <store>   with a parm  Delete = <thumbprint>   (one parm per certificate)
 * The schema does not know Delete, so the parm is flagged unknown: the metabase then asks for
 * [Defaults] Unknown= on top of CertificateStore's own mask (Manager only by default).
 *
 * Rules (certstore_ops_from_doc):
 *   - the node name must equal the SHA-1 thumbprint of the decoded DER (case-insensitive),
 *     else the whole document is malformed;
 *   - EncodedCertificate must be base64 of at most CERTSTORE_DER_MAX bytes of DER that
 *     d2i_X509 reads completely, else malformed;
 *   - Role must be a subset of the installing message's roles (role-escalation), as policy.c
 *     already checked; it is checked again here where it is turned into a stored mask;
 *   - a Delete value must be a 40-hex thumbprint (malformed).
 *
 * certs.d drop-ins (same roots, masking and order as verifierd.conf.d: /usr/lib/provboot,
 * /run/provboot, /etc/provboot, or --config-dir; one certificate per file):
 *   [Certificate]  Store=SPC|ROOT|CA|MY   File=PATH (PEM or DER; relative to the drop-in's
 *                  directory unless absolute; no "..")   Role=MASK (decimal or role names)
 *   [Remove]       Store=...  Thumbprint=40-HEX
 * A [Remove] entry deletes that certificate from the store at start-up and on every reload,
 * refuses documents that would install it again (policy-denied), and hides an administrator
 * entry of the same thumbprint. An administrator's entry wins over a pushed one of the same
 * (store, thumbprint): its role mask is the one a signer earns, and a document cannot delete it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "config.h"
#include "cpdoc.h"
#include "macros.h"

#define CERTSTORE_DER_MAX (16U * 1024U)         /* one certificate, DER */
#define CERTSTORE_FILE_MAX (64U * 1024U)        /* one certs.d certificate file (PEM or DER) */
#define CERTSTORE_THUMBPRINT_LEN 40U            /* SHA-1 in hex */
#define CERTSTORE_NAME_MAX 48U                  /* longest store name, NUL included */
#define CERTSTORE_OPS_MAX 64U                   /* certificate nodes and deletions per document */
#define CERTSTORE_ADMIN_MAX CONFIG_FILES_MAX    /* certs.d entries (one per drop-in) */
#define CERTSTORE_DROPIN_DIR "certs.d"
#define CERTSTORE_TIME_MAX 32U                  /* "2027-01-01T00:00:00Z" + NUL, with room */

/* OpenSSL objects, freed by cleanup attributes everywhere in verifierd (docs/conventions.md §6). */
DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE *, X509_STORE_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE_CTX *, X509_STORE_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(CMS_ContentInfo *, CMS_ContentInfo_free);
static inline void sk_X509_pop_freep(STACK_OF(X509) **p) {
        if (*p)
                sk_X509_pop_free(*p, X509_free);
}
static inline void sk_X509_freep(STACK_OF(X509) **p) {
        if (*p)
                sk_X509_free(*p);
}

/* certstore_name_valid() - one of the stores docs/trust-boundary.md §1.8 names. */
bool certstore_name_valid(const char *store);

/**
 * certstore_thumbprint() - SHA-1 of @der as 40 upper-case hex digits.
 * Return: 0; -EIO.
 */
int certstore_thumbprint(const uint8_t *der, size_t len, char out[CERTSTORE_THUMBPRINT_LEN + 1]);

/**
 * certstore_parse_der() - one X.509 certificate, DER, read completely (no trailing bytes).
 * Return: 0; -E2BIG over CERTSTORE_DER_MAX (checked before the parser sees a byte); -EBADMSG.
 */
int certstore_parse_der(const uint8_t *der, size_t len, X509 **ret);

/**
 * certstore_describe() - one-line subject (RFC 2253, printable, at most 255 bytes) and the end
 *   of validity in µs since the epoch (0 when it cannot be expressed).
 * Return: 0; -ENOMEM.
 */
int certstore_describe(X509 *x, char **ret_subject, uint64_t *ret_not_after_usec);

/* certstore_format_time() - "YYYY-MM-DDTHH:MM:SSZ" (UTC), "-" for 0. Return: @buf. */
const char *certstore_format_time(uint64_t usec, char *buf, size_t size);

/* ---- CertificateStore characteristics ------------------------------------------------------- */

typedef struct CertOp {
        char store[CERTSTORE_NAME_MAX];
        char thumbprint[CERTSTORE_THUMBPRINT_LEN + 1]; /* upper-case */
        bool remove;                    /* a Delete parm */
        uint8_t *der;                   /* add: the certificate (malloc'd) */
        size_t der_len;
        uint32_t roles;                 /* add: the Role value (0 when absent) */
        char *subject;                  /* add: display */
        uint64_t not_after_usec;
} CertOp;

typedef struct CertOpList {
        CertOp *items;
        size_t n;
} CertOpList;

void certop_list_done(CertOpList *l);

/**
 * certstore_ops_from_doc() - the certificates a validated, policy-approved document installs
 *   or deletes (rules in the header comment).
 * @doc: decoded and validated by verifierd from authenticated bytes.
 * @message_roles: the effective roles of the message (the bound for Role).
 * @ret: filled on 0 (empty when the document has no CertificateStore).
 * @ret_why: on -EBADMSG/-EPERM a malloc'd line naming the node (may be NULL).
 * Return: 0; -EBADMSG malformed (thumbprint mismatch, bad DER, Role without certificate,
 *   bad Delete value, more than CERTSTORE_OPS_MAX); -EPERM a Role beyond @message_roles;
 *   -ENOMEM.
 */
int certstore_ops_from_doc(const CpDoc *doc, uint32_t message_roles, CertOpList *ret, char **ret_why);

/* ---- the administrator's certificates (certs.d) --------------------------------------------- */

typedef struct CertAdmin {
        char *name;                     /* drop-in file name ("50-corp.conf") */
        char *path;                     /* the drop-in that defined it */
        char store[CERTSTORE_NAME_MAX];
        char thumbprint[CERTSTORE_THUMBPRINT_LEN + 1];
        bool remove;                    /* a [Remove] entry */
        uint32_t roles;
        uint8_t *der;
        size_t der_len;
        char *subject;
        uint64_t not_after_usec;
} CertAdmin;

typedef struct CertAdminList {
        CertAdmin *items;
        size_t n;
} CertAdminList;

/**
 * certstore_admin_load() - read certs.d/<name>.conf below @roots (lowest priority first) and
 *   the certificate files they name.
 * @ret: a new list (possibly empty), set only on success.
 * @err: filled on -EINVAL.
 * Return: 0; -EINVAL a drop-in or its certificate is wrong (@err names the file and line);
 *   -E2BIG; -ENOMEM; other negative errno reading a directory or file that exists.
 */
int certstore_admin_load(const char *const *roots, size_t n_roots, CertAdminList **ret, ConfigError *err);
CertAdminList *certstore_admin_free(CertAdminList *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(CertAdminList *, certstore_admin_free);

/* The administrator's certificate (not a [Remove]) of (@store, @thumbprint), or NULL. */
const CertAdmin *certstore_admin_find(const CertAdminList *l, const char *store, const char *thumbprint);
/* True when a [Remove] entry names (@store, @thumbprint). */
bool certstore_admin_removed(const CertAdminList *l, const char *store, const char *thumbprint);
