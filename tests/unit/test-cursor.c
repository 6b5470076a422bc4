/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-cursor.c: the bounded reader (common/cursor.c). */
#include <errno.h>

#include "cursor.h"
#include "testutil.h"

START_TEST(test_uintvar_values) {
        static const struct {
                const char *hex;
                int r;
                uint32_t v;
                size_t used;
        } t[] = {
                { "2F", 0, 47, 1 },
                { "8100", 0, 128, 2 },
                { "8F FF FF FF 7F", 0, UINT32_MAX, 5 }, /* at the limit: 5 octets, 32 bits */
                { "90 80 80 80 00", -E2BIG, 0, 0 },     /* 5 octets but > 32 bits */
                { "81 80 80 80 80 00", -E2BIG, 0, 0 },  /* past the limit: 6 octets */
                { "81", -EBADMSG, 0, 0 },               /* truncated */
                { "", -EBADMSG, 0, 0 },
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                size_t n;
                uint8_t *b = tu_unhex(t[i].hex, &n);
                Cursor c;
                uint32_t v = 0xdeadbeef;
                int r;

                cursor_init(&c, b, n);
                r = cursor_uintvar(&c, &v);
                ck_assert_int_eq(r, t[i].r);
                if (r == 0) {
                        ck_assert_uint_eq(v, t[i].v);
                        ck_assert_uint_eq(c.pos, t[i].used);
                } else {
                        ck_assert_uint_eq(v, 0xdeadbeef); /* output untouched on failure */
                        ck_assert_uint_eq(c.pos, 0);      /* cursor did not move */
                }
                free(b);
        }
}
END_TEST

START_TEST(test_sub_bounds) {
        uint8_t b[4] = { 1, 2, 3, 4 };
        Cursor c, s;
        uint8_t v;

        cursor_init(&c, b, sizeof b);
        ck_assert_int_eq(cursor_sub(&c, 5, &s), -EBADMSG);
        ck_assert_uint_eq(c.pos, 0);
        ck_assert_int_eq(cursor_u8(&c, &v), 0);
        ck_assert_int_eq(cursor_sub(&c, 2, &s), 0);
        ck_assert_uint_eq(cursor_offset(&s), 1);
        ck_assert_int_eq(cursor_u8(&s, &v), 0);
        ck_assert_uint_eq(v, 2);
        ck_assert_int_eq(cursor_u8(&s, &v), 0);
        ck_assert_int_eq(cursor_u8(&s, &v), -EBADMSG); /* child cannot read past its window */
        ck_assert_int_eq(cursor_u8(&c, &v), 0);
        ck_assert_uint_eq(v, 4);
}
END_TEST

START_TEST(test_cstr) {
        uint8_t b[] = { 'a', 'b', 0, 'c' };
        Cursor c;
        const char *s;
        size_t n;

        cursor_init(&c, b, sizeof b);
        ck_assert_int_eq(cursor_cstr(&c, &s, &n), 0);
        ck_assert_str_eq(s, "ab");
        ck_assert_uint_eq(n, 2);
        ck_assert_int_eq(cursor_cstr(&c, &s, &n), -EBADMSG); /* "c" has no terminator */
        ck_assert_uint_eq(c.pos, 3);
}
END_TEST

int main(void) {
        Suite *s = suite_create("cursor");
        TCase *tc = tcase_create("/cursor");

        TU_ADD(tc, test_uintvar_values);
        TU_ADD(tc, test_sub_bounds);
        TU_ADD(tc, test_cstr);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
