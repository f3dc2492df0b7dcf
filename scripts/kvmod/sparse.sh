#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sparse for kvmod's C=1 builds. Debian's sparse 0.6.4 rejects RISC-V -march
# strings with Z extensions (zicsr, zifencei, ...), which only tell the
# compiler which instructions to emit; drop those parts for sparse.
args=()
for a in "$@"; do
	case "$a" in
	-march=rv*) args+=("${a%%_*}") ;;
	*) args+=("$a") ;;
	esac
done
exec sparse "${args[@]}"
