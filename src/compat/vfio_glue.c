// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel-facing side of the core: one struct vfio_device_ops for
 * whichever vfio core this kernel has, forwarding to the driver's portable
 * struct vfio_pci_core_ops. This is the only core file that depends on probe
 * results; callback signatures that drift cannot be hidden behind helpers.
 *
 * 5.10: ops take the device_data pointer, open/release run per file, and the
 *       driver allocates and frees the device itself.
 * 6.1+: ops take the vfio_device, open_device/close_device run on first
 *       open/last close, and the vfio core owns the allocation.
 * 7.2+: GET_REGION_INFO is answered only through get_region_info_caps.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../core/vfio_pci_priv.h"

#define to_core(v) vfio_pci_core_from_vdev(v)

#ifdef HAVE_VFIO_OPS_OPEN_DEVICE
#define GLUE_ARG struct vfio_device *
#define GLUE_VDEV(arg) (arg)
#else
#define GLUE_ARG void *
#define GLUE_VDEV(arg) ((struct vfio_device *)(arg))
#endif

static int glue_open_first(struct vfio_device *v)
{
	return to_core(v)->ops->open_device(v);
}

static void glue_close_last(struct vfio_device *v)
{
	to_core(v)->ops->close_device(v);
}

#ifdef HAVE_VFIO_OPS_OPEN_DEVICE
static int glue_init(struct vfio_device *v)
{
	/* ops->init runs in _vfio_pci_alloc_device, once ops is known. */
	return 0;
}

static void glue_release(struct vfio_device *v)
{
	struct vfio_pci_core_device *vdev = to_core(v);

	if (vdev->initialized && vdev->ops->release)
		vdev->ops->release(v);
}
#else
/*
 * 5.10 calls open/release for every file; count them ourselves. As the
 * later vfio core does, first open and last close run under the reset
 * set's lock, and the count still includes the closing file during close.
 */
static int glue_open_file(void *data)
{
	struct vfio_pci_core_device *vdev = to_core(data);
	struct module *owner = vdev->pdev->dev.driver->owner;
	struct mutex *set_lock = vfio_glue_set_lock(vdev);
	int ret = 0;

	if (!try_module_get(owner))
		return -ENODEV;
	mutex_lock(set_lock);
	mutex_lock(&vdev->open_lock);
	if (!vdev->open_count)
		ret = glue_open_first(&vdev->vdev);
	if (!ret)
		vdev->open_count++;
	mutex_unlock(&vdev->open_lock);
	mutex_unlock(set_lock);
	if (ret)
		module_put(owner);
	return ret;
}

static void glue_release_file(void *data)
{
	struct vfio_pci_core_device *vdev = to_core(data);
	struct module *owner = vdev->pdev->dev.driver->owner;
	struct mutex *set_lock = vfio_glue_set_lock(vdev);

	mutex_lock(set_lock);
	mutex_lock(&vdev->open_lock);
	if (vdev->open_count == 1)
		glue_close_last(&vdev->vdev);
	vdev->open_count--;
	mutex_unlock(&vdev->open_lock);
	mutex_unlock(set_lock);
	module_put(owner);
}
#endif

static ssize_t glue_read(GLUE_ARG arg, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct vfio_device *v = GLUE_VDEV(arg);

	return to_core(v)->ops->read(v, buf, count, ppos);
}

static ssize_t glue_write(GLUE_ARG arg, const char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct vfio_device *v = GLUE_VDEV(arg);

	return to_core(v)->ops->write(v, buf, count, ppos);
}

#ifdef HAVE_VFIO_OPS_DEVICE_FEATURE
static int glue_device_feature(struct vfio_device *v, u32 flags,
			       void __user *arg, size_t argsz)
{
	if (!to_core(v)->ops->device_feature)
		return -ENOTTY;
	return to_core(v)->ops->device_feature(v, flags, arg, argsz);
}
#else
/* Before 5.18 the driver parses the VFIO_DEVICE_FEATURE header itself. */
static long glue_feature_ioctl(struct vfio_device *v,
			       struct vfio_device_feature __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_device_feature, flags);
	u32 all = VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET |
		  VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE;
	struct vfio_device_feature feature;

	if (copy_from_user(&feature, uarg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz || feature.flags & ~all)
		return -EINVAL;
	/* GET and SET together only with PROBE */
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	if (!to_core(v)->ops->device_feature)
		return -ENOTTY;
	return to_core(v)->ops->device_feature(v, feature.flags, uarg->data,
					       feature.argsz - minsz);
}
#endif

static long glue_ioctl(GLUE_ARG arg, unsigned int cmd, unsigned long uarg)
{
	struct vfio_device *v = GLUE_VDEV(arg);

#ifndef HAVE_VFIO_OPS_DEVICE_FEATURE
	if (cmd == VFIO_DEVICE_FEATURE)
		return glue_feature_ioctl(v, (void __user *)uarg);
#endif
	return to_core(v)->ops->ioctl(v, cmd, uarg);
}

static int glue_mmap(GLUE_ARG arg, struct vm_area_struct *vma)
{
	struct vfio_device *v = GLUE_VDEV(arg);

	return to_core(v)->ops->mmap(v, vma);
}

/* The vfio core asks the user to release the device (unbind, unplug). */
static void glue_request(GLUE_ARG arg, unsigned int count)
{
	struct vfio_device *v = GLUE_VDEV(arg);

	if (to_core(v)->ops->request)
		to_core(v)->ops->request(v, count);
}

/*
 * Which device of its group does the user name (GET_DEVICE_FD)? The VF
 * token check applies to every driver of ours, with or without a .match.
 */
static int glue_match(GLUE_ARG arg, char *buf)
{
	struct vfio_device *v = GLUE_VDEV(arg);

	if (to_core(v)->ops->match)
		return to_core(v)->ops->match(v, buf);
	return vfio_pci_core_match(v, buf);
}

#ifdef HAVE_VFIO_OPS_MATCH_TOKEN_UUID
/* The cdev bind path (VFIO_DEVICE_BIND_FLAG_TOKEN) checks the token here. */
static int glue_match_token_uuid(struct vfio_device *v, const uuid_t *uuid)
{
	if (to_core(v)->ops->match_token_uuid)
		return to_core(v)->ops->match_token_uuid(v, uuid);
	return vfio_pci_core_match_token_uuid(v, uuid);
}
#endif

#ifdef HAVE_VFIO_OPS_GET_REGION_INFO_CAPS
static int glue_get_region_info_caps(struct vfio_device *v,
				     struct vfio_region_info *info,
				     struct vfio_info_cap *caps)
{
	return to_core(v)->ops->get_region_info_caps(v, info, caps);
}
#endif

static const struct vfio_device_ops vfio_pci_dkms_glue_ops = {
	.name = "vfio-pci-dkms",
#ifdef HAVE_VFIO_OPS_OPEN_DEVICE
	.init = glue_init,
	.release = glue_release,
	.open_device = glue_open_first,
	.close_device = glue_close_last,
#else
	.open = glue_open_file,
	.release = glue_release_file,
#endif
	.read = glue_read,
	.write = glue_write,
	.ioctl = glue_ioctl,
	.mmap = glue_mmap,
#ifdef HAVE_VFIO_OPS_DEVICE_FEATURE
	.device_feature = glue_device_feature,
#endif
	.request = glue_request,
	.match = glue_match,
#ifdef HAVE_VFIO_OPS_MATCH_TOKEN_UUID
	.match_token_uuid = glue_match_token_uuid,
#endif
#ifdef HAVE_VFIO_OPS_GET_REGION_INFO_CAPS
	.get_region_info_caps = glue_get_region_info_caps,
#endif
#ifdef HAVE_VFIO_OPS_BIND_IOMMUFD
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
#endif
#ifdef HAVE_VFIO_OPS_DETACH_IOAS
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
#endif
};

#ifdef HAVE_VFIO_MIGRATION_OPS
/* Migration v2: the driver's portable ops behind the kernel's table. */
static struct file *glue_mig_set_state(struct vfio_device *v,
				       enum vfio_device_mig_state new_state)
{
	return to_core(v)->mig_ops->migration_set_state(v, new_state);
}

static int glue_mig_get_state(struct vfio_device *v,
			      enum vfio_device_mig_state *curr_state)
{
	return to_core(v)->mig_ops->migration_get_state(v, curr_state);
}

#ifdef HAVE_VFIO_MIG_GET_DATA_SIZE
static int glue_mig_get_data_size(struct vfio_device *v,
				  unsigned long *stop_copy_length)
{
	return to_core(v)->mig_ops->migration_get_data_size(v, stop_copy_length);
}
#endif

static const struct vfio_migration_ops vfio_pci_dkms_glue_mig_ops = {
	.migration_set_state = glue_mig_set_state,
	.migration_get_state = glue_mig_get_state,
#ifdef HAVE_VFIO_MIG_GET_DATA_SIZE
	.migration_get_data_size = glue_mig_get_data_size,
#endif
};

static void glue_mig_setup(struct vfio_pci_core_device *vdev)
{
	vdev->vdev.mig_ops = &vfio_pci_dkms_glue_mig_ops;
	vdev->vdev.migration_flags = vdev->migration_flags;
}
#else
static void glue_mig_setup(struct vfio_pci_core_device *vdev)
{
	pci_info(vdev->pdev, "migration unavailable: this kernel has no VFIO migration v2\n");
}
#endif

struct vfio_pci_core_device *vfio_glue_alloc(size_t size, struct device *dev)
{
#ifdef HAVE_VFIO_ALLOC_DEVICE
	struct vfio_device *v;

	v = _vfio_alloc_device(size, dev, &vfio_pci_dkms_glue_ops);
	if (IS_ERR(v))
		return ERR_CAST(v);
	return to_core(v);
#else
	struct vfio_pci_core_device *vdev = kzalloc(size, GFP_KERNEL);

	if (!vdev)
		return ERR_PTR(-ENOMEM);
	vfio_init_group_dev(&vdev->vdev, dev, &vfio_pci_dkms_glue_ops, vdev);
	return vdev;
#endif
}

void vfio_glue_put(struct vfio_pci_core_device *vdev)
{
#ifdef HAVE_VFIO_ALLOC_DEVICE
	vfio_put_device(&vdev->vdev);	/* glue_release, then the vfio core frees */
#else
	if (vdev->initialized && vdev->ops->release)
		vdev->ops->release(&vdev->vdev);
	kfree(vdev);
#endif
}

int vfio_glue_register(struct vfio_pci_core_device *vdev)
{
	/*
	 * Offer only what this kernel's vfio core knows (no PRE_COPY before
	 * 6.12); the driver sees the result in its migration_flags.
	 */
	if (vdev->mig_ops) {
		vdev->migration_flags &= COMPAT_VFIO_MIGRATION_FLAGS;
		glue_mig_setup(vdev);
	}
	return vfio_register_group_dev(&vdev->vdev);
}

void vfio_glue_unregister(struct vfio_pci_core_device *vdev)
{
	vfio_unregister_group_dev(&vdev->vdev);
}

/*
 * Reset sets: the devices one slot or bus reset takes together. The caller
 * chose the key (see vfio_pci_reset_set_join); NULL means a set of its own.
 * 5.15+ has the vfio core's device sets, whose lock also serializes first
 * open and last close; on older kernels we keep equivalent sets here.
 */
#ifdef HAVE_VFIO_ASSIGN_DEVICE_SET
int vfio_glue_set_assign(struct vfio_pci_core_device *vdev, void *key)
{
	/* Without a key, registration gives the device a set of its own. */
	return key ? vfio_assign_device_set(&vdev->vdev, key) : 0;
}

void vfio_glue_set_leave(struct vfio_pci_core_device *vdev)
{
	/* The vfio core drops the set with the device. */
}

struct mutex *vfio_glue_set_lock(struct vfio_pci_core_device *vdev)
{
	return &vdev->vdev.dev_set->lock;
}

/* Only our devices carry our keys, so every member is one of ours. */
struct vfio_pci_core_device *
vfio_glue_set_next(struct vfio_pci_core_device *vdev,
		   struct vfio_pci_core_device *cur)
{
	struct list_head *head = &vdev->vdev.dev_set->device_list;
	struct list_head *next = cur ? cur->vdev.dev_set_list.next : head->next;

	if (next == head)
		return NULL;
	return to_core(list_entry(next, struct vfio_device, dev_set_list));
}

unsigned int vfio_glue_open_count(struct vfio_pci_core_device *vdev)
{
	return vdev->vdev.open_count;
}

int vfio_glue_group_file_check(struct file *file)
{
	return vfio_file_is_group(file) ? 0 : -EINVAL;
}

bool vfio_glue_group_file_has_dev(struct file *file,
				  struct vfio_pci_core_device *vdev)
{
	return vfio_file_has_dev(file, &vdev->vdev);
}
#else
struct glue_set {
	void *key;
	struct mutex lock;
	struct list_head devices;
	struct list_head node;
};

static LIST_HEAD(glue_sets);
static DEFINE_MUTEX(glue_sets_lock);

int vfio_glue_set_assign(struct vfio_pci_core_device *vdev, void *key)
{
	struct glue_set *set;

	if (!key)
		key = vdev;
	mutex_lock(&glue_sets_lock);
	list_for_each_entry(set, &glue_sets, node)
		if (set->key == key)
			goto found;
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set) {
		mutex_unlock(&glue_sets_lock);
		return -ENOMEM;
	}
	set->key = key;
	mutex_init(&set->lock);
	INIT_LIST_HEAD(&set->devices);
	list_add(&set->node, &glue_sets);
found:
	mutex_lock(&set->lock);
	list_add_tail(&vdev->compat_set_node, &set->devices);
	mutex_unlock(&set->lock);
	vdev->compat_set = set;
	mutex_unlock(&glue_sets_lock);
	return 0;
}

void vfio_glue_set_leave(struct vfio_pci_core_device *vdev)
{
	struct glue_set *set = vdev->compat_set;

	if (!set)
		return;
	mutex_lock(&glue_sets_lock);
	mutex_lock(&set->lock);
	list_del(&vdev->compat_set_node);
	mutex_unlock(&set->lock);
	if (list_empty(&set->devices)) {
		list_del(&set->node);
		mutex_destroy(&set->lock);
		kfree(set);
	}
	vdev->compat_set = NULL;
	mutex_unlock(&glue_sets_lock);
}

struct mutex *vfio_glue_set_lock(struct vfio_pci_core_device *vdev)
{
	return &((struct glue_set *)vdev->compat_set)->lock;
}

struct vfio_pci_core_device *
vfio_glue_set_next(struct vfio_pci_core_device *vdev,
		   struct vfio_pci_core_device *cur)
{
	struct glue_set *set = vdev->compat_set;
	struct list_head *next = cur ? cur->compat_set_node.next :
				       set->devices.next;

	if (next == &set->devices)
		return NULL;
	return list_entry(next, struct vfio_pci_core_device, compat_set_node);
}

unsigned int vfio_glue_open_count(struct vfio_pci_core_device *vdev)
{
	return vdev->open_count;
}

/* A vfio group file the user has attached to a container. */
int vfio_glue_group_file_check(struct file *file)
{
	struct vfio_group *group = vfio_group_get_external_user(file);

	if (IS_ERR(group))
		return PTR_ERR(group);
	vfio_group_put_external_user(group);
	return 0;
}

bool vfio_glue_group_file_has_dev(struct file *file,
				  struct vfio_pci_core_device *vdev)
{
	struct vfio_group *group = vfio_group_get_external_user(file);
	struct iommu_group *iommu_group;
	bool ret;

	if (IS_ERR(group))
		return false;
	iommu_group = iommu_group_get(vdev->vdev.dev);
	ret = iommu_group &&
	      vfio_external_user_iommu_id(group) == iommu_group_id(iommu_group);
	iommu_group_put(iommu_group);
	vfio_group_put_external_user(group);
	return ret;
}
#endif

/*
 * The VGA arbiter asks each client which VGA resources it decodes. 5.15
 * passes the pci_dev and dropped the irq callback; before, it passes back
 * the cookie given at registration (the pci_dev, here).
 */
#ifdef HAVE_VGA_CLIENT_PDEV
static unsigned int glue_vga_decodes(struct pci_dev *pdev, bool single_vga)
{
	return vfio_pci_vga_decodes(pdev, single_vga);
}

int vfio_glue_vga_register(struct pci_dev *pdev)
{
	return vga_client_register(pdev, glue_vga_decodes);
}

void vfio_glue_vga_unregister(struct pci_dev *pdev)
{
	vga_client_unregister(pdev);
}
#else
static unsigned int glue_vga_decodes(void *cookie, bool single_vga)
{
	return vfio_pci_vga_decodes(cookie, single_vga);
}

int vfio_glue_vga_register(struct pci_dev *pdev)
{
	return vga_client_register(pdev, pdev, NULL, glue_vga_decodes);
}

void vfio_glue_vga_unregister(struct pci_dev *pdev)
{
	vga_client_register(pdev, NULL, NULL, NULL);
}
#endif
