/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-cred.c: the OMA DM digests (verifierd/dm-cred.c) against the vectors of the project's
 * DM reference (docs/: the DM route, acceptance test 1): the syncml:auth-basic and
 * syncml:auth-md5 examples of OMA-TS-DM_Protocol-V1_2 §2.4.4.1 / OMA-TS-DM_Security-V1_2
 * §5.1.3.2, the package-0 own vector, an HMAC computed independently with the openssl CLI,
 * and the strict base64 decoder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "verifierd/dm-cred.h"
#include "dm-pkg0.h"
#include "macros.h"
#include "testutil.h"

#define U8(s) ((const uint8_t *) (s))

START_TEST(test_basic_vector) {
        char *b64 = NULL;

        ck_assert_int_eq(dm_cred_basic("Bruce2", U8("OhBehave"), 8, &b64), 0);
        ck_assert_str_eq(b64, "QnJ1Y2UyOk9oQmVoYXZl");
        free(b64);
        ck_assert_int_eq(dm_cred_basic("Bru:ce", U8("x"), 1, &b64), -EINVAL); /* ':' in the user */
}
END_TEST

/* DM_CRED_USER_MAX and DM_CRED_SECRET_MAX at and past them */
START_TEST(test_basic_limits) {
        _cleanup_free_ char *user = malloc(DM_CRED_USER_MAX + 2);
        _cleanup_free_ uint8_t *pw = malloc(DM_CRED_SECRET_MAX + 1);
        char *b64 = NULL;

        ck_assert_ptr_nonnull(user);
        ck_assert_ptr_nonnull(pw);
        memset(user, 'u', DM_CRED_USER_MAX);
        user[DM_CRED_USER_MAX] = 0;
        memset(pw, 'p', DM_CRED_SECRET_MAX + 1);
        ck_assert_int_eq(dm_cred_basic(user, pw, DM_CRED_SECRET_MAX, &b64), 0);
        ck_assert_uint_eq(strlen(b64), (DM_CRED_USER_MAX + 1 + DM_CRED_SECRET_MAX + 2) / 3 * 4);
        free(b64);
        b64 = NULL;
        ck_assert_int_eq(dm_cred_basic(user, pw, DM_CRED_SECRET_MAX + 1, &b64), -E2BIG);
        ck_assert_ptr_null(b64);
        user[DM_CRED_USER_MAX] = 'u';
        user[DM_CRED_USER_MAX + 1] = 0;
        ck_assert_int_eq(dm_cred_basic(user, pw, 1, &b64), -E2BIG);
        ck_assert_ptr_null(b64);
}
END_TEST

START_TEST(test_md5_vector) {
        char *b64 = NULL;

        /* The spec vector holds only with the raw nonce bytes "Nonce", not their base64. */
        ck_assert_int_eq(dm_cred_md5("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, &b64), 0);
        ck_assert_str_eq(b64, "Zz6EivR3yeaaENcRN6lpAQ==");
        free(b64);
        ck_assert(dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, "Zz6EivR3yeaaENcRN6lpAQ=="));
        /* a wrong password, nonce, user, or a changed/malformed/short text: all mismatches */
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehavf"), 8, U8("Nonce"), 5, "Zz6EivR3yeaaENcRN6lpAQ=="));
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Tm9uY2U="), 8, "Zz6EivR3yeaaENcRN6lpAQ=="));
        ck_assert(!dm_cred_md5_verify("Bruce3", U8("OhBehave"), 8, U8("Nonce"), 5, "Zz6EivR3yeaaENcRN6lpAQ=="));
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, "Zz6EivR3yeaaENcRN6lpAA=="));
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, "Zz6EivR3yeaaENcRN6lpAQ"));
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, " Zz6EivR3yeaaENcRN6lpAQ=="));
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, "Zz6EivR3yeaa"));
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, ""));
        ck_assert(!dm_cred_md5_verify("Bruce2", U8("OhBehave"), 8, U8("Nonce"), 5, NULL));
}
END_TEST

START_TEST(test_hmac_vector) {
        static const char body[] = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr/></SyncML>";
        char *b64 = NULL;

        /*
         * Computed independently with the openssl CLI (OpenSSL 3.0, Debian 12):
         *   body='<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr/></SyncML>'
         *   printf '%s' "$(printf 'dmuser:dmsecret' | openssl md5 -binary | base64):ServerNonce1:$(
         *     printf '%s' "$body" | openssl md5 -binary | base64)" | openssl md5 -binary | base64
         *   -> KnlM/2yhHBS0+byctmxthA==
         */
        ck_assert_int_eq(dm_cred_hmac("dmuser", U8("dmsecret"), 8, U8("ServerNonce1"), 12, U8(body), strlen(body),
                                      &b64),
                         0);
        ck_assert_str_eq(b64, "KnlM/2yhHBS0+byctmxthA==");
        free(b64);
        ck_assert(dm_cred_hmac_verify("dmuser", U8("dmsecret"), 8, U8("ServerNonce1"), 12, U8(body), strlen(body),
                                      "KnlM/2yhHBS0+byctmxthA=="));
        /* one body byte less */
        ck_assert(!dm_cred_hmac_verify("dmuser", U8("dmsecret"), 8, U8("ServerNonce1"), 12, U8(body),
                                       strlen(body) - 1, "KnlM/2yhHBS0+byctmxthA=="));
}
END_TEST

START_TEST(test_pkg0_vector) {
        size_t n;
        uint8_t *p = tu_unhex("47e146a531312ca7b1d11609805ac301 02d80000001a2b07 646d2e74657374", &n);
        uint8_t md[16];
        DmPkg0 pk;
        char sid[5];

        ck_assert_int_eq(dm_pkg0_parse(p, n, &pk), 0);
        ck_assert_str_eq(pk.server_id, "dm.test");
        dm_pkg0_session_id_hex(pk.session_id, sid);
        ck_assert_str_eq(sid, "1A2B");
        ck_assert_int_eq(dm_pkg0_digest(pk.server_id, U8("serversecret"), 12, U8("SrvNonce"), 8, pk.trigger,
                                        pk.trigger_len, md),
                         0);
        ck_assert_int_eq(memcmp(md, p, 16), 0);
        ck_assert(dm_pkg0_digest_verify(pk.server_id, U8("serversecret"), 12, U8("SrvNonce"), 8, pk.trigger,
                                        pk.trigger_len, pk.digest));
        /* the wrong secret, nonce, or the resync nonce: no match */
        ck_assert(!dm_pkg0_digest_verify(pk.server_id, U8("serversecreT"), 12, U8("SrvNonce"), 8, pk.trigger,
                                         pk.trigger_len, pk.digest));
        ck_assert(!dm_pkg0_digest_verify(pk.server_id, U8("serversecret"), 12, U8("\0\0\0\0"), 4, pk.trigger,
                                         pk.trigger_len, pk.digest));
        /* one trigger bit flipped (the ui-mode) */
        p[16] ^= 0x10;
        ck_assert(!dm_pkg0_digest_verify("dm.test", U8("serversecret"), 12, U8("SrvNonce"), 8, p + 16, n - 16,
                                         p));
        free(p);
}
END_TEST

START_TEST(test_b64_strict) {
        static const struct {
                const char *in;
                int r;
                const char *out;
        } t[] = {
                { "", 0, "" },
                { "Zg==", 0, "f" },
                { "Zm8=", 0, "fo" },
                { "Zm9v", 0, "foo" },
                { "Tm9uY2U=", 0, "Nonce" },
                { "Zh==", -EBADMSG, NULL },   /* non-zero unused bits */
                { "Zm9=", -EBADMSG, NULL },   /* non-zero unused bits */
                { "Zg=", -EBADMSG, NULL },    /* not a multiple of 4 */
                { "Zg", -EBADMSG, NULL },     /* padding required */
                { "Z===", -EBADMSG, NULL },
                { "====", -EBADMSG, NULL },
                { "Zg==Zg==", -EBADMSG, NULL }, /* characters after the padding */
                { "Zm9v\n", -EBADMSG, NULL },
                { "Zm 9", -EBADMSG, NULL },
                { "Zm9-", -EBADMSG, NULL },   /* URL alphabet */
                { "Zm_v", -EBADMSG, NULL },
                { "Z=9v", -EBADMSG, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint8_t *b = NULL;
                size_t n = 0;
                int r = dm_b64_decode(t[i].in, &b, &n);

                ck_assert_msg(r == t[i].r, "%s: %d", t[i].in, r);
                if (r == 0) {
                        ck_assert_uint_eq(n, strlen(t[i].out));
                        ck_assert_int_eq(memcmp(b, t[i].out, n), 0);
                        free(b);
                }
        }
}
END_TEST

START_TEST(test_b64_limit) {
        char *s = malloc(DM_B64_MAX + 5);
        uint8_t *b = NULL;
        size_t n;
        char *e = NULL;

        memset(s, 'A', DM_B64_MAX);
        s[DM_B64_MAX] = 0;
        ck_assert_int_eq(dm_b64_decode(s, &b, &n), 0); /* at the limit */
        ck_assert_uint_eq(n, DM_B64_MAX / 4 * 3);
        ck_assert_int_eq(dm_b64_encode(b, n, &e), 0); /* and back */
        ck_assert_str_eq(e, s);
        free(e);
        free(b);
        memcpy(s + DM_B64_MAX, "AAAA", 5);
        ck_assert_int_eq(dm_b64_decode(s, &b, &n), -E2BIG); /* past it */
        free(s);
}
END_TEST

int main(void) {
        Suite *s = suite_create("dm-cred");
        TCase *tc = tcase_create("/dm-cred");

        TU_ADD(tc, test_basic_vector);
        TU_ADD(tc, test_basic_limits);
        TU_ADD(tc, test_md5_vector);
        TU_ADD(tc, test_hmac_vector);
        TU_ADD(tc, test_pkg0_vector);
        TU_ADD(tc, test_b64_strict);
        TU_ADD(tc, test_b64_limit);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
