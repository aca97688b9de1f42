/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's half of discovery: one finished transaction into a compact
 * record for the learner. Bodies are walked with lib/match's field walkers
 * (the same ones detection uses), each value typed and, for strings, given
 * a format. Only short word-like strings keep their value, as enum
 * candidates: numbers, ids, e-mails and anything longer stay out of the
 * record, so it carries no personal data beyond field names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "api_priv.h"

size_t
api_pct_decode(const char *s, size_t n, char *out, size_t cap, bool plus)
{
	unsigned flags = AR_NORM_URL | (plus ? AR_NORM_PLUS : 0);
	/* most names and segments have nothing to decode: copy them */
	if (memchr(s, '%', n) == NULL && !(plus && memchr(s, '+', n) != NULL)) {
		if (n > cap)
			return SIZE_MAX;
		memcpy(out, s, n);
		return n;
	}
	if (n <= cap) /* decoding never lengthens: it fits */
		return ar_norm((const uint8_t *)s, n, (uint8_t *)out, cap, flags);
	/* a decoded byte takes at most three: longer input cannot fit */
	uint8_t tmp[3 * API_DECODE_MAX];
	if (cap > API_DECODE_MAX || n > 3 * cap)
		return SIZE_MAX;
	size_t k = ar_norm((const uint8_t *)s, n, tmp, sizeof(tmp), flags);
	if (k > cap)
		return SIZE_MAX;
	memcpy(out, tmp, k);
	return k;
}

static bool
all_digits(const char *s, size_t n)
{
	if (n && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool
decimal(const char *s, size_t n)
{
	size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0, dots = 0, digits = 0;
	for (; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return false;
	}
	return dots == 1 && digits >= 2 && s[n - 1] != '.';
}

/* A query or form value: typed from its text; strings get a format and maybe a sample. */
static void
text_field(struct ar_api_rec *r, enum ar_api_where where, const char *name, size_t nl,
	   const char *val, size_t vl, uint8_t flags)
{
	char nbuf[128], vbuf[128];
	size_t dn = api_pct_decode(name, nl, nbuf, sizeof(nbuf), true);
	if (dn == SIZE_MAX || dn == 0) {
		r->fields_cut++;
		r->flags |= AR_API_R_CUT;
		return;
	}
	size_t dv = api_pct_decode(val, vl, vbuf, sizeof(vbuf), true);
	enum ar_api_type t = AR_TYPE_STRING;
	enum ar_api_fmt f = AR_FMT_NONE;
	const char *sample = NULL;
	if (dv != SIZE_MAX) {
		if (all_digits(vbuf, dv))
			t = AR_TYPE_INTEGER;
		else if (decimal(vbuf, dv))
			t = AR_TYPE_NUMBER;
		else if ((dv == 4 && memcmp(vbuf, "true", 4) == 0) ||
			 (dv == 5 && memcmp(vbuf, "false", 5) == 0))
			t = AR_TYPE_BOOLEAN;
		else if (dv) {
			f = ar_api_str_format(vbuf, dv);
			if (f == AR_FMT_NONE && dv <= AR_API_VAL_MAX &&
			    ar_api_seg_classify(vbuf, dv) == AR_SEG_WORD)
				sample = vbuf;
		}
	}
	ar_api_rec_field(r, where, nbuf, dn, t, f, sample, sample ? dv : 0, flags);
}

struct walk_ctx {
	struct ar_api_rec *r;
	enum ar_api_where where;
	uint8_t flags;
};

static int
on_form(void *user, enum ar_field_kind kind, const char *name, size_t nl, const char *val,
	size_t vl)
{
	struct walk_ctx *x = user;
	(void)kind;
	text_field(x->r, x->where, name, nl, val, vl, x->flags);
	return 0;
}

/* A top-level member's path: "$.name" (or "$[\"a b\"]"), nothing below it. */
static bool
json_top(const char *p, size_t n)
{
	if (n < 3 || p[0] != '$')
		return false;
	if (p[1] == '.')
		return memchr(p + 2, '.', n - 2) == NULL && memchr(p + 2, '[', n - 2) == NULL;
	/* ["a b"]: one bracket, at the end */
	return p[1] == '[' && p[2] == '"' && p[n - 1] == ']' && memchr(p + 2, '[', n - 2) == NULL;
}

static int
on_json(void *user, enum ar_field_kind kind, const char *name, size_t nl, const char *val,
	size_t vl)
{
	struct walk_ctx *x = user;
	enum ar_api_type t;
	enum ar_api_fmt f = AR_FMT_NONE;
	const char *sample = NULL;
	switch (kind) {
	case AR_FIELD_STRING:
		t = AR_TYPE_STRING;
		/* raw, still escaped: an escape only matters in URIs ("\/"), rare in ids */
		if (vl && memchr(val, '\\', vl) == NULL) {
			f = ar_api_str_format(val, vl);
			if (f == AR_FMT_NONE && vl <= AR_API_VAL_MAX &&
			    ar_api_seg_classify(val, vl) == AR_SEG_WORD)
				sample = val;
		}
		break;
	case AR_FIELD_NUMBER:
		t = memchr(val, '.', vl) || memchr(val, 'e', vl) || memchr(val, 'E', vl) ?
			    AR_TYPE_NUMBER :
			    AR_TYPE_INTEGER;
		break;
	case AR_FIELD_BOOL:
		t = AR_TYPE_BOOLEAN;
		break;
	case AR_FIELD_NULL:
		t = AR_TYPE_NULL;
		break;
	case AR_FIELD_OBJECT:
		t = AR_TYPE_OBJECT;
		break;
	case AR_FIELD_ARRAY:
		t = AR_TYPE_ARRAY;
		break;
	default:
		return 0;
	}
	/*
	 * The last quarter of the record is kept for top-level members: a
	 * large body (a calendar event's nested attendees, reminders and
	 * conference data) would fill it before its later members were seen.
	 */
	if (x->r->n_fields >= AR_API_REC_FIELDS * 3 / 4 && !json_top(name, nl)) {
		x->r->fields_cut++;
		x->r->flags |= AR_API_R_CUT;
		return 0;
	}
	/*
	 * Once the record is full the walk stops: going on through the rest
	 * of the body only to count what is missed cost a fifth of the
	 * worker's discovery work on the benchmark capture.
	 */
	if (ar_api_rec_field(x->r, x->where, name, nl, t, f, sample, sample ? vl : 0, 0) ==
		    -ENOSPC &&
	    x->r->n_fields == AR_API_REC_FIELDS)
		return 1;
	return 0;
}

/* Headers that every client sends or that OpenAPI describes elsewhere. */
static bool
usual_header(const char *n, size_t l)
{
	static const char *const usual[] = {
		"host",
		"user-agent",
		"accept",
		"accept-encoding",
		"accept-language",
		"accept-charset",
		"connection",
		"content-length",
		"content-type",
		"content-encoding",
		"cache-control",
		"pragma",
		"cookie",
		"authorization",
		"proxy-authorization",
		"referer",
		"origin",
		"te",
		"upgrade",
		"via",
		"forwarded",
		"x-forwarded-for",
		"x-forwarded-proto",
		"x-forwarded-host",
		"x-forwarded-port",
		"x-real-ip",
		"if-none-match",
		"if-modified-since",
		"if-match",
		"if-unmodified-since",
		"if-range",
		"range",
		"dnt",
		"expect",
		"transfer-encoding",
		"keep-alive",
		"proxy-connection",
		"upgrade-insecure-requests",
		"priority",
		"x-requested-with",
	};
	if (l > 4 && strncasecmp(n, "sec-", 4) == 0)
		return true;
	for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
		if (strlen(usual[i]) == l && strncasecmp(usual[i], n, l) == 0)
			return true;
	return false;
}

static bool
name_in(const char *n, size_t l, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == l && strncasecmp(*names, n, l) == 0)
			return true;
	return false;
}

static const char *const key_headers[] = { "x-api-key",      "api-key",  "apikey", "x-auth-token",
					   "x-access-token", "x-apikey", NULL };
static const char *const key_params[] = { "api_key", "apikey", "api-key", "access_token",
					  "key",     "token",  NULL };

static bool
session_cookie(const char *n, size_t l)
{
	static const char *const exact[] = { "sid", "token", "auth", "jwt", "connect.sid", NULL };
	if (name_in(n, l, exact))
		return true;
	for (size_t i = 0; i + 7 <= l; i++)
		if (strncasecmp(n + i, "session", 7) == 0)
			return true;
	return false;
}

static void
set_auth(struct ar_api_rec *r, enum ar_api_auth a, const char *name, size_t nl, const char *cred,
	 size_t cl)
{
	if (r->auth != AR_AUTH_NONE)
		return; /* the first, strongest, one found wins (Authorization is first) */
	r->auth = (uint8_t)a;
	uint64_t h = api_fnv(API_FNV_INIT, cred, cl);
	r->ident = h ? h : 1; /* 0 is "unknown" */
	if (name)
		ar_api_rec_str(r, name, nl, &r->auth_name_off, &r->auth_name_len);
}

static void
authorization(struct ar_api_rec *r, const char *v, size_t n)
{
	if (n > 6 && strncasecmp(v, "Basic ", 6) == 0) {
		set_auth(r, AR_AUTH_BASIC, NULL, 0, v + 6, n - 6);
	} else if (n > 7 && strncasecmp(v, "Bearer ", 7) == 0) {
		const char *t = v + 7;
		size_t tl = n - 7, dots = 0;
		for (size_t i = 0; i < tl; i++)
			dots += t[i] == '.';
		bool jwt = tl > 3 && memcmp(t, "eyJ", 3) == 0 && dots == 2;
		set_auth(r, jwt ? AR_AUTH_BEARER_JWT : AR_AUTH_BEARER, NULL, 0, t, tl);
	} else if (n > 7 && strncasecmp(v, "Digest ", 7) == 0) {
		set_auth(r, AR_AUTH_DIGEST, NULL, 0, v, n);
	} else if (n) {
		set_auth(r, AR_AUTH_OTHER, NULL, 0, v, n);
	}
}

static int
on_cookie(void *user, enum ar_field_kind kind, const char *name, size_t nl, const char *val,
	  size_t vl)
{
	struct walk_ctx *x = user;
	(void)kind;
	if (session_cookie(name, nl) && vl) {
		set_auth(x->r, AR_AUTH_COOKIE, name, nl, val, vl);
		return 0;
	}
	ar_api_rec_field(x->r, AR_IN_COOKIE, name, nl, AR_TYPE_STRING, AR_FMT_NONE, NULL, 0, 0);
	return 0;
}

static int
on_query(void *user, enum ar_field_kind kind, const char *name, size_t nl, const char *val,
	 size_t vl)
{
	struct walk_ctx *x = user;
	if (name_in(name, nl, key_params) && vl >= 8) {
		/* a credential: the scheme, and the parameter by name only (no value sample) */
		set_auth(x->r, AR_AUTH_APIKEY_QUERY, name, nl, val, vl);
		ar_api_rec_field(x->r, AR_IN_QUERY, name, nl, AR_TYPE_STRING, AR_FMT_NONE, NULL, 0,
				 0);
		return 0;
	}
	return on_form(user, kind, name, nl, val, vl);
}

/* Lower-cased media type without parameters into the arena. */
static void
put_ctype(struct ar_api_rec *r, const char *ct, size_t n, uint16_t *off, uint16_t *len)
{
	char buf[64];
	size_t k = 0;
	while (n && (*ct == ' ' || *ct == '\t')) {
		ct++;
		n--;
	}
	for (size_t i = 0; i < n && ct[i] != ';' && ct[i] != ' ' && k < sizeof(buf); i++)
		buf[k++] = (char)tolower((unsigned char)ct[i]);
	if (k && k < sizeof(buf))
		ar_api_rec_str(r, buf, k, off, len);
}

static bool
ct_is(const char *ct, size_t n, const char *what)
{
	return n >= strlen(what) && strncasecmp(ct, what, strlen(what)) == 0;
}

static bool
ct_json(const char *ct, size_t n)
{
	/* application/json, application/problem+json, application/vnd.x+json ... */
	size_t i = 0;
	while (i < n && ct[i] != ';')
		i++;
	return (i >= 4 && strncasecmp(ct + i - 4, "json", 4) == 0);
}

static void
body_fields(struct ar_api_rec *r, enum ar_api_where where, const char *ct, size_t ctl,
	    const char *body, size_t bl)
{
	if (bl == 0)
		return;
	struct walk_ctx x = { r, where, 0 };
	if (ct_json(ct, ctl) || (ctl == 0 && (body[0] == '{' || body[0] == '['))) {
		ar_json_walk(body, bl, on_json, &x);
		r->flags |= where == AR_IN_REQ_BODY ? AR_API_R_REQ_JSON : AR_API_R_RESP_JSON;
	} else if (where == AR_IN_REQ_BODY && ct_is(ct, ctl, "application/x-www-form-urlencoded")) {
		x.flags = AR_API_F_FORM;
		ar_form_walk(body, bl, false, on_form, &x);
	} else if (where == AR_IN_REQ_BODY && ct_is(ct, ctl, "multipart/form-data")) {
		const char *b;
		size_t blen;
		x.flags = AR_API_F_FORM;
		if (ar_multipart_boundary(ct, ctl, &b, &blen))
			ar_multipart_walk(body, bl, b, blen, on_form, &x);
	}
}

static void
host_and_path(struct ar_api_rec *r, const struct ar_api_tx_view *v)
{
	const char *t = v->target;
	size_t tl = v->target_len;
	const char *host = v->host;
	size_t hl = v->host_len;
	/* absolute form: http://host[:port]/path */
	const char *sep = tl > 8 ? memchr(t, ':', tl < 8 ? tl : 8) : NULL;
	if (sep && (size_t)(sep - t) + 3 <= tl && sep[1] == '/' && sep[2] == '/') {
		const char *a = sep + 3, *end = t + tl;
		const char *p = memchr(a, '/', (size_t)(end - a));
		if (hl == 0) {
			host = a;
			hl = (size_t)((p ? p : end) - a);
		}
		t = p ? p : "/";
		tl = p ? (size_t)(end - p) : 1;
	}
	size_t pl = 0;
	while (pl < tl && t[pl] != '?' && t[pl] != '#')
		pl++;
	ar_api_rec_str(r, t, pl, &r->path_off, &r->path_len);
	if (pl < tl && t[pl] == '?') {
		size_t q = pl + 1, qe = q;
		while (qe < tl && t[qe] != '#')
			qe++;
		struct walk_ctx x = { r, AR_IN_QUERY, 0 };
		ar_form_walk(t + q, qe - q, false, on_query, &x);
	}
	/* host: lower case, without the port ("[::1]:80" keeps its brackets) */
	while (hl && (host[hl - 1] == ' ' || host[hl - 1] == '.'))
		hl--;
	size_t end = hl;
	if (hl && host[0] == '[') {
		const char *cb = memchr(host, ']', hl);
		end = cb ? (size_t)(cb - host) + 1 : hl;
	} else {
		const char *colon = memchr(host, ':', hl);
		if (colon)
			end = (size_t)(colon - host);
	}
	char buf[256];
	if (end > sizeof(buf))
		end = sizeof(buf);
	for (size_t i = 0; i < end; i++)
		buf[i] = (char)tolower((unsigned char)host[i]);
	ar_api_rec_str(r, buf, end, &r->host_off, &r->host_len);
}

void
ar_api_rec_build(struct ar_api_rec *r, const struct ar_api_tx_view *v)
{
	ar_api_rec_init(r);
	r->ts_ns = v->req_ts;
	r->method = (uint8_t)ar_api_method_parse(v->method, v->method_len);
	r->req_len = (uint32_t)(v->req_len > UINT32_MAX ? UINT32_MAX : v->req_len);
	r->resp_len = (uint32_t)(v->resp_len > UINT32_MAX ? UINT32_MAX : v->resp_len);
	if (v->client) {
		memcpy(r->client, v->client, v->ipv6 ? 16 : 4);
		if (v->ipv6)
			r->flags |= AR_API_R_IPV6;
	}
	if (v->has_response) {
		r->flags |= AR_API_R_RESPONSE;
		r->status = v->status;
		if (v->resp_ts >= v->req_end_ts && v->req_end_ts) {
			uint64_t us = (v->resp_ts - v->req_end_ts) / 1000;
			r->latency_us = (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
		}
	}
	host_and_path(r, v);
	put_ctype(r, v->req_ct, v->req_ct_len, &r->req_ct_off, &r->req_ct_len);
	if (v->has_response)
		put_ctype(r, v->resp_ct, v->resp_ct_len, &r->resp_ct_off, &r->resp_ct_len);

	struct walk_ctx cx = { r, AR_IN_COOKIE, 0 };
	for (unsigned i = 0; i < v->n_req_headers; i++) {
		const struct ar_kv *h = &v->req_headers[i];
		if (h->name_len == 13 && strncasecmp(h->name, "authorization", 13) == 0)
			authorization(r, h->value, h->value_len);
	}
	for (unsigned i = 0; i < v->n_req_headers; i++) {
		const struct ar_kv *h = &v->req_headers[i];
		if (name_in(h->name, h->name_len, key_headers) && h->value_len) {
			set_auth(r, AR_AUTH_APIKEY_HEADER, h->name, h->name_len, h->value,
				 h->value_len);
		} else if (h->name_len == 6 && strncasecmp(h->name, "cookie", 6) == 0) {
			ar_cookie_walk(h->value, h->value_len, on_cookie, &cx);
		} else if (!usual_header(h->name, h->name_len)) {
			ar_api_rec_field(r, AR_IN_HEADER, h->name, h->name_len, AR_TYPE_STRING,
					 AR_FMT_NONE, NULL, 0, 0);
		}
	}
	body_fields(r, AR_IN_REQ_BODY, v->req_ct, v->req_ct_len, v->req_body, v->req_body_len);
	if (v->has_response)
		body_fields(r, AR_IN_RESP_BODY, v->resp_ct, v->resp_ct_len, v->resp_body,
			    v->resp_body_len);
}

void
ar_api_rec_hit(struct ar_api_rec *r, uint32_t rule_id, bool pii, uint8_t severity,
	       const char *field, size_t field_len, const char *type, size_t type_len)
{
	struct ar_api_hit *h = &r->hits[r->n_hits < AR_API_REC_HITS ? r->n_hits : 0];
	if (r->n_hits == AR_API_REC_HITS ||
	    ar_api_rec_str(r, field, field_len, &h->field_off, &h->field_len) < 0 ||
	    ar_api_rec_str(r, type, type_len, &h->type_off, &h->type_len) < 0) {
		if (r->hits_cut < UINT16_MAX)
			r->hits_cut++;
		return;
	}
	h->rule_id = rule_id;
	h->pii = pii;
	h->severity = severity;
	r->n_hits++;
}
