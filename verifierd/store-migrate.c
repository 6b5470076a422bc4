/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-migrate.c: the schema of verifierd's store, as forward steps from an empty database
 * (PRAGMA user_version 0) to STORE_SCHEMA_VERSION. Each step runs in its own write transaction
 * with the version bump, so an interrupted upgrade resumes where it stopped.
 */
#include <errno.h>
#include <stdio.h>

#include "store-internal.h"

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
        /* 2 -> 3: signed packages. pushes.sec admits 4 (AUTH_SIGNED): SQLite cannot alter a
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
         * rows are the [Bootstrap] Enabled=once closing. push_id is not a foreign key; the
         * history pruning keeps the push a row names (store-retention.c PUSH_UNREFERENCED), so
         * provctl policy's "push N" can be looked up while the value is in force. */
        "CREATE TABLE ota_policy ("
        "  key TEXT PRIMARY KEY,"
        "  value INTEGER NOT NULL,"
        "  push_id INTEGER NOT NULL,"
        "  origin TEXT NOT NULL CHECK (origin IN ('push','once')),"
        "  set_usec INTEGER NOT NULL) WITHOUT ROWID;",
        /* 7 -> 8 (issue 13): OMA DM sessions. pushes.sec admits 5 (AUTH_DM: a document an OMA
         * DM session of an account wrote), the table rebuilt as in step 2 -> 3 (columns, rows,
         * the AUTOINCREMENT counter and the decided_usec index carried over). dm_nonces holds the
         * nonces sessions changed (dm-account.h), per server id and kind ('client': CLCRED,
         * issued by the server; 'server': SRVCRED, issued by this client), with the root of the
         * w7 APPLICATION they belong to: a newer document replacing that root (a new bootstrap)
         * drops them with the account (store-documents.c), so its AAUTHDATA counts again. */
        "CREATE TEMP TABLE migrate_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'pushes';"
        "CREATE TABLE pushes_v8 ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  received_usec INTEGER NOT NULL,"
        "  decided_usec INTEGER NOT NULL,"
        "  sender TEXT, transport TEXT,"
        "  sec INTEGER NOT NULL CHECK (sec BETWEEN -1 AND 5),"
        "  roles INTEGER NOT NULL DEFAULT 0,"
        "  verdict TEXT NOT NULL CHECK (verdict IN ('applied','rejected','pending','expired')),"
        "  reason TEXT NOT NULL,"
        "  denied TEXT, digest TEXT, content_type TEXT, summary TEXT, modem TEXT);"
        "INSERT INTO pushes_v8 (id, received_usec, decided_usec, sender, transport, sec, roles, verdict, reason,"
        "  denied, digest, content_type, summary, modem)"
        "  SELECT id, received_usec, decided_usec, sender, transport, sec, roles, verdict, reason, denied, digest,"
        "  content_type, summary, modem FROM pushes;"
        "DROP TABLE pushes;"
        "ALTER TABLE pushes_v8 RENAME TO pushes;"
        "CREATE INDEX pushes_decided ON pushes(decided_usec);"
        "DELETE FROM sqlite_sequence WHERE name = 'pushes';"
        "INSERT INTO sqlite_sequence (name, seq)"
        "  SELECT 'pushes', MAX(COALESCE((SELECT seq FROM migrate_seq), 0), COALESCE((SELECT MAX(id) FROM pushes), 0))"
        "  WHERE COALESCE((SELECT seq FROM migrate_seq), 0) > 0 OR EXISTS (SELECT 1 FROM pushes);"
        "DROP TABLE migrate_seq;"
        "CREATE TABLE dm_nonces ("
        "  server_id TEXT NOT NULL,"
        "  kind TEXT NOT NULL CHECK (kind IN ('client','server')),"
        "  root TEXT NOT NULL,"
        "  nonce BLOB NOT NULL,"
        "  set_usec INTEGER NOT NULL,"
        "  PRIMARY KEY (server_id, kind)) WITHOUT ROWID;"
        "CREATE INDEX dm_nonces_root ON dm_nonces(root);",
};

int store_migrate(Store *s, int target) {
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
                r = store_exec_script(s, migrations[v]);
                if (r < 0)
                        return r;
                snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
                r = store_exec_script(s, sql);
                if (r < 0)
                        return r;
                r = txn_commit(&t);
                if (r < 0)
                        return r;
                }
}
