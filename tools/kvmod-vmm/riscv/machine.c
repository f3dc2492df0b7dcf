// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm on RISC-V: loads a Linux Image (Documentation/arch/riscv/
 * boot-image-header.rst) 2 MiB into RAM, describes the machine in a device
 * tree at the top of RAM (CPUs with the ISA the vCPU reports, memory, the
 * 16550A, and the hypervisor's AIA when it has one: an IMSIC interrupt file
 * per hart and an APLIC in MSI mode), and starts hart 0 there with a0 =
 * hart id, a1 = device tree, as the RISC-V boot protocol says. Other harts
 * start through SBI HSM, which the hypervisor implements. Disks are
 * virtio-mmio devices wired to APLIC sources after the UART's. The SBI
 * debug console is the VMM's console too.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fdt.h"
#include "vmm.h"

const uint64_t vmm_arch_ram_base = 0x80000000UL;
/* Devices take APLIC sources from 10 up, the UART first. */
const unsigned int vmm_arch_irq_base = 10;

#define IMAGE_MAGIC2		0x05435352U	/* "RSC\x05" at offset 56 */
#define IMAGE_LOAD_OFFSET	0x200000UL	/* RV64 kernels want 2 MiB alignment */
#define FDT_MAX_SIZE		0x10000UL
#define SBI_EXT_DBCN		0x4442434EUL
#define SBI_V01_PUTCHAR		0x1UL
#define SBI_V01_GETCHAR		0x2UL
#define SBI_ERR_NOT_SUPPORTED	-2L
#define SBI_ERR_INVALID_PARAM	-3L

/* AIA layout: an IMSIC page per hart, the APLIC, their interrupt numbers. */
#define IMSIC_BASE		0x28000000UL
#define IMSIC_PAGE		0x1000UL
#define IMSIC_IDS		255
#define APLIC_BASE		0x0c000000UL
#define APLIC_SOURCES		32
#define PHANDLE_IMSIC		0x100
#define PHANDLE_APLIC		0x101
#define IRQ_S_EXT		9

#define REG(type, idx)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | (type) | (idx))
#define CORE_REG(name)	REG(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(name))

static int get_reg(int vcpu, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)v };

	return ioctl(vcpu, KVM_GET_ONE_REG, &r);
}

static int set_reg(int vcpu, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };

	return ioctl(vcpu, KVM_SET_ONE_REG, &r);
}

/*
 * Multi-letter extensions worth telling the guest about, by KVM id; the
 * cache-block ones with the CPU node property and CONFIG register giving
 * their block size.
 */
static const struct {
	unsigned int id;
	const char *name;
	const char *size_prop;
	uint64_t size_reg;
} isa_names[] = {
	{ .id = KVM_RISCV_ISA_EXT_ZICSR, .name = "zicsr" },
	{ .id = KVM_RISCV_ISA_EXT_ZIFENCEI, .name = "zifencei" },
	{ .id = KVM_RISCV_ISA_EXT_ZICNTR, .name = "zicntr" },
	{ .id = KVM_RISCV_ISA_EXT_ZICBOM, .name = "zicbom",
	  .size_prop = "riscv,cbom-block-size",
	  .size_reg = KVM_REG_RISCV_CONFIG_REG(zicbom_block_size) },
	{ .id = KVM_RISCV_ISA_EXT_ZICBOZ, .name = "zicboz",
	  .size_prop = "riscv,cboz-block-size",
	  .size_reg = KVM_REG_RISCV_CONFIG_REG(zicboz_block_size) },
	{ .id = KVM_RISCV_ISA_EXT_ZICOND, .name = "zicond" },
	{ .id = KVM_RISCV_ISA_EXT_ZIHINTPAUSE, .name = "zihintpause" },
	{ .id = KVM_RISCV_ISA_EXT_ZIHINTNTL, .name = "zihintntl" },
	{ .id = KVM_RISCV_ISA_EXT_ZFA, .name = "zfa" },
	{ .id = KVM_RISCV_ISA_EXT_ZFH, .name = "zfh" },
	{ .id = KVM_RISCV_ISA_EXT_ZFHMIN, .name = "zfhmin" },
	{ .id = KVM_RISCV_ISA_EXT_ZBA, .name = "zba" },
	{ .id = KVM_RISCV_ISA_EXT_ZBB, .name = "zbb" },
	{ .id = KVM_RISCV_ISA_EXT_ZBC, .name = "zbc" },
	{ .id = KVM_RISCV_ISA_EXT_ZBS, .name = "zbs" },
	{ .id = KVM_RISCV_ISA_EXT_SSAIA, .name = "ssaia" },
	{ .id = KVM_RISCV_ISA_EXT_SSTC, .name = "sstc" },
	{ .id = KVM_RISCV_ISA_EXT_SVINVAL, .name = "svinval" },
	{ .id = KVM_RISCV_ISA_EXT_SVNAPOT, .name = "svnapot" },
	{ .id = KVM_RISCV_ISA_EXT_SVPBMT, .name = "svpbmt" },
};

/* "riscv,isa" and "riscv,isa-extensions" from what the vCPU reports. */
static void cpu_isa(struct fdt *f, int vcpu)
{
	char isa[512] = "rv64", exts[512];
	size_t elen = 0, i;
	uint64_t letters = 0, on;
	const char *order = "imafdcvh";

	get_reg(vcpu, REG(KVM_REG_RISCV_CONFIG, KVM_REG_RISCV_CONFIG_REG(isa)), &letters);
	for (i = 0; order[i]; i++) {
		if (!(letters & (1ULL << (order[i] - 'a'))))
			continue;
		isa[strlen(isa) + 1] = 0;
		isa[strlen(isa)] = order[i];
		exts[elen] = order[i];
		exts[elen + 1] = 0;
		elen += 2;
	}
	for (i = 0; i < ARRAY_SIZE(isa_names); i++) {
		if (get_reg(vcpu, REG(KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_SINGLE,
				      isa_names[i].id), &on) || !on)
			continue;
		/* Without its block size, Linux leaves a cache-block extension off. */
		if (isa_names[i].size_prop) {
			uint64_t size = 0;

			if (get_reg(vcpu, REG(KVM_REG_RISCV_CONFIG, isa_names[i].size_reg),
				    &size) || !size)
				continue;
			fdt_prop_u32(f, isa_names[i].size_prop, size);
		}
		if (strlen(isa) + strlen(isa_names[i].name) + 2 < sizeof(isa)) {
			strcat(isa, "_");
			strcat(isa, isa_names[i].name);
		}
		/* A string list: each name with its NUL, one after another. */
		if (elen + strlen(isa_names[i].name) + 1 < sizeof(exts))
			elen += snprintf(exts + elen, sizeof(exts) - elen, "%s",
					 isa_names[i].name) + 1;
	}
	fdt_prop_string(f, "riscv,isa", isa);
	fdt_prop_string(f, "riscv,isa-base", "rv64i");
	fdt_prop(f, "riscv,isa-extensions", exts, elen);
}

/* Bits that number @n harts: what Linux assumes without hart-index-bits. */
static uint32_t hart_bits(int n)
{
	uint32_t b = 0;

	while ((1 << b) < n)
		b++;
	return b;
}

static int aia_attr(int dev, uint32_t group, uint64_t attr, uint64_t val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)&val };
	uint32_t v32 = val;

	/* CONFIG values are 32-bit, addresses 64-bit. */
	if (group == KVM_DEV_RISCV_AIA_GRP_CONFIG)
		a.addr = (uintptr_t)&v32;
	return ioctl(dev, KVM_SET_DEVICE_ATTR, &a);
}

/*
 * The in-kernel AIA: software interrupt files at consecutive pages (hart
 * index = vCPU index) and an APLIC. Without one (no Ssaia in the host), the
 * guest does without: it polls the UART and sends IPIs through SBI.
 */
static int setup_aia(struct vmm_vm *vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_RISCV_AIA };
	int i;

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd))
		return 0;
	if (aia_attr(cd.fd, KVM_DEV_RISCV_AIA_GRP_CONFIG, KVM_DEV_RISCV_AIA_CONFIG_IDS,
		     IMSIC_IDS) ||
	    aia_attr(cd.fd, KVM_DEV_RISCV_AIA_GRP_CONFIG, KVM_DEV_RISCV_AIA_CONFIG_SRCS,
		     APLIC_SOURCES) ||
	    aia_attr(cd.fd, KVM_DEV_RISCV_AIA_GRP_CONFIG, KVM_DEV_RISCV_AIA_CONFIG_HART_BITS,
		     hart_bits(vm->nr_vcpus)) ||
	    aia_attr(cd.fd, KVM_DEV_RISCV_AIA_GRP_ADDR, KVM_DEV_RISCV_AIA_ADDR_APLIC,
		     APLIC_BASE))
		goto fail;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (aia_attr(cd.fd, KVM_DEV_RISCV_AIA_GRP_ADDR, KVM_DEV_RISCV_AIA_ADDR_IMSIC(i),
			     IMSIC_BASE + i * IMSIC_PAGE))
			goto fail;
	if (aia_attr(cd.fd, KVM_DEV_RISCV_AIA_GRP_CTRL, KVM_DEV_RISCV_AIA_CTRL_INIT, 0))
		goto fail;
	/* The device lives with the VM; its fd is not needed any more. */
	close(cd.fd);
	vm->irqchip = 1;
	return 0;
fail:
	vmm_perror("AIA device");
	close(cd.fd);
	return -1;
}

static void fdt_aia(struct fdt *f, struct vmm_vm *vm)
{
	uint32_t ext[2 * 64];
	char name[64];
	int i, n = vm->nr_vcpus < 64 ? vm->nr_vcpus : 64;

	for (i = 0; i < n; i++) {
		ext[2 * i] = 1 + i;		/* the hart's riscv,cpu-intc */
		ext[2 * i + 1] = IRQ_S_EXT;
	}
	snprintf(name, sizeof(name), "interrupt-controller@%lx", IMSIC_BASE);
	fdt_begin_node(f, name);
	fdt_prop_string(f, "compatible", "riscv,imsics");
	fdt_prop_cells(f, "reg", (uint32_t[]){ 0, IMSIC_BASE, 0, n * IMSIC_PAGE }, 4);
	fdt_prop_cells(f, "interrupts-extended", ext, 2 * n);
	fdt_prop_empty(f, "interrupt-controller");
	fdt_prop_u32(f, "#interrupt-cells", 0);
	fdt_prop_empty(f, "msi-controller");
	fdt_prop_u32(f, "#msi-cells", 0);
	fdt_prop_u32(f, "riscv,num-ids", IMSIC_IDS);
	fdt_prop_u32(f, "phandle", PHANDLE_IMSIC);
	fdt_end_node(f);

	snprintf(name, sizeof(name), "interrupt-controller@%lx", APLIC_BASE);
	fdt_begin_node(f, name);
	fdt_prop_string(f, "compatible", "riscv,aplic");
	fdt_prop_cells(f, "reg", (uint32_t[]){ 0, APLIC_BASE, 0, 0x4000 }, 4);
	fdt_prop_empty(f, "interrupt-controller");
	fdt_prop_u32(f, "#interrupt-cells", 2);
	fdt_prop_u32(f, "msi-parent", PHANDLE_IMSIC);
	fdt_prop_u32(f, "riscv,num-sources", APLIC_SOURCES);
	fdt_prop_u32(f, "phandle", PHANDLE_APLIC);
	fdt_end_node(f);
}

/* An APLIC source, level-high (IRQ_TYPE_LEVEL_HIGH). */
void vmm_arch_fdt_irq(struct fdt *f, unsigned int line)
{
	fdt_prop_u32(f, "interrupt-parent", PHANDLE_APLIC);
	fdt_prop_cells(f, "interrupts", (uint32_t[]){ line, 4 }, 2);
}

static void *build_fdt(struct vmm_vm *vm, const struct vmm_opts *o,
		       const struct vmm_boot *b, size_t *size)
{
	uint64_t freq = 0, satp = 0;
	char name[64];
	struct fdt f;
	int i;

	get_reg(vm->vcpus[0].fd, REG(KVM_REG_RISCV_TIMER,
				     KVM_REG_RISCV_TIMER_REG(frequency)), &freq);
	get_reg(vm->vcpus[0].fd, REG(KVM_REG_RISCV_CONFIG,
				     KVM_REG_RISCV_CONFIG_REG(satp_mode)), &satp);
	fdt_init(&f);
	fdt_begin_node(&f, "");
	fdt_prop_u32(&f, "#address-cells", 2);
	fdt_prop_u32(&f, "#size-cells", 2);
	fdt_prop_string(&f, "compatible", "kvmod,riscv-virt");
	fdt_prop_string(&f, "model", "kvmod-vmm RISC-V virtual machine");

	fdt_begin_node(&f, "chosen");
	fdt_prop_string(&f, "bootargs", o->cmdline);
	vmm_fdt_node_name(&vm->uart.dev, "/soc/", name, sizeof(name));
	fdt_prop_string(&f, "stdout-path", name);
	if (b->initrd_size) {
		fdt_prop_u64(&f, "linux,initrd-start", b->initrd);
		fdt_prop_u64(&f, "linux,initrd-end", b->initrd + b->initrd_size);
	}
	fdt_end_node(&f);

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)vm->ram_base);
	fdt_begin_node(&f, name);
	fdt_prop_string(&f, "device_type", "memory");
	fdt_prop_cells(&f, "reg",
		       (uint32_t[]){ vm->ram_base >> 32, vm->ram_base,
				     vm->ram_size >> 32, vm->ram_size }, 4);
	fdt_end_node(&f);

	fdt_begin_node(&f, "cpus");
	fdt_prop_u32(&f, "#address-cells", 1);
	fdt_prop_u32(&f, "#size-cells", 0);
	fdt_prop_u32(&f, "timebase-frequency", freq);
	for (i = 0; i < vm->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%d", i);
		fdt_begin_node(&f, name);
		fdt_prop_string(&f, "device_type", "cpu");
		fdt_prop_u32(&f, "reg", i);
		fdt_prop_string(&f, "compatible", "riscv");
		fdt_prop_string(&f, "status", "okay");
		fdt_prop_string(&f, "mmu-type", satp == 10 ? "riscv,sv57" :
				satp == 9 ? "riscv,sv48" : "riscv,sv39");
		cpu_isa(&f, vm->vcpus[i].fd);
		fdt_begin_node(&f, "interrupt-controller");
		fdt_prop_u32(&f, "#interrupt-cells", 1);
		fdt_prop_empty(&f, "interrupt-controller");
		fdt_prop_string(&f, "compatible", "riscv,cpu-intc");
		fdt_prop_u32(&f, "phandle", 1 + i);
		fdt_end_node(&f);
		fdt_end_node(&f);
	}
	fdt_end_node(&f);

	fdt_begin_node(&f, "soc");
	fdt_prop_u32(&f, "#address-cells", 2);
	fdt_prop_u32(&f, "#size-cells", 2);
	fdt_prop_string(&f, "compatible", "simple-bus");
	fdt_prop_empty(&f, "ranges");
	if (vm->irqchip)
		fdt_aia(&f, vm);
	vmm_fdt_devices(vm, &f);
	fdt_end_node(&f);

	fdt_end_node(&f);
	return fdt_finish(&f, size);
}

static int check_image(const char *path, const void *image, size_t size)
{
	if (size < 64 || le32toh(*(const uint32_t *)((const char *)image + 56)) != IMAGE_MAGIC2) {
		fprintf(stderr, "kvmod-vmm: %s is not a RISC-V Linux Image\n", path);
		return -1;
	}
	return 0;
}

static const struct vmm_boot_layout boot_layout = {
	.kernel_offset = IMAGE_LOAD_OFFSET,
	.fdt_size = FDT_MAX_SIZE,
	.initrd_align = 0x1000,
	.check = check_image,
};

int vmm_arch_setup(struct vmm_vm *vm, const struct vmm_opts *o)
{
	struct vmm_boot b;
	size_t fsize;
	void *fdt;
	int i;

	if (vmm_boot_load(vm, o, &boot_layout, &b))
		return -1;

	/* The VMM owns the console: the SBI debug console is ours to serve. */
	for (i = 0; i < vm->nr_vcpus; i++)
		set_reg(vm->vcpus[i].fd, REG(KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_SINGLE,
					     KVM_RISCV_SBI_EXT_DBCN), 1);

	if (setup_aia(vm))
		return -1;
	/* virtio-mmio needs an interrupt: there is no polled mode. */
	if (o->nr_disks && !vm->irqchip) {
		fprintf(stderr,
			"kvmod-vmm: disks need the hypervisor's interrupt controller (AIA)\n");
		return -1;
	}
	for (i = 0; i < o->nr_disks; i++)
		if (vmm_blk_create(vm, &o->disks[i]))
			return -1;
	fdt = build_fdt(vm, o, &b, &fsize);
	if (!fdt || fsize > FDT_MAX_SIZE) {
		fprintf(stderr, "kvmod-vmm: cannot build the device tree\n");
		return -1;
	}
	memcpy(vmm_guest_ptr(vm, b.fdt, fsize), fdt, fsize);
	free(fdt);

	/* Boot hart: pc at the image, a0 its hart id, a1 the device tree. */
	if (set_reg(vm->vcpus[0].fd, CORE_REG(regs.pc), b.kernel) ||
	    set_reg(vm->vcpus[0].fd, CORE_REG(regs.a0), 0) ||
	    set_reg(vm->vcpus[0].fd, CORE_REG(regs.a1), b.fdt)) {
		vmm_perror("KVM_SET_ONE_REG");
		return -1;
	}
	return 0;
}

/* SBI calls the hypervisor hands to us: the console ones. */
int vmm_arch_exit(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned long ext = run->riscv_sbi.extension_id;
	unsigned long fid = run->riscv_sbi.function_id;
	unsigned long *args = run->riscv_sbi.args;
	char c;
	void *p;

	if (run->exit_reason != KVM_EXIT_RISCV_SBI)
		return -1;
	run->riscv_sbi.ret[0] = SBI_ERR_NOT_SUPPORTED;
	run->riscv_sbi.ret[1] = 0;
	if (ext == SBI_V01_PUTCHAR) {
		c = args[0];
		vmm_console_write(v->vm, &c, 1);
		run->riscv_sbi.ret[0] = 0;
	} else if (ext == SBI_V01_GETCHAR) {
		/* A byte, or -1 when there is no input now. */
		run->riscv_sbi.ret[0] = vmm_console_read(v->vm, &c, 1) ? (uint8_t)c : -1;
	} else if (ext == SBI_EXT_DBCN && fid == 0) {
		/* write(num_bytes, base_lo, base_hi) */
		p = args[2] ? NULL : vmm_guest_ptr(v->vm, args[1], args[0]);
		if (!p) {
			run->riscv_sbi.ret[0] = SBI_ERR_INVALID_PARAM;
		} else {
			vmm_console_write(v->vm, p, args[0]);
			run->riscv_sbi.ret[0] = 0;
			run->riscv_sbi.ret[1] = args[0];
		}
	} else if (ext == SBI_EXT_DBCN && fid == 1) {
		/* read(num_bytes, base_lo, base_hi): what input there is now. */
		p = args[2] ? NULL : vmm_guest_ptr(v->vm, args[1], args[0]);
		if (!p) {
			run->riscv_sbi.ret[0] = SBI_ERR_INVALID_PARAM;
		} else {
			run->riscv_sbi.ret[0] = 0;
			run->riscv_sbi.ret[1] = vmm_console_read(v->vm, p, args[0]);
		}
	} else if (ext == SBI_EXT_DBCN && fid == 2) {
		c = args[0];
		vmm_console_write(v->vm, &c, 1);
		run->riscv_sbi.ret[0] = 0;
	}
	return 0;
}

/* Registers that tell where a vCPU is and what it last trapped on. */
void vmm_arch_dump(struct vmm_vcpu *v)
{
	static const struct {
		const char *name;
		uint64_t id;
	} regs[] = {
		{ "pc", REG(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.pc)) },
		{ "ra", REG(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.ra)) },
		{ "sp", REG(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.sp)) },
		{ "a0", REG(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.a0)) },
		{ "a7", REG(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.a7)) },
		{ "mode", REG(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(mode)) },
		{ "sstatus", REG(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_REG(sstatus)) },
		{ "sie", REG(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_REG(sie)) },
		{ "sip", REG(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_REG(sip)) },
		{ "scause", REG(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_REG(scause)) },
		{ "sepc", REG(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_REG(sepc)) },
		{ "stval", REG(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_REG(stval)) },
		{ "stimecmp", REG(KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TIMER_REG(compare)) },
		{ "time", REG(KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TIMER_REG(time)) },
	};
	struct kvm_mp_state mp = { 0 };
	uint64_t val;
	size_t i;

	ioctl(v->fd, KVM_GET_MP_STATE, &mp);
	fprintf(stderr, "kvmod-vmm: vCPU %d (%s):", v->id,
		mp.mp_state == KVM_MP_STATE_STOPPED ? "stopped" : "runnable");
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		if (!get_reg(v->fd, regs[i].id, &val))
			fprintf(stderr, " %s=%#llx", regs[i].name, (unsigned long long)val);
	fputc('\n', stderr);
}
