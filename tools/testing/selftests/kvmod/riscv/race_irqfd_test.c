// SPDX-License-Identifier: GPL-2.0-only
/*
 * Races on irqfds, as an attacker with /dev/kvm would run them:
 *
 * - assign_deassign_write: threads assign, deassign and write one eventfd
 *   while others hang up eventfds of their own (close while assigned). An
 *   irqfd visible to one thread before it sat in the eventfd's wait queue
 *   was freed by another and then queued: list corruption, a wake-up
 *   running freed code.
 * - vm_release_vs_hangup: the VM's last fd and its irqfds' eventfds close
 *   at the same moment: the teardown and the hang-up both freed an irqfd.
 *
 * What shows a failure: only errnos the uAPI allows; afterwards an irqfd
 * still raises its MSI; the module's reference count back where it was
 * (nothing leaked); and the kernel log of the run (klog-clean: a list
 * corruption report, a slub_debug poison report or an oops fails it).
 * Each race runs for a bounded time.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <time.h>

#include "aia.h"

#define THREADS		4
#define RACE_SECONDS	3
#define GSI		10

/* A VM with one vCPU and an initialized AIA (software files); 0 or errno. */
struct vm {
	int kvm, vm, vcpu, dev;
};

static int vm_up(struct vm *v)
{
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->kvm < 0 || v->vm < 0 || v->vcpu < 0)
		return errno;
	v->dev = create_aia(v->vm);
	if (v->dev < 0)
		return -v->dev;
	return aia_init(v->dev, KVM_DEV_RISCV_AIA_MODE_EMUL, 1, 4) ?:
	       route_msi(v->vm, 1, GSI, KVM_IRQ_ROUTING_MSI);
}

static void vm_down(struct vm *v)
{
	close(v->dev);
	close(v->vcpu);
	close(v->vm);
	close(v->kvm);
}

struct racer {
	int vm;
	int shared;		/* the eventfd every thread fights over */
	double until;
	struct errno_tally t;
};

static void *fight(void *arg)
{
	struct racer *r = arg;
	uint64_t one = 1;

	while (now() < r->until) {
		tally(&r->t, irqfd(r->vm, r->shared, GSI, 0), 0, EBUSY);
		tally(&r->t, write(r->shared, &one, 8) == 8 ? 0 : errno, 0, 0);
		tally(&r->t, irqfd(r->vm, r->shared, GSI, KVM_IRQFD_FLAG_DEASSIGN), 0, ENOENT);
	}
	return NULL;
}

/* Assign eventfds of its own and hang them up while they are assigned. */
static void *hang_up(void *arg)
{
	struct racer *r = arg;
	uint64_t one = 1;

	while (now() < r->until) {
		int efd = eventfd(0, EFD_CLOEXEC);

		tally(&r->t, efd < 0 ? errno : 0, 0, 0);
		if (efd < 0)
			continue;
		tally(&r->t, irqfd(r->vm, efd, GSI, 0), 0, 0);
		tally(&r->t, write(efd, &one, 8) == 8 ? 0 : errno, 0, 0);
		close(efd);
	}
	return NULL;
}

TEST(assign_deassign_write)
{
	struct racer r[THREADS + 2];
	pthread_t t[THREADS + 2];
	uint64_t eip, one = 1;
	unsigned long calls = 0;
	struct vm v;
	int i, efd;

	ASSERT_EQ(0, vm_up(&v));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	for (i = 0; i < THREADS + 2; i++) {
		r[i] = (struct racer){ .vm = v.vm, .shared = efd,
				       .until = now() + RACE_SECONDS };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, i < THREADS ? fight : hang_up,
					    &r[i]));
	}
	for (i = 0; i < THREADS + 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].t.bad) TH_LOG("thread %d: %lu unexpected results, last %s",
						i, r[i].t.bad, strerror(r[i].t.last_bad));
		calls += r[i].t.calls;
	}
	TH_LOG("%lu calls in %d s", calls, RACE_SECONDS);

	/* Whatever the race left, the eventfd is assigned at most once ... */
	i = irqfd(v.vm, efd, GSI, KVM_IRQFD_FLAG_DEASSIGN);
	EXPECT_TRUE(i == 0 || i == ENOENT);
	EXPECT_EQ(ENOENT, irqfd(v.vm, efd, GSI, KVM_IRQFD_FLAG_DEASSIGN));
	/* ... and an irqfd still raises its MSI (vCPU 0, identity 9). */
	eip = 0;
	EXPECT_EQ(0, imsic_reg(v.dev, KVM_SET_DEVICE_ATTR, 0, 0x80, &eip));
	EXPECT_EQ(0, irqfd(v.vm, efd, GSI, 0));
	EXPECT_EQ(8, write(efd, &one, 8));
	EXPECT_EQ(0, imsic_reg(v.dev, KVM_GET_DEVICE_ATTR, 0, 0x80, &eip));
	EXPECT_EQ(1 << 9, eip);
	close(efd);
	vm_down(&v);
}

struct closer {
	pthread_barrier_t *go;
	int *fds;
	int n;
};

static void *close_all(void *arg)
{
	struct closer *c = arg;
	int i;

	pthread_barrier_wait(c->go);
	for (i = 0; i < c->n; i++)
		close(c->fds[i]);
	return NULL;
}

#define EVENTFDS	8

TEST(vm_release_vs_hangup)
{
	long base = module_refcnt();
	double until = now() + RACE_SECONDS;
	pthread_barrier_t go;
	int rounds = 0;

	ASSERT_LE(0, base);
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	while (now() < until) {
		int efds[EVENTFDS], vmfd[1];
		struct closer a, b;
		pthread_t ta, tb;
		struct vm v;
		int i;

		ASSERT_EQ(0, vm_up(&v));
		for (i = 0; i < EVENTFDS; i++) {
			efds[i] = eventfd(0, EFD_CLOEXEC);
			ASSERT_GE(efds[i], 0);
			ASSERT_EQ(0, irqfd(v.vm, efds[i], GSI, 0));
		}
		/* Only the VM fd is left holding the VM: its close releases it. */
		close(v.dev);
		close(v.vcpu);
		close(v.kvm);
		vmfd[0] = v.vm;
		a = (struct closer){ .go = &go, .fds = vmfd, .n = 1 };
		b = (struct closer){ .go = &go, .fds = efds, .n = EVENTFDS };
		ASSERT_EQ(0, pthread_create(&ta, NULL, close_all, &a));
		ASSERT_EQ(0, pthread_create(&tb, NULL, close_all, &b));
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		rounds++;
	}
	TH_LOG("%d rounds", rounds);
	/* Every VM is gone: its fds were its module references. */
	EXPECT_EQ(base, module_refcnt());
	pthread_barrier_destroy(&go);
}

TEST_HARNESS_MAIN
