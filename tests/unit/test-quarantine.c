/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-quarantine.c: provd's poison-push store (provd/quarantine.c) in a temporary directory:
 * the key is made once and reused, so digests survive a restart; a marker left by a "crashed"
 * process is quarantined at the next open and cleared; a clean begin/end leaves nothing; the set
 * is bounded (the oldest digest goes) and persisted; damaged files are handled; the in-memory
 * store works without a directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provd/quarantine.h"
#include "testutil.h"

static char dir[64];

static void setup(void) {
        snprintf(dir, sizeof(dir), "/tmp/test-quarantine.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm(const char *name) {
        char p[128];

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        (void) unlink(p);
}

static void teardown(void) {
        rm(QUARANTINE_KEY_FILE);
        rm(QUARANTINE_LIST_FILE);
        rm(QUARANTINE_INFLIGHT_FILE);
        rm(QUARANTINE_LIST_TMP_FILE);
        rm(QUARANTINE_KEY_TMP_FILE);
        (void) rmdir(dir);
}

static void write_file(const char *name, const void *buf, size_t len) {
        char p[128];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
        fclose(f);
}

static long file_size(const char *name, mode_t *mode) {
        char p[128];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        if (stat(p, &st) < 0)
                return -errno;
        if (mode)
                *mode = st.st_mode & 07777;
        return (long) st.st_size;
}

static const uint8_t push_a[] = { 0x01, 0x06, 0x03, 0xb6, 0x81, 0xea, 0x02, 0x0b };
static const uint8_t push_b[] = { 0x02, 0x06, 0x03, 0xb6, 0x81, 0xea, 0x02, 0x0c };

START_TEST(test_fresh_store) {
        Quarantine *q = NULL;
        mode_t mode = 0;

        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        ck_assert(quarantine_persistent(q));
        ck_assert_uint_eq(quarantine_size(q), 0);
        ck_assert_int_eq(file_size(QUARANTINE_KEY_FILE, &mode), SIPHASH_KEY_SIZE);
        ck_assert_uint_eq(mode, 0600);
        ck_assert_int_eq(file_size(QUARANTINE_INFLIGHT_FILE, NULL), 0);
        ck_assert(!quarantine_contains(q, quarantine_digest(q, push_a, sizeof(push_a))));
        quarantine_free(q);
}
END_TEST

/* Same key after a restart: a digest computed before equals the one computed after. */
START_TEST(test_digest_survives_restart) {
        Quarantine *q = NULL;
        uint64_t a1, a2, b1;

        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        a1 = quarantine_digest(q, push_a, sizeof(push_a));
        b1 = quarantine_digest(q, push_b, sizeof(push_b));
        ck_assert_uint_ne(a1, b1);
        quarantine_free(q);
        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        a2 = quarantine_digest(q, push_a, sizeof(push_a));
        ck_assert_uint_eq(a1, a2);
        quarantine_free(q);
}
END_TEST

/* The S4 path: marker set, process dies (no quarantine_end), next open quarantines the push. */
START_TEST(test_crash_quarantines) {
        Quarantine *q = NULL;
        uint64_t a, b;

        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        a = quarantine_digest(q, push_a, sizeof(push_a));
        b = quarantine_digest(q, push_b, sizeof(push_b));
        /* a clean decode leaves nothing behind */
        ck_assert_int_eq(quarantine_begin(q, b), 0);
        ck_assert_int_eq(file_size(QUARANTINE_INFLIGHT_FILE, NULL), QUARANTINE_DIGEST_HEX + 1);
        ck_assert_int_eq(quarantine_end(q), 0);
        ck_assert_int_eq(file_size(QUARANTINE_INFLIGHT_FILE, NULL), 0);
        /* this one "crashes" */
        ck_assert_int_eq(quarantine_begin(q, a), 0);
        quarantine_free(q);

        ck_assert_int_eq(quarantine_open(dir, &q), 1);
        ck_assert_uint_eq(quarantine_recovered(q), a);
        ck_assert(quarantine_contains(q, a));
        ck_assert(!quarantine_contains(q, b));
        ck_assert_uint_eq(quarantine_size(q), 1);
        ck_assert_int_eq(file_size(QUARANTINE_INFLIGHT_FILE, NULL), 0);
        ck_assert_int_eq(file_size(QUARANTINE_LIST_FILE, NULL), QUARANTINE_DIGEST_HEX + 1);
        quarantine_free(q);

        /* still quarantined after a further clean restart, and not recovered twice */
        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        ck_assert(quarantine_contains(q, a));
        ck_assert_uint_eq(quarantine_size(q), 1);
        quarantine_free(q);
}
END_TEST

/* At the limit all digests are kept; one past it evicts the oldest; the file agrees. */
START_TEST(test_bounded_set) {
        Quarantine *q = NULL;

        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        for (uint64_t d = 1; d <= QUARANTINE_ENTRIES_MAX; d++)
                ck_assert_int_eq(quarantine_add(q, d), 1);
        ck_assert_int_eq(quarantine_add(q, 1), 0); /* already there */
        ck_assert_uint_eq(quarantine_size(q), QUARANTINE_ENTRIES_MAX);
        ck_assert(quarantine_contains(q, 1));
        ck_assert_int_eq(quarantine_add(q, QUARANTINE_ENTRIES_MAX + 1), 1);
        ck_assert_uint_eq(quarantine_size(q), QUARANTINE_ENTRIES_MAX);
        ck_assert(!quarantine_contains(q, 1));
        ck_assert(quarantine_contains(q, 2));
        ck_assert(quarantine_contains(q, QUARANTINE_ENTRIES_MAX + 1));
        quarantine_free(q);

        ck_assert_int_eq(file_size(QUARANTINE_LIST_FILE, NULL),
                         (long) QUARANTINE_ENTRIES_MAX * (QUARANTINE_DIGEST_HEX + 1));
        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        ck_assert_uint_eq(quarantine_size(q), QUARANTINE_ENTRIES_MAX);
        ck_assert(!quarantine_contains(q, 1));
        ck_assert(quarantine_contains(q, QUARANTINE_ENTRIES_MAX + 1));
        quarantine_free(q);
}
END_TEST

/* Lines that are not one digest are skipped; digits in either case are read. */
START_TEST(test_damaged_list) {
        static const char list[] = "00000000000000aa\n"
                                   "garbage\n"
                                   "00000000000000BB\n"
                                   "0000000000000cc\n"    /* 15 digits */
                                   "00000000000000dd0\n"  /* 17 digits */
                                   "\n"
                                   "00000000000000ee"; /* last line without newline */
        Quarantine *q = NULL;

        ck_assert_int_eq(quarantine_open(dir, &q), 0); /* makes the key */
        quarantine_free(q);
        write_file(QUARANTINE_LIST_FILE, list, sizeof(list) - 1);
        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        ck_assert_uint_eq(quarantine_size(q), 3);
        ck_assert(quarantine_contains(q, 0xaa));
        ck_assert(quarantine_contains(q, 0xbb));
        ck_assert(quarantine_contains(q, 0xee));
        ck_assert(!quarantine_contains(q, 0xcc));
        quarantine_free(q);
}
END_TEST

/* A marker that is not a digest is ignored and cleared. */
START_TEST(test_damaged_marker) {
        Quarantine *q = NULL;

        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        quarantine_free(q);
        write_file(QUARANTINE_INFLIGHT_FILE, "0123", 4);
        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        ck_assert_uint_eq(quarantine_size(q), 0);
        ck_assert_int_eq(file_size(QUARANTINE_INFLIGHT_FILE, NULL), 0);
        quarantine_free(q);
}
END_TEST

/* A key of the wrong size is replaced; digests made under the old key are dropped with it. */
START_TEST(test_bad_key_replaced) {
        Quarantine *q = NULL;
        uint64_t a_old;

        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        a_old = quarantine_digest(q, push_a, sizeof(push_a));
        ck_assert_int_eq(quarantine_add(q, a_old), 1);
        ck_assert_int_eq(quarantine_begin(q, a_old), 0);
        quarantine_free(q);
        write_file(QUARANTINE_KEY_FILE, "short", 5);
        ck_assert_int_eq(quarantine_open(dir, &q), 0);
        ck_assert_uint_eq(quarantine_size(q), 0);
        ck_assert_int_eq(file_size(QUARANTINE_KEY_FILE, NULL), SIPHASH_KEY_SIZE);
        quarantine_free(q);
}
END_TEST

/* A symlink planted for a store file is not followed. */
START_TEST(test_symlink_refused) {
        Quarantine *q = NULL;
        char p[128];

        ck_assert_int_eq(quarantine_open(dir, &q), 0); /* key made: the next open keeps the files */
        q = quarantine_free(q);
        snprintf(p, sizeof(p), "%s/%s", dir, QUARANTINE_INFLIGHT_FILE);
        ck_assert_int_eq(unlink(p), 0);
        ck_assert_int_eq(symlink("/dev/null", p), 0);
        ck_assert_int_eq(quarantine_open(dir, &q), -ELOOP);
        ck_assert_ptr_null(q);
}
END_TEST

START_TEST(test_missing_dir) {
        Quarantine *q = NULL;

        ck_assert_int_eq(quarantine_open("/nonexistent/provd-quarantine", &q), -ENOENT);
        ck_assert_ptr_null(q);
}
END_TEST

/* Memory only: the set works, begin/end are no-ops, and two stores use different keys. */
START_TEST(test_memory_only) {
        Quarantine *q = NULL, *q2 = NULL;
        uint64_t a;

        ck_assert_int_eq(quarantine_open(NULL, &q), 0);
        ck_assert(!quarantine_persistent(q));
        a = quarantine_digest(q, push_a, sizeof(push_a));
        ck_assert_int_eq(quarantine_begin(q, a), 0);
        ck_assert_int_eq(quarantine_end(q), 0);
        ck_assert_int_eq(quarantine_add(q, a), 1);
        ck_assert(quarantine_contains(q, a));
        ck_assert_int_eq(quarantine_open(NULL, &q2), 0);
        ck_assert_uint_ne(quarantine_digest(q2, push_a, sizeof(push_a)), a); /* 2^-64 to fail */
        quarantine_free(q2);
        quarantine_free(q);
}
END_TEST

START_TEST(test_format) {
        char buf[QUARANTINE_DIGEST_HEX + 1];

        ck_assert_str_eq(quarantine_format(UINT64_C(0x00000000000000ab), buf), "00000000000000ab");
        ck_assert_str_eq(quarantine_format(UINT64_C(0xa129ca6149be45e5), buf), "a129ca6149be45e5");
}
END_TEST

int main(void) {
        Suite *s = suite_create("quarantine");
        TCase *tc = tcase_create("/quarantine");

        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_fresh_store);
        TU_ADD(tc, test_digest_survives_restart);
        TU_ADD(tc, test_crash_quarantines);
        TU_ADD(tc, test_bounded_set);
        TU_ADD(tc, test_damaged_list);
        TU_ADD(tc, test_damaged_marker);
        TU_ADD(tc, test_bad_key_replaced);
        TU_ADD(tc, test_symlink_refused);
        TU_ADD(tc, test_missing_dir);
        TU_ADD(tc, test_memory_only);
        TU_ADD(tc, test_format);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
