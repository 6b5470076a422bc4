/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-engine.c: verifierd/engine.c end to end without a bus: the §5.7 vectors (TV-A, TV-B;
 * IMSI 262011234567890, PIN 1234) and NAPDEF documents built here, through the gates, the four
 * methods, pending pushes (PIN attempts, confirmation, expiry with an injected clock, the cap,
 * restarts), replay, downgrade, malformed bodies with valid MACs, the NetworkManager export,
 * the history of every verdict, and no secret in the database.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "engine-testutil.h"
#include "macros.h"
#include "testutil.h"
#include "verifierd/auth.h"
#include "verifierd/engine.h"

#define IMSI "262011234567890"
#define PIN "1234"

static const char tva_hex[] = "030B6A00C54601C65601870706035465737400010101";
static const char tvb_hex[] =
        "030B6A00C54503312E310001C65601870706035465737420444D000101C600015501873606037737000187380603646D7372"
        "760001870706035465737420444D00018734060368747470733A2F2F646D2E6578616D706C652E636F6D2F646D0001C6570187"
        "30068D0187330603444947455354000187310603757365720001873206037365637265740001010101";
#define TVA_NETWPIN "A7EFB3E213C7DA2B3DBA091E2CCD601B316B8052"
#define TVA_USERPIN "BAA186A0F7802E017A4A69B214921DB16EF26512"
#define TVA_USERNETWPIN "2DB04073875EF00048454D99A04AD5E0179666C3"
#define TVA_USERPINMAC_PIN "12346140"
#define TVB_NETWPIN "C683726BD6B25CCEBE45F529EF5C90D97D9F39B6"
#define TVB_USERPIN "E732DF72F64A74F71027D08BDF8073A677B367E7"
#define TVB_USERNETWPIN "9F18D1C25912CED73D75CAFA65A57540AD97E97C"

static char *dir, *nmdir;
static Config *cfg;
static Engine *eng;
static uint64_t fake_now = 1700000000000000ULL;
static uint8_t *tva, *tvb;
static size_t tva_len, tvb_len;

static uint64_t test_clock(void *u) {
        return fake_now;
}

static Engine *open_engine(void) {
        EngineOptions o = {
                .state_dir = dir,
                .config = cfg,
                .clock = test_clock,
                .export_nm_dir = nmdir,
        };
        Engine *e = NULL;

        ck_assert_int_eq(engine_new(&e, &o), 0);
        ck_assert_int_eq(engine_set_imsi(e, IMSI), 0);
        return e;
}

static void setup(void) {
        dir = et_tmpdir("eng-state");
        nmdir = et_tmpdir("eng-nm");
        ck_assert_int_eq(config_new_default(&cfg), 0);
        cfg->bootstrap_enabled = true; /* most tests: a drop-in enabled OTA bootstrap */
        eng = open_engine();
        tva = tu_unhex(tva_hex, &tva_len);
        tvb = tu_unhex(tvb_hex, &tvb_len);
}

static void teardown(void) {
        eng = engine_free(eng);
        cfg = config_free(cfg);
        et_rm_rf(dir);
        et_rm_rf(nmdir);
        free(dir);
        free(nmdir);
        free(tva);
        free(tvb);
}

static EngineResult submit(const uint8_t *body, size_t len, AuthMethod sec, const char *mac) {
        EngineSubmission s = {
                .body = body,
                .body_len = len,
                .content_kind = len > 0 && body[0] == '<' ? WSP_CONTENT_CP_XML : WSP_CONTENT_CP_WBXML,
                .sec = sec,
                .mac = mac,
                .sender = "+491701234567",
                .transport = "inject",
        };
        EngineResult r = {};

        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        ck_assert_uint_gt(r.id, 0);
        return r;
}

/* As provd's SubmitWithSummary: @summary is provd's '\n'-separated description. */
static EngineResult submit_with_summary(const uint8_t *body, size_t len, AuthMethod sec, const char *mac,
                                        const char *sender, const char *summary) {
        EngineSubmission s = {
                .body = body,
                .body_len = len,
                .content_kind = len > 0 && body[0] == '<' ? WSP_CONTENT_CP_XML : WSP_CONTENT_CP_WBXML,
                .sec = sec,
                .mac = mac,
                .sender = sender,
                .transport = "ofono",
                .summary = summary,
        };
        EngineResult r = {};

        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        ck_assert_uint_gt(r.id, 0);
        return r;
}

static int pin(uint64_t id, const char *text, EngineResult *ret) {
        Secret *p = NULL;
        int r;

        ck_assert_int_eq(secret_new_from_string(text, &p), 0);
        r = engine_provide_pin(eng, id, p, ret);
        secret_free(p);
        return r;
}

static void expect(EngineResult *r, Verdict v, Reason rs) {
        ck_assert_msg(r->verdict == v && r->reason == rs, "got %s/%s, want %s/%s (denied: %s)",
                      verdict_to_string(r->verdict), reason_to_string(r->reason), verdict_to_string(v),
                      reason_to_string(rs), r->denied ?: "-");
        engine_result_done(r);
}

/* A document as an XML body with the MAC @sec needs (pin: PIN for the PIN methods). */
static char *xml_body(const char *spec) {
        CpDoc *d = et_doc(spec);
        char *x = et_xml(d);

        cpdoc_free(d);
        return x;
}

static void mac_of(const char *body, AuthMethod sec, const char *imsi, const char *pin_text, char out[41]) {
        Secret *i = NULL, *p = NULL;

        if (imsi)
                ck_assert_int_eq(secret_new_from_string(imsi, &i), 0);
        if (pin_text)
                ck_assert_int_eq(secret_new_from_string(pin_text, &p), 0);
        ck_assert_int_eq(auth_compute_mac_hex(sec, (const uint8_t *) body, strlen(body), i, p, out), 0);
        secret_free(i);
        secret_free(p);
}

/* Counters over the store. */
static int cnt(const void *x, void *u) {
        (*(unsigned *) u)++;
        return 0;
}

static unsigned n_history(void) {
        unsigned n = 0;

        ck_assert_int_ge(engine_foreach_push(eng, 0, 1000, (StorePushFn) cnt, &n), 0);
        return n;
}

static unsigned n_settings(void) {
        unsigned n = 0;

        ck_assert_int_ge(engine_foreach_setting(eng, NULL, (StoreSettingFn) cnt, &n), 0);
        return n;
}

static unsigned n_documents(void) {
        unsigned n = 0;

        ck_assert_int_ge(store_foreach_document(engine_get_store(eng), (StoreDocumentFn) cnt, &n), 0);
        return n;
}

static unsigned n_pending(void) {
        return (unsigned) store_count_pending(engine_get_store(eng));
}

typedef struct Hist {
        Verdict v;
        Reason r;
        uint32_t roles;
        int sec;
        char digest[80], denied[1024], summary[1024];
} Hist;

static int keep(const StorePush *p, void *u) {
        Hist *h = u;

        h->v = p->verdict;
        h->r = p->reason;
        h->roles = p->roles;
        h->sec = p->sec;
        snprintf(h->digest, sizeof h->digest, "%s", p->digest ?: "");
        snprintf(h->denied, sizeof h->denied, "%s", p->denied ?: "");
        snprintf(h->summary, sizeof h->summary, "%s", p->summary ?: "");
        return 0;
}

static Hist history(uint64_t id) {
        Hist h = {};

        ck_assert_int_eq(engine_get_push(eng, id, keep, &h), 0);
        return h;
}

typedef struct AccSeen {
        char server_id[64];
        uint32_t roles;
        unsigned n;
} AccSeen;

static int keep_acc(const StoreAccount *a, void *u) {
        AccSeen *s = u;

        snprintf(s->server_id, sizeof s->server_id, "%s", a->server_id);
        s->roles = a->roles;
        s->n++;
        return 0;
}

/* ---- gates -------------------------------------------------------------------------------- */

START_TEST(test_bootstrap_disabled) {
        EngineResult r;

        cfg->bootstrap_enabled = false; /* the shipped default */
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        ck_assert_uint_eq(r.roles, 0);
        expect(&r, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED);
        r = submit(tvb, tvb_len, AUTH_USERPIN, TVB_USERPIN);
        expect(&r, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED); /* not even pending */
        ck_assert_uint_eq(n_history(), 2);
        ck_assert_uint_eq(n_pending(), 0);
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_uint_eq(n_settings(), 0);
}
END_TEST

START_TEST(test_unauthenticated_and_method_gates) {
        EngineResult r;
        Hist h;

        r = submit(tva, tva_len, AUTH_NONE, NULL);
        h = history(r.id);
        expect(&r, VERDICT_REJECTED, REASON_UNAUTHENTICATED);
        ck_assert_int_eq(h.sec, -1);
        cfg->accept_sec[AUTH_NETWPIN] = false;
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        cfg->accept_sec[AUTH_NETWPIN] = true;
        /* §5.6 step 1: a MAC that is absent or not 40 hex digits */
        r = submit(tva, tva_len, AUTH_NETWPIN, NULL);
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        r = submit(tva, tva_len, AUTH_USERPIN, "A7EFB3E213C7DA2B3DBA091E2CCD601B316B805");
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        r = submit(tva, tva_len, (AuthMethod) 7, TVA_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_MALFORMED);
        ck_assert_uint_eq(n_history(), 5);
        ck_assert_uint_eq(n_pending(), 0);
        ck_assert_uint_eq(n_documents(), 0);
}
END_TEST

START_TEST(test_unsigned_accepted_needs_consent) {
        EngineResult r;
        uint64_t id;
        char *body = xml_body("APPLICATION{APPID=w2;NAME=Browser}");

        cfg->accept_unauthenticated = true;
        /* a drop-in lets anyone set browser items (the default metabase lets them set nothing) */
        ck_assert_int_eq(metabase_load_string(cfg->metabase, "test.conf", "[Application w2]\nRoles=MANAGER|USER_AUTH|USER_UNAUTH\n",
                                              NULL), 0);
        r = submit((const uint8_t *) body, strlen(body), AUTH_NONE, NULL);
        ck_assert_uint_eq(n_documents(), 0);
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_CONFIRMATION);
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        ck_assert_uint_eq(r.roles & 64, 64);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        r = submit(tva, tva_len, AUTH_NONE, NULL); /* BOOTSTRAP: never for 64 */
        expect(&r, VERDICT_REJECTED, REASON_ROLE_DENIED);
        free(body);
}
END_TEST

/* ---- NETWPIN ------------------------------------------------------------------------------ */

START_TEST(test_netwpin_applied_without_confirmation) {
        EngineResult r;
        AccSeen acc = {};
        Hist h;

        cfg->confirm_network_pin = false;
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        ck_assert_uint_eq(r.roles & 4, 4);
        h = history(r.id);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_int_eq(h.v, VERDICT_APPLIED);
        {
                char want[STORE_DIGEST_HEX_LEN + 1];

                ck_assert_int_eq(store_digest_hex(tva, tva_len, want), 0);
                ck_assert_str_eq(h.digest, want); /* SHA-256 of the exact body */
        }
        ck_assert_ptr_nonnull(strstr(h.summary, "BOOTSTRAP"));

        r = submit(tvb, tvb_len, AUTH_NETWPIN, TVB_NETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_int_eq(engine_foreach_account(eng, keep_acc, &acc), 1);
        ck_assert_str_eq(acc.server_id, "dmsrv");
        ck_assert_uint_eq(acc.roles & 4, 4);
        /* TV-B replaced TV-A's only root (BOOTSTRAP): TV-A's document is gone (issue 9 finding 7),
         * its digest kept, so TV-A again is still a replay */
        ck_assert_uint_eq(n_documents(), 1);
        {
                char digest[STORE_DIGEST_HEX_LEN + 1];

                ck_assert_int_eq(store_digest_hex(tva, tva_len, digest), 0);
                ck_assert_int_eq(store_digest_applied(engine_get_store(eng), digest), 1);
        }
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_REPLAY);
        ck_assert_uint_eq(n_pending(), 0);
}
END_TEST

START_TEST(test_netwpin_confirmation_default) {
        EngineResult r;
        AccSeen acc = {};
        uint64_t id;

        ck_assert(cfg->confirm_network_pin); /* the default */
        r = submit(tvb, tvb_len, AUTH_NETWPIN, TVB_NETWPIN);
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_CONFIRMATION);
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_uint_eq(n_pending(), 1);
        /* a PIN is not what it waits for */
        ck_assert_int_eq(pin(id, PIN, &r), -EBUSY);
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        ck_assert_uint_eq(r.id, id);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_int_eq(engine_foreach_account(eng, keep_acc, &acc), 1);
        ck_assert_str_eq(acc.server_id, "dmsrv");
        ck_assert_int_eq(history(id).v, VERDICT_APPLIED);
        ck_assert_int_eq(engine_confirm(eng, id, &r), -ESRCH);
        ck_assert_int_eq(engine_confirm(eng, 9999, &r), -ESRCH);
        ck_assert_uint_eq(n_history(), 1); /* one push, one row: its verdict moved on */
}
END_TEST

START_TEST(test_netwpin_confirm_after_sim_swap) {
        EngineResult r;
        uint64_t id;

        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_CONFIRMATION);
        ck_assert_int_eq(engine_set_imsi(eng, NULL), 0); /* SIM removed */
        ck_assert_int_eq(engine_confirm(eng, id, &r), -ENOKEY);
        ck_assert_int_eq(engine_set_imsi(eng, "262019999999999"), 0); /* another SIM */
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_int_eq(engine_set_imsi(eng, "12345"), -EINVAL);
}
END_TEST

/* Issue 10 point 7: one SIM per modem; a push is checked against the receiving modem's SIM. */
static EngineResult submit_on(const char *body, const char *mac, const char *modem) {
        EngineSubmission s = {
                .body = (const uint8_t *) body,
                .body_len = strlen(body),
                .content_kind = WSP_CONTENT_CP_XML,
                .sec = AUTH_NETWPIN,
                .mac = mac,
                .sender = "+491701234567",
                .transport = "modemmanager",
                .modem = modem,
        };
        EngineResult r = {};

        ck_assert_int_eq(engine_submit(eng, &s, &r), 0);
        return r;
}

typedef struct Bound {
        char modem[64], sim_id[32], sim_operator[8];
        uint64_t push_id;
} Bound;

static int keep_bound(const StoreDocument *d, void *u) {
        Bound *b = u;

        if (d->push_id != b->push_id)
                return 0;
        snprintf(b->modem, sizeof b->modem, "%s", d->modem ?: "-");
        snprintf(b->sim_id, sizeof b->sim_id, "%s", d->sim_id ?: "-");
        snprintf(b->sim_operator, sizeof b->sim_operator, "%s", d->sim_operator ?: "-");
        return 1;
}

static Bound bound(uint64_t push_id) {
        Bound b = { .push_id = push_id };

        ck_assert_int_ge(store_foreach_document(engine_get_store(eng), keep_bound, &b), 0);
        return b;
}

START_TEST(test_sim_per_modem) {
#define IMSI_A "262011111111111"
#define IMSI_B "262022222222222"
        char *one = xml_body("NAPDEF{NAPID=one;NAME=One;NAP-ADDRESS=one.apn}");
        char *two = xml_body("NAPDEF{NAPID=two;NAME=Two;NAP-ADDRESS=two.apn}");
        char *three = xml_body("NAPDEF{NAPID=three;NAME=Three;NAP-ADDRESS=three.apn}");
        char mac_a[41], mac_b[41], mac_b3[41];
        EngineResult r;
        Bound b;
        uint64_t id, first;

        cfg->confirm_network_pin = false;
        ck_assert_int_eq(engine_set_imsi(eng, NULL), 0);
        ck_assert_int_eq(engine_set_modem_sim(eng, "/m/a", &(EngineSim) { IMSI_A, "8949000000000000010", "26201" }), 0);
        ck_assert_int_eq(engine_set_modem_sim(eng, "/m/b", &(EngineSim) { IMSI_B, "8949000000000000020", "26202" }), 0);
        ck_assert_uint_eq(engine_count_sims(eng), 2);
        ck_assert_int_eq(engine_set_modem_sim(eng, "/m/c", &(EngineSim) { .imsi = "12345" }), -EINVAL);
        mac_of(one, AUTH_NETWPIN, IMSI_A, NULL, mac_a);
        mac_of(one, AUTH_NETWPIN, IMSI_B, NULL, mac_b);

        /* made for SIM A, received on modem B: not checked against A */
        r = submit_on(one, mac_a, "/m/b");
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        /* several SIMs and no modem named: none is tried, and the history says why */
        r = submit_on(one, mac_b, NULL);
        id = r.id;
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        ck_assert_ptr_nonnull(strstr(history(id).denied, "several SIMs"));
        /* a modem without a SIM */
        r = submit_on(one, mac_b, "/m/none");
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        /* made for SIM B, received on modem B: applied, bound to SIM B */
        r = submit_on(one, mac_b, "/m/b");
        first = id = r.id;
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        b = bound(id);
        ck_assert_str_eq(b.modem, "/m/b");
        ck_assert_str_eq(b.sim_id, "8949000000000000020");
        ck_assert_str_eq(b.sim_operator, "26202");

        /* a pending push keeps its modem: confirmed after a swap in modem B, it is checked
         * against the new SIM there (and so refused), not against modem A's */
        cfg->confirm_network_pin = true;
        mac_of(two, AUTH_NETWPIN, IMSI_B, NULL, mac_b);
        r = submit_on(two, mac_b, "/m/b");
        expect(&r, VERDICT_PENDING, REASON_NEEDS_CONFIRMATION);
        id = r.id;
        ck_assert_int_eq(engine_set_modem_sim(eng, "/m/b", &(EngineSim) { IMSI_A, "8949000000000000030", NULL }), 0);
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        /* the document applied before stays bound to the old SIM */
        b = bound(first);
        ck_assert_str_eq(b.sim_id, "8949000000000000020");
        /* SIM removed from modem B: nothing keys a push there; one SIM left, used unnamed */
        ck_assert_int_eq(engine_set_modem_sim(eng, "/m/b", NULL), 0);
        ck_assert_uint_eq(engine_count_sims(eng), 1);
        cfg->confirm_network_pin = false;
        mac_of(three, AUTH_NETWPIN, IMSI_A, NULL, mac_b3);
        r = submit_on(three, mac_b3, NULL);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        b = bound(r.id);
        ck_assert_str_eq(b.modem, "-"); /* not named: bound to no modem */
        ck_assert_str_eq(b.sim_id, "8949000000000000010"); /* but to the SIM whose IMSI keyed it */
        free(one);
        free(two);
        free(three);
}
END_TEST

START_TEST(test_netwpin_wrong_key_and_bit_flips) {
        EngineResult r;
        char mac[41];

        cfg->confirm_network_pin = false;
        ck_assert_int_eq(engine_set_imsi(eng, "262011234567891"), 0);
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        ck_assert_int_eq(engine_set_imsi(eng, NULL), 0);
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN); /* no IMSI: no key */
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        ck_assert_int_eq(engine_set_imsi(eng, IMSI), 0);

        /* every single-bit flip of the body, and of the MAC, is refused (S2) */
        for (size_t i = 0; i < tva_len * 8; i++) {
                tva[i / 8] ^= (uint8_t) (1U << (i % 8));
                r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
                ck_assert_msg(r.verdict == VERDICT_REJECTED && r.reason == REASON_BAD_MAC, "flip %zu", i);
                engine_result_done(&r);
                tva[i / 8] ^= (uint8_t) (1U << (i % 8));
        }
        for (size_t i = 0; i < 40; i++) {
                memcpy(mac, TVA_NETWPIN, 41);
                mac[i] = mac[i] == '0' ? '1' : '0';
                r = submit(tva, tva_len, AUTH_NETWPIN, mac);
                expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        }
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_uint_eq(n_settings(), 0);
        /* and the genuine one still goes through */
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
}
END_TEST

/* ---- PIN methods -------------------------------------------------------------------------- */

START_TEST(test_userpin_attempts_exceeded) {
        EngineResult r;
        uint64_t id;

        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        id = r.id;
        ck_assert_uint_eq(r.attempts_left, 3);
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        for (unsigned i = 1; i <= 2; i++) {
                ck_assert_int_eq(pin(id, i == 1 ? "0000" : "x", &r), 0); /* malformed PINs count too */
                ck_assert(r.pin_rejected);
                ck_assert_uint_eq(r.attempts_left, 3 - i);
                expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        }
        /* the attempt count survives a restart of verifierd */
        engine_free(eng);
        eng = open_engine();
        ck_assert_int_eq(pin(id, "4321", &r), 0);
        ck_assert(r.pin_rejected);
        expect(&r, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED);
        ck_assert_uint_eq(n_pending(), 0);
        ck_assert_int_eq(history(id).r, REASON_PIN_ATTEMPTS_EXCEEDED);
        /* gone: even the right PIN now finds nothing */
        ck_assert_int_eq(pin(id, PIN, &r), -ESRCH);
        ck_assert_uint_eq(n_documents(), 0);
}
END_TEST

START_TEST(test_userpin_right_pin_role_denied) {
        EngineResult r;
        uint64_t id;

        /* TV-A is a BOOTSTRAP: the user PIN (the attacker may pick it) never sets one */
        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        id = r.id;
        engine_result_done(&r);
        ck_assert_int_eq(pin(id, PIN, &r), 0);
        ck_assert(!r.pin_rejected);
        ck_assert_ptr_nonnull(r.denied);
        ck_assert_ptr_nonnull(strstr(r.denied, "BOOTSTRAP"));
        ck_assert_uint_eq(r.roles & 16, 16);
        expect(&r, VERDICT_REJECTED, REASON_ROLE_DENIED);
        ck_assert_ptr_nonnull(strstr(history(id).denied, "BOOTSTRAP"));
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_uint_eq(n_settings(), 0);
}
END_TEST

START_TEST(test_userpin_right_pin_applied) {
        char *body = xml_body("APPLICATION{APPID=w2;NAME=Bookmarks;RESOURCE{URI=http://example.com/;NAME=Example}}");
        char mac[41];
        EngineResult r;
        uint64_t id;

        StorePending *pd = NULL;

        mac_of(body, AUTH_USERPIN, NULL, PIN, mac);
        r = submit_with_summary((const uint8_t *) body, strlen(body), AUTH_USERPIN, mac, "+4917012",
                                "APPLICATION APPID=w2 NAME=said by provd");
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        /* waiting for the PIN: nothing decoded, provd's words only in the pending row */
        ck_assert_uint_eq(engine_decoded_count(eng), 0);
        ck_assert_str_eq(history(id).summary, "");
        ck_assert_int_eq(store_get_pending(engine_get_store(eng), id, &pd), 0);
        ck_assert_str_eq(pd->unverified_summary, "APPLICATION APPID=w2 NAME=said by provd");
        pd = store_pending_free(pd);
        ck_assert_int_eq(pin(id, PIN, &r), 0);
        ck_assert_uint_eq(r.roles & 16, 16);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_uint_eq(engine_decoded_count(eng), 1);
        ck_assert_uint_eq(n_documents(), 1);
        ck_assert_uint_gt(n_settings(), 0);
        /* once authenticated, the history describes the document verifierd decoded itself */
        ck_assert_ptr_null(strstr(history(id).summary, "said by provd"));
        ck_assert_str_eq(history(id).summary, "APPLICATION APPID=w2 NAME=Bookmarks URI=http://example.com/ NAME=Example");
        free(body);
}
END_TEST

START_TEST(test_usernetwpin_and_userpinmac) {
        EngineResult r;
        AccSeen acc = {};
        uint64_t id;

        /* USERNETWPIN: both secrets, Operator + User Auth, no confirmation needed */
        r = submit(tvb, tvb_len, AUTH_USERNETWPIN, TVB_USERNETWPIN);
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        ck_assert_int_eq(pin(id, PIN, &r), 0);
        ck_assert_uint_eq(r.roles & 20, 20);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_int_eq(engine_foreach_account(eng, keep_acc, &acc), 1);
        ck_assert_uint_eq(acc.roles & 20, 20);

        /* USERNETWPIN needs the IMSI when the PIN comes: without it no attempt is spent */
        r = submit(tva, tva_len, AUTH_USERNETWPIN, TVA_USERNETWPIN);
        id = r.id;
        engine_result_done(&r);
        ck_assert_int_eq(engine_set_imsi(eng, NULL), 0);
        ck_assert_int_eq(pin(id, PIN, &r), -ENOKEY);
        ck_assert_int_eq(engine_set_imsi(eng, IMSI), 0);
        ck_assert_int_eq(pin(id, PIN, &r), 0);
        expect(&r, VERDICT_APPLIED, REASON_NONE);

        /* USERPINMAC: the typed PIN is K || check digits; no MAC parameter needed */
        r = submit(tva, tva_len, AUTH_USERPINMAC, NULL);
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        ck_assert_int_eq(pin(id, "12346141", &r), 0);
        ck_assert(r.pin_rejected);
        engine_result_done(&r);
        ck_assert_int_eq(pin(id, TVA_USERPINMAC_PIN, &r), 0);
        ck_assert(!r.pin_rejected);
        /* authenticated; BOOTSTRAP is then refused for User Auth, or replayed: either way decided */
        ck_assert_int_eq(r.verdict, VERDICT_REJECTED);
        ck_assert(r.reason == REASON_ROLE_DENIED || r.reason == REASON_REPLAY);
        engine_result_done(&r);
}
END_TEST

/* ---- replay, downgrade, malformed --------------------------------------------------------- */

START_TEST(test_replay) {
        EngineResult r;

        cfg->confirm_network_pin = false;
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_REPLAY);
        /* replays are caught before the user is asked to confirm */
        cfg->confirm_network_pin = true;
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_REPLAY);
        ck_assert_uint_eq(n_documents(), 1);
        ck_assert_uint_eq(n_history(), 3);
}
END_TEST

START_TEST(test_downgrade) {
        char *strong = xml_body("NAPDEF{NAPID=internet;NAME=Strong;NAP-ADDRESS=strong.apn}");
        char *weak = xml_body("NAPDEF{NAPID=internet;NAME=Weak;NAP-ADDRESS=weak.apn}");
        char *other = xml_body("NAPDEF{NAPID=mms;NAME=MMS;NAP-ADDRESS=mms.apn}");
        char mac[41];
        EngineResult r;
        uint64_t id;

        cfg->confirm_network_pin = false;
        mac_of(strong, AUTH_USERNETWPIN, IMSI, PIN, mac);
        r = submit((const uint8_t *) strong, strlen(strong), AUTH_USERNETWPIN, mac);
        id = r.id;
        engine_result_done(&r);
        ck_assert_int_eq(pin(id, PIN, &r), 0);
        expect(&r, VERDICT_APPLIED, REASON_NONE);

        /* NETWPIN (weaker) may not overwrite what USERNETWPIN installed */
        mac_of(weak, AUTH_NETWPIN, IMSI, NULL, mac);
        r = submit((const uint8_t *) weak, strlen(weak), AUTH_NETWPIN, mac);
        ck_assert_ptr_nonnull(r.denied);
        ck_assert_str_eq(r.denied, "/NAPDEF[NAPID=internet]");
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        /* but may install a NAPDEF of its own */
        mac_of(other, AUTH_NETWPIN, IMSI, NULL, mac);
        r = submit((const uint8_t *) other, strlen(other), AUTH_NETWPIN, mac);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_uint_eq(n_documents(), 2);
        free(strong);
        free(weak);
        free(other);
}
END_TEST

START_TEST(test_malformed_with_valid_mac) {
        static const char *const bodies[] = {
                "\x03\x0b\x6a\x00\xc5\x46\x01\xc6\x56\x01\x87\x07\x06\x03", /* truncated WBXML */
                "\x03\x0b\x6a\x00\xc5\xff\xff\xff",                         /* bad tokens */
                "<wap-provisioningdoc><characteristic type=\"NAPDEF\">",   /* unterminated XML */
                "<!DOCTYPE x [<!ENTITY a \"b\">]><wap-provisioningdoc/>", /* entity declarations */
                "",                                                         /* nothing */
        };
        char mac[41];
        EngineResult r;

        cfg->confirm_network_pin = false;
        for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
                size_t len = strlen(bodies[i]);

                mac_of(bodies[i], AUTH_NETWPIN, IMSI, NULL, mac);
                r = submit((const uint8_t *) bodies[i], len, AUTH_NETWPIN, mac);
                ck_assert_msg(r.verdict == VERDICT_REJECTED && r.reason == REASON_MALFORMED, "body %zu: %s/%s", i,
                              verdict_to_string(r.verdict), reason_to_string(r.reason));
                engine_result_done(&r);
        }
        ck_assert_uint_eq(n_history(), ELEMENTSOF(bodies));
        ck_assert_uint_eq(n_documents(), 0);
        ck_assert_uint_eq(n_settings(), 0);
        ck_assert_uint_eq(n_pending(), 0);
        ck_assert_uint_eq(et_count_files(nmdir, ""), 0);
}
END_TEST

/* ---- pending: expiry, cap, discard, restart ----------------------------------------------- */

START_TEST(test_expiry) {
        /* pushes waiting for a PIN are not authenticated: the shorter UnverifiedPendingExpirySec= */
        uint64_t t0 = fake_now, id1, id2, exp = cfg->unverified_pending_expiry_sec * 1000000ULL;
        EngineResult r;
        Hist h;

        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        id1 = r.id;
        engine_result_done(&r);
        r = submit(tvb, tvb_len, AUTH_USERPIN, TVB_USERPIN);
        id2 = r.id;
        engine_result_done(&r);
        ck_assert_int_eq(engine_expire(eng, t0 + exp - 1), 0);
        ck_assert_uint_eq(n_pending(), 2);
        fake_now = t0 + exp;
        ck_assert_int_eq(engine_expire(eng, 0), 2);
        h = history(id1);
        ck_assert_int_eq(h.v, VERDICT_EXPIRED);
        ck_assert_int_eq(h.r, REASON_EXPIRED);
        ck_assert_int_eq(pin(id1, PIN, &r), -ESRCH);
        ck_assert_int_eq(history(id2).v, VERDICT_EXPIRED);

        /* a push found expired when the PIN arrives is expired then, not applied */
        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        id1 = r.id;
        engine_result_done(&r);
        fake_now += exp + 1;
        ck_assert_int_eq(pin(id1, PIN, &r), 0);
        expect(&r, VERDICT_EXPIRED, REASON_EXPIRED);
        ck_assert_uint_eq(n_pending(), 0);

        /* provd's receive time is display text: a forged one cannot keep a push pending */
        {
                EngineSubmission sub = { .body = tva, .body_len = tva_len, .content_kind = WSP_CONTENT_CP_WBXML,
                                         .sec = AUTH_USERPIN, .mac = TVA_USERPIN,
                                         .received_usec = fake_now + 10ULL * 365 * 86400 * 1000000 };

                ck_assert_int_eq(engine_submit(eng, &sub, &r), 0);
                expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
                ck_assert_int_eq(engine_expire(eng, fake_now + exp), 1);
        }
        /* an authenticated push waiting for confirmation keeps PendingExpirySec= */
        ck_assert_uint_lt(cfg->unverified_pending_expiry_sec, cfg->pending_expiry_sec);
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        id1 = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_CONFIRMATION);
        ck_assert_int_eq(engine_expire(eng, fake_now + exp), 0);
        ck_assert_int_eq(engine_expire(eng, fake_now + cfg->pending_expiry_sec * 1000000ULL), 1);
        ck_assert_int_eq(history(id1).v, VERDICT_EXPIRED);
        fake_now = t0;
}
END_TEST

/* A USERPIN push of its own: the same bookmark document under a per-@n name. */
static EngineResult junk_userpin(unsigned n, const char *sender) {
        char spec[128], *body, mac[41];
        EngineResult r;

        snprintf(spec, sizeof spec, "APPLICATION{APPID=w2;NAME=Junk %u}", n);
        body = xml_body(spec);
        mac_of(body, AUTH_USERPIN, NULL, "0000", mac);
        r = submit_with_summary((const uint8_t *) body, strlen(body), AUTH_USERPIN, mac, sender, NULL);
        free(body);
        return r;
}

START_TEST(test_pending_cap) {
        EngineResult r;
        uint64_t first, id;

        /* finding 4: unverified pushes from one sender are bounded (at the limit, one past) */
        ck_assert_uint_eq(cfg->unverified_pending_per_sender, 2);
        r = junk_userpin(0, "+4911");
        first = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        r = junk_userpin(1, "+4911");
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        r = junk_userpin(2, "+4911");
        ck_assert_ptr_nonnull(strstr(r.denied, "MaxUnverifiedPendingPerSender="));
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        /* identical bytes are one pending push, whoever sends them: no new row */
        r = submit_with_summary(tva, tva_len, AUTH_USERPIN, TVA_USERPIN, "+4912", NULL);
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        for (unsigned i = 0; i < 3; i++) {
                r = submit_with_summary(tva, tva_len, AUTH_USERPIN, TVA_USERPIN, i ? "+4913" : "+4912", NULL);
                ck_assert_uint_eq(r.id, id);
                ck_assert(r.repeated);
                ck_assert_uint_eq(r.attempts_left, 3);
                expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        }
        /* the global unverified cap (8): many senders fill it, then even a new sender waits */
        for (unsigned i = 3; i < 8; i++) {
                char sender[16];

                snprintf(sender, sizeof sender, "+49%u", 20 + i);
                r = junk_userpin(i, sender);
                expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        }
        ck_assert_uint_eq(n_pending(), 8);
        r = junk_userpin(9, "+4999");
        ck_assert_ptr_nonnull(strstr(r.denied, "MaxUnverifiedPending="));
        expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
        /* ... and an authenticated NETWPIN push is never refused because of them */
        r = submit(tvb, tvb_len, AUTH_NETWPIN, TVB_NETWPIN);
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_CONFIRMATION);
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        /* authenticated pushes have their own cap (MaxPendingPushes=) */
        cfg->pending_max = 1;
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_PENDING, REASON_NEEDS_CONFIRMATION);
        {
                char *other = xml_body("NAPDEF{NAPID=x;NAME=X;NAP-ADDRESS=x.apn}"), mac[41];

                mac_of(other, AUTH_NETWPIN, IMSI, NULL, mac);
                r = submit((const uint8_t *) other, strlen(other), AUTH_NETWPIN, mac);
                ck_assert_ptr_nonnull(strstr(r.denied, "MaxPendingPushes="));
                expect(&r, VERDICT_REJECTED, REASON_POLICY_DENIED);
                free(other);
        }
        /* a discarded push frees its slot */
        ck_assert_int_eq(engine_discard(eng, first), 0);
        ck_assert_int_eq(history(first).r, REASON_DISCARDED);
        ck_assert_int_eq(engine_discard(eng, first), -ESRCH);
        r = junk_userpin(2, "+4911");
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
}
END_TEST

START_TEST(test_pin_attempts_by_digest) {
        EngineResult r;
        uint64_t id, id2;

        /* finding 10: two wrong PINs, then the same bytes again: the same push, one attempt left */
        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        id = r.id;
        engine_result_done(&r);
        for (unsigned i = 0; i < 2; i++) {
                ck_assert_int_eq(pin(id, "0000", &r), 0);
                expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        }
        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        ck_assert_uint_eq(r.id, id);
        ck_assert_uint_eq(r.attempts_left, 1);
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        /* discarded and sent again: a new push, but the attempts belong to the bytes */
        ck_assert_int_eq(engine_discard(eng, id), 0);
        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        id2 = r.id;
        ck_assert_uint_gt(id2, id);
        ck_assert_uint_eq(r.attempts_left, 1);
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        ck_assert_int_eq(pin(id2, "0000", &r), 0);
        ck_assert(r.pin_rejected);
        expect(&r, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED);
        /* used up: the same bytes are refused at once, without asking, and the count survives
         * a restart and another MAC parameter on the same body (USERNETWPIN) */
        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        expect(&r, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED);
        engine_free(eng);
        eng = open_engine();
        r = submit(tva, tva_len, AUTH_USERPIN, TVA_USERPIN);
        expect(&r, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED);
        r = submit(tva, tva_len, AUTH_USERNETWPIN, TVA_USERNETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED);
        ck_assert_uint_eq(n_pending(), 0);
        /* other bytes are not affected */
        r = submit(tvb, tvb_len, AUTH_USERPIN, TVB_USERPIN);
        ck_assert_uint_eq(r.attempts_left, 3);
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
}
END_TEST

START_TEST(test_pending_survives_restart_and_states) {
        EngineResult r;
        uint64_t id_pin, id_conf;

        r = submit(tvb, tvb_len, AUTH_USERNETWPIN, TVB_USERNETWPIN);
        id_pin = r.id;
        engine_result_done(&r);
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        id_conf = r.id;
        engine_result_done(&r);
        ck_assert_int_eq(engine_confirm(eng, id_pin, &r), -EBUSY);
        engine_free(eng);
        eng = open_engine();
        ck_assert_uint_eq(n_pending(), 2);
        /* NETWPIN first: its BOOTSTRAP may not replace one USERNETWPIN installed (downgrade) */
        ck_assert_int_eq(engine_confirm(eng, id_conf, &r), 0);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_int_eq(pin(id_pin, PIN, &r), 0);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        /* ids keep increasing after the restart */
        r = submit(tva, tva_len, AUTH_NONE, NULL);
        ck_assert_uint_gt(r.id, id_conf);
        engine_result_done(&r);
}
END_TEST

START_TEST(test_confirm_rechecks_policy) {
        EngineResult r;
        uint64_t id;

        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        id = r.id;
        engine_result_done(&r);
        cfg->bootstrap_enabled = false; /* the administrator turned it off meanwhile */
        ck_assert_int_eq(engine_confirm(eng, id, &r), 0);
        expect(&r, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED);
        ck_assert_uint_eq(n_documents(), 0);
}
END_TEST

/* ---- exports ------------------------------------------------------------------------------ */

START_TEST(test_napdef_exported) {
        char *good = xml_body("NAPDEF{NAPID=internet;NAME=Operator Internet;NAP-ADDRESS=internet.op.example;"
                              "NAP-ADDRTYPE=APN;INTERNET;NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=web;AUTHSECRET=web}}");
        const char *evil = "<wap-provisioningdoc version=\"1.1\"><characteristic type=\"NAPDEF\">"
                           "<parm name=\"NAPID\" value=\"evil\"/><parm name=\"NAME\" value=\"x&#10;[gsm]&#10;apn=evil\"/>"
                           "<parm name=\"NAP-ADDRESS\" value=\"evil\"/></characteristic></wap-provisioningdoc>";
        char mac[41], *text, *path = NULL;
        EngineResult r;
        struct stat st;

        cfg->confirm_network_pin = false;
        mac_of(good, AUTH_NETWPIN, IMSI, NULL, mac);
        r = submit((const uint8_t *) good, strlen(good), AUTH_NETWPIN, mac);
        ck_assert_int_eq(r.export_error, 0);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_PREFIX), 1);
        {
                DIR *d = opendir(nmdir);
                struct dirent *de;

                while ((de = readdir(d)))
                        if (de->d_name[0] != '.')
                                ck_assert_int_ge(asprintf(&path, "%s/%s", nmdir, de->d_name), 0);
                closedir(d);
        }
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\napn=internet.op.example\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nusername=web\n"));
        ck_assert_ptr_nonnull(strstr(text, "\npassword=web\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nid=Operator Internet\n"));
        free(text);

        /* a value that would break out of its keyfile line: refused before commit */
        mac_of(evil, AUTH_NETWPIN, IMSI, NULL, mac);
        r = submit((const uint8_t *) evil, strlen(evil), AUTH_NETWPIN, mac);
        expect(&r, VERDICT_REJECTED, REASON_MALFORMED);
        ck_assert_uint_eq(n_documents(), 1);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_PREFIX), 1);

        /* bound to the SIM whose IMSI authenticated it (MCC 262, 2-digit MNC 01) */
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\nsim-operator-id=26201\n"));
        ck_assert_ptr_null(strstr(text, "\nsim-id="));
        free(text);

        /* exports are rebuilt from the store, except a profile someone else removed: it stays
         * removed (issue 10, point 4) until a newer push installs it again */
        ck_assert_int_eq(unlink(path), 0);
        {
                ExportNmStats st2 = {};

                ck_assert_int_eq(engine_rebuild_exports(eng, &st2), 0);
                ck_assert_uint_eq(st2.user_removed, 1);
                ck_assert_int_eq(stat(path, &st), -1);
        }
        free(path);
        free(good);
}
END_TEST

/* ---- nothing decoded or kept before authentication (finding 3), escaping (finding 9) ------- */

static bool file_contains(const char *path, const void *needle, size_t n);

static void assert_state_lacks(const char *needle) {
        const char *files[] = { "provboot.db", "provboot.db-wal" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                char *p = NULL;

                ck_assert_int_ge(asprintf(&p, "%s/%s", dir, files[i]), 0);
                ck_assert_msg(!file_contains(p, needle, strlen(needle)), "'%s' in %s", needle, files[i]);
                free(p);
        }
}

START_TEST(test_no_decode_before_auth) {
        char *body = xml_body("APPLICATION{APPID=w2;NAME=CANARY-BODY-VALUE}"), mac[41];
        EngineResult r;
        uint64_t id;

        /* bootstrap disabled (the default): rejected, nothing decoded, nothing of it kept */
        cfg->bootstrap_enabled = false;
        mac_of(body, AUTH_USERPIN, NULL, PIN, mac);
        r = submit_with_summary((const uint8_t *) body, strlen(body), AUTH_USERPIN, mac, "+4917",
                                "APPLICATION NAME=CANARY-PROVD-SAYS");
        id = r.id;
        expect(&r, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED);
        ck_assert_str_eq(history(id).summary, "");
        ck_assert_str_eq(history(id).denied, "");
        cfg->bootstrap_enabled = true;
        /* a NETWPIN push with a wrong MAC and an unsigned one: the same */
        r = submit_with_summary((const uint8_t *) body, strlen(body), AUTH_NETWPIN, TVA_NETWPIN, "+4917",
                                "APPLICATION NAME=CANARY-PROVD-SAYS");
        ck_assert_str_eq(history(r.id).summary, "");
        expect(&r, VERDICT_REJECTED, REASON_BAD_MAC);
        r = submit_with_summary((const uint8_t *) body, strlen(body), AUTH_NONE, NULL, "+4917",
                                "APPLICATION NAME=CANARY-PROVD-SAYS");
        expect(&r, VERDICT_REJECTED, REASON_UNAUTHENTICATED);
        /* waiting for a PIN, then rejected: provd's words go with the pending row */
        r = submit_with_summary((const uint8_t *) body, strlen(body), AUTH_USERPIN, mac, "+4917",
                                "APPLICATION NAME=CANARY-PROVD-SAYS");
        id = r.id;
        expect(&r, VERDICT_PENDING, REASON_NEEDS_PIN);
        for (unsigned i = 0; i < 3; i++) {
                ck_assert_int_eq(pin(id, "9999", &r), 0);
                engine_result_done(&r);
        }
        ck_assert_int_eq(history(id).r, REASON_PIN_ATTEMPTS_EXCEEDED);
        ck_assert_str_eq(history(id).summary, "");
        ck_assert_uint_eq(engine_decoded_count(eng), 0);
        /* closed (checkpointed), the database holds neither the body's value nor provd's words */
        engine_free(eng);
        eng = NULL;
        assert_state_lacks("CANARY-PROVD-SAYS");
        assert_state_lacks("CANARY-BODY-VALUE");
        eng = open_engine();
        /* authenticated bytes are decoded, once */
        mac_of(body, AUTH_NETWPIN, IMSI, NULL, mac);
        r = submit((const uint8_t *) body, strlen(body), AUTH_NETWPIN, mac);
        ck_assert_uint_eq(engine_decoded_count(eng), 1);
        ck_assert_str_eq(history(r.id).summary, "APPLICATION APPID=w2 NAME=CANARY-BODY-VALUE");
        engine_result_done(&r);
        free(body);
}
END_TEST

START_TEST(test_denied_escaped) {
        /* an APPID carrying a forged log line: the denied list, the summary and provd's words
         * stay one printable line per element */
        const char *body = "<wap-provisioningdoc version=\"1.1\"><characteristic type=\"APPLICATION\">"
                           "<parm name=\"APPID\" value=\"w2&#10;&lt;2&gt;push 999: verdict applied\"/>"
                           "<parm name=\"NAME\" value=\"x\"/></characteristic>"
                           "<characteristic type=\"BOOTSTRAP\"><parm name=\"NAME\" value=\"b&#10;&lt;2&gt;forged\"/>"
                           "</characteristic></wap-provisioningdoc>";
        char mac[41];
        EngineResult r;
        Hist h;

        cfg->confirm_network_pin = false;
        mac_of(body, AUTH_USERPIN, NULL, PIN, mac);
        r = submit_with_summary((const uint8_t *) body, strlen(body), AUTH_USERPIN, mac, "+4917",
                                "BOOTSTRAP NAME=b\n<2>push 998: verdict applied");
        ck_assert_int_eq(pin(r.id, PIN, &r), 0);
        h = history(r.id);
        ck_assert_int_eq(r.verdict, VERDICT_REJECTED);
        ck_assert_ptr_nonnull(r.denied);
        ck_assert_msg(!strstr(r.denied, "\n<2>"), "denied: %s", r.denied);
        /* element paths percent-encode control bytes and spaces, and a flagged APPID is no key
         * (element-path.h): the forged text never appears as it came */
        ck_assert_msg(!strstr(r.denied, "push 999"), "denied: %s", r.denied);
        ck_assert_msg(!strstr(h.denied, "\n<2>"), "history denied: %s", h.denied);
        ck_assert_msg(!strstr(h.summary, "\n<2>") && strstr(h.summary, "\\x0a<2>"), "summary: %s", h.summary);
        engine_result_done(&r);
        /* provd's words with a newline inside a line: only ipc validates lines, the engine
         * keeps at most its own line structure, each line clean */
        {
                StorePending *pd = NULL;

                r = submit_with_summary(tvb, tvb_len, AUTH_USERPIN, TVB_USERPIN, "+4917",
                                        "ok line\n\x1b[31mred\n" "a\\b");
                ck_assert_int_eq(store_get_pending(engine_get_store(eng), r.id, &pd), 0);
                ck_assert_str_eq(pd->unverified_summary, "ok line\n\\x1b[31mred\na\\b");
                store_pending_free(pd);
                engine_result_done(&r);
        }
}
END_TEST

/* Issue 10, points 2-4 at the engine: the SIM identity hook, the binding, and what waits for
 * NetworkManager (paths to load, notices to log). */
static void submit_netwpin(const char *spec, const char *imsi) {
        char *body = xml_body(spec), mac[41];
        EngineResult r;

        mac_of(body, AUTH_NETWPIN, imsi, NULL, mac);
        r = submit((const uint8_t *) body, strlen(body), AUTH_NETWPIN, mac);
        expect(&r, VERDICT_APPLIED, REASON_NONE);
        free(body);
}

static char *keyfile_of(const char *napid) {
        DIR *d = opendir(nmdir);
        struct dirent *de;
        char *path = NULL, prefix[64];

        snprintf(prefix, sizeof prefix, "%s%s-", EXPORT_NM_PREFIX, napid);
        while ((de = readdir(d)))
                if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
                        ck_assert_int_ge(asprintf(&path, "%s/%s", nmdir, de->d_name), 0);
        closedir(d);
        ck_assert_ptr_nonnull(path);
        return path;
}

static bool sync_has_path(const EngineNmSync *s, const char *path) {
        for (size_t i = 0; i < s->n_paths; i++)
                if (strcmp(s->paths[i], path) == 0)
                        return true;
        return false;
}

START_TEST(test_sim_binding_and_nm_sync) {
        EngineNmSync sync = {};
        char *a, *b, *c, *text;

        cfg->confirm_network_pin = false;
        /* the modem stack says this SIM's MNC has 3 digits: that wins over the 2-digit guess */
        ck_assert_int_eq(engine_set_modem_sim(eng, "", &(EngineSim) { .imsi = IMSI, .sim_id = "8949226001234567890",
                                                                      .operator_id = "262011" }),
                         0);
        submit_netwpin("NAPDEF{NAPID=a;NAME=A;NAP-ADDRESS=a.example}", IMSI);
        a = keyfile_of("a");
        text = et_slurp(a);
        ck_assert_ptr_nonnull(strstr(text, "\nsim-operator-id=262011\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nsim-id=8949226001234567890\n"));
        free(text);
        /* what NetworkManager must load: the file just written */
        ck_assert_int_gt(engine_take_nm_sync(eng, &sync), 0);
        ck_assert(sync_has_path(&sync, a));
        ck_assert_uint_eq(sync.n_notices, 0);
        engine_nm_sync_done(&sync);

        /* another SIM: what was reported about the old one is forgotten */
        ck_assert_int_eq(engine_set_imsi(eng, "234150123456789"), 0);
        submit_netwpin("NAPDEF{NAPID=b;NAME=B;NAP-ADDRESS=b.example}", "234150123456789");
        b = keyfile_of("b");
        text = et_slurp(b);
        ck_assert_ptr_nonnull(strstr(text, "\nsim-operator-id=23415\n"));
        ck_assert_ptr_null(strstr(text, "\nsim-id="));
        free(text);
        /* the modem stack reports the ICCID and operator of this SIM later */
        ck_assert_int_eq(engine_set_modem_sim(eng, "", &(EngineSim) { .imsi = "234150123456789",
                                                                      .sim_id = "8944110000000000001",
                                                                      .operator_id = "23415" }),
                         0);
        submit_netwpin("NAPDEF{NAPID=c;NAME=C;NAP-ADDRESS=c.example}", "234150123456789");
        c = keyfile_of("c");
        text = et_slurp(c);
        ck_assert_ptr_nonnull(strstr(text, "\nsim-id=8944110000000000001\n"));
        free(text);
        /* the first document keeps its own binding */
        text = et_slurp(a);
        ck_assert_ptr_nonnull(strstr(text, "\nsim-operator-id=262011\n"));
        free(text);

        /* someone removes a profile: a notice to log, and no path to load */
        (void) engine_take_nm_sync(eng, &sync);
        engine_nm_sync_done(&sync);
        ck_assert_int_eq(unlink(b), 0);
        ck_assert_int_eq(engine_rebuild_exports(eng, NULL), 0);
        ck_assert_int_eq(engine_take_nm_sync(eng, &sync), 1);
        ck_assert_uint_eq(sync.n_paths, 0);
        ck_assert_ptr_nonnull(strstr(sync.notices[0], "was removed by someone else"));
        engine_nm_sync_done(&sync);
        /* a failed load keeps the paths for the next try */
        {
                EngineNmSync back = {};

                back.paths = calloc(1, sizeof(char *));
                back.paths[0] = strdup(a);
                back.n_paths = 1;
                engine_return_nm_paths(eng, &back);
                ck_assert_int_eq(engine_take_nm_sync(eng, &sync), 1);
                ck_assert(sync_has_path(&sync, a));
                engine_nm_sync_done(&sync);
        }

        /* a new engine (verifierd's start) offers every file of ours to NetworkManager */
        eng = engine_free(eng);
        eng = open_engine();
        ck_assert_int_eq(engine_rebuild_exports(eng, NULL), 0);
        (void) engine_take_nm_sync(eng, &sync);
        ck_assert(sync_has_path(&sync, a) && sync_has_path(&sync, c) && !sync_has_path(&sync, b));
        engine_nm_sync_done(&sync);
        ck_assert_int_eq(engine_rebuild_exports(eng, NULL), 0);
        ck_assert_int_eq(engine_take_nm_sync(eng, &sync), 0);
        free(a);
        free(b);
        free(c);
}
END_TEST

/* ---- no secret in the database ------------------------------------------------------------ */

static bool file_contains(const char *path, const void *needle, size_t n) {
        size_t len = 0;
        uint8_t *buf;
        bool found = false;
        FILE *f = fopen(path, "re");

        if (!f)
                return false;
        fclose(f);
        buf = tu_read_file(path, &len);
        for (size_t i = 0; i + n <= len && !found; i++)
                found = memcmp(buf + i, needle, n) == 0;
        free(buf);
        return found;
}

START_TEST(test_no_secret_stored) {
        /* distinctive canaries: IMSI 001019876543210 (semi-octet key 09 10 10 89 67 45 23 01), PIN */
        static const char canary_imsi[] = "001019876543210", canary_pin[] = "Kq7!zP2x";
        static const uint8_t imsi_key[] = { 0x09, 0x10, 0x10, 0x89, 0x67, 0x45, 0x23, 0x01 };
        char *body = xml_body("APPLICATION{APPID=w2;NAME=Canary}"), mac[41];
        const char *files[] = { "provboot.db", "provboot.db-wal" };
        EngineResult r;
        uint64_t id;

        ck_assert_int_eq(engine_set_imsi(eng, canary_imsi), 0);
        mac_of(body, AUTH_USERNETWPIN, canary_imsi, canary_pin, mac);
        r = submit((const uint8_t *) body, strlen(body), AUTH_USERNETWPIN, mac);
        id = r.id;
        engine_result_done(&r);
        ck_assert_int_eq(pin(id, "Kq7!zP2y", &r), 0); /* a wrong one first */
        engine_result_done(&r);
        ck_assert_int_eq(pin(id, canary_pin, &r), 0);
        ck_assert_int_eq(r.verdict, VERDICT_APPLIED);
        engine_result_done(&r);
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                char *p = NULL;

                ck_assert_int_ge(asprintf(&p, "%s/%s", dir, files[i]), 0);
                ck_assert_msg(!file_contains(p, canary_imsi, strlen(canary_imsi)), "IMSI in %s", files[i]);
                ck_assert_msg(!file_contains(p, canary_pin, strlen(canary_pin)), "PIN in %s", files[i]);
                ck_assert_msg(!file_contains(p, "Kq7!zP2y", 8), "wrong PIN in %s", files[i]);
                ck_assert_msg(!file_contains(p, imsi_key, sizeof imsi_key), "IMSI key in %s", files[i]);
                free(p);
        }
        free(body);
}
END_TEST

/* verifierd.conf [Store] reaches the store: each push prunes to HistoryMax= and to
 * HistoryMaxAgeSec= (on the engine's clock); a reload with a lower limit prunes what is stored. */
START_TEST(test_retention_from_config) {
        EngineResult r;

        cfg->bootstrap_enabled = false;
        cfg->history_max = 1000;
        engine_set_config(eng, cfg, NULL);
        for (unsigned i = 0; i < 30; i++) {
                r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
                expect(&r, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED);
        }
        ck_assert_uint_eq(n_history(), 30);
        cfg->history_max = 10; /* a reload lowered the limit */
        engine_set_config(eng, cfg, NULL);
        ck_assert_uint_eq(n_history(), 10);
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        ck_assert_uint_eq(r.id, 31);
        expect(&r, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED);
        ck_assert_uint_eq(n_history(), 10);
        /* by age: a day later with HistoryMaxAgeSec=3600, the next push leaves only itself */
        cfg->history_max_age_sec = 3600;
        engine_set_config(eng, cfg, NULL);
        ck_assert_uint_eq(n_history(), 10);
        fake_now += 86400ULL * 1000000ULL;
        r = submit(tva, tva_len, AUTH_NETWPIN, TVA_NETWPIN);
        expect(&r, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED);
        ck_assert_uint_eq(n_history(), 1);
}
END_TEST

int main(void) {
        Suite *s = suite_create("engine");
        TCase *tc;

        tc = tcase_create("/engine/gates");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_bootstrap_disabled);
        TU_ADD(tc, test_no_decode_before_auth);
        TU_ADD(tc, test_denied_escaped);
        TU_ADD(tc, test_unauthenticated_and_method_gates);
        TU_ADD(tc, test_unsigned_accepted_needs_consent);
        suite_add_tcase(s, tc);

        tc = tcase_create("/engine/netwpin");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        TU_ADD(tc, test_netwpin_applied_without_confirmation);
        TU_ADD(tc, test_netwpin_confirmation_default);
        TU_ADD(tc, test_netwpin_confirm_after_sim_swap);
        TU_ADD(tc, test_netwpin_wrong_key_and_bit_flips);
        TU_ADD(tc, test_sim_per_modem);
        suite_add_tcase(s, tc);

        tc = tcase_create("/engine/pin");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_userpin_attempts_exceeded);
        TU_ADD(tc, test_userpin_right_pin_role_denied);
        TU_ADD(tc, test_userpin_right_pin_applied);
        TU_ADD(tc, test_usernetwpin_and_userpinmac);
        suite_add_tcase(s, tc);

        tc = tcase_create("/engine/store-rules");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_replay);
        TU_ADD(tc, test_downgrade);
        TU_ADD(tc, test_malformed_with_valid_mac);
        TU_ADD(tc, test_retention_from_config);
        suite_add_tcase(s, tc);

        tc = tcase_create("/engine/pending");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_expiry);
        TU_ADD(tc, test_pending_cap);
        TU_ADD(tc, test_pin_attempts_by_digest);
        TU_ADD(tc, test_pending_survives_restart_and_states);
        TU_ADD(tc, test_confirm_rechecks_policy);
        suite_add_tcase(s, tc);

        tc = tcase_create("/engine/export");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_napdef_exported);
        TU_ADD(tc, test_sim_binding_and_nm_sync);
        suite_add_tcase(s, tc);

        tc = tcase_create("/engine/secrets");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_no_secret_stored);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
