/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-account.c: verifierd/dm-account.c and table dm_nonces (store-dm.c) over a real engine
 * and store: the w7 -> DMAcc mapping (APPSRV = client credentials, CLIENT = server credentials,
 * AAUTHDATA base64 -> nonce bytes), nonces stored durably and taking precedence over the
 * bootstrap's AAUTHDATA, surviving a restart and a DM session's own rewrite of the account,
 * dropped by a new bootstrap of the account; the schema 7 -> 8 migration keeps the history.
 */
#include <errno.h>
#include <string.h>

#include "dm-testutil.h"

static void setup(void) {
        dt_setup();
}

static void teardown(void) {
        dt_teardown();
}

static void secret_eq(const Secret *s, const char *want) {
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_eq(secret_size(s), strlen(want));
        ck_assert_int_eq(memcmp(secret_acquire_ro(s), want, strlen(want)), 0);
        secret_release(s);
}

START_TEST(test_mapping) {
        DmAccount *a = dt_account("opsrv");

        ck_assert_str_eq(a->server_id, "opsrv");
        ck_assert_str_eq(a->name, "Op DM");
        ck_assert_str_eq(a->addr, "https://dm.example.com/dm");
        ck_assert_uint_eq(a->roles, 4);
        ck_assert_uint_eq(a->strength, STORE_STRENGTH_NETWPIN);
        ck_assert_uint_gt(a->push_id, 0);
        ck_assert_str_eq(a->root, "/APPLICATION[APPID=w7,PROVIDER-ID=opsrv]");
        /* AAUTHLEVEL APPSRV: the client's credentials towards the server (CLCRED) */
        ck_assert_str_eq(a->client_auth_type, "DIGEST");
        ck_assert_str_eq(a->client_name, "user");
        secret_eq(a->client_secret, "clientpw");
        secret_eq(a->client_nonce, "Nonce1"); /* AAUTHDATA Tm9uY2Ux decoded */
        /* AAUTHLEVEL CLIENT: the server's credentials towards the client (SRVCRED) */
        ck_assert_str_eq(a->server_auth_type, "DIGEST");
        ck_assert_str_eq(a->server_name, "srv");
        secret_eq(a->server_secret, "serverpw");
        secret_eq(a->server_nonce, "server");
        dm_account_free(a);
        a = dt_account("mgrsrv");
        ck_assert_uint_eq(a->roles, 12);
        dm_account_free(a);

        ck_assert_int_eq(dm_account_load(dt_eng, "nosuch", &a), -ESRCH);
        ck_assert_int_eq(dm_account_load(dt_eng, "", &a), -EINVAL);
        ck_assert_int_eq(dm_account_load(dt_eng, NULL, &a), -EINVAL);
}
END_TEST

START_TEST(test_bad_aauthdata) {
        DmAccount *a = NULL;

        /* not strict base64 (no padding to a multiple of 4): refused, not guessed */
        dt_push("APPLICATION{APPID=w7;PROVIDER-ID=badsrv;NAME=Bad;"
                "APPAUTH{AAUTHLEVEL=CLIENT;AAUTHTYPE=DIGEST;AAUTHSECRET=s;AAUTHDATA=abc}}",
                VERDICT_APPLIED);
        ck_assert_int_eq(dm_account_load(dt_eng, "badsrv", &a), -EBADMSG);
        /* no APPAUTH at all: an account without DM-level credentials (TLS only) */
        dt_push("APPLICATION{APPID=w7;PROVIDER-ID=plain;NAME=Plain}", VERDICT_APPLIED);
        a = dt_account("plain");
        ck_assert_ptr_null(a->client_auth_type);
        ck_assert_ptr_null(a->server_secret);
        ck_assert_ptr_null(a->server_nonce);
        ck_assert_uint_eq(a->roles, 12); /* no ROLE: the creating message's roles */
        dm_account_free(a);
}
END_TEST

START_TEST(test_nonce_persistence) {
        static const uint8_t n1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
        uint8_t big[DM_ACCOUNT_NONCE_MAX + 1] = {};
        DmAccount *a;
        DmTree *t;
        DmTreeOp op = { .type = DM_CMD_REPLACE, .uri = "./DMAcc/opsrv/Name", .data = "Renamed" };
        unsigned st;

        ck_assert_int_eq(dm_account_store_nonce(dt_eng, "opsrv", true, n1, sizeof n1), 0);
        ck_assert_int_eq(dm_account_store_nonce(dt_eng, "opsrv", false, (const uint8_t *) "cn2", 3), 0);
        a = dt_account("opsrv");
        ck_assert_uint_eq(secret_size(a->server_nonce), 16);
        ck_assert_int_eq(memcmp(secret_acquire_ro(a->server_nonce), n1, 16), 0);
        secret_release(a->server_nonce);
        secret_eq(a->client_nonce, "cn2");
        dm_account_free(a);
        /* the other account keeps its own */
        a = dt_account("mgrsrv");
        secret_eq(a->server_nonce, "server");
        dm_account_free(a);

        /* limits and errors: nothing stored */
        ck_assert_int_eq(dm_account_store_nonce(dt_eng, "nosuch", true, n1, 16), -ESRCH);
        ck_assert_int_eq(dm_account_store_nonce(dt_eng, "opsrv", true, n1, 0), -EINVAL);
        ck_assert_int_eq(dm_account_store_nonce(dt_eng, "opsrv", true, big, DM_ACCOUNT_NONCE_MAX), 0);
        ck_assert_int_eq(dm_account_store_nonce(dt_eng, "opsrv", true, big, DM_ACCOUNT_NONCE_MAX + 1), -EINVAL);
        ck_assert_int_eq(dm_account_store_nonce(dt_eng, "opsrv", true, n1, sizeof n1), 0);

        /* a restart: the stored nonces are what counts */
        dt_eng = engine_free(dt_eng);
        dt_eng = dt_open_engine();
        a = dt_account("opsrv");
        ck_assert_int_eq(memcmp(secret_acquire_ro(a->server_nonce), n1, 16), 0);
        secret_release(a->server_nonce);
        dm_account_free(a);

        /* a session's own rewrite of the account carries the current nonces */
        t = dt_tree("opsrv");
        ck_assert_int_eq(dm_tree_apply(t, &op, 1, false, &st), 0);
        ck_assert_uint_eq(st, 200);
        dm_tree_free(t);
        a = dt_account("opsrv");
        ck_assert_str_eq(a->name, "Renamed");
        ck_assert_uint_eq(secret_size(a->server_nonce), 16);
        ck_assert_int_eq(memcmp(secret_acquire_ro(a->server_nonce), n1, 16), 0);
        secret_release(a->server_nonce);
        secret_eq(a->client_nonce, "cn2");
        dm_account_free(a);

        /* a new bootstrap of the account: its AAUTHDATA counts again */
        dt_push(DT_W7("opsrv", "4", "Op DM 2"), VERDICT_APPLIED);
        a = dt_account("opsrv");
        secret_eq(a->server_nonce, "server");
        secret_eq(a->client_nonce, "Nonce1");
        dm_account_free(a);
}
END_TEST

static int count_root(const StoreSetting *s, void *u) {
        (*(unsigned *) u)++;
        return 0;
}

static unsigned rows_of(Store *s, const char *root) {
        unsigned n = 0;

        ck_assert_int_ge(store_foreach_setting_range(s, root, true, count_root, &n), 0);
        return n;
}

/* StoreApply.remove_roots (a DM Delete): the downgrade rule, and never a root the document holds */
START_TEST(test_store_remove_roots) {
        Store *s = engine_get_store(dt_eng);
        const char *spec = "NAPDEF{NAPID=OTHER;NAME=o;BEARER=GSM-GPRS;NAP-ADDRESS=o.example;NAP-ADDRTYPE=APN}";
        const char *opnet[] = { "/NAPDEF[NAPID=OPNET]" }, *other[] = { "/NAPDEF[NAPID=OTHER]" };
        CpDoc *d = et_doc(spec);
        StoreApply a = {
                .push = { .received_usec = 1, .decided_usec = 2, .transport = "dm", .sec = AUTH_DM, .roles = 4,
                          .verdict = VERDICT_APPLIED, .reason = REASON_NONE },
                .doc = d,
                .body = (const uint8_t *) spec,
                .body_len = strlen(spec),
                .strength_capped = true,
                .strength_cap = STORE_STRENGTH_USERPIN,
                .remove_roots = opnet,
                .n_remove_roots = 1,
        };
        char *conf = NULL;

        ck_assert_uint_gt(rows_of(s, opnet[0]), 0);
        /* installed by NETWPIN (2): a strength-1 document may not remove it */
        ck_assert_int_eq(store_apply(s, &a, NULL, &conf), -EPERM);
        ck_assert_str_eq(conf, "/NAPDEF[NAPID=OPNET]");
        free(conf);
        ck_assert_uint_gt(rows_of(s, opnet[0]), 0);
        /* the document's own root cannot be removed by it */
        a.strength_cap = STORE_STRENGTH_NETWPIN;
        a.remove_roots = other;
        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), -EINVAL);
        ck_assert_int_eq(store_check_apply(s, &a, NULL), -EINVAL);
        /* equal strength: removed with the document's transaction */
        a.remove_roots = opnet;
        ck_assert_int_eq(store_check_apply(s, &a, NULL), 0);
        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), 0);
        ck_assert_uint_eq(rows_of(s, opnet[0]), 0);
        ck_assert_uint_gt(rows_of(s, other[0]), 0);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_migration_7_to_8) {
        char *d = et_tmpdir("dm-migrate");
        Store *s = NULL;
        int64_t n = 0;

        ck_assert_int_eq(store_test_open_at_version(&s, d, 7), 0);
        ck_assert_int_eq(store_test_exec(s, "INSERT INTO pushes (received_usec, decided_usec, sec, verdict, reason, modem)"
                                            " VALUES (1, 2, 4, 'rejected', 'replay', '/m/0');"
                                            "INSERT INTO pushes (received_usec, decided_usec, sec, verdict, reason)"
                                            " VALUES (3, 4, 0, 'applied', 'none');"),
                         0);
        ck_assert_int_ne(store_test_exec(s, "INSERT INTO pushes (received_usec, decided_usec, sec, verdict, reason)"
                                            " VALUES (5, 6, 5, 'applied', 'none')"),
                         0); /* version 7 does not know AUTH_DM */
        s = store_free(s);
        ck_assert_int_eq(store_open(&s, d), 0);
        ck_assert_int_eq(store_schema_version(s), 8);
        ck_assert_int_eq(store_test_query_int(s, "SELECT COUNT(*) FROM pushes WHERE modem = '/m/0' AND sec = 4", &n), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_int_eq(store_test_exec(s, "INSERT INTO pushes (received_usec, decided_usec, sec, verdict, reason)"
                                            " VALUES (5, 6, 5, 'applied', 'none')"),
                         0);
        ck_assert_int_eq(store_test_query_int(s, "SELECT MAX(id) FROM pushes", &n), 0);
        ck_assert_int_eq(n, 3); /* ids keep increasing */
        ck_assert_int_eq(store_test_query_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'pushes_decided'", &n),
                         0);
        ck_assert_int_eq(n, 1);
        ck_assert_int_ne(store_test_exec(s, "INSERT INTO pushes (received_usec, decided_usec, sec, verdict, reason)"
                                            " VALUES (5, 6, 6, 'applied', 'none')"),
                         0);
        s = store_free(s);
        et_rm_rf(d);
        free(d);
}
END_TEST

int main(void) {
        Suite *s = suite_create("dm-account");
        TCase *tc = tcase_create("/dm-account");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_mapping);
        TU_ADD(tc, test_bad_aauthdata);
        TU_ADD(tc, test_nonce_persistence);
        TU_ADD(tc, test_store_remove_roots);
        TU_ADD(tc, test_migration_7_to_8);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
