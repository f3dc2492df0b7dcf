/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmod_fuzz: what the fuzzer's files share. See main.c for the design.
 */
#ifndef KVMOD_FUZZ_H
#define KVMOD_FUZZ_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/kvm.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(t, a)	((a)[rnd(t, ARRAY_SIZE(a))])	/* a random element */

#define KICK_SIGNAL	SIGUSR2		/* the KVM_RUN timer's; its handler does nothing */

#define MAX_THREADS	32
#define RING_LEN	64		/* calls each thread remembers */
#define NR_ERRNO	600		/* errno histogram buckets; last: others */

/*
 * Per-thread scratch: ioctl structs at its start, data the kernel reads or
 * writes behind them after STRUCT_AREA, one PROT_NONE guard page at its
 * end. Big enough for any buffer the fuzzer calls "owned": 4095 routing
 * entries, a 32 KiB register, a dirty bitmap of a 64 MiB slot.
 */
#define SCRATCH_SIZE	(192 << 10)
#define STRUCT_AREA	(4 << 10)
#define DATA_SIZE	(SCRATCH_SIZE - STRUCT_AREA)

/* Guest memory: regions of the arena that guest code is written to. */
#define NR_REGIONS	8
#define REGION_SIZE	(512 << 10)
#define ARENA_SIZE	(64 << 20)	/* reserved; regions are its head */
#define GUEST_RAM_GPA	0x80000000ULL	/* region r is at + r * REGION_SIZE */
#define CODE_SLOT	16		/* region r's slot id: CODE_SLOT + r */
#define DIRTY_LOG_MAX	(64ULL << 20)	/* largest slot we dirty-log */

enum fd_kind {
	K_SYS,		/* /dev/kvm */
	K_VM,
	K_VCPU,
	K_DEV,
	K_STATS,
	K_EVENTFD,
	K_WRONG,	/* a pipe, /dev/null, numbers never opened */
	NR_KINDS,
	K_NONE = -1,	/* calls on no fd: mmap, eventfd() ... */
};

/* A pool entry; threads work on copies taken under the pool's lock. */
struct fd_ent {
	uint64_t gen;		/* unique, 0: free slot */
	int fd;
	enum fd_kind kind;
	/* vCPU */
	int vm_fd;		/* the VM's fd at creation (may go stale) */
	uint64_t vm_gen;
	void *run;		/* its kvm_run mapping, or NULL */
	size_t run_len;
	int running;		/* threads in KVM_RUN on it */
	/* VM */
	int nr_vcpus;		/* KVM_CREATE_VCPU successes */
	/* device */
	uint32_t dev_type;
};

/* The fd an operation works on: the kind it wanted, or deliberately not. */
struct tgt {
	struct fd_ent e;
	bool right;		/* e.kind is the kind the ioctl is for */
};

/* One call in a thread's ring. */
struct rec {
	unsigned long seq;	/* the call's global number */
	const char *what;
	int kind;
	int fd;
	long ret;
	int err;
	bool done;
	char args[120];
};

/* A worker's life, for the dump; the main thread waits for >= TS_DONE. */
enum thr_state {
	TS_NEW,		/* not started yet */
	TS_RUNNING,
	TS_DONE,	/* left its loop */
	TS_DIED,	/* left it from a fault */
};

struct thr {
	int idx;
	pthread_t th;
	atomic_int state;	/* enum thr_state */
	uint64_t rng;
	timer_t timer;
	bool has_timer;
	uint8_t *scratch;	/* SCRATCH_SIZE, then the guard page */
	_Atomic uint64_t busy_since;	/* ns the current call began; 0 idle */
	struct rec ring[RING_LEN];
	unsigned long nrec;
	unsigned long calls;
	unsigned long errs[NR_ERRNO];
	unsigned long *op_calls;
	int op;			/* index of the running table entry */
	uint64_t reg_ids[256];	/* ids KVM_GET_REG_LIST reported */
	unsigned int nreg_ids;
	struct {
		void *p;
		size_t len;
	} xmap[4];		/* other mappings of vCPU fds */
	unsigned int nxmap;
};

struct op {
	const char *name;
	enum fd_kind kind;	/* the kind it is meant for */
	unsigned long req;	/* its ioctl, 0 if none */
	unsigned int weight;
	void (*fn)(struct thr *t, const struct op *op);
};

extern const struct op ops[];
extern const unsigned int nr_ops;

/* Global settings and state (main.c). */
struct fuzz {
	uint64_t seed;
	unsigned long budget;
	double seconds;
	double watchdog;
	int nthreads;
	int verbose;		/* -v: each call's result; -vv: also its start */
	unsigned int stdio_open;	/* bit n: fd n was open at start */
	long page;
	_Atomic size_t mmap_size;
	_Atomic unsigned long calls;
	atomic_int stop;
	atomic_int failed;
	char fail_msg[256];
	double t0;
	struct thr *thr;
};

extern struct fuzz fz;
extern __thread struct thr *self;

/* main.c */
double now_s(void);
uint64_t now_ns(void);
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool probe_copy(void *dst, const void *src, size_t len);
void kick_arm(struct thr *t, unsigned int ms);
void kick_disarm(struct thr *t);

/* record.c: every call goes through these, into the ring. */
#define CF_KNOWN	(1u << 0)	/* a KVM ioctl kvmod implements */
#define CF_OWNED	(1u << 1)	/* all user memory is ours and valid */
struct rec *rec_begin(struct thr *t, const char *what, int kind, int fd);
void rec_note(struct thr *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void busy_enter(struct thr *t);
long rec_end(struct thr *t, long r);
long rec_ioctl(struct thr *t, unsigned long req, uint64_t arg);
long tg_ioctl(struct thr *t, const struct tgt *tg, unsigned long req,
	      uint64_t arg, unsigned int cf);
void check_call(struct thr *t, const struct tgt *tg, unsigned int cf);
bool check_new_fd(struct thr *t, long fd);
void note_ioctl_nr(unsigned long req);
unsigned int distinct_ioctls(void);
void dump_rings(void);
const char *err_name(int err);

/* pool.c */
const char *kind_name(int kind);
void pool_init(void);
bool pool_pick(struct thr *t, enum fd_kind kind, struct fd_ent *out);
bool pool_take(struct thr *t, enum fd_kind kind, struct fd_ent *out);
bool pool_add(struct fd_ent *e, struct fd_ent *evicted);
bool pool_alive(enum fd_kind kind, uint64_t gen);
bool pool_detach_run(struct thr *t, void **p, size_t *len);
bool pool_attach_run(uint64_t gen, void *p, size_t len);
void *pool_run_begin(uint64_t gen);
void pool_run_end(uint64_t gen);
int pool_vm_vcpus(uint64_t vm_gen, int add);
bool pool_orphan(void *p, size_t len, void **old, size_t *old_len);
bool pool_in_run(uint64_t a, uint64_t len);
bool pool_has_fd(long fd);
void *map_run(struct thr *t, int fd, size_t *len);
void pick_target(struct thr *t, enum fd_kind kind, struct tgt *tg);
void drop_entry(struct thr *t, struct fd_ent *e);
void add_entry(struct thr *t, struct fd_ent *e);

/* args.c: values and pointers, valid-looking, boundary and hostile. */
uint64_t rnd64(struct thr *t);
uint64_t rnd(struct thr *t, uint64_t n);
bool one_in(struct thr *t, unsigned int n);
uint64_t gen_u64(struct thr *t);
uint32_t gen_u32(struct thr *t);
void gen_fill(struct thr *t, void *p, size_t len);
uint64_t arg_struct(struct thr *t, const void *src, size_t len, bool *owned);
uint64_t arg_data(struct thr *t, size_t len, bool *owned);
uint64_t arg_value(struct thr *t, uint64_t v, bool *owned);
bool arg_back(struct thr *t, uint64_t addr, void *dst, size_t len);
uint64_t gen_gpa(struct thr *t);
uint32_t gen_slot_id(struct thr *t);
int gen_fd(struct thr *t, enum fd_kind want);
int gen_bad_fd(struct thr *t);
const char *ptr_name(struct thr *t, uint64_t addr);

/* mem.c: the arena of guest memory, and which host ranges are safe. */
void mem_init(void);
uint8_t *region_addr(unsigned int r);
void gen_slot_host(struct thr *t, __u64 *uaddr, __u64 *size);
bool host_range_safe(uint64_t uaddr, uint64_t size);
uint64_t arena_ptr(struct thr *t, size_t len);

/* arch.c: register ids, devices, interrupts of the host's architecture. */
uint64_t gen_reg_id(struct thr *t);
uint32_t gen_dev_type(struct thr *t);
void gen_dev_attr(struct thr *t, __u32 *group, __u64 *attr, uint64_t *val);
/* One KVM_SET_DEVICE_ATTR of the sequence a VMM sets a device up with. */
struct attr_step {
	uint32_t group;
	uint64_t attr;
	uint64_t val;
};

unsigned int gen_dev_setup(struct thr *t, struct attr_step *s, unsigned int max);
uint32_t gen_irq(struct thr *t);
void gen_msi(struct thr *t, struct kvm_msi *m);
uint32_t gen_interrupt(struct thr *t);
unsigned long gen_vm_type(struct thr *t);

/* guest.c: code for KVM_RUN and the registers that point a vCPU at it. */
size_t guest_code(struct thr *t, uint32_t *buf, size_t max, uint64_t gpa);
uint64_t guest_pc_id(void);
unsigned int guest_regs(struct thr *t, uint64_t *ids, uint64_t *vals,
			unsigned int max, uint64_t gpa);

#endif /* KVMOD_FUZZ_H */
