/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal RISC-V guest for kvmod's selftests: position-independent code
 * snippets from this binary are copied to guest physical 0x80000000 and run
 * in VS-mode with translation off. The guest reports to the test through
 * SBI calls of an experimental extension, which kvmod forwards to userspace.
 */
#ifndef KVMOD_RISCV_GUEST_H
#define KVMOD_RISCV_GUEST_H

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kvmod_util.h"

#define GUEST_BASE	0x80000000UL
#define GUEST_SIZE	0x10000UL
/* Unbacked guest physical address: accesses become MMIO exits. */
#define GUEST_MMIO	0x10000000UL

/* The guest's channel to the test: experimental SBI extension. */
#define GUEST_REPORT_EID	0x08000042UL
#define GUEST_REPORT_EID_STR	"0x08000042"

/* SBI extensions and error codes (SBI 2.0 specification). */
#define SBI_BASE	0x10
#define SBI_TIME	0x54494D45
#define SBI_IPI		0x735049
#define SBI_HSM		0x48534D
#define SBI_SRST	0x53525354
#define SBI_DBCN	0x4442434E
#define SBI_SUCCESS		0
#define SBI_ERR_NOT_SUPPORTED	-2
#define SBI_ERR_INVALID_PARAM	-3
#define SBI_ERR_ALREADY_AVAILABLE -6

#define REG_CORE(name) (KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | \
			KVM_REG_RISCV_CORE_REG(name))

/*
 * GUEST_CODE(name, "asm"): the assembly between name_start and name_end.
 * Report from the guest: a0..a5 are the values, a6 a tag.
 */
#define GUEST_CODE(name, body)						\
	extern const char name##_start[], name##_end[];			\
	asm(".pushsection .text.kvmod_guest, \"ax\"\n"			\
	    ".option push\n.option norvc\n.balign 4\n"			\
	    #name "_start:\n" body "\n" #name "_end:\n"			\
	    ".option pop\n.popsection\n")

#define G_REPORT(tag)							\
	"li a7, " GUEST_REPORT_EID_STR "\n li a6, " #tag "\n ecall\n"

/*
 * Trap handler at 9: records scause in s1 and skips the instruction. Set
 * up first by every snippet that expects exceptions (lla: la would load
 * the host address from the GOT). Such snippets jump over it to 10, the
 * end, where they spin.
 */
#define G_TRAP_SETUP	"lla t0, 9f\n csrw stvec, t0\n li s1, 0\n"
#define G_TRAP_HANDLER	".balign 4\n9: csrr s1, scause\n csrr t0, sepc\n" \
			"addi t0, t0, 4\n csrw sepc, t0\n sret\n"
struct guest {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
};

static inline int vcpu_reg(int vcpu, uint64_t id, uint64_t *val, bool set)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(vcpu, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, &r) ? errno : 0;
}

static inline uint64_t get_reg(struct __test_metadata *_metadata, int vcpu,
			       uint64_t id)
{
	uint64_t v = 0;

	EXPECT_EQ(0, vcpu_reg(vcpu, id, &v, false));
	return v;
}

static inline void set_reg(struct __test_metadata *_metadata, int vcpu,
			   uint64_t id, uint64_t v)
{
	EXPECT_EQ(0, vcpu_reg(vcpu, id, &v, true));
}

/* Another vCPU; it starts (when started) at the beginning of the code. */
static inline int add_vcpu(struct __test_metadata *_metadata, struct guest *g,
			   unsigned long id)
{
	int fd = ioctl(g->vm, KVM_CREATE_VCPU, id);

	EXPECT_GE(fd, 0);
	set_reg(_metadata, fd, REG_CORE(regs.pc), GUEST_BASE);
	return fd;
}

/* VM with GUEST_SIZE bytes of memory holding @start..@end, one vCPU there. */
static inline void guest_setup(struct __test_metadata *_metadata,
			       struct guest *g, const char *start,
			       const char *end)
{
	g->kvm = kvm_open(_metadata);
	g->vm = vm_create(_metadata, g->kvm);
	g->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, g->mem);
	ASSERT_LE(end - start, (long)GUEST_SIZE);
	memcpy(g->mem, start, end - start);
	ASSERT_EQ(0, set_region(g->vm, 0, 0, GUEST_BASE, GUEST_SIZE, g->mem));
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(g->vcpu, 0);
	g->run_size = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu, 0);
	ASSERT_NE(MAP_FAILED, g->run);
	set_reg(_metadata, g->vcpu, REG_CORE(regs.pc), GUEST_BASE);
}

static inline void guest_teardown(struct guest *g)
{
	munmap(g->run, g->run_size);
	munmap(g->mem, GUEST_SIZE);
	close(g->vcpu);
	close(g->vm);
	close(g->kvm);
}

static inline void kick_signal_handler(int sig)
{
}

/*
 * SIGUSR1 with a handler that does nothing: sent to a vCPU thread, it ends
 * that thread's KVM_RUN with EINTR (tests use it to free a vCPU that is
 * stuck, or to stop one). Returns sigaction()'s result.
 */
static inline int kick_signal_install(void)
{
	struct sigaction sa = { .sa_handler = kick_signal_handler };

	return sigaction(SIGUSR1, &sa, NULL);
}

/* KVM_RUN; returns 0 or the errno. */
static inline int guest_run(int vcpu)
{
	return ioctl(vcpu, KVM_RUN, 0) ? errno : 0;
}

/* Runs until the guest reports; checks the tag; returns the report. */
static inline struct kvm_run *guest_report(struct __test_metadata *_metadata,
					   struct guest *g, int vcpu,
					   struct kvm_run *run, unsigned long tag)
{
	EXPECT_EQ(0, guest_run(vcpu));
	EXPECT_EQ(KVM_EXIT_RISCV_SBI, run->exit_reason);
	EXPECT_EQ(GUEST_REPORT_EID, run->riscv_sbi.extension_id);
	EXPECT_EQ(tag, run->riscv_sbi.function_id);
	return run;
}

/* The value of the stat @name in a stats fd, or -1 when absent. */
static inline long long stat_value(int fd, const char *name)
{
	struct kvm_stats_header h;
	long long val = -1;
	size_t dsz;
	char *descs;
	uint32_t i;

	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return -1;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = calloc(h.num_desc, dsz);
	if (pread(fd, descs, h.num_desc * dsz, h.desc_offset) != (ssize_t)(h.num_desc * dsz)) {
		free(descs);
		return -1;
	}
	for (i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);
		uint64_t v;

		if (strcmp(d->name, name))
			continue;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) == sizeof(v))
			val = v;
	}
	free(descs);
	return val;
}

/* Whether @isa (a "rv64imafdc_zicbom_..." string) names extension @ext. */
static inline bool isa_has(const char *isa, const char *ext)
{
	size_t n = strlen(ext);
	const char *p;

	for (p = strchr(isa, '_'); p; p = strchr(p + 1, '_'))
		if (!strncmp(p + 1, ext, n) && (p[n + 1] == '_' || !p[n + 1] ||
						p[n + 1] == '\n' || p[n + 1] == '\r'))
			return true;
	return false;
}

/* The host's ISA string, from the first "isa" line of /proc/cpuinfo. */
static inline const char *host_isa(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[1024];

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "isa\t", 4))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "%s", line + strcspn(line, ":") + 2);
		break;
	}
	if (f)
		fclose(f);
	return buf;
}

/*
 * Cache-block extensions the host has must reach a Linux guest: its device
 * tree has to give their block sizes, or Linux turns them off.
 */
static inline void expect_guest_cbo(struct __test_metadata *_metadata, const char *out)
{
	char host[1024], guest[1024];
	const char *p = strstr(out, "kvmod-guest: isa: ");

	host_isa(host, sizeof(host));
	ASSERT_NE(0, host[0]);
	ASSERT_NE(NULL, p);
	snprintf(guest, sizeof(guest), "%.*s", (int)strcspn(p, "\r\n"), p + 18);
	if (isa_has(host, "zicbom"))
		EXPECT_TRUE(isa_has(guest, "zicbom")) TH_LOG("host %s, guest %s", host, guest);
	if (isa_has(host, "zicboz"))
		EXPECT_TRUE(isa_has(guest, "zicboz")) TH_LOG("host %s, guest %s", host, guest);
}

#endif /* KVMOD_RISCV_GUEST_H */
