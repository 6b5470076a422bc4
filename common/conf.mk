# SPDX-License-Identifier: LGPL-2.1-or-later
# common/conf.mk: the one configuration parser (file tree, tokenizer, key table) of provd and
# verifierd, and its unit test.
COMMON_SRCS += common/conf.c
UNIT_TESTS += test-conf
