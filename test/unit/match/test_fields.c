/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match field extraction tests. Each walker's output is recorded as
 * "kind|name|value" lines (kinds S N B Z O A) and compared whole. Inputs
 * are copied into buffers of their exact size, so the sanitizers catch any
 * read past the end. JSON and multipart bodies are also cut at every byte:
 * each cut must hand out a prefix of the whole result, where only the last
 * value may itself be a prefix of the whole one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first */
// clang-format off
#include <cmocka.h>
// clang-format on

#include <ar_match.h>

/* ---- recording ------------------------------------------------------ */

#define MAX_EV 80

struct ev {
	enum ar_field_kind kind;
	char name[AR_JSON_MAX_PATH + 1];
	size_t nl;
	char value[512];
	size_t vl;
};

struct rec {
	struct ev ev[MAX_EV];
	unsigned n;
	unsigned stop_at; /* ask to stop at this event (1-based); 0: never */
	char text[8192];
	size_t tl;
};

static int
on_field(void *user, enum ar_field_kind kind, const char *name, size_t nl, const char *value,
	 size_t vl)
{
	static const char kinds[] = "SNBZOA";
	struct rec *r = user;
	struct ev *e;
	int w;

	assert_in_range(kind, AR_FIELD_STRING, AR_FIELD_ARRAY);
	assert_true(r->n < MAX_EV);
	assert_true(nl <= AR_JSON_MAX_PATH);
	assert_true(vl < sizeof(e->value));
	e = &r->ev[r->n++];
	e->kind = kind;
	memcpy(e->name, name, nl);
	e->nl = nl;
	memcpy(e->value, value, vl);
	e->vl = vl;
	w = snprintf(r->text + r->tl, sizeof(r->text) - r->tl, "%c|%.*s|%.*s\n", kinds[kind],
		     (int)nl, name, (int)vl, value);
	assert_true(w > 0 && (size_t)w < sizeof(r->text) - r->tl);
	r->tl += (size_t)w;
	return r->stop_at != 0 && r->n == r->stop_at;
}

enum walker {
	W_FORM,
	W_FORM_SEMI,
	W_COOKIE,
	W_JSON,
	W_MULTIPART,
};

static const char *mp_boundary = "b";

/* Walks the first @n bytes of @s, copied to a buffer of exactly @n bytes. */
static enum ar_walk_status
walk_n(enum walker w, const char *s, size_t n, struct rec *r, unsigned stop_at)
{
	char *buf = malloc(n ? n : 1);
	enum ar_walk_status st = AR_WALK_OK;

	assert_non_null(buf);
	memcpy(buf, s, n);
	memset(r, 0, sizeof(*r));
	r->stop_at = stop_at;
	switch (w) {
	case W_FORM:
		st = ar_form_walk(buf, n, false, on_field, r);
		break;
	case W_FORM_SEMI:
		st = ar_form_walk(buf, n, true, on_field, r);
		break;
	case W_COOKIE:
		st = ar_cookie_walk(buf, n, on_field, r);
		break;
	case W_JSON:
		st = ar_json_walk(buf, n, on_field, r);
		break;
	case W_MULTIPART:
		st = ar_multipart_walk(buf, n, mp_boundary, strlen(mp_boundary), on_field, r);
		break;
	}
	free(buf);
	return st;
}

static enum ar_walk_status
walk(enum walker w, const char *s, struct rec *r)
{
	return walk_n(w, s, strlen(s), r, 0);
}

static struct rec rec, rec2;

#define EXPECT(w, input, status, out)                                                              \
	do {                                                                                       \
		assert_int_equal(walk((w), (input), &rec), (status));                              \
		assert_string_equal(rec.text, (out));                                              \
	} while (0)

/*
 * Cuts @s at every byte: each cut must give @cut_status (or OK once @ok_from
 * bytes are there) and a prefix of the whole result.
 */
static void
check_cuts(enum walker w, const char *s, enum ar_walk_status full_status, size_t ok_from)
{
	size_t n = strlen(s);
	unsigned last_n = 0;

	assert_int_equal(walk_n(w, s, n, &rec, 0), full_status);
	for (size_t k = 0; k < n; k++) {
		enum ar_walk_status st = walk_n(w, s, k, &rec2, 0);

		if (k >= ok_from)
			assert_int_equal(st, AR_WALK_OK);
		else
			assert_int_equal(st, AR_WALK_TRUNCATED);
		assert_true(rec2.n <= rec.n);
		assert_true(rec2.n >= last_n);
		last_n = rec2.n;
		for (unsigned i = 0; i < rec2.n; i++) {
			const struct ev *a = &rec2.ev[i], *b = &rec.ev[i];

			assert_int_equal(a->kind, b->kind);
			assert_int_equal(a->nl, b->nl);
			assert_memory_equal(a->name, b->name, a->nl);
			if (i + 1 < rec2.n || a->vl == b->vl) {
				assert_int_equal(a->vl, b->vl);
			} else {
				/* only a cut string or body may be shorter */
				assert_int_equal(a->kind, AR_FIELD_STRING);
				assert_true(a->vl < b->vl);
			}
			if (a->vl)
				assert_memory_equal(a->value, b->value, a->vl);
		}
	}
}

/* ---- form ------------------------------------------------------------ */

static void
test_form_pairs(void **state)
{
	(void)state;
	EXPECT(W_FORM, "a=1&b=&c&=x&&d=%41+b&e==f", AR_WALK_OK,
	       "S|a|1\n"
	       "S|b|\n"
	       "S|c|\n"
	       "S||x\n"
	       "S|d|%41+b\n"
	       "S|e|=f\n");
	EXPECT(W_FORM, "a=1&", AR_WALK_OK, "S|a|1\n");
	EXPECT(W_FORM, "&a", AR_WALK_OK, "S|a|\n");
}

static void
test_form_empty_pairs_skipped(void **state)
{
	(void)state;
	EXPECT(W_FORM, "", AR_WALK_OK, "");
	EXPECT(W_FORM, "&&&", AR_WALK_OK, "");
	EXPECT(W_FORM, "=&=", AR_WALK_OK, "");
	assert_int_equal(ar_form_walk(NULL, 0, false, on_field, &rec), AR_WALK_OK);
}

static void
test_form_semicolon(void **state)
{
	(void)state;
	EXPECT(W_FORM_SEMI, "a=1;b=2&c=3;;", AR_WALK_OK, "S|a|1\nS|b|2\nS|c|3\n");
	EXPECT(W_FORM, "a=1;b=2&c=3;;", AR_WALK_OK, "S|a|1;b=2\nS|c|3;;\n");
}

static void
test_form_stop(void **state)
{
	(void)state;
	assert_int_equal(walk_n(W_FORM, "a=1&b=2&c=3", 11, &rec, 2), AR_WALK_STOPPED);
	assert_string_equal(rec.text, "S|a|1\nS|b|2\n");
}

/* ---- cookie ---------------------------------------------------------- */

static void
test_cookie_pairs(void **state)
{
	(void)state;
	EXPECT(W_COOKIE, " a=1; b = 2 ;c=\"q v\";\td\t; e=; =f;;=; g=h=i", AR_WALK_OK,
	       "S|a|1\n"
	       "S|b|2\n"
	       "S|c|\"q v\"\n"
	       "S||d\n"
	       "S|e|\n"
	       "S||f\n"
	       "S|g|h=i\n");
	EXPECT(W_COOKIE, "sid=abc", AR_WALK_OK, "S|sid|abc\n");
}

static void
test_cookie_empty(void **state)
{
	(void)state;
	EXPECT(W_COOKIE, "", AR_WALK_OK, "");
	EXPECT(W_COOKIE, "  ;\t; ;", AR_WALK_OK, "");
	EXPECT(W_COOKIE, " = ", AR_WALK_OK, "");
}

static void
test_cookie_stop(void **state)
{
	(void)state;
	assert_int_equal(walk_n(W_COOKIE, "a=1; b=2", 8, &rec, 1), AR_WALK_STOPPED);
	assert_string_equal(rec.text, "S|a|1\n");
}

/* ---- JSON ------------------------------------------------------------ */

static const char json_doc[] =
	"{\"a\":1,\"b\":{\"c\":\"x\\\"y\",\"d\":[true,false,null,{\"e\":-1.5e+3}]},"
	"\"items\":[{\"id\":1},{\"id\":2}],\"a b\":\"k\",\"\":0,\"x-y_z\":[],\"_0\":{},"
	"\"u\":\"\\u00e9\\n\"}";

static const char json_doc_out[] = "O|$|\n"
				   "N|$.a|1\n"
				   "O|$.b|\n"
				   "S|$.b.c|x\\\"y\n"
				   "A|$.b.d|\n"
				   "B|$.b.d[]|true\n"
				   "B|$.b.d[]|false\n"
				   "Z|$.b.d[]|null\n"
				   "O|$.b.d[]|\n"
				   "N|$.b.d[].e|-1.5e+3\n"
				   "A|$.items|\n"
				   "O|$.items[]|\n"
				   "N|$.items[].id|1\n"
				   "O|$.items[]|\n"
				   "N|$.items[].id|2\n"
				   "S|$[\"a b\"]|k\n"
				   "N|$[\"\"]|0\n"
				   "A|$.x-y_z|\n"
				   "O|$._0|\n"
				   "S|$.u|\\u00e9\\n\n";

static void
test_json_paths_and_kinds(void **state)
{
	(void)state;
	EXPECT(W_JSON, json_doc, AR_WALK_OK, json_doc_out);
}

static void
test_json_whitespace(void **state)
{
	(void)state;
	EXPECT(W_JSON, " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n", AR_WALK_OK,
	       "O|$|\nA|$.a|\nN|$.a[]|1\nN|$.a[]|2\nO|$.b|\n");
	EXPECT(W_JSON, "[ ]", AR_WALK_OK, "A|$|\n");
}

static void
test_json_top_level_scalars(void **state)
{
	(void)state;
	EXPECT(W_JSON, "42", AR_WALK_OK, "N|$|42\n");
	EXPECT(W_JSON, " -0.5E-2 ", AR_WALK_OK, "N|$|-0.5E-2\n");
	EXPECT(W_JSON, "\"s\\n\"", AR_WALK_OK, "S|$|s\\n\n");
	EXPECT(W_JSON, "\"\"", AR_WALK_OK, "S|$|\n");
	EXPECT(W_JSON, " true ", AR_WALK_OK, "B|$|true\n");
	EXPECT(W_JSON, "false", AR_WALK_OK, "B|$|false\n");
	EXPECT(W_JSON, "null", AR_WALK_OK, "Z|$|null\n");
	EXPECT(W_JSON, "0", AR_WALK_OK, "N|$|0\n");
}

static void
test_json_bom(void **state)
{
	(void)state;
	EXPECT(W_JSON, "\xef\xbb\xbf{\"a\":1}", AR_WALK_OK, "O|$|\nN|$.a|1\n");
	EXPECT(W_JSON, "\xef\xbb", AR_WALK_TRUNCATED, "");
	EXPECT(W_JSON, "\xef\xbbx", AR_WALK_INVALID, "");
	EXPECT(W_JSON, "\xef\xbb\xbf", AR_WALK_TRUNCATED, "");
}

static void
test_json_keys_not_identifiers(void **state)
{
	(void)state;
	EXPECT(W_JSON, "{\"a\\\"b\":1,\"\\u00e9\":2,\"\xc3\xa9\":3,\"a.b\":4,\"0a\":5,\"A_9-\":6}",
	       AR_WALK_OK,
	       "O|$|\n"
	       "N|$[\"a\\\"b\"]|1\n"
	       "N|$[\"\\u00e9\"]|2\n"
	       "N|$[\"\xc3\xa9\"]|3\n"
	       "N|$[\"a.b\"]|4\n"
	       "N|$[\"0a\"]|5\n"
	       "N|$.A_9-|6\n");
}

static void
test_json_unicode_escapes_raw(void **state)
{
	(void)state;
	EXPECT(W_JSON, "[\"\\ud83d\\ude00\",\"\\u00E9x\",\"\\/\\b\\f\\r\\t\\\\\",\"\xe4\xb8\xad\"]",
	       AR_WALK_OK,
	       "A|$|\n"
	       "S|$[]|\\ud83d\\ude00\n"
	       "S|$[]|\\u00E9x\n"
	       "S|$[]|\\/\\b\\f\\r\\t\\\\\n"
	       "S|$[]|\xe4\xb8\xad\n");
}

static void
test_json_invalid(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "{\"a\" 1}", "O|$|\n" },
		{ "[1,]", "A|$|\nN|$[]|1\n" },
		{ "{\"a\":1,}", "O|$|\nN|$.a|1\n" },
		{ "[01]", "A|$|\n" },
		{ "[1.]", "A|$|\n" },
		{ "[.5]", "A|$|\n" },
		{ "[+1]", "A|$|\n" },
		{ "[1e]", "A|$|\n" },
		{ "[-]", "A|$|\n" },
		{ "[\"a\x01\"]", "A|$|\n" },
		{ "[\"\\q\"]", "A|$|\n" },
		{ "[\"\\u12G4\"]", "A|$|\n" },
		{ "[True]", "A|$|\n" },
		{ "[nul]", "A|$|\n" },
		{ "[truex]", "A|$|\n" },
		{ "[1x]", "A|$|\n" },
		{ "{'a':1}", "O|$|\n" },
		{ "[1 2]", "A|$|\nN|$[]|1\n" },
		{ "]", "" },
		{ "{\"a\":1]", "O|$|\nN|$.a|1\n" },
		{ "[}", "A|$|\n" },
		{ "{1:2}", "O|$|\n" },
		{ "{\"a\":}", "O|$|\n" },
		{ "[1,,2]", "A|$|\nN|$[]|1\n" },
		{ "\"\t\"", "" },
		{ "{\"a\\u0zzz\":1}", "O|$|\n" },
		{ "{,}", "O|$|\n" },
		/* trailing garbage */
		{ "{} x", "O|$|\n" },
		{ "{}{}", "O|$|\n" },
		{ "1 2", "N|$|1\n" },
		{ "[1]]", "A|$|\nN|$[]|1\n" },
		{ "\"a\"\"b\"", "S|$|a\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(walk(W_JSON, cases[i].in, &rec), AR_WALK_INVALID);
		assert_string_equal(rec.text, cases[i].out);
	}
}

static void
test_json_truncated(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "  \n", "" },
		{ "{\"a\":\"hello", "O|$|\nS|$.a|hello\n" },
		{ "[\"ab\\u00", "A|$|\nS|$[]|ab\\u00\n" },
		{ "[\"ab\\", "A|$|\nS|$[]|ab\\\n" },
		{ "\"abc", "S|$|abc\n" },
		{ "\"", "S|$|\n" },
		{ "[12", "A|$|\n" },
		{ "[1.", "A|$|\n" },
		{ "[1e+", "A|$|\n" },
		{ "[-", "A|$|\n" },
		{ "[tr", "A|$|\n" },
		{ "[true", "A|$|\nB|$[]|true\n" },
		{ "{\"ke", "O|$|\n" },
		{ "{\"key\"", "O|$|\n" },
		{ "{\"key\":", "O|$|\n" },
		{ "{\"a\":1,", "O|$|\nN|$.a|1\n" },
		{ "{\"a\":{}", "O|$|\nO|$.a|\n" },
		{ "-", "" },
		{ "fals", "" },
		{ "1.5e", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(walk(W_JSON, cases[i].in, &rec), AR_WALK_TRUNCATED);
		assert_string_equal(rec.text, cases[i].out);
	}
	assert_int_equal(ar_json_walk(NULL, 0, on_field, &rec), AR_WALK_TRUNCATED);
}

static void
test_json_cut_at_every_byte(void **state)
{
	(void)state;
	check_cuts(W_JSON, json_doc, AR_WALK_OK, SIZE_MAX);
	check_cuts(W_JSON, "[\"\\ud83d\\ude00\",[[\"x\"]],{\"k\\n\":\"v\\\\\"}]", AR_WALK_OK,
		   SIZE_MAX);
}

/*
 * @depth nested arrays ("[[1]]") or objects ("{"a":{"a":1}}"); the
 * innermost one is empty when @empty.
 */
static char *
nested(unsigned depth, bool obj, bool empty)
{
	char *s = malloc(depth * 6 + 2);
	size_t l = 0;

	assert_non_null(s);
	for (unsigned i = 0; i < depth; i++) {
		if (obj && (i + 1 < depth || !empty)) {
			memcpy(s + l, "{\"a\":", 5);
			l += 5;
		} else {
			s[l++] = obj ? '{' : '[';
		}
	}
	if (!empty)
		s[l++] = '1';
	for (unsigned i = 0; i < depth; i++)
		s[l++] = obj ? '}' : ']';
	s[l] = '\0';
	return s;
}

static void
test_json_depth_32_ok(void **state)
{
	char *s = nested(32, false, false);
	char want[4096], path[80] = "$";
	size_t wl = 0;

	(void)state;
	for (unsigned i = 0; i < 32; i++) {
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "A|%s|\n", path);
		strcat(path, "[]");
	}
	snprintf(want + wl, sizeof(want) - wl, "N|%s|1\n", path);
	EXPECT(W_JSON, s, AR_WALK_OK, want);
	assert_int_equal(rec.ev[32].nl, 65);
	free(s);

	s = nested(32, true, false);
	assert_int_equal(walk(W_JSON, s, &rec), AR_WALK_OK);
	assert_int_equal(rec.n, 33);
	assert_int_equal(rec.ev[31].kind, AR_FIELD_OBJECT);
	assert_int_equal(rec.ev[31].nl, 1 + 2 * 31);
	assert_int_equal(rec.ev[32].kind, AR_FIELD_NUMBER);
	assert_int_equal(rec.ev[32].nl, 1 + 2 * 32);
	assert_memory_equal(rec.ev[32].name, "$.a.a.a", 7);
	free(s);

	s = nested(32, false, true);
	assert_int_equal(walk(W_JSON, s, &rec), AR_WALK_OK);
	assert_int_equal(rec.n, 32);
	free(s);
}

static void
test_json_depth_33_too_deep(void **state)
{
	char *s = nested(33, false, false);

	(void)state;
	assert_int_equal(walk(W_JSON, s, &rec), AR_WALK_TOO_DEEP);
	assert_int_equal(rec.n, 32);
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(rec.ev[i].kind, AR_FIELD_ARRAY);
		assert_int_equal(rec.ev[i].nl, 1 + 2 * i);
	}
	/* also when the input stops right after the 33rd '[' */
	assert_int_equal(walk_n(W_JSON, s, 33, &rec, 0), AR_WALK_TOO_DEEP);
	assert_int_equal(rec.n, 32);
	free(s);

	s = nested(33, true, false);
	assert_int_equal(walk(W_JSON, s, &rec), AR_WALK_TOO_DEEP);
	assert_int_equal(rec.n, 32);
	assert_int_equal(rec.ev[31].kind, AR_FIELD_OBJECT);
	assert_int_equal(rec.ev[31].nl, 1 + 2 * 31);
	assert_memory_equal(rec.ev[31].name, "$.a.a.a", 7);
	free(s);
}

static void
test_json_path_cut_at_max(void **state)
{
	char k[101], doc[600], want[2048], p3[AR_JSON_MAX_PATH + 1];

	(void)state;
	memset(k, 'k', 100);
	k[100] = '\0';
	snprintf(doc, sizeof(doc), "{\"%s\":{\"%s\":{\"%s\":1,\"z\":[2]}},\"short\":3}", k, k, k);
	/* "$.k...k.k...k.k...k" is 304 bytes: its first 256 are handed out */
	snprintf(want, sizeof(want), "$.%s.%s.%s", k, k, k);
	memcpy(p3, want, AR_JSON_MAX_PATH);
	p3[AR_JSON_MAX_PATH] = '\0';
	snprintf(want, sizeof(want),
		 "O|$|\nO|$.%s|\nO|$.%s.%s|\nN|%s|1\nA|$.%s.%s.z|\nN|$.%s.%s.z[]|2\n"
		 "N|$.short|3\n",
		 k, k, k, p3, k, k, k, k);
	EXPECT(W_JSON, doc, AR_WALK_OK, want);
	assert_int_equal(rec.ev[3].nl, AR_JSON_MAX_PATH);

	/* a key that fills the path exactly, and one byte more */
	char k254[255], k255[256];
	memset(k254, 'q', 254);
	k254[254] = '\0';
	memset(k255, 'q', 255);
	k255[255] = '\0';
	snprintf(doc, sizeof(doc), "{\"%s\":1,\"%s\":[{\"x\":2}],\"y\":3}", k254, k255);
	snprintf(want, sizeof(want), "O|$|\nN|$.%s|1\nA|$.%s|\nO|$.%s|\nN|$.%s|2\nN|$.y|3\n", k254,
		 k254, k254, k254);
	EXPECT(W_JSON, doc, AR_WALK_OK, want);
	for (unsigned i = 1; i <= 4; i++)
		assert_int_equal(rec.ev[i].nl, AR_JSON_MAX_PATH);

	/* a cut path inside a non-identifier key never overflows */
	memset(k255, ' ', 255);
	snprintf(doc, sizeof(doc), "{\"%s\":{\"a\":1}}", k255);
	assert_int_equal(walk(W_JSON, doc, &rec), AR_WALK_OK);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.ev[2].nl, AR_JSON_MAX_PATH);
	assert_memory_equal(rec.ev[2].name, "$[\"   ", 6);
}

static void
test_json_stop(void **state)
{
	(void)state;
	assert_int_equal(walk_n(W_JSON, "[1,2,3]", 7, &rec, 2), AR_WALK_STOPPED);
	assert_string_equal(rec.text, "A|$|\nN|$[]|1\n");
	assert_int_equal(walk_n(W_JSON, "{\"a\":1}", 7, &rec, 1), AR_WALK_STOPPED);
	assert_string_equal(rec.text, "O|$|\n");
	assert_int_equal(walk_n(W_JSON, "[\"abc", 5, &rec, 2), AR_WALK_STOPPED);
	assert_string_equal(rec.text, "A|$|\nS|$[]|abc\n");
	assert_int_equal(walk_n(W_JSON, "[null]", 6, &rec, 2), AR_WALK_STOPPED);
	assert_int_equal(walk_n(W_JSON, "[\"x\"]", 5, &rec, 2), AR_WALK_STOPPED);
}

/* ---- multipart ------------------------------------------------------- */

#define WB "----WebKitFormBoundaryX"

static const char mp_doc[] =
	"preamble text\r\n"
	"--" WB "\r\n"
	"Content-Disposition: form-data; name=\"user\"\r\n"
	"\r\n"
	"alice\r\n"
	"--" WB "\r\n"
	"content-disposition: form-data; NAME=\"avatar\"; FileName=\"a b;c.php\"\r\n"
	"Content-Type: image/png\r\n"
	"\r\n"
	"<?php system($_GET[1]); ?>\r\n\r\nline2\r\n"
	"--" WB " \t\r\n"
	"Content-Disposition: form-data; name=token\r\n"
	"\r\n"
	"\r\n"
	"--" WB "\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"no name\r\n"
	"--" WB "--\r\n"
	"epilogue\r\n";

static const char mp_doc_out[] = "S|user|alice\n"
				 "S|filename|a b;c.php\n"
				 "S|avatar|<?php system($_GET[1]); ?>\r\n\r\nline2\n"
				 "S|token|\n"
				 "S||no name\n";

static void
test_multipart_parts(void **state)
{
	(void)state;
	mp_boundary = WB;
	EXPECT(W_MULTIPART, mp_doc, AR_WALK_OK, mp_doc_out);
}

static void
test_multipart_bare_lf(void **state)
{
	(void)state;
	mp_boundary = "b";
	EXPECT(W_MULTIPART,
	       "--b\nContent-Disposition: form-data; name=\"a\"\n\nx\n"
	       "--b\nContent-Disposition: form-data; name=\"b\"; filename=f.txt\n\ny\n--b--\n",
	       AR_WALK_OK, "S|a|x\nS|filename|f.txt\nS|b|y\n");
}

static void
test_multipart_edges(void **state)
{
	(void)state;
	mp_boundary = "b";
	/* "--bX" is not a delimiter: it stays in the body */
	EXPECT(W_MULTIPART,
	       "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--bX\r\ny\r\n--b--",
	       AR_WALK_OK, "S|a|x\r\n--bX\r\ny\n");
	/* the line feed ending the headers also starts the delimiter */
	EXPECT(W_MULTIPART, "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n--b--",
	       AR_WALK_OK, "S|a|\n");
	/* first name and first filename win; filename* only without filename */
	EXPECT(W_MULTIPART,
	       "--b\r\nContent-Disposition: form-data; name=\"a\"; name=\"c\"; "
	       "filename*=UTF-8''%e2%82%ac.txt; filename=\"e.txt\"\r\n\r\nz\r\n"
	       "--b\r\nContent-Disposition: form-data; name=\"f\"; "
	       "filename*=UTF-8''x.php\r\n\r\nw\r\n--b--",
	       AR_WALK_OK, "S|filename|e.txt\nS|a|z\nS|filename|UTF-8''x.php\nS|f|w\n");
	/* quoted name with an escaped quote and a ';', other headers ignored */
	EXPECT(W_MULTIPART,
	       "--b\r\nX-Disposition: name=no\r\nContent-Disposition : form-data;name=\"q\\\";\""
	       "\r\n\r\nv\r\n--b--",
	       AR_WALK_OK, "S|q\\\";|v\n");
	/* closing delimiter only, no parts */
	EXPECT(W_MULTIPART, "--b--", AR_WALK_OK, "");
	EXPECT(W_MULTIPART, "junk\r\n--b--\r\n", AR_WALK_OK, "");
}

static void
test_multipart_truncated(void **state)
{
	(void)state;
	mp_boundary = "b";
	EXPECT(W_MULTIPART, "", AR_WALK_TRUNCATED, "");
	EXPECT(W_MULTIPART, "no delimiter at all", AR_WALK_TRUNCATED, "");
	EXPECT(W_MULTIPART, "--b", AR_WALK_TRUNCATED, "");
	EXPECT(W_MULTIPART, "--b\r\nContent-Disposition: form-data; name=a\r\n", AR_WALK_TRUNCATED,
	       "");
	EXPECT(W_MULTIPART, "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nxyz",
	       AR_WALK_TRUNCATED, "S|a|xyz\n");
	/* a tail that may start the next delimiter is not handed out */
	EXPECT(W_MULTIPART, "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nxyz\r\n-",
	       AR_WALK_TRUNCATED, "S|a|xyz\n");
	EXPECT(W_MULTIPART, "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nxyz\r",
	       AR_WALK_TRUNCATED, "S|a|xyz\n");
	/* the delimiter is there, the line after it is not */
	EXPECT(W_MULTIPART, "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nxyz\r\n--b",
	       AR_WALK_TRUNCATED, "S|a|xyz\n");
	EXPECT(W_MULTIPART, "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nxyz\r\n--b\r\n",
	       AR_WALK_TRUNCATED, "S|a|xyz\n");
	EXPECT(W_MULTIPART,
	       "--b\r\nContent-Disposition: form-data; name=a; filename=\"x.sh\"\r\n\r\n#!/bin",
	       AR_WALK_TRUNCATED, "S|filename|x.sh\nS|a|#!/bin\n");
}

static void
test_multipart_cut_at_every_byte(void **state)
{
	static const char lf_doc[] = "--b\nContent-Disposition: form-data; name=\"a\"\n\nx\n"
				     "--b\nContent-Disposition: form-data; name=\"b\"; "
				     "filename=f.txt\n\n--\n-b\n--b--\n";

	(void)state;
	mp_boundary = WB;
	check_cuts(W_MULTIPART, mp_doc, AR_WALK_OK,
		   (size_t)(strstr(mp_doc, "--" WB "--") - mp_doc) + 27);
	mp_boundary = "b";
	EXPECT(W_MULTIPART, lf_doc, AR_WALK_OK, "S|a|x\nS|filename|f.txt\nS|b|--\n-b\n");
	check_cuts(W_MULTIPART, lf_doc, AR_WALK_OK, sizeof(lf_doc) - 2);
}

static void
test_multipart_bad_boundary(void **state)
{
	char b71[72];

	(void)state;
	memset(b71, 'x', 71);
	b71[71] = '\0';
	assert_int_equal(ar_multipart_walk("--b--", 5, "", 0, on_field, &rec), AR_WALK_INVALID);
	assert_int_equal(ar_multipart_walk("--b--", 5, NULL, 1, on_field, &rec), AR_WALK_INVALID);
	assert_int_equal(ar_multipart_walk("--b--", 5, b71, 71, on_field, &rec), AR_WALK_INVALID);

	/* 70 is the longest allowed */
	char doc[400];
	b71[70] = '\0';
	mp_boundary = b71;
	snprintf(doc, sizeof(doc),
		 "--%s\r\nContent-Disposition: form-data; name=n\r\n\r\nv\r\n--%s--", b71, b71);
	EXPECT(W_MULTIPART, doc, AR_WALK_OK, "S|n|v\n");
}

static void
test_multipart_stop(void **state)
{
	(void)state;
	mp_boundary = WB;
	assert_int_equal(walk_n(W_MULTIPART, mp_doc, strlen(mp_doc), &rec, 2), AR_WALK_STOPPED);
	assert_string_equal(rec.text, "S|user|alice\nS|filename|a b;c.php\n");
	assert_int_equal(walk_n(W_MULTIPART, mp_doc, strlen(mp_doc), &rec, 1), AR_WALK_STOPPED);
	assert_string_equal(rec.text, "S|user|alice\n");
}

/* ---- boundary -------------------------------------------------------- */

static void
expect_boundary(const char *ctype, const char *want)
{
	size_t n = strlen(ctype), len = 0;
	char *buf = malloc(n ? n : 1);
	const char *b = NULL;
	bool found;

	assert_non_null(buf);
	memcpy(buf, ctype, n);
	found = ar_multipart_boundary(buf, n, &b, &len);
	if (want == NULL) {
		assert_false(found);
	} else {
		assert_true(found);
		assert_true(b >= buf && b + len <= buf + n);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(b, want, len);
	}
	free(buf);
}

static void
test_boundary(void **state)
{
	char b70[128], b71[128];

	(void)state;
	expect_boundary("multipart/form-data; boundary=----X", "----X");
	expect_boundary("multipart/form-data; BOUNDARY=\"a b;c\"", "a b;c");
	expect_boundary("multipart/form-data; charset=utf-8; Boundary=xyz; foo=bar", "xyz");
	expect_boundary("multipart/form-data; charset=\"x;boundary=no\"; boundary=yes", "yes");
	expect_boundary("multipart/form-data;boundary=abc \t", "abc");
	expect_boundary("multipart/form-data; xboundary=1; boundary = 2", "2");
	expect_boundary("multipart/form-data; boundary=first; boundary=second", "first");
	expect_boundary("multipart/form-data", NULL);
	expect_boundary("multipart/form-data; charset=utf-8", NULL);
	expect_boundary("multipart/form-data; boundary=", NULL);
	expect_boundary("multipart/form-data; boundary=\"\"", NULL);
	expect_boundary("multipart/form-data; boundary=\"abc", NULL);
	expect_boundary("multipart/form-data; boundary", NULL);
	expect_boundary("", NULL);
	memset(b70, 'z', sizeof(b70));
	snprintf(b71, sizeof(b71), "multipart/form-data; boundary=%.70s", b70);
	b70[70] = '\0';
	expect_boundary(b71, b70);
	snprintf(b71, sizeof(b71), "multipart/form-data; boundary=%.70sz", b70);
	expect_boundary(b71, NULL);
	assert_false(ar_multipart_boundary(NULL, 0, NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_pairs),
		cmocka_unit_test(test_form_empty_pairs_skipped),
		cmocka_unit_test(test_form_semicolon),
		cmocka_unit_test(test_form_stop),
		cmocka_unit_test(test_cookie_pairs),
		cmocka_unit_test(test_cookie_empty),
		cmocka_unit_test(test_cookie_stop),
		cmocka_unit_test(test_json_paths_and_kinds),
		cmocka_unit_test(test_json_whitespace),
		cmocka_unit_test(test_json_top_level_scalars),
		cmocka_unit_test(test_json_bom),
		cmocka_unit_test(test_json_keys_not_identifiers),
		cmocka_unit_test(test_json_unicode_escapes_raw),
		cmocka_unit_test(test_json_invalid),
		cmocka_unit_test(test_json_truncated),
		cmocka_unit_test(test_json_cut_at_every_byte),
		cmocka_unit_test(test_json_depth_32_ok),
		cmocka_unit_test(test_json_depth_33_too_deep),
		cmocka_unit_test(test_json_path_cut_at_max),
		cmocka_unit_test(test_json_stop),
		cmocka_unit_test(test_multipart_parts),
		cmocka_unit_test(test_multipart_bare_lf),
		cmocka_unit_test(test_multipart_edges),
		cmocka_unit_test(test_multipart_truncated),
		cmocka_unit_test(test_multipart_cut_at_every_byte),
		cmocka_unit_test(test_multipart_bad_boundary),
		cmocka_unit_test(test_multipart_stop),
		cmocka_unit_test(test_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
