/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match rule sets: loading errors name their file and line; targets,
 * normal forms, names, key rules, validators, counts and the one-finding-
 * per-rule contract of ar_inspect(). Rules here are small inline files,
 * so each test states exactly what it relies on.
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
#include <unistd.h>

#include "ar_match.h"

static char tmp_path[64];

/* Writes @yaml to a temporary file and loads it. */
static struct ar_ruleset *
load_str(const char *yaml, char *err, size_t errlen)
{
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/ar_rules_XXXXXX");
	int fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	const char *paths[] = { tmp_path };
	err[0] = '\0';
	struct ar_ruleset *rs = ar_ruleset_load(paths, 1, 1, err, errlen);
	unlink(tmp_path);
	return rs;
}

/* The error for @yaml, with the temporary file name replaced by "F". */
static const char *
load_err(const char *yaml)
{
	static char err[512], out[512];
	struct ar_ruleset *rs = load_str(yaml, err, sizeof(err));
	assert_null(rs);
	size_t n = strlen(tmp_path), o = 0;
	assert_memory_equal(err, tmp_path, n);
	for (const char *p = err; *p && o + 1 < sizeof(out);) {
		if (strncmp(p, tmp_path, n) == 0) {
			out[o++] = 'F';
			p += n;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

static void
test_load_errors(void **state)
{
	(void)state;
	assert_string_equal(load_err("rules:\n  - id: 1\n    msg: m\n    category: c\n"
				     "    targets: args\n    pattern: a\n    colour: red\n"),
			    "F:7: unknown key `colour`");
	assert_string_equal(load_err("rules:\n  - id: 1\n    msg: m\n    category: c\n"
				     "    targets: args\n    pattern: a\n"
				     "  - id: 1\n    msg: m\n    category: c\n"
				     "    targets: args\n    pattern: b\n"),
			    "F:7: rule id 1 already defined at F:2");
	assert_string_equal(load_err("rules:\n  - id: 2\n    category: c\n"
				     "    targets: args\n    pattern: a\n"),
			    "F:2: rule without `msg`");
	assert_string_equal(load_err("rules:\n  - id: 2\n    msg: m\n    category: c\n"
				     "    targets: [args, nowhere]\n    pattern: a\n"),
			    "F:5: unknown target `nowhere`");
	assert_string_equal(load_err("rules:\n  - id: 2\n    msg: m\n    category: c\n"
				     "    type: email\n    targets: args\n    pattern: a\n"),
			    "F:2: a rule has either `category` (an attack) or `type` (sensitive "
			    "data)");
	assert_string_equal(
		load_err("rules:\n  - id: 2\n    msg: m\n    type: card\n"
			 "    targets: args\n    pattern: '\\d+'\n    validator: moon\n"),
		"F:7: unknown validator `moon`");
	assert_string_equal(load_err("rules:\n  - id: 2\n    msg: m\n    category: c\n"
				     "    targets: args\n    key: password\n"),
			    "F:6: `key` rules report values as sensitive data: give a `type`");
	assert_string_equal(load_err("rules:\n  - id: 2\n    msg: m\n    category: c\n"
				     "    targets: args\n"),
			    "F:2: a rule has exactly one of `pattern`, `patterns`, `key`");
	assert_string_equal(
		load_err("rules:\n  - id: 2\n    msg: m\n    category: c\n"
			 "    targets: header\n    field: User-Agent\n    pattern: a\n"),
		"F:6: `field` is matched in lower case: write it so");
	assert_string_equal(load_err("rules: {}\n"), "F:1: `rules` is a list");
	assert_string_equal(load_err("rules:\n  - id: 2\n    msg: m\n    category: c\n"
				     "    targets: args\n    pattern: a\n    limit: soon\n"),
			    "F:7: `limit: soon`: not a duration (use ms, s, m, h or d)");
	assert_string_equal(load_err("rules:\n  - id: 0\n    msg: m\n    category: c\n"
				     "    targets: args\n    pattern: a\n"),
			    "F:2: `id: 0`: must be at least 1");
}

static void
test_load_hyperscan_error(void **state)
{
	(void)state;
	const char *e = load_err("rules:\n  - id: 7\n    msg: m\n    category: c\n"
				 "    targets: args\n    pattern: '(a)\\1'\n");
	/* the rule's line and id, the pattern, and Hyperscan's reason */
	assert_non_null(strstr(e, "F:2: rule 7: pattern `(a)\\1`: "));
	assert_non_null(strstr(e, "Back-references are unsupported"));
}

static void
test_load_directory_order(void **state)
{
	(void)state;
	char dir[] = "/tmp/ar_rdir_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p1[64], p2[64], p3[64];
	snprintf(p1, sizeof(p1), "%s/b.yaml", dir);
	snprintf(p2, sizeof(p2), "%s/a.yaml", dir);
	snprintf(p3, sizeof(p3), "%s/notes.txt", dir);
	FILE *f = fopen(p1, "w");
	fputs("rules:\n  - {id: 20, msg: b, category: c, targets: args, pattern: bbb, limit: 1h}\n",
	      f);
	fclose(f);
	f = fopen(p2, "w");
	fputs("rules:\n  - {id: 10, msg: a, category: c, targets: args, pattern: aaa}\n", f);
	fclose(f);
	f = fopen(p3, "w");
	fputs("not yaml: [\n", f);
	fclose(f);
	const char *paths[] = { dir };
	char err[256] = "";
	struct ar_ruleset *rs = ar_ruleset_load(paths, 1, 2, err, sizeof(err));
	assert_non_null(rs);
	assert_int_equal(ar_ruleset_count(rs), 2);
	assert_int_equal(ar_ruleset_rule(rs, 0)->id, 10); /* a.yaml first */
	assert_int_equal(ar_ruleset_rule(rs, 1)->id, 20);
	assert_int_equal(ar_ruleset_find(rs, 20), 1);
	assert_int_equal(ar_ruleset_find(rs, 30), -1);
	assert_int_equal(ar_ruleset_rule(rs, 1)->limit_ns, 3600ull * 1000000000ull);
	assert_int_equal(ar_ruleset_rule(rs, 0)->limit_ns, 0);
	ar_ruleset_free(rs);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* Inspection                                                          */
/* ------------------------------------------------------------------ */

struct found {
	unsigned n;
	uint32_t id[16];
	char field[16][128];
	char excerpt[16][128];
	bool name_hit[16];
	uint8_t target[16];
	const struct ar_ruleset *rs;
};

static void
on_hit(void *user, const struct ar_hit *h)
{
	struct found *f = user;
	assert_true(f->n < 16);
	f->id[f->n] = ar_ruleset_rule(f->rs, h->rule)->id;
	snprintf(f->field[f->n], sizeof(f->field[0]), "%.*s", (int)h->field_len, h->field);
	snprintf(f->excerpt[f->n], sizeof(f->excerpt[0]), "%.*s", (int)h->excerpt_len, h->excerpt);
	f->name_hit[f->n] = h->name_hit;
	f->target[f->n] = h->target;
	f->n++;
}

static const char *const set_yaml = "rules:\n"
				    "  - id: 1\n"
				    "    msg: union select\n"
				    "    category: sqli\n"
				    "    targets: [args, path]\n"
				    "    norm: sql\n"
				    "    pattern: '\\bunion\\s+select\\b'\n"
				    "  - id: 2\n"
				    "    msg: script tag\n"
				    "    category: xss\n"
				    "    targets: args\n"
				    "    pattern: '<script\\b'\n"
				    "  - id: 3\n"
				    "    msg: scanner\n"
				    "    category: scanner\n"
				    "    targets: header\n"
				    "    field: user-agent\n"
				    "    pattern: sqlmap\n"
				    "  - id: 4\n"
				    "    msg: card\n"
				    "    type: credit_card\n"
				    "    norm: raw\n"
				    "    targets: [args, resp_json]\n"
				    "    pattern: '\\b\\d{13,19}\\b'\n"
				    "    validator: luhn\n"
				    "  - id: 5\n"
				    "    msg: password field\n"
				    "    type: password\n"
				    "    targets: [json, form]\n"
				    "    key: '^pass(word)?$'\n"
				    "  - id: 6\n"
				    "    msg: mongo operator\n"
				    "    category: nosqli\n"
				    "    targets: [json, query]\n"
				    "    pattern: '^\\$(ne|gt|where)$'\n"
				    "  - id: 7\n"
				    "    msg: three dots\n"
				    "    category: path_traversal\n"
				    "    targets: args\n"
				    "    min_count: 3\n"
				    "    pattern: '\\.\\./'\n"
				    "  - id: 8\n"
				    "    msg: case-sensitive key\n"
				    "    type: aws_key\n"
				    "    norm: raw\n"
				    "    targets: args\n"
				    "    pattern: '\\bAKIA[0-9A-Z]{16}\\b'\n"
				    "  - id: 9\n"
				    "    msg: xml entity\n"
				    "    category: xxe\n"
				    "    targets: [xml, body]\n"
				    "    pattern: '<!entity\\s'\n";

struct fixture {
	struct ar_ruleset *rs;
	struct ar_match_ws *ws;
};

static int
setup(void **state)
{
	static struct fixture fx;
	char err[512];
	fx.rs = load_str(set_yaml, err, sizeof(err));
	if (!fx.rs) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	fx.ws = ar_match_ws_create(4096);
	*state = &fx;
	return fx.ws ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	ar_match_ws_free(fx->ws);
	ar_ruleset_free(fx->rs);
	return 0;
}

static struct found
run(struct fixture *fx, const struct ar_exchange *x)
{
	struct found f = { .rs = fx->rs };
	unsigned n = ar_inspect(fx->rs, 0, fx->ws, x, on_hit, &f);
	assert_int_equal(n, f.n);
	return f;
}

static struct found
run_get(struct fixture *fx, const char *target)
{
	struct ar_exchange x = { .target = target, .target_len = strlen(target) };
	return run(fx, &x);
}

static struct found
run_body(struct fixture *fx, const char *ctype, const char *body, bool response)
{
	static struct ar_kv h;
	h = (struct ar_kv){ "Content-Type", ctype, 12, (uint32_t)strlen(ctype) };
	struct ar_exchange x = { .target = "/api", .target_len = 4 };
	if (response) {
		x.has_response = true;
		x.resp_headers = &h;
		x.n_resp_headers = 1;
		x.resp_body = body;
		x.resp_body_len = strlen(body);
	} else {
		x.req_headers = &h;
		x.n_req_headers = 1;
		x.req_body = body;
		x.req_body_len = strlen(body);
	}
	return run(fx, &x);
}

static void
test_query_forms(void **state)
{
	struct fixture *fx = *state;
	/* percent-encoded, '+' as space, SQL comment between the words */
	struct found f = run_get(fx, "/search?a=1&q=1%27+UNION/**/SELECT+1");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 1);
	assert_string_equal(f.field[0], "query:q");
	assert_false(f.name_hit[0]);
	assert_int_equal(f.target[0], AR_TGT_QUERY);
	/* the path is a target of rule 1 too */
	f = run_get(fx, "/x/union%20select");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.field[0], "path");
	/* double encoding of '<' */
	f = run_get(fx, "/?c=%253Cscript%253Ealert(1)");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 2);
	assert_string_equal(f.field[0], "query:c");
	assert_string_equal(f.excerpt[0], "<script>alert(1)");
	/* the excerpt keeps the attack, not the numbers around it */
	f = run_get(fx, "/?q=4111111111111112+union+select+1");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.excerpt[0], "************1112 union select 1");
	/* near miss: the words, not the statement */
	f = run_get(fx, "/?q=union+members+select+a+leader");
	assert_int_equal(f.n, 0);
}

static void
test_one_finding_per_rule(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_get(fx, "/?a=<script>&b=<script>&c=x+union+select+1");
	assert_int_equal(f.n, 2);
	assert_int_equal(f.id[0], 2);
	assert_string_equal(f.field[0], "query:a"); /* the first field */
	assert_int_equal(f.id[1], 1);
	assert_string_equal(f.field[1], "query:c");
}

static void
test_header_field(void **state)
{
	struct fixture *fx = *state;
	struct ar_kv h[] = {
		{ "Referer", "http://x/sqlmap", 7, 15 },
		{ "user-agent", "sqlmap/1.7.2#stable", 10, 19 },
	};
	struct ar_exchange x = {
		.target = "/", .target_len = 1, .req_headers = h, .n_req_headers = 2
	};
	struct found f = run(fx, &x);
	/* only the User-Agent counts, whatever the case of its name */
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 3);
	assert_string_equal(f.field[0], "header:user-agent");
	x.n_req_headers = 1;
	f = run(fx, &x);
	assert_int_equal(f.n, 0);
}

static void
test_validator(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_get(fx, "/?card=4111111111111111");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 4);
	assert_string_equal(f.excerpt[0], "411*********1111");
	/* same shape, fails Luhn: nothing */
	f = run_get(fx, "/?card=4111111111111112");
	assert_int_equal(f.n, 0);
	/* a failing candidate does not use up the rule: the next value counts */
	f = run_get(fx, "/?a=4111111111111112&b=5500000000000004");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.field[0], "query:b");
	/* a JSON number in a response */
	f = run_body(fx, "application/json", "{\"user\":{\"card\":378282246310005}}", true);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.field[0], "resp_json:$.user.card");
	assert_int_equal(f.target[0], AR_TGT_RESP_JSON);
}

static void
test_key_rule(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_body(fx, "application/json",
				  "{\"user\":\"bob\",\"Password\":\"hunter2x\"}", false);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 5);
	assert_true(f.name_hit[0]);
	assert_string_equal(f.field[0], "json:$.Password");
	assert_string_equal(f.excerpt[0], "h*******"); /* the value, masked */
	/* an empty password is nothing to report */
	f = run_body(fx, "application/json", "{\"password\":\"\"}", false);
	assert_int_equal(f.n, 0);
	/* forms too; and not a key that merely contains the word */
	f = run_body(fx, "application/x-www-form-urlencoded", "user=a&pass=s3cr3t&passport=X1",
		     false);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.field[0], "form:pass");
}

static void
test_names_scanned(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_body(fx, "application/json", "{\"user\":{\"$ne\":null}}", false);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 6);
	assert_true(f.name_hit[0]);
	assert_string_equal(f.field[0], "json:$.user[\"$ne\"]");
	f = run_get(fx, "/?%24gt=1");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.field[0], "query:$gt");
	assert_true(f.name_hit[0]);
}

static void
test_min_count(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_get(fx, "/?f=../../etc");
	assert_int_equal(f.n, 0);
	f = run_get(fx, "/?f=..%2F..%2F..%2Fetc%2Fpasswd");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 7);
	/* counts are per field: two here and one there is not three */
	f = run_get(fx, "/?f=../../x&g=../y");
	assert_int_equal(f.n, 0);
}

static void
test_raw_case(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_get(fx, "/?k=AKIAIOSFODNN7EXAMPLE");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 8);
	assert_string_equal(f.excerpt[0], "AKI*************MPLE");
	f = run_get(fx, "/?k=akiaiosfodnn7example");
	assert_int_equal(f.n, 0);
}

static void
test_bodies(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_body(fx, "text/xml; charset=utf-8",
				  "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM "
				  "\"file:///etc/passwd\">]><a>&x;</a>",
				  false);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 9);
	assert_string_equal(f.field[0], "xml");
	/* a body claiming JSON that is not: inspected whole as "body" */
	f = run_body(fx, "application/json", "<!ENTITY y SYSTEM 'x'> not json", false);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.field[0], "body");
	assert_int_equal(ar_match_ws_stats(fx->ws)->body_invalid, 1);
	/* JSON strings are unescaped before scanning */
	f = run_body(fx, "application/json", "{\"items\":[{\"n\":\"\\u003cscript>\"}]}", false);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 2);
	assert_string_equal(f.field[0], "json:$.items[].n");
	/* multipart parts by name */
	f = run_body(fx, "multipart/form-data; boundary=XyZ",
		     "--XyZ\r\nContent-Disposition: form-data; name=\"bio\"\r\n\r\n"
		     "<script>x</script>\r\n--XyZ--\r\n",
		     false);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.field[0], "multipart:bio");
}

/*
 * Fields are scanned in batches, one per line: a match that straddles two
 * fields must not count, and must not hide a real one after it.
 */
static void
test_batch_straddle(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_get(fx, "/?a=x+union&b=select+y");
	assert_int_equal(f.n, 0);
	f = run_get(fx, "/?a=union&b=select&c=1+union+select+2");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 1);
	assert_string_equal(f.field[0], "query:c");
	/* anchors are per field: "$ne" alone, not at the start of the batch */
	f = run_get(fx, "/?x=1&y=2&%24ne=3");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 6);
	assert_string_equal(f.field[0], "query:$ne");
}

/* More fields than a batch holds, and more filter matches than it follows. */
static void
test_batch_sizes(void **state)
{
	struct fixture *fx = *state;
	static char url[16384];
	size_t o = (size_t)snprintf(url, sizeof(url), "/?");
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(url + o, sizeof(url) - o, "p%d=v%d&", i, i);
	snprintf(url + o, sizeof(url) - o, "last=%%3Cscript%%3E");
	struct found f = run_get(fx, url);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 2);
	assert_string_equal(f.field[0], "query:last");

	/* 100 numbers that fail Luhn, then one that passes */
	o = (size_t)snprintf(url, sizeof(url), "/?");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(url + o, sizeof(url) - o, "n%d=4111111111111112&", i);
	snprintf(url + o, sizeof(url) - o, "card=4111111111111111");
	f = run_get(fx, url);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 4);
	assert_string_equal(f.field[0], "query:card");
}

static void
test_absolute_target(void **state)
{
	struct fixture *fx = *state;
	struct found f = run_get(fx, "http://union select.example/p?q=<script>");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.id[0], 2); /* the host is not the path */
}

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_hyperscan_error),
		cmocka_unit_test(test_load_directory_order),
		cmocka_unit_test_setup_teardown(test_query_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_finding_per_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_scanned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_straddle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_target, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
