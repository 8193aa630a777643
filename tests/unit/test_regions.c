// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the core's device-specific regions (src/core/
 * vfio_pci_region.c, built against tests/unit/shim): registration limits,
 * GET_REGION_INFO with the type capability and a driver's own, read/write
 * and mmap dispatch by index with the region's flags enforced, and release
 * running each region's release exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_pci_priv.h"

int shim_krealloc_fail;
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

/* VFIO_REGION_TYPE_PCI_VENDOR_TYPE is (1 << 31), an int overflow for UBSan. */
#define VENDOR_TYPE	0x80000000u

static int cap_fail;	/* set: the next vfio_info_add_capability fails */

int vfio_info_add_capability(struct vfio_info_cap *caps,
			     struct vfio_info_cap_header *cap, size_t size)
{
	struct vfio_info_cap_header *last;
	size_t at = caps->size;
	void *buf;

	if (cap_fail) {
		cap_fail = 0;
		return -ENOMEM;
	}
	buf = realloc(caps->buf, at + size);
	if (!buf)
		return -ENOMEM;
	caps->buf = buf;
	memcpy((char *)buf + at, cap, size);
	/* Chain the previous header to this one, as the vfio core does. */
	if (at) {
		size_t off = 0;

		for (;;) {
			last = (void *)((char *)buf + off);
			if (!last->next)
				break;
			off = last->next;
		}
		last->next = (u32)at;
	}
	((struct vfio_info_cap_header *)((char *)buf + at))->next = 0;
	caps->size = at + size;
	return 0;
}

/* What the callbacks saw. */
static struct {
	int rw_calls, release_calls[4], mmap_calls, addcap_calls;
	struct vfio_pci_region *rw_region_seen;
	loff_t rw_pos;
	bool rw_write;
} seen;

static ssize_t test_rw(struct vfio_pci_core_device *vdev, char *buf,
		       size_t count, loff_t *ppos, bool iswrite)
{
	unsigned int i = VFIO_PCI_OFFSET_TO_INDEX(*ppos) - VFIO_PCI_NUM_REGIONS;

	(void)buf;
	seen.rw_calls++;
	seen.rw_region_seen = &vdev->region[i];
	seen.rw_pos = *ppos;
	seen.rw_write = iswrite;
	return (ssize_t)count;
}

static void test_release(struct vfio_pci_core_device *vdev,
			 struct vfio_pci_region *region)
{
	(void)vdev;
	seen.release_calls[*(int *)region->data]++;
}

static int test_mmap(struct vfio_pci_core_device *vdev,
		     struct vfio_pci_region *region, struct vm_area_struct *vma)
{
	(void)vdev;
	(void)region;
	(void)vma;
	seen.mmap_calls++;
	return 0;
}

static int test_add_cap(struct vfio_pci_core_device *vdev,
			struct vfio_pci_region *region,
			struct vfio_info_cap *caps)
{
	struct vfio_info_cap_header h = { .id = 0x77, .version = 3 };

	(void)vdev;
	(void)region;
	seen.addcap_calls++;
	return vfio_info_add_capability(caps, &h, sizeof(h));
}

static const struct vfio_pci_regops ro_ops = {
	.rw = test_rw, .release = test_release,
};
static const struct vfio_pci_regops full_ops = {
	.rw = test_rw, .release = test_release, .mmap = test_mmap,
	.add_capability = test_add_cap,
};
static const struct vfio_pci_regops no_rw_ops = { .release = test_release };

static int ids[4] = { 0, 1, 2, 3 };

static void test_register(struct vfio_pci_core_device *vdev)
{
	int ret, i;

	ret = vfio_pci_core_register_dev_region(vdev, 1, 2, NULL, 16,
						VFIO_REGION_INFO_FLAG_READ, NULL);
	CHECK(ret == -EINVAL, "NULL ops: %d", ret);
	ret = vfio_pci_core_register_dev_region(vdev, 1, 2, &no_rw_ops, 16,
						VFIO_REGION_INFO_FLAG_READ, &ids[3]);
	CHECK(ret == -EINVAL, "no rw: %d", ret);
	ret = vfio_pci_core_register_dev_region(vdev, 1, 2, &ro_ops,
						VFIO_PCI_OFFSET_MASK + 2,
						VFIO_REGION_INFO_FLAG_READ, &ids[3]);
	CHECK(ret == -EINVAL, "larger than 2^40: %d", ret);
	shim_krealloc_fail = 1;
	ret = vfio_pci_core_register_dev_region(vdev, 1, 2, &ro_ops, 16,
						VFIO_REGION_INFO_FLAG_READ, &ids[3]);
	CHECK(ret == -ENOMEM && vdev->num_regions == 0, "no memory: %d", ret);

	/* 9: read-only; 10: read/write/mmap with its own cap; 11: 2^40 bytes. */
	ret = vfio_pci_core_register_dev_region(vdev,
			VENDOR_TYPE | 0x8086,
			VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION, &ro_ops, 0x2100,
			VFIO_REGION_INFO_FLAG_READ, &ids[0]);
	CHECK(ret == 0, "region 9: %d", ret);
	ret = vfio_pci_core_register_dev_region(vdev, 5, 6, &full_ops, 0x3000,
			VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			VFIO_REGION_INFO_FLAG_MMAP, &ids[1]);
	CHECK(ret == 0, "region 10: %d", ret);
	ret = vfio_pci_core_register_dev_region(vdev, 7, 8, &ro_ops,
			VFIO_PCI_OFFSET_MASK + 1, VFIO_REGION_INFO_FLAG_WRITE,
			&ids[2]);
	CHECK(ret == 0 && vdev->num_regions == 3, "region 11 (2^40, write-only): %d",
	      ret);
	/* A failed krealloc keeps what was registered. */
	shim_krealloc_fail = 1;
	ret = vfio_pci_core_register_dev_region(vdev, 1, 2, &ro_ops, 16,
						VFIO_REGION_INFO_FLAG_READ, &ids[3]);
	CHECK(ret == -ENOMEM && vdev->num_regions == 3 &&
	      vdev->region[2].subtype == 8, "no memory keeps the others");
	for (i = 0; i < 3; i++)
		CHECK(vdev->region[i].data == &ids[i], "data %d", i);
}

static void test_info(struct vfio_pci_core_device *vdev)
{
	struct vfio_info_cap caps = { 0 };
	struct vfio_region_info info;
	struct vfio_region_info_cap_type *t;
	struct vfio_info_cap_header *h;
	int ret;

	memset(&info, 0xa5, sizeof(info));
	info.index = 9;
	ret = vfio_pci_region_info(vdev, &info, &caps);
	CHECK(ret == 0, "info 9: %d", ret);
	CHECK(info.offset == 9ULL << 40 && info.size == 0x2100 &&
	      info.flags == VFIO_REGION_INFO_FLAG_READ, "offset %#llx size %#llx flags %#x",
	      (unsigned long long)info.offset, (unsigned long long)info.size,
	      info.flags);
	t = (void *)caps.buf;
	CHECK(caps.size == sizeof(*t) && t->header.id == VFIO_REGION_INFO_CAP_TYPE &&
	      t->header.version == 1 &&
	      t->type == (VENDOR_TYPE | 0x8086) &&
	      t->subtype == VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION,
	      "type capability of 9");
	free(caps.buf);

	caps = (struct vfio_info_cap){ 0 };
	info.index = 10;
	ret = vfio_pci_region_info(vdev, &info, &caps);
	t = (void *)caps.buf;
	h = caps.buf ? (void *)((char *)caps.buf + t->header.next) : NULL;
	CHECK(ret == 0 && seen.addcap_calls == 1 && t && t->type == 5 &&
	      t->subtype == 6 && t->header.next == sizeof(*t) && h &&
	      h->id == 0x77 && h->version == 3,
	      "10: type cap then the driver's (%d)", ret);
	CHECK(info.flags == (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP), "flags of 10");
	free(caps.buf);

	caps = (struct vfio_info_cap){ 0 };
	info.index = 11;
	ret = vfio_pci_region_info(vdev, &info, &caps);
	CHECK(ret == 0 && info.size == 1ULL << 40, "11: %d", ret);
	free(caps.buf);

	/* A failing capability fails the ioctl. */
	caps = (struct vfio_info_cap){ 0 };
	cap_fail = 1;
	info.index = 9;
	ret = vfio_pci_region_info(vdev, &info, &caps);
	CHECK(ret == -ENOMEM, "capability failure: %d", ret);
	free(caps.buf);

	/* Indices the core does not own here. */
	{
		static const u32 bad[] = { 0, 8, 12, 13, 64 + 9, 0x7fffffff,
					   0xffffffff };
		unsigned int i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			caps = (struct vfio_info_cap){ 0 };
			info.index = bad[i];
			ret = vfio_pci_region_info(vdev, &info, &caps);
			CHECK(ret == -EINVAL && !caps.buf, "index %u: %d",
			      bad[i], ret);
			free(caps.buf);
		}
	}
}

static void test_rw_dispatch(struct vfio_pci_core_device *vdev)
{
	char buf[8];
	loff_t pos;
	ssize_t ret;

	pos = (9LL << 40) + 0x10;
	ret = vfio_pci_region_rw(vdev, buf, 4, &pos, false);
	CHECK(ret == 4 && seen.rw_calls == 1 &&
	      seen.rw_region_seen == &vdev->region[0] &&
	      seen.rw_pos == (9LL << 40) + 0x10 && !seen.rw_write,
	      "read 9 dispatched: %zd", ret);
	ret = vfio_pci_region_rw(vdev, buf, 4, &pos, true);
	CHECK(ret == -EINVAL && seen.rw_calls == 1,
	      "write to read-only 9 refused before rw: %zd", ret);

	pos = 10LL << 40;
	ret = vfio_pci_region_rw(vdev, buf, 8, &pos, true);
	CHECK(ret == 8 && seen.rw_calls == 2 &&
	      seen.rw_region_seen == &vdev->region[1] && seen.rw_write,
	      "write 10 dispatched: %zd", ret);

	pos = 11LL << 40;
	ret = vfio_pci_region_rw(vdev, buf, 8, &pos, false);
	CHECK(ret == -EINVAL && seen.rw_calls == 2,
	      "read of write-only 11 refused: %zd", ret);
	ret = vfio_pci_region_rw(vdev, buf, 8, &pos, true);
	CHECK(ret == 8 && seen.rw_region_seen == &vdev->region[2],
	      "write 11: %zd", ret);

	pos = 12LL << 40;
	ret = vfio_pci_region_rw(vdev, buf, 8, &pos, false);
	CHECK(ret == -EINVAL && seen.rw_calls == 3, "12 does not exist: %zd",
	      ret);
	pos = 8LL << 40;
	ret = vfio_pci_region_rw(vdev, buf, 8, &pos, false);
	CHECK(ret == -EINVAL && seen.rw_calls == 3, "8 is not ours: %zd", ret);
	pos = -1;
	ret = vfio_pci_region_rw(vdev, buf, 8, &pos, false);
	CHECK(ret == -EINVAL && seen.rw_calls == 3, "negative offset: %zd",
	      ret);
}

static void test_mmap_dispatch(struct vfio_pci_core_device *vdev)
{
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;
	struct vm_area_struct vma;
	int ret;

	vma.vm_pgoff = (10UL << shift) + 1;
	ret = vfio_pci_region_mmap(vdev, &vma);
	CHECK(ret == 0 && seen.mmap_calls == 1, "mmap 10: %d", ret);
	vma.vm_pgoff = 9UL << shift;
	ret = vfio_pci_region_mmap(vdev, &vma);
	CHECK(ret == -EINVAL && seen.mmap_calls == 1, "9 has no mmap: %d", ret);
	vma.vm_pgoff = 12UL << shift;
	ret = vfio_pci_region_mmap(vdev, &vma);
	CHECK(ret == -EINVAL, "12 does not exist: %d", ret);
	vma.vm_pgoff = ~0UL;
	ret = vfio_pci_region_mmap(vdev, &vma);
	CHECK(ret == -EINVAL && seen.mmap_calls == 1, "huge pgoff: %d", ret);
	/* mmap op present but the flag not set: refused. */
	vdev->region[1].flags &= ~VFIO_REGION_INFO_FLAG_MMAP;
	vma.vm_pgoff = 10UL << shift;
	ret = vfio_pci_region_mmap(vdev, &vma);
	CHECK(ret == -EINVAL && seen.mmap_calls == 1, "no MMAP flag: %d", ret);
}

static void test_release_all(struct vfio_pci_core_device *vdev)
{
	vfio_pci_regions_release(vdev);
	CHECK(seen.release_calls[0] == 1 && seen.release_calls[1] == 1 &&
	      seen.release_calls[2] == 1 && seen.release_calls[3] == 0,
	      "each released once: %d %d %d %d", seen.release_calls[0],
	      seen.release_calls[1], seen.release_calls[2],
	      seen.release_calls[3]);
	CHECK(!vdev->region && !vdev->num_regions, "forgotten");
	vfio_pci_regions_release(vdev);
	CHECK(seen.release_calls[0] == 1, "a second release is a no-op");
	{
		struct vfio_region_info info = { .index = 9 };
		struct vfio_info_cap caps = { 0 };

		CHECK(vfio_pci_region_info(vdev, &info, &caps) == -EINVAL,
		      "no region after release");
	}
}

static void test_limit(void)
{
	struct vfio_pci_core_device vdev = { 0 };
	int i, ret = 0;

	for (i = 0; i < 64 && !ret; i++)
		ret = vfio_pci_core_register_dev_region(&vdev, 1, i, &ro_ops, 1,
							VFIO_REGION_INFO_FLAG_READ,
							&ids[3]);
	CHECK(ret == 0 && vdev.num_regions == 64, "64 regions: %d", ret);
	ret = vfio_pci_core_register_dev_region(&vdev, 1, 99, &ro_ops, 1,
						VFIO_REGION_INFO_FLAG_READ,
						&ids[3]);
	CHECK(ret == -ENOSPC && vdev.num_regions == 64, "65th: %d", ret);
	vfio_pci_regions_release(&vdev);
	CHECK(seen.release_calls[3] == 64, "64 released: %d",
	      seen.release_calls[3]);
}

int main(void)
{
	struct vfio_pci_core_device vdev = { 0 };

	test_register(&vdev);
	test_info(&vdev);
	test_rw_dispatch(&vdev);
	test_mmap_dispatch(&vdev);
	test_release_all(&vdev);
	test_limit();
	printf("regions: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
