# SPDX-License-Identifier: LGPL-2.1-or-later
# dmsessiond/: the DM dialer (issue 13). Links libsystemd only (PKGS_DMSESSIOND): never libcrypto
# or libsodium, it holds nothing to protect; the host-name and address rules come from
# libprovcommon.a (common/dm-address.c), the Dial marshallers from libipc.a.
PKGS_DMSESSIOND := libsystemd
DMSESSIOND_SRCS := dmsessiond/main.c dmsessiond/config.c dmsessiond/dial.c
EXTRA_BINS += dmsessiond
$(BUILD)/dmsessiond: $(patsubst %.c,$(BUILD)/obj/%.o,$(DMSESSIOND_SRCS)) $(BUILD)/libipc.a $(BUILD)/libprovcommon.a
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_DMSESSIOND)) -lpthread
# dms_connect_addrinfo's DMSESSIOND_ADDRESSES_MAX at and past it (tests/unit/test-dms-dial.c):
# the unit test links dial.c beside the usual libraries
UNIT_TESTS += test-dms-dial
$(BUILD)/tests/test-dms-dial: $(BUILD)/san/tests/unit/test-dms-dial.o $(BUILD)/san/tests/unit/testutil.o \
		$(BUILD)/san/dmsessiond/dial.o $(BUILD)/san/libprovcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread
$(BUILD)/vg/tests/test-dms-dial: $(BUILD)/vg/tests/unit/test-dms-dial.o $(BUILD)/vg/tests/unit/testutil.o \
		$(BUILD)/vg/dmsessiond/dial.o $(BUILD)/vg/libprovboot.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread
