# verifierd/dm-runner.mk: the DM session on a thread of its own and the engine lock that
# serializes it with the event loop (dm-runner.h, engine-lock.h). Tested end to end by
# tests/integration/dm-concurrent.sh (tests/dm.mk).
VERIFIER_SRCS += verifierd/engine-lock.c
VERIFIERD_SRCS += verifierd/dm-runner.c
