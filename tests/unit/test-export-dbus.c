/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-export-dbus.c: verifierd/export-dbus.c. The plan: documents committed to the engine's
 * store become the expected oFono contexts (type, APN, credentials, authentication method, MMS
 * center and proxy) and mmsd-tng settings (TO-NAPID, TO-PROXY, the proxy's TO-NAPID, the
 * INTERNET fallback, the strongest w4 then the one installed last, references only to roots at
 * least as strong as the referrer); values oFono or mmsd-tng would refuse, dangling
 * links and non-APN NAPDEFs are refused or skipped. The bus part: against an in-process stand-in
 * for oFono and mmsd-tng on a socketpair (a thread serving org.ofono.Manager, ConnectionManager,
 * ConnectionContext, and org.ofono.mms.ModemManager to catch any call to it): contexts are
 * created with their properties, a second run changes nothing, a changed store updates only what
 * differs, active contexts are left alone, stale contexts of ours are removed, other contexts are
 * never touched, and mmsd-tng is never called on verifierd's bus (issue 10 point 5: mmsd-tng is on
 * the user's session bus; verifierd publishes the settings instead, export_dbus_mms_settings).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

#include "engine-testutil.h"
#include "macros.h"
#include "testutil.h"
#include "verifierd/config.h"
#include "verifierd/engine.h"
#include "verifierd/export-dbus.h"

static char *dir;
static Config *cfg;
static Engine *eng;

static void setup(void) {
        dir = et_tmpdir("xdbus-state");
        ck_assert_int_eq(config_new_default(&cfg), 0);
        EngineOptions o = { .state_dir = dir, .config = cfg, .no_export = true };
        ck_assert_int_eq(engine_new(&eng, &o), 0);
}

static void teardown(void) {
        eng = engine_free(eng);
        cfg = config_free(cfg);
        et_rm_rf(dir);
        free(dir);
}

/* Commit a document to the engine's store as a push with SEC @sec would (the store accepts it as
 * is: the plan must cope with whatever is stored). */
static void apply_sec(const char *spec, AuthMethod sec) {
        CpDoc *d = et_doc(spec);
        StoreApply a = {
                .push = { .sec = sec, .roles = 4, .verdict = VERDICT_APPLIED, .received_usec = 1, .decided_usec = 2 },
                .doc = d,
                .body = (const uint8_t *) spec,
                .body_len = strlen(spec),
        };

        ck_assert_int_eq(store_apply(engine_get_store(eng), &a, NULL, NULL), 0);
        cpdoc_free(d);
}

/* ... as a NETWPIN push would. */
static void apply(const char *spec) {
        apply_sec(spec, AUTH_NETWPIN);
}

static const OfonoContextSpec *find_ctx(const ExportDbusPlan *p, const char *name, const char *type) {
        for (size_t i = 0; i < p->n_contexts; i++)
                if (strcmp(p->contexts[i].name, name) == 0 && strcmp(p->contexts[i].type, type) == 0)
                        return &p->contexts[i];
        return NULL;
}

static bool is_invalid(const ExportDbusPlan *p, const char *root) {
        for (size_t i = 0; i < p->n_invalid; i++)
                if (strcmp(p->invalid[i], root) == 0)
                        return true;
        return false;
}

#define NAP_INTERNET                                                                                            \
        "NAPDEF{NAPID=INTERNET;NAME=Example Internet;INTERNET;NAP-ADDRESS=internet.example.com;"              \
        "NAP-ADDRTYPE=APN;NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=web;AUTHSECRET=webpw}}"
#define NAP_MMS                                                                                                 \
        "NAPDEF{NAPID=MMS;NAME=Example MMS;NAP-ADDRESS=mms.example.com;NAP-ADDRTYPE=APN;"                      \
        "NAPAUTHINFO{AUTHTYPE=CHAP;AUTHNAME=mms;AUTHSECRET=mmspw}}"
#define PX_MMS                                                                                                  \
        "PXLOGICAL{PROXY-ID=MMSPROXY;NAME=MMS Proxy;PXPHYSICAL{PHYSICAL-PROXY-ID=P1;PXADDR=10.1.2.3;"            \
        "PXADDRTYPE=IPV4;TO-NAPID=MMS;PORT{PORTNBR=8080}}}"
#define W4_FULL "APPLICATION{APPID=w4;NAME=MMS;ADDR=http://mms.example.com/servlets/mms;TO-NAPID=MMS;TO-PROXY=MMSPROXY}"

/* ---- the plan ------------------------------------------------------------------------------ */

START_TEST(test_plan_internet_and_mms) {
        ExportDbusPlan p = {};
        const OfonoContextSpec *c;

        apply(NAP_INTERNET NAP_MMS PX_MMS W4_FULL);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.n_contexts, 2);
        ck_assert_uint_eq(p.n_invalid, 0);

        c = find_ctx(&p, "provboot: Example Internet", "internet");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->apn, "internet.example.com");
        ck_assert_str_eq(c->username, "web");
        ck_assert_str_eq(c->password, "webpw");
        ck_assert_str_eq(c->auth, "pap");
        ck_assert_ptr_null(c->message_center);
        ck_assert_ptr_null(c->message_proxy);
        ck_assert_str_eq(c->root, "/NAPDEF[NAPID=INTERNET]");
        ck_assert_uint_gt(c->push_id, 0);

        c = find_ctx(&p, "provboot: Example MMS", "mms");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->apn, "mms.example.com");
        ck_assert_str_eq(c->username, "mms");
        ck_assert_str_eq(c->password, "mmspw");
        ck_assert_str_eq(c->auth, "chap");
        ck_assert_str_eq(c->message_center, "http://mms.example.com/servlets/mms");
        ck_assert_str_eq(c->message_proxy, "10.1.2.3:8080");

        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.mmsc, "http://mms.example.com/servlets/mms");
        ck_assert_str_eq(p.mmsd.apn, "mms.example.com");
        ck_assert_str_eq(p.mmsd.proxy, "10.1.2.3:8080");
        ck_assert_str_eq(p.mmsd.root, "/APPLICATION[APPID=w4]");
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_links) {
        ExportDbusPlan p = {};
        const OfonoContextSpec *c;

        /* w4 without TO-NAPID: the MMS NAP comes through its proxy's TO-NAPID; no PORT -> 80. */
        apply("NAPDEF{NAPID=M1;NAME=Via Proxy;NAP-ADDRESS=mms.via-proxy.example}"
              "PXLOGICAL{PROXY-ID=PX;PXPHYSICAL{PHYSICAL-PROXY-ID=P;PXADDR=proxy.example.com;TO-NAPID=M1}}"
              "APPLICATION{APPID=w4;ADDR=https://mmsc.example/;TO-PROXY=PX}");
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.n_contexts, 1);
        c = find_ctx(&p, "provboot: Via Proxy", "mms");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->auth, "none"); /* no credentials */
        ck_assert_str_eq(c->username, "");
        ck_assert_str_eq(c->password, "");
        ck_assert_str_eq(c->message_proxy, "proxy.example.com:80");
        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.apn, "mms.via-proxy.example");
        ck_assert_str_eq(p.mmsd.proxy, "proxy.example.com:80");
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_no_proxy_combined_apn) {
        ExportDbusPlan p = {};
        const OfonoContextSpec *c;

        /* One APN for Internet and MMS (INTERNET flag + used by w4): both contexts. No TO-PROXY:
         * "NULL" for mmsd-tng, "" for oFono's MessageProxy. TO-NAPID=INTERNET without such a NAPID
         * means the NAPDEF flagged INTERNET. */
        apply("NAPDEF{NAPID=NAP1;NAME=Both;INTERNET;NAP-ADDRESS=web.example}"
              "APPLICATION{APPID=w4;ADDR=http://mmsc.example/mms;TO-NAPID=INTERNET}");
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.n_contexts, 2);
        c = find_ctx(&p, "provboot: Both", "internet");
        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_null(c->message_center);
        c = find_ctx(&p, "provboot: Both", "mms");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->message_center, "http://mmsc.example/mms");
        ck_assert_str_eq(c->message_proxy, "");
        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.proxy, "NULL");
        ck_assert_str_eq(p.mmsd.apn, "web.example");
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_proxy_forms) {
        ExportDbusPlan p = {};

        /* IPv6 in brackets; the PXLOGICAL's PORT when the PXPHYSICAL has none. */
        apply("NAPDEF{NAPID=M;NAME=M;NAP-ADDRESS=mms.example}"
              "PXLOGICAL{PROXY-ID=PX;PORT{PORTNBR=9201};PXPHYSICAL{PHYSICAL-PROXY-ID=P;PXADDR=2001:db8::1;"
              "PXADDRTYPE=IPV6;TO-NAPID=M}}"
              "APPLICATION{APPID=w4;ADDR=http://mmsc.example/;TO-PROXY=PX;TO-NAPID=M}");
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.proxy, "[2001:db8::1]:9201");
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_auth_methods) {
        ExportDbusPlan p = {};

        apply("NAPDEF{NAPID=A;NAME=Chap;NAP-ADDRESS=ab.example;NAPAUTHINFO{AUTHTYPE=CHAP;AUTHNAME=u}}"
              "NAPDEF{NAPID=B;NAME=Md5;NAP-ADDRESS=bb.example;NAPAUTHINFO{AUTHTYPE=MD5;AUTHNAME=u;AUTHSECRET=s}}"
              "NAPDEF{NAPID=C;NAME=TypeOnly;NAP-ADDRESS=cb.example;NAPAUTHINFO{AUTHTYPE=PAP}}"
              "NAPDEF{NAPID=D;NAME=Second;NAP-ADDRESS=db.example;NAPAUTHINFO{AUTHTYPE=CHAP};"
              "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=v;AUTHSECRET=w}}");
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.n_contexts, 4);
        ck_assert_str_eq(find_ctx(&p, "provboot: Chap", "internet")->auth, "chap");
        ck_assert_ptr_null(find_ctx(&p, "provboot: Md5", "internet")->auth); /* left as oFono has it */
        ck_assert_str_eq(find_ctx(&p, "provboot: TypeOnly", "internet")->auth, "none");
        /* the first NAPAUTHINFO with credentials, with its own AUTHTYPE */
        ck_assert_str_eq(find_ctx(&p, "provboot: Second", "internet")->auth, "pap");
        ck_assert_str_eq(find_ctx(&p, "provboot: Second", "internet")->username, "v");
        ck_assert(!p.have_mmsd);
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_refused_values) {
        ExportDbusPlan p = {};
        char spec[1024];

        /* NetworkManager takes '_' and a 1-character first label, oFono does not. */
        apply("NAPDEF{NAPID=U;NAME=Under;NAP-ADDRESS=my_apn}"
              "NAPDEF{NAPID=S;NAME=Short;NAP-ADDRESS=a.example}"
              "NAPDEF{NAPID=DD;NAME=Dots;NAP-ADDRESS=x..example}"
              "NAPDEF{NAPID=OK;NAME=Fine;NAP-ADDRESS=fine.example}");
        /* oFono's Username limit (63 bytes) */
        snprintf(spec, sizeof spec, "NAPDEF{NAPID=LU;NAME=Long;NAP-ADDRESS=lu.example;NAPAUTHINFO{AUTHTYPE=PAP;"
                 "AUTHNAME=%064d}}", 0);
        apply(spec);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.n_contexts, 1);
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: Fine", "internet"));
        ck_assert(is_invalid(&p, "/NAPDEF[NAPID=U]"));
        ck_assert(is_invalid(&p, "/NAPDEF[NAPID=S]"));
        ck_assert(is_invalid(&p, "/NAPDEF[NAPID=DD]"));
        ck_assert(is_invalid(&p, "/NAPDEF[NAPID=LU]"));
        ck_assert_uint_eq(p.n_invalid, 4);
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_control_characters) {
        ExportDbusPlan p = {};
        StoreSetting rows[] = {
                { .root = "/NAPDEF[NAPID=X]", .path = "/NAPDEF[NAPID=X]", .chpath = "/NAPDEF[NAPID=X]", .ctype = "NAPDEF" },
                { .root = "/NAPDEF[NAPID=X]", .path = "/NAPDEF[NAPID=X].NAPID", .chpath = "/NAPDEF[NAPID=X]",
                  .ctype = "NAPDEF", .parm = "NAPID", .value = "X" },
                { .root = "/NAPDEF[NAPID=X]", .path = "/NAPDEF[NAPID=X].NAME", .chpath = "/NAPDEF[NAPID=X]",
                  .ctype = "NAPDEF", .parm = "NAME", .value = "line\nbreak" },
                { .root = "/NAPDEF[NAPID=X]", .path = "/NAPDEF[NAPID=X].NAP-ADDRESS", .chpath = "/NAPDEF[NAPID=X]",
                  .ctype = "NAPDEF", .parm = "NAP-ADDRESS", .value = "xx.example" },
                { .root = "/NAPDEF[NAPID=Y]", .path = "/NAPDEF[NAPID=Y]", .chpath = "/NAPDEF[NAPID=Y]", .ctype = "NAPDEF" },
                { .root = "/NAPDEF[NAPID=Y]", .path = "/NAPDEF[NAPID=Y].NAPID", .chpath = "/NAPDEF[NAPID=Y]",
                  .ctype = "NAPDEF", .parm = "NAPID", .value = "Y" },
                { .root = "/NAPDEF[NAPID=Y]", .path = "/NAPDEF[NAPID=Y].NAP-ADDRESS", .chpath = "/NAPDEF[NAPID=Y]",
                  .ctype = "NAPDEF", .parm = "NAP-ADDRESS", .value = "yy.example" },
                { .root = "/NAPDEF[NAPID=Y]", .path = "/NAPDEF[NAPID=Y]/NAPAUTHINFO", .chpath = "/NAPDEF[NAPID=Y]/NAPAUTHINFO",
                  .ctype = "NAPAUTHINFO" },
                { .root = "/NAPDEF[NAPID=Y]", .path = "/NAPDEF[NAPID=Y]/NAPAUTHINFO.AUTHSECRET",
                  .chpath = "/NAPDEF[NAPID=Y]/NAPAUTHINFO", .ctype = "NAPAUTHINFO", .parm = "AUTHSECRET",
                  .value = "pw\x7f" },
        };

        /* Values the document rules let through (LF, DEL) never reach another daemon. */
        ck_assert_int_eq(export_dbus_plan_from_rows(rows, ELEMENTSOF(rows), &p), 0);
        ck_assert_uint_eq(p.n_contexts, 0);
        ck_assert_uint_eq(p.n_invalid, 2);
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_bad_w4) {
        ExportDbusPlan p = {};

        /* MMSC not an http(s) URL; dangling TO-PROXY; dangling TO-NAPID; no NAP at all. None of
         * them makes its NAPDEF an mms context. */
        apply("NAPDEF{NAPID=M;NAME=M;NAP-ADDRESS=mms.example}"
              "APPLICATION{APPID=w4;PROVIDER-ID=a;ADDR=mms.example.com;TO-NAPID=M}"
              "APPLICATION{APPID=w4;PROVIDER-ID=b;ADDR=ftp://mms.example.com/;TO-NAPID=M}"
              "APPLICATION{APPID=w4;PROVIDER-ID=c;ADDR=http://mmsc.example/;TO-PROXY=NOPE;TO-NAPID=M}"
              "APPLICATION{APPID=w4;PROVIDER-ID=d;ADDR=http://mmsc.example/;TO-NAPID=NOPE}"
              "APPLICATION{APPID=w4;PROVIDER-ID=e;ADDR=http://mmsc.example/}"
              "APPLICATION{APPID=w2;ADDR=http://browser.example/;TO-NAPID=M}");
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert(!p.have_mmsd);
        ck_assert_uint_eq(p.n_invalid, 5);
        ck_assert(is_invalid(&p, "/APPLICATION[APPID=w4,PROVIDER-ID=a]"));
        ck_assert(is_invalid(&p, "/APPLICATION[APPID=w4,PROVIDER-ID=e]"));
        ck_assert_uint_eq(p.n_contexts, 1);
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: M", "internet"));
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_skipped_and_names) {
        ExportDbusPlan p = {};
        char spec[2048], label[400] = "";
        const OfonoContextSpec *c;

        /* Not an APN: skipped, as the keyfile exporter does. Same NAME twice: unique names. */
        apply("NAPDEF{NAPID=CSD;NAME=Dial;NAP-ADDRESS=+491234567;NAP-ADDRTYPE=E164}"
              "NAPDEF{NAPID=IP;NAME=Ip;NAP-ADDRESS=10.0.0.1;NAP-ADDRTYPE=IPV4}"
              "NAPDEF{NAPID=N1;NAME=Same;NAP-ADDRESS=one.example}"
              "NAPDEF{NAPID=N2;NAME=Same;NAP-ADDRESS=two.example}"
              "NAPDEF{NAPID=NONAME;NAP-ADDRESS=three.example}");
        /* A long NAME of 2-byte characters is cut at a character boundary within oFono's 127. */
        for (int i = 0; i < 100; i++)
                strcat(label, "\xc3\xa9");
        snprintf(spec, sizeof spec, "NAPDEF{NAPID=LONG;NAME=%s;NAP-ADDRESS=long.example}", label);
        apply(spec);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.skipped, 2);
        ck_assert_uint_eq(p.n_contexts, 4);
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: Same", "internet"));
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: Same #2", "internet"));
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: NONAME", "internet"));
        c = NULL;
        for (size_t i = 0; i < p.n_contexts; i++)
                if (strcmp(p.contexts[i].apn, "long.example") == 0)
                        c = &p.contexts[i];
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_le(strlen(c->name), EXPORT_DBUS_NAME_MAX);
        ck_assert_uint_eq((strlen(c->name) - strlen(EXPORT_DBUS_NAME_PREFIX)) % 2, 0);
        ck_assert_int_eq(strncmp(c->name, EXPORT_DBUS_NAME_PREFIX "\xc3\xa9", strlen(EXPORT_DBUS_NAME_PREFIX) + 2), 0);
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_latest_w4_wins) {
        ExportDbusPlan p = {};

        apply(NAP_MMS PX_MMS "APPLICATION{APPID=w4;PROVIDER-ID=old;ADDR=http://old.example/;TO-NAPID=MMS}");
        apply("APPLICATION{APPID=w4;PROVIDER-ID=new;ADDR=http://new.example/mms;TO-NAPID=MMS;TO-PROXY=MMSPROXY}");
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.mmsc, "http://new.example/mms");
        ck_assert_str_eq(p.mmsd.proxy, "10.1.2.3:8080");
        ck_assert_str_eq(find_ctx(&p, "provboot: Example MMS", "mms")->message_center, "http://new.example/mms");
        export_dbus_plan_done(&p);
}
END_TEST

/* Issue 9, finding 5: a weaker sibling w4 never wins over a stronger one, whichever came last. */
#define W4_OPERATOR                                                                                             \
        "APPLICATION{APPID=w4;PROVIDER-ID=op;ADDR=http://mmsc.operator.example/mms;TO-NAPID=MMS;TO-PROXY=MMSPROXY}"
#define W4_ATTACKER "APPLICATION{APPID=w4;PROVIDER-ID=evil;ADDR=http://mmsc.attacker.example/;TO-NAPID=MMS}"

START_TEST(test_plan_strongest_w4_wins) {
        ExportDbusPlan p = {};
        const OfonoContextSpec *c;

        /* the operator's USERNETWPIN w4, then a NETWPIN sibling pointing at the operator's NAPDEF */
        apply_sec(NAP_MMS PX_MMS W4_OPERATOR, AUTH_USERNETWPIN);
        apply_sec(W4_ATTACKER, AUTH_NETWPIN);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.mmsc, "http://mmsc.operator.example/mms");
        ck_assert_str_eq(p.mmsd.root, "/APPLICATION[APPID=w4,PROVIDER-ID=op]");
        ck_assert_str_eq(p.mmsd.proxy, "10.1.2.3:8080");
        c = find_ctx(&p, "provboot: Example MMS", "mms");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->message_center, "http://mmsc.operator.example/mms");
        ck_assert_str_eq(c->message_proxy, "10.1.2.3:8080");
        ck_assert_uint_eq(p.n_invalid, 0); /* the weaker w4 resolves (weak -> strong is fine) */
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_strongest_w4_wins_either_order) {
        ExportDbusPlan p = {};

        /* the weaker one first: the stronger one still wins; equal strength: the later one */
        apply_sec(NAP_MMS PX_MMS, AUTH_USERNETWPIN);
        apply_sec(W4_ATTACKER, AUTH_NETWPIN);
        apply_sec(W4_OPERATOR, AUTH_USERNETWPIN);
        apply_sec("APPLICATION{APPID=w4;PROVIDER-ID=evil2;ADDR=http://mmsc2.attacker.example/;TO-NAPID=MMS}",
                  AUTH_USERPIN);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_str_eq(p.mmsd.mmsc, "http://mmsc.operator.example/mms");
        ck_assert_str_eq(find_ctx(&p, "provboot: Example MMS", "mms")->message_center,
                         "http://mmsc.operator.example/mms");
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_weaker_w4_keeps_internet_context) {
        ExportDbusPlan p = {};
        const OfonoContextSpec *c;

        /* the operator's NAPDEF without the INTERNET flag and no w4 of its own is an internet
         * context; a weaker w4 adds an MMS use of it but does not take that away */
        apply_sec(NAP_MMS, AUTH_USERNETWPIN);
        apply_sec(W4_ATTACKER, AUTH_NETWPIN);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.n_contexts, 2);
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: Example MMS", "internet"));
        c = find_ctx(&p, "provboot: Example MMS", "mms");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->message_center, "http://mmsc.attacker.example/");
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_reference_to_weaker_root) {
        ExportDbusPlan p = {};

        /* TO-NAPID: the operator's w4 names a NAPDEF only a NETWPIN push supplied: dangling */
        apply_sec("APPLICATION{APPID=w4;PROVIDER-ID=a;ADDR=http://mmsc.operator.example/;TO-NAPID=MMS2}",
                  AUTH_USERNETWPIN);
        apply_sec("NAPDEF{NAPID=MMS2;NAME=Evil;NAP-ADDRESS=evil.example}", AUTH_NETWPIN);
        /* TO-PROXY: likewise for a proxy */
        apply_sec(NAP_MMS "APPLICATION{APPID=w4;PROVIDER-ID=b;ADDR=http://mmsc.operator.example/;TO-NAPID=MMS;"
                          "TO-PROXY=PX2}",
                  AUTH_USERNETWPIN);
        apply_sec("PXLOGICAL{PROXY-ID=PX2;PXPHYSICAL{PHYSICAL-PROXY-ID=P;PXADDR=10.6.6.6;TO-NAPID=MMS}}",
                  AUTH_NETWPIN);
        /* the proxy's TO-NAPID: both strong, the NAPDEF it names weak */
        apply_sec("PXLOGICAL{PROXY-ID=PX3;PXPHYSICAL{PHYSICAL-PROXY-ID=P;PXADDR=10.1.1.1;TO-NAPID=MMS3}}"
                  "APPLICATION{APPID=w4;PROVIDER-ID=c;ADDR=http://mmsc.operator.example/;TO-PROXY=PX3}",
                  AUTH_USERNETWPIN);
        apply_sec("NAPDEF{NAPID=MMS3;NAME=Evil3;NAP-ADDRESS=evil3.example}", AUTH_NETWPIN);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert(is_invalid(&p, "/APPLICATION[APPID=w4,PROVIDER-ID=a]"));
        ck_assert(is_invalid(&p, "/APPLICATION[APPID=w4,PROVIDER-ID=b]"));
        ck_assert(is_invalid(&p, "/APPLICATION[APPID=w4,PROVIDER-ID=c]"));
        ck_assert(!p.have_mmsd);
        /* the weak NAPDEFs stay what they are on their own: internet contexts, no MMSC */
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: Evil", "internet"));
        ck_assert_ptr_null(find_ctx(&p, "provboot: Evil", "mms"));
        ck_assert_ptr_null(find_ctx(&p, "provboot: Evil3", "mms"));
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_reference_strength_internet_fallback) {
        ExportDbusPlan p = {};

        /* TO-NAPID INTERNET: a weak NAPDEF named INTERNET does not capture it; the strong NAPDEF
         * with the INTERNET flag does */
        apply_sec("NAPDEF{NAPID=OPNET;NAME=Op;INTERNET;NAP-ADDRESS=op.example}"
                  "APPLICATION{APPID=w4;ADDR=http://mmsc.operator.example/;TO-NAPID=INTERNET}",
                  AUTH_USERNETWPIN);
        apply_sec("NAPDEF{NAPID=INTERNET;NAME=Evil;NAP-ADDRESS=evil.example}", AUTH_NETWPIN);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.apn, "op.example");
        ck_assert_ptr_nonnull(find_ctx(&p, "provboot: Op", "mms"));
        ck_assert_ptr_null(find_ctx(&p, "provboot: Evil", "mms"));
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_plan_reference_equal_or_stronger_resolves) {
        ExportDbusPlan p = {};

        /* a NETWPIN w4 may use the operator's stronger NAPDEF and proxy; an equal one resolves */
        apply_sec(NAP_MMS PX_MMS, AUTH_USERNETWPIN);
        apply_sec("APPLICATION{APPID=w4;ADDR=http://mmsc.example/;TO-PROXY=MMSPROXY}", AUTH_NETWPIN);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_uint_eq(p.n_invalid, 0);
        ck_assert(p.have_mmsd);
        ck_assert_str_eq(p.mmsd.apn, "mms.example.com");
        ck_assert_str_eq(p.mmsd.proxy, "10.1.2.3:8080");
        export_dbus_plan_done(&p);
}
END_TEST

START_TEST(test_apply_disabled) {
        ExportDbusStats st = { .created = 7 };

        /* Both exporters off (the default): nothing is read, no bus needed. */
        apply(NAP_INTERNET);
        ck_assert_int_eq(export_dbus_apply(NULL, eng, cfg, &st), 0);
        ck_assert_uint_eq(st.created, 0);
        ck_assert_uint_eq(st.planned, 0);
        /* Mmsd=yes alone: verifierd sends nothing anywhere (it publishes, export_dbus_mms_settings) */
        cfg->export_mmsd = true;
        ck_assert_int_eq(export_dbus_apply(NULL, eng, cfg, &st), 0);
        cfg->export_ofono_contexts = true;
        ck_assert_int_eq(export_dbus_apply(NULL, eng, cfg, &st), -EINVAL);
}
END_TEST

/* The MMS settings verifierd publishes for provboot-mmsd-sync (issue 10 point 5). */
START_TEST(test_mms_settings) {
        ExportMmsSettings a = {}, b = {};
        uint64_t first;

        /* Mmsd=no (the default): nothing, and the store is not read (no engine needed) */
        ck_assert_int_eq(export_dbus_mms_settings(NULL, cfg, &a), 0);
        ck_assert(!a.have);
        ck_assert_ptr_null(a.mmsc);

        cfg->export_mmsd = true;
        ck_assert_int_eq(export_dbus_mms_settings(eng, cfg, &a), 0);
        ck_assert(!a.have); /* nothing stored yet */
        ck_assert(export_mms_settings_equal(&a, &b));

        apply(NAP_INTERNET NAP_MMS PX_MMS W4_FULL);
        ck_assert_int_eq(export_dbus_mms_settings(eng, cfg, &a), 0);
        ck_assert(a.have);
        ck_assert_str_eq(a.mmsc, "http://mms.example.com/servlets/mms");
        ck_assert_str_eq(a.apn, "mms.example.com");
        ck_assert_str_eq(a.proxy, "10.1.2.3:8080");
        ck_assert_str_eq(a.root, "/APPLICATION[APPID=w4]");
        ck_assert_uint_gt(a.push_id, 0);
        first = a.push_id;
        ck_assert(!export_mms_settings_equal(&a, &b));
        ck_assert_int_eq(export_dbus_mms_settings(eng, cfg, &b), 0);
        ck_assert(export_mms_settings_equal(&a, &b));
        export_mms_settings_done(&b);

        /* the same values pushed again (another document order, so another body): a newer
         * push id, so not the same publication */
        apply(NAP_MMS PX_MMS W4_FULL NAP_INTERNET);
        ck_assert_int_eq(export_dbus_mms_settings(eng, cfg, &b), 0);
        ck_assert(b.have);
        ck_assert_uint_gt(b.push_id, first);
        ck_assert(!export_mms_settings_equal(&a, &b));
        export_mms_settings_done(&a);
        export_mms_settings_done(&b);
        ck_assert(!b.have);
        ck_assert_ptr_null(b.mmsc);

        /* Mmsd=no again: nothing published, whatever is stored */
        cfg->export_mmsd = false;
        ck_assert_int_eq(export_dbus_mms_settings(eng, cfg, &a), 0);
        ck_assert(!a.have);
}
END_TEST

/* Issue 11: the MMS settings are chosen from the w4s, proxies and the NAPDEFs they name only;
 * the choice is the whole plan's, whatever else the store holds. */
static void mms_agrees(void) {
        ExportDbusPlan p = {};
        ExportMmsSettings a = {};

        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        ck_assert_int_eq(export_dbus_mms_settings(eng, cfg, &a), 0);
        ck_assert_int_eq(a.have, p.have_mmsd);
        if (a.have) {
                ck_assert_str_eq(a.root, p.mmsd.root);
                ck_assert_str_eq(a.mmsc, p.mmsd.mmsc);
                ck_assert_str_eq(a.apn, p.mmsd.apn);
                ck_assert_str_eq(a.proxy, p.mmsd.proxy);
                ck_assert_uint_eq(a.push_id, p.mmsd.push_id);
        }
        export_mms_settings_done(&a);
        export_dbus_plan_done(&p);
}

START_TEST(test_mms_settings_partial_read) {
        cfg->export_mmsd = true;
        mms_agrees();
        for (unsigned i = 0; i < 20; i++) {
                char spec[256];

                snprintf(spec, sizeof spec, "NAPDEF{NAPID=N%u;NAME=N%u;NAP-ADDRESS=n%u.example}", i, i, i);
                apply(spec);
        }
        mms_agrees();
        apply(NAP_INTERNET NAP_MMS PX_MMS W4_FULL);
        mms_agrees();
        /* a stronger w4 through its proxy only; then a weaker one naming another NAPDEF */
        apply_sec(NAP_MMS PX_MMS "APPLICATION{APPID=w4;PROVIDER-ID=op;ADDR=http://op.example/;TO-PROXY=MMSPROXY}",
                  AUTH_USERNETWPIN);
        mms_agrees();
        apply_sec("APPLICATION{APPID=w4;PROVIDER-ID=weak;ADDR=http://weak.example/;TO-NAPID=N3}", AUTH_NETWPIN);
        mms_agrees();
        /* TO-NAPID INTERNET, a weak NAPDEF of that NAPID: the fallback to the INTERNET flag */
        apply_sec("NAPDEF{NAPID=OPNET;NAME=Op;INTERNET;NAP-ADDRESS=op.example}"
                  "APPLICATION{APPID=w4;PROVIDER-ID=top;ADDR=http://mmsc.operator.example/;TO-NAPID=INTERNET}",
                  AUTH_USERPIN);
        apply_sec("NAPDEF{NAPID=INTERNET;NAME=Evil;NAP-ADDRESS=evil.example}", AUTH_NETWPIN);
        mms_agrees();
}
END_TEST

/* ---- the bus part: an oFono / mmsd-tng stand-in on a socketpair ---------------------------- */

#define MOCK_CTX_MAX 32
#define MOCK_MODEM "/ril_0"

enum { P_NAME, P_TYPE, P_APN, P_USER, P_PASS, P_AUTH, P_MC, P_MP, _P_MAX };
static const char *const prop_names[_P_MAX] = {
        "Name", "Type", "AccessPointName", "Username", "Password", "AuthenticationMethod", "MessageCenter", "MessageProxy",
};

typedef struct MockCtx {
        char path[64];
        char *p[_P_MAX];
        bool active;
        bool gone;
} MockCtx;

typedef struct Mock {
        pthread_mutex_t lock;
        MockCtx ctx[MOCK_CTX_MAX];
        unsigned n, next_id;
        unsigned adds, sets, removes;
        char mms_log[2048];
        bool silent;                    /* take calls, never answer (a hung daemon) */
        bool refuse;                    /* answer nothing as ours: sd-bus's UnknownMethod */
        unsigned pad_props;             /* extra entries in every context's a{sv} */
        unsigned pad_modems;            /* extra modems in GetModems, before MOCK_MODEM */
        unsigned pad_interfaces;        /* extra names in MOCK_MODEM's Interfaces, before ours */
        sd_bus *server;
        sd_bus *client;
        pthread_t thread;
        int fds[2];
} Mock;

static Mock mock;

static MockCtx *mock_add(const char *type) {
        MockCtx *c;

        ck_assert_uint_lt(mock.n, MOCK_CTX_MAX);
        c = &mock.ctx[mock.n++];
        *c = (MockCtx) {};
        snprintf(c->path, sizeof c->path, MOCK_MODEM "/context%u", ++mock.next_id);
        for (int i = 0; i < _P_MAX; i++)
                c->p[i] = strdup("");
        free(c->p[P_NAME]);
        c->p[P_NAME] = strdup(strcmp(type, "mms") == 0 ? "MMS" : "Internet");
        free(c->p[P_TYPE]);
        c->p[P_TYPE] = strdup(type);
        free(c->p[P_AUTH]);
        c->p[P_AUTH] = strdup("chap");
        return c;
}

static void mock_set(MockCtx *c, int prop, const char *v) {
        free(c->p[prop]);
        c->p[prop] = strdup(v);
}

static MockCtx *mock_find(const char *path) {
        for (unsigned i = 0; i < mock.n; i++)
                if (!mock.ctx[i].gone && strcmp(mock.ctx[i].path, path) == 0)
                        return &mock.ctx[i];
        return NULL;
}

static int mock_append_props(sd_bus_message *m, const MockCtx *c) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (int i = 0; i < _P_MAX && r >= 0; i++) {
                if ((i == P_MC || i == P_MP) && strcmp(c->p[P_TYPE], "mms") != 0)
                        continue; /* oFono reports these for mms contexts only */
                r = sd_bus_message_append(m, "{sv}", prop_names[i], "s", c->p[i]);
        }
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "Active", "b", (int) c->active);
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "Protocol", "s", "ip");
        /* a nested dictionary the reader must step over */
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "Settings", "a{sv}", 1, "Interface", "s", "rmnet0");
        for (unsigned i = 0; i < mock.pad_props && r >= 0; i++) {
                char key[32];

                snprintf(key, sizeof key, "Pad%u", i);
                r = sd_bus_message_append(m, "{sv}", key, "u", i);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* GetModems: /phonesim (no Interfaces), pad_modems others, then MOCK_MODEM whose Interfaces name
 * pad_interfaces others before ConnectionManager. */
static int mock_append_modems(sd_bus_message *m) {
        char name[48];
        int r;

        r = sd_bus_message_open_container(m, 'a', "(oa{sv})");
        if (r >= 0)
                r = sd_bus_message_append(m, "(oa{sv})", "/phonesim", 1, "Powered", "b", 1);
        for (unsigned i = 0; i < mock.pad_modems && r >= 0; i++) {
                snprintf(name, sizeof name, "/pad_%u", i);
                r = sd_bus_message_append(m, "(oa{sv})", name, 1, "Powered", "b", 1);
        }
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "oa{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "o", MOCK_MODEM);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "Powered", "b", 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "Interfaces");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (unsigned i = 0; i < mock.pad_interfaces && r >= 0; i++) {
                snprintf(name, sizeof name, "org.example.Pad%u", i);
                r = sd_bus_message_append(m, "s", name);
        }
        if (r >= 0)
                r = sd_bus_message_append(m, "sss", "org.ofono.SimManager", "org.ofono.ConnectionManager",
                                          "org.ofono.PushNotification");
        for (int i = 0; i < 6 && r >= 0; i++) /* as, v, e, a{sv}, (oa{sv}), a(oa{sv}) */
                r = sd_bus_message_close_container(m);
        return r;
}

static int mock_handle(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *path = sd_bus_message_get_path(m), *iface = sd_bus_message_get_interface(m),
                   *member = sd_bus_message_get_member(m);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = 0;

        if (!iface || !member || mock.refuse)
                return 0;
        if (mock.silent)
                return 1;
        pthread_mutex_lock(&mock.lock);
        if (strcmp(iface, "org.ofono.Manager") == 0 && strcmp(member, "GetModems") == 0 && strcmp(path, "/") == 0) {
                r = sd_bus_message_new_method_return(m, &reply);
                if (r >= 0)
                        r = mock_append_modems(reply);
        } else if (strcmp(iface, "org.ofono.ConnectionManager") == 0 && strcmp(path, MOCK_MODEM) == 0) {
                if (strcmp(member, "GetContexts") == 0) {
                        r = sd_bus_message_new_method_return(m, &reply);
                        if (r >= 0)
                                r = sd_bus_message_open_container(reply, 'a', "(oa{sv})");
                        for (unsigned i = 0; i < mock.n && r >= 0; i++) {
                                if (mock.ctx[i].gone)
                                        continue;
                                r = sd_bus_message_open_container(reply, 'r', "oa{sv}");
                                if (r >= 0)
                                        r = sd_bus_message_append(reply, "o", mock.ctx[i].path);
                                if (r >= 0)
                                        r = mock_append_props(reply, &mock.ctx[i]);
                                if (r >= 0)
                                        r = sd_bus_message_close_container(reply);
                        }
                        if (r >= 0)
                                r = sd_bus_message_close_container(reply);
                } else if (strcmp(member, "AddContext") == 0) {
                        const char *type;

                        r = sd_bus_message_read(m, "s", &type);
                        if (r >= 0) {
                                MockCtx *c = mock_add(type);

                                mock.adds++;
                                r = sd_bus_message_new_method_return(m, &reply);
                                if (r >= 0)
                                        r = sd_bus_message_append(reply, "o", c->path);
                        }
                } else if (strcmp(member, "RemoveContext") == 0) {
                        const char *p;
                        MockCtx *c;

                        r = sd_bus_message_read(m, "o", &p);
                        if (r >= 0 && (c = mock_find(p))) {
                                c->gone = true;
                                mock.removes++;
                                r = sd_bus_message_new_method_return(m, &reply);
                        } else if (r >= 0)
                                r = sd_bus_error_set(error, "org.ofono.Error.NotFound", "no such context");
                }
        } else if (strcmp(iface, "org.ofono.ConnectionContext") == 0 && strcmp(member, "SetProperty") == 0) {
                MockCtx *c = mock_find(path);
                const char *key, *v;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_read(m, "v", "s", &v);
                if (r >= 0 && !c)
                        r = sd_bus_error_set(error, "org.freedesktop.DBus.Error.UnknownObject", "no context");
                else if (r >= 0 && c->active)
                        r = sd_bus_error_set(error, "org.ofono.Error.InUse", "active");
                else if (r >= 0) {
                        int k = -1;

                        for (int i = 0; i < _P_MAX; i++)
                                if (strcmp(key, prop_names[i]) == 0)
                                        k = i;
                        if (k < 0 || k == P_TYPE)
                                r = sd_bus_error_set(error, "org.ofono.Error.InvalidArguments", "property");
                        else {
                                mock_set(c, k, v);
                                mock.sets++;
                                r = sd_bus_message_new_method_return(m, &reply);
                        }
                }
        } else if (strcmp(iface, "org.ofono.mms.ModemManager") == 0 && strcmp(member, "ChangeSettings") == 0 &&
                   strcmp(path, "/org/ofono/mms") == 0) {
                const char *key, *v;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_read(m, "v", "s", &v);
                if (r >= 0) {
                        size_t l = strlen(mock.mms_log);

                        snprintf(mock.mms_log + l, sizeof mock.mms_log - l, "%s=%s\n", key, v);
                        r = sd_bus_message_new_method_return(m, &reply);
                }
        }
        pthread_mutex_unlock(&mock.lock);
        if (r < 0)
                return r;
        if (!reply)
                return 0; /* not ours: sd-bus answers UnknownMethod */
        return sd_bus_send(NULL, reply, NULL);
}

static void *mock_thread(void *arg) {
        for (;;) {
                int r = sd_bus_process(mock.server, NULL);

                if (r < 0)
                        break; /* the client hung up */
                if (r > 0)
                        continue;
                if (sd_bus_wait(mock.server, 10 * 1000000ULL) < 0)
                        break;
        }
        return NULL;
}

static void mock_start(void) {
        sd_id128_t id;

        pthread_mutex_init(&mock.lock, NULL);
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mock.fds), 0);
        ck_assert_int_ge(sd_id128_randomize(&id), 0);
        ck_assert_int_ge(sd_bus_new(&mock.server), 0);
        ck_assert_int_ge(sd_bus_set_fd(mock.server, mock.fds[0], mock.fds[0]), 0);
        ck_assert_int_ge(sd_bus_set_server(mock.server, 1, id), 0);
        ck_assert_int_ge(sd_bus_add_fallback(mock.server, NULL, "/", mock_handle, NULL), 0);
        ck_assert_int_ge(sd_bus_start(mock.server), 0);
        ck_assert_int_ge(sd_bus_new(&mock.client), 0);
        ck_assert_int_ge(sd_bus_set_fd(mock.client, mock.fds[1], mock.fds[1]), 0);
        ck_assert_int_ge(sd_bus_start(mock.client), 0);
        ck_assert_int_eq(pthread_create(&mock.thread, NULL, mock_thread, NULL), 0);
}

static void mock_stop(void) {
        mock.client = sd_bus_flush_close_unref(mock.client);
        pthread_join(mock.thread, NULL);
        mock.server = sd_bus_flush_close_unref(mock.server);
        for (unsigned i = 0; i < mock.n; i++)
                for (int k = 0; k < _P_MAX; k++)
                        free(mock.ctx[i].p[k]);
        pthread_mutex_destroy(&mock.lock);
        mock = (Mock) {};
}

static void bus_setup(void) {
        setup();
        mock_start();
}

static void bus_teardown(void) {
        mock_stop();
        teardown();
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000U + (uint64_t) ts.tv_nsec / 1000000U;
}

static unsigned mock_live(void) {
        unsigned n = 0;

        for (unsigned i = 0; i < mock.n; i++)
                n += !mock.ctx[i].gone;
        return n;
}

static MockCtx *mock_by_name(const char *name, const char *type) {
        MockCtx *found = NULL;

        for (unsigned i = 0; i < mock.n; i++)
                if (!mock.ctx[i].gone && strcmp(mock.ctx[i].p[P_NAME], name) == 0 &&
                    strcmp(mock.ctx[i].p[P_TYPE], type) == 0) {
                        ck_assert_msg(!found, "two contexts named '%s' (%s)", name, type);
                        found = &mock.ctx[i];
                }
        return found;
}

static int run_ofono(ExportDbusStats *st) {
        ExportDbusPlan p = {};
        int r;

        *st = (ExportDbusStats) {};
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        r = export_dbus_ofono(mock.client, &p, st);
        export_dbus_plan_done(&p);
        return r;
}

START_TEST(test_bus_create_idempotent_foreign) {
        ExportDbusStats st;
        MockCtx *foreign, *c;
        unsigned sets;

        /* The user's own context, with the very APN and type provboot wants: never touched. */
        foreign = mock_add("internet");
        mock_set(foreign, P_APN, "internet.example.com");
        mock_set(foreign, P_USER, "mine");

        apply(NAP_INTERNET NAP_MMS PX_MMS W4_FULL);
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.modems, 1); /* /phonesim has no ConnectionManager */
        ck_assert_uint_eq(st.created, 2);
        ck_assert_uint_eq(st.failed, 0);
        ck_assert_uint_eq(mock_live(), 3);

        c = mock_by_name("provboot: Example Internet", "internet");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->p[P_APN], "internet.example.com");
        ck_assert_str_eq(c->p[P_USER], "web");
        ck_assert_str_eq(c->p[P_PASS], "webpw");
        ck_assert_str_eq(c->p[P_AUTH], "pap");
        c = mock_by_name("provboot: Example MMS", "mms");
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->p[P_APN], "mms.example.com");
        ck_assert_str_eq(c->p[P_AUTH], "chap");
        ck_assert_str_eq(c->p[P_MC], "http://mms.example.com/servlets/mms");
        ck_assert_str_eq(c->p[P_MP], "10.1.2.3:8080");

        /* Second run: nothing added, nothing set. */
        sets = mock.sets;
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.created, 0);
        ck_assert_uint_eq(st.updated, 0);
        ck_assert_uint_eq(st.unchanged, 2);
        ck_assert_uint_eq(st.removed, 0);
        ck_assert_uint_eq(mock.sets, sets);
        ck_assert_uint_eq(mock.adds, 2);
        ck_assert_uint_eq(mock_live(), 3);

        ck_assert(!foreign->gone);
        ck_assert_str_eq(foreign->p[P_NAME], "Internet");
        ck_assert_str_eq(foreign->p[P_USER], "mine");
}
END_TEST

START_TEST(test_bus_update_busy_stale) {
        ExportDbusStats st;
        MockCtx *c, *stale, *stale_active, *foreign;
        unsigned sets;

        apply(NAP_INTERNET);
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.created, 1);

        /* The operator changes the APN: only AccessPointName is set. */
        apply("NAPDEF{NAPID=INTERNET;NAME=Example Internet;INTERNET;NAP-ADDRESS=internet2.example.com;"
              "NAP-ADDRTYPE=APN;NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=web;AUTHSECRET=webpw}}");
        sets = mock.sets;
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.updated, 1);
        ck_assert_uint_eq(mock.sets, sets + 1);
        c = mock_by_name("provboot: Example Internet", "internet");
        ck_assert_str_eq(c->p[P_APN], "internet2.example.com");

        /* Active: left alone and counted; the next run after it went down applies it. */
        c->active = true;
        apply("NAPDEF{NAPID=INTERNET;NAME=Example Internet;INTERNET;NAP-ADDRESS=internet3.example.com}");
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.busy, 1);
        ck_assert_uint_eq(st.updated, 0);
        ck_assert_str_eq(c->p[P_APN], "internet2.example.com");
        c->active = false;
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.updated, 1);
        ck_assert_str_eq(c->p[P_APN], "internet3.example.com");
        ck_assert_str_eq(c->p[P_USER], "");
        ck_assert_str_eq(c->p[P_AUTH], "none");

        /* Ours but no longer in the store: removed unless active; a foreign one with a similar
         * name stays. */
        stale = mock_add("internet");
        mock_set(stale, P_NAME, "provboot: Old Operator");
        stale_active = mock_add("mms");
        mock_set(stale_active, P_NAME, "provboot: Old MMS");
        stale_active->active = true;
        foreign = mock_add("internet");
        mock_set(foreign, P_NAME, "provboot Old Operator");
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.removed, 1);
        ck_assert_uint_eq(st.busy, 1);
        ck_assert_uint_eq(st.unchanged, 1);
        ck_assert(stale->gone);
        ck_assert(!stale_active->gone);
        ck_assert(!foreign->gone);
        ck_assert_str_eq(foreign->p[P_NAME], "provboot Old Operator");
}
END_TEST

START_TEST(test_bus_duplicate_and_mistyped) {
        ExportDbusStats st;
        MockCtx *a, *b, *wrong;

        /* Two contexts of ours with the same Name and Type (e.g. after a crash): one kept and
         * fixed, the other removed. One of ours with the wrong Type: replaced. */
        apply(NAP_INTERNET);
        a = mock_add("internet");
        mock_set(a, P_NAME, "provboot: Example Internet");
        b = mock_add("internet");
        mock_set(b, P_NAME, "provboot: Example Internet");
        wrong = mock_add("mms");
        mock_set(wrong, P_NAME, "provboot: Example Internet");
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.updated, 1);
        ck_assert_uint_eq(st.removed, 2);
        ck_assert(!a->gone);
        ck_assert(b->gone);
        ck_assert(wrong->gone);
        ck_assert_str_eq(a->p[P_APN], "internet.example.com");
        ck_assert_str_eq(a->p[P_PASS], "webpw");
}
END_TEST

START_TEST(test_bus_never_mmsd) {
        ExportDbusStats st = {};

        /* Mmsd=yes: the exporter never calls org.ofono.mms on verifierd's (system) bus, where no
         * mmsd-tng is; the stand-in would log any ChangeSettings. */
        apply(NAP_INTERNET NAP_MMS PX_MMS W4_FULL);
        cfg->export_mmsd = true;
        ck_assert_int_eq(export_dbus_apply(mock.client, eng, cfg, &st), 0);
        ck_assert_str_eq(mock.mms_log, "");
        cfg->export_ofono_contexts = true;
        ck_assert_int_eq(export_dbus_apply(mock.client, eng, cfg, &st), 0);
        ck_assert_uint_eq(st.created, 2);
        ck_assert_str_eq(mock.mms_log, "");
}
END_TEST

START_TEST(test_bus_apply_both) {
        ExportDbusStats st = {};

        apply("NAPDEF{NAPID=NAP1;NAME=Both;INTERNET;NAP-ADDRESS=web.example}"
              "APPLICATION{APPID=w4;ADDR=http://mmsc.example/mms;TO-NAPID=NAP1}");
        cfg->export_ofono_contexts = true;
        cfg->export_mmsd = true;
        ck_assert_int_eq(export_dbus_apply(mock.client, eng, cfg, &st), 0);
        ck_assert_uint_eq(st.planned, 2);
        ck_assert_uint_eq(st.created, 2);
        ck_assert_str_eq(mock.mms_log, "");
        ck_assert_ptr_nonnull(mock_by_name("provboot: Both", "internet"));
        ck_assert_str_eq(mock_by_name("provboot: Both", "mms")->p[P_MP], "");

        /* only oFono enabled: the same */
        cfg->export_mmsd = false;
        ck_assert_int_eq(export_dbus_apply(mock.client, eng, cfg, &st), 0);
        ck_assert_uint_eq(st.unchanged, 2);
        ck_assert_str_eq(mock.mms_log, "");
}
END_TEST

/* The bounded readers (ipc/buswatch.h) on oFono's answers: a context's a{sv} of
 * EXPORT_DBUS_DICT_MAX entries, GetModems' list of EXPORT_DBUS_MODEM_LIST_MAX modems, a modem's
 * Interfaces of EXPORT_DBUS_DICT_MAX names are read; one more of each is refused (-E2BIG) and
 * nothing is changed. */
START_TEST(test_bus_reply_limits) {
        ExportDbusStats st;
        MockCtx *c;

        apply(NAP_INTERNET);
        c = mock_add("internet");
        mock_set(c, P_NAME, "provboot: Example Internet");
        /* an internet context reports 9 entries: Name, Type, AccessPointName, Username, Password,
         * AuthenticationMethod, Active, Protocol, Settings */
        mock.pad_props = EXPORT_DBUS_DICT_MAX - 9;
        mock.pad_modems = EXPORT_DBUS_MODEM_LIST_MAX - 2;
        mock.pad_interfaces = EXPORT_DBUS_DICT_MAX - 3;
        ck_assert_int_eq(run_ofono(&st), 0); /* every one at its limit */
        ck_assert_uint_eq(st.modems, 1);
        ck_assert_uint_eq(st.updated, 1);
        ck_assert_str_eq(c->p[P_APN], "internet.example.com");

        mock_set(c, P_APN, "changed.example");
        mock.pad_props++;
        ck_assert_int_eq(run_ofono(&st), -E2BIG); /* the context's a{sv} past its limit */
        ck_assert_uint_eq(st.updated + st.created + st.removed, 0);
        mock.pad_props--;

        mock.pad_modems++;
        ck_assert_int_eq(run_ofono(&st), -E2BIG); /* GetModems past its limit */
        ck_assert_uint_eq(st.modems, 0);
        mock.pad_modems--;

        mock.pad_interfaces++;
        ck_assert_int_eq(run_ofono(&st), -E2BIG); /* Interfaces past its limit */
        ck_assert_uint_eq(st.modems, 0);
        mock.pad_interfaces--;

        ck_assert_str_eq(c->p[P_APN], "changed.example"); /* nothing was changed past a limit */
        ck_assert_uint_eq(mock.adds, 0);
        ck_assert_int_eq(run_ofono(&st), 0);
        ck_assert_uint_eq(st.updated, 1);
}
END_TEST

START_TEST(test_bus_errors) {
        ExportDbusPlan p = {};
        ExportDbusStats st = {};
        char buf[512];
        uint64_t t0;

        /* A peer that never answers (a hung oFono): each exporter gives up after one call's
         * timeout with -ETIMEDOUT, nothing is counted as done. */
        apply(NAP_INTERNET NAP_MMS PX_MMS W4_FULL);
        ck_assert_int_eq(export_dbus_plan(eng, &p), 0);
        mock.silent = true;
        t0 = now_ms();
        ck_assert_int_eq(export_dbus_ofono(mock.client, &p, &st), -ETIMEDOUT);
        ck_assert_uint_le(now_ms() - t0, EXPORT_DBUS_CALL_TIMEOUT_USEC / 1000 + 1000);
        ck_assert_uint_eq(st.created, 0);
        export_dbus_stats_format(&st, buf, sizeof buf);
        ck_assert_ptr_nonnull(strstr(buf, "0 created"));
        ck_assert_ptr_null(strstr(buf, "webpw"));

        /* A peer that is not oFono (no such method): an error, not a crash. */
        mock.silent = false;
        mock.refuse = true;
        ck_assert_int_lt(export_dbus_ofono(mock.client, &p, &st), 0);
        ck_assert_uint_eq(mock.adds, 0);
        export_dbus_plan_done(&p);
}
END_TEST

int main(void) {
        Suite *s = suite_create("export-dbus");
        TCase *tc;

        tc = tcase_create("/export-dbus/plan");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60); /* the store fsyncs; slow under valgrind */
        TU_ADD(tc, test_plan_internet_and_mms);
        TU_ADD(tc, test_plan_links);
        TU_ADD(tc, test_plan_no_proxy_combined_apn);
        TU_ADD(tc, test_plan_proxy_forms);
        TU_ADD(tc, test_plan_auth_methods);
        TU_ADD(tc, test_plan_refused_values);
        TU_ADD(tc, test_plan_control_characters);
        TU_ADD(tc, test_plan_bad_w4);
        TU_ADD(tc, test_plan_skipped_and_names);
        TU_ADD(tc, test_plan_latest_w4_wins);
        TU_ADD(tc, test_plan_strongest_w4_wins);
        TU_ADD(tc, test_plan_strongest_w4_wins_either_order);
        TU_ADD(tc, test_plan_weaker_w4_keeps_internet_context);
        TU_ADD(tc, test_plan_reference_to_weaker_root);
        TU_ADD(tc, test_plan_reference_strength_internet_fallback);
        TU_ADD(tc, test_plan_reference_equal_or_stronger_resolves);
        TU_ADD(tc, test_apply_disabled);
        TU_ADD(tc, test_mms_settings);
        TU_ADD(tc, test_mms_settings_partial_read);
        suite_add_tcase(s, tc);

        tc = tcase_create("/export-dbus/bus");
        tcase_add_checked_fixture(tc, bus_setup, bus_teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_bus_create_idempotent_foreign);
        TU_ADD(tc, test_bus_update_busy_stale);
        TU_ADD(tc, test_bus_duplicate_and_mistyped);
        TU_ADD(tc, test_bus_reply_limits);
        TU_ADD(tc, test_bus_never_mmsd);
        TU_ADD(tc, test_bus_apply_both);
        TU_ADD(tc, test_bus_errors);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
