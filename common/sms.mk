# SPDX-License-Identifier: LGPL-2.1-or-later
# common/sms.mk: the SMS layer (SMS-DELIVER, UDH, reassembly), its unit tests and fuzz target.
COMMON_SRCS += common/sms.c
UNIT_TESTS += test-sms
FUZZERS += fuzz-sms
