/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmod: arm64 state embedded in the core's VM and vCPU structures. */
#ifndef __ASM_ARM64_KVMOD_HOST_H
#define __ASM_ARM64_KVMOD_HOST_H

#include <linux/types.h>

/* Upstream's limit with a GICv3, the only interrupt controller we emulate. */
#define KVMOD_ARM64_MAX_VCPUS	512
/* IPA width of a VM created with type 0 (upstream's KVM_PHYS_SHIFT). */
#define KVMOD_ARM64_DEFAULT_IPA	40
/* Smallest IPA width a VM may ask for. */
#define KVMOD_ARM64_MIN_IPA	32

/** struct kvmod_arch_vcpu_stat - arm64 vCPU counters (none yet) */
struct kvmod_arch_vcpu_stat {
};

/** struct kvmod_arch_vm - arm64 part of a VM (filled by the vCPU core) */
struct kvmod_arch_vm {
};

/** struct kvmod_arch_vcpu - arm64 part of a vCPU (filled by the vCPU core) */
struct kvmod_arch_vcpu {
};

#endif /* __ASM_ARM64_KVMOD_HOST_H */
