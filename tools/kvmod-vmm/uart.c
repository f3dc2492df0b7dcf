// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm: a 16550A UART. What the guest transmits goes to our stdout;
 * what it receives comes from the console's input (console.c), which feeds
 * the receive FIFO as the guest drains it. Its interrupt ("data ready" or
 * "transmitter empty") is wired to the hypervisor's interrupt controller
 * when there is one (see vmm_uart_irq()); else the guest's driver polls.
 * Registers are byte-wide at consecutive addresses, as "ns16550a" with
 * reg-shift 0.
 */
#include <stdio.h>
#include <unistd.h>

#include "fdt.h"
#include "vmm.h"

#define UART_RX_TX	0
#define UART_IER	1
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02

/* Received bytes the UART holds: 16 with FIFOs on, else the one register. */
static size_t rx_depth(const struct vmm_uart *u)
{
	return u->fcr & FCR_ENABLE ? sizeof(u->rx) : 1;
}

static uint8_t rx_pop(struct vmm_uart *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % sizeof(u->rx);
	u->rx_count--;
	return c;
}

/**
 * vmm_uart_rx_room() - bytes the receive FIFO takes now
 * @u: the UART
 *
 * Return: free places, 0 while the FIFO (or holding register) is full.
 */
size_t vmm_uart_rx_room(const struct vmm_uart *u)
{
	return u->rx_count < rx_depth(u) ? rx_depth(u) - u->rx_count : 0;
}

/**
 * vmm_uart_receive() - a byte arrives on the receive line
 * @u: the UART
 * @c: the byte
 *
 * Callers check vmm_uart_rx_room() first: like the hardware, a full FIFO
 * loses what arrives, so the console holds bytes back instead.
 */
void vmm_uart_receive(struct vmm_uart *u, uint8_t c)
{
	if (!vmm_uart_rx_room(u))
		return;
	u->rx[(u->rx_head + u->rx_count) % sizeof(u->rx)] = c;
	u->rx_count++;
}

static uint8_t uart_read(struct vmm_uart *u, unsigned int reg)
{
	switch (reg) {
	case UART_RX_TX:
		return u->lcr & LCR_DLAB ? u->dll : rx_pop(u);
	case UART_IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case UART_IIR_FCR:
		/*
		 * Received data first (the higher priority), reported until
		 * the FIFO is read empty. The transmitter is always empty, so
		 * "THR empty" comes next; reading it acknowledges it until the
		 * next write. Drivers without an IRQ line poll this.
		 */
		if ((u->ier & IER_RDI) && u->rx_count)
			return IIR_RDI | (u->fcr & FCR_ENABLE ? IIR_FIFO : 0);
		if ((u->ier & IER_THRI) && u->thre_pending) {
			u->thre_pending = 0;
			return IIR_THRI | (u->fcr & 1 ? IIR_FIFO : 0);
		}
		return IIR_NO_INT | (u->fcr & 1 ? IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		/* Transmitter always empty; data ready while the FIFO holds some. */
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
	case UART_MSR:
		/* Loopback mirrors the modem controls; else carrier, DSR, CTS. */
		if (u->mcr & MCR_LOOP)
			return ((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
			       ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4);
		return 0xb0;
	default:
		return u->scr;
	}
}

static void uart_write(struct vmm_uart *u, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_RX_TX:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
		} else if (u->mcr & MCR_LOOP) {
			/* Loopback: the byte comes back on the receive side. */
			u->thre_pending = 1;
			vmm_uart_receive(u, v);
		} else {
			u->thre_pending = 1;
			/* Lines end in CR LF on a UART; a log wants LF only. */
			if (v == '\r' && !u->out_is_tty)
				break;
			vmm_uart_put(u, v);
		}
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = 1;	/* enabling it with THR empty raises it */
		if (!(u->lcr & LCR_DLAB))
			u->ier = v & 0x0f;
		break;
	case UART_IIR_FCR:
		/* Turning the FIFOs on or off empties them, as does CLEAR_RX. */
		if ((v & FCR_CLEAR_RX) || ((v ^ u->fcr) & FCR_ENABLE))
			u->rx_count = 0;
		u->fcr = v & ~FCR_CLEAR_RX & ~0x04;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		break;	/* LSR, MSR: read-only */
	}
}

/**
 * vmm_uart_irq() - the level of the UART's interrupt line
 * @u: the UART
 *
 * Return: 1 while received data waits with its interrupt enabled, or while
 * "transmitter empty" is enabled and not yet acknowledged (by an IIR read
 * or a new byte).
 */
int vmm_uart_irq(const struct vmm_uart *u)
{
	return ((u->ier & IER_RDI) && u->rx_count) ||
	       ((u->ier & IER_THRI) && u->thre_pending);
}

/**
 * vmm_uart_put() - queue one byte of console output, written out per line
 * @u: the UART whose output buffer the console shares
 * @c: the byte
 */
void vmm_uart_put(struct vmm_uart *u, uint8_t c)
{
	u->out[u->out_len++] = c;
	if (c == '\n' || u->out_len == sizeof(u->out))
		vmm_uart_flush(u);
}

/**
 * vmm_uart_flush() - write out what the guest transmitted
 * @u: the UART
 */
void vmm_uart_flush(struct vmm_uart *u)
{
	size_t done = 0;
	ssize_t n;

	while (done < u->out_len) {
		n = write(STDOUT_FILENO, u->out + done, u->out_len - done);
		if (n <= 0)
			break;
		done += n;
	}
	u->out_len = 0;
}

/* A guest access to the registers, byte by byte; past them: zeroes. */
static void access_regs(struct vmm_uart *u, uint64_t offset, uint8_t *data,
			uint32_t len, int write)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (offset + i >= 8) {
			if (!write)
				data[i] = 0;
			continue;
		}
		if (write)
			uart_write(u, offset + i, data[i]);
		else
			data[i] = uart_read(u, offset + i);
	}
}

static void uart_mmio(struct vmm_device *d, uint64_t offset, uint8_t *data,
		      uint32_t len, int write)
{
	struct vmm_vm *vm = d->vm;

	/* The console shares the UART's state (input, output buffer). */
	pthread_mutex_lock(&vm->lock);
	access_regs(&vm->uart, offset, data, len, write);
	/* More input into a drained FIFO; the line follows the UART. */
	vmm_console_sync(vm);
	pthread_mutex_unlock(&vm->lock);
}

static void uart_fdt(struct vmm_device *d, struct fdt *f)
{
	vmm_fdt_device_begin(f, d, "ns16550a");
	fdt_prop_u32(f, "clock-frequency", 3686400);
	/* Without the hypervisor's interrupt controller, the driver polls. */
	if (d->vm->irqchip)
		vmm_arch_fdt_irq(f, d->irq);
	fdt_end_node(f);
}

static const struct vmm_device_ops uart_ops = {
	.mmio = uart_mmio,
	.fdt = uart_fdt,
};

/**
 * vmm_uart_create() - add the console UART to the VM
 * @vm: the VM
 *
 * Return: 0, or -1 with the reason printed.
 */
int vmm_uart_create(struct vmm_vm *vm)
{
	struct vmm_device *d = &vm->uart.dev;

	*d = (struct vmm_device){
		.name = "serial",
		.base = VMM_UART_BASE,
		.size = VMM_UART_SIZE,
		.irq = vmm_irq_alloc(vm),
		.ops = &uart_ops,
	};
	return vmm_device_register(vm, d);
}
