// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_bench: the cost of each VFIO uAPI path on two identical devices, one
 * bound to the in-tree vfio-pci and one to vfio-pci-dkms, in one boot.
 *
 *   vfio_bench [-r ROUNDS] [-n OPS] MODEL BDF_INTREE BDF_OURS [BDF_LIMIT]
 *
 * MODEL picks the paths that device can exercise:
 *   edu      config read/write, BAR pread/pwrite (4 and 8 bytes), mmap read,
 *            MSI and INTx round trips, ioeventfd, open+close
 *   ivshmem  BAR2 pread/pwrite throughput at 64 KiB
 *   e1000e   VFIO_DEVICE_RESET (edu has no reset method)
 *
 * Every path is timed in ROUNDS rounds of OPS operations, alternating the
 * two drivers (and the limit, where one exists) round by round so both see
 * the same conditions; a figure is the median over rounds of the per-op
 * mean. Output, one line per path:
 *   BENCH <path> <unit> <in-tree> <ours> <limit or ->
 * The limit is what the same access costs without VFIO, on a third
 * identical device that no driver owns (BDF_LIMIT, edu only): a pread of
 * its sysfs config file, a load through an mmap of its sysfs resource file.
 * It cannot be one of the two VFIO devices: a strict-devmem kernel revokes
 * sysfs mappings of a region once a driver requests it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* edu registers (QEMU hw/misc/edu.c) */
#define EDU_LIVENESS	0x04	/* reads back the complement of the last write */
#define EDU_DMA_SRC	0x80	/* 8-byte register, inert until a DMA command */
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64

#define IVSHMEM_SHM_BAR	VFIO_PCI_BAR2_REGION_INDEX
#define CHUNK		(64 * 1024)

static int rounds = 15, ops = 200;

struct dev {
	const char *bdf;
	const char *who;
	int container, group, fd;
	uint64_t cfg_off, bar_off[VFIO_PCI_NUM_REGIONS];
	uint64_t bar_size[VFIO_PCI_NUM_REGIONS];
	int efd;
	uint16_t command;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vfio_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ------------------------------------------------------------ devices --- */

static void open_group(struct dev *d)
{
	char err[256];

	if (vt_open_group(d->bdf, &d->group, &d->container, err, sizeof(err)))
		die("%s: %s", d->bdf, err);
}

static void xpread(struct dev *d, void *buf, size_t len, uint64_t off)
{
	if (pread(d->fd, buf, len, off) != (ssize_t)len)
		die("%s: pread %zu at 0x%llx: %s", d->bdf, len,
		    (unsigned long long)off, strerror(errno));
}

static void xpwrite(struct dev *d, const void *buf, size_t len, uint64_t off)
{
	if (pwrite(d->fd, buf, len, off) != (ssize_t)len)
		die("%s: pwrite %zu at 0x%llx: %s", d->bdf, len,
		    (unsigned long long)off, strerror(errno));
}

static void open_device(struct dev *d)
{
	unsigned int i;

	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->fd < 0)
		die("%s: VFIO_GROUP_GET_DEVICE_FD: %s", d->bdf, strerror(errno));
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };

		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
			continue;
		d->bar_off[i] = ri.offset;
		d->bar_size[i] = ri.size;
	}
	d->cfg_off = d->bar_off[VFIO_PCI_CONFIG_REGION_INDEX];
	/* Memory decode for the BARs, bus master for MSI (a DMA write). */
	xpread(d, &d->command, 2, d->cfg_off + PCI_COMMAND);
	d->command |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	xpwrite(d, &d->command, 2, d->cfg_off + PCI_COMMAND);
}

static void bar0_write32(struct dev *d, uint32_t reg, uint32_t v)
{
	xpwrite(d, &v, 4, d->bar_off[0] + reg);
}

static int set_irq_eventfd(struct dev *d, uint32_t index, int fd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	s->argsz = sizeof(buf);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = index;
	s->start = 0;
	s->count = 1;
	memcpy(s->data, &fd, sizeof(fd));
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s);
}

static void disable_irq(struct dev *d, uint32_t index)
{
	struct vfio_irq_set s = {
		.argsz = sizeof(s), .index = index,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
	};

	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &s))
		die("%s: disabling irq index %u: %s", d->bdf, index, strerror(errno));
}

static void wait_event(struct dev *d)
{
	struct pollfd p = { .fd = d->efd, .events = POLLIN };
	uint64_t n;

	if (poll(&p, 1, 2000) != 1)
		die("%s (%s): interrupt did not arrive", d->bdf, d->who);
	if (read(d->efd, &n, sizeof(n)) != sizeof(n))
		die("%s: eventfd read: %s", d->bdf, strerror(errno));
}

/* -------------------------------------------------------------- paths --- */

/*
 * A path times OPS operations on one target (0: in-tree, 1: ours, 2: the
 * limit) and returns the mean per operation, in ns.
 */
struct path {
	const char *name;
	const char *unit;	/* "ns" per op, or "MB/s" */
	bool has_limit;
	void (*setup)(struct dev *d);
	void (*op)(struct dev *d, int target);
	void (*teardown)(struct dev *d);
	size_t bytes;		/* per op, for throughput */
};

static volatile uint32_t *limit_bar;	/* sysfs resource0 mapping, per device */
static int limit_cfg_fd = -1;
static volatile uint32_t *vfio_bar[2];
static struct dev *devs[2];
static uint8_t chunk[CHUNK];

static int target_of(struct dev *d)
{
	return d == devs[1];
}

static void op_cfg_read(struct dev *d, int target)
{
	uint32_t v;

	if (target == 2) {
		if (pread(limit_cfg_fd, &v, 4, 0) != 4)
			die("sysfs config pread: %s", strerror(errno));
		return;
	}
	xpread(d, &v, 4, d->cfg_off);
}

/* Write the command register back with the value it has. */
static void op_cfg_write(struct dev *d, int target)
{
	(void)target;
	xpwrite(d, &d->command, 2, d->cfg_off + PCI_COMMAND);
}

static void op_bar_read4(struct dev *d, int target)
{
	uint32_t v;

	(void)target;
	xpread(d, &v, 4, d->bar_off[0] + EDU_LIVENESS);
}

static void op_bar_write4(struct dev *d, int target)
{
	(void)target;
	bar0_write32(d, EDU_LIVENESS, 0x5a5a5a5a);
}

static void op_bar_read8(struct dev *d, int target)
{
	uint64_t v;

	(void)target;
	xpread(d, &v, 8, d->bar_off[0] + EDU_DMA_SRC);
}

static void op_bar_write8(struct dev *d, int target)
{
	uint64_t v = 0x1000;

	(void)target;
	xpwrite(d, &v, 8, d->bar_off[0] + EDU_DMA_SRC);
}

static volatile uint32_t *map_or_die(int fd, size_t size, off_t off,
				     const char *what)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		die("mmap %s: %s", what, strerror(errno));
	return p;
}

/* A mapping holds the device file open: unmap before open-close runs. */
static void setup_mmap(struct dev *d)
{
	vfio_bar[target_of(d)] = map_or_die(d->fd, 4096, d->bar_off[0], d->bdf);
}

static void teardown_mmap(struct dev *d)
{
	munmap((void *)vfio_bar[target_of(d)], 4096);
	vfio_bar[target_of(d)] = NULL;
}

static void op_mmap_read4(struct dev *d, int target)
{
	volatile uint32_t *bar = target == 2 ? limit_bar : vfio_bar[target];

	(void)d;
	(void)bar[EDU_LIVENESS / 4];
}

static void op_msi(struct dev *d, int target)
{
	(void)target;
	bar0_write32(d, EDU_IRQ_RAISE, 1);
	wait_event(d);
	bar0_write32(d, EDU_IRQ_ACK, 1);
}

static void op_intx(struct dev *d, int target)
{
	struct vfio_irq_set s = {
		.argsz = sizeof(s), .index = VFIO_PCI_INTX_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
		.count = 1,
	};

	(void)target;
	bar0_write32(d, EDU_IRQ_RAISE, 1);
	wait_event(d);
	bar0_write32(d, EDU_IRQ_ACK, 1);
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &s))
		die("%s: INTx unmask: %s", d->bdf, strerror(errno));
}

static void setup_irq(struct dev *d, uint32_t index)
{
	d->efd = eventfd(0, EFD_NONBLOCK);
	if (d->efd < 0 || set_irq_eventfd(d, index, d->efd))
		die("%s: irq index %u setup: %s", d->bdf, index, strerror(errno));
}

static void setup_msi(struct dev *d)
{
	setup_irq(d, VFIO_PCI_MSI_IRQ_INDEX);
}

static void setup_intx(struct dev *d)
{
	setup_irq(d, VFIO_PCI_INTX_IRQ_INDEX);
}

static void teardown_msi(struct dev *d)
{
	disable_irq(d, VFIO_PCI_MSI_IRQ_INDEX);
	close(d->efd);
}

static void teardown_intx(struct dev *d)
{
	disable_irq(d, VFIO_PCI_INTX_IRQ_INDEX);
	close(d->efd);
}

/*
 * ioeventfd: two eventfds write two values to the liveness register; an
 * operation signals one and spins until the register shows its value, so
 * the figure is signal-to-visible-write.
 */
static int iofd[2][2];
static unsigned int io_turn[2];

static void setup_ioeventfd(struct dev *d)
{
	int t = target_of(d), i;

	for (i = 0; i < 2; i++) {
		struct vfio_device_ioeventfd io = {
			.argsz = sizeof(io), .flags = VFIO_DEVICE_IOEVENTFD_32,
			.offset = d->bar_off[0] + EDU_LIVENESS, .data = 0x1000 + i,
		};

		iofd[t][i] = eventfd(0, 0);
		io.fd = iofd[t][i];
		if (io.fd < 0 || ioctl(d->fd, VFIO_DEVICE_IOEVENTFD, &io))
			die("%s: VFIO_DEVICE_IOEVENTFD: %s", d->bdf, strerror(errno));
	}
}

static void op_ioeventfd(struct dev *d, int target)
{
	unsigned int i = io_turn[target]++ & 1, spins = 0;
	uint64_t one = 1;
	uint32_t v;

	if (write(iofd[target][i], &one, sizeof(one)) != sizeof(one))
		die("ioeventfd signal: %s", strerror(errno));
	do {
		xpread(d, &v, 4, d->bar_off[0] + EDU_LIVENESS);
		if (++spins > 1000000)
			die("%s: ioeventfd write never landed", d->bdf);
	} while (v != (uint32_t)~(0x1000u + i));
}

static void teardown_ioeventfd(struct dev *d)
{
	int t = target_of(d), i;

	for (i = 0; i < 2; i++) {
		struct vfio_device_ioeventfd io = {
			.argsz = sizeof(io), .flags = VFIO_DEVICE_IOEVENTFD_32,
			.offset = d->bar_off[0] + EDU_LIVENESS, .data = 0x1000 + i,
			.fd = -1,
		};

		if (ioctl(d->fd, VFIO_DEVICE_IOEVENTFD, &io))
			die("%s: removing ioeventfd: %s", d->bdf, strerror(errno));
		close(iofd[t][i]);
	}
}

static void op_open_close(struct dev *d, int target)
{
	int fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);

	(void)target;
	if (fd < 0)
		die("%s: VFIO_GROUP_GET_DEVICE_FD: %s", d->bdf, strerror(errno));
	close(fd);
}

/* open+close is timed with the main fd closed: first open, last close. */
static void setup_open_close(struct dev *d)
{
	close(d->fd);
	d->fd = -1;
}

static void teardown_open_close(struct dev *d)
{
	open_device(d);
}

static void op_reset(struct dev *d, int target)
{
	(void)target;
	if (ioctl(d->fd, VFIO_DEVICE_RESET))
		die("%s: VFIO_DEVICE_RESET: %s", d->bdf, strerror(errno));
}

static void op_shm_read(struct dev *d, int target)
{
	(void)target;
	xpread(d, chunk, CHUNK, d->bar_off[IVSHMEM_SHM_BAR]);
}

static void op_shm_write(struct dev *d, int target)
{
	(void)target;
	xpwrite(d, chunk, CHUNK, d->bar_off[IVSHMEM_SHM_BAR]);
}

static const struct path edu_paths[] = {
	{ "config-read-4", "ns", true, NULL, op_cfg_read, NULL, 0 },
	{ "config-write-2", "ns", false, NULL, op_cfg_write, NULL, 0 },
	{ "bar-pread-4", "ns", false, NULL, op_bar_read4, NULL, 0 },
	{ "bar-pwrite-4", "ns", false, NULL, op_bar_write4, NULL, 0 },
	{ "bar-pread-8", "ns", false, NULL, op_bar_read8, NULL, 0 },
	{ "bar-pwrite-8", "ns", false, NULL, op_bar_write8, NULL, 0 },
	{ "mmap-read-4", "ns", true, setup_mmap, op_mmap_read4, teardown_mmap,
	  0 },
	{ "msi-round-trip", "ns", false, setup_msi, op_msi, teardown_msi, 0 },
	{ "intx-round-trip", "ns", false, setup_intx, op_intx, teardown_intx, 0 },
	{ "ioeventfd-write", "ns", false, setup_ioeventfd, op_ioeventfd,
	  teardown_ioeventfd, 0 },
	{ "open-close", "ns", false, setup_open_close, op_open_close,
	  teardown_open_close, 0 },
	{ NULL }
};

static const struct path ivshmem_paths[] = {
	{ "bar-pread-64k", "MB/s", false, NULL, op_shm_read, NULL, CHUNK },
	{ "bar-pwrite-64k", "MB/s", false, NULL, op_shm_write, NULL, CHUNK },
	{ NULL }
};

static const struct path e1000e_paths[] = {
	{ "device-reset", "ns", false, NULL, op_reset, NULL, 0 },
	{ NULL }
};

static double time_round(const struct path *p, struct dev *d, int target,
			 int n)
{
	double t0 = now_ns();
	int i;

	for (i = 0; i < n; i++)
		p->op(d, target);
	return (now_ns() - t0) / n;
}

static void run_path(const struct path *p)
{
	int targets = p->has_limit ? 3 : 2, n = ops, r, t;
	double *v[3], fig[3];

	/* Slow paths (reset, open+close, 64 KiB copies) get fewer ops. */
	if (p->bytes || p->op == op_reset || p->op == op_open_close)
		n = ops / 10 > 0 ? ops / 10 : 1;
	for (t = 0; t < 2; t++)
		if (p->setup)
			p->setup(devs[t]);
	for (t = 0; t < targets; t++) {
		v[t] = calloc(rounds, sizeof(double));
		if (!v[t])
			die("out of memory");
		p->op(devs[t % 2], t);	/* warm up */
	}
	for (r = 0; r < rounds; r++)
		for (t = 0; t < targets; t++) {
			/* alternate which target goes first */
			int tt = (r % 2) ? targets - 1 - t : t;

			v[tt][r] = time_round(p, devs[tt % 2], tt, n);
		}
	for (t = 0; t < 2; t++)
		if (p->teardown)
			p->teardown(devs[t]);
	for (t = 0; t < targets; t++) {
		fig[t] = median(v[t], rounds);
		if (p->bytes)
			fig[t] = p->bytes / fig[t] * 1e9 / 1e6;
		free(v[t]);
	}
	printf("BENCH %s %s %.0f %.0f ", p->name, p->unit, fig[0], fig[1]);
	if (p->has_limit)
		printf("%.0f\n", fig[2]);
	else
		printf("-\n");
	fflush(stdout);
}

/* The limits: a third, driverless device, with memory decode turned on. */
static void open_limits(const char *bdf)
{
	char path[128];
	uint16_t cmd;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	limit_cfg_fd = open(path, O_RDWR);
	if (limit_cfg_fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (pread(limit_cfg_fd, &cmd, 2, PCI_COMMAND) != 2)
		die("read %s: %s", path, strerror(errno));
	cmd |= PCI_COMMAND_MEMORY;
	if (pwrite(limit_cfg_fd, &cmd, 2, PCI_COMMAND) != 2)
		die("write %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	limit_bar = map_or_die(fd, 4096, 0, path);
	close(fd);
}

int main(int argc, char **argv)
{
	static const char usage[] =
		"usage: vfio_bench [-r ROUNDS] [-n OPS] MODEL BDF_INTREE BDF_OURS [BDF_LIMIT]";
	static struct dev dev[2];
	const struct path *paths;
	const char *model;
	int opt, t;

	while ((opt = getopt(argc, argv, "r:n:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			ops = atoi(optarg);
			break;
		default:
			die("%s", usage);
		}
	}
	if (argc - optind < 3 || argc - optind > 4 || rounds < 1 || ops < 1)
		die("%s", usage);
	model = argv[optind];
	if (!strcmp(model, "edu"))
		paths = edu_paths;
	else if (!strcmp(model, "ivshmem"))
		paths = ivshmem_paths;
	else if (!strcmp(model, "e1000e"))
		paths = e1000e_paths;
	else
		die("unknown model %s (edu, ivshmem, e1000e)", model);

	memset(chunk, 0xa5, sizeof(chunk));
	for (t = 0; t < 2; t++) {
		dev[t].bdf = argv[optind + 1 + t];
		dev[t].who = t ? "ours" : "in-tree";
		devs[t] = &dev[t];
	}
	if (paths == edu_paths) {
		if (argc - optind != 4)
			die("edu needs BDF_LIMIT, a third edu no driver owns");
		open_limits(argv[optind + 3]);
	}
	for (t = 0; t < 2; t++) {
		open_group(&dev[t]);
		open_device(&dev[t]);
	}
	for (; paths->name; paths++)
		run_path(paths);
	return 0;
}
