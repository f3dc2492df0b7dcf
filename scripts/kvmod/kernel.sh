#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds a Linux 6.12 test host kernel from the source that deps.sh unpacked.
#
# Usage: kernel.sh ARCH VARIANT [FLAVOUR]
#        (ARCH riscv|arm64, VARIANT kvmod|upstream, FLAVOUR debug|release)
#
# Config: tinyconfig + configs/common.config + configs/ARCH.config +
# configs/VARIANT.config (+ configs/release.config for the release flavour:
# the same kernel without the debug options, for benchmarks), then
# olddefconfig; the last setting of every option the fragments set must
# survive (Kconfig silently drops options whose dependencies are unmet,
# which would make tests skip for the wrong reason).
# Output: O=$KVMOD_CACHE/kernel/ARCH-VARIANT[-release]-HASH with arch/*/boot/Image, a
# tree prepared for out-of-tree modules (make -C O M=dir modules) and the
# uAPI headers in O/usr/include. The O path is the only line on stdout;
# progress goes to stderr. A stamp file marks a finished build for reuse.
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: kernel.sh riscv|arm64 kvmod|upstream [debug|release]"
ARCH_NAME=$1
VARIANT=$2
FLAVOUR=${3:-debug}
kvmod_arch_setup "$ARCH_NAME"
case "$VARIANT" in
kvmod|upstream) ;;
*) die "unknown kernel variant '$VARIANT' (kvmod or upstream)" ;;
esac
case "$FLAVOUR" in
debug|release) ;;
*) die "unknown kernel flavour '$FLAVOUR' (debug or release)" ;;
esac

SRC=$KVMOD_CACHE/src/linux
[ -f "$KVMOD_CACHE/src/.complete" ] || "$KVMOD_ROOT/scripts/kvmod/deps.sh" linux
CFG=$KVMOD_ROOT/scripts/kvmod/configs
FRAGS=("$CFG/common.config" "$CFG/$ARCH_NAME.config" "$CFG/$VARIANT.config")
NAME=$ARCH_NAME-$VARIANT
if [ "$FLAVOUR" = release ]; then
	FRAGS+=("$CFG/release.config")
	NAME=$NAME-release
fi
# The key holds the fragments' settings, not their comments, and the
# compiler version: a new cross gcc means a new kernel.
SETTINGS=$(grep -hE '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set)' "${FRAGS[@]}")
HASH=$(kvmod_hash "$SETTINGS" "$KVMOD_ROOT/scripts/kvmod/kernel.sh" \
	"$(cat "$KVMOD_CACHE/src/version")" "$("${CROSS}gcc" -dumpfullversion)")
OUT=$KVMOD_CACHE/kernel/$NAME-$HASH
STAMP=$OUT/.kvmod-complete

mkdir -p "$KVMOD_CACHE/kernel"
# Serialise builds of the same kernel (make kernel and make check may overlap).
exec 9>"$OUT.lock"
flock 9

if [ -f "$STAMP" ]; then
	echo "$OUT"
	exit 0
fi

kmake() {
	make -C "$SRC" O="$OUT" ARCH="$KARCH" CROSS_COMPILE="$CROSS" "$@"
}

# Checks that the last assignment of each option in the fragments (later
# fragments override earlier ones) is in the final .config.
verify_config() {
	local frag line sym want missing=()
	local -A last=()
	local -a order=()
	for frag in "${FRAGS[@]}"; do
		while IFS= read -r line; do
			if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] ||
			   [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
				sym=${BASH_REMATCH[1]}
				[ -n "${last[$sym]+set}" ] || order+=("$sym")
				last[$sym]=$line
			fi
		done < "$frag"
	done
	for sym in "${order[@]}"; do
		line=${last[$sym]}
		if [[ $line == CONFIG_* ]]; then
			grep -qxF "$line" "$OUT/.config" ||
				missing+=("$line (got: $(grep -E "^(# )?${sym}[= ]" "$OUT/.config" || echo unset))")
		else
			want=$(grep -E "^$sym=" "$OUT/.config" || true)
			[ -z "$want" ] || missing+=("$line (got: $want)")
		fi
	done
	if [ ${#missing[@]} -ne 0 ]; then
		printf '[kvmod] config option not as requested: %s\n' "${missing[@]}" >&2
		die "$NAME: ${#missing[@]} requested option(s) did not survive olddefconfig"
	fi
}

log "kernel $NAME: configuring in $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
LOGF=$OUT/build.log
start=$(date +%s)
kmake tinyconfig > "$LOGF" 2>&1 || { tail -n 30 "$LOGF" >&2; die "tinyconfig failed"; }
# Later assignments override earlier ones when Kconfig reads .config.
cat "${FRAGS[@]}" >> "$OUT/.config"
kmake olddefconfig >> "$LOGF" 2>&1 || { tail -n 30 "$LOGF" >&2; die "olddefconfig failed"; }
verify_config

log "kernel $NAME: building Image, modules, headers (-j$KVMOD_JOBS, log: $LOGF)"
# modules: also writes Module.symvers, which out-of-tree modpost wants.
kmake -j"$KVMOD_JOBS" Image modules modules_prepare headers >> "$LOGF" 2>&1 &
pid=$!
# A progress line a minute: the build takes several minutes on two cores.
ticks=0
while kill -0 "$pid" 2>/dev/null; do
	sleep 5
	ticks=$((ticks + 1))
	[ $((ticks % 12)) -eq 0 ] &&
		log "kernel $NAME: building, $(($(date +%s) - start))s, $(grep -c '^  CC' "$LOGF" || true) files compiled"
done
if ! wait "$pid"; then
	grep -E 'error|Error' "$LOGF" | tail -n 20 >&2 || true
	tail -n 20 "$LOGF" >&2
	die "kernel $NAME build failed (log: $LOGF)"
fi
[ -f "$OUT/arch/$KARCH/boot/Image" ] || die "no Image after the build"
[ -f "$OUT/usr/include/linux/kvm.h" ] || die "no uAPI headers after the build"
[ -f "$OUT/Module.symvers" ] || die "no Module.symvers after the build"
secs=$(($(date +%s) - start))
log "kernel $NAME: built in ${secs}s"
echo "build_seconds=$secs" > "$STAMP"

# Drop older builds of the same arch, variant and flavour: each is several
# hundred MB. A debug build's hash starts right after the variant's name.
for old in "$KVMOD_CACHE/kernel/$NAME-"[0-9a-f]*; do
	case "$old" in "$OUT"|*.lock) continue ;; esac
	log "removing stale kernel build $old"
	rm -rf "$old" "$old.lock"
done

echo "$OUT"
