/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest loops of kvmod-bench (riscv-guest.S): code between start and end. */
#ifndef KVMOD_BENCH_RISCV_GUEST_H
#define KVMOD_BENCH_RISCV_GUEST_H

extern const char mmio_loop[], mmio_loop_end[];
extern const char sbi_loop[], sbi_loop_end[];
extern const char envcfg_loop[], envcfg_loop_end[];

#endif /* KVMOD_BENCH_RISCV_GUEST_H */
