# packaging/: install rules. `make install DESTDIR=... PREFIX=...` puts every file where a
# distribution expects it; debian/rules and the RPM spec call this target.
PKGLIBEXECDIR := $(LIBEXECDIR)/provboot
DBUS_SYSTEM_POLICY_DIR ?= $(DATADIR)/dbus-1/system.d
DBUS_SYSTEM_SERVICES_DIR ?= $(DATADIR)/dbus-1/system-services
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
PROVBOOT_LIBDIR ?= $(PREFIX)/lib/provboot

subst_in = sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBEXECDIR) $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(DBUS_SYSTEM_POLICY_DIR) $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR) \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(PROVBOOT_LIBDIR) \
	  $(DESTDIR)$(PROVBOOT_LIBDIR)/verifierd.conf.d $(DESTDIR)$(PROVBOOT_LIBDIR)/metabase.d \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/provctl $(DESTDIR)$(BINDIR)/provctl
	install -m 0755 $(BUILD)/provd $(DESTDIR)$(PKGLIBEXECDIR)/provd
	install -m 0755 $(BUILD)/verifierd $(DESTDIR)$(PKGLIBEXECDIR)/verifierd
	$(subst_in) packaging/systemd/provd.service.in > $(DESTDIR)$(UNITDIR)/provd.service
	$(subst_in) packaging/systemd/verifierd.service.in > $(DESTDIR)$(UNITDIR)/verifierd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/provd.service $(DESTDIR)$(UNITDIR)/verifierd.service
	$(subst_in) packaging/dbus/org.provboot.Verifier1.service.in > $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR)/org.provboot.Verifier1.service
	chmod 0644 $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR)/org.provboot.Verifier1.service
	install -m 0644 ipc/org.provboot.conf $(DESTDIR)$(DBUS_SYSTEM_POLICY_DIR)/org.provboot.conf
	install -m 0644 packaging/sysusers/provboot.conf $(DESTDIR)$(SYSUSERSDIR)/provboot.conf
	install -m 0644 packaging/tmpfiles/provboot.conf $(DESTDIR)$(TMPFILESDIR)/provboot.conf
	install -m 0644 packaging/config/verifierd.conf $(DESTDIR)$(PROVBOOT_LIBDIR)/verifierd.conf
	for f in packaging/config/metabase.conf packaging/config/provd.conf; do \
	  [ ! -f $$f ] || install -m 0644 $$f $(DESTDIR)$(PROVBOOT_LIBDIR)/; done
	install -m 0644 provctl/provctl.1 $(DESTDIR)$(MANDIR)/man1/provctl.1
	install -m 0644 provd/provd.8 $(DESTDIR)$(MANDIR)/man8/provd.8
	install -m 0644 verifierd/verifierd.8 $(DESTDIR)$(MANDIR)/man8/verifierd.8
