// SPDX-License-Identifier: GPL-2.0-only
/* 5.15: the VGA arbiter's decode callback takes the pci_dev, no cookie */
#include "probe.h"
#include <linux/vgaarb.h>
static unsigned int p_decode(struct pci_dev *d, bool single)
{
	return single;
}

int p_vga(struct pci_dev *d);
int p_vga(struct pci_dev *d)
{
	vga_client_unregister(d);
	return vga_client_register(d, p_decode);
}
