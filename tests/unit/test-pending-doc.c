/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-pending-doc.c: issue 10, points 9 and 10, in the engine (no bus):
 *   - engine_set_verdict_hook: every expiry is reported, also when engine_submit or
 *     engine_discard sweeps it, and an expired push is never recorded as discarded;
 *   - engine_pending_document: the document of an authenticated pending push, grouped
 *     network-level first, with its diff against the applied settings (unchanged, changed,
 *     added, removed within a root the document replaces); authenticated again first (another
 *     SIM: -EKEYREJECTED, none: -ENOKEY), never for a push waiting for its PIN (-EBUSY, nothing
 *     decoded), an unsigned push only while the policy accepts unsigned pushes (-EPERM).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine-testutil.h"
#include "macros.h"
#include "pkg-testutil.h"
#include "testutil.h"
#include "verifierd/auth.h"
#include "verifierd/engine.h"

#define IMSI "262011234567890"
#define OTHER_IMSI "262019999999999"

static char *dir, *nmdir;
static Config *cfg;
static Engine *eng;
static uint64_t fake_now = 1700000000000000ULL;

static uint64_t test_clock(void *u) {
        return fake_now;
}

static void setup(void) {
        EngineOptions o;

        dir = et_tmpdir("pdoc-state");
        nmdir = et_tmpdir("pdoc-nm");
        ck_assert_int_eq(config_new_default(&cfg), 0);
        cfg->bootstrap_enabled = true;
        o = (EngineOptions) { .state_dir = dir, .config = cfg, .clock = test_clock, .export_nm_dir = nmdir };
        ck_assert_int_eq(engine_new(&eng, &o), 0);
        ck_assert_int_eq(engine_set_imsi(eng, IMSI), 0);
}

static void teardown(void) {
        eng = engine_free(eng);
        cfg = config_free(cfg);
        et_rm_rf(dir);
        et_rm_rf(nmdir);
        free(dir);
        free(nmdir);
}

static char *xml_body(const char *spec) {
        CpDoc *d = et_doc(spec);
        char *x = et_xml(d);

        cpdoc_free(d);
        return x;
}

/* Submit @spec as XML with the MAC of @sec (NETWPIN: IMSI; USERPIN: PIN 1234; none: no MAC). */
static EngineResult submit_spec(const char *spec, AuthMethod sec) {
        _cleanup_free_ char *body = xml_body(spec);
        Secret *i = NULL, *p = NULL;
        char mac[41];
        EngineSubmission s = {
                .body = (const uint8_t *) body,
                .body_len = strlen(body),
                .content_kind = WSP_CONTENT_CP_XML,
                .sec = sec,
                .sender = "+491701234567",
                .transport = "inject",
        };
        EngineResult r = {};

        if (sec != AUTH_NONE) {
                if (sec == AUTH_NETWPIN)
                        ck_assert_int_eq(secret_new_from_string(IMSI, &i), 0);
                else
                        ck_assert_int_eq(secret_new_from_string("1234", &p), 0);
                ck_assert_int_eq(auth_compute_mac_hex(sec, s.body, s.body_len, i, p, mac), 0);
                s.mac = mac;
        }
        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        secret_free(i);
        secret_free(p);
        return r;
}

static uint64_t pending_spec(const char *spec, AuthMethod sec, Reason want) {
        EngineResult r = submit_spec(spec, sec);
        uint64_t id = r.id;

        ck_assert_msg(r.verdict == VERDICT_PENDING && r.reason == want, "got %s/%s (%s)", verdict_to_string(r.verdict),
                      reason_to_string(r.reason), r.denied ?: "-");
        engine_result_done(&r);
        return id;
}

/* ---- the verdict hook: expiry ---------------------------------------------------------------- */

typedef struct Seen {
        uint64_t ids[16];
        Verdict v[16];
        Reason r[16];
        unsigned n;
} Seen;

static void on_verdict(const EngineResult *res, void *userdata) {
        Seen *s = userdata;

        ck_assert_uint_lt(s->n, ELEMENTSOF(s->ids));
        s->ids[s->n] = res->id;
        s->v[s->n] = res->verdict;
        s->r[s->n] = res->reason;
        s->n++;
}

typedef struct VR {
        Verdict v;
        Reason r;
} VR;

static int keep_vr(const StorePush *p, void *u) {
        ((VR *) u)->v = p->verdict;
        ((VR *) u)->r = p->reason;
        return 0;
}

static Verdict history_verdict(uint64_t id, Reason *ret) {
        VR vr = {};

        ck_assert_int_eq(engine_get_push(eng, id, keep_vr, &vr), 0);
        *ret = vr.r;
        return vr.v;
}

START_TEST(test_expiry_reported) {
        uint64_t exp = cfg->unverified_pending_expiry_sec * 1000000ULL, t0 = fake_now, a, b, c;
        Seen seen = {};
        Reason rs;

        engine_set_verdict_hook(eng, on_verdict, &seen);
        a = pending_spec("APPLICATION{APPID=w2;PROVIDER-ID=a;NAME=A}", AUTH_USERPIN, REASON_NEEDS_PIN);
        b = pending_spec("APPLICATION{APPID=w2;PROVIDER-ID=b;NAME=B}", AUTH_USERPIN, REASON_NEEDS_PIN);
        ck_assert_int_eq(engine_expire(eng, 0), 0);
        ck_assert_uint_eq(seen.n, 0);

        /* the sweep at the start of a submission reports what it expires */
        fake_now = t0 + exp;
        c = pending_spec("APPLICATION{APPID=w2;PROVIDER-ID=c;NAME=C}", AUTH_USERPIN, REASON_NEEDS_PIN);
        ck_assert_uint_eq(seen.n, 2);
        ck_assert(seen.ids[0] == a && seen.ids[1] == b);
        ck_assert(seen.v[0] == VERDICT_EXPIRED && seen.r[0] == REASON_EXPIRED);
        ck_assert(seen.v[1] == VERDICT_EXPIRED && seen.r[1] == REASON_EXPIRED);

        /* a Discard that comes after the expiry: the push is expired (reported), not discarded */
        fake_now += exp;
        ck_assert_int_eq(engine_discard(eng, c), -ESRCH);
        ck_assert_uint_eq(seen.n, 3);
        ck_assert(seen.ids[2] == c && seen.v[2] == VERDICT_EXPIRED);
        ck_assert_int_eq(history_verdict(c, &rs), VERDICT_EXPIRED);
        ck_assert_int_eq(rs, REASON_EXPIRED);

        /* a Discard in time is no expiry */
        a = pending_spec("APPLICATION{APPID=w2;PROVIDER-ID=d;NAME=D}", AUTH_USERPIN, REASON_NEEDS_PIN);
        ck_assert_int_eq(engine_discard(eng, a), 0);
        ck_assert_uint_eq(seen.n, 3);
        ck_assert_int_eq(history_verdict(a, &rs), VERDICT_REJECTED);
        ck_assert_int_eq(rs, REASON_DISCARDED);

        /* without a hook expiry still works */
        engine_set_verdict_hook(eng, NULL, NULL);
        a = pending_spec("APPLICATION{APPID=w2;PROVIDER-ID=e;NAME=E}", AUTH_USERPIN, REASON_NEEDS_PIN);
        ck_assert_int_eq(engine_expire(eng, fake_now + exp), 1);
        ck_assert_uint_eq(seen.n, 3);
        fake_now = t0;
}
END_TEST

/* ---- engine_pending_document ---------------------------------------------------------------- */

typedef struct Row {
        char group[64], chpath[160], name[64], value[160], old[160];
        EngineGroupRank rank;
        EngineChangeKind kind;
} Row;

typedef struct Rows {
        Row r[64];
        unsigned n;
} Rows;

static int keep_row(const EngineChange *c, void *userdata) {
        Rows *rows = userdata;
        Row *it;

        ck_assert_uint_lt(rows->n, ELEMENTSOF(rows->r));
        it = &rows->r[rows->n++];
        snprintf(it->group, sizeof it->group, "%s", c->group);
        snprintf(it->chpath, sizeof it->chpath, "%s", c->chpath);
        snprintf(it->name, sizeof it->name, "%s", c->name);
        snprintf(it->value, sizeof it->value, "%s", c->value ?: "(null)");
        snprintf(it->old, sizeof it->old, "%s", c->old_value ?: "(null)");
        it->rank = c->rank;
        it->kind = c->kind;
        return 0;
}

static const Row *find_row(const Rows *rows, const char *chpath, const char *name) {
        for (unsigned i = 0; i < rows->n; i++)
                if (strcmp(rows->r[i].chpath, chpath) == 0 && strcmp(rows->r[i].name, name) == 0)
                        return &rows->r[i];
        return NULL;
}

static void expect_row(const Rows *rows, const char *chpath, const char *name, EngineChangeKind kind, const char *value,
                       const char *old) {
        const Row *it = find_row(rows, chpath, name);

        ck_assert_msg(it, "no row %s.%s", chpath, name);
        ck_assert_msg(it->kind == kind, "%s.%s: %s, want %s", chpath, name, engine_change_kind_to_string(it->kind),
                      engine_change_kind_to_string(kind));
        ck_assert_str_eq(it->value, value);
        ck_assert_str_eq(it->old, old);
}

START_TEST(test_document_and_diff) {
        EngineResult r;
        Rows rows = {};
        uint64_t id, decoded;

        /* applied now: the operator's NAPDEF with PAP */
        cfg->confirm_network_pin = false;
        r = submit_spec("NAPDEF{NAPID=INTERNET;NAME=Internet;NAP-ADDRESS=internet.old;"
                        "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u;AUTHSECRET=pw}}", AUTH_NETWPIN);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        cfg->confirm_network_pin = true;

        /* the push: a bookmark first in the document, then the NAPDEF, then a proxy */
        id = pending_spec("APPLICATION{APPID=w2;NAME=Portal};"
                          "NAPDEF{NAPID=INTERNET;NAME=Internet;NAP-ADDRESS=internet.new};"
                          "PXLOGICAL{PROXY-ID=PX;NAME=Proxy;PXPHYSICAL{PHYSICAL-PROXY-ID=P1;PXADDR=10.6.6.6;"
                          "PXADDRTYPE=IPV4;TO-NAPID=INTERNET}}", AUTH_NETWPIN, REASON_NEEDS_CONFIRMATION);
        decoded = engine_decoded_count(eng);
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), (int) rows.n);
        ck_assert_uint_eq(engine_decoded_count(eng), decoded + 1);

        /* grouped: network-level first, whatever the document order */
        for (unsigned i = 1; i < rows.n; i++)
                ck_assert_msg(rows.r[i - 1].rank <= rows.r[i].rank, "row %u out of order", i);
        ck_assert_str_eq(rows.r[0].group, "NAPDEF");
        ck_assert_str_eq(rows.r[rows.n - 1].group, "APPLICATION w2");
        ck_assert_int_eq(rows.r[rows.n - 1].rank, ENGINE_GROUP_OTHER);

        expect_row(&rows, "/NAPDEF[NAPID=INTERNET]", "NAPID", ENGINE_CHANGE_UNCHANGED, "INTERNET", "INTERNET");
        expect_row(&rows, "/NAPDEF[NAPID=INTERNET]", "NAP-ADDRESS", ENGINE_CHANGE_CHANGED, "internet.new",
                   "internet.old");
        /* the document replaces the root whole: what it leaves out goes */
        expect_row(&rows, "/NAPDEF[NAPID=INTERNET]/NAPAUTHINFO", "AUTHTYPE", ENGINE_CHANGE_REMOVED, "(null)", "PAP");
        expect_row(&rows, "/NAPDEF[NAPID=INTERNET]/NAPAUTHINFO", "AUTHSECRET", ENGINE_CHANGE_REMOVED, "(null)", "pw");
        expect_row(&rows, "/PXLOGICAL[PROXY-ID=PX]/PXPHYSICAL[PHYSICAL-PROXY-ID=P1]", "PXADDR", ENGINE_CHANGE_ADDED,
                   "10.6.6.6", "(null)");
        ck_assert_int_eq(find_row(&rows, "/PXLOGICAL[PROXY-ID=PX]", "NAME")->rank, ENGINE_GROUP_PROXY);
        expect_row(&rows, "/APPLICATION[APPID=w2]", "NAME", ENGINE_CHANGE_ADDED, "Portal", "(null)");

        /* reading it changes nothing: still pending, and confirmable */
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), -ESRCH);
        ck_assert_int_eq(engine_pending_document(eng, 9999, keep_row, &rows), -ESRCH);
}
END_TEST

START_TEST(test_groups_ranked) {
        Rows rows = {};
        uint64_t id;
        const char *want[] = { "NAPDEF", "PXLOGICAL", "BOOTSTRAP", "APPLICATION w4", "APPLICATION w2" };
        unsigned k = 0;

        id = pending_spec("APPLICATION{APPID=w2;NAME=Browser;TO-NAPID=INTERNET};"
                          "APPLICATION{APPID=w4;NAME=MMS;ADDR=http://mms.example/;TO-NAPID=MMS};"
                          "BOOTSTRAP{NAME=Operator};"
                          "PXLOGICAL{PROXY-ID=PX;NAME=Proxy;PXPHYSICAL{PHYSICAL-PROXY-ID=P1;PXADDR=10.1.1.1;PXADDRTYPE=IPV4;TO-NAPID=INTERNET}};"
                          "NAPDEF{NAPID=INTERNET;NAME=Internet;NAP-ADDRESS=internet};"
                          "NAPDEF{NAPID=MMS;NAME=MMS;NAP-ADDRESS=mms}",
                          AUTH_NETWPIN, REASON_NEEDS_CONFIRMATION);
        ck_assert_int_gt(engine_pending_document(eng, id, keep_row, &rows), 0);
        for (unsigned i = 0; i < rows.n; i++) {
                if (i > 0 && strcmp(rows.r[i].group, rows.r[i - 1].group) == 0)
                        continue;
                ck_assert_uint_lt(k, ELEMENTSOF(want));
                ck_assert_str_eq(rows.r[i].group, want[k]);
                k++;
        }
        ck_assert_uint_eq(k, ELEMENTSOF(want));
        /* a browser routed through a NAP ranks before other applications, after the network */
        ck_assert_int_eq(find_row(&rows, "/APPLICATION[APPID=w2]", "NAME")->rank, ENGINE_GROUP_ROUTED_APP);
        ck_assert_int_eq(find_row(&rows, "/APPLICATION[APPID=w4]", "NAME")->rank, ENGINE_GROUP_MMS);
        /* every value, each once: NAPDEF 3 + 3, PXLOGICAL 2 + 4, BOOTSTRAP 1, w4 4, w2 3 */
        ck_assert_uint_eq(rows.n, 20);
}
END_TEST

START_TEST(test_pin_push_never_decoded) {
        Rows rows = {};
        uint64_t id, decoded = engine_decoded_count(eng);

        id = pending_spec("APPLICATION{APPID=w2;NAME=Bookmark}", AUTH_USERPIN, REASON_NEEDS_PIN);
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), -EBUSY);
        ck_assert_uint_eq(rows.n, 0);
        ck_assert_uint_eq(engine_decoded_count(eng), decoded);
}
END_TEST

START_TEST(test_authenticated_again) {
        Rows rows = {};
        uint64_t id, decoded;

        id = pending_spec("NAPDEF{NAPID=INTERNET;NAME=Internet;NAP-ADDRESS=internet}", AUTH_NETWPIN,
                          REASON_NEEDS_CONFIRMATION);
        decoded = engine_decoded_count(eng);
        /* another SIM now: the bytes no longer authenticate, nothing is decoded */
        ck_assert_int_eq(engine_set_imsi(eng, OTHER_IMSI), 0);
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), -EKEYREJECTED);
        ck_assert_int_eq(engine_set_imsi(eng, NULL), 0);
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), -ENOKEY);
        ck_assert_uint_eq(engine_decoded_count(eng), decoded);
        ck_assert_uint_eq(rows.n, 0);
        ck_assert_int_eq(engine_set_imsi(eng, IMSI), 0);
        ck_assert_int_gt(engine_pending_document(eng, id, keep_row, &rows), 0);
}
END_TEST

START_TEST(test_unsigned_only_while_accepted) {
        Rows rows = {};
        uint64_t id;

        cfg->accept_unauthenticated = true;
        ck_assert_int_eq(metabase_load_string(cfg->metabase, "test.conf",
                                              "[Application w2]\nRoles=MANAGER|USER_AUTH|USER_UNAUTH\n", NULL), 0);
        id = pending_spec("APPLICATION{APPID=w2;NAME=Browser}", AUTH_NONE, REASON_NEEDS_CONFIRMATION);
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), 2);
        cfg->accept_unauthenticated = false;
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), -EPERM);
}
END_TEST

/* Certificates are no settings rows: they are listed from the document's CertificateStore. */
static uint64_t netwpin_xml(const char *xml) {
        Secret *i = NULL;
        char mac[41];
        EngineSubmission sub = { .body = (const uint8_t *) xml, .body_len = strlen(xml),
                                 .content_kind = WSP_CONTENT_CP_XML, .sec = AUTH_NETWPIN, .mac = mac };
        EngineResult r = {};
        uint64_t id;

        ck_assert_int_eq(secret_new_from_string(IMSI, &i), 0);
        ck_assert_int_eq(auth_compute_mac_hex(AUTH_NETWPIN, sub.body, sub.body_len, i, NULL, mac), 0);
        secret_free(i);
        ck_assert_int_eq(engine_submit(eng, &sub, &r), 0);
        ck_assert_msg(r.verdict == VERDICT_PENDING, "%s/%s %s", verdict_to_string(r.verdict),
                      reason_to_string(r.reason), r.denied ?: "");
        id = r.id;
        engine_result_done(&r);
        return id;
}

START_TEST(test_certificates_listed) {
        EVP_PKEY *k = pt_key();
        X509 *x = pt_signer_cert("Operator signer", k, time(NULL));
        char thumb[41], *xml = NULL, *b64;
        size_t len;
        uint8_t *der = pt_der(x, &len);
        Rows rows = {};
        EngineResult r;
        uint64_t id;

        fake_now = (uint64_t) time(NULL) * 1000000ULL;
        /* NETWPIN with Manager rights: it may install certificates, in ROOT (never in SPC: a message
         * that proves no secret does not plant package-signing keys; issue 12) */
        cfg->grant_manager = 4;
        pt_thumb(x, thumb);
        b64 = pt_b64(der, len);
        ck_assert_int_ge(asprintf(&xml, "<wap-provisioningdoc version=\"1.1\"><characteristic type=\"CertificateStore\">"
                                        "<characteristic type=\"ROOT\"><characteristic type=\"%s\"><parm name=\""
                                        "EncodedCertificate\" value=\"%s\"/><parm name=\"Role\" value=\"4\"/>"
                                        "</characteristic></characteristic></characteristic></wap-provisioningdoc>",
                                  thumb, b64), 0);
        id = netwpin_xml(xml);
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), 1);
        ck_assert_str_eq(rows.r[0].group, "CertificateStore");
        ck_assert_int_eq(rows.r[0].rank, ENGINE_GROUP_CERTIFICATES);
        ck_assert_str_eq(rows.r[0].chpath, "/CertificateStore/ROOT");
        ck_assert_str_eq(rows.r[0].name, thumb);
        ck_assert_int_eq(rows.r[0].kind, ENGINE_CHANGE_ADDED);
        ck_assert_msg(strncmp(rows.r[0].value, "roles 4, until ", 15) == 0 && strstr(rows.r[0].value, "Operator signer"),
                      "%s", rows.r[0].value);
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);

        free(xml);
        ck_assert_int_ge(asprintf(&xml, "<wap-provisioningdoc version=\"1.1\"><characteristic type=\"CertificateStore\">"
                                        "<characteristic type=\"ROOT\"><parm name=\"Delete\" value=\"%s\"/>"
                                        "</characteristic></characteristic></wap-provisioningdoc>", thumb), 0);
        id = netwpin_xml(xml);
        rows.n = 0;
        ck_assert_int_eq(engine_pending_document(eng, id, keep_row, &rows), 1);
        ck_assert_int_eq(rows.r[0].kind, ENGINE_CHANGE_REMOVED);
        ck_assert_str_eq(rows.r[0].old, "roles 4");
        ck_assert_str_eq(rows.r[0].value, "(null)");
        free(xml);
        free(b64);
        free(der);
        X509_free(x);
        EVP_PKEY_free(k);
        fake_now = 1700000000000000ULL;
}
END_TEST

int main(void) {
        Suite *s = suite_create("pending-doc");
        TCase *tc;

        tc = tcase_create("/engine/verdict-hook");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_expiry_reported);
        suite_add_tcase(s, tc);

        tc = tcase_create("/engine/pending-document");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_document_and_diff);
        TU_ADD(tc, test_groups_ranked);
        TU_ADD(tc, test_pin_push_never_decoded);
        TU_ADD(tc, test_authenticated_again);
        TU_ADD(tc, test_unsigned_only_while_accepted);
        TU_ADD(tc, test_certificates_listed);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
