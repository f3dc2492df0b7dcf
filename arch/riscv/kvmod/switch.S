/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * World switch between the host (HS-mode) and a guest (VS/VU-mode).
 *
 * kvmod_riscv_switch_to_guest() saves what the C calling convention says
 * the callee keeps, swaps sstatus/hstatus/stvec/sscratch, loads the guest
 * registers and srets into the guest. Any trap or interrupt while V=1 comes
 * back through kvmod_riscv_guest_exit (stvec), which stores the guest
 * registers and trap CSRs and returns to the caller as if from a call.
 * Called with interrupts disabled: host interrupts that arrive in the guest
 * stay pending and are taken when the caller enables interrupts again.
 */

#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/csr.h>
#include <asm/kvmod_host.h>

#define G(n)	(KVMOD_SW_GUEST + KVMOD_CTX_REG(n))
#define H(n)	(KVMOD_SW_HOST + KVMOD_CTX_REG(n))

/* ra, sp, gp, tp and s0-s11 (x1-x4, x8-x9, x18-x27): what the host keeps. */
.macro host_regs op
	.irp	n, 1, 2, 3, 4, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
	\op	x\n, H(\n)(a0)
	.endr
.endm

/* x1..x31 but a0 (x10), which holds the switch area's address. */
.macro guest_regs_but_a0 op
	.irp	n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15
	\op	x\n, G(\n)(a0)
	.endr
	.irp	n, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	\op	x\n, G(\n)(a0)
	.endr
.endm

	.text

/* void kvmod_riscv_switch_to_guest(struct kvmod_riscv_switch *sw) */
SYM_FUNC_START(kvmod_riscv_switch_to_guest)
	/* Host: ra, sp, gp, tp, s0-s11 (x1-x4, x8-x9, x18-x27). */
	host_regs REG_S

	/* sscratch first: stvec must never point at the exit path without it. */
	REG_L	t0, (KVMOD_SW_GUEST + KVMOD_CTX_SSTATUS)(a0)
	REG_L	t1, (KVMOD_SW_GUEST + KVMOD_CTX_HSTATUS)(a0)
	REG_L	t2, G(0)(a0)
	la	t3, kvmod_riscv_guest_exit
	csrrw	t4, CSR_SSCRATCH, a0
	csrrw	t3, CSR_STVEC, t3
	csrrw	t0, CSR_SSTATUS, t0
	csrrw	t1, CSR_HSTATUS, t1
	csrw	CSR_SEPC, t2
	REG_S	t4, KVMOD_SW_HOST_SSCRATCH(a0)
	REG_S	t3, KVMOD_SW_HOST_STVEC(a0)
	REG_S	t0, (KVMOD_SW_HOST + KVMOD_CTX_SSTATUS)(a0)
	REG_S	t1, (KVMOD_SW_HOST + KVMOD_CTX_HSTATUS)(a0)

	/* Guest x1..x31, a0 (x10) last. */
	guest_regs_but_a0 REG_L
	REG_L	a0, G(10)(a0)
	sret
SYM_FUNC_END(kvmod_riscv_switch_to_guest)

	/* Direct-mode trap vectors need 4-byte alignment. */
	.balign	4
SYM_CODE_START(kvmod_riscv_guest_exit)
	/* a0 <- the switch area, sscratch <- the guest's a0. */
	csrrw	a0, CSR_SSCRATCH, a0
	guest_regs_but_a0 REG_S
	csrr	t0, CSR_SSCRATCH
	REG_S	t0, G(10)(a0)

	/* Host CSRs back; keep the guest's view of sstatus/hstatus/sepc. */
	REG_L	t1, KVMOD_SW_HOST_STVEC(a0)
	REG_L	t2, KVMOD_SW_HOST_SSCRATCH(a0)
	REG_L	t3, (KVMOD_SW_HOST + KVMOD_CTX_SSTATUS)(a0)
	REG_L	t4, (KVMOD_SW_HOST + KVMOD_CTX_HSTATUS)(a0)
	csrw	CSR_STVEC, t1
	csrw	CSR_SSCRATCH, t2
	csrrw	t3, CSR_SSTATUS, t3
	csrrw	t4, CSR_HSTATUS, t4
	csrr	t5, CSR_SEPC
	REG_S	t3, (KVMOD_SW_GUEST + KVMOD_CTX_SSTATUS)(a0)
	REG_S	t4, (KVMOD_SW_GUEST + KVMOD_CTX_HSTATUS)(a0)
	REG_S	t5, G(0)(a0)

	/* Why we left. */
	csrr	t0, CSR_SCAUSE
	csrr	t1, CSR_STVAL
	csrr	t2, CSR_HTVAL
	csrr	t3, CSR_HTINST
	REG_S	t0, KVMOD_SW_SCAUSE(a0)
	REG_S	t1, KVMOD_SW_STVAL(a0)
	REG_S	t2, KVMOD_SW_HTVAL(a0)
	REG_S	t3, KVMOD_SW_HTINST(a0)

	/* Host callee-saved registers; return to kvmod_riscv_switch_to_guest()'s caller. */
	host_regs REG_L
	ret
SYM_CODE_END(kvmod_riscv_guest_exit)

/*
 * unsigned long kvmod_riscv_unpriv_read_insn(unsigned long addr,
 *					       struct kvmod_riscv_trap *trap)
 *
 * Reads the guest instruction at guest virtual address @addr with HLVX
 * (execute permission, the guest's translation). The caller has loaded the
 * guest's vsatp/hgatp and hstatus (SPVP) and disabled interrupts. A fault
 * lands in the local handler, which records it in @trap (scause != 0).
 */
SYM_FUNC_START(kvmod_riscv_unpriv_read_insn)
	REG_S	zero, KVMOD_TRAP_SCAUSE(a1)
	la	t0, .Lunpriv_fault
	csrrw	t0, CSR_STVEC, t0
	mv	t2, a0
	/* hlvx.hu a0, (t2) */
	.insn	r 0x73, 0x4, 0x32, a0, t2, x3
	andi	t1, a0, 3
	addi	t1, t1, -3
	bnez	t1, .Lunpriv_done
	addi	t2, t2, 2
	/* hlvx.hu t1, (t2) */
	.insn	r 0x73, 0x4, 0x32, t1, t2, x3
	slli	t1, t1, 16
	or	a0, a0, t1
	j	.Lunpriv_done

	.balign	4
.Lunpriv_fault:
	/* sepc is the hlvx; the trap only changed SPP/SPIE, irrelevant here. */
	csrr	t1, CSR_SCAUSE
	csrr	t2, CSR_STVAL
	REG_S	t1, KVMOD_TRAP_SCAUSE(a1)
	REG_S	t2, KVMOD_TRAP_STVAL(a1)
	li	a0, 0
.Lunpriv_done:
	csrw	CSR_STVEC, t0
	ret
SYM_FUNC_END(kvmod_riscv_unpriv_read_insn)
