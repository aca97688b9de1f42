/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match: inspecting one HTTP exchange with a compiled rule set.
 *
 * The exchange is cut into fields (path, each query and form argument,
 * each header and cookie, each JSON value by path, each multipart part,
 * or a whole body), each field is brought into the normal forms its
 * target's databases need (raw, text, sql: computed only when a database
 * wants them, each from the previous one). Field names go the same way:
 * with the "key" rules (sensitive values known by their name, such as
 * "password") and with the attack rules (NoSQL operators and injections
 * live in names as well).
 *
 * Scanning is batched. The fields of one target are appended, each
 * followed by a '\n', to one buffer per normal form, and each buffer is
 * scanned once: a Hyperscan call has a fixed cost that dwarfs a short
 * value, and an API request has dozens of them. That scan is only a
 * filter, since a match may straddle two fields: where it reports a rule,
 * the field the match ends in is scanned again on its own, with the real
 * callback, and so are the fields after it until the rule fires (a rule
 * compiled to report once stops at its first match, which may be the
 * straddling one). Benign traffic, where nothing matches, costs one scan
 * per form and target; what fires is decided per field, exactly.
 *
 * A rule reports at most once per exchange, for the first field where it
 * matched; validators and minimum counts are applied in the per-field
 * callback, so a pattern hit that fails its checksum does not use up the
 * rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "match_priv.h"

#define TEXT_FLAGS (AR_NORM_HTML | AR_NORM_UNICODE | AR_NORM_NUL | AR_NORM_LOWER | AR_NORM_WS)
#define SQL_FLAGS  (AR_NORM_SQL | AR_NORM_WS)
#define LABEL_MAX  (AR_JSON_MAX_PATH + 96)
#define NAME_MAX   256 /* bytes of a field name scanned and shown */
#define MAX_COUNTS 16  /* rules with min_count being counted in one field */
#define EXCERPT    96  /* bytes of normalised text shown around a match */

/* The decoding each target's values get before any normal form. */
static const unsigned base_flags[AR_TGT_MAX] = {
	[AR_TGT_PATH] = AR_NORM_URL,
	[AR_TGT_QUERY] = AR_NORM_URL | AR_NORM_PLUS,
	[AR_TGT_HEADER] = AR_NORM_URL,
	[AR_TGT_COOKIE] = AR_NORM_URL,
	[AR_TGT_FORM] = AR_NORM_URL | AR_NORM_PLUS,
	[AR_TGT_JSON] = AR_NORM_URL, /* after the JSON escapes */
	[AR_TGT_RESP_HEADER] = 0,
	[AR_TGT_RESP_JSON] = 0,
};

/* The batch buffers: one per normal form, and the names for key rules. */
enum {
	B_TEXT = AR_FORM_TEXT,
	B_SQL = AR_FORM_SQL,
	B_RAW = AR_FORM_RAW,
	B_KEY, /* after the last form */
	B_MAX
};
_Static_assert(B_TEXT == 0 && B_SQL == 1 && B_RAW == 2, "a buffer per form, by form");

#define BATCH_FIELDS 128 /* fields per batch */
#define MAX_CANDS    64  /* filter matches remembered per buffer scan */

/* One field in the batch. */
struct entry {
	uint32_t off[B_MAX]; /* where it starts in each buffer */
	uint32_t len[B_MAX];
	uint32_t label_off, label_len; /* in the arena */
	uint32_t fname_off, fname_len; /* in the arena */
	const char *kvalue;            /* key rules: the value they report */
	uint32_t kvalue_len;
	uint8_t in;   /* bit per buffer: the field is in it */
	uint8_t done; /* bit per buffer: scanned on its own already */
	bool name_hit;
};

struct ar_match_ws {
	struct ar_match_stats st;
	size_t cap;
	uint8_t *buf_of[B_MAX]; /* the batch buffers, cap bytes each */
	uint32_t used[B_MAX];
	struct entry ents[BATCH_FIELDS];
	unsigned n_ents;
	int batch_target; /* -1: empty */
	char *arena;      /* labels and names of the batch */
	uint32_t arena_used, arena_cap;
	char label_buf[LABEL_MAX]; /* the label of the field being added */
	size_t label_buf_len;
	char excerpt[EXCERPT + 8];
	struct {
		uint32_t rule;
		uint32_t entry; /* the field the match ends in */
	} cands[MAX_CANDS];
	int flush_b; /* the buffer being filtered */
	unsigned n_cands;
	bool cands_over;

	/* the exchange being inspected */
	const struct ar_ruleset *rs;
	hs_scratch_t *scratch;
	ar_hit_cb cb;
	void *user;
	uint32_t fired[AR_MATCH_MAX_HITS];
	unsigned n_fired;
	unsigned n_fields;
	bool capped; /* hits_capped counted for this exchange */

	/* the field being scanned on its own */
	uint8_t target;
	bool name_hit;
	const char *label;
	size_t label_len;
	const uint8_t *buf; /* what Hyperscan is scanning */
	size_t buf_len;
	const char *fname; /* the field's name, for rules with `field` */
	size_t fname_len;
	const char *kvalue; /* key scans: the value a "key" rule reports */
	size_t kvalue_len;
	struct {
		uint32_t rule, count;
	} counts[MAX_COUNTS];
	unsigned n_counts;
};

struct ar_match_ws *
ar_match_ws_create(size_t value_cap)
{
	if (value_cap < 256)
		value_cap = 256;
	if (value_cap > UINT32_MAX / 2)
		value_cap = UINT32_MAX / 2;
	struct ar_match_ws *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return NULL;
	ws->cap = value_cap;
	ws->batch_target = -1;
	bool ok = true;
	for (int b = 0; b < B_MAX; b++)
		ok &= (ws->buf_of[b] = malloc(value_cap)) != NULL;
	ws->arena_cap = BATCH_FIELDS * (LABEL_MAX + NAME_MAX);
	ok &= (ws->arena = malloc(ws->arena_cap)) != NULL;
	if (!ok) {
		ar_match_ws_free(ws);
		errno = ENOMEM;
		return NULL;
	}
	return ws;
}

void
ar_match_ws_free(struct ar_match_ws *ws)
{
	if (!ws)
		return;
	for (int b = 0; b < B_MAX; b++)
		free(ws->buf_of[b]);
	free(ws->arena);
	free(ws);
}

const struct ar_match_stats *
ar_match_ws_stats(const struct ar_match_ws *ws)
{
	return &ws->st;
}

/* ------------------------------------------------------------------ */
/* Findings                                                            */
/* ------------------------------------------------------------------ */

static bool
fired(const struct ar_match_ws *ws, uint32_t rule)
{
	for (unsigned i = 0; i < ws->n_fired; i++)
		if (ws->fired[i] == rule)
			return true;
	return false;
}

/*
 * An alert's excerpt is the attack as sent, but the text around it may
 * carry someone's data: runs of 8 or more digits (card, account, ID and
 * phone numbers) keep only their last 4.
 */
static void
mask_digit_runs(char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (s[i] < '0' || s[i] > '9') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j - i >= 8)
			memset(s + i, '*', j - i - 4);
		i = j;
	}
}

static void
fire(struct ar_match_ws *ws, const struct ar_rule_info *ri, uint32_t rule, uint32_t count,
     unsigned long long from, unsigned long long to, bool som)
{
	if (ws->n_fired == AR_MATCH_MAX_HITS) {
		if (!ws->capped)
			ws->st.hits_capped++;
		ws->capped = true;
		return;
	}
	ws->fired[ws->n_fired++] = rule;

	struct ar_hit h = {
		.rule = rule,
		.target = ws->target,
		.name_hit = ws->name_hit,
		.count = count,
		.field = ws->label,
		.field_len = ws->label_len,
		.excerpt = ws->excerpt,
	};
	if (ri->by_key) {
		/*
		 * A secret known by its field name (a password, a token): its
		 * first character and a star per further one, at most 15, so
		 * the sample tells an empty or trivial value from a real one
		 * and gives nothing of the rest away.
		 */
		size_t n = ws->kvalue_len, k = n - 1 < 15 ? n - 1 : 15;
		ws->excerpt[0] = ws->kvalue[0];
		memset(ws->excerpt + 1, '*', k);
		h.excerpt_len = 1 + k;
	} else if (ri->pii_type) {
		h.excerpt_len = ar_mask((const char *)ws->buf + from, to - from, ws->excerpt,
					sizeof(ws->excerpt));
	} else {
		/* the match and a little after it; without a start, what led to its end */
		size_t end = to + 16 < ws->buf_len ? to + 16 : ws->buf_len;
		size_t start = som ? from : (to > 48 ? to - 48 : 0);
		if (end - start > EXCERPT)
			start = end - EXCERPT;
		memcpy(ws->excerpt, ws->buf + start, end - start);
		h.excerpt_len = end - start;
		mask_digit_runs(ws->excerpt, h.excerpt_len);
	}
	ws->st.hits++;
	ws->cb(ws->user, &h);
}

/* A field name against a rule's `field` (lower case; names compare without case). */
static bool
name_is(const char *name, size_t n, const char *want)
{
	size_t k = strlen(want);
	return n == k && strncasecmp(name, want, k) == 0;
}

static bool
field_is(const struct ar_match_ws *ws, const char *want)
{
	return name_is(ws->fname, ws->fname_len, want);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	 void *ctx)
{
	(void)flags;
	struct ar_match_ws *ws = ctx;
	const struct ar_rule_info *ri = &ws->rs->rules[id];
	if (fired(ws, id))
		return 0;
	if (ri->field && !field_is(ws, ri->field))
		return 0;
	if (ri->by_key != (ws->kvalue != NULL))
		return 0;
	bool som =
		ri->validator != AR_VAL_NONE || ri->min_count > 1 || (ri->pii_type && !ri->by_key);
	if (ri->validator != AR_VAL_NONE &&
	    !ar_validate(ri->validator, (const char *)ws->buf + from, to - from))
		return 0;
	uint32_t count = 1;
	if (ri->min_count > 1) {
		unsigned i;
		for (i = 0; i < ws->n_counts && ws->counts[i].rule != id; i++)
			;
		if (i == ws->n_counts) {
			if (i == MAX_COUNTS)
				return 0;
			ws->counts[ws->n_counts++].rule = id;
			ws->counts[i].count = 0;
		}
		count = ++ws->counts[i].count;
		if (count < ri->min_count)
			return 0;
	}
	fire(ws, ri, id, count, from, to, som);
	return 0;
}

/* Scans @len bytes at @buf on their own, with the real callback. */
static void
scan(struct ar_match_ws *ws, const hs_database_t *db, const uint8_t *buf, size_t len)
{
	if (!db || len == 0)
		return;
	ws->buf = buf;
	ws->buf_len = len;
	ws->n_counts = 0;
	if (hs_scan(db, (const char *)buf, (unsigned)len, 0, ws->scratch, on_match, ws) !=
	    HS_SUCCESS)
		ws->st.scan_errors++;
}

/* ------------------------------------------------------------------ */
/* Batches                                                             */
/* ------------------------------------------------------------------ */

static const hs_database_t *
batch_db(const struct ar_match_ws *ws, int b)
{
	unsigned t = (unsigned)ws->batch_target;
	return b == B_KEY ? ws->rs->name_db[t] : ws->rs->db[t][b];
}

/* Scans field @e of buffer @b on its own, in its own context. */
static void
scan_entry(struct ar_match_ws *ws, int b, struct entry *e)
{
	if (!(e->in & (1u << b)) || (e->done & (1u << b)))
		return;
	e->done |= (uint8_t)(1u << b);
	ws->target = (uint8_t)ws->batch_target;
	ws->name_hit = e->name_hit;
	ws->label = ws->arena + e->label_off;
	ws->label_len = e->label_len;
	ws->fname = ws->arena + e->fname_off;
	ws->fname_len = e->fname_len;
	ws->kvalue = b == B_KEY ? e->kvalue : NULL;
	ws->kvalue_len = e->kvalue_len;
	scan(ws, batch_db(ws, b), ws->buf_of[b] + e->off[b], e->len[b]);
}

/*
 * The field of buffer @b that holds byte @pos (its '\n' included).
 * Offsets grow with the entry index (an entry not in @b has the offset
 * of the next one that is), so a binary search finds it.
 */
static unsigned
entry_at(const struct ar_match_ws *ws, int b, uint32_t pos)
{
	unsigned lo = 0, hi = ws->n_ents;
	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;
		if (ws->ents[mid].off[b] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	while (lo > 0 && !(ws->ents[lo].in & (1u << b)))
		lo--;
	return lo;
}

/*
 * The filter scan's callback: remembers which rules matched in which
 * field, once each. A match of a rule with a validator lies whole in
 * its field (it has its start) and is checked here already, so the
 * many numbers that are not card or ID numbers cost no second scan.
 */
static int
on_filter(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	  void *ctx)
{
	(void)flags;
	struct ar_match_ws *ws = ctx;
	if (fired(ws, id))
		return 0;
	int b = ws->flush_b;
	uint32_t pos = (uint32_t)(to ? to - 1 : 0);
	unsigned k = entry_at(ws, b, pos);
	const struct ar_rule_info *ri = &ws->rs->rules[id];
	if (ri->validator != AR_VAL_NONE && from >= ws->ents[k].off[b] &&
	    !ar_validate(ri->validator, (const char *)ws->buf_of[b] + from, to - from))
		return 0;
	for (unsigned c = ws->n_cands; c-- > 0;)
		if (ws->cands[c].rule == id && ws->cands[c].entry == k)
			return 0;
	if (ws->n_cands == MAX_CANDS) {
		ws->cands_over = true;
		return 0;
	}
	ws->cands[ws->n_cands].rule = id;
	ws->cands[ws->n_cands].entry = k;
	ws->n_cands++;
	return 0;
}

static void
flush_buffer(struct ar_match_ws *ws, int b)
{
	const hs_database_t *db = batch_db(ws, b);
	if (!db || ws->used[b] == 0)
		return;
	ws->st.bytes += ws->used[b];
	if (ws->n_ents == 1) { /* one field: the filter would be the field itself */
		scan_entry(ws, b, &ws->ents[0]);
		return;
	}
	ws->n_cands = 0;
	ws->cands_over = false;
	ws->flush_b = b;
	if (hs_scan(db, (const char *)ws->buf_of[b], ws->used[b], 0, ws->scratch, on_filter, ws) !=
	    HS_SUCCESS)
		ws->st.scan_errors++;
	if (ws->cands_over) {
		/* too many to follow one by one: every field on its own */
		for (unsigned i = 0; i < ws->n_ents; i++)
			scan_entry(ws, b, &ws->ents[i]);
		return;
	}
	for (unsigned c = 0; c < ws->n_cands; c++) {
		uint32_t rule = ws->cands[c].rule;
		for (unsigned i = ws->cands[c].entry; i < ws->n_ents && !fired(ws, rule); i++)
			scan_entry(ws, b, &ws->ents[i]);
	}
}

/* Scans what the batch holds and empties it. */
static void
flush(struct ar_match_ws *ws)
{
	if (ws->batch_target >= 0 && ws->n_ents > 0)
		for (int b = 0; b < B_MAX; b++)
			flush_buffer(ws, b);
	for (int b = 0; b < B_MAX; b++)
		ws->used[b] = 0;
	ws->n_ents = 0;
	ws->arena_used = 0;
	ws->batch_target = -1;
}

static bool
count_field(struct ar_match_ws *ws)
{
	if (ws->n_fields == AR_MATCH_MAX_FIELDS) {
		ws->st.fields_capped++;
		ws->n_fields++;
		return false;
	}
	if (ws->n_fields > AR_MATCH_MAX_FIELDS)
		return false;
	ws->n_fields++;
	return true;
}

/*
 * A new entry of target @t, room for @n bytes in each buffer guaranteed
 * (flushing first if need be); its label and name copied into the arena.
 * *@n is cut to what a buffer can hold.
 */
static struct entry *
entry_new(struct ar_match_ws *ws, enum ar_target t, size_t *n, const char *fname, size_t fname_len)
{
	if (*n + 1 > ws->cap) {
		*n = ws->cap - 1;
		ws->st.fields_cut++;
	}
	if (fname_len > NAME_MAX)
		fname_len = NAME_MAX;
	bool room = ws->batch_target == (int)t && ws->n_ents < BATCH_FIELDS &&
		    ws->arena_used + ws->label_buf_len + fname_len <= ws->arena_cap;
	for (int b = 0; room && b < B_MAX; b++)
		room = ws->used[b] + *n + 1 <= ws->cap;
	if (!room) {
		flush(ws);
		ws->batch_target = (int)t;
	}
	struct entry *e = &ws->ents[ws->n_ents++];
	memset(e, 0, sizeof(*e));
	for (int b = 0; b < B_MAX; b++)
		e->off[b] = ws->used[b]; /* where it would start: offsets stay ordered */
	e->label_off = ws->arena_used;
	e->label_len = (uint32_t)ws->label_buf_len;
	memcpy(ws->arena + ws->arena_used, ws->label_buf, ws->label_buf_len);
	ws->arena_used += (uint32_t)ws->label_buf_len;
	e->fname_off = ws->arena_used;
	e->fname_len = (uint32_t)fname_len;
	if (fname_len)
		memcpy(ws->arena + ws->arena_used, fname, fname_len);
	ws->arena_used += (uint32_t)fname_len;
	return e;
}

/* Keeps the @len bytes just written at the end of buffer @b as @e's. */
static void
entry_put(struct ar_match_ws *ws, struct entry *e, int b, size_t len)
{
	e->off[b] = ws->used[b];
	e->len[b] = (uint32_t)len;
	e->in |= (uint8_t)(1u << b);
	ws->buf_of[b][ws->used[b] + len] = '\n';
	ws->used[b] += (uint32_t)len + 1;
}

/*
 * Most values are plain words: nothing to decode, no entity, no run of
 * spaces, no comment. For them the normal forms are a copy (lower-cased
 * for text), made here in one pass instead of ar_norm()'s several. The
 * classes say which bytes some step may change.
 */
enum {
	C_DEC = 1,   /* '%' '+' '\\': the target's decoding may change the value */
	C_TEXT = 2,  /* '&', controls, NUL, non-ASCII: the text steps may */
	C_UPPER = 4, /* 'A'-'Z': lower-casing will */
	C_SQL = 8,   /* '/' '-' '#': a comment may start */
	C_SPACE = 16,
};

static const uint8_t byte_class[256] = {
	[0 ... 31] = C_TEXT, [127 ... 255] = C_TEXT, ['%'] = C_DEC,           ['+'] = C_DEC,
	['\\'] = C_DEC,      ['&'] = C_TEXT,         ['/'] = C_SQL,           ['-'] = C_SQL,
	['#'] = C_SQL,       [' '] = C_SPACE,        ['A' ... 'Z'] = C_UPPER,
};

/* The classes of @n bytes; C_TEXT too when two spaces follow each other. */
static unsigned
classify(const uint8_t *s, size_t n)
{
	unsigned m = 0, prev = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = byte_class[s[i]];
		if (c & prev & C_SPACE)
			m |= C_TEXT;
		m |= c;
		prev = c;
	}
	return m;
}

/* The text form of @in (@m its classes) into @out; returns its length. */
static size_t
text_form(const uint8_t *in, size_t n, unsigned m, uint8_t *out)
{
	if (m & C_TEXT)
		return ar_norm(in, n, out, n, TEXT_FLAGS);
	if (m & C_UPPER) {
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(in[i] | ((byte_class[in[i]] & C_UPPER) ? 0x20 : 0));
	} else if (out != in) {
		memcpy(out, in, n);
	}
	return n;
}

/* The sql form of the text form @in (@m the classes of the value). */
static size_t
sql_form(const uint8_t *in, size_t n, unsigned m, uint8_t *out)
{
	if (m & (C_SQL | C_DEC | C_TEXT))
		return ar_norm(in, n, out, n, SQL_FLAGS);
	memcpy(out, in, n);
	return n;
}

static bool
wanted(const struct ar_match_ws *ws, enum ar_target t, const char *fname, size_t fname_len)
{
	const struct ar_ruleset *rs = ws->rs;
	if (!rs->field_only[t])
		return true;
	for (unsigned k = 0; k < rs->n_fields[t]; k++)
		if (name_is(fname, fname_len, rs->fields[t][k]))
			return true;
	return false; /* no rule of this target looks at a field of this name */
}

/*
 * Adds one value of target @t in every form its databases need. @json:
 * the value is a JSON string, still escaped. @raw_only: only the raw form
 * (JSON numbers, where only sensitive data can hide). The label is the
 * one in ws->label.
 */
static void
add_value(struct ar_match_ws *ws, enum ar_target t, const char *fname, size_t fname_len,
	  const char *v, size_t n, bool json, bool raw_only)
{
	const struct ar_ruleset *rs = ws->rs;
	bool r = rs->db[t][AR_FORM_RAW] != NULL;
	bool tx = !raw_only && rs->db[t][AR_FORM_TEXT] != NULL;
	bool sq = !raw_only && rs->db[t][AR_FORM_SQL] != NULL;
	if ((!r && !tx && !sq) || n == 0 || !wanted(ws, t, fname, fname_len) || !count_field(ws))
		return;
	ws->st.fields++;
	struct entry *e = entry_new(ws, t, &n, fname, fname_len);

	/* the target's decoding, into the raw buffer (used or not) */
	uint8_t *raw = ws->buf_of[B_RAW] + ws->used[B_RAW];
	const uint8_t *base = (const uint8_t *)v;
	size_t bn = n;
	unsigned m = classify(base, bn);
	if (m & C_DEC) {
		if (json) {
			bn = ar_norm(base, bn, raw, n, AR_NORM_JSON);
			base = raw;
		}
		if (base_flags[t]) {
			bn = ar_norm(base, bn, raw, n, base_flags[t]);
			base = raw;
		}
		m = classify(base, bn) | C_DEC; /* decoded: the sql form in full */
	}
	if (r) {
		if (base != raw)
			memcpy(raw, base, bn);
		entry_put(ws, e, B_RAW, bn);
		base = ws->buf_of[B_RAW] + e->off[B_RAW];
	}
	if (!tx && !sq)
		return;
	uint8_t *text = ws->buf_of[B_TEXT] + ws->used[B_TEXT];
	size_t tn = text_form(base, bn, m, text);
	if (sq) {
		uint8_t *sql = ws->buf_of[B_SQL] + ws->used[B_SQL];
		entry_put(ws, e, B_SQL, sql_form(text, tn, m, sql));
	}
	if (tx)
		entry_put(ws, e, B_TEXT, tn);
}

/*
 * Adds the name of a field: for the "key" rules, which then report the
 * value @v, and for the attack rules of the target in text and sql form.
 */
static void
add_name(struct ar_match_ws *ws, enum ar_target t, const char *name, size_t nn, const char *v,
	 size_t vn)
{
	const struct ar_ruleset *rs = ws->rs;
	bool k = vn && rs->name_db[t];
	/* a response's names are the server's own: only key rules look at them */
	bool req = t < AR_TGT_RESP_HEADER;
	bool tx = req && rs->db[t][AR_FORM_TEXT], sq = req && rs->db[t][AR_FORM_SQL];
	if ((!k && !tx && !sq) || nn == 0)
		return;
	if (nn > NAME_MAX)
		nn = NAME_MAX;
	size_t n = nn;
	struct entry *e = entry_new(ws, t, &n, name, nn);
	e->name_hit = true;
	e->kvalue = v;
	e->kvalue_len = (uint32_t)vn;
	uint8_t *text = ws->buf_of[B_TEXT] + ws->used[B_TEXT];
	unsigned m = classify((const uint8_t *)name, n);
	size_t tn = (m & C_DEC) ?
			    ar_norm((const uint8_t *)name, n, text, n, base_flags[t] | TEXT_FLAGS) :
			    text_form((const uint8_t *)name, n, m, text);
	if (m & C_DEC)
		m |= C_TEXT;
	if (k) {
		memcpy(ws->buf_of[B_KEY] + ws->used[B_KEY], text, tn);
		entry_put(ws, e, B_KEY, tn);
	}
	if (sq) {
		uint8_t *sql = ws->buf_of[B_SQL] + ws->used[B_SQL];
		entry_put(ws, e, B_SQL, sql_form(text, tn, m, sql));
	}
	if (tx)
		entry_put(ws, e, B_TEXT, tn);
}

/* ------------------------------------------------------------------ */
/* Fields                                                              */
/* ------------------------------------------------------------------ */

static void
label_set(struct ar_match_ws *ws, const char *prefix, const char *name, size_t n)
{
	size_t p = strlen(prefix);
	memcpy(ws->label_buf, prefix, p);
	if (n > LABEL_MAX - p)
		n = LABEL_MAX - p;
	memcpy(ws->label_buf + p, name, n);
	ws->label_buf_len = p + n;
}

static const char *const arg_prefix[AR_TGT_MAX] = {
	[AR_TGT_QUERY] = "query:",         [AR_TGT_COOKIE] = "cookie:",
	[AR_TGT_FORM] = "form:",           [AR_TGT_JSON] = "json:",
	[AR_TGT_MULTIPART] = "multipart:", [AR_TGT_RESP_JSON] = "resp_json:",
	[AR_TGT_HEADER] = "header:",       [AR_TGT_RESP_HEADER] = "resp_header:",
};

/* True when some rule looks at target @t. */
static bool
live(const struct ar_ruleset *rs, enum ar_target t)
{
	return rs->db[t][AR_FORM_TEXT] || rs->db[t][AR_FORM_SQL] || rs->db[t][AR_FORM_RAW] ||
	       rs->name_db[t];
}

/* Walker context: the target its fields belong to. */
struct walk {
	struct ar_match_ws *ws;
	enum ar_target t;
	bool live; /* some rule looks at t: else only walk */
};

/* Query, form, cookie and multipart fields. */
static int
on_arg(void *user, enum ar_field_kind kind, const char *name, size_t nn, const char *v, size_t vn)
{
	(void)kind;
	struct walk *w = user;
	struct ar_match_ws *ws = w->ws;
	if (!w->live)
		return 0;
	/* the label shows the name decoded, as the application reads it */
	char dec[NAME_MAX];
	size_t dn = ar_norm((const uint8_t *)name, nn < NAME_MAX ? nn : NAME_MAX, (uint8_t *)dec,
			    sizeof(dec), base_flags[w->t]);
	label_set(ws, arg_prefix[w->t], dec, dn);
	add_value(ws, w->t, dec, dn, v, vn, false, false);
	add_name(ws, w->t, name, nn, v, vn);
	return 0;
}

/* The key of a JSON path: its last member name ("$.a.b[]" -> "b"). */
static void
json_key(const char *path, size_t n, const char **key, size_t *kn)
{
	while (n >= 2 && path[n - 2] == '[' && path[n - 1] == ']')
		n -= 2;
	if (n >= 2 && path[n - 1] == ']' && path[n - 2] == '"') {
		/* ["raw key"] */
		size_t e = n - 2, s = e;
		while (s > 0 && !(path[s - 1] == '"' && s >= 2 && path[s - 2] == '['))
			s--;
		*key = path + s;
		*kn = e - s;
		return;
	}
	size_t s = n;
	while (s > 0 && path[s - 1] != '.' && path[s - 1] != '$')
		s--;
	*key = path + s;
	*kn = n - s;
}

static int
on_json(void *user, enum ar_field_kind kind, const char *path, size_t pn, const char *v, size_t vn)
{
	struct walk *w = user;
	struct ar_match_ws *ws = w->ws;
	if (!w->live)
		return 0;
	const char *key;
	size_t kn;
	json_key(path, pn, &key, &kn);
	label_set(ws, arg_prefix[w->t], path, pn);
	switch (kind) {
	case AR_FIELD_STRING:
		add_value(ws, w->t, key, kn, v, vn, true, false);
		break;
	case AR_FIELD_NUMBER:
		add_value(ws, w->t, key, kn, v, vn, false, true);
		break;
	default:
		vn = 0; /* containers and literals: nothing a key rule would report */
		break;
	}
	bool element = pn >= 2 && path[pn - 1] == ']' && path[pn - 2] == '[';
	if (!element || kind == AR_FIELD_STRING || kind == AR_FIELD_NUMBER)
		add_name(ws, w->t, key, kn, v, vn);
	return 0;
}

static void
whole(struct ar_match_ws *ws, enum ar_target t, const char *label, const char *v, size_t n)
{
	label_set(ws, label, "", 0);
	add_value(ws, t, NULL, 0, v, n, false, false);
}

static bool
has_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

static const struct ar_kv *
find_header(const struct ar_kv *h, unsigned n, const char *name)
{
	size_t k = strlen(name);
	for (unsigned i = 0; i < n; i++)
		if (h[i].name_len == k && strncasecmp(h[i].name, name, k) == 0)
			return &h[i];
	return NULL;
}

/* A body, by its content type. */
static void
body(struct ar_match_ws *ws, bool response, const struct ar_kv *ct, const char *b, size_t n,
     bool cut)
{
	const char *c = ct ? ct->value : "";
	size_t cn = ct ? ct->value_len : 0;
	struct walk w = { .ws = ws };
	enum ar_walk_status st = AR_WALK_INVALID;
	bool parsed = false;
	enum ar_target whole_t = response ? AR_TGT_RESP_BODY : AR_TGT_BODY;

	if (has_ci(c, cn, "json")) {
		w.t = response ? AR_TGT_RESP_JSON : AR_TGT_JSON;
		w.live = live(ws->rs, w.t);
		if (!w.live && !live(ws->rs, whole_t))
			return; /* no rule would see any of it */
		st = ar_json_walk(b, n, on_json, &w);
		parsed = true;
	} else if (!response && has_ci(c, cn, "application/x-www-form-urlencoded")) {
		w.t = AR_TGT_FORM;
		w.live = live(ws->rs, w.t);
		st = ar_form_walk(b, n, false, on_arg, &w);
		parsed = true;
	} else if (!response && has_ci(c, cn, "multipart/form-data")) {
		const char *bd;
		size_t bl;
		w.t = AR_TGT_MULTIPART;
		w.live = live(ws->rs, w.t);
		if (ar_multipart_boundary(c, cn, &bd, &bl)) {
			st = ar_multipart_walk(b, n, bd, bl, on_arg, &w);
			parsed = true;
		}
	} else if (!response && has_ci(c, cn, "xml")) {
		whole(ws, AR_TGT_XML, "xml", b, n);
		return;
	}
	if (parsed &&
	    (st == AR_WALK_OK || st == AR_WALK_STOPPED || (st == AR_WALK_TRUNCATED && cut)))
		return;
	if (parsed && st == AR_WALK_TOO_DEEP) {
		ws->st.body_too_deep++;
		return;
	}
	if (parsed)
		ws->st.body_invalid++;
	/* no content type we parse, or it did not parse: the body as a whole */
	whole(ws, whole_t, response ? "resp_body" : "body", b, n);
}

static void
headers(struct ar_match_ws *ws, enum ar_target t, const struct ar_kv *h, unsigned n)
{
	bool hdr_live = live(ws->rs, t);
	for (unsigned i = 0; i < n; i++) {
		if (t == AR_TGT_HEADER && h[i].name_len == 6 &&
		    strncasecmp(h[i].name, "cookie", 6) == 0) {
			struct walk w = { .ws = ws,
					  .t = AR_TGT_COOKIE,
					  .live = live(ws->rs, AR_TGT_COOKIE) };
			if (!w.live)
				continue;
			ar_cookie_walk(h[i].value, h[i].value_len, on_arg, &w);
			continue;
		}
		if (!hdr_live)
			continue;
		label_set(ws, arg_prefix[t], h[i].name, h[i].name_len);
		add_value(ws, t, h[i].name, h[i].name_len, h[i].value, h[i].value_len, false,
			  false);
	}
}

unsigned
ar_inspect(const struct ar_ruleset *rs, unsigned worker, struct ar_match_ws *ws,
	   const struct ar_exchange *x, ar_hit_cb cb, void *user)
{
	if (!rs || worker >= rs->n_workers || !rs->scratch[worker])
		return 0;
	ws->rs = rs;
	ws->scratch = rs->scratch[worker];
	ws->cb = cb;
	ws->user = user;
	ws->n_fired = 0;
	ws->n_fields = 0;
	ws->capped = false;
	ws->st.exchanges++;
	flush(ws); /* empty, whatever a previous exchange left */

	/* path and query; an absolute-form target loses its scheme and host */
	const char *p = x->target, *end = x->target + x->target_len;
	if (x->target_len > 8 &&
	    (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0)) {
		p = memchr(p + 7, '/', (size_t)(end - p - 7));
		if (!p)
			p = end;
	}
	const char *q = memchr(p, '?', (size_t)(end - p));
	whole(ws, AR_TGT_PATH, "path", p, (size_t)((q ? q : end) - p));
	if (q) {
		struct walk w = { .ws = ws, .t = AR_TGT_QUERY, .live = live(rs, AR_TGT_QUERY) };
		ar_form_walk(q + 1, (size_t)(end - q - 1), false, on_arg, &w);
	}

	headers(ws, AR_TGT_HEADER, x->req_headers, x->n_req_headers);
	if (x->req_body_len)
		body(ws, false, find_header(x->req_headers, x->n_req_headers, "content-type"),
		     x->req_body, x->req_body_len, x->req_body_cut);
	if (x->has_response) {
		headers(ws, AR_TGT_RESP_HEADER, x->resp_headers, x->n_resp_headers);
		if (x->resp_body_len)
			body(ws, true,
			     find_header(x->resp_headers, x->n_resp_headers, "content-type"),
			     x->resp_body, x->resp_body_len, x->resp_body_cut);
	}
	flush(ws);
	return ws->n_fired;
}
