/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match: normalisation of one inspected value.
 *
 * Signatures are written against plain text; attackers send the same text
 * percent-encoded (twice), as JSON or HTML escapes, in fullwidth or
 * overlong UTF-8, or cut by SQL comments. ar_norm() undoes these in the
 * order ar_match.h gives, one pass over the value per step.
 *
 * Every step writes at most as many bytes as it has read, never ahead of
 * its read position, so the steps run one after the other in place in the
 * caller's buffer. With cap >= len that is the whole algorithm. A step
 * finds the bytes it acts on with memchr or, 16 bytes at a time, with
 * SSE2, and copies the runs between them whole (nothing at all while it is
 * in place and has not yet shortened the value); NUL, backslash and case
 * share one pass, through a byte map or SSE2.
 *
 * With a smaller cap an intermediate result may not fit, yet the result
 * must be the first cap bytes of the full one. The same step functions then
 * run as a pipeline over chunks of the input, each step with a small buffer
 * on the stack: a step told that more input may follow stops before an
 * escape that could continue past the end of its buffer (at most *_LOOK
 * bytes stay behind for the next round) and carries what outlives a chunk
 * (being inside an SQL comment or a whitespace run) in its state. Every
 * decision depends on a bounded window, with one exception: the leading
 * zeros of an HTML numeric reference, which browsers accept in any number.
 * So a reference is read with any number of zeros, but one that does not
 * decode keeps only eight of them, and the chunked run squeezes a long run
 * of zeros to eight as it goes; both runs then agree byte for byte.
 *
 * Decisions left open by the header, taken here:
 *  - '+' to space applies to the bytes of the input only (it is fused into
 *    the first percent-decoding pass), so a '+' that decoding produces, or
 *    that a JSON or HTML escape produces, stays '+'.
 *  - %uD83D%uDE00 (an IIS-style surrogate pair) becomes one 4-byte UTF-8
 *    character; a lone surrogate, like any invalid escape, stays as it is.
 *  - HTML names are matched without regard to case, longest name first,
 *    with or without ';' ("&ltfoo" gives "<foo"). A numeric reference that
 *    is 0, a surrogate, above U+10FFFF or longer than 7 decimal or 6 hex
 *    significant digits is not decoded.
 *  - SQL: a block comment, a "--" followed by a space, a control byte or
 *    the end (MySQL's rule), and '#' each become one space; a line comment
 *    ends before its '\n'; an unclosed block comment runs to the end of the
 *    value. A MySQL version comment (slash, star, '!', 5 or 6 version
 *    digits, body, star, slash; MariaDB writes "M!") keeps its body: its
 *    opener with the digits and its closer become one space each. Quotes
 *    are not tracked: a comment opener inside a string literal is still a
 *    comment here.
 *  - Whitespace runs become one space even at the start and the end.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ar_match.h"

/* Bytes a step needs from the start of an escape to decide it. */
#define URL_LOOK  12 /* %uD83D%uDE00 */
#define JSON_LOOK 12 /* \ud83d\ude00 */
#define HTML_LOOK 24 /* &#x, 8 zeros, 7 digits, ';' (a name is shorter) */
#define UNI_LOOK  6  /* FC 80 80 80 81 BF */
#define SQL_LOOK  12 /* slash, star, M, !, 7 digits */
#define WS_LOOK   2  /* C2 A0 */

#define HTML_KEEP_ZEROS 8
#define HTML_NAME_MAX   7

/* Chunked run: input bytes per round and each step's buffer. */
#define CHUNK     256
#define MAX_STEPS 9
#define STAGE_BUF (CHUNK + 128)

/* Each step may keep its look-ahead less one byte; the sum must fit. */
_Static_assert(3 * URL_LOOK + JSON_LOOK + HTML_LOOK + UNI_LOOK + SQL_LOOK + WS_LOOK <= 128,
	       "stage buffers too small for the look-ahead of all steps");

struct step;

/*
 * A step reads in[0, n) and writes out, at or before the read position
 * when out == in. When more input may follow (!last) it may stop early;
 * *used says how much of in it consumed. Returns the bytes written.
 */
typedef size_t (*step_fn)(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last,
			  size_t *used);

struct step {
	step_fn fn;
	unsigned arg;   /* url: U_DECODE | U_PLUS; bytes: the AR_NORM_ flags */
	unsigned state; /* carried from chunk to chunk: SQL comment, whitespace run */
	uint8_t *work;  /* chunked run: the step's own input buffer, writable */
	size_t drop;    /* chunked run: bytes at the end of in not to carry over */
	bool hit;       /* url: this pass decoded something */
};

enum {
	U_DECODE = 1,
	U_PLUS = 2,
};

/* value + 1 of a hex digit, 0 for any other byte */
static const uint8_t hexv[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int
hex2(const uint8_t *p)
{
	if (!hexv[p[0]] || !hexv[p[1]])
		return -1;
	return (hexv[p[0]] - 1) << 4 | (hexv[p[1]] - 1);
}

static int32_t
hex4(const uint8_t *p)
{
	int hi = hex2(p), lo = hex2(p + 2);

	return hi < 0 || lo < 0 ? -1 : hi << 8 | lo;
}

static size_t
put_utf8(uint8_t *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (uint8_t)(0xC0 | cp >> 6);
		d[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (uint8_t)(0xE0 | cp >> 12);
		d[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		d[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (uint8_t)(0xF0 | cp >> 18);
	d[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
	d[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
	d[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

/* Moves the pending run in[from, to) to out + *o, unless it is there already. */
static inline void
flush(uint8_t *out, size_t *o, const uint8_t *in, size_t from, size_t to)
{
	if (out + *o != in + from)
		memmove(out + *o, in + from, to - from);
	*o += to - from;
}

/*
 * Flushes the pending run up to the escape at *i, writes its w decoded
 * bytes d, and goes on after its r bytes.
 */
static inline void
emit(uint8_t *out, size_t *o, const uint8_t *in, size_t *run, size_t *i, const uint8_t *d, size_t w,
     size_t r)
{
	flush(out, o, in, *run, *i);
	memcpy(out + *o, d, w);
	*o += w;
	*i += r;
	*run = *i;
}

/*
 * Scanners: the index of the first byte of p[i, n) a step may have to look
 * at, n when there is none. SCAN16 tests 16 bytes at a time with SSE2,
 * mask_expr being a byte mask computed from the loaded bytes x.
 */
#if defined(__SSE2__)
#define SCAN16(p, i, n, mask_expr)                                                                 \
	for (; (i) + 16 <= (n); (i) += 16) {                                                       \
		const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)((p) + (i)));     \
		unsigned m = (unsigned)_mm_movemask_epi8(mask_expr);                               \
		if (m)                                                                             \
			return (i) + (size_t)__builtin_ctz(m);                                     \
	}
#else
#define SCAN16(p, i, n, mask_expr)
#endif

/* a byte equal to one of a, b, c, d */
static inline size_t
scan_eq4(const uint8_t *p, size_t i, size_t n, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	SCAN16(p, i, n,
	       _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)a)),
					 _mm_cmpeq_epi8(x, _mm_set1_epi8((char)b))),
			    _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)c)),
					 _mm_cmpeq_epi8(x, _mm_set1_epi8((char)d)))));
	while (i < n && p[i] != a && p[i] != b && p[i] != c && p[i] != d)
		i++;
	return i;
}

/* a byte <= 0x20 (space and the ASCII whitespace among them) or 0xC2 (NBSP) */
static inline size_t
scan_ws(const uint8_t *p, size_t i, size_t n)
{
	SCAN16(p, i, n,
	       _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x),
			    _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xC2))));
	while (i < n && p[i] > 0x20 && p[i] != 0xC2)
		i++;
	return i;
}

/* a byte >= 0xC0: the lead of a sequence of two or more bytes */
static inline size_t
scan_lead(const uint8_t *p, size_t i, size_t n)
{
	SCAN16(p, i, n, _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8((char)0xC0)), x));
	while (i < n && p[i] < 0xC0)
		i++;
	return i;
}

/* ---- 1, 2: percent-decoding, '+' ------------------------------------- */

/*
 * The escape at p[0] == '%' (avail bytes) into d (up to 4 bytes, *w).
 * Returns its length, 0 when it is not a valid escape.
 */
static size_t
url_escape(const uint8_t *p, size_t avail, uint8_t *d, size_t *w)
{
	int32_t cp, lo;
	int b;

	if (avail >= 3 && (b = hex2(p + 1)) >= 0) {
		d[0] = (uint8_t)b;
		*w = 1;
		return 3;
	}
	if (avail < 6 || (p[1] | 0x20) != 'u' || (cp = hex4(p + 2)) < 0)
		return 0;
	if (cp >= 0xDC00 && cp < 0xE000)
		return 0;
	if (cp >= 0xD800 && cp < 0xDC00) {
		if (avail < 12 || p[6] != '%' || (p[7] | 0x20) != 'u')
			return 0;
		lo = hex4(p + 8);
		if (lo < 0xDC00 || lo >= 0xE000)
			return 0;
		*w = put_utf8(d,
			      0x10000 + ((uint32_t)(cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00));
		return 12;
	}
	*w = put_utf8(d, (uint32_t)cp);
	return 6;
}

static size_t
step_url(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last, size_t *used)
{
	const uint8_t a = st->arg & U_DECODE ? '%' : '+', b = st->arg & U_PLUS ? '+' : a;
	size_t i = 0, o = 0, run = 0, r, w;
	uint8_t d[4];

	while ((i = scan_eq4(in, i, n, a, b, a, b)) < n) {
		if (in[i] == '+') {
			emit(out, &o, in, &run, &i, (const uint8_t *)" ", 1, 1);
			continue;
		}
		if (!last && n - i < URL_LOOK)
			break;
		r = url_escape(in + i, n - i, d, &w);
		if (r == 0) {
			i++;
			continue;
		}
		emit(out, &o, in, &run, &i, d, w, r);
		st->hit = true;
	}
	flush(out, &o, in, run, i);
	*used = i;
	return o;
}

/* ---- 3: JSON string escapes ------------------------------------------ */

/* The escape at p[0] == '\\' into d (*w bytes); returns its length or 0. */
static size_t
json_escape(const uint8_t *p, size_t avail, uint8_t *d, size_t *w)
{
	int32_t cp, lo;

	if (avail < 2)
		return 0;
	*w = 1;
	switch (p[1]) {
	case '"':
	case '\\':
	case '/':
		d[0] = p[1];
		return 2;
	case 'b':
		d[0] = '\b';
		return 2;
	case 'f':
		d[0] = '\f';
		return 2;
	case 'n':
		d[0] = '\n';
		return 2;
	case 'r':
		d[0] = '\r';
		return 2;
	case 't':
		d[0] = '\t';
		return 2;
	case 'u':
		break;
	default:
		return 0;
	}
	if (avail < 6 || (cp = hex4(p + 2)) < 0 || (cp >= 0xDC00 && cp < 0xE000))
		return 0;
	if (cp >= 0xD800 && cp < 0xDC00) {
		if (avail < 12 || p[6] != '\\' || p[7] != 'u')
			return 0;
		lo = hex4(p + 8);
		if (lo < 0xDC00 || lo >= 0xE000)
			return 0;
		*w = put_utf8(d,
			      0x10000 + ((uint32_t)(cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00));
		return 12;
	}
	*w = put_utf8(d, (uint32_t)cp);
	return 6;
}

static size_t
step_json(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last, size_t *used)
{
	size_t i = 0, o = 0, run = 0, r, w;
	const uint8_t *p = NULL;
	uint8_t d[4];

	(void)st;
	while (i < n && (p = memchr(in + i, '\\', n - i)) != NULL) {
		i = (size_t)(p - in);
		if (!last && n - i < JSON_LOOK)
			break;
		r = json_escape(in + i, n - i, d, &w);
		if (r == 0)
			i++;
		else
			emit(out, &o, in, &run, &i, d, w, r);
	}
	if (p == NULL)
		i = n;
	flush(out, &o, in, run, i);
	*used = i;
	return o;
}

/* ---- 4: HTML character references ------------------------------------ */

struct html_name {
	char name[HTML_NAME_MAX];
	uint8_t len;
	uint8_t olen;
	uint8_t out[2];
};

/*
 * Lower case, sorted; matched without regard to case. Every output is
 * shorter than "&" and the name.
 */
static const struct html_name html_names[] = {
	{ "amp", 3, 1, "&" },         { "apos", 4, 1, "'" },     { "ast", 3, 1, "*" },
	{ "bsol", 4, 1, "\\" },       { "colon", 5, 1, ":" },    { "comma", 5, 1, "," },
	{ "commat", 6, 1, "@" },      { "dollar", 6, 1, "$" },   { "equals", 6, 1, "=" },
	{ "excl", 4, 1, "!" },        { "grave", 5, 1, "`" },    { "gt", 2, 1, ">" },
	{ "hat", 3, 1, "^" },         { "lbrace", 6, 1, "{" },   { "lbrack", 6, 1, "[" },
	{ "lcub", 4, 1, "{" },        { "lowbar", 6, 1, "_" },   { "lpar", 4, 1, "(" },
	{ "lsqb", 4, 1, "[" },        { "lt", 2, 1, "<" },       { "midast", 6, 1, "*" },
	{ "nbsp", 4, 2, "\xC2\xA0" }, { "newline", 7, 1, "\n" }, { "num", 3, 1, "#" },
	{ "percnt", 6, 1, "%" },      { "period", 6, 1, "." },   { "plus", 4, 1, "+" },
	{ "quest", 5, 1, "?" },       { "quot", 4, 1, "\"" },    { "rbrace", 6, 1, "}" },
	{ "rbrack", 6, 1, "]" },      { "rcub", 4, 1, "}" },     { "rpar", 4, 1, ")" },
	{ "rsqb", 4, 1, "]" },        { "semi", 4, 1, ";" },     { "sol", 3, 1, "/" },
	{ "tab", 3, 1, "\t" },        { "verbar", 6, 1, "|" },   { "vert", 4, 1, "|" },
};

static size_t
html_named(const uint8_t *p, size_t avail, uint8_t *d, size_t *w)
{
	const struct html_name *best = NULL;
	char name[HTML_NAME_MAX];
	size_t k, r;

	for (k = 0; k < HTML_NAME_MAX && 1 + k < avail; k++) {
		uint8_t c = p[1 + k] | 0x20;
		if (!(c >= 'a' && c <= 'z') && !(p[1 + k] >= '0' && p[1 + k] <= '9'))
			break;
		name[k] = (char)c;
	}
	if (k == 0)
		return 0;
	for (size_t e = 0; e < sizeof(html_names) / sizeof(html_names[0]); e++) {
		const struct html_name *h = &html_names[e];
		if (h->name[0] < name[0])
			continue;
		if (h->name[0] > name[0])
			break;
		if (h->len <= k && (best == NULL || h->len > best->len) &&
		    memcmp(h->name, name, h->len) == 0)
			best = h;
	}
	if (best == NULL)
		return 0;
	r = 1 + (size_t)best->len;
	if (r < avail && p[r] == ';')
		r++;
	memcpy(d, best->out, best->olen);
	*w = best->olen;
	return r;
}

#define HTML_MORE SIZE_MAX

/*
 * The reference at p[0] == '&', p[1] == '#'. Returns its length with its
 * UTF-8 in d (*w bytes); 0 when it does not decode; HTML_MORE when it runs
 * past avail and more may follow (*zpos, *zlen: its run of leading zeros).
 * One that does not decode but has more than HTML_KEEP_ZEROS zeros is
 * replaced by itself with eight zeros, up to the end of the zeros.
 */
static size_t
html_numeric(const uint8_t *p, size_t avail, bool last, uint8_t *d, size_t *w, size_t *zpos,
	     size_t *zlen)
{
	size_t j = 2, k;
	bool hex = false, more;
	uint32_t cp = 0;
	int v = 0;

	if (j < avail && (p[j] | 0x20) == 'x') {
		hex = true;
		j++;
	}
	*zpos = j;
	while (j < avail && p[j] == '0')
		j++;
	*zlen = j - *zpos;
	for (k = 0; j < avail; j++, k++) {
		v = hex ? hexv[p[j]] - 1 : (p[j] >= '0' && p[j] <= '9' ? p[j] - '0' : -1);
		if (v < 0 || k == (hex ? 6u : 7u))
			break;
		cp = cp * (hex ? 16 : 10) + (uint32_t)v;
	}
	if (j >= avail && !last)
		return HTML_MORE;
	more = j < avail && v >= 0; /* a digit beyond the limit */
	if (!more && *zlen + k > 0 && cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp < 0xE000)) {
		if (j < avail && p[j] == ';')
			j++;
		*w = put_utf8(d, cp);
		return j;
	}
	if (*zlen <= HTML_KEEP_ZEROS)
		return 0;
	memcpy(d, p, *zpos);
	memset(d + *zpos, '0', HTML_KEEP_ZEROS);
	*w = *zpos + HTML_KEEP_ZEROS;
	return *zpos + *zlen;
}

static size_t
step_html(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last, size_t *used)
{
	size_t i = 0, o = 0, run = 0, r, w, zpos, zlen;
	const uint8_t *p = NULL;
	uint8_t d[3 + HTML_KEEP_ZEROS];

	st->drop = 0;
	while (i < n && (p = memchr(in + i, '&', n - i)) != NULL) {
		i = (size_t)(p - in);
		if (!last && n - i < HTML_LOOK)
			break;
		if (n - i > 1 && in[i + 1] == '#')
			r = html_numeric(in + i, n - i, last, d, &w, &zpos, &zlen);
		else
			r = html_named(in + i, n - i, d, &w);
		if (r == HTML_MORE) {
			/*
			 * Only a long run of zeros gets here (HTML_LOOK covers the
			 * rest): keep eight of them for the next round.
			 */
			size_t keep = i + zpos + HTML_KEEP_ZEROS, extra = zlen - HTML_KEEP_ZEROS;
			assert(st->work == in && zlen > HTML_KEEP_ZEROS);
			memmove(st->work + keep, st->work + keep + extra, n - keep - extra);
			st->drop = extra;
			break;
		}
		if (r == 0)
			i++;
		else
			emit(out, &o, in, &run, &i, d, w, r);
	}
	if (p == NULL)
		i = n;
	flush(out, &o, in, run, i);
	*used = i;
	return o;
}

/* ---- 5: fullwidth and overlong UTF-8 --------------------------------- */

/* Length of the sequences a lead byte may start that this step rewrites. */
static const uint8_t uni_len[256] = {
	[0xC0] = 2, [0xC1] = 2, [0xE0] = 3, [0xE3] = 3,
	[0xEF] = 3, [0xF0] = 4, [0xF8] = 5, [0xFC] = 6,
};

/* The ASCII byte the sequence p[0, len) stands for, or -1. */
static int
uni_ascii(const uint8_t *p, size_t len)
{
	uint32_t cp;

	if (p[0] == 0xEF) { /* U+FF01..U+FF5E: EF BC 81..EF BD 9E */
		if (p[1] == 0xBC && p[2] >= 0x81 && p[2] <= 0xBF)
			return 0x21 + (p[2] - 0x81);
		if (p[1] == 0xBD && p[2] >= 0x80 && p[2] <= 0x9E)
			return 0x60 + (p[2] - 0x80);
		return -1;
	}
	if (p[0] == 0xE3) /* U+3000 */
		return p[1] == 0x80 && p[2] == 0x80 ? ' ' : -1;
	cp = p[0] & (0x7Fu >> len);
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p[k] & 0x3Fu);
	}
	return cp < 0x80 ? (int)cp : -1;
}

static size_t
step_unicode(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last, size_t *used)
{
	size_t i = 0, o = 0, run = 0, len;
	uint8_t d;
	int c;

	(void)st;
	while ((i = scan_lead(in, i, n)) < n) {
		len = uni_len[in[i]];
		if (len == 0) {
			i++;
			continue;
		}
		if (n - i < len) {
			if (!last)
				break;
			i++;
			continue;
		}
		c = uni_ascii(in + i, len);
		if (c < 0) {
			i++;
			continue;
		}
		d = (uint8_t)c;
		emit(out, &o, in, &run, &i, &d, 1, len);
	}
	flush(out, &o, in, run, i);
	*used = i;
	return o;
}

/* ---- 6, 7, 8: NUL, backslash, case: one byte at a time ---------------- */

/* Byte maps for backslash (bit 0) and case (bit 1), built by the compiler. */
#define FOLD(c, m)                                                                                 \
	(uint8_t)(((m)&2) && (c) >= 'A' && (c) <= 'Z' ? (c) + 32 :                                 \
		  ((m)&1) && (c) == '\\'              ? '/' :                                      \
							(c))
#define FOLD4(c, m)  FOLD(c, m), FOLD((c) + 1, m), FOLD((c) + 2, m), FOLD((c) + 3, m)
#define FOLD16(c, m) FOLD4(c, m), FOLD4((c) + 4, m), FOLD4((c) + 8, m), FOLD4((c) + 12, m)
#define FOLD64(c, m) FOLD16(c, m), FOLD16((c) + 16, m), FOLD16((c) + 32, m), FOLD16((c) + 48, m)
#define FOLD256(m)                                                                                 \
	{                                                                                          \
		FOLD64(0, m), FOLD64(64, m), FOLD64(128, m), FOLD64(192, m)                        \
	}

static const uint8_t fold_map[4][256] = { FOLD256(0), FOLD256(1), FOLD256(2), FOLD256(3) };

/* Folds in[i, i + k) into out + *o, dropping NULs when @nul. */
static inline void
fold_bytes(const uint8_t *map, bool nul, const uint8_t *in, size_t i, size_t k, uint8_t *out,
	   size_t *o)
{
	for (size_t e = i + k; i < e; i++) {
		out[*o] = map[in[i]];
		*o += !nul || in[i] != 0;
	}
}

static size_t
step_bytes(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last, size_t *used)
{
	const unsigned m = (st->arg & AR_NORM_SLASH ? 1 : 0) | (st->arg & AR_NORM_LOWER ? 2 : 0);
	const uint8_t *map = fold_map[m];
	const bool nul = st->arg & AR_NORM_NUL;
	size_t i = 0, o = 0;

	(void)last;
#if defined(__SSE2__)
	/*
	 * Sixteen bytes at a time; a block with a NUL to remove goes through
	 * the map. In place, the store at o <= i only covers bytes already
	 * loaded. Upper case is x - 'A' < 26 unsigned: a signed compare of
	 * x - 'A' + 0x80 with 26 - 0x80.
	 */
	const __m128i a80 = _mm_set1_epi8((char)(0x80 - 'A')),
		      lim = _mm_set1_epi8((char)(26 - 0x80));
	const __m128i low = _mm_set1_epi8(m & 2 ? 0x20 : 0);
	const __m128i bsl = _mm_set1_epi8('\\'), swap = _mm_set1_epi8(m & 1 ? '\\' ^ '/' : 0);
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
		if (nul && _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128()))) {
			fold_bytes(map, nul, in, i, 16, out, &o);
			continue;
		}
		__m128i up = _mm_cmplt_epi8(_mm_add_epi8(x, a80), lim);
		x = _mm_or_si128(x, _mm_and_si128(up, low));
		x = _mm_xor_si128(x, _mm_and_si128(_mm_cmpeq_epi8(x, bsl), swap));
		_mm_storeu_si128((__m128i *)(void *)(out + o), x);
		o += 16;
	}
#endif
	fold_bytes(map, nul, in, i, n - i, out, &o);
	*used = n;
	return o;
}

/* ---- 9: SQL comments ------------------------------------------------- */

enum {
	SQL_CODE = 0,
	SQL_BLOCK = 1,
	SQL_LINE = 2,
	SQL_MODE = 3,
	SQL_IN_VERSION = 4, /* inside the body of a MySQL version comment */
};

/*
 * p starts with slash-star. Returns the length of a version comment's
 * opener ("!" or "M!", and 5 or 6 version digits), 0 for a plain comment.
 */
static size_t
sql_version(const uint8_t *p, size_t avail)
{
	size_t j = 2, dg = 0;

	if (j < avail && (p[j] | 0x20) == 'm')
		j++;
	if (j >= avail || p[j] != '!')
		return 0;
	j++;
	while (j + dg < avail && dg < 7 && p[j + dg] >= '0' && p[j + dg] <= '9')
		dg++;
	if (dg >= 5)
		j += dg == 5 ? 5 : 6;
	return j;
}

static size_t
step_sql(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last, size_t *used)
{
	unsigned state = st->state;
	size_t i = 0, o = 0, run = 0, skip;
	const uint8_t *p;

	while (i < n) {
		const unsigned inv = state & SQL_IN_VERSION;

		if ((state & SQL_MODE) == SQL_LINE) {
			p = memchr(in + i, '\n', n - i);
			if (p == NULL) {
				i = n;
				break;
			}
			i = (size_t)(p - in);
			state = SQL_CODE | inv;
			run = i;
			continue;
		}
		if ((state & SQL_MODE) == SQL_BLOCK) {
			p = memchr(in + i, '*', n - i);
			if (p == NULL) {
				i = n;
				break;
			}
			i = (size_t)(p - in);
			if (n - i < 2) {
				if (!last)
					break;
				i = n;
				break;
			}
			if (in[i + 1] != '/') {
				i++;
				continue;
			}
			i += 2;
			state = SQL_CODE | inv;
			run = i;
			continue;
		}
		i = scan_eq4(in, i, n, '/', '-', '#', inv ? '*' : '#');
		if (i == n)
			break;
		switch (in[i]) {
		case '#':
			emit(out, &o, in, &run, &i, (const uint8_t *)" ", 1, 1);
			state = SQL_LINE | inv;
			continue;
		case '-':
			if (!last && n - i < 3)
				goto stop;
			if (n - i >= 2 && in[i + 1] == '-' && (n - i == 2 || in[i + 2] <= ' ')) {
				emit(out, &o, in, &run, &i, (const uint8_t *)" ", 1, 2);
				state = SQL_LINE | inv;
				continue;
			}
			break;
		case '/':
			if (!last && n - i < SQL_LOOK)
				goto stop;
			if (n - i >= 2 && in[i + 1] == '*') {
				skip = inv ? 0 : sql_version(in + i, n - i);
				if (skip) {
					emit(out, &o, in, &run, &i, (const uint8_t *)" ", 1, skip);
					state = SQL_CODE | SQL_IN_VERSION;
				} else {
					emit(out, &o, in, &run, &i, (const uint8_t *)" ", 1, 2);
					state = SQL_BLOCK | inv;
				}
				continue;
			}
			break;
		case '*':
			if (!inv)
				break;
			if (!last && n - i < 2)
				goto stop;
			if (n - i >= 2 && in[i + 1] == '/') {
				emit(out, &o, in, &run, &i, (const uint8_t *)" ", 1, 2);
				state = SQL_CODE;
				continue;
			}
			break;
		}
		i++;
	}
stop:
	if ((state & SQL_MODE) == SQL_CODE)
		flush(out, &o, in, run, i);
	st->state = state;
	*used = i;
	return o;
}

/* ---- 10: whitespace runs --------------------------------------------- */

/* 1: an ASCII space; 2: maybe NBSP (C2 A0) */
static const uint8_t ws_len[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [0xC2] = 2,
};

static size_t
step_ws(struct step *st, const uint8_t *in, size_t n, uint8_t *out, bool last, size_t *used)
{
	bool in_run = st->state;
	size_t i = 0, o = 0, run = 0, len;

	while (i < n) {
		size_t j = scan_ws(in, i, n);
		if (j > i) {
			in_run = false;
			i = j;
			if (i == n)
				break;
		}
		len = ws_len[in[i]];
		if (len == 2) {
			if (n - i < 2) {
				if (!last)
					break;
				len = 0;
			} else if (in[i + 1] != 0xA0) {
				len = 0;
			}
		}
		if (len == 0) {
			in_run = false;
			i++;
		} else if (in_run) { /* drop it */
			flush(out, &o, in, run, i);
			i += len;
			run = i;
		} else if (in[i] == ' ') { /* already what it becomes */
			in_run = true;
			i++;
		} else {
			emit(out, &o, in, &run, &i, (const uint8_t *)" ", 1, len);
			in_run = true;
		}
	}
	flush(out, &o, in, run, i);
	st->state = in_run;
	*used = i;
	return o;
}

/* ---- driver ---------------------------------------------------------- */

static size_t
plan(struct step *st, unsigned flags)
{
	size_t k = 0;

	if (flags & (AR_NORM_URL | AR_NORM_PLUS)) {
		unsigned arg =
			(flags & AR_NORM_URL ? U_DECODE : 0) | (flags & AR_NORM_PLUS ? U_PLUS : 0);
		st[k++] = (struct step){ .fn = step_url, .arg = arg };
		for (int pass = 1; pass < 3 && (flags & AR_NORM_URL); pass++)
			st[k++] = (struct step){ .fn = step_url, .arg = U_DECODE };
	}
	if (flags & AR_NORM_JSON)
		st[k++] = (struct step){ .fn = step_json };
	if (flags & AR_NORM_HTML)
		st[k++] = (struct step){ .fn = step_html };
	if (flags & AR_NORM_UNICODE)
		st[k++] = (struct step){ .fn = step_unicode };
	if (flags & (AR_NORM_NUL | AR_NORM_SLASH | AR_NORM_LOWER))
		st[k++] = (struct step){ .fn = step_bytes, .arg = flags };
	if (flags & AR_NORM_SQL)
		st[k++] = (struct step){ .fn = step_sql };
	if (flags & AR_NORM_WS)
		st[k++] = (struct step){ .fn = step_ws };
	return k;
}

/*
 * cap < len: the steps as a pipeline over CHUNK-sized pieces of the input.
 * Percent-decoding always makes its three passes here; a pass that decodes
 * nothing leaves its input as it is, so the passes after it change nothing,
 * just as when they are skipped.
 */
static __attribute__((noinline)) size_t
norm_chunked(struct step *st, size_t nst, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	uint8_t buf[MAX_STEPS + 1][STAGE_BUF];
	size_t fill[MAX_STEPS + 1] = { 0 };
	size_t pos = 0, o = 0, used, k, take, end;
	bool fin = false;

	while (o < cap && !fin) {
		take = len - pos < CHUNK ? len - pos : CHUNK;
		memcpy(buf[0] + fill[0], in + pos, take);
		fill[0] += take;
		pos += take;
		fin = pos == len;
		for (k = 0; k < nst; k++) {
			st[k].work = buf[k];
			fill[k + 1] += st[k].fn(&st[k], buf[k], fill[k], buf[k + 1] + fill[k + 1],
						fin, &used);
			end = fill[k] - st[k].drop;
			st[k].drop = 0;
			memmove(buf[k], buf[k] + used, end - used);
			fill[k] = end - used;
			fin = fin && fill[k] == 0;
		}
		take = fill[nst] < cap - o ? fill[nst] : cap - o;
		memcpy(out + o, buf[nst], take);
		o += take;
		fill[nst] = 0;
	}
	return o;
}

size_t
ar_norm(const uint8_t *in, size_t len, uint8_t *out, size_t cap, unsigned flags)
{
	struct step st[MAX_STEPS];
	const uint8_t *src = in;
	size_t nst, n = len, used;

	if (cap == 0 || len == 0)
		return 0;
	nst = plan(st, flags);
	if (nst == 0) {
		n = len < cap ? len : cap;
		if (out != in)
			memmove(out, in, n);
		return n;
	}
	if (cap < len)
		return norm_chunked(st, nst, in, len, out, cap);
	for (size_t k = 0; k < nst; k++) {
		/* a percent-decoding pass that found nothing ends the passes */
		if (k > 0 && st[k].fn == step_url && !st[k - 1].hit)
			continue;
		n = st[k].fn(&st[k], src, n, out, true, &used);
		src = out;
	}
	return n;
}
