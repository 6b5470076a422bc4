# SPDX-License-Identifier: LGPL-2.1-or-later
# common/conf.mk: the one configuration parser (file tree, tokenizer, key table) of provd and
# verifierd, its unit test and fuzz target.
COMMON_SRCS += common/conf.c
FUZZERS += fuzz-conf
UNIT_TESTS += test-conf
