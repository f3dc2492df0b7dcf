// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hostile VMM or a hostile guest must not hurt the host.
 *
 * The VMM is SIGKILLed while two vCPU threads run, while a thread deletes
 * and re-creates a slot its guest keeps storing to, and while a thread
 * harvests dirty pages: every module reference it held must go (the VM is
 * torn down) and a new VM must run. VM and vCPU fds passed over a unix
 * socket to a process that did not create them serve it nothing (EIO) and
 * keep working for their owner.
 *
 * The guest's loads and stores outside every slot (below RAM, above it, at
 * and past the top of the guest physical address space) exit as MMIO; its
 * SBI calls hammered in a loop (unknown ones, probes, IPIs and fences with
 * bad hart masks) get exactly the SBI specification's errors while another
 * VM keeps running; its own page tables pointing anywhere (loops, tables
 * outside memory or past the physical address space, misaligned and
 * reserved leaves) give it page or access faults, or MMIO exits for leaves
 * outside memory; its stores to another vCPU's IMSIC page are MSIs to that
 * vCPU and nothing more, and the rest of the IMSIC region is the VMM's.
 */

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "aia.h"
#include "guest.h"

/* Counts at 0x80008000 + 8 * a0; reports the count (in a0) every 1024. */
GUEST_CODE(count,
	   "li t0, 0x80008000\n slli t1, a0, 3\n add t0, t0, t1\n"
	   "1: ld t1, 0(t0)\n addi t1, t1, 1\n sd t1, 0(t0)\n"
	   "slli t2, t1, 54\n bnez t2, 1b\n"
	   "mv a0, t1\n" G_REPORT(1) "j 1b\n");
#define COUNT_STEP	1024

/* Stores to each of the 64 pages at 0x90000000, round and round. */
GUEST_CODE(scribble,
	   "li t0, 0x90000000\n li t1, 0x40000\n li t4, 0x1000\n"
	   "1: li t2, 0\n"
	   "2: add t3, t0, t2\n sd t2, 0(t3)\n add t2, t2, t4\n bltu t2, t1, 2b\n"
	   "j 1b\n");
#define SLOT_GPA	0x90000000UL
#define SLOT_SIZE	(64 * 0x1000UL)

/* A VM that works: reports 0x600d. */
GUEST_CODE(hello, "li a0, 0x600d\n" G_REPORT(7));

FIXTURE(hostile) {
	struct guest g;
};

FIXTURE_SETUP(hostile)
{
	memset(&self->g, 0, sizeof(self->g));
	ASSERT_EQ(0, kick_signal_install());
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->g.run)
		guest_teardown(&self->g);
}

/**
 * struct runner - a thread running one vCPU until told to stop
 * @vcpu: the vCPU fd
 * @run: its kvm_run
 * @t: the thread
 * @stop: ends the loop (with a kick to end KVM_RUN)
 * @done: the loop ended
 * @reports: the count guest's reports, each COUNT_STEP above the last
 * @mmio: MMIO exits (loads read 0)
 * @bad: errors and exits a well-behaved guest never causes
 */
struct runner {
	int vcpu;
	struct kvm_run *run;
	pthread_t t;
	atomic_bool stop, done;
	atomic_ulong reports, mmio, bad;
};

static void runner_exit(struct runner *r)
{
	struct kvm_run *run = r->run;
	unsigned long next = (atomic_load(&r->reports) + 1) * COUNT_STEP;

	if (run->exit_reason == KVM_EXIT_MMIO) {
		atomic_fetch_add(&r->mmio, 1);
	} else if (run->exit_reason == KVM_EXIT_RISCV_SBI &&
		   run->riscv_sbi.extension_id == GUEST_REPORT_EID &&
		   run->riscv_sbi.function_id == 1 && run->riscv_sbi.args[0] == next) {
		atomic_fetch_add(&r->reports, 1);
	} else {
		atomic_fetch_add(&r->bad, 1);
	}
}

static void *runner_loop(void *arg)
{
	struct runner *r = arg;
	int err;

	while (!atomic_load(&r->stop)) {
		err = guest_run(r->vcpu);
		if (err == EINTR)
			continue;
		if (err)
			atomic_fetch_add(&r->bad, 1);
		else
			runner_exit(r);
	}
	atomic_store(&r->done, true);
	return NULL;
}

static int runner_start(struct runner *r, int vcpu, struct kvm_run *run)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = vcpu;
	r->run = run;
	return pthread_create(&r->t, NULL, runner_loop, r);
}

static void runner_stop(struct runner *r)
{
	atomic_store(&r->stop, true);
	while (!atomic_load(&r->done)) {
		pthread_kill(r->t, SIGUSR1);
		usleep(1000);
	}
	pthread_join(r->t, NULL);
}

/* Waits up to 10 s for *@a >= @na and *@b >= @nb; whether both came. */
static bool wait_counts(atomic_ulong *a, unsigned long na, atomic_ulong *b,
			unsigned long nb)
{
	double until = now() + 10;

	while (atomic_load(a) < na || atomic_load(b) < nb) {
		if (now() > until)
			return false;
		usleep(1000);
	}
	return true;
}

/* vCPU 1 of @g, runnable, its kvm_run mapped, starting with a0 = @a0. */
static int second_vcpu(struct __test_metadata *_metadata, struct guest *g,
		       struct kvm_run **run, uint64_t a0)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	int fd = add_vcpu(_metadata, g, 1);

	*run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, *run);
	EXPECT_EQ(0, ioctl(fd, KVM_SET_MP_STATE, &mp));
	set_reg(_metadata, fd, REG_CORE(regs.a0), a0);
	return fd;
}

static long long vcpu_stat(int vcpu, const char *name)
{
	int fd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);
	long long v;

	if (fd < 0)
		return -1;
	v = stat_value(fd, name);
	close(fd);
	return v;
}

/* The next exit must be MMIO at @gpa, @len bytes, a store when @write. */
static void next_mmio(struct __test_metadata *_metadata, struct guest *g,
		      uint64_t gpa, uint32_t len, bool write)
{
	struct kvm_run *run = g->run;

	ASSERT_EQ(0, guest_run(g->vcpu));
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason) TH_LOG("access at %#llx",
							  (unsigned long long)gpa);
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(len, run->mmio.len);
	EXPECT_EQ(write, run->mmio.is_write);
}

static void on_alarm(int sig)
{
}

/* A SIGALRM in @sec seconds, to end a KVM_RUN that would never return. */
static void arm_alarm(int sec)
{
	struct itimerval it = { .it_value = { .tv_sec = sec } };
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- The hostile VMM: killed in the middle of things. ---- */

/* In the killed VMM: tells the test it is where it must be killed, waits. */
static void vmm_in_phase(int fd, bool reached)
{
	char c = reached ? 'y' : 'n';

	if (write(fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* Module references once what a killed VMM held is gone (at most 5 s). */
static long refs_settled(long base)
{
	double until = now() + 5;
	long refs = module_refcnt();

	while (refs != base && now() < until) {
		usleep(50000);
		refs = module_refcnt();
	}
	return refs;
}

static void fresh_vm_runs(struct __test_metadata *_metadata)
{
	struct kvm_run *run;
	struct guest g;

	guest_setup(_metadata, &g, hello_start, hello_end);
	run = guest_report(_metadata, &g, g.vcpu, g.run, 7);
	EXPECT_EQ(0x600d, run->riscv_sbi.args[0]);
	guest_teardown(&g);
}

/*
 * Runs @vmm in a child, SIGKILLs it once it says it is in the phase to be
 * killed in; then the module's references must be back where they were
 * and a new VM must run.
 */
static void kill_vmm_in_phase(struct __test_metadata *_metadata,
			      void (*vmm)(struct __test_metadata *_metadata, int phase_fd))
{
	struct pollfd pfd = { .events = POLLIN };
	long base = module_refcnt();
	char phase = 0;
	int p[2], status;
	pid_t pid;

	ASSERT_LE(0, base);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		vmm(_metadata, p[1]);
		_exit(1);
	}
	close(p[1]);
	pfd.fd = p[0];
	if (poll(&pfd, 1, 20000) != 1 || read(p[0], &phase, 1) != 1)
		phase = 0;
	EXPECT_EQ('y', phase) TH_LOG("the VMM never got where it was to be killed");
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(p[0]);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(base, refs_settled(base));
	fresh_vm_runs(_metadata);
}

/* Two vCPU threads counting in the guest: both have reported. */
static void vmm_vcpus_run(struct __test_metadata *_metadata, int phase_fd)
{
	struct runner r[2];
	struct kvm_run *run1;
	struct guest g;
	int vcpu1;

	guest_setup(_metadata, &g, count_start, count_end);
	set_reg(_metadata, g.vcpu, REG_CORE(regs.a0), 0);
	vcpu1 = second_vcpu(_metadata, &g, &run1, 1);
	ASSERT_EQ(0, runner_start(&r[0], g.vcpu, g.run));
	ASSERT_EQ(0, runner_start(&r[1], vcpu1, run1));
	vmm_in_phase(phase_fd, wait_counts(&r[0].reports, 1, &r[1].reports, 1));
}

TEST_F_TIMEOUT(hostile, sigkill_while_vcpus_run, 60)
{
	kill_vmm_in_phase(_metadata, vmm_vcpus_run);
}

/**
 * struct slot_worker - a thread at slot 1 of a VM
 * @vm: the VM
 * @mem: the slot's memory, SLOT_SIZE bytes
 * @cycles: rounds done
 * @hits: dirty logs that had pages in them
 */
struct slot_worker {
	int vm;
	void *mem;
	atomic_ulong cycles, hits;
};

static void *churn_slot(void *arg)
{
	struct slot_worker *w = arg;

	for (;;) {
		set_region(w->vm, 1, 0, SLOT_GPA, 0, w->mem);
		usleep(100);
		set_region(w->vm, 1, 0, SLOT_GPA, SLOT_SIZE, w->mem);
		atomic_fetch_add(&w->cycles, 1);
	}
	return NULL;
}

static void *harvest_dirty(void *arg)
{
	struct slot_worker *w = arg;
	uint64_t bits;
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = &bits };

	for (;;) {
		bits = 0;
		if (!ioctl(w->vm, KVM_GET_DIRTY_LOG, &log) && bits)
			atomic_fetch_add(&w->hits, 1);
		atomic_fetch_add(&w->cycles, 1);
	}
	return NULL;
}

/*
 * The scribbling guest on one thread, slot 1 (with @flags) under @worker
 * on another; in the phase once the worker has gone @cycles rounds with
 * @hits, and the vCPU has seen @mmio MMIO exits.
 */
static void vmm_slot_worker(struct __test_metadata *_metadata, int phase_fd,
			    uint32_t flags, void *(*worker)(void *),
			    unsigned long hits, unsigned long mmio)
{
	struct slot_worker w = {};
	struct runner r;
	struct guest g;
	pthread_t t;

	guest_setup(_metadata, &g, scribble_start, scribble_end);
	w.vm = g.vm;
	w.mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, w.mem);
	ASSERT_EQ(0, set_region(g.vm, 1, flags, SLOT_GPA, SLOT_SIZE, w.mem));
	ASSERT_EQ(0, runner_start(&r, g.vcpu, g.run));
	ASSERT_EQ(0, pthread_create(&t, NULL, worker, &w));
	vmm_in_phase(phase_fd, wait_counts(&w.cycles, 20, &w.hits, hits) &&
		     wait_counts(&r.mmio, mmio, &r.mmio, mmio));
}

/* A store to a GPA whose slot is gone exits as MMIO: seen at least once. */
static void vmm_slot_deleted(struct __test_metadata *_metadata, int phase_fd)
{
	vmm_slot_worker(_metadata, phase_fd, 0, churn_slot, 0, 1);
}

TEST_F_TIMEOUT(hostile, sigkill_while_slot_deleted, 60)
{
	kill_vmm_in_phase(_metadata, vmm_slot_deleted);
}

static void vmm_dirty_logging(struct __test_metadata *_metadata, int phase_fd)
{
	vmm_slot_worker(_metadata, phase_fd, KVM_MEM_LOG_DIRTY_PAGES, harvest_dirty, 10, 0);
}

TEST_F_TIMEOUT(hostile, sigkill_while_dirty_logging, 60)
{
	kill_vmm_in_phase(_metadata, vmm_dirty_logging);
}

/* ---- VM and vCPU fds in a process that did not create them. ---- */

static int send_fds(int sock, int a, int b)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u = {};
	int fds[2] = { a, b };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : errno;
}

static int recv_fds(int sock, int fds[2])
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	return 0;
}

enum {
	USE_CHECK_EXT,
	USE_CREATE_VCPU,
	USE_SET_REGION,
	USE_STATS_FD,
	USE_RUN,
	USE_SET_REG,
	USE_GET_REG,
	USE_NR
};

static const char use_name[USE_NR][32] = {
	"KVM_CHECK_EXTENSION", "KVM_CREATE_VCPU", "KVM_SET_USER_MEMORY_REGION2",
	"KVM_GET_STATS_FD", "KVM_RUN", "KVM_SET_ONE_REG", "KVM_GET_ONE_REG",
};

/* The receiving process: every use of the fds it got; their errnos to @sock. */
static int use_passed_fds(int sock)
{
	void *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fds[2], err[USE_NR];
	uint64_t v = 0xbad;

	if (mem == MAP_FAILED || recv_fds(sock, fds))
		return 1;
	err[USE_CHECK_EXT] = ioctl_errno(fds[0], KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);
	err[USE_CREATE_VCPU] = ioctl_errno(fds[0], KVM_CREATE_VCPU, 1);
	err[USE_SET_REGION] = set_region(fds[0], 1, 0, SLOT_GPA, 0x1000, mem);
	err[USE_STATS_FD] = ioctl_errno(fds[0], KVM_GET_STATS_FD, 0);
	err[USE_RUN] = guest_run(fds[1]);
	err[USE_SET_REG] = vcpu_reg(fds[1], REG_CORE(regs.s3), &v, true);
	err[USE_GET_REG] = vcpu_reg(fds[1], REG_CORE(regs.pc), &v, false);
	return write(sock, err, sizeof(err)) == sizeof(err) ? 0 : 1;
}

TEST_F_TIMEOUT(hostile, vm_fd_passed_to_another_process, 60)
{
	struct kvm_run *run;
	int sv[2], err[USE_NR], status, i, fd;
	pid_t pid;

	/* Forked first: the child inherits nothing of the VM. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		_exit(use_passed_fds(sv[1]));
	}
	close(sv[1]);
	guest_setup(_metadata, &self->g, hello_start, hello_end);
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.s3), 0x5a5a);
	ASSERT_EQ(0, send_fds(sv[0], self->g.vm, self->g.vcpu));
	ASSERT_EQ((ssize_t)sizeof(err), read(sv[0], err, sizeof(err)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(sv[0]);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	for (i = 0; i < USE_NR; i++)
		EXPECT_EQ(EIO, err[i]) TH_LOG("%s from the other process", use_name[i]);

	/* Nothing it tried happened; the owner goes on as before. */
	EXPECT_EQ(GUEST_BASE, get_reg(_metadata, self->g.vcpu, REG_CORE(regs.pc)));
	EXPECT_EQ(0x5a5a, get_reg(_metadata, self->g.vcpu, REG_CORE(regs.s3)));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 7);
	EXPECT_EQ(0x600d, run->riscv_sbi.args[0]);
	fd = ioctl(self->g.vm, KVM_CREATE_VCPU, 1);
	EXPECT_LE(0, fd);
	close(fd);
}

/* ---- The hostile guest. ---- */

/*
 * At each of the a0 addresses listed at 0x80008000: ld, sw, lbu; reports
 * the two loaded values and the cause of any trap taken (0: none).
 */
GUEST_CODE(outside,
	   G_TRAP_SETUP
	   "li s3, 0x80008000\n mv s2, a0\n"
	   "1: beqz s2, 10f\n ld s5, 0(s3)\n"
	   "ld a0, 0(s5)\n li t1, 0x5aa5c33c\n sw t1, 0(s5)\n lbu a1, 0(s5)\n"
	   "mv a2, s1\n" G_REPORT(1)
	   "addi s3, s3, 8\n addi s2, s2, -1\n j 1b\n"
	   "10: j 10b\n" G_TRAP_HANDLER);

/* One address of the outside guest: three MMIO exits, then its report. */
static void outside_access(struct __test_metadata *_metadata, struct guest *g, uint64_t gpa)
{
	uint64_t v = gpa ^ 0x0123456789abcdefULL;
	uint32_t stored;
	struct kvm_run *run = g->run;

	next_mmio(_metadata, g, gpa, 8, false);
	memcpy(run->mmio.data, &v, 8);
	next_mmio(_metadata, g, gpa, 4, true);
	memcpy(&stored, run->mmio.data, 4);
	EXPECT_EQ(0x5aa5c33c, stored);
	next_mmio(_metadata, g, gpa, 1, false);
	run->mmio.data[0] = 0x99;
	run = guest_report(_metadata, g, g->vcpu, run, 1);
	EXPECT_EQ(v, run->riscv_sbi.args[0]);
	EXPECT_EQ(0x99, run->riscv_sbi.args[1]);
	EXPECT_EQ(0, run->riscv_sbi.args[2]) TH_LOG("trap at %#llx", (unsigned long long)gpa);
}

/*
 * Past the top of the G-stage's address space the hardware raises a
 * guest-page fault like for any unmapped address: kvmod finds no slot
 * there either, and it is MMIO for the VMM (as upstream).
 */
TEST_F_TIMEOUT(hostile, guest_loads_stores_outside_memslots_exit_as_mmio, 60)
{
	uint64_t *list, bits;
	int i, n = 0;

	guest_setup(_metadata, &self->g, outside_start, outside_end);
	bits = ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_VM_GPA_BITS);
	ASSERT_LE(41, bits);
	ASSERT_GE(59, bits);
	list = (uint64_t *)((char *)self->g.mem + 0x8000);
	list[n++] = 0x8;				/* the bottom */
	list[n++] = GUEST_BASE - 8;			/* right below RAM */
	list[n++] = GUEST_BASE + GUEST_SIZE;		/* right above it */
	list[n++] = 1ULL << (bits - 1);			/* far above */
	list[n++] = (1ULL << bits) - 8;			/* the last addressable bytes */
	list[n++] = 1ULL << bits;			/* past the address space */
	list[n++] = 1ULL << 63;
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a0), n);
	for (i = 0; i < n; i++)
		outside_access(_metadata, &self->g, list[i]);
}

/* A call a7 = @eid, a6 = @fid with a0, a1; @count runs when a0 is @err. */
#define SBI_COUNT(eid, fid, x0, x1, err, count)					\
	"li a7, " eid "\n li a6, " fid "\n li a0, " x0 "\n li a1, " x1 "\n"	\
	"ecall\n li t0, " err "\n bne a0, t0, 1f\n" count "1:\n"
#define CNT_S2	"addi s2, s2, 1\n"
#define CNT_S3	"addi s3, s3, 1\n"
#define CNT_S5	"addi s5, s5, 1\n"
#define CNT_S6	"addi s6, s6, 1\n"
#define CNT_S7	"addi s7, s7, 1\n"
/* A BASE probe of @eid; counted in s4 when it says (0, @val). */
#define SBI_PROBE(eid, val)							\
	"li a7, 0x10\n li a6, 3\n li a0, " eid "\n ecall\n bnez a0, 1f\n"	\
	"li t0, " val "\n bne a1, t0, 1f\n addi s4, s4, 1\n1:\n"

/*
 * Hart 0 (a0 = rounds): 14 SBI calls a round; then reports how many got
 * the right answer, by kind. Hart 1 (a0 = 0): WFI with SSIE, counting
 * wake-ups in s2.
 */
GUEST_CODE(sbi_storm,
	   "beqz a0, 20f\n mv s9, a0\n"
	   "li s2, 0\n li s3, 0\n li s4, 0\n li s5, 0\n li s6, 0\n li s7, 0\n"
	   "2:\n"
	   SBI_COUNT("0x12345678", "0", "0", "0", "-2", CNT_S2)	/* no such extension */
	   SBI_COUNT("0x0a000000", "0", "0", "0", "-2", CNT_S2)	/* firmware range */
	   SBI_COUNT("0x4442434e", "0", "0", "0", "-2", CNT_S2)	/* DBCN: off by default */
	   SBI_COUNT("-1", "0", "0", "0", "-2", CNT_S2)
	   SBI_COUNT("0x10", "99", "0", "0", "-2", CNT_S3)		/* BASE function 99 */
	   SBI_COUNT("0x735049", "1", "3", "0", "-2", CNT_S3)	/* IPI function 1 */
	   SBI_PROBE("0x12345678", "0")
	   SBI_PROBE("0x735049", "1")
	   SBI_COUNT("0x735049", "0", "-1", "0", "-3", CNT_S5)	/* harts 0..63 */
	   SBI_COUNT("0x52464e43", "0", "-1", "0", "-3", CNT_S5)	/* fence.i to 0..63 */
	   SBI_COUNT("0x735049", "0", "1", "2", "-3", CNT_S6)	/* hart 2 */
	   SBI_COUNT("0x735049", "0", "-1", "-16", "-3", CNT_S6)	/* ids wrapping past ~0 */
	   SBI_COUNT("0x735049", "0", "3", "0", "0", CNT_S7)		/* harts 0 and 1 */
	   SBI_COUNT("0x735049", "0", "0", "-1", "0", CNT_S7)	/* every hart */
	   "addi s9, s9, -1\n bnez s9, 2b\n"
	   "mv a0, s2\n mv a1, s3\n mv a2, s4\n mv a3, s5\n mv a4, s6\n mv a5, s7\n"
	   G_REPORT(1) "3: j 3b\n"
	   "20: li t0, 2\n csrs sie, t0\n"
	   "21: wfi\n csrci sip, 2\n addi s2, s2, 1\n j 21b\n");
#define STORM_ROUNDS	3000

/* Another VM counting on a thread of its own; it has reported once. */
static void bystander_start(struct __test_metadata *_metadata, struct guest *g,
			    struct runner *r)
{
	guest_setup(_metadata, g, count_start, count_end);
	set_reg(_metadata, g->vcpu, REG_CORE(regs.a0), 0);
	ASSERT_EQ(0, runner_start(r, g->vcpu, g->run));
	ASSERT_TRUE(wait_counts(&r->reports, 1, &r->reports, 1));
}

/*
 * The SBI's answers (SBI 2.0): NOT_SUPPORTED for an extension or function
 * that does not exist (or is off), probes saying what exists, and
 * INVALID_PARAM for a hart mask naming a hart that does not exist, with
 * nothing sent; base -1 means every hart.
 */
TEST_F_TIMEOUT(hostile, guest_hammering_sbi_and_ipis_stays_contained, 60)
{
	const unsigned long n = STORM_ROUNDS;
	struct runner idle, other;
	unsigned long before;
	struct kvm_run *run1, *run;
	struct guest g2;
	int vcpu1;

	bystander_start(_metadata, &g2, &other);
	guest_setup(_metadata, &self->g, sbi_storm_start, sbi_storm_end);
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a0), n);
	vcpu1 = second_vcpu(_metadata, &self->g, &run1, 0);
	ASSERT_EQ(0, runner_start(&idle, vcpu1, run1));

	before = atomic_load(&other.reports);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(4 * n, run->riscv_sbi.args[0]);	/* NOT_SUPPORTED: extensions */
	EXPECT_EQ(2 * n, run->riscv_sbi.args[1]);	/* NOT_SUPPORTED: functions */
	EXPECT_EQ(2 * n, run->riscv_sbi.args[2]);	/* probes */
	EXPECT_EQ(2 * n, run->riscv_sbi.args[3]);	/* INVALID_PARAM: harts 0..63 */
	EXPECT_EQ(2 * n, run->riscv_sbi.args[4]);	/* INVALID_PARAM: past the last */
	EXPECT_EQ(2 * n, run->riscv_sbi.args[5]);	/* SUCCESS */
	EXPECT_LT(before, atomic_load(&other.reports));

	runner_stop(&idle);
	runner_stop(&other);
	EXPECT_EQ(0, atomic_load(&idle.bad));
	EXPECT_EQ(0, atomic_load(&other.bad));
	/* Hart 1 got the IPIs meant for it. */
	EXPECT_LT(0, get_reg(_metadata, vcpu1, REG_CORE(regs.s2)));
	munmap(run1, self->g.run_size);
	close(vcpu1);
	guest_teardown(&g2);
}

/*
 * Sv39 with the root table at 0x80008000, then an access at each address
 * of the {va, value} pairs listed at 0x80007000 (a store of the value, a
 * load when it is 0) until va 0; reports the trap's cause and stval (0 if
 * none) and what a load read.
 */
GUEST_CODE(wild_s1,
	   "lla t0, 9f\n csrw stvec, t0\n"
	   "li t0, 0x8000000000080008\n csrw satp, t0\n sfence.vma\n"
	   "li s3, 0x80007000\n"
	   "1: ld s5, 0(s3)\n beqz s5, 10f\n ld s6, 8(s3)\n"
	   "li s1, 0\n li s4, 0\n li a2, 0\n"
	   "bnez s6, 2f\n ld a2, 0(s5)\n j 3f\n"
	   "2: sd s6, 0(s5)\n"
	   "3: mv a0, s1\n mv a1, s4\n" G_REPORT(1)
	   "addi s3, s3, 16\n j 1b\n"
	   "10:" G_REPORT(2) "11: j 11b\n"
	   ".balign 4\n9: csrr s1, scause\n csrr s4, stval\n csrr t0, sepc\n"
	   "addi t0, t0, 4\n csrw sepc, t0\n sret\n");

#define S1_ROOT_OFF	0x8000
#define S1_CASES_OFF	0x7000
#define PTE_TABLE	0x1		/* V: a pointer to the next level */
#define PTE_RWX		0xcf		/* V, R, W, X, A, D */
#define PTE(pa, flags)	(((uint64_t)(pa) >> 12 << 10) | (flags))
#define GIGA(i)		((uint64_t)(i) << 30)
#define TOP_PA		0x100000000000000ULL	/* 2^56: Sv39's physical addresses end */
#define EXC_LOAD_ACCESS		5
#define EXC_STORE_ACCESS	7
#define EXC_LOAD_PAGE		13
#define EXC_STORE_PAGE		15

/**
 * struct s1_case - an access through the wild page table
 * @va: the address
 * @store: the value stored, or 0 for a load
 * @cause: the exception the guest must take, or 0
 * @mmio: the GPA of the MMIO exit it must cause instead, or 0
 * @load: what a load reads (the VMM's answer, for MMIO)
 */
struct s1_case {
	uint64_t va, store;
	unsigned long cause;
	uint64_t mmio, load;
};

/* The loop: the root is its own table at every level, VPNs all 3. */
#define VA_LOOP	(GIGA(3) | (3 << 21) | (3 << 12))

static const struct s1_case s1_cases[] = {
	/* A non-leaf entry at the last level. */
	{ VA_LOOP, 0, EXC_LOAD_PAGE },
	{ VA_LOOP, 0x77, EXC_STORE_PAGE },
	/* The next table outside memory, or past what the G-stage maps. */
	{ GIGA(4) + 0x123000, 0, EXC_LOAD_ACCESS },
	{ GIGA(4) + 0x123000, 0x77, EXC_STORE_ACCESS },
	{ GIGA(5), 0, EXC_LOAD_ACCESS },
	/* Leaves outside memory: the VMM's. */
	{ GIGA(6) + GUEST_MMIO + 0x10, 0, 0, GUEST_MMIO + 0x10, 0x1122334455667788ULL },
	{ GIGA(6) + GUEST_MMIO + 0x10, 0x99, 0, GUEST_MMIO + 0x10 },
	{ GIGA(7) + 0x1008, 0, 0, TOP_PA - GIGA(1) + 0x1008, 0x4242 },
	/* A misaligned 1 GiB leaf; a writable one that is not readable. */
	{ GIGA(8), 0, EXC_LOAD_PAGE },
	{ GIGA(9), 0x77, EXC_STORE_PAGE },
	/* Through the root twice, to a 2 MiB leaf: the list itself. */
	{ GIGA(10) | (2 << 21) | 0x7000, 0, 0, 0, VA_LOOP },
};

static void s1_tables(struct guest *g)
{
	uint64_t *root = (uint64_t *)((char *)g->mem + S1_ROOT_OFF);
	uint64_t *list = (uint64_t *)((char *)g->mem + S1_CASES_OFF);
	unsigned int i;

	root[2] = PTE(GUEST_BASE, PTE_RWX);		/* the code and data */
	root[3] = PTE(GUEST_BASE + S1_ROOT_OFF, PTE_TABLE);
	root[4] = PTE(GUEST_MMIO, PTE_TABLE);
	root[5] = PTE(TOP_PA - 0x1000, PTE_TABLE);
	root[6] = PTE(0, PTE_RWX);
	root[7] = PTE(TOP_PA - GIGA(1), PTE_RWX);
	root[8] = PTE(GUEST_BASE + 0x1000, PTE_RWX);
	root[9] = PTE(GUEST_BASE, PTE_RWX & ~0x2);
	root[10] = PTE(GUEST_BASE + S1_ROOT_OFF, PTE_TABLE);
	for (i = 0; i < ARRAY_SIZE(s1_cases); i++) {
		list[2 * i] = s1_cases[i].va;
		list[2 * i + 1] = s1_cases[i].store;
	}
}

static void s1_expect(struct __test_metadata *_metadata, struct guest *g,
		      const struct s1_case *c)
{
	struct kvm_run *run = g->run;
	uint64_t v;

	if (c->mmio) {
		next_mmio(_metadata, g, c->mmio, 8, c->store);
		memcpy(&v, run->mmio.data, 8);
		EXPECT_EQ(c->store, c->store ? v : 0);	/* what a store wrote */
		if (!c->store)
			memcpy(run->mmio.data, &c->load, 8);
	}
	run = guest_report(_metadata, g, g->vcpu, run, 1);
	EXPECT_EQ(c->cause, run->riscv_sbi.args[0]) TH_LOG("va %#llx", (unsigned long long)c->va);
	EXPECT_EQ(c->cause ? c->va : 0, run->riscv_sbi.args[1]);
	/* What a load read; 0 after a store or a trap. */
	EXPECT_EQ(c->store || c->cause ? 0 : c->load, run->riscv_sbi.args[2]);
}

/*
 * The hardware walks the guest's tables through the G-stage: a table
 * outside every slot is a guest-page fault on an implicit access (htinst
 * a pseudo-instruction), which kvmod turns into an access fault for the
 * guest; a leaf outside memory is an ordinary MMIO access.
 */
TEST_F_TIMEOUT(hostile, guest_stage1_tables_pointing_anywhere, 60)
{
	unsigned int i;

	guest_setup(_metadata, &self->g, wild_s1_start, wild_s1_end);
	ASSERT_GT(S1_CASES_OFF, wild_s1_end - wild_s1_start);
	s1_tables(&self->g);
	for (i = 0; i < ARRAY_SIZE(s1_cases); i++)
		s1_expect(_metadata, &self->g, &s1_cases[i]);
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
}

/*
 * vCPU 1's interrupt file on: delivery on, threshold 0, identities 5 and
 * 9 enabled, external interrupts enabled in sie.
 */
#define HART1_FILE_ON							\
	"li t0, 0x70\n csrw 0x150, t0\n li t0, 1\n csrw 0x151, t0\n"	\
	"li t0, 0x72\n csrw 0x150, t0\n csrw 0x151, zero\n"		\
	"li t0, 0xc0\n csrw 0x150, t0\n li t0, 0x220\n csrw 0x151, t0\n"	\
	"li t0, 0x200\n csrs sie, t0\n"

/*
 * Hart 0 (a0 = 0) writes vCPU 1's page: 5 to seteipnum_le, 7 to
 * seteipnum_be, identities 0 and 300, 9 with 8- and 2-byte stores and at
 * another offset; loads it (report 1); then stores 13 to the region's
 * next page, which is nobody's, and loads it (report 2). Hart 1 turns its
 * file on (report 3), then reports each interrupt's stopei (report 4).
 */
GUEST_CODE(imsic_poke,
	   "lla t0, 9f\n csrw stvec, t0\n bnez a0, 20f\n"
	   "li t0, 0x28001000\n li t1, 5\n sw t1, 0(t0)\n"
	   "li t1, 0x07000000\n sw t1, 4(t0)\n"
	   "sw zero, 0(t0)\n li t1, 300\n sw t1, 0(t0)\n"
	   "li t1, 9\n sd t1, 0(t0)\n sh t1, 0(t0)\n sw t1, 0x100(t0)\n"
	   "lw a0, 0(t0)\n ld a1, 0x7f8(t0)\n lw a2, 4(t0)\n" G_REPORT(1)
	   "li t0, 0x28002000\n li t1, 13\n sw t1, 0(t0)\n lw a0, 0(t0)\n" G_REPORT(2)
	   "1: j 1b\n"
	   "20:" HART1_FILE_ON G_REPORT(3)
	   "csrsi sstatus, 2\n 21: wfi\n j 21b\n"
	   ".balign 4\n9: csrrw a0, 0x15c, zero\n" G_REPORT(4) "sret\n");

static uint64_t eip(struct __test_metadata *_metadata, int dev, int vcpu, uint32_t isel)
{
	uint64_t v = ~0ULL;

	EXPECT_EQ(0, imsic_reg(dev, KVM_GET_DEVICE_ATTR, vcpu, isel, &v));
	return v;
}

/* Hart 0's accesses to vCPU 1's page and to nobody's. */
static void imsic_poke_hart0(struct __test_metadata *_metadata, struct guest *g)
{
	struct kvm_run *run = g->run;
	uint32_t v = 0x5a;

	run = guest_report(_metadata, g, g->vcpu, run, 1);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);
	EXPECT_EQ(0, run->riscv_sbi.args[2]);
	next_mmio(_metadata, g, IMSIC_BASE + 0x2000, 4, true);
	EXPECT_EQ(13, run->mmio.data[0]);
	next_mmio(_metadata, g, IMSIC_BASE + 0x2000, 4, false);
	memcpy(run->mmio.data, &v, 4);
	run = guest_report(_metadata, g, g->vcpu, run, 2);
	EXPECT_EQ(0x5a, run->riscv_sbi.args[0]);
	/* Ten accesses to vCPU 1's page, in the kernel; two for the VMM. */
	EXPECT_EQ(10, vcpu_stat(g->vcpu, "mmio_exit_kernel"));
	EXPECT_EQ(2, vcpu_stat(g->vcpu, "mmio_exit_user"));
}

/*
 * A store to another hart's seteipnum is an MSI to it (that is how IPIs
 * go with the AIA): it must reach that file only, with identities the file
 * lacks and other offsets and sizes dropped; the page reads as zero. A
 * page of the region no vCPU has is not the kernel's: MMIO for the VMM.
 */
TEST_F_TIMEOUT(hostile, guest_touching_another_vcpus_imsic_page, 60)
{
	struct kvm_run *run1;
	int dev, vcpu1;

	guest_setup(_metadata, &self->g, imsic_poke_start, imsic_poke_end);
	set_reg(_metadata, self->g.vcpu, REG_CORE(regs.a0), 0);
	vcpu1 = second_vcpu(_metadata, &self->g, &run1, 1);
	dev = create_aia(self->g.vm);
	if (dev == -ENODEV)
		SKIP(goto out, "no AIA in this host");
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, aia_init(dev, KVM_DEV_RISCV_AIA_MODE_EMUL, 2, 0));
	guest_report(_metadata, &self->g, vcpu1, run1, 3);
	imsic_poke_hart0(_metadata, &self->g);

	EXPECT_EQ((1 << 5) | (1 << 7), eip(_metadata, dev, 1, 0x80));
	EXPECT_EQ(0, eip(_metadata, dev, 1, 0x82));
	EXPECT_EQ(0, eip(_metadata, dev, 1, 0x86));
	EXPECT_EQ(0, eip(_metadata, dev, 0, 0x80));
	/* vCPU 1 takes 5; 7, not enabled, stays pending. */
	if (eip(_metadata, dev, 1, 0x80) & (1 << 5)) {
		arm_alarm(10);
		run1 = guest_report(_metadata, &self->g, vcpu1, run1, 4);
		arm_alarm(0);
		EXPECT_EQ((5 << 16) | 5, run1->riscv_sbi.args[0]);
		EXPECT_EQ(1 << 7, eip(_metadata, dev, 1, 0x80));
	}
	close(dev);
out:
	munmap(run1, self->g.run_size);
	close(vcpu1);
}

TEST_HARNESS_MAIN
