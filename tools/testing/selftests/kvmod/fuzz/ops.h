/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmod_fuzz: the operations of the table (table.c). */
#ifndef KVMOD_FUZZ_OPS_H
#define KVMOD_FUZZ_OPS_H

#include "fuzz.h"

void begin(struct thr *t, const struct op *op, struct tgt *tg);
bool was_right(const struct tgt *tg);

/* ops_sys.c */
void op_api_version(struct thr *t, const struct op *op);
void op_create_vm(struct thr *t, const struct op *op);
void op_check_extension(struct thr *t, const struct op *op);
void op_mmap_size(struct thr *t, const struct op *op);
void op_get_stats_fd(struct thr *t, const struct op *op);
void op_open_kvm(struct thr *t, const struct op *op);
void op_eventfd(struct thr *t, const struct op *op);
void op_eventfd_write(struct thr *t, const struct op *op);
void op_eventfd_read(struct thr *t, const struct op *op);
void op_close(struct thr *t, const struct op *op);
void op_stats_read(struct thr *t, const struct op *op);
void op_unknown_ioctl(struct thr *t, const struct op *op);

/* ops_vm.c */
void op_create_vcpu(struct thr *t, const struct op *op);
void op_set_region(struct thr *t, const struct op *op);
void op_get_dirty_log(struct thr *t, const struct op *op);
void op_clear_dirty_log(struct thr *t, const struct op *op);
void op_enable_cap(struct thr *t, const struct op *op);
void op_irqfd(struct thr *t, const struct op *op);
void op_ioeventfd(struct thr *t, const struct op *op);
void op_gsi_routing(struct thr *t, const struct op *op);
void op_irq_line(struct thr *t, const struct op *op);
void op_signal_msi(struct thr *t, const struct op *op);
void op_create_device(struct thr *t, const struct op *op);
void op_coalesced(struct thr *t, const struct op *op);

/* ops_vcpu.c */
void op_run(struct thr *t, const struct op *op);
void op_one_reg(struct thr *t, const struct op *op);
void op_reg_list(struct thr *t, const struct op *op);
void op_mp_state(struct thr *t, const struct op *op);
void op_signal_mask(struct thr *t, const struct op *op);
void op_interrupt(struct thr *t, const struct op *op);
void op_guest_debug(struct thr *t, const struct op *op);
void op_mmap_vcpu(struct thr *t, const struct op *op);
void op_munmap_run(struct thr *t, const struct op *op);
void op_dev_setup(struct thr *t, const struct op *op);
void op_dev_attr(struct thr *t, const struct op *op);

/* mem.c */
void mem_unmap(struct thr *t, const struct op *op);
void mem_protect(struct thr *t, const struct op *op);
void mem_advise(struct thr *t, const struct op *op);
void mem_remap(struct thr *t, const struct op *op);

#endif /* KVMOD_FUZZ_OPS_H */
