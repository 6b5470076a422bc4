/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agent.c: verifierd's client of the registered org.provboot.Agent1 (RequestPin,
 * RequestConfirmation), the registration itself (RegisterAgent / UnregisterAgent, whose caller
 * check bus-object.c runs), and the watch that forgets an agent whose connection has gone.
 *
 * Trust: the agent is a program of root or group provboot; its answers count as the user's and
 * go through the same per-uid PIN back-off as ProvidePin (pin-backoff.c). What it is shown comes
 * from the store, as ListPending shows it (bus-object.c pending_summary): provd's words only
 * labelled "(unverified)". A NameOwnerChanged is believed only from the bus driver (ipc/buswatch.h;
 * issue 9 finding 1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buswatch.h"
#include "log.h"
#include "macros.h"
#include "manager.h"
#include "secret.h"
#include "verdict.h"

#define AGENT_TIMEOUT_USEC IPC_AGENT_TIMEOUT_USEC

/*
 * One agent at a time (RegisterAgent), asked about one pending push at a time, oldest first, and
 * about each push once per registration (issue 10, point 9):
 *   - at RegisterAgent it is offered every push that is pending then, one after the other (an
 *     agent that starts after a push arrived still sees it);
 *   - a push that becomes pending is offered as soon as the agent is free;
 *   - after a wrong PIN the push is offered again, once the agent's uid may try again: the
 *     agent's answers go through the same per-uid back-off as ProvidePin, so registering as the
 *     agent is no way around it; the attempts per body digest are counted by the engine anyway;
 *   - an agent that answers with an error, or not within AGENT_TIMEOUT_USEC, leaves the push
 *     pending and is not asked about it again by this registration (provctl pending, pin,
 *     confirm, or registering again, which offers every pending push afresh).
 * Answers of a registration that has gone (unregistered, disconnected, replaced) are ignored.
 */
typedef struct AgentCall {
        Manager *m;
        uint64_t id;
        uint64_t generation;    /* the registration it was sent to */
        bool pin;
} AgentCall;

static bool agent_asked(Manager *m, uint64_t id) {
        for (size_t i = 0; i < m->n_agent_asked; i++)
                if (m->agent_asked[i] == id)
                        return true;
        return false;
}

static void agent_unask(Manager *m, uint64_t id) {
        for (size_t i = 0; i < m->n_agent_asked; i++)
                if (m->agent_asked[i] == id) {
                        m->agent_asked[i] = m->agent_asked[--m->n_agent_asked];
                        return;
                }
}

static int agent_mark_asked(Manager *m, uint64_t id) {
        uint64_t *n;

        if (agent_asked(m, id))
                return 0;
        n = reallocarray(m->agent_asked, m->n_agent_asked + 1, sizeof(uint64_t));
        if (!n)
                return -ENOMEM;
        m->agent_asked = n;
        m->agent_asked[m->n_agent_asked++] = id;
        return 0;
}

/* A new registration, or none: nothing asked, answers still out are ignored. */
static void agent_reset(Manager *m) {
        m->agent_generation++;
        m->agent_busy = false;
        m->agent_asked = mfree(m->agent_asked);
        m->n_agent_asked = 0;
        if (m->agent_retry)
                (void) sd_event_source_set_enabled(m->agent_retry, SD_EVENT_OFF);
}

void agent_forget(Manager *m) {
        m->agent_watch = bus_watch_free(m->agent_watch);
        m->agent_owner = mfree(m->agent_owner);
        m->agent_path = mfree(m->agent_path);
        agent_reset(m);
}

/* The agent's answer to RequestPin / RequestConfirmation, applied as the user's. */
static void agent_answer(Manager *m, const AgentCall *ac, sd_bus_message *reply) {
        EngineResult res = {};
        int r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_info("push %" PRIu64 ": agent did not answer (%s); it stays pending", ac->id,
                         sd_bus_message_get_error(reply)->name);
                return;
        }
        if (ac->pin) {
                _cleanup_(secret_freep) Secret *s = NULL;
                const char *pin;

                r = ipc_agent_pin_read(reply, &pin);
                if (r < 0) {
                        log_info("push %" PRIu64 ": agent gave no PIN; it stays pending", ac->id);
                        return;
                }
                r = secret_new_from_string(pin, &s);
                if (r < 0)
                        return;
                r = engine_provide_pin(m->engine, ac->id, s, &res);
                if (r >= 0 && res.pin_rejected) {
                        uint64_t delay = pin_backoff_failed(m, m->agent_uid);

                        if (res.verdict == VERDICT_PENDING) {
                                /* asked again once the back-off allows (agent_offer_next) */
                                log_info("push %" PRIu64 ": wrong PIN from the agent, %u attempt(s) left; asked "
                                         "again in %" PRIu64 " s", res.id, res.attempts_left,
                                         (uint64_t) (delay / 1000000U));
                                agent_unask(m, ac->id);
                                engine_result_done(&res);
                                return;
                        }
                } else if (r >= 0 && res.verdict != VERDICT_EXPIRED && res.reason != REASON_PIN_ATTEMPTS_EXCEEDED)
                        pin_backoff_clear(m, m->agent_uid);
        } else {
                bool ok;

                r = ipc_agent_confirmation_read(reply, &ok);
                if (r < 0)
                        return;
                if (!ok) {
                        r = engine_discard(m->engine, ac->id);
                        if (r >= 0)
                                res = (EngineResult) { .id = ac->id, .verdict = VERDICT_REJECTED,
                                                       .reason = REASON_DISCARDED };
                } else
                        r = engine_confirm(m->engine, ac->id, &res);
        }
        if (r < 0) {
                log_warning_errno(r, "push %" PRIu64 ": agent answer not applied: %m", ac->id);
                return;
        }
        report_verdict(m, &res, push_sec(m, res.id), "agent");
        engine_result_done(&res);
}

static int agent_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AgentCall *ac = userdata; /* freed with the slot (agent_call_free) */
        Manager *m = ac->m;

        if (ac->generation != m->agent_generation)
                return 0; /* an agent that has gone or re-registered: not the user's answer now */
        m->agent_busy = false;
        agent_answer(m, ac, reply);
        agent_offer_next(m);
        return 0;
}

static void agent_call_free(void *userdata) {
        free(userdata);
}

/* RequestPin / RequestConfirmation arguments (t id, s sender, as summary) from the stored push. */
static int append_agent_args(const StorePending *p, void *userdata) {
        _cleanup_(pending_summary_done) PendingSummary s = {};
        sd_bus_message *call = userdata;
        int r;

        r = pending_summary(p, &s);
        if (r < 0)
                return r;
        IpcAgentRequest req = { .id = p->id, .sender = p->sender ? p->sender : "", .summary = s.view };
        return ipc_agent_request_append(call, &req);
}

static int ask_agent(Manager *m, uint64_t id, bool pin) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_free_ AgentCall *ac = NULL;
        int r;

        ac = calloc(1, sizeof(*ac));
        if (!ac)
                return -ENOMEM;
        *ac = (AgentCall) { .m = m, .id = id, .pin = pin, .generation = m->agent_generation };
        r = sd_bus_message_new_method_call(m->bus, &call, m->agent_owner, m->agent_path, IPC_AGENT_INTERFACE,
                                           pin ? IPC_M_AGENT_REQUEST_PIN : IPC_M_AGENT_REQUEST_CONFIRMATION);
        /* What the prompt shows comes from the store, as ListPending shows it. */
        if (r >= 0)
                r = engine_get_pending(m->engine, id, append_agent_args, call);
        if (r >= 0)
                r = sd_bus_call_async(m->bus, &slot, call, agent_reply, ac, AGENT_TIMEOUT_USEC);
        if (r < 0)
                return r;
        /* the slot owns the call's state from here; it lives until the reply (or the bus) goes */
        TAKE_PTR(ac);
        (void) sd_bus_slot_set_destroy_callback(slot, agent_call_free);
        (void) sd_bus_slot_set_floating(slot, 1);
        return 0;
}

typedef struct PendingRef {
        uint64_t id;
        bool pin;
} PendingRef;

typedef struct PendingRefs {
        PendingRef *items;
        size_t n;
} PendingRefs;

static int collect_pending_ref(const StorePending *p, void *userdata) {
        PendingRefs *l = userdata;
        PendingRef *n = reallocarray(l->items, l->n + 1, sizeof(PendingRef));

        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = (PendingRef) { .id = p->id, .pin = p->state == PENDING_NEEDS_PIN };
        return 0;
}

static int on_agent_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        agent_offer_next(userdata);
        return 0;
}

/* Ask the agent about the oldest pending push it was not asked about yet (see above). */
void agent_offer_next(Manager *m) {
        _cleanup_free_ PendingRef *items = NULL;
        PendingRefs l = {};
        uint64_t retry = 0, until = 0;
        size_t k = 0;
        int r;

        if (!m->agent_owner || m->agent_busy)
                return;
        r = engine_foreach_pending(m->engine, collect_pending_ref, &l);
        items = l.items;
        if (r < 0) {
                log_warning_errno(r, "Failed to list the pending pushes for the agent: %m");
                return;
        }
        /* forget what is no longer pending: the list stays as small as the pending queue */
        for (size_t i = 0; i < m->n_agent_asked; i++) {
                bool still = false;

                for (size_t j = 0; j < l.n && !still; j++)
                        still = l.items[j].id == m->agent_asked[i];
                if (still)
                        m->agent_asked[k++] = m->agent_asked[i];
        }
        m->n_agent_asked = k;
        for (size_t j = 0; j < l.n; j++) {
                const PendingRef *p = &l.items[j];

                if (agent_asked(m, p->id))
                        continue;
                if (p->pin && (until = pin_backoff_until(m, m->agent_uid)) > 0) {
                        retry = retry ? MIN(retry, until) : until;
                        continue;
                }
                if (agent_mark_asked(m, p->id) < 0)
                        return;
                r = ask_agent(m, p->id, p->pin);
                if (r >= 0) {
                        m->agent_busy = true;
                        return;
                }
                log_warning_errno(r, "Failed to ask the agent about push %" PRIu64 ": %m", p->id);
        }
        if (retry == 0)
                return;
        if (!m->agent_retry)
                r = sd_event_add_time(m->event, &m->agent_retry, CLOCK_MONOTONIC, retry, 0, on_agent_retry, m);
        else
                r = sd_event_source_set_time(m->agent_retry, retry);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->agent_retry, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule the agent's next PIN request: %m");
}


/* The agent's connection left the bus. Believed only from the bus driver, as a broadcast
 * (ipc/buswatch.h): anyone may address a NameOwnerChanged to our connection, and it unregistered
 * the agent (issue 9 finding 1). */
static void on_agent_gone(BusWatch *w, const char *owner, void *userdata) {
        Manager *m = userdata;

        if (owner || !m->agent_owner)
                return;
        log_info("Agent %s disappeared", m->agent_owner);
        agent_forget(m); /* frees w: nothing after this */
}

/* RegisterAgent from @owner (caller checked by bus-object.c): one agent at a time; the same
 * connection may register again (a new registration: every pending push is offered afresh).
 * Return: 0, -EEXIST (another connection's agent is registered), or negative errno. */
int agent_register(Manager *m, const char *owner, const char *path, uid_t uid) {
        int r;

        if (m->agent_owner && !streq_ptr(m->agent_owner, owner))
                return -EEXIST;
        agent_forget(m);
        m->agent_owner = strdup(owner);
        m->agent_path = strdup(path);
        if (!m->agent_owner || !m->agent_path) {
                agent_forget(m);
                return -ENOMEM;
        }
        r = bus_peer_watch_new(m->bus, m->agent_owner, on_agent_gone, m, &m->agent_watch);
        if (r < 0) {
                agent_forget(m);
                return r;
        }
        m->agent_uid = uid;
        log_info("Agent registered by %s (uid %u)", m->agent_owner, (unsigned) uid);
        return 0;
}

/* UnregisterAgent: only the registered connection, naming its path. Return: 0 or -ESRCH. */
int agent_unregister(Manager *m, const char *owner, const char *path) {
        if (!m->agent_owner || !streq_ptr(m->agent_owner, owner) || !streq_ptr(m->agent_path, path))
                return -ESRCH;
        agent_forget(m);
        return 0;
}
