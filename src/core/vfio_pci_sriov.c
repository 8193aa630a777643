// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci-core-dkms: SR-IOV. A physical function (PF) bound to one of our
 * drivers may enable virtual functions (VFs) through sysfs sriov_numvfs when
 * its driver allows it. The PF user can always disrupt the VFs (reset, SR-IOV
 * capability) and often read what passes through them, so a VF whose PF is
 * ours opens only with the PF's VF token, a UUID its users share:
 *
 *   VFIO_GROUP_GET_DEVICE_FD "0000:01:00.1 vf_token=<uuid>"
 *
 * and a PF whose VFs are open opens only with the current token (without VF
 * users, a token given at PF open sets it). The PF user sets the token with
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN; it can never be read back.
 *
 * Pairing is with our own devices only: a VF finds its PF in the list of PFs
 * whose VFs our core enabled, never through another stack's vfio_device. New
 * VFs get driver_override set to the PF's driver, so no host driver grabs
 * them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vfio_pci_priv.h"

struct vfio_pci_vf_token {
	struct mutex lock;
	uuid_t uuid;
	int users;		/* open VFs of ours under this PF */
};

/* Our PFs whose VFs vfio_pci_core_sriov_configure() enabled. */
static DEFINE_MUTEX(vfio_pci_sriov_pfs_mutex);
static LIST_HEAD(vfio_pci_sriov_pfs);

static int vfio_pci_bus_notifier(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	struct vfio_pci_core_device *vdev =
		container_of(nb, struct vfio_pci_core_device, nb);
	struct pci_dev *pdev = to_pci_dev(data);
	const char *pf_driver = dev_driver_string(&vdev->pdev->dev);
	struct device_driver *drv;

	if (!pdev->is_virtfn || pci_physfn(pdev) != vdev->pdev)
		return NOTIFY_DONE;

	if (action == BUS_NOTIFY_ADD_DEVICE) {
		pci_info(vdev->pdev, "captured SR-IOV VF %s: driver_override %s\n",
			 pci_name(pdev), pf_driver);
		if (compat_pci_set_driver_override(pdev, pf_driver))
			pci_warn(vdev->pdev, "could not set driver_override of VF %s\n",
				 pci_name(pdev));
	} else if (action == BUS_NOTIFY_BOUND_DRIVER) {
		drv = pdev->dev.driver;
		if (drv && drv != vdev->pdev->dev.driver)
			pci_warn(vdev->pdev, "VF %s bound to driver %s while the PF is bound to %s: no VF token protects it\n",
				 pci_name(pdev), drv->name, pf_driver);
	}
	return NOTIFY_DONE;
}

/*
 * At registration: refuse a PF whose VFs already exist (we could neither
 * capture them nor count their users), find a VF's PF among ours, give a
 * PF its token and the notifier that captures its future VFs.
 */
int vfio_pci_sriov_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_core_device *cur;
	int ret;

	INIT_LIST_HEAD(&vdev->sriov_pfs_item);
	if (pci_num_vf(pdev)) {
		pci_warn(pdev, "cannot bind to a PF with SR-IOV enabled\n");
		return -EBUSY;
	}

	if (pdev->is_virtfn) {
		/*
		 * Our sriov_configure listed the PF before creating its VFs,
		 * and pci_disable_sriov() removes this VF (unbinding us)
		 * before the PF leaves the list: the pointer stays valid for
		 * as long as we are bound.
		 */
		mutex_lock(&vfio_pci_sriov_pfs_mutex);
		list_for_each_entry(cur, &vfio_pci_sriov_pfs, sriov_pfs_item) {
			if (cur->pdev == pci_physfn(pdev)) {
				vdev->sriov_pf_core_dev = cur;
				break;
			}
		}
		mutex_unlock(&vfio_pci_sriov_pfs_mutex);
		if (!vdev->sriov_pf_core_dev && pci_physfn(pdev)->dev.driver)
			pci_info(pdev, "PF bound to %s, not to a driver of this core: no VF token applies\n",
				 dev_driver_string(&pci_physfn(pdev)->dev));
		return 0;
	}
	if (!pdev->is_physfn)
		return 0;

	vdev->vf_token = kzalloc(sizeof(*vdev->vf_token), GFP_KERNEL);
	if (!vdev->vf_token)
		return -ENOMEM;
	mutex_init(&vdev->vf_token->lock);
	uuid_gen(&vdev->vf_token->uuid);

	vdev->nb.notifier_call = vfio_pci_bus_notifier;
	ret = bus_register_notifier(&pci_bus_type, &vdev->nb);
	if (ret) {
		mutex_destroy(&vdev->vf_token->lock);
		kfree(vdev->vf_token);
		vdev->vf_token = NULL;
	}
	return ret;
}

void vfio_pci_sriov_uninit(struct vfio_pci_core_device *vdev)
{
	if (!vdev->vf_token)
		return;
	bus_unregister_notifier(&pci_bus_type, &vdev->nb);
	WARN_ON(vdev->vf_token->users);
	mutex_destroy(&vdev->vf_token->lock);
	kfree(vdev->vf_token);
	vdev->vf_token = NULL;
}

/* First open and last close of a VF of ours under a PF of ours. */
void vfio_pci_sriov_open(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_core_device *pf = vdev->sriov_pf_core_dev;

	if (!pf)
		return;
	mutex_lock(&pf->vf_token->lock);
	pf->vf_token->users++;
	mutex_unlock(&pf->vf_token->lock);
}

void vfio_pci_sriov_close(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_core_device *pf = vdev->sriov_pf_core_dev;

	if (!pf)
		return;
	mutex_lock(&pf->vf_token->lock);
	WARN_ON(!pf->vf_token->users);
	pf->vf_token->users--;
	mutex_unlock(&pf->vf_token->lock);
}

/* VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: SET only, and only on a PF. */
int vfio_pci_sriov_feature_token(struct vfio_pci_core_device *vdev, u32 flags,
				 void __user *arg, size_t argsz)
{
	uuid_t uuid;
	int ret;

	if (!vdev->vf_token)
		return -ENOTTY;
	/* No GET: it would hand out the token of the previous PF user. */
	ret = vfio_pci_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
				     sizeof(uuid));
	if (ret != 1)
		return ret;
	if (copy_from_user(&uuid, arg, sizeof(uuid)))
		return -EFAULT;

	mutex_lock(&vdev->vf_token->lock);
	uuid_copy(&vdev->vf_token->uuid, &uuid);
	mutex_unlock(&vdev->vf_token->lock);
	return 0;
}

/*
 * May this open go ahead, given the token the user showed (NULL: none)?
 * 0 yes, -EACCES missing or wrong token, -EINVAL a token where none
 * applies.
 */
int vfio_pci_core_match_token_uuid(struct vfio_device *core_vdev,
				   const uuid_t *uuid)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	struct vfio_pci_core_device *pf = vdev->sriov_pf_core_dev;
	int ret = 0;

	if (vdev->pdev->is_virtfn) {
		if (!pf) {
			if (!uuid)
				return 0;
			pci_info_ratelimited(vdev->pdev, "VF token given, but the PF is not ours\n");
			return -EINVAL;
		}
		if (!uuid) {
			pci_info_ratelimited(vdev->pdev, "VF token required to open the device\n");
			return -EACCES;
		}
		mutex_lock(&pf->vf_token->lock);
		if (!uuid_equal(uuid, &pf->vf_token->uuid))
			ret = -EACCES;
		mutex_unlock(&pf->vf_token->lock);
		if (ret)
			pci_info_ratelimited(vdev->pdev, "wrong VF token\n");
		return ret;
	}

	if (!vdev->vf_token) {
		if (!uuid)
			return 0;
		pci_info_ratelimited(vdev->pdev, "VF token given, but the device is neither a PF nor a VF\n");
		return -EINVAL;
	}

	/* A PF: with VF users the token must match, without it sets it. */
	mutex_lock(&vdev->vf_token->lock);
	if (vdev->vf_token->users) {
		if (!uuid || !uuid_equal(uuid, &vdev->vf_token->uuid))
			ret = -EACCES;
	} else if (uuid) {
		uuid_copy(&vdev->vf_token->uuid, uuid);
	}
	mutex_unlock(&vdev->vf_token->lock);
	if (ret)
		pci_info_ratelimited(vdev->pdev, "%s VF token while its VFs are open\n",
				     uuid ? "wrong" : "no");
	return ret;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_match_token_uuid, VFIO_PCI_DKMS);

#define VF_TOKEN_ARG "vf_token="

/*
 * The vfio core asks which device of a group the user names in
 * VFIO_GROUP_GET_DEVICE_FD: 0 not this one, 1 this one, -errno refuse.
 * Accepted: the device name, then blanks and at most one
 * "vf_token=<uuid>".
 */
int vfio_pci_core_match(struct vfio_device *core_vdev, char *buf)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	const char *name = pci_name(vdev->pdev);
	size_t len = strlen(name);
	bool have_token = false;
	uuid_t uuid;
	int ret;

	if (strncmp(name, buf, len))
		return 0;
	buf += len;
	if (*buf && *buf != ' ')
		return 0;	/* a longer name: another device */

	while (*buf) {
		if (*buf == ' ') {
			buf++;
			continue;
		}
		if (have_token || strncmp(buf, VF_TOKEN_ARG, strlen(VF_TOKEN_ARG)))
			return -EINVAL;	/* unknown or repeated option */
		buf += strlen(VF_TOKEN_ARG);
		if (strlen(buf) < UUID_STRING_LEN)
			return -EINVAL;
		ret = uuid_parse(buf, &uuid);
		if (ret)
			return ret;
		have_token = true;
		buf += UUID_STRING_LEN;
	}

	if (vdev->ops->match_token_uuid)
		ret = vdev->ops->match_token_uuid(core_vdev,
						  have_token ? &uuid : NULL);
	else
		ret = vfio_pci_core_match_token_uuid(core_vdev,
						     have_token ? &uuid : NULL);
	return ret ? ret : 1;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_match, VFIO_PCI_DKMS);

/*
 * pci_driver.sriov_configure, after the driver's own policy: enable
 * @nr_virtfn VFs (once, until disabled) or disable them (0). Returns the
 * number enabled or -errno. The PCI core holds the PF's device lock.
 */
int vfio_pci_core_sriov_configure(struct vfio_pci_core_device *vdev,
				  int nr_virtfn)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret = 0;

	if (nr_virtfn) {
		mutex_lock(&vfio_pci_sriov_pfs_mutex);
		/* Only the caller that lists the PF may enable its VFs. */
		if (!list_empty(&vdev->sriov_pfs_item)) {
			mutex_unlock(&vfio_pci_sriov_pfs_mutex);
			return -EINVAL;
		}
		list_add_tail(&vdev->sriov_pfs_item, &vfio_pci_sriov_pfs);
		mutex_unlock(&vfio_pci_sriov_pfs_mutex);

		ret = vfio_pci_enable_sriov_d0(vdev, nr_virtfn);
		if (!ret)
			return nr_virtfn;
	} else if (pci_num_vf(pdev)) {
		pci_disable_sriov(pdev);
	}

	mutex_lock(&vfio_pci_sriov_pfs_mutex);
	list_del_init(&vdev->sriov_pfs_item);
	mutex_unlock(&vfio_pci_sriov_pfs_mutex);
	return ret;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_sriov_configure, VFIO_PCI_DKMS);
