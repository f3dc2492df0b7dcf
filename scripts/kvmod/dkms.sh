#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds and installs kvmod with DKMS (Debian's dkms, the top-level
# dkms.conf) against the test host kernel build KDIR, in a scratch DKMS tree
# (source, build and install trees of our own: the system's are left
# alone), cross-compiling for ARCH. OUTDIR gets the installed kvmod.ko.
#
# Usage: dkms.sh ARCH KDIR OUTDIR
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: dkms.sh ARCH KDIR OUTDIR"
kvmod_arch_setup "$1"
kdir=$2
out=$(mkdir -p "$3" && cd "$3" && pwd)
work=$KVMOD_BUILD/$1/dkms
command -v dkms >/dev/null || die "dkms not installed (scripts/kvmod/deps.sh host)"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$KVMOD_ROOT/dkms.conf")
kver=$(cat "$kdir/include/config/kernel.release")
case "$1" in
riscv) darch=riscv64 ;;
arm64) darch=aarch64 ;;
esac
rm -rf "$work"
mkdir -p "$work/src/kvmod-$version" "$work/tree" "$work/lib/$kver"
kvmod_copy_tree "$work/src/kvmod-$version"

# The kernel's make takes ARCH and CROSS_COMPILE from the environment.
export ARCH=$KARCH CROSS_COMPILE=$CROSS
trees=(--dkmstree "$work/tree" --sourcetree "$work/src" --installtree "$work/lib")
target=(-m kvmod -v "$version" -k "$kver" -a "$darch" --kernelsourcedir "$kdir")
log "dkms $1: add, build, install kvmod $version for $kver ($work)"
# run STEP ARGS...: one dkms action, its output kept in STEP.log.
run() {
	local step=$1
	shift
	if ! dkms "$@" > "$work/$step.log" 2>&1; then
		cat "$work/$step.log" >&2
		find "$work/tree" -name make.log -exec tail -n 30 {} + >&2 || true
		die "dkms $ARCH_NAME: $step failed (logs: $work)"
	fi
}
ARCH_NAME=$1
run add add "${trees[@]}" -m kvmod -v "$version"
run build build "${trees[@]}" "${target[@]}"
run install install "${trees[@]}" "${target[@]}" --no-depmod
ko=$work/lib/$kver/updates/dkms/kvmod.ko
[ -f "$ko" ] || ko=$(find "$work/lib/$kver" -name 'kvmod.ko*' | head -n1)
[ -f "$ko" ] || die "dkms $1: no kvmod.ko installed under $work/lib/$kver"
cp "$ko" "$out/kvmod.ko"
log "dkms $1: installed $ko"
