// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the edu-vfio-pci migration stream (src/variants/edu/
 * edu_stream.c): a valid stream round-trips; truncated, oversized,
 * wrong-version, bad-checksum, every single-byte corruption and seeded
 * random mutations are refused with -EINVAL and leave the output untouched.
 * Each check prints PASS/FAIL with its name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edu_stream.h"

static int passed, failed;

#define CHECK(name, cond) do {						\
	if (cond) {							\
		passed++;						\
		printf("PASS %s\n", name);				\
	} else {							\
		failed++;						\
		printf("FAIL %s: %s (line %d)\n", name, #cond, __LINE__); \
	}								\
} while (0)

static const struct edu_state sample = {
	.ident = 0x010000ed, .liveness = 0xdeadbeef, .status = 0x80,
	.dma_src = 0x1122334455667788ull, .dma_dst = 0x40000, .dma_cnt = 0x100,
};

/* A sentinel output: a refused parse must leave it bit for bit. */
static struct edu_state sentinel(void)
{
	struct edu_state st;

	memset(&st, 0xa5, sizeof(st));
	return st;
}

static int same_state(const struct edu_state *a, const struct edu_state *b)
{
	return a->ident == b->ident && a->liveness == b->liveness &&
	       a->status == b->status && a->dma_src == b->dma_src &&
	       a->dma_dst == b->dma_dst && a->dma_cnt == b->dma_cnt;
}

static int untouched(const struct edu_state *st)
{
	struct edu_state s = sentinel();

	return !memcmp(st, &s, sizeof(s));
}

/* Parse @len bytes of @buf: 1 if refused with -EINVAL and output untouched. */
static int refused(const unsigned char *buf, size_t len)
{
	struct edu_state st = sentinel();

	return edu_stream_parse(buf, len, &st) == -EINVAL && untouched(&st);
}

static void put32(unsigned char *p, u32 v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

/* Recompute the checksum, as a forger would. */
static void refresh_crc(unsigned char *buf)
{
	u32 crc = edu_stream_crc32(0, buf, 16);

	crc = edu_stream_crc32(crc, buf + EDU_STREAM_HDR_LEN, EDU_STREAM_BODY_LEN);
	put32(buf + 16, crc);
}

int main(void)
{
	unsigned char buf[EDU_STREAM_LEN * 4], copy[EDU_STREAM_LEN];
	struct edu_state st = sentinel();
	int ok, i, v, n;
	size_t len;

	CHECK("crc32.known_vector",
	      edu_stream_crc32(0, (const u8 *)"123456789", 9) == 0xcbf43926u);

	memset(buf, 0, sizeof(buf));
	edu_stream_build(&sample, buf);
	CHECK("valid.parses", edu_stream_parse(buf, EDU_STREAM_LEN, &st) == 0);
	CHECK("valid.round_trip", same_state(&st, &sample));
	CHECK("valid.magic_first", buf[0] == 'E' && buf[1] == 'D' && buf[2] == 'U' && buf[3] == 'M');

	ok = 1;
	for (len = 0; len < EDU_STREAM_LEN; len++)
		ok &= refused(buf, len);
	CHECK("truncated.every_length_refused", ok);

	ok = 1;
	for (len = EDU_STREAM_LEN + 1; len <= sizeof(buf); len++)
		ok &= refused(buf, len);
	CHECK("oversized.every_length_refused", ok);

	memcpy(copy, buf, EDU_STREAM_LEN);
	copy[4] = 2;
	refresh_crc(copy);
	CHECK("version.2_refused", refused(copy, EDU_STREAM_LEN));
	copy[4] = 0;
	refresh_crc(copy);
	CHECK("version.0_refused", refused(copy, EDU_STREAM_LEN));

	memcpy(copy, buf, EDU_STREAM_LEN);
	put32(copy + 8, EDU_STREAM_BODY_LEN + 8);
	refresh_crc(copy);
	CHECK("body_len.larger_refused", refused(copy, EDU_STREAM_LEN));

	memcpy(copy, buf, EDU_STREAM_LEN);
	copy[16] ^= 1;
	CHECK("checksum.flipped_bit_refused", refused(copy, EDU_STREAM_LEN));

	memcpy(copy, buf, EDU_STREAM_LEN);
	copy[EDU_STREAM_HDR_LEN + 4] ^= 0x10;	/* liveness, checksum stale */
	CHECK("checksum.stale_refused", refused(copy, EDU_STREAM_LEN));

	memcpy(copy, buf, EDU_STREAM_LEN);
	put32(copy + EDU_STREAM_HDR_LEN + 8, 0x81);	/* status: COMPUTING too */
	refresh_crc(copy);
	CHECK("status.extra_bits_refused", refused(copy, EDU_STREAM_LEN));

	memcpy(copy, buf, EDU_STREAM_LEN);
	put32(copy + EDU_STREAM_HDR_LEN + 12, 1);	/* reserved */
	refresh_crc(copy);
	CHECK("reserved.nonzero_refused", refused(copy, EDU_STREAM_LEN));

	memcpy(copy, buf, EDU_STREAM_LEN);
	put32(copy + 12, 1);				/* flags */
	refresh_crc(copy);
	CHECK("flags.nonzero_refused", refused(copy, EDU_STREAM_LEN));

	/* Every byte, every other value: refused (CRC-32 catches them all). */
	ok = 1;
	n = 0;
	for (i = 0; i < EDU_STREAM_LEN; i++) {
		for (v = 1; v < 256; v++) {
			memcpy(copy, buf, EDU_STREAM_LEN);
			copy[i] ^= v;
			ok &= refused(copy, EDU_STREAM_LEN);
			n++;
		}
	}
	CHECK("corruption.every_single_byte_refused", ok && n == EDU_STREAM_LEN * 255);

	/* Seeded random mutations: 1..4 bytes changed, maybe a new length. */
	srand(1);
	ok = 1;
	for (i = 0; i < 100000; i++) {
		int changes = 1 + rand() % 4, c;

		memcpy(copy, buf, EDU_STREAM_LEN);
		for (c = 0; c < changes; c++) {
			copy[rand() % EDU_STREAM_LEN] = rand();
		}
		len = rand() % 8 ? EDU_STREAM_LEN : (size_t)(rand() % EDU_STREAM_LEN);
		st = sentinel();
		if (!memcmp(copy, buf, EDU_STREAM_LEN) && len == EDU_STREAM_LEN)
			ok &= edu_stream_parse(copy, len, &st) == 0 &&
			      same_state(&st, &sample);
		else
			ok &= refused(copy, len);
	}
	CHECK("random.100000_mutations_refused", ok);

	/* A forged but well-formed stream parses: the checksum is not a MAC. */
	memcpy(copy, buf, EDU_STREAM_LEN);
	put32(copy + EDU_STREAM_HDR_LEN + 4, 0x12345678);
	refresh_crc(copy);
	CHECK("forged.well_formed_parses",
	      edu_stream_parse(copy, EDU_STREAM_LEN, &st) == 0 && st.liveness == 0x12345678);

	printf("unit(edu_stream): %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
