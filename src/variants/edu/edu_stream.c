// SPDX-License-Identifier: GPL-2.0-only
/* The edu-vfio-pci migration stream: see edu_stream.h for the layout. */
#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

#include "edu_stream.h"

/* Bitwise CRC-32 (IEEE 802.3, reflected); the stream is 60 bytes. */
u32 edu_stream_crc32(u32 crc, const u8 *p, size_t len)
{
	int bit;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put32(u8 *p, u32 v)
{
	put16(p, (u16)v);
	put16(p + 2, (u16)(v >> 16));
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

static u16 get16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 get32(const u8 *p)
{
	return get16(p) | (u32)get16(p + 2) << 16;
}

static u64 get64(const u8 *p)
{
	return get32(p) | (u64)get32(p + 4) << 32;
}

static u32 stream_crc(const u8 *buf)
{
	u32 crc = edu_stream_crc32(0, buf, 16);

	return edu_stream_crc32(crc, buf + EDU_STREAM_HDR_LEN,
				EDU_STREAM_BODY_LEN);
}

void edu_stream_build(const struct edu_state *st, u8 *out)
{
	u8 *body = out + EDU_STREAM_HDR_LEN;

	put32(out, EDU_STREAM_MAGIC);
	put16(out + 4, EDU_STREAM_VERSION);
	put16(out + 6, EDU_STREAM_HDR_LEN);
	put32(out + 8, EDU_STREAM_BODY_LEN);
	put32(out + 12, 0);
	put32(body, st->ident);
	put32(body + 4, st->liveness);
	put32(body + 8, st->status & EDU_STATUS_IRQFACT);
	put32(body + 12, 0);
	put64(body + 16, st->dma_src);
	put64(body + 24, st->dma_dst);
	put64(body + 32, st->dma_cnt);
	put32(out + 16, stream_crc(out));
}

int edu_stream_parse(const u8 *buf, size_t len, struct edu_state *st)
{
	const u8 *body = buf + EDU_STREAM_HDR_LEN;

	/* Header first, so no field is read past the end of the buffer. */
	if (len < EDU_STREAM_HDR_LEN)
		return -EINVAL;
	if (get32(buf) != EDU_STREAM_MAGIC ||
	    get16(buf + 4) != EDU_STREAM_VERSION ||
	    get16(buf + 6) != EDU_STREAM_HDR_LEN ||
	    get32(buf + 8) != EDU_STREAM_BODY_LEN ||
	    get32(buf + 12) != 0)
		return -EINVAL;
	if (len != EDU_STREAM_LEN)
		return -EINVAL;
	if (get32(buf + 16) != stream_crc(buf))
		return -EINVAL;
	if (get32(body + 8) & ~EDU_STATUS_IRQFACT || get32(body + 12) != 0)
		return -EINVAL;
	st->ident = get32(body);
	st->liveness = get32(body + 4);
	st->status = get32(body + 8);
	st->dma_src = get64(body + 16);
	st->dma_dst = get64(body + 24);
	st->dma_cnt = get64(body + 32);
	return 0;
}
