# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/export-nm-load.mk: telling NetworkManager about the keyfiles verifierd wrote or removed
# (Settings.LoadConnections; issue 10, point 2), in libverifier.a, and its end-to-end test on a
# real dbus-daemon with the shipped policy: a stand-in owning org.freedesktop.NetworkManager
# whose LoadConnections signature is checked against NetworkManager's introspection data, user
# edits left alone, and what provctl shows. The test with the real NetworkManager is nspawn.sh.
VERIFIER_SRCS += verifierd/export-nm-load.c
INTEGRATION_TESTS += tests/integration/nm-exports.sh
