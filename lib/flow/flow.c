/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table: lookup by normalised 5-tuple and VLAN ids, TCP state,
 * idle timeouts and eviction. Reassembly proper is in reasm.c.
 *
 * Every flow sits on one of three LRU lists, by timeout class. Packet time
 * only moves forward within a table (we keep the latest seen), so each list
 * is sorted by last packet time: expiry pops heads, eviction takes the head
 * of the least valuable class. Both are O(1) per flow.
 */
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "flow_priv.h"

#define MAX_FLOWS    (1u << 26)
#define MAX_L7_STATE (1u << 20)
#define L7_ALIGN     16

_Static_assert(sizeof(struct ar_pkt_tuple) == 48, "tuple hashed as six 64-bit words");
_Static_assert(offsetof(struct flow_entry, f) == 0, "flow_entry_of() casts");

/* ------------------------------------------------------------------ */
/* No-op callbacks, so the data path never tests for NULL               */
/* ------------------------------------------------------------------ */

static void
nop_flow(void *ctx, struct ar_flow *f)
{
	(void)ctx;
	(void)f;
}

static void
nop_data(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, const uint8_t *data, uint32_t len,
	 uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)dir;
	(void)data;
	(void)len;
	(void)ts;
}

static void
nop_gap(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint32_t len, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)dir;
	(void)len;
	(void)ts;
}

static void
nop_eof(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)dir;
	(void)ts;
}

static void
nop_anomaly(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, enum ar_flow_anomaly an,
	    uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)dir;
	(void)an;
	(void)ts;
}

static void
nop_end(void *ctx, struct ar_flow *f, enum ar_flow_end why, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)why;
	(void)ts;
}

static void
set_ops(struct ar_flow_ops *o, const struct ar_flow_ops *in)
{
	static const struct ar_flow_ops none;

	if (in == NULL)
		in = &none;
	o->on_flow_new = in->on_flow_new ? in->on_flow_new : nop_flow;
	o->on_data = in->on_data ? in->on_data : nop_data;
	o->on_gap = in->on_gap ? in->on_gap : nop_gap;
	o->on_eof = in->on_eof ? in->on_eof : nop_eof;
	o->on_anomaly = in->on_anomaly ? in->on_anomaly : nop_anomaly;
	o->on_flow_end = in->on_flow_end ? in->on_flow_end : nop_end;
}

/* ------------------------------------------------------------------ */
/* Keys and hashing                                                     */
/* ------------------------------------------------------------------ */

/*
 * Writes the normalised key of @in: the (address, port) pair that compares
 * lower is the key's src, so both directions give one key. Returns true
 * when @in's source is the key's src ("lo" side).
 *
 * The VLAN ids are part of the key unless ignore_vlan is set; their count
 * is not, as in Suricata: an untagged frame and a priority-tagged one (id 0)
 * belong to one flow.
 */
static bool
make_key(const struct ar_flow_table *t, const struct ar_pkt_tuple *in, struct ar_pkt_tuple *key)
{
	size_t alen = in->family == AR_AF_INET6 ? 16 : 4;
	int c = memcmp(in->src, in->dst, alen);
	bool src_lo = c < 0 || (c == 0 && in->sport <= in->dport);

	memset(key, 0, sizeof(*key));
	memcpy(key->src, src_lo ? in->src : in->dst, alen);
	memcpy(key->dst, src_lo ? in->dst : in->src, alen);
	key->sport = src_lo ? in->sport : in->dport;
	key->dport = src_lo ? in->dport : in->sport;
	key->family = in->family;
	key->proto = in->proto;
	if (!t->p.ignore_vlan) {
		key->vlan[0] = in->vlan[0];
		key->vlan[1] = in->vlan[1];
	}
	return src_lo;
}

/* Symmetric by construction: it hashes the normalised key. */
static uint32_t
key_hash(const struct ar_pkt_tuple *key, uint32_t seed)
{
	const uint8_t *b = (const uint8_t *)key;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < sizeof(*key); i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		h ^= w;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

static struct flow_entry *
lookup(struct ar_flow_table *t, const struct ar_pkt_tuple *key, uint32_t hash)
{
	for (struct flow_entry *e = t->buckets[hash & t->bucket_mask]; e != NULL; e = e->hnext)
		if (e->hash == hash && memcmp(&e->key, key, sizeof(*key)) == 0)
			return e;
	return NULL;
}

static void
hash_unlink(struct ar_flow_table *t, struct flow_entry *e)
{
	struct flow_entry **link = &t->buckets[e->hash & t->bucket_mask];

	while (*link != e)
		link = &(*link)->hnext;
	*link = e->hnext;
	e->hnext = NULL;
}

/* ------------------------------------------------------------------ */
/* Timeout classes                                                      */
/* ------------------------------------------------------------------ */

static uint8_t
class_of(const struct flow_entry *e)
{
	switch (e->f.tcp_state) {
	case AR_TCP_SYN_SENT:
	case AR_TCP_SYN_RECV:
		return FLOW_CLASS_NEW;
	case AR_TCP_CLOSED:
		return FLOW_CLASS_CLOSED;
	default: /* established, half-closed (may stream for long), UDP */
		return FLOW_CLASS_EST;
	}
}

static void
lru_unlink(struct ar_flow_table *t, struct flow_entry *e)
{
	struct flow_list *l = &t->lru[e->cls];

	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_append(struct ar_flow_table *t, struct flow_entry *e)
{
	struct flow_list *l = &t->lru[e->cls];

	e->prev = l->tail;
	e->next = NULL;
	if (l->tail != NULL)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
}

/* @e just saw a packet: to the tail of the list of its (maybe new) class. */
static void
touch(struct ar_flow_table *t, struct flow_entry *e)
{
	lru_unlink(t, e);
	e->cls = class_of(e);
	lru_append(t, e);
}

/* ------------------------------------------------------------------ */
/* Flow life                                                            */
/* ------------------------------------------------------------------ */

static void
flow_end(struct ar_flow_table *t, struct flow_entry *e, enum ar_flow_end why, uint64_t ts)
{
	assert(e->in_use);
	if (e->f.tuple.proto == IPPROTO_TCP) {
		flow_reasm_end(t, e, AR_DIR_TO_SERVER, ts);
		flow_reasm_end(t, e, AR_DIR_TO_CLIENT, ts);
	}
	t->ops.on_flow_end(t->p.ctx, &e->f, why, ts);
	assert(e->dir[0].head == NULL && e->dir[1].head == NULL);

	hash_unlink(t, e);
	lru_unlink(t, e);
	e->in_use = 0;
	e->next = t->free_flows;
	t->free_flows = e;
	t->st.flows_live--;
	t->st.flows_ended[why]++;
}

/* The table is full: end the least valuable flow (closed, new, oldest). */
static void
evict_one(struct ar_flow_table *t, uint64_t ts)
{
	static const uint8_t order[] = { FLOW_CLASS_CLOSED, FLOW_CLASS_NEW, FLOW_CLASS_EST };

	for (size_t i = 0; i < sizeof(order); i++) {
		struct flow_entry *e = t->lru[order[i]].head;

		if (e != NULL) {
			flow_end(t, e, AR_FLOW_END_EVICTED, ts);
			return;
		}
	}
}

/*
 * A flow for @key, whose first packet has the tuple @pt (@pt's source is
 * the key's src when @src_lo). The flow's tuple is @pt's, turned client ->
 * server: it keeps that packet's VLAN ids even when they are not keyed.
 */
static struct flow_entry *
flow_new(struct ar_flow_table *t, const struct ar_pkt_tuple *key, uint32_t hash, bool client_is_lo,
	 const struct ar_pkt_tuple *pt, bool src_lo, uint64_t ts)
{
	struct flow_entry *e;
	void *l7;

	if (t->free_flows == NULL)
		evict_one(t, ts);
	e = t->free_flows;
	assert(e != NULL);
	t->free_flows = e->next;

	l7 = e->f.l7;
	memset(e, 0, sizeof(*e));
	e->f.l7 = l7;
	if (l7 != NULL)
		memset(l7, 0, t->p.l7_state_size);

	e->key = *key;
	e->hash = hash;
	e->client_is_lo = client_is_lo;
	e->in_use = 1;
	e->f.id = t->next_id++;
	e->f.first_ts = e->f.last_ts = t->clock;
	if (src_lo == client_is_lo)
		e->f.tuple = *pt;
	else
		ar_pkt_tuple_reverse(pt, &e->f.tuple);

	struct flow_entry **b = &t->buckets[hash & t->bucket_mask];

	e->hnext = *b;
	*b = e;
	e->cls = class_of(e);
	lru_append(t, e);
	t->st.flows_live++;
	t->st.flows_created++;
	return e;
}

/* ------------------------------------------------------------------ */
/* TCP                                                                  */
/* ------------------------------------------------------------------ */

static void
dir_init(struct flow_dir *sd, uint32_t next_seq)
{
	sd->init = 1;
	sd->isn = next_seq - 1;
	sd->next_seq = next_seq;
}

/*
 * What a packet of direction @d tells about its sender, for checking the
 * other end's RSTs: its SYN's window scale and signing, the window it
 * advertises. A SYN's window is never scaled (RFC 7323 2.2); without both
 * SYNs the scale is unknown and taken as the largest, 14.
 */
static void
tcp_note_sender(struct flow_entry *e, int d, const struct ar_pkt_info *pi)
{
	struct flow_dir *sd = &e->dir[d], *od = &e->dir[!d];
	unsigned shift = 0;

	if (pi->tcp_flags & AR_TCP_SYN) {
		sd->syn_seen = 1;
		sd->wscale = pi->wscale;
		sd->auth = pi->tcp_auth;
	} else if (!sd->syn_seen || !od->syn_seen) {
		shift = 14;
	} else if (sd->wscale != 0xff && od->wscale != 0xff) {
		shift = sd->wscale;
	}
	sd->win = (uint32_t)pi->win << shift;
	sd->win_seen = 1;
	if (pi->tcp_flags & AR_TCP_ACK) {
		if (!od->ack_seen || seq_gt(pi->ack, od->ack_max))
			od->ack_max = pi->ack;
		od->ack_seen = 1;
	}
}

/*
 * Would the receiver of this RST of direction @d take it? It drops a RST
 * signed (TCP-MD5, RFC 2385; TCP-AO, RFC 5925) otherwise than its own SYN
 * was: signing is agreed on at the handshake, and stacks drop segments
 * whose signature is missing or unexpected. It also drops a RST whose seq
 * is outside its receive window (RFC 793 3.4). We know that window only
 * roughly: it starts at the lower of the receiver's last ACK and our
 * next_seq, and ends past the highest of those and of what the sender was
 * seen to reach, by the window the receiver last advertised. What was not
 * seen (no SYN, no window yet) counts in the RST's favour.
 */
static bool
tcp_rst_acceptable(const struct flow_entry *e, int d, const struct ar_pkt_info *pi)
{
	const struct flow_dir *sd = &e->dir[d], *od = &e->dir[!d];
	uint32_t seq = pi->seq, lo = sd->next_seq, top = sd->next_seq, win;

	if (od->syn_seen && pi->tcp_auth != od->auth)
		return false;
	if (!sd->init)
		return true;
	if (sd->ack_seen) {
		lo = seq_min(lo, sd->ack_max);
		top = seq_max(top, sd->ack_max);
	}
	if (sd->tail != NULL)
		top = seq_max(top, sd->tail->seq + sd->tail->len);
	if (sd->fin_seen)
		top = seq_max(top, sd->fin_seq + 1);
	win = od->win_seen ? od->win : FLOW_ACK_GAP_MAX;
	return seq_ge(seq, lo) && (seq_le(seq, top) || seq_lt(seq, top + win));
}

static void
tcp_rst(struct ar_flow_table *t, struct flow_entry *e, int d, const struct ar_pkt_info *pi,
	uint64_t ts)
{
	if (e->f.tcp_state == AR_TCP_CLOSED)
		return; /* a RST after FINs or a second RST changes nothing */
	if (!tcp_rst_acceptable(e, d, pi)) {
		t->st.rst_rejected++;
		t->ops.on_anomaly(t->p.ctx, &e->f, d, AR_FLOW_AN_RST_REJECTED, ts);
		return;
	}
	flow_reasm_abort(t, e, AR_DIR_TO_SERVER, ts);
	flow_reasm_abort(t, e, AR_DIR_TO_CLIENT, ts);
	e->f.tcp_state = AR_TCP_CLOSED;
	e->end_reason = AR_FLOW_END_RST;
}

/* The SYN or SYN/ACK of direction @d. Returns the seq of its first data byte. */
static uint32_t
tcp_syn(struct flow_entry *e, int d, const struct ar_pkt_info *pi)
{
	struct flow_dir *sd = &e->dir[d], *od = &e->dir[!d];
	uint32_t seq = pi->seq;

	if (!(pi->tcp_flags & AR_TCP_ACK)) {
		/* SYN: a retransmission with a new ISN restarts, if nothing was sent. */
		if (d == AR_DIR_TO_SERVER && e->f.tcp_state <= AR_TCP_SYN_SENT &&
		    (!sd->init || (sd->next_seq == sd->isn + 1 && seq != sd->isn)))
			dir_init(sd, seq + 1);
		if (e->f.tcp_state < AR_TCP_SYN_SENT)
			e->f.tcp_state = AR_TCP_SYN_SENT;
	} else if (d == AR_DIR_TO_CLIENT && e->f.tcp_state < AR_TCP_ESTABLISHED) {
		if (!sd->init)
			dir_init(sd, seq + 1);
		if (!od->init) /* we missed the SYN: the ACK names the client's ISN + 1 */
			dir_init(od, pi->ack);
		e->f.tcp_state = AR_TCP_SYN_RECV;
	}
	if (!sd->init) /* a SYN where none belongs: take its seq anyway */
		dir_init(sd, seq + 1);
	return seq + 1;
}

static void
tcp_packet(struct ar_flow_table *t, struct flow_entry *e, int d, const struct ar_pkt_info *pi,
	   uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d], *od = &e->dir[!d];
	uint8_t flags = pi->tcp_flags;
	uint32_t seq = pi->seq;

	if (flags & AR_TCP_RST) {
		/* Nothing else of a RST counts: its receiver may drop it. */
		tcp_rst(t, e, d, pi, ts);
		return;
	}
	tcp_note_sender(e, d, pi);
	if (flags & AR_TCP_SYN) {
		seq = tcp_syn(e, d, pi);
	} else {
		if (!sd->init)
			dir_init(sd, seq); /* picked up midstream in this direction */
		if (e->f.tcp_state < AR_TCP_ESTABLISHED) {
			/* The client's ACK after a SYN/ACK we missed names the server's ISN + 1. */
			if (e->f.tcp_state == AR_TCP_SYN_SENT && d == AR_DIR_TO_SERVER &&
			    (flags & AR_TCP_ACK) && !od->init)
				dir_init(od, pi->ack);
			e->f.tcp_state = AR_TCP_ESTABLISHED;
		}
	}
	/* First what the peer's ACK tells about the other direction. */
	if (flags & AR_TCP_ACK)
		flow_reasm_ack(t, e, !d, pi->ack, ts);
	if (pi->payload_len > 0)
		flow_reasm_data(t, e, d, seq, pi->payload, pi->payload_len, ts);
	if (flags & AR_TCP_FIN) {
		if (e->f.tcp_state >= AR_TCP_ESTABLISHED && e->f.tcp_state < AR_TCP_CLOSING)
			e->f.tcp_state = AR_TCP_CLOSING;
		flow_reasm_fin(t, e, d, seq + pi->payload_len, ts);
	}
}

/* Which side of a new TCP flow is the client (see ar_flow.h). */
static bool
tcp_sender_is_client(const struct ar_pkt_info *pi)
{
	uint8_t syn_ack = pi->tcp_flags & (AR_TCP_SYN | AR_TCP_ACK);

	if (syn_ack == AR_TCP_SYN)
		return true;
	if (syn_ack == (AR_TCP_SYN | AR_TCP_ACK))
		return false;
	/* Midstream: the ephemeral port is the higher one; a tie goes to the sender. */
	return pi->tuple.sport >= pi->tuple.dport;
}

/* ------------------------------------------------------------------ */
/* Public API                                                           */
/* ------------------------------------------------------------------ */

int
ar_flow_process(struct ar_flow_table *t, const struct ar_pkt_info *pi, uint64_t ts)
{
	uint8_t proto = pi->tuple.proto;
	struct ar_pkt_tuple key;
	struct flow_entry *e;
	bool src_lo;
	uint32_t hash;
	int d;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		t->st.pkts_no_flow++;
		return -ENOENT;
	}
	if (ts > t->clock)
		t->clock = ts;
	src_lo = make_key(t, &pi->tuple, &key);
	hash = key_hash(&key, t->hash_seed);
	e = lookup(t, &key, hash);

	if (proto == IPPROTO_UDP) {
		t->st.udp_pkts++;
		if (e == NULL) {
			e = flow_new(t, &key, hash, src_lo, &pi->tuple, src_lo, ts);
			t->ops.on_flow_new(t->p.ctx, &e->f);
		}
	} else {
		uint8_t flags = pi->tcp_flags;

		/* A new SYN on a closed flow: the port is reused. */
		if (e != NULL && e->f.tcp_state == AR_TCP_CLOSED &&
		    (flags & (AR_TCP_SYN | AR_TCP_ACK | AR_TCP_RST)) == AR_TCP_SYN) {
			flow_end(t, e, e->end_reason, ts);
			e = NULL;
		}
		if (e == NULL) {
			if ((flags & AR_TCP_RST) ||
			    !((flags & AR_TCP_SYN) || pi->payload_len > 0)) {
				t->st.pkts_no_flow++;
				return -ENOENT;
			}
			bool client = tcp_sender_is_client(pi);

			e = flow_new(t, &key, hash, client ? src_lo : !src_lo, &pi->tuple, src_lo,
				     ts);
			e->f.midstream = !(flags & AR_TCP_SYN);
			t->ops.on_flow_new(t->p.ctx, &e->f);
		}
	}

	d = (src_lo == (bool)e->client_is_lo) ? AR_DIR_TO_SERVER : AR_DIR_TO_CLIENT;
	e->f.last_ts = t->clock;
	e->f.pkts[d]++;
	e->f.bytes[d] += pi->payload_len;
	if (proto == IPPROTO_TCP) {
		e->f.tcp_flags_seen[d] |= pi->tcp_flags;
		tcp_packet(t, e, d, pi, ts);
	} else if (pi->payload_len > 0) {
		t->ops.on_data(t->p.ctx, &e->f, d, pi->payload, pi->payload_len, ts);
	}
	touch(t, e);
	return 0;
}

void
ar_flow_expire(struct ar_flow_table *t, uint64_t now)
{
	for (int c = 0; c < FLOW_CLASS_MAX; c++) {
		struct flow_entry *e;

		while ((e = t->lru[c].head) != NULL && now > e->f.last_ts &&
		       now - e->f.last_ts > t->timeout[c])
			flow_end(t, e, c == FLOW_CLASS_CLOSED ? e->end_reason : AR_FLOW_END_TIMEOUT,
				 now);
	}
}

void
ar_flow_table_flush(struct ar_flow_table *t, uint64_t now)
{
	for (int c = 0; c < FLOW_CLASS_MAX; c++) {
		struct flow_entry *e;

		while ((e = t->lru[c].head) != NULL)
			flow_end(t, e,
				 c == FLOW_CLASS_CLOSED ? e->end_reason : AR_FLOW_END_SHUTDOWN,
				 now);
	}
}

const struct ar_flow_stats *
ar_flow_table_stats(const struct ar_flow_table *t)
{
	return &t->st;
}

static uint32_t
hash_seed(void)
{
	uint32_t s;

	/* Only against crafted collisions: results never depend on it. */
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = 0x5bd1e995;
	return s;
}

struct ar_flow_table *
ar_flow_table_create(const struct ar_flow_params *p)
{
	struct ar_flow_table *t;
	uint32_t nbuckets = 1;

	if (p == NULL || p->max_flows == 0 || p->max_flows > MAX_FLOWS ||
	    p->l7_state_size > MAX_L7_STATE ||
	    (p->overlap != AR_OVERLAP_FIRST && p->overlap != AR_OVERLAP_LAST)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto out_nomem;
	t->p = *p;
	set_ops(&t->ops, p->ops);
	t->timeout[FLOW_CLASS_NEW] = p->timeout_new_ns;
	t->timeout[FLOW_CLASS_EST] = p->timeout_est_ns;
	t->timeout[FLOW_CLASS_CLOSED] = p->timeout_closed_ns;
	t->next_id = 1;
	t->hash_seed = hash_seed();

	while (nbuckets < p->max_flows * 2)
		nbuckets <<= 1;
	t->bucket_mask = nbuckets - 1;
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	if (t->buckets == NULL)
		goto out_free_table;

	t->flows = calloc(p->max_flows, sizeof(*t->flows));
	if (t->flows == NULL)
		goto out_free_buckets;

	if (p->l7_state_size > 0) {
		t->l7_stride = (p->l7_state_size + L7_ALIGN - 1) & ~(size_t)(L7_ALIGN - 1);
		t->l7_area = aligned_alloc(64, ((t->l7_stride * p->max_flows) + 63) & ~(size_t)63);
		if (t->l7_area == NULL)
			goto out_free_flows;
	}

	t->nsegs = (uint32_t)(((uint64_t)p->ooo_worker_cap + FLOW_SEG_CHUNK - 1) / FLOW_SEG_CHUNK);
	if (t->nsegs > 0) {
		t->segs = calloc(t->nsegs, sizeof(*t->segs));
		if (t->segs == NULL)
			goto out_free_l7;
	}
	for (uint32_t i = t->nsegs; i-- > 0;) {
		t->segs[i].next = t->free_segs;
		t->free_segs = &t->segs[i];
	}
	t->free_nsegs = t->nsegs;

	for (uint32_t i = p->max_flows; i-- > 0;) {
		struct flow_entry *e = &t->flows[i];

		e->f.l7 = t->l7_area != NULL ? t->l7_area + i * t->l7_stride : NULL;
		e->next = t->free_flows;
		t->free_flows = e;
	}
	return t;

out_free_l7:
	free(t->l7_area);
out_free_flows:
	free(t->flows);
out_free_buckets:
	free(t->buckets);
out_free_table:
	free(t);
out_nomem:
	errno = ENOMEM;
	return NULL;
}

void
ar_flow_table_free(struct ar_flow_table *t)
{
	if (t == NULL)
		return;
	free(t->segs);
	free(t->l7_area);
	free(t->flows);
	free(t->buckets);
	free(t);
}

const char *
ar_flow_end_name(enum ar_flow_end e)
{
	static const char *const names[AR_FLOW_END_MAX] = {
		[AR_FLOW_END_CLOSED] = "closed",     [AR_FLOW_END_RST] = "rst",
		[AR_FLOW_END_TIMEOUT] = "timeout",   [AR_FLOW_END_EVICTED] = "evicted",
		[AR_FLOW_END_SHUTDOWN] = "shutdown",
	};

	return ((unsigned)e < AR_FLOW_END_MAX) ? names[e] : "unknown";
}

const char *
ar_flow_anomaly_name(enum ar_flow_anomaly an)
{
	static const char *const names[AR_FLOW_AN_MAX] = {
		[AR_FLOW_AN_OVERLAP_DIFF] = "overlap_diff",
		[AR_FLOW_AN_OOO_FLOW_CAP] = "ooo_flow_cap",
		[AR_FLOW_AN_OOO_WORKER_CAP] = "ooo_worker_cap",
		[AR_FLOW_AN_GAP] = "gap",
		[AR_FLOW_AN_BAD_SEQ_AFTER_CLOSE] = "bad_seq_after_close",
		[AR_FLOW_AN_RST_REJECTED] = "rst_rejected",
	};

	return ((unsigned)an < AR_FLOW_AN_MAX) ? names[an] : "unknown";
}
