# ipc/: the D-Bus contract (libipc.a), linked by provd, verifierd, provctl and tests.
# buswatch.c: who really sent a signal, and the owner of a well-known name (issue 9 finding 1).
IPC_SRCS += ipc/ipc.c ipc/buswatch.c
UNIT_TESTS += test-buswatch
