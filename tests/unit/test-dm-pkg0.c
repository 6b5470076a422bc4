/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-pkg0.c: the package-0 parser (common/dm-pkg0.c, OMA-TS-DM_Notification-V1_2
 * §6.2.2): the own vector of the project's DM reference, asymmetric session ids, every field
 * error, and DM_PKG0_MAX at and past the limit.
 */
#include <errno.h>
#include <string.h>

#include "dm-pkg0.h"
#include "macros.h"
#include "testutil.h"

#define DIGEST "47e146a531312ca7b1d11609805ac301"

static int parse_hex(const char *hex, DmPkg0 *p) {
        size_t n;
        uint8_t *b = tu_unhex(hex, &n);
        int r = dm_pkg0_parse(b, n, p);

        free(b);
        return r;
}

START_TEST(test_vector) {
        size_t n;
        uint8_t *b = tu_unhex(DIGEST "02d80000001a2b07 646d2e74657374", &n);
        DmPkg0 p;

        ck_assert_int_eq(dm_pkg0_parse(b, n, &p), 0);
        ck_assert_uint_eq(p.version, 11);
        ck_assert_uint_eq(p.ui_mode, DM_PKG0_UI_BACKGROUND);
        ck_assert(p.server_initiated);
        ck_assert_uint_eq(p.session_id, 0x1A2B);
        ck_assert_str_eq(p.server_id, "dm.test");
        ck_assert_ptr_eq(p.trigger, b + 16);
        ck_assert_uint_eq(p.trigger_len, 15);
        ck_assert_ptr_null(p.vendor);
        ck_assert_uint_eq(p.vendor_len, 0);
        ck_assert_int_eq(memcmp(p.digest, b, 16), 0);
        free(b);
}
END_TEST

START_TEST(test_fields) {
        size_t n;
        uint8_t *b = tu_unhex(DIGEST "02f000000000ab01 41 beef", &n);
        DmPkg0 p;

        /* ui-mode 3, user-initiated, session 0x00AB, a 2-byte vendor body */
        ck_assert_int_eq(dm_pkg0_parse(b, n, &p), 0);
        ck_assert_uint_eq(p.ui_mode, DM_PKG0_UI_USER_INTERACTION);
        ck_assert(!p.server_initiated);
        ck_assert_uint_eq(p.session_id, 0xAB);
        ck_assert_str_eq(p.server_id, "A");
        ck_assert_uint_eq(p.vendor_len, 2);
        ck_assert_uint_eq(p.vendor[0], 0xBE);
        ck_assert_uint_eq(p.trigger_len, 8 + 1 + 2);
        free(b);
}
END_TEST

START_TEST(test_session_id_hex) {
        static const struct {
                uint16_t id;
                const char *s;
        } t[] = {
                { 0x1A2B, "1A2B" }, { 0x2B1A, "2B1A" }, { 0x00AB, "AB" }, { 0x0001, "1" },
                { 0xF00F, "F00F" }, { 0xFFFF, "FFFF" }, { 0x0A0B, "A0B" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                char s[5];

                dm_pkg0_session_id_hex(t[i].id, s);
                ck_assert_str_eq(s, t[i].s);
        }
}
END_TEST

START_TEST(test_errors) {
        DmPkg0 p = { .session_id = 77 };

        ck_assert_int_eq(parse_hex("", &p), -EBADMSG);
        ck_assert_int_eq(parse_hex(DIGEST, &p), -EBADMSG);                           /* no header */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b", &p), -EBADMSG);          /* short header */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b07 646d2e746573", &p), -EBADMSG); /* id cut */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b00", &p), -EBADMSG);        /* empty id */
        ck_assert_int_eq(parse_hex(DIGEST "02d8000000000007 646d2e74657374", &p), -EBADMSG); /* session 0 */
        ck_assert_int_eq(parse_hex(DIGEST "02d80001001a2b07 646d2e74657374", &p), -EBADMSG); /* future bit */
        ck_assert_int_eq(parse_hex(DIGEST "02dc0000001a2b07 646d2e74657374", &p), -EBADMSG); /* top future bit */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000801a2b07 646d2e74657374", &p), -EBADMSG); /* low future bit */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b07 646d0074657374", &p), -EBADMSG); /* NUL in id */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b07 646d0a74657374", &p), -EBADMSG); /* LF in id */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b07 646d7f74657374", &p), -EBADMSG); /* DEL */
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b07 646dc374657374", &p), -EBADMSG); /* 8-bit */
        ck_assert_int_eq(parse_hex(DIGEST "03180000001a2b07 646d2e74657374", &p), -EOPNOTSUPP); /* 1.2 */
        ck_assert_int_eq(parse_hex(DIGEST "0298 0000001a2b07 646d2e74657374", &p), -EOPNOTSUPP); /* 1.0 */
        ck_assert_uint_eq(p.session_id, 77); /* untouched on failure */
}
END_TEST

START_TEST(test_max) {
        uint8_t b[DM_PKG0_MAX + 1];
        size_t n;
        uint8_t *h = tu_unhex("02d80000001a2b ff", &n);
        DmPkg0 p;

        memset(b, 'x', sizeof b);
        memcpy(b + 16, h, n);
        free(h);
        /* server id of 255 bytes ('x'), then vendor bytes up to the limit */
        ck_assert_int_eq(dm_pkg0_parse(b, DM_PKG0_MAX, &p), 0);
        ck_assert_uint_eq(strlen(p.server_id), 255);
        ck_assert_uint_eq(p.vendor_len, DM_PKG0_MAX - 16 - 8 - 255);
        ck_assert_int_eq(dm_pkg0_parse(b, DM_PKG0_MAX + 1, &p), -E2BIG);
        /* the smallest one */
        ck_assert_int_eq(dm_pkg0_parse(b, 16 + 8 + 255, &p), 0);
        ck_assert_ptr_null(p.vendor);
        ck_assert_int_eq(dm_pkg0_parse(b, 16 + 8 + 254, &p), -EBADMSG);
        ck_assert_int_eq(parse_hex(DIGEST "02d80000001a2b01 41", &p), 0);
        ck_assert_uint_eq(DM_PKG0_MIN, 25);
}
END_TEST

int main(void) {
        Suite *s = suite_create("dm-pkg0");
        TCase *tc = tcase_create("/dm-pkg0");

        TU_ADD(tc, test_vector);
        TU_ADD(tc, test_fields);
        TU_ADD(tc, test_session_id_hex);
        TU_ADD(tc, test_errors);
        TU_ADD(tc, test_max);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
