// SPDX-License-Identifier: GPL-2.0-only
/* 5.19: the driver, not the driver core, claims DMA ownership of the group */
#include "probe.h"
struct pci_driver p_drv = { .driver_managed_dma = true };
