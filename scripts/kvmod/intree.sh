#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds kvmod the in-tree way (Documentation/virt/kvmod/building.rst,
# "Inside a kernel tree"): the repository dropped into a copy of the Linux
# source as kvmod/, sourced from the top-level Kconfig and Kbuild,
# CONFIG_KVMOD=m selected through Kconfig on the configuration of the test
# host kernel KDIR, and the module built by the kernel's own build. Fails
# when Kconfig drops the option (a dependency not met) or the build fails.
#
# Usage: intree.sh ARCH KDIR OUTDIR    (OUTDIR gets kvmod.ko)
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: intree.sh ARCH KDIR OUTDIR"
kvmod_arch_setup "$1"
kdir=$2
out=$(mkdir -p "$3" && cd "$3" && pwd)
work=$KVMOD_BUILD/$1/intree
src=$work/linux
obj=$work/obj

rm -rf "$work"
mkdir -p "$obj"
log "in-tree build for $1: $work"
# Hard links: a copy of the source in seconds. Files we change are replaced,
# never written through a link into the cached source.
cp -al "$KVMOD_CACHE/src/linux" "$src"
mkdir -p "$src/kvmod"
kvmod_copy_tree "$src/kvmod"
for f in Kconfig Kbuild; do
	cp --remove-destination "$KVMOD_CACHE/src/linux/$f" "$src/$f"
done
echo 'source "kvmod/Kconfig"' >> "$src/Kconfig"
echo 'obj-y += kvmod/' >> "$src/Kbuild"

kmake() {
	make -C "$src" O="$obj" ARCH="$KARCH" CROSS_COMPILE="$CROSS" "$@"
}
cp "$kdir/.config" "$obj/.config"
"$src/scripts/config" --file "$obj/.config" --module KVMOD --module KVMOD_KUNIT_TEST
kmake olddefconfig > "$work/build.log" 2>&1
for opt in KVMOD KVMOD_KUNIT_TEST; do
	grep -qx "CONFIG_$opt=m" "$obj/.config" ||
		die "in-tree $1: CONFIG_$opt=m did not survive Kconfig ($(grep "${opt}[= ]" "$obj/.config" || echo unset))"
done
# The module links against the test host kernel's symbols: modpost reads
# them from vmlinux.o (copied: the build must not write into the cache).
cp "$kdir/Module.symvers" "$kdir/vmlinux.o" "$obj/"
if ! kmake -j"$KVMOD_JOBS" modules_prepare >> "$work/build.log" 2>&1 ||
   ! kmake -j"$KVMOD_JOBS" W=1 KCFLAGS=-Werror kvmod/kvmod.ko kvmod/kvmod_test.ko \
	>> "$work/build.log" 2>&1; then
	tail -n 30 "$work/build.log" >&2
	die "in-tree $1: build failed (log: $work/build.log)"
fi
cp "$obj/kvmod/kvmod.ko" "$obj/kvmod/kvmod_test.ko" "$out/"
rm -rf "$src"
log "in-tree build for $1: done"
