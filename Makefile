# SPDX-License-Identifier: GPL-2.0-only
# The Makefile for people. kbuild reads ./Kbuild; this file runs the compat
# probes for the chosen kernel first, then kbuild.
#
#   make [KDIR=/lib/modules/<ver>/build] [W=1]   build the modules
#   make install                                 install them (updates/dkms)
#   make check                                   every test (see README)
#   make demo                                    boot a kernel and show a device claimed
#   make unit                                    the userspace unit tests only
#   make tools                                   the vfio-variant CLI (src/tools)
#   make steering                                its tests on fixture trees

KDIR ?= /lib/modules/$(shell uname -r)/build
PROBES := src/compat/generated/probes.h

.PHONY: all modules probes install clean check demo unit tools steering

all: modules

probes:
	@src/compat/run-probes $(KDIR) $(PROBES)

modules: probes
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates/dkms modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C src/tools clean
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
