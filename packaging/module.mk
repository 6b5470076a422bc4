# packaging/: install rules. `make install DESTDIR=... PREFIX=...` puts every file where a
# distribution expects it; debian/rules and the RPM spec call this target. `make deb` and
# `make rpm` build the packages from a staged copy of the tree (below); the SELinux module
# rules are in packaging/selinux.mk.
PKGLIBEXECDIR := $(LIBEXECDIR)/provboot
DBUS_SYSTEM_POLICY_DIR ?= $(DATADIR)/dbus-1/system.d
DBUS_SYSTEM_SERVICES_DIR ?= $(DATADIR)/dbus-1/system-services
POLKIT_RULES_DIR ?= $(DATADIR)/polkit-1/rules.d
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
PROVBOOT_LIBDIR ?= $(PREFIX)/lib/provboot
USERUNITDIR ?= $(PREFIX)/lib/systemd/user

subst_in = sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g'

# The programs a package ships (`all` also builds test helpers).
.PHONY: programs
programs: $(BUILD)/provctl $(BUILD)/provd $(BUILD)/verifierd $(BUILD)/provboot-mmsd-sync $(BUILD)/provboot-nm-writer \
	  $(BUILD)/dmsessiond

install: programs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBEXECDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(USERUNITDIR) \
	  $(DESTDIR)$(DBUS_SYSTEM_POLICY_DIR) $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR) $(DESTDIR)$(POLKIT_RULES_DIR) \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(PROVBOOT_LIBDIR) \
	  $(DESTDIR)$(PROVBOOT_LIBDIR)/verifierd.conf.d $(DESTDIR)$(PROVBOOT_LIBDIR)/metabase.d \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(USERUNITDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/provboot/verifierd.conf.d $(DESTDIR)$(SYSCONFDIR)/provboot/metabase.d
	install -m 0755 $(BUILD)/provctl $(DESTDIR)$(BINDIR)/provctl
	install -m 0755 $(BUILD)/provd $(DESTDIR)$(PKGLIBEXECDIR)/provd
	install -m 0755 $(BUILD)/verifierd $(DESTDIR)$(PKGLIBEXECDIR)/verifierd
	install -m 0755 $(BUILD)/provboot-mmsd-sync $(DESTDIR)$(PKGLIBEXECDIR)/provboot-mmsd-sync
	install -m 0755 $(BUILD)/provboot-nm-writer $(DESTDIR)$(PKGLIBEXECDIR)/provboot-nm-writer
	install -m 0755 $(BUILD)/dmsessiond $(DESTDIR)$(PKGLIBEXECDIR)/dmsessiond
	$(subst_in) packaging/systemd/dmsessiond.service.in > $(DESTDIR)$(UNITDIR)/dmsessiond.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/dmsessiond.service
	$(subst_in) packaging/dbus/org.provboot.Dialer1.service.in > $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR)/org.provboot.Dialer1.service
	chmod 0644 $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR)/org.provboot.Dialer1.service
	install -m 0644 packaging/config/dmsessiond.conf $(DESTDIR)$(PROVBOOT_LIBDIR)/dmsessiond.conf
	install -m 0644 dmsessiond/dmsessiond.8 $(DESTDIR)$(MANDIR)/man8/dmsessiond.8
	$(subst_in) packaging/systemd/provboot-nm-writer.service.in > $(DESTDIR)$(UNITDIR)/provboot-nm-writer.service
	install -m 0644 packaging/systemd/provboot-nm-writer.socket $(DESTDIR)$(UNITDIR)/provboot-nm-writer.socket
	chmod 0644 $(DESTDIR)$(UNITDIR)/provboot-nm-writer.service
	$(subst_in) packaging/systemd/provd.service.in > $(DESTDIR)$(UNITDIR)/provd.service
	$(subst_in) packaging/systemd/verifierd.service.in > $(DESTDIR)$(UNITDIR)/verifierd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/provd.service $(DESTDIR)$(UNITDIR)/verifierd.service
	$(subst_in) packaging/systemd/user/provboot-mmsd-sync.service.in > $(DESTDIR)$(USERUNITDIR)/provboot-mmsd-sync.service
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/provboot-mmsd-sync.service
	$(subst_in) packaging/systemd/user/provboot-notify.service.in > $(DESTDIR)$(USERUNITDIR)/provboot-notify.service
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/provboot-notify.service
	$(subst_in) packaging/dbus/org.provboot.Verifier1.service.in > $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR)/org.provboot.Verifier1.service
	chmod 0644 $(DESTDIR)$(DBUS_SYSTEM_SERVICES_DIR)/org.provboot.Verifier1.service
	install -m 0644 ipc/org.provboot.conf $(DESTDIR)$(DBUS_SYSTEM_POLICY_DIR)/org.provboot.conf
	install -m 0644 packaging/polkit/50-provboot-verifier.rules $(DESTDIR)$(POLKIT_RULES_DIR)/50-provboot-verifier.rules
	install -m 0644 packaging/sysusers/provboot.conf $(DESTDIR)$(SYSUSERSDIR)/provboot.conf
	install -m 0644 packaging/tmpfiles/provboot.conf $(DESTDIR)$(TMPFILESDIR)/provboot.conf
	install -m 0644 packaging/config/verifierd.conf $(DESTDIR)$(PROVBOOT_LIBDIR)/verifierd.conf
	for f in packaging/config/metabase.conf packaging/config/provd.conf; do \
	  [ ! -f $$f ] || install -m 0644 $$f $(DESTDIR)$(PROVBOOT_LIBDIR)/; done
	install -m 0644 provctl/provctl.1 $(DESTDIR)$(MANDIR)/man1/provctl.1
	install -m 0644 mmsd-sync/provboot-mmsd-sync.1 $(DESTDIR)$(MANDIR)/man1/provboot-mmsd-sync.1
	install -m 0644 provd/provd.8 $(DESTDIR)$(MANDIR)/man8/provd.8
	install -m 0644 verifierd/verifierd.8 $(DESTDIR)$(MANDIR)/man8/verifierd.8

include packaging/selinux.mk

# Packages. Both build from a copy of the tree (without .git, $(BUILD) and any debian/) in a
# temporary directory outside $(BUILD) -- the top Makefile includes every *.d under $(BUILD),
# and a staged tree has directories named verifierd.conf.d -- so nothing of the developer's
# build leaks in, and the results are copied to $(BUILD)/dist/deb/ and $(BUILD)/dist/rpm/.
# They run without our command-line variables (env -u MAKEFLAGS): a BUILD=/abs/path given to
# this make must not redirect the package's own build.
PKG_VERSION := ${shell awk -F'[()]' 'NR == 1 { print $$2 }' packaging/debian/changelog}
DIST_DIR := $(abspath $(BUILD))/dist
BUILD_REL := $(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))
# Also unset the Makefile's own variables: run-tests.sh exports BUILD, and a package build that
# inherited BUILD=/abs/path would build there and `make clean` it (dh_auto_clean).
CLEAN_MAKE_ENV := env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS -u MAKELEVEL $(addprefix -u ,BUILD DESTDIR \
	PREFIX BINDIR SBINDIR LIBEXECDIR DATADIR MANDIR SYSCONFDIR UNITDIR USERUNITDIR DBUS_SYSTEM_POLICY_DIR \
	DBUS_SYSTEM_SERVICES_DIR POLKIT_RULES_DIR SYSUSERSDIR TMPFILESDIR PROVBOOT_LIBDIR SELINUX_DEVEL_MAKEFILE SELINUX_PKGDIR)
# $(call stage_tree,DIR): copy the source tree into DIR (created).
stage_tree = mkdir -p $(1) && tar -C $(CURDIR) --exclude=./.git --exclude=./build --exclude=./$(BUILD_REL) \
	--exclude=./debian -cf - . | tar -C $(1) -xf -

deb:
	rm -rf $(DIST_DIR)/deb && mkdir -p $(DIST_DIR)/deb
	set -e; t=$$(mktemp -d "$${TMPDIR:-/tmp}/provboot-deb.XXXXXX"); trap 'rm -rf "$$t"' EXIT; \
	  $(call stage_tree,$$t/provboot-$(PKG_VERSION)); \
	  cp -a packaging/debian $$t/provboot-$(PKG_VERSION)/debian; \
	  (cd $$t/provboot-$(PKG_VERSION) && $(CLEAN_MAKE_ENV) dpkg-buildpackage -us -uc -b); \
	  mkdir -p $(DIST_DIR)/deb && cp $$t/*.deb $$t/*.buildinfo $$t/*.changes $(DIST_DIR)/deb/
	@ls -1 $(DIST_DIR)/deb/*.deb

rpm:
	rm -rf $(DIST_DIR)/rpm && mkdir -p $(DIST_DIR)/rpm
	set -e; t=$$(mktemp -d "$${TMPDIR:-/tmp}/provboot-rpm.XXXXXX"); trap 'rm -rf "$$t"' EXIT; \
	  mkdir -p $$t/SOURCES $$t/SPECS $$t/BUILD $$t/RPMS; \
	  $(call stage_tree,$$t/stage/provboot-$(PKG_VERSION)); \
	  tar -C $$t/stage -czf $$t/SOURCES/provboot-$(PKG_VERSION).tar.gz provboot-$(PKG_VERSION); \
	  sed 's/^Version:.*/Version:        $(PKG_VERSION)/' packaging/rpm/provboot.spec > $$t/SPECS/provboot.spec; \
	  $(CLEAN_MAKE_ENV) rpmbuild --define "_topdir $$t" --nodeps -bb $$t/SPECS/provboot.spec; \
	  mkdir -p $(DIST_DIR)/rpm && cp $$t/RPMS/*/*.rpm $(DIST_DIR)/rpm/
	@ls -1 $(DIST_DIR)/rpm/*.rpm

INTEGRATION_TESTS += tests/integration/deb.sh tests/integration/rpm.sh
