/* SPDX-License-Identifier: BSD-3-Clause */
/* The output thread: records to EVE JSON lines, and stats events. */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "ar_core.h"

static uint64_t
wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
ard_output_open(struct ard_output *o, const struct ard_config *cfg, struct ard_worker *workers,
		unsigned n, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->cfg = cfg;
	o->workers = workers;
	o->n_workers = n;
	o->line_cap = 1u << 20;
	o->line = malloc(o->line_cap);
	o->by_rule = calloc(ARD_MAX_RULE_COUNTS, sizeof(*o->by_rule));
	if (o->line == NULL || o->by_rule == NULL) {
		free(o->line);
		free(o->by_rule);
		o->line = NULL;
		o->by_rule = NULL;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(o->path, sizeof(o->path), "%s/eve.json", cfg->log_dir);
	o->eve = fopen(o->path, "a");
	if (o->eve == NULL) {
		int e = errno;
		snprintf(err, errlen, "cannot open `%s` for writing: %s", o->path, strerror(e));
		free(o->line);
		free(o->by_rule);
		o->line = NULL;
		o->by_rule = NULL;
		return -e;
	}
	setvbuf(o->eve, NULL, _IOFBF, 1u << 20);
	o->start_ns = wall_ns();
	o->last_stats_ns = o->start_ns;
	return 0;
}

void
ard_output_close(struct ard_output *o)
{
	if (o->eve != NULL && fclose(o->eve) != 0)
		o->write_errors++;
	o->eve = NULL;
	free(o->line);
	free(o->by_rule);
	o->line = NULL;
	o->by_rule = NULL;
}

/* One more event of rule @id. */
static void
count_rule(struct ard_output *o, uint32_t id)
{
	unsigned lo = 0, hi = o->n_by_rule;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (o->by_rule[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < o->n_by_rule && o->by_rule[lo].id == id) {
		o->by_rule[lo].n++;
		return;
	}
	if (o->n_by_rule == ARD_MAX_RULE_COUNTS) {
		o->by_rule_capped++;
		return;
	}
	memmove(&o->by_rule[lo + 1], &o->by_rule[lo], (o->n_by_rule - lo) * sizeof(*o->by_rule));
	o->by_rule[lo] = (struct ard_rule_count){ .id = id, .n = 1 };
	o->n_by_rule++;
}

static void
write_line(struct ard_output *o, const char *s, size_t n)
{
	if (fwrite(s, 1, n, o->eve) != n)
		o->write_errors++;
	else
		o->written++;
}

/* Formats and writes up to a burst of records of worker @w; returns how many. */
static unsigned
drain(struct ard_output *o, struct rte_ring *ring, struct rte_mempool *pool)
{
	void *recs[64];
	unsigned n = rte_ring_sc_dequeue_burst(ring, recs, RTE_DIM(recs), NULL);
	for (unsigned i = 0; i < n; i++) {
		const struct ar_rec *r = recs[i];
		if (r->type == AR_REC_ALERT || r->type == AR_REC_PII)
			count_rule(o, r->detect.rule_id);
		size_t len = ar_eve_format(r, &o->cfg->eve, o->line, o->line_cap);
		if (len == 0)
			o->too_long++;
		else
			write_line(o, o->line, len);
	}
	if (n > 0)
		rte_mempool_put_bulk(pool, recs, n);
	return n;
}

/*
 * Adds counter struct @x into @d. Every member of the counter structs is a
 * uint64_t; a member of another type would make the size check below fail
 * only if it changed the size, so the structs say so in their headers.
 */
#define SUM_COUNTERS(d, x)                                                                         \
	do {                                                                                       \
		_Static_assert(sizeof(*(d)) % sizeof(uint64_t) == 0, "u64 counters");              \
		uint64_t *d_ = (uint64_t *)(d);                                                    \
		const uint64_t *x_ = (const uint64_t *)(x);                                        \
		for (size_t k_ = 0; k_ < sizeof(*(d)) / sizeof(uint64_t); k_++)                    \
			d_[k_] += x_[k_];                                                          \
	} while (0)

void
ard_output_totals(struct ard_output *o, struct ard_wsnap *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < o->n_workers; i++) {
		struct ard_wsnap s;
		ard_worker_snapshot(&o->workers[i], &s);
		SUM_COUNTERS(&sum->w, &s.w);
		SUM_COUNTERS(&sum->flow, &s.flow);
		SUM_COUNTERS(&sum->http, &s.http);
		SUM_COUNTERS(&sum->match, &s.match);
	}
}

static void
stats_ports(struct ar_json *j, const struct ard_config *cfg)
{
	ar_json_key(j, "ports");
	ar_json_arr_open(j);
	for (uint32_t i = 0; i < cfg->n_ports; i++) {
		const struct ar_port *p = &cfg->ports[i];
		struct rte_eth_stats es;
		memset(&es, 0, sizeof(es));
		if (p->file != NULL) {
			es.ipackets = ar_port_file_frames(p);
			es.q_ipackets[0] = es.ipackets;
		} else if (rte_eth_stats_get(p->port_id, &es) != 0) {
			memset(&es, 0, sizeof(es));
		}
		ar_json_obj_open(j);
		ar_json_kv_cstr(j, "name", p->name);
		ar_json_kv_u64(j, "rx", es.ipackets);
		ar_json_kv_u64(j, "rx_bytes", es.ibytes);
		ar_json_kv_u64(j, "imissed", es.imissed);
		ar_json_kv_u64(j, "ierrors", es.ierrors);
		ar_json_kv_u64(j, "rx_nombuf", es.rx_nombuf);
		ar_json_key(j, "queues");
		ar_json_arr_open(j);
		for (uint16_t q = 0; q < p->nb_rxq && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
			ar_json_u64(j, es.q_ipackets[q]);
		ar_json_arr_close(j);
		ar_json_obj_close(j);
	}
	ar_json_arr_close(j);
}

static void
stats_api(struct ar_json *j, struct ard_output *o, const struct ard_wsnap *t)
{
	if (o->learner == NULL)
		return;
	struct ard_lsnap ls;
	ard_learner_snapshot(o->learner, &ls);
	const struct ar_api_stats *a = &ls.api;
	ar_json_key(j, "api");
	ar_json_obj_open(j);
	ar_json_kv_u64(j, "records", t->w.learn_recs);
	ar_json_kv_u64(j, "lost_pool", t->w.learn_lost_pool);
	ar_json_kv_u64(j, "lost_ring", t->w.learn_lost_ring);
	ar_json_kv_u64(j, "learnt", ls.l.records);
	ar_json_kv_u64(j, "sites", a->sites);
	ar_json_kv_u64(j, "endpoints", a->endpoints);
	ar_json_kv_u64(j, "bad_method", a->bad_method);
	ar_json_kv_u64(j, "no_host", a->no_host);
	ar_json_kv_u64(j, "sites_capped", a->sites_capped);
	ar_json_kv_u64(j, "endpoints_capped", a->endpoints_capped);
	ar_json_kv_u64(j, "fields_capped", a->fields_capped);
	ar_json_kv_u64(j, "nodes_capped", a->nodes_capped);
	ar_json_kv_u64(j, "values_capped", a->values_capped);
	ar_json_kv_u64(j, "statuses_capped", a->statuses_capped);
	ar_json_kv_u64(j, "ctypes_capped", a->ctypes_capped);
	ar_json_kv_u64(j, "records_cut", a->records_cut);
	ar_json_kv_u64(j, "hits_cut", a->hits_cut);
	ar_json_kv_u64(j, "merges", a->merges);
	ar_json_kv_u64(j, "splits", a->splits);
	ar_json_kv_u64(j, "promotions", a->promotions);
	ar_json_kv_u64(j, "events", ls.l.events);
	ar_json_kv_u64(j, "events_lost", ls.l.events_lost);
	ar_json_kv_u64(j, "events_too_long", ls.l.events_too_long);
	ar_json_kv_u64(j, "saves", ls.l.saves);
	ar_json_kv_u64(j, "save_errors", ls.l.save_errors);
	ar_json_kv_u64(j, "saved_keys", ls.l.saved_keys);
	ar_json_kv_u64(j, "loaded_keys", ls.l.loaded_keys);
	ar_json_kv_u64(j, "load_errors", a->load_errors);
	ar_json_obj_close(j);
}

static void
stats_detect(struct ar_json *j, struct ard_output *o, const struct ard_wsnap *t)
{
	const struct ar_match_stats *m = &t->match;
	const struct ar_ruleset *rs = o->detect ? ard_detect_get(o->detect) : NULL;
	char id[16];
	ar_json_key(j, "detect");
	ar_json_obj_open(j);
	ar_json_kv_bool(j, "enabled", rs != NULL);
	if (o->detect) {
		/* the set may be swapped while we read its size: only a count */
		ar_json_kv_u64(j, "reloads", atomic_load(&o->detect->reloads));
		ar_json_kv_u64(j, "reload_errors", atomic_load(&o->detect->reload_errors));
	}
	ar_json_kv_u64(j, "inspected", t->w.inspected);
	ar_json_kv_u64(j, "alerts", t->w.alerts);
	ar_json_kv_u64(j, "pii", t->w.pii);
	ar_json_kv_u64(j, "fields", m->fields);
	ar_json_kv_u64(j, "bytes", m->bytes);
	ar_json_kv_u64(j, "hits_capped", m->hits_capped);
	ar_json_kv_u64(j, "fields_cut", m->fields_cut);
	ar_json_kv_u64(j, "fields_capped", m->fields_capped);
	ar_json_kv_u64(j, "headers_capped", t->w.headers_capped);
	ar_json_kv_u64(j, "findings_limited", t->w.findings_limited);
	ar_json_kv_u64(j, "body_invalid", m->body_invalid);
	ar_json_kv_u64(j, "body_too_deep", m->body_too_deep);
	ar_json_kv_u64(j, "scan_errors", m->scan_errors);
	ar_json_key(j, "by_rule");
	ar_json_obj_open(j);
	for (unsigned i = 0; i < o->n_by_rule; i++) {
		snprintf(id, sizeof(id), "%u", o->by_rule[i].id);
		ar_json_kv_u64(j, id, o->by_rule[i].n);
	}
	ar_json_obj_close(j);
	ar_json_kv_u64(j, "by_rule_capped", o->by_rule_capped);
	ar_json_obj_close(j);
}

static void
stats_body(struct ar_json *j, struct ard_output *o, const struct ard_wsnap *t, uint64_t uptime)
{
	const struct ard_wstats *w = &t->w;
	uint64_t drops = ard_wstats_dropped(w);

	ar_json_key(j, "stats");
	ar_json_obj_open(j);
	ar_json_kv_u64(j, "uptime", uptime);
	ar_json_key(j, "capture");
	ar_json_obj_open(j);
	stats_ports(j, o->cfg);
	ar_json_kv_u64(j, "received", w->rx_pkts);
	ar_json_kv_u64(j, "bytes", w->rx_bytes);
	ar_json_kv_u64(j, "processed", w->processed);
	ar_json_kv_u64(j, "dropped", drops);
	ar_json_key(j, "drops");
	ar_json_obj_open(j);
	for (int r = 1; r < AR_PKT_REASON_MAX; r++)
		ar_json_kv_u64(j, ar_pkt_reason_name(r), w->decode_drop[r]);
	ar_json_kv_u64(j, "no_flow", w->no_flow);
	ar_json_kv_u64(j, "oversize", w->oversize);
	ar_json_obj_close(j);
	ar_json_obj_close(j);

	const struct ar_flow_stats *f = &t->flow;
	ar_json_key(j, "flow");
	ar_json_obj_open(j);
	ar_json_kv_u64(j, "live", f->flows_live);
	ar_json_kv_u64(j, "created", f->flows_created);
	ar_json_key(j, "ended");
	ar_json_obj_open(j);
	for (int e = 0; e < AR_FLOW_END_MAX; e++)
		ar_json_kv_u64(j, ar_flow_end_name(e), f->flows_ended[e]);
	ar_json_obj_close(j);
	ar_json_kv_u64(j, "http", w->flows_http);
	ar_json_kv_u64(j, "other", w->flows_other);
	ar_json_kv_u64(j, "udp_packets", f->udp_pkts);
	ar_json_obj_close(j);

	ar_json_key(j, "tcp");
	ar_json_obj_open(j);
	ar_json_kv_u64(j, "segments", f->segments);
	ar_json_kv_u64(j, "in_order", f->segments_in_order);
	ar_json_kv_u64(j, "reordered", f->segments_reordered);
	ar_json_kv_u64(j, "retransmitted", f->segments_retrans);
	ar_json_kv_u64(j, "overlap_diff", f->segments_overlap_diff);
	ar_json_kv_u64(j, "dropped_cap", f->segments_dropped_cap);
	ar_json_kv_u64(j, "gaps", f->gaps);
	ar_json_kv_u64(j, "gap_bytes", f->gap_bytes);
	ar_json_kv_u64(j, "rst_rejected", f->rst_rejected);
	ar_json_kv_u64(j, "reassembly_memory", f->ooo_bytes);
	ar_json_kv_u64(j, "reassembly_memory_max", f->ooo_bytes_max);
	ar_json_obj_close(j);

	const struct ar_http_stats *h = &t->http;
	ar_json_key(j, "http");
	ar_json_obj_open(j);
	ar_json_kv_u64(j, "requests", h->requests);
	ar_json_kv_u64(j, "responses", h->responses);
	ar_json_kv_u64(j, "transactions", h->tx_done);
	ar_json_kv_u64(j, "incomplete", h->tx_incomplete);
	ar_json_kv_u64(j, "pool_empty", h->tx_pool_empty);
	ar_json_kv_u64(j, "parse_errors", h->parse_errors);
	ar_json_key(j, "anomalies");
	ar_json_obj_open(j);
	for (int a = 0; a < AR_HTTP_AN_MAX; a++)
		if (h->anomalies[a] != 0)
			ar_json_kv_u64(j, ar_http_anomaly_name(a), h->anomalies[a]);
	ar_json_obj_close(j);
	ar_json_obj_close(j);

	stats_detect(j, o, t);
	stats_api(j, o, t);

	ar_json_key(j, "events");
	ar_json_obj_open(j);
	ar_json_kv_u64(j, "produced", w->events);
	ar_json_kv_u64(j, "written", o->written);
	ar_json_kv_u64(j, "lost_pool", w->events_lost_pool);
	ar_json_kv_u64(j, "lost_ring", w->events_lost_ring);
	ar_json_kv_u64(j, "too_big", w->events_too_big);
	ar_json_kv_u64(j, "too_long", o->too_long);
	ar_json_kv_u64(j, "write_errors", o->write_errors);
	ar_json_obj_close(j);
	ar_json_obj_close(j);
}

void
ard_output_stats(struct ard_output *o, uint64_t ts)
{
	struct ard_wsnap t;
	struct ar_json j;
	ard_output_totals(o, &t);
	ar_json_init(&j, o->line, o->line_cap - 1);
	ar_json_obj_open(&j);
	ar_eve_head(&j, ts, 0, 0, "stats", NULL);
	stats_body(&j, o, &t, (wall_ns() - o->start_ns) / 1000000000ull);
	ar_json_obj_close(&j);
	if (j.overflow) {
		o->too_long++;
		return;
	}
	o->line[j.len] = '\n';
	write_line(o, o->line, j.len + 1);
}

static bool
all_done(struct ard_output *o)
{
	for (unsigned i = 0; i < o->n_workers; i++)
		if (!atomic_load_explicit(&o->workers[i].done, memory_order_acquire))
			return false;
	return true;
}

/* Packet time of the newest packet any worker has seen. */
static uint64_t
packet_now(struct ard_output *o)
{
	uint64_t now = 0;
	for (unsigned i = 0; i < o->n_workers; i++)
		if (o->workers[i].now > now)
			now = o->workers[i].now;
	return now;
}

void
ard_output_run(struct ard_output *o)
{
	const struct ard_config *cfg = o->cfg;
	for (;;) {
		if (o->reload_asked && atomic_exchange(o->reload_asked, false) && o->detect)
			ard_detect_reload(o->detect);
		bool done = all_done(o);
		if (o->learner) {
			/* the learner ends once the workers have, and its ring is drained here */
			if (done)
				atomic_store_explicit(&o->learner->workers_done, true,
						      memory_order_release);
			done = done &&
			       atomic_load_explicit(&o->learner->done, memory_order_acquire);
		}
		unsigned got = 0;
		for (unsigned i = 0; i < o->n_workers; i++)
			got += drain(o, o->workers[i].ring, o->workers[i].recs);
		if (o->learner)
			got += drain(o, o->learner->out, o->learner->out_pool);
		if (done && got == 0)
			break;
		if (got == 0) {
			fflush(o->eve);
			struct timespec nap = { 0, 1000000 };
			nanosleep(&nap, NULL);
		}
		if (!cfg->offline && cfg->stats_interval_ns != 0) {
			uint64_t now = wall_ns();
			if (now - o->last_stats_ns >= cfg->stats_interval_ns) {
				o->last_stats_ns = now;
				ard_output_stats(o, now);
			}
		}
	}
	ard_output_stats(o, cfg->offline ? packet_now(o) : wall_ns());
	fflush(o->eve);
}
