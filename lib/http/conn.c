/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x transactions: pairs the requests and responses of a connection
 * (FIFO, for pipelining) and keeps what an event needs in the per-side
 * arenas of a pooled transaction.
 *
 * Arena layout of one side, in arrival order: start-line strings, then the
 * header entries (contiguous, when params.log_headers), then the captured
 * body prefix. A header entry is packed as
 *     u16 name_len, u16 value_len (host byte order), name, value
 * and is committed on on_header_done; a header the parser abandons (bad
 * line, limit hit) is rolled back. Values are stored without trailing
 * whitespace. Trailer fields are not kept.
 *
 * Pending FIFO entries: pool index in the low 28 bits (PEND_NONE: request
 * not recorded), what the response framing needs from the request (method,
 * or HTTP/0.9) in the high 4 bits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ar_http.h"
#include "http_priv.h"

#define NO_TX         UINT32_MAX
#define PEND_IDX_MASK 0x0fffffffu
#define PEND_NONE     PEND_IDX_MASK
#define PEND_SHIFT    28
#define PEND_M_HTTP09 15u
#define PIPE_MAX      (sizeof(((struct ar_http_conn *)0)->pending) / sizeof(uint32_t))
#define NO_ID         UINT64_MAX

enum {
	CONN_OPEN = 0,
	CONN_TUNNEL,
	CONN_DEAD,
	CONN_CLOSED
};

/* conn->flags */
#define CF_REQ_QUEUED    (1u << 0) /* the request in progress is the FIFO tail */
#define CF_GAP           (1u << 1) /* inside ar_http_conn_gap() */
#define CF_RESP_FRONT    (1u << 2) /* the response in progress answers the FIFO front */
#define CF_RESP_OVERFLOW (1u << 3) /* ... answers a request beyond the pipeline limit */
#define CF_RESP_ORPHAN   (1u << 4) /* ... answers no request */
#define CF_RESP_KIND     (CF_RESP_FRONT | CF_RESP_OVERFLOW | CF_RESP_ORPHAN)

enum {
	H_NONE = 0,
	H_NAME,
	H_VALUE
};

struct tx_slot {
	struct ar_http_tx tx;
	uint32_t hdr_start[2]; /* arena offset of the header being built */
	uint32_t name_len[2];
	uint32_t val_off[2];
	uint32_t val_len[2];
	uint32_t body_kept[2];
	uint32_t next_free;
	uint16_t hdr_no[2];  /* parser header_count when the header began */
	uint8_t hstate[2];   /* H_* */
	uint8_t entry_ok[2]; /* the header entry has its 4-byte prefix */
	uint8_t store[2];    /* the value of the header being built is stored */
	uint8_t keep_id[2];  /* known header whose value becomes a tx field */
	uint8_t req_ended;
	uint8_t resp_ended;
	uint8_t interim; /* a 1xx interim response was seen: reset before the next */
};

struct ar_http_ctx {
	struct ar_http_params params;
	struct ar_http_tx_ops ops;
	void *ops_ctx;
	struct http_cbs cbs;
	struct tx_slot *slots;
	char *arena;
	uint32_t free_head;
	struct ar_http_stats stats;
};

/* ---- pool ----------------------------------------------------------- */

static uint32_t
slot_alloc(struct ar_http_ctx *ctx, struct ar_http_conn *c, uint64_t id)
{
	uint32_t idx = ctx->free_head;

	if (idx == NO_TX)
		return NO_TX;
	struct tx_slot *t = &ctx->slots[idx];
	ctx->free_head = t->next_free;
	char *a0 = t->tx.arena[0], *a1 = t->tx.arena[1];
	memset(t, 0, sizeof(*t));
	t->tx.arena[0] = a0;
	t->tx.arena[1] = a1;
	t->tx.arena_size = ctx->params.arena_size;
	t->tx.tx_id = id;
	(void)c;
	ctx->stats.tx_live++;
	return idx;
}

static void
slot_free(struct ar_http_ctx *ctx, uint32_t idx)
{
	ctx->slots[idx].next_free = ctx->free_head;
	ctx->free_head = idx;
	ctx->stats.tx_live--;
}

static struct tx_slot *
slot_of(struct ar_http_conn *c, enum ar_http_side side)
{
	uint32_t idx = c->cur[side];

	return idx == NO_TX ? NULL : &c->ctx->slots[idx];
}

/* ---- FIFO ----------------------------------------------------------- */

static uint32_t
fifo_at(const struct ar_http_conn *c, unsigned i)
{
	return c->pending[(c->head + i) % PIPE_MAX];
}

static void
fifo_push(struct ar_http_conn *c, uint32_t e)
{
	c->pending[(c->head + c->n_pending) % PIPE_MAX] = e;
	c->n_pending++;
}

static void
fifo_pop(struct ar_http_conn *c)
{
	c->head = (uint8_t)((c->head + 1) % PIPE_MAX);
	c->n_pending--;
	if (c->n_pending == 0)
		c->flags &= ~CF_REQ_QUEUED;
}

/* The response parser must know the request's method (HEAD, CONNECT) and
 * whether it was HTTP/0.9 before the response starts. */
static void
prepare_response(struct ar_http_conn *c)
{
	struct ar_http_parser *p = &c->parser[AR_HTTP_RESP];
	uint32_t code = c->n_pending > 0 ? fifo_at(c, 0) >> PEND_SHIFT : AR_HTTP_M_GET;

	if (code == PEND_M_HTTP09)
		http1_parser_set_request(p, AR_HTTP_M_GET, 9);
	else
		http1_parser_set_request(p, (enum ar_http_method)code, 11);
}

/* ---- arena ---------------------------------------------------------- */

static uint32_t
put(struct ar_http_tx *tx, enum ar_http_side side, const char *at, size_t len, bool trunc_flag)
{
	uint32_t room = tx->arena_size - tx->arena_used[side];
	uint32_t n = len > room ? room : (uint32_t)len;

	if (n < len && trunc_flag)
		tx->flags |= AR_HTTP_TX_TRUNCATED;
	memcpy(tx->arena[side] + tx->arena_used[side], at, n);
	tx->arena_used[side] += n;
	return n;
}

static void
str_append(struct ar_http_tx *tx, enum ar_http_side side, struct ar_http_str *s, const char *at,
	   size_t len)
{
	if (s->len == 0)
		s->off = tx->arena_used[side];
	s->len += put(tx, side, at, len, true);
}

static struct ar_http_str *
kept_field(struct ar_http_tx *tx, enum ar_http_side side, uint8_t id)
{
	if (side == AR_HTTP_REQ) {
		switch (id) {
		case HTTP_H_HOST:
			return &tx->host;
		case HTTP_H_USER_AGENT:
			return &tx->user_agent;
		case HTTP_H_REFERER:
			return &tx->referer;
		case HTTP_H_CONTENT_TYPE:
			return &tx->req_content_type;
		default:
			return NULL;
		}
	}
	switch (id) {
	case HTTP_H_CONTENT_TYPE:
		return &tx->resp_content_type;
	case HTTP_H_LOCATION:
		return &tx->location;
	default:
		return NULL;
	}
}

static void
hdr_rollback(struct tx_slot *t, enum ar_http_side side)
{
	if (t->hstate[side] != H_NONE)
		t->tx.arena_used[side] = t->hdr_start[side];
	t->hstate[side] = H_NONE;
}

static void
hdr_begin(struct ar_http_ctx *ctx, struct tx_slot *t, enum ar_http_side side, uint16_t no)
{
	struct ar_http_tx *tx = &t->tx;

	hdr_rollback(t, side);
	t->hstate[side] = H_NAME;
	t->hdr_no[side] = no;
	t->hdr_start[side] = tx->arena_used[side];
	t->name_len[side] = 0;
	t->val_len[side] = 0;
	t->entry_ok[side] = 0;
	if (ctx->params.log_headers) {
		if (tx->arena_size - tx->arena_used[side] >= 4) {
			tx->arena_used[side] += 4;
			t->entry_ok[side] = 1;
		} else {
			tx->flags |= AR_HTTP_TX_TRUNCATED;
		}
	}
}

static void
hdr_value_begin(struct ar_http_ctx *ctx, struct tx_slot *t, enum ar_http_side side, uint8_t id)
{
	struct ar_http_str *f = kept_field(&t->tx, side, id);

	t->hstate[side] = H_VALUE;
	t->val_off[side] = t->tx.arena_used[side];
	t->val_len[side] = 0;
	t->keep_id[side] = (f != NULL && f->len == 0) ? id : 0;
	if (ctx->params.log_headers)
		t->store[side] = t->entry_ok[side];
	else
		t->store[side] = t->keep_id[side] != 0;
}

static void
hdr_commit(struct ar_http_ctx *ctx, struct tx_slot *t, enum ar_http_side side)
{
	struct ar_http_tx *tx = &t->tx;
	char *a = tx->arena[side];

	if (t->hstate[side] == H_NONE)
		return;
	while (t->val_len[side] > 0) {
		char ch = a[t->val_off[side] + t->val_len[side] - 1];
		if (ch != ' ' && ch != '\t')
			break;
		t->val_len[side]--;
		tx->arena_used[side]--;
	}
	if (ctx->params.log_headers && t->entry_ok[side]) {
		uint16_t nl = (uint16_t)t->name_len[side], vl = (uint16_t)t->val_len[side];
		memcpy(a + t->hdr_start[side], &nl, 2);
		memcpy(a + t->hdr_start[side] + 2, &vl, 2);
		if (tx->hdrs[side].len == 0)
			tx->hdrs[side].off = t->hdr_start[side];
		tx->hdrs[side].len = tx->arena_used[side] - tx->hdrs[side].off;
	}
	if (t->keep_id[side] != 0 && t->val_len[side] > 0) {
		struct ar_http_str *f = kept_field(tx, side, t->keep_id[side]);
		f->off = t->val_off[side];
		f->len = t->val_len[side];
	} else if (!ctx->params.log_headers) {
		tx->arena_used[side] = t->hdr_start[side];
	}
	t->hstate[side] = H_NONE;
}

/* ---- delivery ------------------------------------------------------- */

static void
deliver(struct ar_http_conn *c, uint32_t idx)
{
	struct ar_http_ctx *ctx = c->ctx;
	struct ar_http_tx *tx = &ctx->slots[idx].tx;
	bool incomplete = !(tx->flags & AR_HTTP_TX_RESP_COMPLETE);

	if (!(tx->flags & AR_HTTP_TX_RESP_SEEN))
		tx->flags |= AR_HTTP_TX_NO_RESPONSE;
	if (ctx->ops.on_tx != NULL)
		ctx->ops.on_tx(ctx->ops_ctx, c->user, tx);
	ctx->stats.tx_done++;
	if (incomplete)
		ctx->stats.tx_incomplete++;
	slot_free(ctx, idx);
}

static void
conn_anomaly(struct ar_http_conn *c, enum ar_http_side side, enum ar_http_anomaly an, uint64_t id,
	     struct tx_slot *t)
{
	struct ar_http_ctx *ctx = c->ctx;

	ctx->stats.anomalies[an]++;
	if (t != NULL) {
		t->tx.anomalies |= 1u << an;
		if (an == AR_HTTP_AN_GAP)
			t->tx.flags |= AR_HTTP_TX_GAP;
	}
	if (ctx->ops.on_anomaly != NULL)
		ctx->ops.on_anomaly(ctx->ops_ctx, c->user, side, an, id);
}

/* ---- parser callbacks ----------------------------------------------- */

static void
req_begin(struct ar_http_conn *c)
{
	struct ar_http_ctx *ctx = c->ctx;
	uint64_t id = c->next_tx_id++;
	uint32_t idx;

	ctx->stats.requests++;
	c->cur[AR_HTTP_REQ] = NO_TX;
	c->cur_id[AR_HTTP_REQ] = id;
	c->flags &= ~CF_REQ_QUEUED;
	if (c->overflow > 0 || c->n_pending >= ctx->params.max_pipeline) {
		c->overflow++;
		conn_anomaly(c, AR_HTTP_REQ, AR_HTTP_AN_PIPELINE_LIMIT, id, NULL);
		return;
	}
	idx = slot_alloc(ctx, c, id);
	if (idx == NO_TX) {
		ctx->stats.tx_pool_empty++;
		conn_anomaly(c, AR_HTTP_REQ, AR_HTTP_AN_TX_POOL_EMPTY, id, NULL);
		fifo_push(c, PEND_NONE);
	} else {
		ctx->slots[idx].tx.req_ts = c->cur_ts;
		fifo_push(c, idx);
	}
	c->flags |= CF_REQ_QUEUED;
	c->cur[AR_HTTP_REQ] = idx;
}

static void
resp_reset(struct tx_slot *t)
{
	struct ar_http_tx *tx = &t->tx;
	static const struct ar_http_str none;

	tx->arena_used[AR_HTTP_RESP] = 0;
	tx->resp_protocol = none;
	tx->reason = none;
	tx->resp_content_type = none;
	tx->location = none;
	tx->hdrs[AR_HTTP_RESP] = none;
	tx->body[AR_HTTP_RESP] = none;
	tx->n_headers[AR_HTTP_RESP] = 0;
	tx->resp_body_len = 0;
	t->body_kept[AR_HTTP_RESP] = 0;
	t->hstate[AR_HTTP_RESP] = H_NONE;
	t->interim = 0;
}

static void
resp_begin(struct ar_http_conn *c)
{
	struct ar_http_ctx *ctx = c->ctx;
	struct tx_slot *t = NULL;
	uint32_t idx = NO_TX;

	c->flags &= ~CF_RESP_KIND;
	c->cur_id[AR_HTTP_RESP] = NO_ID;
	if (c->n_pending > 0) {
		c->flags |= CF_RESP_FRONT;
		prepare_response(c);
		idx = fifo_at(c, 0) & PEND_IDX_MASK;
		if (idx == PEND_NONE)
			idx = NO_TX;
	} else if (c->overflow > 0) {
		c->flags |= CF_RESP_OVERFLOW;
	} else {
		uint64_t id = c->next_tx_id++;
		c->flags |= CF_RESP_ORPHAN;
		c->cur_id[AR_HTTP_RESP] = id;
		idx = slot_alloc(ctx, c, id);
		if (idx == NO_TX) {
			ctx->stats.tx_pool_empty++;
			conn_anomaly(c, AR_HTTP_RESP, AR_HTTP_AN_TX_POOL_EMPTY, id, NULL);
		} else {
			t = &ctx->slots[idx];
			t->req_ended = 1;
		}
		conn_anomaly(c, AR_HTTP_RESP, AR_HTTP_AN_RESPONSE_WITHOUT_REQUEST, id, t);
	}
	c->cur[AR_HTTP_RESP] = idx;
	if (idx == NO_TX)
		return;
	t = &ctx->slots[idx];
	c->cur_id[AR_HTTP_RESP] = t->tx.tx_id;
	if (t->interim)
		resp_reset(t);
	if (!(t->tx.flags & AR_HTTP_TX_RESP_SEEN))
		t->tx.resp_ts = c->cur_ts;
	t->tx.flags |= AR_HTTP_TX_RESP_SEEN;
}

static int
cb_begin(struct ar_http_parser *p)
{
	if (p->is_response)
		resp_begin(p->user);
	else
		req_begin(p->user);
	return 0;
}

static int
cb_method(struct ar_http_parser *p, const char *at, size_t len)
{
	struct tx_slot *t = slot_of(p->user, AR_HTTP_REQ);

	if (t != NULL)
		str_append(&t->tx, AR_HTTP_REQ, &t->tx.method, at, len);
	return 0;
}

static int
cb_target(struct ar_http_parser *p, const char *at, size_t len)
{
	struct tx_slot *t = slot_of(p->user, AR_HTTP_REQ);

	if (t != NULL)
		str_append(&t->tx, AR_HTTP_REQ, &t->tx.uri, at, len);
	return 0;
}

static int
cb_version(struct ar_http_parser *p, const char *at, size_t len)
{
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(p->user, side);

	if (t != NULL)
		str_append(&t->tx, side,
			   side == AR_HTTP_REQ ? &t->tx.protocol : &t->tx.resp_protocol, at, len);
	return 0;
}

static int
cb_reason(struct ar_http_parser *p, const char *at, size_t len)
{
	struct tx_slot *t = slot_of(p->user, AR_HTTP_RESP);

	if (t != NULL)
		str_append(&t->tx, AR_HTTP_RESP, &t->tx.reason, at, len);
	return 0;
}

/* Appends a piece of a header name or value that has @have bytes so far
 * (at most 65535 kept); returns the bytes kept. */
static uint32_t
hdr_put(struct ar_http_tx *tx, enum ar_http_side side, uint32_t have, const char *at, size_t len)
{
	size_t room = UINT16_MAX - have;

	if (len > room) {
		len = room;
		tx->flags |= AR_HTTP_TX_TRUNCATED;
	}
	return put(tx, side, at, len, true);
}

static int
cb_header_name(struct ar_http_parser *p, const char *at, size_t len)
{
	struct ar_http_conn *c = p->user;
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(c, side);

	if (t == NULL || http1_parser_in_trailer(p))
		return 0;
	/* a header abandoned by the parser (bad line) is followed by a new one */
	if (t->hstate[side] != H_NAME || t->hdr_no[side] != p->header_count)
		hdr_begin(c->ctx, t, side, p->header_count);
	if (t->entry_ok[side])
		t->name_len[side] += hdr_put(&t->tx, side, t->name_len[side], at, len);
	return 0;
}

static int
cb_header_value(struct ar_http_parser *p, const char *at, size_t len)
{
	struct ar_http_conn *c = p->user;
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(c, side);

	if (t == NULL || http1_parser_in_trailer(p) || t->hstate[side] == H_NONE)
		return 0;
	if (t->hstate[side] == H_NAME)
		hdr_value_begin(c->ctx, t, side, p->hdr_id);
	if (t->store[side])
		t->val_len[side] += hdr_put(&t->tx, side, t->val_len[side], at, len);
	return 0;
}

static int
cb_header_done(struct ar_http_parser *p)
{
	struct ar_http_conn *c = p->user;
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(c, side);

	if (t == NULL || http1_parser_in_trailer(p) || t->hstate[side] == H_NONE)
		return 0;
	if (t->hstate[side] == H_NAME)
		hdr_value_begin(c->ctx, t, side, p->hdr_id);
	hdr_commit(c->ctx, t, side);
	return 0;
}

/*
 * A whole header line (the parser's fast path, see http_priv.h): what
 * cb_header_name, cb_header_value and cb_header_done do in a row. When the
 * header list is kept and the entry fits in the arena, it is written in
 * one go: the value goes in already trimmed, which leaves the arena as the
 * piece by piece way does after its trim.
 */
static int
cb_header(struct ar_http_parser *p, const char *name, size_t name_len, const char *value,
	  size_t value_len)
{
	struct ar_http_conn *c = p->user;
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(c, side);
	struct ar_http_tx *tx;
	uint32_t used;

	if (t == NULL || http1_parser_in_trailer(p))
		return 0;
	tx = &t->tx;
	hdr_rollback(t, side); /* a header the parser abandoned */
	used = tx->arena_used[side];
	if (c->ctx->params.log_headers && name_len <= UINT16_MAX && value_len <= UINT16_MAX &&
	    4 + name_len + value_len <= tx->arena_size - used) {
		char *a = tx->arena[side] + used;
		uint16_t nl = (uint16_t)name_len, vl = (uint16_t)value_len;
		struct ar_http_str *f;

		while (vl > 0 && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
			vl--;
		memcpy(a, &nl, 2);
		memcpy(a + 2, &vl, 2);
		memcpy(a + 4, name, nl);
		memcpy(a + 4 + nl, value, vl);
		tx->arena_used[side] = used + 4 + nl + vl;
		if (tx->hdrs[side].len == 0)
			tx->hdrs[side].off = used;
		tx->hdrs[side].len = tx->arena_used[side] - tx->hdrs[side].off;
		if (p->hdr_id != HTTP_H_OTHER && vl > 0 &&
		    (f = kept_field(tx, side, p->hdr_id)) != NULL && f->len == 0) {
			f->off = used + 4 + nl;
			f->len = vl;
		}
		return 0;
	}
	hdr_begin(c->ctx, t, side, p->header_count);
	if (t->entry_ok[side])
		t->name_len[side] = hdr_put(&t->tx, side, 0, name, name_len);
	hdr_value_begin(c->ctx, t, side, p->hdr_id);
	if (t->store[side] && value_len > 0)
		t->val_len[side] = hdr_put(&t->tx, side, 0, value, value_len);
	hdr_commit(c->ctx, t, side);
	return 0;
}

static int
cb_headers_complete(struct ar_http_parser *p)
{
	struct ar_http_conn *c = p->user;
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(c, side);

	if (side == AR_HTTP_REQ && (c->flags & CF_REQ_QUEUED)) {
		/* the response framing needs the method: note it in the FIFO entry */
		unsigned i = (c->head + c->n_pending - 1u) % PIPE_MAX;
		uint32_t code = p->version == 9 ? PEND_M_HTTP09 : p->method;
		c->pending[i] = (c->pending[i] & PEND_IDX_MASK) | (code << PEND_SHIFT);
		if (c->n_pending == 1 && http1_parser_idle(&c->parser[AR_HTTP_RESP]))
			prepare_response(c);
	}
	if (t == NULL)
		return 0;
	hdr_rollback(t, side);
	t->tx.n_headers[side] = p->header_count;
	if (side == AR_HTTP_REQ) {
		t->tx.method_id = p->method;
		t->tx.version = p->version;
		if (p->version == 9)
			t->tx.flags |= AR_HTTP_TX_HTTP09;
	} else if (p->status == 100) {
		t->tx.flags |= AR_HTTP_TX_CONTINUE;
	}
	return 0;
}

static int
cb_body(struct ar_http_parser *p, const char *at, size_t len)
{
	struct ar_http_conn *c = p->user;
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(c, side);
	uint32_t cap = c->ctx->params.body_capture;

	if (t == NULL)
		return 0;
	if (side == AR_HTTP_REQ)
		t->tx.req_body_len += len;
	else
		t->tx.resp_body_len += len;
	if (t->body_kept[side] < cap) {
		size_t want = cap - t->body_kept[side];
		uint32_t n;
		if (want > len)
			want = len;
		if (t->tx.body[side].len == 0)
			t->tx.body[side].off = t->tx.arena_used[side];
		n = put(&t->tx, side, at, want, false);
		t->tx.body[side].len += n;
		t->body_kept[side] += n;
		if (n < want)
			t->body_kept[side] = cap; /* arena full: capture over */
		if (n < len)
			t->tx.flags |= side == AR_HTTP_REQ ? AR_HTTP_TX_REQ_BODY_CUT :
							     AR_HTTP_TX_RESP_BODY_CUT;
	} else {
		t->tx.flags |=
			side == AR_HTTP_REQ ? AR_HTTP_TX_REQ_BODY_CUT : AR_HTTP_TX_RESP_BODY_CUT;
	}
	return 0;
}

static void
req_complete(struct ar_http_conn *c, struct ar_http_parser *p)
{
	struct tx_slot *t = slot_of(c, AR_HTTP_REQ);
	uint32_t idx = c->cur[AR_HTTP_REQ];

	c->cur[AR_HTTP_REQ] = NO_TX;
	c->flags &= ~CF_REQ_QUEUED;
	if (t == NULL)
		return;
	t->tx.req_end_ts = c->cur_ts;
	t->tx.req_wire_bytes = p->msg_bytes;
	if (p->framing == AR_HTTP_BODY_CHUNKED)
		t->tx.flags |= AR_HTTP_TX_REQ_CHUNKED;
	if (http1_parser_aborted(p)) {
		t->tx.flags |= AR_HTTP_TX_ABORTED;
		if (c->flags & CF_GAP)
			t->tx.flags |= AR_HTTP_TX_GAP;
	} else {
		t->tx.flags |= AR_HTTP_TX_REQ_COMPLETE;
	}
	hdr_rollback(t, AR_HTTP_REQ);
	t->req_ended = 1;
	if (t->resp_ended)
		deliver(c, idx);
}

static void
resp_complete(struct ar_http_conn *c, struct ar_http_parser *p)
{
	struct ar_http_ctx *ctx = c->ctx;
	struct tx_slot *t = slot_of(c, AR_HTTP_RESP);
	uint32_t idx = c->cur[AR_HTTP_RESP];
	bool aborted = http1_parser_aborted(p);
	bool tunnel = !aborted && p->framing == AR_HTTP_BODY_TUNNEL;

	if (!aborted && p->status >= 100 && p->status < 200 && p->status != 101 &&
	    !(c->flags & CF_RESP_ORPHAN)) {
		/* interim response: the final one follows for the same request
		 * (an orphan has no request to wait for: it ends here) */
		if (t != NULL) {
			t->tx.resp_wire_bytes += p->msg_bytes;
			t->interim = 1;
		}
		c->cur[AR_HTTP_RESP] = NO_TX;
		prepare_response(c);
		return;
	}
	ctx->stats.responses++;
	if (c->flags & CF_RESP_FRONT)
		fifo_pop(c);
	else if (c->flags & CF_RESP_OVERFLOW)
		c->overflow--;
	c->flags &= ~CF_RESP_KIND;
	c->cur[AR_HTTP_RESP] = NO_TX;
	if (tunnel) {
		c->state = CONN_TUNNEL;
		http1_parser_tunnel(&c->parser[AR_HTTP_REQ]);
	}
	if (t != NULL) {
		struct ar_http_tx *tx = &t->tx;
		tx->status = p->status;
		tx->resp_end_ts = c->cur_ts;
		tx->resp_wire_bytes += p->msg_bytes;
		if (p->framing == AR_HTTP_BODY_CHUNKED)
			tx->flags |= AR_HTTP_TX_RESP_CHUNKED;
		if (aborted) {
			tx->flags |= AR_HTTP_TX_ABORTED;
			if (c->flags & CF_GAP)
				tx->flags |= AR_HTTP_TX_GAP;
		} else {
			tx->flags |= AR_HTTP_TX_RESP_COMPLETE;
		}
		if (tunnel)
			tx->flags |= p->status == 101 ? AR_HTTP_TX_UPGRADE : AR_HTTP_TX_CONNECT;
		hdr_rollback(t, AR_HTTP_RESP);
		t->resp_ended = 1;
		if (t->req_ended || tunnel) {
			if (tunnel && c->cur[AR_HTTP_REQ] == idx)
				c->cur[AR_HTTP_REQ] = NO_TX;
			deliver(c, idx);
		}
	}
	prepare_response(c);
}

static int
cb_message_complete(struct ar_http_parser *p)
{
	if (p->is_response)
		resp_complete(p->user, p);
	else
		req_complete(p->user, p);
	return 0;
}

static void
cb_anomaly(struct ar_http_parser *p, enum ar_http_anomaly an)
{
	struct ar_http_conn *c = p->user;
	enum ar_http_side side = p->is_response ? AR_HTTP_RESP : AR_HTTP_REQ;
	struct tx_slot *t = slot_of(c, side);
	uint64_t id = c->cur_id[side];

	if (!http1_parser_in_msg(p) && !http1_parser_aborted(p)) {
		/* between messages (gap): concerns the next response's tx */
		t = NULL;
		id = side == AR_HTTP_REQ ? c->next_tx_id : NO_ID;
		if (side == AR_HTTP_RESP && c->n_pending > 0) {
			uint32_t idx = fifo_at(c, 0) & PEND_IDX_MASK;
			if (idx != PEND_NONE) {
				t = &c->ctx->slots[idx];
				id = t->tx.tx_id;
			}
		}
	}
	conn_anomaly(c, side, an, id, t);
}

/* ---- context -------------------------------------------------------- */

struct ar_http_ctx *
ar_http_ctx_create(const struct ar_http_params *p, const struct ar_http_tx_ops *ops, void *ops_ctx)
{
	struct ar_http_ctx *ctx;

	if (p == NULL || ops == NULL || p->max_tx == 0 || p->max_tx >= PEND_NONE ||
	    p->arena_size < 16 || p->max_pipeline == 0 || p->max_pipeline > PIPE_MAX ||
	    p->limits.max_line == 0 || p->limits.max_header_count == 0 ||
	    p->limits.max_header_bytes == 0 ||
	    (uint64_t)p->max_tx * 2 * p->arena_size > SIZE_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		goto out_errno;
	ctx->params = *p;
	ctx->ops = *ops;
	ctx->ops_ctx = ops_ctx;
	ctx->slots = calloc(p->max_tx, sizeof(*ctx->slots));
	if (ctx->slots == NULL)
		goto out_free_ctx;
	ctx->arena = malloc((size_t)p->max_tx * 2 * p->arena_size);
	if (ctx->arena == NULL)
		goto out_free_slots;
	for (uint32_t i = 0; i < p->max_tx; i++) {
		struct tx_slot *t = &ctx->slots[i];
		t->tx.arena[0] = ctx->arena + (size_t)i * 2 * p->arena_size;
		t->tx.arena[1] = t->tx.arena[0] + p->arena_size;
		t->tx.arena_size = p->arena_size;
		t->next_free = i + 1 < p->max_tx ? i + 1 : NO_TX;
	}
	ctx->free_head = 0;
	ctx->cbs.on_header = cb_header;
	ctx->cbs.pub = (struct ar_http_parser_cbs){
		.on_message_begin = cb_begin,
		.on_method = cb_method,
		.on_target = cb_target,
		.on_version = cb_version,
		.on_reason = cb_reason,
		.on_header_name = cb_header_name,
		.on_header_value = cb_header_value,
		.on_header_done = cb_header_done,
		.on_headers_complete = cb_headers_complete,
		.on_body = cb_body,
		.on_message_complete = cb_message_complete,
		.on_anomaly = cb_anomaly,
	};
	return ctx;

out_free_slots:
	free(ctx->slots);
out_free_ctx:
	free(ctx);
out_errno:
	errno = ENOMEM;
	return NULL;
}

void
ar_http_ctx_free(struct ar_http_ctx *c)
{
	if (c == NULL)
		return;
	free(c->arena);
	free(c->slots);
	free(c);
}

const struct ar_http_stats *
ar_http_ctx_stats(const struct ar_http_ctx *c)
{
	return &c->stats;
}

/* ---- connection ----------------------------------------------------- */

void
ar_http_conn_init(struct ar_http_conn *c, struct ar_http_ctx *ctx, void *user)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->user = user;
	http1_parser_init_ext(&c->parser[AR_HTTP_REQ], false, &ctx->cbs, &ctx->params.limits, c);
	http1_parser_init_ext(&c->parser[AR_HTTP_RESP], true, &ctx->cbs, &ctx->params.limits, c);
	c->cur[0] = c->cur[1] = NO_TX;
	c->cur_id[0] = c->cur_id[1] = NO_ID;
	c->state = CONN_OPEN;
}

/* The stream of @side is not HTTP: drop what it started, stop the connection. */
static void
conn_give_up(struct ar_http_conn *c, enum ar_http_side side)
{
	struct ar_http_ctx *ctx = c->ctx;
	uint32_t idx = c->cur[side];

	ctx->stats.parse_errors++;
	c->state = CONN_DEAD;
	if (side == AR_HTTP_REQ) {
		if (c->flags & CF_REQ_QUEUED) {
			c->n_pending--; /* it is the tail */
			c->flags &= ~CF_REQ_QUEUED;
		} else if (http1_parser_in_msg(&c->parser[side]) && c->overflow > 0) {
			c->overflow--;
		}
		if (idx != NO_TX) {
			if (c->cur[AR_HTTP_RESP] == idx) {
				/* a response had started for it: drop it too */
				c->cur[AR_HTTP_RESP] = NO_TX;
				c->flags &= ~CF_RESP_KIND;
			}
			slot_free(ctx, idx);
		}
	} else if (idx != NO_TX) {
		if (c->flags & CF_RESP_ORPHAN) {
			slot_free(ctx, idx);
		} else {
			struct tx_slot *t = &ctx->slots[idx];
			resp_reset(t);
			t->tx.flags &= ~AR_HTTP_TX_RESP_SEEN;
			t->tx.resp_ts = 0;
		}
		c->flags &= ~CF_RESP_KIND;
	}
	c->cur[side] = NO_TX;
}

void
ar_http_conn_data(struct ar_http_conn *c, enum ar_http_side side, const uint8_t *data, size_t len,
		  uint64_t ts)
{
	struct ar_http_parser *p = &c->parser[side];

	if (c->state != CONN_OPEN || len == 0)
		return;
	c->cur_ts = ts;
	if (side == AR_HTTP_RESP && http1_parser_idle(p))
		prepare_response(c);
	if (ar_http_parse(p, data, len) < 0)
		conn_give_up(c, side);
}

void
ar_http_conn_gap(struct ar_http_conn *c, enum ar_http_side side, size_t len, uint64_t ts)
{
	struct ar_http_parser *p = &c->parser[side];
	struct tx_slot *t = slot_of(c, side);
	uint64_t body;

	if (c->state != CONN_OPEN || len == 0)
		return;
	c->cur_ts = ts;
	if (side == AR_HTTP_RESP && http1_parser_idle(p))
		prepare_response(c);
	if (t != NULL && http1_parser_in_msg(p))
		t->tx.flags |= AR_HTTP_TX_GAP;
	else
		t = NULL;
	body = http1_parser_gap_body(p, len);
	if (t != NULL) {
		if (side == AR_HTTP_REQ)
			t->tx.req_body_len += body;
		else
			t->tx.resp_body_len += body;
		if (body > 0)
			t->tx.flags |= side == AR_HTTP_REQ ? AR_HTTP_TX_REQ_BODY_CUT :
							     AR_HTTP_TX_RESP_BODY_CUT;
	}
	c->flags |= CF_GAP;
	(void)http1_parser_gap(p, len);
	c->flags &= ~CF_GAP;
}

void
ar_http_conn_eof(struct ar_http_conn *c, enum ar_http_side side, uint64_t ts)
{
	if (c->state != CONN_OPEN)
		return;
	c->cur_ts = ts;
	ar_http_parser_eof(&c->parser[side]);
}

void
ar_http_conn_close(struct ar_http_conn *c, uint64_t ts)
{
	struct ar_http_ctx *ctx = c->ctx;
	uint32_t list[PIPE_MAX + 2];
	unsigned n = 0;

	if (c->state == CONN_CLOSED)
		return;
	c->cur_ts = ts;
	if (c->state == CONN_OPEN) {
		ar_http_parser_eof(&c->parser[AR_HTTP_REQ]);
		ar_http_parser_eof(&c->parser[AR_HTTP_RESP]);
	}
	for (unsigned i = 0; i < c->n_pending; i++) {
		uint32_t idx = fifo_at(c, i) & PEND_IDX_MASK;
		if (idx != PEND_NONE)
			list[n++] = idx;
	}
	/* a request whose response came first, an orphan response */
	for (int side = 0; side < 2; side++) {
		bool listed = c->cur[side] == NO_TX;
		for (unsigned i = 0; i < n && !listed; i++)
			listed = list[i] == c->cur[side];
		if (!listed)
			list[n++] = c->cur[side];
	}
	/* in request order */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i;
		     j > 0 && ctx->slots[list[j - 1]].tx.tx_id > ctx->slots[list[j]].tx.tx_id;
		     j--) {
			uint32_t x = list[j];
			list[j] = list[j - 1];
			list[j - 1] = x;
		}
	for (unsigned i = 0; i < n; i++) {
		struct tx_slot *t = &ctx->slots[list[i]];
		for (int side = 0; side < 2; side++) {
			struct ar_http_parser *p = &c->parser[side];
			if (c->cur[side] != list[i] || !http1_parser_in_msg(p))
				continue;
			if (side == AR_HTTP_REQ) {
				t->tx.req_wire_bytes = p->msg_bytes;
			} else {
				t->tx.resp_wire_bytes += p->msg_bytes;
				t->tx.status = p->status;
			}
			if (p->framing == AR_HTTP_BODY_CHUNKED)
				t->tx.flags |= side == AR_HTTP_REQ ? AR_HTTP_TX_REQ_CHUNKED :
								     AR_HTTP_TX_RESP_CHUNKED;
			hdr_rollback(t, (enum ar_http_side)side);
		}
		deliver(c, list[i]);
	}
	c->n_pending = 0;
	c->overflow = 0;
	c->cur[0] = c->cur[1] = NO_TX;
	c->state = CONN_CLOSED;
}

bool
ar_http_tx_header_next(const struct ar_http_tx *tx, enum ar_http_side side, uint32_t *pos,
		       const char **name, uint32_t *name_len, const char **value,
		       uint32_t *value_len)
{
	const char *a = tx->arena[side] + tx->hdrs[side].off;
	uint16_t nl, vl;

	if ((uint64_t)*pos + 4 > tx->hdrs[side].len)
		return false;
	memcpy(&nl, a + *pos, 2);
	memcpy(&vl, a + *pos + 2, 2);
	if ((uint64_t)*pos + 4 + nl + vl > tx->hdrs[side].len)
		return false;
	*name = a + *pos + 4;
	*name_len = nl;
	*value = a + *pos + 4 + nl;
	*value_len = vl;
	*pos += 4u + nl + vl;
	return true;
}
