/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Comparison with a site's own OpenAPI document: which endpoints we see
 * that it does not describe (shadow), which it describes that nobody calls
 * (unused), and which parameters and body fields it leaves out
 * (undocumented).
 *
 * The document is read with lib/core's YAML reader (JSON is YAML too). Of
 * it we keep, per operation: the method, the path split into segments
 * ("{...}" as a parameter), the names of its query, header and cookie
 * parameters and the top-level properties of its JSON request body, with
 * local "#/..." references followed. A path of ours matches an operation
 * when the methods agree and every segment does: a literal equals the
 * literal, a parameter of the spec takes anything (a literal of ours is a
 * value the spec leaves open), a parameter of ours needs one of the spec.
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "ar_core.h"
#include "catalog_priv.h"

#define SPEC_MAX_SEGS  32
#define SPEC_MAX_NAMES 64

struct spec_op {
	unsigned method;
	char *path; /* as written in the document, with the server's base path */
	unsigned n_segs;
	char *segs[SPEC_MAX_SEGS]; /* NULL for a parameter */
	unsigned n_names;
	struct {
		char *name;
		uint8_t where; /* enum ar_api_where */
	} names[SPEC_MAX_NAMES];
	bool any_body; /* the request body's properties are not all known */
	uint64_t seen;
};

struct spec {
	unsigned n_ops;
	struct spec_op *ops;
};

void
spec_free(struct spec *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->n_ops; i++) {
		free(s->ops[i].path);
		for (unsigned k = 0; k < s->ops[i].n_segs; k++)
			free(s->ops[i].segs[k]);
		for (unsigned k = 0; k < s->ops[i].n_names; k++)
			free(s->ops[i].names[k].name);
	}
	free(s->ops);
	free(s);
}

/* Splits @path into @segs; returns the count or -1 when too deep. */
static int
split(const char *path, char **segs, unsigned max, bool copy)
{
	unsigned n = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (n == max)
			return -1;
		bool param = len >= 2 && p[0] == '{' && p[len - 1] == '}';
		segs[n] = NULL;
		if (!param && copy) {
			segs[n] = strndup(p, len);
			if (segs[n] == NULL)
				return -1;
		} else if (!param) {
			segs[n] = (char *)p; /* a view: the caller compares lengths */
		}
		n++;
		p += len;
	}
	return (int)n;
}

/* Follows a local reference "#/components/schemas/X" from the document root. */
static const struct ar_conf *
deref(const struct ar_conf *root, const struct ar_conf *n)
{
	for (int hops = 0; n && hops < 8; hops++) {
		const struct ar_conf *ref = ar_conf_get(n, "$ref");
		if (ref == NULL || ref->value == NULL)
			return n;
		if (strncmp(ref->value, "#/", 2) != 0)
			return NULL; /* a remote reference: unknown */
		const struct ar_conf *m = root;
		char part[256];
		const char *p = ref->value + 2;
		while (m && *p) {
			const char *e = strchr(p, '/');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len >= sizeof(part))
				return NULL;
			memcpy(part, p, len);
			part[len] = 0;
			m = m->type == AR_CONF_MAP ? ar_conf_get(m, part) : NULL;
			p += len + (e ? 1 : 0);
		}
		n = m;
	}
	return n;
}

static int
add_name(struct spec_op *op, const char *name, uint8_t where)
{
	if (op->n_names == SPEC_MAX_NAMES)
		return 0;
	op->names[op->n_names].name = strdup(name);
	if (op->names[op->n_names].name == NULL)
		return -ENOMEM;
	op->names[op->n_names++].where = where;
	return 0;
}

static int
add_params(const struct ar_conf *root, struct spec_op *op, const struct ar_conf *params)
{
	if (params == NULL || params->type != AR_CONF_SEQ)
		return 0;
	for (const struct ar_conf *item = params->child; item; item = item->next) {
		const struct ar_conf *p = deref(root, item);
		if (p == NULL || p->type != AR_CONF_MAP)
			continue;
		const struct ar_conf *in = ar_conf_get(p, "in"), *name = ar_conf_get(p, "name");
		if (!in || !name || !in->value || !name->value)
			continue;
		uint8_t where;
		if (strcmp(in->value, "query") == 0)
			where = AR_IN_QUERY;
		else if (strcmp(in->value, "header") == 0)
			where = AR_IN_HEADER;
		else if (strcmp(in->value, "cookie") == 0)
			where = AR_IN_COOKIE;
		else
			continue;
		if (add_name(op, name->value, where) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* The top-level properties of the JSON request body (allOf followed). */
static int
add_body(const struct ar_conf *root, struct spec_op *op, const struct ar_conf *schema, int depth)
{
	schema = deref(root, schema);
	if (schema == NULL || depth > 4) {
		op->any_body = true;
		return 0;
	}
	const struct ar_conf *props = ar_conf_get(schema, "properties");
	if (props && props->type == AR_CONF_MAP)
		for (const struct ar_conf *p = props->child; p; p = p->next)
			if (add_name(op, p->key, AR_IN_REQ_BODY) != 0)
				return -ENOMEM;
	const struct ar_conf *all = ar_conf_get(schema, "allOf");
	if (all && all->type == AR_CONF_SEQ)
		for (const struct ar_conf *p = all->child; p; p = p->next)
			if (add_body(root, op, p, depth + 1) != 0)
				return -ENOMEM;
	if (ar_conf_get(schema, "oneOf") || ar_conf_get(schema, "anyOf") ||
	    ar_conf_get(schema, "additionalProperties"))
		op->any_body = true;
	return 0;
}

static int
add_op(struct spec *s, const struct ar_conf *root, const char *base, const struct ar_conf *item,
       const struct ar_conf *op_node, unsigned method)
{
	struct spec_op *v = realloc(s->ops, (s->n_ops + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	s->ops = v;
	struct spec_op *op = &v[s->n_ops];
	memset(op, 0, sizeof(*op));
	op->method = method;
	size_t bl = strlen(base), pl = strlen(item->key);
	op->path = malloc(bl + pl + 1);
	if (op->path == NULL)
		return -ENOMEM;
	memcpy(op->path, base, bl);
	memcpy(op->path + bl, item->key, pl + 1);
	s->n_ops++;
	int n = split(op->path, op->segs, SPEC_MAX_SEGS, true);
	if (n < 0)
		return -EINVAL;
	op->n_segs = (unsigned)n;
	if (add_params(root, op, ar_conf_get(item, "parameters")) ||
	    add_params(root, op, ar_conf_get(op_node, "parameters")))
		return -ENOMEM;
	const struct ar_conf *body = deref(root, ar_conf_get(op_node, "requestBody"));
	const struct ar_conf *content = body ? ar_conf_get(body, "content") : NULL;
	if (content && content->type == AR_CONF_MAP) {
		for (const struct ar_conf *ct = content->child; ct; ct = ct->next) {
			if (strstr(ct->key, "json") == NULL && strstr(ct->key, "form") == NULL)
				continue;
			if (add_body(root, op, ar_conf_get(ct, "schema"), 0) != 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The path part of the first server URL ("https://x/api/v1" -> "/api/v1"). */
static void
base_path(const struct ar_conf *root, char *out, size_t cap)
{
	out[0] = 0;
	const struct ar_conf *servers = ar_conf_get(root, "servers");
	const struct ar_conf *url =
		servers && servers->child ? ar_conf_get(servers->child, "url") : NULL;
	if (url == NULL || url->value == NULL)
		return;
	const char *p = strstr(url->value, "://");
	p = p ? strchr(p + 3, '/') : (url->value[0] == '/' ? url->value : NULL);
	if (p == NULL)
		return;
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	if (n >= cap || memchr(p, '{', n))
		return; /* a templated server URL: no base path */
	memcpy(out, p, n);
	out[n] = 0;
}

int
ar_api_spec_load(struct ar_api_catalog *c, const char *site, const char *path, char *err,
		 size_t errlen)
{
	struct ar_conf *root = ar_conf_load(path, err, errlen);
	if (root == NULL)
		return -EINVAL;
	int rc = -EINVAL;
	const struct ar_conf *paths = ar_conf_get(root, "paths");
	if (ar_conf_get(root, "openapi") == NULL || paths == NULL || paths->type != AR_CONF_MAP) {
		snprintf(err, errlen, "%s: not an OpenAPI 3 document (no `openapi:` and `paths:`)",
			 path);
		goto out_free_conf;
	}
	struct spec *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = -ENOMEM;
		goto out_free_conf;
	}
	char base[512];
	base_path(root, base, sizeof(base));
	for (const struct ar_conf *item = paths->child; item; item = item->next) {
		if (item->type != AR_CONF_MAP)
			continue;
		for (const struct ar_conf *m = item->child; m; m = m->next) {
			char up[16];
			size_t i;
			for (i = 0; m->key[i] && i < sizeof(up) - 1; i++)
				up[i] = (char)(m->key[i] >= 'a' && m->key[i] <= 'z' ?
						       m->key[i] - 32 :
						       m->key[i]);
			up[i] = 0;
			unsigned method = ar_api_method_parse(up, i);
			if (method >= AR_API_METHOD_MAX || m->type != AR_CONF_MAP)
				continue;
			if ((rc = add_op(s, root, base, item, m, method)) != 0) {
				snprintf(err, errlen, "%s:%u: path `%s`: %s", path, item->line,
					 item->key, rc == -ENOMEM ? "out of memory" : "too deep");
				spec_free(s);
				goto out_free_conf;
			}
		}
	}
	struct site *st = catalog_site_add(c, site);
	if (st == NULL) {
		snprintf(err, errlen, "%s: cannot add site `%s`", path, site);
		spec_free(s);
		rc = -ENOSPC;
		goto out_free_conf;
	}
	spec_free(st->spec);
	st->spec = s;
	/* endpoints learnt before (a restart) are checked against it now */
	for (struct endpoint *e = c->endpoints; e; e = e->next)
		if (e->site == st)
			spec_check_endpoint(c, e);
	rc = 0;
out_free_conf:
	ar_conf_free(root);
	return rc;
}

/* Does our template @tmpl match @op? */
static bool
op_matches(const struct spec_op *op, unsigned method, const char *tmpl)
{
	if (op->method != method)
		return false;
	char *segs[SPEC_MAX_SEGS];
	int n = split(tmpl, segs, SPEC_MAX_SEGS, false);
	if (n != (int)op->n_segs)
		return false;
	for (int i = 0; i < n; i++) {
		if (op->segs[i] == NULL)
			continue; /* the spec's parameter takes anything */
		if (segs[i] == NULL)
			return false; /* our parameter where the spec has a literal */
		const char *e = strchr(segs[i], '/');
		size_t len = e ? (size_t)(e - segs[i]) : strlen(segs[i]);
		if (strlen(op->segs[i]) != len || memcmp(op->segs[i], segs[i], len) != 0)
			return false;
	}
	return true;
}

/* The operation of the spec @e matches, best first: the one with most literals. */
static struct spec_op *
find_op(const struct spec *s, const struct endpoint *e)
{
	struct spec_op *best = NULL;
	unsigned best_lits = 0;
	for (unsigned i = 0; i < s->n_ops; i++) {
		struct spec_op *op = &s->ops[i];
		if (!op_matches(op, e->method, e->tmpl))
			continue;
		unsigned lits = 0;
		for (unsigned k = 0; k < op->n_segs; k++)
			lits += op->segs[k] != NULL;
		if (best == NULL || lits > best_lits) {
			best = op;
			best_lits = lits;
		}
	}
	return best;
}

static void
spec_event(struct ar_api_catalog *c, const struct endpoint *e, enum ar_api_change ch,
	   const char *where, const char *name)
{
	struct ar_api_event ev = {
		.change = ch,
		.ts_ns = c->now,
		.endpoint_id = e->id,
		.site = e->site->name,
		.method = e->method,
		.template = e->tmpl,
		.where = where,
		.name = name,
		.owner = e->owner ? e->owner->unit : NULL,
		.contact = e->owner ? e->owner->contact : NULL,
	};
	c->st.events++;
	if (c->p.on_event)
		c->p.on_event(c->p.user, &ev);
}

void
spec_check_endpoint(struct ar_api_catalog *c, struct endpoint *e)
{
	const struct spec *s = e->site->spec;
	if (s == NULL)
		return;
	struct spec_op *op = find_op(s, e);
	e->in_spec = op != NULL;
	if (op)
		op->seen++;
	else
		spec_event(c, e, AR_API_SHADOW, NULL, NULL);
}

void
spec_check_field(struct ar_api_catalog *c, struct endpoint *e, const char *where, const char *name,
		 bool new_field)
{
	const struct spec *s = e->site->spec;
	if (s == NULL || !new_field || !e->in_spec)
		return;
	const struct spec_op *op = find_op(s, e);
	if (op == NULL)
		return;
	uint8_t w;
	if (strcmp(where, "query") == 0)
		w = AR_IN_QUERY;
	else if (strcmp(where, "header") == 0)
		w = AR_IN_HEADER;
	else if (strcmp(where, "cookie") == 0)
		w = AR_IN_COOKIE;
	else if (strcmp(where, "request_body") == 0)
		w = AR_IN_REQ_BODY;
	else
		return; /* responses are not compared */
	const char *n = name;
	if (w == AR_IN_REQ_BODY) {
		/* top-level members only: "$.name" (or a flat form name) */
		if (op->any_body)
			return;
		if (strncmp(name, "$.", 2) == 0) {
			n = name + 2;
			if (strpbrk(n, ".[") != NULL)
				return;
		} else if (name[0] == '$') {
			return;
		}
	}
	for (unsigned i = 0; i < op->n_names; i++) {
		if (op->names[i].where != w)
			continue;
		/* header names are case-insensitive */
		if (w == AR_IN_HEADER ? strcasecmp(op->names[i].name, n) == 0 :
					strcmp(op->names[i].name, n) == 0)
			return;
	}
	spec_event(c, e, AR_API_UNDOCUMENTED, where, name);
}

int
ar_api_spec_report(struct ar_api_catalog *c)
{
	int n = 0;
	for (struct site *st = c->sites; st; st = st->next) {
		if (st->spec == NULL)
			continue;
		for (unsigned i = 0; i < st->spec->n_ops; i++) {
			const struct spec_op *op = &st->spec->ops[i];
			if (op->seen)
				continue;
			struct ar_api_event ev = {
				.change = AR_API_UNUSED,
				.ts_ns = c->now,
				.site = st->name,
				.method = op->method,
				.template = op->path,
			};
			c->st.events++;
			if (c->p.on_event)
				c->p.on_event(c->p.user, &ev);
			n++;
		}
	}
	return n;
}
