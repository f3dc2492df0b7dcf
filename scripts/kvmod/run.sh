#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: boots ARCH's QEMU test host with kvmod loaded, shows what
# /dev/kvm offers, and on RISC-V boots a Linux guest on kvmod with
# kvmod-vmm (the host's own kernel Image, an initramfs whose /init reports,
# runs a workload on each vCPU, writes to its virtio disk and powers off).
# The host's serial console is this terminal: the boots scroll here, and
# kvmod-vmm's console takes what is typed. arm64 guests need the arm64
# vCPU core, still to come.
#
# Usage: run.sh [ARCH]    (default riscv)
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/kvmod/testhost.sh
. "$KVMOD_ROOT/scripts/kvmod/testhost.sh"

arch=${1:-riscv}
kvmod_arch_setup "$arch"
out=$KVMOD_BUILD/$arch
"$TH_SCRIPTS/deps.sh" all
kdir=$("$TH_SCRIPTS/kernel.sh" "$arch" kvmod)
"$TH_SCRIPTS/build-module.sh" "$arch" "$kdir" "$out/ko"
"$TH_SCRIPTS/build-tests.sh" "$arch" "$kdir" "$out/tests"

staging=$out/run-staging
rm -rf "$staging"
mkdir -p "$staging/etc/kvmod" "$staging/lib/modules/kvmod" "$staging/tests"
cp "$out/ko/kvmod.ko" "$staging/lib/modules/kvmod/"
cp "$out/tests/kvmod-vmm" "$staging/tests/"
guest_step=$(th_stage_guest "$arch" "$kdir" "$staging")
if [ -z "$guest_step" ]; then
	log "make run: $arch guests are not supported yet (they need the $arch vCPU core); booting the host with kvmod only"
else
	# On the console itself, with a disk the guest reports on and writes to.
	printf 'kvmod make run disk\n' > "$staging/guest/disk.img"
	truncate -s 1M "$staging/guest/disk.img"
	guest_step="console ${guest_step#prog } --disk /guest/disk.img"
fi
cat > "$staging/etc/kvmod/plan" <<PLAN
# make run: load kvmod, use /dev/kvm like a VMM, boot a guest, unload
insmod kvmod-load /lib/modules/kvmod/kvmod.ko
check-dev kvm-dev /dev/kvm
prog kvmod-vmm-info 120 /tests/kvmod-vmm info
$guest_step
rmmod kvmod-unload kvmod
klog-clean klog-clean
PLAN

log "booting the $arch host (QEMU, TCG) with kvmod; its console follows"
KVMOD_SERIAL_STDIO=1 th_boot "$arch" "$kdir/arch/$KARCH/boot/Image" "$staging" "$out/run"
echo "---- $arch host: kernel messages from kvmod ----"
grep -a 'kvmod:' "$out/run/serial.log" | sed 's/^\[[^]]*\] //' || true
echo "---- $arch host: kvmod-vmm info ----"
sed -n 's/^# //p' "$out/run/results.tap" | grep -v '^kvmod-vmm-info:' || true
echo "---- $arch host: steps ----"
grep -E '^(not )?ok' "$out/run/results.tap"
read -r _ failed _ < <(th_count "$out/run/results.tap")
[ "$failed" -eq 0 ] || exit 1
if [ -z "$guest_step" ]; then
	echo "make run: no $arch guest was booted: $arch guests are not supported yet (they need the $arch vCPU core)" >&2
	exit 1
fi
