// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-variant check: lint modprobe configuration and the persisted
 * choices. Errors are what kmod or the kernel ignores or gets wrong
 * silently: syntax kmod skips, aliases to modules that do not exist, an ID
 * claimed by the ids= lists of two modules, softdep cycles (kmod breaks a
 * cycle without a word), malformed ids= entries, malformed persisted files.
 * Warnings are legal but probably unintended.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "vv.h"

static bool module_exists(const struct conf *cf, const struct modindex *mi,
			  const char *mod)
{
	if (modindex_has(mi, mod) || modindex_builtin(mi, mod))
		return true;
	for (size_t i = 0; i < cf->n; i++)
		if (cf->e[i].kind == K_INSTALL && !strcmp(cf->e[i].name, mod))
			return true;
	return false;
}

/*
 * Lower-case hex digits in the fixed-width fields of a pci:/vfio_pci:
 * pattern: modaliases are upper case, so such a pattern never matches.
 */
static bool lowercase_hex(const char *pat)
{
	static const struct { const char *name; int width; } f[] = {
		{ "v", 8 }, { "d", 8 }, { "sv", 8 }, { "sd", 8 },
		{ "bc", 2 }, { "sc", 2 }, { "i", 2 },
	};
	const char *p = strchr(pat, ':');

	if (!p)
		return false;
	p++;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t len = strlen(f[i].name);

		if (strncmp(p, f[i].name, len))
			return false;
		p += len;
		for (int k = 0; k < f[i].width; k++, p++) {
			if (*p >= 'a' && *p <= 'f')
				return true;
			if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F') ||
			      *p == '?'))
				return false;
		}
	}
	return false;
}

struct edge {
	size_t from, to;
	const struct cfg_entry *e;
};

struct graph {
	struct strv nodes;
	struct edge *edges;
	size_t ne;
};

static size_t node(struct graph *g, const char *name)
{
	for (size_t i = 0; i < g->nodes.n; i++)
		if (!strcmp(g->nodes.v[i], name))
			return i;
	strv_add(&g->nodes, name);
	return g->nodes.n - 1;
}

static void add_edges(struct graph *g, const struct cfg_entry *e,
		      const struct strv *deps)
{
	size_t from = node(g, e->name);

	for (size_t i = 0; i < deps->n; i++) {
		char *n = modname_norm(deps->v[i]);

		g->edges = xrealloc(g->edges, (g->ne + 1) * sizeof(*g->edges));
		g->edges[g->ne].from = from;
		g->edges[g->ne].to = node(g, n);
		g->edges[g->ne].e = e;
		g->ne++;
		free(n);
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct dfs {
	struct graph *g;
	int *color;		/* 0 new, 1 on stack, 2 done */
	size_t *stack;		/* edge indices */
	size_t depth;
	struct strv reported;
	struct conf *cf;
};

static void report_cycle(struct dfs *s, size_t start_depth, size_t closing)
{
	struct graph *g = s->g;
	struct strv names = { 0 };
	char *key, *path;
	size_t klen = 1, plen = 1;

	for (size_t i = start_depth; i < s->depth; i++)
		strv_add(&names, g->nodes.v[g->edges[s->stack[i]].from]);
	strv_add(&names, g->nodes.v[g->edges[closing].from]);
	/* the same cycle found from another node is reported once */
	char **sorted = xmalloc(names.n * sizeof(char *));

	memcpy(sorted, names.v, names.n * sizeof(char *));
	qsort(sorted, names.n, sizeof(char *), str_cmp);
	for (size_t i = 0; i < names.n; i++)
		klen += strlen(sorted[i]) + 1;
	key = xmalloc(klen);
	for (size_t i = 0; i < names.n; i++) {
		strcat(key, sorted[i]);
		strcat(key, " ");
	}
	free(sorted);
	if (strv_has(&s->reported, key)) {
		free(key);
		strv_free(&names);
		return;
	}
	strv_push(&s->reported, key);
	for (size_t i = 0; i < names.n; i++)
		plen += strlen(names.v[i]) + 4;
	plen += strlen(g->nodes.v[g->edges[closing].to]);
	path = xmalloc(plen);
	for (size_t i = 0; i < names.n; i++) {
		strcat(path, names.v[i]);
		strcat(path, " -> ");
	}
	strcat(path, g->nodes.v[g->edges[closing].to]);
	diag_add(s->cf, g->edges[closing].e->file, g->edges[closing].e->line,
		 SEV_ERR,
		 "softdep cycle %s: kmod silently drops one of these dependencies, so the load order depends on which module is asked for",
		 path);
	free(path);
	strv_free(&names);
}

static void dfs_visit(struct dfs *s, size_t v)
{
	s->color[v] = 1;
	for (size_t i = 0; i < s->g->ne; i++) {
		size_t to;

		if (s->g->edges[i].from != v)
			continue;
		to = s->g->edges[i].to;
		if (s->color[to] == 1) {
			size_t start = s->depth;

			/* find where 'to' entered the stack */
			for (size_t k = 0; k < s->depth; k++)
				if (s->g->edges[s->stack[k]].from == to) {
					start = k;
					break;
				}
			report_cycle(s, start, i);
		} else if (s->color[to] == 0) {
			s->stack[s->depth++] = i;
			dfs_visit(s, to);
			s->depth--;
		}
	}
	s->color[v] = 2;
}

static void check_softdeps(struct conf *cf, const struct modindex *mi)
{
	struct graph g = { 0 };
	struct dfs s = { 0 };

	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];

		if (e->kind != K_SOFTDEP)
			continue;
		if (!e->pre.n && !e->post.n)
			diag_add(cf, e->file, e->line, SEV_WARN,
				 "softdep %s names no module after pre: or post:, so it does nothing",
				 e->raw_name);
		else if (e->stray)
			diag_add(cf, e->file, e->line, SEV_WARN,
				 "softdep %s: words before pre:/post: are ignored",
				 e->raw_name);
		for (int k = 0; k < 2; k++) {
			const struct strv *deps = k ? &e->post : &e->pre;

			/*
			 * modules.softdep is the kernel's own: depmod writes it
			 * from the modules' MODULE_SOFTDEP, which may name
			 * modules of other architectures (vfio: post:
			 * vfio_iommu_spapr_tce). kmod skips those silently and
			 * the admin cannot change them: no warning.
			 */
			for (size_t j = 0; j < deps->n && mi->have_dep &&
			     e->origin != O_MODULES; j++) {
				char *n = modname_norm(deps->v[j]);

				if (!module_exists(cf, mi, n))
					diag_add(cf, e->file, e->line, SEV_WARN,
						 "softdep %s: '%s' is not a module of this kernel",
						 e->raw_name, deps->v[j]);
				free(n);
			}
		}
		add_edges(&g, e, &e->pre);
		add_edges(&g, e, &e->post);
	}
	s.g = &g;
	s.cf = cf;
	s.color = xmalloc((g.nodes.n + 1) * sizeof(int));
	s.stack = xmalloc((g.ne + 1) * sizeof(size_t));
	for (size_t v = 0; v < g.nodes.n; v++)
		if (!s.color[v])
			dfs_visit(&s, v);
	free(s.color);
	free(s.stack);
	free(g.edges);
	strv_free(&g.nodes);
	strv_free(&s.reported);
}

struct ids_set {
	const struct cfg_entry *e;	/* the options line of the last ids= */
	struct pci_id *ids;
	size_t n;
};

static void check_ids(struct conf *cf)
{
	struct ids_set *sets = NULL;
	size_t nsets = 0;

	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];
		struct strv bad = { 0 };
		const char *val;
		char *buf;
		size_t k;

		if (e->kind != K_OPTIONS || !ids_module(e->name))
			continue;
		val = options_param(e->value, "ids", &buf);
		if (!val) {
			free(buf);
			continue;
		}
		for (k = 0; k < nsets; k++)
			if (!strcmp(sets[k].e->name, e->name))
				break;
		if (k < nsets) {
			diag_add(cf, e->file, e->line, SEV_WARN,
				 "ids= for %s was already given at %s:%u; the kernel keeps only the last value",
				 e->raw_name, sets[k].e->file, sets[k].e->line);
			free(sets[k].ids);
		} else {
			sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
			k = nsets++;
		}
		sets[k].e = e;
		ids_parse(val, &sets[k].ids, &sets[k].n, &bad);
		for (size_t j = 0; j < bad.n; j++)
			diag_add(cf, e->file, e->line, SEV_ERR,
				 "ids= of %s: '%s' is not vendor:device[:subvendor[:subdevice[:class[:class_mask]]]] in hex; the kernel skips it",
				 e->raw_name, bad.v[j]);
		strv_free(&bad);
		free(buf);
	}
	for (size_t a = 0; a < nsets; a++)
		for (size_t b = a + 1; b < nsets; b++)
			for (size_t i = 0; i < sets[a].n; i++)
				for (size_t j = 0; j < sets[b].n; j++) {
					const struct cfg_entry *ea = sets[a].e, *eb = sets[b].e;
					/* entries are in kmod's order, the command line last */
					const struct cfg_entry *later = eb > ea ? eb : ea;
					const struct cfg_entry *other = later == ea ? eb : ea;
					const struct pci_id *id = later == ea ? &sets[a].ids[i] :
									  &sets[b].ids[j];

					if (!pci_id_overlap(&sets[a].ids[i], &sets[b].ids[j]))
						continue;
					diag_add(cf, later->file, later->line, SEV_ERR,
						 "ids= of %s lists %04x:%04x, also claimed by ids= of %s (%s:%u): whichever module loads first takes the device",
						 later->raw_name, id->vendor, id->device,
						 other->raw_name, other->file, other->line);
					i = sets[a].n;	/* one report per pair */
					break;
				}
	for (size_t k = 0; k < nsets; k++)
		free(sets[k].ids);
	free(sets);
}

static void check_persisted(const struct ctx *c, struct conf *cf,
			    const struct modindex *mi)
{
	char *dir = rpath(c, VV_CONFDIR);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		free(dir);
		return;
	}
	while ((de = readdir(d))) {
		char bdf[16], *file, *drv, *mod, *err;
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (!bdf_normalize(de->d_name, bdf) || strcmp(bdf, de->d_name)) {
			diag_add(cf, path, 0, SEV_ERR,
				 "not a PCI address (want DDDD:BB:DD.F): the udev rule never reads this file");
			free(path);
			continue;
		}
		if (persist_read(c, bdf, &file, &drv, &mod, &err) < 0) {
			diag_add(cf, path, 0, SEV_ERR, "%s", err);
		} else {
			char *dev = rpath(c, "/sys/bus/pci/devices/");
			char *dp = xasprintf("%s%s", dev, bdf);
			DIR *dd = opendir(dp);

			if (dd)
				closedir(dd);
			else
				diag_add(cf, path, 0, SEV_NOTE,
					 "no device %s present now", bdf);
			if (mi->have_dep && mod && !modindex_has(mi, mod) &&
			    !modindex_builtin(mi, mod))
				diag_add(cf, path, 0, SEV_WARN,
					 "module %s of driver %s is not installed for kernel %s",
					 mod, drv, c->kver);
			free(dev);
			free(dp);
		}
		free(file);
		free(drv);
		free(mod);
		free(err);
		free(path);
	}
	closedir(d);
	free(dir);
}

void check_conf(const struct ctx *c, struct conf *cf,
		const struct modindex *mi)
{
	if (!mi->have_dep)
		diag_add(cf, mi->dir, 0, SEV_WARN,
			 "no modules.dep: module names are not checked (run depmod, or pick the kernel with --kernel)");
	for (size_t i = 0; i < cf->masked.n; i++)
		diag_add(cf, cf->masked.v[i], 0, SEV_NOTE,
			 "masked by %s (same name, higher priority)",
			 cf->masked_by.v[i]);
	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_entry *e = &cf->e[i];

		switch (e->kind) {
		case K_ALIAS:
			if (mi->have_dep && !module_exists(cf, mi, e->value))
				diag_add(cf, e->file, e->line, SEV_ERR,
					 "alias %s names '%s', which is not a module of kernel %s",
					 e->raw_name, e->value, c->kver);
			if (e->extra)
				diag_add(cf, e->file, e->line, SEV_WARN,
					 "alias %s: words after the module name are ignored",
					 e->raw_name);
			if (!strncmp(e->name, "pci:", 4))
				diag_add(cf, e->file, e->line, SEV_WARN,
					 "alias for a pci: modalias: udev then loads only '%s' for matching devices, never their native driver; steer VFIO drivers with vfio_pci: aliases or driver_override",
					 e->value);
			if ((!strncmp(e->name, "pci:", 4) ||
			     !strncmp(e->name, "vfio_pci:", 9)) && lowercase_hex(e->name))
				diag_add(cf, e->file, e->line, SEV_WARN,
					 "alias %s has lower-case hex digits; modaliases are upper case, so it never matches",
					 e->raw_name);
			break;
		case K_OPTIONS:
			if (mi->have_dep && e->origin != O_CMDLINE &&
			    !module_exists(cf, mi, e->name))
				diag_add(cf, e->file, e->line, SEV_WARN,
					 "options for '%s', which is not a module of kernel %s",
					 e->raw_name, c->kver);
			break;
		default:
			break;
		}
	}
	check_ids(cf);
	check_softdeps(cf, mi);
	check_persisted(c, cf, mi);
}
