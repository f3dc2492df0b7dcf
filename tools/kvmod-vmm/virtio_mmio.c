// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm: the virtio-mmio transport (Virtual I/O Device specification
 * 1.2, section 4.2, version 2 register layout) and split virtqueues
 * (section 2.7), shared by the device types (virtio_blk.c).
 *
 * Everything the driver hands us is guest data: queue sizes, ring indices
 * and descriptors are checked against guest RAM and the queue's size, and a
 * driver that breaks the rules gets the device marked DEVICE_NEEDS_RESET
 * (the spec's way to say "reset me") instead of kvmod-vmm touching memory
 * outside the guest or looping on a descriptor cycle.
 */
#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "fdt.h"
#include "vmm.h"

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define VIRTIO_VENDOR_KVMOD	0x646f6d6b	/* "kmod" */
#define VIRTQ_MAX_SIZE		256

/* Drives the device's interrupt line from the interrupt status. */
static void update_irq(struct vmm_virtio *d)
{
	struct kvm_irq_level l = { .irq = d->dev.irq, .level = !!d->isr };

	if (l.level == (uint32_t)d->irq_level)
		return;
	d->irq_level = l.level;
	if (ioctl(d->dev.vm->fd, KVM_IRQ_LINE, &l))
		vmm_perror("KVM_IRQ_LINE (virtio)");
}

static void reset(struct vmm_virtio *d)
{
	d->status = 0;
	d->isr = 0;
	d->dev_features_sel = 0;
	d->drv_features_sel = 0;
	d->driver_features = 0;
	d->queue_sel = 0;
	memset(d->vq, 0, sizeof(d->vq));
	if (d->ops->reset)
		d->ops->reset(d);
	update_irq(d);
}

/**
 * vmm_virtio_fail() - the driver broke the rules: ask it for a reset
 * @d: the device; its lock is held
 *
 * Queues stop until the reset; the configuration-change interrupt tells
 * the driver to look at the status.
 */
void vmm_virtio_fail(struct vmm_virtio *d)
{
	unsigned int i;

	if (!(d->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		fprintf(stderr, "kvmod-vmm: virtio device at %#llx: driver error, needs a reset\n",
			(unsigned long long)d->dev.base);
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	for (i = 0; i < VMM_VIRTIO_MAX_QUEUES; i++)
		d->vq[i].ready = 0;
	if (d->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		d->isr |= VIRTIO_MMIO_INT_CONFIG;
		update_irq(d);
	}
}

/* The rings of @vq, if they lie in guest RAM at their required alignment. */
static int rings(struct vmm_virtio *d, struct vmm_virtq *vq, struct vring_desc **desc,
		 struct vring_avail **avail, struct vring_used **used)
{
	uint32_t n = vq->num;

	if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3))
		return -1;
	*desc = vmm_guest_ptr(d->dev.vm, vq->desc, 16ULL * n);
	*avail = vmm_guest_ptr(d->dev.vm, vq->avail, 6 + 2ULL * n);
	*used = vmm_guest_ptr(d->dev.vm, vq->used, 6 + 8ULL * n);
	return *desc && *avail && *used ? 0 : -1;
}

/**
 * vmm_virtq_pop() - take the next request the driver made available
 * @d: the device; its lock is held
 * @q: the queue
 * @c: filled with the request's buffers
 *
 * Return: 1 with @c filled, 0 when the queue is empty (or stopped), -1 when
 * the driver broke the rules (the device then needs a reset).
 */
int vmm_virtq_pop(struct vmm_virtio *d, unsigned int q, struct vmm_virtq_chain *c)
{
	struct vmm_virtq *vq = &d->vq[q];
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t idx, i, flags;
	unsigned int n;
	uint32_t len;
	uint8_t *p;

	if (!vq->ready)
		return 0;
	if (rings(d, vq, &desc, &avail, &used))
		goto bad;
	/* The entries are read after the index that published them. */
	idx = le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE));
	if (idx == vq->last_avail)
		return 0;
	if ((uint16_t)(idx - vq->last_avail) > vq->num)
		goto bad;
	i = le16toh(avail->ring[vq->last_avail % vq->num]);
	vq->last_avail++;
	c->head = i;
	c->nr_out = 0;
	c->nr_in = 0;
	/* At most one visit per descriptor: a cycle ends here, not in a loop. */
	for (n = 0; ; n++) {
		if (i >= vq->num || n >= vq->num)
			goto bad;
		flags = le16toh(desc[i].flags);
		len = le32toh(desc[i].len);
		if (flags & VRING_DESC_F_INDIRECT)
			goto bad;	/* not offered */
		p = vmm_guest_ptr(d->dev.vm, le64toh(desc[i].addr), len);
		if (!p)
			goto bad;
		if (flags & VRING_DESC_F_WRITE) {
			if (c->nr_in == VMM_VIRTQ_MAX_BUFS)
				goto bad;
			c->in[c->nr_in++] = (struct vmm_virtq_buf){ p, len };
		} else {
			/* Readable buffers come first (2.7.4.2). */
			if (c->nr_in || c->nr_out == VMM_VIRTQ_MAX_BUFS)
				goto bad;
			c->out[c->nr_out++] = (struct vmm_virtq_buf){ p, len };
		}
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		i = le16toh(desc[i].next);
	}
	return 1;
bad:
	vmm_virtio_fail(d);
	return -1;
}

/**
 * vmm_virtq_push() - give a request back to the driver
 * @d: the device; its lock is held
 * @q: the queue it came from
 * @head: its vmm_virtq_chain.head
 * @written: bytes the device wrote into its buffers
 */
void vmm_virtq_push(struct vmm_virtio *d, unsigned int q, uint16_t head, uint32_t written)
{
	struct vmm_virtq *vq = &d->vq[q];
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vring_used_elem *e;

	if (!vq->ready || rings(d, vq, &desc, &avail, &used))
		return;
	e = &used->ring[vq->used_idx % vq->num];
	e->id = htole32(head);
	e->len = htole32(written);
	vq->used_idx++;
	/* The entry is visible before the index that publishes it. */
	__atomic_store_n(&used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
}

/**
 * vmm_virtq_interrupt() - tell the driver that queue @q has used buffers
 * @d: the device; its lock is held
 * @q: the queue
 *
 * Unless the driver asked not to be interrupted for this queue.
 */
void vmm_virtq_interrupt(struct vmm_virtio *d, unsigned int q)
{
	struct vmm_virtq *vq = &d->vq[q];
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	if (!vq->ready || rings(d, vq, &desc, &avail, &used))
		return;
	/* The used index is out before we read the driver's flag. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (le16toh(__atomic_load_n(&avail->flags, __ATOMIC_RELAXED)) &
	    VRING_AVAIL_F_NO_INTERRUPT)
		return;
	d->isr |= VIRTIO_MMIO_INT_VRING;
	update_irq(d);
}

static uint64_t offered(const struct vmm_virtio *d)
{
	return d->features | (1ULL << VIRTIO_F_VERSION_1);
}

static uint32_t reg_read(struct vmm_virtio *d, uint64_t off)
{
	struct vmm_virtq *vq = d->queue_sel < d->ops->nr_queues ? &d->vq[d->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR_KVMOD;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_features_sel < 2 ? offered(d) >> (32 * d->dev_features_sel) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->isr;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffff;	/* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;		/* the configuration never changes */
	default:
		return 0;		/* write-only or reserved */
	}
}

/* @old with its high or low 32 bits replaced by @v. */
static uint64_t with_half(uint64_t old, int high, uint32_t v)
{
	if (high)
		return (old & 0xffffffffULL) | (uint64_t)v << 32;
	return (old & ~0xffffffffULL) | v;
}

/* A 32-bit half of a 64-bit queue address: only while the queue is off. */
static void set_half(struct vmm_virtq *vq, uint64_t *field, int high, uint32_t v)
{
	if (vq && !vq->ready)
		*field = with_half(*field, high, v);
}

static void set_status(struct vmm_virtio *d, uint32_t v)
{
	uint64_t drv = d->driver_features;

	if (!v) {
		reset(d);
		return;
	}
	/* Features are accepted only if we offered them all, VERSION_1 with them. */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((drv & ~offered(d)) || !(drv & (1ULL << VIRTIO_F_VERSION_1))))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	/* The driver cannot clear our NEEDS_RESET; only a reset does. */
	d->status = v | (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void reg_write(struct vmm_virtio *d, uint64_t off, uint32_t v)
{
	struct vmm_virtq *vq = d->queue_sel < d->ops->nr_queues ? &d->vq[d->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->drv_features_sel < 2 && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK))
			d->driver_features = with_half(d->driver_features,
						       d->drv_features_sel, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		/* Split queues have power-of-2 sizes up to QueueNumMax. */
		if (vq && !vq->ready)
			vq->num = v && v <= VIRTQ_MAX_SIZE && !(v & (v - 1)) ? v : 0;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (!vq)
			break;
		if (!v) {
			vq->ready = 0;
		} else if (!vq->ready) {
			struct vring_desc *desc;
			struct vring_avail *avail;
			struct vring_used *used;

			vq->ready = 1;
			vq->last_avail = 0;
			vq->used_idx = 0;
			if (!vq->num || rings(d, vq, &desc, &avail, &used))
				vmm_virtio_fail(d);
		}
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < d->ops->nr_queues && d->vq[v].ready &&
		    (d->status & VIRTIO_CONFIG_S_DRIVER_OK))
			d->ops->notify(d, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->isr &= ~v;
		update_irq(d);
		break;
	case VIRTIO_MMIO_STATUS:
		set_status(d, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(vq, vq ? &vq->desc : NULL, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(vq, vq ? &vq->avail : NULL, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(vq, vq ? &vq->used : NULL, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	default:
		break;	/* read-only or reserved: ignored */
	}
}

/*
 * Registers take aligned 32-bit accesses (4.2.2.2); the configuration space
 * any size. Other accesses read as zero and are dropped.
 */
static void virtio_mmio(struct vmm_device *dev, uint64_t offset, uint8_t *data,
			uint32_t len, int write)
{
	struct vmm_virtio *d = container_of(dev, struct vmm_virtio, dev);
	uint32_t v;

	pthread_mutex_lock(&d->lock);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (write || d->ops->config(d, offset - VIRTIO_MMIO_CONFIG, data, len))
			goto ignore;
	} else if (len != 4 || (offset & 3)) {
		goto ignore;
	} else if (write) {
		memcpy(&v, data, 4);
		reg_write(d, offset, le32toh(v));
	} else {
		v = htole32(reg_read(d, offset));
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&d->lock);
	return;
ignore:
	if (!write)
		memset(data, 0, len);
	pthread_mutex_unlock(&d->lock);
}

static void virtio_fdt(struct vmm_device *dev, struct fdt *f)
{
	vmm_fdt_device_begin(f, dev, "virtio,mmio");
	vmm_arch_fdt_irq(f, dev->irq);
	fdt_end_node(f);
}

static const struct vmm_device_ops virtio_device_ops = {
	.mmio = virtio_mmio,
	.fdt = virtio_fdt,
};

/**
 * vmm_virtio_create() - set up a virtio-mmio device and add it to the VM
 * @d: the device
 * @vm: the VM (its interrupt controller exists)
 * @ops: its type
 *
 * Its registers take the page after the last virtio-mmio device's, its
 * interrupt the next line. The caller sets @d->features and @d->priv
 * before the vCPUs run.
 *
 * Return: 0, or -1 with the reason printed.
 */
int vmm_virtio_create(struct vmm_virtio *d, struct vmm_vm *vm,
		      const struct vmm_virtio_ops *ops)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->dev = (struct vmm_device){
		.name = "virtio_mmio",
		.base = VMM_VIRTIO_BASE + vm->nr_virtio * VMM_VIRTIO_SIZE,
		.size = VMM_VIRTIO_SIZE,
		.irq = vmm_irq_alloc(vm),
		.ops = &virtio_device_ops,
	};
	pthread_mutex_init(&d->lock, NULL);
	if (vmm_device_register(vm, &d->dev))
		return -1;
	vm->nr_virtio++;
	return 0;
}
