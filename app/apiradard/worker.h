/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker: one lcore, its RX queues, its flow table and HTTP state, and
 * a ring of event records to the output thread. Nothing here is shared
 * with another worker.
 */
#ifndef APIRADARD_WORKER_H
#define APIRADARD_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "daemon.h"
#include "detect.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

/* Counters of one worker. The identity: rx_pkts = processed + sum of drops. */
struct ard_wstats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t processed;                      /* decoded and given to a flow */
	uint64_t decode_drop[AR_PKT_REASON_MAX]; /* [0] unused */
	uint64_t no_flow;                        /* TCP/UDP without a flow to attach to */
	uint64_t oversize;                       /* larger than the linearisation buffer */
	uint64_t events;                         /* records handed to the output thread */
	uint64_t events_lost_pool;               /* record pool empty (live mode only) */
	uint64_t events_lost_ring;               /* ring full (live mode only) */
	uint64_t events_too_big;                 /* transaction larger than a record */
	uint64_t flows_http;                     /* flows recognised as HTTP/1 */
	uint64_t flows_other;                    /* flows with data that is not HTTP */
	uint64_t inspected;                      /* transactions inspected by the rules */
	uint64_t alerts;                         /* alert records made */
	uint64_t pii;                            /* pii records made */
	uint64_t headers_capped;   /* headers beyond AR_WORKER_MAX_HDRS, not inspected */
	uint64_t findings_limited; /* findings not reported: the rule's `limit` */
	uint64_t learn_recs;       /* records handed to the learner */
	uint64_t learn_lost_pool;  /* record pool empty (live mode only) */
	uint64_t learn_lost_ring;  /* learner's ring full (live mode only) */
};

/* Everything a stats event shows of one worker, copied under a seqlock. */
struct ard_wsnap {
	struct ard_wstats w;
	struct ar_flow_stats flow;
	struct ar_http_stats http;
	struct ar_match_stats match;
};

struct ard_rxq {
	uint16_t port_idx; /* index into the config's ports */
	uint16_t queue;
};

/* (rule, server) pairs remembered for rules with a `limit`. */
#define AR_WORKER_LIMIT_SLOTS 4096

/* Headers per side a transaction is inspected with. */
#define AR_WORKER_MAX_HDRS 128

struct ard_worker {
	unsigned idx;
	unsigned lcore;
	const struct ard_config *cfg;
	struct ar_flow_table *flows;
	struct ar_http_ctx *http;
	struct rte_ring *ring;    /* worker: produces, output: consumes */
	struct rte_mempool *recs; /* records: worker gets, output puts */
	uint32_t rec_size;
	uint16_t n_rxq;
	struct ard_rxq rxq[AR_PORT_MAX];
	uint64_t now;    /* packet time of the last packet, ns */
	uint64_t pkt_no; /* packets received so far: the number of the current one */
	uint64_t next_expire;
	bool backpressure;    /* offline: wait for the ring instead of losing */
	struct ard_wstats st; /* worker: rw */

	/* published for the output thread: worker writes, output reads */
	atomic_uint_fast64_t snap_seq;
	struct ard_wsnap snap;
	atomic_bool done; /* worker: wo, output: ro */

	uint8_t *scratch; /* linearised multi-segment frames */
	uint32_t scratch_size;

	/* discovery: records to the learner */
	struct rte_ring *learn_ring;    /* worker: produces, learner: consumes; NULL: off */
	struct rte_mempool *learn_pool; /* api records */
	struct ar_api_rec *cur_rec;     /* the record of the transaction being inspected */

	/* detection */
	struct ard_detect *detect;    /* NULL: off */
	const struct ar_ruleset *rs;  /* the set of this burst */
	struct ar_match_ws *match_ws; /* lib/match's working memory */
	struct ar_kv hdrs[2][AR_WORKER_MAX_HDRS];
	/* rules with a `limit`: when each (rule, server) last reported */
	struct {
		uint64_t key;
		uint64_t ts;
	} limits[AR_WORKER_LIMIT_SLOTS];
} __rte_cache_aligned;

/*
 * Creates the worker's tables. @detect (may be NULL) gives the rule set.
 * Returns 0 or -errno. Main thread.
 */
int ard_worker_init(struct ard_worker *w, unsigned idx, const struct ard_config *cfg,
		    struct rte_mempool *recs, uint32_t rec_size, struct ard_detect *detect);
/* Frees what ard_worker_init() made. */
void ard_worker_fini(struct ard_worker *w);

/*
 * Processes a burst of received frames: decode, flows, HTTP, events. Frees
 * nothing: the caller frees the mbufs. Worker thread.
 */
void ard_worker_burst(struct ard_worker *w, int link_type, struct rte_mbuf **pkts, uint16_t n,
		      uint64_t fallback_ts);

/* Lcore entry: polls its queues until stop (or, offline, the files end). */
int ard_worker_main(void *arg);

/* Asks every worker to stop (signal-safe). */
void ard_worker_stop_all(void);

/* Packets dropped, all reasons together: rx_pkts = processed + this. */
uint64_t ard_wstats_dropped(const struct ard_wstats *s);

/* Copies @w's published counters into @out (any thread). */
void ard_worker_snapshot(struct ard_worker *w, struct ard_wsnap *out);

#endif
