/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-writer-wipe.c: the SyncML writer (verifierd/dm-syncml.c) holds the Cred (B64(user:pw)
 * for auth-basic) in its buffer: no block holding it may go back to the allocator unwiped, when
 * the buffer grows or when the writer is freed. Linked with -Wl,--wrap=free,--wrap=realloc
 * (verifierd/dm-syncml.mk): every free() and realloc() of the program's own objects passes
 * through the wrappers below, which look for the Cred in the block they give back.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "verifierd/dm-syncml.h"

#define CRED "Q3JlZE1hcmtlcjpzM2NyM3QtcGFzc3dvcmQ="

void __real_free(void *p);
void *__real_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_realloc(void *p, size_t n);

/* volatile: the compiler takes free() for a builtin that reads no global, and would drop the
 * stores around it */
static volatile unsigned leaked;
static volatile bool armed; /* only around the writer's calls: the test framework frees blocks too */

/* The writer's blocks are NUL-terminated text (and the DmWriter, calloc'd): read up to the NUL
 * only, never uninitialised bytes past it. */
static void look(void *p) {
        if (armed && p && memmem(p, strnlen(p, malloc_usable_size(p)), CRED, strlen(CRED)))
                leaked++;
}

void __wrap_free(void *p) {
        look(p);
        __real_free(p);
}

void *__wrap_realloc(void *p, size_t n) {
        /* realloc may move the block: the old one is then freed as it is */
        look(p);
        return __real_realloc(p, n);
}

static DmWriter *writer_with_cred(uint32_t max_msg_size) {
        const DmCred cred = { .type = "syncml:auth-basic", .format = "b64", .data = CRED };
        DmWriter *w = NULL;

        ck_assert_int_eq(dm_writer_new(DM_VERSION_1_2, "1", 1, "https://dm.test/", "IMEI:1", NULL, &cred, max_msg_size,
                                       &w),
                         0);
        /* grow the buffer well past its first size (1024) several times */
        for (unsigned i = 0; i < 200; i++)
                ck_assert_int_eq(dm_writer_status(w, "1", "1", "Get", NULL, NULL, 200, NULL), 0);
        return w;
}

START_TEST(test_wiped_on_growth_and_free) {
        DmWriter *w;
        uint8_t *buf = NULL;
        size_t len = 0;

        leaked = 0;
        armed = true;
        w = writer_with_cred(1U << 20);
        dm_writer_free(w);
        armed = false;
        ck_assert_uint_eq(leaked, 0);

        /* finish refuses a message over its MaxMsgSize: the writer still holds it, then wiped */
        armed = true;
        w = writer_with_cred(2048);
        ck_assert_int_eq(dm_writer_finish(w, true, &buf, &len), -E2BIG);
        dm_writer_free(w);
        armed = false;
        ck_assert_ptr_null(buf);
        ck_assert_uint_eq(leaked, 0);

        /* the check itself sees a Cred in a block freed as it is */
        {
                char *volatile b = strdup("x" CRED "y"); /* volatile: the pair is not optimised away */

                ck_assert_ptr_nonnull(b);
                armed = true;
                free(b);
        }
        armed = false;
        ck_assert_uint_eq(leaked, 1);
}
END_TEST

int main(void) {
        Suite *s = suite_create("dm-writer-wipe");
        TCase *tc = tcase_create("/dm-writer-wipe");

        TU_ADD(tc, test_wiped_on_growth_and_free);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
