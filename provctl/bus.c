/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus.c: provctl's D-Bus verbs. Talks to verifierd (org.provboot.Verifier1) and provd
 * (org.provboot.Parser1) on the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured, as by every
 * sd-bus program), through the typed marshalling of ipc/ipc.h only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "ipc.h"
#include "macros.h"
#include "provctl.h"

#define CALL_TIMEOUT_USEC (120ULL * 1000000ULL) /* a PIN prompt on an agent may take a while */


static int exit_for_error(const sd_bus_error *e, int r) {
        if (sd_bus_error_has_name(e, IPC_ERROR_ACCESS_DENIED) || r == -EACCES || r == -EPERM)
                return PROVCTL_EXIT_NOPERM;
        if (sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.ServiceUnknown") ||
            sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.NameHasNoOwner") ||
            sd_bus_error_has_name(e, IPC_ERROR_UNAVAILABLE) || r == -ENOENT ||
            r == -ECONNREFUSED || r == -EHOSTDOWN)
                return PROVCTL_EXIT_UNAVAILABLE;
        if (sd_bus_error_has_name(e, IPC_ERROR_MALFORMED) || sd_bus_error_has_name(e, IPC_ERROR_INVALID_ARGS))
                return PROVCTL_EXIT_DATAERR;
        return 1;
}

static int fail(const char *what, const sd_bus_error *e, int r) {
        fprintf(stderr, "provctl: %s: %s\n", what, e && e->message ? e->message : strerror(-r));
        return exit_for_error(e, r);
}

static int connect_bus(sd_bus **ret) {
        int r;

        r = ipc_errors_register();
        if (r < 0)
                return r;
        r = sd_bus_open_system(ret);
        if (r < 0)
                fprintf(stderr, "provctl: cannot connect to the system bus: %s\n", strerror(-r));
        return r;
}

static int parse_id(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (!*s || *end || errno || v == 0) {
                fprintf(stderr, "provctl: bad push id '%s'\n", s);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static void print_verdict(const IpcVerdict *v) {
        if (arg.json) {
                printf("{\"id\":%" PRIu64 ",\"verdict\":", v->id);
                pc_json_str(v->verdict);
                printf(",\"reason\":");
                pc_json_str(v->reason);
                printf(",\"roles\":%u}\n", v->roles);
                return;
        }
        printf("push %" PRIu64 ": %s", v->id, v->verdict);
        if (v->reason[0])
                printf(" (%s)", v->reason);
        printf(", roles %u\n", v->roles);
}

static void format_time(uint64_t usec, char *buf, size_t n) {
        time_t t = (time_t) (usec / 1000000ULL);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm)) {
                snprintf(buf, n, "-");
                return;
        }
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- Verifier1 verbs ------------------------------------------------------------------- */

static int call(sd_bus *bus, sd_bus_message *m, sd_bus_message **reply, sd_bus_error *e) {
        return sd_bus_call(bus, m, CALL_TIMEOUT_USEC, e, reply);
}

static int new_verifier_call(sd_bus *bus, const char *member, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(bus, ret, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH,
                                              IPC_VERIFIER_INTERFACE, member);
}

static int verb_simple_verdict(sd_bus *bus, const char *member, uint64_t id, const char *pin) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        IpcVerdict v;
        int r;

        r = new_verifier_call(bus, member, &m);
        if (r < 0)
                return fail(member, NULL, r);
        if (pin) {
                IpcPin p = { .id = id, .pin = pin };

                r = ipc_pin_append(m, &p);
        } else
                r = ipc_id_append(m, id);
        if (r < 0)
                return fail(member, NULL, r);
        r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail(member, &e, r);
        if (strcmp(member, IPC_M_DISCARD) == 0) {
                if (arg.json)
                        printf("{\"id\":%" PRIu64 ",\"verdict\":\"rejected\",\"reason\":\"discarded\"}\n", id);
                else
                        printf("push %" PRIu64 ": discarded\n", id);
                return 0;
        }
        r = ipc_verdict_read(reply, &v, false);
        if (r < 0)
                return fail("bad reply", NULL, r);
        v.id = id;
        print_verdict(&v);
        return 0;
}

static int read_pin(char *buf, size_t n) {
        struct termios old, noecho;
        bool tty = isatty(STDIN_FILENO);
        size_t len;

        if (tty) {
                fprintf(stderr, "PIN: ");
                fflush(stderr);
                if (tcgetattr(STDIN_FILENO, &old) < 0)
                        return -errno;
                noecho = old;
                noecho.c_lflag &= ~(tcflag_t) ECHO;
                if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) < 0)
                        return -errno;
        }
        if (!fgets(buf, (int) n, stdin))
                buf[0] = 0;
        if (tty) {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        len = strcspn(buf, "\r\n");
        buf[len] = 0;
        return len > 0 ? 0 : -ENODATA;
}

static int verb_pin(sd_bus *bus, int argc, char **argv) {
        char pin[IPC_PIN_MAX + 2];
        uint64_t id;
        int r;

        if (argc != 2 || parse_id(argv[1], &id) < 0) {
                fprintf(stderr, "provctl: usage: provctl pin ID\n");
                return PROVCTL_EXIT_USAGE;
        }
        r = read_pin(pin, sizeof pin);
        if (r < 0) {
                fprintf(stderr, "provctl: no PIN given\n");
                return PROVCTL_EXIT_USAGE;
        }
        r = verb_simple_verdict(bus, IPC_M_PROVIDE_PIN, id, pin);
        explicit_bzero(pin, sizeof pin); /* the PIN is a secret: wipe our copy */
        return r;
}

static int verb_pending(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bool first = true;
        int r;

        r = new_verifier_call(bus, IPC_M_LIST_PENDING, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("ListPending", &e, r);
        r = ipc_list_enter(reply, IPC_LIST_PENDING);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("[");
        else
                printf("%-6s %-16s %-12s %-20s %-20s %s\n", "ID", "SENDER", "SEC", "WAITING FOR", "EXPIRES", "SUMMARY");
        for (;;) {
                IpcPendingRow p;
                char te[32];

                r = ipc_pending_row_read(reply, &p);
                if (r < 0)
                        return fail("bad reply", NULL, r);
                if (r == 0)
                        break;
                format_time(p.expires_usec, te, sizeof te);
                if (arg.json) {
                        printf("%s{\"id\":%" PRIu64 ",\"verdict\":\"pending\",\"reason\":", first ? "" : ",", p.id);
                        pc_json_str(p.waiting);
                        printf(",\"sender\":");
                        pc_json_str(p.sender);
                        printf(",\"sec\":");
                        pc_json_str(p.sec);
                        printf(",\"received\":%" PRIu64 ",\"expires\":%" PRIu64 ",\"summary\":[", p.received_usec,
                               p.expires_usec);
                } else
                        printf("%-6" PRIu64 " %-16s %-12s %-20s %-20s ", p.id, p.sender, p.sec, p.waiting, te);
                for (unsigned i = 0; i < p.summary.n; i++) {
                        if (arg.json) {
                                printf("%s", i == 0 ? "" : ",");
                                pc_json_str(p.summary.lines[i]);
                        } else
                                /* verifierd labels provd's words "(unverified)" and ends with
                                 * "+N more not shown" when elements were left out: print every
                                 * line as it comes, never fewer */
                                printf("%s%s\n", i == 0 ? "" : "       ", p.summary.lines[i]);
                }
                if (!arg.json && p.summary.n == 0)
                        printf("\n");
                if (arg.json)
                        printf("]}");
                first = false;
        }
        if (arg.json)
                printf("]\n");
        else if (first)
                printf("(no pending pushes)\n");
        return 0;
}

/* show: the JSON object stays open for the pending push's details (show_pending) */
static bool record_leave_open;

static int print_push_record(sd_bus_message *reply, bool first) {
        IpcPushRow p;
        char ts[32];
        int r;

        r = ipc_push_row_read(reply, &p);
        if (r <= 0)
                return r;
        uint64_t id = p.id, t = p.time_usec;
        const char *sender = p.sender, *transport = p.transport, *sec = p.sec, *verdict = p.verdict,
                   *reason = p.reason, *denied = p.denied, *digest = p.digest;
        uint32_t roles = p.roles;

        format_time(t, ts, sizeof ts);
        if (arg.json) {
                printf("%s{\"id\":%" PRIu64 ",\"time\":\"%s\",\"sender\":", first ? "" : ",", id, ts);
                pc_json_str(sender);
                printf(",\"transport\":");
                pc_json_str(transport);
                printf(",\"sec\":");
                pc_json_str(sec);
                printf(",\"verdict\":");
                pc_json_str(verdict);
                printf(",\"reason\":");
                pc_json_str(reason);
                printf(",\"roles\":%u,\"denied\":", roles);
                pc_json_str(denied);
                printf(",\"digest\":");
                pc_json_str(digest);
                if (!record_leave_open)
                        printf("}");
        } else {
                printf("%-6" PRIu64 " %-20s %-16s %-12s %-12s %-9s %-20s %5u", id, ts, sender, transport, sec, verdict,
                       reason[0] ? reason : "-", roles);
                if (denied[0])
                        printf("  denied: %s", denied);
                printf("\n");
        }
        return 1;
}

static int verb_history(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bool first = true;
        int r;

        r = new_verifier_call(bus, IPC_M_GET_HISTORY, &m);
        if (r >= 0)
                r = ipc_history_request_append(m, arg.max);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("GetHistory", &e, r);
        r = ipc_list_enter(reply, IPC_LIST_HISTORY);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("[");
        else
                printf("%-6s %-20s %-16s %-12s %-12s %-9s %-20s %5s\n", "ID", "TIME", "SENDER", "TRANSPORT", "SEC",
                       "VERDICT", "REASON", "ROLES");
        while ((r = print_push_record(reply, first)) > 0)
                first = false;
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("]\n");
        return 0;
}

static int verb_show(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        uint64_t id;
        int r;

        if (argc != 2 || parse_id(argv[1], &id) < 0) {
                fprintf(stderr, "provctl: usage: provctl show ID\n");
                return PROVCTL_EXIT_USAGE;
        }
        r = new_verifier_call(bus, IPC_M_GET_PUSH, &m);
        if (r >= 0)
                r = ipc_id_append(m, id);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("GetPush", &e, r);
        record_leave_open = true;
        r = print_push_record(reply, true);
        if (r <= 0)
                return fail("bad reply", NULL, r < 0 ? r : -EBADMSG);
        /* a pending push: what it waits for and what it would change (issue 10, point 10) */
        r = show_pending(bus, id);
        if (arg.json)
                printf("}\n");
        return r;
}

/* ListAccounts: the DM accounts */
static int verb_accounts(sd_bus *bus) {
        static const char *const cols[] = { "SERVER ID", "NAME", "ADDRESS", "server_id", "name", "address" };
        const char *member = IPC_M_LIST_ACCOUNTS;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bool first = true;
        int r;

        r = new_verifier_call(bus, member, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail(member, &e, r);
        r = ipc_list_enter(reply, IPC_LIST_ACCOUNTS);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("[");
        else
                printf("%-40s %-24s %-40s %5s %s\n", cols[0], cols[1], cols[2], "ROLES", "PUSH");
        for (;;) {
                IpcAccountRow row;

                r = ipc_account_row_read(reply, &row);
                if (r < 0)
                        return fail("bad reply", NULL, r);
                if (r == 0)
                        break;
                const char *a = row.server_id, *b = row.name, *c = row.address;
                uint32_t roles = row.roles;
                uint64_t push = row.push_id;

                if (arg.json) {
                        printf("%s{\"%s\":", first ? "" : ",", cols[3]);
                        pc_json_str(a);
                        printf(",\"%s\":", cols[4]);
                        pc_json_str(b);
                        printf(",\"%s\":", cols[5]);
                        pc_json_str(c);
                        printf(",\"roles\":%u,\"push\":%" PRIu64 "}", roles, push);
                } else
                        printf("%-40s %-24s %-40s %5u %" PRIu64 "\n", a, b, c, roles, push);
                first = false;
        }
        if (arg.json)
                printf("]\n");
        return 0;
}

/* ---- settings: the stored values, and what each became on the system (ListExports) ---------- */

typedef struct ExportRow {
        char *root, *exporter, *state, *detail;
} ExportRow;

typedef struct Exports {
        ExportRow *items;
        size_t n;
} Exports;

static void exports_done(Exports *x) {
        for (size_t i = 0; i < x->n; i++) {
                free(x->items[i].root);
                free(x->items[i].exporter);
                free(x->items[i].state);
                free(x->items[i].detail);
        }
        free(x->items);
        *x = (Exports) {};
}

/* ListExports into @ret. A verifierd without the method: no rows (and no error). */
static int get_exports(sd_bus *bus, Exports *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = new_verifier_call(bus, IPC_M_LIST_EXPORTS, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD) ? 0 : fail(IPC_M_LIST_EXPORTS, &e, r);
        r = ipc_list_enter(reply, IPC_LIST_EXPORTS);
        if (r < 0)
                return fail("bad reply", NULL, r);
        for (;;) {
                IpcExportRow row;
                ExportRow *a;

                r = ipc_export_row_read(reply, &row);
                if (r < 0)
                        return fail("bad reply", NULL, r);
                if (r == 0)
                        break;
                const char *root = row.root, *exporter = row.exporter, *state = row.state, *detail = row.detail;
                a = reallocarray(ret->items, ret->n + 1, sizeof(ExportRow));
                if (!a)
                        return fail("out of memory", NULL, -ENOMEM);
                ret->items = a;
                a[ret->n] = (ExportRow) { strdup(root), strdup(exporter), strdup(state), strdup(detail) };
                ret->n++;
                if (!a[ret->n - 1].root || !a[ret->n - 1].exporter || !a[ret->n - 1].state || !a[ret->n - 1].detail)
                        return fail("out of memory", NULL, -ENOMEM);
        }
        return 0;
}

/* The export row of the root a setting at @chpath belongs to (chpath is the root or below it). */
static const ExportRow *export_of(const Exports *x, const char *chpath) {
        for (size_t i = 0; i < x->n; i++) {
                size_t n = strlen(x->items[i].root);

                if (strncmp(chpath, x->items[i].root, n) == 0 && (chpath[n] == 0 || chpath[n] == '/'))
                        return &x->items[i];
        }
        return NULL;
}

static int verb_settings(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(exports_done) Exports x = {};
        bool first = true;
        int r;

        r = get_exports(bus, &x);
        if (r != 0)
                return r;
        r = new_verifier_call(bus, IPC_M_LIST_SETTINGS, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail(IPC_M_LIST_SETTINGS, &e, r);
        r = ipc_list_enter(reply, IPC_LIST_SETTINGS);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("[");
        else
                printf("%-40s %-24s %-40s %5s %s\n", "PATH", "NAME", "VALUE", "ROLES", "PUSH");
        for (;;) {
                const ExportRow *ex;
                IpcSettingRow row;

                r = ipc_setting_row_read(reply, &row);
                if (r < 0)
                        return fail("bad reply", NULL, r);
                if (r == 0)
                        break;
                const char *path = row.path, *name = row.name, *value = row.value;
                uint32_t roles = row.roles;
                uint64_t push = row.push_id;

                if (!arg.json) {
                        printf("%-40s %-24s %-40s %5u %" PRIu64 "\n", path, name, value, roles, push);
                        continue;
                }
                ex = export_of(&x, path);
                printf("%s{\"path\":", first ? "" : ",");
                pc_json_str(path);
                printf(",\"name\":");
                pc_json_str(name);
                printf(",\"value\":");
                pc_json_str(value);
                printf(",\"roles\":%u,\"push\":%" PRIu64 ",\"export\":", roles, push);
                /* What it became on the system: only an exporter's word says "exported". */
                if (ex) {
                        pc_json_str(ex->state);
                        printf(",\"exporter\":");
                        pc_json_str(ex->exporter);
                        printf(",\"export_detail\":");
                        pc_json_str(ex->detail);
                } else
                        printf("null");
                printf("}");
                first = false;
        }
        if (arg.json) {
                printf("]\n");
                return 0;
        }
        if (x.n > 0) {
                printf("\n%-40s %s\n", "ROOT", "EXPORT");
                for (size_t i = 0; i < x.n; i++)
                        printf("%-40s %s: %s%s%s%s\n", x.items[i].root, x.items[i].exporter, x.items[i].state,
                               x.items[i].detail[0] ? " (" : "", x.items[i].detail, x.items[i].detail[0] ? ")" : "");
        }
        return 0;
}

/* Where each policy value comes from (GetPolicySources), kept for verb_policy. */
typedef struct PolicySource {
        char *key, *source;
        bool locked;
        uint64_t push;
} PolicySource;

typedef struct PolicySources {
        PolicySource *items;
        size_t n;
} PolicySources;

static void policy_sources_done(PolicySources *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].key);
                free(l->items[i].source);
        }
        free(l->items);
        *l = (PolicySources) {};
}

/* GetPolicySources into @ret. A verifierd without the method (older) gives an empty list. */
static int get_policy_sources(sd_bus *bus, PolicySources *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = new_verifier_call(bus, IPC_M_GET_POLICY_SOURCES, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD) ? 0 : r;
        r = ipc_list_enter(reply, IPC_LIST_POLICY_SOURCES);
        if (r < 0)
                return r;
        for (;;) {
                IpcPolicySourceRow row;
                PolicySource *n;

                r = ipc_policy_source_row_read(reply, &row);
                if (r <= 0)
                        return r;
                n = reallocarray(ret->items, ret->n + 1, sizeof(PolicySource));
                if (!n)
                        return -ENOMEM;
                ret->items = n;
                n[ret->n] = (PolicySource) { .key = strdup(row.key), .source = strdup(row.source), .locked = row.locked,
                                             .push = row.push_id };
                ret->n++;
                if (!n[ret->n - 1].key || !n[ret->n - 1].source)
                        return -ENOMEM;
        }
}

static const PolicySource *policy_source_find(const PolicySources *l, const char *key) {
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->items[i].key, key) == 0)
                        return &l->items[i];
        return NULL;
}

static int verb_policy(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(policy_sources_done) PolicySources src = {};
        bool first = true;
        int r;

        r = new_verifier_call(bus, IPC_M_GET_POLICY, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("GetPolicy", &e, r);
        r = get_policy_sources(bus, &src);
        if (r < 0)
                return fail("GetPolicySources", NULL, r);
        r = ipc_list_enter(reply, IPC_LIST_POLICY);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("{");
        for (;;) {
                const PolicySource *ps;
                IpcPolicyRow row;

                r = ipc_policy_row_read(reply, &row);
                if (r < 0)
                        return fail("bad reply", NULL, r);
                if (r == 0)
                        break;
                const char *k = row.key, *v = row.value;

                if (arg.json) {
                        printf("%s", first ? "" : ",");
                        pc_json_str(k);
                        printf(":");
                        pc_json_str(v);
                        first = false;
                        continue;
                }
                ps = policy_source_find(&src, k);
                if (!ps)
                        printf("%32s: %s\n", k, v);
                else if (ps->push > 0)
                        printf("%32s: %-12s (%s, push %" PRIu64 "%s)\n", k, v, ps->source, ps->push,
                               ps->locked ? ", locked" : "");
                else
                        printf("%32s: %-12s (%s%s)\n", k, v, ps->source, ps->locked ? ", locked" : "");
        }
        if (arg.json) {
                /* the values above keep their keys and string values; where each comes from is
                 * one more member, an object by the same keys */
                if (src.n > 0) {
                        printf(",\"Sources\":{");
                        for (size_t i = 0; i < src.n; i++) {
                                printf("%s", i ? "," : "");
                                pc_json_str(src.items[i].key);
                                printf(":{\"source\":");
                                pc_json_str(src.items[i].source);
                                printf(",\"locked\":%s,\"push\":%" PRIu64 "}", src.items[i].locked ? "true" : "false",
                                       src.items[i].push);
                        }
                        printf("}");
                }
                printf("}\n");
        }
        return 0;
}

/* provctl reset-policy: drop the over-the-air policy layer (root only). */
static int verb_reset_policy(sd_bus *bus, int argc) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        uint32_t n;
        int r;

        if (argc != 1) {
                fprintf(stderr, "provctl: usage: provctl reset-policy\n");
                return PROVCTL_EXIT_USAGE;
        }
        r = new_verifier_call(bus, IPC_M_RESET_POLICY, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("ResetPolicy", &e, r);
        r = ipc_reset_policy_reply_read(reply, &n);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("{\"dropped\":%" PRIu32 "}\n", n);
        else
                printf("over-the-air policy dropped (%" PRIu32 " value%s): the configuration files decide\n", n,
                       n == 1 ? "" : "s");
        return 0;
}

static int verb_certs(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bool first = true;
        int r;

        r = new_verifier_call(bus, IPC_M_LIST_CERTIFICATES, &m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("ListCertificates", &e, r);
        r = ipc_list_enter(reply, IPC_LIST_CERTIFICATES);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json)
                printf("[");
        else
                printf("%-40s %-5s %5s %-10s %-20s %s\n", "THUMBPRINT", "STORE", "ROLES", "SOURCE", "EXPIRES", "SUBJECT");
        for (;;) {
                IpcCertificateRow row;

                r = ipc_certificate_row_read(reply, &row);
                if (r < 0)
                        return fail("bad reply", NULL, r);
                if (r == 0)
                        break;
                const char *thumb = row.thumbprint, *subject = row.subject, *store = row.store, *source = row.source,
                           *expiry = row.expiry;
                uint32_t roles = row.roles;
                uint64_t push = row.push_id;

                if (arg.json) {
                        printf("%s{\"thumbprint\":", first ? "" : ",");
                        pc_json_str(thumb);
                        printf(",\"subject\":");
                        pc_json_str(subject);
                        printf(",\"store\":");
                        pc_json_str(store);
                        printf(",\"source\":");
                        pc_json_str(source);
                        printf(",\"roles\":%u,\"expiry\":", roles);
                        pc_json_str(expiry);
                        printf(",\"push\":%" PRIu64 "}", push);
                } else
                        printf("%-40s %-5s %5u %-10s %-20s %s\n", thumb, store, roles, source, expiry, subject);
                first = false;
        }
        if (arg.json)
                printf("]\n");
        return 0;
}

static int verb_install(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ unsigned char *buf = NULL;
        IpcVerdict v;
        size_t len;
        int r;

        if (argc != 2) {
                fprintf(stderr, "provctl: usage: provctl install FILE|-\n");
                return PROVCTL_EXIT_USAGE;
        }
        r = read_input_file(argv[1], &buf, &len, IPC_PACKAGE_MAX);
        if (r < 0) {
                fprintf(stderr, "provctl: cannot read '%s': %s\n", argv[1], strerror(-r));
                return r == -E2BIG ? PROVCTL_EXIT_DATAERR : PROVCTL_EXIT_NOINPUT;
        }
        r = new_verifier_call(bus, IPC_M_INSTALL, &m);
        if (r >= 0) {
                IpcInstall in = { .package = buf, .size = len };

                r = ipc_install_append(m, &in);
        }
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("Install", &e, r);
        r = ipc_verdict_read(reply, &v, true);
        if (r < 0)
                return fail("bad reply", NULL, r);
        print_verdict(&v);
        return 0;
}

/* dm connect SERVER-ID: one client-initiated OMA DM session (Verifier1.DmConnect), waiting for
 * its end. Exit status 0 only for "completed" (DESIGN's fixed interface), 1 for "failed". */
static int verb_dm(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        IpcDmResult res;
        int r;

        if (argc != 3 || strcmp(argv[1], "connect") != 0 || !argv[2][0] ||
            !ipc_string_printable(argv[2], IPC_DM_SERVER_ID_MAX)) {
                fprintf(stderr, "provctl: usage: provctl dm connect SERVER-ID\n");
                return PROVCTL_EXIT_USAGE;
        }
        r = new_verifier_call(bus, IPC_M_DM_CONNECT, &m);
        if (r >= 0)
                r = ipc_dm_connect_append(m, argv[2]);
        if (r >= 0)
                r = sd_bus_call(bus, m, IPC_DM_CONNECT_TIMEOUT_USEC, &e, &reply);
        if (r < 0)
                return fail("DmConnect", &e, r);
        r = ipc_dm_result_read(reply, &res);
        if (r < 0)
                return fail("bad reply", NULL, r);
        if (arg.json) {
                printf("{\"server_id\":");
                pc_json_str(argv[2]);
                printf(",\"result\":");
                pc_json_str(res.result);
                printf(",\"reason\":");
                pc_json_str(res.reason);
                printf(",\"executed\":%u,\"denied\":%u}\n", res.executed, res.denied);
        } else {
                printf("DM session with %s: %s", argv[2], res.result);
                if (res.reason[0])
                        printf(" (%s)", res.reason);
                printf(", %u command(s) executed, %u denied\n", res.executed, res.denied);
        }
        return strcmp(res.result, "completed") == 0 ? 0 : 1;
}

/* ---- Parser1 verbs --------------------------------------------------------------------- */

static int verb_inject(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ unsigned char *buf = NULL;
        IpcInject in;
        IpcVerdict v;
        size_t len;
        int r;

        if (argc != 2) {
                fprintf(stderr, "provctl: usage: provctl inject [--sms] [--smsc] [--format=FORMAT] [--modem=PATH] FILE|-\n");
                return PROVCTL_EXIT_USAGE;
        }
        r = read_input_file(argv[1], &buf, &len, IPC_INJECT_MAX);
        if (r < 0) {
                fprintf(stderr, "provctl: cannot read '%s': %s\n", argv[1], strerror(-r));
                return r == -E2BIG ? PROVCTL_EXIT_DATAERR : PROVCTL_EXIT_NOINPUT;
        }
        if (len == 0) {
                fprintf(stderr, "provctl: '%s' is empty\n", argv[1]);
                return PROVCTL_EXIT_DATAERR;
        }
        in = (IpcInject) { .data = buf, .size = len, .format = arg.format, .modem = arg.modem };
        if (arg.smsc)
                in.format = "sms-smsc";
        else if (arg.sms)
                in.format = "sms";
        /* Without --modem: Inject (the only SIM present is used, docs/architecture.md §4.3); with it, InjectOnModem. */
        r = sd_bus_message_new_method_call(bus, &m, IPC_PARSER_BUS_NAME, IPC_PARSER_PATH, IPC_PARSER_INTERFACE,
                                           arg.modem ? IPC_M_INJECT_ON_MODEM : IPC_M_INJECT);
        if (r >= 0)
                r = arg.modem ? ipc_inject_on_modem_append(m, &in) : ipc_inject_append(m, &in);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return fail("Inject", &e, r);
        r = ipc_verdict_read(reply, &v, true);
        if (r < 0)
                return fail("bad reply", NULL, r);
        print_verdict(&v);
        return 0;
}

static int get_counter(sd_bus *bus, const char *name, uint64_t *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        return sd_bus_get_property_trivial(bus, IPC_PARSER_BUS_NAME, IPC_PARSER_PATH, IPC_PARSER_INTERFACE, name, &e,
                                           't', ret);
}

static int verb_status(sd_bus *bus) {
        static const char *const counters[] = { IPC_P_RECEIVED, IPC_P_MALFORMED, IPC_P_FORWARDED, IPC_P_DROPPED,
                                                IPC_P_QUARANTINED };
        uint64_t vals[ELEMENTSOF(counters)];
        bool provd_up = true;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(counters); i++)
                if (get_counter(bus, counters[i], &vals[i]) < 0) {
                        provd_up = false;
                        break;
                }
        if (arg.json) {
                printf("{\"provd\":");
                if (provd_up) {
                        printf("{");
                        for (size_t i = 0; i < ELEMENTSOF(counters); i++)
                                printf("%s\"%s\":%" PRIu64, i ? "," : "", counters[i], vals[i]);
                        printf("}");
                } else
                        printf("null");
                printf(",\"policy\":");
                fflush(stdout);
        } else {
                printf("provd: %s\n", provd_up ? "running" : "not reachable");
                if (provd_up)
                        for (size_t i = 0; i < ELEMENTSOF(counters); i++)
                                printf("%32s: %" PRIu64 "\n", counters[i], vals[i]);
                printf("verifierd policy:\n");
        }
        r = verb_policy(bus);
        if (r != 0 && arg.json)
                printf("null}\n");
        else if (arg.json)
                printf("}\n");
        return r;
}

int verb_bus(const char *verb, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uint64_t id;
        int r;

        static const char *const known[] = { "status", "pending", "pin", "confirm", "discard", "history", "show",
                                             "settings", "accounts", "policy", "certs", "inject", "install",
                                             "agent", "reset-policy", "dm" };
        bool ok = false;

        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (strcmp(verb, known[i]) == 0)
                        ok = true;
        if (!ok) {
                fprintf(stderr, "provctl: unknown command '%s'; see 'provctl --help'\n", verb);
                return PROVCTL_EXIT_USAGE;
        }
        r = connect_bus(&bus);
        if (r < 0)
                return PROVCTL_EXIT_UNAVAILABLE;

        if (strcmp(verb, "status") == 0)
                return verb_status(bus);
        if (strcmp(verb, "pending") == 0)
                return verb_pending(bus);
        if (strcmp(verb, "pin") == 0)
                return verb_pin(bus, argc, argv);
        if (strcmp(verb, "confirm") == 0 || strcmp(verb, "discard") == 0) {
                if (argc != 2 || parse_id(argv[1], &id) < 0) {
                        fprintf(stderr, "provctl: usage: provctl %s ID\n", verb);
                        return PROVCTL_EXIT_USAGE;
                }
                return verb_simple_verdict(bus, verb[0] == 'c' ? IPC_M_CONFIRM : IPC_M_DISCARD, id, NULL);
        }
        if (strcmp(verb, "history") == 0)
                return verb_history(bus);
        if (strcmp(verb, "show") == 0)
                return verb_show(bus, argc, argv);
        if (strcmp(verb, "settings") == 0)
                return verb_settings(bus);
        if (strcmp(verb, "accounts") == 0)
                return verb_accounts(bus);
        if (strcmp(verb, "policy") == 0)
                return verb_policy(bus);
        if (strcmp(verb, "reset-policy") == 0)
                return verb_reset_policy(bus, argc);
        if (strcmp(verb, "certs") == 0)
                return verb_certs(bus);
        if (strcmp(verb, "inject") == 0)
                return verb_inject(bus, argc, argv);
        if (strcmp(verb, "agent") == 0)
                return verb_agent(bus, argc, argv);
        if (strcmp(verb, "dm") == 0)
                return verb_dm(bus, argc, argv);
        return verb_install(bus, argc, argv);
}

/* ---- shared with show.c and agent.c (provctl.h) ------------------------------------------- */

/* A JSON string literal of @s (RFC 8259 §7): quote and backslash escaped, controls as \\u00XX. */
void pc_json_str(const char *s) {
        putchar('"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        printf("\\%c", *p);
                else if (*p < 0x20)
                        printf("\\u%04x", *p);
                else
                        putchar(*p);
        }
        putchar('"');
}

int pc_fail(const char *what, const sd_bus_error *e, int r) {
        return fail(what, e, r);
}

int pc_verifier_call(sd_bus *bus, const char *member, sd_bus_message **ret) {
        return new_verifier_call(bus, member, ret);
}

int pc_call(sd_bus *bus, sd_bus_message *m, sd_bus_message **reply, sd_bus_error *e) {
        return call(bus, m, reply, e);
}

void pc_format_time(uint64_t usec, char *buf, size_t n) {
        format_time(usec, buf, n);
}
