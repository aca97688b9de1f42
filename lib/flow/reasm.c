/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stream reassembly, one direction at a time.
 *
 * In-order payload goes to on_data straight from the packet. Data past a
 * hole is copied into chunks from the table's pool and kept in a sorted,
 * non-overlapping list; it goes up as soon as the hole fills, or after a
 * gap when we learn the hole never will (the peer ACKed past it, a cap was
 * hit, the flow ends). Bytes seen twice are compared only while we still
 * hold the first copy: delivered data is gone.
 *
 * An ACK past everything seen of a direction is not a gap yet: captures
 * often show an ACK before the data it acknowledges, and that data may
 * still come. As in Suricata, the hole becomes a gap once something is seen
 * beyond it (held data, a FIN), or when the stream ends.
 */
#include <assert.h>
#include <string.h>

#include "flow_priv.h"

static inline uint32_t
seg_end(const struct flow_seg *s)
{
	return s->seq + s->len;
}

static struct flow_seg *
seg_alloc(struct ar_flow_table *t)
{
	struct flow_seg *s = t->free_segs;

	assert(s != NULL);
	t->free_segs = s->next;
	t->free_nsegs--;
	return s;
}

/* Unlinks the head piece of @sd and returns it to the pool. */
static void
seg_pop(struct ar_flow_table *t, struct flow_dir *sd)
{
	struct flow_seg *s = sd->head;

	sd->head = s->next;
	if (sd->head == NULL)
		sd->tail = NULL;
	sd->held_bytes -= s->len;
	t->st.ooo_bytes -= s->len;
	s->next = t->free_segs;
	t->free_segs = s;
	t->free_nsegs++;
}

static void
free_held(struct ar_flow_table *t, struct flow_dir *sd)
{
	while (sd->head != NULL)
		seg_pop(t, sd);
}

static void
dir_eof(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];

	sd->eof = 1;
	if (sd->fin_seen)
		sd->next_seq = sd->fin_seq + 1;
	/* Anything held now lies past the FIN: not part of the stream. */
	free_held(t, sd);
	t->ops.on_eof(t->p.ctx, &e->f, d, ts);
	if (e->dir[!d].eof && e->f.tcp_state != AR_TCP_CLOSED) {
		e->f.tcp_state = AR_TCP_CLOSED;
		e->end_reason = AR_FLOW_END_CLOSED;
	}
}

/* Called whenever next_seq moved: the FIN may now be in order. */
static void
check_fin(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];

	if (sd->fin_seen && !sd->eof && sd->next_seq == sd->fin_seq)
		dir_eof(t, e, d, ts);
}

static void
emit_gap(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t len, uint64_t ts)
{
	t->st.gaps++;
	t->st.gap_bytes += len;
	t->ops.on_gap(t->p.ctx, &e->f, d, len, ts);
	t->ops.on_anomaly(t->p.ctx, &e->f, d, AR_FLOW_AN_GAP, ts);
}

/* Limit of deliverable data in @sd: the FIN, when one was seen. */
static uint32_t
clamp_fin(const struct flow_dir *sd, uint32_t seq)
{
	return sd->fin_seen ? seq_min(seq, sd->fin_seq) : seq;
}

/*
 * Delivers the head piece of @sd from next_seq on (held pieces never start
 * before next_seq, but a piece wholly behind it is simply dropped), then
 * frees it.
 */
static void
deliver_head(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];
	struct flow_seg *s = sd->head;
	uint32_t from = seq_max(s->seq, sd->next_seq);
	uint32_t to = clamp_fin(sd, seg_end(s));

	if (seq_lt(from, to)) {
		assert(from == sd->next_seq);
		t->ops.on_data(t->p.ctx, &e->f, d, s->data + (from - s->seq), to - from, ts);
		sd->next_seq = to;
	}
	seg_pop(t, sd);
	check_fin(t, e, d, ts);
}

/* Delivers held pieces while they are contiguous with next_seq. */
static void
drain(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];

	while (!sd->eof && sd->head != NULL && seq_le(sd->head->seq, sd->next_seq))
		deliver_head(t, e, d, ts);
}

/*
 * Moves next_seq of direction @d up to @target (clamped at a seen FIN):
 * held pieces on the way are delivered, holes between them reported as
 * gaps. Then whatever held data has become contiguous follows.
 */
static void
skip_to(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t target, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];

	target = clamp_fin(sd, target);
	while (!sd->eof && seq_lt(sd->next_seq, target)) {
		struct flow_seg *h = sd->head;

		if (h != NULL && seq_lt(h->seq, target)) {
			if (seq_gt(h->seq, sd->next_seq)) {
				emit_gap(t, e, d, h->seq - sd->next_seq, ts);
				sd->next_seq = h->seq;
			}
			deliver_head(t, e, d, ts);
		} else {
			emit_gap(t, e, d, target - sd->next_seq, ts);
			sd->next_seq = target;
			check_fin(t, e, d, ts);
		}
	}
	drain(t, e, d, ts);
}

/*
 * Walks the held pieces of @sd that meet [seq, seq + len): compares the
 * overlapping bytes (and with AR_OVERLAP_LAST takes the new ones) and, when
 * @insert, copies the uncovered parts into new pieces. The caller has
 * checked that the pool has room. Returns true when overlapping bytes
 * differed.
 */
static bool
merge(struct ar_flow_table *t, struct flow_dir *sd, uint32_t seq, const uint8_t *data, uint32_t len,
      bool insert)
{
	uint32_t end = seq + len, cur = seq;
	struct flow_seg **link = &sd->head;
	bool diff = false;

	/* Fast path: appending after everything held. */
	if (sd->tail != NULL && seq_le(seg_end(sd->tail), seq))
		link = &sd->tail->next;

	while (seq_lt(cur, end)) {
		struct flow_seg *n = *link;

		if (n != NULL && seq_le(seg_end(n), cur)) {
			link = &n->next;
			continue;
		}
		if (n != NULL && seq_le(n->seq, cur)) {
			uint32_t ov_end = seq_min(end, seg_end(n));
			uint32_t ov_len = ov_end - cur;
			uint8_t *held = n->data + (cur - n->seq);
			const uint8_t *now = data + (cur - seq);

			if (memcmp(held, now, ov_len) != 0) {
				diff = true;
				if (t->p.overlap == AR_OVERLAP_LAST)
					memcpy(held, now, ov_len);
			}
			cur = ov_end;
			continue;
		}
		/* [cur, piece_end) is held by no one. */
		uint32_t piece_end = (n != NULL) ? seq_min(end, n->seq) : end;

		if (!insert) {
			cur = piece_end;
			continue;
		}
		while (seq_lt(cur, piece_end)) {
			struct flow_seg *s = seg_alloc(t);
			uint32_t l = piece_end - cur;

			if (l > FLOW_SEG_CHUNK)
				l = FLOW_SEG_CHUNK;
			s->seq = cur;
			s->len = (uint16_t)l;
			memcpy(s->data, data + (cur - seq), l);
			s->next = n;
			*link = s;
			link = &s->next;
			if (n == NULL)
				sd->tail = s;
			sd->held_bytes += l;
			t->st.ooo_bytes += l;
			cur += l;
		}
	}
	if (t->st.ooo_bytes > t->st.ooo_bytes_max)
		t->st.ooo_bytes_max = t->st.ooo_bytes;
	return diff;
}

/* Bytes of [seq, seq + len) no held piece covers, and the chunks they take. */
static uint32_t
uncovered(const struct flow_dir *sd, uint32_t seq, uint32_t len, uint32_t *chunks)
{
	uint32_t end = seq + len, cur = seq, bytes = 0;
	const struct flow_seg *n = sd->head;

	*chunks = 0;
	if (sd->tail != NULL && seq_le(seg_end(sd->tail), seq))
		n = NULL;
	while (seq_lt(cur, end)) {
		if (n != NULL && seq_le(seg_end(n), cur)) {
			n = n->next;
			continue;
		}
		if (n != NULL && seq_le(n->seq, cur)) {
			cur = seq_min(end, seg_end(n));
			continue;
		}
		uint32_t piece_end = (n != NULL) ? seq_min(end, n->seq) : end;
		uint32_t l = piece_end - cur;

		bytes += l;
		*chunks += (l + FLOW_SEG_CHUNK - 1) / FLOW_SEG_CHUNK;
		cur = piece_end;
	}
	return bytes;
}

static void
overlap_diff(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	t->st.segments_overlap_diff++;
	t->ops.on_anomaly(t->p.ctx, &e->f, d, AR_FLOW_AN_OVERLAP_DIFF, ts);
}

/* [seq, seq + len) starts at next_seq: deliver it, interleaved with held pieces. */
static void
deliver_in_order(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t seq,
		 const uint8_t *data, uint32_t len, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];
	uint32_t end = seq + len;

	assert(seq == sd->next_seq);
	if (sd->head != NULL && seq_lt(sd->head->seq, end) && merge(t, sd, seq, data, len, false))
		overlap_diff(t, e, d, ts);

	while (!sd->eof && seq_lt(sd->next_seq, end)) {
		struct flow_seg *h = sd->head;

		if (h != NULL && seq_le(h->seq, sd->next_seq)) {
			/* Held bytes here already won or took ours (merge). */
			deliver_head(t, e, d, ts);
			continue;
		}
		uint32_t lim = (h != NULL && seq_lt(h->seq, end)) ? h->seq : end;

		t->ops.on_data(t->p.ctx, &e->f, d, data + (sd->next_seq - seq), lim - sd->next_seq,
			       ts);
		sd->next_seq = lim;
		check_fin(t, e, d, ts);
	}
	drain(t, e, d, ts);
}

static void
hold(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t seq, const uint8_t *data,
     uint32_t len, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];
	uint32_t chunks, bytes = uncovered(sd, seq, len, &chunks);
	enum ar_flow_anomaly cap;

	if (bytes == 0) {
		/* A copy of data we hold: compare, keep by policy. */
		t->st.segments_retrans++;
		if (merge(t, sd, seq, data, len, false))
			overlap_diff(t, e, d, ts);
		return;
	}
	if ((uint64_t)sd->held_bytes + bytes > t->p.ooo_flow_cap)
		cap = AR_FLOW_AN_OOO_FLOW_CAP;
	else if (t->st.ooo_bytes + bytes > t->p.ooo_worker_cap || chunks > t->free_nsegs)
		cap = AR_FLOW_AN_OOO_WORKER_CAP;
	else {
		t->st.segments_reordered++;
		if (merge(t, sd, seq, data, len, true))
			overlap_diff(t, e, d, ts);
		return;
	}
	/*
	 * Dropped. To stay bounded and keep going, give up on the hole: what
	 * is held goes up now, and the holes, this segment included, become
	 * gaps.
	 */
	t->st.segments_dropped_cap++;
	t->ops.on_anomaly(t->p.ctx, &e->f, d, cap, ts);
	uint32_t target = seq + len;

	if (sd->tail != NULL)
		target = seq_max(target, seg_end(sd->tail));
	skip_to(t, e, d, target, ts);
}

/*
 * Where the peer's ACKs say direction @d has reached, when that is past
 * next_seq (by at most FLOW_ACK_GAP_MAX); else next_seq.
 */
static uint32_t
acked_to(const struct flow_dir *sd)
{
	if (sd->ack_seen && seq_gt(sd->ack_max, sd->next_seq) &&
	    sd->ack_max - sd->next_seq <= FLOW_ACK_GAP_MAX)
		return sd->ack_max;
	return sd->next_seq;
}

/* Something now lies past a hole of @d: what the peer acknowledged of it is a gap. */
static void
gap_if_acked(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];
	uint32_t to = acked_to(sd);

	if (!sd->eof && (sd->head != NULL || sd->fin_seen) && seq_gt(to, sd->next_seq))
		skip_to(t, e, d, to, ts);
}

void
flow_reasm_data(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t seq,
		const uint8_t *data, uint32_t len, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];
	uint32_t end = seq + len;

	assert(sd->init && len > 0);
	t->st.segments++;
	if (seq_le(end, sd->next_seq)) {
		t->st.segments_retrans++;
		return;
	}
	if (sd->eof || (sd->fin_seen && seq_ge(seq, sd->fin_seq))) {
		/* New data after this direction ended. */
		t->st.segments_after_close++;
		t->ops.on_anomaly(t->p.ctx, &e->f, d, AR_FLOW_AN_BAD_SEQ_AFTER_CLOSE, ts);
		return;
	}
	if (sd->fin_seen && seq_gt(end, sd->fin_seq)) {
		end = sd->fin_seq;
		len = end - seq;
	}
	if (seq_le(seq, sd->next_seq)) {
		/* In order, or a partial retransmission: only the new part. */
		uint32_t off = sd->next_seq - seq;

		t->st.segments_in_order++;
		deliver_in_order(t, e, d, sd->next_seq, data + off, len - off, ts);
		return;
	}
	hold(t, e, d, seq, data, len, ts);
	gap_if_acked(t, e, d, ts);
}

void
flow_reasm_fin(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t fin_seq, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];

	if (!sd->init || sd->eof || sd->fin_seen || seq_lt(fin_seq, sd->next_seq))
		return;
	sd->fin_seen = 1;
	sd->fin_seq = fin_seq;
	check_fin(t, e, d, ts);
	gap_if_acked(t, e, d, ts);
}

void
flow_reasm_ack(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t ack, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];
	uint32_t target;

	if (!sd->init || sd->eof)
		return;
	target = clamp_fin(sd, ack); /* an ACK of the FIN is fin_seq + 1 */
	if (!seq_gt(target, sd->next_seq) || target - sd->next_seq > FLOW_ACK_GAP_MAX)
		return;
	if (sd->head == NULL && !sd->fin_seen)
		return; /* nothing seen past next_seq: the data may still come */
	skip_to(t, e, d, target, ts);
}

void
flow_reasm_abort(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];

	if (sd->eof)
		return;
	if (sd->tail != NULL)
		skip_to(t, e, d, seg_end(sd->tail), ts);
	if (!sd->eof && sd->init)
		skip_to(t, e, d, acked_to(sd), ts);
	if (!sd->eof)
		dir_eof(t, e, d, ts);
}

void
flow_reasm_end(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts)
{
	struct flow_dir *sd = &e->dir[d];

	if (!sd->init || sd->eof)
		return;
	if (sd->tail != NULL)
		skip_to(t, e, d, seg_end(sd->tail), ts);
	if (!sd->eof)
		skip_to(t, e, d, acked_to(sd), ts);
	if (!sd->eof && sd->fin_seen)
		skip_to(t, e, d, sd->fin_seq, ts);
	free_held(t, sd);
}
