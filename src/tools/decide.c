// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-variant: who claims a device, and which VFIO driver suits it.
 *
 * Two questions, answered separately:
 *
 * claim - which driver takes the device when it is probed (at boot, at
 *   hot-plug, after drivers_probe): a driver_override set now; else the
 *   persisted choice (our udev rule sets driver_override when the device
 *   appears); else a module whose ids= option lists the device (dynamic IDs
 *   match before static ones, if that module loads first); else what udev
 *   loads for the device's pci: modalias, looked up exactly as kmod does
 *   (config aliases, then modules.alias, then built-in aliases; blacklisted
 *   modules dropped, as udev calls modprobe -b).
 *
 * vfio - which VFIO driver to use when the device is handed to VFIO
 *   (bind/persist without a driver): an admin alias for vfio_pci:<modalias>
 *   in /etc, /run or /usr/local/lib modprobe.d; else the package's alias in
 *   /usr/lib or /lib modprobe.d; else the most specific vfio_pci: alias of
 *   modules.alias with libvirt's ranking, if it is a variant (fewer than 7
 *   wildcards); else our generic vfio-pci-dkms. libvirt's own pick (which
 *   ignores modprobe.d) and what kmod would load for the same name are
 *   reported beside it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "vv.h"

bool ids_module(const char *mod)
{
	size_t n = strlen(mod);

	return !strcmp(mod, "pci_stub") || !strcmp(mod, "vfio_pci") ||
	       !strcmp(mod, VV_GENERIC_MODULE) ||
	       (n > 9 && !strcmp(mod + n - 9, "_vfio_pci"));
}

/*
 * The value of the last "param=" in a module option string, split the way
 * the kernel's parse_args() splits (spaces, double quotes). NULL if absent;
 * *buf holds the storage.
 */
const char *options_param(const char *opts, const char *param, char **buf)
{
	const char *found = NULL;
	char *s = xstrdup(opts), *p = s;
	size_t plen = strlen(param);

	*buf = s;
	while (*p) {
		char *start, *out;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		start = out = p;
		for (; *p; p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
				break;
			*out++ = *p;
		}
		if (*p)
			p++;
		*out = '\0';
		if (!strncmp(start, param, plen) && start[plen] == '=')
			found = start + plen + 1;
	}
	return found;
}

int ids_parse(const char *val, struct pci_id **out, size_t *n,
	      struct strv *bad)
{
	char *s = xstrdup(val), *save = NULL;

	*out = NULL;
	*n = 0;
	for (char *id = strtok_r(s, ",", &save); id;
	     id = strtok_r(NULL, ",", &save)) {
		struct pci_id p = { .subvendor = PCI_ANY_ID,
				    .subdevice = PCI_ANY_ID };

		if (!*id)
			continue;
		if (sscanf(id, "%x:%x:%x:%x:%x:%x", &p.vendor, &p.device,
			   &p.subvendor, &p.subdevice, &p.class,
			   &p.class_mask) < 2) {
			if (bad)
				strv_add(bad, id);
			continue;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = p;
	}
	free(s);
	return 0;
}

bool pci_id_match(const struct pci_id *id, const struct pcidev *d)
{
	return d->ids_ok &&
	       (id->vendor == PCI_ANY_ID || id->vendor == d->vendor) &&
	       (id->device == PCI_ANY_ID || id->device == d->device) &&
	       (id->subvendor == PCI_ANY_ID || id->subvendor == d->subvendor) &&
	       (id->subdevice == PCI_ANY_ID || id->subdevice == d->subdevice) &&
	       !((id->class ^ d->class24) & id->class_mask);
}

static bool any_eq(unsigned int a, unsigned int b)
{
	return a == PCI_ANY_ID || b == PCI_ANY_ID || a == b;
}

/* Could one device match both? */
bool pci_id_overlap(const struct pci_id *a, const struct pci_id *b)
{
	return any_eq(a->vendor, b->vendor) && any_eq(a->device, b->device) &&
	       any_eq(a->subvendor, b->subvendor) &&
	       any_eq(a->subdevice, b->subdevice) &&
	       !((a->class ^ b->class) & a->class_mask & b->class_mask);
}

/* The PCI driver a module registers, from sysfs when it is loaded. */
char *module_driver(const struct ctx *c, const struct modindex *mi,
		    const char *mod, bool *known)
{
	static const char *const table[][2] = {
		{ "vfio_pci", "vfio-pci" },
		{ VV_GENERIC_MODULE, VV_GENERIC_DRIVER },
		{ "pci_stub", "pci-stub" },
	};
	char *dir = rpath(c, "/sys/module/");
	char *path = xasprintf("%s%s/drivers", dir, mod);
	DIR *d = opendir(path);
	struct dirent *de;
	const char *mpath;
	char *found = NULL;

	free(dir);
	free(path);
	if (d) {
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, "pci:", 4)) {
				found = xstrdup(de->d_name + 4);
				break;
			}
		closedir(d);
	}
	*known = true;
	if (found)
		return found;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(mod, table[i][0]))
			return xstrdup(table[i][1]);
	*known = false;
	/* the package's variants are named <vendor>-vfio-pci */
	mpath = mi ? modindex_path(mi, mod) : NULL;
	if (mpath && (!strncmp(mpath, "updates/", 8) || !strncmp(mpath, "extra/", 6))) {
		char *s = xstrdup(mod);

		for (char *p = s; *p; p++)
			if (*p == '_')
				*p = '-';
		return s;
	}
	return xstrdup(mod);
}

static void add_cand(struct decision *o, const char *mod, enum cand_src src,
		     const char *file, unsigned int line, const char *pattern,
		     int wild)
{
	o->c = xrealloc(o->c, (o->nc + 1) * sizeof(*o->c));
	o->c[o->nc].module = xstrdup(mod);
	o->c[o->nc].src = src;
	o->c[o->nc].file = file;
	o->c[o->nc].line = line;
	o->c[o->nc].pattern = pattern;
	o->c[o->nc].wild = wild;
	o->nc++;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->src != b->src)
		return (int)a->src - (int)b->src;
	if (a->src != SRC_MODALIAS)
		return 0;	/* config order: qsort is not stable, see below */
	if ((a->wild < 0) != (b->wild < 0))
		return a->wild < 0 ? 1 : -1;
	if (a->wild != b->wild)
		return a->wild - b->wild;
	return (int)a->line - (int)b->line;
}

/*
 * kmod_module_new_from_lookup(): the first source that finds anything
 * wins. *how says which source found it; *first is the config alias that
 * matched first.
 */
static void kmod_lookup(const struct conf *cf, const struct modindex *mi,
			const char *name, struct strv *out, const char **how,
			const struct cfg_entry **first)
{
	char *norm = modname_norm(name);

	*how = "none";
	*first = NULL;
	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];

		if (e->kind == K_ALIAS && !fnmatch(e->name, norm, 0)) {
			if (!*first)
				*first = e;
			if (!strv_has(out, e->value))
				strv_add(out, e->value);
		}
	}
	if (out->n) {
		*how = "config alias";
		goto done;
	}
	if (modindex_has(mi, norm)) {
		strv_add(out, norm);
		*how = "module name";
		goto done;
	}
	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];

		if ((e->kind == K_INSTALL || e->kind == K_REMOVE) &&
		    !strcmp(e->name, norm)) {
			strv_add(out, norm);
			*how = "install command";
			goto done;
		}
	}
	for (size_t i = 0; i < mi->nal; i++)
		if (!fnmatch(mi->al[i].pattern, norm, 0) &&
		    !strv_has(out, mi->al[i].module))
			strv_add(out, mi->al[i].module);
	if (out->n) {
		*how = "modules.alias";
		goto done;
	}
	if (strv_has(&mi->builtin, norm)) {
		strv_add(out, norm);
		*how = "built-in";
		goto done;
	}
	for (size_t i = 0; i < mi->nbal; i++)
		if (!fnmatch(mi->bal[i].pattern, norm, 0) &&
		    !strv_has(out, mi->bal[i].module))
			strv_add(out, mi->bal[i].module);
	if (out->n)
		*how = "built-in";
done:
	free(norm);
}

static bool blacklisted(const struct conf *cf, const char *mod)
{
	for (size_t i = 0; i < cf->n; i++)
		if (cf->e[i].kind == K_BLACKLIST && !strcmp(cf->e[i].name, mod))
			return true;
	return false;
}

static const struct cfg_entry *find_softdep(const struct conf *cf,
					    const char *mod, const char *pre)
{
	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];

		if (e->kind != K_SOFTDEP || strcmp(e->name, mod))
			continue;
		for (size_t j = 0; j < e->pre.n; j++) {
			char *n = modname_norm(e->pre.v[j]);
			bool eq = !strcmp(n, pre);

			free(n);
			if (eq)
				return e;
		}
	}
	return NULL;
}

static void vfio_side(const struct ctx *c, const struct conf *cf,
		      const struct modindex *mi, const struct pcidev *d,
		      struct decision *o)
{
	char *vname, *fields[7];
	const struct cfg_entry *first;
	const char *how;
	int best = -1;

	if (!d->modalias || strncmp(d->modalias, "pci:", 4)) {
		o->vfio_reason = xstrdup("the device has no pci: modalias");
		return;
	}
	vname = xasprintf("vfio_pci:%s", d->modalias + 4);
	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];

		if (e->kind == K_ALIAS && !fnmatch(e->name, vname, 0))
			add_cand(o, e->value,
				 e->origin == O_ADMIN ? SRC_ADMIN : SRC_PACKAGE,
				 e->file, e->line, e->name, -1);
	}
	size_t nconf = o->nc;

	for (size_t i = 0; i < mi->nal; i++) {
		const struct alias_ent *a = &mi->al[i];
		int wild = -1;
		bool lv = false, km;

		if (strncmp(a->pattern, "vfio_pci:", 9))
			continue;
		if (d->fields[0] && alias_split(a->pattern + 9, fields)) {
			lv = alias_fields_match(d->fields, fields, &wild);
			fields_free(fields);
		}
		km = !fnmatch(a->pattern, vname, 0);
		if (lv || km)
			add_cand(o, a->module, SRC_MODALIAS, "modules.alias",
				 a->line, a->pattern, lv ? wild : -1);
	}
	/* config candidates keep their order: sort only the index part */
	if (o->nc > nconf)
		qsort(o->c + nconf, o->nc - nconf, sizeof(*o->c), cand_cmp);
	for (size_t i = nconf; i < o->nc; i++)
		if (o->c[i].wild >= 0) {
			best = (int)i;
			break;
		}
	if (best >= 0)
		o->libvirt_module = xstrdup(o->c[best].module);
	kmod_lookup(cf, mi, vname, &o->kmod_vfio, &how, &first);

	for (size_t i = 0; i < nconf; i++) {
		if (o->c[i].src == SRC_ADMIN) {
			o->vfio_module = xstrdup(o->c[i].module);
			o->vfio_reason = xasprintf("admin alias at %s:%u (alias %s %s)",
						   o->c[i].file, o->c[i].line,
						   o->c[i].pattern, o->c[i].module);
			goto notes;
		}
	}
	if (nconf) {
		o->vfio_module = xstrdup(o->c[0].module);
		o->vfio_reason = xasprintf("package alias at %s:%u (alias %s %s)",
					   o->c[0].file, o->c[0].line,
					   o->c[0].pattern, o->c[0].module);
		goto notes;
	}
	if (best >= 0 && o->c[best].wild < 7) {
		o->vfio_module = xstrdup(o->c[best].module);
		o->vfio_reason = xasprintf("most specific vfio_pci: alias in modules.alias (line %u, %d wildcards: %s)",
					   o->c[best].line, o->c[best].wild,
					   o->c[best].pattern);
		for (size_t i = (size_t)best + 1; i < o->nc; i++)
			if (o->c[i].wild == o->c[best].wild &&
			    strcmp(o->c[i].module, o->c[best].module))
				strv_push(&o->notes, xasprintf(
					"%s (modules.alias line %u) matches as specifically; the first line wins, as in libvirt: add an alias in /etc/modprobe.d to choose",
					o->c[i].module, o->c[i].line));
		goto notes;
	}
	if (modindex_has(mi, VV_GENERIC_MODULE)) {
		o->vfio_module = xstrdup(VV_GENERIC_MODULE);
		o->vfio_reason = xstrdup("no variant matches: the package's generic driver");
		goto notes;
	}
	if (best >= 0) {
		o->vfio_module = xstrdup(o->c[best].module);
		o->vfio_reason = xasprintf("no variant matches: the generic driver of modules.alias line %u",
					   o->c[best].line);
		goto notes;
	}
	o->vfio_reason = xstrdup("no vfio_pci: alias matches (is a VFIO driver installed?)");
notes:
	if (o->kmod_vfio.n > 1)
		strv_push(&o->notes, xasprintf(
			"'modprobe %s' loads %zu modules (%s lookup)", vname,
			o->kmod_vfio.n, how));
	if (o->vfio_module && strcmp(o->libvirt_module ? o->libvirt_module : "vfio_pci",
				     o->vfio_module))
		strv_push(&o->notes, xasprintf(
			"libvirt (which reads only modules.alias) would pick %s unless the domain names <driver model='%s'/>",
			o->libvirt_module ? o->libvirt_module : "vfio_pci",
			o->vfio_module));
	(void)c;
	free(vname);
}

static void claim_side(const struct ctx *c, const struct conf *cf,
		       const struct modindex *mi, const struct pcidev *d,
		       struct decision *o)
{
	const struct cfg_entry *first = NULL;
	const char *how = "none";
	struct strv seen = { 0 };
	bool known;

	/* ids= of every module that takes it: the last ids= counts */
	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];
		const struct cfg_entry *last = NULL;
		const char *val = NULL;
		char *buf = NULL, *lastbuf = NULL;
		struct pci_id *ids;
		size_t n;

		if (e->kind != K_OPTIONS || !ids_module(e->name) ||
		    strv_has(&seen, e->name))
			continue;
		strv_add(&seen, e->name);
		for (size_t j = i; j < cf->n; j++) {
			const struct cfg_entry *f = &cf->e[j];
			const char *v;

			if (f->kind != K_OPTIONS || strcmp(f->name, e->name))
				continue;
			v = options_param(f->value, "ids", &buf);
			if (v) {
				free(lastbuf);
				lastbuf = buf;
				val = v;
				last = f;
			} else {
				free(buf);
			}
		}
		if (!val)
			continue;
		ids_parse(val, &ids, &n, NULL);
		for (size_t k = 0; k < n; k++) {
			if (!pci_id_match(&ids[k], d))
				continue;
			o->ids = xrealloc(o->ids, (o->nids + 1) * sizeof(*o->ids));
			o->ids[o->nids].module = xstrdup(e->name);
			o->ids[o->nids].file = last->file;
			o->ids[o->nids].line = last->line;
			o->ids[o->nids].entry = xasprintf("%04x:%04x", ids[k].vendor,
							 ids[k].device);
			o->ids[o->nids].value = xstrdup(val);
			o->nids++;
			break;
		}
		free(ids);
		free(lastbuf);
	}
	strv_free(&seen);

	if (d->modalias && !strncmp(d->modalias, "pci:", 4)) {
		kmod_lookup(cf, mi, d->modalias, &o->kmod_pci, &how, &first);
		for (size_t i = 0; i < o->kmod_pci.n; i++)
			if (!blacklisted(cf, o->kmod_pci.v[i]))
				strv_add(&o->native, o->kmod_pci.v[i]);
	}

	if (d->override) {
		o->claim_kind = "override";
		o->claim = xstrdup(d->override);
		o->claim_reason = xasprintf("driver_override is set to %s%s",
					    d->override, d->persist_driver ?
					    " (and persisted)" :
					    " (until reboot: not persisted)");
		if (d->persist_driver && strcmp(d->persist_driver, d->override))
			strv_push(&o->notes, xasprintf(
				"persisted choice %s (%s) differs from the driver_override in effect",
				d->persist_driver, d->persist_file));
	} else if (d->persist_driver) {
		o->claim_kind = "persisted";
		o->claim = xstrdup(d->persist_driver);
		o->claim_reason = xasprintf("persisted in %s: the udev rule sets driver_override when the device appears",
					    d->persist_file);
	} else if (o->nids) {
		o->claim_kind = "ids";
		o->claim = module_driver(c, mi, o->ids[0].module, &known);
		o->claim_reason = xasprintf("ids= of %s lists %s (%s:%u)",
					    o->ids[0].module, o->ids[0].entry,
					    o->ids[0].file, o->ids[0].line);
		for (size_t i = 1; i < o->nids; i++)
			strv_push(&o->notes, xasprintf(
				"ids= of %s also lists it (%s:%u): the module that loads first takes the device",
				o->ids[i].module, o->ids[i].file, o->ids[i].line));
		for (size_t i = 0; i < o->native.n; i++) {
			const struct cfg_entry *sd = find_softdep(cf, o->native.v[i],
								  o->ids[0].module);

			if (sd)
				strv_push(&o->notes, xasprintf(
					"softdep %s pre: %s (%s:%u) loads %s first",
					o->native.v[i], o->ids[0].module,
					sd->file, sd->line, o->ids[0].module));
			else
				strv_push(&o->notes, xasprintf(
					"no 'softdep %s pre: %s': if %s loads first it keeps the device",
					o->native.v[i], o->ids[0].module,
					o->native.v[i]));
		}
	} else if (o->native.n) {
		o->claim_kind = !strcmp(how, "built-in") ? "builtin" : "native";
		o->claim = module_driver(c, mi, o->native.v[0], &known);
		if (first)
			o->claim_reason = xasprintf("config alias at %s:%u (alias %s %s) names the module udev loads",
						    first->file, first->line,
						    first->name, first->value);
		else if (!strcmp(how, "built-in"))
			o->claim_reason = xasprintf("%s is built into the kernel and binds first",
						    o->native.v[0]);
		else
			o->claim_reason = xasprintf("udev loads %s for the device's pci: modalias (modules.alias)",
						    o->native.v[0]);
		if (o->native.n > 1)
			strv_push(&o->notes, xasprintf(
				"kmod loads %zu modules for this modalias; the first registered driver that matches binds",
				o->native.n));
	} else if (o->kmod_pci.n) {
		o->claim_kind = "none";
		o->claim_reason = xasprintf("only blacklisted modules match (%s); udev does not load them",
					    o->kmod_pci.v[0]);
	} else {
		o->claim_kind = "none";
		o->claim_reason = xstrdup("no driver matches the device's modalias");
	}
	for (size_t i = 0; i < o->native.n; i++)
		for (size_t j = 0; j < cf->n; j++)
			if (cf->e[j].kind == K_INSTALL &&
			    !strcmp(cf->e[j].name, o->native.v[i]))
				strv_push(&o->notes, xasprintf(
					"install command for %s at %s:%u runs instead of loading it",
					o->native.v[i], cf->e[j].file,
					cf->e[j].line));
	if (d->driver && o->claim) {
		char *a = modname_norm(d->driver), *b = modname_norm(o->claim);

		if (strcmp(a, b))
			strv_push(&o->notes, xasprintf("currently bound to %s",
						       d->driver));
		free(a);
		free(b);
	}
}

void decide(const struct ctx *c, const struct conf *cf,
	    const struct modindex *mi, const struct pcidev *d,
	    struct decision *out)
{
	memset(out, 0, sizeof(*out));
	vfio_side(c, cf, mi, d, out);
	claim_side(c, cf, mi, d, out);
}

void decision_free(struct decision *d)
{
	for (size_t i = 0; i < d->nc; i++)
		free(d->c[i].module);
	free(d->c);
	for (size_t i = 0; i < d->nids; i++) {
		free(d->ids[i].module);
		free(d->ids[i].entry);
		free(d->ids[i].value);
	}
	free(d->ids);
	free(d->vfio_module);
	free(d->vfio_reason);
	free(d->libvirt_module);
	free(d->claim);
	free(d->claim_reason);
	strv_free(&d->kmod_vfio);
	strv_free(&d->kmod_pci);
	strv_free(&d->native);
	strv_free(&d->notes);
}
