// SPDX-License-Identifier: GPL-2.0-only
/*
 * The V extension for guests: register state and ONE_REG access.
 *
 * The guest's vector registers live in the CPU only while it runs. They
 * are loaded before every entry and saved after an exit that left them
 * dirty (sstatus.VS, set by the hardware on any write), both with
 * interrupts off. Keeping them in the CPU between entries would be cheaper,
 * but the host kernel uses the vector unit itself (user copies, crypto,
 * RAID, also from softirqs) and only saves what its own bookkeeping says is
 * a task's state: a guest's registers left in the CPU would be lost.
 *
 * The vCPU thread's own (user) vector state is saved into the thread once
 * per load and marked for restoring on the way back to userspace, exactly
 * as the kernel does for its own in-kernel vector use.
 *
 * ONE_REG (KVM_REG_RISCV_VECTOR): vstart, vl, vtype, vcsr and vlenb as
 * unsigned long (vlenb read-only: setting another value is -EINVAL), then
 * v0..v31, each exactly vlenb bytes. All -ENOENT while the vCPU has no V.
 */

#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/vector.h>

#include "riscv.h"

/* The hardware's vlenb: the host kernel measured 32 registers of it. */
static unsigned long host_vlenb(void)
{
	return riscv_v_vsize / 32;
}

/**
 * kvmod_riscv_vector_usable() - whether guests can have V on this host
 *
 * Return: true when the CPU has V and the host kernel manages it.
 */
bool kvmod_riscv_vector_usable(void)
{
	return IS_ENABLED(CONFIG_RISCV_ISA_V) && has_vector() && riscv_v_vsize;
}

/**
 * kvmod_riscv_vector_enabled() - whether the guest has V
 * @vcpu: the vCPU
 *
 * Return: true when V is in its ISA (which needs a usable host V).
 */
bool kvmod_riscv_vector_enabled(const struct kvmod_vcpu *vcpu)
{
	return vcpu->arch.vector.datap && kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_v);
}

/**
 * kvmod_riscv_vector_init() - room for a new vCPU's vector registers
 * @vcpu: the vCPU
 *
 * Return: 0, or -ENOMEM.
 */
int kvmod_riscv_vector_init(struct kvmod_vcpu *vcpu)
{
	if (!kvmod_riscv_vector_usable())
		return 0;
	vcpu->arch.vector.datap = kzalloc(riscv_v_vsize, GFP_KERNEL_ACCOUNT);
	return vcpu->arch.vector.datap ? 0 : -ENOMEM;
}

/**
 * kvmod_riscv_vector_destroy() - free what kvmod_riscv_vector_init() took
 * @vcpu: the vCPU
 */
void kvmod_riscv_vector_destroy(struct kvmod_vcpu *vcpu)
{
	kfree(vcpu->arch.vector.datap);
	vcpu->arch.vector.datap = NULL;
}

/**
 * kvmod_riscv_vector_reset() - architectural reset state
 * @vcpu: the vCPU
 *
 * Registers zero, vl 0 and vtype.vill set (a state one vsetvl restores).
 * Whether the guest may use them at all is sstatus.VS (vcpu.c).
 */
void kvmod_riscv_vector_reset(struct kvmod_vcpu *vcpu)
{
	struct __riscv_v_ext_state *v = &vcpu->arch.vector;

	if (!v->datap)
		return;
	memset(v->datap, 0, riscv_v_vsize);
	v->vstart = 0;
	v->vl = 0;
	v->vtype = BIT(BITS_PER_LONG - 1);	/* vill */
	v->vcsr = 0;
	v->vlenb = host_vlenb();
}

/**
 * kvmod_riscv_vector_load() - the vCPU is about to run on this CPU
 * @vcpu: the vCPU; preemption is off
 *
 * Moves the thread's own vector state out of the way, into the thread, to
 * be restored when it returns to userspace.
 */
void kvmod_riscv_vector_load(struct kvmod_vcpu *vcpu)
{
	struct pt_regs *regs = task_pt_regs(current);

	if (!kvmod_riscv_vector_enabled(vcpu))
		return;
	riscv_v_vstate_save(&current->thread.vstate, regs);
	riscv_v_vstate_set_restore(current, regs);
}

/*
 * The register file moves with whole-register loads and stores, which
 * need neither vl nor vtype: a vsetvl only when the guest's differ from the
 * CPU's. (The kernel's helpers switch vtype to e8/m8 and back on every
 * move; on QEMU that made an MMIO exit round trip 25% slower.) vstart
 * must be 0 while they run, as they honour it.
 */
static void vregs_restore(const struct __riscv_v_ext_state *v)
{
	unsigned long step = v->vlenb * 8;
	void *p = v->datap;

	riscv_v_enable();
	csr_write(CSR_VSTART, 0);
	asm volatile(".option push\n.option arch, +zve32x\n"
		     "vl8re8.v v0, (%0)\n add %0, %0, %1\n"
		     "vl8re8.v v8, (%0)\n add %0, %0, %1\n"
		     "vl8re8.v v16, (%0)\n add %0, %0, %1\n"
		     "vl8re8.v v24, (%0)\n"
		     ".option pop\n"
		     : "+r"(p) : "r"(step) : "memory");
	if (csr_read(CSR_VL) != v->vl || csr_read(CSR_VTYPE) != v->vtype)
		asm volatile(".option push\n.option arch, +zve32x\n"
			     "vsetvl x0, %0, %1\n.option pop\n"
			     : : "r"(v->vl), "r"(v->vtype));
	csr_write(CSR_VCSR, v->vcsr);
	csr_write(CSR_VSTART, v->vstart);
	riscv_v_disable();
}

static void vregs_save(struct __riscv_v_ext_state *v)
{
	unsigned long step = v->vlenb * 8;
	void *p = v->datap;

	riscv_v_enable();
	v->vstart = csr_read(CSR_VSTART);
	v->vl = csr_read(CSR_VL);
	v->vtype = csr_read(CSR_VTYPE);
	v->vcsr = csr_read(CSR_VCSR);
	csr_write(CSR_VSTART, 0);
	asm volatile(".option push\n.option arch, +zve32x\n"
		     "vs8r.v v0, (%0)\n add %0, %0, %1\n"
		     "vs8r.v v8, (%0)\n add %0, %0, %1\n"
		     "vs8r.v v16, (%0)\n add %0, %0, %1\n"
		     "vs8r.v v24, (%0)\n"
		     ".option pop\n"
		     : "+r"(p) : "r"(step) : "memory");
	riscv_v_disable();
}

/**
 * kvmod_riscv_vector_enter() - put the guest's registers in the CPU
 * @vcpu: the vCPU; interrupts are off
 */
void kvmod_riscv_vector_enter(struct kvmod_vcpu *vcpu)
{
	if (kvmod_riscv_vector_enabled(vcpu))
		vregs_restore(&vcpu->arch.vector);
}

/**
 * kvmod_riscv_vector_exit() - keep what the guest changed
 * @vcpu: the vCPU, just out of the guest; interrupts are off
 */
void kvmod_riscv_vector_exit(struct kvmod_vcpu *vcpu)
{
	unsigned long *sstatus = &vcpu->arch.sw.guest.sstatus;

	if (!kvmod_riscv_vector_enabled(vcpu) || (*sstatus & SR_VS) != SR_VS_DIRTY)
		return;
	vregs_save(&vcpu->arch.vector);
	*sstatus = (*sstatus & ~SR_VS) | SR_VS_CLEAN;
}

/* The register @idx names, and its size; NULL when there is none. */
static void *vreg(struct kvmod_vcpu *vcpu, unsigned long idx, size_t *size)
{
	struct __riscv_v_ext_state *v = &vcpu->arch.vector;

	*size = sizeof(unsigned long);
	switch (idx) {
	case KVM_REG_RISCV_VECTOR_CSR_REG(vstart):
		return &v->vstart;
	case KVM_REG_RISCV_VECTOR_CSR_REG(vl):
		return &v->vl;
	case KVM_REG_RISCV_VECTOR_CSR_REG(vtype):
		return &v->vtype;
	case KVM_REG_RISCV_VECTOR_CSR_REG(vcsr):
		return &v->vcsr;
	case KVM_REG_RISCV_VECTOR_CSR_REG(vlenb):
		return &v->vlenb;
	}
	if (idx < KVM_REG_RISCV_VECTOR_REG(0) || idx > KVM_REG_RISCV_VECTOR_REG(31))
		return NULL;
	*size = host_vlenb();
	return v->datap + (idx - KVM_REG_RISCV_VECTOR_REG(0)) * host_vlenb();
}

/**
 * kvmod_riscv_vector_onereg() - KVM_GET/SET_ONE_REG of a vector register
 * @vcpu: the vCPU, not running
 * @reg: the request; its id has type KVM_REG_RISCV_VECTOR
 * @set: KVM_SET_ONE_REG
 *
 * Return: 0, -ENOENT (no such register, or no V), -EINVAL (wrong size, or
 * a vlenb other than the hardware's), -EFAULT.
 */
int kvmod_riscv_vector_onereg(struct kvmod_vcpu *vcpu, const struct kvm_one_reg *reg,
			      bool set)
{
	unsigned long idx = reg->id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK |
					KVM_REG_RISCV_TYPE_MASK);
	void __user *uaddr = u64_to_user_ptr(reg->addr);
	unsigned long vlenb;
	size_t size;
	void *p;

	if (!kvmod_riscv_vector_enabled(vcpu))
		return -ENOENT;
	p = vreg(vcpu, idx, &size);
	if (!p)
		return -ENOENT;
	if (KVM_REG_SIZE(reg->id) != size)
		return -EINVAL;
	if (!set)
		return copy_to_user(uaddr, p, size) ? -EFAULT : 0;
	if (idx == KVM_REG_RISCV_VECTOR_CSR_REG(vlenb)) {
		if (copy_from_user(&vlenb, uaddr, size))
			return -EFAULT;
		return vlenb == host_vlenb() ? 0 : -EINVAL;
	}
	return copy_from_user(p, uaddr, size) ? -EFAULT : 0;
}

/**
 * kvmod_riscv_vector_reg_list() - the vector registers' ids
 * @vcpu: the vCPU
 * @out: where to write them, or NULL to count
 *
 * Return: how many there are (none without V).
 */
unsigned long kvmod_riscv_vector_reg_list(struct kvmod_vcpu *vcpu, u64 *out)
{
	static const unsigned long csrs[] = {
		KVM_REG_RISCV_VECTOR_CSR_REG(vstart), KVM_REG_RISCV_VECTOR_CSR_REG(vl),
		KVM_REG_RISCV_VECTOR_CSR_REG(vtype), KVM_REG_RISCV_VECTOR_CSR_REG(vcsr),
		KVM_REG_RISCV_VECTOR_CSR_REG(vlenb),
	};
	u64 size = (u64)ilog2(host_vlenb()) << KVM_REG_SIZE_SHIFT;
	unsigned long n = 0, i;

	if (!kvmod_riscv_vector_enabled(vcpu))
		return 0;
	for (i = 0; i < ARRAY_SIZE(csrs); i++, n++)
		if (out)
			out[n] = KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_VECTOR | csrs[i];
	for (i = 0; i < 32; i++, n++)
		if (out)
			out[n] = KVM_REG_RISCV | size | KVM_REG_RISCV_VECTOR |
				 KVM_REG_RISCV_VECTOR_REG(i);
	return n;
}
