# ipc/: the D-Bus contract (libipc.a), linked by provd, verifierd, provctl and tests.
IPC_SRCS += ipc/ipc.c
