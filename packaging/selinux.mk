# SPDX-License-Identifier: LGPL-2.1-or-later
# packaging/selinux.mk: `make selinux` builds the policy module selinux/provboot.{te,fc,if}
# with the reference policy's devel Makefile (selinux-policy-dev) into $(BUILD)/selinux/;
# `make install-selinux` installs the .pp where distributions keep module packages.
# The sub-make runs without our command-line variables (PREFIX, BUILD, ...): the devel
# Makefile has variables of the same names.
SELINUX_DEVEL_MAKEFILE ?= /usr/share/selinux/devel/Makefile
SELINUX_SRCS := selinux/provboot.te selinux/provboot.fc selinux/provboot.if
SELINUX_PP := $(BUILD)/selinux/provboot.pp
SELINUX_PKGDIR ?= $(DATADIR)/selinux/packages

.PHONY: install-selinux

selinux: $(SELINUX_PP)

$(SELINUX_PP): $(SELINUX_SRCS)
	@mkdir -p $(dir $@)
	cp $(SELINUX_SRCS) $(dir $@)
	cd $(dir $@) && env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS \
	  $(MAKE) -f $(SELINUX_DEVEL_MAKEFILE) provboot.pp

install-selinux: $(SELINUX_PP)
	install -d $(DESTDIR)$(SELINUX_PKGDIR)
	install -m 0644 $(SELINUX_PP) $(DESTDIR)$(SELINUX_PKGDIR)/provboot.pp

INTEGRATION_TESTS += tests/integration/selinux.sh
