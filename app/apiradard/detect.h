/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rule set the workers inspect with, and its replacement while they
 * run. The current set is one pointer: workers read it once per burst and
 * report a quiescent state (DPDK's QSBR RCU) after the burst; a reload
 * compiles the new set on a thread of its own, swaps the pointer, waits
 * until every worker has passed a quiescent state and only then frees the
 * old set. A set that fails to load leaves the current one in place.
 */
#ifndef APIRADARD_DETECT_H
#define APIRADARD_DETECT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ar_match.h"
#include "daemon.h"

struct rte_rcu_qsbr;

struct ard_detect {
	const struct ard_config *cfg;
	_Atomic(struct ar_ruleset *) current; /* NULL: detection off */
	struct rte_rcu_qsbr *qsbr;
	unsigned n_workers;
	/* the reload thread */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool reload_asked, stopping;
	atomic_uint_fast64_t reloads;       /* rule sets swapped in */
	atomic_uint_fast64_t reload_errors; /* reloads that kept the old set */
};

/*
 * Loads and compiles the configured rules for @n_workers workers. Returns
 * 0, or -EINVAL with "<file>:<line>: ..." in @err. Detection is off (and
 * this succeeds) when the config disables it or names no rules.
 */
int ard_detect_init(struct ard_detect *d, const struct ard_config *cfg, unsigned n_workers,
		    char *err, size_t errlen);

/* Starts the reload thread. Returns 0 or -errno. */
int ard_detect_start(struct ard_detect *d);

/* Asks for a reload (SIGHUP). Any thread; returns at once. */
void ard_detect_reload(struct ard_detect *d);

/* Stops the reload thread and frees the set. Workers must have stopped. */
void ard_detect_fini(struct ard_detect *d);

/* Worker @idx starts and stops reading the set. */
void ard_detect_worker_online(struct ard_detect *d, unsigned idx);
void ard_detect_worker_offline(struct ard_detect *d, unsigned idx);

/* The set for this burst (NULL: off). Worker thread. */
static inline const struct ar_ruleset *
ard_detect_get(struct ard_detect *d)
{
	return d ? atomic_load_explicit(&d->current, memory_order_acquire) : NULL;
}

/* Worker @idx holds no pointer to any set now. */
void ard_detect_quiescent(struct ard_detect *d, unsigned idx);

#endif
