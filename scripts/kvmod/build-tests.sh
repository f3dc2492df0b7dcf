#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds kvmod's own selftests and kvmod-vmm, static, for ARCH into OUTDIR,
# against the uAPI headers of the kernel build KDIR (KDIR/usr/include).
#
# Usage: build-tests.sh ARCH KDIR OUTDIR
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: build-tests.sh ARCH KDIR OUTDIR"
kvmod_arch_setup "$1"
khdr=$2/usr/include
out=$(mkdir -p "$3" && cd "$3" && pwd)
[ -f "$khdr/linux/kvm.h" ] || die "no uAPI headers in $khdr (run kernel.sh)"

log "building selftests and kvmod-vmm for $1"
make -s -C "$KVMOD_ROOT/tools/testing/selftests/kvmod" OUTPUT="$out" \
	CROSS_COMPILE="$CROSS" KHDR="$khdr" \
	KSFT="$KVMOD_CACHE/src/linux/tools/testing/selftests" -j"$KVMOD_JOBS"
make -s -C "$KVMOD_ROOT/tools/kvmod-vmm" OUTPUT="$out" CROSS_COMPILE="$CROSS" \
	KHDR="$khdr"
# Benchmarks exist for RISC-V so far (make bench).
if [ "$1" = riscv ]; then
	make -s -C "$KVMOD_ROOT/tools/kvmod-bench" OUTPUT="$out" CROSS_COMPILE="$CROSS" \
		KHDR="$khdr"
fi
