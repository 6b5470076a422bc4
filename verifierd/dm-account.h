/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-account.h: an OMA DM server account as verifierd holds it. There is no separate account
 * store: the account is the w7 APPLICATION a CP document installed (its setting rows) plus the
 * row of table accounts (server id, address, roles, strength). The w7 -> DMAcc mapping is
 * OMA-TS-DM_StdObj-V1_2 appendix (w7 mapping) and docs/dm-tree.md:
 *   PROVIDER-ID -> ServerID, NAME -> Name, APPADDR/ADDR (or a bare ADDR) -> AppAddr/<X>/Addr,
 *   APPAUTH AAUTHLEVEL=APPSRV -> CLCRED: the client's credentials towards the server,
 *   APPAUTH AAUTHLEVEL=CLIENT -> SRVCRED: the server's credentials towards the client,
 *   AAUTHTYPE, AAUTHNAME, AAUTHSECRET copied; AAUTHDATA is base64 of the nonce bytes (the hash
 *   uses the decoded bytes, OMA-TS-DM_Security-V1_2 §5.1.3.2).
 * Secrets (AAUTHSECRET, nonces) are copied into Secrets (secret.h) at once and never logged.
 * Nonces that change during sessions live in table dm_nonces (store schema 8): once a session
 * stored one, it takes precedence over the AAUTHDATA of the bootstrap. A new document that
 * replaces the w7 APPLICATION (a newer bootstrap, or a DM Replace of AAuthData) resets them:
 * the stored nonce is dropped with the account's rows (dm_account_store_nonce's comment).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "macros.h"
#include "secret.h"

#define DM_ACCOUNT_NONCE_MAX 256U       /* bytes of one stored nonce (decoded) */

typedef struct DmAccount {
        char *server_id;                /* PROVIDER-ID (DMAcc ServerID) */
        char *name;                     /* NAME, or NULL */
        char *addr;                     /* APPADDR ADDR (a URL), or NULL */
        uint32_t roles;                 /* the account's stored roles: the session's roles */
        unsigned strength;              /* store strength of the message that installed it */
        uint64_t push_id;               /* the push that installed it */
        char *root;                     /* root key of its w7 APPLICATION in the store */
        /* CLCRED (AAUTHLEVEL APPSRV): how the client authenticates to the server */
        char *client_auth_type;         /* "BASIC", "DIGEST", "HMAC" (upper case), NULL: none */
        char *client_name;              /* AAUTHNAME, or NULL */
        Secret *client_secret;          /* AAUTHSECRET, or NULL */
        Secret *client_nonce;           /* decoded nonce (dm_nonces first, else AAUTHDATA), or NULL */
        /* SRVCRED (AAUTHLEVEL CLIENT): how the server authenticates to the client */
        char *server_auth_type;
        char *server_name;              /* AAUTHNAME, or NULL (then the ServerID is the name) */
        Secret *server_secret;
        Secret *server_nonce;
} DmAccount;

/**
 * dm_account_load() - the account whose server id (PROVIDER-ID) is @server_id.
 * @e: the engine (its store).
 * @server_id: the DM ServerID.
 * @ret: the account (free with dm_account_free).
 * Return: 0; -ESRCH no such account (or its APPLICATION rows are gone); -EBADMSG an AAUTHDATA
 *   that is not strict base64 or is longer than DM_ACCOUNT_NONCE_MAX decoded; -EINVAL; -ENOMEM;
 *   negative errno from the store.
 */
int dm_account_load(Engine *e, const char *server_id, DmAccount **ret);

DmAccount *dm_account_free(DmAccount *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(DmAccount *, dm_account_free);

/**
 * dm_account_store_nonce() - durably replace one nonce of an account (one transaction, table
 *   dm_nonces): @server_nonce true the SRVCRED nonce (the one the client issues to the server),
 *   false the CLCRED nonce (issued by the server to the client).
 * @len: 1..DM_ACCOUNT_NONCE_MAX bytes.
 * Return: 0; -ESRCH no such account; -EINVAL; negative errno (nothing stored).
 */
int dm_account_store_nonce(Engine *e, const char *server_id, bool server_nonce, const uint8_t *nonce, size_t len);
