# SPDX-License-Identifier: GPL-2.0-only
# The Makefile for people. kbuild reads ./Kbuild; this file runs the compat
# probes for the chosen kernel first, then kbuild.
#
#   make [KDIR=/lib/modules/<ver>/build] [W=1]   build the modules
#   make install                                 install them (updates/dkms)
#   make check                                   every test (see README)
#   make demo                                    boot a kernel and show a device claimed
#   make bench                                   uAPI path costs, ours vs in-tree, and build cost
#   make unit                                    the userspace unit tests only
#   make tools                                   the vfio-variant CLI (src/tools)
#   make steering                                its tests on fixture trees
#   make deb / make rpm                          packages, in build/packages

KDIR ?= /lib/modules/$(shell uname -r)/build
PROBES := src/compat/generated/probes.h

.PHONY: all modules probes install clean check demo bench unit tools steering deb rpm

all: modules

# check-kernel refuses, with the reason, a kernel we cannot support (older
# than 5.10, or without the kernel's vfio core) before anything is built.
probes:
	@sh src/compat/check-kernel $(KDIR)
	@src/compat/run-probes $(KDIR) $(PROBES)

modules: probes
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates/dkms modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	[ ! -d src/tools ] || $(MAKE) -C src/tools clean
	rm -rf src/compat/generated tests/unit/build tests/steering/build

tools:
	$(MAKE) -C src/tools

unit:
	tests/unit/run

steering:
	tests/steering/run

check:
	tests/check

demo:
	tests/demo

bench:
	tests/bench/run

deb:
	packaging/mkdeb

rpm:
	packaging/mkrpm
