/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saving and loading the F/D register file (struct __riscv_d_ext_state:
 * f0..f31 as 64-bit values, then fcsr). The host kernel runs with
 * sstatus.FS off, so each routine turns FP access on for itself and puts
 * sstatus back as it found it.
 */

#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/csr.h>

.macro fp_regs op
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	\op	f\n, (\n * 8)(a0)
	.endr
	.irp	n, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	\op	f\n, (\n * 8)(a0)
	.endr
.endm

	.text

/* void kvmod_riscv_fp_save(struct __riscv_d_ext_state *state) */
SYM_FUNC_START(kvmod_riscv_fp_save)
	li	t1, SR_FS
	csrrs	t0, CSR_SSTATUS, t1
	fp_regs fsd
	frcsr	t2
	sw	t2, (32 * 8)(a0)
	csrw	CSR_SSTATUS, t0
	ret
SYM_FUNC_END(kvmod_riscv_fp_save)

/* void kvmod_riscv_fp_restore(const struct __riscv_d_ext_state *state) */
SYM_FUNC_START(kvmod_riscv_fp_restore)
	li	t1, SR_FS
	csrrs	t0, CSR_SSTATUS, t1
	fp_regs fld
	lw	t2, (32 * 8)(a0)
	fscsr	t2
	csrw	CSR_SSTATUS, t0
	ret
SYM_FUNC_END(kvmod_riscv_fp_restore)
