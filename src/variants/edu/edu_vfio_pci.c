// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu-vfio-pci: a VFIO variant driver for QEMU's educational PCI device
 * (1234:11e8), the worked example of a variant on vfio-pci-core-dkms. It
 * takes everything from the core and adds VFIO migration v2: the device
 * state that software can read and restore through BAR0 travels through the
 * migration data fd as a versioned, checksummed stream (edu_stream.h).
 *
 * What edu's state honestly is (QEMU hw/misc/edu.c): BAR0 registers
 *   0x00 identification (read-only)        -> checked on the destination
 *   0x04 liveness: stores ~written value   -> migrated
 *   0x08 factorial: a write starts a computation; its result cannot be
 *        written back                      -> not migrated
 *   0x20 status: COMPUTING (read-only) and IRQ-on-factorial (read/write)
 *                                          -> IRQ-on-factorial migrated
 *   0x24 interrupt status: only settable through 0x60, which raises the
 *        interrupt                         -> not migrated
 *   0x80/0x88/0x90 DMA source/destination/count (read/write, no side
 *        effect while no transfer runs)    -> migrated
 *   0x98 DMA command: a write with RUN starts a transfer; without RUN it is
 *        ignored                           -> not migrated
 * The 4 KiB DMA buffer at device address 0x40000 is reachable only by the
 * device's own DMA engine, not through BAR0 (MMIO reads there return ~0),
 * so it is not migrated. A save waits (up to 1 s) for a running factorial
 * or DMA transfer to finish, since neither can be captured mid-flight.
 *
 * edu cannot be quiesced: STOP, RUNNING_P2P and RUNNING differ only in
 * what the user may do, not in what the device does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vfio_pci_core_dkms.h"
#include "edu_stream.h"

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

#define EDU_REG_IDENT		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_STATUS		0x20
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_STATUS_COMPUTING	0x01
#define EDU_DMA_RUN		0x01

static char ids[1024] __initdata;
module_param_string(ids, ids, sizeof(ids), 0);
MODULE_PARM_DESC(ids, "Initial PCI IDs to add to the edu-vfio-pci driver, format is \"vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]\" and multiple comma separated entries can be specified");

/* One data transfer session: a saving (read) or resuming (write) fd. */
struct edu_mig_file {
	struct file *filp;
	struct mutex lock;
	bool disabled;		/* the session ended: the fd is dead */
	bool final;		/* saving: the stream is complete (STOP_COPY) */
	bool overflow;		/* resuming: more than one stream was written */
	size_t pos;		/* saving: bytes read so far */
	size_t len;		/* bytes in buf */
	u8 buf[EDU_STREAM_LEN];
};

struct edu_vfio_device {
	struct vfio_pci_core_device core;	/* first, as the core requires */
	/* state_mutex: the migration state and the session files */
	struct mutex state_mutex;
	enum vfio_device_mig_state mig_state;
	struct edu_mig_file *saving;
	struct edu_mig_file *resuming;
	/* A reset seen while state_mutex was held, applied at its unlock. */
	spinlock_t reset_lock;
	bool deferred_reset;
};

static struct edu_vfio_device *to_edu(struct vfio_device *vdev)
{
	return container_of(vfio_pci_core_from_vdev(vdev),
			    struct edu_vfio_device, core);
}

/* Device state <-> BAR0 */

/* Wait for no factorial and no DMA transfer in flight; BAR held on success. */
static void __iomem *edu_bar_idle(struct edu_vfio_device *edu)
{
	void __iomem *io;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		io = vfio_pci_core_bar_begin(&edu->core, 0);
		if (IS_ERR(io))
			return io;
		if (!(ioread32(io + EDU_REG_STATUS) & EDU_STATUS_COMPUTING) &&
		    !(ioread32(io + EDU_REG_DMA_CMD) & EDU_DMA_RUN))
			return io;
		vfio_pci_core_bar_end(&edu->core);
		msleep(20);
	}
	pci_warn(edu->core.pdev, "device stayed busy (factorial or DMA running)\n");
	return IOMEM_ERR_PTR(-EBUSY);
}

static int edu_save(struct edu_vfio_device *edu, struct edu_mig_file *migf)
{
	struct edu_state st;
	void __iomem *io;

	io = edu_bar_idle(edu);
	if (IS_ERR(io))
		return PTR_ERR(io);
	st.ident = ioread32(io + EDU_REG_IDENT);
	st.liveness = ioread32(io + EDU_REG_LIVENESS);
	st.status = ioread32(io + EDU_REG_STATUS) & EDU_STATUS_IRQFACT;
	st.dma_src = readq(io + EDU_REG_DMA_SRC);
	st.dma_dst = readq(io + EDU_REG_DMA_DST);
	st.dma_cnt = readq(io + EDU_REG_DMA_CNT);
	vfio_pci_core_bar_end(&edu->core);

	mutex_lock(&migf->lock);
	edu_stream_build(&st, migf->buf);
	migf->len = EDU_STREAM_LEN;
	migf->final = true;
	mutex_unlock(&migf->lock);
	return 0;
}

/* Validate the whole stream, and only then write the device. */
static int edu_load(struct edu_vfio_device *edu, struct edu_mig_file *migf)
{
	struct pci_dev *pdev = edu->core.pdev;
	struct edu_state st;
	void __iomem *io;
	bool overflow;
	size_t len;
	int ret;

	mutex_lock(&migf->lock);
	overflow = migf->overflow;
	len = migf->len;
	ret = overflow ? -EINVAL : edu_stream_parse(migf->buf, len, &st);
	mutex_unlock(&migf->lock);
	if (ret) {
		pci_info_ratelimited(pdev, "migration stream refused: malformed (%zu bytes%s)\n",
			 len, overflow ? ", oversized" : "");
		return ret;
	}

	io = edu_bar_idle(edu);
	if (IS_ERR(io))
		return PTR_ERR(io);
	if (ioread32(io + EDU_REG_IDENT) != st.ident) {
		pci_info_ratelimited(pdev, "migration stream refused: from device %#x, this is %#x\n",
			 st.ident, ioread32(io + EDU_REG_IDENT));
		ret = -EINVAL;
		goto out;
	}
	iowrite32(~st.liveness, io + EDU_REG_LIVENESS);
	iowrite32(st.status, io + EDU_REG_STATUS);
	writeq(st.dma_src, io + EDU_REG_DMA_SRC);
	writeq(st.dma_dst, io + EDU_REG_DMA_DST);
	writeq(st.dma_cnt, io + EDU_REG_DMA_CNT);
	if (ioread32(io + EDU_REG_LIVENESS) != st.liveness ||
	    (ioread32(io + EDU_REG_STATUS) & EDU_STATUS_IRQFACT) != st.status ||
	    readq(io + EDU_REG_DMA_SRC) != st.dma_src ||
	    readq(io + EDU_REG_DMA_DST) != st.dma_dst ||
	    readq(io + EDU_REG_DMA_CNT) != st.dma_cnt) {
		pci_warn(pdev, "restored state does not read back\n");
		ret = -EIO;
	}
out:
	vfio_pci_core_bar_end(&edu->core);
	return ret;
}

/* The data fd */

static ssize_t edu_mig_read(struct file *filp, char __user *buf, size_t len,
			    loff_t *ppos)
{
	struct edu_mig_file *migf = filp->private_data;
	ssize_t ret;

	if (ppos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
	} else if (migf->pos >= migf->len) {
		/* PRE_COPY has nothing to send: a temporary end of stream. */
		ret = migf->final ? 0 : -ENOMSG;
	} else {
		len = min(len, migf->len - migf->pos);
		if (copy_to_user(buf, migf->buf + migf->pos, len)) {
			ret = -EFAULT;
		} else {
			migf->pos += len;
			ret = len;
		}
	}
	mutex_unlock(&migf->lock);
	return ret;
}

static ssize_t edu_mig_write(struct file *filp, const char __user *buf,
			     size_t len, loff_t *ppos)
{
	struct edu_mig_file *migf = filp->private_data;
	ssize_t ret;

	if (ppos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
	} else if (migf->overflow || len > sizeof(migf->buf) - migf->len) {
		/* Longer than any stream: refuse it, now and at load. */
		migf->overflow = true;
		ret = -EINVAL;
	} else if (copy_from_user(migf->buf + migf->len, buf, len)) {
		ret = -EFAULT;
	} else {
		migf->len += len;
		ret = len;
	}
	mutex_unlock(&migf->lock);
	return ret;
}

/* VFIO_MIG_GET_PRECOPY_INFO: edu sends its whole state in STOP_COPY. */
static long edu_mig_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	struct edu_mig_file *migf = filp->private_data;
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct vfio_precopy_info info;
	long ret = 0;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	mutex_lock(&migf->lock);
	if (migf->disabled)
		ret = -ENODEV;
	else if (migf->final || !(filp->f_mode & FMODE_READ))
		ret = -EINVAL;		/* not in a PRE_COPY state */
	mutex_unlock(&migf->lock);
	if (ret)
		return ret;
	info.flags = 0;
	info.initial_bytes = 0;
	info.dirty_bytes = 0;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static int edu_mig_release(struct inode *inode, struct file *filp)
{
	struct edu_mig_file *migf = filp->private_data;

	mutex_destroy(&migf->lock);
	kfree(migf);
	return 0;
}

static const struct file_operations edu_mig_fops = {
	.owner = THIS_MODULE,
	.read = edu_mig_read,
	.write = edu_mig_write,
	.unlocked_ioctl = edu_mig_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = edu_mig_release,
};

static struct edu_mig_file *edu_mig_file_new(bool saving)
{
	struct edu_mig_file *migf;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	migf->filp = anon_inode_getfile("edu_vfio_mig", &edu_mig_fops, migf,
					saving ? O_RDONLY : O_WRONLY);
	if (IS_ERR(migf->filp)) {
		struct file *err = migf->filp;

		kfree(migf);
		return ERR_CAST(err);
	}
	stream_open(migf->filp->f_inode, migf->filp);
	mutex_init(&migf->lock);
	return migf;
}

/* End a session: the fd (which userspace may keep) reads/writes -ENODEV. */
static void edu_mig_file_disable(struct edu_mig_file *migf)
{
	mutex_lock(&migf->lock);
	migf->disabled = true;
	migf->pos = 0;
	migf->len = 0;
	mutex_unlock(&migf->lock);
	fput(migf->filp);	/* the device's reference */
}

static void edu_disable_fds(struct edu_vfio_device *edu)
{
	if (edu->saving) {
		edu_mig_file_disable(edu->saving);
		edu->saving = NULL;
	}
	if (edu->resuming) {
		edu_mig_file_disable(edu->resuming);
		edu->resuming = NULL;
	}
}

/*
 * A reset (reset_done) runs with the core's memory lock held, which a
 * transition takes inside state_mutex: never wait for state_mutex there.
 * The reset is recorded and applied by whoever releases state_mutex.
 */
static void edu_state_mutex_unlock(struct edu_vfio_device *edu)
{
	for (;;) {
		spin_lock(&edu->reset_lock);
		if (!edu->deferred_reset)
			break;
		edu->deferred_reset = false;
		spin_unlock(&edu->reset_lock);
		edu->mig_state = VFIO_DEVICE_STATE_RUNNING;
		edu_disable_fds(edu);
	}
	mutex_unlock(&edu->state_mutex);
	spin_unlock(&edu->reset_lock);
}

static void edu_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct edu_vfio_device *edu = container_of(core, struct edu_vfio_device,
						   core);

	if (!edu->core.migration_flags)
		return;
	spin_lock(&edu->reset_lock);
	edu->deferred_reset = true;
	if (!mutex_trylock(&edu->state_mutex)) {
		spin_unlock(&edu->reset_lock);
		return;
	}
	spin_unlock(&edu->reset_lock);
	edu_state_mutex_unlock(edu);
}

/* Migration: one arc of the FSM (vfio_mig_get_next_state picks the arcs). */

static struct file *edu_new_session(struct edu_vfio_device *edu,
				    bool saving, bool stop_copy)
{
	struct edu_mig_file *migf = edu_mig_file_new(saving);
	int ret;

	if (IS_ERR(migf))
		return ERR_CAST(migf);
	if (stop_copy) {
		ret = edu_save(edu, migf);
		if (ret) {
			fput(migf->filp);
			return ERR_PTR(ret);
		}
	}
	get_file(migf->filp);	/* one for the device, one for the new fd */
	if (saving)
		edu->saving = migf;
	else
		edu->resuming = migf;
	return migf->filp;
}

static struct file *edu_step(struct edu_vfio_device *edu,
			     enum vfio_device_mig_state cur,
			     enum vfio_device_mig_state next)
{
#define ARC(a, b) (cur == VFIO_DEVICE_STATE_##a && next == VFIO_DEVICE_STATE_##b)
	int ret;

	/* The device cannot be quiesced: these arcs change nothing in it. */
	if (ARC(RUNNING, RUNNING_P2P) || ARC(RUNNING_P2P, RUNNING) ||
	    ARC(RUNNING_P2P, STOP) || ARC(STOP, RUNNING_P2P) ||
	    ARC(PRE_COPY, PRE_COPY_P2P) || ARC(PRE_COPY_P2P, PRE_COPY))
		return NULL;
	if (ARC(RUNNING, PRE_COPY) || ARC(RUNNING_P2P, PRE_COPY_P2P))
		return edu_new_session(edu, true, false);
	if (ARC(STOP, STOP_COPY))
		return edu_new_session(edu, true, true);
	if (ARC(PRE_COPY_P2P, STOP_COPY)) {
		/* The session goes on: the same fd now carries the state. */
		ret = edu_save(edu, edu->saving);
		return ret ? ERR_PTR(ret) : NULL;
	}
	if (ARC(STOP_COPY, STOP) || ARC(PRE_COPY, RUNNING) ||
	    ARC(PRE_COPY_P2P, RUNNING_P2P)) {
		edu_disable_fds(edu);
		return NULL;
	}
	if (ARC(STOP, RESUMING))
		return edu_new_session(edu, false, false);
	if (ARC(RESUMING, STOP)) {
		/* On failure the device is untouched and stays RESUMING. */
		ret = edu_load(edu, edu->resuming);
		if (ret)
			return ERR_PTR(ret);
		edu_disable_fds(edu);
		return NULL;
	}
#undef ARC
	return ERR_PTR(-EINVAL);
}

static struct file *edu_set_state(struct vfio_device *vdev,
				  enum vfio_device_mig_state new_state)
{
	struct edu_vfio_device *edu = to_edu(vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&edu->state_mutex);
	while (new_state != edu->mig_state) {
		ret = vfio_mig_get_next_state(vdev, edu->mig_state, new_state,
					      &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = edu_step(edu, edu->mig_state, next);
		if (IS_ERR(res))
			break;
		edu->mig_state = next;
		/* Only the last arc may hand out an fd (the vfio core's rule). */
		if (WARN_ON(res && new_state != edu->mig_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	edu_state_mutex_unlock(edu);
	return res;
}

static int edu_get_state(struct vfio_device *vdev,
			 enum vfio_device_mig_state *curr_state)
{
	struct edu_vfio_device *edu = to_edu(vdev);

	mutex_lock(&edu->state_mutex);
	*curr_state = edu->mig_state;
	edu_state_mutex_unlock(edu);
	return 0;
}

static int edu_get_data_size(struct vfio_device *vdev,
			     unsigned long *stop_copy_length)
{
	*stop_copy_length = EDU_STREAM_LEN;
	return 0;
}

static const struct vfio_pci_core_mig_ops edu_mig_ops = {
	.migration_set_state = edu_set_state,
	.migration_get_state = edu_get_state,
	.migration_get_data_size = edu_get_data_size,
};

/* The device: the core's ops, with migration state on open and close. */

static int edu_init(struct vfio_device *vdev)
{
	struct edu_vfio_device *edu = to_edu(vdev);

	mutex_init(&edu->state_mutex);
	spin_lock_init(&edu->reset_lock);
	return vfio_pci_core_init_dev(vdev);
}

static void edu_release(struct vfio_device *vdev)
{
	struct edu_vfio_device *edu = to_edu(vdev);

	mutex_destroy(&edu->state_mutex);
	vfio_pci_core_release_dev(vdev);
}

static int edu_open_device(struct vfio_device *vdev)
{
	struct edu_vfio_device *edu = to_edu(vdev);
	int ret;

	ret = vfio_pci_core_open_device(vdev);
	if (ret)
		return ret;
	mutex_lock(&edu->state_mutex);
	edu->mig_state = VFIO_DEVICE_STATE_RUNNING;
	edu_state_mutex_unlock(edu);
	return 0;
}

static void edu_close_device(struct vfio_device *vdev)
{
	struct edu_vfio_device *edu = to_edu(vdev);

	mutex_lock(&edu->state_mutex);
	edu_disable_fds(edu);
	edu->mig_state = VFIO_DEVICE_STATE_RUNNING;
	edu_state_mutex_unlock(edu);
	vfio_pci_core_close_device(vdev);
}

static const struct vfio_pci_core_ops edu_vfio_pci_ops = {
	.name = "edu-vfio-pci",
	.init = edu_init,
	.release = edu_release,
	.open_device = edu_open_device,
	.close_device = edu_close_device,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.mmap = vfio_pci_core_mmap,
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
	.request = vfio_pci_core_request,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_vfio_device *edu;
	int ret;

	/* driver_override and ids= can send us anything: take only edu. */
	if (pdev->vendor != EDU_VENDOR || pdev->device != EDU_DEVICE) {
		pci_info(pdev, "%04x:%04x is not a QEMU edu device (%04x:%04x), not binding\n",
			 pdev->vendor, pdev->device, EDU_VENDOR, EDU_DEVICE);
		return -ENODEV;
	}

	edu = vfio_pci_alloc_device(struct edu_vfio_device, core, &pdev->dev,
				    &edu_vfio_pci_ops);
	if (IS_ERR(edu))
		return PTR_ERR(edu);
	edu->core.mig_ops = &edu_mig_ops;
	edu->core.migration_flags = VFIO_MIGRATION_STOP_COPY |
				    VFIO_MIGRATION_P2P |
				    VFIO_MIGRATION_PRE_COPY;
	dev_set_drvdata(&pdev->dev, &edu->core);
	ret = vfio_pci_core_register_device(&edu->core);
	if (ret) {
		dev_set_drvdata(&pdev->dev, NULL);
		vfio_pci_put_device(&edu->core);
	}
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(core);
	vfio_pci_put_device(core);
}

static const struct pci_error_handlers edu_err_handlers = {
	.error_detected = vfio_pci_core_aer_err_detected,
	.reset_done = edu_reset_done,
};

/* vfio_pci: aliases only, so udev never loads us against a native driver. */
static const struct pci_device_id edu_vfio_pci_table[] = {
	COMPAT_VFIO_PCI_ID(EDU_VENDOR, EDU_DEVICE)
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_vfio_pci_table);
COMPAT_VFIO_PCI_ALIAS("00001234", "000011E8");

static struct pci_driver edu_vfio_pci_driver = {
	.name = "edu-vfio-pci",
	.id_table = edu_vfio_pci_table,
	.probe = edu_probe,
	.remove = edu_remove,
	.err_handler = &edu_err_handlers,
	COMPAT_DRIVER_MANAGED_DMA
};

static int __init edu_vfio_pci_init(void)
{
	int ret;

	ret = pci_register_driver(&edu_vfio_pci_driver);
	if (ret)
		return ret;
	vfio_pci_core_add_ids(&edu_vfio_pci_driver, ids);
	return 0;
}

static void __exit edu_vfio_pci_exit(void)
{
	pci_unregister_driver(&edu_vfio_pci_driver);
}

module_init(edu_vfio_pci_init);
module_exit(edu_vfio_pci_exit);
VFIO_PCI_DKMS_IMPORT_NS();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO variant driver with migration for QEMU's edu device (out-of-tree, DKMS)");
