#!/bin/sh
# deps.sh: install the Debian packages listed in tools/deps.txt that are not installed yet.
# Idempotent: prints nothing and exits 0 when everything is present.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
missing=""
for p in $(grep -v '^\s*#' "$HERE/deps.txt" | tr -s ' \n' '\n' | sed '/^$/d'); do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 || true
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing >&2
