// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest timer waking halted vCPUs, many times over, on two vCPUs at
 * once while two host threads compete for the CPUs. A guest that arms its
 * timer (SBI set_timer) and waits in WFI must always be woken once the
 * deadline passes: a wake-up lost in the host (the hrtimer that stands in
 * for the guest's timer while it sleeps firing a rounding step before the
 * deadline, say) leaves the vCPU asleep for good, which a guest kernel
 * reports as "rcu: ... timer wakeup didn't happen". Being woken late, by
 * host load, is allowed; being woken before the deadline with the timer
 * shown pending is not.
 */

#include <pthread.h>

#include "guest.h"

#define ROUNDS	1500
#define STR(x)	#x
#define XSTR(x)	STR(x)

/*
 * s2 counts rounds down. Each round: deadline = now + 10 + (round % 128) * 16
 * ticks (1..205 us at 10 MHz, so that the hrtimer's rounding varies),
 * set_timer, then WFI until sip.STIP, counting wake-ups without it (s3,
 * allowed) and STIP seen before the deadline (s5, a bug).
 */
GUEST_CODE(wakeups,
	   "li s2, " XSTR(ROUNDS) "\n li s3, 0\n li s5, 0\n"
	   "li t1, 0x20\n csrs sie, t1\n"
	   "1: rdtime s4\n andi t2, s2, 127\n slli t2, t2, 4\n addi t2, t2, 10\n"
	   "add s4, s4, t2\n mv a0, s4\n"
	   "li a7, 0x54494D45\n li a6, 0\n ecall\n"
	   "2: wfi\n csrr t3, sip\n andi t3, t3, 0x20\n bnez t3, 3f\n"
	   "addi s3, s3, 1\n j 2b\n"
	   "3: rdtime t4\n bgeu t4, s4, 4f\n addi s5, s5, 1\n"
	   "4: addi s2, s2, -1\n bnez s2, 1b\n"
	   "mv a0, s3\n mv a1, s5\n" G_REPORT(1)
	   "5: j 5b\n");

struct vcpu_thread {
	int fd;
	struct kvm_run *run;
	int err;
	bool done;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool stop_hogs;

static void *run_vcpu(void *arg)
{
	struct vcpu_thread *v = arg;
	int err = guest_run(v->fd);

	pthread_mutex_lock(&lock);
	v->err = err;
	v->done = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Host load: the vCPU threads must share both CPUs with these. */
static void *hog(void *arg)
{
	/* The atomic load keeps the loop: it spins until told to stop. */
	while (!__atomic_load_n(&stop_hogs, __ATOMIC_RELAXED))
		;
	return NULL;
}

/* A fixture only for the longer timeout of its test. */
FIXTURE(timer) {
};

FIXTURE_SETUP(timer)
{
}

FIXTURE_TEARDOWN(timer)
{
}

TEST_F_TIMEOUT(timer, halted_vcpus_always_wake, 300)
{
	struct vcpu_thread v[2] = {};
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	pthread_t t[2], hogs[2];
	struct timespec ts;
	struct guest g;
	size_t size;
	int i, waiting = 0;
	double t0;

	guest_setup(_metadata, &g, wakeups_start, wakeups_end);
	ASSERT_EQ(0, kick_signal_install());
	v[0].fd = g.vcpu;
	v[0].run = g.run;
	v[1].fd = add_vcpu(_metadata, &g, 1);
	ASSERT_EQ(0, ioctl(v[1].fd, KVM_SET_MP_STATE, &mp));
	size = g.run_size;
	v[1].run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v[1].fd, 0);
	ASSERT_NE(MAP_FAILED, v[1].run);

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&hogs[i], NULL, hog, NULL));
	t0 = now();
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, run_vcpu, &v[i]));

	/* Generous: each round needs well under a millisecond of guest time. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 200;
	pthread_mutex_lock(&lock);
	while (!(v[0].done && v[1].done) && !pthread_cond_timedwait(&cond, &lock, &ts))
		;
	pthread_mutex_unlock(&lock);
	__atomic_store_n(&stop_hogs, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(hogs[i], NULL);

	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(v[i].done) {
			TH_LOG("vCPU %d still halted after 200 s: a lost timer wake-up", i);
			v[i].run->immediate_exit = 1;
			pthread_kill(t[i], SIGUSR1);
			waiting++;
		}
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%d rounds on each of 2 vCPUs in %.1f s", ROUNDS, now() - t0);
	if (waiting) {
		guest_teardown(&g);
		return;
	}
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, v[i].err);
		EXPECT_EQ(KVM_EXIT_RISCV_SBI, v[i].run->exit_reason);
		EXPECT_EQ(1, v[i].run->riscv_sbi.function_id);
		/* Woken without the timer: allowed (spurious wake-ups). */
		TH_LOG("vCPU %d: %llu wake-ups without the timer pending", i,
		       (unsigned long long)v[i].run->riscv_sbi.args[0]);
		EXPECT_EQ(0, v[i].run->riscv_sbi.args[1])
			TH_LOG("vCPU %d saw its timer pending before the deadline", i);
	}
	munmap(v[1].run, size);
	close(v[1].fd);
	guest_teardown(&g);
}

TEST_HARNESS_MAIN
