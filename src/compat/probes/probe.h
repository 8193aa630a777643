/* SPDX-License-Identifier: GPL-2.0-only */
/* Common includes for every compile probe; a probe passes if it compiles. */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/fs.h>
