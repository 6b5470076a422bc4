/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * metabase.c: the role masks per characteristic type, APPLICATION APPID and parm
 * (docs/trust-boundary.md §1.7), tightened as the default table in docs/trust-boundary.md §1.3 says, and their drop-ins
 * (metabase.d/<name>.conf, format and lookup rules in policy.h). The built-in table below is the
 * policy; packaging/config/metabase.conf is the same table as readable text (test-policy keeps
 * them identical through metabase_write()).
 *
 * Tightening, by mask: NET = MANAGER|OPERATOR|OPERATOR_TPS (140): network-level settings that
 * only the operator's network PIN or the Manager may set (NAPDEF, proxies, BOOTSTRAP, DM and MMS
 * accounts, ACCESS rules, CLIENTIDENTITY, VENDORCONFIG). USER = NET|USER_AUTH (156): user-level
 * items (browser bookmarks/start page, e-mail accounts) that a USERPIN-signed message may set as
 * long as they do not point at a proxy or NAP (Parm.TO-PROXY/TO-NAPID = NET). MANAGER (8):
 * certificates, policies, the metabase itself, the registry, anything unknown. No default mask
 * holds USER_UNAUTH (64): an unsigned push can set nothing unless a drop-in says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy.h"

#define NET (ROLE_MANAGER | ROLE_OPERATOR | ROLE_OPERATOR_TPS)  /* 140 */
#define USER (NET | ROLE_USER_AUTH)                             /* 156 */
#define MGR ROLE_MANAGER                                        /*   8 */

typedef enum MbKind {
        MB_CHARACTERISTIC,
        MB_APPLICATION,
} MbKind;

typedef struct MbParm {
        char *name;
        uint32_t roles;
} MbParm;

typedef struct MbEntry {
        MbKind kind;
        char *name;             /* characteristic type or APPID */
        bool has_roles;
        uint32_t roles;
        MbParm *parms;
        size_t n_parms;
} MbEntry;

struct Metabase {
        uint32_t default_roles; /* [Defaults] Roles=: root-level characteristics without an entry */
        uint32_t unknown_roles; /* [Defaults] Unknown=: unknown or misplaced elements */
        MbEntry *entries;
        size_t n_entries;
};

/* The built-in table. Parm lists end with NULL. */
static const struct {
        MbKind kind;
        const char *name;
        uint32_t roles;
        const char *parms[12];
        uint32_t parm_roles;
} builtin[] = {
        /* root-level network-level characteristics (§1.7: BOOTSTRAP M+O+TPS; tightened others) */
        { MB_CHARACTERISTIC, "BOOTSTRAP", NET, { NULL }, 0 },
        { MB_CHARACTERISTIC, "NAPDEF", NET, { NULL }, 0 },          /* + NAPAUTHINFO, VALIDITY inherit */
        { MB_CHARACTERISTIC, "PXLOGICAL", NET, { NULL }, 0 },       /* + PXPHYSICAL, PORT, PXAUTHINFO */
        { MB_CHARACTERISTIC, "PXPHYSICAL", NET, { NULL }, 0 },
        { MB_CHARACTERISTIC, "ACCESS", NET, { NULL }, 0 },          /* binds apps to NAPs/proxies */
        { MB_CHARACTERISTIC, "CLIENTIDENTITY", NET, { NULL }, 0 },
        { MB_CHARACTERISTIC, "VENDORCONFIG", NET, { NULL }, 0 },
        /* APPLICATION with an APPID not listed below: M+O+TPS (§1.7) */
        { MB_CHARACTERISTIC, "APPLICATION", NET, { NULL }, 0 },
        /* Manager only (§1.7, §1.8, §1.4: policies and the metabase are Manager's) */
        { MB_CHARACTERISTIC, "CertificateStore", MGR, { NULL }, 0 },
        { MB_CHARACTERISTIC, "SecurityPolicy", MGR, { NULL }, 0 },
        { MB_CHARACTERISTIC, "Metabase", MGR, { NULL }, 0 },
        { MB_CHARACTERISTIC, "Registry", MGR, { NULL }, 0 },
        /* user-level APPLICATIONs: browser, e-mail; links to proxies/NAPs stay network-level */
        { MB_APPLICATION, "w2", USER, { "TO-PROXY", "TO-NAPID", NULL }, NET },
        { MB_APPLICATION, "25", USER, { "TO-PROXY", "TO-NAPID", NULL }, NET },
        { MB_APPLICATION, "110", USER, { "TO-PROXY", "TO-NAPID", NULL }, NET },
        { MB_APPLICATION, "143", USER, { "TO-PROXY", "TO-NAPID", NULL }, NET },
        /* network-level APPLICATIONs */
        { MB_APPLICATION, "w4", NET, { NULL }, 0 },                 /* MMS (§1.7 [M4]) */
        { MB_APPLICATION, "w5", NET, { NULL }, 0 },                 /* SyncML DS: where contacts go */
        /* DM account (§1.5): the ROLE parm is bounded by the message's roles (policy.c) */
        { MB_APPLICATION, "w7", NET, { "ROLE", NULL }, NET },
        { MB_APPLICATION, "554", NET, { NULL }, 0 },                /* RTSP streaming */
};

#define BUILTIN_DEFAULT_ROLES MGR
#define BUILTIN_UNKNOWN_ROLES MGR

Metabase *metabase_free(Metabase *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_entries; i++) {
                for (size_t k = 0; k < m->entries[i].n_parms; k++)
                        free(m->entries[i].parms[k].name);
                free(m->entries[i].parms);
                free(m->entries[i].name);
        }
        free(m->entries);
        free(m);
        return NULL;
}

static MbEntry *entry_find(const Metabase *m, MbKind kind, const char *name) {
        for (size_t i = 0; i < m->n_entries; i++)
                if (m->entries[i].kind == kind && strcmp(m->entries[i].name, name) == 0)
                        return &m->entries[i];
        return NULL;
}

static int entry_get(Metabase *m, MbKind kind, const char *name, MbEntry **ret) {
        MbEntry *e = entry_find(m, kind, name), *ne;

        if (e) {
                *ret = e;
                return 0;
        }
        if (m->n_entries >= METABASE_ENTRIES_MAX)
                return -E2BIG;
        ne = realloc(m->entries, (m->n_entries + 1) * sizeof(*ne));
        if (!ne)
                return -ENOMEM;
        m->entries = ne;
        e = &m->entries[m->n_entries];
        *e = (MbEntry) { .kind = kind };
        e->name = strdup(name);
        if (!e->name)
                return -ENOMEM;
        m->n_entries++;
        *ret = e;
        return 0;
}

static int entry_set_parm(MbEntry *e, const char *name, uint32_t roles) {
        MbParm *np;

        for (size_t k = 0; k < e->n_parms; k++)
                if (strcmp(e->parms[k].name, name) == 0) {
                        e->parms[k].roles = roles;
                        return 0;
                }
        if (e->n_parms >= METABASE_PARMS_MAX)
                return -E2BIG;
        np = realloc(e->parms, (e->n_parms + 1) * sizeof(*np));
        if (!np)
                return -ENOMEM;
        e->parms = np;
        np[e->n_parms].name = strdup(name);
        if (!np[e->n_parms].name)
                return -ENOMEM;
        np[e->n_parms].roles = roles;
        e->n_parms++;
        return 0;
}

int metabase_new_empty(Metabase **ret) {
        Metabase *m;

        if (!ret)
                return -EINVAL;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        *ret = m;
        return 0;
}

int metabase_new_default(Metabase **ret) {
        Metabase *m;
        int r;

        r = metabase_new_empty(&m);
        if (r < 0)
                return r;
        m->default_roles = BUILTIN_DEFAULT_ROLES;
        m->unknown_roles = BUILTIN_UNKNOWN_ROLES;
        for (size_t i = 0; i < ELEMENTSOF(builtin); i++) {
                MbEntry *e;

                r = entry_get(m, builtin[i].kind, builtin[i].name, &e);
                if (r < 0)
                        goto fail;
                e->has_roles = true;
                e->roles = builtin[i].roles;
                for (size_t k = 0; builtin[i].parms[k]; k++) {
                        r = entry_set_parm(e, builtin[i].parms[k], builtin[i].parm_roles);
                        if (r < 0)
                                goto fail;
                }
        }
        *ret = m;
        return 0;
fail:
        metabase_free(m);
        return r;
}

/* ---- drop-ins ------------------------------------------------------------------------------------ */

static bool valid_name(const char *s) {
        /* types, APPIDs, parm names: printable ASCII without brackets; inner spaces allowed
         * ("Privileged Execution Trust Authorities"), the tokenizer (common/conf.c) trims the ends */
        if (!s[0] || strlen(s) > CPDOC_NAME_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (*p < ' ' || *p > '~' || *p == '[' || *p == ']')
                        return false;
        return true;
}

static int metabase_handler(void *userdata, const char *file, unsigned line, const char *section,
                            const char *key, const char *value, char *msg) {
        Metabase *m = userdata;
        MbEntry *e = NULL;
        MbKind kind;
        const char *name;
        uint32_t roles;
        int r;

        if (roles_parse(value, &roles) < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         "%.64s= expects a role mask (decimal, or role names), not '%.64s'", key, value);
                return -EINVAL;
        }
        if (strcmp(section, "Defaults") == 0) {
                if (strcmp(key, "Roles") == 0)
                        m->default_roles = roles;
                else if (strcmp(key, "Unknown") == 0)
                        m->unknown_roles = roles;
                else {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "unknown key '%.64s' in section [Defaults]",
                                 key);
                        return -EINVAL;
                }
                return 0;
        }
        if (strncmp(section, "Characteristic ", 15) == 0) {
                kind = MB_CHARACTERISTIC;
                name = section + 15;
        } else if (strncmp(section, "Application ", 12) == 0) {
                kind = MB_APPLICATION;
                name = section + 12;
        } else {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         "unknown section [%.64s] (expected [Characteristic TYPE], [Application APPID] or "
                         "[Defaults])",
                         section);
                return -EINVAL;
        }
        if (!valid_name(name)) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "invalid name in section [%.64s]", section);
                return -EINVAL;
        }
        if (strcmp(key, "Roles") != 0 && !(strncmp(key, "Parm.", 5) == 0 && valid_name(key + 5))) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         "unknown key '%.64s' (expected Roles= or Parm.NAME=)", key);
                return -EINVAL;
        }
        r = entry_get(m, kind, name, &e);
        if (r < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         r == -E2BIG ? "too many metabase entries" : "out of memory");
                return r == -E2BIG ? -EINVAL : r;
        }
        if (strcmp(key, "Roles") == 0) {
                e->has_roles = true;
                e->roles = roles;
                return 0;
        }
        r = entry_set_parm(e, key + 5, roles);
        if (r < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         r == -E2BIG ? "too many Parm.* keys" : "out of memory");
                return r == -E2BIG ? -EINVAL : r;
        }
        return 0;
}

int metabase_load_roots(const char *const *roots, size_t n_roots, Metabase **ret, ConfigError *err) {
        Metabase *m = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = metabase_new_default(&m);
        if (r < 0)
                return r;
        r = config_parse_tree(roots, n_roots, METABASE_MAIN_FILE, METABASE_DROPIN_DIR, metabase_handler, m,
                              NULL, NULL, err);
        if (r < 0) {
                metabase_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

int metabase_load_string(Metabase *m, const char *name, const char *text, ConfigError *err) {
        if (!m || !name || !text)
                return -EINVAL;
        return config_parse_string(name, text, metabase_handler, m, err);
}

/* ---- lookup --------------------------------------------------------------------------------------- */

static const MbEntry *entry_of(const Metabase *m, const CpCharacteristic *c, const MbEntry **ret_fallback) {
        const MbEntry *e = NULL, *t;

        t = entry_find(m, MB_CHARACTERISTIC, c->type);
        if (strcmp(c->type, "APPLICATION") == 0) {
                const char *appid = cpdoc_parm_value(c, "APPID");

                if (appid)
                        e = entry_find(m, MB_APPLICATION, appid);
        }
        if (ret_fallback)
                *ret_fallback = e ? t : NULL;
        return e ? e : t;
}

uint32_t metabase_char_roles(const Metabase *m, const CpCharacteristic *c) {
        const MbEntry *e, *fb;

        if (!m || !c)
                return 0;
        /* misplaced elements are never matched by name: they get the unknown mask */
        if (c->flags & CP_FLAG_MISPLACED)
                return m->unknown_roles;
        e = entry_of(m, c, &fb);
        if (e && !e->has_roles)
                e = fb && fb->has_roles ? fb : NULL;
        if (e)
                return e->roles;
        if (c->flags & CP_FLAG_UNKNOWN)
                return m->unknown_roles;
        /* §1.7: a node inherits its root's role unless it has its own */
        if (c->parent)
                return metabase_char_roles(m, c->parent);
        return m->default_roles;
}

static bool parm_lookup(const MbEntry *e, const char *name, uint32_t *ret) {
        for (size_t k = 0; e && k < e->n_parms; k++)
                if (strcmp(e->parms[k].name, name) == 0) {
                        *ret = e->parms[k].roles;
                        return true;
                }
        return false;
}

uint32_t metabase_parm_roles(const Metabase *m, const CpCharacteristic *c, const CpParm *p) {
        const MbEntry *e, *fb;
        uint32_t roles;

        if (!m || !c || !p)
                return 0;
        if (p->flags & CP_FLAG_MISPLACED)
                return m->unknown_roles;
        if (!(c->flags & CP_FLAG_MISPLACED)) {
                e = entry_of(m, c, &fb);
                if (parm_lookup(e, p->name, &roles) || parm_lookup(fb, p->name, &roles))
                        return roles;
        }
        if (p->flags & CP_FLAG_UNKNOWN)
                return m->unknown_roles;
        return metabase_char_roles(m, c);
}

static int write_entry(const MbEntry *e, FILE *f) {
        fprintf(f, "\n[%s %s]\n", e->kind == MB_APPLICATION ? "Application" : "Characteristic", e->name);
        if (e->has_roles)
                fprintf(f, "Roles=%u\n", e->roles);
        for (size_t k = 0; k < e->n_parms; k++)
                fprintf(f, "Parm.%s=%u\n", e->parms[k].name, e->parms[k].roles);
        return 0;
}

int metabase_write(const Metabase *m, FILE *f) {
        if (!m || !f)
                return -EINVAL;
        fprintf(f, "[Defaults]\nRoles=%u\nUnknown=%u\n", m->default_roles, m->unknown_roles);
        for (size_t i = 0; i < m->n_entries; i++)
                write_entry(&m->entries[i], f);
        return ferror(f) ? -EIO : 0;
}
