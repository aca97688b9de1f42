/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Field extraction: walks a query string or form body, a Cookie header, a
 * JSON document or a multipart/form-data body and hands each (name, value)
 * pair to a callback, pointing into the caller's buffer.
 *
 * Why hand-written: the worker inspects bodies at more than 100k requests
 * per second per core with no allocation per transaction. json-c or jansson
 * build a tree with malloc, and what we need is each value's path and its
 * raw bytes where they already are. So the JSON walker is a single-pass,
 * bounded-depth tokenizer over the RFC 8259 grammar (objects, arrays,
 * strings whose escapes are validated but not decoded, numbers per the
 * grammar, true/false/null, whitespace) that keeps the path in a fixed
 * stack buffer, with the path length of each open container on a stack of
 * AR_JSON_MAX_DEPTH entries. The other walkers are a split loop each.
 *
 * Bodies may be cut at their capture cap, so every walker treats the end of
 * its input as "maybe more was coming":
 *  - JSON: every value complete before the cut is handed out, then
 *    AR_WALK_TRUNCATED. A string cut in the middle is handed out as far as
 *    it goes (kind STRING, its raw bytes up to the end of the input, even
 *    inside an escape), so its value is a prefix of the whole one. A
 *    number that runs into the end inside a container is not handed out
 *    (it may be longer), nor is a cut literal ("tr"). At the top level
 *    the input is the whole document, so "12" is the number 12, while
 *    "12." is TRUNCATED with nothing handed out: the one case where a
 *    shorter cut gives more. Any prefix of a valid document gives
 *    AR_WALK_OK or AR_WALK_TRUNCATED, never INVALID: an empty input, or a
 *    cut UTF-8 byte order mark, is TRUNCATED.
 *  - multipart: a part whose headers are cut is not handed out; a part
 *    whose body is cut is handed out up to the cut, less any tail that
 *    could be the start of the next delimiter, so its value is a prefix of
 *    the whole one. A body without its closing delimiter (or without any
 *    delimiter) is TRUNCATED.
 *
 * JSON strings are not checked for valid UTF-8: inspection must see the
 * bytes an attacker sent whether or not they decode. A path longer than
 * AR_JSON_MAX_PATH is cut to exactly AR_JSON_MAX_PATH bytes, so a name of
 * that length may have been cut.
 */
#include <string.h>

#include "ar_match.h"

/* ------------------------------------------------------------------ */
/* Form and cookie                                                     */
/* ------------------------------------------------------------------ */

enum ar_walk_status
ar_form_walk(const char *s, size_t n, bool semicolon, ar_field_cb cb, void *user)
{
	const char sep2 = semicolon ? ';' : '&';
	size_t i = 0;

	while (i < n) {
		size_t start = i, eq = SIZE_MAX;

		for (; i < n; i++) {
			char c = s[i];
			if (c == '&' || c == sep2)
				break;
			if (c == '=' && eq == SIZE_MAX)
				eq = i;
		}
		/* s[start, i) is one pair; skip it when empty or a lone '=' */
		if (i > start + (eq != SIZE_MAX)) {
			const char *name = s + start, *value;
			size_t nl, vl;

			if (eq == SIZE_MAX) {
				nl = i - start;
				value = s + i;
				vl = 0;
			} else {
				nl = eq - start;
				value = s + eq + 1;
				vl = i - eq - 1;
			}
			if (cb(user, AR_FIELD_STRING, name, nl, value, vl))
				return AR_WALK_STOPPED;
		}
		i++;
	}
	return AR_WALK_OK;
}

static inline bool
is_sp(char c)
{
	return c == ' ' || c == '\t';
}

enum ar_walk_status
ar_cookie_walk(const char *s, size_t n, ar_field_cb cb, void *user)
{
	size_t i = 0;

	while (i < n) {
		size_t start, end, eq = SIZE_MAX;

		while (i < n && is_sp(s[i]))
			i++;
		start = i;
		for (; i < n && s[i] != ';'; i++)
			if (s[i] == '=' && eq == SIZE_MAX)
				eq = i;
		end = i;
		while (end > start && is_sp(s[end - 1]))
			end--;
		i++;
		if (end == start || (eq == start && end == start + 1))
			continue; /* empty, or a lone '=' */
		if (eq == SIZE_MAX) {
			/* no '=': a value without a name, as browsers read it */
			if (cb(user, AR_FIELD_STRING, s + start, 0, s + start, end - start))
				return AR_WALK_STOPPED;
			continue;
		}
		size_t ne = eq, vs = eq + 1;
		while (ne > start && is_sp(s[ne - 1]))
			ne--;
		while (vs < end && is_sp(s[vs]))
			vs++;
		if (cb(user, AR_FIELD_STRING, s + start, ne - start, s + vs, end - vs))
			return AR_WALK_STOPPED;
	}
	return AR_WALK_OK;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

enum {
	J_WS = 1 << 0,    /* insignificant whitespace */
	J_STR = 1 << 1,   /* ends a run of plain string bytes: " \ and controls */
	J_DIGIT = 1 << 2, /* 0-9 */
	J_HEX = 1 << 3,   /* 0-9 a-f A-F */
	J_DELIM = 1 << 4, /* may follow a number or literal: whitespace , ] } */
	J_ID0 = 1 << 5,   /* may start a plain key: A-Z a-z _ */
	J_ID = 1 << 6,    /* may continue a plain key: A-Z a-z 0-9 _ - */
	J_ESC1 = 1 << 7,  /* one-letter escape after '\': " \ / b f n r t */
};

static const uint8_t jcls[256] = {
	[0x00 ... 0x08] = J_STR,
	['\t'] = J_STR | J_WS | J_DELIM,
	['\n'] = J_STR | J_WS | J_DELIM,
	[0x0b ... 0x0c] = J_STR,
	['\r'] = J_STR | J_WS | J_DELIM,
	[0x0e ... 0x1f] = J_STR,
	[' '] = J_WS | J_DELIM,
	['"'] = J_STR | J_ESC1,
	[','] = J_DELIM,
	['-'] = J_ID,
	['/'] = J_ESC1,
	['0' ... '9'] = J_DIGIT | J_HEX | J_ID,
	['A' ... 'F'] = J_HEX | J_ID0 | J_ID,
	['G' ... 'Z'] = J_ID0 | J_ID,
	['\\'] = J_STR | J_ESC1,
	[']'] = J_DELIM,
	['_'] = J_ID0 | J_ID,
	['a'] = J_HEX | J_ID0 | J_ID,
	['b'] = J_HEX | J_ID0 | J_ID | J_ESC1,
	['c' ... 'e'] = J_HEX | J_ID0 | J_ID,
	['f'] = J_HEX | J_ID0 | J_ID | J_ESC1,
	['g' ... 'm'] = J_ID0 | J_ID,
	['n'] = J_ID0 | J_ID | J_ESC1,
	['o' ... 'q'] = J_ID0 | J_ID,
	['r'] = J_ID0 | J_ID | J_ESC1,
	['s'] = J_ID0 | J_ID,
	['t'] = J_ID0 | J_ID | J_ESC1,
	['u' ... 'z'] = J_ID0 | J_ID,
	['}'] = J_DELIM,
};

enum scan {
	SCAN_OK,  /* complete */
	SCAN_CUT, /* the input ended inside */
	SCAN_BAD, /* not valid */
};

static inline size_t
skip_ws(const uint8_t *u, size_t n, size_t p)
{
	while (p < n && (jcls[u[p]] & J_WS))
		p++;
	return p;
}

/*
 * Scans a string whose opening quote precedes @p. On SCAN_OK *end is the
 * index of the closing quote.
 */
static inline enum scan
scan_string(const uint8_t *u, size_t n, size_t p, size_t *end)
{
	for (;;) {
		while (p < n && !(jcls[u[p]] & J_STR))
			p++;
		if (p == n)
			return SCAN_CUT;
		if (u[p] == '"') {
			*end = p;
			return SCAN_OK;
		}
		if (u[p] != '\\')
			return SCAN_BAD; /* control character */
		if (++p == n)
			return SCAN_CUT;
		if (jcls[u[p]] & J_ESC1) {
			p++;
			continue;
		}
		if (u[p] != 'u')
			return SCAN_BAD;
		for (int i = 0; i < 4; i++) {
			if (++p == n)
				return SCAN_CUT;
			if (!(jcls[u[p]] & J_HEX))
				return SCAN_BAD;
		}
		p++;
	}
}

static inline size_t
skip_digits(const uint8_t *u, size_t n, size_t p)
{
	while (p < n && (jcls[u[p]] & J_DIGIT))
		p++;
	return p;
}

/* Scans a number starting at @p; on SCAN_OK *end is one past it. */
static inline enum scan
scan_number(const uint8_t *u, size_t n, size_t p, size_t *end)
{
	if (u[p] == '-' && ++p == n)
		return SCAN_CUT;
	if (u[p] == '0')
		p++;
	else if (jcls[u[p]] & J_DIGIT)
		p = skip_digits(u, n, p + 1);
	else
		return SCAN_BAD;
	if (p < n && u[p] == '.') {
		if (++p == n)
			return SCAN_CUT;
		if (!(jcls[u[p]] & J_DIGIT))
			return SCAN_BAD;
		p = skip_digits(u, n, p + 1);
	}
	if (p < n && (u[p] | 0x20) == 'e') {
		if (++p < n && (u[p] == '+' || u[p] == '-'))
			p++;
		if (p == n)
			return SCAN_CUT;
		if (!(jcls[u[p]] & J_DIGIT))
			return SCAN_BAD;
		p = skip_digits(u, n, p + 1);
	}
	*end = p;
	return SCAN_OK;
}

/* Appends @len bytes to the path, cut at AR_JSON_MAX_PATH. */
static inline size_t
path_add(char *path, size_t plen, const void *src, size_t len)
{
	size_t room = AR_JSON_MAX_PATH - plen;

	if (len > room)
		len = room;
	memcpy(path + plen, src, len);
	return plen + len;
}

/* Appends the segment of member key @k (raw, @kl bytes). */
static inline size_t
path_add_key(char *path, size_t plen, const uint8_t *k, size_t kl)
{
	bool plain = kl > 0 && (jcls[k[0]] & J_ID0);

	for (size_t i = 1; plain && i < kl; i++)
		plain = jcls[k[i]] & J_ID;
	if (plain) {
		plen = path_add(path, plen, ".", 1);
		return path_add(path, plen, k, kl);
	}
	plen = path_add(path, plen, "[\"", 2);
	plen = path_add(path, plen, k, kl);
	return path_add(path, plen, "\"]", 2);
}

enum ar_walk_status
ar_json_walk(const char *s, size_t n, ar_field_cb cb, void *user)
{
	static const char bom[3] = { '\xef', '\xbb', '\xbf' };
	const uint8_t *u = (const uint8_t *)s;
	char path[AR_JSON_MAX_PATH];
	uint16_t base[AR_JSON_MAX_DEPTH]; /* path length of each open container */
	uint32_t objects = 0;             /* bit d: the container at depth d is an object */
	unsigned depth = 0;
	size_t plen = 1, pos = 0, end;
	enum scan sc;

	if (n < sizeof(bom) && (n == 0 || memcmp(s, bom, n) == 0))
		return AR_WALK_TRUNCATED;
	if (n >= sizeof(bom) && memcmp(s, bom, sizeof(bom)) == 0)
		pos = sizeof(bom);
	path[0] = '$';

value:
	/* a value is expected at pos; path names it */
	pos = skip_ws(u, n, pos);
	if (pos == n)
		return AR_WALK_TRUNCATED;
	switch (u[pos]) {
	case '{':
	case '[': {
		bool obj = u[pos] == '{';

		if (depth == AR_JSON_MAX_DEPTH)
			return AR_WALK_TOO_DEEP;
		if (cb(user, obj ? AR_FIELD_OBJECT : AR_FIELD_ARRAY, path, plen, s + pos, 0))
			return AR_WALK_STOPPED;
		base[depth] = (uint16_t)plen;
		if (obj)
			objects |= 1u << depth;
		else
			objects &= ~(1u << depth);
		depth++;
		pos = skip_ws(u, n, pos + 1);
		if (pos == n)
			return AR_WALK_TRUNCATED;
		if (u[pos] == (obj ? '}' : ']')) {
			pos++;
			depth--;
			goto after;
		}
		if (obj)
			goto member;
		plen = path_add(path, plen, "[]", 2);
		goto value;
	}
	case '"':
		sc = scan_string(u, n, pos + 1, &end);
		if (sc == SCAN_BAD)
			return AR_WALK_INVALID;
		if (sc == SCAN_CUT) {
			if (cb(user, AR_FIELD_STRING, path, plen, s + pos + 1, n - pos - 1))
				return AR_WALK_STOPPED;
			return AR_WALK_TRUNCATED;
		}
		if (cb(user, AR_FIELD_STRING, path, plen, s + pos + 1, end - pos - 1))
			return AR_WALK_STOPPED;
		pos = end + 1;
		goto after;
	case '-':
	case '0' ... '9':
		sc = scan_number(u, n, pos, &end);
		if (sc == SCAN_BAD)
			return AR_WALK_INVALID;
		if (sc == SCAN_CUT || (end == n && depth > 0))
			return AR_WALK_TRUNCATED;
		if (end < n && !(jcls[u[end]] & J_DELIM))
			return AR_WALK_INVALID;
		if (cb(user, AR_FIELD_NUMBER, path, plen, s + pos, end - pos))
			return AR_WALK_STOPPED;
		pos = end;
		goto after;
	case 't':
	case 'f':
	case 'n': {
		const char *lit = u[pos] == 't' ? "true" : u[pos] == 'f' ? "false" : "null";
		size_t ll = u[pos] == 'f' ? 5 : 4;

		if (n - pos < ll)
			return memcmp(s + pos, lit, n - pos) == 0 ? AR_WALK_TRUNCATED :
								    AR_WALK_INVALID;
		if (memcmp(s + pos, lit, ll) != 0)
			return AR_WALK_INVALID;
		end = pos + ll;
		if (end < n && !(jcls[u[end]] & J_DELIM))
			return AR_WALK_INVALID;
		if (cb(user, lit[0] == 'n' ? AR_FIELD_NULL : AR_FIELD_BOOL, path, plen, s + pos,
		       ll))
			return AR_WALK_STOPPED;
		pos = end;
		goto after;
	}
	default:
		return AR_WALK_INVALID;
	}

after:
	/* a value just ended; depth open containers are around it */
	pos = skip_ws(u, n, pos);
	if (depth == 0)
		return pos == n ? AR_WALK_OK : AR_WALK_INVALID;
	if (pos == n)
		return AR_WALK_TRUNCATED;
	plen = base[depth - 1];
	if (u[pos] == ',') {
		pos++;
		if (objects & (1u << (depth - 1)))
			goto member;
		plen = path_add(path, plen, "[]", 2);
		goto value;
	}
	if (u[pos] == ((objects & (1u << (depth - 1))) ? '}' : ']')) {
		pos++;
		depth--;
		goto after;
	}
	return AR_WALK_INVALID;

member:
	/* after '{' or ',' in an object: "key" ':' */
	pos = skip_ws(u, n, pos);
	if (pos == n)
		return AR_WALK_TRUNCATED;
	if (u[pos] != '"')
		return AR_WALK_INVALID;
	sc = scan_string(u, n, pos + 1, &end);
	if (sc != SCAN_OK)
		return sc == SCAN_CUT ? AR_WALK_TRUNCATED : AR_WALK_INVALID;
	plen = path_add_key(path, plen, u + pos + 1, end - pos - 1);
	pos = skip_ws(u, n, end + 1);
	if (pos == n)
		return AR_WALK_TRUNCATED;
	if (u[pos] != ':')
		return AR_WALK_INVALID;
	pos++;
	goto value;
}

/* ------------------------------------------------------------------ */
/* Multipart                                                           */
/* ------------------------------------------------------------------ */

#define BOUNDARY_MAX 70 /* RFC 2046 */

/* Case-insensitive compare of @n bytes of @s with lower-case @lc. */
static inline bool
eq_lower(const char *s, const char *lc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lc[i])
			return false;
	}
	return true;
}

/*
 * Reads the next "name=value" parameter of a header value from @p (at a
 * ';' or at the start of a parameter) to @e. Returns the position after
 * it, or @e when there is none left. Quoted values are given without
 * their quotes, still escaped; *ok is false for an unterminated quote.
 */
static const char *
next_param(const char *p, const char *e, const char **name, size_t *nl, const char **val,
	   size_t *vl, bool *ok)
{
	const char *ne;

	*ok = true;
	while (p < e && (*p == ';' || is_sp(*p)))
		p++;
	*name = p;
	while (p < e && *p != '=' && *p != ';')
		p++;
	ne = p;
	while (ne > *name && is_sp(ne[-1]))
		ne--;
	*nl = (size_t)(ne - *name);
	*val = p;
	*vl = 0;
	if (p == e || *p == ';')
		return p;
	p++;
	while (p < e && is_sp(*p))
		p++;
	if (p < e && *p == '"') {
		*val = ++p;
		while (p < e && *p != '"') {
			if (*p == '\\' && p + 1 < e)
				p++;
			p++;
		}
		if (p == e) {
			*ok = false;
			*vl = (size_t)(e - *val);
			return e;
		}
		*vl = (size_t)(p - *val);
		p++;
		while (p < e && *p != ';')
			p++; /* anything after the closing quote */
		return p;
	}
	*val = p;
	while (p < e && *p != ';' && !is_sp(*p))
		p++;
	*vl = (size_t)(p - *val);
	while (p < e && *p != ';')
		p++;
	return p;
}

bool
ar_multipart_boundary(const char *ctype, size_t n, const char **boundary, size_t *len)
{
	const char *p, *e, *name, *val;
	size_t nl, vl;
	bool ok;

	if (ctype == NULL)
		return false;
	e = ctype + n;
	p = memchr(ctype, ';', n);
	while (p != NULL && p < e) {
		p = next_param(p, e, &name, &nl, &val, &vl, &ok);
		if (nl == 8 && eq_lower(name, "boundary", 8)) {
			if (!ok || vl == 0 || vl > BOUNDARY_MAX)
				return false;
			*boundary = val;
			*len = vl;
			return true;
		}
	}
	return false;
}

enum delim {
	DL_PART,  /* a delimiter line: the next part starts at *next */
	DL_CLOSE, /* the close delimiter */
	DL_CUT,   /* the input ends before the line does */
	DL_NO,    /* the bytes after "--boundary" make it no delimiter */
};

/* Classifies what follows "--boundary" at @k. */
static enum delim
delim_tail(const char *s, size_t n, size_t k, size_t *next)
{
	if (k == n)
		return DL_CUT;
	if (s[k] == '-') {
		if (k + 1 == n)
			return DL_CUT;
		return s[k + 1] == '-' ? DL_CLOSE : DL_NO;
	}
	while (k < n && is_sp(s[k]))
		k++; /* transport padding */
	if (k < n && s[k] == '\r')
		k++;
	if (k == n)
		return DL_CUT;
	if (s[k] != '\n')
		return DL_NO;
	*next = k + 1;
	return DL_PART;
}

/*
 * Finds the next delimiter: "--boundary" preceded by a line feed at or
 * after @from (at 0 also at the very start). @dl is "\r\n--boundary",
 * @dn its length. *at is the index where the delimiter starts (its line
 * feed, or 0 at the very start), SIZE_MAX when there is none; that is
 * DL_CUT too.
 */
static enum delim
find_delim(const char *s, size_t n, size_t from, const char *dl, size_t dn, size_t *at,
	   size_t *next)
{
	enum delim d;

	if (from == 0 && n >= dn - 2 && memcmp(s, dl + 2, dn - 2) == 0) {
		d = delim_tail(s, n, dn - 2, next);
		if (d != DL_NO) {
			*at = 0;
			return d;
		}
	}
	while (from < n) {
		const char *q = memmem(s + from, n - from, dl + 1, dn - 1);

		if (q == NULL)
			break;
		size_t qi = (size_t)(q - s);
		d = delim_tail(s, n, qi + dn - 1, next);
		if (d != DL_NO) {
			*at = qi;
			return d;
		}
		from = qi + 1;
	}
	*at = SIZE_MAX;
	return DL_CUT;
}

/*
 * Length of the longest tail of a body cut at @n (starting at @body) that
 * could be the start of the delimiter ending it: "\r\n--boundary" within
 * the body, or "\n--boundary" from the line feed that ends the headers.
 * A cut body must not hand that out, so that it stays a prefix of the
 * whole one.
 */
static size_t
delim_start_tail(const char *s, size_t n, size_t body, const char *dl, size_t dn)
{
	size_t k = dn - 1 < n - (body - 1) ? dn - 1 : n - (body - 1);

	for (; k > 0; k--) {
		if (n - k >= body && memcmp(s + n - k, dl, k) == 0)
			return k;
		if (memcmp(s + n - k, dl + 1, k) == 0)
			return k;
	}
	return 0;
}

/*
 * Reads the part headers from @p; returns the index after the empty line
 * that ends them, or SIZE_MAX when the input ends first. Picks the name
 * and filename parameters of Content-Disposition (first of each wins; the
 * RFC 5987 "filename*" only when there is no "filename").
 */
static size_t
part_headers(const char *s, size_t n, size_t p, const char **name, size_t *nl, const char **fname,
	     size_t *fl, bool *has_fname)
{
	bool star = false, have_name = false;

	*name = s + p;
	*nl = 0;
	*fname = NULL;
	*fl = 0;
	*has_fname = false;
	for (;;) {
		const char *lf = memchr(s + p, '\n', n - p);
		const char *l = s + p, *le;

		if (lf == NULL)
			return SIZE_MAX;
		le = lf;
		if (le > l && le[-1] == '\r')
			le--;
		p = (size_t)(lf - s) + 1;
		if (le == l)
			return p;
		if (le - l < 20 || !eq_lower(l, "content-disposition", 19))
			continue;
		l += 19;
		while (l < le && is_sp(*l))
			l++;
		if (l == le || *l != ':')
			continue;
		l = memchr(l, ';', (size_t)(le - l));
		while (l != NULL && l < le) {
			const char *pn, *pv;
			size_t pnl, pvl;
			bool ok;

			l = next_param(l, le, &pn, &pnl, &pv, &pvl, &ok);
			if (pnl == 4 && eq_lower(pn, "name", 4) && !have_name) {
				*name = pv;
				*nl = pvl;
				have_name = true;
			} else if (pnl == 8 && eq_lower(pn, "filename", 8) &&
				   (!*has_fname || star)) {
				*fname = pv;
				*fl = pvl;
				*has_fname = true;
				star = false;
			} else if (pnl == 9 && eq_lower(pn, "filename*", 9) && !*has_fname) {
				*fname = pv;
				*fl = pvl;
				*has_fname = true;
				star = true;
			}
		}
	}
}

enum ar_walk_status
ar_multipart_walk(const char *s, size_t n, const char *boundary, size_t boundary_len,
		  ar_field_cb cb, void *user)
{
	char dl[4 + BOUNDARY_MAX];
	size_t dn = 4 + boundary_len, at, p;
	enum delim d;

	if (boundary == NULL || boundary_len == 0 || boundary_len > BOUNDARY_MAX)
		return AR_WALK_INVALID;
	memcpy(dl, "\r\n--", 4);
	memcpy(dl + 4, boundary, boundary_len);
	if (n == 0)
		return AR_WALK_TRUNCATED;

	/* the preamble, up to the first delimiter, is ignored */
	d = find_delim(s, n, 0, dl, dn, &at, &p);
	while (d == DL_PART) {
		const char *name, *fname;
		size_t nl, fl, body, end;
		bool has_fname;

		body = part_headers(s, n, p, &name, &nl, &fname, &fl, &has_fname);
		if (body == SIZE_MAX)
			return AR_WALK_TRUNCATED;
		/* the line feed ending the headers may be the delimiter's */
		d = find_delim(s, n, body - 1, dl, dn, &at, &p);
		if (at == SIZE_MAX) {
			end = n - delim_start_tail(s, n, body, dl, dn);
		} else {
			end = at;
			if (end > body && s[end - 1] == '\r')
				end--;
		}
		if (end < body)
			end = body;
		if (has_fname && cb(user, AR_FIELD_STRING, "filename", 8, fname, fl))
			return AR_WALK_STOPPED;
		if (cb(user, AR_FIELD_STRING, name, nl, s + body, end - body))
			return AR_WALK_STOPPED;
	}
	return d == DL_CLOSE ? AR_WALK_OK : AR_WALK_TRUNCATED;
}
