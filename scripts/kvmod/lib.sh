#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Common helpers for kvmod's build and test pipeline; sourced, never run.

set -eo pipefail

# `make compat KVM=upstream ARCH=...` exports its command-line variables;
# the kernel's own makefiles would take them (KVM is the path of virt/kvm
# in arch/*/kvm/Makefile). Every make we run gets its settings explicitly.
unset KVM MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL

KVMOD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KVMOD_CACHE=${KVMOD_CACHE:-$HOME/.cache/kvmod}
KVMOD_BUILD=${KVMOD_BUILD:-$KVMOD_ROOT/build}
KVMOD_LINUX_PKG=linux-source-6.12
# Parallel jobs: the machine has two cores; one more job hides I/O waits.
KVMOD_JOBS=${KVMOD_JOBS:-$(($(nproc) + 1))}
mkdir -p "$KVMOD_CACHE" "$KVMOD_BUILD"

log() { printf '[kvmod %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[kvmod] error: %s\n' "$*" >&2; exit 1; }

# Hash of files and strings: the cache key of a build output. Files count by
# content only, not by path, so that a checkout in another folder (CI's fresh
# clone) finds the same cached builds.
kvmod_hash() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then sha256sum < "$f"; else printf '%s\n' "$f"; fi
	done | sha256sum | cut -c1-16
}

# Copies the repository's files (no build outputs, no .git) under DEST.
kvmod_copy_tree() {
	(cd "$KVMOD_ROOT" && find . -path ./build -prune -o -path ./.git -prune -o -type f -print0 |
		xargs -0 cp --parents -t "$1")
}

# Map our ARCH names to the kernel's and the cross compiler's.
kvmod_arch_setup() {
	case "$1" in
	riscv)	KARCH=riscv; CROSS=riscv64-linux-gnu-; QEMU_BIN=qemu-system-riscv64 ;;
	arm64)	KARCH=arm64; CROSS=aarch64-linux-gnu-; QEMU_BIN=qemu-system-aarch64 ;;
	*)	die "unknown ARCH '$1' (riscv or arm64)" ;;
	esac
	export KARCH CROSS QEMU_BIN
}

# Debian mirror as configured on this machine (never hard-coded in the tree).
kvmod_mirror() {
	local uri
	uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	      awk '{print $2}' | grep -v security | grep '/debian/*$' | head -n1)
	[ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list 2>/dev/null | awk '{
		for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' |
		grep '/debian/*$' | head -n1)
	[ -n "$uri" ] || die "no Debian mirror found in /etc/apt"
	echo "${uri%/}"
}

# Private apt configuration reaching Debian 13 (trixie) without touching the
# system's sources. Extra arguments are passed to apt-get. With
# KVMOD_APT_ARCH set (riscv64, arm64), it sees that architecture's packages
# only, in a state folder of its own (an update for one architecture drops
# the other's index).
kvmod_trixie_dir() {
	echo "$KVMOD_CACHE/apt-trixie${KVMOD_APT_ARCH:+-$KVMOD_APT_ARCH}"
}

kvmod_trixie_apt() {
	local d
	d=$(kvmod_trixie_dir)
	if [ ! -f "$d/.updated" ]; then
		mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(kvmod_mirror) trixie main" \
			> "$d/etc/sources.list"
		: > "$d/status"
	fi
	apt-get -q -o APT::Sandbox::User=root -o Dir::Etc::sourcelist="$d/etc/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::State::lists="$d/lists" \
		-o Dir::Cache="$d/cache" -o Dir::State::status="$d/status" \
		${KVMOD_APT_ARCH:+-o APT::Architecture=$KVMOD_APT_ARCH} \
		${KVMOD_APT_ARCH:+-o APT::Architectures=$KVMOD_APT_ARCH} \
		-o Debug::NoLocking=1 "$@"
}

# Downloads Debian 13's PKG... with what they depend on (not recommends)
# and unpacks every package into DEST, which must exist; DEST/.packages
# lists them as "NAME VERSION" lines. Honours KVMOD_APT_ARCH.
kvmod_trixie_unpack() {
	local dest=$1 debs deb
	shift
	kvmod_trixie_update
	debs=$(kvmod_trixie_dir)/debs
	rm -rf "$debs"
	mkdir -p "$debs/partial"
	kvmod_trixie_apt -y -o Dir::Cache::archives="$debs" --download-only \
		--no-install-recommends install "$@" >/dev/null
	: > "$dest/.packages"
	for deb in "$debs"/*.deb; do
		dpkg -x "$deb" "$dest"
		dpkg-deb -f "$deb" Package Version | awk '{ printf "%s ", $2 } END { print "" }' \
			>> "$dest/.packages"
	done
	rm -rf "$debs"
}

kvmod_trixie_update() {
	local d i
	d=$(kvmod_trixie_dir)
	[ -f "$d/.updated" ] && [ -z "$(find "$d/.updated" -mmin +1440)" ] && return 0
	for i in 1 2 3 4 5; do
		if kvmod_trixie_apt update >/dev/null; then
			touch "$d/.updated"
			return 0
		fi
		log "trixie ${KVMOD_APT_ARCH:-host} index update failed (try $i), retrying"
		sleep $((i * 10))
	done
	die "cannot update the trixie ${KVMOD_APT_ARCH:-host} package index"
}
