/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The detection benchmark: labelled HTTP parameter values (the HttpParams
 * CSV: payload, length, attack_type, label) sent as two requests each, once
 * in a query parameter and once in a JSON body field, through each detection
 * engine compiled in. Per class and placement it counts the requests an
 * engine flags and those it names the right class for, and it times the
 * engine's per-request work on one pinned core.
 *
 *   modsec_bench --csv FILE [--limit N] [--classes a,b] [--engine NAME]
 *                [--crs-dir DIR] [--crs-setup FILE] [--modsec-conf FILE]
 *                [--paranoia N] [--cpu N] [--json] [--list-fp]
 *                [--list-misses CLASS] [--print-requests]
 *
 * Row i (0-based, data rows) gives the same two requests that
 * tools/gen-params-pcap.py writes into its capture, byte for byte, so that
 * this bench and test/integration/detect_quality.py judge the same traffic:
 *
 *   GET /p/<i>/q/search?q=<Python's quote(payload, safe='')>
 *   POST /p/<i>/j/items  {"name": <Python's json.dumps(payload)>, "qty": 1}
 *
 * The CSV is read here (RFC 4180 as Python's csv module reads it), so the
 * bench needs no conversion step. --print-requests prints the requests
 * instead of running the engines, to compare them with the capture's.
 *
 * Engines plug in through struct bench_engine (init, inspect, fini) and see
 * a struct bench_request. There is one today, OWASP ModSecurity v3 with the
 * Core Rule Set; apiradar's lib/match is to go beside it in engines[].
 *
 * Only inspect() is timed, on one pinned CPU: CLOCK_MONOTONIC around each
 * call, summed, gives the requests per second; the thread's CPU time beside
 * it shows how much of that the machine's other work took. The CSV,
 * building the requests and loading rules are not timed.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h> /* no-ops unless run under callgrind */

#include "ar_match.h"

#define NS_PER_SEC    1000000000ull
#define ERRLEN        512
#define ROWS_PER_CONN 5 /* as in gen-params-pcap.py: 10 requests per connection */

/* ---------------------------------------------------------------- */
/* Classes and placements                                            */
/* ---------------------------------------------------------------- */

enum bench_class {
	CLS_NORM,
	CLS_SQLI,
	CLS_XSS,
	CLS_PATH,
	CLS_CMDI,
	CLS_MAX
};

static const char *const class_names[CLS_MAX] = {
	"norm", "sqli", "xss", "path-traversal", "cmdi",
};

enum placement {
	PL_QUERY,
	PL_JSON,
	PL_MAX
};

static const char *const placement_names[PL_MAX] = { "q", "j" };

static int
class_by_name(const char *s, size_t n)
{
	for (int c = 0; c < CLS_MAX; c++)
		if (strlen(class_names[c]) == n && memcmp(class_names[c], s, n) == 0)
			return c;
	return -1;
}

/* ---------------------------------------------------------------- */
/* The engine interface                                              */
/* ---------------------------------------------------------------- */

#define BENCH_MAX_HEADERS 8
#define BENCH_MAX_IDS     8

struct bench_header {
	const char *name;
	const char *value;
};

/* One request, complete in memory; strings NUL-terminated. */
struct bench_request {
	const char *method;
	const char *uri; /* the request target: path?query, as sent */
	struct bench_header headers[BENCH_MAX_HEADERS];
	unsigned n_headers;
	const char *body; /* NULL when there is none */
	size_t body_len;
	const char *client_ip;
	uint16_t client_port;
	const char *server_ip;
	uint16_t server_port;
};

/* What an engine says of one request; zeroed before inspect(). */
struct bench_verdict {
	bool flagged;     /* it would block the request or raise an alert */
	int status;       /* the status of a disruptive action, 0 for none */
	uint32_t classes; /* bit (1 << enum bench_class) for each class it named */
	uint32_t groups;  /* bit i: group_names[i] of the engine fired */
	uint32_t n_ids;   /* rules that fired; the first BENCH_MAX_IDS in ids[] */
	uint32_t ids[BENCH_MAX_IDS];
};

struct bench_config {
	const char *rules;       /* apiradar: rule file or folder */
	const char *crs_dir;     /* CRS tree: rules/ inside */
	const char *crs_setup;   /* crs-setup.conf */
	const char *modsec_conf; /* ModSecurity base config; NULL: the built-in one */
	int paranoia;            /* 0: as the setup file says (CRS default: 1) */
};

struct bench_engine {
	const char *name;
	const char *const *group_names;
	unsigned n_groups;
	/* Loads the rules. 0 or -errno with a message in @err. */
	int (*init)(void **state, const struct bench_config *cfg, char *err, size_t errlen);
	/* Judges @r into @v. 0, or -errno when the engine failed on it. */
	int (*inspect)(void *state, const struct bench_request *r, struct bench_verdict *v);
	void (*fini)(void *state);
};

static void
verdict_add_id(struct bench_verdict *v, uint32_t id)
{
	if (v->n_ids < BENCH_MAX_IDS)
		v->ids[v->n_ids] = id;
	v->n_ids++;
}

/* ---------------------------------------------------------------- */
/* Engine: ModSecurity v3 + OWASP CRS                                */
/* ---------------------------------------------------------------- */

/*
 * The base configuration: the directives of ModSecurity's
 * modsecurity.conf-recommended that bear on request inspection, with the
 * engine on (the file ships DetectionOnly) and request body access on;
 * rule 200001 hands application/json bodies to the JSON processor. Left
 * out: SecRequestBodyInMemoryLimit (v3 rejects it), the audit log
 * (SecAuditEngine Off: no file is written), response body access (no
 * responses are inspected) and SecUnicodeMapFile (its unicode.mapping
 * comes with the Apache module, not with libmodsecurity; it only affects
 * %uXXXX decoding).
 */
static const char modsec_base_conf[] =
	"SecRuleEngine On\n"
	"SecRequestBodyAccess On\n"
	"SecRule REQUEST_HEADERS:Content-Type \"^(?:application(?:/soap\\+|/)|text/)xml\" "
	"\"id:'200000',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML\"\n"
	"SecRule REQUEST_HEADERS:Content-Type \"^application/json\" "
	"\"id:'200001',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"
	"SecRequestBodyLimit 13107200\n"
	"SecRequestBodyNoFilesLimit 131072\n"
	"SecRequestBodyLimitAction Reject\n"
	"SecRequestBodyJsonDepthLimit 512\n"
	"SecRule REQBODY_ERROR \"!@eq 0\" "
	"\"id:'200002',phase:2,t:none,log,deny,status:400,msg:'Failed to parse request "
	"body.',logdata:'%{reqbody_error_msg}',severity:2\"\n"
	"SecRule MULTIPART_STRICT_ERROR \"!@eq 0\" "
	"\"id:'200003',phase:2,t:none,log,deny,status:400,msg:'Multipart request body failed "
	"strict validation'\"\n"
	"SecRule MULTIPART_UNMATCHED_BOUNDARY \"!@eq 0\" "
	"\"id:'200004',phase:2,t:none,log,deny,msg:'Multipart parser detected a possible "
	"unmatched boundary.'\"\n"
	"SecPcreMatchLimit 100000\n"
	"SecPcreMatchLimitRecursion 100000\n"
	"SecRule TX:/^MSC_/ \"!@streq 0\" "
	"\"id:'200005',phase:2,t:none,deny,msg:'ModSecurity internal error flagged: "
	"%{MATCHED_VAR_NAME}'\"\n"
	"SecResponseBodyAccess Off\n"
	"SecAuditEngine Off\n"
	"SecArgumentSeparator &\n"
	"SecCookieFormat 0\n"
	"SecStatusEngine Off\n";

/* CRS rule files by the thousands of their rule ids, and the class each names. */
static const struct {
	uint32_t file;
	int cls; /* -1: none of ours */
} crs_groups[] = {
	{ 913, -1 },       { 920, -1 }, { 921, -1 }, { 930, CLS_PATH }, { 931, -1 },
	{ 932, CLS_CMDI }, { 933, -1 }, { 934, -1 }, { 941, CLS_XSS },  { 942, CLS_SQLI },
	{ 943, -1 },       { 944, -1 }, { 949, -1 },
};

#define CRS_N_GROUPS (sizeof(crs_groups) / sizeof(crs_groups[0]))

/* Same order as crs_groups[], then one for any other rule. */
static const char *const crs_group_names[CRS_N_GROUPS + 1] = {
	"913-scanner", "920-protocol", "921-protocol-attack", "930-lfi", "931-rfi",
	"932-rce",     "933-php",      "934-nodejs",          "941-xss", "942-sqli",
	"943-session", "944-java",     "949-blocking",        "other",
};

struct modsec_state {
	ModSecurity *ms;
	RulesSet *rules;
};

/*
 * The id of the rule a log line is about, or -1. The line reads
 * "ModSecurity: <what matched> [file "F"] [line "N"] [id "N"] [rev ...]",
 * and <what matched> may quote the request: the id is taken from the first
 * `"] [line "<digits>"] [id "<digits>"]`, which a request would have to
 * spell out to mislead it (none of the data set's values does).
 */
static long
log_rule_id(const char *msg)
{
	static const char line_tag[] = "\"] [line \"";
	static const char id_tag[] = "\"] [id \"";
	const char *p = msg;

	while ((p = strstr(p, line_tag)) != NULL) {
		const char *q = p + sizeof(line_tag) - 1;
		p++;
		if (!isdigit((unsigned char)*q))
			continue;
		while (isdigit((unsigned char)*q))
			q++;
		if (strncmp(q, id_tag, sizeof(id_tag) - 1) != 0)
			continue;
		q += sizeof(id_tag) - 1;
		if (!isdigit((unsigned char)*q))
			continue;
		long id = 0;
		while (isdigit((unsigned char)*q) && id < 100000000)
			id = id * 10 + (*q++ - '0');
		if (*q == '"')
			return id;
	}
	return -1;
}

/* Called by libmodsecurity for each rule that logs; @data is the verdict. */
static void
modsec_log_cb(void *data, const void *msg)
{
	struct bench_verdict *v = data;
	if (v == NULL || msg == NULL)
		return;
	long id = log_rule_id(msg);
	if (id < 0)
		return;
	verdict_add_id(v, (uint32_t)id);
	for (unsigned g = 0; g < CRS_N_GROUPS; g++) {
		if ((uint32_t)id / 1000 == crs_groups[g].file) {
			v->groups |= 1u << g;
			if (crs_groups[g].cls >= 0)
				v->classes |= 1u << crs_groups[g].cls;
			return;
		}
	}
	v->groups |= 1u << CRS_N_GROUPS;
}

static int
modsec_add(RulesSet *rules, const char *text, const char *what, char *err, size_t errlen)
{
	const char *e = NULL;
	if (msc_rules_add(rules, text, &e) < 0) {
		snprintf(err, errlen, "%s: %s", what, e ? e : "rules error");
		free((void *)e);
		return -EINVAL;
	}
	return 0;
}

static int
modsec_add_file(RulesSet *rules, const char *path, char *err, size_t errlen)
{
	const char *e = NULL;
	if (msc_rules_add_file(rules, path, &e) < 0) {
		snprintf(err, errlen, "%s: %s", path, e ? e : "rules error");
		free((void *)e);
		return -EINVAL;
	}
	return 0;
}

static void modsec_fini(void *state);

/*
 * Loads what Debian's owasp-crs.load loads, in its order: the base config,
 * crs-setup.conf, REQUEST-900 exclusions beside it if present, the rule
 * files, RESPONSE-999 exclusions if present.
 */
static int
modsec_init(void **state, const struct bench_config *cfg, char *err, size_t errlen)
{
	struct modsec_state *s = calloc(1, sizeof(*s));
	char path[4096], text[4200];
	int rc = -ENOMEM;

	if (s == NULL)
		return -ENOMEM;
	s->ms = msc_init();
	s->rules = msc_create_rules_set();
	if (s->ms == NULL || s->rules == NULL) {
		snprintf(err, errlen, "libmodsecurity: cannot initialise");
		goto out_fini;
	}
	msc_set_connector_info(s->ms, "apiradar-bench");
	msc_set_log_cb(s->ms, modsec_log_cb);

	if (cfg->modsec_conf)
		rc = modsec_add_file(s->rules, cfg->modsec_conf, err, errlen);
	else
		rc = modsec_add(s->rules, modsec_base_conf, "built-in base config", err, errlen);
	if (rc < 0)
		goto out_fini;
	if (cfg->paranoia > 0) {
		snprintf(text, sizeof(text),
			 "SecAction \"id:900000,phase:1,nolog,pass,t:none,"
			 "setvar:tx.paranoia_level=%d\"\n",
			 cfg->paranoia);
		rc = modsec_add(s->rules, text, "--paranoia", err, errlen);
		if (rc < 0)
			goto out_fini;
	}
	rc = modsec_add_file(s->rules, cfg->crs_setup, err, errlen);
	if (rc < 0)
		goto out_fini;

	/* the exclusion files sit beside crs-setup.conf, as Debian lays them out */
	const char *slash = strrchr(cfg->crs_setup, '/');
	int dirlen = slash ? (int)(slash - cfg->crs_setup) : 1;
	const char *dir = slash ? cfg->crs_setup : ".";
	snprintf(path, sizeof(path), "%.*s/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf", dirlen,
		 dir);
	if (access(path, R_OK) == 0 && (rc = modsec_add_file(s->rules, path, err, errlen)) < 0)
		goto out_fini;
	snprintf(text, sizeof(text), "Include %s/rules/*.conf\n", cfg->crs_dir);
	rc = modsec_add(s->rules, text, cfg->crs_dir, err, errlen);
	if (rc < 0)
		goto out_fini;
	snprintf(path, sizeof(path), "%.*s/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf", dirlen,
		 dir);
	if (access(path, R_OK) == 0 && (rc = modsec_add_file(s->rules, path, err, errlen)) < 0)
		goto out_fini;
	*state = s;
	return 0;

out_fini:
	modsec_fini(s);
	return rc < 0 ? rc : -EINVAL;
}

/* True when the transaction was stopped; records its status. */
static bool
modsec_stopped(Transaction *t, struct bench_verdict *v)
{
	ModSecurityIntervention it = { .status = 200 };

	if (!msc_intervention(t, &it))
		return false;
	free(it.url);
	free(it.log);
	if (!it.disruptive)
		return false;
	v->status = it.status;
	/* the CRS anomaly threshold denies with 403; 400 is a body the base config refused */
	v->flagged = it.status == 403;
	return true;
}

static int
modsec_inspect(void *state, const struct bench_request *r, struct bench_verdict *v)
{
	struct modsec_state *s = state;
	Transaction *t = msc_new_transaction(s->ms, s->rules, v);

	if (t == NULL)
		return -ENOMEM;
	msc_process_connection(t, r->client_ip, r->client_port, r->server_ip, r->server_port);
	if (modsec_stopped(t, v))
		goto done;
	msc_process_uri(t, r->uri, r->method, "1.1");
	if (modsec_stopped(t, v))
		goto done;
	for (unsigned i = 0; i < r->n_headers; i++)
		msc_add_request_header(t, (const unsigned char *)r->headers[i].name,
				       (const unsigned char *)r->headers[i].value);
	msc_process_request_headers(t);
	if (modsec_stopped(t, v))
		goto done;
	if (r->body != NULL)
		msc_append_request_body(t, (const unsigned char *)r->body, r->body_len);
	msc_process_request_body(t);
	modsec_stopped(t, v);
done:
	msc_process_logging(t);
	msc_transaction_cleanup(t);
	return 0;
}

static void
modsec_fini(void *state)
{
	struct modsec_state *s = state;
	if (s == NULL)
		return;
	if (s->rules)
		msc_rules_cleanup(s->rules);
	if (s->ms)
		msc_cleanup(s->ms);
	free(s);
}

static const struct bench_engine modsec_engine = {
	.name = "modsecurity-crs",
	.group_names = crs_group_names,
	.n_groups = CRS_N_GROUPS + 1,
	.init = modsec_init,
	.inspect = modsec_inspect,
	.fini = modsec_fini,
};

/* ---------------------------------------------------------------- */
/* Engine: apiradar                                                  */
/* ---------------------------------------------------------------- */

/*
 * lib/match as a worker runs it: the rule set loaded for one worker, one
 * working memory, ar_inspect() on the request as an exchange without a
 * response. Groups are the alert categories of the rule set.
 */
static const char *const ar_group_names[] = {
	"sqli",   "xss",  "path_traversal",  "cmdi",    "ssrf", "xxe",   "ssti",
	"nosqli", "jndi", "deserialization", "scanner", "leak", "other",
};
#define AR_N_GROUPS (sizeof(ar_group_names) / sizeof(ar_group_names[0]))

struct ar_state {
	struct ar_ruleset *rs;
	struct ar_match_ws *ws;
	struct ar_kv hdr[BENCH_MAX_HEADERS];
};

static int
ar_init(void **state, const struct bench_config *cfg, char *err, size_t errlen)
{
	struct ar_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	const char *paths[] = { cfg->rules };
	s->rs = ar_ruleset_load(paths, 1, 1, err, errlen);
	s->ws = ar_match_ws_create(65536);
	if (s->rs == NULL || s->ws == NULL) {
		ar_ruleset_free(s->rs);
		ar_match_ws_free(s->ws);
		free(s);
		return -EINVAL;
	}
	*state = s;
	return 0;
}

struct ar_hits {
	const struct ar_ruleset *rs;
	struct bench_verdict *v;
};

static void
ar_on_hit(void *user, const struct ar_hit *h)
{
	struct ar_hits *c = user;
	const struct ar_rule_info *ri = ar_ruleset_rule(c->rs, h->rule);
	if (ri->pii_type)
		return; /* sensitive data is not an attack */
	c->v->flagged = true;
	verdict_add_id(c->v, ri->id);
	unsigned g;
	for (g = 0; g + 1 < AR_N_GROUPS && strcmp(ri->category, ar_group_names[g]) != 0; g++)
		;
	c->v->groups |= 1u << g;
	static const int cls[] = { CLS_SQLI, CLS_XSS, CLS_PATH, CLS_CMDI };
	if (g < 4)
		c->v->classes |= 1u << cls[g];
}

static int
ar_inspect_req(void *state, const struct bench_request *r, struct bench_verdict *v)
{
	struct ar_state *s = state;
	for (unsigned i = 0; i < r->n_headers; i++)
		s->hdr[i] = (struct ar_kv){ r->headers[i].name, r->headers[i].value,
					    (uint32_t)strlen(r->headers[i].name),
					    (uint32_t)strlen(r->headers[i].value) };
	struct ar_exchange x = {
		.target = r->uri,
		.target_len = strlen(r->uri),
		.req_headers = s->hdr,
		.n_req_headers = r->n_headers,
		.req_body = r->body,
		.req_body_len = r->body ? r->body_len : 0,
	};
	struct ar_hits c = { .rs = s->rs, .v = v };
	ar_inspect(s->rs, 0, s->ws, &x, ar_on_hit, &c);
	return 0;
}

static void
ar_fini(void *state)
{
	struct ar_state *s = state;
	ar_ruleset_free(s->rs);
	ar_match_ws_free(s->ws);
	free(s);
}

static const struct bench_engine apiradar_engine = {
	.name = "apiradar",
	.group_names = ar_group_names,
	.n_groups = AR_N_GROUPS,
	.init = ar_init,
	.inspect = ar_inspect_req,
	.fini = ar_fini,
};

static const struct bench_engine *const engines[] = {
	&modsec_engine,
	&apiradar_engine,
};

#define N_ENGINES (sizeof(engines) / sizeof(engines[0]))

/* ---------------------------------------------------------------- */
/* CSV                                                               */
/* ---------------------------------------------------------------- */

/*
 * A CSV file read whole and parsed in place as RFC 4180 says and Python's
 * csv module does by default: fields separated by ',', records ended by
 * \n, \r\n or \r. A field that starts with '"' is quoted: it may hold ','
 * and line ends, and "" in it stands for one '"'; characters after its
 * closing quote are kept. A '"' inside an unquoted field is an ordinary
 * character. Blank lines are skipped. Each field is NUL-terminated in the
 * buffer and also has its length.
 */
struct csv {
	char *buf; /* len + 1 bytes: a field ending the file still gets its NUL */
	size_t len;
	size_t pos;
};

struct csv_field {
	const char *s;
	size_t len;
};

static int
csv_open(struct csv *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	long n;

	memset(c, 0, sizeof(*c));
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: cannot size it", path);
		fclose(f);
		return -EIO;
	}
	c->buf = malloc((size_t)n + 1);
	if (c->buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	c->len = fread(c->buf, 1, (size_t)n, f);
	fclose(f);
	if (c->len != (size_t)n) {
		snprintf(err, errlen, "%s: short read", path);
		free(c->buf);
		c->buf = NULL;
		return -EIO;
	}
	c->buf[c->len] = '\0';
	return 0;
}

/*
 * Parses the next record into @f (at most @max fields kept). Returns the
 * number of fields in it (possibly more than @max), 0 at the end of the
 * file, -EINVAL for a quoted field the file ends in.
 */
static int
csv_record(struct csv *c, struct csv_field *f, unsigned max)
{
	char *b = c->buf;
	size_t n = c->len, r = c->pos;

	for (;;) {
		if (r >= n)
			return 0;
		unsigned nf = 0;
		bool any_quoted = false;
		for (;;) {
			size_t w = r, start = r;
			bool quoted = false;
			if (b[r] == '"') {
				quoted = any_quoted = true;
				r++;
			}
			while (r < n) {
				char ch = b[r];
				if (quoted) {
					if (ch != '"') {
						b[w++] = ch;
						r++;
					} else if (r + 1 < n && b[r + 1] == '"') {
						b[w++] = '"';
						r += 2;
					} else {
						quoted = false;
						r++;
					}
					continue;
				}
				if (ch == ',' || ch == '\n' || ch == '\r')
					break;
				b[w++] = ch;
				r++;
			}
			if (quoted)
				return -EINVAL;
			/* w <= r: the NUL goes where the field's text or its separator was */
			char term = r < n ? b[r] : '\n';
			b[w] = '\0';
			if (nf < max)
				f[nf] = (struct csv_field){ b + start, w - start };
			nf++;
			if (r < n)
				r++;
			if (term == ',')
				continue;
			if (term == '\r' && r < n && b[r] == '\n')
				r++;
			break;
		}
		c->pos = r;
		if (nf == 1 && !any_quoted && f[0].len == 0)
			continue; /* a blank line */
		return (int)nf;
	}
}

/* ---------------------------------------------------------------- */
/* Rows and requests                                                 */
/* ---------------------------------------------------------------- */

struct row {
	uint32_t index; /* data row in the CSV, 0-based */
	uint8_t cls;
	const char *payload;
	size_t len;
};

struct item {
	const struct row *row;
	enum placement pl;
	struct bench_request req;
	char *uri;
	char *body;
	char clen[24];
	char client_ip[16];
	struct bench_verdict v;
	uint64_t ns;     /* CLOCK_MONOTONIC in inspect() */
	uint64_t cpu_ns; /* this thread's CPU time in inspect() */
};

/*
 * Reads the rows of @path whose class is in @class_mask; when more than
 * @limit (0: no limit), keeps @limit of them spread evenly, the k-th kept
 * being selected[k * n / limit] (as gen-params-pcap.py does).
 */
static int
load_rows(struct csv *c, const char *path, uint32_t class_mask, uint32_t limit, struct row **out,
	  uint32_t *n_out, char *err, size_t errlen)
{
	struct csv_field f[16];
	int col_payload = -1, col_class = -1;
	struct row *rows = NULL;
	uint32_t n = 0, cap = 0, index = 0;
	int rc, nf;

	rc = csv_open(c, path, err, errlen);
	if (rc < 0)
		return rc;
	nf = csv_record(c, f, 16);
	for (int i = 0; i < nf && i < 16; i++) {
		if (strcmp(f[i].s, "payload") == 0)
			col_payload = i;
		else if (strcmp(f[i].s, "attack_type") == 0)
			col_class = i;
	}
	if (col_payload < 0 || col_class < 0) {
		snprintf(err, errlen, "%s: no payload and attack_type columns in the header", path);
		return -EINVAL;
	}
	while ((nf = csv_record(c, f, 16)) > 0) {
		if (nf <= col_payload || nf <= col_class) {
			snprintf(err, errlen, "%s: data row %u: %d fields", path, index, nf);
			rc = -EINVAL;
			goto out_free;
		}
		int cls = class_by_name(f[col_class].s, f[col_class].len);
		if (cls < 0) {
			snprintf(err, errlen, "%s: data row %u: unknown attack_type '%s'", path,
				 index, f[col_class].s);
			rc = -EINVAL;
			goto out_free;
		}
		if (class_mask & (1u << cls)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 4096;
				struct row *nr = realloc(rows, cap * sizeof(*rows));
				if (nr == NULL) {
					rc = -ENOMEM;
					goto out_free;
				}
				rows = nr;
			}
			rows[n++] = (struct row){ index, (uint8_t)cls, f[col_payload].s,
						  f[col_payload].len };
		}
		index++;
	}
	if (nf < 0) {
		snprintf(err, errlen, "%s: a quoted field is not closed at the end", path);
		rc = -EINVAL;
		goto out_free;
	}
	if (limit && n > limit) {
		for (uint32_t k = 0; k < limit; k++)
			rows[k] = rows[(uint64_t)k * n / limit];
		n = limit;
	}
	*out = rows;
	*n_out = n;
	return 0;

out_free:
	free(rows);
	return rc;
}

/* Python's urllib.parse.quote(v, safe=''): all but A-Z a-z 0-9 _.-~ as %XX. */
static char *
percent_encode(const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(3 * n + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-' || ch == '~') {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Decodes one UTF-8 sequence at @s (@n bytes left); returns its length, or 0 if invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	if (s[0] < 0xE0) {
		len = 2, c = s[0] & 0x1F, min = 0x80;
	} else if (s[0] < 0xF0) {
		len = 3, c = s[0] & 0x0F, min = 0x800;
	} else {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/*
 * Python's json.dumps(v) (ensure_ascii): quoted, \" \\ \b \f \n \r \t,
 * other bytes outside 0x20..0x7E as \uXXXX (UTF-16 pairs above U+FFFF).
 * A byte that is not valid UTF-8 is written as \u00XX (Python would not
 * have read such a file).
 */
static size_t
json_quote(char *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *start = o;

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = u[i];
		const char *esc = NULL;
		uint32_t cp;
		size_t k;
		switch (ch) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		}
		if (esc) {
			o += sprintf(o, "%s", esc);
		} else if (ch >= 0x20 && ch < 0x7F) {
			*o++ = (char)ch;
		} else if (ch >= 0x80 && (k = utf8_decode(u + i, n - i, &cp)) > 0) {
			if (cp >= 0x10000) {
				cp -= 0x10000;
				o += sprintf(o, "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
					     0xDC00 + (cp & 0x3FF));
			} else {
				o += sprintf(o, "\\u%04x", cp);
			}
			i += k - 1;
		} else {
			o += sprintf(o, "\\u%04x", ch);
		}
	}
	*o++ = '"';
	*o = '\0';
	return (size_t)(o - start);
}

static const char HOST[] = "shop.example";
static const char AGENT[] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/118.0";

static int
build_item(struct item *it, const struct row *row, enum placement pl, uint32_t conn)
{
	struct bench_request *r = &it->req;

	it->row = row;
	it->pl = pl;
	/* the capture's addressing: one client address per connection of 5 rows */
	snprintf(it->client_ip, sizeof(it->client_ip), "10.2.%u.%u", conn / 250 % 256,
		 1 + conn % 250);
	r->client_ip = it->client_ip;
	r->client_port = (uint16_t)(1024 + conn % 60000);
	r->server_ip = "10.1.0.1";
	r->server_port = 80;
	r->headers[0] = (struct bench_header){ "Host", HOST };
	r->headers[1] = (struct bench_header){ "User-Agent", AGENT };
	r->headers[2] = (struct bench_header){ "Accept", "application/json" };
	r->n_headers = 3;

	if (pl == PL_QUERY) {
		char *q = percent_encode(row->payload, row->len);
		if (q == NULL)
			return -ENOMEM;
		size_t n = strlen(q) + 64;
		it->uri = malloc(n);
		if (it->uri == NULL) {
			free(q);
			return -ENOMEM;
		}
		snprintf(it->uri, n, "/p/%u/q/search?q=%s", row->index, q);
		free(q);
		r->method = "GET";
		r->uri = it->uri;
		return 0;
	}
	it->uri = malloc(48);
	it->body = malloc(6 * row->len + 32);
	if (it->uri == NULL || it->body == NULL)
		return -ENOMEM;
	snprintf(it->uri, 48, "/p/%u/j/items", row->index);
	char *o = it->body;
	o += sprintf(o, "{\"name\": ");
	o += json_quote(o, row->payload, row->len);
	o += sprintf(o, ", \"qty\": 1}");
	r->method = "POST";
	r->uri = it->uri;
	r->body = it->body;
	r->body_len = (size_t)(o - it->body);
	snprintf(it->clen, sizeof(it->clen), "%zu", r->body_len);
	r->headers[3] = (struct bench_header){ "Content-Type", "application/json" };
	r->headers[4] = (struct bench_header){ "Content-Length", it->clen };
	r->n_headers = 5;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Running and reporting                                             */
/* ---------------------------------------------------------------- */

struct opts {
	const char *csv;
	uint32_t limit;
	uint32_t class_mask;
	const char *engine;
	int cpu;
	bool json_only;
	bool list_fp;
	bool print_requests;
	uint32_t list_misses; /* class mask */
	struct bench_config cfg;
};

/* What the comparison needs of one engine's run. */
struct summary {
	bool valid;
	double recall[CLS_MAX][PL_MAX]; /* norm: flag rate */
	double fp;
	double rps;
};

struct tally {
	uint32_t rows, flagged, correct;
	uint32_t groups[32]; /* requests on which each group fired */
};

static uint64_t
now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int
pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		if (sched_getaffinity(0, sizeof(set), &set) != 0)
			return -errno;
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
			;
		if (cpu == CPU_SETSIZE)
			return -ENODEV;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	return cpu;
}

/* Prints @s with tabs, line ends, backslashes and other control bytes escaped. */
static void
print_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\\')
			fputs("\\\\", f);
		else if (ch < 0x20 || ch == 0x7F)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
}

static double
ratio(uint32_t a, uint32_t b)
{
	return b ? (double)a / b : 0.0;
}

static void
report(const struct bench_engine *e, const struct opts *o, const struct item *items, uint32_t n,
       int cpu, struct summary *sum)
{
	struct tally t[CLS_MAX][PL_MAX];
	uint32_t norm_rows = 0, norm_any = 0, other_stops = 0, failed_rows[CLS_MAX] = { 0 };
	uint64_t ns[PL_MAX] = { 0 }, reqs[PL_MAX] = { 0 }, cpu_ns = 0;

	memset(t, 0, sizeof(t));
	/* items come in pairs: row k is items[2k] (q) and items[2k + 1] (j) */
	for (uint32_t i = 0; i < n; i++) {
		const struct item *it = &items[i];
		struct tally *ty = &t[it->row->cls][it->pl];
		ty->rows++;
		ty->flagged += it->v.flagged;
		ty->correct += !!(it->v.classes & (1u << it->row->cls));
		for (unsigned g = 0; g < e->n_groups && g < 32; g++)
			ty->groups[g] += !!(it->v.groups & (1u << g));
		if (it->v.status && !it->v.flagged)
			other_stops++;
		ns[it->pl] += it->ns;
		cpu_ns += it->cpu_ns;
		reqs[it->pl]++;
		if (it->pl == PL_JSON) {
			const struct item *q = &items[i - 1];
			bool any = q->v.flagged || it->v.flagged;
			if (it->row->cls == CLS_NORM) {
				norm_rows++;
				norm_any += any;
			}
			failed_rows[it->row->cls] += !any;
		}
	}
	uint64_t ns_all = ns[PL_QUERY] + ns[PL_JSON];
	double rps = ns_all ? (double)n * NS_PER_SEC / ns_all : 0.0;
	double cpu_rps = cpu_ns ? (double)n * NS_PER_SEC / cpu_ns : 0.0;
	double fp = ratio(norm_any, norm_rows);
	sum->valid = true;
	sum->fp = fp;
	sum->rps = rps;
	for (int c = 0; c < CLS_MAX; c++)
		for (int p = 0; p < PL_MAX; p++)
			sum->recall[c][p] = ratio(t[c][p].flagged, t[c][p].rows);

	if (!o->json_only) {
		printf("engine %s: %u rows, %u requests, cpu %d\n", e->name, n / 2, n, cpu);
		printf("%-15s %-5s %6s %7s %7s %7s  %s\n", "class", "place", "rows", "flagged",
		       "rate", "correct", "measure");
		for (int c = 0; c < CLS_MAX; c++) {
			for (int p = 0; p < PL_MAX; p++) {
				const struct tally *ty = &t[c][p];
				if (!ty->rows)
					continue;
				if (c == CLS_NORM)
					printf("%-15s %-5s %6u %7u %7.4f %7s  flag rate\n",
					       class_names[c], placement_names[p], ty->rows,
					       ty->flagged, ratio(ty->flagged, ty->rows), "-");
				else
					printf("%-15s %-5s %6u %7u %7.4f %7.4f  recall\n",
					       class_names[c], placement_names[p], ty->rows,
					       ty->flagged, ratio(ty->flagged, ty->rows),
					       ratio(ty->correct, ty->rows));
			}
			if (c == CLS_NORM && norm_rows)
				printf("%-15s %-5s %6u %7u %7.4f %7s  false-positive rate\n",
				       "norm", "any", norm_rows, norm_any, fp, "-");
		}
		printf("rule groups that fired (requests):\n");
		for (int c = 0; c < CLS_MAX; c++) {
			for (int p = 0; p < PL_MAX; p++) {
				const struct tally *ty = &t[c][p];
				if (!ty->rows)
					continue;
				printf("  %-15s %s:", class_names[c], placement_names[p]);
				for (unsigned g = 0; g < e->n_groups && g < 32; g++)
					if (ty->groups[g])
						printf(" %s %u", e->group_names[g], ty->groups[g]);
				printf("\n");
			}
		}
		if (other_stops)
			printf("stopped with another status than 403: %u requests\n", other_stops);
		printf("time in inspect: %.3f s; %.0f requests/s (q %.0f, j %.0f) on one core\n",
		       (double)ns_all / NS_PER_SEC, rps,
		       ns[PL_QUERY] ? (double)reqs[PL_QUERY] * NS_PER_SEC / ns[PL_QUERY] : 0.0,
		       ns[PL_JSON] ? (double)reqs[PL_JSON] * NS_PER_SEC / ns[PL_JSON] : 0.0);
		printf("cpu time in inspect: %.3f s; %.0f requests per cpu-second\n",
		       (double)cpu_ns / NS_PER_SEC, cpu_rps);
	}

	for (uint32_t i = 0; o->list_fp && i < n; i++) {
		const struct item *it = &items[i];
		if (it->row->cls != CLS_NORM || !it->v.flagged)
			continue;
		printf("fp %u %s ids", it->row->index, placement_names[it->pl]);
		for (uint32_t k = 0; k < it->v.n_ids && k < BENCH_MAX_IDS; k++)
			printf("%c%u", k ? ',' : ' ', it->v.ids[k]);
		printf("\t");
		print_escaped(stdout, it->row->payload, it->row->len);
		printf("\n");
	}
	for (uint32_t i = 0; o->list_misses && i < n; i++) {
		const struct item *it = &items[i];
		if (!(o->list_misses & (1u << it->row->cls)) || it->v.flagged)
			continue;
		printf("miss %s %u %s\t", class_names[it->row->cls], it->row->index,
		       placement_names[it->pl]);
		print_escaped(stdout, it->row->payload, it->row->len);
		printf("\n");
	}

	printf("{\"engine\":\"%s\",\"rows\":%u,\"requests\":%u,\"classes\":{", e->name, n / 2, n);
	bool first = true;
	for (int c = 0; c < CLS_MAX; c++) {
		if (!t[c][PL_QUERY].rows)
			continue;
		printf("%s\"%s\":{", first ? "" : ",", class_names[c]);
		first = false;
		for (int p = 0; p < PL_MAX; p++) {
			const struct tally *ty = &t[c][p];
			printf("%s\"%s\":{\"rows\":%u,\"flagged\":%u,\"%s\":%.4f", p ? "," : "",
			       placement_names[p], ty->rows, ty->flagged,
			       c == CLS_NORM ? "rate" : "recall", ratio(ty->flagged, ty->rows));
			if (c != CLS_NORM)
				printf(",\"correct\":%.4f", ratio(ty->correct, ty->rows));
			printf("}");
		}
		printf(",\"any\":{\"rows\":%u,\"flagged\":%u}}", t[c][PL_QUERY].rows,
		       t[c][PL_QUERY].rows - failed_rows[c]);
	}
	printf("},\"fp_rate\":%.4f,\"req_per_s\":%.0f,\"req_per_cpu_s\":%.0f,\"inspect_s\":%.3f,"
	       "\"cpu\":%d}\n",
	       fp, rps, cpu_rps, (double)ns_all / NS_PER_SEC, cpu);
}

static int
run_engine(const struct bench_engine *e, const struct opts *o, struct item *items, uint32_t n,
	   int cpu, struct summary *sum)
{
	char err[ERRLEN] = "";
	void *state = NULL;
	int rc = e->init(&state, &o->cfg, err, sizeof(err));
	uint32_t failures = 0;

	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", e->name, err[0] ? err : strerror(-rc));
		return rc;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		memset(&it->v, 0, sizeof(it->v));
		uint64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		CALLGRIND_START_INSTRUMENTATION;
		rc = e->inspect(state, &it->req, &it->v);
		CALLGRIND_STOP_INSTRUMENTATION;
		it->ns = now_ns(CLOCK_MONOTONIC) - t0;
		it->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		failures += rc < 0;
	}
	e->fini(state);
	if (failures) {
		fprintf(stderr, "%s: failed on %u requests\n", e->name, failures);
		return -EIO;
	}
	report(e, o, items, n, cpu, sum);
	return 0;
}

/*
 * apiradar beside ModSecurity, both measured in this run: at least the
 * same recall on every attack class in both placements and at most 0.5 %
 * of the benign rows flagged. Returns the number of requirements missed.
 * The speed ratio is printed, not checked: wall-clock rates on a shared
 * machine move with its load (a run beside another benchmark measured 65x
 * where a quiet one measures 140-310x); detect.sh checks the ratio of
 * instructions per request under callgrind instead, which does not move.
 */
static int
compare(const struct summary *ms, const struct summary *ar, uint32_t class_mask)
{
	int missed = 0;
	printf("\n%-15s %-5s %12s %12s\n", "class", "place", "modsecurity", "apiradar");
	for (int c = 1; c < CLS_MAX; c++) {
		if (!(class_mask & (1u << c)))
			continue;
		for (int p = 0; p < PL_MAX; p++) {
			bool ok = ar->recall[c][p] >= ms->recall[c][p];
			missed += !ok;
			printf("%-15s %-5s %12.4f %12.4f  %s\n", class_names[c], placement_names[p],
			       ms->recall[c][p], ar->recall[c][p], ok ? "ok" : "LOWER");
		}
	}
	if (class_mask & 1u) {
		bool ok = ar->fp <= 0.005;
		missed += !ok;
		printf("%-21s %12.4f %12.4f  %s\n", "false-positive rate", ms->fp, ar->fp,
		       ok ? "ok (<= 0.005)" : "ABOVE 0.005");
	}
	double x = ms->rps > 0 ? ar->rps / ms->rps : 0;
	printf("%-21s %12.0f %12.0f  %.0fx (wall clock, not checked)\n", "requests/s, one core",
	       ms->rps, ar->rps, x);
	return missed;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: modsec_bench --csv FILE [options]\n"
		"\n"
		"  --csv FILE          payload CSV (columns payload, attack_type, ...)\n"
		"  --limit N           at most N rows, spread evenly over the file\n"
		"  --classes a,b       only these classes (norm, sqli, xss, path-traversal, cmdi)\n"
		"  --engine NAME       only this engine (default: all; modsecurity-crs, apiradar)\n"
		"  --rules PATH        apiradar's rule file or folder (default: config/rules)\n"
		"  --crs-dir DIR       CRS folder holding rules/ (/usr/share/modsecurity-crs)\n"
		"  --crs-setup FILE    crs-setup.conf (/etc/modsecurity/crs/crs-setup.conf)\n"
		"  --modsec-conf FILE  ModSecurity base config instead of the built-in one\n"
		"  --paranoia N        set tx.paranoia_level (default: as crs-setup.conf, 1)\n"
		"  --cpu N             pin to this CPU (default: the first one allowed)\n"
		"  --json              print only the JSON summary line\n"
		"  --list-fp           print the norm requests flagged, with rule ids\n"
		"  --list-misses CLASS print the requests of CLASS not flagged (repeat)\n"
		"  --print-requests    print the requests (row, method, uri, body) and exit\n");
}

static int
parse_classes(const char *s, uint32_t *mask)
{
	*mask = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		int c = class_by_name(s, n);
		if (c < 0) {
			fprintf(stderr, "unknown class '%.*s'\n", (int)n, s);
			return -EINVAL;
		}
		*mask |= 1u << c;
		s += n + (s[n] == ',');
	}
	return *mask ? 0 : -EINVAL;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "csv", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'n' },
		{ "classes", required_argument, NULL, 'C' },
		{ "engine", required_argument, NULL, 'e' },
		{ "crs-dir", required_argument, NULL, 'd' },
		{ "rules", required_argument, NULL, 'R' },
		{ "crs-setup", required_argument, NULL, 's' },
		{ "modsec-conf", required_argument, NULL, 'm' },
		{ "paranoia", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "list-fp", no_argument, NULL, 'F' },
		{ "list-misses", required_argument, NULL, 'M' },
		{ "print-requests", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	uint32_t mask;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->csv = optarg;
			break;
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > UINT32_MAX / 2) {
				fprintf(stderr, "--limit %s: want a positive number\n", optarg);
				return -EINVAL;
			}
			o->limit = (uint32_t)v;
			break;
		case 'C':
			if (parse_classes(optarg, &o->class_mask) < 0)
				return -EINVAL;
			break;
		case 'e':
			o->engine = optarg;
			break;
		case 'd':
			o->cfg.crs_dir = optarg;
			break;
		case 'R':
			o->cfg.rules = optarg;
			break;
		case 's':
			o->cfg.crs_setup = optarg;
			break;
		case 'm':
			o->cfg.modsec_conf = optarg;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 4) {
				fprintf(stderr, "--paranoia %s: want 1 to 4\n", optarg);
				return -EINVAL;
			}
			o->cfg.paranoia = (int)v;
			break;
		case 'c':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v >= CPU_SETSIZE) {
				fprintf(stderr, "--cpu %s: not a CPU number\n", optarg);
				return -EINVAL;
			}
			o->cpu = (int)v;
			break;
		case 'j':
			o->json_only = true;
			break;
		case 'F':
			o->list_fp = true;
			break;
		case 'M':
			if (parse_classes(optarg, &mask) < 0)
				return -EINVAL;
			o->list_misses |= mask;
			break;
		case 'P':
			o->print_requests = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || o->csv == NULL) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.class_mask = (1u << CLS_MAX) - 1,
		.cpu = -1,
		.cfg = {
			.rules = "config/rules",
			.crs_dir = "/usr/share/modsecurity-crs",
			.crs_setup = "/etc/modsecurity/crs/crs-setup.conf",
		},
	};
	char err[ERRLEN] = "";
	struct csv csv = { 0 };
	struct row *rows = NULL;
	struct item *items = NULL;
	uint32_t n_rows = 0, n = 0;
	int rc, cpu, ran = 0;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	rc = load_rows(&csv, o.csv, o.class_mask, o.limit, &rows, &n_rows, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-rc));
		rc = 2;
		goto out_free;
	}
	items = calloc((size_t)n_rows * 2 + 1, sizeof(*items));
	if (items == NULL) {
		rc = 1;
		goto out_free;
	}
	for (uint32_t k = 0; k < n_rows; k++) {
		for (int p = 0; p < PL_MAX; p++) {
			if (build_item(&items[n++], &rows[k], p, k / ROWS_PER_CONN) < 0) {
				fprintf(stderr, "out of memory\n");
				rc = 1;
				goto out_free;
			}
		}
	}
	if (o.print_requests) {
		for (uint32_t i = 0; i < n; i++) {
			const struct bench_request *r = &items[i].req;
			printf("%u\t%s\t%s\t", items[i].row->index, r->method, r->uri);
			if (r->body)
				fwrite(r->body, 1, r->body_len, stdout);
			printf("\n");
		}
		rc = 0;
		goto out_free;
	}
	if (n == 0) {
		fprintf(stderr, "%s: no rows selected\n", o.csv);
		rc = 2;
		goto out_free;
	}
	cpu = pin_cpu(o.cpu);
	if (cpu < 0) {
		fprintf(stderr, "cannot pin to a CPU: %s\n", strerror(-cpu));
		rc = 1;
		goto out_free;
	}
	rc = 0;
	struct summary sums[N_ENGINES];
	memset(sums, 0, sizeof(sums));
	for (size_t e = 0; e < N_ENGINES; e++) {
		if (o.engine && strcmp(o.engine, engines[e]->name) != 0)
			continue;
		ran++;
		if (run_engine(engines[e], &o, items, n, cpu, &sums[e]) < 0)
			rc = 1;
	}
	if (rc == 0 && sums[0].valid && sums[1].valid && !o.json_only &&
	    compare(&sums[0], &sums[1], o.class_mask) > 0)
		rc = 1;
	if (!ran) {
		fprintf(stderr, "no engine named '%s'\n", o.engine);
		rc = 2;
	}

out_free:
	for (uint32_t i = 0; items && i < n; i++) {
		free(items[i].uri);
		free(items[i].body);
	}
	free(items);
	free(rows);
	free(csv.buf);
	return rc;
}
