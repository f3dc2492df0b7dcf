// SPDX-License-Identifier: GPL-2.0-only
/*
 * The V extension in guests: the guest's vector registers survive exits
 * while the host uses the vector unit in between (this thread's own
 * userspace registers, and the kernel's vector user copies), ONE_REG reads
 * and writes them with upstream's encoding and rules, and a vCPU whose V
 * (or F and D) was switched off gets an illegal instruction for every use.
 * (The thread's own vector registers do not survive KVM_RUN: Linux
 * discards them on every system call, as the RISC-V psABI allows.)
 */

#include <sys/ioctl.h>

#include "guest.h"

#define REG_ISA(ext)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_ISA_EXT | \
			 KVM_REG_RISCV_ISA_SINGLE | (ext))
#define REG_VCSR(name)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_VECTOR | \
			 KVM_REG_RISCV_VECTOR_CSR_REG(name))
/* v<n> with the size field for @vlenb bytes. */
#define REG_V(n, vlenb)	(KVM_REG_RISCV | ((uint64_t)__builtin_ctzl(vlenb) << KVM_REG_SIZE_SHIFT) | \
			 KVM_REG_RISCV_VECTOR | KVM_REG_RISCV_VECTOR_REG(n))

#define PATTERN_GUEST	0x1122334455667788UL
#define PATTERN_HOST	0x5a5a5a5a0f0f0f0fUL
#define PATTERN_ONEREG	0x0123456789abcdefUL
#define PATTERN_V6	0xabcdefUL

/*
 * 1: vl of e64/m1 after filling v1 with PATTERN_GUEST and v2 with 0, 1, ...
 * 2: v1[0], v2[1], how many v1 elements still equal the pattern, vl, vtype
 * 3: v5[0], which the test set through ONE_REG
 * 4: after filling v6 with PATTERN_V6, for the test to read
 */
GUEST_CODE(vstate,
	   ".option arch, +v\n"
	   "li t0, 0x200\n csrs sstatus, t0\n"
	   "vsetvli t1, zero, e64, m1, ta, ma\n"
	   "li t2, 0x1122334455667788\n vmv.v.x v1, t2\n vid.v v2\n"
	   "mv a0, t1\n" G_REPORT(1)
	   "vmv.x.s a0, v1\n vslidedown.vi v3, v2, 1\n vmv.x.s a1, v3\n"
	   "vmseq.vx v0, v1, t2\n vcpop.m a2, v0\n csrr a3, vl\n csrr a4, vtype\n" G_REPORT(2)
	   "vmv.x.s a0, v5\n" G_REPORT(3)
	   "li t2, 0xabcdef\n vmv.v.x v6, t2\n" G_REPORT(4)
	   "1: j 1b\n");

/* With V and F/D off: a vector and an FP instruction, each must trap (s1). */
GUEST_CODE(voff,
	   ".option arch, +v\n" G_TRAP_SETUP
	   "li t0, 0x6200\n csrs sstatus, t0\n"
	   "vsetvli t1, zero, e64, m1, ta, ma\n mv a0, s1\n" G_REPORT(1)
	   "li s1, 0\n fmv.w.x ft0, zero\n mv a0, s1\n" G_REPORT(2)
	   "j 10f\n" G_TRAP_HANDLER "10: j 10b\n");

FIXTURE(vector) {
	struct guest g;
	unsigned long vlenb;
};

static unsigned long host_vlenb(void)
{
	unsigned long v;

	asm volatile(".option push\n .option arch, +v\n csrr %0, vlenb\n .option pop\n"
		     : "=r"(v));
	return v;
}

/* Fill this thread's v1 with @x (e64); return v1[0] as read back. */
static uint64_t user_v1(uint64_t x, bool set)
{
	uint64_t out;

	asm volatile(".option push\n .option arch, +v\n"
		     "vsetvli t0, zero, e64, m1, ta, ma\n"
		     "beqz %2, 1f\n vmv.v.x v1, %1\n"
		     "1: vmv.x.s %0, v1\n .option pop\n"
		     : "=r"(out) : "r"(x), "r"(set) : "t0", "memory");
	return out;
}

/* Moves 64 KiB through a pipe: large user copies, which use the vector unit. */
static void kernel_copies(struct __test_metadata *_metadata)
{
	static char buf[65536];
	int p[2];

	ASSERT_EQ(0, pipe(p));
	memset(buf, 0x33, sizeof(buf));
	fcntl(p[1], F_SETPIPE_SZ, sizeof(buf));
	EXPECT_EQ(sizeof(buf), write(p[1], buf, sizeof(buf)));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(sizeof(buf), read(p[0], buf, sizeof(buf)));
	EXPECT_EQ(0x33, buf[sizeof(buf) - 1]);
	close(p[0]);
	close(p[1]);
}

FIXTURE_SETUP(vector)
{
	uint64_t on = 0;
	int kvm = open("/dev/kvm", O_RDWR), vm, vcpu;

	memset(&self->g, 0, sizeof(self->g));
	ASSERT_GE(kvm, 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	if (vcpu_reg(vcpu, REG_ISA(KVM_RISCV_ISA_EXT_V), &on, false) || !on) {
		close(vcpu);
		close(vm);
		close(kvm);
		SKIP(return, "no V for guests on this host");
	}
	close(vcpu);
	close(vm);
	close(kvm);
	self->vlenb = host_vlenb();
}

FIXTURE_TEARDOWN(vector)
{
	if (self->g.run)
		guest_teardown(&self->g);
}

TEST_F(vector, state_survives_exits_and_host_use)
{
	struct kvm_run *r;
	unsigned long vl = self->vlenb / 8;

	guest_setup(_metadata, &self->g, vstate_start, vstate_end);
	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(vl, r->riscv_sbi.args[0]);
	/* The host uses the unit between two runs: its registers, then the kernel. */
	EXPECT_EQ(PATTERN_HOST, user_v1(PATTERN_HOST, true));
	kernel_copies(_metadata);

	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(PATTERN_GUEST, r->riscv_sbi.args[0]);
	EXPECT_EQ(1, r->riscv_sbi.args[1]);
	EXPECT_EQ(vl, r->riscv_sbi.args[2]);
	EXPECT_EQ(vl, r->riscv_sbi.args[3]);
	EXPECT_EQ(0xd8, r->riscv_sbi.args[4]);	/* e64, m1, ta, ma */
}

TEST_F(vector, one_reg)
{
	unsigned char v[256], want[256];
	struct kvm_reg_list *list;
	uint64_t val, i, found = 0;
	struct kvm_run *r;
	unsigned long vl = self->vlenb / 8;

	ASSERT_LE(self->vlenb, sizeof(v));
	guest_setup(_metadata, &self->g, vstate_start, vstate_end);
	EXPECT_EQ(self->vlenb, get_reg(_metadata, self->g.vcpu, REG_VCSR(vlenb)));
	/* vlenb is the hardware's: the same value is accepted, no other. */
	val = self->vlenb;
	EXPECT_EQ(0, vcpu_reg(self->g.vcpu, REG_VCSR(vlenb), &val, true));
	val = self->vlenb * 2;
	EXPECT_EQ(EINVAL, vcpu_reg(self->g.vcpu, REG_VCSR(vlenb), &val, true));
	EXPECT_EQ(ENOENT, vcpu_reg(self->g.vcpu, REG_VCSR(vlenb) + 1, &val, false));
	/* Vector registers are exactly vlenb wide. */
	EXPECT_EQ(EINVAL, vcpu_reg(self->g.vcpu, REG_V(0, self->vlenb * 2), (uint64_t *)v,
				   false));
	EXPECT_EQ(ENOENT, vcpu_reg(self->g.vcpu, REG_V(32, self->vlenb), (uint64_t *)v, false));

	/* The list: vstart, vl, vtype, vcsr, vlenb, v0..v31. */
	list = calloc(1, sizeof(*list) + 1024 * sizeof(uint64_t));
	ASSERT_NE(NULL, list);
	list->n = 1024;
	ASSERT_EQ(0, ioctl(self->g.vcpu, KVM_GET_REG_LIST, list));
	for (i = 0; i < list->n; i++)
		if ((list->reg[i] & KVM_REG_RISCV_TYPE_MASK) == KVM_REG_RISCV_VECTOR)
			found++;
	EXPECT_EQ(37, found);
	for (i = 0; i < 32; i++) {
		uint64_t id = REG_V(i, self->vlenb), j;

		for (j = 0; j < list->n && list->reg[j] != id; j++)
			;
		EXPECT_LT(j, list->n);
	}
	free(list);

	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(vl, get_reg(_metadata, self->g.vcpu, REG_VCSR(vl)));
	EXPECT_EQ(0xd8, get_reg(_metadata, self->g.vcpu, REG_VCSR(vtype)));
	/* v5 set from here is what the guest reads. */
	for (i = 0; i < self->vlenb; i += 8)
		memcpy(v + i, &(uint64_t){ PATTERN_ONEREG }, 8);
	EXPECT_EQ(0, vcpu_reg(self->g.vcpu, REG_V(5, self->vlenb), (uint64_t *)v, true));
	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 3);
	EXPECT_EQ(PATTERN_ONEREG, r->riscv_sbi.args[0]);
	/* v6 as the guest wrote it. */
	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 4);
	for (i = 0; i < self->vlenb; i += 8)
		memcpy(want + i, &(uint64_t){ PATTERN_V6 }, 8);
	memset(v, 0, sizeof(v));
	EXPECT_EQ(0, vcpu_reg(self->g.vcpu, REG_V(6, self->vlenb), (uint64_t *)v, false));
	EXPECT_EQ(0, memcmp(want, v, self->vlenb));
}

TEST_F(vector, switched_off_is_illegal)
{
	struct kvm_reg_list *list;
	uint64_t val, i;
	struct kvm_run *r;

	guest_setup(_metadata, &self->g, voff_start, voff_end);
	set_reg(_metadata, self->g.vcpu, REG_ISA(KVM_RISCV_ISA_EXT_V), 0);
	set_reg(_metadata, self->g.vcpu, REG_ISA(KVM_RISCV_ISA_EXT_F), 0);
	set_reg(_metadata, self->g.vcpu, REG_ISA(KVM_RISCV_ISA_EXT_D), 0);
	EXPECT_EQ(ENOENT, vcpu_reg(self->g.vcpu, REG_VCSR(vl), &val, false));
	list = calloc(1, sizeof(*list) + 1024 * sizeof(uint64_t));
	ASSERT_NE(NULL, list);
	list->n = 1024;
	ASSERT_EQ(0, ioctl(self->g.vcpu, KVM_GET_REG_LIST, list));
	for (i = 0; i < list->n; i++)
		EXPECT_NE(KVM_REG_RISCV_VECTOR, list->reg[i] & KVM_REG_RISCV_TYPE_MASK);
	free(list);

	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(2, r->riscv_sbi.args[0]);	/* illegal instruction */
	r = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ(2, r->riscv_sbi.args[0]);
}

TEST_HARNESS_MAIN
