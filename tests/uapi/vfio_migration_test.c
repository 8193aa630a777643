// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_migration_test: VFIO migration v2 of edu-vfio-pci through the uAPI,
 * driven the way QEMU drives it (VFIO_DEVICE_FEATURE MIGRATION and
 * MIG_DEVICE_STATE, the data fd).
 *
 * usage: vfio_migration_test [-n LABEL] [-s SEED] [-m MUTATIONS] [-P 0|1]
 *                            MODE BDF [BDF_B]
 *   migrate A B   A's state (registers set by this program) goes to B:
 *                 A RUNNING -> STOP -> STOP_COPY, read the stream, -> STOP
 *                 -> RUNNING; B STOP -> RESUMING, write it, -> STOP ->
 *                 RUNNING; B's registers must equal A's. Then: invalid
 *                 transitions refused with the state unchanged, PRE_COPY
 *                 (when -P 1: offered; -P 0: must not be), a data fd kept
 *                 past close_device, and malformed streams (truncated,
 *                 oversized, wrong version, bad checksum, another device's
 *                 identification, MUTATIONS seeded random mutations and
 *                 random garbage) each refused with EINVAL with B unchanged.
 *   fuzz A B      MUTATIONS seeded random operations on both devices: state
 *                 requests (valid and invalid), reads, writes (garbage,
 *                 mutated and valid streams), PRECOPY_INFO, closing data
 *                 fds, reopening devices. Every state read back must be a
 *                 valid one; afterwards a clean migration A -> B must work.
 *   unavailable A the kernel has no migration v2: the MIGRATION and
 *                 MIG_DEVICE_STATE features are not offered and the device
 *                 still works.
 * Prints PASS/FAIL lines named LABEL.<check> (default LABEL: migration).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_test.h"

/* uAPI of 6.2+ (the build host's headers may be older). */
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY		(1 << 2)
#define VFIO_DEVICE_STATE_PRE_COPY	6
#define VFIO_DEVICE_STATE_PRE_COPY_P2P	7
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#define VFIO_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#endif

/* edu BAR0 registers and the stream layout (src/variants/edu/edu_stream.h) */
#define EDU_IDENT	0x00
#define EDU_LIVENESS	0x04
#define EDU_STATUS	0x20
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define STREAM_LEN	60
#define STREAM_HDR	20

static const char *label = "migration";

struct dev {
	const char *bdf;
	int group, container, fd;
	uint64_t bar0_off;
};

struct regs {
	uint32_t ident, liveness, status;
	uint64_t src, dst, cnt;
};

/* ------------------------------------------------------------ reporting --- */

/* Every check is named "<label>.<check>". */
#define result(ok, name, ...) vt_check(label, ok, name, __VA_ARGS__)

/* ------------------------------------------------------------- devices --- */

static int get_fd(struct dev *d)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri) };

	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->fd < 0) {
		vt_note("VFIO_GROUP_GET_DEVICE_FD %s: %s", d->bdf, strerror(errno));
		return -1;
	}
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -1;
	d->bar0_off = ri.offset;
	return 0;
}

static int open_dev(struct dev *d, const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];

	memset(d, 0, sizeof(*d));
	d->bdf = bdf;
	d->fd = d->container = -1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", vt_group_id(bdf));
	d->group = open(path, O_RDWR);
	if (d->group < 0) {
		vt_note("open %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		vt_note("group of %s is not viable", bdf);
		return -1;
	}
	d->container = open("/dev/vfio/vfio", O_RDWR);
	if (d->container < 0 ||
	    ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) ||
	    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		vt_note("container: %s", strerror(errno));
		return -1;
	}
	return get_fd(d);
}

/* Close and reopen the device fd: close_device ends any session. */
static int reopen(struct dev *d)
{
	close(d->fd);
	return get_fd(d);
}

static uint32_t rd32(struct dev *d, unsigned int reg)
{
	uint32_t v = 0xffffffff;

	if (pread(d->fd, &v, 4, d->bar0_off + reg) != 4)
		return 0xffffffff;
	return v;
}

static uint64_t rd64(struct dev *d, unsigned int reg)
{
	uint64_t v = ~0ull;

	if (pread(d->fd, &v, 8, d->bar0_off + reg) != 8)
		return ~0ull;
	return v;
}

static void wr32(struct dev *d, unsigned int reg, uint32_t v)
{
	if (pwrite(d->fd, &v, 4, d->bar0_off + reg) != 4)
		vt_note("BAR0 write at 0x%x: %s", reg, strerror(errno));
}

static void wr64(struct dev *d, unsigned int reg, uint64_t v)
{
	if (pwrite(d->fd, &v, 8, d->bar0_off + reg) != 8)
		vt_note("BAR0 write at 0x%x: %s", reg, strerror(errno));
}

static void get_regs(struct dev *d, struct regs *r)
{
	r->ident = rd32(d, EDU_IDENT);
	r->liveness = rd32(d, EDU_LIVENESS);
	r->status = rd32(d, EDU_STATUS) & 0x80;
	r->src = rd64(d, EDU_DMA_SRC);
	r->dst = rd64(d, EDU_DMA_DST);
	r->cnt = rd64(d, EDU_DMA_CNT);
}

/* The migratable registers; liveness stores the complement of a write. */
static void set_regs(struct dev *d, const struct regs *r)
{
	wr32(d, EDU_LIVENESS, ~r->liveness);
	wr32(d, EDU_STATUS, r->status);
	wr64(d, EDU_DMA_SRC, r->src);
	wr64(d, EDU_DMA_DST, r->dst);
	wr64(d, EDU_DMA_CNT, r->cnt);
}

static bool same_regs(const struct regs *a, const struct regs *b)
{
	return a->ident == b->ident && a->liveness == b->liveness &&
	       a->status == b->status && a->src == b->src && a->dst == b->dst &&
	       a->cnt == b->cnt;
}

static const char *regs_str(const struct regs *r)
{
	static char buf[2][128];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]),
		 "id %#x live %#x status %#x src %#llx dst %#llx cnt %#llx",
		 r->ident, r->liveness, r->status, (unsigned long long)r->src,
		 (unsigned long long)r->dst, (unsigned long long)r->cnt);
	return buf[i];
}

/* ------------------------------------------------------------ features --- */

static int feature(struct dev *d, uint32_t flags, void *data, size_t len)
{
	struct vfio_device_feature *f;
	int ret;

	f = calloc(1, sizeof(*f) + len);
	if (!f)
		return ENOMEM;
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	ret = ioctl(d->fd, VFIO_DEVICE_FEATURE, f) ? errno : 0;
	if (len)
		memcpy(data, f->data, len);
	free(f);
	return ret;
}

/* Set the state; *data_fd gets the fd the transition returned (or -1). */
static int set_state(struct dev *d, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state m = { .device_state = state, .data_fd = -1 };
	int ret;

	ret = feature(d, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		      &m, sizeof(m));
	if (data_fd)
		*data_fd = ret ? -1 : m.data_fd;
	else if (!ret && m.data_fd >= 0)
		close(m.data_fd);
	return ret;
}

static int get_state(struct dev *d)
{
	struct vfio_device_feature_mig_state m = { .data_fd = -1 };

	if (feature(d, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		    &m, sizeof(m)))
		return -1;
	return m.device_state;
}

static void expect_state(const char *name, struct dev *d, int want)
{
	int got = get_state(d);

	result(got == want, name, "state %d, want %d", got, want);
}

/* A transition that must succeed, with or without a new data fd. */
static int go(const char *name, struct dev *d, uint32_t state, bool want_fd)
{
	int fd = -1, ret = set_state(d, state, &fd);

	result(!ret && (fd >= 0) == want_fd, name, "%s, data_fd %d (want %s)",
	       vt_errname(ret), fd, want_fd ? "an fd" : "none");
	return fd;
}

/* Read until end of stream: the byte count, or -errno. */
static ssize_t read_all(int fd, uint8_t *buf, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got < max) {
		n = read(fd, buf + got, max - got);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static uint32_t crc32(const uint8_t *p, size_t len, uint32_t crc)
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

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

/* Recompute a stream's checksum (a forger's well-formed stream). */
static void fix_crc(uint8_t *s)
{
	put32(s + 16, crc32(s + STREAM_HDR, STREAM_LEN - STREAM_HDR,
			    crc32(s, 16, 0)));
}

/* --------------------------------------------------------- the checks --- */

static const struct regs state_a = {
	.liveness = 0x5a5a1234, .status = 0x80,
	.src = 0x12345000, .dst = 0x40000, .cnt = 0x200,
};
static const struct regs state_b = {
	.liveness = 0x0badf00d, .status = 0,
	.src = 0x777000, .dst = 0x40100, .cnt = 0x10,
};
static const struct regs state_c = {
	.liveness = 0xc001d00d, .status = 0x80,
	.src = 0x40800, .dst = 0x9000, .cnt = 0x800,
};

/*
 * Feed @len bytes of @stream to B in RESUMING: the load must fail with
 * EINVAL, leave B in RESUMING with its registers as @before; then reopen B
 * (ending the session) and check it is RUNNING and still unchanged.
 */
static bool refuse(const char *name, struct dev *b, const uint8_t *stream,
		   size_t len, const struct regs *before, bool quiet)
{
	char n[96];
	struct regs now;
	int fd, ret, st;
	ssize_t w = 0;
	bool ok;

	ret = set_state(b, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret || fd < 0) {
		snprintf(n, sizeof(n), "malformed.%s.resuming", name);
		result(false, n, "STOP -> RESUMING: %s", vt_errname(ret));
		return false;
	}
	if (len) {
		w = write(fd, stream, len);
		if (w < 0)
			w = -errno;
	}
	ret = set_state(b, VFIO_DEVICE_STATE_STOP, NULL);
	st = get_state(b);
	get_regs(b, &now);
	close(fd);
	ok = ret == EINVAL && st == VFIO_DEVICE_STATE_RESUMING &&
	     same_regs(&now, before);
	/* Only a reset or close_device ends a failed RESUMING session. */
	if (reopen(b)) {
		ok = false;
	} else {
		ok = ok && get_state(b) == VFIO_DEVICE_STATE_RUNNING;
		get_regs(b, &now);
		ok = ok && same_regs(&now, before);
		if (set_state(b, VFIO_DEVICE_STATE_STOP, NULL))
			ok = false;
	}
	if (!quiet || !ok) {
		snprintf(n, sizeof(n), "malformed.%s", name);
		result(ok, n, "write %zd, STOP %s, state %d, regs %s (want %s)",
		       w, vt_errname(ret), st, regs_str(&now), regs_str(before));
	}
	return ok;
}

static void test_migrate(struct dev *a, struct dev *b, int expect_precopy,
			 unsigned int seed, int mutations)
{
	struct vfio_device_feature_migration mig = { 0 };
	struct vfio_device_feature_mig_data_size size = { 0 };
	struct vfio_precopy_info info;
	uint8_t stream[STREAM_LEN], buf[4 * STREAM_LEN], bad[4 * STREAM_LEN];
	struct regs ra, rb, want_a, want_b;
	bool precopy;
	ssize_t n;
	int fd, ret, i;

	/* What the kernel offers. */
	ret = feature(a, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0);
	result(!ret, "feature.migration.probe", "%s", vt_errname(ret));
	ret = feature(a, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		      &mig, sizeof(mig));
	vt_note("migration flags %#llx", (unsigned long long)mig.flags);
	result(!ret && (mig.flags & (VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P)) ==
	       (VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P) &&
	       !(mig.flags & ~(uint64_t)(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
					 VFIO_MIGRATION_PRE_COPY)),
	       "feature.migration.flags", "%s, flags %#llx", vt_errname(ret),
	       (unsigned long long)mig.flags);
	precopy = mig.flags & VFIO_MIGRATION_PRE_COPY;
	if (expect_precopy >= 0)
		result(precopy == !!expect_precopy, "feature.migration.pre_copy",
		       "PRE_COPY %s, expected %s", precopy ? "offered" : "absent",
		       expect_precopy ? "offered" : "absent");
	ret = feature(a, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
		      &size, sizeof(size));
	if (precopy)	/* MIG_DATA_SIZE came with PRE_COPY (6.2) */
		result(!ret && size.stop_copy_length == STREAM_LEN,
		       "feature.mig_data_size", "%s, %llu bytes", vt_errname(ret),
		       (unsigned long long)size.stop_copy_length);
	else
		result(ret == ENOTTY, "feature.mig_data_size.absent", "%s", vt_errname(ret));
	expect_state("state.initial_running.A", a, VFIO_DEVICE_STATE_RUNNING);
	expect_state("state.initial_running.B", b, VFIO_DEVICE_STATE_RUNNING);

	/* Distinct states on A and B. */
	set_regs(a, &state_a);
	set_regs(b, &state_b);
	get_regs(a, &want_a);
	get_regs(b, &want_b);
	result(want_a.liveness == state_a.liveness && want_a.src == state_a.src &&
	       want_a.status == 0x80, "setup.A_registers", "%s", regs_str(&want_a));
	result(want_b.liveness == state_b.liveness && want_b.dst == state_b.dst,
	       "setup.B_registers", "%s", regs_str(&want_b));

	/* Save A as QEMU does. */
	go("save.A.running_to_stop", a, VFIO_DEVICE_STATE_STOP, false);
	fd = go("save.A.stop_to_stop_copy", a, VFIO_DEVICE_STATE_STOP_COPY, true);
	n = fd >= 0 ? read_all(fd, buf, sizeof(buf)) : -EBADF;
	result(n == STREAM_LEN && !memcmp(buf, "EDUM", 4), "save.A.stream_read",
	       "read %zd bytes", n);
	memcpy(stream, buf, STREAM_LEN);
	n = fd >= 0 ? read(fd, buf, 1) : -1;
	result(n == 0, "save.A.end_of_stream", "read after the end: %zd", n);
	go("save.A.stop_copy_to_stop", a, VFIO_DEVICE_STATE_STOP, false);
	n = fd >= 0 ? read(fd, buf, 1) : -1;
	result(n < 0 && errno == ENODEV, "save.A.fd_dead_after_session",
	       "read: %zd (%s)", n, n < 0 ? vt_errname(errno) : "data");
	if (fd >= 0)
		close(fd);
	go("save.A.stop_to_running", a, VFIO_DEVICE_STATE_RUNNING, false);
	get_regs(a, &ra);
	result(same_regs(&ra, &want_a), "save.A.unchanged", "%s (want %s)",
	       regs_str(&ra), regs_str(&want_a));

	/* Resume B. */
	go("resume.B.running_to_stop", b, VFIO_DEVICE_STATE_STOP, false);
	fd = go("resume.B.stop_to_resuming", b, VFIO_DEVICE_STATE_RESUMING, true);
	n = fd >= 0 ? write(fd, stream, STREAM_LEN) : -1;
	result(n == STREAM_LEN, "resume.B.stream_written", "write %zd", n);
	go("resume.B.resuming_to_stop", b, VFIO_DEVICE_STATE_STOP, false);
	n = fd >= 0 ? write(fd, stream, 1) : -1;
	result(n < 0 && errno == ENODEV, "resume.B.fd_dead_after_session",
	       "write: %zd", n);
	if (fd >= 0)
		close(fd);
	go("resume.B.stop_to_running", b, VFIO_DEVICE_STATE_RUNNING, false);
	get_regs(b, &rb);
	result(same_regs(&rb, &want_a), "resume.B.registers_match_A",
	       "B %s, A %s", regs_str(&rb), regs_str(&want_a));

	/* Invalid transitions: refused, state unchanged. */
	ret = set_state(a, VFIO_DEVICE_STATE_ERROR, NULL);
	result(ret == EINVAL, "invalid.to_error", "%s", vt_errname(ret));
	ret = set_state(a, 99, NULL);
	result(ret == EINVAL, "invalid.unknown_state", "%s", vt_errname(ret));
	expect_state("invalid.state_unchanged", a, VFIO_DEVICE_STATE_RUNNING);
	if (!precopy) {
		ret = set_state(a, VFIO_DEVICE_STATE_PRE_COPY, NULL);
		result(ret == EINVAL, "invalid.pre_copy_not_offered", "%s", vt_errname(ret));
	} else {
		go("invalid.setup_stop_copy", a, VFIO_DEVICE_STATE_STOP_COPY, true);
		ret = set_state(a, VFIO_DEVICE_STATE_PRE_COPY, NULL);
		result(ret == EINVAL, "invalid.stop_copy_to_pre_copy", "%s", vt_errname(ret));
		expect_state("invalid.stop_copy_kept", a, VFIO_DEVICE_STATE_STOP_COPY);
		go("invalid.back_to_running", a, VFIO_DEVICE_STATE_RUNNING, false);
	}
	go("invalid.resuming_setup", b, VFIO_DEVICE_STATE_RESUMING, true);
	ret = set_state(b, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	result(ret == EINVAL, "invalid.resuming_to_stop_copy", "%s", vt_errname(ret));
	expect_state("invalid.resuming_kept", b, VFIO_DEVICE_STATE_RESUMING);
	result(!reopen(b), "invalid.reopen_ends_session", NULL);
	expect_state("invalid.running_after_reopen", b, VFIO_DEVICE_STATE_RUNNING);

	/* PRE_COPY: no pre-copy data, the whole state in STOP_COPY. */
	if (precopy) {
		set_regs(a, &state_c);	/* a new state, to see it travel */
		get_regs(a, &want_a);
		fd = go("pre_copy.A.running_to_pre_copy", a, VFIO_DEVICE_STATE_PRE_COPY, true);
		n = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;
		result(n < 0 && errno == ENOMSG, "pre_copy.read_no_data_yet",
		       "read %zd (%s)", n, n < 0 ? vt_errname(errno) : "data");
		memset(&info, 0xff, sizeof(info));
		info.argsz = sizeof(info);
		ret = fd >= 0 && ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info) ? errno : 0;
		result(!ret && info.initial_bytes == 0 && info.dirty_bytes == 0,
		       "pre_copy.precopy_info", "%s, initial %llu dirty %llu",
		       vt_errname(ret), (unsigned long long)info.initial_bytes,
		       (unsigned long long)info.dirty_bytes);
		go("pre_copy.to_pre_copy_p2p", a, VFIO_DEVICE_STATE_PRE_COPY_P2P, false);
		go("pre_copy.to_stop_copy_same_fd", a, VFIO_DEVICE_STATE_STOP_COPY, false);
		ret = fd >= 0 && ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info) ? errno : 0;
		result(ret == EINVAL, "pre_copy.precopy_info_refused_in_stop_copy",
		       "%s", vt_errname(ret));
		n = fd >= 0 ? read_all(fd, buf, sizeof(buf)) : -1;
		result(n == STREAM_LEN, "pre_copy.stream_read", "read %zd", n);
		memcpy(stream, buf, STREAM_LEN);
		if (fd >= 0)
			close(fd);
		go("pre_copy.A.to_running", a, VFIO_DEVICE_STATE_RUNNING, false);
		go("pre_copy.B.to_stop", b, VFIO_DEVICE_STATE_STOP, false);
		fd = go("pre_copy.B.stop_to_resuming", b, VFIO_DEVICE_STATE_RESUMING, true);
		n = fd >= 0 ? write(fd, stream, STREAM_LEN) : -1;
		go("pre_copy.B.resuming_to_running", b, VFIO_DEVICE_STATE_RUNNING, false);
		if (fd >= 0)
			close(fd);
		get_regs(b, &rb);
		result(n == STREAM_LEN && same_regs(&rb, &want_a), "pre_copy.B_matches_A",
		       "B %s, A %s", regs_str(&rb), regs_str(&want_a));
	}

	/* A data fd kept past close_device: dead, no crash, no leak. */
	fd = go("lifetime.A.to_stop_copy", a, VFIO_DEVICE_STATE_STOP_COPY, true);
	result(!reopen(a), "lifetime.A.reopen", NULL);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;
	result(n < 0 && errno == ENODEV, "lifetime.fd_dead_after_close_device",
	       "read %zd (%s)", n, n < 0 ? vt_errname(errno) : "data");
	if (fd >= 0)
		close(fd);
	expect_state("lifetime.A.running_after_reopen", a, VFIO_DEVICE_STATE_RUNNING);

	/* Malformed streams onto B (with state_b again). */
	set_regs(b, &state_b);
	get_regs(b, &want_b);
	go("malformed.setup_stop", b, VFIO_DEVICE_STATE_STOP, false);
	refuse("empty", b, stream, 0, &want_b, false);
	refuse("truncated_header", b, stream, 12, &want_b, false);
	refuse("truncated_body", b, stream, STREAM_LEN - 1, &want_b, false);
	memcpy(bad, stream, STREAM_LEN);
	bad[STREAM_LEN] = 0;
	refuse("oversized", b, bad, STREAM_LEN + 1, &want_b, false);
	memcpy(bad + STREAM_LEN, stream, STREAM_LEN);
	refuse("two_streams", b, bad, 2 * STREAM_LEN, &want_b, false);
	memcpy(bad, stream, STREAM_LEN);
	bad[4] = 2;
	fix_crc(bad);
	refuse("wrong_version", b, bad, STREAM_LEN, &want_b, false);
	memcpy(bad, stream, STREAM_LEN);
	bad[16] ^= 0x01;
	refuse("bad_checksum", b, bad, STREAM_LEN, &want_b, false);
	memcpy(bad, stream, STREAM_LEN);
	bad[STREAM_HDR + 5] ^= 0x40;	/* liveness changed, checksum stale */
	refuse("stale_checksum", b, bad, STREAM_LEN, &want_b, false);
	memcpy(bad, stream, STREAM_LEN);
	bad[0] = 'X';
	fix_crc(bad);
	refuse("bad_magic", b, bad, STREAM_LEN, &want_b, false);
	memcpy(bad, stream, STREAM_LEN);
	put32(bad + STREAM_HDR, 0x020000ed);	/* another edu revision */
	fix_crc(bad);
	refuse("other_device_ident", b, bad, STREAM_LEN, &want_b, false);

	srand(seed);
	ret = 0;
	for (i = 0; i < mutations; i++) {
		size_t len = STREAM_LEN;
		int k, changes = 1 + rand() % 4;

		memcpy(bad, stream, STREAM_LEN);
		do {
			for (k = 0; k < changes; k++)
				bad[rand() % STREAM_LEN] = rand();
		} while (!memcmp(bad, stream, STREAM_LEN));
		if (i % 5 == 4) {	/* random garbage of random length */
			len = rand() % sizeof(bad);
			for (k = 0; k < (int)len; k++)
				bad[k] = rand();
		}
		ret += refuse("random", b, bad, len, &want_b, true);
	}
	result(ret == mutations, "malformed.random_mutations",
	       "%d of %d refused as required (seed %u)", ret, mutations, seed);

	/* A reset ends any session and returns the device to RUNNING. */
	{
		struct vfio_device_info di = { .argsz = sizeof(di) };

		if (ioctl(b->fd, VFIO_DEVICE_GET_INFO, &di) ||
		    !(di.flags & VFIO_DEVICE_FLAGS_RESET)) {
			vt_note("B cannot be reset: reset during a session not tested");
		} else {
			fd = go("reset.B.to_resuming", b, VFIO_DEVICE_STATE_RESUMING, true);
			n = fd >= 0 ? write(fd, stream, STREAM_HDR) : -1;
			ret = ioctl(b->fd, VFIO_DEVICE_RESET) ? errno : 0;
			result(!ret, "reset.B.device_reset", "%s", vt_errname(ret));
			expect_state("reset.B.running_after_reset", b, VFIO_DEVICE_STATE_RUNNING);
			n = fd >= 0 ? write(fd, stream, 1) : 0;
			result(n < 0 && errno == ENODEV, "reset.B.fd_dead_after_reset",
			       "write %zd (%s)", n, n < 0 ? vt_errname(errno) : "accepted");
			if (fd >= 0)
				close(fd);
			go("reset.B.to_stop", b, VFIO_DEVICE_STATE_STOP, false);
		}
	}

	/* After all that, a valid stream still loads. */
	fd = go("final.B.to_resuming", b, VFIO_DEVICE_STATE_RESUMING, true);
	n = fd >= 0 ? write(fd, stream, STREAM_LEN) : -1;
	go("final.B.resuming_to_running", b, VFIO_DEVICE_STATE_RUNNING, false);
	if (fd >= 0)
		close(fd);
	get_regs(b, &rb);
	result(n == STREAM_LEN && same_regs(&rb, &want_a), "final.valid_stream_loads",
	       "B %s, want %s", regs_str(&rb), regs_str(&want_a));
}

#define FUZZ_FDS 8

static void test_fuzz(struct dev *a, struct dev *b, unsigned int seed, int ops)
{
	uint8_t stream[STREAM_LEN] = { 0 }, buf[4 * STREAM_LEN];
	int fds[FUZZ_FDS], i, k, bad_state = 0, have_stream = 0;
	int counts[8] = { 0 };
	struct dev *devs[2] = { a, b };
	struct regs ra, rb;
	ssize_t n;

	for (i = 0; i < FUZZ_FDS; i++)
		fds[i] = -1;
	srand(seed);
	for (i = 0; i < ops; i++) {
		struct dev *d = devs[rand() % 2];
		int op = rand() % 8, slot = rand() % FUZZ_FDS, st, fd;
		size_t len;

		counts[op]++;
		switch (op) {
		case 0:	/* a state request, sometimes invalid */
		case 1:
			st = rand() % 10;
			if (!set_state(d, st, &fd) && fd >= 0) {
				if (fds[slot] >= 0)
					close(fds[slot]);
				fds[slot] = fd;
			}
			break;
		case 2:	/* read */
			if (fds[slot] < 0)
				break;
			n = read(fds[slot], buf, 1 + rand() % sizeof(buf));
			if (n == STREAM_LEN && !memcmp(buf, "EDUM", 4)) {
				memcpy(stream, buf, STREAM_LEN);
				have_stream = 1;
			}
			break;
		case 3:	/* write: a valid, a mutated or a garbage stream */
			if (fds[slot] < 0)
				break;
			len = STREAM_LEN;
			memcpy(buf, stream, STREAM_LEN);
			k = rand() % 3;
			if (k == 1) {
				buf[rand() % STREAM_LEN] ^= 1 + rand() % 255;
			} else if (k == 2 || !have_stream) {
				len = rand() % sizeof(buf);
				for (k = 0; k < (int)len; k++)
					buf[k] = rand();
			}
			if (write(fds[slot], buf, len) < 0)
				errno = 0;
			break;
		case 4: {	/* PRECOPY_INFO with a random argsz */
			struct vfio_precopy_info info = { .argsz = rand() % 40 };

			if (fds[slot] >= 0 &&
			    ioctl(fds[slot], VFIO_MIG_GET_PRECOPY_INFO, &info))
				errno = 0;
			break;
		}
		case 5:	/* close a data fd */
			if (fds[slot] >= 0)
				close(fds[slot]);
			fds[slot] = -1;
			break;
		case 6:	/* close_device (one time in four), data fds kept */
			if (rand() % 4) {
				counts[6]--;
				break;
			}
			if (reopen(d))
				bad_state++;
			break;
		case 7:	/* the state must always be a real one */
			st = get_state(d);
			if (st < VFIO_DEVICE_STATE_STOP || st > VFIO_DEVICE_STATE_PRE_COPY_P2P) {
				if (!bad_state)
					vt_note("op %d: state %d", i, st);
				bad_state++;
			}
			break;
		}
	}
	vt_note("fuzz: %d operations (seed %u): %d/%d state requests, %d reads, %d writes, %d precopy_info, %d closes, %d reopens, %d state reads",
	     ops, seed, counts[0], counts[1], counts[2], counts[3], counts[4],
	     counts[5], counts[6], counts[7]);
	result(!bad_state, "fuzz.states_valid", "%d invalid states or failed reopens", bad_state);
	for (i = 0; i < FUZZ_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);

	/* Both devices still migrate cleanly. */
	result(!reopen(a) && !reopen(b), "fuzz.reopen", NULL);
	set_regs(a, &state_a);
	set_regs(b, &state_b);
	get_regs(a, &ra);
	if (set_state(a, VFIO_DEVICE_STATE_STOP_COPY, &fds[0]) || fds[0] < 0) {
		result(false, "fuzz.after.save", "no data fd");
		return;
	}
	n = read_all(fds[0], stream, sizeof(stream));
	close(fds[0]);
	set_state(a, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (set_state(b, VFIO_DEVICE_STATE_RESUMING, &fds[1]) || fds[1] < 0) {
		result(false, "fuzz.after.resume", "no data fd");
		return;
	}
	if (n == STREAM_LEN && write(fds[1], stream, STREAM_LEN) != STREAM_LEN)
		n = -1;
	k = set_state(b, VFIO_DEVICE_STATE_RUNNING, NULL);
	close(fds[1]);
	get_regs(b, &rb);
	result(n == STREAM_LEN && !k && same_regs(&ra, &rb), "fuzz.after.migration_works",
	       "stream %zd, load %s, B %s, A %s", n, vt_errname(k), regs_str(&rb), regs_str(&ra));
}

static void test_unavailable(struct dev *a)
{
	struct vfio_device_feature_mig_state m = { 0 };
	struct vfio_device_feature_migration mig = { 0 };
	int ret;

	ret = feature(a, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0);
	result(ret == ENOTTY, "unavailable.migration_not_offered", "%s", vt_errname(ret));
	ret = feature(a, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		      &mig, sizeof(mig));
	result(ret == ENOTTY, "unavailable.migration_get", "%s", vt_errname(ret));
	ret = feature(a, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		      &m, sizeof(m));
	result(ret == ENOTTY, "unavailable.mig_device_state", "%s", vt_errname(ret));
	wr32(a, EDU_LIVENESS, 0x13572468);
	result(rd32(a, EDU_LIVENESS) == ~0x13572468u && rd32(a, EDU_IDENT) == 0x010000ed,
	       "unavailable.device_works", "liveness %#x ident %#x",
	       rd32(a, EDU_LIVENESS), rd32(a, EDU_IDENT));
}

int main(int argc, char **argv)
{
	int opt, mutations = 200, expect_precopy = -1;
	unsigned int seed = 1;
	struct dev a, b;
	const char *mode;

	while ((opt = getopt(argc, argv, "n:s:m:P:")) != -1) {
		switch (opt) {
		case 'n': label = optarg; break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'm': mutations = atoi(optarg); break;
		case 'P': expect_precopy = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	mode = argv[optind];
	if (open_dev(&a, argv[optind + 1])) {
		result(false, "setup.open_A", "cannot open %s", argv[optind + 1]);
		return 1;
	}
	if (!strcmp(mode, "unavailable")) {
		test_unavailable(&a);
	} else if ((!strcmp(mode, "migrate") || !strcmp(mode, "fuzz")) &&
		   argc - optind == 3) {
		if (open_dev(&b, argv[optind + 2])) {
			result(false, "setup.open_B", "cannot open %s", argv[optind + 2]);
			return 1;
		}
		if (!strcmp(mode, "fuzz"))
			test_fuzz(&a, &b, seed, mutations);
		else
			test_migrate(&a, &b, expect_precopy, seed, mutations);
	} else {
		goto usage;
	}
	printf("# %s: %d passed, %d failed\n", label, vt_npass, vt_nfail);
	return vt_nfail ? 1 : 0;
usage:
	fprintf(stderr, "usage: vfio_migration_test [-n LABEL] [-s SEED] [-m N] [-P 0|1] migrate A B | fuzz A B | unavailable A\n");
	return 2;
}
