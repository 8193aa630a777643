/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for the kernel's <linux/slab.h> (unit tests). */
#ifndef SHIM_LINUX_SLAB_H
#define SHIM_LINUX_SLAB_H
#include <stdlib.h>
#define GFP_KERNEL		0
#define GFP_KERNEL_ACCOUNT	0
extern int shim_krealloc_fail;	/* set: the next krealloc fails */
static inline void *krealloc(void *p, size_t n, int gfp)
{
	(void)gfp;
	if (shim_krealloc_fail) {
		shim_krealloc_fail = 0;
		return NULL;
	}
	return realloc(p, n);
}
#define kfree(p)	free(p)
#endif
