/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The catalog: sites, their path trees and their endpoints, fed one record
 * at a time on the learner thread.
 *
 * A site is a Host. Its path tree (tmpl.c) turns raw paths into template
 * leaves; each (leaf, method) slot holds an endpoint, which owns the
 * schemas learnt for it (schema.c). When the tree merges plain-word
 * siblings into a parameter, endpoints move: the tree calls move(), and
 * the endpoint is re-keyed or merged into the one already there. The
 * endpoint id is a hash of site, method and template with the parameter
 * names left out, so it only changes when the template's shape does.
 *
 * Persistence is by dirty flags: ar_api_save() hands out what changed
 * since the last save as key/value pairs, and the keys of endpoints that
 * disappeared as deletes.
 */
#include <errno.h>
#include <stdlib.h>

#include "api_priv.h"
#include "catalog_priv.h"

const char *const ar_api_cf_names[AR_API_CF_MAX] = { "sites", "endpoints" };

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* The id of (site, method, template), with parameter names left out. */
static uint64_t
endpoint_id(const char *site, unsigned method, const char *tmpl)
{
	uint64_t h = api_fnv(API_FNV_INIT, site, strlen(site) + 1);
	uint8_t m = (uint8_t)method;
	h = api_fnv(h, &m, 1);
	bool in_param = false;
	for (const char *p = tmpl; *p; p++) {
		if (*p == '{') {
			in_param = true;
			h = api_fnv(h, "{}", 2);
		} else if (*p == '}') {
			in_param = false;
		} else if (!in_param) {
			h = api_fnv(h, p, 1);
		}
	}
	return h ? h : 1;
}

static void
emit(struct ar_api_catalog *c, struct ar_api_event *ev)
{
	c->st.events++;
	if (c->p.on_event)
		c->p.on_event(c->p.user, ev);
}

static void
endpoint_event(struct ar_api_catalog *c, const struct endpoint *e, enum ar_api_change ch,
	       uint64_t ts)
{
	struct ar_api_event ev = {
		.change = ch,
		.ts_ns = ts,
		.endpoint_id = e->id,
		.site = e->site->name,
		.method = e->method,
		.template = e->tmpl,
		.owner = e->owner ? e->owner->unit : NULL,
		.contact = e->owner ? e->owner->contact : NULL,
	};
	emit(c, &ev);
}

/* ------------------------------------------------------------------ */
/* Owners                                                              */
/* ------------------------------------------------------------------ */

int
ar_api_owner_add(struct ar_api_catalog *c, const char *host, const char *prefix, const char *unit,
		 const char *contact)
{
	if (c->n_owners == AR_API_MAX_OWNERS)
		return -ENOSPC;
	struct owner *o = &c->owners[c->n_owners];
	o->host = strdup(host ? host : "*");
	o->prefix = strdup(prefix ? prefix : "");
	o->unit = strdup(unit ? unit : "");
	o->contact = strdup(contact ? contact : "");
	if (!o->host || !o->prefix || !o->unit || !o->contact) {
		free(o->host);
		free(o->prefix);
		free(o->unit);
		free(o->contact);
		return -ENOMEM;
	}
	c->n_owners++;
	return 0;
}

/* The owner of a template: the matching entry with the longest prefix; an exact host beats "*". */
static const struct owner *
owner_of(const struct ar_api_catalog *c, const char *site, const char *tmpl)
{
	const struct owner *best = NULL;
	size_t best_len = 0;
	bool best_exact = false;
	for (unsigned i = 0; i < c->n_owners; i++) {
		const struct owner *o = &c->owners[i];
		bool exact = strcmp(o->host, site) == 0;
		if (!exact && strcmp(o->host, "*") != 0)
			continue;
		size_t pl = strlen(o->prefix);
		if (strncmp(tmpl, o->prefix, pl) != 0)
			continue;
		/* "/api" owns "/api" and "/api/x", not "/apix" */
		if (pl && o->prefix[pl - 1] != '/' && tmpl[pl] != 0 && tmpl[pl] != '/')
			continue;
		if (best == NULL || pl > best_len || (pl == best_len && exact && !best_exact)) {
			best = o;
			best_len = pl;
			best_exact = exact;
		}
	}
	return best;
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                           */
/* ------------------------------------------------------------------ */

static void
mark_dirty(struct ar_api_catalog *c, struct endpoint *e)
{
	if (e->dirty)
		return;
	e->dirty = true;
	e->dirty_next = c->dirty;
	c->dirty = e;
}

static void
dirty_unlink(struct ar_api_catalog *c, struct endpoint *e)
{
	if (!e->dirty)
		return;
	for (struct endpoint **pp = &c->dirty; *pp; pp = &(*pp)->dirty_next) {
		if (*pp == e) {
			*pp = e->dirty_next;
			break;
		}
	}
	e->dirty = false;
}

/* Remembers the saved key of @e for deletion at the next save. */
static void
forget_key(struct ar_api_catalog *c, const struct endpoint *e)
{
	if (!e->saved)
		return;
	struct gone *g = malloc(sizeof(*g) + e->key_len);
	if (g == NULL)
		return; /* the stale key stays; a load re-routes it */
	g->len = e->key_len;
	memcpy(g->key, e->key, e->key_len);
	g->next = c->gone;
	c->gone = g;
}

/* Sets template, id, key and owner of @e from its leaf. */
static int
endpoint_rekey(struct ar_api_catalog *c, struct endpoint *e)
{
	char buf[AR_API_TEMPLATE_MAX];
	tnode_template(e->leaf, buf, sizeof(buf));
	char *t = strdup(buf);
	size_t sl = strlen(e->site->name), ml = strlen(ar_api_method_name(e->method)),
	       tl = strlen(buf);
	char *key = malloc(sl + 1 + ml + 1 + tl);
	if (!t || !key) {
		free(t);
		free(key);
		return -ENOMEM;
	}
	memcpy(key, e->site->name, sl + 1);
	memcpy(key + sl + 1, ar_api_method_name(e->method), ml + 1);
	memcpy(key + sl + 1 + ml + 1, buf, tl);
	free(e->tmpl);
	free(e->key);
	e->tmpl = t;
	e->key = key;
	e->key_len = sl + 1 + ml + 1 + tl;
	e->id = endpoint_id(e->site->name, e->method, t);
	e->owner = owner_of(c, e->site->name, t);
	return 0;
}

static void
endpoint_free(struct endpoint *e)
{
	if (e == NULL)
		return;
	for (unsigned i = 0; i < EP_SCHEMAS; i++)
		schema_free(e->schemas[i]);
	for (unsigned i = 0; i < e->n_status; i++)
		schema_free(e->status[i].body);
	free(e->tmpl);
	free(e->key);
	free(e);
}

static struct endpoint *
endpoint_new(struct ar_api_catalog *c, struct site *s, struct tnode *leaf, unsigned method)
{
	struct endpoint *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->site = s;
	e->leaf = leaf;
	e->method = method;
	for (unsigned i = 0; i < EP_SCHEMAS; i++) {
		e->schemas[i] = schema_new();
		if (e->schemas[i] == NULL)
			goto out_free;
	}
	if (endpoint_rekey(c, e) != 0)
		goto out_free;
	/* link into the catalog's list */
	e->next = c->endpoints;
	if (c->endpoints)
		c->endpoints->prev = e;
	c->endpoints = e;
	c->st.endpoints++;
	s->n_endpoints++;
	return e;
out_free:
	endpoint_free(e);
	return NULL;
}

static void
endpoint_unlink(struct ar_api_catalog *c, struct endpoint *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->endpoints = e->next;
	if (e->next)
		e->next->prev = e->prev;
	dirty_unlink(c, e);
	forget_key(c, e);
	c->st.endpoints--;
	e->site->n_endpoints--;
}

/* Small counted tables: find or add @key; returns NULL when full. */
static struct status_slot *
status_slot(struct endpoint *e, uint16_t code)
{
	for (unsigned i = 0; i < e->n_status; i++)
		if (e->status[i].code == code)
			return &e->status[i];
	if (e->n_status == EP_MAX_STATUS)
		return NULL;
	struct status_slot *s = &e->status[e->n_status++];
	memset(s, 0, sizeof(*s));
	s->code = code;
	return s;
}

static struct ctype_slot *
ctype_slot(struct ctype_slot *tab, uint8_t *n, const char *ct, size_t len)
{
	if (len >= sizeof(tab[0].name))
		return NULL;
	for (unsigned i = 0; i < *n; i++)
		if (strlen(tab[i].name) == len && memcmp(tab[i].name, ct, len) == 0)
			return &tab[i];
	if (*n == EP_MAX_CTYPES)
		return NULL;
	struct ctype_slot *s = &tab[(*n)++];
	memcpy(s->name, ct, len);
	s->name[len] = 0;
	s->count = 0;
	return s;
}

/* Merges the counters and schemas of @src into @dst. */
static void
endpoint_merge(struct endpoint *dst, const struct endpoint *src)
{
	if (src->first_ns && (dst->first_ns == 0 || src->first_ns < dst->first_ns))
		dst->first_ns = src->first_ns;
	if (src->last_ns > dst->last_ns)
		dst->last_ns = src->last_ns;
	dst->calls += src->calls;
	dst->alerts += src->alerts;
	dst->latency_sum_us += src->latency_sum_us;
	dst->latency_n += src->latency_n;
	if (src->latency_max_us > dst->latency_max_us)
		dst->latency_max_us = src->latency_max_us;
	dst->req_bytes += src->req_bytes;
	dst->resp_bytes += src->resp_bytes;
	for (unsigned i = 0; i < AR_AUTH_MAX; i++)
		dst->auth[i] += src->auth[i];
	if (!dst->auth_name[0])
		memcpy(dst->auth_name, src->auth_name, sizeof(dst->auth_name));
	for (unsigned i = 0; i < EP_SCHEMAS; i++)
		schema_merge(dst->schemas[i], src->schemas[i]);
	for (unsigned i = 0; i < src->n_status; i++) {
		struct status_slot *d = status_slot(dst, src->status[i].code);
		if (d == NULL)
			continue;
		d->count += src->status[i].count;
		if (src->status[i].body) {
			if (d->body == NULL)
				d->body = schema_new();
			if (d->body)
				schema_merge(d->body, src->status[i].body);
		}
		for (unsigned k = 0; k < src->status[i].n_ct; k++) {
			const struct ctype_slot *sc = &src->status[i].ct[k];
			struct ctype_slot *dc =
				ctype_slot(d->ct, &d->n_ct, sc->name, strlen(sc->name));
			if (dc)
				dc->count += sc->count;
		}
	}
	for (unsigned k = 0; k < src->n_req_ct; k++) {
		const struct ctype_slot *sc = &src->req_ct[k];
		struct ctype_slot *dc =
			ctype_slot(dst->req_ct, &dst->n_req_ct, sc->name, strlen(sc->name));
		if (dc)
			dc->count += sc->count;
	}
}

/* tmpl hook: an endpoint moved to another leaf (a merge). */
static void *
hook_move(void *user, void *dst, void *src, const struct tnode *to, unsigned method)
{
	struct ar_api_catalog *c = user;
	struct endpoint *s = src, *d = dst;
	(void)method;
	if (d == NULL) {
		forget_key(c, s);
		s->saved = false;
		s->leaf = (struct tnode *)to;
		if (endpoint_rekey(c, s) == 0) {
			endpoint_event(c, s, AR_API_MERGED, c->now);
			spec_check_endpoint(c, s);
		}
		mark_dirty(c, s);
		return s;
	}
	endpoint_merge(d, s);
	endpoint_unlink(c, s);
	endpoint_free(s);
	d->leaf = (struct tnode *)to;
	mark_dirty(c, d);
	return d;
}

/* tmpl hook: a merge was undone, @ep goes. */
static void
hook_drop(void *user, void *ep)
{
	struct ar_api_catalog *c = user;
	struct endpoint *e = ep;
	endpoint_event(c, e, AR_API_SPLIT, c->now);
	endpoint_unlink(c, e);
	endpoint_free(e);
}

/*
 * tmpl hook: an un-merge gives a value back an endpoint it led to. It
 * starts with no calls and no schema (the merged endpoint's were every
 * value's together); traffic fills them.
 */
static void *
hook_add(void *user, const struct tnode *at, unsigned method)
{
	struct ar_api_catalog *c = user;
	struct endpoint *e;

	if (c->routing == NULL)
		return NULL;
	if (c->st.endpoints >= c->p.max_endpoints) {
		c->st.endpoints_capped++;
		return NULL;
	}
	e = endpoint_new(c, c->routing, (struct tnode *)at, method);
	if (e == NULL)
		return NULL;
	e->first_ns = e->last_ns = c->now;
	endpoint_event(c, e, AR_API_NEW_ENDPOINT, c->now);
	spec_check_endpoint(c, e);
	mark_dirty(c, e);
	return e;
}

static const struct tmpl_hooks hooks = { .move = hook_move, .drop = hook_drop, .add = hook_add };

/* ------------------------------------------------------------------ */
/* Sites                                                               */
/* ------------------------------------------------------------------ */

static struct site *
site_find(const struct ar_api_catalog *c, const char *name, size_t n, uint64_t h)
{
	for (struct site *s = c->site_hash[h & (SITE_BUCKETS - 1)]; s; s = s->hnext)
		if (s->hash == h && s->name_len == n && memcmp(s->name, name, n) == 0)
			return s;
	return NULL;
}

static struct site *
site_add(struct ar_api_catalog *c, const char *name, size_t n, uint64_t h, struct tmpl *tree)
{
	if (c->st.sites >= c->p.max_sites) {
		c->st.sites_capped++;
		return NULL;
	}
	struct site *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->name = dupn(name, n);
	s->name_len = n;
	s->hash = h;
	s->tree = tree ? tree : tmpl_create(&hooks, c, c->p.max_nodes);
	if (s->name == NULL || s->tree == NULL) {
		free(s->name);
		if (s->tree)
			tmpl_free(s->tree);
		free(s);
		return NULL;
	}
	s->hnext = c->site_hash[h & (SITE_BUCKETS - 1)];
	c->site_hash[h & (SITE_BUCKETS - 1)] = s;
	s->next = c->sites;
	c->sites = s;
	c->st.sites++;
	return s;
}

/* ------------------------------------------------------------------ */
/* Catalog                                                             */
/* ------------------------------------------------------------------ */

struct ar_api_catalog *
ar_api_catalog_create(const struct ar_api_params *p)
{
	struct ar_api_catalog *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->p = *p;
	if (c->p.max_sites == 0)
		c->p.max_sites = 1024;
	if (c->p.max_endpoints == 0)
		c->p.max_endpoints = 100000;
	if (c->p.max_fields == 0)
		c->p.max_fields = 512;
	if (c->p.max_nodes == 0)
		c->p.max_nodes = 1u << 20;
	return c;
}

void
ar_api_catalog_free(struct ar_api_catalog *c)
{
	if (c == NULL)
		return;
	for (struct endpoint *e = c->endpoints, *n; e; e = n) {
		n = e->next;
		endpoint_free(e);
	}
	for (struct site *s = c->sites, *n; s; s = n) {
		n = s->next;
		tmpl_free(s->tree);
		spec_free(s->spec);
		free(s->name);
		free(s);
	}
	for (struct gone *g = c->gone, *n; g; g = n) {
		n = g->next;
		free(g);
	}
	for (unsigned i = 0; i < c->n_owners; i++) {
		free(c->owners[i].host);
		free(c->owners[i].prefix);
		free(c->owners[i].unit);
		free(c->owners[i].contact);
	}
	free(c);
}

const struct ar_api_stats *
ar_api_stats(const struct ar_api_catalog *c)
{
	return &c->st;
}

static const char *const where_names[AR_IN_MAX] = {
	"query", "header", "cookie", "request_body", "response_body",
};

struct change_ctx {
	struct ar_api_catalog *c;
	struct endpoint *e;
	const char *where;
};

/* "integer|string": the names of the type bits of @mask. */
static void
types_str(uint32_t mask, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	for (unsigned t = 0; t < AR_TYPE_MAX; t++) {
		if (!(mask & (1u << t)))
			continue;
		const char *name = ar_api_type_name(t);
		size_t l = strlen(name);
		if (n + (n > 0) + l + 1 > cap)
			break;
		if (n)
			buf[n++] = '|';
		memcpy(buf + n, name, l + 1);
		n += l;
	}
}

static void
on_schema_change(void *user, const struct schema_change *ch)
{
	struct change_ctx *x = user;
	char now[64], old[64];
	types_str(ch->types, now, sizeof(now));
	types_str(ch->old_types, old, sizeof(old));
	bool param = x->where == where_names[AR_IN_QUERY] ||
		     x->where == where_names[AR_IN_HEADER] || x->where == where_names[AR_IN_COOKIE];
	struct ar_api_event ev = {
		.change = ch->new_field ? (param ? AR_API_NEW_PARAM : AR_API_NEW_FIELD) :
					  AR_API_TYPE_CHANGE,
		.ts_ns = x->c->now,
		.endpoint_id = x->e->id,
		.site = x->e->site->name,
		.method = x->e->method,
		.template = x->e->tmpl,
		.where = x->where,
		.name = ch->name,
		.type = now,
		.old_type = ch->new_field ? NULL : old,
		.owner = x->e->owner ? x->e->owner->unit : NULL,
		.contact = x->e->owner ? x->e->owner->contact : NULL,
	};
	emit(x->c, &ev);
	spec_check_field(x->c, x->e, x->where, ch->name, ch->new_field);
}

/* The schema of @e that fields in @where go to. */
static struct schema *
schema_for(struct endpoint *e, enum ar_api_where where, const struct ar_api_rec *r,
	   struct status_slot *st, bool *flat)
{
	*flat = true;
	switch (where) {
	case AR_IN_QUERY:
		return e->schemas[EP_QUERY];
	case AR_IN_HEADER:
		return e->schemas[EP_HEADER];
	case AR_IN_COOKIE:
		return e->schemas[EP_COOKIE];
	case AR_IN_REQ_BODY:
		if (r->flags & AR_API_R_REQ_JSON) {
			*flat = false;
			return e->schemas[EP_REQ_JSON];
		}
		return e->schemas[EP_REQ_FORM];
	case AR_IN_RESP_BODY:
		if (st == NULL || !(r->flags & AR_API_R_RESP_JSON))
			return NULL;
		*flat = false;
		if (st->body == NULL)
			st->body = schema_new();
		return st->body;
	default:
		return NULL;
	}
}

/* The first call's fields, against the spec (later ones come as schema changes). */
static void
spec_check_record(struct ar_api_catalog *c, struct endpoint *e, const struct ar_api_rec *r)
{
	for (unsigned i = 0; i < r->n_fields; i++) {
		const struct ar_api_field *f = &r->fields[i];
		char name[256];
		if (f->where > AR_IN_REQ_BODY || f->name_len >= sizeof(name))
			continue;
		memcpy(name, r->arena + f->name_off, f->name_len);
		name[f->name_len] = 0;
		spec_check_field(c, e, where_names[f->where], name, true);
	}
}

/* Marks sensitive data found by the detection engine in the field it names. */
static void
mark_hits(struct endpoint *e, const struct ar_api_rec *r, struct status_slot *st)
{
	for (unsigned i = 0; i < r->n_hits; i++) {
		const struct ar_api_hit *h = &r->hits[i];
		if (!h->pii) {
			e->alerts++;
			continue;
		}
		const char *f = r->arena + h->field_off;
		size_t n = h->field_len;
		const char *type = r->arena + h->type_off;
		struct schema *s = NULL;
		bool flat = true;
		/* lib/match names fields "<target>:<name>" */
		static const struct {
			const char *prefix;
			enum ar_api_where where;
		} map[] = {
			{ "query:", AR_IN_QUERY },   { "header:", AR_IN_HEADER },
			{ "cookie:", AR_IN_COOKIE }, { "json:", AR_IN_REQ_BODY },
			{ "form:", AR_IN_REQ_BODY }, { "resp_json:", AR_IN_RESP_BODY },
		};
		for (unsigned k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			size_t pl = strlen(map[k].prefix);
			if (n > pl && memcmp(f, map[k].prefix, pl) == 0) {
				s = schema_for(e, map[k].where, r, st, &flat);
				f += pl;
				n -= pl;
				break;
			}
		}
		if (s)
			schema_mark_sensitive(s, f, n, flat, type, h->type_len);
	}
}

int
ar_api_learn(struct ar_api_catalog *c, const struct ar_api_rec *r)
{
	c->st.records++;
	c->now = r->ts_ns;
	if (r->method >= AR_API_METHOD_MAX) {
		c->st.bad_method++;
		return -EINVAL;
	}
	const char *host = r->arena + r->host_off;
	size_t hl = r->host_len;
	if (hl == 0) {
		c->st.no_host++;
		host = "(no host)";
		hl = strlen(host);
	}
	uint64_t h = api_fnv(API_FNV_INIT, host, hl);
	struct site *s = site_find(c, host, hl, h);
	if (s == NULL) {
		s = site_add(c, host, hl, h, NULL);
		if (s == NULL)
			return -ENOSPC;
	}
	uint64_t client = api_fnv(API_FNV_INIT, r->client, sizeof(r->client));
	const char *path = r->path_len ? r->arena + r->path_off : "/";
	/* the tree counts its own decisions and caps: add what this route changed */
	const struct tmpl_stats *ts = tmpl_stats(s->tree);
	struct tmpl_stats before = *ts;
	c->routing = s;
	struct tnode *leaf = tmpl_route(s->tree, path, r->path_len ? r->path_len : 1, r->method,
					client, r->ts_ns);
	c->routing = NULL;
	c->st.merges += ts->merges - before.merges;
	c->st.splits += ts->splits - before.splits;
	c->st.promotions += ts->promotions - before.promotions;
	c->st.nodes_capped += ts->nodes_capped - before.nodes_capped;
	c->st.values_capped += ts->values_capped - before.values_capped;
	if (leaf == NULL)
		return -ENOSPC;
	s->dirty = true;
	void **slot = tnode_endpoint(leaf, r->method);
	struct endpoint *e = *slot;
	if (e == NULL) {
		if (c->st.endpoints >= c->p.max_endpoints) {
			c->st.endpoints_capped++;
			return -ENOSPC;
		}
		e = endpoint_new(c, s, leaf, r->method);
		if (e == NULL)
			return -ENOMEM;
		*slot = e;
		e->first_ns = r->ts_ns;
		endpoint_event(c, e, AR_API_NEW_ENDPOINT, r->ts_ns);
		spec_check_endpoint(c, e);
	}
	bool first = e->calls == 0;
	e->calls++;
	e->last_ns = r->ts_ns;
	if (e->zombie)
		e->zombie = false;
	e->req_bytes += r->req_len;
	e->resp_bytes += r->resp_len;
	e->auth[r->auth < AR_AUTH_MAX ? r->auth : AR_AUTH_OTHER]++;
	if (r->auth_name_len && !e->auth_name[0] && r->auth_name_len < sizeof(e->auth_name))
		memcpy(e->auth_name, r->arena + r->auth_name_off, r->auth_name_len);
	c->st.records_cut += r->fields_cut != 0;
	c->st.hits_cut += r->hits_cut;
	if (r->req_ct_len) {
		struct ctype_slot *ct = ctype_slot(e->req_ct, &e->n_req_ct,
						   r->arena + r->req_ct_off, r->req_ct_len);
		if (ct)
			ct->count++;
		else
			c->st.ctypes_capped++;
	}
	struct status_slot *st = NULL;
	if (r->flags & AR_API_R_RESPONSE) {
		st = status_slot(e, r->status);
		if (st == NULL)
			c->st.statuses_capped++;
		if (st) {
			st->count++;
			if (r->resp_ct_len) {
				struct ctype_slot *ct =
					ctype_slot(st->ct, &st->n_ct, r->arena + r->resp_ct_off,
						   r->resp_ct_len);
				if (ct)
					ct->count++;
				else
					c->st.ctypes_capped++;
			}
		}
		e->latency_sum_us += r->latency_us;
		e->latency_n++;
		if (r->latency_us > e->latency_max_us)
			e->latency_max_us = r->latency_us;
	}
	struct schema_fields sf;
	schema_fields_index(r, &sf);
	for (unsigned w = 0; w < AR_IN_MAX; w++) {
		bool flat;
		/* parameters are counted on every call; bodies only when present */
		if (w >= AR_IN_REQ_BODY && sf.n[w] == 0)
			continue;
		struct schema *sc = schema_for(e, w, r, st, &flat);
		if (sc == NULL)
			continue;
		struct change_ctx x = { c, e, where_names[w] };
		uint64_t vc = schema_values_capped(sc);
		if (schema_observe_idx(sc, r, &sf, w, flat, c->p.max_fields, &c->st.fields_capped,
				       first ? NULL : on_schema_change, &x) != 0)
			return -ENOMEM;
		c->st.values_capped += schema_values_capped(sc) - vc;
	}
	mark_hits(e, r, st);
	if (first && s->spec)
		spec_check_record(c, e, r);
	mark_dirty(c, e);
	return 0;
}

void
ar_api_tick(struct ar_api_catalog *c, uint64_t now_ns)
{
	if (now_ns > c->now)
		c->now = now_ns;
	if (c->p.zombie_after_ns == 0 || now_ns < c->next_zombie_scan)
		return;
	/* a scan per tenth of the period keeps the report within 10 % of it */
	c->next_zombie_scan = now_ns + c->p.zombie_after_ns / 10;
	for (struct endpoint *e = c->endpoints; e; e = e->next) {
		if (e->zombie || e->last_ns + c->p.zombie_after_ns > now_ns)
			continue;
		e->zombie = true;
		endpoint_event(c, e, AR_API_ZOMBIE, now_ns);
	}
}

/* ------------------------------------------------------------------ */
/* Listing                                                             */
/* ------------------------------------------------------------------ */

static int
cmp_endpoint(const void *a, const void *b)
{
	const struct endpoint *x = *(struct endpoint *const *)a, *y = *(struct endpoint *const *)b;
	int r = strcmp(x->site->name, y->site->name);
	if (r == 0)
		r = strcmp(x->tmpl, y->tmpl);
	if (r == 0)
		r = (int)x->method - (int)y->method;
	return r;
}

struct endpoint **
catalog_sorted(const struct ar_api_catalog *c, const struct site *only, size_t *n)
{
	size_t k = 0;
	for (const struct endpoint *e = c->endpoints; e; e = e->next)
		if (only == NULL || e->site == only)
			k++;
	struct endpoint **v = malloc((k ? k : 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	k = 0;
	for (struct endpoint *e = c->endpoints; e; e = e->next)
		if (only == NULL || e->site == only)
			v[k++] = e;
	qsort(v, k, sizeof(*v), cmp_endpoint);
	*n = k;
	return v;
}

int
ar_api_foreach_endpoint(const struct ar_api_catalog *c, ar_api_endpoint_cb cb, void *user)
{
	size_t n;
	struct endpoint **v = catalog_sorted(c, NULL, &n);
	if (v == NULL)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct endpoint *e = v[i];
		struct ar_api_endpoint_info info = {
			.id = e->id,
			.site = e->site->name,
			.method = e->method,
			.template = e->tmpl,
			.first_ns = e->first_ns,
			.last_ns = e->last_ns,
			.calls = e->calls,
			.owner = e->owner ? e->owner->unit : NULL,
			.contact = e->owner ? e->owner->contact : NULL,
			.zombie = e->zombie,
		};
		rc = cb(user, &info);
	}
	free(v);
	return rc;
}

struct site *
catalog_site(const struct ar_api_catalog *c, const char *name)
{
	size_t n = strlen(name);
	return site_find(c, name, n, api_fnv(API_FNV_INIT, name, n));
}

struct site *
catalog_site_add(struct ar_api_catalog *c, const char *name)
{
	size_t n = strlen(name);
	uint64_t h = api_fnv(API_FNV_INIT, name, n);
	struct site *s = site_find(c, name, n, h);
	return s ? s : site_add(c, name, n, h, NULL);
}

/* ------------------------------------------------------------------ */
/* Persistence                                                         */
/* ------------------------------------------------------------------ */

#define SITE_FORMAT     1
#define ENDPOINT_FORMAT 1

static void
encode_site(const struct site *s, struct wbuf *b)
{
	wbuf_u8(b, SITE_FORMAT);
	tmpl_encode(s->tree, b);
}

static void
encode_ctypes(struct wbuf *b, const struct ctype_slot *t, unsigned n)
{
	wbuf_varint(b, n);
	for (unsigned i = 0; i < n; i++) {
		wbuf_str(b, t[i].name, strlen(t[i].name));
		wbuf_varint(b, t[i].count);
	}
}

static void
encode_endpoint(const struct endpoint *e, struct wbuf *b)
{
	wbuf_u8(b, ENDPOINT_FORMAT);
	wbuf_u64(b, e->first_ns);
	wbuf_u64(b, e->last_ns);
	wbuf_varint(b, e->calls);
	wbuf_varint(b, e->alerts);
	wbuf_varint(b, e->latency_sum_us);
	wbuf_varint(b, e->latency_n);
	wbuf_varint(b, e->latency_max_us);
	wbuf_varint(b, e->req_bytes);
	wbuf_varint(b, e->resp_bytes);
	wbuf_u8(b, e->zombie);
	for (unsigned i = 0; i < AR_AUTH_MAX; i++)
		wbuf_varint(b, e->auth[i]);
	wbuf_str(b, e->auth_name, strlen(e->auth_name));
	encode_ctypes(b, e->req_ct, e->n_req_ct);
	for (unsigned i = 0; i < EP_SCHEMAS; i++)
		schema_encode(e->schemas[i], b);
	wbuf_varint(b, e->n_status);
	for (unsigned i = 0; i < e->n_status; i++) {
		const struct status_slot *s = &e->status[i];
		wbuf_varint(b, s->code);
		wbuf_varint(b, s->count);
		encode_ctypes(b, s->ct, s->n_ct);
		wbuf_u8(b, s->body != NULL);
		if (s->body)
			schema_encode(s->body, b);
	}
}

static int
save_one(ar_api_put_cb cb, void *user, unsigned cf, const void *key, size_t klen, struct wbuf *b)
{
	if (b->oom)
		return -ENOMEM;
	return cb(user, cf, key, klen, b->p, b->len) ? -EIO : 0;
}

int
ar_api_save(struct ar_api_catalog *c, bool all, ar_api_put_cb cb, void *user)
{
	struct wbuf b = { 0 };
	int n = 0, rc = 0;
	for (struct gone *g = c->gone; g; g = g->next, n++)
		if (cb(user, AR_API_CF_ENDPOINTS, g->key, g->len, NULL, 0)) {
			rc = -EIO;
			goto out;
		}
	for (struct site *s = c->sites; s; s = s->next) {
		if (!all && !s->dirty)
			continue;
		b.len = 0;
		encode_site(s, &b);
		if ((rc = save_one(cb, user, AR_API_CF_SITES, s->name, s->name_len, &b)) != 0)
			goto out;
		n++;
	}
	for (struct endpoint *e = all ? c->endpoints : c->dirty; e;
	     e = all ? e->next : e->dirty_next) {
		b.len = 0;
		encode_endpoint(e, &b);
		if ((rc = save_one(cb, user, AR_API_CF_ENDPOINTS, e->key, e->key_len, &b)) != 0)
			goto out;
		n++;
	}
	/* everything was handed over: forget the changes */
	for (struct gone *g = c->gone, *next; g; g = next) {
		next = g->next;
		free(g);
	}
	c->gone = NULL;
	for (struct site *s = c->sites; s; s = s->next)
		s->dirty = false;
	for (struct endpoint *e = c->endpoints; e; e = e->next) {
		e->saved = true;
		e->dirty = false;
		e->dirty_next = NULL;
	}
	c->dirty = NULL;
out:
	wbuf_free(&b);
	return rc ? rc : n;
}

static bool
decode_ctypes(struct rbuf *b, struct ctype_slot *t, uint8_t *n)
{
	uint64_t k = rbuf_varint(b);
	if (k > EP_MAX_CTYPES)
		return false;
	*n = 0;
	for (uint64_t i = 0; i < k; i++) {
		size_t len;
		const char *s = rbuf_str(b, &len);
		struct ctype_slot *c = s ? ctype_slot(t, n, s, len) : NULL;
		if (c == NULL)
			return false;
		c->count = rbuf_varint(b);
	}
	return !b->bad;
}

static int
load_endpoint(struct ar_api_catalog *c, const char *key, size_t klen, const uint8_t *val,
	      size_t vlen)
{
	/* key: site NUL method NUL template */
	const char *m = memchr(key, 0, klen);
	const char *t = m ? memchr(m + 1, 0, klen - (size_t)(m + 1 - key)) : NULL;
	if (t == NULL)
		return -EINVAL;
	struct site *s =
		site_find(c, key, (size_t)(m - key), api_fnv(API_FNV_INIT, key, (size_t)(m - key)));
	unsigned method = ar_api_method_parse(m + 1, (size_t)(t - m - 1));
	size_t tl = klen - (size_t)(t + 1 - key);
	char tmpl[AR_API_TEMPLATE_MAX];
	if (s == NULL || method >= AR_API_METHOD_MAX || tl >= sizeof(tmpl))
		return -EINVAL;
	memcpy(tmpl, t + 1, tl);
	tmpl[tl] = 0;
	struct tnode *leaf = tmpl_find(s->tree, tmpl);
	if (leaf == NULL)
		return -EINVAL;
	void **slot = tnode_endpoint(leaf, method);
	if (*slot != NULL)
		return -EINVAL; /* twice: keep the first */

	struct rbuf b = { .p = val, .len = vlen };
	if (rbuf_u8(&b) != ENDPOINT_FORMAT)
		return -EINVAL;
	struct endpoint *e = endpoint_new(c, s, leaf, method);
	if (e == NULL)
		return -ENOMEM;
	e->first_ns = rbuf_u64(&b);
	e->last_ns = rbuf_u64(&b);
	e->calls = rbuf_varint(&b);
	e->alerts = rbuf_varint(&b);
	e->latency_sum_us = rbuf_varint(&b);
	e->latency_n = rbuf_varint(&b);
	e->latency_max_us = (uint32_t)rbuf_varint(&b);
	e->req_bytes = rbuf_varint(&b);
	e->resp_bytes = rbuf_varint(&b);
	e->zombie = rbuf_u8(&b) != 0;
	for (unsigned i = 0; i < AR_AUTH_MAX; i++)
		e->auth[i] = rbuf_varint(&b);
	size_t an;
	const char *as = rbuf_str(&b, &an);
	if (as && an < sizeof(e->auth_name))
		memcpy(e->auth_name, as, an);
	if (!decode_ctypes(&b, e->req_ct, &e->n_req_ct))
		goto bad;
	for (unsigned i = 0; i < EP_SCHEMAS; i++) {
		struct schema *sc = schema_decode(&b);
		if (sc == NULL)
			goto bad;
		schema_free(e->schemas[i]);
		e->schemas[i] = sc;
	}
	uint64_t ns = rbuf_varint(&b);
	if (ns > EP_MAX_STATUS)
		goto bad;
	for (uint64_t i = 0; i < ns; i++) {
		struct status_slot *st = status_slot(e, (uint16_t)rbuf_varint(&b));
		if (st == NULL)
			goto bad;
		st->count = rbuf_varint(&b);
		if (!decode_ctypes(&b, st->ct, &st->n_ct))
			goto bad;
		if (rbuf_u8(&b)) {
			st->body = schema_decode(&b);
			if (st->body == NULL)
				goto bad;
		}
	}
	if (b.bad || b.off != b.len)
		goto bad;
	*slot = e;
	e->saved = true;
	spec_check_endpoint(c, e);
	return 0;
bad:
	endpoint_unlink(c, e);
	endpoint_free(e);
	return -EINVAL;
}

int
ar_api_load(struct ar_api_catalog *c, unsigned cf, const void *key, size_t klen, const void *val,
	    size_t vlen)
{
	int rc = -EINVAL;
	if (cf == AR_API_CF_SITES) {
		struct rbuf b = { .p = val, .len = vlen };
		if (klen == 0 || rbuf_u8(&b) != SITE_FORMAT)
			goto out;
		uint64_t h = api_fnv(API_FNV_INIT, key, klen);
		if (site_find(c, key, klen, h))
			goto out;
		struct tmpl *t = tmpl_decode(&hooks, c, c->p.max_nodes, b.p + b.off, b.len - b.off);
		if (t == NULL)
			goto out;
		if (site_add(c, key, klen, h, t) == NULL) {
			tmpl_free(t);
			rc = -ENOSPC;
			goto out;
		}
		rc = 0;
	} else if (cf == AR_API_CF_ENDPOINTS) {
		rc = load_endpoint(c, key, klen, val, vlen);
	}
out:
	if (rc != 0)
		c->st.load_errors++;
	return rc;
}
