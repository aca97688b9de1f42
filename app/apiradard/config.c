/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's configuration: YAML read through lib/core's tree, each key
 * checked for type and range once, with the file and line in any error.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "ar_core.h"
#include "daemon.h"

#define NS_PER_S 1000000000ull

void
ard_config_defaults(struct ard_config *c)
{
	memset(c, 0, sizeof(*c));
	c->workers = 1;
	c->burst = 32;
	c->mbufs = 8192;
	c->rx_desc = 1024;
	c->ring_size = 4096;
	c->hugepages = -1;
	c->eal_memory = 512ull << 20;
	c->flow.max_flows = 65536;
	c->flow.timeout_new_ns = 30 * NS_PER_S;
	c->flow.timeout_est_ns = 300 * NS_PER_S;
	c->flow.timeout_closed_ns = 10 * NS_PER_S;
	c->flow.ooo_flow_cap = 256 << 10;
	c->flow.ooo_worker_cap = 64 << 20;
	c->flow.overlap = AR_OVERLAP_FIRST;
	c->http.limits.max_line = 8192;
	c->http.limits.max_header_count = 128;
	c->http.limits.max_header_bytes = 32768;
	c->http.arena_size = 16384;
	c->http.body_capture = 4096;
	c->http.max_tx = 8192;
	c->http.max_pipeline = 16;
	c->http.log_headers = true;
	snprintf(c->log_dir, sizeof(c->log_dir), ".");
	c->eve.http_headers = true;
	c->eve.field_cap = 8192;
	c->eve.header_cap = 128;
	c->stats_interval_ns = 10 * NS_PER_S;
	c->detect = true;
	c->value_cap = 65536;
	c->learn = true;
	c->learn_ring = 4096;
	c->api.max_sites = 1024;
	c->api.max_endpoints = 100000;
	c->api.max_fields = 512;
	c->api.max_nodes = 1u << 20;
	c->api.zombie_after_ns = 7 * 86400 * NS_PER_S;
	c->save_interval_ns = NS_PER_S;
	/* live: /var/lib/apiradar; offline (-r) only with --data-dir or api.data_dir */
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", ARD_DEFAULT_DATA_DIR);
}

static const char *const top_keys[] = { "capture", "eal", "flow",   "http",
					"detect",  "api", "output", NULL };
static const char *const api_keys[] = {
	"enabled",    "ring_size",   "max_sites",      "max_endpoints",
	"max_fields", "max_nodes",   "zombie_after",   "save_interval",
	"data_dir",   "openapi_dir", "openapi_format", "owners",
	"specs",      NULL
};
static const char *const owner_keys[] = { "host", "prefix", "unit", "contact", NULL };
static const char *const spec_keys[] = { "host", "file", NULL };
static const char *const detect_keys[] = { "enabled", "rules", "value_cap", NULL };
static const char *const capture_keys[] = { "workers",   "burst", "mbufs", "rx_descriptors",
					    "ring_size", "ports", NULL };
static const char *const port_keys[] = { "device", NULL };
static const char *const eal_keys[] = { "hugepages", "memory", NULL };
static const char *const flow_keys[] = {
	"max_flows", "timeout_new", "timeout_established", "timeout_closed", "reassembly",
	"vlan",      NULL
};
static const char *const reasm_keys[] = { "flow_cap", "worker_cap", "overlap", NULL };
static const char *const http_keys[] = { "max_line",     "max_header_count", "max_header_bytes",
					 "arena",        "body_capture",     "max_transactions",
					 "max_pipeline", "headers",          NULL };
static const char *const output_keys[] = { "dir",        "http_headers",   "field_cap",
					   "header_cap", "stats_interval", NULL };

static int
u32_key(const struct ar_conf *m, const char *key, uint64_t min, uint64_t max, uint32_t *out,
	bool size, char *err, size_t errlen)
{
	uint64_t v = *out;
	const struct ar_conf *n = ar_conf_get(m, key);
	int rc = size ? ar_conf_size(n, min, max, &v, err, errlen) :
			ar_conf_u64(n, min, max, &v, err, errlen);
	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int
load_capture(struct ard_config *c, const struct ar_conf *m, char *err, size_t errlen)
{
	int rc;
	if (m == NULL)
		return 0;
	if ((rc = ar_conf_check_keys(m, capture_keys, err, errlen)) != 0 ||
	    (rc = u32_key(m, "workers", 1, AR_MAX_WORKERS, &c->workers, false, err, errlen)) ||
	    (rc = u32_key(m, "burst", 1, 512, &c->burst, false, err, errlen)) ||
	    (rc = u32_key(m, "mbufs", 1024, 1u << 24, &c->mbufs, false, err, errlen)) ||
	    (rc = u32_key(m, "rx_descriptors", 64, 16384, &c->rx_desc, false, err, errlen)) ||
	    (rc = u32_key(m, "ring_size", 64, 1u << 20, &c->ring_size, false, err, errlen)))
		return rc;
	const struct ar_conf *ports = ar_conf_get(m, "ports");
	if (ports == NULL)
		return 0;
	if (ports->type != AR_CONF_SEQ) {
		snprintf(err, errlen, "%s:%u: `ports` must be a list of `- device: ...`",
			 ports->file, ports->line);
		return -EINVAL;
	}
	for (const struct ar_conf *p = ports->child; p != NULL; p = p->next) {
		const char *dev = NULL;
		if (p->type != AR_CONF_MAP) {
			snprintf(err, errlen, "%s:%u: a port is a map with a `device:` key",
				 p->file, p->line);
			return -EINVAL;
		}
		if ((rc = ar_conf_check_keys(p, port_keys, err, errlen)) != 0 ||
		    (rc = ar_conf_str(ar_conf_get(p, "device"), &dev, err, errlen)) != 0)
			return rc;
		if (dev == NULL || dev[0] == '\0') {
			snprintf(err, errlen, "%s:%u: port without a `device:`", p->file, p->line);
			return -EINVAL;
		}
		if (c->n_ports == AR_PORT_MAX) {
			snprintf(err, errlen, "%s:%u: more than %d ports", p->file, p->line,
				 AR_PORT_MAX);
			return -EINVAL;
		}
		if (strlen(dev) >= sizeof(c->ports[0].device)) {
			snprintf(err, errlen, "%s:%u: `device: %s`: too long", p->file, p->line,
				 dev);
			return -EINVAL;
		}
		snprintf(c->ports[c->n_ports++].device, sizeof(c->ports[0].device), "%s", dev);
	}
	return 0;
}

static int
load_eal(struct ard_config *c, const struct ar_conf *m, char *err, size_t errlen)
{
	static const char *const hp[] = { "auto", "no", "yes", NULL };
	unsigned idx = 0;
	int rc;
	if (m == NULL)
		return 0;
	if ((rc = ar_conf_check_keys(m, eal_keys, err, errlen)) != 0 ||
	    (rc = ar_conf_enum(ar_conf_get(m, "hugepages"), hp, &idx, err, errlen)) != 0 ||
	    (rc = ar_conf_size(ar_conf_get(m, "memory"), 64ull << 20, 1ull << 40, &c->eal_memory,
			       err, errlen)) != 0)
		return rc;
	if (ar_conf_get(m, "hugepages") != NULL)
		c->hugepages = idx == 0 ? -1 : (int)idx - 1;
	return 0;
}

static int
load_flow(struct ard_config *c, const struct ar_conf *m, char *err, size_t errlen)
{
	static const char *const ov[] = { "first", "last", NULL };
	struct ar_flow_params *f = &c->flow;
	int rc;
	if (m == NULL)
		return 0;
	if ((rc = ar_conf_check_keys(m, flow_keys, err, errlen)) != 0 ||
	    (rc = u32_key(m, "max_flows", 16, 1u << 26, &f->max_flows, false, err, errlen)) ||
	    (rc = ar_conf_duration(ar_conf_get(m, "timeout_new"), NS_PER_S, 86400 * NS_PER_S,
				   &f->timeout_new_ns, err, errlen)) ||
	    (rc = ar_conf_duration(ar_conf_get(m, "timeout_established"), NS_PER_S,
				   86400 * NS_PER_S, &f->timeout_est_ns, err, errlen)) ||
	    (rc = ar_conf_duration(ar_conf_get(m, "timeout_closed"), 0, 86400 * NS_PER_S,
				   &f->timeout_closed_ns, err, errlen)))
		return rc;
	/* vlan: key (the VLAN ids are part of a flow's key) or ignore */
	static const char *const vl[] = { "key", "ignore", NULL };
	unsigned vi = f->ignore_vlan;
	if ((rc = ar_conf_enum(ar_conf_get(m, "vlan"), vl, &vi, err, errlen)) != 0)
		return rc;
	f->ignore_vlan = vi == 1;
	const struct ar_conf *r = ar_conf_get(m, "reassembly");
	if (r == NULL)
		return 0;
	unsigned idx = f->overlap;
	if ((rc = ar_conf_check_keys(r, reasm_keys, err, errlen)) != 0 ||
	    (rc = u32_key(r, "flow_cap", 0, 1u << 30, &f->ooo_flow_cap, true, err, errlen)) ||
	    (rc = u32_key(r, "worker_cap", 0, 1u << 31, &f->ooo_worker_cap, true, err, errlen)) ||
	    (rc = ar_conf_enum(ar_conf_get(r, "overlap"), ov, &idx, err, errlen)))
		return rc;
	f->overlap = idx;
	return 0;
}

static int
load_http(struct ard_config *c, const struct ar_conf *m, char *err, size_t errlen)
{
	struct ar_http_params *h = &c->http;
	uint32_t pipeline = h->max_pipeline;
	int rc;
	if (m == NULL)
		return 0;
	if ((rc = ar_conf_check_keys(m, http_keys, err, errlen)) != 0 ||
	    (rc = u32_key(m, "max_line", 64, 1u << 20, &h->limits.max_line, true, err, errlen)) ||
	    (rc = u32_key(m, "max_header_count", 1, 10000, &h->limits.max_header_count, false, err,
			  errlen)) ||
	    (rc = u32_key(m, "max_header_bytes", 256, 1u << 24, &h->limits.max_header_bytes, true,
			  err, errlen)) ||
	    (rc = u32_key(m, "arena", 1024, 1u << 24, &h->arena_size, true, err, errlen)) ||
	    (rc = u32_key(m, "body_capture", 0, 1u << 24, &h->body_capture, true, err, errlen)) ||
	    (rc = u32_key(m, "max_transactions", 16, 1u << 24, &h->max_tx, false, err, errlen)) ||
	    (rc = u32_key(m, "max_pipeline", 1, 16, &pipeline, false, err, errlen)) ||
	    (rc = ar_conf_bool(ar_conf_get(m, "headers"), &h->log_headers, err, errlen)))
		return rc;
	h->max_pipeline = (uint16_t)pipeline;
	return 0;
}

/*
 * Adds a rule path; a relative one is taken from the directory of the
 * config file that names it, so a config and its rules move together.
 */
int
ard_config_add_rules(struct ard_config *c, const char *path, const char *base_file, char *err,
		     size_t errlen)
{
	if (c->n_rule_paths == AR_MAX_RULE_PATHS) {
		snprintf(err, errlen, "more than %d rule paths", AR_MAX_RULE_PATHS);
		return -EINVAL;
	}
	char *dst = c->rule_paths[c->n_rule_paths];
	size_t cap = sizeof(c->rule_paths[0]);
	int n;
	if (path[0] != '/' && base_file != NULL) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s", base_file);
		n = snprintf(dst, cap, "%s/%s", dirname(tmp), path);
	} else {
		n = snprintf(dst, cap, "%s", path);
	}
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, errlen, "rule path `%s`: too long", path);
		return -EINVAL;
	}
	c->n_rule_paths++;
	return 0;
}

static int
load_detect(struct ard_config *c, const struct ar_conf *m, char *err, size_t errlen)
{
	int rc;
	if (m == NULL)
		return 0;
	if ((rc = ar_conf_check_keys(m, detect_keys, err, errlen)) != 0 ||
	    (rc = ar_conf_bool(ar_conf_get(m, "enabled"), &c->detect, err, errlen)) ||
	    (rc = u32_key(m, "value_cap", 256, 1u << 24, &c->value_cap, true, err, errlen)))
		return rc;
	const struct ar_conf *r = ar_conf_get(m, "rules");
	if (r == NULL)
		return 0;
	const struct ar_conf *one = r->type == AR_CONF_SEQ ? r->child : r;
	for (; one != NULL; one = r->type == AR_CONF_SEQ ? one->next : NULL) {
		const char *path = NULL;
		if (one->type != AR_CONF_SCALAR) {
			snprintf(err, errlen, "%s:%u: `rules`: a path or a list of paths",
				 one->file, one->line);
			return -EINVAL;
		}
		if ((rc = ar_conf_str(one, &path, err, errlen)) != 0)
			return rc;
		if ((rc = ard_config_add_rules(c, path, one->file, err, errlen)) != 0) {
			char tmp[512];
			snprintf(tmp, sizeof(tmp), "%s:%u: %s", one->file, one->line, err);
			snprintf(err, errlen, "%s", tmp);
			return rc;
		}
	}
	return 0;
}

/* Copies string key @key of @m into @dst (unchanged when absent). */
static int
str_key(const struct ar_conf *m, const char *key, char *dst, size_t cap, char *err, size_t errlen)
{
	const char *v = NULL;
	const struct ar_conf *n = ar_conf_get(m, key);
	int rc = ar_conf_str(n, &v, err, errlen);
	if (rc != 0 || v == NULL)
		return rc;
	if (strlen(v) >= cap) {
		snprintf(err, errlen, "%s:%u: `%s`: too long", n->file, n->line, key);
		return -EINVAL;
	}
	snprintf(dst, cap, "%s", v);
	return 0;
}

/* A path relative to the config file that names it. */
static int
rel_path(const struct ar_conf *n, const char *path, char *dst, size_t cap, char *err, size_t errlen)
{
	char tmp[4096];
	int k;
	if (path[0] == '/') {
		k = snprintf(dst, cap, "%s", path);
	} else {
		snprintf(tmp, sizeof(tmp), "%s", n->file);
		k = snprintf(dst, cap, "%s/%s", dirname(tmp), path);
	}
	if (k < 0 || (size_t)k >= cap) {
		snprintf(err, errlen, "%s:%u: `%s`: too long", n->file, n->line, path);
		return -EINVAL;
	}
	return 0;
}

static int
load_api(struct ard_config *c, const struct ar_conf *m, char *err, size_t errlen)
{
	static const char *const fmts[] = { "json", "yaml", NULL };
	unsigned fmt = (unsigned)c->openapi_format;
	int rc;
	if (m == NULL)
		return 0;
	if ((rc = ar_conf_check_keys(m, api_keys, err, errlen)) != 0 ||
	    (rc = ar_conf_bool(ar_conf_get(m, "enabled"), &c->learn, err, errlen)) ||
	    (rc = u32_key(m, "ring_size", 64, 1u << 20, &c->learn_ring, false, err, errlen)) ||
	    (rc = u32_key(m, "max_sites", 1, 1u << 20, &c->api.max_sites, false, err, errlen)) ||
	    (rc = u32_key(m, "max_endpoints", 1, 1u << 26, &c->api.max_endpoints, false, err,
			  errlen)) ||
	    (rc = u32_key(m, "max_fields", 8, 1u << 16, &c->api.max_fields, false, err, errlen)) ||
	    (rc = u32_key(m, "max_nodes", 16, 1u << 26, &c->api.max_nodes, false, err, errlen)) ||
	    (rc = ar_conf_duration(ar_conf_get(m, "zombie_after"), 0, 3650 * 86400 * NS_PER_S,
				   &c->api.zombie_after_ns, err, errlen)) ||
	    (rc = ar_conf_duration(ar_conf_get(m, "save_interval"), NS_PER_S / 10, 3600 * NS_PER_S,
				   &c->save_interval_ns, err, errlen)) ||
	    (rc = str_key(m, "data_dir", c->data_dir, sizeof(c->data_dir), err, errlen)) ||
	    (rc = str_key(m, "openapi_dir", c->openapi_dir, sizeof(c->openapi_dir), err, errlen)) ||
	    (rc = ar_conf_enum(ar_conf_get(m, "openapi_format"), fmts, &fmt, err, errlen)))
		return rc;
	c->openapi_format = (int)fmt;
	if (ar_conf_get(m, "data_dir"))
		c->data_dir_set = true;
	const struct ar_conf *owners = ar_conf_get(m, "owners");
	for (const struct ar_conf *o = owners ? owners->child : NULL; o; o = o->next) {
		if (owners->type != AR_CONF_SEQ || o->type != AR_CONF_MAP) {
			snprintf(err, errlen, "%s:%u: `owners` is a list of maps", o->file,
				 o->line);
			return -EINVAL;
		}
		if (c->n_owners == AR_MAX_OWNERS) {
			snprintf(err, errlen, "%s:%u: more than %d owners", o->file, o->line,
				 AR_MAX_OWNERS);
			return -EINVAL;
		}
		typeof(c->owners[0]) *w = &c->owners[c->n_owners];
		snprintf(w->host, sizeof(w->host), "*");
		if ((rc = ar_conf_check_keys(o, owner_keys, err, errlen)) ||
		    (rc = str_key(o, "host", w->host, sizeof(w->host), err, errlen)) ||
		    (rc = str_key(o, "prefix", w->prefix, sizeof(w->prefix), err, errlen)) ||
		    (rc = str_key(o, "unit", w->unit, sizeof(w->unit), err, errlen)) ||
		    (rc = str_key(o, "contact", w->contact, sizeof(w->contact), err, errlen)))
			return rc;
		if (!w->unit[0] && !w->contact[0]) {
			snprintf(err, errlen, "%s:%u: an owner needs a `unit` or a `contact`",
				 o->file, o->line);
			return -EINVAL;
		}
		c->n_owners++;
	}
	const struct ar_conf *specs = ar_conf_get(m, "specs");
	for (const struct ar_conf *o = specs ? specs->child : NULL; o; o = o->next) {
		char file[4096] = "";
		if (specs->type != AR_CONF_SEQ || o->type != AR_CONF_MAP) {
			snprintf(err, errlen,
				 "%s:%u: `specs` is a list of `- host: ..., file: ...`", o->file,
				 o->line);
			return -EINVAL;
		}
		if (c->n_specs == AR_MAX_SPECS) {
			snprintf(err, errlen, "%s:%u: more than %d specs", o->file, o->line,
				 AR_MAX_SPECS);
			return -EINVAL;
		}
		typeof(c->specs[0]) *sp = &c->specs[c->n_specs];
		if ((rc = ar_conf_check_keys(o, spec_keys, err, errlen)) ||
		    (rc = str_key(o, "host", sp->host, sizeof(sp->host), err, errlen)) ||
		    (rc = str_key(o, "file", file, sizeof(file), err, errlen)))
			return rc;
		if (!sp->host[0] || !file[0]) {
			snprintf(err, errlen, "%s:%u: a spec needs `host` and `file`", o->file,
				 o->line);
			return -EINVAL;
		}
		if ((rc = rel_path(o, file, sp->path, sizeof(sp->path), err, errlen)) != 0)
			return rc;
		c->n_specs++;
	}
	return 0;
}

static int
load_output(struct ard_config *c, const struct ar_conf *m, char *err, size_t errlen)
{
	const char *dir = NULL;
	int rc;
	if (m == NULL)
		return 0;
	if ((rc = ar_conf_check_keys(m, output_keys, err, errlen)) != 0 ||
	    (rc = ar_conf_str(ar_conf_get(m, "dir"), &dir, err, errlen)) ||
	    (rc = ar_conf_bool(ar_conf_get(m, "http_headers"), &c->eve.http_headers, err,
			       errlen)) ||
	    (rc = u32_key(m, "field_cap", 16, 1u << 24, &c->eve.field_cap, true, err, errlen)) ||
	    (rc = u32_key(m, "header_cap", 0, 10000, &c->eve.header_cap, false, err, errlen)) ||
	    (rc = ar_conf_duration(ar_conf_get(m, "stats_interval"), 0, 86400 * NS_PER_S,
				   &c->stats_interval_ns, err, errlen)))
		return rc;
	if (dir != NULL)
		snprintf(c->log_dir, sizeof(c->log_dir), "%s", dir);
	return 0;
}

int
ard_config_load(struct ard_config *c, const char *path, char *err, size_t errlen)
{
	struct ar_conf *root = ar_conf_load(path, err, errlen);
	int rc;
	if (root == NULL)
		return -EINVAL;
	if (root->type != AR_CONF_MAP && root->child != NULL) {
		snprintf(err, errlen, "%s:%u: the top level must be a map", root->file, root->line);
		rc = -EINVAL;
		goto out_free;
	}
	if ((rc = ar_conf_check_keys(root, top_keys, err, errlen)) != 0 ||
	    (rc = load_capture(c, ar_conf_get(root, "capture"), err, errlen)) != 0 ||
	    (rc = load_eal(c, ar_conf_get(root, "eal"), err, errlen)) != 0 ||
	    (rc = load_flow(c, ar_conf_get(root, "flow"), err, errlen)) != 0 ||
	    (rc = load_http(c, ar_conf_get(root, "http"), err, errlen)) != 0 ||
	    (rc = load_detect(c, ar_conf_get(root, "detect"), err, errlen)) != 0 ||
	    (rc = load_api(c, ar_conf_get(root, "api"), err, errlen)) != 0 ||
	    (rc = load_output(c, ar_conf_get(root, "output"), err, errlen)) != 0)
		goto out_free;
out_free:
	ar_conf_free(root);
	return rc;
}

int
ard_config_check(struct ard_config *c, char *err, size_t errlen)
{
	/* inspection reads the header lists, so they are kept when it is on */
	if ((c->detect && c->n_rule_paths > 0) || c->learn)
		c->http.log_headers = true;
	if (c->n_ports == 0) {
		snprintf(err, errlen,
			 "no ports: give a capture with -r or `capture: ports:` in "
			 "the config");
		return -EINVAL;
	}
	if (c->http.body_capture > c->http.arena_size / 2) {
		snprintf(err, errlen,
			 "`http: body_capture` (%u) must be at most half of `http: "
			 "arena` (%u)",
			 c->http.body_capture, c->http.arena_size);
		return -EINVAL;
	}
	return 0;
}
