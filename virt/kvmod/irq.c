// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt routing for in-kernel interrupt controllers: the GSI routing
 * table (KVM_SET_GSI_ROUTING), irqfds (KVM_IRQFD), whose eventfd writes
 * raise a GSI without a trip through the VMM, and MSIs userspace sends
 * (KVM_SIGNAL_MSI).
 *
 * A GSI routes to irqchip pins and/or MSIs; without a table, GSI n is pin n
 * of irqchip 0, as upstream's default routing has it. The table is read
 * under the VM's irq_srcu (deliveries may sleep) and replaced whole. An
 * irqfd is a wait queue entry on its eventfd: the wake-up (atomic, under
 * the eventfd's lock) tries to inject an edge at once; when the interrupt
 * controller cannot take it there (kvmod_arch_irq_msi() says -EWOULDBLOCK,
 * or a GSI routes to several MSIs, which a refusal half-way would deliver
 * twice) a work item injects it. A hang-up or KVM_IRQFD_FLAG_DEASSIGN
 * removes an irqfd.
 *
 * The module parameter irqfd_force_work (0644) sends every irqfd injection
 * through the work item: a fault-injection switch for tests, since no
 * RISC-V controller ever refuses atomic delivery.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kvmod_host.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

/*
 * Injects what wake-ups could not and frees irqfds whose eventfd hung up;
 * our own, so module unload can wait for the last of them.
 */
static struct workqueue_struct *kvmod_irqfd_wq;

static bool irqfd_force_work;
module_param(irqfd_force_work, bool, 0644);
MODULE_PARM_DESC(irqfd_force_work, "inject every irqfd signal from a work item (testing)");

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
 * @node: in the VM's list
 * @inject: injects an edge the wake-up could not
 * @shutdown: frees it after a hang-up
 *
 * Whoever takes it off @vm->irqfds (under @vm->irqfds_lock) owns it and
 * frees it: deassign, a hang-up's worker or the VM's teardown, never two.
 */
struct kvmod_irqfd {
	struct kvmod_vm *vm;
	struct eventfd_ctx *eventfd;
	u32 gsi;
	wait_queue_entry_t wait;
	struct list_head node;
	struct work_struct inject;
	struct work_struct shutdown;
};

/**
 * struct kvmod_irqfd_poll - the assigning thread's view of vfs_poll()
 * @pt: handed to vfs_poll(); our queueing callback gets it back
 * @irqfd: the irqfd to publish
 * @ret: 0 once published, -EBUSY for an eventfd already assigned
 *
 * On the assigning thread's stack: once published, the irqfd may be
 * freed by another thread at any time, so the result cannot live in it.
 */
struct kvmod_irqfd_poll {
	poll_table pt;
	struct kvmod_irqfd *irqfd;
	int ret;
};

/* Whether, in atomic context, @gsi has routes a refusal could split. */
static bool needs_work(const struct kvmod_irq_routing *rt, u32 gsi)
{
	unsigned int routes = 0, msis = 0;
	u32 i;

	for (i = 0; i < rt->nr; i++) {
		if (rt->e[i].gsi != gsi)
			continue;
		routes++;
		if (rt->e[i].type == KVM_IRQ_ROUTING_MSI)
			msis++;
	}
	return msis && routes > 1;
}

/*
 * Deliver @level on every route of @gsi; MSIs go out on raising. With
 * @atomic, -EWOULDBLOCK means nothing was delivered: retry where sleeping
 * is allowed.
 */
static int irq_deliver(struct kvmod_vm *vm, u32 gsi, bool level, bool atomic)
{
	struct kvmod_irq_routing *rt;
	struct kvm_msi msi;
	int idx, r = 0;
	u32 i;

	if (atomic && level && READ_ONCE(irqfd_force_work))
		return -EWOULDBLOCK;
	idx = srcu_read_lock(&vm->irq_srcu);
	rt = srcu_dereference(vm->irq_routing, &vm->irq_srcu);
	if (!rt) {
		kvmod_arch_irq_set(vm, 0, gsi, level);
		goto out;
	}
	if (atomic && level && needs_work(rt, gsi)) {
		r = -EWOULDBLOCK;
		goto out;
	}
	for (i = 0; i < rt->nr; i++) {
		struct kvm_irq_routing_entry *e = &rt->e[i];

		if (e->gsi != gsi)
			continue;
		if (e->type == KVM_IRQ_ROUTING_IRQCHIP) {
			kvmod_arch_irq_set(vm, e->u.irqchip.irqchip, e->u.irqchip.pin, level);
		} else if (level) {
			/* The device id goes along: an ITS needs it. */
			msi = (struct kvm_msi) {
				.address_lo = e->u.msi.address_lo,
				.address_hi = e->u.msi.address_hi,
				.data = e->u.msi.data,
				.flags = e->flags,
				.devid = e->u.msi.devid,
			};
			/* Only the GSI's one route may refuse (needs_work()). */
			if (kvmod_arch_irq_msi(vm, &msi, atomic) == -EWOULDBLOCK) {
				r = -EWOULDBLOCK;
				break;
			}
			/* Nobody to tell otherwise: what the controller drops is lost. */
		}
	}
out:
	srcu_read_unlock(&vm->irq_srcu, idx);
	return r;
}

/**
 * kvmod_irq_set() - raise or lower a GSI
 * @vm: the VM
 * @gsi: the GSI
 * @level: its new level; MSIs are sent on raising
 *
 * Process context: the interrupt controller may sleep.
 */
void kvmod_irq_set(struct kvmod_vm *vm, u32 gsi, bool level)
{
	might_sleep();
	irq_deliver(vm, gsi, level, false);
}

/**
 * kvmod_vm_ioctl_signal_msi() - KVM_SIGNAL_MSI
 * @vm: the VM
 * @argp: the struct kvm_msi
 *
 * Return: 0 (also for an MSI the controller drops, as hardware would);
 * -EFAULT; -EINVAL without an in-kernel interrupt controller or for flags
 * other than KVM_MSI_VALID_DEVID; else what the controller refuses
 * (kvmod_arch_irq_msi()).
 */
long kvmod_vm_ioctl_signal_msi(struct kvmod_vm *vm, void __user *argp)
{
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (!kvmod_arch_irqchip_created(vm) || msi.flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	return kvmod_arch_irq_msi(vm, &msi, false);
}

/* An entry on its own: its GSI, flags and type, and the arch's pins. */
static bool route_ok(struct kvmod_vm *vm, const struct kvm_irq_routing_entry *e)
{
	if (e->gsi >= KVMOD_MAX_IRQ_ROUTES)
		return false;
	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		return !e->flags && kvmod_arch_irq_route_ok(vm, e->u.irqchip.irqchip,
							    e->u.irqchip.pin);
	case KVM_IRQ_ROUTING_MSI:
		/* A device id may come along; it means nothing to kvmod yet. */
		return !(e->flags & ~KVM_MSI_VALID_DEVID);
	default:
		return false;
	}
}

/*
 * Two entries of one GSI clash, as upstream has it, unless both are
 * irqchip pins of different irqchips (a GSI may fan out to several).
 */
static bool routes_clash(const struct kvm_irq_routing_entry *a,
			 const struct kvm_irq_routing_entry *b)
{
	return a->gsi == b->gsi &&
	       (a->type != KVM_IRQ_ROUTING_IRQCHIP || b->type != KVM_IRQ_ROUTING_IRQCHIP ||
		a->u.irqchip.irqchip == b->u.irqchip.irqchip);
}

/* Every entry valid and no two clashing. */
static bool routing_ok(struct kvmod_vm *vm, const struct kvmod_irq_routing *rt)
{
	u32 i, j;

	for (i = 0; i < rt->nr; i++) {
		if (!route_ok(vm, &rt->e[i]))
			return false;
		/* Tables are small (QEMU: tens of entries); at most 4096. */
		for (j = 0; j < i; j++)
			if (routes_clash(&rt->e[i], &rt->e[j]))
				return false;
	}
	return true;
}

/**
 * kvmod_vm_ioctl_set_gsi_routing() - KVM_SET_GSI_ROUTING
 * @vm: the VM
 * @argp: struct kvm_irq_routing and its entries
 *
 * The rules and their order follow upstream: the table is refused
 * without the VM's interrupt controller device, with too many entries or
 * flags; an entry with a GSI past the limit, flags its type does not take,
 * an unknown type or a pin the architecture lacks, or two entries of one
 * GSI that clash (routes_clash()), refuse the whole table.
 *
 * Return: 0; -EINVAL for everything above; -ENOMEM; -EFAULT.
 */
long kvmod_vm_ioctl_set_gsi_routing(struct kvmod_vm *vm, void __user *argp)
{
	struct kvm_irq_routing head;
	struct kvmod_irq_routing *rt, *old;

	if (copy_from_user(&head, argp, sizeof(head)))
		return -EFAULT;
	if (!kvmod_arch_irqchip_created(vm) || head.nr > KVMOD_MAX_IRQ_ROUTES || head.flags)
		return -EINVAL;
	rt = kvzalloc(struct_size(rt, e, head.nr), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return -ENOMEM;
	rt->nr = head.nr;
	if (copy_from_user(rt->e, argp + sizeof(head), head.nr * sizeof(rt->e[0]))) {
		kvfree(rt);
		return -EFAULT;
	}
	if (!routing_ok(vm, rt)) {
		kvfree(rt);
		return -EINVAL;
	}

	mutex_lock(&vm->lock);
	old = rcu_dereference_protected(vm->irq_routing, lockdep_is_held(&vm->lock));
	rcu_assign_pointer(vm->irq_routing, rt);
	mutex_unlock(&vm->lock);
	if (old) {
		synchronize_srcu(&vm->irq_srcu);
		kvfree(old);
	}
	return 0;
}

/*
 * Leave the eventfd's queue and free; no wake-up can run after, and an
 * edge one left to the work item is delivered first.
 */
static void irqfd_free(struct kvmod_irqfd *irqfd)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	flush_work(&irqfd->inject);
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

/*
 * Take an irqfd off the VM's list, making the caller its owner. Return:
 * false when another thread got there first (it frees the irqfd).
 */
static bool irqfd_unlist(struct kvmod_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->vm->irqfds_lock);
	if (list_empty(&irqfd->node))
		return false;
	list_del_init(&irqfd->node);
	return true;
}

/*
 * An eventfd write is an edge: MSIs go out on the rise, pins see a pulse.
 * Return: -EWOULDBLOCK when, @atomic, nothing could be delivered.
 */
static int irqfd_edge(struct kvmod_irqfd *irqfd, bool atomic)
{
	int r = irq_deliver(irqfd->vm, irqfd->gsi, true, atomic);

	if (!r)
		irq_deliver(irqfd->vm, irqfd->gsi, false, atomic);
	return r;
}

static void irqfd_inject(struct work_struct *work)
{
	irqfd_edge(container_of(work, struct kvmod_irqfd, inject), false);
}

/*
 * Consume the eventfd's count, if any, as one edge; under the queue's
 * lock. Edges that come while one waits for the work item are one edge,
 * as eventfd counts are.
 */
static void irqfd_consume(struct kvmod_irqfd *irqfd)
{
	struct kvmod_vm *vm = irqfd->vm;
	u64 cnt;

	eventfd_ctx_do_read(irqfd->eventfd, &cnt);
	if (cnt && irqfd_edge(irqfd, true) == -EWOULDBLOCK &&
	    queue_work(kvmod_irqfd_wq, &irqfd->inject)) {
		/* Wake-ups of other irqfds may count at the same time. */
		spin_lock(&vm->irqfds_lock);
		vm->stat.irqfd_deferred++;
		spin_unlock(&vm->irqfds_lock);
	}
}

/* The eventfd's wake-up, under its queue's lock. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct kvmod_irqfd *irqfd = container_of(wait, struct kvmod_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct kvmod_vm *vm = irqfd->vm;

	if (flags & EPOLLIN)
		irqfd_consume(irqfd);
	if (flags & EPOLLHUP) {
		/*
		 * The eventfd is going. Freeing needs its queue's lock, which
		 * we hold, and may drop its last reference: a worker does it.
		 */
		spin_lock(&vm->irqfds_lock);
		if (irqfd_unlist(irqfd)) {
			atomic_inc(&vm->irqfd_shutdowns);
			queue_work(kvmod_irqfd_wq, &irqfd->shutdown);
		}
		spin_unlock(&vm->irqfds_lock);
	}
	return 0;
}

/*
 * vfs_poll()'s queueing callback: publish the irqfd on the VM's list and in
 * the eventfd's queue in one step, under both locks, so that no other
 * thread can find it on one and not the other. A count written before
 * now is an edge, taken here while nobody can free the irqfd.
 */
static void irqfd_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct kvmod_irqfd_poll *p = container_of(pt, struct kvmod_irqfd_poll, pt);
	struct kvmod_irqfd *irqfd = p->irqfd, *other;
	struct kvmod_vm *vm = irqfd->vm;

	spin_lock_irq(&wqh->lock);
	spin_lock(&vm->irqfds_lock);
	p->ret = -EBUSY;
	list_for_each_entry(other, &vm->irqfds, node)
		if (other->eventfd == irqfd->eventfd)
			goto out;
	list_add_tail(&irqfd->node, &vm->irqfds);
	__add_wait_queue(wqh, &irqfd->wait);
	irqfd_consume(irqfd);
	p->ret = 0;
out:
	spin_unlock(&vm->irqfds_lock);
	spin_unlock_irq(&wqh->lock);
}

static int irqfd_assign(struct kvmod_vm *vm, const struct kvm_irqfd *args)
{
	struct kvmod_irqfd_poll p = { .ret = -EINVAL };
	struct kvmod_irqfd *irqfd;
	struct eventfd_ctx *eventfd;
	struct fd f = fdget(args->fd);
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
	INIT_WORK(&irqfd->inject, irqfd_inject);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&p.pt, irqfd_queue);
	p.irqfd = irqfd;

	vfs_poll(fd_file(f), &p.pt);
	/* Published (p.ret == 0): no longer ours to touch. */
	r = p.ret;
	if (r) {
		eventfd_ctx_put(eventfd);
		kfree(irqfd);
	}
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
			irqfd_unlist(irqfd);
			found = irqfd;
			break;
		}
	}
	spin_unlock_irq(&vm->irqfds_lock);
	eventfd_ctx_put(eventfd);
	if (!found)
		return -ENOENT;
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
 *
 * A hang-up may race with this for any irqfd: each is taken off the list
 * one at a time under the lock, so exactly one of the two frees it.
 */
void kvmod_irq_destroy(struct kvmod_vm *vm)
{
	struct kvmod_irqfd *irqfd;

	for (;;) {
		spin_lock_irq(&vm->irqfds_lock);
		irqfd = list_first_entry_or_null(&vm->irqfds, struct kvmod_irqfd, node);
		if (irqfd)
			irqfd_unlist(irqfd);
		spin_unlock_irq(&vm->irqfds_lock);
		if (!irqfd)
			break;
		irqfd_free(irqfd);
	}
	/* Hang-ups that got in first: their workers free them; wait for them. */
	wait_var_event(&vm->irqfd_shutdowns, !atomic_read(&vm->irqfd_shutdowns));
	kvfree(rcu_dereference_protected(vm->irq_routing, true));
}

/**
 * kvmod_irq_init() - set up irqfd injection and clean-up at module load
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
