# verifierd/: the privileged verifier. Engine pieces go into libverifier.a (VERIFIER_SRCS) so
# unit tests link them without a bus; the bus service main goes into VERIFIERD_SRCS.
# Each part has its own fragment verifierd/<part>.mk.
include $(filter-out verifierd/module.mk,$(wildcard verifierd/*.mk))
