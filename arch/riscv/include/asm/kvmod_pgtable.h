/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmod: walking the host's page tables (virt/kvmod/fault.c). RISC-V keeps
 * p4d_offset() and pud_offset() out of line and unexported, so a module
 * folds the levels Sv39/Sv48 lack itself, by the same rule.
 */
#ifndef __ASM_RISCV_KVMOD_PGTABLE_H
#define __ASM_RISCV_KVMOD_PGTABLE_H

#include <linux/pgtable.h>

static inline p4d_t *kvmod_host_p4d_offset(pgd_t *pgd, unsigned long addr)
{
	return pgtable_l5_enabled ? pgd_pgtable(*pgd) + p4d_index(addr) :
				    (p4d_t *)pgd;
}

static inline pud_t *kvmod_host_pud_offset(p4d_t *p4d, unsigned long addr)
{
	return pgtable_l4_enabled ? p4d_pgtable(*p4d) + pud_index(addr) :
				    (pud_t *)p4d;
}

#endif /* __ASM_RISCV_KVMOD_PGTABLE_H */
