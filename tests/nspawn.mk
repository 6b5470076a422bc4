# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/nspawn.mk: provboot under a real systemd -- a debootstrapped Debian 12 tree, cached in
# /var/cache/provboot-test (PROVBOOT_NSPAWN_CACHE), booted with systemd-nspawn -b.
#   nspawn.sh      `make install` into the tree: units, bus activation, policy, sandbox in force
#   nspawn-deb.sh  the Debian package (`make deb`): dpkg -i, a push, upgrade keeps the store and
#                  pending pushes, apt purge
INTEGRATION_TESTS += tests/integration/nspawn.sh tests/integration/nspawn-deb.sh
