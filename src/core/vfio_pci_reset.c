// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci-core-dkms: slot and bus ("hot") reset. Devices that one slot or
 * bus reset takes together form a reset set; VFIO_DEVICE_PCI_HOT_RESET
 * resets them only for a user who proves to own all of them, and the last
 * close of a set resets the bus when a device in it had no function reset.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

/*
 * Put the device in the set of every device its slot or bus reset also
 * resets, before registration. A device on a root bus has no such reset and
 * gets a set of its own.
 *
 * The vfio core keeps all sets in one table, keyed by an opaque pointer, and
 * the in-tree vfio-pci-core keys its sets by the pci_slot, the pci_bus or
 * its own device. Were our key one of those, our devices would land in an
 * in-tree set (and its devices in ours): each driver would then walk the
 * other's devices and container_of() them into its own struct layout. So we
 * key by the address of a member inside the slot or bus struct that is not
 * at offset 0: it is unique for the slot or bus, stable while devices sit
 * on it, and no in-tree user of vfio_assign_device_set() uses it.
 */
int vfio_pci_reset_set_join(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	BUILD_BUG_ON(offsetof(struct pci_slot, list) == 0);
	BUILD_BUG_ON(offsetof(struct pci_bus, devices) == 0);

	/* A VF has no slot or bus reset of its own: a set of its own. */
	if (pci_is_root_bus(pdev->bus) || pdev->is_virtfn)
		return vfio_glue_set_assign(vdev, NULL);
	if (pdev->slot && !pci_probe_reset_slot(pdev->slot))
		return vfio_glue_set_assign(vdev, &pdev->slot->list);
	return vfio_glue_set_assign(vdev, &pdev->bus->devices);
}

struct reset_walk {
	struct pci_slot *slot;		/* NULL: the whole bus */
	struct vfio_pci_core_device *vdev;	/* set to look devices up in */
	unsigned int count;
	bool foreign;			/* a device outside the set */
};

static struct vfio_pci_core_device *
set_find(struct vfio_pci_core_device *vdev, struct pci_dev *pdev)
{
	struct vfio_pci_core_device *cur = NULL;

	while ((cur = vfio_glue_set_next(vdev, cur)))
		if (cur->pdev == pdev)
			return cur;
	return NULL;
}

static int reset_walk_one(struct pci_dev *pdev, void *data)
{
	struct reset_walk *w = data;

	if (w->slot && pdev->slot != w->slot)
		return 0;
	w->count++;
	if (w->vdev && !set_find(w->vdev, pdev))
		w->foreign = true;
	return 0;
}

/* What a reset of this device takes: its slot, its bus, or nothing. */
static int reset_scope(struct pci_dev *pdev, struct pci_slot **slot)
{
	*slot = NULL;
	if (pdev->slot && !pci_probe_reset_slot(pdev->slot)) {
		*slot = pdev->slot;
		return 0;
	}
	return pci_probe_reset_bus(pdev->bus) ? -ENODEV : 0;
}

static bool owned(struct vfio_pci_core_device *cur, struct file **files,
		  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (vfio_glue_group_file_has_dev(files[i], cur))
			return true;
	return false;
}

/*
 * With the set's lock held: every device the reset takes must be in the
 * set (so ours, and no open or close races us), every device of the set
 * owned by the user. Mappings are revoked and each memory_lock taken (try
 * only: two resets of one set from two users must not deadlock).
 */
static int set_hot_reset(struct vfio_pci_core_device *vdev,
			 struct pci_slot *slot, struct file **files,
			 unsigned int n)
{
	struct mutex *set_lock = vfio_glue_set_lock(vdev);
	struct reset_walk w = { .slot = slot, .vdev = vdev };
	struct vfio_pci_core_device *cur, *locked = NULL;
	int ret = 0;

	mutex_lock(set_lock);
	pci_walk_bus(vdev->pdev->bus, reset_walk_one, &w);
	if (w.foreign) {
		ret = -EINVAL;
		goto out_unlock;
	}
	cur = NULL;
	while ((cur = vfio_glue_set_next(vdev, cur))) {
		if (!owned(cur, files, n)) {
			ret = -EINVAL;
			goto out_unlock;
		}
	}
	/*
	 * A device in D3 (its user put it there, or idle because only its
	 * group is held) comes back to D0 through us, so its saved state is
	 * restored, rather than behind our back in the reset.
	 */
	cur = NULL;
	while ((cur = vfio_glue_set_next(vdev, cur)))
		if (vfio_glue_open_count(cur))
			vfio_pci_set_power_state(cur, PCI_D0);
		else
			vfio_pci_wake(cur);
	cur = NULL;
	while ((cur = vfio_glue_set_next(vdev, cur))) {
		if (!down_write_trylock(&cur->memory_lock)) {
			ret = -EBUSY;
			break;
		}
		unmap_mapping_range(cur->mmap_file->f_mapping, 0, 0, true);
		locked = cur;
	}
	if (!ret)
		ret = pci_reset_bus(vdev->pdev);

	cur = NULL;
	while (locked && (cur = vfio_glue_set_next(vdev, cur))) {
		up_write(&cur->memory_lock);
		if (cur == locked)
			break;
	}
	/* The reset cleared interrupt state; memory_lock is dropped. */
	cur = NULL;
	while ((cur = vfio_glue_set_next(vdev, cur)))
		if (!vfio_glue_open_count(cur))
			vfio_pci_idle(cur);
		else if (!ret)
			vfio_pci_irqs_after_reset(cur);
out_unlock:
	mutex_unlock(set_lock);
	return ret;
}

int vfio_pci_ioctl_pci_hot_reset(struct vfio_pci_core_device *vdev,
				 struct vfio_pci_hot_reset __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;
	struct reset_walk w = { };
	struct file **files;
	s32 *fds;
	unsigned int i;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;
	ret = reset_scope(vdev->pdev, &w.slot);
	if (ret)
		return ret;

	/* One group fd per affected group at most: no more than devices. */
	pci_walk_bus(vdev->pdev->bus, reset_walk_one, &w);
	if (!hdr.count || hdr.count > w.count)
		return -EINVAL;

	fds = memdup_user(&arg->group_fds, hdr.count * sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);
	files = kcalloc(hdr.count, sizeof(*files), GFP_KERNEL);
	if (!files) {
		kfree(fds);
		return -ENOMEM;
	}
	for (i = 0; i < hdr.count; i++) {
		files[i] = fget(fds[i]);
		if (!files[i]) {
			ret = -EBADF;
			break;
		}
		ret = vfio_glue_group_file_check(files[i]);
		if (ret) {
			i++;
			break;
		}
	}
	if (!ret)
		ret = set_hot_reset(vdev, w.slot, files, hdr.count);
	while (i--)
		if (files[i])
			fput(files[i]);
	kfree(files);
	kfree(fds);
	return ret;
}

/*
 * At the last close of a device (set lock held): a device left without a
 * function reset gets a bus reset once no device of its set is open any
 * more, provided the reset takes no device outside the set.
 */
void vfio_pci_set_try_reset(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_core_device *cur = NULL;
	struct reset_walk w = { .vdev = vdev };
	bool needed = false;
	int ret;

	if (!vdev->reset_works)
		vdev->needs_reset = true;
	while ((cur = vfio_glue_set_next(vdev, cur))) {
		/* the closing device still counts itself */
		if (vfio_glue_open_count(cur) > (cur == vdev ? 1 : 0))
			return;
		needed |= cur->needs_reset;
	}
	if (!needed || reset_scope(vdev->pdev, &w.slot))
		return;
	pci_walk_bus(vdev->pdev->bus, reset_walk_one, &w);
	if (w.foreign)
		return;
	/* The others are idle: in D0 for the reset, back to idle after it. */
	cur = NULL;
	while ((cur = vfio_glue_set_next(vdev, cur)))
		if (cur != vdev)
			vfio_pci_wake(cur);
	ret = pci_reset_bus(vdev->pdev);
	cur = NULL;
	while ((cur = vfio_glue_set_next(vdev, cur))) {
		if (!ret)
			cur->needs_reset = false;
		if (cur != vdev)
			vfio_pci_idle(cur);
	}
	if (ret)
		pci_dbg(vdev->pdev, "bus reset after the last close failed\n");
}
