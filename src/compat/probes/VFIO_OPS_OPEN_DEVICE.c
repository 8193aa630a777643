// SPDX-License-Identifier: GPL-2.0-only
/* 6.1: ops take struct vfio_device * and open_device/close_device run on first open/last close */
#include "probe.h"
static int p_open(struct vfio_device *v) { return 0; }
static void p_close(struct vfio_device *v) { }
static int p_init(struct vfio_device *v) { return 0; }
static void p_release(struct vfio_device *v) { }
const struct vfio_device_ops p_ops = { .open_device = p_open, .close_device = p_close, .init = p_init, .release = p_release };
