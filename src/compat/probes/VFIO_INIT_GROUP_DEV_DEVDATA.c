// SPDX-License-Identifier: GPL-2.0-only
/* 5.10.y: vfio_init_group_dev() with a device_data pointer (stable backport of 5.13) */
#include "probe.h"
void p_init(struct vfio_device *v, struct device *d, const struct vfio_device_ops *o, void *x);
void p_init(struct vfio_device *v, struct device *d, const struct vfio_device_ops *o, void *x) { vfio_init_group_dev(v, d, o, x); }
