# SPDX-License-Identifier: LGPL-2.1-or-later
# verifierd/certs.mk: the certificate store and signed packages (issue 5): certstore.c
# (CertificateStore characteristics, certs.d), package.c (CMS verification against SPC), their
# unit tests, the package fuzzer and the end-to-end test on a real bus.
VERIFIER_SRCS += verifierd/certstore.c verifierd/package.c
UNIT_TESTS += test-certstore test-package
FUZZERS += fuzz-package
INTEGRATION_TESTS += tests/integration/packages.sh tests/integration/strength-packages.sh
