// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm: a virtio block device (Virtual I/O Device specification 1.2,
 * section 5.2) on an image file or a block device, one request queue.
 * Requests run when the driver notifies, in the notifying vCPU's thread:
 * simple, and the guest's own I/O scheduler keeps batches large.
 *
 * Writes reach the file with pwrite() (the host page cache); FLUSH is
 * fdatasync(), so data a guest flushed survives a host crash. A read-only
 * disk (--disk PATH,ro) is opened read-only and says so (VIRTIO_BLK_F_RO);
 * writes to it fail with VIRTIO_BLK_S_IOERR.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "vmm.h"

#define SECTOR_SIZE	512

/**
 * struct vmm_blk - a disk
 * @dev: its virtio-mmio device
 * @fd: the image
 * @sectors: its size in 512-byte sectors
 * @ro: read-only
 * @serial: what VIRTIO_BLK_T_GET_ID answers (not NUL-terminated when 20 long)
 * @chain: the request being handled
 */
struct vmm_blk {
	struct vmm_virtio dev;
	int fd;
	uint64_t sectors;
	int ro;
	char serial[VIRTIO_BLK_ID_BYTES];
	struct vmm_virtq_chain chain;
};

static int blk_config(struct vmm_virtio *d, uint32_t offset, void *data, uint32_t len)
{
	struct vmm_blk *b = d->priv;
	struct virtio_blk_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.capacity = htole64(b->sectors);
	cfg.seg_max = htole32(VMM_VIRTQ_MAX_BUFS - 2);	/* + header and status */
	cfg.blk_size = htole32(SECTOR_SIZE);
	if (offset > sizeof(cfg) || len > sizeof(cfg) - offset)
		return -1;
	memcpy(data, (uint8_t *)&cfg + offset, len);
	return 0;
}

/*
 * Up to @max iovecs covering @len bytes of @bufs from byte @skip on.
 * Return: how many, or -1 when the buffers are too short.
 */
static int iov_range(const struct vmm_virtq_buf *bufs, unsigned int n, size_t skip,
		     size_t len, struct iovec *iov, int max)
{
	unsigned int i;
	int cnt = 0;
	size_t take;

	for (i = 0; i < n && len; i++) {
		if (skip >= bufs[i].len) {
			skip -= bufs[i].len;
			continue;
		}
		take = bufs[i].len - skip;
		if (take > len)
			take = len;
		if (cnt == max)
			return -1;
		iov[cnt++] = (struct iovec){ bufs[i].p + skip, take };
		len -= take;
		skip = 0;
	}
	return len ? -1 : cnt;
}

/* Copies between @iov and @buf (@to_iov: into the iovecs); NULL @buf: zeroes. */
static void iov_copy(const struct iovec *iov, int cnt, uint8_t *buf, int to_iov)
{
	int i;

	for (i = 0; i < cnt; buf += buf ? iov[i].iov_len : 0, i++) {
		if (!buf)
			memset(iov[i].iov_base, 0, iov[i].iov_len);
		else if (to_iov)
			memcpy(iov[i].iov_base, buf, iov[i].iov_len);
		else
			memcpy(buf, iov[i].iov_base, iov[i].iov_len);
	}
}

static size_t total(const struct vmm_virtq_buf *bufs, unsigned int n)
{
	size_t sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		sum += bufs[i].len;
	return sum;
}

/* All of @iov at @off, through short transfers; 0 or -1. */
static int rw_full(int fd, struct iovec *iov, int cnt, off_t off, int write)
{
	ssize_t n;

	while (cnt) {
		n = write ? pwritev(fd, iov, cnt, off) : preadv(fd, iov, cnt, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;	/* an error, or the image shrank */
		off += n;
		while (cnt && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

/*
 * One request: a 16-byte header in the readable buffers, data (readable for
 * writes, writable for reads), and the status byte as the last writable
 * byte. The buffers may split these anywhere (2.7.4: no framing assumed).
 * Return: bytes written into the guest's buffers, status included.
 */
static uint32_t handle(struct vmm_blk *b, struct vmm_virtq_chain *c)
{
	struct iovec iov[VMM_VIRTQ_MAX_BUFS];
	struct virtio_blk_outhdr hdr;
	size_t out_len = total(c->out, c->nr_out), in_len = total(c->in, c->nr_in);
	size_t data_len;
	uint8_t status = VIRTIO_BLK_S_IOERR, *status_p;
	uint32_t written = 1;
	uint64_t sector;
	int cnt, write;

	/* The status byte is the last writable byte; without one, no answer. */
	status_p = c->in[c->nr_in - 1].p + c->in[c->nr_in - 1].len - 1;
	cnt = iov_range(c->out, c->nr_out, 0, sizeof(hdr), iov, VMM_VIRTQ_MAX_BUFS);
	if (cnt < 0)
		goto done;
	iov_copy(iov, cnt, (uint8_t *)&hdr, 0);
	sector = le64toh(hdr.sector);
	switch (le32toh(hdr.type)) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		write = le32toh(hdr.type) == VIRTIO_BLK_T_OUT;
		data_len = write ? out_len - sizeof(hdr) : in_len - 1;
		if (data_len % SECTOR_SIZE || sector > b->sectors ||
		    data_len / SECTOR_SIZE > b->sectors - sector || (write && b->ro))
			break;
		cnt = write ? iov_range(c->out, c->nr_out, sizeof(hdr), data_len, iov,
					VMM_VIRTQ_MAX_BUFS)
			    : iov_range(c->in, c->nr_in, 0, data_len, iov, VMM_VIRTQ_MAX_BUFS);
		if (cnt < 0)
			break;
		if (rw_full(b->fd, iov, cnt, sector * SECTOR_SIZE, write)) {
			/* A failed read leaves no half-read data behind. */
			if (!write) {
				cnt = iov_range(c->in, c->nr_in, 0, data_len, iov,
						VMM_VIRTQ_MAX_BUFS);
				iov_copy(iov, cnt, NULL, 1);
			}
			break;
		}
		if (!write)
			written += data_len;
		status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = b->ro || !fdatasync(b->fd) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		data_len = in_len - 1 < sizeof(b->serial) ? in_len - 1 : sizeof(b->serial);
		cnt = iov_range(c->in, c->nr_in, 0, data_len, iov, VMM_VIRTQ_MAX_BUFS);
		if (cnt < 0)
			break;
		iov_copy(iov, cnt, (uint8_t *)b->serial, 1);
		written += data_len;
		status = VIRTIO_BLK_S_OK;
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	*status_p = status;
	return written;
}

static void blk_notify(struct vmm_virtio *d, unsigned int q)
{
	struct vmm_blk *b = d->priv;
	int done = 0, r;

	while ((r = vmm_virtq_pop(d, q, &b->chain)) > 0) {
		/* No writable byte for the status: a request we cannot answer. */
		if (!b->chain.nr_in || !b->chain.in[b->chain.nr_in - 1].len) {
			vmm_virtio_fail(d);
			return;
		}
		vmm_virtq_push(d, q, b->chain.head, handle(b, &b->chain));
		done = 1;
	}
	if (done)
		vmm_virtq_interrupt(d, q);
}

static const struct vmm_virtio_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.config = blk_config,
	.notify = blk_notify,
};

/**
 * vmm_blk_create() - add a disk to the VM
 * @vm: the VM (its interrupt controller exists)
 * @disk: what --disk said
 *
 * The disk is the next virtio-mmio device.
 *
 * Return: 0, or -1 with the reason printed.
 */
int vmm_blk_create(struct vmm_vm *vm, const struct vmm_disk_opt *disk)
{
	struct vmm_blk *b;
	struct stat st;
	uint64_t bytes;
	const char *base;

	if (vm->nr_virtio == VMM_MAX_DISKS) {
		fprintf(stderr, "kvmod-vmm: at most %d disks\n", VMM_MAX_DISKS);
		return -1;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	b->ro = disk->ro;
	b->fd = open(disk->path, (disk->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st)) {
		vmm_perror("%s", disk->path);
		goto fail;
	}
	bytes = st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(b->fd, BLKGETSIZE64, &bytes)) {
		vmm_perror("%s: size", disk->path);
		goto fail;
	}
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "kvmod-vmm: %s: not a file or block device\n", disk->path);
		goto fail;
	}
	if (bytes % SECTOR_SIZE)
		fprintf(stderr, "kvmod-vmm: %s: the last %llu bytes (less than a sector) are not used\n",
			disk->path, (unsigned long long)(bytes % SECTOR_SIZE));
	b->sectors = bytes / SECTOR_SIZE;
	base = strrchr(disk->path, '/');
	base = base ? base + 1 : disk->path;
	memcpy(b->serial, base, strnlen(base, sizeof(b->serial)));

	if (vmm_virtio_create(&b->dev, vm, &blk_ops))
		goto fail;
	b->dev.priv = b;
	b->dev.features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
			  1ULL << VIRTIO_BLK_F_FLUSH | (b->ro ? 1ULL << VIRTIO_BLK_F_RO : 0);
	return 0;
fail:
	if (b->fd >= 0)
		close(b->fd);
	free(b);
	return -1;
}
