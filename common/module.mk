# common/: pure decoders and helpers; linked by every binary and test. No crypto here.
COMMON_SRCS += common/cursor.c
UNIT_TESTS += test-cursor
