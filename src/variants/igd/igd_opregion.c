// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel IGD OpRegion parsing (hardware-free part of igd-vfio-pci); see
 * igd_opregion.h. Every field read from the image is treated as hostile:
 * sizes are bounded before any arithmetic and every address sum is checked
 * for overflow.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "igd_opregion.h"

/* Little-endian fields, byte by byte: the image has no alignment promise. */
static u64 get_le(const u8 *p, int size)
{
	u64 v = 0;
	int i;

	for (i = size - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int igd_opregion_parse(const u8 *buf, size_t len, u64 base,
		       struct igd_opregion_info *info)
{
	u64 rvda, rvds, size_kb, vbt_end;

	memset(info, 0, sizeof(*info));
	if (!buf || len < IGD_OPREGION_MIN_SIZE)
		return -EINVAL;
	if (memcmp(buf, IGD_OPREGION_SIGNATURE, IGD_OPREGION_SIGNATURE_LEN))
		return -EINVAL;

	/* Bound the KiB count before multiplying it. */
	size_kb = get_le(buf + IGD_OPREGION_OFF_SIZE, 4);
	if (size_kb < IGD_OPREGION_MIN_SIZE / 1024 ||
	    size_kb > IGD_OPREGION_MAX_SIZE / 1024)
		return -EINVAL;
	if (!base || base >= IGD_PHYS_LIMIT ||
	    base + size_kb * 1024 > IGD_PHYS_LIMIT)
		return -ERANGE;
	info->size = (u32)(size_kb * 1024);
	info->version = (u16)get_le(buf + IGD_OPREGION_OFF_VERSION, 2);
	info->region_size = info->size;
	if (len < info->size)
		return -ENOSPC;

	/* Before 2.0 mailbox 3 has no RVDA/RVDS: nothing more to check. */
	if (info->version < 0x0200)
		return 0;
	rvda = get_le(buf + IGD_OPREGION_OFF_RVDA, 8);
	rvds = get_le(buf + IGD_OPREGION_OFF_RVDS, 4);
	/* The extended VBT exists only when both are set (as upstream). */
	if (!rvda || !rvds)
		return 0;
	if (rvds > IGD_VBT_MAX_SIZE)
		return -ERANGE;

	if (info->version == 0x0200) {
		/* 2.0: an absolute physical address, outside the OpRegion. */
		if (rvda > IGD_PHYS_LIMIT || rvds > IGD_PHYS_LIMIT - rvda)
			return rvda > ~rvds ? -EOVERFLOW : -ERANGE;
		vbt_end = rvda + rvds;
		if (rvda < base + info->size && vbt_end > base)
			return -ERANGE;
		info->vbt_addr = rvda;
	} else {
		/* 2.1+: an offset from the base, past the OpRegion itself. */
		if (rvda > ~base || rvda + base > ~rvds)
			return -EOVERFLOW;
		if (rvda < info->size)
			return -ERANGE;
		vbt_end = base + rvda + rvds;
		if (vbt_end > IGD_PHYS_LIMIT)
			return -ERANGE;
		info->vbt_addr = base + rvda;
	}
	info->vbt_size = (u32)rvds;
	info->region_size = info->size + info->vbt_size;
	return 0;
}

size_t igd_cfg_write_piece(u64 pos, size_t count, bool *drop)
{
	*drop = pos >= IGD_ASLS && pos < IGD_ASLS + 4;
	if (*drop && count > IGD_ASLS + 4 - pos)
		return (size_t)(IGD_ASLS + 4 - pos);
	if (pos < IGD_ASLS && count > IGD_ASLS - pos)
		return (size_t)(IGD_ASLS - pos);
	return count;
}

/* The byte the user sees at @pos < info->size of the OpRegion part. */
static u8 view_byte(const struct igd_opregion_info *info, const u8 *opregion,
		    u64 pos)
{
	if (info->vbt_size) {
		/* RVDA: the VBT follows the OpRegion (a 2.1+ offset). */
		if (pos >= IGD_OPREGION_OFF_RVDA && pos < IGD_OPREGION_OFF_RVDA + 8)
			return (u8)((u64)info->size >>
				    (8 * (pos - IGD_OPREGION_OFF_RVDA)));
		/* A 2.0 OpRegion reads as 2.1, whose RVDA is relative. */
		if (info->version == 0x0200 &&
		    pos >= IGD_OPREGION_OFF_VERSION &&
		    pos < IGD_OPREGION_OFF_VERSION + 2)
			return pos == IGD_OPREGION_OFF_VERSION ? 0x01 : 0x02;
	}
	return opregion[pos];
}

size_t igd_opregion_view_read(const struct igd_opregion_info *info,
			      const u8 *opregion, const u8 *vbt, u64 pos,
			      u8 *dst, size_t count)
{
	size_t done = 0;

	if (pos >= info->region_size)
		return 0;
	if (count > info->region_size - pos)
		count = (size_t)(info->region_size - pos);

	for (; done < count && pos < info->size; done++, pos++)
		dst[done] = view_byte(info, opregion, pos);
	if (done < count) {
		memcpy(dst + done, vbt + (pos - info->size), count - done);
		done = count;
	}
	return done;
}
