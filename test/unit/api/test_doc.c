/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Document trees: exact JSON and YAML for a small OpenAPI-like tree, JSON
 * escaping, quoting of YAML strings that a resolver would read as another
 * type, and a round trip through libyaml's parser in which every string
 * must come back with its bytes and as a string. "Would read as another
 * type" is judged here by the resolvers' own patterns (YAML 1.1 types,
 * PyYAML's float, YAML 1.2 core schema), independent of the writer's test.
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
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

#include <yaml.h>

#include "api_priv.h"

/* ---- helpers -------------------------------------------------------- */

/* The output of a writer as a malloc'ed string; *rc gets its return. */
static char *
written(const struct doc *d, bool yaml, int *rc, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	*rc = yaml ? doc_write_yaml(d, f) : doc_write_json(d, f);
	fclose(f);
	if (len != NULL)
		*len = n;
	return buf;
}

static void
assert_output(const struct doc *d, bool yaml, const char *want)
{
	int rc;
	char *got = written(d, yaml, &rc, NULL);

	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
}

/* The small tree of the exact-output tests. */
static struct doc *
small_tree(void)
{
	struct doc *d = doc_new();
	struct dnode *root = doc_root(d), *paths, *get, *p, *list;

	assert_non_null(d);
	doc_cstr(d, root, "openapi", "3.0.3");
	struct dnode *info = doc_map(d, root, "info");
	doc_cstr(d, info, "title", "demo");
	doc_cstr(d, info, "version", "1.0");
	paths = doc_map(d, root, "paths");
	get = doc_map(d, doc_map(d, paths, "/users/{id}"), "get");
	p = doc_map(d, doc_seq(d, get, "parameters"), NULL);
	doc_cstr(d, p, "name", "id");
	doc_cstr(d, p, "in", "path");
	doc_bool(d, p, "required", true);
	struct dnode *schema = doc_map(d, p, "schema");
	doc_cstr(d, schema, "type", "integer");
	doc_int(d, schema, "minimum", 1);
	doc_cstr(d, doc_map(d, doc_map(d, get, "responses"), "200"), "description", "ok");
	doc_int(d, root, "n", 42);
	doc_int(d, root, "neg", INT64_MIN);
	doc_num(d, root, "f", 1.5);
	doc_num(d, root, "whole", 2.0);
	doc_num(d, root, "big", 1e20);
	doc_num(d, root, "tiny", 0.1);
	doc_num(d, root, "nan", NAN);
	doc_seq(d, root, "e");
	doc_map(d, root, "m");
	list = doc_seq(d, root, "list");
	doc_int(d, list, NULL, 1);
	doc_cstr(d, list, NULL, "two");
	doc_bool(d, list, NULL, false);
	doc_seq(d, list, NULL);
	return d;
}

/* ---- JSON ------------------------------------------------------------- */

static void
test_json_of_small_tree_exact(void **state)
{
	struct doc *d = small_tree();

	(void)state;
	assert_output(d, false,
		      "{\n"
		      "  \"openapi\": \"3.0.3\",\n"
		      "  \"info\": {\n"
		      "    \"title\": \"demo\",\n"
		      "    \"version\": \"1.0\"\n"
		      "  },\n"
		      "  \"paths\": {\n"
		      "    \"/users/{id}\": {\n"
		      "      \"get\": {\n"
		      "        \"parameters\": [\n"
		      "          {\n"
		      "            \"name\": \"id\",\n"
		      "            \"in\": \"path\",\n"
		      "            \"required\": true,\n"
		      "            \"schema\": {\n"
		      "              \"type\": \"integer\",\n"
		      "              \"minimum\": 1\n"
		      "            }\n"
		      "          }\n"
		      "        ],\n"
		      "        \"responses\": {\n"
		      "          \"200\": {\n"
		      "            \"description\": \"ok\"\n"
		      "          }\n"
		      "        }\n"
		      "      }\n"
		      "    }\n"
		      "  },\n"
		      "  \"n\": 42,\n"
		      "  \"neg\": -9223372036854775808,\n"
		      "  \"f\": 1.5,\n"
		      "  \"whole\": 2.0,\n"
		      "  \"big\": 1.0e+20,\n"
		      "  \"tiny\": 0.1,\n"
		      "  \"nan\": null,\n"
		      "  \"e\": [],\n"
		      "  \"m\": {},\n"
		      "  \"list\": [\n"
		      "    1,\n"
		      "    \"two\",\n"
		      "    false,\n"
		      "    []\n"
		      "  ]\n"
		      "}\n");
	doc_free(d);
}

static void
test_json_escapes_exactly_and_stays_valid_utf8(void **state)
{
	struct doc *d = doc_new();
	struct dnode *r = doc_root(d);

	(void)state;
	doc_cstr(d, r, "quote\"back\\slash", "a\"b\\c/d");
	doc_cstr(d, r, "short", "\b\f\n\r\t");
	doc_str(d, r, "controls", "\x00\x01\x1f\x7f", 4);
	doc_cstr(d, r, "utf8", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* A stray continuation, an overlong, a surrogate, a cut sequence, F5. */
	doc_cstr(d, r, "bad", "\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf5");
	doc_cstr(d, r, "key\xff", "");
	assert_output(d, false,
		      "{\n"
		      "  \"quote\\\"back\\\\slash\": \"a\\\"b\\\\c/d\",\n"
		      "  \"short\": \"\\b\\f\\n\\r\\t\",\n"
		      "  \"controls\": \"\\u0000\\u0001\\u001f\\u007f\",\n"
		      "  \"utf8\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\n"
		      "  \"bad\": \"\\u0080|\\u00c0\\u00af|\\u00ed\\u00a0\\u0080|\\u00e2\\u0082|"
		      "\\u00f5\",\n"
		      "  \"key\\u00ff\": \"\"\n"
		      "}\n");
	doc_free(d);
}

/* ---- building ----------------------------------------------------------- */

static void
test_map_keys_stay_in_order_and_unique(void **state)
{
	struct doc *d = doc_new();
	struct dnode *r = doc_root(d), *m;

	(void)state;
	doc_cstr(d, r, "b", "1");
	doc_cstr(d, r, "a", "2");
	doc_cstr(d, r, "c", "3");
	m = doc_map(d, r, "a"); /* replaces "2" where it stood */
	doc_int(d, m, "x", 1);
	doc_int(d, r, "c", 4);     /* the last one */
	doc_bool(d, r, "b", true); /* the first one */

	assert_ptr_equal(doc_get(r, "a"), m);
	assert_null(doc_get(r, "z"));
	assert_null(doc_get(r, ""));
	assert_null(doc_get(doc_get(r, "b"), "x")); /* not a map */
	assert_non_null(doc_get(m, "x"));
	assert_output(d, false,
		      "{\n  \"b\": true,\n  \"a\": {\n    \"x\": 1\n  },\n  \"c\": 4\n}\n");
	doc_int(d, r, "d", 5); /* appending after a replaced last key */
	assert_output(d, true, "b: true\na:\n  x: 1\nc: 4\nd: 5\n");
	doc_free(d);
}

static void
test_misuse_and_failed_parents_are_refused_not_crashed(void **state)
{
	struct doc *d = doc_new();
	struct dnode *r = doc_root(d), *s;
	char *out;
	int rc;

	(void)state;
	/* NULL parents (what a failed doc_map() returns) do nothing. */
	doc_cstr(d, NULL, "k", "v");
	assert_null(doc_map(d, NULL, "k"));
	assert_null(doc_map(NULL, r, "k"));
	assert_null(doc_root(NULL));
	assert_null(doc_get(NULL, "k"));
	assert_output(d, false, "{}\n");

	/* A sequence item with a key, then a map member without one. */
	s = doc_seq(d, r, "s");
	doc_cstr(d, s, "k", "v");
	out = written(d, false, &rc, NULL);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(out, "");
	free(out);
	doc_free(d);

	d = doc_new();
	doc_int(d, doc_root(d), NULL, 1);
	out = written(d, true, &rc, NULL);
	assert_int_equal(rc, -EINVAL);
	free(out);
	doc_free(d);

	/* A scalar as a parent. */
	d = doc_new();
	doc_int(d, doc_root(d), "i", 1);
	doc_int(d, doc_get(doc_root(d), "i"), "j", 2);
	out = written(d, false, &rc, NULL);
	assert_int_equal(rc, -EINVAL);
	free(out);
	doc_free(d);
	doc_free(NULL);
	assert_int_equal(doc_write_json(NULL, stdout), -EINVAL);
}

static void
test_failed_allocation_marks_the_document(void **state)
{
	struct doc *d = doc_new();
	struct dnode *r = doc_root(d), *m;
	char *out;
	int rc;

	(void)state;
	m = doc_map(d, r, "m");
	/* No arena can hold SIZE_MAX bytes and a NUL. */
	doc_str(d, m, "huge", "x", SIZE_MAX);
	/* Building goes on without effect or crash. */
	assert_null(doc_map(d, r, "after"));
	doc_cstr(d, m, "k", "v");
	out = written(d, false, &rc, NULL);
	assert_int_equal(rc, -ENOMEM);
	assert_string_equal(out, "");
	free(out);
	out = written(d, true, &rc, NULL);
	assert_int_equal(rc, -ENOMEM);
	assert_string_equal(out, "");
	free(out);
	doc_free(d);
}

static void
test_large_documents_span_many_chunks(void **state)
{
	struct doc *d = doc_new();
	struct dnode *seq = doc_seq(d, doc_root(d), "items");
	static char big[100000];
	char key[16];
	size_t len;
	int rc;

	(void)state;
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 5000; i++) {
		struct dnode *m = doc_map(d, seq, NULL);

		snprintf(key, sizeof(key), "k%d", i);
		doc_int(d, m, key, i);
	}
	doc_str(d, doc_root(d), "big", big, sizeof(big));
	doc_cstr(d, doc_root(d), "after", "small");
	char *out = written(d, false, &rc, &len);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "      \"k4999\": 4999\n    }\n  ],\n  \"big\": \"xxx"));
	assert_non_null(strstr(out, "xxx\",\n  \"after\": \"small\"\n}\n"));
	free(out);
	out = written(d, true, &rc, &len);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "- k4999: 4999\nbig: xxx")); /* not folded */
	assert_non_null(strstr(out, "xxx\nafter: small\n"));
	free(out);
	doc_free(d);
}

/* ---- YAML --------------------------------------------------------------- */

static void
test_yaml_of_small_tree_exact(void **state)
{
	struct doc *d = small_tree();

	(void)state;
	assert_output(d, true,
		      "openapi: '3.0.3'\n"
		      "info:\n"
		      "  title: demo\n"
		      "  version: '1.0'\n"
		      "paths:\n"
		      "  /users/{id}:\n"
		      "    get:\n"
		      "      parameters:\n"
		      "      - name: id\n"
		      "        in: path\n"
		      "        required: true\n"
		      "        schema:\n"
		      "          type: integer\n"
		      "          minimum: 1\n"
		      "      responses:\n"
		      "        '200':\n"
		      "          description: ok\n"
		      "'n': 42\n" /* YAML 1.1 reads n as false */
		      "neg: -9223372036854775808\n"
		      "f: 1.5\n"
		      "whole: 2.0\n"
		      "big: 1.0e+20\n"
		      "tiny: 0.1\n"
		      "nan: null\n"
		      "e: []\n"
		      "m: {}\n"
		      "list:\n"
		      "- 1\n"
		      "- two\n"
		      "- false\n"
		      "- []\n");
	doc_free(d);
}

/* Each string as a sequence item, and the line it must give. */
static const struct {
	const char *in;
	const char *line;
} quote_cases[] = {
	/* Booleans of YAML 1.1 and 1.2, nulls. */
	{ "yes", "- 'yes'" },
	{ "No", "- 'No'" },
	{ "ON", "- 'ON'" },
	{ "off", "- 'off'" },
	{ "y", "- 'y'" },
	{ "N", "- 'N'" },
	{ "true", "- 'true'" },
	{ "False", "- 'False'" },
	{ "null", "- 'null'" },
	{ "NULL", "- 'NULL'" },
	{ "~", "- '~'" },
	{ "", "- ''" },
	/* Numbers, dates, times, merge and value keys. */
	{ "1.0", "- '1.0'" },
	{ "1", "- '1'" },
	{ "-1", "- '-1'" },
	{ "+1", "- '+1'" },
	{ "0x10", "- '0x10'" },
	{ "0o17", "- '0o17'" },
	{ "017", "- '017'" },
	{ "1_000", "- '1_000'" },
	{ "1e3", "- '1e3'" },
	{ ".5", "- '.5'" },
	{ ".inf", "- '.inf'" },
	{ "-.Inf", "- '-.Inf'" },
	{ ".NaN", "- '.NaN'" },
	{ "2024-01-01", "- '2024-01-01'" },
	{ "12:30:45", "- '12:30:45'" },
	{ "<<", "- '<<'" },
	{ "=", "- '='" },
	/* Indicators. */
	{ ": x", "- ': x'" },
	{ "- a", "- '- a'" },
	{ "-", "- '-'" },
	{ "-x", "- '-x'" },
	{ "? x", "- '? x'" },
	{ "# c", "- '# c'" },
	{ "&a", "- '&a'" },
	{ "*a", "- '*a'" },
	{ "!t", "- '!t'" },
	{ "|", "- '|'" },
	{ "> x", "- '> x'" },
	{ "%x", "- '%x'" },
	{ "@x", "- '@x'" },
	{ "`x", "- '`x'" },
	{ "'q'", "- '''q'''" },
	{ "\"d\"", "- '\"d\"'" },
	{ "[a]", "- '[a]'" },
	{ "{a}", "- '{a}'" },
	{ ",a", "- ',a'" },
	{ "a #b", "- 'a #b'" },
	{ "a: b", "- 'a: b'" },
	/* Spaces, breaks and control characters (libyaml's own quoting). */
	{ " lead", "- ' lead'" },
	{ "trail ", "- 'trail '" },
	{ "two\nlines", "- 'two\n\n  lines'" },
	{ "tab\there", "- \"tab\\there\"" },
	{ "nul\x01", "- \"nul\\x01\"" },
	/* Plain. */
	{ "plain words", "- plain words" },
	{ "/users/{id}", "- /users/{id}" },
	{ "application/json", "- application/json" },
	{ "yes sir", "- yes sir" },
	{ "nullable", "- nullable" },
	{ "x1.0", "- x1.0" },
	{ ".htaccess", "- .htaccess" },
	{ "a:b", "- a:b" },
	{ "a-b", "- a-b" },
	{ "\xc3\xa9", "- \xc3\xa9" },
};

static void
test_yaml_quotes_strings_a_resolver_would_retype(void **state)
{
	struct doc *d = doc_new();
	struct dnode *seq = doc_seq(d, doc_root(d), "list");
	char want[4096] = "list:\n";
	size_t len = strlen(want);

	(void)state;
	for (size_t i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		doc_cstr(d, seq, NULL, quote_cases[i].in);
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s\n",
					quote_cases[i].line);
		assert_true(len < sizeof(want));
	}
	assert_output(d, true, want);
	doc_free(d);
}

/* ---- round trip ---------------------------------------------------------- */

/* What resolvers would read a plain scalar as. */
static const char *const non_string_patterns[] = {
	/* YAML 1.1 types (yaml.org/type) */
	"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
	"^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|"
	"[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$",
	"^([-+]?([0-9][0-9_]*)?\\.[0-9.]*([eE][-+][0-9]+)?|"
	"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$",
	"^(~|null|Null|NULL|)$",
	"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:"
	"[0-9]{2}:[0-9]{2}(\\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$",
	"^(<<|=)$",
	/* PyYAML's float */
	"^([-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+][0-9]+)?|\\.[0-9_]+([eE][-+][0-9]+)?|"
	"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$",
	/* YAML 1.2 core schema */
	"^(true|True|TRUE|false|False|FALSE)$",
	"^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
	"^([-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|"
	"\\.(nan|NaN|NAN))$",
};
#define N_PATTERNS (sizeof(non_string_patterns) / sizeof(non_string_patterns[0]))

/* Index of the first pattern that @s matches, or -1. */
static int
resolves_as(const regex_t *re, const char *s)
{
	for (unsigned i = 0; i < N_PATTERNS; i++)
		if (regexec(&re[i], s, 0, NULL, 0) == 0)
			return (int)i;
	return -1;
}

enum expect_kind {
	E_STR,
	E_INT,
	E_FLOAT,
	E_BOOL
};

struct expect {
	enum expect_kind kind;
	const char *text; /* the scalar as parsed back */
};

/* Strings for the round trip: they must come back as they are, and as strings. */
// clang-format off
static const char *const rt_strings[] = {
	"yes", "Yes", "NO", "on", "Off", "y", "n", "true", "FALSE", "null", "Null", "~", "", "0",
	"-0", "+0", "1.0", "1.", ".5", "-.5", "1e3", "1.0e+3", "1E-3", "._", ".", "-.", "1.2.3",
	"0x1F", "0o17", "0b101", "017", "1_000", "1:20", "-1:20:30.5", ".inf", "-.INF", "+.inf",
	".nan", "2024-01-01", "2024-1-1T10:00:00Z", "2001-12-14 21:59:43.10 -5", "<<", "=", ": x",
	"- a", "-", "--", "---", "...", "? x", "?", ":", "# c", "a #b", "a: b", "&a", "*a", "!t",
	"!!str", "|", ">", "%YAML", "@x", "`x", "'q", "\"d", "[a]", "{a}", ",a", " lead", "trail ",
	"  ", "two\nlines", "trailing\n", "\ttab", "cr\rlf", "bell\a", "del\x7f", "nel\xc2\x85",
	"ls\xe2\x80\xa8", "bom\xef\xbb\xbf", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80",
	"plain words", "/users/{id}", "application/json", "nullable", "yes sir", "x1.0",
	".htaccess", "-x", "a:b", "a-b", "http://example.com/a?b=c#d", "O'Reilly", "say \"hi\"",
	"back\\slash", "{{template}}", "a, b", "a,b", "100%",
};
// clang-format on
#define N_RT (sizeof(rt_strings) / sizeof(rt_strings[0]))

/* Strings that do not come back byte for byte: NUL inside, bytes that are not UTF-8. */
static const struct {
	const char *in;
	size_t n;
	const char *back;
	size_t back_n;
} rt_odd[] = {
	{ "nul\0in", 6, "nul\0in", 6 },
	{ "bad\xff", 4, "bad\xc3\xbf", 5 },
	{ "\xc0\xaf", 2, "\xc3\x80\xc2\xaf", 4 },
	{ "cut\xe2\x82", 5, "cut\xc3\xa2\xc2\x82", 7 },
};
#define N_ODD (sizeof(rt_odd) / sizeof(rt_odd[0]))

/* Expected scalars of the round-trip document, in event order. */
struct rt_state {
	struct expect want[2 * (N_RT + N_ODD) + N_RT + N_ODD + 16];
	size_t n;
	size_t lens[2 * (N_RT + N_ODD) + N_RT + N_ODD + 16];
};

static void
rt_expect(struct rt_state *st, enum expect_kind kind, const char *text, size_t len)
{
	st->want[st->n].kind = kind;
	st->want[st->n].text = text;
	st->lens[st->n] = len;
	st->n++;
}

static void
check_scalar(const regex_t *re, const yaml_event_t *ev, const struct expect *w, size_t wlen)
{
	const char *v = (const char *)ev->data.scalar.value;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	int as;

	assert_null(ev->data.scalar.tag);
	if (ev->data.scalar.length != wlen || memcmp(v, w->text, wlen) != 0)
		fail_msg("line %zu: \"%s\" came back as \"%s\"", ev->start_mark.line + 1, w->text,
			 v);
	if (w->kind != E_STR) {
		assert_true(plain);
		as = resolves_as(re, v);
		if (w->kind == E_INT)
			assert_int_equal(as, 1); /* YAML 1.1 int */
		else if (w->kind == E_FLOAT)
			assert_int_equal(as, 2); /* YAML 1.1 float */
		else
			assert_int_equal(as, 0); /* YAML 1.1 bool */
		return;
	}
	if (plain) {
		assert_true(ev->data.scalar.plain_implicit);
		as = resolves_as(re, v);
		if (as >= 0)
			fail_msg("string \"%s\" written plain reads as pattern %d", v, as);
	} else {
		assert_true(ev->data.scalar.quoted_implicit);
	}
}

static void
test_yaml_round_trip_keeps_strings_strings(void **state)
{
	static struct rt_state st;
	regex_t re[N_PATTERNS];
	struct doc *d = doc_new();
	struct dnode *r = doc_root(d), *seq, *keys, *other;
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t len, at = 0;
	unsigned quoted = 0, plain = 0;
	int rc;

	(void)state;
	for (unsigned i = 0; i < N_PATTERNS; i++)
		assert_int_equal(regcomp(&re[i], non_string_patterns[i], REG_EXTENDED | REG_NOSUB),
				 0);
	memset(&st, 0, sizeof(st));

	/* As sequence items, then as keys with themselves as values. */
	seq = doc_seq(d, r, "seq");
	rt_expect(&st, E_STR, "seq", 3);
	for (size_t i = 0; i < N_RT; i++) {
		doc_cstr(d, seq, NULL, rt_strings[i]);
		rt_expect(&st, E_STR, rt_strings[i], strlen(rt_strings[i]));
	}
	for (size_t i = 0; i < N_ODD; i++) {
		doc_str(d, seq, NULL, rt_odd[i].in, rt_odd[i].n);
		rt_expect(&st, E_STR, rt_odd[i].back, rt_odd[i].back_n);
	}
	keys = doc_map(d, r, "keys");
	rt_expect(&st, E_STR, "keys", 4);
	for (size_t i = 0; i < N_RT; i++) {
		doc_cstr(d, keys, rt_strings[i], rt_strings[i]);
		rt_expect(&st, E_STR, rt_strings[i], strlen(rt_strings[i]));
		rt_expect(&st, E_STR, rt_strings[i], strlen(rt_strings[i]));
	}
	for (size_t i = 1; i < N_ODD; i++) { /* keys are C strings: not the first */
		doc_str(d, keys, rt_odd[i].in, rt_odd[i].in, rt_odd[i].n);
		rt_expect(&st, E_STR, rt_odd[i].back, rt_odd[i].back_n);
		rt_expect(&st, E_STR, rt_odd[i].back, rt_odd[i].back_n);
	}
	other = doc_seq(d, r, "typed");
	rt_expect(&st, E_STR, "typed", 5);
	doc_int(d, other, NULL, 0);
	rt_expect(&st, E_INT, "0", 1);
	doc_int(d, other, NULL, -42);
	rt_expect(&st, E_INT, "-42", 3);
	doc_num(d, other, NULL, 3.25);
	rt_expect(&st, E_FLOAT, "3.25", 4);
	doc_num(d, other, NULL, -1e-7);
	rt_expect(&st, E_FLOAT, "-1.0e-07", 8);
	doc_num(d, other, NULL, 100.0);
	rt_expect(&st, E_FLOAT, "100.0", 5);
	doc_bool(d, other, NULL, true);
	rt_expect(&st, E_BOOL, "true", 4);
	doc_bool(d, other, NULL, false);
	rt_expect(&st, E_BOOL, "false", 5);

	char *out = written(d, true, &rc, &len);
	assert_int_equal(rc, 0);
	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)out, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev))
			fail_msg("parse: %s at line %zu", parser.problem,
				 parser.problem_mark.line + 1);
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT) {
			assert_true(at < st.n);
			check_scalar(re, &ev, &st.want[at], st.lens[at]);
			if (ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
				plain++;
			else
				quoted++;
			at++;
		}
		yaml_event_delete(&ev);
	}
	assert_int_equal(at, st.n);
	/* Both kinds were exercised. */
	assert_true(plain > 40);
	assert_true(quoted > 100);
	yaml_parser_delete(&parser);
	free(out);
	for (unsigned i = 0; i < N_PATTERNS; i++)
		regfree(&re[i]);
	doc_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_of_small_tree_exact),
		cmocka_unit_test(test_json_escapes_exactly_and_stays_valid_utf8),
		cmocka_unit_test(test_map_keys_stay_in_order_and_unique),
		cmocka_unit_test(test_misuse_and_failed_parents_are_refused_not_crashed),
		cmocka_unit_test(test_failed_allocation_marks_the_document),
		cmocka_unit_test(test_large_documents_span_many_chunks),
		cmocka_unit_test(test_yaml_of_small_tree_exact),
		cmocka_unit_test(test_yaml_quotes_strings_a_resolver_would_retype),
		cmocka_unit_test(test_yaml_round_trip_keeps_strings_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
