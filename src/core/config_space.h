/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Config-space virtualization logic that does not touch hardware: the
 * per-capability permission tables, the capability walk that builds the
 * byte map and the virtual copy, and the read/write merge rules. It builds
 * in the kernel and in userspace (tests/unit), where a fake config space
 * stands in for the device.
 */
#ifndef VFIO_PCI_DKMS_CONFIG_SPACE_H
#define VFIO_PCI_DKMS_CONFIG_SPACE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/pci_regs.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <linux/pci_regs.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
#endif

/* Config map values beside real capability IDs. */
#define CFG_MAP_BASIC	0x00	/* standard header (no real cap has ID 0 here) */
#define CFG_MAP_FREE	0xff	/* not inside any capability */

/* Largest config space we handle (PCIe extended). */
#define CFG_SPACE_MAX	4096

/*
 * Per-byte access rules of one capability (or of the standard header).
 * virt: bit set = the user sees and writes our virtual copy, not hardware.
 * write: bit set = the user may write the bit (to vconfig if virt, else to
 * hardware). A bit with neither set reads from hardware and ignores writes.
 */
struct cfg_perm {
	u16 len;	/* bytes described; offsets past it are read-only */
	bool raw_write;	/* device-defined layout: writes go to hardware as is */
	u8 virt[64];
	u8 write[64];
};

enum cfg_perm_id {
	CFG_PERM_BASIC,		/* standard header */
	CFG_PERM_MSI32,		/* MSI without/with per-vector masking, 32/64 bit */
	CFG_PERM_MSI32_MASK,
	CFG_PERM_MSI64,
	CFG_PERM_MSI64_MASK,
	CFG_PERM_PM,		/* power management */
	CFG_PERM_VPD,		/* vital product data */
	CFG_PERM_PCIX,		/* PCI-X */
	CFG_PERM_EXP,		/* PCI Express */
	CFG_PERM_AF,		/* advanced features */
	CFG_PERM_VNDR,		/* vendor-specific */
	CFG_PERM_CAP_RO,	/* any other capability: read-only, next virtual */
	CFG_PERM_ECAP_ERR,	/* advanced error reporting */
	CFG_PERM_ECAP_PWR,	/* power budgeting */
	CFG_PERM_ECAP_VNDR,	/* vendor-specific extended */
	CFG_PERM_ECAP_RO,	/* any extended capability: read-only, header virtual */
	CFG_PERM_COUNT
};

extern struct cfg_perm cfg_perms[CFG_PERM_COUNT];
void cfg_perms_init(void);

/* Reads one config byte/word/dword of the real device; returns 0 or -errno. */
typedef int (*cfg_read_fn)(void *ctx, int pos, int size, u32 *val);

struct cfg_layout {
	u8 map[CFG_SPACE_MAX];		/* capability ID owning each byte */
	u8 perm[CFG_SPACE_MAX];		/* enum cfg_perm_id for each byte */
	u16 start[CFG_SPACE_MAX];	/* offset where that capability starts */
	u8 vconfig[CFG_SPACE_MAX];	/* the virtual copy */
	int size;			/* 256 or 4096 */
	int caps, ecaps, hidden;	/* counters, for logs and tests */
};

/*
 * Walk the standard and extended capability chains through @read, fill
 * @l->vconfig from the device, record which capability owns each byte, and
 * unlink the capabilities we do not expose from the virtual chain. Returns 0
 * or a negative errno from @read. A malformed chain (loop, overlap, pointer
 * into the header) ends the walk instead of trusting the device.
 */
int cfg_layout_build(struct cfg_layout *l, int cfg_size, cfg_read_fn read,
		     void *ctx);

/*
 * Split an access at @pos of @count bytes into the largest naturally aligned
 * piece (1, 2 or 4 bytes) that stays inside one capability and one dword.
 */
int cfg_chunk(const struct cfg_layout *l, int pos, int count);

/* Merge rules for one chunk; values are little-endian bytes packed in a u32. */
u32 cfg_chunk_mask(const u8 *bytes, int count);
u32 cfg_merge_read(u32 phys, u32 virt_val, u32 virt_mask);

#endif
