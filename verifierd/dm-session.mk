# verifierd/dm-session.mk: the OMA DM client session (issue 13 part D; dm-session.h).
VERIFIER_SRCS += verifierd/dm-session.c
VERIFIER_SRCS += verifierd/dm-notify.c
# The session's TLS (dm-transport.c) needs libssl in verifierd's link (added once).
PKGS_VERIFIERD += $(if $(filter libssl,$(PKGS_VERIFIERD)),,libssl)
PKGS_TEST += $(if $(filter libssl,$(PKGS_TEST)),,libssl)
