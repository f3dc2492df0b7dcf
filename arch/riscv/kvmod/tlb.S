/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local hypervisor TLB fences. The kernel is built without the H extension
 * in -march, so the instructions are emitted with .insn:
 * hfence.gvma rs1, rs2 = .insn r SYSTEM, 0, 0x31, x0, rs1, rs2
 * hfence.vvma rs1, rs2 = .insn r SYSTEM, 0, 0x11, x0, rs1, rs2
 */

#include <linux/linkage.h>

	.text

/* void kvmod_riscv_hfence_gvma_vmid(unsigned long vmid) */
SYM_FUNC_START(kvmod_riscv_hfence_gvma_vmid)
	.insn	r 0x73, 0, 0x31, x0, x0, a0
	ret
SYM_FUNC_END(kvmod_riscv_hfence_gvma_vmid)

/* void kvmod_riscv_hfence_gvma_gpa(unsigned long gpa_shr2, unsigned long vmid) */
SYM_FUNC_START(kvmod_riscv_hfence_gvma_gpa)
	.insn	r 0x73, 0, 0x31, x0, a0, a1
	ret
SYM_FUNC_END(kvmod_riscv_hfence_gvma_gpa)

/* void kvmod_riscv_hfence_gvma_all(void): every VMID */
SYM_FUNC_START(kvmod_riscv_hfence_gvma_all)
	.insn	r 0x73, 0, 0x31, x0, x0, x0
	ret
SYM_FUNC_END(kvmod_riscv_hfence_gvma_all)

/* void kvmod_riscv_hfence_vvma_all(void): the VMID in hgatp */
SYM_FUNC_START(kvmod_riscv_hfence_vvma_all)
	.insn	r 0x73, 0, 0x11, x0, x0, x0
	ret
SYM_FUNC_END(kvmod_riscv_hfence_vvma_all)
