/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared by the files of vfio-pci-core-dkms only. */
#ifndef VFIO_PCI_DKMS_PRIV_H
#define VFIO_PCI_DKMS_PRIV_H

#include <linux/interrupt.h>

#include "vfio_pci_core_dkms.h"

/* vfio_pci_config.c */
int vfio_pci_config_init(struct vfio_pci_core_device *vdev);
void vfio_pci_config_free(struct vfio_pci_core_device *vdev);
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite);
bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vdev);

/* D3hot or D3cold: the device does not decode memory or I/O. */
static inline bool vfio_pci_state_is_d3(pci_power_t state)
{
	return (__force int)state >= (__force int)PCI_D3hot;
}

/* The device decodes nothing: in D3, or parked by its user (low power). */
static inline bool vfio_pci_parked(struct vfio_pci_core_device *vdev)
{
	return vfio_pci_state_is_d3(vdev->pdev->current_state) || vdev->low_power;
}

/*
 * Whether the device has an INTx line the user can have: a VF never does
 * (SR-IOV), nor a function whose line the platform did not route. Without
 * one, the virtual interrupt pin reads 0 and the INTx index is empty.
 */
static inline bool vfio_pci_intx_usable(struct pci_dev *pdev)
{
	return !pdev->is_virtfn && pdev->irq && pdev->irq != IRQ_NOTCONNECTED;
}

/* vfio_pci_core.c */
void vfio_pci_idle(struct vfio_pci_core_device *vdev);
void vfio_pci_wake(struct vfio_pci_core_device *vdev);
int vfio_pci_set_power_state(struct vfio_pci_core_device *vdev,
			     pci_power_t state);
int vfio_pci_enable_sriov_d0(struct vfio_pci_core_device *vdev, int nr_virtfn);
int vfio_pci_check_feature(u32 flags, size_t argsz, u32 supported,
			   size_t minsz);

/* vfio_pci_sriov.c */
int vfio_pci_sriov_init(struct vfio_pci_core_device *vdev);
void vfio_pci_sriov_uninit(struct vfio_pci_core_device *vdev);
void vfio_pci_sriov_open(struct vfio_pci_core_device *vdev);
void vfio_pci_sriov_close(struct vfio_pci_core_device *vdev);
int vfio_pci_sriov_feature_token(struct vfio_pci_core_device *vdev, u32 flags,
				 void __user *arg, size_t argsz);

/* vfio_pci_rdwr.c */
ssize_t vfio_pci_do_io_rw(void __iomem *io, char __user *buf, u64 pos,
			  size_t count, u64 xs, u64 xe, bool iswrite);
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite);
void __iomem *vfio_pci_bar_claim(struct vfio_pci_core_device *vdev, int bar);
void vfio_pci_bars_release(struct vfio_pci_core_device *vdev);
int vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vdev,
			     struct vfio_device_ioeventfd __user *arg);
void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vdev);
size_t vfio_pci_rom_size(struct vfio_pci_core_device *vdev);
ssize_t vfio_pci_rom_read(struct vfio_pci_core_device *vdev, char __user *buf,
			  size_t count, loff_t *ppos);

/* vfio_pci_intrs.c */
bool vfio_pci_msix_dynamic(struct vfio_pci_core_device *vdev);
int vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev,
			    struct vfio_irq_set __user *arg);
void vfio_pci_irqs_init(struct vfio_pci_core_device *vdev);
void vfio_pci_irqs_uninit(struct vfio_pci_core_device *vdev);
void vfio_pci_irqs_open(struct vfio_pci_core_device *vdev);
void vfio_pci_irqs_close(struct vfio_pci_core_device *vdev);
void vfio_pci_irqs_after_reset(struct vfio_pci_core_device *vdev);
void vfio_pci_intx_command_written(struct vfio_pci_core_device *vdev);
void vfio_pci_msi_flags_written(struct vfio_pci_core_device *vdev, int cap);
u32 vfio_pci_irq_count(struct vfio_pci_core_device *vdev, int index);

/* vfio_pci_region.c: device-specific regions */
void vfio_pci_regions_release(struct vfio_pci_core_device *vdev);
int vfio_pci_region_info(struct vfio_pci_core_device *vdev,
			 struct vfio_region_info *info,
			 struct vfio_info_cap *caps);
ssize_t vfio_pci_region_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite);
int vfio_pci_region_mmap(struct vfio_pci_core_device *vdev,
			 struct vm_area_struct *vma);

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
int vfio_glue_set_assign(struct vfio_pci_core_device *vdev, void *key);
void vfio_glue_set_leave(struct vfio_pci_core_device *vdev);
struct mutex *vfio_glue_set_lock(struct vfio_pci_core_device *vdev);
struct vfio_pci_core_device *
vfio_glue_set_next(struct vfio_pci_core_device *vdev,
		   struct vfio_pci_core_device *cur);
unsigned int vfio_glue_open_count(struct vfio_pci_core_device *vdev);
int vfio_glue_group_file_check(struct file *file);
bool vfio_glue_group_file_has_dev(struct file *file,
				  struct vfio_pci_core_device *vdev);
int vfio_glue_vga_register(struct pci_dev *pdev);
void vfio_glue_vga_unregister(struct pci_dev *pdev);

/* vfio_pci_vga.c: the legacy VGA region and the VGA arbiter client */
int vfio_pci_vga_init(struct vfio_pci_core_device *vdev);
void vfio_pci_vga_uninit(struct vfio_pci_core_device *vdev);
unsigned int vfio_pci_vga_decodes(struct pci_dev *pdev, bool single_vga);
int vfio_pci_vga_region_info(struct vfio_pci_core_device *vdev,
			     struct vfio_region_info *info);
ssize_t vfio_pci_vga_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite);

/* vfio_pci_reset.c: slot/bus reset sets and VFIO_DEVICE_PCI_HOT_RESET */
int vfio_pci_reset_set_join(struct vfio_pci_core_device *vdev);
int vfio_pci_ioctl_pci_hot_reset(struct vfio_pci_core_device *vdev,
				 struct vfio_pci_hot_reset __user *arg);
void vfio_pci_set_try_reset(struct vfio_pci_core_device *vdev);

#endif
