# common/: pure decoders and helpers; linked by every binary and test. No crypto here.
# Each decoder has its own fragment common/<module>.mk appending to COMMON_SRCS, UNIT_TESTS, FUZZERS.
COMMON_SRCS += common/cursor.c common/cpdoc.c common/hex.c common/auth-method.c common/element-path.c
UNIT_TESTS += test-cursor
UNIT_TESTS += test-cpdoc-string
include $(filter-out common/module.mk,$(wildcard common/*.mk))
COMMON_SRCS += common/input.c common/pipeline.c common/log.c common/xml-precheck.c
UNIT_TESTS += test-pipeline
