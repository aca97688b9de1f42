/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: lib/core YAML config tree and typed readers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include <ar_core.h>

static char err[512];

static struct ar_conf *
parse(const char *text)
{
	struct ar_conf *root;

	err[0] = '\0';
	root = ar_conf_parse(text, strlen(text), "t.yaml", err, sizeof(err));
	if (root == NULL)
		fail_msg("parse failed: %s", err);
	assert_string_equal(err, "");
	return root;
}

/* Parses @text, which must fail with exactly @want. */
static void
assert_parse_error(const char *text, const char *want)
{
	struct ar_conf *root;

	err[0] = '\0';
	errno = 0;
	root = ar_conf_parse(text, strlen(text), "t.yaml", err, sizeof(err));
	assert_null(root);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, want);
}

/* ------------------------------------------------------------------ */
/* Tree                                                                 */
/* ------------------------------------------------------------------ */

static const char nested_doc[] = "# apiradar\n"                 /* 1 */
				 "capture:\n"                   /* 2 */
				 "  workers: 4\n"               /* 3 */
				 "  ports:\n"                   /* 4 */
				 "    - eth0\n"                 /* 5 */
				 "    - name: eth1\n"           /* 6 */
				 "      queues: 2\n"            /* 7 */
				 "  opts:\n"                    /* 8 */
				 "    promisc: yes\n"           /* 9 */
				 "\n"                           /* 10 */
				 "export:\n"                    /* 11 */
				 "  file: \"a\\tb\"\n"          /* 12 */
				 "  empty:\n"                   /* 13 */
				 "  flow: {x: 1, y: [a, b]}\n"; /* 14 */

static void
assert_node(const struct ar_conf *n, enum ar_conf_type type, uint32_t line, const char *key,
	    const char *value)
{
	assert_non_null(n);
	assert_int_equal(n->type, type);
	assert_int_equal(n->line, line);
	assert_string_equal(n->file, "t.yaml");
	if (key == NULL)
		assert_null(n->key);
	else
		assert_string_equal(n->key, key);
	if (value == NULL)
		assert_null(n->value);
	else
		assert_string_equal(n->value, value);
}

static void
test_nested_maps_and_seqs_keep_order_and_lines(void **state)
{
	struct ar_conf *root = parse(nested_doc);
	const struct ar_conf *cap, *n, *item;

	(void)state;
	assert_node(root, AR_CONF_MAP, 2, NULL, NULL);

	cap = root->child;
	assert_node(cap, AR_CONF_MAP, 2, "capture", NULL);
	n = cap->child;
	assert_node(n, AR_CONF_SCALAR, 3, "workers", "4");
	assert_null(n->child);
	n = n->next;
	assert_node(n, AR_CONF_SEQ, 4, "ports", NULL);
	item = n->child;
	assert_node(item, AR_CONF_SCALAR, 5, NULL, "eth0");
	item = item->next;
	assert_node(item, AR_CONF_MAP, 6, NULL, NULL);
	assert_node(item->child, AR_CONF_SCALAR, 6, "name", "eth1");
	assert_node(item->child->next, AR_CONF_SCALAR, 7, "queues", "2");
	assert_null(item->child->next->next);
	assert_null(item->next);
	n = n->next;
	assert_node(n, AR_CONF_MAP, 8, "opts", NULL);
	assert_node(n->child, AR_CONF_SCALAR, 9, "promisc", "yes");
	assert_null(n->next);

	n = cap->next;
	assert_node(n, AR_CONF_MAP, 11, "export", NULL);
	assert_node(n->child, AR_CONF_SCALAR, 12, "file", "a\tb");
	assert_node(n->child->next, AR_CONF_SCALAR, 13, "empty", "");
	n = n->child->next->next;
	assert_node(n, AR_CONF_MAP, 14, "flow", NULL);
	assert_node(n->child, AR_CONF_SCALAR, 14, "x", "1");
	assert_node(n->child->next, AR_CONF_SEQ, 14, "y", NULL);
	assert_node(n->child->next->child, AR_CONF_SCALAR, 14, NULL, "a");
	assert_node(n->child->next->child->next, AR_CONF_SCALAR, 14, NULL, "b");
	assert_null(cap->next->next);
	ar_conf_free(root);
}

static void
test_get_and_dotted_path(void **state)
{
	struct ar_conf *root = parse(nested_doc);

	(void)state;
	assert_ptr_equal(ar_conf_get(root, "capture"), root->child);
	assert_null(ar_conf_get(root, "captur"));
	assert_null(ar_conf_get(root, "capturex"));
	assert_string_equal(ar_conf_path(root, "capture.workers")->value, "4");
	assert_string_equal(ar_conf_path(root, "capture.opts.promisc")->value, "yes");
	assert_int_equal(ar_conf_path(root, "capture.opts")->type, AR_CONF_MAP);
	assert_ptr_equal(ar_conf_path(root, "export"), ar_conf_get(root, "export"));
	assert_null(ar_conf_path(root, "capture.opts.promisc.x")); /* through a scalar */
	assert_null(ar_conf_path(root, "capture.ports.name"));     /* through a sequence */
	assert_null(ar_conf_path(root, "capture.nope"));
	assert_null(ar_conf_path(root, ""));
	assert_null(ar_conf_path(root, "capture."));
	assert_null(ar_conf_path(root, ".capture"));
	assert_null(ar_conf_path(root, "capture..workers"));
	assert_null(ar_conf_path(NULL, "capture"));
	assert_null(ar_conf_get(ar_conf_path(root, "capture.workers"), "x"));
	ar_conf_free(root);
}

static void
test_empty_document_is_empty_root_map(void **state)
{
	static const char *const empty[] = { "",     "# only a comment\n", "---\n", "~\n",
					     "{}\n", "---\n...\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		struct ar_conf *root = parse(empty[i]);

		assert_int_equal(root->type, AR_CONF_MAP);
		assert_null(root->child);
		assert_null(root->key);
		assert_null(ar_conf_get(root, "x"));
		ar_conf_free(root);
	}
}

static void
test_syntax_errors_name_the_line(void **state)
{
	(void)state;
	assert_parse_error("a: 1\nb: [1, 2\nc: 3\n", "t.yaml:3: did not find expected ',' or ']' "
						     "(while parsing a flow sequence at line 2)");
	assert_parse_error("a:\n  b: 1\n c: 2\n", "t.yaml:3: did not find expected key "
						  "(while parsing a block mapping at line 1)");
	assert_parse_error("a: 1\nb: c: d\n", "t.yaml:2: mapping values are not allowed in this "
					      "context");
	assert_parse_error("a: 1\n\tb: 2\n",
			   "t.yaml:2: found a tab character that violates "
			   "indentation (while scanning a plain scalar at line 1)");
	/* libyaml's reader gives an offset; the line is counted from it. */
	assert_parse_error("a: 1\nb: \xff\n", "t.yaml:2: invalid leading UTF-8 octet");
}

static void
test_duplicate_keys_rejected(void **state)
{
	(void)state;
	assert_parse_error("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n",
			   "t.yaml:5: duplicate key `x` (first at line 3)");
	assert_parse_error("a: 1\na: 1\n", "t.yaml:2: duplicate key `a` (first at line 1)");
	assert_parse_error("f: {k: 1, k: 2}\n", "t.yaml:1: duplicate key `k` (first at line 1)");
	/* The same key in two different maps is fine. */
	ar_conf_free(parse("a: {x: 1}\nb: {x: 1}\n"));
}

static void
test_unsupported_yaml_rejected(void **state)
{
	(void)state;
	assert_parse_error("a: &x 1\nb: *x\n", "t.yaml:1: anchors are not supported");
	assert_parse_error("a: 1\nb: *x\n", "t.yaml:2: aliases are not supported");
	assert_parse_error("- a\n- b\n", "t.yaml:1: the top level must be a map");
	assert_parse_error("hello\n", "t.yaml:1: the top level must be a map");
	assert_parse_error("a: 1\n---\nb: 2\n", "t.yaml:2: only one YAML document is supported");
	assert_parse_error("? [a]\n: 1\n", "t.yaml:1: a map key must be a scalar");
	assert_parse_error("a: 1\nb: \"x\\0y\"\n", "t.yaml:2: NUL character in a scalar");
}

static void
test_nesting_limit(void **state)
{
	char doc[256];
	size_t n = 0;

	(void)state;
	/* The root map and 63 sequences: 64 levels fit, 65 do not. */
	n += (size_t)snprintf(doc, sizeof(doc), "a: ");
	for (int i = 0; i < 64; i++)
		doc[n++] = '[';
	for (int i = 0; i < 64; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	assert_parse_error(doc, "t.yaml:1: nesting too deep");
	n = 3 + 63;
	for (int i = 0; i < 63; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	ar_conf_free(parse(doc));
}

static void
test_free_accepts_null(void **state)
{
	(void)state;
	ar_conf_free(NULL);
}

static void
test_big_tree_spans_arena_chunks(void **state)
{
	size_t cap = 200000, n = 0;
	char *doc = malloc(cap);
	struct ar_conf *root;
	const struct ar_conf *c;
	unsigned count = 0;

	(void)state;
	assert_non_null(doc);
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(doc + n, cap - n, "key_%d: value_%d\n", i, i);
	root = parse(doc);
	for (c = root->child; c != NULL; c = c->next) {
		char want[32];

		snprintf(want, sizeof(want), "key_%u", count);
		assert_string_equal(c->key, want);
		assert_int_equal(c->line, count + 1);
		count++;
	}
	assert_int_equal(count, 5000);
	assert_string_equal(ar_conf_get(root, "key_4999")->value, "value_4999");
	ar_conf_free(root);
	free(doc);
}

static void
test_load_file_and_missing_file(void **state)
{
	char path[] = "/tmp/ar_core_test_XXXXXX";
	static const char doc[] = "capture:\n  workers: 0\n";
	struct ar_conf *root;
	uint64_t v = 7;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, sizeof(doc) - 1), sizeof(doc) - 1);
	close(fd);

	root = ar_conf_load(path, err, sizeof(err));
	assert_non_null(root);
	assert_string_equal(root->file, path);
	assert_int_equal(
		ar_conf_u64(ar_conf_path(root, "capture.workers"), 1, 64, &v, err, sizeof(err)),
		-EINVAL);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:2: `workers: 0`: must be at least 1", path);
		assert_string_equal(err, want);
	}
	assert_int_equal(v, 7);
	ar_conf_free(root);
	unlink(path);

	errno = 0;
	assert_null(ar_conf_load("/nonexistent/apiradar.yaml", err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "/nonexistent/apiradar.yaml: No such file or directory");

	errno = 0;
	assert_null(ar_conf_load("/tmp", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "/tmp: not a regular file");
}

/* ------------------------------------------------------------------ */
/* Typed readers                                                        */
/* ------------------------------------------------------------------ */

/* One scalar `key: value` on line 1 of a fresh tree. */
static struct ar_conf *doc_root;

static const struct ar_conf *
kv(const char *key, const char *value)
{
	char text[256];

	ar_conf_free(doc_root);
	snprintf(text, sizeof(text), "%s: %s\n", key, value);
	doc_root = parse(text);
	return doc_root->child;
}

static int
free_doc(void **state)
{
	(void)state;
	ar_conf_free(doc_root);
	doc_root = NULL;
	return 0;
}

static void
u64_ok(const char *value, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = 12345;

	assert_int_equal(ar_conf_u64(kv("n", value), min, max, &v, err, sizeof(err)), 0);
	assert_int_equal(v, want);
}

static void
u64_bad(const char *value, uint64_t min, uint64_t max, const char *want)
{
	uint64_t v = 12345;

	assert_int_equal(ar_conf_u64(kv("workers", value), min, max, &v, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);
	assert_int_equal(v, 12345);
}

static void
test_u64_reader(void **state)
{
	(void)state;
	u64_ok("4", 1, 64, 4);
	u64_ok("1", 1, 64, 1);
	u64_ok("64", 1, 64, 64);
	u64_ok("0", 0, 10, 0);
	u64_ok("007", 0, 10, 7);
	u64_ok("'5'", 0, 10, 5); /* quoting does not matter */
	u64_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);

	u64_bad("0", 1, 64, "t.yaml:1: `workers: 0`: must be at least 1");
	u64_bad("65", 1, 64, "t.yaml:1: `workers: 65`: must be at most 64");
	u64_bad("-1", 0, 64, "t.yaml:1: `workers: -1`: must not be negative");
	u64_bad("4x", 0, 64, "t.yaml:1: `workers: 4x`: not a number");
	u64_bad("x", 0, 64, "t.yaml:1: `workers: x`: not a number");
	u64_bad("1.5", 0, 64, "t.yaml:1: `workers: 1.5`: not a number");
	u64_bad("+1", 0, 64, "t.yaml:1: `workers: +1`: not a number");
	u64_bad("", 0, 64, "t.yaml:1: `workers:`: not a number");
	u64_bad("18446744073709551616", 0, UINT64_MAX,
		"t.yaml:1: `workers: 18446744073709551616`: must be at most 18446744073709551615");
	u64_bad("99999999999999999999999", 0, 100,
		"t.yaml:1: `workers: 99999999999999999999999`: must be at most 100");
}

static void
test_reader_null_node_keeps_default(void **state)
{
	uint64_t v = 9;
	bool b = true;
	unsigned e = 3;
	const char *s = "dflt";
	static const char *const choices[] = { "a", NULL };

	(void)state;
	err[0] = '\0';
	assert_int_equal(ar_conf_u64(NULL, 1, 2, &v, err, sizeof(err)), 0);
	assert_int_equal(ar_conf_size(NULL, 1, 2, &v, err, sizeof(err)), 0);
	assert_int_equal(ar_conf_duration(NULL, 1, 2, &v, err, sizeof(err)), 0);
	assert_int_equal(ar_conf_bool(NULL, &b, err, sizeof(err)), 0);
	assert_int_equal(ar_conf_enum(NULL, choices, &e, err, sizeof(err)), 0);
	assert_int_equal(ar_conf_str(NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(ar_conf_check_keys(NULL, choices, err, sizeof(err)), 0);
	assert_int_equal(v, 9);
	assert_true(b);
	assert_int_equal(e, 3);
	assert_string_equal(s, "dflt");
	assert_string_equal(err, "");
}

static void
test_readers_reject_maps_and_seqs(void **state)
{
	struct ar_conf *root = parse("capture:\n  a: 1\nports:\n  - 1\n");
	const struct ar_conf *m = ar_conf_get(root, "capture");
	const struct ar_conf *q = ar_conf_get(root, "ports");
	uint64_t v;
	bool b;
	const char *s;
	unsigned e;
	static const char *const choices[] = { "a", NULL };

	(void)state;
	assert_int_equal(ar_conf_u64(m, 0, 1, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: `capture`: expected a number, found a map");
	assert_int_equal(ar_conf_size(q, 0, 1, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:3: `ports`: expected a size, found a sequence");
	assert_int_equal(ar_conf_duration(m, 0, 1, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: `capture`: expected a duration, found a map");
	assert_int_equal(ar_conf_bool(m, &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: `capture`: expected true or false, found a map");
	assert_int_equal(ar_conf_enum(q, choices, &e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:3: `ports`: expected a scalar, found a sequence");
	assert_int_equal(ar_conf_str(m, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: `capture`: expected a string, found a map");
	ar_conf_free(root);
}

static void
test_sequence_item_errors_show_the_item(void **state)
{
	struct ar_conf *root = parse("ports:\n  - 1\n  - 0\n  - [x]\n");
	const struct ar_conf *item = ar_conf_get(root, "ports")->child;
	uint64_t v;

	(void)state;
	assert_int_equal(ar_conf_u64(item, 1, 9, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1);
	item = item->next;
	assert_int_equal(ar_conf_u64(item, 1, 9, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:3: `- 0`: must be at least 1");
	item = item->next;
	assert_int_equal(ar_conf_u64(item, 1, 9, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:4: expected a number, found a sequence");
	ar_conf_free(root);
}

static void
size_ok(const char *value, uint64_t want)
{
	uint64_t v = 1;

	assert_int_equal(ar_conf_size(kv("buf", value), 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, want);
}

static void
size_bad(const char *value, uint64_t min, uint64_t max, const char *want)
{
	uint64_t v = 1;

	assert_int_equal(ar_conf_size(kv("buf", value), min, max, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	assert_int_equal(v, 1);
}

static void
test_size_reader(void **state)
{
	(void)state;
	size_ok("0", 0);
	size_ok("123", 123);
	size_ok("512k", 512ULL << 10);
	size_ok("512K", 512ULL << 10);
	size_ok("1KiB", 1ULL << 10);
	size_ok("64m", 64ULL << 20);
	size_ok("64M", 64ULL << 20);
	size_ok("64MiB", 64ULL << 20);
	size_ok("1g", 1ULL << 30);
	size_ok("2G", 2ULL << 30);
	size_ok("3GiB", 3ULL << 30);
	size_ok("17179869183GiB", 17179869183ULL << 30); /* the largest whole GiB */
	size_ok("18446744073709551615", UINT64_MAX);

	size_bad("-1", 0, UINT64_MAX, "t.yaml:1: `buf: -1`: must not be negative");
	size_bad("-1k", 0, UINT64_MAX, "t.yaml:1: `buf: -1k`: must not be negative");
	size_bad("12xb", 0, UINT64_MAX,
		 "t.yaml:1: `buf: 12xb`: unknown unit `xb` (use k, m, g, KiB, MiB or GiB)");
	size_bad("12MB", 0, UINT64_MAX,
		 "t.yaml:1: `buf: 12MB`: unknown unit `MB` (use k, m, g, KiB, MiB or GiB)");
	size_bad("12 k", 0, UINT64_MAX,
		 "t.yaml:1: `buf: 12 k`: unknown unit ` k` (use k, m, g, KiB, MiB or GiB)");
	size_bad("1.5M", 0, UINT64_MAX, "t.yaml:1: `buf: 1.5M`: not a whole number");
	size_bad("MiB", 0, UINT64_MAX,
		 "t.yaml:1: `buf: MiB`: not a size (use a number of bytes, or k, m, g)");
	size_bad("", 0, UINT64_MAX,
		 "t.yaml:1: `buf:`: not a size (use a number of bytes, or k, m, g)");
	size_bad("17179869184GiB", 0, UINT64_MAX, "t.yaml:1: `buf: 17179869184GiB`: too large");
	size_bad("18446744073709551616", 0, UINT64_MAX,
		 "t.yaml:1: `buf: 18446744073709551616`: too large");
	size_bad("1k", 64 << 10, 1 << 30, "t.yaml:1: `buf: 1k`: must be at least 64KiB");
	size_bad("2g", 64 << 10, 1 << 30, "t.yaml:1: `buf: 2g`: must be at most 1GiB");
	size_bad("1000", 1500, 9000, "t.yaml:1: `buf: 1000`: must be at least 1500");
	size_bad("2M", 0, 3 << 20 >> 1, "t.yaml:1: `buf: 2M`: must be at most 1536KiB");
}

static void
duration_ok(const char *value, uint64_t want_ns)
{
	uint64_t v = 1;

	assert_int_equal(
		ar_conf_duration(kv("timeout", value), 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, want_ns);
}

static void
duration_bad(const char *value, uint64_t min, uint64_t max, const char *want)
{
	uint64_t v = 1;

	assert_int_equal(ar_conf_duration(kv("timeout", value), min, max, &v, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);
	assert_int_equal(v, 1);
}

static void
test_duration_reader(void **state)
{
	const uint64_t s = 1000000000ULL;

	(void)state;
	duration_ok("0", 0);
	duration_ok("500ms", 500000000ULL);
	duration_ok("30s", 30 * s);
	duration_ok("30", 30 * s); /* plain numbers are seconds */
	duration_ok("5m", 300 * s);
	duration_ok("1h", 3600 * s);
	duration_ok("2d", 2 * 86400 * s);
	duration_ok("18446744073s", 18446744073ULL * s);
	duration_ok("18446744073709ms", 18446744073709ULL * 1000000);

	duration_bad("-5s", 0, UINT64_MAX, "t.yaml:1: `timeout: -5s`: must not be negative");
	duration_bad("5x", 0, UINT64_MAX,
		     "t.yaml:1: `timeout: 5x`: unknown unit `x` (use ms, s, m, h or d)");
	duration_bad("5 s", 0, UINT64_MAX,
		     "t.yaml:1: `timeout: 5 s`: unknown unit ` s` (use ms, s, m, h or d)");
	duration_bad("5us", 0, UINT64_MAX,
		     "t.yaml:1: `timeout: 5us`: unknown unit `us` (use ms, s, m, h or d)");
	duration_bad("1.5s", 0, UINT64_MAX, "t.yaml:1: `timeout: 1.5s`: not a whole number");
	duration_bad("s", 0, UINT64_MAX,
		     "t.yaml:1: `timeout: s`: not a duration (use ms, s, m, h or d)");
	duration_bad("18446744074s", 0, UINT64_MAX, "t.yaml:1: `timeout: 18446744074s`: too large");
	duration_bad("213504d", 0, UINT64_MAX, "t.yaml:1: `timeout: 213504d`: too large");
	duration_bad("99999999999999999999ms", 0, UINT64_MAX,
		     "t.yaml:1: `timeout: 99999999999999999999ms`: too large");
	duration_bad("500ms", s, 3600 * s, "t.yaml:1: `timeout: 500ms`: must be at least 1s");
	duration_bad("2h", s, 3600 * s, "t.yaml:1: `timeout: 2h`: must be at most 1h");
	duration_bad("2d", 0, 90 * 60 * s, "t.yaml:1: `timeout: 2d`: must be at most 90m");
	duration_bad("1ms", 1500000, s, "t.yaml:1: `timeout: 1ms`: must be at least 1500000ns");
}

static void
test_bool_reader(void **state)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "ON" };
	static const char *const no[] = { "false", "False", "no", "NO", "off", "Off" };
	static const char *const bad[] = { "maybe", "1", "0", "y", "n", "'true '", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		bool b = false;

		assert_int_equal(ar_conf_bool(kv("promisc", yes[i]), &b, err, sizeof(err)), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		bool b = true;

		assert_int_equal(ar_conf_bool(kv("promisc", no[i]), &b, err, sizeof(err)), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool b = true;

		assert_int_equal(ar_conf_bool(kv("promisc", bad[i]), &b, err, sizeof(err)),
				 -EINVAL);
		assert_true(b);
	}
	ar_conf_bool(kv("promisc", "maybe"), &(bool){ false }, err, sizeof(err));
	assert_string_equal(
		err, "t.yaml:1: `promisc: maybe`: must be true or false (or yes/no, on/off)");
	ar_conf_bool(kv("promisc", ""), &(bool){ false }, err, sizeof(err));
	assert_string_equal(err, "t.yaml:1: `promisc:`: must be true or false (or yes/no, on/off)");
}

static void
test_enum_reader(void **state)
{
	static const char *const modes[] = { "pcap", "afpacket", "dpdk", NULL };
	unsigned v = 99;

	(void)state;
	assert_int_equal(ar_conf_enum(kv("mode", "pcap"), modes, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ar_conf_enum(kv("mode", "dpdk"), modes, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 2);
	v = 99;
	assert_int_equal(ar_conf_enum(kv("mode", "PCAP"), modes, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: `mode: PCAP`: must be one of: pcap, afpacket, dpdk");
	assert_int_equal(ar_conf_enum(kv("mode", "dpd"), modes, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: `mode: dpd`: must be one of: pcap, afpacket, dpdk");
	assert_int_equal(v, 99);
}

static void
test_str_reader(void **state)
{
	const struct ar_conf *n;
	const char *s = NULL;

	(void)state;
	n = kv("file", "\"/var/log/apiradar/eve.json\"");
	assert_int_equal(ar_conf_str(n, &s, err, sizeof(err)), 0);
	assert_string_equal(s, "/var/log/apiradar/eve.json");
	assert_ptr_equal(s, n->value); /* points into the tree */
	n = kv("file", "");
	assert_int_equal(ar_conf_str(n, &s, err, sizeof(err)), 0);
	assert_string_equal(s, "");
}

static void
test_reader_errors_fit_small_buffers(void **state)
{
	char small[16];
	uint64_t v;

	(void)state;
	assert_int_equal(ar_conf_u64(kv("workers", "0"), 1, 2, &v, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "t.yaml:1: `work");
	assert_int_equal(ar_conf_u64(kv("workers", "0"), 1, 2, &v, NULL, 0), -EINVAL);
	assert_null(ar_conf_parse("a: [", 4, "t.yaml", NULL, 0));
}

/* ------------------------------------------------------------------ */
/* Unknown keys                                                         */
/* ------------------------------------------------------------------ */

static void
test_check_keys_names_unknown_key_and_parent(void **state)
{
	static const char *const top[] = { "capture", "export", NULL };
	static const char *const capture[] = { "workers", "ports", NULL };
	static const char *const item[] = { "name", NULL };
	struct ar_conf *root = parse("capture:\n"
				     "  workers: 4\n"
				     "  wrokers: 5\n"
				     "  ports:\n"
				     "    - name: eth0\n"
				     "      nmae: x\n"
				     "exprot: {}\n");
	const struct ar_conf *ports = ar_conf_path(root, "capture.ports");

	(void)state;
	assert_int_equal(
		ar_conf_check_keys(ar_conf_get(root, "capture"), capture, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "t.yaml:3: unknown key `wrokers` in `capture`");
	assert_int_equal(ar_conf_check_keys(root, top, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:7: unknown key `exprot`");
	assert_int_equal(ar_conf_check_keys(ports->child, item, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:6: unknown key `nmae`");
	assert_int_equal(ar_conf_check_keys(ports, item, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:4: `ports`: expected a map, found a sequence");
	assert_int_equal(
		ar_conf_check_keys(ar_conf_path(root, "capture.workers"), item, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "t.yaml:2: `workers: 4`: expected a map, found a scalar");
	ar_conf_free(root);

	root = parse("capture:\n  workers: 4\n  ports: []\n");
	err[0] = '\0';
	assert_int_equal(
		ar_conf_check_keys(ar_conf_get(root, "capture"), capture, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	ar_conf_free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_maps_and_seqs_keep_order_and_lines),
		cmocka_unit_test(test_get_and_dotted_path),
		cmocka_unit_test(test_empty_document_is_empty_root_map),
		cmocka_unit_test(test_syntax_errors_name_the_line),
		cmocka_unit_test(test_duplicate_keys_rejected),
		cmocka_unit_test(test_unsupported_yaml_rejected),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_free_accepts_null),
		cmocka_unit_test(test_big_tree_spans_arena_chunks),
		cmocka_unit_test(test_load_file_and_missing_file),
		cmocka_unit_test_teardown(test_u64_reader, free_doc),
		cmocka_unit_test(test_reader_null_node_keeps_default),
		cmocka_unit_test(test_readers_reject_maps_and_seqs),
		cmocka_unit_test(test_sequence_item_errors_show_the_item),
		cmocka_unit_test_teardown(test_size_reader, free_doc),
		cmocka_unit_test_teardown(test_duration_reader, free_doc),
		cmocka_unit_test_teardown(test_bool_reader, free_doc),
		cmocka_unit_test_teardown(test_enum_reader, free_doc),
		cmocka_unit_test_teardown(test_str_reader, free_doc),
		cmocka_unit_test_teardown(test_reader_errors_fit_small_buffers, free_doc),
		cmocka_unit_test(test_check_keys_names_unknown_key_and_parent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
