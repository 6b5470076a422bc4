# verifierd's bus service (the engine is in libverifier.a).
VERIFIERD_SRCS += verifierd/main.c verifierd/imsi.c
