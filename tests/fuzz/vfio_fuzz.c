// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_fuzz: seeded, reproducible fuzzer of the vfio-pci device uAPI.
 *
 * For each BDF given, opens the device through the group/container path
 * and issues OPS random operations: the device ioctls with hostile argsz,
 * flags, indexes, counts and offsets (GET_INFO, GET_REGION_INFO,
 * GET_IRQ_INFO, SET_IRQS with random data and eventfds, RESET,
 * GET_PCI_HOT_RESET_INFO, PCI_HOT_RESET, IOEVENTFD, DEVICE_FEATURE), preads
 * and pwrites at random offsets and widths in every region and beyond it,
 * mmaps of random windows that are then touched (SIGBUS/SIGSEGV are caught
 * and counted), config-space writes, and closing and reopening the device
 * fd (or a second fd on it, which the ops then use in turn). The same seed,
 * op count and device give the same sequence.
 *
 * After the ops it unmaps everything, checks that the device still answers
 * VFIO_DEVICE_GET_INFO and prints "PASS fuzz.<label>" (else a FAIL line).
 *
 * usage: vfio_fuzz [-s SEED] [-n OPS] [-l LABEL] [-v] BDF...
 *   -s SEED   64-bit seed (default: from the clock; always printed)
 *   -n OPS    operations per device (default 1000)
 *   -l LABEL  check name prefix (default: the BDF)
 *   -v        print every operation (to find the one that hurt)
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -o vfio_fuzz vfio_fuzz.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "../uapi/vfio_test.h"

#define ARENA_SIZE (64 * 1024)	/* ioctl argument buffer, guard page after */
#define NEVENTFD 8
#define NMAPS 8
#define MAX_REGIONS 16
#define OFFSET_SHIFT 40		/* vfio-pci's region offset encoding */
#define D3_MAX_OPS 16		/* ops a device may stay in D3 before D0 */

/* ------------------------------------------------------------ random */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: tiny, good enough, and identical everywhere */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* A 32-bit value that is often a boundary: 0, 1, -1, powers of two, ... */
static uint32_t hostile32(void)
{
	static const uint32_t edge[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 4095,
		4096, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff, 0x40000000, 0x3fffffff,
	};

	switch (below(4)) {
	case 0:
		return edge[below(sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return (uint32_t)below(64);
	case 2:
		return (uint32_t)1 << below(32);
	default:
		return (uint32_t)rnd();
	}
}

/* An argsz around the structure's size, or hostile. */
static uint32_t hostile_argsz(uint32_t minsz)
{
	switch (below(6)) {
	case 0:
		return minsz;
	case 1:
		return minsz - (uint32_t)below(minsz + 1);
	case 2:
		return minsz + (uint32_t)below(64);
	case 3:
		return minsz + (uint32_t)below(ARENA_SIZE - minsz);
	case 4:
		return hostile32();
	default:
		return ARENA_SIZE;
	}
}

/* ------------------------------------------------------------ state */

struct region {
	bool valid;
	uint32_t flags;
	uint64_t size, offset;
};

struct map {
	void *addr;
	size_t len;
	unsigned int index;
	uint64_t roff;			/* offset of addr in the region */
};

struct dev {
	const char *bdf;
	int container, group, fd, fd2;
	uint32_t num_regions, num_irqs, dev_flags;
	struct region reg[MAX_REGIONS];
	uint32_t irq_count[MAX_REGIONS];
	struct map map[NMAPS];
	uint16_t vendor, device;
	uint16_t pm_cap;		/* config offset of the PM capability */
	int d3_ops;			/* ops left before forcing D0, -1: in D0 */
};

static uint8_t *arena;			/* ARENA_SIZE bytes, then PROT_NONE */
static int efd[NEVENTFD];
static bool verbose;

/* Counts, printed at the end. */
enum {
	C_IOCTL, C_IOCTL_OK, C_RW, C_RW_OK, C_MMAP, C_MMAP_OK, C_TOUCH,
	C_FAULT, C_CFGW, C_REOPEN, C_NUM
};
static const char *const cname[C_NUM] = {
	"ioctls", "ioctls_ok", "rw", "rw_ok", "mmaps", "mmaps_ok", "touches",
	"faults", "config_writes", "reopens",
};
static unsigned long count[C_NUM];

static void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ------------------------------------------------------------ faults */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
	if (!fault_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(fault_jmp, sig);
}

/* ------------------------------------------------------------ device */

static int open_group(struct dev *d, char *err, size_t errlen)
{
	return vt_open_group(d->bdf, &d->group, &d->container, err, errlen);
}

static int get_device_fd(struct dev *d)
{
	return ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
}

/* Learn the regions and IRQs with well-formed ioctls (to aim the fuzzing). */
static int probe_device(struct dev *d, char *err, size_t errlen)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	unsigned int i;

	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &info)) {
		snprintf(err, errlen, "VFIO_DEVICE_GET_INFO: %s", strerror(errno));
		return -1;
	}
	d->dev_flags = info.flags;
	d->num_regions = info.num_regions < MAX_REGIONS ? info.num_regions : MAX_REGIONS;
	d->num_irqs = info.num_irqs < MAX_REGIONS ? info.num_irqs : MAX_REGIONS;
	for (i = 0; i < d->num_regions; i++) {
		struct vfio_region_info r = { .argsz = sizeof(r), .index = i };

		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &r) == 0) {
			d->reg[i].valid = true;
			d->reg[i].flags = r.flags;
			d->reg[i].size = r.size;
			d->reg[i].offset = r.offset;
		}
	}
	for (i = 0; i < d->num_irqs; i++) {
		struct vfio_irq_info q = { .argsz = sizeof(q), .index = i };

		if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &q) == 0)
			d->irq_count[i] = q.count;
	}
	/* The PM capability, so that D3 entries can be undone. */
	d->pm_cap = 0;
	d->d3_ops = -1;
	if (d->reg[VFIO_PCI_CONFIG_REGION_INDEX].valid) {
		uint64_t base = d->reg[VFIO_PCI_CONFIG_REGION_INDEX].offset;
		uint8_t pos = 0, hdr[2];
		int guard = 48;

		if (pread(d->fd, &d->vendor, 2, base + PCI_VENDOR_ID) != 2 ||
		    pread(d->fd, &d->device, 2, base + PCI_DEVICE_ID) != 2)
			d->vendor = d->device = 0;
		if (pread(d->fd, &pos, 1, base + PCI_CAPABILITY_LIST) != 1)
			pos = 0;
		while (pos >= 0x40 && guard-- > 0) {
			if (pread(d->fd, hdr, 2, base + pos) != 2)
				break;
			if (hdr[0] == PCI_CAP_ID_PM) {
				d->pm_cap = pos;
				break;
			}
			pos = hdr[1];
		}
	}
	return 0;
}

static void unmap_all(struct dev *d)
{
	unsigned int i;

	for (i = 0; i < NMAPS; i++) {
		if (d->map[i].addr) {
			munmap(d->map[i].addr, d->map[i].len);
			d->map[i].addr = NULL;
		}
	}
}

/* ------------------------------------------------------------ ops */

/*
 * Writes the fuzzer never makes because they crash the emulator, not the
 * kernel: QEMU 7.2's e1000e aborts (e1000e_core.c:143,
 * e1000e_intrmgr_on_throttling_timer: Assertion `!msix_enabled(...)') when
 * an ITR throttling timer armed before MSI-X was enabled fires after.
 * ITR is BAR0 + 0xc4. Such a write becomes a read of the same place.
 */
static bool avoid_write(const struct dev *d, uint32_t idx, uint64_t off, size_t len)
{
	if (d->vendor == 0x8086 && d->device == 0x10d3 && idx == VFIO_PCI_BAR0_REGION_INDEX)
		return off < 0xc8 && off + len > 0xc4;
	return false;
}

static long do_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	long r = ioctl(fd, req, arg);

	count[C_IOCTL]++;
	if (r >= 0)
		count[C_IOCTL_OK]++;
	vlog("  %s -> %ld%s%s", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
	return r;
}

/* Fill the arena with random bytes or a pattern. */
static void fill_arena(size_t len)
{
	size_t i;

	if (len > ARENA_SIZE)
		len = ARENA_SIZE;
	if (chance(50)) {
		memset(arena, chance(50) ? 0 : 0xa5, len);
		return;
	}
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v = rnd();

		memcpy(arena + i, &v, 8);
	}
}

static uint32_t rand_region_index(struct dev *d)
{
	if (chance(85) && d->num_regions)
		return (uint32_t)below(d->num_regions);
	return hostile32();
}

static uint32_t rand_irq_index(struct dev *d)
{
	if (chance(85) && d->num_irqs)
		return (uint32_t)below(d->num_irqs);
	return hostile32();
}

static void op_get_info(struct dev *d)
{
	struct vfio_device_info *i = (void *)arena;

	fill_arena(4096);
	i->argsz = hostile_argsz(sizeof(*i));
	i->flags = chance(80) ? 0 : hostile32();
	do_ioctl(d->fd, VFIO_DEVICE_GET_INFO, arena, "GET_INFO");
}

static void op_region_info(struct dev *d)
{
	struct vfio_region_info *r = (void *)arena;

	fill_arena(4096);
	r->argsz = hostile_argsz(sizeof(*r));
	r->index = rand_region_index(d);
	vlog(" region_info argsz %u index %u", r->argsz, r->index);
	do_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, arena, "GET_REGION_INFO");
}

static void op_irq_info(struct dev *d)
{
	struct vfio_irq_info *q = (void *)arena;

	fill_arena(64);
	q->argsz = hostile_argsz(sizeof(*q));
	q->index = rand_irq_index(d);
	do_ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, arena, "GET_IRQ_INFO");
}

static int rand_fd(void)
{
	switch (below(8)) {
	case 0:
		return -1;
	case 1:
		return (int)hostile32();
	case 2:
		return 0;	/* stdin: not an eventfd */
	default:
		return efd[below(NEVENTFD)];
	}
}

static void op_set_irqs(struct dev *d)
{
	struct vfio_irq_set *s = (void *)arena;
	static const uint32_t dtype[] = {
		VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL, VFIO_IRQ_SET_DATA_EVENTFD,
	};
	static const uint32_t atype[] = {
		VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
		VFIO_IRQ_SET_ACTION_TRIGGER,
	};
	uint32_t index = rand_irq_index(d), n, i, max, dsz;

	s->flags = dtype[below(3)] | atype[below(3)];
	if (chance(10))
		s->flags |= hostile32();
	s->index = index;
	max = index < MAX_REGIONS ? d->irq_count[index] : 0;
	switch (below(5)) {
	case 0:
		s->start = 0;
		s->count = max;
		break;
	case 1:
		s->start = (uint32_t)below(max + 2);
		s->count = (uint32_t)below(max + 2);
		break;
	case 2:
		s->start = 0;
		s->count = 0;
		break;
	default:
		s->start = chance(50) ? 0 : hostile32();
		s->count = hostile32();
	}
	dsz = (s->flags & VFIO_IRQ_SET_DATA_EVENTFD) ? 4 :
		(s->flags & VFIO_IRQ_SET_DATA_BOOL) ? 1 : 0;
	/* Payload: as much as fits in the arena. */
	n = s->count;
	if (dsz && n > (ARENA_SIZE - sizeof(*s)) / dsz)
		n = (uint32_t)((ARENA_SIZE - sizeof(*s)) / dsz);
	for (i = 0; i < n; i++) {
		if (dsz == 4) {
			int32_t fd = rand_fd();

			memcpy(s->data + 4 * i, &fd, 4);
		} else if (dsz == 1) {
			s->data[i] = (uint8_t)(chance(70) ? below(2) : rnd());
		}
	}
	s->argsz = chance(70) ? (uint32_t)(sizeof(*s) + (uint64_t)n * dsz) :
		hostile_argsz(sizeof(*s));
	vlog(" set_irqs argsz %u flags %#x index %u start %u count %u",
	     s->argsz, s->flags, s->index, s->start, s->count);
	do_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, arena, "SET_IRQS");
}

static void op_reset(struct dev *d)
{
	do_ioctl(d->fd, VFIO_DEVICE_RESET, NULL, "RESET");
}

static void op_hot_reset_info(struct dev *d)
{
	struct vfio_pci_hot_reset_info *h = (void *)arena;

	fill_arena(4096);
	h->argsz = hostile_argsz(sizeof(*h));
	h->flags = chance(80) ? 0 : hostile32();
	h->count = chance(50) ? 0 : hostile32();
	do_ioctl(d->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, arena, "GET_PCI_HOT_RESET_INFO");
}

static void op_hot_reset(struct dev *d)
{
	struct vfio_pci_hot_reset *h = (void *)arena;
	uint32_t n, i;

	h->flags = chance(80) ? 0 : hostile32();
	h->count = chance(60) ? (uint32_t)below(4) : hostile32();
	n = h->count < 1024 ? h->count : 1024;
	for (i = 0; i < n; i++) {
		int32_t fd = chance(60) ? d->group : rand_fd();

		memcpy((uint8_t *)h->group_fds + 4 * i, &fd, 4);
	}
	h->argsz = chance(70) ? (uint32_t)(sizeof(*h) + 4 * n) : hostile_argsz(sizeof(*h));
	do_ioctl(d->fd, VFIO_DEVICE_PCI_HOT_RESET, arena, "PCI_HOT_RESET");
}

static void op_ioeventfd(struct dev *d)
{
	struct vfio_device_ioeventfd *e = (void *)arena;
	uint32_t idx = rand_region_index(d);
	static const uint32_t sizes[] = { 1, 2, 4, 8 };

	e->argsz = chance(80) ? sizeof(*e) : hostile_argsz(sizeof(*e));
	e->flags = sizes[below(4)];
	if (chance(10))
		e->flags = hostile32();
	e->offset = 0;
	if (idx < MAX_REGIONS && d->reg[idx].valid) {
		e->offset = d->reg[idx].offset;
		if (d->reg[idx].size)
			e->offset += below(d->reg[idx].size + 16) & ~(uint64_t)(chance(80) ? 7 : 0);
	} else {
		e->offset = ((uint64_t)idx << OFFSET_SHIFT) + below(4096);
	}
	if (chance(5))
		e->offset = rnd();
	if (idx < MAX_REGIONS && d->reg[idx].valid && e->offset >= d->reg[idx].offset &&
	    avoid_write(d, idx, e->offset - d->reg[idx].offset, 8))
		e->offset += 8;
	e->data = rnd();
	e->fd = chance(20) ? -1 : rand_fd();
	vlog(" ioeventfd flags %#x offset %#llx fd %d", e->flags,
	     (unsigned long long)e->offset, e->fd);
	do_ioctl(d->fd, VFIO_DEVICE_IOEVENTFD, arena, "IOEVENTFD");
}

static void op_feature(struct dev *d)
{
	struct vfio_device_feature *f = (void *)arena;
	uint32_t feat = (uint32_t)(chance(85) ? below(12) : (hostile32() & 0xffff));
	static const uint32_t mode[] = {
		VFIO_DEVICE_FEATURE_GET, VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_PROBE, 0,
	};
	uint32_t payload = (uint32_t)below(64);

	fill_arena(4096);
	f->flags = feat | mode[below(7)];
	if (chance(5))
		f->flags |= hostile32() & ~0xffffu;
	/* LOW_POWER_ENTRY_WITH_WAKEUP wants an eventfd first */
	if (feat == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP && chance(70)) {
		int32_t fd = rand_fd();

		memcpy(f->data, &fd, 4);
	}
	f->argsz = chance(70) ? (uint32_t)(sizeof(*f) + payload) : hostile_argsz(sizeof(*f));
	vlog(" feature flags %#x argsz %u", f->flags, f->argsz);
	do_ioctl(d->fd, VFIO_DEVICE_FEATURE, arena, "DEVICE_FEATURE");
}

/* A random offset in region idx (sometimes past its end). */
static uint64_t rand_offset(struct dev *d, uint32_t idx, size_t width)
{
	uint64_t size;

	if (idx >= MAX_REGIONS || !d->reg[idx].valid)
		return ((uint64_t)idx << OFFSET_SHIFT) + below(1 << 16);
	size = d->reg[idx].size;
	/* The VGA region is mostly holes: aim at its windows' edges. */
	if (idx == VFIO_PCI_VGA_REGION_INDEX && chance(60)) {
		static const uint64_t edges[] = { 0x3b0, 0x3bc, 0x3c0, 0x3e0, 0xa0000, 0xc0000 };

		return d->reg[idx].offset + edges[below(6)] + below(24) - 12;
	}
	if (chance(10))
		return d->reg[idx].offset + size - below(16);	/* straddle the end */
	if (chance(5))
		return d->reg[idx].offset + size + below(1 << 20);
	if (chance(2))
		return rnd();
	if (size == 0)
		return d->reg[idx].offset + below(64);
	return d->reg[idx].offset + (below(size) & ~(uint64_t)(chance(80) ? width - 1 : 0));
}

static size_t rand_width(void)
{
	static const size_t w[] = { 1, 2, 4, 8, 4, 4, 2, 3, 16, 64, 256, 4096 };

	/* Long accesses are one MMIO access per 4 bytes: slow under TCG. */
	if (chance(1))
		return (size_t)below(ARENA_SIZE) + 1;
	if (chance(2))
		return (size_t)below(8192) + 1;
	return w[below(12)];
}

/* PMCSR writes to D3 are allowed, but undone within D3_MAX_OPS ops. */
static void note_config_write(struct dev *d, uint64_t off, size_t len)
{
	uint64_t pmcsr = d->pm_cap + PCI_PM_CTRL;

	if (d->pm_cap && off <= pmcsr && off + len > pmcsr && d->d3_ops < 0)
		d->d3_ops = (int)below(D3_MAX_OPS) + 1;
}

static void force_d0(struct dev *d)
{
	uint64_t base = d->reg[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	uint16_t v;

	if (pread(d->fd, &v, 2, base + d->pm_cap + PCI_PM_CTRL) == 2 &&
	    (v & PCI_PM_CTRL_STATE_MASK)) {
		v &= (uint16_t)~PCI_PM_CTRL_STATE_MASK;
		v &= (uint16_t)~PCI_PM_CTRL_PME_STATUS;
		if (pwrite(d->fd, &v, 2, base + d->pm_cap + PCI_PM_CTRL) != 2)
			vlog("  force D0: %s", strerror(errno));
	}
	d->d3_ops = -1;
}

static void op_rw(struct dev *d, bool config)
{
	uint32_t idx = config ? VFIO_PCI_CONFIG_REGION_INDEX : rand_region_index(d);
	size_t width = rand_width();
	uint64_t off = rand_offset(d, idx, width);
	bool write = config || chance(50);
	ssize_t r;

	if (config) {
		width = chance(90) ? (size_t)1 << below(3) : (size_t)below(16) + 1;
		off = d->reg[idx].offset + (below(d->reg[idx].size ? d->reg[idx].size : 256) &
					    ~(uint64_t)(chance(80) ? width - 1 : 0));
	}
	fill_arena(width);
	if (write && idx < MAX_REGIONS && d->reg[idx].valid && off >= d->reg[idx].offset &&
	    avoid_write(d, idx, off - d->reg[idx].offset, width))
		write = false;
	vlog(" %s region %u offset %#llx width %zu", write ? "pwrite" : "pread", idx,
	     (unsigned long long)off, width);
	if (write)
		r = pwrite(d->fd, arena, width, (off_t)off);
	else
		r = pread(d->fd, arena, width, (off_t)off);
	count[C_RW]++;
	if (r >= 0)
		count[C_RW_OK]++;
	if (write && idx == VFIO_PCI_CONFIG_REGION_INDEX && r > 0) {
		count[C_CFGW]++;
		note_config_write(d, off - d->reg[idx].offset, (size_t)r);
	}
}

static void touch(const struct dev *d, struct map *m)
{
	volatile uint8_t *volatile p;
	volatile size_t off;
	int sig;

	off = below(m->len);
	if (chance(80))
		off &= ~(size_t)3;
	p = (volatile uint8_t *)m->addr + off;
	count[C_TOUCH]++;
	if (avoid_write(d, m->index, m->roff + off, 4))
		p = (volatile uint8_t *)m->addr + (off & ~(size_t)7) + (off >= 8 ? -8 : 8);
	fault_armed = 1;
	sig = sigsetjmp(fault_jmp, 1);
	if (sig == 0) {
		if (chance(50) && off + 4 <= m->len) {
			if (chance(50))
				(void)*(volatile uint32_t *)p;
			else
				*(volatile uint32_t *)p = (uint32_t)rnd();
		} else if (chance(50)) {
			(void)*p;
		} else {
			*p = (uint8_t)rnd();
		}
	} else {
		count[C_FAULT]++;
		vlog("  touch at +%#zx: signal %d", (size_t)off, sig);
	}
	fault_armed = 0;
}

/* Mostly a region that offers mmap. */
static uint32_t rand_mmap_index(struct dev *d)
{
	uint32_t i, n = 0, pick[MAX_REGIONS];

	for (i = 0; i < d->num_regions; i++)
		if (d->reg[i].valid && (d->reg[i].flags & VFIO_REGION_INFO_FLAG_MMAP))
			pick[n++] = i;
	if (n && chance(75))
		return pick[below(n)];
	return rand_region_index(d);
}

static void op_mmap(struct dev *d)
{
	uint32_t idx = rand_mmap_index(d);
	unsigned int slot = (unsigned int)below(NMAPS);
	struct map *m = &d->map[slot];
	long page = sysconf(_SC_PAGESIZE);
	uint64_t off, base, size = 0;
	size_t len;
	int prot;
	void *a;

	if (m->addr) {
		/* touch it a few times, then sometimes drop it */
		unsigned int n = (unsigned int)below(8) + 1;

		while (n--)
			touch(d, m);
		if (chance(40)) {
			munmap(m->addr, m->len);
			m->addr = NULL;
		}
		return;
	}
	if (idx < MAX_REGIONS && d->reg[idx].valid) {
		size = d->reg[idx].size;
		off = d->reg[idx].offset;
	} else {
		off = (uint64_t)idx << OFFSET_SHIFT;
	}
	base = off;
	if (size >= (uint64_t)page && chance(80)) {
		uint64_t pages = size / page;
		uint64_t first = below(pages);

		off += first * page;
		len = (size_t)((below(pages - first) + 1) * page);
		if (len > (64u << 20))
			len = 64u << 20;
	} else {
		off += below(4) * page;
		len = (size_t)(below(4) + 1) * page;
	}
	if (chance(5))
		off += below(page);	/* unaligned */
	prot = chance(70) ? PROT_READ | PROT_WRITE : chance(50) ? PROT_READ : PROT_WRITE;
	vlog(" mmap region %u offset %#llx len %#zx prot %d", idx,
	     (unsigned long long)off, len, prot);
	count[C_MMAP]++;
	a = mmap(NULL, len, prot, chance(95) ? MAP_SHARED : MAP_PRIVATE, d->fd, (off_t)off);
	if (a == MAP_FAILED) {
		vlog("  -> %s", strerror(errno));
		return;
	}
	count[C_MMAP_OK]++;
	m->addr = a;
	m->len = len;
	m->index = idx;
	m->roff = off - base;
	if (prot & PROT_READ) {
		unsigned int n = (unsigned int)below(4) + 1;

		while (n--)
			touch(d, m);
	}
}

static void op_eventfds(void)
{
	uint64_t v;
	int i = (int)below(NEVENTFD);

	if (chance(50)) {
		v = 1;
		if (write(efd[i], &v, 8) != 8)
			vlog("  eventfd write: %s", strerror(errno));
	} else if (read(efd[i], &v, 8) != 8) {
		vlog("  eventfd read: %s", strerror(errno));
	}
}

static void op_reopen(struct dev *d)
{
	count[C_REOPEN]++;
	if (d->fd2 >= 0 && chance(30)) {
		/* go on through the second fd: two opens, one device */
		int t = d->fd;

		d->fd = d->fd2;
		d->fd2 = t;
		vlog(" swap to the second fd");
		return;
	}
	if (d->fd2 >= 0 && chance(50)) {
		close(d->fd2);
		d->fd2 = -1;
		vlog(" close second fd");
		return;
	}
	if (d->fd2 < 0 && chance(50)) {
		d->fd2 = get_device_fd(d);
		vlog(" second fd -> %d", d->fd2);
		return;
	}
	/* Close the main fd (maps first: they hold the device open). */
	unmap_all(d);
	close(d->fd);
	d->fd = get_device_fd(d);
	d->d3_ops = -1;
	vlog(" reopen -> %d", d->fd);
}

static void one_op(struct dev *d)
{
	unsigned int r = (unsigned int)below(100);

	if (r < 6)
		op_get_info(d);
	else if (r < 14)
		op_region_info(d);
	else if (r < 19)
		op_irq_info(d);
	else if (r < 31)
		op_set_irqs(d);
	else if (r < 33)
		op_reset(d);
	else if (r < 36)
		op_hot_reset_info(d);
	else if (r < 38)
		op_hot_reset(d);
	else if (r < 43)
		op_ioeventfd(d);
	else if (r < 49)
		op_feature(d);
	else if (r < 69)
		op_rw(d, false);
	else if (r < 80)
		op_rw(d, true);
	else if (r < 93)
		op_mmap(d);
	else if (r < 98)
		op_eventfds();
	else
		op_reopen(d);
}

/* ------------------------------------------------------------ main */

static int fuzz_device(const char *bdf, const char *label, uint64_t seed, unsigned long ops)
{
	struct dev d;
	char err[256];
	unsigned long i;
	struct vfio_device_info info = { .argsz = sizeof(info) };
	time_t t0 = time(NULL);
	int c, ok;

	memset(&d, 0, sizeof(d));
	err[0] = 0;
	memset(count, 0, sizeof(count));
	d.bdf = bdf;
	d.container = d.group = d.fd = d.fd2 = -1;
	rng_state = seed;
	if (open_group(&d, err, sizeof(err)) ||
	    (d.fd = get_device_fd(&d)) < 0 ||
	    probe_device(&d, err, sizeof(err))) {
		if (d.group >= 0 && d.fd < 0 && !err[0])
			snprintf(err, sizeof(err), "GET_DEVICE_FD: %s", strerror(errno));
		printf("FAIL fuzz.%s: open: %s\n", label, err);
		return 1;
	}
	printf("# fuzz.%s: %s, seed %" PRIu64 ", %lu ops, %u regions, %u irqs, flags %#x\n",
	       label, bdf, seed, ops, d.num_regions, d.num_irqs, d.dev_flags);
	fflush(stdout);
	for (i = 0; i < ops; i++) {
		if (d.fd < 0) {
			/* a failed reopen: try again, the op counts */
			d.fd = get_device_fd(&d);
			continue;
		}
		vlog("op %lu", i);
		one_op(&d);
		if (d.d3_ops > 0 && --d.d3_ops == 0 && d.fd >= 0)
			force_d0(&d);
	}
	unmap_all(&d);
	if (d.fd2 >= 0)
		close(d.fd2);
	if (d.fd < 0)
		d.fd = get_device_fd(&d);
	ok = d.fd >= 0 && ioctl(d.fd, VFIO_DEVICE_GET_INFO, &info) == 0 &&
		info.num_regions == d.num_regions;
	printf("# fuzz.%s: seed %" PRIu64 " ops %lu in %ld s:", label, seed, ops,
	       (long)(time(NULL) - t0));
	for (c = 0; c < C_NUM; c++)
		printf(" %s %lu", cname[c], count[c]);
	printf("\n");
	if (ok)
		printf("PASS fuzz.%s\n", label);
	else
		printf("FAIL fuzz.%s: the device no longer answers GET_INFO after the fuzz (%s)\n",
		       label, d.fd < 0 ? "no device fd" : strerror(errno));
	fflush(stdout);
	if (d.fd >= 0)
		close(d.fd);
	close(d.group);
	close(d.container);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	unsigned long ops = 1000;
	const char *label = NULL;
	struct sigaction sa;
	int opt, i, status = 0;

	while ((opt = getopt(argc, argv, "s:n:l:v")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			ops = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			label = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: vfio_fuzz [-s SEED] [-n OPS] [-l LABEL] [-v] BDF...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: vfio_fuzz [-s SEED] [-n OPS] [-l LABEL] [-v] BDF...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	arena = mmap(NULL, ARENA_SIZE + 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || mprotect(arena + ARENA_SIZE, 4096, PROT_NONE)) {
		perror("vfio_fuzz: arena");
		return 2;
	}
	for (i = 0; i < NEVENTFD; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (efd[i] < 0) {
			perror("vfio_fuzz: eventfd");
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	printf("# vfio_fuzz: seed %" PRIu64 ", %lu ops per device\n", seed, ops);
	for (i = optind; i < argc; i++) {
		char name[96];

		snprintf(name, sizeof(name), "%s%s%s", label ? label : "",
			 label && argc - optind > 1 ? "." : "",
			 label && argc - optind == 1 ? "" : argv[i]);
		status |= fuzz_device(argv[i], name, seed, ops);
	}
	return status;
}
