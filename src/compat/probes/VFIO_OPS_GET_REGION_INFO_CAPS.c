// SPDX-License-Identifier: GPL-2.0-only
/* 7.2: vfio core answers GET_REGION_INFO through this op only */
#include "probe.h"
static int p_gri(struct vfio_device *v, struct vfio_region_info *i, struct vfio_info_cap *c) { return 0; }
const struct vfio_device_ops p_ops = { .get_region_info_caps = p_gri };
