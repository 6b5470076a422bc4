# verifierd/core.mk: secrets, authentication, configuration, roles/metabase/policy (libverifier.a).
VERIFIER_SRCS += verifierd/secret.c verifierd/auth.c verifierd/config.c verifierd/roles.c verifierd/policy.c verifierd/metabase.c
UNIT_TESTS += test-auth test-config test-policy
