# SPDX-License-Identifier: LGPL-2.1-or-later
# common/cpdoc-xml.mk: the CP document's text XML front end, the ProvCont schema validator,
# their Check suites and fuzz targets.
COMMON_SRCS += common/cpdoc-xml.c common/cpdoc-decode.c common/schema.c
UNIT_TESTS += test-cpdoc-xml test-schema
FUZZERS += fuzz-xml fuzz-cpdoc
