// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_sriov_test: SR-IOV and the VF token through the VFIO uAPI and sysfs,
 * for whichever vfio-pci driver the devices are bound to. The same program
 * runs against the in-tree vfio-pci and vfio-pci-dkms, so their answers sit
 * side by side (guest-sriov.sh).
 *
 * usage: vfio_sriov_test [-n LABEL] [-D] MODE ARGS
 *   -D               the driver lets a PF with VFs enter D3 (the in-tree
 *                    vfio-pci of 5.10): check that it does, not that it
 *                    stays in D0 (docs/differences.md)
 *   numvfs PF N ERR  write N to PF's sriov_numvfs; ERR is the errno name
 *                    expected (0 for success)
 *   token PF DRIVER OTHER
 *                    with the PF open throughout (no VF yet: no token
 *                    needed), sriov_numvfs 2: VFs bound to DRIVER; D3hot
 *                    written to the PF's PMCSR leaves it in D0; the
 *                    VF_TOKEN feature rules (SET only, argsz, PROBE); the VF
 *                    refuses no token, a wrong or malformed one, unknown and
 *                    repeated options, opens with the token; the PF then
 *                    needs the token too and may change it; without VF
 *                    users a token given at PF open becomes the token; the
 *                    VF has no VF_TOKEN feature; a VF rebound to OTHER (the
 *                    other stack) opens without a token, a token is EINVAL;
 *                    the token outlives the PF's close; sriov_numvfs 0
 *   plain BDF        a device that is neither PF nor VF: a token is EINVAL,
 *                    the VF_TOKEN feature does not exist (ENOTTY)
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
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_test.h"

#ifndef VFIO_DEVICE_FEATURE_PCI_VF_TOKEN
#define VFIO_DEVICE_FEATURE_PCI_VF_TOKEN	(0)
#endif

static const char *label = "sriov";
static bool pf_d3_allowed;	/* -D: the driver lets a PF with VFs enter D3 */

static const char *tok1 = "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f";
static const char *tok2 = "01234567-89ab-4cde-8f01-23456789abcd";

/* ------------------------------------------------------------ reporting --- */

/* Every check is named "<label>.<check>". */
#define result(ok, name, ...) vt_check(label, ok, name, __VA_ARGS__)

static const struct {
	int e;
	const char *name;
} errnames[] = {
	{ 0, "0" }, { EINVAL, "EINVAL" }, { EACCES, "EACCES" },
	{ ENOTTY, "ENOTTY" }, { ENOENT, "ENOENT" }, { EBUSY, "EBUSY" },
	{ ENODEV, "ENODEV" }, { EPERM, "EPERM" }, { EFAULT, "EFAULT" },
};

static int err_value(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(errnames[i].name, name))
			return errnames[i].e;
	fprintf(stderr, "unknown errno name %s\n", name);
	exit(2);
}

static void expect_err(const char *name, int got, int want)
{
	result(got == want, name, "got %s, want %s", vt_errname(got), vt_errname(want));
}

/* -------------------------------------------------------------- groups --- */

static int container = -1;
static struct {
	int id, fd;
} groups[8];
static int ngroups;

/* @bdf's group fd, opened and put in our one container on first use. */
static int group_fd(const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int id = vt_group_id(bdf), fd, i;
	char path[64];

	for (i = 0; i < ngroups; i++)
		if (groups[i].id == id)
			return groups[i].fd;
	if (id < 0 || ngroups == 8)
		return -1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		vt_note("open %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		vt_note("group %d is not viable", id);
		close(fd);
		return -1;
	}
	if (container < 0) {
		container = open("/dev/vfio/vfio", O_RDWR);
		if (container < 0 || ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container) ||
		    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
			vt_note("container: %s", strerror(errno));
			close(fd);
			return -1;
		}
	} else if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container)) {
		vt_note("container: %s", strerror(errno));
		close(fd);
		return -1;
	}
	groups[ngroups].id = id;
	groups[ngroups++].fd = fd;
	vt_note("%s: iommu group %d", bdf, id);
	return fd;
}

/*
 * Close @bdf's group: its vfio group goes away with its last device (an
 * unbind), and a rebind makes a new one with the same number.
 */
static void group_forget(const char *bdf)
{
	int id = vt_group_id(bdf), i;

	for (i = 0; i < ngroups; i++) {
		if (groups[i].id != id)
			continue;
		close(groups[i].fd);
		groups[i] = groups[--ngroups];
		return;
	}
}

/*
 * GET_DEVICE_FD for "@bdf@suffix": the fd, or -errno. The device stays open
 * when @keep, else it is closed at once.
 */
static int dev_open(const char *bdf, const char *suffix, bool keep)
{
	char name[128];
	int g = group_fd(bdf), fd;

	if (g < 0)
		return -ENODEV;
	snprintf(name, sizeof(name), "%s%s", bdf, suffix ? suffix : "");
	fd = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, name);
	if (fd < 0)
		return -errno;
	if (!keep) {
		close(fd);
		return 0;
	}
	return fd;
}

/* open_expect: GET_DEVICE_FD answers @want (0: a device fd) */
static int open_expect(const char *name, const char *bdf, const char *suffix,
		       int want, bool keep)
{
	int fd = dev_open(bdf, suffix, keep);

	expect_err(name, fd < 0 ? -fd : 0, want);
	return fd;
}

static int token_arg(char *buf, size_t len, const char *uuid)
{
	return snprintf(buf, len, " vf_token=%s", uuid);
}

static int parse_uuid(const char *s, uint8_t out[16])
{
	int i, n = 0;

	for (i = 0; s[i] && n < 16; i++) {
		unsigned int v;

		if (s[i] == '-')
			continue;
		if (sscanf(s + i, "%2x", &v) != 1)
			return -1;
		out[n++] = v;
		i++;
	}
	return n == 16 ? 0 : -1;
}

/* VFIO_DEVICE_FEATURE PCI_VF_TOKEN with @flags, @payload bytes of @uuid. */
static int feature_token(int fd, uint32_t flags, const char *uuid, size_t payload)
{
	struct {
		struct vfio_device_feature hdr;
		uint8_t uuid[16];
	} f;

	memset(&f, 0, sizeof(f));
	f.hdr.argsz = sizeof(f.hdr) + payload;
	f.hdr.flags = VFIO_DEVICE_FEATURE_PCI_VF_TOKEN | flags;
	if (uuid && parse_uuid(uuid, f.uuid))
		return -EINVAL;
	return ioctl(fd, VFIO_DEVICE_FEATURE, &f) ? errno : 0;
}

/* ------------------------------------------------------------- checks --- */

static int sysfs_write(const char *bdf, const char *attr, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = errno;
	close(fd);
	return ret;
}

static void check_numvfs(const char *pf, const char *n, const char *want)
{
	char name[64];

	snprintf(name, sizeof(name), "numvfs_%s", n);
	expect_err(name, sysfs_write(pf, "sriov_numvfs", n), err_value(want));
}

/* The BDF of @pf's VF @i into @out; -1: none. */
static int vf_of(const char *pf, int i, char *out, size_t len)
{
	char path[128], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/virtfn%d", pf, i);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	base = strrchr(link, '/');
	snprintf(out, len, "%.31s", base ? base + 1 : link);
	return 0;
}

/* Wait (5 s at most) until @bdf is bound to @drv. */
static bool wait_driver(const char *bdf, const char *drv)
{
	char path[128], link[PATH_MAX];
	const char *base;
	ssize_t n;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	for (i = 0; i < 50; i++) {
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			base = strrchr(link, '/');
			if (!strcmp(base ? base + 1 : link, drv))
				return true;
		}
		usleep(100000);
	}
	return false;
}

/* Rebind @bdf to @drv through driver_override. */
static bool rebind(const char *bdf, const char *drv)
{
	char path[128];
	int fd;

	sysfs_write(bdf, "driver/unbind", bdf);
	if (sysfs_write(bdf, "driver_override", drv))
		return false;
	fd = open("/sys/bus/pci/drivers_probe", O_WRONLY);
	if (fd < 0)
		return false;
	if (write(fd, bdf, strlen(bdf)) < 0)
		vt_note("drivers_probe %s: %s", bdf, strerror(errno));
	close(fd);
	snprintf(path, sizeof(path), "%s", drv);
	return wait_driver(bdf, path);
}

/* Physical config space through sysfs (root reads all of it). */
static int sysfs_cfg_read(const char *bdf, unsigned int pos, void *buf, size_t len)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ret = pread(fd, buf, len, pos) == (ssize_t)len ? 0 : -1;
	close(fd);
	return ret;
}

static unsigned int pm_cap_of(const char *bdf)
{
	uint8_t pos = 0, hdr[2];
	int n;

	if (sysfs_cfg_read(bdf, 0x34, &pos, 1))
		return 0;
	for (n = 0; pos >= 0x40 && n < 48; n++) {
		if (sysfs_cfg_read(bdf, pos, hdr, 2))
			return 0;
		if (hdr[0] == 0x01)	/* PCI_CAP_ID_PM */
			return pos;
		pos = hdr[1] & ~3;
	}
	return 0;
}

/*
 * The user writes D3hot into the PF's PMCSR while VFs exist: the PF must
 * stay in D0 (its VFs need it) and the VF stay reachable.
 */
static void check_pf_power(int pfd, const char *pf, const char *vf)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_CONFIG_REGION_INDEX };
	unsigned int pm = pm_cap_of(pf);
	uint16_t pmcsr, phys = 0xffff, class = 0xffff;

	if (!pm) {
		vt_note("%s has no PM capability: power check skipped", pf);
		return;
	}
	if (ioctl(pfd, VFIO_DEVICE_GET_REGION_INFO, &ri) ||
	    pread(pfd, &pmcsr, 2, ri.offset + pm + 4) != 2) {
		result(false, "pm.d3_with_vfs_stays_d0", "config region: %s", strerror(errno));
		return;
	}
	pmcsr = (pmcsr & ~3) | 3;
	if (pwrite(pfd, &pmcsr, 2, ri.offset + pm + 4) != 2)
		vt_note("PMCSR write: %s", strerror(errno));
	sysfs_cfg_read(pf, pm + 4, &phys, 2);
	if (pf_d3_allowed)
		result((phys & 3) == 3, "pm.d3_with_vfs_enters_d3", "physical PMCSR %#x", phys);
	else
		result((phys & 3) == 0, "pm.d3_with_vfs_stays_d0", "physical PMCSR %#x", phys);
	/* (A VF's vendor ID reads 0xffff by definition: look at its class.) */
	sysfs_cfg_read(vf, 0x0a, &class, 2);
	result(class != 0xffff, "pm.vf_reachable_after_pf_d3_write", "VF class %#x", class);
	pmcsr &= ~3;
	if (pwrite(pfd, &pmcsr, 2, ri.offset + pm + 4) != 2)
		vt_note("PMCSR write: %s", strerror(errno));
}

/*
 * The PF stays open from before its VFs exist until they are gone: a PF
 * reset (first open, last close) with VFs enabled loses them under QEMU
 * 7.2's nvme on some guest kernels, which would test QEMU, not the token.
 */
/*
 * A VF has no INTx (SR-IOV 3.4.1.18): its interrupt pin reads 0, the INTx
 * index has no interrupts, and INTx cannot be set up.
 */
static void check_vf_no_intx(int vfd)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_CONFIG_REGION_INDEX };
	struct vfio_irq_info ii = { .argsz = sizeof(ii),
				    .index = VFIO_PCI_INTX_IRQ_INDEX };
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} is = {
		.set = { .argsz = sizeof(is), .index = VFIO_PCI_INTX_IRQ_INDEX,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD |
				  VFIO_IRQ_SET_ACTION_TRIGGER, .count = 1 },
	};
	uint8_t pin = 0xff;
	int e;

	e = ioctl(vfd, VFIO_DEVICE_GET_REGION_INFO, &ri) ? errno : 0;
	if (!e && pread(vfd, &pin, 1, ri.offset + PCI_INTERRUPT_PIN) != 1)
		e = errno;
	result(!e && pin == 0, "vf.intx_pin_zero", "%s, pin %u", vt_errname(e), pin);
	e = ioctl(vfd, VFIO_DEVICE_GET_IRQ_INFO, &ii) ? errno : 0;
	result(!e && ii.count == 0, "vf.intx_count_zero", "%s, count %u",
	       vt_errname(e), ii.count);
	is.fd = eventfd(0, EFD_CLOEXEC);
	expect_err("vf.intx_set_irqs_refused",
		   ioctl(vfd, VFIO_DEVICE_SET_IRQS, &is) ? errno : 0, EINVAL);
	close(is.fd);
}

static void check_token(const char *pf, const char *drv, const char *other)
{
	uint32_t set = VFIO_DEVICE_FEATURE_SET, get = VFIO_DEVICE_FEATURE_GET,
		 probe = VFIO_DEVICE_FEATURE_PROBE;
	char t1[64], t2[64], s[160], vf[32], vf2[32];
	int pfd, vfd, pfd2;

	token_arg(t1, sizeof(t1), tok1);
	token_arg(t2, sizeof(t2), tok2);

	/* No VF yet: the PF opens without a token. */
	pfd = open_expect("pf.open_no_token_no_vf_users", pf, NULL, 0, true);
	if (pfd < 0)
		return;
	expect_err("numvfs_2_while_pf_open", sysfs_write(pf, "sriov_numvfs", "2"), 0);
	if (vf_of(pf, 0, vf, sizeof(vf)) || vf_of(pf, 1, vf2, sizeof(vf2))) {
		result(false, "vfs_created", "no virtfn0/virtfn1 under %s", pf);
		close(pfd);
		return;
	}
	result(wait_driver(vf, drv) && wait_driver(vf2, drv), "vfs_bound_to_pf_driver",
	       "VFs %s %s not bound to %s", vf, vf2, drv);
	check_pf_power(pfd, pf, vf);

	expect_err("feature.probe_set", feature_token(pfd, probe | set, NULL, 0), 0);
	expect_err("feature.probe_get", feature_token(pfd, probe | get, NULL, 0), EINVAL);
	expect_err("feature.get", feature_token(pfd, get, NULL, 16), EINVAL);
	expect_err("feature.neither_get_nor_set", feature_token(pfd, 0, NULL, 16), EINVAL);
	expect_err("feature.set_short_argsz", feature_token(pfd, set, tok1, 15), EINVAL);
	expect_err("feature.set_no_payload", feature_token(pfd, set, tok1, 0), EINVAL);
	expect_err("feature.set", feature_token(pfd, set, tok1, 16), 0);

	/* The VF needs the token, well formed, once. */
	open_expect("vf.open_no_token", vf, NULL, EACCES, false);
	open_expect("vf.open_wrong_token", vf, t2, EACCES, false);
	open_expect("vf.open_malformed_token", vf, " vf_token=xyz", EINVAL, false);
	open_expect("vf.open_unknown_option", vf, " foo=bar", EINVAL, false);
	snprintf(s, sizeof(s), "%s%s", t1, t1);
	open_expect("vf.open_repeated_token", vf, s, EINVAL, false);
	open_expect("vf.open_longer_name_no_match", vf, "0", ENODEV, false);
	snprintf(s, sizeof(s), "   vf_token=%s  ", tok1);
	open_expect("vf.open_token_with_blanks", vf, s, 0, false);
	vfd = open_expect("vf.open_token", vf, t1, 0, true);
	if (vfd >= 0) {
		check_vf_no_intx(vfd);
		expect_err("vf.feature_token_enotty", feature_token(vfd, set, tok2, 16), ENOTTY);
		expect_err("vf.feature_probe_enotty",
			   feature_token(vfd, probe | set, NULL, 0), ENOTTY);

		/* A VF is open: the PF needs the current token. */
		open_expect("pf.open_no_token_vf_open", pf, NULL, EACCES, false);
		open_expect("pf.open_wrong_token_vf_open", pf, t2, EACCES, false);
		pfd2 = open_expect("pf.open_token_vf_open", pf, t1, 0, true);
		/* ... and the PF user may change it: new VF opens need it. */
		if (pfd2 >= 0) {
			expect_err("feature.set_while_vf_open",
				   feature_token(pfd2, set, tok2, 16), 0);
			open_expect("vf.open_old_token_after_set", vf, t1, EACCES, false);
			open_expect("vf.open_new_token_after_set", vf, t2, 0, false);
			close(pfd2);
		}
		close(vfd);
	}

	/* No VF open: the PF opens without one; a token given sets it. */
	open_expect("pf.open_no_token_after_vf_close", pf, NULL, 0, false);
	open_expect("pf.open_token_sets_it", pf, t1, 0, false);
	open_expect("vf.open_token_set_at_pf_open", vf, t1, 0, false);
	open_expect("vf.open_replaced_token", vf, t2, EACCES, false);

	/* The VF on the other stack's driver: no pairing, no crash. */
	if (vt_group_id(vf) != vt_group_id(pf))
		group_forget(vf);
	if (rebind(vf, other)) {
		result(true, "foreign.vf_rebound", NULL);
		open_expect("foreign.vf_open_token_einval", vf, t1, EINVAL, false);
		vfd = open_expect("foreign.vf_open_no_token", vf, NULL, 0, true);
		open_expect("foreign.pf_open_no_token_foreign_vf_open", pf, NULL, 0, false);
		if (vfd >= 0)
			close(vfd);
	} else {
		result(false, "foreign.vf_rebound", "%s not bound to %s", vf, other);
	}

	/*
	 * The token outlives the PF user: a closed PF still guards its VFs.
	 * (No VF is open across the PF's close: its last close resets it.)
	 */
	close(pfd);
	open_expect("vf2.open_no_token_pf_closed", vf2, NULL, EACCES, false);
	open_expect("vf2.open_wrong_token_pf_closed", vf2, t2, EACCES, false);
	/*
	 * Not opened again: the PF's last close reset it, VFs and all. The
	 * VFs' groups go first: on 5.10 removing a group's last device waits
	 * until its user detaches the group from the container.
	 */
	if (vt_group_id(vf) != vt_group_id(pf))
		group_forget(vf);
	if (vt_group_id(vf2) != vt_group_id(pf))
		group_forget(vf2);
	expect_err("numvfs_0", sysfs_write(pf, "sriov_numvfs", "0"), 0);
}

static void check_plain(const char *bdf)
{
	char t1[64];
	int fd;

	token_arg(t1, sizeof(t1), tok1);
	open_expect("plain.open_token_einval", bdf, t1, EINVAL, false);
	fd = open_expect("plain.open", bdf, NULL, 0, true);
	if (fd < 0)
		return;
	expect_err("plain.feature_token_enotty",
		   feature_token(fd, VFIO_DEVICE_FEATURE_SET, tok1, 16), ENOTTY);
	expect_err("plain.feature_probe_enotty",
		   feature_token(fd, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
				 NULL, 0), ENOTTY);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *mode;
	int opt, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:D")) != -1) {
		if (opt == 'n')
			label = optarg;
		else if (opt == 'D')
			pf_d3_allowed = true;
		else
			goto usage;
	}
	n = argc - optind;
	if (n < 2)
		goto usage;
	mode = argv[optind];
	if (!strcmp(mode, "numvfs") && n == 4)
		check_numvfs(argv[optind + 1], argv[optind + 2], argv[optind + 3]);
	else if (!strcmp(mode, "token") && n == 4)
		check_token(argv[optind + 1], argv[optind + 2], argv[optind + 3]);
	else if (!strcmp(mode, "plain") && n == 2)
		check_plain(argv[optind + 1]);
	else
		goto usage;
	printf("vfio_sriov_test: %d passed, %d failed\n", vt_npass, vt_nfail);
	return vt_nfail ? 1 : 0;
usage:
	fprintf(stderr, "usage: %s [-n LABEL] [-D] numvfs PF N ERR | token PF DRIVER OTHER | plain BDF\n",
		argv[0]);
	return 2;
}
