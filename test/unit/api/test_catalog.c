/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The catalog as the learner drives it: records built from transactions,
 * endpoints and their events, owners, zombies, a spec to compare with,
 * OpenAPI out, and a save/load round trip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "api_priv.h"
#include "ar_api.h"
#include "ar_core.h"

/* ---------------------------------------------------------------- */
/* Helpers                                                           */
/* ---------------------------------------------------------------- */

#define MAX_EVENTS 256

struct ev_log {
	unsigned n;
	struct {
		enum ar_api_change change;
		char tmpl[128];
		char name[128];
		char where[32];
		char type[64];
		char old_type[64];
		char owner[64];
		unsigned method;
	} ev[MAX_EVENTS];
};

static void
on_event(void *user, const struct ar_api_event *e)
{
	struct ev_log *l = user;
	if (l->n == MAX_EVENTS)
		return;
	l->ev[l->n].change = e->change;
	l->ev[l->n].method = e->method;
	snprintf(l->ev[l->n].tmpl, sizeof(l->ev[0].tmpl), "%s", e->template ? e->template : "");
	snprintf(l->ev[l->n].name, sizeof(l->ev[0].name), "%s", e->name ? e->name : "");
	snprintf(l->ev[l->n].where, sizeof(l->ev[0].where), "%s", e->where ? e->where : "");
	snprintf(l->ev[l->n].type, sizeof(l->ev[0].type), "%s", e->type ? e->type : "");
	snprintf(l->ev[l->n].old_type, sizeof(l->ev[0].old_type), "%s",
		 e->old_type ? e->old_type : "");
	snprintf(l->ev[l->n].owner, sizeof(l->ev[0].owner), "%s", e->owner ? e->owner : "");
	l->n++;
}

static unsigned
count_change(const struct ev_log *l, enum ar_api_change c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < l->n; i++)
		n += l->ev[i].change == c;
	return n;
}

static struct ar_api_catalog *
new_catalog(struct ev_log *log)
{
	struct ar_api_params p = {
		.max_sites = 16,
		.max_endpoints = 1000,
		.max_fields = 256,
		.max_nodes = 10000,
		.zombie_after_ns = 3600ull * 1000000000ull,
		.on_event = on_event,
		.user = log,
	};
	struct ar_api_catalog *c = ar_api_catalog_create(&p);
	assert_non_null(c);
	return c;
}

/* One transaction as a worker would see it. */
struct tx {
	const char *method, *target, *host;
	const char *req_ct, *req_body;
	uint16_t status;
	const char *resp_ct, *resp_body;
	struct ar_kv hdrs[8];
	unsigned n_hdrs;
	uint8_t client;
	uint64_t ts;
};

static void
learn(struct ar_api_catalog *c, const struct tx *t)
{
	static struct ar_api_rec r;
	uint8_t addr[4] = { 10, 0, 0, t->client };
	struct ar_api_tx_view v = {
		.method = t->method,
		.method_len = strlen(t->method),
		.target = t->target,
		.target_len = strlen(t->target),
		.host = t->host,
		.host_len = strlen(t->host),
		.req_headers = t->hdrs,
		.n_req_headers = t->n_hdrs,
		.req_ct = t->req_ct ? t->req_ct : "",
		.req_ct_len = t->req_ct ? strlen(t->req_ct) : 0,
		.req_body = t->req_body ? t->req_body : "",
		.req_body_len = t->req_body ? strlen(t->req_body) : 0,
		.has_response = t->status != 0,
		.status = t->status,
		.resp_ct = t->resp_ct ? t->resp_ct : "",
		.resp_ct_len = t->resp_ct ? strlen(t->resp_ct) : 0,
		.resp_body = t->resp_body ? t->resp_body : "",
		.resp_body_len = t->resp_body ? strlen(t->resp_body) : 0,
		.req_ts = t->ts,
		.req_end_ts = t->ts,
		.resp_ts = t->ts + 2000000,
		.client = addr,
	};
	ar_api_rec_build(&r, &v);
	assert_int_equal(ar_api_learn(c, &r), 0);
}

static struct ar_kv
kv(const char *n, const char *v)
{
	return (struct ar_kv){ n, v, (uint32_t)strlen(n), (uint32_t)strlen(v) };
}

struct listing {
	char lines[64][200];
	unsigned n;
};

static int
list_cb(void *user, const struct ar_api_endpoint_info *e)
{
	struct listing *l = user;
	if (l->n < 64)
		snprintf(l->lines[l->n++], sizeof(l->lines[0]), "%s %s %s %llu%s%s", e->site,
			 ar_api_method_name(e->method), e->template, (unsigned long long)e->calls,
			 e->owner ? " " : "", e->owner ? e->owner : "");
	return 0;
}

static void
list(const struct ar_api_catalog *c, struct listing *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(ar_api_foreach_endpoint(c, list_cb, l), 0);
}

#define S 1000000000ull

/* ---------------------------------------------------------------- */
/* Record building                                                   */
/* ---------------------------------------------------------------- */

static const char *
field_name(const struct ar_api_rec *r, unsigned i, char *buf)
{
	memcpy(buf, r->arena + r->fields[i].name_off, r->fields[i].name_len);
	buf[r->fields[i].name_len] = 0;
	return buf;
}

static void
test_record_from_transaction(void **state)
{
	(void)state;
	static struct ar_api_rec r;
	struct ar_kv h[] = {
		kv("Host", "Shop.Example.TEST:8080"),
		kv("User-Agent", "x"),
		kv("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
		kv("X-Request-Id", "abc"),
		kv("Cookie", "theme=dark; sessionid=s3cr3t"),
	};
	const char *body = "{\"qty\":2,\"price\":9.5,\"email\":\"a@b.example\",\"tags\":[\"x\"]}";
	uint8_t addr[4] = { 10, 1, 2, 3 };
	struct ar_api_tx_view v = {
		.method = "POST",
		.method_len = 4,
		.target = "/api/v1/orders?status=pending&limit=10",
		.target_len = strlen("/api/v1/orders?status=pending&limit=10"),
		.host = "Shop.Example.TEST:8080",
		.host_len = strlen("Shop.Example.TEST:8080"),
		.req_headers = h,
		.n_req_headers = 5,
		.req_ct = "application/json; charset=utf-8",
		.req_ct_len = strlen("application/json; charset=utf-8"),
		.req_body = body,
		.req_body_len = strlen(body),
		.has_response = true,
		.status = 201,
		.resp_ct = "",
		.req_ts = 5 * S,
		.req_end_ts = 5 * S,
		.resp_ts = 5 * S + 3000000,
		.client = addr,
	};
	ar_api_rec_build(&r, &v);
	char buf[256];
	assert_int_equal(r.method, AR_API_POST);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.latency_us, 3000);
	assert_int_equal(r.auth, AR_AUTH_BEARER_JWT);
	assert_true(r.ident != 0);
	assert_int_equal(r.host_len, strlen("shop.example.test"));
	assert_memory_equal(r.arena + r.host_off, "shop.example.test", r.host_len);
	assert_memory_equal(r.arena + r.path_off, "/api/v1/orders", r.path_len);
	assert_memory_equal(r.arena + r.req_ct_off, "application/json", r.req_ct_len);
	assert_true(r.flags & AR_API_R_REQ_JSON);
	/* query status (word sample), limit (integer), header, cookie theme, 6 JSON fields */
	const struct {
		const char *name;
		uint8_t where, type, fmt;
		bool sample;
	} want[] = {
		{ "status", AR_IN_QUERY, AR_TYPE_STRING, AR_FMT_NONE, true },
		{ "limit", AR_IN_QUERY, AR_TYPE_INTEGER, AR_FMT_NONE, false },
		{ "X-Request-Id", AR_IN_HEADER, AR_TYPE_STRING, AR_FMT_NONE, false },
		{ "theme", AR_IN_COOKIE, AR_TYPE_STRING, AR_FMT_NONE, false },
		{ "$", AR_IN_REQ_BODY, AR_TYPE_OBJECT, AR_FMT_NONE, false },
		{ "$.qty", AR_IN_REQ_BODY, AR_TYPE_INTEGER, AR_FMT_NONE, false },
		{ "$.price", AR_IN_REQ_BODY, AR_TYPE_NUMBER, AR_FMT_NONE, false },
		{ "$.email", AR_IN_REQ_BODY, AR_TYPE_STRING, AR_FMT_EMAIL, false },
		{ "$.tags", AR_IN_REQ_BODY, AR_TYPE_ARRAY, AR_FMT_NONE, false },
		{ "$.tags[]", AR_IN_REQ_BODY, AR_TYPE_STRING, AR_FMT_NONE, true },
	};
	assert_int_equal(r.n_fields, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < r.n_fields; i++) {
		assert_string_equal(field_name(&r, i, buf), want[i].name);
		assert_int_equal(r.fields[i].where, want[i].where);
		assert_int_equal(r.fields[i].type, want[i].type);
		assert_int_equal(r.fields[i].fmt, want[i].fmt);
		assert_int_equal(!!(r.fields[i].flags & AR_API_F_VALUE), want[i].sample);
	}
	/* the session cookie is the credential, not a parameter, and its value is not kept */
	assert_null(memmem(r.arena, r.arena_len, "s3cr3t", 6));
	assert_int_equal(r.auth_name_len, 0);
}

static void
test_record_api_key_header_and_absolute_target(void **state)
{
	(void)state;
	static struct ar_api_rec r;
	struct ar_kv h[] = { kv("X-API-Key", "k-123456789") };
	const char *t = "http://API.example.test:81/v2/things?x=1";
	struct ar_api_tx_view v = {
		.method = "GET",
		.method_len = 3,
		.target = t,
		.target_len = strlen(t),
		.host = "",
		.req_headers = h,
		.n_req_headers = 1,
	};
	ar_api_rec_build(&r, &v);
	assert_int_equal(r.auth, AR_AUTH_APIKEY_HEADER);
	assert_memory_equal(r.arena + r.auth_name_off, "X-API-Key", r.auth_name_len);
	assert_memory_equal(r.arena + r.host_off, "api.example.test", r.host_len);
	assert_memory_equal(r.arena + r.path_off, "/v2/things", r.path_len);
	assert_int_equal(r.n_fields, 1);
	assert_false(r.flags & AR_API_R_RESPONSE);
}

/* ---------------------------------------------------------------- */
/* Catalog                                                           */
/* ---------------------------------------------------------------- */

static void
test_endpoints_and_events(void **state)
{
	(void)state;
	static struct ev_log log;
	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	char target[128], body[128];
	for (int i = 0; i < 20; i++) {
		snprintf(target, sizeof(target), "/api/v1/users/%d?page=%d", 100 + i, i);
		snprintf(body, sizeof(body), "{\"id\":%d,\"name\":\"n%d\"}", 100 + i, i);
		struct tx t = { .method = "GET",
				.target = target,
				.host = "shop.test",
				.status = 200,
				.resp_ct = "application/json",
				.resp_body = body,
				.client = (uint8_t)i,
				.ts = (uint64_t)(10 + i) * S };
		learn(c, &t);
	}
	struct tx me = { .method = "GET",
			 .target = "/api/v1/users/me",
			 .host = "shop.test",
			 .status = 200,
			 .ts = 40 * S };
	learn(c, &me);
	struct listing l;
	list(c, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.lines[0], "shop.test GET /api/v1/users/me 1");
	assert_string_equal(l.lines[1], "shop.test GET /api/v1/users/{userId} 20");
	assert_int_equal(count_change(&log, AR_API_NEW_ENDPOINT), 2);
	assert_int_equal(count_change(&log, AR_API_NEW_PARAM), 0);

	/* a new query parameter and a type change in the response */
	struct tx t2 = { .method = "GET",
			 .target = "/api/v1/users/7?page=1&sort=name",
			 .host = "shop.test",
			 .status = 200,
			 .resp_ct = "application/json",
			 .resp_body = "{\"id\":\"u-7\",\"name\":\"x\"}",
			 .ts = 50 * S };
	learn(c, &t2);
	assert_int_equal(count_change(&log, AR_API_NEW_PARAM), 1);
	assert_int_equal(count_change(&log, AR_API_TYPE_CHANGE), 1);
	for (unsigned i = 0; i < log.n; i++) {
		if (log.ev[i].change == AR_API_NEW_PARAM) {
			assert_string_equal(log.ev[i].name, "sort");
			assert_string_equal(log.ev[i].where, "query");
			assert_string_equal(log.ev[i].type, "string");
		}
		if (log.ev[i].change == AR_API_TYPE_CHANGE) {
			assert_string_equal(log.ev[i].name, "$.id");
			assert_string_equal(log.ev[i].where, "response_body");
			assert_string_equal(log.ev[i].old_type, "integer");
			assert_string_equal(log.ev[i].type, "integer|string");
		}
	}
	const struct ar_api_stats *st = ar_api_stats(c);
	assert_int_equal(st->records, 22);
	assert_int_equal(st->sites, 1);
	assert_int_equal(st->endpoints, 2);
	ar_api_catalog_free(c);
}

static void
test_owner_and_zombie(void **state)
{
	(void)state;
	static struct ev_log log;
	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	assert_int_equal(ar_api_owner_add(c, "*", "/pay", "Payments", "pay@example.test"), 0);
	assert_int_equal(ar_api_owner_add(c, "shop.test", "", "Shop", "shop@example.test"), 0);
	struct tx a = { .method = "POST",
			.target = "/pay/charges",
			.host = "shop.test",
			.status = 201,
			.ts = 1 * S };
	struct tx b = {
		.method = "GET", .target = "/cart", .host = "shop.test", .status = 200, .ts = 2 * S
	};
	struct tx d = { .method = "GET",
			.target = "/payments",
			.host = "other.test",
			.status = 200,
			.ts = 3 * S };
	learn(c, &a);
	learn(c, &b);
	learn(c, &d);
	struct listing l;
	list(c, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.lines[0], "other.test GET /payments 1");
	assert_string_equal(l.lines[1], "shop.test GET /cart 1 Shop");
	assert_string_equal(l.lines[2], "shop.test POST /pay/charges 1 Payments");
	assert_string_equal(log.ev[0].owner, "Payments");

	/* an hour later /cart is called again; the other two are zombies */
	struct tx b2 = b;
	b2.ts = 3700 * S;
	learn(c, &b2);
	ar_api_tick(c, 3700 * S);
	assert_int_equal(count_change(&log, AR_API_ZOMBIE), 2);
	ar_api_tick(c, 7400 * S);
	assert_int_equal(count_change(&log, AR_API_ZOMBIE), 3);
	ar_api_catalog_free(c);
}

static char *
write_tmp(const char *text, const char *suffix)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/ar_test_XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_spec_shadow_unused_undocumented(void **state)
{
	(void)state;
	static struct ev_log log;
	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	const char *spec =
		"openapi: 3.0.3\n"
		"info: {title: t, version: '1'}\n"
		"servers: [{url: 'https://shop.test/api'}]\n"
		"paths:\n"
		"  /items/{id}:\n"
		"    get:\n"
		"      parameters:\n"
		"        - {$ref: '#/components/parameters/Trace'}\n"
		"        - {name: id, in: path, required: true, schema: {type: integer}}\n"
		"        - {name: fields, in: query, schema: {type: string}}\n"
		"      responses: {'200': {description: ok}}\n"
		"  /items:\n"
		"    post:\n"
		"      requestBody:\n"
		"        content:\n"
		"          application/json:\n"
		"            schema: {$ref: '#/components/schemas/Item'}\n"
		"      responses: {'201': {description: ok}}\n"
		"    get:\n"
		"      responses: {'200': {description: ok}}\n"
		"components:\n"
		"  parameters:\n"
		"    Trace: {name: X-Trace, in: header, schema: {type: string}}\n"
		"  schemas:\n"
		"    Item: {type: object, properties: {name: {type: string}}}\n";
	char *path = write_tmp(spec, ".yaml");
	char err[256];
	assert_int_equal(ar_api_spec_load(c, "shop.test", path, err, sizeof(err)), 0);
	unlink(path);
	/* a parameter given by $ref, first in its list, is documented */
	struct tx t1 = { .method = "GET",
			 .target = "/api/items/5?fields=a&debug=1",
			 .host = "shop.test",
			 .hdrs = { { "x-trace", "t1", 7, 2 } },
			 .n_hdrs = 1,
			 .status = 200,
			 .ts = 1 * S };
	struct tx t2 = { .method = "POST",
			 .target = "/api/items",
			 .host = "shop.test",
			 .req_ct = "application/json",
			 .req_body = "{\"name\":\"a\",\"admin\":true}",
			 .status = 201,
			 .ts = 2 * S };
	struct tx t3 = { .method = "DELETE",
			 .target = "/api/items/5",
			 .host = "shop.test",
			 .status = 204,
			 .ts = 3 * S };
	learn(c, &t1);
	learn(c, &t2);
	learn(c, &t3);
	assert_int_equal(count_change(&log, AR_API_SHADOW), 1);
	assert_int_equal(count_change(&log, AR_API_UNDOCUMENTED), 2);
	for (unsigned i = 0; i < log.n; i++) {
		if (log.ev[i].change == AR_API_SHADOW) {
			assert_int_equal(log.ev[i].method, AR_API_DELETE);
			assert_string_equal(log.ev[i].tmpl, "/api/items/{itemId}");
		}
	}
	unsigned u = 0;
	for (unsigned i = 0; i < log.n; i++)
		if (log.ev[i].change == AR_API_UNDOCUMENTED)
			assert_string_equal(log.ev[i].name, u++ == 0 ? "debug" : "$.admin");
	assert_int_equal(ar_api_spec_report(c), 1); /* GET /api/items */
	assert_int_equal(log.ev[log.n - 1].change, AR_API_UNUSED);
	assert_string_equal(log.ev[log.n - 1].tmpl, "/api/items");

	/* a file that is not a spec is refused with its name */
	char *bad = write_tmp("a: 1\n", ".yaml");
	assert_int_equal(ar_api_spec_load(c, "shop.test", bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an OpenAPI 3 document"));
	unlink(bad);
	ar_api_catalog_free(c);
}

/* ---------------------------------------------------------------- */
/* Persistence and OpenAPI                                           */
/* ---------------------------------------------------------------- */

struct kvstore {
	unsigned n;
	struct {
		unsigned cf;
		size_t klen, vlen;
		char *key, *val;
	} e[256];
};

static int
put_cb(void *user, unsigned cf, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct kvstore *s = user;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->e[i].cf == cf && s->e[i].klen == klen &&
		    memcmp(s->e[i].key, key, klen) == 0) {
			free(s->e[i].val);
			if (val == NULL) {
				free(s->e[i].key);
				s->e[i] = s->e[--s->n];
				return 0;
			}
			s->e[i].val = malloc(vlen);
			memcpy(s->e[i].val, val, vlen);
			s->e[i].vlen = vlen;
			return 0;
		}
	}
	if (val == NULL)
		return 0;
	assert_true(s->n < 256);
	s->e[s->n].cf = cf;
	s->e[s->n].klen = klen;
	s->e[s->n].key = malloc(klen);
	memcpy(s->e[s->n].key, key, klen);
	s->e[s->n].vlen = vlen;
	s->e[s->n].val = malloc(vlen);
	memcpy(s->e[s->n].val, val, vlen);
	s->n++;
	return 0;
}

static void
kv_free(struct kvstore *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		free(s->e[i].key);
		free(s->e[i].val);
	}
	s->n = 0;
}

static void
load_all(struct ar_api_catalog *c, const struct kvstore *s)
{
	for (unsigned cf = 0; cf < AR_API_CF_MAX; cf++)
		for (unsigned i = 0; i < s->n; i++)
			if (s->e[i].cf == cf)
				assert_int_equal(ar_api_load(c, cf, s->e[i].key, s->e[i].klen,
							     s->e[i].val, s->e[i].vlen),
						 0);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strdup(buf);
}

static void
shop_traffic(struct ar_api_catalog *c, int from, int to)
{
	char target[128], body[160];
	for (int i = from; i < to; i++) {
		snprintf(target, sizeof(target), "/v1/orders/%d", 1000 + i);
		snprintf(body, sizeof(body),
			 "{\"id\":%d,\"state\":\"%s\",\"created\":\"2024-05-0%dT10:00:00Z\"}",
			 1000 + i, i % 2 ? "open" : "paid", 1 + i % 9);
		struct tx t = { .method = "GET",
				.target = target,
				.host = "shop.test",
				.status = 200,
				.resp_ct = "application/json",
				.resp_body = body,
				.client = (uint8_t)i,
				.ts = (uint64_t)(100 + i) * S };
		learn(c, &t);
		struct tx p = { .method = "POST",
				.target = "/v1/orders",
				.host = "shop.test",
				.req_ct = "application/json",
				.req_body = "{\"items\":[{\"sku\":\"a\",\"qty\":1}]}",
				.status = 201,
				.client = (uint8_t)i,
				.ts = (uint64_t)(100 + i) * S + 1 };
		learn(c, &p);
	}
}

static void
test_save_load_round_trip(void **state)
{
	(void)state;
	static struct ev_log log;
	static struct kvstore kv1;
	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *a = new_catalog(&log);
	shop_traffic(a, 0, 12);
	assert_int_equal(ar_api_save(a, false, put_cb, &kv1), 3); /* 1 site, 2 endpoints */
	assert_int_equal(ar_api_save(a, false, put_cb, &kv1), 0); /* nothing changed */

	struct ar_api_catalog *b = new_catalog(&log);
	load_all(b, &kv1);
	struct listing la, lb;
	list(a, &la);
	list(b, &lb);
	assert_int_equal(la.n, 2);
	assert_int_equal(lb.n, 2);
	for (unsigned i = 0; i < la.n; i++)
		assert_string_equal(la.lines[i], lb.lines[i]);
	assert_string_equal(la.lines[0], "shop.test POST /v1/orders 12");
	assert_string_equal(la.lines[1], "shop.test GET /v1/orders/{orderId} 12");

	/* the same document from the original and from the reloaded catalog */
	char pa[] = "/tmp/ar_oa_XXXXXX", pb[] = "/tmp/ar_ob_XXXXXX";
	close(mkstemp(pa));
	close(mkstemp(pb));
	assert_int_equal(ar_api_openapi_write(a, "shop.test", AR_DOC_JSON, pa), 0);
	assert_int_equal(ar_api_openapi_write(b, "shop.test", AR_DOC_JSON, pb), 0);
	char *ja = slurp(pa), *jb = slurp(pb);
	assert_string_equal(ja, jb);

	/* the union: more traffic on the reloaded catalog continues its counts */
	shop_traffic(b, 12, 20);
	list(b, &lb);
	assert_string_equal(lb.lines[0], "shop.test POST /v1/orders 20");
	assert_string_equal(lb.lines[1], "shop.test GET /v1/orders/{orderId} 20");

	/* a key that does not decode is counted and skipped */
	assert_int_equal(
		ar_api_load(b, AR_API_CF_ENDPOINTS, "shop.test\0GET\0/x", 16, "\x01\x02", 2),
		-EINVAL);
	assert_int_equal(ar_api_stats(b)->load_errors, 1);
	free(ja);
	free(jb);
	unlink(pa);
	unlink(pb);
	kv_free(&kv1);
	ar_api_catalog_free(a);
	ar_api_catalog_free(b);
}

static void
test_openapi_document(void **state)
{
	(void)state;
	static struct ev_log log;
	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	shop_traffic(c, 0, 12);
	char dir[] = "/tmp/ar_oad_XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ar_api_openapi_write_all(c, AR_DOC_YAML, dir), 1);
	char path[128];
	snprintf(path, sizeof(path), "%s/shop.test.yaml", dir);
	char err[256];
	struct ar_conf *doc = ar_conf_load(path, err, sizeof(err));
	assert_non_null(doc);
	assert_string_equal(ar_conf_get(doc, "openapi")->value, "3.0.3");
	const struct ar_conf *paths = ar_conf_get(doc, "paths");
	const struct ar_conf *item = ar_conf_get(paths, "/v1/orders/{orderId}");
	assert_non_null(item);
	const struct ar_conf *pp = ar_conf_get(item, "parameters")->child;
	assert_string_equal(ar_conf_get(pp, "name")->value, "orderId");
	assert_string_equal(ar_conf_get(pp, "in")->value, "path");
	assert_string_equal(ar_conf_path(pp, "schema.type")->value, "integer");
	const struct ar_conf *get = ar_conf_get(item, "get");
	const struct ar_conf *schema =
		ar_conf_path(ar_conf_get(ar_conf_get(get, "responses"), "200"), "content");
	schema = ar_conf_path(ar_conf_get(schema, "application/json"), "schema");
	assert_string_equal(ar_conf_get(schema, "type")->value, "object");
	assert_string_equal(ar_conf_path(schema, "properties.created.format")->value, "date-time");
	assert_string_equal(ar_conf_path(schema, "properties.id.type")->value, "integer");
	const struct ar_conf *post = ar_conf_path(paths, "/v1/orders");
	post = ar_conf_get(post, "post");
	const struct ar_conf *rb = ar_conf_path(ar_conf_get(post, "requestBody"), "content");
	rb = ar_conf_path(ar_conf_get(rb, "application/json"), "schema");
	assert_string_equal(ar_conf_path(rb, "properties.items.type")->value, "array");
	assert_string_equal(ar_conf_path(rb, "properties.items.items.properties.qty.type")->value,
			    "integer");
	assert_string_equal(ar_conf_path(post, "x-apiradar.calls")->value, "12");
	ar_conf_free(doc);
	unlink(path);
	rmdir(dir);
	ar_api_catalog_free(c);
}

/* The parameters of operation @method of @item, by name, joined with ','. */
static void
param_names(const struct ar_conf *item, const char *method, char *out, size_t cap)
{
	const struct ar_conf *ps = ar_conf_get(ar_conf_get(item, method), "parameters");
	size_t o = 0;

	out[0] = '\0';
	for (const struct ar_conf *p = ps ? ps->child : NULL; p != NULL; p = p->next)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "",
				      ar_conf_get(p, "name")->value);
}

/*
 * Two credentials in the query (key= and token=, in either order): the
 * first is the call's credential, both are recorded by name only, and the
 * document names one in the site's security scheme and lists the other as
 * a parameter of every operation.
 */
static void
test_query_credentials(void **state)
{
	(void)state;
	static struct ar_api_rec r;
	static struct ev_log log;
	const char *t = "/v1/items?key=KEYVALUE1234&token=TOKENVALUE99";
	struct ar_api_tx_view v = {
		.method = "GET",
		.method_len = 3,
		.target = t,
		.target_len = strlen(t),
		.host = "keys.test",
		.host_len = 9,
	};
	char buf[256];

	ar_api_rec_build(&r, &v);
	assert_int_equal(r.auth, AR_AUTH_APIKEY_QUERY);
	assert_memory_equal(r.arena + r.auth_name_off, "key", r.auth_name_len);
	assert_int_equal(r.n_fields, 2);
	assert_string_equal(field_name(&r, 0, buf), "key");
	assert_string_equal(field_name(&r, 1, buf), "token");
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(r.fields[i].where, AR_IN_QUERY);
		assert_false(r.fields[i].flags & AR_API_F_VALUE);
	}
	assert_null(memmem(r.arena, r.arena_len, "KEYVALUE", 8));
	assert_null(memmem(r.arena, r.arena_len, "TOKENVALUE", 10));

	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	struct tx a = { .method = "GET", .target = t, .host = "keys.test", .status = 200 };
	struct tx b = { .method = "GET",
			.target = "/v1/things?token=TOKENVALUE98&key=KEYVALUE1235",
			.host = "keys.test",
			.status = 200,
			.ts = S };
	learn(c, &a);
	learn(c, &b);
	char dir[] = "/tmp/ar_oad_XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ar_api_openapi_write_all(c, AR_DOC_YAML, dir), 1);
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/keys.test.yaml", dir);
	struct ar_conf *doc = ar_conf_load(path, err, sizeof(err));
	assert_non_null(doc);
	assert_string_equal(ar_conf_path(doc, "components.securitySchemes.apiKeyQuery.name")->value,
			    "key");
	param_names(ar_conf_path(ar_conf_get(doc, "paths"), "/v1/items"), "get", buf, sizeof(buf));
	assert_string_equal(buf, "token");
	param_names(ar_conf_path(ar_conf_get(doc, "paths"), "/v1/things"), "get", buf, sizeof(buf));
	assert_string_equal(buf, "token");
	ar_conf_free(doc);
	unlink(path);
	rmdir(dir);
	ar_api_catalog_free(c);
}

static void
test_caps_are_counted(void **state)
{
	(void)state;
	static struct ev_log log;
	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	/* 17 status codes: the endpoint keeps 16 */
	for (int i = 0; i < 17; i++) {
		struct tx t = { .method = "GET",
				.target = "/s",
				.host = "caps.test",
				.status = (uint16_t)(200 + i),
				.ts = (uint64_t)(1 + i) * S };
		learn(c, &t);
	}
	assert_int_equal(ar_api_stats(c)->statuses_capped, 1);
	/* 5 response content types of one status: it keeps 4 */
	static const char *const cts[] = { "text/plain", "text/html", "text/csv", "image/png",
					   "image/gif" };
	for (int i = 0; i < 5; i++) {
		struct tx t = { .method = "GET",
				.target = "/c",
				.host = "caps.test",
				.status = 200,
				.resp_ct = cts[i],
				.ts = (uint64_t)(30 + i) * S };
		learn(c, &t);
	}
	assert_int_equal(ar_api_stats(c)->ctypes_capped, 1);
	/* 100 members: "$" and 95 of them fit in a record's 96 fields; the record is cut */
	char body[2048];
	size_t n = 0;
	body[n++] = '{';
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\"k%d\":%d", i ? "," : "", i,
				      i);
	body[n++] = '}';
	body[n] = 0;
	struct tx t = { .method = "POST",
			.target = "/f",
			.host = "caps.test",
			.req_ct = "application/json",
			.req_body = body,
			.ts = 40 * S };
	learn(c, &t);
	assert_int_equal(ar_api_stats(c)->records_cut, 1);
	/* findings beyond AR_API_REC_HITS */
	static struct ar_api_rec r;
	ar_api_rec_init(&r);
	for (int i = 0; i < AR_API_REC_HITS + 1; i++)
		ar_api_rec_hit(&r, 100 + (uint32_t)i, false, 2, "query:q", 7, "sqli", 4);
	assert_int_equal(r.n_hits, AR_API_REC_HITS);
	assert_int_equal(r.hits_cut, 1);
	ar_api_catalog_free(c);
}

/* Whether record @r has a request-body field named @name. */
static bool
rec_has_body_field(const struct ar_api_rec *r, const char *name)
{
	for (unsigned i = 0; i < r->n_fields; i++) {
		const struct ar_api_field *f = &r->fields[i];

		if (f->where == AR_IN_REQ_BODY && f->name_len == strlen(name) &&
		    memcmp(r->arena + f->name_off, name, f->name_len) == 0)
			return true;
	}
	return false;
}

static void
test_record_keeps_room_for_top_level_members(void **state)
{
	(void)state;
	/* a nested object of 90 members first, then three top-level members */
	static char body[2048];
	size_t n = (size_t)snprintf(body, sizeof(body), "{\"attendees\":{");
	for (int i = 0; i < 90; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\"a%d\":%d", i ? "," : "", i,
				      i);
	snprintf(body + n, sizeof(body) - n, "},\"summary\":\"x\",\"start\":1,\"end\":2}");
	uint8_t addr[4] = { 10, 0, 0, 1 };
	struct ar_api_tx_view v = {
		.method = "POST",
		.method_len = 4,
		.target = "/calendars/events",
		.target_len = 17,
		.host = "cal.test",
		.host_len = 8,
		.req_ct = "application/json",
		.req_ct_len = 16,
		.req_body = body,
		.req_body_len = strlen(body),
		.client = addr,
	};
	static struct ar_api_rec r;
	ar_api_rec_build(&r, &v);
	/* "$", "$.attendees" and 70 of its members fill three quarters; the rest is kept */
	assert_int_equal(r.n_fields, 72 + 3);
	assert_true(rec_has_body_field(&r, "$.attendees.a69"));
	assert_false(rec_has_body_field(&r, "$.attendees.a70"));
	assert_true(rec_has_body_field(&r, "$.summary"));
	assert_true(rec_has_body_field(&r, "$.start"));
	assert_true(rec_has_body_field(&r, "$.end"));
	assert_int_equal(r.fields_cut, 20);
	assert_true(r.flags & AR_API_R_CUT);
}

static void
test_word_merge_counted_and_endpoints_moved(void **state)
{
	(void)state;
	static struct ev_log log;
	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	static const char *const names[] = { "mariaholt", "kbrennan", "zoltanv", "ayasato" };
	char target[64];
	for (int i = 0; i < 4; i++) {
		snprintf(target, sizeof(target), "/people/%s", names[i]);
		struct tx t = { .method = "GET",
				.target = target,
				.host = "words.test",
				.status = 200,
				.client = (uint8_t)i,
				.ts = (uint64_t)(1 + i) * S };
		learn(c, &t);
	}
	struct listing l;
	list(c, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.lines[0], "words.test GET /people/{peopleId} 4");
	const struct ar_api_stats *st = ar_api_stats(c);
	assert_int_equal(st->merges, 1);
	assert_int_equal(st->splits, 0);
	assert_int_equal(st->endpoints, 1);
	assert_int_equal(count_change(&log, AR_API_MERGED), 1);
	ar_api_catalog_free(c);
}

/* Learns @method @target from client @client at second @sec. */
static void
learn_path(struct ar_api_catalog *c, const char *method, const char *target, uint8_t client,
	   uint64_t sec)
{
	struct tx t = { .method = method,
			.target = target,
			.host = "orgs.test",
			.status = 200,
			.client = client,
			.ts = sec * S };
	learn(c, &t);
}

/*
 * Sub-resources merged while rare, then un-merged: each gets back, as an
 * endpoint of the catalog, every method and sub-path it was called with
 * under the parameter; the merged endpoints go.
 */
static void
test_word_split_gives_endpoints_back(void **state)
{
	(void)state;
	static struct ev_log log;
	static const char *const res[] = { "north", "south", "east", "west", "upper", "lower" };
	static const char *const sub[] = { "settings", "history", "status",
					   "config",   "stats",   "billing" };
	struct listing l;
	char target[64];
	uint64_t sec = 1;

	memset(&log, 0, sizeof(log));
	struct ar_api_catalog *c = new_catalog(&log);
	for (unsigned i = 0; i < 6; i++) {
		snprintf(target, sizeof(target), "/orgs/%u/%s", 10 + i, res[i]);
		learn_path(c, "GET", target, 1, sec++);
	}
	for (unsigned i = 0; i < 6; i++) {
		snprintf(target, sizeof(target), "/orgs/%u/%s/%s", 20 + i, res[i], sub[i]);
		learn_path(c, "PUT", target, 2, sec++);
	}
	list(c, &l);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.lines[0], "orgs.test GET /orgs/{orgId}/{orgId2} 6");
	assert_string_equal(l.lines[1], "orgs.test PUT /orgs/{orgId}/{orgId2}/billing 1");
	for (unsigned i = 0; i < 5; i++) {
		snprintf(target, sizeof(target), "/orgs/%u/%s", 30 + i, res[i]);
		learn_path(c, "GET", target, 3, sec++);
	}
	const struct ar_api_stats *st = ar_api_stats(c);
	assert_int_equal(st->merges, 1);
	assert_int_equal(st->splits, 1);
	assert_int_equal(st->endpoints, 12);
	assert_int_equal(count_change(&log, AR_API_SPLIT), 7);
	/* 5 literals before the merge (the parameter's GET is theirs), 6 PUTs, 12 given back */
	assert_int_equal(count_change(&log, AR_API_NEW_ENDPOINT), 5 + 6 + 12);
	list(c, &l);
	assert_int_equal(l.n, 12);
	/* sorted by template: the split took upper's third call, the others come later */
	assert_string_equal(l.lines[0], "orgs.test GET /orgs/{orgId}/east 0");
	assert_string_equal(l.lines[1], "orgs.test PUT /orgs/{orgId}/east/status 0");
	assert_string_equal(l.lines[2], "orgs.test GET /orgs/{orgId}/lower 0");
	assert_string_equal(l.lines[3], "orgs.test PUT /orgs/{orgId}/lower/billing 0");
	assert_string_equal(l.lines[8], "orgs.test GET /orgs/{orgId}/upper 1");
	assert_string_equal(l.lines[9], "orgs.test PUT /orgs/{orgId}/upper/stats 0");
	learn_path(c, "PUT", "/orgs/7/lower/billing", 4, sec++);
	list(c, &l);
	assert_string_equal(l.lines[3], "orgs.test PUT /orgs/{orgId}/lower/billing 1");
	ar_api_catalog_free(c);
}

static void
test_percent_decoding_and_its_cap(void **state)
{
	(void)state;
	char out[API_DECODE_MAX], in[3 * API_DECODE_MAX + 4];
	assert_int_equal(api_pct_decode("a%41+b%2B", 9, out, 16, true), 5);
	assert_memory_equal(out, "aA b+", 5);
	assert_int_equal(api_pct_decode("a%41+b%zz", 9, out, 16, false), 7);
	assert_memory_equal(out, "aA+b%zz", 7);
	/* 128 escapes are 384 bytes that decode to 128: they fit, one more does not */
	for (int i = 0; i < 129; i++)
		memcpy(in + 3 * i, "%41", 3);
	assert_int_equal(api_pct_decode(in, 384, out, 128, false), 128);
	assert_int_equal(out[0], 'A');
	assert_int_equal(out[127], 'A');
	assert_int_equal(api_pct_decode(in, 387, out, 128, false), SIZE_MAX);
	memset(in, 'a', 300);
	assert_int_equal(api_pct_decode(in, 300, out, 256, false), SIZE_MAX);
	assert_int_equal(api_pct_decode(in, 256, out, 256, false), 256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_from_transaction),
		cmocka_unit_test(test_percent_decoding_and_its_cap),
		cmocka_unit_test(test_record_api_key_header_and_absolute_target),
		cmocka_unit_test(test_endpoints_and_events),
		cmocka_unit_test(test_owner_and_zombie),
		cmocka_unit_test(test_spec_shadow_unused_undocumented),
		cmocka_unit_test(test_save_load_round_trip),
		cmocka_unit_test(test_openapi_document),
		cmocka_unit_test(test_query_credentials),
		cmocka_unit_test(test_caps_are_counted),
		cmocka_unit_test(test_record_keeps_room_for_top_level_members),
		cmocka_unit_test(test_word_merge_counted_and_endpoints_moved),
		cmocka_unit_test(test_word_split_gives_endpoints_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
