/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON writer for events. It runs on the exporter thread for every event,
 * so the string path copies runs of plain bytes with memcpy (found eight at
 * a time, then by a 256-entry class table) and integers are formatted by
 * hand, two digits at a time.
 *
 * Commas: bit d of need_comma says "the container at depth d already holds
 * something". A value (or a member key) writes a comma when its bit is set
 * and then sets it; a key clears it again after writing `"key":`, so the
 * value that follows writes no comma. That needs no record of whether a
 * level is an object or an array.
 *
 * `overflow` means "this text is unusable": the buffer is full, the nesting
 * went past 63 levels, or a close had nothing to close. Once set, every call
 * is a no-op, so callers check it once at the end.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ar_core.h"

#define JSON_MAX_DEPTH 63

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Byte classes for string escaping. */
enum {
	C_PLAIN = 0, /* copied as is */
	C_ESC,       /* ", \, control characters, DEL: escaped */
	C_BAD,       /* never valid as the first byte of UTF-8: \u00XX */
	C_U2,        /* C2-DF: 2-byte sequence */
	C_U3_E0,     /* E0: 3 bytes, second byte A0-BF (no overlongs) */
	C_U3,        /* E1-EC, EE-EF: 3 bytes */
	C_U3_ED,     /* ED: 3 bytes, second byte 80-9F (no surrogates) */
	C_U4_F0,     /* F0: 4 bytes, second byte 90-BF (no overlongs) */
	C_U4,        /* F1-F3: 4 bytes */
	C_U4_F4,     /* F4: 4 bytes, second byte 80-8F (not above U+10FFFF) */
};

static const uint8_t byte_class[256] = {
	[0x00 ... 0x1f] = C_ESC, [0x20 ... 0x21] = C_PLAIN,
	[0x22] = C_ESC,          [0x23 ... 0x5b] = C_PLAIN,
	[0x5c] = C_ESC,          [0x5d ... 0x7e] = C_PLAIN,
	[0x7f] = C_ESC,          [0x80 ... 0xc1] = C_BAD,
	[0xc2 ... 0xdf] = C_U2,  [0xe0] = C_U3_E0,
	[0xe1 ... 0xec] = C_U3,  [0xed] = C_U3_ED,
	[0xee ... 0xef] = C_U3,  [0xf0] = C_U4_F0,
	[0xf1 ... 0xf3] = C_U4,  [0xf4] = C_U4_F4,
	[0xf5 ... 0xff] = C_BAD,
};

/* Second letter of the two-character escapes; 0: use \u00XX. */
static const char short_esc[128] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',  ['\r'] = 'r',
	['\t'] = 't', ['"'] = '"',  ['\\'] = '\\',
};

static const char hex_digits[16] = "0123456789abcdef";

static const char digit_pairs[201] = "00010203040506070809"
				     "10111213141516171819"
				     "20212223242526272829"
				     "30313233343536373839"
				     "40414243444546474849"
				     "50515253545556575859"
				     "60616263646566676869"
				     "70717273747576777879"
				     "80818283848586878889"
				     "90919293949596979899";

void
ar_json_init(struct ar_json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = buf != NULL ? cap : 0;
	j->len = 0;
	j->depth = 0;
	j->need_comma = 0;
	j->overflow = false;
}

/* Appends @n bytes, or sets overflow and appends nothing. */
static inline void
put(struct ar_json *j, const void *p, size_t n)
{
	if (unlikely(j->overflow))
		return;
	if (unlikely(n > j->cap - j->len)) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

static inline void
put_char(struct ar_json *j, char c)
{
	if (unlikely(j->overflow))
		return;
	if (unlikely(j->len == j->cap)) {
		j->overflow = true;
		return;
	}
	j->buf[j->len++] = c;
}

/* Comma before a value or a key at the current depth. */
static inline void
sep(struct ar_json *j)
{
	uint64_t bit = 1ULL << j->depth;

	if (j->need_comma & bit)
		put_char(j, ',');
	j->need_comma |= bit;
}

/* True if any byte of @x needs a look: < 0x20, ", \, >= 0x7f. */
static inline bool
word_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"');
	uint64_t b = x ^ (ones * '\\');
	uint64_t d = x ^ (ones * 0x7f);
	uint64_t t = (x - ones * 0x20) & ~x; /* a byte < 0x20 */

	t |= (q - ones) & ~q;                    /* a byte == '"' */
	t |= (b - ones) & ~b;                    /* a byte == '\\' */
	t |= (d - ones) & ~d;                    /* a byte == 0x7f */
	return ((t & highs) | (x & highs)) != 0; /* or a byte >= 0x80 */
}

static inline bool
cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Length of the well-formed UTF-8 sequence at @s (@avail bytes readable)
 * whose first byte has class @cls, or 0 if it is not well formed.
 */
static inline size_t
utf8_len(const uint8_t *s, size_t avail, uint8_t cls)
{
	switch (cls) {
	case C_U2:
		return avail >= 2 && cont(s[1]) ? 2 : 0;
	case C_U3_E0:
		return avail >= 3 && s[1] >= 0xa0 && s[1] <= 0xbf && cont(s[2]) ? 3 : 0;
	case C_U3:
		return avail >= 3 && cont(s[1]) && cont(s[2]) ? 3 : 0;
	case C_U3_ED:
		return avail >= 3 && s[1] >= 0x80 && s[1] <= 0x9f && cont(s[2]) ? 3 : 0;
	case C_U4_F0:
		return avail >= 4 && s[1] >= 0x90 && s[1] <= 0xbf && cont(s[2]) && cont(s[3]) ? 4 :
												0;
	case C_U4:
		return avail >= 4 && cont(s[1]) && cont(s[2]) && cont(s[3]) ? 4 : 0;
	case C_U4_F4:
		return avail >= 4 && s[1] >= 0x80 && s[1] <= 0x8f && cont(s[2]) && cont(s[3]) ? 4 :
												0;
	default:
		return 0;
	}
}

/*
 * From @i, skips bytes that are copied as they are (printable ASCII and
 * well-formed UTF-8) and returns where the run stops: a byte that needs an
 * escape, or *lim. A valid multi-byte character that the cut at *lim would
 * split is dropped whole by moving *lim back to its start. Eight ASCII
 * bytes are checked at once; after a word that is not all plain ASCII, the
 * table takes at least that word byte by byte, so UTF-8 text does not pay
 * for a failed word check on every character.
 */
static inline size_t
scan_plain(const uint8_t *s, size_t i, size_t len, size_t *lim)
{
	for (;;) {
		size_t stop;

		while (*lim - i >= 8) {
			uint64_t x;

			memcpy(&x, s + i, 8);
			if (word_special(x))
				break;
			i += 8;
		}
		stop = *lim - i > 8 ? i + 8 : *lim;
		while (i < stop) {
			uint8_t cls = byte_class[s[i]];
			size_t k;

			if (cls == C_PLAIN) {
				i++;
				continue;
			}
			if (cls < C_U2)
				return i;
			k = utf8_len(s + i, len - i, cls);
			if (k == 0)
				return i;
			if (k > *lim - i) {
				*lim = i;
				return i;
			}
			i += k;
		}
		if (i >= *lim)
			return i;
	}
}

/*
 * The body of a string: the first @lim of @len bytes, escaped; bytes that
 * are not valid UTF-8 in the full input are escaped one by one.
 */
static void
put_escaped(struct ar_json *j, const uint8_t *s, size_t len, size_t lim)
{
	size_t i = 0;

	while (i < lim) {
		size_t run = i;

		i = scan_plain(s, i, len, &lim);
		put(j, s + run, i - run);
		if (i >= lim || j->overflow)
			return;

		/* s[i] needs an escape. */
		uint8_t c = s[i++];
		char e[6] = { '\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15] };

		if (c < 0x80 && short_esc[c] != 0) {
			e[1] = short_esc[c];
			put(j, e, 2);
		} else {
			put(j, e, 6);
		}
	}
}

static void
put_string(struct ar_json *j, const char *s, size_t len, size_t cap)
{
	if (s == NULL)
		len = 0;
	put_char(j, '"');
	put_escaped(j, (const uint8_t *)s, len, cap != 0 && cap < len ? cap : len);
	put_char(j, '"');
}

void
ar_json_obj_open(struct ar_json *j)
{
	if (j->overflow)
		return;
	if (j->depth >= JSON_MAX_DEPTH) {
		j->overflow = true;
		return;
	}
	sep(j);
	put_char(j, '{');
	j->depth++;
	j->need_comma &= ~(1ULL << j->depth);
}

void
ar_json_arr_open(struct ar_json *j)
{
	if (j->overflow)
		return;
	if (j->depth >= JSON_MAX_DEPTH) {
		j->overflow = true;
		return;
	}
	sep(j);
	put_char(j, '[');
	j->depth++;
	j->need_comma &= ~(1ULL << j->depth);
}

static void
close_with(struct ar_json *j, char c)
{
	if (j->overflow)
		return;
	if (j->depth == 0) {
		j->overflow = true;
		return;
	}
	j->depth--;
	put_char(j, c);
}

void
ar_json_obj_close(struct ar_json *j)
{
	close_with(j, '}');
}

void
ar_json_arr_close(struct ar_json *j)
{
	close_with(j, ']');
}

void
ar_json_key(struct ar_json *j, const char *key)
{
	if (j->overflow)
		return;
	sep(j);
	put_string(j, key, key != NULL ? strlen(key) : 0, 0);
	put_char(j, ':');
	j->need_comma &= ~(1ULL << j->depth);
}

void
ar_json_str(struct ar_json *j, const char *s, size_t len, size_t cap)
{
	if (j->overflow)
		return;
	sep(j);
	put_string(j, s, len, cap);
}

void
ar_json_cstr(struct ar_json *j, const char *s)
{
	if (s == NULL) {
		ar_json_null(j);
		return;
	}
	ar_json_str(j, s, strlen(s), 0);
}

/* Decimal digits of @v, right-aligned, ending at @end; returns the start. */
static inline char *
fmt_u64(uint64_t v, char *end)
{
	char *p = end;

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		memcpy(p, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

void
ar_json_u64(struct ar_json *j, uint64_t v)
{
	char tmp[20];
	char *p;

	if (j->overflow)
		return;
	sep(j);
	p = fmt_u64(v, tmp + sizeof(tmp));
	put(j, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
ar_json_i64(struct ar_json *j, int64_t v)
{
	char tmp[21];
	char *p;

	if (j->overflow)
		return;
	sep(j);
	if (v < 0) {
		/* 0 - (uint64_t)v is exact for INT64_MIN too. */
		p = fmt_u64(0 - (uint64_t)v, tmp + sizeof(tmp));
		*--p = '-';
	} else {
		p = fmt_u64((uint64_t)v, tmp + sizeof(tmp));
	}
	put(j, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * Doubles are rare in events (scores, ratios), so they go through
 * snprintf; @decimals is clamped to 0..17.
 */
void
ar_json_double(struct ar_json *j, double v, int decimals)
{
	char tmp[360]; /* DBL_MAX is 309 digits, plus sign, point and 17 decimals */
	int n;

	if (j->overflow)
		return;
	if (!isfinite(v)) {
		ar_json_null(j);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (n <= 0 || (size_t)n >= sizeof(tmp)) {
		j->overflow = true;
		return;
	}
	/* A locale with a decimal comma must not break the JSON. */
	for (int i = 0; i < n; i++)
		if (tmp[i] == ',')
			tmp[i] = '.';
	sep(j);
	put(j, tmp, (size_t)n);
}

void
ar_json_bool(struct ar_json *j, bool v)
{
	if (j->overflow)
		return;
	sep(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void
ar_json_null(struct ar_json *j)
{
	if (j->overflow)
		return;
	sep(j);
	put(j, "null", 4);
}

void
ar_json_kv_str(struct ar_json *j, const char *key, const char *s, size_t len, size_t cap)
{
	ar_json_key(j, key);
	ar_json_str(j, s, len, cap);
}

void
ar_json_kv_cstr(struct ar_json *j, const char *key, const char *s)
{
	ar_json_key(j, key);
	ar_json_cstr(j, s);
}

void
ar_json_kv_u64(struct ar_json *j, const char *key, uint64_t v)
{
	ar_json_key(j, key);
	ar_json_u64(j, v);
}

void
ar_json_kv_bool(struct ar_json *j, const char *key, bool v)
{
	ar_json_key(j, key);
	ar_json_bool(j, v);
}

/* ------------------------------------------------------------------ */
/* Timestamps                                                           */
/* ------------------------------------------------------------------ */

/*
 * Days since 1970-01-01 to a civil date (proleptic Gregorian), after
 * Howard Hinnant's days_from_civil inverse. Unsigned is enough: a u64 of
 * nanoseconds never reaches before the epoch or past year 2554.
 */
static void
civil_from_days(uint64_t days, unsigned *y, unsigned *m, unsigned *d)
{
	uint64_t z = days + 719468; /* shift the epoch to 0000-03-01 */
	uint64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11] */

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(era * 400) + yoe + (*m <= 2);
}

static inline void
put2(char *p, unsigned v)
{
	memcpy(p, digit_pairs + 2 * v, 2);
}

size_t
ar_time_format(uint64_t ts_ns, char *buf, size_t size)
{
	static const char tmpl[] = "0000-00-00T00:00:00.000000+0000";
	uint64_t secs = ts_ns / 1000000000;
	unsigned usec = (unsigned)(ts_ns % 1000000000 / 1000);
	unsigned sod = (unsigned)(secs % 86400);
	unsigned y, mo, d;

	if (size < sizeof(tmpl)) {
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	civil_from_days(secs / 86400, &y, &mo, &d);
	memcpy(buf, tmpl, sizeof(tmpl));
	put2(buf, y / 100);
	put2(buf + 2, y % 100);
	put2(buf + 5, mo);
	put2(buf + 8, d);
	put2(buf + 11, sod / 3600);
	put2(buf + 14, sod / 60 % 60);
	put2(buf + 17, sod % 60);
	put2(buf + 20, usec / 10000);
	put2(buf + 22, usec / 100 % 100);
	put2(buf + 24, usec % 100);
	return sizeof(tmpl) - 1;
}
