/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-testutil.h: the DM tests' fixture (test-dm-tree.c, test-dm-account.c): a real engine over
 * a real store in a temporary directory, GrantManager=4 so one NETWPIN push earns
 * Operator+Manager, and two w7 accounts made by real NETWPIN pushes: "opsrv" (ROLE=4,
 * Operator only) and "mgrsrv" (ROLE=12, Operator and Manager); NAPDEF INTERNET holds LINGER,
 * which the test metabase makes Manager-only, NAPDEF OPNET does not.
 */
#pragma once

#include <string.h>

#include "engine-testutil.h"
#include "macros.h"
#include "testutil.h"
#include "verifierd/auth.h"
#include "verifierd/dm-account.h"
#include "verifierd/dm-tree.h"
#include "verifierd/engine.h"

#define DT_IMSI "262011234567890"

static char *dt_dir;
static Config *dt_cfg;
static Metabase *dt_mb;
static Engine *dt_eng;

static inline Engine *dt_open_engine(void) {
        EngineOptions o = { .state_dir = dt_dir, .config = dt_cfg, .metabase = dt_mb, .no_export = true };
        Engine *e = NULL;

        ck_assert_int_eq(engine_new(&e, &o), 0);
        ck_assert_int_eq(engine_set_imsi(e, DT_IMSI), 0);
        return e;
}

static inline void dt_push(const char *spec, Verdict want) {
        CpDoc *d = et_doc(spec);
        char *body = et_xml(d), mac[41];
        Secret *i = NULL;
        EngineSubmission s = { .content_kind = WSP_CONTENT_CP_XML, .sec = AUTH_NETWPIN, .sender = "+49170",
                               .transport = "inject" };
        EngineResult r = {};

        cpdoc_free(d);
        ck_assert_int_eq(secret_new_from_string(DT_IMSI, &i), 0);
        ck_assert_int_eq(auth_compute_mac_hex(AUTH_NETWPIN, (const uint8_t *) body, strlen(body), i, NULL, mac), 0);
        secret_free(i);
        s.body = (const uint8_t *) body;
        s.body_len = strlen(body);
        s.mac = mac;
        ck_assert_int_eq(engine_submit(dt_eng, &s, &r), 0);
        ck_assert_msg(r.verdict == want, "push: %s/%s %s", verdict_to_string(r.verdict), reason_to_string(r.reason),
                      r.denied ?: "");
        engine_result_done(&r);
        free(body);
}

#define DT_W7(sid, role, name)                                                                               \
        "APPLICATION{APPID=w7;PROVIDER-ID=" sid ";NAME=" name ";ROLE=" role                                 \
        ";APPADDR{ADDR=https://dm.example.com/dm;PORT{PORTNBR=443}}"                                         \
        ";APPAUTH{AAUTHLEVEL=APPSRV;AAUTHTYPE=DIGEST;AAUTHNAME=user;AAUTHSECRET=clientpw;AAUTHDATA=Tm9uY2Ux}" \
        ";APPAUTH{AAUTHLEVEL=CLIENT;AAUTHTYPE=DIGEST;AAUTHNAME=srv;AAUTHSECRET=serverpw;AAUTHDATA=c2VydmVy}}"

static inline void dt_setup(void) {
        ConfigError err = {};

        dt_dir = et_tmpdir("dm-state");
        ck_assert_int_eq(config_new_default(&dt_cfg), 0);
        dt_cfg->bootstrap_enabled = true;
        dt_cfg->confirm_network_pin = false;
        dt_cfg->grant_manager = ROLE_OPERATOR; /* NETWPIN pushes act with Manager rights too */
        ck_assert_int_eq(metabase_new_default(&dt_mb), 0);
        ck_assert_int_eq(metabase_load_string(dt_mb, "test", "[Characteristic NAPDEF]\nParm.LINGER=8\n", &err), 0);
        dt_eng = dt_open_engine();
        dt_push(DT_W7("opsrv", "4", "Op DM"), VERDICT_APPLIED);
        dt_push(DT_W7("mgrsrv", "12", "Mgr DM"), VERDICT_APPLIED);
        dt_push("NAPDEF{NAPID=INTERNET;NAME=Internet;BEARER=GSM-GPRS;NAP-ADDRESS=internet.example;NAP-ADDRTYPE=APN;"
                "LINGER=300}",
                VERDICT_APPLIED);
        dt_push("NAPDEF{NAPID=OPNET;NAME=Opnet;BEARER=GSM-GPRS;NAP-ADDRESS=opnet.example;NAP-ADDRTYPE=APN}",
                VERDICT_APPLIED);
}

static inline void dt_teardown(void) {
        dt_eng = engine_free(dt_eng);
        dt_cfg = config_free(dt_cfg);
        dt_mb = metabase_free(dt_mb);
        et_rm_rf(dt_dir);
        free(dt_dir);
}

static inline DmAccount *dt_account(const char *sid) {
        DmAccount *a = NULL;

        ck_assert_int_eq(dm_account_load(dt_eng, sid, &a), 0);
        return a;
}

static inline DmTree *dt_tree(const char *sid) {
        DmAccount *a = dt_account(sid);
        DmTree *t = NULL;

        ck_assert_int_eq(dm_tree_new(dt_eng, a, &t), 0);
        dm_account_free(a);
        return t;
}

/* The value of the settings row @path, or NULL (malloc'd). */
typedef struct DtFind {
        const char *path;
        char *value;
        bool found;
} DtFind;

static inline int dt_find_row(const StoreSetting *s, void *u) {
        DtFind *f = u;

        if (strcmp(s->path, f->path) != 0)
                return 0;
        f->found = true;
        f->value = s->value ? strdup(s->value) : NULL;
        return 1;
}

static inline char *dt_setting(const char *path, bool *found) {
        DtFind f = { .path = path };

        ck_assert_int_ge(engine_foreach_setting(dt_eng, NULL, dt_find_row, &f), 0);
        if (found)
                *found = f.found;
        return f.value;
}
