# SPDX-License-Identifier: BSD-2-Clause
# Packages (README "Install"): sources are copied, never built in place.

PKGOUT      ?= $(B)/pkg
PKG_ABS      = $(abspath $(PKGOUT))
PKG_EXCLUDE  = --exclude='./build*' --exclude=./.git --exclude=./debian/tmp \
               --exclude=./debian/.debhelper --exclude=./debian/libpam-apikey \
               --exclude=./debian/apikey-askpass --exclude=./debian/files \
               --exclude='./debian/*.substvars' \
               --exclude='./debian/*.debhelper.log' \
               --exclude=./debian/debhelper-build-stamp
RPM_VERSION  = $(shell sed -n 's/^Version:[[:space:]]*//p' rpm/pam_apikey.spec)
# Debian's rpm cannot check Fedora's BuildRequires
RPMBUILD_FLAGS ?= $(if $(wildcard /etc/debian_version),--nodeps)

.PHONY: deb rpm package-check

# .deb files in $(PKGOUT)/deb (dpkg-buildpackage -us -uc -b on a copy)
deb:
	rm -rf $(PKG_ABS)/deb && mkdir -p $(PKG_ABS)/deb/src
	tar -cf - $(PKG_EXCLUDE) . | tar -xf - -C $(PKG_ABS)/deb/src
	cd $(PKG_ABS)/deb/src && dpkg-buildpackage -us -uc -b
	@ls $(PKG_ABS)/deb/*.deb

# .rpm files in $(PKGOUT)/rpm/RPMS (rpmbuild -bb from a source tarball)
rpm:
	rm -rf $(PKG_ABS)/rpm && mkdir -p $(PKG_ABS)/rpm/SOURCES
	tar -czf $(PKG_ABS)/rpm/SOURCES/pam_apikey-$(RPM_VERSION).tar.gz \
	  $(PKG_EXCLUDE) --transform 's,^\.,pam_apikey-$(RPM_VERSION),' .
	rpmbuild -bb $(RPMBUILD_FLAGS) --define '_topdir $(PKG_ABS)/rpm' \
	  rpm/pam_apikey.spec
	@ls $(PKG_ABS)/rpm/RPMS/*/*.rpm

# builds, lints and installs the packages into a throw-away root (and
# boots one: apikeyd's units under systemd); checks the man pages (root;
# installs the tools it needs)
package-check: deps
	$(MAKE) all $(B)/pam-test $(B)/log-listen
	APIKEY_BUILD=$(abspath $(B)) sh tests/run.sh package.sh manpages.sh
