// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm's command line: every bad argument is refused with status 2
 * and a message naming it; --help answers on stdout with status 0; a
 * kernel or disk that cannot be opened is a runtime error (status 1).
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmod_util.h"
#include "vmm_exec.h"

FIXTURE(vmm) {
	char path[PATH_MAX];
	struct vmm_result r;
};

FIXTURE_SETUP(vmm)
{
	if (vmm_path(self->path, sizeof(self->path)))
		SKIP(return, "no kvmod-vmm next to this test");
	memset(&self->r, 0, sizeof(self->r));
}

FIXTURE_TEARDOWN(vmm)
{
}

#define RUN(...) vmm_exec(self->path, &self->r, (const char *[]){ "kvmod-vmm", __VA_ARGS__, NULL })

TEST_F(vmm, usage)
{
	EXPECT_EQ(2, RUN("bogus"));
	EXPECT_NE(NULL, strstr(self->r.err, "unknown command 'bogus'"));
	EXPECT_EQ(0, RUN("--help"));
	EXPECT_NE(NULL, strstr(self->r.out, "usage: kvmod-vmm"));
	EXPECT_EQ(0, RUN("run", "--help"));
	EXPECT_NE(NULL, strstr(self->r.out, "--kernel"));
}

TEST_F(vmm, bad_run_arguments)
{
	EXPECT_EQ(2, RUN("run"));
	EXPECT_NE(NULL, strstr(self->r.err, "--kernel IMAGE is required"));
	EXPECT_EQ(2, RUN("run", "--kernel", "x", "--mem", "5"));
	EXPECT_NE(NULL, strstr(self->r.err, "--mem '5'"));
	EXPECT_EQ(2, RUN("run", "--kernel", "x", "--mem", "100T"));
	EXPECT_NE(NULL, strstr(self->r.err, "--mem '100T'"));
	EXPECT_EQ(2, RUN("run", "--kernel", "x", "--cpus", "0"));
	EXPECT_NE(NULL, strstr(self->r.err, "--cpus '0'"));
	EXPECT_EQ(2, RUN("run", "--kernel", "x", "--cpus", "two"));
	EXPECT_NE(NULL, strstr(self->r.err, "--cpus 'two'"));
	EXPECT_EQ(2, RUN("run", "--kernel", "x", "--timeout", "-3"));
	EXPECT_NE(NULL, strstr(self->r.err, "--timeout '-3'"));
	EXPECT_EQ(2, RUN("run", "--kernel", "x", "--frobnicate"));
	EXPECT_EQ(2, RUN("run", "--kernel", "x", "extra"));
	EXPECT_NE(NULL, strstr(self->r.err, "unexpected argument 'extra'"));
}

TEST_F(vmm, unreadable_kernel)
{
	EXPECT_EQ(1, RUN("run", "--kernel", "/nonexistent/Image", "--mem", "64M"));
	EXPECT_NE(NULL, strstr(self->r.err, "/nonexistent/Image"));
}

TEST_F(vmm, bad_disks)
{
	char img[] = "/tmp/kvmod-vmm-test-XXXXXX";
	int fd = mkstemp(img);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(2, RUN("run", "--kernel", img, "--disk", ",ro"));
	EXPECT_NE(NULL, strstr(self->r.err, "--disk: expected PATH or PATH,ro"));
	EXPECT_EQ(2, RUN("run", "--kernel", img, "--disk", img, "--disk", img, "--disk", img,
			 "--disk", img, "--disk", img, "--disk", img, "--disk", img,
			 "--disk", img, "--disk", img));
	EXPECT_NE(NULL, strstr(self->r.err, "at most 8 disks"));
	/* Checked before any VM exists: the message names the file. */
	EXPECT_EQ(1, RUN("run", "--kernel", img, "--disk", "/nonexistent/disk.img"));
	EXPECT_NE(NULL, strstr(self->r.err, "/nonexistent/disk.img: No such file"));
	close(fd);
	unlink(img);
}

TEST_HARNESS_MAIN
