# SPDX-License-Identifier: LGPL-2.1-or-later
# provd/provd.mk: the provd daemon, its pure helpers, their unit tests and its integration test.
# The pure parts (SipHash, quarantine store, token buckets) and provd's key table
# (provd/config.c, over common/conf.c) go into libprovd.a, provd's own library, so the Check
# suites and fuzz-conf can link them; they contain no crypto and do not log. Nothing else links
# them: they are not part of libprovcommon.a. Everything that talks D-Bus stays in PROVD_SRCS.
# provd links only libsystemd and libxml2 (PKGS_PROVD): never libcrypto or libsodium.
PROVD_LIB_SRCS += provd/siphash.c provd/quarantine.c provd/ratelimit.c provd/config.c
PROVD_SRCS += provd/main.c provd/parser1.c provd/intake.c provd/ofono.c provd/mm.c
UNIT_TESTS += test-siphash test-quarantine test-ratelimit test-provd-config
INTEGRATION_TESTS += tests/integration/provd-basic.sh
