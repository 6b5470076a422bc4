/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-dbus.c: committed settings -> oFono contexts and the MMS settings published for mmsd-tng
 * (see export-dbus.h for the mapping, the value rules, the ownership rule and why verifierd only
 * publishes the MMS settings). The plan is
 * pure and unit-tested without a bus; the bus part only compares and sends. The store is the
 * truth; this module renders what it holds and can redo everything from it at any time.
 * Library code: logs nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buswatch.h"
#include "export-dbus.h"
#include "macros.h"
#include "schema.h"

/* ---- value rules --------------------------------------------------------------------------- */

/* No control character (C0, DEL): nothing another daemon writes to a key file can be split. */
static bool value_valid(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7F)
                        return false;
        return true;
}

/* oFono's is_valid_apn (src/common.c): [A-Za-z0-9-] and '.', no leading '.', and a '.' only
 * more than one position after the previous one (position 0 counts as one), so "a.b" and
 * "x..y" are refused. oFono answers InvalidFormat otherwise; refuse before sending. */
static bool ofono_apn_valid(const char *s) {
        size_t last_period = 0;

        if (s[0] == '.' || s[0] == 0)
                return false;
        for (size_t i = 0; s[i]; i++) {
                if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                    s[i] == '-')
                        continue;
                if (s[i] == '.' && i - last_period > 1) {
                        last_period = i;
                        continue;
                }
                return false;
        }
        return true;
}

static bool apn_valid(const char *s) {
        return schema_valid_apn(s) && ofono_apn_valid(s) && strlen(s) <= EXPORT_DBUS_APN_MAX;
}

/* CarrierMMSC / MessageCenter: an absolute http(s) URL with a non-empty authority. */
static bool mmsc_valid(const char *s) {
        size_t off, n;

        if (strlen(s) > EXPORT_DBUS_MMS_VALUE_MAX || !value_valid(s) || !schema_valid_uri(s))
                return false;
        if (strncasecmp(s, "http://", 7) == 0)
                off = 7;
        else if (strncasecmp(s, "https://", 8) == 0)
                off = 8;
        else
                return false;
        n = strcspn(s + off, "/?#");
        return n > 0;
}

/* ---- rows, grouped by root ----------------------------------------------------------------- */

typedef struct Group {
        const StoreSetting *rows;
        size_t n;
        const char *root;
        const char *ctype;              /* the root characteristic's type; NULL without its row */
        uint64_t push_id;
        unsigned strength;              /* authentication strength that installed it (store.h) */
        const char *modem, *sim_id;     /* the SIM binding of its document (store.h), or NULL */
} Group;

/* Is @chpath a characteristic directly below @parent? */
static bool is_child(const char *chpath, const char *parent) {
        size_t n = strlen(parent);

        return strncmp(chpath, parent, n) == 0 && chpath[n] == '/' && !strchr(chpath + n + 1, '/');
}

/* First value of parm @name of the characteristic @chpath: "" for a flag, NULL when absent. */
static const char *grp_parm(const Group *g, const char *chpath, const char *name) {
        for (size_t i = 0; i < g->n; i++)
                if (g->rows[i].parm && strcmp(g->rows[i].chpath, chpath) == 0 && strcmp(g->rows[i].parm, name) == 0)
                        return g->rows[i].value ? g->rows[i].value : "";
        return NULL;
}

/* The next characteristic of type @ctype directly below @parent, from row *@pos on. */
static const char *grp_child(const Group *g, const char *parent, const char *ctype, size_t *pos) {
        for (; *pos < g->n; (*pos)++) {
                const StoreSetting *it = &g->rows[*pos];

                if (!it->parm && strcmp(it->ctype, ctype) == 0 && is_child(it->chpath, parent)) {
                        (*pos)++;
                        return it->chpath;
                }
        }
        return NULL;
}

static const char *grp_first_child(const Group *g, const char *parent, const char *ctype) {
        size_t pos = 0;

        return grp_child(g, parent, ctype, &pos);
}

/* Split rows (contiguous per root) into groups. */
static int groups_build(const StoreSetting *rows, size_t n, Group **ret, size_t *ret_n) {
        _cleanup_free_ Group *gs = NULL;
        size_t ng = 0, i = 0;

        if (n > 0) {
                gs = calloc(n, sizeof(Group));
                if (!gs)
                        return -ENOMEM;
        }
        while (i < n) {
                size_t j = i + 1;
                Group *g = &gs[ng++];

                while (j < n && strcmp(rows[j].root, rows[i].root) == 0)
                        j++;
                *g = (Group) { .rows = rows + i, .n = j - i, .root = rows[i].root, .strength = rows[i].strength };
                for (size_t k = i; k < j; k++)
                        if (!rows[k].parm && strcmp(rows[k].path, rows[k].root) == 0) {
                                g->ctype = rows[k].ctype;
                                g->push_id = rows[k].push_id;
                                g->modem = rows[k].modem;
                                g->sim_id = rows[k].sim_id;
                                break;
                        }
                /* A root is replaced as a unit, so its rows share one strength; should they not,
                 * the weakest counts. */
                for (size_t k = i; k < j; k++)
                        g->strength = MIN(g->strength, rows[k].strength);
                i = j;
        }
        *ret = TAKE_PTR(gs);
        *ret_n = ng;
        return 0;
}

/*
 * Choosing among roots (issue 9, finding 5). The store's downgrade rule keeps a weaker message
 * from REPLACING a stronger root, but a weaker message can still ADD a sibling (another w4, a
 * NAPDEF or proxy under a name a stronger root refers to). So the exporters trust the order of
 * store.h (StoreStrength) here as well:
 *   - among candidates, the strongest wins, then the one installed last (highest push id), then
 *     the first root; never "the last installed" alone;
 *   - a reference (TO-NAPID, TO-PROXY, a PXPHYSICAL's TO-NAPID) resolves only to a root at least
 *     as strong as the referrer, so a weaker message cannot supply what a stronger root points at.
 * A reference from a weaker root to a stronger one is fine: it can only use, not change, it.
 */
static bool group_better(const Group *a, const Group *b) {
        if (a->strength != b->strength)
                return a->strength > b->strength;
        return a->push_id > b->push_id;
}

/* ---- the plan ------------------------------------------------------------------------------ */

typedef struct W4 W4;

typedef struct Nap {
        const Group *g;
        const char *napid;
        const char *label;              /* NAME, else NAPID */
        const char *apn;
        const char *username, *password, *authtype;
        bool internet;
        bool is_apn;                    /* has NAP-ADDRESS and NAP-ADDRTYPE APN or none */
        bool valid;                     /* passes the value rules */
        const W4 *mms;                  /* the strongest, then last installed, valid w4 using it */
} Nap;

typedef struct Proxy {
        const Group *g;
        const char *proxy_id;
        const char *to_napid;           /* of its first PXPHYSICAL */
        char *hostport;                 /* NULL when invalid */
} Proxy;

struct W4 {
        const Group *g;
        const char *mmsc;
        const Nap *nap;
        const Proxy *proxy;             /* NULL: no TO-PROXY */
        bool valid;
};

typedef struct Derive {
        Group *groups;
        size_t n_groups;
        Nap *naps;
        size_t n_naps;
        Proxy *proxies;
        size_t n_proxies;
        W4 *w4s;
        size_t n_w4s;
} Derive;

static void derive_done(Derive *d) {
        for (size_t i = 0; i < d->n_proxies; i++)
                free(d->proxies[i].hostport);
        free(d->groups);
        free(d->naps);
        free(d->proxies);
        free(d->w4s);
}

static int plan_add_invalid(ExportDbusPlan *p, const char *root) {
        char **a = reallocarray(p->invalid, p->n_invalid + 1, sizeof(char *));

        if (!a)
                return -ENOMEM;
        p->invalid = a;
        p->invalid[p->n_invalid] = strdup(root);
        if (!p->invalid[p->n_invalid])
                return -ENOMEM;
        p->n_invalid++;
        return 0;
}

/* Hand an allocated string over to the plan. Return: the string, or NULL (and frees it) on OOM. */
static const char *plan_keep(ExportDbusPlan *p, char *s) {
        char **a;

        if (!s)
                return NULL;
        a = reallocarray(p->strings, p->n_strings + 1, sizeof(char *));
        if (!a) {
                free(s);
                return NULL;
        }
        p->strings = a;
        p->strings[p->n_strings++] = s;
        return s;
}

static void nap_from_group(const Group *g, Nap *ret) {
        const char *root = g->root, *addrtype, *name, *auth = NULL;
        Nap n = { .g = g };

        n.napid = grp_parm(g, root, "NAPID");
        n.apn = grp_parm(g, root, "NAP-ADDRESS");
        addrtype = grp_parm(g, root, "NAP-ADDRTYPE");
        n.is_apn = n.napid && n.apn && (!addrtype || strcmp(addrtype, "APN") == 0);
        name = grp_parm(g, root, "NAME");
        n.label = name && *name ? name : n.napid;
        n.internet = grp_parm(g, root, "INTERNET") != NULL;

        /* The first NAPAUTHINFO with a name or a secret, as the keyfile exporter takes it. */
        for (size_t pos = 0; !auth;) {
                const char *ch = grp_child(g, root, "NAPAUTHINFO", &pos);

                if (!ch)
                        break;
                if (grp_parm(g, ch, "AUTHNAME") || grp_parm(g, ch, "AUTHSECRET"))
                        auth = ch;
        }
        if (auth) {
                n.username = grp_parm(g, auth, "AUTHNAME");
                n.password = grp_parm(g, auth, "AUTHSECRET");
                n.authtype = grp_parm(g, auth, "AUTHTYPE");
        }
        if (!n.username)
                n.username = "";
        if (!n.password)
                n.password = "";

        n.valid = n.is_apn && *n.napid && value_valid(n.napid) && value_valid(n.label) && apn_valid(n.apn) &&
                  value_valid(n.username) && strlen(n.username) <= EXPORT_DBUS_USERNAME_MAX &&
                  value_valid(n.password) && strlen(n.password) <= EXPORT_DBUS_PASSWORD_MAX;
        *ret = n;
}

static int proxy_from_group(const Group *g, Proxy *ret) {
        const char *root = g->root, *phys, *addr, *port = NULL, *portch;
        Proxy x = { .g = g };

        x.proxy_id = grp_parm(g, root, "PROXY-ID");
        phys = grp_first_child(g, root, "PXPHYSICAL");
        if (phys) {
                x.to_napid = grp_parm(g, phys, "TO-NAPID");
                addr = grp_parm(g, phys, "PXADDR");
                portch = grp_first_child(g, phys, "PORT");
                if (!portch)
                        portch = grp_first_child(g, root, "PORT");
                if (portch)
                        port = grp_parm(g, portch, "PORTNBR");
                if (addr && schema_valid_host(addr) && (!port || schema_valid_uint(port, 1, 65535))) {
                        bool bracket = addr[0] != '[' && strchr(addr, ':');
                        char dflt[8], *s = NULL;

                        snprintf(dflt, sizeof dflt, "%u", EXPORT_DBUS_PROXY_DEFAULT_PORT);
                        if (asprintf(&s, "%s%s%s:%s", bracket ? "[" : "", addr, bracket ? "]" : "",
                                     port ? port : dflt) < 0)
                                return -ENOMEM;
                        if (strlen(s) <= EXPORT_DBUS_MMS_VALUE_MAX && value_valid(s))
                                x.hostport = s;
                        else
                                free(s);
                }
        }
        *ret = x;
        return 0;
}

/* TO-NAPID -> the NAPDEF, among the NAPDEFs at least as strong as the referrer (@min_strength)
 * only: an equal NAPID first; "INTERNET" otherwise means a NAPDEF with the INTERNET flag
 * (docs/wire-notes.md §4.1). Several candidates: group_better() chooses. */
static const Nap *resolve_nap(const Derive *d, const char *napid, unsigned min_strength) {
        const Nap *best = NULL;

        if (!napid)
                return NULL;
        for (size_t i = 0; i < d->n_naps; i++) {
                const Nap *n = &d->naps[i];

                if (n->napid && strcmp(n->napid, napid) == 0 && n->g->strength >= min_strength &&
                    (!best || group_better(n->g, best->g)))
                        best = n;
        }
        if (!best && strcmp(napid, "INTERNET") == 0)
                for (size_t i = 0; i < d->n_naps; i++) {
                        const Nap *n = &d->naps[i];

                        if (n->internet && n->g->strength >= min_strength && (!best || group_better(n->g, best->g)))
                                best = n;
                }
        return best;
}

/* TO-PROXY -> the PXLOGICAL with that PROXY-ID, at least as strong as the referrer. */
static const Proxy *resolve_proxy(const Derive *d, const char *proxy_id, unsigned min_strength) {
        const Proxy *best = NULL;

        for (size_t i = 0; i < d->n_proxies; i++) {
                const Proxy *x = &d->proxies[i];

                if (x->proxy_id && strcmp(x->proxy_id, proxy_id) == 0 && x->g->strength >= min_strength &&
                    (!best || group_better(x->g, best->g)))
                        best = x;
        }
        return best;
}

static void w4_from_group(const Derive *d, const Group *g, W4 *ret) {
        const char *root = g->root, *to_napid, *to_proxy, *appaddr;
        unsigned need = g->strength;
        W4 w = { .g = g };
        bool ok;

        w.mmsc = grp_parm(g, root, "ADDR");
        if (!w.mmsc && (appaddr = grp_first_child(g, root, "APPADDR")))
                w.mmsc = grp_parm(g, appaddr, "ADDR");
        ok = w.mmsc && mmsc_valid(w.mmsc);

        /* References resolve only to roots at least as strong as their referrer (see
         * group_better): a weaker push cannot supply the proxy or NAP a stronger w4 names. */
        to_proxy = grp_parm(g, root, "TO-PROXY");
        if (to_proxy) {
                w.proxy = resolve_proxy(d, to_proxy, g->strength);
                ok = ok && w.proxy && w.proxy->hostport; /* dangling or unrenderable: the w4 is */
        }
        to_napid = grp_parm(g, root, "TO-NAPID");
        if (!to_napid && w.proxy) {
                /* the MMS NAP linked only through the proxy: the proxy's PXPHYSICAL refers to it,
                 * and the w4 uses it, so it must be as strong as both */
                to_napid = w.proxy->to_napid;
                need = MAX(need, w.proxy->g->strength);
        }
        w.nap = resolve_nap(d, to_napid, need);
        ok = ok && w.nap && w.nap->is_apn && w.nap->valid;
        w.valid = ok;
        *ret = w;
}

static int derive_collect(Derive *d, const StoreSetting *rows, size_t n, ExportDbusPlan *p) {
        int r;

        r = groups_build(rows, n, &d->groups, &d->n_groups);
        if (r < 0)
                return r;
        if (d->n_groups == 0)
                return 0;
        d->naps = calloc(d->n_groups, sizeof(Nap));
        d->proxies = calloc(d->n_groups, sizeof(Proxy));
        d->w4s = calloc(d->n_groups, sizeof(W4));
        if (!d->naps || !d->proxies || !d->w4s)
                return -ENOMEM;

        for (size_t i = 0; i < d->n_groups; i++) {
                const Group *g = &d->groups[i];

                if (!g->ctype)
                        continue;
                if (strcmp(g->ctype, "NAPDEF") == 0) {
                        nap_from_group(g, &d->naps[d->n_naps]);
                        if (!d->naps[d->n_naps].is_apn)
                                p->skipped++;
                        d->n_naps++;
                } else if (strcmp(g->ctype, "PXLOGICAL") == 0) {
                        r = proxy_from_group(g, &d->proxies[d->n_proxies]);
                        if (r < 0)
                                return r;
                        d->n_proxies++;
                }
        }
        /* Applications last: they refer to the NAPDEFs and proxies. */
        for (size_t i = 0; i < d->n_groups; i++) {
                const Group *g = &d->groups[i];
                const char *appid;

                if (!g->ctype || strcmp(g->ctype, "APPLICATION") != 0)
                        continue;
                appid = grp_parm(g, g->root, "APPID");
                if (!appid || strcmp(appid, "w4") != 0)
                        continue;
                w4_from_group(d, g, &d->w4s[d->n_w4s]);
                if (!d->w4s[d->n_w4s].valid) {
                        r = plan_add_invalid(p, g->root);
                        if (r < 0)
                                return r;
                }
                d->n_w4s++;
        }
        return 0;
}

/* "provboot: <label>", the label cut at a UTF-8 boundary so that a " #NNN" suffix still fits. */
static char *context_name(const char *label, unsigned occurrence) {
        size_t max = EXPORT_DBUS_NAME_MAX - strlen(EXPORT_DBUS_NAME_PREFIX) - 8, n = strlen(label);
        char *s = NULL;

        if (n > max) {
                n = max;
                while (n > 0 && ((unsigned char) label[n] & 0xC0) == 0x80)
                        n--;
        }
        if (occurrence > 1 ? asprintf(&s, "%s%.*s #%u", EXPORT_DBUS_NAME_PREFIX, (int) n, label, occurrence) < 0
                           : asprintf(&s, "%s%.*s", EXPORT_DBUS_NAME_PREFIX, (int) n, label) < 0)
                return NULL;
        return s;
}

static bool name_taken(const ExportDbusPlan *p, const char *type, const char *name) {
        for (size_t i = 0; i < p->n_contexts; i++)
                if (strcmp(p->contexts[i].type, type) == 0 && strcmp(p->contexts[i].name, name) == 0)
                        return true;
        return false;
}

static int plan_add_context(ExportDbusPlan *p, const Nap *n, const char *type) {
        OfonoContextSpec *a, c = {
                .root = n->g->root,
                .type = type,
                .apn = n->apn,
                .username = n->username,
                .password = n->password,
                .push_id = n->g->push_id,
                .modem = n->g->modem,
                .sim_id = n->g->sim_id,
        };
        unsigned occ = 1;

        if (!*n->username && !*n->password)
                c.auth = "none";
        else if (n->authtype && strcmp(n->authtype, "PAP") == 0)
                c.auth = "pap";
        else if (n->authtype && strcmp(n->authtype, "CHAP") == 0)
                c.auth = "chap";
        if (strcmp(type, "mms") == 0) {
                c.message_center = n->mms->mmsc;
                c.message_proxy = n->mms->proxy ? n->mms->proxy->hostport : "";
        }
        for (;;) {
                c.name = context_name(n->label, occ);
                if (!c.name)
                        return -ENOMEM;
                if (!name_taken(p, type, c.name))
                        break;
                c.name = mfree(c.name);
                occ++;
        }
        a = reallocarray(p->contexts, p->n_contexts + 1, sizeof(OfonoContextSpec));
        if (!a) {
                free(c.name);
                return -ENOMEM;
        }
        p->contexts = a;
        p->contexts[p->n_contexts++] = c;
        return 0;
}

int export_dbus_plan_from_rows(const StoreSetting *rows, size_t n, ExportDbusPlan *ret) {
        _cleanup_(export_dbus_plan_done) ExportDbusPlan p = {};
        _cleanup_(derive_done) Derive d = {};
        const W4 *chosen = NULL;
        int r;

        r = derive_collect(&d, rows, n, &p);
        if (r < 0)
                return r;

        /* Each NAPDEF a valid w4 uses becomes (also) an mms context, with the MMSC and proxy of the
         * strongest such w4, then the one installed last (group_better; ties: the first root);
         * mmsd-tng gets the settings of the strongest, then last installed, valid w4. A weaker
         * sibling w4 never wins over the stronger one it sits next to. */
        for (size_t i = 0; i < d.n_w4s; i++) {
                const W4 *w = &d.w4s[i];
                Nap *nap;

                if (!w->valid)
                        continue;
                nap = (Nap *) w->nap;
                if (!nap->mms || group_better(w->g, nap->mms->g))
                        nap->mms = w;
                if (!chosen || group_better(w->g, chosen->g))
                        chosen = w;
        }
        if (chosen) {
                p.have_mmsd = true;
                p.mmsd = (MmsdSpec) {
                        .root = chosen->g->root,
                        .mmsc = chosen->mmsc,
                        .apn = chosen->nap->apn,
                        .proxy = chosen->proxy ? chosen->proxy->hostport : "NULL",
                        .push_id = chosen->g->push_id,
                };
        }

        for (size_t i = 0; i < d.n_naps; i++) {
                const Nap *nap = &d.naps[i];

                if (!nap->is_apn)
                        continue;
                if (!nap->valid) {
                        r = plan_add_invalid(&p, nap->g->root);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* A NAPDEF used only by weaker w4s keeps the internet context it had: a weaker
                 * message may add an MMS use of a stronger NAPDEF, not take its Internet use. */
                if (!nap->mms || nap->internet || nap->mms->g->strength < nap->g->strength) {
                        r = plan_add_context(&p, nap, "internet");
                        if (r < 0)
                                return r;
                } else {
                        const char **a = reallocarray(p.mms_only, p.n_mms_only + 1, sizeof(char *));

                        if (!a)
                                return -ENOMEM;
                        p.mms_only = a;
                        p.mms_only[p.n_mms_only++] = nap->g->root;
                }
                if (nap->mms) {
                        r = plan_add_context(&p, nap, "mms");
                        if (r < 0)
                                return r;
                }
        }

        /* The proxy strings live in the Derive; move the ones the plan uses into the plan. */
        for (size_t i = 0; i < d.n_proxies; i++) {
                Proxy *x = &d.proxies[i];
                const char *kept;

                if (!x->hostport)
                        continue;
                kept = plan_keep(&p, TAKE_PTR(x->hostport));
                if (!kept)
                        return -ENOMEM;
        }

        *ret = p;
        p = (ExportDbusPlan) {};
        return 0;
}

void export_dbus_plan_done(ExportDbusPlan *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n_contexts; i++)
                free(p->contexts[i].name);
        free(p->contexts);
        for (size_t i = 0; i < p->n_invalid; i++)
                free(p->invalid[i]);
        free(p->invalid);
        free(p->mms_only);
        for (size_t i = 0; i < p->n_strings; i++)
                free(p->strings[i]);
        free(p->strings);
        store_setting_list_done(&p->rows);
        *p = (ExportDbusPlan) {};
}

/* ---- reading the rows ---------------------------------------------------------------------- */

typedef struct Rows {
        StoreSettingList l;
} Rows;

/* Rows read from the store, owned (store_setting_list_append copies each). */
static int collect_row(const StoreSetting *s, void *userdata) {
        Rows *rows = userdata;

        return store_setting_list_append(&rows->l, s);
}

int export_dbus_plan(Engine *e, ExportDbusPlan *ret) {
        /* Roots are "/TYPE[...]" or "/TYPE#n": these prefixes hold every root the plan reads (a
         * longer type such as NAPDEFX is dropped by its root row's type). */
        static const char *const prefixes[] = { "/NAPDEF", "/PXLOGICAL", "/APPLICATION" };
        Rows rows = {};
        ExportDbusPlan p = {};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                r = engine_foreach_setting(e, prefixes[i], collect_row, &rows);
                if (r < 0) {
                        store_setting_list_done(&rows.l);
                        return r;
                }
        }
        r = export_dbus_plan_from_rows(rows.l.items, rows.l.n, &p);
        if (r < 0) {
                store_setting_list_done(&rows.l);
                return r;
        }
        p.rows = rows.l; /* the plan borrows from these: they move with it */
        *ret = p;
        return 0;
}

/* The NAPDEFs of one NAPID (the root key, and its repetitions "#n"), once. */
static int load_napid_rows(Engine *e, const char *napid, Rows *rows, char ***loaded, size_t *n_loaded) {
        _cleanup_free_ char *key = NULL;
        char **a;
        int r;

        r = store_napdef_root_prefix(napid, &key);
        if (r < 0)
                return r;
        for (size_t i = 0; i < *n_loaded; i++)
                if (strcmp((*loaded)[i], key) == 0)
                        return 0;
        r = engine_foreach_setting_range(e, key, false, collect_row, rows);
        if (r < 0)
                return r;
        a = reallocarray(*loaded, *n_loaded + 1, sizeof(char *));
        if (!a)
                return -ENOMEM;
        *loaded = a;
        (*loaded)[(*n_loaded)++] = TAKE_PTR(key);
        return r; /* rows read */
}

static int row_cmp(const void *a, const void *b) {
        const StoreSetting *x = a, *y = b;
        int c = strcmp(x->root, y->root);

        return c != 0 ? c : x->ord < y->ord ? -1 : x->ord > y->ord;
}

/*
 * The plan's MMS choice (have_mmsd, mmsd) from the rows it depends on only: every w4 APPLICATION
 * (an index range on "/APPLICATION[APPID=w4"), the proxies their TO-PROXYs name and the NAPDEFs
 * the w4s and those proxies name (by root key). The choice reads
 * nothing else: a w4 is valid by its own values, its proxy's and the NAPDEF it resolves to, and
 * resolution looks at the NAPDEFs of that NAPID only -- except TO-NAPID "INTERNET", which falls
 * back to any NAPDEF with the INTERNET flag when no NAPDEF of that NAPID is strong enough: then
 * the whole plan is read (export_dbus_plan). What verifierd runs after every applied push ([Export] Mmsd=), so that it
 * does not read every NAPDEF in the store each time.
 */
static int plan_mms(Engine *e, ExportDbusPlan *ret) {
        Rows rows = {};
        ExportDbusPlan p = {};
        char **loaded = NULL;
        size_t n_loaded = 0, n_refs;
        bool internet = false;
        int r;

        {
                _cleanup_free_ char *w4 = NULL;

                r = store_root_key_prefix("APPLICATION", "APPID", "w4", false, &w4);
                if (r >= 0)
                        r = engine_foreach_setting_range(e, w4, false, collect_row, &rows);
        }
        /* the proxies the w4s name (TO-PROXY), each PROXY-ID once */
        for (size_t i = 0; r >= 0 && i < rows.l.n; i++) {
                const StoreSetting *it = &rows.l.items[i];
                _cleanup_free_ char *key = NULL;
                bool seen = false;

                if (!it->parm || !it->value || strcmp(it->parm, "TO-PROXY") != 0)
                        continue;
                r = store_root_key_prefix("PXLOGICAL", "PROXY-ID", it->value, true, &key);
                for (size_t k = 0; r >= 0 && k < n_loaded && !seen; k++)
                        seen = strcmp(loaded[k], key) == 0;
                if (r < 0 || seen)
                        continue;
                r = engine_foreach_setting_range(e, key, false, collect_row, &rows);
                if (r >= 0) {
                        char **a = reallocarray(loaded, n_loaded + 1, sizeof(char *));

                        if (!a)
                                r = -ENOMEM;
                        else {
                                loaded = a;
                                loaded[n_loaded++] = TAKE_PTR(key);
                        }
                }
        }
        n_refs = rows.l.n;
        for (size_t i = 0; r >= 0 && i < n_refs; i++) {
                const StoreSetting *it = &rows.l.items[i];

                if (!it->parm || !it->value || strcmp(it->parm, "TO-NAPID") != 0)
                        continue;
                if (strcmp(it->value, "INTERNET") == 0)
                        internet = true; /* may resolve to any INTERNET-flagged NAPDEF */
                r = load_napid_rows(e, it->value, &rows, &loaded, &n_loaded);
        }
        for (size_t i = 0; i < n_loaded; i++)
                free(loaded[i]);
        free(loaded);
        if (r < 0 || internet) {
                store_setting_list_done(&rows.l);
                return r < 0 ? r : export_dbus_plan(e, ret);
        }
        if (rows.l.n > 1)
                qsort(rows.l.items, rows.l.n, sizeof(StoreSetting), row_cmp);
        r = export_dbus_plan_from_rows(rows.l.items, rows.l.n, &p);
        if (r < 0) {
                store_setting_list_done(&rows.l);
                return r;
        }
        p.rows = rows.l;
        *ret = p;
        return 0;
}

/* ---- the bus part -------------------------------------------------------------------------- */

typedef struct Run {
        sd_bus *bus;
        uint64_t deadline;              /* CLOCK_MONOTONIC µs */
} Run;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void run_init(Run *run, sd_bus *bus) {
        run->bus = bus;
        run->deadline = now_usec() + EXPORT_DBUS_BUDGET_USEC;
}

/* One synchronous call without auto-start, within the per-call timeout and the run's budget. */
static int call(Run *run, const char *service, const char *path, const char *iface, const char *member,
                sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t now = now_usec(), timeout;
        int r;

        if (now >= run->deadline)
                return -ETIMEDOUT;
        timeout = MIN(EXPORT_DBUS_CALL_TIMEOUT_USEC, run->deadline - now);
        r = sd_bus_message_new_method_call(run->bus, &m, service, path, iface, member);
        if (r < 0)
                return r;
        r = sd_bus_message_set_auto_start(m, 0);
        if (r < 0)
                return r;
        if (types) {
                va_list ap;

                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return sd_bus_call(run->bus, m, timeout, &error, ret_reply);
}

/* A time-out ends the run; anything else is this item's failure. */
static bool fatal(int r) {
        return r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -ENXIO || r == -ECONNRESET || r == -ENOTCONN;
}

/* ---- oFono --------------------------------------------------------------------------------- */

typedef struct Ctx {
        const char *path;               /* borrowed from the GetContexts reply */
        const char *name, *type, *apn, *username, *password, *auth, *message_center, *message_proxy;
        bool active;
        bool claimed;
} Ctx;

/* One entry of a context's a{sv}: the strings we compare and Active; a value of another type is
 * skipped (the field stays NULL / false). */
static int context_entry(sd_bus_message *m, const char *key, void *userdata) {
        static const struct {
                const char *key;
                size_t offset;
        } strs[] = {
                { "Name", offsetof(Ctx, name) },
                { "Type", offsetof(Ctx, type) },
                { "AccessPointName", offsetof(Ctx, apn) },
                { "Username", offsetof(Ctx, username) },
                { "Password", offsetof(Ctx, password) },
                { "AuthenticationMethod", offsetof(Ctx, auth) },
                { "MessageCenter", offsetof(Ctx, message_center) },
                { "MessageProxy", offsetof(Ctx, message_proxy) },
        };
        Ctx *c = userdata;
        int b = 0, r;

        for (size_t i = 0; i < ELEMENTSOF(strs); i++)
                if (strcmp(key, strs[i].key) == 0)
                        return bus_variant_read_basic(m, 's', (const char **) ((char *) c + strs[i].offset));
        if (strcmp(key, "Active") != 0)
                return 0;
        r = bus_variant_read_basic(m, 'b', &b);
        if (r > 0)
                c->active = b;
        return r;
}

/* sd-bus answers a type mismatch with -ENXIO, which would read as "oFono is gone". */
static int parse_error(int r) {
        return r == -ENXIO ? -EBADMSG : r;
}

typedef struct Contexts {
        Ctx *cs;
        size_t n;
} Contexts;

/* One context of GetContexts: its path and its a{sv} (at most EXPORT_DBUS_DICT_MAX entries). */
static int contexts_entry(sd_bus_message *m, const char *path, void *userdata) {
        Contexts *l = userdata;
        Ctx *c = &l->cs[l->n];
        int r;

        c->path = path;
        r = bus_dict_read(m, EXPORT_DBUS_DICT_MAX, context_entry, c);
        if (r < 0)
                return r;
        l->n++;
        return 1;
}

/* GetContexts -> @ret (strings borrowed from *@ret_reply). */
static int get_contexts(Run *run, const char *modem, sd_bus_message **ret_reply, Ctx **ret, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Ctx *cs = NULL;
        Contexts l = {};
        int r;

        r = call(run, EXPORT_DBUS_OFONO_SERVICE, modem, EXPORT_DBUS_OFONO_CONNMAN, "GetContexts", &reply, NULL);
        if (r < 0)
                return r;
        l.cs = cs = calloc(EXPORT_DBUS_CONTEXTS_MAX, sizeof(Ctx));
        if (!cs)
                return -ENOMEM;
        /* a(oa{sv}): at most EXPORT_DBUS_CONTEXTS_MAX contexts (cs has room for them) */
        r = bus_object_list_read(reply, EXPORT_DBUS_CONTEXTS_MAX, contexts_entry, &l);
        if (r < 0)
                return parse_error(r);
        *ret_reply = TAKE_PTR(reply);
        *ret = TAKE_PTR(cs);
        *ret_n = l.n;
        return 0;
}

/* One entry of a modem's a{sv}: does Interfaces (at most EXPORT_DBUS_DICT_MAX names) list
 * org.ofono.ConnectionManager? An Interfaces of another type is skipped. */
static int modem_entry(sd_bus_message *m, const char *key, void *userdata) {
        bool *has = userdata;
        int r;

        if (strcmp(key, "Interfaces") != 0)
                return 0;
        r = bus_variant_strv_contains(m, EXPORT_DBUS_DICT_MAX, EXPORT_DBUS_OFONO_CONNMAN);
        if (r == -EMEDIUMTYPE)
                return 0;
        if (r > 0)
                *has = true;
        return r < 0 ? r : 1;
}

typedef struct Modems {
        const char **paths;
        size_t n;
} Modems;

static int modems_entry(sd_bus_message *m, const char *path, void *userdata) {
        Modems *l = userdata;
        bool has = false;
        int r;

        if (l->n >= EXPORT_DBUS_MODEMS_MAX)
                return 0; /* more modems are ignored (export-dbus.h) */
        r = bus_dict_read(m, EXPORT_DBUS_DICT_MAX, modem_entry, &has);
        if (r < 0)
                return r;
        if (has)
                l->paths[l->n++] = path;
        return 1;
}

/* GetModems -> the modems to handle (paths borrowed from *@ret_reply). */
static int get_modems(Run *run, sd_bus_message **ret_reply, const char **paths, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Modems l = { .paths = paths };
        int r;

        r = call(run, EXPORT_DBUS_OFONO_SERVICE, "/", EXPORT_DBUS_OFONO_MANAGER, "GetModems", &reply, NULL);
        if (r < 0)
                return r;
        /* a(oa{sv}), at most EXPORT_DBUS_MODEM_LIST_MAX modems: the paths of the first
         * EXPORT_DBUS_MODEMS_MAX modems with ConnectionManager */
        r = bus_object_list_read(reply, EXPORT_DBUS_MODEM_LIST_MAX, modems_entry, &l);
        if (r < 0)
                return parse_error(r);
        *ret_reply = TAKE_PTR(reply);
        *ret_n = l.n;
        return 0;
}

static int set_property(Run *run, const char *path, const char *key, const char *value) {
        return call(run, EXPORT_DBUS_OFONO_SERVICE, path, EXPORT_DBUS_OFONO_CONTEXT, "SetProperty", NULL, "sv", key,
                    "s", value);
}

static int remove_context(Run *run, const char *modem, const char *path) {
        return call(run, EXPORT_DBUS_OFONO_SERVICE, modem, EXPORT_DBUS_OFONO_CONNMAN, "RemoveContext", NULL, "o",
                    path);
}

typedef struct Prop {
        const char *key;
        const char *want;               /* NULL: not managed for this context */
        const char *have;               /* NULL: oFono did not report it */
} Prop;

/* The properties provboot sets after Name, in order. */
static size_t spec_props(const OfonoContextSpec *s, const Ctx *have, Prop out[6]) {
        size_t n = 0;

        out[n++] = (Prop) { "AccessPointName", s->apn, have ? have->apn : NULL };
        out[n++] = (Prop) { "Username", s->username, have ? have->username : NULL };
        out[n++] = (Prop) { "Password", s->password, have ? have->password : NULL };
        if (s->auth)
                out[n++] = (Prop) { "AuthenticationMethod", s->auth, have ? have->auth : NULL };
        if (s->message_center)
                out[n++] = (Prop) { "MessageCenter", s->message_center, have ? have->message_center : NULL };
        if (s->message_proxy)
                out[n++] = (Prop) { "MessageProxy", s->message_proxy, have ? have->message_proxy : NULL };
        return n;
}

/* Return: 1 created, negative errno. */
static int context_create(Run *run, const char *modem, const OfonoContextSpec *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        const char *p;
        Prop props[6];
        size_t n;
        int r;

        r = call(run, EXPORT_DBUS_OFONO_SERVICE, modem, EXPORT_DBUS_OFONO_CONNMAN, "AddContext", &reply, "s", s->type);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &p);
        if (r < 0)
                return parse_error(r);
        path = strdup(p);
        if (!path)
                return -ENOMEM;
        /* Name first: from here on the context is recognisably ours. */
        r = set_property(run, path, "Name", s->name);
        n = spec_props(s, NULL, props);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = set_property(run, path, props[i].key, props[i].want);
        if (r < 0) {
                /* Half-made: take it away again (best effort; a later run removes it otherwise,
                 * when it has our Name, or it stays as oFono's default-named context). */
                if (!fatal(r))
                        (void) remove_context(run, modem, path);
                return r;
        }
        return 1;
}

/* Return: 1 updated, 0 unchanged, negative errno. */
static int context_update(Run *run, const Ctx *have, const OfonoContextSpec *s) {
        Prop props[6];
        size_t n = spec_props(s, have, props);
        bool changed = false;
        int r;

        for (size_t i = 0; i < n; i++) {
                if (props[i].have && strcmp(props[i].have, props[i].want) == 0)
                        continue;
                r = set_property(run, have->path, props[i].key, props[i].want);
                if (r < 0)
                        return r;
                changed = true;
        }
        return changed;
}

static bool is_ours(const Ctx *c) {
        return c->name && strncmp(c->name, EXPORT_DBUS_NAME_PREFIX, strlen(EXPORT_DBUS_NAME_PREFIX)) == 0;
}

static int card_identifier_entry(sd_bus_message *m, const char *key, void *userdata) {
        return strcmp(key, "CardIdentifier") == 0 ? bus_variant_read_basic(m, 's', userdata) : 0;
}

/* At SimManager.GetProperties' a{sv} (at most EXPORT_DBUS_DICT_MAX entries): CardIdentifier, or
 * NULL. Return: 0 or negative errno. */
static int parse_card_identifier(sd_bus_message *reply, const char **ret) {
        *ret = NULL;
        return bus_dict_read(reply, EXPORT_DBUS_DICT_MAX, card_identifier_entry, ret);
}

/* The ICCID of the SIM in @modem now (SimManager.CardIdentifier), or NULL when oFono does not
 * say (no SIM, no SimManager, an error: a bound context then is not exported there). */
static char *modem_sim_id(Run *run, const char *modem) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *iccid = NULL;

        if (call(run, EXPORT_DBUS_OFONO_SERVICE, modem, "org.ofono.SimManager", "GetProperties", &reply, NULL) < 0 ||
            parse_card_identifier(reply, &iccid) < 0 || !iccid || !*iccid)
                return NULL;
        return strdup(iccid);
}

/* Is @s a context of @modem, whose SIM is @sim (NULL: not known)? (ownership rule, header) */
static bool spec_on_modem(const OfonoContextSpec *s, const char *modem, const char *sim) {
        if (!s->modem)
                return true; /* not bound to a SIM: every modem, as before issue 10 */
        if (strcmp(s->modem, modem) != 0)
                return false;
        return !s->sim_id || (sim && strcmp(s->sim_id, sim) == 0);
}

static int ofono_modem(Run *run, const char *modem, const ExportDbusPlan *p, ExportDbusStats *st) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Ctx *cs = NULL;
        _cleanup_free_ char *sim = NULL;
        bool bound = false;
        size_t n = 0;
        int r, first = 0;

        r = get_contexts(run, modem, &reply, &cs, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_contexts; i++)
                bound = bound || (p->contexts[i].modem && p->contexts[i].sim_id &&
                                  strcmp(p->contexts[i].modem, modem) == 0);
        if (bound)
                sim = modem_sim_id(run, modem);

        for (size_t i = 0; i < p->n_contexts; i++) {
                const OfonoContextSpec *s = &p->contexts[i];
                Ctx *have = NULL;

                if (!spec_on_modem(s, modem, sim))
                        continue; /* another modem's, or another SIM's: see the ownership rule */

                for (size_t k = 0; k < n && !have; k++)
                        if (!cs[k].claimed && cs[k].name && cs[k].type && strcmp(cs[k].name, s->name) == 0 &&
                            strcmp(cs[k].type, s->type) == 0)
                                have = &cs[k];
                if (have) {
                        have->claimed = true;
                        if (have->active) {
                                st->busy++; /* oFono refuses changes while active; next run */
                                continue;
                        }
                        r = context_update(run, have, s);
                } else
                        r = context_create(run, modem, s);
                if (r < 0) {
                        st->failed++;
                        if (first == 0)
                                first = r;
                        if (fatal(r))
                                return first;
                        continue;
                }
                if (!have)
                        st->created++;
                else if (r > 0)
                        st->updated++;
                else
                        st->unchanged++;
        }

        /* Ours, but no longer in the store (or a duplicate): remove, unless in use. */
        for (size_t k = 0; k < n; k++) {
                if (cs[k].claimed || !is_ours(&cs[k]))
                        continue;
                if (cs[k].active) {
                        st->busy++;
                        continue;
                }
                r = remove_context(run, modem, cs[k].path);
                if (r < 0) {
                        st->failed++;
                        if (first == 0)
                                first = r;
                        if (fatal(r))
                                return first;
                        continue;
                }
                st->removed++;
        }
        return first;
}

int export_dbus_ofono(sd_bus *bus, const ExportDbusPlan *p, ExportDbusStats *stats) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *modems[EXPORT_DBUS_MODEMS_MAX];
        ExportDbusStats dummy = {};
        ExportDbusStats *st = stats ? stats : &dummy;
        size_t n = 0;
        Run run;
        int r, first = 0;

        if (!bus || !p)
                return -EINVAL;
        run_init(&run, bus);
        r = get_modems(&run, &reply, modems, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                st->modems++;
                r = ofono_modem(&run, modems[i], p, st);
                if (r < 0 && first == 0)
                        first = r;
                if (r < 0 && fatal(r))
                        break;
        }
        return first;
}

/* ---- apply --------------------------------------------------------------------------------- */

int export_dbus_apply(sd_bus *bus, Engine *e, const Config *c, ExportDbusStats *stats) {
        _cleanup_(export_dbus_plan_done) ExportDbusPlan p = {};
        ExportDbusStats st = {};
        int r, first = 0;

        if (stats)
                *stats = st;
        if (!c)
                return -EINVAL;
        if (!c->export_ofono_contexts)
                return 0;
        if (!bus || !e)
                return -EINVAL;
        r = export_dbus_plan(e, &p);
        if (r < 0)
                return r;
        st.planned = (unsigned) p.n_contexts;
        st.invalid = (unsigned) p.n_invalid;
        st.skipped = p.skipped;
        if (c->export_ofono_contexts) {
                r = export_dbus_ofono(bus, &p, &st);
                if (r < 0 && first == 0)
                        first = r;
        }
        if (stats)
                *stats = st;
        return first;
}

const char *export_dbus_stats_format(const ExportDbusStats *s, char *buf, size_t size) {
        snprintf(buf, size,
                 "oFono: %u modem(s), %u created, %u updated, %u unchanged, %u removed, %u busy, %u failed; "
                 "plan: %u context(s), %u invalid, %u skipped",
                 s->modems, s->created, s->updated, s->unchanged, s->removed, s->busy, s->failed,
                 s->planned, s->invalid, s->skipped);
        return buf;
}

/* ---- the MMS settings verifierd publishes (mmsd-tng, through provboot-mmsd-sync) ----------- */

void export_mms_settings_done(ExportMmsSettings *s) {
        if (!s)
                return;
        free(s->root);
        free(s->mmsc);
        free(s->apn);
        free(s->proxy);
        *s = (ExportMmsSettings) {};
}

bool export_mms_settings_equal(const ExportMmsSettings *a, const ExportMmsSettings *b) {
        if (a->have != b->have)
                return false;
        if (!a->have)
                return true;
        return a->push_id == b->push_id && strcmp(a->mmsc, b->mmsc) == 0 && strcmp(a->apn, b->apn) == 0 &&
               strcmp(a->proxy, b->proxy) == 0;
}

int export_dbus_mms_settings(Engine *e, const Config *c, ExportMmsSettings *ret) {
        _cleanup_(export_dbus_plan_done) ExportDbusPlan p = {};
        ExportMmsSettings s = {};
        int r;

        if (!ret)
                return -EINVAL;
        *ret = s;
        if (!c)
                return -EINVAL;
        if (!c->export_mmsd)
                return 0;
        if (!e)
                return -EINVAL;
        r = plan_mms(e, &p);
        if (r < 0)
                return r;
        if (!p.have_mmsd)
                return 0;
        s.root = strdup(p.mmsd.root);
        s.mmsc = strdup(p.mmsd.mmsc);
        s.apn = strdup(p.mmsd.apn);
        s.proxy = strdup(p.mmsd.proxy);
        if (!s.root || !s.mmsc || !s.apn || !s.proxy) {
                export_mms_settings_done(&s);
                return -ENOMEM;
        }
        s.have = true;
        s.push_id = p.mmsd.push_id;
        *ret = s;
        return 0;
}
