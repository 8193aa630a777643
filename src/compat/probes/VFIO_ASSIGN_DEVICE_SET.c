// SPDX-License-Identifier: GPL-2.0-only
/* 5.15: the vfio core groups devices that reset together (struct vfio_device_set) */
#include "probe.h"
int p_assign(struct vfio_device *v, void *key);
int p_assign(struct vfio_device *v, void *key) { return vfio_assign_device_set(v, key) + (int)vfio_device_set_open_count(v->dev_set); }
