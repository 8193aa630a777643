// SPDX-License-Identifier: GPL-2.0-only
/*
 * igd-vfio-pci: Intel integrated graphics (IGD) assignment as its own
 * variant of vfio-pci-core-dkms. On top of what every device gets it adds,
 * as the in-tree vfio-pci does for IGD, three read-only device-specific
 * regions of type VFIO_REGION_TYPE_PCI_VENDOR_TYPE | Intel:
 *  - the OpRegion with its extended VBT (subtype INTEL_IGD_OPREGION), laid
 *    out as one contiguous 2.1+ OpRegion (see igd_opregion.h);
 *  - the config space of the host bridge at 00:00.0 (INTEL_IGD_HOST_CFG);
 *  - the config space of the LPC bridge at 00:1f.0 (INTEL_IGD_LPC_CFG).
 * The ASLS register (config 0xfc), which locates the OpRegion in host
 * memory, reads as on the host and ignores writes.
 *
 * It binds only an Intel display-class function at 00:02.0 whose OpRegion
 * is valid, and only when asked (driver_override or a vfio_pci: alias
 * lookup); anything else is refused with -ENODEV and one log line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "vfio_pci_core_dkms.h"
#include "igd_opregion.h"

#define IGD_DEVFN		PCI_DEVFN(2, 0)
#define IGD_HOST_BRIDGE_DEVFN	PCI_DEVFN(0, 0)
#define IGD_LPC_BRIDGE_DEVFN	PCI_DEVFN(0x1f, 0)

struct igd_vfio_pci_device {
	struct vfio_pci_core_device core_device;	/* first */
	struct igd_opregion_info info;
	void *opregion;		/* info.size bytes at ASLS */
	void *vbt;		/* the extended VBT, or NULL */
};

static struct igd_vfio_pci_device *to_igd(struct vfio_pci_core_device *vdev)
{
	return container_of(vdev, struct igd_vfio_pci_device, core_device);
}

/* The OpRegion region: the view igd_opregion_view_read() builds. */
static ssize_t igd_opregion_rw(struct vfio_pci_core_device *vdev,
			       char __user *buf, size_t count, loff_t *ppos,
			       bool iswrite)
{
	struct igd_vfio_pci_device *igd = to_igd(vdev);
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	size_t done = 0, n;
	u8 chunk[256];

	if (iswrite || pos >= igd->info.region_size)
		return -EINVAL;
	count = min_t(u64, count, igd->info.region_size - pos);
	while (done < count) {
		n = igd_opregion_view_read(&igd->info, igd->opregion, igd->vbt,
					   pos + done, chunk,
					   min(count - done, sizeof(chunk)));
		if (!n)
			break;
		if (copy_to_user(buf + done, chunk, n))
			return -EFAULT;
		done += n;
	}
	*ppos += done;
	return done;
}

static const struct vfio_pci_regops igd_opregion_regops = {
	.rw = igd_opregion_rw,
};

/* A bridge's config space, read with naturally aligned accesses. */
static ssize_t igd_bridge_cfg_rw(struct vfio_pci_core_device *vdev,
				 char __user *buf, size_t count, loff_t *ppos,
				 bool iswrite)
{
	unsigned int i = VFIO_PCI_OFFSET_TO_INDEX(*ppos) - VFIO_PCI_NUM_REGIONS;
	struct pci_dev *bridge = vdev->region[i].data;
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	size_t size = vdev->region[i].size, done = 0;
	int ret;

	if (iswrite || pos >= size)
		return -EINVAL;
	count = min_t(u64, count, size - pos);

	while (done < count) {
		int off = (int)(pos + done);
		__le32 val;
		size_t n;

		if ((off & 1) || count - done == 1) {
			u8 v;

			n = 1;
			ret = pci_user_read_config_byte(bridge, off, &v);
			val = cpu_to_le32(v);
		} else if ((off & 3) || count - done < 4) {
			u16 v;

			n = 2;
			ret = pci_user_read_config_word(bridge, off, &v);
			val = cpu_to_le32(v);
		} else {
			u32 v;

			n = 4;
			ret = pci_user_read_config_dword(bridge, off, &v);
			val = cpu_to_le32(v);
		}
		if (ret)
			return done ? done : pcibios_err_to_errno(ret);
		if (copy_to_user(buf + done, &val, n))
			return -EFAULT;
		done += n;
	}
	*ppos += done;
	return done;
}

static void igd_bridge_cfg_release(struct vfio_pci_core_device *vdev,
				   struct vfio_pci_region *region)
{
	pci_dev_put(region->data);
}

static const struct vfio_pci_regops igd_bridge_cfg_regops = {
	.rw = igd_bridge_cfg_rw,
	.release = igd_bridge_cfg_release,
};

/*
 * Offer a bridge's config space when the bridge is the Intel one of class
 * @class we expect at @devfn; a platform without it simply has no region.
 */
static int igd_add_bridge_region(struct vfio_pci_core_device *vdev,
				 unsigned int devfn, u32 class,
				 unsigned int subtype)
{
	struct pci_dev *bridge;
	int ret;

	bridge = pci_get_domain_bus_and_slot(pci_domain_nr(vdev->pdev->bus), 0,
					     devfn);
	if (!bridge)
		return 0;
	if (bridge->vendor != PCI_VENDOR_ID_INTEL || bridge->class != class) {
		pci_dev_put(bridge);
		return 0;
	}
	ret = vfio_pci_core_register_dev_region(vdev,
		VFIO_REGION_TYPE_PCI_VENDOR_TYPE | PCI_VENDOR_ID_INTEL,
		subtype, &igd_bridge_cfg_regops, bridge->cfg_size,
		VFIO_REGION_INFO_FLAG_READ, bridge);
	if (ret)
		pci_dev_put(bridge);
	return ret;
}

static int igd_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	struct igd_vfio_pci_device *igd = to_igd(vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;

	ret = vfio_pci_core_register_dev_region(vdev,
		VFIO_REGION_TYPE_PCI_VENDOR_TYPE | PCI_VENDOR_ID_INTEL,
		VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION, &igd_opregion_regops,
		igd->info.region_size, VFIO_REGION_INFO_FLAG_READ, igd);
	if (!ret)
		ret = igd_add_bridge_region(vdev, IGD_HOST_BRIDGE_DEVFN,
					    PCI_CLASS_BRIDGE_HOST << 8,
					    VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG);
	if (!ret)
		ret = igd_add_bridge_region(vdev, IGD_LPC_BRIDGE_DEVFN,
					    PCI_CLASS_BRIDGE_ISA << 8,
					    VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG);
	if (ret) {
		vfio_pci_core_disable(vdev);	/* releases the regions */
		return ret;
	}
	vfio_pci_core_finish_enable(vdev);
	return 0;
}

/*
 * Config writes go through the core except to ASLS, which stays as the
 * host firmware set it: the user could otherwise point the host's view of
 * the OpRegion anywhere in memory.
 */
static ssize_t igd_write(struct vfio_device *core_vdev, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	size_t done = 0;
	ssize_t ret;

	if (VFIO_PCI_OFFSET_TO_INDEX(*ppos) != VFIO_PCI_CONFIG_REGION_INDEX)
		return vfio_pci_core_write(core_vdev, buf, count, ppos);

	while (done < count) {
		bool drop;
		size_t n = igd_cfg_write_piece(*ppos & VFIO_PCI_OFFSET_MASK,
					       count - done, &drop);

		if (drop) {
			*ppos += n;
			done += n;
			continue;
		}
		ret = vfio_pci_core_write(core_vdev, buf + done, n, ppos);
		if (ret <= 0)
			return done ? done : ret;
		done += ret;
		if (ret < n)
			break;
	}
	return done;
}

static void igd_release(struct vfio_device *core_vdev)
{
	struct igd_vfio_pci_device *igd =
		to_igd(vfio_pci_core_from_vdev(core_vdev));

	if (igd->vbt)
		memunmap(igd->vbt);
	if (igd->opregion)
		memunmap(igd->opregion);
	vfio_pci_core_release_dev(core_vdev);
}

static const struct vfio_pci_core_ops igd_vfio_pci_ops = {
	.name = "igd-vfio-pci",
	.init = vfio_pci_core_init_dev,
	.release = igd_release,
	.open_device = igd_open_device,
	.close_device = vfio_pci_core_close_device,
	.read = vfio_pci_core_read,
	.write = igd_write,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.mmap = vfio_pci_core_mmap,
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
	.request = vfio_pci_core_request,
};

/*
 * Map and validate the OpRegion ASLS points at, and the extended VBT.
 * On failure *why says what was wrong, for the one refusal line.
 */
static int igd_map_opregion(struct pci_dev *pdev,
			    struct igd_opregion_info *info, void **opregion,
			    void **vbt, const char **why)
{
	u32 asls;
	int ret;

	*opregion = NULL;
	*vbt = NULL;
	if (pci_read_config_dword(pdev, IGD_ASLS, &asls) || !asls ||
	    asls == ~0U) {
		*why = "no OpRegion (ASLS is not set)";
		return -ENODEV;
	}

	*opregion = memremap(asls, IGD_OPREGION_MIN_SIZE, MEMREMAP_WB);
	if (!*opregion) {
		*why = "cannot map the OpRegion";
		return -ENODEV;
	}
	ret = igd_opregion_parse(*opregion, IGD_OPREGION_MIN_SIZE, asls, info);
	if (ret == -ENOSPC) {
		/* A larger header: map what it says and check again. */
		memunmap(*opregion);
		*opregion = memremap(asls, info->size, MEMREMAP_WB);
		if (!*opregion) {
			*why = "cannot map the OpRegion";
			return -ENODEV;
		}
		ret = igd_opregion_parse(*opregion, info->size, asls, info);
	}
	if (ret) {
		*why = ret == -EINVAL ? "invalid OpRegion header" :
		       "invalid OpRegion extended VBT location or size";
		goto fail;
	}
	if (info->vbt_size) {
		*vbt = memremap(info->vbt_addr, info->vbt_size, MEMREMAP_WB);
		if (!*vbt) {
			*why = "cannot map the OpRegion extended VBT";
			goto fail;
		}
	}
	return 0;

fail:
	memunmap(*opregion);
	*opregion = NULL;
	return -ENODEV;
}

/* Intel, display class, function 00:02.0 on a root bus: the IGD's place. */
static bool igd_is_igd(struct pci_dev *pdev)
{
	return pdev->vendor == PCI_VENDOR_ID_INTEL &&
	       (pdev->class >> 16) == PCI_BASE_CLASS_DISPLAY &&
	       pci_is_root_bus(pdev->bus) && pdev->bus->number == 0 &&
	       pdev->devfn == IGD_DEVFN && !pdev->is_virtfn;
}

static int igd_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct igd_vfio_pci_device *igd;
	struct igd_opregion_info info;
	void *opregion, *vbt;
	const char *why;
	int ret;

	if (!igd_is_igd(pdev)) {
		pci_notice(pdev, "not binding %04x:%04x class %06x: not an Intel IGD at 00:02.0\n",
			   pdev->vendor, pdev->device, pdev->class);
		return -ENODEV;
	}
	ret = igd_map_opregion(pdev, &info, &opregion, &vbt, &why);
	if (ret) {
		pci_notice(pdev, "not binding %04x:%04x: %s\n", pdev->vendor,
			   pdev->device, why);
		return ret;
	}

	igd = vfio_pci_alloc_device(struct igd_vfio_pci_device, core_device,
				    &pdev->dev, &igd_vfio_pci_ops);
	if (IS_ERR(igd)) {
		if (vbt)
			memunmap(vbt);
		memunmap(opregion);
		return PTR_ERR(igd);
	}
	/* From here on igd_release unmaps. */
	igd->info = info;
	igd->opregion = opregion;
	igd->vbt = vbt;

	dev_set_drvdata(&pdev->dev, &igd->core_device);
	ret = vfio_pci_core_register_device(&igd->core_device);
	if (ret) {
		dev_set_drvdata(&pdev->dev, NULL);
		vfio_pci_put_device(&igd->core_device);
		return ret;
	}
	pci_info(pdev, "OpRegion %u.%u, %u bytes%s\n", info.version >> 8,
		 info.version & 0xff, info.size,
		 info.vbt_size ? " with an extended VBT" : "");
	return 0;
}

static void igd_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_pci_put_device(vdev);
}

/* Intel display-class functions, through driver_override only. */
static const struct pci_device_id igd_vfio_pci_table[] = {
	COMPAT_VFIO_PCI_CLASS_ID(PCI_VENDOR_ID_INTEL,
				 PCI_BASE_CLASS_DISPLAY << 16, 0xff0000)
	{ }
};
MODULE_DEVICE_TABLE(pci, igd_vfio_pci_table);
COMPAT_VFIO_PCI_CLASS_ALIAS("00008086", "03");

static struct pci_driver igd_vfio_pci_driver = {
	.name = "igd-vfio-pci",
	.id_table = igd_vfio_pci_table,
	.probe = igd_probe,
	.remove = igd_remove,
	.err_handler = &vfio_pci_core_err_handlers,
	COMPAT_DRIVER_MANAGED_DMA
};

static char ids[1024] __initdata;
module_param_string(ids, ids, sizeof(ids), 0);
MODULE_PARM_DESC(ids, "Initial PCI IDs to add to the igd-vfio-pci driver, format is \"vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]\" and multiple comma separated entries can be specified");

static int __init igd_vfio_pci_init(void)
{
	int ret;

	ret = pci_register_driver(&igd_vfio_pci_driver);
	if (ret)
		return ret;
	/* A listed device that is not an IGD is still refused at probe. */
	vfio_pci_core_add_ids(&igd_vfio_pci_driver, ids);
	return 0;
}

static void __exit igd_vfio_pci_exit(void)
{
	pci_unregister_driver(&igd_vfio_pci_driver);
}

module_init(igd_vfio_pci_init);
module_exit(igd_vfio_pci_exit);
VFIO_PCI_DKMS_IMPORT_NS();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO PCI variant driver for Intel IGD (OpRegion, host and LPC bridge config regions)");
