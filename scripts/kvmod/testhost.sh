#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Test host helpers shared by check.sh and compat.sh; sourced after lib.sh.
#
# A test host run: a staging dir (plan, modules, test programs) becomes an
# initramfs, QEMU boots the kernel with it and a blank results disk, the
# guest's /init (tools/testing/kvmod/init.c) runs the plan and writes one TAP
# stream to the disk, and th_boot turns the disk back into a TAP file, adding
# a failing test line for anything that went wrong on the way (no results,
# unfinished results, guest killed by the host timeout).

TH_SCRIPTS=$KVMOD_ROOT/scripts/kvmod
TH_ARGS_FILE=$KVMOD_ROOT/tools/testing/selftests/kvmod/upstream-args.txt
# shellcheck disable=SC2034 # for the scripts that source this
TH_RATCHET=${KVMOD_RATCHET:-$KVMOD_ROOT/tools/testing/selftests/kvmod/upstream-pass.txt}
# Guest seconds allowed for boot, module loads and power-off, on top of the
# sum of the plan's program timeouts.
TH_BOOT_SLACK=${KVMOD_BOOT_SLACK:-240}
# Default per-program timeout (seconds) inside the guest.
TH_PROG_TIMEOUT=300
declare -A TH_ARGS_OVERRIDE=()

# One check/compat run at a time per build tree: two runs would share
# staging dirs and results disks (QEMU refuses a disk image another QEMU
# holds), and one run's builds would load the other's guests.
th_lock() {
	exec 8>"$KVMOD_BUILD/.testhost.lock"
	if ! flock -n 8; then
		log "another check or compat run is active in $KVMOD_BUILD: waiting for it"
		flock 8
	fi
}

# Upstream KVM selftest programs of the linux source for ARCH, as built paths
# relative to the output dir (e.g. aarch64/vgic_init, arch_timer).
th_upstream_list() {
	local dir=riscv
	[ "$1" = arm64 ] && dir=aarch64
	awk -v v="TEST_GEN_PROGS_$dir" '$1 == v && $2 == "+=" { print $3 }' \
		"$KVMOD_CACHE/src/linux/tools/testing/selftests/kvm/Makefile"
}

# Prints "TIMEOUT ARGS..." for an upstream program from the argument table
# (the same for both kernel variants, so the scoreboards compare).
th_upstream_args() {
	local line
	# check.sh's ratchet may give shorter runs for long programs.
	if [ -n "${TH_ARGS_OVERRIDE[$1]:-}" ]; then
		echo "${TH_ARGS_OVERRIDE[$1]}"
		return
	fi
	line=$(awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' \
		"$TH_ARGS_FILE")
	echo "${line:-$TH_PROG_TIMEOUT}"
}

# Builds the upstream KVM selftests for ARCH against the uAPI headers of the
# kernel build KDIR; prints the output dir. Cached by source version, this
# file and the cross compiler (the uAPI headers do not depend on the variant).
th_upstream_build() {
	local arch=$1 kdir=$2 hash out work log
	kvmod_arch_setup "$arch"
	hash=$(kvmod_hash "$(cat "$KVMOD_CACHE/src/version")" "${BASH_SOURCE[0]}" \
		"$("${CROSS}gcc" -dumpfullversion)" "$arch")
	out=$KVMOD_CACHE/selftests/$arch-$hash
	if [ -f "$out/.kvmod-complete" ]; then
		echo "$out"
		return 0
	fi
	log "upstream selftests $arch: building into $out"
	rm -rf "$out"
	mkdir -p "$out/tools"	# arm64's Makefile wants <OUTPUT>/tools
	# The selftests Makefile writes into its own folder: build from a copy.
	work=$out/src
	mkdir -p "$work"
	cp -a "$KVMOD_CACHE/src/linux/tools" "$KVMOD_CACHE/src/linux/scripts" "$work/"
	# arm64's selftests generate sysreg definitions with the kernel's own tool.
	mkdir -p "$work/arch/arm64"
	cp -a "$KVMOD_CACHE/src/linux/arch/arm64/tools" "$work/arch/arm64/"
	log=$out/build.log
	# LDFLAGS on the command line replaces the Makefile's -pthread -no-pie.
	if ! make -C "$work/tools/testing/selftests/kvm" ARCH="$KARCH" \
		CROSS_COMPILE="$CROSS" OUTPUT="$out" abs_objdir="$out" \
		LINUX_HDR_PATH="$kdir/usr/include/" \
		LDFLAGS="-static -pthread -no-pie" -j"$KVMOD_JOBS" > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "upstream selftests $arch: build failed (log: $log)"
	fi
	rm -rf "$work"
	local p missing=0
	while read -r p; do
		[ -x "$out/$p" ] || { log "upstream selftests $arch: $p not built"; missing=1; }
	done < <(th_upstream_list "$arch")
	[ $missing -eq 0 ] || die "upstream selftests $arch: programs missing (log: $log)"
	touch "$out/.kvmod-complete"
	echo "$out"
}

# Plan lines running upstream programs NAME... (staged under /tests/upstream).
th_upstream_plan() {
	local name spec timeout
	for name in "$@"; do
		spec=$(th_upstream_args "$name")
		timeout=${spec%% *}
		[ "$timeout" = "$spec" ] && spec="" || spec=${spec#* }
		echo "prog upstream:$name $timeout /tests/upstream/$name${spec:+ $spec}"
	done
}

# Copies upstream programs NAME... from BUILT into STAGING/tests/upstream.
th_upstream_stage() {
	local built=$1 staging=$2 name
	shift 2
	for name in "$@"; do
		mkdir -p "$(dirname "$staging/tests/upstream/$name")"
		cp "$built/$name" "$staging/tests/upstream/$name"
	done
}

# Sum of the timeouts in a plan file plus boot slack: the host-side limit.
th_plan_timeout() {
	awk -v slack="$TH_BOOT_SLACK" '$1 == "run" || $1 == "prog" { t += $3 }
		END { print t + slack }' "$1"
}

# Boots ARCH's kernel IMAGE with the staging dir and writes WORK/results.tap.
# Always returns 0: every problem becomes a failing test line in the TAP.
th_boot() {
	local arch=$1 image=$2 staging=$3 work=$4 timeout rc=0 t0 planned got
	mkdir -p "$work"
	rm -f "$work/results.tap" "$work/disk.img" "$work/serial.log"
	if ! "$TH_SCRIPTS/initramfs.sh" "$arch" "$staging" "$work/initramfs.cpio"; then
		echo "not ok - $arch: initramfs build failed" > "$work/results.tap"
		return 0
	fi
	# Sparse and zero-filled: the guest's text ends at the first NUL.
	truncate -s 64M "$work/disk.img"
	timeout=$(th_plan_timeout "$staging/etc/kvmod/plan")
	log "boot $arch: plan of $(grep -cv '^#' "$staging/etc/kvmod/plan") steps, host timeout ${timeout}s, serial log $work/serial.log"
	t0=$(date +%s)
	"$TH_SCRIPTS/qemu.sh" "$arch" "$image" "$work/initramfs.cpio" "$work/disk.img" \
		"$work/serial.log" "$timeout" || rc=$?
	log "boot $arch: guest ran $(($(date +%s) - t0))s (qemu status $rc)"
	tr -d '\000' < "$work/disk.img" > "$work/disk.txt"
	rm -f "$work/disk.img"
	if [ "$(head -n1 "$work/disk.txt")" != "KVMOD-RESULTS-BEGIN" ]; then
		{
			echo "TAP version 13"
			echo "not ok - $arch: no results on the results disk (see $work/serial.log)"
		} > "$work/results.tap"
	else
		sed -e '1d' -e '/^KVMOD-RESULTS-END$/,$d' "$work/disk.txt" > "$work/results.tap"
		if ! grep -qx 'KVMOD-RESULTS-END' "$work/disk.txt"; then
			planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$work/results.tap" | head -n1)
			got=$(grep -cE '^(not )?ok( |$)' "$work/results.tap" || true)
			echo "not ok - $arch: results incomplete ($got of ${planned:-?} steps reported; see $work/serial.log)" \
				>> "$work/results.tap"
		fi
	fi
	case $rc in
	0) ;;
	124) echo "not ok - $arch: guest killed by the host timeout after ${timeout}s" >> "$work/results.tap" ;;
	*) echo "not ok - $arch: QEMU exited with status $rc" >> "$work/results.tap" ;;
	esac
	return 0
}

# Counts the leaf test cases of a TAP file: prints "PASSED FAILED SKIPPED".
# A test line is a parent when the test line just before it is indented
# deeper (subtest results precede their parent's line); parents are not
# counted, except a failing parent none of whose descendants failed (a
# timeout or crash after all cases passed), which counts as one failure.
th_count() {
	awk '
	function fail_up(ind,   k) { for (k = 0; k < ind; k++) below[k]++ }
	/^ *(not )?ok( |$)/ {
		match($0, /^ */); ind = RLENGTH
		line = substr($0, ind + 1)
		bad = line ~ /^not ok/
		skip = line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/ || (bad && line ~ /#[ \t]*[Tt][Oo][Dd][Oo]/)
		parent = have_prev && prev > ind
		if (parent) {
			if (bad && !below[ind]) { f++; fail_up(ind) }
		} else if (skip) {
			s++
		} else if (bad) {
			f++; fail_up(ind)
		} else {
			p++
		}
		for (k in below) if (k + 0 >= ind) delete below[k]
		prev = ind; have_prev = 1
	}
	END { printf "%d %d %d\n", p, f, s }' "$1"
}

# Skips are failures unless the check host lacks what the case needs:
# rewrites TAP so that every skip not named in ALLOW (the host's list, see
# tools/testing/selftests/kvmod/skips/) becomes a failure, and so does the
# step holding it. ALLOW lines: "STEP CASE  reason", CASE a glob ('*' only)
# over the kselftest case name, or "-" for the step's own skip.
th_skip_policy() {
	local tap=$1 allow=$2 tmp
	tmp=$(mktemp)
	awk -v allowfile="$allow" '
	function glob(p) { gsub(/[.+?^$(){}|\\]/, "\\\\&", p); gsub(/\*/, ".*", p); return "^" p "$" }
	function allowed(step, c,   i) {
		for (i = 1; i <= n; i++)
			if (step == astep[i] && c ~ acase[i]) return 1
		return 0
	}
	function is_skip(l) { return l ~ /^ *ok .*#[ \t]*[Ss][Kk][Ii][Pp]/ }
	function deny(l,   ind) {
		match(l, /^ */); ind = substr(l, 1, RLENGTH)
		l = substr(l, RLENGTH + 1)
		sub(/#[ \t]*[Ss][Kk][Ii][Pp]/, "# FAIL: skipped where this host allows no skip:", l)
		return ind "not " l
	}
	BEGIN {
		while ((getline line < allowfile) > 0) {
			sub(/#.*/, "", line)
			if (split(line, w) >= 2) {
				n++; astep[n] = w[1]; acase[n] = w[2] == "-" ? "^-$" : glob(w[2])
			}
		}
	}
	/^(not )?ok [0-9]+ - / {
		step = $0; sub(/^(not )?ok [0-9]+ - /, "", step); sub(/ .*/, "", step)
		bad = 0
		for (i = 1; i <= nb; i++) {
			l = buf[i]
			if (l ~ /^ +ok / && is_skip(l)) {
				c = l; sub(/^ *ok [0-9]+ /, "", c); sub(/ *#.*/, "", c)
				if (!allowed(step, c)) { l = deny(l); bad = 1 }
			}
			print l
		}
		nb = 0
		l = $0
		if (is_skip(l) && !allowed(step, "-"))
			l = deny(l)
		else if (bad && l ~ /^ok /)
			l = "not " l " # FAIL: a case skipped where this host allows no skip"
		print l
		next
	}
	{ buf[++nb] = $0 }
	END { for (i = 1; i <= nb; i++) print buf[i] }
	' "$tap" > "$tmp"
	mv "$tmp" "$tap"
}

# Top-level results of a TAP file as "PASS|FAIL|SKIP NAME" lines, for the
# steps whose name starts with PREFIX (the prefix is removed).
th_toplevel() {
	awk -v pre="$2" '
	/^(not )?ok [0-9]+ - / {
		bad = $1 == "not"
		name = $0; sub(/^(not )?ok [0-9]+ - /, "", name)
		st = bad ? "FAIL" : "PASS"
		if (!bad && name ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) st = "SKIP"
		sub(/ .*/, "", name)
		if (index(name, pre) == 1) print st, substr(name, length(pre) + 1)
	}' "$1"
}

# Stages a Linux guest for kvmod-vmm under STAGING/guest: the host's own
# kernel Image and an initramfs holding tools/testing/kvmod/guest-init.c as
# /init (it reports and powers off). Prints the plan line that boots it.
# RISC-V only so far (arm64 needs its vCPU core); prints nothing elsewhere.
th_stage_guest() {
	local arch=$1 kdir=$2 staging=$3 root
	[ "$arch" = riscv ] || return 0
	root=$staging/guest/.root
	mkdir -p "$root"
	"${CROSS}gcc" -static -O2 -Wall -Wextra -Werror -o "$root/init" \
		"$KVMOD_ROOT/tools/testing/kvmod/guest-init.c"
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible) > "$staging/guest/initramfs.cpio"
	rm -rf "$root"
	cp "$kdir/arch/$KARCH/boot/Image" "$staging/guest/Image"
	echo "prog guest-boot 400 /tests/kvmod-vmm run --kernel /guest/Image" \
		"--initrd /guest/initramfs.cpio --cpus 2 --mem 256 --timeout 300"
}

# Stages Debian 13's own QEMU for ARCH into STAGING's root (usr/bin, lib,
# usr/share/qemu; see deps.sh guest-qemu), for <arch>-qemu_test to run on
# kvmod. RISC-V only so far (arm64 needs its vCPU core).
th_stage_qemu() {
	local arch=$1 staging=$2 dir
	[ "$arch" = riscv ] || return 0
	dir=$("$TH_SCRIPTS/deps.sh" guest-qemu "$arch")
	(cd "$dir" && find usr lib -type f -print0 | xargs -0 cp --parents -t "$staging")
}
