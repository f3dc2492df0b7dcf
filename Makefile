# SPDX-License-Identifier: GPL-2.0
#
# kvmod top-level Makefile.
#
#   make run            boot a QEMU host with kvmod loaded and use /dev/kvm
#   make check          all tests on both arches (ARCH=riscv|arm64 for one)
#   make bench          exit round trips, kvmod vs upstream KVM (riscv)
#   make soak           10^6 fuzzer calls per arch on the check hosts
#   make dkms-check     kvmod built and installed by DKMS, loaded in the test hosts
#   make compat         upstream Linux 6.12 KVM selftests against kvmod
#                       (KVM=upstream: against the baseline kernel's KVM)
#   make modules KDIR=<prepared kernel build dir> [ARCH=.. CROSS_COMPILE=..]
#                       build kvmod.ko against any kernel
#
# In a kernel build (obj-m), this file is not used: Kbuild is.

ARCHES := riscv arm64
ifeq ($(origin ARCH),command line)
CHECK_ARCHES := $(ARCH)
else
CHECK_ARCHES := $(ARCHES)
endif
RUN_ARCH := $(if $(filter command line,$(origin ARCH)),$(ARCH),riscv)
KVM ?= kvmod
SCRIPTS := scripts/kvmod

.PHONY: all check compat run bench soak modules clean deps kernel help dkms-check

all: help

help:
	@sed -n '3,14p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@$(SCRIPTS)/deps.sh all

check:
	@$(SCRIPTS)/check.sh $(CHECK_ARCHES)

compat:
	@$(SCRIPTS)/compat.sh $(KVM) $(CHECK_ARCHES)

dkms-check:
	@$(SCRIPTS)/dkms-check.sh $(CHECK_ARCHES)

run:
	@$(SCRIPTS)/run.sh $(RUN_ARCH)

bench:
	@$(SCRIPTS)/bench.sh $(CHECK_ARCHES)

soak:
	@$(SCRIPTS)/soak.sh $(CHECK_ARCHES)

kernel:
	@for a in $(CHECK_ARCHES); do $(SCRIPTS)/kernel.sh $$a $(KVM) || exit 1; done

# Out-of-tree module build against a prepared kernel tree.
modules:
	$(if $(KDIR),,$(error KDIR=<kernel build directory> is required))
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_KVMOD=m \
		CONFIG_KVMOD_KUNIT_TEST=$(if $(KUNIT),m,) modules

clean:
	rm -rf build
	find . -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name 'modules.order' -o -name 'Module.symvers' \
		| xargs rm -f
