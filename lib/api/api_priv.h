/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/api's own interfaces between its parts: the path tree (tmpl.c), the
 * schemas (schema.c), the document tree for OpenAPI (doc.c) and the byte
 * codec used to persist all of them. Not installed; lib/api only.
 */
#ifndef AR_API_PRIV_H
#define AR_API_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ar_api.h"

/* ------------------------------------------------------------------ */
/* Small shared helpers                                                */
/* ------------------------------------------------------------------ */

#define API_FNV_INIT 14695981039346656037ull

/* 64-bit FNV-1a of @n bytes, going on from @h (API_FNV_INIT to start). */
static inline uint64_t
api_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

/* The longest decoded string api_pct_decode() takes. */
#define API_DECODE_MAX 256

/*
 * Percent-decodes @s (and '+' as a space when @plus) into @out with
 * lib/match's ar_norm(). Returns the decoded length, or SIZE_MAX when it
 * is longer than @cap (at most API_DECODE_MAX). Any thread.
 */
size_t api_pct_decode(const char *s, size_t n, char *out, size_t cap, bool plus);

/* ------------------------------------------------------------------ */
/* Byte codec: little-endian, varints, length-prefixed strings          */
/* ------------------------------------------------------------------ */

/* A growable output buffer. On allocation failure oom is set and writes stop. */
struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom;
};
void wbuf_free(struct wbuf *b);
void wbuf_u8(struct wbuf *b, uint8_t v);
void wbuf_varint(struct wbuf *b, uint64_t v);
void wbuf_u64(struct wbuf *b, uint64_t v); /* fixed 8 bytes */
void wbuf_bytes(struct wbuf *b, const void *s, size_t n);
void wbuf_str(struct wbuf *b, const char *s, size_t n); /* varint length + bytes */

/* A reader over untrusted bytes: any overrun sets bad and yields zeros. */
struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};
uint8_t rbuf_u8(struct rbuf *b);
uint64_t rbuf_varint(struct rbuf *b);
uint64_t rbuf_u64(struct rbuf *b);
/* A string: returns a view into the buffer and its length (NULL, 0 when bad). */
const char *rbuf_str(struct rbuf *b, size_t *n);

/* ------------------------------------------------------------------ */
/* Path templating (tmpl.c)                                            */
/* ------------------------------------------------------------------ */

struct tmpl; /* the path tree of one site */
struct tnode;

/*
 * How the tree tells its owner that endpoints move. Endpoints are opaque
 * to the tree: one pointer per (leaf, method), owned by the catalog.
 */
struct tmpl_hooks {
	/*
	 * A merge moved the endpoint @src (method @method) to leaf @to, where
	 * @dst was already (NULL if none). Returns what the slot of @to must
	 * hold now (the catalog merges @src into @dst, or re-keys @src).
	 * Called after the tree's shape changed, so tnode_template(@to) is
	 * the new template.
	 */
	void *(*move)(void *user, void *dst, void *src, const struct tnode *to, unsigned method);
	/* A merge was undone: @ep, under the parameter that is removed, is dropped. */
	void (*drop)(void *user, void *ep);
	/*
	 * ... and a value of it that led to leaf @at with @method before is a
	 * literal again: returns the endpoint for the empty slot (NULL: none).
	 */
	void *(*add)(void *user, const struct tnode *at, unsigned method);
};

struct tmpl_stats {
	uint64_t nodes;         /* gauge */
	uint64_t nodes_capped;  /* routes refused: the tree is full */
	uint64_t values_capped; /* sibling values not tracked: the table is full */
	uint64_t merges;
	uint64_t splits;
	uint64_t promotions; /* values of a merge made literals beside it */
};

/* An empty tree of at most @max_nodes nodes; NULL + errno. */
struct tmpl *tmpl_create(const struct tmpl_hooks *h, void *user, uint32_t max_nodes);
/* Frees the tree; endpoints are not touched (the catalog owns them). */
void tmpl_free(struct tmpl *t);

/*
 * Routes the raw path @path (percent-encoded, no query) called with
 * @method (AR_API_METHOD_MAX: not known) from client @client (a hash of
 * its address) at @now_ns, growing the tree and revisiting merge
 * decisions on the way. Returns the leaf, or NULL when a cap refused it
 * (counted). May call the hooks before it returns.
 */
struct tnode *tmpl_route(struct tmpl *t, const char *path, size_t n, unsigned method,
			 uint64_t client, uint64_t now_ns);

/* The endpoint slot of @n for @method (the catalog fills it). */
void **tnode_endpoint(struct tnode *n, unsigned method);

/*
 * The template of @n ("/users/{userId}/orders", "/" for the root) into
 * @buf, NUL-terminated; returns its length (cut at @cap - 1).
 */
size_t tnode_template(const struct tnode *n, char *buf, size_t cap);

/* A path parameter of a template. */
struct tmpl_param {
	const char *name;  /* as in the template, without braces */
	uint32_t seg_mask; /* bits of enum ar_api_seg seen in its values */
	bool from_words;   /* made by merging plain-word siblings */
};
/* The path parameters of @n's template in order; returns how many (<= @max). */
unsigned tnode_params(const struct tnode *n, struct tmpl_param *out, unsigned max);

/* Calls @cb for every endpoint slot that is set. */
void tmpl_foreach(struct tmpl *t,
		  void (*cb)(void *user, struct tnode *n, unsigned method, void *ep), void *user);

const struct tmpl_stats *tmpl_stats(const struct tmpl *t);

/*
 * Persistence of the tree's learning state (the shape, the merge
 * decisions and the sibling value tables; not the endpoints).
 */
void tmpl_encode(const struct tmpl *t, struct wbuf *out);
/* Rebuilds a tree from tmpl_encode() bytes; NULL when they are bad. */
struct tmpl *tmpl_decode(const struct tmpl_hooks *h, void *user, uint32_t max_nodes,
			 const uint8_t *p, size_t n);
/* The leaf of the template string @template as tnode_template() wrote it, or NULL. */
struct tnode *tmpl_find(struct tmpl *t, const char *template);

/* ------------------------------------------------------------------ */
/* Schemas (schema.c)                                                  */
/* ------------------------------------------------------------------ */

/* What a schema observation changed, for events. */
struct schema_change {
	bool new_field;   /* else a type change */
	const char *name; /* property name (flat) or JSON path */
	uint32_t types;   /* bits of enum ar_api_type now */
	uint32_t old_types;
};
typedef void (*schema_change_cb)(void *user, const struct schema_change *c);

struct schema; /* a learnt JSON Schema node */

struct schema *schema_new(void);
void schema_free(struct schema *s);

/*
 * Observes the fields of record @r that are in @where, as one instance of
 * @root. Flat (query, header, cookie, form bodies): each field is a
 * property of the root object by its name. JSON bodies: fields are named
 * by JSON paths from "$". @cb (may be NULL) hears of new fields and
 * changed types. At most @max_fields nodes in the whole schema; the rest
 * are counted in *capped. Returns 0 or -ENOMEM.
 */
int schema_observe(struct schema *root, const struct ar_api_rec *r, enum ar_api_where where,
		   bool flat, uint32_t max_fields, uint64_t *capped, schema_change_cb cb,
		   void *user);

/*
 * The fields of a record by place, in record order: built once per record
 * so that each place's observation reads only its own fields. Records
 * list each place's fields together: then a place is a range of fields;
 * otherwise (@listed) a list of their indexes.
 */
struct schema_fields {
	bool listed;
	uint8_t n[AR_IN_MAX];
	uint8_t first[AR_IN_MAX];                 /* unless listed */
	uint8_t at[AR_IN_MAX][AR_API_REC_FIELDS]; /* if listed: indexes into r->fields */
};
void schema_fields_index(const struct ar_api_rec *r, struct schema_fields *sf);
/* schema_observe() with @sf, the schema_fields_index() of @r. */
int schema_observe_idx(struct schema *root, const struct ar_api_rec *r,
		       const struct schema_fields *sf, enum ar_api_where where, bool flat,
		       uint32_t max_fields, uint64_t *capped, schema_change_cb cb, void *user);

/* Marks the node at @path ("$.user.email" or a flat name) with a sensitive data type. */
void schema_mark_sensitive(struct schema *root, const char *path, size_t n, bool flat,
			   const char *type, size_t type_len);

/* Merges @src into @dst (counts add, types and properties unite). */
int schema_merge(struct schema *dst, const struct schema *src);

/* How many observations @s has had (documents, or parameter occurrences). */
uint64_t schema_seen(const struct schema *s);
/* Number of nodes under @s, itself not counted (what max_fields caps). */
uint32_t schema_size(const struct schema *s);
/* Enum samples and sensitive types dropped by the per-node caps of root @s (not persisted). */
uint64_t schema_values_capped(const struct schema *s);

/* A property of an object schema, for listing parameters. */
struct schema_prop {
	const char *name;
	const struct schema *s;
	bool required;
};
/* Calls @cb for each property of @s in first-seen order. */
void schema_foreach_prop(const struct schema *s,
			 void (*cb)(void *user, const struct schema_prop *p), void *user);

struct doc;
struct dnode;
/* Writes @s as an OpenAPI 3.0 Schema Object into map @at of @d. */
void schema_to_doc(const struct schema *s, struct doc *d, struct dnode *at);

void schema_encode(const struct schema *s, struct wbuf *out);
/* NULL when the bytes are bad. */
struct schema *schema_decode(struct rbuf *in);

/* ------------------------------------------------------------------ */
/* Document trees (doc.c): built once, written as JSON or YAML          */
/* ------------------------------------------------------------------ */

/*
 * A tree of maps (keys in insertion order), sequences and scalars, with
 * every string copied into the document's arena. Building never fails
 * visibly: on allocation failure the document is marked and the writers
 * return -ENOMEM.
 */
struct doc *doc_new(void);
void doc_free(struct doc *d);
struct dnode *doc_root(struct doc *d); /* a map */

/*
 * Adds to map @parent under @key (replacing the value of a key already
 * there, in its place), or appends to sequence @parent (key NULL).
 */
struct dnode *doc_map(struct doc *d, struct dnode *parent, const char *key);
struct dnode *doc_seq(struct doc *d, struct dnode *parent, const char *key);
void doc_str(struct doc *d, struct dnode *parent, const char *key, const char *s, size_t n);
void doc_cstr(struct doc *d, struct dnode *parent, const char *key, const char *s);
void doc_int(struct doc *d, struct dnode *parent, const char *key, int64_t v);
void doc_num(struct doc *d, struct dnode *parent, const char *key, double v);
void doc_bool(struct doc *d, struct dnode *parent, const char *key, bool v);
/* The child of map @m under @key, or NULL. */
struct dnode *doc_get(const struct dnode *m, const char *key);

/* Writes @d to @f. Returns 0 or -errno (-ENOMEM if building failed). */
int doc_write_json(const struct doc *d, FILE *f);
int doc_write_yaml(const struct doc *d, FILE *f);

#endif
