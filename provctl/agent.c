/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agent.c: `provctl agent` and `provctl agent --notify` (issue 10, point 10): the user learns
 * that a push waits, sees what it would change, and answers.
 *
 * provctl agent: registers as verifierd's agent (org.provboot.Agent1 at AGENT_PATH) on the
 *   system bus and answers RequestPin / RequestConfirmation in the terminal: it prints the
 *   push's whole change (show.c: the document and its diff, or provd's unverified summary while
 *   the push waits for its PIN) and asks "PIN for push N:" (read without echo) or
 *   "Apply push N? [y/N]". verifierd offers it every pending push, also those that arrived
 *   before it started, one at a time. Without a terminal on stdin it reads one answer per line
 *   from stdin and stops at the end of input. It registers again whenever verifierd restarts.
 *   An answer given after verifierd stopped waiting (IPC_AGENT_TIMEOUT_USEC) is sent with
 *   ProvidePin / Confirm / Discard instead, and the late reply carries an error, so that no
 *   answer is applied twice (a PIN attempt is never spent twice).
 * provctl agent --notify: for the user's desktop session (packaging/systemd/user/
 *   provboot-notify.service). Not an agent (that slot stays free for a phone UI or the terminal
 *   agent): it follows verifierd's VerdictReached signal and ListPending on the system bus and
 *   raises one desktop notification per pending push on the session bus
 *   (org.freedesktop.Notifications, Desktop Notifications Specification 1.2: Notify
 *   (susssasa{sv}i) -> u, GetCapabilities () -> as, ActionInvoked (us), NotificationClosed (uu)),
 *   with the actions "Apply" and "Discard" where the server lists "actions" (a push that waits
 *   for its PIN gets "Discard" only: a PIN is typed with provctl pin). Invoked actions call
 *   Confirm / Discard; when the push is decided the notification is replaced by its outcome.
 *
 * Trust:
 *   - RequestPin / RequestConfirmation are answered only when verifierd sent them: the sender
 *     must be the unique name that owns org.provboot.Verifier1, as the bus driver reports it
 *     (ipc/buswatch.h). Anyone else asking for a PIN gets AccessDenied: a local user cannot
 *     phish the PIN through this prompt (the bus policy lets only root call Agent1 anyway).
 *   - VerdictReached is believed only as a broadcast from that owner; the notification server's
 *     ActionInvoked / NotificationClosed only as broadcasts from the owner of
 *     org.freedesktop.Notifications. Another process of the same user could fake a click, but
 *     it could call Confirm itself with the same rights: nothing is gained.
 *   - What is shown comes from verifierd, escaped to printable lines there; for the
 *     notification body it is escaped again when the server interprets markup.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "buswatch.h"
#include "ipc.h"
#include "macros.h"
#include "provctl.h"

#define AGENT_PATH "/org/provboot/provctl/agent"
/* An answer later than this after the request goes through the user-side methods instead. */
#define AGENT_ANSWER_MARGIN_USEC (10ULL * 1000000ULL)
#define AGENT_ANSWERED_MAX 64U          /* pushes whose verdict the agent still waits to print */

#define NOTIFY_NAME "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define NOTIFY_INTERFACE "org.freedesktop.Notifications"
#define NOTIFY_APP_NAME "provboot"
#define NOTIFY_BODY_LINES_MAX 12U       /* changes listed in a notification; then "+N more" */
#define NOTIFY_SHOWN_MAX 256U           /* notifications remembered (one per pending push) */

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* ---- the terminal agent ------------------------------------------------------------------- */

typedef struct Agent {
        sd_event *event;
        sd_bus *bus;
        BusWatch *verifier;
        bool interactive;               /* stdin is a terminal */
        sd_event_source *stdin_hup;     /* non-interactive: the end of stdin */
        uint64_t last_pin_id;           /* asked for this PIN before: the last one was wrong */
        uint64_t answered[AGENT_ANSWERED_MAX]; /* replied in time: print their verdicts */
        size_t n_answered;
} Agent;

/* Print @prompt and read one line from stdin, without its newline; the terminal does not echo
 * it when @secret. Echo goes off before the prompt appears, and nothing typed is discarded
 * (TCSANOW, not TCSAFLUSH): an answer typed at once is neither shown nor lost.
 * Return: 0, -ENODATA end of input. */
static int read_answer(Agent *a, const char *prompt, char *buf, size_t n, bool secret) {
        struct termios old, noecho;
        bool hide = secret && a->interactive && tcgetattr(STDIN_FILENO, &old) == 0;
        char *got;

        if (hide) {
                noecho = old;
                noecho.c_lflag &= ~(tcflag_t) ECHO;
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
        }
        fputs(prompt, stdout);
        fflush(stdout);
        got = fgets(buf, (int) n, stdin);
        if (hide) {
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &old);
                fputc('\n', stdout);
        }
        if (!got)
                return -ENODATA;
        buf[strcspn(buf, "\r\n")] = 0;
        return 0;
}

static void agent_remember(Agent *a, uint64_t id) {
        if (a->n_answered == AGENT_ANSWERED_MAX)
                memmove(a->answered, a->answered + 1, (AGENT_ANSWERED_MAX - 1) * sizeof(uint64_t));
        else
                a->n_answered++;
        a->answered[a->n_answered - 1] = id;
}

/* Print the push and what it would change (show.c), from verifierd's own answers. */
static void agent_show(Agent *a, const IpcAgentRequest *req, bool pin) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL, de = SD_BUS_ERROR_NULL;
        _cleanup_(pending_info_done) PendingInfo p = {};
        _cleanup_(doc_rows_done) DocRows rows = {};
        bool have_rows = false;

        printf("\n");
        if (pending_info_get(a->bus, req->id, &p, &e) < 0) {
                /* ListPending failed: the request's own lines (the same as ListPending's) */
                printf("Push %" PRIu64 " from %s waits for %s:\n", req->id, req->sender,
                       pin ? "its PIN" : "your confirmation");
                for (unsigned i = 0; i < req->summary.n; i++)
                        printf("  %s\n", req->summary.lines[i]);
                return;
        }
        if (!pin)
                have_rows = doc_rows_get(a->bus, req->id, &rows, &de) >= 0;
        pending_print(stdout, &p, have_rows ? &rows : NULL, de.message);
}

/* Answer through the user-side methods (the request timed out meanwhile). */
static void agent_answer_late(Agent *a, uint64_t id, const char *member, const char *pin) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *verdict = "discarded", *reason = "";
        int r;

        printf("verifierd stopped waiting for this answer; sending it with %s.\n", member);
        r = pc_verifier_call(a->bus, member, &m);
        if (r >= 0) {
                if (pin) {
                        IpcPin p = { .id = id, .pin = pin };

                        r = ipc_pin_append(m, &p);
                } else
                        r = ipc_id_append(m, id);
        }
        if (r >= 0)
                r = pc_call(a->bus, m, &reply, &e);
        if (r >= 0 && strcmp(member, IPC_M_DISCARD) != 0) {
                IpcVerdict v;

                r = ipc_verdict_read(reply, &v, false);
                if (r >= 0) {
                        verdict = v.verdict;
                        reason = v.reason;
                }
        }
        if (r < 0)
                printf("push %" PRIu64 ": %s\n", id, e.message ? e.message : strerror(-r));
        else
                printf("push %" PRIu64 ": %s%s%s%s\n", id, verdict, reason[0] ? " (" : "", reason, reason[0] ? ")" : "");
        fflush(stdout);
}

static int reply_pin(sd_bus_message *msg, const char *pin) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = ipc_agent_pin_append(reply, pin);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int reply_confirmation(sd_bus_message *msg, bool yes) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = ipc_agent_confirmation_append(reply, yes);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int agent_request(sd_bus_message *msg, void *userdata, sd_bus_error *error, bool pin) {
        Agent *a = userdata;
        char answer[IPC_PIN_MAX + 2], prompt[64];
        IpcAgentRequest req;
        uint64_t id, t0 = now_usec();
        bool late;
        int r;

        /* Only verifierd may ask (see the top of this file). */
        if (!bus_watch_sender_is_owner(a->verifier, msg))
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Only verifierd asks this agent");
        r = ipc_agent_request_read(msg, &req);
        if (r < 0)
                return r;
        id = req.id;
        agent_show(a, &req, pin);
        if (pin) {
                if (a->last_pin_id == id)
                        printf("The PIN given for push %" PRIu64 " was wrong.\n", id);
                a->last_pin_id = id;
                snprintf(prompt, sizeof prompt, "PIN for push %" PRIu64 ": ", id);
        } else
                snprintf(prompt, sizeof prompt, "Apply push %" PRIu64 "? [y/N] ", id);
        r = read_answer(a, prompt, answer, sizeof answer, pin);
        /* the end of input may be reached now: look again once this answer is sent */
        if (a->stdin_hup)
                (void) sd_event_source_set_enabled(a->stdin_hup, SD_EVENT_ON);
        if (r < 0) {
                printf("\n(end of input: push %" PRIu64 " stays pending; provctl agent stops)\n", id);
                (void) sd_event_exit(a->event, 0);
                return sd_bus_error_set(error, "org.provboot.Agent.Error.NoAnswer", "No answer");
        }
        late = now_usec() - t0 >= IPC_AGENT_TIMEOUT_USEC - AGENT_ANSWER_MARGIN_USEC;
        if (pin) {
                if (answer[0] == 0) {
                        printf("(no PIN: push %" PRIu64 " stays pending; give it later with provctl pin %" PRIu64 ")\n",
                               id, id);
                        return sd_bus_error_set(error, "org.provboot.Agent.Error.NoAnswer", "No PIN given");
                }
                if (late) {
                        r = sd_bus_error_set(error, "org.provboot.Agent.Error.TooLate", "Answered too late");
                        agent_answer_late(a, id, IPC_M_PROVIDE_PIN, answer);
                        explicit_bzero(answer, sizeof answer);
                        return r;
                }
                agent_remember(a, id);
                r = reply_pin(msg, answer);
                explicit_bzero(answer, sizeof answer); /* the PIN is a secret: wipe our copy */
                return r < 0 ? r : 1;
        }
        bool yes = strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;

        if (late) {
                r = sd_bus_error_set(error, "org.provboot.Agent.Error.TooLate", "Answered too late");
                agent_answer_late(a, id, yes ? IPC_M_CONFIRM : IPC_M_DISCARD, NULL);
                return r;
        }
        agent_remember(a, id);
        return reply_confirmation(msg, yes);
}

static int agent_request_pin(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return agent_request(msg, userdata, error, true);
}

static int agent_request_confirmation(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return agent_request(msg, userdata, error, false);
}

static int agent_release(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Agent *a = userdata;

        if (!bus_watch_sender_is_owner(a->verifier, msg))
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Only verifierd releases this agent");
        printf("verifierd released the agent.\n");
        (void) sd_event_exit(a->event, 0);
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_AGENT_REQUEST_PIN, IPC_SIG_AGENT_REQUEST_IN,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(sender) SD_BUS_PARAM(summary), IPC_SIG_AGENT_PIN_OUT,
                                 SD_BUS_PARAM(pin), agent_request_pin,
                                 SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_AGENT_REQUEST_CONFIRMATION, IPC_SIG_AGENT_REQUEST_IN,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(sender) SD_BUS_PARAM(summary),
                                 IPC_SIG_AGENT_CONFIRMATION_OUT, SD_BUS_PARAM(confirmed), agent_request_confirmation,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD(IPC_M_AGENT_RELEASE, IPC_SIG_NONE, IPC_SIG_NONE, agent_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int on_register_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Agent *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (!e) {
                printf("provctl agent: registered with verifierd; waiting for pushes (Ctrl-C stops).\n");
                fflush(stdout);
                return 0;
        }
        fprintf(stderr, "provctl agent: RegisterAgent: %s\n", e->message ? e->message : e->name);
        if (sd_bus_error_has_name(e, IPC_ERROR_ACCESS_DENIED))
                fprintf(stderr, "provctl agent: an agent must run as root or as a member of group provboot\n");
        (void) sd_event_exit(a->event, sd_bus_error_has_name(e, IPC_ERROR_ACCESS_DENIED) ? PROVCTL_EXIT_NOPERM : 1);
        return 0;
}

/* verifierd (re)appeared: register with that instance, addressed by its unique name. */
static void agent_on_owner(BusWatch *w, const char *owner, void *userdata) {
        Agent *a = userdata;
        int r;

        if (!owner) {
                printf("provctl agent: verifierd stopped; it is registered again when verifierd returns.\n");
                fflush(stdout);
                return;
        }
        r = sd_bus_call_method_async(a->bus, NULL, owner, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE,
                                     IPC_M_REGISTER_AGENT, on_register_reply, a, IPC_SIG_AGENT_PATH_IN, AGENT_PATH);
        if (r < 0)
                fprintf(stderr, "provctl agent: cannot register: %s\n", strerror(-r));
}

static int agent_on_verdict(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Agent *a = userdata;
        const char *verdict, *reason;
        IpcVerdict v;
        uint64_t id;

        if (!bus_watch_signal_trusted(a->verifier, msg))
                return 0;
        if (ipc_verdict_read(msg, &v, true) < 0)
                return 0;
        id = v.id, verdict = v.verdict, reason = v.reason;
        for (size_t i = 0; i < a->n_answered; i++)
                if (a->answered[i] == id) {
                        if (strcmp(verdict, "pending") == 0)
                                return 0; /* a wrong PIN: verifierd asks again */
                        printf("push %" PRIu64 ": %s%s%s%s\n", id, verdict, reason[0] ? " (" : "", reason,
                               reason[0] ? ")" : "");
                        fflush(stdout);
                        a->answered[i] = a->answered[--a->n_answered];
                        return 0;
                }
        return 0;
}

/* Non-interactive: the writer closed stdin and no answer is left in it: stop (and unregister).
 * Answers written ahead of the prompts are used first (stdin is unbuffered, so FIONREAD sees
 * every byte not read yet). */
static int agent_on_stdin_hup(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Agent *a = userdata;
        int left = 0;

        if (ioctl(fd, FIONREAD, &left) == 0 && left > 0) {
                /* answers remain: the prompts read them, and the end of input after them */
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        printf("(end of input: provctl agent stops)\n");
        (void) sd_event_exit(a->event, 0);
        return 0;
}

static int run_agent(sd_bus *bus) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        Agent a = { .bus = bus, .interactive = isatty(STDIN_FILENO) };
        sigset_t mask;
        int r, code = 0;

        r = sd_event_default(&event);
        if (r < 0)
                return pc_fail("event loop", NULL, r);
        a.event = event;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        (void) sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (!a.interactive) {
                setvbuf(stdin, NULL, _IONBF, 0);
                /* no EPOLLIN: only the hang-up of the writer (a file or /dev/null cannot be
                 * watched; their end is found by the next prompt) */
                (void) sd_event_add_io(event, &a.stdin_hup, STDIN_FILENO, 0, agent_on_stdin_hup, &a);
        }
        r = sd_bus_add_object_vtable(bus, NULL, AGENT_PATH, IPC_AGENT_INTERFACE, agent_vtable, &a);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE,
                                        IPC_S_VERDICT, agent_on_verdict, &a);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        /* registers once the owner of Verifier1 is known, and again after every restart */
        if (r >= 0)
                r = bus_watch_new(bus, IPC_VERIFIER_BUS_NAME, agent_on_owner, &a, &a.verifier);
        if (r < 0)
                return pc_fail("agent set-up", NULL, r);
        r = sd_event_loop(event);
        if (r > 0)
                code = r;
        if (bus_watch_owner(a.verifier))
                (void) sd_bus_call_method(bus, bus_watch_owner(a.verifier), IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE,
                                          IPC_M_UNREGISTER_AGENT, NULL, NULL, IPC_SIG_AGENT_PATH_IN, AGENT_PATH);
        bus_watch_free(a.verifier);
        sd_event_source_unref(a.stdin_hup);
        (void) sd_bus_detach_event(bus);
        return r < 0 ? pc_fail("event loop", NULL, r) : code;
}

/* ---- the notification service (--notify) -------------------------------------------------- */

typedef struct Shown {
        uint64_t push;
        uint32_t nid;                   /* the server's id; 0: none shown now */
        bool final;                     /* replaced by the outcome */
        bool dismissed;                 /* closed by the user while pending: not raised again */
        bool acted;                     /* the user chose Apply or Discard here: show the outcome */
} Shown;

typedef struct Notifier {
        sd_event *event;
        sd_bus *system, *session;
        BusWatch *verifier, *server;
        bool actions, markup;           /* the server's capabilities */
        Shown shown[NOTIFY_SHOWN_MAX];
        size_t n_shown;
} Notifier;

static Shown *shown_find(Notifier *n, uint64_t push, uint32_t nid) {
        for (size_t i = 0; i < n->n_shown; i++)
                if ((push && n->shown[i].push == push) || (nid && n->shown[i].nid == nid))
                        return &n->shown[i];
        return NULL;
}

static Shown *shown_add(Notifier *n, uint64_t push) {
        Shown *s = shown_find(n, push, 0);

        if (s)
                return s;
        if (n->n_shown == NOTIFY_SHOWN_MAX) {
                /* forget the oldest decided one (or the oldest at all) */
                size_t k = 0;

                for (size_t i = 0; i < n->n_shown; i++)
                        if (n->shown[i].final) {
                                k = i;
                                break;
                        }
                memmove(&n->shown[k], &n->shown[k + 1], (n->n_shown - k - 1) * sizeof(Shown));
                n->n_shown--;
        }
        s = &n->shown[n->n_shown++];
        *s = (Shown) { .push = push };
        return s;
}

/* Text for the body: escaped for a server that interprets markup (the specification's
 * "body-markup": &, < and > must then be written as entities). */
static void body_put(Notifier *n, FILE *f, const char *s) {
        for (; *s; s++)
                if (n->markup && *s == '&')
                        fputs("&amp;", f);
                else if (n->markup && *s == '<')
                        fputs("&lt;", f);
                else if (n->markup && *s == '>')
                        fputs("&gt;", f);
                else
                        fputc(*s, f);
}

static void body_printf(Notifier *n, FILE *f, const char *fmt, ...) _printf_(3, 4);
static void body_printf(Notifier *n, FILE *f, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k >= 0)
                body_put(n, f, s);
}

/* Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout) -> id */
static int notify_send(Notifier *n, uint32_t replaces, const char *title, const char *body, const char *const *actions,
                       int32_t expire, uint32_t *ret_nid) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *owner = bus_watch_owner(n->server);
        int r;

        if (!owner)
                return -EHOSTDOWN;
        r = sd_bus_message_new_method_call(n->session, &m, owner, NOTIFY_PATH, NOTIFY_INTERFACE, "Notify");
        if (r >= 0)
                r = sd_bus_message_append(m, "susss", NOTIFY_APP_NAME, replaces, "dialog-information", title, body);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && actions && actions[i]; i++)
                r = sd_bus_message_append(m, "s", actions[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        /* urgency normal (1); category "network" (the specification's list of categories) */
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}i", 2, "urgency", "y", 1, "category", "s", "network", expire);
        if (r >= 0)
                r = sd_bus_call(n->session, m, 30 * 1000000ULL, &e, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", ret_nid);
        if (r < 0)
                fprintf(stderr, "provctl agent --notify: Notify: %s\n", e.message ? e.message : strerror(-r));
        return r;
}

/* One pending push: its notification, raised or updated. */
static void notify_pending(Notifier *n, const PendingInfo *p) {
        static const char *const confirm_actions[] = { "apply", "Apply", "discard", "Discard", NULL };
        static const char *const pin_actions[] = { "discard", "Discard", NULL };
        _cleanup_(sd_bus_error_free) sd_bus_error de = SD_BUS_ERROR_NULL;
        _cleanup_(doc_rows_done) DocRows rows = {};
        _cleanup_free_ char *body = NULL, *title = NULL;
        bool pin = strcmp(p->waiting, "needs-pin") == 0;
        size_t size = 0;
        unsigned listed = 0, more = 0, unchanged = 0;
        char label[160];
        Shown *s;
        FILE *f;

        s = shown_find(n, p->id, 0);
        if (s && (s->nid || s->dismissed || s->final))
                return; /* raised already (it is updated when the verdict comes) */
        f = open_memstream(&body, &size);
        if (!f)
                return;
        if (!pin && doc_rows_get(n->system, p->id, &rows, &de) >= 0) {
                /* the change itself: network-level groups first, as verifierd ordered them */
                for (size_t i = 0; i < rows.n; i++) {
                        const DocRow *it = &rows.items[i];

                        if (strcmp(it->change, "unchanged") == 0) {
                                unchanged++;
                                continue;
                        }
                        if (listed == NOTIFY_BODY_LINES_MAX) {
                                more++;
                                continue;
                        }
                        listed++;
                        doc_group_label(it->group, label, sizeof label);
                        if (strcmp(it->change, "added") == 0)
                                body_printf(n, f, "+ %s: %s.%s = %s\n", label, it->path, it->name, it->value);
                        else if (strcmp(it->change, "changed") == 0)
                                body_printf(n, f, "~ %s: %s.%s: %s -> %s\n", label, it->path, it->name, it->old_value,
                                            it->value);
                        else
                                body_printf(n, f, "- %s: %s.%s (was %s)\n", label, it->path, it->name, it->old_value);
                }
                if (more)
                        body_printf(n, f, "+%u more changes not shown\n", more);
                if (listed == 0)
                        body_printf(n, f, "Nothing changes: every value is applied already.\n");
                if (unchanged)
                        body_printf(n, f, "%u value(s) unchanged\n", unchanged);
        } else {
                if (pin)
                        body_printf(n, f, "Not authenticated until its PIN is given; provd's description:\n");
                for (size_t i = 0; i < p->n_summary; i++)
                        body_printf(n, f, "%s\n", p->summary[i]);
        }
        body_printf(n, f, "Details: provctl show %" PRIu64, p->id);
        if (pin)
                body_printf(n, f, "\nGive the PIN: provctl pin %" PRIu64, p->id);
        else if (!n->actions)
                body_printf(n, f, "\nApply: provctl confirm %" PRIu64 "   Refuse: provctl discard %" PRIu64, p->id, p->id);
        if (fclose(f) != 0)
                return;
        if ((pin ? asprintf(&title, "Push %" PRIu64 " from %s needs its PIN", p->id,
                            p->sender[0] ? p->sender : "an unknown sender")
                 : asprintf(&title, "Settings from %s wait for you (push %" PRIu64 ")",
                            p->sender[0] ? p->sender : "an unknown sender", p->id)) < 0) {
                title = NULL;
                return;
        }
        s = shown_add(n, p->id);
        /* never expires by itself: the push expires, and then the notification says so */
        (void) notify_send(n, 0, title, body, n->actions ? (pin ? pin_actions : confirm_actions) : NULL, 0, &s->nid);
}

/* The push was decided: its notification says how (no actions any more). */
static void notify_outcome(Notifier *n, uint64_t id, const char *verdict, const char *reason) {
        _cleanup_free_ char *title = NULL;
        Shown *s = shown_find(n, id, 0);
        uint32_t nid = 0;

        /* the outcome of what the user chose here, or an update of a notification still shown */
        if (!s || s->final || (s->nid == 0 && !s->acted))
                return;
        if (asprintf(&title, "Push %" PRIu64 ": %s%s%s%s", id, verdict, reason[0] ? " (" : "", reason,
                     reason[0] ? ")" : "") < 0)
                return;
        s->final = true;
        if (notify_send(n, s->nid, title, "", NULL, -1, &nid) >= 0)
                s->nid = nid;
}

/* ListPending, and a notification for each push not shown yet. */
static void notify_sync(Notifier *n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (!bus_watch_owner(n->verifier) || !bus_watch_owner(n->server))
                return;
        r = pc_verifier_call(n->system, IPC_M_LIST_PENDING, &m);
        if (r >= 0)
                r = pc_call(n->system, m, &reply, &e);
        if (r >= 0)
                r = ipc_list_enter(reply, IPC_LIST_PENDING);
        while (r >= 0) {
                _cleanup_(pending_info_done) PendingInfo p = {};

                r = pending_info_read(reply, &p);
                if (r <= 0)
                        break;
                notify_pending(n, &p);
        }
        if (r < 0)
                fprintf(stderr, "provctl agent --notify: ListPending: %s\n", e.message ? e.message : strerror(-r));
}

static void notify_on_verifier(BusWatch *w, const char *owner, void *userdata) {
        if (owner)
                notify_sync(userdata);
}

/* The server appeared (or was replaced): its capabilities, then every pending push again. */
static void notify_on_server(BusWatch *w, const char *owner, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Notifier *n = userdata;
        const char *cap;
        int r;

        for (size_t i = 0; i < n->n_shown; i++)
                n->shown[i].nid = 0; /* the old server's notifications are gone */
        n->actions = n->markup = false;
        if (!owner)
                return;
        r = sd_bus_call_method(n->session, owner, NOTIFY_PATH, NOTIFY_INTERFACE, "GetCapabilities", &e, &reply, "");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "s");
        while (r > 0 && (r = sd_bus_message_read(reply, "s", &cap)) > 0) {
                if (strcmp(cap, "actions") == 0)
                        n->actions = true;
                else if (strcmp(cap, "body-markup") == 0)
                        n->markup = true;
        }
        if (r < 0)
                fprintf(stderr, "provctl agent --notify: GetCapabilities: %s\n", e.message ? e.message : strerror(-r));
        notify_sync(n);
}

static int notify_on_verdict(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        const char *verdict, *reason;
        IpcVerdict v;
        uint64_t id;

        if (!bus_watch_signal_trusted(n->verifier, msg))
                return 0;
        if (ipc_verdict_read(msg, &v, true) < 0)
                return 0;
        id = v.id, verdict = v.verdict, reason = v.reason;
        if (strcmp(verdict, "pending") == 0)
                notify_sync(n);
        else
                notify_outcome(n, id, verdict, reason);
        return 0;
}

static void notify_act(Notifier *n, Shown *s, const char *key) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *member = strcmp(key, "apply") == 0 ? IPC_M_CONFIRM : IPC_M_DISCARD;
        _cleanup_free_ char *title = NULL;
        uint32_t nid = 0;
        int r;

        r = pc_verifier_call(n->system, member, &m);
        if (r >= 0)
                r = ipc_id_append(m, s->push);
        if (r >= 0)
                r = pc_call(n->system, m, &reply, &e);
        s->acted = true;
        if (r >= 0)
                return; /* VerdictReached brings the outcome (notify_outcome) */
        if (asprintf(&title, "Push %" PRIu64 ": %s failed: %s", s->push, key, e.message ? e.message : strerror(-r)) < 0)
                return;
        s->final = true;
        if (notify_send(n, s->nid, title, "", NULL, -1, &nid) >= 0)
                s->nid = nid;
}

static int notify_on_action(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        const char *key;
        uint32_t nid;
        Shown *s;

        if (!bus_watch_signal_trusted(n->server, msg))
                return 0;
        if (sd_bus_message_read(msg, "us", &nid, &key) < 0 || nid == 0)
                return 0;
        s = shown_find(n, 0, nid);
        if (!s || s->final || (strcmp(key, "apply") != 0 && strcmp(key, "discard") != 0))
                return 0;
        notify_act(n, s, key);
        return 0;
}

static int notify_on_closed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        uint32_t nid, reason;
        Shown *s;

        if (!bus_watch_signal_trusted(n->server, msg))
                return 0;
        if (sd_bus_message_read(msg, "uu", &nid, &reason) < 0 || nid == 0)
                return 0;
        s = shown_find(n, 0, nid);
        if (s) {
                s->nid = 0;
                /* put away by the user while pending: not raised again for this push (servers
                 * also close a notification whose action was invoked: that is no dismissal) */
                s->dismissed = !s->final && !s->acted;
        }
        return 0;
}

static int run_notify(sd_bus *system) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *session = NULL;
        Notifier *n;
        sigset_t mask;
        int r;

        /* May this user read the pending pushes at all? A user outside group provboot is told
         * so once and the service is not restarted (exit status 77, the unit's
         * RestartPreventExitStatus=); verifierd not running yet is no error. */
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                r = pc_verifier_call(system, IPC_M_LIST_PENDING, &m);
                if (r >= 0)
                        r = pc_call(system, m, &reply, &e);
                if (r < 0 && sd_bus_error_has_name(&e, IPC_ERROR_ACCESS_DENIED)) {
                        fprintf(stderr, "provctl agent --notify: %s: the user must be root or a member of group "
                                        "provboot\n", e.message ? e.message : "access denied");
                        return PROVCTL_EXIT_NOPERM;
                }
        }
        n = calloc(1, sizeof(Notifier));
        if (!n)
                return pc_fail("notify", NULL, -ENOMEM);
        r = sd_bus_open_user(&session);
        if (r < 0) {
                free(n);
                fprintf(stderr, "provctl agent --notify: cannot connect to the session bus: %s\n", strerror(-r));
                return PROVCTL_EXIT_UNAVAILABLE;
        }
        *n = (Notifier) { .system = system, .session = session };
        r = sd_event_default(&event);
        n->event = event;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (r >= 0) {
                (void) sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
                (void) sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
                r = sd_bus_match_signal(system, NULL, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE,
                                        IPC_S_VERDICT, notify_on_verdict, n);
        }
        if (r >= 0)
                r = sd_bus_match_signal(session, NULL, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_INTERFACE, "ActionInvoked",
                                        notify_on_action, n);
        if (r >= 0)
                r = sd_bus_match_signal(session, NULL, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_INTERFACE, "NotificationClosed",
                                        notify_on_closed, n);
        if (r >= 0)
                r = sd_bus_attach_event(system, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_attach_event(session, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = bus_watch_new(session, NOTIFY_NAME, notify_on_server, n, &n->server);
        if (r >= 0)
                r = bus_watch_new(system, IPC_VERIFIER_BUS_NAME, notify_on_verifier, n, &n->verifier);
        if (r >= 0) {
                printf("provctl agent --notify: raising a notification for each pending push.\n");
                fflush(stdout);
                r = sd_event_loop(event);
        }
        bus_watch_free(n->verifier);
        bus_watch_free(n->server);
        (void) sd_bus_detach_event(system);
        (void) sd_bus_detach_event(session);
        free(n);
        return r < 0 ? pc_fail("notify", NULL, r) : 0;
}

int verb_agent(sd_bus *bus, int argc, char **argv) {
        if (argc != 1) {
                fprintf(stderr, "provctl: usage: provctl agent [--notify]\n");
                return PROVCTL_EXIT_USAGE;
        }
        /* prompts go out as they are written, also into a pipe */
        setvbuf(stdout, NULL, _IOLBF, 0);
        return arg.notify ? run_notify(bus) : run_agent(bus);
}
