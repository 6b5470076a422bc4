/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-tree.h: the OMA DM management tree verifierd exposes in a DM session (docs/dm-tree.md;
 * OMA-TS-DM_TND-V1_2, OMA-TS-DM_StdObj-V1_2 §7.1.3):
 *   ./DevInfo/{DevId,Man,Mod,DmV,Lang}           read-only, from verifierd.conf [DM]
 *   ./DevDetail/URI/{MaxDepth,MaxTotLen,MaxSegLen}, DevTyp, OEM, FwV, SwV, HwV, LrgObj   read-only
 *   ./DMAcc/<ServerID>/...                       a view of the w7 APPLICATION (dm-account.h);
 *                                                AAuthSecret and AAuthData: Get -> 405
 *   ./Vendor/provboot/<TYPE>/<ID>/<PARM>         NAPDEF by NAPID, PXLOGICAL by PROXY-ID,
 *                                                APPLICATION by APPID; nested characteristics as
 *                                                further segments (<SUBTYPE>/<PARM>)
 * Authorization is by roles through the metabase, not by OMA ACLs (Windows Mobile "Metabase and
 * OMA DM"): every write is turned into a CP document holding the NEW full state of every root it
 * touches, and that document goes through the engine's own pipeline (engine_apply_dm): the
 * same policy_evaluate with the account's roles, the same bounded-ROLE rule, the same downgrade
 * check, the same store_apply and exports as a CP push. One policy for both routes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dm-account.h"
#include "dm-syncml.h"
#include "engine.h"

/* URI caps (advertised as ./DevDetail/URI/MaxDepth, MaxTotLen, MaxSegLen; past them: 414) */
#define DM_TREE_URI_MAX_DEPTH 12U       /* segments after "." */
#define DM_TREE_URI_MAX_LEN 1024U       /* bytes of the whole URI */
#define DM_TREE_URI_MAX_SEG 255U        /* bytes of one segment */
#define DM_TREE_APPLY_MAX 200U          /* ops in one dm_tree_apply (DM_COMMANDS_MAX) */

typedef struct DmTree DmTree;
typedef struct DmDevInfo { const char *dev_id, *man, *mod, *dmv, *lang; } DmDevInfo;  /* from config [DM] */

/**
 * dm_tree_new() - the tree as the account @a sees it (its roles, its strength, its server id).
 *   @a is copied where needed; @e must outlive the tree.
 * Return: 0; -EINVAL; -ENOMEM.
 */
int dm_tree_new(Engine *e, const DmAccount *a, DmTree **ret);
DmTree *dm_tree_free(DmTree *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(DmTree *, dm_tree_free);

/**
 * dm_tree_devinfo() - the ./DevInfo values package 1 sends (strings owned by the tree).
 * Return: 0; -ENOMEM.
 */
int dm_tree_devinfo(DmTree *t, DmDevInfo *ret);

typedef struct DmTreeValue {
        unsigned status;                /* 200, 404, 405, 406, 414, 425 */
        char *data;                     /* 200: the value, or the child names '/'-separated */
        char *format;                   /* "chr", "node", "int", "bool" */
        char *type;                     /* "text/plain", or NULL for interior nodes */
} DmTreeValue;

/**
 * dm_tree_get() - a Get of @uri: 200 with the value (a leaf) or the child names (an interior
 *   node); 404 no such node, or a malformed URI; 405 never readable (AAuthSecret, AAuthData,
 *   passwords; ./Vendor/provboot/CertificateStore); 406 ?prop= (not supported: roles, not ACLs),
 *   ./Vendor/provboot/SecurityPolicy; 414 past the URI caps; 425 the account's roles may not
 *   read it (metabase). A 425 counts in dm_tree_denied. docs/dm-tree.md has the tree.
 * Return: 0 (status in @ret, free with dm_tree_value_done); -ENOMEM and other internal errors.
 */
int dm_tree_get(DmTree *t, const char *uri, DmTreeValue *ret);
void dm_tree_value_done(DmTreeValue *v);

typedef struct DmTreeOp {
        DmCmdType type;                 /* DM_CMD_ADD, DM_CMD_REPLACE, DM_CMD_DELETE */
        const char *uri, *data, *format;
} DmTreeOp;

/**
 * dm_tree_apply() - run @n writes, each as its own document (!@atomic) or all as one (@atomic).
 * @ret_status: n statuses. Non-atomic: 200; 404 (Replace of a missing node, Delete of a missing
 *   one, Add under a missing root type); 418 (Add of an existing node); 405 (a read-only or
 *   permanent node, an identity parm); a Delete of a whole root or account needs the roles to
 *   write all of it (else 425); 406 (?prop=, unsupported command); 414 (URI); 425
 *   (roles: the metabase, the bounded-ROLE rule, a Locked= policy key, or the downgrade rule: a
 *   stronger authentication installed what it would replace); 400 a value the pipeline refuses
 *   as malformed; 413 more than 16 roots or a document over ENGINE_BODY_MAX. Atomic: every member 200 and all applied in one transaction, or nothing changed
 *   and every member 216 except the refused ones (their own status); the caller answers 507 for
 *   the Atomic. A write of a state identical to the stored one is 200 and changes nothing.
 * Return: 0, or negative errno for an internal failure (nothing changed then either).
 */
int dm_tree_apply(DmTree *t, const DmTreeOp *ops, size_t n, bool atomic, unsigned *ret_status);

/* Commands refused for roles so far (each 425 from dm_tree_get or dm_tree_apply). */
unsigned dm_tree_denied(const DmTree *t);
