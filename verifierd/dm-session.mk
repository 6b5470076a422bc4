# verifierd/dm-session.mk: the OMA DM client session (issue 13 part D; dm-session.h).
VERIFIER_SRCS += verifierd/dm-session.c
VERIFIER_SRCS += verifierd/dm-notify.c
