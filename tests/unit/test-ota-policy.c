/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ota-policy.c: the over-the-air policy layer (issue 12; verifierd/ota-policy.h):
 *   - ota_policy_check: every policy number of the list sets its keys (4142 both user-PIN keys),
 *     a number outside the list and a locked key that would change are policy-denied, a locked
 *     key asked for the value in force is accepted and not kept, bad values are malformed (each
 *     range at its limit and past it), a nested characteristic is unsupported, no Manager right
 *     is role-denied whatever the metabase says;
 *   - policy_evaluate: Metabase and Registry are unsupported, the SPC store is refused to
 *     NETWPIN-only and unsigned messages whatever the grant, Enabled=once closes on a BOOTSTRAP;
 *   - configuration: [Bootstrap] Enabled=once, [Policy] Locked= (both name forms, unknown names);
 *   - the overlay and the sources (built-in, file, over-the-air; Locked= wins, the once closing
 *     wins over a lock and goes when the files leave "once");
 *   - the engine: a USERNETWPIN bootstrap with SecurityPolicy 4119=128 and 4141..4143=0 is applied
 *     and the next NETWPIN push is judged by the new values, across a restart; Enabled=once;
 *     reset; an injected store failure inside the apply leaves the old layer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine-testutil.h"
#include "macros.h"
#include "testutil.h"
#include "verifierd/auth.h"
#include "verifierd/engine.h"
#include "verifierd/ota-policy.h"
#include "verifierd/policy.h"
#include "verifierd/store-policy.h"

#define IMSI "262011234567890"

static CpDoc *doc_xml(const char *inner) {
        char *xml = NULL;
        CpDoc *d = NULL;
        DecodeError err = {};
        int r;

        ck_assert_int_ge(asprintf(&xml, "<wap-provisioningdoc version=\"1.1\">%s</wap-provisioningdoc>", inner), 0);
        r = cpdoc_from_xml((const uint8_t *) xml, strlen(xml), &d, &err);
        ck_assert_msg(r == 0, "decode: %d %s", r, err.reason ? err.reason : "");
        r = cpdoc_validate(d, &err);
        ck_assert_msg(r == 0, "validate: %d %s", r, err.reason ? err.reason : "");
        free(xml);
        return d;
}

static Config *config_enabled(void) {
        Config *c = NULL;

        ck_assert_int_eq(config_new_default(&c), 0);
        c->bootstrap_enabled = true;
        return c;
}

static void eval(const Config *c, AuthMethod sec, const CpDoc *d, PolicyResult *res) {
        ck_assert_int_eq(policy_evaluate(c, c->metabase, sec, policy_auth_roles(c, sec), d, res), 0);
}

/* Evaluate one SecurityPolicy with @parms (XML parms) from USERNETWPIN with GrantManager=4. */
static void eval_sp(Config *c, const char *parms, PolicyResult *res) {
        char xml[2048];
        CpDoc *d;

        snprintf(xml, sizeof xml, "<characteristic type=\"SecurityPolicy\">%s</characteristic>", parms);
        d = doc_xml(xml);
        eval(c, AUTH_USERNETWPIN, d, res);
        cpdoc_free(d);
}

#define P(n, v) "<parm name=\"" n "\" value=\"" v "\"/>"

START_TEST(test_check_every_policy) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;

        c->grant_manager = ROLE_OPERATOR;
        eval_sp(c, P("4111", "0") P("4119", "128") P("4120", "16") P("4141", "0") P("4142", "0") P("4143", "256")
                           P("4105", "5") P("4110", "1") P("4132", "0"),
                &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.ota.set, (1U << _OTA_KEY_MAX) - 1); /* every key */
        ck_assert_uint_eq(res.ota.value[OTA_KEY_BOOTSTRAP_ENABLED], 0);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_GRANT_MANAGER], 128);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_GRANT_USER_AUTH], 16);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_ACCEPT_NETWORK_PIN], 0);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_ACCEPT_USER_PIN], 0);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_ACCEPT_USER_PIN_MAC], 0);      /* 4142 is both */
        ck_assert_uint_eq(res.ota.value[OTA_KEY_ACCEPT_USER_NETWORK_PIN], 1);  /* any non-zero */
        ck_assert_uint_eq(res.ota.value[OTA_KEY_PIN_ATTEMPTS], 5);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_ACCEPT_UNAUTHENTICATED], 1);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_CONFIRM_NETWORK_PIN], 0);
        ck_assert(!res.ota.close_bootstrap);
        /* a parm named twice: the later counts */
        eval_sp(c, P("4119", "4") P("4119", "128"), &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.ota.value[OTA_KEY_GRANT_MANAGER], 128);
}
END_TEST

START_TEST(test_check_refusals) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;

        c->grant_manager = ROLE_OPERATOR;
        /* a policy outside the list: refused whole, nothing kept */
        eval_sp(c, P("4119", "128") P("4101", "16"), &res);
        ck_assert_int_eq(res.reason, REASON_POLICY_DENIED);
        ck_assert_uint_eq(res.n_denied, 1);
        ck_assert_str_eq(res.denied[0].path, "/SecurityPolicy.4101");
        eval_sp(c, P("GrantManager", "128"), &res);
        ck_assert_int_eq(res.reason, REASON_POLICY_DENIED);
        /* values: each range at its limit and past it */
        static const struct {
                const char *parms;
                bool ok;
        } v[] = {
                { P("4105", "1"), true },       { P("4105", "256"), true },   { P("4105", "0"), false },
                { P("4105", "257"), false },    { P("4110", "1"), true },     { P("4110", "2"), false },
                { P("4132", "0"), true },       { P("4132", "2"), false },    { P("4119", "8190"), true },
                { P("4119", "8191"), false },   { P("4119", "8192"), false }, { P("4120", "1"), false },
                { P("4111", "4294967295"), true }, { P("4111", "4294967296"), false },
                { P("4141", "-1"), false },     { P("4141", " 1"), false },   { P("4141", ""), false },
                { P("4143", "01"), false },
                { "<parm name=\"4141\"/>", false }, /* no value */
        };
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                eval_sp(c, v[i].parms, &res);
                ck_assert_msg(v[i].ok ? res.verdict == VERDICT_APPLIED : res.reason == REASON_MALFORMED,
                              "%s: %s", v[i].parms, reason_to_string(res.reason));
        }
        /* nested: unsupported */
        eval_sp(c, P("4119", "128") "<characteristic type=\"Policy\">" P("X", "1") "</characteristic>", &res);
        ck_assert_int_eq(res.reason, REASON_UNSUPPORTED);
        ck_assert_str_eq(res.denied[0].path, "/SecurityPolicy/Policy");
        /* no Manager rights: role-denied, also when a metabase drop-in lets the operator in */
        c->grant_manager = 0;
        eval_sp(c, P("4119", "128"), &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_int_eq(metabase_load_string(c->metabase, "10-sp",
                                              "[Characteristic SecurityPolicy]\nRoles=OPERATOR|MANAGER\n", NULL),
                         0);
        eval_sp(c, P("4119", "128"), &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        ck_assert_uint_eq(res.denied[0].required, ROLE_MANAGER);
}
END_TEST

START_TEST(test_check_locked) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;

        c->grant_manager = ROLE_OPERATOR;
        c->policy_locked = 1U << OTA_KEY_GRANT_MANAGER | 1U << OTA_KEY_ACCEPT_USER_PIN_MAC;
        /* changing a locked key: refused whole */
        eval_sp(c, P("4111", "0") P("4119", "128"), &res);
        ck_assert_int_eq(res.reason, REASON_POLICY_DENIED);
        ck_assert_str_eq(res.denied[0].path, "/SecurityPolicy.4119");
        ck_assert_uint_eq(res.n_denied, 1);
        /* the value in force: accepted, not kept (the lock decides anyway) */
        eval_sp(c, P("4111", "0") P("4119", "4"), &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.ota.set, 1U << OTA_KEY_BOOTSTRAP_ENABLED);
        /* 4142 sets two keys: one locked is enough to refuse a change */
        eval_sp(c, P("4142", "0"), &res);
        ck_assert_int_eq(res.reason, REASON_POLICY_DENIED);
        eval_sp(c, P("4142", "1"), &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(res.ota.set, 1U << OTA_KEY_ACCEPT_USER_PIN);
}
END_TEST

START_TEST(test_unsupported_and_spc) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        CpDoc *d;

        c->grant_manager = ROLE_OPERATOR;
        /* Metabase and Registry (Windows Mobile CSPs provboot does not implement): listed, refused */
        d = doc_xml("<characteristic type=\"BOOTSTRAP\">" P("NAME", "x") "</characteristic>"
                    "<characteristic type=\"Registry\"><characteristic type=\"HKLM\">" P("X", "1")
                    "</characteristic></characteristic><characteristic type=\"Metabase\">" P("Y", "1")
                    "</characteristic>");
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_UNSUPPORTED);
        ck_assert_uint_eq(res.n_denied, 2);
        ck_assert_str_eq(res.denied[0].path, "/Registry");
        ck_assert_str_eq(res.denied[1].path, "/Metabase");
        /* without Manager rights the same document is role-denied (the roles are checked first) */
        c->grant_manager = 0;
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_ROLE_DENIED);
        cpdoc_free(d);

        /* SPC: never from a message that proves no secret, whatever the grant */
        d = doc_xml("<characteristic type=\"CertificateStore\"><characteristic type=\"SPC\">"
                    "<characteristic type=\"0123456789ABCDEF0123456789ABCDEF01234567\">" P("EncodedCertificate", "AAAA") P("Role", "8")
                    "</characteristic></characteristic></characteristic>");
        c->grant_manager = ROLE_OPERATOR | ROLE_USER_UNAUTH;
        c->accept_unauthenticated = true;
        eval(c, AUTH_NETWPIN, d, &res);
        ck_assert_int_eq(res.reason, REASON_POLICY_DENIED);
        ck_assert_str_eq(res.denied[0].path, "/CertificateStore/SPC");
        eval(c, AUTH_NONE, d, &res);
        ck_assert_int_eq(res.reason, REASON_POLICY_DENIED);
        /* USERNETWPIN with the grant: the policy lets it through (certstore.c checks the DER) */
        eval(c, AUTH_USERNETWPIN, d, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_once_closes) {
        _cleanup_(config_freep) Config *c = config_enabled();
        PolicyResult res;
        CpDoc *boot = doc_xml("<characteristic type=\"BOOTSTRAP\">" P("NAME", "op") "</characteristic>"),
              *nap = doc_xml("<characteristic type=\"NAPDEF\">" P("NAPID", "n") P("NAME", "N")
                             P("NAP-ADDRESS", "apn") "</characteristic>");

        eval(c, AUTH_NETWPIN, boot, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert(!res.ota.close_bootstrap); /* Enabled=yes: nothing closes */
        c->bootstrap_once = true;
        eval(c, AUTH_NETWPIN, boot, &res);
        ck_assert(res.ota.close_bootstrap);
        eval(c, AUTH_NETWPIN, nap, &res);
        ck_assert_int_eq(res.verdict, VERDICT_APPLIED);
        ck_assert(!res.ota.close_bootstrap); /* no BOOTSTRAP: stays open */
        cpdoc_free(boot);
        cpdoc_free(nap);
}
END_TEST

START_TEST(test_config_keys) {
        char *dir = et_tmpdir("otacfg"), *path = NULL;
        const char *roots[] = { dir };
        Config *c = NULL;
        ConfigError err = {};
        static const struct {
                const char *text;
                int r;
                bool once;
                uint32_t locked;
        } t[] = {
                { "[Bootstrap]\nEnabled=once\n", 0, true, 0 },
                { "[Bootstrap]\nEnabled=once\nEnabled=yes\n", 0, false, 0 },
                { "[Bootstrap]\nEnabled=twice\n", -EINVAL, false, 0 },
                { "[Policy]\nLocked=GrantManager AcceptNetworkPin\n", 0, false,
                  1U << OTA_KEY_GRANT_MANAGER | 1U << OTA_KEY_ACCEPT_NETWORK_PIN },
                { "[Policy]\nLocked=Policy.GrantManager\tBootstrap.Enabled  \n", 0, false,
                  1U << OTA_KEY_GRANT_MANAGER | 1U << OTA_KEY_BOOTSTRAP_ENABLED },
                { "[Policy]\nLocked=Enabled ConfirmNetworkPin GrantManager GrantUserAuthenticated AcceptUnauthenticated "
                  "AcceptNetworkPin AcceptUserPin AcceptUserNetworkPin AcceptUserPinMac PinAttempts\n",
                  0, false, (1U << _OTA_KEY_MAX) - 1 },
                { "[Policy]\nLocked=GrantManager\nLocked=\n", 0, false, 0 },
                { "[Policy]\nLocked=MaxPendingPushes\n", -EINVAL, false, 0 },   /* not a layer key */
                { "[Policy]\nLocked=grantmanager\n", -EINVAL, false, 0 },       /* case-sensitive */
                { "[Policy]\nLocked=GrantManagerGrantManagerGrantManagerGrantManagerGrantManagerGrantManagerX\n",
                  -EINVAL, false, 0 },
        };

        ck_assert_int_ge(asprintf(&path, "%s/verifierd.conf", dir), 0);
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                FILE *f = fopen(path, "w");

                ck_assert_ptr_nonnull(f);
                fputs(t[i].text, f);
                fclose(f);
                ck_assert_msg(config_load_roots(roots, 1, &c, &err) == t[i].r, "%s: %s", t[i].text, err.message);
                if (t[i].r < 0)
                        continue;
                ck_assert_msg(c->bootstrap_once == t[i].once, "%s", t[i].text);
                ck_assert(c->bootstrap_enabled == (strstr(t[i].text, "Enabled=") != NULL));
                ck_assert_uint_eq(c->policy_locked, t[i].locked);
                c = config_free(c);
        }
        et_rm_rf(dir);
        free(dir);
        free(path);
}
END_TEST

START_TEST(test_overlay_and_sources) {
        _cleanup_(config_freep) Config *base = config_enabled();
        OtaPolicyLayer l = {};
        Config eff;
        uint64_t push;
        bool locked;

        /* no layer: the files' values, from the files or built in */
        base->file_keys = calloc(1, sizeof(char *));
        base->file_keys[0] = strdup("Bootstrap.Enabled");
        base->n_file_keys = 1;
        ck_assert_int_eq(ota_policy_source(base, NULL, "Bootstrap.Enabled", &push, &locked), OTA_SOURCE_FILE);
        ck_assert_int_eq(ota_policy_source(base, NULL, "Policy.GrantManager", &push, &locked), OTA_SOURCE_BUILTIN);
        ck_assert_int_eq(ota_policy_source(base, NULL, "Export.Mmsd", &push, &locked), OTA_SOURCE_BUILTIN);
        /* the layer on top */
        l.set = 1U << OTA_KEY_GRANT_MANAGER | 1U << OTA_KEY_ACCEPT_NETWORK_PIN | 1U << OTA_KEY_PIN_ATTEMPTS;
        l.value[OTA_KEY_GRANT_MANAGER] = 128;
        l.value[OTA_KEY_ACCEPT_NETWORK_PIN] = 0;
        l.value[OTA_KEY_PIN_ATTEMPTS] = 999; /* an edited store: out of range, not used */
        l.push_id[OTA_KEY_GRANT_MANAGER] = 7;
        ota_policy_overlay(base, &l, &eff);
        ck_assert_uint_eq(eff.grant_manager, 128);
        ck_assert(!eff.accept_sec[AUTH_NETWPIN]);
        ck_assert_uint_eq(eff.pin_attempts, CONFIG_DEFAULT_PIN_ATTEMPTS);
        ck_assert_int_eq(ota_policy_source(base, &l, "Policy.GrantManager", &push, &locked), OTA_SOURCE_OTA);
        ck_assert_uint_eq(push, 7);
        ck_assert(!locked);
        /* Locked= wins over the layer */
        base->policy_locked = 1U << OTA_KEY_GRANT_MANAGER;
        base->grant_manager = 4;
        ota_policy_overlay(base, &l, &eff);
        ck_assert_uint_eq(eff.grant_manager, 4);
        ck_assert_int_eq(ota_policy_source(base, &l, "Policy.GrantManager", &push, &locked), OTA_SOURCE_BUILTIN);
        ck_assert(locked);
        ck_assert_uint_eq(push, 0);
        /* the once closing wins over a lock, and goes when the files no longer say once */
        base->policy_locked |= 1U << OTA_KEY_BOOTSTRAP_ENABLED;
        base->bootstrap_once = true;
        l.set |= 1U << OTA_KEY_BOOTSTRAP_ENABLED;
        l.once = 1U << OTA_KEY_BOOTSTRAP_ENABLED;
        l.value[OTA_KEY_BOOTSTRAP_ENABLED] = 0;
        l.push_id[OTA_KEY_BOOTSTRAP_ENABLED] = 9;
        ota_policy_overlay(base, &l, &eff);
        ck_assert(!eff.bootstrap_enabled);
        ck_assert_int_eq(ota_policy_source(base, &l, "Bootstrap.Enabled", &push, &locked), OTA_SOURCE_OTA);
        ck_assert_uint_eq(push, 9);
        base->bootstrap_once = false;
        ota_policy_overlay(base, &l, &eff);
        ck_assert(eff.bootstrap_enabled);
        ck_assert_int_eq(ota_policy_source(base, &l, "Bootstrap.Enabled", &push, &locked), OTA_SOURCE_FILE);
        /* names */
        for (int k = 0; k < _OTA_KEY_MAX; k++) {
                ck_assert_int_eq(ota_key_from_string(ota_key_to_string(k)), k);
                ck_assert_int_eq(ota_key_from_string(ota_key_to_policy_name(k)), k);
        }
        ck_assert_int_eq(ota_key_from_string("Export.Mmsd"), -EINVAL);
}
END_TEST

/* ---- through the engine ------------------------------------------------------------------------ */

static char *dir, *nmdir;
static Config *cfg;
static Engine *eng;

static Engine *open_engine(void) {
        EngineOptions o = { .state_dir = dir, .config = cfg, .export_nm_dir = nmdir, .no_export = true };
        Engine *e = NULL;

        ck_assert_int_eq(engine_new(&e, &o), 0);
        ck_assert_int_eq(engine_set_imsi(e, IMSI), 0);
        return e;
}

static void setup(void) {
        dir = et_tmpdir("ota-state");
        nmdir = et_tmpdir("ota-nm");
        ck_assert_int_eq(config_new_default(&cfg), 0);
        cfg->bootstrap_enabled = true;
        cfg->confirm_network_pin = false;
        cfg->grant_manager = ROLE_OPERATOR; /* README: "Enabling OTA bootstrap" */
        eng = open_engine();
}

static void teardown(void) {
        eng = engine_free(eng);
        cfg = config_free(cfg);
        et_rm_rf(dir);
        et_rm_rf(nmdir);
        free(dir);
        free(nmdir);
}

/* Submit @inner (XML) signed with @sec: NETWPIN directly; USERNETWPIN through its PIN. */
static EngineResult push(const char *inner, AuthMethod sec) {
        char *xml = NULL, mac[41];
        Secret *imsi = NULL, *pin = NULL;
        EngineResult r = {};

        ck_assert_int_ge(asprintf(&xml, "<wap-provisioningdoc version=\"1.1\">%s</wap-provisioningdoc>", inner), 0);
        ck_assert_int_eq(secret_new_from_string(IMSI, &imsi), 0);
        ck_assert_int_eq(secret_new_from_string("1234", &pin), 0);
        ck_assert_int_eq(auth_compute_mac_hex(sec, (const uint8_t *) xml, strlen(xml), imsi,
                                              sec == AUTH_NETWPIN ? NULL : pin, mac),
                         0);
        EngineSubmission s = {
                .body = (const uint8_t *) xml,
                .body_len = strlen(xml),
                .content_kind = WSP_CONTENT_CP_XML,
                .sec = sec,
                .mac = mac,
                .transport = "inject",
        };
        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        if (r.verdict == VERDICT_PENDING && r.reason == REASON_NEEDS_PIN) {
                uint64_t id = r.id;

                engine_result_done(&r);
                ck_assert_int_eq(engine_provide_pin(eng, id, pin, &r), 0);
        }
        secret_free(imsi);
        secret_free(pin);
        free(xml);
        return r;
}

#define BOOT "<characteristic type=\"BOOTSTRAP\">" P("NAME", "Operator") "</characteristic>"
#define NAP(id) "<characteristic type=\"NAPDEF\">" P("NAPID", id) P("NAME", id) P("NAP-ADDRESS", "apn") "</characteristic>"
#define CLOSE_DOOR "<characteristic type=\"SecurityPolicy\">" P("4119", "128") P("4141", "0") P("4142", "0") P("4143", "0") "</characteristic>"
/* something only Manager may set: a certificate in ROOT */
#define NEEDS_MANAGER "<characteristic type=\"SecurityPolicy\">" P("4105", "4") "</characteristic>"

START_TEST(test_engine_bootstrap_closes_door) {
        EngineResult r;

        /* while the door is open, the operator's NETWPIN push acts as Manager */
        r = push(NAP("a") NEEDS_MANAGER, AUTH_NETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        ck_assert_uint_eq(engine_get_config(eng)->pin_attempts, 4);
        engine_result_done(&r);
        /* the operator's USERNETWPIN bootstrap closes it (Windows Mobile's sequence) */
        r = push(BOOT NAP("b") CLOSE_DOOR, AUTH_USERNETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        ck_assert_uint_eq(engine_get_config(eng)->grant_manager, 128);
        ck_assert(!engine_get_config(eng)->accept_sec[AUTH_NETWPIN]);
        /* the next NETWPIN push is judged by the new values: the method is refused */
        r = push(NAP("c") NEEDS_MANAGER, AUTH_NETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(r.reason, REASON_POLICY_DENIED);
        engine_result_done(&r);
        /* also after a restart */
        eng = engine_free(eng);
        eng = open_engine();
        ck_assert_uint_eq(engine_get_config(eng)->grant_manager, 128);
        uint64_t p;
        bool locked;
        ck_assert_int_eq(engine_policy_source(eng, "Policy.GrantManager", &p, &locked), OTA_SOURCE_OTA);
        ck_assert_uint_eq(p, 2);
        /* with NETWPIN accepted again by the administrator's reset, the grant is still gone */
        ck_assert_int_eq(engine_reset_policy(eng), 6); /* 4105 of the first push, 5 keys of the bootstrap */
        ck_assert_uint_eq(engine_get_config(eng)->grant_manager, 4);
        ck_assert_int_eq(engine_policy_source(eng, "Policy.GrantManager", &p, &locked), OTA_SOURCE_BUILTIN);
        ck_assert_int_eq(engine_reset_policy(eng), 0);
}
END_TEST

START_TEST(test_engine_role_denied_after_grant_removed) {
        EngineResult r;

        /* only the grant goes: NETWPIN is still accepted, but no longer acts as Manager */
        r = push(BOOT "<characteristic type=\"SecurityPolicy\">" P("4119", "128") "</characteristic>",
                 AUTH_USERNETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        r = push(NAP("d") NEEDS_MANAGER, AUTH_NETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_REJECTED);
        ck_assert_int_eq(r.reason, REASON_ROLE_DENIED);
        ck_assert_str_eq(r.denied, "/SecurityPolicy");
        engine_result_done(&r);
}
END_TEST

START_TEST(test_engine_once) {
        EngineResult r;

        eng = engine_free(eng);
        cfg->bootstrap_once = true;
        eng = open_engine();
        r = push(NAP("e"), AUTH_NETWPIN); /* no BOOTSTRAP: stays open */
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        ck_assert(engine_get_config(eng)->bootstrap_enabled);
        r = push(BOOT, AUTH_NETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        ck_assert(!engine_get_config(eng)->bootstrap_enabled);
        r = push(NAP("f"), AUTH_NETWPIN);
        ck_assert_int_eq(r.reason, REASON_BOOTSTRAP_DISABLED);
        engine_result_done(&r);
        /* durable */
        eng = engine_free(eng);
        eng = open_engine();
        ck_assert(!engine_get_config(eng)->bootstrap_enabled);
        ck_assert_int_eq(engine_reset_policy(eng), 1);
        r = push(NAP("g"), AUTH_NETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
}
END_TEST

typedef struct PolicyRows {
        unsigned n;
        char name[4][16], value[4][16], old[4][16];
        EngineChangeKind kind[4];
} PolicyRows;

static int keep_policy_row(const EngineChange *c, void *u) {
        PolicyRows *r = u;

        if (c->rank != ENGINE_GROUP_POLICY || r->n >= 4)
                return 0;
        ck_assert_str_eq(c->group, "SecurityPolicy");
        snprintf(r->name[r->n], sizeof r->name[0], "%s", c->name);
        snprintf(r->value[r->n], sizeof r->value[0], "%s", c->value ?: "");
        snprintf(r->old[r->n], sizeof r->old[0], "%s", c->old_value ?: "");
        r->kind[r->n++] = c->kind;
        return 0;
}

START_TEST(test_engine_pending_document_shows_policy) {
        PolicyRows rows = {};
        EngineResult r;

        /* a NETWPIN push waits for the user, who sees what its SecurityPolicy would change */
        cfg->confirm_network_pin = true;
        r = push(NAP("p") "<characteristic type=\"SecurityPolicy\">" P("4119", "128") P("4105", "3")
                          "</characteristic>",
                 AUTH_NETWPIN);
        ck_assert_int_eq(r.reason, REASON_NEEDS_CONFIRMATION);
        ck_assert_int_gt(engine_pending_document(eng, r.id, keep_policy_row, &rows), 0);
        ck_assert_uint_eq(rows.n, 2);
        ck_assert_str_eq(rows.name[0], "4119");
        ck_assert_str_eq(rows.value[0], "128");
        ck_assert_str_eq(rows.old[0], "4");
        ck_assert_int_eq(rows.kind[0], ENGINE_CHANGE_CHANGED);
        ck_assert_str_eq(rows.name[1], "4105");
        ck_assert_int_eq(rows.kind[1], ENGINE_CHANGE_UNCHANGED);
        engine_result_done(&r);
}
END_TEST

static int count_row(const StorePolicyRow *row, void *u) {
        uint32_t *gm = u;

        if (strcmp(row->key, "GrantManager") == 0)
                *gm = row->value;
        return 0;
}

START_TEST(test_store_fault_inside_apply) {
        /* every SQL step of the apply fails in turn: the table holds the old layer each time,
         * then, once the fault point lies past the commit, the new one (same transaction) */
        Store *st = engine_get_store(eng);
        StorePolicyValue v[] = { { .key = "GrantManager", .value = 128 }, { .key = "AcceptNetworkPin", .value = 0 } };
        StorePolicyValue old = { .key = "GrantManager", .value = 4 };
        CpDoc *d = et_doc("NAPDEF{NAPID=x;NAME=x;NAP-ADDRESS=x.example}");
        StoreApply a = {
                .push = { .sec = AUTH_USERNETWPIN, .roles = 28, .verdict = VERDICT_APPLIED, .received_usec = 1,
                          .decided_usec = 2 },
                .doc = d,
                .body = (const uint8_t *) "first",
                .body_len = 5,
                .policy = &old,
                .n_policy = 1,
        };
        uint32_t gm = 0;
        unsigned n;
        int r;

        ck_assert_int_eq(store_apply(st, &a, NULL, NULL), 0);
        ck_assert_int_eq(store_policy_foreach(st, count_row, &gm), 1);
        ck_assert_uint_eq(gm, 4);
        a.body = (const uint8_t *) "second";
        a.body_len = 6;
        a.policy = v;
        a.n_policy = ELEMENTSOF(v);
        for (n = 1;; n++) {
                store_test_fail_at(st, n);
                r = store_apply(st, &a, NULL, NULL);
                store_test_fail_at(st, 0);
                if (r == 0)
                        break;
                ck_assert_int_eq(r, -EIO);
                ck_assert_int_eq(store_policy_foreach(st, count_row, &gm), 1);
                ck_assert_uint_eq(gm, 4);
                ck_assert_uint_lt(n, 500);
        }
        ck_assert_uint_gt(n, 3); /* several steps before the commit, each one tried */
        ck_assert_int_eq(store_policy_foreach(st, count_row, &gm), 2);
        ck_assert_uint_eq(gm, 128);
        /* a key too long for the table: refused, nothing written */
        char longkey[STORE_POLICY_KEY_MAX + 2];
        memset(longkey, 'K', sizeof longkey - 1);
        longkey[sizeof longkey - 1] = 0;
        StorePolicyValue bad = { .key = longkey, .value = 1 };
        a.body = (const uint8_t *) "third";
        a.body_len = 5;
        a.policy = &bad;
        a.n_policy = 1;
        ck_assert_int_eq(store_apply(st, &a, NULL, NULL), -EINVAL);
        longkey[STORE_POLICY_KEY_MAX] = 0; /* at the limit: accepted */
        ck_assert_int_eq(store_apply(st, &a, NULL, NULL), 0);
        ck_assert_int_eq(store_policy_foreach(st, count_row, &gm), 3);
        ck_assert_int_eq(store_policy_reset(st), 3);
        ck_assert_int_eq(store_policy_foreach(st, count_row, &gm), 0);
        cpdoc_free(d);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("ota-policy");
        TCase *tc = tcase_create("check");

        TU_ADD(tc, test_check_every_policy);
        TU_ADD(tc, test_check_refusals);
        TU_ADD(tc, test_check_locked);
        TU_ADD(tc, test_unsupported_and_spc);
        TU_ADD(tc, test_once_closes);
        TU_ADD(tc, test_config_keys);
        TU_ADD(tc, test_overlay_and_sources);
        suite_add_tcase(s, tc);
        tc = tcase_create("engine");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_engine_bootstrap_closes_door);
        TU_ADD(tc, test_engine_role_denied_after_grant_removed);
        TU_ADD(tc, test_engine_once);
        TU_ADD(tc, test_store_fault_inside_apply);
        TU_ADD(tc, test_engine_pending_document_shows_policy);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return tu_run(suite());
}
