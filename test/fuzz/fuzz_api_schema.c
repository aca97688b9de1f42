/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target of lib/api's schemas. The input is read two ways:
 *
 *  1. As persisted schema bytes: schema_decode() must refuse or accept
 *     them without a fault or a leak; what it accepts must encode, decode
 *     and encode again to the same bytes, learn on, merge and render.
 *
 *  2. As records: byte 0 chooses the mode (bit 0: flat, the rest modulo
 *     AR_IN_MAX: where), byte 1 is max_fields, the rest are lines
 *
 *        <type><format><name>[\t<value>]
 *
 *     type one of n b i d s o a (null ... array; in upper case the field
 *     goes to another place, to be ignored), any other byte modulo
 *     AR_TYPE_MAX; format a digit (any byte modulo AR_FMT_MAX); a line
 *     "x" + <format> + <path>\t<type> marks sensitive data once every
 *     record is observed. An empty line ends a record. The records are
 *     observed into one schema, and also split in two halves observed
 *     into two schemas then merged: when no cap was hit, the merge must
 *     encode to the same bytes as the single schema.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_priv.h"

#define MAX_RECS  16
#define MAX_MARKS 16

static struct ar_api_rec recs[MAX_RECS];

struct mark {
	const char *path, *type;
	size_t pl, tl;
};

static FILE *sink;

static enum ar_api_type
type_of(uint8_t c, bool *other)
{
	static const char names[] = "nbidsoa";
	*other = c >= 'A' && c <= 'Z';
	if (*other)
		c = (uint8_t)(c - 'A' + 'a');
	const char *p = memchr(names, c, sizeof(names) - 1);
	return p ? (enum ar_api_type)(p - names) : (enum ar_api_type)(c % AR_TYPE_MAX);
}

static void
encode(const struct schema *s, struct wbuf *b)
{
	*b = (struct wbuf){ 0 };
	schema_encode(s, b);
	if (b->oom)
		abort();
}

static bool
same(const struct wbuf *a, const struct wbuf *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Encodes @s, decodes, encodes again: the bytes must match. */
static void
round_trip(const struct schema *s)
{
	struct wbuf a, b;
	encode(s, &a);
	struct rbuf in = { .p = a.p, .len = a.len };
	struct schema *d = schema_decode(&in);
	if (d == NULL || in.off != a.len || schema_size(d) != schema_size(s) ||
	    schema_seen(d) != schema_seen(s))
		abort();
	encode(d, &b);
	if (!same(&a, &b))
		abort();
	schema_free(d);
	wbuf_free(&a);
	wbuf_free(&b);
}

static void
render(const struct schema *s)
{
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	struct doc *d = doc_new();
	if (d == NULL)
		return;
	schema_to_doc(s, d, doc_root(d));
	if (sink)
		doc_write_json(d, sink);
	doc_free(d);
}

static void
observe(struct schema *s, unsigned from, unsigned to, enum ar_api_where where, bool flat,
	uint32_t max_fields, uint64_t *capped)
{
	for (unsigned i = from; i < to; i++)
		if (schema_observe(s, &recs[i], where, flat, max_fields, capped, NULL, NULL) != 0)
			abort();
}

static void
mark(struct schema *s, const struct mark *m, unsigned n, bool flat)
{
	for (unsigned i = 0; i < n; i++)
		schema_mark_sensitive(s, m[i].path, m[i].pl, flat, m[i].type, m[i].tl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 1: the input as persisted bytes */
	struct rbuf in = { .p = data, .len = size };
	struct schema *dec = schema_decode(&in);
	if (dec)
		round_trip(dec);

	/* 2: the input as records */
	if (size < 2) {
		schema_free(dec);
		return 0;
	}
	bool flat = data[0] & 1;
	enum ar_api_where where = (enum ar_api_where)((data[0] >> 1) % AR_IN_MAX);
	enum ar_api_where elsewhere = (enum ar_api_where)((where + 1) % AR_IN_MAX);
	uint32_t max_fields = data[1];
	struct mark marks[MAX_MARKS];
	unsigned nrec = 0, nmark = 0;
	const char *p = (const char *)data + 2, *end = (const char *)data + size;

	ar_api_rec_init(&recs[0]);
	while (p < end && nrec < MAX_RECS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (n == 0) {
			if (recs[nrec].n_fields && ++nrec < MAX_RECS)
				ar_api_rec_init(&recs[nrec]);
		} else if (n >= 2) {
			const char *name = p + 2;
			const char *tab = memchr(name, '\t', (size_t)(le - name));
			size_t nl_len = (size_t)((tab ? tab : le) - name);
			const char *val = tab ? tab + 1 : NULL;
			size_t vl = tab ? (size_t)(le - val) : 0;
			if (p[0] == 'x') {
				if (nmark < MAX_MARKS)
					marks[nmark++] =
						(struct mark){ name, val ? val : "", nl_len, vl };
			} else {
				bool other;
				enum ar_api_type t = type_of((uint8_t)p[0], &other);
				enum ar_api_fmt f = (enum ar_api_fmt)((uint8_t)p[1] % AR_FMT_MAX);
				ar_api_rec_field(&recs[nrec], other ? elsewhere : where, name,
						 nl_len, t, f, val, vl, 0);
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (nrec < MAX_RECS && recs[nrec].n_fields)
		nrec++;

	uint64_t capped = 0, capped_a = 0, capped_b = 0;
	struct schema *all = schema_new(), *a = schema_new(), *b = schema_new();
	if (all == NULL || a == NULL || b == NULL)
		abort();
	observe(all, 0, nrec, where, flat, max_fields, &capped);
	observe(a, 0, nrec / 2, where, flat, max_fields, &capped_a);
	observe(b, nrec / 2, nrec, where, flat, max_fields, &capped_b);
	mark(all, marks, nmark, flat);
	mark(a, marks, nmark, flat);
	mark(b, marks, nmark, flat);
	if (schema_size(all) > max_fields)
		abort();
	if (schema_merge(a, b) != 0)
		abort();
	if (capped == 0 && capped_a == 0 && capped_b == 0) {
		struct wbuf x, y;
		encode(all, &x);
		encode(a, &y);
		if (!same(&x, &y) || schema_size(a) != schema_size(all))
			abort();
		wbuf_free(&x);
		wbuf_free(&y);
	}
	round_trip(all);
	round_trip(a);
	render(all);

	/* what was decoded learns the records and merges both ways */
	if (dec) {
		observe(dec, 0, nrec, where, flat, max_fields, &capped);
		mark(dec, marks, nmark, flat);
		round_trip(dec);
		if (schema_merge(all, dec) != 0 || schema_merge(dec, b) != 0)
			abort();
		round_trip(all);
		round_trip(dec);
		render(dec);
	}
	schema_free(dec);
	schema_free(all);
	schema_free(a);
	schema_free(b);
	return 0;
}
