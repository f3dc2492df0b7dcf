/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A flattened device tree writer (Devicetree Specification v0.4, chapter 5),
 * just enough to describe a VM to the kernel it boots.
 */
#ifndef KVMOD_VMM_FDT_H
#define KVMOD_VMM_FDT_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct fdt - a device tree being written
 * @buf: the structure block, then (at fdt_finish()) the whole blob
 * @len: bytes used in @buf
 * @cap: bytes allocated for @buf
 * @strings: property names, NUL-separated
 * @strings_len: bytes used in @strings
 * @strings_cap: bytes allocated for @strings
 * @depth: open nodes
 * @failed: an allocation failed; fdt_finish() then fails
 */
struct fdt {
	uint8_t *buf;
	size_t len, cap;
	char *strings;
	size_t strings_len, strings_cap;
	int depth;
	int failed;
};

void fdt_init(struct fdt *f);
void fdt_begin_node(struct fdt *f, const char *name);
void fdt_end_node(struct fdt *f);
void fdt_prop(struct fdt *f, const char *name, const void *data, size_t len);
void fdt_prop_u32(struct fdt *f, const char *name, uint32_t v);
void fdt_prop_u64(struct fdt *f, const char *name, uint64_t v);
void fdt_prop_string(struct fdt *f, const char *name, const char *s);
void fdt_prop_empty(struct fdt *f, const char *name);
void fdt_prop_cells(struct fdt *f, const char *name, const uint32_t *cells,
		    size_t n);
/* Returns the finished blob (caller frees) and its size, or NULL. */
void *fdt_finish(struct fdt *f, size_t *size);

#endif /* KVMOD_VMM_FDT_H */
