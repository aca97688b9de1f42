/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match normalisation tests. Every case is run out of place with an
 * exact-size output, in place, and with every smaller output cap (in and
 * out of place), where the result must be the first cap bytes of the full
 * one. Buffers are allocated at their exact size so that the sanitizers
 * see any read past the input or write past the cap.
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

#define ALL_FLAGS 0x3FFu

/* Escapes @s for a failure message. */
static const char *
esc(const uint8_t *s, size_t n, char *buf, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\\')
			buf[o++] = (char)s[i];
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", s[i]);
	}
	buf[o] = '\0';
	return buf;
}

static void
expect(const char *what, size_t cap, const uint8_t *got, size_t got_len, const uint8_t *want,
       size_t want_len)
{
	char a[1024], b[1024];

	if (got_len == want_len && memcmp(got, want, want_len) == 0)
		return;
	fail_msg("%s (cap %zu): got \"%s\" (%zu), want \"%s\" (%zu)", what, cap,
		 esc(got, got_len, a, sizeof(a)), got_len, esc(want, want_len, b, sizeof(b)),
		 want_len);
}

/* Normalises into an exact-size heap buffer of @cap bytes. */
static size_t
run(const uint8_t *in, size_t len, unsigned flags, size_t cap, uint8_t *res)
{
	uint8_t *src = malloc(len ? len : 1), *out = malloc(cap ? cap : 1);
	size_t n;

	assert_non_null(src);
	assert_non_null(out);
	memcpy(src, in, len);
	n = ar_norm(src, len, out, cap, flags);
	assert_true(n <= cap && n <= len);
	memcpy(res, out, n);
	assert_memory_equal(src, in, len); /* the input is left alone */
	free(src);
	free(out);
	return n;
}

/* Normalises in place in an exact-size heap copy, with cap @cap. */
static size_t
run_in_place(const uint8_t *in, size_t len, unsigned flags, size_t cap, uint8_t *res)
{
	uint8_t *buf = malloc(len ? len : 1);
	size_t n;

	assert_non_null(buf);
	memcpy(buf, in, len);
	n = ar_norm(buf, len, buf, cap, flags);
	assert_true(n <= cap && n <= len);
	memcpy(res, buf, n);
	free(buf);
	return n;
}

static void
check(const char *input, size_t len, unsigned flags, const char *wanted, size_t want_len)
{
	const uint8_t *in = (const uint8_t *)input, *want = (const uint8_t *)wanted;
	uint8_t *res = malloc(len + 16);
	size_t n, step = len > 64 ? len / 37 + 1 : 1;

	assert_non_null(res);
	n = run(in, len, flags, len, res);
	expect("out of place", len, res, n, want, want_len);
	n = run(in, len, flags, len + 16, res);
	expect("larger cap", len + 16, res, n, want, want_len);
	n = run_in_place(in, len, flags, len, res);
	expect("in place", len, res, n, want, want_len);
	for (size_t cap = 0; cap < len; cap += step) {
		size_t cut = cap < want_len ? cap : want_len;
		n = run(in, len, flags, cap, res);
		expect("cut", cap, res, n, want, cut);
		n = run_in_place(in, len, flags, cap, res);
		expect("cut in place", cap, res, n, want, cut);
	}
	free(res);
}

/* String literals may hold NULs: lengths come from sizeof. */
#define NORM(in, flags, want) check(in, sizeof(in) - 1, flags, want, sizeof(want) - 1)

/* ---- 1, 2: percent-decoding and '+' ---------------------------------- */

static void
test_url_single_encoding(void **state)
{
	(void)state;
	NORM("%27", AR_NORM_URL, "'");
	NORM("a%3Cb%3e", AR_NORM_URL, "a<b>");
	NORM("%2e%2E%2f", AR_NORM_URL, "../");
	NORM("%00", AR_NORM_URL, "\0");
}

static void
test_url_double_encoding(void **state)
{
	(void)state;
	NORM("%2527", AR_NORM_URL, "'");
	NORM("x=%253Cscript%253E", AR_NORM_URL, "x=<script>");
}

static void
test_url_triple_encoding(void **state)
{
	(void)state;
	NORM("%252527", AR_NORM_URL, "'");
	NORM("%25252F", AR_NORM_URL, "/");
}

static void
test_url_stops_after_three_passes(void **state)
{
	(void)state;
	NORM("%25252527", AR_NORM_URL, "%27");
}

static void
test_url_iis_u_escape(void **state)
{
	(void)state;
	NORM("%u0027", AR_NORM_URL, "'");
	NORM("%u003C", AR_NORM_URL, "<");
	NORM("%U003c", AR_NORM_URL, "<");
	NORM("%u00e9", AR_NORM_URL, "\xC3\xA9");
	NORM("%uFF1C", AR_NORM_URL, "\xEF\xBC\x9C");
	NORM("%uD83D%uDE00", AR_NORM_URL, "\xF0\x9F\x98\x80");
	NORM("%25u0027", AR_NORM_URL, "'");
}

static void
test_url_invalid_escapes_stay(void **state)
{
	(void)state;
	NORM("%zz", AR_NORM_URL, "%zz");
	NORM("%4", AR_NORM_URL, "%4");
	NORM("100%", AR_NORM_URL, "100%");
	NORM("%%41", AR_NORM_URL, "%A");
	NORM("%u12", AR_NORM_URL, "%u12");
	NORM("%u12zz", AR_NORM_URL, "%u12zz");
	NORM("%uD83D", AR_NORM_URL, "%uD83D");
	NORM("%uD83Dx", AR_NORM_URL, "%uD83Dx");
	NORM("%uDE00", AR_NORM_URL, "%uDE00");
	NORM("%uD83D%u0041", AR_NORM_URL, "%uD83DA");
}

static void
test_plus_is_space_but_encoded_plus_stays(void **state)
{
	(void)state;
	NORM("a+b%2Bc", AR_NORM_URL | AR_NORM_PLUS, "a b+c");
	NORM("%252B+", AR_NORM_URL | AR_NORM_PLUS, "+ ");
	NORM("a+b", AR_NORM_PLUS, "a b");
	NORM("a+b%20", AR_NORM_URL, "a+b ");
	NORM("a+b%20", AR_NORM_PLUS, "a b%20");
}

/* ---- 3: JSON ---------------------------------------------------------- */

static void
test_json_unicode_escapes(void **state)
{
	(void)state;
	NORM("\\u0027", AR_NORM_JSON, "'");
	NORM("\\u003c\\u003Cscript", AR_NORM_JSON, "<<script");
	NORM("\\u00e9", AR_NORM_JSON, "\xC3\xA9");
	NORM("\\u20ac", AR_NORM_JSON, "\xE2\x82\xAC");
	NORM("\\ud83d\\ude00", AR_NORM_JSON, "\xF0\x9F\x98\x80");
	NORM("\\u0000", AR_NORM_JSON, "\0");
}

static void
test_json_simple_escapes(void **state)
{
	(void)state;
	NORM("\\\"\\\\\\/\\b\\f\\n\\r\\t", AR_NORM_JSON, "\"\\/\b\f\n\r\t");
	/* an escaped backslash is not the start of another escape */
	NORM("\\\\u0041", AR_NORM_JSON, "\\u0041");
}

static void
test_json_bad_escapes_stay(void **state)
{
	(void)state;
	NORM("\\u12", AR_NORM_JSON, "\\u12");
	NORM("\\u12zz", AR_NORM_JSON, "\\u12zz");
	NORM("\\x41", AR_NORM_JSON, "\\x41");
	NORM("\\U0041", AR_NORM_JSON, "\\U0041");
	NORM("\\ud83d", AR_NORM_JSON, "\\ud83d");
	NORM("\\ud83d\\u0041", AR_NORM_JSON, "\\ud83dA");
	NORM("\\ude00", AR_NORM_JSON, "\\ude00");
	NORM("end\\", AR_NORM_JSON, "end\\");
}

/* ---- 4: HTML ---------------------------------------------------------- */

static void
test_html_named_references(void **state)
{
	(void)state;
	NORM("&lt;script&gt;", AR_NORM_HTML, "<script>");
	NORM("&quot;&apos;&amp;", AR_NORM_HTML, "\"'&");
	NORM("&LT;&Gt;", AR_NORM_HTML, "<>");
	NORM("&nbsp;", AR_NORM_HTML, "\xC2\xA0");
	NORM("&lpar;&rpar;&sol;&bsol;", AR_NORM_HTML, "()/\\");
}

static void
test_html_named_without_semicolon(void **state)
{
	(void)state;
	NORM("&lt", AR_NORM_HTML, "<");
	NORM("&ltscript&gt", AR_NORM_HTML, "<script>");
	NORM("&lt;&lt", AR_NORM_HTML, "<<");
}

static void
test_html_colon_tab_newline(void **state)
{
	(void)state;
	NORM("java&colon;alert(1)", AR_NORM_HTML, "java:alert(1)");
	NORM("jav&Tab;ascript", AR_NORM_HTML, "jav\tascript");
	NORM("jav&tab;a&NewLine;s", AR_NORM_HTML, "jav\ta\ns");
}

static void
test_html_numeric_references(void **state)
{
	(void)state;
	NORM("&#60;", AR_NORM_HTML, "<");
	NORM("&#x3C;", AR_NORM_HTML, "<");
	NORM("&#X3c;", AR_NORM_HTML, "<");
	NORM("&#0000060", AR_NORM_HTML, "<");
	NORM("&#x00003c;", AR_NORM_HTML, "<");
	NORM("&#60x", AR_NORM_HTML, "<x");
	NORM("&#233;", AR_NORM_HTML, "\xC3\xA9");
	NORM("&#128512;", AR_NORM_HTML, "\xF0\x9F\x98\x80");
	NORM("&#x10FFFF;", AR_NORM_HTML, "\xF4\x8F\xBF\xBF");
}

static void
test_html_references_that_do_not_decode_stay(void **state)
{
	(void)state;
	NORM("&#0;", AR_NORM_HTML, "&#0;");
	NORM("&#;", AR_NORM_HTML, "&#;");
	NORM("&#x;", AR_NORM_HTML, "&#x;");
	NORM("&#xD800;", AR_NORM_HTML, "&#xD800;");
	NORM("&#x110000;", AR_NORM_HTML, "&#x110000;");
	NORM("&#12345678;", AR_NORM_HTML, "&#12345678;");
	NORM("&unknown;", AR_NORM_HTML, "&unknown;");
	NORM("AT&T & co&", AR_NORM_HTML, "AT&T & co&");
	/* one pass only */
	NORM("&amp;lt;", AR_NORM_HTML, "&lt;");
}

static void
test_html_any_number_of_leading_zeros(void **state)
{
	char in[600], want[64];
	size_t n;

	(void)state;
	/* decodes with 500 zeros */
	n = (size_t)snprintf(in, sizeof(in), "a&#");
	memset(in + n, '0', 500);
	n += 500;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "60;b");
	check(in, n, AR_NORM_HTML, "a<b", 3);
	/* one that does not decode keeps eight zeros */
	n = (size_t)snprintf(in, sizeof(in), "a&#x");
	memset(in + n, '0', 500);
	n += 500;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "g;b");
	snprintf(want, sizeof(want), "a&#x00000000g;b");
	check(in, n, AR_NORM_HTML, want, strlen(want));
	NORM("&#0000000000;", AR_NORM_HTML, "&#00000000;");
	NORM("&#00000000;", AR_NORM_HTML, "&#00000000;");
}

/* ---- 5: Unicode ------------------------------------------------------- */

static void
test_unicode_fullwidth_to_ascii(void **state)
{
	(void)state;
	/* ＜ｓｃｒｉｐｔ＞ */
	NORM("\xEF\xBC\x9C\xEF\xBD\x93\xEF\xBD\x83\xEF\xBD\x92\xEF\xBD\x89\xEF\xBD\x90\xEF\xBD\x94"
	     "\xEF\xBC\x9E",
	     AR_NORM_UNICODE, "<script>");
	/* ！ (U+FF01), ～ (U+FF5E), ideographic space */
	NORM("\xEF\xBC\x81\xEF\xBD\x9E\xE3\x80\x80", AR_NORM_UNICODE, "!~ ");
	/* U+FF5F and U+FF00 are not in the range */
	NORM("\xEF\xBD\x9F\xEF\xBC\x80", AR_NORM_UNICODE, "\xEF\xBD\x9F\xEF\xBC\x80");
}

static void
test_unicode_overlong_ascii(void **state)
{
	(void)state;
	NORM("..\xC0\xAF..\xC0\xAF", AR_NORM_UNICODE, "../../");
	NORM("\xE0\x80\xAF", AR_NORM_UNICODE, "/");
	NORM("\xF0\x80\x80\xAF", AR_NORM_UNICODE, "/");
	NORM("\xF8\x80\x80\x80\xAF", AR_NORM_UNICODE, "/");
	NORM("\xFC\x80\x80\x80\x80\xAF", AR_NORM_UNICODE, "/");
	NORM("\xC1\x9C", AR_NORM_UNICODE, "\\");
	NORM("\xE0\x81\xBC", AR_NORM_UNICODE, "|");
}

static void
test_unicode_leaves_other_sequences(void **state)
{
	(void)state;
	NORM("\xC3\xA9", AR_NORM_UNICODE, "\xC3\xA9");
	NORM("\xE0\xA0\x80", AR_NORM_UNICODE, "\xE0\xA0\x80"); /* U+0800, not overlong */
	NORM("\xE0\x9F\xBF", AR_NORM_UNICODE, "\xE0\x9F\xBF"); /* overlong, but not ASCII */
	NORM("\xC0", AR_NORM_UNICODE, "\xC0");
	NORM("\xC0\x41", AR_NORM_UNICODE, "\xC0\x41");
	NORM("x\xEF\xBC", AR_NORM_UNICODE, "x\xEF\xBC");
}

/* ---- 6, 7, 8: NUL, backslash, case ------------------------------------ */

static void
test_nul_removed(void **state)
{
	(void)state;
	NORM("a\0b\0\0c\0", AR_NORM_NUL, "abc");
	NORM("a\0b", AR_NORM_SLASH, "a\0b");
	/* longer than 16 bytes, NULs in some blocks and not in others */
	NORM("0123456789abcdef\0"
	     "0123456789abcdef"
	     "0123\0"
	     "456789abcdef\0\0",
	     AR_NORM_NUL, "0123456789abcdef0123456789abcdef0123456789abcdef");
	NORM("0123456789abcdef\0\\"
	     "0123456789abcdef\\"
	     "\0",
	     AR_NORM_LOWER | AR_NORM_SLASH, "0123456789abcdef\0/0123456789abcdef/\0");
}

static void
test_backslash_to_slash(void **state)
{
	(void)state;
	NORM("..\\..\\windows\\win.ini", AR_NORM_SLASH, "../../windows/win.ini");
	NORM("C:\\Windows\\System32\\drivers\\etc\\HOSTS", AR_NORM_SLASH,
	     "C:/Windows/System32/drivers/etc/HOSTS");
}

static void
test_lower_ascii_only(void **state)
{
	(void)state;
	NORM("SeLeCt * FROM T", AR_NORM_LOWER, "select * from t");
	/* Ä (C3 84) and byte 0xC1 stay as they are */
	NORM("\xC3\x84Z\xC1", AR_NORM_LOWER, "\xC3\x84z\xC1");
	NORM("@[`{", AR_NORM_LOWER, "@[`{");
	/* the same across whole 16-byte blocks: every byte value once */
	{
		uint8_t all[256], want[256];
		for (int c = 0; c < 256; c++) {
			all[c] = (uint8_t)c;
			want[c] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		check((const char *)all, 256, AR_NORM_LOWER, (const char *)want, 256);
		want['\\'] = '/';
		check((const char *)all, 256, AR_NORM_LOWER | AR_NORM_SLASH, (const char *)want,
		      256);
		check((const char *)all, 256, AR_NORM_LOWER | AR_NORM_SLASH | AR_NORM_NUL,
		      (const char *)want + 1, 255);
	}
}

/* ---- 9: SQL comments -------------------------------------------------- */

static void
test_sql_block_comment_is_one_space(void **state)
{
	(void)state;
	NORM("un/**/ion sel/*x*/ect", AR_NORM_SQL, "un ion sel ect");
	NORM("1/*a*//*b*/2", AR_NORM_SQL, "1  2");
	NORM("/*/ x */y", AR_NORM_SQL, " y");
	NORM("a/* never closed", AR_NORM_SQL, "a ");
	NORM("a/*", AR_NORM_SQL, "a ");
	NORM("a */ b", AR_NORM_SQL, "a */ b");
}

static void
test_sql_mysql_version_comment_keeps_body(void **state)
{
	(void)state;
	NORM("1/*!50000union*/select", AR_NORM_SQL, "1 union select");
	NORM("/*!union*/", AR_NORM_SQL, " union ");
	NORM("/*!123union*/", AR_NORM_SQL, " 123union ");
	NORM("/*!800001union*/", AR_NORM_SQL, " union ");
	NORM("/*M!100100union*/", AR_NORM_SQL, " union ");
	NORM("/*!50000 union/*x*/select*/1", AR_NORM_SQL, "  union select 1");
	NORM("/*!50000union", AR_NORM_SQL, " union");
}

static void
test_sql_line_comments(void **state)
{
	(void)state;
	NORM("1 -- comment\nor 1", AR_NORM_SQL, "1  \nor 1");
	NORM("admin'--", AR_NORM_SQL, "admin' ");
	NORM("admin'--\tx", AR_NORM_SQL, "admin' ");
	NORM("1--1", AR_NORM_SQL, "1--1");
	NORM("1 # x\n2 #", AR_NORM_SQL, "1  \n2  ");
	NORM("a-", AR_NORM_SQL, "a-");
}

/* ---- 10: whitespace --------------------------------------------------- */

static void
test_whitespace_runs_to_one_space(void **state)
{
	(void)state;
	NORM("a \t\n\v\f\r b", AR_NORM_WS, "a b");
	NORM("\t\tlead  trail  ", AR_NORM_WS, " lead trail ");
	NORM("a\xC2\xA0\xC2\xA0"
	     "b",
	     AR_NORM_WS, "a b");
	NORM("a\xC2\xA0 \xC2\xA0", AR_NORM_WS, "a ");
	NORM("a\xC2\xA9 b\xC2", AR_NORM_WS, "a\xC2\xA9 b\xC2");
	NORM("one two", AR_NORM_WS, "one two");
}

/* ---- steps together, in the header's order ---------------------------- */

static void
test_combined_flags_follow_header_order(void **state)
{
	(void)state;
	NORM("%26lt%3B", AR_NORM_URL | AR_NORM_HTML, "<");
	NORM("%2526lt%253B", AR_NORM_URL | AR_NORM_HTML, "<");
	NORM("%26lt%3B", AR_NORM_URL, "&lt;");
	/* HTML output is not percent-decoded again: URL runs first */
	NORM("&#37;27", AR_NORM_URL | AR_NORM_HTML, "%27");
	NORM("%5Cu0027", AR_NORM_URL | AR_NORM_JSON, "'");
	NORM("\\u0026lt;", AR_NORM_JSON | AR_NORM_HTML, "<");
	NORM("&#xFF1C;", AR_NORM_HTML | AR_NORM_UNICODE, "<");
	NORM("%C0%AF", AR_NORM_URL | AR_NORM_UNICODE, "/");
	NORM("%00x%C0%80", AR_NORM_URL | AR_NORM_UNICODE | AR_NORM_NUL, "x");
	NORM("/*!50000UNION*/", AR_NORM_LOWER | AR_NORM_SQL, " union ");
	NORM("a++b", AR_NORM_PLUS | AR_NORM_WS, "a b");
	NORM("\\u002b", AR_NORM_PLUS | AR_NORM_JSON, "+");
	NORM("..%5c..%5C", AR_NORM_URL | AR_NORM_SLASH, "../../");
	NORM("UN%2F**%2FION%09%09SEL%2F*!50000ECT*%2F+1%23x", ALL_FLAGS, "un ion sel ect 1 ");
	NORM("%EF%BC%9Cscript%EF%BC%9E", ALL_FLAGS, "<script>");
}

static void
test_empty_input_and_zero_cap(void **state)
{
	uint8_t buf[8] = "abc";

	(void)state;
	assert_int_equal(ar_norm(buf, 0, buf, sizeof(buf), ALL_FLAGS), 0);
	assert_int_equal(ar_norm(buf, 3, buf + 4, 0, ALL_FLAGS), 0);
	assert_int_equal(buf[4], 0);
	NORM("plain", 0, "plain");
	NORM("Plain %41", 1u << 12, "Plain %41"); /* unknown flags do nothing */
}

/*
 * A long value with every kind of escape, shifted by 0 to 15 bytes so that
 * the chunked run's pieces end inside each kind: every cut equals the start
 * of the full result.
 */
static void
test_cut_long_value_equals_prefix_of_full(void **state)
{
	static const char *const parts[] = {
		"%2527", "%u003C",       "+",        "\\u0027",      "\\ud83d\\ude00",
		"&lt;",  "&#x3C;",       "&#000060", "\xEF\xBC\x9C", "\xC0\xAF",
		"\\",    "\0",           "/*c*/",    "/*!50000u*/",  "-- x\n",
		"# y\n", " \t\xC2\xA0 ", "AbC",      "%zz",          "&#0;",
	};
	const unsigned flag_sets[] = { ALL_FLAGS, AR_NORM_URL | AR_NORM_HTML, AR_NORM_SQL,
				       AR_NORM_WS | AR_NORM_JSON, AR_NORM_UNICODE | AR_NORM_LOWER };
	const size_t nparts = sizeof(parts) / sizeof(parts[0]);
	uint8_t *in = malloc(8192), *full = malloc(8192), *cut = malloc(8192);
	size_t len, nfull, ncut, plens[sizeof(parts) / sizeof(parts[0])];

	(void)state;
	assert_non_null(in);
	assert_non_null(full);
	assert_non_null(cut);
	for (size_t p = 0; p < nparts; p++)
		plens[p] = p == 11 ? 1 : strlen(parts[p]);
	for (size_t shift = 0; shift < 16; shift++) {
		memset(in, 'x', shift);
		len = shift;
		for (size_t k = 0; len < 7000; k++) {
			size_t p = (k * 7 + k / 20) % nparts;
			memcpy(in + len, parts[p], plens[p]);
			len += plens[p];
			in[len++] = (uint8_t)('a' + k % 26);
		}
		for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
			nfull = ar_norm(in, len, full, len, flag_sets[f]);
			assert_true(nfull < len);
			for (size_t cap = 1; cap < len; cap += 331) {
				ncut = ar_norm(in, len, cut, cap, flag_sets[f]);
				assert_int_equal(ncut, cap < nfull ? cap : nfull);
				assert_memory_equal(cut, full, ncut);
			}
		}
	}
	free(in);
	free(full);
	free(cut);
}

/*
 * Each escape placed across the end of the chunked run's first piece (256
 * input bytes) at every offset, under each flag alone and all of them.
 */
static void
test_cut_escape_across_every_chunk_offset(void **state)
{
	static const char *const parts[] = {
		"%u0027",
		"%uD83D%uDE00",
		"%2527",
		"\\ud83d\\ude00",
		"\\u003c",
		"&NewLine;",
		"&#x00003C;",
		"&#0000060;",
		"&#128512;",
		"&lt",
		"\xFC\x80\x80\x80\x80\xAF",
		"\xEF\xBC\x9C",
		"/*!50000union*/",
		"/*M!100100u*/",
		"/*c*/",
		"-- x\n",
		"#x\n",
		"\xC2\xA0\xC2\xA0",
	};
	const unsigned flags[] = { AR_NORM_URL, AR_NORM_JSON, AR_NORM_HTML, AR_NORM_UNICODE,
				   AR_NORM_SQL, AR_NORM_WS,   ALL_FLAGS };
	uint8_t in[300], full[300], cut[300];
	size_t nfull, ncut;

	(void)state;
	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
		size_t pl = strlen(parts[p]);
		for (size_t j = 0; j <= pl; j++) {
			size_t len = 256 - j;
			memset(in, 'x', len);
			memcpy(in + len, parts[p], pl);
			len += pl;
			memcpy(in + len, "yz", 2);
			len += 2;
			for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
				nfull = ar_norm(in, len, full, len, flags[f]);
				ncut = ar_norm(in, len, cut, len - 1, flags[f]);
				expect(parts[p], len - 1, cut, ncut, full,
				       nfull < len - 1 ? nfull : len - 1);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_single_encoding),
		cmocka_unit_test(test_url_double_encoding),
		cmocka_unit_test(test_url_triple_encoding),
		cmocka_unit_test(test_url_stops_after_three_passes),
		cmocka_unit_test(test_url_iis_u_escape),
		cmocka_unit_test(test_url_invalid_escapes_stay),
		cmocka_unit_test(test_plus_is_space_but_encoded_plus_stays),
		cmocka_unit_test(test_json_unicode_escapes),
		cmocka_unit_test(test_json_simple_escapes),
		cmocka_unit_test(test_json_bad_escapes_stay),
		cmocka_unit_test(test_html_named_references),
		cmocka_unit_test(test_html_named_without_semicolon),
		cmocka_unit_test(test_html_colon_tab_newline),
		cmocka_unit_test(test_html_numeric_references),
		cmocka_unit_test(test_html_references_that_do_not_decode_stay),
		cmocka_unit_test(test_html_any_number_of_leading_zeros),
		cmocka_unit_test(test_unicode_fullwidth_to_ascii),
		cmocka_unit_test(test_unicode_overlong_ascii),
		cmocka_unit_test(test_unicode_leaves_other_sequences),
		cmocka_unit_test(test_nul_removed),
		cmocka_unit_test(test_backslash_to_slash),
		cmocka_unit_test(test_lower_ascii_only),
		cmocka_unit_test(test_sql_block_comment_is_one_space),
		cmocka_unit_test(test_sql_mysql_version_comment_keeps_body),
		cmocka_unit_test(test_sql_line_comments),
		cmocka_unit_test(test_whitespace_runs_to_one_space),
		cmocka_unit_test(test_combined_flags_follow_header_order),
		cmocka_unit_test(test_empty_input_and_zero_cap),
		cmocka_unit_test(test_cut_long_value_equals_prefix_of_full),
		cmocka_unit_test(test_cut_escape_across_every_chunk_offset),
	};

	return cmocka_run_group_tests_name("match_norm", tests, NULL, NULL);
}
