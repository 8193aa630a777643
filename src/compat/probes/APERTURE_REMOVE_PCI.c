// SPDX-License-Identifier: GPL-2.0-only
/* 6.0: one call removes the firmware framebuffers and vgacon on a PCI device */
#include "probe.h"
#include <linux/aperture.h>
int p_ap(struct pci_dev *d);
int p_ap(struct pci_dev *d)
{
	return aperture_remove_conflicting_pci_devices(d, "probe");
}
