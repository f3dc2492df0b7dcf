// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel AIA (KVM_DEV_TYPE_RISCV_AIA) with upstream's attributes:
 * CONFIG (mode, ids, sources, group/hart/guest bits), ADDR (APLIC, each
 * vCPU's IMSIC page), CTRL (init) and IMSIC (file registers, for save and
 * restore) and APLIC (registers). Interrupt files (imsic.c) are hardware
 * guest files where the host has them (hgei.c) and the mode is AUTO (the
 * default then) or HWACCEL, software ones otherwise; HWACCEL and AUTO are
 * refused without hardware files, and both fall back to a software file
 * when a CPU has no free one. MSIs come in through the guest's IMSIC
 * pages, KVM_SIGNAL_MSI and the APLIC (aplic.c), whose wired sources
 * KVM_IRQ_LINE drives.
 *
 * Also the guest's Ssaia CSRs: vsiselect and the major interrupt
 * priorities (hviprio1/2) are switched with the vCPU and reachable through
 * ONE_REG (KVM_REG_RISCV_CSR_AIA).
 */

#include <linux/irqchip/riscv-imsic.h>
#include <linux/kvmod_host.h>
#include <linux/uaccess.h>
#include <asm/csr.h>

#include "riscv.h"

/**
 * struct kvmod_riscv_aia - the VM's AIA device
 * @initialized: CTRL_INIT done: configuration frozen, files live
 * @mode: KVM_DEV_RISCV_AIA_MODE_*
 * @nr_ids: identities of each interrupt file
 * @nr_sources: APLIC wired sources
 * @group_bits: IMSIC group index bits
 * @group_shift: position of the group index in IMSIC addresses
 * @hart_bits: IMSIC hart index bits
 * @guest_bits: IMSIC guest index bits
 * @aplic_addr: APLIC base, or KVMOD_RISCV_AIA_NO_ADDR
 * @aplic: the APLIC, once initialized with wired sources
 */
struct kvmod_riscv_aia {
	bool initialized;
	u32 mode;
	u32 nr_ids;
	u32 nr_sources;
	u32 group_bits;
	u32 group_shift;
	u32 hart_bits;
	u32 guest_bits;
	u64 aplic_addr;
	struct kvmod_riscv_aplic *aplic;
};

/**
 * kvmod_riscv_aia_nr_ids() - identities of the VM's interrupt files
 * @vm: a VM with an AIA device
 *
 * Return: the highest valid identity.
 */
unsigned int kvmod_riscv_aia_nr_ids(struct kvmod_vm *vm)
{
	return READ_ONCE(vm->arch.aia->nr_ids);
}

/**
 * kvmod_riscv_aia_ready() - whether the VM has an initialized in-kernel AIA
 * @vm: the VM
 *
 * Return: true once KVM_DEV_RISCV_AIA_CTRL_INIT succeeded.
 */
bool kvmod_riscv_aia_ready(struct kvmod_vm *vm)
{
	/* Pairs with the release in aia_init(). */
	return vm->arch.aia && smp_load_acquire(&vm->arch.aia->initialized);
}

/**
 * kvmod_riscv_aia_max_ids() - the identity limit (exclusive) of files
 *
 * Return: what the host's hardware guest files have, plus one, when there
 * are any (a VM's files must fit them); else the uAPI's maximum.
 */
unsigned int kvmod_riscv_aia_max_ids(void)
{
	if (kvmod_riscv_hgei_files())
		return kvmod_riscv_hgei_nr_ids() + 1;
	return KVM_DEV_RISCV_AIA_IDS_MAX;
}

/**
 * kvmod_riscv_aia_hw_mode() - whether the VM's files may be hardware ones
 * @vm: the VM
 *
 * Return: true for an initialized AIA in mode AUTO or HWACCEL.
 */
bool kvmod_riscv_aia_hw_mode(struct kvmod_vm *vm)
{
	return kvmod_riscv_aia_ready(vm) && vm->arch.aia->mode != KVM_DEV_RISCV_AIA_MODE_EMUL;
}

static int config_set(struct kvmod_riscv_aia *aia, u64 type, u32 v)
{
	switch (type) {
	case KVM_DEV_RISCV_AIA_CONFIG_MODE:
		if (v != KVM_DEV_RISCV_AIA_MODE_EMUL && v != KVM_DEV_RISCV_AIA_MODE_AUTO &&
		    v != KVM_DEV_RISCV_AIA_MODE_HWACCEL)
			return -EINVAL;
		/* Hardware files or nothing: refused without them. */
		if (v != KVM_DEV_RISCV_AIA_MODE_EMUL && !kvmod_riscv_hgei_files())
			return -EINVAL;
		aia->mode = v;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_IDS:
		if (v < KVM_DEV_RISCV_AIA_IDS_MIN || v >= kvmod_riscv_aia_max_ids() ||
		    (v & KVM_DEV_RISCV_AIA_IDS_MIN) != KVM_DEV_RISCV_AIA_IDS_MIN)
			return -EINVAL;
		aia->nr_ids = v;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_SRCS:
		if (v >= KVM_DEV_RISCV_AIA_SRCS_MAX)
			return -EINVAL;
		aia->nr_sources = v;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_GROUP_BITS:
		if (v > KVM_DEV_RISCV_AIA_GROUP_BITS_MAX)
			return -EINVAL;
		aia->group_bits = v;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_GROUP_SHIFT:
		if (v < KVM_DEV_RISCV_AIA_GROUP_SHIFT_MIN ||
		    v > KVM_DEV_RISCV_AIA_GROUP_SHIFT_MAX)
			return -EINVAL;
		aia->group_shift = v;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_HART_BITS:
		if (v > KVM_DEV_RISCV_AIA_HART_BITS_MAX)
			return -EINVAL;
		aia->hart_bits = v;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_GUEST_BITS:
		if (v > KVM_DEV_RISCV_AIA_GUEST_BITS_MAX)
			return -EINVAL;
		aia->guest_bits = v;
		return 0;
	default:
		return -ENXIO;
	}
}

static int config_get(struct kvmod_riscv_aia *aia, u64 type, u32 *v)
{
	switch (type) {
	case KVM_DEV_RISCV_AIA_CONFIG_MODE:
		*v = aia->mode;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_IDS:
		*v = aia->nr_ids;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_SRCS:
		*v = aia->nr_sources;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_GROUP_BITS:
		*v = aia->group_bits;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_GROUP_SHIFT:
		*v = aia->group_shift;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_HART_BITS:
		*v = aia->hart_bits;
		return 0;
	case KVM_DEV_RISCV_AIA_CONFIG_GUEST_BITS:
		*v = aia->guest_bits;
		return 0;
	default:
		return -ENXIO;
	}
}

/* The address an ADDR attribute names, or NULL (no such vCPU). */
static u64 *addr_slot(struct kvmod_vm *vm, u64 type)
{
	struct kvmod_vcpu *vcpu;

	if (type == KVM_DEV_RISCV_AIA_ADDR_APLIC)
		return &vm->arch.aia->aplic_addr;
	if (type >= KVM_DEV_RISCV_AIA_ADDR_MAX)
		return NULL;
	vcpu = xa_load(&vm->vcpus, type - KVM_DEV_RISCV_AIA_ADDR_IMSIC(0));
	return vcpu ? &vcpu->arch.imsic.addr : NULL;
}

/* Do two pages of the MMIO map overlap? */
static bool clash(u64 a, u64 a_len, u64 b, u64 b_len)
{
	return a != KVMOD_RISCV_AIA_NO_ADDR && b != KVMOD_RISCV_AIA_NO_ADDR &&
	       a < b + b_len && b < a + a_len;
}

/*
 * The APLIC and every vCPU's file page onto the MMIO bus in one go: a
 * failure (out of memory) leaves nothing behind, so userspace may retry.
 */
static int aia_map(struct kvmod_vm *vm)
{
	struct kvmod_riscv_aia *aia = vm->arch.aia;
	struct kvmod_riscv_aplic *aplic = NULL;
	struct kvmod_io_range *ranges;
	struct kvmod_vcpu *vcpu;
	unsigned int n = 0;
	unsigned long i;
	int r = -ENOMEM;

	/* vm->lock held: no vCPU comes or goes meanwhile. */
	ranges = kcalloc(vm->nr_vcpus + 1, sizeof(*ranges), GFP_KERNEL);
	if (!ranges)
		return -ENOMEM;
	if (aia->nr_sources) {
		aplic = kvmod_riscv_aplic_create(vm, aia->nr_sources);
		if (!aplic)
			goto out;
		ranges[n++] = kvmod_riscv_aplic_range(aplic, aia->aplic_addr);
	}
	xa_for_each(&vm->vcpus, i, vcpu)
		ranges[n++] = kvmod_riscv_imsic_range(vcpu);
	r = kvmod_io_bus_register_ranges(vm, ranges, n);
	if (r) {
		kvmod_riscv_aplic_destroy(aplic);
		goto out;
	}
	aia->aplic = aplic;
	/* Files and pages above are visible before anyone sees it ready. */
	smp_store_release(&aia->initialized, true);
out:
	kfree(ranges);
	return r;
}

static int aia_init(struct kvmod_vm *vm)
{
	struct kvmod_riscv_aia *aia = vm->arch.aia;
	struct kvmod_vcpu *vcpu, *other;
	unsigned long i, j;

	if (aia->initialized)
		return -EBUSY;
	/* Every source is forwarded as an identity of its own (as upstream). */
	if (aia->nr_ids < aia->nr_sources)
		return -EINVAL;
	/* Wired sources need the APLIC's place. */
	if (aia->nr_sources && aia->aplic_addr == KVMOD_RISCV_AIA_NO_ADDR)
		return -EINVAL;
	xa_for_each(&vm->vcpus, i, vcpu) {
		if (vcpu->arch.imsic.addr == KVMOD_RISCV_AIA_NO_ADDR)
			return -EINVAL;
		if (aia->nr_sources &&
		    clash(vcpu->arch.imsic.addr, IMSIC_MMIO_PAGE_SZ,
			  aia->aplic_addr, KVM_DEV_RISCV_APLIC_SIZE))
			return -EINVAL;
		xa_for_each(&vm->vcpus, j, other)
			if (j != i && clash(vcpu->arch.imsic.addr, IMSIC_MMIO_PAGE_SZ,
					    other->arch.imsic.addr, IMSIC_MMIO_PAGE_SZ))
				return -EINVAL;
	}
	return aia_map(vm);
}

/* The vCPU an IMSIC attribute names, by the id userspace gave it. */
static int imsic_attr_vcpu(struct kvmod_vm *vm, u64 type, struct kvmod_vcpu **vcpu)
{
	if (!kvmod_riscv_aia_ready(vm))
		return -ENODEV;
	*vcpu = kvmod_get_vcpu_by_id(vm, KVM_DEV_RISCV_AIA_IMSIC_GET_VCPU(type));
	return *vcpu ? 0 : -ENODEV;
}

static int imsic_attr(struct kvmod_vm *vm, u64 type, unsigned long *val, bool set)
{
	struct kvmod_vcpu *vcpu;
	int r = imsic_attr_vcpu(vm, type, &vcpu);

	return r ?: kvmod_riscv_imsic_reg(vcpu, KVM_DEV_RISCV_AIA_IMSIC_GET_ISEL(type),
					  val, set);
}

static int aplic_attr(struct kvmod_vm *vm, u64 off, u32 *val, bool set)
{
	if (off & 3 || off >= KVM_DEV_RISCV_APLIC_SIZE)
		return -EINVAL;
	if (!kvmod_riscv_aia_ready(vm) || !vm->arch.aia->aplic)
		return -ENODEV;
	kvmod_riscv_aplic_reg(vm->arch.aia->aplic, off, val, set);
	return 0;
}

static int aia_set_attr(struct kvmod_device *dev, const struct kvm_device_attr *attr)
{
	struct kvmod_riscv_aia *aia = dev->private;
	void __user *uaddr = u64_to_user_ptr(attr->addr);
	unsigned long val;
	u64 *slot, addr;
	u32 v;

	switch (attr->group) {
	case KVM_DEV_RISCV_AIA_GRP_CONFIG:
		if (get_user(v, (u32 __user *)uaddr))
			return -EFAULT;
		if (aia->initialized)
			return -EBUSY;
		return config_set(aia, attr->attr, v);
	case KVM_DEV_RISCV_AIA_GRP_ADDR:
		if (get_user(addr, (u64 __user *)uaddr))
			return -EFAULT;
		slot = addr_slot(dev->vm, attr->attr);
		if (!slot)
			return -EINVAL;
		if (aia->initialized)
			return -EBUSY;
		if (addr & (KVM_DEV_RISCV_IMSIC_ALIGN - 1) ||
		    addr >= BIT_ULL(dev->vm->phys_bits))
			return -EINVAL;
		*slot = addr;
		return 0;
	case KVM_DEV_RISCV_AIA_GRP_CTRL:
		if (attr->attr != KVM_DEV_RISCV_AIA_CTRL_INIT)
			return -ENXIO;
		return aia_init(dev->vm);
	case KVM_DEV_RISCV_AIA_GRP_APLIC:
		if (get_user(v, (u32 __user *)uaddr))
			return -EFAULT;
		return aplic_attr(dev->vm, attr->attr, &v, true);
	case KVM_DEV_RISCV_AIA_GRP_IMSIC:
		if (get_user(val, (unsigned long __user *)uaddr))
			return -EFAULT;
		return imsic_attr(dev->vm, attr->attr, &val, true);
	default:
		return -ENXIO;
	}
}

static int aia_get_attr(struct kvmod_device *dev, const struct kvm_device_attr *attr)
{
	struct kvmod_riscv_aia *aia = dev->private;
	void __user *uaddr = u64_to_user_ptr(attr->addr);
	unsigned long val;
	u64 *slot;
	u32 v;
	int r;

	switch (attr->group) {
	case KVM_DEV_RISCV_AIA_GRP_CONFIG:
		r = config_get(aia, attr->attr, &v);
		return r ? r : put_user(v, (u32 __user *)uaddr);
	case KVM_DEV_RISCV_AIA_GRP_ADDR:
		slot = addr_slot(dev->vm, attr->attr);
		if (!slot)
			return -EINVAL;
		return put_user(*slot, (u64 __user *)uaddr);
	case KVM_DEV_RISCV_AIA_GRP_APLIC:
		r = aplic_attr(dev->vm, attr->attr, &v, false);
		return r ? r : put_user(v, (u32 __user *)uaddr);
	case KVM_DEV_RISCV_AIA_GRP_IMSIC:
		r = imsic_attr(dev->vm, attr->attr, &val, false);
		return r ? r : put_user(val, (unsigned long __user *)uaddr);
	default:
		return -ENXIO;
	}
}

static int aia_has_attr(struct kvmod_device *dev, const struct kvm_device_attr *attr)
{
	struct kvmod_vcpu *vcpu;
	u32 v;
	int r;

	switch (attr->group) {
	case KVM_DEV_RISCV_AIA_GRP_CONFIG:
		return config_get(dev->private, attr->attr, &v);
	case KVM_DEV_RISCV_AIA_GRP_ADDR:
		return attr->attr < KVM_DEV_RISCV_AIA_ADDR_MAX ? 0 : -ENXIO;
	case KVM_DEV_RISCV_AIA_GRP_CTRL:
		return attr->attr == KVM_DEV_RISCV_AIA_CTRL_INIT ? 0 : -ENXIO;
	case KVM_DEV_RISCV_AIA_GRP_APLIC:
		return attr->attr & 3 || attr->attr >= KVM_DEV_RISCV_APLIC_SIZE ? -ENXIO : 0;
	case KVM_DEV_RISCV_AIA_GRP_IMSIC:
		r = imsic_attr_vcpu(dev->vm, attr->attr, &vcpu);
		return r ?: kvmod_riscv_imsic_isel_check(vcpu,
				KVM_DEV_RISCV_AIA_IMSIC_GET_ISEL(attr->attr));
	default:
		return -ENXIO;
	}
}

static int aia_create(struct kvmod_device *dev)
{
	struct kvmod_vm *vm = dev->vm;
	struct kvmod_riscv_aia *aia;
	struct kvmod_vcpu *vcpu;
	unsigned long i;

	if (vm->arch.aia)
		return -EEXIST;
	/* A guest that ran has seen no AIA; it cannot appear under it. */
	xa_for_each(&vm->vcpus, i, vcpu)
		if (vcpu->ran_once)
			return -EBUSY;
	aia = kzalloc(sizeof(*aia), GFP_KERNEL_ACCOUNT);
	if (!aia)
		return -ENOMEM;
	aia->mode = kvmod_riscv_hgei_files() ? KVM_DEV_RISCV_AIA_MODE_AUTO :
					       KVM_DEV_RISCV_AIA_MODE_EMUL;
	aia->nr_ids = kvmod_riscv_aia_max_ids() - 1;
	aia->group_shift = KVM_DEV_RISCV_AIA_GROUP_SHIFT_MIN;
	aia->aplic_addr = KVMOD_RISCV_AIA_NO_ADDR;
	dev->private = aia;
	vm->arch.aia = aia;
	return 0;
}

static void aia_destroy(struct kvmod_device *dev)
{
	struct kvmod_riscv_aia *aia = dev->private;

	dev->vm->arch.aia = NULL;
	kvmod_riscv_aplic_destroy(aia->aplic);
	kfree(aia);
}

static const struct kvmod_device_ops aia_ops = {
	.name = "kvm-riscv-aia",
	.create = aia_create,
	.destroy = aia_destroy,
	.set_attr = aia_set_attr,
	.get_attr = aia_get_attr,
	.has_attr = aia_has_attr,
};

/**
 * kvmod_riscv_aia_available() - whether guests can have the AIA
 *
 * Return: true when the host has Ssaia (vsiselect, vstopei, hvien...).
 */
bool kvmod_riscv_aia_available(void)
{
	return kvmod_riscv_has_ssaia;
}

const struct kvmod_device_ops *kvmod_arch_device_ops(u32 type)
{
	if (type == KVM_DEV_TYPE_RISCV_AIA && kvmod_riscv_aia_available())
		return &aia_ops;
	return NULL;
}

/*
 * An MSI to an address no interrupt file has is dropped, as on hardware;
 * one to a file must name a register of it and an identity it has. A
 * device id means nothing to the AIA, which never sleeps.
 */
int kvmod_arch_irq_msi(struct kvmod_vm *vm, const struct kvm_msi *msi, bool atomic)
{
	if (!kvmod_riscv_aia_ready(vm))
		return -EBUSY;
	return kvmod_riscv_imsic_msi(vm, msi);
}

/* The AIA device exists (KVM_CREATE_DEVICE); routes may be set before init. */
bool kvmod_arch_irqchip_created(struct kvmod_vm *vm)
{
	return READ_ONCE(vm->arch.aia);
}

/*
 * Routed pins name APLIC sources; irqchip 0 is the only one. Every pin
 * below the uAPI's source limit is accepted, 0 included (QEMU routes GSIs
 * 0..N), as upstream: one the APLIC lacks is dropped when raised.
 */
bool kvmod_arch_irq_route_ok(struct kvmod_vm *vm, u32 irqchip, u32 pin)
{
	return !irqchip && pin < KVM_DEV_RISCV_AIA_SRCS_MAX;
}

void kvmod_arch_irq_set(struct kvmod_vm *vm, u32 irqchip, u32 pin, bool level)
{
	if (!irqchip && kvmod_riscv_aia_ready(vm) && vm->arch.aia->aplic)
		kvmod_riscv_aplic_set_line(vm->arch.aia->aplic, pin, level);
}

/* The hart index of an IMSIC page under the AIA's address layout. */
static u32 hart_index(struct kvmod_riscv_aia *aia, u64 addr)
{
	u32 hart = (addr >> (IMSIC_MMIO_PAGE_SHIFT + aia->guest_bits)) &
		   (BIT(aia->hart_bits) - 1);
	u32 group = (addr >> aia->group_shift) & (BIT(aia->group_bits) - 1);

	return group << aia->hart_bits | hart;
}

/**
 * kvmod_riscv_aia_msi_to_hart() - an MSI addressed by hart and guest index
 * @vm: the VM, its AIA initialized
 * @hart: hart index (group index above the hart bits)
 * @guest: guest index: only 0 (the supervisor file) exists
 * @id: interrupt identity
 *
 * The APLIC's way of naming a target; an MSI to no file is dropped.
 */
void kvmod_riscv_aia_msi_to_hart(struct kvmod_vm *vm, u32 hart, u32 guest, u32 id)
{
	struct kvmod_vcpu *vcpu;
	unsigned long i;

	if (guest)
		return;
	xa_for_each(&vm->vcpus, i, vcpu) {
		if (hart_index(vm->arch.aia, vcpu->arch.imsic.addr) == hart) {
			kvmod_riscv_imsic_inject(vcpu, id);
			return;
		}
	}
}

/**
 * kvmod_riscv_aia_irq_line() - KVM_IRQ_LINE: a wired source's level
 * @vm: the VM
 * @argp: struct kvm_irq_level; irq is the APLIC source number
 *
 * Return: 0; -ENXIO without an AIA; -EBUSY before it is initialized;
 * -ENODEV for a source the APLIC does not have (0, past the last, or no
 * APLIC at all); -EFAULT.
 */
long kvmod_riscv_aia_irq_line(struct kvmod_vm *vm, void __user *argp)
{
	struct kvmod_riscv_aplic *aplic;
	struct kvm_irq_level irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (!vm->arch.aia)
		return -ENXIO;
	if (!kvmod_riscv_aia_ready(vm))
		return -EBUSY;
	aplic = vm->arch.aia->aplic;
	if (!aplic || kvmod_riscv_aplic_set_line(aplic, irq.irq, irq.level))
		return -ENODEV;
	return 0;
}

/**
 * kvmod_riscv_aia_csr() - ONE_REG access to the guest's AIA CSRs
 * @vcpu: the vCPU, with Ssaia
 * @idx: KVM_REG_RISCV_CSR_AIA_REG(...)
 * @val: value read, or to write
 * @set: write when true
 *
 * The RV32 halves (sieh, siph, iprio1h, iprio2h) read as zero and take
 * only zero.
 *
 * Return: 0, -ENOENT for no such register, -EINVAL for a bad value.
 */
int kvmod_riscv_aia_csr(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val,
			bool set)
{
	struct kvmod_riscv_csr *c = &vcpu->arch.csr;
	unsigned long *slot;

	switch (idx) {
	case KVM_REG_RISCV_CSR_AIA_REG(siselect):
		slot = &c->vsiselect;
		break;
	case KVM_REG_RISCV_CSR_AIA_REG(iprio1):
		slot = &c->hviprio1;
		break;
	case KVM_REG_RISCV_CSR_AIA_REG(iprio2):
		slot = &c->hviprio2;
		break;
	case KVM_REG_RISCV_CSR_AIA_REG(sieh):
	case KVM_REG_RISCV_CSR_AIA_REG(siph):
	case KVM_REG_RISCV_CSR_AIA_REG(iprio1h):
	case KVM_REG_RISCV_CSR_AIA_REG(iprio2h):
		if (set)
			return *val ? -EINVAL : 0;
		*val = 0;
		return 0;
	default:
		return -ENOENT;
	}
	if (set)
		*slot = *val;
	else
		*val = *slot;
	return 0;
}

/**
 * kvmod_riscv_aia_load() - the guest's AIA CSRs onto the CPU
 * @vcpu: the vCPU being loaded
 */
void kvmod_riscv_aia_load(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_csr *c = &vcpu->arch.csr;

	if (!kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSAIA))
		return;
	csr_write(CSR_VSISELECT, c->vsiselect);
	csr_write(CSR_HVIPRIO1, c->hviprio1);
	csr_write(CSR_HVIPRIO2, c->hviprio2);
}

/**
 * kvmod_riscv_aia_put() - save the guest's AIA CSRs
 * @vcpu: the vCPU being put
 */
void kvmod_riscv_aia_put(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_csr *c = &vcpu->arch.csr;

	if (!kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSAIA))
		return;
	c->vsiselect = csr_read(CSR_VSISELECT);
	c->hviprio1 = csr_read(CSR_HVIPRIO1);
	c->hviprio2 = csr_read(CSR_HVIPRIO2);
}
