/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compat layer: the one place that turns compile-probe results (HAVE_*, from
 * the generated probes.h) into helpers, so driver code calls a single API and
 * never tests kernel versions.
 */
#ifndef VFIO_PCI_DKMS_COMPAT_H
#define VFIO_PCI_DKMS_COMPAT_H

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>

#include "probes.h"

/* 6.8 dropped the count argument of eventfd_signal(). */
static inline void compat_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef HAVE_EVENTFD_SIGNAL_1ARG
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * 6.2: MSI-X vectors added one at a time while MSI-X is on, where the
 * interrupt domain can. Returns the new Linux irq or a negative errno.
 */
static inline bool compat_msix_can_alloc_dyn(struct pci_dev *pdev)
{
#ifdef HAVE_PCI_MSIX_ALLOC_DYN
	return pci_msix_can_alloc_dyn(pdev);
#else
	return false;
#endif
}

static inline int compat_msix_alloc_irq_at(struct pci_dev *pdev,
					   unsigned int index)
{
#ifdef HAVE_PCI_MSIX_ALLOC_DYN
	struct msi_map map = pci_msix_alloc_irq_at(pdev, index, NULL);

	return map.index < 0 ? map.index : map.virq;
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * irq bypass (KVM posted interrupts) for an MSI/MSI-X vector whose eventfd
 * is @trigger: registered with the producer's token before 6.17, with the
 * eventfd as an argument from 6.17. Kernels without the bypass manager get
 * nothing. The producer must be zeroed before the first registration.
 */
#if IS_ENABLED(CONFIG_IRQ_BYPASS_MANAGER)
#include <linux/irqbypass.h>

static inline int compat_irq_bypass_register(struct irq_bypass_producer *prod,
					     struct eventfd_ctx *trigger, int irq)
{
#ifdef HAVE_IRQ_BYPASS_EVENTFD
	return irq_bypass_register_producer(prod, trigger, irq);
#else
	int ret;

	prod->token = trigger;
	prod->irq = irq;
	ret = irq_bypass_register_producer(prod);
	if (ret)
		prod->token = NULL;
	return ret;
#endif
}

static inline void compat_irq_bypass_unregister(struct irq_bypass_producer *prod)
{
	irq_bypass_unregister_producer(prod);
	memset(prod, 0, sizeof(*prod));
}
#else
struct irq_bypass_producer { };

static inline int compat_irq_bypass_register(struct irq_bypass_producer *prod,
					     struct eventfd_ctx *trigger, int irq)
{
	return 0;
}

static inline void compat_irq_bypass_unregister(struct irq_bypass_producer *prod)
{
}
#endif

/*
 * Before a VGA device goes to a user, the host's consoles must let go of
 * it: firmware framebuffers inside its BARs and, for the boot VGA device,
 * vgacon. 6.0's aperture helpers do both in one call; before them fbdev
 * removes the framebuffers and the arbiter removes vgacon.
 */
#ifdef HAVE_APERTURE_REMOVE_PCI
#include <linux/aperture.h>
#elif defined(HAVE_FB_REMOVE_CONFLICTING_PCI)
#include <linux/fb.h>
#endif
#include <linux/vgaarb.h>

static inline int compat_remove_host_consoles(struct pci_dev *pdev,
					      const char *name)
{
#ifdef HAVE_APERTURE_REMOVE_PCI
	return aperture_remove_conflicting_pci_devices(pdev, name);
#else
	int ret = 0;

#ifdef HAVE_FB_REMOVE_CONFLICTING_PCI
	ret = remove_conflicting_pci_framebuffers(pdev, name);
#endif
	return ret ?: vga_remove_vgacon(pdev);
#endif
}

/* 6.3 made vma->vm_flags read-only behind vm_flags_set(). */
static inline void compat_vm_flags_set(struct vm_area_struct *vma,
				       unsigned long flags)
{
#ifdef HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* 5.11 added vma_set_file(); before it, swap the reference by hand. */
static inline void compat_vma_set_file(struct vm_area_struct *vma,
				       struct file *file)
{
#ifdef HAVE_VMA_SET_FILE
	vma_set_file(vma, file);
#else
	struct file *old = vma->vm_file;

	vma->vm_file = get_file(file);
	fput(old);
#endif
}

/*
 * Symbol namespaces: a bare token until 6.12, a string literal from 6.13.
 * Both macros take the bare name.
 */
#ifdef HAVE_MODULE_IMPORT_NS_TOKEN
#define COMPAT_EXPORT_SYMBOL_NS_GPL(sym, ns) EXPORT_SYMBOL_NS_GPL(sym, ns)
#define COMPAT_MODULE_IMPORT_NS(ns) MODULE_IMPORT_NS(ns)
#else
#define COMPAT_EXPORT_SYMBOL_NS_GPL(sym, ns) EXPORT_SYMBOL_NS_GPL(sym, #ns)
#define COMPAT_MODULE_IMPORT_NS(ns) MODULE_IMPORT_NS(#ns)
#endif

/*
 * Override-only device tables (5.16): entries match only through
 * driver_override and modpost writes vfio_pci: aliases instead of pci: ones,
 * so udev never autoloads us against the native driver. Before 5.16 the
 * table has no such flag: such a kernel gets an empty table (the driver binds
 * only through driver_override or ids=) and explicit MODULE_ALIAS lines.
 */
#ifdef HAVE_PCI_DRIVER_OVERRIDE_DEVICE_VFIO
#define COMPAT_VFIO_PCI_ID(vend, dev) { PCI_DRIVER_OVERRIDE_DEVICE_VFIO(vend, dev) },
#define COMPAT_VFIO_PCI_ALIAS(vend, dev)
#else
#define COMPAT_VFIO_PCI_ID(vend, dev)
#define COMPAT_VFIO_PCI_ALIAS_STR(vend, dev) \
	"vfio_pci:v" vend "d" dev "sv*sd*bc*sc*i*"
#define COMPAT_VFIO_PCI_ALIAS(vend, dev) \
	MODULE_ALIAS(COMPAT_VFIO_PCI_ALIAS_STR(vend, dev))
#endif

/*
 * The same for a class of one vendor's devices: @cls/@mask as in struct
 * pci_device_id; the alias takes the vendor as 8 hex digits and the base
 * class as 2 (modpost's format), e.g. ("00008086", "03").
 */
#ifdef HAVE_PCI_DRIVER_OVERRIDE_DEVICE_VFIO
#define COMPAT_VFIO_PCI_CLASS_ID(vend, cls, mask)			\
	{ .vendor = (vend), .device = PCI_ANY_ID,			\
	  .subvendor = PCI_ANY_ID, .subdevice = PCI_ANY_ID,		\
	  .class = (cls), .class_mask = (mask),				\
	  .override_only = PCI_ID_F_VFIO_DRIVER_OVERRIDE },
#define COMPAT_VFIO_PCI_CLASS_ALIAS(vend, bc)
#else
#define COMPAT_VFIO_PCI_CLASS_ID(vend, cls, mask)
#define COMPAT_VFIO_PCI_CLASS_ALIAS(vend, bc) \
	MODULE_ALIAS("vfio_pci:v" vend "d*sv*sd*bc" bc "sc*i*")
#endif

/* 5.19: a vfio driver claims DMA ownership of the group itself. */
#ifdef HAVE_PCI_DRIVER_MANAGED_DMA
#define COMPAT_DRIVER_MANAGED_DMA .driver_managed_dma = true,
#else
#define COMPAT_DRIVER_MANAGED_DMA
#endif

/*
 * Low-power device features (uAPI of 6.0): older uAPI headers lack the
 * numbers; the 5.10 glue still offers the features.
 */
#ifndef VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY		3
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP	4
#define VFIO_DEVICE_FEATURE_LOW_POWER_EXIT		5
#endif

/*
 * driver_override of a new SR-IOV VF: struct device keeps it behind
 * device_set_driver_override() in newer kernels; before, the PCI device
 * holds the string and driver_set_override() (5.19, backported to Debian's
 * 5.10 where the field is still a plain char *) replaces it.
 */
static inline int compat_pci_set_driver_override(struct pci_dev *pdev,
						 const char *name)
{
#ifdef HAVE_DEVICE_SET_DRIVER_OVERRIDE
	return device_set_driver_override(&pdev->dev, name);
#else
	return driver_set_override(&pdev->dev,
				   (const char **)&pdev->driver_override,
				   name, strlen(name));
#endif
}

/*
 * Migration v2 (uAPI and vfio core of 6.1). 5.10 has only the v1 region,
 * whose bit macros take some of the v2 names: replace them by the v2 enum so
 * a variant's state machine compiles everywhere; the glue never offers
 * migration to such a kernel's vfio core (see vfio_glue_register).
 */
#ifndef HAVE_UAPI_MIGRATION_V2
#undef VFIO_DEVICE_STATE_STOP
#undef VFIO_DEVICE_STATE_RUNNING
#undef VFIO_DEVICE_STATE_SAVING
#undef VFIO_DEVICE_STATE_RESUMING
enum vfio_device_mig_state {
	VFIO_DEVICE_STATE_ERROR = 0,
	VFIO_DEVICE_STATE_STOP = 1,
	VFIO_DEVICE_STATE_RUNNING = 2,
	VFIO_DEVICE_STATE_STOP_COPY = 3,
	VFIO_DEVICE_STATE_RESUMING = 4,
	VFIO_DEVICE_STATE_RUNNING_P2P = 5,
};
#define VFIO_MIGRATION_STOP_COPY	(1 << 0)
#define VFIO_MIGRATION_P2P		(1 << 1)
#endif

/* PRE_COPY (uAPI of 6.12, upstream 6.2): numbers for older headers. */
#ifndef HAVE_UAPI_MIG_PRECOPY
#define VFIO_DEVICE_STATE_PRE_COPY	((enum vfio_device_mig_state)6)
#define VFIO_DEVICE_STATE_PRE_COPY_P2P	((enum vfio_device_mig_state)7)
#define VFIO_MIGRATION_PRE_COPY		(1 << 2)
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#define VFIO_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

/* The migration_flags this kernel's vfio core understands. */
#if !defined(HAVE_VFIO_MIGRATION_OPS)
#define COMPAT_VFIO_MIGRATION_FLAGS	0
#elif defined(HAVE_UAPI_MIG_PRECOPY) && defined(HAVE_VFIO_MIG_GET_DATA_SIZE)
#define COMPAT_VFIO_MIGRATION_FLAGS \
	(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY)
#else
#define COMPAT_VFIO_MIGRATION_FLAGS \
	(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P)
#endif

/*
 * The vfio core's FSM walker (6.1+), under its own name. Without migration
 * v2 the glue never offers migration, so nothing reaches a set_state.
 */
#ifndef HAVE_VFIO_MIGRATION_OPS
static inline int vfio_mig_get_next_state(struct vfio_device *device,
					  enum vfio_device_mig_state cur_fsm,
					  enum vfio_device_mig_state new_fsm,
					  enum vfio_device_mig_state *next_fsm)
{
	return -EOPNOTSUPP;
}
#endif

#endif
