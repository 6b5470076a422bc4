# SPDX-License-Identifier: LGPL-2.1-or-later
# nm-writer/: provboot-nm-writer (issue 14), the keyfile writer verifierd uses when it is not
# root. The protocol and the client are in libverifier.a (unit tests, fuzz target, verifierd);
# the program links the rendering from there too.
VERIFIER_SRCS += nm-writer/nmw-proto.c nm-writer/nmw-client.c
NM_WRITER_SRCS := nm-writer/main.c
UNIT_TESTS += test-nm-writer
FUZZERS += fuzz-nm-writer
EXTRA_BINS += provboot-nm-writer
$(BUILD)/provboot-nm-writer: $(BUILD)/obj/nm-writer/main.o $(BUILD)/libverifier.a $(BUILD)/libipc.a $(BUILD)/libprovcommon.a
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_VERIFIERD))
INTEGRATION_TESTS += tests/integration/unpriv.sh
INTEGRATION_TESTS += tests/integration/nm-exports-unpriv.sh
