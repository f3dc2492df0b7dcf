// SPDX-License-Identifier: GPL-2.0-only
/*
 * The operations and how often each runs. KVM_RUN is a modest share (each
 * takes milliseconds of guest time), fd creation is balanced by closes and
 * by the pool evicting its oldest entries.
 */
#include "fuzz.h"
#include "ops.h"

const struct op ops[] = {
	/* system fd */
	{ "KVM_GET_API_VERSION", K_SYS, KVM_GET_API_VERSION, 8, op_api_version },
	{ "KVM_CREATE_VM", K_SYS, KVM_CREATE_VM, 12, op_create_vm },
	{ "KVM_CHECK_EXTENSION", K_SYS, KVM_CHECK_EXTENSION, 16, op_check_extension },
	{ "KVM_GET_VCPU_MMAP_SIZE", K_SYS, KVM_GET_VCPU_MMAP_SIZE, 6, op_mmap_size },
	{ "KVM_GET_STATS_FD", K_SYS, KVM_GET_STATS_FD, 2, op_get_stats_fd },
	/* VM fd */
	{ "KVM_CHECK_EXTENSION", K_VM, KVM_CHECK_EXTENSION, 10, op_check_extension },
	{ "KVM_CREATE_VCPU", K_VM, KVM_CREATE_VCPU, 16, op_create_vcpu },
	{ "KVM_SET_USER_MEMORY_REGION", K_VM, KVM_SET_USER_MEMORY_REGION, 28, op_set_region },
	{ "KVM_SET_USER_MEMORY_REGION2", K_VM, KVM_SET_USER_MEMORY_REGION2, 28,
	  op_set_region },
	{ "KVM_GET_DIRTY_LOG", K_VM, KVM_GET_DIRTY_LOG, 14, op_get_dirty_log },
	{ "KVM_CLEAR_DIRTY_LOG", K_VM, KVM_CLEAR_DIRTY_LOG, 12, op_clear_dirty_log },
	{ "KVM_ENABLE_CAP", K_VM, KVM_ENABLE_CAP, 12, op_enable_cap },
	{ "KVM_IRQFD", K_VM, KVM_IRQFD, 16, op_irqfd },
	{ "KVM_IOEVENTFD", K_VM, KVM_IOEVENTFD, 18, op_ioeventfd },
	{ "KVM_SET_GSI_ROUTING", K_VM, KVM_SET_GSI_ROUTING, 10, op_gsi_routing },
	{ "KVM_IRQ_LINE", K_VM, KVM_IRQ_LINE, 12, op_irq_line },
	{ "KVM_SIGNAL_MSI", K_VM, KVM_SIGNAL_MSI, 12, op_signal_msi },
	{ "KVM_CREATE_DEVICE", K_VM, KVM_CREATE_DEVICE, 12, op_create_device },
	{ "KVM_REGISTER_COALESCED_MMIO", K_VM, KVM_REGISTER_COALESCED_MMIO, 10,
	  op_coalesced },
	{ "KVM_UNREGISTER_COALESCED_MMIO", K_VM, KVM_UNREGISTER_COALESCED_MMIO, 8,
	  op_coalesced },
	{ "KVM_GET_STATS_FD", K_VM, KVM_GET_STATS_FD, 6, op_get_stats_fd },
	/* vCPU fd */
	{ "KVM_RUN", K_VCPU, KVM_RUN, 48, op_run },
	{ "KVM_GET_ONE_REG", K_VCPU, KVM_GET_ONE_REG, 28, op_one_reg },
	{ "KVM_SET_ONE_REG", K_VCPU, KVM_SET_ONE_REG, 28, op_one_reg },
	{ "KVM_GET_REG_LIST", K_VCPU, KVM_GET_REG_LIST, 10, op_reg_list },
	{ "KVM_GET_MP_STATE", K_VCPU, KVM_GET_MP_STATE, 8, op_mp_state },
	{ "KVM_SET_MP_STATE", K_VCPU, KVM_SET_MP_STATE, 10, op_mp_state },
	{ "KVM_SET_SIGNAL_MASK", K_VCPU, KVM_SET_SIGNAL_MASK, 8, op_signal_mask },
	{ "KVM_INTERRUPT", K_VCPU, KVM_INTERRUPT, 10, op_interrupt },
	{ "KVM_SET_GUEST_DEBUG", K_VCPU, KVM_SET_GUEST_DEBUG, 8, op_guest_debug },
	{ "KVM_ENABLE_CAP", K_VCPU, KVM_ENABLE_CAP, 4, op_enable_cap },
	{ "KVM_GET_STATS_FD", K_VCPU, KVM_GET_STATS_FD, 6, op_get_stats_fd },
	{ "mmap(vcpu)", K_VCPU, 0, 12, op_mmap_vcpu },
	{ "munmap(kvm_run)", K_VCPU, 0, 8, op_munmap_run },
	/* device fd */
	{ "KVM_SET_DEVICE_ATTR", K_DEV, KVM_SET_DEVICE_ATTR, 16, op_dev_attr },
	{ "device setup", K_DEV, KVM_SET_DEVICE_ATTR, 4, op_dev_setup },
	{ "KVM_GET_DEVICE_ATTR", K_DEV, KVM_GET_DEVICE_ATTR, 14, op_dev_attr },
	{ "KVM_HAS_DEVICE_ATTR", K_DEV, KVM_HAS_DEVICE_ATTR, 12, op_dev_attr },
	/* stats fd, eventfds, fd lifecycles */
	{ "pread(stats)", K_STATS, 0, 16, op_stats_read },
	{ "open(/dev/kvm)", K_NONE, 0, 2, op_open_kvm },
	{ "eventfd", K_NONE, 0, 6, op_eventfd },
	{ "write(eventfd)", K_EVENTFD, 0, 8, op_eventfd_write },
	{ "read(eventfd)", K_EVENTFD, 0, 4, op_eventfd_read },
	{ "close", K_NONE, 0, 12, op_close },
	{ "unknown ioctl", K_NONE, 0, 24, op_unknown_ioctl },
	/* guest memory behind the slots */
	{ "munmap(guest memory)", K_NONE, 0, 4, mem_unmap },
	{ "mprotect(guest memory)", K_NONE, 0, 5, mem_protect },
	{ "madvise(guest memory)", K_NONE, 0, 5, mem_advise },
	{ "mmap(guest memory)", K_NONE, 0, 8, mem_remap },
};

const unsigned int nr_ops = ARRAY_SIZE(ops);
