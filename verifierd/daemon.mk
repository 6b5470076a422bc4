# verifierd's bus service (the engine is in libverifier.a).
VERIFIERD_SRCS += verifierd/main.c verifierd/bus-object.c verifierd/agent.c verifierd/pin-backoff.c \
                  verifierd/report.c verifierd/imsi.c verifierd/export-worker.c
# The verdict log's token bucket (issue 9 finding 7): in libverifier.a so its unit test links it.
VERIFIER_SRCS += verifierd/log-ratelimit.c
UNIT_TESTS += test-log-ratelimit
