// SPDX-License-Identifier: GPL-2.0-only
/* 6.12 (upstream 6.2): migration_get_data_size op (VFIO_DEVICE_FEATURE_MIG_DATA_SIZE) */
#include "probe.h"
static int p_size(struct vfio_device *v, unsigned long *len) { return 0; }
const struct vfio_migration_ops p_mig = { .migration_get_data_size = p_size };
