// SPDX-License-Identifier: GPL-2.0-only
/* vfio-variant: small helpers (memory, strings, files, JSON). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vv.h"

static void oom(void)
{
	fputs("vfio-variant: out of memory\n", stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return p;
}

void strv_push(struct strv *s, char *owned)
{
	if (s->n + 1 >= s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
}

void strv_add(struct strv *s, const char *str)
{
	strv_push(s, xstrdup(str));
}

bool strv_has(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return true;
	return false;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* The whole file (NUL-terminated, length in *lenp), or NULL with errno. */
char *read_data(const char *path, size_t max, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t r;

		if (len == cap) {
			if (cap >= max) {
				close(fd);
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;

			close(fd);
			free(buf);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

char *read_text(const char *path, size_t max)
{
	return read_data(path, max, NULL);
}

/* One write(2) of the whole text, as sysfs attributes want. 0 or -errno. */
int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	size_t len = strlen(text);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, text, len);
	if (r < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}

/* kmod's rule: '-' becomes '_', except inside a [...] range. */
char *modname_norm(const char *s)
{
	char *p = xstrdup(s);

	for (size_t i = 0; p[i]; i++) {
		if (p[i] == '-') {
			p[i] = '_';
		} else if (p[i] == '[') {
			i += strcspn(p + i, "]");
			if (!p[i])
				break;
		}
	}
	return p;
}

bool modname_valid(const char *s)
{
	if (!*s || strlen(s) > 55)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

char *chomp(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* "1:0.0", "01:00.0", "0000:01:00.0" -> "0000:01:00.0" */
bool bdf_normalize(const char *in, char out[16])
{
	unsigned int dom = 0, bus, dev, fn;
	char tail;

	if (sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) == 4) {
		/* domain given */
	} else if (sscanf(in, "%x:%x.%x%c", &bus, &dev, &fn, &tail) == 3) {
		dom = 0;
	} else {
		return false;
	}
	if (strspn(in, "0123456789abcdefABCDEF:.") != strlen(in))
		return false;
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return false;
	snprintf(out, 16, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return true;
}

char *rpath(const struct ctx *c, const char *path)
{
	return xasprintf("%s%s", c->root, path);
}

void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void json_strv(FILE *f, const struct strv *s)
{
	fputc('[', f);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, s->v[i]);
	}
	fputc(']', f);
}
