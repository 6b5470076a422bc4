/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-nm-files.c: the nm_files table of verifierd's store: the NetworkManager keyfiles
 * verifierd wrote, by directory and name, with the digest of what it wrote (export-nm.c).
 */
#include <errno.h>
#include <string.h>

#include "store-internal.h"

static const char *const nm_file_states[] = { "written", "user-changed", "user-removed" };

static int nm_file_row(sqlite3_stmt *st, void *userdata) {
        StoreRows *c = userdata;
        StoreNmFile f = {
                .dir = c->dir,
                .name = col_text(st, 0),
                .root = col_text(st, 1),
                .digest = col_text(st, 2),
                .push_id = col_u64(st, 3),
                .state = _STORE_NM_FILE_STATE_INVALID,
        };
        const char *state = col_text(st, 4);

        for (size_t i = 0; state && i < ELEMENTSOF(nm_file_states); i++)
                if (strcmp(state, nm_file_states[i]) == 0)
                        f.state = (StoreNmFileState) i;
        if (!f.name || !f.root || !f.digest || f.state < 0)
                return -EUCLEAN;
        return c->nm_file(&f, c->userdata);
}

int store_foreach_nm_file(Store *s, const char *dir, StoreNmFileFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!dir)
                return -EINVAL;
        r = sql_query(s, &st, "SELECT name, root, digest, push_id, state FROM nm_files WHERE dir = ? ORDER BY name",
                      ARG_TEXT_ANY(dir));
        if (r < 0)
                return r;
        return sql_foreach(s, st, nm_file_row, &(StoreRows) { .nm_file = fn, .userdata = userdata, .dir = dir });
}

int store_get_nm_file(Store *s, const char *dir, const char *name, StoreNmFileFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!dir || !name)
                return -EINVAL;
        /* The primary key (dir, name): one row, no scan. */
        r = sql_query(s, &st, "SELECT name, root, digest, push_id, state FROM nm_files WHERE dir = ? AND name = ?",
                      ARG_TEXT_ANY(dir), ARG_TEXT_ANY(name));
        if (r < 0)
                return r;
        r = sql_foreach(s, st, nm_file_row, &(StoreRows) { .nm_file = fn, .userdata = userdata, .dir = dir });
        if (r < 0)
                return r;
        return r == 0 ? -ESRCH : 0;
}

/*
 * The keyfile records are written without a sync of their own (synchronous=NORMAL for that one
 * statement; the WAL still orders it, and the next FULL commit syncs it along). This is safe
 * because of the order export-nm.c keeps: the file is fsynced, renamed and its directory fsynced
 * BEFORE its record is written, so a record can never be durable ahead of its file; a record
 * lost to a power cut is the case export-nm.h already handles (a file of ours without a record,
 * or with the previous rendering's record: adopted; a removal's record left: forgotten by the
 * next rebuild; a user-changed mark: noticed again). It saves one fdatasync per applied push;
 * the verdict's durability (store_apply, synchronous=FULL) is untouched.
 */
static int exec_unsynced(Store *s, const char *sql, const SqlArg *args) {
        bool autocommit = sqlite3_get_autocommit(s->db);
        int r;

        if (autocommit)
                (void) store_exec_script(s, "PRAGMA synchronous=NORMAL;");
        r = sql_exec_args(s, sql, args);
        if (autocommit) {
                int k = store_exec_script(s, "PRAGMA synchronous=FULL;");

                if (k < 0 && r >= 0)
                        r = k;
        }
        return r;
}

int store_put_nm_file(Store *s, const StoreNmFile *f) {
        int r;

        if (!f || !f->dir || !f->name || !f->root || !f->digest || f->state < 0 ||
            f->state >= (StoreNmFileState) ELEMENTSOF(nm_file_states))
                return -EINVAL;
        r = exec_unsynced(s, "INSERT OR REPLACE INTO nm_files (dir, name, root, digest, push_id, state)"
                             " VALUES (?,?,?,?,?,?)",
                          SQL_ARGS(ARG_TEXT_ANY(f->dir), ARG_TEXT_ANY(f->name), ARG_TEXT_ANY(f->root),
                                   ARG_TEXT_ANY(f->digest), ARG_U64(f->push_id),
                                   ARG_TEXT_ANY(nm_file_states[f->state])));
        return r < 0 ? r : 0;
}

int store_delete_nm_file(Store *s, const char *dir, const char *name) {
        int r;

        if (!dir || !name)
                return -EINVAL;
        r = exec_unsynced(s, "DELETE FROM nm_files WHERE dir = ? AND name = ?",
                          SQL_ARGS(ARG_TEXT_ANY(dir), ARG_TEXT_ANY(name)));
        return r < 0 ? r : 0;
}
