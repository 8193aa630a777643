// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-variant: PCI devices from sysfs, their modalias split into the seven
 * fields libvirt compares, and the persisted choices of
 * /etc/vfio-pci-variants/devices.d.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vv.h"

static const char *const fieldnames[7] = { "v", "d", "sv", "sd", "bc", "sc", "i" };

/*
 * "vNNNNNNNNdNNNNNNNNsvNNNNNNNNsdNNNNNNNNbcNNscNNiNN" into its fields:
 * each field runs up to the next field's name, the last one up to white
 * space (libvirt's virPCIDeviceAliasInfoNew() splits the same way).
 */
bool alias_split(const char *s, char *fields[7])
{
	const char *f = s;

	for (int i = 0; i < 7; i++)
		fields[i] = NULL;
	for (int i = 0; i < 7; i++) {
		size_t len = strlen(fieldnames[i]);
		const char *next;

		if (strncmp(f, fieldnames[i], len))
			goto bad;
		f += len;
		if (i < 6) {
			next = strstr(f, fieldnames[i + 1]);
			if (!next)
				goto bad;
		} else {
			next = f + strcspn(f, " \t\n\r\v\f");
		}
		fields[i] = xstrndup(f, (size_t)(next - f));
		f = next;
	}
	return true;
bad:
	fields_free(fields);
	return false;
}

void fields_free(char *fields[7])
{
	for (int i = 0; i < 7; i++) {
		free(fields[i]);
		fields[i] = NULL;
	}
}

/* libvirt's rule: every field is "*" (counted) or exactly equal. */
bool alias_fields_match(char *const dev[7], char *const al[7], int *wild)
{
	*wild = 0;
	for (int i = 0; i < 7; i++) {
		if (!strcmp(al[i], "*"))
			(*wild)++;
		else if (strcmp(al[i], dev[i]))
			return false;
	}
	return true;
}

static bool hexfield(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (*end || errno || v > 0xffffffffUL)
		return false;
	*out = (unsigned int)v;
	return true;
}

static char *read_attr(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *v = read_text(path, 4096);

	free(path);
	return v ? chomp(v) : NULL;
}

static bool valid_env_value(const char *s)
{
	return modname_valid(s);
}

/*
 * The persisted choice for a device: 1 found, 0 none, -1 malformed (*err
 * says where). The file is KEY=VALUE lines, udev's IMPORT{file} format.
 */
int persist_read(const struct ctx *c, const char *bdf, char **file,
		 char **driver, char **module, char **err)
{
	char *dir = rpath(c, VV_CONFDIR);
	char *path = xasprintf("%s/%s", dir, bdf);
	char *text, *line, *save = NULL;
	unsigned int lineno = 0;

	free(dir);
	*driver = *module = *err = NULL;
	*file = path;
	text = read_text(path, 1 << 16);
	if (!text) {
		if (errno == ENOENT)
			return 0;
		*err = xasprintf("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	for (char *p = text; p && *p; ) {
		char *nl = strchr(p, '\n');

		lineno++;
		if (nl)
			*nl = '\0';
		line = p;
		p = nl ? nl + 1 : NULL;
		while (*line == ' ' || *line == '\t')
			line++;
		chomp(line);
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		char *val = eq ? eq + 1 : NULL;

		if (eq)
			*eq = '\0';
		if (val && *val == '"') {
			val++;
			if (*val && val[strlen(val) - 1] == '"')
				val[strlen(val) - 1] = '\0';
		}
		if (!val || !valid_env_value(val) ||
		    (strcmp(line, "VFIO_VARIANT_DRIVER") &&
		     strcmp(line, "VFIO_VARIANT_MODULE"))) {
			*err = xasprintf("%s:%u: expected VFIO_VARIANT_DRIVER=<driver> or VFIO_VARIANT_MODULE=<module>",
					 path, lineno);
			break;
		}
		if (!strcmp(line, "VFIO_VARIANT_DRIVER")) {
			free(*driver);
			*driver = xstrdup(val);
		} else {
			free(*module);
			*module = xstrdup(val);
		}
	}
	(void)save;
	free(text);
	if (!*err && !*driver)
		*err = xasprintf("%s: no VFIO_VARIANT_DRIVER= line", path);
	if (*err) {
		free(*driver);
		free(*module);
		*driver = *module = NULL;
		return -1;
	}
	if (!*module)
		*module = modname_norm(*driver);
	return 1;
}

/*
 * Does module MOD use the kernel's vfio module, directly or through others
 * (vfio_pci -> vfio; vfio_pci_dkms -> vfio_pci_core_dkms -> vfio)? Follows
 * /sys/module/<FROM>/holders down from FROM = "vfio".
 */
static bool uses_module(const struct ctx *c, const char *mod, const char *from,
			int depth)
{
	char *base = rpath(c, "/sys/module/");
	char *p = xasprintf("%s%s/holders", base, from);
	DIR *dir = opendir(p);
	struct dirent *de;
	bool found = false;

	free(base);
	free(p);
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		found = !strcmp(de->d_name, mod) ||
			(depth < 4 && uses_module(c, mod, de->d_name, depth + 1));
	}
	closedir(dir);
	return found;
}

bool pcidev_load(struct pcidev *d, const struct ctx *c, const char *bdf)
{
	char *base = rpath(c, "/sys/bus/pci/devices/");
	char *dir = xasprintf("%s%s", base, bdf);
	char *link, buf[PATH_MAX], *perr = NULL;
	struct stat st;
	ssize_t n;

	free(base);
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(dir);
		return false;
	}
	d->modalias = read_attr(dir, "modalias");
	if (d->modalias && !strncmp(d->modalias, "pci:", 4) &&
	    alias_split(d->modalias + 4, d->fields)) {
		unsigned int bc, sc, pi;

		d->ids_ok = hexfield(d->fields[0], &d->vendor) &&
			    hexfield(d->fields[1], &d->device) &&
			    hexfield(d->fields[2], &d->subvendor) &&
			    hexfield(d->fields[3], &d->subdevice) &&
			    hexfield(d->fields[4], &bc) &&
			    hexfield(d->fields[5], &sc) &&
			    hexfield(d->fields[6], &pi);
		if (d->ids_ok)
			d->class24 = (bc << 16) | (sc << 8) | pi;
	}
	link = xasprintf("%s/driver", dir);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		char *slash = strrchr(buf, '/');

		d->driver = xstrdup(slash ? slash + 1 : buf);
	}
	free(link);
	link = xasprintf("%s/driver_override", dir);
	d->has_override_file = access(link, F_OK) == 0;
	free(link);
	d->override = read_attr(dir, "driver_override");
	if (d->override && (!*d->override || !strcmp(d->override, "(null)"))) {
		free(d->override);
		d->override = NULL;
	}
	link = xasprintf("%s/vfio-dev", dir);
	d->vfio_dev = stat(link, &st) == 0 && S_ISDIR(st.st_mode);
	free(link);
	/* kernels before 6.1 have no vfio-dev: the driver's module tells */
	if (!d->vfio_dev && d->driver) {
		link = xasprintf("%s/driver/module", dir);
		n = readlink(link, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			char *slash = strrchr(buf, '/');

			d->vfio_dev = uses_module(c, slash ? slash + 1 : buf,
						  "vfio", 0);
		}
		free(link);
	}
	free(dir);
	if (persist_read(c, bdf, &d->persist_file, &d->persist_driver,
			 &d->persist_module, &perr) <= 0) {
		free(d->persist_file);
		d->persist_file = NULL;
	}
	free(perr);
	return true;
}

void pcidev_free(struct pcidev *d)
{
	free(d->modalias);
	fields_free(d->fields);
	free(d->driver);
	free(d->override);
	free(d->persist_file);
	free(d->persist_driver);
	free(d->persist_module);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t pcidev_list(const struct ctx *c, struct pcidev **out)
{
	char *dir = rpath(c, "/sys/bus/pci/devices");
	DIR *d = opendir(dir);
	struct strv names = { 0 };
	struct dirent *de;
	size_t n = 0;

	*out = NULL;
	free(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_add(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), name_cmp);
	*out = xmalloc((names.n + 1) * sizeof(**out));
	for (size_t i = 0; i < names.n; i++)
		if (pcidev_load(&(*out)[n], c, names.v[i]))
			n++;
	strv_free(&names);
	return n;
}
