/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-notify.h: verifierd's checks of an OMA DM package 0 (OMA-TS-DM_Notification-V1_2 §6.2;
 * the project's docs/dm.md) before a server-initiated session is started. Nothing is dialled for
 * a notification that fails any of them:
 *   1. parse (common/dm-pkg0.h): truncated or bad fields -> malformed, version != 11 -> unsupported;
 *   2. the ServerID must name a stored account -> else unauthenticated (dropped);
 *   3. the digest, recomputed with that account's server credentials (SRVCRED secret and the
 *      server nonce this client issued) and compared in constant time -> else bad-mac. No nonce
 *      resynchronisation fallback (off, as Windows' UseNonceResync default);
 *   3a. ui-mode 3 (ask the user first): no DM agent exists yet -> policy-denied;
 *   4. a (ServerID, session id) already seen among the last DM_NOTIFY_SEEN_MAX -> replay;
 *   5. an account's sessions started by notifications at least DM_NOTIFY_MIN_INTERVAL_USEC apart
 *      -> else policy-denied.
 * Steps 4 and 5 come after the digest, so unauthenticated triggers cannot fill the tables.
 */
#pragma once

#include <stdint.h>

#include "dm-pkg0.h"
#include "engine.h"
#include "verdict.h"

#define DM_NOTIFY_SEEN_MAX 64U                          /* (ServerID, session id) pairs remembered */
#define DM_NOTIFY_MIN_INTERVAL_USEC (60ULL * 1000000ULL) /* per account, between triggered sessions */
#define DM_NOTIFY_ACCOUNTS_MAX 32U                      /* accounts whose last trigger is remembered */

/**
 * dm_notify_check() - run checks 1-5 on @buf (@len bytes, as received) at @now_usec
 *   (CLOCK_MONOTONIC). On acceptance the pair and the time are remembered.
 * @ret: the parsed notification (borrows @buf), valid when *ret_reason is REASON_NONE.
 * @ret_reason: REASON_NONE (start the session) or the reason it was dropped.
 * Return: 0; negative errno for an internal failure (store, memory): dropped as well.
 */
int dm_notify_check(Engine *e, const uint8_t *buf, size_t len, uint64_t now_usec, DmPkg0 *ret, Reason *ret_reason);

/* Forget everything remembered (tests). */
void dm_notify_reset(void);
