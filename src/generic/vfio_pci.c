// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci-dkms: the generic, spec-compliant VFIO PCI driver on top of
 * vfio-pci-core-dkms. It binds a device only when asked: driver_override
 * names it, or the admin listed the ID in ids= (same syntax as the in-tree
 * vfio-pci). Its device table is override-only, so udev never autoloads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>

#include "vfio_pci_core_dkms.h"

static char ids[1024] __initdata;
module_param_string(ids, ids, sizeof(ids), 0);
MODULE_PARM_DESC(ids, "Initial PCI IDs to add to the vfio-pci-dkms driver, format is \"vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]\" and multiple comma separated entries can be specified");

static const struct vfio_pci_core_ops vfio_pci_dkms_ops = {
	.name = "vfio-pci-dkms",
	.init = vfio_pci_core_init_dev,
	.release = vfio_pci_core_release_dev,
	.open_device = vfio_pci_core_open_device,
	.close_device = vfio_pci_core_close_device,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.mmap = vfio_pci_core_mmap,
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	.match_token_uuid = vfio_pci_core_match_token_uuid,
};

static bool nointxmask;
module_param(nointxmask, bool, 0644);
MODULE_PARM_DESC(nointxmask, "Disable support for PCI 2.3 style INTx masking. If this resolves problems for specific devices, report lspci -vvvxxx to linux-pci@vger.kernel.org so the device can be fixed automatically via the broken_intx_masking flag.");

static bool disable_idle_d3;
module_param(disable_idle_d3, bool, 0644);
MODULE_PARM_DESC(disable_idle_d3, "Disable using the PCI D3 low power state for idle, unused devices");

static bool disable_vga;
module_param(disable_vga, bool, 0444);
MODULE_PARM_DESC(disable_vga, "Disable VGA resource access through vfio-pci-dkms");

static bool enable_sriov;
module_param(enable_sriov, bool, 0644);
MODULE_PARM_DESC(enable_sriov, "Enable support for SR-IOV configuration.  Enabling SR-IOV on a PF typically requires support of the userspace PF driver, enabling VFs without such support may result in non-functional VFs or PF.");

static bool disable_denylist;
module_param(disable_denylist, bool, 0444);
MODULE_PARM_DESC(disable_denylist, "Disable use of device denylist. Disabling the denylist allows binding to devices with known errata that may lead to exploitable stability or security issues when accessed by untrusted users.");

/*
 * Devices with errata that make them unsafe in untrusted hands (the same
 * list as the in-tree vfio-pci): Intel QuickAssist C3xxx, C62x and DH895xCC
 * physical and virtual functions, and the Sapphire Rapids DSA and IAX
 * accelerators (a hardware erratum; upstream 95feb3160eef, 2024).
 */
static const struct pci_device_id vfio_pci_dkms_denylist[] = {
	{ PCI_VDEVICE(INTEL, 0x19e2) }, { PCI_VDEVICE(INTEL, 0x19e3) },
	{ PCI_VDEVICE(INTEL, 0x37c8) }, { PCI_VDEVICE(INTEL, 0x37c9) },
	{ PCI_VDEVICE(INTEL, 0x0435) }, { PCI_VDEVICE(INTEL, 0x0443) },
	{ PCI_VDEVICE(INTEL, 0x0b25) }, { PCI_VDEVICE(INTEL, 0x0cfe) },
	{ }
};

static bool vfio_pci_dkms_denylisted(struct pci_dev *pdev)
{
	if (!pci_match_id(vfio_pci_dkms_denylist, pdev))
		return false;
	if (disable_denylist) {
		pci_warn(pdev, "%04x:%04x is on the vfio-pci-dkms denylist; binding anyway (disable_denylist=1)\n",
			 pdev->vendor, pdev->device);
		return false;
	}
	pci_warn(pdev, "%04x:%04x is on the vfio-pci-dkms denylist, driver probing disallowed (see disable_denylist)\n",
		 pdev->vendor, pdev->device);
	return true;
}

static int vfio_pci_dkms_probe(struct pci_dev *pdev,
			       const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	if (vfio_pci_dkms_denylisted(pdev))
		return -EINVAL;

	/* No private state: the core device is the whole device. */
	vdev = _vfio_pci_alloc_device(sizeof(*vdev), &pdev->dev,
				      &vfio_pci_dkms_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	vdev->nointxmask = nointxmask;
	vdev->disable_idle_d3 = disable_idle_d3;
	vdev->disable_vga = disable_vga;
	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		dev_set_drvdata(&pdev->dev, NULL);
		vfio_pci_put_device(vdev);
	}
	return ret;
}

static void vfio_pci_dkms_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_pci_put_device(vdev);
}

/* sysfs sriov_numvfs on a PF of ours: only when the admin allowed it. */
static int vfio_pci_dkms_sriov_configure(struct pci_dev *pdev, int nr_virtfn)
{
	if (!enable_sriov)
		return -ENOENT;
	return vfio_pci_core_sriov_configure(dev_get_drvdata(&pdev->dev),
					     nr_virtfn);
}

/* Match anything, but only through driver_override or ids=. */
static const struct pci_device_id vfio_pci_dkms_table[] = {
	COMPAT_VFIO_PCI_ID(PCI_ANY_ID, PCI_ANY_ID)
	{ }
};
MODULE_DEVICE_TABLE(pci, vfio_pci_dkms_table);
COMPAT_VFIO_PCI_ALIAS("*", "*");

static struct pci_driver vfio_pci_dkms_driver = {
	.name = "vfio-pci-dkms",
	.id_table = vfio_pci_dkms_table,
	.probe = vfio_pci_dkms_probe,
	.remove = vfio_pci_dkms_remove,
	.sriov_configure = vfio_pci_dkms_sriov_configure,
	.err_handler = &vfio_pci_core_err_handlers,
	COMPAT_DRIVER_MANAGED_DMA
};

static int __init vfio_pci_dkms_init(void)
{
	int ret;

	ret = pci_register_driver(&vfio_pci_dkms_driver);
	if (ret)
		return ret;
	vfio_pci_core_add_ids(&vfio_pci_dkms_driver, ids);
	return 0;
}

static void __exit vfio_pci_dkms_exit(void)
{
	pci_unregister_driver(&vfio_pci_dkms_driver);
}

module_init(vfio_pci_dkms_init);
module_exit(vfio_pci_dkms_exit);
VFIO_PCI_DKMS_IMPORT_NS();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Generic VFIO PCI driver (out-of-tree, DKMS)");
