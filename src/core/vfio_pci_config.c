// SPDX-License-Identifier: GPL-2.0-only
/*
 * Config-space virtualization on a real device: the tables and capability
 * walk of config_space.c, applied through pci_user_{read,write}_config_*.
 * The user sees the header the way the in-tree vfio-pci presents it (BARs
 * with sizing emulation, virtual INTx disable and capability list) and may
 * write only the bits the permission tables allow.
 */
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vfio_pci_priv.h"
#include "config_space.h"

#define is_bar(pos) (((pos) >= PCI_BASE_ADDRESS_0 && (pos) < PCI_BASE_ADDRESS_5 + 4) || \
		     ((pos) >= PCI_ROM_ADDRESS && (pos) < PCI_ROM_ADDRESS + 4))

static int phys_read(struct pci_dev *pdev, int pos, int size, u32 *val)
{
	u16 w;
	u8 b;
	int ret;

	switch (size) {
	case 1:
		ret = pci_user_read_config_byte(pdev, pos, &b);
		*val = b;
		break;
	case 2:
		ret = pci_user_read_config_word(pdev, pos, &w);
		*val = w;
		break;
	default:
		ret = pci_user_read_config_dword(pdev, pos, val);
		break;
	}
	return pcibios_err_to_errno(ret);
}

static int phys_write(struct pci_dev *pdev, int pos, int size, u32 val)
{
	int ret;

	switch (size) {
	case 1:
		ret = pci_user_write_config_byte(pdev, pos, val);
		break;
	case 2:
		ret = pci_user_write_config_word(pdev, pos, val);
		break;
	default:
		ret = pci_user_write_config_dword(pdev, pos, val);
		break;
	}
	return pcibios_err_to_errno(ret);
}

static int layout_read(void *ctx, int pos, int size, u32 *val)
{
	return phys_read(ctx, pos, size, val);
}

static u32 vget(const u8 *p, int size)
{
	return cfg_chunk_mask(p, size);
}

static void vput(u8 *p, int size, u32 val)
{
	int i;

	for (i = 0; i < size; i++)
		p[i] = (u8)(val >> (8 * i));
}

int vfio_pci_config_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct cfg_layout *l;
	int i, ret;

	l = kvzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	ret = cfg_layout_build(l, pdev->cfg_size, layout_read, pdev);
	if (ret) {
		kvfree(l);
		return ret;
	}
	if (l->hidden)
		pci_dbg(pdev, "hiding %d capabilities from the user\n", l->hidden);

	if (!vfio_pci_intx_usable(pdev))
		l->vconfig[PCI_INTERRUPT_PIN] = 0;

	/* The BAR values to put back if a reset clears them behind our back. */
	for (i = 0; i < 6; i++)
		vdev->rbar[i] = vget(&l->vconfig[PCI_BASE_ADDRESS_0 + 4 * i], 4);
	vdev->rbar[6] = vget(&l->vconfig[PCI_ROM_ADDRESS], 4);
	vdev->bardirty = true;
	vdev->cfg = l;
	return 0;
}

void vfio_pci_config_free(struct vfio_pci_core_device *vdev)
{
	kvfree(vdev->cfg);
	vdev->cfg = NULL;
}

/* Caller holds memory_lock. */
bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vdev)
{
	u16 cmd;

	if (!vdev->cfg)
		return false;
	cmd = vget(&vdev->cfg->vconfig[PCI_COMMAND], 2);
	/* A device in D3 or parked does not decode, whatever the command says. */
	if (vfio_pci_parked(vdev))
		return false;
	/* A VF's memory enable lives in its PF's SR-IOV capability. */
	return vdev->pdev->is_virtfn || (cmd & PCI_COMMAND_MEMORY);
}

static u32 bar_flags(struct pci_dev *pdev, int bar)
{
	unsigned long flags = pci_resource_flags(pdev, bar);
	u32 val;

	if (flags & IORESOURCE_IO)
		return PCI_BASE_ADDRESS_SPACE_IO;
	val = PCI_BASE_ADDRESS_SPACE_MEMORY;
	if (flags & IORESOURCE_PREFETCH)
		val |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	if (flags & IORESOURCE_MEM_64)
		val |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	return val;
}

/*
 * BAR sizing emulation: the virtual BARs keep what the user wrote, masked
 * to the real size and with the real type bits, so writing all ones and
 * reading back yields the size as on hardware.
 */
static void vfio_bar_fixup(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u8 *vconfig = vdev->cfg->vconfig;
	u64 mask;
	u32 v;
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		u8 *bar = &vconfig[PCI_BASE_ADDRESS_0 + 4 * i];

		if (!pci_resource_start(pdev, i)) {
			vput(bar, 4, 0);	/* not mapped by the host: absent */
			continue;
		}
		mask = ~((u64)pci_resource_len(pdev, i) - 1);
		v = (vget(bar, 4) & (u32)mask) | bar_flags(pdev, i);
		vput(bar, 4, v);
		if ((v & PCI_BASE_ADDRESS_MEM_TYPE_64) && i + 1 < PCI_STD_NUM_BARS) {
			i++;
			bar += 4;
			vput(bar, 4, vget(bar, 4) & (u32)(mask >> 32));
		}
	}

	if (pci_resource_start(pdev, PCI_ROM_RESOURCE)) {
		mask = ~((u64)pci_resource_len(pdev, PCI_ROM_RESOURCE) - 1);
		mask |= PCI_ROM_ADDRESS_ENABLE;
	} else if (pdev->resource[PCI_ROM_RESOURCE].flags & IORESOURCE_ROM_SHADOW) {
		mask = ~(u64)(0x20000 - 1) | PCI_ROM_ADDRESS_ENABLE;
	} else {
		mask = 0;
	}
	vput(&vconfig[PCI_ROM_ADDRESS], 4,
	     vget(&vconfig[PCI_ROM_ADDRESS], 4) & (u32)mask);
	vdev->bardirty = false;
}

/* After a reset we did not see, the real BARs may be zero: put them back. */
static void vfio_bar_restore_if_lost(struct vfio_pci_core_device *vdev,
				     bool force)
{
	struct pci_dev *pdev = vdev->pdev;
	bool lost = force;
	u32 bar;
	int i;

	if (pdev->is_virtfn)
		return;
	for (i = 0; i < 6 && !lost; i++) {
		if (!vdev->rbar[i])
			continue;
		if (phys_read(pdev, PCI_BASE_ADDRESS_0 + 4 * i, 4, &bar) ||
		    bar != vdev->rbar[i])
			lost = true;
	}
	if (!lost)
		return;
	pci_info(pdev, "device was reset behind our back, restoring its BARs\n");
	for (i = 0; i < 6; i++)
		phys_write(pdev, PCI_BASE_ADDRESS_0 + 4 * i, 4, vdev->rbar[i]);
	phys_write(pdev, PCI_ROM_ADDRESS, 4, vdev->rbar[6]);
}

static int config_read_chunk(struct vfio_pci_core_device *vdev, int pos,
			     int n, u32 *val)
{
	struct cfg_layout *l = vdev->cfg;
	const struct cfg_perm *p;
	int off, ret;
	u32 virt = 0, phys;

	if (l->map[pos] == CFG_MAP_FREE)
		return phys_read(vdev->pdev, pos, n, val);	/* gaps: raw */

	p = &cfg_perms[l->perm[pos]];
	off = pos - l->start[pos];
	if (l->map[pos] == CFG_MAP_BASIC && pos < PCI_STD_HEADER_SIZEOF &&
	    is_bar(pos) && vdev->bardirty)
		vfio_bar_fixup(vdev);
	if (off < p->len)
		virt = cfg_chunk_mask(&p->virt[off], n);

	*val = vget(&l->vconfig[pos], n);
	if (virt != (u32)(~0ULL >> (64 - 8 * n))) {
		ret = phys_read(vdev->pdev, pos, n, &phys);
		if (ret)
			return ret;
		*val = cfg_merge_read(phys, *val, virt);
	}
	return 0;
}

/* The command register: track memory/IO enable and revoke mappings. */
static int command_write(struct vfio_pci_core_device *vdev, int n, u32 val,
			 u32 virt, u32 write)
{
	u8 *vcmd = &vdev->cfg->vconfig[PCI_COMMAND];
	u16 mask = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;
	u16 old = vget(vcmd, 2), phys_cmd;
	bool new_mem = val & PCI_COMMAND_MEMORY;
	bool new_io = val & PCI_COMMAND_IO;
	u32 phys;
	int ret;

	if (!new_mem)
		vfio_pci_zap_and_down_write_memory_lock(vdev);
	else
		down_write(&vdev->memory_lock);

	ret = phys_read(vdev->pdev, PCI_COMMAND, 2, &phys);
	if (ret)
		goto out;
	phys_cmd = phys;
	/* Enabling what we think is on but the device has off: it was reset. */
	vfio_bar_restore_if_lost(vdev,
				 (new_mem && (old & PCI_COMMAND_MEMORY) &&
				  !(phys_cmd & PCI_COMMAND_MEMORY)) ||
				 (new_io && (old & PCI_COMMAND_IO) &&
				  !(phys_cmd & PCI_COMMAND_IO)));

	vput(vcmd, n, (vget(vcmd, n) & ~(write & virt)) | (val & write & virt));
	if (write & ~virt) {
		phys = (phys & ~(write & ~virt)) | (val & write & ~virt);
		ret = phys_write(vdev->pdev, PCI_COMMAND, n, phys);
		if (ret)
			goto out;
	}
	/* Remember the enables for the reset check above and for faults. */
	vput(vcmd, 2, (vget(vcmd, 2) & ~mask) | ((u16)val & mask));
out:
	up_write(&vdev->memory_lock);
	/* INTx disable is virtual: it masks our INTx delivery instead. */
	if (!ret)
		vfio_pci_intx_command_written(vdev);
	return ret;
}

/* Reset requested through a config-space FLR bit (PCIe or AF). */
static void config_flr(struct vfio_pci_core_device *vdev)
{
	vfio_pci_zap_and_down_write_memory_lock(vdev);
	pci_try_reset_function(vdev->pdev);
	up_write(&vdev->memory_lock);
	vfio_pci_irqs_after_reset(vdev);
}

static void exp_write_done(struct vfio_pci_core_device *vdev, int cap,
			   u16 old_devctl)
{
	u8 *ctrl = &vdev->cfg->vconfig[cap + PCI_EXP_DEVCTL];
	u16 devctl = vget(ctrl, 2);
	u32 devcap;
	int readrq;

	/* FLR reads as zero; act on it if the device can do it. */
	if (devctl & PCI_EXP_DEVCTL_BCR_FLR) {
		vput(ctrl, 2, devctl & ~PCI_EXP_DEVCTL_BCR_FLR);
		if (!phys_read(vdev->pdev, cap + PCI_EXP_DEVCAP, 4, &devcap) &&
		    (devcap & PCI_EXP_DEVCAP_FLR))
			config_flr(vdev);
	}

	/*
	 * MRRS: the user has no fabric view and may pick a safe but slow
	 * value; apply a change, but never below the MPS so full TLPs work.
	 */
	if ((devctl ^ old_devctl) & PCI_EXP_DEVCTL_READRQ) {
		readrq = 128 << ((devctl & PCI_EXP_DEVCTL_READRQ) >> 12);
		pcie_set_readrq(vdev->pdev, max(readrq, pcie_get_mps(vdev->pdev)));
	}
}

static void af_write_done(struct vfio_pci_core_device *vdev, int cap)
{
	u8 *ctrl = &vdev->cfg->vconfig[cap + PCI_AF_CTRL];
	u32 afcap;

	if (!(*ctrl & PCI_AF_CTRL_FLR))
		return;
	*ctrl &= ~PCI_AF_CTRL_FLR;
	if (!phys_read(vdev->pdev, cap + PCI_AF_CAP, 1, &afcap) &&
	    (afcap & PCI_AF_CAP_FLR) && (afcap & PCI_AF_CAP_TP))
		config_flr(vdev);
}

/*
 * VPD through the PCI core: writing the address with the flag clear reads
 * a dword into the data register, with the flag set writes the data
 * register; completion toggles the flag, as hardware does.
 */
static void vpd_write_done(struct vfio_pci_core_device *vdev, int cap,
			   int off, int n)
{
	u8 *paddr = &vdev->cfg->vconfig[cap + PCI_VPD_ADDR];
	u8 *pdata = &vdev->cfg->vconfig[cap + PCI_VPD_DATA];
	u16 addr;
	__le32 data;

	/* Only a write of the flag byte starts a transfer. */
	if (off > PCI_VPD_ADDR + 1 || off + n <= PCI_VPD_ADDR + 1)
		return;
	addr = vget(paddr, 2);
	if (addr & PCI_VPD_ADDR_F) {
		data = cpu_to_le32(vget(pdata, 4));
		if (pci_write_vpd(vdev->pdev, addr & ~PCI_VPD_ADDR_F, 4, &data) != 4)
			return;
	} else {
		data = 0;
		if (pci_read_vpd(vdev->pdev, addr, 4, &data) != 4)
			return;
		vput(pdata, 4, le32_to_cpu(data));
	}
	vput(paddr, 2, addr ^ PCI_VPD_ADDR_F);
}

static int pm_write_done(struct vfio_pci_core_device *vdev, u32 val)
{
	static const pci_power_t states[] = { PCI_D0, PCI_D1, PCI_D2, PCI_D3hot };

	return vfio_pci_set_power_state(vdev,
					states[val & PCI_PM_CTRL_STATE_MASK]);
}

/*
 * Side effects of a write that the permission tables cannot express.
 * @old_devctl: the PCIe device control word before the write.
 */
static int cap_write_done(struct vfio_pci_core_device *vdev, u8 perm,
			  int cap, int off, int n, u32 val, u16 old_devctl)
{
	switch (perm) {
	case CFG_PERM_BASIC:
		/* A byte write to the upper half of the command register. */
		if (off == PCI_COMMAND + 1)
			vfio_pci_intx_command_written(vdev);
		return 0;
	case CFG_PERM_MSI32:
	case CFG_PERM_MSI32_MASK:
	case CFG_PERM_MSI64:
	case CFG_PERM_MSI64_MASK:
		if (off <= PCI_MSI_FLAGS && off + n > PCI_MSI_FLAGS)
			vfio_pci_msi_flags_written(vdev, cap);
		return 0;
	case CFG_PERM_PM:
		return off == PCI_PM_CTRL ? pm_write_done(vdev, val) : 0;
	case CFG_PERM_EXP:
		if (off + n > PCI_EXP_DEVCTL && off < PCI_EXP_DEVCTL + 2)
			exp_write_done(vdev, cap, old_devctl);
		return 0;
	case CFG_PERM_AF:
		if (off + n > PCI_AF_CTRL && off <= PCI_AF_CTRL)
			af_write_done(vdev, cap);
		return 0;
	case CFG_PERM_VPD:
		vpd_write_done(vdev, cap, off, n);
		return 0;
	default:
		return 0;
	}
}

static int config_write_chunk(struct vfio_pci_core_device *vdev, int pos,
			      int n, u32 val)
{
	struct cfg_layout *l = vdev->cfg;
	const struct cfg_perm *p;
	u32 virt = 0, write = 0, phys;
	u16 old_devctl = 0;
	int off, ret;

	if (l->map[pos] == CFG_MAP_FREE)
		return phys_write(vdev->pdev, pos, n, val);	/* gaps: raw */

	p = &cfg_perms[l->perm[pos]];
	if (p->raw_write)
		return phys_write(vdev->pdev, pos, n, val);
	off = pos - l->start[pos];
	if (off < p->len) {
		virt = cfg_chunk_mask(&p->virt[off], n);
		write = cfg_chunk_mask(&p->write[off], n);
	}
	if (!write)
		return 0;	/* nothing writable here: dropped, as on hardware */

	if (l->map[pos] == CFG_MAP_BASIC && pos == PCI_COMMAND)
		return command_write(vdev, n, val, virt, write);
	if (l->perm[pos] == CFG_PERM_EXP)
		old_devctl = vget(&l->vconfig[l->start[pos] + PCI_EXP_DEVCTL], 2);

	if (write & virt)
		vput(&l->vconfig[pos], n,
		     (vget(&l->vconfig[pos], n) & ~(write & virt)) |
		     (val & write & virt));
	if (write & ~virt) {
		ret = phys_read(vdev->pdev, pos, n, &phys);
		if (ret)
			return ret;
		phys = (phys & ~(write & ~virt)) | (val & write & ~virt);
		ret = phys_write(vdev->pdev, pos, n, phys);
		if (ret)
			return ret;
	}
	if (l->map[pos] == CFG_MAP_BASIC && is_bar(pos))
		vdev->bardirty = true;
	return cap_write_done(vdev, l->perm[pos], l->start[pos], off, n, val,
			      old_devctl);
}

ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite)
{
	u64 start = *ppos & VFIO_PCI_OFFSET_MASK;
	size_t done = 0;
	__le32 lval;
	u32 val;
	int n, ret;

	if (!vdev->cfg)
		return -EIO;
	/* Out of range is -EFAULT, as the in-tree driver answers. */
	if (start >= vdev->pdev->cfg_size || count > vdev->pdev->cfg_size - start)
		return -EFAULT;

	while (done < count) {
		int pos = start + done;

		n = cfg_chunk(vdev->cfg, pos, count - done);
		if (iswrite) {
			lval = 0;
			if (copy_from_user(&lval, buf + done, n))
				return -EFAULT;
			ret = config_write_chunk(vdev, pos, n, le32_to_cpu(lval));
		} else {
			ret = config_read_chunk(vdev, pos, n, &val);
			lval = cpu_to_le32(val);
			if (!ret && copy_to_user(buf + done, &lval, n))
				ret = -EFAULT;
		}
		if (ret)
			return done ? done : ret;
		done += n;
	}
	*ppos += done;
	return done;
}
