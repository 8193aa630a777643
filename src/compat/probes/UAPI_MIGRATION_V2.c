// SPDX-License-Identifier: GPL-2.0-only
/* 6.1 uAPI: enum vfio_device_mig_state (5.10 has the v1 region's bit macros) */
#include "probe.h"
static enum vfio_device_mig_state p_state = VFIO_DEVICE_STATE_RUNNING_P2P;
static int __maybe_unused p_get(void) { return p_state + VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE; }
