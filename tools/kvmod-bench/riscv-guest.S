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

/*
 * SBI BASE get_spec_version: answered by the hypervisor itself. Reports
 * the number of calls that returned an error (a0) and the last version
 * (a1), so that a loop of failing calls is not timed as a fast one.
 */
	.globl sbi_loop, sbi_loop_end
sbi_loop:
	mv	s1, a0
	li	s2, 0
1:	li	a7, 0x10
	li	a6, 0
	ecall
	beqz	a0, 3f
	addi	s2, s2, 1
3:	mv	s3, a1
	addi	s1, s1, -1
	bnez	s1, 1b
	mv	a0, s2
	mv	a1, s3
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
