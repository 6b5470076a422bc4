#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# deb.sh: the Debian packages (`make deb`, packaging/debian/):
#   - they build (dpkg-buildpackage -b on a staged copy of the tree) into provboot and
#     provboot-selinux;
#   - lintian (--pedantic, info tags shown) reports no error and no warning;
#   - provboot's file list (dpkg -c) is exactly what `make install` puts in place, with
#     Debian's additions (compressed man pages, /usr/share/doc, the lintian overrides), and
#     /etc holds directories only; provboot-selinux ships the module;
#   - the maintainer scripts create the users (sysusers) and directories (tmpfiles), enable
#     provd (started) and verifierd (enabled, never started: bus-activated), remove the store
#     on purge, and load/unload the SELinux module only where SELinux is enabled;
#   - apt can install both packages here (apt-get --simulate, nothing is changed).
# Building takes about a minute; the packages and lintian's verdict are cached in
# $BUILD/cache/deb/<key>, the key being a hash of every source file and the versions of the
# tools, so a rerun on an unchanged tree takes seconds.
set -u
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/provboot-deb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

missing=""
for t in make dpkg-buildpackage dh dpkg-deb dpkg-query lintian apt-get sha256sum; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
        fail "tools missing (make deps installs them):$missing"
        pb_summary
        exit 1
fi

# pkg_key: hash of the tree `make deb`/`make rpm` stage, plus the packaging tools' versions.
pkg_key() {
        local rel=${PB_BUILD#"$PB_TOP"/}
        {
                (cd "$PB_TOP" && find . \( -path ./.git -o -path ./build -o -path "./$rel" -o -path ./debian \) -prune -o \
                        \( -type f -o -type l \) -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
                dpkg-query -W debhelper dpkg-dev gcc lintian rpm 2>/dev/null
        } | sha256sum | cut -c1-16
}
# cached_debs: set DEBDIR to a directory holding the .deb/.changes of this tree.
cached_debs() {
        local key cache=$PB_BUILD/cache/deb
        key=$(pkg_key)
        DEBDIR=$cache/$key
        if [ -s "$DEBDIR/done" ]; then
                DEB_CACHED=yes
                return 0
        fi
        DEB_CACHED=no
        make -s -C "$PB_TOP" BUILD="$PB_BUILD" deb >"$WORK/build.log" 2>&1 || return 1
        rm -rf "$cache" && mkdir -p "$DEBDIR" &&
                cp "$PB_BUILD"/dist/deb/*.deb "$PB_BUILD"/dist/deb/*.changes "$PB_BUILD"/dist/deb/*.buildinfo "$DEBDIR/" &&
                echo "$key" >"$DEBDIR/done"
}

if cached_debs; then
        ok "make deb builds the packages (cached: $DEB_CACHED)"
else
        fail "make deb: $(grep -v '^ *cc \|^cc ' "$WORK/build.log" | tail -25)"
        pb_summary
        exit 1
fi
VERSION=$(awk -F'[()]' 'NR == 1 { print $2 }' "$PB_TOP/packaging/debian/changelog")
ARCH=$(dpkg --print-architecture)
DEB=$DEBDIR/provboot_${VERSION}_$ARCH.deb
SEDEB=$DEBDIR/provboot-selinux_${VERSION}_all.deb
check "provboot_${VERSION}_$ARCH.deb built" test -s "$DEB"
check "provboot-selinux_${VERSION}_all.deb built" test -s "$SEDEB"

# lintian: no E: and no W: (info and pedantic tags are printed for the record).
if [ ! -s "$DEBDIR/lintian.out" ]; then
        lintian -I -E --pedantic "$DEBDIR/provboot_${VERSION}_$ARCH.changes" >"$DEBDIR/lintian.tmp" 2>&1
        grep -v 'running with root privileges' "$DEBDIR/lintian.tmp" >"$DEBDIR/lintian.out"
        echo "(lintian $(dpkg-query -W -f='${Version}' lintian))" >>"$DEBDIR/lintian.out"
        rm -f "$DEBDIR/lintian.tmp"
fi
sed 's/^/    lintian: /' "$DEBDIR/lintian.out"
ew=$(grep -E '^[EW]: ' "$DEBDIR/lintian.out")
if [ -z "$ew" ]; then ok "lintian: no errors, no warnings"; else fail "lintian: $ew"; fi

# File lists.
deblist() { # deblist DEB -> "perms path" lines, paths without the leading "." and trailing "/"
        dpkg-deb -c "$1" | awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print $1, p }' | sort -k2
}
deblist "$DEB" >"$WORK/deb.list"
deblist "$SEDEB" >"$WORK/sedeb.list"
cut -d' ' -f2 "$WORK/deb.list" >"$WORK/deb.paths"

ROOT=$WORK/root
if make -s -C "$PB_TOP" BUILD="$PB_BUILD" install DESTDIR="$ROOT" PREFIX=/usr >"$WORK/install.log" 2>&1; then
        (cd "$ROOT" && find . -mindepth 1 | sed 's/^\.//') |
                sed -E 's#^(/usr/share/man/.*\.[0-9])$#\1.gz#' | sort >"$WORK/expected.paths"
        # Debian adds these; the overrides file carries a reason for each override.
        printf '%s\n' /usr/share/doc /usr/share/doc/provboot /usr/share/doc/provboot/changelog.gz \
                /usr/share/doc/provboot/copyright /usr/share/lintian /usr/share/lintian/overrides \
                /usr/share/lintian/overrides/provboot >>"$WORK/expected.paths"
        sort -u -o "$WORK/expected.paths" "$WORK/expected.paths"
        miss=$(comm -23 "$WORK/expected.paths" <(sort -u "$WORK/deb.paths"))
        extra=$(comm -13 "$WORK/expected.paths" <(sort -u "$WORK/deb.paths"))
        [ -z "$miss" ] && ok "provboot has every path make install creates ($(wc -l <"$WORK/expected.paths") paths)" ||
                fail "provboot lacks: $(echo $miss)"
        [ -z "$extra" ] && ok "provboot has nothing make install does not create (besides Debian's doc files)" ||
                fail "provboot has unexpected paths: $(echo $extra)"
else
        fail "make install (for the expected file list): $(tail -10 "$WORK/install.log")"
fi
# The interface the rest of the project relies on, independent of make install.
for p in /usr/bin/provctl /usr/libexec/provboot/provd /usr/libexec/provboot/verifierd \
        /lib/systemd/system/provd.service /lib/systemd/system/verifierd.service \
        /usr/share/dbus-1/system.d/org.provboot.conf /usr/share/dbus-1/system-services/org.provboot.Verifier1.service \
        /usr/lib/sysusers.d/provboot.conf /usr/lib/tmpfiles.d/provboot.conf /usr/lib/provboot/verifierd.conf \
        /usr/lib/provboot/metabase.conf /usr/lib/provboot/verifierd.conf.d /usr/lib/provboot/metabase.d \
        /etc/provboot/verifierd.conf.d /etc/provboot/metabase.d /usr/share/man/man1/provctl.1.gz \
        /usr/share/man/man8/provd.8.gz /usr/share/man/man8/verifierd.8.gz \
        /usr/libexec/provboot/provboot-mmsd-sync /usr/lib/systemd/user/provboot-mmsd-sync.service \
        /usr/share/man/man1/provboot-mmsd-sync.1.gz; do
        grep -qxF "$p" "$WORK/deb.paths" || lacks="${lacks:-} $p"
done
[ -z "${lacks:-}" ] && ok "provboot ships daemons, client, units, bus policy and activation, sysusers, tmpfiles, defaults, man pages" ||
        fail "provboot lacks:$lacks"
etcfiles=$(awk '$2 ~ /^\/etc\// && $1 !~ /^d/ { print $2 }' "$WORK/deb.list")
[ -z "$etcfiles" ] && ok "nothing in /etc but directories (configuration is the administrator's drop-ins)" ||
        fail "files in /etc: $etcfiles"
bins=$(awk '$2 ~ /^\/usr\/(bin|libexec\/provboot)\/./ && $1 != "-rwxr-xr-x" { print $1, $2 }' "$WORK/deb.list")
[ -z "$bins" ] && ok "programs are -rwxr-xr-x" || fail "program modes: $bins"
grep -q ' /usr/share/selinux/packages/provboot.pp$' "$WORK/sedeb.list" &&
        [ "$(grep -c '^-' "$WORK/sedeb.list")" -eq 3 ] &&
        ok "provboot-selinux ships /usr/share/selinux/packages/provboot.pp (and its doc files)" ||
        fail "provboot-selinux file list: $(cat "$WORK/sedeb.list")"

# Control data and maintainer scripts.
dpkg-deb -e "$DEB" "$WORK/ctl"
dpkg-deb -e "$SEDEB" "$WORK/sectl"
dep=$(dpkg-deb -f "$DEB" Depends)
case $dep in *default-dbus-system-bus*systemd*sysusers*) ok "Depends: a system bus and systemd-sysusers" ;;
*) fail "Depends: $dep" ;; esac
has() { grep -qE "$2" "$1"; }
check "postinst creates the users with systemd-sysusers provboot.conf" has "$WORK/ctl/postinst" 'systemd-sysusers .*provboot\.conf'
check "postinst creates the directories with systemd-tmpfiles" has "$WORK/ctl/postinst" 'systemd-tmpfiles .*--create provboot\.conf'
check "postinst enables provd.service" has "$WORK/ctl/postinst" "deb-systemd-helper enable 'provd.service'"
check "postinst starts provd.service" has "$WORK/ctl/postinst" "deb-systemd-invoke \\\$_dh_action 'provd.service'"
check "postinst enables verifierd.service (its bus-activation alias)" has "$WORK/ctl/postinst" "deb-systemd-helper enable 'verifierd.service'"
check "postinst enables the provboot-mmsd-sync user unit for every user" has "$WORK/ctl/postinst" "deb-systemd-helper --user enable 'provboot-mmsd-sync.service'"
if grep -qE "deb-systemd-invoke [^|]*verifierd" "$WORK/ctl/postinst"; then
        fail "postinst starts verifierd (it is bus-activated)"
else
        ok "postinst does not start verifierd (bus-activated)"
fi
s_users=$(grep -n 'systemd-sysusers' "$WORK/ctl/postinst" | head -1 | cut -d: -f1)
s_start=$(grep -n "deb-systemd-invoke \$_dh_action 'provd.service'" "$WORK/ctl/postinst" | head -1 | cut -d: -f1)
[ -n "$s_users" ] && [ -n "$s_start" ] && [ "$s_users" -lt "$s_start" ] &&
        ok "postinst creates user provd before it starts provd" || fail "postinst order: sysusers line $s_users, start line $s_start"
check "prerm stops verifierd on removal" has "$WORK/ctl/prerm" 'deb-systemd-invoke stop verifierd\.service'
check "postrm removes /var/lib/provboot on purge" has "$WORK/ctl/postrm" 'rm -rf /var/lib/provboot'
check "postrm purges both units' enablement state" has "$WORK/ctl/postrm" "deb-systemd-helper purge 'verifierd.service'"
check "provboot-selinux postinst loads the module only where SELinux is enabled" \
        has "$WORK/sectl/postinst" 'command -v selinuxenabled >/dev/null && selinuxenabled'
check "provboot-selinux postinst runs semodule -i" has "$WORK/sectl/postinst" 'semodule -i /usr/share/selinux/packages/provboot\.pp'
check "provboot-selinux postrm removes the module on purge" has "$WORK/sectl/postrm" 'semodule -r provboot'
bad=""
for s in "$WORK"/ctl/p* "$WORK"/sectl/p*; do
        sh -n "$s" 2>/dev/null || bad="$bad $(basename "$(dirname "$s")")/$(basename "$s")"
done
[ -z "$bad" ] && ok "maintainer scripts parse (sh -n)" || fail "shell syntax errors in:$bad"

# Installable here: apt resolves every dependency (simulation only).
if out=$(apt-get -s -o Debug::NoLocking=1 install "$DEB" "$SEDEB" 2>&1) && grep -q '^Inst provboot ' <<<"$out"; then
        ok "apt-get --simulate install of both packages resolves"
else
        fail "apt-get --simulate install: $(tail -5 <<<"$out")"
fi

pb_summary
