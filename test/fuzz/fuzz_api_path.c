/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target of lib/api path templating. Each line of the input is a raw
 * path routed through one tree of at most MAX_NODES nodes, from client
 * (line number % 5) with method (line length % 8); every leaf's slot keeps
 * a tiny endpoint, which the hooks merge, re-key and free. The target
 * aborts unless:
 *  - in every move hook, the template of the target leaf finds that leaf;
 *  - after the routes, the endpoints in the tree are exactly those alive,
 *    and each endpoint's template finds its leaf again;
 *  - encode, decode, encode gives the same bytes, and the decoded tree has
 *    the same template for every endpoint;
 *  - the decoded tree routes the lines again without trouble.
 * Then the raw input itself is decoded as tree bytes: a tree that comes out
 * must route a path, and its encoding must decode and encode to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_priv.h"

#define MAX_NODES 256
#define MAX_LINES 2048
#define TPL_MAX   16384 /* 32 segments of 255 bytes, and braces */
#define EP_MAGIC  0x5eed1e55u

struct fep {
	uint32_t magic;
	uint32_t calls;
};

struct fcat {
	struct tmpl *t;
	unsigned live;
};

static char tbuf[2][TPL_MAX];

static void
check_leaf(struct tmpl *t, const struct tnode *n)
{
	char *buf = tbuf[0];
	size_t len = tnode_template(n, buf, TPL_MAX);

	if (len == 0 || len >= TPL_MAX - 1 || buf[0] != '/')
		abort();
	if (tmpl_find(t, buf) != n)
		abort();
}

static void *
on_move(void *user, void *dst, void *src, const struct tnode *to, unsigned method)
{
	struct fcat *c = user;
	struct fep *d = dst, *s = src;

	if (s == NULL || s->magic != EP_MAGIC || method >= AR_API_METHOD_MAX ||
	    (d != NULL && d->magic != EP_MAGIC))
		abort();
	check_leaf(c->t, to);
	if (d == NULL)
		return s;
	d->calls += s->calls;
	s->magic = 0;
	free(s);
	c->live--;
	return d;
}

static void
on_drop(void *user, void *ep)
{
	struct fcat *c = user;
	struct fep *e = ep;

	if (e == NULL || e->magic != EP_MAGIC)
		abort();
	e->magic = 0;
	free(e);
	c->live--;
}

static void *
on_add(void *user, const struct tnode *at, unsigned method)
{
	struct fcat *c = user;
	struct fep *e;

	if (method >= AR_API_METHOD_MAX)
		abort();
	check_leaf(c->t, at);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		abort();
	e->magic = EP_MAGIC;
	c->live++;
	return e;
}

static const struct tmpl_hooks hooks = { .move = on_move, .drop = on_drop, .add = on_add };

struct walk {
	struct fcat *c;
	struct tmpl *other; /* a decoded copy, or NULL */
	unsigned n;
};

static void
check_ep(void *user, struct tnode *n, unsigned method, void *ep)
{
	struct walk *w = user;
	const struct fep *e = ep;
	char *a = tbuf[0], *b = tbuf[1];

	if (e->magic != EP_MAGIC || method >= AR_API_METHOD_MAX)
		abort();
	check_leaf(w->c->t, n);
	if (w->other != NULL) {
		const struct tnode *m;

		tnode_template(n, a, TPL_MAX);
		m = tmpl_find(w->other, a);
		if (m == NULL)
			abort();
		tnode_template(m, b, TPL_MAX);
		if (strcmp(a, b) != 0)
			abort();
	}
	w->n++;
}

static void
free_ep(void *user, struct tnode *n, unsigned method, void *ep)
{
	struct fcat *c = user;
	struct fep *e = ep;

	(void)n;
	(void)method;
	e->magic = 0;
	free(e);
	c->live--;
}

/* Routes each line of @data through @c's tree; with @eps, fills the slots. */
static void
route_lines(struct fcat *c, const uint8_t *data, size_t size, bool eps)
{
	size_t i = 0;
	unsigned line = 0;

	while (i <= size && line < MAX_LINES) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl != NULL ? (size_t)(nl - (data + i)) : size - i;
		unsigned m = (unsigned)(len % AR_API_METHOD_MAX);
		struct tnode *n = tmpl_route(c->t, (const char *)data + i, len, m, line % 5, line);

		if (n != NULL) {
			void **slot = tnode_endpoint(n, m);
			struct fep *e;

			check_leaf(c->t, n);
			if (slot == NULL)
				abort();
			e = *slot;
			if (eps && e == NULL) {
				e = calloc(1, sizeof(*e));
				if (e == NULL)
					abort();
				e->magic = EP_MAGIC;
				*slot = e;
				c->live++;
			}
			if (e != NULL)
				e->calls++;
		}
		line++;
		if (nl == NULL)
			break;
		i += len + 1;
	}
}

/* encode(@t) must equal @p/@n byte for byte. */
static void
check_same_bytes(const struct tmpl *t, const uint8_t *p, size_t n)
{
	struct wbuf w = { 0 };

	tmpl_encode(t, &w);
	if (w.oom)
		abort();
	if (w.len != n || memcmp(w.p, p, n) != 0)
		abort();
	wbuf_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcat c = { 0 }, d = { 0 }, r = { 0 };
	struct wbuf w = { 0 };
	struct walk walk;

	c.t = tmpl_create(&hooks, &c, MAX_NODES);
	if (c.t == NULL)
		abort();
	route_lines(&c, data, size, true);
	if (tmpl_stats(c.t)->nodes > MAX_NODES)
		abort();

	tmpl_encode(c.t, &w);
	if (w.oom)
		abort();
	d.t = tmpl_decode(&hooks, &d, MAX_NODES, w.p, w.len);
	if (d.t == NULL)
		abort();
	check_same_bytes(d.t, w.p, w.len);
	walk = (struct walk){ .c = &c, .other = d.t };
	tmpl_foreach(c.t, check_ep, &walk);
	if (walk.n != c.live)
		abort();
	route_lines(&d, data, size, false);
	/* un-merges in the copy give values their endpoints back */
	tmpl_foreach(d.t, free_ep, &d);
	if (d.live != 0)
		abort();
	tmpl_free(d.t);
	wbuf_free(&w);

	tmpl_foreach(c.t, free_ep, &c);
	if (c.live != 0)
		abort();
	tmpl_free(c.t);

	/* the input as persisted bytes */
	r.t = tmpl_decode(&hooks, &r, MAX_NODES, data, size);
	if (r.t != NULL) {
		struct tmpl *again;

		tmpl_encode(r.t, &w);
		again = tmpl_decode(&hooks, &r, MAX_NODES, w.p, w.len);
		if (w.oom || again == NULL)
			abort();
		check_same_bytes(again, w.p, w.len);
		tmpl_free(again);
		wbuf_free(&w);
		if (tmpl_route(r.t, "/users/42/x", 11, AR_API_GET, 1, 0) == NULL &&
		    tmpl_stats(r.t)->nodes_capped == 0)
			abort();
		tmpl_foreach(r.t, free_ep, &r);
		if (r.live != 0)
			abort();
		tmpl_free(r.t);
	}
	return 0;
}
