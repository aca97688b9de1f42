/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The catalog's structures, shared by catalog.c, openapi.c and spec.c.
 * Everything here belongs to the learner thread.
 */
#ifndef AR_API_CATALOG_PRIV_H
#define AR_API_CATALOG_PRIV_H

#include "api_priv.h"

#define AR_API_TEMPLATE_MAX 1024
#define AR_API_MAX_OWNERS   256
#define SITE_BUCKETS        1024 /* power of two */
#define EP_MAX_STATUS       16   /* status codes per endpoint; more are not kept */
#define EP_MAX_CTYPES       4    /* content types per endpoint and status */

struct owner {
	char *host;   /* exact host or "*" */
	char *prefix; /* path prefix, "" for all */
	char *unit;
	char *contact;
};

struct ctype_slot {
	char name[64];
	uint64_t count;
};

struct status_slot {
	uint16_t code;
	uint8_t n_ct;
	uint64_t count;
	struct ctype_slot ct[EP_MAX_CTYPES];
	struct schema *body; /* JSON response body, NULL if none seen */
};

/* The schemas of an endpoint, by where their fields come from. */
enum {
	EP_QUERY = 0,
	EP_HEADER,
	EP_COOKIE,
	EP_REQ_FORM, /* urlencoded or multipart body */
	EP_REQ_JSON,
	EP_SCHEMAS,
};

struct site;

struct endpoint {
	uint64_t id;
	struct site *site;
	struct tnode *leaf;
	unsigned method;
	char *tmpl; /* "/users/{userId}" */
	char *key;  /* site NUL method NUL template: the store key */
	size_t key_len;
	const struct owner *owner;
	uint64_t first_ns, last_ns, calls, alerts;
	uint64_t latency_sum_us, latency_n;
	uint32_t latency_max_us;
	uint64_t req_bytes, resp_bytes;
	uint64_t auth[AR_AUTH_MAX];
	char auth_name[64];
	uint8_t n_req_ct;
	uint8_t n_status;
	struct ctype_slot req_ct[EP_MAX_CTYPES];
	struct status_slot status[EP_MAX_STATUS];
	struct schema *schemas[EP_SCHEMAS];
	bool zombie;
	bool dirty;                   /* changed since the last save */
	bool saved;                   /* its key is in the store */
	bool in_spec;                 /* the site's spec has it */
	struct endpoint *next, *prev; /* all endpoints */
	struct endpoint *dirty_next;
};

struct spec;

struct site {
	char *name;
	size_t name_len;
	uint64_t hash;
	struct tmpl *tree;
	struct spec *spec; /* NULL: no spec given */
	uint32_t n_endpoints;
	bool dirty;
	struct site *hnext; /* hash chain */
	struct site *next;  /* all sites */
};

/* A deleted endpoint key, until the next save. */
struct gone {
	struct gone *next;
	size_t len;
	char key[];
};

struct ar_api_catalog {
	struct ar_api_params p;
	struct ar_api_stats st;
	uint64_t now; /* packet time of the last record */
	uint64_t next_zombie_scan;
	struct site *site_hash[SITE_BUCKETS];
	struct site *sites;
	struct endpoint *endpoints;
	struct endpoint *dirty;
	struct gone *gone;
	struct site *routing; /* the site whose tree routes a path, for its hooks */
	unsigned n_owners;
	struct owner owners[AR_API_MAX_OWNERS];
};

/* Endpoints of @only (all sites if NULL), sorted by site, template, method; caller frees. */
struct endpoint **catalog_sorted(const struct ar_api_catalog *c, const struct site *only,
				 size_t *n);
struct site *catalog_site(const struct ar_api_catalog *c, const char *name);
/* Finds or adds the site @name (NULL when the cap or memory refuse). */
struct site *catalog_site_add(struct ar_api_catalog *c, const char *name);

/* spec.c: comparison with a supplied OpenAPI document. */
void spec_free(struct spec *s);
/* A new (or loaded) endpoint: sets in_spec, reports a shadow endpoint. */
void spec_check_endpoint(struct ar_api_catalog *c, struct endpoint *e);
/* A new parameter or field of @e: reports it when the spec does not have it. */
void spec_check_field(struct ar_api_catalog *c, struct endpoint *e, const char *where,
		      const char *name, bool new_field);

#endif
