# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/lint.mk: checks over the source tree itself, run by make check like the integration
# scripts (each prints "N passed, N failed"):
#   tools/check-citations  no file outside docs/ cites a design document the repository does not
#                          hold; comments cite public specifications or docs/ (docs/conventions.md §12)
INTEGRATION_TESTS += tools/check-citations

.PHONY: check-citations
check-citations:
	@./tools/check-citations
