// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SBI PMU extension kvmod gives RISC-V guests: counter discovery,
 * error codes of bad calls, hardware counters that count only once
 * configured (reads of others are illegal instructions), firmware counters
 * that count kvmod's SBI work, the snapshot area, and the extension
 * switched off through ONE_REG.
 */

#include "guest.h"

#define SBI_PMU			0x504D55
#define SBI_PMU_STR		"0x504D55"
#define SBI_ERR_INVALID_ADDRESS	-5
#define SBI_ERR_ALREADY_STARTED	-7
#define SBI_ERR_ALREADY_STOPPED	-8
#define SBI_ERR_NO_SHMEM	-9
#define EXC_ILLEGAL		2
/* The guest's snapshot area: a page of its memory. */
#define SNAPSHOT_OFF		0x8000UL
#define SNAPSHOT_STR		"0x80008000"

#define REG_SBI_EXT(ext) (KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_SBI_EXT | \
			  KVM_REG_RISCV_SBI_SINGLE | (ext))

/* PMU call FID with a0..a4 already set. */
#define PMU_CALL(fid)	"li a7, " SBI_PMU_STR "\n li a6, " #fid "\n ecall\n"
#define SPIN(n)		"li t1, " #n "\n 8: addi t1, t1, -1\n bnez t1, 8b\n"

GUEST_CODE(pmu_errors,
	   PMU_CALL(0) "mv s0, a1\n" G_REPORT(1)		/* num_counters */
	   "li a0, 1\n" PMU_CALL(1) G_REPORT(2)		/* info: time is no counter */
	   "li a0, 0\n" PMU_CALL(1) G_REPORT(3)		/* info: cycle */
	   "addi a0, s0, -1\n" PMU_CALL(1) G_REPORT(4)	/* info: last, firmware */
	   "mv a0, s0\n" PMU_CALL(1) G_REPORT(5)		/* info: past the end */
	   "li a0, 0\n li a1, 1\n li a2, 0\n li a3, 0x1234\n li a4, 0\n"
	   PMU_CALL(2) G_REPORT(6)				/* unknown event */
	   "li a0, 0\n li a1, -1\n li a2, 0\n li a3, 1\n li a4, 0\n"
	   PMU_CALL(2) G_REPORT(7)				/* counters past the end */
	   "li a0, 0\n li a1, 1\n li a2, 0\n li a3, 0\n" PMU_CALL(3) G_REPORT(8)
	   "li a0, 0\n" PMU_CALL(5) G_REPORT(9)		/* fw_read of a hw counter */
	   "li a0, 0x80001004\n li a1, 0\n li a2, 0\n" PMU_CALL(7) G_REPORT(10)
	   "li a0, 0x10000000\n li a1, 0\n li a2, 0\n" PMU_CALL(7) G_REPORT(11)
	   "li a0, " SNAPSHOT_STR "\n li a1, 0\n li a2, 1\n" PMU_CALL(7) G_REPORT(12)
	   "li a0, 0\n li a1, 1\n li a2, 0\n li a3, 2\n li a4, 0\n"
	   PMU_CALL(2) G_REPORT(13)			/* instret on cycle's counter */
	   "li a0, 0\n li a1, 1\n li a2, 0\n li a3, 1\n li a4, 0\n"
	   PMU_CALL(2) G_REPORT(14)			/* cycles on counter 0 */
	   "li a0, 0\n li a1, 1\n li a2, 2\n li a3, 0\n" PMU_CALL(3) G_REPORT(15)
	   "li a0, 0\n li a1, 1\n li a2, 0\n" PMU_CALL(4) G_REPORT(16)
	   "li a0, 0\n li a1, 1\n li a2, 0\n li a3, 0\n" PMU_CALL(3)
	   "li a0, 0\n li a1, 1\n li a2, 0\n li a3, 0\n" PMU_CALL(3) G_REPORT(17));

GUEST_CODE(pmu_count,
	   G_TRAP_SETUP
	   "csrr a1, cycle\n mv a0, s1\n" G_REPORT(1)	/* not configured: traps */
	   "li s1, 0\n"
	   /* cycles on counter 0, cleared and started at once */
	   "li a0, 0\n li a1, 1\n li a2, 6\n li a3, 1\n li a4, 0\n" PMU_CALL(2)
	   "mv s2, a0\n mv s3, a1\n"
	   "csrr s4, cycle\n" SPIN(1000) "csrr s5, cycle\n"
	   "li a0, 0\n li a1, 1\n li a2, 0\n" PMU_CALL(4) "mv s6, a0\n"
	   "csrr s7, cycle\n" SPIN(1000) "csrr s8, cycle\n"
	   "mv a0, s2\n mv a1, s3\n sub a2, s5, s4\n mv a3, s6\n sub a4, s8, s7\n"
	   "mv a5, s1\n" G_REPORT(2)
	   "li a0, 0\n li a1, 1\n li a2, 1\n" PMU_CALL(4) "mv s2, a0\n"	/* reset */
	   "csrr a1, cycle\n mv a0, s2\n mv a1, s1\n" G_REPORT(3)
	   "j 10f\n"
	   G_TRAP_HANDLER
	   "10: j 10b\n");

/* Firmware counter of SET_TIMER: found by scanning the counters' info. */
GUEST_CODE(pmu_fw,
	   PMU_CALL(0) "mv s0, a1\n li s1, 0\n"
	   "1: mv a0, s1\n" PMU_CALL(1) "bnez a0, 2f\n bltz a1, 3f\n"
	   "2: addi s1, s1, 1\n blt s1, s0, 1b\n"
	   "3: mv a0, s1\n li a1, 1\n li a2, 6\n li a3, 0xf0005\n li a4, 0\n"
	   PMU_CALL(2) "mv s2, a0\n mv s3, a1\n"
	   "li s4, 3\n 4: li a7, 0x54494D45\n li a6, 0\n li a0, -1\n ecall\n"
	   "addi s4, s4, -1\n bnez s4, 4b\n"
	   "mv a0, s3\n" PMU_CALL(5)
	   "mv a2, s2\n mv a3, s3\n mv a4, s1\n" G_REPORT(1)
	   "mv a0, s3\n li a1, 1\n li a2, 0\n" PMU_CALL(4)
	   "li a7, 0x54494D45\n li a6, 0\n li a0, -1\n ecall\n"
	   "mv a0, s3\n" PMU_CALL(5) G_REPORT(2)
	   "mv a0, s3\n" PMU_CALL(6) G_REPORT(3));

GUEST_CODE(pmu_snapshot,
	   "li a0, " SNAPSHOT_STR "\n li a1, 0\n li a2, 0\n" PMU_CALL(7) "mv s2, a0\n"
	   "li a0, 0\n li a1, 1\n li a2, 0\n li a3, 1\n li a4, 0\n" PMU_CALL(2)
	   "mv s3, a0\n"
	   "li a0, 0\n li a1, 1\n li a2, 1\n li a3, 1000\n" PMU_CALL(3) "mv s4, a0\n"
	   SPIN(1000)
	   "li a0, 0\n li a1, 1\n li a2, 2\n" PMU_CALL(4)
	   "mv a3, a0\n mv a0, s2\n mv a1, s3\n mv a2, s4\n" G_REPORT(1)
	   /* Start from the value the guest puts in the area. */
	   "li t0, " SNAPSHOT_STR "\n li t1, 5000000\n sd t1, 8(t0)\n"
	   "li a0, 0\n li a1, 1\n li a2, 2\n" PMU_CALL(3) "mv s4, a0\n"
	   "li a0, 0\n li a1, 1\n li a2, 2\n" PMU_CALL(4)
	   "mv a1, a0\n mv a0, s4\n" G_REPORT(2));

GUEST_CODE(pmu_off,
	   G_TRAP_SETUP
	   "li a7, 0x10\n li a6, 3\n li a0, " SBI_PMU_STR "\n ecall\n mv s2, a1\n"
	   "csrr s3, cycle\n"
	   "mv a0, s2\n mv a2, s1\n" G_REPORT(1)
	   "j 10f\n"
	   G_TRAP_HANDLER
	   "10: j 10b\n");

FIXTURE(pmu) {
	struct guest g;
};

FIXTURE_SETUP(pmu)
{
	memset(&self->g, 0, sizeof(self->g));
}

FIXTURE_TEARDOWN(pmu)
{
	if (self->g.run)
		guest_teardown(&self->g);
}

static bool has_pmu(struct __test_metadata *_metadata, struct guest *g)
{
	uint64_t on = 0;

	return !vcpu_reg(g->vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_PMU), &on, false) && on;
}

#define REPORT(tag) guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, tag)
#define ERR(run)	((long)(run)->riscv_sbi.args[0])
#define VAL(run, i)	((run)->riscv_sbi.args[i])

TEST_F(pmu, errors)
{
	struct kvm_run *run;
	uint64_t n;

	guest_setup(_metadata, &self->g, pmu_errors_start, pmu_errors_end);
	if (!has_pmu(_metadata, &self->g))
		SKIP(return, "no SBI PMU (host lacks the SBI PMU driver)");
	run = REPORT(1);
	EXPECT_EQ(0, ERR(run));
	n = VAL(run, 1);
	/* Hardware counters (cycle, time's gap, instret) and 22 firmware ones. */
	EXPECT_GE(n, 3 + 22);
	EXPECT_LT(n, 64);
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, ERR(REPORT(2)));
	run = REPORT(3);
	EXPECT_EQ(0, ERR(run));
	EXPECT_EQ(0xc00 | (63 << 12), VAL(run, 1));	/* cycle CSR, 64 bits, hw */
	run = REPORT(4);
	EXPECT_EQ(0, ERR(run));
	EXPECT_EQ(1UL << 63, VAL(run, 1) & (1UL << 63));	/* firmware */
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, ERR(REPORT(5)));
	EXPECT_EQ(SBI_ERR_NOT_SUPPORTED, ERR(REPORT(6)));
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, ERR(REPORT(7)));
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, ERR(REPORT(8)));	/* start unconfigured */
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, ERR(REPORT(9)));
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, ERR(REPORT(10)));	/* unaligned */
	EXPECT_EQ(SBI_ERR_INVALID_ADDRESS, ERR(REPORT(11)));	/* not memory */
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, ERR(REPORT(12)));	/* flags */
	EXPECT_EQ(SBI_ERR_NOT_SUPPORTED, ERR(REPORT(13)));
	run = REPORT(14);
	EXPECT_EQ(0, ERR(run));
	EXPECT_EQ(0, VAL(run, 1));
	EXPECT_EQ(SBI_ERR_NO_SHMEM, ERR(REPORT(15)));	/* init from no snapshot */
	EXPECT_EQ(SBI_ERR_ALREADY_STOPPED, ERR(REPORT(16)));
	EXPECT_EQ(SBI_ERR_ALREADY_STARTED, ERR(REPORT(17)));
}

TEST_F(pmu, hw_counter_counts_once_configured)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, pmu_count_start, pmu_count_end);
	if (!has_pmu(_metadata, &self->g))
		SKIP(return, "no SBI PMU (host lacks the SBI PMU driver)");
	run = REPORT(1);
	EXPECT_EQ(EXC_ILLEGAL, VAL(run, 0));		/* unconfigured read */
	run = REPORT(2);
	EXPECT_EQ(0, ERR(run));				/* config_matching */
	EXPECT_EQ(0, VAL(run, 1));			/* cycles on counter 0 */
	EXPECT_GT(VAL(run, 2), 0);			/* counts while started */
	EXPECT_EQ(0, VAL(run, 3));			/* stop */
	EXPECT_EQ(0, VAL(run, 4));			/* still once stopped */
	EXPECT_EQ(0, VAL(run, 5));			/* no trap meanwhile */
	run = REPORT(3);
	EXPECT_EQ(SBI_ERR_ALREADY_STOPPED, ERR(run));	/* reset of a stopped one */
	EXPECT_EQ(EXC_ILLEGAL, VAL(run, 1));		/* released: illegal again */
}

TEST_F(pmu, firmware_counter_counts_set_timer)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, pmu_fw_start, pmu_fw_end);
	if (!has_pmu(_metadata, &self->g))
		SKIP(return, "no SBI PMU (host lacks the SBI PMU driver)");
	run = REPORT(1);
	EXPECT_EQ(0, ERR(run));				/* fw_read */
	EXPECT_EQ(3, VAL(run, 1));			/* three set_timer calls */
	EXPECT_EQ(0, VAL(run, 2));			/* config_matching */
	EXPECT_EQ(VAL(run, 4), VAL(run, 3));		/* on the first fw counter */
	run = REPORT(2);
	EXPECT_EQ(0, ERR(run));
	EXPECT_EQ(3, VAL(run, 1));			/* stopped: no more */
	run = REPORT(3);
	EXPECT_EQ(0, ERR(run));
	EXPECT_EQ(0, VAL(run, 1));			/* fw_read_hi on RV64 */
}

TEST_F(pmu, snapshot)
{
	uint64_t *area;
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, pmu_snapshot_start, pmu_snapshot_end);
	if (!has_pmu(_metadata, &self->g))
		SKIP(return, "no SBI PMU (host lacks the SBI PMU driver)");
	area = (uint64_t *)((char *)self->g.mem + SNAPSHOT_OFF);
	run = REPORT(1);
	EXPECT_EQ(0, VAL(run, 0));			/* set_shmem */
	EXPECT_EQ(0, VAL(run, 1));			/* config_matching */
	EXPECT_EQ(0, VAL(run, 2));			/* start at 1000 */
	EXPECT_EQ(0, VAL(run, 3));			/* stop with snapshot */
	EXPECT_GT(area[1], 1000);			/* counter 0's value */
	EXPECT_EQ(0, area[0]);				/* no overflow */
	run = REPORT(2);
	EXPECT_EQ(0, VAL(run, 0));
	EXPECT_EQ(0, VAL(run, 1));
	EXPECT_GE(area[1], 5000000);			/* started from the area */
}

TEST_F(pmu, switched_off)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, pmu_off_start, pmu_off_end);
	if (!has_pmu(_metadata, &self->g))
		SKIP(return, "no SBI PMU (host lacks the SBI PMU driver)");
	set_reg(_metadata, self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_PMU), 0);
	run = REPORT(1);
	EXPECT_EQ(0, VAL(run, 0));			/* probe: absent */
	/*
	 * cycle reads the hardware counter without trapping; its value is
	 * the host's business (its perf driver may have stopped it).
	 */
	EXPECT_EQ(0, VAL(run, 2));
}

TEST_HARNESS_MAIN
