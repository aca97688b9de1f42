/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: lib/core JSON writer and EVE timestamps. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include <ar_core.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static char out_buf[4096];

/* The writer's text as a C string, for readable failures. */
static const char *
text(const struct ar_json *j)
{
	static char s[sizeof(out_buf) + 1];

	assert_true(j->len <= sizeof(out_buf));
	memcpy(s, j->buf, j->len);
	s[j->len] = '\0';
	return s;
}

/* Escapes @len bytes of @s as one string value, capped at @cap. */
static const char *
str_json(const void *s, size_t len, size_t cap)
{
	struct ar_json j;

	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_str(&j, s, len, cap);
	assert_false(j.overflow);
	return text(&j);
}

#define S(lit) str_json(lit, sizeof(lit) - 1, 0)

/* ------------------------------------------------------------------ */
/* Escaping                                                             */
/* ------------------------------------------------------------------ */

static void
test_escape_every_control_char(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 0x20; c++) {
		char in = (char)c, want[16];

		switch (c) {
		case '\b':
			strcpy(want, "\"\\b\"");
			break;
		case '\f':
			strcpy(want, "\"\\f\"");
			break;
		case '\n':
			strcpy(want, "\"\\n\"");
			break;
		case '\r':
			strcpy(want, "\"\\r\"");
			break;
		case '\t':
			strcpy(want, "\"\\t\"");
			break;
		default:
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
			break;
		}
		assert_string_equal(str_json(&in, 1, 0), want);
	}
	assert_string_equal(S("\x00"), "\"\\u0000\"");
	assert_string_equal(S("\x1f"), "\"\\u001f\"");
	assert_string_equal(S("\x7f"), "\"\\u007f\"");
	assert_string_equal(S("a\x01"
			      "b\x7f"
			      "c"),
			    "\"a\\u0001b\\u007fc\"");
}

static void
test_escape_quote_and_backslash(void **state)
{
	(void)state;
	assert_string_equal(S("\""), "\"\\\"\"");
	assert_string_equal(S("\\"), "\"\\\\\"");
	assert_string_equal(S("say \"hi\\there\""), "\"say \\\"hi\\\\there\\\"\"");
	/* A solidus needs no escape. */
	assert_string_equal(S("/a/b"), "\"/a/b\"");
}

static void
test_printable_ascii_passes_through(void **state)
{
	char in[128], want[160];
	size_t n = 0, w = 0;

	(void)state;
	want[w++] = '"';
	for (unsigned c = 0x20; c < 0x7f; c++) {
		in[n++] = (char)c;
		if (c == '"' || c == '\\')
			want[w++] = '\\';
		want[w++] = (char)c;
	}
	want[w++] = '"';
	want[w] = '\0';
	assert_string_equal(str_json(in, n, 0), want);
	assert_string_equal(S(""), "\"\"");
}

static void
test_valid_utf8_passes_through(void **state)
{
	static const char *const ok[] = {
		"\xc2\x80",         /* U+0080, first 2-byte */
		"\xc3\xa9",         /* é */
		"\xdf\xbf",         /* U+07FF, last 2-byte */
		"\xe0\xa0\x80",     /* U+0800, first 3-byte */
		"\xe2\x82\xac",     /* € */
		"\xed\x9f\xbf",     /* U+D7FF, below the surrogates */
		"\xee\x80\x80",     /* U+E000, above the surrogates */
		"\xef\xbf\xbf",     /* U+FFFF */
		"\xf0\x90\x80\x80", /* U+10000, first 4-byte */
		"\xf0\x9f\x98\x80", /* 😀 */
		"\xf3\xbf\xbf\xbf", /* U+FFFFF */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF, the last code point */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char want[16];

		snprintf(want, sizeof(want), "\"%s\"", ok[i]);
		assert_string_equal(str_json(ok[i], strlen(ok[i]), 0), want);
	}
	assert_string_equal(S("caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80!"),
			    "\"caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80!\"");
}

static void
test_invalid_utf8_escaped_bytewise(void **state)
{
	(void)state;
	/* Continuation bytes with no lead. */
	assert_string_equal(S("\x80"), "\"\\u0080\"");
	assert_string_equal(S("a\xbf"
			      "b"),
			    "\"a\\u00bfb\"");
	/* Overlong encodings. */
	assert_string_equal(S("\xc0\xaf"), "\"\\u00c0\\u00af\"");
	assert_string_equal(S("\xc1\xbf"), "\"\\u00c1\\u00bf\"");
	assert_string_equal(S("\xe0\x80\xaf"), "\"\\u00e0\\u0080\\u00af\"");
	assert_string_equal(S("\xe0\x9f\xbf"), "\"\\u00e0\\u009f\\u00bf\"");
	assert_string_equal(S("\xf0\x80\x80\xaf"), "\"\\u00f0\\u0080\\u0080\\u00af\"");
	assert_string_equal(S("\xf0\x8f\xbf\xbf"), "\"\\u00f0\\u008f\\u00bf\\u00bf\"");
	/* UTF-16 surrogates, U+D800 and U+DFFF. */
	assert_string_equal(S("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");
	assert_string_equal(S("\xed\xbf\xbf"), "\"\\u00ed\\u00bf\\u00bf\"");
	/* Above U+10FFFF. */
	assert_string_equal(S("\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\"");
	assert_string_equal(S("\xf5\x80\x80\x80"), "\"\\u00f5\\u0080\\u0080\\u0080\"");
	assert_string_equal(S("\xf8\x88\x80\x80\x80"), "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"");
	assert_string_equal(S("\xfe\xff"), "\"\\u00fe\\u00ff\"");
	/* Truncated sequences: at the end, and followed by ASCII. */
	assert_string_equal(S("a\xc3"), "\"a\\u00c3\"");
	assert_string_equal(S("a\xe2\x82"), "\"a\\u00e2\\u0082\"");
	assert_string_equal(S("a\xf0\x9f\x98"), "\"a\\u00f0\\u009f\\u0098\"");
	assert_string_equal(S("\xc3"
			      "A"),
			    "\"\\u00c3A\"");
	assert_string_equal(S("\xe2\x82z"), "\"\\u00e2\\u0082z\"");
	/* A bad lead does not swallow the valid character after it. */
	assert_string_equal(S("\xff\xc3\xa9"), "\"\\u00ff\xc3\xa9\"");
	assert_string_equal(S("\xe2\xc3\xa9"), "\"\\u00e2\xc3\xa9\"");
}

/*
 * A slow, independent oracle: decode a code point, then judge it by value
 * (overlong, surrogate, range), not by lead-byte classes.
 */
static size_t
ref_utf8_len(const uint8_t *s, size_t avail)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static size_t
ref_escape(const uint8_t *s, size_t len, size_t cap, char *out)
{
	size_t lim = cap != 0 && cap < len ? cap : len, o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < lim;) {
		uint8_t c = s[i];
		size_t k = ref_utf8_len(s + i, len - i);

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' :
				   c == '\r' ? 'r' :
				   c == '\t' ? 't' :
				   c == '\b' ? 'b' :
					       'f';
			i++;
		} else if (c < 0x20 || c == 0x7f || k == 0) {
			o += (size_t)sprintf(out + o, "\\u%04x", c);
			i++;
		} else if (i + k > lim) {
			break;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		}
	}
	out[o++] = '"';
	return o;
}

static void
test_escaping_matches_reference_on_random_input(void **state)
{
	/* Bytes that matter, so random strings hit the edges often. */
	static const uint8_t pick[] = { 'a',  'Z',  ' ',  '"',  '\\', '\n', 0x00, 0x1f, 0x7f, 0x80,
					0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
					0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xff };
	uint8_t in[64];
	char want[64 * 6 + 2];
	uint32_t seed = 12345;

	(void)state;
	for (int iter = 0; iter < 200000; iter++) {
		size_t len, cap, wlen;
		struct ar_json j;

		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % sizeof(in);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = (seed >> 24) & 1 ? pick[(seed >> 16) % sizeof(pick)] :
						   (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245 + 12345;
		cap = (seed >> 16) % 4 == 0 ? (seed >> 20) % (len + 2) : 0;

		wlen = ref_escape(in, len, cap, want);
		ar_json_init(&j, out_buf, sizeof(out_buf));
		ar_json_str(&j, (const char *)in, len, cap);
		assert_false(j.overflow);
		assert_int_equal(j.len, wlen);
		assert_memory_equal(j.buf, want, wlen);
	}
}

/* ------------------------------------------------------------------ */
/* Input cap                                                            */
/* ------------------------------------------------------------------ */

static void
test_cap_limits_input_bytes(void **state)
{
	(void)state;
	assert_string_equal(str_json("abcdef", 6, 3), "\"abc\"");
	assert_string_equal(str_json("abcdef", 6, 6), "\"abcdef\"");
	assert_string_equal(str_json("abcdef", 6, 7), "\"abcdef\"");
	assert_string_equal(str_json("abcdef", 6, 0), "\"abcdef\""); /* 0: no cap */
	assert_string_equal(str_json("abcdef", 6, 1), "\"a\"");
	/* The cap counts input bytes: an escaped byte counts once. */
	assert_string_equal(str_json("a\nb", 3, 2), "\"a\\n\"");
	assert_string_equal(str_json("\x01\x02\x03", 3, 2), "\"\\u0001\\u0002\"");
	/* A long plain run cut in the middle of a word. */
	assert_string_equal(str_json("0123456789abcdefghij", 20, 13), "\"0123456789abc\"");
}

static void
test_cap_drops_character_split_by_cut(void **state)
{
	static const char in[] = "a\xe2\x82\xac"
				 "b"; /* a€b */

	(void)state;
	/* A cut inside € drops € whole: no half characters, no escaped tail. */
	assert_string_equal(str_json(in, 5, 2), "\"a\"");
	assert_string_equal(str_json(in, 5, 3), "\"a\"");
	assert_string_equal(str_json(in, 5, 4), "\"a\xe2\x82\xac\"");
	assert_string_equal(str_json(in, 5, 5), "\"a\xe2\x82\xac"
						"b\"");
	assert_string_equal(str_json("\xf0\x9f\x98\x80", 4, 3), "\"\"");
	/* Bytes already invalid in the whole input are escaped up to the cut. */
	assert_string_equal(str_json("a\xe2\x82", 3, 2), "\"a\\u00e2\"");
	assert_string_equal(str_json("a\xe2\x82z", 4, 3), "\"a\\u00e2\\u0082\"");
}

/* ------------------------------------------------------------------ */
/* Buffer overflow                                                      */
/* ------------------------------------------------------------------ */

static void
build_doc(struct ar_json *j)
{
	static const char ua[] = "Mozilla/5.0 \"quoted\" \\ caf\xc3\xa9 \xf0\x9f\x98\x80 \x01\xff";

	ar_json_obj_open(j);
	ar_json_kv_cstr(j, "timestamp", "2026-11-28T13:20:42.123456+0000");
	ar_json_kv_u64(j, "flow_id", UINT64_MAX);
	ar_json_key(j, "delta");
	ar_json_i64(j, INT64_MIN);
	ar_json_key(j, "http");
	ar_json_obj_open(j);
	ar_json_kv_str(j, "url", "/api/v1/users/42?q=a\tb", 22, 0);
	ar_json_kv_str(j, "http_user_agent", ua, sizeof(ua) - 1, 35); /* cuts \xff */
	ar_json_key(j, "request_headers");
	ar_json_arr_open(j);
	ar_json_obj_open(j);
	ar_json_kv_cstr(j, "name", "Host");
	ar_json_kv_cstr(j, "value", "example.com");
	ar_json_obj_close(j);
	ar_json_u64(j, 7);
	ar_json_null(j);
	ar_json_arr_open(j);
	ar_json_arr_close(j);
	ar_json_arr_close(j);
	ar_json_obj_close(j);
	ar_json_kv_bool(j, "blocked", false);
	ar_json_key(j, "score");
	ar_json_double(j, 0.75, 3);
	ar_json_obj_close(j);
}

static const char full_doc[] =
	"{\"timestamp\":\"2026-11-28T13:20:42.123456+0000\","
	"\"flow_id\":18446744073709551615,"
	"\"delta\":-9223372036854775808,"
	"\"http\":{\"url\":\"/api/v1/users/42?q=a\\tb\","
	"\"http_user_agent\":\"Mozilla/5.0 \\\"quoted\\\" \\\\ caf\xc3\xa9 \xf0\x9f\x98\x80 "
	"\\u0001\","
	"\"request_headers\":[{\"name\":\"Host\",\"value\":\"example.com\"},7,null,[]]},"
	"\"blocked\":false,\"score\":0.750}";

static void
test_document_full_output(void **state)
{
	struct ar_json j;

	(void)state;
	ar_json_init(&j, out_buf, sizeof(out_buf));
	build_doc(&j);
	assert_false(j.overflow);
	assert_int_equal(j.depth, 0);
	assert_string_equal(text(&j), full_doc);
}

static void
test_overflow_at_every_buffer_size(void **state)
{
	const size_t full = sizeof(full_doc) - 1;

	(void)state;
	for (size_t cap = 0; cap <= full + 1; cap++) {
		/* Exactly @cap bytes, so ASan sees any write past it; a canary too. */
		char *buf = malloc(cap + 16);
		struct ar_json j;

		assert_non_null(buf);
		memset(buf, 0xa5, cap + 16);
		ar_json_init(&j, buf, cap);
		build_doc(&j);
		if (cap >= full) {
			assert_false(j.overflow);
			assert_int_equal(j.len, full);
			assert_memory_equal(buf, full_doc, full);
		} else {
			assert_true(j.overflow);
			assert_true(j.len <= cap);
			/* What was written is a prefix of the real text. */
			assert_memory_equal(buf, full_doc, j.len);
		}
		for (size_t i = cap; i < cap + 16; i++)
			assert_int_equal((uint8_t)buf[i], 0xa5);
		free(buf);
	}
}

static void
test_overflow_is_sticky(void **state)
{
	char buf[8];
	struct ar_json j;
	size_t len;

	(void)state;
	ar_json_init(&j, buf, sizeof(buf));
	ar_json_arr_open(&j);
	ar_json_cstr(&j, "too long for it");
	assert_true(j.overflow);
	len = j.len;
	/* These would fit, but the text is already lost. */
	ar_json_u64(&j, 1);
	ar_json_null(&j);
	ar_json_arr_close(&j);
	assert_true(j.overflow);
	assert_int_equal(j.len, len);
}

static void
test_null_buffer_always_overflows(void **state)
{
	struct ar_json j;

	(void)state;
	ar_json_init(&j, NULL, 100);
	ar_json_null(&j);
	assert_true(j.overflow);
	assert_int_equal(j.len, 0);
}

/* ------------------------------------------------------------------ */
/* Structure                                                            */
/* ------------------------------------------------------------------ */

static void
test_commas_in_nested_objects_and_arrays(void **state)
{
	struct ar_json j;

	(void)state;
	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_obj_open(&j);
	ar_json_kv_u64(&j, "a", 1);
	ar_json_key(&j, "b");
	ar_json_arr_open(&j);
	ar_json_u64(&j, 1);
	ar_json_u64(&j, 2);
	ar_json_obj_open(&j);
	ar_json_key(&j, "c");
	ar_json_arr_open(&j);
	ar_json_arr_close(&j);
	ar_json_obj_close(&j);
	ar_json_arr_open(&j);
	ar_json_arr_open(&j);
	ar_json_bool(&j, true);
	ar_json_arr_close(&j);
	ar_json_arr_close(&j);
	ar_json_arr_close(&j);
	ar_json_key(&j, "d");
	ar_json_obj_open(&j);
	ar_json_obj_close(&j);
	ar_json_key(&j, "e");
	ar_json_obj_open(&j);
	ar_json_kv_cstr(&j, "f", NULL);
	ar_json_kv_bool(&j, "g", true);
	ar_json_obj_close(&j);
	ar_json_obj_close(&j);
	assert_false(j.overflow);
	assert_int_equal(j.depth, 0);
	assert_string_equal(text(&j), "{\"a\":1,\"b\":[1,2,{\"c\":[]},[[true]]],\"d\":{},"
				      "\"e\":{\"f\":null,\"g\":true}}");
}

static void
test_keys_are_escaped(void **state)
{
	struct ar_json j;

	(void)state;
	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_obj_open(&j);
	ar_json_kv_u64(&j, "a\"b\n", 1);
	ar_json_obj_close(&j);
	assert_string_equal(text(&j), "{\"a\\\"b\\n\":1}");
}

static void
test_depth_63_fits_64_overflows(void **state)
{
	struct ar_json j;

	(void)state;
	ar_json_init(&j, out_buf, sizeof(out_buf));
	for (int i = 0; i < 63; i++)
		ar_json_arr_open(&j);
	assert_false(j.overflow);
	assert_int_equal(j.depth, 63);
	ar_json_u64(&j, 1);
	ar_json_u64(&j, 2);
	for (int i = 0; i < 63; i++)
		ar_json_arr_close(&j);
	assert_false(j.overflow);
	assert_int_equal(j.len, 63 + 3 + 63);
	assert_memory_equal(j.buf + 63, "1,2", 3);

	ar_json_init(&j, out_buf, sizeof(out_buf));
	for (int i = 0; i < 64; i++)
		ar_json_obj_open(&j);
	assert_true(j.overflow);
}

static void
test_close_without_open_overflows(void **state)
{
	struct ar_json j;

	(void)state;
	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_obj_open(&j);
	ar_json_obj_close(&j);
	assert_false(j.overflow);
	ar_json_obj_close(&j);
	assert_true(j.overflow);
}

/* ------------------------------------------------------------------ */
/* Numbers                                                              */
/* ------------------------------------------------------------------ */

static const char *
u64_json(uint64_t v)
{
	struct ar_json j;

	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_u64(&j, v);
	return text(&j);
}

static const char *
i64_json(int64_t v)
{
	struct ar_json j;

	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_i64(&j, v);
	return text(&j);
}

static const char *
double_json(double v, int decimals)
{
	struct ar_json j;

	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_double(&j, v, decimals);
	assert_false(j.overflow);
	return text(&j);
}

static void
test_u64_at_limits(void **state)
{
	(void)state;
	assert_string_equal(u64_json(0), "0");
	assert_string_equal(u64_json(9), "9");
	assert_string_equal(u64_json(10), "10");
	assert_string_equal(u64_json(99), "99");
	assert_string_equal(u64_json(100), "100");
	assert_string_equal(u64_json(UINT64_MAX), "18446744073709551615");
	/* Every power of ten and its neighbours, against printf. */
	for (uint64_t p = 1;; p *= 10) {
		for (int d = -1; d <= 1; d++) {
			char want[32];

			snprintf(want, sizeof(want), "%" PRIu64, p + (uint64_t)(int64_t)d);
			assert_string_equal(u64_json(p + (uint64_t)(int64_t)d), want);
		}
		if (p > UINT64_MAX / 10)
			break;
	}
}

static void
test_i64_at_limits(void **state)
{
	(void)state;
	assert_string_equal(i64_json(0), "0");
	assert_string_equal(i64_json(-1), "-1");
	assert_string_equal(i64_json(-10), "-10");
	assert_string_equal(i64_json(INT64_MAX), "9223372036854775807");
	assert_string_equal(i64_json(INT64_MIN), "-9223372036854775808");
	assert_string_equal(i64_json(INT64_MIN + 1), "-9223372036854775807");
}

static void
test_double_decimals_and_non_finite(void **state)
{
	(void)state;
	assert_string_equal(double_json(1.5, 2), "1.50");
	assert_string_equal(double_json(0.75, 0), "1");
	assert_string_equal(double_json(-2.25, 1), "-2.2"); /* printf rounds half to even */
	assert_string_equal(double_json(3.0, -4), "3");     /* negative: no decimals */
	assert_string_equal(double_json(0.1, 30), "0.10000000000000001"); /* at most 17 */
	assert_string_equal(double_json(0.0 / 0.0, 3), "null");
	assert_string_equal(double_json(1.0 / 0.0, 3), "null");
	assert_string_equal(double_json(-1.0 / 0.0, 3), "null");
	assert_int_equal(strlen(double_json(1.7976931348623157e308, 0)), 309);
}

static void
test_double_in_array_gets_commas(void **state)
{
	struct ar_json j;

	(void)state;
	ar_json_init(&j, out_buf, sizeof(out_buf));
	ar_json_arr_open(&j);
	ar_json_double(&j, 1.0, 1);
	ar_json_double(&j, 0.0 / 0.0, 1);
	ar_json_i64(&j, -3);
	ar_json_arr_close(&j);
	assert_string_equal(text(&j), "[1.0,null,-3]");
}

/* ------------------------------------------------------------------ */
/* Timestamps                                                           */
/* ------------------------------------------------------------------ */

static const char *
ts(uint64_t ns)
{
	static char buf[40];

	assert_int_equal(ar_time_format(ns, buf, 32), 31);
	assert_int_equal(strlen(buf), 31);
	return buf;
}

static uint64_t
civil_ns(int y, int mo, int d, int h, int mi, int s, uint64_t us)
{
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mo - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_sec = s };

	return (uint64_t)timegm(&tm) * 1000000000 + us * 1000;
}

static void
test_time_format_known_dates(void **state)
{
	(void)state;
	assert_string_equal(ts(0), "1970-01-01T00:00:00.000000+0000");
	assert_string_equal(ts(civil_ns(2026, 11, 28, 13, 20, 42, 123456)),
			    "2026-11-28T13:20:42.123456+0000");
	assert_string_equal(ts(1790000000ULL * 1000000000), "2026-09-21T14:13:20.000000+0000");
	/* Leap days, and century years that are and are not leap years. */
	assert_string_equal(ts(civil_ns(2024, 2, 29, 23, 59, 59, 999999)),
			    "2024-02-29T23:59:59.999999+0000");
	assert_string_equal(ts(civil_ns(2024, 2, 29, 23, 59, 59, 999999) + 1000),
			    "2024-03-01T00:00:00.000000+0000");
	assert_string_equal(ts(civil_ns(2000, 2, 29, 12, 0, 0, 0)),
			    "2000-02-29T12:00:00.000000+0000");
	assert_string_equal(ts(civil_ns(2100, 2, 28, 23, 59, 59, 0) + 1000000000),
			    "2100-03-01T00:00:00.000000+0000");
	assert_string_equal(ts(civil_ns(1999, 12, 31, 23, 59, 59, 0)),
			    "1999-12-31T23:59:59.000000+0000");
	/* Sub-microsecond nanoseconds are cut, not rounded. */
	assert_string_equal(ts(999999999), "1970-01-01T00:00:00.999999+0000");
	assert_string_equal(ts(1001), "1970-01-01T00:00:00.000001+0000");
	/* The largest u64. */
	assert_string_equal(ts(UINT64_MAX), "2554-07-21T23:34:33.709551+0000");
}

static void
test_time_format_matches_gmtime_every_day(void **state)
{
	const uint64_t last_day = UINT64_MAX / 1000000000 / 86400;

	(void)state;
	for (uint64_t day = 0; day <= last_day; day++) {
		/* A different second of the day each time. */
		time_t t = (time_t)(day * 86400 + day * 7919 % 86400);
		uint64_t ns = (uint64_t)t * 1000000000 + day % 1000000 * 1000;
		char want[40];
		struct tm tm;
		size_t n;

		if (ns / 1000000000 != (uint64_t)t)
			break; /* past the u64 range on the last day */
		assert_non_null(gmtime_r(&t, &tm));
		n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof(want) - n, ".%06" PRIu64 "+0000", day % 1000000);
		assert_string_equal(ts(ns), want);
	}
}

static void
test_time_format_short_buffer(void **state)
{
	char buf[32];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ar_time_format(0, buf, 31), 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(ar_time_format(0, buf, 0), 0);
	assert_int_equal(ar_time_format(0, buf, 32), 31);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000+0000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_every_control_char),
		cmocka_unit_test(test_escape_quote_and_backslash),
		cmocka_unit_test(test_printable_ascii_passes_through),
		cmocka_unit_test(test_valid_utf8_passes_through),
		cmocka_unit_test(test_invalid_utf8_escaped_bytewise),
		cmocka_unit_test(test_escaping_matches_reference_on_random_input),
		cmocka_unit_test(test_cap_limits_input_bytes),
		cmocka_unit_test(test_cap_drops_character_split_by_cut),
		cmocka_unit_test(test_document_full_output),
		cmocka_unit_test(test_overflow_at_every_buffer_size),
		cmocka_unit_test(test_overflow_is_sticky),
		cmocka_unit_test(test_null_buffer_always_overflows),
		cmocka_unit_test(test_commas_in_nested_objects_and_arrays),
		cmocka_unit_test(test_keys_are_escaped),
		cmocka_unit_test(test_depth_63_fits_64_overflows),
		cmocka_unit_test(test_close_without_open_overflows),
		cmocka_unit_test(test_u64_at_limits),
		cmocka_unit_test(test_i64_at_limits),
		cmocka_unit_test(test_double_decimals_and_non_finite),
		cmocka_unit_test(test_double_in_array_gets_commas),
		cmocka_unit_test(test_time_format_known_dates),
		cmocka_unit_test(test_time_format_matches_gmtime_every_day),
		cmocka_unit_test(test_time_format_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
