// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the IGD OpRegion parser (src/variants/igd/igd_opregion.c)
 * on synthetic images: valid 1.x, 2.0 with an absolute RVDA, 2.1+ with a
 * relative RVDA, the user's view with its patches and the extended VBT,
 * and hostile images (truncated, bad signature, sizes and offsets pointing
 * outside, integer overflow).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igd_opregion.h"

static int failures, checks;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#define BASE	0x7a000000ULL	/* where the "firmware" put the OpRegion */

static void put_le(u8 *p, u64 v, int size)
{
	int i;

	for (i = 0; i < size; i++)
		p[i] = (u8)(v >> (8 * i));
}

static u64 get_le(const u8 *p, int size)
{
	u64 v = 0;
	int i;

	for (i = size - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* An OpRegion of @kib KiB, version major.minor, RVDA/RVDS as given. */
static u8 *image(size_t len, u32 kib, u8 major, u8 minor, u64 rvda, u32 rvds)
{
	u8 *img = calloc(1, len);
	size_t i;

	if (!img)
		abort();
	for (i = 0; i < len; i++)
		img[i] = (u8)(i * 7 + 3);	/* recognisable filler */
	memcpy(img, IGD_OPREGION_SIGNATURE, IGD_OPREGION_SIGNATURE_LEN);
	put_le(img + IGD_OPREGION_OFF_SIZE, kib, 4);
	img[0x14] = 0;
	img[0x15] = 0;
	img[IGD_OPREGION_OFF_VERSION] = minor;
	img[IGD_OPREGION_OFF_VERSION + 1] = major;
	put_le(img + IGD_OPREGION_OFF_RVDA, rvda, 8);
	put_le(img + IGD_OPREGION_OFF_RVDS, rvds, 4);
	return img;
}

static int parse(const u8 *img, size_t len, u64 base,
		 struct igd_opregion_info *info)
{
	return igd_opregion_parse(img, len, base, info);
}

static void test_v1(void)
{
	struct igd_opregion_info info;
	u8 *img = image(0x2000, 8, 1, 0, 0x1234, 0x5678);	/* junk RVDA/S */
	u8 buf[0x2000];
	size_t n;
	int ret;

	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0, "v1.0 valid: ret %d", ret);
	CHECK(info.size == 0x2000 && info.version == 0x0100, "size %u ver %#x",
	      info.size, info.version);
	CHECK(info.vbt_size == 0 && info.vbt_addr == 0 &&
	      info.region_size == 0x2000, "1.x ignores RVDA/RVDS (%u)",
	      info.vbt_size);
	/* The user sees the image unchanged. */
	n = igd_opregion_view_read(&info, img, NULL, 0, buf, sizeof(buf));
	CHECK(n == 0x2000 && !memcmp(buf, img, 0x2000), "v1 view: %zu", n);
	n = igd_opregion_view_read(&info, img, NULL, 0x1ffe, buf, 16);
	CHECK(n == 2 && buf[0] == img[0x1ffe], "clipped at the end: %zu", n);
	n = igd_opregion_view_read(&info, img, NULL, 0x2000, buf, 16);
	CHECK(n == 0, "at the end: %zu", n);
	n = igd_opregion_view_read(&info, img, NULL, ~0ULL, buf, 16);
	CHECK(n == 0, "far beyond: %zu", n);
	free(img);

	/* 2.0 without RVDA/RVDS (or only one of them): no extended VBT. */
	img = image(0x2000, 8, 2, 0, 0, 0x1000);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0 && info.vbt_size == 0, "2.0, RVDA 0: %d %u", ret,
	      info.vbt_size);
	n = igd_opregion_view_read(&info, img, NULL, 0, buf, sizeof(buf));
	CHECK(n == 0x2000 && !memcmp(buf, img, 0x2000),
	      "no VBT: nothing patched");
	free(img);
	img = image(0x2000, 8, 2, 1, 0x2000, 0);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0 && info.vbt_size == 0, "2.1, RVDS 0: %d", ret);
	free(img);
}

/* 2.0: RVDA is the VBT's physical address; the view reads as 2.1. */
static void test_v20_absolute(void)
{
	u64 vbt_phys = 0x7b100000ULL;
	struct igd_opregion_info info;
	u8 *img = image(0x2000, 8, 2, 0, vbt_phys, 0x1800);
	u8 vbt[0x1800], buf[0x4000];
	size_t n, i;
	int ret;

	for (i = 0; i < sizeof(vbt); i++)
		vbt[i] = (u8)(0xa0 ^ i);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0, "2.0 absolute: %d", ret);
	CHECK(info.vbt_addr == vbt_phys && info.vbt_size == 0x1800 &&
	      info.region_size == 0x3800 && info.version == 0x0200,
	      "addr %#llx size %#x", (unsigned long long)info.vbt_addr,
	      info.vbt_size);

	n = igd_opregion_view_read(&info, img, vbt, 0, buf, sizeof(buf));
	CHECK(n == 0x3800, "whole view: %zu", n);
	CHECK(get_le(buf + IGD_OPREGION_OFF_VERSION, 2) == 0x0201,
	      "2.0 reads as 2.1: %#llx",
	      (unsigned long long)get_le(buf + IGD_OPREGION_OFF_VERSION, 2));
	CHECK(get_le(buf + IGD_OPREGION_OFF_RVDA, 8) == 0x2000,
	      "RVDA reads as the OpRegion size");
	CHECK(get_le(buf + IGD_OPREGION_OFF_RVDS, 4) == 0x1800, "RVDS kept");
	CHECK(!memcmp(buf + 0x2000, vbt, sizeof(vbt)), "VBT follows");
	/* Everything else is the image byte for byte. */
	for (i = 0; i < 0x2000; i++) {
		if ((i >= IGD_OPREGION_OFF_VERSION &&
		     i < IGD_OPREGION_OFF_VERSION + 2) ||
		    (i >= IGD_OPREGION_OFF_RVDA && i < IGD_OPREGION_OFF_RVDA + 8))
			continue;
		if (buf[i] != img[i])
			break;
	}
	CHECK(i == 0x2000, "unpatched bytes differ at %#zx", i);
	/* Reads that start inside a patched field or straddle the seam. */
	n = igd_opregion_view_read(&info, img, vbt, IGD_OPREGION_OFF_RVDA + 1,
				   buf, 3);
	CHECK(n == 3 && buf[0] == 0x20 && buf[1] == 0 && buf[2] == 0,
	      "RVDA mid-field: %02x %02x %02x", buf[0], buf[1], buf[2]);
	n = igd_opregion_view_read(&info, img, vbt, 0x1ffc, buf, 8);
	CHECK(n == 8 && !memcmp(buf, img + 0x1ffc, 4) &&
	      !memcmp(buf + 4, vbt, 4), "across the seam");
	n = igd_opregion_view_read(&info, img, vbt, 0x37ff, buf, 8);
	CHECK(n == 1 && buf[0] == vbt[0x17ff], "last byte: %zu", n);
	free(img);
}

/* 2.1 and later: RVDA is relative to the OpRegion's base. */
static void test_v21_relative(void)
{
	struct igd_opregion_info info;
	u8 *img = image(0x2000, 8, 2, 1, 0x2000, 0x3000);
	u8 vbt[0x3000], buf[0x100];
	size_t n;
	int ret;

	memset(vbt, 0x5a, sizeof(vbt));
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0, "2.1 relative: %d", ret);
	CHECK(info.vbt_addr == BASE + 0x2000 && info.vbt_size == 0x3000 &&
	      info.region_size == 0x5000, "addr %#llx",
	      (unsigned long long)info.vbt_addr);
	n = igd_opregion_view_read(&info, img, vbt, 0, buf, sizeof(buf));
	CHECK(n == sizeof(buf) &&
	      get_le(buf + IGD_OPREGION_OFF_VERSION, 2) == 0x0201,
	      "2.1 version kept");
	free(img);

	/* 3.0 with the VBT further away: the view still makes it follow. */
	img = image(0x2000, 8, 3, 0, 0x10000, 0x400);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0 && info.vbt_addr == BASE + 0x10000 &&
	      info.version == 0x0300, "3.0 relative: %d", ret);
	n = igd_opregion_view_read(&info, img, vbt, IGD_OPREGION_OFF_RVDA,
				   buf, 8);
	CHECK(n == 8 && get_le(buf, 8) == 0x2000, "RVDA patched to %#llx",
	      (unsigned long long)get_le(buf, 8));
	n = igd_opregion_view_read(&info, img, vbt, IGD_OPREGION_OFF_VERSION,
				   buf, 2);
	CHECK(n == 2 && get_le(buf, 2) == 0x0300, "3.0 version kept");
	free(img);
}

/* A header larger than what was mapped: -ENOSPC with the size to map. */
static void test_larger_header(void)
{
	struct igd_opregion_info info;
	u8 *img = image(0x4000, 16, 2, 1, 0x4000, 0x100);
	int ret;

	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ENOSPC && info.size == 0x4000, "16 KiB in 8: %d %u",
	      ret, info.size);
	ret = parse(img, 0x4000, BASE, &info);
	CHECK(ret == 0 && info.region_size == 0x4100, "16 KiB mapped: %d", ret);
	free(img);

	/* RVDA pointing into the 16 KiB OpRegion itself. */
	img = image(0x4000, 16, 2, 1, 0x2000, 0x100);
	ret = parse(img, 0x4000, BASE, &info);
	CHECK(ret == -ERANGE, "relative VBT inside the OpRegion: %d", ret);
	free(img);
}

static void test_malformed(void)
{
	struct igd_opregion_info info;
	u8 *img;
	int ret;

	/* Truncated buffers, down to nothing. */
	img = image(0x2000, 8, 2, 1, 0, 0);
	ret = parse(img, 0x1fff, BASE, &info);
	CHECK(ret == -EINVAL, "truncated to 8191: %d", ret);
	ret = parse(img, 16, BASE, &info);
	CHECK(ret == -EINVAL, "truncated to 16: %d", ret);
	ret = parse(img, 0, BASE, &info);
	CHECK(ret == -EINVAL, "empty: %d", ret);
	ret = parse(NULL, 0x2000, BASE, &info);
	CHECK(ret == -EINVAL, "NULL: %d", ret);

	/* Signature. */
	img[15] = 'X';
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EINVAL, "bad signature: %d", ret);
	free(img);

	/* Hostile sizes. */
	img = image(0x2000, 0, 2, 1, 0, 0);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EINVAL, "size 0: %d", ret);
	free(img);
	img = image(0x2000, 7, 2, 1, 0, 0);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EINVAL, "size 7 KiB: %d", ret);
	free(img);
	img = image(0x2000, 65, 2, 1, 0, 0);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EINVAL, "size 65 KiB: %d", ret);
	free(img);
	/* KiB * 1024 would wrap a u32 to 0x2000. */
	img = image(0x2000, 0x400008, 2, 1, 0, 0);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EINVAL, "size wrapping to 8 KiB: %d", ret);
	free(img);
	img = image(0x2000, 0xffffffff, 2, 1, 0, 0);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EINVAL, "size ~0: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, 0x2000, IGD_VBT_MAX_SIZE + 1);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "huge RVDS: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, 0x2000, 0xffffffff);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "RVDS ~0: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, 0x2000, IGD_VBT_MAX_SIZE);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0 && info.region_size == 0x2000 + IGD_VBT_MAX_SIZE,
	      "largest RVDS accepted: %d", ret);
	free(img);

	/* A bad base. */
	img = image(0x2000, 8, 1, 0, 0, 0);
	ret = parse(img, 0x2000, 0, &info);
	CHECK(ret == -ERANGE, "base 0: %d", ret);
	ret = parse(img, 0x2000, IGD_PHYS_LIMIT - 0x1000, &info);
	CHECK(ret == -ERANGE, "OpRegion across the address limit: %d", ret);
	free(img);
}

static void test_hostile_rvda(void)
{
	struct igd_opregion_info info;
	u8 *img;
	int ret;

	/* 2.0, absolute: overlapping the OpRegion, from either side. */
	img = image(0x2000, 8, 2, 0, BASE, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "absolute VBT at the OpRegion: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 0, BASE + 0x1fff, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "absolute VBT in the last byte: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 0, BASE - 0x80, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "absolute VBT ending inside: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 0, BASE - 0x100, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0 && info.vbt_addr == BASE - 0x100,
	      "absolute VBT just below: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 0, BASE + 0x2000, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0, "absolute VBT just above: %d", ret);
	free(img);
	/* 2.0, absolute: beyond the address space, and wrapping u64. */
	img = image(0x2000, 8, 2, 0, IGD_PHYS_LIMIT - 0x80, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "absolute VBT across the limit: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 0, 0xffffffffffffff00ULL, 0x1000);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EOVERFLOW, "absolute RVDA + RVDS wraps: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 0, 0xfffffffffffff000ULL, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "absolute RVDA near 2^64: %d", ret);
	free(img);

	/* 2.1+, relative: inside the OpRegion, beyond, wrapping. */
	img = image(0x2000, 8, 2, 1, 0x100, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "relative VBT inside: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, 0x1fff, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "relative VBT at the last byte: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, IGD_PHYS_LIMIT, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -ERANGE, "relative VBT beyond the limit: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, ~0ULL - BASE + 1, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EOVERFLOW, "base + RVDA wraps to 0: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, ~0ULL - BASE - 0x10, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EOVERFLOW, "base + RVDA + RVDS wraps: %d", ret);
	free(img);
	img = image(0x2000, 8, 2, 1, ~0ULL, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == -EOVERFLOW, "RVDA ~0: %d", ret);
	free(img);
	/* A 2.1 RVDA read as an address, and a 2.0 one read as an offset. */
	img = image(0x2000, 8, 2, 1, BASE + 0x2000, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0 && info.vbt_addr == 2 * BASE + 0x2000,
	      "2.1 RVDA is relative: %#llx",
	      (unsigned long long)info.vbt_addr);
	free(img);
	img = image(0x2000, 8, 2, 0, 0x2000, 0x100);
	ret = parse(img, 0x2000, BASE, &info);
	CHECK(ret == 0 && info.vbt_addr == 0x2000, "2.0 RVDA is absolute");
	free(img);
}

/* Every 1-byte corruption of the header fields keeps the parser in bounds. */
static void test_field_sweep(void)
{
	static const int offs[] = { IGD_OPREGION_OFF_SIZE,
		IGD_OPREGION_OFF_SIZE + 3, IGD_OPREGION_OFF_VERSION,
		IGD_OPREGION_OFF_VERSION + 1, IGD_OPREGION_OFF_RVDA,
		IGD_OPREGION_OFF_RVDA + 7, IGD_OPREGION_OFF_RVDS,
		IGD_OPREGION_OFF_RVDS + 3 };
	struct igd_opregion_info info;
	unsigned int i, v, accepted = 0;
	u8 *img;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (v = 0; v < 256; v++) {
			img = image(0x2000, 8, 2, 1, 0x2000, 0x100);
			img[offs[i]] = (u8)v;
			if (parse(img, 0x2000, BASE, &info) == 0) {
				accepted++;
				CHECK(info.size >= IGD_OPREGION_MIN_SIZE &&
				      info.size <= 0x2000 &&
				      info.vbt_size <= IGD_VBT_MAX_SIZE &&
				      info.region_size == info.size + info.vbt_size &&
				      (!info.vbt_size ||
				       info.vbt_addr + info.vbt_size <= IGD_PHYS_LIMIT),
				      "off %#x = %#x accepted out of bounds",
				      offs[i], v);
			}
			free(img);
		}
	}
	CHECK(accepted > 0 && accepted < 8 * 256, "sweep accepted %u", accepted);
}

/* Config writes: ASLS (0xfc-0xff) is cut out, everything else passes. */
static void test_cfg_write_pieces(void)
{
	/* pos, count, expected first piece, dropped */
	static const struct { u64 pos; size_t count, n; bool drop; } t[] = {
		{ 0x00, 4, 4, false },		/* far from ASLS */
		{ 0xf8, 4, 4, false },		/* the dword before */
		{ 0xfc, 4, 4, true },		/* ASLS itself */
		{ 0xfc, 1, 1, true },
		{ 0xfe, 2, 2, true },
		{ 0xff, 1, 1, true },
		{ 0x100, 4, 4, false },		/* the extended space after */
		{ 0xfa, 4, 2, false },		/* unaligned, into ASLS: stop at it */
		{ 0xfd, 8, 3, true },		/* from inside ASLS past its end */
		{ 0x00, 4096, 0xfc, false },	/* the whole space in one write */
		{ 0xfc, 4096, 4, true },
		{ 1ULL << 39, 4, 4, false },	/* huge offsets: the core refuses */
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool drop = !t[i].drop;
		size_t n = igd_cfg_write_piece(t[i].pos, t[i].count, &drop);

		CHECK(n == t[i].n && drop == t[i].drop,
		      "write %#llx+%zu: piece %zu drop %d, want %zu %d",
		      (unsigned long long)t[i].pos, t[i].count, n, drop,
		      t[i].n, t[i].drop);
	}
	/* Walking a whole-space write: exactly bytes 0xfc-0xff are dropped. */
	{
		u64 pos = 0;
		size_t left = 4096, dropped = 0, pieces = 0;

		while (left) {
			bool drop;
			size_t n = igd_cfg_write_piece(pos, left, &drop);

			CHECK(n > 0 && n <= left, "piece %zu of %zu", n, left);
			if (!n)
				break;
			if (drop) {
				CHECK(pos >= IGD_ASLS && pos + n <= IGD_ASLS + 4,
				      "dropped %#llx+%zu", (unsigned long long)pos, n);
				dropped += n;
			}
			pos += n;
			left -= n;
			pieces++;
		}
		CHECK(dropped == 4 && pieces == 3, "dropped %zu in %zu pieces",
		      dropped, pieces);
	}
}

/* One named result per group, for make check and the security coverage. */
static void run(const char *name, void (*test)(void))
{
	int before = failures;

	test();
	if (failures == before)
		printf("PASS igd.opregion.%s\n", name);
	else
		printf("FAIL igd.opregion.%s: %d checks failed\n", name,
		       failures - before);
}

int main(void)
{
	run("cfg_write_pieces", test_cfg_write_pieces);
	run("v1", test_v1);
	run("v20_absolute", test_v20_absolute);
	run("v21_relative", test_v21_relative);
	run("larger_header", test_larger_header);
	run("malformed", test_malformed);
	run("hostile_rvda", test_hostile_rvda);
	run("field_sweep", test_field_sweep);
	printf("igd_opregion: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
