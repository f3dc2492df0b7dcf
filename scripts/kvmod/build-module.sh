#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds kvmod.ko and kvmod_test.ko (KUnit) for ARCH against the prepared
# kernel build directory KDIR, warnings as errors (W=1), into OUTDIR.
# KVMOD_SPARSE=1 also runs sparse on every file; any report fails the build.
# Sources are mirrored into build/<arch>/module so both arches can be built
# from one checkout; timestamps are kept so rebuilds are incremental.
#
# Usage: build-module.sh ARCH KDIR OUTDIR
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: build-module.sh ARCH KDIR OUTDIR"
kvmod_arch_setup "$1"
kdir=$2
out=$3
src=$KVMOD_BUILD/$1/module

mkdir -p "$src" "$out"
# Copy only files that changed, so make sees the right timestamps.
(cd "$KVMOD_ROOT" && find Kbuild Kconfig include virt arch -type f) | while read -r f; do
	if ! cmp -s "$KVMOD_ROOT/$f" "$src/$f"; then
		mkdir -p "$(dirname "$src/$f")"
		cp "$KVMOD_ROOT/$f" "$src/$f"
	fi
done

extra=()
[ -n "$KVMOD_SPARSE" ] && extra+=(C=2 CHECK="$KVMOD_ROOT/scripts/kvmod/sparse.sh")
log "building kvmod.ko for $1"
make -s -C "$kdir" M="$src" ARCH="$KARCH" CROSS_COMPILE="$CROSS" W=1 \
	KCFLAGS=-Werror CONFIG_KVMOD=m CONFIG_KVMOD_KUNIT_TEST=m \
	-j"$KVMOD_JOBS" "${extra[@]}" modules
cp "$src/kvmod.ko" "$src/kvmod_test.ko" "$out/"
