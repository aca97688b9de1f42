/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/flow internals shared by flow.c (table, timers, TCP state) and
 * reasm.c (per-direction stream reassembly). Not installed.
 */
#ifndef AR_FLOW_PRIV_H
#define AR_FLOW_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar_flow.h"

/*
 * Out-of-order data is copied into chunks of this many bytes; a segment
 * larger than one chunk takes several. Small so that small segments waste
 * little of the worker cap.
 */
#define FLOW_SEG_CHUNK 256

/* Largest ACK jump taken as "data we missed" (the largest TCP window). */
#define FLOW_ACK_GAP_MAX (1u << 30)

/* Serial-number arithmetic (RFC 1982) on 32-bit sequence numbers. */
static inline bool
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool
seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool
seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static inline uint32_t
seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

static inline uint32_t
seq_max(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? a : b;
}

/* A piece of held out-of-order data: [seq, seq + len). */
struct flow_seg {
	struct flow_seg *next; /* by seq in its direction, or in the free pool */
	uint32_t seq;
	uint16_t len;
	uint8_t data[FLOW_SEG_CHUNK];
};

/*
 * One direction of a TCP stream. Invariant: held pieces do not overlap,
 * are sorted by seq, and all start after next_seq.
 *
 * "Sender" is the end that sends this direction's data. The ACK, window
 * and SYN fields are what a RST of the other end is checked against.
 */
struct flow_dir {
	struct flow_seg *head;
	struct flow_seg *tail;
	uint32_t next_seq;   /* next byte expected in order */
	uint32_t isn;        /* initial seq (SYN), or next_seq - 1 when picked up */
	uint32_t fin_seq;    /* seq of the FIN, when fin_seen */
	uint32_t held_bytes; /* out-of-order bytes held */
	uint32_t ack_max;    /* highest ACK of this direction's data by the peer, if ack_seen */
	uint32_t win;        /* receive window the sender last advertised, bytes, if win_seen */
	uint8_t init;        /* next_seq is known */
	uint8_t fin_seen;    /* a FIN was seen (maybe beyond a hole) */
	uint8_t eof;         /* on_eof was called: nothing more is delivered */
	uint8_t ack_seen;
	uint8_t win_seen;
	uint8_t syn_seen; /* the sender's SYN or SYN/ACK was seen: */
	uint8_t wscale;   /* its window scale option (0xff: none) */
	uint8_t auth;     /* it carried a TCP-MD5 or TCP-AO option */
};

/* Timeout classes; each has an LRU list ordered by last packet time. */
enum flow_class {
	FLOW_CLASS_NEW = 0, /* handshake not complete */
	FLOW_CLASS_EST,     /* established, half-closed, UDP */
	FLOW_CLASS_CLOSED,  /* FIN both ways or RST: lingers */
	FLOW_CLASS_MAX,
};

struct flow_entry {
	struct ar_flow f;         /* first: the public view */
	struct flow_entry *hnext; /* hash bucket chain */
	struct flow_entry *prev;  /* LRU list of its class */
	struct flow_entry *next;  /* LRU list of its class, or the free list */
	struct ar_pkt_tuple key;  /* normalised: (src, sport) <= (dst, dport); vlan_count 0 */
	uint32_t hash;
	uint8_t cls;          /* enum flow_class */
	uint8_t client_is_lo; /* the client is key.src */
	uint8_t end_reason;   /* enum ar_flow_end, once CLOSED */
	uint8_t in_use;
	struct flow_dir dir[2]; /* by enum ar_flow_dir */
};

struct flow_list {
	struct flow_entry *head; /* least recently seen */
	struct flow_entry *tail;
};

struct ar_flow_table {
	struct ar_flow_params p;
	struct ar_flow_ops ops; /* copy of *p.ops with no NULL member */
	struct ar_flow_stats st;
	uint64_t timeout[FLOW_CLASS_MAX];
	uint64_t clock;   /* latest packet time seen: keeps the LRU lists sorted */
	uint64_t next_id; /* flow ids start at 1 */
	uint32_t hash_seed;
	uint32_t bucket_mask;
	struct flow_entry **buckets;
	struct flow_entry *flows; /* max_flows entries */
	struct flow_entry *free_flows;
	struct flow_list lru[FLOW_CLASS_MAX];
	uint8_t *l7_area;
	size_t l7_stride;
	struct flow_seg *segs; /* the out-of-order pool */
	struct flow_seg *free_segs;
	uint32_t nsegs;
	uint32_t free_nsegs;
};

static inline struct flow_entry *
flow_entry_of(struct ar_flow *f)
{
	return (struct flow_entry *)f;
}

/* reasm.c: all run on the table's thread, from ar_flow_process or a flow end. */

/* Payload [seq, seq + len) of direction @d: deliver, hold or drop it. */
void flow_reasm_data(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t seq,
		     const uint8_t *data, uint32_t len, uint64_t ts);
/* A FIN of direction @d at @fin_seq. */
void flow_reasm_fin(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t fin_seq,
		    uint64_t ts);
/*
 * The peer acknowledged direction @d up to @ack (also in ack_max): what is
 * below it and missing is a gap, once something was seen past the hole.
 */
void flow_reasm_ack(struct ar_flow_table *t, struct flow_entry *e, int d, uint32_t ack,
		    uint64_t ts);
/* RST: deliver what is held or acknowledged in direction @d (gaps between), then end it. */
void flow_reasm_abort(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts);
/* Flow end: deliver what is held, reach what was acknowledged and a seen FIN through gaps. */
void flow_reasm_end(struct ar_flow_table *t, struct flow_entry *e, int d, uint64_t ts);

#endif
