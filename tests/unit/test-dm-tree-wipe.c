/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-tree-wipe.c: the DM tree (verifierd/dm-tree.c) prints whole roots, an account's
 * AAUTHSECRETs included, into document texts and decodes them again (a read's metabase check, a
 * Delete's): no block holding a secret may go back to the allocator unwiped (docs/dm-tree.md
 * §3, "Secrets in memory"). Linked with -Wl,--wrap=free,--wrap=realloc (verifierd/dm-tree-wipe.mk):
 * every free() and realloc() of the program's own objects passes through the wrappers below,
 * which look for the fixture's secrets (dm-testutil.h) in the block they give back. Armed only
 * around dm_tree_get and refused dm_tree_apply calls, which never reach the push pipeline.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dm-testutil.h"

/* Under valgrind (tests/run-valgrind.sh) the unused tail of a freed block is undefined: mark the
 * block defined before scanning it (it is given back right after; the scan only reads it). */
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void) (p), (void) (n))
#endif

void __real_free(void *p);
void *__real_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_realloc(void *p, size_t n);

static const char *const secrets[] = { "clientpw", "serverpw" };

/* volatile: the compiler takes free() for a builtin that reads no global, and would drop the
 * stores around it */
static volatile unsigned leaked;
static volatile bool armed;

static void look(void *p) {
        size_t n;

        if (!armed || !p)
                return;
        n = malloc_usable_size(p);
        VALGRIND_MAKE_MEM_DEFINED(p, n);
        for (size_t i = 0; i < ELEMENTSOF(secrets); i++)
                if (memmem(p, n, secrets[i], strlen(secrets[i])))
                        leaked++;
}

void __wrap_free(void *p) {
        look(p);
        __real_free(p);
}

void *__wrap_realloc(void *p, size_t n) {
        look(p);
        return __real_realloc(p, n);
}

static void setup(void) {
        dt_setup();
}

static void teardown(void) {
        dt_teardown();
}

START_TEST(test_get_wipes) {
        DmTree *t = dt_tree("opsrv");
        DmTreeValue v = {};

        leaked = 0;
        armed = true;
        ck_assert_int_eq(dm_tree_get(t, "./DMAcc/opsrv/Name", &v), 0);
        armed = false;
        ck_assert_uint_eq(v.status, 200);
        dm_tree_value_done(&v);
        armed = true;
        ck_assert_int_eq(dm_tree_get(t, "./DMAcc/opsrv/AppAuth/CLCRED/AAuthName", &v), 0);
        armed = false;
        dm_tree_value_done(&v);
        ck_assert_uint_eq(leaked, 0);
        dm_tree_free(t);
}
END_TEST

START_TEST(test_refused_apply_wipes) {
        DmTree *t = dt_tree("opsrv");
        DmTreeOp ops[] = {
                { .type = DM_CMD_DELETE, .uri = "./DMAcc/mgrsrv/AppAuth/CLCRED/AAuthName" },
                { .type = DM_CMD_DELETE, .uri = "./Vendor/provboot/NAPDEF/INTERNET/LINGER" },
        };
        unsigned st[1];

        leaked = 0;
        armed = true;
        /* refused in dm-tree.c itself: a Delete the roles do not cover */
        ck_assert_int_eq(dm_tree_apply(t, &ops[1], 1, false, st), 0);
        armed = false;
        ck_assert_uint_eq(st[0], 425);
        ck_assert_uint_eq(leaked, 0);
        armed = true;
        /* refused before the pipeline: another account's roles (check_accounts) */
        ck_assert_int_eq(dm_tree_apply(t, &ops[0], 1, false, st), 0);
        armed = false;
        ck_assert_uint_eq(st[0], 425);
        ck_assert_uint_eq(leaked, 0);
        dm_tree_free(t);
}
END_TEST

int main(void) {
        Suite *s = suite_create("dm-tree-wipe");
        TCase *tc = tcase_create("/dm-tree-wipe");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_get_wipes);
        TU_ADD(tc, test_refused_apply_wipes);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
