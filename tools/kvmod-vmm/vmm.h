/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmod-vmm: a small VMM for the KVM API. Shared declarations. */
#ifndef KVMOD_VMM_H
#define KVMOD_VMM_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/**
 * struct vmm_command - a subcommand of kvmod-vmm
 * @name: word on the command line
 * @summary: one line for --help
 * @main: runs it with the arguments after the name; returns the exit code
 */
struct vmm_command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
};

int vmm_info_main(int argc, char **argv);

/* Prints "kvmod-vmm: <message>: <errno text>" to stderr. */
void vmm_perror(const char *fmt, ...);

#endif /* KVMOD_VMM_H */
