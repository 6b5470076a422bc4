# verifierd/dm-session.mk: the OMA DM client session and the package-0 checks (issue 13 part D;
# dm-session.h, dm-notify.h). Tested end to end by tests/integration/dm-*.sh (tests/dm.mk).
VERIFIER_SRCS += verifierd/dm-session.c verifierd/dm-notify.c
