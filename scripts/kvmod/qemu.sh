#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boots a test host VM under QEMU (TCG) and waits for it to power off.
#
# Usage: qemu.sh ARCH IMAGE INITRD RESULTS_DISK SERIAL_LOG TIMEOUT_S
#
# RESULTS_DISK is a raw file attached as virtio-blk over virtio-mmio (the
# guest's /dev/vda); the serial console goes to SERIAL_LOG. Exit status: 0 if
# the guest powered off by itself, 124 if the host-side timeout had to kill it
# (a hung guest is a failure, never a pass), else QEMU's own status.
# KVMOD_APPEND adds kernel command line words; KVMOD_QEMU_ARGS adds QEMU
# options (word-split); KVMOD_QEMU_MEM sets the RAM size (default 2G). KVMOD_SERIAL_STDIO=1 (make run) puts the serial
# console on our stdin/stdout as well as in SERIAL_LOG: it scrolls in the
# terminal and takes input (Ctrl-C ends QEMU).
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 6 ] || die "usage: qemu.sh ARCH IMAGE INITRD RESULTS_DISK SERIAL_LOG TIMEOUT_S"
kvmod_arch_setup "$1"
IMAGE=$2 INITRD=$3 DISK=$4 SERIAL=$5 TIMEOUT=$6
for f in "$IMAGE" "$INITRD" "$DISK"; do
	[ -f "$f" ] || die "qemu.sh: no such file: $f"
done

# QEMU >= 10: the system's own (Debian 13) or deps.sh's private prefix, run
# through the prefix's own loader so that no system library is mixed in.
QEMU=()
PREFIX=$KVMOD_CACHE/qemu
if [ -f "$PREFIX/.complete" ]; then
	QEMU=("$PREFIX/usr/lib64/ld-linux-x86-64.so.2"
	      --library-path "$PREFIX/usr/lib/x86_64-linux-gnu:$PREFIX/lib/x86_64-linux-gnu"
	      "$PREFIX/usr/bin/$QEMU_BIN" -L "$PREFIX/usr/share/qemu")
	export QEMU_MODULE_DIR=$PREFIX/usr/lib/x86_64-linux-gnu/qemu
elif command -v "$QEMU_BIN" >/dev/null; then
	QEMU=("$QEMU_BIN")
else
	die "no QEMU >= 10 found: run scripts/kvmod/deps.sh qemu"
fi

case "$1" in
riscv)
	# H extension and AIA with guest interrupt files (IMSIC) for kvmod;
	# Sscofpmf: without it the host has no PMU for guests (sbi_pmu_test skips);
	# V: guests get vector registers (the second check host has none).
	MACHINE=(-M "virt,aia=aplic-imsic,aia-guests=4"
		 -cpu "rv64,h=true,v=true,smstateen=true,ssaia=true,smaia=true,sscofpmf=true")
	APPEND="console=ttyS0 earlycon=sbi"
	;;
arm64)
	# EL2 with VHE, GICv3, SMMUv3; -nic none: no EFI ROM needed.
	MACHINE=(-M "virt,virtualization=on,gic-version=3,iommu=smmuv3" -cpu max -nic none)
	APPEND="console=ttyAMA0 earlycon"
	;;
esac
# panic=-1 with -no-reboot: a panicking guest ends QEMU at once instead of
# waiting for the host timeout.
APPEND="$APPEND panic=-1 rdinit=/init ${KVMOD_APPEND:-}"

# shellcheck disable=SC2206 # KVMOD_QEMU_ARGS is meant to be word-split.
EXTRA=(${KVMOD_QEMU_ARGS:-})
# TERM first (QEMU exits cleanly), KILL 10 s later if that did not work.
TIMEOUT_CMD=(timeout -k 10 "$TIMEOUT")
if [ "${KVMOD_SERIAL_STDIO:-0}" = 1 ]; then
	SERIAL_ARGS=(-chardev "stdio,id=con,logfile=$SERIAL,signal=on" -serial chardev:con)
	# QEMU reads the terminal: it must stay in the foreground group.
	TIMEOUT_CMD=(timeout --foreground -k 10 "$TIMEOUT")
	exec 9<&0
else
	SERIAL_ARGS=(-serial "file:$SERIAL")
	exec 9</dev/null
fi
rc=0
"${TIMEOUT_CMD[@]}" "${QEMU[@]}" "${MACHINE[@]}" -accel tcg -smp 2 -m "${KVMOD_QEMU_MEM:-2G}" \
	-nographic -monitor none "${SERIAL_ARGS[@]}" -no-reboot \
	-kernel "$IMAGE" -initrd "$INITRD" -append "$APPEND" \
	-drive "file=$DISK,format=raw,if=none,id=results,cache=writethrough" \
	-device virtio-blk-device,drive=results \
	"${EXTRA[@]}" <&9 || rc=$?
case $rc in
0) ;;
124|137) log "qemu $1: guest still running after ${TIMEOUT}s: killed"; rc=124 ;;
*) log "qemu $1: QEMU exited with status $rc" ;;
esac
exit $rc
