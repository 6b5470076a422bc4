# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/dm-syncml.mk: the SyncML DM codec (dm-syncml.c) and the DM digests (dm-cred.c),
# their unit tests and the decoder's fuzz target (issue 13, part A).
VERIFIER_SRCS += verifierd/dm-syncml.c verifierd/dm-cred.c
UNIT_TESTS += test-dm-syncml test-dm-cred
FUZZERS += fuzz-dm-syncml
