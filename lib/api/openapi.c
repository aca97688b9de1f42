/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenAPI 3.0.3 documents from the catalog: one per site, built as a
 * document tree (doc.c) and written as JSON or YAML.
 *
 * What traffic cannot tell is left out rather than made up: no summaries,
 * a response description that says what was seen. What apiradar knows
 * beyond the standard fields goes in `x-apiradar` extensions (endpoint id,
 * calls, first and last seen, owner) and `x-sensitive` on schemas.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ar_core.h"
#include "catalog_priv.h"

/* Security schemes by auth kind: the name in components and its definition. */
static const char *const scheme_ids[AR_AUTH_MAX] = {
	[AR_AUTH_BASIC] = "basicAuth",
	[AR_AUTH_BEARER] = "bearerAuth",
	[AR_AUTH_BEARER_JWT] = "bearerJwt",
	[AR_AUTH_DIGEST] = "digestAuth",
	[AR_AUTH_APIKEY_HEADER] = "apiKeyHeader",
	[AR_AUTH_APIKEY_QUERY] = "apiKeyQuery",
	[AR_AUTH_COOKIE] = "cookieAuth",
};

static void
path_param_schema(struct doc *d, struct dnode *at, uint32_t mask)
{
	struct dnode *s = doc_map(d, at, "schema");
	const uint32_t ints = 1u << AR_SEG_INTEGER, nums = ints | (1u << AR_SEG_NUMBER);
	if (mask && (mask & ~ints) == 0) {
		doc_cstr(d, s, "type", "integer");
		return;
	}
	if (mask && (mask & ~nums) == 0) {
		doc_cstr(d, s, "type", "number");
		return;
	}
	doc_cstr(d, s, "type", "string");
	if (mask == 1u << AR_SEG_UUID)
		doc_cstr(d, s, "format", "uuid");
	else if (mask == 1u << AR_SEG_EMAIL)
		doc_cstr(d, s, "format", "email");
}

static void
ts_str(struct doc *d, struct dnode *at, const char *key, uint64_t ns)
{
	char buf[64];
	ar_time_format(ns, buf, sizeof(buf));
	doc_cstr(d, at, key, buf);
}

struct param_ctx {
	struct doc *d;
	struct dnode *seq;
	const char *in;
	const char *skip; /* the credential's name: a security scheme, not a parameter */
};

static void
add_param(void *user, const struct schema_prop *p)
{
	struct param_ctx *x = user;
	if (x->skip && strcasecmp(x->skip, p->name) == 0)
		return;
	if (strcmp(x->in, "header") == 0 &&
	    (strcasecmp(p->name, "accept") == 0 || strcasecmp(p->name, "content-type") == 0 ||
	     strcasecmp(p->name, "authorization") == 0))
		return; /* OpenAPI describes these elsewhere */
	struct dnode *m = doc_map(x->d, x->seq, NULL);
	doc_cstr(x->d, m, "name", p->name);
	doc_cstr(x->d, m, "in", x->in);
	if (p->required)
		doc_bool(x->d, m, "required", true);
	schema_to_doc(p->s, x->d, doc_map(x->d, m, "schema"));
}

static bool
is_json(const char *ct)
{
	return strstr(ct, "json") != NULL;
}

static bool
is_form(const char *ct)
{
	return strcmp(ct, "application/x-www-form-urlencoded") == 0 ||
	       strcmp(ct, "multipart/form-data") == 0;
}

/*
 * @names: per auth kind, the credential's name in the site's security
 * scheme; that parameter is the scheme's, in every operation (a client
 * that sends two, key= and token=, has the first one it sent as its scheme,
 * call by call: the scheme names one of them for the whole site).
 */
static void
operation(struct doc *d, struct dnode *item, const struct endpoint *e, bool *schemes,
	  const char *const *names)
{
	char lower[16];
	const char *mn = ar_api_method_name(e->method);
	size_t i;
	for (i = 0; mn[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)(mn[i] + ('a' - 'A'));
	lower[i] = 0;
	struct dnode *op = doc_map(d, item, lower);
	char id[64];
	snprintf(id, sizeof(id), "%s_%016llx", lower, (unsigned long long)e->id);
	doc_cstr(d, op, "operationId", id);

	/* parameters: query, header, cookie */
	struct dnode *params = doc_seq(d, op, "parameters");
	struct param_ctx qx = { d, params, "query", names[AR_AUTH_APIKEY_QUERY] };
	schema_foreach_prop(e->schemas[EP_QUERY], add_param, &qx);
	struct param_ctx hx = { d, params, "header", names[AR_AUTH_APIKEY_HEADER] };
	schema_foreach_prop(e->schemas[EP_HEADER], add_param, &hx);
	struct param_ctx cx = { d, params, "cookie", names[AR_AUTH_COOKIE] };
	schema_foreach_prop(e->schemas[EP_COOKIE], add_param, &cx);

	/* request body */
	bool has_json = schema_seen(e->schemas[EP_REQ_JSON]) > 0;
	bool has_form = schema_seen(e->schemas[EP_REQ_FORM]) > 0;
	if (has_json || has_form) {
		struct dnode *rb = doc_map(d, op, "requestBody");
		struct dnode *content = doc_map(d, rb, "content");
		bool json_done = false, form_done = false;
		for (unsigned k = 0; k < e->n_req_ct; k++) {
			const char *ct = e->req_ct[k].name;
			if (has_json && is_json(ct)) {
				schema_to_doc(e->schemas[EP_REQ_JSON], d,
					      doc_map(d, doc_map(d, content, ct), "schema"));
				json_done = true;
			} else if (has_form && is_form(ct)) {
				schema_to_doc(e->schemas[EP_REQ_FORM], d,
					      doc_map(d, doc_map(d, content, ct), "schema"));
				form_done = true;
			}
		}
		if (has_json && !json_done)
			schema_to_doc(
				e->schemas[EP_REQ_JSON], d,
				doc_map(d, doc_map(d, content, "application/json"), "schema"));
		if (has_form && !form_done)
			schema_to_doc(
				e->schemas[EP_REQ_FORM], d,
				doc_map(d, doc_map(d, content, "application/x-www-form-urlencoded"),
					"schema"));
	}

	/* responses, by status code */
	struct dnode *resps = doc_map(d, op, "responses");
	unsigned order[EP_MAX_STATUS];
	for (unsigned k = 0; k < e->n_status; k++)
		order[k] = k;
	for (unsigned a = 1; a < e->n_status; a++) /* by code; a handful at most */
		for (unsigned b = a;
		     b > 0 && e->status[order[b - 1]].code > e->status[order[b]].code; b--) {
			unsigned t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	unsigned written = 0;
	for (unsigned k = 0; k < e->n_status; k++) {
		const struct status_slot *st = &e->status[order[k]];
		if (st->code < 100 || st->code > 599)
			continue;
		char code[8], desc[64];
		snprintf(code, sizeof(code), "%u", st->code);
		snprintf(desc, sizeof(desc), "Seen %llu times", (unsigned long long)st->count);
		struct dnode *r = doc_map(d, resps, code);
		doc_cstr(d, r, "description", desc);
		if (st->n_ct) {
			struct dnode *content = doc_map(d, r, "content");
			for (unsigned c = 0; c < st->n_ct; c++) {
				struct dnode *mt = doc_map(d, content, st->ct[c].name);
				if (st->body && is_json(st->ct[c].name))
					schema_to_doc(st->body, d, doc_map(d, mt, "schema"));
			}
		}
		written++;
	}
	if (written == 0)
		doc_cstr(d, doc_map(d, resps, "default"), "description", "No response seen");

	/* security: each scheme seen; an empty requirement when some calls had none */
	bool any = false;
	for (unsigned a = AR_AUTH_BASIC; a < AR_AUTH_MAX; a++)
		any |= scheme_ids[a] && e->auth[a];
	if (any) {
		struct dnode *sec = doc_seq(d, op, "security");
		for (unsigned a = AR_AUTH_BASIC; a < AR_AUTH_MAX; a++) {
			if (!scheme_ids[a] || !e->auth[a])
				continue;
			if ((a == AR_AUTH_APIKEY_HEADER || a == AR_AUTH_APIKEY_QUERY ||
			     a == AR_AUTH_COOKIE) &&
			    !e->auth_name[0])
				continue;
			doc_seq(d, doc_map(d, sec, NULL), scheme_ids[a]);
			schemes[a] = true;
		}
		if (e->auth[AR_AUTH_NONE])
			doc_map(d, sec, NULL);
	}

	struct dnode *x = doc_map(d, op, "x-apiradar");
	char hex[24];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)e->id);
	doc_cstr(d, x, "id", hex);
	doc_int(d, x, "calls", (int64_t)(e->calls > INT64_MAX ? INT64_MAX : e->calls));
	ts_str(d, x, "first_seen", e->first_ns);
	ts_str(d, x, "last_seen", e->last_ns);
	if (e->latency_n)
		doc_int(d, x, "latency_avg_us", (int64_t)(e->latency_sum_us / e->latency_n));
	if (e->alerts)
		doc_int(d, x, "alerts", (int64_t)e->alerts);
	if (e->zombie)
		doc_bool(d, x, "zombie", true);
	if (e->site->spec && !e->in_spec)
		doc_bool(d, x, "shadow", true);
	if (e->owner) {
		doc_cstr(d, x, "owner", e->owner->unit);
		doc_cstr(d, x, "contact", e->owner->contact);
	}
}

/* The first endpoint of @v (from @i, same leaf) that names the credential of kind @a. */
static const char *
auth_name_of(struct endpoint *const *v, size_t n, unsigned a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->auth[a] && v[i]->auth_name[0])
			return v[i]->auth_name;
	return NULL;
}

static struct doc *
site_doc(const struct ar_api_catalog *c, const struct site *s)
{
	size_t n;
	struct endpoint **v = catalog_sorted(c, s, &n);
	if (v == NULL)
		return NULL;
	struct doc *d = doc_new();
	if (d == NULL) {
		free(v);
		return NULL;
	}
	struct dnode *root = doc_root(d);
	doc_cstr(d, root, "openapi", "3.0.3");
	struct dnode *info = doc_map(d, root, "info");
	doc_cstr(d, info, "title", s->name);
	doc_cstr(d, info, "version", "observed");
	uint64_t calls = 0;
	for (size_t i = 0; i < n; i++)
		calls += v[i]->calls;
	char desc[160];
	snprintf(desc, sizeof(desc), "Learnt by apiradar from traffic: %zu endpoints, %llu calls.",
		 n, (unsigned long long)calls);
	doc_cstr(d, info, "description", desc);
	char url[300];
	snprintf(url, sizeof(url), "http://%s", s->name);
	doc_cstr(d, doc_map(d, doc_seq(d, root, "servers"), NULL), "url", url);

	bool schemes[AR_AUTH_MAX] = { 0 };
	const char *names[AR_AUTH_MAX];
	for (unsigned a = 0; a < AR_AUTH_MAX; a++)
		names[a] = auth_name_of(v, n, a);
	struct dnode *paths = doc_map(d, root, "paths");
	for (size_t i = 0; i < n;) {
		/* endpoints of one template are adjacent (sorted by template, then method) */
		size_t j = i;
		while (j < n && strcmp(v[j]->tmpl, v[i]->tmpl) == 0)
			j++;
		struct dnode *item = doc_map(d, paths, v[i]->tmpl);
		struct tmpl_param tp[64];
		unsigned np = tnode_params(v[i]->leaf, tp, 64);
		if (np) {
			struct dnode *ps = doc_seq(d, item, "parameters");
			for (unsigned k = 0; k < np; k++) {
				struct dnode *m = doc_map(d, ps, NULL);
				doc_cstr(d, m, "name", tp[k].name);
				doc_cstr(d, m, "in", "path");
				doc_bool(d, m, "required", true);
				path_param_schema(d, m, tp[k].seg_mask);
			}
		}
		for (size_t k = i; k < j; k++)
			operation(d, item, v[k], schemes, names);
		i = j;
	}

	bool any = false;
	for (unsigned a = 0; a < AR_AUTH_MAX; a++)
		any |= schemes[a];
	if (any) {
		struct dnode *ss = doc_map(d, doc_map(d, root, "components"), "securitySchemes");
		for (unsigned a = 0; a < AR_AUTH_MAX; a++) {
			if (!schemes[a])
				continue;
			struct dnode *m = doc_map(d, ss, scheme_ids[a]);
			switch (a) {
			case AR_AUTH_BASIC:
			case AR_AUTH_DIGEST:
			case AR_AUTH_BEARER:
			case AR_AUTH_BEARER_JWT:
				doc_cstr(d, m, "type", "http");
				doc_cstr(d, m, "scheme",
					 a == AR_AUTH_BASIC  ? "basic" :
					 a == AR_AUTH_DIGEST ? "digest" :
							       "bearer");
				if (a == AR_AUTH_BEARER_JWT)
					doc_cstr(d, m, "bearerFormat", "JWT");
				break;
			default:
				doc_cstr(d, m, "type", "apiKey");
				doc_cstr(d, m, "in",
					 a == AR_AUTH_APIKEY_HEADER ? "header" :
					 a == AR_AUTH_APIKEY_QUERY  ? "query" :
								      "cookie");
				doc_cstr(d, m, "name", names[a]);
				break;
			}
		}
	}
	free(v);
	return d;
}

static int
write_doc(const struct doc *d, enum ar_api_doc_format f, const char *path)
{
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	FILE *fp = fopen(tmp, "w");
	if (fp == NULL)
		return -errno;
	int rc = f == AR_DOC_YAML ? doc_write_yaml(d, fp) : doc_write_json(d, fp);
	if (fclose(fp) != 0 && rc == 0)
		rc = -errno;
	/* readers see the old document or the new one, never half of one */
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
ar_api_openapi_write(const struct ar_api_catalog *c, const char *site, enum ar_api_doc_format f,
		     const char *path)
{
	const struct site *s = catalog_site(c, site);
	if (s == NULL)
		return -ENOENT;
	struct doc *d = site_doc(c, s);
	if (d == NULL)
		return -ENOMEM;
	int rc = write_doc(d, f, path);
	doc_free(d);
	return rc;
}

int
ar_api_openapi_write_all(const struct ar_api_catalog *c, enum ar_api_doc_format f, const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	int n = 0;
	for (const struct site *s = c->sites; s; s = s->next) {
		if (s->n_endpoints == 0)
			continue;
		char name[256];
		size_t k;
		for (k = 0; s->name[k] && k < sizeof(name) - 1; k++) {
			char ch = s->name[k];
			bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
			name[k] = ok ? ch : '_';
		}
		name[k] = 0;
		if (k == 0 || name[0] == '.')
			name[0] = '_';
		char path[PATH_MAX];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s", dir, name,
				     f == AR_DOC_YAML ? "yaml" : "json") >= sizeof(path))
			return -ENAMETOOLONG;
		struct doc *d = site_doc(c, s);
		if (d == NULL)
			return -ENOMEM;
		int rc = write_doc(d, f, path);
		doc_free(d);
		if (rc != 0)
			return rc;
		n++;
	}
	return n;
}
