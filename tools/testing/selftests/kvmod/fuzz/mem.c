// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory. One PROT_NONE reservation, the arena, holds NR_REGIONS
 * regions that are mapped read-write at start and that operations later
 * unmap, mprotect, drop or map afresh while slots point at them. A second,
 * much wider PROT_NONE reservation backs huge slots. Slots only ever cover
 * these, a vCPU's kvm_run or the never-mapped NULL page: whatever a guest
 * or the kernel does through a slot, it cannot reach the fuzzer's memory.
 *
 * Holes punched in the arena may be filled by later mmaps of vCPU fds (the
 * only mappings the fuzzer makes once its threads run); they too are fair
 * game for guests. Accesses of the fuzzer itself to the arena are probed.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#define LOW_SLOT_MAX	0x8000	/* below any binary's text: never mapped */
#define USER_VA_END	(1ULL << 56)	/* no user address of riscv64 or arm64 is higher */

static struct {
	uint8_t *base;		/* ARENA_SIZE */
	uint8_t *wide;		/* wide_size, the first page read-write */
	uint64_t wide_size;
} ar;

static void *reserve(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void region_map(unsigned int r)
{
	mmap(region_addr(r), REGION_SIZE, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

void mem_init(void)
{
	/* 8 TiB fits (2^31 - 1) pages, the largest slot, on 48-bit VAs. */
	static const unsigned int wide_bits[] = { 43, 40, 36, 32 };
	unsigned int i;

	ar.base = reserve(ARENA_SIZE);
	if (!ar.base) {
		out("# cannot reserve the guest memory arena");
		_exit(1);
	}
	for (i = 0; i < NR_REGIONS; i++)
		region_map(i);
	for (i = 0; i < ARRAY_SIZE(wide_bits) && !ar.wide; i++) {
		ar.wide = reserve(1ULL << wide_bits[i]);
		if (ar.wide)
			ar.wide_size = 1ULL << wide_bits[i];
	}
	if (ar.wide)
		mprotect(ar.wide, fz.page, PROT_READ | PROT_WRITE);
}

uint8_t *region_addr(unsigned int r)
{
	return ar.base + (size_t)r * REGION_SIZE;
}

/* A pointer to @len bytes inside the arena, at any alignment. */
uint64_t arena_ptr(struct thr *t, size_t len)
{
	uint64_t off = rnd(t, ARENA_SIZE - len + 1);

	if (!one_in(t, 4))
		off &= ~7ULL;
	return (uintptr_t)ar.base + off;
}

static bool within(uint64_t a, uint64_t len, const void *base, uint64_t size)
{
	uint64_t b = (uintptr_t)base;

	return base && a >= b && len <= size && a - b <= size - len;
}

/*
 * True if a slot of @size bytes at host address @uaddr either cannot be
 * created (kvmod checks alignment, size, wrap-around and the user address
 * range first) or only covers memory that is the guests' to trash.
 */
bool host_range_safe(uint64_t uaddr, uint64_t size)
{
	uint64_t pg = fz.page;

	if (!size || (uaddr | size) & (pg - 1))
		return true;
	if (size / pg > 0x7fffffffULL || uaddr + size < uaddr ||
	    uaddr + size > USER_VA_END)
		return true;
	if (within(uaddr, size, ar.base, ARENA_SIZE) ||
	    within(uaddr, size, ar.wide, ar.wide_size))
		return true;
	if (uaddr + size <= LOW_SLOT_MAX)
		return true;
	return pool_in_run(uaddr, size);
}

static uint64_t gen_slot_size(struct thr *t)
{
	static const uint64_t edge[] = {
		0x7fffffffULL << 12, 0x80000000ULL << 12, 0x100000000ULL << 12,
		1ULL << 63, ~0xfffULL, ~0ULL, 1ULL << 47, 1ULL << 56,
	};
	uint64_t pg = fz.page;

	switch (rnd(t, 12)) {
	case 0:
		return 0;
	case 1: case 2:
		return pg * (1 + rnd(t, 16));
	case 3: case 4:
		return REGION_SIZE * (1 + rnd(t, 2));
	case 5:
		return pg * rnd(t, ARENA_SIZE / pg);
	case 6:
		return pg * (1 + rnd(t, 8)) + (one_in(t, 2) ? 1 + rnd(t, pg - 1) : -1);
	case 7:
		return 1ULL << (30 + rnd(t, 14));
	case 8:
		return PICK(t, edge);
	case 9:
		return ARENA_SIZE;
	case 10:
		return gen_u64(t);
	default:
		return pg;
	}
}

/* Host side of a slot: the arena mostly, else the wide reservation, ... */
static uint64_t gen_slot_uaddr(struct thr *t, uint64_t *size)
{
	uint64_t pg = fz.page, s = *size;
	unsigned int x = rnd(t, 100);
	struct fd_ent e;

	if (x < 70 && s <= ARENA_SIZE) {
		if (one_in(t, 2) && s <= ARENA_SIZE - REGION_SIZE * NR_REGIONS)
			return (uintptr_t)region_addr(rnd(t, NR_REGIONS));
		return (uintptr_t)ar.base + pg * rnd(t, (ARENA_SIZE - s) / pg + 1);
	}
	if (x < 78 && ar.wide && s <= ar.wide_size)
		return (uintptr_t)ar.wide + pg * rnd(t, (ar.wide_size - s) / pg + 1);
	if (x < 82 && pool_pick(t, K_VCPU, &e) && e.run) {
		*size = one_in(t, 2) ? e.run_len : pg;
		return (uintptr_t)e.run;
	}
	if (x < 86)
		return (uintptr_t)ar.base + 1 + rnd(t, pg - 1);
	if (x < 90) {
		if (s > 4 * pg)
			*size = pg * (1 + rnd(t, 4));
		return pg * rnd(t, 4);
	}
	return 0xffffffff80000000ULL - pg * rnd(t, 4);
}

/* A slot's host address and size; anything not safe turns into a kernel address. */
void gen_slot_host(struct thr *t, __u64 *uaddr, __u64 *size)
{
	uint64_t s = gen_slot_size(t), a = gen_slot_uaddr(t, &s);

	if (!host_range_safe(a, s))
		a = 0xffffffff80000000ULL;
	*uaddr = a;
	*size = s;
}

/* A random span of a region, in whole pages. */
static void *region_span(struct thr *t, size_t *len)
{
	size_t pages = REGION_SIZE / fz.page, first = rnd(t, pages);
	uint8_t *r = region_addr(rnd(t, NR_REGIONS));

	if (one_in(t, 4)) {
		*len = REGION_SIZE;
		return r;
	}
	*len = (1 + rnd(t, pages - first)) * fz.page;
	return r + first * fz.page;
}

static void mem_call(struct thr *t, const struct op *op, void *p, size_t len)
{
	rec_begin(t, op->name, K_NONE, -1);
	rec_note(t, "%p len=%#zx ", p, len);
}

void mem_unmap(struct thr *t, const struct op *op)
{
	size_t len;
	void *p = region_span(t, &len);

	mem_call(t, op, p, len);
	busy_enter(t);
	rec_end(t, munmap(p, len));
}

void mem_protect(struct thr *t, const struct op *op)
{
	static const int prot[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
		PROT_READ | PROT_EXEC,
	};
	size_t len;
	void *p = region_span(t, &len);
	int pr = PICK(t, prot);

	mem_call(t, op, p, len);
	rec_note(t, "prot=%d ", pr);
	busy_enter(t);
	rec_end(t, mprotect(p, len, pr));
}

void mem_advise(struct thr *t, const struct op *op)
{
	/* Never MADV_HWPOISON and friends: root could hurt the host. */
	static const int advice[] = {
		MADV_DONTNEED, MADV_DONTNEED, MADV_FREE, MADV_WILLNEED,
		MADV_COLD, MADV_PAGEOUT, MADV_NORMAL, MADV_RANDOM,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_MERGEABLE, MADV_UNMERGEABLE,
	};
	size_t len;
	void *p = region_span(t, &len);
	int adv = PICK(t, advice);

	mem_call(t, op, p, len);
	rec_note(t, "advice=%d ", adv);
	busy_enter(t);
	rec_end(t, madvise(p, len, adv));
}

/* Fresh zero pages over a whole region, whatever was there. */
void mem_remap(struct thr *t, const struct op *op)
{
	unsigned int r = rnd(t, NR_REGIONS);
	void *p;

	mem_call(t, op, region_addr(r), REGION_SIZE);
	busy_enter(t);
	p = mmap(region_addr(r), REGION_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	rec_end(t, p == MAP_FAILED ? -1 : 0);
}
