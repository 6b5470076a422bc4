/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * certstore.c: certificates for verifierd's store (certstore.h): thumbprints, bounded DER
 * parsing, the CertificateStore characteristics of a document turned into add/delete
 * operations, and the administrator's certs.d drop-ins. Library code: returns errors, never
 * logs. Every certificate byte that reaches OpenSSL's parser has passed a size cap first.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "certstore.h"
#include "policy.h"

static const char *const store_names[] = {
        "ROOT",
        "CA",
        "SPC",
        "MY",
        "Privileged Execution Trust Authorities",
        "Unprivileged Execution Trust Authorities",
};

bool certstore_name_valid(const char *store) {
        for (size_t i = 0; store && i < ELEMENTSOF(store_names); i++)
                if (strcmp(store, store_names[i]) == 0)
                        return true;
        return false;
}

int certstore_thumbprint(const uint8_t *der, size_t len, char out[CERTSTORE_THUMBPRINT_LEN + 1]) {
        static const char hexdig[] = "0123456789ABCDEF";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;

        if (EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20) {
                ERR_clear_error();
                return -EIO;
        }
        for (unsigned i = 0; i < 20; i++) {
                out[2 * i] = hexdig[md[i] >> 4];
                out[2 * i + 1] = hexdig[md[i] & 15];
        }
        out[CERTSTORE_THUMBPRINT_LEN] = 0;
        return 0;
}

int certstore_parse_der(const uint8_t *der, size_t len, X509 **ret) {
        const unsigned char *p = der;
        X509 *x;

        /* S12: the size cap comes before the parser sees a byte. */
        if (len > CERTSTORE_DER_MAX)
                return -E2BIG;
        if (!der || len == 0)
                return -EBADMSG;
        x = d2i_X509(NULL, &p, (long) len);
        if (!x) {
                ERR_clear_error();
                return -EBADMSG;
        }
        if (p != der + len) { /* trailing bytes: not exactly one certificate */
                X509_free(x);
                return -EBADMSG;
        }
        *ret = x;
        return 0;
}

int certstore_describe(X509 *x, char **ret_subject, uint64_t *ret_not_after_usec) {
        _cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
        const ASN1_TIME *na = X509_get0_notAfter(x);
        struct tm tm = {};
        char *mem = NULL, *s;
        long n;

        if (!b)
                return -ENOMEM;
        if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) <
            0) {
                ERR_clear_error();
                (void) BIO_reset(b);
        }
        n = BIO_get_mem_data(b, &mem);
        if (n < 0)
                n = 0;
        s = strndup(mem ? mem : "", MIN((size_t) n, (size_t) 255));
        if (!s)
                return -ENOMEM;
        /* display text: printable ASCII only (the subject is the certificate owner's claim) */
        for (char *q = s; *q; q++)
                if ((unsigned char) *q < 0x20 || (unsigned char) *q >= 0x7F)
                        *q = '?';
        *ret_subject = s;
        *ret_not_after_usec = 0;
        if (na && ASN1_TIME_to_tm(na, &tm) == 1) {
                time_t t = timegm(&tm);

                if (t > 0)
                        *ret_not_after_usec = (uint64_t) t * 1000000ULL;
        }
        ERR_clear_error();
        return 0;
}

const char *certstore_format_time(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000ULL);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "-");
        return buf;
}

/* ---- CertificateStore characteristics ------------------------------------------------------- */

void certop_list_done(CertOpList *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].der);
                free(l->items[i].subject);
        }
        free(l->items);
        *l = (CertOpList) {};
}

static int b64_value(unsigned char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* RFC 4648 base64 with SP/TAB/CR/LF ignored, padding required; at most @max output bytes.
 * Return: 0; -EBADMSG; -E2BIG; -ENOMEM. */
static int b64_decode(const char *s, size_t max, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t n = 0, quads = 0, pad = 0;
        uint32_t acc = 0;
        unsigned k = 0;

        out = malloc(max + 3);
        if (!out)
                return -ENOMEM;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                int v;

                if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                        continue;
                if (*p == '=') {
                        pad++;
                        v = 0;
                } else {
                        if (pad > 0)
                                return -EBADMSG; /* data after padding */
                        v = b64_value(*p);
                        if (v < 0)
                                return -EBADMSG;
                }
                if (pad > 2)
                        return -EBADMSG;
                acc = (acc << 6) | (uint32_t) v;
                if (++k == 4) {
                        if (n + 3 > max + 2) /* the buffer holds max + 3; up to 2 are padding */
                                return -E2BIG;
                        out[n++] = (uint8_t) (acc >> 16);
                        out[n++] = (uint8_t) (acc >> 8);
                        out[n++] = (uint8_t) acc;
                        acc = 0;
                        k = 0;
                        quads++;
                }
        }
        if (k != 0 || quads == 0)
                return -EBADMSG;
        n -= pad;
        if (n > max)
                return -E2BIG;
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}

static bool is_thumbprint(const char *s) {
        if (!s || strlen(s) != CERTSTORE_THUMBPRINT_LEN)
                return false;
        for (size_t i = 0; i < CERTSTORE_THUMBPRINT_LEN; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                      (s[i] >= 'A' && s[i] <= 'F')))
                        return false;
        return true;
}

static void upper(char *s) {
        for (; *s; s++)
                if (*s >= 'a' && *s <= 'f')
                        *s = (char) (*s - 'a' + 'A');
}

/* Name the node in *@ret_why (when not NULL); returns @r, the error the caller hands on. */
static int why_set(char **ret_why, int r, const char *store, const char *node, const char *what) {
        if (ret_why &&
            asprintf(ret_why, "CertificateStore/%.48s/%.64s: %s", store, node ? node : "", what) < 0)
                *ret_why = NULL;
        return r;
}

static int ops_push(CertOpList *l, CertOp *op) {
        CertOp *n;

        if (l->n >= CERTSTORE_OPS_MAX)
                return -E2BIG;
        n = reallocarray(l->items, l->n + 1, sizeof(CertOp));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = *op;
        *op = (CertOp) {};
        return 0;
}

/* One thumbprint node: decode, parse, compare, bound the Role. */
static int op_from_node(const CpCharacteristic *store, const CpCharacteristic *node, uint32_t message_roles,
                        CertOp *op, char **ret_why) {
        _cleanup_(X509_freep) X509 *x = NULL;
        const char *b64 = cpdoc_parm_value(node, "EncodedCertificate");
        const char *role = cpdoc_parm_value(node, "Role");
        char thumb[CERTSTORE_THUMBPRINT_LEN + 1];
        int r;

        if (!is_thumbprint(node->type))
                return why_set(ret_why, -EBADMSG, store->type, node->type,
                               "not named by a SHA-1 thumbprint");
        /* §1.8: a role mask cannot be sent without the certificate */
        if (!b64)
                return why_set(ret_why, -EBADMSG, store->type, node->type,
                               "Role without EncodedCertificate");
        r = b64_decode(b64, CERTSTORE_DER_MAX, &op->der, &op->der_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return why_set(ret_why, -EBADMSG, store->type, node->type,
                               "EncodedCertificate is not base64 DER");
        r = certstore_parse_der(op->der, op->der_len, &x);
        if (r < 0)
                return why_set(ret_why, -EBADMSG, store->type, node->type,
                               "EncodedCertificate does not parse");
        r = certstore_thumbprint(op->der, op->der_len, thumb);
        if (r < 0)
                return r;
        /* §1.8: the node is named by the certificate's own SHA-1 hash */
        if (strcasecmp(thumb, node->type) != 0)
                return why_set(ret_why, -EBADMSG, store->type, node->type,
                               "thumbprint does not match the certificate");
        /* §1.8/§1.5: never more roles than the message installing it (policy.c checked it too) */
        r = policy_check_bounded_roles(message_roles, role ? role : "0", &op->roles);
        if (r == -EPERM)
                return why_set(ret_why, -EPERM, store->type, node->type, "Role exceeds the message's roles");
        if (r < 0)
                return why_set(ret_why, -EBADMSG, store->type, node->type, "Role is not a role mask");
        snprintf(op->store, sizeof op->store, "%s", store->type);
        memcpy(op->thumbprint, thumb, sizeof thumb);
        return certstore_describe(x, &op->subject, &op->not_after_usec);
}

int certstore_ops_from_doc(const CpDoc *doc, uint32_t message_roles, CertOpList *ret, char **ret_why) {
        _cleanup_(certop_list_done) CertOpList l = {};
        int r;

        if (!doc || !ret)
                return -EINVAL;
        for (const CpCharacteristic *root = doc->chars; root; root = root->next) {
                if (strcmp(root->type, "CertificateStore") != 0 || (root->flags & CP_FLAG_MISPLACED))
                        continue;
                for (const CpCharacteristic *st = root->children; st; st = st->next) {
                        if (!certstore_name_valid(st->type) || st->flags)
                                continue; /* flagged: never applied (policy asked Unknown= for it) */
                        for (const CpParm *p = st->parms; p; p = p->next) {
                                CertOp op = {};

                                if (strcmp(p->name, "Delete") != 0)
                                        continue;
                                if (!is_thumbprint(p->value))
                                        return why_set(ret_why, -EBADMSG, st->type, p->value,
                                                       "Delete needs a thumbprint");
                                snprintf(op.store, sizeof op.store, "%s", st->type);
                                snprintf(op.thumbprint, sizeof op.thumbprint, "%s", p->value);
                                upper(op.thumbprint);
                                op.remove = true;
                                r = ops_push(&l, &op);
                                if (r == -E2BIG)
                                        return why_set(ret_why, -EBADMSG, st->type, NULL,
                                                       "too many certificates");
                                if (r < 0)
                                        return r;
                        }
                        for (const CpCharacteristic *node = st->children; node; node = node->next) {
                                CertOp op = {};

                                r = op_from_node(st, node, message_roles, &op, ret_why);
                                if (r >= 0)
                                        r = ops_push(&l, &op);
                                free(op.der);
                                free(op.subject);
                                if (r == -E2BIG)
                                        return why_set(ret_why, -EBADMSG, st->type, NULL,
                                                       "too many certificates");
                                if (r < 0)
                                        return r;
                        }
                }
        }
        *ret = l;
        l = (CertOpList) {};
        return 0;
}

/* ---- certs.d ------------------------------------------------------------------------------- */

CertAdminList *certstore_admin_free(CertAdminList *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].name);
                free(l->items[i].path);
                free(l->items[i].der);
                free(l->items[i].subject);
        }
        free(l->items);
        free(l);
        return NULL;
}

const CertAdmin *certstore_admin_find(const CertAdminList *l, const char *store, const char *thumbprint) {
        for (size_t i = 0; l && i < l->n; i++)
                if (!l->items[i].remove && strcmp(l->items[i].store, store) == 0 &&
                    strcasecmp(l->items[i].thumbprint, thumbprint) == 0)
                        return &l->items[i];
        return NULL;
}

bool certstore_admin_removed(const CertAdminList *l, const char *store, const char *thumbprint) {
        for (size_t i = 0; l && i < l->n; i++)
                if (l->items[i].remove && strcmp(l->items[i].store, store) == 0 &&
                    strcasecmp(l->items[i].thumbprint, thumbprint) == 0)
                        return true;
        return false;
}

/* One drop-in while it is parsed: its keys, where they were set. */
typedef struct AdminEntry {
        char *path;
        unsigned line; /* first assignment (for errors about the whole entry) */
        int kind;      /* 0 none yet, 1 [Certificate], 2 [Remove] */
        char store[CERTSTORE_NAME_MAX];
        char *file;
        unsigned file_line;
        char thumbprint[CERTSTORE_THUMBPRINT_LEN + 1];
        uint32_t roles;
} AdminEntry;

typedef struct AdminLoad {
        AdminEntry *e;
        size_t n;
} AdminLoad;

static void admin_load_done(AdminLoad *a) {
        for (size_t i = 0; i < a->n; i++) {
                free(a->e[i].path);
                free(a->e[i].file);
        }
        free(a->e);
}

static int admin_handler(void *userdata, const char *file, unsigned line, const char *section,
                         const char *key, const char *value, char *msg) {
        AdminLoad *a = userdata;
        AdminEntry *e;
        int kind;

        if (strcmp(section, "Certificate") == 0)
                kind = 1;
        else if (strcmp(section, "Remove") == 0)
                kind = 2;
        else {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         "unknown section [%.64s] (expected [Certificate] or [Remove])", section);
                return -EINVAL;
        }
        /* one entry per drop-in: a new file starts a new entry */
        if (a->n == 0 || strcmp(a->e[a->n - 1].path, file) != 0) {
                AdminEntry *n = reallocarray(a->e, a->n + 1, sizeof(AdminEntry));

                if (!n)
                        return -ENOMEM;
                a->e = n;
                a->e[a->n] = (AdminEntry) { .path = strdup(file), .line = line, .kind = kind };
                if (!a->e[a->n].path)
                        return -ENOMEM;
                a->n++;
        }
        e = &a->e[a->n - 1];
        if (e->kind != kind) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "a drop-in holds one [Certificate] or one [Remove]");
                return -EINVAL;
        }
        if (strcmp(key, "Store") == 0) {
                if (!certstore_name_valid(value)) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                 "Store= expects ROOT, CA, SPC or MY, not '%.64s'", value);
                        return -EINVAL;
                }
                snprintf(e->store, sizeof e->store, "%s", value);
                return 0;
        }
        if (kind == 1 && strcmp(key, "File") == 0) {
                char *f;

                if (!value[0] || strlen(value) >= PATH_MAX || strstr(value, "..")) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                 "File= expects a path without '..', not '%.64s'", value);
                        return -EINVAL;
                }
                if (value[0] == '/')
                        f = strdup(value);
                else {
                        /* relative to the directory of the drop-in that names it */
                        const char *slash = strrchr(file, '/');

                        if (asprintf(&f, "%.*s/%s", slash ? (int) (slash - file) : 1, slash ? file : ".",
                                     value) < 0)
                                f = NULL;
                }
                if (!f)
                        return -ENOMEM;
                free(e->file);
                e->file = f;
                e->file_line = line;
                return 0;
        }
        if (kind == 1 && strcmp(key, "Role") == 0) {
                if (!value[0]) {
                        e->roles = 0;
                        return 0;
                }
                if (roles_parse(value, &e->roles) < 0) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                 "Role= expects a role mask (decimal, or role names), not '%.64s'", value);
                        return -EINVAL;
                }
                return 0;
        }
        if (kind == 2 && strcmp(key, "Thumbprint") == 0) {
                if (!is_thumbprint(value)) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "Thumbprint= expects 40 hexadecimal digits");
                        return -EINVAL;
                }
                snprintf(e->thumbprint, sizeof e->thumbprint, "%s", value);
                upper(e->thumbprint);
                return 0;
        }
        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "unknown key '%.64s' in section [%s]", key, section);
        return -EINVAL;
}

/* Read a certificate file (PEM: the first certificate; or DER). Return: 0, -EINVAL, -E2BIG, -errno. */
static int read_cert_file(const char *path, uint8_t **ret_der, size_t *ret_len) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ uint8_t *buf = NULL, *der = NULL;
        _cleanup_(BIO_freep) BIO *b = NULL;
        _cleanup_(X509_freep) X509 *x = NULL;
        unsigned char *p;
        size_t n;
        int len;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        buf = malloc(CERTSTORE_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, CERTSTORE_FILE_MAX + 1, f);
        if (ferror(f))
                return -EIO;
        if (n > CERTSTORE_FILE_MAX)
                return -E2BIG;
        if (n > 0 && buf[0] == 0x30) {
                if (certstore_parse_der(buf, n, &x) < 0)
                        return -EINVAL;
        } else {
                b = BIO_new_mem_buf(buf, (int) n);
                if (!b)
                        return -ENOMEM;
                x = PEM_read_bio_X509(b, NULL, NULL, NULL);
                ERR_clear_error();
                if (!x)
                        return -EINVAL;
        }
        len = i2d_X509(x, NULL);
        if (len <= 0 || (size_t) len > CERTSTORE_DER_MAX)
                return -EINVAL;
        der = malloc((size_t) len);
        if (!der)
                return -ENOMEM;
        p = der;
        if (i2d_X509(x, &p) != len)
                return -EINVAL;
        *ret_der = TAKE_PTR(der);
        *ret_len = (size_t) len;
        return 0;
}

int certstore_admin_load(const char *const *roots, size_t n_roots, CertAdminList **ret, ConfigError *err) {
        _cleanup_(certstore_admin_freep) CertAdminList *l = NULL;
        _cleanup_(admin_load_done) AdminLoad a = {};
        int r;

        r = config_parse_tree(roots, n_roots, NULL, CERTSTORE_DROPIN_DIR, admin_handler, &a, NULL, NULL,
                              err);
        if (r < 0)
                return r;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        if (a.n > 0) {
                l->items = calloc(a.n, sizeof(CertAdmin));
                if (!l->items)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < a.n; i++) {
                AdminEntry *e = &a.e[i];
                CertAdmin *c = &l->items[l->n];
                _cleanup_(X509_freep) X509 *x = NULL;
                const char *base = strrchr(e->path, '/');

                if (!e->store[0]) {
                        config_error_set(err, e->path, e->line, "Store= is required");
                        return -EINVAL;
                }
                *c = (CertAdmin) { .remove = e->kind == 2, .roles = e->roles };
                l->n++;
                c->name = strdup(base ? base + 1 : e->path);
                c->path = strdup(e->path);
                if (!c->name || !c->path)
                        return -ENOMEM;
                snprintf(c->store, sizeof c->store, "%s", e->store);
                if (c->remove) {
                        if (!e->thumbprint[0]) {
                                config_error_set(err, e->path, e->line, "[Remove] needs Thumbprint=");
                                return -EINVAL;
                        }
                        memcpy(c->thumbprint, e->thumbprint, sizeof c->thumbprint);
                        continue;
                }
                if (!e->file) {
                        config_error_set(err, e->path, e->line, "[Certificate] needs File=");
                        return -EINVAL;
                }
                r = read_cert_file(e->file, &c->der, &c->der_len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        config_error_set(err, e->path, e->file_line, "cannot read a certificate from '%.200s'",
                                    e->file);
                        return -EINVAL;
                }
                r = certstore_thumbprint(c->der, c->der_len, c->thumbprint);
                if (r < 0)
                        return r;
                r = certstore_parse_der(c->der, c->der_len, &x);
                if (r < 0)
                        return -EINVAL;
                r = certstore_describe(x, &c->subject, &c->not_after_usec);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
