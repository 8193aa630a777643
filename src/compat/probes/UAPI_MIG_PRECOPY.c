// SPDX-License-Identifier: GPL-2.0-only
/* 6.12 uAPI (upstream 6.2): PRE_COPY states and VFIO_MIG_GET_PRECOPY_INFO */
#include "probe.h"
static struct vfio_precopy_info p_info = { .flags = VFIO_MIGRATION_PRE_COPY };
static unsigned long __maybe_unused p_get(void)
{
	return p_info.flags + VFIO_DEVICE_STATE_PRE_COPY_P2P + VFIO_MIG_GET_PRECOPY_INFO;
}
