// SPDX-License-Identifier: GPL-2.0-only
/* 5.16: override-only device tables emit vfio_pci: aliases */
#include "probe.h"
const struct pci_device_id p_ids[] = { { PCI_DRIVER_OVERRIDE_DEVICE_VFIO(1, 2) }, { } };
