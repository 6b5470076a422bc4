/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-cred.c: the OMA DM digests (dm-cred.h) over OpenSSL 3 EVP (MD5 is in the default
 * provider). Security invariants enforced here:
 *  - received credentials are compared in constant time over the full 16 bytes
 *    (CRYPTO_memcmp), after a strict base64 decode; a malformed text is a plain mismatch, so a
 *    caller learns nothing more from it than from a wrong digest;
 *  - every buffer that held the password, H(user:pw) or its base64 is wiped
 *    (OPENSSL_cleanse) before it is freed or goes out of scope;
 *  - nothing is logged (R7): neither inputs nor results.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dm-cred.h"
#include "macros.h"

/* Base64 length of n bytes with padding, +1 for the NUL. */
#define B64_LEN(n) (((n) + 2U) / 3U * 4U + 1U)
/* B64 of an MD5: 24 characters. */
#define MD5_B64_LEN 24U

/* A digest over a list of (pointer, length) parts. */
typedef struct Part {
        const void *p;
        size_t n;
} Part;

static int md5_parts(const Part *parts, size_t n_parts, uint8_t out[DM_MD5_LEN]) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 0;
        int r = -EIO;

        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1)
                goto out;
        for (size_t i = 0; i < n_parts; i++)
                if (parts[i].n > 0 && EVP_DigestUpdate(ctx, parts[i].p, parts[i].n) != 1)
                        goto out;
        if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != DM_MD5_LEN)
                goto out;
        r = 0;
out:
        EVP_MD_CTX_free(ctx);
        return r;
}

/* out = B64(MD5(parts)), 24 characters + NUL. */
static int md5_b64(const Part *parts, size_t n_parts, char out[MD5_B64_LEN + 1]) {
        uint8_t md[DM_MD5_LEN];
        int r = md5_parts(parts, n_parts, md);

        if (r < 0)
                return r;
        if (EVP_EncodeBlock((unsigned char *) out, md, DM_MD5_LEN) != (int) MD5_B64_LEN)
                r = -EIO;
        OPENSSL_cleanse(md, sizeof md);
        return r;
}

int dm_b64_encode(const uint8_t *buf, size_t len, char **ret) {
        char *s;

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        if (len > (size_t) INT32_MAX / 2)
                return -E2BIG;
        s = malloc(B64_LEN(len));
        if (!s)
                return -ENOMEM;
        (void) EVP_EncodeBlock((unsigned char *) s, buf ? buf : (const uint8_t *) "", (int) len);
        s[B64_LEN(len) - 1] = 0;
        *ret = s;
        return 0;
}

static int b64_value(char c) {
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

int dm_b64_decode(const char *b64, uint8_t **ret, size_t *ret_len) {
        size_t len, pad = 0, n = 0;
        uint8_t *out;

        if (!b64 || !ret || !ret_len)
                return -EINVAL;
        len = strnlen(b64, DM_B64_MAX + 1);
        if (len > DM_B64_MAX)
                return -E2BIG;
        if (len % 4 != 0)
                return -EBADMSG;
        if (len >= 1 && b64[len - 1] == '=')
                pad++;
        if (len >= 2 && b64[len - 2] == '=')
                pad++;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i += 4) {
                int v[4];
                bool last = i + 4 == len;

                for (unsigned k = 0; k < 4; k++) {
                        bool padding = last && k >= 4 - pad;

                        v[k] = padding ? 0 : b64_value(b64[i + k]);
                        if (v[k] < 0)
                                goto bad;
                }
                out[n++] = (uint8_t) (v[0] << 2 | v[1] >> 4);
                if (last && pad == 2) {
                        if (v[1] & 0xF) /* non-canonical: bits after the last byte */
                                goto bad;
                        break;
                }
                out[n++] = (uint8_t) ((v[1] & 0xF) << 4 | v[2] >> 2);
                if (last && pad == 1) {
                        if (v[2] & 0x3)
                                goto bad;
                        break;
                }
                out[n++] = (uint8_t) ((v[2] & 0x3) << 6 | v[3]);
        }
        out[n] = 0;
        *ret = out;
        *ret_len = n;
        return 0;
bad:
        free(out);
        return -EBADMSG;
}

int dm_cred_basic(const char *user, const uint8_t *pw, size_t pw_len, char **ret_b64) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t ulen, len;
        int r;

        if (!user || (!pw && pw_len > 0) || !ret_b64 || strchr(user, ':'))
                return -EINVAL;
        ulen = strnlen(user, DM_CRED_USER_MAX + 1);
        if (ulen > DM_CRED_USER_MAX || pw_len > DM_CRED_SECRET_MAX)
                return -E2BIG;
        len = ulen + 1 + pw_len;
        buf = malloc(len);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, user, ulen);
        buf[ulen] = ':';
        if (pw_len > 0)
                memcpy(buf + ulen + 1, pw, pw_len);
        r = dm_b64_encode(buf, len, ret_b64);
        OPENSSL_cleanse(buf, len);
        return r;
}

/* B64(H(user ":" pw)): the stored-form authenticator of Security §5.1.3.2. */
static int user_pw_b64(const char *user, const uint8_t *pw, size_t pw_len, char out[MD5_B64_LEN + 1]) {
        const Part parts[] = {
                { user, strlen(user) },
                { ":", 1 },
                { pw, pw_len },
        };

        if (!pw && pw_len > 0)
                return -EINVAL;
        return md5_b64(parts, ELEMENTSOF(parts), out);
}

/* The raw MD5 of B64(H(user:pw)) ":" nonce [":" B64(H(body))]. */
static int cred_digest(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce, size_t nonce_len,
                       const uint8_t *body, size_t body_len, bool with_body, uint8_t out[DM_MD5_LEN]) {
        char auth[MD5_B64_LEN + 1], body_b64[MD5_B64_LEN + 1];
        int r;

        if (!user || (!nonce && nonce_len > 0) || (with_body && !body && body_len > 0))
                return -EINVAL;
        r = user_pw_b64(user, pw, pw_len, auth);
        if (r < 0)
                return r;
        if (with_body) {
                const Part bp[] = { { body, body_len } };

                r = md5_b64(bp, ELEMENTSOF(bp), body_b64);
                if (r < 0)
                        goto out;
        }
        {
                const Part parts[] = {
                        { auth, MD5_B64_LEN },
                        { ":", 1 },
                        { nonce, nonce_len },
                        { ":", with_body ? 1 : 0 },
                        { body_b64, with_body ? MD5_B64_LEN : 0 },
                };

                r = md5_parts(parts, ELEMENTSOF(parts), out);
        }
out:
        OPENSSL_cleanse(auth, sizeof auth);
        return r;
}

int dm_cred_md5(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce, size_t nonce_len,
                char **ret_b64) {
        uint8_t md[DM_MD5_LEN];
        int r;

        if (!ret_b64)
                return -EINVAL;
        r = cred_digest(user, pw, pw_len, nonce, nonce_len, NULL, 0, false, md);
        if (r < 0)
                return r;
        r = dm_b64_encode(md, sizeof md, ret_b64);
        OPENSSL_cleanse(md, sizeof md);
        return r;
}

/* Constant-time compare of a received base64 digest with the expected raw bytes. */
static bool b64_digest_equal(const uint8_t expected[DM_MD5_LEN], const char *received_b64) {
        _cleanup_free_ uint8_t *got = NULL;
        size_t n = 0;

        if (!received_b64 || dm_b64_decode(received_b64, &got, &n) < 0 || n != DM_MD5_LEN)
                return false;
        return CRYPTO_memcmp(expected, got, DM_MD5_LEN) == 0;
}

bool dm_cred_md5_verify(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                        size_t nonce_len, const char *received_b64) {
        uint8_t md[DM_MD5_LEN];
        bool ok;

        if (cred_digest(user, pw, pw_len, nonce, nonce_len, NULL, 0, false, md) < 0)
                return false;
        ok = b64_digest_equal(md, received_b64);
        OPENSSL_cleanse(md, sizeof md);
        return ok;
}

int dm_cred_hmac(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce, size_t nonce_len,
                 const uint8_t *body, size_t body_len, char **ret_b64) {
        uint8_t md[DM_MD5_LEN];
        int r;

        if (!ret_b64)
                return -EINVAL;
        r = cred_digest(user, pw, pw_len, nonce, nonce_len, body, body_len, true, md);
        if (r < 0)
                return r;
        r = dm_b64_encode(md, sizeof md, ret_b64);
        OPENSSL_cleanse(md, sizeof md);
        return r;
}

bool dm_cred_hmac_verify(const char *user, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *body, size_t body_len, const char *received_b64) {
        uint8_t md[DM_MD5_LEN];
        bool ok;

        if (cred_digest(user, pw, pw_len, nonce, nonce_len, body, body_len, true, md) < 0)
                return false;
        ok = b64_digest_equal(md, received_b64);
        OPENSSL_cleanse(md, sizeof md);
        return ok;
}

int dm_pkg0_digest(const char *server_id, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                   size_t nonce_len, const uint8_t *trigger, size_t trigger_len, uint8_t out[16]) {
        if (!out || (!trigger && trigger_len > 0))
                return -EINVAL;
        /* Notification §6.2.2.2: the same construction as the HMAC, with the trigger as body. */
        return cred_digest(server_id, pw, pw_len, nonce, nonce_len, trigger, trigger_len, true, out);
}

bool dm_pkg0_digest_verify(const char *server_id, const uint8_t *pw, size_t pw_len, const uint8_t *nonce,
                           size_t nonce_len, const uint8_t *trigger, size_t trigger_len,
                           const uint8_t received[16]) {
        uint8_t md[DM_MD5_LEN];
        bool ok;

        if (!received || dm_pkg0_digest(server_id, pw, pw_len, nonce, nonce_len, trigger, trigger_len, md) < 0)
                return false;
        ok = CRYPTO_memcmp(md, received, DM_MD5_LEN) == 0;
        OPENSSL_cleanse(md, sizeof md);
        return ok;
}
