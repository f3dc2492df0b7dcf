// SPDX-License-Identifier: GPL-2.0-only
/* kvmod-vmm: command dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

static const struct vmm_command commands[] = {
	{ "info", "show what /dev/kvm offers, creating a VM and a vCPU", vmm_info_main },
	{ "run", "boot a kernel: run --kernel IMAGE [--initrd FILE] [--cmdline ARGS]\n"
		 "           [--mem SIZE] [--cpus N] [--timeout S] (run --help: details)",
	  vmm_run_main },
};

void vmm_perror(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fputs("kvmod-vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
}

static void print_usage(FILE *f)
{
	size_t i;

	fputs("usage: kvmod-vmm <command> [options]\n\ncommands:\n", f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "kvmod-vmm: unknown command '%s'\n", argv[1]);
	print_usage(stderr);
	return 2;
}
