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
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "macros.h"
#include "store-policy.h"
#include "store.h"

#define STORE_ROWS_MAX (CPDOC_CHARACTERISTICS_MAX + CPDOC_PARMS_MAX)
#define STORE_PATH_MAX (16U * 1024U)

struct Store {
        sqlite3 *db;
        StoreRetention retention;
        bool has_retention_schema;      /* replay_digests exists (false only in a store a test
                                         * opened at an older schema version) */
        bool has_sim_schema;            /* pushes.modem and documents' SIM binding exist (false
                                         * only in a store a test opened at an older version) */
#ifdef PROVBOOT_TEST
        unsigned fail_at;
#endif
};

/*
 * Prepared statements are kept and reused (issue 11): compiling the SQL was the largest part of
 * verifierd's CPU time per push. prepare() hands out a cached statement of the same connection
 * and text that is not in use, else compiles one (and keeps it while there is room); the cleanup
 * of _cleanup_stmt_ resets a cached statement (its read lock goes, its bindings are cleared) and
 * finalizes any other. At most STORE_STMT_CACHE_MAX statements: a bounded amount of memory.
 * One store per thread in verifierd (the oFono worker never touches it); not for concurrent use.
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

static void stmt_release(sqlite3_stmt **p) {
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

#define _cleanup_stmt_ _cleanup_(stmt_release)

static const char *const pending_state_table[_PENDING_STATE_MAX] = {
        [PENDING_NEEDS_PIN] = "needs-pin",
        [PENDING_NEEDS_CONFIRMATION] = "needs-confirmation",
};

const char *pending_state_to_string(PendingState s) {
        return (s >= 0 && s < _PENDING_STATE_MAX) ? pending_state_table[s] : NULL;
}

static PendingState pending_state_from_string(const char *s) {
        for (int i = 0; s && i < _PENDING_STATE_MAX; i++)
                if (strcmp(pending_state_table[i], s) == 0)
                        return (PendingState) i;
        return _PENDING_STATE_INVALID;
}

/* The order itself is defined once, in store.h (StoreStrength), with why. */
unsigned store_auth_strength(int sec) {
        switch (sec) {
        case STORE_SEC_SIGNED: /* a CMS signature chaining to an SPC certificate: capped below */
                return STORE_STRENGTH_SIGNED;
        case 2: /* USERNETWPIN: network PIN and user PIN */
                return STORE_STRENGTH_USERNETWPIN;
        case 0: /* NETWPIN */
                return STORE_STRENGTH_NETWPIN;
        case 1: /* USERPIN */
        case 3: /* USERPINMAC */
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

static int sqlite_to_errno(int rc) {
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
static int step(Store *s, sqlite3_stmt *st) {
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

static int prepare(Store *s, const char *sql, sqlite3_stmt **ret) {
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

/* Run a statement that returns no rows (or whose rows are ignored). */
static int exec1(Store *s, const char *sql) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        do
                r = step(s, st);
        while (r > 0);
        return r;
}

/* Run several statements without fault injection (schema, pragmas). */
static int exec_script(Store *s, const char *sql) {
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : sqlite_to_errno(rc);
}

/* Bounded text (history fields): cut at STORE_TEXT_MAX bytes on a UTF-8 character boundary. */
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

/* Text of unbounded length (paths, values: their limits are enforced when derived). */
static int bind_text_any(sqlite3_stmt *st, int i, const char *t) {
        int rc = t ? sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);

        return sqlite_to_errno(rc);
}

static int bind_u64(sqlite3_stmt *st, int i, uint64_t v) {
        if (v > INT64_MAX)
                return -ERANGE;
        return sqlite_to_errno(sqlite3_bind_int64(st, i, (sqlite3_int64) v));
}

static int bind_int(sqlite3_stmt *st, int i, int64_t v) {
        return sqlite_to_errno(sqlite3_bind_int64(st, i, v));
}

static uint64_t col_u64(sqlite3_stmt *st, int i) {
        sqlite3_int64 v = sqlite3_column_int64(st, i);

        return v < 0 ? 0 : (uint64_t) v;
}

static const char *col_text(sqlite3_stmt *st, int i) {
        return (const char *) sqlite3_column_text(st, i);
}

/* ---- transactions ------------------------------------------------------------------------- */

typedef struct Txn {
        Store *s;
        bool open;
} Txn;

static void txn_done(Txn *t) {
        if (t->open) {
                /* Not fault-injected: the rollback must happen for the all-or-nothing rule. */
                (void) sqlite3_exec(t->s->db, "ROLLBACK", NULL, NULL, NULL);
                t->open = false;
        }
}

static int txn_begin(Store *s, Txn *t) {
        int r;

        t->s = s;
        t->open = false;
        r = exec1(s, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        t->open = true;
        return 0;
}

static int txn_commit(Txn *t) {
        int r;

        r = exec1(t->s, "COMMIT");
        if (r < 0)
                return r; /* txn_done rolls back */
        t->open = false;
        return 0;
}

/* ---- schema ------------------------------------------------------------------------------- */

/* Forward migrations: migrations[i] takes user_version i to i + 1. Never edit a shipped step. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
        /* 0 -> 1: history, pending pushes, applied documents, settings, DM accounts */
        "CREATE TABLE pushes ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  received_usec INTEGER NOT NULL,"
        "  decided_usec INTEGER NOT NULL,"
        "  sender TEXT, transport TEXT,"
        "  sec INTEGER NOT NULL CHECK (sec BETWEEN -1 AND 3),"
        "  roles INTEGER NOT NULL DEFAULT 0,"
        "  verdict TEXT NOT NULL CHECK (verdict IN ('applied','rejected','pending','expired')),"
        "  reason TEXT NOT NULL,"
        "  denied TEXT, digest TEXT, content_type TEXT, summary TEXT);"
        "CREATE TABLE pending ("
        "  push_id INTEGER PRIMARY KEY REFERENCES pushes(id),"
        "  state TEXT NOT NULL CHECK (state IN ('needs-pin','needs-confirmation')),"
        "  sec INTEGER NOT NULL, content_kind INTEGER NOT NULL,"
        "  body BLOB NOT NULL, mac TEXT,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  expires_usec INTEGER NOT NULL,"
        "  roles INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE documents ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  push_id INTEGER NOT NULL UNIQUE REFERENCES pushes(id),"
        "  digest TEXT NOT NULL UNIQUE,"
        "  applied_usec INTEGER NOT NULL,"
        "  sec INTEGER NOT NULL, roles INTEGER NOT NULL, strength INTEGER NOT NULL,"
        "  content_type TEXT, body BLOB NOT NULL);"
        "CREATE TABLE settings ("
        "  path TEXT PRIMARY KEY,"
        "  root TEXT NOT NULL, chpath TEXT NOT NULL, ctype TEXT NOT NULL, parm TEXT, value TEXT,"
        "  ord INTEGER NOT NULL,"
        "  roles INTEGER NOT NULL, sec INTEGER NOT NULL, strength INTEGER NOT NULL,"
        "  push_id INTEGER NOT NULL REFERENCES pushes(id),"
        "  doc_id INTEGER NOT NULL REFERENCES documents(id));"
        "CREATE INDEX settings_root ON settings(root, ord);"
        "CREATE TABLE accounts ("
        "  server_id TEXT PRIMARY KEY,"
        "  root TEXT NOT NULL, name TEXT, addr TEXT,"
        "  roles INTEGER NOT NULL, sec INTEGER NOT NULL, strength INTEGER NOT NULL,"
        "  push_id INTEGER NOT NULL REFERENCES pushes(id),"
        "  doc_id INTEGER NOT NULL REFERENCES documents(id));"
        "CREATE INDEX accounts_root ON accounts(root);",
        /* 1 -> 2: certificate store (filled by the CertificateStore work) */
        "CREATE TABLE certificates ("
        "  store TEXT NOT NULL, thumbprint TEXT NOT NULL,"
        "  roles INTEGER NOT NULL DEFAULT 0, source TEXT, der BLOB NOT NULL,"
        "  push_id INTEGER REFERENCES pushes(id),"
        "  added_usec INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY (store, thumbprint));",
        /* 2 -> 3: signed packages. pushes.sec admits 4 (STORE_SEC_SIGNED): SQLite cannot alter a
         * CHECK constraint, so the table is rebuilt with the same columns and rows (foreign keys
         * are off while migrating, see store_open_full) and its AUTOINCREMENT counter is carried
         * over, so push ids keep increasing. The certificates table learns who installed each
         * row and what it is. */
        "CREATE TEMP TABLE migrate_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'pushes';"
        "CREATE TABLE pushes_v3 ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  received_usec INTEGER NOT NULL,"
        "  decided_usec INTEGER NOT NULL,"
        "  sender TEXT, transport TEXT,"
        "  sec INTEGER NOT NULL CHECK (sec BETWEEN -1 AND 4),"
        "  roles INTEGER NOT NULL DEFAULT 0,"
        "  verdict TEXT NOT NULL CHECK (verdict IN ('applied','rejected','pending','expired')),"
        "  reason TEXT NOT NULL,"
        "  denied TEXT, digest TEXT, content_type TEXT, summary TEXT);"
        "INSERT INTO pushes_v3 (id, received_usec, decided_usec, sender, transport, sec, roles, verdict, reason,"
        "  denied, digest, content_type, summary)"
        "  SELECT id, received_usec, decided_usec, sender, transport, sec, roles, verdict, reason, denied, digest,"
        "  content_type, summary FROM pushes;"
        "DROP TABLE pushes;"
        "ALTER TABLE pushes_v3 RENAME TO pushes;"
        "DELETE FROM sqlite_sequence WHERE name = 'pushes';"
        "INSERT INTO sqlite_sequence (name, seq)"
        "  SELECT 'pushes', MAX(COALESCE((SELECT seq FROM migrate_seq), 0), COALESCE((SELECT MAX(id) FROM pushes), 0))"
        "  WHERE COALESCE((SELECT seq FROM migrate_seq), 0) > 0 OR EXISTS (SELECT 1 FROM pushes);"
        "DROP TABLE migrate_seq;"
        "ALTER TABLE certificates ADD COLUMN sec INTEGER NOT NULL DEFAULT -1;"
        "ALTER TABLE certificates ADD COLUMN strength INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE certificates ADD COLUMN installer_roles INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE certificates ADD COLUMN subject TEXT;"
        "ALTER TABLE certificates ADD COLUMN not_after_usec INTEGER NOT NULL DEFAULT 0;",
        /* 3 -> 4: the unauthenticated path (issue 9, findings 3, 4, 10). A pending push says
         * whether its bytes are authenticated already (NETWPIN waiting for confirmation) or not
         * (waiting for a PIN, or unsigned): the two have separate caps. provd's summary of a push
         * that waits for a PIN lives in its pending row only, so it goes with the row. PIN
         * attempts are counted per body digest and outlive the pending row. Summaries the old
         * code stored for pushes it had not authenticated (labelled "(unverified)") are
         * dropped: nothing of an unauthenticated push's content is kept. */
        "ALTER TABLE pending ADD COLUMN authenticated INTEGER NOT NULL DEFAULT 1;"
        "ALTER TABLE pending ADD COLUMN summary TEXT;"
        "UPDATE pending SET authenticated = 0 WHERE state = 'needs-pin' OR sec = -1;"
        "CREATE TABLE pin_attempts ("
        "  digest TEXT PRIMARY KEY,"
        "  attempts INTEGER NOT NULL,"
        "  updated_usec INTEGER NOT NULL);"
        "INSERT OR REPLACE INTO pin_attempts (digest, attempts, updated_usec)"
        "  SELECT h.digest, MAX(p.attempts), MAX(h.decided_usec) FROM pending p JOIN pushes h ON h.id = p.push_id"
        "  WHERE p.attempts > 0 AND h.digest IS NOT NULL GROUP BY h.digest;"
        "UPDATE pushes SET summary = NULL WHERE summary LIKE '(unverified)%';",
        /* 4 -> 5: retention (issue 9 finding 7; store.h "Retention"). The digests of deleted
         * documents, for replay detection, with the strength and time that order their eviction;
         * their number kept in store_meta so a write never counts rows. An index on every column
         * that points at a history row or a document, so the pruning's "still referenced?" probes
         * and the foreign-key checks of its deletes are lookups, not scans; and one on
         * decided_usec for pruning by age. Documents already superseded go now. */
        "CREATE TABLE replay_digests ("
        "  digest TEXT PRIMARY KEY,"
        "  strength INTEGER NOT NULL, applied_usec INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX replay_digests_evict ON replay_digests(strength, applied_usec);"
        "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX pushes_decided ON pushes(decided_usec);"
        "CREATE INDEX settings_push ON settings(push_id);"
        "CREATE INDEX settings_doc ON settings(doc_id);"
        "CREATE INDEX accounts_push ON accounts(push_id);"
        "CREATE INDEX accounts_doc ON accounts(doc_id);"
        "CREATE INDEX certificates_push ON certificates(push_id);"
        "CREATE TEMP TABLE migrate_retired AS SELECT d.id AS id FROM documents d"
        "  WHERE NOT EXISTS (SELECT 1 FROM settings WHERE doc_id = d.id)"
        "  AND NOT EXISTS (SELECT 1 FROM accounts WHERE doc_id = d.id)"
        "  AND NOT EXISTS (SELECT 1 FROM certificates WHERE push_id = d.push_id);"
        "INSERT OR IGNORE INTO replay_digests (digest, strength, applied_usec)"
        "  SELECT digest, strength, applied_usec FROM documents WHERE id IN (SELECT id FROM migrate_retired);"
        "DELETE FROM documents WHERE id IN (SELECT id FROM migrate_retired);"
        "DROP TABLE migrate_retired;"
        "INSERT INTO store_meta (key, value) SELECT 'replay_digests', COUNT(*) FROM replay_digests;",
        /* 5 -> 6 (issue 10, points 3, 4 and 7): which SIM. The history row names the modem that
         * received the push (a pending push is re-checked against that modem's SIM when
         * confirmed); an applied document records the modem and the SIM it is bound to (store.h
         * StoreDocument) for the exporters: oFono contexts go to that modem, NetworkManager
         * profiles are bound to that SIM. Rows from before have no binding (NULL): every modem.
         * The SIM an applied document is bound to (the one
         * whose IMSI authenticated it: MCC+MNC, never the subscriber part, and the ICCID when
         * known), and the NetworkManager keyfiles verifierd wrote, by directory and name, with
         * the SHA-256 of what it wrote and the push whose rendering that was: a file whose
         * content no longer has that digest was changed by someone else and is left alone. */
        "ALTER TABLE pushes ADD COLUMN modem TEXT;"
        "ALTER TABLE documents ADD COLUMN modem TEXT;"
        "ALTER TABLE documents ADD COLUMN sim_operator_id TEXT;"
        "ALTER TABLE documents ADD COLUMN sim_id TEXT;"
        "CREATE TABLE nm_files ("
        "  dir TEXT NOT NULL, name TEXT NOT NULL,"
        "  root TEXT NOT NULL, digest TEXT NOT NULL,"
        "  push_id INTEGER NOT NULL,"
        "  state TEXT NOT NULL CHECK (state IN ('written','user-changed','user-removed')),"
        "  PRIMARY KEY (dir, name));",
        /* 6 -> 7 (issue 12): the over-the-air policy layer (store-policy.h): the values a
         * Manager-role document set, by configuration key, with the push that set them; "once"
         * rows are the [Bootstrap] Enabled=once closing. push_id is not a foreign key: the
         * layer outlives the history row's retention (provctl policy still names the push). */
        "CREATE TABLE ota_policy ("
        "  key TEXT PRIMARY KEY,"
        "  value INTEGER NOT NULL,"
        "  push_id INTEGER NOT NULL,"
        "  origin TEXT NOT NULL CHECK (origin IN ('push','once')),"
        "  set_usec INTEGER NOT NULL) WITHOUT ROWID;",
};

int store_schema_version(Store *s) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "PRAGMA user_version", &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return -EIO;
        return sqlite3_column_int(st, 0);
}

static int migrate(Store *s, int target) {
        int v, r;

        for (;;) {
                _cleanup_(txn_done) Txn t = {};
                char sql[64];

                r = txn_begin(s, &t);
                if (r < 0)
                        return r;
                /* Read the version inside the write transaction: a second opener waits. */
                v = store_schema_version(s);
                if (v < 0)
                        return v;
                if (v > STORE_SCHEMA_VERSION)
                        return -EPROTONOSUPPORT;
                if (v >= target)
                        return txn_commit(&t);
                r = exec_script(s, migrations[v]);
                if (r < 0)
                        return r;
                snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
                r = exec_script(s, sql);
                if (r < 0)
                        return r;
                r = txn_commit(&t);
                if (r < 0)
                        return r;
                }
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

        r = prepare(s, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", &st);
        if (r < 0)
                return r;
        r = sqlite_to_errno(sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC));
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : sqlite_to_errno(r);
}

/* Does @table have @column? (Names are ours, never input.) Return: 0/1 or negative errno. */
static int column_exists(Store *s, const char *table, const char *column) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", &st);
        if (r < 0)
                return r;
        if ((r = sqlite_to_errno(sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC))) < 0 ||
            (r = sqlite_to_errno(sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC))) < 0)
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
        r = exec_script(s, "PRAGMA journal_mode=WAL;"
                           "PRAGMA synchronous=FULL;"
                           "PRAGMA foreign_keys=OFF;"
                           "PRAGMA secure_delete=ON;"
                           /* the write-ahead log shrinks back to 4 MiB after a checkpoint: with
                            * the retention limits, the files on disk stay bounded too */
                           "PRAGMA journal_size_limit=4194304;"
                           /* the page cache is heap: bounded at 512 KiB (SQLite's default is
                            * 2 MiB), so verifierd's memory does not grow with the store (issue
                            * 11); every per-push query is an index lookup, a few pages each */
                           "PRAGMA cache_size=-512;");
        if (r < 0)
                return r;
        /* Foreign keys are enforced from here on; migrations run before, because a step that
         * rebuilds a referenced table (2 -> 3) must not trip them halfway (SQLite's documented
         * procedure; the pragma is a no-op inside a transaction, hence here). */
        r = migrate(s, target);
        if (r < 0)
                return r;
        r = exec_script(s, "PRAGMA foreign_keys=ON;");
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
        return exec_script(s, sql);
}

int store_test_query_int(Store *s, const char *sql, int64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r != SQLITE_ROW)
                return r == SQLITE_DONE ? -ENODATA : sqlite_to_errno(r);
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}
#endif

/* ---- shared with store-policy.c (store-policy.h) ------------------------------------------ */

int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret) {
        /* Not from the statement cache: the caller finalizes what it gets (store-policy.h). */
        int rc = sqlite3_prepare_v2(s->db, sql, -1, ret, NULL);

        return rc == SQLITE_OK ? 0 : sqlite_to_errno(rc);
}

int store_step(Store *s, sqlite3_stmt *st) {
        return step(s, st);
}

int store_exec_sql(Store *s, const char *sql) {
        return exec1(s, sql);
}

sqlite3 *store_sqlite(Store *s) {
        return s->db;
}

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

/* ---- settings derivation ----------------------------------------------------------------- */

typedef struct Buf {
        char *p;
        size_t len, cap;
        bool failed;
} Buf;

static void buf_putn(Buf *b, const char *s, size_t n) {
        if (b->failed)
                return;
        if (b->len + n + 1 > STORE_PATH_MAX) {
                b->failed = true;
                return;
        }
        if (b->len + n + 1 > b->cap) {
                size_t cap = MAX(b->cap * 2, b->len + n + 1);
                char *p = realloc(b->p, MAX(cap, (size_t) 64));

                if (!p) {
                        b->failed = true;
                        return;
                }
                b->p = p;
                b->cap = MAX(cap, (size_t) 64);
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = 0;
}

static void buf_puts(Buf *b, const char *s) {
        buf_putn(b, s, strlen(s));
}

/* Percent-encode the path metacharacters (store.h). */
static void buf_put_escaped(Buf *b, const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p <= 0x20 || *p == 0x7F || strchr("%/.[]=,#", *p)) {
                        char e[4];

                        snprintf(e, sizeof e, "%%%02X", *p);
                        buf_putn(b, e, 3);
                } else
                        buf_putn(b, (const char *) p, 1);
        }
}

static void buf_put_occurrence(Buf *b, unsigned occ) {
        if (occ > 0) {
                char e[16];

                snprintf(e, sizeof e, "#%u", occ);
                buf_puts(b, e);
        }
}

static const struct {
        const char *type;
        const char *keys[2];
} key_table[] = {
        { "NAPDEF", { "NAPID" } },
        { "PXLOGICAL", { "PROXY-ID" } },
        { "PXPHYSICAL", { "PHYSICAL-PROXY-ID" } },
        { "APPLICATION", { "APPID", "PROVIDER-ID" } },
        { "VENDORCONFIG", { "NAME" } },
};

static bool skipped(unsigned flags) {
        /* Unknown or misplaced elements are kept in the model but never become settings
         * (cpdoc.h); store_settings_from_doc refuses a document holding one (-EOPNOTSUPP). */
        return (flags & (CP_FLAG_UNKNOWN | CP_FLAG_MISPLACED)) != 0;
}

/* "TYPE" or "TYPE[K=v,K2=w]", escaped; without occurrence suffix. */
static char *segment_base(const CpCharacteristic *c) {
        Buf b = {};
        bool open = false;

        buf_put_escaped(&b, c->type);
        for (size_t i = 0; i < ELEMENTSOF(key_table); i++) {
                if (strcmp(key_table[i].type, c->type) != 0)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(key_table[i].keys) && key_table[i].keys[k]; k++) {
                        const CpParm *p = cpdoc_find_parm(c, key_table[i].keys[k]);

                        if (!p || !p->value || skipped(p->flags))
                                continue;
                        buf_puts(&b, open ? "," : "[");
                        open = true;
                        buf_put_escaped(&b, key_table[i].keys[k]);
                        buf_puts(&b, "=");
                        buf_put_escaped(&b, p->value);
                }
        }
        if (open)
                buf_puts(&b, "]");
        if (b.failed || !b.p) {
                free(b.p);
                return NULL;
        }
        return b.p;
}

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
        size_t cap;
        unsigned ord;
} Derive;

static int add_row(Derive *d, const char *root, const char *path, const char *chpath, const char *ctype,
                   const char *parm, const char *value) {
        StoreSetting *it;

        if (d->l->n >= STORE_ROWS_MAX)
                return -E2BIG;
        if (d->l->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 32;
                StoreSetting *n = reallocarray(d->l->items, cap, sizeof(StoreSetting));

                if (!n)
                        return -ENOMEM;
                d->l->items = n;
                d->cap = cap;
        }
        it = &d->l->items[d->l->n];
        *it = (StoreSetting) { .ord = d->ord++ };
        it->root = strdup(root);
        it->path = strdup(path);
        it->chpath = strdup(chpath);
        it->ctype = strdup(ctype);
        it->parm = parm ? strdup(parm) : NULL;
        it->value = value ? strdup(value) : NULL;
        d->l->n++; /* counted before the checks so store_setting_list_done frees partial rows */
        if (!it->root || !it->path || !it->chpath || !it->ctype || (parm && !it->parm) || (value && !it->value))
                return -ENOMEM;
        return 0;
}

static int derive_char(Derive *d, const char *root, const char *chpath, const CpCharacteristic *c);

/* CertificateStore is not a setting: its certificates live in the certificates table
 * (store_apply's certs, derived and checked by certstore.c), never in settings rows; nor is a
 * root-level SecurityPolicy: the over-the-air policy layer keeps it (store-policy.h). */
static bool skipped_at(const CpCharacteristic *c, const char *parent_path) {
        return skipped(c->flags) || (!parent_path && (strcmp(c->type, "CertificateStore") == 0 ||
                                                      strcmp(c->type, "SecurityPolicy") == 0));
}

/* Nothing is dropped silently (issue 12): an element that is flagged (cpdoc.h) and is not one of
 * the root-level characteristics kept elsewhere is neither stored nor applied, so the document is
 * refused. policy_evaluate refuses such documents first (unsupported); this is the store's own
 * check, so no caller can get "applied" for a document part of which was dropped. */
static bool dropped_at(const CpCharacteristic *c, const char *parent_path) {
        return skipped(c->flags) && !(!parent_path && strcmp(c->type, "SecurityPolicy") == 0);
}

/* Derive rows for a sibling list (root-level when parent_path == NULL). */
static int derive_list(Derive *d, const char *root, const char *parent_path, const CpCharacteristic *first) {
        _cleanup_free_ Occ *o = NULL;
        size_t n = 0, k = 0;
        int r = 0;

        for (const CpCharacteristic *c = first; c; c = c->next) {
                if (dropped_at(c, parent_path))
                        return -EOPNOTSUPP;
                if (!skipped_at(c, parent_path))
                        n++;
        }
        if (n == 0)
                return 0;
        o = calloc(n, sizeof(Occ));
        if (!o)
                return -ENOMEM;
        for (const CpCharacteristic *c = first; c; c = c->next) {
                if (skipped_at(c, parent_path))
                        continue;
                o[k].key = segment_base(c);
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
                Buf path = {};

                if (skipped_at(c, parent_path))
                        continue;
                if (parent_path)
                        buf_puts(&path, parent_path);
                buf_puts(&path, "/");
                buf_puts(&path, o[k].key);
                buf_put_occurrence(&path, o[k].occ);
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
                if (skipped(p->flags))
                        return -EOPNOTSUPP; /* never dropped silently (dropped_at) */
                n++;
        }
        if (n > 0) {
                o = calloc(n, sizeof(Occ));
                if (!o)
                        return -ENOMEM;
                for (const CpParm *p = c->parms; p; p = p->next)
                        if (!skipped(p->flags)) {
                                o[k].key = p->name;
                                o[k].index = k;
                                k++;
                        }
                occ_assign(o, n);
        }
        k = 0;
        for (const CpParm *p = c->parms; p; p = p->next) {
                Buf path = {};

                if (skipped(p->flags))
                        continue;
                buf_puts(&path, chpath);
                buf_puts(&path, ".");
                buf_put_escaped(&path, p->name);
                buf_put_occurrence(&path, o[k].occ);
                k++;
                r = path.failed ? -E2BIG : add_row(d, root, path.p, chpath, c->type, p->name, p->value);
                free(path.p);
                if (r < 0)
                        return r;
        }
        return derive_list(d, root, chpath, c->children);
}

void store_setting_list_done(StoreSettingList *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                StoreSetting *it = &l->items[i];

                free((char *) it->root);
                free((char *) it->path);
                free((char *) it->chpath);
                free((char *) it->ctype);
                free((char *) it->parm);
                free((char *) it->value);
                free((char *) it->modem);
                free((char *) it->sim_id);
                free((char *) it->sim_operator);
        }
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

/* ---- writes ------------------------------------------------------------------------------- */

static int insert_push(Store *s, const StorePush *p, uint64_t *ret_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        const char *verdict = verdict_to_string(p->verdict), *reason = reason_to_string(p->reason);
        int r;

        if (!verdict || !reason)
                return -EINVAL;
        r = prepare(s,
                    "INSERT INTO pushes (received_usec, decided_usec, sender, transport, sec, roles, verdict,"
                    " reason, denied, digest, content_type, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        if ((r = bind_u64(st, 1, p->received_usec)) < 0 || (r = bind_u64(st, 2, p->decided_usec)) < 0 ||
            (r = bind_text(st, 3, p->sender)) < 0 || (r = bind_text(st, 4, p->transport)) < 0 ||
            (r = bind_int(st, 5, p->sec)) < 0 || (r = bind_int(st, 6, p->roles)) < 0 ||
            (r = bind_text(st, 7, verdict)) < 0 || (r = bind_text(st, 8, reason)) < 0 ||
            (r = bind_text(st, 9, p->denied)) < 0 || (r = bind_text(st, 10, p->digest)) < 0 ||
            (r = bind_text(st, 11, p->content_type)) < 0 || (r = bind_text(st, 12, p->summary)) < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        *ret_id = (uint64_t) sqlite3_last_insert_rowid(s->db);
        if (p->modem && s->has_sim_schema) {
                _cleanup_stmt_ sqlite3_stmt *um = NULL;

                /* same transaction as the insert (the callers' BEGIN IMMEDIATE) */
                r = prepare(s, "UPDATE pushes SET modem = ? WHERE id = ?", &um);
                if (r < 0)
                        return r;
                if ((r = bind_text(um, 1, p->modem)) < 0 || (r = bind_u64(um, 2, *ret_id)) < 0)
                        return r;
                r = step(s, um);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Move a history row on to its next verdict; @summary NULL keeps the stored one. */
static int update_push(Store *s, uint64_t id, Verdict v, Reason rs, uint32_t roles, const char *denied,
                       const char *summary, uint64_t now_usec) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        const char *verdict = verdict_to_string(v), *reason = reason_to_string(rs);
        int r;

        if (!verdict || !reason)
                return -EINVAL;
        r = prepare(s, "UPDATE pushes SET verdict = ?, reason = ?, roles = ?, denied = ?, decided_usec = ?,"
                       " summary = COALESCE(?, summary) WHERE id = ?", &st);
        if (r < 0)
                return r;
        if ((r = bind_text(st, 1, verdict)) < 0 || (r = bind_text(st, 2, reason)) < 0 ||
            (r = bind_int(st, 3, roles)) < 0 || (r = bind_text(st, 4, denied)) < 0 ||
            (r = bind_u64(st, 5, now_usec)) < 0 || (r = bind_text(st, 6, summary)) < 0 ||
            (r = bind_u64(st, 7, id)) < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) == 1 ? 0 : -ESRCH;
}

static int delete_pending(Store *s, uint64_t id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "DELETE FROM pending WHERE push_id = ?", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, id);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) == 1 ? 0 : -ESRCH;
}

/* ---- retention (store.h "Retention") ------------------------------------------------------- */

void store_set_retention(Store *s, const StoreRetention *rt) {
        s->retention = rt ? *rt : (StoreRetention) {};
}

/* A history row nothing in force points to: no pending push, document, setting, DM account or
 * certificate names it (each probe is a lookup in the index migration 3 -> 4 made). Such rows
 * are the only ones pruning deletes: the foreign keys would refuse the others anyway. */
#define PUSH_UNREFERENCED                                                                          \
        "NOT EXISTS (SELECT 1 FROM pending WHERE push_id = p.id)"                                 \
        " AND NOT EXISTS (SELECT 1 FROM documents WHERE push_id = p.id)"                           \
        " AND NOT EXISTS (SELECT 1 FROM settings WHERE push_id = p.id)"                            \
        " AND NOT EXISTS (SELECT 1 FROM accounts WHERE push_id = p.id)"                            \
        " AND NOT EXISTS (SELECT 1 FROM certificates WHERE push_id = p.id)"

/* Run a DELETE with ?1 = @bound and ?2 = @limit. Return: rows deleted, or negative errno. */
static int delete_bounded(Store *s, const char *sql, uint64_t bound, unsigned limit) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        if ((r = bind_u64(st, 1, bound)) < 0 || (r = bind_int(st, 2, limit)) < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db);
}

static int newest_push_id(Store *s, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT MAX(id) FROM pushes", &st); /* the end of the rowid b-tree */
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        *ret = r > 0 ? col_u64(st, 0) : 0;
        return 0;
}

/*
 * Delete at most @limit history rows beyond the retention limits, inside the caller's write
 * transaction. By count: ids are handed out densely and in order (AUTOINCREMENT; a rolled-back
 * insert consumes none), so "older than the newest history_max" is "id <= newest -
 * history_max", a range of the rowid b-tree. By age: a range of index pushes_decided, on
 * decided_usec, verifierd's own clock (received_usec is what provd claims: never trusted to
 * decide what is deleted). Both scans start at the oldest row and stop after @limit deletions;
 * what they step over are only the rows still referenced, as many as the configuration in force
 * has pushes behind it, never the history. Return: rows deleted, or negative errno.
 */
static int prune_history(Store *s, uint64_t now_usec, unsigned limit) {
        const StoreRetention *rt = &s->retention;
        uint64_t newest;
        int n = 0, r;

        if (!s->has_retention_schema)
                return 0;
        if (rt->history_max > 0) {
                r = newest_push_id(s, &newest);
                if (r < 0)
                        return r;
                if (newest > rt->history_max) {
                        r = delete_bounded(s, "DELETE FROM pushes WHERE id IN (SELECT p.id FROM pushes p"
                                              " WHERE p.id <= ?1 AND " PUSH_UNREFERENCED " ORDER BY p.id LIMIT ?2)",
                                           newest - rt->history_max, limit);
                        if (r < 0)
                                return r;
                        n += r;
                }
        }
        if (rt->history_max_age_usec > 0 && now_usec > rt->history_max_age_usec && (unsigned) n < limit) {
                r = delete_bounded(s, "DELETE FROM pushes WHERE id IN (SELECT p.id FROM pushes p"
                                      " WHERE p.decided_usec < ?1 AND " PUSH_UNREFERENCED
                                      " ORDER BY p.decided_usec LIMIT ?2)",
                                   now_usec - rt->history_max_age_usec, limit - (unsigned) n);
                if (r < 0)
                        return r;
                n += r;
        }
        return n;
}

static int meta_get(Store *s, const char *key, int64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT value FROM store_meta WHERE key = ?", &st);
        if (r < 0)
                return r;
        r = bind_text_any(st, 1, key);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        *ret = r > 0 ? sqlite3_column_int64(st, 0) : 0;
        return 0;
}

static int meta_add(Store *s, const char *key, int64_t delta) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "INSERT INTO store_meta (key, value) VALUES (?1, ?2)"
                       " ON CONFLICT (key) DO UPDATE SET value = value + ?2", &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, key)) < 0 || (r = bind_int(st, 2, delta)) < 0)
                return r;
        return step(s, st);
}

/* Keep at most replay_digests_max digests, dropping at most @limit: the weakest, then the oldest
 * first (store.h "Retention" says why that order is safe; index replay_digests_evict). The
 * number is read from store_meta, never counted. Return: digests dropped, or negative errno. */
static int evict_digests(Store *s, unsigned limit) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        uint64_t max = s->retention.replay_digests_max;
        int64_t count;
        int n, r;

        if (!s->has_retention_schema || max == 0)
                return 0;
        r = meta_get(s, "replay_digests", &count);
        if (r < 0)
                return r;
        if (count <= 0 || (uint64_t) count <= max)
                return 0;
        r = prepare(s, "DELETE FROM replay_digests WHERE digest IN (SELECT digest FROM replay_digests"
                       " ORDER BY strength, applied_usec LIMIT ?)", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, MIN((uint64_t) count - max, (uint64_t) limit));
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        n = sqlite3_changes(s->db);
        r = meta_add(s, "replay_digests", -(int64_t) n);
        return r < 0 ? r : n;
}

typedef struct IdList {
        uint64_t *v;
        size_t n, cap;
} IdList;

static void id_list_done(IdList *l) {
        free(l->v);
        *l = (IdList) {};
}

static int id_list_add(IdList *l, uint64_t id) {
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i] == id)
                        return 0;
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 8;
                uint64_t *v = reallocarray(l->v, cap, sizeof(uint64_t));

                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n++] = id;
        return 0;
}

/* The document that installed certificate (?1 store, ?2 thumbprint). */
#define CERT_DOCUMENT_SQL                                                                          \
        "SELECT d.id FROM certificates c JOIN documents d ON d.push_id = c.push_id"                \
        " WHERE c.store = ?1 AND c.thumbprint = ?2"

/* Add to @l the documents (column 0 of @sql, ?1 = @key, ?2 = @key2 when not NULL) whose rows a
 * newer document is about to replace: the candidates for supersede_document(). */
static int collect_documents(Store *s, IdList *l, const char *sql, const char *key, const char *key2,
                             uint64_t except) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, key)) < 0 || (key2 && (r = bind_text_any(st, 2, key2)) < 0))
                return r;
        while ((r = step(s, st)) > 0) {
                uint64_t id = col_u64(st, 0);

                if (id != except && (r = id_list_add(l, id)) < 0)
                        return r;
        }
        return r;
}

/*
 * A document some of whose rows were just replaced (@partly_replaced), or the one just applied:
 * when nothing it installed is in force any more (no setting, DM account or certificate of it
 * left), it is deleted and its digest moves to replay_digests, so a replay of its bytes is still
 * refused; a partly replaced document that still holds rows in force keeps its row (the
 * settings point to it) but not its body, which holds the replaced values (passwords included).
 * secure_delete overwrites the freed bytes. Return: 1 deleted, 0 kept, negative errno.
 */
static int supersede_document(Store *s, uint64_t doc_id, bool partly_replaced) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL, *op = NULL;
        int r;

        if (!s->has_retention_schema)
                return 0;
        r = prepare(s, "SELECT d.digest, d.strength, d.applied_usec,"
                       " NOT EXISTS (SELECT 1 FROM settings WHERE doc_id = d.id)"
                       " AND NOT EXISTS (SELECT 1 FROM accounts WHERE doc_id = d.id)"
                       " AND NOT EXISTS (SELECT 1 FROM certificates WHERE push_id = d.push_id)"
                       " FROM documents d WHERE d.id = ?", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, doc_id);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r <= 0)
                return r; /* gone already */
        if (!sqlite3_column_int(st, 3)) {
                if (!partly_replaced)
                        return 0;
                r = prepare(s, "UPDATE documents SET body = X'' WHERE id = ? AND length(body) > 0", &op);
                if (r < 0)
                        return r;
                r = bind_u64(op, 1, doc_id);
                return r < 0 ? r : step(s, op);
        }
        r = prepare(s, "INSERT OR IGNORE INTO replay_digests (digest, strength, applied_usec) VALUES (?,?,?)", &op);
        if (r < 0)
                return r;
        if ((r = bind_text_any(op, 1, col_text(st, 0))) < 0 || (r = bind_int(op, 2, sqlite3_column_int(st, 1))) < 0 ||
            (r = bind_u64(op, 3, col_u64(st, 2))) < 0)
                return r;
        r = step(s, op);
        if (r < 0)
                return r;
        if (sqlite3_changes(s->db) > 0) {
                r = meta_add(s, "replay_digests", 1);
                if (r < 0)
                        return r;
        }
        stmt_release(&op);
        sqlite3_reset(st);
        r = prepare(s, "DELETE FROM documents WHERE id = ?", &op);
        if (r < 0)
                return r;
        r = bind_u64(op, 1, doc_id);
        if (r < 0)
                return r;
        r = step(s, op);
        return r < 0 ? r : 1;
}

int store_prune(Store *s, uint64_t now_usec) {
        uint64_t total = 0;
        int r;

        for (;;) {
                _cleanup_(txn_done) Txn t = {};
                int n = 0;

                r = txn_begin(s, &t);
                if (r < 0)
                        return r;
                r = prune_history(s, now_usec, STORE_PRUNE_CATCHUP_BATCH);
                if (r < 0)
                        return r;
                n += r;
                r = evict_digests(s, STORE_PRUNE_CATCHUP_BATCH);
                if (r < 0)
                        return r;
                n += r;
                r = txn_commit(&t);
                if (r < 0)
                        return r;
                total += (uint64_t) n;
                if (n == 0)
                        return (int) MIN(total, (uint64_t) INT_MAX);
        }
}

int store_record(Store *s, const StorePush *p, uint64_t *ret_id) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        uint64_t id;
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = insert_push(s, p, &id);
        if (r < 0)
                return r;
        r = prune_history(s, p->decided_usec, STORE_PRUNE_BATCH);
        if (r < 0)
                return r;
        r = txn_commit(&t);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 0;
}

/* One COUNT(*) (or other single integer) query, with an optional text parameter. */
static int count_query(Store *s, const char *sql, bool bind, const char *text) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        if (bind) {
                r = bind_text(st, 1, text);
                if (r < 0)
                        return r;
        }
        r = step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return -EIO;
        return sqlite3_column_int(st, 0);
}

static int count_pending(Store *s) {
        return count_query(s, "SELECT COUNT(*) FROM pending", false, NULL);
}

int store_count_pending(Store *s) {
        return count_pending(s);
}

/* The pending push holding exactly these bytes (body digest, SEC and MAC), or 0. */
static int find_identical_pending(Store *s, const char *digest, const StorePending *pd, uint64_t *ret_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!digest)
                return 0;
        r = prepare(s, "SELECT p.push_id FROM pending p JOIN pushes h ON h.id = p.push_id"
                       " WHERE h.digest = ? AND p.sec = ? AND p.mac IS ? ORDER BY p.push_id LIMIT 1", &st);
        if (r < 0)
                return r;
        if ((r = bind_text(st, 1, digest)) < 0 || (r = bind_int(st, 2, pd->sec)) < 0 ||
            (r = bind_text(st, 3, pd->mac)) < 0)
                return r;
        r = step(s, st);
        if (r <= 0)
                return r;
        *ret_id = col_u64(st, 0);
        return 1;
}

int store_add_pending(Store *s, const StorePush *p, const StorePending *pd, const StorePendingLimits *lim,
                      uint64_t *ret_id) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        const char *state = pending_state_to_string(pd->state);
        uint64_t id = 0;
        int r;

        if (!state || !pd->body || pd->body_len > INT_MAX || !lim)
                return -EINVAL;
        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        /* Everything below is checked inside the write transaction, so it cannot be raced. */

        /* Identical bytes are one pending push, however often they arrive (finding 4): no new
         * row, no new cap slot, no fresh PIN attempts. The identity is the body digest with the
         * SEC and MAC that came with it: a copy of a body under another MAC is other bytes on
         * the air, and merging it into the first would let a forged MAC sent first shadow the
         * genuine one. PIN attempts are counted per body digest whatever the MAC. */
        r = find_identical_pending(s, p->digest, pd, &id);
        if (r < 0)
                return r;
        if (r > 0) {
                if (ret_id)
                        *ret_id = id;
                return -EEXIST;
        }

        /* Separate caps (finding 4): pushes already authenticated (NETWPIN waiting for the
         * user's confirmation) never compete with unauthenticated ones for a slot, so a flood
         * of pushes nobody authenticated cannot keep the operator's bootstrap out. */
        if (pd->authenticated) {
                r = count_query(s, "SELECT COUNT(*) FROM pending WHERE authenticated = 1", false, NULL);
                if (r < 0)
                        return r;
                if ((unsigned) r >= lim->max_authenticated)
                        return -ENOSPC;
        } else {
                r = count_query(s, "SELECT COUNT(*) FROM pending WHERE authenticated = 0", false, NULL);
                if (r < 0)
                        return r;
                if ((unsigned) r >= lim->max_unverified)
                        return -ENOSPC;
                /* The sender is the modem stack's claim, so this bounds a careless or single-
                 * source flood; one that varies the sender still stops at max_unverified. */
                r = count_query(s, "SELECT COUNT(*) FROM pending p JOIN pushes h ON h.id = p.push_id"
                                   " WHERE p.authenticated = 0 AND h.sender IS ?", true, p->sender);
                if (r < 0)
                        return r;
                if ((unsigned) r >= lim->max_unverified_per_sender)
                        return -EUSERS;
        }
        r = insert_push(s, p, &id);
        if (r < 0)
                return r;
        r = prepare(s,
                    "INSERT INTO pending (push_id, state, sec, content_kind, body, mac, attempts, expires_usec,"
                    " roles, authenticated, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        if ((r = bind_u64(st, 1, id)) < 0 || (r = bind_text(st, 2, state)) < 0 ||
            (r = bind_int(st, 3, pd->sec)) < 0 || (r = bind_int(st, 4, pd->content_kind)) < 0 ||
            (r = sqlite_to_errno(sqlite3_bind_blob(st, 5, pd->body, (int) pd->body_len, SQLITE_TRANSIENT))) < 0 ||
            (r = bind_text(st, 6, pd->mac)) < 0 || (r = bind_int(st, 7, pd->attempts)) < 0 ||
            (r = bind_u64(st, 8, pd->expires_usec)) < 0 || (r = bind_int(st, 9, pd->roles)) < 0 ||
            (r = bind_int(st, 10, pd->authenticated ? 1 : 0)) < 0 ||
            /* provd's words, only ever for a push waiting for a PIN (finding 3) */
            (r = bind_text(st, 11, pd->state == PENDING_NEEDS_PIN ? pd->unverified_summary : NULL)) < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        r = prune_history(s, p->decided_usec, STORE_PRUNE_BATCH);
        if (r < 0)
                return r;
        r = txn_commit(&t);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 0;
}

int store_pin_attempts(Store *s, const char *digest) {
        if (!digest)
                return 0;
        return count_query(s, "SELECT COALESCE((SELECT attempts FROM pin_attempts WHERE digest = ?), 0)", true,
                           digest);
}

StorePending *store_pending_free(StorePending *p) {
        if (!p)
                return NULL;
        free((void *) p->body);
        free((char *) p->mac);
        free((char *) p->sender);
        free((char *) p->transport);
        free((char *) p->content_type);
        free((char *) p->summary);
        free((char *) p->digest);
        free((char *) p->unverified_summary);
        free((char *) p->modem);
        free(p);
        return NULL;
}

/* attempts: per body digest (pin_attempts), so a resend of the same bytes starts where the
 * last copy stopped (finding 10). */
#define PENDING_COLUMNS                                                                                   \
        "p.push_id, p.state, p.sec, p.content_kind, p.body, p.mac,"                                       \
        " COALESCE((SELECT a.attempts FROM pin_attempts a WHERE a.digest = h.digest), 0), h.received_usec," \
        " p.expires_usec, p.roles, h.sender, h.transport, h.content_type, h.summary, h.digest,"            \
        " p.authenticated, p.summary, "
/* the last column: h.modem, or NULL in a store at an older schema (tests) */
#define PENDING_SELECT(s, rest) \
        ((s)->has_sim_schema ? "SELECT " PENDING_COLUMNS "h.modem" rest : "SELECT " PENDING_COLUMNS "NULL" rest)

/* Fill @p from a PENDING_COLUMNS row; strings and body point into the statement. */
static int pending_from_row(sqlite3_stmt *st, StorePending *p) {
        int state = pending_state_from_string(col_text(st, 1));

        if (state < 0)
                return -EUCLEAN;
        *p = (StorePending) {
                .id = col_u64(st, 0),
                .state = (PendingState) state,
                .sec = sqlite3_column_int(st, 2),
                .content_kind = sqlite3_column_int(st, 3),
                .body = sqlite3_column_blob(st, 4),
                .body_len = (size_t) sqlite3_column_bytes(st, 4),
                .mac = col_text(st, 5),
                .attempts = (unsigned) sqlite3_column_int(st, 6),
                .received_usec = col_u64(st, 7),
                .expires_usec = col_u64(st, 8),
                .roles = (uint32_t) sqlite3_column_int64(st, 9),
                .sender = col_text(st, 10),
                .transport = col_text(st, 11),
                .content_type = col_text(st, 12),
                .summary = col_text(st, 13),
                .digest = col_text(st, 14),
                .authenticated = sqlite3_column_int(st, 15) != 0,
                .unverified_summary = col_text(st, 16),
                .modem = col_text(st, 17),
        };
        return 0;
}

static char *strdup_or_null(const char *s, bool *oom) {
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *oom = true;
        return d;
}

int store_get_pending(Store *s, uint64_t id, StorePending **ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        StorePending row, *p;
        bool oom = false;
        int r;

        r = prepare(s, PENDING_SELECT(s, " FROM pending p JOIN pushes h ON h.id = p.push_id WHERE p.push_id = ?"), &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, id);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ESRCH;
        r = pending_from_row(st, &row);
        if (r < 0)
                return r;
        p = calloc(1, sizeof(StorePending));
        if (!p)
                return -ENOMEM;
        *p = row;
        p->body = NULL;
        p->body = malloc(MAX(row.body_len, (size_t) 1));
        if (!p->body)
                oom = true;
        else if (row.body_len > 0)
                memcpy((void *) p->body, row.body, row.body_len);
        p->mac = strdup_or_null(row.mac, &oom);
        p->sender = strdup_or_null(row.sender, &oom);
        p->transport = strdup_or_null(row.transport, &oom);
        p->content_type = strdup_or_null(row.content_type, &oom);
        p->summary = strdup_or_null(row.summary, &oom);
        p->digest = strdup_or_null(row.digest, &oom);
        p->unverified_summary = strdup_or_null(row.unverified_summary, &oom);
        p->modem = strdup_or_null(row.modem, &oom);
        if (oom) {
                store_pending_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

int store_pending_use_attempt(Store *s, uint64_t id, unsigned max, uint64_t now_usec, unsigned *ret_attempts) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_stmt_ sqlite3_stmt *st = NULL, *up = NULL, *mirror = NULL, *prune = NULL;
        _cleanup_free_ char *digest = NULL;
        unsigned attempts;
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = prepare(s, "SELECT p.state, h.digest, COALESCE(a.attempts, 0) FROM pending p"
                       " JOIN pushes h ON h.id = p.push_id LEFT JOIN pin_attempts a ON a.digest = h.digest"
                       " WHERE p.push_id = ?", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, id);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ESRCH;
        if (pending_state_from_string(col_text(st, 0)) != PENDING_NEEDS_PIN)
                return -EBUSY;
        if (!col_text(st, 1))
                return -EUCLEAN; /* every pending push has its body digest */
        digest = strdup(col_text(st, 1));
        if (!digest)
                return -ENOMEM;
        attempts = (unsigned) sqlite3_column_int(st, 2);
        sqlite3_reset(st);
        if (attempts >= max)
                return -EDQUOT;
        attempts++;
        /* Per body digest, kept after the pending row goes (finding 10): the same bytes sent
         * again start with the attempts their earlier copies used. */
        r = prepare(s, "INSERT INTO pin_attempts (digest, attempts, updated_usec) VALUES (?,?,?)"
                       " ON CONFLICT(digest) DO UPDATE SET attempts = excluded.attempts,"
                       " updated_usec = excluded.updated_usec", &up);
        if (r < 0)
                return r;
        if ((r = bind_text(up, 1, digest)) < 0 || (r = bind_int(up, 2, attempts)) < 0 ||
            (r = bind_u64(up, 3, now_usec)) < 0)
                return r;
        r = step(s, up);
        if (r < 0)
                return r;
        r = prepare(s, "UPDATE pending SET attempts = ? WHERE push_id = ?", &mirror);
        if (r < 0)
                return r;
        if ((r = bind_int(mirror, 1, attempts)) < 0 || (r = bind_u64(mirror, 2, id)) < 0)
                return r;
        r = step(s, mirror);
        if (r < 0)
                return r;
        /* Bounded: the newest STORE_PIN_ATTEMPTS_MAX digests are remembered, and always those of
         * pushes still pending. A row exists only after someone typed a PIN for it. */
        r = prepare(s, "DELETE FROM pin_attempts WHERE digest NOT IN"
                       " (SELECT digest FROM pin_attempts ORDER BY updated_usec DESC LIMIT ?)"
                       " AND digest NOT IN (SELECT h.digest FROM pending p JOIN pushes h ON h.id = p.push_id"
                       " WHERE h.digest IS NOT NULL)", &prune);
        if (r < 0)
                return r;
        r = bind_int(prune, 1, STORE_PIN_ATTEMPTS_MAX);
        if (r < 0)
                return r;
        r = step(s, prune);
        if (r < 0)
                return r;
        r = txn_commit(&t);
        if (r < 0)
                return r;
        if (ret_attempts)
                *ret_attempts = attempts;
        return 0;
}

int store_finish_pending(Store *s, uint64_t id, Verdict v, Reason rs, uint32_t roles, const char *denied,
                         const char *summary, uint64_t now_usec) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        /* The pending row goes, with provd's summary in it (secure_delete overwrites it). */
        r = delete_pending(s, id);
        if (r < 0)
                return r;
        r = update_push(s, id, v, rs, roles, denied, summary, now_usec);
        if (r < 0)
                return r;
        r = txn_commit(&t);
        return r;
}

int store_expire(Store *s, uint64_t now_usec, uint64_t **ret_ids) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n = 0;
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = prepare(s, "SELECT push_id FROM pending WHERE expires_usec <= ? ORDER BY push_id LIMIT ?", &st);
        if (r < 0)
                return r;
        if ((r = bind_u64(st, 1, now_usec)) < 0 || (r = bind_int(st, 2, STORE_QUERY_LIMIT_MAX)) < 0)
                return r;
        ids = calloc(STORE_QUERY_LIMIT_MAX, sizeof(uint64_t));
        if (!ids)
                return -ENOMEM;
        while ((r = step(s, st)) > 0)
                ids[n++] = col_u64(st, 0);
        if (r < 0)
                return r;
        stmt_release(&st);
        for (size_t i = 0; i < n; i++) {
                r = delete_pending(s, ids[i]);
                if (r < 0)
                        return r;
                r = update_push(s, ids[i], VERDICT_EXPIRED, REASON_EXPIRED, 0, NULL, NULL, now_usec);
                if (r < 0)
                        return r;
        }
        r = txn_commit(&t);
        if (r < 0)
                return r;
        if (ret_ids)
                *ret_ids = TAKE_PTR(ids);
        return (int) n;
}

int store_digest_applied(Store *s, const char *digest) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        /* A document in force, or one deleted since: its digest is kept (store.h "Retention"). */
        r = prepare(s, s->has_retention_schema ? "SELECT 1 FROM documents WHERE digest = ?1"
                                                 " UNION ALL SELECT 1 FROM replay_digests WHERE digest = ?1"
                                               : "SELECT 1 FROM documents WHERE digest = ?1", &st);
        if (r < 0)
                return r;
        r = bind_text(st, 1, digest);
        if (r < 0)
                return r;
        r = step(s, st);
        return r < 0 ? r : r > 0;
}

/* Highest strength that installed anything under @root (rows or DM accounts), or -1. */
static int root_strength(Store *s, const char *root) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT MAX(m) FROM (SELECT MAX(strength) AS m FROM settings WHERE root = ?1"
                       " UNION ALL SELECT MAX(strength) FROM accounts WHERE root = ?1)", &st);
        if (r < 0)
                return r;
        r = bind_text_any(st, 1, root);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        if (r == 0 || sqlite3_column_type(st, 0) == SQLITE_NULL)
                return -1;
        return sqlite3_column_int(st, 0);
}

static int account_strength(Store *s, const char *server_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT strength FROM accounts WHERE server_id = ?", &st);
        if (r < 0)
                return r;
        r = bind_text_any(st, 1, server_id);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        return r == 0 ? -1 : sqlite3_column_int(st, 0);
}

static int delete_by_text(Store *s, const char *sql, const char *key) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        r = bind_text_any(st, 1, key);
        if (r < 0)
                return r;
        return step(s, st);
}

/* Root key of the APPLICATION carrying a DM account: the first root whose APPID is w7 and whose
 * PROVIDER-ID equals the server id. */
static const char *account_root(const StoreSettingList *l, const char *server_id) {
        for (size_t i = 0; i < l->n; i++) {
                const StoreSetting *it = &l->items[i];

                if (it->parm && strcmp(it->parm, "PROVIDER-ID") == 0 && it->value &&
                    strcmp(it->value, server_id) == 0 && strcmp(it->chpath, it->root) == 0 &&
                    strcmp(it->ctype, "APPLICATION") == 0)
                        return it->root;
        }
        return NULL;
}

static int cert_strength(Store *s, const char *store_name, const char *thumbprint) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT strength FROM certificates WHERE store = ? AND thumbprint = ?", &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, store_name)) < 0 || (r = bind_text_any(st, 2, thumbprint)) < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        return r == 0 ? -1 : sqlite3_column_int(st, 0);
}

/* Replay and downgrade checks (S6) for @rows/@accounts/@certs at @strength; read-only. Runs inside the
 * caller's write transaction in store_apply, so the check and the commit cannot be raced.
 * Return: 0; -EEXIST replay; -EPERM downgrade (@ret_conflicts lists the blocking roots). */
static int check_locked(Store *s, const char *digest, const StoreSettingList *rows, const StoreAccount *accounts,
                        size_t n_accounts, const StoreCert *certs, size_t n_certs, unsigned strength,
                        char **ret_conflicts) {
        _cleanup_free_ char *conflicts = NULL;
        size_t conflicts_len = 0;
        int r;

        /* Replay: the same authenticated bytes were applied before. */
        r = store_digest_applied(s, digest);
        if (r < 0)
                return r;
        if (r > 0)
                return -EEXIST;

        /* Downgrade: every root this document replaces must have been installed with at most
         * this document's authentication strength; so must every DM account it replaces. */
        for (size_t i = 0; i < rows->n + n_accounts + n_certs; i++) {
                char cert_what[128];
                const char *what;
                size_t n;
                char *c;
                int m;

                if (i < rows->n) {
                        const StoreSetting *it = &rows->items[i];

                        if (strcmp(it->path, it->root) != 0) /* once per root: its own row */
                                continue;
                        what = it->root;
                        m = root_strength(s, it->root);
                } else if (i < rows->n + n_accounts) {
                        what = accounts[i - rows->n].server_id;
                        m = account_strength(s, what);
                } else {
                        /* a certificate is replaced or deleted only by an equal or stronger message */
                        const StoreCert *ct = &certs[i - rows->n - n_accounts];

                        snprintf(cert_what, sizeof cert_what, "CertificateStore/%.48s/%.40s", ct->store,
                                 ct->thumbprint);
                        what = cert_what;
                        m = cert_strength(s, ct->store, ct->thumbprint);
                }
                if (m < -1)
                        return m;
                if (m <= (int) strength)
                        continue;
                n = strlen(what);
                c = realloc(conflicts, conflicts_len + n + 2);
                if (!c)
                        return -ENOMEM;
                conflicts = c;
                memcpy(conflicts + conflicts_len, what, n);
                conflicts_len += n;
                conflicts[conflicts_len++] = '\n';
                conflicts[conflicts_len] = 0;
        }
        if (conflicts) {
                conflicts[conflicts_len - 1] = 0;
                if (ret_conflicts)
                        *ret_conflicts = TAKE_PTR(conflicts);
                return -EPERM;
        }
        return 0;
}

static int accounts_check(const StoreSettingList *rows, const StoreAccount *accounts, size_t n_accounts) {
        for (size_t i = 0; i < n_accounts; i++)
                if (!accounts[i].server_id || !account_root(rows, accounts[i].server_id))
                        return -EBADMSG; /* an account must come from a stored APPLICATION of this document */
        return 0;
}

static int certs_check(const StoreCert *certs, size_t n_certs) {
        if (n_certs > 0 && !certs)
                return -EINVAL;
        for (size_t i = 0; i < n_certs; i++) {
                const StoreCert *c = &certs[i];

                if (!c->store || !c->thumbprint || strlen(c->thumbprint) != 40 ||
                    (!c->remove && (!c->der || c->der_len == 0 || c->der_len > INT_MAX || !c->source)))
                        return -EINVAL;
        }
        return 0;
}

int store_check_apply(Store *s, const StoreApply *a, char **ret_conflicts) {
        _cleanup_(store_setting_list_done) StoreSettingList rows = {};
        char digest[STORE_DIGEST_HEX_LEN + 1];
        int r;

        if (!a->doc || !a->body)
                return -EINVAL;
        r = store_digest_hex(a->body, a->body_len, digest);
        if (r < 0)
                return r;
        r = store_settings_from_doc(a->doc, &rows);
        if (r < 0)
                return r;
        r = accounts_check(&rows, a->accounts, a->n_accounts);
        if (r < 0)
                return r;
        r = certs_check(a->certs, a->n_certs);
        if (r < 0)
                return r;
        return check_locked(s, digest, &rows, a->accounts, a->n_accounts, a->certs, a->n_certs,
                            store_apply_strength(a), ret_conflicts);
}

/* Delete one certificate row (store_apply's removals, store_delete_certificate). Return: 1, 0 none. */
static int delete_certificate(Store *s, const char *store_name, const char *thumbprint) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "DELETE FROM certificates WHERE store = ? AND thumbprint = ?", &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, store_name)) < 0 || (r = bind_text_any(st, 2, thumbprint)) < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

/* A SIM identity for the documents table: decimal digits of at most @max, else not recorded (the
 * engine validates them; this keeps anything else out of the keyfiles rendered from them). */
static const char *sim_text_or_null(const char *s, size_t max) {
        size_t n;

        if (!s)
                return NULL;
        n = strspn(s, "0123456789");
        return n > 0 && n <= max && s[n] == 0 ? s : NULL;
}

int store_apply(Store *s, const StoreApply *a, uint64_t *ret_id, char **ret_conflicts) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_(store_setting_list_done) StoreSettingList rows = {};
        _cleanup_(id_list_done) IdList replaced = {};
        _cleanup_stmt_ sqlite3_stmt *ins = NULL;
        char digest[STORE_DIGEST_HEX_LEN + 1];
        unsigned strength = store_apply_strength(a);
        uint64_t id, doc_id;
        int r;

        if (!a->doc || !a->body || a->body_len > INT_MAX)
                return -EINVAL;
        r = store_digest_hex(a->body, a->body_len, digest);
        if (r < 0)
                return r;
        r = store_settings_from_doc(a->doc, &rows);
        if (r < 0)
                return r;
        r = accounts_check(&rows, a->accounts, a->n_accounts);
        if (r < 0)
                return r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = certs_check(a->certs, a->n_certs);
        if (r < 0)
                return r;
        r = check_locked(s, digest, &rows, a->accounts, a->n_accounts, a->certs, a->n_certs, strength,
                         ret_conflicts);
        if (r < 0)
                return r;

        /* The history row: new, or the pending push this document came from. */
        if (a->push.id == 0) {
                r = insert_push(s, &a->push, &id);
                if (r < 0)
                        return r;
        } else {
                id = a->push.id;
                r = delete_pending(s, id);
                if (r < 0)
                        return r;
                r = update_push(s, id, a->push.verdict, a->push.reason, a->push.roles, a->push.denied,
                                a->push.summary, a->push.decided_usec);
                if (r < 0)
                        return r;
        }

        r = prepare(s, "INSERT INTO documents (push_id, digest, applied_usec, sec, roles, strength,"
                       " content_type, body) VALUES (?,?,?,?,?,?,?,?)", &ins);
        if (r < 0)
                return r;
        if ((r = bind_u64(ins, 1, id)) < 0 || (r = bind_text(ins, 2, digest)) < 0 ||
            (r = bind_u64(ins, 3, a->push.decided_usec)) < 0 || (r = bind_int(ins, 4, a->push.sec)) < 0 ||
            (r = bind_int(ins, 5, a->push.roles)) < 0 || (r = bind_int(ins, 6, strength)) < 0 ||
            (r = bind_text(ins, 7, a->push.content_type)) < 0 ||
            (r = sqlite_to_errno(sqlite3_bind_blob(ins, 8, a->body, (int) a->body_len, SQLITE_TRANSIENT))) < 0)
                return r;
        r = step(s, ins);
        if (r < 0)
                return r;
        doc_id = (uint64_t) sqlite3_last_insert_rowid(s->db);
        stmt_release(&ins);
        /* The receiving modem, in the same transaction (StoreDocument; the SIM follows). */
        if (s->has_sim_schema && a->push.modem) {
                r = prepare(s, "UPDATE documents SET modem = ? WHERE id = ?", &ins);
                if (r < 0)
                        return r;
                if ((r = bind_text(ins, 1, a->push.modem)) < 0 || (r = bind_u64(ins, 2, doc_id)) < 0)
                        return r;
                r = step(s, ins);
                if (r < 0)
                        return r;
                stmt_release(&ins);
        }

        /* The SIM the document is bound to, when there is one (same transaction). */
        if (s->has_sim_schema && (sim_text_or_null(a->sim_operator_id, STORE_SIM_OPERATOR_ID_MAX) ||
                                  sim_text_or_null(a->sim_id, STORE_SIM_ID_MAX))) {
                r = prepare(s, "UPDATE documents SET sim_operator_id = ?, sim_id = ? WHERE id = ?", &ins);
                if (r < 0)
                        return r;
                if ((r = bind_text(ins, 1, sim_text_or_null(a->sim_operator_id, STORE_SIM_OPERATOR_ID_MAX))) < 0 ||
                    (r = bind_text(ins, 2, sim_text_or_null(a->sim_id, STORE_SIM_ID_MAX))) < 0 ||
                    (r = bind_u64(ins, 3, doc_id)) < 0)
                        return r;
                r = step(s, ins);
                if (r < 0)
                        return r;
                stmt_release(&ins);
        }

        /* Replace every root this document names, as a unit; the documents that installed what
         * goes are superseded (wholly or in part) once this one is in. */
        for (size_t i = 0; i < rows.n; i++) {
                const StoreSetting *it = &rows.items[i];

                if (strcmp(it->path, it->root) != 0)
                        continue;
                r = collect_documents(s, &replaced, "SELECT doc_id FROM settings WHERE root = ?1"
                                                    " UNION SELECT doc_id FROM accounts WHERE root = ?1",
                                      it->root, NULL, doc_id);
                if (r < 0)
                        return r;
                r = delete_by_text(s, "DELETE FROM settings WHERE root = ?", it->root);
                if (r < 0)
                        return r;
                r = delete_by_text(s, "DELETE FROM accounts WHERE root = ?", it->root);
                if (r < 0)
                        return r;
        }

        r = prepare(s, "INSERT INTO settings (path, root, chpath, ctype, parm, value, ord, roles, sec, strength,"
                       " push_id, doc_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &ins);
        if (r < 0)
                return r;
        for (size_t i = 0; i < rows.n; i++) {
                const StoreSetting *it = &rows.items[i];

                sqlite3_reset(ins);
                if ((r = bind_text_any(ins, 1, it->path)) < 0 || (r = bind_text_any(ins, 2, it->root)) < 0 ||
                    (r = bind_text_any(ins, 3, it->chpath)) < 0 || (r = bind_text_any(ins, 4, it->ctype)) < 0 ||
                    (r = bind_text_any(ins, 5, it->parm)) < 0 || (r = bind_text_any(ins, 6, it->value)) < 0 ||
                    (r = bind_int(ins, 7, it->ord)) < 0 || (r = bind_int(ins, 8, a->push.roles)) < 0 ||
                    (r = bind_int(ins, 9, a->push.sec)) < 0 || (r = bind_int(ins, 10, strength)) < 0 ||
                    (r = bind_u64(ins, 11, id)) < 0 || (r = bind_u64(ins, 12, doc_id)) < 0)
                        return r;
                r = step(s, ins);
                if (r < 0)
                        return r;
        }
        stmt_release(&ins);

        r = prepare(s, "INSERT INTO accounts (server_id, root, name, addr, roles, sec, strength, push_id, doc_id)"
                       " VALUES (?,?,?,?,?,?,?,?,?)", &ins);
        if (r < 0)
                return r;
        for (size_t i = 0; i < a->n_accounts; i++) {
                const StoreAccount *ac = &a->accounts[i];

                r = collect_documents(s, &replaced, "SELECT doc_id FROM accounts WHERE server_id = ?1",
                                      ac->server_id, NULL, doc_id);
                if (r < 0)
                        return r;
                r = delete_by_text(s, "DELETE FROM accounts WHERE server_id = ?", ac->server_id);
                if (r < 0)
                        return r;
                sqlite3_reset(ins);
                if ((r = bind_text(ins, 1, ac->server_id)) < 0 ||
                    (r = bind_text_any(ins, 2, account_root(&rows, ac->server_id))) < 0 ||
                    (r = bind_text(ins, 3, ac->name)) < 0 || (r = bind_text(ins, 4, ac->addr)) < 0 ||
                    (r = bind_int(ins, 5, ac->roles)) < 0 || (r = bind_int(ins, 6, a->push.sec)) < 0 ||
                    (r = bind_int(ins, 7, strength)) < 0 || (r = bind_u64(ins, 8, id)) < 0 ||
                    (r = bind_u64(ins, 9, doc_id)) < 0)
                        return r;
                r = step(s, ins);
                if (r < 0)
                        return r;
        }

        stmt_release(&ins);

        /* Certificates: in the same transaction as the document (all or nothing). */
        r = a->n_certs == 0 ? 0 :
                prepare(s, "INSERT OR REPLACE INTO certificates (store, thumbprint, roles, source, der, push_id,"
                           " added_usec, sec, strength, installer_roles, subject, not_after_usec)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &ins);
        if (r < 0)
                return r;
        for (size_t i = 0; i < a->n_certs; i++) {
                const StoreCert *c = &a->certs[i];

                r = collect_documents(s, &replaced, CERT_DOCUMENT_SQL, c->store, c->thumbprint, doc_id);
                if (r < 0)
                        return r;
                if (c->remove) {
                        r = delete_certificate(s, c->store, c->thumbprint);
                        if (r < 0)
                                return r;
                        continue;
                }
                sqlite3_reset(ins);
                if ((r = bind_text_any(ins, 1, c->store)) < 0 || (r = bind_text_any(ins, 2, c->thumbprint)) < 0 ||
                    (r = bind_int(ins, 3, c->roles)) < 0 || (r = bind_text(ins, 4, c->source)) < 0 ||
                    (r = sqlite_to_errno(sqlite3_bind_blob(ins, 5, c->der, (int) c->der_len, SQLITE_TRANSIENT))) < 0 ||
                    (r = bind_u64(ins, 6, id)) < 0 || (r = bind_u64(ins, 7, a->push.decided_usec)) < 0 ||
                    (r = bind_int(ins, 8, a->push.sec)) < 0 || (r = bind_int(ins, 9, strength)) < 0 ||
                    (r = bind_int(ins, 10, a->push.roles)) < 0 || (r = bind_text(ins, 11, c->subject)) < 0 ||
                    (r = bind_u64(ins, 12, c->not_after_usec)) < 0)
                        return r;
                r = step(s, ins);
                if (r < 0)
                        return r;
        }

        /* The over-the-air policy values this document sets (store-policy.h), in this same
         * transaction: the next push is judged by them, or a crash leaves the old ones. */
        r = store_policy_write(s, id, a->push.decided_usec, a->policy, a->n_policy);
        if (r < 0)
                return r;

        /* Retention (store.h): what this document replaced, itself when it installed nothing that
         * stays (e.g. only removals), then the history, in this same transaction. */
        for (size_t i = 0; i < replaced.n; i++) {
                r = supersede_document(s, replaced.v[i], true);
                if (r < 0)
                        return r;
        }
        r = supersede_document(s, doc_id, false);
        if (r < 0)
                return r;
        r = evict_digests(s, STORE_PRUNE_BATCH + (unsigned) MIN(replaced.n, (size_t) STORE_ROWS_MAX));
        if (r < 0)
                return r;
        r = prune_history(s, a->push.decided_usec, STORE_PRUNE_BATCH);
        if (r < 0)
                return r;

        r = txn_commit(&t);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 0;
}

int store_delete_certificate(Store *s, const char *store_name, const char *thumbprint) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_(id_list_done) IdList replaced = {};
        int r, removed;

        if (!store_name || !thumbprint)
                return -EINVAL;
        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = collect_documents(s, &replaced, CERT_DOCUMENT_SQL, store_name, thumbprint, 0);
        if (r < 0)
                return r;
        removed = delete_certificate(s, store_name, thumbprint);
        if (removed < 0)
                return removed;
        for (size_t i = 0; i < replaced.n; i++) {
                r = supersede_document(s, replaced.v[i], true);
                if (r < 0)
                        return r;
        }
        r = evict_digests(s, STORE_PRUNE_BATCH);
        if (r < 0)
                return r;
        r = txn_commit(&t);
        return r < 0 ? r : removed;
}

int store_foreach_certificate(Store *s, const char *store_name, StoreCertFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        r = prepare(s, "SELECT store, thumbprint, roles, source, der, push_id, added_usec, sec, strength,"
                       " installer_roles, subject, not_after_usec FROM certificates"
                       " WHERE ?1 IS NULL OR store = ?1 ORDER BY store, thumbprint LIMIT ?2", &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, store_name)) < 0 || (r = bind_int(st, 2, STORE_QUERY_LIMIT_MAX)) < 0)
                return r;
        while ((r = step(s, st)) > 0) {
                StoreCert c = {
                        .store = col_text(st, 0),
                        .thumbprint = col_text(st, 1),
                        .roles = (uint32_t) sqlite3_column_int64(st, 2),
                        .source = col_text(st, 3),
                        .der = sqlite3_column_blob(st, 4),
                        .der_len = (size_t) sqlite3_column_bytes(st, 4),
                        .push_id = col_u64(st, 5),
                        .added_usec = col_u64(st, 6),
                        .sec = sqlite3_column_int(st, 7),
                        .strength = (unsigned) sqlite3_column_int(st, 8),
                        .installer_roles = (uint32_t) sqlite3_column_int64(st, 9),
                        .subject = col_text(st, 10),
                        .not_after_usec = col_u64(st, 11),
                };

                if (!c.store || !c.thumbprint)
                        return -EUCLEAN;
                n++;
                r = fn(&c, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

/* ---- queries ------------------------------------------------------------------------------ */

static int push_from_row(sqlite3_stmt *st, StorePush *p) {
        Verdict v = verdict_from_string(col_text(st, 7) ?: "");
        Reason rs = reason_from_string(col_text(st, 8) ?: "");

        if (v < 0 || rs < 0)
                return -EUCLEAN;
        *p = (StorePush) {
                .id = col_u64(st, 0),
                .received_usec = col_u64(st, 1),
                .decided_usec = col_u64(st, 2),
                .sender = col_text(st, 3),
                .transport = col_text(st, 4),
                .sec = sqlite3_column_int(st, 5),
                .roles = (uint32_t) sqlite3_column_int64(st, 6),
                .verdict = v,
                .reason = rs,
                .denied = col_text(st, 9),
                .digest = col_text(st, 10),
                .content_type = col_text(st, 11),
                .summary = col_text(st, 12),
                .modem = col_text(st, 13),
        };
        return 0;
}

#define PUSH_COLUMNS                                                                                      \
        "id, received_usec, decided_usec, sender, transport, sec, roles, verdict, reason, denied, digest,"  \
        " content_type, summary, "
/* the last column: modem, or NULL in a store at an older schema (tests) */
#define PUSH_SELECT(s, rest) ((s)->has_sim_schema ? "SELECT " PUSH_COLUMNS "modem" rest : "SELECT " PUSH_COLUMNS "NULL" rest)

int store_foreach_push(Store *s, uint64_t before_id, unsigned limit, StorePushFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        limit = MIN(limit, STORE_QUERY_LIMIT_MAX);
        r = prepare(s, PUSH_SELECT(s, " FROM pushes WHERE id < ? ORDER BY id DESC LIMIT ?"), &st);
        if (r < 0)
                return r;
        if ((r = bind_u64(st, 1, before_id == 0 ? (uint64_t) INT64_MAX : before_id)) < 0 ||
            (r = bind_int(st, 2, limit)) < 0)
                return r;
        while ((r = step(s, st)) > 0) {
                StorePush p;

                r = push_from_row(st, &p);
                if (r < 0)
                        return r;
                n++;
                r = fn(&p, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

int store_get_push(Store *s, uint64_t id, StorePushFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        StorePush p;
        int r;

        r = prepare(s, PUSH_SELECT(s, " FROM pushes WHERE id = ?"), &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, id);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ESRCH;
        r = push_from_row(st, &p);
        if (r < 0)
                return r;
        r = fn(&p, userdata);
        return r < 0 ? r : 0;
}

int store_foreach_pending(Store *s, StorePendingFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        r = prepare(s, PENDING_SELECT(s, " FROM pending p JOIN pushes h ON h.id = p.push_id ORDER BY p.push_id LIMIT ?"),
                    &st);
        if (r < 0)
                return r;
        r = bind_int(st, 1, STORE_QUERY_LIMIT_MAX);
        if (r < 0)
                return r;
        while ((r = step(s, st)) > 0) {
                StorePending p;

                r = pending_from_row(st, &p);
                if (r < 0)
                        return r;
                n++;
                r = fn(&p, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

/* The rows of a settings query (columns as below) to @fn. */
static int setting_rows(Store *s, sqlite3_stmt *st, StoreSettingFn fn, void *userdata) {
        int r, n = 0;

        while ((r = step(s, st)) > 0) {
                StoreSetting it = {
                        .root = col_text(st, 0),
                        .path = col_text(st, 1),
                        .chpath = col_text(st, 2),
                        .ctype = col_text(st, 3),
                        .parm = col_text(st, 4),
                        .value = col_text(st, 5),
                        .ord = (unsigned) sqlite3_column_int(st, 6),
                        .roles = (uint32_t) sqlite3_column_int64(st, 7),
                        .sec = sqlite3_column_int(st, 8),
                        .strength = (unsigned) sqlite3_column_int(st, 9),
                        .push_id = col_u64(st, 10),
                        .modem = col_text(st, 11),
                        .sim_id = col_text(st, 12),
                        .sim_operator = col_text(st, 13),
                };

                n++;
                r = fn(&it, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

#define SETTING_COLUMNS_SIM                                                                        \
        "SELECT root, path, chpath, ctype, parm, value, ord, settings.roles, settings.sec,"      \
        " settings.strength, settings.push_id, d.modem, d.sim_id, d.sim_operator_id"            \
        " FROM settings LEFT JOIN documents d ON d.id = settings.doc_id"
#define SETTING_COLUMNS_NOSIM                                                                      \
        "SELECT root, path, chpath, ctype, parm, value, ord, roles, sec, strength, push_id,"    \
        " NULL, NULL, NULL FROM settings"

int store_foreach_setting(Store *s, const char *root_prefix, StoreSettingFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        /* Not bounded by STORE_QUERY_LIMIT_MAX: the exporters need every row. The table itself is
         * bounded by what documents may hold per root. A full scan: start-up, ListExports and a
         * rebuild on demand only; per push, store_foreach_setting_range. */
        r = prepare(s, s->has_sim_schema
                               ? SETTING_COLUMNS_SIM " WHERE ?1 IS NULL OR substr(root, 1, length(?1)) = ?1 ORDER BY root, ord"
                               : SETTING_COLUMNS_NOSIM " WHERE ?1 IS NULL OR substr(root, 1, length(?1)) = ?1 ORDER BY root, ord",
                    &st);
        if (r < 0)
                return r;
        r = bind_text_any(st, 1, root_prefix);
        if (r < 0)
                return r;
        return setting_rows(s, st, fn, userdata);
}

/* The smallest string greater than every string that starts with @prefix (its last byte + 1;
 * the keys are printable ASCII, buf_put_escaped). */
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
                r = prepare(s, s->has_sim_schema ? SETTING_COLUMNS_SIM " WHERE root = ?1 ORDER BY root, ord"
                                                 : SETTING_COLUMNS_NOSIM " WHERE root = ?1 ORDER BY root, ord",
                            &st);
        else {
                end = prefix_end(root_prefix);
                if (!end)
                        return -EINVAL;
                r = prepare(s, s->has_sim_schema
                                       ? SETTING_COLUMNS_SIM " WHERE root >= ?1 AND root < ?2 ORDER BY root, ord"
                                       : SETTING_COLUMNS_NOSIM " WHERE root >= ?1 AND root < ?2 ORDER BY root, ord",
                            &st);
        }
        if (r < 0)
                return r;
        r = bind_text_any(st, 1, root_prefix);
        if (r >= 0 && end)
                r = bind_text_any(st, 2, end);
        if (r < 0)
                return r;
        return setting_rows(s, st, fn, userdata);
}

int store_root_key_prefix(const char *type, const char *key, const char *value, bool closed, char **ret) {
        Buf b = {};

        /* As segment_base writes a root key: "/TYPE[KEY=<escaped value>" then "]" (or ",KEY2=...]"
         * for a type with two keys) and an occurrence suffix "#n" for a repetition. */
        buf_puts(&b, "/");
        buf_put_escaped(&b, type);
        buf_puts(&b, "[");
        buf_put_escaped(&b, key);
        buf_puts(&b, "=");
        buf_put_escaped(&b, value);
        if (closed)
                buf_puts(&b, "]");
        if (b.failed || !b.p) {
                free(b.p);
                return -ENOMEM;
        }
        *ret = b.p;
        return 0;
}

int store_napdef_root_prefix(const char *napid, char **ret) {
        Buf b = {};

        /* key_table's NAPDEF key, as segment_base writes it: "/NAPDEF[NAPID=<escaped>]"; the
         * roots of one NAPID are that, or that with an occurrence suffix "#n". */
        buf_puts(&b, "/NAPDEF[NAPID=");
        buf_put_escaped(&b, napid);
        buf_puts(&b, "]");
        if (b.failed || !b.p) {
                free(b.p);
                return -ENOMEM;
        }
        *ret = b.p;
        return 0;
}

int store_foreach_account(Store *s, StoreAccountFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        r = prepare(s, "SELECT server_id, name, addr, roles, root, sec, push_id FROM accounts"
                       " ORDER BY server_id LIMIT ?", &st);
        if (r < 0)
                return r;
        r = bind_int(st, 1, STORE_QUERY_LIMIT_MAX);
        if (r < 0)
                return r;
        while ((r = step(s, st)) > 0) {
                StoreAccount a = {
                        .server_id = col_text(st, 0),
                        .name = col_text(st, 1),
                        .addr = col_text(st, 2),
                        .roles = (uint32_t) sqlite3_column_int64(st, 3),
                        .root = col_text(st, 4),
                        .sec = sqlite3_column_int(st, 5),
                        .push_id = col_u64(st, 6),
                };

                n++;
                r = fn(&a, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

int store_get_document_sim(Store *s, uint64_t push_id, char **ret_operator_id, char **ret_sim_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *op = NULL, *sim = NULL;
        int r;

        r = prepare(s, "SELECT sim_operator_id, sim_id FROM documents WHERE push_id = ?", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, push_id);
        if (r < 0)
                return r;
        r = step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ESRCH;
        /* Only what store_apply could have written: digits (sim_text_or_null). */
        if (col_text(st, 0) && sim_text_or_null(col_text(st, 0), STORE_SIM_OPERATOR_ID_MAX) &&
            !(op = strdup(col_text(st, 0))))
                return -ENOMEM;
        if (col_text(st, 1) && sim_text_or_null(col_text(st, 1), STORE_SIM_ID_MAX) && !(sim = strdup(col_text(st, 1))))
                return -ENOMEM;
        *ret_operator_id = TAKE_PTR(op);
        *ret_sim_id = TAKE_PTR(sim);
        return 0;
}

/* ---- NetworkManager keyfiles verifierd wrote ------------------------------------------------ */

static const char *const nm_file_states[] = { "written", "user-changed", "user-removed" };

int store_foreach_nm_file(Store *s, const char *dir, StoreNmFileFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        if (!dir)
                return -EINVAL;
        r = prepare(s, "SELECT name, root, digest, push_id, state FROM nm_files WHERE dir = ? ORDER BY name", &st);
        if (r < 0)
                return r;
        r = bind_text_any(st, 1, dir);
        if (r < 0)
                return r;
        while ((r = step(s, st)) > 0) {
                StoreNmFile f = {
                        .dir = dir,
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
                n++;
                r = fn(&f, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

/*
 * The keyfile records are written without a sync of their own (synchronous=NORMAL for that one
 * statement; the WAL still orders it, and the next FULL commit syncs it along). This is safe
 * because of the order export-nm.c keeps: the file is fsynced, renamed and its directory fsynced
 * BEFORE its record is written, so a record can never be durable ahead of its file; a record
 * lost to a power cut is the case export-nm.h already handles (a file of ours without a record,
 * or with the previous rendering's record: adopted; a removal's record left: forgotten by the
 * next rebuild; a user-changed mark: noticed again). It saves one fdatasync per applied push,
 * the verdict's durability (store_apply, synchronous=FULL) is untouched.
 */
static int step_unsynced(Store *s, sqlite3_stmt *st) {
        bool autocommit = sqlite3_get_autocommit(s->db);
        int r;

        if (autocommit)
                (void) exec_script(s, "PRAGMA synchronous=NORMAL;");
        r = step(s, st);
        if (autocommit) {
                int k = exec_script(s, "PRAGMA synchronous=FULL;");

                if (k < 0 && r >= 0)
                        r = k;
        }
        return r;
}

int store_get_nm_file(Store *s, const char *dir, const char *name, StoreNmFileFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!dir || !name)
                return -EINVAL;
        /* The primary key (dir, name): one row, no scan. */
        r = prepare(s, "SELECT name, root, digest, push_id, state FROM nm_files WHERE dir = ? AND name = ?", &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, dir)) < 0 || (r = bind_text_any(st, 2, name)) < 0)
                return r;
        r = step(s, st);
        if (r <= 0)
                return r < 0 ? r : -ESRCH;
        {
                StoreNmFile f = {
                        .dir = dir,
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
                r = fn(&f, userdata);
        }
        return r < 0 ? r : 0;
}

int store_put_nm_file(Store *s, const StoreNmFile *f) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!f || !f->dir || !f->name || !f->root || !f->digest || f->state < 0 ||
            f->state >= (StoreNmFileState) ELEMENTSOF(nm_file_states))
                return -EINVAL;
        r = prepare(s, "INSERT OR REPLACE INTO nm_files (dir, name, root, digest, push_id, state)"
                       " VALUES (?,?,?,?,?,?)", &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, f->dir)) < 0 || (r = bind_text_any(st, 2, f->name)) < 0 ||
            (r = bind_text_any(st, 3, f->root)) < 0 || (r = bind_text_any(st, 4, f->digest)) < 0 ||
            (r = bind_u64(st, 5, f->push_id)) < 0 || (r = bind_text_any(st, 6, nm_file_states[f->state])) < 0)
                return r;
        r = step_unsynced(s, st);
        return r < 0 ? r : 0;
}

int store_delete_nm_file(Store *s, const char *dir, const char *name) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!dir || !name)
                return -EINVAL;
        r = prepare(s, "DELETE FROM nm_files WHERE dir = ? AND name = ?", &st);
        if (r < 0)
                return r;
        if ((r = bind_text_any(st, 1, dir)) < 0 || (r = bind_text_any(st, 2, name)) < 0)
                return r;
        r = step_unsynced(s, st);
        return r < 0 ? r : 0;
}

int store_foreach_document(Store *s, StoreDocumentFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        r = prepare(s, s->has_sim_schema ? "SELECT id, push_id, digest, applied_usec, sec, roles, strength, body,"
                                           " modem, sim_id, sim_operator_id FROM documents ORDER BY id"
                                         : "SELECT id, push_id, digest, applied_usec, sec, roles, strength, body,"
                                           " NULL, NULL, NULL FROM documents ORDER BY id",
                    &st);
        if (r < 0)
                return r;
        while ((r = step(s, st)) > 0) {
                StoreDocument d = {
                        .id = col_u64(st, 0),
                        .push_id = col_u64(st, 1),
                        .digest = col_text(st, 2),
                        .applied_usec = col_u64(st, 3),
                        .sec = sqlite3_column_int(st, 4),
                        .roles = (uint32_t) sqlite3_column_int64(st, 5),
                        .strength = (unsigned) sqlite3_column_int(st, 6),
                        .body = sqlite3_column_blob(st, 7),
                        .body_len = (size_t) sqlite3_column_bytes(st, 7),
                        .modem = col_text(st, 8),
                        .sim_id = col_text(st, 9),
                        .sim_operator = col_text(st, 10),
                };

                n++;
                r = fn(&d, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}
