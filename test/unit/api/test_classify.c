/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment classes, string formats and the vocabulary of path words: each
 * class with what it must take and what it must leave to another class,
 * including the literals that look like identifiers (v1, oauth2,
 * index.html, rate_limit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs the headers above first */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "api_priv.h"
#include "classify_priv.h"

struct seg_case {
	const char *s;
	enum ar_api_seg want;
};

static void
check_segs(const struct seg_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum ar_api_seg got = ar_api_seg_classify(c[i].s, strlen(c[i].s));

		if (got != c[i].want)
			fail_msg("\"%s\": %s, want %s", c[i].s, ar_api_seg_name(got),
				 ar_api_seg_name(c[i].want));
	}
}

#define CHECK_SEGS(a) check_segs(a, sizeof(a) / sizeof(a[0]))

static void
test_words_stay_words(void **state)
{
	static const struct seg_case c[] = {
		{ "users", AR_SEG_WORD },
		{ "Users", AR_SEG_WORD },
		{ "v1", AR_SEG_WORD },
		{ "v2", AR_SEG_WORD },
		{ "v10", AR_SEG_WORD },
		{ "v1.1", AR_SEG_WORD },
		{ "v2beta", AR_SEG_WORD },
		{ "v1alpha1", AR_SEG_WORD },
		{ "oauth2", AR_SEG_WORD },
		{ "s3", AR_SEG_WORD },
		{ "ipv4", AR_SEG_WORD },
		{ "index.html", AR_SEG_WORD },
		{ "rate_limit", AR_SEG_WORD },
		{ "findByStatus", AR_SEG_WORD },
		{ "createUsersWithArrayInput", AR_SEG_WORD },
		{ "getHTTPResponseCode", AR_SEG_WORD },
		{ "oauth2-authorization-server", AR_SEG_WORD },
		{ ".well-known", AR_SEG_WORD },
		{ "$metadata", AR_SEG_WORD },
		{ ".", AR_SEG_WORD },
		{ "..", AR_SEG_WORD },
		{ "deadbeef", AR_SEG_WORD }, /* hex letters, no digit */
		{ "", AR_SEG_WORD },
	};
	(void)state;
	CHECK_SEGS(c);
}

static void
test_numbers(void **state)
{
	static const struct seg_case c[] = {
		{ "42", AR_SEG_INTEGER },
		{ "0", AR_SEG_INTEGER },
		{ "-17", AR_SEG_INTEGER },
		{ "20240131", AR_SEG_INTEGER }, /* YYYYMMDD is a number */
		{ "3.14", AR_SEG_NUMBER },
		{ "1.0", AR_SEG_NUMBER }, /* a version at an API's base (/api/1.0): the tree says */
		{ "10.2", AR_SEG_NUMBER },
		{ "l2vpns", AR_SEG_WORD }, /* one digit inside letters: a name */
		{ "k8s", AR_SEG_WORD },
		{ "ab12cd", AR_SEG_MIXED },
		{ "a1b2", AR_SEG_MIXED },
		{ "52.52", AR_SEG_NUMBER },
		{ "0.5", AR_SEG_NUMBER },
		{ "-0.5", AR_SEG_NUMBER },
		{ "-", AR_SEG_WORD },
		{ "1.", AR_SEG_MIXED },
		{ ".5", AR_SEG_MIXED },
		{ "1.2.3", AR_SEG_MIXED },
		{ "2024-01", AR_SEG_MIXED },
		{ "+1", AR_SEG_TEXT },
	};
	(void)state;
	CHECK_SEGS(c);
}

static void
test_uuid_hash_hex(void **state)
{
	static const struct seg_case c[] = {
		{ "550e8400-e29b-41d4-a716-446655440000", AR_SEG_UUID },
		{ "550E8400-E29B-41D4-A716-446655440000", AR_SEG_UUID },
		{ "550e8400-e29b-41d4-a716-44665544000g", AR_SEG_TOKEN },    /* not hex */
		{ "550e8400e29b41d4a716446655440000", AR_SEG_HASH },         /* 32 */
		{ "da39a3ee5e6b4b0d3255bfef95601890afd80709", AR_SEG_HASH }, /* 40 */
		{ "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		  AR_SEG_HASH },                            /* 64 */
		{ "507f1f77bcf86cd799439011", AR_SEG_HEX }, /* ObjectId, 24 */
		{ "abc12345", AR_SEG_HEX },
		{ "abc1234", AR_SEG_MIXED },                         /* 7: too short for HEX */
		{ "1234567890abcdef1234567890abcdef1", AR_SEG_HEX }, /* 33: not a hash length */
	};
	(void)state;
	CHECK_SEGS(c);
}

static void
test_dates(void **state)
{
	static const struct seg_case c[] = {
		{ "2024-01-31", AR_SEG_DATE },
		{ "2024-02-29", AR_SEG_DATE },
		{ "2024-01-31T10:00:00Z", AR_SEG_DATE },
		{ "2024-01-31T10:00:00.123+01:00", AR_SEG_DATE },
		{ "2024-01-31 10:00", AR_SEG_DATE },
		{ "2024-01-31t10:00:00+0100", AR_SEG_DATE },
		{ "2023-02-29", AR_SEG_MIXED }, /* no such day */
		{ "2024-13-01", AR_SEG_MIXED },
		{ "2024-01-31T25:00", AR_SEG_MIXED },
		{ "2024-01-31 10:00 x", AR_SEG_TEXT },
	};
	(void)state;
	CHECK_SEGS(c);
}

static void
test_email_token_text(void **state)
{
	static const struct seg_case c[] = {
		{ "john.doe@example.com", AR_SEG_EMAIL },
		{ "a+b@mail.example.org", AR_SEG_EMAIL },
		{ "user@localhost", AR_SEG_TEXT },
		{ "@example.com", AR_SEG_TEXT },
		{ "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", AR_SEG_TOKEN },
		{ "dGhpcyBpcyBhIHRlc3Q=", AR_SEG_TOKEN },
		{ "AKIAIOSFODNN7EXAMPLE", AR_SEG_TOKEN },
		{ "qZkTpRmXwLbNvHcY", AR_SEG_TOKEN }, /* random case, no digit */
		/* generated ids without digits: typed-prefix tails, base62 keys */
		{ "for_DAQIcwpnLIhEGQ", AR_SEG_TOKEN }, /* case oddities */
		{ "id_FGhpDrNZQiaeid", AR_SEG_TOKEN },
		{ "FtWFSvzyvpzfzpsbkZowOm", AR_SEG_TOKEN }, /* vzyvpzfzpsbk */
		{ "euszuPoWvnfefloBzQrcwe", AR_SEG_TOKEN },
		{ "pat_JQSECVsaMrzbpB", AR_SEG_TOKEN }, /* typed prefix, mixed-case tail */
		{ "cha_ePivscxUvbxAiU", AR_SEG_TOKEN },
		{ "cal_AzpgYtvZxlXstC", AR_SEG_TOKEN },     /* few vowels */
		{ "pro_evgcsNdzmuEeta", AR_SEG_TOKEN },     /* vgcsNdzm */
		{ "MzvqtNegevDoavEOggssFR", AR_SEG_TOKEN }, /* random case, few vowels */
		{ "v4MAAMRGYtqbxtxDyrBRTe", AR_SEG_TOKEN }, /* not a version */
		{ "get_listOfUserAccountsByName", AR_SEG_WORD },
		{ "get_userByIdAndName", AR_SEG_WORD },
		/* ... which words do not look like: camelCase, acronyms, snake_case */
		{ "getUserByIdAndName", AR_SEG_WORD },
		{ "getHTTPStatusXMLParser", AR_SEG_WORD },
		{ "HTTPServerConfig", AR_SEG_WORD },
		{ "XMLHttpRequest", AR_SEG_WORD },
		{ "https_redirects", AR_SEG_WORD },
		{ "strengths_and_rhythms", AR_SEG_WORD },
		{ "getABTestResult", AR_SEG_WORD },
		{ "a+b/c=d", AR_SEG_TEXT },
		{ "hello world", AR_SEG_TEXT },
		{ "50%", AR_SEG_TEXT },
		{ "caf\xc3\xa9", AR_SEG_TEXT },
		{ "\"quoted\"", AR_SEG_TEXT },
		{ "a;b", AR_SEG_TEXT },
	};
	(void)state;
	CHECK_SEGS(c);
}

static void
test_mixed_ids(void **state)
{
	static const struct seg_case c[] = {
		{ "user123", AR_SEG_MIXED }, { "ord_8f7d6", AR_SEG_MIXED },
		{ "a1b2c3", AR_SEG_MIXED },  { "INV-2024-0042", AR_SEG_MIXED },
		{ "x509", AR_SEG_MIXED },    { "category1", AR_SEG_MIXED }, /* piece of 8+ */
		{ "user1", AR_SEG_WORD }, /* one digit at the end of a short word */
	};
	(void)state;
	CHECK_SEGS(c);
}

struct fmt_case {
	const char *s;
	enum ar_api_fmt want;
};

static void
test_string_formats(void **state)
{
	static const struct fmt_case c[] = {
		{ "2024-01-31T10:00:00Z", AR_FMT_DATE_TIME },
		{ "2024-01-31t10:00:00.5+05:30", AR_FMT_DATE_TIME },
		{ "2024-01-31T10:00:00", AR_FMT_NONE }, /* no zone */
		{ "2024-01-31T10:00Z", AR_FMT_NONE },   /* no seconds */
		{ "2024-01-31", AR_FMT_DATE },
		{ "2024-02-30", AR_FMT_NONE },
		{ "john.doe@example.com", AR_FMT_EMAIL },
		{ "john@doe", AR_FMT_NONE },
		{ "550e8400-e29b-41d4-a716-446655440000", AR_FMT_UUID },
		{ "192.168.1.10", AR_FMT_IPV4 },
		{ "256.1.1.1", AR_FMT_NONE },
		{ "1.2.3", AR_FMT_NONE },
		{ "2001:db8::1", AR_FMT_IPV6 },
		{ "::1", AR_FMT_IPV6 },
		{ "fe80::1:2:3:4", AR_FMT_IPV6 },
		{ "10:00", AR_FMT_NONE },
		{ "https://example.com/a?b=c", AR_FMT_URI },
		{ "git+ssh://host/repo", AR_FMT_URI },
		{ "https://", AR_FMT_NONE },
		{ "1http://x", AR_FMT_NONE },
		{ "http://a b", AR_FMT_NONE },
		{ "api.example.com", AR_FMT_HOSTNAME },
		{ "my-host.example.co", AR_FMT_HOSTNAME },
		{ "example.c0m", AR_FMT_NONE },
		{ "-bad.example.com", AR_FMT_NONE },
		{ "localhost", AR_FMT_NONE },
		{ "hello world", AR_FMT_NONE },
		{ "42", AR_FMT_NONE },
		{ "x", AR_FMT_NONE },
		{ "", AR_FMT_NONE },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		enum ar_api_fmt got = ar_api_str_format(c[i].s, strlen(c[i].s));

		if (got != c[i].want)
			fail_msg("\"%s\": %d, want %d", c[i].s, got, c[i].want);
	}
}

static void
test_format_reads_only_its_bytes(void **state)
{
	/* not NUL-terminated: the format must come from the first n bytes */
	static const char buf[] = "2024-01-31T10:00:00Zjunk";

	(void)state;
	assert_int_equal(ar_api_str_format(buf, 20), AR_FMT_DATE_TIME);
	assert_int_equal(ar_api_str_format(buf, 10), AR_FMT_DATE);
	assert_int_equal(ar_api_str_format(buf, 21), AR_FMT_NONE);
	assert_int_equal(ar_api_seg_classify(buf, 10), AR_SEG_DATE);
	assert_int_equal(ar_api_seg_classify("42abc", 2), AR_SEG_INTEGER);
}

static void
test_versions(void **state)
{
	(void)state;
	assert_true(classify_version("v1", 2));
	assert_true(classify_version("V3", 2));
	assert_true(classify_version("v1.2.3", 6));
	assert_true(classify_version("v2beta", 6));
	assert_true(classify_version("v1alpha1", 8));
	assert_false(classify_version("v", 1));
	assert_false(classify_version("vendor", 6));
	assert_false(classify_version("v1-users", 8));
	assert_false(classify_version("1v", 2));
}

static void
test_vocabulary_and_plurals(void **state)
{
	static const char *const yes[] = {
		"me",        "users",       "USERS",        "user",   "orders",  "categories",
		"Category",  "taxes",       "status",       "health", "search",  "products",
		"inventory", "pets",        "entries",      "people", "metrics", "settings",
		"token",     ".well-known", "repositories",
	};
	static const char *const no[] = {
		"alice", "octocat", "hello", "widgets", "userz", "", "s", "ies",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!classify_vocab(yes[i], strlen(yes[i])))
			fail_msg("\"%s\" should be in the vocabulary", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (classify_vocab(no[i], strlen(no[i])))
			fail_msg("\"%s\" should not be in the vocabulary", no[i]);
}

static void
test_vocabulary_sorted_and_found(void **state)
{
	const char *const *w;
	size_t n = classify_vocab_list(&w);

	(void)state;
	assert_true(n >= 300 && n <= 600);
	for (size_t i = 0; i < n; i++) {
		for (const char *p = w[i]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				fail_msg("\"%s\" is not lower-case", w[i]);
		if (i > 0 && strcmp(w[i - 1], w[i]) >= 0)
			fail_msg("\"%s\" before \"%s\"", w[i - 1], w[i]);
		if (!classify_vocab(w[i], strlen(w[i])))
			fail_msg("\"%s\" not found", w[i]);
		if (ar_api_seg_classify(w[i], strlen(w[i])) != AR_SEG_WORD)
			fail_msg("\"%s\" is not a WORD", w[i]);
	}
}

static void
test_literal_like_words(void **state)
{
	static const char *const yes[] = {
		"v2",       "me",          "findByStatus", "createWithList", "rate_limit",
		"getUsers", "UserProfile", "apiKeys",      "oauth2",         "$metadata",
		"APIKeys",  "list_orders", "search.json",  "v1beta1",
	};
	static const char *const no[] = {
		"alice",      "hello-world", "octocat",      "torvalds",     "x509",
		"HelloWorld", "zzz_users",   "user-service", "open-bundler", "new-hangar",
		"mariaholt",  "JaneDoe",     "john_smith",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!classify_literal_like(yes[i], strlen(yes[i])))
			fail_msg("\"%s\" should be literal-like", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (classify_literal_like(no[i], strlen(no[i])))
			fail_msg("\"%s\" should not be literal-like", no[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_stay_words),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_uuid_hash_hex),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_email_token_text),
		cmocka_unit_test(test_mixed_ids),
		cmocka_unit_test(test_string_formats),
		cmocka_unit_test(test_format_reads_only_its_bytes),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_vocabulary_and_plurals),
		cmocka_unit_test(test_vocabulary_sorted_and_found),
		cmocka_unit_test(test_literal_like_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
