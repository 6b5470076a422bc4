# common/wbxml.mk: the WBXML front end of the CP document model (common/wbxml.c), its unit
# and differential tests, and its fuzz target.
COMMON_SRCS += common/wbxml.c
UNIT_TESTS += test-wbxml test-wbxml-diff
FUZZERS += fuzz-wbxml
