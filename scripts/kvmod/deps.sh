#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs everything the build and tests need, from Debian packages only:
# host tools from the running system's suite; QEMU >= 10 and linux-source-6.12
# from Debian 13. On Debian 12, QEMU goes into a private prefix under
# $KVMOD_CACHE so that no system library changes. Idempotent and quiet when done.
#
# Usage: deps.sh [host|qemu|linux|all]   (default all)
#        deps.sh guest-qemu ARCH       (prints the folder)
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
	rm -rf "$p"
	mkdir -p "$p"
	kvmod_trixie_unpack "$p" qemu-system-riscv qemu-system-arm opensbi qemu-system-data
	touch "$p/.complete"
}

# Debian 13's own QEMU for ARCH (the one a user of that architecture runs),
# to run inside ARCH's test host on kvmod: the system emulator, the dynamic
# loader and libraries it loads (from its ELF dependencies, transitively)
# and its firmware, laid out as a root file system piece (usr/bin,
# lib/<triplet>, usr/share/qemu) to copy into the test host. Prints the
# folder; VERSION in it names the package version.
guest_qemu_deps() {
	local arch=$1 debarch pkg bin triplet p root lib dir n
	case "$arch" in
	riscv)	debarch=riscv64 pkg=qemu-system-riscv bin=qemu-system-riscv64
		triplet=riscv64-linux-gnu ;;
	arm64)	debarch=arm64 pkg=qemu-system-arm bin=qemu-system-aarch64
		triplet=aarch64-linux-gnu ;;
	*)	die "guest-qemu: unknown ARCH '$arch'" ;;
	esac
	p=$KVMOD_CACHE/guest-qemu/$debarch
	if [ -f "$p/.complete" ]; then
		echo "$p"
		return 0
	fi
	log "fetching Debian 13's $pkg for $debarch into $p"
	root=$p.unpacked
	rm -rf "$p" "$root"
	mkdir -p "$root" "$p/usr/bin" "$p/lib/$triplet" "$p/usr/share/qemu"
	KVMOD_APT_ARCH=$debarch kvmod_trixie_unpack "$root" "$pkg"
	awk -v p="$pkg" '$1 == p { print $2 }' "$root/.packages" > "$p/VERSION"
	cp "$root/usr/bin/$bin" "$p/usr/bin/"
	# The loader at the path the binary names, then its libraries.
	n=$(readelf -l "$root/usr/bin/$bin" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	cp -L "$root/usr/lib/$triplet/$(basename "$n")" "$p/lib/"
	local -a todo=("$root/usr/bin/$bin")
	while [ ${#todo[@]} -gt 0 ]; do
		for lib in $(readelf -d "${todo[0]}" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$p/lib/$triplet/$lib" ] && continue
			for dir in "$root/usr/lib/$triplet" "$root/lib/$triplet"; do
				if [ -e "$dir/$lib" ]; then
					cp -L "$dir/$lib" "$p/lib/$triplet/"
					todo+=("$p/lib/$triplet/$lib")
					break
				fi
			done
			[ -e "$p/lib/$triplet/$lib" ] || die "guest-qemu: $lib not in the packages"
		done
		todo=("${todo[@]:1}")
	done
	# Firmware the machine loads by default without KVM (OpenSBI on riscv).
	n=$root/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin
	if [ -e "$n" ]; then
		cp -L "$n" "$p/usr/share/qemu/"
	fi
	rm -rf "$root"
	touch "$p/.complete"
	log "guest-qemu $debarch: $(cat "$p/VERSION"), $(du -sh "$p" | cut -f1)"
	echo "$p"
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
guest-qemu) guest_qemu_deps "$2" ;;
*)	die "usage: deps.sh [host|qemu|linux|all] | deps.sh guest-qemu ARCH" ;;
esac
