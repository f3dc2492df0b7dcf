// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU creation failing while a guest looks for the new vCPU.
 *
 * vCPU 0's guest starts hart 1 (SBI HSM HART_START) and sends it IPIs, over
 * and over, while the VMM keeps trying to create vCPU 1 with no file
 * descriptor left (EMFILE). A vCPU published to other threads before its
 * fd existed, then freed when the fd failed, was found by the guest's calls
 * and used after it was freed (a slub_debug poison report, an oops in the
 * HSM or IPI path, or a call that succeeded on a hart that never existed).
 * The guest must only ever see "no such hart" until vCPU 1 really exists.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#include "guest.h"

#define RACE_SECONDS	3

/*
 * Hart 0: HART_START hart 1, then an IPI to hart 1, forever; reports 1
 * (HSM) or 2 (IPI) with the SBI error whenever it is not INVALID_PARAM.
 * Hart 1, if it ever ran, would park in WFI.
 */
GUEST_CODE(seek_hart1,
	   "li s2, -3\n"
	   "1: li a7, 0x48534D\n li a6, 0\n li a0, 1\n lla a1, 3f\n li a2, 0\n ecall\n"
	   "bne a0, s2, 4f\n"
	   "li a7, 0x735049\n li a6, 0\n li a0, 2\n li a1, 0\n ecall\n"
	   "bne a0, s2, 5f\n"
	   "j 1b\n"
	   "3: wfi\n j 3b\n"
	   "4:" G_REPORT(1) "j 1b\n"
	   "5:" G_REPORT(2) "j 1b\n");

static atomic_bool stop;

struct runner {
	struct guest *g;
	unsigned long reports;
	unsigned long tag, error;	/* the first report */
	atomic_bool done;
};

static void *run_guest(void *arg)
{
	struct runner *r = arg;
	struct kvm_run *run = r->g->run;

	while (!atomic_load(&stop)) {
		int err = guest_run(r->g->vcpu);

		if (err == EINTR)
			continue;
		if (!r->reports++) {
			r->tag = err ? 100 + err : run->riscv_sbi.function_id;
			r->error = run->riscv_sbi.args[0];
		}
	}
	atomic_store(&r->done, true);
	return NULL;
}

TEST(create_failing_while_guest_starts_it)
{
	unsigned long tries = 0, emfile = 0;
	struct rlimit saved;
	struct runner r = {};
	long long exits0, exits1;
	struct guest g;
	pthread_t t;
	double until;
	int stats, fd;

	ASSERT_EQ(0, kick_signal_install());
	guest_setup(_metadata, &g, seek_hart1_start, seek_hart1_end);
	stats = ioctl(g.vcpu, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(stats, 0);
	exits0 = stat_value(stats, "exits");

	r.g = &g;
	ASSERT_EQ(0, pthread_create(&t, NULL, run_guest, &r));
	ASSERT_EQ(0, no_free_fd(&saved));
	until = now() + RACE_SECONDS;
	while (now() < until) {
		fd = ioctl(g.vm, KVM_CREATE_VCPU, 1);
		tries++;
		if (fd < 0 && errno == EMFILE)
			emfile++;
		else if (fd >= 0)
			close(fd);
	}
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &saved));
	atomic_store(&stop, true);
	while (!atomic_load(&r.done)) {
		pthread_kill(t, SIGUSR1);
		usleep(1000);
	}
	pthread_join(t, NULL);
	exits1 = stat_value(stats, "exits");

	TH_LOG("%lu failed creations, %lld guest exits meanwhile", tries, exits1 - exits0);
	EXPECT_EQ(tries, emfile);
	EXPECT_EQ(0, r.reports) TH_LOG("first report: tag %lu, SBI error %ld", r.tag,
				       (long)r.error);
	/* The guest really kept calling (each call is an exit). */
	EXPECT_LT(1000, exits1 - exits0);

	/*
	 * Once vCPU 1 exists, the same calls find it: the guest, stopped
	 * anywhere in its loop, reports the IPI's success and then the start's.
	 */
	fd = ioctl(g.vm, KVM_CREATE_VCPU, 1);
	ASSERT_GE(fd, 0);
	do {
		ASSERT_EQ(0, guest_run(g.vcpu));
		ASSERT_EQ(KVM_EXIT_RISCV_SBI, g.run->exit_reason);
		EXPECT_EQ(SBI_SUCCESS, (long)g.run->riscv_sbi.args[0])
			TH_LOG("report %lu", g.run->riscv_sbi.function_id);
	} while (g.run->riscv_sbi.function_id == 2);
	EXPECT_EQ(1, g.run->riscv_sbi.function_id);
	close(fd);
	close(stats);
	guest_teardown(&g);
}

TEST_HARNESS_MAIN
