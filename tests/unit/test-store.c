/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-store.c: verifierd/store.c: schema creation and forward migration, all-or-nothing commits
 * under injected SQL failures at every step, replay and downgrade rules, history fields, the
 * settings path scheme, root replacement, pending pushes (cap, attempts, expiry) and ids;
 * retention (issue 9 finding 7): history pruned by count and by age at and past the limits,
 * rows still in force kept, superseded documents (and their passwords) removed, replay digests
 * kept and evicted weakest-then-oldest, the per-write pruning bounded; and the store keeping its
 * locks while another process opens and closes the database (issue 9 finding 2).
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine-testutil.h"
#include "macros.h"
#include "verifierd/store-policy.h"
#include "verifierd/store.h"
#include "testutil.h"

/* ---- fixtures ----------------------------------------------------------------------------- */

static char *dir;

static void setup(void) {
        dir = et_tmpdir("store");
}

static void teardown(void) {
        et_rm_rf(dir);
        free(dir);
        dir = NULL;
}

static Store *open_store(void) {
        Store *s = NULL;

        ck_assert_int_eq(store_open(&s, dir), 0);
        return s;
}

/* A whole-state dump through the public queries: every table the store keeps. */
static int dump_push(const StorePush *p, void *u) {
        fprintf(u, "push %llu %llu %llu %s %s %d %u %s %s %s %s %s %s\n", (unsigned long long) p->id,
                (unsigned long long) p->received_usec, (unsigned long long) p->decided_usec, p->sender ?: "-",
                p->transport ?: "-", p->sec, p->roles, verdict_to_string(p->verdict), reason_to_string(p->reason),
                p->denied ?: "-", p->digest ?: "-", p->content_type ?: "-", p->summary ?: "-");
        return 0;
}

static int dump_pending(const StorePending *p, void *u) {
        fprintf(u, "pending %llu %s %d %zu %s %u %llu %d %s\n", (unsigned long long) p->id,
                pending_state_to_string(p->state), p->sec, p->body_len, p->mac ?: "-", p->attempts,
                (unsigned long long) p->expires_usec, p->authenticated, p->unverified_summary ?: "-");
        return 0;
}

static int dump_setting(const StoreSetting *s, void *u) {
        fprintf(u, "setting %s|%s|%s|%s|%s|%u|%u|%d|%u|%llu\n", s->root, s->path, s->chpath, s->parm ?: "-",
                s->value ?: "-", s->ord, s->roles, s->sec, s->strength, (unsigned long long) s->push_id);
        return 0;
}

static int dump_account(const StoreAccount *a, void *u) {
        fprintf(u, "account %s %s %s %u %s\n", a->server_id, a->name ?: "-", a->addr ?: "-", a->roles, a->root);
        return 0;
}

static int dump_document(const StoreDocument *d, void *u) {
        fprintf(u, "doc %llu %llu %s %d %u %u %zu\n", (unsigned long long) d->id, (unsigned long long) d->push_id,
                d->digest, d->sec, d->roles, d->strength, d->body_len);
        return 0;
}

static char *dump(Store *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_int_ge(store_foreach_push(s, 0, 1000, dump_push, f), 0);
        /* pending pushes are read with the current schema's columns (pin_attempts: schema 4) */
        if (store_schema_version(s) == STORE_SCHEMA_VERSION)
                ck_assert_int_ge(store_foreach_pending(s, dump_pending, f), 0);
        ck_assert_int_ge(store_foreach_document(s, dump_document, f), 0);
        ck_assert_int_ge(store_foreach_setting(s, NULL, dump_setting, f), 0);
        ck_assert_int_ge(store_foreach_account(s, dump_account, f), 0);
        fclose(f);
        return buf;
}

static const StorePendingLimits lim8 = { .max_authenticated = 8, .max_unverified = 8, .max_unverified_per_sender = 8 };
#define DIGEST_X "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" /* SHA-256("x") */

static StorePush push_row(int sec, uint32_t roles) {
        return (StorePush) {
                .received_usec = 1000,
                .decided_usec = 2000,
                .sender = "+491701234567",
                .transport = "inject",
                .sec = sec,
                .roles = roles,
                .verdict = VERDICT_APPLIED,
                .reason = REASON_NONE,
                .content_type = "text/vnd.wap.connectivity-xml",
        };
}

/* Apply @spec with @sec; the body is the spec text itself (unique per spec). */
static int apply_spec(Store *s, const char *spec, int sec, uint64_t *ret_id, char **conflicts) {
        CpDoc *d = et_doc(spec);
        StoreApply a = {
                .push = push_row(sec, 4),
                .doc = d,
                .body = (const uint8_t *) spec,
                .body_len = strlen(spec),
        };
        int r = store_apply(s, &a, ret_id, conflicts);

        cpdoc_free(d);
        return r;
}

static int count_rows(Store *s, const char *prefix) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int n = store_foreach_setting(s, prefix, dump_setting, f);

        fclose(f);
        free(buf);
        return n;
}

/* ---- schema ------------------------------------------------------------------------------- */

START_TEST(test_migrate_from_empty) {
        Store *s = open_store();
        char *path = NULL;
        struct stat st;
        uint64_t id = 0;
        StorePush p = push_row(-1, 64);

        ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
        ck_assert_int_eq(asprintf(&path, "%s/%s", dir, STORE_DB_NAME) > 0, 1);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        /* every table is there: each query works on the empty store */
        ck_assert_int_eq(store_count_pending(s), 0);
        ck_assert_int_eq(store_record(s, &p, &id), 0);
        ck_assert_uint_eq(id, 1);
        ck_assert_int_eq(store_test_exec(s, "SELECT thumbprint, store, roles, source, der FROM certificates"), 0);
        store_free(s);
        free(path);
}
END_TEST

START_TEST(test_migrate_forward) {
        Store *s = NULL;
        StorePush p = push_row(0, 4);
        char *before, *after;

        /* A database written by a build that knew only schema 1 ... */
        ck_assert_int_eq(store_test_open_at_version(&s, dir, 1), 0);
        ck_assert_int_eq(store_schema_version(s), 1);
        ck_assert_int_ne(store_test_exec(s, "SELECT * FROM certificates"), 0);
        ck_assert_int_eq(store_record(s, &p, NULL), 0);
        ck_assert_int_eq(apply_spec(s, "NAPDEF{NAPID=a;NAME=A;NAP-ADDRESS=apn.a}", 0, NULL, NULL), 0);
        before = dump(s);
        store_free(s);

        /* ... is migrated forward on open, keeping every row. */
        s = open_store();
        ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
        ck_assert_int_eq(store_test_exec(s, "SELECT * FROM certificates"), 0);
        after = dump(s);
        ck_assert_str_eq(before, after);
        store_free(s);
        free(before);
        free(after);
}
END_TEST

static int keep_summary(const StorePush *p, void *u) {
        snprintf(u, 64, "%s", p->summary ?: "(null)");
        return 0;
}

/* 3 -> 4 (issue 9): what the old code stored about unauthenticated pushes goes; attempts move
 * to the body digest; a waiting PIN push is marked unauthenticated. */
START_TEST(test_migrate_unverified_scrubbed) {
        Store *s = NULL;
        StorePending *pd = NULL;
        char sum[64];

        ck_assert_int_eq(store_test_open_at_version(&s, dir, 3), 0);
        ck_assert_int_eq(store_test_exec(s,
                "INSERT INTO pushes (id, received_usec, decided_usec, sec, verdict, reason, digest, summary) VALUES"
                " (1, 1, 1, -1, 'rejected', 'bootstrap-disabled', 'd1', '(unverified) APPLICATION NAME=CANARY'),"
                " (2, 1, 1, 1, 'pending', 'needs-pin', 'd2', '(unverified) NAPDEF NAME=CANARY'),"
                " (3, 1, 1, 0, 'pending', 'needs-confirmation', 'd3', 'NAPDEF internet'),"
                " (4, 1, 1, 0, 'applied', '', 'd4', 'NAPDEF internet');"
                "INSERT INTO pending (push_id, state, sec, content_kind, body, mac, attempts, expires_usec) VALUES"
                " (2, 'needs-pin', 1, 1, x'00', NULL, 2, 99),"
                " (3, 'needs-confirmation', 0, 1, x'00', NULL, 0, 99);"), 0);
        store_free(s);
        s = open_store();
        ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
        ck_assert_int_eq(store_get_push(s, 1, keep_summary, sum), 0);
        ck_assert_str_eq(sum, "(null)");
        ck_assert_int_eq(store_get_push(s, 2, keep_summary, sum), 0);
        ck_assert_str_eq(sum, "(null)");
        ck_assert_int_eq(store_get_push(s, 4, keep_summary, sum), 0);
        ck_assert_str_eq(sum, "NAPDEF internet"); /* verifierd's own, of authenticated bytes */
        ck_assert_int_eq(store_pin_attempts(s, "d2"), 2);
        ck_assert_int_eq(store_get_pending(s, 2, &pd), 0);
        ck_assert(!pd->authenticated);
        ck_assert_uint_eq(pd->attempts, 2);
        pd = store_pending_free(pd);
        ck_assert_int_eq(store_get_pending(s, 3, &pd), 0);
        ck_assert(pd->authenticated);
        pd = store_pending_free(pd);
        store_free(s);
}
END_TEST

static int keep_setting_sim(const StoreSetting *it, void *u) {
        snprintf(u, 128, "%s|%s|%s", it->modem ?: "-", it->sim_id ?: "-", it->sim_operator ?: "-");
        return 1;
}

/* 5 -> 6 (issue 10 point 7): rows from before have no SIM binding; a new document records it,
 * its settings read it back, and a pending push keeps its receiving modem. */
START_TEST(test_migrate_sim_binding) {
        static const char *const spec = "NAPDEF{NAPID=b;NAME=B;NAP-ADDRESS=b.example}";
        Store *s = NULL;
        CpDoc *d;
        StorePending *pd = NULL;
        StorePending pending = { .state = PENDING_NEEDS_CONFIRMATION, .sec = 0, .content_kind = 1,
                                 .body = (const uint8_t *) "x", .body_len = 1, .expires_usec = 99999999,
                                 .authenticated = true };
        StorePendingLimits lim = { 8, 8, 8 };
        StorePush p = push_row(0, 4);
        char got[128];
        uint64_t id = 0;

        ck_assert_int_eq(store_test_open_at_version(&s, dir, 5), 0);
        ck_assert_int_eq(apply_spec(s, "NAPDEF{NAPID=a;NAME=A;NAP-ADDRESS=a.example}", 0, NULL, NULL), 0);
        store_free(s);
        s = open_store();
        ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
        ck_assert_int_eq(store_foreach_setting(s, "/NAPDEF[NAPID=a]", keep_setting_sim, got), 1);
        ck_assert_str_eq(got, "-|-|-");
        d = et_doc(spec);
        StoreApply a = {
                .push = push_row(0, 4),
                .doc = d,
                .body = (const uint8_t *) spec,
                .body_len = strlen(spec),
                .sim_id = "8949000000000000020",
                .sim_operator_id = "26202",
        };
        a.push.modem = "/org/freedesktop/ModemManager1/Modem/1";
        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), 0);
        cpdoc_free(d);
        ck_assert_int_eq(store_foreach_setting(s, "/NAPDEF[NAPID=b]", keep_setting_sim, got), 1);
        ck_assert_str_eq(got, "/org/freedesktop/ModemManager1/Modem/1|8949000000000000020|26202");
        p.modem = "/ril_1";
        p.verdict = VERDICT_PENDING;
        p.reason = REASON_NEEDS_CONFIRMATION;
        p.digest = "dd";
        ck_assert_int_eq(store_add_pending(s, &p, &pending, &lim, &id), 0);
        ck_assert_int_eq(store_get_pending(s, id, &pd), 0);
        ck_assert_str_eq(pd->modem, "/ril_1");
        pd = store_pending_free(pd);
        store_free(s);
}
END_TEST

START_TEST(test_migrate_newer_refused) {
        Store *s = open_store();

        ck_assert_int_eq(store_test_exec(s, "PRAGMA user_version = 99"), 0);
        store_free(s);
        s = NULL;
        ck_assert_int_eq(store_open(&s, dir), -EPROTONOSUPPORT);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_open_not_a_database) {
        char *path = NULL;
        FILE *f;
        Store *s = NULL;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, STORE_DB_NAME), 0);
        f = fopen(path, "we");
        fputs("this is not an SQLite database, not even close; padding padding padding padding padding\n", f);
        fclose(f);
        ck_assert_int_eq(store_open(&s, dir), -EUCLEAN);
        free(path);
}
END_TEST

/* ---- all or nothing ---------------------------------------------------------------------- */

static const char *const big_spec =
        "NAPDEF{NAPID=internet;NAME=Internet;NAP-ADDRESS=internet.example;NAP-ADDRTYPE=APN;INTERNET;"
        "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=user;AUTHSECRET=pw}}"
        "PXLOGICAL{PROXY-ID=px;NAME=Proxy;PXPHYSICAL{PHYSICAL-PROXY-ID=pp;PXADDR=10.0.0.1;TO-NAPID=internet}}"
        "APPLICATION{APPID=w7;PROVIDER-ID=dmsrv;NAME=DM;ADDR=https://dm.example/dm}";

START_TEST(test_apply_all_or_nothing) {
        Store *s = open_store();
        CpDoc *d = et_doc(big_spec);
        StoreAccount acc = { .server_id = "dmsrv", .name = "DM", .addr = "https://dm.example/dm", .roles = 4 };
        StoreApply a = {
                .push = push_row(0, 4),
                .doc = d,
                .body = (const uint8_t *) big_spec,
                .body_len = strlen(big_spec),
                .accounts = &acc,
                .n_accounts = 1,
        };
        char *before, *now;
        unsigned failures = 0;
        uint64_t id = 0;
        int r;

        /* something committed before, so "nothing changed" is a real comparison */
        ck_assert_int_eq(apply_spec(s, "NAPDEF{NAPID=internet;NAME=Old;NAP-ADDRESS=old.example}", 0, NULL, NULL), 0);
        before = dump(s);

        /* Fail the 1st, 2nd, ... SQL step of the commit until it no longer fails. */
        for (unsigned n = 1;; n++) {
                store_test_fail_at(s, n);
                r = store_apply(s, &a, &id, NULL);
                store_test_fail_at(s, 0);
                if (r == 0)
                        break;
                ck_assert_int_eq(r, -EIO);
                failures++;
                now = dump(s);
                ck_assert_str_eq(now, before); /* nothing of the failed commit is visible */
                free(now);
                ck_assert_uint_lt(n, 10000);
        }
        /* BEGIN, checks, history, document, deletes, 1 + 9 + 5 + 4 rows..., account, COMMIT */
        ck_assert_uint_ge(failures, 20);
        ck_assert_uint_eq(id, 2); /* rolled-back attempts consumed no push id */
        now = dump(s);
        ck_assert_str_ne(now, before);
        ck_assert_ptr_nonnull(strstr(now, "setting /NAPDEF[NAPID=internet]|/NAPDEF[NAPID=internet]/NAPAUTHINFO.AUTHSECRET|"));
        ck_assert_ptr_nonnull(strstr(now, "account dmsrv DM https://dm.example/dm 4 /APPLICATION[APPID=w7,PROVIDER-ID=dmsrv]"));
        ck_assert_ptr_null(strstr(now, "old.example"));
        free(now);

        /* and after reopening, the same */
        now = dump(s);
        store_free(s);
        s = open_store();
        before = (free(before), dump(s));
        ck_assert_str_eq(before, now);
        free(before);
        free(now);
        cpdoc_free(d);
        store_free(s);
}
END_TEST

START_TEST(test_pending_ops_all_or_nothing) {
        Store *s = open_store();
        StorePush p = push_row(1, 0);
        StorePending pd = { .state = PENDING_NEEDS_PIN, .sec = 1, .body = (const uint8_t *) "x", .body_len = 1,
                            .mac = "BAA186A0F7802E017A4A69B214921DB16EF26512", .expires_usec = 5000 };
        char *before, *now;
        uint64_t id;
        int r;

        p.verdict = VERDICT_PENDING;
        p.reason = REASON_NEEDS_PIN;
        p.digest = DIGEST_X;
        for (unsigned n = 1;; n++) { /* add_pending */
                before = dump(s);
                store_test_fail_at(s, n);
                r = store_add_pending(s, &p, &pd, &lim8, &id);
                store_test_fail_at(s, 0);
                if (r == 0) {
                        free(before);
                        break;
                }
                now = dump(s);
                ck_assert_str_eq(now, before);
                free(now);
                free(before);
        }
        for (unsigned n = 1;; n++) { /* use_attempt */
                unsigned att = 0;

                before = dump(s);
                store_test_fail_at(s, n);
                r = store_pending_use_attempt(s, id, 3, 3000, &att);
                store_test_fail_at(s, 0);
                if (r == 0) {
                        ck_assert_uint_eq(att, 1);
                        free(before);
                        break;
                }
                now = dump(s);
                ck_assert_str_eq(now, before);
                free(now);
                free(before);
        }
        for (unsigned n = 1;; n++) { /* expire */
                before = dump(s);
                store_test_fail_at(s, n);
                r = store_expire(s, 6000, NULL);
                store_test_fail_at(s, 0);
                if (r >= 0) {
                        ck_assert_int_eq(r, 1);
                        free(before);
                        break;
                }
                now = dump(s);
                ck_assert_str_eq(now, before);
                free(now);
                free(before);
        }
        now = dump(s);
        ck_assert_ptr_nonnull(strstr(now, " expired expired "));
        ck_assert_ptr_null(strstr(now, "pending 1"));
        free(now);
        store_free(s);
}
END_TEST

/* ---- replay and downgrade ----------------------------------------------------------------- */

START_TEST(test_replay) {
        Store *s = open_store();
        const char *spec = "NAPDEF{NAPID=a;NAME=A;NAP-ADDRESS=apn.a}";
        char *before, *after;
        uint64_t id = 0;

        ck_assert_int_eq(apply_spec(s, spec, 0, &id, NULL), 0);
        before = dump(s);
        /* the same bytes again, whatever the authentication claims */
        ck_assert_int_eq(apply_spec(s, spec, 0, NULL, NULL), -EEXIST);
        ck_assert_int_eq(apply_spec(s, spec, 2, NULL, NULL), -EEXIST);
        after = dump(s);
        ck_assert_str_eq(before, after);
        ck_assert_int_eq(store_digest_applied(s, "0000"), 0);
        free(before);
        free(after);
        store_free(s);
}
END_TEST

START_TEST(test_strength_order) {
        /* USERNETWPIN > NETWPIN > USERPIN = USERPINMAC > none */
        ck_assert_uint_gt(store_auth_strength(2), store_auth_strength(0));
        ck_assert_uint_gt(store_auth_strength(0), store_auth_strength(1));
        ck_assert_uint_eq(store_auth_strength(1), store_auth_strength(3));
        ck_assert_uint_gt(store_auth_strength(3), store_auth_strength(-1));
        ck_assert_uint_eq(store_auth_strength(7), 0);
}
END_TEST

START_TEST(test_downgrade_table) {
        /* installed-by x overwritten-by: allowed iff new strength >= old strength */
        static const int secs[] = { -1, 1, 3, 0, 2 };

        for (size_t i = 0; i < ELEMENTSOF(secs); i++)
                for (size_t j = 0; j < ELEMENTSOF(secs); j++) {
                        Store *s;
                        char spec1[128], spec2[128], *conf = NULL;
                        bool allowed = store_auth_strength(secs[j]) >= store_auth_strength(secs[i]);
                        int r;

                        et_rm_rf(dir);
                        ck_assert_int_eq(mkdir(dir, 0700), 0);
                        s = open_store();
                        snprintf(spec1, sizeof spec1, "NAPDEF{NAPID=n;NAME=first;NAP-ADDRESS=a%zu}OTHER{X=1}", i);
                        snprintf(spec2, sizeof spec2, "NAPDEF{NAPID=n;NAME=second;NAP-ADDRESS=b%zu}", j);
                        ck_assert_int_eq(apply_spec(s, spec1, secs[i], NULL, NULL), 0);
                        r = apply_spec(s, spec2, secs[j], NULL, &conf);
                        if (allowed) {
                                ck_assert_msg(r == 0, "sec %d over %d: %d", secs[j], secs[i], r);
                                ck_assert_int_eq(count_rows(s, "/NAPDEF"), 4);
                        } else {
                                ck_assert_msg(r == -EPERM, "sec %d over %d: %d", secs[j], secs[i], r);
                                ck_assert_str_eq(conf, "/NAPDEF[NAPID=n]");
                        }
                        /* a different root is never blocked */
                        snprintf(spec2, sizeof spec2, "NAPDEF{NAPID=m;NAME=other;NAP-ADDRESS=c%zu}", j);
                        ck_assert_int_eq(apply_spec(s, spec2, secs[j], NULL, NULL), 0);
                        free(conf);
                        store_free(s);
                }
}
END_TEST

START_TEST(test_downgrade_dm_account) {
        Store *s = open_store();
        const char *spec1 = "APPLICATION{APPID=w7;PROVIDER-ID=srv;NAME=One}";
        const char *spec2 = "APPLICATION{APPID=w7;PROVIDER-ID=srv;NAME=Two}";
        CpDoc *d1 = et_doc(spec1), *d2 = et_doc(spec2);
        StoreAccount acc = { .server_id = "srv", .roles = 20 };
        StoreApply a = { .push = push_row(2, 20), .doc = d1, .body = (const uint8_t *) spec1,
                         .body_len = strlen(spec1), .accounts = &acc, .n_accounts = 1 };
        char *conf = NULL;

        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), 0);
        a.push = push_row(0, 4);
        a.doc = d2;
        a.body = (const uint8_t *) spec2;
        a.body_len = strlen(spec2);
        acc.roles = 4;
        ck_assert_int_eq(store_check_apply(s, &a, &conf), -EPERM);
        free(conf);
        conf = NULL;
        ck_assert_int_eq(store_apply(s, &a, NULL, &conf), -EPERM);
        ck_assert_ptr_nonnull(strstr(conf, "/APPLICATION[APPID=w7,PROVIDER-ID=srv]"));
        free(conf);
        /* an account must come from the document being applied */
        acc.server_id = "elsewhere";
        a.push = push_row(2, 20);
        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), -EBADMSG);
        cpdoc_free(d1);
        cpdoc_free(d2);
        store_free(s);
}
END_TEST

/* ---- history ------------------------------------------------------------------------------ */

typedef struct Seen {
        StorePush p;
        char sender[64], transport[64], denied[8192], digest[80], ctype[80], summary[8192];
} Seen;

static int keep_push(const StorePush *p, void *u) {
        Seen *s = u;

        s->p = *p;
        snprintf(s->sender, sizeof s->sender, "%s", p->sender ?: "(null)");
        snprintf(s->transport, sizeof s->transport, "%s", p->transport ?: "(null)");
        snprintf(s->denied, sizeof s->denied, "%s", p->denied ?: "(null)");
        snprintf(s->digest, sizeof s->digest, "%s", p->digest ?: "(null)");
        snprintf(s->ctype, sizeof s->ctype, "%s", p->content_type ?: "(null)");
        snprintf(s->summary, sizeof s->summary, "%s", p->summary ?: "(null)");
        return 0;
}

START_TEST(test_history_fields) {
        Store *s = open_store();
        char digest[STORE_DIGEST_HEX_LEN + 1], longtext[6000];
        StorePush p = {
                .received_usec = 1700000000123456ULL,
                .decided_usec = 1700000000999999ULL,
                .sender = "+4917012345678",
                .transport = "ofono",
                .sec = 1,
                .roles = 16,
                .verdict = VERDICT_REJECTED,
                .reason = REASON_ROLE_DENIED,
                .denied = "NAPDEF[1]\nPXLOGICAL[1]",
                .digest = digest,
                .content_type = "application/vnd.wap.connectivity-wbxml",
                .summary = "NAPDEF internet",
        };
        Seen seen = {};
        uint64_t id = 0;

        ck_assert_int_eq(store_digest_hex((const uint8_t *) "abc", 3, digest), 0);
        ck_assert_str_eq(digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        ck_assert_int_eq(store_record(s, &p, &id), 0);
        ck_assert_int_eq(store_get_push(s, id, keep_push, &seen), 0);
        ck_assert_uint_eq(seen.p.id, id);
        ck_assert_uint_eq(seen.p.received_usec, p.received_usec);
        ck_assert_uint_eq(seen.p.decided_usec, p.decided_usec);
        ck_assert_str_eq(seen.sender, p.sender);
        ck_assert_str_eq(seen.transport, "ofono");
        ck_assert_int_eq(seen.p.sec, 1);
        ck_assert_uint_eq(seen.p.roles, 16);
        ck_assert_int_eq(seen.p.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(seen.p.reason, REASON_ROLE_DENIED);
        ck_assert_str_eq(seen.denied, p.denied);
        ck_assert_str_eq(seen.digest, digest);
        ck_assert_str_eq(seen.ctype, p.content_type);
        ck_assert_str_eq(seen.summary, p.summary);
        ck_assert_int_eq(store_get_push(s, id + 1, keep_push, &seen), -ESRCH);

        /* NULL fields stay NULL; over-long text is cut at STORE_TEXT_MAX on a character boundary */
        for (size_t i = 0; i + 2 < sizeof longtext; i += 2)
                memcpy(longtext + i, "\xc3\xa9", 2); /* é */
        longtext[sizeof longtext - 2] = 0;
        p = (StorePush) { .sec = -1, .verdict = VERDICT_REJECTED, .reason = REASON_MALFORMED, .summary = longtext };
        ck_assert_int_eq(store_record(s, &p, &id), 0);
        ck_assert_int_eq(store_get_push(s, id, keep_push, &seen), 0);
        ck_assert_str_eq(seen.sender, "(null)");
        ck_assert_uint_eq(strlen(seen.summary), STORE_TEXT_MAX);
        ck_assert_int_eq(strncmp(seen.summary, longtext, STORE_TEXT_MAX), 0);
        store_free(s);
}
END_TEST

static int count_cb(const StorePush *p, void *u) {
        uint64_t *last = u;

        ck_assert(*last == 0 || p->id < *last); /* newest first */
        *last = p->id;
        return 0;
}

START_TEST(test_ids_monotonic_persistent) {
        Store *s = open_store();
        StorePush p = push_row(-1, 64);
        uint64_t id = 0, prev = 0, last = 0;

        p.verdict = VERDICT_REJECTED;
        p.reason = REASON_UNAUTHENTICATED;
        for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 5; i++) {
                        ck_assert_int_eq(store_record(s, &p, &id), 0);
                        ck_assert_uint_gt(id, prev);
                        prev = id;
                }
                store_free(s);
                s = open_store();
        }
        ck_assert_uint_eq(id, 15);
        ck_assert_int_eq(store_foreach_push(s, 0, 4, count_cb, &last), 4); /* bounded */
        ck_assert_uint_eq(last, 12);
        last = 0;
        ck_assert_int_eq(store_foreach_push(s, 12, 100, count_cb, &last), 11); /* paging */
        store_free(s);
}
END_TEST

/* ---- settings ----------------------------------------------------------------------------- */

static void expect_path(const StoreSettingList *l, const char *path, const char *root, const char *value) {
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->items[i].path, path) == 0) {
                        ck_assert_str_eq(l->items[i].root, root);
                        if (value)
                                ck_assert_str_eq(l->items[i].value, value);
                        return;
                }
        ck_abort_msg("no row %s", path);
}

START_TEST(test_settings_paths) {
        CpDoc *d = et_doc("NAPDEF{NAPID=internet;NAME=Net;BEARER=GSM-GPRS;BEARER=GSM-CSD;NAP-ADDRESS=apn;INTERNET;"
                          "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u1};NAPAUTHINFO{AUTHTYPE=CHAP;AUTHNAME=u2}}"
                          "NAPDEF{NAPID=internet;NAME=Dup;NAP-ADDRESS=apn2}"
                          "NAPDEF{NAPID=a/b[c]=d.e#f%g h;NAME=Hostile;NAP-ADDRESS=x}"
                          "PXLOGICAL{PROXY-ID=px;PXPHYSICAL{PHYSICAL-PROXY-ID=p1;PXADDR=1.2.3.4;PORT{PORTNBR=80}}}"
                          "APPLICATION{APPID=w2;NAME=Browser}APPLICATION{APPID=w7;PROVIDER-ID=srv}"
                          "BOOTSTRAP{NAME=x}BOOTSTRAP{NAME=y}");
        StoreSettingList l = {};

        ck_assert_int_eq(store_settings_from_doc(d, &l), 0);
        expect_path(&l, "/NAPDEF[NAPID=internet]", "/NAPDEF[NAPID=internet]", NULL);
        expect_path(&l, "/NAPDEF[NAPID=internet].BEARER", "/NAPDEF[NAPID=internet]", "GSM-GPRS");
        expect_path(&l, "/NAPDEF[NAPID=internet].BEARER#1", "/NAPDEF[NAPID=internet]", "GSM-CSD");
        expect_path(&l, "/NAPDEF[NAPID=internet].INTERNET", "/NAPDEF[NAPID=internet]", NULL);
        expect_path(&l, "/NAPDEF[NAPID=internet]/NAPAUTHINFO.AUTHNAME", "/NAPDEF[NAPID=internet]", "u1");
        expect_path(&l, "/NAPDEF[NAPID=internet]/NAPAUTHINFO#1.AUTHNAME", "/NAPDEF[NAPID=internet]", "u2");
        expect_path(&l, "/NAPDEF[NAPID=internet]#1.NAME", "/NAPDEF[NAPID=internet]#1", "Dup");
        expect_path(&l, "/NAPDEF[NAPID=a%2Fb%5Bc%5D%3Dd%2Ee%23f%25g%20h].NAME",
                    "/NAPDEF[NAPID=a%2Fb%5Bc%5D%3Dd%2Ee%23f%25g%20h]", "Hostile");
        expect_path(&l, "/PXLOGICAL[PROXY-ID=px]/PXPHYSICAL[PHYSICAL-PROXY-ID=p1]/PORT.PORTNBR",
                    "/PXLOGICAL[PROXY-ID=px]", "80");
        expect_path(&l, "/APPLICATION[APPID=w2].NAME", "/APPLICATION[APPID=w2]", "Browser");
        expect_path(&l, "/APPLICATION[APPID=w7,PROVIDER-ID=srv].PROVIDER-ID", "/APPLICATION[APPID=w7,PROVIDER-ID=srv]",
                    "srv");
        expect_path(&l, "/BOOTSTRAP#1.NAME", "/BOOTSTRAP#1", "y");
        /* paths are unique */
        for (size_t i = 0; i < l.n; i++)
                for (size_t j = i + 1; j < l.n; j++)
                        ck_assert_str_ne(l.items[i].path, l.items[j].path);
        store_setting_list_done(&l);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_settings_flagged_refused) {
        CpDoc *d = et_doc("NAPDEF{NAPID=n;NAME=N;NAP-ADDRESS=a;X-VENDOR=1;WEIRD{A=1}}VENDORTHING{B=2}");
        StoreSettingList l = {};

        /* flag as cpdoc_validate would: unknown parm, unknown child, unknown root */
        for (CpParm *p = d->chars->parms; p; p = p->next)
                if (strcmp(p->name, "X-VENDOR") == 0)
                        p->flags |= CP_FLAG_UNKNOWN;
        d->chars->children->flags |= CP_FLAG_UNKNOWN;
        d->chars->next->flags |= CP_FLAG_MISPLACED;
        /* issue 12: a flagged element is never dropped silently; the store refuses the document
         * (the policy refuses it first, as unsupported) */
        ck_assert_int_eq(store_settings_from_doc(d, &l), -EOPNOTSUPP);
        ck_assert_uint_eq(l.n, 0);
        cpdoc_free(d);
        /* each flag alone refuses it too: unknown parm, unknown child, misplaced root */
        d = et_doc("NAPDEF{NAPID=n;NAME=N;NAP-ADDRESS=a;X-VENDOR=1}");
        d->chars->parms->next->next->next->flags |= CP_FLAG_UNKNOWN;
        ck_assert_int_eq(store_settings_from_doc(d, &l), -EOPNOTSUPP);
        cpdoc_free(d);
        d = et_doc("NAPDEF{NAPID=n;NAME=N;NAP-ADDRESS=a;WEIRD{A=1}}");
        d->chars->children->flags |= CP_FLAG_UNKNOWN;
        ck_assert_int_eq(store_settings_from_doc(d, &l), -EOPNOTSUPP);
        cpdoc_free(d);
        d = et_doc("NAPDEF{NAPID=n;NAME=N;NAP-ADDRESS=a}VENDORTHING{B=2}");
        d->chars->next->flags |= CP_FLAG_MISPLACED;
        ck_assert_int_eq(store_settings_from_doc(d, &l), -EOPNOTSUPP);
        cpdoc_free(d);
        /* what is kept elsewhere gives no rows and no refusal: a root-level SecurityPolicy (the
         * over-the-air policy layer, flagged because ProvCont does not know it) */
        d = et_doc("NAPDEF{NAPID=n;NAME=N;NAP-ADDRESS=a}SecurityPolicy{4119=128}");
        d->chars->next->flags |= CP_FLAG_UNKNOWN;
        d->chars->next->parms->flags |= CP_FLAG_UNKNOWN;
        ck_assert_int_eq(store_settings_from_doc(d, &l), 0);
        ck_assert_uint_eq(l.n, 4); /* NAPDEF row + NAPID, NAME, NAP-ADDRESS */
        for (size_t i = 0; i < l.n; i++)
                ck_assert_ptr_null(strstr(l.items[i].path, "SecurityPolicy"));
        store_setting_list_done(&l);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_settings_root_replaced_as_unit) {
        Store *s = open_store();

        ck_assert_int_eq(apply_spec(s, "NAPDEF{NAPID=a;NAME=A;NAP-ADDRESS=x;NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u}}"
                                       "NAPDEF{NAPID=b;NAME=B;NAP-ADDRESS=y}", 0, NULL, NULL), 0);
        ck_assert_int_eq(count_rows(s, "/NAPDEF[NAPID=a]"), 7);
        ck_assert_int_eq(apply_spec(s, "NAPDEF{NAPID=a;NAME=A2;NAP-ADDRESS=x2}", 0, NULL, NULL), 0);
        ck_assert_int_eq(count_rows(s, "/NAPDEF[NAPID=a]"), 4); /* NAPAUTHINFO went with the old root */
        ck_assert_int_eq(count_rows(s, "/NAPDEF[NAPID=b]"), 4); /* other roots untouched */
        ck_assert_int_eq(count_rows(s, NULL), 8);
        store_free(s);
}
END_TEST

/* ---- pending ------------------------------------------------------------------------------ */

START_TEST(test_pending_cap_attempts_expiry) {
        Store *s = open_store();
        StorePush p = push_row(1, 0);
        StorePending pd = { .state = PENDING_NEEDS_PIN, .sec = 1, .body = (const uint8_t *) "\x03\x0b",
                            .body_len = 2, .mac = "BAA186A0F7802E017A4A69B214921DB16EF26512",
                            .unverified_summary = "NAPDEF NAPID=x" };
        StorePendingLimits lim = { .max_authenticated = 1, .max_unverified = 1, .max_unverified_per_sender = 1 };
        StorePending *got = NULL;
        uint64_t id1, id2, id3, *ids = NULL;
        unsigned att;

        p.verdict = VERDICT_PENDING;
        p.reason = REASON_NEEDS_PIN;
        p.digest = DIGEST_X;
        pd.expires_usec = 10000;
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id1), 0);
        /* the same bytes again: the same pending push, nothing stored */
        id3 = 0;
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id3), -EEXIST);
        ck_assert_uint_eq(id3, id1);
        /* an authenticated push has its own cap: the unverified one does not take its slot */
        pd.expires_usec = 20000;
        pd.state = PENDING_NEEDS_CONFIRMATION;
        pd.sec = 0;
        pd.authenticated = true;
        p.digest = "00";
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id2), 0);
        p.digest = "01";
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id3), -ENOSPC);
        ck_assert_int_eq(store_count_pending(s), 2);

        ck_assert_int_eq(store_get_pending(s, id1, &got), 0);
        ck_assert_uint_eq(got->body_len, 2);
        ck_assert_int_eq(memcmp(got->body, "\x03\x0b", 2), 0);
        ck_assert_str_eq(got->mac, "BAA186A0F7802E017A4A69B214921DB16EF26512");
        ck_assert_int_eq(got->state, PENDING_NEEDS_PIN);
        ck_assert(!got->authenticated);
        ck_assert_str_eq(got->unverified_summary, "NAPDEF NAPID=x");
        ck_assert_ptr_null(got->summary);
        ck_assert_str_eq(got->sender, "+491701234567");
        got = store_pending_free(got);
        ck_assert_int_eq(store_get_pending(s, id2, &got), 0);
        ck_assert(got->authenticated);
        ck_assert_ptr_null(got->unverified_summary); /* provd's words only for a PIN push */
        got = store_pending_free(got);
        ck_assert_int_eq(store_get_pending(s, 999, &got), -ESRCH);

        ck_assert_int_eq(store_pin_attempts(s, DIGEST_X), 0);
        for (unsigned i = 1; i <= 3; i++) {
                ck_assert_int_eq(store_pending_use_attempt(s, id1, 3, 3000 + i, &att), 0);
                ck_assert_uint_eq(att, i);
        }
        ck_assert_int_eq(store_pending_use_attempt(s, id1, 3, 4000, &att), -EDQUOT);
        ck_assert_int_eq(store_pending_use_attempt(s, id2, 3, 4000, &att), -EBUSY); /* waits for confirmation */
        ck_assert_int_eq(store_pending_use_attempt(s, 999, 3, 4000, &att), -ESRCH);
        ck_assert_int_eq(store_pin_attempts(s, DIGEST_X), 3);

        /* attempts survive a restart */
        store_free(s);
        s = open_store();
        ck_assert_int_eq(store_pending_use_attempt(s, id1, 3, 4000, &att), -EDQUOT);

        ck_assert_int_eq(store_expire(s, 9999, NULL), 0);
        ck_assert_int_eq(store_expire(s, 10000, &ids), 1);
        ck_assert_uint_eq(ids[0], id1);
        free(ids);
        /* ... and the push: the digest keeps its count */
        ck_assert_int_eq(store_pin_attempts(s, DIGEST_X), 3);
        ck_assert_int_eq(store_count_pending(s), 1);
        ck_assert_int_eq(store_finish_pending(s, id2, VERDICT_REJECTED, REASON_DISCARDED, 0, NULL, NULL, 15000), 0);
        ck_assert_int_eq(store_finish_pending(s, id2, VERDICT_REJECTED, REASON_DISCARDED, 0, NULL, NULL, 15000), -ESRCH);
        ck_assert_int_eq(store_count_pending(s), 0);
        store_free(s);
}
END_TEST

START_TEST(test_pending_unverified_caps) {
        Store *s = open_store();
        StorePush p = push_row(1, 0);
        StorePending pd = { .state = PENDING_NEEDS_PIN, .sec = 1, .body = (const uint8_t *) "b", .body_len = 1,
                            .expires_usec = 100 };
        StorePendingLimits lim = { .max_authenticated = 1, .max_unverified = 3, .max_unverified_per_sender = 2 };
        char digest[8];
        uint64_t id;

        p.verdict = VERDICT_PENDING;
        p.reason = REASON_NEEDS_PIN;
        /* per sender: at the limit, then one past */
        for (unsigned i = 0; i < 3; i++) {
                snprintf(digest, sizeof digest, "a%u", i);
                p.digest = digest;
                ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id), i < 2 ? 0 : -EUSERS);
        }
        /* another sender fits until the global unverified cap, then not even a new sender */
        p.sender = "+4900";
        p.digest = "b0";
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id), 0);
        p.sender = "+4901";
        p.digest = "b1";
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id), -ENOSPC);
        /* no sender at all is one sender too */
        p.sender = NULL;
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id), -ENOSPC);
        /* the queue is full of unverified pushes: an authenticated one still gets in */
        pd.state = PENDING_NEEDS_CONFIRMATION;
        pd.authenticated = true;
        pd.sec = 0;
        p.digest = "c0";
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim, &id), 0);
        ck_assert_int_eq(store_count_pending(s), 4);
        store_free(s);
}
END_TEST

START_TEST(test_apply_from_pending) {
        Store *s = open_store();
        StorePush p = push_row(1, 0);
        const char *spec = "APPLICATION{APPID=w2;NAME=Browser}";
        CpDoc *d = et_doc(spec);
        StorePending pd = { .state = PENDING_NEEDS_PIN, .sec = 1, .body = (const uint8_t *) spec,
                            .body_len = strlen(spec), .expires_usec = 100 };
        StoreApply a = { .doc = d, .body = (const uint8_t *) spec, .body_len = strlen(spec) };
        Seen seen = {};
        uint64_t id, got = 0;

        p.verdict = VERDICT_PENDING;
        p.reason = REASON_NEEDS_PIN;
        ck_assert_int_eq(store_add_pending(s, &p, &pd, &lim8, &id), 0);
        a.push = push_row(1, 16);
        a.push.id = id;
        a.push.decided_usec = 4242;
        ck_assert_int_eq(store_apply(s, &a, &got, NULL), 0);
        ck_assert_uint_eq(got, id);
        ck_assert_int_eq(store_count_pending(s), 0);
        ck_assert_int_eq(store_get_push(s, id, keep_push, &seen), 0);
        ck_assert_int_eq(seen.p.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(seen.p.roles, 16);
        ck_assert_uint_eq(seen.p.decided_usec, 4242);
        /* not pending any more */
        a.body = (const uint8_t *) "other";
        a.body_len = 5;
        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), -ESRCH);
        cpdoc_free(d);
        store_free(s);
}
END_TEST

/* ---- retention (store.h "Retention") --------------------------------------------------------- */

static int collect_ids(const StorePush *p, void *u) {
        FILE *f = u;

        fprintf(f, "%llu ", (unsigned long long) p->id);
        return 0;
}

/* The history ids, newest first, as "5 4 3 ". */
static char *history_ids(Store *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_int_ge(store_foreach_push(s, 0, STORE_QUERY_LIMIT_MAX, collect_ids, f), 0);
        fclose(f);
        return buf;
}

static int64_t query_int(Store *s, const char *sql) {
        int64_t v = -1;

        ck_assert_int_eq(store_test_query_int(s, sql, &v), 0);
        return v;
}

static void record_at(Store *s, uint64_t decided_usec, uint64_t *ret_id) {
        StorePush p = push_row(-1, 0);

        p.verdict = VERDICT_REJECTED;
        p.reason = REASON_BOOTSTRAP_DISABLED;
        p.decided_usec = decided_usec;
        ck_assert_int_eq(store_record(s, &p, ret_id), 0);
}

static int apply_spec_at(Store *s, const char *spec, int sec, uint64_t decided_usec, uint64_t *ret_id) {
        CpDoc *d = et_doc(spec);
        StoreApply a = {
                .push = push_row(sec, 4),
                .doc = d,
                .body = (const uint8_t *) spec,
                .body_len = strlen(spec),
        };
        int r;

        a.push.decided_usec = decided_usec;
        r = store_apply(s, &a, ret_id, NULL);
        cpdoc_free(d);
        return r;
}

static bool digest_applied(Store *s, const char *spec) {
        char digest[STORE_DIGEST_HEX_LEN + 1];
        int r;

        ck_assert_int_eq(store_digest_hex((const uint8_t *) spec, strlen(spec), digest), 0);
        r = store_digest_applied(s, digest);
        ck_assert_int_ge(r, 0);
        return r > 0;
}

/* HistoryMax=10: ten rows are kept (at the limit), the eleventh push drops the oldest (past it). */
START_TEST(test_retention_history_count) {
        Store *s = open_store();
        StoreRetention rt = { .history_max = 10 };
        char *ids;
        uint64_t id = 0;

        store_set_retention(s, &rt);
        for (unsigned i = 1; i <= 10; i++)
                record_at(s, 1000 + i, &id);
        ids = history_ids(s);
        ck_assert_str_eq(ids, "10 9 8 7 6 5 4 3 2 1 ");
        free(ids);
        record_at(s, 2000, &id);
        ck_assert_uint_eq(id, 11);
        ids = history_ids(s);
        ck_assert_str_eq(ids, "11 10 9 8 7 6 5 4 3 2 ");
        free(ids);
        for (unsigned i = 0; i < 40; i++)
                record_at(s, 3000 + i, &id);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM pushes"), 10);
        ck_assert_int_eq(query_int(s, "SELECT MIN(id) FROM pushes"), 42);
        /* ids go on from where they were, never reused, also after a reopen */
        store_free(s);
        s = open_store();
        record_at(s, 4000, &id);
        ck_assert_uint_eq(id, 52);
        store_free(s);
}
END_TEST

/* HistoryMaxAgeSec=100: a row decided exactly 100 s before the newest write is kept (at the
 * limit), one decided 1 µs earlier goes (past it). Age is measured on decided_usec. */
START_TEST(test_retention_history_age) {
        Store *s = open_store();
        StoreRetention rt = { .history_max_age_usec = 100 * 1000000ULL };
        const uint64_t t = 1700000000ULL * 1000000ULL;
        char *ids;

        store_set_retention(s, &rt);
        record_at(s, t - 1, NULL);              /* id 1: 100 s + 1 µs old at the last write */
        record_at(s, t, NULL);                  /* id 2: exactly 100 s old */
        record_at(s, t + 50 * 1000000ULL, NULL); /* id 3 */
        ids = history_ids(s);
        ck_assert_str_eq(ids, "3 2 1 ");
        free(ids);
        record_at(s, t + 100 * 1000000ULL, NULL); /* id 4: now = t + 100 s */
        ids = history_ids(s);
        ck_assert_str_eq(ids, "4 3 2 ");
        free(ids);
        /* store_prune at a later time applies the limit to what is stored */
        ck_assert_int_eq(store_prune(s, t + 150 * 1000000ULL + 1), 2);
        ids = history_ids(s);
        ck_assert_str_eq(ids, "4 ");
        free(ids);
        /* no age limit: nothing goes however old */
        rt.history_max_age_usec = 0;
        store_set_retention(s, &rt);
        ck_assert_int_eq(store_prune(s, UINT64_C(1) << 62), 0);
        store_free(s);
}
END_TEST

/* Rows something in force points to stay: the push that installed settings, a DM account or a
 * certificate, and a pending push, however old and however many pushes came after. */
/* The push that set an over-the-air policy value keeps its history row while the value is in
 * force (provctl policy names it), even after its document was wholly replaced. */
START_TEST(test_retention_keeps_policy_push) {
        Store *s = open_store();
        StoreRetention rt = { .history_max = 10 };
        const char *spec1 = "NAPDEF{NAPID=pol;NAME=Pol;NAP-ADDRESS=one.example}";
        const char *spec2 = "NAPDEF{NAPID=pol;NAME=Pol;NAP-ADDRESS=two.example}";
        StorePolicyValue v = { .key = "GrantManager", .value = 128 };
        CpDoc *d = et_doc(spec1);
        StoreApply a = { .push = push_row(1, 4), .doc = d, .body = (const uint8_t *) spec1,
                         .body_len = strlen(spec1), .policy = &v, .n_policy = 1 };
        uint64_t first = 0, second = 0;
        char *ids, want[32];

        store_set_retention(s, &rt);
        a.push.decided_usec = 10;
        ck_assert_int_eq(store_apply(s, &a, &first, NULL), 0);
        cpdoc_free(d);
        ck_assert_int_eq(apply_spec_at(s, spec2, 1, 20, &second), 0);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents"), 1); /* the first one replaced whole */
        for (unsigned i = 0; i < 100; i++)
                record_at(s, 1000 + i, NULL);
        snprintf(want, sizeof want, " %" PRIu64 " ", first);
        ids = history_ids(s);
        ck_assert_msg(strstr(ids, want), "push %" PRIu64 " pruned while its policy value is in force: %s", first, ids);
        free(ids);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM ota_policy"), 1);
        store_free(s);
}
END_TEST

START_TEST(test_retention_keeps_referenced) {
        Store *s = open_store();
        StoreRetention rt = { .history_max = 10, .history_max_age_usec = 1000000ULL };
        StorePending pd = { .state = PENDING_NEEDS_PIN, .sec = 1, .body = (const uint8_t *) "x", .body_len = 1,
                            .expires_usec = UINT64_C(1) << 60 };
        StorePush pp = push_row(1, 0);
        uint64_t applied = 0, pending = 0;
        char *ids;

        store_set_retention(s, &rt);
        ck_assert_int_eq(apply_spec_at(s, "NAPDEF{NAPID=keep;NAME=Keep;NAP-ADDRESS=keep.example}", 0, 10, &applied), 0);
        pp.verdict = VERDICT_PENDING;
        pp.reason = REASON_NEEDS_PIN;
        pp.decided_usec = 20;
        ck_assert_int_eq(store_add_pending(s, &pp, &pd, &lim8, &pending), 0);
        for (unsigned i = 0; i < 100; i++)
                record_at(s, 1000000000ULL + i, NULL);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM pushes"), 12);
        ids = history_ids(s);
        ck_assert_ptr_nonnull(strstr(ids, " 2 1 ")); /* the applied push and the pending one */
        free(ids);
        ck_assert_int_eq(count_rows(s, NULL), 4);
        /* once the pending push is decided, nothing points to it: it goes with the next write */
        ck_assert_int_eq(store_finish_pending(s, pending, VERDICT_REJECTED, REASON_DISCARDED, 0, NULL, NULL, 30), 0);
        record_at(s, 2000000000ULL, NULL);
        ids = history_ids(s);
        ck_assert_ptr_null(strstr(ids, " 2 "));
        ck_assert_ptr_nonnull(strstr(ids, " 1 "));
        free(ids);
        store_free(s);
}
END_TEST

/* A document whose every root a newer one replaced is deleted with its body (the old password),
 * its digest kept: the replay is still refused after its history row was pruned too. A document
 * only partly replaced keeps its row and its rows in force, but not its body. */
START_TEST(test_retention_superseded_documents) {
        static const char *const a = "NAPDEF{NAPID=internet;NAME=A;NAP-ADDRESS=a.example;"
                                     "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u;AUTHSECRET=oldsecret1}}";
        static const char *const b = "NAPDEF{NAPID=internet;NAME=B;NAP-ADDRESS=b.example;"
                                     "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u;AUTHSECRET=newsecret2}}";
        static const char *const two = "NAPDEF{NAPID=x;NAME=X;NAP-ADDRESS=x.example;"
                                       "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u;AUTHSECRET=xsecret3}}"
                                       "NAPDEF{NAPID=y;NAME=Y;NAP-ADDRESS=y.example}";
        static const char *const x2 = "NAPDEF{NAPID=x;NAME=X2;NAP-ADDRESS=x2.example}";
        Store *s = open_store();
        StoreRetention rt = { .history_max = 10 };
        uint64_t ida = 0, idb = 0, idtwo = 0;
        char *d;

        store_set_retention(s, &rt);
        ck_assert_int_eq(apply_spec_at(s, a, 0, 100, &ida), 0);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents WHERE instr(body, 'oldsecret1') > 0"), 1);
        ck_assert_int_eq(apply_spec_at(s, b, 0, 200, &idb), 0);
        /* A is gone, body and all; B is the only document */
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents"), 1);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents WHERE instr(body, 'oldsecret1') > 0"), 0);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM replay_digests"), 1);
        d = dump(s);
        ck_assert_ptr_null(strstr(d, "oldsecret1"));
        ck_assert_ptr_nonnull(strstr(d, "newsecret2"));
        free(d);
        /* A's history row is no longer referenced: twenty more pushes prune it */
        for (unsigned i = 0; i < 20; i++)
                record_at(s, 300 + i, NULL);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM pushes WHERE id = 1"), 0);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM pushes WHERE id = 2"), 1); /* B: in force */
        /* ... and A is still a replay, by its kept digest */
        ck_assert(digest_applied(s, a));
        ck_assert_int_eq(apply_spec_at(s, a, 0, 400, NULL), -EEXIST);

        /* partly replaced: "two" installed x and y; x2 replaces x only */
        ck_assert_int_eq(apply_spec_at(s, two, 0, 500, &idtwo), 0);
        ck_assert_int_eq(apply_spec_at(s, x2, 0, 600, NULL), 0);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents WHERE instr(body, 'xsecret3') > 0"), 0);
        ck_assert_int_eq(query_int(s, "SELECT length(body) FROM documents WHERE push_id = 23"), 0);
        ck_assert_int_eq(count_rows(s, "/NAPDEF[NAPID=y]"), 4);
        ck_assert(digest_applied(s, two));
        ck_assert_int_eq(apply_spec_at(s, two, 0, 700, NULL), -EEXIST);
        store_free(s);
        ck_assert_uint_eq(idtwo, 23);
}
END_TEST

/* A document that installed only a certificate stays while the certificate does; removing the
 * certificate (certs.d [Remove]) deletes it and keeps its digest. */
START_TEST(test_retention_certificate_document) {
        static const char *const spec = "CertificateStore{NAME=only a certificate}";
        Store *s = open_store();
        CpDoc *d = et_doc(spec);
        StoreCert c = { .store = "SPC", .thumbprint = "0123456789ABCDEF0123456789ABCDEF01234567",
                        .der = (const uint8_t *) "\x30\x00", .der_len = 2, .roles = 8, .source = "push",
                        .subject = "CN=test" };
        StoreApply a = { .push = push_row(2, 20), .doc = d, .body = (const uint8_t *) spec,
                         .body_len = strlen(spec), .certs = &c, .n_certs = 1 };

        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), 0);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents"), 1);
        ck_assert_int_eq(count_rows(s, NULL), 0);
        ck_assert_int_eq(store_delete_certificate(s, "SPC", c.thumbprint), 1);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents"), 0);
        ck_assert(digest_applied(s, spec));
        ck_assert_int_eq(store_apply(s, &a, NULL, NULL), -EEXIST);
        ck_assert_int_eq(store_delete_certificate(s, "SPC", c.thumbprint), 0);
        cpdoc_free(d);
        store_free(s);
}
END_TEST

/* ReplayDigestsMax: past the cap the weakest digest goes first, then the oldest of equal
 * strength; a lowered cap is applied by store_prune. */
START_TEST(test_retention_replay_digest_eviction) {
        static const char *const spec[] = {
                "NAPDEF{NAPID=r;NAME=1;NAP-ADDRESS=a1.example}", /* NETWPIN (2) */
                "NAPDEF{NAPID=r;NAME=2;NAP-ADDRESS=a2.example}", /* NETWPIN (2) */
                "NAPDEF{NAPID=r;NAME=3;NAP-ADDRESS=b.example}",  /* USERNETWPIN (3) */
                "NAPDEF{NAPID=r;NAME=4;NAP-ADDRESS=c.example}",  /* USERNETWPIN (3) */
                "NAPDEF{NAPID=r;NAME=5;NAP-ADDRESS=d.example}",  /* USERNETWPIN (3) */
        };
        static const int sec[] = { 0, 0, 2, 2, 2 };
        Store *s = open_store();
        StoreRetention rt = { .replay_digests_max = 2 };

        store_set_retention(s, &rt);
        for (unsigned i = 0; i < 3; i++)
                ck_assert_int_eq(apply_spec_at(s, spec[i], sec[i], 100 + i, NULL), 0);
        /* superseded: 1 and 2 (both strength 2); at the cap */
        ck_assert(digest_applied(s, spec[0]) && digest_applied(s, spec[1]));
        ck_assert_int_eq(apply_spec_at(s, spec[3], sec[3], 103, NULL), 0);
        /* 3 superseded (strength 3): past the cap, the weakest-oldest (1) goes */
        ck_assert(!digest_applied(s, spec[0]));
        ck_assert(digest_applied(s, spec[1]) && digest_applied(s, spec[2]));
        ck_assert_int_eq(apply_spec_at(s, spec[4], sec[4], 104, NULL), 0);
        /* 4 superseded: the remaining weak one (2) goes before the older strong one (3) */
        ck_assert(!digest_applied(s, spec[1]));
        ck_assert(digest_applied(s, spec[2]) && digest_applied(s, spec[3]) && digest_applied(s, spec[4]));
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM replay_digests"), 2);
        ck_assert_int_eq(query_int(s, "SELECT value FROM store_meta WHERE key = 'replay_digests'"), 2);
        /* a lowered cap: store_prune drops the older of the two strong ones */
        rt.replay_digests_max = 1;
        store_set_retention(s, &rt);
        ck_assert_int_eq(store_prune(s, 0), 1);
        ck_assert(!digest_applied(s, spec[2]));
        ck_assert(digest_applied(s, spec[3]) && digest_applied(s, spec[4]));
        store_free(s);
}
END_TEST

/* One write deletes at most STORE_PRUNE_BATCH rows, whatever the backlog (a push's cost does not
 * grow with the store); store_prune catches up; every write shrinks the backlog. */
START_TEST(test_retention_bounded_per_write) {
        Store *s = open_store();
        StoreRetention rt = { .history_max = 10 };
        int64_t before;

        for (unsigned i = 0; i < 200; i++)
                record_at(s, 1000 + i, NULL);
        store_set_retention(s, &rt);
        before = query_int(s, "SELECT COUNT(*) FROM pushes");
        ck_assert_int_eq(before, 200);
        record_at(s, 5000, NULL);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM pushes"), before + 1 - STORE_PRUNE_BATCH);
        record_at(s, 5001, NULL);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM pushes"), before + 2 - 2 * STORE_PRUNE_BATCH);
        ck_assert_int_eq(store_prune(s, 6000), before + 2 - 2 * STORE_PRUNE_BATCH - 10);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM pushes"), 10);
        ck_assert_int_eq(query_int(s, "SELECT MIN(id) FROM pushes"), 193);
        store_free(s);
}
END_TEST

/* A store written at schema 3 with a superseded document: migrating deletes it and keeps its
 * digest, so the replay is still refused. */
START_TEST(test_retention_migration) {
        static const char *const a = "NAPDEF{NAPID=m;NAME=A;NAP-ADDRESS=a.example;"
                                     "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u;AUTHSECRET=migsecret}}";
        static const char *const b = "NAPDEF{NAPID=m;NAME=B;NAP-ADDRESS=b.example}";
        Store *s = NULL;

        ck_assert_int_eq(store_test_open_at_version(&s, dir, 3), 0);
        ck_assert_int_eq(apply_spec(s, a, 0, NULL, NULL), 0);
        ck_assert_int_eq(apply_spec(s, b, 0, NULL, NULL), 0);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents"), 2); /* schema 3 kept both */
        store_free(s);
        s = open_store();
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents"), 1);
        ck_assert_int_eq(query_int(s, "SELECT COUNT(*) FROM documents WHERE instr(body, 'migsecret') > 0"), 0);
        ck_assert_int_eq(query_int(s, "SELECT value FROM store_meta WHERE key = 'replay_digests'"), 1);
        ck_assert(digest_applied(s, a));
        ck_assert_int_eq(apply_spec(s, a, 0, NULL, NULL), -EEXIST);
        store_free(s);
}
END_TEST

/* ---- locks (issue 9 finding 2) ------------------------------------------------------------ */

/* The reader: a fresh process image (a forked child would inherit this process's SQLite state
 * and know of the store's connection), as an administrator's sqlite3 is. Opens the database
 * read-write, counts the history, closes: as the last connection it knows of, SQLite then
 * checkpoints and deletes the write-ahead log if it can take the exclusive lock. */
#define READER_ARG "--read-db"

static char self_path[4096]; /* this test binary (readlink /proc/self/exe in main; valgrind
                              * answers that with the client's path, not its own) */

static int reader_main(const char *path) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int n = -1;

        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM pushes", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return n < 0 ? 255 : MIN(n, 254);
}

static int other_process_reads(const char *path) {
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                execl(self_path, "test-store", READER_ARG, path, (char *) NULL);
                _exit(127);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        return WEXITSTATUS(status);
}

/* While the store is open, another process's close must not checkpoint and delete the live WAL:
 * what this process commits afterwards must be visible to the next reader. */
START_TEST(test_lock_kept_across_reader) {
        Store *s = open_store();
        char *path = NULL, *wal = NULL;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, STORE_DB_NAME), 0);
        ck_assert_int_ge(asprintf(&wal, "%s-wal", path), 0);
        record_at(s, 1, NULL);
        record_at(s, 2, NULL);
        ck_assert_int_eq(other_process_reads(path), 2);
        ck_assert_int_eq(access(wal, F_OK), 0);
        record_at(s, 3, NULL);
        ck_assert_int_eq(other_process_reads(path), 3);
        store_free(s);
        free(path);
        free(wal);
}
END_TEST

int main(int argc, char *argv[]) {
        Suite *s;
        TCase *tc;

        if (argc == 3 && strcmp(argv[1], READER_ARG) == 0)
                return reader_main(argv[2]); /* other_process_reads() */
        if (readlink("/proc/self/exe", self_path, sizeof self_path - 1) <= 0)
                snprintf(self_path, sizeof self_path, "%s", argv[0]);
        s = suite_create("store");

        tc = tcase_create("/store/schema");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_migrate_from_empty);
        TU_ADD(tc, test_migrate_forward);
        TU_ADD(tc, test_migrate_newer_refused);
        TU_ADD(tc, test_migrate_unverified_scrubbed);
        TU_ADD(tc, test_migrate_sim_binding);
        TU_ADD(tc, test_open_not_a_database);
        suite_add_tcase(s, tc);

        tc = tcase_create("/store/atomicity");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_apply_all_or_nothing);
        TU_ADD(tc, test_pending_ops_all_or_nothing);
        suite_add_tcase(s, tc);

        tc = tcase_create("/store/replay-downgrade");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_replay);
        TU_ADD(tc, test_strength_order);
        TU_ADD(tc, test_downgrade_table);
        TU_ADD(tc, test_downgrade_dm_account);
        suite_add_tcase(s, tc);

        tc = tcase_create("/store/history");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_history_fields);
        TU_ADD(tc, test_ids_monotonic_persistent);
        suite_add_tcase(s, tc);

        tc = tcase_create("/store/settings");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_settings_paths);
        TU_ADD(tc, test_settings_flagged_refused);
        TU_ADD(tc, test_settings_root_replaced_as_unit);
        suite_add_tcase(s, tc);

        tc = tcase_create("/store/pending");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_pending_cap_attempts_expiry);
        TU_ADD(tc, test_pending_unverified_caps);
        TU_ADD(tc, test_apply_from_pending);
        suite_add_tcase(s, tc);

        tc = tcase_create("/store/retention");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_retention_history_count);
        TU_ADD(tc, test_retention_history_age);
        TU_ADD(tc, test_retention_keeps_referenced);
        TU_ADD(tc, test_retention_keeps_policy_push);
        TU_ADD(tc, test_retention_superseded_documents);
        TU_ADD(tc, test_retention_certificate_document);
        TU_ADD(tc, test_retention_replay_digest_eviction);
        TU_ADD(tc, test_retention_bounded_per_write);
        TU_ADD(tc, test_retention_migration);
        suite_add_tcase(s, tc);

        tc = tcase_create("/store/locks");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_lock_kept_across_reader);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
