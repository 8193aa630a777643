// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_sec_test: named regression tests of the security properties in the
 * project's security reference (P<n> is item n there) that the other guest
 * programs do not already check, and the fault injections of the "faults"
 * guest test. Runs against whichever vfio-pci driver the device is bound to.
 *
 * usage: vfio_sec_test -d DRIVER [-o] [-s SEED] TEST ARGS...
 *   -d DRIVER  the driver the device is bound to (part of every check name)
 *   -o         the driver is ours: a failed check is a FAIL. Without -o (an
 *              in-tree driver) a failed check prints "INTREE-FAILS <name>"
 *              (reported, never failing the run).
 *   -s SEED    seed of the random delays (sigkill)
 * tests (edu = QEMU's 1234:11e8, e1000e = 8086:10d3):
 *   props BDF          edu: P5 P9 P17 P18 P19 P28 P36 P40
 *   msix BDF           e1000e: P20 P26
 *   viability BDF yes|no  P4: the group of BDF is (yes) usable, or (no)
 *                      refused: a sibling is bound to a kernel driver
 *   unplug BDF ID      P33: REQ registered, asks the host (run-guest) for
 *                      "device_del ID", REQ must fire, new opens refused,
 *                      close lets the removal finish
 *   rmmod BDF MODULE   P3: rmmod MODULE refused while the device is open
 *   sigkill BDF N      P3: N children SIGKILLed at random points of open/
 *                      use/close cycles; the device must reopen and work
 *   bindloop BDF N     P3: N unbind/bind cycles of DRIVER while a child
 *                      keeps opening the device
 *   race BDF N         P5: N rounds of two processes racing to open the
 *                      group, and to attach it to their own container
 * Every check prints "PASS P<n>-<name>.<driver>.<what>" (or FAIL/INTREE-FAILS);
 * fault tests print "# faults injected by TEST: N"; exit 0 unless a check failed.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "../uapi/vfio_test.h"

#define EDU_ID		0x00
#define EDU_ID_VALUE	0x010000edu

static const char *driver = "?";
static bool ours;
static unsigned int seed = 1;
static unsigned long faults;

static void check(bool ok, const char *prop, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void check(bool ok, const char *prop, const char *what, const char *fmt, ...)
{
	char name[160], detail[256] = "";
	va_list ap;

	snprintf(name, sizeof(name), "%s.%s.%s", prop, driver, what);
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	vt_result(ok, !ours, name, "%s", detail);
}

/*
 * A property the kernel's own vfio core provides, not the driver (no driver
 * can change it): a failure is the in-tree code's on this kernel, whichever
 * driver is bound, and is reported as INTREE-FAILS.
 */
static void check_core(bool ok, const char *prop, const char *what, const char *detail)
{
	char name[160];

	snprintf(name, sizeof(name), "%s.%s.%s", prop, driver, what);
	vt_result(ok, true, name, "%s (the kernel's vfio core)", detail);
}

static bool open_or_fail(struct vt_dev *d, const char *prop)
{
	char err[256];

	if (!vt_open(d, err, sizeof(err)))
		return true;
	check(false, prop, "open", "%s", err);
	return false;
}

static int set_irqs(int fd, uint32_t flags, uint32_t index, uint32_t start,
		    uint32_t count, const int32_t *fds)
{
	char buf[sizeof(struct vfio_irq_set) + 16 * sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	s->argsz = sizeof(*s) + (fds ? count * sizeof(int32_t) : 0);
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	if (fds)
		memcpy(s->data, fds, count * sizeof(int32_t));
	return ioctl(fd, VFIO_DEVICE_SET_IRQS, s) ? errno : 0;
}

static uint64_t drain(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, ms) == 1 && read(efd, &v, sizeof(v)) != sizeof(v))
		v = 0;
	return v;
}

static bool edu_id_ok(const struct vt_dev *d, uint32_t *id)
{
	*id = 0;
	return !vt_rw(d, VFIO_PCI_BAR0_REGION_INDEX, false, id, 4, EDU_ID) &&
	       *id == EDU_ID_VALUE;
}

static bool in_proc_modules(const char *mod)
{
	char line[256];
	size_t n = strlen(mod);
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, mod, n) && line[n] == ' ';
	fclose(f);
	return found;
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		e = errno;
	close(fd);
	return e;
}

/* ------------------------------------------------------------ P5 (edu) --- */

static void p5_group_open_count(const char *bdf)
{
	const char *P = "P5-device-fds";
	struct vt_dev d = { .bdf = bdf };
	uint32_t id;
	int fd2, fd3, e;
	char path[64];
	long grp;

	/* Before the group has a container, no device fd. */
	grp = vt_group_of(bdf, path, sizeof(path));
	snprintf(path, sizeof(path), "/dev/vfio/%ld", grp);
	d.group = open(path, O_RDWR);
	if (d.group < 0) {
		check(false, P, "group_open", "%s: %s", path, strerror(errno));
		return;
	}
	fd2 = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	e = errno;
	check(fd2 < 0, P, "no_device_fd_without_container", "got fd %d (errno %s)",
	      fd2, vt_errname(e));
	if (fd2 >= 0)
		close(fd2);
	close(d.group);

	if (!open_or_fail(&d, P))
		return;
	fd2 = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, "0000:ff:1f.7");
	check(fd2 < 0, P, "unknown_name_refused", "got fd %d", fd2);
	if (fd2 >= 0)
		close(fd2);
	/* The group path counts opens: a second fd, the first closed, still works. */
	fd2 = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	check(fd2 >= 0, P, "second_fd", "%s", strerror(errno));
	if (fd2 < 0)
		goto out;
	close(d.fd);
	d.fd = fd2;
	e = vt_command(&d, PCI_COMMAND_MEMORY, true);
	check(!e && edu_id_ok(&d, &id), P, "second_fd_works_after_first_closed",
	      "%s, id 0x%08x", vt_errname(e), id);
	close(d.fd);
	/* Every fd closed (last close ran): a new one opens the device again. */
	fd3 = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	d.fd = fd3;
	check(fd3 >= 0, P, "reopen_after_last_close", "%s", strerror(errno));
out:
	vt_close(&d);
}

/* ------------------------------------------------------------ P9 (edu) --- */

static void p9_bar_restore(const char *bdf)
{
	const char *P = "P9-bar-restore";
	struct vt_dev d = { .bdf = bdf };
	uint32_t bar0 = 0, zero = 0, now = 0, id;
	uint16_t pcmd = 0;
	int e;

	if (!open_or_fail(&d, P))
		return;
	e = vt_command(&d, PCI_COMMAND_MEMORY, true);
	e = e ? e : vt_sysfs_config(bdf, PCI_BASE_ADDRESS_0, &bar0, 4, false);
	check(!e && (bar0 & ~0xfu), P, "setup", "%s, physical BAR0 0x%08x",
	      vt_errname(e), bar0);
	if (e || !(bar0 & ~0xfu))
		goto out;
	/* A reset the driver did not see: decode off, BAR0 zero. */
	e = vt_sysfs_config(bdf, PCI_COMMAND, &pcmd, 2, false);
	pcmd &= ~PCI_COMMAND_MEMORY;
	e = e ? e : vt_sysfs_config(bdf, PCI_COMMAND, &pcmd, 2, true);
	e = e ? e : vt_sysfs_config(bdf, PCI_BASE_ADDRESS_0, &zero, 4, true);
	check(!e, P, "backdoor_reset", "%s", vt_errname(e));
	/* The user turns memory on again: the driver puts the BAR back first. */
	e = vt_command(&d, PCI_COMMAND_MEMORY, true);
	vt_sysfs_config(bdf, PCI_BASE_ADDRESS_0, &now, 4, false);
	check(!e && now == bar0, P, "restored_on_memory_enable",
	      "%s, physical BAR0 0x%08x, was 0x%08x", vt_errname(e), now, bar0);
	check(edu_id_ok(&d, &id), P, "device_answers", "id 0x%08x", id);
	if (now != bar0) {	/* leave the guest as it was */
		vt_sysfs_config(bdf, PCI_BASE_ADDRESS_0, &bar0, 4, true);
	}
out:
	vt_close(&d);
}

/* ----------------------------------------------------------- P17 (edu) --- */

static void p17_fork(const char *bdf)
{
	const char *P = "P17-mmio-fork-CVE-2020-12888";
	struct vt_dev d = { .bdf = bdf };
	volatile uint32_t *map;
	int go[2], st = 0, e;
	uint32_t v = 0;
	pid_t pid;
	char c = 0;

	if (!open_or_fail(&d, P))
		return;
	e = vt_command(&d, PCI_COMMAND_MEMORY, true);
	map = mmap(NULL, d.reg[0].size, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd,
		   (off_t)d.reg[0].offset);
	if (e || map == MAP_FAILED) {
		check(false, P, "mmap", "%s / %s", vt_errname(e), strerror(errno));
		goto out;
	}
	/* Fault the page in first: fork copies the live PFN mapping. */
	check(vt_load32(map, &v) && v == EDU_ID_VALUE, P, "parent_reads", "0x%08x", v);
	if (pipe(go)) {
		check(false, P, "pipe", "%s", strerror(errno));
		goto unmap;
	}
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		/* Memory decode is off now: the inherited mapping must fault. */
		_exit(vt_load32(map, &v) ? 1 : 0);
	}
	close(go[0]);
	e = vt_command(&d, PCI_COMMAND_MEMORY, false);
	if (write(go[1], &c, 1) != 1)
		e = errno;
	close(go[1]);
	waitpid(pid, &st, 0);
	check(!e && WIFEXITED(st) && WEXITSTATUS(st) == 0, P, "child_sigbus_after_memory_off",
	      "%s, child status 0x%x (1: the child still read the BAR)", vt_errname(e), st);
	check(!vt_load32(map, &v), P, "parent_sigbus_after_memory_off", "read 0x%08x", v);
	e = vt_command(&d, PCI_COMMAND_MEMORY, true);
	check(!e && vt_load32(map, &v) && v == EDU_ID_VALUE, P, "memory_on_again",
	      "%s, 0x%08x", vt_errname(e), v);
unmap:
	munmap((void *)map, d.reg[0].size);
out:
	vt_close(&d);
}

/* ----------------------------------------------------------- P18 (edu) --- */

static void p18_mmap(const char *bdf)
{
	const char *P = "P18-mmap-constraints";
	struct vt_dev d = { .bdf = bdf };
	const struct vfio_region_info *b = &d.reg[0];
	void *p, *q;
	int e;

	if (!open_or_fail(&d, P))
		return;
#define MAP_REFUSED(what, len, prot, flags, off)				\
	do {									\
		p = mmap(NULL, len, prot, flags, d.fd, (off_t)(off));		\
		e = errno;							\
		check(p == MAP_FAILED, P, what, "mapped (want a refusal)");	\
		if (p != MAP_FAILED)						\
			munmap(p, len);						\
		else								\
			vt_note("%s.%s: %s", P, what, vt_errname(e));		\
	} while (0)
	MAP_REFUSED("map_private", 4096, PROT_READ, MAP_PRIVATE, b->offset);
	MAP_REFUSED("offset_past_bar", 4096, PROT_READ, MAP_SHARED, b->offset + b->size);
	MAP_REFUSED("length_past_bar", b->size + 4096, PROT_READ, MAP_SHARED, b->offset);
	MAP_REFUSED("config_region", 4096, PROT_READ, MAP_SHARED,
		    d.reg[VFIO_PCI_CONFIG_REGION_INDEX].offset);
	MAP_REFUSED("rom_region", 4096, PROT_READ, MAP_SHARED,
		    d.reg[VFIO_PCI_ROM_REGION_INDEX].offset);
	MAP_REFUSED("region_index_past_last", 4096, PROT_READ, MAP_SHARED,
		    (uint64_t)(VFIO_PCI_NUM_REGIONS + 3) << 40);
#undef MAP_REFUSED
	/* A BAR mapping cannot grow past what was mapped (VM_DONTEXPAND). */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, d.fd, (off_t)b->offset);
	check(p != MAP_FAILED, P, "map_one_page", "%s", strerror(errno));
	if (p != MAP_FAILED) {
		q = mremap(p, 4096, 8192, MREMAP_MAYMOVE);
		check(q == MAP_FAILED, P, "mremap_grow_refused", "grew to %p", q);
		munmap(q == MAP_FAILED ? p : q, q == MAP_FAILED ? 4096 : 8192);
	}
	vt_close(&d);
}

/* ----------------------------------------------------------- P19 (edu) --- */

static void p19_bounds(const char *bdf)
{
	const char *P = "P19-rw-bounds-CVE-2025-21687";
	struct vt_dev d = { .bdf = bdf };
	const struct vfio_region_info *b = &d.reg[0], *c;
	uint8_t buf[8];
	ssize_t n;
	unsigned int i;
	bool ok = true;
	int e;

	if (!open_or_fail(&d, P))
		return;
	c = &d.reg[VFIO_PCI_CONFIG_REGION_INDEX];
	vt_command(&d, PCI_COMMAND_MEMORY, true);
	n = pread(d.fd, buf, 4, (off_t)(b->offset + b->size));
	e = errno;
	check(n < 0, P, "bar_at_end", "read %zd (want an error)", n);
	n = pread(d.fd, buf, 8, (off_t)(b->offset + b->size - 4));
	check(n == 4, P, "bar_count_clipped", "read %zd of 8 at size-4 (want 4)", n);
	n = pwrite(d.fd, buf, 4, (off_t)(b->offset + (1ull << 40) - 4));
	check(n < 0, P, "bar_at_offset_2p40_minus_4", "wrote %zd", n);
	n = pread(d.fd, buf, 0, (off_t)b->offset);
	check(n == 0, P, "zero_count", "read %zd", n);
	n = pread(d.fd, buf, 4, (off_t)(c->offset + c->size));
	e = errno;
	check(n < 0, P, "config_at_end", "read %zd", n);
	n = pread(d.fd, buf, 4, (off_t)(c->offset + c->size - 2));
	check(n < 0 || n == 2, P, "config_across_end", "read %zd", n);
	n = pwrite(d.fd, buf, 4, (off_t)(c->offset + c->size));
	check(n < 0, P, "config_write_at_end", "wrote %zd", n);
	if (!d.reg[VFIO_PCI_ROM_REGION_INDEX].size) {
		n = pread(d.fd, buf, 4, (off_t)d.reg[VFIO_PCI_ROM_REGION_INDEX].offset);
		check(n < 0, P, "absent_rom", "read %zd", n);
	}
	for (i = d.info.num_regions; i < 64; i++) {
		n = pread(d.fd, buf, 4, (off_t)((uint64_t)i << 40));
		e = errno;
		if (n >= 0 || e != EINVAL) {
			ok = false;
			check(false, P, "region_index_past_last", "index %u: %zd (%s)", i, n,
			      vt_errname(e));
			break;
		}
	}
	if (ok)
		check(true, P, "region_index_past_last", NULL);
	vt_close(&d);
}

/* ----------------------------------------------------------- P28 (edu) --- */

static void p28_close(const char *bdf)
{
	const char *P = "P28-close-sanitize";
	struct vt_dev d = { .bdf = bdf };
	uint16_t cmd = 0, pcmd = 0;
	int efd = eventfd(0, EFD_CLOEXEC), e;
	int32_t fds[1] = { efd };

	if (!open_or_fail(&d, P))
		return;
	e = vt_command(&d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, true);
	e = e ? e : set_irqs(d.fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			     VFIO_PCI_MSI_IRQ_INDEX, 0, 1, fds);
	vt_sysfs_config(bdf, PCI_COMMAND, &pcmd, 2, false);
	check(!e && (pcmd & PCI_COMMAND_MASTER), P, "master_and_msi_on",
	      "%s, physical command 0x%04x", vt_errname(e), pcmd);
	vt_close(&d);	/* with MSI still enabled */
	vt_sysfs_config(bdf, PCI_COMMAND, &pcmd, 2, false);
	check(!(pcmd & PCI_COMMAND_MASTER), P, "master_off_after_close",
	      "physical command 0x%04x", pcmd);
	if (!open_or_fail(&d, P))
		goto out;
	e = vt_cfg_read(&d, PCI_COMMAND, &cmd, 2);
	check(!e && !(cmd & PCI_COMMAND_MASTER), P, "master_off_after_reopen",
	      "%s, command 0x%04x", vt_errname(e), cmd);
	vt_close(&d);
out:
	close(efd);
}

/* ----------------------------------------------------------- P36 (edu) --- */

static int ioevfd(const struct vt_dev *d, uint64_t off, uint64_t data, int fd)
{
	struct vfio_device_ioeventfd ev = {
		.argsz = sizeof(ev), .flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = d->reg[0].offset + off, .data = data, .fd = fd,
	};

	return ioctl(d->fd, VFIO_DEVICE_IOEVENTFD, &ev) ? errno : 0;
}

static void p36_ioeventfd(const char *bdf)
{
	const char *P = "P36-ioeventfd-limits";
	struct vt_dev d = { .bdf = bdf };
	int efd = eventfd(0, EFD_CLOEXEC), e = 0, i, round;

	for (round = 0; round < 2; round++) {
		if (!open_or_fail(&d, P))
			break;
		/* 1000 per device (one eventfd may serve many). */
		for (i = 0; i < 1000 && !e; i++)
			e = ioevfd(&d, 0x1000 + 4 * (uint64_t)i, (uint64_t)i, efd);
		check(!e, P, round ? "thousand_again_after_close" : "thousand_accepted",
		      "entry %d: %s", i - 1, vt_errname(e));
		if (!round) {
			e = ioevfd(&d, 0x1000 + 4 * 1000, 1000, efd);
			check(e == ENOSPC, P, "entry_1001_enospc", "got %s", vt_errname(e));
			e = ioevfd(&d, 0x1000, 0, -1);
			check(!e, P, "remove_one", "%s", vt_errname(e));
			e = ioevfd(&d, 0x1000 + 4 * 1000, 1000, efd);
			check(!e, P, "room_after_remove", "%s", vt_errname(e));
			e = ioevfd(&d, 0x1000 + 4 * 1000, 1000, efd);
			check(e == EEXIST, P, "duplicate_eexist", "%s", vt_errname(e));
			e = 0;
		}
		vt_close(&d);	/* frees them all */
	}
	close(efd);
}

/* ----------------------------------------------------------- P40 (edu) --- */

#define GUARD 64

/*
 * Call an info ioctl with a buffer of @argsz bytes (+ GUARD) prefilled with
 * 0xA5. Nothing past argsz may be written; returns 0 or the errno.
 */
static int info_call(int fd, unsigned long req, void *head, size_t headlen, uint32_t argsz,
		     uint8_t *buf, bool *guard_ok)
{
	int r, i;

	memset(buf, 0xa5, argsz + GUARD);
	memcpy(buf, head, headlen < argsz ? headlen : argsz);
	memcpy(buf, &argsz, 4);
	r = ioctl(fd, req, buf) ? errno : 0;
	*guard_ok = true;
	for (i = 0; i < GUARD; i++)
		if (buf[argsz + i] != 0xa5)
			*guard_ok = false;
	return r;
}

static void p40_info(const char *bdf)
{
	const char *P = "P40-info-no-leak";
	struct vt_dev d = { .bdf = bdf };
	static uint8_t buf[8192 + GUARD];
	bool guard, ok = true;
	char what[96];
	unsigned int i, s;
	int e;

	if (!open_or_fail(&d, P))
		return;
	for (s = 0; s < 3; s++) {
		struct vfio_device_info di = { 0 };
		uint32_t sizes[3] = { offsetof(struct vfio_device_info, num_irqs) + 4,
				      sizeof(di), sizeof(di) + 4096 };

		e = info_call(d.fd, VFIO_DEVICE_GET_INFO, &di, sizeof(di), sizes[s], buf, &guard);
		memcpy(&di, buf, sizes[s] < sizeof(di) ? sizes[s] : sizeof(di));
		if (e || !guard || (sizes[s] >= sizeof(di) &&
				    !(di.flags & VFIO_DEVICE_FLAGS_CAPS) && di.cap_offset)) {
			snprintf(what, sizeof(what), "device_info argsz %u: %s, guard %s, cap_offset 0x%x",
				 sizes[s], vt_errname(e), guard ? "ok" : "WRITTEN", di.cap_offset);
			check(false, P, "device_info", "%s", what);
			ok = false;
		}
	}
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		for (s = 0; s < 2; s++) {
			struct vfio_region_info ri = { .index = i };
			uint32_t argsz = s ? sizeof(ri) + 4096 : sizeof(ri);

			e = info_call(d.fd, VFIO_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), argsz,
				      buf, &guard);
			memcpy(&ri, buf, sizeof(ri));
			if (e == EINVAL && i == VFIO_PCI_VGA_REGION_INDEX)
				continue;
			if (e || !guard ||
			    (!(ri.flags & VFIO_REGION_INFO_FLAG_CAPS) && ri.cap_offset) ||
			    (ri.cap_offset && (ri.cap_offset < sizeof(ri) || ri.cap_offset >= argsz))) {
				check(false, P, "region_info", "index %u argsz %u: %s, guard %s, cap_offset 0x%x",
				      i, argsz, vt_errname(e), guard ? "ok" : "WRITTEN", ri.cap_offset);
				ok = false;
			}
		}
	}
	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		struct vfio_irq_info ii = { .index = i };

		e = info_call(d.fd, VFIO_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), sizeof(ii), buf, &guard);
		/* (the error interrupt: some kernels refuse it on conventional PCI) */
		if ((e && !(e == EINVAL && i == VFIO_PCI_ERR_IRQ_INDEX)) || !guard) {
			check(false, P, "irq_info", "index %u: %s, guard %s", i, vt_errname(e),
			      guard ? "ok" : "WRITTEN");
			ok = false;
		}
	}
	/* Index past the last one, and a huge one: refused, nothing written. */
	{
		struct vfio_region_info ri = { .index = 0x80000000u };
		struct vfio_irq_info ii = { .index = VFIO_PCI_NUM_IRQS + 7 };

		e = info_call(d.fd, VFIO_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), sizeof(ri), buf, &guard);
		check(e == EINVAL && guard, P, "region_index_huge", "%s", vt_errname(e));
		e = info_call(d.fd, VFIO_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), sizeof(ii), buf, &guard);
		check(e == EINVAL && guard, P, "irq_index_past_last", "%s", vt_errname(e));
	}
	if (ok)
		check(true, P, "guards_untouched_no_stray_caps", NULL);
	vt_close(&d);
}

/* ------------------------------------------------------ P20 P26 (e1000e) --- */

static void p20_p26_msix(const char *bdf)
{
	const char *P20 = "P20-msix-table", *P26 = "P26-msix-vector-setup";
	struct vt_dev d = { .bdf = bdf };
	uint8_t pos = 0, id = 0;
	uint32_t tbl = 0, junk = 0x12345678, v = 0, before = 0, after = 0;
	unsigned int bir, guard = 0, i;
	uint64_t toff, n0, n1;
	volatile uint32_t *map = MAP_FAILED;
	int efd, e, bad = 0;
	int32_t fds[2];

	if (!open_or_fail(&d, P20))
		return;
	/* The MSI-X capability: where the table lives. */
	vt_cfg_read(&d, PCI_CAPABILITY_LIST, &pos, 1);
	while (pos && guard++ < 48) {
		vt_cfg_read(&d, pos, &id, 1);
		if (id == PCI_CAP_ID_MSIX)
			break;
		vt_cfg_read(&d, pos + 1, &pos, 1);
	}
	if (id != PCI_CAP_ID_MSIX || vt_cfg_read(&d, pos + PCI_MSIX_TABLE, &tbl, 4)) {
		check(false, P20, "find_table", "no MSI-X capability");
		goto out;
	}
	bir = tbl & PCI_MSIX_TABLE_BIR;
	toff = tbl & PCI_MSIX_TABLE_OFFSET;
	vt_command(&d, PCI_COMMAND_MEMORY, true);
	if (d.reg[bir].flags & VFIO_REGION_INFO_FLAG_MMAP)
		map = mmap(NULL, d.reg[bir].size, PROT_READ, MAP_SHARED, d.fd,
			   (off_t)d.reg[bir].offset);
	if (map != MAP_FAILED)
		vt_load32(map + (toff + PCI_MSIX_ENTRY_DATA) / 4, &before);
	/* write(2) over the table is dropped, read(2) of it gives all ones. */
	e = vt_rw(&d, bir, true, &junk, 4, toff + PCI_MSIX_ENTRY_DATA);
	vt_note("%s: write over the table: %s", P20, vt_errname(e));
	e = vt_rw(&d, bir, false, &v, 4, toff + PCI_MSIX_ENTRY_DATA);
	check(!e && v == 0xffffffffu, P20, "table_reads_all_ones", "%s, 0x%08x",
	      vt_errname(e), v);
	if (map != MAP_FAILED) {
		vt_load32(map + (toff + PCI_MSIX_ENTRY_DATA) / 4, &after);
		check(after == before && after != junk, P20, "table_unchanged_by_write",
		      "entry 0 data 0x%08x, was 0x%08x", after, before);
		munmap((void *)map, d.reg[bir].size);
	} else {
		vt_note("%s: BAR%u not mappable, physical table not checked", P20, bir);
	}
	{
		struct vfio_device_ioeventfd ev = {
			.argsz = sizeof(ev), .flags = VFIO_DEVICE_IOEVENTFD_32,
			.offset = d.reg[bir].offset + toff, .fd = -1,
		};

		efd = eventfd(0, EFD_CLOEXEC);
		ev.fd = efd;
		e = ioctl(d.fd, VFIO_DEVICE_IOEVENTFD, &ev) ? errno : 0;
		check(e == EINVAL, P20, "ioeventfd_on_table_einval", "%s", vt_errname(e));
	}
	/* P26: one eventfd for two vectors, enabled and torn down again and again. */
	fds[0] = fds[1] = efd;
	for (i = 0; i < 30 && !bad; i++) {
		e = set_irqs(d.fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			     VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, fds);
		if (e) {
			check(false, P26, "same_eventfd_two_vectors", "round %u: %s", i, vt_errname(e));
			bad = 1;
			break;
		}
		drain(efd, 0);
		set_irqs(d.fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			 VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, NULL);
		n0 = drain(efd, 1000);
		set_irqs(d.fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			 VFIO_PCI_MSIX_IRQ_INDEX, 1, 1, NULL);
		n1 = drain(efd, 1000);
		if (n0 != 1 || n1 != 1) {
			check(false, P26, "both_vectors_signal", "round %u: %llu, %llu", i,
			      (unsigned long long)n0, (unsigned long long)n1);
			bad = 1;
		}
		e = set_irqs(d.fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			     VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
		if (e) {
			check(false, P26, "disable", "round %u: %s", i, vt_errname(e));
			bad = 1;
		}
	}
	if (!bad)
		check(true, P26, "same_eventfd_two_vectors_30_rounds", NULL);
	close(efd);
out:
	vt_close(&d);
}

/* -------------------------------------------------------- P33: unplug --- */

/* True once @bdf is gone from sysfs, waiting up to @ms. */
static bool gone(const char *bdf, int ms)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.32s", bdf);
	for (; ms > 0; ms -= 100) {
		if (access(path, F_OK))
			return true;
		usleep(100000);
	}
	return access(path, F_OK) != 0;
}

static void p33_unplug(const char *bdf, const char *id)
{
	const char *P = "P33-unplug-request";
	struct vt_dev d = { .bdf = bdf };
	int efd = eventfd(0, EFD_CLOEXEC), fd2, e;
	int32_t fds[1] = { efd };
	uint64_t n;
	uint32_t v = 0;

	if (!open_or_fail(&d, P))
		return;
	e = set_irqs(d.fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		     VFIO_PCI_REQ_IRQ_INDEX, 0, 1, fds);
	check(!e, P, "req_registered", "%s", vt_errname(e));
	/* run-guest sends "device_del ID" to QEMU's monitor. */
	printf("HARNESS device_del %s\n", id);
	fflush(stdout);
	faults++;
	n = drain(efd, 30000);
	check(n >= 1, P, "req_fires", "no request within 30 s");
	/* vfio core: 6.2+ refuses new opens once unregistration began; 6.1 not. */
	fd2 = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	check_core(fd2 < 0, P, "new_open_refused", "a new device fd while the device goes");
	if (fd2 >= 0)
		close(fd2);
	check(!gone(bdf, 500), P, "removal_waits_for_user", "device gone with the fd open");
	e = vt_cfg_read(&d, 0, &v, 4);
	vt_note("%s.%s: config read while the removal waits: %s", P, driver, vt_errname(e));
	close(d.fd);
	d.fd = -1;
	if (gone(bdf, 3000)) {
		fd2 = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, bdf);
		check(fd2 < 0, P, "group_has_no_device_after", "got fd %d", fd2);
		if (fd2 >= 0)
			close(fd2);
	} else {
		/* 5.10's vfio core also waits for the group to leave its container. */
		vt_note("%s.%s: the removal waits for the group fd too", P, driver);
	}
	vt_close(&d);
	check(gone(bdf, 30000), P, "removal_completes_after_close", "%s still present 30 s after the user closed everything",
	      bdf);
	close(efd);
}

/* --------------------------------------------------- P3: module and kill --- */

static void p3_rmmod(const char *bdf, const char *mod)
{
	const char *P = "P3-open-pins-module";
	struct vt_dev d = { .bdf = bdf };
	int st = -1, ms;
	pid_t pid, w = 0;

	if (!open_or_fail(&d, P))
		return;
	faults++;
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execlp("rmmod", "rmmod", mod, (char *)NULL);
		_exit(127);
	}
	for (ms = 0; ms < 10000; ms += 50) {
		w = waitpid(pid, &st, WNOHANG);
		if (w)
			break;
		usleep(50000);
	}
	check(w == pid && WIFEXITED(st) && WEXITSTATUS(st) != 0 && in_proc_modules(mod), P,
	      "rmmod_refused_while_open", "rmmod %s: %s, status 0x%x, %s", mod,
	      w == pid ? "returned" : "still running after 10 s", st,
	      in_proc_modules(mod) ? "still loaded" : "UNLOADED");
	vt_close(&d);
	if (w != pid)
		waitpid(pid, &st, 0);
}

/* One child's life: open, use, close, again, until killed. */
static void churn(const char *bdf)
{
	struct vt_dev d = { .bdf = bdf };
	char err[256];
	uint32_t v;
	int efd = eventfd(0, EFD_CLOEXEC);
	int32_t fds[1] = { efd };
	void *p;

	for (;;) {
		if (vt_open(&d, err, sizeof(err))) {
			usleep(1000);
			continue;
		}
		vt_command(&d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, true);
		set_irqs(d.fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			 VFIO_PCI_MSI_IRQ_INDEX, 0, 1, fds);
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, d.fd, (off_t)d.reg[0].offset);
		if (p != MAP_FAILED)
			vt_load32(p, &v);
		ioevfd(&d, 0x20, 1, efd);
		vt_rw(&d, 0, false, &v, 4, EDU_ID);
		vt_command(&d, PCI_COMMAND_MEMORY, false);
		set_irqs(d.fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			 VFIO_PCI_REQ_IRQ_INDEX, 0, 1, fds);
		if (p != MAP_FAILED && rand() % 2)
			munmap(p, 4096);
		vt_close(&d);
	}
}

static void p3_sigkill(const char *bdf, int rounds)
{
	const char *P = "P3-sigkill-user";
	struct vt_dev d = { .bdf = bdf };
	int i, st, bad = 0;
	uint32_t id = 0;
	pid_t pid;

	srand(seed);
	for (i = 0; i < rounds && !bad; i++) {
		unsigned int delay = 2000 + (unsigned int)rand() % 150000;

		pid = fork();
		if (pid == 0)
			churn(bdf);
		usleep(delay);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		faults++;
		if (!open_or_fail(&d, P)) {
			bad = 1;
			break;
		}
		if (vt_command(&d, PCI_COMMAND_MEMORY, true) || !edu_id_ok(&d, &id)) {
			check(false, P, "device_works_after_kill", "round %d (killed after %u us): id 0x%08x",
			      i, delay, id);
			bad = 1;
		}
		vt_close(&d);
	}
	if (!bad)
		check(true, P, "device_works_after_each_kill", NULL);
	vt_note("%s.%s: %d kills, seed %u", P, driver, i, seed);
}

static void p3_bindloop(const char *bdf, int rounds)
{
	const char *P = "P3-bind-unbind-vs-open";
	char path[160], err[256];
	int i, st, e = 0, stop[2];
	uint32_t id = 0;
	pid_t pid;
	struct vt_dev d = { .bdf = bdf };

	if (pipe(stop)) {
		check(false, P, "pipe", "%s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct pollfd p = { .fd = stop[0], .events = POLLIN };
		unsigned long opened = 0, tries = 0;

		close(stop[1]);
		while (poll(&p, 1, 0) == 0) {
			tries++;
			if (!vt_open(&d, err, sizeof(err))) {
				opened++;
				vt_close(&d);
			}
		}
		printf("# %s.%s: opener: %lu opens of %lu tries\n", P, driver, opened, tries);
		_exit(opened ? 0 : 1);
	}
	close(stop[0]);
	for (i = 0; i < rounds && !e; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind", driver);
		e = sysfs_write(path, bdf);
		faults++;
		usleep(20000);
		e = e ? e : sysfs_write("/sys/bus/pci/drivers_probe", bdf);
		usleep(20000);
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/%s", driver, bdf);
		if (!e && access(path, F_OK))
			e = ENODEV;
	}
	close(stop[1]);
	waitpid(pid, &st, 0);
	check(!e, P, "cycles", "cycle %d: %s", i, vt_errname(e));
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, P, "opener_got_in", "status 0x%x", st);
	if (open_or_fail(&d, P)) {
		e = vt_command(&d, PCI_COMMAND_MEMORY, true);
		check(!e && edu_id_ok(&d, &id), P, "device_works_after", "id 0x%08x", id);
		vt_close(&d);
	}
}

/* -------------------------------------------------------- P5: group race --- */

static void p5_race(const char *bdf, int rounds)
{
	const char *P = "P5-device-fds";
	char path[64], err[128];
	int i, k, go[2], done[2], res[2], st, one_open = 0, one_attach = 0;
	long grp = vt_group_of(bdf, err, sizeof(err));
	pid_t pid[2];

	snprintf(path, sizeof(path), "/dev/vfio/%ld", grp);
	for (i = 0; i < rounds; i++) {
		/* Round i even: both open the group. Odd: both attach a shared one. */
		int shared = -1;

		if (i & 1)
			shared = open(path, O_RDWR);
		if (pipe(go) || pipe(done))
			break;
		for (k = 0; k < 2; k++) {
			pid[k] = fork();
			if (pid[k] == 0) {
				char c;
				int fd, r, container;

				close(go[1]);
				close(done[1]);
				container = open("/dev/vfio/vfio", O_RDWR);
				if (read(go[0], &c, 1) < 0)
					_exit(9);
				if (shared < 0) {
					fd = open(path, O_RDWR);
					r = fd >= 0 ? 0 : errno == EBUSY ? 1 : 2;
				} else {
					r = ioctl(shared, VFIO_GROUP_SET_CONTAINER, &container) ?
						(errno == EINVAL || errno == EBUSY ? 1 : 2) : 0;
				}
				/* Hold what was won until both have tried. */
				if (read(done[0], &c, 1) < 0)
					_exit(9);
				_exit(r);
			}
		}
		close(go[0]);
		close(done[0]);
		faults++;
		close(go[1]);	/* both go */
		usleep(100000);
		close(done[1]);
		for (k = 0; k < 2; k++) {
			waitpid(pid[k], &st, 0);
			res[k] = WIFEXITED(st) ? WEXITSTATUS(st) : 9;
		}
		if (shared >= 0)
			close(shared);
		if (!((res[0] == 0 && res[1] == 1) || (res[0] == 1 && res[1] == 0))) {
			check(false, P, shared < 0 ? "group_open_race_one_wins" :
			      "set_container_race_one_wins", "round %d: results %d, %d (0 won, 1 refused)",
			      i, res[0], res[1]);
			return;
		}
		if (shared < 0)
			one_open++;
		else
			one_attach++;
	}
	check(one_open > 0, P, "group_open_race_one_wins", "%d rounds", one_open);
	check(one_attach > 0, P, "set_container_race_one_wins", "%d rounds", one_attach);
}

/* ------------------------------------------------- P4: group viability --- */

/*
 * @bdf shares its group with a sibling: bound to a kernel (DMA API) driver
 * (@viable false), the group must be refused; with the sibling unbound
 * (@viable true), usable.
 */
static void p4_viability(const char *bdf, bool viable)
{
	const char *P = "P4-group-viability";
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vt_dev d = { .bdf = bdf };
	char path[64], err[256];
	int group, container, fd, e;
	long grp;

	if (viable) {
		e = vt_open(&d, err, sizeof(err));
		check(!e, P, "usable_with_sibling_unbound", "%s", err);
		vt_close(&d);
		return;
	}
	grp = vt_group_of(bdf, err, sizeof(err));
	snprintf(path, sizeof(path), "/dev/vfio/%ld", grp);
	group = open(path, O_RDWR);
	if (group < 0) {
		/* (refusing the open is a refusal too) */
		check(errno != ENOENT, P, "group_refused_with_kernel_driver_sibling", "%s: %s", path,
		      strerror(errno));
		return;
	}
	e = ioctl(group, VFIO_GROUP_GET_STATUS, &st) ? errno : 0;
	check(!e && !(st.flags & VFIO_GROUP_FLAGS_VIABLE), P, "not_viable_with_kernel_driver_sibling",
	      "%s, flags 0x%x", vt_errname(e), st.flags);
	container = open("/dev/vfio/vfio", O_RDWR);
	/* 5.10's vfio core attaches it, and refuses only the device fd. */
	e = ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ? errno : 0;
	check_core(e != 0, P, "set_container_refused", "a non-viable group attached to a container");
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	check(fd < 0, P, "no_device_fd", "got fd %d", fd);
	if (fd >= 0)
		close(fd);
	close(container);
	close(group);
}

/* ------------------------------------------------------------------ main --- */

int main(int argc, char **argv)
{
	const char *test, *bdf;
	int opt;

	while ((opt = getopt(argc, argv, "d:os:")) != -1) {
		switch (opt) {
		case 'd': driver = optarg; break;
		case 'o': ours = true; break;
		case 's': seed = (unsigned int)strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	test = argv[optind];
	bdf = argv[optind + 1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(test, "props")) {
		p5_group_open_count(bdf);
		p9_bar_restore(bdf);
		p17_fork(bdf);
		p18_mmap(bdf);
		p19_bounds(bdf);
		p28_close(bdf);
		p36_ioeventfd(bdf);
		p40_info(bdf);
	} else if (!strcmp(test, "viability") && argc - optind >= 3) {
		p4_viability(bdf, !strcmp(argv[optind + 2], "yes"));
	} else if (!strcmp(test, "msix")) {
		p20_p26_msix(bdf);
	} else if (!strcmp(test, "unplug") && argc - optind >= 3) {
		p33_unplug(bdf, argv[optind + 2]);
	} else if (!strcmp(test, "rmmod") && argc - optind >= 3) {
		p3_rmmod(bdf, argv[optind + 2]);
	} else if (!strcmp(test, "sigkill") && argc - optind >= 3) {
		p3_sigkill(bdf, atoi(argv[optind + 2]));
	} else if (!strcmp(test, "bindloop") && argc - optind >= 3) {
		p3_bindloop(bdf, atoi(argv[optind + 2]));
	} else if (!strcmp(test, "race") && argc - optind >= 3) {
		p5_race(bdf, atoi(argv[optind + 2]));
	} else {
		goto usage;
	}
	if (faults)
		printf("# faults injected by %s: %lu\n", test, faults);
	printf("vfio_sec_test %s %s: %d passed, %d failed\n", test, driver, vt_npass, vt_nfail);
	return vt_nfail ? 1 : 0;
usage:
	fprintf(stderr, "usage: vfio_sec_test -d DRIVER [-o] [-s SEED] "
		"props|msix|viability|unplug|rmmod|sigkill|bindloop|race BDF [ARG]\n");
	return 2;
}
