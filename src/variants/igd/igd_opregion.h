/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel IGD OpRegion parsing, hardware-free: it works on a byte buffer and
 * builds in the kernel (igd-vfio-pci) and in userspace (tests/unit), where
 * synthetic images stand in for the firmware's.
 *
 * The OpRegion (ACPI IGD OpRegion spec) starts with a header: signature
 * "IntelGraphicsMem" at 0, its size in KiB at 0x10, its version at 0x14
 * (minor at 0x16, major at 0x17). From 2.0 on, mailbox 3 holds RVDA (u64 at
 * 0x3ba) and RVDS (u32 at 0x3c2): where the extended VBT lives and how
 * large it is. RVDA is a physical address in 2.0 and an offset from the
 * OpRegion's base from 2.1 on.
 *
 * The user sees one region: the OpRegion followed by the extended VBT, as
 * a 2.1+ OpRegion with a contiguous VBT would look (the upstream layout):
 * when a VBT is present, RVDA reads as the OpRegion's size and a 2.0
 * version reads as 2.1.
 */
#ifndef IGD_OPREGION_H
#define IGD_OPREGION_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

#define IGD_OPREGION_SIGNATURE		"IntelGraphicsMem"
#define IGD_OPREGION_SIGNATURE_LEN	16
#define IGD_OPREGION_OFF_SIZE		0x10	/* u32, KiB */
#define IGD_OPREGION_OFF_VERSION	0x16	/* u16: minor, major */
#define IGD_OPREGION_OFF_RVDA		0x3ba	/* u64 */
#define IGD_OPREGION_OFF_RVDS		0x3c2	/* u32 */

/* Every OpRegion is 8 KiB (header and mailboxes 1-5); we map that first. */
#define IGD_OPREGION_MIN_SIZE		0x2000
/* Larger headers are accepted up to this (no known firmware needs more). */
#define IGD_OPREGION_MAX_SIZE		0x10000
/* An extended VBT larger than this is refused as hostile. */
#define IGD_VBT_MAX_SIZE		0x100000
/* Physical addresses stop below 2^52 on x86-64 (MAXPHYADDR). */
#define IGD_PHYS_LIMIT			(1ULL << 52)

/* ASLS, the config dword holding the OpRegion's address: never written. */
#define IGD_ASLS			0xfc

struct igd_opregion_info {
	u32 size;		/* OpRegion bytes, from the header */
	u16 version;		/* major << 8 | minor */
	u64 vbt_addr;		/* physical address of the extended VBT */
	u32 vbt_size;		/* its size (RVDS); 0: no extended VBT */
	u32 region_size;	/* what the user sees: size + vbt_size */
};

/*
 * Validate the OpRegion image @buf of @len bytes that firmware placed at
 * physical address @base (the ASLS register). Returns 0 and fills @info, or:
 *  -EINVAL     not an OpRegion (short buffer, signature, size 0, smaller
 *              than 8 KiB or larger than IGD_OPREGION_MAX_SIZE);
 *  -ENOSPC     the header is valid but says the OpRegion is larger than
 *              @len: @info->size is set, map that much and call again;
 *  -ERANGE     RVDS too large, or the extended VBT overlaps the OpRegion
 *              or lies beyond the physical address space;
 *  -EOVERFLOW  RVDA/RVDS arithmetic overflows.
 */
int igd_opregion_parse(const u8 *buf, size_t len, u64 base,
		       struct igd_opregion_info *info);

/*
 * Copy up to @count bytes at @pos of the region the user sees into @dst:
 * @opregion (info->size bytes) with the patches above, then @vbt
 * (info->vbt_size bytes). Returns the number of bytes copied: 0 at or
 * beyond info->region_size.
 */
size_t igd_opregion_view_read(const struct igd_opregion_info *info,
			      const u8 *opregion, const u8 *vbt, u64 pos,
			      u8 *dst, size_t count);

/*
 * Split a config write at @pos of @count (> 0) bytes: returns the length of
 * its first piece and sets *@drop when that piece is ASLS, whose writes are
 * ignored; the rest goes to the core as is.
 */
size_t igd_cfg_write_piece(u64 pos, size_t count, bool *drop);

#endif
