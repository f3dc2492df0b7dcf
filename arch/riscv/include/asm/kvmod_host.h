/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmod: RISC-V state embedded in the core's VM and vCPU structures. */
#ifndef __ASM_RISCV_KVMOD_HOST_H
#define __ASM_RISCV_KVMOD_HOST_H

#include <linux/types.h>

/* Upstream's KVM_MAX_VCPUS for RISC-V, which VMMs may rely on. */
#define KVMOD_RISCV_MAX_VCPUS	1024

/** struct kvmod_arch_vm - RISC-V part of a VM (filled by the vCPU core) */
struct kvmod_arch_vm {
};

/** struct kvmod_arch_vcpu - RISC-V part of a vCPU (filled by the vCPU core) */
struct kvmod_arch_vcpu {
};

#endif /* __ASM_RISCV_KVMOD_HOST_H */
