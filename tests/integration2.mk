# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/integration2.mk: the adversarial and modem-stack integration tests (issue 4,
# "Integration tests") and their helpers in tests/tools/.
#   hostile-provd.sh  a hostile stand-in for provd (tests/tools/hostile-submit.c) floods Submit
#   provd-crash.sh    provd killed with SIGSEGV mid-stream; poison-push quarantine
#   no-secret.sh      no IMSI/PIN/key byte in provd's memory, bus traffic or logs; no crypto linked
#   introspect.sh     what the running daemons export equals ipc/*.xml
#   ofono.sh          the real ofonod + phonesim plugin + a scripted AT modem (tests/tools/fake-modem.py)
#   modemmanager.sh   ModemManager's D-Bus API mocked with python-dbusmock (tests/tools/mm-ctl.py),
#                     its object model and types checked against ModemManager's introspection XML
#   modemmanager-real.sh  the real ModemManager 1.20 with polkitd on the private bus and a
#                     scripted AT modem (tests/tools/at-modem.py, checks in tests/tools/mm-check.py)
#   spoof-signals.sh  issue 9 finding 1: nobody's forged unicast signals (IMSI, NameOwnerChanged)
#                     to verifierd and provd, with and without the policy's signal rules
#                     (tests/tools/spoof-signal.py, fake-ofono-sim.py, log-agent.py)
#   unverified-decode.sh, pending-quota.sh, log-forgery.sh, pin-attempts.sh, prompt-summary.sh
#                     verifierd's unauthenticated path (issue 9, findings 3, 4, 9, 10, 11), with
#                     tests/tools/verifier-client.py as a compromised provd, the user and an agent
#   decode-amplification.sh  STR_T amplification push (issue 9 finding 8): refused as malformed,
#                     provd's and verifierd's peak RSS stay bounded (CPDOC_DECODED_MAX)
INTEGRATION_TESTS += tests/integration/introspect.sh tests/integration/no-secret.sh \
        tests/integration/provd-crash.sh tests/integration/hostile-provd.sh \
        tests/integration/ofono.sh tests/integration/modemmanager.sh \
        tests/integration/modemmanager-real.sh tests/integration/spoof-signals.sh
INTEGRATION_TESTS += tests/integration/unverified-decode.sh tests/integration/pending-quota.sh \
        tests/integration/log-forgery.sh tests/integration/pin-attempts.sh tests/integration/prompt-summary.sh
INTEGRATION_TESTS += tests/integration/decode-amplification.sh

# The hostile Submit generator is a test tool: it links libcrypto to forge MACs (HMAC-SHA1);
# it is never installed and provd never links it.
EXTRA_BINS += hostile-submit
$(BUILD)/hostile-submit: tests/tools/hostile-submit.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(call pc_cflags,libsystemd libcrypto) -o $@ $< $(BASE_LDFLAGS) $(call pc_libs,libsystemd libcrypto)

# Issue 9: the store keeps its locks while another process reads it (store-lock.sh); retention
# bounds the store under a hostile Submit flood (store-retention.sh).
INTEGRATION_TESTS += tests/integration/store-lock.sh tests/integration/store-retention.sh tests/integration/export-async.sh

# Issue 10 points 6 and 7: oFono's one push agent (ofono-push-agent.sh: the real ofonod, provd
# hands pushes it does not handle to [Intake] OfonoNextAgent= and says when the slot is taken,
# tests/tools/push-agent.py) and which SIM (dual-sim.sh: two modems with their own SIMs through
# the ModemManager mock; the receiving modem's SIM is the network PIN and the binding; export-modem.sh:
# a bound NAPDEF is an oFono context of the receiving modem only).
INTEGRATION_TESTS += tests/integration/dual-sim.sh tests/integration/ofono-push-agent.sh tests/integration/export-modem.sh
