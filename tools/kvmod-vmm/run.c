// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm run: boot a kernel in a VM. One thread per vCPU calls KVM_RUN;
 * MMIO exits go to the emulated device whose registers the address is in
 * (a 16550A console, virtio-mmio disks; see device.c), SBI/HVC-style exits
 * to the architecture part, and a system event (the guest powering off or
 * resetting) stops every vCPU. A further thread reads console input. Exit
 * status: 0 when the guest powered off, 1 on a reset request or an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

/* Kicks vCPU threads out of KVM_RUN; the handler itself does nothing. */
#define VMM_KICK_SIGNAL	SIGUSR1

static void kick_handler(int sig)
{
}

/**
 * vmm_guest_ptr() - host address of guest physical memory
 * @vm: the VM
 * @gpa: guest physical address
 * @len: bytes that must be RAM from @gpa
 *
 * Return: the address, or NULL when the range is not all RAM.
 */
void *vmm_guest_ptr(struct vmm_vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < vm->ram_base || len > vm->ram_size ||
	    gpa - vm->ram_base > vm->ram_size - len)
		return NULL;
	return vm->ram + (gpa - vm->ram_base);
}

/**
 * vmm_console_write() - guest console output, in order with the UART's
 * @vm: the VM
 * @buf: bytes
 * @len: how many
 */
void vmm_console_write(struct vmm_vm *vm, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	pthread_mutex_lock(&vm->lock);
	for (i = 0; i < len; i++)
		vmm_uart_put(&vm->uart, p[i]);
	pthread_mutex_unlock(&vm->lock);
}

/**
 * vmm_stop() - end the VM: every vCPU thread leaves KVM_RUN and returns
 * @vm: the VM
 * @exit_code: kvmod-vmm's exit status
 */
void vmm_stop(struct vmm_vm *vm, int exit_code)
{
	int i;

	pthread_mutex_lock(&vm->lock);
	if (!vmm_stopped(vm)) {
		vm->exit_code = exit_code;
		__atomic_store_n(&vm->stop, 1, __ATOMIC_RELEASE);
	}
	/* The console reader may wait for the guest to take input. */
	pthread_cond_broadcast(&vm->console.room);
	pthread_mutex_unlock(&vm->lock);
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].thread && !pthread_equal(vm->vcpus[i].thread, pthread_self()))
			pthread_kill(vm->vcpus[i].thread, VMM_KICK_SIGNAL);
}

static void handle_mmio(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vmm_vm *vm = v->vm;
	uint64_t addr = run->mmio.phys_addr;
	struct vmm_device *d = vmm_device_find(vm, addr);

	if (d) {
		d->ops->mmio(d, addr - d->base, run->mmio.data, run->mmio.len,
			     run->mmio.is_write);
		return;
	}
	/* Nothing there: reads as zero, writes are dropped; say so once. */
	pthread_mutex_lock(&vm->lock);
	if (!vm->unmapped_seen++)
		fprintf(stderr,
			"kvmod-vmm: guest %s of %u bytes at unmapped %#llx (ignored; further ones too)\n",
			run->mmio.is_write ? "write" : "read", run->mmio.len,
			(unsigned long long)addr);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
	pthread_mutex_unlock(&vm->lock);
}

static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct vmm_vm *vm = v->vm;
	struct {
		struct kvm_signal_mask hdr;
		uint64_t set;	/* the kernel's sigset: 64 signals */
	} mask = { .hdr.len = 8 };
	sigset_t set;
	int sig;

	/*
	 * The kick stays blocked here and is unblocked only inside KVM_RUN:
	 * one sent before KVM_RUN is pending then, and ends it at once.
	 */
	pthread_sigmask(SIG_BLOCK, NULL, &set);
	for (sig = 1; sig <= 64; sig++)
		if (sig != VMM_KICK_SIGNAL && sigismember(&set, sig) == 1)
			mask.set |= 1ULL << (sig - 1);
	if (ioctl(v->fd, KVM_SET_SIGNAL_MASK, &mask)) {
		vmm_perror("KVM_SET_SIGNAL_MASK");
		vmm_stop(vm, 1);
		return NULL;
	}

	while (!vmm_stopped(vm)) {
		if (ioctl(v->fd, KVM_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "kvmod-vmm: vCPU %d: KVM_RUN: %s\n", v->id,
				strerror(errno));
			vmm_stop(vm, 1);
			break;
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_MMIO:
			handle_mmio(v);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			/* Power off ends the run well; anything else does not. */
			vmm_stop(vm, v->run->system_event.type !=
				     KVM_SYSTEM_EVENT_SHUTDOWN);
			break;
		default:
			if (vmm_arch_exit(v) < 0) {
				fprintf(stderr, "kvmod-vmm: vCPU %d: unhandled exit %u\n",
					v->id, v->run->exit_reason);
				vmm_stop(vm, 1);
			}
		}
	}
	return NULL;
}

/* An unsigned decimal (or 0x) number that is all of @s, within [lo, hi]. */
static int parse_num(const char *s, unsigned long lo, unsigned long hi,
		     unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || end == s || *end || *s == '-' || *v < lo || *v > hi ? -1 : 0;
}

/* A memory size: MiB, or with an M or G suffix, as kvmtool takes it. */
static int parse_mem(const char *s, unsigned long *mib)
{
	char buf[32], *end;
	size_t n = strlen(s);
	unsigned long mul = 1;

	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	end = &buf[n - 1];
	if (*end == 'M' || *end == 'm' || *end == 'G' || *end == 'g') {
		mul = (*end == 'G' || *end == 'g') ? 1024 : 1;
		*end = 0;
	}
	if (parse_num(buf, 1, 65536, mib))
		return -1;
	*mib *= mul;
	return *mib >= 16 && *mib <= 65536 ? 0 : -1;
}

/* A --disk argument: PATH, or PATH,ro for a disk the guest cannot write. */
static int parse_disk(char *s, struct vmm_opts *o)
{
	struct vmm_disk_opt *d = &o->disks[o->nr_disks];
	size_t n = strlen(s);

	if (o->nr_disks == VMM_MAX_DISKS) {
		fprintf(stderr, "kvmod-vmm run: --disk '%s': at most %d disks\n", s,
			VMM_MAX_DISKS);
		return -1;
	}
	d->ro = n >= 3 && !strcmp(s + n - 3, ",ro");
	if (d->ro)
		s[n - 3] = 0;
	if (!*s) {
		fprintf(stderr, "kvmod-vmm run: --disk: expected PATH or PATH,ro\n");
		return -1;
	}
	d->path = s;
	o->nr_disks++;
	return 0;
}

static void run_usage(FILE *f)
{
	fputs("usage: kvmod-vmm run --kernel IMAGE [--initrd FILE] [--cmdline ARGS]\n"
	      "                     [--mem SIZE] [--cpus N] [--disk PATH[,ro]]...\n"
	      "                     [--timeout SECONDS]\n"
	      "  --kernel, -k   Linux Image to boot (required)\n"
	      "  --initrd, -i   initramfs\n"
	      "  --cmdline, -a  kernel command line (also --append)\n"
	      "  --mem, -m      guest RAM: MiB, or with M/G (16M..64G; default 256M)\n"
	      "  --cpus, -c     vCPUs, 1..64 (default 1)\n"
	      "  --disk, -d     a disk image (virtio-blk: vda, vdb, ... in order); ',ro'\n"
	      "                 after the path: read-only. Up to 8.\n"
	      "  --timeout, -t  stop a guest still running after SECONDS (default: never)\n"
	      "The console is stdin/stdout (raw on a terminal; Ctrl-C ends kvmod-vmm).\n",
	      f);
}

/* Return: 0, 1 for --help (done), -1 for an error already reported. */
static int parse(int argc, char **argv, struct vmm_opts *o)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "append", required_argument, NULL, 'a' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "disk", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	*o = (struct vmm_opts){ .cmdline = "console=ttyS0 earlycon=sbi panic=-1",
				.mem_mib = 256, .cpus = 1 };
	while ((c = getopt_long(argc, argv, "k:i:a:m:c:t:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'a':
			o->cmdline = optarg;
			break;
		case 'm':
			if (parse_mem(optarg, &o->mem_mib)) {
				fprintf(stderr,
					"kvmod-vmm run: --mem '%s': expected 16M..64G (MiB, or with an M or G suffix)\n",
					optarg);
				return -1;
			}
			break;
		case 'c':
			if (parse_num(optarg, 1, 64, &v)) {
				fprintf(stderr, "kvmod-vmm run: --cpus '%s': expected 1..64\n",
					optarg);
				return -1;
			}
			o->cpus = v;
			break;
		case 't':
			if (parse_num(optarg, 0, 86400, &v)) {
				fprintf(stderr,
					"kvmod-vmm run: --timeout '%s': expected 0..86400 seconds\n",
					optarg);
				return -1;
			}
			o->timeout = v;
			break;
		case 'd':
			if (parse_disk(optarg, o))
				return -1;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			/* getopt said what was wrong. */
			run_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvmod-vmm run: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->kernel) {
		fprintf(stderr, "kvmod-vmm run: --kernel IMAGE is required\n");
		run_usage(stderr);
		return -1;
	}
	return 0;
}

int vmm_run_main(int argc, char **argv)
{
	struct kvm_userspace_memory_region mem = { 0 };
	struct sigaction sa = { .sa_handler = kick_handler };
	struct vmm_vm vm = { .lock = PTHREAD_MUTEX_INITIALIZER,
			     .console.room = PTHREAD_COND_INITIALIZER };
	struct vmm_opts o;
	int i, timed_out = 0;
	sigset_t set;

	switch (parse(argc, argv, &o)) {
	case 0:
		break;
	case 1:
		return 0;
	default:
		return 2;
	}
	/* Files first: a typo should not cost a VM set-up to find. */
	if (access(o.kernel, R_OK) || (o.initrd && access(o.initrd, R_OK))) {
		vmm_perror("%s", access(o.kernel, R_OK) ? o.kernel : o.initrd);
		return 1;
	}
	for (i = 0; i < o.nr_disks; i++) {
		if (access(o.disks[i].path, o.disks[i].ro ? R_OK : R_OK | W_OK)) {
			vmm_perror("%s", o.disks[i].path);
			return 1;
		}
	}
	/* Kicks are delivered only inside vCPU threads, which unblock them. */
	sigaction(VMM_KICK_SIGNAL, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, VMM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	vm.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm.kvm < 0) {
		vmm_perror("/dev/kvm");
		return 1;
	}
	vm.fd = ioctl(vm.kvm, KVM_CREATE_VM, 0);
	vm.run_size = ioctl(vm.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm.fd < 0 || (long)vm.run_size <= 0) {
		vmm_perror("KVM_CREATE_VM");
		return 1;
	}
	vm.uart.out_is_tty = isatty(STDOUT_FILENO);
	vm.ram_base = vmm_arch_ram_base;
	vm.ram_size = o.mem_mib << 20;
	vm.ram = mmap(NULL, vm.ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm.ram == MAP_FAILED) {
		vmm_perror("guest RAM");
		return 1;
	}
	mem.guest_phys_addr = vm.ram_base;
	mem.memory_size = vm.ram_size;
	mem.userspace_addr = (uintptr_t)vm.ram;
	if (ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &mem)) {
		vmm_perror("KVM_SET_USER_MEMORY_REGION");
		return 1;
	}

	vm.nr_vcpus = o.cpus;
	vm.vcpus = calloc(o.cpus, sizeof(*vm.vcpus));
	if (!vm.vcpus)
		return 1;
	for (i = 0; i < o.cpus; i++) {
		struct vmm_vcpu *v = &vm.vcpus[i];

		v->vm = &vm;
		v->id = i;
		v->fd = ioctl(vm.fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0) {
			vmm_perror("KVM_CREATE_VCPU %d", i);
			return 1;
		}
		v->run = mmap(NULL, vm.run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			vmm_perror("mmap kvm_run");
			return 1;
		}
	}
	/* The console first: it takes the first interrupt line. */
	if (vmm_uart_create(&vm) || vmm_arch_setup(&vm, &o))
		return 1;
	if (vmm_console_start(&vm)) {
		fprintf(stderr, "kvmod-vmm: cannot start the console input thread\n");
		return 1;
	}

	for (i = 0; i < o.cpus; i++) {
		if (pthread_create(&vm.vcpus[i].thread, NULL, vcpu_thread, &vm.vcpus[i])) {
			fprintf(stderr, "kvmod-vmm: cannot start vCPU thread %d\n", i);
			vmm_stop(&vm, 1);
			break;
		}
	}
	/* The watchdog: a guest that neither powers off nor resets in time. */
	for (i = 0; o.timeout && i < o.timeout * 10 && !vmm_stopped(&vm); i++)
		usleep(100000);
	if (o.timeout && !vmm_stopped(&vm)) {
		fprintf(stderr, "kvmod-vmm: guest still running after %d s; stopping it\n",
			o.timeout);
		vmm_stop(&vm, 1);
		timed_out = 1;
	}
	for (i = 0; i < o.cpus; i++)
		if (vm.vcpus[i].thread)
			pthread_join(vm.vcpus[i].thread, NULL);
	vmm_console_stop(&vm);
	vmm_uart_flush(&vm.uart);
	/* Where each vCPU was, to see why it did not finish. */
	for (i = 0; timed_out && i < o.cpus; i++)
		vmm_arch_dump(&vm.vcpus[i]);
	return vm.exit_code;
}
