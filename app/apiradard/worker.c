/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet path: decode -> flow -> HTTP -> event records. Nothing
 * here locks, allocates or makes a system call per packet; counters are
 * plain fields of this worker, published in bulk.
 */
#include "worker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "ar_core.h"

static atomic_bool stop_requested;

void
ard_worker_stop_all(void)
{
	atomic_store_explicit(&stop_requested, true, memory_order_relaxed);
}

/* What the worker keeps per flow, in the flow table's l7 area. */
enum l7_proto {
	L7_UNKNOWN = 0, /* no payload yet */
	L7_HTTP,
	L7_OTHER, /* not a protocol we parse: ignored */
};

#define PROBE_MAX 16

/* Where a direction's detection stands while the protocol is unknown. */
enum l7_probe {
	L7_AT_START = 0, /* probing the first bytes of the stream */
	L7_AFTER_GAP,    /* probing the first bytes after a gap */
	L7_PARKED,       /* those were no message start: wait for the next gap */
};

struct l7_state {
	uint8_t proto;
	uint8_t probe_len[2];
	uint8_t probe_state[2];      /* enum l7_probe, by direction */
	uint8_t probe[2][PROBE_MAX]; /* first bytes, until the protocol is known */
	uint32_t missed[2];          /* bytes lost to gaps or skipped, while unknown */
	struct ar_http_conn http;
};

/* ---------------------------------------------------------------- */
/* Event records                                                     */
/* ---------------------------------------------------------------- */

static struct ar_rec *
rec_get(struct ard_worker *w)
{
	void *obj;
	while (rte_mempool_get(w->recs, &obj) != 0) {
		if (!w->backpressure) {
			w->st.events_lost_pool++;
			return NULL;
		}
		rte_pause();
	}
	return obj;
}

static void
rec_put(struct ard_worker *w, struct ar_rec *r)
{
	r->worker = (uint16_t)w->idx;
	while (rte_ring_sp_enqueue(w->ring, r) != 0) {
		if (!w->backpressure) {
			w->st.events_lost_ring++;
			rte_mempool_put(w->recs, r);
			return;
		}
		rte_pause();
	}
	w->st.events++;
}

static void
rec_head(struct ard_worker *w, struct ar_rec *r, const struct ar_flow *f)
{
	r->ts = w->now;
	r->flow_id = ar_eve_flow_id(f->id, (uint16_t)w->idx);
	/* offline, one worker reads the captures in order: its count is the file's */
	r->pcap_cnt = w->cfg->offline ? w->pkt_no : 0;
	r->tuple = f->tuple;
}

/* ---------------------------------------------------------------- */
/* Detection                                                         */
/* ---------------------------------------------------------------- */

struct hit_ctx {
	struct ard_worker *w;
	const struct ar_flow *f;
	const struct ar_http_tx *tx;
};

static struct ar_rec_str
put_tx_str(struct ar_rec *r, size_t cap, const struct ar_http_tx *tx, enum ar_http_side side,
	   struct ar_http_str s)
{
	return ar_rec_put(r, cap, ar_http_tx_str(tx, side, s), s.len);
}

static struct ar_rec_str
put_cstr(struct ar_rec *r, size_t cap, const char *s)
{
	return s ? ar_rec_put(r, cap, s, strlen(s)) : (struct ar_rec_str){ 0, 0 };
}

/*
 * Rules with a `limit` (a server banner, say) report once per server and
 * interval: the first finding of a (rule, server) pair in a slot of a
 * direct-mapped table. A collision forgets the older pair, which can
 * only make a report come early, never lose one that is due.
 */
static bool
limited(struct ard_worker *w, const struct ar_rule_info *ri, const struct ar_flow *f)
{
	const struct ar_pkt_tuple *t = &f->tuple;
	uint64_t key = ri->id;
	for (int i = 0; i < 16; i++)
		key = key * 1099511628211ull ^ t->dst[i];
	key = (key * 1099511628211ull ^ t->dport) | 1; /* never 0: 0 is a free slot */
	unsigned slot = (unsigned)(key >> 20) & (AR_WORKER_LIMIT_SLOTS - 1);
	if (w->limits[slot].key == key && w->now - w->limits[slot].ts < ri->limit_ns) {
		w->st.findings_limited++;
		return true;
	}
	w->limits[slot].key = key;
	w->limits[slot].ts = w->now;
	return false;
}

/* A finding becomes an alert or pii record. */
static void
on_hit(void *user, const struct ar_hit *h)
{
	struct hit_ctx *c = user;
	struct ard_worker *w = c->w;
	const struct ar_http_tx *tx = c->tx;
	const struct ar_rule_info *ri = ar_ruleset_rule(w->rs, h->rule);
	if (w->cur_rec)
		ar_api_rec_hit(w->cur_rec, ri->id, ri->pii_type != NULL, (uint8_t)ri->severity,
			       h->field, h->field_len, ri->pii_type ? ri->pii_type : ri->category,
			       strlen(ri->pii_type ? ri->pii_type : ri->category));
	if (ri->limit_ns && limited(w, ri, c->f))
		return;
	struct ar_rec *r = rec_get(w);
	if (r == NULL)
		return;
	size_t cap = w->rec_size;
	r->type = ri->pii_type ? AR_REC_PII : AR_REC_ALERT;
	r->size = sizeof(*r);
	rec_head(w, r, c->f);
	struct ar_rec_detect *d = &r->detect;
	memset(d, 0, sizeof(*d));
	d->rule_id = ri->id;
	d->count = h->count;
	d->cwe = ri->cwe;
	d->status = tx->status;
	d->severity = ri->severity;
	d->name_hit = h->name_hit;
	d->response = h->target >= AR_TGT_RESP_HEADER;
	d->tx_id = tx->tx_id;
	d->msg = put_cstr(r, cap, ri->msg);
	d->category = put_cstr(r, cap, ri->category);
	d->owasp = put_cstr(r, cap, ri->owasp);
	d->pii_type = put_cstr(r, cap, ri->pii_type);
	d->severity_name = put_cstr(r, cap, ar_severity_name(ri->severity));
	d->field = ar_rec_put(r, cap, h->field, h->field_len);
	d->excerpt = ar_rec_put(r, cap, h->excerpt, h->excerpt_len);
	d->method = put_tx_str(r, cap, tx, AR_HTTP_REQ, tx->method);
	d->url = put_tx_str(r, cap, tx, AR_HTTP_REQ, tx->uri);
	d->host = put_tx_str(r, cap, tx, AR_HTTP_REQ, tx->host);
	if (ri->pii_type)
		w->st.pii++;
	else
		w->st.alerts++;
	rec_put(w, r);
}

static unsigned
tx_headers(struct ard_worker *w, const struct ar_http_tx *tx, enum ar_http_side side)
{
	uint32_t pos = 0, nl, vl;
	const char *n, *v;
	unsigned k = 0;
	while (ar_http_tx_header_next(tx, side, &pos, &n, &nl, &v, &vl)) {
		if (k == AR_WORKER_MAX_HDRS) {
			w->st.headers_capped++;
			break;
		}
		w->hdrs[side][k++] = (struct ar_kv){ n, v, nl, vl };
	}
	return k;
}

static void
inspect(struct ard_worker *w, const struct ar_flow *f, const struct ar_http_tx *tx,
	unsigned n_req_headers)
{
	struct ar_exchange x = {
		.target = ar_http_tx_str(tx, AR_HTTP_REQ, tx->uri),
		.target_len = tx->uri.len,
		.req_headers = w->hdrs[AR_HTTP_REQ],
		.n_req_headers = n_req_headers,
		.req_body = ar_http_tx_str(tx, AR_HTTP_REQ, tx->body[AR_HTTP_REQ]),
		.req_body_len = tx->body[AR_HTTP_REQ].len,
		.req_body_cut = (tx->flags & AR_HTTP_TX_REQ_BODY_CUT) != 0,
		.has_response = (tx->flags & AR_HTTP_TX_RESP_SEEN) != 0,
	};
	if (x.has_response) {
		x.resp_headers = w->hdrs[AR_HTTP_RESP];
		x.n_resp_headers = tx_headers(w, tx, AR_HTTP_RESP);
		x.resp_body = ar_http_tx_str(tx, AR_HTTP_RESP, tx->body[AR_HTTP_RESP]);
		x.resp_body_len = tx->body[AR_HTTP_RESP].len;
		x.resp_body_cut = (tx->flags & AR_HTTP_TX_RESP_BODY_CUT) != 0;
	}
	struct hit_ctx c = { .w = w, .f = f, .tx = tx };
	w->st.inspected++;
	ar_inspect(w->rs, w->idx, w->match_ws, &x, on_hit, &c);
}

/* ---------------------------------------------------------------- */
/* Discovery records                                                 */
/* ---------------------------------------------------------------- */

static struct ar_api_rec *
learn_get(struct ard_worker *w)
{
	void *obj;
	while (rte_mempool_get(w->learn_pool, &obj) != 0) {
		if (!w->backpressure) {
			w->st.learn_lost_pool++;
			return NULL;
		}
		rte_pause();
	}
	return obj;
}

static void
learn_put(struct ard_worker *w, struct ar_api_rec *r)
{
	while (rte_ring_sp_enqueue(w->learn_ring, r) != 0) {
		if (!w->backpressure) {
			w->st.learn_lost_ring++;
			rte_mempool_put(w->learn_pool, r);
			return;
		}
		rte_pause();
	}
	w->st.learn_recs++;
}

static void
learn_build(struct ard_worker *w, const struct ar_flow *f, const struct ar_http_tx *tx,
	    unsigned n_req_headers, struct ar_api_rec *r)
{
	bool resp = (tx->flags & AR_HTTP_TX_RESP_SEEN) != 0;
	struct ar_api_tx_view v = {
		.method = ar_http_tx_str(tx, AR_HTTP_REQ, tx->method),
		.method_len = tx->method.len,
		.target = ar_http_tx_str(tx, AR_HTTP_REQ, tx->uri),
		.target_len = tx->uri.len,
		.host = ar_http_tx_str(tx, AR_HTTP_REQ, tx->host),
		.host_len = tx->host.len,
		.req_headers = w->hdrs[AR_HTTP_REQ],
		.n_req_headers = n_req_headers,
		.req_ct = ar_http_tx_str(tx, AR_HTTP_REQ, tx->req_content_type),
		.req_ct_len = tx->req_content_type.len,
		.resp_ct = ar_http_tx_str(tx, AR_HTTP_RESP, tx->resp_content_type),
		.resp_ct_len = resp ? tx->resp_content_type.len : 0,
		.req_body = ar_http_tx_str(tx, AR_HTTP_REQ, tx->body[AR_HTTP_REQ]),
		.req_body_len = tx->body[AR_HTTP_REQ].len,
		.resp_body = ar_http_tx_str(tx, AR_HTTP_RESP, tx->body[AR_HTTP_RESP]),
		.resp_body_len = resp ? tx->body[AR_HTTP_RESP].len : 0,
		.has_response = resp,
		.status = tx->status,
		.req_ts = tx->req_ts,
		.req_end_ts = tx->req_end_ts,
		.resp_ts = tx->resp_ts,
		.req_len = tx->req_body_len,
		.resp_len = tx->resp_body_len,
		.client = f->tuple.src,
		.ipv6 = f->tuple.family == AR_AF_INET6,
	};
	ar_api_rec_build(r, &v);
}

static void
on_tx(void *ctx, void *conn_user, const struct ar_http_tx *tx)
{
	struct ard_worker *w = ctx;
	const struct ar_flow *f = conn_user;
	/* no request seen: nothing to look at or learn */
	if (tx->uri.len && (w->rs != NULL || w->learn_ring != NULL)) {
		unsigned n_req = tx_headers(w, tx, AR_HTTP_REQ);
		struct ar_api_rec *ar = w->learn_ring ? learn_get(w) : NULL;
		if (ar)
			learn_build(w, f, tx, n_req, ar);
		w->cur_rec = ar;
		if (w->rs != NULL)
			inspect(w, f, tx, n_req);
		w->cur_rec = NULL;
		if (ar)
			learn_put(w, ar);
	}
	struct ar_rec *r = rec_get(w);
	if (r == NULL)
		return;
	if (ar_rec_fill_http(r, w->rec_size, tx) != 0) {
		w->st.events_too_big++;
		rte_mempool_put(w->recs, r);
		return;
	}
	rec_head(w, r, f);
	rec_put(w, r);
}

static void
emit_anomaly(struct ard_worker *w, const struct ar_flow *f, uint8_t layer, uint8_t side,
	     uint16_t code, uint64_t tx_id)
{
	struct ar_rec *r = rec_get(w);
	if (r == NULL)
		return;
	r->type = AR_REC_ANOMALY;
	r->size = sizeof(*r);
	rec_head(w, r, f);
	r->anomaly = (struct ar_rec_anomaly){
		.layer = layer, .side = side, .code = code, .tx_id = tx_id
	};
	rec_put(w, r);
}

static void
on_http_anomaly(void *ctx, void *conn_user, enum ar_http_side side, enum ar_http_anomaly an,
		uint64_t tx_id)
{
	emit_anomaly(ctx, conn_user, AR_LAYER_HTTP, (uint8_t)side, (uint16_t)an, tx_id);
}

static const struct ar_http_tx_ops http_ops = {
	.on_tx = on_tx,
	.on_anomaly = on_http_anomaly,
};

/* ---------------------------------------------------------------- */
/* Flow callbacks                                                    */
/* ---------------------------------------------------------------- */

static void
on_flow_new(void *ctx, struct ar_flow *f)
{
	(void)ctx;
	struct l7_state *l7 = f->l7;
	l7->proto = L7_UNKNOWN;
}

/* @len bytes of @dir never reach a parser (saturates). */
static void
l7_skip(struct l7_state *l7, enum ar_flow_dir dir, uint64_t len)
{
	uint64_t m = l7->missed[dir] + len;
	l7->missed[dir] = m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/*
 * Recognises HTTP/1 by its first bytes, on any port. Up to PROBE_MAX bytes
 * are kept while they are too few to decide.
 *
 * Bytes that follow a gap (a capture that starts mid-stream, a lost
 * segment) may lie inside a message: when they do not look like HTTP they
 * say nothing about the flow. That direction then waits for its next gap
 * to try again, and the other direction may still decide; when it finds
 * HTTP, the parser is told of the bytes this one missed and resynchronises
 * on its next message.
 */
static void
l7_detect(struct ard_worker *w, struct ar_flow *f, struct l7_state *l7, enum ar_flow_dir dir,
	  const uint8_t *data, uint32_t len, uint64_t ts)
{
	uint8_t *pb = l7->probe[dir];
	uint8_t n = l7->probe_len[dir];
	uint32_t take = len < (uint32_t)(PROBE_MAX - n) ? len : (uint32_t)(PROBE_MAX - n);
	memcpy(pb + n, data, take);
	n = (uint8_t)(n + take);
	bool is_http = dir == AR_DIR_TO_SERVER ? ar_http_detect_request(pb, n) :
						 ar_http_detect_response(pb, n);
	if (!is_http) {
		/* too few bytes to rule HTTP out: keep them and wait */
		bool full = n == PROBE_MAX;
		bool could = false;
		if (!full) {
			static const char *const starts[] = { "GET ",   "POST ",    "PUT ",
							      "HEAD ",  "DELETE ",  "OPTIONS ",
							      "PATCH ", "CONNECT ", "TRACE ",
							      "HTTP/1." };
			for (size_t i = 0; i < RTE_DIM(starts) && !could; i++) {
				size_t sl = strlen(starts[i]);
				could = memcmp(pb, starts[i], n < sl ? n : sl) == 0;
			}
			/* any upper-case token could still be an extension method */
			if (!could && dir == AR_DIR_TO_SERVER) {
				could = true;
				for (uint8_t i = 0; i < n && could; i++)
					could = (pb[i] >= 'A' && pb[i] <= 'Z') ||
						(pb[i] == '-' || pb[i] == '_');
			}
		}
		if (could) {
			l7->probe_len[dir] = n;
			return;
		}
		if (l7->probe_state[dir] != L7_AT_START) {
			l7_skip(l7, dir, (uint64_t)l7->probe_len[dir] + len);
			l7->probe_len[dir] = 0;
			l7->probe_state[dir] = L7_PARKED;
			return;
		}
		l7->proto = L7_OTHER;
		w->st.flows_other++;
		return;
	}
	l7->proto = L7_HTTP;
	w->st.flows_http++;
	ar_http_conn_init(&l7->http, w->http, f);
	/* bytes held from earlier segments first, then the rest of this one */
	uint8_t held = l7->probe_len[dir];
	if (held > 0)
		ar_http_conn_data(&l7->http, (enum ar_http_side)dir, pb, held, ts);
	ar_http_conn_data(&l7->http, (enum ar_http_side)dir, data, len, ts);
	/* the other direction may have held bytes too (response seen first),
	 * after what it missed */
	enum ar_flow_dir od = dir == AR_DIR_TO_SERVER ? AR_DIR_TO_CLIENT : AR_DIR_TO_SERVER;
	if (l7->missed[od] > 0)
		ar_http_conn_gap(&l7->http, (enum ar_http_side)od, l7->missed[od], ts);
	if (l7->probe_len[od] > 0)
		ar_http_conn_data(&l7->http, (enum ar_http_side)od, l7->probe[od],
				  l7->probe_len[od], ts);
	l7->probe_len[0] = l7->probe_len[1] = 0;
}

static void
on_data(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, const uint8_t *data, uint32_t len,
	uint64_t ts)
{
	struct ard_worker *w = ctx;
	struct l7_state *l7 = f->l7;
	switch (l7->proto) {
	case L7_HTTP:
		ar_http_conn_data(&l7->http, (enum ar_http_side)dir, data, len, ts);
		break;
	case L7_UNKNOWN:
		if (l7->probe_state[dir] == L7_PARKED)
			l7_skip(l7, dir, len);
		else
			l7_detect(w, f, l7, dir, data, len, ts);
		break;
	default:
		break;
	}
}

static void
on_gap(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint32_t len, uint64_t ts)
{
	(void)ctx;
	struct l7_state *l7 = f->l7;
	if (l7->proto == L7_HTTP) {
		ar_http_conn_gap(&l7->http, (enum ar_http_side)dir, len, ts);
	} else if (l7->proto == L7_UNKNOWN) {
		/* held bytes end at a hole: detection starts over after it */
		l7_skip(l7, dir, (uint64_t)l7->probe_len[dir] + len);
		l7->probe_len[dir] = 0;
		l7->probe_state[dir] = L7_AFTER_GAP;
	}
}

static void
on_eof(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint64_t ts)
{
	(void)ctx;
	struct l7_state *l7 = f->l7;
	if (l7->proto == L7_HTTP)
		ar_http_conn_eof(&l7->http, (enum ar_http_side)dir, ts);
}

static void
on_stream_anomaly(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, enum ar_flow_anomaly an,
		  uint64_t ts)
{
	(void)ts;
	emit_anomaly(ctx, f, AR_LAYER_STREAM, (uint8_t)dir, (uint16_t)an, 0);
}

static void
on_flow_end(void *ctx, struct ar_flow *f, enum ar_flow_end why, uint64_t ts)
{
	(void)ctx;
	(void)why;
	struct l7_state *l7 = f->l7;
	if (l7->proto == L7_HTTP)
		ar_http_conn_close(&l7->http, ts);
}

static const struct ar_flow_ops flow_ops = {
	.on_flow_new = on_flow_new,
	.on_data = on_data,
	.on_gap = on_gap,
	.on_eof = on_eof,
	.on_anomaly = on_stream_anomaly,
	.on_flow_end = on_flow_end,
};

/* ---------------------------------------------------------------- */
/* Set-up                                                            */
/* ---------------------------------------------------------------- */

int
ard_worker_init(struct ard_worker *w, unsigned idx, const struct ard_config *cfg,
		struct rte_mempool *recs, uint32_t rec_size, struct ard_detect *detect)
{
	char name[RTE_RING_NAMESIZE];
	struct ar_flow_params fp = cfg->flow;
	int rc;

	w->idx = idx;
	w->cfg = cfg;
	w->recs = recs;
	w->rec_size = rec_size;
	w->backpressure = cfg->offline;
	w->detect = detect;
	w->match_ws = ar_match_ws_create(cfg->value_cap);
	if (w->match_ws == NULL)
		return -ENOMEM;
	w->scratch_size = 65536 + 256;
	w->scratch = malloc(w->scratch_size);
	if (w->scratch == NULL) {
		rc = -ENOMEM;
		goto out_free_ws;
	}
	w->http = ar_http_ctx_create(&cfg->http, &http_ops, w);
	if (w->http == NULL) {
		rc = -errno;
		goto out_free_scratch;
	}
	fp.l7_state_size = sizeof(struct l7_state);
	fp.ops = &flow_ops;
	fp.ctx = w;
	w->flows = ar_flow_table_create(&fp);
	if (w->flows == NULL) {
		rc = -errno;
		goto out_free_http;
	}
	snprintf(name, sizeof(name), "ar_ev%u", idx);
	w->ring = rte_ring_create(name, rte_align32pow2(cfg->ring_size), SOCKET_ID_ANY,
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->ring == NULL) {
		rc = -rte_errno;
		goto out_free_flows;
	}
	return 0;

out_free_flows:
	ar_flow_table_free(w->flows);
	w->flows = NULL;
out_free_http:
	ar_http_ctx_free(w->http);
	w->http = NULL;
out_free_scratch:
	free(w->scratch);
	w->scratch = NULL;
out_free_ws:
	ar_match_ws_free(w->match_ws);
	w->match_ws = NULL;
	return rc;
}

void
ard_worker_fini(struct ard_worker *w)
{
	rte_ring_free(w->ring);
	ar_flow_table_free(w->flows);
	ar_http_ctx_free(w->http);
	free(w->scratch);
	ar_match_ws_free(w->match_ws);
	w->match_ws = NULL;
	w->ring = NULL;
	w->flows = NULL;
	w->http = NULL;
	w->scratch = NULL;
}

/* ---------------------------------------------------------------- */
/* The per-packet path                                               */
/* ---------------------------------------------------------------- */

static inline uint64_t
pkt_ts(const struct rte_mbuf *m, int ts_off, uint64_t ts_flag, uint64_t fallback)
{
	if (ts_off >= 0 && (m->ol_flags & ts_flag))
		return *RTE_MBUF_DYNFIELD(m, ts_off, rte_mbuf_timestamp_t *);
	return fallback;
}

static inline void
one_packet(struct ard_worker *w, int link_type, struct rte_mbuf *m, uint64_t ts)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct ar_pkt_info pi;

	w->st.rx_bytes += len;
	w->pkt_no++;
	if (unlikely(m->nb_segs > 1)) {
		if (len > w->scratch_size) {
			w->st.oversize++;
			return;
		}
		data = rte_pktmbuf_read(m, 0, len, w->scratch);
	}
	enum ar_pkt_reason r = ar_pkt_decode(data, len, (enum ar_pkt_link)link_type, &pi);
	if (unlikely(r != AR_PKT_OK)) {
		w->st.decode_drop[r]++;
		return;
	}
	if (ts > w->now)
		w->now = ts;
	if (unlikely(ar_flow_process(w->flows, &pi, w->now) != 0)) {
		w->st.no_flow++;
		return;
	}
	w->st.processed++;
}

void
ard_worker_burst(struct ard_worker *w, int link_type, struct rte_mbuf **pkts, uint16_t n,
		 uint64_t fallback_ts)
{
	int ts_off = ar_port_ts_offset();
	uint64_t ts_flag = ar_port_ts_flag();

	w->st.rx_pkts += n;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		one_packet(w, link_type, pkts[i], pkt_ts(pkts[i], ts_off, ts_flag, fallback_ts));
	}
}

/* ---------------------------------------------------------------- */
/* The loop                                                          */
/* ---------------------------------------------------------------- */

static void
publish(struct ard_worker *w)
{
	uint64_t seq = atomic_load_explicit(&w->snap_seq, memory_order_relaxed);
	atomic_store_explicit(&w->snap_seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	w->snap.w = w->st;
	w->snap.flow = *ar_flow_table_stats(w->flows);
	w->snap.http = *ar_http_ctx_stats(w->http);
	w->snap.match = *ar_match_ws_stats(w->match_ws);
	atomic_store_explicit(&w->snap_seq, seq + 2, memory_order_release);
}

uint64_t
ard_wstats_dropped(const struct ard_wstats *s)
{
	uint64_t n = s->no_flow + s->oversize;
	for (int r = 1; r < AR_PKT_REASON_MAX; r++)
		n += s->decode_drop[r];
	return n;
}

void
ard_worker_snapshot(struct ard_worker *w, struct ard_wsnap *out)
{
	for (;;) {
		uint64_t s1 = atomic_load_explicit(&w->snap_seq, memory_order_acquire);
		if (s1 & 1) {
			rte_pause();
			continue;
		}
		*out = w->snap;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&w->snap_seq, memory_order_relaxed) == s1)
			return;
	}
}

/* Wall-clock ns from the TSC, for ports that give no timestamps. */
struct tsc_clock {
	uint64_t tsc0;
	uint64_t ns0;
	double ns_per_tick;
};

static void
tsc_clock_init(struct tsc_clock *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->tsc0 = rte_get_tsc_cycles();
	c->ns0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	c->ns_per_tick = 1e9 / (double)rte_get_tsc_hz();
}

static inline uint64_t
tsc_clock_now(const struct tsc_clock *c)
{
	return c->ns0 + (uint64_t)((double)(rte_get_tsc_cycles() - c->tsc0) * c->ns_per_tick);
}

#define EXPIRE_EVERY_NS 1000000000ull

int
ard_worker_main(void *arg)
{
	struct ard_worker *w = arg;
	const struct ard_config *cfg = w->cfg;
	struct rte_mbuf *pkts[512];
	struct tsc_clock clk;
	uint16_t cur = 0; /* offline: files are read one after the other */

	tsc_clock_init(&clk);
	ard_detect_worker_online(w->detect, w->idx);
	while (!atomic_load_explicit(&stop_requested, memory_order_relaxed)) {
		uint32_t got = 0;
		w->rs = ard_detect_get(w->detect);
		for (uint16_t i = 0; i < w->n_rxq; i++) {
			struct ard_rxq *q = &w->rxq[cfg->offline ? cur : i];
			const struct ar_port *p = &cfg->ports[q->port_idx];
			uint16_t n = ar_port_rx(p, q->queue, pkts, (uint16_t)cfg->burst);
			if (n > 0) {
				ard_worker_burst(w, p->link_type, pkts, n, tsc_clock_now(&clk));
				rte_pktmbuf_free_bulk(pkts, n);
				got += n;
			} else if (cfg->offline && ar_port_done(p)) {
				if (++cur == w->n_rxq)
					goto out;
			}
			if (cfg->offline)
				break;
		}
		if (got == 0 && !cfg->offline) {
			uint64_t now = tsc_clock_now(&clk);
			if (now > w->now)
				w->now = now;
		}
		if (w->now >= w->next_expire) {
			ar_flow_expire(w->flows, w->now);
			w->next_expire = w->now + EXPIRE_EVERY_NS;
			publish(w);
		}
		w->rs = NULL;
		ard_detect_quiescent(w->detect, w->idx);
	}
out:
	w->rs = ard_detect_get(w->detect);
	ar_flow_table_flush(w->flows, w->now);
	w->rs = NULL;
	ard_detect_worker_offline(w->detect, w->idx);
	publish(w);
	atomic_store_explicit(&w->done, true, memory_order_release);
	return 0;
}
