// SPDX-License-Identifier: GPL-2.0-only
/* 6.1: migration v2 driver ops on struct vfio_device, vfio_mig_get_next_state() */
#include "probe.h"
static const struct vfio_migration_ops p_mig;
static int __maybe_unused p_next(struct vfio_device *v, enum vfio_device_mig_state *n)
{
	v->mig_ops = &p_mig;
	v->migration_flags = VFIO_MIGRATION_STOP_COPY;
	return vfio_mig_get_next_state(v, VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP, n);
}
