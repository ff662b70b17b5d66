# SPDX-License-Identifier: GPL-2.0
#
# minikvm: a thin wrapper around kbuild plus the project's test commands.
# The object list lives in Kbuild only.
#
#   make                  build minikvm.ko against KDIR (default: running kernel)
#   make KDIR=/path       ... against another kernel's build tree
#   make modules-all      build/<kver>/minikvm.ko for Debian's 6.1 and 6.12
#   make check            the whole test suite in QEMU (README)
#   make bench            exit-cost benchmark, minikvm vs stock KVM
#   make run              boot Linux on minikvm with the VMM, a shell on the terminal
#   make vmm              build the userspace VMM (vmm/build/minikvm-run) and its tests
#   make install-headers  install include/uapi/linux/minikvm.h

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local
W ?=

.PHONY: all modules modules-all clean check bench run install-headers \
	checkpatch sparse selftests deps vmm

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

# One out-of-tree build per target kernel, each in its own copy of the
# sources (kbuild builds objects next to the sources).
modules-all:
	tools/build-modules

selftests:
	$(MAKE) -C selftests

deps:
	tools/deps

vmm:
	tools/build-vmm --test

check:
	tools/check

bench:
	tools/bench

run:
	tools/run

checkpatch:
	tools/checkpatch

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

install-headers:
	install -D -m 0644 include/uapi/linux/minikvm.h \
		$(DESTDIR)$(PREFIX)/include/linux/minikvm.h

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build vmm/build vmm/build-clang
