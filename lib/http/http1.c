/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x one-direction parser: incremental, zero-copy, allocation-free.
 *
 * The input is walked by a state machine whose states scan runs of bytes
 * (with 256-entry class tables, 16 bytes at a time where the class is "not
 * a control character", or memchr) and hand each run to the callbacks as
 * one piece. Methods, versions and the header names that matter (framing,
 * fields kept by lib/http) are recognised in place when the token and its
 * end are in the buffer at hand; only a token that spans two buffers is
 * copied, up to sizeof(p->tok) bytes, into the parser. The pieces handed
 * out always point into the caller's buffer, except the 3-digit status,
 * the space standing for an obs-fold and bytes replayed after a resync,
 * which point into the parser or a static string.
 *
 * Most header lines arrive whole in one buffer: S_HDR_START then takes the
 * line at once (hdr_line()), with the same callbacks, accounting and
 * anomalies as the byte-by-byte states, which handle everything else
 * (lines split across buffers, obs-fold, bare CR or LF, bad names, limits).
 *
 * Policies on bad input (all reported through on_anomaly, once per message):
 *  - start line longer than max_line: its pieces are cut at max_line bytes,
 *    the rest of the line is skipped, parsing goes on;
 *  - more than max_header_count headers or more than max_header_bytes in the
 *    header block: no more header callbacks for this block (pieces are cut
 *    at the byte limit and the header in progress never gets its
 *    on_header_done), but the block is still parsed to its end so that
 *    Content-Length and Transfer-Encoding keep the framing right;
 *  - a header line that is not "name: value": reported, skipped; pieces of
 *    it already handed out never get on_header_done (consumers commit a
 *    header on on_header_done only);
 *  - a start line that is not HTTP: on the first message of a stream the
 *    parser gives up (returns -1); later, the message is aborted (completed
 *    with the aborted flag) and the parser resynchronises on the next line
 *    that starts a message. Bad chunk framing does the same.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ar_http.h"
#include "http_priv.h"

enum {
	S_START = 0,
	S_REQ_METHOD,
	S_REQ_TARGET,
	S_REQ_VERSION,
	S_REQ_LINE_LF,
	S_RESP_VERSION,
	S_RESP_STATUS,
	S_RESP_REASON,
	S_RESP_LINE_LF,
	S_HDR_START,
	S_HDR_NAME,
	S_HDR_NAME_WS,
	S_HDR_OWS,
	S_HDR_FOLD,
	S_HDR_VALUE,
	S_HDR_VALUE_LF,
	S_HDR_SKIP,
	S_HDR_END_LF,
	S_BODY_LEN,
	S_CHUNK_SIZE,
	S_CHUNK_EXT,
	S_CHUNK_SIZE_LF,
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_BODY_EOF,
	S_RESYNC,
	S_TUNNEL,
	S_DEAD,
};

#define MAX_METHOD_LEN  32
#define MAX_VERSION_LEN 16
#define MAX_CHUNK_SIZE  (UINT64_C(1) << 56)
#define MAX_CL          UINT64_C(999999999999999999)

/* Character classes. */
#define C_TCHAR 0x01 /* token (method, header name) */
#define C_VCHAR 0x02 /* header value, reason phrase: VCHAR, obs-text, SP, HT */
#define C_TGT   0x04 /* request target: VCHAR, obs-text */
#define C_VERS  0x08 /* version: token or '/' */

#define TV (C_TCHAR | C_VCHAR | C_TGT | C_VERS)
#define VT (C_VCHAR | C_TGT)

static const uint8_t cls[256] = {
	['\t'] = C_VCHAR,   [' '] = C_VCHAR,     ['!'] = TV,           ['"'] = VT,  ['#'] = TV,
	['$'] = TV,         ['%'] = TV,          ['&'] = TV,           ['\''] = TV, ['('] = VT,
	[')'] = VT,         ['*'] = TV,          ['+'] = TV,           [','] = VT,  ['-'] = TV,
	['.'] = TV,         ['/'] = VT | C_VERS, ['0' ... '9'] = TV,   [':'] = VT,  [';'] = VT,
	['<'] = VT,         ['='] = VT,          ['>'] = VT,           ['?'] = VT,  ['@'] = VT,
	['A' ... 'Z'] = TV, ['['] = VT,          ['\\'] = VT,          [']'] = VT,  ['^'] = TV,
	['_'] = TV,         ['`'] = TV,          ['a' ... 'z'] = TV,   ['{'] = VT,  ['|'] = TV,
	['}'] = VT,         ['~'] = TV,          [0x80 ... 0xff] = VT,
};

/* hex digit value + 1; 0: not a hex digit */
static const uint8_t hexval1[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline uint8_t
lower(uint8_t c)
{
	return (uint8_t)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
}

/* Returns the first byte at or after @s not in class @c. */
static inline const uint8_t *
scan(const uint8_t *s, const uint8_t *end, uint8_t c)
{
	while (end - s >= 4) {
		if (!(cls[s[0]] & c))
			return s;
		if (!(cls[s[1]] & c))
			return s + 1;
		if (!(cls[s[2]] & c))
			return s + 2;
		if (!(cls[s[3]] & c))
			return s + 3;
		s += 4;
	}
	while (s < end && (cls[*s] & c))
		s++;
	return s;
}

#if defined(__SSE2__)
/* Bit i set when byte i of @x is a control character (0x00-0x1f) or DEL;
 * with @ws, SP counts as one too and HT does not. */
static inline unsigned
ctl_mask(__m128i x, bool ws)
{
	__m128i lo = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(ws ? 0x1f : 0x20)), x);

	if (ws)
		lo = _mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), lo);
	return (unsigned)_mm_movemask_epi8(
		_mm_or_si128(lo, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))));
}
#endif

/*
 * scan() for the long runs: header values and reason phrases (C_VCHAR,
 * @ws true) and request targets (C_TGT). Both classes are "not a control
 * character", so 16 bytes are checked at a time; the last 15 bytes of a
 * buffer go through the table.
 */
static inline const uint8_t *
scan_text(const uint8_t *s, const uint8_t *end, bool ws)
{
#if defined(__SSE2__)
	while (end - s >= 16) {
		unsigned m = ctl_mask(_mm_loadu_si128((const __m128i *)(const void *)s), ws);
		if (m != 0)
			return s + __builtin_ctz(m);
		s += 16;
	}
#endif
	return scan(s, end, ws ? C_VCHAR : C_TGT);
}

/*
 * Case-insensitive compare of a name made of tchars with a lower-case
 * name of letters and '-'. OR-ing 0x20 turns an upper-case letter into
 * its lower case and leaves '-' alone, and turns no other tchar into a
 * letter or '-', so the compare works word by word, in place. 4 <= len.
 */
static inline uint64_t
ld8(const void *s, uint64_t set)
{
	uint64_t v;

	memcpy(&v, s, 8);
	return v | set;
}

static inline uint32_t
ld4(const void *s, uint32_t set)
{
	uint32_t v;

	memcpy(&v, s, 4);
	return v | set;
}

static inline bool
name_is(const uint8_t *s, size_t len, const char *lc)
{
	const uint64_t c8 = UINT64_C(0x2020202020202020);
	const uint32_t c4 = 0x20202020u;

	if (len < 8)
		return ld4(s, c4) == ld4(lc, 0) && ld4(s + len - 4, c4) == ld4(lc + len - 4, 0);
	for (size_t i = 0; i + 8 < len; i += 8)
		if (ld8(s + i, c8) != ld8(lc + i, 0))
			return false;
	return ld8(s + len - 8, c8) == ld8(lc + len - 8, 0);
}

struct method_name {
	const char *name;
	uint8_t len;
	uint8_t id;
};

static const struct method_name methods[] = {
	{ "GET", 3, AR_HTTP_M_GET },         { "POST", 4, AR_HTTP_M_POST },
	{ "PUT", 3, AR_HTTP_M_PUT },         { "HEAD", 4, AR_HTTP_M_HEAD },
	{ "DELETE", 6, AR_HTTP_M_DELETE },   { "PATCH", 5, AR_HTTP_M_PATCH },
	{ "OPTIONS", 7, AR_HTTP_M_OPTIONS }, { "CONNECT", 7, AR_HTTP_M_CONNECT },
	{ "TRACE", 5, AR_HTTP_M_TRACE },
};

/* Methods are case-sensitive. */
static uint8_t
method_id(const void *s, size_t len)
{
	switch (len) {
	case 3:
		if (memcmp(s, "GET", 3) == 0)
			return AR_HTTP_M_GET;
		if (memcmp(s, "PUT", 3) == 0)
			return AR_HTTP_M_PUT;
		break;
	case 4:
		if (memcmp(s, "POST", 4) == 0)
			return AR_HTTP_M_POST;
		if (memcmp(s, "HEAD", 4) == 0)
			return AR_HTTP_M_HEAD;
		break;
	case 5:
		if (memcmp(s, "PATCH", 5) == 0)
			return AR_HTTP_M_PATCH;
		if (memcmp(s, "TRACE", 5) == 0)
			return AR_HTTP_M_TRACE;
		break;
	case 6:
		if (memcmp(s, "DELETE", 6) == 0)
			return AR_HTTP_M_DELETE;
		break;
	case 7:
		if (memcmp(s, "OPTIONS", 7) == 0)
			return AR_HTTP_M_OPTIONS;
		if (memcmp(s, "CONNECT", 7) == 0)
			return AR_HTTP_M_CONNECT;
		break;
	default:
		break;
	}
	return AR_HTTP_M_OTHER;
}

/* The known header @s (@len tchars, any case) names; matched in place. */
static uint8_t
hdr_id(const uint8_t *s, size_t len)
{
	switch (len) {
	case 4:
		return name_is(s, 4, "host") ? HTTP_H_HOST : HTTP_H_OTHER;
	case 7:
		return name_is(s, 7, "referer") ? HTTP_H_REFERER : HTTP_H_OTHER;
	case 8:
		return name_is(s, 8, "location") ? HTTP_H_LOCATION : HTTP_H_OTHER;
	case 10:
		return name_is(s, 10, "user-agent") ? HTTP_H_USER_AGENT : HTTP_H_OTHER;
	case 12:
		return name_is(s, 12, "content-type") ? HTTP_H_CONTENT_TYPE : HTTP_H_OTHER;
	case 14:
		return name_is(s, 14, "content-length") ? HTTP_H_CONTENT_LENGTH : HTTP_H_OTHER;
	case 17:
		return name_is(s, 17, "transfer-encoding") ? HTTP_H_TRANSFER_ENCODING :
							     HTTP_H_OTHER;
	default:
		return HTTP_H_OTHER;
	}
}

/*
 * Resync: is @s (@len bytes at the start of a line) the start of a message?
 * 2: yes, 1: could be with more bytes, 0: no.
 */
static int
msg_start_match(const char *s, size_t len, bool response)
{
	if (response) {
		size_t n = len < 7 ? len : 7;
		if (memcmp(s, "HTTP/1.", n) != 0)
			return 0;
		return len >= 7 ? 2 : 1;
	}
	int r = 0;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t ml = methods[i].len;
		size_t n = len < ml ? len : ml;
		if (memcmp(s, methods[i].name, n) != 0)
			continue;
		if (len <= ml) {
			r = 1;
			continue;
		}
		if (s[ml] == ' ')
			return 2;
	}
	return r;
}

bool
ar_http_detect_request(const uint8_t *data, size_t len)
{
	if (len > 16)
		len = 16;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t ml = methods[i].len;
		if (len > ml && memcmp(data, methods[i].name, ml) == 0 && data[ml] == ' ')
			return true;
	}
	return false;
}

bool
ar_http_detect_response(const uint8_t *data, size_t len)
{
	return len >= 7 && memcmp(data, "HTTP/1.", 7) == 0;
}

static void
anomaly(struct ar_http_parser *p, enum ar_http_anomaly an)
{
	uint32_t bit = 1u << an;

	if (p->an_seen & bit)
		return;
	p->an_seen |= bit;
	if (p->cbs->on_anomaly != NULL)
		p->cbs->on_anomaly(p, an);
}

void
ar_http_parser_init(struct ar_http_parser *p, bool is_response,
		    const struct ar_http_parser_cbs *cbs, const struct ar_http_limits *limits,
		    void *user)
{
	memset(p, 0, sizeof(*p));
	p->cbs = cbs;
	p->limits = limits;
	p->user = user;
	p->is_response = is_response;
	p->state = S_START;
	p->req_method = AR_HTTP_M_GET;
	p->req_version = 11;
}

void
http1_parser_init_ext(struct ar_http_parser *p, bool is_response, const struct http_cbs *cbs,
		      const struct ar_http_limits *limits, void *user)
{
	ar_http_parser_init(p, is_response, &cbs->pub, limits, user);
	if (cbs->on_header != NULL)
		p->flags |= HTTP_PF_EXT;
}

void
ar_http_parser_set_request_method(struct ar_http_parser *p, enum ar_http_method m)
{
	p->req_method = (uint8_t)m;
}

void
http1_parser_set_request(struct ar_http_parser *p, enum ar_http_method m, uint8_t version)
{
	p->req_method = (uint8_t)m;
	p->req_version = version;
}

void
http1_parser_tunnel(struct ar_http_parser *p)
{
	p->state = S_TUNNEL;
}

bool
http1_parser_idle(const struct ar_http_parser *p)
{
	return p->state == S_START;
}

/* ---- framing headers ------------------------------------------------ */

enum {
	CL_START = 0,
	CL_DIGITS,
	CL_WS,
	CL_BAD
};

static void
cl_feed(struct ar_http_parser *p, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n && p->cl_state != CL_BAD; i++) {
		uint8_t c = s[i];
		if (c >= '0' && c <= '9' && p->cl_state != CL_WS) {
			p->val = p->val * 10 + (uint64_t)(c - '0');
			p->cl_state = p->val > MAX_CL ? CL_BAD : CL_DIGITS;
		} else if ((c == ' ' || c == '\t') && p->cl_state != CL_START) {
			p->cl_state = CL_WS;
		} else {
			p->cl_state = CL_BAD;
		}
	}
}

static void
cl_done(struct ar_http_parser *p)
{
	if (p->cl_state == CL_START || p->cl_state == CL_BAD) {
		anomaly(p, AR_HTTP_AN_BAD_CL);
		p->flags |= HTTP_PF_BAD_CL;
		return;
	}
	if (!(p->flags & HTTP_PF_HAS_CL)) {
		p->flags |= HTTP_PF_HAS_CL;
		p->content_length = p->val;
	} else if (p->content_length == p->val) {
		anomaly(p, AR_HTTP_AN_DUP_CL);
	} else {
		anomaly(p, AR_HTTP_AN_CONFLICTING_CL);
	}
}

/*
 * Transfer-Encoding scanner. te_state bits:
 *  0-3  chars of "chunked" matched in the current list element (15: no)
 *  4-6  chars of "chunked" matched anywhere (substring search)
 *  7    "chunked" appears somewhere
 *  8    odd: whitespace or empty elements where a plain list has none
 *  9    an element before the current one was "chunked"
 *  10   current element has started
 *  11   current element is followed by whitespace
 *  12   the value is empty so far
 *  13   just after a comma
 */
#define TE_POS(s)     ((s)&0xf)
#define TE_SUB(s)     (((s) >> 4) & 0x7)
#define TE_MENTION    (1u << 7)
#define TE_ODD        (1u << 8)
#define TE_PREV_CHUNK (1u << 9)
#define TE_IN_TOK     (1u << 10)
#define TE_TRAIL_WS   (1u << 11)
#define TE_EMPTY      (1u << 12)
#define TE_COMMA      (1u << 13) /* just after a comma: one SP is plain */

static const char chunked[] = "chunked";

static void
te_feed(struct ar_http_parser *p, const uint8_t *s, size_t n)
{
	uint32_t st = p->te_state;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = lower(s[i]);
		uint32_t pos = TE_POS(st), sub = TE_SUB(st);

		st &= ~(uint32_t)TE_EMPTY;
		/* substring search; "chunked" has no repeated prefix */
		if (c == (uint8_t)chunked[sub])
			sub++;
		else
			sub = c == 'c' ? 1 : 0;
		if (sub == 7) {
			st |= TE_MENTION;
			sub = 0;
		}
		if (c == ',') {
			if (!(st & TE_IN_TOK))
				st |= TE_ODD;
			if (pos == 7)
				st |= TE_PREV_CHUNK;
			st &= ~(uint32_t)(TE_IN_TOK | TE_TRAIL_WS);
			st |= TE_COMMA;
			pos = 0;
		} else if (c == ' ' || c == '\t') {
			if ((st & TE_COMMA) && c == ' ')
				st &= ~(uint32_t)TE_COMMA;
			else if (st & TE_IN_TOK)
				st |= TE_TRAIL_WS;
			else
				st |= TE_ODD;
		} else {
			st &= ~(uint32_t)TE_COMMA;
			if (st & TE_TRAIL_WS) {
				st |= TE_ODD; /* whitespace inside an element */
				pos = 15;
			}
			st |= TE_IN_TOK;
			if (pos < 7 && c == (uint8_t)chunked[pos])
				pos++;
			else
				pos = 15;
		}
		st = (st & ~(uint32_t)0x7f) | (pos & 0xf) | (sub << 4);
	}
	p->te_state = (uint16_t)st;
}

static void
te_start(struct ar_http_parser *p, bool odd_ows)
{
	/* a second Transfer-Encoding header continues the list */
	uint32_t st = p->te_state;

	if (p->flags & HTTP_PF_HAS_TE) {
		if (TE_POS(st) == 7)
			st |= TE_PREV_CHUNK;
		st &= ~(uint32_t)(0x7f | TE_IN_TOK | TE_TRAIL_WS | TE_COMMA);
	} else {
		st = 0;
	}
	st |= TE_EMPTY;
	if (odd_ows)
		st |= TE_ODD;
	p->te_state = (uint16_t)st;
	p->flags |= HTTP_PF_HAS_TE;
}

static void
te_done(struct ar_http_parser *p)
{
	uint32_t st = p->te_state;

	if (st & TE_TRAIL_WS)
		st |= TE_ODD;
	if (st & TE_EMPTY)
		st |= TE_ODD;
	p->te_state = (uint16_t)st;
}

/* Framing from the Transfer-Encoding list, with its anomalies. */
static uint8_t
te_framing(struct ar_http_parser *p)
{
	uint32_t st = p->te_state;
	bool last = TE_POS(st) == 7;

	if (last && !(st & (TE_ODD | TE_PREV_CHUNK)))
		return AR_HTTP_BODY_CHUNKED;
	if ((st & (TE_MENTION | TE_PREV_CHUNK)) || last) {
		anomaly(p, AR_HTTP_AN_OBFUSCATED_TE);
		return (last || (st & TE_PREV_CHUNK)) ? AR_HTTP_BODY_CHUNKED : AR_HTTP_BODY_EOF;
	}
	anomaly(p, AR_HTTP_AN_UNKNOWN_TE);
	return AR_HTTP_BODY_EOF;
}

/* ---- main loop ------------------------------------------------------ */

#define CB_PIECE(name, at, n)                                                                      \
	do {                                                                                       \
		if (p->cbs->name != NULL && (n) > 0 &&                                             \
		    (rc = p->cbs->name(p, (const char *)(at), (n))) != 0)                          \
			goto out;                                                                  \
	} while (0)

#define CB_EVENT(name)                                                                             \
	do {                                                                                       \
		if (p->cbs->name != NULL && (rc = p->cbs->name(p)) != 0)                           \
			goto out;                                                                  \
	} while (0)

/* Ends the message in progress; the state to go to is set by the caller. */
#define COMPLETE()                                                                                 \
	do {                                                                                       \
		p->msg_bytes += (uint64_t)(s - m0);                                                \
		m0 = s;                                                                            \
		p->flags &= ~(uint16_t)HTTP_PF_IN_MSG;                                             \
		CB_EVENT(on_message_complete);                                                     \
	} while (0)

static void
begin_message(struct ar_http_parser *p)
{
	p->flags &= HTTP_PF_KEEP;
	p->flags |= HTTP_PF_IN_MSG;
	p->an_seen = 0;
	p->msg_bytes = 0;
	p->line_len = 0;
	p->header_bytes = 0;
	p->header_count = 0;
	p->status = 0;
	p->version = 0;
	p->method = AR_HTTP_M_OTHER;
	p->framing = AR_HTTP_BODY_NONE;
	p->content_length = 0;
	p->remaining = 0;
	p->te_state = 0;
	p->tok_len = 0;
	p->hdr_id = 0;
}

/*
 * Copies a token piece into tok (lower-cased with @fold). tok_len counts up
 * to sizeof(tok) and saturates at sizeof(tok) + 1: "longer than tok".
 */
static void
tok_add(struct ar_http_parser *p, const uint8_t *s, size_t n, bool fold)
{
	size_t room, m;

	if (n == 0)
		return;
	if (p->tok_len >= sizeof(p->tok)) {
		p->tok_len = sizeof(p->tok) + 1;
		return;
	}
	room = sizeof(p->tok) - p->tok_len;
	m = n < room ? n : room;
	for (size_t i = 0; i < m; i++)
		p->tok[p->tok_len + i] = (char)(fold ? lower(s[i]) : s[i]);
	p->tok_len = (uint8_t)(p->tok_len + m);
	if (n > m)
		p->tok_len = sizeof(p->tok) + 1;
}

/*
 * "HTTP/d.d" (@len bytes at @t: in tok, or in place) -> version; returns 0
 * when not HTTP at all, 1 when odd digits, 2 for HTTP/1.0 and HTTP/1.1.
 */
static int
parse_version(struct ar_http_parser *p, const void *at, size_t len)
{
	const char *t = at;

	if (len < 5 || memcmp(t, "HTTP/", 5) != 0)
		return 0;
	if (len == 8 && t[5] >= '0' && t[5] <= '9' && t[6] == '.' && t[7] >= '0' && t[7] <= '9') {
		p->version = (uint8_t)((t[5] - '0') * 10 + (t[7] - '0'));
		if (p->version == 10 || p->version == 11)
			return 2;
		return 1;
	}
	p->version = 11;
	return 1;
}

/* Header bytes accounting and its limit; returns how many of @n may be handed out. */
static inline size_t
hdr_budget(const struct ar_http_parser *p, size_t n)
{
	uint32_t max = p->limits->max_header_bytes;

	if (p->flags & HTTP_PF_HDR_SUPPR)
		return 0;
	if (p->header_bytes >= max)
		return 0;
	return n < max - p->header_bytes ? n : max - p->header_bytes;
}

static inline void
hdr_account(struct ar_http_parser *p, size_t n)
{
	uint64_t t = (uint64_t)p->header_bytes + n;

	p->header_bytes = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
	if (p->header_bytes > p->limits->max_header_bytes) {
		anomaly(p, AR_HTTP_AN_HEADER_TOO_LONG);
		p->flags |= HTTP_PF_HDR_SUPPR;
	}
}

static inline size_t
line_budget(const struct ar_http_parser *p, size_t n)
{
	uint32_t max = p->limits->max_line;

	if ((p->flags & HTTP_PF_LINE_SUPPR) || p->line_len >= max)
		return 0;
	return n < max - p->line_len ? n : max - p->line_len;
}

static inline void
line_account(struct ar_http_parser *p, size_t n)
{
	uint64_t t = (uint64_t)p->line_len + n;

	p->line_len = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
	if (p->line_len > p->limits->max_line) {
		anomaly(p, AR_HTTP_AN_LINE_TOO_LONG);
		p->flags |= HTTP_PF_LINE_SUPPR;
	}
}

static void
hdr_finish_framing(struct ar_http_parser *p)
{
	if (p->flags & HTTP_PF_TRAILER)
		return;
	if (p->hdr_id == HTTP_H_CONTENT_LENGTH)
		cl_done(p);
	else if (p->hdr_id == HTTP_H_TRANSFER_ENCODING)
		te_done(p);
}

static void
value_framing(struct ar_http_parser *p, const uint8_t *s, size_t n)
{
	if (p->flags & HTTP_PF_TRAILER)
		return;
	if (p->hdr_id == HTTP_H_CONTENT_LENGTH)
		cl_feed(p, s, n);
	else if (p->hdr_id == HTTP_H_TRANSFER_ENCODING)
		te_feed(p, s, n);
}

/*
 * What the states from S_HDR_NAME to S_HDR_VALUE do for the framing, for a
 * line whose name is [@s, @ne) (@ne: the colon) and value [@v, @ve).
 */
static inline void
hdr_line_framing(struct ar_http_parser *p, const uint8_t *s, const uint8_t *ne, const uint8_t *v,
		 const uint8_t *ve)
{
	uint8_t id = hdr_id(s, (size_t)(ne - s));

	p->hdr_id = id;
	if ((p->flags & HTTP_PF_TRAILER) ||
	    (id != HTTP_H_CONTENT_LENGTH && id != HTTP_H_TRANSFER_ENCODING))
		return;
	if (id == HTTP_H_CONTENT_LENGTH) {
		p->cl_state = CL_START;
		p->val = 0;
		cl_feed(p, v, (size_t)(ve - v));
	} else {
		/* the whitespace after the colon is plain when it is one SP */
		size_t ows = (size_t)(v - ne - 1);
		te_start(p, ows > 1 || (ows == 1 && ne[1] != ' '));
		te_feed(p, v, (size_t)(ve - v));
	}
}

/*
 * The fast path of the header block: one whole header line starting at
 * *@sp, its name ending at @ne (the colon), its value [@v, @ve) followed by
 * CRLF and by a byte that is not SP or HT (no obs-fold), all within the
 * header byte limit and with the callbacks on. Does what the states from
 * S_HDR_NAME back to S_HDR_START do byte by byte, with the same callbacks
 * (on_header for lib/http's own transaction layer). Returns non-zero when
 * a callback stopped the parser, which is then left where the byte-by-byte
 * walk would have stopped, *@sp included.
 */
static int
hdr_line(struct ar_http_parser *p, const uint8_t **sp, const uint8_t *ne, const uint8_t *v,
	 const uint8_t *ve)
{
	const struct ar_http_parser_cbs *cbs = p->cbs;
	const uint8_t *s = *sp;
	size_t nlen = (size_t)(ne - s), vlen = (size_t)(ve - v);
	int rc;

	if (p->flags & HTTP_PF_EXT) {
		/* p->cbs points to the first member of a struct http_cbs */
		const struct http_cbs *x = (const struct http_cbs *)cbs;
		hdr_line_framing(p, s, ne, v, ve);
		p->header_bytes += (uint32_t)(ve + 2 - s);
		if (p->hdr_id == HTTP_H_CONTENT_LENGTH || p->hdr_id == HTTP_H_TRANSFER_ENCODING)
			hdr_finish_framing(p);
		*sp = ve + 2;
		return x->on_header(p, (const char *)s, nlen, (const char *)v, vlen);
	}
	p->header_bytes += (uint32_t)nlen;
	if (cbs->on_header_name != NULL &&
	    (rc = cbs->on_header_name(p, (const char *)s, nlen)) != 0) {
		tok_add(p, s, nlen, true);
		*sp = ne;
		p->state = S_HDR_NAME;
		return rc;
	}
	hdr_line_framing(p, s, ne, v, ve);
	p->header_bytes += (uint32_t)(ve - ne);
	if (vlen > 0 && cbs->on_header_value != NULL &&
	    (rc = cbs->on_header_value(p, (const char *)v, vlen)) != 0) {
		*sp = ve;
		p->state = S_HDR_VALUE;
		return rc;
	}
	p->header_bytes += 2;
	hdr_finish_framing(p);
	*sp = ve + 2;
	return cbs->on_header_done != NULL ? cbs->on_header_done(p) : 0;
}

/* Decides the body framing at the end of the header block. */
static uint8_t
decide_framing(struct ar_http_parser *p, bool no_body)
{
	uint16_t f = p->flags;
	uint8_t te = AR_HTTP_BODY_NONE;

	if ((f & HTTP_PF_HAS_TE) && (f & (HTTP_PF_HAS_CL | HTTP_PF_BAD_CL)))
		anomaly(p, AR_HTTP_AN_CL_AND_TE);
	if (f & HTTP_PF_HAS_TE)
		te = te_framing(p);
	if (!p->is_response) {
		if (p->version == 9)
			return AR_HTTP_BODY_NONE;
		if (f & HTTP_PF_HAS_TE)
			return te;
		if ((f & HTTP_PF_HAS_CL) && p->content_length > 0)
			return AR_HTTP_BODY_LENGTH;
		return AR_HTTP_BODY_NONE;
	}
	if (p->status == 101)
		return AR_HTTP_BODY_TUNNEL;
	if (p->status < 200)
		return AR_HTTP_BODY_NONE;
	if (p->req_method == AR_HTTP_M_CONNECT && p->status < 300)
		return AR_HTTP_BODY_TUNNEL;
	if (no_body || p->req_method == AR_HTTP_M_HEAD || p->status == 204 || p->status == 304)
		return AR_HTTP_BODY_NONE;
	if (f & HTTP_PF_HAS_TE)
		return te;
	if (f & HTTP_PF_HAS_CL)
		return p->content_length > 0 ? AR_HTTP_BODY_LENGTH : AR_HTTP_BODY_NONE;
	return AR_HTTP_BODY_EOF;
}

/* Start-line failure: give up on a stream never seen as HTTP, else resync. */
static bool
start_line_bad(struct ar_http_parser *p, enum ar_http_anomaly an)
{
	if (!(p->flags & HTTP_PF_SEEN_MSG)) {
		p->state = S_DEAD;
		return false;
	}
	anomaly(p, an);
	return true;
}

static void
enter_resync(struct ar_http_parser *p, bool at_bol)
{
	p->state = S_RESYNC;
	p->tok_len = 0;
	if (at_bol)
		p->flags |= HTTP_PF_AT_BOL;
	else
		p->flags &= ~(uint16_t)HTTP_PF_AT_BOL;
}

long
ar_http_parse(struct ar_http_parser *p, const uint8_t *data, size_t len)
{
	const uint8_t *s = data, *end = data + len;
	const uint8_t *q, *m0 = data;
	int rc = 0;

	if (p->state == S_DEAD)
		return -1;
	if (p->state == S_BODY_LEN && p->remaining == 0 && (p->flags & HTTP_PF_IN_MSG)) {
		/* a callback stopped us on the last body byte */
		p->state = S_START;
		COMPLETE();
	}
	while (s < end) {
		size_t n;
		uint8_t c;
		bool in_place;
		int ver;

		m0 = s;
		switch (p->state) {
		case S_START:
			if (!(p->is_response && p->req_version == 9)) {
				while (s < end && (*s == '\r' || *s == '\n'))
					s++;
				if (s == end)
					goto next;
			}
			begin_message(p);
			m0 = s;
			if (p->is_response && p->req_version == 9) {
				/* HTTP/0.9 reply: no status line, raw bytes until close */
				p->version = 9;
				p->framing = AR_HTTP_BODY_EOF;
				p->state = S_BODY_EOF;
				CB_EVENT(on_message_begin);
				CB_EVENT(on_headers_complete);
				break;
			}
			p->state = p->is_response ? S_RESP_VERSION : S_REQ_METHOD;
			CB_EVENT(on_message_begin);
			break;

		/* ---- request line ---- */
		case S_REQ_METHOD:
			q = scan(s, end, C_TCHAR);
			n = (size_t)(q - s);
			/* a method wholly in this buffer is identified in place */
			in_place = q < end && p->tok_len == 0;
			if (!in_place)
				tok_add(p, s, n, false);
			line_account(p, n);
			s = q;
			if (p->line_len > MAX_METHOD_LEN) {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_REQUEST_LINE))
					return -1;
				goto bad_framing;
			}
			if (n > 0 && p->cbs->on_method != NULL &&
			    (rc = p->cbs->on_method(p, (const char *)(q - n), n)) != 0) {
				if (in_place)
					tok_add(p, q - n, n, false); /* resumed here later */
				goto out;
			}
			if (q == end)
				break;
			if (*q != ' ' || p->line_len == 0) {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_REQUEST_LINE))
					return -1;
				goto bad_framing;
			}
			p->method = in_place ? method_id(q - n, n) : method_id(p->tok, p->tok_len);
			s = q + 1;
			line_account(p, 1);
			p->state = S_REQ_TARGET;
			p->flags &= ~(uint16_t)HTTP_PF_TOK;
			break;

		case S_REQ_TARGET:
			q = scan_text(s, end, false);
			n = (size_t)(q - s);
			if (n > 0) {
				size_t b = line_budget(p, n);
				p->flags |= HTTP_PF_TOK;
				line_account(p, n);
				s = q;
				CB_PIECE(on_target, q - n, b);
			}
			if (q == end)
				break;
			c = *q;
			if (!(p->flags & HTTP_PF_TOK) || (c != ' ' && c != '\r' && c != '\n') ||
			    ((c == '\r' || c == '\n') && p->method != AR_HTTP_M_GET)) {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_REQUEST_LINE))
					return -1;
				goto bad_framing;
			}
			s = q + 1;
			line_account(p, 1);
			p->tok_len = 0;
			if (c == ' ') {
				p->state = S_REQ_VERSION;
				break;
			}
			p->version = 9; /* "GET /path": HTTP/0.9 */
			if (c == '\r') {
				p->state = S_REQ_LINE_LF;
				break;
			}
			anomaly(p, AR_HTTP_AN_BARE_LF);
			goto req_line_done;

		case S_REQ_VERSION:
			q = scan(s, end, C_VERS);
			n = (size_t)(q - s);
			if (end - q >= 2 && q[0] == '\r' && q[1] == '\n' && p->tok_len == 0 &&
			    n <= MAX_VERSION_LEN) {
				/* version and CRLF in this buffer: checked in place */
				line_account(p, n);
				s = q;
				if (n > 0 && p->cbs->on_version != NULL &&
				    (rc = p->cbs->on_version(p, (const char *)(q - n), n)) != 0) {
					tok_add(p, q - n, n, false); /* resumed here later */
					goto out;
				}
				s = q + 2;
				line_account(p, 1);
				line_account(p, 1);
				ver = parse_version(p, q - n, n);
				goto req_line_ver;
			}
			tok_add(p, s, n, false);
			line_account(p, n);
			s = q;
			if (p->tok_len > MAX_VERSION_LEN) {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_REQUEST_LINE))
					return -1;
				goto bad_framing;
			}
			CB_PIECE(on_version, q - n, n);
			if (q == end)
				break;
			c = *q;
			if (c != '\r' && c != '\n') {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_REQUEST_LINE))
					return -1;
				goto bad_framing;
			}
			s = q + 1;
			line_account(p, 1);
			if (c == '\r') {
				p->state = S_REQ_LINE_LF;
				break;
			}
			anomaly(p, AR_HTTP_AN_BARE_LF);
			goto req_line_done;

		case S_REQ_LINE_LF:
			if (*s == '\n') {
				s++;
				line_account(p, 1);
			} else {
				anomaly(p, AR_HTTP_AN_BARE_CR);
			}
req_line_done:
			ver = p->version == 9 ? 2 : parse_version(p, p->tok, p->tok_len);
req_line_ver:
			if (ver == 0) {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_REQUEST_LINE))
					return -1;
				goto bad_framing;
			}
			if (ver == 1)
				anomaly(p, AR_HTTP_AN_BAD_VERSION);
			p->flags |= HTTP_PF_SEEN_MSG;
			if (p->version == 9)
				goto headers_done;
			p->state = S_HDR_START;
			break;

		/* ---- status line ---- */
		case S_RESP_VERSION: {
			const void *vt = p->tok;
			size_t vn;
			q = scan(s, end, C_VERS);
			n = (size_t)(q - s);
			/* a version wholly in this buffer is checked in place */
			in_place = q < end && p->tok_len == 0 && n <= MAX_VERSION_LEN;
			if (in_place) {
				vt = s;
				vn = n;
			} else {
				tok_add(p, s, n, false);
				vn = p->tok_len;
			}
			line_account(p, n);
			s = q;
			if (memcmp(vt, "HTTP/", vn < 5 ? vn : 5) != 0 || vn > MAX_VERSION_LEN) {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_STATUS_LINE))
					return -1;
				goto bad_framing;
			}
			if (n > 0 && p->cbs->on_version != NULL &&
			    (rc = p->cbs->on_version(p, (const char *)(q - n), n)) != 0) {
				if (in_place)
					tok_add(p, q - n, n, false); /* resumed here later */
				goto out;
			}
			if (q == end)
				break;
			if (*q != ' ' || (ver = parse_version(p, vt, vn)) == 0) {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_STATUS_LINE))
					return -1;
				goto bad_framing;
			}
			if (ver == 1)
				anomaly(p, AR_HTTP_AN_BAD_VERSION);
			s = q + 1;
			line_account(p, 1);
			p->tok_len = 0;
			p->state = S_RESP_STATUS;
			break;
		}

		case S_RESP_STATUS:
			while (p->tok_len < 3) {
				c = *s;
				if (c < '0' || c > '9') {
					if (!start_line_bad(p, AR_HTTP_AN_BAD_STATUS_LINE))
						return -1;
					goto bad_framing;
				}
				p->tok[p->tok_len++] = (char)c;
				if (p->tok_len == 3)
					p->status = (uint16_t)((p->tok[0] - '0') * 100 +
							       (p->tok[1] - '0') * 10 + (c - '0'));
				s++;
				line_account(p, 1);
				if (s == end)
					goto next;
			}
			c = *s;
			if (c != ' ' && c != '\r' && c != '\n') {
				if (!start_line_bad(p, AR_HTTP_AN_BAD_STATUS_LINE))
					return -1;
				goto bad_framing;
			}
			s++;
			line_account(p, 1);
			p->state = c == ' '  ? S_RESP_REASON :
				   c == '\r' ? S_RESP_LINE_LF :
					       S_HDR_START;
			p->flags |= HTTP_PF_SEEN_MSG;
			if (c == '\n')
				anomaly(p, AR_HTTP_AN_BARE_LF);
			CB_PIECE(on_status, p->tok, 3);
			break;

		case S_RESP_REASON:
			q = scan_text(s, end, true);
			n = (size_t)(q - s);
			if (n > 0) {
				size_t b = line_budget(p, n);
				line_account(p, n);
				s = q;
				CB_PIECE(on_reason, q - n, b);
			}
			if (q == end)
				break;
			c = *q;
			s = q + 1;
			n = line_budget(p, 1);
			line_account(p, 1);
			if (c == '\r' && s < end && *s == '\n') {
				s++;
				line_account(p, 1);
				p->state = S_HDR_START;
			} else if (c == '\r') {
				p->state = S_RESP_LINE_LF;
			} else if (c == '\n') {
				anomaly(p, AR_HTTP_AN_BARE_LF);
				p->state = S_HDR_START;
			} else {
				/* control character in the reason: kept, reported */
				anomaly(p, AR_HTTP_AN_BAD_STATUS_LINE);
				CB_PIECE(on_reason, q, n);
			}
			break;

		case S_RESP_LINE_LF:
			if (*s == '\n') {
				s++;
				line_account(p, 1);
			} else {
				anomaly(p, AR_HTTP_AN_BARE_CR);
			}
			p->state = S_HDR_START;
			break;

		/* ---- header block (and trailers) ---- */
		case S_HDR_START:
hdr_start:
			c = *s;
			if (c == ' ' || c == '\t') {
				if (p->flags & HTTP_PF_HDR_PENDING) {
					anomaly(p, AR_HTTP_AN_OBS_FOLD);
					p->flags &= ~(uint16_t)HTTP_PF_HDR_PENDING;
					p->state = S_HDR_FOLD;
				} else {
					anomaly(p, AR_HTTP_AN_BAD_HEADER);
					p->state = S_HDR_SKIP;
				}
				break;
			}
			if (p->flags & HTTP_PF_HDR_PENDING) {
				p->flags &= ~(uint16_t)HTTP_PF_HDR_PENDING;
				hdr_finish_framing(p);
				if (!(p->flags & HTTP_PF_HDR_SUPPR))
					CB_EVENT(on_header_done);
			}
			if (c == '\r') {
				s++;
				if (s < end && *s == '\n') {
					s++;
					hdr_account(p, 2);
					goto headers_done;
				}
				hdr_account(p, 1);
				p->state = S_HDR_END_LF;
				break;
			}
			if (c == '\n') {
				s++;
				hdr_account(p, 1);
				anomaly(p, AR_HTTP_AN_BARE_LF);
				goto headers_done;
			}
			if (p->header_count < UINT16_MAX)
				p->header_count++;
			if (p->header_count > p->limits->max_header_count) {
				anomaly(p, AR_HTTP_AN_HEADER_COUNT);
				p->flags |= HTTP_PF_HDR_SUPPR;
			}
			p->tok_len = 0;
			p->hdr_id = HTTP_H_OTHER;
			if (!(p->flags & HTTP_PF_HDR_SUPPR)) {
				/* the whole line at once when it is all here (see hdr_line()) */
				const uint8_t *ne = scan(s, end, C_TCHAR), *v, *ve;
				if (ne == s || end - ne < 4 || *ne != ':')
					goto hdr_bytewise;
				v = ne + 1;
				while (v < end && (*v == ' ' || *v == '\t'))
					v++;
				ve = scan_text(v, end, true);
				if (end - ve < 3 || ve[0] != '\r' || ve[1] != '\n' ||
				    ve[2] == ' ' || ve[2] == '\t' ||
				    p->header_bytes + (uint64_t)(ve + 2 - s) >
					    p->limits->max_header_bytes)
					goto hdr_bytewise;
				if ((rc = hdr_line(p, &s, ne, v, ve)) != 0)
					goto out;
				goto hdr_start; /* s < end: ve[2] is there */
			}
hdr_bytewise:
			p->state = S_HDR_NAME;
			break;

		case S_HDR_NAME:
			q = scan(s, end, C_TCHAR);
			n = (size_t)(q - s);
			if (n > 0) {
				size_t b = hdr_budget(p, n);
				tok_add(p, s, n, true);
				hdr_account(p, n);
				s = q;
				CB_PIECE(on_header_name, q - n, b);
			}
			if (q == end)
				break;
			c = *q;
			if (p->tok_len == 0 || (c != ':' && c != ' ' && c != '\t')) {
				anomaly(p, AR_HTTP_AN_BAD_HEADER);
				p->state = S_HDR_SKIP;
				break;
			}
			p->hdr_id = p->tok_len <= sizeof(p->tok) ?
					    hdr_id((const uint8_t *)p->tok, p->tok_len) :
					    HTTP_H_OTHER;
			s = q + 1;
			hdr_account(p, 1);
			if (c != ':') {
				p->state = S_HDR_NAME_WS;
				break;
			}
name_done:
			p->state = S_HDR_OWS;
			p->tmp = 0;
			if (p->hdr_id == HTTP_H_CONTENT_LENGTH && !(p->flags & HTTP_PF_TRAILER)) {
				p->cl_state = CL_START;
				p->val = 0;
			}
			break;

		case S_HDR_NAME_WS:
			while (s < end && (*s == ' ' || *s == '\t'))
				s++;
			hdr_account(p, (size_t)(s - m0));
			if (s == end)
				break;
			if (*s != ':') {
				anomaly(p, AR_HTTP_AN_BAD_HEADER);
				p->state = S_HDR_SKIP;
				break;
			}
			anomaly(p, AR_HTTP_AN_SPACE_BEFORE_COLON);
			s++;
			hdr_account(p, 1);
			goto name_done;

		case S_HDR_OWS:
			/* tmp: 0 no OWS, 1 one SP, 2 anything else */
			while (s < end && (*s == ' ' || *s == '\t')) {
				p->tmp = (p->tmp == 0 && *s == ' ') ? 1 : 2;
				s++;
			}
			hdr_account(p, (size_t)(s - m0));
			if (s == end)
				break;
			if (p->hdr_id == HTTP_H_TRANSFER_ENCODING && !(p->flags & HTTP_PF_TRAILER))
				te_start(p, p->tmp == 2);
			p->state = S_HDR_VALUE;
			break;

		case S_HDR_FOLD:
			while (s < end && (*s == ' ' || *s == '\t'))
				s++;
			hdr_account(p, (size_t)(s - m0));
			if (s == end)
				break;
			p->state = S_HDR_VALUE;
			if (*s != '\r' && *s != '\n') {
				static const uint8_t sp[1] = { ' ' };
				value_framing(p, sp, 1);
				CB_PIECE(on_header_value, sp, hdr_budget(p, 1));
			}
			break;

		case S_HDR_VALUE:
			q = scan(s, end, C_VCHAR);
			n = (size_t)(q - s);
			if (n > 0) {
				size_t b = hdr_budget(p, n);
				value_framing(p, s, n);
				hdr_account(p, n);
				s = q;
				CB_PIECE(on_header_value, q - n, b);
			}
			if (q == end)
				break;
			c = *q;
			s = q + 1;
			n = hdr_budget(p, 1);
			hdr_account(p, 1);
			if (c == '\r') {
				p->state = S_HDR_VALUE_LF;
			} else if (c == '\n') {
				anomaly(p, AR_HTTP_AN_BARE_LF);
				p->flags |= HTTP_PF_HDR_PENDING;
				p->state = S_HDR_START;
			} else {
				/* control character: kept in the value, reported */
				anomaly(p, AR_HTTP_AN_BAD_HEADER);
				value_framing(p, q, 1);
				CB_PIECE(on_header_value, q, n);
			}
			break;

		case S_HDR_VALUE_LF:
			if (*s == '\n') {
				s++;
				hdr_account(p, 1);
			} else {
				anomaly(p, AR_HTTP_AN_BARE_CR);
			}
			p->flags |= HTTP_PF_HDR_PENDING;
			p->state = S_HDR_START;
			break;

		case S_HDR_SKIP:
			q = memchr(s, '\n', (size_t)(end - s));
			s = q == NULL ? end : q + 1;
			hdr_account(p, (size_t)(s - m0));
			if (q != NULL)
				p->state = S_HDR_START;
			break;

		case S_HDR_END_LF:
			if (*s == '\n') {
				s++;
				hdr_account(p, 1);
			} else {
				anomaly(p, AR_HTTP_AN_BARE_CR);
			}
headers_done:
			if (p->flags & HTTP_PF_TRAILER) {
				p->state = S_START;
				COMPLETE();
				break;
			}
			{
				bool no_body = false;
				int hrc = 0;
				if (p->cbs->on_headers_complete != NULL)
					hrc = p->cbs->on_headers_complete(p);
				if (hrc == 1)
					no_body = true;
				p->framing = decide_framing(p, no_body);
				switch (p->framing) {
				case AR_HTTP_BODY_LENGTH:
					p->remaining = p->content_length;
					p->state = S_BODY_LEN;
					break;
				case AR_HTTP_BODY_CHUNKED:
					p->state = S_CHUNK_SIZE;
					p->val = 0;
					p->tok_len = 0;
					break;
				case AR_HTTP_BODY_EOF:
					p->state = S_BODY_EOF;
					break;
				case AR_HTTP_BODY_TUNNEL:
					p->state = S_TUNNEL;
					break;
				default:
					p->state = S_START;
					break;
				}
				if (hrc != 0 && hrc != 1) {
					rc = hrc;
					if (p->state == S_START || p->state == S_TUNNEL) {
						p->msg_bytes += (uint64_t)(s - m0);
						m0 = s;
						p->flags &= ~(uint16_t)HTTP_PF_IN_MSG;
						if (p->cbs->on_message_complete != NULL)
							p->cbs->on_message_complete(p);
					}
					goto out;
				}
				if (p->state == S_START || p->state == S_TUNNEL)
					COMPLETE();
			}
			break;

		/* ---- bodies ---- */
		case S_BODY_LEN:
			n = (size_t)(end - s);
			if (n > p->remaining)
				n = (size_t)p->remaining;
			p->remaining -= n;
			s += n;
			CB_PIECE(on_body, s - n, n);
			if (p->remaining == 0) {
				p->state = S_START;
				COMPLETE();
			}
			break;

		case S_CHUNK_SIZE: {
			int h;
			while ((h = hexval1[*s] - 1) >= 0) {
				if (p->val >= MAX_CHUNK_SIZE) {
					anomaly(p, AR_HTTP_AN_BAD_CHUNK_SIZE);
					goto bad_framing;
				}
				p->val = p->val * 16 + (uint64_t)h;
				p->tok_len = 1;
				if (++s == end)
					goto next;
			}
			c = *s;
			if (p->tok_len == 0) {
				anomaly(p, AR_HTTP_AN_BAD_CHUNK_SIZE);
				goto bad_framing;
			}
			if (c == '\r') {
				s++;
				p->state = S_CHUNK_SIZE_LF;
			} else if (c == '\n') {
				s++;
				anomaly(p, AR_HTTP_AN_BARE_LF);
				goto chunk_size_done;
			} else if (c == ';' || c == ' ' || c == '\t') {
				if (c != ';')
					anomaly(p, AR_HTTP_AN_BAD_CHUNK_SIZE);
				s++;
				p->flags &= ~(uint16_t)HTTP_PF_CR;
				p->state = S_CHUNK_EXT;
			} else {
				anomaly(p, AR_HTTP_AN_BAD_CHUNK_SIZE);
				goto bad_framing;
			}
			break;
		}

		case S_CHUNK_EXT:
			q = memchr(s, '\n', (size_t)(end - s));
			if (q == NULL) {
				p->flags = (uint16_t)((p->flags & ~HTTP_PF_CR) |
						      (end[-1] == '\r' ? HTTP_PF_CR : 0));
				s = end;
				break;
			}
			if (q > s ? q[-1] != '\r' : !(p->flags & HTTP_PF_CR))
				anomaly(p, AR_HTTP_AN_BARE_LF);
			s = q + 1;
			goto chunk_size_done;

		case S_CHUNK_SIZE_LF:
			if (*s == '\n')
				s++;
			else
				anomaly(p, AR_HTTP_AN_BARE_CR);
chunk_size_done:
			if (p->val == 0) {
				p->flags |= HTTP_PF_TRAILER;
				p->flags &= ~(uint16_t)HTTP_PF_HDR_SUPPR;
				p->header_bytes = 0;
				p->header_count = 0;
				p->state = S_HDR_START;
			} else {
				p->remaining = p->val;
				p->state = S_CHUNK_DATA;
			}
			break;

		case S_CHUNK_DATA:
			n = (size_t)(end - s);
			if (n > p->remaining)
				n = (size_t)p->remaining;
			p->remaining -= n;
			s += n;
			if (p->remaining == 0)
				p->state = S_CHUNK_DATA_CR;
			CB_PIECE(on_body, s - n, n);
			break;

		case S_CHUNK_DATA_CR:
			c = *s;
			if (c == '\r') {
				s++;
				p->state = S_CHUNK_DATA_LF;
				break;
			}
			if (c == '\n') {
				s++;
				anomaly(p, AR_HTTP_AN_BARE_LF);
				p->state = S_CHUNK_SIZE;
				p->val = 0;
				p->tok_len = 0;
				break;
			}
			anomaly(p, AR_HTTP_AN_BAD_CHUNK_END);
			goto bad_framing;

		case S_CHUNK_DATA_LF:
			if (*s != '\n') {
				anomaly(p, AR_HTTP_AN_BAD_CHUNK_END);
				goto bad_framing;
			}
			s++;
			p->state = S_CHUNK_SIZE;
			p->val = 0;
			p->tok_len = 0;
			break;

		case S_BODY_EOF:
			n = (size_t)(end - s);
			s = end;
			CB_PIECE(on_body, s - n, n);
			break;

		case S_RESYNC:
			if (!(p->flags & HTTP_PF_AT_BOL)) {
				q = memchr(s, '\n', (size_t)(end - s));
				if (q == NULL) {
					s = end;
					break;
				}
				s = q + 1;
				p->flags |= HTTP_PF_AT_BOL;
				p->tok_len = 0;
				break;
			}
			while (s < end) {
				int m;
				c = *s++;
				p->tok[p->tok_len++] = (char)c;
				m = msg_start_match(p->tok, p->tok_len, p->is_response);
				if (m == 1)
					continue;
				if (m == 0) {
					p->tok_len = 0;
					if (c != '\n')
						p->flags &= ~(uint16_t)HTTP_PF_AT_BOL;
					break;
				}
				/* a message starts at this line */
				size_t k = p->tok_len;
				p->flags &= ~(uint16_t)HTTP_PF_AT_BOL;
				p->flags |= HTTP_PF_SEEN_MSG;
				p->state = S_START;
				p->tok_len = 0;
				if ((size_t)(s - data) >= k) {
					s -= k;
				} else {
					/* the line began in an earlier buffer: replay it */
					char cp[sizeof(p->tok)];
					memcpy(cp, p->tok, k);
					long r = ar_http_parse(p, (const uint8_t *)cp, k);
					if (r < 0)
						return -1;
					m0 = s; /* counted by the replay */
				}
				break;
			}
			break;

		case S_TUNNEL:
			goto out;

		case S_DEAD:
		default:
			return -1;
		}
		goto next;
bad_framing:
		/* framing lost: end the message, look for the next one */
		p->flags |= HTTP_PF_ABORTED;
		enter_resync(p, false);
		COMPLETE();
next:
		if (p->flags & HTTP_PF_IN_MSG)
			p->msg_bytes += (uint64_t)(s - m0);
	}
	return (long)(s - data);
out:
	if (p->flags & HTTP_PF_IN_MSG)
		p->msg_bytes += (uint64_t)(s - m0);
	return (long)(s - data);
}

uint64_t
http1_parser_gap_body(const struct ar_http_parser *p, uint64_t len)
{
	switch (p->state) {
	case S_BODY_EOF:
		return len;
	case S_BODY_LEN:
	case S_CHUNK_DATA:
		return len <= p->remaining ? len : 0;
	default:
		return 0;
	}
}

enum http_gap_result
http1_parser_gap(struct ar_http_parser *p, uint64_t len)
{
	switch (p->state) {
	case S_TUNNEL:
	case S_DEAD:
		return HTTP_GAP_IGNORED;
	case S_BODY_EOF:
		p->msg_bytes += len;
		return HTTP_GAP_ABSORBED;
	case S_BODY_LEN:
	case S_CHUNK_DATA:
		if (len <= p->remaining) {
			p->msg_bytes += len;
			p->remaining -= len;
			if (p->remaining > 0)
				return HTTP_GAP_ABSORBED;
			if (p->state == S_CHUNK_DATA) {
				p->state = S_CHUNK_DATA_CR;
				return HTTP_GAP_ABSORBED;
			}
			p->state = S_START;
			p->flags &= ~(uint16_t)HTTP_PF_IN_MSG;
			if (p->cbs->on_message_complete != NULL)
				p->cbs->on_message_complete(p);
			return HTTP_GAP_ABSORBED;
		}
		break;
	default:
		break;
	}
	if (p->flags & HTTP_PF_IN_MSG) {
		anomaly(p, AR_HTTP_AN_GAP);
		p->msg_bytes += len;
		p->flags |= HTTP_PF_ABORTED;
		p->flags &= ~(uint16_t)HTTP_PF_IN_MSG;
		enter_resync(p, true);
		if (p->cbs->on_message_complete != NULL)
			p->cbs->on_message_complete(p);
	} else {
		/* between messages: a message may start right after the gap */
		p->an_seen = 0;
		anomaly(p, AR_HTTP_AN_GAP);
		enter_resync(p, true);
	}
	p->flags |= HTTP_PF_SEEN_MSG;
	return HTTP_GAP_RESYNC;
}

bool
ar_http_parser_eof(struct ar_http_parser *p)
{
	if (p->state == S_BODY_EOF && (p->flags & HTTP_PF_IN_MSG)) {
		p->state = S_START;
		p->flags &= ~(uint16_t)HTTP_PF_IN_MSG;
		if (p->cbs->on_message_complete != NULL)
			p->cbs->on_message_complete(p);
		p->state = S_DEAD;
		return true;
	}
	return false;
}

static const char *const anomaly_names[AR_HTTP_AN_MAX] = {
	[AR_HTTP_AN_CL_AND_TE] = "cl_and_te",
	[AR_HTTP_AN_DUP_CL] = "duplicate_cl",
	[AR_HTTP_AN_CONFLICTING_CL] = "conflicting_cl",
	[AR_HTTP_AN_BAD_CL] = "bad_cl",
	[AR_HTTP_AN_OBFUSCATED_TE] = "obfuscated_te",
	[AR_HTTP_AN_UNKNOWN_TE] = "unknown_te",
	[AR_HTTP_AN_BARE_LF] = "bare_lf",
	[AR_HTTP_AN_OBS_FOLD] = "obs_fold",
	[AR_HTTP_AN_BAD_CHUNK_SIZE] = "bad_chunk_size",
	[AR_HTTP_AN_BAD_CHUNK_END] = "bad_chunk_end",
	[AR_HTTP_AN_HEADER_COUNT] = "header_count",
	[AR_HTTP_AN_HEADER_TOO_LONG] = "header_too_long",
	[AR_HTTP_AN_LINE_TOO_LONG] = "line_too_long",
	[AR_HTTP_AN_BAD_REQUEST_LINE] = "bad_request_line",
	[AR_HTTP_AN_BAD_STATUS_LINE] = "bad_status_line",
	[AR_HTTP_AN_BAD_HEADER] = "bad_header",
	[AR_HTTP_AN_SPACE_BEFORE_COLON] = "space_before_colon",
	[AR_HTTP_AN_BAD_VERSION] = "bad_version",
	[AR_HTTP_AN_RESPONSE_WITHOUT_REQUEST] = "response_without_request",
	[AR_HTTP_AN_GAP] = "gap",
	[AR_HTTP_AN_TX_POOL_EMPTY] = "tx_pool_empty",
	[AR_HTTP_AN_PIPELINE_LIMIT] = "pipeline_limit",
	[AR_HTTP_AN_BARE_CR] = "bare_cr",
};

const char *
ar_http_anomaly_name(enum ar_http_anomaly an)
{
	if ((unsigned)an >= AR_HTTP_AN_MAX || anomaly_names[an] == NULL)
		return "unknown";
	return anomaly_names[an];
}
