// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN on RISC-V: MMIO exits (decoded loads and stores, sign extension,
 * compressed instructions, read-only slots and read-only host memory
 * behind a writable slot), coalesced MMIO, immediate
 * exits, signals stopping a guest that spins with interrupts off, WFI
 * woken by the guest's timer, fetches outside memory, dirty logging,
 * guest memory in a VM_PFNMAP mapping (udmabuf), guest accesses seen by
 * idle page tracking, binary statistics, ONE_REG rules and guest CSRs
 * that keep to their architected fields.
 */

#include <fcntl.h>
#include <sched.h>
#include <linux/udmabuf.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "guest.h"

#define REG_ISA_EXT(ext) (KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_ISA_EXT | \
			  KVM_REG_RISCV_ISA_SINGLE | (ext))
#define REG_CSR(name)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CSR | \
			 KVM_REG_RISCV_CSR_GENERAL | KVM_REG_RISCV_CSR_REG(name))

GUEST_CODE(mmio,
	   "li t0, 0x10000000\n"
	   "li t1, 0x1122334455667788\n"
	   "sd t1, 0(t0)\n"
	   "lb t2, 8(t0)\n"
	   "mv a0, t2\n" G_REPORT(1)
	   "lhu t3, 16(t0)\n"
	   "mv a0, t3\n" G_REPORT(2)
	   "mv a0, t0\n li a1, 0x5a5a\n"
	   ".option push\n .option rvc\n c.sw a1, 4(a0)\n .option pop\n"
	   G_REPORT(3));

GUEST_CODE(spin, "1: j 1b\n");

/* The guest's own view of sstatus, then a few exits in a row. */
GUEST_CODE(sstatus,
	   "csrr a0, sstatus\n" G_REPORT(1) G_REPORT(2) G_REPORT(3));

/* Arm the timer 1 ms ahead (10 MHz timebase), enable STIE only, WFI. */
GUEST_CODE(wfi,
	   "rdtime a0\n li t0, 10000\n add a0, a0, t0\n"
	   "li a7, 0x54494D45\n li a6, 0\n ecall\n"
	   "li t1, 0x20\n csrs sie, t1\n"
	   "wfi\n"
	   "csrr a0, sip\n" G_REPORT(1));

/* Jump outside memory; the access fault lands in the handler at 1f. */
GUEST_CODE(fetch,
	   "lla t0, 1f\n csrw stvec, t0\n"
	   "li t1, 0x10000000\n jr t1\n"
	   ".balign 4\n"
	   "1: csrr a0, scause\n csrr a1, stval\n" G_REPORT(1));

/* Writes to 0x90000000 + 4K * n for n in a0..a2 (a slot that logs). */
GUEST_CODE(dirty,
	   "li t0, 0x90000000\n"
	   "li t1, 0x1000\n"
	   "li t2, 7\n"
	   "mul t3, a0, t1\n add t3, t3, t0\n sd t2, 0(t3)\n"
	   "mul t3, a1, t1\n add t3, t3, t0\n sd t2, 0(t3)\n"
	   G_REPORT(1)
	   "mul t3, a1, t1\n add t3, t3, t0\n ld t4, 0(t3)\n"
	   "mul t3, a2, t1\n add t3, t3, t0\n ld t4, 0(t3)\n"
	   G_REPORT(2)
	   "mul t3, a2, t1\n add t3, t3, t0\n sd t2, 0(t3)\n"
	   G_REPORT(3));

/* Reads and writes 0x90000000, a read-only slot. */
GUEST_CODE(rom,
	   "li t0, 0x90000000\n ld a0, 0(t0)\n" G_REPORT(1)
	   "li t1, 9\n sd t1, 8(t0)\n" G_REPORT(2));

/* Reads 0x90000000, stores 9 at 0x90000008, over and over. */
GUEST_CODE(peek,
	   "0: li t0, 0x90000000\n ld a0, 0(t0)\n" G_REPORT(1)
	   "li t1, 9\n sd t1, 8(t0)\n" G_REPORT(2)
	   "j 0b\n");

/* Reads 0x90000000 into a0 and 0xa0000000 into a1, over and over. */
GUEST_CODE(alias,
	   "0: li t0, 0x90000000\n ld a0, 0(t0)\n"
	   "li t1, 0xa0000000\n ld a1, 0(t1)\n" G_REPORT(1)
	   "j 0b\n");

GUEST_CODE(coalesce,
	   "li t0, 0x10000000\n"
	   "li t1, 1\n sw t1, 0(t0)\n"
	   "li t1, 2\n sw t1, 4(t0)\n"
	   "li t1, 3\n sd t1, 8(t0)\n"
	   G_REPORT(1)
	   "li t1, 4\n sw t1, 0(t0)\n"
	   G_REPORT(2));

FIXTURE(run) {
	struct guest g;
};

FIXTURE_SETUP(run)
{
	memset(&self->g, 0, sizeof(self->g));
}

FIXTURE_TEARDOWN(run)
{
	if (self->g.run)
		guest_teardown(&self->g);
}

static void expect_mmio(struct __test_metadata *_metadata, struct kvm_run *run,
			uint64_t gpa, uint32_t len, bool write)
{
	EXPECT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(len, run->mmio.len);
	EXPECT_EQ(write, run->mmio.is_write);
}

TEST_F(run, mmio_loads_and_stores)
{
	struct kvm_run *run;
	uint64_t v;

	guest_setup(_metadata, &self->g, mmio_start, mmio_end);
	run = self->g.run;
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	expect_mmio(_metadata, run, GUEST_MMIO, 8, true);
	memcpy(&v, run->mmio.data, 8);
	EXPECT_EQ(0x1122334455667788ULL, v);

	/* lb sign-extends what the VMM returns. */
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	expect_mmio(_metadata, run, GUEST_MMIO + 8, 1, false);
	run->mmio.data[0] = 0x80;
	run = guest_report(_metadata, &self->g, self->g.vcpu, run, 1);
	EXPECT_EQ(-128L, (long)run->riscv_sbi.args[0]);

	/* lhu does not. */
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	expect_mmio(_metadata, run, GUEST_MMIO + 16, 2, false);
	run->mmio.data[0] = 0x01;
	run->mmio.data[1] = 0x80;
	run = guest_report(_metadata, &self->g, self->g.vcpu, run, 2);
	EXPECT_EQ(0x8001, run->riscv_sbi.args[0]);

	/* A compressed store is decoded too, and skipped by 2 bytes. */
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	expect_mmio(_metadata, run, GUEST_MMIO + 4, 4, true);
	EXPECT_EQ(0x5a, run->mmio.data[0]);
	EXPECT_EQ(0x5a, run->mmio.data[1]);
	guest_report(_metadata, &self->g, self->g.vcpu, run, 3);
}

TEST_F(run, immediate_exit)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, mmio_start, mmio_end);
	run = self->g.run;
	run->immediate_exit = 1;
	run->exit_reason = KVM_EXIT_HLT;
	EXPECT_EQ(EINTR, guest_run(self->g.vcpu));
	/* Left as it was: a VMM may read the previous exit again. */
	EXPECT_EQ(KVM_EXIT_HLT, run->exit_reason);
	EXPECT_EQ(0, get_reg(_metadata, self->g.vcpu, REG_CORE(regs.t0)));
	run->immediate_exit = 0;
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	EXPECT_EQ(KVM_EXIT_MMIO, run->exit_reason);
}

static void on_alarm(int sig)
{
}

TEST_F(run, signal_stops_spinning_guest)
{
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, spin_start, spin_end);
	run = self->g.run;
	/* No SA_RESTART: KVM_RUN must come back with EINTR. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(EINTR, guest_run(self->g.vcpu));
	EXPECT_EQ(KVM_EXIT_INTR, run->exit_reason);
	/* Still spinning where it was: the pc is inside the loop. */
	EXPECT_EQ(GUEST_BASE, get_reg(_metadata, self->g.vcpu, REG_CORE(regs.pc)));
	signal(SIGALRM, SIG_DFL);
}

TEST_F(run, wfi_woken_by_timer)
{
	struct itimerval it = { .it_value = { .tv_sec = 10 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, wfi_start, wfi_end);
	/* A safety net only: the guest's own timer must end the WFI. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0x20, run->riscv_sbi.args[0] & 0x20);	/* sip.STIP */
	it.it_value.tv_sec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
}

TEST_F(run, fetch_outside_memory_faults_in_guest)
{
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, fetch_start, fetch_end);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(1, run->riscv_sbi.args[0]);		/* instruction access fault */
	EXPECT_EQ(GUEST_MMIO, run->riscv_sbi.args[1]);
}

TEST_F(run, readonly_slot)
{
	struct kvm_run *run;
	uint64_t *rom;

	guest_setup(_metadata, &self->g, rom_start, rom_end);
	rom = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rom);
	rom[0] = 0xfeed;
	ASSERT_EQ(0, set_region(self->g.vm, 1, KVM_MEM_READONLY, 0x90000000, 0x1000, rom));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0xfeed, run->riscv_sbi.args[0]);
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	expect_mmio(_metadata, run, 0x90000008, 8, true);
	guest_report(_metadata, &self->g, self->g.vcpu, run, 2);
	EXPECT_EQ(0, rom[1]);
	munmap(rom, 0x1000);
}

/*
 * A writable slot whose host memory becomes read-only after it was made
 * (mprotect): the guest may still read it, but its store must fail in
 * KVM_RUN (EFAULT, as upstream) and never reach the host page.
 */
TEST_F(run, writable_slot_over_memory_made_read_only)
{
	struct kvm_run *run;
	uint64_t *mem;

	guest_setup(_metadata, &self->g, rom_start, rom_end);
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	mem[0] = 0xfeed;
	mem[1] = 0x5a5a;
	ASSERT_EQ(0, set_region(self->g.vm, 1, 0, 0x90000000, 0x1000, mem));
	ASSERT_EQ(0, mprotect(mem, 0x1000, PROT_READ));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0xfeed, run->riscv_sbi.args[0]);
	EXPECT_EQ(EFAULT, guest_run(self->g.vcpu));
	EXPECT_EQ(EFAULT, guest_run(self->g.vcpu));
	EXPECT_EQ(0x5a5a, mem[1]);
	/* Writable again: the same store goes through and lands. */
	ASSERT_EQ(0, mprotect(mem, 0x1000, PROT_READ | PROT_WRITE));
	guest_report(_metadata, &self->g, self->g.vcpu, run, 2);
	EXPECT_EQ(9, mem[1]);
	munmap(mem, 0x1000);
}

/*
 * udmabuf maps a memfd's pages with VM_PFNMAP, which GUP refuses: the
 * fault-in must read the frame from the host page table. The guest must
 * see and change the memfd's own page, dirty logging there is refused,
 * and once the mapping is gone the guest must not reach the page any more.
 */
/**
 * struct udmabuf_page - one memfd page and a udmabuf over it
 * @memfd: the memfd
 * @dev: /dev/udmabuf
 * @buf: the dma-buf; its mmap is VM_PFNMAP
 * @page: the memfd's page, mapped the ordinary way
 */
struct udmabuf_page {
	int memfd, dev, buf;
	uint64_t *page;
};

static void udmabuf_page_open(struct __test_metadata *_metadata, struct udmabuf_page *u)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = 0x1000 };

	u->memfd = memfd_create("kvmod-pfnmap", MFD_ALLOW_SEALING);
	ASSERT_GE(u->memfd, 0);
	ASSERT_EQ(0, ftruncate(u->memfd, 0x1000));
	ASSERT_EQ(0, fcntl(u->memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	u->dev = open("/dev/udmabuf", O_RDWR);
	ASSERT_GE(u->dev, 0);
	create.memfd = u->memfd;
	u->buf = ioctl(u->dev, UDMABUF_CREATE, &create);
	ASSERT_GE(u->buf, 0);
	u->page = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, u->memfd, 0);
	ASSERT_NE(MAP_FAILED, u->page);
}

static void udmabuf_page_close(struct udmabuf_page *u)
{
	munmap(u->page, 0x1000);
	close(u->buf);
	close(u->dev);
	close(u->memfd);
}

TEST_F(run, pfnmap_slot)
{
	struct udmabuf_page u;
	uint64_t *map, *page;
	struct kvm_run *run;

	guest_setup(_metadata, &self->g, peek_start, peek_end);
	udmabuf_page_open(_metadata, &u);
	page = u.page;
	map = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, u.buf, 0);
	ASSERT_NE(MAP_FAILED, map);
	page[0] = 0xfeed;

	/* VM_PFNMAP has no dirty tracking. */
	EXPECT_EQ(EINVAL, set_region(self->g.vm, 1, KVM_MEM_LOG_DIRTY_PAGES,
				     0x90000000, 0x1000, map));
	ASSERT_EQ(0, set_region(self->g.vm, 1, 0, 0x90000000, 0x1000, map));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0xfeed, run->riscv_sbi.args[0]);
	guest_report(_metadata, &self->g, self->g.vcpu, run, 2);
	EXPECT_EQ(9, page[1]);
	/* Mapped now: the host's next write shows without a fault. */
	page[0] = 0xbeef;
	guest_report(_metadata, &self->g, self->g.vcpu, run, 1);
	EXPECT_EQ(0xbeef, run->riscv_sbi.args[0]);

	/* The host mapping goes: so must the guest's. */
	ASSERT_EQ(0, munmap(map, 0x1000));
	page[0] = 0x5a5a;
	EXPECT_EQ(EFAULT, guest_run(self->g.vcpu));
	EXPECT_EQ(0x5a5a, page[0]);
	udmabuf_page_close(&u);
}

/*
 * Two slots over the same host page (KVM allows aliases): when the host
 * replaces the page, the notifier must find both slots by host address,
 * or one alias would keep the freed page mapped.
 */
TEST_F(run, aliased_slots_follow_host_changes)
{
	struct kvm_run *run;
	uint64_t *mem;

	guest_setup(_metadata, &self->g, alias_start, alias_end);
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	mem[0] = 0x1234;
	ASSERT_EQ(0, set_region(self->g.vm, 1, 0, 0x90000000, 0x1000, mem));
	ASSERT_EQ(0, set_region(self->g.vm, 2, 0, 0xa0000000, 0x1000, mem));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0x1234, run->riscv_sbi.args[0]);
	EXPECT_EQ(0x1234, run->riscv_sbi.args[1]);

	/* The page goes; a new one takes its place. */
	ASSERT_EQ(0, madvise(mem, 0x1000, MADV_DONTNEED));
	mem[0] = 0x5678;
	guest_report(_metadata, &self->g, self->g.vcpu, run, 1);
	EXPECT_EQ(0x5678, run->riscv_sbi.args[0]);
	EXPECT_EQ(0x5678, run->riscv_sbi.args[1]);
	munmap(mem, 0x1000);
}

/* The host frame behind @p (/proc/self/pagemap; root sees frame numbers). */
static uint64_t host_pfn(struct __test_metadata *_metadata, void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	EXPECT_GE(fd, 0);
	EXPECT_EQ(sizeof(e), pread(fd, &e, sizeof(e), (uintptr_t)p / 4096 * sizeof(e)));
	close(fd);
	/* Present, with a frame number. */
	EXPECT_TRUE(e & (1ULL << 63));
	return e & ((1ULL << 55) - 1);
}

/* Mark @pfn idle (write) or read whether it still is (page_idle). */
static bool idle_bit(struct __test_metadata *_metadata, uint64_t pfn, bool mark)
{
	uint64_t word = 0;
	off_t off = pfn / 64 * sizeof(word);
	int fd = open("/sys/kernel/mm/page_idle/bitmap", O_RDWR);

	EXPECT_GE(fd, 0);
	if (mark) {
		word = 1ULL << (pfn % 64);
		EXPECT_EQ(sizeof(word), pwrite(fd, &word, sizeof(word), off));
	} else {
		EXPECT_EQ(sizeof(word), pread(fd, &word, sizeof(word), off));
	}
	close(fd);
	return word & (1ULL << (pfn % 64));
}

/*
 * The guest's accesses go through stage 2 only, never the host's page
 * table: host reclaim sees them only through the MMU notifier's aging. A
 * page the guest reads after it was marked idle must not look idle; one it
 * leaves alone must.
 */
TEST_F(run, guest_access_seen_by_page_idle)
{
	size_t size = 512 * 4096;
	struct kvm_run *run;
	cpu_set_t cpus;
	uint64_t pfn;
	char *mem;
	size_t i;

	/* New pages reach the LRU (where page_idle sees them) in per-CPU batches. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	guest_setup(_metadata, &self->g, peek_start, peek_end);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, madvise(mem, size, MADV_NOHUGEPAGE));
	for (i = 0; i < size; i += 4096)
		mem[i] = 1;
	*(uint64_t *)mem = 0x1234;
	pfn = host_pfn(_metadata, mem);
	ASSERT_EQ(0, set_region(self->g.vm, 1, 0, 0x90000000, 0x1000, mem));

	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0x1234, run->riscv_sbi.args[0]);
	guest_report(_metadata, &self->g, self->g.vcpu, run, 2);

	/* Nobody touches it: idle it stays. */
	idle_bit(_metadata, pfn, true);
	EXPECT_TRUE(idle_bit(_metadata, pfn, false));

	/* The guest reads (and writes) it: not idle any more. */
	idle_bit(_metadata, pfn, true);
	guest_report(_metadata, &self->g, self->g.vcpu, run, 1);
	EXPECT_EQ(0x1234, run->riscv_sbi.args[0]);
	EXPECT_FALSE(idle_bit(_metadata, pfn, false));

	/* Aged again, left alone again: idle again. */
	idle_bit(_metadata, pfn, true);
	EXPECT_TRUE(idle_bit(_metadata, pfn, false));
	munmap(mem, size);
}

TEST_F(run, coalesced_mmio)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = GUEST_MMIO, .size = 0x1000 };
	struct kvm_coalesced_mmio_ring *ring;
	struct kvm_run *run;
	int off;

	guest_setup(_metadata, &self->g, coalesce_start, coalesce_end);
	off = ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	ASSERT_EQ(1, off);
	ring = (void *)((char *)self->g.run + off * getpagesize());
	zone.pio = 1;
	EXPECT_EQ(EINVAL, ioctl_errno(self->g.vm, KVM_REGISTER_COALESCED_MMIO,
				      (unsigned long)&zone));
	zone.pio = 0;
	ASSERT_EQ(0, ioctl(self->g.vm, KVM_REGISTER_COALESCED_MMIO, &zone));

	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	ASSERT_EQ(3, ring->last - ring->first);
	EXPECT_EQ(GUEST_MMIO, ring->coalesced_mmio[ring->first].phys_addr);
	EXPECT_EQ(4, ring->coalesced_mmio[ring->first].len);
	EXPECT_EQ(1, ring->coalesced_mmio[ring->first].data[0]);
	EXPECT_EQ(GUEST_MMIO + 8, ring->coalesced_mmio[ring->first + 2].phys_addr);
	EXPECT_EQ(8, ring->coalesced_mmio[ring->first + 2].len);
	EXPECT_EQ(3, ring->coalesced_mmio[ring->first + 2].data[0]);
	ring->first = ring->last;

	/* Unregistered: the write exits again. */
	ASSERT_EQ(0, ioctl(self->g.vm, KVM_UNREGISTER_COALESCED_MMIO, &zone));
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	expect_mmio(_metadata, run, GUEST_MMIO, 4, true);
	EXPECT_EQ(4, run->mmio.data[0]);
	guest_report(_metadata, &self->g, self->g.vcpu, run, 2);
	EXPECT_EQ(ring->first, ring->last);
}

static uint64_t dirty_bits(struct __test_metadata *_metadata, int vm)
{
	uint64_t bits = 0;
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = &bits };

	EXPECT_EQ(0, ioctl(vm, KVM_GET_DIRTY_LOG, &log));
	return bits;
}

/*
 * The dirty guest with slot 1 at 0x90000000: @pages of memory that log,
 * without transparent huge pages (no khugepaged collapse, and its flush,
 * in the middle of a count).
 */
static void *dirty_setup(struct __test_metadata *_metadata, struct guest *g, size_t pages)
{
	void *mem;

	guest_setup(_metadata, g, dirty_start, dirty_end);
	mem = mmap(NULL, pages * 0x1000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	if (madvise(mem, pages * 0x1000, MADV_NOHUGEPAGE) ||
	    set_region(g->vm, 1, KVM_MEM_LOG_DIRTY_PAGES, 0x90000000, pages * 0x1000, mem)) {
		munmap(mem, pages * 0x1000);
		return NULL;
	}
	return mem;
}

/*
 * A logging slot whose memory the VMM replaced with a VM_PFNMAP mapping
 * after the slot was made: a guest store must map the page writable and
 * log it, not map it read-only and fault again forever.
 */
TEST_F(run, pfnmap_behind_logging_slot)
{
	struct udmabuf_page u;
	struct kvm_run *run;
	void *mem;

	guest_setup(_metadata, &self->g, peek_start, peek_end);
	udmabuf_page_open(_metadata, &u);
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, set_region(self->g.vm, 1, KVM_MEM_LOG_DIRTY_PAGES, 0x90000000, 0x1000, mem));
	ASSERT_EQ(mem, mmap(mem, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			    u.buf, 0));
	u.page[0] = 0xfeed;
	EXPECT_EQ(0, dirty_bits(_metadata, self->g.vm));

	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0xfeed, run->riscv_sbi.args[0]);
	guest_report(_metadata, &self->g, self->g.vcpu, run, 2);
	EXPECT_EQ(9, u.page[1]);
	EXPECT_EQ(1, dirty_bits(_metadata, self->g.vm));
	munmap(mem, 0x1000);
	udmabuf_page_close(&u);
}

TEST_F(run, dirty_log)
{
	struct kvm_dirty_log log = { .slot = 2 };
	uint64_t bits;
	void *mem;

	mem = dirty_setup(_metadata, &self->g, 16);
	ASSERT_NE(NULL, mem);
	log.dirty_bitmap = &bits;
	EXPECT_EQ(ENOENT, ioctl_errno(self->g.vm, KVM_GET_DIRTY_LOG, (unsigned long)&log));
	log.slot = 0;	/* exists, but does not log */
	EXPECT_EQ(ENOENT, ioctl_errno(self->g.vm, KVM_GET_DIRTY_LOG, (unsigned long)&log));

	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a0), 1);
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a1), 5);
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a2), 9);
	EXPECT_EQ(0, dirty_bits(_metadata, self->g.vm));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ((1ULL << 1) | (1ULL << 5), dirty_bits(_metadata, self->g.vm));
	/* Reads dirty nothing, and what was reported is clean again. */
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(0, dirty_bits(_metadata, self->g.vm));
	/* A page mapped by a read is dirtied by a later write. */
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 3);
	EXPECT_EQ(1ULL << 9, dirty_bits(_metadata, self->g.vm));
	EXPECT_EQ(7, *(uint64_t *)((char *)mem + 9 * 0x1000));
	munmap(mem, 16 * 0x1000);
}

/*
 * Harvesting dirty pages of several bitmap words costs one remote TLB
 * flush per ioctl, not one per word: a big slot is not a flush storm.
 */
TEST_F(run, dirty_log_one_flush)
{
	uint64_t bits[4] = {};
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = bits };
	long long before;
	int stats;
	void *mem;

	mem = dirty_setup(_metadata, &self->g, 256);
	ASSERT_NE(NULL, mem);
	stats = ioctl(self->g.vm, KVM_GET_STATS_FD, 0);
	ASSERT_GE(stats, 0);
	/* Writes to pages 3 and 100 (bitmap words 0 and 1), reads 100 and 200. */
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a0), 3);
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a1), 100);
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a2), 200);
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	before = stat_value(stats, "remote_tlb_flush");
	ASSERT_EQ(0, ioctl(self->g.vm, KVM_GET_DIRTY_LOG, &log));
	EXPECT_EQ(1ULL << 3, bits[0]);
	EXPECT_EQ(1ULL << (100 - 64), bits[1]);
	EXPECT_EQ(before + 1, stat_value(stats, "remote_tlb_flush"));
	/* Nothing harvested, nothing to flush. */
	ASSERT_EQ(0, ioctl(self->g.vm, KVM_GET_DIRTY_LOG, &log));
	EXPECT_EQ(before + 1, stat_value(stats, "remote_tlb_flush"));
	/* The protection holds: the next writes fault and are logged again. */
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 3);
	ASSERT_EQ(0, ioctl(self->g.vm, KVM_GET_DIRTY_LOG, &log));
	EXPECT_EQ(1ULL << (200 - 192), bits[3]);
	close(stats);
	munmap(mem, 256 * 0x1000);
}

TEST_F(run, stats)
{
	int vm_fd, vcpu_fd;

	guest_setup(_metadata, &self->g, mmio_start, mmio_end);
	vcpu_fd = ioctl(self->g.vcpu, KVM_GET_STATS_FD, NULL);
	vm_fd = ioctl(self->g.vm, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(vcpu_fd, 0);
	ASSERT_GE(vm_fd, 0);
	EXPECT_EQ(0, stat_value(vcpu_fd, "mmio_exit_user"));
	EXPECT_EQ(0, stat_value(vm_fd, "remote_tlb_flush"));
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	EXPECT_EQ(1, stat_value(vcpu_fd, "mmio_exit_user"));
	EXPECT_LE(1, stat_value(vcpu_fd, "exits"));
	EXPECT_EQ(-1, stat_value(vcpu_fd, "no_such_stat"));
	/* Closing the VM fd first leaves the stats fd usable. */
	close(vcpu_fd);
	EXPECT_LE(0, stat_value(vm_fd, "remote_tlb_flush_requests"));
	close(vm_fd);
}

TEST_F(run, one_reg_rules)
{
	struct kvm_one_reg reg;
	struct kvm_reg_list list = { .n = 0 }, *full;
	uint64_t v = 0, sstc;
	uint32_t v32;

	guest_setup(_metadata, &self->g, mmio_start, mmio_end);
	/* Unknown register, wrong size, wrong arch. */
	EXPECT_EQ(ENOENT, vcpu_reg(self->g.vcpu, KVM_REG_RISCV | KVM_REG_SIZE_U64 |
				   KVM_REG_RISCV_CORE | 40, &v, false));
	reg.id = KVM_REG_RISCV | KVM_REG_SIZE_U32 | KVM_REG_RISCV_CORE;
	reg.addr = (uintptr_t)&v32;
	EXPECT_EQ(EINVAL, ioctl_errno(self->g.vcpu, KVM_GET_ONE_REG, (unsigned long)&reg));
	EXPECT_EQ(EINVAL, vcpu_reg(self->g.vcpu, KVM_REG_ARM64 | KVM_REG_SIZE_U64, &v, false));
	/* Core registers round-trip; mode is S or U only. */
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.s3), 0x1234);
	EXPECT_EQ(0x1234, get_reg(_metadata, self->g.vcpu, REG_CORE(regs.s3)));
	v = 7;
	EXPECT_EQ(EINVAL, vcpu_reg(self->g.vcpu, REG_CORE(mode), &v, true));

	/* The register list: E2BIG with the size, then every register reads. */
	EXPECT_EQ(E2BIG, ioctl_errno(self->g.vcpu, KVM_GET_REG_LIST, (unsigned long)&list));
	ASSERT_GT(list.n, 40);
	full = calloc(1, sizeof(*full) + list.n * sizeof(uint64_t));
	full->n = list.n;
	ASSERT_EQ(0, ioctl(self->g.vcpu, KVM_GET_REG_LIST, full));
	for (v = 0; v < full->n; v++) {
		uint64_t buf = 0;

		reg.id = full->reg[v];
		reg.addr = (uintptr_t)&buf;
		EXPECT_EQ(0, ioctl(self->g.vcpu, KVM_GET_ONE_REG, &reg))
			TH_LOG("register %#llx", (unsigned long long)reg.id);
	}
	free(full);

	/* ISA extensions: frozen once the vCPU ran. */
	if (!vcpu_reg(self->g.vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_SSTC), &sstc, false) && sstc) {
		v = 0;
		EXPECT_EQ(0, vcpu_reg(self->g.vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_SSTC), &v, true));
		v = 1;
		EXPECT_EQ(0, vcpu_reg(self->g.vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_SSTC), &v, true));
	}
	v = 0;
	/* Plain instruction-set extensions cannot be hidden from a guest. */
	EXPECT_EQ(EINVAL, vcpu_reg(self->g.vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_I), &v, true));
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	v = 0;
	EXPECT_EQ(EBUSY, vcpu_reg(self->g.vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_F), &v, true));
}

/*
 * A guest CSR written through ONE_REG keeps only the fields the
 * architecture defines for it: the value reaches the hardware's VS CSR at
 * the next vCPU load, and QEMU (the check hosts' CPU) ORs all of vsstatus
 * into mstatus on guest entry, so sstatus = ~0 once set the host's
 * mstatus.TW/TSR/MPRV: the host then died on its next WFI or SRET, or hung
 * in firmware (found by kvmod_fuzz). The host idles after the guest ran,
 * which executes WFI on both CPUs.
 */
TEST_F(run, guest_csrs_keep_to_their_fields)
{
	const uint64_t sstatus_fields = 0x2 | 0x20 | 0x100 | 0x600 | 0x6000 |
					0x40000 | 0x80000;
	/* MIE, MPIE, MPP, MPRV, TVM, TW, TSR: M-mode's, never the guest's. */
	const uint64_t mstatus_only = 0x8 | 0x80 | 0x1800 | 0x20000 | 0x100000 |
				      0x200000 | 0x400000;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	struct kvm_run *run;
	uint64_t v;
	int i;

	guest_setup(_metadata, &self->g, sstatus_start, sstatus_end);
	set_reg(_metadata, self->g.vcpu, REG_CSR(sstatus), ~0ULL);
	v = get_reg(_metadata, self->g.vcpu, REG_CSR(sstatus));
	EXPECT_EQ(sstatus_fields, v);
	set_reg(_metadata, self->g.vcpu, REG_CSR(sie), ~0ULL);
	EXPECT_EQ(0, get_reg(_metadata, self->g.vcpu, REG_CSR(sie)) & ~0x2222ULL);
	set_reg(_metadata, self->g.vcpu, REG_CSR(stvec), ~0ULL);
	EXPECT_EQ(~2ULL, get_reg(_metadata, self->g.vcpu, REG_CSR(stvec)));
	set_reg(_metadata, self->g.vcpu, REG_CSR(scounteren), ~0ULL);
	EXPECT_EQ(0xffffffffULL, get_reg(_metadata, self->g.vcpu, REG_CSR(scounteren)));
	set_reg(_metadata, self->g.vcpu, REG_CSR(senvcfg), ~0ULL);
	EXPECT_EQ(0, get_reg(_metadata, self->g.vcpu, REG_CSR(senvcfg)) & ~0xf1ULL);
	/* The guest runs with what was kept (SIE: no interrupt is pending). */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(0, run->riscv_sbi.args[0] & mstatus_only);
	for (i = 2; i <= 3; i++)
		guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, i);
	/* Both host CPUs idle (WFI) and come back. */
	for (i = 0; i < 10; i++)
		nanosleep(&nap, NULL);
}

TEST_HARNESS_MAIN
