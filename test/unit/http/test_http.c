/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http unit tests. The exchange table is fed whole, split in two at
 * every byte boundary, and one byte at a time; every run must give the
 * expected transactions, and all runs of a case must give identical
 * transactions, anomaly events and counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first */
// clang-format off
#include <cmocka.h>
// clang-format on

#include <ar_http.h>

/* ---- recording ------------------------------------------------------ */

#define MAX_REC 12

struct rec_tx {
	uint64_t tx_id, req_ts, req_end_ts, resp_ts, resp_end_ts;
	uint64_t req_wire, resp_wire, req_body_len, resp_body_len;
	uint32_t flags, anomalies;
	uint16_t status;
	uint8_t method_id, version;
	uint16_t n_headers[2];
	char method[32], uri[512], protocol[32], host[64], ua[64], referer[64], req_ct[64];
	char resp_protocol[32], reason[64], resp_ct[64], location[64];
	char hdrs[2][1024];
	char body[2][64];
};

struct result {
	struct rec_tx tx[MAX_REC];
	unsigned n;
	uint32_t an_events[2][AR_HTTP_AN_MAX];
	struct ar_http_stats stats;
};

static void
copy_str(char *dst, size_t cap, const struct ar_http_tx *tx, enum ar_http_side side,
	 struct ar_http_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, ar_http_tx_str(tx, side, s), n);
	dst[n] = '\0';
}

static void
rec_headers(char *dst, size_t cap, const struct ar_http_tx *tx, enum ar_http_side side)
{
	uint32_t pos = 0, nl, vl;
	const char *name, *value;
	size_t used = 0;

	dst[0] = '\0';
	while (ar_http_tx_header_next(tx, side, &pos, &name, &nl, &value, &vl)) {
		int w = snprintf(dst + used, cap - used, "%.*s: %.*s\n", (int)nl, name, (int)vl,
				 value);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

static void
on_tx(void *ctx, void *conn_user, const struct ar_http_tx *tx)
{
	struct result *r = ctx;
	struct rec_tx *t;

	(void)conn_user;
	assert_true(r->n < MAX_REC);
	t = &r->tx[r->n++];
	memset(t, 0, sizeof(*t));
	t->tx_id = tx->tx_id;
	t->req_ts = tx->req_ts;
	t->req_end_ts = tx->req_end_ts;
	t->resp_ts = tx->resp_ts;
	t->resp_end_ts = tx->resp_end_ts;
	t->req_wire = tx->req_wire_bytes;
	t->resp_wire = tx->resp_wire_bytes;
	t->req_body_len = tx->req_body_len;
	t->resp_body_len = tx->resp_body_len;
	t->flags = tx->flags;
	t->anomalies = tx->anomalies;
	t->status = tx->status;
	t->method_id = tx->method_id;
	t->version = tx->version;
	t->n_headers[0] = tx->n_headers[0];
	t->n_headers[1] = tx->n_headers[1];
#define CP(f, side, s) copy_str(t->f, sizeof(t->f), tx, side, tx->s)
	CP(method, AR_HTTP_REQ, method);
	CP(uri, AR_HTTP_REQ, uri);
	CP(protocol, AR_HTTP_REQ, protocol);
	CP(host, AR_HTTP_REQ, host);
	CP(ua, AR_HTTP_REQ, user_agent);
	CP(referer, AR_HTTP_REQ, referer);
	CP(req_ct, AR_HTTP_REQ, req_content_type);
	CP(resp_protocol, AR_HTTP_RESP, resp_protocol);
	CP(reason, AR_HTTP_RESP, reason);
	CP(resp_ct, AR_HTTP_RESP, resp_content_type);
	CP(location, AR_HTTP_RESP, location);
	CP(body[0], AR_HTTP_REQ, body[0]);
	CP(body[1], AR_HTTP_RESP, body[1]);
#undef CP
	rec_headers(t->hdrs[0], sizeof(t->hdrs[0]), tx, AR_HTTP_REQ);
	rec_headers(t->hdrs[1], sizeof(t->hdrs[1]), tx, AR_HTTP_RESP);
}

static void
on_anomaly(void *ctx, void *conn_user, enum ar_http_side side, enum ar_http_anomaly an,
	   uint64_t tx_id)
{
	struct result *r = ctx;

	(void)conn_user;
	(void)tx_id;
	r->an_events[side][an]++;
}

static const struct ar_http_tx_ops ops = { .on_tx = on_tx, .on_anomaly = on_anomaly };

static const struct ar_http_params base_params = {
	.limits = { .max_line = 200, .max_header_count = 8, .max_header_bytes = 400 },
	.arena_size = 1024,
	.body_capture = 32,
	.max_tx = 8,
	.max_pipeline = 4,
	.log_headers = true,
};

/* ---- scripts -------------------------------------------------------- */

enum {
	OP_END = 0,
	OP_REQ,
	OP_RESP,
	OP_EOF_REQ,
	OP_EOF_RESP,
	OP_GAP_REQ,
	OP_GAP_RESP
};

struct step {
	int op;
	const char *data;
	size_t len;
};

#define REQ(s)                                                                                     \
	{                                                                                          \
		OP_REQ, s, sizeof(s) - 1                                                           \
	}
#define RESP(s)                                                                                    \
	{                                                                                          \
		OP_RESP, s, sizeof(s) - 1                                                          \
	}
#define EOF_RESP                                                                                   \
	{                                                                                          \
		OP_EOF_RESP, NULL, 0                                                               \
	}
#define LEN(s) (sizeof(s) - 1)

struct exp_tx {
	const char *method, *uri, *protocol, *host, *ua, *req_ct;
	const char *resp_protocol, *reason, *resp_ct, *location;
	const char *req_hdrs, *resp_hdrs, *req_body, *resp_body;
	uint16_t status;
	uint8_t method_id, version;
	uint32_t flags, anomalies;
	uint64_t req_wire, resp_wire, req_body_len, resp_body_len;
	uint16_t nh_req, nh_resp;
};

struct tcase {
	const char *name;
	struct step steps[8];
	const struct exp_tx *exp;
	unsigned n_exp;
};

static void
run(const struct ar_http_params *params, const struct step *steps, int mode, size_t split_at,
    struct result *r)
{
	struct ar_http_ctx *ctx;
	struct ar_http_conn conn;
	size_t off = 0;
	uint64_t ts = 0;

	memset(r, 0, sizeof(*r));
	ctx = ar_http_ctx_create(params, &ops, r);
	assert_non_null(ctx);
	ar_http_conn_init(&conn, ctx, NULL);
	for (const struct step *st = steps; st->op != OP_END; st++) {
		enum ar_http_side side =
			(st->op == OP_REQ || st->op == OP_EOF_REQ || st->op == OP_GAP_REQ) ?
				AR_HTTP_REQ :
				AR_HTTP_RESP;
		const uint8_t *d = (const uint8_t *)st->data;
		ts += 1000;
		switch (st->op) {
		case OP_REQ:
		case OP_RESP:
			if (mode == 0) {
				ar_http_conn_data(&conn, side, d, st->len, ts);
			} else if (mode == 1) {
				if (split_at > off && split_at < off + st->len) {
					size_t k = split_at - off;
					ar_http_conn_data(&conn, side, d, k, ts);
					ar_http_conn_data(&conn, side, d + k, st->len - k, ts);
				} else {
					ar_http_conn_data(&conn, side, d, st->len, ts);
				}
			} else {
				for (size_t i = 0; i < st->len; i++)
					ar_http_conn_data(&conn, side, d + i, 1, ts);
			}
			off += st->len;
			break;
		case OP_EOF_REQ:
		case OP_EOF_RESP:
			ar_http_conn_eof(&conn, side, ts);
			break;
		default:
			ar_http_conn_gap(&conn, side, st->len, ts);
			break;
		}
	}
	ar_http_conn_close(&conn, ts + 1000);
	r->stats = *ar_http_ctx_stats(ctx);
	assert_int_equal(r->stats.tx_live, 0);
	ar_http_ctx_free(ctx);
}

static size_t
script_bytes(const struct step *steps)
{
	size_t n = 0;

	for (const struct step *st = steps; st->op != OP_END; st++)
		if (st->op == OP_REQ || st->op == OP_RESP)
			n += st->len;
	return n;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			print_error("%s (mode %d split %zu) tx %u: ", tc->name, mode, split, i);   \
			print_error(__VA_ARGS__);                                                  \
			print_error("\n");                                                         \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_STR(field, want)                                                                     \
	CHECK(strcmp(t->field, (want) ? (want) : "") == 0, #field ": got \"%s\" want \"%s\"",      \
	      t->field, (want) ? (want) : "")
#define CHECK_NUM(field, want)                                                                     \
	CHECK((uint64_t)(field) == (uint64_t)(want), #field ": got %llu want %llu",                \
	      (unsigned long long)(field), (unsigned long long)(want))

static void
check_exp(const struct tcase *tc, const struct result *r, int mode, size_t split)
{
	unsigned i = 0;

	CHECK(r->n == tc->n_exp, "got %u transactions, want %u", r->n, tc->n_exp);
	for (i = 0; i < tc->n_exp; i++) {
		const struct rec_tx *t = &r->tx[i];
		const struct exp_tx *e = &tc->exp[i];
		CHECK_NUM(t->tx_id, i);
		CHECK_STR(method, e->method);
		CHECK_STR(uri, e->uri);
		CHECK_STR(protocol, e->protocol);
		CHECK_STR(host, e->host);
		CHECK_STR(ua, e->ua);
		CHECK_STR(req_ct, e->req_ct);
		CHECK_STR(resp_protocol, e->resp_protocol);
		CHECK_STR(reason, e->reason);
		CHECK_STR(resp_ct, e->resp_ct);
		CHECK_STR(location, e->location);
		CHECK_STR(hdrs[0], e->req_hdrs);
		CHECK_STR(hdrs[1], e->resp_hdrs);
		CHECK_STR(body[0], e->req_body);
		CHECK_STR(body[1], e->resp_body);
		CHECK_NUM(t->status, e->status);
		CHECK_NUM(t->method_id, e->method_id);
		CHECK_NUM(t->version, e->version);
		CHECK(t->flags == e->flags, "flags: got 0x%x want 0x%x", t->flags, e->flags);
		CHECK(t->anomalies == e->anomalies, "anomalies: got 0x%x want 0x%x", t->anomalies,
		      e->anomalies);
		CHECK_NUM(t->req_wire, e->req_wire);
		CHECK_NUM(t->resp_wire, e->resp_wire);
		CHECK_NUM(t->req_body_len, e->req_body_len);
		CHECK_NUM(t->resp_body_len, e->resp_body_len);
		CHECK_NUM(t->n_headers[0], e->nh_req);
		CHECK_NUM(t->n_headers[1], e->nh_resp);
	}
}

static void
check_same(const struct tcase *tc, const struct result *a, const struct result *b, int mode,
	   size_t split)
{
	unsigned i = 0;

	CHECK(a->n == b->n, "transaction count differs from the whole run");
	for (i = 0; i < a->n; i++)
		CHECK(memcmp(&a->tx[i], &b->tx[i], sizeof(a->tx[i])) == 0,
		      "transaction differs from the whole run (ts, content types...)");
	CHECK(memcmp(a->an_events, b->an_events, sizeof(a->an_events)) == 0,
	      "anomaly events differ from the whole run");
	CHECK(memcmp(&a->stats, &b->stats, sizeof(a->stats)) == 0,
	      "counters differ from the whole run");
}

static void
run_case(const struct tcase *tc)
{
	static struct result whole, other;
	size_t total = script_bytes(tc->steps);

	run(&base_params, tc->steps, 0, 0, &whole);
	check_exp(tc, &whole, 0, 0);
	for (size_t k = 1; k < total; k++) {
		run(&base_params, tc->steps, 1, k, &other);
		check_exp(tc, &other, 1, k);
		check_same(tc, &whole, &other, 1, k);
	}
	run(&base_params, tc->steps, 2, 0, &other);
	check_exp(tc, &other, 2, 0);
	check_same(tc, &whole, &other, 2, 0);
}

/* ---- the exchanges -------------------------------------------------- */

#define DONE   (AR_HTTP_TX_REQ_COMPLETE | AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_RESP_COMPLETE)
#define AN(x)  (1u << AR_HTTP_AN_##x)
#define M(x)   AR_HTTP_M_##x
#define S_OK0  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define S_OK0H "Content-Length: 0\n"

#define SG_REQ                                                                                     \
	"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nAccept: "        \
	"*/*\r\n\r\n"
#define SG_RESP "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"

static const struct exp_tx exp_simple_get[] = { {
	.method = "GET",
	.uri = "/index.html",
	.protocol = "HTTP/1.1",
	.host = "example.com",
	.ua = "curl/8.0",
	.resp_protocol = "HTTP/1.1",
	.reason = "OK",
	.resp_ct = "text/html",
	.req_hdrs = "Host: example.com\nUser-Agent: curl/8.0\nAccept: */*\n",
	.resp_hdrs = "Content-Type: text/html\nContent-Length: 5\n",
	.resp_body = "hello",
	.status = 200,
	.method_id = M(GET),
	.version = 11,
	.flags = DONE,
	.req_wire = LEN(SG_REQ),
	.resp_wire = LEN(SG_RESP),
	.resp_body_len = 5,
	.nh_req = 3,
	.nh_resp = 2,
} };

#define KA_R1 "GET /api/v1/users HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
#define KA_S1 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
#define KA_R2 "GET /api/v1/users/42 HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
#define KA_S2                                                                                      \
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: "                                                   \
	"chunked\r\n\r\n7\r\n{\"id\":4\r\n2\r\n2}\r\n0\r\n\r\n"
#define KA_R3 "DELETE /api/v1/users/42 HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
#define KA_S3 "HTTP/1.1 204 No Content\r\n\r\n"

static const struct exp_tx exp_keepalive[] = {
	{
		.method = "GET",
		.uri = "/api/v1/users",
		.protocol = "HTTP/1.1",
		.host = "api.example.com",
		.resp_protocol = "HTTP/1.1",
		.reason = "OK",
		.resp_ct = "application/json",
		.req_hdrs = "Host: api.example.com\n",
		.resp_hdrs = "Content-Type: application/json\nContent-Length: 2\n",
		.resp_body = "[]",
		.status = 200,
		.method_id = M(GET),
		.version = 11,
		.flags = DONE,
		.req_wire = LEN(KA_R1),
		.resp_wire = LEN(KA_S1),
		.resp_body_len = 2,
		.nh_req = 1,
		.nh_resp = 2,
	},
	{
		.method = "GET",
		.uri = "/api/v1/users/42",
		.protocol = "HTTP/1.1",
		.host = "api.example.com",
		.resp_protocol = "HTTP/1.1",
		.reason = "OK",
		.req_hdrs = "Host: api.example.com\n",
		.resp_hdrs = "Transfer-Encoding: chunked\n",
		.resp_body = "{\"id\":42}",
		.status = 200,
		.method_id = M(GET),
		.version = 11,
		.flags = DONE | AR_HTTP_TX_RESP_CHUNKED,
		.req_wire = LEN(KA_R2),
		.resp_wire = LEN(KA_S2),
		.resp_body_len = 9,
		.nh_req = 1,
		.nh_resp = 1,
	},
	{
		.method = "DELETE",
		.uri = "/api/v1/users/42",
		.protocol = "HTTP/1.1",
		.host = "api.example.com",
		.resp_protocol = "HTTP/1.1",
		.reason = "No Content",
		.req_hdrs = "Host: api.example.com\n",
		.status = 204,
		.method_id = M(DELETE),
		.version = 11,
		.flags = DONE,
		.req_wire = LEN(KA_R3),
		.resp_wire = LEN(KA_S3),
		.nh_req = 1,
	},
};

#define PC_BODY "{\"user\":\"alice\",\"password\":\"secret123\"}"
#define PC_R                                                                                       \
	"POST /api/login HTTP/1.1\r\nHost: a.example\r\nContent-Type: "                            \
	"application/json\r\nContent-Length: 39\r\nReferer: https://a.example/\r\n\r\n" PC_BODY
#define PC_S                                                                                       \
	"HTTP/1.1 302 Found\r\nLocation: /home\r\nSet-Cookie: s=1; HttpOnly\r\nContent-Length: "   \
	"0\r\n\r\n"

static const struct exp_tx exp_post_cl[] = { {
	.method = "POST",
	.uri = "/api/login",
	.protocol = "HTTP/1.1",
	.host = "a.example",
	.req_ct = "application/json",
	.resp_protocol = "HTTP/1.1",
	.reason = "Found",
	.location = "/home",
	.req_hdrs = "Host: a.example\nContent-Type: application/json\nContent-Length: 39\nReferer: "
		    "https://a.example/\n",
	.resp_hdrs = "Location: /home\nSet-Cookie: s=1; HttpOnly\nContent-Length: 0\n",
	.req_body = "{\"user\":\"alice\",\"password\":\"secr",
	.status = 302,
	.method_id = M(POST),
	.version = 11,
	.flags = DONE | AR_HTTP_TX_REQ_BODY_CUT,
	.req_wire = LEN(PC_R),
	.resp_wire = LEN(PC_S),
	.req_body_len = 39,
	.nh_req = 4,
	.nh_resp = 3,
} };

#define CH_R                                                                                       \
	"POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "                                  \
	"chunked\r\n\r\n5;ext=1\r\nhello\r\n"                                                      \
	"6;a=b;c\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
#define CH_S "HTTP/1.1 201 Created\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"

static const struct exp_tx exp_chunked[] = { {
	.method = "POST",
	.uri = "/upload",
	.protocol = "HTTP/1.1",
	.host = "h",
	.resp_protocol = "HTTP/1.1",
	.reason = "Created",
	.req_hdrs = "Host: h\nTransfer-Encoding: chunked\n",
	.resp_hdrs = "Transfer-Encoding: Chunked\n",
	.req_body = "hello world",
	.resp_body = "abc",
	.status = 201,
	.method_id = M(POST),
	.version = 11,
	.flags = DONE | AR_HTTP_TX_REQ_CHUNKED | AR_HTTP_TX_RESP_CHUNKED,
	.req_wire = LEN(CH_R),
	.resp_wire = LEN(CH_S),
	.req_body_len = 11,
	.resp_body_len = 3,
	.nh_req = 2,
	.nh_resp = 1,
} };

#define C_R1 "POST /big HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
#define C_S1 "HTTP/1.1 100 Continue\r\n\r\n"
#define C_R2 "data"
#define C_S2 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

static const struct exp_tx exp_continue[] = { {
	.method = "POST",
	.uri = "/big",
	.protocol = "HTTP/1.1",
	.host = "h",
	.resp_protocol = "HTTP/1.1",
	.reason = "OK",
	.req_hdrs = "Host: h\nExpect: 100-continue\nContent-Length: 4\n",
	.resp_hdrs = "Content-Length: 2\n",
	.req_body = "data",
	.resp_body = "ok",
	.status = 200,
	.method_id = M(POST),
	.version = 11,
	.flags = DONE | AR_HTTP_TX_CONTINUE,
	.req_wire = LEN(C_R1) + LEN(C_R2),
	.resp_wire = LEN(C_S1) + LEN(C_S2),
	.req_body_len = 4,
	.resp_body_len = 2,
	.nh_req = 3,
	.nh_resp = 1,
} };

#define H_R1 "HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n"
#define H_S1 "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
#define H_R2 "GET /file HTTP/1.1\r\nHost: h\r\n\r\n"
#define H_S2 "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"

static const struct exp_tx exp_head[] = {
	{
		.method = "HEAD",
		.uri = "/file",
		.protocol = "HTTP/1.1",
		.host = "h",
		.resp_protocol = "HTTP/1.1",
		.reason = "OK",
		.req_hdrs = "Host: h\n",
		.resp_hdrs = "Content-Length: 1234\n",
		.status = 200,
		.method_id = M(HEAD),
		.version = 11,
		.flags = DONE,
		.req_wire = LEN(H_R1),
		.resp_wire = LEN(H_S1),
		.nh_req = 1,
		.nh_resp = 1,
	},
	{
		.method = "GET",
		.uri = "/file",
		.protocol = "HTTP/1.1",
		.host = "h",
		.resp_protocol = "HTTP/1.1",
		.reason = "OK",
		.req_hdrs = "Host: h\n",
		.resp_hdrs = "Content-Length: 3\n",
		.resp_body = "abc",
		.status = 200,
		.method_id = M(GET),
		.version = 11,
		.flags = DONE,
		.req_wire = LEN(H_R2),
		.resp_wire = LEN(H_S2),
		.resp_body_len = 3,
		.nh_req = 1,
		.nh_resp = 1,
	},
};

#define N_R1 "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"
#define N_S1 "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
#define N_R2 "GET /y HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"abc\"\r\n\r\n"
#define N_S2 "HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nContent-Length: 99\r\n\r\n"

static const struct exp_tx exp_204_304[] = {
	{
		.method = "PUT",
		.uri = "/x",
		.protocol = "HTTP/1.1",
		.host = "h",
		.resp_protocol = "HTTP/1.1",
		.reason = "No Content",
		.req_hdrs = "Host: h\nContent-Length: 2\n",
		.resp_hdrs = "Content-Length: 10\n",
		.req_body = "hi",
		.status = 204,
		.method_id = M(PUT),
		.version = 11,
		.flags = DONE,
		.req_wire = LEN(N_R1),
		.resp_wire = LEN(N_S1),
		.req_body_len = 2,
		.nh_req = 2,
		.nh_resp = 1,
	},
	{
		.method = "GET",
		.uri = "/y",
		.protocol = "HTTP/1.1",
		.host = "h",
		.resp_protocol = "HTTP/1.1",
		.reason = "Not Modified",
		.req_hdrs = "Host: h\nIf-None-Match: \"abc\"\n",
		.resp_hdrs = "ETag: \"abc\"\nContent-Length: 99\n",
		.status = 304,
		.method_id = M(GET),
		.version = 11,
		.flags = DONE,
		.req_wire = LEN(N_R2),
		.resp_wire = LEN(N_S2),
		.nh_req = 2,
		.nh_resp = 2,
	},
};

#define E_R "GET /stream HTTP/1.0\r\n\r\n"
#define E_S "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall the bytes until close"

static const struct exp_tx exp_close_delimited[] = { {
	.method = "GET",
	.uri = "/stream",
	.protocol = "HTTP/1.0",
	.resp_protocol = "HTTP/1.0",
	.reason = "OK",
	.resp_ct = "text/plain",
	.resp_hdrs = "Content-Type: text/plain\n",
	.resp_body = "all the bytes until close",
	.status = 200,
	.method_id = M(GET),
	.version = 10,
	.flags = DONE,
	.req_wire = LEN(E_R),
	.resp_wire = LEN(E_S),
	.resp_body_len = 25,
	.nh_resp = 1,
} };

#define Z_R "GET /old\r\n"
#define Z_S "<html>raw</html>"

static const struct exp_tx exp_http09[] = { {
	.method = "GET",
	.uri = "/old",
	.resp_body = "<html>raw</html>",
	.method_id = M(GET),
	.version = 9,
	.flags = DONE | AR_HTTP_TX_HTTP09,
	.req_wire = LEN(Z_R),
	.resp_wire = LEN(Z_S),
	.resp_body_len = 16,
} };

#define K_R "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n"
#define K_S "HTTP/1.1 200 Connection Established\r\n\r\n"

static const struct exp_tx exp_connect[] = { {
	.method = "CONNECT",
	.uri = "api.example.com:443",
	.protocol = "HTTP/1.1",
	.host = "api.example.com:443",
	.resp_protocol = "HTTP/1.1",
	.reason = "Connection Established",
	.req_hdrs = "Host: api.example.com:443\n",
	.status = 200,
	.method_id = M(CONNECT),
	.version = 11,
	.flags = DONE | AR_HTTP_TX_CONNECT,
	.req_wire = LEN(K_R),
	.resp_wire = LEN(K_S),
	.nh_req = 1,
} };

#define U_R                                                                                        \
	"GET /chat HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: "             \
	"Upgrade\r\n\r\n"
#define U_S "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"

static const struct exp_tx exp_upgrade[] = { {
	.method = "GET",
	.uri = "/chat",
	.protocol = "HTTP/1.1",
	.host = "ws.example",
	.resp_protocol = "HTTP/1.1",
	.reason = "Switching Protocols",
	.req_hdrs = "Host: ws.example\nUpgrade: websocket\nConnection: Upgrade\n",
	.resp_hdrs = "Upgrade: websocket\nConnection: Upgrade\n",
	.status = 101,
	.method_id = M(GET),
	.version = 11,
	.flags = DONE | AR_HTTP_TX_UPGRADE,
	.req_wire = LEN(U_R),
	.resp_wire = LEN(U_S),
	.nh_req = 3,
	.nh_resp = 2,
} };

/* anomalies: a request (or response) showing one, and its transaction */

#define ANR(name_, req_, resp_, ...)                                                               \
	static const struct exp_tx exp_##name_[] = { { .protocol = "HTTP/1.1",                     \
						       .resp_protocol = "HTTP/1.1",                \
						       .reason = "OK",                             \
						       .status = 200,                              \
						       .version = 11,                              \
						       .req_wire = LEN(req_),                      \
						       .resp_wire = LEN(resp_),                    \
						       __VA_ARGS__ } };

#define A_CLTE                                                                                     \
	"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: "                  \
	"chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
ANR(cl_and_te, A_CLTE, S_OK0, .method = "POST", .uri = "/a", .host = "h",
    .req_hdrs = "Host: h\nContent-Length: 3\nTransfer-Encoding: chunked\n", .resp_hdrs = S_OK0H,
    .req_body = "abc", .method_id = M(POST), .flags = DONE | AR_HTTP_TX_REQ_CHUNKED,
    .anomalies = AN(CL_AND_TE), .req_body_len = 3, .nh_req = 3, .nh_resp = 1)

#define A_DUPCL "POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"
ANR(dup_cl, A_DUPCL, S_OK0, .method = "POST", .uri = "/a",
    .req_hdrs = "Content-Length: 3\nContent-Length: 3\n", .resp_hdrs = S_OK0H, .req_body = "abc",
    .method_id = M(POST), .flags = DONE, .anomalies = AN(DUP_CL), .req_body_len = 3, .nh_req = 2,
    .nh_resp = 1)

#define A_CONFCL "POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc"
ANR(conflicting_cl, A_CONFCL, S_OK0, .method = "POST", .uri = "/a",
    .req_hdrs = "Content-Length: 3\nContent-Length: 5\n", .resp_hdrs = S_OK0H, .req_body = "abc",
    .method_id = M(POST), .flags = DONE, .anomalies = AN(CONFLICTING_CL), .req_body_len = 3,
    .nh_req = 2, .nh_resp = 1)

#define A_BADCL "POST /a HTTP/1.1\r\nContent-Length: 3x\r\n\r\n"
ANR(bad_cl, A_BADCL, S_OK0, .method = "POST", .uri = "/a", .req_hdrs = "Content-Length: 3x\n",
    .resp_hdrs = S_OK0H, .method_id = M(POST), .flags = DONE, .anomalies = AN(BAD_CL), .nh_req = 1,
    .nh_resp = 1)

#define A_GET "GET /a HTTP/1.1\r\n\r\n"
#define A_OBFTE                                                                                    \
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
ANR(obfuscated_te, A_GET, A_OBFTE, .method = "GET", .uri = "/a",
    .resp_hdrs = "Transfer-Encoding: chunked, identity\n", .resp_body = "abc", .method_id = M(GET),
    .flags = DONE | AR_HTTP_TX_RESP_CHUNKED, .anomalies = AN(OBFUSCATED_TE), .resp_body_len = 3,
    .nh_resp = 1)

#define A_UNKTE "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz"
ANR(unknown_te, A_GET, A_UNKTE, .method = "GET", .uri = "/a",
    .resp_hdrs = "Transfer-Encoding: gzip\n", .resp_body = "xyz", .method_id = M(GET),
    .flags = DONE, .anomalies = AN(UNKNOWN_TE), .resp_body_len = 3, .nh_resp = 1)

#define A_BARELF "GET /a HTTP/1.1\nHost: h\n\n"
ANR(bare_lf, A_BARELF, S_OK0, .method = "GET", .uri = "/a", .host = "h", .req_hdrs = "Host: h\n",
    .resp_hdrs = S_OK0H, .method_id = M(GET), .flags = DONE, .anomalies = AN(BARE_LF), .nh_req = 1,
    .nh_resp = 1)

#define A_FOLD "GET /a HTTP/1.1\r\nX-Folded: a\r\n  b\r\nHost: h\r\n\r\n"
ANR(obs_fold, A_FOLD, S_OK0, .method = "GET", .uri = "/a", .host = "h",
    .req_hdrs = "X-Folded: a b\nHost: h\n", .resp_hdrs = S_OK0H, .method_id = M(GET), .flags = DONE,
    .anomalies = AN(OBS_FOLD), .nh_req = 2, .nh_resp = 1)

#define A_CHUNK_HDRS "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
static const struct exp_tx exp_bad_chunk_size[] = { {
	.method = "GET",
	.uri = "/a",
	.protocol = "HTTP/1.1",
	.resp_protocol = "HTTP/1.1",
	.reason = "OK",
	.resp_hdrs = "Transfer-Encoding: chunked\n",
	.status = 200,
	.method_id = M(GET),
	.version = 11,
	.flags = AR_HTTP_TX_REQ_COMPLETE | AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_ABORTED |
		 AR_HTTP_TX_RESP_CHUNKED,
	.anomalies = AN(BAD_CHUNK_SIZE),
	.req_wire = LEN(A_GET),
	.resp_wire = LEN(A_CHUNK_HDRS),
	.nh_resp = 1,
} };

static const struct exp_tx exp_bad_chunk_end[] = { {
	.method = "GET",
	.uri = "/a",
	.protocol = "HTTP/1.1",
	.resp_protocol = "HTTP/1.1",
	.reason = "OK",
	.resp_hdrs = "Transfer-Encoding: chunked\n",
	.resp_body = "abc",
	.status = 200,
	.method_id = M(GET),
	.version = 11,
	.flags = AR_HTTP_TX_REQ_COMPLETE | AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_ABORTED |
		 AR_HTTP_TX_RESP_CHUNKED,
	.anomalies = AN(BAD_CHUNK_END),
	.req_wire = LEN(A_GET),
	.resp_wire = LEN(A_CHUNK_HDRS "3\r\nabc"),
	.resp_body_len = 3,
	.nh_resp = 1,
} };

#define A_HCOUNT                                                                                   \
	"GET /a HTTP/1.1\r\nH1: 1\r\nH2: 2\r\nH3: 3\r\nH4: 4\r\nH5: 5\r\nH6: 6\r\nH7: 7\r\nH8: "   \
	"8\r\nH9: 9\r\n\r\n"
ANR(header_count, A_HCOUNT, S_OK0, .method = "GET", .uri = "/a",
    .req_hdrs = "H1: 1\nH2: 2\nH3: 3\nH4: 4\nH5: 5\nH6: 6\nH7: 7\nH8: 8\n", .resp_hdrs = S_OK0H,
    .method_id = M(GET), .flags = DONE, .anomalies = AN(HEADER_COUNT), .nh_req = 9, .nh_resp = 1)

#define X50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define A_HLONG                                                                                    \
	"GET /a HTTP/1.1\r\nHost: h\r\nX-Big: " X50 X50 X50 X50 X50 X50 X50 X50 X50                \
	"\r\nAccept: */*\r\n\r\n"
ANR(header_too_long, A_HLONG, S_OK0, .method = "GET", .uri = "/a", .host = "h",
    .req_hdrs = "Host: h\n", .resp_hdrs = S_OK0H, .method_id = M(GET), .flags = DONE,
    .anomalies = AN(HEADER_TOO_LONG), .nh_req = 3, .nh_resp = 1)

#define A50     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A_LLONG "GET /" A50 A50 A50 A50 A50 A50 " HTTP/1.1\r\nHost: h\r\n\r\n"
/* max_line 200: "GET " and 196 bytes of the target */
#define A_LLONG_URI "/" A50 A50 A50 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
ANR(line_too_long, A_LLONG, S_OK0, .method = "GET", .uri = A_LLONG_URI, .host = "h",
    .req_hdrs = "Host: h\n", .resp_hdrs = S_OK0H, .method_id = M(GET), .flags = DONE,
    .anomalies = AN(LINE_TOO_LONG), .nh_req = 1, .nh_resp = 1)

#define A_BADRL_R "GET /a HTTP/1.1\r\n\r\nGET  /x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\n\r\n"
#define A_S400    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
#define A_BADRL_S S_OK0 A_S400 S_OK0
static const struct exp_tx exp_bad_request_line[] = {
	{ .method = "GET",
	  .uri = "/a",
	  .protocol = "HTTP/1.1",
	  .resp_protocol = "HTTP/1.1",
	  .reason = "OK",
	  .resp_hdrs = S_OK0H,
	  .status = 200,
	  .method_id = M(GET),
	  .version = 11,
	  .flags = DONE,
	  .req_wire = LEN(A_GET),
	  .resp_wire = LEN(S_OK0),
	  .nh_resp = 1 },
	{ .method = "GET",
	  .resp_protocol = "HTTP/1.1",
	  .reason = "Bad Request",
	  .resp_hdrs = S_OK0H,
	  .status = 400,
	  .flags = AR_HTTP_TX_ABORTED | AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_RESP_COMPLETE,
	  .anomalies = AN(BAD_REQUEST_LINE),
	  .req_wire = 4,
	  .resp_wire = LEN(A_S400),
	  .nh_resp = 1 },
	{ .method = "GET",
	  .uri = "/y",
	  .protocol = "HTTP/1.1",
	  .resp_protocol = "HTTP/1.1",
	  .reason = "OK",
	  .resp_hdrs = S_OK0H,
	  .status = 200,
	  .method_id = M(GET),
	  .version = 11,
	  .flags = DONE,
	  .req_wire = LEN(A_GET),
	  .resp_wire = LEN(S_OK0),
	  .nh_resp = 1 },
};

#define A_BADSL_R A_GET "GET /b HTTP/1.1\r\n\r\n" A_GET
#define A_BADSL_S S_OK0 "HTTP/1.1 2x0 Oops\r\nContent-Length: 0\r\n\r\n" S_OK0
static const struct exp_tx exp_bad_status_line[] = {
	{ .method = "GET",
	  .uri = "/a",
	  .protocol = "HTTP/1.1",
	  .resp_protocol = "HTTP/1.1",
	  .reason = "OK",
	  .resp_hdrs = S_OK0H,
	  .status = 200,
	  .method_id = M(GET),
	  .version = 11,
	  .flags = DONE,
	  .req_wire = LEN(A_GET),
	  .resp_wire = LEN(S_OK0),
	  .nh_resp = 1 },
	{ .method = "GET",
	  .uri = "/b",
	  .protocol = "HTTP/1.1",
	  .resp_protocol = "HTTP/1.1",
	  .method_id = M(GET),
	  .version = 11,
	  .flags = AR_HTTP_TX_REQ_COMPLETE | AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_ABORTED,
	  .anomalies = AN(BAD_STATUS_LINE),
	  .req_wire = LEN(A_GET),
	  .resp_wire = 10 },
	{ .method = "GET",
	  .uri = "/a",
	  .protocol = "HTTP/1.1",
	  .resp_protocol = "HTTP/1.1",
	  .reason = "OK",
	  .resp_hdrs = S_OK0H,
	  .status = 200,
	  .method_id = M(GET),
	  .version = 11,
	  .flags = DONE,
	  .req_wire = LEN(A_GET),
	  .resp_wire = LEN(S_OK0),
	  .nh_resp = 1 },
};

#define A_BADH "GET /a HTTP/1.1\r\nHost: h\r\nBadHeaderLine\r\nAccept: */*\r\n\r\n"
ANR(bad_header, A_BADH, S_OK0, .method = "GET", .uri = "/a", .host = "h",
    .req_hdrs = "Host: h\nAccept: */*\n", .resp_hdrs = S_OK0H, .method_id = M(GET), .flags = DONE,
    .anomalies = AN(BAD_HEADER), .nh_req = 3, .nh_resp = 1)

#define A_SPCOLON "GET /a HTTP/1.1\r\nHost : h\r\n\r\n"
ANR(space_before_colon, A_SPCOLON, S_OK0, .method = "GET", .uri = "/a", .host = "h",
    .req_hdrs = "Host: h\n", .resp_hdrs = S_OK0H, .method_id = M(GET), .flags = DONE,
    .anomalies = AN(SPACE_BEFORE_COLON), .nh_req = 1, .nh_resp = 1)

#define A_BADV "GET /a HTTP/1.2\r\nHost: h\r\n\r\n"
static const struct exp_tx exp_bad_version[] = { {
	.method = "GET",
	.uri = "/a",
	.protocol = "HTTP/1.2",
	.host = "h",
	.resp_protocol = "HTTP/1.1",
	.reason = "OK",
	.req_hdrs = "Host: h\n",
	.resp_hdrs = S_OK0H,
	.status = 200,
	.method_id = M(GET),
	.version = 12,
	.flags = DONE,
	.anomalies = AN(BAD_VERSION),
	.req_wire = LEN(A_BADV),
	.resp_wire = LEN(S_OK0),
	.nh_req = 1,
	.nh_resp = 1,
} };

#define A_ORPHAN "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
static const struct exp_tx exp_response_without_request[] = { {
	.resp_protocol = "HTTP/1.1",
	.reason = "OK",
	.resp_hdrs = "Content-Length: 2\n",
	.resp_body = "hi",
	.status = 200,
	.flags = AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_RESP_COMPLETE,
	.anomalies = AN(RESPONSE_WITHOUT_REQUEST),
	.resp_wire = LEN(A_ORPHAN),
	.resp_body_len = 2,
	.nh_resp = 1,
} };

#define A_BARECR "GET /a HTTP/1.1\r\nX-A: a\rHost: h\r\n\r\n"
ANR(bare_cr, A_BARECR, S_OK0, .method = "GET", .uri = "/a", .host = "h",
    .req_hdrs = "X-A: a\nHost: h\n", .resp_hdrs = S_OK0H, .method_id = M(GET), .flags = DONE,
    .anomalies = AN(BARE_CR), .nh_req = 2, .nh_resp = 1)

#define NEXP(a) (sizeof(a) / sizeof((a)[0]))
#define CASE(name_, ...)                                                                           \
	{                                                                                          \
		.name = #name_, .steps = { __VA_ARGS__ }, .exp = exp_##name_,                      \
		.n_exp = NEXP(exp_##name_)                                                         \
	}

static const struct tcase cases[] = {
	CASE(simple_get, REQ(SG_REQ), RESP(SG_RESP)),
	CASE(keepalive, REQ(KA_R1), RESP(KA_S1), REQ(KA_R2), RESP(KA_S2), REQ(KA_R3), RESP(KA_S3)),
	{ .name = "pipelining",
	  .steps = { REQ(KA_R1 KA_R2 KA_R3), RESP(KA_S1 KA_S2 KA_S3) },
	  .exp = exp_keepalive,
	  .n_exp = 3 },
	CASE(post_cl, REQ(PC_R), RESP(PC_S)),
	CASE(chunked, REQ(CH_R), RESP(CH_S)),
	CASE(continue, REQ(C_R1), RESP(C_S1), REQ(C_R2), RESP(C_S2)),
	CASE(head, REQ(H_R1), RESP(H_S1), REQ(H_R2), RESP(H_S2)),
	CASE(204_304, REQ(N_R1 N_R2), RESP(N_S1 N_S2)),
	CASE(close_delimited, REQ(E_R), RESP(E_S), EOF_RESP),
	CASE(http09, REQ(Z_R), RESP(Z_S), EOF_RESP),
	CASE(connect, REQ(K_R), RESP(K_S), REQ("\x16\x03\x01\x00\x05hello"),
	     RESP("\x16\x03\x03\x00\x02hi")),
	CASE(upgrade, REQ(U_R), RESP(U_S),
	     REQ("\x81\x85"
		 "abcdexxxxx"),
	     RESP("\x81\x02hi")),
	CASE(cl_and_te, REQ(A_CLTE), RESP(S_OK0)),
	CASE(dup_cl, REQ(A_DUPCL), RESP(S_OK0)),
	CASE(conflicting_cl, REQ(A_CONFCL), RESP(S_OK0)),
	CASE(bad_cl, REQ(A_BADCL), RESP(S_OK0)),
	CASE(obfuscated_te, REQ(A_GET), RESP(A_OBFTE)),
	CASE(unknown_te, REQ(A_GET), RESP(A_UNKTE), EOF_RESP),
	CASE(bare_lf, REQ(A_BARELF), RESP(S_OK0)),
	CASE(obs_fold, REQ(A_FOLD), RESP(S_OK0)),
	CASE(bad_chunk_size, REQ(A_GET), RESP(A_CHUNK_HDRS "zz\r\nabc\r\n0\r\n\r\n")),
	CASE(bad_chunk_end, REQ(A_GET), RESP(A_CHUNK_HDRS "3\r\nabcX\r\n0\r\n\r\n")),
	CASE(header_count, REQ(A_HCOUNT), RESP(S_OK0)),
	CASE(header_too_long, REQ(A_HLONG), RESP(S_OK0)),
	CASE(line_too_long, REQ(A_LLONG), RESP(S_OK0)),
	CASE(bad_request_line, REQ(A_BADRL_R), RESP(A_BADRL_S)),
	CASE(bad_status_line, REQ(A_BADSL_R), RESP(A_BADSL_S)),
	CASE(bad_header, REQ(A_BADH), RESP(S_OK0)),
	CASE(space_before_colon, REQ(A_SPCOLON), RESP(S_OK0)),
	CASE(bad_version, REQ(A_BADV), RESP(S_OK0)),
	CASE(response_without_request, RESP(A_ORPHAN)),
	CASE(bare_cr, REQ(A_BARECR), RESP(S_OK0)),
};

static void
run_named(const char *name)
{
	for (size_t i = 0; i < NEXP(cases); i++)
		if (strcmp(cases[i].name, name) == 0) {
			run_case(&cases[i]);
			return;
		}
	fail_msg("no case %s", name);
}

#define TABLE_TEST(fn, name_)                                                                      \
	static void test_##fn(void **state)                                                        \
	{                                                                                          \
		(void)state;                                                                       \
		run_named(#name_);                                                                 \
	}

TABLE_TEST(simple_get_split_everywhere, simple_get)
TABLE_TEST(keepalive_series_split_everywhere, keepalive)
TABLE_TEST(pipelined_requests_pair_fifo, pipelining)
TABLE_TEST(post_content_length_body_captured_and_cut, post_cl)
TABLE_TEST(chunked_with_extensions_and_trailers, chunked)
TABLE_TEST(continue_100_is_skipped_for_final_response, continue)
TABLE_TEST(head_response_has_no_body, head)
TABLE_TEST(responses_204_304_have_no_body, 204_304)
TABLE_TEST(response_ended_by_close, close_delimited)
TABLE_TEST(http09_request_and_raw_response, http09)
TABLE_TEST(connect_2xx_makes_tunnel, connect)
TABLE_TEST(upgrade_101_makes_tunnel, upgrade)
TABLE_TEST(anomaly_cl_and_te, cl_and_te)
TABLE_TEST(anomaly_duplicate_cl, dup_cl)
TABLE_TEST(anomaly_conflicting_cl_keeps_first, conflicting_cl)
TABLE_TEST(anomaly_bad_cl_means_no_body, bad_cl)
TABLE_TEST(anomaly_obfuscated_te_chunked_not_last, obfuscated_te)
TABLE_TEST(anomaly_unknown_te_body_until_close, unknown_te)
TABLE_TEST(anomaly_bare_lf, bare_lf)
TABLE_TEST(anomaly_obs_fold_joined_with_space, obs_fold)
TABLE_TEST(anomaly_bad_chunk_size_aborts, bad_chunk_size)
TABLE_TEST(anomaly_bad_chunk_end_aborts, bad_chunk_end)
TABLE_TEST(anomaly_header_count_stops_keeping, header_count)
TABLE_TEST(anomaly_header_too_long_stops_keeping, header_too_long)
TABLE_TEST(anomaly_line_too_long_cuts_target, line_too_long)
TABLE_TEST(anomaly_bad_request_line_resyncs, bad_request_line)
TABLE_TEST(anomaly_bad_status_line_resyncs, bad_status_line)
TABLE_TEST(anomaly_bad_header_line_skipped, bad_header)
TABLE_TEST(anomaly_space_before_colon, space_before_colon)
TABLE_TEST(anomaly_bad_version, bad_version)
TABLE_TEST(anomaly_response_without_request, response_without_request)
TABLE_TEST(anomaly_bare_cr_ends_line, bare_cr)

/* ---- Transfer-Encoding values, at the parser level ------------------ */

struct te_run {
	uint32_t anomalies;
	size_t body;
};

static void
te_on_anomaly(struct ar_http_parser *p, enum ar_http_anomaly an)
{
	((struct te_run *)p->user)->anomalies |= 1u << an;
}

static int
te_on_body(struct ar_http_parser *p, const char *at, size_t len)
{
	(void)at;
	((struct te_run *)p->user)->body += len;
	return 0;
}

static void
test_transfer_encoding_variants(void **state)
{
	static const struct {
		const char *te;
		uint32_t an;
		uint8_t framing;
	} tv[] = {
		{ "chunked", 0, AR_HTTP_BODY_CHUNKED },
		{ "Chunked", 0, AR_HTTP_BODY_CHUNKED },
		{ "CHUNKED", 0, AR_HTTP_BODY_CHUNKED },
		{ "gzip, chunked", 0, AR_HTTP_BODY_CHUNKED },
		{ "chunked ", AN(OBFUSCATED_TE), AR_HTTP_BODY_CHUNKED },
		{ "\tchunked", AN(OBFUSCATED_TE), AR_HTTP_BODY_CHUNKED },
		{ "  chunked", AN(OBFUSCATED_TE), AR_HTTP_BODY_CHUNKED },
		{ "xchunked", AN(OBFUSCATED_TE), AR_HTTP_BODY_EOF },
		{ "chunkedx", AN(OBFUSCATED_TE), AR_HTTP_BODY_EOF },
		{ "chunked, identity", AN(OBFUSCATED_TE), AR_HTTP_BODY_CHUNKED },
		{ "chunked,chunked", AN(OBFUSCATED_TE), AR_HTTP_BODY_CHUNKED },
		{ "gzip,  chunked", AN(OBFUSCATED_TE), AR_HTTP_BODY_CHUNKED },
		{ "chun ked", AN(UNKNOWN_TE), AR_HTTP_BODY_EOF },
		{ "identity", AN(UNKNOWN_TE), AR_HTTP_BODY_EOF },
		{ "", AN(UNKNOWN_TE), AR_HTTP_BODY_EOF },
	};
	static const struct ar_http_limits lim = { 200, 8, 400 };
	struct ar_http_parser_cbs cbs = { .on_anomaly = te_on_anomaly, .on_body = te_on_body };

	(void)state;
	for (size_t i = 0; i < NEXP(tv); i++) {
		char msg[256];
		int n = snprintf(
			msg, sizeof(msg),
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			tv[i].te);
		for (size_t k = 0; k <= (size_t)n; k++) {
			struct ar_http_parser p;
			struct te_run r = { 0, 0 };
			ar_http_parser_init(&p, true, &cbs, &lim, &r);
			assert_int_equal(ar_http_parse(&p, (const uint8_t *)msg, k), (long)k);
			assert_int_equal(ar_http_parse(&p, (const uint8_t *)msg + k, (size_t)n - k),
					 n - (long)k);
			if (r.anomalies != tv[i].an || p.framing != tv[i].framing)
				print_error("TE \"%s\" split %zu: anomalies 0x%x framing %u\n",
					    tv[i].te, k, r.anomalies, p.framing);
			assert_int_equal(r.anomalies & ~AN(CL_AND_TE), tv[i].an);
			assert_int_equal(p.framing, tv[i].framing);
			assert_int_equal(r.body, tv[i].framing == AR_HTTP_BODY_CHUNKED ? 3 : 13);
		}
	}
}

/* ---- zero-copy pieces at the parser level --------------------------- */

struct pieces {
	const char *base;
	size_t base_len;
	int outside;
	char target[64];
	size_t target_len;
	unsigned target_calls;
	unsigned complete;
};

static int
pc_target(struct ar_http_parser *p, const char *at, size_t len)
{
	struct pieces *pc = p->user;

	if (at < pc->base || at + len > pc->base + pc->base_len)
		pc->outside++;
	memcpy(pc->target + pc->target_len, at, len);
	pc->target_len += len;
	pc->target_calls++;
	return 0;
}

static int
pc_complete(struct ar_http_parser *p)
{
	((struct pieces *)p->user)->complete++;
	return 0;
}

static void
test_parser_pieces_point_into_input_and_concatenate(void **state)
{
	static const char req[] = "GET /a/b/c?d=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	static const struct ar_http_limits lim = { 200, 8, 400 };
	struct ar_http_parser_cbs cbs = { .on_target = pc_target,
					  .on_message_complete = pc_complete };
	struct ar_http_parser p;
	struct pieces pc;

	(void)state;
	memset(&pc, 0, sizeof(pc));
	pc.base = req;
	pc.base_len = sizeof(req) - 1;
	ar_http_parser_init(&p, false, &cbs, &lim, &pc);
	assert_int_equal(ar_http_parse(&p, (const uint8_t *)req, 7), 7);
	assert_int_equal(ar_http_parse(&p, (const uint8_t *)req + 7, sizeof(req) - 8),
			 (long)sizeof(req) - 8);
	assert_int_equal(pc.outside, 0);
	assert_int_equal(pc.target_calls, 2);
	assert_int_equal(pc.target_len, 10);
	assert_memory_equal(pc.target, "/a/b/c?d=1", 10);
	assert_int_equal(pc.complete, 1);
	assert_int_equal(p.msg_bytes, sizeof(req) - 1);
}

static int
stop_on_target(struct ar_http_parser *p, const char *at, size_t len)
{
	(void)p;
	(void)at;
	(void)len;
	return 1;
}

static void
test_parser_callback_stop_returns_consumed(void **state)
{
	static const char req[] = "GET /x HTTP/1.1\r\n\r\n";
	static const struct ar_http_limits lim = { 200, 8, 400 };
	struct ar_http_parser_cbs cbs = { .on_target = stop_on_target };
	struct ar_http_parser p;

	(void)state;
	ar_http_parser_init(&p, false, &cbs, &lim, NULL);
	assert_int_equal(ar_http_parse(&p, (const uint8_t *)req, sizeof(req) - 1), 6);
	cbs.on_target = NULL;
	assert_int_equal(ar_http_parse(&p, (const uint8_t *)req + 6, sizeof(req) - 7),
			 (long)sizeof(req) - 7);
}

/* ---- gaps, pool, pipeline, non-HTTP --------------------------------- */

static void
test_gap_inside_content_length_body_is_consumed(void **state)
{
	static const struct step steps[] = {
		REQ("POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
		{ OP_GAP_REQ, NULL, 4 },
		REQ("xyz"),
		RESP(S_OK0),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	run(&base_params, steps, 0, 0, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.tx[0].req_body_len, 10);
	assert_string_equal(r.tx[0].body[0], "abcxyz");
	assert_int_equal(r.tx[0].flags, DONE | AR_HTTP_TX_GAP | AR_HTTP_TX_REQ_BODY_CUT);
	assert_int_equal(r.tx[0].anomalies, 0);
	assert_int_equal(r.tx[0].req_wire,
			 LEN("POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\n") + 10);
}

static void
test_gap_in_headers_resyncs_on_next_request(void **state)
{
	static const struct step steps[] = {
		REQ("GET /first HTTP/1.1\r\nHost: h\r\nX-Lo"),
		{ OP_GAP_REQ, NULL, 100 },
		REQ("st: yes\r\n\r\nGARBAGE\r\nGET /second HTTP/1.1\r\nHost: h\r\n\r\n"),
		RESP(S_OK0 S_OK0),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	run(&base_params, steps, 0, 0, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.tx[0].uri, "/first");
	assert_int_equal(r.tx[0].flags, AR_HTTP_TX_GAP | AR_HTTP_TX_ABORTED | AR_HTTP_TX_RESP_SEEN |
						AR_HTTP_TX_RESP_COMPLETE);
	assert_int_equal(r.tx[0].anomalies, AN(GAP));
	assert_string_equal(r.tx[1].uri, "/second");
	assert_string_equal(r.tx[1].host, "h");
	assert_int_equal(r.tx[1].flags, DONE);
	assert_int_equal(r.an_events[AR_HTTP_REQ][AR_HTTP_AN_GAP], 1);
}

static void
test_gap_resync_split_across_buffers(void **state)
{
	/* the method of the resynchronised request straddles two buffers */
	static const struct step steps[] = {
		REQ("GET /first HTTP/1.1\r\nHo"),
		{ OP_GAP_REQ, NULL, 10 },
		REQ("junk\r\nPO"),
		REQ("ST /next HTTP/1.1\r\nContent-Length: 1\r\n\r\nz"),
		RESP(S_OK0 S_OK0),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	run(&base_params, steps, 0, 0, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.tx[1].method, "POST");
	assert_string_equal(r.tx[1].uri, "/next");
	assert_int_equal(r.tx[1].req_body_len, 1);
	assert_int_equal(r.tx[1].req_wire,
			 LEN("POST /next HTTP/1.1\r\nContent-Length: 1\r\n\r\nz"));
	assert_int_equal(r.tx[1].flags, DONE);
}

static void
test_gap_in_response_resyncs_on_status_line(void **state)
{
	static const struct step steps[] = {
		REQ(A_GET A_GET),
		RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
		{ OP_GAP_RESP, NULL, 50 },
		RESP("zz\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	run(&base_params, steps, 0, 0, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.tx[0].flags, AR_HTTP_TX_REQ_COMPLETE | AR_HTTP_TX_RESP_SEEN |
						AR_HTTP_TX_GAP | AR_HTTP_TX_ABORTED |
						AR_HTTP_TX_RESP_CHUNKED);
	assert_int_equal(r.tx[0].anomalies, AN(GAP));
	assert_int_equal(r.tx[1].status, 404);
	assert_int_equal(r.tx[1].flags, DONE);
}

static void
test_pool_exhaustion_counts_and_keeps_framing(void **state)
{
	struct ar_http_params params = base_params;
	static const struct step steps[] = {
		REQ("POST /1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
		    "POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\ndef"
		    "GET /3 HTTP/1.1\r\n\r\n"),
		RESP(S_OK0 "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
			   "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"),
		REQ("GET /4 HTTP/1.1\r\n\r\n"),
		RESP("HTTP/1.1 203 X\r\nContent-Length: 0\r\n\r\n"),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	params.max_tx = 1;
	run(&params, steps, 0, 0, &r);
	/* only /1 fits; /2 and /3 are parsed but not recorded; /4 gets the freed slot */
	assert_int_equal(r.n, 2);
	assert_string_equal(r.tx[0].uri, "/1");
	assert_int_equal(r.tx[0].status, 200);
	assert_string_equal(r.tx[1].uri, "/4");
	assert_int_equal(r.tx[1].tx_id, 3);
	assert_int_equal(r.tx[1].status, 203);
	assert_int_equal(r.stats.tx_pool_empty, 2);
	assert_int_equal(r.stats.anomalies[AR_HTTP_AN_TX_POOL_EMPTY], 2);
	assert_int_equal(r.an_events[AR_HTTP_REQ][AR_HTTP_AN_TX_POOL_EMPTY], 2);
	assert_int_equal(r.stats.requests, 4);
	assert_int_equal(r.stats.responses, 4);
}

static void
test_pipeline_limit_skips_excess_requests_in_order(void **state)
{
	struct ar_http_params params = base_params;
	static const struct step steps[] = {
		REQ("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n"),
		RESP("HTTP/1.1 201 A\r\nContent-Length: 0\r\n\r\n"
		     "HTTP/1.1 202 B\r\nContent-Length: 0\r\n\r\n"
		     "HTTP/1.1 203 C\r\nContent-Length: 0\r\n\r\n"),
		REQ("GET /4 HTTP/1.1\r\n\r\n"),
		RESP("HTTP/1.1 204 D\r\n\r\n"),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	params.max_pipeline = 2;
	run(&params, steps, 0, 0, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.tx[0].status, 201);
	assert_int_equal(r.tx[1].status, 202);
	assert_string_equal(r.tx[2].uri, "/4");
	assert_int_equal(r.tx[2].status, 204);
	assert_int_equal(r.an_events[AR_HTTP_REQ][AR_HTTP_AN_PIPELINE_LIMIT], 1);
}

static void
test_not_http_stream_is_given_up(void **state)
{
	static const struct step steps[] = {
		REQ("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
		REQ("GET / HTTP/1.1\r\n\r\n"),
		RESP(S_OK0),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	run(&base_params, steps, 0, 0, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.stats.parse_errors, 1);
	assert_int_equal(r.stats.tx_live, 0);
}

static void
test_request_without_response_is_flagged_at_close(void **state)
{
	static const struct step steps[] = {
		REQ(A_GET "POST /p HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc"),
		RESP(S_OK0),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	run(&base_params, steps, 0, 0, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.tx[0].flags, DONE);
	assert_string_equal(r.tx[1].uri, "/p");
	assert_int_equal(r.tx[1].flags, AR_HTTP_TX_NO_RESPONSE);
	assert_int_equal(r.tx[1].req_body_len, 3);
	assert_int_equal(r.tx[1].req_wire, LEN("POST /p HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc"));
	assert_int_equal(r.stats.tx_incomplete, 1);
}

static void
test_timestamps_follow_first_and_last_bytes(void **state)
{
	static const struct step steps[] = {
		REQ("GET /t HTTP/1.1\r\n"),
		REQ("\r\n"),
		RESP("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"),
		RESP("ok"),
		{ OP_END, NULL, 0 },
	};
	static struct result r;

	(void)state;
	run(&base_params, steps, 0, 0, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.tx[0].req_ts, 1000);
	assert_int_equal(r.tx[0].req_end_ts, 2000);
	assert_int_equal(r.tx[0].resp_ts, 3000);
	assert_int_equal(r.tx[0].resp_end_ts, 4000);
}

static void
test_small_arena_truncates_and_flags(void **state)
{
	struct ar_http_params params = base_params;
	static struct result r;

	(void)state;
	params.arena_size = 24;
	run(&params, (const struct step[]){ REQ(SG_REQ), RESP(SG_RESP), { OP_END, NULL, 0 } }, 0, 0,
	    &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.tx[0].method, "GET");
	assert_string_equal(r.tx[0].uri, "/index.html");
	/* 3 + 11 bytes used; "HTTP/1.1" fits, then 2 bytes left */
	assert_string_equal(r.tx[0].protocol, "HTTP/1.1");
	assert_true(r.tx[0].flags & AR_HTTP_TX_TRUNCATED);
	assert_int_equal(r.tx[0].status, 200);
	assert_int_equal(r.tx[0].resp_body_len, 5);
}

static void
test_headers_kept_without_log_headers(void **state)
{
	struct ar_http_params params = base_params;
	static struct result r;

	(void)state;
	params.log_headers = false;
	run(&params, (const struct step[]){ REQ(PC_R), RESP(PC_S), { OP_END, NULL, 0 } }, 0, 0, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.tx[0].host, "a.example");
	assert_string_equal(r.tx[0].req_ct, "application/json");
	assert_string_equal(r.tx[0].referer, "https://a.example/");
	assert_string_equal(r.tx[0].location, "/home");
	assert_string_equal(r.tx[0].hdrs[0], "");
	assert_string_equal(r.tx[0].body[0], "{\"user\":\"alice\",\"password\":\"secr");
}

static void
test_detect_request_and_response(void **state)
{
	(void)state;
	assert_true(ar_http_detect_request((const uint8_t *)"GET / HTTP/1.1", 14));
	assert_true(ar_http_detect_request((const uint8_t *)"OPTIONS * HTTP/1.1", 18));
	assert_true(ar_http_detect_request((const uint8_t *)"DELETE /x", 9));
	assert_false(ar_http_detect_request((const uint8_t *)"GETX / HTTP/1.1", 15));
	assert_false(ar_http_detect_request((const uint8_t *)"GE", 2));
	assert_false(ar_http_detect_request((const uint8_t *)"\x16\x03\x01", 3));
	assert_true(ar_http_detect_response((const uint8_t *)"HTTP/1.1 200 OK", 15));
	assert_false(ar_http_detect_response((const uint8_t *)"HTTP/2", 6));
	assert_false(ar_http_detect_response((const uint8_t *)"SSH-2.0", 7));
}

static void
test_anomaly_names_are_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < AR_HTTP_AN_MAX; i++) {
		assert_string_not_equal(ar_http_anomaly_name((enum ar_http_anomaly)i), "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ar_http_anomaly_name((enum ar_http_anomaly)i),
						ar_http_anomaly_name((enum ar_http_anomaly)j));
	}
	assert_string_equal(ar_http_anomaly_name(AR_HTTP_AN_MAX), "unknown");
}

static void
test_ctx_create_rejects_bad_params(void **state)
{
	struct ar_http_params params = base_params;

	(void)state;
	params.max_pipeline = 17;
	assert_null(ar_http_ctx_create(&params, &ops, NULL));
	params = base_params;
	params.max_tx = 0;
	assert_null(ar_http_ctx_create(&params, &ops, NULL));
	ar_http_ctx_free(NULL);
}

/* ---- header lines taken whole, names matched in place -------------- */

#define NC_REQ                                                                                     \
	"POST /n HTTP/1.1\r\nhOST: h.example\r\nUSER-agent: ua/1\r\nContent_Length: 9\r\n"         \
	"content-LENGTH: 2\r\nHOSTS: no\r\n\r\nok"
#define NC_RESP                                                                                    \
	"HTTP/1.1 301 Moved\r\nLOCATION: /there\r\nContent-TYPE: text/plain\r\n"                   \
	"Content-Lengt: 7\r\nCONTENT-LENGTH: 3\r\n\r\nabc"

static const struct exp_tx exp_names_any_case[] = { {
	.method = "POST",
	.uri = "/n",
	.protocol = "HTTP/1.1",
	.host = "h.example",
	.ua = "ua/1",
	.resp_protocol = "HTTP/1.1",
	.reason = "Moved",
	.resp_ct = "text/plain",
	.location = "/there",
	.req_hdrs = "hOST: h.example\nUSER-agent: ua/1\nContent_Length: 9\ncontent-LENGTH: 2\n"
		    "HOSTS: no\n",
	.resp_hdrs = "LOCATION: /there\nContent-TYPE: text/plain\nContent-Lengt: 7\n"
		     "CONTENT-LENGTH: 3\n",
	.req_body = "ok",
	.resp_body = "abc",
	.status = 301,
	.method_id = M(POST),
	.version = 11,
	.flags = DONE,
	.req_wire = LEN(NC_REQ),
	.resp_wire = LEN(NC_RESP),
	.req_body_len = 2,
	.resp_body_len = 3,
	.nh_req = 5,
	.nh_resp = 4,
} };

/* Known names in any case are recognised; names one character off are not. */
static void
test_header_names_matched_in_any_case_only_exactly(void **state)
{
	static const struct tcase tc = {
		.name = "names_any_case",
		.steps = { REQ(NC_REQ), RESP(NC_RESP) },
		.exp = exp_names_any_case,
		.n_exp = NEXP(exp_names_any_case),
	};

	(void)state;
	run_case(&tc);
}

/* control characters beyond the first 16 bytes of a value or reason */
#define CC_REQ                                                                                     \
	"GET /c HTTP/1.1\r\nX-Long: 0123456789abcdefghij\x01klm\r\n"                               \
	"User-Agent: 0123456789abcdefg\x7f\r\nHost: caf\xc3\xa9.example\r\n\r\n"
#define CC_RESP "HTTP/1.1 200 All fine, nothing to \x02see\r\nContent-Length: 0\r\n\r\n"

static const struct exp_tx exp_late_control_chars[] = { {
	.method = "GET",
	.uri = "/c",
	.protocol = "HTTP/1.1",
	.host = "caf\xc3\xa9.example",
	.ua = "0123456789abcdefg\x7f",
	.resp_protocol = "HTTP/1.1",
	.reason = "All fine, nothing to \x02see",
	.req_hdrs = "X-Long: 0123456789abcdefghij\x01klm\nUser-Agent: 0123456789abcdefg\x7f\n"
		    "Host: caf\xc3\xa9.example\n",
	.resp_hdrs = S_OK0H,
	.status = 200,
	.method_id = M(GET),
	.version = 11,
	.flags = DONE,
	.anomalies = AN(BAD_HEADER) | AN(BAD_STATUS_LINE),
	.req_wire = LEN(CC_REQ),
	.resp_wire = LEN(CC_RESP),
	.nh_req = 3,
	.nh_resp = 1,
} };

/* Control characters are kept and reported wherever they sit in a long
 * value or reason phrase; obs-text bytes are plain value bytes. */
static void
test_control_chars_found_past_16_bytes(void **state)
{
	static const struct tcase tc = {
		.name = "late_control_chars",
		.steps = { REQ(CC_REQ), RESP(CC_RESP) },
		.exp = exp_late_control_chars,
		.n_exp = NEXP(exp_late_control_chars),
	};

	(void)state;
	run_case(&tc);
}

/* ---- callbacks that stop the parser in a header line ---------------- */

struct trace {
	char buf[2048];
	size_t len;
	char last; /* tag of the piece element in progress, 0 after an event */
	int stop;  /* every callback stops the parser */
};

static void
tr_add(struct trace *t, char tag, const char *at, size_t len)
{
	if (tag != t->last || at == NULL) {
		assert_true(t->len < sizeof(t->buf));
		t->buf[t->len++] = tag;
	}
	t->last = at == NULL ? 0 : tag;
	if (at == NULL)
		return;
	assert_true(t->len + len <= sizeof(t->buf));
	memcpy(t->buf + t->len, at, len);
	t->len += len;
}

#define TR_PIECE(fn, tag)                                                                          \
	static int fn(struct ar_http_parser *p, const char *at, size_t len)                        \
	{                                                                                          \
		struct trace *t = p->user;                                                         \
		tr_add(t, tag, at, len);                                                           \
		return t->stop;                                                                    \
	}
#define TR_EVENT(fn, tag, stop_rc)                                                                 \
	static int fn(struct ar_http_parser *p)                                                    \
	{                                                                                          \
		struct trace *t = p->user;                                                         \
		tr_add(t, tag, NULL, 0);                                                           \
		return t->stop ? (stop_rc) : 0;                                                    \
	}

TR_PIECE(tr_method, 'M')
TR_PIECE(tr_target, 'T')
TR_PIECE(tr_version, 'V')
TR_PIECE(tr_status, 'S')
TR_PIECE(tr_reason, 'R')
TR_PIECE(tr_name, 'N')
TR_PIECE(tr_value, 'v')
TR_PIECE(tr_body, 'B')
TR_EVENT(tr_begin, '<', 1)
TR_EVENT(tr_done, ';', 1)
TR_EVENT(tr_headers, '|', 2) /* 1 would mean "no body" */
TR_EVENT(tr_complete, '>', 1)

static void
tr_anomaly(struct ar_http_parser *p, enum ar_http_anomaly an)
{
	tr_add(p->user, (char)('a' + an), NULL, 0);
}

/* Feeds @msg whole (resuming after each stop) or byte by byte. */
static void
tr_run(struct trace *t, bool response, const char *msg, size_t len, bool bytewise, int stop)
{
	static const struct ar_http_limits lim = { 200, 8, 400 };
	static const struct ar_http_parser_cbs cbs = {
		.on_message_begin = tr_begin,
		.on_method = tr_method,
		.on_target = tr_target,
		.on_version = tr_version,
		.on_status = tr_status,
		.on_reason = tr_reason,
		.on_header_name = tr_name,
		.on_header_value = tr_value,
		.on_header_done = tr_done,
		.on_headers_complete = tr_headers,
		.on_body = tr_body,
		.on_message_complete = tr_complete,
		.on_anomaly = tr_anomaly,
	};
	struct ar_http_parser p;
	size_t off = 0, calls = 0;

	memset(t, 0, sizeof(*t));
	t->stop = stop;
	ar_http_parser_init(&p, response, &cbs, &lim, t);
	while (off < len) {
		size_t n = bytewise ? 1 : len - off;
		long r = ar_http_parse(&p, (const uint8_t *)msg + off, n);
		assert_true(r >= 0 && (size_t)r <= n);
		off += (size_t)r;
		assert_true(++calls < 10 * len);
	}
}

/*
 * A callback may stop the parser anywhere in a header line taken whole;
 * fed again from where it stopped, the parser hands out the same elements,
 * events and anomalies as when it walks the bytes one by one.
 */
static void
test_parser_stops_in_header_lines_resume_where_they_stopped(void **state)
{
	static const char req[] =
		"POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-Empty:\r\n"
		"X-Pad:  v  \r\nAccept: */*\r\n\r\n3\r\nabc\r\n0\r\nT-A: 1\r\n\r\n"
		"GET /b HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi"
		"GET /c HTTP/1.0\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-B: b\r\n"
				   "Content-Length: 4\r\n\r\nbodyHTTP/1.1 204 No Content\r\n\r\n";
	static struct trace stopped, bytewise;

	(void)state;
	tr_run(&stopped, false, req, sizeof(req) - 1, false, 1);
	tr_run(&bytewise, false, req, sizeof(req) - 1, true, 0);
	assert_int_equal(stopped.len, bytewise.len);
	assert_memory_equal(stopped.buf, bytewise.buf, stopped.len);
	/* the two Content-Length headers of the second request: one anomaly */
	assert_non_null(memchr(bytewise.buf, 'a' + AR_HTTP_AN_DUP_CL, bytewise.len));
	assert_non_null(memmem(bytewise.buf, bytewise.len, "NX-Padvv  ;", 11));

	tr_run(&stopped, true, resp, sizeof(resp) - 1, false, 1);
	tr_run(&bytewise, true, resp, sizeof(resp) - 1, true, 0);
	assert_int_equal(stopped.len, bytewise.len);
	assert_memory_equal(stopped.buf, bytewise.buf, stopped.len);
	assert_non_null(memmem(bytewise.buf, bytewise.len, "NContent-Typevtext/plain;", 25));
}

/*
 * The whitespace between the colon and a Transfer-Encoding value is plain
 * only when it is nothing or one SP; a lone HT makes the value obfuscated.
 */
static void
test_transfer_encoding_after_colon_whitespace(void **state)
{
	static const struct {
		const char *line;
		uint32_t an;
	} tv[] = {
		{ "Transfer-Encoding:chunked", 0 },
		{ "Transfer-Encoding: chunked", 0 },
		{ "Transfer-Encoding:\tchunked", AN(OBFUSCATED_TE) },
		{ "Transfer-Encoding:  chunked", AN(OBFUSCATED_TE) },
		{ "transfer-ENCODING:\t chunked", AN(OBFUSCATED_TE) },
	};
	static const struct ar_http_limits lim = { 200, 8, 400 };
	struct ar_http_parser_cbs cbs = { .on_anomaly = te_on_anomaly, .on_body = te_on_body };

	(void)state;
	for (size_t i = 0; i < NEXP(tv); i++) {
		char msg[128];
		int n = snprintf(msg, sizeof(msg),
				 "HTTP/1.1 200 OK\r\n%s\r\nX: y\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
				 tv[i].line);
		for (size_t k = 0; k <= (size_t)n; k++) {
			struct ar_http_parser p;
			struct te_run r = { 0, 0 };
			ar_http_parser_init(&p, true, &cbs, &lim, &r);
			assert_int_equal(ar_http_parse(&p, (const uint8_t *)msg, k), (long)k);
			assert_int_equal(ar_http_parse(&p, (const uint8_t *)msg + k, (size_t)n - k),
					 n - (long)k);
			if (r.anomalies != tv[i].an)
				print_error("\"%s\" split %zu: anomalies 0x%x\n", tv[i].line, k,
					    r.anomalies);
			assert_int_equal(r.anomalies, tv[i].an);
			assert_int_equal(p.framing, AR_HTTP_BODY_CHUNKED);
			assert_int_equal(r.body, 3);
		}
	}
}

/* ---- damaged exchanges: whole, split and byte by byte agree --------- */

/*
 * check_same(), except for two things of an aborted transaction that
 * depend on where the parser saw the damage: a status-line version is
 * checked when it ends or at the end of a buffer, so a response that does
 * not start with "HTTP/" ("cation: /l") counts 6 wire bytes fed whole and
 * 1 fed byte by byte, and "HAT" is not kept as the protocol fed whole,
 * while "H" is, fed byte by byte.
 */
static void
check_same_but_aborted_wire(const struct tcase *tc, const struct result *a, const struct result *b,
			    int mode, size_t split)
{
	static struct result b2;

	b2 = *b;
	for (unsigned i = 0; i < a->n && i < b->n; i++)
		if ((a->tx[i].flags & b->tx[i].flags & AR_HTTP_TX_ABORTED) != 0) {
			b2.tx[i].req_wire = a->tx[i].req_wire;
			b2.tx[i].resp_wire = a->tx[i].resp_wire;
			memcpy(b2.tx[i].resp_protocol, a->tx[i].resp_protocol,
			       sizeof(b2.tx[i].resp_protocol));
		}
	check_same(tc, a, &b2, mode, split);
}

/*
 * Every byte that changes how a header or start line is read (line ends,
 * whitespace, colon, control characters), inserted at every offset of an
 * exchange: the transactions, anomalies and counters must not depend on
 * how the bytes were cut into buffers.
 */
static void
test_damaged_exchanges_same_whole_split_and_bytewise(void **state)
{
	static const char req[] =
		"POST /m HTTP/1.1\r\nHost: h\r\nContent-Type: a/b\r\nTransfer-Encoding: chunked\r\n"
		"X-A:  v \r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /n HTTP/1.1\r\nContent-Length: 2"
		"\r\n\r\nhi";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nLocation: /l\r\n\r\n"
				   "okHTTP/1.1 204 No Content\r\nX: y\r\n\r\n";
	static const char ins[] = { '\r', '\n', ' ', '\t', ':', '\x01', '\x7f', 'A' };
	static const struct tcase tc = { .name = "damaged" };
	static struct result whole, other;
	char buf[256];

	(void)state;
	for (int side = 0; side < 2; side++) {
		const char *base = side == 0 ? req : resp;
		size_t blen = side == 0 ? sizeof(req) - 1 : sizeof(resp) - 1;
		for (size_t i = 0; i <= blen; i++)
			for (size_t k = 0; k < sizeof(ins); k++) {
				struct step steps[3] = {
					{ OP_REQ, req, sizeof(req) - 1 },
					{ OP_RESP, resp, sizeof(resp) - 1 },
					{ OP_END, NULL, 0 },
				};
				memcpy(buf, base, i);
				buf[i] = ins[k];
				memcpy(buf + i + 1, base + i, blen - i);
				steps[side].data = buf;
				steps[side].len = blen + 1;
				run(&base_params, steps, 0, 0, &whole);
				run(&base_params, steps, 2, 0, &other);
				check_same_but_aborted_wire(&tc, &whole, &other, 2, 0);
				/* cut right after the inserted byte */
				run(&base_params, steps, 1,
				    (side == 0 ? 0 : sizeof(req) - 1) + i + 1, &other);
				check_same_but_aborted_wire(&tc, &whole, &other, 1, i + 1);
			}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get_split_everywhere),
		cmocka_unit_test(test_keepalive_series_split_everywhere),
		cmocka_unit_test(test_pipelined_requests_pair_fifo),
		cmocka_unit_test(test_post_content_length_body_captured_and_cut),
		cmocka_unit_test(test_chunked_with_extensions_and_trailers),
		cmocka_unit_test(test_continue_100_is_skipped_for_final_response),
		cmocka_unit_test(test_head_response_has_no_body),
		cmocka_unit_test(test_responses_204_304_have_no_body),
		cmocka_unit_test(test_response_ended_by_close),
		cmocka_unit_test(test_http09_request_and_raw_response),
		cmocka_unit_test(test_connect_2xx_makes_tunnel),
		cmocka_unit_test(test_upgrade_101_makes_tunnel),
		cmocka_unit_test(test_anomaly_cl_and_te),
		cmocka_unit_test(test_anomaly_duplicate_cl),
		cmocka_unit_test(test_anomaly_conflicting_cl_keeps_first),
		cmocka_unit_test(test_anomaly_bad_cl_means_no_body),
		cmocka_unit_test(test_anomaly_obfuscated_te_chunked_not_last),
		cmocka_unit_test(test_anomaly_unknown_te_body_until_close),
		cmocka_unit_test(test_anomaly_bare_lf),
		cmocka_unit_test(test_anomaly_obs_fold_joined_with_space),
		cmocka_unit_test(test_anomaly_bad_chunk_size_aborts),
		cmocka_unit_test(test_anomaly_bad_chunk_end_aborts),
		cmocka_unit_test(test_anomaly_header_count_stops_keeping),
		cmocka_unit_test(test_anomaly_header_too_long_stops_keeping),
		cmocka_unit_test(test_anomaly_line_too_long_cuts_target),
		cmocka_unit_test(test_anomaly_bad_request_line_resyncs),
		cmocka_unit_test(test_anomaly_bad_status_line_resyncs),
		cmocka_unit_test(test_anomaly_bad_header_line_skipped),
		cmocka_unit_test(test_anomaly_space_before_colon),
		cmocka_unit_test(test_anomaly_bad_version),
		cmocka_unit_test(test_anomaly_response_without_request),
		cmocka_unit_test(test_anomaly_bare_cr_ends_line),
		cmocka_unit_test(test_transfer_encoding_variants),
		cmocka_unit_test(test_parser_pieces_point_into_input_and_concatenate),
		cmocka_unit_test(test_parser_callback_stop_returns_consumed),
		cmocka_unit_test(test_gap_inside_content_length_body_is_consumed),
		cmocka_unit_test(test_gap_in_headers_resyncs_on_next_request),
		cmocka_unit_test(test_gap_resync_split_across_buffers),
		cmocka_unit_test(test_gap_in_response_resyncs_on_status_line),
		cmocka_unit_test(test_pool_exhaustion_counts_and_keeps_framing),
		cmocka_unit_test(test_pipeline_limit_skips_excess_requests_in_order),
		cmocka_unit_test(test_not_http_stream_is_given_up),
		cmocka_unit_test(test_request_without_response_is_flagged_at_close),
		cmocka_unit_test(test_timestamps_follow_first_and_last_bytes),
		cmocka_unit_test(test_small_arena_truncates_and_flags),
		cmocka_unit_test(test_headers_kept_without_log_headers),
		cmocka_unit_test(test_detect_request_and_response),
		cmocka_unit_test(test_anomaly_names_are_distinct),
		cmocka_unit_test(test_ctx_create_rejects_bad_params),
		cmocka_unit_test(test_header_names_matched_in_any_case_only_exactly),
		cmocka_unit_test(test_control_chars_found_past_16_bytes),
		cmocka_unit_test(test_parser_stops_in_header_lines_resume_where_they_stopped),
		cmocka_unit_test(test_transfer_encoding_after_colon_whitespace),
		cmocka_unit_test(test_damaged_exchanges_same_whole_split_and_bytewise),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
