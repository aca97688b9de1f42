/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/api schema learning: required-ness by frequency, paths and the
 * nodes they make, type-change and new-field events with their exact
 * masks, caps and their counters, merge against observing both streams,
 * the persisted form (round trip, hostile bytes), and the OpenAPI Schema
 * Objects written through doc.c, compared as compact JSON.
 */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_priv.h"

#define T(x) (1u << AR_TYPE_##x)

/* ---- records ---------------------------------------------------------- */

static struct ar_api_rec rec;

static void
rec_start(void)
{
	ar_api_rec_init(&rec);
}

static void
add(enum ar_api_where w, const char *name, enum ar_api_type t, enum ar_api_fmt f, const char *val)
{
	int rc = ar_api_rec_field(&rec, w, name, strlen(name), t, f, val, val ? strlen(val) : 0, 0);
	assert_int_equal(rc, 0);
}

static enum ar_api_type
type_of(char c)
{
	switch (c) {
	case 'n':
		return AR_TYPE_NULL;
	case 'b':
		return AR_TYPE_BOOLEAN;
	case 'i':
		return AR_TYPE_INTEGER;
	case 'd':
		return AR_TYPE_NUMBER;
	case 's':
		return AR_TYPE_STRING;
	case 'o':
		return AR_TYPE_OBJECT;
	default:
		return AR_TYPE_ARRAY;
	}
}

/*
 * Adds the fields of @spec to the record: "T path" or "T path=value",
 * separated by '\n', T one of n b i d s o a.
 */
static void
add_fields(enum ar_api_where w, const char *spec)
{
	char line[512];
	while (*spec) {
		const char *nl = strchr(spec, '\n');
		size_t n = nl ? (size_t)(nl - spec) : strlen(spec);
		assert_true(n >= 3 && n < sizeof(line));
		memcpy(line, spec, n);
		line[n] = '\0';
		char *val = strchr(line + 2, '=');
		if (val)
			*val++ = '\0';
		add(w, line + 2, type_of(line[0]), AR_FMT_NONE, val);
		spec += nl ? n + 1 : n;
	}
}

/* ---- events ------------------------------------------------------------- */

struct ev {
	bool new_field;
	char name[64];
	uint32_t types, old;
};

struct evlog {
	unsigned n;
	struct ev ev[32];
};

static void
on_change(void *user, const struct schema_change *c)
{
	struct evlog *l = user;
	assert_true(l->n < 32);
	struct ev *e = &l->ev[l->n++];
	e->new_field = c->new_field;
	snprintf(e->name, sizeof(e->name), "%s", c->name);
	e->types = c->types;
	e->old = c->old_types;
}

static void
assert_ev(const struct evlog *l, unsigned i, bool new_field, const char *name, uint32_t types,
	  uint32_t old)
{
	assert_true(i < l->n);
	assert_int_equal(l->ev[i].new_field, new_field);
	assert_string_equal(l->ev[i].name, name);
	assert_int_equal(l->ev[i].types, types);
	assert_int_equal(l->ev[i].old, old);
}

/* ---- properties ------------------------------------------------------- */

struct plist {
	unsigned n;
	char name[16][32];
	bool required[16];
	uint64_t seen[16];
	const struct schema *s[16];
};

static void
on_prop(void *user, const struct schema_prop *p)
{
	struct plist *l = user;
	assert_true(l->n < 16);
	snprintf(l->name[l->n], sizeof(l->name[0]), "%s", p->name);
	l->required[l->n] = p->required;
	l->seen[l->n] = schema_seen(p->s);
	l->s[l->n] = p->s;
	l->n++;
}

static struct plist
props_of(const struct schema *s)
{
	struct plist l;
	memset(&l, 0, sizeof(l));
	schema_foreach_prop(s, on_prop, &l);
	return l;
}

/* ---- encoding ------------------------------------------------------------ */

static struct wbuf
enc(const struct schema *s)
{
	struct wbuf b = { 0 };
	schema_encode(s, &b);
	assert_false(b.oom);
	return b;
}

static void
assert_same_bytes(const struct schema *a, const struct schema *b)
{
	struct wbuf x = enc(a), y = enc(b);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.p, y.p, x.len);
	wbuf_free(&x);
	wbuf_free(&y);
}

/* ---- OpenAPI ---------------------------------------------------------- */

/* The JSON of @s as schema_to_doc() writes it, without the writer's layout. */
static char *
render(const struct schema *s)
{
	struct doc *d = doc_new();
	assert_non_null(d);
	schema_to_doc(s, d, doc_root(d));
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(doc_write_json(d, f), 0);
	fclose(f);
	doc_free(d);
	size_t o = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (in_str) {
			buf[o++] = c;
			if (c == '\\')
				buf[o++] = buf[++i];
			else if (c == '"')
				in_str = false;
		} else if (c != ' ' && c != '\n') {
			buf[o++] = c;
			in_str = c == '"';
		}
	}
	buf[o] = '\0';
	return buf;
}

static void
assert_json(const struct schema *s, const char *want)
{
	char *got = render(s);
	assert_string_equal(got, want);
	free(got);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_flat_required_by_frequency(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	uint64_t capped = 0;
	for (int i = 0; i < 20; i++) {
		char v[16];
		snprintf(v, sizeof(v), "%d", i);
		rec_start();
		add(AR_IN_QUERY, "page", AR_TYPE_INTEGER, AR_FMT_NONE, v);
		if (i % 4 == 0)
			add(AR_IN_QUERY, "q", AR_TYPE_STRING, AR_FMT_NONE, "shoes");
		if (i != 7)
			add(AR_IN_QUERY, "sort", AR_TYPE_STRING, AR_FMT_NONE, "asc");
		if (i >= 2)
			add(AR_IN_QUERY, "lang", AR_TYPE_STRING, AR_FMT_NONE, "en");
		/* not ours: another place */
		add(AR_IN_HEADER, "x-trace", AR_TYPE_STRING, AR_FMT_NONE, "t");
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_QUERY, true, 100, &capped, NULL, NULL), 0);
	}
	assert_int_equal(schema_seen(s), 20);
	assert_int_equal(schema_size(s), 4);
	assert_int_equal(capped, 0);
	struct plist l = props_of(s);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.name[0], "page");
	assert_string_equal(l.name[1], "q");
	assert_string_equal(l.name[2], "sort");
	assert_string_equal(l.name[3], "lang");
	assert_int_equal(l.seen[0], 20);
	assert_int_equal(l.seen[1], 5);
	assert_int_equal(l.seen[2], 19); /* 95 %: required */
	assert_int_equal(l.seen[3], 18); /* 90 %: optional */
	assert_true(l.required[0]);
	assert_false(l.required[1]);
	assert_true(l.required[2]);
	assert_false(l.required[3]);
	schema_free(s);
}

static void
test_flat_call_without_params_counts_an_instance(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	rec_start();
	add(AR_IN_QUERY, "id", AR_TYPE_INTEGER, AR_FMT_NONE, "1");
	assert_int_equal(schema_observe(s, &rec, AR_IN_QUERY, true, 100, NULL, NULL, NULL), 0);
	struct plist l = props_of(s);
	assert_true(l.required[0]); /* one document: everything present is required */
	rec_start();
	assert_int_equal(schema_observe(s, &rec, AR_IN_QUERY, true, 100, NULL, NULL, NULL), 0);
	assert_int_equal(schema_seen(s), 2);
	l = props_of(s);
	assert_int_equal(l.seen[0], 1);
	assert_false(l.required[0]);
	schema_free(s);
}

static void
test_flat_repeated_param_counted_once_with_both_types(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	struct evlog ev = { 0 };
	rec_start();
	add(AR_IN_QUERY, "a", AR_TYPE_INTEGER, AR_FMT_NONE, "1");
	add(AR_IN_QUERY, "a", AR_TYPE_STRING, AR_FMT_NONE, "x");
	assert_int_equal(schema_observe(s, &rec, AR_IN_QUERY, true, 100, NULL, on_change, &ev), 0);
	struct plist l = props_of(s);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.seen[0], 1);
	/* new in this call: one new-field event, no type change */
	assert_int_equal(ev.n, 1);
	assert_ev(&ev, 0, true, "a", T(INTEGER), 0);
	schema_free(s);
}

static void
test_type_changes_reported_with_exact_masks(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	struct evlog ev = { 0 };
	const char *docs[] = {
		"o $\ni $.n=1\ni $.m=2\ns $.k=a",
		"o $\ni $.n=2\nd $.m=2.5\nn $.k",
		"o $\ns $.n=x\ni $.m=3\ns $.k=b",
		"a $",
	};
	for (unsigned i = 0; i < 4; i++) {
		rec_start();
		add_fields(AR_IN_REQ_BODY, docs[i]);
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, on_change, &ev),
			0);
	}
	assert_int_equal(ev.n, 7);
	assert_ev(&ev, 0, true, "$.n", T(INTEGER), 0);
	assert_ev(&ev, 1, true, "$.m", T(INTEGER), 0);
	assert_ev(&ev, 2, true, "$.k", T(STRING), 0);
	assert_ev(&ev, 3, false, "$.m", T(INTEGER) | T(NUMBER), T(INTEGER));
	assert_ev(&ev, 4, false, "$.k", T(STRING) | T(NULL), T(STRING));
	assert_ev(&ev, 5, false, "$.n", T(INTEGER) | T(STRING), T(INTEGER));
	assert_ev(&ev, 6, false, "$", T(OBJECT) | T(ARRAY), T(OBJECT));
	assert_int_equal(schema_seen(s), 4);
	schema_free(s);
}

static void
test_json_nested_paths_and_array_items(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	struct evlog ev = { 0 };
	const char *docs[] = {
		"o $\no $.user\ni $.user.id=1\ns $.user.name=a\na $.items\no $.items[]\n"
		"i $.items[].id=1\ni $.items[].qty=2\ns $.items[].note=x",
		"o $\no $.user\ni $.user.id=2\na $.items",
		"o $\no $.user\ni $.user.id=3\ns $.user.name=c\na $.items\no $.items[]\n"
		"i $.items[].id=5\ni $.items[].qty=1",
	};
	for (unsigned i = 0; i < 3; i++) {
		rec_start();
		add_fields(AR_IN_RESP_BODY, docs[i]);
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_RESP_BODY, false, 100, NULL, on_change, &ev),
			0);
	}
	assert_int_equal(schema_seen(s), 3);
	assert_int_equal(schema_size(s), 8);
	struct plist l = props_of(s);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.name[0], "user");
	assert_string_equal(l.name[1], "items");
	assert_true(l.required[0] && l.required[1]);
	struct plist u = props_of(l.s[0]);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.name[0], "id");
	assert_string_equal(u.name[1], "name");
	assert_int_equal(u.seen[0], 3);
	assert_int_equal(u.seen[1], 2);
	assert_true(u.required[0]);
	assert_false(u.required[1]);
	assert_int_equal(schema_size(l.s[1]), 4); /* items[] and its three properties */
	/* new fields in first-seen order, with the path up to the node */
	assert_int_equal(ev.n, 8);
	assert_ev(&ev, 0, true, "$.user", T(OBJECT), 0);
	assert_ev(&ev, 1, true, "$.user.id", T(INTEGER), 0);
	assert_ev(&ev, 2, true, "$.user.name", T(STRING), 0);
	assert_ev(&ev, 3, true, "$.items", T(ARRAY), 0);
	assert_ev(&ev, 4, true, "$.items[]", T(OBJECT), 0);
	assert_ev(&ev, 5, true, "$.items[].id", T(INTEGER), 0);
	assert_ev(&ev, 6, true, "$.items[].qty", T(INTEGER), 0);
	assert_ev(&ev, 7, true, "$.items[].note", T(STRING), 0);
	schema_free(s);
}

static void
test_bracket_keys_and_cut_records_placed(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	struct evlog ev = { 0 };
	rec_start();
	/* no "$", "$.a" or "$.a.b" announced: the path's syntax says what they are */
	add_fields(AR_IN_REQ_BODY, "s $.a.b[][\"x y\"].c=1\ns $[\"k\\\"]\"]=2");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, on_change, &ev),
			 0);
	assert_int_equal(schema_seen(s), 1);
	assert_int_equal(schema_size(s), 6);
	assert_int_equal(ev.n, 6);
	assert_ev(&ev, 0, true, "$.a", T(OBJECT), 0);
	assert_ev(&ev, 1, true, "$.a.b", T(ARRAY), 0);
	assert_ev(&ev, 2, true, "$.a.b[]", T(OBJECT), 0);
	assert_ev(&ev, 3, true, "$.a.b[][\"x y\"]", T(OBJECT), 0);
	assert_ev(&ev, 4, true, "$.a.b[][\"x y\"].c", T(STRING), 0);
	assert_ev(&ev, 5, true, "$[\"k\\\"]\"]", T(STRING), 0);
	struct plist l = props_of(s);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.name[0], "a");
	assert_string_equal(l.name[1], "k\\\"]"); /* raw, as the walker gives it */
	/* a path that is not one is skipped */
	rec_start();
	add_fields(AR_IN_REQ_BODY, "s $..x=1\ns $[3]=1\ns user=1");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, on_change, &ev),
			 0);
	assert_int_equal(schema_size(s), 6);
	assert_int_equal(ev.n, 6);
	/* a key cut with its path is not mistaken for the start of a longer one */
	rec_start();
	add_fields(AR_IN_REQ_BODY, "s $[\"ab=1\ns $[\"ab[]\"]=2");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, on_change, &ev),
			 0);
	l = props_of(s);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.name[2], "ab");
	assert_string_equal(l.name[3], "ab[]");
	assert_int_equal(schema_size(s), 8);
	schema_free(s);
}

static void
test_field_cap_counted(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	uint64_t capped = 0;
	struct evlog ev = { 0 };
	for (unsigned k = 0; k < 2; k++) {
		rec_start();
		add_fields(AR_IN_REQ_BODY, "o $\no $.a\ni $.a.x=1\ni $.a.y=2\ni $.b=3\ni $.a.z=4");
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_REQ_BODY, false, 3, &capped, on_change, &ev),
			0);
	}
	/* three nodes: $.a, $.a.x, $.a.y; $.b and $.a.z refused twice */
	assert_int_equal(schema_size(s), 3);
	assert_int_equal(capped, 4);
	assert_int_equal(ev.n, 3);
	/* flat: the cap counts parameters, not the root */
	struct schema *q = schema_new();
	capped = 0;
	rec_start();
	add_fields(AR_IN_QUERY, "s a=1\ns b=2\ns c=3");
	assert_int_equal(schema_observe(q, &rec, AR_IN_QUERY, true, 2, &capped, NULL, NULL), 0);
	assert_int_equal(schema_size(q), 2);
	assert_int_equal(capped, 1);
	schema_free(q);
	schema_free(s);
}

static void
test_depth_beyond_limit_counted(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	uint64_t capped = 0;
	char path[256] = "$";
	for (unsigned i = 0; i < 70; i++)
		strcat(path, "[]");
	rec_start();
	add(AR_IN_REQ_BODY, path, AR_TYPE_INTEGER, AR_FMT_NONE, "1");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 1000, &capped, NULL, NULL),
			 0);
	assert_int_equal(schema_size(s), 64);
	assert_int_equal(capped, 1);
	struct wbuf b = enc(s);
	struct rbuf in = { .p = b.p, .len = b.len };
	struct schema *d = schema_decode(&in);
	assert_non_null(d);
	assert_int_equal(schema_size(d), 64);
	schema_free(d);
	wbuf_free(&b);
	schema_free(s);
}

static void
count_change(void *user, const struct schema_change *c)
{
	unsigned *n = user;
	assert_true(c->new_field);
	n[0]++;
}

static void
test_many_properties_found_by_index(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	unsigned news = 0;
	for (unsigned k = 0; k < 3; k++) {
		rec_start();
		for (unsigned i = 0; i < 90; i++) {
			char name[16];
			snprintf(name, sizeof(name), "p%u", (i * 37) % 90);
			add(AR_IN_HEADER, name, AR_TYPE_STRING, AR_FMT_NONE, "v");
		}
		assert_int_equal(schema_observe(s, &rec, AR_IN_HEADER, true, 1000, NULL,
						count_change, &news),
				 0);
		/* all new in the first call, all found again (by the index) after */
		assert_int_equal(news, 90);
		assert_int_equal(schema_size(s), 90);
	}
	assert_int_equal(schema_seen(s), 3);
	schema_free(s);
}

static void
on_prop_count(void *user, const struct schema_prop *p)
{
	unsigned *n = user;
	char want[16];
	snprintf(want, sizeof(want), "p%u", (*n * 37) % 90);
	assert_string_equal(p->name, want);
	assert_int_equal(schema_seen(p->s), 3);
	assert_true(p->required);
	(*n)++;
}

static void
test_many_properties_keep_first_seen_order(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	for (unsigned k = 0; k < 3; k++) {
		rec_start();
		for (unsigned i = 0; i < 90; i++) {
			char name[16];
			snprintf(name, sizeof(name), "p%u", (i * 37) % 90);
			add(AR_IN_HEADER, name, AR_TYPE_STRING, AR_FMT_NONE, "v");
		}
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_HEADER, true, 1000, NULL, NULL, NULL), 0);
	}
	unsigned n = 0;
	schema_foreach_prop(s, on_prop_count, &n);
	assert_int_equal(n, 90);
	schema_free(s);
}

static void
observe_enum_stream(struct schema *s, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++) {
		char id[16];
		snprintf(id, sizeof(id), "%u", i);
		rec_start();
		add(AR_IN_REQ_BODY, "$", AR_TYPE_OBJECT, AR_FMT_NONE, NULL);
		add(AR_IN_REQ_BODY, "$.id", AR_TYPE_INTEGER, AR_FMT_NONE, id);
		add(AR_IN_REQ_BODY, "$.state", AR_TYPE_STRING, AR_FMT_NONE,
		    i % 3 == 0 ? "open" :
		    i % 3 == 1 ? "closed" :
				 "held");
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	}
}

static void
test_enum_overflow_counts_dropped_samples(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	observe_enum_stream(s, 0, 8);
	assert_int_equal(schema_values_capped(s), 0);
	observe_enum_stream(s, 8, 9); /* the ninth id: 8 held + 1 dropped */
	assert_int_equal(schema_values_capped(s), 9);
	observe_enum_stream(s, 9, 30); /* no longer sampled */
	assert_int_equal(schema_values_capped(s), 9);
	/* a value too long to be kept ends the enum too, dropping what was held */
	rec_start();
	add(AR_IN_REQ_BODY, "$.state", AR_TYPE_STRING, AR_FMT_NONE,
	    "a value far too long for an enum sample");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	assert_int_equal(schema_values_capped(s), 12);
	schema_free(s);
}

static void
test_sensitive_types_capped_at_four(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	rec_start();
	add_fields(AR_IN_REQ_BODY, "o $\no $.user\ns $.user.email=a@b.c");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	const char *types[] = { "email", "email", "pii", "name", "card", "phone" };
	for (unsigned i = 0; i < 6; i++)
		schema_mark_sensitive(s, "$.user.email", 12, false, types[i], strlen(types[i]));
	/* unknown paths create nothing */
	schema_mark_sensitive(s, "$.user.phone", 12, false, "phone", 5);
	assert_int_equal(schema_size(s), 2);
	/* five distinct, four kept */
	assert_int_equal(schema_values_capped(s), 1);
	struct schema *t = schema_new();
	assert_int_equal(schema_merge(t, s), 0);
	assert_same_bytes(t, s);
	schema_free(t);
	schema_free(s);
}

static void
stream(struct schema *s, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++) {
		char v[16];
		rec_start();
		add(AR_IN_REQ_BODY, "$", i == 17 ? AR_TYPE_ARRAY : AR_TYPE_OBJECT, AR_FMT_NONE,
		    NULL);
		snprintf(v, sizeof(v), "%u", i % 5);
		add(AR_IN_REQ_BODY, "$.n", i % 7 == 3 ? AR_TYPE_NUMBER : AR_TYPE_INTEGER,
		    AR_FMT_NONE, v);
		add(AR_IN_REQ_BODY, "$.when", AR_TYPE_STRING,
		    i == 12 ? AR_FMT_DATE : AR_FMT_DATE_TIME, "2024-01-31T10:00:00Z");
		if (i % 2)
			add(AR_IN_REQ_BODY, "$.tags", AR_TYPE_ARRAY, AR_FMT_NONE, NULL);
		if (i % 4 == 1)
			add(AR_IN_REQ_BODY, "$.tags[]", AR_TYPE_STRING, AR_FMT_NONE,
			    i % 8 == 1 ? "red" : "blue");
		if (i >= 10)
			add(AR_IN_REQ_BODY, "$.late", AR_TYPE_BOOLEAN, AR_FMT_NONE, "true");
		if (i % 3 == 0)
			add(AR_IN_REQ_BODY, "$.opt", AR_TYPE_NULL, AR_FMT_NONE, NULL);
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
		if (i == 4 || i == 15)
			schema_mark_sensitive(s, "$.when", 6, false, i == 4 ? "date" : "dob",
					      i == 4 ? 4 : 3);
	}
}

static void
test_merge_equals_observing_both_streams(void **state)
{
	(void)state;
	struct schema *all = schema_new(), *a = schema_new(), *b = schema_new();
	stream(all, 0, 24);
	stream(a, 0, 9);
	stream(b, 9, 24);
	assert_int_equal(schema_merge(a, b), 0);
	assert_same_bytes(a, all);
	assert_int_equal(schema_size(a), schema_size(all));
	assert_int_equal(schema_size(a), 6);
	assert_int_equal(schema_seen(a), 24);
	/* merging into an empty schema copies */
	struct schema *e = schema_new();
	assert_int_equal(schema_merge(e, all), 0);
	assert_same_bytes(e, all);
	struct plist pe = props_of(e), pa = props_of(all);
	assert_int_equal(pe.n, 5);
	assert_string_equal(pe.name[3], "tags");
	assert_int_equal(schema_size(pe.s[3]), 1);
	for (unsigned i = 0; i < pe.n; i++)
		assert_int_equal(schema_size(pe.s[i]), schema_size(pa.s[i]));
	schema_free(e);
	schema_free(all);
	schema_free(a);
	schema_free(b);
}

static void
test_merge_enum_sets_united_with_cap(void **state)
{
	(void)state;
	struct schema *all = schema_new(), *a = schema_new(), *b = schema_new();
	observe_enum_stream(all, 0, 5);
	observe_enum_stream(all, 100, 105);
	observe_enum_stream(a, 0, 5);
	observe_enum_stream(b, 100, 105);
	assert_int_equal(schema_merge(a, b), 0);
	assert_same_bytes(a, all);
	/* the union of 5 and 5 ids overflowed in both */
	assert_int_equal(schema_values_capped(all), 9);
	assert_int_equal(schema_values_capped(a), 9);
	schema_free(all);
	schema_free(a);
	schema_free(b);
}

static void
test_encode_decode_round_trip(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	stream(s, 0, 24);
	observe_enum_stream(s, 0, 4);
	rec_start();
	add_fields(AR_IN_REQ_BODY, "s $[\"a b\"].c=1\na $.x[]\ni $.x[][]=3");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	struct wbuf b = enc(s);
	assert_int_equal(b.p[0], 1); /* format version */
	struct rbuf in = { .p = b.p, .len = b.len };
	struct schema *d = schema_decode(&in);
	assert_non_null(d);
	assert_false(in.bad);
	assert_int_equal(in.off, b.len);
	assert_same_bytes(d, s);
	assert_int_equal(schema_size(d), schema_size(s));
	assert_int_equal(schema_seen(d), schema_seen(s));
	/* the decoded schema learns on like the original */
	stream(s, 24, 30);
	stream(d, 24, 30);
	assert_same_bytes(d, s);
	schema_free(d);

	/* every cut of the bytes is refused, without leaks (ASan checks) */
	for (size_t n = 0; n < b.len; n++) {
		struct rbuf cut = { .p = b.p, .len = n };
		assert_null(schema_decode(&cut));
		assert_true(cut.bad);
	}
	wbuf_free(&b);
	schema_free(s);
}

static void
test_decode_refuses_hostile_bytes(void **state)
{
	(void)state;
	/* version, name "", flags, seen, types, counts... */
	static const uint8_t good[] = { 1, 0, 0, 1, 0x10, 1, 0, 0, 0, 0, 0 };
	struct rbuf in = { .p = good, .len = sizeof(good) };
	struct schema *s = schema_decode(&in);
	assert_non_null(s);
	assert_int_equal(schema_seen(s), 1);
	schema_free(s);

	static const struct {
		uint8_t b[24];
		size_t n;
	} bad[] = {
		{ { 2, 0, 0, 1, 0x10, 1, 0, 0, 0, 0, 0 }, 11 },          /* unknown version */
		{ { 1, 0, 0x80, 1, 0x10, 1, 0, 0, 0, 0, 0 }, 11 },       /* unknown flag */
		{ { 1, 0, 0, 1, 0x80, 0, 0, 0, 0, 0 }, 10 },             /* type bit 7 */
		{ { 1, 0, 0, 1, 0x10, 1, 0x80, 0x04, 0, 0, 0, 0 }, 12 }, /* format bit 9 */
		{ { 1, 0, 0, 1, 0x10, 1, 0, 9, 0, 0, 0, 0 }, 12 },       /* 9 enum samples */
		{ { 1, 0, 1, 1, 0x10, 1, 0, 1, 4, 1, 'a', 1, 0, 0, 0 },
		  15 }, /* samples of a non-enum */
		{ { 1, 0, 0, 1, 0x10, 1, 0, 1, 5, 1, 'a', 1, 0, 0, 0 },
		  15 }, /* sample of type object */
		{ { 1, 0, 0, 1, 0x10, 1, 0, 2, 4, 1, 'a', 1, 4, 1, 'a', 1, 0, 0, 0 },
		  19 },                                            /* twice */
		{ { 1, 0, 0, 1, 0x10, 1, 0, 0, 1, 0, 0, 0 }, 12 }, /* empty sensitive type */
		{ { 1, 0, 0, 1, 0x20, 1, 0, 0, 0, 0, 2 }, 11 },    /* items flag 2 */
		{ { 1, 0, 0, 1, 0x20, 1, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x01, 0 },
		  15 }, /* huge */
		{ { 1, 0, 0, 1, 0x20, 1, 0, 0, 0, 2, 1, 'a', 0, 1, 0, 0, 0, 0, 0, 0 },
		  20 }, /* cut */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rbuf r = { .p = bad[i].b, .len = bad[i].n };
		assert_null(schema_decode(&r));
	}

	/* a property twice */
	struct schema *p = schema_new();
	rec_start();
	add_fields(AR_IN_QUERY, "s a=1\ns b=1");
	assert_int_equal(schema_observe(p, &rec, AR_IN_QUERY, true, 100, NULL, NULL, NULL), 0);
	struct wbuf b = enc(p);
	uint8_t *nb = NULL; /* the "b" node: its name is 1 'b' */
	for (size_t i = 0; i + 1 < b.len; i++)
		if (b.p[i] == 1 && b.p[i + 1] == 'b')
			nb = b.p + i;
	assert_non_null(nb);
	nb[1] = 'a';
	struct rbuf r = { .p = b.p, .len = b.len };
	assert_null(schema_decode(&r));
	nb[1] = 'c';
	r = (struct rbuf){ .p = b.p, .len = b.len };
	s = schema_decode(&r);
	assert_non_null(s);
	assert_int_equal(schema_size(s), 2);
	schema_free(s);
	wbuf_free(&b);
	schema_free(p);
}

static void
test_decode_depth_limited(void **state)
{
	(void)state;
	/* 70 nested items nodes: refused at 64 */
	struct wbuf b = { 0 };
	wbuf_u8(&b, 1);
	for (unsigned i = 0; i < 70; i++) {
		/* name, flags, seen, types, count, fmask, enums, sens, props, items */
		static const uint8_t head[] = { 0, 0, 1, 0x40, 1, 0, 0, 0, 0, 1 };
		wbuf_bytes(&b, head, sizeof(head));
	}
	static const uint8_t leaf[] = { 0, 0, 1, 0x40, 1, 0, 0, 0, 0, 0 };
	wbuf_bytes(&b, leaf, sizeof(leaf));
	struct rbuf r = { .p = b.p, .len = b.len };
	assert_null(schema_decode(&r));
	wbuf_free(&b);
}

static void
test_openapi_flat_params_required_by_frequency(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	for (int i = 0; i < 20; i++) {
		char v[16];
		snprintf(v, sizeof(v), "%d", i);
		rec_start();
		add(AR_IN_QUERY, "page", AR_TYPE_INTEGER, AR_FMT_NONE, v);
		if (i % 4 == 0)
			add(AR_IN_QUERY, "q", AR_TYPE_STRING, AR_FMT_NONE, v);
		assert_int_equal(schema_observe(s, &rec, AR_IN_QUERY, true, 100, NULL, NULL, NULL),
				 0);
	}
	assert_json(s, "{\"type\":\"object\",\"properties\":{\"page\":{\"type\":\"integer\"},"
		       "\"q\":{\"type\":\"string\"}},\"required\":[\"page\"]}");
	schema_free(s);
}

static void
test_openapi_nested_objects_and_arrays_of_objects(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	const char *docs[] = {
		"o $\no $.user\ni $.user.id=1\ns $.user.name=a\na $.items\no $.items[]\n"
		"i $.items[].id=1\ni $.items[].qty=2\ns $.items[].note=x\na $.tags",
		"o $\no $.user\ni $.user.id=2\na $.items\na $.tags",
		"o $\no $.user\ni $.user.id=3\ns $.user.name=c\na $.items\no $.items[]\n"
		"i $.items[].id=5\ni $.items[].qty=1\na $.tags",
	};
	for (unsigned i = 0; i < 3; i++) {
		rec_start();
		add_fields(AR_IN_RESP_BODY, docs[i]);
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_RESP_BODY, false, 100, NULL, NULL, NULL), 0);
	}
	/* items[] properties are required against the 2 documents with elements */
	assert_json(s,
		    "{\"type\":\"object\",\"properties\":{"
		    "\"user\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
		    "\"name\":{\"type\":\"string\"}},\"required\":[\"id\"]},"
		    "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		    "\"id\":{\"type\":\"integer\"},\"qty\":{\"type\":\"integer\"},"
		    "\"note\":{\"type\":\"string\"}},\"required\":[\"id\",\"qty\"]}},"
		    "\"tags\":{\"type\":\"array\",\"items\":{}}},"
		    "\"required\":[\"user\",\"items\",\"tags\"]}");
	schema_free(s);
}

static void
test_openapi_empty_schema_and_array_without_items(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	assert_json(s, "{}");
	rec_start();
	add_fields(AR_IN_REQ_BODY, "a $");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	assert_json(s, "{\"type\":\"array\",\"items\":{}}");
	schema_free(s);
}

static void
test_openapi_formats_stick_only_when_all_strings_had_them(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	for (unsigned i = 0; i < 4; i++) {
		rec_start();
		add(AR_IN_REQ_BODY, "$", AR_TYPE_OBJECT, AR_FMT_NONE, NULL);
		add(AR_IN_REQ_BODY, "$.created", AR_TYPE_STRING, AR_FMT_DATE_TIME, NULL);
		add(AR_IN_REQ_BODY, "$.email", AR_TYPE_STRING, AR_FMT_EMAIL, NULL);
		add(AR_IN_REQ_BODY, "$.id", AR_TYPE_STRING, i < 3 ? AR_FMT_UUID : AR_FMT_NONE,
		    NULL);
		add(AR_IN_REQ_BODY, "$.day", AR_TYPE_STRING, i % 2 ? AR_FMT_DATE : AR_FMT_DATE_TIME,
		    NULL);
		add(AR_IN_REQ_BODY, "$.at", AR_TYPE_STRING, AR_FMT_DATE_TIME, NULL);
		if (i == 2)
			add(AR_IN_REQ_BODY, "$.at", AR_TYPE_NULL, AR_FMT_NONE, NULL);
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	}
	assert_json(s, "{\"type\":\"object\",\"properties\":{"
		       "\"created\":{\"type\":\"string\",\"format\":\"date-time\"},"
		       "\"email\":{\"type\":\"string\",\"format\":\"email\"},"
		       "\"id\":{\"type\":\"string\"},\"day\":{\"type\":\"string\"},"
		       "\"at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}},"
		       "\"required\":[\"created\",\"email\",\"id\",\"day\",\"at\"]}");
	schema_free(s);
}

static void
test_openapi_conflicting_types(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	struct evlog ev = { 0 };
	rec_start();
	add_fields(AR_IN_REQ_BODY, "o $\ni $.a=1\ni $.b=1\ns $.c=x\nn $.d\no $.e\ni $.e.x=1\n"
				   "b $.g=true\nn $.g");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, on_change, &ev),
			 0);
	rec_start();
	add_fields(AR_IN_REQ_BODY,
		   "o $\ns $.a=y\nd $.b=1.5\nn $.c\nn $.d\na $.e\ni $.e[]=2\ns $.g=z");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, on_change, &ev),
			 0);
	assert_int_equal(ev.n, 13);
	assert_ev(&ev, 6, true, "$.g", T(BOOLEAN), 0);
	assert_ev(&ev, 7, false, "$.a", T(INTEGER) | T(STRING), T(INTEGER));
	assert_ev(&ev, 8, false, "$.b", T(INTEGER) | T(NUMBER), T(INTEGER));
	assert_ev(&ev, 9, false, "$.c", T(STRING) | T(NULL), T(STRING));
	assert_ev(&ev, 10, false, "$.e", T(OBJECT) | T(ARRAY), T(OBJECT));
	assert_ev(&ev, 11, true, "$.e[]", T(INTEGER), 0);
	assert_ev(&ev, 12, false, "$.g", T(BOOLEAN) | T(NULL) | T(STRING), T(BOOLEAN) | T(NULL));
	assert_json(s, "{\"type\":\"object\",\"properties\":{"
		       "\"a\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
		       "\"b\":{\"type\":\"number\"},"
		       "\"c\":{\"type\":\"string\",\"nullable\":true},"
		       "\"d\":{\"nullable\":true},"
		       "\"e\":{\"oneOf\":[{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
		       "\"integer\"}}},{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}]},"
		       "\"g\":{\"oneOf\":[{\"type\":\"boolean\"},{\"type\":\"string\"}],"
		       "\"nullable\":true}},"
		       "\"required\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"g\"]}");
	schema_free(s);
}

static void
test_openapi_enums_only_for_few_values_seen_often(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	static const char *const states[] = { "open", "closed", "held" };
	for (unsigned i = 0; i < 30; i++) {
		char id[16], ref[16];
		snprintf(id, sizeof(id), "%u", i);
		snprintf(ref, sizeof(ref), "r%u", i % 5);
		rec_start();
		add(AR_IN_REQ_BODY, "$", AR_TYPE_OBJECT, AR_FMT_NONE, NULL);
		add(AR_IN_REQ_BODY, "$.id", AR_TYPE_INTEGER, AR_FMT_NONE, id);
		add(AR_IN_REQ_BODY, "$.state", AR_TYPE_STRING, AR_FMT_NONE, states[i % 3]);
		add(AR_IN_REQ_BODY, "$.code", AR_TYPE_INTEGER, AR_FMT_NONE, i % 2 ? "200" : "404");
		if (i < 12) /* 5 values in 12 documents: more than one per 3 */
			add(AR_IN_REQ_BODY, "$.ref", AR_TYPE_STRING, AR_FMT_NONE, ref);
		if (i < 5) /* 2 values, but seen only 5 times */
			add(AR_IN_REQ_BODY, "$.kind", AR_TYPE_STRING, AR_FMT_NONE,
			    i % 2 ? "a" : "b");
		if (i % 5)
			add(AR_IN_REQ_BODY, "$.note", AR_TYPE_STRING, AR_FMT_NONE, "x");
		else
			add(AR_IN_REQ_BODY, "$.note", AR_TYPE_NULL, AR_FMT_NONE, NULL);
		assert_int_equal(
			schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	}
	assert_json(s, "{\"type\":\"object\",\"properties\":{"
		       "\"id\":{\"type\":\"integer\"},"
		       "\"state\":{\"type\":\"string\",\"enum\":[\"open\",\"closed\",\"held\"]},"
		       "\"code\":{\"type\":\"integer\",\"enum\":[404,200]},"
		       "\"ref\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},"
		       "\"note\":{\"type\":\"string\",\"nullable\":true}},"
		       "\"required\":[\"id\",\"state\",\"code\",\"note\"]}");
	/* seen 9 times: not yet */
	struct schema *few = schema_new();
	for (unsigned i = 0; i < 9; i++) {
		rec_start();
		add(AR_IN_HEADER, "x-mode", AR_TYPE_STRING, AR_FMT_NONE, i % 2 ? "fast" : "slow");
		assert_int_equal(
			schema_observe(few, &rec, AR_IN_HEADER, true, 100, NULL, NULL, NULL), 0);
	}
	assert_json(few, "{\"type\":\"object\",\"properties\":{\"x-mode\":{\"type\":"
			 "\"string\"}},\"required\":[\"x-mode\"]}");
	rec_start();
	add(AR_IN_HEADER, "x-mode", AR_TYPE_STRING, AR_FMT_NONE, "fast");
	assert_int_equal(schema_observe(few, &rec, AR_IN_HEADER, true, 100, NULL, NULL, NULL), 0);
	assert_json(few, "{\"type\":\"object\",\"properties\":{\"x-mode\":{\"type\":"
			 "\"string\",\"enum\":[\"slow\",\"fast\"]}},\"required\":[\"x-mode\"]}");
	schema_free(few);
	schema_free(s);
}

static void
test_openapi_sensitive_marks_and_escaped_keys(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	rec_start();
	add(AR_IN_REQ_BODY, "$", AR_TYPE_OBJECT, AR_FMT_NONE, NULL);
	add(AR_IN_REQ_BODY, "$[\"a\\\"b\"]", AR_TYPE_STRING, AR_FMT_NONE, NULL);
	add(AR_IN_REQ_BODY, "$[\"caf\\u00e9 \\ud83d\\ude00\"]", AR_TYPE_STRING, AR_FMT_NONE, NULL);
	add(AR_IN_REQ_BODY, "$.user", AR_TYPE_OBJECT, AR_FMT_NONE, NULL);
	add(AR_IN_REQ_BODY, "$.user.email", AR_TYPE_STRING, AR_FMT_EMAIL, "a@b.c");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, NULL, NULL), 0);
	schema_mark_sensitive(s, "$.user.email", 12, false, "email", 5);
	schema_mark_sensitive(s, "$.user.email", 12, false, "pii", 3);
	schema_mark_sensitive(s, "$.user.email", 12, false, "email", 5);
	schema_mark_sensitive(s, "$[\"a\\\"b\"]", 9, false, "secret", 6);
	assert_json(s, "{\"type\":\"object\",\"properties\":{"
		       "\"a\\\"b\":{\"type\":\"string\",\"x-sensitive\":[\"secret\"]},"
		       "\"caf\xc3\xa9 \xf0\x9f\x98\x80\":{\"type\":\"string\"},"
		       "\"user\":{\"type\":\"object\",\"properties\":{\"email\":{\"type\":"
		       "\"string\",\"format\":\"email\",\"x-sensitive\":[\"email\",\"pii\"]}},"
		       "\"required\":[\"email\"]}},"
		       "\"required\":[\"a\\\"b\",\"caf\xc3\xa9 \xf0\x9f\x98\x80\",\"user\"]}");
	/* flat names are names, not paths */
	struct schema *q = schema_new();
	rec_start();
	add(AR_IN_COOKIE, "sid", AR_TYPE_STRING, AR_FMT_NONE, "abc");
	assert_int_equal(schema_observe(q, &rec, AR_IN_COOKIE, true, 100, NULL, NULL, NULL), 0);
	schema_mark_sensitive(q, "sid", 3, true, "session", 7);
	assert_json(q, "{\"type\":\"object\",\"properties\":{\"sid\":{\"type\":\"string\","
		       "\"x-sensitive\":[\"session\"]}},\"required\":[\"sid\"]}");
	schema_free(q);
	schema_free(s);
}

static void
assert_same_schema(const struct schema *a, const struct schema *b)
{
	assert_same_bytes(a, b);
	char *x = render(a), *y = render(b);
	assert_string_equal(x, y);
	free(x);
	free(y);
}

/* Each place of rec observed twice by scanning and through @sf: same schemas, same events. */
static void
assert_index_equals_scanning(const struct schema_fields *sf)
{
	struct evlog e1 = { 0 }, e2 = { 0 };
	for (unsigned w = 0; w < AR_IN_MAX; w++) {
		bool flat = w < AR_IN_REQ_BODY;
		struct schema *a = schema_new(), *b = schema_new();
		for (unsigned k = 0; k < 2; k++) {
			assert_int_equal(
				schema_observe(a, &rec, w, flat, 100, NULL, on_change, &e1), 0);
			assert_int_equal(
				schema_observe_idx(b, &rec, sf, w, flat, 100, NULL, on_change, &e2),
				0);
		}
		/* a flat place counts calls without fields; a JSON one does not */
		assert_int_equal(schema_seen(b), w == AR_IN_REQ_BODY ? 0 : 2);
		assert_same_schema(a, b);
		schema_free(a);
		schema_free(b);
	}
	/* limit, offset, x-request-id, $.id, $.tags, $.tags[]: once */
	assert_int_equal(e1.n, 6);
	assert_int_equal(e2.n, 6);
	for (unsigned i = 0; i < e1.n; i++)
		assert_ev(&e2, i, e1.ev[i].new_field, e1.ev[i].name, e1.ev[i].types, e1.ev[i].old);
	assert_ev(&e2, 1, true, "offset", T(INTEGER), 0);
	assert_ev(&e2, 5, true, "$.tags[]", T(STRING), 0);
}

static void
test_fields_index_by_place_equals_scanning(void **state)
{
	(void)state;
	struct schema_fields sf;
	/* places interleaved, as a record may hold them: a list per place */
	rec_start();
	add(AR_IN_RESP_BODY, "$", AR_TYPE_OBJECT, AR_FMT_NONE, NULL);
	add(AR_IN_QUERY, "limit", AR_TYPE_INTEGER, AR_FMT_NONE, "20");
	add(AR_IN_RESP_BODY, "$.id", AR_TYPE_INTEGER, AR_FMT_NONE, "7");
	add(AR_IN_HEADER, "x-request-id", AR_TYPE_STRING, AR_FMT_UUID, NULL);
	add(AR_IN_QUERY, "offset", AR_TYPE_INTEGER, AR_FMT_NONE, "40");
	add(AR_IN_RESP_BODY, "$.tags[]", AR_TYPE_STRING, AR_FMT_NONE, "red");
	schema_fields_index(&rec, &sf);
	assert_true(sf.listed);
	assert_int_equal(sf.n[AR_IN_QUERY], 2);
	assert_int_equal(sf.at[AR_IN_QUERY][0], 1);
	assert_int_equal(sf.at[AR_IN_QUERY][1], 4);
	assert_int_equal(sf.n[AR_IN_HEADER], 1);
	assert_int_equal(sf.at[AR_IN_HEADER][0], 3);
	assert_int_equal(sf.n[AR_IN_COOKIE], 0);
	assert_int_equal(sf.n[AR_IN_REQ_BODY], 0);
	assert_int_equal(sf.n[AR_IN_RESP_BODY], 3);
	assert_int_equal(sf.at[AR_IN_RESP_BODY][0], 0);
	assert_int_equal(sf.at[AR_IN_RESP_BODY][1], 2);
	assert_int_equal(sf.at[AR_IN_RESP_BODY][2], 5);
	assert_index_equals_scanning(&sf);

	/* each place in one run, as workers build records: ranges */
	rec_start();
	add(AR_IN_QUERY, "limit", AR_TYPE_INTEGER, AR_FMT_NONE, "20");
	add(AR_IN_QUERY, "offset", AR_TYPE_INTEGER, AR_FMT_NONE, "40");
	add(AR_IN_HEADER, "x-request-id", AR_TYPE_STRING, AR_FMT_UUID, NULL);
	add(AR_IN_RESP_BODY, "$", AR_TYPE_OBJECT, AR_FMT_NONE, NULL);
	add(AR_IN_RESP_BODY, "$.id", AR_TYPE_INTEGER, AR_FMT_NONE, "7");
	add(AR_IN_RESP_BODY, "$.tags[]", AR_TYPE_STRING, AR_FMT_NONE, "red");
	schema_fields_index(&rec, &sf);
	assert_false(sf.listed);
	assert_int_equal(sf.n[AR_IN_QUERY], 2);
	assert_int_equal(sf.first[AR_IN_QUERY], 0);
	assert_int_equal(sf.n[AR_IN_HEADER], 1);
	assert_int_equal(sf.first[AR_IN_HEADER], 2);
	assert_int_equal(sf.n[AR_IN_COOKIE], 0);
	assert_int_equal(sf.n[AR_IN_REQ_BODY], 0);
	assert_int_equal(sf.n[AR_IN_RESP_BODY], 3);
	assert_int_equal(sf.first[AR_IN_RESP_BODY], 3);
	assert_index_equals_scanning(&sf);
}

static void
count_seen_twice(void *user, const struct schema_prop *p)
{
	unsigned *n = user;
	assert_int_equal(schema_seen(p->s), 2);
	assert_true(p->required);
	(*n)++;
}

static void
test_keys_of_every_length_found_again(void **state)
{
	(void)state;
	static const char abc[] = "abcdefghijklmnopqrst";
	struct schema *s = schema_new();
	unsigned news = 0;
	for (unsigned k = 0; k < 2; k++) {
		rec_start();
		/* keys of 1 to 20 bytes, at the end of a path and before a '.' or '[' */
		for (unsigned l = 1; l <= 20; l++) {
			char path[64];
			snprintf(path, sizeof(path), "$.%.*s.%.*s", (int)l, abc, (int)l, abc);
			add(AR_IN_REQ_BODY, path, AR_TYPE_STRING, AR_FMT_NONE, NULL);
			snprintf(path, sizeof(path), "$.%.*s[]", (int)l, abc);
			add(AR_IN_REQ_BODY, path, AR_TYPE_INTEGER, AR_FMT_NONE, NULL);
		}
		/* names that differ only in their second word, found by the index */
		for (unsigned i = 0; i < 40; i++) {
			char path[32];
			snprintf(path, sizeof(path), "$.field_name_%02u", i);
			add(AR_IN_REQ_BODY, path, AR_TYPE_BOOLEAN, AR_FMT_NONE, NULL);
		}
		assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 1000, NULL,
						count_change, &news),
				 0);
		/* 20 keys with a property and items each, 40 more: new once */
		assert_int_equal(news, 100);
		assert_int_equal(schema_size(s), 100);
	}
	unsigned n = 0;
	schema_foreach_prop(s, count_seen_twice, &n);
	assert_int_equal(n, 60);
	/* the lookups of marking take the same paths */
	schema_mark_sensitive(s, "$.abcdefghijklmnopq.abcdefghijklmnopq", 37, false, "pii", 3);
	schema_mark_sensitive(s, "$.field_name_39", 15, false, "secret", 6);
	char *got = render(s);
	assert_non_null(strstr(got, "\"abcdefghijklmnopq\":{\"oneOf\":[{\"type\":\"object\","
				    "\"properties\":{\"abcdefghijklmnopq\":{\"type\":\"string\","
				    "\"x-sensitive\":[\"pii\"]}}"));
	assert_non_null(strstr(got, "\"field_name_39\":{\"type\":\"boolean\","
				    "\"x-sensitive\":[\"secret\"]}"));
	free(got);
	schema_free(s);
}

static void
test_shared_prefix_that_is_not_a_segment(void **state)
{
	(void)state;
	struct schema *s = schema_new();
	struct evlog ev = { 0 };
	rec_start();
	/* "$.abc" is a prefix of "$.abcd" in bytes, not in segments */
	add_fields(AR_IN_REQ_BODY, "o $.abc\ns $.abc.d\ni $.abcd\na $.abc\ni $.abc[]");
	assert_int_equal(schema_observe(s, &rec, AR_IN_REQ_BODY, false, 100, NULL, on_change, &ev),
			 0);
	assert_int_equal(schema_size(s), 4);
	/* "$.abc" got its array type in its first call: not a change */
	assert_int_equal(ev.n, 4);
	assert_ev(&ev, 0, true, "$.abc", T(OBJECT), 0);
	assert_ev(&ev, 1, true, "$.abc.d", T(STRING), 0);
	assert_ev(&ev, 2, true, "$.abcd", T(INTEGER), 0);
	assert_ev(&ev, 3, true, "$.abc[]", T(INTEGER), 0);
	assert_json(s, "{\"type\":\"object\",\"properties\":{\"abc\":{\"oneOf\":[{\"type\":"
		       "\"object\",\"properties\":{\"d\":{\"type\":\"string\"}},\"required\":"
		       "[\"d\"]},{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}]},"
		       "\"abcd\":{\"type\":\"integer\"}},\"required\":[\"abc\",\"abcd\"]}");
	schema_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_required_by_frequency),
		cmocka_unit_test(test_flat_call_without_params_counts_an_instance),
		cmocka_unit_test(test_flat_repeated_param_counted_once_with_both_types),
		cmocka_unit_test(test_type_changes_reported_with_exact_masks),
		cmocka_unit_test(test_json_nested_paths_and_array_items),
		cmocka_unit_test(test_bracket_keys_and_cut_records_placed),
		cmocka_unit_test(test_field_cap_counted),
		cmocka_unit_test(test_depth_beyond_limit_counted),
		cmocka_unit_test(test_many_properties_found_by_index),
		cmocka_unit_test(test_many_properties_keep_first_seen_order),
		cmocka_unit_test(test_enum_overflow_counts_dropped_samples),
		cmocka_unit_test(test_sensitive_types_capped_at_four),
		cmocka_unit_test(test_merge_equals_observing_both_streams),
		cmocka_unit_test(test_merge_enum_sets_united_with_cap),
		cmocka_unit_test(test_encode_decode_round_trip),
		cmocka_unit_test(test_decode_refuses_hostile_bytes),
		cmocka_unit_test(test_decode_depth_limited),
		cmocka_unit_test(test_openapi_flat_params_required_by_frequency),
		cmocka_unit_test(test_openapi_nested_objects_and_arrays_of_objects),
		cmocka_unit_test(test_openapi_empty_schema_and_array_without_items),
		cmocka_unit_test(test_openapi_formats_stick_only_when_all_strings_had_them),
		cmocka_unit_test(test_openapi_conflicting_types),
		cmocka_unit_test(test_openapi_enums_only_for_few_values_seen_often),
		cmocka_unit_test(test_openapi_sensitive_marks_and_escaped_keys),
		cmocka_unit_test(test_fields_index_by_place_equals_scanning),
		cmocka_unit_test(test_keys_of_every_length_found_again),
		cmocka_unit_test(test_shared_prefix_that_is_not_a_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
