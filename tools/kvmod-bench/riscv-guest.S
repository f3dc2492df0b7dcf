/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest loops of kvmod-bench (RISC-V), copied to guest memory and run with
 * translation off. a0 counts the iterations down; at zero the guest reports
 * through an experimental SBI extension, which goes to userspace.
 */

	.section .text.kvmod_guest, "ax"
	.option norvc
	.balign 4

/* A store to unbacked memory: one MMIO exit to userspace per iteration. */
	.globl mmio_loop, mmio_loop_end
mmio_loop:
	li	t0, 0x10000000
1:	sd	a0, 0(t0)
	addi	a0, a0, -1
	bnez	a0, 1b
	li	a7, 0x08000042
	ecall
2:	j	2b
mmio_loop_end:

/* SBI BASE get_spec_version: answered by the hypervisor itself. */
	.globl sbi_loop, sbi_loop_end
sbi_loop:
	mv	s1, a0
1:	li	a7, 0x10
	li	a6, 0
	ecall
	addi	s1, s1, -1
	bnez	s1, 1b
	li	a7, 0x08000042
	ecall
2:	j	2b
sbi_loop_end:

/*
 * senvcfg read and written back, as Linux does on context switches: with
 * lazy hstateen only the first access traps (Smstateen hosts).
 */
	.globl envcfg_loop, envcfg_loop_end
envcfg_loop:
	mv	s1, a0
1:	csrr	t0, 0x10a
	csrw	0x10a, t0
	addi	s1, s1, -1
	bnez	s1, 1b
	li	a7, 0x08000042
	ecall
2:	j	2b
envcfg_loop_end:
