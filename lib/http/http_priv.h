/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http private interface between the parser (http1.c) and the
 * transaction layer (conn.c). Not installed, not for other libraries.
 */
#ifndef AR_HTTP_PRIV_H
#define AR_HTTP_PRIV_H

#include "ar_http.h"

/* Known header names, identified by the parser (p->hdr_id). */
enum http_hdr_id {
	HTTP_H_OTHER = 0,
	HTTP_H_CONTENT_LENGTH,
	HTTP_H_TRANSFER_ENCODING,
	HTTP_H_HOST,
	HTTP_H_USER_AGENT,
	HTTP_H_REFERER,
	HTTP_H_CONTENT_TYPE,
	HTTP_H_LOCATION,
};

/* p->flags */
#define HTTP_PF_IN_MSG      (1u << 0) /* between on_message_begin and _complete */
#define HTTP_PF_SEEN_MSG    (1u << 1) /* a start line parsed: the stream is HTTP */
#define HTTP_PF_ABORTED     (1u << 2) /* message cut short; valid in on_message_complete */
#define HTTP_PF_AT_BOL      (1u << 3) /* resync: at the beginning of a line */
#define HTTP_PF_HAS_CL      (1u << 4)
#define HTTP_PF_HAS_TE      (1u << 5)
#define HTTP_PF_HDR_PENDING (1u << 6)  /* header line ended, obs-fold still possible */
#define HTTP_PF_HDR_SUPPR   (1u << 7)  /* header limit hit: no more header callbacks */
#define HTTP_PF_LINE_SUPPR  (1u << 8)  /* start line too long: no more pieces of it */
#define HTTP_PF_TRAILER     (1u << 9)  /* parsing the trailer block */
#define HTTP_PF_TOK         (1u << 10) /* current start-line field is not empty */
#define HTTP_PF_CR          (1u << 11) /* chunk extension: last byte was CR */
#define HTTP_PF_BAD_CL      (1u << 12) /* an invalid Content-Length was seen */
#define HTTP_PF_EXT         (1u << 13) /* p->cbs is the pub member of a struct http_cbs */

/* Flags kept from one message to the next. */
#define HTTP_PF_KEEP (HTTP_PF_SEEN_MSG | HTTP_PF_EXT)

/*
 * The callbacks of lib/http's own transaction layer: the public ones and
 * one more, which takes a whole header line in one call. The parser calls
 * on_header instead of on_header_name, on_header_value and on_header_done
 * when it has the whole line in one input buffer (name, colon, value, line
 * end and the first byte of the next line, which tells that no obs-fold
 * follows) and the line is within the header limits; otherwise it hands
 * the line out in pieces as usual. @value is the field value after the
 * leading whitespace, trailing whitespace included, as the pieces would
 * have been. Called where on_header_done would be, with p->hdr_id set.
 */
struct http_cbs {
	struct ar_http_parser_cbs pub; /* first: p->cbs points here */
	int (*on_header)(struct ar_http_parser *p, const char *name, size_t name_len,
			 const char *value, size_t value_len);
};

/* ar_http_parser_init() with the callbacks above. */
void http1_parser_init_ext(struct ar_http_parser *p, bool is_response, const struct http_cbs *cbs,
			   const struct ar_http_limits *limits, void *user);

/* Response side: what the request was (method and version, 9 for HTTP/0.9). */
void http1_parser_set_request(struct ar_http_parser *p, enum ar_http_method m, uint8_t version);

enum http_gap_result {
	HTTP_GAP_ABSORBED = 0, /* inside a body of known length: consumed */
	HTTP_GAP_RESYNC,       /* the parser now looks for the next message */
	HTTP_GAP_IGNORED,      /* tunnel or dead: nothing to do */
};

/*
 * @len bytes of input are missing. May call on_message_complete (the body
 * ended exactly at the gap's end, or the message is aborted before the
 * parser resynchronises).
 */
enum http_gap_result http1_parser_gap(struct ar_http_parser *p, uint64_t len);

/* Body bytes a gap of @len would stand for (0: it would resynchronise). */
uint64_t http1_parser_gap_body(const struct ar_http_parser *p, uint64_t len);

/* Stops parsing: the rest of the stream is a tunnel. */
void http1_parser_tunnel(struct ar_http_parser *p);

static inline bool
http1_parser_aborted(const struct ar_http_parser *p)
{
	return (p->flags & HTTP_PF_ABORTED) != 0;
}

static inline bool
http1_parser_in_msg(const struct ar_http_parser *p)
{
	return (p->flags & HTTP_PF_IN_MSG) != 0;
}

static inline bool
http1_parser_in_trailer(const struct ar_http_parser *p)
{
	return (p->flags & HTTP_PF_TRAILER) != 0;
}

/* True when the parser waits for the first byte of a message. */
bool http1_parser_idle(const struct ar_http_parser *p);

#endif
