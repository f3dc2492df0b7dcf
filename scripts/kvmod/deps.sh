#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs everything the build and tests need, from Debian packages only:
# host tools from the running system's suite; QEMU >= 10 and linux-source-6.12
# from Debian 13. On Debian 12, QEMU goes into a private prefix under
# $KVMOD_CACHE so that no system library changes. Idempotent and quiet when done.
#
# Usage: deps.sh [host|qemu|linux|all]   (default all)
. "$(dirname "$0")/lib.sh"

HOST_PKGS="make gcc libc6-dev bc bison flex libssl-dev libelf-dev cpio xz-utils
	gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	python3 perl kmod file dkms"

host_deps() {
	local missing
	missing=$(dpkg-query -W -f='${Package} ${Status}\n' $HOST_PKGS 2>/dev/null |
		  awk '$NF != "installed" {print $1}' || true)
	# dpkg-query prints nothing for unknown packages: compare counts too.
	local known
	known=$(dpkg-query -W -f='${Package}\n' $HOST_PKGS 2>/dev/null | wc -l || true)
	[ -z "$missing" ] && [ "$known" -eq "$(echo $HOST_PKGS | wc -w)" ] && return 0
	log "installing host packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update >/dev/null
	apt-get -q -y install --no-install-recommends $HOST_PKGS >/dev/null
}

# Prints the QEMU prefix ("" for the system's own QEMU).
qemu_deps() {
	local ver
	if command -v qemu-system-riscv64 >/dev/null && command -v qemu-system-aarch64 >/dev/null; then
		ver=$(qemu-system-riscv64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
		[ "${ver:-0}" -ge 10 ] && return 0
	fi
	if grep -qs '^VERSION_ID="1[3-9]"' /etc/os-release; then
		log "installing QEMU from the system's suite"
		DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends \
			qemu-system-riscv qemu-system-arm opensbi qemu-system-data >/dev/null
		return 0
	fi
	local p=$KVMOD_CACHE/qemu
	[ -x "$p/usr/bin/qemu-system-riscv64" ] && [ -f "$p/.complete" ] && return 0
	log "fetching QEMU 10 from Debian 13 into $p"
	kvmod_trixie_update
	local arch=$KVMOD_CACHE/apt-trixie/qemu-debs
	rm -rf "$p" "$arch"
	mkdir -p "$arch/partial" "$p"
	kvmod_trixie_apt -y -o Dir::Cache::archives="$arch" --download-only \
		--no-install-recommends install qemu-system-riscv qemu-system-arm \
		opensbi qemu-system-data >/dev/null
	local deb
	for deb in "$arch"/*.deb; do
		dpkg -x "$deb" "$p"
	done
	rm -rf "$arch"
	touch "$p/.complete"
}

linux_deps() {
	local s=$KVMOD_CACHE/src
	if [ -f "$s/.complete" ]; then
		return 0
	fi
	log "fetching $KVMOD_LINUX_PKG from Debian 13"
	kvmod_trixie_update
	rm -rf "$s"
	mkdir -p "$s/deb"
	(cd "$s/deb" && kvmod_trixie_apt download "$KVMOD_LINUX_PKG" >/dev/null)
	dpkg-deb -f "$s"/deb/*.deb Version > "$s/version"
	dpkg -x "$s"/deb/*.deb "$s/pkg"
	log "unpacking linux source $(cat "$s/version")"
	tar -C "$s" -xf "$s"/pkg/usr/src/linux-source-6.12.tar.xz
	mv "$s"/linux-source-6.12 "$s/linux"
	rm -rf "$s/deb" "$s/pkg"
	touch "$s/.complete"
}

case "${1:-all}" in
host)	host_deps ;;
qemu)	qemu_deps ;;
linux)	linux_deps ;;
all)	host_deps; qemu_deps; linux_deps ;;
*)	die "usage: deps.sh [host|qemu|linux|all]" ;;
esac
