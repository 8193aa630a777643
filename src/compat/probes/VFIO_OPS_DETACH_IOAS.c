// SPDX-License-Identifier: GPL-2.0-only
/* 6.6: detach_ioas op */
#include "probe.h"
const struct vfio_device_ops p_ops = { .detach_ioas = vfio_iommufd_physical_detach_ioas };
