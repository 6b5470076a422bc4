# SPDX-License-Identifier: LGPL-2.1-or-later
# dmsessiond/: the DM dialer (issue 13). Links libsystemd only (PKGS_DMSESSIOND): never libcrypto
# or libsodium, it holds nothing to protect; the host-name and address rules come from
# libprovcommon.a (common/dm-address.c), the Dial marshallers from libipc.a.
PKGS_DMSESSIOND := libsystemd
DMSESSIOND_SRCS := dmsessiond/main.c dmsessiond/config.c dmsessiond/dial.c
EXTRA_BINS += dmsessiond
$(BUILD)/dmsessiond: $(patsubst %.c,$(BUILD)/obj/%.o,$(DMSESSIOND_SRCS)) $(BUILD)/libipc.a $(BUILD)/libprovcommon.a
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_DMSESSIOND)) -lpthread
