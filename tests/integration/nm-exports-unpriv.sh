#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nm-exports-unpriv.sh: nm-exports.sh again with verifierd as verifierd.service runs it (issue 14):
# user provboot-verifier, no capabilities, every keyfile read, written, listed and removed by
# provboot-nm-writer through typed requests. The same checks must hold: what is written, the
# LoadConnections lists, user edits and removals left alone, foreign files never touched.
export PB_VERIFIERD_USER=provboot-verifier
exec "$(dirname "$0")/nm-exports.sh" "$@"
