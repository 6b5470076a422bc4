# common/summary.mk: the display summary of a CP document and display escaping (summary.h),
# shared by provd (its unverified summary) and verifierd (the summary of what it authenticated).
COMMON_SRCS += common/summary.c
UNIT_TESTS += test-summary
