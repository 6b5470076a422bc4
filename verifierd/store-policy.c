/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-policy.c: the table of the over-the-air policy layer (store-policy.h). Library code:
 * logs nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macros.h"
#include "store-internal.h"
#include "store-policy.h"

#ifdef PROVBOOT_TEST
/*
 * Test builds only (never in build/verifierd): PROVBOOT_TEST_POLICY_PAUSE=FILE makes the first
 * write of policy rows create FILE and then wait, inside the open transaction, until the process
 * is killed: tests/integration/ota-policy.sh kills it there (SIGKILL) and checks that the store
 * holds the old layer. A bounded poll on FILE tells the test the process is inside.
 */
static void test_pause_inside_transaction(void) {
        const char *path = getenv("PROVBOOT_TEST_POLICY_PAUSE");
        int fd;

        if (!path || !*path)
                return;
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
                close(fd);
        for (;;)
                pause();
}
#else
static inline void test_pause_inside_transaction(void) {
}
#endif

int store_policy_write(Store *s, uint64_t push_id, uint64_t now_usec, const StorePolicyValue *v, size_t n) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (n == 0)
                return 0;
        if (!v || push_id > INT64_MAX || now_usec > INT64_MAX)
                return -EINVAL;
        r = store_prepare(s, "INSERT OR REPLACE INTO ota_policy (key, value, push_id, origin, set_usec)"
                             " VALUES (?,?,?,?,?)", &st);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                size_t len = v[i].key ? strnlen(v[i].key, STORE_POLICY_KEY_MAX + 1) : 0;

                if (len == 0 || len > STORE_POLICY_KEY_MAX)
                        return -EINVAL;
                sqlite3_reset(st);
                if (sqlite3_bind_text(st, 1, v[i].key, (int) len, SQLITE_TRANSIENT) != SQLITE_OK ||
                    sqlite3_bind_int64(st, 2, (sqlite3_int64) v[i].value) != SQLITE_OK ||
                    sqlite3_bind_int64(st, 3, (sqlite3_int64) push_id) != SQLITE_OK ||
                    sqlite3_bind_text(st, 4, v[i].once ? "once" : "push", -1, SQLITE_STATIC) != SQLITE_OK ||
                    sqlite3_bind_int64(st, 5, (sqlite3_int64) now_usec) != SQLITE_OK)
                        return -ENOMEM;
                r = store_step(s, st);
                if (r < 0)
                        return r;
        }
        test_pause_inside_transaction();
        return 0;
}

int store_policy_foreach(Store *s, StorePolicyFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        r = store_prepare(s, "SELECT key, value, push_id, origin, set_usec FROM ota_policy ORDER BY key", &st);
        if (r < 0)
                return r;
        while ((r = store_step(s, st)) > 0) {
                sqlite3_int64 value = sqlite3_column_int64(st, 1), push = sqlite3_column_int64(st, 2),
                              when = sqlite3_column_int64(st, 4);
                const char *origin = (const char *) sqlite3_column_text(st, 3);
                StorePolicyRow row = {
                        .key = (const char *) sqlite3_column_text(st, 0),
                        .value = value < 0 || value > UINT32_MAX ? 0 : (uint32_t) value,
                        .push_id = push < 0 ? 0 : (uint64_t) push,
                        .once = origin && strcmp(origin, "once") == 0,
                        .set_usec = when < 0 ? 0 : (uint64_t) when,
                };

                if (!row.key)
                        continue;
                n++;
                r = fn(&row, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return r < 0 ? r : n;
}

int store_policy_reset(Store *s) {
        int r, n;

        r = sql_exec0(s, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = sql_exec0(s, "DELETE FROM ota_policy");
        if (r < 0)
                goto rollback;
        n = sqlite3_changes(s->db);
        r = sql_exec0(s, "COMMIT");
        if (r < 0)
                goto rollback;
        return n;
rollback:
        /* not fault-injected: all or nothing */
        (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
}
