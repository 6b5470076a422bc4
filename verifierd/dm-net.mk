# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/dm-net.mk: the DM route's transport in verifierd (issue 13 part B): the dialer client
# (dm-dial.c: Dialer1.Dial, then the socket and its peer checked) and TLS + the strict small
# HTTP/1.1 client (dm-transport.c). Tests: the parser's limits (test-dm-transport), TLS against
# tests/dm/tlsserver.py with a fresh PKI (test-dm-tls, run by tests/integration/dm-tls.sh), the
# dialer on a real bus (tests/integration/dm-dialer.sh), fuzz-dm-http.
VERIFIER_SRCS += verifierd/dm-dial.c verifierd/dm-transport.c
UNIT_TESTS += test-dm-transport
FUZZERS += fuzz-dm-http
EXTRA_BINS += dm-client
$(BUILD)/dm-client: $(BUILD)/obj/tests/tools/dm-client.o $(BUILD)/libverifier.a $(BUILD)/libipc.a $(BUILD)/libprovcommon.a
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_VERIFIERD))
INTEGRATION_TESTS += tests/integration/dm-tls.sh tests/integration/dm-dialer.sh
EXTRA_BINS += dm-fake-dialer
$(BUILD)/dm-fake-dialer: $(BUILD)/obj/tests/tools/dm-fake-dialer.o
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,libsystemd)
