// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_vga_test: the VGA region (VFIO_PCI_VGA_REGION_INDEX) of QEMU's std
 * VGA (1234:1111) through the VFIO uAPI, for whichever vfio-pci driver the
 * device is bound to, so the in-tree vfio-pci and vfio-pci-dkms answer the
 * same checks.
 *
 * The region's offsets are the legacy addresses: memory 0xa0000-0xbffff,
 * I/O 0x3b0-0x3bb and 0x3c0-0x3df. QEMU's VGA keeps per-device registers
 * behind those ports (sequencer 0x3c4/0x3c5, graphics controller
 * 0x3ce/0x3cf), and in chain-4 mode byte N of the memory window is byte N
 * of the device's VRAM (BAR0): so an access that reached the right device
 * can be told from one that reached another. The devices must sit behind
 * their own bridges (root ports), where the VGA arbiter routes the legacy
 * ranges with the bridges' VGA enables.
 *
 * usage: vfio_vga_test -n LABEL [-o] BDF        one device: the region
 *        vfio_vga_test -n LABEL -d BDF           one device, VGA disabled
 *                                                (disable_vga=1): no region
 *        vfio_vga_test -n LABEL -u BDF           an unbound device: the
 *                                                arbiter sees it decode all
 *        vfio_vga_test -n LABEL -p BDF_A BDF_B   two devices open at once:
 *                                                routing, the arbiter's lock
 *   -o  the driver is ours: also require what only ours guarantees
 * Check names are LABEL.<driver>.<check> (LABEL.<check> with -u).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "vfio_test.h"

#define VGA_IDX		VFIO_PCI_VGA_REGION_INDEX
/* Where vfio-pci puts region N (bits 40+ of the file offset, both drivers). */
#define VGA_OFFSET	((uint64_t)VGA_IDX << 40)
#define VGA_SIZE	0xc0000
#define VGA_MEM		0xa0000
#define SEQ_INDEX	0x3c4
#define GFX_INDEX	0x3ce
#define GFX_BITMASK	0x08	/* a graphics register that keeps all 8 bits */

#ifndef VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY 3
#define VFIO_DEVICE_FEATURE_LOW_POWER_EXIT 5
#endif

static char label[160];
#define result(ok, name, ...) vt_check(label, ok, name, __VA_ARGS__)

static void set_label(const char *base, const char *bdf)
{
	char path[96], link[PATH_MAX];
	const char *drv = "unbound";
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.32s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	}
	snprintf(label, sizeof(label), "%.64s.%.64s", base, drv);
}

static int vga_rw(const struct vt_dev *d, bool write, void *buf, size_t len,
		  uint64_t addr)
{
	ssize_t n;
	off_t off = (off_t)(d->reg[VGA_IDX].offset + addr);

	n = write ? pwrite(d->fd, buf, len, off) : pread(d->fd, buf, len, off);
	if (n < 0)
		return errno;
	return (size_t)n == len ? 0 : EIO;
}

/* The transfer length (or -errno) of one access of @len bytes at @addr. */
static ssize_t vga_len(const struct vt_dev *d, size_t len, uint64_t addr)
{
	char buf[256];
	ssize_t n = pread(d->fd, buf, len, (off_t)(d->reg[VGA_IDX].offset + addr));

	return n < 0 ? -errno : n;
}

/* Indexed VGA registers: write @idx to port @port, then @val to port + 1. */
static int reg_write(const struct vt_dev *d, unsigned int port, uint8_t idx,
		     uint8_t val)
{
	int e = vga_rw(d, true, &idx, 1, port);

	return e ? e : vga_rw(d, true, &val, 1, port + 1);
}

static int reg_read(const struct vt_dev *d, unsigned int port, uint8_t idx,
		    uint8_t *val)
{
	int e = vga_rw(d, true, &idx, 1, port);

	return e ? e : vga_rw(d, false, val, 1, port + 1);
}

/*
 * Chain-4 mode: all planes writable (sequencer map mask 0x0f, memory mode
 * 0x08), graphics memory map 1 (a 64 KiB window at 0xa0000): byte N of the
 * window is byte N of VRAM.
 */
static int chain4(const struct vt_dev *d)
{
	int e = reg_write(d, SEQ_INDEX, 0x02, 0x0f);

	if (!e)
		e = reg_write(d, SEQ_INDEX, 0x04, 0x08);
	if (!e)
		e = reg_write(d, GFX_INDEX, 0x06, 0x05);
	return e;
}

static void pattern(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/*
 * What the VGA arbiter says of @bdf (through /dev/vga_arbiter): its line,
 * "count:N,PCI:BDF,decodes=...,owns=...,locks=...". 0 or an errno.
 */
static int arbiter_line(const char *bdf, char *out, size_t outlen)
{
	char cmd[64];
	ssize_t n;
	int fd, e = 0;

	fd = open("/dev/vga_arbiter", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	snprintf(cmd, sizeof(cmd), "target PCI:%.32s", bdf);
	if (write(fd, cmd, strlen(cmd)) < 0) {
		e = errno;
	} else {
		n = read(fd, out, outlen - 1);
		if (n < 0)
			e = errno;
		else
			out[n] = 0;
	}
	close(fd);
	return e;
}

static void check_decodes(const char *bdf, const char *name, const char *want)
{
	char line[256], *p;
	int e = arbiter_line(bdf, line, sizeof(line));

	if (e) {
		result(false, name, "/dev/vga_arbiter: %s", strerror(e));
		return;
	}
	line[strcspn(line, "\n")] = 0;
	p = strstr(line, "decodes=");
	result(p && !strncmp(p + 8, want, strlen(want)) && p[8 + strlen(want)] == ',',
	       name, "want decodes=%s, arbiter says \"%s\"", want, line);
}

static void check_errno(int got, int want, const char *name, const char *what)
{
	result(got == want, name, "%s: %s, want %s", what, vt_errname(got),
	       vt_errname(want));
}

/* ------------------------------------------------------- one device --- */

static void single(struct vt_dev *d, bool ours)
{
	const struct vfio_region_info *r = &d->reg[VGA_IDX];
	uint8_t out[64], in[64], v = 0;
	struct vfio_region_info info = { .argsz = sizeof(info), .index = VGA_IDX };
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	void *map;
	int e;

	e = ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &info) ? errno : 0;
	result(!e && info.size == VGA_SIZE && info.offset == VGA_OFFSET &&
	       info.flags == (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE),
	       "region.info", "%s: size 0x%llx offset 0x%llx flags 0x%x", vt_errname(e),
	       (unsigned long long)info.size, (unsigned long long)info.offset, info.flags);
	if (e)
		return;

	map = mmap(NULL, psz, PROT_READ, MAP_SHARED, d->fd, (off_t)(r->offset + VGA_MEM));
	e = map == MAP_FAILED ? errno : 0;
	if (map != MAP_FAILED)
		munmap(map, psz);
	check_errno(e, EINVAL, "region.no_mmap", "mmap of the memory window");

	/* Only the legacy ranges; everything else in the region is a hole. */
	check_errno(-(int)vga_len(d, 1, 0), EINVAL, "range.offset_0", "pread at 0");
	check_errno(-(int)vga_len(d, 1, 0x3af), EINVAL, "range.below_io", "pread at 0x3af");
	check_errno(-(int)vga_len(d, 1, 0x3bc), EINVAL, "range.io_gap", "pread at 0x3bc");
	check_errno(-(int)vga_len(d, 1, 0x3e0), EINVAL, "range.after_io", "pread at 0x3e0");
	check_errno(-(int)vga_len(d, 1, VGA_MEM - 1), EINVAL, "range.below_mem",
		    "pread at 0x9ffff");
	check_errno(-(int)vga_len(d, 1, VGA_SIZE), EINVAL, "range.region_end",
		    "pread at 0xc0000");
	check_errno(-(int)vga_len(d, 4, 1ULL << 32), EINVAL, "range.far", "pread at 4 GiB");

	/* An access is clipped to the window it starts in. */
	result(vga_len(d, 16, 0x3b8) == 4, "clip.io_low", "16 bytes at 0x3b8 gave %zd, want 4",
	       vga_len(d, 16, 0x3b8));
	result(vga_len(d, 16, 0x3d8) == 8, "clip.io_high", "16 bytes at 0x3d8 gave %zd, want 8",
	       vga_len(d, 16, 0x3d8));
	result(vga_len(d, 256, VGA_SIZE - 0x80) == 0x80, "clip.mem",
	       "256 bytes at 0xbff80 gave %zd, want 128", vga_len(d, 256, VGA_SIZE - 0x80));

	/* The device's own registers answer behind the ports. */
	e = vga_rw(d, true, &(uint8_t){ 0x02 }, 1, SEQ_INDEX);
	if (!e)
		e = vga_rw(d, false, &v, 1, SEQ_INDEX);
	result(!e && v == 0x02, "io.seq_index", "%s, read 0x%02x want 0x02", vt_errname(e), v);
	e = reg_write(d, GFX_INDEX, GFX_BITMASK, 0x5a);
	if (!e)
		e = reg_read(d, GFX_INDEX, GFX_BITMASK, &v);
	result(!e && v == 0x5a, "io.gfx_register", "%s, read 0x%02x want 0x5a", vt_errname(e), v);
	/* Index and data in one 16-bit write, as VGA BIOSes do. */
	e = vga_rw(d, true, &(uint16_t){ GFX_BITMASK | 0xa5 << 8 }, 2, GFX_INDEX);
	if (!e)
		e = reg_read(d, GFX_INDEX, GFX_BITMASK, &v);
	result(!e && v == 0xa5, "io.word_write", "%s, read 0x%02x want 0xa5", vt_errname(e), v);

	/* The memory window reaches the device's VRAM. */
	pattern(out, sizeof(out), 0x11);
	memset(in, 0, sizeof(in));
	e = chain4(d);
	if (!e)
		e = vga_rw(d, true, out, sizeof(out), VGA_MEM);
	if (!e)
		e = vga_rw(d, false, in, sizeof(in), VGA_MEM);
	result(!e && !memcmp(in, out, sizeof(in)), "mem.roundtrip", "%s%s", vt_errname(e),
	       e ? "" : ", data differs");
	memset(in, 0, sizeof(in));
	e = vt_command(d, PCI_COMMAND_MEMORY, true);
	if (!e)
		e = vt_rw(d, VFIO_PCI_BAR0_REGION_INDEX, false, in, sizeof(in), 0);
	result(!e && !memcmp(in, out, sizeof(in)), "mem.is_vram", "%s%s", vt_errname(e),
	       e ? "" : ": BAR0 does not hold what the window wrote");

	if (!ours)
		return;
	/* Ours: a device the user parked in low power decodes nothing. */
	{
		struct {
			struct vfio_device_feature hdr;
		} f = { { .argsz = sizeof(f) } };

		f.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
		e = ioctl(d->fd, VFIO_DEVICE_FEATURE, &f) ? errno : 0;
		if (e) {
			result(false, "low_power.refused", "LOW_POWER_ENTRY: %s", vt_errname(e));
			return;
		}
		check_errno(vga_rw(d, false, &v, 1, SEQ_INDEX), EIO, "low_power.refused",
			    "pread of a port in low power");
		f.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
		e = ioctl(d->fd, VFIO_DEVICE_FEATURE, &f) ? errno : 0;
		if (!e)
			e = vga_rw(d, false, &v, 1, SEQ_INDEX);
		check_errno(e, 0, "low_power.exit_restores", "exit, then pread");
	}
}

/* disable_vga=1: a VGA device without the region. */
static void disabled(struct vt_dev *d)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = VGA_IDX };
	uint8_t v;

	check_errno(ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &info) ? errno : 0, EINVAL,
		    "region_info_refused", "GET_REGION_INFO(VGA)");
	/* Where the region would be. */
	d->reg[VGA_IDX].offset = VGA_OFFSET;
	check_errno(vga_rw(d, false, &v, 1, SEQ_INDEX), EINVAL, "read_refused",
		    "pread of port 0x3c4");
	check_errno(vga_rw(d, true, &v, 1, SEQ_INDEX), EINVAL, "write_refused",
		    "pwrite of port 0x3c4");
}

/* ------------------------------------------------------ two devices --- */

/*
 * A child holds the arbiter's lock on @locked's legacy ranges; meanwhile an
 * access through @d must wait, and a signal must end the wait (EINTR).
 */
static void on_alarm(int sig)
{
	(void)sig;
}

static void lock_blocks(struct vt_dev *d, const char *locked)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	int up[2], down[2], e;
	struct timespec t0, t1;
	char c = 0, cmd[64];
	double waited;
	pid_t pid;
	uint8_t v;

	if (pipe(up) || pipe(down)) {
		result(false, "arbiter.lock_blocks", "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/vga_arbiter", O_RDWR);

		close(up[0]);
		close(down[1]);	/* so the parent's close is our EOF */

		snprintf(cmd, sizeof(cmd), "target PCI:%.32s", locked);
		if (fd < 0 || write(fd, cmd, strlen(cmd)) < 0 ||
		    write(fd, "lock io+mem", 11) < 0)
			c = 1;
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) < 0)
			_exit(2);
		_exit(0);	/* closing the arbiter file drops the lock */
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], &c, 1) != 1 || c) {
		result(false, "arbiter.lock_blocks", "the child could not lock %s", locked);
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);	/* no SA_RESTART: the wait must end */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	alarm(1);
	e = vga_rw(d, false, &v, 1, SEQ_INDEX);
	alarm(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sigaction(SIGALRM, &old, NULL);
	waited = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	result(e == EINTR && waited > 0.8, "arbiter.lock_blocks",
	       "pread while %s holds the legacy ranges: %s after %.2f s, want EINTR after 1 s",
	       locked, vt_errname(e), waited);
out:
	close(down[1]);		/* the child unlocks and exits */
	if (pid > 0)
		waitpid(pid, NULL, 0);
	close(up[0]);
	check_errno(vga_rw(d, false, &v, 1, SEQ_INDEX), 0, "arbiter.after_unlock",
		    "pread once the lock is gone");
}

static void pair(struct vt_dev *a, struct vt_dev *b, const char *base)
{
	uint8_t pa[64], pb[64], in[64], va = 0, vb = 0;
	int e;

	/* Interleaved: each device keeps its own register and VRAM. */
	e = reg_write(a, GFX_INDEX, GFX_BITMASK, 0x3c);
	if (!e)
		e = reg_write(b, GFX_INDEX, GFX_BITMASK, 0xc3);
	if (!e)
		e = reg_read(a, GFX_INDEX, GFX_BITMASK, &va);
	if (!e)
		e = reg_read(b, GFX_INDEX, GFX_BITMASK, &vb);
	set_label(base, a->bdf);
	result(!e && va == 0x3c, "route.io", "%s, read 0x%02x want 0x3c", vt_errname(e), va);
	set_label(base, b->bdf);
	result(!e && vb == 0xc3, "route.io", "%s, read 0x%02x want 0xc3", vt_errname(e), vb);

	pattern(pa, sizeof(pa), 0x21);
	pattern(pb, sizeof(pb), 0x83);
	e = chain4(a);
	if (!e)
		e = chain4(b);
	if (!e)
		e = vga_rw(a, true, pa, sizeof(pa), VGA_MEM);
	if (!e)
		e = vga_rw(b, true, pb, sizeof(pb), VGA_MEM);
	if (!e)
		e = vt_command(a, PCI_COMMAND_MEMORY, true);
	if (!e)
		e = vt_command(b, PCI_COMMAND_MEMORY, true);
	memset(in, 0, sizeof(in));
	if (!e)
		e = vt_rw(a, VFIO_PCI_BAR0_REGION_INDEX, false, in, sizeof(in), 0);
	set_label(base, a->bdf);
	result(!e && !memcmp(in, pa, sizeof(in)), "route.mem", "%s%s", vt_errname(e),
	       e ? "" : ": its VRAM does not hold what its window wrote");
	memset(in, 0, sizeof(in));
	if (!e)
		e = vt_rw(b, VFIO_PCI_BAR0_REGION_INDEX, false, in, sizeof(in), 0);
	set_label(base, b->bdf);
	result(!e && !memcmp(in, pb, sizeof(in)), "route.mem", "%s%s", vt_errname(e),
	       e ? "" : ": its VRAM does not hold what its window wrote");

	set_label(base, a->bdf);
	lock_blocks(a, b->bdf);
	set_label(base, b->bdf);
	lock_blocks(b, a->bdf);
}

int main(int argc, char **argv)
{
	struct vt_dev a = { .fd = -1 }, b = { .fd = -1 };
	const char *base = "vga";
	char mode = 's', err[256];
	bool ours = false;
	int opt;

	while ((opt = getopt(argc, argv, "n:odup")) != -1) {
		switch (opt) {
		case 'n': base = optarg; break;
		case 'o': ours = true; break;
		case 'd': case 'u': case 'p': mode = (char)opt; break;
		default: goto usage;
		}
	}
	if (optind + (mode == 'p' ? 2 : 1) != argc)
		goto usage;
	a.bdf = argv[optind];
	b.bdf = mode == 'p' ? argv[optind + 1] : NULL;

	set_label(base, a.bdf);
	if (mode == 'u') {
		snprintf(label, sizeof(label), "%.64s", base);
		check_decodes(a.bdf, "decodes_all", "io+mem");
		goto done;
	}
	if (vt_open(&a, err, sizeof(err))) {
		result(false, "open", "%s", err);
		goto done;
	}
	if (mode == 's') {
		check_decodes(a.bdf, "arbiter.decodes_all", "io+mem");
		single(&a, ours);
	} else if (mode == 'd') {
		/* Behind its own root port: the arbiter can route around it. */
		check_decodes(a.bdf, "decodes_none", "none");
		disabled(&a);
	} else {
		set_label(base, b.bdf);
		if (vt_open(&b, err, sizeof(err)))
			result(false, "open", "%s", err);
		else
			pair(&a, &b, base);
		vt_close(&b);
	}
	vt_close(&a);
done:
	printf("vfio_vga_test: %d passed, %d failed\n", vt_npass, vt_nfail);
	return vt_nfail ? 1 : 0;
usage:
	fprintf(stderr, "usage: vfio_vga_test -n LABEL [-o|-d|-u] BDF | -n LABEL -p BDF_A BDF_B\n");
	return 2;
}
