// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VGA region of a VGA-class device (VFIO_PCI_VGA_REGION_INDEX): the
 * legacy ranges every VGA device answers at fixed addresses, the memory
 * window 0xa0000-0xbffff and the I/O ports 0x3b0-0x3bb and 0x3c0-0x3df.
 * Region offsets are those addresses; everything else in the region is a
 * hole. All VGA devices answer at the same addresses, so each access holds
 * the VGA arbiter's lock on its range, which routes the range to this
 * device alone (bridge VGA enables on the way, other devices' decode off).
 *
 * The core is also the device's arbiter client: it tells the arbiter which
 * ranges the device decodes, and before anything else it makes the host's
 * consoles (firmware framebuffer, vgacon) let go of the device.
 */
#include <linux/io.h>
#include <linux/vgaarb.h>

#include "vfio_pci_priv.h"
#include "compat.h"

/* The region ends with the memory window. */
#define VGA_REGION_SIZE		0xc0000

static const struct vga_window {
	u32 start, len;
	bool is_io;
	unsigned int rsrc;	/* the arbiter's name for the range */
} vga_windows[VFIO_PCI_VGA_WINDOWS] = {
	{ 0xa0000, 0x20000, false, VGA_RSRC_LEGACY_MEM },
	{ 0x3b0, 0x0c, true, VGA_RSRC_LEGACY_IO },
	{ 0x3c0, 0x20, true, VGA_RSRC_LEGACY_IO },
};

static bool vfio_pci_is_vga(struct pci_dev *pdev)
{
	return (pdev->class >> 8) == PCI_CLASS_DISPLAY_VGA;
}

/*
 * Legacy VGA decoding is an x86 (ISA) arrangement, and without the arbiter
 * nothing would keep two devices from answering one access: the region
 * exists only where both hold.
 */
static bool vfio_pci_vga_supported(void)
{
	return IS_ENABLED(CONFIG_X86) && IS_ENABLED(CONFIG_VGA_ARB);
}

/*
 * The arbiter's question (through the glue): which VGA resources does
 * @pdev decode? Its BARs always. The legacy ranges too, unless no user of
 * ours can reach them (no VGA region) and the arbiter can route them past
 * the device, which it does with a bridge's VGA enable: impossible on the
 * root bus, or when another VGA device sits below the same bridge.
 */
unsigned int vfio_pci_vga_decodes(struct pci_dev *pdev, bool single_vga)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);
	unsigned int own = VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM;
	unsigned int all = own | VGA_RSRC_LEGACY_IO | VGA_RSRC_LEGACY_MEM;
	unsigned char first = pdev->bus->number, last;
	struct pci_dev *other = NULL;

	if (single_vga || vdev->has_vga || pci_is_root_bus(pdev->bus))
		return all;
	last = pci_bus_max_busnr(pdev->bus);
	while ((other = pci_get_class(PCI_CLASS_DISPLAY_VGA << 8, other))) {
		if (other == pdev || pci_is_root_bus(other->bus) ||
		    pci_domain_nr(other->bus) != pci_domain_nr(pdev->bus))
			continue;
		if (other->bus->number >= first && other->bus->number <= last) {
			pci_dev_put(other);
			return all;
		}
	}
	return own;
}

static void vfio_pci_vga_unmap(struct vfio_pci_core_device *vdev)
{
	int i;

	for (i = 0; i < VFIO_PCI_VGA_WINDOWS; i++) {
		if (!vdev->vga_map[i])
			continue;
		if (vga_windows[i].is_io)
			ioport_unmap(vdev->vga_map[i]);
		else
			iounmap(vdev->vga_map[i]);
		vdev->vga_map[i] = NULL;
	}
}

static int vfio_pci_vga_map(struct vfio_pci_core_device *vdev)
{
	int i;

	for (i = 0; i < VFIO_PCI_VGA_WINDOWS; i++) {
		const struct vga_window *w = &vga_windows[i];

		vdev->vga_map[i] = w->is_io ? ioport_map(w->start, w->len) :
					      ioremap(w->start, w->len);
		if (!vdev->vga_map[i]) {
			vfio_pci_vga_unmap(vdev);
			return -ENOMEM;
		}
	}
	return 0;
}

/* At registration, for every VGA-class device whether or not it offers VGA. */
int vfio_pci_vga_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	if (!vfio_pci_is_vga(pdev))
		return 0;
	/* Nothing on the host may draw into a device a user owns. */
	ret = compat_remove_host_consoles(pdev, vdev->ops->name);
	if (ret) {
		pci_warn(pdev, "cannot take the device from the host consoles (%d)\n",
			 ret);
		return ret;
	}
	if (!vdev->disable_vga && vfio_pci_vga_supported()) {
		ret = vfio_pci_vga_map(vdev);
		if (ret)
			return ret;
		vdev->has_vga = true;
	}
	ret = vfio_glue_vga_register(pdev);
	if (ret) {
		pci_warn(pdev, "the VGA arbiter refused the device (%d)\n", ret);
		vdev->has_vga = false;
		vfio_pci_vga_unmap(vdev);
		return ret;
	}
	vga_set_legacy_decoding(pdev, vfio_pci_vga_decodes(pdev, false));
	return 0;
}

/* The next driver finds the device decoding everything, as at boot. */
void vfio_pci_vga_uninit(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	if (!vfio_pci_is_vga(pdev))
		return;
	vfio_glue_vga_unregister(pdev);
	vga_set_legacy_decoding(pdev, VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM |
				      VGA_RSRC_LEGACY_IO | VGA_RSRC_LEGACY_MEM);
	vdev->has_vga = false;
	vfio_pci_vga_unmap(vdev);
}

int vfio_pci_vga_region_info(struct vfio_pci_core_device *vdev,
			     struct vfio_region_info *info)
{
	if (!vdev->has_vga)
		return -EINVAL;
	info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
	info->size = VGA_REGION_SIZE;
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	return 0;
}

/*
 * One access, clipped to the window holding its start. The arbiter's lock
 * is taken before memory_lock, so a user blocked on it (another VGA user
 * holds the range) never holds up resets or the command register.
 */
ssize_t vfio_pci_vga_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite)
{
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	const struct vga_window *w;
	ssize_t done;
	int i, ret;

	if (!vdev->has_vga)
		return -EINVAL;
	for (i = 0; i < VFIO_PCI_VGA_WINDOWS; i++)
		if (pos >= vga_windows[i].start &&
		    pos < vga_windows[i].start + vga_windows[i].len)
			break;
	if (i == VFIO_PCI_VGA_WINDOWS)
		return -EINVAL;
	w = &vga_windows[i];
	count = min_t(u64, count, w->start + w->len - pos);

	ret = vga_get_interruptible(vdev->pdev, w->rsrc);
	if (ret)
		return ret;
	down_read(&vdev->memory_lock);
	if (vfio_pci_parked(vdev))
		done = -EIO;
	else
		done = vfio_pci_do_io_rw(vdev->vga_map[i], buf, pos - w->start,
					 count, ~0ULL, ~0ULL, iswrite);
	up_read(&vdev->memory_lock);
	vga_put(vdev->pdev, w->rsrc);
	if (done > 0)
		*ppos += done;
	return done;
}
