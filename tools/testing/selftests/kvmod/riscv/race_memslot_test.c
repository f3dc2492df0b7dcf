// SPDX-License-Identifier: GPL-2.0-only
/*
 * A memory slot being deleted while the host takes its pages away.
 *
 * vCPU 0's guest stores a marker all over slot S without pause. vCPU 1's
 * guest loads from slot U, whose memory is registered with userfaultfd:
 * its fault waits, inside the VM's SRCU read section, until the test
 * answers it. Meanwhile a thread deletes S; the delete then waits for that
 * SRCU grace period, and the window between "S is gone for the vCPUs" and
 * "S's stage-2 entries are zapped" stays open for as long as the test
 * wants. In it the test drops S's host pages (MADV_DONTNEED), allocates
 * fresh pages on the same CPU (its free list hands back what was just
 * freed) and looks for the guest's marker in them. If the MMU notifier
 * cannot find S any more, S's stage-2 entries survive the host freeing the
 * pages, and the guest writes into memory the host handed to someone else:
 * the marker shows up in pages nobody but the test wrote. No kernel log
 * reports that; the scan does.
 */

#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "guest.h"

#define SLOT_GPA	0x90000000UL
#define SPAN		(64 * 4096UL)
#define UFFD_GPA	0xa0000000UL
#define MARKER		0x6b766d6f64524143ULL	/* "CARdomvk" */
#define ROUNDS		5
#define SCAN_PAGES	64

/*
 * Hart 0 stores the marker every 512 bytes of S, round after round; hart 1
 * loads from U and reports (tag 1), over and over.
 */
GUEST_CODE(scribble,
	   "bnez a0, 5f\n"
	   "li t0, 0x90000000\n li t1, 0x6b766d6f64524143\n li t3, 0x40000\n"
	   "1: mv t2, t0\n add t4, t0, t3\n"
	   "2: sd t1, 0(t2)\n addi t2, t2, 512\n bltu t2, t4, 2b\n j 1b\n"
	   "5: li t0, 0xa0000000\n ld a0, 0(t0)\n" G_REPORT(1) "j 5b\n");

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A vCPU thread: KVM_RUN until told to stop; MMIO exits are re-entered. */
struct runner {
	int vcpu, cpu;
	struct kvm_run *run;
	atomic_bool stop, done;
	unsigned long mmio, reports, other;
	pthread_t t;
};

static void *run_vcpu(void *arg)
{
	struct runner *r = arg;

	pin(r->cpu);
	while (!atomic_load(&r->stop)) {
		int err = guest_run(r->vcpu);

		if (err == EINTR)
			continue;
		if (!err && r->run->exit_reason == KVM_EXIT_MMIO)
			r->mmio++;
		else if (!err && r->run->exit_reason == KVM_EXIT_RISCV_SBI)
			r->reports++;
		else
			r->other++;
	}
	atomic_store(&r->done, true);
	return NULL;
}

static void stop_runner(struct runner *r)
{
	atomic_store(&r->stop, true);
	while (!atomic_load(&r->done)) {
		pthread_kill(r->t, SIGUSR1);
		usleep(1000);
	}
	pthread_join(r->t, NULL);
}

struct deleter {
	int vm;
	int err;
};

static void *delete_slot(void *arg)
{
	struct deleter *d = arg;

	d->err = set_region(d->vm, 1, 0, SLOT_GPA, 0, NULL);
	return NULL;
}

/* Fresh pages on this CPU, touched, given time; words holding the marker. */
static unsigned long scan_fresh_pages(void)
{
	size_t len = SCAN_PAGES * 4096UL, i, w;
	unsigned long found = 0;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	for (i = 0; i < len; i += 4096)
		p[i + 1] = 1;
	usleep(20 * 1000);
	for (i = 0; i < len; i += 4096)
		for (w = 0; w < 4096 / 8; w++)
			found += ((const uint64_t *)(p + i))[w] == MARKER;
	munmap(p, len);
	return found;
}

/* Waits up to 2 s for the guest's marker to be in every page of S. */
static bool mapped_again(const char *mem)
{
	int tries, i;

	for (tries = 0; tries < 200; tries++) {
		for (i = 0; i < SPAN / 4096; i++)
			if (*(const uint64_t *)(mem + i * 4096) != MARKER)
				break;
		if (i == SPAN / 4096)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

TEST(slot_delete_vs_invalidation)
{
	struct runner r0 = {}, r1 = {};
	unsigned long found = 0;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffd_msg msg;
	struct guest g;
	char *mem, *ufd_mem;
	int uffd, vcpu1, round;

	ASSERT_EQ(0, kick_signal_install());
	/* This thread frees and allocates on CPU 0; the scribbler runs on 1. */
	pin(0);
	guest_setup(_metadata, &g, scribble_start, scribble_end);
	mem = mmap(NULL, SPAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ufd_mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ufd_mem);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, uffd) TH_LOG("userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ASSERT_EQ(0, set_region(g.vm, 2, 0, UFFD_GPA, 4096, ufd_mem));
	vcpu1 = add_vcpu(_metadata, &g, 1);
	ASSERT_EQ(0, ioctl(vcpu1, KVM_SET_MP_STATE,
			   &(struct kvm_mp_state){ .mp_state = KVM_MP_STATE_RUNNABLE }));
	r0 = (struct runner){ .vcpu = g.vcpu, .cpu = 1, .run = g.run };
	r1 = (struct runner){ .vcpu = vcpu1, .cpu = 1 };
	r1.run = mmap(NULL, g.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu1, 0);
	ASSERT_NE(MAP_FAILED, r1.run);
	ASSERT_EQ(0, pthread_create(&r0.t, NULL, run_vcpu, &r0));

	for (round = 0; round < ROUNDS; round++) {
		struct deleter d = { .vm = g.vm };
		struct pollfd pfd = { .fd = uffd, .events = POLLIN };
		struct uffdio_range range = { (uintptr_t)ufd_mem, 4096 };
		struct uffdio_zeropage zero = { .range = range };
		pthread_t td;
		unsigned long n;

		/* S exists and the guest has every page of it mapped. */
		ASSERT_EQ(0, set_region(g.vm, 1, 0, SLOT_GPA, SPAN, mem));
		ASSERT_TRUE(mapped_again(mem))
			TH_LOG("round %d: the guest never stored to S", round);

		/* vCPU 1 parks in U's fault, inside the VM's SRCU read section. */
		ASSERT_EQ(0, madvise(ufd_mem, 4096, MADV_DONTNEED));
		reg.range = range;
		ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
		r1.stop = false;
		r1.done = false;
		ASSERT_EQ(0, pthread_create(&r1.t, NULL, run_vcpu, &r1));
		ASSERT_EQ(1, poll(&pfd, 1, 5000)) TH_LOG("round %d: vCPU 1 never faulted", round);
		ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
		EXPECT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

		/* The delete now waits for that grace period: the window is open. */
		ASSERT_EQ(0, pthread_create(&td, NULL, delete_slot, &d));
		usleep(50 * 1000);
		ASSERT_EQ(0, madvise(mem, SPAN, MADV_DONTNEED));
		n = scan_fresh_pages();
		found += n;

		/* Answer the fault: vCPU 1 reports, the delete completes. */
		EXPECT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
		pthread_join(td, NULL);
		EXPECT_EQ(0, d.err);
		stop_runner(&r1);
		EXPECT_LE(1, r1.reports) TH_LOG("round %d: vCPU 1 never resumed", round);
		ASSERT_EQ(0, ioctl(uffd, UFFDIO_UNREGISTER, &range));
		EXPECT_EQ(0, n) TH_LOG("round %d: the guest wrote %lu words into freed host pages",
				       round, n);
	}
	stop_runner(&r0);
	TH_LOG("%d rounds, %lu marker words in reused host pages, %lu MMIO exits of vCPU 0",
	       ROUNDS, found, r0.mmio);
	EXPECT_EQ(0, found);
	EXPECT_EQ(0, r0.other);
	EXPECT_EQ(0, r1.other);

	munmap(r1.run, g.run_size);
	close(vcpu1);
	close(uffd);
	munmap(ufd_mem, 4096);
	munmap(mem, SPAN);
	guest_teardown(&g);
}

TEST_HARNESS_MAIN
