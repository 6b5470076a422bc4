# SPDX-License-Identifier: LGPL-2.1-or-later
# mmsd-sync/: provboot-mmsd-sync (issue 10 point 5), a user service of the phone's user that hands
# the MMS settings verifierd publishes on the system bus (Verifier1.GetMmsSettings) to mmsd-tng on
# the user's session bus (main.c; linked with libipc, libprovcommon and libsystemd only, rule in
# the top Makefile). plan.c is pure (no bus, no files) and sits in libipc.a beside the dictionary
# it consumes (ipc/mms-settings.c), so its unit test links it like any other; only
# provboot-mmsd-sync calls it. mmsd-sync.sh: verifierd + provd on a private system bus, the real
# mmsd-tng on a private session bus of an unprivileged user, the program between them.
IPC_SRCS += mmsd-sync/plan.c
MMSD_SYNC_SRCS += mmsd-sync/main.c
UNIT_TESTS += test-mmsd-sync-plan
INTEGRATION_TESTS += tests/integration/mmsd-sync.sh
