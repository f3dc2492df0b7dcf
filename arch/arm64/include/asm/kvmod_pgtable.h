/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmod: walking the host's page tables (virt/kvmod/fault.c). arm64's
 * folding helpers are inline: use them as they are.
 */
#ifndef __ASM_ARM64_KVMOD_PGTABLE_H
#define __ASM_ARM64_KVMOD_PGTABLE_H

#include <linux/pgtable.h>

#define kvmod_host_p4d_offset	p4d_offset
#define kvmod_host_pud_offset	pud_offset

#endif /* __ASM_ARM64_KVMOD_PGTABLE_H */
