/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The learner benchmark: discovery records held in memory, fed to an API
 * catalog that already knows 10,000 endpoints, one core, as apiradard's
 * learner lcore feeds them (bursts of 64, ar_api_tick() after each).
 *
 *   bench_learner RECORDS|--synthetic [--records N] [--runs R] [--sites S]
 *
 * RECORDS is what `bench_worker --dump-records` wrote: the records the
 * worker built from a capture. The catalog gets the daemon's default
 * parameters and is first warmed up, untimed, with synthetic records of S
 * sites x 100 endpoints (default 100 x 100), each endpoint learnt a few
 * times from several clients; the bench fails unless the catalog then
 * reports at least S x 100 endpoints. The capture's records are then fed
 * again and again, their timestamps moved on by the capture's span at each
 * pass, until N records (default 200,000) were learnt. Only bench_learn()
 * is timed, and only it runs instrumented under callgrind
 * (learner.sh: --instr-atstart=no, --toggle-collect=bench_learn).
 *
 * --synthetic feeds records like the warm-up's instead of a capture's:
 * 1,000 calls spread over all the known endpoints, whose schemas no longer
 * change. The capture's records are the harder case: each has about 90
 * fields, and the generator names JSON members at random, so their
 * endpoints keep meeting new fields until max_fields caps them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h> /* no-ops unless run under callgrind */

#include "ar_api.h"
#include "ar_match.h"
#include "daemon.h"

#define BURST           64 /* as ard_learner_main() dequeues */
#define NS_PER_SEC      1000000000ull
#define EP_PER_SITE     100 /* 4 groups x 5 resources x 5 operations */
#define WARM_REPEAT     3   /* warm-up records per endpoint */
#define WARM_CLIENTS    7   /* distinct client addresses in the warm-up */
#define WARM_GAP_NS     100000ull
#define DEFAULT_SITES   100
#define DEFAULT_RECORDS 200000

/* ---------------------------------------------------------------- */
/* The records of the capture                                        */
/* ---------------------------------------------------------------- */

/*
 * bench_worker's dump (host byte order): 8 magic bytes, the u32
 * sizeof(struct ar_api_rec) and u32 offsetof(struct ar_api_rec, hits) of
 * the writer; then per record its head (the bytes before hits),
 * hits[n_hits], fields[n_fields] and arena[arena_len].
 */
static const char rec_magic[8] = { 'A', 'R', 'A', 'P', 'I', 'R', 'C', '1' };

struct recs {
	struct ar_api_rec *r;
	uint32_t n;
	uint64_t min_ts, max_ts;
	uint64_t fields, hits, with_response;
};

/* A record whose strings and counts stay inside it. */
static bool
rec_sane(const struct ar_api_rec *r)
{
	const struct {
		uint16_t off, len;
	} s[] = {
		{ r->host_off, r->host_len },           { r->path_off, r->path_len },
		{ r->req_ct_off, r->req_ct_len },       { r->resp_ct_off, r->resp_ct_len },
		{ r->auth_name_off, r->auth_name_len },
	};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if ((uint32_t)s[i].off + s[i].len > r->arena_len)
			return false;
	for (unsigned i = 0; i < r->n_fields; i++) {
		const struct ar_api_field *f = &r->fields[i];
		if ((uint32_t)f->name_off + f->name_len > r->arena_len ||
		    (uint32_t)f->val_off + f->val_len > r->arena_len)
			return false;
	}
	for (unsigned i = 0; i < r->n_hits; i++) {
		const struct ar_api_hit *h = &r->hits[i];
		if ((uint32_t)h->field_off + h->field_len > r->arena_len ||
		    (uint32_t)h->type_off + h->type_len > r->arena_len)
			return false;
	}
	return true;
}

/* Reads one record into @r; returns 1, 0 at the end of the file, -1 when bad. */
static int
rec_read(FILE *f, struct ar_api_rec *r)
{
	size_t head = offsetof(struct ar_api_rec, hits);
	size_t got = fread(r, 1, head, f);
	if (got == 0 && feof(f))
		return 0;
	if (got != head || r->n_hits > AR_API_REC_HITS || r->n_fields > AR_API_REC_FIELDS ||
	    r->arena_len > AR_API_REC_ARENA)
		return -1;
	if (fread(r->hits, sizeof(r->hits[0]), r->n_hits, f) != r->n_hits ||
	    fread(r->fields, sizeof(r->fields[0]), r->n_fields, f) != r->n_fields ||
	    fread(r->arena, 1, r->arena_len, f) != r->arena_len)
		return -1;
	return rec_sane(r) ? 1 : -1;
}

static int
recs_load(struct recs *rs, const char *path)
{
	char magic[8];
	uint32_t hdr[2];
	uint32_t cap = 1024;
	int rc;

	memset(rs, 0, sizeof(*rs));
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (fread(magic, sizeof(magic), 1, f) != 1 || fread(hdr, sizeof(hdr), 1, f) != 1 ||
	    memcmp(magic, rec_magic, sizeof(magic)) != 0 || hdr[0] != sizeof(struct ar_api_rec) ||
	    hdr[1] != offsetof(struct ar_api_rec, hits)) {
		fprintf(stderr, "%s: not a record dump of this build's bench_worker\n", path);
		rc = -EINVAL;
		goto out_close;
	}
	rs->r = aligned_alloc(64, (size_t)cap * sizeof(*rs->r));
	if (rs->r == NULL)
		goto out_nomem;
	rs->min_ts = UINT64_MAX;
	for (;;) {
		if (rs->n == cap) {
			/* aligned, so no realloc */
			struct ar_api_rec *nr = aligned_alloc(64, (size_t)cap * 2 * sizeof(*nr));
			if (nr == NULL)
				goto out_nomem;
			memcpy(nr, rs->r, (size_t)cap * sizeof(*nr));
			free(rs->r);
			rs->r = nr;
			cap *= 2;
		}
		struct ar_api_rec *r = &rs->r[rs->n];
		rc = rec_read(f, r);
		if (rc == 0)
			break;
		if (rc < 0) {
			fprintf(stderr, "%s: record %" PRIu32 " is cut or bad\n", path, rs->n);
			rc = -EINVAL;
			goto out_close;
		}
		rs->n++;
		rs->fields += r->n_fields;
		rs->hits += r->n_hits;
		rs->with_response += (r->flags & AR_API_R_RESPONSE) != 0;
		if (r->ts_ns < rs->min_ts)
			rs->min_ts = r->ts_ns;
		if (r->ts_ns > rs->max_ts)
			rs->max_ts = r->ts_ns;
	}
	fclose(f);
	if (rs->n == 0) {
		fprintf(stderr, "%s: no records\n", path);
		return -EINVAL;
	}
	return 0;

out_nomem:
	fprintf(stderr, "%s: out of memory\n", path);
	rc = -ENOMEM;
out_close:
	fclose(f);
	free(rs->r);
	rs->r = NULL;
	return rc;
}

/* ---------------------------------------------------------------- */
/* The warm-up: synthetic sites and endpoints                        */
/* ---------------------------------------------------------------- */

/*
 * Every site is an API of four groups of five resources; each resource
 * has five operations, nested paths and several methods among them, with
 * integer or UUID ids:
 *
 *   GET    /api/v1/billing/invoices?limit=20&offset=40     list
 *   POST   /api/v1/billing/invoices                         create (JSON)
 *   GET    /api/v1/billing/invoices/123456                  read
 *   PUT    /api/v1/billing/invoices/123456                  update (JSON), or DELETE
 *   GET    /api/v1/billing/invoices/123456/history          nested, or
 *   GET    /api/v1/billing/invoices/<uuid>/items/12         nested, two ids
 *
 * Sites differ in their prefix and in which groups and resources they
 * have, so no two trees are alike. No node has more than five plain-word
 * children, so the tree has no reason to merge them into a parameter.
 */
static const char *const groups[] = { "billing", "catalog",   "identity",  "shipping",
				      "support", "analytics", "inventory", "messaging" };
static const char *const resources[] = {
	"invoices", "orders",  "customers",  "products", "accounts", "payments",
	"refunds",  "reviews", "shipments",  "tickets",  "users",    "sessions",
	"carts",    "coupons", "warehouses", "webhooks",
};
static const char *const prefixes[] = { "/api/v1", "/v2", "/api/v3/public" };
static const char *const names[] = { "alpha", "bravo",   "charlie", "delta",
				     "echo",  "foxtrot", "golf",    "hotel" };

#define N_GROUPS 4
#define N_RES    5
#define N_OPS    5

struct synth {
	char host[64];
	char target[256];
	char req[512];
	char resp[768];
	char auth[96];
	char cookie[96];
	char reqid[40];
	uint8_t client[4];
	struct ar_kv hdrs[8];
};

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static void
uuid(char *out, size_t cap, uint64_t h)
{
	uint64_t g = mix(h + 1);
	snprintf(out, cap, "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-a%03" PRIx32 "-%012" PRIx64,
		 (uint32_t)h, (uint32_t)(h >> 32) & 0xffff, (uint32_t)(h >> 48) & 0xfff,
		 (uint32_t)g & 0xfff, (uint64_t)((g >> 16) & 0xffffffffffffull));
}

/*
 * Builds the transaction of endpoint @ep of site @site, @k-th time, at
 * @ts, in @sy, and its record in @r, as a worker would.
 */
static void
synth_rec(struct synth *sy, struct ar_api_rec *r, unsigned site, unsigned ep, unsigned k,
	  uint64_t ts)
{
	unsigned g = ep / (N_RES * N_OPS), res = ep / N_OPS % N_RES, op = ep % N_OPS;
	const char *grp = groups[(site + g) % 8];
	const char *rn = resources[(site * 3 + g * 5 + res) % 16];
	const char *pre = prefixes[site % 3];
	uint64_t h = mix(((uint64_t)site << 40) ^ ((uint64_t)ep << 20) ^ k);
	unsigned id = 100000 + (unsigned)(h % 9000000);
	const char *method = "GET";
	const char *name = names[h % 8];
	int nested_uuid = res % 2;
	uint16_t status = 200;
	char id2[40];

	snprintf(sy->host, sizeof(sy->host), "svc%03u.example.com", site);
	switch (op) {
	case 0:
		snprintf(sy->target, sizeof(sy->target), "%s/%s/%s?limit=%u&offset=%u&sort=%s", pre,
			 grp, rn, 10u * (1 + (unsigned)(h >> 8) % 5), (unsigned)(h >> 16) % 1000,
			 name);
		snprintf(sy->resp, sizeof(sy->resp),
			 "{\"items\":[{\"id\":%u,\"name\":\"%s\",\"status\":\"active\"},"
			 "{\"id\":%u,\"name\":\"%s\",\"status\":\"closed\"}],"
			 "\"total\":%u,\"next\":null}",
			 id, name, id + 1, names[(h >> 3) % 8], (unsigned)(h >> 24) % 5000);
		break;
	case 1:
		method = "POST";
		status = 201;
		snprintf(sy->target, sizeof(sy->target), "%s/%s/%s", pre, grp, rn);
		snprintf(sy->req, sizeof(sy->req),
			 "{\"name\":\"%s %s\",\"quantity\":%u,\"price\":%u.%02u,\"active\":true,"
			 "\"tags\":[\"%s\",\"%s\"],\"owner\":{\"id\":%u,"
			 "\"email\":\"user%u@example.org\"}}",
			 name, names[(h >> 5) % 8], (unsigned)(h >> 12) % 100,
			 (unsigned)(h >> 20) % 1000, (unsigned)(h >> 30) % 100, names[(h >> 7) % 8],
			 names[(h >> 9) % 8], id % 5000, id % 977);
		snprintf(sy->resp, sizeof(sy->resp),
			 "{\"id\":%u,\"name\":\"%s\",\"created_at\":\"2024-01-31T10:%02u:00Z\"}",
			 id, name, (unsigned)(h >> 40) % 60);
		break;
	case 2:
		snprintf(sy->target, sizeof(sy->target), "%s/%s/%s/%u", pre, grp, rn, id);
		snprintf(sy->resp, sizeof(sy->resp),
			 "{\"id\":%u,\"name\":\"%s\",\"status\":\"active\",\"amount\":%u.5,"
			 "\"created_at\":\"2024-01-31T10:00:00Z\",\"owner\":{\"id\":%u,"
			 "\"email\":\"user%u@example.org\"},\"links\":{\"self\":\"%s/%s/%s/%u\"}}",
			 id, name, id % 700, id % 5000, id % 977, pre, grp, rn, id);
		break;
	case 3:
		if (res % 2 == 0) {
			method = "PUT";
			snprintf(sy->req, sizeof(sy->req),
				 "{\"name\":\"%s\",\"quantity\":%u,\"active\":false}", name,
				 (unsigned)(h >> 12) % 100);
			snprintf(sy->resp, sizeof(sy->resp), "{\"id\":%u,\"updated\":true}", id);
		} else {
			method = "DELETE";
			status = 204;
		}
		snprintf(sy->target, sizeof(sy->target), "%s/%s/%s/%u", pre, grp, rn, id);
		break;
	default:
		if (nested_uuid) {
			uuid(id2, sizeof(id2), h);
			snprintf(sy->target, sizeof(sy->target), "%s/%s/%s/%s/items/%u", pre, grp,
				 rn, id2, (unsigned)(h >> 36) % 50);
			snprintf(sy->resp, sizeof(sy->resp),
				 "{\"sku\":\"%s-%u\",\"count\":%u,\"price\":%u.99}", name,
				 id % 1000, (unsigned)(h >> 44) % 9, id % 300);
		} else {
			snprintf(sy->target, sizeof(sy->target),
				 "%s/%s/%s/%u/history?since=2024-01-%02u", pre, grp, rn, id,
				 1 + (unsigned)(h >> 50) % 28);
			snprintf(sy->resp, sizeof(sy->resp),
				 "[{\"at\":\"2024-01-31T10:00:00Z\",\"by\":\"user%u@example.org\","
				 "\"change\":\"%s\"},{\"at\":\"2024-02-01T08:30:00Z\",\"by\":"
				 "\"user%u@example.org\",\"change\":\"%s\"}]",
				 id % 977, name, id % 331, names[(h >> 11) % 8]);
		}
		break;
	}
	bool req_body = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
	bool resp_body = status != 204;

	snprintf(sy->auth, sizeof(sy->auth), "Bearer %016" PRIx64 "%016" PRIx64,
		 mix(site * 31u + k % WARM_CLIENTS), mix(site * 37u + k % WARM_CLIENTS));
	snprintf(sy->reqid, sizeof(sy->reqid), "%016" PRIx64 "%016" PRIx64, mix(h + 2), mix(h + 3));
	snprintf(sy->cookie, sizeof(sy->cookie), "session=%024" PRIx64 "; region=eu-west-1",
		 mix(h + 4));
	unsigned nh = 0;
#define HDR(n, v)                                                                                  \
	(sy->hdrs[nh++] = (struct ar_kv){ n, v, (uint32_t)strlen(n), (uint32_t)strlen(v) })
	HDR("Host", sy->host);
	HDR("User-Agent", "okhttp/4.12.0");
	HDR("Accept", "application/json");
	HDR("Authorization", sy->auth);
	HDR("X-Request-Id", sy->reqid);
	if (site % 4 == 0)
		HDR("Cookie", sy->cookie);
	if (req_body)
		HDR("Content-Type", "application/json");
#undef HDR
	unsigned cl = k % WARM_CLIENTS;
	sy->client[0] = 10;
	sy->client[1] = (uint8_t)(site >> 8);
	sy->client[2] = (uint8_t)site;
	sy->client[3] = (uint8_t)(1 + cl);

	struct ar_api_tx_view v = {
		.method = method,
		.method_len = strlen(method),
		.target = sy->target,
		.target_len = strlen(sy->target),
		.host = sy->host,
		.host_len = strlen(sy->host),
		.req_headers = sy->hdrs,
		.n_req_headers = nh,
		.req_ct = req_body ? "application/json" : NULL,
		.req_ct_len = req_body ? strlen("application/json") : 0,
		.resp_ct = resp_body ? "application/json; charset=utf-8" : NULL,
		.resp_ct_len = resp_body ? strlen("application/json; charset=utf-8") : 0,
		.req_body = req_body ? sy->req : NULL,
		.req_body_len = req_body ? strlen(sy->req) : 0,
		.resp_body = resp_body ? sy->resp : NULL,
		.resp_body_len = resp_body ? strlen(sy->resp) : 0,
		.has_response = true,
		.status = status,
		.req_ts = ts,
		.req_end_ts = ts + 20000,
		.resp_ts = ts + 20000 + 1000 * (h % 5000),
		.req_len = req_body ? strlen(sy->req) : 0,
		.resp_len = resp_body ? strlen(sy->resp) : 0,
		.client = sy->client,
		.ipv6 = false,
	};
	ar_api_rec_build(r, &v);
}

/* Teaches @c every endpoint of @sites sites, WARM_REPEAT times each, before @end_ts. */
static int
warm_up(struct ar_api_catalog *c, unsigned sites, uint64_t end_ts, uint64_t *n_recs)
{
	static struct synth sy;
	static struct ar_api_rec r;
	uint64_t total = (uint64_t)sites * EP_PER_SITE * WARM_REPEAT;
	uint64_t ts = end_ts - total * WARM_GAP_NS;
	uint64_t refused = 0;

	*n_recs = 0;
	for (unsigned k = 0; k < WARM_REPEAT; k++)
		for (unsigned s = 0; s < sites; s++)
			for (unsigned e = 0; e < EP_PER_SITE; e++) {
				synth_rec(&sy, &r, s, e, k, ts);
				if (ar_api_learn(c, &r) != 0)
					refused++;
				ts += WARM_GAP_NS;
				(*n_recs)++;
			}
	/* the first zombie scan walks every endpoint: here, not in the timed part */
	ar_api_tick(c, ts);
	if (refused) {
		fprintf(stderr, "warm-up: %" PRIu64 " records refused\n", refused);
		return -1;
	}
	return 0;
}

#define SYNTH_RECS     1000
#define SYNTH_START_NS (1700000000ull * NS_PER_SEC)

/* --synthetic: SYNTH_RECS later calls of endpoints the warm-up taught, at random. */
static int
recs_synth(struct recs *rs, unsigned sites)
{
	static struct synth sy;
	memset(rs, 0, sizeof(*rs));
	rs->r = aligned_alloc(64, SYNTH_RECS * sizeof(*rs->r));
	if (rs->r == NULL) {
		fprintf(stderr, "synthetic records: out of memory\n");
		return -ENOMEM;
	}
	rs->n = SYNTH_RECS;
	rs->min_ts = SYNTH_START_NS;
	for (unsigned i = 0; i < SYNTH_RECS; i++) {
		uint64_t e = mix(i + 1) % ((uint64_t)sites * EP_PER_SITE);
		struct ar_api_rec *r = &rs->r[i];
		synth_rec(&sy, r, (unsigned)(e / EP_PER_SITE), (unsigned)(e % EP_PER_SITE),
			  WARM_REPEAT + i, SYNTH_START_NS + i * WARM_GAP_NS);
		rs->fields += r->n_fields;
		rs->hits += r->n_hits;
		rs->with_response += (r->flags & AR_API_R_RESPONSE) != 0;
		rs->max_ts = r->ts_ns;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* The measured part                                                 */
/* ---------------------------------------------------------------- */

struct learn_result {
	uint64_t records;
	uint64_t refused; /* ar_api_learn() != 0 */
};

/*
 * One burst, as ard_learner_main() learns what it dequeued from a ring:
 * each record with the next one prefetched, then the periodic work.
 */
static inline void
learn_burst(struct ar_api_catalog *c, const struct ar_api_rec *recs, unsigned n,
	    struct learn_result *res)
{
	for (unsigned k = 0; k < n; k++) {
		if (k + 1 < n)
			__builtin_prefetch(&recs[k + 1]);
		if (ar_api_learn(c, &recs[k]) != 0)
			res->refused++;
	}
	ar_api_tick(c, recs[n - 1].ts_ns);
	res->records += n;
}

/*
 * Learns @total records: the @n of @recs again and again, moving their
 * timestamps on by @span after each pass so that packet time keeps going
 * forward (a store per record, a few instructions of the count).
 */
__attribute__((noinline)) void bench_learn(struct ar_api_catalog *c, struct ar_api_rec *recs,
					   uint32_t n, uint64_t total, uint64_t span,
					   struct learn_result *res);
__attribute__((noinline)) void
bench_learn(struct ar_api_catalog *c, struct ar_api_rec *recs, uint32_t n, uint64_t total,
	    uint64_t span, struct learn_result *res)
{
	uint64_t done = 0;
	while (done < total) {
		uint32_t left = total - done < n ? (uint32_t)(total - done) : n;
		for (uint32_t i = 0; i < left; i += BURST)
			learn_burst(c, recs + i, left - i < BURST ? left - i : BURST, res);
		for (uint32_t i = 0; i < n; i++)
			recs[i].ts_ns += span;
		done += left;
	}
}

/* ---------------------------------------------------------------- */
/* Main                                                              */
/* ---------------------------------------------------------------- */

static uint64_t n_events[AR_API_CHANGE_MAX];

static void
on_event(void *user, const struct ar_api_event *ev)
{
	(void)user;
	if ((unsigned)ev->change < AR_API_CHANGE_MAX)
		n_events[ev->change]++;
}

static uint64_t
events_total(void)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < AR_API_CHANGE_MAX; i++)
		t += n_events[i];
	return t;
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
		"usage: bench_learner RECORDS|--synthetic [--records N] [--runs R] [--sites S]\n");
}

static int
count_arg(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void
print_stats(const char *what, const struct ar_api_stats *s)
{
	printf("%s: sites %" PRIu64 " endpoints %" PRIu64 " records %" PRIu64 " merges %" PRIu64
	       " splits %" PRIu64 " events %" PRIu64 " capped %" PRIu64 " (sites %" PRIu64
	       " endpoints %" PRIu64 " fields %" PRIu64 " nodes %" PRIu64 " values %" PRIu64
	       ") bad_method %" PRIu64 " no_host %" PRIu64 "\n",
	       what, s->sites, s->endpoints, s->records, s->merges, s->splits, s->events,
	       s->sites_capped + s->endpoints_capped + s->fields_capped + s->nodes_capped +
		       s->values_capped,
	       s->sites_capped, s->endpoints_capped, s->fields_capped, s->nodes_capped,
	       s->values_capped, s->bad_method, s->no_host);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	uint64_t total = DEFAULT_RECORDS, runs = 3, sites = DEFAULT_SITES;
	bool synthetic = false;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--records") == 0 && i + 1 < argc) {
			if (count_arg(argv[++i], 1, UINT64_MAX >> 1, &total) != 0)
				goto out_usage;
		} else if (strcmp(a, "--runs") == 0 && i + 1 < argc) {
			if (count_arg(argv[++i], 1, 1000, &runs) != 0)
				goto out_usage;
		} else if (strcmp(a, "--sites") == 0 && i + 1 < argc) {
			if (count_arg(argv[++i], 1, 1000, &sites) != 0)
				goto out_usage;
		} else if (strcmp(a, "--synthetic") == 0) {
			synthetic = true;
		} else if (path == NULL && a[0] != '-') {
			path = a;
		} else {
			goto out_usage;
		}
	}
	if ((path == NULL) == !synthetic)
		goto out_usage;

	struct recs rs;
	if (synthetic) {
		path = "synthetic";
		if (recs_synth(&rs, (unsigned)sites) != 0)
			return 1;
	} else if (recs_load(&rs, path) != 0) {
		return 1;
	}
	printf("records: %s: %" PRIu32 " records, %" PRIu64 " with a response, %.1f fields and "
	       "%.2f findings each, %.3f s of packet time\n",
	       path, rs.n, rs.with_response, (double)rs.fields / rs.n, (double)rs.hits / rs.n,
	       (double)(rs.max_ts - rs.min_ts) / NS_PER_SEC);

	/* the daemon's defaults (api: in the config), events counted only */
	struct ard_config cfg;
	ard_config_defaults(&cfg);
	struct ar_api_params p = cfg.api;
	p.on_event = on_event;
	p.user = NULL;
	struct ar_api_catalog *c = ar_api_catalog_create(&p);
	if (c == NULL) {
		fprintf(stderr, "ar_api_catalog_create: %s\n", strerror(errno));
		return 1;
	}

	/* warm-up: an hour before the capture, untimed */
	uint64_t want = sites * EP_PER_SITE, warm_recs;
	double t0 = now_s();
	if (warm_up(c, (unsigned)sites, rs.min_ts - 3600 * NS_PER_SEC, &warm_recs) != 0)
		rc = 1;
	double warm_s = now_s() - t0;
	const struct ar_api_stats *st = ar_api_stats(c);
	print_stats("warm-up", st);
	printf("warm-up: %" PRIu64 " sites x %u templates, %" PRIu64 " records in %.2f s: %" PRIu64
	       " endpoints known (required: >= %" PRIu64 ")\n",
	       sites, EP_PER_SITE, warm_recs, warm_s, st->endpoints, want);
	if (st->endpoints < want) {
		fprintf(stderr,
			"FAIL: the warm-up made %" PRIu64 " endpoints, not %" PRIu64
			" (merges %" PRIu64 ")\n",
			st->endpoints, want, st->merges);
		rc = 1;
	}
	if (rc != 0)
		goto out_free;

	/* one pass of the capture spans its packet time and a second */
	uint64_t span = rs.max_ts - rs.min_ts + NS_PER_SEC;
	uint64_t ev0 = events_total();
	uint64_t endpoints0 = st->endpoints;
	double best = 1e30;
	struct learn_result res = { 0 };
	for (uint64_t r = 0; r < runs; r++) {
		struct learn_result one = { 0 };
		double t = now_s();
		CALLGRIND_START_INSTRUMENTATION;
		bench_learn(c, rs.r, rs.n, total, span, &one);
		CALLGRIND_STOP_INSTRUMENTATION;
		double dt = now_s() - t;
		if (dt < best)
			best = dt;
		res.records += one.records;
		res.refused += one.refused;
	}
	print_stats("after", st);
	printf("learner: endpoints %" PRIu64 " records %" PRIu64 " runs %" PRIu64
	       " refused %" PRIu64 " new_endpoints %" PRIu64 " events %" PRIu64
	       " best_s %.4f records_per_s %.0f\n",
	       endpoints0, total, runs, res.refused, st->endpoints - endpoints0,
	       events_total() - ev0, best, (double)total / best);
	if (res.refused) {
		fprintf(stderr, "FAIL: %" PRIu64 " records of the capture were not learnt\n",
			res.refused);
		rc = 1;
	}
out_free:
	ar_api_catalog_free(c);
	free(rs.r);
	return rc;

out_usage:
	usage();
	return 2;
}
