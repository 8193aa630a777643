// SPDX-License-Identifier: GPL-2.0-only
/* before the aperture helpers: fbdev removes framebuffers on a PCI device */
#include "probe.h"
#include <linux/fb.h>
int p_fb(struct pci_dev *d);
int p_fb(struct pci_dev *d)
{
	return remove_conflicting_pci_framebuffers(d, "probe");
}
