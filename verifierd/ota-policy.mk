# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/ota-policy.mk: the over-the-air policy layer (issue 12): ota-policy.c (the module a CP
# document and a DM session share) and store-policy.c (its table), both in libverifier.a.
VERIFIER_SRCS += verifierd/ota-policy.c verifierd/store-policy.c
UNIT_TESTS += test-ota-policy
INTEGRATION_TESTS += tests/integration/ota-policy.sh
# A verifierd built with PROVBOOT_TEST (and the sanitizers), for the crash test of
# tests/integration/ota-policy.sh only: its store honours PROVBOOT_TEST_POLICY_PAUSE
# (store-policy.c). Never installed.
# Second expansion: the objects are those of VERIFIERD_SRCS once every fragment has added its own.
# Built by make check (check-build), not by make all.
check-build: $(BUILD)/verifierd-test
.SECONDEXPANSION:
$(BUILD)/verifierd-test: $$(patsubst %.c,$(BUILD)/san/%.o,$$(VERIFIERD_SRCS)) $(BUILD)/san/libipc.a \
		$(BUILD)/san/libverifier.a $(BUILD)/san/libprovcommon.a
	$(CC) $(SAN) -o $@ $^ $(call pc_libs,$(PKGS_VERIFIERD))
