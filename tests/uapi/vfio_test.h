/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_test.h: what the guest test programs share: the result protocol
 * ("PASS <name>" / "FAIL <name>: <detail>" lines, "# " notes), errno names,
 * opening a PCI function through the group/container path (the only one
 * Debian's kernels have: no iommufd, no no-IOMMU mode), region and config
 * space access, and a SIGBUS-safe load from a BAR mapping.
 *
 * Header-only (static functions): each program is one .c file built with
 * gcc -static -Wall -Wextra -Werror; functions a program does not use are
 * marked unused so -Werror stays quiet.
 */
#ifndef VFIO_TEST_H
#define VFIO_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define VT_UNUSED __attribute__((unused))

/* ------------------------------------------------------------ reporting --- */

static int vt_npass, vt_nfail;

static VT_UNUSED __attribute__((format(printf, 1, 2)))
void vt_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/*
 * One check: "PASS name" or "FAIL name: detail". With @intree set, a failed
 * check is an in-tree driver's (a property some kernel's vfio-pci lacks): it
 * prints "INTREE-FAILS name: detail" instead, which fails nothing but is
 * reported by tests/security/coverage.
 */
static VT_UNUSED __attribute__((format(printf, 4, 5)))
void vt_result(bool ok, bool intree, const char *name, const char *fmt, ...)
{
	char detail[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	if (ok) {
		vt_npass++;
		printf("PASS %s\n", name);
	} else if (intree) {
		printf("INTREE-FAILS %s: %s\n", name, detail[0] ? detail : "failed");
	} else {
		vt_nfail++;
		printf("FAIL %s: %s\n", name, detail[0] ? detail : "failed");
	}
	fflush(stdout);
}

/* vt_result for a program whose check names all start with "@label." */
static VT_UNUSED __attribute__((format(printf, 4, 5)))
void vt_check(const char *label, bool ok, const char *name, const char *fmt, ...)
{
	char full[192], detail[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	snprintf(full, sizeof(full), "%s.%s", label, name);
	vt_result(ok, false, full, "%s", detail);
}

static VT_UNUSED const char *vt_errname(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "success";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	case ENOSPC: return "ENOSPC";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EAGAIN: return "EAGAIN";
	case ENOMSG: return "ENOMSG";
	default:
		snprintf(buf, sizeof(buf), "errno %d", e);
		return buf;
	}
}

/* ------------------------------------------------------------- device --- */

struct vt_dev {
	const char *bdf;
	int container, group, fd;
	unsigned long group_id;
	struct vfio_device_info info;
	struct vfio_region_info reg[VFIO_PCI_NUM_REGIONS];
};

/* The IOMMU group number of @bdf, or -1 with @err set. */
static VT_UNUSED long vt_group_of(const char *bdf, char *err, size_t errlen)
{
	char path[128], link[PATH_MAX];
	const char *base;
	char *end;
	ssize_t n;
	long grp;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.32s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		snprintf(err, errlen, "readlink %s: %s", path, strerror(errno));
		return -1;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	grp = strtol(base, &end, 10);
	if (!*base || *end || grp < 0) {
		snprintf(err, errlen, "odd iommu_group link: %.64s", link);
		return -1;
	}
	return grp;
}

/* vt_group_of when only the number matters: -1 if @bdf has no group. */
static VT_UNUSED int vt_group_id(const char *bdf)
{
	char err[160];

	return (int)vt_group_of(bdf, err, sizeof(err));
}

static VT_UNUSED void vt_close(struct vt_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->fd = d->group = d->container = -1;
}

/*
 * Open @bdf's group (it must be viable) into a new type1 container (type1v2
 * where offered). Returns 0 with *group and *container set, or -1 with @err
 * set and nothing left open (both -1).
 */
static VT_UNUSED int vt_open_group(const char *bdf, int *group, int *container,
				   char *err, size_t errlen)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	long grp;
	int type;

	*group = *container = -1;
	grp = vt_group_of(bdf, err, errlen);
	if (grp < 0)
		return -1;
	snprintf(path, sizeof(path), "/dev/vfio/%ld", grp);
	*group = open(path, O_RDWR | O_CLOEXEC);
	if (*group < 0) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(*group, VFIO_GROUP_GET_STATUS, &status)) {
		snprintf(err, errlen, "VFIO_GROUP_GET_STATUS: %s", strerror(errno));
		goto fail;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		snprintf(err, errlen, "group %ld is not viable (another device of the group is not bound to vfio)",
			 grp);
		goto fail;
	}
	*container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (*container < 0) {
		snprintf(err, errlen, "open /dev/vfio/vfio: %s", strerror(errno));
		goto fail;
	}
	if (ioctl(*container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		snprintf(err, errlen, "VFIO_GET_API_VERSION is not %d", VFIO_API_VERSION);
		goto fail;
	}
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, container)) {
		snprintf(err, errlen, "VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
		goto fail;
	}
	type = ioctl(*container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ?
		VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
	if (ioctl(*container, VFIO_SET_IOMMU, type)) {
		snprintf(err, errlen, "VFIO_SET_IOMMU(%s): %s",
			 type == VFIO_TYPE1v2_IOMMU ? "TYPE1v2" : "TYPE1", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	close(*group);
	if (*container >= 0)
		close(*container);
	*group = *container = -1;
	return -1;
}

/*
 * Open @d->bdf: its group, a new type1 container, the device fd, and cache
 * the device and region info. Returns 0, or -1 with @err set (and whatever
 * was opened closed again).
 */
static VT_UNUSED int vt_open(struct vt_dev *d, char *err, size_t errlen)
{
	unsigned int i;
	long grp;

	d->container = d->group = d->fd = -1;
	grp = vt_group_of(d->bdf, err, errlen);
	if (grp < 0 || vt_open_group(d->bdf, &d->group, &d->container, err, errlen))
		return -1;
	d->group_id = (unsigned long)grp;
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->fd < 0) {
		snprintf(err, errlen, "VFIO_GROUP_GET_DEVICE_FD(%s): %s", d->bdf,
			 strerror(errno));
		goto fail;
	}
	memset(&d->info, 0, sizeof(d->info));
	d->info.argsz = sizeof(d->info);
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info)) {
		snprintf(err, errlen, "VFIO_DEVICE_GET_INFO: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		memset(&d->reg[i], 0, sizeof(d->reg[i]));
		d->reg[i].argsz = sizeof(d->reg[i]);
		d->reg[i].index = i;
		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &d->reg[i]))
			d->reg[i].size = 0;	/* VGA: absent */
	}
	return 0;
fail:
	vt_close(d);
	return -1;
}

/* Region access; 0 or the errno. A short transfer is EIO. */
static VT_UNUSED int vt_rw(const struct vt_dev *d, unsigned int idx, bool write,
			   void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	off += d->reg[idx].offset;
	n = write ? pwrite(d->fd, buf, len, (off_t)off) : pread(d->fd, buf, len, (off_t)off);
	if (n < 0)
		return errno;
	return (size_t)n == len ? 0 : EIO;
}

static VT_UNUSED int vt_cfg_read(const struct vt_dev *d, unsigned int off, void *v,
				 size_t len)
{
	return vt_rw(d, VFIO_PCI_CONFIG_REGION_INDEX, false, v, len, off);
}

static VT_UNUSED int vt_cfg_write(const struct vt_dev *d, unsigned int off,
				  const void *v, size_t len)
{
	return vt_rw(d, VFIO_PCI_CONFIG_REGION_INDEX, true, (void *)v, len, off);
}

/* Set or clear COMMAND bits @bits through the device's config region. */
static VT_UNUSED int vt_command(const struct vt_dev *d, uint16_t bits, bool on)
{
	uint16_t cmd;
	int e = vt_cfg_read(d, PCI_COMMAND, &cmd, 2);

	if (e)
		return e;
	cmd = on ? cmd | bits : cmd & ~bits;
	return vt_cfg_write(d, PCI_COMMAND, &cmd, 2);
}

/* The physical config space as the (guest) kernel sees it, through sysfs. */
static VT_UNUSED int vt_sysfs_config(const char *bdf, unsigned int off, void *v,
				     size_t len, bool write)
{
	char path[96];
	ssize_t n;
	int fd, e = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.32s/config", bdf);
	fd = open(path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return errno;
	n = write ? pwrite(fd, v, len, off) : pread(fd, v, len, off);
	if (n != (ssize_t)len)
		e = n < 0 ? errno : EIO;
	close(fd);
	return e;
}

/* ------------------------------------------------------------ mappings --- */

static sigjmp_buf vt_bus_jmp;

static void vt_on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(vt_bus_jmp, 1);
}

/* Load a u32 from a mapping; false if it raised SIGBUS (or SIGSEGV). */
static VT_UNUSED bool vt_load32(volatile uint32_t *p, uint32_t *v)
{
	struct sigaction sa = { .sa_handler = vt_on_sigbus }, ob, os;
	bool ok = false;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &ob);
	sigaction(SIGSEGV, &sa, &os);
	if (!sigsetjmp(vt_bus_jmp, 1)) {
		*v = *p;
		ok = true;
	}
	sigaction(SIGBUS, &ob, NULL);
	sigaction(SIGSEGV, &os, NULL);
	return ok;
}

#endif /* VFIO_TEST_H */
