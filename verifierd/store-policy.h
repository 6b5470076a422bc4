/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-policy.h: the over-the-air policy layer's table (ota-policy.h; store schema 7).
 *
 * Table ota_policy: one row per configuration key a Manager-role document set ("GrantManager",
 * ... as ota_key_to_string names them), with its value, the push that set it, and its origin:
 * "push" (a SecurityPolicy characteristic) or "once" (the [Bootstrap] Enabled=once closing).
 * Rows are written by store_apply in the same transaction as the rest of the document (a crash
 * leaves the old layer or the new one, never a mixture) and dropped whole by store_policy_reset
 * (provctl reset-policy). At most one row per key: the table holds at most as many rows as the
 * layer has keys. The store does not interpret keys or values; the engine does (ota-policy.h).
 */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Store Store;

#define STORE_POLICY_KEY_MAX 64U        /* bytes of one key name (longer: -EINVAL) */

/* One value a document sets (StoreApply.policy). */
typedef struct StorePolicyValue {
        const char *key;                /* configuration key name, at most STORE_POLICY_KEY_MAX */
        uint32_t value;
        bool once;                      /* the Enabled=once closing, not a SecurityPolicy parm */
} StorePolicyValue;

/* One row as stored. Strings are valid inside the callback only. */
typedef struct StorePolicyRow {
        const char *key;
        uint32_t value;
        uint64_t push_id;
        bool once;
        uint64_t set_usec;
} StorePolicyRow;
typedef int (*StorePolicyFn)(const StorePolicyRow *row, void *userdata);

/**
 * store_policy_write() - replace the rows of the keys in @v (store_apply calls it inside its
 *   transaction; nothing else may).
 * @s: the store, inside a write transaction.
 * @push_id: the history row of the document.
 * @now_usec: when.
 * @v: the values.
 * @n: their number.
 *
 * Return: 0; -EINVAL a key empty or over STORE_POLICY_KEY_MAX; negative errno from SQLite.
 */
int store_policy_write(Store *s, uint64_t push_id, uint64_t now_usec, const StorePolicyValue *v, size_t n);

/**
 * store_policy_foreach() - every row, in key order.
 * Return: the number of rows handed out (a nonzero return of @fn stops: negative is returned as
 *   is), or negative errno.
 */
int store_policy_foreach(Store *s, StorePolicyFn fn, void *userdata);

/**
 * store_policy_reset() - drop every row, in one transaction.
 * Return: the number of rows dropped, or negative errno (then nothing was dropped).
 */
int store_policy_reset(Store *s);
