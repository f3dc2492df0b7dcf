// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_INTERRUPT on RISC-V: the guest's external interrupt (VSEIP) raised
 * and lowered by userspace. Upstream treats it as an asynchronous vCPU
 * ioctl: a VMM's device model (QEMU's PLIC) raises it from whichever
 * thread handled the device access, while the target vCPU sits in
 * KVM_RUN, and must not wait for that vCPU to exit.
 */

#include <pthread.h>
#include <time.h>

#include "guest.h"

#define CAUSE_S_EXT	0x8000000000000009UL

/*
 * Enable the supervisor external interrupt and spin with no exit at all;
 * the handler reports scause and sip, then spins with interrupts off.
 */
GUEST_CODE(wait_ext,
	   "lla t0, 1f\n csrw stvec, t0\n"
	   "li t1, 0x200\n csrs sie, t1\n csrsi sstatus, 2\n"
	   "2: j 2b\n"
	   ".balign 4\n"
	   "1: csrr a0, scause\n csrr a1, sip\n" G_REPORT(1)
	   "3: j 3b\n");

/* Reports sip (bit 9: SEIP) on every call. */
GUEST_CODE(read_sip, "1: csrr a0, sip\n" G_REPORT(1) "j 1b\n");

struct runner {
	struct guest *g;
	pthread_t thread;
	int err;
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *run_vcpu(void *arg)
{
	struct runner *r = arg;
	int err = guest_run(r->g->vcpu);

	pthread_mutex_lock(&r->lock);
	r->err = err;
	r->done = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Waits up to @secs for the vCPU thread's KVM_RUN to return. */
static bool runner_wait(struct runner *r, int secs)
{
	struct timespec ts;
	bool done;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	pthread_mutex_lock(&r->lock);
	while (!r->done && !pthread_cond_timedwait(&r->cond, &r->lock, &ts))
		;
	done = r->done;
	pthread_mutex_unlock(&r->lock);
	return done;
}

static void *inject(void *arg)
{
	struct guest *g = arg;
	struct kvm_interrupt irq = { .irq = KVM_INTERRUPT_SET };

	return (void *)(long)(ioctl(g->vcpu, KVM_INTERRUPT, &irq) ? errno : 0);
}

/*
 * The vCPU thread is in KVM_RUN with a guest that never exits by itself;
 * another thread raises the interrupt. It must return at once and the
 * guest must take the interrupt. Were the ioctl to wait for the vCPU's
 * mutex, neither would happen: a signal then ends KVM_RUN and the test
 * fails instead of hanging.
 */
TEST(interrupt_while_vcpu_runs)
{
	struct runner r = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .cond = PTHREAD_COND_INITIALIZER };
	struct guest g;
	pthread_t injector;
	double t0, t1;
	void *ret;
	bool taken;

	guest_setup(_metadata, &g, wait_ext_start, wait_ext_end);
	ASSERT_EQ(0, kick_signal_install());
	r.g = &g;
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, run_vcpu, &r));
	/* Let the guest reach its loop; nothing makes it exit. */
	usleep(300 * 1000);
	EXPECT_FALSE(r.done);

	t0 = now();
	ASSERT_EQ(0, pthread_create(&injector, NULL, inject, &g));
	taken = runner_wait(&r, 10);
	EXPECT_TRUE(taken) {
		TH_LOG("the guest never took the interrupt raised during KVM_RUN");
		/* Free whatever waits on the vCPU: the failure is recorded. */
		pthread_kill(r.thread, SIGUSR1);
		runner_wait(&r, 10);
	}
	pthread_join(injector, &ret);
	t1 = now();
	EXPECT_EQ(0, (long)ret);
	pthread_join(r.thread, NULL);
	if (taken) {
		EXPECT_EQ(0, r.err);
		EXPECT_EQ(KVM_EXIT_RISCV_SBI, g.run->exit_reason);
		EXPECT_EQ(1, g.run->riscv_sbi.function_id);
		EXPECT_EQ(CAUSE_S_EXT, g.run->riscv_sbi.args[0]);
		EXPECT_TRUE(g.run->riscv_sbi.args[1] & (1UL << 9));
	}
	TH_LOG("interrupt taken %.1f ms after KVM_INTERRUPT", (t1 - t0) * 1e3);
	guest_teardown(&g);
}

/* Level semantics: SET shows in sip until UNSET; other values are refused. */
TEST(set_unset_level)
{
	struct kvm_interrupt irq;
	struct guest g;

	guest_setup(_metadata, &g, read_sip_start, read_sip_end);
	guest_report(_metadata, &g, g.vcpu, g.run, 1);
	EXPECT_EQ(0, g.run->riscv_sbi.args[0] & (1UL << 9));

	irq.irq = KVM_INTERRUPT_SET;
	ASSERT_EQ(0, ioctl(g.vcpu, KVM_INTERRUPT, &irq));
	guest_report(_metadata, &g, g.vcpu, g.run, 1);
	EXPECT_NE(0, g.run->riscv_sbi.args[0] & (1UL << 9));
	/* Still pending on the next entry: a level, not an edge. */
	guest_report(_metadata, &g, g.vcpu, g.run, 1);
	EXPECT_NE(0, g.run->riscv_sbi.args[0] & (1UL << 9));

	irq.irq = KVM_INTERRUPT_UNSET;
	ASSERT_EQ(0, ioctl(g.vcpu, KVM_INTERRUPT, &irq));
	guest_report(_metadata, &g, g.vcpu, g.run, 1);
	EXPECT_EQ(0, g.run->riscv_sbi.args[0] & (1UL << 9));

	irq.irq = 7;
	EXPECT_EQ(EINVAL, ioctl_errno(g.vcpu, KVM_INTERRUPT, (unsigned long)&irq));
	EXPECT_EQ(EFAULT, ioctl_errno(g.vcpu, KVM_INTERRUPT, 8));
	guest_teardown(&g);
}

TEST_HARNESS_MAIN
