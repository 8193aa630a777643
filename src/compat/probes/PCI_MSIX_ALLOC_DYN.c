// SPDX-License-Identifier: GPL-2.0-only
/* 6.2: MSI-X vectors can be added one at a time while MSI-X is enabled */
#include "probe.h"
int p_dyn(struct pci_dev *d);
int p_dyn(struct pci_dev *d)
{
	struct msi_map m = pci_msix_alloc_irq_at(d, 0, NULL);

	return pci_msix_can_alloc_dyn(d) ? m.virq : m.index;
}
