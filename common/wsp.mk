# SPDX-License-Identifier: LGPL-2.1-or-later
# common/wsp.mk: the WSP push decoder, its Check suite and its fuzz target.
COMMON_SRCS += common/wsp.c
UNIT_TESTS += test-wsp
FUZZERS += fuzz-wsp
