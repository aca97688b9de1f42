/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path templating: one tree of path segments per site, whose variable
 * segments become parameters, so /users/42 and /users/7 are one endpoint
 * /users/{userId}.
 *
 * Every node has literal children, keyed by their (percent-decoded)
 * segment, and at most one parameter child. Routing a path:
 *
 *  - splits it on '/', ignores empty segments ("//", a trailing '/'),
 *    keeps "." and ".." as words, percent-decodes each segment into a
 *    stack buffer (a segment longer than SEG_MAX decoded bytes is TEXT);
 *    the root is the leaf of "/". Paths of more than DEPTH_MAX segments
 *    are refused (NULL, counted in nodes_capped), not folded;
 *  - sends every segment whose class (classify.c) is not WORD to the
 *    parameter child, adding the class to its seg_mask;
 *  - makes WORD segments literal children, except that beside a parameter
 *    made by merging words (from_words) a word that is not literal-like
 *    (classify_literal_like(): versions, vocabulary words and compounds
 *    starting with one) goes to the parameter.
 *
 * Merging words. Each node keeps a table of the non-literal-like words seen
 * as its children (at most VAL_CAP, growing by doubling from 4), with their
 * hits and up to VAL_CLIENTS distinct clients. Words beyond a full table are
 * not tracked and mark the node "overflowed": each new literal child made
 * for one counts in values_capped and as an untracked rare value. At a
 * merged node whose table is full, a new word takes the place of a rare
 * value instead (val_replace()), so the table follows recent traffic.
 *
 * A value is rare with at most RARE_HITS hits and popular with POP_CLIENTS
 * distinct clients or POP_HITS hits. A node merges its words when its rare
 * values (untracked ones included) are at least MERGE_RARE << flips and at
 * least half of its values: every literal child that is not literal-like
 * moves, with its whole subtree, into the parameter child (created if
 * needed; refused, and counted, when the tree is full). Subtrees that
 * meet merge recursively; the endpoint slots that meet call
 * hooks.move(dst, src) and keep what it returns, the others call
 * hooks.move(NULL, src) so the catalog can re-key them. The value tables
 * of merged nodes are merged too, and the parameter's subtree is revisited
 * top-down, so plain-word ids nested under each other
 * (/repos/octocat/hello-world) merge at every level.
 *
 * Sub-paths. Each value of a merged node remembers (struct tev, at most
 * EV_MAX) the sub-paths below the parameter it led to, with the methods
 * called there: those of its literal subtree when it merged, and those its
 * traffic reaches after. Busy ids lead on to the same next steps (every
 * owner to its repositories, every user to /repos and /followers), where
 * sub-resources and actions each lead somewhere of their own; that is how
 * a busy id is told from a literal (values_alike(), ev_next()).
 *
 * Un-merging. A merged node that holds at least SPLIT_VALS << flips
 * values, at most a quarter of them rare, whose values are not alike or
 * are a small closed set (values_closed()), undoes the merge: hooks.drop
 * for every endpoint under the parameter, which is freed; every tracked
 * value comes back as a literal child, with its sub-paths rebuilt below it
 * and hooks.add for the endpoints at their ends. Sub-paths remembered above that went through the parameter are
 * forgotten (ev_forget()). flips (at most FLIPS_MAX) counts the splits of
 * a node; it doubles the evidence both decisions need, so a node does not
 * flap.
 *
 * Promotion. A value of a merged node that is popular by both measures
 * where two thirds of the values are rare, and that does not lead on where
 * another value does, becomes a literal beside the parameter (TN_PROMOTED):
 * an action or collection beside ids (/images/prune). It takes its
 * sub-paths' endpoints with it; those below the parameter that only it led
 * to go (ev_prune()).
 *
 * Versions. A bare number (2, 1.0) is routed as a word, and stays a
 * literal, at the root or after "api" or "rest" (base_number()).
 *
 * Decisions are taken when a node sees a new word value and when a tracked
 * value's hits reach RARE_HITS + 1, POP_HITS or a power of two from
 * ENUM_HITS on, or its clients reach POP_CLIENTS; nothing scans the tree
 * periodically.
 *
 * Parameter names come from the nearest literal segment above: users ->
 * userId, categories -> categoryId, api-keys -> apiKeyId; "id" when there
 * is none or it is a version; 2, 3 ... are appended when an earlier
 * parameter of the template has the name. They depend only on the
 * ancestors, so they are a function of the tree's shape.
 *
 * Literal children are found through one open-addressing hash table for
 * the whole tree, keyed by (parent, segment). Routing a known path does not
 * allocate: only new nodes and new tracked values do. Hooks are called
 * after the tree changed shape around the node they name; they must not
 * route, encode or change the tree.
 */
#include <errno.h>
#include <stdlib.h>

#include "api_priv.h"
#include "classify_priv.h"

#define DEPTH_MAX     32      /* segments of a routed path */
#define SEG_MAX       255     /* longest decoded segment kept as a literal */
#define VAL_CAP       32      /* word values tracked per node */
#define VAL_CLIENTS   4       /* distinct clients remembered per value */
#define RARE_HITS     2       /* a value with at most this many hits is rare */
#define POP_CLIENTS   3       /* a value seen by this many clients ... */
#define POP_HITS      8       /* ... or this many times is popular */
#define MERGE_RARE    3       /* rare values that make a merge (<< flips) */
#define BASE_RARE     48      /* ... at an API's base: /, /v1, /api/v2 */
#define BASE_DEPTH    4       /* literals down to an API's base at most */
#define UNDER_ID_RARE 6       /* ... under an id that is not a word: /tasks/{uuid} */
#define SPLIT_VALS    3       /* values that can undo a merge (<< flips): as many as make one */
#define FLIPS_MAX     3       /* splits remembered per node */
#define PNAME_CAP     48      /* a parameter name with its suffix and NUL */
#define EV_MAX        8       /* sub-paths remembered per value of a merged node */
#define EV_LEN        255     /* longest sub-path remembered, in encoded steps */
#define ENUM_VALS     VAL_CAP /* at most this many values ... */
#define ENUM_HITS     16      /* ... called this often on average (<< flips) are a closed set */
#define HASH_INIT     64      /* slots of a new tree's children table */
#define TMPL_MAGIC    'T'
#define TMPL_VERSION  2 /* 1: no sub-paths; still read */

#define WORD_BIT (1u << AR_SEG_WORD)
#define SEG_ALL  ((1u << AR_SEG_MAX) - 1)

/* Node flags; all but TN_LITLIKE are persisted. */
#define TN_PARAM      0x01 /* the parameter child of its parent */
#define TN_WORDS      0x02 /* a parameter made by merging words (from_words) */
#define TN_OVERFLOW   0x04 /* a word value was not tracked: the table was full */
#define TN_LITLIKE    0x08 /* a literal that stays beside a merged parameter */
#define TN_PROMOTED   0x10 /* ... because its traffic said so (persisted) */
#define ENC_HAS_PARAM 0x80 /* encoded flags only: a parameter child follows */

/*
 * A sub-path below a merged parameter that one of its values led to, with
 * the methods called at its end: what an un-merge gives the value back.
 * Steps, top-down: 'L', a length byte and a literal segment; or 'P', a
 * flags byte (1: made from words) and the parameter's seg_mask in 4 bytes
 * (little-endian). Empty: the parameter itself.
 */
struct tev {
	uint8_t *steps; /* owned */
	uint32_t hash;  /* of the steps */
	uint32_t hits;  /* routes that took it (saturating); 1 for those folded in */
	uint16_t len;
	uint16_t methods; /* bits of enum ar_api_method */
};

/* A word value seen as a child of a node. */
struct tval {
	uint64_t hash;
	char *name; /* owned, NUL-terminated */
	uint32_t len;
	uint32_t hits;                 /* saturating */
	uint32_t clients[VAL_CLIENTS]; /* distinct client hashes, never 0 */
	uint8_t n_clients;
	uint8_t n_ev;
	bool ev_capped; /* a sub-path was not remembered (counted once per value) */
	struct tev *ev; /* merged nodes: EV_MAX entries, allocated at the first */
};

_Static_assert(AR_API_METHOD_MAX <= 16, "tev.methods holds a bit per method");

struct tnode {
	struct tnode *parent;
	struct tnode *param;            /* the parameter child */
	struct tnode *kids, *kids_tail; /* literal children, first seen first */
	struct tnode *prev, *next;      /* siblings among the literal children */
	struct tval *vals;              /* word values of the children */
	void *ep[AR_API_METHOD_MAX];    /* endpoints, owned by the catalog */
	uint64_t id;                    /* unique in the tree, keys the children */
	uint64_t hash;                  /* of the segment (literals) */
	uint32_t seg_mask;              /* parameters: classes of the values */
	uint32_t untracked;             /* untracked new words since the last merge */
	uint32_t n_kids;
	uint16_t len;     /* of name */
	uint8_t flags;    /* TN_* */
	uint8_t flips;    /* splits of this node's merges */
	uint8_t n_vals;   /* entries of vals */
	uint8_t cap_vals; /* room in vals */
	uint8_t evict;    /* merged: where the next eviction search starts */
	uint8_t n_pfx;    /* parameters: entries of pfx */
	uint32_t pfx[4];  /* parameters: hashes of the ids' typed prefixes (se-, cus_) */
	int8_t vidx;      /* this literal's value in its parent's table, or -1 */
	char name[];      /* literal: the segment; parameter: its name */
};

struct tmpl {
	struct tmpl_hooks hooks;
	void *user;
	struct tnode *root;
	struct tnode **slots; /* literal children by (parent, segment) */
	uint32_t mask;        /* slots - 1 */
	uint32_t used;
	uint64_t seed;
	uint64_t next_id;
	uint32_t max_nodes;
	uint8_t version; /* of the bytes being decoded */
	struct tmpl_stats st;
};

static void absorb(struct tmpl *t, struct tnode *dst, struct tnode *src);

static inline bool
is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

static inline bool
is_alpha(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26;
}

static inline bool
merged(const struct tnode *n)
{
	return n->param != NULL && (n->param->flags & TN_WORDS);
}

/* ------------------------------------------------------------------ */
/* Hashing and the children table                                      */
/* ------------------------------------------------------------------ */

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t
str_hash(const struct tmpl *t, const char *s, size_t n)
{
	return mix64(api_fnv(API_FNV_INIT ^ t->seed, s, n));
}

static inline uint32_t
slot_of(const struct tmpl *t, const struct tnode *parent, uint64_t h)
{
	return (uint32_t)mix64(h ^ (parent->id * 0x9e3779b97f4a7c15ULL)) & t->mask;
}

static struct tnode *
kid_find(const struct tmpl *t, const struct tnode *p, const char *s, size_t n, uint64_t h)
{
	uint32_t i = slot_of(t, p, h);
	struct tnode *c;

	while ((c = t->slots[i]) != NULL) {
		if (c->hash == h && c->parent == p && c->len == n && memcmp(c->name, s, n) == 0)
			return c;
		i = (i + 1) & t->mask;
	}
	return NULL;
}

/* Inserts @c under its parent; the table has room (see hash_reserve). */
static void
hash_put(struct tmpl *t, struct tnode *c)
{
	uint32_t i = slot_of(t, c->parent, c->hash);

	while (t->slots[i] != NULL)
		i = (i + 1) & t->mask;
	t->slots[i] = c;
	t->used++;
}

/* Makes room for one more entry, keeping the load at most 1/2. */
static bool
hash_reserve(struct tmpl *t)
{
	uint32_t size = t->mask + 1, old = size;
	struct tnode **slots = t->slots;

	if ((t->used + 1) * 2 <= size)
		return true;
	if (size >= UINT32_MAX / 4)
		return false;
	size *= 2;
	t->slots = calloc(size, sizeof(*t->slots));
	if (t->slots == NULL) {
		t->slots = slots;
		return false;
	}
	t->mask = size - 1;
	t->used = 0;
	for (uint32_t i = 0; i < old; i++)
		if (slots[i] != NULL)
			hash_put(t, slots[i]);
	free(slots);
	return true;
}

/* Removes @c (under its current parent), shifting back the entries after it. */
static void
hash_del(struct tmpl *t, struct tnode *c)
{
	uint32_t i = slot_of(t, c->parent, c->hash), j;

	while (t->slots[i] != c)
		i = (i + 1) & t->mask;
	j = i;
	for (;;) {
		struct tnode *x;
		uint32_t k;

		t->slots[i] = NULL;
		for (;;) {
			j = (j + 1) & t->mask;
			x = t->slots[j];
			if (x == NULL) {
				t->used--;
				return;
			}
			k = slot_of(t, x->parent, x->hash);
			/* x stays unless its home slot is cyclically outside (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			t->slots[i] = x;
			i = j;
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */
/* ------------------------------------------------------------------ */

static struct tnode *
node_alloc(struct tmpl *t, size_t name_cap)
{
	struct tnode *n;

	if (t->st.nodes >= t->max_nodes) {
		t->st.nodes_capped++;
		return NULL;
	}
	n = calloc(1, sizeof(*n) + name_cap);
	if (n == NULL)
		return NULL;
	n->id = ++t->next_id;
	n->vidx = -1;
	t->st.nodes++;
	return n;
}

/* Forgets the sub-paths of @v. */
static void
ev_clear(struct tval *v)
{
	for (unsigned i = 0; i < v->n_ev; i++)
		free(v->ev[i].steps);
	free(v->ev);
	v->ev = NULL;
	v->n_ev = 0;
	v->ev_capped = false;
}

static void
node_free(struct tmpl *t, struct tnode *n)
{
	for (unsigned i = 0; i < n->n_vals; i++) {
		free(n->vals[i].name);
		ev_clear(&n->vals[i]);
	}
	free(n->vals);
	free(n);
	t->st.nodes--;
}

/* Appends the detached literal @c to @p's children. */
static void
attach_kid(struct tmpl *t, struct tnode *p, struct tnode *c)
{
	c->parent = p;
	c->next = NULL;
	c->prev = p->kids_tail;
	if (p->kids_tail != NULL)
		p->kids_tail->next = c;
	else
		p->kids = c;
	p->kids_tail = c;
	p->n_kids++;
	hash_put(t, c);
}

static void
unlink_kid(struct tmpl *t, struct tnode *p, struct tnode *c)
{
	hash_del(t, c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->kids = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		p->kids_tail = c->prev;
	c->prev = c->next = NULL;
	p->n_kids--;
}

static struct tnode *
kid_new(struct tmpl *t, struct tnode *p, const char *s, size_t n, uint64_t h, bool lit)
{
	struct tnode *c;

	if (!hash_reserve(t))
		return NULL;
	c = node_alloc(t, n + 1);
	if (c == NULL)
		return NULL;
	memcpy(c->name, s, n);
	c->name[n] = '\0';
	c->len = (uint16_t)n;
	c->hash = h;
	if (lit)
		c->flags |= TN_LITLIKE;
	attach_kid(t, p, c);
	return c;
}

/* ------------------------------------------------------------------ */
/* Parameter names                                                     */
/* ------------------------------------------------------------------ */

/* The singular of the plural @s: its stem length, and whether a 'y' follows. */
static size_t
singular(const char *s, size_t n, bool *y)
{
	*y = false;
	if (classify_ends_with(s, n, "ies")) { /* categories */
		*y = true;
		return n - 3;
	}
	if (classify_ends_with(s, n, "sses") || classify_ends_with(s, n, "shes") ||
	    classify_ends_with(s, n, "ches") || classify_ends_with(s, n, "xes") ||
	    classify_ends_with(s, n, "uses"))
		return n - 2; /* addresses, branches, boxes, statuses */
	if (classify_ends_with(s, n, "ss") || classify_ends_with(s, n, "us") ||
	    classify_ends_with(s, n, "is"))
		return n; /* address, status, analysis */
	if (classify_ends_with(s, n, "s"))
		return n - 1;
	return n;
}

/* The name a parameter takes after the literal @lit: users -> userId. */
static void
base_name(const struct tnode *lit, char *out, size_t cap)
{
	size_t n, o = 0;
	bool y, up = false;

	if (lit == NULL || classify_version(lit->name, lit->len))
		goto plain;
	n = singular(lit->name, lit->len, &y);
	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)lit->name[i];

		if (!is_digit(c) && !is_alpha(c)) {
			up = o > 0; /* api-keys: apiKey */
			continue;
		}
		if (o == 0 && is_alpha(c))
			c |= 0x20;
		else if (up && is_alpha(c))
			c &= (unsigned char)~0x20;
		up = false;
		out[o++] = (char)c;
	}
	if (y && o + 4 < cap)
		out[o++] = 'y';
	if (o == 0 || !is_alpha((unsigned char)out[0]))
		goto plain;
	memcpy(out + o, "Id", 3);
	return;
plain:
	memcpy(out, "id", 3);
}

static bool
name_taken(const struct tnode *q, const char *name)
{
	for (const struct tnode *a = q->parent; a != NULL; a = a->parent)
		if ((a->flags & TN_PARAM) && strcmp(a->name, name) == 0)
			return true;
	return false;
}

/* Names the parameter @q from its ancestors (which are named already). */
static void
pname_set(struct tnode *q)
{
	const struct tnode *lit = NULL;
	char base[PNAME_CAP - 12], name[PNAME_CAP];

	for (const struct tnode *a = q->parent; a != NULL && a->parent != NULL; a = a->parent) {
		if (!(a->flags & TN_PARAM)) {
			lit = a;
			break;
		}
	}
	base_name(lit, base, sizeof(base));
	memcpy(name, base, sizeof(base));
	for (unsigned k = 2; name_taken(q, name); k++)
		snprintf(name, sizeof(name), "%s%u", base, k);
	q->len = (uint16_t)strlen(name);
	memcpy(q->name, name, q->len + 1u);
}

static struct tnode *
param_new(struct tmpl *t, struct tnode *p)
{
	struct tnode *q = node_alloc(t, PNAME_CAP);

	if (q == NULL)
		return NULL;
	q->flags = TN_PARAM;
	q->parent = p;
	p->param = q;
	pname_set(q);
	return q;
}

/* ------------------------------------------------------------------ */
/* Value tables                                                        */
/* ------------------------------------------------------------------ */

static int
val_find(const struct tnode *p, const char *s, size_t n, uint64_t h)
{
	for (unsigned i = 0; i < p->n_vals; i++) {
		const struct tval *v = &p->vals[i];

		if (v->hash == h && v->len == n && memcmp(v->name, s, n) == 0)
			return (int)i;
	}
	return -1;
}

/* Room for one more value; false when the table is full (or memory is). */
static bool
val_reserve(struct tnode *p)
{
	struct tval *v;
	unsigned cap;

	if (p->n_vals < p->cap_vals)
		return true;
	if (p->n_vals >= VAL_CAP)
		return false;
	cap = p->cap_vals ? p->cap_vals * 2u : 4u;
	v = realloc(p->vals, cap * sizeof(*v));
	if (v == NULL)
		return false;
	p->vals = v;
	p->cap_vals = (uint8_t)cap;
	return true;
}

/* Tracks the new value @s at @p with no hits; its index, or -1 when full. */
static int
val_add(struct tnode *p, const char *s, size_t n, uint64_t h)
{
	struct tval *v;
	char *name;

	if (!val_reserve(p))
		return -1;
	name = malloc(n + 1);
	if (name == NULL)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	v = &p->vals[p->n_vals];
	*v = (struct tval){ .hash = h, .name = name, .len = (uint32_t)n };
	return p->n_vals++;
}

static bool
val_has_client(const struct tval *v, uint32_t c)
{
	for (unsigned i = 0; i < v->n_clients; i++)
		if (v->clients[i] == c)
			return true;
	return false;
}

/* Adds client @c (not 0); true when the value just reached POP_CLIENTS. */
static bool
val_add_client(struct tval *v, uint32_t c)
{
	if (v->n_clients >= VAL_CLIENTS || val_has_client(v, c))
		return false;
	v->clients[v->n_clients++] = c;
	return v->n_clients == POP_CLIENTS;
}

/* Counts one hit from @client; true when the value's standing may change. */
static bool
val_see(struct tval *v, uint64_t client)
{
	uint32_t c = (uint32_t)(client ^ (client >> 32));
	bool change = false;

	if (v->hits < UINT32_MAX) {
		v->hits++;
		/* ... and at ENUM_HITS << flips, for values_closed() */
		change = v->hits == RARE_HITS + 1 || v->hits == POP_HITS ||
			 (v->hits >= ENUM_HITS && (v->hits & (v->hits - 1)) == 0);
	}
	return val_add_client(v, c ? c : 1) || change;
}

/*
 * Tracks @s at the merged node @p, whose table is full, in the place of a
 * rare value: the first from the cursor on, so rare values leave in about
 * the order they came (promoted values, with POP_HITS hits or more, never
 * do). The victim's name buffer is reused, in place when @s fits in it.
 * Returns the index, or -1 when no value is rare (or memory is short).
 */
static int
val_replace(struct tnode *p, const char *s, size_t n, uint64_t h)
{
	for (unsigned k = 0; k < p->n_vals; k++) {
		unsigned i = (p->evict + k) % p->n_vals;
		struct tval *v = &p->vals[i];
		char *name;

		if (v->hits > RARE_HITS)
			continue;
		name = realloc(v->name, n + 1);
		if (name == NULL)
			return -1;
		ev_clear(v);
		memcpy(name, s, n);
		name[n] = '\0';
		*v = (struct tval){ .hash = h, .name = name, .len = (uint32_t)n };
		p->evict = (uint8_t)((i + 1) % p->n_vals);
		return (int)i;
	}
	return -1;
}

/* Points the literal children of @n at their values. */
static void
relink(struct tmpl *t, struct tnode *n)
{
	for (struct tnode *c = n->kids; c != NULL; c = c->next)
		c->vidx = -1;
	for (unsigned i = 0; i < n->n_vals; i++) {
		const struct tval *v = &n->vals[i];
		struct tnode *c = kid_find(t, n, v->name, v->len, v->hash);

		if (c != NULL)
			c->vidx = (int8_t)i;
	}
}

/* ------------------------------------------------------------------ */
/* Sub-paths of the values of merged nodes                             */
/* ------------------------------------------------------------------ */

/*
 * A sub-path of @v is not remembered: the value is counted in values_capped
 * once, not every call that takes such a sub-path again.
 */
static void
ev_refused(struct tmpl *t, struct tval *v)
{
	if (!v->ev_capped) {
		v->ev_capped = true;
		t->st.values_capped++;
	}
}

/*
 * Remembers that @v led to the sub-path @steps (@n bytes) and to @methods
 * there. At most EV_MAX sub-paths per value, of at most EV_LEN bytes: a
 * value with others is counted in values_capped (ev_refused()), and an
 * un-merge does not give them back (traffic does).
 */
static void
ev_add(struct tmpl *t, struct tval *v, const uint8_t *steps, size_t n, unsigned methods,
       uint32_t hits)
{
	uint32_t h = (uint32_t)api_fnv(API_FNV_INIT, steps, n);
	struct tev *e;

	for (unsigned i = 0; i < v->n_ev; i++) {
		e = &v->ev[i];
		if (e->hash == h && e->len == n && memcmp(e->steps, steps, n) == 0) {
			e->methods |= (uint16_t)methods;
			e->hits = hits > UINT32_MAX - e->hits ? UINT32_MAX : e->hits + hits;
			return;
		}
	}
	if (v->n_ev >= EV_MAX || n > EV_LEN) {
		ev_refused(t, v);
		return;
	}
	if (v->ev == NULL && (v->ev = calloc(EV_MAX, sizeof(*v->ev))) == NULL)
		return;
	e = &v->ev[v->n_ev];
	e->steps = malloc(n ? n : 1);
	if (e->steps == NULL)
		return;
	memcpy(e->steps, steps, n);
	e->hash = h;
	e->hits = hits;
	e->len = (uint16_t)n;
	e->methods = (uint16_t)methods;
	v->n_ev++;
}

/* The seg_mask of the parameter step at @s ('P', flags, 4 bytes little-endian). */
static uint32_t
step_mask(const uint8_t *s)
{
	return (uint32_t)s[2] | (uint32_t)s[3] << 8 | (uint32_t)s[4] << 16 | (uint32_t)s[5] << 24;
}

/* Appends the step to @n to @buf at @len; the new length, or SIZE_MAX past EV_LEN. */
static size_t
ev_step(uint8_t *buf, size_t len, const struct tnode *n)
{
	if (n->flags & TN_PARAM) {
		if (len + 6 > EV_LEN)
			return SIZE_MAX;
		buf[len] = 'P';
		buf[len + 1] = (n->flags & TN_WORDS) ? 1 : 0;
		for (unsigned k = 0; k < 4; k++)
			buf[len + 2 + k] = (uint8_t)(n->seg_mask >> (8 * k));
		return len + 6;
	}
	if (len + 2 + n->len > EV_LEN)
		return SIZE_MAX;
	buf[len] = 'L';
	buf[len + 1] = (uint8_t)n->len;
	memcpy(buf + len + 2, n->name, n->len);
	return len + 2 + n->len;
}

static unsigned
ep_methods(const struct tnode *n)
{
	unsigned m = 0;

	for (unsigned i = 0; i < AR_API_METHOD_MAX; i++)
		if (n->ep[i] != NULL)
			m |= 1u << i;
	return m;
}

/* Remembers for @v every endpoint of @n's subtree, @n being @buf (@len bytes) below it. */
static void
ev_subtree(struct tmpl *t, struct tval *v, const struct tnode *n, uint8_t *buf, size_t len)
{
	unsigned m = ep_methods(n);
	size_t k;

	if (m != 0)
		ev_add(t, v, buf, len, m, 1);
	for (const struct tnode *c = n->kids; c != NULL; c = c->next)
		if ((k = ev_step(buf, len, c)) != SIZE_MAX)
			ev_subtree(t, v, c, buf, k);
		else
			ev_refused(t, v);
	if (n->param != NULL) {
		if ((k = ev_step(buf, len, n->param)) != SIZE_MAX)
			ev_subtree(t, v, n->param, buf, k);
		else
			ev_refused(t, v);
	}
}

/* The literal @c of @p is about to move into @p's parameter: its value keeps its endpoints. */
static void
ev_keep(struct tmpl *t, struct tnode *p, const struct tnode *c)
{
	int i = val_find(p, c->name, c->len, c->hash);
	uint8_t buf[EV_LEN];

	if (i >= 0)
		ev_subtree(t, &p->vals[i], c, buf, 0);
}

/* Adds the values of @src to those of @dst, taking their names. */
static void
vals_merge(struct tmpl *t, struct tnode *dst, struct tnode *src)
{
	for (unsigned i = 0; i < src->n_vals; i++) {
		struct tval *v = &src->vals[i];
		int j = val_find(dst, v->name, v->len, v->hash);

		if (j >= 0) {
			struct tval *w = &dst->vals[j];

			w->hits = v->hits > UINT32_MAX - w->hits ? UINT32_MAX : w->hits + v->hits;
			for (unsigned k = 0; k < v->n_clients; k++)
				val_add_client(w, v->clients[k]);
			for (unsigned k = 0; k < v->n_ev; k++)
				ev_add(t, w, v->ev[k].steps, v->ev[k].len, v->ev[k].methods,
				       v->ev[k].hits);
		} else if (val_reserve(dst)) {
			dst->vals[dst->n_vals++] = *v;
			v->name = NULL;
			v->ev = NULL;
			v->n_ev = 0;
		} else {
			dst->flags |= TN_OVERFLOW;
			t->st.values_capped++;
		}
	}
	dst->untracked = src->untracked > UINT32_MAX - dst->untracked ?
				 UINT32_MAX :
				 dst->untracked + src->untracked;
	dst->flags |= src->flags & TN_OVERFLOW;
	if (src->flips > dst->flips)
		dst->flips = src->flips;
}

/* ------------------------------------------------------------------ */
/* Merging and un-merging                                              */
/* ------------------------------------------------------------------ */

static void *
do_move(struct tmpl *t, void *dst, void *src, struct tnode *to, unsigned m)
{
	if (t->hooks.move != NULL)
		return t->hooks.move(t->user, dst, src, to, m);
	return dst != NULL ? dst : src;
}

/*
 * @n's subtree has a new place: renames its parameters and lets the
 * catalog re-key its endpoints, top-down so every template is final.
 */
static void
rekey(struct tmpl *t, struct tnode *n)
{
	if (n->flags & TN_PARAM)
		pname_set(n);
	for (unsigned m = 0; m < AR_API_METHOD_MAX; m++)
		if (n->ep[m] != NULL)
			n->ep[m] = do_move(t, NULL, n->ep[m], n, m);
	for (struct tnode *c = n->kids; c != NULL; c = c->next)
		rekey(t, c);
	if (n->param != NULL)
		rekey(t, n->param);
}

/* Moves @p's literal children that are not literal-like into its parameter. */
static void
fold_kids(struct tmpl *t, struct tnode *p)
{
	struct tnode *c, *next;

	for (c = p->kids; c != NULL; c = next) {
		next = c->next;
		if (c->flags & TN_LITLIKE)
			continue;
		ev_keep(t, p, c);
		unlink_kid(t, p, c);
		absorb(t, p->param, c);
	}
}

/*
 * Merges the detached node @src (and its subtree) into @dst, which is in
 * the tree, then frees @src.
 */
static void
absorb(struct tmpl *t, struct tnode *dst, struct tnode *src)
{
	struct tnode *c, *d;

	while ((c = src->kids) != NULL) {
		unlink_kid(t, src, c);
		d = kid_find(t, dst, c->name, c->len, c->hash);
		if (d != NULL) {
			absorb(t, d, c);
		} else if (!(c->flags & TN_LITLIKE) && merged(dst)) {
			/* its value is dst's, or src's until vals_merge() below */
			ev_keep(t, val_find(dst, c->name, c->len, c->hash) >= 0 ? dst : src, c);
			absorb(t, dst->param, c);
		} else {
			attach_kid(t, dst, c);
			rekey(t, c);
		}
	}
	c = src->param;
	if (c != NULL) {
		src->param = NULL;
		if (dst->param != NULL) {
			dst->param->seg_mask |= c->seg_mask;
			dst->param->flags |= c->flags & TN_WORDS;
			absorb(t, dst->param, c);
		} else {
			dst->param = c;
			c->parent = dst;
			rekey(t, c);
		}
	}
	vals_merge(t, dst, src);
	for (unsigned m = 0; m < AR_API_METHOD_MAX; m++) {
		void *ep = src->ep[m];

		if (ep != NULL) {
			src->ep[m] = NULL;
			dst->ep[m] = do_move(t, dst->ep[m], ep, dst, m);
		}
	}
	if (merged(dst))
		fold_kids(t, dst);
	relink(t, dst);
	node_free(t, src);
}

/*
 * Whether @p is an API's base: the root, or a version or "api", "apis",
 * "rest" (or a bare version number) at most BASE_DEPTH literals below it
 * (/v1, /api, /api/v2, /rest/1.0, /jira/rest/api/2, /apis/apps/v1). Its
 * words are the API's collections far more often than ids, and all of them
 * are rare when traffic starts, so merging them takes more evidence there.
 */
static bool
api_base(const struct tnode *p)
{
	unsigned depth = 0;

	if (p->parent == NULL)
		return true;
	if ((p->flags & TN_PARAM) ||
	    !(classify_base_word(p->name, p->len) || (p->len <= 2 && is_digit(p->name[0]))))
		return false;
	for (; p->parent != NULL; p = p->parent)
		if (++depth > BASE_DEPTH || (p->flags & TN_PARAM))
			return false;
	return true;
}

/* 1 to 99, or a major.minor (1.0, 10.2): what base_number() takes for a version. */
static bool
bare_version(const char *s, size_t n)
{
	if (n >= 1 && n <= 2 && s[0] >= '1' && s[0] <= '9' && (n == 1 || is_digit(s[1])))
		return true;
	return memchr(s, '.', n) != NULL && classify_version(s, n);
}

/*
 * Whether @s, a child of @p, is a version spelt as a bare number (1 to 99,
 * or a major.minor: 1.0, 10.2) at the root or after a base word that is
 * not a version, "api" or "rest" (/1/boards, /2.0/repositories,
 * /jira/rest/api/2/issue), where ids do not go. After a version (/v1/42)
 * or elsewhere (/likes/20.4) it is an id. Where the base word stands does
 * not matter, so a version literal that a merge moved below a parameter
 * (/svc/{svcId}/api/1) still takes its traffic.
 */
static bool
base_number(const struct tnode *p, const char *s, size_t n)
{
	if (!bare_version(s, n))
		return false;
	return p->parent == NULL ||
	       (!(p->flags & TN_PARAM) && classify_base_word(p->name, p->len) &&
		!classify_version(p->name, p->len));
}

/* Whether the value @v of @p has a literal child that traffic promoted. */
static bool
val_promoted(const struct tmpl *t, const struct tnode *p, const struct tval *v)
{
	const struct tnode *c = kid_find(t, p, v->name, v->len, v->hash);

	return c != NULL && (c->flags & TN_PROMOTED);
}

static bool
should_merge(const struct tmpl *t, const struct tnode *p)
{
	uint64_t rare = p->untracked, all = p->untracked;
	/*
	 * Under an id that is not a word (/tasks/{uuid}/subtasks), words are
	 * sub-resources and actions far more often than ids too.
	 */
	uint64_t need = api_base(p)                                        ? BASE_RARE :
			(p->flags & TN_PARAM) && !(p->seg_mask & WORD_BIT) ? UNDER_ID_RARE :
									     MERGE_RARE;

	need <<= p->flips;

	if (merged(p))
		return false;
	for (unsigned i = 0; i < p->n_vals; i++) {
		if (val_promoted(t, p, &p->vals[i]))
			continue; /* a literal by its traffic */
		all++;
		rare += p->vals[i].hits <= RARE_HITS;
	}
	return rare >= need && rare * 2 >= all;
}

/* The next steps of a value's sub-paths, for comparing values. */
struct tnext {
	uint32_t h[EV_MAX]; /* never 0 */
	unsigned n;
	bool goes_on; /* some sub-path does not end at the parameter */
};

/*
 * The next step of the sub-path @e below the parameter @q, as the tree is
 * now (a literal that has merged since is @q's parameter): its hash,
 * never 0; or 0 when the step does not make values alike. Ids that are not
 * words, which collections have of their own (/hooks/{hookId}), and word
 * ids where the sub-path ends (/teams/{teamSlug}) do not; word ids that
 * lead on (/repos/{owner}/{repo}/issues) do.
 */
static uint32_t
ev_next(const struct tmpl *t, const struct tnode *q, const struct tev *e)
{
	static const uint8_t words[2] = { 'P', 1 };
	const uint8_t *s = e->steps;
	size_t n;
	uint32_t h;

	if (e->len == 0)
		return 0;
	if (s[0] == 'P') {
		if (!s[1] || e->len == 6)
			return 0;
		n = 2;
	} else {
		const char *w = (const char *)s + 2;

		n = 2u + s[1];
		if (merged(q) && kid_find(t, q, w, s[1], str_hash(t, w, s[1])) == NULL &&
		    !classify_literal_like(w, s[1])) {
			if (e->len == n)
				return 0;
			s = words;
			n = 2;
		}
	}
	h = (uint32_t)api_fnv(API_FNV_INIT, s, n);
	return h ? h : 1;
}

/* The next steps of @v, a value of @p. */
static void
next_steps(const struct tmpl *t, const struct tnode *p, const struct tval *v, struct tnext *x)
{
	x->n = 0;
	x->goes_on = false;
	for (unsigned i = 0; i < v->n_ev; i++) {
		uint32_t h = ev_next(t, p->param, &v->ev[i]);

		x->goes_on |= v->ev[i].len != 0;
		if (h != 0)
			x->h[x->n++] = h;
	}
}

/* Whether two values lead on to a common next step. */
static bool
steps_meet(const struct tnext *a, const struct tnext *b)
{
	for (unsigned i = 0; i < a->n; i++)
		for (unsigned k = 0; k < b->n; k++)
			if (a->h[i] == b->h[k])
				return true;
	return false;
}

#define ALIKE_MAX 24 /* values compared by values_alike() */

/*
 * Whether the values of the merged node @p that are not rare lead on to
 * the same next steps, as ids do (each owner to its repositories, each
 * user to /repos and /followers), where sub-resources each lead somewhere
 * of their own (/actions/secrets, /hooks/{hookId}): at least half of the
 * pairs of them that lead on at all share a next step. Values that only
 * end there (/metrics/cpu, /metrics/memory) say nothing. At most
 * ALIKE_MAX values are compared.
 */
static bool
values_alike(const struct tmpl *t, const struct tnode *p)
{
	struct tnext x[ALIKE_MAX];
	unsigned n = 0, pairs = 0, meet = 0;

	for (unsigned i = 0; i < p->n_vals && n < ALIKE_MAX; i++) {
		if (p->vals[i].hits <= RARE_HITS)
			continue;
		next_steps(t, p, &p->vals[i], &x[n]);
		n += x[n].goes_on;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = i + 1; k < n; k++) {
			pairs++;
			meet += steps_meet(&x[i], &x[k]);
		}
	return pairs >= 3 && meet * 2 >= pairs;
}

/*
 * Whether the values of the merged node @p are a small closed set: at most
 * ENUM_VALS, every one tracked and popular, called ENUM_HITS << flips
 * times each on average. Ids keep coming (new users, new repositories), so
 * they fill the table long before they are called that often; a handful of
 * values that take all the traffic are literals (/databases/mysql,
 * /databases/postgresql), even where each leads where the others do.
 */
static bool
values_closed(const struct tnode *p)
{
	uint64_t hits = 0;

	if (p->n_vals > ENUM_VALS || (p->flags & TN_OVERFLOW))
		return false;
	for (unsigned i = 0; i < p->n_vals; i++) {
		const struct tval *v = &p->vals[i];

		if (v->hits < POP_HITS && v->n_clients < POP_CLIENTS)
			return false;
		hits += v->hits;
	}
	return hits >= ((uint64_t)ENUM_HITS << p->flips) * p->n_vals;
}

/*
 * Whether the merge of @p is undone: at least SPLIT_VALS << flips values,
 * at most a quarter of them rare, that do not look like ids
 * (values_alike()) or are a small closed set (values_closed()). A merged
 * node whose table is full keeps its recent values (val_replace()), so its
 * table is a fair sample of its traffic.
 */
static bool
should_split(const struct tmpl *t, const struct tnode *p)
{
	unsigned rare = 0;

	if (!merged(p) || p->n_vals < (SPLIT_VALS << p->flips))
		return false;
	for (unsigned i = 0; i < p->n_vals; i++)
		rare += p->vals[i].hits <= RARE_HITS;
	return rare * 4 <= p->n_vals && (values_closed(p) || !values_alike(t, p));
}

/*
 * A value of the merged node @p that is a literal after all: popular by
 * both measures (POP_HITS hits from POP_CLIENTS clients) where at least
 * two thirds of the values are rare, as a collection or an action beside
 * ids is (/images/prune beside /images/{imageId}).
 */
static bool
should_promote(const struct tmpl *t, const struct tnode *p, const struct tval *v)
{
	struct tnext mine, other;
	unsigned rare = 0;

	if (v->hits < POP_HITS || v->n_clients < POP_CLIENTS)
		return false;
	for (unsigned i = 0; i < p->n_vals; i++)
		rare += p->vals[i].hits <= RARE_HITS;
	if (rare * 3 < p->n_vals * 2u)
		return false;
	/* a busy id leads on where the other ids do */
	next_steps(t, p, v, &mine);
	if (mine.n == 0)
		return true;
	for (unsigned i = 0; i < p->n_vals; i++) {
		if (&p->vals[i] == v)
			continue;
		next_steps(t, p, &p->vals[i], &other);
		if (steps_meet(&mine, &other))
			return false;
	}
	return true;
}

static void revisit(struct tmpl *t, struct tnode *n);

/*
 * Rebuilds the sub-path @e below @c as routing would have made it; its
 * end, or NULL when the tree is full.
 */
static struct tnode *
ev_replay(struct tmpl *t, struct tnode *c, const struct tev *e)
{
	size_t o = 0;

	while (c != NULL && o < e->len) {
		if (e->steps[o] == 'P') {
			struct tnode *q = c->param;

			if (q == NULL && (q = param_new(t, c)) == NULL)
				return NULL;
			q->seg_mask |= step_mask(e->steps + o);
			if (e->steps[o + 1] && !(q->flags & TN_WORDS)) {
				q->flags |= TN_WORDS;
				fold_kids(t, c);
			}
			c = q;
			o += 6;
		} else {
			const char *s = (const char *)e->steps + o + 2;
			size_t n = e->steps[o + 1];
			uint64_t h = str_hash(t, s, n);
			struct tnode *k = kid_find(t, c, s, n, h);
			bool lit = classify_literal_like(s, n);

			if (k == NULL && !lit && merged(c)) {
				k = c->param;
			} else if (k == NULL && (k = kid_new(t, c, s, n, h, lit)) != NULL && !lit) {
				int i = val_find(c, s, n, h);

				if (i < 0)
					i = val_add(c, s, n, h);
				k->vidx = (int8_t)i;
			}
			/* as many hits as the traffic that took the sub-path */
			if (k != NULL && k->vidx >= 0) {
				struct tval *w = &c->vals[k->vidx];

				w->hits = e->hits > UINT32_MAX - w->hits ? UINT32_MAX :
									   w->hits + e->hits;
			}
			c = k;
			o += 2 + n;
		}
	}
	return c;
}

/* Gives the literal @c back the endpoints its value @v led to under the parameter. */
static void
ev_restore(struct tmpl *t, struct tnode *c, const struct tval *v)
{
	for (unsigned i = 0; i < v->n_ev; i++) {
		const struct tev *e = &v->ev[i];
		struct tnode *end = ev_replay(t, c, e);

		if (end == NULL)
			return; /* the tree is full: traffic brings them back */
		for (unsigned m = 0; m < AR_API_METHOD_MAX; m++)
			if ((e->methods & (1u << m)) && end->ep[m] == NULL && t->hooks.add != NULL)
				end->ep[m] = t->hooks.add(t->user, end, m);
	}
	/* the rebuilt words merge as the traffic that made them did */
	revisit(t, c);
}

/* The end of the sub-path @e below @c as it is now, or NULL. */
static struct tnode *
ev_find(const struct tmpl *t, struct tnode *c, const struct tev *e)
{
	size_t o = 0;

	while (c != NULL && o < e->len) {
		if (e->steps[o] == 'P') {
			c = c->param;
			o += 6;
		} else {
			const char *s = (const char *)e->steps + o + 2;
			size_t n = e->steps[o + 1];
			struct tnode *k = kid_find(t, c, s, n, str_hash(t, s, n));

			if (k == NULL && merged(c) && !classify_literal_like(s, n))
				k = c->param;
			c = k;
			o += 2 + n;
		}
	}
	return c;
}

/* Whether a value of @p other than @v led to the sub-path @e with method @m. */
static bool
ev_shared(const struct tnode *p, const struct tval *v, const struct tev *e, unsigned m)
{
	for (unsigned i = 0; i < p->n_vals; i++) {
		const struct tval *u = &p->vals[i];

		if (u == v)
			continue;
		for (unsigned k = 0; k < u->n_ev; k++) {
			const struct tev *f = &u->ev[k];

			if (f->hash == e->hash && f->len == e->len && (f->methods & (1u << m)) &&
			    memcmp(f->steps, e->steps, e->len) == 0)
				return true;
		}
	}
	return false;
}

/*
 * @v of the merged node @p is promoted: the endpoints below the parameter
 * that it alone led to (of the values tracked) were its own, and go
 * (hooks.drop); they are the literal's now.
 */
static void
ev_prune(struct tmpl *t, struct tnode *p, const struct tval *v)
{
	for (unsigned i = 0; i < v->n_ev; i++) {
		const struct tev *e = &v->ev[i];
		struct tnode *end = ev_find(t, p->param, e);

		if (end == NULL)
			continue;
		for (unsigned m = 0; m < AR_API_METHOD_MAX; m++) {
			if (!(e->methods & (1u << m)) || end->ep[m] == NULL ||
			    ev_shared(p, v, e, m))
				continue;
			if (t->hooks.drop != NULL)
				t->hooks.drop(t->user, end->ep[m]);
			end->ep[m] = NULL;
		}
	}
}

/* Makes the promotable values of the merged node @p literals beside its parameter. */
static void
promote_values(struct tmpl *t, struct tnode *p)
{
	for (unsigned i = 0; i < p->n_vals; i++) {
		const struct tval *v = &p->vals[i];
		struct tnode *c;

		if (!should_promote(t, p, v) || kid_find(t, p, v->name, v->len, v->hash) != NULL)
			continue;
		c = kid_new(t, p, v->name, v->len, v->hash, true);
		if (c == NULL)
			return; /* the tree is full */
		c->flags |= TN_PROMOTED;
		c->vidx = (int8_t)i;
		t->st.promotions++;
		ev_restore(t, c, v);
		ev_prune(t, p, v);
		ev_clear(&p->vals[i]);
	}
}

/* Makes @p's words one parameter; false when the parameter cannot be made. */
static bool
merge_words(struct tmpl *t, struct tnode *p)
{
	struct tnode *q = p->param;

	if (q == NULL && (q = param_new(t, p)) == NULL)
		return false;
	q->flags |= TN_WORDS;
	q->seg_mask |= WORD_BIT;
	p->untracked = 0;
	t->st.merges++;
	fold_kids(t, p);
	return true;
}

/* Takes the merges that @n's subtree now calls for, top-down. */
static void
revisit(struct tmpl *t, struct tnode *n)
{
	if (should_merge(t, n))
		merge_words(t, n);
	for (struct tnode *c = n->kids; c != NULL; c = c->next)
		revisit(t, c);
	if (n->param != NULL)
		revisit(t, n->param);
}

/* Frees the detached subtree @n, dropping its endpoints. */
static void
drop_subtree(struct tmpl *t, struct tnode *n)
{
	struct tnode *c;

	while ((c = n->kids) != NULL) {
		unlink_kid(t, n, c);
		drop_subtree(t, c);
	}
	if (n->param != NULL)
		drop_subtree(t, n->param);
	for (unsigned m = 0; m < AR_API_METHOD_MAX; m++)
		if (n->ep[m] != NULL && t->hooks.drop != NULL)
			t->hooks.drop(t->user, n->ep[m]);
	node_free(t, n);
}

/* Whether the steps @e start with @pre (@n bytes), parameters matched by kind. */
static bool
ev_starts(const struct tev *e, const uint8_t *pre, size_t n)
{
	size_t o = 0;

	while (o < n) {
		size_t k = pre[o] == 'P' ? 6u : 2u + pre[o + 1];

		if (o + k > e->len || e->steps[o] != pre[o] || e->steps[o + 1] != pre[o + 1] ||
		    (pre[o] == 'L' && memcmp(e->steps + o + 2, pre + o + 2, k - 2) != 0))
			return false;
		o += k;
	}
	return true;
}

/*
 * The merge of @p's words is undone: the sub-paths that merged nodes above
 * (or @p itself, when it is one) remember through @p's parameter lead
 * nowhere now. They are forgotten; the values' sub-paths through the
 * literals come back with traffic.
 */
static void
ev_forget(const struct tnode *p)
{
	const struct tnode *chain[DEPTH_MAX + 1];
	unsigned k = 0;

	for (const struct tnode *x = p; x != NULL && x->parent != NULL && k <= DEPTH_MAX;
	     x = x->parent) {
		uint8_t pre[EV_LEN];
		size_t n = 0;

		chain[k++] = x;
		if ((x->flags & (TN_PARAM | TN_WORDS)) != (TN_PARAM | TN_WORDS))
			continue;
		/* the steps from below x down to p */
		for (unsigned j = k - 1; j-- > 0 && n != SIZE_MAX;)
			n = ev_step(pre, n, chain[j]);
		if (n == SIZE_MAX)
			continue;
		for (unsigned i = 0; i < x->parent->n_vals; i++) {
			struct tval *v = &x->parent->vals[i];

			for (unsigned e = 0; e < v->n_ev;) {
				struct tev *ev = &v->ev[e];

				if (ev->len > n && ev->steps[n] == 'P' && ev->steps[n + 1] &&
				    ev_starts(ev, pre, n)) {
					free(ev->steps);
					*ev = v->ev[--v->n_ev];
				} else {
					e++;
				}
			}
		}
	}
}

/*
 * Undoes the merge of @p's words: each tracked value is a literal again,
 * with the endpoints it led to (its sub-paths), under which traffic goes
 * on learning.
 */
static void
split_words(struct tmpl *t, struct tnode *p)
{
	struct tnode *q = p->param;

	p->param = NULL;
	drop_subtree(t, q);
	for (unsigned i = 0; i < p->n_vals; i++) {
		const struct tval *v = &p->vals[i];

		if (kid_find(t, p, v->name, v->len, v->hash) == NULL &&
		    kid_new(t, p, v->name, v->len, v->hash, false) == NULL)
			break; /* the tree is full: traffic brings them back */
	}
	relink(t, p);
	for (unsigned i = 0; i < p->n_vals; i++) {
		struct tval *v = &p->vals[i];
		struct tnode *c = kid_find(t, p, v->name, v->len, v->hash);

		if (c != NULL)
			ev_restore(t, c, v);
		ev_clear(v);
	}
	ev_forget(p);
	if (p->flips < FLIPS_MAX)
		p->flips++;
	t->st.splits++;
}

static void
decide(struct tmpl *t, struct tnode *p)
{
	if (should_merge(t, p)) {
		if (merge_words(t, p))
			revisit(t, p->param);
	} else if (should_split(t, p)) {
		split_words(t, p);
	} else if (merged(p)) {
		promote_values(t, p);
	}
}

/* ------------------------------------------------------------------ */
/* Routing                                                             */
/* ------------------------------------------------------------------ */

/* The hash (never 0) of @s's typed prefix (classify_prefix_len()); 0 when none. */
static uint32_t
typed_prefix(const char *s, size_t n)
{
	size_t k = classify_prefix_len(s, n);
	uint32_t h;

	if (k == 0)
		return 0;
	h = (uint32_t)api_fnv(API_FNV_INIT, s, k);
	return h ? h : 1;
}

static bool
param_has_prefix(const struct tnode *q, uint32_t h)
{
	for (unsigned i = 0; i < q->n_pfx; i++)
		if (q->pfx[i] == h)
			return true;
	return false;
}

/*
 * The word @s under @p: tracks it, takes the decisions it calls for. When
 * it goes to @p's merged parameter, *@vi is its index in @p's table (-1:
 * not tracked), for ev_note(); otherwise -1.
 */
static struct tnode *
route_word(struct tmpl *t, struct tnode *p, const char *s, size_t n, uint64_t client, int8_t *vi)
{
	uint64_t h = str_hash(t, s, n);
	struct tnode *c = kid_find(t, p, s, n, h);
	bool lit = false, change = false;
	int i = -1;

	*vi = -1;
	if (c != NULL) {
		i = c->vidx;
		if (i >= 0)
			change = val_see(&p->vals[i], client);
		if (!change)
			return c;
	} else {
		i = val_find(p, s, n, h);
		if (i >= 0) {
			change = val_see(&p->vals[i], client);
		} else if (!(lit = classify_literal_like(s, n)) && p->param != NULL &&
			   p->param->n_pfx && !merged(p) &&
			   param_has_prefix(p->param, typed_prefix(s, n))) {
			/* se-h-zr beside ids such as se-4b-f-p9 */
			p->param->seg_mask |= WORD_BIT;
			return p->param;
		} else if (!lit) {
			i = val_add(p, s, n, h);
			if (i >= 0) {
				val_see(&p->vals[i], client);
				change = true;
			} else if (!merged(p)) {
				/* a new literal child will not be tracked */
				t->st.values_capped++;
				p->flags |= TN_OVERFLOW;
				if (p->untracked < UINT32_MAX)
					p->untracked++;
				change = true;
			} else {
				/*
				 * Merged: the value takes a rare one's place, so
				 * that the table follows recent traffic and a
				 * literal seen late can still be promoted.
				 */
				t->st.values_capped++;
				p->flags |= TN_OVERFLOW;
				i = val_replace(p, s, n, h);
				if (i >= 0) {
					val_see(&p->vals[i], client);
					change = true;
				}
			}
		}
	}
	if (change) {
		decide(t, p);
		c = kid_find(t, p, s, n, h);
		if (c != NULL)
			return c;
	}
	if (!lit && merged(p)) {
		/* decisions keep the table's order: i is still the value's place */
		*vi = (int8_t)i;
		p->param->seg_mask |= WORD_BIT;
		return p->param;
	}
	c = kid_new(t, p, s, n, h, lit);
	if (c != NULL && !lit)
		c->vidx = (int8_t)val_find(p, s, n, h);
	return c;
}

static struct tnode *
route_param(struct tmpl *t, struct tnode *p, enum ar_api_seg cls, const char *s, size_t n)
{
	struct tnode *q = p->param;
	uint32_t h = typed_prefix(s, n);

	if (q == NULL && (q = param_new(t, p)) == NULL)
		return NULL;
	q->seg_mask |= 1u << cls;
	/* the first prefixes of ids: words that share one are ids too */
	if (h != 0 && q->n_pfx < 4 && !param_has_prefix(q, h)) {
		struct tnode *c, *next;
		bool folded = false;

		q->pfx[q->n_pfx++] = h;
		/* ... including those seen before, literal until now */
		for (c = p->kids; c != NULL; c = next) {
			next = c->next;
			if ((c->flags & TN_LITLIKE) || typed_prefix(c->name, c->len) != h)
				continue;
			unlink_kid(t, p, c);
			absorb(t, q, c);
			folded = true;
		}
		if (folded) {
			q->seg_mask |= WORD_BIT;
			relink(t, p);
			t->st.merges++;
		}
	}
	return q;
}

/* Percent-decodes @s into @buf (SEG_MAX bytes); SEG_MAX + 1 when longer. */
static size_t
seg_decode(const char *s, size_t n, char *buf)
{
	size_t k = api_pct_decode(s, n, buf, SEG_MAX, false);
	return k == SIZE_MAX ? SEG_MAX + 1 : k;
}

static unsigned path_of(const struct tnode *n, const struct tnode **path);

/*
 * @leaf was reached with @method, its segment d (of @depth) being value
 * vi[d] of the merged node it went through (-1: none, or not tracked):
 * each such value remembers the sub-path below its parameter (ev_add()).
 * Routing further down changes neither the nodes above nor their tables'
 * order, so the indexes still hold.
 */
static void
ev_note(struct tmpl *t, const struct tnode *leaf, const int8_t *vi, unsigned depth, unsigned method)
{
	const struct tnode *nodes[DEPTH_MAX + 1];
	unsigned k = path_of(leaf, nodes);

	if (k != depth)
		return;
	for (unsigned d = 0; d < k; d++) {
		const struct tnode *x = nodes[k - 1 - d];
		struct tnode *p = x->parent;
		uint8_t buf[EV_LEN];
		size_t o = 0;

		if (vi[d] < 0 || !(x->flags & TN_WORDS) || vi[d] >= p->n_vals)
			continue;
		for (unsigned e = d + 1; e < k && o != SIZE_MAX; e++)
			o = ev_step(buf, o, nodes[k - 1 - e]);
		if (o == SIZE_MAX)
			ev_refused(t, &p->vals[vi[d]]);
		else
			ev_add(t, &p->vals[vi[d]], buf, o, 1u << method, 1);
	}
}

struct tnode *
tmpl_route(struct tmpl *t, const char *path, size_t n, unsigned method, uint64_t client,
	   uint64_t now_ns)
{
	struct tnode *node = t->root;
	int8_t vi[DEPTH_MAX];
	char seg[SEG_MAX];
	unsigned depth = 0;
	bool words = false;
	size_t i = 0;

	(void)now_ns; /* decisions follow traffic, not time */
	while (i < n) {
		enum ar_api_seg cls;
		size_t j = i, len;

		if (path[i] == '/') {
			i++;
			continue;
		}
		while (j < n && path[j] != '/')
			j++;
		if (++depth > DEPTH_MAX) {
			t->st.nodes_capped++;
			return NULL;
		}
		len = seg_decode(path + i, j - i, seg);
		cls = len > SEG_MAX ? AR_SEG_TEXT : ar_api_seg_classify(seg, len);
		if ((cls == AR_SEG_INTEGER || cls == AR_SEG_NUMBER) && base_number(node, seg, len))
			cls = AR_SEG_WORD;
		vi[depth - 1] = -1;
		if (cls == AR_SEG_WORD)
			node = route_word(t, node, seg, len, client, &vi[depth - 1]);
		else
			node = route_param(t, node, cls, seg, len);
		if (node == NULL)
			return NULL;
		words |= vi[depth - 1] >= 0;
		i = j;
	}
	if (words && method < AR_API_METHOD_MAX)
		ev_note(t, node, vi, depth, method);
	return node;
}

/* ------------------------------------------------------------------ */
/* Views                                                               */
/* ------------------------------------------------------------------ */

void **
tnode_endpoint(struct tnode *n, unsigned method)
{
	return method < AR_API_METHOD_MAX ? &n->ep[method] : NULL;
}

/* The nodes from @n up to the root's child, deepest first; how many. */
static unsigned
path_of(const struct tnode *n, const struct tnode **path)
{
	unsigned k = 0;

	for (; n != NULL && n->parent != NULL && k <= DEPTH_MAX; n = n->parent)
		path[k++] = n;
	return k;
}

static void
put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	size_t room = cap - 1 - *len;

	if (n > room)
		n = room;
	memcpy(buf + *len, s, n);
	*len += n;
}

size_t
tnode_template(const struct tnode *n, char *buf, size_t cap)
{
	const struct tnode *path[DEPTH_MAX + 1];
	unsigned k = path_of(n, path);
	size_t len = 0;

	if (cap == 0)
		return 0;
	if (k == 0)
		put(buf, cap, &len, "/", 1);
	while (k-- > 0) {
		const struct tnode *x = path[k];

		put(buf, cap, &len, "/", 1);
		if (x->flags & TN_PARAM) {
			put(buf, cap, &len, "{", 1);
			put(buf, cap, &len, x->name, x->len);
			put(buf, cap, &len, "}", 1);
		} else {
			put(buf, cap, &len, x->name, x->len);
		}
	}
	buf[len] = '\0';
	return len;
}

unsigned
tnode_params(const struct tnode *n, struct tmpl_param *out, unsigned max)
{
	const struct tnode *path[DEPTH_MAX + 1];
	unsigned k = path_of(n, path), o = 0;

	while (k-- > 0 && o < max) {
		const struct tnode *x = path[k];

		if (x->flags & TN_PARAM)
			out[o++] = (struct tmpl_param){ .name = x->name,
							.seg_mask = x->seg_mask,
							.from_words = (x->flags & TN_WORDS) != 0 };
	}
	return o;
}

struct tnode *
tmpl_find(struct tmpl *t, const char *template)
{
	struct tnode *n = t->root;
	const char *s = template;

	while (n != NULL && *s != '\0') {
		size_t len = 0;

		if (*s == '/') {
			s++;
			continue;
		}
		while (s[len] != '\0' && s[len] != '/')
			len++;
		if (len >= 2 && s[0] == '{' && s[len - 1] == '}')
			n = n->param;
		else if (len > SEG_MAX)
			return NULL;
		else
			n = kid_find(t, n, s, len, str_hash(t, s, len));
		s += len;
	}
	return n;
}

static void
foreach_node(struct tnode *n, void (*cb)(void *, struct tnode *, unsigned, void *), void *user)
{
	for (unsigned m = 0; m < AR_API_METHOD_MAX; m++)
		if (n->ep[m] != NULL)
			cb(user, n, m, n->ep[m]);
	for (struct tnode *c = n->kids; c != NULL; c = c->next)
		foreach_node(c, cb, user);
	if (n->param != NULL)
		foreach_node(n->param, cb, user);
}

void
tmpl_foreach(struct tmpl *t, void (*cb)(void *user, struct tnode *n, unsigned method, void *ep),
	     void *user)
{
	foreach_node(t->root, cb, user);
}

const struct tmpl_stats *
tmpl_stats(const struct tmpl *t)
{
	return &t->st;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

struct tmpl *
tmpl_create(const struct tmpl_hooks *h, void *user, uint32_t max_nodes)
{
	struct tmpl *t;

	if (max_nodes == 0) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto out_nomem;
	if (h != NULL)
		t->hooks = *h;
	t->user = user;
	t->max_nodes = max_nodes;
	t->seed = mix64((uint64_t)(uintptr_t)t);
	t->slots = calloc(HASH_INIT, sizeof(*t->slots));
	if (t->slots == NULL)
		goto out_free_tree;
	t->mask = HASH_INIT - 1;
	t->root = node_alloc(t, 1);
	if (t->root == NULL)
		goto out_free_slots;
	return t;

out_free_slots:
	free(t->slots);
out_free_tree:
	free(t);
out_nomem:
	errno = ENOMEM;
	return NULL;
}

static void
free_nodes(struct tmpl *t, struct tnode *n)
{
	struct tnode *c, *next;

	for (c = n->kids; c != NULL; c = next) {
		next = c->next;
		free_nodes(t, c);
	}
	if (n->param != NULL)
		free_nodes(t, n->param);
	node_free(t, n);
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free_nodes(t, t->root);
	free(t->slots);
	free(t);
}

/* ------------------------------------------------------------------ */
/* Persistence                                                         */
/* ------------------------------------------------------------------ */

/*
 * Bytes: 'T', version, varint node count, then the root. A node is: u8
 * flags (TN_PARAM, TN_WORDS, TN_OVERFLOW, TN_PROMOTED, ENC_HAS_PARAM); a literal's
 * segment as a string, or a parameter's varint seg_mask (nothing for the
 * root); u8 flips; varint untracked; varint value count and per value its
 * string, varint hits, u8 client count and varint clients, and (version 2)
 * varint count of sub-paths and per sub-path its steps as a string,
 * varint methods and varint hits; varint count of literal children and the children; the
 * parameter child if flagged.
 */
static void
enc_node(const struct tnode *n, struct wbuf *out)
{
	uint8_t f = n->flags & (TN_PARAM | TN_WORDS | TN_OVERFLOW | TN_PROMOTED);

	if (n->param != NULL)
		f |= ENC_HAS_PARAM;
	wbuf_u8(out, f);
	if (n->flags & TN_PARAM)
		wbuf_varint(out, n->seg_mask);
	else if (n->parent != NULL)
		wbuf_str(out, n->name, n->len);
	wbuf_u8(out, n->flips);
	wbuf_varint(out, n->untracked);
	wbuf_varint(out, n->n_vals);
	for (unsigned i = 0; i < n->n_vals; i++) {
		const struct tval *v = &n->vals[i];

		wbuf_str(out, v->name, v->len);
		wbuf_varint(out, v->hits);
		wbuf_u8(out, v->n_clients);
		for (unsigned k = 0; k < v->n_clients; k++)
			wbuf_varint(out, v->clients[k]);
		wbuf_varint(out, v->n_ev);
		for (unsigned k = 0; k < v->n_ev; k++) {
			wbuf_str(out, (const char *)v->ev[k].steps, v->ev[k].len);
			wbuf_varint(out, v->ev[k].methods);
			wbuf_varint(out, v->ev[k].hits);
		}
	}
	wbuf_varint(out, n->n_kids);
	for (const struct tnode *c = n->kids; c != NULL; c = c->next)
		enc_node(c, out);
	if (n->param != NULL)
		enc_node(n->param, out);
}

void
tmpl_encode(const struct tmpl *t, struct wbuf *out)
{
	wbuf_u8(out, TMPL_MAGIC);
	wbuf_u8(out, TMPL_VERSION);
	wbuf_varint(out, t->st.nodes);
	enc_node(t->root, out);
}

/*
 * A literal segment as the router would have made it: a word, or a bare
 * version (base_number()). Not where it stands: a merge moves a version
 * literal with its subtree below a parameter (/svc/{svcId}/api/1).
 */
static bool
valid_word(const char *s, size_t n)
{
	return s != NULL && n >= 1 && n <= SEG_MAX &&
	       (ar_api_seg_classify(s, n) == AR_SEG_WORD || bare_version(s, n));
}

/* Whether @s (@n bytes) are steps as ev_step() writes them. */
static bool
valid_steps(const uint8_t *s, size_t n)
{
	size_t o = 0;

	if (n > EV_LEN)
		return false;
	while (o < n) {
		if (s[o] == 'P') {
			if (o + 6 > n || s[o + 1] > 1 || step_mask(s + o) == 0 ||
			    step_mask(s + o) > SEG_ALL)
				return false;
			o += 6;
		} else if (s[o] == 'L' && o + 2 <= n && o + 2 + s[o + 1] <= n &&
			   valid_word((const char *)s + o + 2, s[o + 1])) {
			o += 2u + s[o + 1];
		} else {
			return false;
		}
	}
	return true;
}

/* The sub-paths of @v (version 2). */
static bool
dec_evs(struct tmpl *t, struct tval *v, struct rbuf *b)
{
	uint64_t count = rbuf_varint(b);

	if (b->bad || count > EV_MAX)
		return false;
	for (uint64_t i = 0; i < count; i++) {
		size_t len;
		const uint8_t *s = (const uint8_t *)rbuf_str(b, &len);
		uint64_t methods = rbuf_varint(b), hits = rbuf_varint(b);
		unsigned before = v->n_ev;

		if (b->bad || (len > 0 && s == NULL) || !valid_steps(s, len) || methods == 0 ||
		    methods >= (1u << AR_API_METHOD_MAX) || hits == 0 || hits > UINT32_MAX)
			return false;
		ev_add(t, v, s, len, (unsigned)methods, (uint32_t)hits);
		if (v->n_ev != before + 1)
			return false; /* a sub-path twice, or no memory */
	}
	return true;
}

static bool
dec_vals(struct tmpl *t, struct tnode *n, struct rbuf *b)
{
	uint64_t count = rbuf_varint(b);

	if (b->bad || count > VAL_CAP)
		return false;
	for (uint64_t i = 0; i < count; i++) {
		size_t len;
		const char *s = rbuf_str(b, &len);
		uint64_t hits = rbuf_varint(b), h;
		unsigned nc = rbuf_u8(b);
		struct tval *v;
		int j;

		if (b->bad || !valid_word(s, len) || classify_literal_like(s, len) || hits == 0 ||
		    hits > UINT32_MAX || nc > VAL_CLIENTS)
			return false;
		h = str_hash(t, s, len);
		if (val_find(n, s, len, h) >= 0 || (j = val_add(n, s, len, h)) < 0)
			return false;
		v = &n->vals[j];
		v->hits = (uint32_t)hits;
		for (unsigned k = 0; k < nc; k++) {
			uint64_t c = rbuf_varint(b);

			if (b->bad || c == 0 || c > UINT32_MAX || val_has_client(v, (uint32_t)c))
				return false;
			v->clients[v->n_clients++] = (uint32_t)c;
		}
		if (t->version >= 2 && !dec_evs(t, v, b))
			return false;
	}
	return true;
}

static bool dec_child(struct tmpl *t, struct tnode *p, struct rbuf *b, unsigned depth, bool param);

/* The rest of node @n (at @depth) after its flags and key. */
static bool
dec_body(struct tmpl *t, struct tnode *n, struct rbuf *b, unsigned depth, bool has_param)
{
	uint64_t untracked, kids;

	n->flips = rbuf_u8(b);
	untracked = rbuf_varint(b);
	if (b->bad || n->flips > FLIPS_MAX || untracked > UINT32_MAX)
		return false;
	n->untracked = (uint32_t)untracked;
	if (!dec_vals(t, n, b))
		return false;
	kids = rbuf_varint(b);
	if (b->bad || ((kids != 0 || has_param) && depth >= DEPTH_MAX))
		return false;
	for (uint64_t i = 0; i < kids; i++)
		if (!dec_child(t, n, b, depth + 1, false))
			return false;
	if (has_param && !dec_child(t, n, b, depth + 1, true))
		return false;
	if (merged(n)) /* as merges leave it: only literal-like words beside */
		for (const struct tnode *c = n->kids; c != NULL; c = c->next)
			if (!(c->flags & TN_LITLIKE))
				return false;
	relink(t, n);
	return true;
}

static bool
dec_child(struct tmpl *t, struct tnode *p, struct rbuf *b, unsigned depth, bool param)
{
	uint8_t f = rbuf_u8(b);
	struct tnode *c;

	if (b->bad || (f & ~(TN_PARAM | TN_WORDS | TN_OVERFLOW | TN_PROMOTED | ENC_HAS_PARAM)) ||
	    !(f & TN_PARAM) != !param || (param && (f & TN_PROMOTED)))
		return false;
	if (param) {
		uint64_t mask = rbuf_varint(b);

		if (b->bad || mask == 0 || mask > SEG_ALL || (c = param_new(t, p)) == NULL)
			return false;
		c->seg_mask = (uint32_t)mask;
		c->flags |= f & TN_WORDS;
	} else {
		size_t len;
		const char *s = rbuf_str(b, &len);
		uint64_t h;

		if (b->bad || (f & TN_WORDS) || !valid_word(s, len))
			return false;
		h = str_hash(t, s, len);
		if (kid_find(t, p, s, len, h) != NULL)
			return false;
		c = kid_new(t, p, s, len, h, (f & TN_PROMOTED) || classify_literal_like(s, len));
		if (c == NULL)
			return false;
		c->flags |= f & TN_PROMOTED;
	}
	c->flags |= f & TN_OVERFLOW;
	return dec_body(t, c, b, depth, f & ENC_HAS_PARAM);
}

struct tmpl *
tmpl_decode(const struct tmpl_hooks *h, void *user, uint32_t max_nodes, const uint8_t *p, size_t n)
{
	struct rbuf b = { .p = p, .len = n };
	struct tmpl *t;
	uint64_t count;
	uint8_t f;

	t = tmpl_create(h, user, max_nodes);
	if (t == NULL)
		return NULL;
	if (rbuf_u8(&b) != TMPL_MAGIC)
		goto out_bad;
	t->version = rbuf_u8(&b);
	if (t->version < 1 || t->version > TMPL_VERSION)
		goto out_bad;
	count = rbuf_varint(&b);
	if (!b.bad && count > max_nodes) {
		tmpl_free(t);
		errno = E2BIG;
		return NULL;
	}
	f = rbuf_u8(&b);
	if (b.bad || count == 0 || (f & ~(TN_OVERFLOW | ENC_HAS_PARAM)))
		goto out_bad;
	t->root->flags |= f & TN_OVERFLOW;
	if (!dec_body(t, t->root, &b, 0, f & ENC_HAS_PARAM) || b.bad || b.off != b.len ||
	    t->st.nodes != count)
		goto out_bad;
	return t;

out_bad:
	tmpl_free(t);
	errno = EINVAL;
	return NULL;
}
