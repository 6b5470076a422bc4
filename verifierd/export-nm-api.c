/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm-api.c: the profiles of export-nm.h through NetworkManager's settings D-Bus API (see
 * export-nm-api.h for the calls, when they are used, the settings sent, the ownership rule and
 * the canonical form that tells a user's edit). Every reply of NetworkManager is read with
 * bounds (EXPORT_NM_API_*_MAX) like any other process's input. Library code: logs nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "export-nm-api.h"
#include "export-nm-load.h"
#include "macros.h"

/* ---- a growing text that may hold the password: wiped whenever it moves or goes ------------- */

typedef struct Buf {
        char *p;
        size_t len, cap;
        bool too_big;
} Buf;

static void buf_wipe(Buf *b) {
        if (b->p)
                explicit_bzero(b->p, b->cap);
        free(b->p);
        *b = (Buf) {};
}

static int buf_add(Buf *b, const char *s, size_t n) {
        if (b->len + n + 1 > EXPORT_NM_API_CANON_MAX) {
                b->too_big = true;
                return -EBADMSG;
        }
        if (b->len + n + 1 > b->cap) {
                size_t cap = MAX(b->cap * 2, b->len + n + 64);
                char *q;

                cap = MIN(cap, (size_t) EXPORT_NM_API_CANON_MAX);
                q = malloc(cap);
                if (!q)
                        return -ENOMEM;
                if (b->p) {
                        memcpy(q, b->p, b->len);
                        explicit_bzero(b->p, b->cap);
                        free(b->p);
                }
                b->p = q;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = 0;
        return 0;
}

static int buf_str(Buf *b, const char *s) {
        return buf_add(b, s, strlen(s));
}

static char *buf_take(Buf *b) {
        char *p = b->p;

        if (!p)
                p = calloc(1, 1);
        *b = (Buf) {};
        return p;
}

void export_nm_api_text_free(char *text) {
        if (text)
                explicit_bzero(text, strlen(text));
        free(text);
}

/* ---- the settings sent ----------------------------------------------------------------------- */

static int open_setting(sd_bus_message *m, const char *name) {
        int r = sd_bus_message_open_container(m, 'e', "sa{sv}");

        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        return r;
}

static int close_setting(sd_bus_message *m) {
        int r = sd_bus_message_close_container(m);

        return r < 0 ? r : sd_bus_message_close_container(m);
}

static int put_s(sd_bus_message *m, const char *key, const char *v) {
        return v ? sd_bus_message_append(m, "{sv}", key, "s", v) : 0;
}

static int put_b(sd_bus_message *m, const char *key, bool v) {
        return sd_bus_message_append(m, "{sv}", key, "b", (int) v);
}

int export_nm_api_append_settings(sd_bus_message *m, const NmProfile *p) {
        static const char *const refuse_pap[] = { "refuse-chap", "refuse-eap", "refuse-mschap", "refuse-mschapv2" };
        static const char *const refuse_chap[] = { "refuse-eap", "refuse-mschap", "refuse-mschapv2", "refuse-pap" };
        const char *const *refuse = NULL;
        char *text = NULL, push_id[24];
        int r;

        /* The keyfile's rules (export-nm.h: APN, no control character, SIM digits) decide what
         * may be sent too: rendering is the check. */
        r = export_nm_render(p, &text);
        export_nm_api_text_free(text);
        if (r < 0)
                return r;
        if (p->authtype && strcmp(p->authtype, "PAP") == 0)
                refuse = refuse_pap;
        else if (p->authtype && strcmp(p->authtype, "CHAP") == 0)
                refuse = refuse_chap;
        snprintf(push_id, sizeof push_id, "%llu", (unsigned long long) p->push_id);

        r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
        if (r >= 0)
                r = open_setting(m, "connection");
        if (r >= 0)
                r = put_s(m, "id", p->id);
        if (r >= 0)
                r = put_s(m, "uuid", p->uuid);
        if (r >= 0)
                r = put_s(m, "type", "gsm");
        /* autoconnect defaults to true: sent only when false; the priority as in the keyfile
         * (the strongest authentication first, export-nm.h). */
        if (r >= 0 && !p->autoconnect)
                r = put_b(m, "autoconnect", false);
        if (r >= 0 && p->autoconnect)
                r = sd_bus_message_append(m, "{sv}", "autoconnect-priority", "i", (int32_t) p->strength);
        if (r >= 0)
                r = close_setting(m);
        if (r >= 0)
                r = open_setting(m, "gsm");
        if (r >= 0)
                r = put_s(m, "apn", p->apn);
        if (r >= 0)
                r = put_s(m, "username", p->username);
        if (r >= 0 && p->password) {
                /* password-flags 0: a system-owned secret, stored by NetworkManager itself */
                r = put_s(m, "password", p->password);
                if (r >= 0)
                        r = sd_bus_message_append(m, "{sv}", "password-flags", "u", (uint32_t) 0);
        }
        if (r >= 0)
                r = put_s(m, "sim-id", p->sim_id);
        if (r >= 0)
                r = put_s(m, "sim-operator-id", p->sim_operator_id);
        if (r >= 0)
                r = close_setting(m);
        if (r >= 0 && refuse) {
                r = open_setting(m, "ppp");
                for (size_t i = 0; r >= 0 && i < 4; i++)
                        r = put_b(m, refuse[i], true);
                if (r >= 0)
                        r = close_setting(m);
        }
        for (unsigned i = 0; r >= 0 && i < 2; i++) {
                r = open_setting(m, i == 0 ? "ipv4" : "ipv6");
                if (r >= 0)
                        r = put_s(m, "method", "auto");
                if (r >= 0)
                        r = close_setting(m);
        }
        if (r >= 0)
                r = open_setting(m, "user");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "data");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a{ss}");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{ss}", 4, EXPORT_NM_API_KEY_NAME, p->filename, EXPORT_NM_API_KEY_OWNER,
                                          EXPORT_NM_API_OWNER, EXPORT_NM_API_KEY_PUSH_ID, push_id,
                                          EXPORT_NM_API_KEY_ROOT, p->root);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = close_setting(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* ---- the canonical form ---------------------------------------------------------------------- */

/* One value as text: the basic types printed, strings quoted with every byte outside printable
 * ASCII (and '"', '\') as \xNN, containers in brackets; the entries of a dictionary sorted (their
 * order on the bus means nothing). */
static int ser_value(sd_bus_message *m, Buf *b, unsigned depth);

static int ser_string(Buf *b, const char *s) {
        char q[5];
        int r = buf_str(b, "\"");

        for (const unsigned char *c = (const unsigned char *) s; r >= 0 && *c; c++)
                if (*c < 0x20 || *c >= 0x7F || *c == '"' || *c == '\\') {
                        snprintf(q, sizeof q, "\\x%02x", *c);
                        r = buf_str(b, q);
                } else
                        r = buf_add(b, (const char *) c, 1);
        return r < 0 ? r : buf_str(b, "\"");
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The most bytes of dictionary entries held at once (serialised, not yet appended) during this
 * thread's last export_nm_api_canonical: export_nm_api_canonical_peak. */
static _Thread_local size_t held_peak;

static int ser_container(sd_bus_message *m, Buf *b, char type, const char *contents, unsigned depth) {
        bool dict = type == 'a' && contents[0] == '{';
        char **items = NULL;
        size_t n = 0, held = 0;         /* held: the bytes of items[] so far */
        int r;

        if (depth >= EXPORT_NM_API_DEPTH_MAX)
                return -EBADMSG;
        r = sd_bus_message_enter_container(m, type, contents);
        if (r <= 0)
                return -EBADMSG;
        if (type == 'v') {
                r = buf_str(b, contents);
                if (r >= 0)
                        r = buf_str(b, ":");
        } else
                r = buf_str(b, type == 'a' ? "[" : type == 'e' ? "{" : "(");
        while (r >= 0) {
                Buf item = {};

                r = sd_bus_message_peek_type(m, NULL, NULL);
                if (r < 0)
                        r = -EBADMSG;
                if (r <= 0)
                        break;
                if (!dict) {
                        if (n++ > 0 && type != 'v')
                                r = buf_str(b, ",");
                        if (r >= 0)
                                r = ser_value(m, b, depth + 1);
                        continue;
                }
                /* a dictionary entry: serialised alone, sorted below */
                r = ser_value(m, &item, depth + 1);
                /* The entries are appended only once all are read (sorted): the bound counts
                 * every entry held so far, their n separators, the closing bracket and the NUL,
                 * so what is held never exceeds EXPORT_NM_API_CANON_MAX either. */
                if (r >= 0 && b->len + held + item.len + n + 2 > EXPORT_NM_API_CANON_MAX)
                        r = -EBADMSG;
                if (r >= 0) {
                        held += item.len;
                        held_peak = MAX(held_peak, held);
                }
                if (r >= 0) {
                        char **a = reallocarray(items, n + 1, sizeof(char *));

                        if (!a)
                                r = -ENOMEM;
                        else {
                                items = a;
                                items[n++] = buf_take(&item);
                                if (!items[n - 1])
                                        r = -ENOMEM;
                        }
                }
                buf_wipe(&item);
        }
        if (r >= 0 && dict) {
                if (n > 1) /* qsort of NULL, 0 is undefined */
                        qsort(items, n, sizeof(char *), cmp_str);
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        if (i > 0)
                                r = buf_str(b, ",");
                        if (r >= 0)
                                r = buf_str(b, items[i]);
                }
        }
        for (size_t i = 0; dict && i < n; i++)
                export_nm_api_text_free(items[i]);
        free(items);
        if (r < 0)
                return r;
        if (sd_bus_message_exit_container(m) < 0)
                return -EBADMSG;
        return type == 'v' ? 0 : buf_str(b, type == 'a' ? "]" : type == 'e' ? "}" : ")");
}

static int ser_value(sd_bus_message *m, Buf *b, unsigned depth) {
        const char *contents = NULL;
        char type, num[64];
        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                const char *s;
        } v;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return -EBADMSG;
        if (type == 'a' || type == 'v' || type == 'r' || type == 'e')
                return ser_container(m, b, type, contents, depth);
        if (type == 'h')
                return -EBADMSG; /* no file descriptor belongs in a profile */
        r = sd_bus_message_read_basic(m, type, &v);
        if (r <= 0)
                return -EBADMSG;
        switch (type) {
        case 's':
        case 'o':
        case 'g':
                return ser_string(b, v.s);
        case 'b':
                return buf_str(b, v.b ? "true" : "false");
        case 'y':
                snprintf(num, sizeof num, "%u", (unsigned) v.y);
                break;
        case 'n':
                snprintf(num, sizeof num, "%d", (int) v.n);
                break;
        case 'q':
                snprintf(num, sizeof num, "%u", (unsigned) v.q);
                break;
        case 'i':
                snprintf(num, sizeof num, "%d", (int) v.i);
                break;
        case 'u':
                snprintf(num, sizeof num, "%u", (unsigned) v.u);
                break;
        case 'x':
                snprintf(num, sizeof num, "%lld", (long long) v.x);
                break;
        case 't':
                snprintf(num, sizeof num, "%llu", (unsigned long long) v.t);
                break;
        case 'd':
                snprintf(num, sizeof num, "%.17g", v.d);
                break;
        default:
                return -EBADMSG;
        }
        return buf_str(b, num);
}

typedef struct Prop {
        char *key;                      /* "setting.property" */
        char *value;                    /* "signature:value" */
} Prop;

typedef struct Props {
        Prop *v;
        size_t n;
        unsigned read;                  /* properties read, kept or not (EXPORT_NM_API_PROPERTIES_MAX) */
} Props;

static void props_done(Props *ps) {
        for (size_t i = 0; i < ps->n; i++) {
                free(ps->v[i].key);
                export_nm_api_text_free(ps->v[i].value);
        }
        free(ps->v);
        *ps = (Props) {};
}

/* What NetworkManager reports without anyone setting it: left out of the canonical form. */
static bool prop_is_default(const char *setting, const char *name, const char *value) {
        static const struct {
                const char *setting, *name, *value; /* value NULL: whatever it is */
        } defaults[] = {
                { "connection", "timestamp", NULL },    /* updated when the profile is used */
                { "connection", "autoconnect", "b:true" }, /* true by default: false is a value */
        };
        const char *colon = strchr(value, ':');
        const char *v = colon ? colon + 1 : value;

        for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
                if (strcmp(defaults[i].setting, setting) == 0 && strcmp(defaults[i].name, name) == 0)
                        return !defaults[i].value || strcmp(defaults[i].value, value) == 0;
        /* otherwise an empty or zero value: the default of every property NetworkManager lists
         * anyway (the legacy ipv4.addresses, connection.permissions, ...) */
        return strcmp(v, "[]") == 0 || strcmp(v, "\"\"") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0;
}

static int props_put(Props *ps, const char *setting, const char *name, char *value) {
        _cleanup_free_ char *key = NULL;
        Prop *a;

        if (asprintf(&key, "%s.%s", setting, name) < 0) {
                export_nm_api_text_free(value);
                return -ENOMEM;
        }
        for (size_t i = 0; i < ps->n; i++)
                if (strcmp(ps->v[i].key, key) == 0) {
                        export_nm_api_text_free(ps->v[i].value);
                        ps->v[i].value = value; /* the later message wins (GetSecrets) */
                        return 0;
                }
        a = reallocarray(ps->v, ps->n + 1, sizeof(Prop));
        if (!a) {
                export_nm_api_text_free(value);
                return -ENOMEM;
        }
        ps->v = a;
        ps->v[ps->n++] = (Prop) { .key = TAKE_PTR(key), .value = value };
        return 0;
}

/* Remove a property a later message says is at its default. */
static void props_drop(Props *ps, const char *setting, const char *name) {
        size_t sl = strlen(setting);

        for (size_t i = 0; i < ps->n; i++)
                if (strncmp(ps->v[i].key, setting, sl) == 0 && ps->v[i].key[sl] == '.' &&
                    strcmp(ps->v[i].key + sl + 1, name) == 0) {
                        free(ps->v[i].key);
                        export_nm_api_text_free(ps->v[i].value);
                        ps->v[i] = ps->v[--ps->n];
                        return;
                }
}

/* A setting or property name as NetworkManager spells them ("802-11-wireless", "addr-gen-mode"):
 * letters, digits, '-' and '_' (a property's "." and "=" would blur the canonical line). */
static bool name_ok(const char *s) {
        size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

        return n > 0 && s[n] == 0;
}

static int props_read(sd_bus_message *m, Props *ps) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r <= 0)
                return -EBADMSG;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *setting;

                r = sd_bus_message_read(m, "s", &setting);
                if (r <= 0 || !name_ok(setting))
                        return -EBADMSG;
                r = sd_bus_message_enter_container(m, 'a', "{sv}");
                if (r <= 0)
                        return -EBADMSG;
                while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                        const char *name;
                        Buf b = {};

                        if (++ps->read > EXPORT_NM_API_PROPERTIES_MAX)
                                return -EBADMSG;
                        r = sd_bus_message_read(m, "s", &name);
                        if (r <= 0 || !name_ok(name))
                                return -EBADMSG;
                        r = ser_value(m, &b, 0);
                        if (r < 0) {
                                buf_wipe(&b);
                                return r;
                        }
                        if (prop_is_default(setting, name, b.p ? b.p : "")) {
                                props_drop(ps, setting, name);
                                buf_wipe(&b);
                        } else {
                                r = props_put(ps, setting, name, buf_take(&b));
                                if (r < 0)
                                        return r;
                        }
                        if (sd_bus_message_exit_container(m) < 0)
                                return -EBADMSG;
                }
                if (r < 0 || sd_bus_message_exit_container(m) < 0 || sd_bus_message_exit_container(m) < 0)
                        return -EBADMSG;
        }
        if (r < 0 || sd_bus_message_exit_container(m) < 0)
                return -EBADMSG;
        return 0;
}

static int cmp_prop(const void *a, const void *b) {
        return strcmp(((const Prop *) a)->key, ((const Prop *) b)->key);
}

int export_nm_api_canonical(sd_bus_message *const *msgs, size_t n, char **ret) {
        Props ps = {};
        Buf b = {};
        int r = 0;

        held_peak = 0;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = props_read(msgs[i], &ps);
        if (r >= 0 && ps.n > 1)
                qsort(ps.v, ps.n, sizeof(Prop), cmp_prop);
        for (size_t i = 0; r >= 0 && i < ps.n; i++) {
                r = buf_str(&b, ps.v[i].key);
                if (r >= 0)
                        r = buf_str(&b, "=");
                if (r >= 0)
                        r = buf_str(&b, ps.v[i].value);
                if (r >= 0)
                        r = buf_str(&b, "\n");
        }
        props_done(&ps);
        if (r < 0) {
                buf_wipe(&b);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret = buf_take(&b);
        return *ret ? 0 : -ENOMEM;
}

size_t export_nm_api_canonical_peak(void) {
        return held_peak;
}

static int canonical_digest(sd_bus_message *const *msgs, size_t n, char ret[STORE_DIGEST_HEX_LEN + 1]) {
        char *text = NULL;
        int r;

        r = export_nm_api_canonical(msgs, n, &text);
        if (r < 0)
                return r;
        r = store_digest_hex((const uint8_t *) text, strlen(text), ret);
        export_nm_api_text_free(text);
        return r;
}

int export_nm_api_profile_digest(sd_bus *bus, const NmProfile *p, char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        /* Built, sealed and read back: exactly the a{sa{sv}} a write sends (nothing is sent). */
        r = sd_bus_message_new_method_call(bus, &m, EXPORT_NM_API_SERVICE, EXPORT_NM_API_SETTINGS_PATH,
                                           EXPORT_NM_API_SETTINGS_INTERFACE, "AddConnection2");
        if (r >= 0)
                r = export_nm_api_append_settings(m, p);
        if (r >= 0)
                r = sd_bus_message_seal(m, 1, 0);
        if (r >= 0)
                r = sd_bus_message_rewind(m, true);
        if (r < 0)
                return r;
        return canonical_digest(&m, 1, ret_digest);
}

/* ---- the io ---------------------------------------------------------------------------------- */

static int api_errno(const sd_bus_error *e, int r) {
        if (sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.AccessDenied") ||
            sd_bus_error_has_name(e, "org.freedesktop.NetworkManager.Settings.PermissionDenied"))
                return -EACCES;
        if (sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.ServiceUnknown") ||
            sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.NameHasNoOwner"))
                return -EHOSTUNREACH;
        return r < 0 ? r : -EIO;
}

static int api_bus(ExportNmApi *api, sd_bus **ret) {
        int r;

        if (api->bus && sd_bus_is_open(api->bus) <= 0)
                api->bus = sd_bus_flush_close_unref(api->bus);
        if (!api->bus) {
                r = sd_bus_open_system_with_description(&api->bus, "provboot-nm-api");
                if (r < 0)
                        return r;
        }
        *ret = api->bus;
        return 0;
}

/* The time-out of the next call: EXPORT_NM_API_TIMEOUT_USEC, cut to what is left of the run's
 * budget (ExportNmApi.deadline). Return: 0; -ETIMEDOUT the budget is spent. */
static int api_timeout(const ExportNmApi *api, uint64_t *ret) {
        struct timespec ts;
        uint64_t now;

        *ret = EXPORT_NM_API_TIMEOUT_USEC;
        if (api->deadline == 0)
                return 0;
        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return -errno;
        now = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
        if (now >= api->deadline)
                return -ETIMEDOUT;
        *ret = MIN(*ret, api->deadline - now);
        return 0;
}

static int api_call(ExportNmApi *api, const char *path, const char *iface, const char *member,
                    sd_bus_message *m, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *own = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus;
        uint64_t timeout;
        int r;

        r = api_bus(api, &bus);
        if (r < 0)
                return r;
        if (!m) {
                r = sd_bus_message_new_method_call(bus, &own, EXPORT_NM_API_SERVICE, path, iface, member);
                if (r < 0)
                        return r;
                m = own;
        }
        /* Never start NetworkManager: the keyfiles are the way when it is not running. */
        r = sd_bus_message_set_auto_start(m, 0);
        if (r >= 0)
                r = api_timeout(api, &timeout);
        if (r >= 0)
                r = sd_bus_call(bus, m, timeout, &error, ret_reply);
        if (r < 0)
                return api_errno(&error, r);
        return 0;
}

/* The connection of @uuid: 1 and its path (malloc'd), 0 none. */
static int api_find_uuid(ExportNmApi *api, const char *uuid, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        uint64_t timeout;
        sd_bus *bus;
        int r;

        r = api_bus(api, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &m, EXPORT_NM_API_SERVICE, EXPORT_NM_API_SETTINGS_PATH,
                                           EXPORT_NM_API_SETTINGS_INTERFACE, "GetConnectionByUuid");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", uuid);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, 0);
        if (r >= 0)
                r = api_timeout(api, &timeout);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, timeout, &error, &reply);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.NetworkManager.Settings.InvalidConnection"))
                        return 0; /* "No connection with the UUID was found" */
                return api_errno(&error, r);
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r <= 0)
                return -EBADMSG;
        *ret_path = strdup(path);
        return *ret_path ? 1 : -ENOMEM;
}

/* The UUID of NAME: from its root (the caller's: a profile's or its record's), or from the last
 * listing. NULL: unknown (so: absent, left alone). Without a root from the caller, only a listed
 * connection that is bound to its root counts (io_list: the root in its user data gives both its
 * name and its UUID); several such with that name and different UUIDs: unknown. */
static const char *api_uuid(ExportNmApi *api, const char *name, const char *root, char buf[37]) {
        const char *found = NULL;

        if (root) {
                export_nm_uuid_of_root(root, buf);
                return buf;
        }
        for (size_t i = 0; i < api->n_listed; i++) {
                if (!api->listed[i].bound || strcmp(api->listed[i].name, name) != 0)
                        continue;
                if (found && strcmp(found, api->listed[i].uuid) != 0)
                        return NULL;
                found = api->listed[i].uuid;
        }
        return found;
}

/* A string property of GetSettings' reply (connection.uuid) or a user data value; the reply is
 * rewound after. Return: 1 found (@ret borrowed from the message), 0 not there, -EBADMSG. */
static int settings_lookup(sd_bus_message *m, const char *want_setting, const char *want_name, const char *user_key,
                           char **ret) {
        int r, found = 0;

        *ret = NULL;
        r = sd_bus_message_rewind(m, true);
        if (r < 0)
                return -EBADMSG;
        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r <= 0)
                return -EBADMSG;
        while (!found && (r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *setting;

                if (sd_bus_message_read(m, "s", &setting) <= 0)
                        return -EBADMSG;
                if (strcmp(setting, want_setting) != 0) {
                        if (sd_bus_message_skip(m, "a{sv}") < 0 || sd_bus_message_exit_container(m) < 0)
                                return -EBADMSG;
                        continue;
                }
                if (sd_bus_message_enter_container(m, 'a', "{sv}") <= 0)
                        return -EBADMSG;
                while (!found && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                        const char *name, *contents;
                        char type;

                        if (sd_bus_message_read(m, "s", &name) <= 0 ||
                            sd_bus_message_peek_type(m, &type, &contents) <= 0)
                                return -EBADMSG;
                        if (strcmp(name, want_name) != 0 ||
                            !streq_ptr(contents, user_key ? "a{ss}" : "s")) {
                                if (sd_bus_message_skip(m, "v") < 0)
                                        return -EBADMSG;
                        } else if (!user_key) {
                                const char *s;

                                if (sd_bus_message_read(m, "v", "s", &s) <= 0)
                                        return -EBADMSG;
                                *ret = (char *) s;
                                found = 1;
                        } else {
                                const char *k, *s;

                                if (sd_bus_message_enter_container(m, 'v', "a{ss}") <= 0 ||
                                    sd_bus_message_enter_container(m, 'a', "{ss}") <= 0)
                                        return -EBADMSG;
                                for (unsigned i = 0; (r = sd_bus_message_read(m, "{ss}", &k, &s)) > 0; i++) {
                                        if (i >= EXPORT_NM_API_PROPERTIES_MAX)
                                                return -EBADMSG;
                                        if (!found && strcmp(k, user_key) == 0) {
                                                *ret = (char *) s;
                                                found = 1;
                                        }
                                }
                                if (r < 0 || sd_bus_message_exit_container(m) < 0 ||
                                    sd_bus_message_exit_container(m) < 0)
                                        return -EBADMSG;
                        }
                        if (!found && sd_bus_message_exit_container(m) < 0)
                                return -EBADMSG;
                }
                if (r < 0)
                        return -EBADMSG;
                break;
        }
        if (r < 0)
                return -EBADMSG;
        return found;
}

/* Is the connection at @settings ours (the owner marker in its user data)? 1, 0, -EBADMSG. */
static int settings_ours(sd_bus_message *settings) {
        char *owner;
        int r;

        r = settings_lookup(settings, "user", "data", EXPORT_NM_API_KEY_OWNER, &owner);
        if (r <= 0)
                return r;
        return strcmp(owner, EXPORT_NM_API_OWNER) == 0;
}

/* What the connection at @path is: OURS with the digest of its canonical form, or OTHER. */
static int api_inspect(ExportNmApi *api, const char *path, ExportNmFileState *ret_state,
                       char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *settings = NULL, *secrets = NULL, *m = NULL;
        sd_bus_message *both[2];
        sd_bus *bus;
        int r;

        ret_digest[0] = 0;
        r = api_call(api, path, EXPORT_NM_API_CONNECTION_INTERFACE, "GetSettings", NULL, &settings);
        if (r < 0)
                return r;
        r = settings_ours(settings);
        if (r < 0)
                return r;
        if (r == 0) {
                *ret_state = EXPORT_NM_FILE_OTHER; /* the UUID of ours without the marker: not touched */
                return 0;
        }
        /* The password is a secret: GetSettings leaves it out, GetSecrets (polkit:
         * settings.modify.system, like the writes) returns what NetworkManager stores. */
        r = api_bus(api, &bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, EXPORT_NM_API_SERVICE, path,
                                                   EXPORT_NM_API_CONNECTION_INTERFACE, "GetSecrets");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "gsm");
        if (r >= 0)
                r = api_call(api, path, NULL, NULL, m, &secrets);
        if (r < 0)
                return r;
        if (sd_bus_message_rewind(settings, true) < 0)
                return -EBADMSG;
        both[0] = settings;
        both[1] = secrets;
        r = canonical_digest(both, 2, ret_digest);
        if (r < 0)
                return r;
        *ret_state = EXPORT_NM_FILE_OURS;
        return 0;
}

static int io_open(void *ctx) {
        ExportNmApi *api = ctx;
        sd_bus *bus;
        int r;

        r = api_bus(api, &bus);
        if (r >= 0)
                r = export_nm_running(bus);
        if (r < 0) {
                api->bus = sd_bus_flush_close_unref(api->bus); /* reconnect next time */
                return r;
        }
        return r > 0 ? 0 : -EHOSTUNREACH;
}

static int io_read(void *ctx, const char *name, const char *root, ExportNmFileState *ret_state,
                   char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        ExportNmApi *api = ctx;
        _cleanup_free_ char *path = NULL;
        const char *uuid;
        char buf[37];
        int r;

        *ret_state = EXPORT_NM_FILE_ABSENT;
        ret_digest[0] = 0;
        uuid = api_uuid(api, name, root, buf);
        if (!uuid)
                return 0;
        r = api_find_uuid(api, uuid, &path);
        if (r <= 0)
                return r;
        return api_inspect(api, path, ret_state, ret_digest);
}

static int io_write(void *ctx, const NmProfile *p) {
        ExportNmApi *api = ctx;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *path = NULL;
        char have[STORE_DIGEST_HEX_LEN + 1], want[STORE_DIGEST_HEX_LEN + 1];
        ExportNmFileState st;
        sd_bus *bus;
        int r;

        r = api_bus(api, &bus);
        if (r >= 0)
                r = export_nm_api_profile_digest(bus, p, want);
        if (r < 0)
                return r;
        r = api_find_uuid(api, p->uuid, &path);
        if (r < 0)
                return r;
        if (r > 0) {
                r = api_inspect(api, path, &st, have);
                if (r < 0)
                        return r;
                if (st != EXPORT_NM_FILE_OURS)
                        return -EEXIST; /* someone else's connection has the UUID: never replaced */
                if (CRYPTO_memcmp(have, want, STORE_DIGEST_HEX_LEN) == 0)
                        return 0; /* already exactly this (digests: constant time, as export-nm.c) */
        }
        r = api_bus(api, &bus);
        if (r >= 0)
                r = path ? sd_bus_message_new_method_call(bus, &m, EXPORT_NM_API_SERVICE, path,
                                                          EXPORT_NM_API_CONNECTION_INTERFACE, "Update2")
                         : sd_bus_message_new_method_call(bus, &m, EXPORT_NM_API_SERVICE, EXPORT_NM_API_SETTINGS_PATH,
                                                          EXPORT_NM_API_SETTINGS_INTERFACE, "AddConnection2");
        if (r >= 0)
                r = export_nm_api_append_settings(m, p);
        /* TO_DISK: NetworkManager stores the profile (root's, 0600, in its own directory) */
        if (r >= 0)
                r = sd_bus_message_append(m, "ua{sv}", EXPORT_NM_API_FLAG_TO_DISK, 0);
        if (r >= 0)
                r = api_call(api, NULL, NULL, NULL, m, &reply);
        return r < 0 ? r : 1;
}

static int io_remove(void *ctx, const char *name, const char *root) {
        ExportNmApi *api = ctx;
        _cleanup_free_ char *path = NULL;
        char digest[STORE_DIGEST_HEX_LEN + 1], buf[37];
        ExportNmFileState st;
        const char *uuid;
        int r;

        uuid = api_uuid(api, name, root, buf);
        if (!uuid)
                return 0;
        r = api_find_uuid(api, uuid, &path);
        if (r <= 0)
                return r;
        r = api_inspect(api, path, &st, digest);
        if (r < 0)
                return r;
        if (st != EXPORT_NM_FILE_OURS)
                return -EEXIST;
        r = api_call(api, path, EXPORT_NM_API_CONNECTION_INTERFACE, "Delete", NULL, NULL);
        return r < 0 ? r : 1;
}

static void listed_done(ExportNmApi *api) {
        free(api->listed);
        api->listed = NULL;
        api->n_listed = 0;
}

/* The names of the connections that carry our marker and a name of ours; the UUIDs remembered
 * for @read and @remove of those names (which come without a root). */
static void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* The names of the connections that carry our marker and a name of ours; the UUIDs remembered
 * for @read and @remove of those names (which come without a root). The listing is refused
 * whole past EXPORT_NM_API_CONNECTIONS_MAX entries, before any of them is asked for. */
static int io_list(void *ctx, char ***ret_names, unsigned *ret_tmp_removed) {
        ExportNmApi *api = ctx;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char **paths = NULL, **names = NULL;
        size_t n_paths = 0, n = 0;
        const char *path;
        int r;

        listed_done(api);
        r = api_call(api, EXPORT_NM_API_SETTINGS_PATH, EXPORT_NM_API_SETTINGS_INTERFACE, "ListConnections", NULL,
                     &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "o");
        if (r <= 0)
                return -EBADMSG;
        while ((r = sd_bus_message_read(reply, "o", &path)) > 0) {
                char **a;

                if (n_paths >= EXPORT_NM_API_CONNECTIONS_MAX) {
                        r = -EBADMSG;
                        break;
                }
                a = reallocarray(paths, n_paths + 1, sizeof(char *));
                if (!a || !(a[n_paths] = strdup(path))) {
                        paths = a ?: paths;
                        r = -ENOMEM;
                        break;
                }
                paths = a;
                n_paths++;
        }
        if (r < 0) {
                strv_free_n(paths, n_paths);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        names = calloc(1, sizeof(char *));
        if (!names) {
                strv_free_n(paths, n_paths);
                return -ENOMEM;
        }
        for (size_t i = 0; r >= 0 && i < n_paths; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *settings = NULL;
                char *name, *uuid, **nn;
                ExportNmListed *l;

                r = api_call(api, paths[i], EXPORT_NM_API_CONNECTION_INTERFACE, "GetSettings", NULL, &settings);
                if (r == -EACCES || r == -EHOSTUNREACH)
                        break;
                if (r < 0) {
                        r = 0; /* removed meanwhile, or not readable: not ours to list */
                        continue;
                }
                r = settings_ours(settings);
                if (r <= 0) {
                        r = 0; /* not ours, or not readable as NetworkManager's: not listed */
                        continue;
                }
                r = settings_lookup(settings, "user", "data", EXPORT_NM_API_KEY_NAME, &name);
                if (r <= 0 || !export_nm_name_valid(name)) {
                        r = 0;
                        continue;
                }
                name = strdup(name);
                r = settings_lookup(settings, "connection", "uuid", NULL, &uuid);
                if (!name || r <= 0 || strlen(uuid) != 36) {
                        free(name);
                        r = name ? 0 : -ENOMEM;
                        continue;
                }
                l = reallocarray(api->listed, api->n_listed + 1, sizeof(ExportNmListed));
                if (l)
                        api->listed = l;
                nn = l ? reallocarray(names, n + 2, sizeof(char *)) : NULL;
                if (nn)
                        names = nn;
                if (!l || !nn) {
                        free(name);
                        r = -ENOMEM;
                        break;
                }
                snprintf(l[api->n_listed].name, sizeof l[api->n_listed].name, "%s", name);
                memcpy(l[api->n_listed].uuid, uuid, 37);
                /* Ownership without a record (review of issue 14): the marker and a name of ours
                 * are anyone's to copy; the connection counts as that name's only when the root
                 * in its user data gives that name and exactly its UUID. */
                {
                        char *root = NULL, want[37];

                        l[api->n_listed].bound = false;
                        if (settings_lookup(settings, "user", "data", EXPORT_NM_API_KEY_ROOT, &root) > 0 &&
                            export_nm_name_of_root(name, root)) {
                                export_nm_uuid_of_root(root, want);
                                l[api->n_listed].bound = strcmp(want, l[api->n_listed].uuid) == 0;
                        }
                }
                api->n_listed++;
                names[n++] = name;
                names[n] = NULL;
        }
        strv_free_n(paths, n_paths);
        if (r < 0) {
                strv_free_n(names, n);
                return r;
        }
        *ret_names = names;
        if (ret_tmp_removed)
                *ret_tmp_removed = 0;
        return 0;
}

static int io_digest(void *ctx, const NmProfile *p, char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        sd_bus *bus;
        int r;

        r = api_bus(ctx, &bus);
        return r < 0 ? r : export_nm_api_profile_digest(bus, p, ret_digest);
}

void export_nm_api_init(ExportNmApi *api, ExportNmIo *io) {
        *api = (ExportNmApi) {};
        *io = (ExportNmIo) { .ctx = api, .open = io_open, .read = io_read, .write = io_write, .remove = io_remove,
                             .list = io_list, .digest = io_digest };
}

void export_nm_api_done(ExportNmApi *api) {
        listed_done(api);
        api->bus = sd_bus_flush_close_unref(api->bus);
}
