// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-variant: which driver claims which PCI device, and why; bind, unbind
 * and persist a choice; lint modprobe.d. See vfio-variant(8).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vv.h"

static int verr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int verr(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio-variant: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void info(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void info(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fputs("usage: vfio-variant [--root DIR] [--kernel VER] [--json] [--quiet] COMMAND\n"
	      "\n"
	      "  list                     every PCI device: driver, claim, VFIO choice, candidates\n"
	      "  explain BDF              the decision for one device and its reasons\n"
	      "  bind BDF [DRIVER]        bind through driver_override (default: the VFIO choice)\n"
	      "  unbind BDF [--no-probe]  clear driver_override, unbind, reprobe\n"
	      "  persist BDF [DRIVER] [--no-apply] [--no-initramfs]\n"
	      "                           claim the device at every boot (udev rule)\n"
	      "  forget BDF [--no-apply] [--no-initramfs]\n"
	      "                           drop a persisted choice\n"
	      "  apply BDF|--all          apply persisted choices (run by the udev rule)\n"
	      "  check                    lint modprobe.d and the persisted choices\n"
	      "  config                   the modprobe configuration as kmod reads it\n"
	      "\n"
	      "--json applies to list, explain and check. See vfio-variant(8).\n", f);
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *pick_kernel(const struct ctx *c, const char *want)
{
	struct utsname u;
	char *base, *p;

	if (want)
		return xstrdup(want);
	uname(&u);
	if (!*c->root)
		return xstrdup(u.release);
	/* a fixture tree: its running kernel if present, else its only one */
	base = rpath(c, "/lib/modules");
	p = xasprintf("%s/%s", base, u.release);
	if (!is_dir(p)) {
		DIR *d = opendir(base);
		struct dirent *de;
		char *only = NULL;
		int n = 0;

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			n++;
			free(only);
			only = xstrdup(de->d_name);
		}
		if (d)
			closedir(d);
		if (n == 1) {
			free(p);
			free(base);
			return only;
		}
		free(only);
	}
	free(p);
	free(base);
	return xstrdup(u.release);
}

/* fork+exec; a bare name is searched in PATH, then /usr/sbin and /sbin */
static int run_cmd(const char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		if (!strchr(argv[0], '/')) {
			char *p = xasprintf("/usr/sbin/%s", argv[0]);

			execv(p, (char *const *)argv);
			free(p);
			p = xasprintf("/sbin/%s", argv[0]);
			execv(p, (char *const *)argv);
		}
		fprintf(stderr, "vfio-variant: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs = xstrdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL;
	bool found = false;

	for (char *d = strtok_r(dirs, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);

		found = access(p, X_OK) == 0;
		free(p);
	}
	free(dirs);
	if (!found) {
		char *p = xasprintf("/usr/sbin/%s", name);

		found = access(p, X_OK) == 0;
		free(p);
	}
	return found;
}

/* ---------------------------------------------------------------- output */

static void print_cand(FILE *f, const struct cand *k)
{
	fputs("{\"module\":", f);
	json_str(f, k->module);
	fprintf(f, ",\"source\":\"%s\",\"file\":",
		k->src == SRC_ADMIN ? "admin" : k->src == SRC_PACKAGE ?
		"package" : "modules.alias");
	json_str(f, k->file);
	fprintf(f, ",\"line\":%u,\"pattern\":", k->line);
	json_str(f, k->pattern);
	if (k->wild >= 0)
		fprintf(f, ",\"wildcards\":%d}", k->wild);
	else
		fputs(",\"wildcards\":null}", f);
}

static void json_device(const struct ctx *c, const struct modindex *mi,
			const struct pcidev *d, const struct decision *o)
{
	FILE *f = stdout;
	bool known;

	fputs("{\"bdf\":", f);
	json_str(f, d->bdf);
	fputs(",\"modalias\":", f);
	json_str(f, d->modalias);
	if (d->ids_ok)
		fprintf(f, ",\"vendor\":\"%04x\",\"device\":\"%04x\",\"subvendor\":\"%04x\",\"subdevice\":\"%04x\",\"class\":\"%06x\"",
			d->vendor, d->device, d->subvendor, d->subdevice,
			d->class24);
	fputs(",\"driver\":", f);
	json_str(f, d->driver);
	fputs(",\"driver_override\":", f);
	json_str(f, d->override);
	fprintf(f, ",\"vfio_dev\":%s,\"persisted\":", d->vfio_dev ? "true" : "false");
	if (d->persist_driver) {
		fputs("{\"file\":", f);
		json_str(f, d->persist_file);
		fputs(",\"driver\":", f);
		json_str(f, d->persist_driver);
		fputs(",\"module\":", f);
		json_str(f, d->persist_module);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"claim\":{\"kind\":", f);
	json_str(f, o->claim_kind);
	fputs(",\"driver\":", f);
	json_str(f, o->claim);
	fputs(",\"reason\":", f);
	json_str(f, o->claim_reason);
	fputs("},\"vfio\":{\"module\":", f);
	json_str(f, o->vfio_module);
	fputs(",\"driver\":", f);
	if (o->vfio_module) {
		char *drv = module_driver(c, mi, o->vfio_module, &known);

		json_str(f, drv);
		free(drv);
	} else {
		fputs("null", f);
	}
	fputs(",\"reason\":", f);
	json_str(f, o->vfio_reason);
	fputs(",\"libvirt\":", f);
	json_str(f, o->libvirt_module ? o->libvirt_module : "vfio_pci");
	fputs(",\"kmod\":", f);
	json_strv(f, &o->kmod_vfio);
	fputs(",\"candidates\":[", f);
	for (size_t i = 0; i < o->nc; i++) {
		if (i)
			fputc(',', f);
		print_cand(f, &o->c[i]);
	}
	fputs("]},\"kmod_pci\":", f);
	json_strv(f, &o->kmod_pci);
	fputs(",\"native\":", f);
	json_strv(f, &o->native);
	fputs(",\"ids\":[", f);
	for (size_t i = 0; i < o->nids; i++) {
		if (i)
			fputc(',', f);
		fputs("{\"module\":", f);
		json_str(f, o->ids[i].module);
		fputs(",\"file\":", f);
		json_str(f, o->ids[i].file);
		fprintf(f, ",\"line\":%u,\"entry\":", o->ids[i].line);
		json_str(f, o->ids[i].entry);
		fputs(",\"value\":", f);
		json_str(f, o->ids[i].value);
		fputc('}', f);
	}
	fputs("],\"notes\":", f);
	json_strv(f, &o->notes);
	fputc('}', f);
}

static void text_explain(const struct ctx *c, const struct modindex *mi,
			 const struct pcidev *d, const struct decision *o)
{
	bool known;

	if (d->ids_ok)
		printf("%s  %04x:%04x  class %06x  subsystem %04x:%04x\n",
		       d->bdf, d->vendor, d->device, d->class24, d->subvendor,
		       d->subdevice);
	else
		printf("%s\n", d->bdf);
	printf("  modalias         %s\n", d->modalias ? d->modalias : "(none)");
	printf("  bound to         %s%s\n", d->driver ? d->driver : "(no driver)",
	       d->vfio_dev ? " (a VFIO driver)" : "");
	printf("  driver_override  %s\n", d->override ? d->override : "(none)");
	if (d->persist_driver)
		printf("  persisted        %s (%s)\n", d->persist_driver, d->persist_file);
	else
		printf("  persisted        (none)\n");
	printf("claim: %s [%s]\n  %s\n", o->claim ? o->claim : "(nobody)",
	       o->claim_kind, o->claim_reason);
	if (o->kmod_pci.n) {
		printf("  kmod for pci: modalias:");
		for (size_t i = 0; i < o->kmod_pci.n; i++)
			printf(" %s", o->kmod_pci.v[i]);
		printf("%s\n", o->native.n < o->kmod_pci.n ? " (some blacklisted)" : "");
	}
	if (o->vfio_module) {
		char *drv = module_driver(c, mi, o->vfio_module, &known);

		printf("vfio: %s (driver %s%s)\n", o->vfio_module, drv,
		       known ? "" : ", name assumed until loaded");
		free(drv);
	} else {
		printf("vfio: (none)\n");
	}
	printf("  %s\n", o->vfio_reason);
	if (o->nc) {
		printf("  candidates, best first:\n");
		for (size_t i = 0; i < o->nc; i++) {
			const struct cand *k = &o->c[i];
			char where[64], wild[24];

			if (k->src == SRC_MODALIAS)
				snprintf(where, sizeof(where), "modules.alias:%u", k->line);
			else
				snprintf(where, sizeof(where), "%s alias", k->src == SRC_ADMIN ?
					 "admin" : "package");
			if (k->wild >= 0)
				snprintf(wild, sizeof(wild), "%d wildcards", k->wild);
			else
				snprintf(wild, sizeof(wild), "%s", k->src == SRC_MODALIAS ?
					 "kmod only" : "fnmatch");
			printf("    %zu. %-20s %-20s %-14s %s%s\n", i + 1, k->module,
			       where, wild, k->pattern,
			       o->libvirt_module && k->src == SRC_MODALIAS &&
			       !strcmp(o->libvirt_module, k->module) &&
			       k->wild >= 0 ? "  <- libvirt" : "");
			if (k->src != SRC_MODALIAS)
				printf("       %s:%u\n", k->file, k->line);
		}
	}
	if (o->kmod_vfio.n) {
		printf("  kmod for vfio_pci: modalias:");
		for (size_t i = 0; i < o->kmod_vfio.n; i++)
			printf(" %s", o->kmod_vfio.v[i]);
		printf("\n");
	}
	if (o->notes.n) {
		printf("notes:\n");
		for (size_t i = 0; i < o->notes.n; i++)
			printf("  - %s\n", o->notes.v[i]);
	}
}

/* --------------------------------------------------------------- commands */

struct env {
	struct ctx c;
	struct conf cf;
	struct modindex mi;
	bool loaded;
};

static void env_load(struct env *e)
{
	if (e->loaded)
		return;
	conf_load(&e->cf, &e->c);
	modindex_load(&e->mi, &e->c);
	e->loaded = true;
}

static int cmd_list(struct env *e)
{
	struct pcidev *devs;
	size_t n;

	env_load(e);
	n = pcidev_list(&e->c, &devs);
	if (e->c.json) {
		fputs("{\"kernel\":", stdout);
		json_str(stdout, e->c.kver);
		fputs(",\"devices\":[", stdout);
	} else {
		printf("%-13s %-10s %-6s %-16s %-26s %-16s %s\n", "BDF", "ID",
		       "CLASS", "DRIVER", "CLAIM", "VFIO", "CANDIDATES");
	}
	for (size_t i = 0; i < n; i++) {
		struct decision o;

		decide(&e->c, &e->cf, &e->mi, &devs[i], &o);
		if (e->c.json) {
			if (i)
				fputc(',', stdout);
			json_device(&e->c, &e->mi, &devs[i], &o);
		} else {
			char id[16] = "?", cls[8] = "?", claim[64];
			char *cands = xstrdup("");

			if (devs[i].ids_ok) {
				snprintf(id, sizeof(id), "%04x:%04x", devs[i].vendor,
					 devs[i].device);
				snprintf(cls, sizeof(cls), "%04x", devs[i].class24 >> 8);
			}
			snprintf(claim, sizeof(claim), "%s [%s]",
				 o.claim ? o.claim : "-", o.claim_kind);
			for (size_t k = 0; k < o.nc; k++) {
				char *t;

				if (o.c[k].wild >= 0)
					t = xasprintf("%s%s%s(%d)", cands, k ? "," : "",
						      o.c[k].module, o.c[k].wild);
				else
					t = xasprintf("%s%s%s(%s)", cands, k ? "," : "",
						      o.c[k].module,
						      o.c[k].src == SRC_ADMIN ? "admin" :
						      o.c[k].src == SRC_PACKAGE ? "pkg" : "kmod");
				free(cands);
				cands = t;
			}
			printf("%-13s %-10s %-6s %-16s %-26s %-16s %s\n",
			       devs[i].bdf, id, cls,
			       devs[i].driver ? devs[i].driver : "-", claim,
			       o.vfio_module ? o.vfio_module : "-", cands);
			free(cands);
		}
		decision_free(&o);
		pcidev_free(&devs[i]);
	}
	free(devs);
	if (e->c.json)
		fputs("]}\n", stdout);
	return 0;
}

static int load_dev(struct env *e, const char *arg, struct pcidev *d)
{
	char bdf[16];

	if (!bdf_normalize(arg, bdf))
		return verr("'%s' is not a PCI address (DDDD:BB:DD.F)", arg);
	if (!pcidev_load(d, &e->c, bdf))
		return verr("no PCI device %s (%s/sys/bus/pci/devices/%s)", bdf,
			    e->c.root, bdf);
	return 0;
}

static int cmd_explain(struct env *e, const char *arg)
{
	struct pcidev d;
	struct decision o;

	if (load_dev(e, arg, &d))
		return 1;
	env_load(e);
	decide(&e->c, &e->cf, &e->mi, &d, &o);
	if (e->c.json) {
		json_device(&e->c, &e->mi, &d, &o);
		fputc('\n', stdout);
	} else {
		text_explain(&e->c, &e->mi, &d, &o);
	}
	decision_free(&o);
	pcidev_free(&d);
	return 0;
}

/*
 * A driver or module name to (driver, module), libvirt's way: an existing
 * /sys/bus/pci/drivers/<name> (also with '-' as '_'); else the module of
 * that name, loaded with modprobe if allowed, and the pci: driver it
 * registers (/sys/module/<module>/drivers/pci:<driver>).
 */
static int resolve_driver(struct env *e, const char *name, bool may_load,
			  char **driver, char **module)
{
	char *drivers = rpath(&e->c, "/sys/bus/pci/drivers/");
	char *alt = xstrdup(name), *p, *link, buf[256];
	ssize_t n;
	bool known;

	*driver = *module = NULL;
	if (!modname_valid(name)) {
		free(drivers);
		free(alt);
		return verr("'%s' is not a driver or module name", name);
	}
	for (char *q = alt; *q; q++)
		if (*q == '-')
			*q = '_';
	for (int i = 0; i < 2 && !*driver; i++) {
		const char *cand = i ? alt : name;

		p = xasprintf("%s%s", drivers, cand);
		if (is_dir(p)) {
			*driver = xstrdup(cand);
			link = xasprintf("%s/module", p);
			n = readlink(link, buf, sizeof(buf) - 1);
			if (n > 0) {
				buf[n] = '\0';
				*module = xstrdup(strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf);
			}
			free(link);
		}
		free(p);
	}
	free(alt);
	free(drivers);
	if (*driver) {
		if (!*module)
			*module = modname_norm(*driver);
		return 0;
	}
	*module = modname_norm(name);
	if (may_load) {
		const char *argv[] = { "modprobe", *module, NULL };
		int rc = run_cmd(argv);

		if (rc != 0) {
			verr("modprobe %s failed (exit %d)", *module, rc);
			free(*module);
			*module = NULL;
			return 1;
		}
	}
	*driver = module_driver(&e->c, &e->mi, *module, &known);
	if (!known && may_load) {
		verr("module %s is loaded but registers no PCI driver (no /sys/module/%s/drivers/pci:*)",
		     *module, *module);
		free(*driver);
		free(*module);
		*driver = *module = NULL;
		return 1;
	}
	if (!known)
		info(&e->c, "vfio-variant: driver %s is not loaded; assuming its PCI driver is named %s",
		     *module, *driver);
	return 0;
}

static char *dev_path(const struct ctx *c, const char *bdf, const char *attr)
{
	char *base = rpath(c, "/sys/bus/pci/devices/");
	char *p = xasprintf("%s%s/%s", base, bdf, attr);

	free(base);
	return p;
}

static int sysfs_write(const char *path, const char *text, const char *what)
{
	int r = write_text(path, text);

	if (r < 0)
		return verr("%s: cannot write %s: %s", what, path, strerror(-r));
	return 0;
}

static char *current_driver(const struct ctx *c, const char *bdf)
{
	struct pcidev d;
	char *drv = NULL;

	if (pcidev_load(&d, c, bdf)) {
		drv = d.driver ? xstrdup(d.driver) : NULL;
		pcidev_free(&d);
	}
	return drv;
}

/*
 * override, unbind, drivers_probe, verify: as libvirt and driverctl do.
 * The device is read again here: loading a module may have bound it.
 */
static int bind_to(struct env *e, const char *bdf, const char *driver)
{
	struct pcidev dev, *d = &dev;
	char *p, *text, *now;
	int rc = 0;

	if (!pcidev_load(d, &e->c, bdf))
		return verr("no PCI device %s", bdf);
	if (!d->has_override_file) {
		pcidev_free(d);
		return verr("%s has no driver_override attribute (kernel too old?)",
			    bdf);
	}
	text = xasprintf("%s\n", driver);
	p = dev_path(&e->c, d->bdf, "driver_override");
	if (!d->override || strcmp(d->override, driver))
		rc = sysfs_write(p, text, d->bdf);
	free(p);
	free(text);
	if (rc)
		goto out;
	if (d->driver && !strcmp(d->driver, driver)) {
		info(&e->c, "%s: already bound to %s", d->bdf, driver);
		goto out;
	}
	if (d->driver) {
		p = dev_path(&e->c, d->bdf, "driver/unbind");
		rc = sysfs_write(p, d->bdf, d->bdf);
		free(p);
		if (rc)
			goto out;
	}
	p = rpath(&e->c, "/sys/bus/pci/drivers_probe");
	rc = sysfs_write(p, d->bdf, d->bdf);
	free(p);
	if (rc)
		goto out;
	now = current_driver(&e->c, d->bdf);
	if (!now || strcmp(now, driver)) {
		rc = verr("%s is not bound to %s after drivers_probe (now: %s); the driver may have refused it: see the kernel log. driver_override stays %s; 'vfio-variant unbind %s' clears it",
			  d->bdf, driver, now ? now : "no driver", driver, d->bdf);
	} else if (d->driver) {
		info(&e->c, "%s: bound to %s (was %s)", d->bdf, driver, d->driver);
	} else {
		info(&e->c, "%s: bound to %s", d->bdf, driver);
	}
	free(now);
out:
	pcidev_free(d);
	return rc;
}

static int choose(struct env *e, struct pcidev *d, const char *arg,
		  bool may_load, char **driver, char **module)
{
	struct decision o;
	int rc;

	if (arg)
		return resolve_driver(e, arg, may_load, driver, module);
	env_load(e);
	decide(&e->c, &e->cf, &e->mi, d, &o);
	if (!o.vfio_module) {
		rc = verr("%s: no VFIO driver to choose: %s", d->bdf, o.vfio_reason);
		decision_free(&o);
		return rc;
	}
	info(&e->c, "%s: choosing %s: %s", d->bdf, o.vfio_module, o.vfio_reason);
	rc = resolve_driver(e, o.vfio_module, may_load, driver, module);
	decision_free(&o);
	return rc;
}

static int cmd_bind(struct env *e, const char *bdf, const char *arg)
{
	struct pcidev d;
	char *driver, *module;
	int rc;

	if (load_dev(e, bdf, &d))
		return 1;
	env_load(e);
	rc = choose(e, &d, arg, !*e->c.root, &driver, &module);
	if (!rc)
		rc = bind_to(e, d.bdf, driver);
	if (!rc && d.persist_driver && strcmp(d.persist_driver, driver))
		info(&e->c, "note: %s is persisted for %s (%s); at boot it goes there",
		     d.bdf, d.persist_driver, d.persist_file);
	free(driver);
	free(module);
	pcidev_free(&d);
	return rc;
}

static int release(struct env *e, struct pcidev *d, bool probe)
{
	char *p, *now;
	int rc = 0;

	if (d->has_override_file && d->override) {
		p = dev_path(&e->c, d->bdf, "driver_override");
		rc = sysfs_write(p, "\n", d->bdf);
		free(p);
		if (rc)
			return rc;
	}
	if (d->driver) {
		p = dev_path(&e->c, d->bdf, "driver/unbind");
		rc = sysfs_write(p, d->bdf, d->bdf);
		free(p);
		if (rc)
			return rc;
	}
	if (!probe) {
		info(&e->c, "%s: unbound%s%s", d->bdf, d->driver ? " from " : "",
		     d->driver ? d->driver : "");
		return 0;
	}
	p = rpath(&e->c, "/sys/bus/pci/drivers_probe");
	rc = sysfs_write(p, d->bdf, d->bdf);
	free(p);
	if (rc)
		return rc;
	now = current_driver(&e->c, d->bdf);
	info(&e->c, "%s: released from %s, now %s", d->bdf,
	     d->driver ? d->driver : "no driver", now ? now : "unbound");
	free(now);
	return 0;
}

static int cmd_unbind(struct env *e, const char *bdf, bool probe)
{
	struct pcidev d;
	int rc;

	if (load_dev(e, bdf, &d))
		return 1;
	rc = release(e, &d, probe);
	if (!rc && d.persist_driver)
		info(&e->c, "note: %s stays persisted for %s (%s); 'vfio-variant forget %s' drops that",
		     d.bdf, d.persist_driver, d.persist_file, d.bdf);
	pcidev_free(&d);
	return rc;
}

static int update_initramfs(struct env *e, bool skip)
{
	int rc;

	if (skip)
		return 0;
	if (*e->c.root) {
		info(&e->c, "initramfs not updated (--root)");
		return 0;
	}
	if (in_path("update-initramfs")) {
		const char *argv[] = { "update-initramfs", "-u", NULL };

		info(&e->c, "running update-initramfs -u");
		rc = run_cmd(argv);
	} else if (in_path("dracut")) {
		const char *argv[] = { "dracut", "-f", NULL };

		info(&e->c, "running dracut -f");
		rc = run_cmd(argv);
	} else {
		info(&e->c, "no update-initramfs or dracut: the choice applies once udev runs from the root file system");
		return 0;
	}
	if (rc)
		return verr("updating the initramfs failed (exit %d); the persisted choice applies once udev runs from the root file system",
			    rc);
	return 0;
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

static int cmd_persist(struct env *e, const char *arg, const char *drvarg,
		       bool apply, bool skip_initramfs)
{
	struct pcidev d;
	char bdf[16], *driver = NULL, *module = NULL, *dir, *path, *tmp, *text;
	bool present;
	int rc;

	if (!bdf_normalize(arg, bdf))
		return verr("'%s' is not a PCI address (DDDD:BB:DD.F)", arg);
	present = pcidev_load(&d, &e->c, bdf);
	if (!present) {
		if (!drvarg)
			return verr("no PCI device %s: name the driver to persist it for a device that is absent now",
				    bdf);
		info(&e->c, "note: no device %s now; persisting anyway", bdf);
		memset(&d, 0, sizeof(d));
		snprintf(d.bdf, sizeof(d.bdf), "%s", bdf);
		apply = false;
	}
	env_load(e);
	/*
	 * Load the driver's module only to bind a device that is here: for an
	 * absent one (a chroot, an image being prepared) modprobe would load
	 * it into the running kernel, which may not be the target's.
	 */
	rc = choose(e, &d, drvarg, !*e->c.root && present, &driver, &module);
	if (rc)
		goto out;
	dir = rpath(&e->c, VV_CONFDIR);
	if (mkdir_p(dir) < 0) {
		rc = verr("cannot create %s: %s", dir, strerror(errno));
		free(dir);
		goto out;
	}
	path = xasprintf("%s/%s", dir, bdf);
	tmp = xasprintf("%s/.%s.tmp", dir, bdf);
	text = xasprintf("# written by vfio-variant persist; read by the udev rule 60-vfio-pci-variants.rules\n"
			 "VFIO_VARIANT_DRIVER=%s\nVFIO_VARIANT_MODULE=%s\n",
			 driver, module);
	FILE *f = fopen(tmp, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		rc = verr("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	} else {
		info(&e->c, "%s: persisted for %s (%s)", bdf, driver, path);
	}
	free(text);
	free(tmp);
	free(path);
	free(dir);
	if (!rc && apply) {
		rc = bind_to(e, bdf, driver);
		if (rc) {
			dir = rpath(&e->c, VV_CONFDIR);
			path = xasprintf("%s/%s", dir, bdf);
			unlink(path);
			verr("%s: not persisted, because binding it to %s failed (--no-apply persists without binding)",
			     bdf, driver);
			free(path);
			free(dir);
		}
	}
	if (!rc)
		rc = update_initramfs(e, skip_initramfs);
out:
	free(driver);
	free(module);
	if (present)
		pcidev_free(&d);
	return rc;
}

static int cmd_forget(struct env *e, const char *arg, bool apply,
		      bool skip_initramfs)
{
	struct pcidev d;
	char bdf[16], *file, *drv, *mod, *err;
	int rc = 0, r;

	if (!bdf_normalize(arg, bdf))
		return verr("'%s' is not a PCI address (DDDD:BB:DD.F)", arg);
	r = persist_read(&e->c, bdf, &file, &drv, &mod, &err);
	if (r == 0) {
		rc = verr("%s is not persisted (no %s)", bdf, file);
		free(file);
		return rc;
	}
	if (unlink(file) < 0) {
		rc = verr("cannot remove %s: %s", file, strerror(errno));
		goto out;
	}
	info(&e->c, "%s: forgotten (%s removed)", bdf, file);
	if (apply && drv && pcidev_load(&d, &e->c, bdf)) {
		if (d.override && !strcmp(d.override, drv))
			rc = release(e, &d, true);
		pcidev_free(&d);
	}
	if (!rc)
		rc = update_initramfs(e, skip_initramfs);
out:
	free(file);
	free(drv);
	free(mod);
	free(err);
	return rc;
}

static int apply_one(struct env *e, const char *bdf)
{
	char *file, *drv, *mod, *err;
	struct pcidev d;
	int r, rc = 0;

	r = persist_read(&e->c, bdf, &file, &drv, &mod, &err);
	if (r < 0)
		rc = verr("%s", err);
	else if (r > 0 && pcidev_load(&d, &e->c, bdf)) {
		char *rdrv = NULL, *rmod = NULL;

		/* load the module; the persisted driver name is what counts */
		if (!*e->c.root && resolve_driver(e, mod, true, &rdrv, &rmod))
			rc = 1;
		if (!rc)
			rc = bind_to(e, bdf, drv);
		free(rdrv);
		free(rmod);
		pcidev_free(&d);
	}
	free(file);
	free(drv);
	free(mod);
	free(err);
	return rc;
}

static int cmd_apply(struct env *e, const char *arg)
{
	char bdf[16];
	int rc = 0;

	if (strcmp(arg, "--all")) {
		if (!bdf_normalize(arg, bdf))
			return verr("'%s' is not a PCI address (DDDD:BB:DD.F)", arg);
		return apply_one(e, bdf);
	}
	char *dir = rpath(&e->c, VV_CONFDIR);
	DIR *d = opendir(dir);
	struct dirent *de;

	free(dir);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && bdf_normalize(de->d_name, bdf) &&
		    !strcmp(bdf, de->d_name))
			rc |= apply_one(e, bdf);
	if (d)
		closedir(d);
	return rc;
}

static const char *sev_name(enum sev s)
{
	return s == SEV_ERR ? "error" : s == SEV_WARN ? "warning" : "note";
}

static int cmd_check(struct env *e)
{
	size_t nerr = 0, nwarn = 0;

	env_load(e);
	check_conf(&e->c, &e->cf, &e->mi);
	if (e->c.json)
		fputs("{\"diagnostics\":[", stdout);
	for (size_t i = 0; i < e->cf.nd; i++) {
		const struct diag *d = &e->cf.d[i];

		nerr += d->sev == SEV_ERR;
		nwarn += d->sev == SEV_WARN;
		if (e->c.json) {
			if (i)
				fputc(',', stdout);
			fputs("{\"file\":", stdout);
			json_str(stdout, d->file);
			printf(",\"line\":%u,\"severity\":\"%s\",\"message\":",
			       d->line, sev_name(d->sev));
			json_str(stdout, d->msg);
			fputc('}', stdout);
		} else if (d->line) {
			printf("%s:%u: %s: %s\n", d->file, d->line, sev_name(d->sev), d->msg);
		} else {
			printf("%s: %s: %s\n", d->file, sev_name(d->sev), d->msg);
		}
	}
	if (e->c.json)
		printf("],\"files\":%zu,\"errors\":%zu,\"warnings\":%zu}\n",
		       e->cf.files.n, nerr, nwarn);
	else
		printf("%zu file%s, %zu error%s, %zu warning%s\n", e->cf.files.n,
		       e->cf.files.n == 1 ? "" : "s", nerr, nerr == 1 ? "" : "s",
		       nwarn, nwarn == 1 ? "" : "s");
	return nerr ? 1 : 0;
}

/* The configuration part of "modprobe -c", in kmod's order. */
static int cmd_config(struct env *e)
{
	static const enum cfg_kind order[] = { K_BLACKLIST, K_INSTALL, K_REMOVE,
		K_ALIAS, K_OPTIONS, K_SOFTDEP, K_WEAKDEP };

	env_load(e);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < e->cf.n; i++) {
			const struct cfg_entry *c = &e->cf.e[i];

			if (c->kind != order[k])
				continue;
			switch (c->kind) {
			case K_BLACKLIST:
				printf("blacklist %s\n", c->name);
				break;
			case K_INSTALL:
			case K_REMOVE:
				printf("%s %s %s\n", c->kind == K_INSTALL ? "install" :
				       "remove", c->name, c->value);
				break;
			case K_ALIAS:
				printf("alias %s %s\n", c->name, c->value);
				break;
			case K_OPTIONS:
				printf("options %s %s\n", c->name, c->value);
				break;
			case K_SOFTDEP:
			case K_WEAKDEP:
				printf("%s %s", c->kind == K_SOFTDEP ? "softdep" :
				       "weakdep", c->name);
				if (c->pre.n && c->kind == K_SOFTDEP)
					printf(" pre:");
				for (size_t j = 0; j < c->pre.n; j++)
					printf(" %s", c->pre.v[j]);
				if (c->post.n)
					printf(" post:");
				for (size_t j = 0; j < c->post.n; j++)
					printf(" %s", c->post.v[j]);
				printf("\n");
				break;
			}
		}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-apply", no_argument, NULL, 'A' },
		{ "no-initramfs", no_argument, NULL, 'I' },
		{ "no-probe", no_argument, NULL, 'P' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct env e = { 0 };
	const char *root = NULL, *kver = NULL, *cmd;
	bool apply = true, initramfs = true, probe = true, all = false;
	char *rootbuf = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': root = optarg; break;
		case 'k': kver = optarg; break;
		case 'j': e.c.json = true; break;
		case 'q': e.c.quiet = true; break;
		case 'A': apply = false; break;
		case 'I': initramfs = false; break;
		case 'P': probe = false; break;
		case 'a': all = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (root && *root) {
		rootbuf = xstrdup(root);
		size_t n = strlen(rootbuf);

		while (n > 1 && rootbuf[n - 1] == '/')
			rootbuf[--n] = '\0';
		if (!is_dir(rootbuf)) {
			verr("--root %s: not a directory", root);
			return 2;
		}
		if (!strcmp(rootbuf, "/"))
			rootbuf[0] = '\0';
	}
	e.c.root = rootbuf ? rootbuf : "";
	e.c.kver = pick_kernel(&e.c, kver);
	cmd = argv[optind++];
	int nargs = argc - optind;
	const char *a1 = nargs > 0 ? argv[optind] : NULL;
	const char *a2 = nargs > 1 ? argv[optind + 1] : NULL;

#define NEED(lo, hi) do { if (nargs < (lo) || nargs > (hi)) { \
		verr("%s: wrong number of arguments", cmd); usage(stderr); \
		rc = 2; goto out; } } while (0)
	if (!strcmp(cmd, "list")) {
		NEED(0, 0);
		rc = cmd_list(&e);
	} else if (!strcmp(cmd, "explain")) {
		NEED(1, 1);
		rc = cmd_explain(&e, a1);
	} else if (!strcmp(cmd, "bind")) {
		NEED(1, 2);
		rc = cmd_bind(&e, a1, a2);
	} else if (!strcmp(cmd, "unbind")) {
		NEED(1, 1);
		rc = cmd_unbind(&e, a1, probe);
	} else if (!strcmp(cmd, "persist")) {
		NEED(1, 2);
		rc = cmd_persist(&e, a1, a2, apply, !initramfs);
	} else if (!strcmp(cmd, "forget")) {
		NEED(1, 1);
		rc = cmd_forget(&e, a1, apply, !initramfs);
	} else if (!strcmp(cmd, "apply")) {
		if (all) {
			NEED(0, 0);
			rc = cmd_apply(&e, "--all");
		} else {
			NEED(1, 1);
			rc = cmd_apply(&e, a1);
		}
	} else if (!strcmp(cmd, "check")) {
		NEED(0, 0);
		rc = cmd_check(&e);
	} else if (!strcmp(cmd, "config")) {
		NEED(0, 0);
		rc = cmd_config(&e);
	} else {
		verr("unknown command '%s'", cmd);
		usage(stderr);
		rc = 2;
	}
out:
	free(e.c.kver);
	free(rootbuf);
	return rc;
}
