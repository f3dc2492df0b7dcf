/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel AIA (KVM_DEV_TYPE_RISCV_AIA) for kvmod's RISC-V selftests:
 * device attributes, irqfds, routing tables, MSIs.
 */
#ifndef KVMOD_RISCV_AIA_H
#define KVMOD_RISCV_AIA_H

#include <stdlib.h>
#include <string.h>

#include "../kvmod_util.h"

/* Where the tests put vCPU n's IMSIC page (n * 4 KiB above) and the APLIC. */
#define IMSIC_BASE	0x28000000UL
#define IMSIC_STR	"0x28000000"
#define APLIC_BASE	0x0c000000UL

static inline int attr(int dev, unsigned long req, uint32_t grp, uint64_t a, void *val)
{
	struct kvm_device_attr at = { .group = grp, .attr = a, .addr = (uintptr_t)val };

	return ioctl(dev, req, &at) ? errno : 0;
}

/* The AIA device's fd, or -errno. */
static inline int create_aia(int vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_RISCV_AIA };

	if (ioctl(vm, KVM_CREATE_DEVICE, &cd))
		return -errno;
	return cd.fd;
}

/*
 * Configures an AIA in @mode for vCPUs 0..@nr_vcpus-1 (already created):
 * 255 identities, @srcs wired sources, the APLIC at APLIC_BASE, vCPU n's
 * IMSIC page n * 4 KiB above IMSIC_BASE. 0 or the errno of the first step
 * that failed.
 */
static inline int aia_config(int dev, uint32_t mode, int nr_vcpus, uint32_t srcs)
{
	uint32_t ids = 255, hart_bits = 3;
	uint64_t addr = APLIC_BASE;
	int i, r;

	r = attr(dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_MODE, &mode);
	r = r ?: attr(dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_IDS, &ids);
	r = r ?: attr(dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_HART_BITS,
		      &hart_bits);
	r = r ?: attr(dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_SRCS, &srcs);
	r = r ?: attr(dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
		      KVM_DEV_RISCV_AIA_ADDR_APLIC, &addr);
	for (i = 0; i < nr_vcpus && !r; i++) {
		addr = IMSIC_BASE + i * 0x1000;
		r = attr(dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			 KVM_DEV_RISCV_AIA_ADDR_IMSIC(i), &addr);
	}
	return r;
}

/* aia_config(), then KVM_DEV_RISCV_AIA_CTRL_INIT. 0 or the first errno. */
static inline int aia_init(int dev, uint32_t mode, int nr_vcpus, uint32_t srcs)
{
	return aia_config(dev, mode, nr_vcpus, srcs) ?:
	       attr(dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
		    KVM_DEV_RISCV_AIA_CTRL_INIT, NULL);
}

/* vCPU @vcpu's file register @isel (eip0 is 0x80, eie0 0xc0). */
static inline int imsic_reg(int dev, unsigned long req, int vcpu, uint32_t isel,
			    uint64_t *val)
{
	return attr(dev, req, KVM_DEV_RISCV_AIA_GRP_IMSIC,
		    KVM_DEV_RISCV_AIA_IMSIC_MKATTR(vcpu, isel), val);
}

static inline int irqfd(int vm, int fd, uint32_t gsi, uint32_t flags)
{
	struct kvm_irqfd f = { .fd = fd, .gsi = gsi, .flags = flags };

	return ioctl(vm, KVM_IRQFD, &f) ? errno : 0;
}

/* A routing table of @n entries (all MSI to vCPU 0's file, identity 9). */
static inline int route_msi(int vm, uint32_t n, uint32_t gsi, uint32_t type)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + n * sizeof(r->entries[0]));
	uint32_t i;
	int err;

	r->nr = n;
	for (i = 0; i < n && i < 64; i++) {
		r->entries[i].gsi = gsi;
		r->entries[i].type = type;
		r->entries[i].u.msi.address_lo = IMSIC_BASE;
		r->entries[i].u.msi.data = 9;
	}
	err = ioctl(vm, KVM_SET_GSI_ROUTING, r) ? errno : 0;
	free(r);
	return err;
}

/* KVM_SET_GSI_ROUTING with @n entries of @e; 0 or the errno. */
static inline int route_table(int vm, const struct kvm_irq_routing_entry *e, uint32_t n)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + n * sizeof(r->entries[0]));
	int err;

	r->nr = n;
	memcpy(r->entries, e, n * sizeof(*e));
	err = ioctl(vm, KVM_SET_GSI_ROUTING, r) ? errno : 0;
	free(r);
	return err;
}

#define ROUTE_PIN(g, chip, p) { .gsi = (g), .type = KVM_IRQ_ROUTING_IRQCHIP,		\
				.u.irqchip = { .irqchip = (chip), .pin = (p) } }
#define ROUTE_MSI(g, fl) { .gsi = (g), .type = KVM_IRQ_ROUTING_MSI, .flags = (fl),	\
			   .u.msi = { .address_lo = IMSIC_BASE, .data = 9 } }

static inline int msi(int vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi m = { .address_lo = addr, .address_hi = addr >> 32, .data = data };

	return ioctl(vm, KVM_SIGNAL_MSI, &m) ? errno : 0;
}

#endif /* KVMOD_RISCV_AIA_H */
