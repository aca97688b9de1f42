/* SPDX-License-Identifier: BSD-3-Clause */
/* The learner lcore: API catalog, its persistence and its events. */
#include "learner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "ar_core.h"
#include "ar_store.h"

#define BURST 64

static uint64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- */
/* Events                                                            */
/* ---------------------------------------------------------------- */

static void
on_event(void *user, const struct ar_api_event *ev)
{
	struct ard_learner *l = user;
	void *obj;
	if (rte_mempool_get(l->out_pool, &obj) != 0) {
		l->st.events_lost++;
		return;
	}
	struct ar_rec *r = obj;
	size_t cap = l->out_rec_size - sizeof(*r);
	struct ar_json j;
	ar_json_init(&j, r->data, cap - 1);
	ar_json_obj_open(&j);
	ar_eve_head(&j, ev->ts_ns, 0, 0, "api", NULL);
	ar_json_key(&j, "api");
	ar_json_obj_open(&j);
	ar_json_kv_cstr(&j, "change", ar_api_change_name(ev->change));
	if (ev->endpoint_id) {
		char id[24];
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)ev->endpoint_id);
		ar_json_kv_cstr(&j, "endpoint_id", id);
	}
	ar_json_kv_cstr(&j, "site", ev->site);
	ar_json_kv_cstr(&j, "method", ar_api_method_name(ev->method));
	ar_json_kv_cstr(&j, "template", ev->template);
	if (ev->where)
		ar_json_kv_cstr(&j, "where", ev->where);
	if (ev->name)
		ar_json_kv_str(&j, "name", ev->name, strlen(ev->name), 1024);
	if (ev->type)
		ar_json_kv_cstr(&j, "type", ev->type);
	if (ev->old_type)
		ar_json_kv_cstr(&j, "old_type", ev->old_type);
	if (ev->owner && ev->owner[0])
		ar_json_kv_cstr(&j, "owner", ev->owner);
	if (ev->contact && ev->contact[0])
		ar_json_kv_cstr(&j, "contact", ev->contact);
	ar_json_obj_close(&j);
	ar_json_obj_close(&j);
	if (j.overflow) {
		l->st.events_too_long++;
		rte_mempool_put(l->out_pool, r);
		return;
	}
	r->data[j.len] = '\n';
	r->type = AR_REC_LINE;
	r->worker = 0;
	r->ts = ev->ts_ns;
	r->size = (uint32_t)(sizeof(*r) + j.len + 1);
	/* offline, wait for the output rather than lose an event */
	while (rte_ring_sp_enqueue(l->out, r) != 0) {
		if (!l->cfg->offline) {
			l->st.events_lost++;
			rte_mempool_put(l->out_pool, r);
			return;
		}
		rte_pause();
	}
	l->st.events++;
}

/* ---------------------------------------------------------------- */
/* Store                                                             */
/* ---------------------------------------------------------------- */

static int
put_key(void *user, unsigned cf, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct ar_store_batch *b = user;
	return val ? ar_store_batch_put(b, cf, key, klen, val, vlen) :
		     ar_store_batch_del(b, cf, key, klen);
}

/* Writes what changed since the last save as one atomic batch. */
static void
save(struct ard_learner *l)
{
	if (l->store == NULL)
		return;
	ar_store_batch_clear(l->batch);
	int n = ar_api_save(l->cat, l->save_all, put_key, l->batch);
	if (n < 0) {
		l->st.save_errors++;
		l->save_all = true;
		return;
	}
	if (n == 0)
		return;
	if (ar_store_commit(l->batch, false) != 0) {
		/* the catalog forgot its changes: write everything next time */
		AR_WARN("%s", ar_store_error(l->store));
		l->st.save_errors++;
		l->save_all = true;
		return;
	}
	l->save_all = false;
	l->st.saves++;
	l->st.saved_keys += (uint64_t)n;
}

struct load_ctx {
	struct ard_learner *l;
	unsigned cf;
};

static int
load_key(void *user, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct load_ctx *x = user;
	if (ar_api_load(x->l->cat, x->cf, key, klen, val, vlen) == 0)
		x->l->st.loaded_keys++;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Life cycle                                                        */
/* ---------------------------------------------------------------- */

static void
publish(struct ard_learner *l)
{
	atomic_fetch_add_explicit(&l->snap_seq, 1, memory_order_acq_rel);
	l->snap.l = l->st;
	l->snap.api = *ar_api_stats(l->cat);
	atomic_fetch_add_explicit(&l->snap_seq, 1, memory_order_release);
}

void
ard_learner_snapshot(struct ard_learner *l, struct ard_lsnap *out)
{
	uint64_t s0, s1;
	do {
		s0 = atomic_load_explicit(&l->snap_seq, memory_order_acquire);
		*out = l->snap;
		atomic_thread_fence(memory_order_acquire);
		s1 = atomic_load_explicit(&l->snap_seq, memory_order_relaxed);
	} while (s0 != s1 || (s0 & 1));
}

int
ard_learner_open(struct ard_learner *l, const struct ard_config *cfg, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	struct ar_api_params p = cfg->api;
	p.on_event = on_event;
	p.user = l;
	l->cat = ar_api_catalog_create(&p);
	if (l->cat == NULL)
		goto out_nomem;
	for (unsigned i = 0; i < cfg->n_owners; i++)
		if (ar_api_owner_add(l->cat, cfg->owners[i].host, cfg->owners[i].prefix,
				     cfg->owners[i].unit, cfg->owners[i].contact) != 0)
			goto out_nomem;
	if (cfg->data_dir[0]) {
		struct ar_store_params sp = {
			.dir = cfg->data_dir,
			.families = ar_api_cf_names,
			.n_families = AR_API_CF_MAX,
		};
		l->store = ar_store_open(&sp, err, errlen);
		if (l->store == NULL)
			return -EIO;
		l->batch = ar_store_batch_new(l->store);
		if (l->batch == NULL)
			goto out_nomem;
		/* sites first: endpoints hang on their trees */
		for (unsigned cf = 0; cf < AR_API_CF_MAX; cf++) {
			struct load_ctx x = { l, cf };
			if (ar_store_scan(l->store, cf, NULL, 0, load_key, &x) < 0) {
				snprintf(err, errlen, "%s", ar_store_error(l->store));
				return -EIO;
			}
		}
		const struct ar_api_stats *as = ar_api_stats(l->cat);
		AR_INFO("store %s: %llu sites, %llu endpoints loaded (%llu keys skipped)",
			cfg->data_dir, (unsigned long long)as->sites,
			(unsigned long long)as->endpoints, (unsigned long long)as->load_errors);
	}
	for (unsigned i = 0; i < cfg->n_specs; i++) {
		int rc = ar_api_spec_load(l->cat, cfg->specs[i].host, cfg->specs[i].path, err,
					  errlen);
		if (rc != 0)
			return rc;
	}
	return 0;
out_nomem:
	snprintf(err, errlen, "learner: cannot allocate its catalog: %s", strerror(ENOMEM));
	return -ENOMEM;
}

int
ard_learner_start(struct ard_learner *l, unsigned n_workers, struct rte_mempool *out_pool,
		  uint32_t out_rec_size, char *err, size_t errlen)
{
	const struct ard_config *cfg = l->cfg;
	l->n_workers = n_workers;
	l->out_pool = out_pool;
	l->out_rec_size = out_rec_size;
	char name[RTE_RING_NAMESIZE];
	for (unsigned i = 0; i < n_workers; i++) {
		snprintf(name, sizeof(name), "ar_learn%u", i);
		l->in[i] = rte_ring_create(name, cfg->learn_ring, SOCKET_ID_ANY,
					   RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (l->in[i] == NULL)
			goto out_nomem;
	}
	l->out = rte_ring_create("ar_api_events", 4096, SOCKET_ID_ANY,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	l->pool = rte_mempool_create("ar_api_recs", cfg->learn_ring * n_workers + 1024,
				     sizeof(struct ar_api_rec), 256, 0, NULL, NULL, NULL, NULL,
				     SOCKET_ID_ANY, 0);
	if (l->out == NULL || l->pool == NULL)
		goto out_nomem;
	publish(l);
	return 0;
out_nomem:
	snprintf(err, errlen, "learner: cannot allocate its rings: %s",
		 rte_strerror(rte_errno ? rte_errno : ENOMEM));
	return -ENOMEM;
}

int
ard_learner_main(void *arg)
{
	struct ard_learner *l = arg;
	void *recs[BURST];
	uint64_t last_pub = 0;
	/* packet time of the newest record, and the wall clock when it came */
	uint64_t pkt_now = 0, pkt_mono = 0;
	l->next_save_ns = mono_ns() + l->cfg->save_interval_ns;
	for (;;) {
		/* read the flag before draining: records enqueued before it are seen */
		bool done = atomic_load_explicit(&l->workers_done, memory_order_acquire);
		unsigned got = 0;
		uint64_t last_ts = 0;
		for (unsigned i = 0; i < l->n_workers; i++) {
			unsigned n = rte_ring_sc_dequeue_burst(l->in[i], recs, BURST, NULL);
			for (unsigned k = 0; k < n; k++) {
				const struct ar_api_rec *r = recs[k];
				if (k + 1 < n)
					rte_prefetch0(recs[k + 1]);
				ar_api_learn(l->cat, r);
				last_ts = r->ts_ns;
			}
			if (n) {
				rte_mempool_put_bulk(l->pool, recs, n);
				got += n;
				l->st.bursts++;
			}
		}
		l->st.records += got;
		uint64_t now = mono_ns();
		if (last_ts) {
			pkt_now = last_ts;
			pkt_mono = now;
			ar_api_tick(l->cat, last_ts);
		} else if (!l->cfg->offline && pkt_now) {
			/*
			 * Live and idle: packet time goes on with the wall clock, or
			 * an endpoint nobody calls any more would never be a zombie
			 * on a link that went quiet.
			 */
			ar_api_tick(l->cat, pkt_now + (now - pkt_mono));
		}
		if (now >= l->next_save_ns) {
			save(l);
			l->next_save_ns = now + l->cfg->save_interval_ns;
		}
		if (now - last_pub > 100000000ull) {
			publish(l);
			last_pub = now;
		}
		if (got == 0) {
			if (done)
				break;
			struct timespec nap = { 0, 200000 };
			nanosleep(&nap, NULL);
		}
	}
	save(l);
	if (l->cfg->n_specs)
		ar_api_spec_report(l->cat);
	if (l->cfg->openapi_dir[0]) {
		int n = ar_api_openapi_write_all(l->cat, l->cfg->openapi_format,
						 l->cfg->openapi_dir);
		if (n < 0)
			AR_ERR("cannot write OpenAPI documents to `%s`: %s", l->cfg->openapi_dir,
			       strerror(-n));
		else
			AR_INFO("%d OpenAPI document(s) written to %s", n, l->cfg->openapi_dir);
	}
	publish(l);
	atomic_store_explicit(&l->done, true, memory_order_release);
	return 0;
}

void
ard_learner_fini(struct ard_learner *l)
{
	ar_store_batch_free(l->batch);
	ar_store_close(l->store);
	ar_api_catalog_free(l->cat);
	for (unsigned i = 0; i < l->n_workers; i++)
		rte_ring_free(l->in[i]);
	rte_ring_free(l->out);
	rte_mempool_free(l->pool);
	memset(l, 0, sizeof(*l));
}
