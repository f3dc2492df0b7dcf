// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SBI kvmod implements for RISC-V guests: BASE answers, error codes of
 * bad calls (unknown extension or function, HSM start of a running or
 * missing hart, invalid hart masks, reserved reset reasons), HSM start of a
 * secondary hart, SRST to KVM_EXIT_SYSTEM_EVENT (stopping every hart), and
 * extensions switched off or on through ONE_REG.
 */

#include <pthread.h>

#include "guest.h"

#define REG_SBI_EXT(ext) (KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_SBI_EXT | \
			  KVM_REG_RISCV_SBI_SINGLE | (ext))

GUEST_CODE(base,
	   "li a7, 0x10\n li a6, 0\n ecall\n" G_REPORT(1)		/* spec version */
	   "li a7, 0x10\n li a6, 1\n ecall\n" G_REPORT(2)		/* impl id */
	   "li a7, 0x10\n li a6, 3\n li a0, 0x48534D\n ecall\n" G_REPORT(3)
	   "li a7, 0x10\n li a6, 3\n li a0, 0x12345678\n ecall\n" G_REPORT(4)
	   "li a7, 0x12345678\n li a6, 0\n ecall\n" G_REPORT(5)	/* unknown EID */
	   "li a7, 0x10\n li a6, 99\n ecall\n" G_REPORT(6)		/* unknown FID */
	   "li a7, 0x10\n li a6, 3\n li a0, 0x4442434E\n ecall\n" G_REPORT(7));

/* Hart 0 asks about, and starts, hart 1; hart 1 reports its a0/a1. */
GUEST_CODE(hsm,
	   "bnez a0, 2f\n"
	   "li a7, 0x48534D\n li a6, 2\n li a0, 1\n ecall\n" G_REPORT(1)
	   "li a7, 0x48534D\n li a6, 0\n li a0, 0\n li a1, 0x80000000\n li a2, 0\n ecall\n"
	   G_REPORT(2)
	   "li a7, 0x48534D\n li a6, 0\n li a0, 7\n li a1, 0x80000000\n li a2, 0\n ecall\n"
	   G_REPORT(3)
	   "li a7, 0x48534D\n li a6, 0\n li a0, 1\n li a1, 0x80000000\n li a2, 0x55\n ecall\n"
	   G_REPORT(4)
	   "li a7, 0x48534D\n li a6, 2\n li a0, 1\n ecall\n" G_REPORT(5)
	   "1: j 1b\n"
	   "2:\n" G_REPORT(9)
	   "3: j 3b\n");

GUEST_CODE(ipi,
	   "li a7, 0x735049\n li a6, 0\n li a0, 1\n li a1, 5\n ecall\n" G_REPORT(1)
	   "li a7, 0x735049\n li a6, 0\n li a0, 1\n li a1, 0\n ecall\n"
	   "csrr a1, sip\n" G_REPORT(2)
	   "li a7, 0x735049\n li a6, 0\n li a0, 0\n li a1, -1\n ecall\n" G_REPORT(3));

GUEST_CODE(srst,
	   "li a7, 0x53525354\n li a6, 0\n li a0, 0\n li a1, 5\n ecall\n" G_REPORT(1)
	   "li a7, 0x53525354\n li a6, 0\n li a0, 9\n li a1, 0\n ecall\n" G_REPORT(2)
	   "li a7, 0x53525354\n li a6, 0\n li a0, 0\n li a1, 1\n ecall\n" G_REPORT(3));

GUEST_CODE(hsm_off,
	   "li a7, 0x10\n li a6, 3\n li a0, 0x48534D\n ecall\n" G_REPORT(1)
	   "li a7, 0x48534D\n li a6, 2\n li a0, 0\n ecall\n" G_REPORT(2));

GUEST_CODE(dbcn,
	   "li a7, 0x10\n li a6, 3\n li a0, 0x4442434E\n ecall\n" G_REPORT(1)
	   "li a7, 0x4442434E\n li a6, 2\n li a0, 0x41\n ecall\n" G_REPORT(2));

FIXTURE(sbi) {
	struct guest g;
};

FIXTURE_SETUP(sbi)
{
	memset(&self->g, 0, sizeof(self->g));
}

FIXTURE_TEARDOWN(sbi)
{
	if (self->g.run)
		guest_teardown(&self->g);
}

TEST_F(sbi, base)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, base_start, base_end);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(2UL << 24, run->riscv_sbi.args[1]);	/* SBI 2.0 */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(3, run->riscv_sbi.args[1]);		/* KVM's implementation id */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 3);
	EXPECT_EQ(1, run->riscv_sbi.args[1]);		/* HSM present */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 4);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);		/* unknown absent */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 5);
	EXPECT_EQ(SBI_ERR_NOT_SUPPORTED, (long)run->riscv_sbi.args[0]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 6);
	EXPECT_EQ(SBI_ERR_NOT_SUPPORTED, (long)run->riscv_sbi.args[0]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 7);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);		/* DBCN off by default */
}

TEST_F(sbi, hsm)
{
	struct kvm_mp_state mp;
	struct kvm_run *run, *run1;
	int vcpu1;

	guest_setup(_metadata, &self->g, hsm_start, hsm_end);
	vcpu1 = add_vcpu(_metadata, &self->g, 1);
	run1 = mmap(NULL, self->g.run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    vcpu1, 0);
	ASSERT_NE(MAP_FAILED, run1);
	ASSERT_EQ(0, ioctl(vcpu1, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_STOPPED, mp.mp_state);

	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(1, run->riscv_sbi.args[1]);		/* hart 1 stopped */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(SBI_ERR_ALREADY_AVAILABLE, (long)run->riscv_sbi.args[0]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 3);
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, (long)run->riscv_sbi.args[0]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 4);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 5);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);		/* hart 1 started */
	ASSERT_EQ(0, ioctl(vcpu1, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);

	/* Hart 1 begins where it was started, with its id and the opaque value. */
	run1 = guest_report(_metadata, &self->g, vcpu1, run1, 9);
	EXPECT_EQ(1, run1->riscv_sbi.args[0]);
	EXPECT_EQ(0x55, run1->riscv_sbi.args[1]);
	munmap(run1, self->g.run_size);
	close(vcpu1);
}

struct waiter {
	int vcpu;
	struct kvm_run *run;
	int err;
};

static void *run_waiter(void *arg)
{
	struct waiter *w = arg;

	w->err = guest_run(w->vcpu);
	return NULL;
}

/* A VMM's usual shape: hart 1's thread already waits in KVM_RUN. */
TEST_F(sbi, hsm_start_wakes_waiting_thread)
{
	struct waiter w;
	pthread_t t;

	guest_setup(_metadata, &self->g, hsm_start, hsm_end);
	w.vcpu = add_vcpu(_metadata, &self->g, 1);
	w.run = mmap(NULL, self->g.run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     w.vcpu, 0);
	ASSERT_NE(MAP_FAILED, w.run);
	ASSERT_EQ(0, pthread_create(&t, NULL, run_waiter, &w));
	/* Let it block: a stopped hart's KVM_RUN sleeps until started. */
	usleep(200000);
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 3);
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 4);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.err);
	EXPECT_EQ(KVM_EXIT_RISCV_SBI, w.run->exit_reason);
	EXPECT_EQ(9, w.run->riscv_sbi.function_id);
	EXPECT_EQ(0x55, w.run->riscv_sbi.args[1]);
	munmap(w.run, self->g.run_size);
	close(w.vcpu);
}

TEST_F(sbi, ipi)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, ipi_start, ipi_end);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, (long)run->riscv_sbi.args[0]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(2, run->riscv_sbi.args[1] & 2);	/* sip.SSIP raised */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 3);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);		/* base -1: all harts */
}

TEST_F(sbi, srst)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, srst_start, srst_end);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, (long)run->riscv_sbi.args[0]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(SBI_ERR_INVALID_PARAM, (long)run->riscv_sbi.args[0]);
	EXPECT_EQ(0, guest_run(self->g.vcpu));
	EXPECT_EQ(KVM_EXIT_SYSTEM_EVENT, self->g.run->exit_reason);
	EXPECT_EQ(KVM_SYSTEM_EVENT_SHUTDOWN, self->g.run->system_event.type);
	EXPECT_EQ(1, self->g.run->system_event.ndata);
	EXPECT_EQ(1, self->g.run->system_event.data[0]);	/* system failure */
}

/* Shutdown (reason 0) at once. */
GUEST_CODE(srst_now, "li a7, 0x53525354\n li a6, 0\n li a0, 0\n li a1, 0\n ecall\n"
	   G_REPORT(1));

/* A system reset stops every hart, not only those a 64-bit hart mask reaches. */
TEST_F(sbi, srst_stops_every_hart)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	int v[70], i;

	guest_setup(_metadata, &self->g, srst_now_start, srst_now_end);
	v[0] = self->g.vcpu;
	for (i = 1; i < 70; i++) {
		v[i] = add_vcpu(_metadata, &self->g, i);
		ASSERT_EQ(0, ioctl(v[i], KVM_SET_MP_STATE, &mp));
	}
	EXPECT_EQ(0, guest_run(v[0]));
	EXPECT_EQ(KVM_EXIT_SYSTEM_EVENT, self->g.run->exit_reason);
	for (i = 0; i < 70; i++) {
		mp.mp_state = KVM_MP_STATE_RUNNABLE;
		ASSERT_EQ(0, ioctl(v[i], KVM_GET_MP_STATE, &mp));
		EXPECT_EQ(KVM_MP_STATE_STOPPED, mp.mp_state) TH_LOG("vCPU %d runs on", i);
	}
	for (i = 1; i < 70; i++)
		close(v[i]);
}

TEST_F(sbi, extension_switched_off)
{
	struct kvm_run *run;
	uint64_t v;

	guest_setup(_metadata, &self->g, hsm_off_start, hsm_off_end);
	EXPECT_EQ(1, get_reg(_metadata, self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_HSM)));
	v = 2;
	EXPECT_EQ(EINVAL, vcpu_reg(self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_HSM), &v, true));
	set_reg(_metadata, self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_HSM), 0);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(SBI_ERR_NOT_SUPPORTED, (long)run->riscv_sbi.args[0]);
	/* Frozen once the vCPU ran. */
	v = 1;
	EXPECT_EQ(EBUSY, vcpu_reg(self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_HSM), &v, true));
	v = 0;
	EXPECT_EQ(0, vcpu_reg(self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_HSM), &v, true));
	EXPECT_EQ(ENOENT, vcpu_reg(self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_MAX), &v, false));
}

TEST_F(sbi, dbcn_forwarded_when_enabled)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, dbcn_start, dbcn_end);
	set_reg(_metadata, self->g.vcpu, REG_SBI_EXT(KVM_RISCV_SBI_EXT_DBCN), 1);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(1, run->riscv_sbi.args[1]);
	/* The console write goes to the VMM, which answers it. */
	EXPECT_EQ(0, guest_run(self->g.vcpu));
	EXPECT_EQ(KVM_EXIT_RISCV_SBI, run->exit_reason);
	EXPECT_EQ(SBI_DBCN, run->riscv_sbi.extension_id);
	EXPECT_EQ(2, run->riscv_sbi.function_id);
	EXPECT_EQ(0x41, run->riscv_sbi.args[0]);
	run->riscv_sbi.ret[0] = 0;
	run->riscv_sbi.ret[1] = 0x77;
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(0x77, run->riscv_sbi.args[1]);
}

TEST_HARNESS_MAIN
