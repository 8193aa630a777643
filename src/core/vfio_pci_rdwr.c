// SPDX-License-Identifier: GPL-2.0-only
/*
 * BAR access through the region read/write interface. Memory BARs answer
 * only while the user has memory decode enabled (else -EIO, as a disabled
 * device would not decode), and the MSI-X table is never touched: reads
 * return ones, writes are dropped.
 */
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/nospec.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

/* Claim and map a BAR on first use; kept until the device is closed. */
void __iomem *vfio_pci_bar_claim(struct vfio_pci_core_device *vdev, int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io;

	/*
	 * Every BAR access comes here: once mapped (it stays so until the
	 * last close, when no access can run), skip the lock.
	 */
	io = smp_load_acquire(&vdev->barmap[bar]);
	if (io)
		return io;
	mutex_lock(&vdev->open_lock);
	io = vdev->barmap[bar];
	if (!io) {
		if (pci_request_selected_regions(pdev, 1 << bar, "vfio-pci-dkms")) {
			io = IOMEM_ERR_PTR(-EBUSY);
		} else {
			io = pci_iomap(pdev, bar, 0);
			if (!io) {
				pci_release_selected_regions(pdev, 1 << bar);
				io = IOMEM_ERR_PTR(-ENOMEM);
			} else {
				/* Pairs with the acquire above: the map is set up first. */
				smp_store_release(&vdev->barmap[bar], io);
			}
		}
	}
	mutex_unlock(&vdev->open_lock);
	return io;
}

void __iomem *vfio_pci_core_bar_begin(struct vfio_pci_core_device *vdev,
				      int bar)
{
	void __iomem *io;

	if (bar < 0 || bar >= PCI_STD_NUM_BARS ||
	    !(pci_resource_flags(vdev->pdev, bar) & IORESOURCE_MEM))
		return IOMEM_ERR_PTR(-EINVAL);
	io = vfio_pci_bar_claim(vdev, bar);
	if (IS_ERR(io))
		return io;
	down_read(&vdev->memory_lock);
	if (!vfio_pci_memory_enabled(vdev)) {
		up_read(&vdev->memory_lock);
		return IOMEM_ERR_PTR(-EIO);
	}
	return io;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_bar_begin, VFIO_PCI_DKMS);

void vfio_pci_core_bar_end(struct vfio_pci_core_device *vdev)
{
	up_read(&vdev->memory_lock);
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_bar_end, VFIO_PCI_DKMS);

void vfio_pci_bars_release(struct vfio_pci_core_device *vdev)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!vdev->barmap[bar])
			continue;
		pci_iounmap(vdev->pdev, vdev->barmap[bar]);
		pci_release_selected_regions(vdev->pdev, 1 << bar);
		vdev->barmap[bar] = NULL;
	}
}

/* One aligned access of 1, 2, 4 or 8 bytes. */
/*
 * One access of @n bytes. Each size copies a constant number of bytes: a
 * constant-size user copy is a single move, where a variable one goes
 * through the generic copy and the hardened-usercopy checks (measurably
 * slower on the hot BAR path).
 */
#define IO_ACCESS(type, bits)						\
	do {								\
		type v;							\
									\
		if (iswrite) {						\
			if (copy_from_user(&v, buf, sizeof(v)))		\
				return -EFAULT;				\
			iowrite##bits(v, io);				\
			return 0;					\
		}							\
		v = ioread##bits(io);					\
		return copy_to_user(buf, &v, sizeof(v)) ? -EFAULT : 0;	\
	} while (0)

static int io_access(void __iomem *io, char __user *buf, size_t n, bool iswrite)
{
	switch (n) {
	case 8:
		IO_ACCESS(u64, 64);
	case 4:
		IO_ACCESS(u32, 32);
	case 2:
		IO_ACCESS(u16, 16);
	default:
		IO_ACCESS(u8, 8);
	}
}

/*
 * Copy [pos, pos + count) of @io with the widest aligned accesses, skipping
 * [xs, xe) (reads there return 0xff). Returns the bytes copied or an errno.
 */
ssize_t vfio_pci_do_io_rw(void __iomem *io, char __user *buf, u64 pos,
			  size_t count, u64 xs, u64 xe, bool iswrite)
{
	static const u8 ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t done = 0;
	int ret;

	while (done < count) {
		u64 p = pos + done;
		size_t left = count - done, n;

		if (p >= xs && p < xe) {
			n = min_t(u64, left, xe - p);
			n = min_t(size_t, n, sizeof(ones));
			if (!iswrite && copy_to_user(buf + done, ones, n))
				return done ? done : -EFAULT;
			done += n;
			continue;
		}
		if (p < xs)
			left = min_t(u64, left, xs - p);
		if (left >= 8 && !(p % 8))
			n = 8;
		else if (left >= 4 && !(p % 4))
			n = 4;
		else if (left >= 2 && !(p % 2))
			n = 2;
		else
			n = 1;
		ret = io_access(io + p, buf + done, n, iswrite);
		if (ret)
			return done ? done : ret;
		done += n;
	}
	return done;
}

ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite)
{
	struct pci_dev *pdev = vdev->pdev;
	/* The caller checked the index; keep speculation inside the BARs too. */
	int bar = array_index_nospec(VFIO_PCI_OFFSET_TO_INDEX(*ppos), PCI_STD_NUM_BARS);
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK, end, xs = ~0ULL, xe = ~0ULL;
	bool is_mem = pci_resource_flags(pdev, bar) & IORESOURCE_MEM;
	void __iomem *io;
	ssize_t done;

	end = pci_resource_len(pdev, bar);
	if (!end || pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	if (bar == vdev->msix_bar) {
		xs = vdev->msix_offset;
		xe = (u64)vdev->msix_offset + vdev->msix_size;
	}

	io = vfio_pci_bar_claim(vdev, bar);
	if (IS_ERR(io))
		return PTR_ERR(io);

	if (is_mem) {
		down_read(&vdev->memory_lock);
		if (!vfio_pci_memory_enabled(vdev)) {
			up_read(&vdev->memory_lock);
			return -EIO;
		}
	}
	done = vfio_pci_do_io_rw(io, buf, pos, count, xs, xe, iswrite);
	if (is_mem)
		up_read(&vdev->memory_lock);
	if (done > 0)
		*ppos += done;
	return done;
}

/*
 * The ROM is read with memory decode on in hardware whatever the user's
 * command register says (the ROM is not part of the user's address map
 * until it asks); memory_lock keeps BAR users and mappings out meanwhile.
 */
static u16 vfio_pci_memory_lock_and_enable(struct vfio_pci_core_device *vdev)
{
	u16 cmd;

	down_write(&vdev->memory_lock);
	pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(vdev->pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY);
	return cmd;
}

static void vfio_pci_memory_unlock_and_restore(struct vfio_pci_core_device *vdev,
					       u16 cmd)
{
	pci_write_config_word(vdev->pdev, PCI_COMMAND, cmd);
	up_write(&vdev->memory_lock);
}

/* Size of the ROM region: the BAR if it holds a valid image, else 0. */
size_t vfio_pci_rom_size(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io;
	size_t size = 0;
	u16 cmd;

	if (!pci_resource_start(pdev, PCI_ROM_RESOURCE))
		return 0;
	cmd = vfio_pci_memory_lock_and_enable(vdev);
	io = pci_map_rom(pdev, &size);
	if (io) {
		size = pci_resource_len(pdev, PCI_ROM_RESOURCE);
		pci_unmap_rom(pdev, io);
	} else {
		size = 0;
	}
	vfio_pci_memory_unlock_and_restore(vdev, cmd);
	return size;
}

/* Bytes past the image inside the BAR read as ones, as an empty ROM does. */
ssize_t vfio_pci_rom_read(struct vfio_pci_core_device *vdev, char __user *buf,
			  size_t count, loff_t *ppos)
{
	struct pci_dev *pdev = vdev->pdev;
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	u64 end = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	void __iomem *io;
	size_t image;
	ssize_t done;
	u16 cmd;

	if (!pci_resource_start(pdev, PCI_ROM_RESOURCE) || pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	cmd = vfio_pci_memory_lock_and_enable(vdev);
	io = pci_map_rom(pdev, &image);
	if (!io) {
		done = -EIO;
	} else {
		done = vfio_pci_do_io_rw(io, buf, pos, count, image, end, false);
		pci_unmap_rom(pdev, io);
	}
	vfio_pci_memory_unlock_and_restore(vdev, cmd);
	if (done > 0)
		*ppos += done;
	return done;
}

/*
 * VFIO_DEVICE_IOEVENTFD: a write of a fixed value to a fixed BAR offset,
 * done in the kernel when an eventfd fires (a VMM wires it to a guest's
 * doorbell write). The same rules as a user write apply: only BARs, never
 * the MSI-X table, and never while memory decode is off.
 */
#define VFIO_PCI_IOEVENTFD_MAX	1000

struct vfio_pci_ioeventfd {
	struct list_head next;
	struct vfio_pci_core_device *vdev;
	struct virqfd *virqfd;
	void __iomem *addr;
	u64 data;
	u64 pos;
	int bar;
	int count;
	bool test_mem;
};

static void ioeventfd_write(struct vfio_pci_ioeventfd *ev)
{
	switch (ev->count) {
	case 1:
		iowrite8(ev->data, ev->addr);
		break;
	case 2:
		iowrite16(ev->data, ev->addr);
		break;
	case 4:
		iowrite32(ev->data, ev->addr);
		break;
	default:
		iowrite64(ev->data, ev->addr);
		break;
	}
}

/* Runs in the eventfd's wakeup: must not sleep; defer if the lock is busy. */
static int ioeventfd_handler(void *opaque, void *unused)
{
	struct vfio_pci_ioeventfd *ev = opaque;
	struct vfio_pci_core_device *vdev = ev->vdev;

	if (ev->test_mem) {
		if (!down_read_trylock(&vdev->memory_lock))
			return 1;	/* contended: do it in the thread */
		if (vfio_pci_memory_enabled(vdev))
			ioeventfd_write(ev);
		up_read(&vdev->memory_lock);
		return 0;
	}
	ioeventfd_write(ev);
	return 0;
}

static void ioeventfd_thread(void *opaque, void *unused)
{
	struct vfio_pci_ioeventfd *ev = opaque;
	struct vfio_pci_core_device *vdev = ev->vdev;

	down_read(&vdev->memory_lock);
	if (vfio_pci_memory_enabled(vdev))
		ioeventfd_write(ev);
	up_read(&vdev->memory_lock);
}

static void ioeventfd_free(struct vfio_pci_core_device *vdev,
			   struct vfio_pci_ioeventfd *ev)
{
	vfio_virqfd_disable(&ev->virqfd);
	list_del(&ev->next);
	vdev->ioeventfds_nr--;
	kfree(ev);
}

static int vfio_pci_ioeventfd(struct vfio_pci_core_device *vdev, u64 offset,
			      u64 data, int count, int fd)
{
	struct pci_dev *pdev = vdev->pdev;
	u64 pos = offset & VFIO_PCI_OFFSET_MASK;
	int bar = VFIO_PCI_OFFSET_TO_INDEX(offset);
	struct vfio_pci_ioeventfd *ev;
	void __iomem *io;
	int ret;

	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;		/* BARs only */
	if (pos + count > pci_resource_len(pdev, bar))
		return -EINVAL;
	if (bar == vdev->msix_bar && pos + count > vdev->msix_offset &&
	    pos < (u64)vdev->msix_offset + vdev->msix_size)
		return -EINVAL;		/* no way around the MSI-X table rule */

	io = vfio_pci_bar_claim(vdev, bar);
	if (IS_ERR(io))
		return PTR_ERR(io);

	mutex_lock(&vdev->ioeventfds_lock);
	list_for_each_entry(ev, &vdev->ioeventfds, next) {
		if (ev->pos == pos && ev->bar == bar && ev->data == data &&
		    ev->count == count) {
			if (fd == -1) {
				ioeventfd_free(vdev, ev);
				ret = 0;
			} else {
				ret = -EEXIST;
			}
			goto out;
		}
	}
	if (fd < 0) {
		ret = -ENODEV;		/* nothing to remove */
		goto out;
	}
	if (vdev->ioeventfds_nr >= VFIO_PCI_IOEVENTFD_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	ev = kzalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev) {
		ret = -ENOMEM;
		goto out;
	}
	ev->vdev = vdev;
	ev->addr = io + pos;
	ev->data = data;
	ev->pos = pos;
	ev->bar = bar;
	ev->count = count;
	ev->test_mem = pci_resource_flags(pdev, bar) & IORESOURCE_MEM;
	ret = vfio_virqfd_enable(ev, ioeventfd_handler, ioeventfd_thread, NULL,
				 &ev->virqfd, fd);
	if (ret) {
		kfree(ev);
		goto out;
	}
	list_add(&ev->next, &vdev->ioeventfds);
	vdev->ioeventfds_nr++;
out:
	mutex_unlock(&vdev->ioeventfds_lock);
	return ret;
}

int vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vdev,
			     struct vfio_device_ioeventfd __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_ioeventfd, fd);
	struct vfio_device_ioeventfd ioeventfd;
	int count;

	if (copy_from_user(&ioeventfd, arg, minsz))
		return -EFAULT;
	if (ioeventfd.argsz < minsz)
		return -EINVAL;
	if (ioeventfd.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK)
		return -EINVAL;
	count = ioeventfd.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
	if (hweight8(count) != 1 || ioeventfd.fd < -1)
		return -EINVAL;
	return vfio_pci_ioeventfd(vdev, ioeventfd.offset, ioeventfd.data,
				  count, ioeventfd.fd);
}

/* On close: every ioeventfd goes, before the BAR mappings they use. */
void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_ioeventfd *ev, *tmp;

	mutex_lock(&vdev->ioeventfds_lock);
	list_for_each_entry_safe(ev, tmp, &vdev->ioeventfds, next)
		ioeventfd_free(vdev, ev);
	mutex_unlock(&vdev->ioeventfds_lock);
}
