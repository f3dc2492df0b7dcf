#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: exit round trips (tools/kvmod-bench) and a Linux guest's boot
# to power-off (under kvmod-vmm, and under Debian's QEMU on three machines;
# the same guest kernel and initramfs and the same VMM binaries on both) on
# kvmod and on upstream KVM built from the same kernel source, booted on the
# same QEMU in this run: KVMOD_BENCH_ROUNDS rounds (default 3), each
# booting upstream then kvmod, so that machine noise hits both alike. Prints
# each benchmark's median over the rounds on both, the ratio kvmod/upstream
# (below 1.0: kvmod is faster) and the spread of kvmod's rounds, and writes
# build/results/bench-ARCH.txt.
#
# KVMOD_BENCH_KERNEL=release runs both columns on the release flavour of the
# test host kernels (kernel.sh: the same configuration without lockdep,
# DEBUG_LIST and DEBUG_ATOMIC_SLEEP) instead of make check's debug ones;
# results then go to build/results/bench-ARCH-release.txt.
#
# Usage: bench.sh ARCH...   (riscv only so far)
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/kvmod/testhost.sh
. "$KVMOD_ROOT/scripts/kvmod/testhost.sh"

ITERS=${KVMOD_BENCH_ITERS:-20000}
FLAVOUR=${KVMOD_BENCH_KERNEL:-debug}
case "$FLAVOUR" in
debug) SUFFIX= ;;
release) SUFFIX=-release ;;
*) die "KVMOD_BENCH_KERNEL must be debug or release, not '$FLAVOUR'" ;;
esac
ROUNDS=${KVMOD_BENCH_ROUNDS:-3}
# riscv-qemu_test variants timed as boots (QEMU's PLIC, the same with the
# whole kernel log on its UART, the in-kernel AIA, the AIA with virtio
# disk and network).
QEMU_BOOTS=(plic plic_console aia aia_virtio)
RESULTS=$KVMOD_BUILD/results
mkdir -p "$RESULTS"
th_lock
"$TH_SCRIPTS/deps.sh" all

# Boots VARIANT's host and runs the benchmark; prints "NAME NS EXITS" lines.
bench_boot() {
	local arch=$1 variant=$2 kdir gkdir out=$KVMOD_BUILD/$1 staging work
	kdir=$("$TH_SCRIPTS/kernel.sh" "$arch" "$variant" "$FLAVOUR") ||
		die "$arch: $variant $FLAVOUR kernel build failed"
	# One guest kernel for both: kvmod's test host kernel.
	gkdir=$("$TH_SCRIPTS/kernel.sh" "$arch" kvmod "$FLAVOUR") ||
		die "$arch: kvmod $FLAVOUR kernel build failed"
	staging=$out/bench-staging
	work=$out/bench-$variant$SUFFIX
	rm -rf "$staging"
	mkdir -p "$staging/etc/kvmod" "$staging/lib/modules/kvmod" "$staging/tests" \
		"$staging/guest"
	"$TH_SCRIPTS/build-tests.sh" "$arch" "$kdir" "$out/bench-tests" >&2
	cp "$out/bench-tests/kvmod-bench" "$out/bench-tests/kvmod-vmm" \
		"$out/bench-tests/$arch-qemu_test" "$staging/tests/"
	th_stage_qemu "$arch" "$staging"
	{
		echo "# make bench ($variant, $FLAVOUR kernel)"
		if [ "$variant" = kvmod ]; then
			"$TH_SCRIPTS/build-module.sh" "$arch" "$kdir" "$out/bench-ko" >&2
			cp "$out/bench-ko/kvmod.ko" "$staging/lib/modules/kvmod/"
			echo "insmod kvmod-load /lib/modules/kvmod/kvmod.ko"
		fi
		echo "prog bench 600 /tests/kvmod-bench $ITERS"
		th_stage_guest "$arch" "$gkdir" "$staging" | sed 's/^prog guest-boot /prog linux-boot /'
		# The same guest under Debian's QEMU: one boot per machine.
		for v in "${QEMU_BOOTS[@]}"; do
			echo "prog qemu-$v-boot 600 /tests/$arch-qemu_test -v $v"
		done
	} > "$staging/etc/kvmod/plan"
	th_boot "$arch" "$kdir/arch/$KARCH/boot/Image" "$staging" "$work" >&2
	grep -q '^ok [0-9]* - bench' "$work/results.tap" ||
		die "$arch: benchmark failed on $variant (see $work/results.tap)"
	local re='^# bench \([a-z-]*\): .*, \([0-9.]*\) ns/iteration, \(-*[0-9]*\) exits$'

	sed -n "s|$re|\\1 \\2 \\3|p" "$work/results.tap" | grep -v '^warmup '
	# The boots, as the init harness timed them (0.1 s steps), in ns like the rest.
	local b v boots=(linux-boot)
	for v in "${QEMU_BOOTS[@]}"; do
		boots+=("qemu-$v-boot")
	done
	for b in "${boots[@]}"; do
		grep -q "^ok [0-9]* - $b" "$work/results.tap" ||
			die "$arch: $b: the guest did not boot on $variant (see $work/results.tap)"
		sed -n "s|^# $b: \([0-9.]*\) s$|\1|p" "$work/results.tap" |
			awk -v b="$b" '{ printf "%s %.0f -\n", b, $1 * 1e9 }'
	done
}

# a / b with two decimals, "?" without b.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'
}

# Median per benchmark of "NAME NS EXITS" lines: prints "NAME NS EXITS MIN MAX".
medians() {
	sort -k1,1 -k2,2n "$1" | awk '
	function flush() {
		if (n) printf "%s %s %s %s %s\n", name, v[int((n + 1) / 2)], e[int((n + 1) / 2)], v[1], v[n]
	}
	$1 != name { flush(); name = $1; n = 0 }
	{ n++; v[n] = $2; e[n] = $3 }
	END { flush() }'
}

for arch in "$@"; do
	[ "$arch" = riscv ] || { log "bench: no benchmark for $arch yet"; continue; }
	kvmod_arch_setup "$arch"
	raw=$KVMOD_BUILD/$arch/bench-raw$SUFFIX
	rm -rf "$raw"
	mkdir -p "$raw"
	for ((round = 1; round <= ROUNDS; round++)); do
		log "bench $arch: round $round of $ROUNDS"
		bench_boot "$arch" upstream >> "$raw/upstream"
		bench_boot "$arch" kvmod >> "$raw/kvmod"
	done
	declare -A up=() upx=()
	while read -r name ns ex _; do
		up[$name]=$ns
		upx[$name]=$ex
	done < <(medians "$raw/upstream")
	{
		# Exits: the vCPU's "exits" statistic over the whole run.
		echo "# $FLAVOUR kernels; medians of $ROUNDS rounds; kvmod range: its fastest and slowest round"
		printf '%-20s %12s %12s %7s %12s %12s %25s\n' benchmark "kvmod ns" \
			"upstream ns" ratio "kvmod exits" "upstr. exits" "kvmod range"
		while read -r name ns ex lo hi; do
			printf '%-20s %12s %12s %7s %12s %12s %25s\n' "$name" "$ns" \
				"${up[$name]:-?}" "$(ratio "$ns" "${up[$name]:-0}")" \
				"$ex" "${upx[$name]:-?}" "$lo-$hi"
		done < <(medians "$raw/kvmod")
	} | tee "$RESULTS/bench-$arch$SUFFIX.txt"
done
