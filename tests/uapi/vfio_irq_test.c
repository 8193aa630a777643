// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_irq_test: interrupt checks of one QEMU edu (1234:11e8) or e1000e
 * (8086:10d3) device through the VFIO uAPI, for whichever vfio-pci driver it
 * is bound to: INTx, MSI and SET_IRQS validation on edu, MSI-X and the error
 * interrupt on e1000e, the request interrupt on both. The same program runs
 * against the in-tree vfio-pci and vfio-pci-dkms so their answers can be
 * compared line by line.
 *
 * edu: BAR0+0x24 reads the interrupt status, a write to +0x60 ORs the value
 * into it and raises the interrupt (MSI when the device's MSI is enabled,
 * else INTx, level, until acknowledged), a write to +0x64 clears bits.
 * e1000e: its "other" cause, routed to any MSI-X vector through IVAR, is
 * raised by setting the link-status-change bit in ICS.
 *
 * Each check prints "PASS <label>.<name>" or "FAIL <label>.<name>: <why>";
 * the program ends with "vfio_irq_test: N passed, N failed" and exits 0 only
 * when nothing failed. The last check unbinds the device from its driver
 * (it tests the request interrupt), so run it last on a device.
 *
 * usage: vfio_irq_test [-n LABEL] [-o] [-R] BDF
 *   -n LABEL   prefix of the check names (default "irq")
 *   -o         the driver is ours (vfio-pci-dkms): where in-tree kernels
 *              disagree, require current upstream's answer
 *   -R         skip the request-interrupt check (and the unbind)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_test.h"

#define EDU_ID		0x00
#define EDU_ID_VALUE	0x010000edu
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64

/* e1000e (8086:10d3): enough of its interrupt logic to raise MSI-X vectors. */
#define E1000_ICR	0xc0	/* cause read; write 1s to clear */
#define E1000_ICS	0xc8	/* cause set */
#define E1000_IMS	0xd0	/* mask set (enable) */
#define E1000_IMC	0xd8	/* mask clear */
#define E1000_IVAR	0xe4	/* cause to MSI-X vector routing */
#define E1000_ICR_LSC	(1u << 2)
#define E1000_ICR_OTHER	(1u << 24)
#define E1000_IVAR_OTHER(vec)	((0x8u | (vec)) << 16)
#define E1000E_VECTORS	5

#define WAIT_YES_MS	3000	/* an interrupt that must come */
#define WAIT_NO_MS	300	/* how long one that must not come may take */

static const char *label = "irq";
static bool ours;		/* -o: the driver under test is vfio-pci-dkms */

static const char *bdf;
static int container = -1, group = -1, device = -1;
static uint64_t cfg_off, bar0_off;
static int msi_cap;

/* ------------------------------------------------------------ reporting --- */

/* Every check is named "<label>.<check>". */
#define result(ok, name, ...) vt_check(label, ok, name, __VA_ARGS__)

/* An operation's errno must be exactly @want. */
static void expect_err(const char *name, int got, int want)
{
	result(got == want, name, "got %s, want %s", vt_errname(got), vt_errname(want));
}

/*
 * Where in-tree kernels disagree with each other or with us (listed in
 * docs/differences.md): ours must give @want; an in-tree driver may also
 * give @intree, which is noted.
 */
static void expect_err_or_intree(const char *name, int got, int want, int intree)
{
	if (!ours && got == intree && got != want) {
		vt_note("in-tree difference: %s gives %s, vfio-pci-dkms %s", name,
			vt_errname(got), vt_errname(want));
		result(true, name, NULL);
		return;
	}
	expect_err(name, got, want);
}

/* ------------------------------------------------------------- device --- */

static int open_device(char *err, size_t len)
{
	if (vt_open_group(bdf, &group, &container, err, len))
		return -1;
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0) {
		snprintf(err, len, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int region_offset(unsigned int index, uint64_t *off)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return errno;
	*off = ri.offset;
	return 0;
}

static int cfg_rw(bool write, unsigned int pos, void *buf, size_t len)
{
	ssize_t n = write ? pwrite(device, buf, len, cfg_off + pos) :
			    pread(device, buf, len, cfg_off + pos);

	return n == (ssize_t)len ? 0 : (n < 0 ? errno : EIO);
}

static uint16_t cfg_read16(unsigned int pos)
{
	uint16_t v = 0xffff;

	cfg_rw(false, pos, &v, 2);
	return v;
}

static void cfg_write16(unsigned int pos, uint16_t v)
{
	cfg_rw(true, pos, &v, 2);
}

static uint32_t bar_read(unsigned int reg)
{
	uint32_t v = 0xffffffff;

	if (pread(device, &v, 4, bar0_off + reg) != 4)
		return 0xffffffff;
	return v;
}

static void bar_write(unsigned int reg, uint32_t v)
{
	if (pwrite(device, &v, 4, bar0_off + reg) != 4)
		vt_note("BAR0 write at 0x%x failed: %s", reg, strerror(errno));
}

static void raise_irq(void)
{
	bar_write(EDU_IRQ_RAISE, 1);
}

static void ack_irq(void)
{
	bar_write(EDU_IRQ_ACK, 0xffffffff);
}

/* The virtual INTx disable bit of the command register. */
static void set_disintx(bool on)
{
	uint16_t cmd = cfg_read16(PCI_COMMAND);

	cmd = on ? cmd | PCI_COMMAND_INTX_DISABLE : cmd & ~PCI_COMMAND_INTX_DISABLE;
	cfg_write16(PCI_COMMAND, cmd);
}

/* The device's real config space, as the (guest) host kernel sees it. */
static int phys_read16(unsigned int pos, uint16_t *v)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	if (pread(fd, v, 2, pos) != 2)
		ret = errno ? errno : EIO;
	close(fd);
	return ret;
}

static int find_cap(uint8_t id)
{
	uint8_t pos = 0, cid = 0;
	int loops = 48;

	if (!(cfg_read16(PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	cfg_rw(false, PCI_CAPABILITY_LIST, &pos, 1);
	while (pos >= 0x40 && loops--) {
		cfg_rw(false, pos, &cid, 1);
		if (cid == id)
			return pos;
		cfg_rw(false, pos + 1, &pos, 1);
	}
	return 0;
}

/* ------------------------------------------------------------ eventfd --- */

static int new_eventfd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* Wait up to @ms for @fd to be signalled; returns the count read (0: none). */
static uint64_t wait_event(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

static void expect_event(const char *name, int fd)
{
	uint64_t n = wait_event(fd, WAIT_YES_MS);

	result(n > 0, name, "no event within %d ms", WAIT_YES_MS);
}

static void expect_quiet(const char *name, int fd)
{
	uint64_t n = wait_event(fd, WAIT_NO_MS);

	result(n == 0, name, "unexpected event (count %llu)", (unsigned long long)n);
}

/* ------------------------------------------------------------ SET_IRQS --- */

/* Returns 0 or the errno of VFIO_DEVICE_SET_IRQS with the given payload. */
static int set_irqs_raw(uint32_t argsz, uint32_t flags, uint32_t index,
			uint32_t start, uint32_t count, const void *data,
			size_t data_len)
{
	size_t size = sizeof(struct vfio_irq_set) + data_len;
	struct vfio_irq_set *s;
	int ret;

	s = calloc(1, size < 64 ? 64 : size);
	if (!s)
		return ENOMEM;
	s->argsz = argsz;
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	if (data_len)
		memcpy(s->data, data, data_len);
	ret = ioctl(device, VFIO_DEVICE_SET_IRQS, s) ? errno : 0;
	free(s);
	return ret;
}

static int set_irqs(uint32_t flags, uint32_t index, uint32_t start,
		    uint32_t count, const void *data, size_t data_len)
{
	return set_irqs_raw(sizeof(struct vfio_irq_set) + data_len, flags, index,
			    start, count, data, data_len);
}

static int set_eventfd(uint32_t action, uint32_t index, int32_t fd)
{
	return set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | action, index, 0, 1, &fd,
			sizeof(fd));
}

static int set_none(uint32_t action, uint32_t index, uint32_t count)
{
	return set_irqs(VFIO_IRQ_SET_DATA_NONE | action, index, 0, count, NULL, 0);
}

static int set_bool(uint32_t action, uint32_t index, uint8_t v)
{
	return set_irqs(VFIO_IRQ_SET_DATA_BOOL | action, index, 0, 1, &v, 1);
}

#define TRIGGER VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK VFIO_IRQ_SET_ACTION_MASK
#define UNMASK VFIO_IRQ_SET_ACTION_UNMASK
#define INTX VFIO_PCI_INTX_IRQ_INDEX
#define MSI VFIO_PCI_MSI_IRQ_INDEX

/* ---------------------------------------------------------------- checks --- */

static void check_info(void)
{
	static const char *const names[] = { "intx", "msi", "msix", "err", "req" };
	unsigned int i;
	char name[64];

	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = i };
		int e = ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &ii) ? errno : 0;

		vt_note("irq_info %s: %s flags 0x%x count %u", names[i], vt_errname(e),
			ii.flags, ii.count);
		if (i == INTX) {
			snprintf(name, sizeof(name), "info.%s", names[i]);
			result(!e && ii.count == 1 &&
			       ii.flags == (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
					    VFIO_IRQ_INFO_AUTOMASKED),
			       name, "%s, flags 0x%x, count %u", vt_errname(e), ii.flags,
			       ii.count);
		} else if (i == MSI) {
			snprintf(name, sizeof(name), "info.%s", names[i]);
			result(!e && ii.count == 1 &&
			       ii.flags == (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE),
			       name, "%s, flags 0x%x, count %u", vt_errname(e), ii.flags,
			       ii.count);
		}
	}
}

/* Malformed SET_IRQS calls, rejected with the in-tree driver's errno. */
static void check_hostile(void)
{
	int32_t fds[4] = { -1, -1, -1, -1 };
	uint32_t minsz = sizeof(struct vfio_irq_set);
	int32_t fd;
	int e, nullfd, efd = new_eventfd();

	expect_err("hostile.index_past_last",
		   set_none(TRIGGER, VFIO_PCI_NUM_IRQS, 0), EINVAL);
	expect_err("hostile.index_huge", set_none(TRIGGER, 0xffffffffu, 0), EINVAL);
	expect_err("hostile.start_plus_count_wraps",
		   set_irqs(VFIO_IRQ_SET_DATA_NONE | TRIGGER, MSI, 1, 0xffffffffu,
			    NULL, 0), EINVAL);
	expect_err("hostile.start_huge",
		   set_irqs(VFIO_IRQ_SET_DATA_NONE | TRIGGER, MSI, 0xffffffffu, 1,
			    NULL, 0), EINVAL);
	expect_err("hostile.start_past_count",
		   set_irqs(VFIO_IRQ_SET_DATA_NONE | TRIGGER, MSI, 1, 0, NULL, 0),
		   EINVAL);
	expect_err("hostile.unknown_flag",
		   set_none(TRIGGER | (1u << 8), INTX, 1), EINVAL);
	expect_err("hostile.unknown_flag_high",
		   set_none(TRIGGER | (1u << 31), INTX, 1), EINVAL);
	expect_err("hostile.two_data_types",
		   set_irqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | TRIGGER,
			    INTX, 0, 1, fds, 1), EINVAL);
	expect_err("hostile.no_data_type", set_irqs(TRIGGER, INTX, 0, 1, NULL, 0),
		   EINVAL);
	expect_err("hostile.two_actions",
		   set_none(TRIGGER | MASK, INTX, 1), ENOTTY);
	expect_err("hostile.no_action",
		   set_irqs(VFIO_IRQ_SET_DATA_NONE, INTX, 0, 1, NULL, 0), ENOTTY);
	expect_err("hostile.msi_count_too_big",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, MSI, 0, 2, fds,
			    2 * sizeof(int32_t)), EINVAL);
	expect_err("hostile.msix_absent",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER,
			    VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, fds, sizeof(int32_t)),
		   EINVAL);
	fd = efd;
	expect_err("hostile.argsz_no_payload",
		   set_irqs_raw(minsz, VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, INTX, 0,
				1, &fd, sizeof(fd)), EINVAL);
	expect_err("hostile.argsz_short_payload",
		   set_irqs_raw(minsz + 3, VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, INTX,
				0, 1, &fd, sizeof(fd)), EINVAL);
	expect_err("hostile.argsz_below_header",
		   set_irqs_raw(minsz - 1, VFIO_IRQ_SET_DATA_NONE | TRIGGER, INTX, 0,
				0, NULL, 0), EINVAL);
	expect_err("hostile.intx_eventfd_closed_fd",
		   set_eventfd(TRIGGER, INTX, 999), EBADF);
	nullfd = open("/dev/null", O_RDWR);
	expect_err("hostile.intx_eventfd_not_eventfd",
		   set_eventfd(TRIGGER, INTX, nullfd), EINVAL);
	expect_err("hostile.msi_eventfd_closed_fd",
		   set_eventfd(TRIGGER, MSI, 999), EBADF);
	expect_err("hostile.msi_eventfd_not_eventfd",
		   set_eventfd(TRIGGER, MSI, nullfd), EINVAL);
	close(nullfd);
	/* The failed calls above must leave no interrupt mode behind. */
	e = set_eventfd(TRIGGER, INTX, efd);
	expect_err("hostile.failed_calls_left_no_mode", e, 0);
	if (!e)
		expect_err("hostile.cleanup_intx", set_none(TRIGGER, INTX, 0), 0);
	expect_err("hostile.unmask_without_intx", set_none(UNMASK, INTX, 1), EINVAL);
	expect_err("hostile.mask_without_intx", set_none(MASK, INTX, 1), EINVAL);
	expect_err("hostile.loopback_without_intx", set_none(TRIGGER, INTX, 1), EINVAL);
	expect_err("hostile.msi_mask", set_none(MASK, MSI, 1), ENOTTY);
	expect_err("hostile.msi_unmask", set_none(UNMASK, MSI, 1), ENOTTY);
	expect_err("hostile.msi_loopback_disabled", set_none(TRIGGER, MSI, 1), EINVAL);
	expect_err("hostile.req_count_two",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_REQ_IRQ_INDEX,
			    0, 2, fds, 2 * sizeof(int32_t)), EINVAL);
	expect_err("hostile.req_unregister_unset",
		   set_none(TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, 0), EINVAL);
	expect_err("hostile.req_loopback_unset",
		   set_none(TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, 1), EINVAL);
	/* Only -1 means "none"; older kernels ignored other negative fds. */
	expect_err_or_intree("hostile.req_fd_minus_two",
			    set_eventfd(TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, -2),
			    EINVAL, 0);
	expect_err("hostile.req_mask", set_none(MASK, VFIO_PCI_REQ_IRQ_INDEX, 1),
		   ENOTTY);
	/*
	 * edu is conventional PCI: AER, the only source of the error
	 * interrupt, does not exist there (7.3's in-tree driver accepts it).
	 */
	e = set_eventfd(TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, efd);
	expect_err_or_intree("hostile.err_on_conventional_pci", e, EINVAL, 0);
	close(efd);
}

/* Interrupt modes exclude each other. */
static void check_modes(void)
{
	int efd = new_eventfd();
	int32_t fd = efd;

	if (set_eventfd(TRIGGER, MSI, efd) == 0) {
		expect_err("modes.intx_while_msi", set_eventfd(TRIGGER, INTX, fd), EINVAL);
		expect_err("modes.msix_while_msi",
			   set_eventfd(TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, fd), EINVAL);
		expect_err("modes.intx_disable_while_msi", set_none(TRIGGER, INTX, 0),
			   EINVAL);
		expect_err("modes.msi_off", set_none(TRIGGER, MSI, 0), 0);
	} else {
		result(false, "modes.msi_on", "MSI enable failed");
	}
	if (set_eventfd(TRIGGER, INTX, efd) == 0) {
		expect_err("modes.msi_while_intx", set_eventfd(TRIGGER, MSI, fd), EINVAL);
		expect_err("modes.msi_disable_while_intx", set_none(TRIGGER, MSI, 0),
			   EINVAL);
		expect_err("modes.mask_eventfd_unsupported",
			   set_eventfd(MASK, INTX, fd), ENOTTY);
		expect_err("modes.intx_off", set_none(TRIGGER, INTX, 0), 0);
	} else {
		result(false, "modes.intx_on", "INTx enable failed");
	}
	close(efd);
}

static void check_msi(void)
{
	int m1 = new_eventfd(), m2 = new_eventfd();
	uint16_t flags, phys;
	int e;

	/* The user cannot turn MSI on through config space alone. */
	if (msi_cap) {
		flags = cfg_read16(msi_cap + PCI_MSI_FLAGS);
		cfg_write16(msi_cap + PCI_MSI_FLAGS, flags | PCI_MSI_FLAGS_ENABLE);
		flags = cfg_read16(msi_cap + PCI_MSI_FLAGS);
		result(!(flags & PCI_MSI_FLAGS_ENABLE), "msi.config_enable_refused",
		       "virtual flags 0x%04x", flags);
		e = phys_read16(msi_cap + PCI_MSI_FLAGS, &phys);
		result(!e && !(phys & PCI_MSI_FLAGS_ENABLE),
		       "msi.config_enable_not_physical", "%s, physical flags 0x%04x",
		       vt_errname(e), phys);
	}

	ack_irq();
	e = set_eventfd(TRIGGER, MSI, m1);
	expect_err("msi.enable", e, 0);
	if (e)
		goto out;
	if (msi_cap) {
		e = phys_read16(msi_cap + PCI_MSI_FLAGS, &phys);
		result(!e && (phys & PCI_MSI_FLAGS_ENABLE), "msi.enabled_physically",
		       "%s, physical flags 0x%04x", vt_errname(e), phys);
	}
	raise_irq();
	expect_event("msi.delivered", m1);
	ack_irq();

	expect_err("msi.swap_eventfd", set_eventfd(TRIGGER, MSI, m2), 0);
	raise_irq();
	expect_event("msi.delivered_to_new_eventfd", m2);
	expect_quiet("msi.old_eventfd_quiet", m1);
	ack_irq();

	expect_err("msi.loopback_none", set_none(TRIGGER, MSI, 1), 0);
	expect_event("msi.loopback_none_signals", m2);
	expect_err("msi.loopback_bool_true", set_bool(TRIGGER, MSI, 1), 0);
	expect_event("msi.loopback_bool_true_signals", m2);
	expect_err("msi.loopback_bool_false", set_bool(TRIGGER, MSI, 0), 0);
	expect_quiet("msi.loopback_bool_false_quiet", m2);

	expect_err("msi.disable", set_none(TRIGGER, MSI, 0), 0);
	if (msi_cap) {
		e = phys_read16(msi_cap + PCI_MSI_FLAGS, &phys);
		result(!e && !(phys & PCI_MSI_FLAGS_ENABLE), "msi.disabled_physically",
		       "%s, physical flags 0x%04x", vt_errname(e), phys);
	}
	/*
	 * MSI off, edu falls back to INTx: keep that masked (virtual INTx
	 * disable) so no driver is left with an unacknowledged level.
	 */
	set_disintx(true);
	raise_irq();
	expect_quiet("msi.disable_stops_delivery", m2);
	ack_irq();
	set_disintx(false);
out:
	close(m1);
	close(m2);
}

static void check_intx(void)
{
	int e1 = new_eventfd(), e2 = new_eventfd(), u = new_eventfd();
	uint64_t one = 1;
	int e;

	ack_irq();
	set_disintx(false);
	e = set_eventfd(TRIGGER, INTX, e1);
	expect_err("intx.enable", e, 0);
	if (e)
		goto out;

	raise_irq();
	expect_event("intx.delivered", e1);
	/* Auto-masked: the level stays masked until the user unmasks. */
	ack_irq();
	raise_irq();
	expect_quiet("intx.automasked", e1);

	/* Unmask by ioctl with the interrupt still pending: signalled again. */
	expect_err("intx.unmask_ioctl", set_none(UNMASK, INTX, 1), 0);
	expect_event("intx.unmask_ioctl_pending_resignals", e1);
	/* With nothing pending, unmask re-arms: the next raise arrives. */
	ack_irq();
	expect_err("intx.unmask_ioctl_idle", set_none(UNMASK, INTX, 1), 0);
	expect_quiet("intx.unmask_ioctl_idle_quiet", e1);
	raise_irq();
	expect_event("intx.unmask_ioctl_rearms", e1);

	/* The same through an unmask eventfd. */
	ack_irq();
	raise_irq();
	expect_quiet("intx.still_masked", e1);
	expect_err("intx.unmask_eventfd_register", set_eventfd(UNMASK, INTX, u), 0);
	if (write(u, &one, sizeof(one)) != sizeof(one))
		vt_note("write to the unmask eventfd failed: %s", strerror(errno));
	expect_event("intx.unmask_eventfd_pending_resignals", e1);
	ack_irq();
	if (write(u, &one, sizeof(one)) != sizeof(one))
		vt_note("write to the unmask eventfd failed: %s", strerror(errno));
	expect_quiet("intx.unmask_eventfd_idle_quiet", e1);
	raise_irq();
	expect_event("intx.unmask_eventfd_rearms", e1);
	expect_err("intx.unmask_eventfd_unregister", set_eventfd(UNMASK, INTX, -1), 0);
	ack_irq();
	if (write(u, &one, sizeof(one)) != sizeof(one))
		vt_note("write to the unmask eventfd failed: %s", strerror(errno));
	raise_irq();
	expect_quiet("intx.unmask_eventfd_unregistered", e1);

	/* Masked by ioctl: nothing arrives until unmasked. */
	ack_irq();
	set_none(UNMASK, INTX, 1);
	expect_err("intx.mask_ioctl", set_none(MASK, INTX, 1), 0);
	raise_irq();
	expect_quiet("intx.mask_ioctl_quiet", e1);
	set_none(UNMASK, INTX, 1);
	expect_event("intx.mask_ioctl_unmask_delivers", e1);

	/* The command register's INTx disable (virtual) masks delivery too. */
	ack_irq();
	set_none(UNMASK, INTX, 1);
	set_disintx(true);
	result(cfg_read16(PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE,
	       "intx.config_disable_reads_back", NULL);
	raise_irq();
	expect_quiet("intx.config_disable_quiet", e1);
	expect_err("intx.config_disable_unmask_ioctl", set_none(UNMASK, INTX, 1), 0);
	expect_quiet("intx.config_disable_beats_unmask", e1);
	set_disintx(false);
	expect_event("intx.config_enable_delivers", e1);

	/* Loopback. */
	expect_err("intx.loopback_none", set_none(TRIGGER, INTX, 1), 0);
	expect_event("intx.loopback_none_signals", e1);
	expect_err("intx.loopback_bool_false", set_bool(TRIGGER, INTX, 0), 0);
	expect_quiet("intx.loopback_bool_false_quiet", e1);

	/* A new eventfd while enabled. */
	ack_irq();
	expect_err("intx.swap_eventfd", set_eventfd(TRIGGER, INTX, e2), 0);
	set_none(UNMASK, INTX, 1);
	raise_irq();
	expect_event("intx.delivered_to_new_eventfd", e2);
	expect_quiet("intx.old_eventfd_quiet", e1);

	/* fd -1 detaches the eventfd but keeps INTx (and its masking). */
	ack_irq();
	expect_err("intx.detach_eventfd", set_eventfd(TRIGGER, INTX, -1), 0);
	set_none(UNMASK, INTX, 1);
	raise_irq();
	expect_quiet("intx.detached_quiet", e2);
	expect_err("intx.reattach_eventfd", set_eventfd(TRIGGER, INTX, e2), 0);
	set_none(UNMASK, INTX, 1);
	expect_event("intx.reattached_pending_resignals", e2);

	/* Disable with the interrupt armed: nothing may arrive any more. */
	ack_irq();
	set_none(UNMASK, INTX, 1);
	drain(e2);
	expect_err("intx.disable", set_none(TRIGGER, INTX, 0), 0);
	raise_irq();
	expect_quiet("intx.disable_stops_delivery", e2);
	ack_irq();
out:
	close(e1);
	close(e2);
	close(u);
}

/*
 * Races: the user's INTx disable bit, interrupt mode changes and device
 * interrupts all at once (the external INTx masking paths must serialize
 * with SET_IRQS). Afterwards INTx must still work exactly once per raise.
 */
static volatile bool stress_stop;
static int stress_efd;

static void *stress_disintx(void *arg)
{
	bool on = false;

	(void)arg;
	while (!stress_stop) {
		set_disintx(on);
		on = !on;
	}
	return NULL;
}

static void *stress_modes(void *arg)
{
	unsigned long *rounds = arg;

	while (!stress_stop) {
		if (!set_eventfd(TRIGGER, INTX, stress_efd)) {
			set_none(UNMASK, INTX, 1);
			set_none(MASK, INTX, 1);
			set_none(UNMASK, INTX, 1);
			set_none(TRIGGER, INTX, 0);
		}
		if (!set_eventfd(TRIGGER, MSI, stress_efd))
			set_none(TRIGGER, MSI, 0);
		(*rounds)++;
	}
	return NULL;
}

static void *stress_raise(void *arg)
{
	(void)arg;
	while (!stress_stop) {
		raise_irq();
		ack_irq();
	}
	return NULL;
}

static void check_stress(void)
{
	pthread_t t[3];
	unsigned long rounds = 0;
	int efd, e;

	stress_efd = new_eventfd();
	stress_stop = false;
	pthread_create(&t[0], NULL, stress_disintx, NULL);
	pthread_create(&t[1], NULL, stress_modes, &rounds);
	pthread_create(&t[2], NULL, stress_raise, NULL);
	sleep(3);
	stress_stop = true;
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[2], NULL);
	vt_note("stress: %lu mode rounds", rounds);
	result(rounds > 0, "stress.mode_changes_ran", NULL);
	close(stress_efd);

	/* Whatever state it ended in, clean up and check INTx once more. */
	set_none(TRIGGER, INTX, 0);
	set_none(TRIGGER, MSI, 0);
	set_disintx(false);
	ack_irq();
	efd = new_eventfd();
	e = set_eventfd(TRIGGER, INTX, efd);
	expect_err("stress.intx_enable_after", e, 0);
	if (!e) {
		raise_irq();
		expect_event("stress.intx_delivered_after", efd);
		ack_irq();
		raise_irq();
		expect_quiet("stress.intx_automasked_after", efd);
		ack_irq();
		set_none(TRIGGER, INTX, 0);
	}
	close(efd);
}

static bool vfio_irq_in_proc(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, bdf) && strstr(line, "vfio"))
			found = true;
	fclose(f);
	return found;
}

/* Closing the device frees whatever the user left enabled. */
static void check_close(void)
{
	int efd = new_eventfd(), e;

	e = set_eventfd(TRIGGER, MSI, efd);
	expect_err("close.msi_enabled", e, 0);
	result(!e && vfio_irq_in_proc(), "close.msi_listed_in_proc", NULL);
	close(device);
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	result(device >= 0, "close.reopen", "%s", strerror(errno));
	result(!vfio_irq_in_proc(), "close.irqs_freed", "vfio interrupt of %s still in /proc/interrupts", bdf);
	if (device >= 0) {
		e = set_eventfd(TRIGGER, INTX, efd);
		expect_err("close.clean_mode_after_reopen", e, 0);
		if (!e)
			set_none(TRIGGER, INTX, 0);
	}
	close(efd);
}

/* ------------------------------------------------------ MSI-X (e1000e) --- */

static int proc_count(const char *what)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, bdf) && strstr(line, what))
			n++;
	fclose(f);
	return n;
}

/* Route e1000e's "other" cause to @vec and raise it (link status change). */
static void e1000e_raise(unsigned int vec)
{
	bar_write(E1000_ICR, 0xffffffff);
	bar_write(E1000_IVAR, E1000_IVAR_OTHER(vec));
	bar_write(E1000_IMS, E1000_ICR_OTHER | E1000_ICR_LSC);
	bar_write(E1000_ICS, E1000_ICR_LSC);
}

/*
 * Also let QEMU's interrupt throttling timers run out: QEMU 7.2's e1000e
 * aborts when one fires after MSI-X was disabled.
 */
static void e1000e_quiet(void)
{
	bar_write(E1000_IMC, 0xffffffff);
	bar_write(E1000_ICR, 0xffffffff);
	usleep(50000);
}

/* Vector @vec fired on efd[vec] and no other of the first @n. */
static void expect_only(const char *name, const int *efd, int n, int vec)
{
	char sub[96];
	int i;

	snprintf(sub, sizeof(sub), "%s.delivered", name);
	expect_event(sub, efd[vec]);
	for (i = 0; i < n; i++) {
		uint64_t v;

		if (i == vec)
			continue;
		if (read(efd[i], &v, sizeof(v)) == sizeof(v)) {
			snprintf(sub, sizeof(sub), "%s.only_its_eventfd", name);
			result(false, sub, "eventfd of vector %d signalled too", i);
			return;
		}
	}
	snprintf(sub, sizeof(sub), "%s.only_its_eventfd", name);
	result(true, sub, NULL);
}

static void check_msix(void)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = VFIO_PCI_MSIX_IRQ_INDEX };
	int32_t fds[E1000E_VECTORS + 1];
	int efd[E1000E_VECTORS], extra = new_eventfd();
	uint8_t bools[3] = { 1, 0, 1 };
	char name[64];
	bool dyn;
	int i, e;

	e = ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &ii) ? errno : 0;
	/*
	 * 6.12+ (both drivers) add vectors on demand where the platform can;
	 * vfio_compare checks that the two drivers agree on the flags.
	 */
	dyn = !e && ii.flags == VFIO_IRQ_INFO_EVENTFD;
	if (dyn)
		vt_note("msix.info has no NORESIZE: dynamic MSI-X");
	result(!e && ii.count == E1000E_VECTORS &&
	       (dyn || ii.flags == (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE)),
	       "msix.info", "%s, flags 0x%x, count %u", vt_errname(e), ii.flags, ii.count);
	for (i = 0; i < E1000E_VECTORS; i++) {
		efd[i] = new_eventfd();
		fds[i] = efd[i];
	}
	fds[E1000E_VECTORS] = extra;
	expect_err("msix.count_too_big",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    0, E1000E_VECTORS + 1, fds, sizeof(fds)), EINVAL);
	expect_err("msix.start_past_end",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    E1000E_VECTORS, 1, fds, sizeof(fds[0])), EINVAL);

	e = set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0,
		     E1000E_VECTORS, fds, E1000E_VECTORS * sizeof(fds[0]));
	expect_err("msix.enable_all", e, 0);
	if (e)
		goto out;
	i = proc_count("vfio-msix");
	result(i == E1000E_VECTORS, "msix.all_listed_in_proc", "%d listed", i);

	for (i = 0; i < E1000E_VECTORS; i++) {
		snprintf(name, sizeof(name), "msix.vector%d", i);
		e1000e_raise(i);
		expect_only(name, efd, E1000E_VECTORS, i);
	}
	e1000e_quiet();

	/* One vector's eventfd swapped, the others untouched. */
	fds[0] = extra;
	expect_err("msix.swap_one",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    2, 1, fds, sizeof(fds[0])), 0);
	e1000e_raise(2);
	expect_event("msix.swapped_vector_delivered", extra);
	expect_quiet("msix.swapped_old_eventfd_quiet", efd[2]);
	e1000e_raise(1);
	expect_event("msix.other_vector_untouched", efd[1]);
	e1000e_quiet();

	/* Loopback of a block, per-vector booleans. */
	expect_err("msix.loopback_bool",
		   set_irqs(VFIO_IRQ_SET_DATA_BOOL | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    0, 3, bools, sizeof(bools)), 0);
	expect_event("msix.loopback_bool_vector0", efd[0]);
	expect_quiet("msix.loopback_bool_vector1_quiet", efd[1]);
	expect_event("msix.loopback_bool_vector2", extra);

	/* fd -1 detaches one vector; it stays allocated (no resize). */
	fds[0] = -1;
	expect_err("msix.detach_one",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    3, 1, fds, sizeof(fds[0])), 0);
	expect_err("msix.loopback_detached",
		   set_irqs(VFIO_IRQ_SET_DATA_NONE | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    3, 1, NULL, 0), 0);
	expect_quiet("msix.detached_quiet", efd[3]);
	i = proc_count("vfio-msix");
	result(i == E1000E_VECTORS - 1, "msix.detached_not_in_proc", "%d listed", i);
	fds[0] = efd[3];
	expect_err("msix.reattach_one",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    3, 1, fds, sizeof(fds[0])), 0);
	drain(efd[3]);
	e1000e_raise(3);
	expect_event("msix.reattached_delivered", efd[3]);
	e1000e_quiet();

	expect_err("msix.disable", set_none(TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0), 0);
	i = proc_count("vfio-msix");
	result(i == 0, "msix.disable_frees_all", "%d still listed", i);

	/* Enabled with fewer vectors, the set does not grow (NORESIZE). */
	for (i = 0; i < E1000E_VECTORS; i++)
		fds[i] = efd[i];
	e = set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0,
		     2, fds, 2 * sizeof(fds[0]));
	expect_err("msix.enable_two", e, 0);
	if (!e) {
		fds[E1000E_VECTORS] = extra;
		e = set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER,
			     VFIO_PCI_MSIX_IRQ_INDEX, 4, 1, &fds[E1000E_VECTORS],
			     sizeof(fds[0]));
		if (dyn) {
			expect_err("msix.no_resize", e, 0);	/* it resizes */
			/* The vector added on demand delivers, to its eventfd. */
			drain(extra);
			e1000e_raise(4);
			expect_event("msix.dynamic_vector_delivers", extra);
			e1000e_quiet();
		} else {
			expect_err("msix.no_resize", e, EINVAL);
		}
		e1000e_raise(1);
		expect_event("msix.two_vectors_deliver", efd[1]);
		e1000e_quiet();
		expect_err("msix.msi_while_msix", set_eventfd(TRIGGER, MSI, efd[0]), EINVAL);
		expect_err("msix.disable_two",
			   set_none(TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0), 0);
	}
	/* A bad fd in the block fails the whole call and leaves nothing. */
	fds[0] = efd[0];
	fds[1] = 999;
	fds[2] = efd[2];
	expect_err("msix.bad_fd_in_block",
		   set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX,
			    0, 3, fds, 3 * sizeof(fds[0])), EBADF);
	i = proc_count("vfio-msix");
	result(i == 0, "msix.bad_fd_left_nothing", "%d listed", i);
	expect_err("msix.bad_fd_left_no_mode", set_eventfd(TRIGGER, MSI, efd[0]), 0);
	set_none(TRIGGER, MSI, 0);
out:
	e1000e_quiet();
	for (i = 0; i < E1000E_VECTORS; i++)
		close(efd[i]);
	close(extra);
}

/* The error interrupt exists on PCI Express devices: register and loop back. */
static void check_err(void)
{
	int efd = new_eventfd();

	expect_err("err.register", set_eventfd(TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, efd), 0);
	expect_err("err.loopback", set_none(TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 1), 0);
	expect_event("err.loopback_signals", efd);
	expect_err("err.unregister", set_eventfd(TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, -1), 0);
	expect_err("err.loopback_unregistered",
		   set_none(TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 1), EINVAL);
	expect_err("err.count_two",
		   set_irqs(VFIO_IRQ_SET_DATA_NONE | TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 0,
			    2, NULL, 0), EINVAL);
	close(efd);
}

/*
 * Unbinding the device from its driver while we hold it must ask us, on the
 * request eventfd, to let go; the unbind completes once we close it.
 */
static void check_request(void)
{
	char path[PATH_MAX], drv[PATH_MAX];
	int r = new_eventfd(), e, status;
	struct timespec t0, t1;
	pid_t child;
	ssize_t n;

	e = set_eventfd(TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, r);
	expect_err("req.register", e, 0);
	if (e)
		return;
	expect_err("req.loopback", set_none(TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, 1), 0);
	expect_event("req.loopback_signals", r);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n < 0) {
		result(false, "req.driver", "no driver: %s", strerror(errno));
		return;
	}
	drv[n] = 0;
	vt_note("unbinding %s from %s", bdf, strrchr(drv, '/') + 1);

	child = fork();
	if (child == 0) {
		int fd;

		/* Our copies of the fds would hold the device open forever. */
		close(device);
		close(group);
		close(container);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, bdf, strlen(bdf)) < 0)
			_exit(1);
		_exit(0);
	}
	expect_event("req.signalled_on_unbind", r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Let go: device, group and container (5.10 waits for all three). */
	close(device);
	close(group);
	close(container);
	device = group = container = -1;
	alarm(30);
	e = waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	    !WEXITSTATUS(status);
	alarm(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	result(e, "req.unbind_completes_after_release", "unbind status 0x%x", status);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	result(access(path, F_OK) != 0, "req.device_unbound", "%s still bound", bdf);
	vt_note("unbind finished %ld ms after the release",
		(long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	close(r);
}

int main(int argc, char **argv)
{
	uint16_t cmd, vendor = 0, devid = 0;
	bool skip_req = false;
	char err[512];
	int opt, e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:oR")) != -1) {
		switch (opt) {
		case 'n':
			label = optarg;
			break;
		case 'o':
			ours = true;
			break;
		case 'R':
			skip_req = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-n LABEL] [-o] [-R] BDF\n", argv[0]);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: %s [-n LABEL] [-o] [-R] BDF\n", argv[0]);
		return 2;
	}
	bdf = argv[optind];
	if (strlen(bdf) > 32) {
		fprintf(stderr, "%s: a BDF is at most 32 characters\n", argv[0]);
		return 2;
	}

	if (open_device(err, sizeof(err))) {
		result(false, "open", "%s: %s", bdf, err);
		goto done;
	}
	result(true, "open", NULL);
	e = region_offset(VFIO_PCI_CONFIG_REGION_INDEX, &cfg_off);
	if (!e)
		e = region_offset(VFIO_PCI_BAR0_REGION_INDEX, &bar0_off);
	if (e) {
		result(false, "regions", "GET_REGION_INFO: %s", vt_errname(e));
		goto done;
	}
	/*
	 * Memory decode for edu's registers; bus master because an MSI is a
	 * memory write (edu's DMA engine stays idle).
	 */
	cmd = cfg_read16(PCI_COMMAND);
	cfg_write16(PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cfg_rw(false, PCI_VENDOR_ID, &vendor, 2);
	cfg_rw(false, PCI_DEVICE_ID, &devid, 2);
	if (vendor == 0x1234 && devid == 0x11e8) {
		result(bar_read(EDU_ID) == EDU_ID_VALUE, "edu_id", "BAR0+0 = 0x%08x",
		       bar_read(EDU_ID));
		msi_cap = find_cap(PCI_CAP_ID_MSI);
		vt_note("MSI capability at 0x%x", msi_cap);
		check_info();
		check_hostile();
		check_modes();
		check_msi();
		check_intx();
		check_stress();
		check_close();
	} else if (vendor == 0x8086 && devid == 0x10d3) {
		check_msix();
		check_err();
	} else {
		result(false, "model", "%04x:%04x is neither edu nor e1000e", vendor, devid);
	}
	if (!skip_req && device >= 0)
		check_request();
done:
	printf("vfio_irq_test: %d passed, %d failed\n", vt_npass, vt_nfail);
	return vt_nfail ? 1 : 0;
}
