/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment classes, string formats and the vocabulary of API path words.
 *
 * ar_api_seg_classify() says what a percent-decoded path segment looks
 * like, so the path tree can tell identifiers (42, a UUID, a hash, a
 * random key ...) from the words an API is made of. One pass counts the
 * kinds of characters and the letter/digit transitions; the classes are
 * then decided from the most to the least specific. It runs on every
 * segment of every routed path, so it never allocates and reads each byte
 * once (a few classes read a fixed prefix again).
 *
 * ar_api_str_format() names the OpenAPI format of a JSON or parameter
 * string. Workers call it on every string value: each test looks at the
 * first character and the length before it reads further, and plain text
 * is rejected after a few bytes.
 *
 * The vocabulary is a sorted list of the words APIs are built of (resource
 * nouns in the singular, common verbs, and words like "me", "search",
 * "health"); regular plurals are derived. The templater keeps such words
 * literal beside a parameter made of merged words, so /users/me stays
 * beside /users/{userId}.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "api_priv.h"
#include "classify_priv.h"

static inline bool
is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

static inline bool
is_upper(unsigned char c)
{
	return (unsigned)(c - 'A') < 26;
}

static inline bool
is_lower(unsigned char c)
{
	return (unsigned)(c - 'a') < 26;
}

static inline bool
is_alpha(unsigned char c)
{
	return is_upper(c) || is_lower(c);
}

static inline bool
is_alnum(unsigned char c)
{
	return is_digit(c) || is_alpha(c);
}

static inline bool
is_hex(unsigned char c)
{
	return is_digit(c) || (unsigned)((c | 0x20) - 'a') < 6;
}

static inline unsigned char
to_lower(unsigned char c)
{
	return is_upper(c) ? (unsigned char)(c + 32) : c;
}

/* The characters that split a path word into pieces: rate_limit, index.html. */
static inline bool
is_sep(unsigned char c)
{
	return c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '$';
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return false;
	return true;
}

/* The two digits at @s as a number. */
static unsigned
num2(const char *s)
{
	return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
}

/* ------------------------------------------------------------------ */
/* Dates, UUIDs, host names, e-mail addresses                          */
/* ------------------------------------------------------------------ */

/* YYYY-MM-DD in the first 10 bytes of @s, a day that exists. */
static bool
full_date(const char *s)
{
	static const uint8_t mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;

	if (!all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
	    !all_digits(s + 8, 2))
		return false;
	y = num2(s) * 100 + num2(s + 2);
	m = num2(s + 5);
	d = num2(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/*
 * hh:mm[:ss[.frac]] at the start of @s; returns its length, 0 when there is
 * none. @secs: the seconds are required.
 */
static size_t
time_of_day(const char *s, size_t n, bool secs)
{
	size_t k = 8;

	if (n < 5 || !all_digits(s, 2) || s[2] != ':' || !all_digits(s + 3, 2) || num2(s) > 23 ||
	    num2(s + 3) > 59)
		return 0;
	if (n < 8 || s[5] != ':' || !all_digits(s + 6, 2) || num2(s + 6) > 60)
		return secs ? 0 : 5;
	if (k < n && s[k] == '.') {
		size_t f = k + 1;

		while (f < n && is_digit((unsigned char)s[f]))
			f++;
		if (f > k + 1)
			k = f;
	}
	return k;
}

/*
 * A zone at the start of @s: Z or +hh:mm / -hh:mm, and with @loose also
 * +hhmm and +hh. Returns its length, 0 when there is none.
 */
static size_t
time_zone(const char *s, size_t n, bool loose)
{
	if (n >= 1 && (s[0] == 'Z' || s[0] == 'z'))
		return 1;
	if (n < 3 || (s[0] != '+' && s[0] != '-') || !all_digits(s + 1, 2) || num2(s + 1) > 23)
		return 0;
	if (n >= 6 && s[3] == ':' && all_digits(s + 4, 2) && num2(s + 4) <= 59)
		return 6;
	if (!loose)
		return 0;
	if (n >= 5 && all_digits(s + 3, 2) && num2(s + 3) <= 59)
		return 5;
	return 3;
}

/* A date in a path: YYYY-MM-DD, then maybe T or space, a time and a zone. */
static bool
seg_date(const char *s, size_t n)
{
	size_t k, z;

	if (n < 10 || !full_date(s))
		return false;
	if (n == 10)
		return true;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return false;
	k = time_of_day(s + 11, n - 11, false);
	if (k == 0)
		return false;
	k += 11;
	if (k == n)
		return true;
	z = time_zone(s + k, n - k, true);
	return z != 0 && k + z == n;
}

/* RFC 3339 date-time: full-date "T" hh:mm:ss[.frac] (Z / +hh:mm). */
static bool
date_time(const char *s, size_t n)
{
	size_t k, z;

	if (n < 20 || !full_date(s) || (s[10] != 'T' && s[10] != 't'))
		return false;
	k = time_of_day(s + 11, n - 11, true);
	if (k == 0)
		return false;
	k += 11;
	z = time_zone(s + k, n - k, false);
	return z != 0 && k + z == n;
}

/* 8-4-4-4-12 hex digits, any case. */
static bool
is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/*
 * At least two dot-separated labels of letters, digits and inner hyphens
 * (1 to 63 bytes each), the last one alphabetic and at least 2 long; at
 * most 253 bytes in all.
 */
static bool
is_hostname(const char *s, size_t n)
{
	size_t start = 0, labels = 0;
	bool alpha = true;

	if (n < 4 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			size_t len = i - start;

			if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-')
				return false;
			labels++;
			if (i < n) {
				start = i + 1;
				alpha = true;
			}
		} else if (is_alpha(c)) {
		} else if (is_digit(c) || c == '-') {
			alpha = false;
		} else {
			return false;
		}
	}
	return labels >= 2 && alpha && n - start >= 2;
}

/* The characters of the local part of an address (RFC 5322 atext and '.'). */
static bool
is_local_char(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL);
}

/* local@domain.tld: a local part of at most 64 bytes and a host name. */
static bool
is_email(const char *s, size_t n)
{
	const char *at;
	size_t l;

	if (n < 6 || n > 254)
		return false;
	at = memchr(s, '@', n);
	if (at == NULL)
		return false;
	l = (size_t)(at - s);
	if (l == 0 || l > 64 || s[0] == '.' || s[l - 1] == '.')
		return false;
	for (size_t i = 0; i < l; i++)
		if (!is_local_char((unsigned char)s[i]))
			return false;
	return is_hostname(at + 1, n - l - 1);
}

/* ------------------------------------------------------------------ */
/* Path segments                                                       */
/* ------------------------------------------------------------------ */

size_t
classify_prefix_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 9 && is_alpha((unsigned char)s[i]))
		i++;
	if (i == 0 || i > 8 || i + 1 >= n || (s[i] != '-' && s[i] != '_'))
		return 0;
	return i + 1;
}

bool
classify_base_word(const char *s, size_t n)
{
	return classify_version(s, n) || (n == 3 && strncasecmp(s, "api", 3) == 0) ||
	       (n == 4 && (strncasecmp(s, "apis", 4) == 0 || strncasecmp(s, "rest", 4) == 0));
}

bool
classify_version(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 1;

	/* 1.0, 2.0, 10.1: a bare major.minor, as /api/1.0 and bitbucket's /2.0 are */
	if ((n == 3 || n == 4) && is_digit(u[0]) && u[n - 2] == '.' && is_digit(u[n - 1]) &&
	    (n == 3 || (is_digit(u[1]) && u[0] != '0')))
		return true;
	if (n < 2 || (u[0] != 'v' && u[0] != 'V') || !is_digit(u[1]))
		return false;
	while (i < n && is_digit(u[i]))
		i++;
	while (i + 1 < n && u[i] == '.' && is_digit(u[i + 1])) {
		i++;
		while (i < n && is_digit(u[i]))
			i++;
	}
	if (i < n && is_lower(u[i])) {
		size_t a = i;

		while (i < n && is_lower(u[i]))
			i++;
		if (i - a > 8)
			return false; /* alpha, beta, rc, preview: not v4MAAMRGYtqb... */
		while (i < n && is_digit(u[i]))
			i++;
	}
	return i == n;
}

static bool
is_hash_len(size_t n)
{
	return n == 32 || n == 40 || n == 56 || n == 64 || n == 96 || n == 128;
}

/* Character kinds of the classifier's pass. */
enum {
	K_SEP,
	K_DIGIT,
	K_UPPER,
	K_LOWER,
	K_SYM
};

static bool
is_vowel(unsigned char c)
{
	c = to_lower(c);
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/*
 * Case changes that camelCase does not make: a lone lower-case letter
 * between upper-case ones (hEG: *lone) and upper-case runs of two or more
 * that end in a lower-case letter (DAQIc: *acr; camelCase has one per
 * acronym, HTTPServer).
 */
static bool
two_letter_word(unsigned char a, unsigned char b)
{
	static const char words[] = "an as at be by do go he id if in is it me my no of on or so "
				    "to up us we";
	char w[3] = { (char)to_lower(a), (char)to_lower(b), 0 };

	return strstr(words, w) != NULL; /* the spaces keep pairs within words */
}

static void
case_oddities(const unsigned char *s, size_t n, size_t *lone, size_t *acr)
{
	size_t up = 0;

	*lone = *acr = 0;
	for (size_t i = 0; i < n; i++) {
		/* ...but By, Id, To are camelCase words */
		if (i >= 2 && is_upper(s[i]) && is_lower(s[i - 1]) && is_upper(s[i - 2]) &&
		    !two_letter_word(s[i - 2], s[i - 1]))
			(*lone)++;
		if (is_lower(s[i]) && up >= 2)
			(*acr)++;
		up = is_upper(s[i]) ? up + 1 : 0;
	}
}

/*
 * Whether the letters-and-digits run @s (@n >= 10) reads like random
 * characters rather than words: 6 lower-case letters in a row with no
 * vowel (y counts as one, so rhythm and https pass; words and lower-case
 * acronyms rarely have such a run, upper-case acronyms do: getHTTPStatus),
 * or case oddities (above): two lone letters, or three in all. Generated
 * ids without digits, like typed-prefix tails and base62 keys
 * (DAQIcwpnLIhEGQ, FtWFSvzyvpzfzpsbkZowOm), look like this.
 */
static bool
random_piece(const unsigned char *s, size_t n)
{
	size_t cons = 0, lone, acr;

	for (size_t i = 0; i < n; i++) {
		if (!is_lower(s[i]) || is_vowel(s[i]))
			cons = 0;
		else if (++cons >= 6)
			return true;
	}
	case_oddities(s, n, &lone, &acr);
	return lone >= 2 || lone + acr >= 3;
}

/*
 * A typed-prefix id whose tail has no digit: 2 to 8 lower-case letters, '_'
 * and a tail of 12+ letters, 2+ capitals and 3+ lower-case, with a case oddity, 5
 * consonants in a row or fewer than a quarter vowels (pat_JQSECVsaMrzbpB,
 * cha_ePivscxUvbxAiU, cal_AzpgYtvZxlXstC). Snake-case names do not have
 * such tails; camelCase ones read as words (get_userByIdAndName).
 */
static bool
typed_prefix_id(const unsigned char *s, size_t n)
{
	size_t i = classify_prefix_len((const char *)s, n), up = 0, low = 0, vow = 0, cons = 0;
	size_t run = 0, lone, acr;

	if (i < 3 || i + 12 > n || s[i - 1] != '_')
		return false;
	for (size_t j = 0; j + 1 < i; j++)
		if (!is_lower(s[j]))
			return false;
	for (size_t j = i; j < n; j++) {
		if (!is_alpha(s[j]))
			return false;
		up += is_upper(s[j]);
		low += is_lower(s[j]);
		vow += is_vowel(s[j]);
		cons = is_vowel(s[j]) ? 0 : cons + 1;
		if (cons > run)
			run = cons;
	}
	if (up < 2 || low < 3)
		return false;
	case_oddities(s + i, n - i, &lone, &acr);
	/* or letters as words do not have them: 5 consonants in a row, few vowels */
	return lone + acr >= 1 || run >= 5 || vow * 4 < n - i;
}

/* A run of >= 10 letters and digits of @s that random_piece() finds random. */
static bool
has_random_piece(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && (is_alpha(s[j]) || is_digit(s[j])))
			j++;
		if (j - i >= 10 && random_piece(s + i, j - i))
			return true;
		i = j + 1;
	}
	return false;
}

/*
 * Whether @s is a lower-case DNS name of two labels or more whose last is
 * 2 to 10 letters (a top-level domain): letters, digits and inner '-'.
 */
static bool
is_dns_name(const unsigned char *s, size_t n)
{
	size_t label = 0, last_alpha = 0, labels = 1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			labels++;
			label = last_alpha = 0;
		} else if (is_lower(s[i]) || is_digit(s[i]) || (s[i] == '-' && label > 0)) {
			label++;
			last_alpha += is_lower(s[i]);
		} else {
			return false;
		}
	}
	return labels >= 2 && label >= 2 && label <= 10 && last_alpha == label;
}

enum ar_api_seg
ar_api_seg_classify(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t digits = 0, upper = 0, lower = 0, hexl = 0, dots = 0, odd = 0, b64 = 0, eq = 0;
	size_t at = 0, other = 0, dl_trans = 0, case_trans = 0, piece = 0, dpiece = 0;
	size_t sign, letters;
	bool piece_digit = false, idlike, random_case, pad_ok = true;
	int prev = K_SEP;

	if (n == 0)
		return AR_SEG_WORD;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		int k;

		if (is_digit(c)) {
			digits++;
			k = K_DIGIT;
		} else if (is_upper(c)) {
			upper++;
			hexl += c <= 'F';
			k = K_UPPER;
		} else if (is_lower(c)) {
			lower++;
			hexl += c <= 'f';
			k = K_LOWER;
		} else if (is_sep(c)) {
			dots += c == '.';
			odd += c == '~' || c == ':' || c == '$';
			k = K_SEP;
		} else if (c == '+' || c == '/' || c == '=') {
			b64++;
			eq += c == '=';
			k = K_SYM;
		} else {
			at += c == '@';
			other += c != '@';
			k = K_SYM;
		}
		if (eq && c != '=')
			pad_ok = false; /* '=' only as trailing padding */
		if ((prev == K_DIGIT && (k == K_UPPER || k == K_LOWER)) ||
		    (k == K_DIGIT && (prev == K_UPPER || prev == K_LOWER)))
			dl_trans++;
		if ((prev == K_UPPER && k == K_LOWER) || (prev == K_LOWER && k == K_UPPER))
			case_trans++;
		if (k == K_SEP || k == K_SYM) {
			if (piece_digit && piece > dpiece)
				dpiece = piece;
			piece = 0;
			piece_digit = false;
		} else {
			piece++;
			piece_digit |= k == K_DIGIT;
		}
		prev = k;
	}
	if (piece_digit && piece > dpiece)
		dpiece = piece;

	sign = u[0] == '-';
	if (digits && digits + sign == n)
		return AR_SEG_INTEGER;
	/* 82.0 as an id, 1.0 as a version: the tree tells them apart by place */
	if (dots == 1 && digits + sign + 1 == n && is_digit(u[sign]) && is_digit(u[n - 1]))
		return AR_SEG_NUMBER;
	if (n == 36 && is_uuid(s, n))
		return AR_SEG_UUID;
	if (n >= 10 && is_digit(u[0]) && seg_date(s, n))
		return AR_SEG_DATE;
	if (at == 1 && is_email(s, n))
		return AR_SEG_EMAIL;
	if (other || at)
		return AR_SEG_TEXT;
	/* rbac.authorization.k8s.io, example.com: names; values or not, traffic says */
	if (dots && !upper && is_dns_name(u, n))
		return AR_SEG_WORD;
	if (digits + hexl == n) {
		if (is_hash_len(n))
			return AR_SEG_HASH;
		if (n >= 8 && digits && hexl)
			return AR_SEG_HEX;
	}
	if (classify_version(s, n))
		return AR_SEG_WORD;
	letters = upper + lower;
	/*
	 * user123, ord_8f7d6, a1b2c3, INV-2024-0042, category1; one digit
	 * inside letters is a name (l2vpns, k8s, ec2)
	 */
	idlike = digits && letters && (digits >= 2 || dl_trans >= 3 || dpiece >= 8);
	/*
	 * both cases, changing case at a quarter of the letters or more:
	 * base62 keys (IqulnxWtyylzJfpYTKYAmb changes 7 times in 22) and
	 * camelCase alike, told apart below
	 */
	random_case = letters >= 8 && upper * 4 >= letters && lower * 4 >= letters &&
		      case_trans * 4 >= letters;
	if (random_case) {
		/* camelCase changes case as often (getUserByIdAndName), but it has vowels */
		size_t lone, acr, vow = 0;

		case_oddities(u, n, &lone, &acr);
		for (size_t i = 0; i < n; i++)
			vow += is_vowel(u[i]);
		random_case = lone + acr >= 2 || vow * 3 < letters;
	}
	if (n >= 16 && odd == 0 && pad_ok && eq <= 2 && (idlike || random_case))
		return AR_SEG_TOKEN;
	/* pat_JQSECVsaMrzbpB, FtWFSvzyvpzfzpsbkZowOm */
	if (n >= 12 && odd == 0 && !b64 && (has_random_piece(u, n) || typed_prefix_id(u, n)))
		return AR_SEG_TOKEN;
	if (b64)
		return AR_SEG_TEXT;
	if (idlike || (digits && !letters))
		return AR_SEG_MIXED; /* also digits between separators: 1.2.3, 2024-01 */
	return AR_SEG_WORD;
}

/* ------------------------------------------------------------------ */
/* String formats                                                      */
/* ------------------------------------------------------------------ */

/* scheme "://" rest, the scheme [a-zA-Z][a-zA-Z0-9+.-]*, the rest without blanks. */
static bool
is_uri(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 1;

	while (i < n && i < 32 && (is_alnum(u[i]) || u[i] == '+' || u[i] == '.' || u[i] == '-'))
		i++;
	if (n - i < 4 || u[i] != ':' || u[i + 1] != '/' || u[i + 2] != '/')
		return false;
	for (size_t j = i + 3; j < n; j++)
		if (u[j] <= ' ' || u[j] == 0x7f)
			return false;
	return true;
}

static bool
is_ipv4(const char *s, size_t n)
{
	char buf[16];
	struct in_addr a;

	if (n < 7 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]) && s[i] != '.')
			return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, &a) == 1;
}

static bool
is_ipv6(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (n < 2 || n >= sizeof(buf) || memchr(s, ':', n) == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
			return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

enum ar_api_fmt
ar_api_str_format(const char *s, size_t n)
{
	unsigned char c;

	if (n < 2)
		return AR_FMT_NONE;
	c = (unsigned char)s[0];
	if (is_digit(c)) {
		if (n >= 10 && s[4] == '-') {
			if (n == 10 && full_date(s))
				return AR_FMT_DATE;
			if (date_time(s, n))
				return AR_FMT_DATE_TIME;
		}
		if (is_ipv4(s, n))
			return AR_FMT_IPV4;
	}
	if (n == 36 && is_uuid(s, n))
		return AR_FMT_UUID;
	if (is_alpha(c) && is_uri(s, n))
		return AR_FMT_URI;
	if ((is_hex(c) || c == ':') && is_ipv6(s, n))
		return AR_FMT_IPV6;
	if (!is_alnum(c) && c != '_' && c != '+' && c != '-')
		return AR_FMT_NONE;
	if (is_email(s, n))
		return AR_FMT_EMAIL;
	if (is_alnum(c) && is_hostname(s, n))
		return AR_FMT_HOSTNAME;
	return AR_FMT_NONE;
}

/* ------------------------------------------------------------------ */
/* The vocabulary                                                      */
/* ------------------------------------------------------------------ */

/*
 * Words of API paths, lower-case and sorted (byte order) for a binary
 * search: resource nouns in the singular, the verbs of action endpoints,
 * and the words of meta endpoints.
 */
// clang-format off
static const char *const vocab[] = {
	".well-known", "about", "account", "activate", "activity", "add", "address", "admin",
	"agent", "album", "alert", "all", "analytics", "annotation", "answer", "api", "app",
	"application", "approval", "approve", "archive", "article", "artifact", "artist", "asset",
	"assign", "atom", "attachment", "attempt", "attribute", "audience", "audiobook", "audit",
	"auth", "authentication", "authorize", "avatar", "backup", "balance", "bank", "batch",
	"bill", "billing", "binding", "blob", "block", "blog", "board", "book", "booking",
	"branch", "brand", "breakdown", "browse", "bucket", "build", "bulk", "bundle", "cache",
	"calendar", "callback", "campaign", "cancel", "capture", "card", "cart", "catalog",
	"category", "certificate", "challenge", "change", "channel", "chapter", "charge", "chart",
	"chat", "check", "checkout", "city", "claim", "clear", "client", "clone", "close",
	"cluster", "collection", "color", "column", "comment", "commit", "company", "complete",
	"composition", "config", "configuration", "confirm", "connect", "connection", "consent",
	"console", "contact", "container", "content", "context", "contract", "conversation",
	"copy", "count", "country", "coupon", "course", "create", "credential", "css", "csv",
	"currency", "current", "customer", "dashboard", "data", "database", "dataset",
	"deactivate", "deal", "decline", "default", "delete", "delivery", "department", "deploy",
	"deployment", "destination", "detail", "device", "digest", "disable", "disconnect",
	"discount", "dispute", "dist", "distribution", "doc", "document", "domain", "download",
	"draft", "edit", "employee", "enable", "endpoint", "entity", "entry", "environment",
	"episode", "error", "event", "exec", "execute", "experiment", "export", "external",
	"factor", "favicon", "favorite", "feature", "feed", "fetch", "field", "file", "filter",
	"find", "firewall", "first", "flag", "folder", "follow", "follower", "following", "font",
	"form", "friend", "fulfillment", "gallery", "gateway", "generate", "get", "grant",
	"graphql", "group", "health", "healthz", "history", "home", "hook", "host", "identity",
	"image", "img", "import", "incident", "index", "info", "insight", "instance",
	"integration", "internal", "introspect", "inventory", "invitation", "invite", "invoice",
	"issue", "item", "job", "join", "js", "json", "key", "label", "language", "last",
	"latest", "layer", "leave", "ledger", "lib", "library", "license", "like", "limit",
	"link", "list", "live", "livez", "load", "locale", "location", "lock", "log", "login",
	"logout", "manifest", "mark", "market", "me", "media", "member", "membership", "merge",
	"message", "meta", "metadata", "method", "metric", "metrics", "milestone", "mine",
	"model", "module", "monitor", "move", "my", "namespace", "network", "new", "next", "node",
	"note", "notification", "notify", "oauth", "object", "offer", "oidc", "open", "openapi",
	"operation", "option", "order", "org", "organization", "overall", "overview", "owner",
	"package", "page", "participant", "partner", "password", "pause", "payment", "payout",
	"pdf", "people", "permission", "person", "pet", "phone", "photo", "ping", "pipeline",
	"plan", "playback", "player", "playlist", "plugin", "pod", "policy", "pool", "post",
	"prediction", "preferences", "preview", "previous", "price", "pricing", "private",
	"privilege", "process", "product", "profile", "project", "promotion", "property",
	"provider", "prune", "public", "publish", "pull", "push", "query", "queue", "quota",
	"quote", "rate", "rating", "reaction", "read", "ready", "readyz", "receipt", "recent",
	"recipient", "recommendation", "record", "recording", "redirect", "refresh", "refund",
	"region", "register", "registration", "registry", "reject", "release", "reminder",
	"remove", "rename", "renew", "reorder", "replace", "reply", "repo", "report",
	"repository", "request", "resend", "reservation", "reset", "resolve", "resource",
	"response", "rest", "restore", "result", "resume", "retry", "review", "revoke", "robots",
	"role", "room", "route", "rpc", "rss", "rule", "run", "saml", "save", "schedule",
	"schema", "scope", "script", "search", "secret", "section", "segment", "self", "send",
	"server", "service", "session", "set", "settings", "share", "shipment", "shipping",
	"shop", "show", "sign", "signin", "signout", "signup", "site", "sitemap", "skill", "slot",
	"snapshot", "snippet", "source", "space", "spec", "sse", "sso", "stage", "star", "start",
	"state", "statement", "static", "statistics", "stats", "status", "step", "stock", "stop",
	"storage", "store", "stream", "submission", "submit", "subscribe", "subscriber",
	"subscription", "suggestion", "summary", "supplier", "support", "survey", "suspend",
	"swagger", "sync", "system", "table", "tag", "task", "tax", "team", "template", "tenant",
	"test", "theme", "thread", "ticket", "timeline", "timeseries", "timezone", "toggle",
	"token", "top", "topic", "trace", "track", "transaction", "transfer", "translation",
	"trigger", "trip", "type", "ui", "unfollow", "unit", "unlink", "unlock", "unsubscribe",
	"update", "upload", "upsert", "usage", "user", "validate", "variable", "variant",
	"vehicle", "vendor", "verification", "verify", "version", "video", "view", "void",
	"volume", "vote", "wallet", "warehouse", "watch", "webhook", "websocket", "wishlist",
	"workflow", "workspace", "ws", "xml", "zone",
};
// clang-format on

#define VOCAB_N      (sizeof(vocab) / sizeof(vocab[0]))
#define VOCAB_MAXLEN 24 /* longer than any word of the list */

/* Compares the list word @w with @s (any case) as bytes. */
static int
vocab_cmp(const char *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)w[i], b = to_lower((unsigned char)s[i]);

		if (a != b)
			return a < b ? -1 : 1;
	}
	return w[n] != '\0';
}

static bool
vocab_find(const char *s, size_t n)
{
	size_t lo = 0, hi = VOCAB_N;

	if (n == 0 || n > VOCAB_MAXLEN)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = vocab_cmp(vocab[mid], s, n);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool
classify_ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	if (n <= k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (to_lower((unsigned char)s[n - k + i]) != (unsigned char)suffix[i])
			return false;
	return true;
}

size_t
classify_vocab_list(const char *const **words)
{
	*words = vocab;
	return VOCAB_N;
}

bool
classify_vocab(const char *s, size_t n)
{
	char buf[VOCAB_MAXLEN];

	if (n == 0 || n > VOCAB_MAXLEN + 2)
		return false;
	if (vocab_find(s, n))
		return true;
	if (classify_ends_with(s, n, "ies")) { /* categories */
		memcpy(buf, s, n - 3);
		buf[n - 3] = 'y';
		if (vocab_find(buf, n - 2))
			return true;
	}
	if (classify_ends_with(s, n, "es") && vocab_find(s, n - 2)) /* boxes, statuses */
		return true;
	return classify_ends_with(s, n, "s") && vocab_find(s, n - 1);
}

bool
classify_literal_like(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j;

	if (classify_version(s, n) || classify_vocab(s, n))
		return true;
	/*
	 * Compounds: camelCase and snake_case ones name actions
	 * (findByStatus, list_orders); kebab-case is how slugs and repository
	 * names are spelt (open-telemetry, new-york), so those are values.
	 */
	if (memchr(s, '-', n))
		return false;
	/* the first piece: up to a separator, a digit or a camelCase hump */
	while (i < n && is_sep(u[i]))
		i++;
	j = i;
	if (j < n && is_upper(u[j])) {
		while (j < n && is_upper(u[j]))
			j++;
		if (j < n && is_lower(u[j]) && j - i > 1)
			j--; /* HTTPServer: HTTP */
		else
			while (j < n && is_lower(u[j]))
				j++;
	} else {
		while (j < n && is_lower(u[j]))
			j++;
	}
	if (j == i || (i == 0 && j == n))
		return false; /* no piece, or the whole word, already tried */
	return classify_vocab(s + i, j - i);
}
