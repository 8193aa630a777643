// SPDX-License-Identifier: GPL-2.0-only
/* 6.2: iommufd ops; mandatory when CONFIG_IOMMUFD=y */
#include "probe.h"
const struct vfio_device_ops p_ops = { .bind_iommufd = vfio_iommufd_physical_bind, .unbind_iommufd = vfio_iommufd_physical_unbind, .attach_ioas = vfio_iommufd_physical_attach_ioas, .detach_ioas = vfio_iommufd_physical_detach_ioas };
