// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrent use of one VM: threads update memory slots (each in its own
 * range, so every result is predictable) and create vCPUs while others look
 * on. Run on a lockdep kernel, this also checks the locking order.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kvmod_util.h"

#define PAGE		4096UL
#define THREADS		4
#define ROUNDS		25
#define SLOTS_PER	8

struct worker {
	int vm;
	int idx;
	char *mem;
	int errors;
	int vcpus;
};

/* Each thread owns slot ids idx*SLOTS_PER.. and a 1 GiB guest window. */
static void *slot_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t base = 0x100000000UL + ((uint64_t)w->idx << 30);
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < SLOTS_PER; i++) {
			uint32_t slot = w->idx * SLOTS_PER + i;
			uint64_t gpa = base + (uint64_t)i * 4 * PAGE;

			/* create, move by a page, toggle logging, delete */
			w->errors += set_region(w->vm, slot, 0, gpa, 2 * PAGE, w->mem) != 0;
			w->errors += set_region(w->vm, slot, 0, gpa + PAGE, 2 * PAGE, w->mem) != 0;
			w->errors += set_region(w->vm, slot, KVM_MEM_LOG_DIRTY_PAGES,
						gpa + PAGE, 2 * PAGE, w->mem) != 0;
			/* the kept even neighbour's pages stay taken */
			if (i % 2)
				w->errors += set_region(w->vm, slot, 0, gpa - 3 * PAGE,
							2 * PAGE, w->mem) != EEXIST;
			w->errors += set_region(w->vm, slot, 0, 0, 0, NULL) != 0;
			/* keep every other slot for the next round's overlap check */
			if (i % 2 == 0)
				w->errors += set_region(w->vm, slot, 0, gpa, 2 * PAGE,
							w->mem) != 0;
		}
		for (i = 0; i < SLOTS_PER; i += 2)
			w->errors += set_region(w->vm, w->idx * SLOTS_PER + i, 0, 0, 0,
						NULL) != 0;
	}
	return NULL;
}

static void *vcpu_worker(void *arg)
{
	struct worker *w = arg;
	int id;

	/* Ids interleave between threads: each id is created exactly once. */
	for (id = w->idx; id < 64; id += THREADS) {
		int fd = ioctl(w->vm, KVM_CREATE_VCPU, id);

		if (fd < 0) {
			w->errors++;
			continue;
		}
		w->vcpus++;
		close(fd);
	}
	return NULL;
}

TEST(concurrent_slots_and_vcpus)
{
	int kvm = kvm_open(_metadata);
	int vm = vm_create(_metadata, kvm);
	struct worker w[2 * THREADS] = {};
	pthread_t t[2 * THREADS];
	char *mem;
	int i, vcpus = 0;

	mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < 2 * THREADS; i++) {
		w[i] = (struct worker){ .vm = vm, .idx = i % THREADS, .mem = mem };
		ASSERT_EQ(0, pthread_create(&t[i], NULL,
					    i < THREADS ? slot_worker : vcpu_worker, &w[i]));
	}
	for (i = 0; i < 2 * THREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].errors) TH_LOG("worker %d", i);
		vcpus += w[i].vcpus;
	}
	EXPECT_EQ(64, vcpus);
	/* Every slot was deleted: all ranges are free again. */
	for (i = 0; i < THREADS * SLOTS_PER; i++)
		EXPECT_EQ(0, set_region(vm, i, 0, 0x100000000UL + (uint64_t)i * PAGE, PAGE,
					mem));
	munmap(mem, 4 * PAGE);
	close(vm);
	close(kvm);
}

struct closer_race {
	int vm;
	int idx;		/* this thread's slot id */
	char *mem;
	atomic_int *go;
	struct errno_tally t;
};

/* Once the fd is closed, the number is stale: EBADF, nothing else. */
static void expect(struct closer_race *c, int err, int want)
{
	tally(&c->t, err, want, EBADF);
}

/* VM ioctls that create no fd, so the closed number cannot be reused. */
static void *close_racer(void *arg)
{
	struct closer_race *c = arg;
	int i, r;

	while (!atomic_load(c->go))
		;
	for (i = 0; i < 200; i++) {
		r = ioctl(c->vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);
		expect(c, r == 1 ? 0 : r < 0 ? errno : -1, 0);
		expect(c, set_region(c->vm, c->idx, 0, 0x100000000UL + c->idx * PAGE, PAGE,
				     c->mem), 0);
		expect(c, set_region(c->vm, c->idx, 0, 0, 0, NULL), 0);
	}
	return NULL;
}

/*
 * The VM's last fd closed while other threads are inside its ioctls: the
 * last of them to leave releases the VM. Every call sees the VM whole or
 * a closed fd, and each VM is really freed (the module's references go
 * back to what they were).
 */
TEST(close_while_in_use)
{
	long base = module_refcnt();
	int kvm = kvm_open(_metadata);
	char *mem;
	int round, i;

	ASSERT_LE(0, base);
	mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (round = 0; round < 50; round++) {
		int vm = vm_create(_metadata, kvm), vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		struct closer_race c[THREADS];
		pthread_t t[THREADS];
		atomic_int go = 0;

		ASSERT_GE(vcpu, 0);
		/* The vCPU's reference goes first: only the VM fd holds the VM. */
		close(vcpu);
		for (i = 0; i < THREADS; i++) {
			c[i] = (struct closer_race){ .vm = vm, .idx = i, .mem = mem, .go = &go };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, close_racer, &c[i]));
		}
		atomic_store(&go, 1);
		usleep(round % 5 * 100);
		close(vm);
		for (i = 0; i < THREADS; i++) {
			pthread_join(t[i], NULL);
			EXPECT_EQ(0, c[i].t.bad)
				TH_LOG("round %d: %lu of %lu calls failed, last %s", round,
				       c[i].t.bad, c[i].t.calls, strerror(c[i].t.last_bad));
		}
	}
	munmap(mem, PAGE);
	close(kvm);
	EXPECT_EQ(base, module_refcnt());
}

TEST_HARNESS_MAIN
