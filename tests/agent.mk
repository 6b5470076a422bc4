# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/agent.mk: issue 10, points 9 and 10: every verdict journalled and signalled, the agent
# offered what was pending before it registered, provctl agent (terminal, stdin, --notify with
# a private session bus and tests/tools/fake-notifyd.py) and provctl show's document and diff.
INTEGRATION_TESTS += tests/integration/agent.sh
