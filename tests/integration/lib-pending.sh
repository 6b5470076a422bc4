#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lib-pending.sh: helpers for the tests of verifierd's unauthenticated path (issue 9 findings 3,
# 4, 9, 10, 11), on top of lib.sh. Sourced, not run.
#
# pb_pending_conf DIR [EXTRA...]  write DIR/verifierd.conf: bootstrap enabled, static IMSI
#                                 $PB_IMSI, NetworkManager keyfiles under DIR/nm, then EXTRA lines
# pb_as_provd ARGS...             tests/tools/verifier-client.py as user provd (a compromised
#                                 provd: it may call Submit and SubmitWithSummary, nothing else)
# pb_vc ARGS...                   the same tool as root (the user's side: pin, pending, policy)
# pb_start_agent OUT [ARGS...]    a test agent (root) logging each prompt to OUT; waits until it
#                                 registered; stopped by pb_cleanup
# pb_doc_xml FILE INNER           write a wap-provisioningdoc holding INNER (XML) to FILE
# pb_field N TEXT                 the N-th word of TEXT
# pb_db_grep STATEDIR TEXT        TEXT occurs in verifierd's database files (db, -wal), raw bytes

PB_IMSI=262011234567890
PB_VC=$PB_TOP/tests/tools/verifier-client.py

pb_pending_conf() {
        local dir=$1; shift
        mkdir -p "$dir/nm"
        {
                printf '[Bootstrap]\nEnabled=yes\n[NetworkPin]\nSource=static\nImsi=%s\n' "$PB_IMSI"
                printf '[Export]\nNetworkManagerDir=%s/nm\n' "$dir"
                local l
                for l in "$@"; do printf '%s\n' "$l"; done
        } >"$dir/verifierd.conf"
}

pb_as_provd() {
        setpriv --reuid=provd --regid=provd --clear-groups --inh-caps=-all /usr/bin/python3 "$PB_VC" "$PB_BUS" "$@"
}

pb_vc() {
        /usr/bin/python3 "$PB_VC" "$PB_BUS" "$@"
}

pb_start_agent() {
        local out=$1; shift
        # python itself in the background (not a shell function), so pb_cleanup stops it
        /usr/bin/python3 "$PB_VC" "$PB_BUS" agent "$out" "$@" >"$out.stdout" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 10 grep -q ready "$out.stdout" || { echo "test agent: $(cat "$out.stdout")"; return 1; }
}

pb_doc_xml() {
        printf '<?xml version="1.0"?>\n<wap-provisioningdoc version="1.1">%s</wap-provisioningdoc>\n' "$2" >"$1"
        chmod a+r "$1"
}

pb_field() {
        awk -v n="$1" '{ print $n }' <<<"$2"
}

pb_db_grep() {
        cat "$1"/provboot.db "$1"/provboot.db-wal 2>/dev/null | grep -a -q -F -e "$2"
}
