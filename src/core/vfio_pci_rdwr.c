// SPDX-License-Identifier: GPL-2.0-only
/*
 * BAR access through the region read/write interface. Memory BARs answer
 * only while the user has memory decode enabled (else -EIO, as a disabled
 * device would not decode), and the MSI-X table is never touched: reads
 * return ones, writes are dropped.
 */
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "vfio_pci_priv.h"

/* Claim and map a BAR on first use; kept until the device is closed. */
void __iomem *vfio_pci_bar_claim(struct vfio_pci_core_device *vdev, int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io;

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
				vdev->barmap[bar] = io;
			}
		}
	}
	mutex_unlock(&vdev->open_lock);
	return io;
}

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
static int io_access(void __iomem *io, char __user *buf, size_t n, bool iswrite)
{
	u64 val = 0;

	if (iswrite) {
		if (copy_from_user(&val, buf, n))
			return -EFAULT;
		switch (n) {
		case 8:
			iowrite64(val, io);
			break;
		case 4:
			iowrite32(val, io);
			break;
		case 2:
			iowrite16(val, io);
			break;
		default:
			iowrite8(val, io);
			break;
		}
		return 0;
	}
	switch (n) {
	case 8:
		val = ioread64(io);
		break;
	case 4:
		val = ioread32(io);
		break;
	case 2:
		val = ioread16(io);
		break;
	default:
		val = ioread8(io);
		break;
	}
	return copy_to_user(buf, &val, n) ? -EFAULT : 0;
}

/* Copy [pos, pos + count) with the widest aligned accesses, skipping [xs, xe). */
static ssize_t do_io_rw(void __iomem *io, char __user *buf, u64 pos,
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
	int bar = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
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
	done = do_io_rw(io, buf, pos, count, xs, xe, iswrite);
	if (is_mem)
		up_read(&vdev->memory_lock);
	if (done > 0)
		*ppos += done;
	return done;
}
