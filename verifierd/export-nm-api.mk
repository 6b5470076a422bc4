# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/export-nm-api.mk: the NetworkManager profiles through NetworkManager's own settings
# D-Bus API (issue 14; export-nm-api.h), in libverifier.a, and its unit test (the settings sent and
# the canonical form that tells a user's edit). The real NetworkManager is in nspawn.sh.
VERIFIER_SRCS += verifierd/export-nm-api.c
UNIT_TESTS += test-export-nm-api
INTEGRATION_TESTS += tests/integration/nm-api.sh
FUZZERS += fuzz-nm-api
