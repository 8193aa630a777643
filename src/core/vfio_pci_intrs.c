// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts: VFIO_DEVICE_SET_IRQS for INTx, MSI, MSI-X and the error and
 * request eventfds, the INTx masking that config space and reset need, and
 * the AER and device-request notifications.
 *
 * Locking:
 *  - igate (mutex) serializes every change of interrupt state: the mode
 *    (irq_type), the vector contexts, the user's virtual INTx disable
 *    (virq_disabled) and the err/req eventfds. It nests outside memory_lock
 *    (MSI setup enables memory decode) and is never taken with memory_lock
 *    held, so config writes call in here only after dropping memory_lock.
 *  - irqlock (spinlock) orders the INTx masked state and the physical mask
 *    against the INTx handler and the unmask eventfd, which run without
 *    igate. Their context lives from INTx enable to INTx disable, and
 *    disable stops both before freeing it.
 *  - err/req eventfds are read under RCU: the AER and unbind paths run
 *    under PCI and driver-core locks that SET_IRQS paths also take, so
 *    they must not wait for igate.
 *
 * Whenever no INTx handler is registered the physical INTx stays masked
 * (for devices that can mask it), so a device can never raise a level
 * interrupt nobody acknowledges.
 */
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"
#include "config_space.h"

struct vfio_pci_irq_ctx {
	struct eventfd_ctx *trigger;
	struct irq_bypass_producer producer;	/* MSI, MSI-X: for KVM */
	struct virqfd *unmask;		/* INTx only */
	char *name;
	bool masked;			/* INTx only, under irqlock */
};

#define VFIO_PCI_IRQ_NONE VFIO_PCI_NUM_IRQS

static bool is_intx(struct vfio_pci_core_device *vdev)
{
	return vdev->irq_type == VFIO_PCI_INTX_IRQ_INDEX;
}

static bool is_irq_none(struct vfio_pci_core_device *vdev)
{
	return vdev->irq_type == VFIO_PCI_IRQ_NONE;
}

/*
 * MSI and MSI-X programming touches the device (MSI-X tables live in a
 * BAR), so memory decode must be on meanwhile, whatever the user chose.
 * Holding memory_lock keeps the user's mappings and accesses out; only the
 * memory enable bit is put back, other command bits the PCI core changed
 * meanwhile (INTx disable for MSI) stay.
 */
static u16 irq_memory_lock_and_enable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 cmd;

	down_write(&vdev->memory_lock);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(pdev, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	return cmd;
}

static void irq_memory_unlock_and_restore(struct vfio_pci_core_device *vdev,
					  u16 old)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 cmd;

	if (!(old & PCI_COMMAND_MEMORY)) {
		pci_read_config_word(pdev, PCI_COMMAND, &cmd);
		pci_write_config_word(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
	}
	up_write(&vdev->memory_lock);
}

/* ---------------------------------------------------------------- INTx --- */

/* Runs in the INTx handler, the unmask eventfd's worker and under igate. */
static void vfio_send_intx_eventfd(void *opaque, void *unused)
{
	struct vfio_pci_core_device *vdev = opaque;
	struct eventfd_ctx *trigger;

	if (!is_intx(vdev) || READ_ONCE(vdev->virq_disabled))
		return;
	trigger = READ_ONCE(vdev->irq_ctx[0].trigger);
	if (trigger)
		compat_eventfd_signal(trigger);
}

/*
 * Make the physical INTx mask match our state. The user's config writes
 * read-modify-write the command register without irqlock and may put back
 * an INTx disable bit the handler changed meanwhile; this repairs it.
 */
static void vfio_intx_sync_hw(struct vfio_pci_core_device *vdev)
{
	unsigned long flags;

	lockdep_assert_held(&vdev->igate);
	if (!vdev->pci_2_3)
		return;
	spin_lock_irqsave(&vdev->irqlock, flags);
	if (is_intx(vdev))
		pci_intx(vdev->pdev, !vdev->irq_ctx[0].masked);
	else if (is_irq_none(vdev))
		pci_intx(vdev->pdev, 0);
	spin_unlock_irqrestore(&vdev->irqlock, flags);
}

static void vfio_intx_mask(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_ctx *ctx;
	unsigned long flags;

	lockdep_assert_held(&vdev->igate);
	if (!is_intx(vdev))
		return;
	ctx = &vdev->irq_ctx[0];
	spin_lock_irqsave(&vdev->irqlock, flags);
	if (!ctx->masked) {
		/* Always mask, not only when an interrupt is pending. */
		if (vdev->pci_2_3)
			pci_intx(vdev->pdev, 0);
		else
			disable_irq_nosync(vdev->pdev->irq);
		ctx->masked = true;
	}
	spin_unlock_irqrestore(&vdev->irqlock, flags);
}

/*
 * Unmask, from the ioctl, config space or the unmask eventfd (in its
 * wakeup, atomic). Returns 1 when the interrupt is still pending: it stays
 * masked and the user must be signalled again, which the eventfd path
 * cannot do from inside another eventfd's wakeup, so the caller does.
 */
static int vfio_intx_unmask_handler(void *opaque, void *unused)
{
	struct vfio_pci_core_device *vdev = opaque;
	struct vfio_pci_irq_ctx *ctx;
	unsigned long flags;
	int ret = 0;

	if (!is_intx(vdev))
		return 0;
	ctx = &vdev->irq_ctx[0];
	spin_lock_irqsave(&vdev->irqlock, flags);
	if (ctx->masked && !READ_ONCE(vdev->virq_disabled)) {
		if (vdev->pci_2_3) {
			if (!pci_check_and_unmask_intx(vdev->pdev))
				ret = 1;
		} else {
			enable_irq(vdev->pdev->irq);
		}
		ctx->masked = ret > 0;
	}
	spin_unlock_irqrestore(&vdev->irqlock, flags);
	return ret;
}

static void vfio_intx_unmask(struct vfio_pci_core_device *vdev)
{
	lockdep_assert_held(&vdev->igate);
	if (vfio_intx_unmask_handler(vdev, NULL) > 0)
		vfio_send_intx_eventfd(vdev, NULL);
}

static irqreturn_t vfio_intx_handler(int irq, void *dev_id)
{
	struct vfio_pci_core_device *vdev = dev_id;
	struct vfio_pci_irq_ctx *ctx = &vdev->irq_ctx[0];
	irqreturn_t ret = IRQ_NONE;
	unsigned long flags;

	spin_lock_irqsave(&vdev->irqlock, flags);
	if (!vdev->pci_2_3) {
		/* Exclusive line: it can only be ours. */
		disable_irq_nosync(irq);
		ctx->masked = true;
		ret = IRQ_HANDLED;
	} else if (!ctx->masked && pci_check_and_mask_intx(vdev->pdev)) {
		/* A shared line: only claim it when our device asserts it. */
		ctx->masked = true;
		ret = IRQ_HANDLED;
	}
	spin_unlock_irqrestore(&vdev->irqlock, flags);

	if (ret == IRQ_HANDLED)
		vfio_send_intx_eventfd(vdev, NULL);
	return ret;
}

/*
 * The handler lives as long as INTx mode does; the eventfd can come and go
 * (vfio_intx_set_signal) without tearing it down.
 */
static int vfio_intx_enable(struct vfio_pci_core_device *vdev,
			    struct eventfd_ctx *trigger)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_irq_ctx *ctx;
	unsigned long irqflags;
	int ret;

	if (!is_irq_none(vdev))
		return -EINVAL;
	if (!vfio_pci_intx_usable(pdev))
		return -ENODEV;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-intx(%s)", pci_name(pdev));
	if (!ctx->name) {
		kfree(ctx);
		return -ENOMEM;
	}
	ctx->trigger = trigger;
	/* Start as the user's INTx disable bit says. */
	ctx->masked = vdev->virq_disabled;

	/* The handler reads both: set them before it can run. */
	vdev->irq_ctx = ctx;
	vdev->num_ctx = 1;
	vdev->irq_type = VFIO_PCI_INTX_IRQ_INDEX;

	if (vdev->pci_2_3) {
		/* Still masked physically; unmasked below once we handle it. */
		irqflags = IRQF_SHARED;
	} else {
		/*
		 * No INTx disable bit: the line is ours alone and is masked
		 * at the interrupt controller. request_irq must not enable
		 * it when the user masked it, and disable_irq must mask at
		 * once: a lazily disabled level interrupt keeps firing.
		 */
		irqflags = ctx->masked ? IRQF_NO_AUTOEN : 0;
		irq_set_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
	}

	ret = request_irq(pdev->irq, vfio_intx_handler, irqflags, ctx->name, vdev);
	if (ret) {
		if (!vdev->pci_2_3)
			irq_clear_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
		vdev->irq_type = VFIO_PCI_IRQ_NONE;
		vdev->irq_ctx = NULL;
		vdev->num_ctx = 0;
		kfree(ctx->name);
		kfree(ctx);	/* the caller still owns trigger */
		return ret;
	}
	vfio_intx_sync_hw(vdev);
	return 0;
}

/* Swap the eventfd; the old one may still be in use by the handler. */
static void vfio_intx_set_signal(struct vfio_pci_core_device *vdev,
				 struct eventfd_ctx *trigger)
{
	struct vfio_pci_irq_ctx *ctx = &vdev->irq_ctx[0];
	struct eventfd_ctx *old = ctx->trigger;

	WRITE_ONCE(ctx->trigger, trigger);
	if (old) {
		synchronize_irq(vdev->pdev->irq);
		vfio_virqfd_flush_thread(&ctx->unmask);
		eventfd_ctx_put(old);
	}
}

static void vfio_intx_disable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_irq_ctx *ctx = vdev->irq_ctx;
	unsigned long flags;

	vfio_virqfd_disable(&ctx->unmask);
	/* Nobody will acknowledge it any more: mask before letting go. */
	if (vdev->pci_2_3) {
		spin_lock_irqsave(&vdev->irqlock, flags);
		pci_intx(pdev, 0);
		spin_unlock_irqrestore(&vdev->irqlock, flags);
	}
	free_irq(pdev->irq, vdev);
	if (!vdev->pci_2_3)
		irq_clear_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
	if (ctx->trigger)
		eventfd_ctx_put(ctx->trigger);
	kfree(ctx->name);
	kfree(ctx);
	vdev->irq_ctx = NULL;
	vdev->num_ctx = 0;
	vdev->irq_type = VFIO_PCI_IRQ_NONE;
}

/* ---------------------------------------------------------- MSI, MSI-X --- */

static irqreturn_t vfio_msihandler(int irq, void *arg)
{
	compat_eventfd_signal(arg);
	return IRQ_HANDLED;
}

/*
 * Whether MSI-X vectors past those enabled can be added later (GET_IRQ_INFO
 * then leaves out NORESIZE): where the kernel and the interrupt domain can
 * allocate them one at a time.
 */
bool vfio_pci_msix_dynamic(struct vfio_pci_core_device *vdev)
{
	return vdev->pdev->msix_cap && compat_msix_can_alloc_dyn(vdev->pdev);
}

/*
 * Allocate @nvec vectors now. Without dynamic MSI-X (NORESIZE) the set is
 * fixed until MSI is disabled; with it, a context exists for every entry of
 * the table and a vector past the first @nvec gets its interrupt when the
 * user first attaches an eventfd to it. Returns 0, a negative errno, or the
 * number of vectors the device could have, if fewer than asked (as
 * upstream does).
 */
static int vfio_msi_enable(struct vfio_pci_core_device *vdev, int nvec,
			   bool msix)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_irq_ctx *ctx;
	int nctx = nvec;
	u16 cmd;
	int ret;

	if (!is_irq_none(vdev))
		return -EINVAL;

	if (msix && vfio_pci_msix_dynamic(vdev))
		nctx = max(nvec, pci_msix_vec_count(pdev));
	ctx = kcalloc(nctx, sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;

	cmd = irq_memory_lock_and_enable(vdev);
	ret = pci_alloc_irq_vectors(pdev, 1, nvec, msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	if (ret > 0 && ret < nvec)
		pci_free_irq_vectors(pdev);
	irq_memory_unlock_and_restore(vdev, cmd);
	if (ret < nvec) {
		kfree(ctx);
		return ret;
	}

	vdev->irq_ctx = ctx;
	vdev->num_ctx = nctx;
	vdev->irq_type = msix ? VFIO_PCI_MSIX_IRQ_INDEX : VFIO_PCI_MSI_IRQ_INDEX;
	/* The queue size the user may program: log2 of the vectors enabled. */
	if (!msix)
		vdev->msi_qmax = fls(nvec * 2 - 1) - 1;
	return 0;
}

/* Attach eventfd @fd to @vector (fd < 0: detach only). */
static int vfio_msi_set_vector_signal(struct vfio_pci_core_device *vdev,
				      int vector, int fd, bool msix)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_irq_ctx *ctx = &vdev->irq_ctx[vector];
	struct eventfd_ctx *trigger;
	int irq, ret;
	char *name;
	u16 cmd;

	irq = pci_irq_vector(pdev, vector);
	if (irq < 0 && msix && vfio_pci_msix_dynamic(vdev)) {
		/* A vector never used yet: nothing to detach, else add it. */
		if (fd < 0)
			return 0;
		cmd = irq_memory_lock_and_enable(vdev);
		irq = compat_msix_alloc_irq_at(pdev, vector);
		irq_memory_unlock_and_restore(vdev, cmd);
	}
	if (irq <= 0)
		return -EINVAL;

	if (ctx->trigger) {
		compat_irq_bypass_unregister(&ctx->producer);
		/* Freeing masks an MSI-X vector: decode must be on. */
		cmd = irq_memory_lock_and_enable(vdev);
		free_irq(irq, ctx->trigger);
		irq_memory_unlock_and_restore(vdev, cmd);
		kfree(ctx->name);
		ctx->name = NULL;
		eventfd_ctx_put(ctx->trigger);
		ctx->trigger = NULL;
	}
	if (fd < 0)
		return 0;

	name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-msi%s[%d](%s)",
			 msix ? "x" : "", vector, pci_name(pdev));
	if (!name)
		return -ENOMEM;
	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger)) {
		kfree(name);
		return PTR_ERR(trigger);
	}

	cmd = irq_memory_lock_and_enable(vdev);
	/*
	 * The user may have overwritten the table entry (it is in a BAR) or a
	 * reset behind our back cleared it: write our message again.
	 */
	if (msix) {
		struct msi_msg msg;

		get_cached_msi_msg(irq, &msg);
		pci_write_msi_msg(irq, &msg);
	}
	ret = request_irq(irq, vfio_msihandler, 0, name, trigger);
	irq_memory_unlock_and_restore(vdev, cmd);
	if (ret) {
		eventfd_ctx_put(trigger);
		kfree(name);
		return ret;
	}
	ctx->name = name;
	ctx->trigger = trigger;
	/* Without it KVM still gets the interrupt, through the eventfd. */
	ret = compat_irq_bypass_register(&ctx->producer, trigger, irq);
	if (ret)
		pci_info_ratelimited(pdev,
				     "irq bypass producer (vector %d) not registered: %d\n",
				     vector, ret);
	return 0;
}

/* On failure, the vectors of this call are left without eventfds. */
static int vfio_msi_set_block(struct vfio_pci_core_device *vdev,
			      unsigned int start, unsigned int count,
			      const s32 *fds, bool msix)
{
	unsigned int i;
	int ret = 0;

	if (start >= vdev->num_ctx || count > vdev->num_ctx - start)
		return -EINVAL;

	for (i = 0; i < count && !ret; i++)
		ret = vfio_msi_set_vector_signal(vdev, start + i,
						 fds ? fds[i] : -1, msix);
	if (ret)
		while (i--)
			vfio_msi_set_vector_signal(vdev, start + i, -1, msix);
	return ret;
}

static void vfio_msi_disable(struct vfio_pci_core_device *vdev, bool msix)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned long flags;
	int i;
	u16 cmd;

	for (i = 0; i < vdev->num_ctx; i++)
		vfio_msi_set_vector_signal(vdev, i, -1, msix);

	cmd = irq_memory_lock_and_enable(vdev);
	pci_free_irq_vectors(pdev);
	irq_memory_unlock_and_restore(vdev, cmd);

	kfree(vdev->irq_ctx);
	vdev->irq_ctx = NULL;
	vdev->num_ctx = 0;
	vdev->irq_type = VFIO_PCI_IRQ_NONE;

	/* Turning MSI off re-enabled INTx, which nobody handles now. */
	if (vdev->pci_2_3) {
		spin_lock_irqsave(&vdev->irqlock, flags);
		pci_intx(pdev, 0);
		spin_unlock_irqrestore(&vdev->irqlock, flags);
	}
}

/* ------------------------------------------------------------ SET_IRQS --- */

static int vfio_pci_set_intx_unmask(struct vfio_pci_core_device *vdev,
				    unsigned int start, unsigned int count,
				    u32 flags, void *data)
{
	s32 fd;

	if (!is_intx(vdev) || start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		vfio_intx_unmask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			vfio_intx_unmask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		fd = *(s32 *)data;
		if (fd >= 0)
			return vfio_virqfd_enable(vdev, vfio_intx_unmask_handler,
						  vfio_send_intx_eventfd, NULL,
						  &vdev->irq_ctx[0].unmask, fd);
		vfio_virqfd_disable(&vdev->irq_ctx[0].unmask);
	}
	return 0;
}

static int vfio_pci_set_intx_mask(struct vfio_pci_core_device *vdev,
				  unsigned int start, unsigned int count,
				  u32 flags, void *data)
{
	if (!is_intx(vdev) || start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		vfio_intx_mask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			vfio_intx_mask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		return -ENOTTY;		/* no mask eventfd, as upstream */
	}
	return 0;
}

static int vfio_pci_set_intx_trigger(struct vfio_pci_core_device *vdev,
				     unsigned int start, unsigned int count,
				     u32 flags, void *data)
{
	struct eventfd_ctx *trigger = NULL;
	s32 fd;
	int ret;

	if (is_intx(vdev) && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vfio_intx_disable(vdev);
		return 0;
	}
	if (!(is_intx(vdev) || is_irq_none(vdev)) || start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		/* A negative fd enables INTx (or keeps it) with no eventfd. */
		fd = *(s32 *)data;
		if (fd >= 0) {
			trigger = eventfd_ctx_fdget(fd);
			if (IS_ERR(trigger))
				return PTR_ERR(trigger);
		}
		if (is_intx(vdev)) {
			vfio_intx_set_signal(vdev, trigger);
			return 0;
		}
		ret = vfio_intx_enable(vdev, trigger);
		if (ret && trigger)
			eventfd_ctx_put(trigger);
		return ret;
	}

	/* DATA_NONE and DATA_BOOL: loopback, to test the user's path. */
	if (!is_intx(vdev))
		return -EINVAL;
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || *(u8 *)data)
		vfio_send_intx_eventfd(vdev, NULL);
	return 0;
}

static int vfio_pci_set_msi_trigger(struct vfio_pci_core_device *vdev,
				    unsigned int index, unsigned int start,
				    unsigned int count, u32 flags, void *data)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	struct eventfd_ctx *trigger;
	unsigned int i;
	int ret;

	if (vdev->irq_type == index && !count &&
	    (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vfio_msi_disable(vdev, msix);
		return 0;
	}
	if (!(vdev->irq_type == index || is_irq_none(vdev)))
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (vdev->irq_type == index)
			return vfio_msi_set_block(vdev, start, count, data, msix);
		ret = vfio_msi_enable(vdev, start + count, msix);
		if (ret)
			return ret;
		ret = vfio_msi_set_block(vdev, start, count, data, msix);
		if (ret)
			vfio_msi_disable(vdev, msix);
		return ret;
	}

	/* Loopback: signal the eventfds of the vectors that have one. */
	if (vdev->irq_type != index)
		return -EINVAL;
	for (i = start; i < start + count && i < vdev->num_ctx; i++) {
		trigger = vdev->irq_ctx[i].trigger;
		if (!trigger)
			continue;
		if ((flags & VFIO_IRQ_SET_DATA_NONE) || ((u8 *)data)[i - start])
			compat_eventfd_signal(trigger);
	}
	return 0;
}

/* Replace an err/req eventfd; readers hold only rcu_read_lock. */
static void vfio_pci_trigger_replace(struct vfio_pci_core_device *vdev,
				     struct eventfd_ctx __rcu **slot,
				     struct eventfd_ctx *new)
{
	struct eventfd_ctx *old;

	old = rcu_dereference_protected(*slot, lockdep_is_held(&vdev->igate));
	rcu_assign_pointer(*slot, new);
	if (old) {
		synchronize_rcu();
		eventfd_ctx_put(old);
	}
}

static int vfio_pci_set_trigger_single(struct vfio_pci_core_device *vdev,
				       struct eventfd_ctx __rcu **slot,
				       unsigned int start, unsigned int count,
				       u32 flags, void *data)
{
	struct eventfd_ctx *cur, *ctx;
	s32 fd;

	if (start != 0 || count > 1)
		return -EINVAL;
	cur = rcu_dereference_protected(*slot, lockdep_is_held(&vdev->igate));

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		/* count 1: loopback; count 0: unregister. */
		if (!cur)
			return -EINVAL;
		if (count)
			compat_eventfd_signal(cur);
		else
			vfio_pci_trigger_replace(vdev, slot, NULL);
		return 0;
	}
	if (!count)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data && cur)
			compat_eventfd_signal(cur);
		return 0;
	}
	/* DATA_EVENTFD: -1 unregisters, other negative values are invalid. */
	fd = *(s32 *)data;
	if (fd == -1) {
		vfio_pci_trigger_replace(vdev, slot, NULL);
		return 0;
	}
	if (fd < 0)
		return -EINVAL;
	ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	vfio_pci_trigger_replace(vdev, slot, ctx);
	return 0;
}

/*
 * Run the handler of an index and action under igate; -ENOTTY for what we
 * do not offer: masking MSI vectors, the error interrupt off PCI Express,
 * more or fewer than one action.
 */
static int vfio_pci_set_irqs(struct vfio_pci_core_device *vdev, u32 flags,
			     unsigned int index, unsigned int start,
			     unsigned int count, void *data)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	lockdep_assert_held(&vdev->igate);
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return vfio_pci_set_intx_mask(vdev, start, count, flags, data);
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return vfio_pci_set_intx_unmask(vdev, start, count, flags, data);
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_pci_set_intx_trigger(vdev, start, count, flags, data);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_pci_set_msi_trigger(vdev, index, start, count,
							flags, data);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER && pci_is_pcie(vdev->pdev))
			return vfio_pci_set_trigger_single(vdev, &vdev->err_trigger,
							   start, count, flags, data);
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_pci_set_trigger_single(vdev, &vdev->req_trigger,
							   start, count, flags, data);
		break;
	}
	return -ENOTTY;
}

int vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev,
			    struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	void *data = NULL;
	int max, ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	/* The kernel's checks: argsz, index, flags, start + count, payload. */
	max = hdr.index < VFIO_PCI_NUM_IRQS ? vfio_pci_irq_count(vdev, hdr.index) : 0;
	ret = vfio_set_irqs_validate_and_prepare(&hdr, max, VFIO_PCI_NUM_IRQS,
						 &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = memdup_user(&arg->data, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&vdev->igate);
	ret = vfio_pci_set_irqs(vdev, hdr.flags, hdr.index, hdr.start,
				hdr.count, data);
	mutex_unlock(&vdev->igate);
	kfree(data);
	return ret;
}

/* ------------------------------------------------- hooks for the core --- */

void vfio_pci_irqs_init(struct vfio_pci_core_device *vdev)
{
	mutex_init(&vdev->igate);
	spin_lock_init(&vdev->irqlock);
	vdev->irq_type = VFIO_PCI_IRQ_NONE;
}

void vfio_pci_irqs_uninit(struct vfio_pci_core_device *vdev)
{
	mutex_destroy(&vdev->igate);
}

/* First open, after config space is set up: no interrupts yet. */
void vfio_pci_irqs_open(struct vfio_pci_core_device *vdev)
{
	mutex_lock(&vdev->igate);
	/* nointxmask: the driver asked for the exclusive, unshared INTx path. */
	vdev->pci_2_3 = !vdev->nointxmask && pci_intx_mask_supported(vdev->pdev);
	/* Follow the INTx disable bit the user reads. */
	vdev->virq_disabled = vdev->cfg &&
		(vdev->cfg->vconfig[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8));
	vdev->msi_qmax = 0;
	vfio_intx_sync_hw(vdev);
	mutex_unlock(&vdev->igate);
}

/* Last close: tear down whatever the user left configured. */
void vfio_pci_irqs_close(struct vfio_pci_core_device *vdev)
{
	mutex_lock(&vdev->igate);
	if (is_intx(vdev))
		vfio_intx_disable(vdev);
	else if (vdev->irq_type == VFIO_PCI_MSI_IRQ_INDEX)
		vfio_msi_disable(vdev, false);
	else if (vdev->irq_type == VFIO_PCI_MSIX_IRQ_INDEX)
		vfio_msi_disable(vdev, true);
	vfio_pci_trigger_replace(vdev, &vdev->err_trigger, NULL);
	vfio_pci_trigger_replace(vdev, &vdev->req_trigger, NULL);
	WRITE_ONCE(vdev->virq_disabled, false);
	mutex_unlock(&vdev->igate);
}

/*
 * A reset restores the command register it saved, which may predate a
 * mask the handler applied meanwhile: put the physical mask back in line.
 * (MSI and MSI-X state is restored by the PCI core.) Call without
 * memory_lock.
 */
void vfio_pci_irqs_after_reset(struct vfio_pci_core_device *vdev)
{
	mutex_lock(&vdev->igate);
	vfio_intx_sync_hw(vdev);
	mutex_unlock(&vdev->igate);
}

/*
 * The user wrote the command register: the INTx disable bit is virtual and
 * masks our INTx delivery, as on hardware. Call without memory_lock.
 */
void vfio_pci_intx_command_written(struct vfio_pci_core_device *vdev)
{
	bool disabled;

	mutex_lock(&vdev->igate);
	if (!vdev->cfg)
		goto out;
	/* Read back rather than pass the value: racing writers converge. */
	disabled = vdev->cfg->vconfig[PCI_COMMAND + 1] &
		   (PCI_COMMAND_INTX_DISABLE >> 8);
	if (disabled != vdev->virq_disabled) {
		WRITE_ONCE(vdev->virq_disabled, disabled);
		if (disabled)
			vfio_intx_mask(vdev);
		else
			vfio_intx_unmask(vdev);
	}
	vfio_intx_sync_hw(vdev);
out:
	mutex_unlock(&vdev->igate);
}

/*
 * The user wrote the MSI flags at @cap + PCI_MSI_FLAGS (virtual): pass the
 * queue size, clamped to the vectors enabled, and the enable bit, only
 * while MSI is on through SET_IRQS, to the device, and show the user what
 * the device got.
 */
void vfio_pci_msi_flags_written(struct vfio_pci_core_device *vdev, int cap)
{
	u8 *pflags;
	u8 flags;

	mutex_lock(&vdev->igate);
	if (!vdev->cfg)
		goto out;
	pflags = &vdev->cfg->vconfig[cap + PCI_MSI_FLAGS];
	flags = *pflags;
	if (vdev->irq_type != VFIO_PCI_MSI_IRQ_INDEX)
		flags &= ~PCI_MSI_FLAGS_ENABLE;
	if (((flags & PCI_MSI_FLAGS_QSIZE) >> 4) > vdev->msi_qmax)
		flags = (flags & ~PCI_MSI_FLAGS_QSIZE) | (vdev->msi_qmax << 4);
	*pflags = flags;
	pci_user_write_config_byte(vdev->pdev, cap + PCI_MSI_FLAGS, flags);
out:
	mutex_unlock(&vdev->igate);
}

/* ---------------------------------------------------- err and request --- */

/*
 * The vfio core asks us to give the device back (unbind, hot unplug) and
 * repeats until the user closes it: relay to the user's request eventfd.
 */
void vfio_pci_core_request(struct vfio_device *core_vdev, unsigned int count)
{
	struct vfio_pci_core_device *vdev = vfio_pci_core_from_vdev(core_vdev);
	struct eventfd_ctx *trigger;

	rcu_read_lock();
	trigger = rcu_dereference(vdev->req_trigger);
	if (trigger) {
		if (!(count % 10))
			pci_notice_ratelimited(vdev->pdev,
					       "relaying device request to the user (#%u)\n",
					       count);
		compat_eventfd_signal(trigger);
	} else if (!count) {
		pci_warn(vdev->pdev,
			 "no device request channel registered, blocked until the user releases the device\n");
	}
	rcu_read_unlock();
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_request, VFIO_PCI_DKMS);

/*
 * AER found an error on the device: tell the user, who owns the device and
 * its recovery; the host has nothing to reset behind the user's back.
 */
pci_ers_result_t vfio_pci_core_aer_err_detected(struct pci_dev *pdev,
						pci_channel_state_t state)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);
	struct eventfd_ctx *trigger;

	if (!vdev)
		return PCI_ERS_RESULT_CAN_RECOVER;
	rcu_read_lock();
	trigger = rcu_dereference(vdev->err_trigger);
	if (trigger)
		compat_eventfd_signal(trigger);
	rcu_read_unlock();
	return PCI_ERS_RESULT_CAN_RECOVER;
}
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_aer_err_detected, VFIO_PCI_DKMS);

const struct pci_error_handlers vfio_pci_core_err_handlers = {
	.error_detected = vfio_pci_core_aer_err_detected,
};
COMPAT_EXPORT_SYMBOL_NS_GPL(vfio_pci_core_err_handlers, VFIO_PCI_DKMS);
