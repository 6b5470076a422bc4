# verifierd/core.mk: authentication, secrets, configuration, roles/metabase/policy (libverifier.a).
VERIFIER_SRCS += verifierd/secret.c verifierd/auth.c
UNIT_TESTS += test-auth
