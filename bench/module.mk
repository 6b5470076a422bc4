# bench/: fragments bench/<part>.mk add BENCHES.
include $(filter-out bench/module.mk,$(wildcard bench/*.mk))
