/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-pci-core-dkms: the contract between the core library and the drivers
 * built on it (vfio-pci-dkms and the <vendor>-vfio-pci variants).
 *
 * The API keeps the upstream names (vfio_pci_core_register_device(), ...) so
 * an upstream variant ports by changing its includes. The link names carry a
 * dkms_ prefix (mapped below) so this module and the in-tree vfio-pci-core
 * export disjoint symbols and load side by side.
 *
 * Differences from upstream a variant author sees:
 *  - ops are a struct vfio_pci_core_ops (same member names and signatures as
 *    the upstream struct vfio_device_ops); the core builds the kernel-facing
 *    table for whichever vfio core the running kernel has;
 *  - allocate with vfio_pci_alloc_device() and drop with vfio_pci_put_device().
 */
#ifndef VFIO_PCI_CORE_DKMS_H
#define VFIO_PCI_CORE_DKMS_H

#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/uuid.h>
#include <linux/vfio.h>

#include "compat.h"

/* Exports live in their own namespace; drivers add MODULE_IMPORT_NS below. */
#define VFIO_PCI_DKMS_IMPORT_NS() COMPAT_MODULE_IMPORT_NS(VFIO_PCI_DKMS)

#define vfio_pci_core_init_dev		dkms_vfio_pci_core_init_dev
#define vfio_pci_core_release_dev	dkms_vfio_pci_core_release_dev
#define vfio_pci_core_register_device	dkms_vfio_pci_core_register_device
#define vfio_pci_core_unregister_device	dkms_vfio_pci_core_unregister_device
#define vfio_pci_core_enable		dkms_vfio_pci_core_enable
#define vfio_pci_core_finish_enable	dkms_vfio_pci_core_finish_enable
#define vfio_pci_core_disable		dkms_vfio_pci_core_disable
#define vfio_pci_core_open_device	dkms_vfio_pci_core_open_device
#define vfio_pci_core_close_device	dkms_vfio_pci_core_close_device
#define vfio_pci_core_ioctl		dkms_vfio_pci_core_ioctl
#define vfio_pci_core_ioctl_feature	dkms_vfio_pci_core_ioctl_feature
#define vfio_pci_core_read		dkms_vfio_pci_core_read
#define vfio_pci_core_write		dkms_vfio_pci_core_write
#define vfio_pci_core_mmap		dkms_vfio_pci_core_mmap
#define vfio_pci_ioctl_get_region_info	dkms_vfio_pci_ioctl_get_region_info
#define _vfio_pci_alloc_device		dkms__vfio_pci_alloc_device
#define vfio_pci_put_device		dkms_vfio_pci_put_device
#define vfio_pci_core_request		dkms_vfio_pci_core_request
#define vfio_pci_core_aer_err_detected	dkms_vfio_pci_core_aer_err_detected
#define vfio_pci_core_err_handlers	dkms_vfio_pci_core_err_handlers
#define vfio_pci_core_match		dkms_vfio_pci_core_match
#define vfio_pci_core_match_token_uuid	dkms_vfio_pci_core_match_token_uuid
#define vfio_pci_core_sriov_configure	dkms_vfio_pci_core_sriov_configure
#define vfio_pci_core_register_dev_region dkms_vfio_pci_core_register_dev_region
#define vfio_pci_core_add_ids		dkms_vfio_pci_core_add_ids
#define vfio_pci_core_bar_begin		dkms_vfio_pci_core_bar_begin
#define vfio_pci_core_bar_end		dkms_vfio_pci_core_bar_end

/* A driver's callbacks: upstream vfio_device_ops members, 6.1+ signatures. */
struct vfio_pci_core_ops {
	const char *name;
	int (*init)(struct vfio_device *vdev);
	void (*release)(struct vfio_device *vdev);
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	ssize_t (*read)(struct vfio_device *vdev, char __user *buf,
			size_t count, loff_t *ppos);
	ssize_t (*write)(struct vfio_device *vdev, const char __user *buf,
			 size_t count, loff_t *ppos);
	long (*ioctl)(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg);
	int (*device_feature)(struct vfio_device *vdev, u32 flags,
			      void __user *arg, size_t argsz);
	int (*mmap)(struct vfio_device *vdev, struct vm_area_struct *vma);
	int (*get_region_info_caps)(struct vfio_device *vdev,
				    struct vfio_region_info *info,
				    struct vfio_info_cap *caps);
	void (*request)(struct vfio_device *vdev, unsigned int count);
	int (*match)(struct vfio_device *vdev, char *buf);
	int (*match_token_uuid)(struct vfio_device *vdev, const uuid_t *uuid);
};

/* A region's file offset: its index above bit 40 (as upstream). */
#define VFIO_PCI_OFFSET_SHIFT	40
#define VFIO_PCI_OFFSET_TO_INDEX(off)	((u64)(off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((u64)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK	(((u64)1 << VFIO_PCI_OFFSET_SHIFT) - 1)
/*
 * Migration v2 callbacks: the members of the upstream struct
 * vfio_migration_ops (6.2+ signatures). A driver points vdev->mig_ops at
 * them and sets vdev->migration_flags before registering; the glue hands
 * them to the vfio core only where the kernel has migration v2, with the
 * flags that kernel understands (no PRE_COPY before 6.12). All three are
 * mandatory, and so is VFIO_MIGRATION_STOP_COPY.
 */
struct vfio_pci_core_mig_ops {
	struct file *(*migration_set_state)(struct vfio_device *vdev,
					    enum vfio_device_mig_state new_state);
	int (*migration_get_state)(struct vfio_device *vdev,
				   enum vfio_device_mig_state *curr_state);
	int (*migration_get_data_size)(struct vfio_device *vdev,
				       unsigned long *stop_copy_length);
};

/* The VGA region's windows: legacy memory, I/O 0x3b0-0x3bb, 0x3c0-0x3df. */
#define VFIO_PCI_VGA_WINDOWS	3

struct cfg_layout;
struct eventfd_ctx;
struct vfio_pci_irq_ctx;
struct vfio_pci_vf_token;
struct vfio_pci_core_device;
struct vfio_pci_region;

/*
 * A device-specific region (upstream struct vfio_pci_regops): index
 * VFIO_PCI_NUM_REGIONS + i, reported by GET_REGION_INFO with its type and
 * subtype. @rw gets the file position with the index bits still set and
 * must check the offset (*ppos & VFIO_PCI_OFFSET_MASK) against its size.
 */
struct vfio_pci_regops {
	ssize_t (*rw)(struct vfio_pci_core_device *vdev, char __user *buf,
		      size_t count, loff_t *ppos, bool iswrite);
	void (*release)(struct vfio_pci_core_device *vdev,
			struct vfio_pci_region *region);
	int (*mmap)(struct vfio_pci_core_device *vdev,
		    struct vfio_pci_region *region,
		    struct vm_area_struct *vma);
	int (*add_capability)(struct vfio_pci_core_device *vdev,
			      struct vfio_pci_region *region,
			      struct vfio_info_cap *caps);
};

struct vfio_pci_region {
	u32 type;
	u32 subtype;
	const struct vfio_pci_regops *ops;
	void *data;
	size_t size;
	u32 flags;
};

struct vfio_pci_core_device {
	struct vfio_device vdev;	/* first: the vfio core allocates us */
	struct pci_dev *pdev;
	const struct vfio_pci_core_ops *ops;
	const struct vfio_pci_core_mig_ops *mig_ops;	/* set by the driver */
	u32 migration_flags;				/* VFIO_MIGRATION_* */

	/* open_lock: the open count (5.10 counts opens itself) and lazy BAR claims */
	struct mutex open_lock;
	unsigned int open_count;
	bool initialized;

	/* Bus/slot reset (vfio_pci_reset.c) */
	bool needs_reset;		/* left without a function reset */
	void *compat_set;		/* 5.10: our own reset set (vfio_glue.c) */
	struct list_head compat_set_node;

	/* Config space: layout, virtual copy and BAR sizing state. */
	struct cfg_layout *cfg;
	u32 rbar[7];			/* BAR values to restore after a reset */
	bool bardirty;
	bool reset_works;		/* a function reset succeeded at open */
	bool nointxmask;		/* set by the driver: never use DisINTx masking */
	bool disable_idle_d3;		/* set by the driver: keep an unused device in D0 */
	bool disable_vga;		/* set by the driver: no VGA region */
	struct pci_saved_state *pci_saved_state;
	struct pci_saved_state *pm_saved_state;	/* across D3hot without No_Soft_Reset */
	bool low_power;			/* VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY */

	/* BAR access and the memory-enable protection of mappings. */
	void __iomem *barmap[PCI_STD_NUM_BARS];
	bool bar_mmappable[PCI_STD_NUM_BARS];
	struct resource *subpage_reserved[PCI_STD_NUM_BARS];
	int msix_bar;			/* -1: no MSI-X table */
	u32 msix_offset, msix_size;
	struct rw_semaphore memory_lock;
	struct file *mmap_file;		/* owns the address space we zap */

	/* The VGA region (vfio_pci_vga.c): legacy memory and I/O ranges. */
	bool has_vga;
	void __iomem *vga_map[VFIO_PCI_VGA_WINDOWS];

	/* VFIO_DEVICE_IOEVENTFD: eventfd-triggered BAR writes */
	struct mutex ioeventfds_lock;
	struct list_head ioeventfds;
	unsigned int ioeventfds_nr;

	/* Interrupts (vfio_pci_intrs.c); igate serializes their setup. */
	struct mutex igate;
	spinlock_t irqlock;		/* INTx mask state vs. its handler */
	int irq_type;			/* VFIO_PCI_*_IRQ_INDEX; NUM_IRQS: none */
	struct vfio_pci_irq_ctx *irq_ctx;	/* num_ctx vectors of irq_type */
	int num_ctx;
	bool pci_2_3;			/* INTx maskable with DisINTx */
	bool virq_disabled;		/* the user's (virtual) INTx disable */
	u8 msi_qmax;			/* log2 of the MSI vectors enabled */
	struct eventfd_ctx __rcu *err_trigger;
	struct eventfd_ctx __rcu *req_trigger;

	/* SR-IOV (vfio_pci_sriov.c) */
	struct vfio_pci_vf_token *vf_token;	/* a PF: its VFs' users show it */
	struct vfio_pci_core_device *sriov_pf_core_dev;	/* a VF: its PF, if ours */
	struct list_head sriov_pfs_item;	/* a PF with VFs enabled by us */
	struct notifier_block nb;		/* a PF: captures its new VFs */
	/* Device-specific regions (vfio_pci_region.c), as upstream. */
	struct vfio_pci_region *region;
	int num_regions;
};

static inline struct vfio_pci_core_device *
vfio_pci_core_from_vdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct vfio_pci_core_device, vdev);
}

struct vfio_pci_core_device *
_vfio_pci_alloc_device(size_t size, struct device *dev,
		       const struct vfio_pci_core_ops *ops);

/*
 * Allocate a driver's device struct, which embeds struct
 * vfio_pci_core_device as its first member, and run ops->init.
 */
#define vfio_pci_alloc_device(type, member, dev, ops)			\
	container_of(_vfio_pci_alloc_device(sizeof(type) +		\
		BUILD_BUG_ON_ZERO(offsetof(type, member)), dev, ops),	\
		type, member)
void vfio_pci_put_device(struct vfio_pci_core_device *vdev);

int vfio_pci_core_init_dev(struct vfio_device *core_vdev);
void vfio_pci_core_release_dev(struct vfio_device *core_vdev);
int vfio_pci_core_register_device(struct vfio_pci_core_device *vdev);
void vfio_pci_core_unregister_device(struct vfio_pci_core_device *vdev);
int vfio_pci_core_enable(struct vfio_pci_core_device *vdev);
void vfio_pci_core_finish_enable(struct vfio_pci_core_device *vdev);
void vfio_pci_core_disable(struct vfio_pci_core_device *vdev);
int vfio_pci_core_open_device(struct vfio_device *core_vdev);
void vfio_pci_core_close_device(struct vfio_device *core_vdev);
long vfio_pci_core_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg);
int vfio_pci_core_ioctl_feature(struct vfio_device *core_vdev, u32 flags,
				void __user *arg, size_t argsz);
ssize_t vfio_pci_core_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos);
ssize_t vfio_pci_core_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count, loff_t *ppos);
int vfio_pci_core_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma);
int vfio_pci_ioctl_get_region_info(struct vfio_device *core_vdev,
				   struct vfio_region_info *info,
				   struct vfio_info_cap *caps);

/*
 * Add a device-specific region, as upstream: call it from open_device after
 * vfio_pci_core_enable(); the core calls ops->release and forgets the
 * region when the device is closed (vfio_pci_core_disable()).
 */
int vfio_pci_core_register_dev_region(struct vfio_pci_core_device *vdev,
				      unsigned int type, unsigned int subtype,
				      const struct vfio_pci_regops *ops,
				      size_t size, u32 flags, void *data);

/* Interrupt notifications: a driver's .request and pci_driver.err_handler. */
void vfio_pci_core_request(struct vfio_device *core_vdev, unsigned int count);
pci_ers_result_t vfio_pci_core_aer_err_detected(struct pci_dev *pdev,
						pci_channel_state_t state);
extern const struct pci_error_handlers vfio_pci_core_err_handlers;

/*
 * SR-IOV: a driver's .match (the VF token in the device name,
 * "0000:01:00.1 vf_token=<uuid>"), its optional .match_token_uuid, and its
 * pci_driver.sriov_configure (after its own policy, e.g. enable_sriov).
 */
int vfio_pci_core_match(struct vfio_device *core_vdev, char *buf);
int vfio_pci_core_match_token_uuid(struct vfio_device *core_vdev,
				   const uuid_t *uuid);
int vfio_pci_core_sriov_configure(struct vfio_pci_core_device *vdev,
				  int nr_virtfn);

/*
 * ids= of a driver, in-tree syntax: "vendor:device[:subvendor[:subdevice
 * [:class[:class_mask]]]]", comma separated; bad entries are logged with
 * the driver's name and skipped. Call after pci_register_driver().
 */
void vfio_pci_core_add_ids(struct pci_driver *driver, char *ids);

/*
 * A driver's own access to a BAR (e.g. to save device state): maps the BAR
 * if needed and returns it with the memory lock held for reading, or an
 * IOMEM_ERR_PTR (-EIO while memory decoding is off or the device is in a
 * low-power state). Every success is paired with vfio_pci_core_bar_end().
 */
void __iomem *vfio_pci_core_bar_begin(struct vfio_pci_core_device *vdev,
				      int bar);
void vfio_pci_core_bar_end(struct vfio_pci_core_device *vdev);

#endif
