# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/export-nm-worker.mk: the runs through NetworkManager's settings API on a thread of their
# own (export-nm-worker.h; issue 14 review). Tested by tests/integration/nm-api.sh (a stand-in
# NetworkManager stopped with SIGSTOP) and nspawn.sh (the real one).
VERIFIERD_SRCS += verifierd/export-nm-worker.c
