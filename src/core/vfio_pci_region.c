// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-specific regions: the regions a driver adds after the fixed ones
 * (index VFIO_PCI_NUM_REGIONS + i), each with its type/subtype capability
 * and its own read/write, mmap and extra capabilities (upstream
 * vfio_pci_core_register_dev_region() and struct vfio_pci_regops). Every
 * driver built on the core inherits them; they live for one open of the
 * device, as upstream.
 */
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

int vfio_pci_core_register_dev_region(struct vfio_pci_core_device *vdev,
				      unsigned int type, unsigned int subtype,
				      const struct vfio_pci_regops *ops,
				      size_t size, u32 flags, void *data)
{
	struct vfio_pci_region *region;

	if (!ops || !ops->rw)
		return -EINVAL;
	/* The user addresses a region through 40 bits of file offset. */
	if (size > VFIO_PCI_OFFSET_MASK + 1)
		return -EINVAL;
	/* Indices beyond the fixed ones must fit the offset's index bits. */
	if (vdev->num_regions >= 64)
		return -ENOSPC;

	region = krealloc(vdev->region,
			  (vdev->num_regions + 1) * sizeof(*region),
			  GFP_KERNEL_ACCOUNT);
	if (!region)
		return -ENOMEM;

	vdev->region = region;
	vdev->region[vdev->num_regions] = (struct vfio_pci_region) {
		.type = type,
		.subtype = subtype,
		.ops = ops,
		.data = data,
		.size = size,
		.flags = flags,
	};
	vdev->num_regions++;
	return 0;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_register_dev_region, VFIO_PCI_DKMS);

/* Called at close and at release: each region's release runs once. */
void vfio_pci_regions_release(struct vfio_pci_core_device *vdev)
{
	int i;

	for (i = 0; i < vdev->num_regions; i++)
		if (vdev->region[i].ops->release)
			vdev->region[i].ops->release(vdev, &vdev->region[i]);
	vdev->num_regions = 0;
	kfree(vdev->region);
	vdev->region = NULL;
}

/* The region behind a device-specific index, or NULL. */
static struct vfio_pci_region *
vfio_pci_region_get(struct vfio_pci_core_device *vdev, u64 index)
{
	u64 i;

	if (index < VFIO_PCI_NUM_REGIONS ||
	    index - VFIO_PCI_NUM_REGIONS >= (u64)vdev->num_regions)
		return NULL;
	i = array_index_nospec(index - VFIO_PCI_NUM_REGIONS,
			       (u64)vdev->num_regions);
	return &vdev->region[i];
}

int vfio_pci_region_info(struct vfio_pci_core_device *vdev,
			 struct vfio_region_info *info,
			 struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_type cap_type = {
		.header.id = VFIO_REGION_INFO_CAP_TYPE,
		.header.version = 1,
	};
	struct vfio_pci_region *region;
	int ret;

	region = vfio_pci_region_get(vdev, info->index);
	if (!region)
		return -EINVAL;

	info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
	info->size = region->size;
	info->flags = region->flags;
	cap_type.type = region->type;
	cap_type.subtype = region->subtype;
	ret = vfio_info_add_capability(caps, &cap_type.header,
				       sizeof(cap_type));
	if (ret)
		return ret;
	if (region->ops->add_capability)
		return region->ops->add_capability(vdev, region, caps);
	return 0;
}

ssize_t vfio_pci_region_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite)
{
	struct vfio_pci_region *region;

	region = vfio_pci_region_get(vdev, VFIO_PCI_OFFSET_TO_INDEX(*ppos));
	if (!region)
		return -EINVAL;
	if (iswrite ? !(region->flags & VFIO_REGION_INFO_FLAG_WRITE) :
		      !(region->flags & VFIO_REGION_INFO_FLAG_READ))
		return -EINVAL;
	return region->ops->rw(vdev, buf, count, ppos, iswrite);
}

int vfio_pci_region_mmap(struct vfio_pci_core_device *vdev,
			 struct vm_area_struct *vma)
{
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;
	struct vfio_pci_region *region;

	region = vfio_pci_region_get(vdev, vma->vm_pgoff >> shift);
	if (!region || !region->ops->mmap ||
	    !(region->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	return region->ops->mmap(vdev, region, vma);
}
