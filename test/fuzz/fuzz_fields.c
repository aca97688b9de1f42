/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target of lib/match field extraction. The first byte selects the
 * walker (its value modulo 6), the rest is the walker's input:
 *   0  form, '&' only          3  JSON
 *   1  form, '&' and ';'       4  multipart, boundary "AaB03x"
 *   2  cookie                  5  boundary of the Content-Type up to the
 *                                 first '\n', then multipart over the rest
 * The input is copied into a buffer of its exact size. The callback aborts
 * unless every value lies inside that buffer and every name does too, or is
 * a JSON path ("$...", at most AR_JSON_MAX_PATH bytes), or the multipart
 * name "filename". When a JSON or multipart walk gives OK or TRUNCATED, the
 * same input cut in half and cut by one byte must give OK or TRUNCATED and
 * a prefix of its fields, where only the last value may be shorter. (Not
 * for JSON that is TRUNCATED with no field: "1." gives nothing, "1" the
 * top-level number 1.)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ar_match.h"

#define MAX_EV 64

struct fev {
	enum ar_field_kind kind;
	size_t nl, voff, vl;
	char name[AR_JSON_MAX_PATH];
};

struct walk {
	const char *base; /* the walker's input */
	size_t len;
	unsigned mode;
	unsigned n; /* fields seen */
	struct fev ev[MAX_EV];
};

static uint64_t touched;

static bool
inside(const struct walk *w, const char *p, size_t n)
{
	return p >= w->base && n <= w->len && (size_t)(p - w->base) <= w->len - n;
}

static int
on_field(void *user, enum ar_field_kind kind, const char *name, size_t nl, const char *value,
	 size_t vl)
{
	struct walk *w = user;

	if (kind > AR_FIELD_ARRAY)
		abort();
	if (!inside(w, value, vl))
		abort();
	if (!inside(w, name, nl)) {
		bool path = w->mode == 3 && nl >= 1 && nl <= AR_JSON_MAX_PATH && name[0] == '$';
		bool fname = w->mode >= 4 && nl == 8 && memcmp(name, "filename", 8) == 0;
		if (!path && !fname)
			abort();
	}
	if (w->mode == 3 && (nl == 0 || nl > AR_JSON_MAX_PATH || name[0] != '$'))
		abort();
	if (nl)
		touched += (unsigned char)name[0] + (unsigned char)name[nl - 1];
	if (vl)
		touched += (unsigned char)value[0] + (unsigned char)value[vl - 1];
	if (w->n < MAX_EV) {
		struct fev *e = &w->ev[w->n];
		e->kind = kind;
		e->nl = nl;
		e->voff = (size_t)(value - w->base);
		e->vl = vl;
		memcpy(e->name, name, nl < sizeof(e->name) ? nl : sizeof(e->name));
	}
	w->n++;
	return 0;
}

static const char fixed_boundary[] = "AaB03x";

static enum ar_walk_status
run(struct walk *w, unsigned mode, const uint8_t *in, size_t len, const char *b, size_t bl)
{
	char *buf = malloc(len ? len : 1);
	enum ar_walk_status st = AR_WALK_OK;

	if (buf == NULL)
		abort();
	memcpy(buf, in, len);
	w->base = buf;
	w->len = len;
	w->mode = mode;
	w->n = 0;
	switch (mode) {
	case 0:
	case 1:
		st = ar_form_walk(buf, len, mode == 1, on_field, w);
		break;
	case 2:
		st = ar_cookie_walk(buf, len, on_field, w);
		break;
	case 3:
		st = ar_json_walk(buf, len, on_field, w);
		break;
	default:
		st = ar_multipart_walk(buf, len, b, bl, on_field, w);
		break;
	}
	free(buf);
	w->base = NULL;
	return st;
}

static struct walk whole, part;

/* The walk of @in cut at @cut must give a prefix of the walk in `whole`. */
static void
check_cut(unsigned mode, const uint8_t *in, size_t cut, const char *b, size_t bl)
{
	enum ar_walk_status st = run(&part, mode, in, cut, b, bl);

	if (st != AR_WALK_OK && st != AR_WALK_TRUNCATED)
		abort();
	if (part.n > whole.n)
		abort();
	for (unsigned i = 0; i < part.n && i < MAX_EV; i++) {
		const struct fev *x = &part.ev[i], *y = &whole.ev[i];
		size_t cmp = x->nl < sizeof(x->name) ? x->nl : sizeof(x->name);

		if (x->kind != y->kind || x->nl != y->nl || memcmp(x->name, y->name, cmp) != 0 ||
		    x->voff != y->voff)
			abort();
		if (i + 1 < part.n ? x->vl != y->vl : x->vl > y->vl)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = fixed_boundary;
	size_t bl = sizeof(fixed_boundary) - 1;
	enum ar_walk_status st;
	unsigned mode;

	if (size == 0)
		return 0;
	mode = data[0] % 6;
	data++;
	size--;
	if (mode == 5) {
		const uint8_t *lf = memchr(data, '\n', size);
		size_t cl = lf != NULL ? (size_t)(lf - data) : size;
		char *ct = malloc(cl ? cl : 1);

		if (ct == NULL)
			abort();
		memcpy(ct, data, cl);
		if (!ar_multipart_boundary(ct, cl, &b, &bl)) {
			free(ct);
			return 0;
		}
		if (b < ct || bl == 0 || bl > 70 || (size_t)(b - ct) > cl - bl)
			abort();
		/* walk the rest with it */
		data += lf != NULL ? cl + 1 : cl;
		size -= lf != NULL ? cl + 1 : cl;
		st = run(&whole, 4, data, size, b, bl);
		if (st == AR_WALK_OK || st == AR_WALK_TRUNCATED) {
			check_cut(4, data, size / 2, b, bl);
			if (size)
				check_cut(4, data, size - 1, b, bl);
		}
		free(ct);
		return 0;
	}
	st = run(&whole, mode, data, size, b, bl);
	if (mode >= 3 && (st == AR_WALK_OK || st == AR_WALK_TRUNCATED) &&
	    !(mode == 3 && st == AR_WALK_TRUNCATED && whole.n == 0)) {
		check_cut(mode, data, size / 2, b, bl);
		if (size)
			check_cut(mode, data, size - 1, b, bl);
	}
	return 0;
}
