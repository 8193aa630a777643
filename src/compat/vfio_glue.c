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
#include <linux/slab.h>

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
/* 5.10 calls open/release for every file; count them ourselves. */
static int glue_open_file(void *data)
{
	struct vfio_pci_core_device *vdev = to_core(data);
	struct module *owner = vdev->pdev->dev.driver->owner;
	int ret = 0;

	if (!try_module_get(owner))
		return -ENODEV;
	mutex_lock(&vdev->open_lock);
	if (!vdev->open_count)
		ret = glue_open_first(&vdev->vdev);
	if (!ret)
		vdev->open_count++;
	mutex_unlock(&vdev->open_lock);
	if (ret)
		module_put(owner);
	return ret;
}

static void glue_release_file(void *data)
{
	struct vfio_pci_core_device *vdev = to_core(data);
	struct module *owner = vdev->pdev->dev.driver->owner;

	mutex_lock(&vdev->open_lock);
	if (!--vdev->open_count)
		glue_close_last(&vdev->vdev);
	mutex_unlock(&vdev->open_lock);
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

static long glue_ioctl(GLUE_ARG arg, unsigned int cmd, unsigned long uarg)
{
	struct vfio_device *v = GLUE_VDEV(arg);

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
	.request = glue_request,
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
	return vfio_register_group_dev(&vdev->vdev);
}

void vfio_glue_unregister(struct vfio_pci_core_device *vdev)
{
	vfio_unregister_group_dev(&vdev->vdev);
}
