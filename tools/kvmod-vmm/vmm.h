/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmod-vmm: a small VMM for the KVM API. Shared declarations. */
#ifndef KVMOD_VMM_H
#define KVMOD_VMM_H

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <linux/kvm.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Guest physical layout (the same on every arch for now). */
#define VMM_UART_BASE	0x10000000UL
#define VMM_UART_SIZE	0x100UL
/* virtio-mmio devices: one page each from here. */
#define VMM_VIRTIO_BASE	0x10001000UL
#define VMM_VIRTIO_SIZE	0x1000UL
#define VMM_MAX_DISKS	8
/* Devices with registers: the UART and the disks. */
#define VMM_MAX_DEVICES	(1 + VMM_MAX_DISKS)

struct fdt;
struct vmm_vm;
struct vmm_device;

/**
 * struct vmm_device_ops - what a device does for the VM
 * @mmio: a guest access of @len bytes at @offset from its base: a write of
 *	the bytes in @data, or (!@write) a read into @data
 * @fdt: writes its node in the device tree
 */
struct vmm_device_ops {
	void (*mmio)(struct vmm_device *d, uint64_t offset, uint8_t *data,
		     uint32_t len, int write);
	void (*fdt)(struct vmm_device *d, struct fdt *f);
};

/**
 * struct vmm_device - a device with registers in guest physical memory
 * @name: its device tree node's name, before the unit address
 * @base: guest physical address of its registers
 * @size: bytes they take
 * @irq: its interrupt line (from vmm_irq_alloc())
 * @ops: what it does
 * @vm: the VM it is registered with (set by vmm_device_register())
 */
struct vmm_device {
	const char *name;
	uint64_t base, size;
	unsigned int irq;
	const struct vmm_device_ops *ops;
	struct vmm_vm *vm;
};

/**
 * struct vmm_uart - state of the emulated 16550A
 * @dev: its registers and interrupt line in the VM
 * @ier: interrupt enable register
 * @fcr: FIFO control (write-only in hardware, kept for IIR)
 * @lcr: line control
 * @mcr: modem control
 * @scr: scratch
 * @dll: divisor latch, low byte
 * @dlm: divisor latch, high byte
 * @rx: receive FIFO (a ring)
 * @rx_head: index of its oldest byte
 * @rx_count: bytes in it
 * @out: transmitted bytes not yet written out
 * @out_len: bytes in @out
 * @out_is_tty: our stdout is a terminal (which wants the carriage returns)
 * @thre_pending: the "transmitter empty" interrupt is raised
 */
struct vmm_uart {
	struct vmm_device dev;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	uint8_t rx[16];
	size_t rx_head, rx_count;
	uint8_t out[256];
	size_t out_len;
	int out_is_tty;
	int thre_pending;
};

/**
 * struct vmm_console - console input not yet taken by the guest
 * @buf: a ring of bytes read from stdin
 * @head: index of the oldest byte
 * @count: bytes in @buf
 * @room: signalled when the guest took bytes (the reader waits on it)
 * @thread: the reader of stdin
 * @started: @thread runs
 */
struct vmm_console {
	uint8_t buf[4096];
	size_t head, count;
	pthread_cond_t room;
	pthread_t thread;
	int started;
};

/**
 * struct vmm_virtq - a split virtqueue as the driver set it up
 * @num: entries
 * @ready: the driver enabled it
 * @desc: guest address of the descriptor table
 * @avail: guest address of the driver ("available") ring
 * @used: guest address of the device ("used") ring
 * @last_avail: the next available ring entry the device takes
 * @used_idx: the used ring's index as the device last published it
 */
struct vmm_virtq {
	uint32_t num;
	int ready;
	uint64_t desc, avail, used;
	uint16_t last_avail;
	uint16_t used_idx;
};

/**
 * struct vmm_virtq_buf - one guest buffer of a descriptor chain
 * @p: its host address
 * @len: its bytes
 */
struct vmm_virtq_buf {
	uint8_t *p;
	uint32_t len;
};

/* Most buffers one request may have (the seg_max a driver is told, plus 2). */
#define VMM_VIRTQ_MAX_BUFS	128

/**
 * struct vmm_virtq_chain - a request taken from a virtqueue
 * @head: its first descriptor (given back with vmm_virtq_push())
 * @out: buffers the device reads, in order
 * @nr_out: how many
 * @in: buffers the device writes, in order (after all @out ones)
 * @nr_in: how many
 */
struct vmm_virtq_chain {
	uint16_t head;
	struct vmm_virtq_buf out[VMM_VIRTQ_MAX_BUFS];
	unsigned int nr_out;
	struct vmm_virtq_buf in[VMM_VIRTQ_MAX_BUFS];
	unsigned int nr_in;
};

struct vmm_virtio;

/**
 * struct vmm_virtio_ops - what a virtio device type adds to the transport
 * @device_id: virtio device ID (2: block)
 * @nr_queues: its virtqueues
 * @config: copies @len bytes of its configuration space from @offset to @data
 *	(reads only: no device here has writable configuration); returns -1
 *	when the range is outside it
 * @notify: the driver made buffers available in queue @q
 * @reset: the driver reset the device
 */
struct vmm_virtio_ops {
	uint32_t device_id;
	unsigned int nr_queues;
	int (*config)(struct vmm_virtio *d, uint32_t offset, void *data, uint32_t len);
	void (*notify)(struct vmm_virtio *d, unsigned int q);
	void (*reset)(struct vmm_virtio *d);
};

#define VMM_VIRTIO_MAX_QUEUES	2

/**
 * struct vmm_virtio - a virtio-mmio device (version 2, the modern layout)
 * @dev: its registers and interrupt line in the VM
 * @ops: its type
 * @priv: the type's state
 * @features: feature bits offered (the transport adds VIRTIO_F_VERSION_1)
 * @lock: serialises register accesses and queue processing
 * @status: the device status the driver wrote
 * @isr: interrupt status (bit 0: used buffers; bit 1: configuration change)
 * @dev_features_sel: which 32 feature bits DeviceFeatures shows
 * @drv_features_sel: which 32 bits a DriverFeatures write sets
 * @driver_features: what the driver accepted
 * @queue_sel: the queue the Queue* registers address
 * @irq_level: the level last given to @irq
 * @vq: the queues
 */
struct vmm_virtio {
	struct vmm_device dev;
	const struct vmm_virtio_ops *ops;
	void *priv;
	uint64_t features;
	pthread_mutex_t lock;
	uint32_t status, isr;
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	int irq_level;
	struct vmm_virtq vq[VMM_VIRTIO_MAX_QUEUES];
};

/**
 * struct vmm_disk_opt - a --disk argument
 * @path: the image file (or block device)
 * @ro: the guest may not write it
 */
struct vmm_disk_opt {
	const char *path;
	int ro;
};

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
 * @disks: disk images, in the order the guest sees them (vda, vdb, ...)
 * @nr_disks: how many
 */
struct vmm_opts {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	unsigned long mem_mib;
	int cpus;
	int timeout;
	struct vmm_disk_opt disks[VMM_MAX_DISKS];
	int nr_disks;
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
 * @console: console input
 * @devices: the devices with registers, in the order they were registered
 *	(their order in the device tree too)
 * @nr_devices: how many
 * @nr_irqs: interrupt lines given to devices
 * @nr_virtio: virtio-mmio devices (disks), at consecutive pages
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
	struct vmm_console console;
	struct vmm_device *devices[VMM_MAX_DEVICES];
	int nr_devices;
	unsigned int nr_irqs;
	int nr_virtio;
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

/* Architecture part (riscv/, arm64/). */
extern const uint64_t vmm_arch_ram_base;
/* The interrupt controller's input taken by the first device; others follow. */
extern const unsigned int vmm_arch_irq_base;
int vmm_arch_setup(struct vmm_vm *vm, const struct vmm_opts *o);
int vmm_arch_exit(struct vmm_vcpu *v);
void vmm_arch_dump(struct vmm_vcpu *v);

/**
 * vmm_arch_fdt_irq() - a device node's interrupt properties
 * @f: the device tree, in the device's node
 * @line: the device's interrupt line, level-triggered, active high
 *
 * The specifier is the interrupt controller's: an APLIC source on RISC-V,
 * a GIC SPI on arm64.
 */
void vmm_arch_fdt_irq(struct fdt *f, unsigned int line);

/**
 * struct vmm_boot_layout - where an architecture wants the boot images
 * @kernel_offset: the kernel's load address, from the start of RAM
 * @fdt_size: bytes kept for the device tree at the top of RAM
 * @initrd_align: the initrd's alignment (a power of 2); it goes as high as
 *	it fits below the device tree
 * @check: whether @image, read from @path, is a kernel the architecture
 *	boots; returns 0, or -1 with the reason printed
 */
struct vmm_boot_layout {
	uint64_t kernel_offset;
	uint64_t fdt_size;
	uint64_t initrd_align;
	int (*check)(const char *path, const void *image, size_t size);
};

/**
 * struct vmm_boot - where the boot images went in guest RAM
 * @kernel: guest physical address of the kernel
 * @kernel_size: its bytes
 * @initrd: guest physical address of the initrd
 * @initrd_size: its bytes (0: none)
 * @fdt: guest physical address for the device tree
 */
struct vmm_boot {
	uint64_t kernel, kernel_size;
	uint64_t initrd, initrd_size;
	uint64_t fdt;
};

/* loader.c */
int vmm_boot_load(struct vmm_vm *vm, const struct vmm_opts *o,
		  const struct vmm_boot_layout *l, struct vmm_boot *b);

/* device.c */
int vmm_device_register(struct vmm_vm *vm, struct vmm_device *d);
struct vmm_device *vmm_device_find(struct vmm_vm *vm, uint64_t addr);
unsigned int vmm_irq_alloc(struct vmm_vm *vm);
void vmm_fdt_node_name(const struct vmm_device *d, const char *parent, char *buf,
		       size_t size);
void vmm_fdt_device_begin(struct fdt *f, const struct vmm_device *d,
			  const char *compatible);
void vmm_fdt_devices(struct vmm_vm *vm, struct fdt *f);

/* uart.c */
int vmm_uart_create(struct vmm_vm *vm);
void vmm_uart_put(struct vmm_uart *u, uint8_t c);
void vmm_uart_flush(struct vmm_uart *u);
int vmm_uart_irq(const struct vmm_uart *u);
size_t vmm_uart_rx_room(const struct vmm_uart *u);
void vmm_uart_receive(struct vmm_uart *u, uint8_t c);

/* console.c */
int vmm_console_start(struct vmm_vm *vm);
void vmm_console_stop(struct vmm_vm *vm);
void vmm_console_sync(struct vmm_vm *vm);
size_t vmm_console_read(struct vmm_vm *vm, void *dst, size_t len);

/* virtio_mmio.c */
int vmm_virtio_create(struct vmm_virtio *d, struct vmm_vm *vm,
		      const struct vmm_virtio_ops *ops);
int vmm_virtq_pop(struct vmm_virtio *d, unsigned int q, struct vmm_virtq_chain *c);
void vmm_virtq_push(struct vmm_virtio *d, unsigned int q, uint16_t head, uint32_t written);
void vmm_virtq_interrupt(struct vmm_virtio *d, unsigned int q);
void vmm_virtio_fail(struct vmm_virtio *d);

/* virtio_blk.c */
int vmm_blk_create(struct vmm_vm *vm, const struct vmm_disk_opt *disk);

/* run.c */
void vmm_console_write(struct vmm_vm *vm, const void *buf, size_t len);
void *vmm_guest_ptr(struct vmm_vm *vm, uint64_t gpa, uint64_t len);
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
