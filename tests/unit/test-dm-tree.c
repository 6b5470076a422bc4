/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-tree.c: verifierd/dm-tree.c over a real engine and store (dm-testutil.h): every DM
 * status of dm_tree_get and dm_tree_apply, the URI caps at and past their limits, role bounding
 * from an Operator-only account against the same commands from a Manager account, Atomic
 * rollback, a Replace visible as the same settings row provctl settings shows, the history row
 * of a DM write, and that secrets are never readable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dm-testutil.h"

static void setup(void) {
        dt_setup();
}

static void teardown(void) {
        dt_teardown();
}

static unsigned get(DmTree *t, const char *uri, char **ret_data) {
        DmTreeValue v = {};
        unsigned st;

        ck_assert_int_eq(dm_tree_get(t, uri, &v), 0);
        st = v.status;
        if (ret_data)
                *ret_data = v.data ? strdup(v.data) : NULL;
        dm_tree_value_done(&v);
        return st;
}

static void get_eq(DmTree *t, const char *uri, const char *want) {
        char *d = NULL;
        unsigned st = get(t, uri, &d);

        ck_assert_msg(st == 200, "%s: %u", uri, st);
        ck_assert_str_eq(d, want);
        free(d);
}

static unsigned op1(DmTree *t, DmCmdType type, const char *uri, const char *data) {
        DmTreeOp op = { .type = type, .uri = uri, .data = data };
        unsigned st = 0;

        ck_assert_int_eq(dm_tree_apply(t, &op, 1, false, &st), 0);
        return st;
}

static unsigned n_history(void) {
        int64_t n = 0;

        ck_assert_int_eq(store_test_query_int(engine_get_store(dt_eng), "SELECT COUNT(*) FROM pushes", &n), 0);
        return (unsigned) n;
}

START_TEST(test_devinfo_devdetail) {
        DmTree *t = dt_tree("opsrv");
        DmDevInfo di = {};
        char *d = NULL;

        get_eq(t, ".", "DevInfo/DevDetail/DMAcc/Vendor");
        get_eq(t, "./DevInfo", "DevId/Man/Mod/DmV/Lang");
        get_eq(t, "./DevInfo/DmV", "1.2");
        get_eq(t, "./DevInfo/Lang", "en-US");
        get_eq(t, "./DevInfo/Man", "provboot");
        ck_assert_uint_eq(get(t, "./DevInfo/DevId", &d), 200);
        ck_assert_int_eq(strncmp(d, "provboot:", 9), 0);
        ck_assert_int_eq(dm_tree_devinfo(t, &di), 0);
        ck_assert_str_eq(di.dev_id, d);
        ck_assert_str_eq(di.dmv, "1.2");
        free(d);
        get_eq(t, "./DevDetail/URI/MaxDepth", "12");
        get_eq(t, "./DevDetail/URI/MaxTotLen", "1024");
        get_eq(t, "./DevDetail/URI/MaxSegLen", "255");
        get_eq(t, "./DevDetail/LrgObj", "false");
        ck_assert_uint_eq(get(t, "./DevInfo/Nope", NULL), 404);
        /* read-only and permanent */
        ck_assert_uint_eq(op1(t, DM_CMD_REPLACE, "./DevInfo/Man", "x"), 405);
        ck_assert_uint_eq(op1(t, DM_CMD_DELETE, "./DevInfo", NULL), 405);
        ck_assert_uint_eq(op1(t, DM_CMD_ADD, "./DevInfo/DevId", "x"), 418);
        ck_assert_uint_eq(op1(t, DM_CMD_DELETE, "./DevDetail/URI", NULL), 405);
        /* configuration keys */
        dt_cfg->dm_man = strdup("Acme");
        get_eq(t, "./DevInfo/Man", "Acme");
        dm_tree_free(t);
}
END_TEST

START_TEST(test_uri_rules) {
        DmTree *t = dt_tree("opsrv");
        char seg[DM_TREE_URI_MAX_SEG + 2], uri[DM_TREE_URI_MAX_LEN + 16];

        ck_assert_uint_eq(get(t, "DevInfo/DmV", NULL), 404);         /* not "./" */
        ck_assert_uint_eq(get(t, "./DevInfo//DmV", NULL), 404);      /* empty segment */
        ck_assert_uint_eq(get(t, "./DevInfo/./DmV", NULL), 404);     /* "." */
        ck_assert_uint_eq(get(t, "./DevInfo/../DevInfo", NULL), 404); /* ".." */
        ck_assert_uint_eq(get(t, "./DevInfo/", NULL), 404);
        ck_assert_uint_eq(get(t, "./DevInfo/DmV?prop=ACL", NULL), 406);
        ck_assert_uint_eq(op1(t, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/OPNET?prop=ACL", "Get=*"), 406);
        /* segment length: at the limit (not found), past it (414) */
        memset(seg, 'a', DM_TREE_URI_MAX_SEG);
        seg[DM_TREE_URI_MAX_SEG] = 0;
        snprintf(uri, sizeof uri, "./Vendor/%s", seg);
        ck_assert_uint_eq(get(t, uri, NULL), 404);
        seg[DM_TREE_URI_MAX_SEG] = 'a';
        seg[DM_TREE_URI_MAX_SEG + 1] = 0;
        snprintf(uri, sizeof uri, "./Vendor/%s", seg);
        ck_assert_uint_eq(get(t, uri, NULL), 414);
        /* depth: 12 segments at the limit, 13 past it */
        snprintf(uri, sizeof uri, ".");
        for (unsigned i = 0; i < DM_TREE_URI_MAX_DEPTH; i++)
                strcat(uri, "/a");
        ck_assert_uint_eq(get(t, uri, NULL), 404);
        strcat(uri, "/a");
        ck_assert_uint_eq(get(t, uri, NULL), 414);
        ck_assert_uint_eq(op1(t, DM_CMD_REPLACE, uri, "x"), 414);
        /* total length: exactly at the cap is parsed, one more byte is 414 */
        memset(uri, 'b', DM_TREE_URI_MAX_LEN);
        memcpy(uri, "./DevInfo/", 10);
        uri[DM_TREE_URI_MAX_LEN] = 0;
        for (unsigned i = 10 + 200; i < DM_TREE_URI_MAX_LEN; i += 200)
                uri[i] = '/';
        ck_assert_uint_eq(get(t, uri, NULL), 404);
        uri[DM_TREE_URI_MAX_LEN] = 'b';
        uri[DM_TREE_URI_MAX_LEN + 1] = 0;
        ck_assert_uint_eq(get(t, uri, NULL), 414);
        ck_assert_uint_eq(dm_tree_denied(t), 0);
        dm_tree_free(t);
}
END_TEST

START_TEST(test_get_vendor_and_dmacc) {
        DmTree *op = dt_tree("opsrv"), *mgr = dt_tree("mgrsrv");
        char *d = NULL;

        ck_assert_uint_eq(get(op, "./Vendor/provboot", &d), 200);
        ck_assert_ptr_nonnull(strstr(d, "NAPDEF"));
        ck_assert_ptr_nonnull(strstr(d, "APPLICATION"));
        free(d);
        get_eq(op, "./Vendor/provboot/NAPDEF", "INTERNET/OPNET");
        get_eq(op, "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS", "internet.example");
        ck_assert_uint_eq(get(op, "./Vendor/provboot/NAPDEF/INTERNET", &d), 200);
        ck_assert_ptr_nonnull(strstr(d, "NAP-ADDRESS"));
        free(d);
        ck_assert_uint_eq(get(op, "./Vendor/provboot/NAPDEF/NOPE/NAP-ADDRESS", NULL), 404);
        /* the Manager-only parm: the Operator account may not read it, the Manager one may */
        ck_assert_uint_eq(get(op, "./Vendor/provboot/NAPDEF/INTERNET/LINGER", NULL), 425);
        ck_assert_uint_eq(dm_tree_denied(op), 1);
        get_eq(mgr, "./Vendor/provboot/NAPDEF/INTERNET/LINGER", "300");
        ck_assert_uint_eq(dm_tree_denied(mgr), 0);
        /* certificates and policy values are not in the tree's reads */
        ck_assert_uint_eq(get(op, "./Vendor/provboot/CertificateStore", NULL), 405);
        ck_assert_uint_eq(get(op, "./Vendor/provboot/SecurityPolicy", NULL), 406);

        /* DMAcc: the w7 APPLICATION as a DMAcc view */
        get_eq(op, "./DMAcc", "mgrsrv/opsrv");
        get_eq(op, "./DMAcc/opsrv/Name", "Op DM");
        get_eq(op, "./DMAcc/opsrv/AppID", "w7");
        get_eq(op, "./DMAcc/opsrv/ServerID", "opsrv");
        get_eq(op, "./DMAcc/opsrv/Ext/Role", "4");
        get_eq(op, "./DMAcc/opsrv", "AppID/ServerID/Name/AppAddr/AppAuth/Ext");
        get_eq(op, "./DMAcc/opsrv/AppAddr", "APPADDR");
        get_eq(op, "./DMAcc/opsrv/AppAddr/APPADDR", "Addr/Port");
        get_eq(op, "./DMAcc/opsrv/AppAddr/APPADDR/Port", "PORT");
        get_eq(op, "./DMAcc/opsrv/AppAddr/APPADDR/Port/PORT", "PortNbr");
        get_eq(op, "./DMAcc/opsrv/AppAuth/CLCRED", "AAuthLevel/AAuthType/AAuthName/AAuthSecret/AAuthData");
        get_eq(op, "./DMAcc/opsrv/AppAddr/APPADDR/Addr", "https://dm.example.com/dm");
        get_eq(op, "./DMAcc/opsrv/AppAddr/APPADDR/Port/PORT/PortNbr", "443");
        get_eq(op, "./DMAcc/opsrv/AppAuth", "CLCRED/SRVCRED");
        get_eq(op, "./DMAcc/opsrv/AppAuth/CLCRED/AAuthName", "user");
        get_eq(op, "./DMAcc/opsrv/AppAuth/SRVCRED/AAuthName", "srv");
        get_eq(op, "./DMAcc/opsrv/AppAuth/SRVCRED/AAuthLevel", "CLIENT");
        /* secrets: never, whatever the roles */
        ck_assert_uint_eq(get(op, "./DMAcc/opsrv/AppAuth/CLCRED/AAuthSecret", NULL), 405);
        ck_assert_uint_eq(get(op, "./DMAcc/opsrv/AppAuth/SRVCRED/AAuthData", NULL), 405);
        ck_assert_uint_eq(get(mgr, "./DMAcc/opsrv/AppAuth/SRVCRED/AAuthSecret", NULL), 405);
        ck_assert_uint_eq(get(mgr, "./Vendor/provboot/APPLICATION", &d), 200);
        free(d);
        ck_assert_uint_eq(get(op, "./DMAcc/nosuch/Name", NULL), 404);
        dm_tree_free(op);
        dm_tree_free(mgr);
}
END_TEST

static int last_push(const StorePush *p, void *u) {
        StorePush *out = u;

        out->sec = p->sec;
        out->verdict = p->verdict;
        out->roles = p->roles;
        out->transport = p->transport ? strdup(p->transport) : NULL;
        out->sender = p->sender ? strdup(p->sender) : NULL;
        return 1;
}

START_TEST(test_replace_visible_in_settings) {
        DmTree *mgr = dt_tree("mgrsrv");
        StorePush p = {};
        unsigned before = n_history();
        char *v;

        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS", "new.example"), 200);
        /* the same row as /NAPDEF[NAPID=INTERNET]/NAP-ADDRESS of provctl settings */
        v = dt_setting("/NAPDEF[NAPID=INTERNET].NAP-ADDRESS", NULL);
        ck_assert_str_eq(v, "new.example");
        free(v);
        v = dt_setting("/NAPDEF[NAPID=INTERNET].LINGER", NULL); /* the rest of the root stays */
        ck_assert_str_eq(v, "300");
        free(v);
        get_eq(mgr, "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS", "new.example");
        /* one history row: transport dm, sender the server id, sec dm, the account's roles */
        ck_assert_uint_eq(n_history(), before + 1);
        ck_assert_int_ge(engine_foreach_push(dt_eng, 0, 1, last_push, &p), 1);
        ck_assert_str_eq(p.transport, "dm");
        ck_assert_str_eq(p.sender, "mgrsrv");
        ck_assert_int_eq(p.sec, AUTH_DM);
        ck_assert_str_eq(auth_method_to_string(p.sec), "dm");
        ck_assert_int_eq(p.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(p.roles, 12);
        free((char *) p.transport);
        free((char *) p.sender);
        /* the DM document keeps the SIM binding of the push that installed the account */
        {
                DmAccount *a = dt_account("mgrsrv");
                char *op_acc = NULL, *sim_acc = NULL, *op_dm = NULL, *sim_dm = NULL;
                int64_t last = 0;

                ck_assert_int_eq(store_test_query_int(engine_get_store(dt_eng), "SELECT MAX(id) FROM pushes", &last), 0);
                ck_assert_int_eq(store_get_document_sim(engine_get_store(dt_eng), a->push_id, &op_acc, &sim_acc), 0);
                ck_assert_int_eq(store_get_document_sim(engine_get_store(dt_eng), (uint64_t) last, &op_dm, &sim_dm), 0);
                ck_assert_ptr_nonnull(op_acc);
                ck_assert_str_eq(op_acc, "26201");
                ck_assert_str_eq(op_dm, op_acc);
                free(op_acc);
                free(sim_acc);
                free(op_dm);
                free(sim_dm);
                dm_account_free(a);
        }
        /* the same state again: 200, nothing applied; back to an earlier state: applied (no replay) */
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS", "new.example"), 200);
        ck_assert_uint_eq(n_history(), before + 1);
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS", "internet.example"),
                          200);
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS", "new.example"), 200);
        ck_assert_uint_eq(n_history(), before + 3);
        dm_tree_free(mgr);
}
END_TEST

START_TEST(test_role_bounding) {
        DmTree *op = dt_tree("opsrv"), *mgr = dt_tree("mgrsrv");
        DmTreeOp add_new[] = {
                { .type = DM_CMD_ADD, .uri = "./DMAcc/newsrv", .format = "node" },
                { .type = DM_CMD_ADD, .uri = "./DMAcc/newsrv/Name", .data = "New" },
                { .type = DM_CMD_ADD, .uri = "./DMAcc/newsrv/Ext/Role", .data = "12" },
        };
        unsigned st[3];
        DmAccount *a;
        bool found;
        char *v;

        /* a Manager-only node */
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/INTERNET/LINGER", "600"), 425);
        v = dt_setting("/NAPDEF[NAPID=INTERNET].LINGER", NULL);
        ck_assert_str_eq(v, "300");
        free(v);
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/INTERNET/LINGER", "600"), 200);
        v = dt_setting("/NAPDEF[NAPID=INTERNET].LINGER", NULL);
        ck_assert_str_eq(v, "600");
        free(v);
        /* a root holding a Manager-only item is rewritten whole: refused to the Operator */
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS", "x.example"), 425);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/OPNET/NAP-ADDRESS", "x.example"), 200);
        /* a Manager-only policy value */
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/SecurityPolicy/4105", "5"), 425);
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./Vendor/provboot/SecurityPolicy/4105", "5"), 200);
        ck_assert_uint_eq(engine_get_config(dt_eng)->pin_attempts, 5);

        /* its own Role: a superset is refused, the same mask is a no-op */
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/opsrv/Ext/Role", "12"), 425);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/opsrv/Ext/Role", "4"), 200);
        a = dt_account("opsrv");
        ck_assert_uint_eq(a->roles, 4);
        dm_account_free(a);
        /* another account: never above the roles of the message that installed it */
        dt_cfg->grant_manager = 0;
        dt_push(DT_W7("lowsrv", "4", "Low"), VERDICT_APPLIED);
        dt_cfg->grant_manager = ROLE_OPERATOR;
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./DMAcc/lowsrv/Ext/Role", "12"), 425);
        a = dt_account("lowsrv");
        ck_assert_uint_eq(a->roles, 4);
        dm_account_free(a);
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./DMAcc/lowsrv/Name", "Lower"), 200);
        a = dt_account("lowsrv");
        ck_assert_str_eq(a->name, "Lower");
        dm_account_free(a);

        /* the Manager account may lower its own */
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./DMAcc/mgrsrv/Ext/Role", "4"), 200);
        a = dt_account("mgrsrv");
        ck_assert_uint_eq(a->roles, 4);
        dm_account_free(a);

        /* a new account with more roles than the session: nothing created */
        ck_assert_int_eq(dm_tree_apply(op, add_new, 3, true, st), 0);
        ck_assert_uint_eq(st[0], 216);
        ck_assert_uint_eq(st[1], 216);
        ck_assert_uint_eq(st[2], 425);
        ck_assert_int_eq(dm_account_load(dt_eng, "newsrv", &a), -ESRCH);
        /* within the session's roles: created, with those roles */
        add_new[2].data = "4";
        ck_assert_int_eq(dm_tree_apply(op, add_new, 3, true, st), 0);
        ck_assert_uint_eq(st[0], 200);
        ck_assert_uint_eq(st[1], 200);
        ck_assert_uint_eq(st[2], 200);
        a = dt_account("newsrv");
        ck_assert_uint_eq(a->roles, 4);
        ck_assert_str_eq(a->name, "New");
        dm_account_free(a);
        free(dt_setting("/APPLICATION[APPID=w7,PROVIDER-ID=newsrv].NAME", &found));
        ck_assert(found);
        ck_assert_uint_eq(dm_tree_denied(op), 5);
        ck_assert_uint_eq(dm_tree_denied(mgr), 1);
        dm_tree_free(op);
        dm_tree_free(mgr);
}
END_TEST

START_TEST(test_atomic) {
        DmTree *op = dt_tree("opsrv"), *mgr = dt_tree("mgrsrv");
        DmTreeOp ops[] = {
                { .type = DM_CMD_REPLACE, .uri = "./Vendor/provboot/NAPDEF/OPNET/NAP-ADDRESS", .data = "a.example" },
                { .type = DM_CMD_REPLACE, .uri = "./Vendor/provboot/NAPDEF/INTERNET/LINGER", .data = "1" },
        };
        DmTreeOp missing[] = {
                { .type = DM_CMD_REPLACE, .uri = "./Vendor/provboot/NAPDEF/OPNET/NAP-ADDRESS", .data = "b.example" },
                { .type = DM_CMD_REPLACE, .uri = "./Vendor/provboot/NAPDEF/OPNET/NOPE", .data = "1" },
        };
        unsigned st[2], before = n_history();
        char *v;

        ck_assert_int_eq(dm_tree_apply(op, ops, 2, true, st), 0);
        ck_assert_uint_eq(st[0], 216);
        ck_assert_uint_eq(st[1], 425);
        v = dt_setting("/NAPDEF[NAPID=OPNET].NAP-ADDRESS", NULL);
        ck_assert_str_eq(v, "opnet.example");
        free(v);
        ck_assert_uint_eq(dm_tree_denied(op), 1);
        ck_assert_int_eq(dm_tree_apply(op, missing, 2, true, st), 0);
        ck_assert_uint_eq(st[0], 216);
        ck_assert_uint_eq(st[1], 404);
        v = dt_setting("/NAPDEF[NAPID=OPNET].NAP-ADDRESS", NULL);
        ck_assert_str_eq(v, "opnet.example");
        free(v);
        ck_assert_uint_eq(n_history(), before + 1); /* the refused document's history row */
        /* the same commands from the Manager account: both applied in one document */
        ck_assert_int_eq(dm_tree_apply(mgr, ops, 2, true, st), 0);
        ck_assert_uint_eq(st[0], 200);
        ck_assert_uint_eq(st[1], 200);
        v = dt_setting("/NAPDEF[NAPID=OPNET].NAP-ADDRESS", NULL);
        ck_assert_str_eq(v, "a.example");
        free(v);
        v = dt_setting("/NAPDEF[NAPID=INTERNET].LINGER", NULL);
        ck_assert_str_eq(v, "1");
        free(v);
        ck_assert_uint_eq(n_history(), before + 2);
        /* non-atomic: each its own status */
        ck_assert_int_eq(dm_tree_apply(op, missing, 2, false, st), 0);
        ck_assert_uint_eq(st[0], 200);
        ck_assert_uint_eq(st[1], 404);
        dm_tree_free(op);
        dm_tree_free(mgr);
}
END_TEST

START_TEST(test_command_semantics) {
        DmTree *op = dt_tree("opsrv");
        DmTreeOp exec = { .type = DM_CMD_EXEC, .uri = "./Vendor/provboot/NAPDEF/OPNET" };
        unsigned st;
        bool found;
        char *v;

        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", "1.1.1.1"), 404);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/NOPE/NAP-ADDRESS", "x"), 404);
        ck_assert_uint_eq(op1(op, DM_CMD_ADD, "./Vendor/provboot/NAPDEF/OPNET/NAP-ADDRESS", "x"), 418);
        ck_assert_uint_eq(op1(op, DM_CMD_ADD, "./Vendor/provboot/NAPDEF/OPNET", NULL), 418);
        ck_assert_uint_eq(op1(op, DM_CMD_ADD, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", "192.0.2.1"), 200);
        get_eq(op, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", "192.0.2.1");
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", NULL), 200);
        ck_assert_uint_eq(get(op, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", NULL), 404);
        free(dt_setting("/NAPDEF[NAPID=OPNET].DNS-ADDR", &found));
        ck_assert(!found);
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", NULL), 404);
        /* identities and roots */
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/OPNET/NAPID", "OTHER"), 405);
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/OPNET/NAPID", NULL), 405);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/opsrv/ServerID", "x"), 405);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/opsrv/AppAuth/CLCRED/AAuthLevel", "CLIENT"), 405);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/CertificateStore/SPC/AB/Role", "4"), 405);
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor", NULL), 405);
        /* a new root by its ID, then its parms (Atomic: validated as a whole) */
        {
                DmTreeOp ops[] = {
                        { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/NAPDEF/NEWNET", .format = "node" },
                        { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/NAPDEF/NEWNET/NAME", .data = "New" },
                        { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/NAPDEF/NEWNET/BEARER", .data = "GSM-GPRS" },
                        { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/NAPDEF/NEWNET/NAP-ADDRESS", .data = "n.example" },
                        { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/NAPDEF/NEWNET/NAP-ADDRTYPE", .data = "APN" },
                };
                unsigned sts[5];

                ck_assert_int_eq(dm_tree_apply(op, ops, 5, true, sts), 0);
                for (unsigned i = 0; i < 5; i++)
                        ck_assert_uint_eq(sts[i], 200);
                v = dt_setting("/NAPDEF[NAPID=NEWNET].NAP-ADDRESS", NULL);
                ck_assert_str_eq(v, "n.example");
                free(v);
        }
        /* a value the pipeline refuses: 400 (a control byte) */
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/OPNET/NAME", "a\x01z"), 400);
        /* DMAcc writes land in the w7 APPLICATION, the secret included, and stay unreadable */
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/opsrv/Name", "Renamed"), 200);
        v = dt_setting("/APPLICATION[APPID=w7,PROVIDER-ID=opsrv].NAME", NULL);
        ck_assert_str_eq(v, "Renamed");
        free(v);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/opsrv/AppAuth/CLCRED/AAuthSecret", "newpw"), 200);
        ck_assert_uint_eq(get(op, "./DMAcc/opsrv/AppAuth/CLCRED/AAuthSecret", NULL), 405);
        {
                DmAccount *a = dt_account("opsrv");

                ck_assert_uint_eq(secret_size(a->client_secret), 5);
                ck_assert_int_eq(memcmp(secret_acquire_ro(a->client_secret), "newpw", 5), 0);
                secret_release(a->client_secret);
                dm_account_free(a);
        }
        /* Delete of a whole root: the roles must allow writing all of it */
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/INTERNET", NULL), 425);
        free(dt_setting("/NAPDEF[NAPID=INTERNET].NAP-ADDRESS", &found));
        ck_assert(found);
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/OPNET", NULL), 200);
        free(dt_setting("/NAPDEF[NAPID=OPNET].NAP-ADDRESS", &found));
        ck_assert(!found);
        ck_assert_uint_eq(get(op, "./Vendor/provboot/NAPDEF/OPNET", NULL), 404);
        get_eq(op, "./Vendor/provboot/NAPDEF", "INTERNET/NEWNET");
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/OPNET", NULL), 404);
        /* an Atomic: deleted, then written: the second refused, nothing changes */
        {
                DmTreeOp ops[] = {
                        { .type = DM_CMD_DELETE, .uri = "./Vendor/provboot/NAPDEF/NEWNET" },
                        { .type = DM_CMD_REPLACE, .uri = "./Vendor/provboot/NAPDEF/NEWNET/NAME", .data = "x" },
                };
                unsigned sts[2];

                ck_assert_int_eq(dm_tree_apply(op, ops, 2, true, sts), 0);
                ck_assert_uint_eq(sts[0], 216);
                ck_assert_uint_eq(sts[1], 404);
                get_eq(op, "./Vendor/provboot/NAPDEF/NEWNET/NAME", "New");
        }
        /* an account: the Manager one is beyond the Operator's roles (its ROLE), its own is not */
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./DMAcc/mgrsrv", NULL), 425);
        ck_assert_uint_eq(get(op, "./DMAcc/mgrsrv/Name", NULL), 200);
        {
                DmTree *mgr = dt_tree("mgrsrv");
                DmAccount *gone = NULL;

                ck_assert_uint_eq(op1(mgr, DM_CMD_DELETE, "./DMAcc/opsrv", NULL), 200);
                ck_assert_int_eq(dm_account_load(dt_eng, "opsrv", &gone), -ESRCH);
                get_eq(mgr, "./DMAcc", "mgrsrv");
                dm_tree_free(mgr);
        }
        /* Exec, Copy and the like: not supported */
        ck_assert_int_eq(dm_tree_apply(op, &exec, 1, false, &st), 0);
        ck_assert_uint_eq(st, 406);
        ck_assert_int_eq(dm_tree_apply(op, NULL, 0, false, &st), 0);
        ck_assert_uint_eq(dm_tree_denied(op), 2);
        dm_tree_free(op);
}
END_TEST

/* A root installed by USERNETWPIN (strength 3): a DM account made by NETWPIN (2) may not
 * replace or delete it (the downgrade rule, store.h), whatever its roles. */
START_TEST(test_downgrade) {
        const char *spec = "NAPDEF{NAPID=STRONG;NAME=s;BEARER=GSM-GPRS;NAP-ADDRESS=s.example;NAP-ADDRTYPE=APN}";
        CpDoc *d = et_doc(spec);
        char *body = et_xml(d), mac[41], *v;
        Secret *imsi = NULL, *pin = NULL;
        EngineSubmission s = { .content_kind = WSP_CONTENT_CP_XML, .sec = AUTH_USERNETWPIN, .transport = "inject" };
        EngineResult r = {};
        DmTree *mgr;

        cpdoc_free(d);
        ck_assert_int_eq(secret_new_from_string(DT_IMSI, &imsi), 0);
        ck_assert_int_eq(secret_new_from_string("1234", &pin), 0);
        ck_assert_int_eq(auth_compute_mac_hex(AUTH_USERNETWPIN, (const uint8_t *) body, strlen(body), imsi, pin, mac), 0);
        s.body = (const uint8_t *) body;
        s.body_len = strlen(body);
        s.mac = mac;
        ck_assert_int_eq(engine_submit(dt_eng, &s, &r), 0);
        ck_assert_int_eq(r.verdict, VERDICT_PENDING);
        ck_assert_int_eq(engine_provide_pin(dt_eng, r.id, pin, &r), 0);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        secret_free(imsi);
        secret_free(pin);
        free(body);

        mgr = dt_tree("mgrsrv");
        get_eq(mgr, "./Vendor/provboot/NAPDEF/STRONG/NAP-ADDRESS", "s.example");
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./Vendor/provboot/NAPDEF/STRONG/NAP-ADDRESS", "x.example"), 425);
        ck_assert_uint_eq(op1(mgr, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/STRONG", NULL), 425);
        v = dt_setting("/NAPDEF[NAPID=STRONG].NAP-ADDRESS", NULL);
        ck_assert_str_eq(v, "s.example");
        free(v);
        ck_assert_uint_eq(dm_tree_denied(mgr), 2);
        dm_tree_free(mgr);
}
END_TEST

/* A Delete removes only what the session's roles may write: the removed element's mask on the
 * current state (the policy only sees the state after the Delete). */
START_TEST(test_delete_bounded) {
        DmTree *op = dt_tree("opsrv"), *mgr;
        ConfigError err = {};
        bool found;
        char *v;

        ck_assert_int_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/INTERNET/LINGER", NULL), 425);
        v = dt_setting("/NAPDEF[NAPID=INTERNET].LINGER", NULL);
        ck_assert_str_eq(v, "300");
        free(v);
        /* an interior node holding a Manager-only parm: every element of the subtree counts */
        ck_assert_int_eq(metabase_load_string(dt_mb, "test2", "[Characteristic NAPAUTHINFO]\nParm.AUTHSECRET=8\n",
                                              &err),
                         0);
        dt_push("NAPDEF{NAPID=AUTHNET;NAME=a;BEARER=GSM-GPRS;NAP-ADDRESS=a.example;NAP-ADDRTYPE=APN;"
                "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u;AUTHSECRET=s3cret}}",
                VERDICT_APPLIED);
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/AUTHNET/NAPAUTHINFO", NULL), 425);
        free(dt_setting("/NAPDEF[NAPID=AUTHNET]/NAPAUTHINFO.AUTHNAME", &found));
        ck_assert(found);
        /* an Operator element of an Operator root: still deletable */
        ck_assert_uint_eq(op1(op, DM_CMD_ADD, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", "192.0.2.1"), 200);
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/OPNET/DNS-ADDR", NULL), 200);
        /* the Manager account may delete both */
        mgr = dt_tree("mgrsrv");
        ck_assert_uint_eq(op1(mgr, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/INTERNET/LINGER", NULL), 200);
        free(dt_setting("/NAPDEF[NAPID=INTERNET].LINGER", &found));
        ck_assert(!found);
        ck_assert_uint_eq(op1(mgr, DM_CMD_DELETE, "./Vendor/provboot/NAPDEF/AUTHNET/NAPAUTHINFO", NULL), 200);
        free(dt_setting("/NAPDEF[NAPID=AUTHNET]/NAPAUTHINFO.AUTHNAME", &found));
        ck_assert(!found);
        ck_assert_uint_eq(dm_tree_denied(op), 2);
        dm_tree_free(op);
        dm_tree_free(mgr);
}
END_TEST

/* A session never acts on an account holding a role it does not hold itself: the Operator
 * account can neither lower the Manager account's ROLE nor move its address (its next session
 * would send its credentials there). */
START_TEST(test_account_superset) {
        DmTree *op = dt_tree("opsrv");
        DmTreeOp ops[] = {
                { .type = DM_CMD_DELETE, .uri = "./DMAcc/mgrsrv/Ext/Role" },
                { .type = DM_CMD_REPLACE,
                  .uri = "./DMAcc/mgrsrv/AppAddr/APPADDR/Addr",
                  .data = "https://evil.example/dm" },
        };
        unsigned st[2];
        DmAccount *a;

        ck_assert_int_eq(dm_tree_apply(op, ops, 2, true, st), 0);
        ck_assert(st[0] != 200 || st[1] != 200);
        ck_assert(st[0] == 425 || st[1] == 425);
        a = dt_account("mgrsrv");
        ck_assert_uint_eq(a->roles, 12);
        ck_assert_str_eq(a->addr, "https://dm.example.com/dm");
        dm_account_free(a);
        /* each alone, too */
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./DMAcc/mgrsrv/Ext/Role", NULL), 425);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/mgrsrv/AppAddr/APPADDR/Addr", "https://evil.example/dm"),
                          425);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/mgrsrv/Name", "x"), 425);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./DMAcc/mgrsrv/AppAuth/CLCRED/AAuthSecret", "x"), 425);
        a = dt_account("mgrsrv");
        ck_assert_uint_eq(a->roles, 12);
        ck_assert_str_eq(a->name, "Mgr DM");
        ck_assert_str_eq(a->addr, "https://dm.example.com/dm");
        dm_account_free(a);
        /* its own ROLE: a Delete asks for the session's roles (4), within the installer's */
        ck_assert_uint_eq(op1(op, DM_CMD_DELETE, "./DMAcc/opsrv/Ext/Role", NULL), 200);
        a = dt_account("opsrv");
        ck_assert_uint_eq(a->roles, 4);
        dm_account_free(a);
        ck_assert_uint_eq(dm_tree_denied(op), 5);
        dm_tree_free(op);
}
END_TEST

/* Identity parms are never added: a w7 APPLICATION made through ./Vendor/provboot with the
 * PROVIDER-ID of an existing account would replace that account's root. */
START_TEST(test_identity_add) {
        DmTree *op = dt_tree("opsrv");
        DmTreeOp ops[] = {
                { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/APPLICATION/w7", .format = "node" },
                { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/APPLICATION/w7/PROVIDER-ID", .data = "mgrsrv" },
                { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/APPLICATION/w7/NAME", .data = "pwned" },
                { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/APPLICATION/w7/ADDR", .data = "https://evil.example" },
        };
        DmTreeOp other[] = {
                { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/APPLICATION/w2", .format = "node" },
                { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/APPLICATION/w2/PROVIDER-ID", .data = "opsrv" },
                { .type = DM_CMD_ADD, .uri = "./Vendor/provboot/APPLICATION/w2/NAME", .data = "x" },
        };
        unsigned st[4];
        DmAccount *a;
        bool found;

        ck_assert_int_eq(dm_tree_apply(op, ops, 4, true, st), 0);
        for (unsigned i = 0; i < 4; i++)
                ck_assert_uint_ne(st[i], 200);
        a = dt_account("mgrsrv");
        ck_assert_uint_eq(a->roles, 12);
        ck_assert_str_eq(a->name, "Mgr DM");
        ck_assert_str_eq(a->addr, "https://dm.example.com/dm");
        dm_account_free(a);
        ck_assert_uint_eq(op1(op, DM_CMD_REPLACE, "./Vendor/provboot/APPLICATION/w7/NAME", "x"), 405);
        /* another APPLICATION: PROVIDER-ID is part of its key, never added */
        ck_assert_int_eq(dm_tree_apply(op, other, 3, true, st), 0);
        ck_assert_uint_eq(st[1], 405);
        free(dt_setting("/APPLICATION[APPID=w2,PROVIDER-ID=opsrv].NAME", &found));
        ck_assert(!found);
        /* nor an ID to a root that exists */
        ck_assert_uint_eq(op1(op, DM_CMD_ADD, "./Vendor/provboot/NAPDEF/OPNET/NAPID", "x"), 418);
        ck_assert_uint_eq(op1(op, DM_CMD_ADD, "./DMAcc/opsrv/ServerID", "mgrsrv"), 418);
        dm_tree_free(op);
}
END_TEST

/* An account without ROLE keeps its roles when another account rewrites it: not the writer's. */
START_TEST(test_role_kept) {
        DmTree *mgr = dt_tree("mgrsrv");
        DmAccount *a;

        dt_cfg->grant_manager = 0;
        dt_push("APPLICATION{APPID=w7;PROVIDER-ID=lowsrv;NAME=Low;APPADDR{ADDR=https://low.example/dm}}",
                VERDICT_APPLIED);
        dt_push(DT_W7("low2srv", "4", "Low2"), VERDICT_APPLIED);
        dt_cfg->grant_manager = ROLE_OPERATOR;
        a = dt_account("lowsrv");
        ck_assert_uint_eq(a->roles, 4);
        dm_account_free(a);
        ck_assert_uint_eq(op1(mgr, DM_CMD_REPLACE, "./DMAcc/lowsrv/Name", "Lower"), 200);
        a = dt_account("lowsrv");
        ck_assert_uint_eq(a->roles, 4);
        ck_assert_str_eq(a->name, "Lower");
        dm_account_free(a);
        /* a Delete of the ROLE asks for the session's roles: above the installer's, refused */
        ck_assert_uint_eq(op1(mgr, DM_CMD_DELETE, "./DMAcc/low2srv/Ext/Role", NULL), 425);
        a = dt_account("low2srv");
        ck_assert_uint_eq(a->roles, 4);
        dm_account_free(a);
        dm_tree_free(mgr);
}
END_TEST

/* Every password parm is unreadable (one predicate with the D-Bus settings rows). */
START_TEST(test_passwords_unreadable) {
        DmTree *mgr = dt_tree("mgrsrv");

        dt_push("PXLOGICAL{PROXY-ID=PX1;NAME=Px;PROXY-PW=hunter2;BASAUTH-ID=u;BASAUTH-PW=basic2;"
                "PXAUTHINFO{PXAUTH-TYPE=HTTP-BASIC;PXAUTH-ID=a;PXAUTH-PW=pxpw};"
                "PXPHYSICAL{PHYSICAL-PROXY-ID=PP1;PXADDR=192.0.2.8;PXADDRTYPE=IPV4;TO-NAPID=OPNET}}",
                VERDICT_APPLIED);
        get_eq(mgr, "./Vendor/provboot/PXLOGICAL/PX1/NAME", "Px");
        ck_assert_uint_eq(get(mgr, "./Vendor/provboot/PXLOGICAL/PX1/PROXY-PW", NULL), 405);
        ck_assert_uint_eq(get(mgr, "./Vendor/provboot/PXLOGICAL/PX1/BASAUTH-PW", NULL), 405);
        ck_assert_uint_eq(get(mgr, "./Vendor/provboot/PXLOGICAL/PX1/PXAUTHINFO/PXAUTH-PW", NULL), 405);
        ck_assert_uint_eq(get(mgr, "./DMAcc/mgrsrv/AppAuth/CLCRED/AAuthSecret", NULL), 405);
        ck_assert_uint_eq(get(mgr, "./DMAcc/mgrsrv/AppAuth/CLCRED/AAuthData", NULL), 405);
        ck_assert(cpdoc_parm_is_password("CLIENTPW"));
        ck_assert(cpdoc_parm_is_password("aauthsecret"));
        ck_assert(!cpdoc_parm_is_password("PXAUTH-ID"));
        ck_assert(!cpdoc_parm_is_password(NULL));
        dm_tree_free(mgr);
}
END_TEST

int main(void) {
        Suite *s = suite_create("dm-tree");
        TCase *tc = tcase_create("/dm-tree");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_devinfo_devdetail);
        TU_ADD(tc, test_uri_rules);
        TU_ADD(tc, test_get_vendor_and_dmacc);
        TU_ADD(tc, test_replace_visible_in_settings);
        TU_ADD(tc, test_role_bounding);
        TU_ADD(tc, test_atomic);
        TU_ADD(tc, test_command_semantics);
        TU_ADD(tc, test_downgrade);
        TU_ADD(tc, test_delete_bounded);
        TU_ADD(tc, test_account_superset);
        TU_ADD(tc, test_identity_add);
        TU_ADD(tc, test_role_kept);
        TU_ADD(tc, test_passwords_unreadable);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
