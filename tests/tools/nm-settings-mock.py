#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""nm-settings-mock.py: MOCK of NetworkManager's Settings.LoadConnections for
tests/integration/nm-exports.sh.

A stand-in, not the daemon (the real NetworkManager is tested in tests/integration/nspawn.sh,
inside a booted Debian tree: it needs its own system bus, polkit and systemd). It owns
org.freedesktop.NetworkManager on $DBUS_SYSTEM_BUS_ADDRESS and exports, at
/org/freedesktop/NetworkManager/Settings, interface org.freedesktop.NetworkManager.Settings with
the one method verifierd calls, with NetworkManager's signature (network-manager-dev's
/usr/share/dbus-1/interfaces/org.freedesktop.NetworkManager.Settings.xml; the test compares):

  LoadConnections(in as filenames, out b status, out as failures)

and NetworkManager's semantics for keyfiles (the keyfile plugin's load_connections): every
filename must be a full path in a directory it monitors (--dir); an existing file is (re)loaded
-- here: its [connection] id/uuid and [gsm] apn are read -- a missing file unloads what was
loaded from that path; anything else is a failure (--fail-name makes some files fail, and adds a
path nobody asked for to the failures). It never reads a directory by itself, like
NetworkManager, which does not watch it. After every call it writes its state to --state (JSON,
atomically): the connections loaded, by path, and every call's filenames in order. --hang: a
NetworkManager that is stuck: every call is recorded and never answered (the caller's time-out
ends it; tests/integration/export-async.sh).
"""
import argparse
import configparser
import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.NetworkManager.Settings"


class Settings(dbus.service.Object):
    def __init__(self, bus, path, state_path, nm_dir, fail_name=None, failures_over=None, hang=False):
        super().__init__(bus, path)
        self.hang = hang
        self.held = []
        self.fail_name = fail_name
        self.failures_over = failures_over
        self.state_path = state_path
        self.nm_dir = os.path.realpath(nm_dir)
        self.loaded = {}
        self.calls = []
        self.save()

    def save(self):
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"loaded": self.loaded, "calls": self.calls}, f, indent=1, sort_keys=True)
        os.replace(tmp, self.state_path)

    @dbus.service.method(IFACE, in_signature="as", out_signature="bas", async_callbacks=("reply", "error"))
    def LoadConnections(self, filenames, reply, error):
        names = [str(f) for f in filenames]
        if self.hang:
            self.calls.append(names)
            self.held.append((reply, error))  # never answered
            self.save()
            return
        reply(*self.load(names))

    def load(self, names):
        failures = []
        self.calls.append(names)
        if self.fail_name:
            # a failure list with a path nobody asked for: the caller must ignore it
            failures.append("/nonexistent/not-requested.nmconnection")
        for f in names:
            if self.fail_name and self.fail_name in os.path.basename(f):
                failures.append(f)
                continue
            if not os.path.isabs(f) or os.path.dirname(os.path.realpath(f)) != self.nm_dir:
                failures.append(f)
                continue
            if not os.path.exists(f):
                self.loaded.pop(f, None)
                continue
            kf = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                kf.read(f)
                self.loaded[f] = {"id": kf.get("connection", "id"), "uuid": kf.get("connection", "uuid"),
                                  "apn": kf.get("gsm", "apn", fallback="")}
            except (configparser.Error, OSError):
                failures.append(f)
        if self.failures_over is not None:
            # a failure list longer than anything NetworkManager sends: padded with paths nobody
            # asked for to len(filenames) + failures_over entries (the reader's limit)
            while len(failures) < len(names) + self.failures_over:
                failures.append("/nonexistent/pad-%d.nmconnection" % len(failures))
        self.save()
        return True, failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--fail-name", help="report files whose name contains this as failures")
    ap.add_argument("--failures-over", type=int,
                    help="pad the failures to as many entries as filenames plus this many")
    ap.add_argument("--hang", action="store_true", help="record every call and never answer it")
    a = ap.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
    Settings(bus, "/org/freedesktop/NetworkManager/Settings", a.state, a.dir, a.fail_name, a.failures_over,
             a.hang)
    name = dbus.service.BusName("org.freedesktop.NetworkManager", bus)  # noqa: F841 (kept)
    print("nm-settings-mock: ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    sys.exit(main())
