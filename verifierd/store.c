/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store.c: verifierd's SQLite store (see store.h for the tables, the settings path scheme and
 * the downgrade rule). Every change runs in one BEGIN IMMEDIATE ... COMMIT transaction guarded
 * by a cleanup handler that rolls back on any early return, so a failure anywhere (including an
 * injected one in tests) leaves the database exactly as it was. Library code: logs nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store-internal.h"

/* The order itself is defined once, in store.h (StoreStrength), with why. */
unsigned store_auth_strength(AuthMethod sec) {
        switch (sec) {
        case AUTH_SIGNED: /* a CMS signature chaining to an SPC certificate: capped below */
        case AUTH_DM: /* an OMA DM session: capped to its account's strength (engine_apply_dm) */
                return STORE_STRENGTH_SIGNED;
        case AUTH_USERNETWPIN: /* network PIN and user PIN */
                return STORE_STRENGTH_USERNETWPIN;
        case AUTH_NETWPIN:
                return STORE_STRENGTH_NETWPIN;
        case AUTH_USERPIN:
        case AUTH_USERPINMAC:
                return STORE_STRENGTH_USERPIN;
        default:
                return STORE_STRENGTH_NONE;
        }
}

unsigned store_package_strength(unsigned anchor_strength) {
        return MIN(anchor_strength, (unsigned) STORE_STRENGTH_SIGNED);
}

unsigned store_apply_strength(const StoreApply *a) {
        unsigned strength = store_auth_strength(a->push.sec);

        /* Only ever lowered: a cap cannot make a document stronger than its authentication. */
        return a->strength_capped ? MIN(strength, a->strength_cap) : strength;
}

int sqlite_to_errno(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EAGAIN;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EUCLEAN;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        case SQLITE_TOOBIG:
                return -E2BIG;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        default:
                return -EIO;
        }
}

#ifdef PROVBOOT_TEST
void store_test_fail_at(Store *s, unsigned n) {
        s->fail_at = n;
}

static int fault(Store *s) {
        if (s->fail_at > 0 && --s->fail_at == 0)
                return -EIO;
        return 0;
}
#else
static inline int fault(Store *s) {
        return 0;
}
#endif

/* sqlite3_step with fault injection. Return: 1 row, 0 done, negative errno. */
int store_step(Store *s, sqlite3_stmt *st) {
        int rc, r;

        r = fault(s);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return sqlite_to_errno(rc);
}

/*
 * Prepared statements are kept and reused (docs/testing.md §6.2 P5): compiling the SQL was the
 * largest part of verifierd's CPU time per push. store_prepare, and so every sql_* helper
 * and every table file, hands out a cached statement of the same connection and text that is not
 * in use, else compiles one (and keeps it while there is room); store_stmt_release, the cleanup
 * of _cleanup_stmt_, resets a cached statement (its read lock goes, its bindings are cleared) and
 * finalizes any other. At most STORE_STMT_CACHE_MAX statements: a bounded amount of memory. One
 * store per thread in verifierd (the oFono worker never touches it): not for concurrent use.
 */
#define STORE_STMT_CACHE_MAX 48U

typedef struct StmtCacheEntry {
        sqlite3 *db;
        char *sql;
        sqlite3_stmt *st;
        bool busy;
} StmtCacheEntry;

static StmtCacheEntry stmt_cache[STORE_STMT_CACHE_MAX];
static size_t n_stmt_cache;

void store_stmt_release(sqlite3_stmt **p) {
        if (!*p)
                return;
        for (size_t i = 0; i < n_stmt_cache; i++)
                if (stmt_cache[i].st == *p) {
                        (void) sqlite3_reset(*p);
                        (void) sqlite3_clear_bindings(*p);
                        stmt_cache[i].busy = false;
                        *p = NULL;
                        return;
                }
        (void) sqlite3_finalize(*p);
        *p = NULL;
}

/* Before the connection closes: its statements go. */
static void stmt_cache_drop(sqlite3 *db) {
        size_t w = 0;

        for (size_t i = 0; i < n_stmt_cache; i++) {
                if (stmt_cache[i].db == db) {
                        (void) sqlite3_finalize(stmt_cache[i].st);
                        free(stmt_cache[i].sql);
                        continue;
                }
                stmt_cache[w++] = stmt_cache[i];
        }
        n_stmt_cache = w;
}

int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret) {
        sqlite3_stmt *st = NULL;
        char *copy;
        int rc;

        for (size_t i = 0; i < n_stmt_cache; i++)
                if (stmt_cache[i].db == s->db && !stmt_cache[i].busy && strcmp(stmt_cache[i].sql, sql) == 0) {
                        stmt_cache[i].busy = true;
                        *ret = stmt_cache[i].st;
                        return 0;
                }
        rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK)
                return sqlite_to_errno(rc);
        if (n_stmt_cache < STORE_STMT_CACHE_MAX && (copy = strdup(sql)))
                stmt_cache[n_stmt_cache++] = (StmtCacheEntry) { .db = s->db, .sql = copy, .st = st, .busy = true };
        *ret = st;
        return 0;
}

int sql_exec0(Store *s, const char *sql) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, sql, &st);
        if (r < 0)
                return r;
        do
                r = store_step(s, st);
        while (r > 0);
        return r;
}

int store_exec_script(Store *s, const char *sql) {
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : sqlite_to_errno(rc);
}

/* SQL_TEXT: cut at STORE_TEXT_MAX bytes on a UTF-8 character boundary. */
static int bind_text(sqlite3_stmt *st, int i, const char *t) {
        size_t n;
        int rc;

        if (!t)
                return sqlite_to_errno(sqlite3_bind_null(st, i));
        n = strnlen(t, STORE_TEXT_MAX + 1);
        if (n > STORE_TEXT_MAX) {
                n = STORE_TEXT_MAX;
                while (n > 0 && ((unsigned char) t[n] & 0xC0) == 0x80)
                        n--;
        }
        rc = sqlite3_bind_text(st, i, t, (int) n, SQLITE_TRANSIENT);
        return sqlite_to_errno(rc);
}

static int bind_one(sqlite3_stmt *st, int i, const SqlArg *a) {
        switch (a->type) {
        case SQL_TEXT:
                return bind_text(st, i, a->text);
        case SQL_TEXT_ANY:
                return sqlite_to_errno(a->text ? sqlite3_bind_text(st, i, a->text, -1, SQLITE_TRANSIENT)
                                               : sqlite3_bind_null(st, i));
        case SQL_U64:
                if (a->u64 > INT64_MAX)
                        return -ERANGE;
                return sqlite_to_errno(sqlite3_bind_int64(st, i, (sqlite3_int64) a->u64));
        case SQL_INT:
                return sqlite_to_errno(sqlite3_bind_int64(st, i, a->i64));
        case SQL_BLOB:
                if (a->blob.n > INT_MAX)
                        return -EINVAL;
                return sqlite_to_errno(sqlite3_bind_blob(st, i, a->blob.p, (int) a->blob.n, SQLITE_TRANSIENT));
        default:
                return -EINVAL;
        }
}

int sql_bind_args(sqlite3_stmt *st, const SqlArg *args) {
        for (int i = 0; args[i].type != SQL_END; i++) {
                int r = bind_one(st, i + 1, &args[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

int sql_query_args(Store *s, sqlite3_stmt **ret, const char *sql, const SqlArg *args) {
        int r;

        r = store_prepare(s, sql, ret);
        if (r < 0)
                return r;
        return sql_bind_args(*ret, args);
}

int sql_row_args(Store *s, sqlite3_stmt **ret, int none, const char *sql, const SqlArg *args) {
        int r;

        r = sql_query_args(s, ret, sql, args);
        if (r < 0)
                return r;
        r = store_step(s, *ret);
        if (r < 0)
                return r;
        return r == 0 ? none : 0;
}

int sql_exec_args(Store *s, const char *sql, const SqlArg *args) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query_args(s, &st, sql, args);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db);
}

int sql_int_args(Store *s, const char *sql, const SqlArg *args) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_row_args(s, &st, -EIO, sql, args);
        if (r < 0)
                return r;
        return sqlite3_column_int(st, 0);
}

int sql_foreach(Store *s, sqlite3_stmt *st, SqlRowFn row, void *userdata) {
        int r, n = 0;

        while ((r = store_step(s, st)) > 0) {
                n++;
                r = row(st, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

uint64_t col_u64(sqlite3_stmt *st, int i) {
        sqlite3_int64 v = sqlite3_column_int64(st, i);

        return v < 0 ? 0 : (uint64_t) v;
}

const char *col_text(sqlite3_stmt *st, int i) {
        return (const char *) sqlite3_column_text(st, i);
}

/* ---- transactions ------------------------------------------------------------------------- */

void txn_done(Txn *t) {
        if (t->open) {
                /* Not fault-injected: the rollback must happen for the all-or-nothing rule. */
                (void) sqlite3_exec(t->s->db, "ROLLBACK", NULL, NULL, NULL);
                t->open = false;
        }
}

int txn_begin(Store *s, Txn *t) {
        int r;

        t->s = s;
        t->open = false;
        r = sql_exec0(s, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        t->open = true;
        return 0;
}

int txn_commit(Txn *t) {
        int r;

        r = sql_exec0(t->s, "COMMIT");
        if (r < 0)
                return r; /* txn_done rolls back */
        t->open = false;
        return 0;
}

/* ---- open --------------------------------------------------------------------------------- */

int store_schema_version(Store *s) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, "PRAGMA user_version", &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return -EIO;
        return sqlite3_column_int(st, 0);
}

Store *store_free(Store *s) {
        if (!s)
                return NULL;
        if (s->db) {
                stmt_cache_drop(s->db);
                (void) sqlite3_close_v2(s->db);
        }
        free(s);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(Store *, store_free);

/* Create DIR/provboot.db ourselves so it is 0600 from the first byte (SQLite gives its -wal and
 * -shm files the same mode), and refuse anything but a regular file. O_NOFOLLOW: never write
 * through a planted symlink. The descriptor is closed HERE, before SQLite opens the file: POSIX
 * advisory locks belong to the process and the inode, and closing any descriptor of the file
 * drops every lock the process holds on it, SQLite's included (fcntl(2), "Advisory record
 * locking"; SQLite's "How To Corrupt An SQLite Database File" §2.2). A close after
 * sqlite3_open_v2 left verifierd without its WAL locks: the next reader (an administrator's
 * sqlite3, a backup) then checkpointed and deleted the live write-ahead log on close, and every
 * later commit went into an unlinked file (issue 9 finding 2, tests/integration/store-lock.sh).
 * The state directory is root's, mode 0700: nothing can swap the file between here and the
 * open below. */
static int store_prepare_file(const char *path) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((st.st_mode & 077) != 0 && fchmod(fd, st.st_mode & 0700) < 0)
                return -errno;
        return 0; /* closed now, while SQLite holds no lock on the file yet */
}

static int table_exists(Store *s, const char *name) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", ARG_TEXT_ANY(name));
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : sqlite_to_errno(r);
}

/* Does @table have @column? (Names are ours, never input.) Return: 0/1 or negative errno. */
static int column_exists(Store *s, const char *table, const char *column) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", ARG_TEXT_ANY(table),
                      ARG_TEXT_ANY(column));
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : sqlite_to_errno(r);
}

static int store_open_full(Store **ret, const char *state_dir, int target) {
        _cleanup_(store_freep) Store *s = NULL;
        _cleanup_free_ char *path = NULL;
        int r, rc;

        if (asprintf(&path, "%s/%s", state_dir, STORE_DB_NAME) < 0)
                return -ENOMEM;
        r = store_prepare_file(path);
        if (r < 0)
                return r;

        /* From here on this process never opens the database file itself: only SQLite does. */
        s = calloc(1, sizeof(Store));
        if (!s)
                return -ENOMEM;
        rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
        if (rc != SQLITE_OK)
                return sqlite_to_errno(rc);
        (void) sqlite3_extended_result_codes(s->db, 1);
        (void) sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        (void) sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        (void) sqlite3_busy_timeout(s->db, 5000);

        /* WAL + synchronous=FULL: a commit is durable once store_* returns (the WAL is fsynced
         * on every commit). secure_delete: pending bodies and superseded values are overwritten
         * with zeros when their rows go. */
        r = store_exec_script(s, "PRAGMA journal_mode=WAL;"
                                 "PRAGMA synchronous=FULL;"
                                 "PRAGMA foreign_keys=OFF;"
                                 "PRAGMA secure_delete=ON;"
                                 /* the write-ahead log shrinks back to 4 MiB after a checkpoint:
                                  * with the retention limits, the files on disk stay bounded too */
                                 "PRAGMA journal_size_limit=4194304;"
                                 /* the page cache is heap: bounded at 512 KiB (SQLite's default
                                  * is 2 MiB), so verifierd's memory does not grow with the store
                                  * (docs/testing.md §6.2 P6); every per-push query is an index
                                  * lookup, a few pages each */
                                 "PRAGMA cache_size=-512;");
        if (r < 0)
                return r;
        /* Foreign keys are enforced from here on; migrations run before, because a step that
         * rebuilds a referenced table (2 -> 3) must not trip them halfway (SQLite's documented
         * procedure; the pragma is a no-op inside a transaction, hence here). */
        r = store_migrate(s, target);
        if (r < 0)
                return r;
        r = store_exec_script(s, "PRAGMA foreign_keys=ON;");
        if (r < 0)
                return r;
        r = table_exists(s, "replay_digests");
        if (r < 0)
                return r;
        s->has_retention_schema = r > 0;
        r = column_exists(s, "documents", "sim_id");
        if (r < 0)
                return r;
        s->has_sim_schema = r > 0;
        r = table_exists(s, "dm_nonces");
        if (r < 0)
                return r;
        s->has_dm_schema = r > 0;
        *ret = TAKE_PTR(s);
        return 0;
}

int store_open(Store **ret, const char *state_dir) {
        return store_open_full(ret, state_dir, STORE_SCHEMA_VERSION);
}

#ifdef PROVBOOT_TEST
int store_test_open_at_version(Store **ret, const char *state_dir, int version) {
        if (version < 0 || version > STORE_SCHEMA_VERSION)
                return -EINVAL;
        return store_open_full(ret, state_dir, version);
}

int store_test_exec(Store *s, const char *sql) {
        return store_exec_script(s, sql);
}

int store_test_query_int(Store *s, const char *sql, int64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, sql, &st);
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r != SQLITE_ROW)
                return r == SQLITE_DONE ? -ENODATA : sqlite_to_errno(r);
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}
#endif

/* ---- digests ------------------------------------------------------------------------------ */

int store_digest_hex(const uint8_t *buf, size_t len, char out[STORE_DIGEST_HEX_LEN + 1]) {
        static const char hexdig[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;

        if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
                return -EIO;
        for (unsigned i = 0; i < 32; i++) {
                out[2 * i] = hexdig[md[i] >> 4];
                out[2 * i + 1] = hexdig[md[i] & 15];
        }
        out[64] = 0;
        return 0;
}
