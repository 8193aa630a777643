/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The migration stream of edu-vfio-pci: what travels through the VFIO
 * migration data fd from the source device to the destination. Pure logic,
 * built in the kernel and in userspace (tests/unit).
 *
 * Layout, all fields little-endian, no padding:
 *   header (20 bytes)
 *     0  u32 magic     EDU_STREAM_MAGIC
 *     4  u16 version   EDU_STREAM_VERSION
 *     6  u16 hdr_len   EDU_STREAM_HDR_LEN
 *     8  u32 body_len  EDU_STREAM_BODY_LEN for this version
 *    12  u32 flags     0 (no flag defined)
 *    16  u32 crc       CRC-32 (IEEE) of every other byte of the stream:
 *                      header bytes 0..15, then the body
 *   body, version 1 (40 bytes): the device state (struct edu_state)
 *    20  u32 ident      register 0x00, identification (checked, not written)
 *    24  u32 liveness   register 0x04 as read (the device stores ~written)
 *    28  u32 status     register 0x20, only the IRQ-on-factorial bit (0x80)
 *    32  u32 reserved   0
 *    36  u64 dma_src    register 0x80
 *    44  u64 dma_dst    register 0x88
 *    52  u64 dma_cnt    register 0x90
 * A stream is exactly EDU_STREAM_LEN bytes; anything else is invalid.
 */
#ifndef EDU_STREAM_H
#define EDU_STREAM_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

#define EDU_STREAM_MAGIC	0x4d554445u	/* "EDUM" */
#define EDU_STREAM_VERSION	1
#define EDU_STREAM_HDR_LEN	20
#define EDU_STREAM_BODY_LEN	40
#define EDU_STREAM_LEN		(EDU_STREAM_HDR_LEN + EDU_STREAM_BODY_LEN)

/* Status bits that travel: IRQ on factorial completion. */
#define EDU_STATUS_IRQFACT	0x80u

struct edu_state {
	u32 ident;
	u32 liveness;
	u32 status;
	u64 dma_src;
	u64 dma_dst;
	u64 dma_cnt;
};

u32 edu_stream_crc32(u32 crc, const u8 *p, size_t len);

/* Writes EDU_STREAM_LEN bytes; @st->status must hold only IRQFACT. */
void edu_stream_build(const struct edu_state *st, u8 *out);

/*
 * Validates @len bytes at @buf (magic, version, lengths, flags, checksum,
 * reserved and status bits) and only then fills @st. Returns 0, or -EINVAL
 * with @st untouched.
 */
int edu_stream_parse(const u8 *buf, size_t len, struct edu_state *st);

#endif
