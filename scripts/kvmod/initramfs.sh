#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packs a test host initramfs: an uncompressed newc cpio that the kernel
# takes as initrd. The caller fills STAGING with /etc/kvmod/plan,
# /lib/modules/kvmod/*.ko and /tests/...; this script adds /init, built static
# from tools/testing/kvmod/init.c for ARCH (the initramfs has no libc).
# No device nodes: init mounts devtmpfs first.
#
# Usage: initramfs.sh ARCH STAGING OUT.cpio
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: initramfs.sh ARCH STAGING OUT.cpio"
kvmod_arch_setup "$1"
STAGING=$2
OUT=$3
[ -d "$STAGING" ] || die "no staging directory $STAGING"
[ -f "$STAGING/etc/kvmod/plan" ] || die "no plan file $STAGING/etc/kvmod/plan"

"${CROSS}gcc" -static -O2 -Wall -Wextra -Werror -o "$STAGING/init" \
	"$KVMOD_ROOT/tools/testing/kvmod/init.c"
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
# Sorted names, owner root, fixed mtimes: the same inputs give the same cpio.
(cd "$STAGING" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc --owner=0:0 --reproducible) > "$OUT"
log "initramfs $1: $(du -h "$OUT" | cut -f1) from $STAGING"
