// SPDX-License-Identifier: GPL-2.0-only
/*
 * BAR mmap with memory-enable protection. Mappings are filled one page at a
 * time on fault, and only while the user has memory decode on; turning it
 * off (or closing the device) revokes every mapping at once.
 *
 * To revoke without walking each process's page tables under its mmap lock,
 * every BAR mapping of a device is moved to a private address space (the
 * inode of a small pseudo filesystem of ours) and revoked with
 * unmap_mapping_range(). The vfio device file of each mapping stays pinned
 * by the mapping, so the device stays open while it is mapped, exactly as
 * when the mapping keeps the device file.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/nospec.h>
#include <linux/pci.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>

#include "vfio_pci_priv.h"

#define VFIO_PCI_DKMS_FS_MAGIC	0x76666b64	/* "vfkd" */

static struct vfsmount *vfio_pci_mnt;
static int vfio_pci_mnt_count;

static int vfio_pci_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, VFIO_PCI_DKMS_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type vfio_pci_fs_type = {
	.owner = THIS_MODULE,
	.name = "vfio_pci_dkms",
	.init_fs_context = vfio_pci_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static const struct file_operations vfio_pci_mapping_fops = {
	.owner = THIS_MODULE,
};

int vfio_pci_mmap_file_create(struct vfio_pci_core_device *vdev)
{
	struct inode *inode;
	struct file *file;
	int ret;

	ret = simple_pin_fs(&vfio_pci_fs_type, &vfio_pci_mnt, &vfio_pci_mnt_count);
	if (ret)
		return ret;
	inode = alloc_anon_inode(vfio_pci_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto out_release_fs;
	}
	/* The file's final fput drops a module reference for fops->owner. */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, vfio_pci_mnt, "vfio-pci-dkms-bars",
				 O_RDWR, &vfio_pci_mapping_fops);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		iput(inode);
		ret = PTR_ERR(file);
		goto out_release_fs;
	}
	vdev->mmap_file = file;
	return 0;

out_release_fs:
	simple_release_fs(&vfio_pci_mnt, &vfio_pci_mnt_count);
	return ret;
}

void vfio_pci_mmap_file_destroy(struct vfio_pci_core_device *vdev)
{
	if (!vdev->mmap_file)
		return;
	fput(vdev->mmap_file);
	vdev->mmap_file = NULL;
	simple_release_fs(&vfio_pci_mnt, &vfio_pci_mnt_count);
}

void vfio_pci_zap_and_down_write_memory_lock(struct vfio_pci_core_device *vdev)
{
	down_write(&vdev->memory_lock);
	unmap_mapping_range(vdev->mmap_file->f_mapping, 0, 0, true);
}

/* Per mapping: keeps the vfio device file (and so the open device) alive. */
struct vfio_pci_mapping {
	struct kref ref;
	struct file *device_file;
	struct vfio_pci_core_device *vdev;
};

static void vfio_pci_mapping_free(struct kref *ref)
{
	struct vfio_pci_mapping *m = container_of(ref, struct vfio_pci_mapping, ref);

	fput(m->device_file);
	kfree(m);
}

static void vfio_pci_vm_open(struct vm_area_struct *vma)
{
	struct vfio_pci_mapping *m = vma->vm_private_data;

	kref_get(&m->ref);
}

static void vfio_pci_vm_close(struct vm_area_struct *vma)
{
	struct vfio_pci_mapping *m = vma->vm_private_data;

	kref_put(&m->ref, vfio_pci_mapping_free);
}

static vm_fault_t vfio_pci_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vfio_pci_mapping *m = vma->vm_private_data;
	struct vfio_pci_core_device *vdev = m->vdev;
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;
	int bar = vma->vm_pgoff >> shift;
	unsigned long pfn;
	vm_fault_t ret;

	pfn = (pci_resource_start(vdev->pdev, bar) >> PAGE_SHIFT) +
	      (vma->vm_pgoff & ((1UL << shift) - 1)) +
	      ((vmf->address - vma->vm_start) >> PAGE_SHIFT);

	down_read(&vdev->memory_lock);
	if (vfio_pci_memory_enabled(vdev))
		ret = vmf_insert_pfn(vma, vmf->address, pfn);
	else
		ret = VM_FAULT_SIGBUS;	/* decode off: the device would not answer */
	up_read(&vdev->memory_lock);
	return ret;
}

static const struct vm_operations_struct vfio_pci_vm_ops = {
	.open = vfio_pci_vm_open,
	.close = vfio_pci_vm_close,
	.fault = vfio_pci_vm_fault,
};

int vfio_pci_mmap_bar(struct vfio_pci_core_device *vdev,
		      struct vm_area_struct *vma)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;
	unsigned int bar = vma->vm_pgoff >> shift;
	u64 start, len, size;
	struct vfio_pci_mapping *m;
	void __iomem *io;

	if (vma->vm_end < vma->vm_start || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	bar = array_index_nospec(bar, PCI_STD_NUM_BARS);
	if (!vdev->bar_mmappable[bar])
		return -EINVAL;

	/* A sub-page BAR maps its whole (reserved) page. */
	size = PAGE_ALIGN(pci_resource_len(pdev, bar));
	start = (u64)(vma->vm_pgoff & ((1UL << shift) - 1)) << PAGE_SHIFT;
	len = vma->vm_end - vma->vm_start;
	if (start >= size || len > size - start)
		return -EINVAL;

	/* Claim the BAR as read/write would, so no host driver can. */
	io = vfio_pci_bar_claim(vdev, bar);
	if (IS_ERR(io))
		return PTR_ERR(io);

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	kref_init(&m->ref);
	m->device_file = get_file(vma->vm_file);
	m->vdev = vdev;

	vma->vm_private_data = m;
	/* Device memory: uncached, and never encrypted (SEV guests). */
	vma->vm_page_prot = pgprot_decrypted(pgprot_noncached(vma->vm_page_prot));
	compat_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vfio_pci_vm_ops;
	compat_vma_set_file(vma, vdev->mmap_file);
	return 0;
}
