// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest code for KVM_RUN: random words mixed with instructions that make
 * kvmod work (hypervisor calls with random arguments, loads and stores to
 * RAM, MMIO and nowhere, WFI, CSR or system register accesses, jumps and
 * endless loops), and the one-reg ids that point a vCPU at it.
 */
#include <stddef.h>

#include "fuzz.h"

struct emit {
	uint32_t *buf;
	size_t n, max;
};

static void put(struct emit *e, uint32_t w)
{
	if (e->n < e->max)
		e->buf[e->n++] = w;
}

/* A guest address to load from or store to. */
static uint64_t guest_addr(struct thr *t)
{
	unsigned int x = rnd(t, 100);

	if (x < 50)
		return GUEST_RAM_GPA + rnd(t, NR_REGIONS * REGION_SIZE);
	if (x < 65)
		return 0x10000000 + rnd(t, 0x1000);
	if (x < 75)
		return (one_in(t, 2) ? 0x0c000000 : 0x28000000) + rnd(t, 0x4000);
	if (x < 90)
		return gen_gpa(t);
	return rnd64(t);
}

#if defined(__riscv)

enum { X0, RA, SP, GP, TP, T0, T1, T2, A0 = 10, A1, A2, A3, A4, A5, A6, A7 };

#define RV_ECALL	0x00000073
#define RV_EBREAK	0x00100073
#define RV_WFI		0x10500073
#define RV_SRET		0x10200073
#define RV_NOP		0x00000013
#define RV_FENCE	0x0ff0000f
#define RV_FENCE_I	0x0000100f
#define RV_SFENCE_VMA	0x12000073

static uint32_t rv_i(uint32_t opc, int f3, int rd, int rs1, int32_t imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}

static uint32_t rv_s(int f3, int rs1, int rs2, int32_t imm)
{
	uint32_t i = imm & 0xfff;

	return (i >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (i & 0x1f) << 7 | 0x23;
}

static uint32_t rv_j(int rd, int32_t off)
{
	uint32_t o = off;

	return ((o >> 20) & 1) << 31 | ((o >> 1) & 0x3ff) << 21 |
	       ((o >> 11) & 1) << 20 | ((o >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

static void li32(struct emit *e, int rd, int32_t v)
{
	put(e, ((((uint32_t)v + 0x800) >> 12) & 0xfffff) << 12 | rd << 7 | 0x37);
	put(e, rv_i(0x1b, 0, rd, rd, v));	/* addiw */
}

/* Any 64-bit value, with t2 as a temporary. */
static void li64(struct emit *e, int rd, uint64_t v)
{
	if ((int64_t)v == (int32_t)v) {
		li32(e, rd, v);
		return;
	}
	li32(e, rd, v >> 32);
	put(e, rv_i(0x13, 1, rd, rd, 32));		/* slli rd, 32 */
	li32(e, T2, v);
	put(e, rv_i(0x13, 1, T2, T2, 32));		/* slli t2, 32 */
	put(e, rv_i(0x13, 5, T2, T2, 32));		/* srli t2, 32 */
	put(e, 6 << 12 | T2 << 20 | rd << 15 | rd << 7 | 0x33);	/* or */
}

/* An SBI call: a known extension mostly, random function and arguments. */
static void blk_ecall(struct thr *t, struct emit *e)
{
	static const uint64_t eids[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x54494d45, 0x735049,
		0x52464e43, 0x48534d, 0x53525354, 0x504d55, 0x4442434e,
		0x53555350, 0x535441, 0x46574654, 0x08000042, 0x09000000,
	};

	li64(e, A7, one_in(t, 8) ? gen_u64(t) : PICK(t, eids));
	li64(e, A6, one_in(t, 4) ? gen_u64(t) : rnd(t, 8));
	li64(e, A0, one_in(t, 2) ? rnd(t, 4) : gen_u64(t));
	li64(e, A1, one_in(t, 2) ? guest_addr(t) : gen_u64(t));
	li64(e, A2, gen_u64(t));
	put(e, RV_ECALL);
}

static void blk_mem(struct thr *t, struct emit *e)
{
	int32_t imm = rnd(t, 64) - 32;

	li64(e, T0, guest_addr(t));
	if (one_in(t, 2))
		put(e, rv_i(0x03, rnd(t, 7), T1, T0, imm));	/* lb .. lwu */
	else
		put(e, rv_s(rnd(t, 4), T0, T1, imm));		/* sb .. sd */
}

static void blk_csr(struct thr *t, struct emit *e)
{
	static const uint32_t csrs[] = {
		0x100, 0x104, 0x105, 0x106, 0x10a, 0x140, 0x141, 0x142, 0x143,
		0x144, 0x14d, 0x150, 0x151, 0x15c, 0x180, 0xdb0, 0xc00, 0xc01,
		0xc02, 0xc03, 0xc20, 0xc21, 0xc22, 0x003, 0x600, 0x300,
	};
	uint32_t csr = one_in(t, 6) ? rnd(t, 0x1000) : PICK(t, csrs);

	if (one_in(t, 3)) {
		li64(e, T1, gen_u64(t));
		put(e, rv_i(0x73, 1, X0, T1, csr));	/* csrw */
	} else {
		put(e, rv_i(0x73, 2, T1, X0, csr));	/* csrr */
	}
}

static void blk_misc(struct thr *t, struct emit *e)
{
	static const uint32_t fixed[] = {
		RV_WFI, RV_WFI, RV_NOP, RV_FENCE, RV_FENCE_I, RV_EBREAK, RV_SRET,
		RV_SFENCE_VMA, 0,
	};

	switch (rnd(t, 5)) {
	case 0:
		put(e, rv_j(X0, 0));			/* j . */
		break;
	case 1:
		put(e, rv_j(X0, 4 * (rnd(t, 16) - 4)));
		break;
	case 2:
		put(e, rnd64(t));
		break;
	default:
		put(e, PICK(t, fixed));
	}
}

size_t guest_code(struct thr *t, uint32_t *buf, size_t max, uint64_t gpa)
{
	struct emit e = { buf, 0, max - 1 };	/* room for the last word */

	/* An SBI call block, the longest, takes 41 words. */
	while (e.n + 41 < e.max) {
		switch (rnd(t, 8)) {
		case 0: case 1:
			blk_ecall(t, &e);
			break;
		case 2: case 3:
			blk_mem(t, &e);
			break;
		case 4:
			blk_csr(t, &e);
			break;
		default:
			blk_misc(t, &e);
		}
	}
	e.max = max;
	put(&e, one_in(t, 2) ? rv_j(X0, 0) : RV_WFI);
	return e.n;
}

#define CORE_ID(name)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | \
			 KVM_REG_RISCV_CORE_REG(name))

uint64_t guest_pc_id(void)
{
	return CORE_ID(regs.pc);
}

/* pc at the code, a stack in RAM, a hart id in a0; S- or U-mode. */
unsigned int guest_regs(struct thr *t, uint64_t *ids, uint64_t *vals,
			unsigned int max, uint64_t gpa)
{
	unsigned int n = 0;

	if (max < 5)
		return 0;
	ids[n] = CORE_ID(regs.pc);
	vals[n++] = gpa;
	ids[n] = CORE_ID(regs.sp);
	vals[n++] = GUEST_RAM_GPA + rnd(t, NR_REGIONS * REGION_SIZE);
	ids[n] = CORE_ID(regs.a0);
	vals[n++] = rnd(t, 4);
	ids[n] = CORE_ID(regs.a1);
	vals[n++] = guest_addr(t);
	ids[n] = CORE_ID(mode);
	vals[n++] = one_in(t, 6) ? KVM_RISCV_MODE_U : KVM_RISCV_MODE_S;
	return n;
}

#elif defined(__aarch64__)

#define A64_HVC		0xd4000002
#define A64_SMC		0xd4000003
#define A64_BRK		0xd4200000
#define A64_WFI		0xd503207f
#define A64_WFE		0xd503205f
#define A64_NOP		0xd503201f
#define A64_ERET	0xd69f03e0
#define A64_B_SELF	0x14000000
#define A64_LDR_X0_X1	0xf9400020
#define A64_STR_X0_X1	0xf9000020
#define A64_MRS_X0	0xd5300000	/* | sysreg << 5 */
#define A64_MSR_X0	0xd5100000

/* x1 = @v, 16 bits at a time (movz, movk). */
static void mov_x1(struct emit *e, uint64_t v)
{
	int i;

	put(e, 0xd2800001 | (uint32_t)(v & 0xffff) << 5);
	for (i = 1; i < 4; i++)
		put(e, 0xf2800001 | i << 21 | (uint32_t)((v >> (16 * i)) & 0xffff) << 5);
}

static void blk_one(struct thr *t, struct emit *e)
{
	static const uint32_t fixed[] = {
		A64_WFI, A64_WFE, A64_NOP, A64_ERET, A64_BRK, A64_B_SELF,
	};

	switch (rnd(t, 7)) {
	case 0:
		put(e, (one_in(t, 4) ? A64_SMC : A64_HVC) | (uint32_t)rnd(t, 0x10000) << 5);
		break;
	case 1: case 2:
		mov_x1(e, guest_addr(t));
		put(e, one_in(t, 2) ? A64_LDR_X0_X1 : A64_STR_X0_X1);
		break;
	case 3:
		put(e, (one_in(t, 3) ? A64_MSR_X0 : A64_MRS_X0) |
		       (uint32_t)rnd(t, 0x8000) << 5);
		break;
	case 4:
		put(e, rnd64(t));
		break;
	default:
		put(e, PICK(t, fixed));
	}
}

size_t guest_code(struct thr *t, uint32_t *buf, size_t max, uint64_t gpa)
{
	struct emit e = { buf, 0, max };

	while (e.n + 8 < max)
		blk_one(t, &e);
	put(&e, one_in(t, 2) ? A64_B_SELF : A64_WFI);
	return e.n;
}

#define CORE_ID(name)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(name))

uint64_t guest_pc_id(void)
{
	return CORE_ID(regs.pc);
}

/* pc at the code, EL1h with interrupts masked, a stack in RAM. */
unsigned int guest_regs(struct thr *t, uint64_t *ids, uint64_t *vals,
			unsigned int max, uint64_t gpa)
{
	unsigned int n = 0;

	if (max < 4)
		return 0;
	ids[n] = CORE_ID(regs.pc);
	vals[n++] = gpa;
	ids[n] = CORE_ID(regs.pstate);
	vals[n++] = one_in(t, 6) ? gen_u64(t) : 0x3c5;
	ids[n] = CORE_ID(sp_el1);
	vals[n++] = GUEST_RAM_GPA + rnd(t, NR_REGIONS * REGION_SIZE);
	ids[n] = CORE_ID(regs.regs[0]);
	vals[n++] = gen_u64(t);
	return n;
}

#endif
