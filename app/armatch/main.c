/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * armatch: runs rule files over values, without the daemon.
 *
 * For people writing rules: each value is put into a request the way a
 * client would send it (a percent-encoded query parameter, a JSON body
 * field, a header, or a response body field) and inspected with lib/match
 * exactly as a worker does. It prints what fired, or, given a labelled CSV
 * (payload,length,attack_type,label), how many values of each class were
 * flagged by an attack rule (sensitive data does not count) and how fast.
 *
 *   armatch -R config/rules [-p query|json|header|resp] [VALUE...]   (else stdin lines)
 *   armatch -R config/rules --csv FILE [-p query|json] [--misses CLASS] [--flagged CLASS]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ar_core.h"
#include "ar_match.h"

#define MAX_RULE_PATHS 16
#define BUF_SIZE       (256 * 1024)

enum placement {
	P_QUERY,
	P_JSON,
	P_HEADER,
	P_RESP
};

struct req {
	char target[BUF_SIZE];
	char body[BUF_SIZE];
	struct ar_kv hdr[4];
	struct ar_exchange x;
};

/* What fired for one value. */
struct fired {
	const struct ar_ruleset *rs;
	unsigned n;   /* attack and leak alerts: what "flagged" counts */
	unsigned pii; /* sensitive data found */
	char cats[256];
	char ids[512];
	bool print;
};

static void
on_hit(void *user, const struct ar_hit *h)
{
	struct fired *f = user;
	const struct ar_rule_info *ri = ar_ruleset_rule(f->rs, h->rule);
	if (f->print)
		printf("  %u %s [%s] %.*s%s: %.*s\n", ri->id, ri->msg, ri->category,
		       (int)h->field_len, h->field, h->name_hit ? " (name)" : "",
		       (int)h->excerpt_len, h->excerpt);
	if (ri->pii_type) {
		f->pii++;
		return;
	}
	size_t l = strlen(f->ids);
	snprintf(f->ids + l, sizeof(f->ids) - l, "%s%u", f->n ? "," : "", ri->id);
	l = strlen(f->cats);
	if (!strstr(f->cats, ri->category))
		snprintf(f->cats + l, sizeof(f->cats) - l, "%s%s", l ? "," : "", ri->category);
	f->n++;
}

static size_t
pct_encode(const char *s, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 3 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

static size_t
json_encode(const char *s, size_t n, char *out, size_t cap)
{
	struct ar_json j;
	ar_json_init(&j, out, cap);
	ar_json_str(&j, s, n, 0);
	return j.overflow ? 0 : j.len;
}

static void
build(struct req *r, enum placement p, const char *v, size_t n)
{
	memset(&r->x, 0, sizeof(r->x));
	r->hdr[0] = (struct ar_kv){ "Host", "shop.example", 4, 12 };
	r->hdr[1] = (struct ar_kv){ "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/118.0",
				    10, 46 };
	r->x.req_headers = r->hdr;
	r->x.n_req_headers = 2;
	size_t l;
	switch (p) {
	case P_QUERY:
		l = (size_t)snprintf(r->target, sizeof(r->target), "/search?q=");
		l += pct_encode(v, n, r->target + l, sizeof(r->target) - l);
		r->x.target = r->target;
		r->x.target_len = l;
		break;
	case P_JSON:
	case P_RESP:
		r->x.target = "/api/items";
		r->x.target_len = 10;
		l = (size_t)snprintf(r->body, sizeof(r->body), "{\"name\": ");
		l += json_encode(v, n, r->body + l, sizeof(r->body) - l - 16);
		l += (size_t)snprintf(r->body + l, sizeof(r->body) - l, ", \"qty\": 1}");
		r->hdr[2] = (struct ar_kv){ "Content-Type", "application/json", 12, 16 };
		if (p == P_JSON) {
			r->x.req_headers = r->hdr;
			r->x.n_req_headers = 3;
			r->x.req_body = r->body;
			r->x.req_body_len = l;
		} else {
			r->x.resp_headers = &r->hdr[2];
			r->x.n_resp_headers = 1;
			r->x.resp_body = r->body;
			r->x.resp_body_len = l;
			r->x.has_response = true;
		}
		break;
	case P_HEADER:
		r->x.target = "/";
		r->x.target_len = 1;
		r->hdr[2] = (struct ar_kv){ "X-Test", v, 6, (uint32_t)n };
		r->x.n_req_headers = 3;
		break;
	}
}

/* Reads one CSV record of up to 4 fields (RFC 4180 quoting, newlines in quotes). */
static bool
csv_record(FILE *f, char *fields[4], size_t lens[4], char *buf, size_t cap)
{
	enum {
		START,
		PLAIN,
		QUOTED,
		QUOTE
	} st = START;
	size_t o = 0;
	unsigned k = 0;
	int c = fgetc(f);
	if (c == EOF)
		return false;
	fields[0] = buf;
	for (;; c = fgetc(f)) {
		bool end_field = false, end_rec = c == EOF;
		if (!end_rec) {
			switch (st) {
			case QUOTED:
				if (c == '"')
					st = QUOTE;
				else if (o + 1 < cap)
					buf[o++] = (char)c;
				continue;
			case QUOTE:
				if (c == '"') {
					if (o + 1 < cap)
						buf[o++] = '"';
					st = QUOTED;
					continue;
				}
				st = PLAIN;
				break;
			case START:
				if (c == '"') {
					st = QUOTED;
					continue;
				}
				st = PLAIN;
				break;
			case PLAIN:
				break;
			}
			if (c == ',')
				end_field = true;
			else if (c == '\n')
				end_rec = true;
			else if (c != '\r' && o + 1 < cap)
				buf[o++] = (char)c;
		}
		if (end_field || end_rec) {
			if (k < 4) {
				lens[k] = (size_t)(buf + o - fields[k]);
				k++;
			}
			if (end_rec)
				break;
			if (k < 4)
				fields[k] = buf + o;
			st = START;
		}
	}
	while (k < 4) {
		fields[k] = buf + o;
		lens[k++] = 0;
	}
	return true;
}

struct klass {
	char name[32];
	unsigned rows, flagged, correct;
};

static const char *
category_of(const char *cls)
{
	if (strcmp(cls, "path-traversal") == 0)
		return "path_traversal";
	return cls;
}

static int
run_csv(const struct ar_ruleset *rs, struct ar_match_ws *ws, const char *path, enum placement p,
	const char *misses, const char *flagged)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "armatch: %s: %s\n", path, strerror(errno));
		return 1;
	}
	static char line[BUF_SIZE];
	static struct req r;
	char *fl[4];
	size_t ln[4];
	struct klass cls[8];
	unsigned n_cls = 0, rows = 0;
	double ns = 0;
	bool header = true;
	while (csv_record(f, fl, ln, line, sizeof(line))) {
		if (header) {
			header = false;
			continue;
		}
		char cname[32];
		snprintf(cname, sizeof(cname), "%.*s", (int)(ln[2] < 31 ? ln[2] : 31), fl[2]);
		unsigned c;
		for (c = 0; c < n_cls && strcmp(cls[c].name, cname) != 0; c++)
			;
		if (c == n_cls) {
			if (n_cls == 8)
				continue;
			memset(&cls[n_cls], 0, sizeof(cls[0]));
			snprintf(cls[n_cls].name, sizeof(cls[0].name), "%s", cname);
			n_cls++;
		}
		build(&r, p, fl[0], ln[0]);
		struct fired fr = { .rs = rs };
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		ar_inspect(rs, 0, ws, &r.x, on_hit, &fr);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns += (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
		rows++;
		cls[c].rows++;
		if (fr.n) {
			cls[c].flagged++;
			if (strstr(fr.cats, category_of(cname)))
				cls[c].correct++;
		}
		if (misses && !fr.n && strcmp(misses, cname) == 0)
			printf("miss %.*s\n", (int)ln[0], fl[0]);
		if (flagged && fr.n && strcmp(flagged, cname) == 0)
			printf("flagged [%s] %.*s\n", fr.ids, (int)ln[0], fl[0]);
	}
	fclose(f);
	printf("%-16s %7s %7s %8s %8s\n", "class", "rows", "flagged", "rate", "correct");
	for (unsigned c = 0; c < n_cls; c++)
		printf("%-16s %7u %7u %8.4f %8.4f\n", cls[c].name, cls[c].rows, cls[c].flagged,
		       cls[c].rows ? (double)cls[c].flagged / cls[c].rows : 0,
		       cls[c].rows ? (double)cls[c].correct / cls[c].rows : 0);
	printf("%u requests, %.0f inspected/s on one core (inspection only)\n", rows,
	       ns > 0 ? rows / (ns / 1e9) : 0);
	return 0;
}

static void
usage(FILE *o)
{
	fprintf(o, "usage: armatch -R RULES [-R RULES...] [-p query|json|header|resp] "
		   "[--csv FILE [--misses CLASS] [--flagged CLASS]] [VALUE...]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'R' },
		{ "placement", required_argument, NULL, 'p' },
		{ "csv", required_argument, NULL, 'c' },
		{ "misses", required_argument, NULL, 'm' },
		{ "flagged", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rules[MAX_RULE_PATHS];
	unsigned n_rules = 0;
	enum placement p = P_QUERY;
	const char *csv = NULL, *misses = NULL, *flagged = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "R:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			if (n_rules < MAX_RULE_PATHS)
				rules[n_rules++] = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "query") == 0)
				p = P_QUERY;
			else if (strcmp(optarg, "json") == 0)
				p = P_JSON;
			else if (strcmp(optarg, "header") == 0)
				p = P_HEADER;
			else if (strcmp(optarg, "resp") == 0)
				p = P_RESP;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'c':
			csv = optarg;
			break;
		case 'm':
			misses = optarg;
			break;
		case 'f':
			flagged = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!n_rules) {
		usage(stderr);
		return 2;
	}
	char err[512] = "";
	struct ar_ruleset *rs = ar_ruleset_load(rules, n_rules, 1, err, sizeof(err));
	if (!rs) {
		fprintf(stderr, "armatch: %s\n", err);
		return 1;
	}
	struct ar_match_ws *ws = ar_match_ws_create(BUF_SIZE);
	if (!ws) {
		fprintf(stderr, "armatch: out of memory\n");
		ar_ruleset_free(rs);
		return 1;
	}
	int rc = 0;
	if (csv) {
		rc = run_csv(rs, ws, csv, p, misses, flagged);
	} else {
		static struct req r;
		static char line[BUF_SIZE];
		for (int i = optind;; i++) {
			const char *v;
			size_t n;
			if (optind < argc) {
				if (i >= argc)
					break;
				v = argv[i];
				n = strlen(v);
			} else {
				if (!fgets(line, sizeof(line), stdin))
					break;
				n = strcspn(line, "\n");
				v = line;
			}
			build(&r, p, v, n);
			struct fired fr = { .rs = rs, .print = true };
			printf("%.*s\n", (int)n, v);
			ar_inspect(rs, 0, ws, &r.x, on_hit, &fr);
			if (!fr.n && !fr.pii)
				printf("  (nothing)\n");
		}
	}
	ar_match_ws_free(ws);
	ar_ruleset_free(rs);
	return rc;
}
