// SPDX-License-Identifier: GPL-2.0-only
/*
 * Config-space permission tables and capability walk (hardware-free part).
 * See config_space.h; vfio_pci_config.c applies this to a real device.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "config_space.h"

struct cfg_perm cfg_perms[CFG_PERM_COUNT];

static void perm_set(struct cfg_perm *p, int off, int size, u32 virt, u32 write)
{
	int i;

	for (i = 0; i < size; i++) {
		p->virt[off + i] = (u8)(virt >> (8 * i));
		p->write[off + i] = (u8)(write >> (8 * i));
	}
	if (off + size > p->len)
		p->len = off + size;
}

/*
 * The standard header, as the in-tree driver presents it: IDs, the cap
 * pointer, BARs, ROM and the interrupt line/pin are virtual; INTx disable is
 * virtual (we drive it for interrupt masking); the rest of command is
 * written through (memory/IO enable are tracked by the caller too);
 * cache line, latency timer and BIST are harmless and written through.
 */
static void init_basic(struct cfg_perm *p)
{
	int bar;

	p->len = PCI_STD_HEADER_SIZEOF;
	perm_set(p, PCI_VENDOR_ID, 2, 0xffff, 0);
	perm_set(p, PCI_DEVICE_ID, 2, 0xffff, 0);
	perm_set(p, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE, 0xffff);
	perm_set(p, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0);
	perm_set(p, PCI_CACHE_LINE_SIZE, 1, 0, 0xff);
	perm_set(p, PCI_LATENCY_TIMER, 1, 0, 0xff);
	perm_set(p, PCI_BIST, 1, 0, 0xff);
	for (bar = PCI_BASE_ADDRESS_0; bar <= PCI_BASE_ADDRESS_5; bar += 4)
		perm_set(p, bar, 4, 0xffffffff, 0xffffffff);
	perm_set(p, PCI_ROM_ADDRESS, 4, 0xffffffff, 0xffffffff);
	perm_set(p, PCI_CAPABILITY_LIST, 1, 0xff, 0);
	perm_set(p, PCI_INTERRUPT_LINE, 1, 0xff, 0xff);
	perm_set(p, PCI_INTERRUPT_PIN, 1, 0xff, 0);
}

/*
 * MSI: the user programs a virtual copy; the host owns the real message
 * address and data. Enabling is done through VFIO_DEVICE_SET_IRQS.
 */
static void init_msi(struct cfg_perm *p, bool is64, bool maskbit)
{
	int data = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	int mask = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;

	perm_set(p, PCI_CAP_LIST_NEXT, 1, 0xff, 0);
	perm_set(p, PCI_MSI_FLAGS, 1, 0xff, 0xff);
	perm_set(p, PCI_MSI_ADDRESS_LO, 4, 0xffffffff, 0xffffffff);
	if (is64)
		perm_set(p, PCI_MSI_ADDRESS_HI, 4, 0xffffffff, 0xffffffff);
	perm_set(p, data, 2, 0xffff, 0xffff);
	if (maskbit) {
		perm_set(p, mask, 4, 0xffffffff, 0xffffffff);
		perm_set(p, mask + 4, 4, 0xffffffff, 0);
	}
}

/* Every capability's next pointer is virtual: hidden ones are unlinked. */
static void init_cap_header(struct cfg_perm *p)
{
	perm_set(p, PCI_CAP_LIST_ID, 2, 0xffff, 0);
}

/*
 * Power state changes are trapped (the caller applies them with the PCI
 * core, which knows about delays and restore); the rest of the control
 * register (PME enable and status, data select) is written through.
 */
static void init_pm(struct cfg_perm *p)
{
	u32 pme = PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS;

	init_cap_header(p);
	/*
	 * The user cannot see or handle PME (the host does, and clears the
	 * status): PME support, enable and status read as zero (see
	 * cfg_pm_hide_pme) and ignore writes.
	 */
	perm_set(p, PCI_PM_PMC, 2, PCI_PM_CAP_PME_MASK, 0);
	perm_set(p, PCI_PM_CTRL, 4, pme, ~(pme | PCI_PM_CTRL_STATE_MASK));
	p->len = PCI_PM_SIZEOF;
}

/* Clear @bits of the little-endian 16-bit register at @p. */
static void clear16(u8 *p, u16 bits)
{
	u16 v = (p[0] | p[1] << 8) & ~bits;

	p[0] = v & 0xff;
	p[1] = v >> 8;
}

/* The virtual PME bits start at zero (see init_pm). */
static void cfg_pm_hide_pme(u8 *cap)
{
	clear16(&cap[PCI_PM_PMC], PCI_PM_CAP_PME_MASK);
	clear16(&cap[PCI_PM_CTRL], PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS);
}

/* VPD is accessed through the PCI core's VPD helpers by the caller. */
static void init_vpd(struct cfg_perm *p)
{
	init_cap_header(p);
	perm_set(p, PCI_VPD_ADDR, 2, 0xffff, 0xffff);
	perm_set(p, PCI_VPD_DATA, 4, 0xffffffff, 0xffffffff);
}

static void init_pcix(struct cfg_perm *p)
{
	init_cap_header(p);
	perm_set(p, PCI_X_CMD, 2, 0, 0xffff);
	perm_set(p, PCI_X_ECC_CSR, 4, 0, 0xffffffff);
	p->len = PCI_CAP_PCIX_SIZEOF_V2;
}

/*
 * PCI Express: device control is writable except phantom functions (they
 * would confuse the IOMMU); FLR is virtual (the caller resets), so are MPS
 * (a fabric-wide setting) and MRRS (applied with a floor by the caller).
 * Device control 2 is writable except ARI forwarding, set by the host.
 */
static void init_exp(struct cfg_perm *p)
{
	init_cap_header(p);
	perm_set(p, PCI_EXP_DEVCTL, 2,
		 PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_READRQ,
		 (u16)~PCI_EXP_DEVCTL_PHANTOM);
	perm_set(p, PCI_EXP_DEVCTL2, 2, 0, (u16)~PCI_EXP_DEVCTL2_ARI);
	p->len = PCI_CAP_EXP_ENDPOINT_SIZEOF_V2;
}

/* Advanced features: only the FLR trigger, virtual (the caller resets). */
static void init_af(struct cfg_perm *p)
{
	init_cap_header(p);
	perm_set(p, PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR, PCI_AF_CTRL_FLR);
	p->len = PCI_CAP_AF_SIZEOF;
}

/* The first dword of an extended capability holds its next pointer. */
static void init_ecap_header(struct cfg_perm *p)
{
	perm_set(p, 0, 4, 0xffffffff, 0);
}

/* AER: the user may clear status, mask and set severity of defined errors. */
static void init_ecap_err(struct cfg_perm *p)
{
	u32 unc = PCI_ERR_UNC_UND | PCI_ERR_UNC_DLP | PCI_ERR_UNC_SURPDN |
		  PCI_ERR_UNC_POISON_TLP | PCI_ERR_UNC_FCP | PCI_ERR_UNC_COMP_TIME |
		  PCI_ERR_UNC_COMP_ABORT | PCI_ERR_UNC_UNX_COMP | PCI_ERR_UNC_RX_OVER |
		  PCI_ERR_UNC_MALF_TLP | PCI_ERR_UNC_ECRC | PCI_ERR_UNC_UNSUP |
		  PCI_ERR_UNC_ACSV | PCI_ERR_UNC_INTN | PCI_ERR_UNC_MCBTLP |
		  PCI_ERR_UNC_ATOMEG | PCI_ERR_UNC_TLPPRE;
	u32 cor = PCI_ERR_COR_RCVR | PCI_ERR_COR_BAD_TLP | PCI_ERR_COR_BAD_DLLP |
		  PCI_ERR_COR_REP_ROLL | PCI_ERR_COR_REP_TIMER | PCI_ERR_COR_ADV_NFAT |
		  PCI_ERR_COR_INTERNAL | PCI_ERR_COR_LOG_OVER;

	init_ecap_header(p);
	perm_set(p, PCI_ERR_UNCOR_STATUS, 4, 0, unc);
	perm_set(p, PCI_ERR_UNCOR_MASK, 4, 0, unc);
	perm_set(p, PCI_ERR_UNCOR_SEVER, 4, 0, unc);
	perm_set(p, PCI_ERR_COR_STATUS, 4, 0, cor);
	perm_set(p, PCI_ERR_COR_MASK, 4, 0, cor);
	perm_set(p, PCI_ERR_CAP, 4, 0, PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE);
	p->len = PCI_ERR_ROOT_COMMAND;
}

/* Power budgeting: selecting which data word to read is harmless. */
static void init_ecap_pwr(struct cfg_perm *p)
{
	init_ecap_header(p);
	perm_set(p, PCI_PWR_DATA, 1, 0, 0xff);
	p->len = PCI_EXT_CAP_PWR_SIZEOF;
}

void cfg_perms_init(void)
{
	memset(cfg_perms, 0, sizeof(cfg_perms));
	init_basic(&cfg_perms[CFG_PERM_BASIC]);
	init_msi(&cfg_perms[CFG_PERM_MSI32], false, false);
	init_msi(&cfg_perms[CFG_PERM_MSI32_MASK], false, true);
	init_msi(&cfg_perms[CFG_PERM_MSI64], true, false);
	init_msi(&cfg_perms[CFG_PERM_MSI64_MASK], true, true);
	init_pm(&cfg_perms[CFG_PERM_PM]);
	init_vpd(&cfg_perms[CFG_PERM_VPD]);
	init_pcix(&cfg_perms[CFG_PERM_PCIX]);
	init_exp(&cfg_perms[CFG_PERM_EXP]);
	init_af(&cfg_perms[CFG_PERM_AF]);
	/* Vendor capabilities have device-defined registers: trust the device. */
	init_cap_header(&cfg_perms[CFG_PERM_VNDR]);
	cfg_perms[CFG_PERM_VNDR].raw_write = true;
	init_cap_header(&cfg_perms[CFG_PERM_CAP_RO]);
	init_ecap_err(&cfg_perms[CFG_PERM_ECAP_ERR]);
	init_ecap_pwr(&cfg_perms[CFG_PERM_ECAP_PWR]);
	init_ecap_header(&cfg_perms[CFG_PERM_ECAP_VNDR]);
	cfg_perms[CFG_PERM_ECAP_VNDR].raw_write = true;
	init_ecap_header(&cfg_perms[CFG_PERM_ECAP_RO]);
}

static int rd(cfg_read_fn read, void *ctx, int pos, int size, u32 *val)
{
	*val = 0;
	return read(ctx, pos, size, val);
}

/* Length of a standard capability; 0 means "hide it from the user". */
static int cap_len(cfg_read_fn read, void *ctx, u8 id, int pos, int *perm)
{
	u32 v;
	int ret, len;

	*perm = CFG_PERM_CAP_RO;
	switch (id) {
	case PCI_CAP_ID_PM:
		*perm = CFG_PERM_PM;
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_AGP:
		return PCI_AGP_SIZEOF;
	case PCI_CAP_ID_VPD:
		*perm = CFG_PERM_VPD;
		return PCI_CAP_VPD_SIZEOF;
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_AF:
		*perm = CFG_PERM_AF;
		return PCI_CAP_AF_SIZEOF;
	case PCI_CAP_ID_MSI:
		ret = rd(read, ctx, pos + PCI_MSI_FLAGS, 2, &v);
		if (ret)
			return ret;
		len = 10;
		if (v & PCI_MSI_FLAGS_64BIT)
			len += 4;
		if (v & PCI_MSI_FLAGS_MASKBIT)
			len += 10;
		*perm = (v & PCI_MSI_FLAGS_64BIT) ?
			((v & PCI_MSI_FLAGS_MASKBIT) ? CFG_PERM_MSI64_MASK : CFG_PERM_MSI64) :
			((v & PCI_MSI_FLAGS_MASKBIT) ? CFG_PERM_MSI32_MASK : CFG_PERM_MSI32);
		return len;
	case PCI_CAP_ID_PCIX:
		*perm = CFG_PERM_PCIX;
		ret = rd(read, ctx, pos + PCI_X_CMD, 2, &v);
		if (ret)
			return ret;
		return PCI_X_CMD_VERSION(v) ? PCI_CAP_PCIX_SIZEOF_V2 :
					      PCI_CAP_PCIX_SIZEOF_V0;
	case PCI_CAP_ID_VNDR:
		*perm = CFG_PERM_VNDR;
		/* The length byte follows the next pointer. */
		ret = rd(read, ctx, pos + PCI_CAP_FLAGS, 1, &v);
		if (ret)
			return ret;
		return v;
	case PCI_CAP_ID_EXP:
		*perm = CFG_PERM_EXP;
		ret = rd(read, ctx, pos + PCI_EXP_FLAGS, 2, &v);
		if (ret)
			return ret;
		/* Root complex integrated endpoints have no link registers. */
		if ((v & PCI_EXP_FLAGS_VERS) == 1)
			return ((v & PCI_EXP_FLAGS_TYPE) >> 4) == PCI_EXP_TYPE_RC_END ?
				0xc : PCI_CAP_EXP_ENDPOINT_SIZEOF_V1;
		return ((v & PCI_EXP_FLAGS_TYPE) >> 4) == PCI_EXP_TYPE_RC_END ?
			0x2c : PCI_CAP_EXP_ENDPOINT_SIZEOF_V2;
	case PCI_CAP_ID_SATA:
		ret = rd(read, ctx, pos + PCI_SATA_REGS, 1, &v);
		if (ret)
			return ret;
		return (v & PCI_SATA_REGS_MASK) == PCI_SATA_REGS_INLINE ?
			PCI_SATA_SIZEOF_LONG : PCI_SATA_SIZEOF_SHORT;
	default:
		/* Unknown or host-only (hot-swap, bridge IDs, debug port...). */
		return 0;
	}
}

/* Length of an extended capability; 0 means hide it. */
static int ecap_len(cfg_read_fn read, void *ctx, u16 id, int pos)
{
	u32 v;
	int ret;

	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		return PCI_ERR_ROOT_COMMAND;
	case PCI_EXT_CAP_ID_DSN:
		return PCI_EXT_CAP_DSN_SIZEOF;
	case PCI_EXT_CAP_ID_PWR:
		return PCI_EXT_CAP_PWR_SIZEOF;
	case PCI_EXT_CAP_ID_ARI:
		return PCI_EXT_CAP_ARI_SIZEOF;
	case PCI_EXT_CAP_ID_ATS:
		return PCI_EXT_CAP_ATS_SIZEOF;
	case PCI_EXT_CAP_ID_SRIOV:
		return PCI_EXT_CAP_SRIOV_SIZEOF;
	case PCI_EXT_CAP_ID_LTR:
		return PCI_EXT_CAP_LTR_SIZEOF;
	case PCI_EXT_CAP_ID_PRI:
		return PCI_EXT_CAP_PRI_SIZEOF;
	case PCI_EXT_CAP_ID_MCAST:
		return PCI_EXT_CAP_MCAST_ENDPOINT_SIZEOF;
	case PCI_EXT_CAP_ID_VNDR:
		/* The vendor header (offset 4) holds the length in bits 31:20. */
		ret = rd(read, ctx, pos + 4, 4, &v);
		if (ret)
			return ret;
		return v >> 20;
	case PCI_EXT_CAP_ID_ACS:
		ret = rd(read, ctx, pos + PCI_ACS_CAP, 1, &v);
		if (ret)
			return ret;
		if (v & PCI_ACS_EC) {
			ret = rd(read, ctx, pos + PCI_ACS_EGRESS_BITS, 1, &v);
			if (ret)
				return ret;
			/* Egress control vector: 0 means 256 bits. */
			v = v ? ((v + 31) / 32) * 32 : 256;
			return 8 + v / 8;
		}
		return 8;
	case PCI_EXT_CAP_ID_REBAR:
		ret = rd(read, ctx, pos + PCI_REBAR_CTRL, 1, &v);
		if (ret)
			return ret;
		return 4 + ((v & PCI_REBAR_CTRL_NBAR_MASK) >>
			    PCI_REBAR_CTRL_NBAR_SHIFT) * 8;
	default:
		return 0;
	}
}

static u8 ecap_perm(u16 id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		return CFG_PERM_ECAP_ERR;
	case PCI_EXT_CAP_ID_PWR:
		return CFG_PERM_ECAP_PWR;
	case PCI_EXT_CAP_ID_VNDR:
		return CFG_PERM_ECAP_VNDR;
	default:
		return CFG_PERM_ECAP_RO;
	}
}

static bool range_free(const struct cfg_layout *l, int pos, int len)
{
	int i;

	for (i = 0; i < len; i++)
		if (l->map[pos + i] != CFG_MAP_FREE)
			return false;
	return true;
}

static int fill(struct cfg_layout *l, int pos, int len, u8 id, u8 perm,
		cfg_read_fn read, void *ctx)
{
	int i, ret;
	u32 v;

	for (i = 0; i < len; i++) {
		ret = rd(read, ctx, pos + i, 1, &v);
		if (ret)
			return ret;
		l->vconfig[pos + i] = (u8)v;
		l->map[pos + i] = id;
		l->perm[pos + i] = perm;
		l->start[pos + i] = (u16)pos;
	}
	return 0;
}

static int walk_caps(struct cfg_layout *l, cfg_read_fn read, void *ctx)
{
	u8 *prev = &l->vconfig[PCI_CAPABILITY_LIST];
	u32 status, pos, id, next;
	int ret, len, perm, loops;

	ret = rd(read, ctx, PCI_STATUS, 2, &status);
	if (ret || !(status & PCI_STATUS_CAP_LIST))
		return ret;
	ret = rd(read, ctx, PCI_CAPABILITY_LIST, 1, &pos);
	if (ret)
		return ret;

	/* At most one capability per dword after the header. */
	for (loops = (256 - PCI_STD_HEADER_SIZEOF) / 4; loops > 0; loops--) {
		pos &= ~3u;
		if (pos < PCI_STD_HEADER_SIZEOF)
			break;
		ret = rd(read, ctx, pos + PCI_CAP_LIST_ID, 1, &id);
		if (!ret)
			ret = rd(read, ctx, pos + PCI_CAP_LIST_NEXT, 1, &next);
		if (ret)
			return ret;
		len = id ? cap_len(read, ctx, (u8)id, pos, &perm) : 0;
		if (len < 0)
			return len;
		if (len > 0 && pos + len > 256)
			len = 0;	/* runs off the end: do not expose it */
		if (len > 0 && !range_free(l, pos, len))
			len = 0;	/* overlaps another one: the device lies */
		if (!len) {
			*prev = (u8)next;
			l->hidden++;
		} else {
			ret = fill(l, pos, len, (u8)id, (u8)perm, read, ctx);
			if (ret)
				return ret;
			if (perm == CFG_PERM_PM)
				cfg_pm_hide_pme(&l->vconfig[pos]);
			prev = &l->vconfig[pos + PCI_CAP_LIST_NEXT];
			l->caps++;
		}
		pos = next;
	}
	/* End of chain, a bad pointer or a loop: the visible chain ends here. */
	*prev = 0;
	if (!l->caps)
		l->vconfig[PCI_STATUS] &= (u8)~PCI_STATUS_CAP_LIST;
	return 0;
}

static void set_ecap_next(u8 *hdr, u32 next)
{
	u32 v = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (u32)hdr[3] << 24;

	v = (v & 0x000fffff) | (next << 20);
	hdr[2] = (u8)(v >> 16);
	hdr[3] = (u8)(v >> 24);
}

static int walk_ecaps(struct cfg_layout *l, cfg_read_fn read, void *ctx)
{
	u8 *prev = NULL;
	u32 hdr, pos = PCI_CFG_SPACE_SIZE;
	int ret, len, loops;

	for (loops = (l->size - PCI_CFG_SPACE_SIZE) / 4; loops > 0; loops--) {
		ret = rd(read, ctx, pos, 4, &hdr);
		if (ret)
			return ret;
		if (!hdr || hdr == 0xffffffff)
			break;
		len = ecap_len(read, ctx, PCI_EXT_CAP_ID(hdr), pos);
		if (len < 0)
			return len;
		if (len > 0 && (len < 4 || pos + len > (u32)l->size ||
				!range_free(l, pos, len)))
			len = 0;
		if (!len && prev) {
			set_ecap_next(prev, PCI_EXT_CAP_NEXT(hdr));
			l->hidden++;
		} else {
			/*
			 * The first extended capability anchors the chain at
			 * 0x100; a hidden one keeps only its next pointer.
			 */
			ret = fill(l, pos, len ? len : 4, (u8)PCI_EXT_CAP_ID(hdr),
				   len ? ecap_perm(PCI_EXT_CAP_ID(hdr)) :
					 CFG_PERM_ECAP_RO, read, ctx);
			if (ret)
				return ret;
			prev = &l->vconfig[pos];
			if (len) {
				l->ecaps++;
			} else {
				prev[0] = 0;
				prev[1] = 0;
				prev[2] &= 0xf0;
				l->hidden++;
			}
		}
		pos = PCI_EXT_CAP_NEXT(hdr);
		if (pos < PCI_CFG_SPACE_SIZE)
			break;
	}
	if (prev && pos >= PCI_CFG_SPACE_SIZE && !loops)
		set_ecap_next(prev, 0);	/* the chain looped: cut it */
	if (!l->ecaps)
		memset(&l->vconfig[PCI_CFG_SPACE_SIZE], 0, 4);
	return 0;
}

int cfg_layout_build(struct cfg_layout *l, int cfg_size, cfg_read_fn read,
		     void *ctx)
{
	int ret;

	memset(l->map, CFG_MAP_FREE, sizeof(l->map));
	memset(l->perm, 0, sizeof(l->perm));
	memset(l->start, 0, sizeof(l->start));
	memset(l->vconfig, 0, sizeof(l->vconfig));
	l->size = cfg_size > PCI_CFG_SPACE_SIZE ? CFG_SPACE_MAX : PCI_CFG_SPACE_SIZE;
	l->caps = 0;
	l->ecaps = 0;
	l->hidden = 0;

	ret = fill(l, 0, PCI_STD_HEADER_SIZEOF, CFG_MAP_BASIC, CFG_PERM_BASIC,
		   read, ctx);
	if (ret)
		return ret;
	ret = walk_caps(l, read, ctx);
	if (ret)
		return ret;
	if (l->size > PCI_CFG_SPACE_SIZE)
		ret = walk_ecaps(l, read, ctx);
	return ret;
}

int cfg_chunk(const struct cfg_layout *l, int pos, int count)
{
	int n = 1;

	/* Stay inside one dword and one owner. */
	while (n < count && (pos + n) % 4 &&
	       l->map[pos + n] == l->map[pos] &&
	       l->start[pos + n] == l->start[pos])
		n++;
	if (n >= 4 && !(pos % 4))
		return 4;
	if (n >= 2 && !(pos % 2))
		return 2;
	return 1;
}

u32 cfg_chunk_mask(const u8 *bytes, int count)
{
	u32 m = 0;
	int i;

	for (i = 0; i < count; i++)
		m |= (u32)bytes[i] << (8 * i);
	return m;
}

u32 cfg_merge_read(u32 phys, u32 virt_val, u32 virt_mask)
{
	return (phys & ~virt_mask) | (virt_val & virt_mask);
}
