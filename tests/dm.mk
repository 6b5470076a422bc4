# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/dm.mk: the DM route's acceptance tests (issue 13 part D; docs/dm.md), each on a real
# dbus-daemon with the shipped policy, verifierd + dmsessiond + provd, tests/dm/tlsserver.py with
# tests/dm/dmserver.py on 127.0.0.1 and a fresh PKI (tests/dm/mkpki.sh):
#   dm-session.sh  tests 2, 4, 5, 6, 8, 9 (sessions, challenges, server Cred, nonces, roles, commands)
#   dm-notify.sh   test 3 (package 0 through provd -> verifierd; refusals, replay, burst)
#   dm-split.sh    test 10 (a hostile dialer gets nothing applied; no canary in dmsessiond's
#                  memory, the bus traffic or the logs)
#   dm-concurrent.sh a held session holds back no other call; SIGTERM cancels it (docs/dm.md)
INTEGRATION_TESTS += tests/integration/dm-session.sh tests/integration/dm-notify.sh tests/integration/dm-split.sh \
                     tests/integration/dm-concurrent.sh

# The hostile dialer stand-in (test tool, never installed).
EXTRA_BINS += hostile-dialer
$(BUILD)/hostile-dialer: tests/tools/hostile-dialer.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(call pc_cflags,libsystemd) -o $@ $< $(BASE_LDFLAGS) $(call pc_libs,libsystemd)

# RestrictAddressFamilies=AF_UNIX without systemd: a seccomp filter on socket(2) (test tool).
EXTRA_BINS += restrict-af-unix
$(BUILD)/restrict-af-unix: tests/tools/restrict-af-unix.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $< $(BASE_LDFLAGS)
