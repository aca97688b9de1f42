/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule set life cycle: initial load, reload on request, RCU-safe
 * replacement. See detect.h.
 */
#include "detect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include "ar_core.h"

static struct ar_ruleset *
load(const struct ard_config *cfg, unsigned n_workers, char *err, size_t errlen)
{
	const char *paths[AR_MAX_RULE_PATHS];
	for (unsigned i = 0; i < cfg->n_rule_paths; i++)
		paths[i] = cfg->rule_paths[i];
	return ar_ruleset_load(paths, cfg->n_rule_paths, n_workers, err, errlen);
}

int
ard_detect_init(struct ard_detect *d, const struct ard_config *cfg, unsigned n_workers, char *err,
		size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->n_workers = n_workers;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if (!cfg->detect || cfg->n_rule_paths == 0)
		return 0;
	size_t sz = rte_rcu_qsbr_get_memsize(n_workers);
	d->qsbr = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE));
	if (d->qsbr == NULL || rte_rcu_qsbr_init(d->qsbr, n_workers) != 0) {
		snprintf(err, errlen, "cannot set up the rule set's RCU");
		free(d->qsbr);
		d->qsbr = NULL;
		return -ENOMEM;
	}
	for (unsigned w = 0; w < n_workers; w++)
		rte_rcu_qsbr_thread_register(d->qsbr, w);
	struct ar_ruleset *rs = load(cfg, n_workers, err, errlen);
	if (rs == NULL) {
		free(d->qsbr);
		d->qsbr = NULL;
		return -EINVAL;
	}
	atomic_store(&d->current, rs);
	AR_DEBUG("detection: %u rules", ar_ruleset_count(rs));
	return 0;
}

static void *
reload_thread(void *arg)
{
	struct ard_detect *d = arg;
	char err[1024];
	pthread_mutex_lock(&d->lock);
	for (;;) {
		while (!d->reload_asked && !d->stopping)
			pthread_cond_wait(&d->cond, &d->lock);
		if (d->stopping)
			break;
		d->reload_asked = false;
		pthread_mutex_unlock(&d->lock);

		err[0] = '\0';
		struct ar_ruleset *rs = load(d->cfg, d->n_workers, err, sizeof(err));
		if (rs == NULL) {
			AR_WARN("rules not reloaded, the current ones stay: %s", err);
			atomic_fetch_add(&d->reload_errors, 1);
		} else {
			struct ar_ruleset *old = atomic_exchange(&d->current, rs);
			/* every worker has left the burst that may have used @old */
			rte_rcu_qsbr_synchronize(d->qsbr, RTE_QSBR_THRID_INVALID);
			ar_ruleset_free(old);
			atomic_fetch_add(&d->reloads, 1);
			AR_INFO("rules reloaded: %u rules", ar_ruleset_count(rs));
		}
		pthread_mutex_lock(&d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int
ard_detect_start(struct ard_detect *d)
{
	if (d->qsbr == NULL)
		return 0;
	int rc = pthread_create(&d->thread, NULL, reload_thread, d);
	if (rc != 0)
		return -rc;
	d->thread_started = true;
	return 0;
}

void
ard_detect_reload(struct ard_detect *d)
{
	if (d->qsbr == NULL) {
		AR_WARN("rules not reloaded: detection is off");
		return;
	}
	pthread_mutex_lock(&d->lock);
	d->reload_asked = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

void
ard_detect_fini(struct ard_detect *d)
{
	if (d->thread_started) {
		pthread_mutex_lock(&d->lock);
		d->stopping = true;
		pthread_cond_signal(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
		d->thread_started = false;
	}
	ar_ruleset_free(atomic_exchange(&d->current, NULL));
	free(d->qsbr);
	d->qsbr = NULL;
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
}

void
ard_detect_worker_online(struct ard_detect *d, unsigned idx)
{
	if (d && d->qsbr)
		rte_rcu_qsbr_thread_online(d->qsbr, idx);
}

void
ard_detect_worker_offline(struct ard_detect *d, unsigned idx)
{
	if (d && d->qsbr)
		rte_rcu_qsbr_thread_offline(d->qsbr, idx);
}

void
ard_detect_quiescent(struct ard_detect *d, unsigned idx)
{
	if (d && d->qsbr)
		rte_rcu_qsbr_quiescent(d->qsbr, idx);
}
