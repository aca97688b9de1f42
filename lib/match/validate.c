/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match: validators and masking.
 *
 * A pattern for card numbers or IBANs hits on any run of digits of the
 * right length; the checksum or the structure behind the format tells the
 * real ones from order numbers and timestamps. Validators run on pattern
 * hits only, so they favour being exact over being fast, but they still
 * never allocate and never read past @n.
 *
 * Decisions left open by the header, taken here:
 *  - luhn: single spaces or dashes between digits; a leading 0 is refused
 *    (no card scheme issues one, and it rejects runs of zeros).
 *  - cn_id: province code must be one in use; birth year 1900-2099; a
 *    lower-case 'x' check character is accepted.
 *  - iban: upper or lower case, single spaces between characters; check
 *    digits 02-98; the length must be the registry's one for the country.
 *  - us_ssn: nine digits, or 3-2-4 separated by '-' or ' ' (both the same).
 *  - cn_mobile: "+86" or "0086" may be followed by one space or dash; the
 *    number may be grouped 3-4-4 by spaces or dashes.
 *  - e164: no separators; the country code must be an assigned one.
 *  - email: unquoted local parts only, at most 64 characters; domain
 *    labels of 1-63, at least two, 253 in all; 254 for the address; the
 *    top-level domain is letters, or an "xn--" label.
 *  - jwt: the signature part may be empty (an unsecured "alg":"none"
 *    token is still a token to report); no '=' padding (RFC 7515). The
 *    header (at most 1024 characters encoded) must decode to a {...} object
 *    with an "alg" member; the payload must be valid base64url.
 *  - private_key: the "-----BEGIN <words> PRIVATE KEY-----" line (or
 *    "PRIVATE KEY BLOCK" for PGP) must start the value; text may follow.
 *  - entropy: 16-4096 characters of [A-Za-z0-9+/=_-], of at least two of
 *    lower case, upper case and digits, with a Shannon entropy of at least
 *    0.85 * log2(length) bits per character, capped at 4.0 (3.3 for hex).
 *    That keeps >98% of random base64 tokens of 16+ characters, and refuses
 *    repeated characters and most words with a number stuck on; long
 *    camelCase identifiers can still pass.
 *  - mask: a value of one or two characters is all stars (keeping its
 *    first and last character would show all of it); characters are UTF-8
 *    sequences, never cut in two, and the output is cut before a kept
 *    character that would not fit whole.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ar_match.h"

static const char *const val_names[AR_VAL_MAX] = {
	[AR_VAL_NONE] = "none",       [AR_VAL_LUHN] = "luhn",
	[AR_VAL_CN_ID] = "cn_id",     [AR_VAL_IBAN] = "iban",
	[AR_VAL_US_SSN] = "us_ssn",   [AR_VAL_CN_MOBILE] = "cn_mobile",
	[AR_VAL_E164] = "e164",       [AR_VAL_EMAIL] = "email",
	[AR_VAL_IPV4] = "ipv4",       [AR_VAL_IPV6] = "ipv6",
	[AR_VAL_JWT] = "jwt",         [AR_VAL_PRIVATE_KEY] = "private_key",
	[AR_VAL_ENTROPY] = "entropy",
};

enum ar_validator
ar_validator_by_name(const char *name)
{
	if (name == NULL)
		return AR_VAL_NONE;
	for (int v = AR_VAL_NONE + 1; v < AR_VAL_MAX; v++)
		if (strcmp(name, val_names[v]) == 0)
			return (enum ar_validator)v;
	return AR_VAL_NONE;
}

const char *
ar_validator_name(enum ar_validator v)
{
	return (unsigned)v < AR_VAL_MAX ? val_names[v] : "unknown";
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool
is_alpha(char c)
{
	return is_upper(c) || is_lower(c);
}

static inline bool
is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static inline char
to_upper(char c)
{
	return is_lower(c) ? (char)(c - 'a' + 'A') : c;
}

/* Value of the @k digits at @s (all digits, checked by the caller). */
static unsigned
digits_val(const char *s, size_t k)
{
	unsigned v = 0;

	for (size_t i = 0; i < k; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* ---- payment cards ---------------------------------------------------- */

static bool
val_luhn(const char *s, size_t n)
{
	uint8_t d[19];
	size_t nd = 0;
	bool after_digit = false;
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			if (nd == sizeof(d))
				return false;
			d[nd++] = (uint8_t)(s[i] - '0');
			after_digit = true;
		} else if ((s[i] == ' ' || s[i] == '-') && after_digit) {
			after_digit = false;
		} else {
			return false;
		}
	}
	if (!after_digit || nd < 13 || d[0] == 0)
		return false;
	for (size_t k = 0; k < nd; k++) {
		unsigned v = d[nd - 1 - k];
		if (k & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* ---- Chinese resident ID ---------------------------------------------- */

static bool
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
valid_date(unsigned y, unsigned m, unsigned d)
{
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (unsigned)(m == 2 && leap(y));
}

static bool
val_cn_id(const char *s, size_t n)
{
	/* ISO 7064 MOD 11-2: weight 2^(17-i) mod 11 */
	static const uint8_t w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	/* provinces, Hong Kong, Macao, Taiwan and their residence permits, foreigners */
	static const uint8_t prov[] = { 11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
					35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
					53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91 };
	unsigned sum = 0, p, y;
	bool known = false;

	if (n != 18)
		return false;
	for (size_t i = 0; i < 17; i++) {
		if (!is_digit(s[i]))
			return false;
		sum += (unsigned)(s[i] - '0') * w[i];
	}
	if (to_upper(s[17]) != check[sum % 11])
		return false;
	p = digits_val(s, 2);
	for (size_t i = 0; i < sizeof(prov); i++)
		known = known || prov[i] == p;
	y = digits_val(s + 6, 4);
	return known && y >= 1900 && y <= 2099 &&
	       valid_date(y, digits_val(s + 10, 2), digits_val(s + 12, 2));
}

/* ---- IBAN ------------------------------------------------------------- */

/* Country code and IBAN length, from the SWIFT IBAN registry. */
static const char iban_lengths[] =
	"AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27DK18DO28"
	"EE20EG29ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27"
	"JO30KW30KZ20LB28LC32LI21LT20LU20LV21LY25MC27MD24ME22MK19MN20MR27MT31MU30NI28NL18"
	"NO15OM23PK24PL28PS29PT25QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25SV28"
	"TL23TN24TR26UA29VA22VG24XK20";

static unsigned
iban_length(char a, char b)
{
	for (const char *p = iban_lengths; *p; p += 4)
		if (p[0] == a && p[1] == b)
			return (unsigned)((p[2] - '0') * 10 + (p[3] - '0'));
	return 0;
}

static bool
val_iban(const char *s, size_t n)
{
	char b[34];
	size_t k = 0;
	unsigned m = 0, check;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' && k > 0 && i + 1 < n && s[i + 1] != ' ')
			continue;
		if (!is_alnum(s[i]) || k == sizeof(b))
			return false;
		b[k++] = to_upper(s[i]);
	}
	if (k < 15 || !is_upper(b[0]) || !is_upper(b[1]) || !is_digit(b[2]) || !is_digit(b[3]))
		return false;
	check = digits_val(b + 2, 2);
	if (check < 2 || check > 98 || iban_length(b[0], b[1]) != k)
		return false;
	/* the first four characters move to the end; letters count as 10..35 */
	for (size_t i = 0; i < k; i++) {
		char c = b[(i + 4) % k];
		if (is_digit(c))
			m = (m * 10 + (unsigned)(c - '0')) % 97;
		else
			m = (m * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return m == 1;
}

/* ---- US social security number ---------------------------------------- */

static bool
val_us_ssn(const char *s, size_t n)
{
	char d[9];
	unsigned area;

	if (n == 11 && (s[3] == '-' || s[3] == ' ') && s[6] == s[3]) {
		memcpy(d, s, 3);
		memcpy(d + 3, s + 4, 2);
		memcpy(d + 5, s + 7, 4);
	} else if (n == 9) {
		memcpy(d, s, 9);
	} else {
		return false;
	}
	for (size_t i = 0; i < 9; i++)
		if (!is_digit(d[i]))
			return false;
	area = digits_val(d, 3);
	return area != 0 && area != 666 && area < 900 && digits_val(d + 3, 2) != 0 &&
	       digits_val(d + 5, 4) != 0;
}

/* ---- phone numbers ---------------------------------------------------- */

static bool
val_cn_mobile(const char *s, size_t n)
{
	char d[11];
	size_t i = 0, nd = 0;

	if (n >= 3 && memcmp(s, "+86", 3) == 0)
		i = 3;
	else if (n >= 4 && memcmp(s, "0086", 4) == 0)
		i = 4;
	if (i > 0 && i < n && (s[i] == ' ' || s[i] == '-'))
		i++;
	for (; i < n; i++) {
		if (is_digit(s[i]) && nd < sizeof(d))
			d[nd++] = s[i];
		else if ((s[i] == ' ' || s[i] == '-') && (nd == 3 || nd == 7) && i + 1 < n &&
			 is_digit(s[i + 1]) && is_digit(s[i - 1]))
			continue;
		else
			return false;
	}
	return nd == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/*
 * Assigned E.164 country calling codes (ITU-T E.164 list, 1-3 digits,
 * sorted). No code is a prefix of another.
 */
static const uint16_t cc_codes[] = {
	1,   7,   20,  27,  30,  31,  32,  33,  34,  36,  39,  40,  41,  43,  44,  45,  46,  47,
	48,  49,  51,  52,  53,  54,  55,  56,  57,  58,  60,  61,  62,  63,  64,  65,  66,  81,
	82,  84,  86,  90,  91,  92,  93,  94,  95,  98,  211, 212, 213, 216, 218, 220, 221, 222,
	223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240,
	241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258,
	260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298, 299, 350, 351, 352,
	353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 380,
	381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507,
	508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676,
	677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850,
	852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965,
	966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
};

static bool
country_code_known(unsigned cc)
{
	size_t lo = 0, hi = sizeof(cc_codes) / sizeof(cc_codes[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cc_codes[mid] == cc)
			return true;
		if (cc_codes[mid] < cc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool
val_e164(const char *s, size_t n)
{
	if (n < 9 || n > 16 || s[0] != '+' || s[1] == '0')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	for (size_t k = 1; k <= 3; k++)
		if (country_code_known(digits_val(s + 1, k)))
			return true;
	return false;
}

/* ---- e-mail ------------------------------------------------------------ */

static bool
is_atext(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static bool
val_email(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t local, i, start, labels = 0, tld;

	if (at == NULL || n > 254)
		return false;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return false;
	for (i = 0; i < local; i++)
		if (!(is_atext(s[i]) || (s[i] == '.' && s[i + 1] != '.')))
			return false;
	/* domain: labels of 1-63 [A-Za-z0-9-], no '-' at either end */
	tld = start = local + 1;
	for (i = local + 1; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (i == start || i - start > 63 || s[i - 1] == '-')
				return false;
			labels++;
			tld = start; /* the last label so far */
			start = i + 1;
			continue;
		}
		if (!(is_alnum(s[i]) || (s[i] == '-' && i > start)))
			return false;
	}
	if (labels < 2 || n - local - 1 > 253 || n - tld < 2)
		return false;
	if (n - tld > 4 && memcmp(s + tld, "xn--", 4) == 0)
		return true;
	for (i = tld; i < n; i++)
		if (!is_alpha(s[i]))
			return false;
	return true;
}

/* ---- IP addresses ------------------------------------------------------ */

static bool
val_ipv4(const char *s, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return false;
			start = ++i;
		}
		while (i < n && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
	}
	return i == n;
}

static bool
val_ipv6(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

/* ---- JWT --------------------------------------------------------------- */

/*
 * base64url (RFC 4648 section 5) without padding, as JWS writes it. It is
 * done here rather than with OpenSSL because only a JWT header, a few
 * dozen bytes, ever needs decoding, and OpenSSL's EVP decoder knows only
 * the standard alphabet.
 */
static int
b64url_val(char c)
{
	if (is_upper(c))
		return c - 'A';
	if (is_lower(c))
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decodes @n characters into @out (at least 3 * n / 4 bytes) when @out is
 * not NULL. Returns the decoded length, or -1 when @s is not base64url.
 */
static long
b64url_decode(const char *s, size_t n, uint8_t *out)
{
	uint32_t acc = 0;
	size_t bits = 0, o = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_val(s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (out != NULL)
				out[o] = (uint8_t)(acc >> bits);
			o++;
		}
	}
	return (long)o;
}

static bool
is_json_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A JOSE header: a JSON object with an "alg" member. */
static bool
jose_header(const uint8_t *h, size_t n)
{
	size_t a = 0, b = n;

	while (a < b && is_json_ws(h[a]))
		a++;
	while (b > a && is_json_ws(h[b - 1]))
		b--;
	if (b - a < 2 || h[a] != '{' || h[b - 1] != '}')
		return false;
	for (size_t i = a + 1; i + 5 <= b; i++) {
		size_t j = i + 5;
		if (memcmp(h + i, "\"alg\"", 5) != 0)
			continue;
		while (j < b && is_json_ws(h[j]))
			j++;
		if (j < b && h[j] == ':')
			return true;
	}
	return false;
}

#define JWT_HEADER_MAX 1024 /* characters of the encoded header */

static bool
val_jwt(const char *s, size_t n)
{
	const char *d1 = memchr(s, '.', n), *d2;
	uint8_t hdr[JWT_HEADER_MAX / 4 * 3];
	size_t l0, l1, l2;
	long hl;

	if (d1 == NULL)
		return false;
	d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s));
	if (d2 == NULL)
		return false;
	l0 = (size_t)(d1 - s);
	l1 = (size_t)(d2 - d1 - 1);
	l2 = n - (size_t)(d2 + 1 - s);
	if (l0 == 0 || l0 > JWT_HEADER_MAX || l1 == 0)
		return false;
	if (b64url_decode(d1 + 1, l1, NULL) < 0 || b64url_decode(d2 + 1, l2, NULL) < 0)
		return false;
	hl = b64url_decode(s, l0, hdr);
	return hl > 0 && jose_header(hdr, (size_t)hl);
}

/* ---- private keys ------------------------------------------------------ */

static bool
val_private_key(const char *s, size_t n)
{
	static const char begin[] = "-----BEGIN ", dashes[] = "-----";
	const size_t bl = sizeof(begin) - 1;
	size_t i, label, e;

	if (n < bl || memcmp(s, begin, bl) != 0)
		return false;
	/* the label: upper-case words, up to the closing dashes */
	for (i = bl; i < n && i - bl <= 64 && (is_upper(s[i]) || is_digit(s[i]) || s[i] == ' ');
	     i++)
		;
	if (n - i < 5 || memcmp(s + i, dashes, 5) != 0)
		return false;
	label = i - bl;
	e = bl + label;
	if (label >= 17 && memcmp(s + e - 17, "PRIVATE KEY BLOCK", 17) == 0)
		e -= 6;
	if (e - bl < 11 || memcmp(s + e - 11, "PRIVATE KEY", 11) != 0)
		return false;
	/* "PRIVATE KEY" is the label or its last words */
	return e - bl == 11 || s[e - 12] == ' ';
}

/* ---- entropy ----------------------------------------------------------- */

/* log2(x) for x >= 1, in 16.16 fixed point (no libm on this path). */
static uint64_t
log2_q16(uint32_t x)
{
	int ip = 31 - __builtin_clz(x);
	uint64_t y = ((uint64_t)x << 30) >> ip; /* x / 2^ip in Q30, in [1, 2) */
	uint64_t r = (uint64_t)ip << 16;

	for (int b = 15; b >= 0; b--) {
		y = (y * y) >> 30;
		if (y >= (2ull << 30)) {
			y >>= 1;
			r |= 1ull << b;
		}
	}
	return r;
}

#define ENTROPY_MIN_LEN 16
#define ENTROPY_MAX_LEN 4096

static bool
val_entropy(const char *s, size_t n)
{
	uint32_t count[256] = { 0 };
	bool lower = false, upper = false, digit = false, hex = true;
	uint64_t nlog, sum = 0, t, cap;

	if (n < ENTROPY_MIN_LEN || n > ENTROPY_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!is_alnum(c) && c != '+' && c != '/' && c != '=' && c != '_' && c != '-')
			return false;
		lower |= is_lower(c);
		upper |= is_upper(c);
		digit |= is_digit(c);
		hex &= is_digit(c) || (to_upper(c) >= 'A' && to_upper(c) <= 'F');
		count[(uint8_t)c]++;
	}
	if (lower + upper + digit < 2)
		return false;
	/* n * H = n log2 n - sum(c log2 c), compared with n * threshold */
	nlog = log2_q16((uint32_t)n);
	for (size_t c = 0; c < 256; c++)
		if (count[c] > 1)
			sum += count[c] * log2_q16(count[c]);
	t = nlog * 85 / 100;
	cap = (hex ? 33 : 40) * 65536ull / 10;
	if (t > cap)
		t = cap;
	return n * nlog - sum >= n * t;
}

bool
ar_validate(enum ar_validator v, const char *s, size_t n)
{
	if (s == NULL && n > 0)
		return false;
	switch (v) {
	case AR_VAL_NONE:
		return true;
	case AR_VAL_LUHN:
		return val_luhn(s, n);
	case AR_VAL_CN_ID:
		return val_cn_id(s, n);
	case AR_VAL_IBAN:
		return val_iban(s, n);
	case AR_VAL_US_SSN:
		return val_us_ssn(s, n);
	case AR_VAL_CN_MOBILE:
		return val_cn_mobile(s, n);
	case AR_VAL_E164:
		return val_e164(s, n);
	case AR_VAL_EMAIL:
		return val_email(s, n);
	case AR_VAL_IPV4:
		return val_ipv4(s, n);
	case AR_VAL_IPV6:
		return val_ipv6(s, n);
	case AR_VAL_JWT:
		return val_jwt(s, n);
	case AR_VAL_PRIVATE_KEY:
		return val_private_key(s, n);
	case AR_VAL_ENTROPY:
		return val_entropy(s, n);
	case AR_VAL_MAX:
		break;
	}
	return false;
}

/* ---- masking ----------------------------------------------------------- */

/* Length of the UTF-8 character at s[i]; a stray byte counts as one. */
static size_t
char_len(const char *s, size_t n, size_t i)
{
	size_t k = 1;

	if ((uint8_t)s[i] >= 0xC0)
		while (i + k < n && k < 4 && ((uint8_t)s[i + k] & 0xC0) == 0x80)
			k++;
	return k;
}

struct mask_out {
	char *buf;
	size_t cap, len;
	bool full;
};

/* Appends a kept character whole, or marks the output full. */
static void
put_bytes(struct mask_out *m, const char *p, size_t k)
{
	if (m->full || m->len + k > m->cap - 1) {
		m->full = true;
		return;
	}
	memcpy(m->buf + m->len, p, k);
	m->len += k;
}

/*
 * Masks the characters of s[0, n): the first @head and the last @tail are
 * kept (head + tail <= the number of characters), each of the others
 * becomes one '*'.
 */
static void
mask_span(struct mask_out *m, const char *s, size_t n, size_t head, size_t tail)
{
	size_t chars = 0, i, k, c = 0;

	for (i = 0; i < n; i += char_len(s, n, i))
		chars++;
	for (i = 0; i < n && !m->full; i += k, c++) {
		k = char_len(s, n, i);
		if (c < head || c >= chars - tail)
			put_bytes(m, s + i, k);
		else
			put_bytes(m, "*", 1);
	}
}

size_t
ar_mask(const char *s, size_t n, char *out, size_t cap)
{
	struct mask_out m = { .buf = out, .cap = cap };
	const char *at;
	size_t chars = 0;

	if (cap == 0)
		return 0;
	if (s == NULL)
		n = 0;
	at = n ? memchr(s, '@', n) : NULL;
	if (at != NULL && at > s && (size_t)(at - s) + 1 < n) {
		/* e-mail: first character of the local part, the whole domain */
		size_t local = (size_t)(at - s);
		mask_span(&m, s, local, 1, 0);
		mask_span(&m, at, n - local, n - local, 0);
	} else {
		for (size_t i = 0; i < n; i += char_len(s, n, i))
			chars++;
		if (chars >= 11)
			mask_span(&m, s, n, 3, 4);
		else if (chars >= 3)
			mask_span(&m, s, n, 1, 1);
		else
			mask_span(&m, s, n, 0, 0);
	}
	out[m.len] = '\0';
	return m.len;
}
