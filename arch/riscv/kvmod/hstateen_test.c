// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the lazy hstateen0 decision: which CSR opens which gate,
 * when the guest's ISA refuses it, and that an open gate or any other
 * instruction is left alone.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>
#include <linux/module.h>
#include <asm/csr.h>

#include "riscv.h"

/* csrrs rd, csr, rs1 (a read when rs1 is x0) and csrrw rd, csr, rs1. */
static u32 csrrs(unsigned int csr, unsigned int rd, unsigned int rs1)
{
	return (csr << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x73;
}

static u32 csrrw(unsigned int csr, unsigned int rd, unsigned int rs1)
{
	return (csr << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x73;
}

/* A guest with Ssaia and Smstateen, or with neither. */
static void isa(unsigned long *map, bool full)
{
	bitmap_zero(map, RISCV_ISA_EXT_MAX);
	if (full) {
		set_bit(RISCV_ISA_EXT_SSAIA, map);
		set_bit(RISCV_ISA_EXT_SMSTATEEN, map);
	}
}

static void expect_enable(struct kunit *test, u32 insn, const unsigned long *map,
			  unsigned int want)
{
	unsigned int bit = 0;

	KUNIT_EXPECT_EQ_MSG(test, kvmod_riscv_hstateen_decide(insn, 0, map, &bit),
			    KVMOD_HSTATEEN_ENABLE, "insn %#x", insn);
	KUNIT_EXPECT_EQ_MSG(test, bit, want, "insn %#x", insn);
}

static void hstateen_each_gate(struct kunit *test)
{
	DECLARE_BITMAP(map, RISCV_ISA_EXT_MAX);

	isa(map, true);
	expect_enable(test, csrrs(CSR_STOPEI, 5, 0), map, SMSTATEEN0_AIA_IMSIC_SHIFT);
	expect_enable(test, csrrs(CSR_STOPI, 5, 0), map, SMSTATEEN0_AIA_SHIFT);
	expect_enable(test, csrrw(CSR_SISELECT, 0, 6), map, SMSTATEEN0_AIA_ISEL_SHIFT);
	expect_enable(test, csrrs(CSR_SIREG, 7, 0), map, SMSTATEEN0_AIA_ISEL_SHIFT);
	expect_enable(test, csrrs(CSR_SENVCFG, 1, 0), map, SMSTATEEN0_HSENVCFG_SHIFT);
	expect_enable(test, csrrw(CSR_SENVCFG, 0, 3), map, SMSTATEEN0_HSENVCFG_SHIFT);
	expect_enable(test, csrrs(CSR_SSTATEEN0, 2, 0), map, SMSTATEEN0_SSTATEEN0_SHIFT);
}

static void hstateen_guest_lacks_extension(struct kunit *test)
{
	DECLARE_BITMAP(map, RISCV_ISA_EXT_MAX);
	unsigned int bit = 99;

	isa(map, false);
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(csrrs(CSR_STOPI, 5, 0), 0, map, &bit),
			KVMOD_HSTATEEN_ILLEGAL);
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(csrrs(CSR_SIREG, 5, 0), 0, map, &bit),
			KVMOD_HSTATEEN_ILLEGAL);
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(csrrs(CSR_SSTATEEN0, 5, 0), 0, map,
							  &bit),
			KVMOD_HSTATEEN_ILLEGAL);
	KUNIT_EXPECT_EQ(test, bit, 99);
	/* senvcfg belongs to every guest. */
	expect_enable(test, csrrs(CSR_SENVCFG, 1, 0), map, SMSTATEEN0_HSENVCFG_SHIFT);
}

static void hstateen_open_gate_and_others_untouched(struct kunit *test)
{
	DECLARE_BITMAP(map, RISCV_ISA_EXT_MAX);
	unsigned int bit = 99;
	/* Open gates, plus low (sstateen0-field) bits the lazy path never sets. */
	u64 open = SMSTATEEN0_HSENVCFG | SMSTATEEN0_AIA | GENMASK_ULL(31, 0);

	isa(map, true);
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(csrrs(CSR_SENVCFG, 1, 0), open, map,
							  &bit),
			KVMOD_HSTATEEN_NOT_GATED);
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(csrrs(CSR_STOPI, 1, 0), open, map,
							  &bit),
			KVMOD_HSTATEEN_NOT_GATED);
	/* Other CSRs and non-CSR instructions: not ours. */
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(csrrs(CSR_CYCLE, 1, 0), 0, map, &bit),
			KVMOD_HSTATEEN_NOT_GATED);
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(0x10500073, 0, map, &bit),
			KVMOD_HSTATEEN_NOT_GATED);	/* wfi */
	KUNIT_EXPECT_EQ(test, kvmod_riscv_hstateen_decide(0x00000013, 0, map, &bit),
			KVMOD_HSTATEEN_NOT_GATED);	/* nop */
	KUNIT_EXPECT_EQ(test, bit, 99);
}

/* Whatever is asked, the bit chosen is one of 58-63, never a low one. */
static void hstateen_only_high_bits(struct kunit *test)
{
	DECLARE_BITMAP(map, RISCV_ISA_EXT_MAX);
	unsigned int csr, bit;

	isa(map, true);
	for (csr = 0; csr < 0x1000; csr++) {
		if (kvmod_riscv_hstateen_decide(csrrs(csr, 1, 0), 0, map, &bit) ==
		    KVMOD_HSTATEEN_ENABLE)
			KUNIT_EXPECT_GE_MSG(test, bit, 58, "csr %#x", csr);
	}
}

static struct kunit_case kvmod_riscv_hstateen_cases[] = {
	KUNIT_CASE(hstateen_each_gate),
	KUNIT_CASE(hstateen_guest_lacks_extension),
	KUNIT_CASE(hstateen_open_gate_and_others_untouched),
	KUNIT_CASE(hstateen_only_high_bits),
	{}
};

static struct kunit_suite kvmod_riscv_hstateen_suite = {
	.name = "kvmod_riscv_hstateen",
	.test_cases = kvmod_riscv_hstateen_cases,
};

kunit_test_suite(kvmod_riscv_hstateen_suite);
