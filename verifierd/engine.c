/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * engine.c: verifierd's pipeline from "these bytes arrived" to a recorded verdict, a committed
 * document and its exports (engine.h has the order of the steps and the PIN rules). The
 * security invariants are stated at the step that enforces them. Library code: logs nothing;
 * the bus service logs the verdicts it gets back.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "certstore.h"
#include "engine.h"
#include "macros.h"
#include "ota-policy.h"
#include "package.h"
#include "store-policy.h"
#include "summary.h"
#include "utf8.h"

_Static_assert(ENGINE_PACKAGE_MAX == PACKAGE_SIZE_MAX, "one package size cap");

struct Engine {
        Store *store;
        /* The configuration every step reads: &effective, the files' configuration (base) with
         * the over-the-air policy layer on top (ota-policy.h), rebuilt whenever either changes. */
        const Config *config;
        const Config *base;             /* borrowed (engine_set_config swaps it) */
        Config effective;               /* shallow copy of *base plus the layer: never freed */
        OtaPolicyLayer layer;           /* the store's ota_policy table */
        const Metabase *metabase;
        EngineClock clock;
        void *clock_userdata;
        char *export_nm_dir;            /* NULL: config->nm_dir */
        bool no_export;
        /* The SIMs the network PIN source reported, one per modem ("" names the single SIM of
         * engine_set_imsi); only entries with an IMSI are kept. */
        struct {
                char *modem;
                Secret *imsi;
                char *sim_id, *operator_id;
        } sims[ENGINE_MODEMS_MAX];
        unsigned n_sims;
        bool imsi_set;                  /* a source spoke (also to forget): the static Imsi= is off */
        uint64_t n_decoded;             /* documents handed to the decoders (engine_decoded_count) */
        EngineNmSync nm_sync;           /* what NetworkManager has not been told yet */
        bool nm_load_all;               /* the next rebuild asks NetworkManager to load every file */
        bool nm_rebuilt;                /* a full rebuild succeeded: a push updates only its roots */
        EngineNmState nm_state;
        const ExportNmIo *nm_api;       /* NetworkManager's settings API, or NULL (EngineOptions) */
        const ExportNmIo *nm_files_io;  /* the keyfiles' io (export_nm_get_io at engine_new) */
        bool nm_api_mode;               /* the last run went through the API */
        EngineNmApiStartFn nm_api_start; /* runs the API's runs off the event loop, or NULL */
        void *nm_api_start_userdata;
        bool nm_api_out;                /* a run handed to nm_api_start has not returned yet */
        bool nm_api_stale;              /* the store changed while it was out: one more run */
        EngineVerdictFn verdict_hook;   /* verdicts reached outside a caller's EngineResult */
        void *verdict_hook_userdata;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(CpDoc *, cpdoc_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(StorePending *, store_pending_free);

static uint64_t clock_realtime(void *userdata) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static uint64_t now(Engine *e) {
        return e->clock(e->clock_userdata);
}

void engine_result_done(EngineResult *r) {
        if (!r)
                return;
        free(r->denied);
        r->denied = NULL;
        free(r->policy_set);
        r->policy_set = NULL;
}

/* certs.d [Remove]: the administrator's removals take the certificate out of the store (at
 * start-up and every reload). Best effort: a certificate the removal missed is still never
 * trusted nor listed (collect_anchors, engine_foreach_certificate filter it). */
static void apply_admin_removals(Engine *e) {
        const CertAdminList *l = e->config ? e->config->certs : NULL;

        for (size_t i = 0; l && i < l->n; i++)
                if (l->items[i].remove)
                        (void) store_delete_certificate(e->store, l->items[i].store, l->items[i].thumbprint);
}

/* verifierd.conf [Store]: what the store keeps (store.h "Retention"). Every write prunes a
 * bounded batch; store_prune applies the limits to what is stored already (at start-up, and on
 * a reload that lowered them). Best effort: a failure leaves rows the next write prunes. */
static void apply_retention(Engine *e) {
        const Config *c = e->config;
        StoreRetention rt = {
                .history_max = c->history_max,
                .history_max_age_usec = c->history_max_age_sec * 1000000ULL,
                .replay_digests_max = c->replay_digests_max,
        };

        store_set_retention(e->store, &rt);
        (void) store_prune(e->store, now(e));
}

static void sim_drop(Engine *e, unsigned i) {
        free(e->sims[i].modem);
        secret_free(e->sims[i].imsi);
        free(e->sims[i].sim_id);
        free(e->sims[i].operator_id);
        e->sims[i] = e->sims[--e->n_sims];
        e->sims[e->n_sims] = (typeof(e->sims[0])) {};
}

static int sim_find(Engine *e, const char *modem) {
        for (unsigned i = 0; i < e->n_sims; i++)
                if (streq_ptr(e->sims[i].modem, modem))
                        return (int) i;
        return -1;
}

/* The caller's Config is borrowed and may change between calls (a reload, tests): the effective
 * copy is rebuilt at every entry point that reads it. A struct copy and ten keys: cheap. */
static void refresh_config(Engine *e) {
        ota_policy_overlay(e->base, &e->layer, &e->effective);
}

static int layer_row(const StorePolicyRow *row, void *userdata) {
        OtaPolicyLayer *l = userdata;
        OtaKey k = ota_key_from_string(row->key);

        if (k < 0)
                return 0; /* a key this build does not know: not used */
        l->set |= 1U << k;
        l->value[k] = row->value;
        l->push_id[k] = row->push_id;
        if (row->once)
                l->once |= 1U << k;
        return 0;
}

/* Read the over-the-air policy layer from the store and rebuild the effective configuration.
 * On failure the layer in memory stays as it was (the store is unchanged by a read). */
static int load_policy_layer(Engine *e) {
        OtaPolicyLayer l = {};
        int r;

        r = store_policy_foreach(e->store, layer_row, &l);
        if (r < 0)
                return r;
        e->layer = l;
        ota_policy_overlay(e->base, &e->layer, &e->effective);
        return 0;
}

Engine *engine_free(Engine *e) {
        if (!e)
                return NULL;
        store_free(e->store);
        while (e->n_sims > 0)
                sim_drop(e, 0);
        engine_nm_sync_done(&e->nm_sync);
        free(e->export_nm_dir);
        free(e);
        return NULL;
}

int engine_new(Engine **ret, const EngineOptions *o) {
        _cleanup_(engine_freep) Engine *e = NULL;
        _cleanup_free_ char *nm_dir_copy = NULL;
        int r;

        if (!o || !o->state_dir || !o->config)
                return -EINVAL;
        if (o->export_nm_dir) {
                nm_dir_copy = strdup(o->export_nm_dir);
                if (!nm_dir_copy)
                        return -ENOMEM;
        }
        e = calloc(1, sizeof(Engine));
        if (!e)
                return -ENOMEM;
        e->base = o->config;
        ota_policy_overlay(e->base, NULL, &e->effective);
        e->config = &e->effective;
        e->metabase = o->metabase ? o->metabase : o->config->metabase;
        e->clock = o->clock ? o->clock : clock_realtime;
        e->clock_userdata = o->clock_userdata;
        e->no_export = o->no_export;
        e->export_nm_dir = TAKE_PTR(nm_dir_copy);
        e->nm_api = o->nm_api;
        e->nm_files_io = export_nm_get_io();
        /* NetworkManager may have missed changes made before a crash or while verifierd was not
         * running: the first rebuild tells it about every file of ours. */
        e->nm_load_all = true;
        r = store_open(&e->store, o->state_dir);
        if (r < 0)
                return r;
        r = load_policy_layer(e);
        if (r < 0)
                return r;
        apply_admin_removals(e);
        apply_retention(e);
        *ret = TAKE_PTR(e);
        return 0;
}

void engine_set_config(Engine *e, const Config *c, const Metabase *m) {
        e->base = c;
        ota_policy_overlay(e->base, &e->layer, &e->effective);
        e->config = &e->effective;
        e->metabase = m ? m : c->metabase;
        apply_admin_removals(e);
        apply_retention(e);
}

/* ICCID / MCC+MNC as a modem stack reports them: display and binding text only, so digits and
 * at most ENGINE_SIM_TEXT_MAX of them; anything else is dropped (NULL), never stored. */
static char *sim_text(const char *s) {
        size_t n;

        if (!s || !*s)
                return NULL;
        n = strnlen(s, ENGINE_SIM_TEXT_MAX + 1);
        if (n > ENGINE_SIM_TEXT_MAX || strspn(s, "0123456789ABCDEFabcdef") != n)
                return NULL;
        return strdup(s);
}

int engine_set_modem_sim(Engine *e, const char *modem, const EngineSim *sim) {
        _cleanup_(secret_freep) Secret *imsi = NULL;
        char *modem_copy = NULL;
        int i, r;

        if (!modem)
                return -EINVAL;
        e->imsi_set = true;
        i = sim_find(e, modem);
        if (!sim || !sim->imsi || !*sim->imsi) {
                /* No SIM (or no IMSI yet) in this modem: nothing keys a push received there. */
                if (i >= 0)
                        sim_drop(e, (unsigned) i);
                return 0;
        }
        r = auth_imsi_check(sim->imsi, strlen(sim->imsi));
        if (r < 0)
                return -EINVAL;
        r = secret_new_from_string(sim->imsi, &imsi);
        if (r < 0)
                return r;
        if (i < 0) {
                if (e->n_sims >= ENGINE_MODEMS_MAX)
                        return -ENOSPC;
                modem_copy = strdup(modem);
                if (!modem_copy)
                        return -ENOMEM;
                i = (int) e->n_sims++;
                e->sims[i].modem = modem_copy;
        }
        secret_free(e->sims[i].imsi);
        e->sims[i].imsi = TAKE_PTR(imsi);
        free(e->sims[i].sim_id);
        e->sims[i].sim_id = sim_text(sim->sim_id);
        free(e->sims[i].operator_id);
        e->sims[i].operator_id = sim_text(sim->operator_id);
        return 0;
}

int engine_set_imsi(Engine *e, const char *digits) {
        int r;

        if (digits && *digits) {
                r = auth_imsi_check(digits, strlen(digits));
                if (r < 0)
                        return -EINVAL;
        }
        while (e->n_sims > 0)
                sim_drop(e, 0);
        return engine_set_modem_sim(e, "", &(EngineSim) { .imsi = digits });
}

unsigned engine_count_sims(Engine *e) {
        return e->n_sims;
}

/* The SIM a push received on @modem (NULL/"": not named) is checked against ("Which SIM" in
 * engine.h). @ret_why: why there is none, for the history (never the IMSI). Return: the
 * index into e->sims, ENGINE_SIM_STATIC for the configuration's Imsi=, or -1 (none). */
#define ENGINE_SIM_STATIC (-2)
static int sim_for(Engine *e, const char *modem, const char **ret_why) {
        bool named = modem && *modem;
        int i;

        *ret_why = NULL;
        if (!e->imsi_set && e->config->network_pin_source == NETWORK_PIN_SOURCE_STATIC && e->config->imsi)
                return ENGINE_SIM_STATIC; /* the one configured SIM, whatever the modem */
        if (named) {
                i = sim_find(e, modem);
                if (i < 0)
                        *ret_why = "network PIN: no SIM with a known IMSI in the receiving modem";
                return i;
        }
        if (e->n_sims == 1)
                return 0;
        /* Several SIMs and no modem named: trying each would accept a push made for any of them
         * and bind its settings to a SIM the sender picked; none is tried. */
        *ret_why = e->n_sims == 0 ? "network PIN: no SIM with a known IMSI"
                                  : "network PIN: several SIMs present and the push names no receiving modem; "
                                    "none was tried";
        return -1;
}

static const Secret *sim_imsi(Engine *e, int i) {
        if (i == ENGINE_SIM_STATIC)
                return e->config->imsi;
        return i >= 0 ? e->sims[i].imsi : NULL;
}

Store *engine_get_store(Engine *e) {
        return e->store;
}

const Metabase *engine_get_metabase(Engine *e) {
        return e->metabase;
}

const Config *engine_get_config(Engine *e) {
        refresh_config(e);
        return e->config;
}

int engine_reset_policy(Engine *e) {
        int r, n;

        n = store_policy_reset(e->store);
        if (n < 0)
                return n;
        r = load_policy_layer(e);
        if (r < 0) {
                /* the table is empty now: so is the layer */
                e->layer = (OtaPolicyLayer) {};
                ota_policy_overlay(e->base, NULL, &e->effective);
        }
        return n;
}

OtaSource engine_policy_source(Engine *e, const char *policy_name, uint64_t *ret_push_id, bool *ret_locked) {
        return ota_policy_source(e->base, &e->layer, policy_name, ret_push_id, ret_locked);
}

uint64_t engine_decoded_count(Engine *e) {
        return e->n_decoded;
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* Copy untrusted display text: at most @max bytes, cut on a character boundary, every byte that
 * is not printable ASCII or part of valid UTF-8 replaced by '?'. NULL stays NULL. */
static char *display_text(const char *s, size_t max) {
        const unsigned char *p = (const unsigned char *) s;
        size_t n, i = 0, k = 0;
        char *out;

        if (!s)
                return NULL;
        n = strnlen(s, max + 1);
        out = malloc(n + 1);
        if (!out)
                return NULL;
        while (i < n) {
                uint32_t cp;
                size_t len = p[i] >= 0x20 && p[i] < 0x7F ? 1 : utf8_seq(p + i, n - i, &cp);

                if (len == 0) {
                        out[k++] = '?';
                        i++;
                        continue;
                }
                if (k + len > max)
                        break;
                memcpy(out + k, s + i, len);
                k += len;
                i += len;
        }
        if (k > max)
                k = max;
        out[k] = 0;
        return out;
}

static const char *content_type_of(WspContentKind k) {
        switch (k) {
        case WSP_CONTENT_CP_WBXML:
                return "application/vnd.wap.connectivity-wbxml";
        case WSP_CONTENT_CP_XML:
                return "text/vnd.wap.connectivity-xml";
        case WSP_CONTENT_PKCS7:
                return "application/pkcs7-mime";
        default:
                return "application/octet-stream";
        }
}

/* What an authenticated document changes, for the history and the confirmation prompt:
 * common/summary.h lines (network-level first, "+N more", every value escaped), '\n'-separated. */
static char *summarize(const CpDoc *d) {
        Summary sum;

        summary_from_doc(d, &sum);
        return summary_join(&sum);
}

/*
 * Text that goes to the history, a log line or an agent, kept as lines: a line that is already
 * one line of printable text stays as it is, any other is escaped whole (display_escape), so a
 * control character inside an element name or value can never start a line of its own
 * (finding 9). '\n' separates the lines and stays. Return: malloc'd text, or NULL (-ENOMEM).
 */
static char *clean_lines(const char *text) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (const char *p = text; *p;) {
                size_t n = strcspn(p, "\n");
                _cleanup_free_ char *line = strndup(p, n), *esc = NULL;

                if (!line || (!display_text_clean(line, n) && !(esc = malloc(DISPLAY_ESCAPE_SIZE(n))))) {
                        fclose(f);
                        return NULL;
                }
                fprintf(f, "%s%s", p == text ? "" : "\n", esc ? display_escape(line, esc, DISPLAY_ESCAPE_SIZE(n)) : line);
                p += n + (p[n] ? 1 : 0);
        }
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

/*
 * provd's summary lines (SubmitWithSummary), for a push that waits for a PIN: UNTRUSTED words
 * about bytes nobody has authenticated. ipc_submit_with_summary_read validated them already;
 * they are bounded and escaped here again (the engine takes nothing from its caller on trust)
 * and are only ever shown labelled "(unverified)". NULL when there are none.
 */
static char *unverified_lines(const char *text) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        unsigned n_lines = 0;
        FILE *f;

        if (!text || !*text)
                return NULL;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (const char *p = text; *p; n_lines++) {
                size_t n = strcspn(p, "\n");
                _cleanup_free_ char *line = NULL;
                char esc[SUMMARY_LINE_MAX + 1];

                if (n_lines == SUMMARY_LINES_MAX - 1 && p[n]) {
                        /* more than fits: say so rather than drop lines silently (finding 11) */
                        fprintf(f, "\n(more lines not shown)");
                        break;
                }
                line = strndup(p, n);
                if (!line) {
                        fclose(f);
                        return NULL;
                }
                fprintf(f, "%s%s", n_lines ? "\n" : "",
                        summary_line_valid(line) ? line : display_escape(line, esc, sizeof esc));
                p += n + (p[n] ? 1 : 0);
        }
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

/*
 * Decode and validate bytes. On -EBADMSG *ret_why (when not NULL) gets a malloc'd line saying
 * where (decoder layer and offset, or the schema path); it holds no input bytes beyond the
 * escaped path. Return: 0, -EBADMSG (any decoder or schema refusal), -ENOMEM.
 */
static int decode(const uint8_t *body, size_t len, CpDoc **ret, char **ret_why) {
        _cleanup_(cpdoc_freep) CpDoc *doc = NULL;
        CpDocValidateError verr = {};
        DecodeError err = {};
        int r;

        r = cpdoc_from_bytes(body, len, &doc, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (ret_why && asprintf(ret_why, "%s at offset %zu: %s", err.layer ?: "decoder", err.offset,
                                        err.reason ?: "malformed") < 0)
                        *ret_why = NULL;
                return -EBADMSG;
        }
        r = cpdoc_validate_ex(doc, &err, &verr);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (ret_why && asprintf(ret_why, "%s: %s", verr.path[0] ? verr.path : "document",
                                        err.reason ?: "invalid") < 0)
                        *ret_why = NULL;
                return -EBADMSG;
        }
        *ret = TAKE_PTR(doc);
        return 0;
}

/* "path\npath\n... (+N more)" from a policy result. */
static char *denied_text(const PolicyResult *pr) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        unsigned kept = MIN(pr->n_denied, POLICY_DENIED_MAX);

        if (pr->n_denied == 0)
                return NULL;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (unsigned i = 0; i < kept; i++) {
                /* element paths hold document strings (an APPID): escaped, one line each */
                char esc[DISPLAY_ESCAPE_SIZE(sizeof pr->denied[i].path)];

                fprintf(f, "%s%s", i ? "\n" : "", display_escape(pr->denied[i].path, esc, sizeof esc));
        }
        if (pr->n_denied > kept)
                fprintf(f, "\n(+%u more)", pr->n_denied - kept);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

/* The per-push context the steps share. */
typedef struct Ctx {
        Engine *e;
        uint64_t pending_id;            /* 0: a new push (no history row yet) */
        const uint8_t *body;
        size_t body_len;
        AuthMethod sec;
        int content_kind;
        const char *mac;                /* the MAC parameter as received (kept for re-checks) */
        char *sender, *transport, *content_type;
        char *summary;                  /* verifierd's own, of authenticated bytes only */
        char *unverified_summary;       /* provd's, kept only if the push waits for a PIN */
        char digest[STORE_DIGEST_HEX_LEN + 1];
        uint64_t received_usec;
        /* a signed package: the verified content and the SPC entry's roles and strength; a DM
         * session (AUTH_DM): its account's roles and strength */
        const uint8_t *doc_body;        /* NULL: body is the document */
        size_t doc_len;
        uint32_t signer_roles;
        unsigned signer_strength;       /* store_package_strength of the anchor */
        const char *const *remove_roots; /* a DM session's Deletes (engine_apply_dm_ex) */
        size_t n_remove_roots;
        /* Which SIM ("Which SIM" in engine.h): the receiving modem as provd named it, and the SIM
         * binding recorded with an applied document (set by ctx_use_sim) */
        char *modem;                    /* NULL: not named */
        char *sim_id, *sim_operator;
} Ctx;

static void ctx_done(Ctx *c) {
        free(c->modem);
        free(c->sim_id);
        free(c->sim_operator);
        free(c->sender);
        free(c->transport);
        free(c->content_type);
        free(c->summary);
        free(c->unverified_summary);
}

static StorePush ctx_push(const Ctx *c, Verdict v, Reason rs, uint32_t roles, const char *denied) {
        return (StorePush) {
                .received_usec = c->received_usec,
                .decided_usec = now(c->e),
                .sender = c->sender,
                .transport = c->transport,
                .sec = c->sec,
                .roles = roles,
                .verdict = v,
                .reason = rs,
                .denied = denied,
                .digest = c->digest,
                .content_type = c->content_type,
                .summary = c->summary,
                .modem = c->modem,
        };
}

/* Resolve the SIM of the push's modem (sim_for) and remember its identity for the binding.
 * Return: the IMSI Secret to check with (NULL: none, @ret_why says why), or NULL on -ENOMEM
 * with *ret_oom set. */
static const Secret *ctx_use_sim(Ctx *c, const char **ret_why, bool *ret_oom) {
        Engine *e = c->e;
        int i = sim_for(e, c->modem, ret_why);

        *ret_oom = false;
        c->sim_id = mfree(c->sim_id);
        c->sim_operator = mfree(c->sim_operator);
        if (i >= 0) {
                if ((e->sims[i].sim_id && !(c->sim_id = strdup(e->sims[i].sim_id))) ||
                    (e->sims[i].operator_id && !(c->sim_operator = strdup(e->sims[i].operator_id)))) {
                        *ret_oom = true;
                        return NULL;
                }
        }
        return sim_imsi(e, i);
}

/* The history's denied text for a push no SIM could key: why (never an IMSI). */
static char *no_sim_text(const char *why) {
        return why ? strdup(why) : NULL;
}

static void result_set(EngineResult *ret, uint64_t id, Verdict v, Reason rs, uint32_t roles, char *denied) {
        *ret = (EngineResult) {
                .id = id,
                .verdict = v,
                .reason = rs,
                .roles = roles,
                .denied = denied,
        };
}

/*
 * Record a final verdict that applies nothing: a new history row, or the pending push's row
 * (its pending row deleted in the same transaction). Takes ownership of @denied.
 */
static int finish(Ctx *c, Verdict v, Reason rs, uint32_t roles, char *denied, EngineResult *ret) {
        _cleanup_free_ char *d = NULL;
        uint64_t id = c->pending_id;
        int r;

        /* The denied list reaches the history, the log and provctl: one line per element, each
         * one line of printable text, whatever the document or a certificate held (finding 9). */
        if (denied) {
                d = clean_lines(denied);
                free(denied);
                if (!d)
                        return -ENOMEM;
        }
        if (id == 0) {
                StorePush p = ctx_push(c, v, rs, roles, d);

                r = store_record(c->e->store, &p, &id);
        } else
                /* the pending row goes, and with it provd's summary of a push waiting for a PIN;
                 * the history keeps only what verifierd decoded after authenticating (if it did) */
                r = store_finish_pending(c->e->store, id, v, rs, roles, d, c->summary, now(c->e));
        if (r < 0)
                return r;
        result_set(ret, id, v, rs, roles, TAKE_PTR(d));
        return 0;
}

/* What store_check_apply and store_apply refuse becomes the verdict: -EEXIST a replay, -EPERM a
 * locked element (@conflicts lists them), -EBADMSG rows the store cannot hold. Any other error is
 * verifierd's own and goes back to the caller as an error, not as a verdict. */
static int store_refusal(Ctx *c, int r, uint32_t roles, char **conflicts, EngineResult *ret) {
        switch (r) {
        case -EEXIST:
                return finish(c, VERDICT_REJECTED, REASON_REPLAY, roles, NULL, ret);
        case -EPERM:
                return finish(c, VERDICT_REJECTED, REASON_POLICY_DENIED, roles, TAKE_PTR(*conflicts), ret);
        case -EBADMSG:
                return finish(c, VERDICT_REJECTED, REASON_MALFORMED, roles, NULL, ret);
        default:
                return r;
        }
}

/* Attempts left for a body digest (PinAttempts= minus those used on any copy of these bytes). */
static int attempts_left(Engine *e, const char *digest, unsigned *ret) {
        int r = store_pin_attempts(e->store, digest);

        if (r < 0)
                return r;
        *ret = (unsigned) r >= e->config->pin_attempts ? 0 : e->config->pin_attempts - (unsigned) r;
        return 0;
}

static int make_pending(Ctx *c, PendingState state, Reason rs, uint32_t roles, const char *mac,
                        EngineResult *ret) {
        const Config *cfg = c->e->config;
        StorePush p = ctx_push(c, VERDICT_PENDING, rs, roles, NULL);
        /* Authenticated: the MAC verified with the network PIN, only the user's consent is
         * missing. A push waiting for a PIN, or an unsigned one, is not: it gets the smaller
         * caps and the shorter expiry (finding 4), and never takes an authenticated one's slot. */
        bool authenticated = state == PENDING_NEEDS_CONFIRMATION && c->sec != AUTH_NONE;
        StorePendingLimits lim = {
                .max_authenticated = cfg->pending_max,
                .max_unverified = cfg->unverified_pending_max,
                .max_unverified_per_sender = cfg->unverified_pending_per_sender,
        };
        StorePending pd = {
                .state = state,
                .sec = c->sec,
                .content_kind = c->content_kind,
                .body = c->body,
                .body_len = c->body_len,
                .mac = mac,
                /* Expiry runs on verifierd's own clock: the receive time is provd's claim and
                 * must not be able to keep a push pending forever. */
                .expires_usec = now(c->e) + (authenticated ? cfg->pending_expiry_sec
                                                           : cfg->unverified_pending_expiry_sec) * 1000000ULL,
                .roles = roles,
                .authenticated = authenticated,
                .unverified_summary = state == PENDING_NEEDS_PIN ? c->unverified_summary : NULL,
        };
        uint64_t id = 0;
        int r;

        /* Only the body and the MAC are kept, exactly as received: never a PIN or a key. */
        r = store_add_pending(c->e->store, &p, &pd, &lim, &id);
        if (r == -EEXIST) {
                /* The same bytes are pending already: that push is the answer, with the attempts
                 * its digest has left; no new row, no new prompt (ret->repeated). */
                _cleanup_(store_pending_freep) StorePending *old = NULL;

                r = store_get_pending(c->e->store, id, &old);
                if (r < 0)
                        return r;
                result_set(ret, id, VERDICT_PENDING,
                           old->state == PENDING_NEEDS_PIN ? REASON_NEEDS_PIN : REASON_NEEDS_CONFIRMATION, old->roles,
                           NULL);
                ret->repeated = true;
                if (old->state == PENDING_NEEDS_PIN)
                        return attempts_left(c->e, c->digest, &ret->attempts_left);
                return 0;
        }
        if (r == -ENOSPC || r == -EUSERS)
                /* S8: the pending queues are bounded; a flood cannot grow them. */
                return finish(c, VERDICT_REJECTED, REASON_POLICY_DENIED, 0,
                              strdup(r == -EUSERS ? "pending pushes from this sender: limit reached "
                                                    "(MaxUnverifiedPendingPerSender=)"
                                     : authenticated ? "pending pushes: limit reached (MaxPendingPushes=)"
                                                     : "unverified pending pushes: limit reached (MaxUnverifiedPending=)"),
                              ret);
        if (r < 0)
                return r;
        result_set(ret, id, VERDICT_PENDING, rs, roles, NULL);
        if (state == PENDING_NEEDS_PIN)
                return attempts_left(c->e, c->digest, &ret->attempts_left);
        return 0;
}

static const char *nm_dir(Engine *e) {
        return e->export_nm_dir ? e->export_nm_dir : e->config->nm_dir;
}

static int strv_push(char ***v, size_t *n, char *s);

/*
 * Where this run's profiles go (issue 14; export-nm-api.h): through NetworkManager's own settings
 * API while it owns its name on the bus and no directory is configured (NetworkManagerDir= or
 * the option), so NetworkManager writes its own files and verifierd needs no right on them;
 * otherwise keyfiles in the directory (written by this process as root, or by
 * provboot-nm-writer), which NetworkManager reads when it starts or is told to load. Decided
 * per run, since NetworkManager may start or stop at any time; a change of side makes the next
 * push rebuild in full (the records of the two sides are kept apart, EXPORT_NM_API_DIR). Sets the
 * io for the run (export_nm_set_io); returns the records' key.
 */
static const char *nm_target(Engine *e) {
        bool api = e->nm_api && !e->export_nm_dir && !e->config->nm_dir_explicit &&
                   e->nm_api->open(e->nm_api->ctx) == 0;

        export_nm_set_io(api ? e->nm_api : e->nm_files_io);
        if (api != e->nm_api_mode) {
                e->nm_api_mode = api;
                e->nm_rebuilt = false;
                (void) strv_push(&e->nm_sync.notices, &e->nm_sync.n_notices,
                                 strdup(api ? "NetworkManager profiles: added, updated and deleted through its settings "
                                              "API (NetworkManager runs, no NetworkManagerDir= set)"
                                            : "NetworkManager profiles: keyfiles"));
        }
        return api ? EXPORT_NM_API_DIR : nm_dir(e);
}

void engine_nm_sync_done(EngineNmSync *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_paths; i++)
                free(s->paths[i]);
        free(s->paths);
        for (size_t i = 0; i < s->n_notices; i++)
                free(s->notices[i]);
        free(s->notices);
        *s = (EngineNmSync) {};
}

static int strv_push(char ***v, size_t *n, char *s) {
        char **a;

        if (!s)
                return -ENOMEM;
        a = reallocarray(*v, *n + 1, sizeof(char *));
        if (!a) {
                free(s);
                return -ENOMEM;
        }
        *v = a;
        (*v)[(*n)++] = s;
        return 0;
}

typedef struct NmEvents {
        Engine *e;
        const char *dir;
        bool load_all;
        int error;
} NmEvents;

/* The rebuild's events -> paths NetworkManager must (re)load, and notices for the log. */
/* What the log says after "NetworkManager profile NAME (ROOT)" for the events that are notices. */
static const char *const nm_notice[_EXPORT_NM_EVENT_MAX] = {
        [EXPORT_NM_EVENT_USER_CHANGED] = "was changed by someone else: left alone until a newer push for it arrives",
        [EXPORT_NM_EVENT_USER_REMOVED] = "was removed by someone else: not recreated until a newer push for it arrives",
        [EXPORT_NM_EVENT_RELEASED] = "was changed by someone else and is no longer provisioned: left in place, no "
                                     "longer managed by provboot",
        [EXPORT_NM_EVENT_FOREIGN] = "not written: a file that is not provboot's has its name",
};

static void on_nm_event(ExportNmEvent ev, const char *name, const char *root, void *userdata) {
        NmEvents *x = userdata;
        EngineNmSync *sync = &x->e->nm_sync;
        char *text = NULL;
        int r = 0;

        if (ev == EXPORT_NM_EVENT_UNCHANGED && !x->load_all)
                return;
        switch (ev) {
        case EXPORT_NM_EVENT_UNCHANGED:
        case EXPORT_NM_EVENT_WRITTEN:
        case EXPORT_NM_EVENT_REMOVED: {
                if (strcmp(x->dir, EXPORT_NM_API_DIR) == 0)
                        return; /* NetworkManager made the change itself: nothing to load */
                /* LoadConnections takes full paths; a removed file's path unloads it. */
                if (asprintf(&text, "%s/%s", x->dir, name) < 0)
                        text = NULL;
                for (size_t i = 0; text && i < sync->n_paths; i++)
                        if (strcmp(sync->paths[i], text) == 0) {
                                text = mfree(text);
                                return;
                        }
                r = strv_push(&sync->paths, &sync->n_paths, text);
                break;
        }
        case EXPORT_NM_EVENT_USER_CHANGED:
        case EXPORT_NM_EVENT_USER_REMOVED:
        case EXPORT_NM_EVENT_RELEASED:
        case EXPORT_NM_EVENT_FOREIGN:
                if (asprintf(&text, "NetworkManager profile %s (%s) %s", name, root ?: "?", nm_notice[ev]) < 0)
                        text = NULL;
                r = strv_push(&sync->notices, &sync->n_notices, text);
                break;
        default:
                return;
        }
        if (r < 0 && x->error == 0)
                x->error = r;
}

/* What one push changes, for engine_update_exports: its roots (store_apply replaces each whole)
 * and the NAPIDs that the APPLICATIONs and proxies among them named before. */
typedef struct Changed {
        char **roots;
        size_t n_roots;
        char **napids;
        size_t n_napids;
        int error;
} Changed;

static void changed_done(Changed *c) {
        for (size_t i = 0; i < c->n_roots; i++)
                free(c->roots[i]);
        free(c->roots);
        for (size_t i = 0; i < c->n_napids; i++)
                free(c->napids[i]);
        free(c->napids);
        *c = (Changed) {};
}

static int old_napid(const StoreSetting *s, void *userdata) {
        Changed *c = userdata;

        if (s->parm && s->value && strcmp(s->parm, "TO-NAPID") == 0)
                return strv_push(&c->napids, &c->n_napids, strdup(s->value));
        return 0;
}

static int changed_roots(Engine *e, const StoreSettingList *rows, Changed *c) {
        int r;

        if (e->no_export)
                return 0;
        for (size_t i = 0; i < rows->n; i++) {
                const char *root = rows->items[i].root;

                if (c->n_roots > 0 && strcmp(c->roots[c->n_roots - 1], root) == 0)
                        continue; /* rows come grouped by root */
                r = strv_push(&c->roots, &c->n_roots, strdup(root));
                if (r < 0)
                        return r;
                if (strncmp(root, "/APPLICATION", 12) == 0 || strncmp(root, "/PXLOGICAL", 10) == 0) {
                        r = store_foreach_setting_range(e->store, root, true, old_napid, c);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static void nm_api_state(Engine *e, const NmEvents *x, int r) {
        /* Through the API, the run itself is NetworkManager's answer (provctl status). */
        if (strcmp(x->dir, EXPORT_NM_API_DIR) == 0)
                e->nm_state = r < 0 && r != -EEXIST ? ENGINE_NM_FAILED : ENGINE_NM_LOADED;
}

/*
 * Through NetworkManager's settings API with a runner set (verifierd: export-nm-worker.h): the run
 * is built from the store here (export_nm_run_new: copies) and its calls are made off the event
 * loop, so a slow or stuck NetworkManager holds back no verdict (issue 11's rule; each call waits
 * up to EXPORT_NM_API_TIMEOUT_USEC, a run at most EXPORT_NM_API_RUN_BUDGET_USEC). Always a full
 * run: its records are committed when it returns (engine_nm_api_run_done). One run at a time; a
 * change while one is out marks it stale, and one more run follows for all such changes. A
 * failed run is retried as the keyfiles' are: by the next apply, reload or start.
 */
static int nm_api_start(Engine *e, ExportNmStats *stats) {
        ExportNmRun *run = NULL;
        int r;

        if (stats)
                *stats = (ExportNmStats) {};
        if (e->nm_api_out) {
                e->nm_api_stale = true;
                return 0;
        }
        r = export_nm_run_new(e->store, EXPORT_NM_API_DIR, &run);
        if (r >= 0)
                r = e->nm_api_start(run, e->nm_api_start_userdata); /* takes the run over */
        if (r < 0) {
                e->nm_rebuilt = false;
                e->nm_state = ENGINE_NM_FAILED;
                return r;
        }
        e->nm_api_out = true;
        e->nm_state = ENGINE_NM_PENDING;
        return 0;
}

void engine_set_nm_api_runner(Engine *e, EngineNmApiStartFn start, void *userdata) {
        e->nm_api_start = start;
        e->nm_api_start_userdata = userdata;
}

int engine_nm_api_run_done(Engine *e, ExportNmRun *run, ExportNmStats *stats) {
        NmEvents x = { .e = e, .dir = EXPORT_NM_API_DIR };
        int r, k;

        e->nm_api_out = false;
        r = export_nm_run_commit(run, e->store, stats, on_nm_event, &x);
        export_nm_run_free(run);
        if (e->nm_api_mode) {
                nm_api_state(e, &x, r);
                e->nm_rebuilt = (r >= 0 || r == -EEXIST) && (x.error == 0 || x.error == -EEXIST);
        }
        if (e->nm_api_stale) {
                e->nm_api_stale = false;
                k = engine_rebuild_exports(e, NULL); /* the changes made meanwhile, in one run */
                if (k < 0 && r >= 0 && x.error == 0)
                        x.error = k;
        }
        return r < 0 ? r : x.error;
}

int engine_rebuild_exports(Engine *e, ExportNmStats *stats) {
        NmEvents x = { .e = e, .load_all = e->nm_load_all };
        int r;

        if (e->no_export)
                return 0;
        x.dir = nm_target(e);
        if (e->nm_api_start && strcmp(x.dir, EXPORT_NM_API_DIR) == 0)
                return nm_api_start(e, stats);
        r = export_nm_rebuild_ex(e->store, x.dir, stats, on_nm_event, &x);
        nm_api_state(e, &x, r);
        if (r >= 0 || r == -EEXIST)
                e->nm_load_all = false; /* every file of ours was seen (and queued) */
        /* A foreign file in the way (-EEXIST) is reported on every run and needs no rebuild; any
         * other failure leaves files behind the store: the next push rebuilds in full. */
        e->nm_rebuilt = (r >= 0 || r == -EEXIST) && (x.error == 0 || x.error == -EEXIST);
        return r < 0 ? r : x.error;
}

int engine_update_exports(Engine *e, const char *const *roots, size_t n_roots, const char *const *old_napids,
                          size_t n_old, ExportNmStats *stats) {
        NmEvents x = { .e = e, .load_all = e->nm_load_all };
        int r;

        if (e->no_export)
                return 0;
        x.dir = nm_target(e);
        if (e->nm_api_start && strcmp(x.dir, EXPORT_NM_API_DIR) == 0)
                return nm_api_start(e, stats);
        /* Until a full rebuild has succeeded (start-up, or the directory was missing), the files
         * may lag behind the whole store, not only behind this push. */
        if (!e->nm_rebuilt || e->nm_load_all)
                return engine_rebuild_exports(e, stats);
        r = export_nm_update(e->store, x.dir, roots, n_roots, old_napids, n_old, stats, on_nm_event, &x);
        nm_api_state(e, &x, r);
        if (r < 0 && r != -EEXIST)
                e->nm_rebuilt = false;
        return r < 0 ? r : x.error;
}

int engine_take_nm_sync(Engine *e, EngineNmSync *ret) {
        *ret = e->nm_sync;
        e->nm_sync = (EngineNmSync) {};
        return (int) MIN(ret->n_paths + ret->n_notices, (size_t) INT_MAX);
}

void engine_return_nm_paths(Engine *e, EngineNmSync *s) {
        /* Not told: keep them for the next try (the notices were logged). */
        for (size_t i = 0; i < s->n_paths; i++)
                if (strv_push(&e->nm_sync.paths, &e->nm_sync.n_paths, TAKE_PTR(s->paths[i])) < 0)
                        break;
        engine_nm_sync_done(s);
}

void engine_set_nm_state(Engine *e, EngineNmState state) {
        e->nm_state = state;
}

EngineNmState engine_get_nm_state(Engine *e) {
        return e->nm_state;
}

/* What the last run through the settings API did, for ListExports (e->nm_state, nm_api_state). */
static const char *nm_api_last_run(Engine *e) {
        if (e->nm_api_out)
                return "a newer run is under way";
        switch (e->nm_state) {
        case ENGINE_NM_LOADED:
                return "it succeeded";
        case ENGINE_NM_FAILED:
                return "it failed; retried with the next change";
        default:
                return "no run has returned yet";
        }
}

int engine_foreach_export(Engine *e, ExportNmStatusFn fn, void *userdata) {
        const char *dir;

        if (e->no_export)
                return 0;
        dir = nm_target(e);
        /* Through the settings API: never NetworkManager's calls on this (the event loop's) thread,
         * which a stuck NetworkManager would hold up to EXPORT_NM_API_TIMEOUT_USEC per profile,
         * and with it every bus call (verdicts too); the records of the last run instead. */
        if (strcmp(dir, EXPORT_NM_API_DIR) == 0)
                return export_nm_status_recorded(e->store, dir, nm_api_last_run(e), fn, userdata);
        return export_nm_status(e->store, dir, fn, userdata);
}

/* DM accounts for the store from the policy's list (§1.5: roles already bounded by policy). */
static int accounts_from_policy(const PolicyResult *pr, StoreAccount *out, size_t *ret_n) {
        size_t n = 0;

        for (unsigned i = 0; i < MIN(pr->n_dm_accounts, POLICY_DM_ACCOUNTS_MAX); i++) {
                const PolicyDmAccount *a = &pr->dm_accounts[i];
                const CpCharacteristic *addr;
                const char *address;

                if (!a->provider_id)
                        continue; /* no ServerID: nothing identifies the account */
                address = cpdoc_parm_value(a->application, "ADDR");
                for (addr = a->application->children; !address && addr; addr = addr->next)
                        if (strcmp(addr->type, "APPADDR") == 0)
                                address = cpdoc_parm_value(addr, "ADDR");
                out[n++] = (StoreAccount) {
                        .server_id = a->provider_id,
                        .name = a->name,
                        .addr = address,
                        .roles = a->roles,
                };
        }
        *ret_n = n;
        return 0;
}

/*
 * The certificate operations of a policy-approved document (certstore.h), checked against the
 * administrator's entries. Return: 0 with @ret_ops/@ret_certs (the latter pointing into the
 * former); 1 the document was refused (verdict recorded in @ret); negative errno.
 */
static int cert_ops(Ctx *c, const CpDoc *doc, uint32_t roles, CertOpList *ret_ops, StoreCert **ret_certs,
                    EngineResult *ret) {
        const CertAdminList *admin = c->e->config->certs;
        _cleanup_free_ char *why = NULL;
        StoreCert *certs;
        int r;

        r = certstore_ops_from_doc(doc, roles, ret_ops, &why);
        if (r == -EBADMSG || r == -EPERM) {
                r = finish(c, VERDICT_REJECTED, r == -EPERM ? REASON_ROLE_ESCALATION : REASON_MALFORMED, roles,
                           TAKE_PTR(why), ret);
                return r < 0 ? r : 1;
        }
        if (r < 0)
                return r;
        if (ret_ops->n == 0)
                return 0;
        for (size_t i = 0; i < ret_ops->n; i++) {
                const CertOp *op = &ret_ops->items[i];
                const char *what = NULL;

                /* The administrator's word is final: a removed certificate does not come back
                 * through a document, and a document cannot delete the administrator's own. */
                if (!op->remove && certstore_admin_removed(admin, op->store, op->thumbprint))
                        what = "removed by the administrator";
                else if (op->remove && certstore_admin_find(admin, op->store, op->thumbprint))
                        what = "installed by the administrator";
                if (what) {
                        char *d = NULL;

                        if (asprintf(&d, "CertificateStore/%s/%s: %s", op->store, op->thumbprint, what) < 0)
                                d = NULL;
                        r = finish(c, VERDICT_REJECTED, REASON_POLICY_DENIED, roles, d, ret);
                        return r < 0 ? r : 1;
                }
        }
        certs = calloc(ret_ops->n, sizeof(StoreCert));
        if (!certs)
                return -ENOMEM;
        for (size_t i = 0; i < ret_ops->n; i++) {
                const CertOp *op = &ret_ops->items[i];

                certs[i] = (StoreCert) {
                        .store = op->store,
                        .thumbprint = op->thumbprint,
                        .der = op->der,
                        .der_len = op->der_len,
                        .roles = op->roles,
                        .source = c->sec == AUTH_SIGNED ? "package" : "push",
                        .subject = op->subject,
                        .not_after_usec = op->not_after_usec,
                        .remove = op->remove,
                };
        }
        *ret_certs = certs;
        return 0;
}

/*
 * Must the user confirm this approved document before it is applied?
 * Policy 4132: a NETWPIN-only push proves only knowledge of the IMSI, which is no secret; the
 * user confirms it unless ConfirmNetworkPin=no. An unsigned push that policy accepts is never
 * applied without the user's consent either (S6). A signed package is only as strong as the
 * message that installed its anchor (c->signer_strength, store_package_strength) and keeps that
 * message's rule: the user's confirmation of a NETWPIN push covered the certificate it installed,
 * not every package signed with it later, so a package whose anchor a NETWPIN push installed
 * waits under ConfirmNetworkPin=yes, and one whose anchor an unauthenticated push installed
 * always waits (issue 9, finding 6). The administrator's anchors, and those installed by
 * USERNETWPIN, USERPIN or USERPINMAC (the user typed a PIN) or by such packages, do not wait.
 */
static bool needs_confirmation(const Ctx *c, const PolicyResult *pr) {
        /* A DM session's writes: the account was confirmed (or not needed confirming) when the
         * push that created it was applied; the session itself is authenticated (dm-session). */
        if (c->sec == AUTH_DM)
                return false;
        if (c->sec == AUTH_SIGNED)
                return c->signer_strength == STORE_STRENGTH_NONE ||
                       (c->signer_strength == STORE_STRENGTH_NETWPIN && c->e->config->confirm_network_pin);
        return pr->needs_confirmation || c->sec == AUTH_NONE;
}

/*
 * The SIM a document is bound to (export-nm.h: gsm.sim-operator-id, gsm.sim-id): the one whose
 * IMSI authenticated it, so NETWPIN and USERNETWPIN only -- a PIN the user typed, an unsigned push
 * or a signed package says nothing about a SIM. The IMSI is that of the SIM the receiving modem
 * holds (sim_for, "Which SIM" in engine.h), the one engine_submit / engine_provide_pin /
 * engine_confirm just authenticated the bytes with; the modem stack's MCC+MNC and ICCID of that
 * SIM are what ctx_use_sim copied into @c. Only its
 * first 6 digits leave the Secret, and only MCC+MNC (the operator, which the network broadcasts
 * anyway) is kept: never the subscriber part (MSIN), which the network PIN is made of.
 * Return: 1 bound (@op filled, *@ret_sim_id the ICCID or NULL); 0 not bound; -ENOMEM.
 */
static int sim_binding(const Ctx *c, char op[STORE_SIM_OPERATOR_ID_MAX + 1], const char **ret_sim_id) {
        Engine *e = c->e;
        const Secret *imsi;
        const char *why;
        char head[STORE_SIM_OPERATOR_ID_MAX + 1] = {};
        const char *known = c->sim_operator && strspn(c->sim_operator, "0123456789") == strlen(c->sim_operator)
                                    ? c->sim_operator
                                    : NULL;
        int r;

        *ret_sim_id = NULL;
        /* A DM session's document keeps the binding of the document that installed its account
         * (engine_apply_dm_ex copied it into @c): the account's authority came from that SIM's
         * operator, and a DM rewrite of a bound APN must not unbind it. */
        if (c->sec == AUTH_DM) {
                if (!known || strlen(known) > STORE_SIM_OPERATOR_ID_MAX)
                        return 0;
                memcpy(op, known, strlen(known) + 1);
                if (c->sim_id && strspn(c->sim_id, "0123456789") == strlen(c->sim_id))
                        *ret_sim_id = c->sim_id;
                return 1;
        }
        if (c->sec == AUTH_SIGNED || c->sec == AUTH_NONE || !auth_needs_imsi(c->sec))
                return 0;
        imsi = sim_imsi(e, sim_for(e, c->modem, &why));
        if (!imsi || secret_size(imsi) < 5)
                return 0;
        memcpy(head, secret_acquire_ro(imsi), MIN(secret_size(imsi), (size_t) STORE_SIM_OPERATOR_ID_MAX));
        secret_release(imsi);
        r = export_nm_sim_operator_id(head, known, op);
        explicit_bzero(head, sizeof head);
        if (r <= 0)
                return 0; /* MNC length unknown (export-nm.h): not bound rather than bound wrongly */
        /* The ICCID only together with an operator id the modem stack confirmed for this SIM. */
        if (c->sim_id && known && strcmp(op, known) == 0 && strspn(c->sim_id, "0123456789") == strlen(c->sim_id))
                *ret_sim_id = c->sim_id;
        return 1;
}

/* The over-the-air values of an approved document (PolicyResult.ota) as store rows; the
 * Enabled=once closing last, so it replaces a 4111 of the same document. Return: their number. */
/* "KEY=VALUE ..." of the values an applied push set, for the log (report.c); NULL on OOM. */
static char *policy_values_text(const StorePolicyValue *v, size_t n) {
        _cleanup_free_ char *out = NULL;

        for (size_t i = 0; i < n; i++) {
                char *t;

                if (asprintf(&t, "%s%s%s=%u%s", out ?: "", out ? " " : "", v[i].key, (unsigned) v[i].value,
                             v[i].once ? " (Enabled=once closed it)" : "") < 0)
                        return NULL;
                free(out);
                out = t;
        }
        return TAKE_PTR(out);
}

static size_t policy_values(const PolicyResult *pr, StorePolicyValue out[static _OTA_KEY_MAX + 1]) {
        size_t n = 0;

        for (int k = 0; k < _OTA_KEY_MAX; k++)
                if (pr->ota.set & (1U << k))
                        out[n++] = (StorePolicyValue) { .key = ota_key_to_string((OtaKey) k),
                                                        .value = pr->ota.value[k] };
        if (pr->ota.close_bootstrap)
                out[n++] = (StorePolicyValue) { .key = ota_key_to_string(OTA_KEY_BOOTSTRAP_ENABLED), .value = 0,
                                                .once = true };
        return n;
}

/*
 * Steps 4..8 for bytes that are authenticated (or an accepted unsigned push): decode, policy,
 * export rules, replay/downgrade, then pending-confirmation or commit + export.
 * @confirmed: the user already confirmed (engine_confirm): do not ask again.
 */
static int decide(Ctx *c, bool confirmed, EngineResult *ret) {
        Engine *e = c->e;
        _cleanup_(cpdoc_freep) CpDoc *doc = NULL;
        _cleanup_(store_setting_list_done) StoreSettingList rows = {};
        _cleanup_free_ char *conflicts = NULL, *bad_root = NULL, *why = NULL;
        _cleanup_free_ PolicyResult *pr = NULL;
        StoreAccount accounts[POLICY_DM_ACCOUNTS_MAX];
        _cleanup_(certop_list_done) CertOpList ops = {};
        _cleanup_free_ StoreCert *certs = NULL;
        _cleanup_(changed_done) Changed changed = {};
        const uint8_t *doc_body = c->doc_body ? c->doc_body : c->body;
        size_t doc_len = c->doc_body ? c->doc_len : c->body_len;
        char sim_operator_id[STORE_SIM_OPERATOR_ID_MAX + 1];
        const char *sim_id = NULL;
        size_t n_accounts = 0, n_policy;
        StorePolicyValue policy[_OTA_KEY_MAX + 1];
        uint32_t auth_roles, roles;
        StoreApply a;
        uint64_t id;
        int r;

        /* MAC verified above (or no SEC and unsigned pushes accepted by policy): the bytes below
         * are authenticated. They are decoded here, by verifierd, with the fuzzed decoders;
         * nothing provd decoded is used (R3.1). */
        e->n_decoded++;
        r = decode(doc_body, doc_len, &doc, &why);
        if (r == -EBADMSG)
                return finish(c, VERDICT_REJECTED, REASON_MALFORMED, 0, TAKE_PTR(why), ret);
        if (r < 0)
                return r;
        /* A new history row shows what the authenticated document holds, not provd's claim. */
        free(c->summary);
        c->summary = summarize(doc);

        /* Roles come from the authentication outcome alone; the whole document is checked
         * against the metabase; one denied element rejects everything (§1.6). */
        pr = calloc(1, sizeof(PolicyResult));
        if (!pr)
                return -ENOMEM;
        /* A signed package's roles are exactly its SPC entry's mask (package.c found it). */
        /* A DM session's roles are exactly its account's stored roles (dm-tree.h). */
        auth_roles = c->sec == AUTH_SIGNED || c->sec == AUTH_DM ? c->signer_roles
                                                                : policy_auth_roles(e->config, c->sec);
        r = policy_evaluate(e->config, e->metabase, c->sec, auth_roles, doc, pr);
        if (r < 0)
                return r;
        roles = pr->effective_roles;
        if (pr->verdict != VERDICT_APPLIED)
                return finish(c, VERDICT_REJECTED, pr->reason, roles, denied_text(pr), ret);

        /* The exporters must be able to render what is committed: values that could break out of
         * a keyfile line are refused here, before anything is stored. */
        r = store_settings_from_doc(doc, &rows);
        if (r == -E2BIG)
                return finish(c, VERDICT_REJECTED, REASON_MALFORMED, roles, NULL, ret);
        if (r == -EOPNOTSUPP) /* an element the policy let through but nothing stores */
                return finish(c, VERDICT_REJECTED, REASON_UNSUPPORTED, roles, NULL, ret);
        if (r < 0)
                return r;
        r = export_nm_check_settings(&rows, &bad_root);
        if (r == -EBADMSG)
                return finish(c, VERDICT_REJECTED, REASON_MALFORMED, roles, TAKE_PTR(bad_root), ret);
        if (r < 0)
                return r;

        r = accounts_from_policy(pr, accounts, &n_accounts);
        if (r < 0)
                return r;

        /* Certificates: parsed only now that the policy allowed the message to touch the store
         * (Manager by default), so an unauthorised sender never reaches the DER parser. */
        r = cert_ops(c, doc, roles, &ops, &certs, ret);
        if (r != 0)
                return r < 0 ? r : 0;

        n_policy = policy_values(pr, policy);

        r = sim_binding(c, sim_operator_id, &sim_id);
        if (r < 0)
                return r;

        a = (StoreApply) {
                /* The SIM binding (store.h StoreDocument; sim_binding): the SIM ctx_use_sim
                 * resolved for the receiving modem, whose IMSI keyed the MAC; the modem is
                 * push.modem. */
                .sim_operator_id = r > 0 ? sim_operator_id : NULL,
                .sim_id = r > 0 ? sim_id : NULL,
                .push = ctx_push(c, VERDICT_APPLIED, REASON_NONE, roles, NULL),
                .doc = doc,
                .body = doc_body,
                .body_len = doc_len,
                .accounts = accounts,
                .n_accounts = n_accounts,
                .certs = certs,
                .n_certs = ops.n,
                /* A package is no stronger than the message that installed its anchor: the
                 * downgrade check and everything this document stores (certificates included,
                 * so the cap carries on to packages signed with them) use the capped strength. */
                .strength_capped = c->sec == AUTH_SIGNED || c->sec == AUTH_DM,
                .strength_cap = c->signer_strength,
                /* the over-the-air policy values, committed with the rest (ota-policy.h) */
                .policy = policy,
                .n_policy = n_policy,
                .remove_roots = c->remove_roots,
                .n_remove_roots = c->n_remove_roots,
        };
        a.push.id = c->pending_id;

        /* Replay and downgrade (S6), before the user is asked anything. */
        r = store_check_apply(e->store, &a, &conflicts);
        if (r < 0)
                return store_refusal(c, r, roles, &conflicts, ret);

        /* Confirmation (needs_confirmation above: 4132, unsigned pushes, weak anchors). */
        if (!confirmed && needs_confirmation(c, pr))
                return make_pending(c, PENDING_NEEDS_CONFIRMATION, REASON_NEEDS_CONFIRMATION, roles, c->mac, ret);

        /* The roots this push replaces, and what the APPLICATIONs and proxies among them named
         * before (the incremental export, engine_update_exports). */
        r = changed_roots(e, &rows, &changed);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_remove_roots && !e->no_export; i++) {
                /* a removed root's files go too (export_nm_update renders what is left) */
                r = strv_push(&changed.roots, &changed.n_roots, strdup(c->remove_roots[i]));
                if (r < 0)
                        return r;
                if (strncmp(c->remove_roots[i], "/APPLICATION", 12) == 0 ||
                    strncmp(c->remove_roots[i], "/PXLOGICAL", 10) == 0) {
                        r = store_foreach_setting_range(e->store, c->remove_roots[i], true, old_napid, &changed);
                        if (r < 0)
                                return r;
                }
        }

        /* Commit: one transaction, the checks above repeated inside it. */
        r = store_apply(e->store, &a, &id, &conflicts);
        if (r < 0)
                return store_refusal(c, r, roles, &conflicts, ret);
        result_set(ret, id, VERDICT_APPLIED, REASON_NONE, roles, NULL);
        /* The next push is judged by the values this one set. The store holds them already; a
         * failure to read them back keeps the old layer in memory until the next load. */
        if (n_policy > 0) {
                (void) load_policy_layer(e);
                ret->policy_set = policy_values_text(policy, n_policy);
        }

        /* Durable first, then the exports; a failure here leaves the store right and the
         * exports rebuildable (engine_rebuild_exports at start-up). */
        ret->export_error = engine_update_exports(e, (const char *const *) changed.roots, changed.n_roots,
                                                  (const char *const *) changed.napids, changed.n_napids, NULL);
        return 0;
}

/* ---- signed packages ------------------------------------------------------------------------ */

typedef struct Anchors {
        PackageAnchor *items;
        uint8_t **ders;
        size_t n;
        const CertAdminList *admin;
        int error;
} Anchors;

static void anchors_done(Anchors *a) {
        for (size_t i = 0; i < a->n; i++)
                free(a->ders[i]);
        free(a->ders);
        free(a->items);
}

static int anchors_add(Anchors *a, const uint8_t *der, size_t len, uint32_t roles, unsigned strength) {
        PackageAnchor *n;
        uint8_t **d, *copy;

        if (a->n >= PACKAGE_ANCHORS_MAX)
                return 0;
        copy = malloc(len);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, der, len);
        n = reallocarray(a->items, a->n + 1, sizeof(PackageAnchor));
        if (n)
                a->items = n;
        d = n ? reallocarray(a->ders, a->n + 1, sizeof(uint8_t *)) : NULL;
        if (!d) {
                free(copy);
                return -ENOMEM;
        }
        a->ders = d;
        a->ders[a->n] = copy;
        a->items[a->n] = (PackageAnchor) { .der = copy, .der_len = len, .roles = roles, .strength = strength };
        a->n++;
        return 0;
}

static int anchor_from_store(const StoreCert *sc, void *userdata) {
        Anchors *a = userdata;

        /* removed by the administrator: never trusted; the administrator's own entry for the
         * same certificate carries the role mask that counts */
        if (certstore_admin_removed(a->admin, sc->store, sc->thumbprint) ||
            certstore_admin_find(a->admin, sc->store, sc->thumbprint))
                return 0;
        /* A certificate from a document keeps the strength of the message that installed it
         * (certificates.strength, itself capped when a package installed it): what it signs is
         * never stronger than that message (store_package_strength). */
        return anchors_add(a, sc->der, sc->der_len, sc->roles, store_package_strength(sc->strength));
}

/* The SPC certificates: the administrator's, then the store's. */
static int collect_anchors(Engine *e, Anchors *a) {
        const CertAdminList *admin = e->config->certs;
        int r;

        a->admin = admin;
        for (size_t i = 0; admin && i < admin->n; i++) {
                const CertAdmin *ca = &admin->items[i];

                if (ca->remove || strcmp(ca->store, "SPC") != 0 ||
                    certstore_admin_removed(admin, ca->store, ca->thumbprint))
                        continue;
                /* the administrator's certificates are configuration: full strength */
                r = anchors_add(a, ca->der, ca->der_len, ca->roles, STORE_STRENGTH_SIGNED);
                if (r < 0)
                        return r;
        }
        r = store_foreach_certificate(e->store, "SPC", anchor_from_store, a);
        return r < 0 ? r : 0;
}

/* Verify a package (the bytes in @c) and decide its content with the signer's roles and
 * strength. @confirmed: the user confirmed it (engine_confirm of a pending package). */
static int run_package(Ctx *c, bool confirmed, EngineResult *ret) {
        _cleanup_(anchors_done) Anchors anchors = {};
        _cleanup_(package_result_done) PackageResult pr = {};
        int r;

        r = collect_anchors(c->e, &anchors);
        if (r < 0)
                return r;
        /* S12: the size cap, CMS parse, chain to SPC only, key usage, signature (package.c). */
        r = package_verify(c->body, c->body_len, anchors.items, anchors.n, now(c->e) / 1000000ULL, &pr);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                char *d = pr.detail[0] ? strdup(pr.detail) : NULL;

                return finish(c, VERDICT_REJECTED, pr.reason, 0, d, ret);
        }
        /* Signature verified: the content below is authenticated, and its roles are exactly the
         * SPC entry's mask; nothing provd or the package says adds a role. */
        c->sec = AUTH_SIGNED;
        c->doc_body = pr.content;
        c->doc_len = pr.content_len;
        c->signer_roles = pr.roles;
        c->signer_strength = store_package_strength(pr.strength);
        r = decide(c, confirmed, ret);
        c->doc_body = NULL;
        return r;
}

int engine_install(Engine *e, const uint8_t *package, size_t len, const char *transport, EngineResult *ret) {
        _cleanup_(ctx_done) Ctx c = {};
        int r;

        refresh_config(e);

        if (!package || len == 0)
                return -EINVAL;
        if (len > ENGINE_PACKAGE_MAX)
                return -E2BIG;
        (void) engine_expire(e, 0);
        c = (Ctx) {
                .e = e,
                .body = package,
                .body_len = len,
                .sec = AUTH_SIGNED,
                .content_kind = WSP_CONTENT_PKCS7,
                .received_usec = now(e),
                .transport = display_text(transport, ENGINE_TRANSPORT_MAX),
                .content_type = strdup(content_type_of(WSP_CONTENT_PKCS7)),
        };
        if ((transport && !c.transport) || !c.content_type)
                return -ENOMEM;
        r = store_digest_hex(package, len, c.digest);
        if (r < 0)
                return r;
        return run_package(&c, false, ret);
}

/* ---- OMA DM sessions (dm-tree.h) ------------------------------------------------------------ */

typedef struct AccountPush {
        const char *server_id;
        uint64_t push_id;
} AccountPush;

static int account_push(const StoreAccount *a, void *userdata) {
        AccountPush *p = userdata;

        if (!a->server_id || strcmp(a->server_id, p->server_id) != 0)
                return 0;
        p->push_id = a->push_id;
        return 1;
}

/* The SIM binding of the document that installed account @server_id (NULLs: none, or no such
 * account: a DM document is then not bound). Return: 0 or negative errno. */
static int dm_account_binding(Engine *e, const char *server_id, char **ret_operator, char **ret_sim_id) {
        AccountPush p = { .server_id = server_id };
        int r;

        r = store_foreach_account(e->store, account_push, &p);
        if (r < 0)
                return r;
        if (p.push_id == 0)
                return 0;
        r = store_get_document_sim(e->store, p.push_id, ret_operator, ret_sim_id);
        return r == -ESRCH ? 0 : r;
}

int engine_apply_dm(Engine *e, const uint8_t *xml, size_t len, const char *server_id, uint32_t roles,
                    unsigned strength, EngineResult *ret) {
        return engine_apply_dm_ex(e, xml, len, server_id, roles, strength, NULL, 0, ret);
}

int engine_apply_dm_ex(Engine *e, const uint8_t *xml, size_t len, const char *server_id, uint32_t roles,
                       unsigned strength, const char *const *remove_roots, size_t n_remove_roots,
                       EngineResult *ret) {
        _cleanup_(ctx_done) Ctx c = {};
        int r;

        if (!e || !xml || len == 0 || !server_id || !ret || (n_remove_roots > 0 && !remove_roots))
                return -EINVAL;
        if (len > ENGINE_BODY_MAX)
                return -E2BIG;
        refresh_config(e);
        (void) engine_expire(e, 0);
        /* Security invariant: @xml is a document dm-tree.c built from the store and the DM
         * server's commands; it is decoded and judged like any push (decide): the metabase with
         * exactly the account's roles, the bounded-ROLE rule, the downgrade rule at the account's
         * strength (never more than the message that created the account). */
        c = (Ctx) {
                .e = e,
                .body = xml,
                .body_len = len,
                .sec = AUTH_DM,
                .content_kind = WSP_CONTENT_CP_XML,
                .received_usec = now(e),
                .sender = display_text(server_id, ENGINE_SENDER_MAX),
                .transport = strdup("dm"),
                .content_type = strdup(content_type_of(WSP_CONTENT_CP_XML)),
                .signer_roles = roles,
                .signer_strength = MIN(strength, (unsigned) STORE_STRENGTH_SIGNED),
                .remove_roots = remove_roots,
                .n_remove_roots = n_remove_roots,
        };
        if (!c.sender || !c.transport || !c.content_type)
                return -ENOMEM;
        r = dm_account_binding(e, server_id, &c.sim_operator, &c.sim_id);
        if (r < 0)
                return r;
        r = store_digest_hex(xml, len, c.digest);
        if (r < 0)
                return r;
        return decide(&c, true, ret);
}

typedef struct CertList {
        const CertAdminList *admin;
        EngineCertFn fn;
        void *userdata;
        int n;
} CertList;

static int list_store_cert(const StoreCert *sc, void *userdata) {
        CertList *l = userdata;
        EngineCert ec = {
                .thumbprint = sc->thumbprint,
                .subject = sc->subject ? sc->subject : "",
                .store = sc->store,
                .source = sc->source ? sc->source : "push",
                .roles = sc->roles,
                .not_after_usec = sc->not_after_usec,
                .push_id = sc->push_id,
                .sec = sc->sec,
                .der = sc->der,
                .der_len = sc->der_len,
        };

        if (certstore_admin_removed(l->admin, sc->store, sc->thumbprint))
                return 0;
        l->n++;
        return l->fn(&ec, l->userdata);
}

int engine_foreach_certificate(Engine *e, EngineCertFn fn, void *userdata) {
        const CertAdminList *admin = e->config->certs;
        CertList l = { .admin = admin, .fn = fn, .userdata = userdata };
        int r;

        for (size_t i = 0; admin && i < admin->n; i++) {
                const CertAdmin *ca = &admin->items[i];
                EngineCert ec = {
                        .thumbprint = ca->thumbprint,
                        .subject = ca->subject ? ca->subject : "",
                        .store = ca->store,
                        .source = "admin",
                        .roles = ca->roles,
                        .not_after_usec = ca->not_after_usec,
                        .sec = -1,
                        .der = ca->der,
                        .der_len = ca->der_len,
                };

                if (ca->remove || certstore_admin_removed(admin, ca->store, ca->thumbprint))
                        continue;
                l.n++;
                r = fn(&ec, userdata);
                if (r != 0)
                        return r < 0 ? r : l.n;
        }
        r = store_foreach_certificate(e->store, NULL, list_store_cert, &l);
        return r < 0 ? r : l.n;
}

/* ---- entry points ------------------------------------------------------------------------- */

int engine_submit(Engine *e, const EngineSubmission *s, EngineResult *ret) {
        _cleanup_(ctx_done) Ctx c = {};
        const Config *cfg = e->config;
        const Secret *imsi;
        const char *why = NULL;
        uint8_t mac[AUTH_MAC_LEN];
        bool oom;
        int r;

        refresh_config(e);

        if (!s || !s->body || s->body_len > ENGINE_BODY_MAX)
                return -EINVAL;

        (void) engine_expire(e, 0); /* expired pushes leave the pending cap first */

        /* Nothing provd said beyond the bytes is trusted: sender, transport, content type and
         * summary are display text only (sanitised and cut here); SEC and MAC only select how
         * the bytes are checked.
         * Issue 9, finding 3: verifierd runs as root, so it decodes only bytes it has
         * authenticated (decide(), after the MAC or signature verified, or an unsigned push
         * the administrator's policy accepts). A push rejected before that keeps nothing of
         * its content in the history (sender, time, digest and reason only); provd's summary
         * is kept only while a push waits for a PIN, labelled "(unverified)". */
        c = (Ctx) {
                .e = e,
                .body = s->body,
                .body_len = s->body_len,
                .sec = s->sec,
                .content_kind = s->content_kind,
                .mac = s->mac,
                .received_usec = s->received_usec ? s->received_usec : now(e),
                .sender = display_text(s->sender, ENGINE_SENDER_MAX),
                .transport = display_text(s->transport, ENGINE_TRANSPORT_MAX),
                .content_type = display_text(s->content_type ?: content_type_of(s->content_kind),
                                             ENGINE_CONTENT_TYPE_MAX),
                /* an object path (ipc_modem_valid), only a name to look a SIM up by */
                .modem = s->modem && *s->modem ? strdup(s->modem) : NULL,
        };
        if ((s->sender && !c.sender) || (s->transport && !c.transport) || !c.content_type ||
            (s->modem && *s->modem && !c.modem))
                return -ENOMEM;
        r = store_digest_hex(s->body, s->body_len, c.digest);
        if (r < 0)
                return r;

        /* Step 1: the gates that need no document. */
        if (s->sec != AUTH_NONE && (s->sec < 0 || s->sec >= _AUTH_SEC_MAX)) {
                c.sec = AUTH_NONE; /* an impossible SEC is recorded as none, and refused */
                return finish(&c, VERDICT_REJECTED, REASON_MALFORMED, 0, NULL, ret);
        }
        if (!cfg->bootstrap_enabled)
                return finish(&c, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED, 0, NULL, ret);
        if (s->content_kind == WSP_CONTENT_PKCS7) {
                /* A signed package over the air: its signature is its only authentication; the
                 * SEC and MAC provd reports are not used, nor is provd's summary. */
                c.sec = AUTH_SIGNED;
                return run_package(&c, false, ret);
        }
        if (s->sec == AUTH_NONE && !cfg->accept_unauthenticated)
                return finish(&c, VERDICT_REJECTED, REASON_UNAUTHENTICATED, 0, NULL, ret);
        if (s->sec != AUTH_NONE && !cfg->accept_sec[s->sec])
                return finish(&c, VERDICT_REJECTED, REASON_POLICY_DENIED, 0, NULL, ret);
        if (s->content_kind != WSP_CONTENT_CP_WBXML && s->content_kind != WSP_CONTENT_CP_XML)
                /* Signed packages take their own path (Install), never this one. */
                return finish(&c, VERDICT_REJECTED, REASON_MALFORMED, 0, NULL, ret);
        /* §5.6 step 1: SEC 0..2 without a well-formed MAC is refused outright. */
        if (s->sec != AUTH_NONE && auth_needs_mac(s->sec) && auth_mac_from_hex(s->mac, mac) < 0)
                return finish(&c, VERDICT_REJECTED, REASON_BAD_MAC, 0, NULL, ret);

        /* Step 2: the network PIN is the IMSI of the SIM in the modem that received the push
         * (issue 10 point 7; "Which SIM" in engine.h). Without it no key exists; the push is
         * refused like any other authentication failure (R3.4: one answer to the sender), and
         * the history, which only root and group provboot read, says why. */
        imsi = ctx_use_sim(&c, &why, &oom);
        if (oom)
                return -ENOMEM;
        if (s->sec != AUTH_NONE && auth_needs_imsi(s->sec) && !imsi)
                return finish(&c, VERDICT_REJECTED, REASON_BAD_MAC, 0, no_sim_text(why), ret);

        /* Step 3: authenticate the exact bytes. */
        if (s->sec != AUTH_NONE && auth_needs_pin(s->sec)) {
                /* The PIN comes later from the user (engine_provide_pin). The bytes are NOT
                 * authenticated yet, so verifierd does not decode them (finding 3): the user sees
                 * provd's summary, labelled unverified, until the PIN authenticates the bytes. */
                unsigned left;

                /* PIN attempts belong to the bytes (finding 10): a copy whose digest used them
                 * all is refused without asking anyone. */
                r = attempts_left(e, c.digest, &left);
                if (r < 0)
                        return r;
                if (left == 0)
                        return finish(&c, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED, 0, NULL, ret);
                if (s->summary) {
                        c.unverified_summary = unverified_lines(s->summary);
                        if (!c.unverified_summary)
                                return -ENOMEM;
                }
                return make_pending(&c, PENDING_NEEDS_PIN, REASON_NEEDS_PIN, 0, c.mac, ret);
        }
        if (s->sec == AUTH_NETWPIN) {
                r = auth_verify(s->sec, s->body, s->body_len, s->mac, imsi, NULL);
                if (r < 0)
                        /* §5.6 step 2: discard; nothing decoded, nothing applied. */
                        return finish(&c, VERDICT_REJECTED, REASON_BAD_MAC, 0, NULL, ret);
        }
        /* Authenticated (NETWPIN) or unsigned and accepted by policy: steps 4..8. */
        return decide(&c, false, ret);
}

/* Load a pending push into a context; handles expiry. Return: 0, 1 expired (verdict in @ret), -errno. */
static int ctx_from_pending(Engine *e, uint64_t id, Ctx *c, StorePending **ret_p, EngineResult *ret) {
        _cleanup_(store_pending_freep) StorePending *p = NULL;
        int r;

        r = store_get_pending(e->store, id, &p);
        if (r < 0)
                return r;
        *c = (Ctx) {
                .e = e,
                .pending_id = id,
                .body = p->body,
                .body_len = p->body_len,
                .sec = p->sec,
                .content_kind = p->content_kind,
                .mac = p->mac,
                .received_usec = p->received_usec,
                .sender = p->sender ? strdup(p->sender) : NULL,
                .transport = p->transport ? strdup(p->transport) : NULL,
                .content_type = p->content_type ? strdup(p->content_type) : NULL,
                .summary = p->summary ? strdup(p->summary) : NULL,
                .modem = p->modem ? strdup(p->modem) : NULL,
        };
        if ((p->sender && !c->sender) || (p->transport && !c->transport) ||
            (p->content_type && !c->content_type) || (p->summary && !c->summary) || (p->modem && !c->modem))
                return -ENOMEM;
        if (p->digest)
                snprintf(c->digest, sizeof c->digest, "%s", p->digest);
        if (p->expires_usec <= now(e)) {
                r = finish(c, VERDICT_EXPIRED, REASON_EXPIRED, 0, NULL, ret);
                if (r < 0)
                        return r;
                return 1;
        }
        *ret_p = TAKE_PTR(p);
        return 0;
}

int engine_provide_pin(Engine *e, uint64_t id, const Secret *pin, EngineResult *ret) {
        _cleanup_(store_pending_freep) StorePending *p = NULL;
        _cleanup_(ctx_done) Ctx c = {};
        const Config *cfg = e->config;
        const Secret *imsi;
        const char *why;
        unsigned attempts;
        bool oom;
        int r;

        refresh_config(e);

        if (!pin)
                return -EINVAL;
        r = ctx_from_pending(e, id, &c, &p, ret);
        if (r != 0)
                return r < 0 ? r : 0;
        if (p->state != PENDING_NEEDS_PIN)
                return -EBUSY;
        /* The SIM of the modem the push arrived on, as it is now. */
        imsi = ctx_use_sim(&c, &why, &oom);
        if (oom)
                return -ENOMEM;
        if (auth_needs_imsi(p->sec) && !imsi)
                return -ENOKEY; /* USERNETWPIN without a SIM: no attempt is spent */

        /* Count the attempt durably BEFORE checking the PIN: a crash or restart after a wrong
         * guess cannot hand the guesser another try. */
        r = store_pending_use_attempt(e->store, id, cfg->pin_attempts, now(e), &attempts);
        if (r == -EDQUOT)
                return finish(&c, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED, 0, NULL, ret);
        if (r < 0)
                return r;

        /* The exact stored bytes, the stored MAC, the PIN as typed (a Secret), the current IMSI.
         * Every failure is one answer, whatever its cause (R3.4). */
        r = auth_verify(p->sec, p->body, p->body_len, p->mac, imsi, pin);
        if (r < 0) {
                if (attempts >= cfg->pin_attempts)
                        r = finish(&c, VERDICT_REJECTED, REASON_PIN_ATTEMPTS_EXCEEDED, 0, NULL, ret);
                else {
                        result_set(ret, id, VERDICT_PENDING, REASON_NEEDS_PIN, 0, NULL);
                        ret->attempts_left = cfg->pin_attempts - attempts;
                        r = 0;
                }
                if (r < 0)
                        return r;
                ret->pin_rejected = true;
                return 0;
        }
        /* MAC verified with the user's PIN: the stored bytes are authenticated. */
        return decide(&c, false, ret);
}

int engine_confirm(Engine *e, uint64_t id, EngineResult *ret) {
        _cleanup_(store_pending_freep) StorePending *p = NULL;
        _cleanup_(ctx_done) Ctx c = {};
        int r;

        refresh_config(e);

        r = ctx_from_pending(e, id, &c, &p, ret);
        if (r != 0)
                return r < 0 ? r : 0;
        if (p->state != PENDING_NEEDS_CONFIRMATION)
                return -EBUSY;

        /* Still allowed at all? The configuration may have changed while the push waited. */
        if (!e->config->bootstrap_enabled)
                return finish(&c, VERDICT_REJECTED, REASON_BOOTSTRAP_DISABLED, 0, NULL, ret);

        /* A signed package waits when its anchor is weak (needs_confirmation): verify it again
         * against the SPC certificates of now (one may have been removed or replaced while it
         * waited), with the strength of its anchor of now. */
        if (p->sec == AUTH_SIGNED)
                return run_package(&c, true, ret);

        /* Authenticate again: the SIM may have changed since (the network PIN is the IMSI of the
         * SIM present now), and the pending table is only as trusted as the disk. */
        if (p->sec != AUTH_NONE) {
                const char *why;
                bool oom;
                const Secret *imsi = ctx_use_sim(&c, &why, &oom); /* the receiving modem's SIM now */

                if (oom)
                        return -ENOMEM;
                if (auth_needs_imsi(p->sec) && !imsi)
                        return -ENOKEY;
                if (auth_needs_pin(p->sec))
                        return -EBUSY; /* never stored in this state; refuse rather than guess */
                r = auth_verify(p->sec, p->body, p->body_len, p->mac, imsi, NULL);
                if (r < 0)
                        return finish(&c, VERDICT_REJECTED, REASON_BAD_MAC, 0, NULL, ret);
        }
        return decide(&c, true, ret);
}

int engine_discard(Engine *e, uint64_t id) {
        /* an expired push is expired (and reported so), not discarded */
        (void) engine_expire(e, 0);
        return store_finish_pending(e->store, id, VERDICT_REJECTED, REASON_DISCARDED, 0, NULL, NULL, now(e));
}

void engine_set_verdict_hook(Engine *e, EngineVerdictFn fn, void *userdata) {
        e->verdict_hook = fn;
        e->verdict_hook_userdata = userdata;
}

int engine_expire(Engine *e, uint64_t now_usec) {
        _cleanup_free_ uint64_t *ids = NULL;
        int n;

        refresh_config(e);

        n = store_expire(e->store, now_usec ? now_usec : now(e), &ids);
        /* Point 9: an expired push is a verdict like any other; the hook journals and signals
         * it (the history row is written already, in store_expire's transaction). */
        for (int i = 0; n > 0 && ids && i < n && e->verdict_hook; i++) {
                EngineResult res = { .id = ids[i], .verdict = VERDICT_EXPIRED, .reason = REASON_EXPIRED };

                e->verdict_hook(&res, e->verdict_hook_userdata);
        }
        return n;
}

/* ---- what a pending push would change (engine_pending_document) ----------------------------- */

const char *engine_change_kind_to_string(EngineChangeKind k) {
        static const char *const t[_ENGINE_CHANGE_MAX] = {
                [ENGINE_CHANGE_UNCHANGED] = "unchanged",
                [ENGINE_CHANGE_ADDED] = "added",
                [ENGINE_CHANGE_CHANGED] = "changed",
                [ENGINE_CHANGE_REMOVED] = "removed",
        };
        return k < _ENGINE_CHANGE_MAX ? t[k] : NULL;
}

/* One row of the answer, owning its strings. */
typedef struct ChangeRow {
        EngineGroupRank rank;
        char *group, *chpath, *name, *value, *old_value;
        EngineChangeKind kind;
        size_t ord;                     /* document order, for a stable sort within a group */
} ChangeRow;

typedef struct ChangeList {
        ChangeRow *items;
        size_t n, cap;
} ChangeList;

static void change_list_done(ChangeList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].group);
                free(l->items[i].chpath);
                free(l->items[i].name);
                free(l->items[i].value);
                free(l->items[i].old_value);
        }
        free(l->items);
        *l = (ChangeList) {};
}

static int change_add(ChangeList *l, EngineGroupRank rank, const char *group, const char *chpath, const char *name,
                      const char *value, const char *old_value, EngineChangeKind kind) {
        ChangeRow *it;

        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 32;
                ChangeRow *n = reallocarray(l->items, cap, sizeof(ChangeRow));

                if (!n)
                        return -ENOMEM;
                l->items = n;
                l->cap = cap;
        }
        it = &l->items[l->n];
        *it = (ChangeRow) { .rank = rank, .kind = kind, .ord = l->n };
        l->n++; /* counted first: change_list_done frees a partly filled row */
        it->group = strdup(group);
        it->chpath = strdup(chpath ?: "");
        it->name = strdup(name ?: "");
        it->value = value ? strdup(value) : NULL;
        it->old_value = old_value ? strdup(old_value) : NULL;
        if (!it->group || !it->chpath || !it->name || (value && !it->value) || (old_value && !it->old_value))
                return -ENOMEM;
        return 0;
}

static int change_cmp(const void *a, const void *b) {
        const ChangeRow *x = a, *y = b;

        if (x->rank != y->rank)
                return x->rank < y->rank ? -1 : 1;
        return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* The value of parm @name of the characteristic @chpath among @rows, or NULL. */
static const char *row_parm(const StoreSettingList *rows, const char *chpath, const char *name) {
        for (size_t i = 0; i < rows->n; i++)
                if (rows->items[i].parm && strcmp(rows->items[i].chpath, chpath) == 0 &&
                    strcmp(rows->items[i].parm, name) == 0)
                        return rows->items[i].value;
        return NULL;
}

/* What a root configures, as common/summary.h ranks it: network-level first. */
static int root_group(const StoreSettingList *rows, const StoreSetting *root, char **ret_label) {
        const char *t = root->ctype, *appid;
        EngineGroupRank rank = ENGINE_GROUP_OTHER;

        *ret_label = NULL;
        if (strcmp(t, "NAPDEF") == 0)
                rank = ENGINE_GROUP_NAPDEF;
        else if (strncmp(t, "PX", 2) == 0)
                rank = ENGINE_GROUP_PROXY;
        else if (strcmp(t, "BOOTSTRAP") == 0)
                rank = ENGINE_GROUP_BOOTSTRAP;
        else if (strcmp(t, "SecurityPolicy") == 0)
                rank = ENGINE_GROUP_POLICY;
        else if (strcmp(t, "APPLICATION") == 0) {
                char esc[DISPLAY_ESCAPE_SIZE(CPDOC_NAME_MAX)];

                appid = row_parm(rows, root->path, "APPID");
                if (appid && strcmp(appid, "w4") == 0)
                        rank = ENGINE_GROUP_MMS;
                else if (appid && strcmp(appid, "w7") == 0)
                        rank = ENGINE_GROUP_DM;
                else if (row_parm(rows, root->path, "TO-PROXY") || row_parm(rows, root->path, "TO-NAPID"))
                        rank = ENGINE_GROUP_ROUTED_APP;
                /* the APPID is document text: escaped, and cut like a name */
                if (asprintf(ret_label, "APPLICATION %s",
                             appid ? display_escape(appid, esc, sizeof esc) : "(no APPID)") < 0) {
                        *ret_label = NULL;
                        return -ENOMEM;
                }
                return rank;
        }
        *ret_label = strdup(t);
        return *ret_label ? (int) rank : -ENOMEM;
}

/* The rows applied now under one root (exact match: store_foreach_setting takes a prefix). */
typedef struct RootRows {
        const char *root;
        StoreSettingList *out;
        int error;
} RootRows;

static int keep_root_row(const StoreSetting *s, void *userdata) {
        RootRows *rr = userdata;
        StoreSettingList *l = rr->out;
        StoreSetting *n, *it;

        if (!s->parm || strcmp(s->root, rr->root) != 0)
                return 0;
        n = reallocarray(l->items, l->n + 1, sizeof(StoreSetting));
        if (!n)
                return -ENOMEM;
        l->items = n;
        it = &l->items[l->n];
        *it = (StoreSetting) {};
        l->n++;
        it->root = strdup(s->root);
        it->path = strdup(s->path);
        it->chpath = strdup(s->chpath);
        it->ctype = strdup(s->ctype ?: "");
        it->parm = strdup(s->parm);
        it->value = s->value ? strdup(s->value) : NULL;
        if (!it->root || !it->path || !it->chpath || !it->ctype || !it->parm || (s->value && !it->value))
                return -ENOMEM;
        return 0;
}

/* The diff of one root: the document's values, then those applied now that it drops. */
static int diff_root(Engine *e, const StoreSettingList *rows, const StoreSetting *root, ChangeList *out) {
        _cleanup_(store_setting_list_done) StoreSettingList cur = {};
        _cleanup_free_ char *label = NULL;
        _cleanup_free_ bool *matched = NULL;
        RootRows rr = { .root = root->root, .out = &cur };
        EngineGroupRank rank;
        int r;

        r = root_group(rows, root, &label);
        if (r < 0)
                return r;
        rank = (EngineGroupRank) r;
        r = store_foreach_setting(e->store, root->root, keep_root_row, &rr);
        if (r < 0)
                return r;
        matched = calloc(cur.n ? cur.n : 1, sizeof(bool));
        if (!matched)
                return -ENOMEM;
        for (size_t i = 0; i < rows->n; i++) {
                const StoreSetting *it = &rows->items[i];
                const StoreSetting *old = NULL;
                EngineChangeKind kind = ENGINE_CHANGE_ADDED;

                if (!it->parm || strcmp(it->root, root->root) != 0)
                        continue;
                /* paths are unique and name each repetition (store.h): same path, same setting */
                for (size_t k = 0; k < cur.n && !old; k++)
                        if (!matched[k] && strcmp(cur.items[k].path, it->path) == 0) {
                                old = &cur.items[k];
                                matched[k] = true;
                        }
                if (old)
                        kind = streq_ptr(old->value, it->value) ? ENGINE_CHANGE_UNCHANGED : ENGINE_CHANGE_CHANGED;
                r = change_add(out, rank, label, it->chpath, it->parm, it->value, old ? old->value : NULL, kind);
                if (r < 0)
                        return r;
        }
        for (size_t k = 0; k < cur.n; k++)
                if (!matched[k]) {
                        r = change_add(out, rank, label, cur.items[k].chpath, cur.items[k].parm, NULL,
                                       cur.items[k].value, ENGINE_CHANGE_REMOVED);
                        if (r < 0)
                                return r;
                }
        return 0;
}

typedef struct CertFind {
        const char *thumbprint;
        bool found;
        uint32_t roles;
} CertFind;

static int find_cert(const StoreCert *sc, void *userdata) {
        CertFind *f = userdata;

        if (strcasecmp(sc->thumbprint, f->thumbprint) != 0)
                return 0;
        f->found = true;
        f->roles = sc->roles;
        return 1;
}

/* The certificates a document installs or deletes (CertificateStore is not a settings row). */
static int diff_certificates(Engine *e, const CpDoc *doc, uint32_t roles, ChangeList *out) {
        _cleanup_(certop_list_done) CertOpList ops = {};
        _cleanup_free_ char *why = NULL;
        int r;

        r = certstore_ops_from_doc(doc, roles, &ops, &why);
        if (r == -EPERM)
                r = -EBADMSG; /* it passed at submission with these roles: the store changed under it */
        if (r < 0)
                return r;
        for (size_t i = 0; i < ops.n; i++) {
                const CertOp *op = &ops.items[i];
                CertFind f = { .thumbprint = op->thumbprint };
                char chpath[CERTSTORE_NAME_MAX + 32], value[512], old[64], expiry[CERTSTORE_TIME_MAX];
                EngineChangeKind kind;

                r = store_foreach_certificate(e->store, op->store, find_cert, &f);
                if (r < 0)
                        return r;
                snprintf(chpath, sizeof chpath, "/CertificateStore/%s", op->store);
                snprintf(old, sizeof old, "roles %u", f.roles);
                if (op->remove) {
                        r = change_add(out, ENGINE_GROUP_CERTIFICATES, "CertificateStore", chpath, op->thumbprint, NULL,
                                       f.found ? old : NULL, ENGINE_CHANGE_REMOVED);
                } else {
                        kind = !f.found ? ENGINE_CHANGE_ADDED : f.roles == op->roles ? ENGINE_CHANGE_UNCHANGED
                                                                                  : ENGINE_CHANGE_CHANGED;
                        snprintf(value, sizeof value, "roles %u, until %s, %s", op->roles,
                                 certstore_format_time(op->not_after_usec, expiry, sizeof expiry),
                                 op->subject ?: "(no subject)");
                        r = change_add(out, ENGINE_GROUP_CERTIFICATES, "CertificateStore", chpath, op->thumbprint, value,
                                       f.found ? old : NULL, kind);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The over-the-air policy values of the document (ota-policy.h) against those in force. */
static int diff_policy(Engine *e, const CpDoc *doc, ChangeList *out) {
        for (const CpCharacteristic *c = doc->chars; c; c = c->next) {
                if (strcmp(c->type, OTA_SECURITY_POLICY) != 0)
                        continue;
                for (const CpParm *p = c->parms; p; p = p->next) {
                        char old[16];
                        uint32_t v;
                        OtaKey k;
                        int r;

                        if (ota_policy_parse(p->name, p->value, &k, &v) < 0)
                                return -EBADMSG; /* it passed at submission: refuse rather than guess */
                        snprintf(old, sizeof old, "%" PRIu32, ota_key_get(e->config, k));
                        r = change_add(out, ENGINE_GROUP_POLICY, OTA_SECURITY_POLICY, "/SecurityPolicy", p->name,
                                       p->value, old,
                                       v == ota_key_get(e->config, k) ? ENGINE_CHANGE_UNCHANGED : ENGINE_CHANGE_CHANGED);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int engine_pending_document(Engine *e, uint64_t id, EngineChangeFn fn, void *userdata) {
        _cleanup_(store_pending_freep) StorePending *p = NULL;
        _cleanup_(anchors_done) Anchors anchors = {};
        _cleanup_(package_result_done) PackageResult pkg = {};
        _cleanup_(cpdoc_freep) CpDoc *doc = NULL;
        _cleanup_(store_setting_list_done) StoreSettingList rows = {};
        _cleanup_(change_list_done) ChangeList out = {};
        const uint8_t *doc_body;
        size_t doc_len;
        int r;

        refresh_config(e);

        (void) engine_expire(e, 0);
        r = store_get_pending(e->store, id, &p);
        if (r < 0)
                return r;
        /* Security invariant (issue 9 finding 3): verifierd decodes only bytes it authenticated.
         * A push waiting for its PIN is not authenticated: its document is never decoded here;
         * the user sees provd's summary of it, labelled unverified. */
        if (p->state != PENDING_NEEDS_CONFIRMATION)
                return -EBUSY;
        /* The pending table is only as trusted as the disk: authenticate again, as engine_confirm
         * does, before anything reaches the decoder. */
        if (p->sec == AUTH_SIGNED) {
                r = collect_anchors(e, &anchors);
                if (r < 0)
                        return r;
                r = package_verify(p->body, p->body_len, anchors.items, anchors.n, now(e) / 1000000ULL, &pkg);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return -EKEYREJECTED;
                doc_body = pkg.content;
                doc_len = pkg.content_len;
        } else if (p->sec == AUTH_NONE) {
                /* unsigned: decoded only while the administrator's policy accepts such pushes */
                if (!e->config->accept_unauthenticated)
                        return -EPERM;
                doc_body = p->body;
                doc_len = p->body_len;
        } else {
                const char *why;
                /* the SIM of the modem the push arrived on, now (sim_for; "Which SIM" in engine.h) */
                const Secret *imsi = sim_imsi(e, sim_for(e, p->modem, &why));

                if (p->sec < 0 || p->sec >= _AUTH_SEC_MAX || auth_needs_pin(p->sec))
                        return -EBUSY; /* never stored in this state; refuse rather than guess */
                if (auth_needs_imsi(p->sec) && !imsi)
                        return -ENOKEY;
                r = auth_verify(p->sec, p->body, p->body_len, p->mac, imsi, NULL);
                if (r < 0)
                        return -EKEYREJECTED;
                doc_body = p->body;
                doc_len = p->body_len;
        }
        e->n_decoded++;
        r = decode(doc_body, doc_len, &doc, NULL);
        if (r < 0)
                return r;
        r = store_settings_from_doc(doc, &rows);
        if (r == -E2BIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        /* every root the document names, in document order: it replaces each as a unit */
        for (size_t i = 0; i < rows.n; i++)
                if (!rows.items[i].parm && strcmp(rows.items[i].path, rows.items[i].root) == 0) {
                        r = diff_root(e, &rows, &rows.items[i], &out);
                        if (r < 0)
                                return r;
                }
        r = diff_certificates(e, doc, p->roles, &out);
        if (r < 0)
                return r;
        r = diff_policy(e, doc, &out);
        if (r < 0)
                return r;
        /* network-level groups first; document order within a group */
        if (out.n > 1)
                qsort(out.items, out.n, sizeof(ChangeRow), change_cmp);
        for (size_t i = 0; i < out.n; i++) {
                const ChangeRow *it = &out.items[i];
                EngineChange c = {
                        .group = it->group,
                        .rank = it->rank,
                        .chpath = it->chpath,
                        .name = it->name,
                        .value = it->value,
                        .old_value = it->old_value,
                        .kind = it->kind,
                };

                r = fn(&c, userdata);
                if (r < 0)
                        return r;
        }
        return (int) out.n;
}

int engine_foreach_push(Engine *e, uint64_t before_id, unsigned limit, StorePushFn fn, void *userdata) {
        return store_foreach_push(e->store, before_id, limit, fn, userdata);
}

int engine_get_push(Engine *e, uint64_t id, StorePushFn fn, void *userdata) {
        return store_get_push(e->store, id, fn, userdata);
}

int engine_foreach_pending(Engine *e, StorePendingFn fn, void *userdata) {
        return store_foreach_pending(e->store, fn, userdata);
}

int engine_get_pending(Engine *e, uint64_t id, StorePendingFn fn, void *userdata) {
        _cleanup_(store_pending_freep) StorePending *p = NULL;
        int r;

        r = store_get_pending(e->store, id, &p);
        if (r < 0)
                return r;
        r = fn(p, userdata);
        return r < 0 ? r : 0;
}

int engine_foreach_setting(Engine *e, const char *root_prefix, StoreSettingFn fn, void *userdata) {
        return store_foreach_setting(e->store, root_prefix, fn, userdata);
}

int engine_foreach_setting_range(Engine *e, const char *root_prefix, bool exact, StoreSettingFn fn, void *userdata) {
        return store_foreach_setting_range(e->store, root_prefix, exact, fn, userdata);
}

int engine_foreach_account(Engine *e, StoreAccountFn fn, void *userdata) {
        return store_foreach_account(e->store, fn, userdata);
}
