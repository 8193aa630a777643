// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-variant: read modprobe configuration the way kmod does.
 *
 * Directories, highest priority first: /etc, /run, /usr/local/lib, /usr/lib,
 * /lib (each + /modprobe.d). Files ending in .conf or .alias are read in
 * the order of their names across all directories; a name already seen in
 * an earlier directory masks the later file. modules.softdep of the kernel
 * is read like one more file. Options on the kernel command line
 * (module.param=value) come last. A logical line may continue over several
 * physical lines with a backslash; a line is a comment only if '#' is its
 * very first character.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vv.h"

static const struct {
	const char *dir;
	enum origin origin;
} confdirs[] = {
	{ "/etc/modprobe.d", O_ADMIN },
	{ "/run/modprobe.d", O_ADMIN },
	{ "/usr/local/lib/modprobe.d", O_ADMIN },
	{ "/usr/lib/modprobe.d", O_PACKAGE },
	{ "/lib/modprobe.d", O_PACKAGE },
};

const char *origin_name(enum origin o)
{
	switch (o) {
	case O_ADMIN: return "admin";
	case O_PACKAGE: return "package";
	case O_MODULES: return "modules";
	case O_CMDLINE: return "cmdline";
	}
	return "?";
}

void diag_add(struct conf *cf, const char *file, unsigned int line,
	      enum sev sev, const char *fmt, ...)
{
	va_list ap;
	struct diag *d;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (cf->nd == cf->capd) {
		cf->capd = cf->capd ? cf->capd * 2 : 16;
		cf->d = xrealloc(cf->d, cf->capd * sizeof(*cf->d));
	}
	d = &cf->d[cf->nd++];
	d->file = xstrdup(file);
	d->line = line;
	d->sev = sev;
	d->msg = msg ? msg : xstrdup("?");
}

static struct cfg_entry *add_entry(struct conf *cf, enum cfg_kind kind,
				   enum origin origin, const char *file,
				   unsigned int line)
{
	struct cfg_entry *e;

	if (cf->n == cf->cap) {
		cf->cap = cf->cap ? cf->cap * 2 : 32;
		cf->e = xrealloc(cf->e, cf->cap * sizeof(*cf->e));
	}
	e = &cf->e[cf->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->origin = origin;
	e->file = file;
	e->line = line;
	return e;
}

struct cfile {
	char *name;	/* basename: the sort key */
	char *path;	/* shown path (root included) */
	enum origin origin;
};

static int cfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfile *)a)->name,
		      ((const struct cfile *)b)->name);
}

static bool conf_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (n[0] == '.' || len < 6)
		return false;
	return !strcmp(n + len - 5, ".conf") || !strcmp(n + len - 6, ".alias");
}

static void note_unmatched_bracket(struct conf *cf, const char *file,
				   unsigned int line, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == ']') {
			diag_add(cf, file, line, SEV_WARN,
				 "unmatched ']' in '%s'", s);
			return;
		}
		if (s[i] == '[') {
			i += strcspn(s + i, "]");
			if (!s[i]) {
				diag_add(cf, file, line, SEV_WARN,
					 "unmatched '[' in '%s'", s);
				return;
			}
		}
	}
}

/* Split softdep/weakdep words; returns false if there are none at all. */
static void parse_deps(struct cfg_entry *e, char *rest)
{
	enum { NONE, PRE, POST } mode = e->kind == K_WEAKDEP ? PRE : NONE;
	char *save = NULL;

	for (char *w = strtok_r(rest, " \t\n\v\f\r", &save); w;
	     w = strtok_r(NULL, " \t\n\v\f\r", &save)) {
		if (e->kind == K_SOFTDEP && !strcmp(w, "pre:"))
			mode = PRE;
		else if (e->kind == K_SOFTDEP && !strcmp(w, "post:"))
			mode = POST;
		else if (mode == PRE)
			strv_add(&e->pre, w);
		else if (mode == POST)
			strv_add(&e->post, w);
		else
			e->stray = true;
	}
}

static void parse_line(struct conf *cf, const char *file, enum origin origin,
		       unsigned int lineno, char *line)
{
	char *save = NULL, *cmd, *a, *b;
	struct cfg_entry *e;

	if (line[0] == '\0' || line[0] == '#')
		return;
	cmd = strtok_r(line, "\t ", &save);
	if (!cmd)
		return;
	if (!strcmp(cmd, "alias")) {
		a = strtok_r(NULL, "\t ", &save);
		b = strtok_r(NULL, "\t ", &save);
		if (!a || !b)
			goto syntax;
		note_unmatched_bracket(cf, file, lineno, a);
		e = add_entry(cf, K_ALIAS, origin, file, lineno);
		e->name = modname_norm(a);
		e->raw_name = xstrdup(a);
		e->value = modname_norm(b);
		e->extra = strtok_r(NULL, "\t ", &save) != NULL;
		return;
	}
	if (!strcmp(cmd, "blacklist")) {
		a = strtok_r(NULL, "\t ", &save);
		if (!a)
			goto syntax;
		e = add_entry(cf, K_BLACKLIST, origin, file, lineno);
		e->name = modname_norm(a);
		e->raw_name = xstrdup(a);
		return;
	}
	if (!strcmp(cmd, "options") || !strcmp(cmd, "install") ||
	    !strcmp(cmd, "remove") || !strcmp(cmd, "softdep") ||
	    !strcmp(cmd, "weakdep")) {
		a = strtok_r(NULL, "\t ", &save);
		b = strtok_r(NULL, "", &save);
		if (!a || !b)
			goto syntax;
		enum cfg_kind k = cmd[0] == 'o' ? K_OPTIONS :
				  cmd[0] == 'i' ? K_INSTALL :
				  cmd[0] == 'r' ? K_REMOVE :
				  cmd[0] == 's' ? K_SOFTDEP : K_WEAKDEP;
		e = add_entry(cf, k, origin, file, lineno);
		e->name = modname_norm(a);
		e->raw_name = xstrdup(a);
		if (k == K_OPTIONS)
			for (char *p = b; *p; p++)
				if (*p == '\t')
					*p = ' ';
		e->value = xstrdup(b);
		if (k == K_SOFTDEP || k == K_WEAKDEP)
			parse_deps(e, b);
		if (k == K_WEAKDEP)
			diag_add(cf, file, lineno, SEV_WARN,
				 "weakdep is understood by kmod 33 and later; older kmod ignores this line");
		return;
	}
	if (!strcmp(cmd, "include") || !strcmp(cmd, "config")) {
		diag_add(cf, file, lineno, SEV_ERR,
			 "'%s' is not supported by kmod: the line is ignored",
			 cmd);
		return;
	}
syntax:
	if (cmd[0] == '#')
		diag_add(cf, file, lineno, SEV_ERR,
			 "syntax error: a comment must start in the first column; kmod ignores this line as a bad command");
	else if (!strcmp(cmd, "alias") || !strcmp(cmd, "options") ||
		 !strcmp(cmd, "install") || !strcmp(cmd, "remove") ||
		 !strcmp(cmd, "softdep") || !strcmp(cmd, "blacklist") ||
		 !strcmp(cmd, "weakdep"))
		diag_add(cf, file, lineno, SEV_ERR,
			 "syntax error: '%s' needs %s; kmod ignores this line",
			 cmd, !strcmp(cmd, "alias") ? "a pattern and a module" :
			 !strcmp(cmd, "blacklist") ? "a module" :
			 !strcmp(cmd, "options") ? "a module and its options" :
			 !strcmp(cmd, "softdep") ? "a module and its dependencies" :
			 !strcmp(cmd, "weakdep") ? "a module and its dependencies" :
			 "a module and a command");
	else
		diag_add(cf, file, lineno, SEV_ERR,
			 "syntax error: unknown command '%s'; kmod ignores this line",
			 cmd);
}

/* Logical lines as kmod's getline_wrapped() makes them. */
static void parse_file(struct conf *cf, const char *path, enum origin origin)
{
	char *text = read_text(path, 16 << 20), *p, *buf;
	unsigned int lineno = 1, start;
	size_t len, cap;

	if (!text) {
		diag_add(cf, path, 0, SEV_ERR, "cannot read: %s",
			 strerror(errno));
		return;
	}
	p = text;
	cap = strlen(text) + 1;
	buf = xmalloc(cap);
	while (*p) {
		start = lineno;
		len = 0;
		for (;;) {
			if (*p == '\0')
				break;
			if (*p == '\n') {
				p++;
				lineno++;
				break;
			}
			if (*p == '\\') {
				p++;
				if (*p == '\n') {
					p++;
					lineno++;
					continue;
				}
				if (*p == '\0')
					break;
			}
			buf[len++] = *p++;
		}
		buf[len] = '\0';
		parse_line(cf, path, origin, start, buf);
	}
	free(buf);
	free(text);
}

/* module.param=value words of the kernel command line, as kmod takes them. */
static void parse_cmdline(struct conf *cf, const char *path)
{
	char *text = read_text(path, 1 << 16), *save = NULL;

	if (!text)
		return;
	chomp(text);
	for (char *w = strtok_r(text, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		char *dot = strchr(w, '.'), *eq = strchr(w, '=');
		struct cfg_entry *e;

		if (!dot || !eq || eq < dot || dot == w)
			continue;
		*dot = '\0';
		if (!strcmp(w, "modprobe") && !strncmp(dot + 1, "blacklist=", 10)) {
			char *s2 = NULL;

			for (char *m = strtok_r(eq + 1, ",", &s2); m;
			     m = strtok_r(NULL, ",", &s2)) {
				e = add_entry(cf, K_BLACKLIST, O_CMDLINE,
					      "kernel command line", 0);
				e->name = modname_norm(m);
				e->raw_name = xstrdup(m);
			}
			continue;
		}
		e = add_entry(cf, K_OPTIONS, O_CMDLINE, "kernel command line", 0);
		e->name = modname_norm(w);
		e->raw_name = xstrdup(w);
		e->value = xstrdup(dot + 1);
	}
	free(text);
}

void conf_load(struct conf *cf, const struct ctx *c)
{
	struct cfile *files = NULL;
	size_t nf = 0, capf = 0;
	struct stat st;

	for (size_t i = 0; i < sizeof(confdirs) / sizeof(confdirs[0]); i++) {
		char *dir = rpath(c, confdirs[i].dir);
		DIR *d = opendir(dir);
		struct dirent *de;

		if (!d) {
			free(dir);
			continue;
		}
		while ((de = readdir(d))) {
			char *path;
			bool dup = false;

			if (!conf_name_ok(de->d_name))
				continue;
			path = xasprintf("%s/%s", dir, de->d_name);
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				diag_add(cf, path, 0, SEV_WARN,
					 "directories inside modprobe.d are not read");
				free(path);
				continue;
			}
			for (size_t j = 0; j < nf; j++) {
				if (!strcmp(files[j].name, de->d_name)) {
					struct stat a, b;

					/* /lib -> /usr/lib: the same file, not a mask */
					if (stat(path, &a) || stat(files[j].path, &b) ||
					    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
						strv_add(&cf->masked, path);
						strv_add(&cf->masked_by, files[j].path);
					}
					dup = true;
					break;
				}
			}
			if (dup) {
				free(path);
				continue;
			}
			if (nf == capf) {
				capf = capf ? capf * 2 : 32;
				files = xrealloc(files, capf * sizeof(*files));
			}
			files[nf].name = xstrdup(de->d_name);
			files[nf].path = path;
			files[nf].origin = confdirs[i].origin;
			nf++;
		}
		closedir(d);
		free(dir);
	}
	if (c->kver) {
		char *sd = rpath(c, "/lib/modules/");
		char *path = xasprintf("%s%s/modules.softdep", sd, c->kver);

		free(sd);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (nf == capf) {
				capf = capf ? capf * 2 : 32;
				files = xrealloc(files, capf * sizeof(*files));
			}
			files[nf].name = xstrdup("modules.softdep");
			files[nf].path = path;
			files[nf].origin = O_MODULES;
			nf++;
		} else {
			free(path);
		}
	}
	if (nf)
		qsort(files, nf, sizeof(*files), cfile_cmp);
	for (size_t i = 0; i < nf; i++) {
		/* the entries point at the path: keep it in cf->files */
		strv_push(&cf->files, files[i].path);
		parse_file(cf, files[i].path, files[i].origin);
		free(files[i].name);
	}
	free(files);

	char *cmdline = rpath(c, "/proc/cmdline");

	parse_cmdline(cf, cmdline);
	free(cmdline);
}
