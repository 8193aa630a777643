// SPDX-License-Identifier: GPL-2.0-only
/* 5.18: the vfio core parses VFIO_DEVICE_FEATURE and calls this op */
#include "probe.h"
static int p_feat(struct vfio_device *v, u32 f, void __user *a, size_t s) { return 0; }
const struct vfio_device_ops p_ops = { .device_feature = p_feat };
