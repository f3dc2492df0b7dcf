// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lazy hstateen0 (Smstateen): a vCPU starts with every gate closed; the
 * guest's first access to senvcfg, sstateen0, stopi or the interrupt
 * file's CSRs opens its gate once (one vCPU statistic per bit says when,
 * and the CSR exit count shows one trap), invisibly to the guest: every
 * first access reads over a sentinel or writes, so an access that was
 * skipped instead of run again shows. Gates stay open across later
 * entries, a vCPU reset and a move to another host CPU. The interrupt
 * file's accesses are emulated in that one trap when the file is a
 * software one, and go to the VMM (KVM_EXIT_RISCV_CSR, gate closed) when
 * the VM has no in-kernel AIA. A guest without the extension (Smstateen
 * switched off, no Ssaia) gets an illegal instruction every time and the
 * gate stays closed. Needs a host with Smstateen (QEMU smstateen=true).
 */

#include <pthread.h>
#include <sched.h>

#include "aia.h"
#include "guest.h"

#define EXC_ILLEGAL	2
#define REG_ISA_EXT(ext) (KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_ISA_EXT | \
			  KVM_REG_RISCV_ISA_SINGLE | (ext))
#define REG_SSTATEEN0	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CSR | \
			 KVM_REG_RISCV_CSR_SMSTATEEN | \
			 KVM_REG_RISCV_CSR_SMSTATEEN_REG(sstateen0))
#define REG_SENVCFG	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CSR | \
			 KVM_REG_RISCV_CSR_GENERAL | KVM_REG_RISCV_CSR_REG(senvcfg))

#define REG_SISELECT	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CSR | \
			 KVM_REG_RISCV_CSR_AIA | KVM_REG_RISCV_CSR_AIA_REG(siselect))
#define SENTINEL	0x5a5a

/*
 * Read CSR @csr into a1 (over a sentinel: an access skipped rather than
 * run leaves it), the trap cause (0: none) into a0, and report.
 */
#define READ_REPORT(csr, tag) \
	"li s1, 0\n li s2, 0x5a5a\n csrr s2, " #csr "\n mv a0, s1\n mv a1, s2\n" G_REPORT(tag)
#define END	"j 10f\n" G_TRAP_HANDLER "10: j 10b\n"

GUEST_CODE(envcfg,
	   G_TRAP_SETUP READ_REPORT(0x10a, 1)
	   "li t0, 1\n csrw 0x10a, t0\n" READ_REPORT(0x10a, 2)	/* FIOM */
	   READ_REPORT(0x10a, 3) END);

GUEST_CODE(sstateen0,
	   G_TRAP_SETUP READ_REPORT(0x10c, 1)
	   "li t0, -1\n csrw 0x10c, t0\n" READ_REPORT(0x10c, 2)
	   READ_REPORT(0x10c, 3) END);

/* stopi, siselect, stopei, then stopi again: with Ssaia switched off. */
GUEST_CODE(stopi,
	   G_TRAP_SETUP READ_REPORT(0xdb0, 1) READ_REPORT(0xdb0, 2) END);

/*
 * The interrupt file's gates, each first reached by an access that traps
 * even with the gate open when the file is a software one: sireg (gate
 * AIA_ISEL; vsiselect preset to eidelivery), stopei (gate IMSIC); then
 * siselect, behind the gate sireg opened.
 */
GUEST_CODE(file_gates,
	   G_TRAP_SETUP G_REPORT(1) READ_REPORT(0x151, 2) READ_REPORT(0x15c, 3)
	   READ_REPORT(0x150, 4) END);

GUEST_CODE(aia,
	   G_TRAP_SETUP READ_REPORT(0xdb0, 1) READ_REPORT(0x150, 2)
	   READ_REPORT(0x15c, 3) READ_REPORT(0xdb0, 4) END);

/* Hart 0 starts hart 1 (twice); hart 1 reads senvcfg, then sets FIOM. */
GUEST_CODE(reset,
	   "bnez a0, 5f\n"
	   "li a7, 0x48534D\n li a6, 0\n li a0, 1\n li a1, 0x80000000\n li a2, 0\n ecall\n"
	   G_REPORT(1)
	   "li a7, 0x48534D\n li a6, 0\n li a0, 1\n li a1, 0x80000000\n li a2, 0\n ecall\n"
	   G_REPORT(2)
	   "1: j 1b\n"
	   "5:" G_TRAP_SETUP READ_REPORT(0x10a, 5)
	   "li t0, 1\n csrw 0x10a, t0\n 6: j 6b\n" END);

FIXTURE(hstateen) {
	struct guest g;
	int stats;
};

FIXTURE_SETUP(hstateen)
{
	memset(&self->g, 0, sizeof(self->g));
	self->stats = -1;
}

FIXTURE_TEARDOWN(hstateen)
{
	if (self->stats >= 0)
		close(self->stats);
	if (self->g.run)
		guest_teardown(&self->g);
}

/* Whether the guest can have Smstateen (the host has it). */
static bool smstateen(int vcpu)
{
	uint64_t v = 0;

	return !vcpu_reg(vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_SMSTATEEN), &v, false) && v;
}

static void setup(struct __test_metadata *_metadata, struct _test_data_hstateen *self,
		  const char *start, const char *end)
{
	guest_setup(_metadata, &self->g, start, end);
	self->stats = ioctl(self->g.vcpu, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(self->stats, 0);
}

#define REPORT(tag) guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, tag)
#define STAT(name) stat_value(self->stats, "hstateen_" #name "_enabled")
#define TRAPS() stat_value(self->stats, "csr_exit_kernel")

/* Whether the guest can have Ssaia (the host has it). */
static bool ssaia(int vcpu)
{
	uint64_t v = 0;

	return !vcpu_reg(vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_SSAIA), &v, false) && v;
}

TEST_F(hstateen, hstateen_envcfg_opens_once)
{
	struct kvm_run *run;

	setup(_metadata, self, envcfg_start, envcfg_end);
	if (!smstateen(self->g.vcpu))
		SKIP(return, "host without Smstateen");
	EXPECT_EQ(0, STAT(envcfg));		/* nothing at creation */
	run = REPORT(1);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);	/* no trap the guest saw */
	EXPECT_EQ(0, run->riscv_sbi.args[1]);	/* read for real, not skipped */
	EXPECT_EQ(1, STAT(envcfg));
	EXPECT_EQ(1, TRAPS());			/* one trap opened it */
	run = REPORT(2);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(1, run->riscv_sbi.args[1] & 1);	/* the write took */
	EXPECT_EQ(1, get_reg(_metadata, self->g.vcpu, REG_SENVCFG) & 1);
	run = REPORT(3);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(1, STAT(envcfg));		/* one trap per vCPU lifetime */
	EXPECT_EQ(1, TRAPS());
	EXPECT_EQ(0, STAT(sstateen0));		/* other gates stay shut */
	EXPECT_EQ(0, STAT(aia));
}

TEST_F(hstateen, hstateen_sstateen0_opens_once)
{
	struct kvm_run *run;

	setup(_metadata, self, sstateen0_start, sstateen0_end);
	if (!smstateen(self->g.vcpu))
		SKIP(return, "host without Smstateen");
	EXPECT_EQ(0, get_reg(_metadata, self->g.vcpu, REG_SSTATEEN0));
	run = REPORT(1);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);	/* read for real, not skipped */
	EXPECT_EQ(1, STAT(sstateen0));
	EXPECT_EQ(1, TRAPS());
	run = REPORT(2);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	/* What the CPU kept of all ones (WARL) is what userspace reads. */
	EXPECT_EQ(run->riscv_sbi.args[1], get_reg(_metadata, self->g.vcpu, REG_SSTATEEN0));
	/*
	 * Its fields (bits 0-31) are read-only zero from VS-mode while the
	 * same bits of hstateen0 are clear, and kvmod opens none of them.
	 */
	EXPECT_EQ(0, run->riscv_sbi.args[1] & 0xffffffffUL);
	REPORT(3);
	EXPECT_EQ(1, STAT(sstateen0));
	EXPECT_EQ(1, TRAPS());
	EXPECT_EQ(0, STAT(envcfg));
}

TEST_F(hstateen, hstateen_sstateen0_illegal_without_smstateen)
{
	uint64_t v;

	setup(_metadata, self, sstateen0_start, sstateen0_end);
	if (!smstateen(self->g.vcpu))
		SKIP(return, "host without Smstateen");
	set_reg(_metadata, self->g.vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_SMSTATEEN), 0);
	EXPECT_EQ(ENOENT, vcpu_reg(self->g.vcpu, REG_SSTATEEN0, &v, false));
	EXPECT_EQ(EXC_ILLEGAL, REPORT(1)->riscv_sbi.args[0]);
	EXPECT_EQ(EXC_ILLEGAL, REPORT(2)->riscv_sbi.args[0]);	/* every time */
	EXPECT_EQ(EXC_ILLEGAL, REPORT(3)->riscv_sbi.args[0]);
	EXPECT_EQ(0, STAT(sstateen0));
}

TEST_F(hstateen, hstateen_aia_illegal_without_ssaia)
{
	uint64_t off = 0;
	int tag, r;

	setup(_metadata, self, aia_start, aia_end);
	if (!smstateen(self->g.vcpu))
		SKIP(return, "host without Smstateen");
	/* Ssaia switched off (ENOENT: the host has none): gates stay shut. */
	r = vcpu_reg(self->g.vcpu, REG_ISA_EXT(KVM_RISCV_ISA_EXT_SSAIA), &off, true);
	ASSERT_TRUE(r == 0 || r == ENOENT);
	for (tag = 1; tag <= 4; tag++)
		EXPECT_EQ(EXC_ILLEGAL, REPORT(tag)->riscv_sbi.args[0])
			TH_LOG("access %d", tag);
	EXPECT_EQ(0, STAT(imsic));
	EXPECT_EQ(0, STAT(aia));
	EXPECT_EQ(0, STAT(aia_isel));
}

/* stopi (gate AIA, bit 59) opens on its first access, once. */
TEST_F(hstateen, hstateen_aia_opens_once)
{
	struct kvm_run *run;

	setup(_metadata, self, stopi_start, stopi_end);
	if (!smstateen(self->g.vcpu) || !ssaia(self->g.vcpu))
		SKIP(return, "host without Smstateen and Ssaia");
	EXPECT_EQ(0, STAT(aia));
	run = REPORT(1);
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);	/* nothing pending, read for real */
	EXPECT_EQ(1, STAT(aia));
	EXPECT_EQ(1, TRAPS());
	run = REPORT(2);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);
	EXPECT_EQ(1, STAT(aia));
	EXPECT_EQ(1, TRAPS());
	EXPECT_EQ(0, STAT(imsic));
	EXPECT_EQ(0, STAT(aia_isel));
}

/*
 * The interrupt file's gates with an in-kernel AIA in @mode: one trap per
 * gate, the access emulated in it when the file is a software one (its
 * retry would trap again) and run again when it is a hardware one.
 */
static void file_gates(struct __test_metadata *_metadata, struct _test_data_hstateen *self,
		       uint32_t mode)
{
	uint64_t one = 1, isel = 0x70;
	struct kvm_run *run;
	long long t;
	int dev, r;

	setup(_metadata, self, file_gates_start, file_gates_end);
	if (!smstateen(self->g.vcpu) || !ssaia(self->g.vcpu))
		SKIP(return, "host without Smstateen and Ssaia");
	dev = create_aia(self->g.vm);
	ASSERT_LE(0, dev);
	r = aia_init(dev, mode, 1, 0);
	if (r == EINVAL && mode == KVM_DEV_RISCV_AIA_MODE_HWACCEL)
		SKIP(close(dev); return, "no hardware guest interrupt files in this host");
	ASSERT_EQ(0, r);
	/* eidelivery on, and the guest's siselect pointing at it. */
	ASSERT_EQ(0, imsic_reg(dev, KVM_SET_DEVICE_ATTR, 0, 0x70, &one));
	set_reg(_metadata, self->g.vcpu, REG_SISELECT, isel);
	REPORT(1);
	t = TRAPS();
	run = REPORT(2);					/* sireg */
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(1, run->riscv_sbi.args[1]);		/* eidelivery, not the sentinel */
	EXPECT_EQ(1, STAT(aia_isel));
	EXPECT_EQ(t + 1, TRAPS()) TH_LOG("sireg's first access");
	run = REPORT(3);					/* stopei */
	EXPECT_EQ(0, run->riscv_sbi.args[0]);
	EXPECT_EQ(0, run->riscv_sbi.args[1]);		/* nothing pending */
	EXPECT_EQ(1, STAT(imsic));
	EXPECT_EQ(t + 2, TRAPS()) TH_LOG("stopei's first access");
	run = REPORT(4);					/* siselect: gate open */
	EXPECT_EQ(0x70, run->riscv_sbi.args[1]);
	EXPECT_EQ(t + 2, TRAPS()) TH_LOG("siselect behind an open gate");
	EXPECT_EQ(1, STAT(aia_isel));
	close(dev);
}

TEST_F(hstateen, hstateen_file_gates_one_trap_software_file)
{
	file_gates(_metadata, self, KVM_DEV_RISCV_AIA_MODE_EMUL);
}

TEST_F(hstateen, hstateen_file_gates_one_trap_hardware_file)
{
	file_gates(_metadata, self, KVM_DEV_RISCV_AIA_MODE_HWACCEL);
}

/*
 * No in-kernel AIA: the interrupt file's accesses go to the VMM (as
 * upstream), the gate stays closed and every access exits again; the
 * VMM's answer is what the guest reads.
 */
TEST_F(hstateen, hstateen_file_gates_without_aia_go_to_vmm)
{
	struct kvm_run *run;
	int i;

	setup(_metadata, self, file_gates_start, file_gates_end);
	if (!smstateen(self->g.vcpu) || !ssaia(self->g.vcpu))
		SKIP(return, "host without Smstateen and Ssaia");
	run = REPORT(1);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, guest_run(self->g.vcpu));
		ASSERT_EQ(KVM_EXIT_RISCV_CSR, run->exit_reason);
		EXPECT_EQ(i ? 0x15c : 0x151, run->riscv_csr.csr_num);
		EXPECT_EQ(0, run->riscv_csr.write_mask);	/* csrr: a read */
		run->riscv_csr.ret_value = 0x77 + i;
		run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2 + i);
		EXPECT_EQ(0, run->riscv_sbi.args[0]);
		EXPECT_EQ(0x77 + i, run->riscv_sbi.args[1]);
	}
	EXPECT_EQ(0, STAT(aia_isel));
	EXPECT_EQ(0, STAT(imsic));
	EXPECT_EQ(2, stat_value(self->stats, "csr_exit_user"));
	/* siselect: its gate is still closed, so it goes to the VMM too. */
	ASSERT_EQ(0, guest_run(self->g.vcpu));
	EXPECT_EQ(KVM_EXIT_RISCV_CSR, run->exit_reason);
	EXPECT_EQ(0x150, run->riscv_csr.csr_num);
}

TEST_F(hstateen, hstateen_open_across_reset)
{
	struct kvm_mp_state stopped = { .mp_state = KVM_MP_STATE_STOPPED };
	struct kvm_run *run1;
	int vcpu1, stats1;

	setup(_metadata, self, reset_start, reset_end);
	if (!smstateen(self->g.vcpu))
		SKIP(return, "host without Smstateen");
	vcpu1 = add_vcpu(_metadata, &self->g, 1);
	run1 = mmap(NULL, self->g.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu1, 0);
	ASSERT_NE(MAP_FAILED, run1);
	stats1 = ioctl(vcpu1, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(stats1, 0);

	EXPECT_EQ(0, REPORT(1)->riscv_sbi.args[0]);		/* hart 1 started */
	guest_report(_metadata, &self->g, vcpu1, run1, 5);
	EXPECT_EQ(0, run1->riscv_sbi.args[0]);
	EXPECT_EQ(1, stat_value(stats1, "hstateen_envcfg_enabled"));
	/* Hart 1 sets FIOM and spins; stop it, hart 0 starts it anew. */
	EXPECT_EQ(0, ioctl(vcpu1, KVM_SET_MP_STATE, &stopped));
	EXPECT_EQ(0, REPORT(2)->riscv_sbi.args[0]);
	guest_report(_metadata, &self->g, vcpu1, run1, 5);
	EXPECT_EQ(0, run1->riscv_sbi.args[0]);			/* gate still open */
	EXPECT_EQ(0, run1->riscv_sbi.args[1]);			/* senvcfg was reset */
	EXPECT_EQ(1, stat_value(stats1, "hstateen_envcfg_enabled"));
	close(stats1);
	munmap(run1, self->g.run_size);
	close(vcpu1);
}

TEST_F(hstateen, hstateen_open_after_cpu_change)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	int cpu;

	setup(_metadata, self, envcfg_start, envcfg_end);
	if (!smstateen(self->g.vcpu))
		SKIP(return, "host without Smstateen");
	if (ncpu < 2)
		SKIP(return, "one host CPU");
	for (cpu = 0; cpu < 2; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
		/* Opened on CPU 0; on CPU 1 the load must bring it along. */
		EXPECT_EQ(0, REPORT(cpu + 1)->riscv_sbi.args[0]);
		EXPECT_EQ(1, STAT(envcfg));
	}
	CPU_ZERO(&set);
	for (cpu = 0; cpu < ncpu; cpu++)
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

TEST_F(hstateen, hstateen_always_on_mode)
{
	const char *param = "/sys/module/kvmod/parameters/hstateen_lazy";
	FILE *f = fopen(param, "r+");

	if (!f)
		SKIP(return, "no %s", param);
	ASSERT_EQ(1, fputs("0", f) >= 0);
	fflush(f);
	setup(_metadata, self, envcfg_start, envcfg_end);
	rewind(f);
	fputs("1", f);
	fclose(f);
	if (!smstateen(self->g.vcpu))
		SKIP(return, "host without Smstateen");
	/* Created while eager: the gate is open before the first access. */
	EXPECT_EQ(0, REPORT(1)->riscv_sbi.args[0]);
	EXPECT_EQ(0, STAT(envcfg));
}

TEST_HARNESS_MAIN
