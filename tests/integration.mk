# tests/integration: end-to-end tests on a real dbus-daemon with the shipped policy.
INTEGRATION_TESTS += tests/integration/bus-vectors.sh tests/integration/bus-authz.sh tests/integration/units.sh
