/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-settings.c: the settings and DM accounts tables of verifierd's store: the rows a CP
 * document derives (one per characteristic and parm, by the path scheme store.h defines) and
 * their readers. Written by store_apply (store-documents.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "element-path.h"
#include "store-internal.h"

typedef struct Occ {
        const char *key;
        size_t index;
        unsigned occ;
} Occ;

static int occ_cmp(const void *a, const void *b) {
        const Occ *x = a, *y = b;
        int c = strcmp(x->key, y->key);

        if (c != 0)
                return c;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int occ_index_cmp(const void *a, const void *b) {
        const Occ *x = a, *y = b;

        return x->index < y->index ? -1 : x->index > y->index;
}

/* Number each key's repetitions 0, 1, 2... in list order (O(n log n)). */
static void occ_assign(Occ *o, size_t n) {
        qsort(o, n, sizeof(Occ), occ_cmp);
        for (size_t i = 0; i < n; i++)
                o[i].occ = (i > 0 && strcmp(o[i].key, o[i - 1].key) == 0) ? o[i - 1].occ + 1 : 0;
        qsort(o, n, sizeof(Occ), occ_index_cmp);
}

typedef struct Derive {
        StoreSettingList *l;
        unsigned ord;
} Derive;

static int add_row(Derive *d, const char *root, const char *path, const char *chpath, const char *ctype,
                   const char *parm, const char *value) {
        if (d->l->n >= STORE_ROWS_MAX)
                return -E2BIG;
        return store_setting_list_append(d->l, &(StoreSetting) {
                .root = root, .path = path, .chpath = chpath, .ctype = ctype, .parm = parm, .value = value,
                .ord = d->ord++,
        });
}

int store_setting_list_append(StoreSettingList *l, const StoreSetting *row) {
        StoreSetting *it;
        bool oom = false;

        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 32;
                StoreSetting *a = reallocarray(l->items, cap, sizeof(StoreSetting));

                if (!a)
                        return -ENOMEM;
                l->items = a;
                l->cap = cap;
        }
        it = &l->items[l->n];
        *it = *row;
        it->root = dup_or_null(row->root, &oom);
        it->path = dup_or_null(row->path, &oom);
        it->chpath = dup_or_null(row->chpath, &oom);
        it->ctype = dup_or_null(row->ctype, &oom);
        it->parm = dup_or_null(row->parm, &oom);
        it->value = dup_or_null(row->value, &oom);
        it->modem = dup_or_null(row->modem, &oom);
        it->sim_id = dup_or_null(row->sim_id, &oom);
        it->sim_operator = dup_or_null(row->sim_operator, &oom);
        l->n++; /* counted before the checks so store_setting_list_done frees a partial row */
        /* root, path, chpath and ctype are never NULL in a row (store.h): a NULL copy is an OOM */
        if (oom || !it->root || !it->path || !it->chpath || !it->ctype)
                return -ENOMEM;
        return 0;
}

int store_setting_list_collect(const StoreSetting *row, void *userdata) {
        return store_setting_list_append(userdata, row);
}

static int derive_char(Derive *d, const char *root, const char *chpath, const CpCharacteristic *c);

/* Nothing is dropped silently (issue 12): an element that is flagged (cpdoc.h) and is not one of
 * the root-level characteristics kept elsewhere is neither stored nor applied, so the document is
 * refused. policy_evaluate refuses such documents first (unsupported); this is the store's own
 * check, so no caller can get "applied" for a document part of which was dropped. */
static bool dropped_at(const CpCharacteristic *c, const char *parent_path) {
        return element_path_skipped(c->flags) && !(!parent_path && strcmp(c->type, "SecurityPolicy") == 0);
}

/* Derive rows for a sibling list (root-level when parent_path == NULL). */
static int derive_list(Derive *d, const char *root, const char *parent_path, const CpCharacteristic *first) {
        _cleanup_free_ Occ *o = NULL;
        size_t n = 0, k = 0;
        int r = 0;

        for (const CpCharacteristic *c = first; c; c = c->next) {
                if (dropped_at(c, parent_path))
                        return -EOPNOTSUPP;
                if (!element_path_skipped_at(c, parent_path ? c->parent : NULL))
                        n++;
        }
        if (n == 0)
                return 0;
        o = calloc(n, sizeof(Occ));
        if (!o)
                return -ENOMEM;
        for (const CpCharacteristic *c = first; c; c = c->next) {
                if (element_path_skipped_at(c, parent_path ? c->parent : NULL))
                        continue;
                o[k].key = element_path_segment(c);
                o[k].index = k;
                if (!o[k].key) {
                        n = k; /* free what was made */
                        r = -E2BIG;
                        goto finish;
                }
                k++;
        }
        occ_assign(o, n);
        k = 0;
        for (const CpCharacteristic *c = first; c && r >= 0; c = c->next) {
                PathBuf path = {};

                if (element_path_skipped_at(c, parent_path ? c->parent : NULL))
                        continue;
                if (parent_path)
                        path_buf_puts(&path, parent_path);
                path_buf_puts(&path, "/");
                path_buf_puts(&path, o[k].key);
                path_buf_put_occurrence(&path, o[k].occ);
                k++;
                if (path.failed)
                        r = -E2BIG;
                else
                        /* a root-level characteristic's identity key is its own path */
                        r = derive_char(d, parent_path ? root : path.p, path.p, c);
                free(path.p);
        }
finish:
        for (size_t i = 0; i < n; i++)
                free((char *) o[i].key);
        return r;
}

static int derive_char(Derive *d, const char *root, const char *chpath, const CpCharacteristic *c) {
        _cleanup_free_ Occ *o = NULL;
        size_t n = 0, k = 0;
        int r;

        r = add_row(d, root, chpath, chpath, c->type, NULL, NULL);
        if (r < 0)
                return r;
        for (const CpParm *p = c->parms; p; p = p->next) {
                if (element_path_skipped(p->flags))
                        return -EOPNOTSUPP; /* never dropped silently (dropped_at) */
                n++;
        }
        if (n > 0) {
                o = calloc(n, sizeof(Occ));
                if (!o)
                        return -ENOMEM;
                for (const CpParm *p = c->parms; p; p = p->next)
                        if (!element_path_skipped(p->flags)) {
                                o[k].key = p->name;
                                o[k].index = k;
                                k++;
                        }
                occ_assign(o, n);
        }
        k = 0;
        for (const CpParm *p = c->parms; p; p = p->next) {
                PathBuf path = {};

                if (element_path_skipped(p->flags))
                        continue;
                path_buf_puts(&path, chpath);
                path_buf_puts(&path, ".");
                path_buf_put_escaped(&path, p->name);
                path_buf_put_occurrence(&path, o[k].occ);
                k++;
                r = path.failed ? -E2BIG : add_row(d, root, path.p, chpath, c->type, p->name, p->value);
                free(path.p);
                if (r < 0)
                        return r;
        }
        return derive_list(d, root, chpath, c->children);
}

void store_setting_done(StoreSetting *it) {
        free((char *) it->root);
        free((char *) it->path);
        free((char *) it->chpath);
        free((char *) it->ctype);
        free((char *) it->parm);
        free((char *) it->value);
        free((char *) it->modem);
        free((char *) it->sim_id);
        free((char *) it->sim_operator);
        *it = (StoreSetting) {};
}

void store_setting_list_done(StoreSettingList *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                store_setting_done(&l->items[i]);
        free(l->items);
        *l = (StoreSettingList) {};
}

int store_settings_from_doc(const CpDoc *doc, StoreSettingList *ret) {
        StoreSettingList l = {};
        Derive d = { .l = &l };
        int r;

        r = derive_list(&d, NULL, NULL, doc->chars);
        if (r < 0) {
                store_setting_list_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}


/* ---- readers ------------------------------------------------------------------------------ */

static int setting_row(sqlite3_stmt *st, void *userdata) {
        StoreRows *c = userdata;
        StoreSetting it = {
                .root = col_text(st, 0),
                .path = col_text(st, 1),
                .chpath = col_text(st, 2),
                .ctype = col_text(st, 3),
                .parm = col_text(st, 4),
                .value = col_text(st, 5),
                .ord = (unsigned) sqlite3_column_int(st, 6),
                .roles = (uint32_t) sqlite3_column_int64(st, 7),
                .sec = col_auth(st, 8),
                .strength = (unsigned) sqlite3_column_int(st, 9),
                .push_id = col_u64(st, 10),
                .modem = col_text(st, 11),
                .sim_id = col_text(st, 12),
                .sim_operator = col_text(st, 13),
        };

        return c->setting(&it, c->userdata);
}

#define SETTING_COLUMNS_SIM                                                                        \
        "SELECT root, path, chpath, ctype, parm, value, ord, settings.roles, settings.sec,"       \
        " settings.strength, settings.push_id, d.modem, d.sim_id, d.sim_operator_id"             \
        " FROM settings LEFT JOIN documents d ON d.id = settings.doc_id"
#define SETTING_COLUMNS_NOSIM                                                                      \
        "SELECT root, path, chpath, ctype, parm, value, ord, roles, sec, strength, push_id,"     \
        " NULL, NULL, NULL FROM settings"
#define SETTING_WHERE_PREFIX " WHERE ?1 IS NULL OR substr(root, 1, length(?1)) = ?1 ORDER BY root, ord"

int store_foreach_setting(Store *s, const char *root_prefix, StoreSettingFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        /* Not bounded by STORE_QUERY_LIMIT_MAX: the exporters need every row. The table itself is
         * bounded by what documents may hold per root. A full scan: start-up, ListExports and a
         * rebuild on demand only; per push, store_foreach_setting_range. */
        r = sql_query(s, &st,
                      s->has_sim_schema ? SETTING_COLUMNS_SIM SETTING_WHERE_PREFIX
                                        : SETTING_COLUMNS_NOSIM SETTING_WHERE_PREFIX,
                      ARG_TEXT_ANY(root_prefix));
        if (r < 0)
                return r;
        return sql_foreach(s, st, setting_row, &(StoreRows) { .setting = fn, .userdata = userdata });
}

/* The smallest string greater than every string that starts with @prefix (its last byte + 1;
 * the keys are printable ASCII, path_buf_put_escaped). */
static char *prefix_end(const char *prefix) {
        size_t n = strlen(prefix);
        char *e;

        if (n == 0 || (unsigned char) prefix[n - 1] >= 0x7F)
                return NULL;
        e = strdup(prefix);
        if (e)
                e[n - 1]++;
        return e;
}

int store_foreach_setting_range(Store *s, const char *root_prefix, bool exact, StoreSettingFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *end = NULL;
        int r;

        if (!root_prefix || !*root_prefix)
                return -EINVAL;
        /* A range (or equality) on root: the index settings_root, never a scan of the table. */
        if (exact)
                r = sql_query(s, &st,
                              s->has_sim_schema ? SETTING_COLUMNS_SIM " WHERE root = ?1 ORDER BY root, ord"
                                                : SETTING_COLUMNS_NOSIM " WHERE root = ?1 ORDER BY root, ord",
                              ARG_TEXT_ANY(root_prefix));
        else {
                end = prefix_end(root_prefix);
                if (!end)
                        return -EINVAL;
                r = sql_query(s, &st,
                              s->has_sim_schema
                                      ? SETTING_COLUMNS_SIM " WHERE root >= ?1 AND root < ?2 ORDER BY root, ord"
                                      : SETTING_COLUMNS_NOSIM " WHERE root >= ?1 AND root < ?2 ORDER BY root, ord",
                              ARG_TEXT_ANY(root_prefix), ARG_TEXT_ANY(end));
        }
        if (r < 0)
                return r;
        return sql_foreach(s, st, setting_row, &(StoreRows) { .setting = fn, .userdata = userdata });
}

int store_root_key_prefix(const char *type, const char *key, const char *value, bool closed, char **ret) {
        PathBuf b = {};

        /* As element_path_segment spells a root key: "/TYPE[KEY=<escaped value>" then "]" (or
         * ",KEY2=...]" for a type with two keys) and an occurrence suffix "#n" for a repetition. */
        path_buf_puts(&b, "/");
        path_buf_put_escaped(&b, type);
        path_buf_puts(&b, "[");
        path_buf_put_escaped(&b, key);
        path_buf_puts(&b, "=");
        path_buf_put_escaped(&b, value);
        if (closed)
                path_buf_puts(&b, "]");
        if (b.failed || !b.p) {
                free(b.p);
                return -ENOMEM;
        }
        *ret = b.p;
        return 0;
}

int store_napdef_root_prefix(const char *napid, char **ret) {
        /* element-path.c's NAPDEF key: "/NAPDEF[NAPID=<escaped>]"; the roots of one NAPID are
         * that, or that with an occurrence suffix "#n". */
        return store_root_key_prefix("NAPDEF", "NAPID", napid, true, ret);
}

static int account_row(sqlite3_stmt *st, void *userdata) {
        StoreRows *c = userdata;
        StoreAccount a = {
                .server_id = col_text(st, 0),
                .name = col_text(st, 1),
                .addr = col_text(st, 2),
                .roles = (uint32_t) sqlite3_column_int64(st, 3),
                .root = col_text(st, 4),
                .sec = col_auth(st, 5),
                .push_id = col_u64(st, 6),
                .strength = (unsigned) sqlite3_column_int(st, 7),
        };

        return c->account(&a, c->userdata);
}

int store_foreach_account(Store *s, StoreAccountFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT server_id, name, addr, roles, root, sec, push_id, strength FROM accounts"
                              " ORDER BY server_id LIMIT ?", ARG_INT(STORE_QUERY_LIMIT_MAX));
        if (r < 0)
                return r;
        return sql_foreach(s, st, account_row, &(StoreRows) { .account = fn, .userdata = userdata });
}
