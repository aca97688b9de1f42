/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/api: API discovery. Workers describe each HTTP transaction in a
 * compact record (struct ar_api_rec); the learner feeds the records to a
 * catalog, which owns everything learnt from them:
 *
 *  - per site (Host), a tree of path segments whose variable parts become
 *    parameters (templating, tmpl.c, with the segment classes of
 *    classify.c);
 *  - per endpoint (site + method + template): counts, first and last seen,
 *    status codes, content types, auth schemes, and the schemas of its
 *    parameters and JSON bodies (schema.c);
 *  - OpenAPI 3.0.3 documents per site, JSON or YAML (openapi.c, doc.c);
 *  - life cycle and drift: `api` events for new endpoints, parameters,
 *    fields and changed types; zombies; comparison with a supplied spec.
 *
 * One thread (the learner) owns a catalog; nothing here locks.
 */
#ifndef AR_API_H
#define AR_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar_match.h"

/* ------------------------------------------------------------------ */
/* Classes and types                                                   */
/* ------------------------------------------------------------------ */

enum ar_api_method {
	AR_API_GET = 0,
	AR_API_POST,
	AR_API_PUT,
	AR_API_PATCH,
	AR_API_DELETE,
	AR_API_HEAD,
	AR_API_OPTIONS,
	AR_API_TRACE,
	AR_API_METHOD_MAX, /* anything else is not learnt (counted) */
};
/* "GET" ...; NULL beyond the range. */
const char *ar_api_method_name(unsigned m);
/* The method of @s (case-sensitive, as on the wire), or AR_API_METHOD_MAX. */
unsigned ar_api_method_parse(const char *s, size_t n);

/*
 * What a path segment looks like. Every class but WORD makes a parameter
 * at once; WORD segments become one when many distinct siblings are seen.
 */
enum ar_api_seg {
	AR_SEG_WORD = 0, /* letters, '-', '_', '.', at most a version or a lone digit */
	AR_SEG_INTEGER,  /* digits, optional sign */
	AR_SEG_NUMBER,   /* decimal with a point */
	AR_SEG_UUID,     /* 8-4-4-4-12 hex */
	AR_SEG_HEX,      /* >= 8 hex digits with both digits and letters, not a hash length */
	AR_SEG_HASH,     /* 32, 40, 56, 64, 96 or 128 hex digits */
	AR_SEG_DATE,     /* 2024-01-31, 2024-01-31T10:00:00Z ... */
	AR_SEG_EMAIL,    /* local@domain.tld */
	AR_SEG_TOKEN,    /* base64/base64url-looking run of >= 16 characters */
	AR_SEG_MIXED,    /* letters and digits mixed like an id: ord_8f7d6, user123 */
	AR_SEG_TEXT,     /* anything else a literal would not contain (spaces, %, ...) */
	AR_SEG_MAX,
};
const char *ar_api_seg_name(enum ar_api_seg c);
/* Classifies the (percent-decoded) segment @s. Never fails. */
enum ar_api_seg ar_api_seg_classify(const char *s, size_t n);

/* JSON types, as bits so a schema can hold several. */
enum ar_api_type {
	AR_TYPE_NULL = 0,
	AR_TYPE_BOOLEAN,
	AR_TYPE_INTEGER,
	AR_TYPE_NUMBER,
	AR_TYPE_STRING,
	AR_TYPE_OBJECT,
	AR_TYPE_ARRAY,
	AR_TYPE_MAX,
};
const char *ar_api_type_name(enum ar_api_type t);

/* String formats (OpenAPI / JSON Schema names). */
enum ar_api_fmt {
	AR_FMT_NONE = 0,
	AR_FMT_DATE_TIME,
	AR_FMT_DATE,
	AR_FMT_EMAIL,
	AR_FMT_UUID,
	AR_FMT_IPV4,
	AR_FMT_IPV6,
	AR_FMT_URI,
	AR_FMT_HOSTNAME,
	AR_FMT_MAX,
};
/* "date-time" ...; NULL for AR_FMT_NONE. */
const char *ar_api_fmt_name(enum ar_api_fmt f);
/* The format of the (unescaped) string @s, AR_FMT_NONE when none fits. */
enum ar_api_fmt ar_api_str_format(const char *s, size_t n);

/* Where a field was seen. */
enum ar_api_where {
	AR_IN_QUERY = 0,
	AR_IN_HEADER,   /* request header (not the usual ones, see the worker) */
	AR_IN_COOKIE,   /* request cookie */
	AR_IN_REQ_BODY, /* request body: JSON path or form field name */
	AR_IN_RESP_BODY,
	AR_IN_MAX,
};

/* How the client authenticated, as seen in the request. */
enum ar_api_auth {
	AR_AUTH_NONE = 0,
	AR_AUTH_BASIC,
	AR_AUTH_BEARER,     /* Authorization: Bearer <opaque> */
	AR_AUTH_BEARER_JWT, /* Authorization: Bearer <JWT> */
	AR_AUTH_DIGEST,
	AR_AUTH_APIKEY_HEADER, /* X-API-Key, Api-Key ... */
	AR_AUTH_APIKEY_QUERY,  /* api_key=, apikey=, access_token= ... */
	AR_AUTH_COOKIE,        /* a session cookie */
	AR_AUTH_OTHER,         /* an Authorization scheme we do not name */
	AR_AUTH_MAX,
};
const char *ar_api_auth_name(enum ar_api_auth a);

/* ------------------------------------------------------------------ */
/* The transaction record                                              */
/* ------------------------------------------------------------------ */

#define AR_API_REC_FIELDS 96   /* fields per record; more are counted in fields_cut */
#define AR_API_REC_HITS   8    /* alerts and sensitive-data findings per record */
#define AR_API_REC_ARENA  3072 /* bytes of names, values and strings */
#define AR_API_VAL_MAX    24   /* longest sample value kept (for enums) */
#define AR_API_REC_SLOTS  256  /* hash slots of the builder's field index (> 2x fields) */

/* Field flags. */
#define AR_API_F_FORM  0x01 /* body field from a form, not JSON */
#define AR_API_F_VALUE 0x02 /* val_* holds the whole value (<= AR_API_VAL_MAX) */

/*
 * One field: a query, header or cookie parameter, or a body member. Body
 * members are named by their JSON path as lib/match's ar_json_walk() gives
 * it ("$", "$.user.name", "$.items[].id"); objects and arrays appear as
 * fields of type OBJECT/ARRAY. A record lists each (where, name, type) once.
 */
struct ar_api_field {
	uint16_t name_off; /* into arena */
	uint16_t name_len;
	uint16_t val_off; /* short values only, see AR_API_F_VALUE */
	uint16_t val_len;
	uint8_t where; /* enum ar_api_where */
	uint8_t type;  /* enum ar_api_type */
	uint8_t fmt;   /* enum ar_api_fmt */
	uint8_t flags; /* AR_API_F_* */
};

/* A finding of the detection engine on this transaction. */
struct ar_api_hit {
	uint32_t rule_id;   /* signature id */
	uint16_t field_off; /* the field as lib/match names it: "json:$.user.email" */
	uint16_t field_len;
	uint16_t type_off; /* pii: the data type ("email", "card" ...); alerts: category */
	uint16_t type_len;
	uint8_t pii; /* 1: sensitive data, 0: attack */
	uint8_t severity;
};

/* Record flags. */
#define AR_API_R_RESPONSE  0x01 /* the response was seen (status is valid) */
#define AR_API_R_REQ_JSON  0x02 /* request body walked as JSON */
#define AR_API_R_RESP_JSON 0x04
#define AR_API_R_CUT       0x08 /* fields or arena ran out: fields_cut > 0 */
#define AR_API_R_IPV6      0x10 /* client address is IPv6 (else the first 4 bytes) */

/*
 * A compact transaction: what the learner needs and nothing else. Made by
 * a worker, read by the learner; strings live in arena, unterminated.
 */
struct ar_api_rec {
	uint64_t ts_ns;      /* packet time of the request */
	uint64_t ident;      /* pseudonymous caller id, 0 if unknown */
	uint32_t latency_us; /* request end to response start, 0 if no response */
	uint32_t req_len;    /* body lengths as sent */
	uint32_t resp_len;
	uint16_t status;
	uint8_t method; /* enum ar_api_method */
	uint8_t auth;   /* enum ar_api_auth */
	uint8_t flags;  /* AR_API_R_* */
	uint8_t n_hits;
	uint16_t n_fields;
	uint16_t fields_cut; /* fields not recorded (caps) */
	uint16_t hits_cut;   /* findings not recorded (AR_API_REC_HITS, arena) */
	uint8_t client[16];
	uint16_t host_off, host_len;     /* Host, lower-cased, without the port */
	uint16_t path_off, path_len;     /* raw path, without the query */
	uint16_t req_ct_off, req_ct_len; /* content types without parameters, lower-cased */
	uint16_t resp_ct_off, resp_ct_len;
	uint16_t auth_name_off, auth_name_len; /* the API key's header, query or cookie name */
	uint16_t arena_len;
	/* builder's index of fields by (where, name, type): slot -> field + 1 */
	uint8_t field_slots[AR_API_REC_SLOTS];
	struct ar_api_hit hits[AR_API_REC_HITS];
	struct ar_api_field fields[AR_API_REC_FIELDS];
	char arena[AR_API_REC_ARENA];
};

/* Record building (any thread; used by workers and tests). */
void ar_api_rec_init(struct ar_api_rec *r);
/* Copies @s into the arena; returns its offset, or -1 when full (counted by the caller). */
int ar_api_rec_str(struct ar_api_rec *r, const char *s, size_t n, uint16_t *off, uint16_t *len);
/*
 * Adds a field, unless the same (where, name, type) is already there.
 * @val may be NULL. Returns 0, 1 when it was a duplicate, or -ENOSPC
 * (fields_cut is counted).
 */
int ar_api_rec_field(struct ar_api_rec *r, enum ar_api_where where, const char *name,
		     size_t name_len, enum ar_api_type type, enum ar_api_fmt fmt, const char *val,
		     size_t val_len, uint8_t flags);

/*
 * What the worker knows of a finished transaction, as views valid during
 * ar_api_rec_build().
 */
struct ar_api_tx_view {
	const char *method;
	size_t method_len;
	const char *target; /* request target as sent: path?query (or absolute form) */
	size_t target_len;
	const char *host; /* Host header, may be empty */
	size_t host_len;
	const struct ar_kv *req_headers;
	unsigned n_req_headers;
	const char *req_ct, *resp_ct; /* Content-Type values as sent */
	size_t req_ct_len, resp_ct_len;
	const char *req_body, *resp_body; /* captured parts of the bodies */
	size_t req_body_len, resp_body_len;
	bool has_response;
	uint16_t status;
	uint64_t req_ts, req_end_ts, resp_ts; /* ns */
	uint64_t req_len, resp_len;           /* body lengths as sent */
	const uint8_t *client;                /* 4 or 16 bytes */
	bool ipv6;
};

/*
 * Fills @r from @v: host, path, content types, auth scheme, and the fields
 * of the query, the interesting request headers, the cookies and the JSON
 * or form bodies, each with its type and format. Never fails: what does
 * not fit is counted in r->fields_cut. Worker thread; no allocation.
 */
void ar_api_rec_build(struct ar_api_rec *r, const struct ar_api_tx_view *v);

/* Adds a detection finding to @r (dropped when AR_API_REC_HITS are there). */
void ar_api_rec_hit(struct ar_api_rec *r, uint32_t rule_id, bool pii, uint8_t severity,
		    const char *field, size_t field_len, const char *type, size_t type_len);

/* ------------------------------------------------------------------ */
/* The catalog                                                         */
/* ------------------------------------------------------------------ */

struct ar_api_catalog;
struct ar_api_endpoint;

/* What changed, for `api` events. */
enum ar_api_change {
	AR_API_NEW_ENDPOINT = 0,
	AR_API_NEW_PARAM,    /* a new query/header/cookie parameter */
	AR_API_NEW_FIELD,    /* a new body member */
	AR_API_TYPE_CHANGE,  /* a parameter or field was seen with another type */
	AR_API_MERGED,       /* the endpoint's template became more general */
	AR_API_SPLIT,        /* a merge was undone: the endpoint is gone */
	AR_API_ZOMBIE,       /* not called for the configured period */
	AR_API_SHADOW,       /* seen, but not in the site's spec */
	AR_API_UNUSED,       /* in the spec, never seen (reported by ar_api_spec_report) */
	AR_API_UNDOCUMENTED, /* a parameter or field the spec does not have */
	AR_API_CHANGE_MAX,
};
const char *ar_api_change_name(enum ar_api_change c);

/* One `api` event. Strings valid during the callback only. */
struct ar_api_event {
	enum ar_api_change change;
	uint64_t ts_ns;
	uint64_t endpoint_id; /* 0 for UNUSED (not an endpoint of ours) */
	const char *site;
	unsigned method;
	const char *template; /* "/users/{id}" */
	const char *where;    /* NEW_PARAM/NEW_FIELD/TYPE_CHANGE/UNDOCUMENTED: "query" ... */
	const char *name;     /* ... the parameter or field */
	const char *type;     /* ... its type now ("integer", "string|integer") */
	const char *old_type; /* TYPE_CHANGE: before */
	const char *owner;    /* business unit, NULL if none */
	const char *contact;
};

typedef void (*ar_api_event_cb)(void *user, const struct ar_api_event *ev);

struct ar_api_params {
	uint32_t max_sites;       /* sites beyond it are not learnt (counted) */
	uint32_t max_endpoints;   /* all sites together */
	uint32_t max_fields;      /* parameters + body fields per endpoint */
	uint32_t max_nodes;       /* path tree nodes per site */
	uint64_t zombie_after_ns; /* 0: never */
	ar_api_event_cb on_event; /* may be NULL */
	void *user;
};

/* Counters of a catalog. Every cap has one. */
struct ar_api_stats {
	uint64_t records;
	uint64_t bad_method;   /* methods not learnt */
	uint64_t no_host;      /* records without a Host: learnt under the server address */
	uint64_t sites_capped; /* records of sites beyond max_sites */
	uint64_t endpoints_capped;
	uint64_t fields_capped;   /* fields beyond max_fields of an endpoint */
	uint64_t nodes_capped;    /* path segments refused by the trees' caps */
	uint64_t values_capped;   /* not tracked: enum samples, path word values, their sub-paths */
	uint64_t statuses_capped; /* status codes beyond an endpoint's table, not kept */
	uint64_t ctypes_capped;   /* content types beyond an endpoint's table, not kept */
	uint64_t records_cut;     /* records that could not hold all their fields */
	uint64_t hits_cut;        /* findings the workers could not record */
	uint64_t merges;          /* plain-word siblings made a parameter */
	uint64_t splits;          /* merges undone */
	uint64_t promotions;      /* values of a merge made literals beside it */
	uint64_t events;
	uint64_t load_errors; /* saved keys that did not decode */
	uint64_t sites;       /* gauges */
	uint64_t endpoints;
};

/* Creates an empty catalog, NULL + errno on failure. Learner thread owns it. */
struct ar_api_catalog *ar_api_catalog_create(const struct ar_api_params *p);
void ar_api_catalog_free(struct ar_api_catalog *c);

/*
 * Learns one record. Returns 0, or -errno when it was not learnt (counted
 * in the stats). Learner thread.
 */
int ar_api_learn(struct ar_api_catalog *c, const struct ar_api_rec *r);

/* Periodic work at packet time @now_ns: zombies, template revisits. */
void ar_api_tick(struct ar_api_catalog *c, uint64_t now_ns);

const struct ar_api_stats *ar_api_stats(const struct ar_api_catalog *c);

/* Owners: every endpoint of @host (exact, or "*") under @prefix ("" for all). */
int ar_api_owner_add(struct ar_api_catalog *c, const char *host, const char *prefix,
		     const char *unit, const char *contact);

/*
 * Gives @site the OpenAPI document at @path (YAML or JSON) to compare
 * with: endpoints it lacks are reported as shadow, parameters and body
 * fields it lacks as undocumented, from now on and for endpoints already
 * known. Returns 0 or -errno with the reason in @err. Learner thread, or
 * before it starts.
 */
int ar_api_spec_load(struct ar_api_catalog *c, const char *site, const char *path, char *err,
		     size_t errlen);
/* Reports each operation of the specs that no endpoint matched (UNUSED); returns how many. */
int ar_api_spec_report(struct ar_api_catalog *c);

/* Endpoints, as views for listing. */
struct ar_api_endpoint_info {
	uint64_t id;
	const char *site;
	unsigned method;
	const char *template;
	uint64_t first_ns, last_ns;
	uint64_t calls;
	const char *owner, *contact;
	bool zombie;
};
typedef int (*ar_api_endpoint_cb)(void *user, const struct ar_api_endpoint_info *e);
/* Calls @cb for every endpoint, site by site, sorted by template. Stops on non-zero. */
int ar_api_foreach_endpoint(const struct ar_api_catalog *c, ar_api_endpoint_cb cb, void *user);

/* ------------------------------------------------------------------ */
/* Persistence                                                         */
/* ------------------------------------------------------------------ */

/* The key spaces of saved state (column families of lib/store). */
enum ar_api_cf {
	AR_API_CF_SITES = 0, /* site name -> site state and its path tree */
	AR_API_CF_ENDPOINTS, /* site NUL method NUL template -> endpoint state */
	AR_API_CF_MAX,
};
extern const char *const ar_api_cf_names[AR_API_CF_MAX];

/* A key to write (@val non-NULL) or delete (@val NULL). Non-zero stops. */
typedef int (*ar_api_put_cb)(void *user, unsigned cf, const void *key, size_t klen, const void *val,
			     size_t vlen);

/*
 * Hands what changed since the last save (everything if @all) to @cb and
 * forgets the changes. Returns the number of keys or -errno (state stays
 * dirty when @cb failed). Learner thread.
 */
int ar_api_save(struct ar_api_catalog *c, bool all, ar_api_put_cb cb, void *user);

/*
 * Loads one saved key. All sites must be loaded before their endpoints.
 * Returns 0, or -EINVAL for bad bytes (counted in load_errors, skipped).
 */
int ar_api_load(struct ar_api_catalog *c, unsigned cf, const void *key, size_t klen,
		const void *val, size_t vlen);

/* ------------------------------------------------------------------ */
/* OpenAPI                                                             */
/* ------------------------------------------------------------------ */

enum ar_api_doc_format {
	AR_DOC_JSON = 0,
	AR_DOC_YAML
};

/*
 * Writes the OpenAPI 3.0.3 document of @site to @path. Returns 0 or
 * -errno. Learner thread (or any thread once the learner stopped).
 */
int ar_api_openapi_write(const struct ar_api_catalog *c, const char *site, enum ar_api_doc_format f,
			 const char *path);
/*
 * Writes one document per site into directory @dir as <site>.json or
 * <site>.yaml (the site name with characters outside [A-Za-z0-9.-] as '_').
 * Returns the number written or -errno.
 */
int ar_api_openapi_write_all(const struct ar_api_catalog *c, enum ar_api_doc_format f,
			     const char *dir);

#endif
