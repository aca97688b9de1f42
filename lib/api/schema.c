/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schemas learnt from traffic: one tree of nodes per parameter set (query,
 * headers, cookies, form body: "flat") or JSON body, fed with the fields of
 * transaction records on the learner core and written out as OpenAPI 3.0
 * Schema Objects.
 *
 * A node counts what was seen at its place:
 *  - seen: the instances of the node. The root has one per schema_observe()
 *    call (flat), or per call with a field in @where (JSON); a property or
 *    an array's items node has one per record where it was present. Since
 *    a record names each (where, path, type) once, a child's seen is also
 *    the number of its parent's instances in which it was present, so it
 *    is the "present" count that required-ness is computed from;
 *  - the bits of enum ar_api_type seen, with a count (records) per type;
 *  - for strings, a count per format: a format is emitted only when every
 *    string counted had it;
 *  - objects: properties in first-seen order (with a hash index once there
 *    are more than PROP_LINEAR of them); arrays: one items node;
 *  - enum candidates: up to ENUM_MAX distinct short values of string and
 *    integer fields (AR_API_F_VALUE), with counts. A value that does not
 *    fit, or a string or integer without its value (too long), makes the
 *    node "not an enum" for good and frees the samples;
 *  - up to SENS_MAX sensitive data types (schema_mark_sensitive()).
 *
 * Rules:
 *  - required: a property is required when present in at least 95 % of
 *    its parent's instances (child seen >= ceil(0.95 * parent seen)) and
 *    the parent was seen at least once: after one document everything in
 *    it is required. Items of arrays count only the documents where the
 *    array had elements.
 *  - JSON paths are ar_json_walk()'s: "$", ".key", "[]", ["raw key"]. A
 *    field whose parents were not announced (a cut record) is placed all
 *    the same; the nodes on its way are counted as objects or arrays as
 *    the path's syntax says. Paths deeper than MAX_DEPTH segments, and
 *    fields that are not paths, are skipped (the first counted in
 *    *capped, the second silently: the worker does not make them).
 *  - caps: at most @max_fields nodes under the root (schema_size()); a
 *    field refused is counted in *capped, once per record and field.
 *    Enum samples dropped when a node stops being enum-like (the ones it
 *    held plus the one that did not fit) and sensitive types beyond
 *    SENS_MAX are counted in the root, read by schema_values_capped().
 *    That counter is not persisted.
 *  - events: a node created is a new field; a node seen in an earlier
 *    call that gets a type bit it never had is a type change (old and new
 *    masks). The JSON root is never a new field. Names are the flat name
 *    or the JSON path up to the node.
 *  - merge: counts add, properties unite by name (first-seen order of the
 *    destination, then the source's new ones), enum samples unite under
 *    the same cap, sensitive types unite; max_fields is not applied.
 *
 * Output (OpenAPI 3.0): integer and number seen make "number"; null with
 * one other type makes that type with nullable: true, null alone only
 * nullable: true; two or more other types make a oneOf of each type's
 * schema. An enum is written only for a single string or integer type,
 * not nullable (the document cannot hold a null), when the node is still
 * enum-like, seen at least 10 times, with at most one distinct value per
 * 3 instances. Sensitive types go to x-sensitive. An array whose items
 * were never seen gets items: {}; a node without a type is {}. ["raw
 * key"] names are written with their JSON escapes decoded; enum values
 * are written as recorded.
 *
 * Each call of schema_observe() gets a number from the root's clock; a
 * node remembers the last call that touched it and the types counted in
 * it, which is how a path met twice in one record is counted once and
 * how nothing is allocated when nothing new is seen.
 */
#include <errno.h>
#include <stdlib.h>

#include "api_priv.h"

#define ENUM_MAX         8    /* distinct enum samples per node */
#define SENS_MAX         4    /* sensitive data types per node */
#define SENS_LEN         32   /* longest sensitive type name kept (longer ones are cut) */
#define PROP_LINEAR      8    /* properties looked up by scan; an index beyond */
#define MAX_DEPTH        64   /* path segments under the root */
#define NAME_MAX_LEN     4096 /* longest property name (records hold less) */
#define DECODE_MAX_NODES (1u << 20)
#define SCHEMA_FORMAT    1 /* first byte of the encoding */

/* Node flags (persisted). */
#define S_NOT_ENUM  0x01 /* too many distinct values, or values too long */
#define S_ESCAPED   0x02 /* the name came as ["raw key"]: JSON escapes inside */
#define S_FLAGS_ALL 0x03

#define TBIT(t) (1u << (t))

/* For the few steps every field takes: called from more than one place, but hot. */
#define HOT static inline __attribute__((always_inline))

struct enum_val {
	uint64_t count;
	uint8_t type; /* AR_TYPE_STRING or AR_TYPE_INTEGER */
	uint8_t len;
	char v[AR_API_VAL_MAX];
};

struct enum_tab {
	uint8_t n;
	struct enum_val v[ENUM_MAX];
};

struct sens_tab {
	uint8_t n;
	uint8_t len[SENS_MAX];
	char v[SENS_MAX][SENS_LEN];
};

struct props {
	struct schema **v; /* first-seen order */
	uint32_t n, cap;
	uint32_t *idx; /* open addressing, index + 1 (0: empty); NULL up to PROP_LINEAR */
	uint32_t mask; /* slots - 1 */
};

struct schema {
	uint64_t seen;
	uint64_t tcount[AR_TYPE_MAX]; /* instances per type */
	uint64_t fcount[AR_FMT_MAX];  /* strings per format (AR_FMT_NONE: none) */
	uint64_t values_capped;       /* root only, see schema_values_capped() */
	uint32_t below;               /* nodes under this one */
	uint32_t gen;                 /* the call that last touched it */
	uint32_t clock;               /* root only: the current call */
	uint8_t types;                /* bits of enum ar_api_type */
	uint8_t rec_types;            /* bits counted in call `gen` */
	uint8_t flags;                /* S_* */
	struct props props;
	struct schema *items;
	struct enum_tab *enums; /* NULL until a sample, and once not an enum */
	struct sens_tab *sens;
	uint32_t hash; /* name_hash(name) */
	uint16_t name_len;
	char name[]; /* NUL-terminated */
};

/* ------------------------------------------------------------------ */
/* Nodes and properties                                                */
/* ------------------------------------------------------------------ */

/*
 * Names are hashed eight bytes at a time, so that next_seg() can hash a
 * key while it looks for its end: full words, then the last (possibly
 * empty) partial word zero-padded, then the length. Only the property
 * index uses the hash; nothing persisted depends on it.
 */
#define HASH_SEED 0x243f6a8885a308d3ull
#define HASH_MUL  0x9e3779b97f4a7c15ull

static inline uint64_t
hash_word(uint64_t h, uint64_t w)
{
	return (h ^ w) * HASH_MUL;
}

/* The high half of the words' product folded down, so the index's low bits see every byte. */
static inline uint32_t
hash_end(uint64_t h, size_t n)
{
	h ^= n;
	h ^= h >> 32;
	return (uint32_t)((h * HASH_MUL) >> 32);
}

/* The @n < 8 bytes at @s, zero-padded (little-endian order). */
static inline uint64_t
load_part(const char *s, size_t n)
{
	uint64_t w = 0;
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)(uint8_t)s[i] << (8 * i);
	return w;
}

static inline uint64_t
load_word(const char *s)
{
	uint64_t w;
	memcpy(&w, s, sizeof(w));
	return w;
}

static uint32_t
name_hash(const char *s, size_t n)
{
	uint64_t h = HASH_SEED;
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		h = hash_word(h, load_word(s + i));
	h = hash_word(h, load_part(s + i, n - i));
	return hash_end(h, n);
}

static struct schema *
node_new(const char *name, size_t n)
{
	struct schema *s = calloc(1, sizeof(*s) + n + 1);
	if (s == NULL)
		return NULL;
	memcpy(s->name, name, n);
	s->name[n] = '\0';
	s->name_len = (uint16_t)n;
	s->hash = name_hash(name, n);
	return s;
}

struct schema *
schema_new(void)
{
	struct schema *s = node_new("", 0);
	if (s == NULL)
		errno = ENOMEM;
	return s;
}

void
schema_free(struct schema *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; i < s->props.n; i++)
		schema_free(s->props.v[i]);
	free(s->props.v);
	free(s->props.idx);
	schema_free(s->items);
	free(s->enums);
	free(s->sens);
	free(s);
}

/* @a and @b (@n bytes each) are equal; names are short, memcmp() is not. */
static inline bool
bytes_eq(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return memcmp(a, b, n) == 0;
	if (n >= 8)
		return load_word(a) == load_word(b) && load_word(a + n - 8) == load_word(b + n - 8);
	if (n >= 4) {
		uint32_t x0, x1, y0, y1;
		memcpy(&x0, a, 4);
		memcpy(&y0, b, 4);
		memcpy(&x1, a + n - 4, 4);
		memcpy(&y1, b + n - 4, 4);
		return x0 == y0 && x1 == y1;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static inline bool
name_eq(const struct schema *s, const char *name, size_t n, uint32_t hash)
{
	return s->hash == hash && s->name_len == n && bytes_eq(s->name, name, n);
}

/* The property @name of @p, whose name_hash() is @hash. */
HOT struct schema *
prop_find(const struct props *p, const char *name, size_t n, uint32_t hash)
{
	if (p->idx == NULL) {
		for (uint32_t i = 0; i < p->n; i++)
			if (name_eq(p->v[i], name, n, hash))
				return p->v[i];
		return NULL;
	}
	for (uint32_t h = hash & p->mask; p->idx[h]; h = (h + 1) & p->mask) {
		struct schema *c = p->v[p->idx[h] - 1];
		if (name_eq(c, name, n, hash))
			return c;
	}
	return NULL;
}

static void
idx_put(struct props *p, uint32_t i)
{
	const struct schema *c = p->v[i];
	uint32_t h = c->hash & p->mask;
	while (p->idx[h])
		h = (h + 1) & p->mask;
	p->idx[h] = i + 1;
}

/* Appends @c (whose name is not there yet). Returns 0 or -ENOMEM. */
static int
prop_add(struct props *p, struct schema *c)
{
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 4;
		struct schema **v = realloc(p->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = c;
	if (p->n <= PROP_LINEAR)
		return 0;
	if (p->idx && p->n * 2 <= p->mask + 1) {
		idx_put(p, p->n - 1);
		return 0;
	}
	/* at most half full */
	uint32_t slots = 32;
	while (slots < p->n * 2)
		slots *= 2;
	uint32_t *idx = calloc(slots, sizeof(*idx));
	if (idx == NULL) {
		p->n--;
		return -ENOMEM;
	}
	free(p->idx);
	p->idx = idx;
	p->mask = slots - 1;
	for (uint32_t i = 0; i < p->n; i++)
		idx_put(p, i);
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON paths                                                          */
/* ------------------------------------------------------------------ */

struct seg {
	const char *key; /* property name (raw), unless items */
	size_t key_len;
	size_t end;    /* offset after the segment */
	uint32_t hash; /* name_hash(key), unless items */
	bool items;    /* "[]" */
	bool escaped;
	bool cut; /* ["... without its end: the path was cut */
};

#define BYTES(c) (0x0101010101010101ull * (uint8_t)(c))

/* The high bit of each byte of @w that is @c; the lowest one set is exact. */
static inline uint64_t
has_byte(uint64_t w, char c)
{
	uint64_t x = w ^ BYTES(c);
	return (x - BYTES(1)) & ~x & BYTES(0x80);
}

/*
 * The ".key" segment at @pos: the key ends at the next '.' or '[' or at
 * @n. Eight bytes at a time, hashing the words as name_hash() does: this
 * runs for every field.
 */
HOT bool
dot_seg(const char *p, size_t n, size_t pos, struct seg *s)
{
	size_t b = pos + 1, e = b;
	uint64_t h = HASH_SEED;
	for (;;) {
		size_t avail = n - e;
		uint64_t w, stop = 0;
		if (avail >= 8) {
			w = load_word(p + e);
		} else {
			/* the bytes up to @n, and a stop after them */
			w = n >= 8 && avail ? load_word(p + n - 8) >> (8 * (8 - avail)) :
					      load_part(p + e, avail);
			stop = 0x80ull << (8 * avail);
		}
		stop |= has_byte(w, '.') | has_byte(w, '[');
		if (stop == 0) {
			h = hash_word(h, w);
			e += 8;
			continue;
		}
		unsigned j = (unsigned)__builtin_ctzll(stop) / 8;
		h = hash_word(h, j ? w & (~0ull >> (64 - 8 * j)) : 0);
		e += j;
		break;
	}
	if (e == b)
		return false;
	s->key = p + b;
	s->key_len = e - b;
	s->end = e;
	s->hash = hash_end(h, e - b);
	s->items = false;
	s->escaped = false;
	s->cut = false;
	return true;
}

/* The segment at @pos of path @p (pos < n). False when it is not one. */
HOT bool
next_seg(const char *p, size_t n, size_t pos, struct seg *s)
{
	if (p[pos] == '.')
		return dot_seg(p, n, pos, s);
	if (p[pos] != '[' || pos + 1 >= n)
		return false;
	s->items = false;
	s->cut = false;
	if (p[pos + 1] == ']') {
		s->key = NULL;
		s->key_len = 0;
		s->hash = 0;
		s->items = true;
		s->escaped = false;
		s->end = pos + 2;
		return true;
	}
	if (p[pos + 1] != '"')
		return false;
	/* raw key bytes: a quote inside is escaped, so the first bare "] ends it */
	s->key = p + pos + 2;
	s->escaped = true;
	for (size_t q = pos + 2; q < n; q++) {
		if (p[q] == '\\') {
			q++;
		} else if (p[q] == '"' && q + 1 < n && p[q + 1] == ']') {
			s->key_len = q - pos - 2;
			s->end = q + 2;
			s->hash = name_hash(s->key, s->key_len);
			return true;
		}
	}
	s->key_len = n - pos - 2;
	s->end = n;
	s->cut = true;
	s->hash = name_hash(s->key, s->key_len);
	return true;
}

/* ------------------------------------------------------------------ */
/* Observing records                                                   */
/* ------------------------------------------------------------------ */

struct obs {
	struct schema *root;
	uint32_t clock; /* root->clock */
	uint32_t max_fields;
	uint64_t *capped;
	schema_change_cb cb;
	void *user;
	/* the previous JSON field's nodes, reused for the prefix it shares */
	const char *prev;
	unsigned prev_n;                    /* segments reusable */
	size_t end[MAX_DEPTH];              /* end of segment i */
	struct schema *node[MAX_DEPTH + 1]; /* node[0] root, node[i + 1] after segment i */
	char name[AR_API_REC_ARENA + 1];    /* event names */
};

static void
event(struct obs *o, bool new_field, const char *name, size_t n, uint32_t types, uint32_t old)
{
	if (o->cb == NULL)
		return;
	if (n > AR_API_REC_ARENA)
		n = AR_API_REC_ARENA;
	memcpy(o->name, name, n);
	o->name[n] = '\0';
	struct schema_change c = {
		.new_field = new_field, .name = o->name, .types = types, .old_types = old
	};
	o->cb(o->user, &c);
}

/*
 * Counts an instance of @s of type @t in this call. Returns true when the
 * type is counted for the first time in this call (its value is then
 * sampled). A type bit new to a node seen in earlier calls is reported,
 * under @name (@n bytes) unless @name is NULL.
 */
HOT bool
touch_new(struct obs *o, struct schema *s, unsigned t, const char *name, size_t n)
{
	if (s->gen != o->clock) {
		s->gen = o->clock;
		s->rec_types = 0;
		s->seen++;
	}
	s->rec_types |= (uint8_t)TBIT(t);
	s->tcount[t]++;
	if (!(s->types & TBIT(t))) {
		uint32_t old = s->types;
		s->types |= (uint8_t)TBIT(t);
		if (s->seen > 1 && name)
			event(o, false, name, n, s->types, old);
	}
	return true;
}

HOT bool
touch(struct obs *o, struct schema *s, unsigned t, const char *name, size_t n)
{
	if (s->gen == o->clock && (s->rec_types & TBIT(t)))
		return false; /* counted in this call already */
	return touch_new(o, s, t, name, n);
}

/* Stops treating @s as an enum; @held samples plus @extra are dropped. */
static void
enum_give_up(struct schema *s, uint64_t *vcap, unsigned extra)
{
	*vcap += (s->enums ? s->enums->n : 0) + extra;
	free(s->enums);
	s->enums = NULL;
	s->flags |= S_NOT_ENUM;
}

static struct enum_val *
enum_find(struct enum_tab *e, unsigned type, const char *v, size_t n)
{
	for (unsigned i = 0; i < e->n; i++)
		if (e->v[i].type == type && e->v[i].len == n && memcmp(e->v[i].v, v, n) == 0)
			return &e->v[i];
	return NULL;
}

/*
 * Adds @count to sample (@type, @v) of @s. Returns 0 or -ENOMEM; a ninth
 * distinct value ends the node's enum life.
 */
static int
enum_add(struct schema *s, unsigned type, const char *v, size_t n, uint64_t count, uint64_t *vcap)
{
	if (s->flags & S_NOT_ENUM)
		return 0;
	if (s->enums == NULL) {
		s->enums = calloc(1, sizeof(*s->enums));
		if (s->enums == NULL)
			return -ENOMEM;
	}
	struct enum_val *ev = enum_find(s->enums, type, v, n);
	if (ev) {
		ev->count += count;
		return 0;
	}
	if (s->enums->n == ENUM_MAX) {
		enum_give_up(s, vcap, 1);
		return 0;
	}
	ev = &s->enums->v[s->enums->n++];
	ev->type = (uint8_t)type;
	ev->len = (uint8_t)n;
	memcpy(ev->v, v, n);
	ev->count = count;
	return 0;
}

/* The value of @f, a string or integer, for the enum samples of @s. */
static int
land_value(struct obs *o, struct schema *s, const struct ar_api_rec *r,
	   const struct ar_api_field *f)
{
	if (!(f->flags & AR_API_F_VALUE) || f->val_len > AR_API_VAL_MAX ||
	    (size_t)f->val_off + f->val_len > AR_API_REC_ARENA) {
		enum_give_up(s, &o->root->values_capped, 0);
		return 0;
	}
	return enum_add(s, f->type, r->arena + f->val_off, f->val_len, 1, &o->root->values_capped);
}

/* The field @f lands on @s: its type, format and value. */
HOT int
land(struct obs *o, struct schema *s, const struct ar_api_rec *r, const struct ar_api_field *f,
     const char *name, size_t n)
{
	if (!touch(o, s, f->type, name, n))
		return 0;
	if (f->type == AR_TYPE_STRING)
		s->fcount[f->fmt < AR_FMT_MAX ? f->fmt : AR_FMT_NONE]++;
	if (f->type != AR_TYPE_STRING && f->type != AR_TYPE_INTEGER)
		return 0;
	if (s->flags & S_NOT_ENUM)
		return 0;
	return land_value(o, s, r, f);
}

/* A new child of @parent, or NULL (*err set to -ENOMEM, or 0 when capped). */
static struct schema *
child_new(struct obs *o, struct schema *parent, const struct seg *sg, int *err)
{
	*err = 0;
	if (o->root->below >= o->max_fields) {
		(*o->capped)++;
		return NULL;
	}
	struct schema *c = node_new(sg->items ? "" : sg->key, sg->items ? 0 : sg->key_len);
	if (c == NULL)
		goto out_nomem;
	if (sg->escaped)
		c->flags |= S_ESCAPED;
	if (sg->items) {
		parent->items = c;
	} else if (prop_add(&parent->props, c) != 0) {
		free(c);
		goto out_nomem;
	}
	return c;
out_nomem:
	*err = -ENOMEM;
	return NULL;
}

static int
observe_flat(struct obs *o, const struct ar_api_rec *r, const struct ar_api_field *f)
{
	const char *name = r->arena + f->name_off;
	size_t n = f->name_len;
	uint32_t hash = name_hash(name, n);
	struct schema *c = prop_find(&o->root->props, name, n, hash);
	bool fresh = false;
	if (c == NULL) {
		struct seg sg = { .key = name, .key_len = n, .hash = hash };
		int err;
		c = child_new(o, o->root, &sg, &err);
		if (c == NULL)
			return err;
		o->root->below++;
		fresh = true;
	}
	int rc = land(o, c, r, f, name, n);
	if (fresh)
		event(o, true, name, n, c->types, 0);
	return rc;
}

/* Implied type of the node a segment follows. */
static unsigned
seg_parent_type(const struct seg *sg)
{
	return sg->items ? AR_TYPE_ARRAY : AR_TYPE_OBJECT;
}

static int
observe_json(struct obs *o, const struct ar_api_rec *r, const struct ar_api_field *f)
{
	const char *p = r->arena + f->name_off;
	size_t n = f->name_len;
	if (n == 0 || p[0] != '$')
		return 0;

	/*
	 * Reuse the segments shared with the previous field: each must have
	 * the same bytes and end where a segment of this path ends.
	 */
	unsigned k = 0;
	for (size_t from = 1; k < o->prev_n; k++) {
		size_t e = o->end[k];
		if (e > n || !bytes_eq(p + from, o->prev + from, e - from) ||
		    (e < n && p[e] != '.' && p[e] != '['))
			break;
		from = e;
	}
	struct schema *cur = o->node[k];
	size_t pos = k ? o->end[k - 1] : 1;
	bool fresh = false;
	o->prev = p;
	o->prev_n = k;

	for (unsigned depth = k;; depth++) {
		/* cur is the node of p[0, pos), named so in events ("$" for the root) */
		if (pos == n) {
			int rc = land(o, cur, r, f, p, pos);
			if (fresh)
				event(o, true, p, pos, cur->types, 0);
			return rc;
		}
		struct seg sg;
		if (!next_seg(p, n, pos, &sg))
			return 0;
		touch(o, cur, seg_parent_type(&sg), p, pos);
		if (fresh)
			event(o, true, p, pos, cur->types, 0);
		if (depth == MAX_DEPTH) {
			(*o->capped)++;
			return 0;
		}
		struct schema *c =
			sg.items ? cur->items : prop_find(&cur->props, sg.key, sg.key_len, sg.hash);
		fresh = false;
		if (c == NULL) {
			int err;
			c = child_new(o, cur, &sg, &err);
			if (c == NULL)
				return err;
			for (unsigned i = 0; i <= depth; i++)
				o->node[i]->below++;
			fresh = true;
		}
		o->end[depth] = sg.end;
		o->node[depth + 1] = c;
		if (!sg.cut)
			o->prev_n = depth + 1;
		cur = c;
		pos = sg.end;
	}
}

/* After 2^32 calls the clock restarts: no node may keep a call number. */
static void
clock_reset(struct schema *s)
{
	s->gen = 0;
	for (uint32_t i = 0; i < s->props.n; i++)
		clock_reset(s->props.v[i]);
	if (s->items)
		clock_reset(s->items);
}

/* The fields at[0, @nf) of @r, or fields[first, first + nf) without @at: one place's. */
static int
observe(struct schema *root, const struct ar_api_rec *r, const uint8_t *at, unsigned first,
	unsigned nf, bool flat, uint32_t max_fields, uint64_t *capped, schema_change_cb cb,
	void *user)
{
	uint64_t no_count = 0;
	struct obs o;

	if (!flat && nf == 0)
		return 0;
	if (root->clock == UINT32_MAX) {
		clock_reset(root);
		root->clock = 0;
	}
	root->clock++;
	o.root = root;
	o.clock = root->clock;
	o.max_fields = max_fields;
	o.capped = capped ? capped : &no_count;
	o.cb = cb;
	o.user = user;
	o.prev = NULL;
	o.prev_n = 0;
	o.node[0] = root;
	if (flat)
		touch(&o, root, AR_TYPE_OBJECT, NULL, 0);

	for (unsigned i = 0; i < nf; i++) {
		const struct ar_api_field *f = &r->fields[at ? at[i] : first + i];
		if (f->type >= AR_TYPE_MAX || (size_t)f->name_off + f->name_len > AR_API_REC_ARENA)
			continue;
		int rc = flat ? observe_flat(&o, r, f) : observe_json(&o, r, f);
		if (rc)
			return rc;
	}
	return 0;
}

int
schema_observe(struct schema *root, const struct ar_api_rec *r, enum ar_api_where where, bool flat,
	       uint32_t max_fields, uint64_t *capped, schema_change_cb cb, void *user)
{
	uint8_t at[AR_API_REC_FIELDS];
	unsigned nf = r->n_fields < AR_API_REC_FIELDS ? r->n_fields : AR_API_REC_FIELDS, n = 0;
	for (unsigned i = 0; i < nf; i++)
		if (r->fields[i].where == where)
			at[n++] = (uint8_t)i;
	return observe(root, r, at, 0, n, flat, max_fields, capped, cb, user);
}

/* Lists the fields by place, for records whose places are not in one run each. */
static void
fields_list(const struct ar_api_rec *r, unsigned nf, struct schema_fields *sf)
{
	const struct ar_api_field *fs = r->fields;
	unsigned n[AR_IN_MAX] = { 0 }; /* in registers: stores to sf->at alias nothing here */
	for (unsigned i = 0; i < nf; i++) {
		unsigned w = fs[i].where;
		if (w < AR_IN_MAX)
			sf->at[w][n[w]++] = (uint8_t)i;
	}
	for (unsigned w = 0; w < AR_IN_MAX; w++)
		sf->n[w] = (uint8_t)n[w];
	sf->listed = true;
}

void
schema_fields_index(const struct ar_api_rec *r, struct schema_fields *sf)
{
	const struct ar_api_field *fs = r->fields;
	unsigned nf = r->n_fields < AR_API_REC_FIELDS ? r->n_fields : AR_API_REC_FIELDS;
	memset(sf->n, 0, sizeof(sf->n));
	sf->listed = false;
	/* the runs of fields of one place; a place met in a second run needs a list */
	for (unsigned start = 0, i = 0; start < nf; start = i) {
		unsigned w = fs[start].where;
		for (i = start + 1; i < nf && fs[i].where == w; i++)
			;
		if (w >= AR_IN_MAX)
			continue;
		if (sf->n[w]) {
			fields_list(r, nf, sf);
			return;
		}
		sf->first[w] = (uint8_t)start;
		sf->n[w] = (uint8_t)(i - start);
	}
}

int
schema_observe_idx(struct schema *root, const struct ar_api_rec *r, const struct schema_fields *sf,
		   enum ar_api_where where, bool flat, uint32_t max_fields, uint64_t *capped,
		   schema_change_cb cb, void *user)
{
	if ((unsigned)where >= AR_IN_MAX)
		return schema_observe(root, r, where, flat, max_fields, capped, cb, user);
	return observe(root, r, sf->listed ? sf->at[where] : NULL, sf->first[where], sf->n[where],
		       flat, max_fields, capped, cb, user);
}

/* ------------------------------------------------------------------ */
/* Sensitive data                                                      */
/* ------------------------------------------------------------------ */

/* The node at @path, or NULL (nothing is created). */
static struct schema *
lookup(struct schema *root, const char *path, size_t n, bool flat)
{
	if (flat)
		return prop_find(&root->props, path, n, name_hash(path, n));
	if (n == 0 || path[0] != '$')
		return NULL;
	struct schema *cur = root;
	for (size_t pos = 1; pos < n && cur;) {
		struct seg sg;
		if (!next_seg(path, n, pos, &sg))
			return NULL;
		cur = sg.items ? cur->items : prop_find(&cur->props, sg.key, sg.key_len, sg.hash);
		pos = sg.end;
	}
	return cur;
}

/* Adds sensitive type @t to @s. Returns 0 or -ENOMEM; beyond SENS_MAX counted. */
static int
sens_add(struct schema *s, const char *t, size_t n, uint64_t *vcap)
{
	if (n == 0)
		return 0;
	if (n > SENS_LEN)
		n = SENS_LEN;
	if (s->sens == NULL) {
		s->sens = calloc(1, sizeof(*s->sens));
		if (s->sens == NULL)
			return -ENOMEM;
	}
	struct sens_tab *st = s->sens;
	for (unsigned i = 0; i < st->n; i++)
		if (st->len[i] == n && memcmp(st->v[i], t, n) == 0)
			return 0;
	if (st->n == SENS_MAX) {
		(*vcap)++;
		return 0;
	}
	memcpy(st->v[st->n], t, n);
	st->len[st->n++] = (uint8_t)n;
	return 0;
}

void
schema_mark_sensitive(struct schema *root, const char *path, size_t n, bool flat, const char *type,
		      size_t type_len)
{
	struct schema *s = lookup(root, path, n, flat);
	if (s)
		sens_add(s, type, type_len, &root->values_capped);
}

uint64_t
schema_values_capped(const struct schema *root)
{
	return root->values_capped;
}

/* ------------------------------------------------------------------ */
/* Merging                                                             */
/* ------------------------------------------------------------------ */

static int merge_node(struct schema *d, const struct schema *s, uint64_t *vcap, uint32_t *added);

/* A copy of @s, or NULL; *added counts its nodes. */
static struct schema *
clone(const struct schema *s, uint64_t *vcap, uint32_t *added)
{
	struct schema *c = node_new(s->name, s->name_len);
	if (c == NULL)
		return NULL;
	c->flags = s->flags & S_ESCAPED;
	uint32_t n = 0;
	if (merge_node(c, s, vcap, &n) != 0) {
		schema_free(c);
		return NULL;
	}
	c->below = n;
	*added += n + 1;
	return c;
}

/* Merges @s into @d; *added counts the nodes created. Returns 0 or -ENOMEM. */
static int
merge_node(struct schema *d, const struct schema *s, uint64_t *vcap, uint32_t *added)
{
	d->seen += s->seen;
	d->types |= s->types;
	for (unsigned t = 0; t < AR_TYPE_MAX; t++)
		d->tcount[t] += s->tcount[t];
	for (unsigned f = 0; f < AR_FMT_MAX; f++)
		d->fcount[f] += s->fcount[f];
	if (s->flags & S_NOT_ENUM) {
		if (!(d->flags & S_NOT_ENUM))
			enum_give_up(d, vcap, 0);
	} else if (s->enums) {
		for (unsigned i = 0; i < s->enums->n; i++) {
			const struct enum_val *ev = &s->enums->v[i];
			if (enum_add(d, ev->type, ev->v, ev->len, ev->count, vcap) != 0)
				return -ENOMEM;
		}
	}
	if (s->sens)
		for (unsigned i = 0; i < s->sens->n; i++)
			if (sens_add(d, s->sens->v[i], s->sens->len[i], vcap) != 0)
				return -ENOMEM;

	int rc = 0;
	for (uint32_t i = 0; i < s->props.n && rc == 0; i++) {
		const struct schema *sc = s->props.v[i];
		struct schema *dc = prop_find(&d->props, sc->name, sc->name_len, sc->hash);
		if (dc) {
			uint32_t n = 0;
			rc = merge_node(dc, sc, vcap, &n);
			dc->below += n;
			*added += n;
			continue;
		}
		uint32_t n = 0;
		dc = clone(sc, vcap, &n);
		if (dc == NULL || prop_add(&d->props, dc) != 0) {
			schema_free(dc);
			rc = -ENOMEM;
			break;
		}
		*added += n;
	}
	if (rc == 0 && s->items) {
		uint32_t n = 0;
		if (d->items) {
			rc = merge_node(d->items, s->items, vcap, &n);
			d->items->below += n;
			*added += n;
		} else if ((d->items = clone(s->items, vcap, &n)) != NULL) {
			*added += n;
		} else {
			rc = -ENOMEM;
		}
	}
	return rc;
}

int
schema_merge(struct schema *dst, const struct schema *src)
{
	uint32_t added = 0;
	int rc = merge_node(dst, src, &dst->values_capped, &added);
	dst->below += added;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

uint64_t
schema_seen(const struct schema *s)
{
	return s->seen;
}

uint32_t
schema_size(const struct schema *s)
{
	return s->below;
}

/* Present in at least 95 % of the parent's instances. */
static bool
is_required(const struct schema *parent, const struct schema *child)
{
	return parent->seen >= 1 && child->seen >= parent->seen - parent->seen / 20;
}

void
schema_foreach_prop(const struct schema *s, void (*cb)(void *user, const struct schema_prop *p),
		    void *user)
{
	for (uint32_t i = 0; i < s->props.n; i++) {
		const struct schema *c = s->props.v[i];
		struct schema_prop p = { .name = c->name, .s = c, .required = is_required(s, c) };
		cb(user, &p);
	}
}

/* ------------------------------------------------------------------ */
/* OpenAPI                                                             */
/* ------------------------------------------------------------------ */

struct out {
	struct doc *d;
	char key[NAME_MAX_LEN + 1]; /* one name at a time: doc_map() copies it */
};

static unsigned
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 16;
}

/* The 4 hex digits at @s, or -1. */
static long
hex4(const char *s, size_t avail)
{
	if (avail < 4)
		return -1;
	long v = 0;
	for (unsigned i = 0; i < 4; i++) {
		unsigned h = hexval(s[i]);
		if (h > 15)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The name of @s as a C string in x->key: JSON escapes of ["raw key"]
 * names decoded (an invalid escape stays as it is), NUL bytes dropped.
 */
static const char *
key_of(struct out *x, const struct schema *s)
{
	const char *p = s->name;
	size_t n = s->name_len, o = 0;
	for (size_t i = 0; i < n && o + 4 <= NAME_MAX_LEN;) {
		if (!(s->flags & S_ESCAPED) || p[i] != '\\' || i + 1 == n) {
			if (p[i])
				x->key[o++] = p[i];
			i++;
			continue;
		}
		char e = p[i + 1];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (simple && e) {
			static const char to[] = "\"\\/\b\f\n\r\t";
			x->key[o++] = to[simple - "\"\\/bfnrt"];
			i += 2;
			continue;
		}
		long cp = e == 'u' ? hex4(p + i + 2, n - i - 2) : -1;
		if (cp < 0) {
			x->key[o++] = p[i++];
			continue;
		}
		size_t used = 6;
		if (cp >= 0xd800 && cp < 0xdc00 && n - i >= 12 && p[i + 6] == '\\' &&
		    p[i + 7] == 'u') {
			long lo = hex4(p + i + 8, n - i - 8);
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				used = 12;
			}
		}
		if (cp >= 0xd800 && cp < 0xe000) {
			x->key[o++] = p[i++]; /* a lone surrogate stays escaped */
			continue;
		}
		if (cp)
			o += put_utf8(x->key + o, (unsigned long)cp);
		i += used;
	}
	x->key[o] = '\0';
	return x->key;
}

/* The format every string of @s had, or AR_FMT_NONE. */
static unsigned
sticky_format(const struct schema *s)
{
	uint64_t strings = s->tcount[AR_TYPE_STRING];
	if (strings == 0)
		return AR_FMT_NONE;
	for (unsigned f = AR_FMT_NONE + 1; f < AR_FMT_MAX; f++)
		if (s->fcount[f] == strings)
			return f;
	return AR_FMT_NONE;
}

/*
 * Enum-like: still tracking values, seen at least 10 times, and at most
 * one distinct value per 3 instances, so ids seen a few times do not
 * become enums. All samples must be of type @t.
 */
static bool
enum_like(const struct schema *s, unsigned t)
{
	if ((s->flags & S_NOT_ENUM) || s->enums == NULL || s->enums->n == 0)
		return false;
	if (s->seen < 10 || s->enums->n > ENUM_MAX || s->enums->n > s->seen / 3)
		return false;
	for (unsigned i = 0; i < s->enums->n; i++)
		if (s->enums->v[i].type != t)
			return false;
	return true;
}

static void
enum_to_doc(const struct schema *s, unsigned t, struct doc *d, struct dnode *at)
{
	int64_t ints[ENUM_MAX];
	if (t == AR_TYPE_INTEGER) {
		for (unsigned i = 0; i < s->enums->n; i++) {
			const struct enum_val *ev = &s->enums->v[i];
			char buf[AR_API_VAL_MAX + 1], *end;
			memcpy(buf, ev->v, ev->len);
			buf[ev->len] = '\0';
			errno = 0;
			ints[i] = strtoll(buf, &end, 10);
			if (ev->len == 0 || *end || errno)
				return; /* not a plain integer: no enum */
		}
	}
	struct dnode *seq = doc_seq(d, at, "enum");
	for (unsigned i = 0; i < s->enums->n; i++) {
		if (t == AR_TYPE_INTEGER)
			doc_int(d, seq, NULL, ints[i]);
		else
			doc_str(d, seq, NULL, s->enums->v[i].v, s->enums->v[i].len);
	}
}

static void node_to_doc(struct out *x, const struct schema *s, struct dnode *at);

/* The schema of type @t of @s (@single: its only type besides null). */
static void
type_to_doc(struct out *x, const struct schema *s, unsigned t, bool single, bool nullable,
	    struct dnode *at)
{
	struct doc *d = x->d;
	doc_cstr(d, at, "type", ar_api_type_name(t));
	unsigned fmt = t == AR_TYPE_STRING ? sticky_format(s) : AR_FMT_NONE;
	if (fmt != AR_FMT_NONE)
		doc_cstr(d, at, "format", ar_api_fmt_name(fmt));
	if (nullable)
		doc_bool(d, at, "nullable", true);
	/* an enum without null would refuse the nulls seen, and the doc has no null */
	if (single && !nullable && (t == AR_TYPE_STRING || t == AR_TYPE_INTEGER) && enum_like(s, t))
		enum_to_doc(s, t, d, at);
	if (t == AR_TYPE_OBJECT && s->props.n) {
		struct dnode *props = doc_map(d, at, "properties");
		unsigned req = 0;
		for (uint32_t i = 0; i < s->props.n; i++) {
			const struct schema *c = s->props.v[i];
			node_to_doc(x, c, doc_map(d, props, key_of(x, c)));
			req += is_required(s, c);
		}
		if (req) {
			struct dnode *rl = doc_seq(d, at, "required");
			for (uint32_t i = 0; i < s->props.n; i++)
				if (is_required(s, s->props.v[i]))
					doc_cstr(d, rl, NULL, key_of(x, s->props.v[i]));
		}
	}
	if (t == AR_TYPE_ARRAY) {
		struct dnode *items = doc_map(d, at, "items");
		if (s->items)
			node_to_doc(x, s->items, items);
	}
}

static void
node_to_doc(struct out *x, const struct schema *s, struct dnode *at)
{
	struct doc *d = x->d;
	unsigned mask = s->types;
	if (mask == 0)
		return;
	bool nullable = (mask & TBIT(AR_TYPE_NULL)) != 0;
	mask &= ~TBIT(AR_TYPE_NULL);
	if (mask & TBIT(AR_TYPE_NUMBER))
		mask &= ~TBIT(AR_TYPE_INTEGER);
	unsigned n = (unsigned)__builtin_popcount(mask);
	if (n == 0) {
		doc_bool(d, at, "nullable", true);
	} else if (n == 1) {
		type_to_doc(x, s, (unsigned)__builtin_ctz(mask), true, nullable, at);
	} else {
		struct dnode *one = doc_seq(d, at, "oneOf");
		for (unsigned t = 0; t < AR_TYPE_MAX; t++)
			if (mask & TBIT(t))
				type_to_doc(x, s, t, false, false, doc_map(d, one, NULL));
		if (nullable)
			doc_bool(d, at, "nullable", true);
	}
	if (s->sens && s->sens->n) {
		struct dnode *seq = doc_seq(d, at, "x-sensitive");
		for (unsigned i = 0; i < s->sens->n; i++)
			doc_str(d, seq, NULL, s->sens->v[i], s->sens->len[i]);
	}
}

void
schema_to_doc(const struct schema *s, struct doc *d, struct dnode *at)
{
	struct out *x = malloc(sizeof(*x));
	if (x == NULL)
		return; /* the document stays incomplete; nothing to mark it with */
	x->d = d;
	node_to_doc(x, s, at);
	free(x);
}

/* ------------------------------------------------------------------ */
/* Persistence                                                         */
/* ------------------------------------------------------------------ */

/*
 * Node: name (str), flags (u8), seen, types (u8), a count per type bit,
 * a mask of formats with counts then their counts, the enum samples
 * (count, then type u8, value str, count each), the sensitive types
 * (count, str each), the properties (count, node each), then 0 or 1 and
 * the items node. The schema: SCHEMA_FORMAT (u8) then the root node.
 */
static void
enc_node(const struct schema *s, struct wbuf *b)
{
	wbuf_str(b, s->name, s->name_len);
	wbuf_u8(b, s->flags);
	wbuf_varint(b, s->seen);
	wbuf_u8(b, s->types);
	for (unsigned t = 0; t < AR_TYPE_MAX; t++)
		if (s->types & TBIT(t))
			wbuf_varint(b, s->tcount[t]);
	unsigned fmask = 0;
	for (unsigned f = 0; f < AR_FMT_MAX; f++)
		if (s->fcount[f])
			fmask |= 1u << f;
	wbuf_varint(b, fmask);
	for (unsigned f = 0; f < AR_FMT_MAX; f++)
		if (s->fcount[f])
			wbuf_varint(b, s->fcount[f]);
	unsigned ne = s->enums ? s->enums->n : 0;
	wbuf_varint(b, ne);
	for (unsigned i = 0; i < ne; i++) {
		const struct enum_val *ev = &s->enums->v[i];
		wbuf_u8(b, ev->type);
		wbuf_str(b, ev->v, ev->len);
		wbuf_varint(b, ev->count);
	}
	unsigned ns = s->sens ? s->sens->n : 0;
	wbuf_varint(b, ns);
	for (unsigned i = 0; i < ns; i++)
		wbuf_str(b, s->sens->v[i], s->sens->len[i]);
	wbuf_varint(b, s->props.n);
	for (uint32_t i = 0; i < s->props.n; i++)
		enc_node(s->props.v[i], b);
	wbuf_u8(b, s->items != NULL);
	if (s->items)
		enc_node(s->items, b);
}

void
schema_encode(const struct schema *s, struct wbuf *out)
{
	wbuf_u8(out, SCHEMA_FORMAT);
	enc_node(s, out);
}

/* One node and its subtree at @depth, or NULL; *budget limits the nodes. */
static struct schema *
dec_node(struct rbuf *in, unsigned depth, uint32_t *budget)
{
	size_t n;
	const char *name = rbuf_str(in, &n);
	if (in->bad || n > NAME_MAX_LEN || *budget == 0)
		return NULL;
	(*budget)--;
	struct schema *s = node_new(name, n);
	if (s == NULL)
		return NULL;
	s->flags = rbuf_u8(in);
	s->seen = rbuf_varint(in);
	s->types = rbuf_u8(in);
	if ((s->flags & ~S_FLAGS_ALL) || (s->types >> AR_TYPE_MAX))
		goto out_free;
	for (unsigned t = 0; t < AR_TYPE_MAX; t++)
		if (s->types & TBIT(t))
			s->tcount[t] = rbuf_varint(in);
	uint64_t fmask = rbuf_varint(in);
	if (fmask >> AR_FMT_MAX)
		goto out_free;
	for (unsigned f = 0; f < AR_FMT_MAX; f++)
		if (fmask & (1u << f))
			s->fcount[f] = rbuf_varint(in);

	uint64_t ne = rbuf_varint(in);
	if (ne > ENUM_MAX || (ne && (s->flags & S_NOT_ENUM)) || in->bad)
		goto out_free;
	if (ne) {
		s->enums = calloc(1, sizeof(*s->enums));
		if (s->enums == NULL)
			goto out_free;
	}
	for (unsigned i = 0; i < ne; i++) {
		uint8_t type = rbuf_u8(in);
		size_t vl;
		const char *v = rbuf_str(in, &vl);
		uint64_t count = rbuf_varint(in);
		if (in->bad || vl > AR_API_VAL_MAX ||
		    (type != AR_TYPE_STRING && type != AR_TYPE_INTEGER) ||
		    enum_find(s->enums, type, v, vl))
			goto out_free;
		struct enum_val *ev = &s->enums->v[s->enums->n++];
		ev->type = type;
		ev->len = (uint8_t)vl;
		memcpy(ev->v, v, vl);
		ev->count = count;
	}

	uint64_t ns = rbuf_varint(in);
	if (ns > SENS_MAX || in->bad)
		goto out_free;
	if (ns) {
		s->sens = calloc(1, sizeof(*s->sens));
		if (s->sens == NULL)
			goto out_free;
	}
	for (unsigned i = 0; i < ns; i++) {
		size_t tl;
		const char *t = rbuf_str(in, &tl);
		if (in->bad || tl == 0 || tl > SENS_LEN)
			goto out_free;
		for (unsigned j = 0; j < s->sens->n; j++)
			if (s->sens->len[j] == tl && memcmp(s->sens->v[j], t, tl) == 0)
				goto out_free;
		memcpy(s->sens->v[i], t, tl);
		s->sens->len[s->sens->n++] = (uint8_t)tl;
	}

	uint64_t np = rbuf_varint(in);
	if (in->bad || np > *budget || (np && depth == MAX_DEPTH))
		goto out_free;
	for (uint64_t i = 0; i < np; i++) {
		struct schema *c = dec_node(in, depth + 1, budget);
		if (c == NULL)
			goto out_free;
		if (prop_find(&s->props, c->name, c->name_len, c->hash) ||
		    prop_add(&s->props, c) != 0) {
			schema_free(c);
			goto out_free;
		}
		s->below += 1 + c->below;
	}
	uint8_t has_items = rbuf_u8(in);
	if (in->bad || has_items > 1 || (has_items && depth == MAX_DEPTH))
		goto out_free;
	if (has_items) {
		s->items = dec_node(in, depth + 1, budget);
		if (s->items == NULL)
			goto out_free;
		s->below += 1 + s->items->below;
	}
	return s;
out_free:
	schema_free(s);
	return NULL;
}

struct schema *
schema_decode(struct rbuf *in)
{
	if (rbuf_u8(in) != SCHEMA_FORMAT || in->bad) {
		in->bad = true;
		return NULL;
	}
	uint32_t budget = DECODE_MAX_NODES;
	struct schema *s = dec_node(in, 0, &budget);
	if (s == NULL)
		in->bad = true;
	return s;
}
