/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth.c: ProvBoot HMAC-SHA1 authentication (docs/wire-notes.md §5; see auth.h). One EVP_MAC and
 * one SHA1-bound EVP_MAC_CTX template are fetched per process (pthread_once) and every MAC
 * duplicates the template, so no per-call algorithm fetch or digest lookup happens (the cost
 * stays within the 1.3x budget of a bare HMAC). Key material is only ever in Secrets or in stack
 * buffers wiped with sodium_memzero before return. Nothing here logs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "auth.h"
#include "hex.h"
#include "macros.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MAC_CTX *, EVP_MAC_CTX_free);

static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;
static EVP_MAC *hmac_alg;               /* fetched once, never freed (process lifetime) */
static EVP_MAC_CTX *hmac_template;      /* HMAC bound to SHA1, no key */

static void hmac_init_once(void) {
        char digest[] = "SHA1";
        OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                OSSL_PARAM_construct_end(),
        };
        EVP_MAC_CTX *t;

        hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
        if (!hmac_alg)
                return;
        t = EVP_MAC_CTX_new(hmac_alg);
        if (!t)
                return;
        if (EVP_MAC_CTX_set_params(t, params) != 1) {
                EVP_MAC_CTX_free(t);
                return;
        }
        hmac_template = t;
}

int auth_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                   uint8_t out[AUTH_MAC_LEN]) {
        _cleanup_(EVP_MAC_CTX_freep) EVP_MAC_CTX *ctx = NULL;
        static const uint8_t empty[1];
        size_t out_len = 0;

        if (!key || !out || (!data && len > 0))
                return -EINVAL;
        (void) pthread_once(&hmac_once, hmac_init_once);
        if (!hmac_template)
                return -EIO;
        ctx = EVP_MAC_CTX_dup(hmac_template);
        if (!ctx)
                return -ENOMEM;
        if (EVP_MAC_init(ctx, key, key_len, NULL) != 1)
                return -EIO;
        if (EVP_MAC_update(ctx, data ? data : empty, len) != 1)
                return -EIO;
        if (EVP_MAC_final(ctx, out, &out_len, AUTH_MAC_LEN) != 1 || out_len != AUTH_MAC_LEN)
                return -EIO;
        return 0;
}

bool auth_needs_pin(AuthMethod sec) {
        return sec == AUTH_USERPIN || sec == AUTH_USERNETWPIN || sec == AUTH_USERPINMAC;
}

bool auth_needs_imsi(AuthMethod sec) {
        return sec == AUTH_NETWPIN || sec == AUTH_USERNETWPIN;
}

bool auth_needs_mac(AuthMethod sec) {
        return sec == AUTH_NETWPIN || sec == AUTH_USERPIN || sec == AUTH_USERNETWPIN;
}

const char *auth_compare_primitive(void) {
        return "CRYPTO_memcmp";
}

int auth_mac_from_hex(const char *mac_hex, uint8_t out[AUTH_MAC_LEN]) {
        uint8_t b[AUTH_MAC_LEN];

        /* §5.2: exactly 40 hex digits, either case; the MAC text is public (it came in the push) */
        if (!mac_hex || strnlen(mac_hex, AUTH_MAC_HEX_LEN + 1) != AUTH_MAC_HEX_LEN)
                return -EINVAL;
        /* hex_decode skips whitespace: 40 characters of which any is not a digit decode to fewer
         * than 20 bytes, or fail */
        if (hex_decode(mac_hex, AUTH_MAC_HEX_LEN, b, sizeof b) != AUTH_MAC_LEN)
                return -EINVAL;
        memcpy(out, b, sizeof b);
        return 0;
}

static bool is_digits(const uint8_t *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

int auth_imsi_check(const char *s, size_t len) {
        if (!s || len < AUTH_IMSI_DIGITS_MIN || len > AUTH_IMSI_DIGITS_MAX)
                return -EINVAL;
        return is_digits((const uint8_t *) s, len) ? 0 : -EINVAL;
}

/* The PIN limits of auth.h over mapped bytes (the caller holds the acquisition). */
static bool pin_format_ok(AuthMethod sec, const uint8_t *p, size_t n) {
        bool ok = true;

        switch (sec) {
        case AUTH_USERPIN:
        case AUTH_USERNETWPIN:
                if (n < AUTH_PIN_LEN_MIN || n > AUTH_PIN_LEN_MAX)
                        return false;
                for (size_t i = 0; i < n; i++)
                        if (p[i] < 0x21 || p[i] > 0x7E)
                                ok = false;
                return ok;
        case AUTH_USERPINMAC:
                /* §5.5: K || check digits, two equal halves of decimal digits */
                if (n % 2 != 0 || n < 2 * AUTH_PINMAC_HALF_MIN || n > 2 * AUTH_PINMAC_HALF_MAX)
                        return false;
                return is_digits(p, n);
        default:
                return false;
        }
}

int auth_pin_check_format(AuthMethod sec, const Secret *pin) {
        bool ok;

        if (!pin || !auth_needs_pin(sec))
                return -EINVAL;
        ok = pin_format_ok(sec, secret_acquire_ro(pin), secret_size(pin));
        secret_release(pin);
        return ok ? 0 : -EINVAL;
}

int auth_netwpin_key(const Secret *imsi, Secret **ret_key) {
        uint8_t nib[AUTH_IMSI_DIGITS_MAX + 2], key[AUTH_NETWPIN_KEY_MAX];
        const uint8_t *d;
        size_t n, m;
        int r;

        if (!imsi || !ret_key)
                return -EINVAL;
        n = secret_size(imsi);
        d = secret_acquire_ro(imsi);
        r = auth_imsi_check((const char *) d, n);
        if (r < 0) {
                secret_release(imsi);
                return r;
        }
        /* §5.3: [type/parity, d1..dn] (+F), low nibble first: octets 2..9 of EF_IMSI */
        nib[0] = (n % 2) ? 0x9 : 0x1;
        for (size_t i = 0; i < n; i++)
                nib[i + 1] = (uint8_t) (d[i] - '0');
        secret_release(imsi);
        m = n + 1;
        if (m % 2)
                nib[m++] = 0xF;
        for (size_t i = 0; i < m; i += 2)
                key[i / 2] = (uint8_t) (nib[i] | nib[i + 1] << 4);
        r = secret_new_from(key, m / 2, ret_key);
        sodium_memzero(nib, sizeof nib);
        sodium_memzero(key, sizeof key);
        return r;
}

/* A new secret holding the first @n bytes of @s. */
static int secret_dup_prefix(const Secret *s, size_t n, Secret **ret) {
        int r;

        r = secret_new_from(secret_acquire_ro(s), n, ret);
        secret_release(s);
        return r;
}

static int pinmac_k(const Secret *k, Secret **ret) {
        const uint8_t *p;
        size_t n = secret_size(k);
        bool ok;

        if (n < AUTH_PINMAC_HALF_MIN || n > AUTH_PINMAC_HALF_MAX)
                return -EINVAL;
        p = secret_acquire_ro(k);
        ok = is_digits(p, n);
        secret_release(k);
        if (!ok)
                return -EINVAL;
        return secret_dup_prefix(k, n, ret);
}

int auth_derive_key(AuthMethod sec, const Secret *imsi, const Secret *pin, Secret **ret_key) {
        _cleanup_secret_ Secret *ik = NULL;
        int r;

        if (!ret_key)
                return -EINVAL;
        switch (sec) {
        case AUTH_NETWPIN:
                return auth_netwpin_key(imsi, ret_key);
        case AUTH_USERPIN:
                r = auth_pin_check_format(sec, pin);
                if (r < 0)
                        return r;
                return secret_dup_prefix(pin, secret_size(pin), ret_key);
        case AUTH_USERNETWPIN:
                r = auth_pin_check_format(sec, pin);
                if (r < 0)
                        return r;
                r = auth_netwpin_key(imsi, &ik);
                if (r < 0)
                        return r;
                /* §5.4: IMSI key first, then the PIN octets, no separator */
                return secret_concat(ik, pin, ret_key);
        case AUTH_USERPINMAC:
                r = auth_pin_check_format(sec, pin);
                if (r < 0)
                        return r;
                /* §5.5: K is the first half of what the user typed */
                return secret_dup_prefix(pin, secret_size(pin) / 2, ret_key);
        default:
                return -EINVAL;
        }
}

static int hmac_with_secret(const Secret *key, const uint8_t *body, size_t len, uint8_t out[AUTH_MAC_LEN]) {
        int r;

        r = auth_hmac_sha1(secret_acquire_ro(key), secret_size(key), body, len, out);
        secret_release(key);
        return r;
}

int auth_compute_mac_hex(AuthMethod sec, const uint8_t *body, size_t len, const Secret *imsi, const Secret *pin,
                         char out[AUTH_MAC_HEX_LEN + 1]) {
        static const char hex[] = "0123456789ABCDEF";
        _cleanup_secret_ Secret *key = NULL;
        uint8_t m[AUTH_MAC_LEN];
        int r;

        if (!out)
                return -EINVAL;
        if (sec == AUTH_USERPINMAC)
                r = pin ? pinmac_k(pin, &key) : -EINVAL; /* @pin is K alone here */
        else
                r = auth_derive_key(sec, imsi, pin, &key);
        if (r < 0)
                return r;
        r = hmac_with_secret(key, body, len, m);
        if (r < 0)
                return r;
        for (size_t i = 0; i < AUTH_MAC_LEN; i++) {
                out[2 * i] = hex[m[i] >> 4];
                out[2 * i + 1] = hex[m[i] & 0xF];
        }
        out[AUTH_MAC_HEX_LEN] = '\0';
        sodium_memzero(m, sizeof m);
        return 0;
}

int auth_userpinmac_pin(const uint8_t *body, size_t len, const Secret *k, Secret **ret_pin) {
        _cleanup_secret_ Secret *kk = NULL, *out = NULL;
        uint8_t m[AUTH_MAC_LEN], *p;
        size_t n;
        int r;

        if (!k || !ret_pin)
                return -EINVAL;
        r = pinmac_k(k, &kk);
        if (r < 0)
                return r;
        r = hmac_with_secret(kk, body, len, m);
        if (r < 0)
                return r;
        n = secret_size(kk);
        r = secret_new(2 * n, &out);
        if (r < 0) {
                sodium_memzero(m, sizeof m);
                return r;
        }
        p = secret_acquire_rw(out);
        memcpy(p, secret_acquire_ro(kk), n);
        secret_release(kk);
        for (size_t i = 0; i < n; i++)
                p[n + i] = (uint8_t) ('0' + m[i] % 10);
        secret_release(out);
        sodium_memzero(m, sizeof m);
        *ret_pin = TAKE_PTR(out);
        return 0;
}

/*
 * Derive the key of @sec into @key (stack buffer of the caller, who wipes it). For USERPINMAC
 * also copy the typed check digits into @digits. Reads each input Secret once.
 */
static int derive_raw(AuthMethod sec, const Secret *imsi, const Secret *pin, uint8_t key[AUTH_KEY_MAX],
                      size_t *ret_len, uint8_t digits[AUTH_PINMAC_HALF_MAX], size_t *ret_digits) {
        size_t n = 0, pn;
        const uint8_t *p;
        int r;

        *ret_len = 0;
        *ret_digits = 0;
        if (auth_needs_pin(sec) && !pin)
                return -EINVAL;
        if (auth_needs_imsi(sec)) {
                uint8_t nib[AUTH_IMSI_DIGITS_MAX + 2];
                size_t in, m;

                if (!imsi)
                        return -EINVAL;
                in = secret_size(imsi);
                p = secret_acquire_ro(imsi);
                r = auth_imsi_check((const char *) p, in);
                if (r < 0) {
                        secret_release(imsi);
                        return r;
                }
                /* §5.3: [type/parity, d1..dn] (+F), low nibble first: octets 2..9 of EF_IMSI */
                nib[0] = (in % 2) ? 0x9 : 0x1;
                for (size_t i = 0; i < in; i++)
                        nib[i + 1] = (uint8_t) (p[i] - '0');
                secret_release(imsi);
                m = in + 1;
                if (m % 2)
                        nib[m++] = 0xF;
                for (size_t i = 0; i < m; i += 2)
                        key[n++] = (uint8_t) (nib[i] | nib[i + 1] << 4);
                sodium_memzero(nib, sizeof nib);
        }
        if (auth_needs_pin(sec)) {
                /* one acquisition of the PIN: check its limits and copy it */
                pn = secret_size(pin);
                p = secret_acquire_ro(pin);
                if (!pin_format_ok(sec, p, pn)) {
                        secret_release(pin);
                        return -EINVAL;
                }
                if (sec == AUTH_USERPINMAC) {
                        /* §5.5: K is the first half of the typed string, the check digits the second */
                        memcpy(key + n, p, pn / 2);
                        n += pn / 2;
                        memcpy(digits, p + pn / 2, pn / 2);
                        *ret_digits = pn / 2;
                } else {
                        /* §5.4: the PIN octets follow the IMSI key, no separator */
                        memcpy(key + n, p, pn);
                        n += pn;
                }
                secret_release(pin);
        }
        *ret_len = n;
        return 0;
}

struct AuthKey {
        AuthMethod sec;
        EVP_MAC_CTX *ctx;                       /* keyed; cleansed by EVP_MAC_CTX_free */
        uint8_t digits[AUTH_PINMAC_HALF_MAX];   /* USERPINMAC typed check digits */
        size_t n_digits;
};

/* A keyed HMAC context; key == NULL keys it with zeros (same work on the failure path). */
static EVP_MAC_CTX *keyed_ctx(const uint8_t *key, size_t key_len) {
        static const uint8_t dummy_key[AUTH_NETWPIN_KEY_MAX];
        EVP_MAC_CTX *ctx;

        (void) pthread_once(&hmac_once, hmac_init_once);
        if (!hmac_template)
                return NULL;
        ctx = EVP_MAC_CTX_dup(hmac_template);
        if (!ctx)
                return NULL;
        if (!key) {
                key = dummy_key;
                key_len = sizeof dummy_key;
        }
        if (EVP_MAC_init(ctx, key, key_len, NULL) != 1) {
                EVP_MAC_CTX_free(ctx);
                return NULL;
        }
        return ctx;
}

/*
 * Finish a verification on a keyed context (consumed). @bad carries earlier failures, which
 * only change the result after the same work is done.
 */
static int verify_ctx(EVP_MAC_CTX *ctx, unsigned bad, AuthMethod sec, const uint8_t *body, size_t len,
                      const char *mac_hex, const uint8_t *digits, size_t n_digits) {
        static const uint8_t empty[1];
        uint8_t expected[AUTH_MAC_LEN] = {}, computed[AUTH_MAC_LEN] = {}, want[AUTH_PINMAC_HALF_MAX] = {};
        uint8_t got[AUTH_PINMAC_HALF_MAX] = {};
        size_t out_len = 0;

        if (!body && len > 0)
                bad |= 1;
        if (auth_needs_mac(sec) && auth_mac_from_hex(mac_hex, expected) < 0)
                bad |= 1;
        if (!ctx || EVP_MAC_update(ctx, body ? body : empty, body ? len : 0) != 1 ||
            EVP_MAC_final(ctx, computed, &out_len, AUTH_MAC_LEN) != 1 || out_len != AUTH_MAC_LEN)
                bad |= 1;
        EVP_MAC_CTX_free(ctx);

        if (sec == AUTH_USERPINMAC) {
                size_t n = n_digits >= AUTH_PINMAC_HALF_MIN ? n_digits : AUTH_PINMAC_HALF_MIN;

                if (n_digits < AUTH_PINMAC_HALF_MIN)
                        bad |= 1;
                else
                        memcpy(got, digits, n);
                /* §5.5: check digit i = M[i] mod 10 */
                for (size_t i = 0; i < n; i++)
                        want[i] = (uint8_t) ('0' + computed[i] % 10);
                /* constant-time: all n check digits are always compared, no early exit */
                bad |= (unsigned) (CRYPTO_memcmp(want, got, n) != 0);
        } else
                /* constant-time: all 20 octets are always compared, no early exit */
                bad |= (unsigned) (CRYPTO_memcmp(expected, computed, AUTH_MAC_LEN) != 0);

        sodium_memzero(computed, sizeof computed);
        sodium_memzero(expected, sizeof expected);
        sodium_memzero(want, sizeof want);
        sodium_memzero(got, sizeof got);
        /* R3.4: one answer for every failure, whichever check failed */
        return bad ? -EKEYREJECTED : 0;
}

int auth_verify(AuthMethod sec, const uint8_t *body, size_t len, const char *mac_hex, const Secret *imsi,
                const Secret *pin) {
        uint8_t key[AUTH_KEY_MAX], digits[AUTH_PINMAC_HALF_MAX];
        size_t key_len = 0, n_digits = 0;
        EVP_MAC_CTX *ctx;
        unsigned bad = 0;
        int r;

        if (sec < 0 || sec >= _AUTH_SEC_MAX)
                return -EINVAL;
        if (derive_raw(sec, imsi, pin, key, &key_len, digits, &n_digits) < 0)
                bad |= 1;
        /* a failed derivation still runs a full HMAC and compare (with a dummy key) */
        ctx = keyed_ctx(bad ? NULL : key, key_len);
        sodium_memzero(key, sizeof key); /* the key now lives only in the HMAC context */
        r = verify_ctx(ctx, bad, sec, body, len, mac_hex, digits, n_digits);
        sodium_memzero(digits, sizeof digits);
        return r;
}

int auth_key_new(AuthMethod sec, const Secret *imsi, const Secret *pin, AuthKey **ret) {
        uint8_t key[AUTH_KEY_MAX];
        size_t key_len = 0;
        AuthKey *k;
        int r;

        if (sec < 0 || sec >= _AUTH_SEC_MAX || !ret)
                return -EINVAL;
        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->sec = sec;
        r = derive_raw(sec, imsi, pin, key, &key_len, k->digits, &k->n_digits);
        if (r < 0) {
                sodium_memzero(key, sizeof key);
                auth_key_free(k);
                return -EKEYREJECTED;
        }
        k->ctx = keyed_ctx(key, key_len);
        sodium_memzero(key, sizeof key);
        if (!k->ctx) {
                auth_key_free(k);
                return -EIO;
        }
        *ret = k;
        return 0;
}

int auth_key_verify(const AuthKey *k, const uint8_t *body, size_t len, const char *mac_hex) {
        if (!k)
                return -EINVAL;
        return verify_ctx(EVP_MAC_CTX_dup(k->ctx), 0, k->sec, body, len, mac_hex, k->digits, k->n_digits);
}

AuthKey *auth_key_free(AuthKey *k) {
        if (!k)
                return NULL;
        EVP_MAC_CTX_free(k->ctx);
        sodium_memzero(k, sizeof(*k));
        free(k);
        return NULL;
}
