# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/dm-wbxml.mk: the WBXML encoding of the DM writer (dm-wbxml.c) and its test
# against libwbxml and the AOSP engine's vectors (issue 13, WBXML step).
VERIFIER_SRCS += verifierd/dm-wbxml.c
UNIT_TESTS += test-dm-wbxml
