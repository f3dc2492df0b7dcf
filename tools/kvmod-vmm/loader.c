// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm: puts the kernel and the initrd in guest RAM where the
 * architecture's layout says: the kernel at its offset, room for the
 * device tree at the top of RAM, and the initrd as high as it fits below
 * that, above the kernel: far from the memory the kernel takes after its
 * image as it starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

/* A whole file into a malloc()ed buffer: 0, or -1 with errno set. */
static int load_file(const char *path, void **buf, size_t *size)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	*buf = malloc(st.st_size ? st.st_size : 1);
	if (!*buf) {
		close(fd);
		return -1;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, (char *)*buf + done, st.st_size - done);
		if (n <= 0) {
			free(*buf);
			close(fd);
			errno = n ? errno : EIO;
			return -1;
		}
		done += n;
	}
	close(fd);
	*size = done;
	return 0;
}

/* A whole file, or -1 with the reason printed. */
static int read_image(const char *path, void **buf, size_t *size)
{
	if (!load_file(path, buf, size))
		return 0;
	vmm_perror("%s", path);
	return -1;
}

/*
 * Copy @buf to guest RAM at @at, when @fits and RAM holds it there, and
 * free it. Return: 0, or -1 with "<what> does not fit" printed.
 */
static int place(struct vmm_vm *vm, const char *what, uint64_t at, int fits,
		 void *buf, size_t size)
{
	void *dst = fits ? vmm_guest_ptr(vm, at, size) : NULL;

	if (dst)
		memcpy(dst, buf, size);
	else
		fprintf(stderr, "kvmod-vmm: %s does not fit in guest RAM\n", what);
	free(buf);
	return dst ? 0 : -1;
}

static int load_kernel(struct vmm_vm *vm, const char *path,
		       const struct vmm_boot_layout *l, struct vmm_boot *b)
{
	size_t size;
	void *buf;

	if (read_image(path, &buf, &size))
		return -1;
	if (l->check(path, buf, size)) {
		free(buf);
		return -1;
	}
	b->kernel_size = size;
	return place(vm, "kernel", b->kernel, 1, buf, size);
}

static int load_initrd(struct vmm_vm *vm, const char *path,
		       const struct vmm_boot_layout *l, struct vmm_boot *b)
{
	size_t size;
	void *buf;

	if (read_image(path, &buf, &size))
		return -1;
	/* As high as it fits under the device tree, clear of the kernel. */
	b->initrd = (b->fdt - size) & ~(l->initrd_align - 1);
	b->initrd_size = size;
	return place(vm, "initrd", b->initrd, b->initrd > b->kernel + b->kernel_size,
		     buf, size);
}

/**
 * vmm_boot_load() - put the kernel and the initrd (if any) in guest RAM
 * @vm: the VM
 * @o: what to boot
 * @l: where the architecture wants it
 * @b: set to where it went, and where the device tree goes
 *
 * Return: 0, or -1 with the reason printed.
 */
int vmm_boot_load(struct vmm_vm *vm, const struct vmm_opts *o,
		  const struct vmm_boot_layout *l, struct vmm_boot *b)
{
	*b = (struct vmm_boot){
		.kernel = vm->ram_base + l->kernel_offset,
		.fdt = vm->ram_base + vm->ram_size - l->fdt_size,
	};
	if (load_kernel(vm, o->kernel, l, b))
		return -1;
	return o->initrd ? load_initrd(vm, o->initrd, l, b) : 0;
}
