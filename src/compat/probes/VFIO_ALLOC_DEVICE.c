// SPDX-License-Identifier: GPL-2.0-only
/* 6.1: vfio_alloc_device() allocates the driver struct and calls ops->init */
#include "probe.h"
struct p_dev { struct vfio_device vdev; int x; };
struct p_dev *p_alloc(struct device *d, const struct vfio_device_ops *o);
struct p_dev *p_alloc(struct device *d, const struct vfio_device_ops *o) { return vfio_alloc_device(p_dev, vdev, d, o); }
