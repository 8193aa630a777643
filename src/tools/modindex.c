// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-variant: the module index of one kernel, /lib/modules/<kver>:
 * modules.dep (which modules exist), modules.alias (the text file libvirt
 * reads; depmod writes it in the order of modules.order, in-tree modules
 * first), modules.builtin and the aliases of built-in modules from
 * modules.builtin.modinfo.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "vv.h"

static char *module_from_path(const char *path, size_t len)
{
	const char *base = path, *end = path + len;
	char *tmp, *dot, *name;

	for (const char *p = path; p < end; p++)
		if (*p == '/')
			base = p + 1;
	tmp = xstrndup(base, (size_t)(end - base));
	dot = strstr(tmp, ".ko");
	if (dot)
		*dot = '\0';
	name = modname_norm(tmp);
	free(tmp);
	return name;
}

static void add_alias(struct alias_ent **v, size_t *n, const char *pat,
		      size_t plen, const char *mod, size_t mlen,
		      unsigned int line)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].pattern = xstrndup(pat, plen);
	(*v)[*n].module = xstrndup(mod, mlen);
	(*v)[*n].line = line;
	(*n)++;
}

void modindex_load(struct modindex *mi, const struct ctx *c)
{
	char *base = rpath(c, "/lib/modules/");
	char *path, *text, *line, *save = NULL;
	unsigned int lineno;
	size_t len = 0;

	mi->dir = xasprintf("%s%s", base, c->kver);
	free(base);

	path = xasprintf("%s/modules.dep", mi->dir);
	text = read_text(path, 64 << 20);
	free(path);
	if (text) {
		mi->have_dep = true;
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(line, ':');

			if (!colon)
				continue;
			strv_push(&mi->mods, module_from_path(line, (size_t)(colon - line)));
			strv_push(&mi->paths, xstrndup(line, (size_t)(colon - line)));
		}
		free(text);
	}

	path = xasprintf("%s/modules.builtin", mi->dir);
	text = read_text(path, 16 << 20);
	free(path);
	if (text) {
		save = NULL;
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			strv_push(&mi->builtin, module_from_path(line, strlen(line)));
		free(text);
	}

	/* Line by line, keeping line numbers for the reports. */
	path = xasprintf("%s/modules.alias", mi->dir);
	text = read_text(path, 64 << 20);
	free(path);
	if (text) {
		char *p = text;

		mi->have_alias = true;
		for (lineno = 1; *p; lineno++) {
			char *nl = strchr(p, '\n'), *a, *sp;

			if (nl)
				*nl = '\0';
			if (!strncmp(p, "alias ", 6)) {
				a = p + 6;
				sp = strchr(a, ' ');
				if (sp && sp[1])
					add_alias(&mi->al, &mi->nal, a,
						  (size_t)(sp - a), sp + 1,
						  strcspn(sp + 1, " \t"), lineno);
			}
			if (!nl)
				break;
			p = nl + 1;
		}
		free(text);
	}

	/* "name.alias=pattern\0" records */
	path = xasprintf("%s/modules.builtin.modinfo", mi->dir);
	text = read_data(path, 64 << 20, &len);
	if (text) {
		for (size_t off = 0; off < len;) {
			char *rec = text + off;
			size_t rl = strnlen(rec, len - off);
			char *dot = memchr(rec, '.', rl);

			if (dot && !strncmp(dot + 1, "alias=", 6))
				add_alias(&mi->bal, &mi->nbal, dot + 7,
					  rl - (size_t)(dot + 7 - rec), rec,
					  (size_t)(dot - rec), 0);
			off += rl + 1;
		}
		free(text);
	}
	free(path);
}

bool modindex_has(const struct modindex *mi, const char *mod)
{
	return strv_has(&mi->mods, mod);
}

bool modindex_builtin(const struct modindex *mi, const char *mod)
{
	if (strv_has(&mi->builtin, mod))
		return true;
	for (size_t i = 0; i < mi->nbal; i++)
		if (!strcmp(mi->bal[i].module, mod))
			return true;
	return false;
}

const char *modindex_path(const struct modindex *mi, const char *mod)
{
	for (size_t i = 0; i < mi->mods.n; i++)
		if (!strcmp(mi->mods.v[i], mod))
			return mi->paths.v[i];
	return NULL;
}
