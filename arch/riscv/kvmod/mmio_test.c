// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the RISC-V MMIO instruction decoder: every integer load
 * and store, their compressed forms, and what must not be taken for one.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>
#include <linux/module.h>

#include "riscv.h"

static u32 load(unsigned int funct3, unsigned int rd, unsigned int rs1)
{
	return (0x123 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x03;
}

static u32 store(unsigned int funct3, unsigned int rs2, unsigned int rs1)
{
	return (0x12 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) |
	       (0x5 << 7) | 0x23;
}

/* RVC: funct3 in 15:13, quadrant in 1:0; @r goes where @quadrant wants it. */
static u16 rvc(unsigned int funct3, unsigned int quadrant, unsigned int rfield,
	       unsigned int shift)
{
	return (funct3 << 13) | (rfield << shift) | quadrant;
}

static void expect(struct kunit *test, unsigned long insn, bool load_op,
		   bool sign, unsigned int len, unsigned int reg)
{
	struct kvmod_riscv_mmio_insn d;

	KUNIT_ASSERT_TRUE_MSG(test, kvmod_riscv_mmio_decode(insn, &d),
			      "insn %#lx not decoded", insn);
	KUNIT_EXPECT_EQ_MSG(test, d.load, load_op, "insn %#lx", insn);
	KUNIT_EXPECT_EQ_MSG(test, d.sign, sign, "insn %#lx", insn);
	KUNIT_EXPECT_EQ_MSG(test, d.len, len, "insn %#lx", insn);
	KUNIT_EXPECT_EQ_MSG(test, d.reg, reg, "insn %#lx", insn);
}

static void mmio_decode_loads(struct kunit *test)
{
	expect(test, load(0, 5, 6), true, true, 1, 5);		/* lb */
	expect(test, load(1, 6, 7), true, true, 2, 6);		/* lh */
	expect(test, load(2, 7, 8), true, true, 4, 7);		/* lw */
	expect(test, load(3, 31, 8), true, false, 8, 31);	/* ld */
	expect(test, load(4, 1, 2), true, false, 1, 1);		/* lbu */
	expect(test, load(5, 2, 3), true, false, 2, 2);		/* lhu */
	expect(test, load(6, 0, 3), true, false, 4, 0);		/* lwu to x0 */
}

static void mmio_decode_stores(struct kunit *test)
{
	expect(test, store(0, 9, 1), false, false, 1, 9);	/* sb */
	expect(test, store(1, 10, 1), false, false, 2, 10);	/* sh */
	expect(test, store(2, 11, 1), false, false, 4, 11);	/* sw */
	expect(test, store(3, 0, 1), false, false, 8, 0);	/* sd of x0 */
}

static void mmio_decode_compressed(struct kunit *test)
{
	/* rd'/rs2' in bits 4:2 name x8..x15. */
	expect(test, rvc(2, 0, 3, 2), true, true, 4, 11);	/* c.lw */
	expect(test, rvc(3, 0, 7, 2), true, false, 8, 15);	/* c.ld */
	expect(test, rvc(6, 0, 0, 2), false, false, 4, 8);	/* c.sw */
	expect(test, rvc(7, 0, 5, 2), false, false, 8, 13);	/* c.sd */
	/* SP-relative: rd in 11:7, rs2 in 6:2, any register. */
	expect(test, rvc(2, 2, 20, 7), true, true, 4, 20);	/* c.lwsp */
	expect(test, rvc(3, 2, 1, 7), true, false, 8, 1);	/* c.ldsp */
	expect(test, rvc(6, 2, 30, 2), false, false, 4, 30);	/* c.swsp */
	expect(test, rvc(7, 2, 17, 2), false, false, 8, 17);	/* c.sdsp */
}

static void mmio_decode_rejects(struct kunit *test)
{
	static const unsigned long bad[] = {
		0x00002007,		/* flw: floating point */
		0x00003027,		/* fsd */
		0x0a05a52f,		/* amoswap.w */
		0x00007003,		/* load with the reserved funct3 7 */
		0x00004023,		/* store with funct3 4 */
		0x00000013,		/* addi (nop) */
		0x10500073,		/* wfi */
		0x2000,			/* c.fld */
		0xa000,			/* c.fsd */
		0x8000,			/* c.lbu (Zcb), not decoded */
		0x0001,			/* c.nop */
	};
	struct kvmod_riscv_mmio_insn d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE_MSG(test, kvmod_riscv_mmio_decode(bad[i], &d),
				       "insn %#lx taken for a load/store", bad[i]);
}

/* htinst gives 32-bit forms with bit 1 clear when the original was RVC. */
static void mmio_decode_transformed(struct kunit *test)
{
	u32 lw = load(2, 12, 0) & ~(0x1fU << 15) & ~(0xfffU << 20);

	expect(test, (lw & ~2UL) | 2, true, true, 4, 12);
}

static struct kunit_case kvmod_riscv_mmio_cases[] = {
	KUNIT_CASE(mmio_decode_loads),
	KUNIT_CASE(mmio_decode_stores),
	KUNIT_CASE(mmio_decode_compressed),
	KUNIT_CASE(mmio_decode_rejects),
	KUNIT_CASE(mmio_decode_transformed),
	{}
};

static struct kunit_suite kvmod_riscv_mmio_suite = {
	.name = "kvmod_riscv_mmio",
	.test_cases = kvmod_riscv_mmio_cases,
};

kunit_test_suite(kvmod_riscv_mmio_suite);
