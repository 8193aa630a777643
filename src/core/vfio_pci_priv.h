/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared by the files of vfio-pci-core-dkms only. */
#ifndef VFIO_PCI_DKMS_PRIV_H
#define VFIO_PCI_DKMS_PRIV_H

#include "vfio_pci_core_dkms.h"

#define VFIO_PCI_OFFSET_SHIFT	40
#define VFIO_PCI_OFFSET_TO_INDEX(off)	((u64)(off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((u64)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK	(((u64)1 << VFIO_PCI_OFFSET_SHIFT) - 1)

/* vfio_pci_config.c */
int vfio_pci_config_init(struct vfio_pci_core_device *vdev);
void vfio_pci_config_free(struct vfio_pci_core_device *vdev);
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite);
bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vdev);

/* vfio_pci_rdwr.c */
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite);
void __iomem *vfio_pci_bar_claim(struct vfio_pci_core_device *vdev, int bar);
void vfio_pci_bars_release(struct vfio_pci_core_device *vdev);

/* vfio_pci_mmap.c */
int vfio_pci_mmap_file_create(struct vfio_pci_core_device *vdev);
void vfio_pci_mmap_file_destroy(struct vfio_pci_core_device *vdev);
void vfio_pci_zap_and_down_write_memory_lock(struct vfio_pci_core_device *vdev);
int vfio_pci_mmap_bar(struct vfio_pci_core_device *vdev,
		      struct vm_area_struct *vma);

/* compat/vfio_glue.c: registration with this kernel's vfio core */
struct vfio_pci_core_device *
vfio_glue_alloc(size_t size, struct device *dev);
void vfio_glue_put(struct vfio_pci_core_device *vdev);
int vfio_glue_register(struct vfio_pci_core_device *vdev);
void vfio_glue_unregister(struct vfio_pci_core_device *vdev);

#endif
