// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm: flattened device tree writer. The structure block is written
 * as nodes and properties come; property names go to a strings block, each
 * name once; fdt_finish() puts header, reservation map and both blocks
 * together, big-endian as the format wants.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fdt.h"

#define FDT_MAGIC		0xd00dfeedU
#define FDT_BEGIN_NODE		1U
#define FDT_END_NODE		2U
#define FDT_PROP		3U
#define FDT_END			9U
#define FDT_VERSION		17U
#define FDT_LAST_COMP_VERSION	16U
#define FDT_HEADER_SIZE		40U
#define FDT_RSVMAP_SIZE		16U	/* just the terminating entry */

void fdt_init(struct fdt *f)
{
	memset(f, 0, sizeof(*f));
}

static int grow(struct fdt *f, uint8_t **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 1024;
	uint8_t *p;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	p = realloc(*buf, n);
	if (!p) {
		f->failed = 1;
		return -1;
	}
	*buf = p;
	*cap = n;
	return 0;
}

/* Appends @len bytes, then zero padding to a 4-byte boundary. */
static void put(struct fdt *f, const void *data, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;

	if (f->failed || grow(f, &f->buf, &f->cap, f->len + padded))
		return;
	memcpy(f->buf + f->len, data, len);
	memset(f->buf + f->len + len, 0, padded - len);
	f->len += padded;
}

static void put_u32(struct fdt *f, uint32_t v)
{
	v = htobe32(v);
	put(f, &v, sizeof(v));
}

/* Offset of @name in the strings block, adding it the first time. */
static uint32_t string_offset(struct fdt *f, const char *name)
{
	size_t i, n = strlen(name) + 1;

	for (i = 0; i < f->strings_len; i += strlen(f->strings + i) + 1)
		if (!strcmp(f->strings + i, name))
			return i;
	if (f->failed || grow(f, (uint8_t **)&f->strings, &f->strings_cap,
			      f->strings_len + n))
		return 0;
	memcpy(f->strings + f->strings_len, name, n);
	f->strings_len += n;
	return f->strings_len - n;
}

void fdt_begin_node(struct fdt *f, const char *name)
{
	put_u32(f, FDT_BEGIN_NODE);
	put(f, name, strlen(name) + 1);
	f->depth++;
}

void fdt_end_node(struct fdt *f)
{
	put_u32(f, FDT_END_NODE);
	f->depth--;
}

void fdt_prop(struct fdt *f, const char *name, const void *data, size_t len)
{
	uint32_t off = string_offset(f, name);

	put_u32(f, FDT_PROP);
	put_u32(f, len);
	put_u32(f, off);
	if (len)
		put(f, data, len);
}

void fdt_prop_u32(struct fdt *f, const char *name, uint32_t v)
{
	v = htobe32(v);
	fdt_prop(f, name, &v, sizeof(v));
}

void fdt_prop_u64(struct fdt *f, const char *name, uint64_t v)
{
	v = htobe64(v);
	fdt_prop(f, name, &v, sizeof(v));
}

void fdt_prop_string(struct fdt *f, const char *name, const char *s)
{
	fdt_prop(f, name, s, strlen(s) + 1);
}

void fdt_prop_empty(struct fdt *f, const char *name)
{
	fdt_prop(f, name, NULL, 0);
}

void fdt_prop_cells(struct fdt *f, const char *name, const uint32_t *cells,
		    size_t n)
{
	uint32_t be[16];
	size_t i;

	if (n > 16) {
		f->failed = 1;
		return;
	}
	for (i = 0; i < n; i++)
		be[i] = htobe32(cells[i]);
	fdt_prop(f, name, be, n * sizeof(uint32_t));
}

void *fdt_finish(struct fdt *f, size_t *size)
{
	uint32_t hdr[FDT_HEADER_SIZE / 4];
	size_t off_struct, off_strings, total;
	uint8_t *blob;

	put_u32(f, FDT_END);
	if (f->failed || f->depth) {
		free(f->buf);
		free(f->strings);
		return NULL;
	}
	off_struct = FDT_HEADER_SIZE + FDT_RSVMAP_SIZE;
	off_strings = off_struct + f->len;
	total = (off_strings + f->strings_len + 7) & ~(size_t)7;
	blob = calloc(1, total);
	if (!blob) {
		free(f->buf);
		free(f->strings);
		return NULL;
	}
	hdr[0] = htobe32(FDT_MAGIC);
	hdr[1] = htobe32(total);
	hdr[2] = htobe32(off_struct);
	hdr[3] = htobe32(off_strings);
	hdr[4] = htobe32(FDT_HEADER_SIZE);	/* memory reservation map */
	hdr[5] = htobe32(FDT_VERSION);
	hdr[6] = htobe32(FDT_LAST_COMP_VERSION);
	hdr[7] = 0;				/* boot CPU */
	hdr[8] = htobe32(f->strings_len);
	hdr[9] = htobe32(f->len);
	memcpy(blob, hdr, sizeof(hdr));
	memcpy(blob + off_struct, f->buf, f->len);
	memcpy(blob + off_strings, f->strings, f->strings_len);
	free(f->buf);
	free(f->strings);
	*size = total;
	return blob;
}
