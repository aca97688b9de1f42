/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-path benchmark: a capture replayed from memory through the
 * worker's per-packet path (decode, flow, reassembly, HTTP, event records),
 * beside the same HTTP streams parsed by libhtp, the parser Suricata uses.
 *
 *   bench_worker CAPTURE [--only ours|libhtp] [--runs N] [--rules PATH]
 *                [--learn] [--dump-records FILE]
 *
 * Only bench_ours() and bench_libhtp() are timed, and they are the two
 * functions run.sh hands to callgrind's --toggle-collect. Everything they
 * need (mbufs holding every frame, the TCP streams cut into the chunks the
 * reassembler delivered) is prepared before.
 *
 * With --learn the worker also builds the discovery record of every
 * transaction for the learner, which costs what apiradard's workers pay for
 * it (see the section "Discovery records" below and README-learner.md).
 */
#include <arpa/inet.h> /* INET6_ADDRSTRLEN */
#include <errno.h>
#include <htp/htp.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h> /* no-ops unless run under callgrind */

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ar_api.h"
#include "ar_core.h"
#include "ar_export.h"
#include "ar_flow.h"
#include "ar_http.h"
#include "ar_pkt.h"
#include "ar_port.h"
#include "daemon.h"
#include "worker.h"

#define BURST      32
#define NS_PER_SEC 1000000000ull

/* ---------------------------------------------------------------- */
/* The capture, in memory                                            */
/* ---------------------------------------------------------------- */

struct frame {
	const uint8_t *data;
	uint32_t len;
	uint64_t ts; /* ns */
};

struct capture {
	int link_type;
	uint32_t n;
	uint32_t max_len;
	struct frame *frames;
	uint8_t *bytes;
};

static int
capture_load(struct capture *c, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t cap = 1 << 20, used = 0, fcap = 1024;
	int rc;

	memset(c, 0, sizeof(*c));
	pcap_t *p =
		pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return -EINVAL;
	}
	c->link_type = pcap_datalink(p);
	c->bytes = malloc(cap);
	c->frames = malloc(fcap * sizeof(*c->frames));
	if (c->bytes == NULL || c->frames == NULL)
		goto out_nomem;
	/* offsets first: the byte buffer moves while it grows */
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		if (used + h->caplen > cap) {
			while (used + h->caplen > cap)
				cap *= 2;
			uint8_t *nb = realloc(c->bytes, cap);
			if (nb == NULL)
				goto out_nomem;
			c->bytes = nb;
		}
		if (c->n == fcap) {
			fcap *= 2;
			struct frame *nf = realloc(c->frames, fcap * sizeof(*nf));
			if (nf == NULL)
				goto out_nomem;
			c->frames = nf;
		}
		memcpy(c->bytes + used, d, h->caplen);
		c->frames[c->n++] = (struct frame){
			.data = (const uint8_t *)(uintptr_t)used,
			.len = h->caplen,
			.ts = (uint64_t)h->ts.tv_sec * NS_PER_SEC + (uint64_t)h->ts.tv_usec,
		};
		if (h->caplen > c->max_len)
			c->max_len = h->caplen;
		used += h->caplen;
	}
	if (rc == -1) {
		fprintf(stderr, "%s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	for (uint32_t i = 0; i < c->n; i++)
		c->frames[i].data = c->bytes + (uintptr_t)c->frames[i].data;
	return 0;

out_nomem:
	pcap_close(p);
	fprintf(stderr, "%s: out of memory\n", path);
	return -ENOMEM;
}

/* ---------------------------------------------------------------- */
/* The TCP streams, for libhtp                                       */
/* ---------------------------------------------------------------- */

struct chunk {
	uint64_t off; /* into streams.bytes */
	uint32_t len;
	uint32_t next; /* next chunk of the same connection, UINT32_MAX: none */
	uint8_t dir;   /* enum ar_flow_dir */
};

struct conn {
	char cli[INET6_ADDRSTRLEN];
	char srv[INET6_ADDRSTRLEN];
	uint16_t cport, sport;
	uint32_t first, last;
};

struct streams {
	uint8_t *bytes;
	uint64_t used, cap;
	struct chunk *chunks;
	uint32_t n_chunks, chunks_cap;
	struct conn *conns;
	uint32_t n_conns, conns_cap;
	int oom;
};

static void *
grow(void *p, uint32_t *cap, size_t elem)
{
	uint32_t nc = *cap ? *cap * 2 : 1024;
	void *np = realloc(p, (size_t)nc * elem);
	if (np != NULL)
		*cap = nc;
	return np;
}

static void
st_flow_new(void *ctx, struct ar_flow *f)
{
	struct streams *s = ctx;
	const struct ar_pkt_tuple *t = &f->tuple;
	uint32_t *idx = f->l7;

	if (s->n_conns == s->conns_cap) {
		struct conn *nc = grow(s->conns, &s->conns_cap, sizeof(*nc));
		if (nc == NULL) {
			s->oom = 1;
			*idx = UINT32_MAX;
			return;
		}
		s->conns = nc;
	}
	struct conn *c = &s->conns[s->n_conns];
	ar_pkt_addr_str(t->src, t->family, c->cli, sizeof(c->cli));
	ar_pkt_addr_str(t->dst, t->family, c->srv, sizeof(c->srv));
	c->cport = t->sport;
	c->sport = t->dport;
	c->first = c->last = UINT32_MAX;
	*idx = s->n_conns++;
}

static void
st_data(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, const uint8_t *data, uint32_t len,
	uint64_t ts)
{
	struct streams *s = ctx;
	uint32_t idx = *(uint32_t *)f->l7;
	(void)ts;

	if (idx == UINT32_MAX || s->oom)
		return;
	if (s->n_chunks == s->chunks_cap) {
		struct chunk *nc = grow(s->chunks, &s->chunks_cap, sizeof(*nc));
		if (nc == NULL) {
			s->oom = 1;
			return;
		}
		s->chunks = nc;
	}
	if (s->used + len > s->cap) {
		uint64_t ncap = s->cap ? s->cap : 1 << 20;
		while (s->used + len > ncap)
			ncap *= 2;
		uint8_t *nb = realloc(s->bytes, ncap);
		if (nb == NULL) {
			s->oom = 1;
			return;
		}
		s->bytes = nb;
		s->cap = ncap;
	}
	memcpy(s->bytes + s->used, data, len);
	uint32_t ci = s->n_chunks++;
	s->chunks[ci] =
		(struct chunk){ .off = s->used, .len = len, .next = UINT32_MAX, .dir = dir };
	s->used += len;
	struct conn *c = &s->conns[idx];
	if (c->last == UINT32_MAX)
		c->first = ci;
	else
		s->chunks[c->last].next = ci;
	c->last = ci;
}

static const struct ar_flow_ops stream_ops = {
	.on_flow_new = st_flow_new,
	.on_data = st_data,
};

/* Cuts @cap into per-connection streams with lib/flow. Returns 0 or -errno. */
static int
streams_build(struct streams *s, const struct capture *cap)
{
	struct ard_config cfg;
	ard_config_defaults(&cfg);
	struct ar_flow_params fp = cfg.flow;
	fp.max_flows = 1u << 20;
	fp.l7_state_size = sizeof(uint32_t);
	fp.ops = &stream_ops;
	fp.ctx = s;
	memset(s, 0, sizeof(*s));
	struct ar_flow_table *t = ar_flow_table_create(&fp);
	if (t == NULL)
		return -errno;
	uint64_t now = 0;
	for (uint32_t i = 0; i < cap->n; i++) {
		struct ar_pkt_info pi;
		const struct frame *fr = &cap->frames[i];
		if (ar_pkt_decode(fr->data, fr->len, (enum ar_pkt_link)cap->link_type, &pi) !=
		    AR_PKT_OK)
			continue;
		if (fr->ts > now)
			now = fr->ts;
		ar_flow_process(t, &pi, now);
	}
	ar_flow_table_flush(t, now);
	ar_flow_table_free(t);
	return s->oom ? -ENOMEM : 0;
}

static void
streams_free(struct streams *s)
{
	free(s->bytes);
	free(s->chunks);
	free(s->conns);
}

/* ---------------------------------------------------------------- */
/* libhtp                                                            */
/* ---------------------------------------------------------------- */

static uint64_t htp_tx_complete;

static int
htp_on_response_complete(htp_tx_t *tx)
{
	(void)tx;
	htp_tx_complete++;
	return HTP_OK;
}

struct htp_result {
	uint64_t tx;
	uint64_t errors;     /* HTP_STREAM_ERROR returned */
	uint64_t data_other; /* HTP_STREAM_DATA_OTHER returned (not re-fed) */
};

/* Parses every stream of @s with libhtp, one connection after the other. */
__attribute__((noinline)) void bench_libhtp(const struct streams *s, htp_cfg_t *cfg,
					    struct htp_result *res);
__attribute__((noinline)) void
bench_libhtp(const struct streams *s, htp_cfg_t *cfg, struct htp_result *res)
{
	htp_time_t tv = { .tv_sec = 1700000000, .tv_usec = 0 };

	htp_tx_complete = 0;
	for (uint32_t i = 0; i < s->n_conns; i++) {
		const struct conn *c = &s->conns[i];
		htp_connp_t *cp = htp_connp_create(cfg);
		if (cp == NULL) {
			res->errors++;
			continue;
		}
		htp_connp_open(cp, c->cli, c->cport, c->srv, c->sport, &tv);
		for (uint32_t k = c->first; k != UINT32_MAX; k = s->chunks[k].next) {
			const struct chunk *ch = &s->chunks[k];
			int rc = ch->dir == AR_DIR_TO_SERVER ?
					 htp_connp_req_data(cp, &tv, s->bytes + ch->off, ch->len) :
					 htp_connp_res_data(cp, &tv, s->bytes + ch->off, ch->len);
			if (rc == HTP_STREAM_ERROR)
				res->errors++;
			else if (rc == HTP_STREAM_DATA_OTHER)
				res->data_other++;
		}
		htp_connp_close(cp, &tv);
		htp_connp_destroy_all(cp);
	}
	res->tx = htp_tx_complete;
}

/* ---------------------------------------------------------------- */
/* Discovery records (--learn, --dump-records)                       */
/* ---------------------------------------------------------------- */

/*
 * With --learn the worker gets a learn ring and a pool of api records, as
 * apiradard gives it, and drain() empties that ring after each burst as the
 * learner would (without learning: bench_learner measures that side).
 *
 * --dump-records FILE writes every record of the first run, for
 * bench_learner. The format is local to the two benches (host byte order):
 * a header of 8 magic bytes, the u32 sizeof(struct ar_api_rec) and the u32
 * offsetof(struct ar_api_rec, hits); then per record its fixed head (the
 * bytes before hits), hits[n_hits], fields[n_fields] and arena[arena_len].
 * Dumping happens inside the measured function: a dumping run's rate and
 * instruction count include the writes.
 */
#define LEARN_RING 2048 /* more than the transactions of a burst */
#define LEARN_POOL (LEARN_RING + 511)

static const char rec_magic[8] = { 'A', 'R', 'A', 'P', 'I', 'R', 'C', '1' };

static struct learn_dump {
	FILE *f; /* NULL: not dumping */
	uint64_t n;
	int error; /* a write failed */
} dump;

static void
dump_rec(const struct ar_api_rec *r)
{
	size_t head = offsetof(struct ar_api_rec, hits);
	if (fwrite(r, head, 1, dump.f) != 1 ||
	    (r->n_hits && fwrite(r->hits, sizeof(r->hits[0]), r->n_hits, dump.f) != r->n_hits) ||
	    (r->n_fields &&
	     fwrite(r->fields, sizeof(r->fields[0]), r->n_fields, dump.f) != r->n_fields) ||
	    (r->arena_len && fwrite(r->arena, r->arena_len, 1, dump.f) != 1)) {
		dump.error = 1;
		return;
	}
	dump.n++;
}

static int
dump_open(const char *path)
{
	uint32_t hdr[2] = { sizeof(struct ar_api_rec), offsetof(struct ar_api_rec, hits) };
	dump.f = fopen(path, "wb");
	if (dump.f == NULL || fwrite(rec_magic, sizeof(rec_magic), 1, dump.f) != 1 ||
	    fwrite(hdr, sizeof(hdr), 1, dump.f) != 1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
dump_close(const char *path)
{
	if (dump.f == NULL)
		return 0;
	int bad = dump.error || ferror(dump.f);
	if (fclose(dump.f) != 0)
		bad = 1;
	dump.f = NULL;
	if (bad) {
		fprintf(stderr, "%s: write error\n", path);
		return -1;
	}
	return 0;
}

static void
drain_learn(struct ard_worker *w)
{
	void *objs[64];
	unsigned n;
	while ((n = rte_ring_sc_dequeue_burst(w->learn_ring, objs, RTE_DIM(objs), NULL)) > 0) {
		if (dump.f != NULL)
			for (unsigned i = 0; i < n; i++)
				dump_rec(objs[i]);
		rte_mempool_put_bulk(w->learn_pool, objs, n);
	}
}

/* ---------------------------------------------------------------- */
/* Ours: the worker                                                  */
/* ---------------------------------------------------------------- */

static void
drain(struct ard_worker *w)
{
	void *objs[64];
	unsigned n;
	while ((n = rte_ring_sc_dequeue_burst(w->ring, objs, RTE_DIM(objs), NULL)) > 0)
		rte_mempool_put_bulk(w->recs, objs, n);
	if (w->learn_ring != NULL)
		drain_learn(w);
}

#define EXPIRE_EVERY_NS NS_PER_SEC

/*
 * Feeds every frame through the worker in bursts, as ard_worker_main()
 * does (expiry every second of packet time included), and drains the
 * event ring after each burst as the output thread would.
 */
__attribute__((noinline)) void bench_ours(struct ard_worker *w, int link_type,
					  struct rte_mbuf **pkts, uint32_t n);
__attribute__((noinline)) void
bench_ours(struct ard_worker *w, int link_type, struct rte_mbuf **pkts, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += BURST) {
		uint16_t k = (uint16_t)(n - i < BURST ? n - i : BURST);
		ard_worker_burst(w, link_type, pkts + i, k, 0);
		drain(w);
		if (w->now >= w->next_expire) {
			ar_flow_expire(w->flows, w->now);
			w->next_expire = w->now + EXPIRE_EVERY_NS;
		}
	}
	ar_flow_table_flush(w->flows, w->now);
	drain(w);
}

static int
eal_start(uint64_t mem_mb)
{
	char mem[32], prefix[64];
	snprintf(mem, sizeof(mem), "%" PRIu64, mem_mb);
	snprintf(prefix, sizeof(prefix), "--file-prefix=arbench%d", (int)getpid());
	char *argv[] = {
		"bench_worker",  "-l",   "0", "--no-huge", "-m", mem, "--no-pci", "--no-telemetry",
		"--log-level=3", prefix, NULL
	};
	int argc = (int)RTE_DIM(argv) - 1;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* Copies every frame into an mbuf of @mp, with its RX timestamp. */
static struct rte_mbuf **
mbufs_load(const struct capture *cap, struct rte_mempool *mp)
{
	struct rte_mbuf **pkts = calloc(cap->n, sizeof(*pkts));
	int off = ar_port_ts_offset();
	uint64_t flag = ar_port_ts_flag();
	if (pkts == NULL)
		return NULL;
	for (uint32_t i = 0; i < cap->n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			goto out_free;
		char *d = rte_pktmbuf_append(m, (uint16_t)cap->frames[i].len);
		if (d == NULL) {
			rte_pktmbuf_free(m);
			goto out_free;
		}
		memcpy(d, cap->frames[i].data, cap->frames[i].len);
		*RTE_MBUF_DYNFIELD(m, off, rte_mbuf_timestamp_t *) = cap->frames[i].ts;
		m->ol_flags |= flag;
		pkts[i] = m;
	}
	return pkts;

out_free:
	for (uint32_t i = 0; i < cap->n && pkts[i] != NULL; i++)
		rte_pktmbuf_free(pkts[i]);
	free(pkts);
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: bench_worker CAPTURE [--only ours|libhtp] [--runs N] [--rules PATH]\n"
		"                    [--learn] [--dump-records FILE]\n");
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *rules = NULL, *dump_path = NULL;
	int do_ours = 1, do_htp = 1, runs = 3, learn = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			const char *o = argv[++i];
			do_ours = strcmp(o, "ours") == 0;
			do_htp = strcmp(o, "libhtp") == 0;
			if (!do_ours && !do_htp) {
				usage();
				return 2;
			}
		} else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
			rules = argv[++i];
		} else if (strcmp(argv[i], "--learn") == 0) {
			learn = 1;
		} else if (strcmp(argv[i], "--dump-records") == 0 && i + 1 < argc) {
			dump_path = argv[++i];
			learn = 1;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = atoi(argv[++i]);
			if (runs < 1)
				runs = 1;
		} else if (path == NULL && argv[i][0] != '-') {
			path = argv[i];
		} else {
			usage();
			return 2;
		}
	}
	if (path == NULL) {
		usage();
		return 2;
	}

	struct capture cap;
	if (capture_load(&cap, path) != 0)
		return 1;
	if (!ar_pkt_link_supported(cap.link_type)) {
		fprintf(stderr, "%s: link type %d not supported\n", path, cap.link_type);
		return 1;
	}
	struct streams s;
	if (streams_build(&s, &cap) != 0) {
		fprintf(stderr, "cutting streams: out of memory\n");
		return 1;
	}
	printf("capture: %s: %" PRIu32 " frames, %" PRIu32 " TCP connections, %" PRIu64
	       " stream bytes in %" PRIu32 " chunks\n",
	       path, cap.n, s.n_conns, s.used, s.n_chunks);

	uint64_t ours_tx = 0, htp_tx = 0;
	int rc = 0;

	if (do_htp) {
		htp_cfg_t *hc = htp_config_create();
		if (hc == NULL) {
			fprintf(stderr, "htp_config_create failed\n");
			return 1;
		}
		htp_config_set_server_personality(hc, HTP_SERVER_IDS);
		htp_config_register_response_complete(hc, htp_on_response_complete);
		double best = 1e30;
		struct htp_result res = { 0 };
		for (int r = 0; r < runs; r++) {
			memset(&res, 0, sizeof(res));
			double t0 = now_s();
			CALLGRIND_START_INSTRUMENTATION;
			bench_libhtp(&s, hc, &res);
			CALLGRIND_STOP_INSTRUMENTATION;
			double dt = now_s() - t0;
			if (dt < best)
				best = dt;
		}
		htp_tx = res.tx;
		printf("libhtp: packets %" PRIu32 " transactions %" PRIu64 " errors %" PRIu64
		       " data_other %" PRIu64 " best_s %.4f pkts_per_s %.0f tx_per_s %.0f\n",
		       cap.n, res.tx, res.errors, res.data_other, best, cap.n / best,
		       (double)res.tx / best);
		htp_config_destroy(hc);
	}

	if (do_ours) {
		/* mbufs for every frame plus records and slack, in MiB */
		uint32_t room = RTE_PKTMBUF_HEADROOM + cap.max_len;
		struct ard_config cfg;
		ard_config_defaults(&cfg);
		cfg.offline = false;
		cfg.workers = 1;
		cfg.ring_size = 1024;
		cfg.http.max_tx = RTE_MAX(cfg.http.max_tx, 2 * s.n_conns);
		cfg.flow.max_flows = RTE_MAX(cfg.flow.max_flows, 2 * s.n_conns);
		uint32_t rec_size = (uint32_t)(sizeof(struct ar_rec) + 2 * cfg.http.arena_size);
		rec_size = RTE_ALIGN_CEIL(rec_size, 64);
		uint64_t mem = (uint64_t)cap.n * (room + 512) + (uint64_t)cfg.ring_size * rec_size;
		if (learn)
			mem += (uint64_t)LEARN_POOL * (sizeof(struct ar_api_rec) + 128);
		mem = RTE_MAX((uint64_t)512, (mem >> 20) + 128);
		if (eal_start(mem) != 0)
			return 1;
		if (ar_port_ts_init() != 0) {
			fprintf(stderr, "ar_port_ts_init failed\n");
			return 1;
		}
		struct rte_mempool *mp = rte_pktmbuf_pool_create("bench_mbufs", cap.n, 0, 0,
								 (uint16_t)room, SOCKET_ID_ANY);
		struct rte_mempool *recs =
			rte_mempool_create("bench_recs", cfg.ring_size, rec_size, 0, 0, NULL, NULL,
					   NULL, NULL, SOCKET_ID_ANY, 0);
		if (mp == NULL || recs == NULL) {
			fprintf(stderr, "mempools (%" PRIu64 " MiB of EAL memory): %s\n", mem,
				rte_strerror(rte_errno));
			return 1;
		}
		struct rte_ring *learn_ring = NULL;
		struct rte_mempool *learn_pool = NULL;
		if (learn) {
			/* as ard_learner_start() makes them */
			learn_ring = rte_ring_create("bench_learn", LEARN_RING, SOCKET_ID_ANY,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
			learn_pool = rte_mempool_create("bench_api_recs", LEARN_POOL,
							sizeof(struct ar_api_rec), 256, 0, NULL,
							NULL, NULL, NULL, SOCKET_ID_ANY, 0);
			if (learn_ring == NULL || learn_pool == NULL) {
				fprintf(stderr, "learn ring and pool: %s\n",
					rte_strerror(rte_errno));
				return 1;
			}
			if (dump_path != NULL && dump_open(dump_path) != 0)
				return 1;
		}
		struct rte_mbuf **pkts = mbufs_load(&cap, mp);
		if (pkts == NULL) {
			fprintf(stderr, "loading mbufs failed\n");
			return 1;
		}
		/* with --rules, the worker inspects every transaction as apiradard's do */
		struct ar_ruleset *rs = NULL;
		if (rules != NULL) {
			char err[512];
			const char *paths[] = { rules };
			rs = ar_ruleset_load(paths, 1, 1, err, sizeof(err));
			if (rs == NULL) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
		}
		static struct ard_worker w;
		double best = 1e30;
		struct ard_wstats st = { 0 };
		struct ar_http_stats hs = { 0 };
		for (int r = 0; r < runs; r++) {
			memset(&w, 0, sizeof(w));
			int e = ard_worker_init(&w, 0, &cfg, recs, rec_size, NULL);
			if (e != 0) {
				fprintf(stderr, "ard_worker_init: %s\n", strerror(-e));
				return 1;
			}
			w.rs = rs;
			w.learn_ring = learn_ring;
			w.learn_pool = learn_pool;
			double t0 = now_s();
			CALLGRIND_START_INSTRUMENTATION;
			bench_ours(&w, cap.link_type, pkts, cap.n);
			CALLGRIND_STOP_INSTRUMENTATION;
			double dt = now_s() - t0;
			if (dt < best)
				best = dt;
			st = w.st;
			hs = *ar_http_ctx_stats(w.http);
			ard_worker_fini(&w);
			/* the first run's records only */
			if (dump_close(dump_path) != 0)
				return 1;
		}
		ours_tx = hs.tx_done;
		if (rs != NULL)
			printf("ours: rules %u inspected %" PRIu64 " alerts %" PRIu64
			       " pii %" PRIu64 "\n",
			       ar_ruleset_count(rs), st.inspected, st.alerts, st.pii);
		ar_ruleset_free(rs);
		printf("ours: packets %" PRIu32 " transactions %" PRIu64 " processed %" PRIu64
		       " events %" PRIu64 " lost %" PRIu64 " incomplete %" PRIu64
		       " parse_errors %" PRIu64 " best_s %.4f pkts_per_s %.0f tx_per_s %.0f\n",
		       cap.n, hs.tx_done, st.processed, st.events,
		       st.events_lost_pool + st.events_lost_ring + st.events_too_big,
		       hs.tx_incomplete, hs.parse_errors, best, cap.n / best,
		       (double)hs.tx_done / best);
		if (learn)
			printf("ours: learn records %" PRIu64 " lost %" PRIu64 " dumped %" PRIu64
			       "\n",
			       st.learn_recs, st.learn_lost_pool + st.learn_lost_ring, dump.n);
		for (uint32_t i = 0; i < cap.n; i++)
			rte_pktmbuf_free(pkts[i]);
		free(pkts);
		rte_mempool_free(learn_pool);
		rte_ring_free(learn_ring);
		rte_mempool_free(recs);
		rte_mempool_free(mp);
		rte_eal_cleanup();
	}

	if (do_ours && do_htp) {
		uint64_t hi = RTE_MAX(ours_tx, htp_tx), lo = RTE_MIN(ours_tx, htp_tx);
		if (hi == 0 || (double)(hi - lo) > 0.01 * (double)hi) {
			fprintf(stderr,
				"transactions differ: ours %" PRIu64 ", libhtp %" PRIu64 "\n",
				ours_tx, htp_tx);
			rc = 1;
		} else {
			printf("transactions agree: ours %" PRIu64 ", libhtp %" PRIu64 "\n",
			       ours_tx, htp_tx);
		}
	}
	streams_free(&s);
	free(cap.frames);
	free(cap.bytes);
	return rc;
}
