#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make dkms-check: kvmod packaged the DKMS way (dkms.conf), built and
# installed by Debian's dkms against each test host kernel in a scratch
# DKMS tree (dkms.sh), then loaded in the test host, where dev_test runs on
# it. make check does the same inside its main boot.
#
# Usage: dkms-check.sh ARCH...
# shellcheck source=scripts/kvmod/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/kvmod/testhost.sh
. "$KVMOD_ROOT/scripts/kvmod/testhost.sh"

[ $# -ge 1 ] || die "usage: dkms-check.sh ARCH..."
th_lock
"$TH_SCRIPTS/deps.sh" all
export KVMOD_APPEND="slub_debug=FZP${KVMOD_APPEND:+ $KVMOD_APPEND}"
P=0 F=0 S=0
for arch in "$@"; do
	kvmod_arch_setup "$arch"
	work=$KVMOD_BUILD/$arch/dkms-check
	staging=$work/staging
	rm -rf "$staging"
	mkdir -p "$staging/etc/kvmod" "$staging/lib/modules/kvmod" "$staging/tests"
	tap=$work/results.tap
	if ! kdir=$("$TH_SCRIPTS/kernel.sh" "$arch" kvmod) ||
	   ! "$TH_SCRIPTS/dkms.sh" "$arch" "$kdir" "$work/ko" >&2 ||
	   ! "$TH_SCRIPTS/build-tests.sh" "$arch" "$kdir" "$work/tests" >&2; then
		printf 'TAP version 13\nnot ok - %s: kernel, DKMS or test build failed\n' "$arch" > "$tap"
	else
		cp "$work/ko/kvmod.ko" "$staging/lib/modules/kvmod/"
		cp "$work/tests/dev_test" "$staging/tests/"
		{
			echo "insmod dkms-load /lib/modules/kvmod/kvmod.ko"
			echo "check-dev dkms-dev /dev/kvm"
			echo "run dkms-dev_test 600 /tests/dev_test"
			echo "rmmod dkms-unload kvmod"
			echo "klog-clean klog-clean"
		} > "$staging/etc/kvmod/plan"
		th_boot "$arch" "$kdir/arch/$KARCH/boot/Image" "$staging" "$work"
	fi
	echo "# ---- $arch ----"
	cat "$tap"
	read -r p f s < <(th_count "$tap")
	P=$((P + p)) F=$((F + f)) S=$((S + s))
done
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
