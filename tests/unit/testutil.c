/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil.c: helpers for the Check unit tests. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int hexval(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        c = tolower(c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

uint8_t *tu_unhex(const char *hex, size_t *ret_len) {
        size_t n = strlen(hex), k = 0;
        uint8_t *out = malloc(n / 2 + 1);
        int hi = -1;

        ck_assert_ptr_nonnull(out);
        for (size_t i = 0; i < n; i++) {
                int v;

                if (isspace((unsigned char) hex[i]))
                        continue;
                v = hexval((unsigned char) hex[i]);
                ck_assert_msg(v >= 0, "bad hex digit at %zu", i);
                if (hi < 0)
                        hi = v;
                else {
                        out[k++] = (uint8_t) (hi << 4 | v);
                        hi = -1;
                }
        }
        ck_assert_msg(hi < 0, "odd number of hex digits");
        *ret_len = k;
        return out;
}

uint8_t *tu_read_file(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t cap = 0, len = 0;

        ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
        for (;;) {
                size_t k;

                if (len == cap) {
                        cap = cap ? cap * 2 : 4096;
                        buf = realloc(buf, cap);
                        ck_assert_ptr_nonnull(buf);
                }
                k = fread(buf + len, 1, cap - len, f);
                len += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        *ret_len = len;
        return buf;
}

int tu_run(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_set_fork_status(sr, CK_FORK);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? 0 : 1;
}
