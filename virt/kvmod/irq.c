// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt routing for in-kernel interrupt controllers: the GSI routing
 * table (KVM_SET_GSI_ROUTING) and irqfds (KVM_IRQFD), whose eventfd writes
 * raise a GSI without a trip through the VMM.
 *
 * A GSI routes to irqchip pins and/or MSIs; without a table, GSI n is pin n
 * of irqchip 0, as upstream's default routing has it. The table is read
 * under RCU and replaced whole. An irqfd is a wait queue entry on its
 * eventfd: the wake-up (atomic, under the eventfd's lock) injects an edge
 * at once; a hang-up or KVM_IRQFD_FLAG_DEASSIGN removes it. Injection is
 * the architecture's (kvmod_arch_irq_set(), kvmod_arch_irq_msi()), safe in
 * atomic context.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kvmod_host.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

/*
 * Frees irqfds whose eventfd hung up; our own, so module unload can wait
 * for the last of them.
 */
static struct workqueue_struct *kvmod_irqfd_wq;

/* Upstream's KVM_MAX_IRQ_ROUTES: what VMMs size their tables for. */
#define KVMOD_MAX_IRQ_ROUTES	4096

/**
 * struct kvmod_irq_routing - a GSI routing table
 * @rcu: frees a replaced table after readers are done
 * @nr: number of entries
 * @e: the entries (several may share a GSI)
 */
struct kvmod_irq_routing {
	struct rcu_head rcu;
	u32 nr;
	struct kvm_irq_routing_entry e[] __counted_by(nr);
};

/**
 * struct kvmod_irqfd - an eventfd that raises a GSI
 * @vm: the VM
 * @eventfd: the eventfd
 * @gsi: the GSI it raises
 * @wait: our entry in the eventfd's wait queue
 * @pt: to get into that queue
 * @wqh: the queue
 * @node: in the VM's list
 * @shutdown: frees it after a hang-up
 */
struct kvmod_irqfd {
	struct kvmod_vm *vm;
	struct eventfd_ctx *eventfd;
	u32 gsi;
	wait_queue_entry_t wait;
	poll_table pt;
	wait_queue_head_t *wqh;
	struct list_head node;
	struct work_struct shutdown;
};

/**
 * kvmod_irq_set() - raise or lower a GSI
 * @vm: the VM
 * @gsi: the GSI
 * @level: its new level; MSIs are sent on raising
 *
 * Any context.
 */
void kvmod_irq_set(struct kvmod_vm *vm, u32 gsi, bool level)
{
	struct kvmod_irq_routing *rt;
	struct kvm_msi msi;
	u32 i;

	rcu_read_lock();
	rt = rcu_dereference(vm->irq_routing);
	if (!rt) {
		kvmod_arch_irq_set(vm, 0, gsi, level);
		goto out;
	}
	for (i = 0; i < rt->nr; i++) {
		struct kvm_irq_routing_entry *e = &rt->e[i];

		if (e->gsi != gsi)
			continue;
		if (e->type == KVM_IRQ_ROUTING_IRQCHIP) {
			kvmod_arch_irq_set(vm, e->u.irqchip.irqchip, e->u.irqchip.pin, level);
		} else if (level) {
			msi = (struct kvm_msi) {
				.address_lo = e->u.msi.address_lo,
				.address_hi = e->u.msi.address_hi,
				.data = e->u.msi.data,
			};
			kvmod_arch_irq_msi(vm, &msi);
		}
	}
out:
	rcu_read_unlock();
}

/**
 * kvmod_vm_ioctl_set_gsi_routing() - KVM_SET_GSI_ROUTING
 * @vm: the VM
 * @argp: struct kvm_irq_routing and its entries
 *
 * Return: 0; -EINVAL for too many entries, flags, a GSI or type out of
 * range or an entry the architecture refuses; -ENXIO without an in-kernel
 * interrupt controller; -ENOMEM; -EFAULT.
 */
long kvmod_vm_ioctl_set_gsi_routing(struct kvmod_vm *vm, void __user *argp)
{
	struct kvm_irq_routing head;
	struct kvmod_irq_routing *rt, *old;
	u32 i;

	if (copy_from_user(&head, argp, sizeof(head)))
		return -EFAULT;
	if (head.nr > KVMOD_MAX_IRQ_ROUTES || head.flags)
		return -EINVAL;
	if (!kvmod_arch_check_extension(vm, KVM_CAP_IRQCHIP))
		return -ENXIO;
	rt = kvzalloc(struct_size(rt, e, head.nr), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return -ENOMEM;
	rt->nr = head.nr;
	if (copy_from_user(rt->e, argp + sizeof(head), head.nr * sizeof(rt->e[0]))) {
		kvfree(rt);
		return -EFAULT;
	}
	for (i = 0; i < rt->nr; i++) {
		struct kvm_irq_routing_entry *e = &rt->e[i];
		bool ok;

		if (e->gsi >= KVMOD_MAX_IRQ_ROUTES || e->flags)
			ok = false;
		else if (e->type == KVM_IRQ_ROUTING_IRQCHIP)
			ok = kvmod_arch_irq_route_ok(vm, e->u.irqchip.irqchip,
						     e->u.irqchip.pin);
		else
			ok = e->type == KVM_IRQ_ROUTING_MSI;
		if (!ok) {
			kvfree(rt);
			return -EINVAL;
		}
	}

	mutex_lock(&vm->lock);
	old = rcu_dereference_protected(vm->irq_routing, lockdep_is_held(&vm->lock));
	rcu_assign_pointer(vm->irq_routing, rt);
	mutex_unlock(&vm->lock);
	if (old) {
		synchronize_rcu();
		kvfree(old);
	}
	return 0;
}

/* Leave the eventfd's queue and free; no wake-up can run after. */
static void irqfd_free(struct kvmod_irqfd *irqfd)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct kvmod_irqfd *irqfd = container_of(work, struct kvmod_irqfd, shutdown);
	struct kvmod_vm *vm = irqfd->vm;

	irqfd_free(irqfd);
	/* The VM's teardown waits for these. */
	if (atomic_dec_and_test(&vm->irqfd_shutdowns))
		wake_up_var(&vm->irqfd_shutdowns);
}

/* An eventfd write is an edge: MSIs go out on the rise, pins see a pulse. */
static void irqfd_edge(struct kvmod_irqfd *irqfd)
{
	kvmod_irq_set(irqfd->vm, irqfd->gsi, true);
	kvmod_irq_set(irqfd->vm, irqfd->gsi, false);
}

/* The eventfd's wake-up, under its queue's lock. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct kvmod_irqfd *irqfd = container_of(wait, struct kvmod_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct kvmod_vm *vm = irqfd->vm;
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		irqfd_edge(irqfd);
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is going: forget it (off this lock, in a worker). */
		spin_lock(&vm->irqfds_lock);
		if (!list_empty(&irqfd->node)) {
			list_del_init(&irqfd->node);
			atomic_inc(&vm->irqfd_shutdowns);
			queue_work(kvmod_irqfd_wq, &irqfd->shutdown);
		}
		spin_unlock(&vm->irqfds_lock);
	}
	return 0;
}

static void irqfd_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct kvmod_irqfd *irqfd = container_of(pt, struct kvmod_irqfd, pt);

	irqfd->wqh = wqh;
	add_wait_queue(wqh, &irqfd->wait);
}

static int irqfd_assign(struct kvmod_vm *vm, const struct kvm_irqfd *args)
{
	struct kvmod_irqfd *irqfd, *other;
	struct eventfd_ctx *eventfd;
	struct fd f = fdget(args->fd);
	__poll_t events;
	int r = -EBADF;

	if (!fd_file(f))
		return r;
	eventfd = eventfd_ctx_fileget(fd_file(f));
	r = PTR_ERR(eventfd);
	if (IS_ERR(eventfd))
		goto out;
	r = -ENOMEM;
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd) {
		eventfd_ctx_put(eventfd);
		goto out;
	}
	irqfd->vm = vm;
	irqfd->eventfd = eventfd;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->node);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue);

	r = -EBUSY;
	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry(other, &vm->irqfds, node) {
		if (other->eventfd == eventfd) {
			spin_unlock_irq(&vm->irqfds_lock);
			eventfd_ctx_put(eventfd);
			kfree(irqfd);
			goto out;
		}
	}
	list_add_tail(&irqfd->node, &vm->irqfds);
	spin_unlock_irq(&vm->irqfds_lock);

	/* Into the eventfd's queue; a count already there is an edge now. */
	events = vfs_poll(fd_file(f), &irqfd->pt);
	if (events & EPOLLIN)
		irqfd_edge(irqfd);
	r = 0;
out:
	fdput(f);
	return r;
}

static int irqfd_deassign(struct kvmod_vm *vm, const struct kvm_irqfd *args)
{
	struct kvmod_irqfd *irqfd, *found = NULL;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry(irqfd, &vm->irqfds, node) {
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi) {
			list_del_init(&irqfd->node);
			found = irqfd;
			break;
		}
	}
	spin_unlock_irq(&vm->irqfds_lock);
	eventfd_ctx_put(eventfd);
	if (!found)
		return -ENOENT;
	/* Off the list under the lock: no hang-up can queue it any more. */
	irqfd_free(found);
	return 0;
}

/**
 * kvmod_vm_ioctl_irqfd() - KVM_IRQFD
 * @vm: the VM
 * @argp: struct kvm_irqfd
 *
 * Return: 0; -EINVAL for unknown flags, resampling (not offered) or
 * padding; -ENXIO without an in-kernel interrupt controller; -EBADF or
 * -EINVAL for a descriptor that is no eventfd; -EBUSY for an eventfd
 * already assigned; -ENOENT to deassign one that is not; -ENOMEM; -EFAULT.
 */
long kvmod_vm_ioctl_irqfd(struct kvmod_vm *vm, void __user *argp)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~KVM_IRQFD_FLAG_DEASSIGN || memchr_inv(args.pad, 0, sizeof(args.pad)))
		return -EINVAL;
	if (!kvmod_arch_check_extension(vm, KVM_CAP_IRQCHIP))
		return -ENXIO;
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, &args);
	return irqfd_assign(vm, &args);
}

/**
 * kvmod_irq_destroy() - drop a dying VM's irqfds and routing table
 * @vm: the VM, before its vCPUs and devices go
 */
void kvmod_irq_destroy(struct kvmod_vm *vm)
{
	struct kvmod_irqfd *irqfd, *next;
	LIST_HEAD(list);

	spin_lock_irq(&vm->irqfds_lock);
	list_splice_init(&vm->irqfds, &list);
	spin_unlock_irq(&vm->irqfds_lock);
	list_for_each_entry_safe(irqfd, next, &list, node) {
		list_del_init(&irqfd->node);
		irqfd_free(irqfd);
	}
	/* Hang-ups that got in first: their workers free them; wait for them. */
	wait_var_event(&vm->irqfd_shutdowns, !atomic_read(&vm->irqfd_shutdowns));
	kvfree(rcu_dereference_protected(vm->irq_routing, true));
}

/**
 * kvmod_irq_init() - set up irqfd clean-up at module load
 *
 * Return: 0 or -ENOMEM.
 */
int kvmod_irq_init(void)
{
	kvmod_irqfd_wq = alloc_workqueue("kvmod-irqfd", 0, 0);
	return kvmod_irqfd_wq ? 0 : -ENOMEM;
}

/** kvmod_irq_exit() - wait for the last irqfd clean-up at module unload */
void kvmod_irq_exit(void)
{
	destroy_workqueue(kvmod_irqfd_wq);
}
