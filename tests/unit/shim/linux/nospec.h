/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for the kernel's <linux/nospec.h> (unit tests). */
#ifndef SHIM_LINUX_NOSPEC_H
#define SHIM_LINUX_NOSPEC_H
/* The test checks the bounds; speculation is not modelled. */
#define array_index_nospec(index, size)	(index)
#endif
