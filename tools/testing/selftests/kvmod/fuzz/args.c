// SPDX-License-Identifier: GPL-2.0-only
/*
 * Argument generators: numbers that look valid or sit on a boundary, and
 * pointers that are ours or hostile.
 *
 * A pointer handed to the kernel is one of: the thread's scratch buffer
 * ("owned"; the kernel may write up to its end, then hits the guard page),
 * a span of the guest memory arena that ends inside it, or an address no
 * call can ever reach memory at (NULL page, kernel, non-canonical, guard
 * page, or a struct straddling into the guard). Never anything else of the
 * fuzzer's, so no call can corrupt it.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define LOW_PTR_MAX	0x1000	/* below mmap_min_addr: never mapped */

uint64_t rnd64(struct thr *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t rnd(struct thr *t, uint64_t n)
{
	return n ? rnd64(t) % n : 0;
}

bool one_in(struct thr *t, unsigned int n)
{
	return !rnd(t, n);
}

/* A number for any field: small, powers of two and their neighbours, ~0. */
uint64_t gen_u64(struct thr *t)
{
	uint64_t b = 1ULL << rnd(t, 64);

	switch (rnd(t, 10)) {
	case 0:
		return 0;
	case 1:
		return rnd(t, 16);
	case 2:
		return b;
	case 3:
		return b - 1;
	case 4:
		return b + 1;
	case 5:
		return -(uint64_t)rnd(t, 16) - 1;
	case 6:
		return rnd(t, 0x10000);
	case 7:
		return (uint32_t)b - 1 + rnd(t, 3);	/* 2^k-1 .. 2^k+1 in 32 bits */
	default:
		return rnd64(t);
	}
}

uint32_t gen_u32(struct thr *t)
{
	return gen_u64(t);
}

void gen_fill(struct thr *t, void *p, size_t len)
{
	uint8_t *b = p;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = rnd64(t);
		b[i] = v >> (8 * (i & 7));
	}
}

static uint8_t *guard(struct thr *t)
{
	return t->scratch + SCRATCH_SIZE;
}

/* An address at which no call can reach memory; @src's head may straddle. */
static uint64_t hostile(struct thr *t, const void *src, size_t len)
{
	static const uint64_t kernel[] = {
		0xffffffff80000000ULL, 0xffff800000000000ULL, 0xff60000000000000ULL,
		0xffffffffffff0000ULL, 0xfffffffffffffff8ULL, 0x8000000000000000ULL,
	};
	static const uint64_t noncanon[] = {
		0x0100000000001000ULL, 0x00ff000000000000ULL, 0x4000000000000000ULL,
		0x00f0000000000008ULL, 0x7ffffffffffff000ULL,
	};
	size_t k;

	switch (rnd(t, 6)) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd(t, LOW_PTR_MAX - 1);
	case 2:
		return PICK(t, kernel) + rnd(t, 8);
	case 3:
		return PICK(t, noncanon);
	case 4:
		return (uintptr_t)guard(t) + rnd(t, fz.page);
	default:
		/* The first k bytes readable, the rest in the guard page. */
		if (len < 2)
			return (uintptr_t)guard(t);
		k = 1 + rnd(t, len - 1);
		if (src)
			memmove(guard(t) - k, src, k);
		return (uintptr_t)(guard(t) - k);
	}
}

/*
 * Where to pass a struct of @len bytes holding @src: usually a copy at the
 * start of scratch (*owned), sometimes misaligned, sometimes hostile.
 */
uint64_t arg_struct(struct thr *t, const void *src, size_t len, bool *owned)
{
	unsigned int x = rnd(t, 100);
	size_t off = 1 + rnd(t, 7);

	*owned = false;
	if (len > SCRATCH_SIZE - 8)
		return hostile(t, NULL, 0);
	if (x < 82) {
		memmove(t->scratch, src, len);
		*owned = true;
		return (uintptr_t)t->scratch;
	}
	if (x < 88) {
		memmove(t->scratch + off, src, len);
		*owned = true;
		return (uintptr_t)(t->scratch + off);
	}
	return hostile(t, src, len);
}

/*
 * A buffer of @len bytes the kernel reads or writes behind a struct (a
 * register's value, a bitmap, an attribute): the data area with random
 * contents (*owned), the arena, or hostile.
 */
uint64_t arg_data(struct thr *t, size_t len, bool *owned)
{
	uint8_t *d = t->scratch + STRUCT_AREA;
	unsigned int x = rnd(t, 100);

	*owned = false;
	if (x < 70 || (x < 76 && len > DATA_SIZE - 8)) {
		gen_fill(t, d, len < 256 ? len : 256);
		*owned = len <= DATA_SIZE;
		return (uintptr_t)d;
	}
	if (x < 76) {
		d += 1 + rnd(t, 7);
		gen_fill(t, d, len < 256 ? len : 256);
		*owned = true;
		return (uintptr_t)d;
	}
	if (x < 86 && len <= ARENA_SIZE)
		return arena_ptr(t, len);
	return hostile(t, NULL, len);
}

/* A data buffer holding @v, for a value the kernel reads (8 bytes). */
uint64_t arg_value(struct thr *t, uint64_t v, bool *owned)
{
	uint64_t p = arg_data(t, sizeof(v), owned);

	if (*owned)
		memcpy((void *)(uintptr_t)p, &v, sizeof(v));
	else if (p + sizeof(v) > (uintptr_t)guard(t) && p < (uintptr_t)guard(t))
		memcpy((void *)(uintptr_t)p, &v, (uintptr_t)guard(t) - p);
	return p;
}

/* Copies back what the kernel wrote at @addr, if that is ours. */
bool arg_back(struct thr *t, uint64_t addr, void *dst, size_t len)
{
	uint64_t s = (uintptr_t)t->scratch;

	if (addr < s || addr + len > s + SCRATCH_SIZE)
		return false;
	memcpy(dst, (void *)(uintptr_t)addr, len);
	return true;
}

/* A short name for a pointer, for the call's summary. */
const char *ptr_name(struct thr *t, uint64_t addr)
{
	static __thread char buf[4][24];
	static __thread unsigned int n;
	char *b = buf[n++ % 4];
	uint64_t s = (uintptr_t)t->scratch;

	if (addr >= s && addr < s + SCRATCH_SIZE)
		snprintf(b, sizeof(buf[0]), "scr+%#llx", (unsigned long long)(addr - s));
	else if (addr >= s + SCRATCH_SIZE && addr < s + SCRATCH_SIZE + fz.page)
		snprintf(b, sizeof(buf[0]), "guard+%#llx",
			 (unsigned long long)(addr - s - SCRATCH_SIZE));
	else
		snprintf(b, sizeof(buf[0]), "%#llx", (unsigned long long)addr);
	return b;
}

/* A guest physical address: RAM, MMIO, near the IPA limits, wrapping. */
uint64_t gen_gpa(struct thr *t)
{
	static const unsigned int bits[] = { 32, 36, 39, 40, 41, 44, 47, 48, 50, 52, 56, 57 };
	uint64_t pg = fz.page;

	switch (rnd(t, 12)) {
	case 0:
		return 0;
	case 1:
		/* Where KVM_RUN's code slots are. */
		return GUEST_RAM_GPA + pg * rnd(t, NR_REGIONS * REGION_SIZE / pg);
	case 2: case 3:
		/* Right after them: random slots mostly overlap each other. */
		return GUEST_RAM_GPA + NR_REGIONS * REGION_SIZE +
		       pg * rnd(t, NR_REGIONS * REGION_SIZE / pg);
	case 4:
		return GUEST_RAM_GPA + rnd(t, 16) * REGION_SIZE;
	case 5:
		return (1ULL << 48) - pg * rnd(t, 4);
	case 6:
		return (1ULL << 59) - pg * rnd(t, 4);
	case 7:
		return (1ULL << PICK(t, bits)) - pg * rnd(t, 3);
	case 8:
		return -pg * (1 + rnd(t, 16));
	case 9:
		return GUEST_RAM_GPA + 1 + rnd(t, pg - 1);
	case 10:
		return 0x10000000 + rnd(t, 16) * pg;
	default:
		return rnd64(t) & ~(pg - 1);
	}
}

/* A memslot id: mostly a few, so that slots get replaced, moved, deleted. */
uint32_t gen_slot_id(struct thr *t)
{
	static const uint32_t edge[] = {
		32763, 32764, 32765, 32766, 32767, 32768, 0xffff,
		0x10000, 0x10001, 0x1ffff, 0x20000, 0x7fff0000,
	};
	unsigned int x = rnd(t, 100);

	if (x < 75)
		return rnd(t, CODE_SLOT + NR_REGIONS);
	if (x < 85)
		return rnd(t, 512);
	if (x < 95)
		return PICK(t, edge);
	return gen_u32(t);
}

/* An fd number that is not of the kind a call wants. */
int gen_bad_fd(struct thr *t)
{
	struct fd_ent e;

	switch (rnd(t, 5)) {
	case 0:
		return -1;
	case 1:
		return 0x7fffffff;
	case 2:
		return rnd(t, 64);	/* whatever has that number, if anything */
	default:
		if (pool_pick(t, rnd(t, NR_KINDS), &e))
			return e.fd;
		return -1;
	}
}

/* An fd of kind @want for a struct field, or sometimes a wrong one. */
int gen_fd(struct thr *t, enum fd_kind want)
{
	struct fd_ent e;

	if (!one_in(t, 6) && pool_pick(t, want, &e))
		return e.fd;
	return gen_bad_fd(t);
}
