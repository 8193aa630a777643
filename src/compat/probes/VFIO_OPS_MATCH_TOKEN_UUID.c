// SPDX-License-Identifier: GPL-2.0-only
/* 7.2: the cdev bind path checks the VF token through this op */
#include "probe.h"
static int p_mtu(struct vfio_device *v, const uuid_t *u) { return 0; }
const struct vfio_device_ops p_ops = { .match_token_uuid = p_mtu };
