/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The learner: one lcore that owns the API catalog. Workers hand it a
 * compact record of every transaction through one single-producer,
 * single-consumer ring each; it learns them in bursts, writes what changed
 * to the store about once a second, and sends `api` events to the output
 * thread through a ring of its own.
 */
#ifndef APIRADARD_LEARNER_H
#define APIRADARD_LEARNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "ar_api.h"
#include "daemon.h"

struct rte_mempool;
struct rte_ring;
struct ar_store;
struct ar_store_batch;

/* The learner's own counters (its catalog and store count the rest). */
struct ard_lstats {
	uint64_t records;     /* records learnt */
	uint64_t bursts;      /* non-empty dequeues */
	uint64_t saves;       /* store batches committed */
	uint64_t save_errors; /* commits that failed (the next one writes everything) */
	uint64_t saved_keys;  /* keys written or deleted */
	uint64_t events;      /* api events handed to the output */
	uint64_t events_lost; /* api events lost: record pool empty or ring full */
	uint64_t events_too_long;
	uint64_t loaded_keys; /* keys read from the store at start */
};

/* Everything a stats event shows of the learner, copied under a seqlock. */
struct ard_lsnap {
	struct ard_lstats l;
	struct ar_api_stats api;
};

struct ard_learner {
	const struct ard_config *cfg;
	unsigned lcore;
	unsigned n_workers;
	struct rte_ring *in[AR_MAX_WORKERS]; /* worker i: produces, learner: consumes */
	struct rte_mempool *pool;            /* api records: workers get, learner puts */
	struct ar_api_catalog *cat;
	struct ar_store *store; /* NULL: no state directory */
	struct ar_store_batch *batch;
	bool save_all;         /* a commit failed: the next save writes everything */
	uint64_t next_save_ns; /* wall clock */

	/* api events to the output thread: learner produces, output consumes */
	struct rte_ring *out;
	struct rte_mempool *out_pool; /* ar_rec records (shared with the workers) */
	uint32_t out_rec_size;

	struct ard_lstats st; /* learner: rw */
	atomic_uint_fast64_t snap_seq;
	struct ard_lsnap snap;    /* learner: wo, output: ro */
	atomic_bool workers_done; /* main: wo, learner: ro */
	atomic_bool done;         /* learner: wo, output: ro */
} __rte_cache_aligned;

/*
 * Creates the catalog, opens the store and loads it, and gives the catalog
 * its owners and specs. Uses no DPDK memory, so that a state directory or a
 * spec that is wrong is a start-up error before the EAL starts. Returns 0,
 * or -errno with the reason in @err; ard_learner_fini() frees what was made
 * either way. Main thread.
 */
int ard_learner_open(struct ard_learner *l, const struct ard_config *cfg, char *err, size_t errlen);

/*
 * Creates the workers' rings and the record pool. Returns 0, or -errno with
 * the reason in @err. Main thread, after the EAL started.
 */
int ard_learner_start(struct ard_learner *l, unsigned n_workers, struct rte_mempool *out_pool,
		      uint32_t out_rec_size, char *err, size_t errlen);

/* Lcore entry: learns until the workers are done and the rings are empty. */
int ard_learner_main(void *arg);

/* Frees everything; the store is closed after a last save. Main thread. */
void ard_learner_fini(struct ard_learner *l);

/* Copies the published counters (any thread). */
void ard_learner_snapshot(struct ard_learner *l, struct ard_lsnap *out);

#endif
