/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for src/core/vfio_pci_priv.h, so that the core's
 * device-specific region code (src/core/vfio_pci_region.c) runs in a unit
 * test: the few kernel types it uses, and the region API exactly as
 * src/include/vfio_pci_core_dkms.h declares it.
 */
#ifndef SHIM_VFIO_PCI_PRIV_H
#define SHIM_VFIO_PCI_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define __user
#define PAGE_SHIFT	12
#define COMPAT_EXPORT_SYMBOL_NS_GPL(sym, ns)

#define VFIO_PCI_OFFSET_SHIFT	40
#define VFIO_PCI_OFFSET_TO_INDEX(off)	((u64)(off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((u64)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK	(((u64)1 << VFIO_PCI_OFFSET_SHIFT) - 1)

struct vm_area_struct {
	unsigned long vm_pgoff;
};

struct vfio_info_cap {
	struct vfio_info_cap_header *buf;
	size_t size;
};

/* The test's own, appending to caps->buf as the vfio core does. */
int vfio_info_add_capability(struct vfio_info_cap *caps,
			     struct vfio_info_cap_header *cap, size_t size);

struct vfio_pci_core_device;
struct vfio_pci_region;

struct vfio_pci_regops {
	ssize_t (*rw)(struct vfio_pci_core_device *vdev, char __user *buf,
		      size_t count, loff_t *ppos, bool iswrite);
	void (*release)(struct vfio_pci_core_device *vdev,
			struct vfio_pci_region *region);
	int (*mmap)(struct vfio_pci_core_device *vdev,
		    struct vfio_pci_region *region,
		    struct vm_area_struct *vma);
	int (*add_capability)(struct vfio_pci_core_device *vdev,
			      struct vfio_pci_region *region,
			      struct vfio_info_cap *caps);
};

struct vfio_pci_region {
	u32 type;
	u32 subtype;
	const struct vfio_pci_regops *ops;
	void *data;
	size_t size;
	u32 flags;
};

struct vfio_pci_core_device {
	struct vfio_pci_region *region;
	int num_regions;
};

int vfio_pci_core_register_dev_region(struct vfio_pci_core_device *vdev,
				      unsigned int type, unsigned int subtype,
				      const struct vfio_pci_regops *ops,
				      size_t size, u32 flags, void *data);
void vfio_pci_regions_release(struct vfio_pci_core_device *vdev);
int vfio_pci_region_info(struct vfio_pci_core_device *vdev,
			 struct vfio_region_info *info,
			 struct vfio_info_cap *caps);
ssize_t vfio_pci_region_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite);
int vfio_pci_region_mmap(struct vfio_pci_core_device *vdev,
			 struct vm_area_struct *vma);

#endif
