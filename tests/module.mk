# tests/: fragments tests/<part>.mk add INTEGRATION_TESTS and helper binaries.
include $(filter-out tests/module.mk,$(wildcard tests/*.mk))
