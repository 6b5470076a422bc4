#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# rpm.sh: the RPM packages (`make rpm`, packaging/rpm/provboot.spec, rpmbuild --nodeps -bb):
#   - they build: provboot and the noarch provboot-selinux;
#   - their file lists (rpm -qp, with modes) equal the Debian packages' (`make deb`, dpkg -c),
#     modulo these documented differences:
#       * units: /usr/lib/systemd/system (%{_unitdir}) vs Debian 12's /lib/systemd/system;
#       * Debian-only: /usr/share/doc/<package>/{changelog.gz,copyright},
#         /usr/share/lintian/overrides/provboot;
#       * RPM-only: /usr/lib/.build-id/ links (rpm's build-id links to the binaries);
#       * man pages: Debian gzips them, Debian's rpm has no brp-compress (Fedora/openSUSE
#         gzip them too): compared without ".gz";
#       * directories: an RPM lists only the directories it owns, so every RPM directory must
#         be in the Debian package, and every Debian directory with "provboot" in its path
#         (the package's own) must be in the RPM;
#   - the scriptlets create the users, run tmpfiles, use the systemd macros (or the spec's
#     fallbacks), enable verifierd's activation alias, and load the SELinux module only where
#     SELinux is enabled.
# Both package sets are cached in $BUILD/cache/{deb,rpm}/<hash of the tree and tools>.
set -u
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/provboot-rpm.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

missing=""
for t in make rpmbuild rpm dpkg-buildpackage dpkg-deb dpkg-query sha256sum; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
        fail "tools missing (make deps installs them):$missing"
        pb_summary
        exit 1
fi

pkg_key() { # the same key as deb.sh: the staged tree and the packaging tools' versions
        local rel=${PB_BUILD#"$PB_TOP"/}
        {
                (cd "$PB_TOP" && find . \( -path ./.git -o -path ./build -o -path "./$rel" -o -path ./debian \) -prune -o \
                        \( -type f -o -type l \) -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
                dpkg-query -W debhelper dpkg-dev gcc lintian rpm 2>/dev/null
        } | sha256sum | cut -c1-16
}
KEY=$(pkg_key)
# cached KIND PATTERN: set DIR to $BUILD/cache/KIND/KEY, building with `make KIND` on a miss.
cached() {
        local kind=$1 pat=$2 cache=$PB_BUILD/cache/$1
        DIR=$cache/$KEY
        [ -s "$DIR/done" ] && { CACHED=yes; return 0; }
        CACHED=no
        make -s -C "$PB_TOP" BUILD="$PB_BUILD" "$kind" >"$WORK/$kind.log" 2>&1 || return 1
        rm -rf "$cache" && mkdir -p "$DIR" && cp $pat "$DIR/" && echo "$KEY" >"$DIR/done"
}

if cached rpm "$PB_BUILD/dist/rpm/*.rpm"; then
        ok "make rpm builds the packages (cached: $CACHED)"
        RPMDIR=$DIR
else
        fail "make rpm: $(grep -v '^ *cc \|^cc \|^+ ' "$WORK/rpm.log" | tail -25)"
        pb_summary
        exit 1
fi
if cached deb "$PB_BUILD/dist/deb/*.deb $PB_BUILD/dist/deb/*.changes $PB_BUILD/dist/deb/*.buildinfo"; then
        ok "make deb builds the packages to compare with (cached: $CACHED)"
        DEBDIR=$DIR
else
        fail "make deb: $(grep -v '^ *cc \|^cc ' "$WORK/deb.log" | tail -25)"
        pb_summary
        exit 1
fi

VERSION=$(awk -F'[()]' 'NR == 1 { print $2 }' "$PB_TOP/packaging/debian/changelog")
ARCH=$(dpkg --print-architecture)
RPM=$(ls "$RPMDIR"/provboot-"$VERSION"-*.rpm 2>/dev/null | grep -v selinux | head -1)
SERPM=$(ls "$RPMDIR"/provboot-selinux-"$VERSION"-*.noarch.rpm 2>/dev/null | head -1)
check "provboot-$VERSION RPM built" test -s "$RPM"
check "provboot-selinux-$VERSION noarch RPM built" test -s "$SERPM"
[ -s "$RPM" ] && [ -s "$SERPM" ] || { pb_summary; exit 1; }

# normalised "mode path" lists; dirs are kept apart
rpmlist() {
        rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$1" 2>/dev/null |
                awk '$2 !~ /^\/usr\/lib\/\.build-id(\/|$)/' | sed -E 's#^(\S+ /usr/share/man/.*)\.gz$#\1#' | sort -k2
}
deblist() {
        dpkg-deb -c "$1" | awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print $1, p }' |
                sed -E -e 's#^(\S+) /lib/systemd/system#\1 /usr/lib/systemd/system#' \
                        -e 's#^(\S+ /usr/share/man/.*)\.gz$#\1#' |
                awk '$2 !~ /^\/usr\/share\/doc(\/|$)/ && $2 !~ /^\/usr\/share\/lintian(\/|$)/' | sort -k2
}
compare() { # compare NAME RPM DEB
        local name=$1 r=$WORK/$1.rpm.list d=$WORK/$1.deb.list diff
        rpmlist "$2" >"$r"
        deblist "$3" >"$d"
        diff=$(diff <(grep -v '^d' "$r") <(grep -v '^d' "$d"))
        [ -z "$diff" ] && ok "$name: files and modes equal ($(grep -vc '^d' "$r") files)" ||
                fail "$name: files differ (< rpm, > deb): $(echo "$diff" | grep '^[<>]' | tr '\n' ' ')"
        diff=$(comm -23 <(awk '/^d/ { print $2 }' "$r" | sort) <(awk '/^d/ { print $2 }' "$d" | sort))
        [ -z "$diff" ] && ok "$name: every directory the RPM owns is in the Debian package" ||
                fail "$name: RPM-only directories: $(echo $diff)"
        diff=$(comm -13 <(awk '/^d/ { print $2 }' "$r" | sort) <(awk '/^d/ && $2 ~ /provboot/ { print $2 }' "$d" | sort))
        [ -z "$diff" ] && ok "$name: the RPM owns every provboot directory of the Debian package" ||
                fail "$name: directories the RPM does not own: $(echo $diff)"
}
compare provboot "$RPM" "$DEBDIR/provboot_${VERSION}_$ARCH.deb"
compare provboot-selinux "$SERPM" "$DEBDIR/provboot-selinux_${VERSION}_all.deb"

# Scriptlets.
rpm -qp --scripts "$RPM" >"$WORK/scripts" 2>/dev/null
rpm -qp --scripts "$SERPM" >"$WORK/sescripts" 2>/dev/null
has() { grep -qE "$2" "$1"; }
check "%pre creates user provd and group provboot" has "$WORK/scripts" 'useradd -r -g provd .* provd$'
check "%pre creates group provboot" has "$WORK/scripts" 'groupadd -r provboot'
check "%post runs systemd-tmpfiles for provboot.conf" has "$WORK/scripts" 'systemd-tmpfiles --create .*/provboot\.conf'
check "%post applies presets to both units (systemd_post)" has "$WORK/scripts" 'preset provd\.service verifierd\.service|install-system-units provd\.service verifierd\.service'
check "%post enables verifierd's activation alias on first install" has "$WORK/scripts" 'enable verifierd\.service'
check "%preun disables and stops both units on erase (systemd_preun)" has "$WORK/scripts" 'disable --now provd\.service verifierd\.service|remove-system-units'
check "%postun try-restarts both units on upgrade" has "$WORK/scripts" 'try-restart provd\.service verifierd\.service|mark-restart-system-units'
check "-selinux %post loads the module only where SELinux is enabled" has "$WORK/sescripts" 'selinuxenabled.*'
check "-selinux %post runs semodule -i" has "$WORK/sescripts" 'semodule -i /usr/share/selinux/packages/provboot\.pp'
check "-selinux %postun removes the module on erase" has "$WORK/sescripts" 'semodule -r provboot'
req=$(rpm -qp --requires "$SERPM" 2>/dev/null)
case $req in *"provboot = $VERSION-"*) ok "-selinux requires the same provboot version-release" ;;
*) fail "-selinux requires: $(echo $req)" ;; esac
check "the spec's Version matches debian/changelog ($VERSION)" has "$PB_TOP/packaging/rpm/provboot.spec" "^Version: +$VERSION\$"

pb_summary
