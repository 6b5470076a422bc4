# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/export-dbus.mk: the exporters that talk D-Bus (issue 4): NAPDEF -> oFono contexts,
# APPLICATION w4 -> mmsd-tng settings (export-dbus.c, in libverifier.a), their unit test (the plan,
# and the bus part against an in-process oFono/mmsd-tng stand-in over a socketpair), and the
# end-to-end test on a real dbus-daemon with python stand-ins for oFono and mmsd-tng.
VERIFIER_SRCS += verifierd/export-dbus.c
UNIT_TESTS += test-export-dbus
INTEGRATION_TESTS += tests/integration/export-dbus.sh tests/integration/strength-exports.sh

# Test driver for export-dbus.sh until verifierd/main.c calls export_dbus_apply itself: opens
# the store verifierd left (engine_new) and runs export_dbus_apply on $DBUS_SYSTEM_BUS_ADDRESS.
# A test tool: never installed.
EXTRA_BINS += export-dbus-drive
# (LIBVERIFIER/LIBCOMMON are defined after the fragments are included: spell the archives out.)
$(BUILD)/export-dbus-drive: $(BUILD)/obj/tests/tools/export-dbus-drive.o $(BUILD)/libverifier.a $(BUILD)/libipc.a $(BUILD)/libprovcommon.a
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_VERIFIERD))
