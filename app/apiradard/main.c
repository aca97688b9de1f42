/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * apiradard: watches API traffic on DPDK ports (or replays captures with
 * -r) and writes what it finds as EVE JSON events.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "ar_core.h"
#include "daemon.h"
#include "learner.h"
#include "output.h"
#include "worker.h"

#define ERRLEN 512

struct opts {
	const char *config;
	const char *log_dir;
	const char *captures[AR_PORT_MAX];
	unsigned n_captures;
	const char *rules[AR_MAX_RULE_PATHS];
	unsigned n_rules;
	bool no_detect;
	bool no_learn;
	const char *openapi_dir;
	const char *openapi_format;
	const char *data_dir;
	int workers;
	int verbose;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: apiradard [-c CONFIG] [-r CAPTURE ...] [-l DIR] [-w WORKERS] [-R RULES "
		   "...]\n"
		   "                 [--no-detect] [-v]\n"
		   "\n"
		   "  -c, --config FILE    YAML configuration (default: built-in defaults)\n"
		   "  -r, --read FILE      analyse a capture file offline and exit at its end;\n"
		   "                       repeat for several files, read in order\n"
		   "  -l, --log-dir DIR    write eve.json to DIR (default: output.dir, else .)\n"
		   "  -w, --workers N      worker cores (default: capture.workers)\n"
		   "  -R, --rules PATH     rule file or directory, instead of detect.rules;\n"
		   "                       repeat for several\n"
		   "      --no-detect      no inspection (detect.enabled: false)\n"
		   "      --no-learn       no API discovery (api.enabled: false)\n"
		   "      --openapi-dir DIR  write one OpenAPI document per site to DIR at exit\n"
		   "      --openapi-format json|yaml  (default: api.openapi_format, else json)\n"
		   "      --data-dir DIR   keep the API catalog in DIR (default: api.data_dir;\n"
		   "                       live: " ARD_DEFAULT_DATA_DIR ", offline: none)\n"
		   "  -v, --verbose        more log lines (twice: DPDK's too)\n"
		   "  -h, --help           this text\n"
		   "  -V, --version        print the version\n");
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "read", required_argument, NULL, 'r' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "rules", required_argument, NULL, 'R' },
		{ "no-detect", no_argument, NULL, 'D' },
		{ "no-learn", no_argument, NULL, 'N' },
		{ "openapi-dir", required_argument, NULL, 'O' },
		{ "openapi-format", required_argument, NULL, 'F' },
		{ "data-dir", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:r:l:w:R:vhV", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'r':
			if (o->n_captures == AR_PORT_MAX) {
				AR_ERR("at most %d captures (-r)", AR_PORT_MAX);
				return -1;
			}
			o->captures[o->n_captures++] = optarg;
			break;
		case 'l':
			o->log_dir = optarg;
			break;
		case 'R':
			if (o->n_rules == AR_MAX_RULE_PATHS) {
				AR_ERR("at most %d rule paths (-R)", AR_MAX_RULE_PATHS);
				return -1;
			}
			o->rules[o->n_rules++] = optarg;
			break;
		case 'D':
			o->no_detect = true;
			break;
		case 'N':
			o->no_learn = true;
			break;
		case 'O':
			o->openapi_dir = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "yaml") != 0) {
				AR_ERR("--openapi-format `%s`: json or yaml", optarg);
				return -1;
			}
			o->openapi_format = optarg;
			break;
		case 'S':
			o->data_dir = optarg;
			break;
		case 'w': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > AR_MAX_WORKERS) {
				AR_ERR("-w `%s`: need a number of workers from 1 to %d", optarg,
				       AR_MAX_WORKERS);
				return -1;
			}
			o->workers = (int)v;
			break;
		}
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("apiradard 0.1.0\n");
			exit(0);
		case ':':
			AR_ERR("option `%s` needs a value (see apiradard --help)",
			       argv[optind - 1]);
			return -1;
		default:
			AR_ERR("unknown option `%s` (see apiradard --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		AR_ERR("unexpected argument `%s` (see apiradard --help)", argv[optind]);
		return -1;
	}
	return 0;
}

/* Turns -r files into net_pcap ports, checking each can be read. */
static int
captures_to_ports(struct ard_config *cfg, const struct opts *o, char *err, size_t errlen)
{
	cfg->n_ports = 0;
	for (unsigned i = 0; i < o->n_captures; i++) {
		const char *path = o->captures[i];
		char abs[PATH_MAX];
		if (strchr(path, ',') != NULL) {
			snprintf(err, errlen,
				 "capture `%s`: a path with a comma cannot be given to "
				 "DPDK's pcap driver",
				 path);
			return -EINVAL;
		}
		if (realpath(path, abs) == NULL) {
			snprintf(err, errlen, "capture `%s` cannot be read: %s", path,
				 strerror(errno));
			return -ENOENT;
		}
		struct ar_port *p = &cfg->ports[cfg->n_ports++];
		snprintf(p->device, sizeof(p->device), "file:%s", abs);
	}
	cfg->offline = true;
	return 0;
}

static bool
have_hugepages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long free_pages = 0;
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
			break;
	fclose(f);
	return free_pages >= 64;
}

/*
 * Builds the EAL command line: lcores for the main thread and the workers,
 * the ports' devices, hugepages when there are some (else --no-huge), and
 * a file prefix of our own so several instances can run side by side.
 */
static int
eal_start(const struct ard_config *cfg, int verbose, const char *argv0)
{
	static char bufs[48][4200];
	char *args[64];
	int n = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

#define ARG(...) (snprintf(bufs[n], sizeof(bufs[0]), __VA_ARGS__), args[n] = bufs[n], n++)
	ARG("%s", argv0);
	/* main lcore on cpu 0; workers on the other cpus, round robin */
	char lc[256];
	int off = snprintf(lc, sizeof(lc), "0@0");
	for (uint32_t i = 0; i < cfg->workers && off < (int)sizeof(lc) - 16; i++)
		off += snprintf(lc + off, sizeof(lc) - (size_t)off, ",%u@%ld", i + 1,
				ncpu > 1 ? 1 + (long)i % (ncpu - 1) : 0);
	/* the learner: after the workers, on the main thread's cpu when they fill the rest */
	if (cfg->learn && off < (int)sizeof(lc) - 16)
		snprintf(lc + off, sizeof(lc) - (size_t)off, ",%u@%ld", cfg->workers + 1,
			 ncpu > 1 + (long)cfg->workers ? 1 + (long)cfg->workers : 0);
	ARG("--lcores=%s", lc);
	ARG("--file-prefix=apiradard%ld", (long)getpid());
	bool huge = cfg->hugepages == 1 || (cfg->hugepages == -1 && have_hugepages());
	if (!huge) {
		ARG("--no-huge");
		ARG("-m");
		ARG("%llu", (unsigned long long)(cfg->eal_memory >> 20));
	}
	ARG("--no-telemetry");
	ARG("--log-level=%s", verbose >= 2 ? "7" : "3");
	bool any_pci = false;
	for (uint32_t i = 0; i < cfg->n_ports; i++) {
		if (cfg->ports[i].is_pcap_file)
			continue;
		if (ar_port_is_pci(cfg->ports[i].device)) {
			ARG("-a");
			any_pci = true;
		} else {
			ARG("--vdev");
		}
		ARG("%s", cfg->ports[i].device);
	}
	if (!any_pci)
		ARG("--no-pci");
#undef ARG
	if (verbose) {
		char line[2048];
		size_t off2 = 0;
		for (int i = 0; i < n && off2 < sizeof(line) - 1; i++)
			off2 += (size_t)snprintf(line + off2, sizeof(line) - off2, " %s", args[i]);
		AR_INFO("EAL:%s", line);
	}
	int rc = rte_eal_init(n, args);
	if (rc < 0) {
		AR_ERR("DPDK could not start: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static atomic_bool reload_asked;

static void
on_signal(int sig)
{
	if (sig == SIGHUP) {
		atomic_store(&reload_asked, true);
		return;
	}
	ard_worker_stop_all();
}

static void
print_summary(struct ard_output *o, double secs, const char *detect_note)
{
	struct ard_wsnap t;
	ard_output_totals(o, &t);
	const struct ard_wstats *w = &t.w;
	uint64_t drops = ard_wstats_dropped(w);
	printf("apiradard: %" PRIu64 " packets, %" PRIu64 " bytes in %.3f s\n", w->rx_pkts,
	       w->rx_bytes, secs);
	printf("  received %" PRIu64 " = processed %" PRIu64 " + dropped %" PRIu64, w->rx_pkts,
	       w->processed, drops);
	const char *sep = " (";
	for (int r = 1; r < AR_PKT_REASON_MAX; r++)
		if (w->decode_drop[r]) {
			printf("%s%s %" PRIu64, sep, ar_pkt_reason_name(r), w->decode_drop[r]);
			sep = ", ";
		}
	if (w->no_flow) {
		printf("%sno_flow %" PRIu64, sep, w->no_flow);
		sep = ", ";
	}
	if (w->oversize) {
		printf("%soversize %" PRIu64, sep, w->oversize);
		sep = ", ";
	}
	printf("%s\n", sep[0] == ',' ? ")" : "");
	printf("  flows: %" PRIu64 " created (%" PRIu64 " HTTP, %" PRIu64 " other)\n",
	       t.flow.flows_created, w->flows_http, w->flows_other);
	printf("  tcp: %" PRIu64 " segments, %" PRIu64 " reordered, %" PRIu64
	       " retransmitted, %" PRIu64 " gaps\n",
	       t.flow.segments, t.flow.segments_reordered, t.flow.segments_retrans, t.flow.gaps);
	uint64_t an = 0;
	for (int a = 0; a < AR_HTTP_AN_MAX; a++)
		an += t.http.anomalies[a];
	printf("  http: %" PRIu64 " transactions (%" PRIu64 " incomplete), %" PRIu64 " anomalies\n",
	       t.http.tx_done, t.http.tx_incomplete, an);
	printf("  detection: %s; %" PRIu64 " transactions inspected, %" PRIu64 " alerts, %" PRIu64
	       " pii\n",
	       detect_note, w->inspected, w->alerts, w->pii);
	if (o->learner) {
		struct ard_lsnap ls;
		ard_learner_snapshot(o->learner, &ls);
		printf("  api: %" PRIu64 " records learnt, %" PRIu64 " sites, %" PRIu64
		       " endpoints, %" PRIu64 " api events",
		       ls.l.records, ls.api.sites, ls.api.endpoints, ls.l.events);
		uint64_t llost = w->learn_lost_pool + w->learn_lost_ring + ls.l.events_lost +
				 ls.l.events_too_long;
		if (llost)
			printf(" (%" PRIu64 " lost: see the stats event)", llost);
		printf("\n");
	}
	printf("  events: %" PRIu64 " written to %s", o->written, o->path);
	uint64_t lost = w->events_lost_pool + w->events_lost_ring + w->events_too_big +
			o->too_long + o->write_errors;
	if (lost)
		printf(" (%" PRIu64 " lost: see the stats event)", lost);
	printf("\n");
}

int
main(int argc, char **argv)
{
	static struct ard_config cfg;
	static struct ard_worker workers[AR_MAX_WORKERS];
	static struct ard_learner learner;
	bool learner_up = false;
	struct ard_output out;
	struct rte_mempool *mbufs = NULL, *recs = NULL;
	struct opts o = { 0 };
	char err[ERRLEN];
	int rc = 1;

	if (parse_args(argc, argv, &o) != 0)
		return 2;
	ar_log_set_level(o.verbose ? AR_LOG_DEBUG : AR_LOG_INFO);
	ard_config_defaults(&cfg);
	if (o.config != NULL && ard_config_load(&cfg, o.config, err, sizeof(err)) != 0) {
		AR_ERR("%s", err);
		return 2;
	}
	if (o.n_captures > 0 && captures_to_ports(&cfg, &o, err, sizeof(err)) != 0) {
		AR_ERR("%s", err);
		return 2;
	}
	if (o.workers > 0)
		cfg.workers = (uint32_t)o.workers;
	if (o.log_dir != NULL)
		snprintf(cfg.log_dir, sizeof(cfg.log_dir), "%s", o.log_dir);
	if (o.n_rules > 0) {
		cfg.n_rule_paths = 0;
		cfg.detect = true;
		for (unsigned i = 0; i < o.n_rules; i++)
			if (ard_config_add_rules(&cfg, o.rules[i], NULL, err, sizeof(err)) != 0) {
				AR_ERR("%s", err);
				return 2;
			}
	}
	if (o.no_detect)
		cfg.detect = false;
	if (o.no_learn)
		cfg.learn = false;
	if (o.openapi_dir != NULL)
		snprintf(cfg.openapi_dir, sizeof(cfg.openapi_dir), "%s", o.openapi_dir);
	if (o.openapi_format != NULL)
		cfg.openapi_format =
			strcmp(o.openapi_format, "yaml") == 0 ? AR_DOC_YAML : AR_DOC_JSON;
	if (o.data_dir != NULL) {
		snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", o.data_dir);
		cfg.data_dir_set = true;
	}
	/* a capture is analysed in memory unless a state directory is asked for */
	if (cfg.offline && !cfg.data_dir_set)
		cfg.data_dir[0] = 0;
	if (ard_config_check(&cfg, err, sizeof(err)) != 0) {
		AR_ERR("%s", err);
		return 2;
	}
	for (uint32_t i = 0; i < cfg.n_ports; i++)
		if (ar_port_prepare(&cfg.ports[i], err, sizeof(err)) != 0) {
			AR_ERR("%s", err);
			return 2;
		}
	struct stat st;
	if (stat(cfg.log_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		AR_ERR("log directory `%s` does not exist", cfg.log_dir);
		return 2;
	}
	/*
	 * Capture files have one queue and no RSS: one worker reads them all,
	 * in order, so that packet time runs forward.
	 */
	if (cfg.offline && cfg.workers > 1) {
		AR_INFO("captures are read by one worker (asked for %u)", cfg.workers);
		cfg.workers = 1;
	}

	/* rules first: a rule that does not compile is a start-up error */
	static struct ard_detect detect;
	if (ard_detect_init(&detect, &cfg, cfg.workers, err, sizeof(err)) != 0) {
		AR_ERR("%s", err);
		return 2;
	}
	const struct ar_ruleset *rs = ard_detect_get(&detect);
	char detect_note[96];
	if (rs != NULL)
		snprintf(detect_note, sizeof(detect_note), "%u rules", ar_ruleset_count(rs));
	else
		snprintf(detect_note, sizeof(detect_note), "off (%s)",
			 cfg.detect ? "no rules: detect.rules or -R" : "disabled");

	/* the catalog, its store and its specs: errors there are start-up errors too */
	if (cfg.learn) {
		learner_up = true;
		if (ard_learner_open(&learner, &cfg, err, sizeof(err)) != 0) {
			AR_ERR("%s", err);
			ard_learner_fini(&learner);
			ard_detect_fini(&detect);
			return 2;
		}
	}

	if (eal_start(&cfg, o.verbose, argv[0]) != 0) {
		if (learner_up)
			ard_learner_fini(&learner);
		ard_detect_fini(&detect);
		return 1;
	}
	if (ar_port_ts_init() != 0) {
		AR_ERR("cannot register the mbuf timestamp field: %s", rte_strerror(rte_errno));
		goto out_eal;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	uint32_t rec_size = (uint32_t)(sizeof(struct ar_rec) + 2 * cfg.http.arena_size);
	rec_size = RTE_ALIGN_CEIL(rec_size, 64);
	mbufs = rte_pktmbuf_pool_create("ar_mbufs", cfg.mbufs * cfg.workers, 256, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	recs = rte_mempool_create("ar_recs", cfg.ring_size * cfg.workers, rec_size, 0, 0, NULL,
				  NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (mbufs == NULL || recs == NULL) {
		AR_ERR("cannot allocate packet buffers: %s (raise `eal: memory`, or lower "
		       "`capture: mbufs` / `capture: ring_size`)",
		       rte_strerror(rte_errno));
		goto out_eal;
	}

	/* queues to workers: queue q of every port goes to worker q % workers */
	unsigned opened = 0;
	for (uint32_t i = 0; i < cfg.n_ports; i++, opened++) {
		if (ar_port_open(&cfg.ports[i], (uint16_t)cfg.workers, (uint16_t)cfg.rx_desc, mbufs,
				 err, sizeof(err)) != 0) {
			AR_ERR("%s", err);
			goto out_ports;
		}
		AR_DEBUG("port %s: %u rx queues%s%s, link type %d", cfg.ports[i].name,
			 cfg.ports[i].nb_rxq, cfg.ports[i].rss ? ", RSS" : "",
			 cfg.ports[i].rx_timestamp ? ", timestamps" : "", cfg.ports[i].link_type);
		if (!ar_pkt_link_supported(cfg.ports[i].link_type)) {
			AR_ERR("port `%s`: link type %d is not one apiradard decodes",
			       cfg.ports[i].name, cfg.ports[i].link_type);
			opened++;
			goto out_ports;
		}
	}
	unsigned n_workers = 0;
	for (uint32_t w = 0; w < cfg.workers; w++) {
		if ((rc = ard_worker_init(&workers[w], w, &cfg, recs, rec_size, &detect)) != 0) {
			AR_ERR("worker %u: cannot allocate its tables: %s (lower `flow: max_flows` "
			       "or `http: max_transactions`)",
			       w, strerror(-rc));
			rc = 1;
			goto out_workers;
		}
		n_workers++;
	}
	for (uint32_t i = 0; i < cfg.n_ports; i++)
		for (uint16_t q = 0; q < cfg.ports[i].nb_rxq; q++) {
			struct ard_worker *w = &workers[q % cfg.workers];
			w->rxq[w->n_rxq++] =
				(struct ard_rxq){ .port_idx = (uint16_t)i, .queue = q };
		}
	rc = 1;
	if (learner_up) {
		if (ard_learner_start(&learner, n_workers, recs, rec_size, err, sizeof(err)) != 0) {
			AR_ERR("%s", err);
			goto out_workers;
		}
		for (unsigned w = 0; w < n_workers; w++) {
			workers[w].learn_ring = learner.in[w];
			workers[w].learn_pool = learner.pool;
		}
	}
	if (ard_output_open(&out, &cfg, workers, n_workers, err, sizeof(err)) != 0) {
		AR_ERR("%s", err);
		goto out_workers;
	}
	out.learner = learner_up ? &learner : NULL;
	out.detect = &detect;
	out.reload_asked = &reload_asked;
	if ((rc = ard_detect_start(&detect)) != 0) {
		AR_ERR("cannot start the rule reload thread: %s", strerror(-rc));
		rc = 1;
		ard_output_close(&out);
		goto out_workers;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned lcore, wi = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (wi == n_workers)
			break;
		workers[wi].lcore = lcore;
		rte_eal_remote_launch(ard_worker_main, &workers[wi], lcore);
		wi++;
	}
	if (wi < n_workers) {
		AR_ERR("only %u worker lcores for %u workers", wi, n_workers);
		ard_worker_stop_all();
		n_workers = wi;
	}
	if (learner_up) {
		unsigned ll =
			rte_get_next_lcore(wi ? workers[wi - 1].lcore : rte_get_main_lcore(), 1, 0);
		learner.lcore = ll;
		if (ll >= RTE_MAX_LCORE ||
		    rte_eal_remote_launch(ard_learner_main, &learner, ll) != 0) {
			AR_ERR("no lcore left for the learner");
			ard_worker_stop_all();
			atomic_store(&learner.done, true);
		}
	}
	if (!cfg.offline)
		AR_INFO("capturing on %u port(s) with %u worker(s); detection: %s; events to %s",
			cfg.n_ports, n_workers, detect_note, out.path);
	ard_output_run(&out);
	rte_eal_mp_wait_lcore();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_summary(&out, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		      detect_note);
	ard_output_close(&out);
	rc = out.write_errors ? 1 : 0;

out_workers:
	for (unsigned w = 0; w < n_workers; w++)
		ard_worker_fini(&workers[w]);
out_ports:
	for (unsigned i = 0; i < opened; i++)
		ar_port_close(&cfg.ports[i]);
out_eal:
	if (learner_up)
		ard_learner_fini(&learner);
	rte_mempool_free(recs);
	rte_mempool_free(mbufs);
	rte_eal_cleanup();
	ard_detect_fini(&detect);
	return rc;
}
