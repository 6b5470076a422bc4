# SPDX-License-Identifier: LGPL-2.1-or-later
# common/dm-pkg0.mk: the OMA DM package-0 (notification) parser, its unit test and fuzz target.
COMMON_SRCS += common/dm-pkg0.c
UNIT_TESTS += test-dm-pkg0
FUZZERS += fuzz-dm-pkg0
