// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IOEVENTFD seen from a guest: a matching store signals the eventfd
 * and completes in the kernel; a store of another value, size or address,
 * and any load, still exits with KVM_EXIT_MMIO; deassigning brings the
 * exits back. And host safety: assignments come and go while a vCPU
 * stores to them as fast as it can.
 */

#include <pthread.h>
#include <sys/eventfd.h>

#include "guest.h"

/* t0 = the MMIO base, t1 = 0x1234, t2 = 0x9999. */
GUEST_CODE(stores,
	   "li t0, 0x10000000\n li t1, 0x1234\n li t2, 0x9999\n"
	   "sw t1, 0(t0)\n"		/* matches efd[0]: no exit */
	   "sw t2, 0(t0)\n"		/* other value: exit */
	   "sb t1, 0x100(t0)\n"		/* any length, efd[1]: no exit */
	   "sd t1, 0x100(t0)\n"		/* again: no exit */
	   "sh t1, 0x200(t0)\n"		/* efd[2] wants 4 bytes: exit */
	   "sw t1, 0x204(t0)\n"		/* inside efd[3]'s 8 bytes, not at: exit */
	   "lw t3, 0(t0)\n"		/* loads always exit */
	   G_REPORT(1)
	   "sw t1, 0(t0)\n"		/* deassigned by now: exit */
	   G_REPORT(2));

GUEST_CODE(hammer, "li t0, 0x10000000\n li t1, 1\n 1: sw t1, 0(t0)\n j 1b\n");

static int assign(int vm, int fd, uint64_t addr, uint32_t len, uint32_t flags,
		  uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return ioctl(vm, KVM_IOEVENTFD, &a) ? errno : 0;
}

static uint64_t count(int efd)
{
	uint64_t v = 0;

	return read(efd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

static void expect_mmio(struct __test_metadata *_metadata, struct guest *g,
			uint64_t addr, uint32_t len, bool write, uint64_t val)
{
	uint64_t data = 0;

	ASSERT_EQ(0, guest_run(g->vcpu));
	ASSERT_EQ(KVM_EXIT_MMIO, g->run->exit_reason);
	EXPECT_EQ(addr, g->run->mmio.phys_addr);
	EXPECT_EQ(len, g->run->mmio.len);
	EXPECT_EQ(write, g->run->mmio.is_write);
	if (write) {
		memcpy(&data, g->run->mmio.data, len);
		EXPECT_EQ(val, data);
	}
}

TEST(guest_stores)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	struct guest g;
	int efd[4], i, stats;
	long long kernel_exits;

	guest_setup(_metadata, &g, stores_start, stores_end);
	for (i = 0; i < 4; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_GE(efd[i], 0);
	}
	ASSERT_EQ(0, assign(g.vm, efd[0], GUEST_MMIO, 4, dm, 0x1234));
	ASSERT_EQ(0, assign(g.vm, efd[1], GUEST_MMIO + 0x100, 0, 0, 0));
	ASSERT_EQ(0, assign(g.vm, efd[2], GUEST_MMIO + 0x200, 4, 0, 0));
	ASSERT_EQ(0, assign(g.vm, efd[3], GUEST_MMIO + 0x200, 8, 0, 0));
	stats = ioctl(g.vcpu, KVM_GET_STATS_FD, 0);
	ASSERT_GE(stats, 0);

	expect_mmio(_metadata, &g, GUEST_MMIO, 4, true, 0x9999);
	/* The first store completed in the kernel, before this exit. */
	EXPECT_EQ(1, count(efd[0]));
	expect_mmio(_metadata, &g, GUEST_MMIO + 0x200, 2, true, 0x1234);
	EXPECT_EQ(2, count(efd[1]));
	expect_mmio(_metadata, &g, GUEST_MMIO + 0x204, 4, true, 0x1234);
	expect_mmio(_metadata, &g, GUEST_MMIO, 4, false, 0);
	guest_report(_metadata, &g, g.vcpu, g.run, 1);
	EXPECT_EQ(0, count(efd[0]));
	EXPECT_EQ(0, count(efd[2]));
	EXPECT_EQ(0, count(efd[3]));
	kernel_exits = stat_value(stats, "mmio_exit_kernel");
	EXPECT_EQ(3, kernel_exits);

	ASSERT_EQ(0, assign(g.vm, efd[0], GUEST_MMIO, 4,
			    dm | KVM_IOEVENTFD_FLAG_DEASSIGN, 0x1234));
	expect_mmio(_metadata, &g, GUEST_MMIO, 4, true, 0x1234);
	EXPECT_EQ(0, count(efd[0]));
	guest_report(_metadata, &g, g.vcpu, g.run, 2);
	EXPECT_EQ(kernel_exits, stat_value(stats, "mmio_exit_kernel"));

	close(stats);
	for (i = 0; i < 4; i++)
		close(efd[i]);
	guest_teardown(&g);
}

struct race {
	struct guest *g;
	bool stop;
	long exits;
	int err;
};

static void *vcpu_loop(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		r->err = guest_run(r->g->vcpu);
		if (r->err == EINTR)
			continue;
		if (r->err || r->g->run->exit_reason != KVM_EXIT_MMIO)
			break;
		r->exits++;
	}
	return NULL;
}

/*
 * One thread assigns and deassigns ioeventfds at the address the guest
 * stores to without pause, closing each eventfd right after assigning it:
 * a store must always either signal a live eventfd or exit, never touch
 * a freed assignment (the kernel's own checkers watch the rest).
 */
TEST(assign_deassign_while_storing)
{
	struct race r = { 0 };
	uint64_t signalled = 0;
	pthread_t t;
	struct guest g;
	long rounds = 0;
	double end;
	int efd;

	guest_setup(_metadata, &g, hammer_start, hammer_end);
	ASSERT_EQ(0, kick_signal_install());
	r.g = &g;
	ASSERT_EQ(0, pthread_create(&t, NULL, vcpu_loop, &r));
	end = now() + 3;
	while (now() < end) {
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_GE(efd, 0);
		ASSERT_EQ(0, assign(g.vm, efd, GUEST_MMIO, 4, 0, 0));
		usleep(rounds % 3 ? 0 : 1000);
		ASSERT_EQ(0, assign(g.vm, efd, GUEST_MMIO, 4,
				    KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
		signalled += count(efd);
		/* Assigned again, then left to the VM with its fd closed. */
		if (!(rounds % 16))
			ASSERT_EQ(0, assign(g.vm, efd, GUEST_MMIO + 0x1000 + rounds, 4, 0, 0));
		close(efd);
		if (!(rounds % 16)) {
			efd = eventfd(0, EFD_CLOEXEC);
			EXPECT_EQ(ENOENT, assign(g.vm, efd, GUEST_MMIO + 0x1000 + rounds, 4,
						 KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
			close(efd);
		}
		rounds++;
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	g.run->immediate_exit = 1;
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	TH_LOG("%ld rounds, %llu stores signalled, %ld exits", rounds,
	       (unsigned long long)signalled, r.exits);
	EXPECT_TRUE(r.err == 0 || r.err == EINTR) TH_LOG("KVM_RUN: %s", strerror(r.err));
	EXPECT_GT(rounds, 100);
	EXPECT_GT(signalled, 0);
	EXPECT_GT(r.exits, 0);
	guest_teardown(&g);
}

TEST_HARNESS_MAIN
