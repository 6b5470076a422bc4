# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/dm-tree-wipe.mk: test-dm-tree-wipe, the DM tree's document texts and decoded copies
# (they hold the accounts' AAUTHSECRETs) never freed unwiped. Linked with free() and realloc()
# wrapped (ld --wrap), as test-dm-writer-wipe (verifierd/dm-wipe.mk).
UNIT_TESTS += test-dm-tree-wipe
TREE_WIPE_WRAP := -Wl,--wrap=free,--wrap=realloc
$(BUILD)/tests/test-dm-tree-wipe: $(BUILD)/san/tests/unit/test-dm-tree-wipe.o $(BUILD)/san/tests/unit/testutil.o \
		$(BUILD)/san/libverifier.a $(BUILD)/san/libipc.a $(BUILD)/san/libprovcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) $(TREE_WIPE_WRAP) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread
$(BUILD)/vg/tests/test-dm-tree-wipe: $(BUILD)/vg/tests/unit/test-dm-tree-wipe.o $(BUILD)/vg/tests/unit/testutil.o \
		$(BUILD)/vg/libprovboot.a
	@mkdir -p $(dir $@)
	$(CC) $(TREE_WIPE_WRAP) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread
