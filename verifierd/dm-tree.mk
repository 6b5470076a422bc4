# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/dm-tree.mk: the OMA DM accounts, nonces and management tree (issue 13 part C):
# store-dm.c (table dm_nonces), dm-account.c, dm-tree.c, all in libverifier.a.
VERIFIER_SRCS += verifierd/store-dm.c verifierd/dm-account.c verifierd/dm-tree.c
UNIT_TESTS += test-dm-account test-dm-tree
