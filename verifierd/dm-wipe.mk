# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/dm-wipe.mk: test-dm-writer-wipe, the SyncML writer's buffer (it holds the Cred) never
# freed unwiped. Linked with free() and realloc() wrapped (ld --wrap) so the test sees every block
# the program's own objects give back; the usual rules otherwise (Makefile: $(BUILD)/tests/%).
UNIT_TESTS += test-dm-writer-wipe
WIPE_WRAP := -Wl,--wrap=free,--wrap=realloc
$(BUILD)/tests/test-dm-writer-wipe: $(BUILD)/san/tests/unit/test-dm-writer-wipe.o $(BUILD)/san/tests/unit/testutil.o \
		$(BUILD)/san/libverifier.a $(BUILD)/san/libipc.a $(BUILD)/san/libprovcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) $(WIPE_WRAP) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread
$(BUILD)/vg/tests/test-dm-writer-wipe: $(BUILD)/vg/tests/unit/test-dm-writer-wipe.o $(BUILD)/vg/tests/unit/testutil.o \
		$(BUILD)/vg/libprovboot.a
	@mkdir -p $(dir $@)
	$(CC) $(WIPE_WRAP) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread
