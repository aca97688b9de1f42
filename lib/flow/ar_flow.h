/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/flow: a per-worker flow table with idle timeouts and eviction under
 * pressure, TCP state tracking and per-direction stream reassembly.
 *
 * One table belongs to one worker thread: nothing here locks. All memory is
 * taken at ar_flow_table_create(); processing a packet never allocates.
 * Time is the packet timestamp passed in by the caller (nanoseconds).
 *
 * In-order TCP payload is handed to the layer above straight from the
 * packet buffer (no copy). Out-of-order segments are copied into a bounded
 * per-worker segment pool, within a per-flow and a per-worker byte cap, and
 * delivered once the hole before them fills. Gaps that will never fill
 * (cap hit, flow end, data acked past a hole) are reported as gaps.
 *
 * A RST ends a flow only when its receiver would take it: its seq in the
 * receive window, and signed (TCP-MD5, TCP-AO) as the receiver's SYN was.
 * Others, such as a RST injected to blind a monitor while the real
 * endpoints go on, are counted (rst_rejected) and ignored.
 */
#ifndef AR_FLOW_H
#define AR_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "ar_pkt.h"

/* Direction of data within a flow. */
enum ar_flow_dir {
	AR_DIR_TO_SERVER = 0, /* client -> server */
	AR_DIR_TO_CLIENT = 1, /* server -> client */
};

enum ar_tcp_state {
	AR_TCP_NONE = 0, /* UDP, or not TCP-tracked */
	AR_TCP_SYN_SENT,
	AR_TCP_SYN_RECV,
	AR_TCP_ESTABLISHED, /* handshake seen, or picked up midstream */
	AR_TCP_CLOSING,     /* one side sent FIN */
	AR_TCP_CLOSED,      /* both FINs, or an accepted RST */
};

/* How the end of a flow came about (ar_flow_end_name()). */
enum ar_flow_end {
	AR_FLOW_END_CLOSED = 0, /* FIN both ways */
	AR_FLOW_END_RST,        /* reset */
	AR_FLOW_END_TIMEOUT,    /* idle timeout */
	AR_FLOW_END_EVICTED,    /* table full: evicted to make room */
	AR_FLOW_END_SHUTDOWN,   /* ar_flow_table_flush() at exit */
	AR_FLOW_END_MAX,
};

/* Stream anomalies worth an event (ar_flow_anomaly_name()). */
enum ar_flow_anomaly {
	AR_FLOW_AN_OVERLAP_DIFF = 0, /* retransmitted bytes differ from the first copy */
	AR_FLOW_AN_OOO_FLOW_CAP,     /* per-flow out-of-order cap hit: gap */
	AR_FLOW_AN_OOO_WORKER_CAP,   /* per-worker out-of-order cap hit: gap */
	AR_FLOW_AN_GAP,              /* data missing (lost or never captured) */
	AR_FLOW_AN_BAD_SEQ_AFTER_CLOSE,
	AR_FLOW_AN_RST_REJECTED, /* a RST its receiver would drop: ignored */
	AR_FLOW_AN_MAX,
};

/* Which copy wins when retransmitted bytes differ from the first. */
enum ar_flow_overlap_policy {
	AR_OVERLAP_FIRST = 0, /* keep the first copy seen (BSD, Windows) */
	AR_OVERLAP_LAST,      /* the newer copy replaces held data (Linux for OOO) */
};

/*
 * One flow, as the layer above sees it. The table owns it; the pointer is
 * valid until the on_flow_end callback for it returns.
 */
struct ar_flow {
	struct ar_pkt_tuple tuple; /* oriented client -> server; VLAN ids of its first packet */
	uint64_t id;               /* unique per worker and run, never 0 */
	uint64_t first_ts;         /* ns, packet time */
	uint64_t last_ts;          /* ns, packet time */
	uint64_t pkts[2];          /* by enum ar_flow_dir */
	uint64_t bytes[2];         /* frame payload (L4 payload) bytes */
	uint8_t tcp_state;         /* enum ar_tcp_state */
	uint8_t midstream;         /* picked up without a handshake */
	uint8_t tcp_flags_seen[2]; /* OR of flags by direction */
	void *l7;                  /* l7_state_size bytes for the layer above, zeroed at create */
};

/* Callbacks into the layer above. All run on the table's thread. */
struct ar_flow_ops {
	/* A flow was created; l7 is zeroed. */
	void (*on_flow_new)(void *ctx, struct ar_flow *f);
	/* @len bytes of in-order stream data in direction @dir, seen at @ts. */
	void (*on_data)(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, const uint8_t *data,
			uint32_t len, uint64_t ts);
	/* @len bytes in direction @dir are missing and will never come. */
	void (*on_gap)(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint32_t len,
		       uint64_t ts);
	/* Direction @dir ended (FIN delivered in order, or an accepted RST). */
	void (*on_eof)(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint64_t ts);
	/* A stream anomaly. */
	void (*on_anomaly)(void *ctx, struct ar_flow *f, enum ar_flow_dir dir,
			   enum ar_flow_anomaly an, uint64_t ts);
	/* The flow is about to be freed; last call for @f. */
	void (*on_flow_end)(void *ctx, struct ar_flow *f, enum ar_flow_end why, uint64_t ts);
};

struct ar_flow_params {
	uint32_t max_flows;         /* table capacity; at the cap the oldest flow is evicted */
	uint32_t l7_state_size;     /* bytes reserved per flow for the layer above */
	uint64_t timeout_new_ns;    /* idle timeout before the handshake completes */
	uint64_t timeout_est_ns;    /* idle timeout of established flows (and UDP) */
	uint64_t timeout_closed_ns; /* linger after FIN/RST */
	uint32_t ooo_flow_cap;      /* out-of-order bytes held per flow and direction */
	uint32_t ooo_worker_cap;    /* out-of-order bytes held by the whole table */
	enum ar_flow_overlap_policy overlap;
	/* Key flows on the 5-tuple alone, not on the VLAN ids: for links that
	 * tag one direction only (Suricata's vlan.use-for-tracking: false). */
	bool ignore_vlan;
	const struct ar_flow_ops *ops;
	void *ctx; /* passed to every callback */
};

/*
 * Counters of one table. Written by its thread only; others read them racily.
 * Every TCP segment with payload attached to a flow (RSTs aside) is counted
 * in `segments` and in exactly one of the categories after it:
 *   segments = segments_in_order + segments_reordered + segments_retrans
 *            + segments_dropped_cap + segments_after_close
 * (segments_overlap_diff counts segments of any category whose overlap with
 * held data differed).
 */
struct ar_flow_stats {
	uint64_t flows_live;
	uint64_t flows_created;
	uint64_t flows_ended[AR_FLOW_END_MAX];
	uint64_t segments; /* TCP segments seen with payload */
	uint64_t segments_in_order;
	uint64_t segments_reordered; /* held out of order, later delivered */
	uint64_t segments_retrans;   /* wholly old or already held data, dropped */
	uint64_t segments_overlap_diff;
	uint64_t segments_dropped_cap; /* out-of-order segment dropped at a cap */
	uint64_t segments_after_close; /* new data past a FIN or after a RST, dropped */
	uint64_t gaps;
	uint64_t gap_bytes;
	uint64_t ooo_bytes;     /* out-of-order bytes held now */
	uint64_t ooo_bytes_max; /* high-water mark */
	uint64_t pkts_no_flow;  /* e.g. a lone RST or ACK for an unknown flow */
	uint64_t udp_pkts;
	uint64_t rst_rejected; /* RSTs ignored: out of window, or signed unlike the SYN */
};

struct ar_flow_table;

/*
 * Creates a table from @p (copied). Returns NULL and sets errno (EINVAL on
 * a bad parameter, ENOMEM) on failure. Free with ar_flow_table_free().
 */
struct ar_flow_table *ar_flow_table_create(const struct ar_flow_params *p);

/* Frees @t without calling any callback. Accepts NULL. */
void ar_flow_table_free(struct ar_flow_table *t);

/*
 * Processes one decoded TCP or UDP packet seen at @ts (ns). Finds or
 * creates its flow, tracks TCP state, reassembles and calls the ops.
 * Returns 0 when the packet was processed (including as a retransmission),
 * or -ENOENT when it was not attached to a flow (counted in pkts_no_flow).
 */
int ar_flow_process(struct ar_flow_table *t, const struct ar_pkt_info *pi, uint64_t ts);

/* Ends flows idle for longer than their timeout at time @now (ns). */
void ar_flow_expire(struct ar_flow_table *t, uint64_t now);

/*
 * Ends every flow (AR_FLOW_END_SHUTDOWN; flows already closed by FIN or RST
 * end with that reason), flushing held data as gaps.
 */
void ar_flow_table_flush(struct ar_flow_table *t, uint64_t now);

/* Counters of @t. The pointer stays valid for the table's life. */
const struct ar_flow_stats *ar_flow_table_stats(const struct ar_flow_table *t);

const char *ar_flow_end_name(enum ar_flow_end e);
const char *ar_flow_anomaly_name(enum ar_flow_anomaly an);

#endif
