# verifierd/pending-doc.mk: issue 10, points 9 and 10 in the engine: the verdict hook (expiry
# journalled and signalled by report.c) and engine_pending_document (GetPendingDocument).
UNIT_TESTS += test-pending-doc
