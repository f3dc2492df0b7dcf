/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmod-vmm: a small VMM for the KVM API. Shared declarations. */
#ifndef KVMOD_VMM_H
#define KVMOD_VMM_H

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <linux/kvm.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Guest physical layout (the same on every arch for now). */
#define VMM_UART_BASE	0x10000000UL
#define VMM_UART_SIZE	0x100UL

/**
 * struct vmm_uart - state of the emulated 16550A
 * @ier: interrupt enable register
 * @fcr: FIFO control (write-only in hardware, kept for IIR)
 * @lcr: line control
 * @mcr: modem control
 * @scr: scratch
 * @dll: divisor latch, low byte
 * @dlm: divisor latch, high byte
 * @out: transmitted bytes not yet written out
 * @out_len: bytes in @out
 * @out_is_tty: our stdout is a terminal (which wants the carriage returns)
 * @thre_pending: the "transmitter empty" interrupt is raised
 */
struct vmm_uart {
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	uint8_t out[256];
	size_t out_len;
	int out_is_tty;
	int thre_pending;
};

struct vmm_vm;

/**
 * struct vmm_vcpu - one vCPU and its thread
 * @vm: the VM
 * @fd: vCPU fd
 * @id: vCPU id (the hart id / MPIDR affinity the guest sees)
 * @run: the mapped kvm_run
 * @thread: the thread calling KVM_RUN
 */
struct vmm_vcpu {
	struct vmm_vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
	pthread_t thread;
};

/**
 * struct vmm_opts - what to boot
 * @kernel: kernel image path
 * @initrd: initramfs path, or NULL
 * @cmdline: kernel command line
 * @mem_mib: guest RAM in MiB
 * @cpus: number of vCPUs
 * @timeout: seconds after which a still running guest is stopped (0: never)
 */
struct vmm_opts {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	unsigned long mem_mib;
	int cpus;
	int timeout;
};

/**
 * struct vmm_vm - a VM being run
 * @kvm: /dev/kvm fd
 * @fd: VM fd
 * @ram: host mapping of guest RAM
 * @ram_base: guest physical address of RAM
 * @ram_size: bytes of RAM
 * @vcpus: the vCPUs
 * @nr_vcpus: number of vCPUs
 * @run_size: size of each kvm_run mapping
 * @lock: serialises device emulation and console output
 * @uart: the console UART
 * @irqchip: the hypervisor emulates the interrupt controller (RISC-V AIA)
 * @unmapped_seen: guest accesses to addresses no device has
 * @uart_irq: the level last given to the UART's interrupt line
 * @stop: set when the guest powered off or reset, or on an error
 * @exit_code: what kvmod-vmm exits with
 */
struct vmm_vm {
	int kvm, fd;
	uint8_t *ram;
	uint64_t ram_base, ram_size;
	struct vmm_vcpu *vcpus;
	int nr_vcpus;
	size_t run_size;
	pthread_mutex_t lock;
	struct vmm_uart uart;
	int irqchip;
	unsigned long unmapped_seen;
	int uart_irq;
	int stop;
	int exit_code;
};

/* Whether the VM is being stopped; any thread may ask. */
static inline int vmm_stopped(struct vmm_vm *vm)
{
	return __atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE);
}

/* Architecture part (riscv.c / arm64.c). */
extern const uint64_t vmm_arch_ram_base;
int vmm_arch_setup(struct vmm_vm *vm, const struct vmm_opts *o);
int vmm_arch_exit(struct vmm_vcpu *v);
void vmm_arch_dump(struct vmm_vcpu *v);

/* uart.c */
void vmm_uart_mmio(struct vmm_uart *u, uint64_t offset, uint8_t *data,
		   uint32_t len, int write);
void vmm_uart_put(struct vmm_uart *u, uint8_t c);
void vmm_uart_flush(struct vmm_uart *u);
int vmm_uart_irq(const struct vmm_uart *u);

/* The UART's wired interrupt: a source of the interrupt controller. */
#define VMM_UART_IRQ	10

/* run.c */
void vmm_console_write(struct vmm_vm *vm, const void *buf, size_t len);
void *vmm_guest_ptr(struct vmm_vm *vm, uint64_t gpa, uint64_t len);
int vmm_load_file(const char *path, void **buf, size_t *size);
void vmm_stop(struct vmm_vm *vm, int exit_code);

/**
 * struct vmm_command - a subcommand of kvmod-vmm
 * @name: word on the command line
 * @summary: one line for --help
 * @main: runs it with the arguments after the name; returns the exit code
 */
struct vmm_command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
};

int vmm_info_main(int argc, char **argv);
int vmm_run_main(int argc, char **argv);

/* Prints "kvmod-vmm: <message>: <errno text>" to stderr. */
void vmm_perror(const char *fmt, ...);

#endif /* KVMOD_VMM_H */
