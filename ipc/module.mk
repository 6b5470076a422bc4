# ipc/: the D-Bus contract (libipc.a), linked by provd, verifierd, provctl and tests.
# buswatch.c: who really sent a signal, and the owner of a well-known name (issue 9 finding 1).
IPC_SRCS += ipc/ipc.c ipc/buswatch.c
UNIT_TESTS += test-buswatch
# mms-settings.c: Verifier1.GetMmsSettings' dictionary and value rules (issue 10 point 5), for
# verifierd and provboot-mmsd-sync.
IPC_SRCS += ipc/mms-settings.c
UNIT_TESTS += test-mms-settings
# ipc.c's own test: every marshaller round-trips, every reader's limits and wrong signatures,
# the error map (issue 11 point 1); and the fuzz target for what verifierd receives.
UNIT_TESTS += test-ipc
FUZZERS += fuzz-ipc
