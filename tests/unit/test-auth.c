/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-auth.c: ProvBoot authentication (verifierd/auth.c) and guarded secrets
 * (verifierd/secret.c): every vector of docs/wire-notes.md §5.7, the §5.3 key examples, one-bit
 * flips of every body and MAC bit, malformed MACs, IMSIs and PINs at and past their limits, and
 * the Secret API (guarded mapping state, process hardening).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/hmac.h>

#include "verifierd/auth.h"
#include "verifierd/secret.h"
#include "testutil.h"

#define TV_A "030B6A00C54601C65601870706035465737400010101"
#define TV_B                                                                                              \
        "030B6A00C54503312E310001C65601870706035465737420444D000101C600015501873606037737000187380603646D" \
        "7372760001870706035465737420444D00018734060368747470733A2F2F646D2E6578616D706C652E636F6D2F646D00" \
        "01C657018730068D0187330603444947455354000187310603757365720001873206037365637265740001010101"

#define IMSI15 "262011234567890"
#define IMSI14 "21407650123456"

typedef struct Vector {
        const char *name;
        const char *body;
        AuthMethod sec;
        const char *imsi;
        const char *pin;
        const char *mac; /* NULL for USERPINMAC */
} Vector;

/* docs/wire-notes.md §5.7, every row */
static const Vector vectors[] = {
        { "TV-A NETWPIN 15", TV_A, AUTH_NETWPIN, IMSI15, NULL, "A7EFB3E213C7DA2B3DBA091E2CCD601B316B8052" },
        { "TV-A USERPIN", TV_A, AUTH_USERPIN, NULL, "1234", "BAA186A0F7802E017A4A69B214921DB16EF26512" },
        { "TV-A USERNETWPIN 15", TV_A, AUTH_USERNETWPIN, IMSI15, "1234",
          "2DB04073875EF00048454D99A04AD5E0179666C3" },
        { "TV-A USERPINMAC 1234", TV_A, AUTH_USERPINMAC, NULL, "12346140", NULL },
        { "TV-A USERPINMAC 12345678", TV_A, AUTH_USERPINMAC, NULL, "1234567843571882", NULL },
        { "TV-B NETWPIN 15", TV_B, AUTH_NETWPIN, IMSI15, NULL, "C683726BD6B25CCEBE45F529EF5C90D97D9F39B6" },
        { "TV-B NETWPIN 14", TV_B, AUTH_NETWPIN, IMSI14, NULL, "BEBAEEFB50D6EEBAB834DE76CBDD1920E88B43A0" },
        { "TV-B USERPIN", TV_B, AUTH_USERPIN, NULL, "1234", "E732DF72F64A74F71027D08BDF8073A677B367E7" },
        { "TV-B USERNETWPIN 15", TV_B, AUTH_USERNETWPIN, IMSI15, "1234",
          "9F18D1C25912CED73D75CAFA65A57540AD97E97C" },
        { "TV-B USERNETWPIN 14", TV_B, AUTH_USERNETWPIN, IMSI14, "1234",
          "A41DB3FAC79AF0A09649C89C29D746BDE7B0689D" },
        { "TV-B USERPINMAC 1234", TV_B, AUTH_USERPINMAC, NULL, "12341034", NULL },
        { "TV-B USERPINMAC 12345678", TV_B, AUTH_USERPINMAC, NULL, "1234567825721794", NULL },
};

static Secret *sec_str(const char *s) {
        Secret *x = NULL;

        if (!s)
                return NULL;
        ck_assert_int_eq(secret_new_from_string(s, &x), 0);
        return x;
}

static int verify_vec(const Vector *v, const uint8_t *body, size_t len, const char *mac, const char *imsi,
                      const char *pin) {
        _cleanup_secret_ Secret *si = sec_str(imsi), *sp = sec_str(pin);

        return auth_verify(v->sec, body, len, mac, si, sp);
}

START_TEST(test_vectors_accept) {
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                size_t n;
                uint8_t *b = tu_unhex(v->body, &n);

                ck_assert_msg(verify_vec(v, b, n, v->mac, v->imsi, v->pin) == 0, "%s", v->name);
                free(b);
        }
}
END_TEST

START_TEST(test_vectors_lowercase_mac) {
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                char lower[AUTH_MAC_HEX_LEN + 1];
                size_t n;
                uint8_t *b;

                if (!v->mac)
                        continue;
                b = tu_unhex(v->body, &n);
                for (size_t k = 0; k <= AUTH_MAC_HEX_LEN; k++)
                        lower[k] = (char) (v->mac[k] >= 'A' && v->mac[k] <= 'F' ? v->mac[k] + 32 : v->mac[k]);
                ck_assert_msg(verify_vec(v, b, n, lower, v->imsi, v->pin) == 0, "%s", v->name);
                free(b);
        }
}
END_TEST

START_TEST(test_vectors_compute) {
        /* the sender side reproduces every MAC and every USERPINMAC string */
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                _cleanup_secret_ Secret *si = sec_str(v->imsi), *sp = sec_str(v->pin), *k = NULL, *typed = NULL;
                char mac[AUTH_MAC_HEX_LEN + 1];
                size_t n;
                uint8_t *b = tu_unhex(v->body, &n);

                if (v->mac) {
                        ck_assert_int_eq(auth_compute_mac_hex(v->sec, b, n, si, sp, mac), 0);
                        ck_assert_str_eq(mac, v->mac);
                } else {
                        size_t half = strlen(v->pin) / 2;
                        char kbuf[AUTH_PINMAC_HALF_MAX + 1] = {}, out[AUTH_PINMAC_LEN_MAX + 1] = {};

                        memcpy(kbuf, v->pin, half);
                        k = sec_str(kbuf);
                        ck_assert_int_eq(auth_userpinmac_pin(b, n, k, &typed), 0);
                        ck_assert_uint_eq(secret_size(typed), 2 * half);
                        memcpy(out, secret_acquire_ro(typed), 2 * half);
                        secret_release(typed);
                        ck_assert_str_eq(out, v->pin);
                }
                free(b);
        }
}
END_TEST

START_TEST(test_userpinmac_mac_prefix) {
        /* §5.7: M for K=1234 is the USERPIN MAC; for K=12345678 it starts 18D569ED / 0CCD9D5C */
        static const struct {
                const char *body, *k, *prefix, *suffix;
        } t[] = {
                { TV_A, "1234", "BAA186A0", "6512" },
                { TV_A, "12345678", "18D569ED", "DC9E" },
                { TV_B, "1234", "E732DF72", "67E7" },
                { TV_B, "12345678", "0CCD9D5C", "70D5" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_secret_ Secret *k = sec_str(t[i].k);
                char mac[AUTH_MAC_HEX_LEN + 1];
                size_t n;
                uint8_t *b = tu_unhex(t[i].body, &n);

                ck_assert_int_eq(auth_compute_mac_hex(AUTH_USERPINMAC, b, n, NULL, k, mac), 0);
                ck_assert_int_eq(strncmp(mac, t[i].prefix, 8), 0);
                ck_assert_str_eq(mac + 36, t[i].suffix);
                free(b);
        }
}
END_TEST

START_TEST(test_netwpin_keys) {
        /* §5.3 examples and the §5.7 key column */
        static const struct {
                const char *imsi, *key;
        } t[] = {
                { "262011234567890", "2926102143658709" },
                { "123456789012345", "1932547698103254" },
                { "21407650123456", "21417056103254F6" },
                { "123456", "113254F6" },   /* shortest accepted: 6 digits, even -> filler */
                { "1234567", "19325476" }, /* odd, no filler */
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_secret_ Secret *imsi = sec_str(t[i].imsi), *key = NULL;
                size_t n;
                uint8_t *want = tu_unhex(t[i].key, &n);

                ck_assert_int_eq(auth_netwpin_key(imsi, &key), 0);
                ck_assert_uint_eq(secret_size(key), n);
                ck_assert_int_eq(memcmp(secret_acquire_ro(key), want, n), 0);
                secret_release(key);
                ck_assert(!secret_is_acquired(key));
                free(want);
        }
}
END_TEST

START_TEST(test_derived_keys) {
        /* §5.7 key column for USERPIN and USERNETWPIN (both IMSI lengths) */
        static const struct {
                AuthMethod sec;
                const char *imsi, *pin, *key;
        } t[] = {
                { AUTH_USERPIN, NULL, "1234", "31323334" },
                { AUTH_USERNETWPIN, IMSI15, "1234", "292610214365870931323334" },
                { AUTH_USERNETWPIN, IMSI14, "1234", "21417056103254F631323334" },
                { AUTH_NETWPIN, IMSI14, NULL, "21417056103254F6" },
                { AUTH_USERPINMAC, NULL, "12346140", "31323334" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_secret_ Secret *imsi = sec_str(t[i].imsi), *pin = sec_str(t[i].pin), *key = NULL;
                size_t n;
                uint8_t *want = tu_unhex(t[i].key, &n);

                ck_assert_int_eq(auth_derive_key(t[i].sec, imsi, pin, &key), 0);
                ck_assert_uint_eq(secret_size(key), n);
                ck_assert_int_eq(memcmp(secret_acquire_ro(key), want, n), 0);
                secret_release(key);
                free(want);
        }
}
END_TEST

static void flip_mac_hex(const char *mac, size_t bit, char out[AUTH_MAC_HEX_LEN + 1]) {
        static const char hex[] = "0123456789ABCDEF";
        uint8_t m[AUTH_MAC_LEN];

        ck_assert_int_eq(auth_mac_from_hex(mac, m), 0);
        m[bit / 8] ^= (uint8_t) (1U << (bit % 8));
        for (size_t i = 0; i < AUTH_MAC_LEN; i++) {
                out[2 * i] = hex[m[i] >> 4];
                out[2 * i + 1] = hex[m[i] & 0xF];
        }
        out[AUTH_MAC_HEX_LEN] = '\0';
}

/* The MAC text: exactly AUTH_MAC_HEX_LEN hex digits, either case; one fewer, one more, a space
 * or a non-digit in it is refused. */
START_TEST(test_mac_from_hex_limits) {
        char buf[AUTH_MAC_HEX_LEN + 2];
        uint8_t m[AUTH_MAC_LEN];

        memset(buf, 'a', AUTH_MAC_HEX_LEN);
        buf[AUTH_MAC_HEX_LEN] = 0;
        ck_assert_int_eq(auth_mac_from_hex(buf, m), 0);
        ck_assert_uint_eq(m[0], 0xAA);
        ck_assert_uint_eq(m[AUTH_MAC_LEN - 1], 0xAA);
        buf[AUTH_MAC_HEX_LEN - 1] = 0;                  /* 39 digits */
        ck_assert_int_eq(auth_mac_from_hex(buf, m), -EINVAL);
        buf[AUTH_MAC_HEX_LEN - 1] = 'F';
        buf[AUTH_MAC_HEX_LEN] = 'F';                    /* 41 digits */
        buf[AUTH_MAC_HEX_LEN + 1] = 0;
        ck_assert_int_eq(auth_mac_from_hex(buf, m), -EINVAL);
        buf[AUTH_MAC_HEX_LEN] = 0;
        buf[10] = ' ';                                  /* 40 characters, 39 digits */
        ck_assert_int_eq(auth_mac_from_hex(buf, m), -EINVAL);
        buf[10] = 'g';
        ck_assert_int_eq(auth_mac_from_hex(buf, m), -EINVAL);
        ck_assert_int_eq(auth_mac_from_hex(NULL, m), -EINVAL);
}
END_TEST

START_TEST(test_vectors_authkey) {
        /* the prepared-key path accepts every vector and rejects every body bit flip */
        unsigned flips = 0, rejected = 0;

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                _cleanup_secret_ Secret *si = sec_str(v->imsi), *sp = sec_str(v->pin);
                _cleanup_(auth_key_freep) AuthKey *k = NULL;
                size_t n;
                uint8_t *b = tu_unhex(v->body, &n);

                ck_assert_int_eq(auth_key_new(v->sec, si, sp, &k), 0);
                ck_assert_msg(auth_key_verify(k, b, n, v->mac) == 0, "%s", v->name);
                ck_assert_msg(auth_key_verify(k, b, n, v->mac) == 0, "%s again", v->name); /* reusable */
                for (size_t bit = 0; bit < n * 8; bit++) {
                        b[bit / 8] ^= (uint8_t) (1U << (bit % 8));
                        flips++;
                        if (auth_key_verify(k, b, n, v->mac) == -EKEYREJECTED)
                                rejected++;
                        b[bit / 8] ^= (uint8_t) (1U << (bit % 8));
                }
                free(b);
        }
        ck_assert_uint_eq(flips, 5 * 22 * 8 + 7 * 142 * 8);
        ck_assert_uint_eq(rejected, flips);
        /* malformed inputs are refused when preparing, with the same code */
        {
                _cleanup_secret_ Secret *bad = sec_str("12345"), *pin = sec_str("123");
                AuthKey *k = NULL;

                ck_assert_int_eq(auth_key_new(AUTH_NETWPIN, bad, NULL, &k), -EKEYREJECTED);
                ck_assert_int_eq(auth_key_new(AUTH_NETWPIN, NULL, NULL, &k), -EKEYREJECTED);
                ck_assert_int_eq(auth_key_new(AUTH_USERPIN, NULL, pin, &k), -EKEYREJECTED);
                ck_assert_int_eq(auth_key_new(AUTH_NONE, NULL, pin, &k), -EINVAL);
                ck_assert_ptr_null(k);
                ck_assert_int_eq(auth_key_verify(NULL, NULL, 0, NULL), -EINVAL);
        }
}
END_TEST

START_TEST(test_bitflip_body) {
        unsigned flips = 0, rejected = 0, expected_flips = 0;

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                _cleanup_secret_ Secret *si = sec_str(v->imsi), *sp = sec_str(v->pin);
                size_t n;
                uint8_t *b = tu_unhex(v->body, &n);

                expected_flips += (unsigned) n * 8;
                for (size_t bit = 0; bit < n * 8; bit++) {
                        b[bit / 8] ^= (uint8_t) (1U << (bit % 8));
                        flips++;
                        if (auth_verify(v->sec, b, n, v->mac, si, sp) == -EKEYREJECTED)
                                rejected++;
                        else
                                ck_abort_msg("%s: body bit %zu flip accepted", v->name, bit);
                        b[bit / 8] ^= (uint8_t) (1U << (bit % 8));
                }
                ck_assert_int_eq(auth_verify(v->sec, b, n, v->mac, si, sp), 0); /* restored */
                free(b);
        }
        /* 3 TV-A bodies * 176 + 2 TV-A PINMAC * 176 + 7 TV-B * 1136 bits */
        ck_assert_uint_eq(expected_flips, 5 * 22 * 8 + 7 * 142 * 8);
        ck_assert_uint_eq(flips, expected_flips);
        ck_assert_uint_eq(rejected, flips); /* 100% */
}
END_TEST

START_TEST(test_bitflip_mac) {
        unsigned flips = 0, rejected = 0;

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                size_t n;
                uint8_t *b;

                if (!v->mac)
                        continue;
                b = tu_unhex(v->body, &n);
                for (size_t bit = 0; bit < AUTH_MAC_LEN * 8; bit++) {
                        char mac[AUTH_MAC_HEX_LEN + 1];

                        flip_mac_hex(v->mac, bit, mac);
                        flips++;
                        if (verify_vec(v, b, n, mac, v->imsi, v->pin) == -EKEYREJECTED)
                                rejected++;
                }
                free(b);
        }
        ck_assert_uint_eq(flips, 8 * AUTH_MAC_LEN * 8); /* 8 vectors carry a MAC */
        ck_assert_uint_eq(rejected, flips);
}
END_TEST

START_TEST(test_pinmac_digit_flip) {
        /* every single wrong check digit (and every wrong K digit) is rejected */
        unsigned tries = 0, rejected = 0;

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                size_t n, len;
                uint8_t *b;

                if (v->sec != AUTH_USERPINMAC)
                        continue;
                b = tu_unhex(v->body, &n);
                len = strlen(v->pin);
                for (size_t pos = 0; pos < len; pos++)
                        for (char d = '0'; d <= '9'; d++) {
                                char pin[AUTH_PINMAC_LEN_MAX + 1];

                                if (d == v->pin[pos])
                                        continue;
                                memcpy(pin, v->pin, len + 1);
                                pin[pos] = d;
                                tries++;
                                if (verify_vec(v, b, n, NULL, NULL, pin) == -EKEYREJECTED)
                                        rejected++;
                        }
                free(b);
        }
        ck_assert_uint_eq(tries, 9 * (8 + 16 + 8 + 16));
        /* a wrong K digit has a 10^-n chance to produce the same check digits; none here */
        ck_assert_uint_eq(rejected, tries);
}
END_TEST

START_TEST(test_mac_text) {
        const Vector *v = &vectors[1]; /* TV-A USERPIN */
        char mac[64];
        size_t n;
        uint8_t *b = tu_unhex(v->body, &n);

        ck_assert_int_eq(verify_vec(v, b, n, v->mac, NULL, "1234"), 0);
        /* 39 and 41 characters */
        snprintf(mac, sizeof mac, "%.39s", v->mac);
        ck_assert_int_eq(verify_vec(v, b, n, mac, NULL, "1234"), -EKEYREJECTED);
        snprintf(mac, sizeof mac, "%s0", v->mac);
        ck_assert_int_eq(verify_vec(v, b, n, mac, NULL, "1234"), -EKEYREJECTED);
        /* a non-hex digit, quotes, spaces, empty, missing */
        snprintf(mac, sizeof mac, "%s", v->mac);
        mac[7] = 'G';
        ck_assert_int_eq(verify_vec(v, b, n, mac, NULL, "1234"), -EKEYREJECTED);
        snprintf(mac, sizeof mac, "\"%.38s\"", v->mac);
        ck_assert_int_eq(verify_vec(v, b, n, mac, NULL, "1234"), -EKEYREJECTED);
        snprintf(mac, sizeof mac, " %.39s", v->mac);
        ck_assert_int_eq(verify_vec(v, b, n, mac, NULL, "1234"), -EKEYREJECTED);
        ck_assert_int_eq(verify_vec(v, b, n, "", NULL, "1234"), -EKEYREJECTED);
        ck_assert_int_eq(verify_vec(v, b, n, NULL, NULL, "1234"), -EKEYREJECTED);
        /* the MAC of another body */
        ck_assert_int_eq(verify_vec(v, b, n, vectors[7].mac, NULL, "1234"), -EKEYREJECTED);
        free(b);
}
END_TEST

START_TEST(test_wrong_imsi) {
        static const char *const bad[] = {
                "262011234567891", /* one digit off (15) */
                "21407650123457",  /* one digit off (14) */
                "26201123456789",  /* 15-digit IMSI with its last digit dropped */
                "12345",           /* too short (5) */
                "1234567890123456",/* too long (16) */
                "26201123456789a", /* not digits */
                "2620112345 7890",
        };
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                size_t n;
                uint8_t *b;

                if (!auth_needs_imsi(v->sec))
                        continue;
                b = tu_unhex(v->body, &n);
                for (size_t k = 0; k < ELEMENTSOF(bad); k++)
                        ck_assert_int_eq(verify_vec(v, b, n, v->mac, bad[k], v->pin), -EKEYREJECTED);
                /* IMSI unknown */
                ck_assert_int_eq(verify_vec(v, b, n, v->mac, NULL, v->pin), -EKEYREJECTED);
                free(b);
        }
        /* validation limits */
        ck_assert_int_eq(auth_imsi_check("12345", 5), -EINVAL);
        ck_assert_int_eq(auth_imsi_check("123456", 6), 0);
        ck_assert_int_eq(auth_imsi_check("123456789012345", 15), 0);
        ck_assert_int_eq(auth_imsi_check("1234567890123456", 16), -EINVAL);
        ck_assert_int_eq(auth_imsi_check("12345x", 6), -EINVAL);
}
END_TEST

START_TEST(test_wrong_pin) {
        static const char *const bad[] = { "1235", "12345", "4321", "123", "", "12346141" };

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const Vector *v = &vectors[i];
                size_t n;
                uint8_t *b;

                if (!auth_needs_pin(v->sec))
                        continue;
                b = tu_unhex(v->body, &n);
                for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                        if (strcmp(bad[k], v->pin) == 0 || bad[k][0] == '\0')
                                continue;
                        ck_assert_int_eq(verify_vec(v, b, n, v->mac, v->imsi, bad[k]), -EKEYREJECTED);
                }
                /* no PIN at all */
                ck_assert_int_eq(verify_vec(v, b, n, v->mac, v->imsi, NULL), -EKEYREJECTED);
                free(b);
        }
        /* NETWPIN ignores a PIN; USERPIN ignores an IMSI */
        {
                size_t n;
                uint8_t *b = tu_unhex(TV_A, &n);

                ck_assert_int_eq(verify_vec(&vectors[0], b, n, vectors[0].mac, IMSI15, "9999"), 0);
                ck_assert_int_eq(verify_vec(&vectors[1], b, n, vectors[1].mac, IMSI14, "1234"), 0);
                /* the USERPIN MAC does not verify as NETWPIN, nor the NETWPIN one as USERNETWPIN */
                ck_assert_int_eq(verify_vec(&vectors[0], b, n, vectors[1].mac, IMSI15, NULL), -EKEYREJECTED);
                ck_assert_int_eq(verify_vec(&vectors[2], b, n, vectors[0].mac, IMSI15, "1234"), -EKEYREJECTED);
                free(b);
        }
}
END_TEST

static int verify_userpin_of_len(AuthMethod sec, size_t pin_len, char fill) {
        _cleanup_secret_ Secret *pin = NULL, *imsi = sec_str(IMSI15);
        char p[AUTH_PIN_LEN_MAX + 8], mac[AUTH_MAC_HEX_LEN + 1];
        uint8_t body[] = { 1, 2, 3 }, key[AUTH_KEY_MAX + 8], m[AUTH_MAC_LEN];
        unsigned mlen = 0;
        size_t klen = 0;
        static const char hex[] = "0123456789ABCDEF";

        memset(p, fill, pin_len);
        p[pin_len] = '\0';
        pin = sec_str(p);
        /* an independent HMAC with OpenSSL's one-shot API, so out-of-limit PINs get a right MAC */
        if (sec == AUTH_USERNETWPIN) {
                size_t kn;
                uint8_t *k = tu_unhex("2926102143658709", &kn);

                memcpy(key, k, kn);
                klen = kn;
                free(k);
        }
        memcpy(key + klen, p, pin_len);
        klen += pin_len;
        ck_assert_ptr_nonnull(HMAC(EVP_sha1(), key, (int) klen, body, sizeof body, m, &mlen));
        for (size_t i = 0; i < AUTH_MAC_LEN; i++) {
                mac[2 * i] = hex[m[i] >> 4];
                mac[2 * i + 1] = hex[m[i] & 0xF];
        }
        mac[AUTH_MAC_HEX_LEN] = '\0';
        return auth_verify(sec, body, sizeof body, mac, imsi, pin);
}

START_TEST(test_pin_limits) {
        AuthMethod s[] = { AUTH_USERPIN, AUTH_USERNETWPIN };

        for (size_t i = 0; i < ELEMENTSOF(s); i++) {
                ck_assert_int_eq(verify_userpin_of_len(s[i], AUTH_PIN_LEN_MIN - 1, '7'), -EKEYREJECTED);
                ck_assert_int_eq(verify_userpin_of_len(s[i], AUTH_PIN_LEN_MIN, '7'), 0);
                ck_assert_int_eq(verify_userpin_of_len(s[i], AUTH_PIN_LEN_MAX, '7'), 0);
                ck_assert_int_eq(verify_userpin_of_len(s[i], AUTH_PIN_LEN_MAX + 1, '7'), -EKEYREJECTED);
                ck_assert_int_eq(verify_userpin_of_len(s[i], AUTH_PIN_LEN_MIN, ' '), -EKEYREJECTED);
                ck_assert_int_eq(verify_userpin_of_len(s[i], AUTH_PIN_LEN_MIN, 'a'), 0); /* printable ok */
        }
        ck_assert_uint_eq(AUTH_PIN_LEN_MIN, 4);
        ck_assert_uint_eq(AUTH_PIN_LEN_MAX, 32);
}
END_TEST

/* A USERPINMAC string for K (any length) computed with OpenSSL's one-shot HMAC. */
static void pinmac_manual(const uint8_t *body, size_t len, const char *k, char *out) {
        uint8_t m[AUTH_MAC_LEN];
        unsigned mlen = 0;
        size_t n = strlen(k);

        ck_assert_ptr_nonnull(HMAC(EVP_sha1(), k, (int) n, body, len, m, &mlen));
        strcpy(out, k);
        for (size_t i = 0; i < n; i++)
                out[n + i] = (char) ('0' + (i < AUTH_MAC_LEN ? m[i] : 0) % 10);
        out[2 * n] = '\0';
}

START_TEST(test_pinmac_limits) {
        uint8_t body[] = { 0x03, 0x0B, 0x6A, 0x00 };
        char pin[2 * AUTH_PINMAC_HALF_MAX + 8];
        Vector v = { "pinmac", NULL, AUTH_USERPINMAC, NULL, NULL, NULL };

        /* half of 3 digits: right check digits, but below the limit */
        pinmac_manual(body, sizeof body, "123", pin);
        ck_assert_int_eq(verify_vec(&v, body, sizeof body, NULL, NULL, pin), -EKEYREJECTED);
        /* at the lower limit */
        pinmac_manual(body, sizeof body, "1234", pin);
        ck_assert_int_eq(verify_vec(&v, body, sizeof body, NULL, NULL, pin), 0);
        /* at the upper limit: 20 + 20 digits */
        pinmac_manual(body, sizeof body, "12345678901234567890", pin);
        ck_assert_uint_eq(strlen(pin), 2 * AUTH_PINMAC_HALF_MAX);
        ck_assert_int_eq(verify_vec(&v, body, sizeof body, NULL, NULL, pin), 0);
        /* past it: 21 + 21 digits */
        pinmac_manual(body, sizeof body, "123456789012345678901", pin);
        ck_assert_int_eq(verify_vec(&v, body, sizeof body, NULL, NULL, pin), -EKEYREJECTED);
        /* odd length (a right 8-digit string with one more digit), non-digits */
        pinmac_manual(body, sizeof body, "1234", pin);
        strcat(pin, "0");
        ck_assert_int_eq(verify_vec(&v, body, sizeof body, NULL, NULL, pin), -EKEYREJECTED);
        pinmac_manual(body, sizeof body, "123a", pin);
        ck_assert_int_eq(verify_vec(&v, body, sizeof body, NULL, NULL, pin), -EKEYREJECTED);
        /* the header MAC is ignored for USERPINMAC, whatever it says */
        pinmac_manual(body, sizeof body, "1234", pin);
        ck_assert_int_eq(verify_vec(&v, body, sizeof body, "junk", NULL, pin), 0);
        ck_assert_uint_eq(AUTH_PINMAC_HALF_MIN, 4);
        ck_assert_uint_eq(AUTH_PINMAC_HALF_MAX, AUTH_MAC_LEN);
}
END_TEST

START_TEST(test_pin_format) {
        static const struct {
                AuthMethod sec;
                const char *pin;
                int r;
        } t[] = {
                { AUTH_USERPIN, "123", -EINVAL },
                { AUTH_USERPIN, "1234", 0 },
                { AUTH_USERPIN, "12345678901234567890123456789012", 0 },
                { AUTH_USERPIN, "123456789012345678901234567890123", -EINVAL },
                { AUTH_USERPIN, "12\t4", -EINVAL },
                { AUTH_USERNETWPIN, "abcd", 0 },
                { AUTH_USERPINMAC, "1234567", -EINVAL },
                { AUTH_USERPINMAC, "12345678", 0 },
                { AUTH_USERPINMAC, "1234567890123456789012345678901234567890", 0 },
                { AUTH_USERPINMAC, "123456789012345678901234567890123456789012", -EINVAL },
                { AUTH_USERPINMAC, "123456789", -EINVAL },
                { AUTH_USERPINMAC, "1234567a", -EINVAL },
                { AUTH_NETWPIN, "1234", -EINVAL },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_secret_ Secret *p = sec_str(t[i].pin);

                ck_assert_msg(auth_pin_check_format(t[i].sec, p) == t[i].r, "%zu", i);
        }
        ck_assert_int_eq(auth_pin_check_format(AUTH_USERPIN, NULL), -EINVAL);
}
END_TEST

START_TEST(test_bad_sec) {
        uint8_t b[] = { 1 };

        ck_assert_int_eq(auth_verify(AUTH_NONE, b, 1, NULL, NULL, NULL), -EINVAL);
        ck_assert_int_eq(auth_verify(_AUTH_SEC_MAX, b, 1, NULL, NULL, NULL), -EINVAL);
        ck_assert(!auth_needs_pin(AUTH_NETWPIN));
        ck_assert(auth_needs_pin(AUTH_USERPIN));
        ck_assert(auth_needs_pin(AUTH_USERNETWPIN));
        ck_assert(auth_needs_pin(AUTH_USERPINMAC));
        ck_assert(!auth_needs_pin(AUTH_NONE));
        ck_assert(auth_needs_imsi(AUTH_NETWPIN));
        ck_assert(auth_needs_imsi(AUTH_USERNETWPIN));
        ck_assert(!auth_needs_imsi(AUTH_USERPIN));
        ck_assert(!auth_needs_mac(AUTH_USERPINMAC));
}
END_TEST

START_TEST(test_hmac_matches_openssl) {
        /* RFC 2202 test case 1, then many lengths against the one-shot HMAC() */
        uint8_t key[20], m[AUTH_MAC_LEN], m2[AUTH_MAC_LEN], data[300];
        unsigned mlen;
        size_t n;
        uint8_t *want = tu_unhex("b617318655057264e28bc0b6fb378c8ef146be00", &n);

        memset(key, 0x0b, sizeof key);
        ck_assert_int_eq(auth_hmac_sha1(key, sizeof key, (const uint8_t *) "Hi There", 8, m), 0);
        ck_assert_int_eq(memcmp(m, want, AUTH_MAC_LEN), 0);
        free(want);
        for (size_t i = 0; i < sizeof data; i++)
                data[i] = (uint8_t) (i * 7 + 3);
        for (size_t len = 0; len <= sizeof data; len += 13) {
                ck_assert_int_eq(auth_hmac_sha1(data, len % 70 + 1, data, len, m), 0);
                ck_assert_ptr_nonnull(HMAC(EVP_sha1(), data, (int) (len % 70 + 1), data, len, m2, &mlen));
                ck_assert_int_eq(memcmp(m, m2, AUTH_MAC_LEN), 0);
        }
}
END_TEST

START_TEST(test_constant_time_compare) {
        /* documented choice (R3.1): CRYPTO_memcmp over all 20 octets, no early exit; a MAC that
         * differs in its first octet and one that differs in its last are both plain rejections */
        const Vector *v = &vectors[0];
        char first[AUTH_MAC_HEX_LEN + 1], last[AUTH_MAC_HEX_LEN + 1];
        size_t n;
        uint8_t *b = tu_unhex(v->body, &n);

        ck_assert_str_eq(auth_compare_primitive(), "CRYPTO_memcmp");
        flip_mac_hex(v->mac, 0, first);
        flip_mac_hex(v->mac, AUTH_MAC_LEN * 8 - 1, last);
        ck_assert_int_eq(verify_vec(v, b, n, first, v->imsi, NULL), -EKEYREJECTED);
        ck_assert_int_eq(verify_vec(v, b, n, last, v->imsi, NULL), -EKEYREJECTED);
        free(b);
}
END_TEST

/* Permissions of the mapping holding @p, from /proc/self/maps ("r--p", "---p", ...). */
static void page_perms(const void *p, char perms[5]) {
        FILE *f = fopen("/proc/self/maps", "re");
        char line[512];
        uintptr_t a = (uintptr_t) p;

        ck_assert_ptr_nonnull(f);
        strcpy(perms, "????");
        while (fgets(line, sizeof line, f)) {
                unsigned long lo, hi;
                char pr[5];

                if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pr) == 3 && a >= lo && a < hi) {
                        memcpy(perms, pr, 5);
                        break;
                }
        }
        fclose(f);
}

START_TEST(test_secret_guarded) {
        _cleanup_secret_ Secret *s = NULL;
        const uint8_t *ro;
        uint8_t *rw;
        char perms[5];

        ck_assert_int_eq(secret_new(16, &s), 0);
        ck_assert_uint_eq(secret_size(s), 16);
        ck_assert(!secret_is_acquired(s));
        rw = secret_acquire_rw(s);
        ck_assert_ptr_nonnull(rw);
        page_perms(rw, perms);
        ck_assert_str_eq(perms, "rw-p");
        for (size_t i = 0; i < 16; i++)
                ck_assert_uint_eq(rw[i], 0); /* zero-filled */
        memcpy(rw, "0123456789abcdef", 16);
        ck_assert_ptr_null(secret_acquire_ro(NULL));
        secret_release(s);
        /* idle: the page is mapped with no access at all */
        page_perms(rw, perms);
        ck_assert_str_eq(perms, "---p");
        ro = secret_acquire_ro(s);
        ck_assert_ptr_eq(ro, rw);
        page_perms(ro, perms);
        ck_assert_str_eq(perms, "r--p");
        ck_assert_ptr_null(secret_acquire_rw(s)); /* no writer while a reader holds it */
        ck_assert_ptr_eq(secret_acquire_ro(s), ro); /* nested readers */
        secret_release(s);
        ck_assert(secret_is_acquired(s));
        page_perms(ro, perms);
        ck_assert_str_eq(perms, "r--p");
        ck_assert_int_eq(memcmp(ro, "0123456789abcdef", 16), 0);
        secret_release(s);
        ck_assert(!secret_is_acquired(s));
        page_perms(ro, perms);
        ck_assert_str_eq(perms, "---p");
}
END_TEST

START_TEST(test_secret_api) {
        _cleanup_secret_ Secret *a = NULL, *b = NULL, *c = NULL, *big = NULL;

        ck_assert_int_eq(secret_new(0, &a), -EINVAL);
        ck_assert_int_eq(secret_new(SECRET_SIZE_MAX + 1, &a), -EINVAL);
        ck_assert_ptr_null(a);
        ck_assert_int_eq(secret_new(SECRET_SIZE_MAX, &big), 0);
        ck_assert_int_eq(secret_new_from_string("", &a), -EINVAL);
        ck_assert_int_eq(secret_new_from_string("ab", &a), 0);
        ck_assert_int_eq(secret_new_from("cde", 3, &b), 0);
        ck_assert_int_eq(secret_concat(a, b, &c), 0);
        ck_assert_uint_eq(secret_size(c), 5);
        ck_assert_int_eq(memcmp(secret_acquire_ro(c), "abcde", 5), 0);
        secret_release(c);
        ck_assert(!secret_is_acquired(a) && !secret_is_acquired(b) && !secret_is_acquired(c));
        secret_free(c);
        c = NULL;
        ck_assert_int_eq(secret_concat(big, a, &c), -EINVAL);
        ck_assert_ptr_null(secret_free(NULL));
        secret_release(NULL);
}
END_TEST

START_TEST(test_harden_process) {
        struct rlimit rl;

        ck_assert_int_eq(secret_harden_process(), 0);
        ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
        ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
        ck_assert_uint_eq(rl.rlim_cur, 0);
        ck_assert_uint_eq(rl.rlim_max, 0);
}
END_TEST

int main(void) {
        Suite *s = suite_create("auth");
        TCase *tv = tcase_create("/auth/vectors");
        TCase *neg = tcase_create("/auth/reject");
        TCase *lim = tcase_create("/auth/limits");
        TCase *sec = tcase_create("/auth/secret");

        TU_ADD(tv, test_vectors_accept);
        TU_ADD(tv, test_mac_from_hex_limits);
        TU_ADD(tv, test_vectors_lowercase_mac);
        TU_ADD(tv, test_vectors_compute);
        TU_ADD(tv, test_userpinmac_mac_prefix);
        TU_ADD(tv, test_netwpin_keys);
        TU_ADD(tv, test_derived_keys);
        TU_ADD(tv, test_vectors_authkey);
        TU_ADD(tv, test_hmac_matches_openssl);
        TU_ADD(neg, test_bitflip_body);
        TU_ADD(neg, test_bitflip_mac);
        TU_ADD(neg, test_pinmac_digit_flip);
        TU_ADD(neg, test_mac_text);
        TU_ADD(neg, test_wrong_imsi);
        TU_ADD(neg, test_wrong_pin);
        TU_ADD(neg, test_constant_time_compare);
        TU_ADD(neg, test_bad_sec);
        TU_ADD(lim, test_pin_limits);
        TU_ADD(lim, test_pinmac_limits);
        TU_ADD(lim, test_pin_format);
        TU_ADD(sec, test_secret_guarded);
        TU_ADD(sec, test_secret_api);
        TU_ADD(sec, test_harden_process);
        tcase_set_timeout(neg, 60);
        suite_add_tcase(s, tv);
        suite_add_tcase(s, neg);
        suite_add_tcase(s, lim);
        suite_add_tcase(s, sec);
        return tu_run(s);
}
