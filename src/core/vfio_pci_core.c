// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci-core-dkms: device lifecycle, ioctl and region dispatch, and
 * registration with the kernel's vfio core. Policy (module parameters, which
 * devices to bind) belongs to the drivers built on this library.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"
#include "config_space.h"

struct vfio_pci_core_device *
_vfio_pci_alloc_device(size_t size, struct device *dev,
		       const struct vfio_pci_core_ops *ops)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	if (WARN_ON(size < sizeof(*vdev) || !ops || !ops->open_device ||
		    !ops->close_device || !ops->read || !ops->write ||
		    !ops->ioctl || !ops->mmap || !ops->get_region_info_caps))
		return ERR_PTR(-EINVAL);

	vdev = vfio_glue_alloc(size, dev);
	if (IS_ERR(vdev))
		return vdev;
	vdev->ops = ops;
	ret = ops->init ? ops->init(&vdev->vdev) :
			  vfio_pci_core_init_dev(&vdev->vdev);
	if (ret) {
		vfio_glue_put(vdev);
		return ERR_PTR(ret);
	}
	vdev->initialized = true;
	return vdev;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(_vfio_pci_alloc_device, VFIO_PCI_DKMS);

void vfio_pci_put_device(struct vfio_pci_core_device *vdev)
{
	vfio_glue_put(vdev);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_put_device, VFIO_PCI_DKMS);

int vfio_pci_core_init_dev(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);

	vdev->pdev = to_pci_dev(core_vdev->dev);
	vdev->msix_bar = -1;
	mutex_init(&vdev->open_lock);
	init_rwsem(&vdev->memory_lock);
	mutex_init(&vdev->ioeventfds_lock);
	INIT_LIST_HEAD(&vdev->ioeventfds);
	vfio_pci_irqs_init(vdev);
	return vfio_pci_mmap_file_create(vdev);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_init_dev, VFIO_PCI_DKMS);

void vfio_pci_core_release_dev(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);

	vfio_pci_regions_release(vdev);	/* registered but never opened */
	vfio_pci_mmap_file_destroy(vdev);
	vfio_pci_irqs_uninit(vdev);
	mutex_destroy(&vdev->open_lock);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_release_dev, VFIO_PCI_DKMS);

int vfio_pci_core_register_device(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	/* Drivers must set drvdata to the core device (see the generic driver). */
	if (WARN_ON(vdev != dev_get_drvdata(&pdev->dev)))
		return -EINVAL;
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_info(pdev, "refusing a bridge or card bus device (header type %u)\n",
			 pdev->hdr_type);
		return -EINVAL;
	}
	/* As the in-tree core of 7.2: migration needs the whole set of ops. */
	if (vdev->mig_ops &&
	    (!vdev->mig_ops->migration_set_state ||
	     !vdev->mig_ops->migration_get_state ||
	     !vdev->mig_ops->migration_get_data_size ||
	     !(vdev->migration_flags & VFIO_MIGRATION_STOP_COPY))) {
		pci_warn(pdev, "driver %s: incomplete migration ops or flags, refused\n",
			 vdev->ops->name);
		return -EINVAL;
	}
	ret = vfio_pci_vga_init(vdev);
	if (ret)
		return ret;
	ret = vfio_pci_sriov_init(vdev);
	if (ret)
		goto out_vga;
	ret = vfio_pci_reset_set_join(vdev);
	if (ret)
		goto out_sriov;
	/* Idle until opened; before registering, so no user can race it. */
	vfio_pci_idle(vdev);
	ret = vfio_glue_register(vdev);
	if (!ret)
		return 0;
	vfio_pci_wake(vdev);
	vfio_glue_set_leave(vdev);
out_sriov:
	vfio_pci_sriov_uninit(vdev);
out_vga:
	vfio_pci_vga_uninit(vdev);
	return ret;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_register_device, VFIO_PCI_DKMS);

void vfio_pci_core_unregister_device(struct vfio_pci_core_device *vdev)
{
	vfio_pci_core_sriov_configure(vdev, 0);
	vfio_glue_unregister(vdev);
	/* The next driver gets the device in D0. */
	vfio_pci_wake(vdev);
	vfio_glue_set_leave(vdev);
	vfio_pci_sriov_uninit(vdev);
	vfio_pci_vga_uninit(vdev);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_unregister_device, VFIO_PCI_DKMS);

void vfio_pci_core_add_ids(struct pci_driver *driver, char *ids)
{
	const char *name = driver->driver.mod_name ?: driver->name;
	char *p = ids, *id;

	while ((id = strsep(&p, ","))) {
		unsigned int vendor, device, subvendor = PCI_ANY_ID,
			subdevice = PCI_ANY_ID, class = 0, class_mask = 0;
		int fields, ret;

		if (!*id)
			continue;
		fields = sscanf(id, "%x:%x:%x:%x:%x:%x", &vendor, &device,
				&subvendor, &subdevice, &class, &class_mask);
		if (fields < 2) {
			pr_warn("%s: ids=: invalid id string \"%s\", skipped\n",
				name, id);
			continue;
		}
		ret = pci_add_dynid(driver, vendor, device, subvendor,
				    subdevice, class, class_mask, 0);
		if (ret)
			pr_warn("%s: ids=: failed to add dynamic id %04x:%04x (%d)\n",
				name, vendor, device, ret);
		else
			pr_info("%s: add [%04x:%04x[%04x:%04x]] class %#08x/%08x\n",
				name, vendor, device, subvendor, subdevice,
				class, class_mask);
	}
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_add_ids, VFIO_PCI_DKMS);

/* Where is the MSI-X table? The user may neither touch nor map it. */
static void vfio_pci_find_msix(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u32 table;
	u16 flags;
	int pos;

	vdev->msix_bar = -1;
	pos = pdev->msix_cap;
	if (!pos)
		return;
	pci_read_config_word(pdev, pos + PCI_MSIX_FLAGS, &flags);
	pci_read_config_dword(pdev, pos + PCI_MSIX_TABLE, &table);
	vdev->msix_bar = table & PCI_MSIX_TABLE_BIR;
	vdev->msix_offset = table & PCI_MSIX_TABLE_OFFSET;
	vdev->msix_size = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) * PCI_MSIX_ENTRY_SIZE;
}

/*
 * Power state changes, with memory_lock held for writing (mappings already
 * revoked when going to D3). A device that loses its state in D3hot
 * (No_Soft_Reset clear) gets it back on the way to D0, as the PCI spec
 * requires software to do; *restored says so, and the caller must then
 * re-sync interrupt masking (vfio_pci_irqs_after_reset) once unlocked.
 */
static int __vfio_pci_set_power_state(struct vfio_pci_core_device *vdev,
				      pci_power_t state, bool *restored)
{
	struct pci_dev *pdev = vdev->pdev;
	bool restore = false;
	u16 pmcsr;
	int ret;

	*restored = false;
	/* VFs need their PF powered. */
	if (pci_num_vf(pdev) && state != PCI_D0)
		return -EBUSY;

	if (pdev->pm_cap) {
		pci_read_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL, &pmcsr);
		if (!(pmcsr & PCI_PM_CTRL_NO_SOFT_RESET)) {
			if (vfio_pci_state_is_d3(state) &&
			    !vfio_pci_state_is_d3(pdev->current_state)) {
				pci_save_state(pdev);
				kfree(vdev->pm_saved_state);
				vdev->pm_saved_state = pci_store_saved_state(pdev);
			} else if (state == PCI_D0 &&
				   vfio_pci_state_is_d3(pdev->current_state)) {
				restore = true;
			}
		}
	}

	ret = pci_set_power_state(pdev, state);
	*restored = !ret && restore && vdev->pm_saved_state;
	if (*restored) {
		pci_load_and_free_saved_state(pdev, &vdev->pm_saved_state);
		pci_restore_state(pdev);
	}
	return ret;
}

/* Power state changes asked for by the user (PM capability) or by us. */
int vfio_pci_set_power_state(struct vfio_pci_core_device *vdev,
			     pci_power_t state)
{
	bool restored;
	int ret;

	if (vfio_pci_state_is_d3(state))
		vfio_pci_zap_and_down_write_memory_lock(vdev);
	else
		down_write(&vdev->memory_lock);
	ret = __vfio_pci_set_power_state(vdev, state, &restored);
	up_write(&vdev->memory_lock);
	if (restored)
		vfio_pci_irqs_after_reset(vdev);
	return ret;
}

/* SR-IOV enable with the PF in D0, which a user PM write cannot undo. */
int vfio_pci_enable_sriov_d0(struct vfio_pci_core_device *vdev, int nr_virtfn)
{
	bool restored;
	int ret;

	down_write(&vdev->memory_lock);
	__vfio_pci_set_power_state(vdev, PCI_D0, &restored);
	ret = pci_enable_sriov(vdev->pdev, nr_virtfn);
	up_write(&vdev->memory_lock);
	if (restored)
		vfio_pci_irqs_after_reset(vdev);
	return ret;
}

/*
 * Idle D3: a device no user has open waits in D3hot, as on the in-tree
 * driver, unless its driver set disable_idle_d3. Open wakes it (through
 * vfio_pci_core_enable), the last close puts it back, unregistering wakes
 * it for the next driver. Resets that take an idle device wake it first.
 */
void vfio_pci_idle(struct vfio_pci_core_device *vdev)
{
	if (vdev->disable_idle_d3)
		return;
	/*
	 * After a driver's removal some kernels (5.10) leave the power state
	 * unknown, from which the PCI core allows only a move to D0.
	 */
	if (vdev->pdev->current_state == PCI_UNKNOWN)
		pci_set_power_state(vdev->pdev, PCI_D0);
	vfio_pci_set_power_state(vdev, PCI_D3hot);
}

/* Back to D0 without touching interrupt state: the device is not open. */
void vfio_pci_wake(struct vfio_pci_core_device *vdev)
{
	bool restored;

	down_write(&vdev->memory_lock);
	__vfio_pci_set_power_state(vdev, PCI_D0, &restored);
	kfree(vdev->pm_saved_state);
	vdev->pm_saved_state = NULL;
	up_write(&vdev->memory_lock);
}

/*
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY/EXIT: the user parks an idle device.
 * While parked, the BARs are off limits (-EIO, SIGBUS) even on a device
 * without power management, as on the in-tree driver.
 */
static int vfio_pci_low_power_entry(struct vfio_pci_core_device *vdev)
{
	bool restored;

	vfio_pci_zap_and_down_write_memory_lock(vdev);
	if (vdev->low_power) {
		up_write(&vdev->memory_lock);
		return -EINVAL;
	}
	vdev->low_power = true;
	__vfio_pci_set_power_state(vdev, PCI_D3hot, &restored);
	up_write(&vdev->memory_lock);
	return 0;
}

static void vfio_pci_low_power_exit(struct vfio_pci_core_device *vdev)
{
	bool restored = false;

	down_write(&vdev->memory_lock);
	if (vdev->low_power) {
		__vfio_pci_set_power_state(vdev, PCI_D0, &restored);
		vdev->low_power = false;
	}
	up_write(&vdev->memory_lock);
	if (restored)
		vfio_pci_irqs_after_reset(vdev);
}

/*
 * The feature-argument rules of the vfio core: PROBE answers 0 for a
 * supported operation, otherwise exactly one supported GET/SET with at
 * least @minsz bytes of payload; 1 means "go ahead".
 */
int vfio_pci_check_feature(u32 flags, size_t argsz, u32 supported,
			   size_t minsz)
{
	if ((flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) & ~supported)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		return -EINVAL;
	return argsz < minsz ? -EINVAL : 1;
}

/* VFIO_DEVICE_FEATURE, after the vfio core (or our 5.10 glue) checked the header. */
int vfio_pci_core_ioctl_feature(struct vfio_device *core_vdev, u32 flags,
				void __user *arg, size_t argsz)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	int ret;

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		ret = vfio_pci_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		return ret != 1 ? ret : vfio_pci_low_power_entry(vdev);
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		ret = vfio_pci_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		if (ret != 1)
			return ret;
		vfio_pci_low_power_exit(vdev);
		return 0;
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
		return vfio_pci_sriov_feature_token(vdev, flags, arg, argsz);
	default:
		/*
		 * Wake-up on PME needs PME, which the user never gets (see
		 * the PM capability).
		 */
		return -ENOTTY;
	}
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_ioctl_feature, VFIO_PCI_DKMS);

int vfio_pci_core_enable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	vfio_pci_wake(vdev);
	ret = pci_enable_device(pdev);
	if (ret)
		goto out_idle;

	/*
	 * Give the user a clean device, and learn whether it can be reset at
	 * all. -EAGAIN means someone holds the device lock: fail the open
	 * rather than hand over a device in an unknown state.
	 */
	ret = pci_try_reset_function(pdev);
	if (ret == -EAGAIN)
		goto out_disable_device_only;
	vdev->reset_works = !ret;

	/* No DMA until the user turns it on (firmware may have left it on). */
	pci_clear_master(pdev);
	pci_save_state(pdev);
	vdev->pci_saved_state = pci_store_saved_state(pdev);
	if (!vdev->pci_saved_state)
		pci_dbg(pdev, "could not store the device's config state\n");

	ret = vfio_pci_config_init(vdev);
	if (ret)
		goto out_disable_device;

	vfio_pci_find_msix(vdev);
	vfio_pci_irqs_open(vdev);
	return 0;

out_disable_device:
	kfree(vdev->pci_saved_state);
	vdev->pci_saved_state = NULL;
out_disable_device_only:
	pci_disable_device(pdev);
out_idle:
	vfio_pci_idle(vdev);
	return ret;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_enable, VFIO_PCI_DKMS);

/*
 * A BAR smaller than a page can be mapped only if nothing else can ever
 * live in the rest of its page: reserve that remainder for as long as the
 * device is open.
 */
static bool vfio_pci_reserve_subpage(struct vfio_pci_core_device *vdev, int bar)
{
	struct resource *res = &vdev->pdev->resource[bar], *dummy;

	if (res->start & ~PAGE_MASK || !res->parent)
		return false;	/* we could not tell the user where it starts */
	dummy = kzalloc(sizeof(*dummy), GFP_KERNEL);
	if (!dummy)
		return false;
	dummy->name = "vfio-pci-dkms sub-page reserved";
	dummy->start = res->end + 1;
	dummy->end = res->start + PAGE_SIZE - 1;
	dummy->flags = res->flags;
	if (request_resource(res->parent, dummy)) {
		kfree(dummy);
		return false;
	}
	vdev->subpage_reserved[bar] = dummy;
	return true;
}

static void vfio_pci_release_subpages(struct vfio_pci_core_device *vdev)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!vdev->subpage_reserved[bar])
			continue;
		release_resource(vdev->subpage_reserved[bar]);
		kfree(vdev->subpage_reserved[bar]);
		vdev->subpage_reserved[bar] = NULL;
	}
}

/*
 * Decide which BARs may be mapped: memory BARs of at least a page, or a
 * page-aligned smaller one whose page we can reserve. The MSI-X table is
 * mappable too (and reported so): with interrupt remapping, which the
 * type1 IOMMU backend requires, a rogue MSI write cannot reach another
 * device's interrupts. Read/write access still never touches the table.
 */
void vfio_pci_core_finish_enable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		resource_size_t len = pci_resource_len(pdev, bar);

		vdev->bar_mmappable[bar] = false;
		if (!len || !(pci_resource_flags(pdev, bar) & IORESOURCE_MEM))
			continue;
		if (len >= PAGE_SIZE)
			vdev->bar_mmappable[bar] = true;
		else
			vdev->bar_mmappable[bar] = vfio_pci_reserve_subpage(vdev, bar);
	}
	vfio_pci_sriov_open(vdev);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_finish_enable, VFIO_PCI_DKMS);

void vfio_pci_core_disable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	/* No mapping may outlive the open: revoke them all first. */
	vfio_pci_zap_and_down_write_memory_lock(vdev);
	up_write(&vdev->memory_lock);

	/* The user may have left it in D3: the host gets it back in D0. */
	vfio_pci_low_power_exit(vdev);
	vfio_pci_set_power_state(vdev, PCI_D0);
	kfree(vdev->pm_saved_state);
	vdev->pm_saved_state = NULL;

	pci_clear_master(pdev);
	vfio_pci_irqs_close(vdev);
	vfio_pci_ioeventfds_release(vdev);
	vfio_pci_bars_release(vdev);
	vfio_pci_release_subpages(vdev);
	vfio_pci_config_free(vdev);
	vfio_pci_regions_release(vdev);
	pci_disable_device(pdev);

	/* Put back the config state the host had before the user came. */
	if (vdev->pci_saved_state) {
		pci_load_and_free_saved_state(pdev, &vdev->pci_saved_state);
		pci_restore_state(pdev);
	}
	vdev->pci_saved_state = NULL;

	/*
	 * Scrub whatever the user left inside the device (queues, DMA
	 * descriptors); the reset saves and restores the config state just
	 * put back, so the host gets the device as it was.
	 */
	if (vdev->reset_works && pci_try_reset_function(pdev))
		pci_dbg(pdev, "could not reset the device after its last close\n");
	vfio_pci_set_try_reset(vdev);
	vfio_pci_idle(vdev);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_disable, VFIO_PCI_DKMS);

int vfio_pci_core_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	return 0;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_open_device, VFIO_PCI_DKMS);

void vfio_pci_core_close_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);

	vfio_pci_sriov_close(vdev);
	vfio_pci_core_disable(vdev);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_close_device, VFIO_PCI_DKMS);

static int vfio_pci_ioctl_get_info(struct vfio_pci_core_device *vdev,
				   struct vfio_device_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (vdev->reset_works)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS + vdev->num_regions;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* Tell the user the MSI-X table may be mapped (see finish_enable). */
static int vfio_pci_add_msix_mappable_cap(struct vfio_info_cap *caps)
{
	struct vfio_info_cap_header header = {
		.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
		.version = 1,
	};

	return vfio_info_add_capability(caps, &header, sizeof(header));
}

int vfio_pci_ioctl_get_region_info(struct vfio_device *core_vdev,
				   struct vfio_region_info *info,
				   struct vfio_info_cap *caps)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	struct pci_dev *pdev = vdev->pdev;

	switch (info->index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
		info->size = pdev->cfg_size;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		return 0;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info->index = array_index_nospec(info->index, PCI_STD_NUM_BARS);
		info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
		info->size = pci_resource_len(pdev, info->index);
		if (!info->size) {
			info->flags = 0;
			return 0;
		}
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		if (!vdev->bar_mmappable[info->index])
			return 0;
		info->flags |= VFIO_REGION_INFO_FLAG_MMAP;
		if (info->index == vdev->msix_bar)
			return vfio_pci_add_msix_mappable_cap(caps);
		return 0;
	case VFIO_PCI_ROM_REGION_INDEX:
		info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
		info->size = vfio_pci_rom_size(vdev);
		info->flags = info->size ? VFIO_REGION_INFO_FLAG_READ : 0;
		return 0;
	case VFIO_PCI_VGA_REGION_INDEX:
		return vfio_pci_vga_region_info(vdev, info);
	default:
		return vfio_pci_region_info(vdev, info, caps);
	}
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_ioctl_get_region_info, VFIO_PCI_DKMS);

/* How many vectors each interrupt index offers; 0 = none. */
u32 vfio_pci_irq_count(struct vfio_pci_core_device *vdev, int index)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 flags;
	u8 pin;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (!vfio_pci_intx_usable(pdev))
			return 0;
		pci_read_config_byte(pdev, PCI_INTERRUPT_PIN, &pin);
		return pin ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (!pdev->msi_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS, &flags);
		return 1 << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (!pdev->msix_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &flags);
		return (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pci_is_pcie(pdev) ? 1 : 0;
	default:	/* VFIO_PCI_REQ_IRQ_INDEX */
		return 1;
	}
}

static int vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vdev,
				       struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	/* The error interrupt exists only where AER does: PCI Express. */
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX && !pci_is_pcie(vdev->pdev))
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = vfio_pci_irq_count(vdev, info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index != VFIO_PCI_MSIX_IRQ_INDEX ||
		 !vfio_pci_msix_dynamic(vdev))
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int vfio_pci_ioctl_reset(struct vfio_pci_core_device *vdev)
{
	int ret;

	if (!vdev->reset_works)
		return -EINVAL;
	/* Mappings go first: nothing may touch the BARs while they reset. */
	vfio_pci_zap_and_down_write_memory_lock(vdev);
	ret = pci_try_reset_function(vdev->pdev);
	up_write(&vdev->memory_lock);
	vfio_pci_irqs_after_reset(vdev);
	return ret;
}

struct hot_reset_walk {
	struct pci_slot *slot;		/* NULL: the whole bus */
	struct vfio_pci_dependent_device *devices;
	u32 count, max;
	int ret;
};

static int hot_reset_walk_one(struct pci_dev *pdev, void *data)
{
	struct hot_reset_walk *w = data;
	struct iommu_group *group;

	if (w->slot && pdev->slot != w->slot)
		return 0;
	if (w->count < w->max) {
		struct vfio_pci_dependent_device *d = &w->devices[w->count];

		group = iommu_group_get(&pdev->dev);
		if (!group) {
			w->ret = -EPERM;	/* a device no IOMMU isolates */
			return 1;
		}
		d->group_id = iommu_group_id(group);
		iommu_group_put(group);
		d->segment = pci_domain_nr(pdev->bus);
		d->bus = pdev->bus->number;
		d->devfn = pdev->devfn;
	}
	w->count++;
	return 0;
}

/*
 * Which devices a bus or slot reset of this device would also reset, with
 * their IOMMU groups: the user must own all of them to ask for the reset.
 */
static int vfio_pci_ioctl_hot_reset_info(struct vfio_pci_core_device *vdev,
					 struct vfio_pci_hot_reset_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset_info, count);
	struct vfio_pci_hot_reset_info hdr;
	struct pci_dev *pdev = vdev->pdev;
	struct hot_reset_walk w = { };

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	hdr.flags = 0;

	if (pdev->slot && !pci_probe_reset_slot(pdev->slot))
		w.slot = pdev->slot;
	else if (pci_probe_reset_bus(pdev->bus))
		return -ENODEV;		/* neither a slot nor a bus reset */

	/* First pass counts; the second fills what the user has room for. */
	pci_walk_bus(pdev->bus, hot_reset_walk_one, &w);
	if (w.ret)
		return w.ret;
	if (hdr.argsz < sizeof(hdr) + w.count * sizeof(*w.devices)) {
		hdr.count = w.count;
		return copy_to_user(arg, &hdr, minsz) ? -EFAULT : -ENOSPC;
	}
	w.devices = kcalloc(w.count, sizeof(*w.devices), GFP_KERNEL);
	if (!w.devices)
		return -ENOMEM;
	w.max = w.count;
	w.count = 0;
	pci_walk_bus(pdev->bus, hot_reset_walk_one, &w);
	/* The bus may have changed between the passes; report what we saw. */
	hdr.count = min(w.count, w.max);
	if (!w.ret && (copy_to_user(arg, &hdr, minsz) ||
		       copy_to_user(&arg->devices, w.devices,
				    hdr.count * sizeof(*w.devices))))
		w.ret = -EFAULT;
	kfree(w.devices);
	return w.ret;
}

/*
 * GET_REGION_INFO for kernels whose vfio core does not parse it itself
 * (before 7.2): the same argument and capability-chain handling.
 */
static int vfio_pci_ioctl_region_info_user(struct vfio_pci_core_device *vdev,
					   struct vfio_region_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	ret = vdev->ops->get_region_info_caps(&vdev->vdev, &info, &caps);
	if (ret)
		goto out;

	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
			info.cap_offset = 0;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(arg + 1, caps.buf, caps.size)) {
				ret = -EFAULT;
				goto out;
			}
			info.cap_offset = sizeof(info);
		}
	}
	if (copy_to_user(arg, &info, minsz))
		ret = -EFAULT;
out:
	kfree(caps.buf);
	return ret;
}

long vfio_pci_core_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vfio_pci_ioctl_get_info(vdev, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_pci_ioctl_region_info_user(vdev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_pci_ioctl_get_irq_info(vdev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_pci_ioctl_set_irqs(vdev, uarg);
	case VFIO_DEVICE_RESET:
		return vfio_pci_ioctl_reset(vdev);
	case VFIO_DEVICE_IOEVENTFD:
		return vfio_pci_ioctl_ioeventfd(vdev, uarg);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		return vfio_pci_ioctl_hot_reset_info(vdev, uarg);
	case VFIO_DEVICE_PCI_HOT_RESET:
		return vfio_pci_ioctl_pci_hot_reset(vdev, uarg);
	default:
		return -ENOTTY;
	}
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_ioctl, VFIO_PCI_DKMS);

static ssize_t vfio_pci_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite)
{
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return vfio_pci_config_rw(vdev, buf, count, ppos, iswrite);
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		return vfio_pci_bar_rw(vdev, buf, count, ppos, iswrite);
	case VFIO_PCI_ROM_REGION_INDEX:
		return iswrite ? -EINVAL : vfio_pci_rom_read(vdev, buf, count, ppos);
	case VFIO_PCI_VGA_REGION_INDEX:
		return vfio_pci_vga_rw(vdev, buf, count, ppos, iswrite);
	default:
		return vfio_pci_region_rw(vdev, buf, count, ppos, iswrite);
	}
}

ssize_t vfio_pci_core_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos)
{
	if (!count)
		return 0;
	return vfio_pci_rw(vfio_pci_core_from_vdev(core_vdev), buf, count,
			   ppos, false);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_read, VFIO_PCI_DKMS);

ssize_t vfio_pci_core_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count, loff_t *ppos)
{
	if (!count)
		return 0;
	return vfio_pci_rw(vfio_pci_core_from_vdev(core_vdev), (char __user *)buf,
			   count, ppos, true);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_write, VFIO_PCI_DKMS);

int vfio_pci_core_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;

	if ((vma->vm_pgoff >> shift) >= VFIO_PCI_NUM_REGIONS)
		return vfio_pci_region_mmap(vdev, vma);
	return vfio_pci_mmap_bar(vdev, vma);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_mmap, VFIO_PCI_DKMS);

static int __init vfio_pci_core_init(void)
{
	cfg_perms_init();
	return 0;
}

static void __exit vfio_pci_core_exit(void)
{
}

module_init(vfio_pci_core_init);
module_exit(vfio_pci_core_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO PCI core library (out-of-tree, DKMS)");
