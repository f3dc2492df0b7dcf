// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm: the console's input. A thread reads our stdin into a buffer,
 * from which the guest takes bytes at its own pace: into the UART's receive
 * FIFO whenever that has room (the UART's interrupt line follows), or
 * through the SBI debug console's read call. Nothing is dropped: when the
 * guest does not read, the buffer fills and the thread stops reading, so
 * the writer on the other side of stdin waits.
 *
 * On a terminal, input is raw (no line editing or echo: the guest's tty
 * does those) except for the signal keys: Ctrl-C still ends kvmod-vmm,
 * which puts the terminal back as it found it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "vmm.h"

/* How often a reader blocked on stdin looks whether the VM has stopped. */
#define INPUT_POLL_MS	100

static struct termios saved_tty;
static int tty_raw;

static void restore_tty(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = 0;
}

/* A signal ending us must not leave the terminal raw. */
static void fatal_signal(int sig)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void make_tty_raw(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct termios raw;
	size_t i;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	raw = saved_tty;
	raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			 ICRNL | IXON);
	raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw))
		return;
	tty_raw = 1;
	atexit(restore_tty);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], fatal_signal);
}

/* Takes up to @len buffered bytes into @dst; called with vm->lock held. */
static size_t take(struct vmm_console *c, uint8_t *dst, size_t len)
{
	size_t n = 0;

	while (n < len && c->count) {
		dst[n++] = c->buf[c->head];
		c->head = (c->head + 1) % sizeof(c->buf);
		c->count--;
	}
	if (n)
		pthread_cond_signal(&c->room);
	return n;
}

/**
 * vmm_console_sync() - move input into the UART and set its interrupt line
 * @vm: the VM; its lock is held
 *
 * Called after anything that changes the UART's state: a guest access to
 * its registers, or input arriving.
 */
void vmm_console_sync(struct vmm_vm *vm)
{
	struct kvm_irq_level l = { .irq = vm->uart.dev.irq };
	uint8_t ch;

	while (vmm_uart_rx_room(&vm->uart) && take(&vm->console, &ch, 1))
		vmm_uart_receive(&vm->uart, ch);
	if (!vm->irqchip || vmm_uart_irq(&vm->uart) == vm->uart_irq)
		return;
	vm->uart_irq = vmm_uart_irq(&vm->uart);
	l.level = vm->uart_irq;
	if (ioctl(vm->fd, KVM_IRQ_LINE, &l))
		vmm_perror("KVM_IRQ_LINE");
}

/**
 * vmm_console_read() - console input for a guest that asks for it (SBI)
 * @vm: the VM
 * @dst: where the bytes go
 * @len: at most this many
 *
 * Return: bytes read, 0 when there is no input now.
 */
size_t vmm_console_read(struct vmm_vm *vm, void *dst, size_t len)
{
	size_t n;

	pthread_mutex_lock(&vm->lock);
	n = take(&vm->console, dst, len);
	pthread_mutex_unlock(&vm->lock);
	return n;
}

static void *input_thread(void *arg)
{
	struct vmm_vm *vm = arg;
	struct vmm_console *c = &vm->console;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	uint8_t chunk[256];
	size_t room, i;
	ssize_t n;

	for (;;) {
		pthread_mutex_lock(&vm->lock);
		while (c->count == sizeof(c->buf) && !vmm_stopped(vm))
			pthread_cond_wait(&c->room, &vm->lock);
		room = sizeof(c->buf) - c->count;
		pthread_mutex_unlock(&vm->lock);
		if (vmm_stopped(vm))
			break;
		n = poll(&p, 1, INPUT_POLL_MS);
		if (n <= 0)
			continue;
		n = read(STDIN_FILENO, chunk, room < sizeof(chunk) ? room : sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;	/* end of input: the guest gets no more */
		pthread_mutex_lock(&vm->lock);
		for (i = 0; i < (size_t)n; i++)
			c->buf[(c->head + c->count++) % sizeof(c->buf)] = chunk[i];
		vmm_console_sync(vm);
		pthread_mutex_unlock(&vm->lock);
	}
	return NULL;
}

/**
 * vmm_console_start() - start taking input from stdin
 * @vm: the VM, about to run
 *
 * Return: 0, or -1 when the input thread cannot start.
 */
int vmm_console_start(struct vmm_vm *vm)
{
	make_tty_raw();
	if (pthread_create(&vm->console.thread, NULL, input_thread, vm)) {
		restore_tty();
		return -1;
	}
	vm->console.started = 1;
	return 0;
}

/**
 * vmm_console_stop() - wait for the input thread after vmm_stop()
 * @vm: the VM
 */
void vmm_console_stop(struct vmm_vm *vm)
{
	if (vm->console.started)
		pthread_join(vm->console.thread, NULL);
	vm->console.started = 0;
	restore_tty();
}
