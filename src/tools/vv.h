/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-variant: which driver claims which PCI device, and why.
 *
 * Shared declarations of the CLI. The model follows the two programs that
 * decide in real life:
 *  - kmod (modprobe): modprobe.d files sorted by name across /etc, /run,
 *    /usr/local/lib, /usr/lib and /lib (a name in an earlier directory masks
 *    the same name in a later one), plus modules.softdep and the kernel
 *    command line; a lookup tries config aliases (fnmatch, all matches),
 *    then module names, install commands, modules.alias (all matches) and
 *    built-in aliases, and stops at the first that finds anything.
 *  - libvirt (>= 10): for VFIO it scans the text modules.alias for
 *    "vfio_pci:" lines whose seven fields are "*" or equal to the device's
 *    modalias fields, and keeps the one with the fewest "*" (the first on a
 *    tie); no match means vfio-pci.
 */
#ifndef VV_H
#define VV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PCI_ANY_ID 0xffffffffu
#define VV_CONFDIR "/etc/vfio-pci-variants/devices.d"
#define VV_GENERIC_MODULE "vfio_pci_dkms"
#define VV_GENERIC_DRIVER "vfio-pci-dkms"

/* util.c */
struct strv {
	char **v;
	size_t n, cap;
};

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void strv_push(struct strv *s, char *owned);
void strv_add(struct strv *s, const char *str);
bool strv_has(const struct strv *s, const char *str);
void strv_free(struct strv *s);
char *read_text(const char *path, size_t max);
char *read_data(const char *path, size_t max, size_t *lenp);
int write_text(const char *path, const char *text);
char *modname_norm(const char *s);
bool modname_valid(const char *s);
char *chomp(char *s);
bool bdf_normalize(const char *in, char out[16]);
void json_str(FILE *f, const char *s);
void json_strv(FILE *f, const struct strv *s);

/* The environment every command runs in. */
struct ctx {
	const char *root;	/* "" for the real system, else a directory */
	char *kver;		/* /lib/modules/<kver> */
	bool json;
	bool quiet;
};
char *rpath(const struct ctx *c, const char *path);

/* modconf.c: modprobe.d as kmod reads it */
enum cfg_kind { K_ALIAS, K_OPTIONS, K_INSTALL, K_REMOVE, K_SOFTDEP,
		K_WEAKDEP, K_BLACKLIST };
enum origin { O_ADMIN, O_PACKAGE, O_MODULES, O_CMDLINE };
enum sev { SEV_NOTE, SEV_WARN, SEV_ERR };

struct cfg_entry {
	enum cfg_kind kind;
	enum origin origin;
	const char *file;	/* shown path; "kernel command line" for O_CMDLINE */
	unsigned int line;	/* first physical line */
	char *name;		/* alias pattern, or module name (normalized) */
	char *value;		/* alias: module; options/install/remove: the rest */
	char *raw_name;		/* as written, before '-' became '_' */
	struct strv pre, post;	/* softdep; weakdep uses pre */
	bool stray;		/* softdep words before any pre:/post: */
	bool extra;		/* alias: words after the module name */
};

struct diag {
	char *file;
	unsigned int line;
	enum sev sev;
	char *msg;
};

struct conf {
	struct cfg_entry *e;
	size_t n, cap;
	struct diag *d;
	size_t nd, capd;
	struct strv files;	/* files read, in kmod's order */
	struct strv masked;	/* files masked ... */
	struct strv masked_by;	/* ... by these, same index */
};

void conf_load(struct conf *cf, const struct ctx *c);
void diag_add(struct conf *cf, const char *file, unsigned int line,
	      enum sev sev, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
const char *origin_name(enum origin o);

/* modindex.c: /lib/modules/<kver> */
struct alias_ent {
	char *pattern;
	char *module;
	unsigned int line;
};

struct modindex {
	char *dir;
	bool have_dep, have_alias;
	struct strv mods;	/* normalized names from modules.dep */
	struct strv paths;	/* their paths, same index */
	struct strv builtin;	/* modules.builtin */
	struct alias_ent *al;	/* modules.alias */
	size_t nal;
	struct alias_ent *bal;	/* modules.builtin.modinfo aliases */
	size_t nbal;
};

void modindex_load(struct modindex *mi, const struct ctx *c);
bool modindex_has(const struct modindex *mi, const char *mod);
bool modindex_builtin(const struct modindex *mi, const char *mod);
const char *modindex_path(const struct modindex *mi, const char *mod);

/* pcidev.c: sysfs */
struct pcidev {
	char bdf[16];
	char *modalias;		/* "pci:v...", NULL if unreadable */
	char *fields[7];	/* v d sv sd bc sc i, as libvirt splits them */
	unsigned int vendor, device, subvendor, subdevice, class24;
	bool ids_ok;		/* the numbers above were parsed */
	char *driver;		/* bound driver or NULL */
	char *override;		/* driver_override or NULL */
	bool has_override_file;
	bool vfio_dev;		/* bound to a VFIO driver (vfio-dev, or before
				 * 6.1 a driver module that uses vfio) */
	char *persist_file;	/* persisted choice, if any */
	char *persist_driver;
	char *persist_module;
};

bool alias_split(const char *s, char *fields[7]);
void fields_free(char *fields[7]);
bool alias_fields_match(char *const dev[7], char *const al[7], int *wild);
bool pcidev_load(struct pcidev *d, const struct ctx *c, const char *bdf);
void pcidev_free(struct pcidev *d);
size_t pcidev_list(const struct ctx *c, struct pcidev **out);
int persist_read(const struct ctx *c, const char *bdf, char **file,
		 char **driver, char **module, char **err);

/* decide.c */
struct pci_id {
	unsigned int vendor, device, subvendor, subdevice, class, class_mask;
};

enum cand_src { SRC_ADMIN, SRC_PACKAGE, SRC_MODALIAS };

struct cand {
	char *module;
	enum cand_src src;
	const char *file;
	unsigned int line;
	const char *pattern;
	int wild;		/* libvirt's wildcard count, -1 if libvirt skips it */
};

struct ids_claim {
	char *module;
	const char *file;
	unsigned int line;
	char *entry;		/* the matching entry, vvvv:dddd */
	char *value;		/* the whole ids= value in effect */
};

struct decision {
	/* VFIO: which vfio driver to use for this device */
	struct cand *c;
	size_t nc;
	char *vfio_module;	/* the choice */
	char *vfio_reason;
	char *libvirt_module;	/* what libvirt picks (NULL: vfio-pci) */
	struct strv kmod_vfio;	/* modprobe vfio_pci:<modalias> loads these */
	/* Claim: which driver takes the device when it is probed (boot/add) */
	const char *claim_kind;	/* override, persisted, ids, native, builtin, none */
	char *claim;		/* driver or module */
	char *claim_reason;
	struct strv kmod_pci;	/* modprobe -R pci:<modalias> */
	struct strv native;	/* after blacklist (udev's modprobe -b) */
	struct ids_claim *ids;
	size_t nids;
	struct strv notes;
};

bool ids_module(const char *mod);
int ids_parse(const char *val, struct pci_id **out, size_t *n,
	      struct strv *bad);
bool pci_id_match(const struct pci_id *id, const struct pcidev *d);
bool pci_id_overlap(const struct pci_id *a, const struct pci_id *b);
const char *options_param(const char *opts, const char *param, char **buf);
void decide(const struct ctx *c, const struct conf *cf,
	    const struct modindex *mi, const struct pcidev *d,
	    struct decision *out);
void decision_free(struct decision *d);
char *module_driver(const struct ctx *c, const struct modindex *mi,
		    const char *mod, bool *known);

/* check.c */
void check_conf(const struct ctx *c, struct conf *cf,
		const struct modindex *mi);

#endif
