/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http: HTTP/1.x, incremental and zero-copy.
 *
 * Two levels:
 *  - struct ar_http_parser parses one direction of one connection. It
 *    resumes at any byte boundary, never allocates and never copies: it
 *    hands out pieces of the caller's buffer through callbacks.
 *  - struct ar_http_conn pairs requests and responses of one connection
 *    into transactions (pipelining, 100-continue, HEAD, 204/304, CONNECT,
 *    Upgrade, responses ended by close) and keeps the fields an event
 *    needs in a bounded per-transaction arena: the only copy made.
 *
 * Everything runs on one worker thread; the per-worker struct ar_http_ctx
 * owns a fixed pool of transactions sized at creation.
 */
#ifndef AR_HTTP_H
#define AR_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Framing anomalies (ar_http_anomaly_name()). Each becomes an anomaly event. */
enum ar_http_anomaly {
	AR_HTTP_AN_CL_AND_TE = 0,      /* Content-Length together with Transfer-Encoding */
	AR_HTTP_AN_DUP_CL,             /* two Content-Length headers, same value */
	AR_HTTP_AN_CONFLICTING_CL,     /* two Content-Length headers, different values */
	AR_HTTP_AN_BAD_CL,             /* Content-Length not a plain decimal */
	AR_HTTP_AN_OBFUSCATED_TE,      /* TE that is not exactly "chunked" but mentions it */
	AR_HTTP_AN_UNKNOWN_TE,         /* TE without chunked last (body then ends by close) */
	AR_HTTP_AN_BARE_LF,            /* line ended by LF without CR */
	AR_HTTP_AN_OBS_FOLD,           /* header continued on the next line */
	AR_HTTP_AN_BAD_CHUNK_SIZE,     /* chunk size line not hex, or too large */
	AR_HTTP_AN_BAD_CHUNK_END,      /* chunk data not followed by CRLF */
	AR_HTTP_AN_HEADER_COUNT,       /* more headers than max_header_count */
	AR_HTTP_AN_HEADER_TOO_LONG,    /* header block longer than max_header_bytes */
	AR_HTTP_AN_LINE_TOO_LONG,      /* request/status line longer than max_line */
	AR_HTTP_AN_BAD_REQUEST_LINE,   /* not METHOD SP target SP HTTP/x.y */
	AR_HTTP_AN_BAD_STATUS_LINE,    /* not HTTP/x.y SP 3DIGIT ... */
	AR_HTTP_AN_BAD_HEADER,         /* header line without colon, or bad name chars */
	AR_HTTP_AN_SPACE_BEFORE_COLON, /* "Name : value" */
	AR_HTTP_AN_BAD_VERSION,        /* version not HTTP/1.0 or HTTP/1.1 */
	AR_HTTP_AN_RESPONSE_WITHOUT_REQUEST,
	AR_HTTP_AN_GAP,            /* stream gap: parser resynchronised */
	AR_HTTP_AN_TX_POOL_EMPTY,  /* no transaction slot: not recorded */
	AR_HTTP_AN_PIPELINE_LIMIT, /* too many requests awaiting responses */
	AR_HTTP_AN_BARE_CR,        /* CR not followed by LF (taken as a line end) */
	AR_HTTP_AN_MAX,
};

/* ------------------------------------------------------------------ */
/* Level 1: the one-direction parser                                   */
/* ------------------------------------------------------------------ */

struct ar_http_parser;

/*
 * Callbacks of the parser. Each piece callback may be called several times
 * for one element when it spans input buffers; the pieces concatenate.
 * A callback returning non-zero makes ar_http_parse() stop and return.
 * Any callback may be NULL.
 *
 * A header is committed by on_header_done: name/value pieces not followed
 * by it (bad header line, header limit hit) are to be dropped. After a
 * header limit, no more header callbacks come for that block, but the block
 * is still parsed for its framing. Messages cut short (bad framing, gap)
 * still get on_message_complete; lib/http marks them AR_HTTP_TX_ABORTED.
 * Policies in detail: lib/http/http1.c.
 */
struct ar_http_parser_cbs {
	int (*on_message_begin)(struct ar_http_parser *p);
	int (*on_method)(struct ar_http_parser *p, const char *at, size_t len);
	int (*on_target)(struct ar_http_parser *p, const char *at, size_t len);
	int (*on_version)(struct ar_http_parser *p, const char *at, size_t len);
	int (*on_status)(struct ar_http_parser *p, const char *at, size_t len); /* 3 digits */
	int (*on_reason)(struct ar_http_parser *p, const char *at, size_t len);
	int (*on_header_name)(struct ar_http_parser *p, const char *at, size_t len);
	int (*on_header_value)(struct ar_http_parser *p, const char *at, size_t len);
	int (*on_header_done)(struct ar_http_parser *p); /* one header line complete */
	/*
	 * Header block complete. For a response the caller then tells the
	 * parser what the request was (ar_http_parser_set_request_method())
	 * if it has not before. Returning 1 means "no body" (HEAD response).
	 */
	int (*on_headers_complete)(struct ar_http_parser *p);
	/* body bytes, decoded of chunking */
	int (*on_body)(struct ar_http_parser *p, const char *at, size_t len);
	int (*on_message_complete)(struct ar_http_parser *p);
	void (*on_anomaly)(struct ar_http_parser *p, enum ar_http_anomaly an);
};

/* Body framing decided at the end of the headers. */
enum ar_http_framing {
	AR_HTTP_BODY_NONE = 0,
	AR_HTTP_BODY_LENGTH, /* Content-Length */
	AR_HTTP_BODY_CHUNKED,
	AR_HTTP_BODY_EOF,    /* response ended by close */
	AR_HTTP_BODY_TUNNEL, /* CONNECT 2xx or 101 Upgrade: the rest is not HTTP */
};

struct ar_http_limits {
	uint32_t max_line;         /* request or status line, bytes */
	uint32_t max_header_count; /* header lines per message */
	uint32_t max_header_bytes; /* whole header block, bytes */
};

/*
 * Parser state of one direction. Embedded by the caller (no allocation);
 * fields are private to lib/http except `user`, free for the caller.
 */
struct ar_http_parser {
	const struct ar_http_parser_cbs *cbs;
	const struct ar_http_limits *limits;
	void *user;
	uint64_t remaining;      /* body or chunk bytes left */
	uint64_t content_length; /* first valid Content-Length */
	uint64_t val;            /* number being parsed: Content-Length, chunk size */
	uint64_t msg_bytes;      /* wire bytes of the current message so far */
	uint32_t line_len;       /* bytes of the start line so far */
	uint32_t header_bytes;   /* bytes of the header (or trailer) block so far */
	uint32_t an_seen;        /* anomalies already reported for this message */
	uint16_t header_count;
	uint16_t status; /* response: parsed status code */
	uint16_t flags;
	uint16_t te_state; /* Transfer-Encoding value scanner */
	uint8_t state;
	uint8_t is_response;
	uint8_t framing;     /* enum ar_http_framing */
	uint8_t version;     /* 9, 10, 11 (major * 10 + minor as sent) */
	uint8_t req_method;  /* response side: enum ar_http_method of the request */
	uint8_t req_version; /* response side: version of the request (9: raw reply) */
	uint8_t method;      /* request side: enum ar_http_method */
	uint8_t hdr_id;      /* known header being parsed */
	uint8_t tok_len;     /* bytes in tok */
	uint8_t tmp;
	uint8_t cl_state;
	uint8_t pad;
	char tok[24]; /* short tokens: method, version, status, header name */
};

/* Methods the framing depends on. */
enum ar_http_method {
	AR_HTTP_M_OTHER = 0,
	AR_HTTP_M_GET,
	AR_HTTP_M_HEAD,
	AR_HTTP_M_POST,
	AR_HTTP_M_PUT,
	AR_HTTP_M_DELETE,
	AR_HTTP_M_CONNECT,
	AR_HTTP_M_OPTIONS,
	AR_HTTP_M_PATCH,
	AR_HTTP_M_TRACE,
};

/* Prepares @p for a new connection direction. */
void ar_http_parser_init(struct ar_http_parser *p, bool is_response,
			 const struct ar_http_parser_cbs *cbs, const struct ar_http_limits *limits,
			 void *user);

/* Response side: the method of the request this response answers. */
void ar_http_parser_set_request_method(struct ar_http_parser *p, enum ar_http_method m);

/*
 * Feeds @len bytes. Returns the number of bytes consumed (== @len unless a
 * callback stopped it or the parser fell into tunnel/error state), or -1
 * when the stream is not HTTP and cannot be resynchronised.
 */
long ar_http_parse(struct ar_http_parser *p, const uint8_t *data, size_t len);

/*
 * End of stream in this direction. Completes a body framed by close.
 * Returns true when a message was in progress and got completed by it.
 */
bool ar_http_parser_eof(struct ar_http_parser *p);

/* ------------------------------------------------------------------ */
/* Level 2: transactions                                              */
/* ------------------------------------------------------------------ */

/* A string kept in one of a transaction's arenas. len == 0: absent. */
struct ar_http_str {
	uint32_t off;
	uint32_t len;
};

/* Transaction flags. */
#define AR_HTTP_TX_REQ_COMPLETE  (1u << 0)
#define AR_HTTP_TX_RESP_SEEN     (1u << 1) /* response started */
#define AR_HTTP_TX_RESP_COMPLETE (1u << 2)
#define AR_HTTP_TX_GAP           (1u << 3) /* data missing in either direction */
#define AR_HTTP_TX_TRUNCATED     (1u << 4) /* some kept field was cut at the arena cap */
#define AR_HTTP_TX_HTTP09        (1u << 5)
#define AR_HTTP_TX_CONTINUE      (1u << 6) /* a 100 Continue was seen before the final response */
#define AR_HTTP_TX_UPGRADE       (1u << 7) /* 101 Switching Protocols: connection handed off */
#define AR_HTTP_TX_CONNECT       (1u << 8) /* CONNECT tunnel established */
#define AR_HTTP_TX_REQ_CHUNKED   (1u << 9)
#define AR_HTTP_TX_RESP_CHUNKED  (1u << 10)
#define AR_HTTP_TX_NO_RESPONSE   (1u << 11) /* connection ended before any response */
#define AR_HTTP_TX_REQ_BODY_CUT  (1u << 12) /* request body longer than the capture cap */
#define AR_HTTP_TX_RESP_BODY_CUT (1u << 13)
#define AR_HTTP_TX_ABORTED       (1u << 14) /* a message was cut short (framing error or gap) */

enum ar_http_side {
	AR_HTTP_REQ = 0,
	AR_HTTP_RESP = 1,
};

/*
 * One request/response pair. Strings are offsets into arena[side]; header
 * lists are walked with ar_http_tx_header_next(). Owned by the ctx's pool:
 * valid only during the on_tx callback.
 */
struct ar_http_tx {
	uint64_t tx_id;          /* 0-based index within the connection */
	uint64_t req_ts;         /* first request byte, ns */
	uint64_t req_end_ts;     /* request complete, ns */
	uint64_t resp_ts;        /* first response byte, ns (0: none) */
	uint64_t resp_end_ts;    /* response complete, ns */
	uint64_t req_wire_bytes; /* request line + headers + body as sent */
	uint64_t resp_wire_bytes;
	uint64_t req_body_len; /* body bytes after de-chunking */
	uint64_t resp_body_len;
	uint32_t flags;              /* AR_HTTP_TX_* */
	uint32_t anomalies;          /* bit (1 << enum ar_http_anomaly) */
	uint16_t status;             /* final status, 0 if none */
	uint8_t method_id;           /* enum ar_http_method */
	uint8_t version;             /* request version: 9, 10, 11 */
	uint16_t n_headers[2];       /* header lines seen, by side */
	struct ar_http_str method;   /* arena[REQ] */
	struct ar_http_str uri;      /* arena[REQ] */
	struct ar_http_str protocol; /* arena[REQ], "HTTP/1.1" as sent */
	struct ar_http_str host;     /* arena[REQ], Host header */
	struct ar_http_str user_agent;
	struct ar_http_str referer;
	struct ar_http_str req_content_type;
	struct ar_http_str resp_protocol;     /* arena[RESP] */
	struct ar_http_str reason;            /* arena[RESP] */
	struct ar_http_str resp_content_type; /* arena[RESP] */
	struct ar_http_str location;          /* arena[RESP] */
	struct ar_http_str body[2];           /* captured body prefix, by side */
	struct ar_http_str hdrs[2];           /* packed header list, by side (if log_headers) */
	uint32_t arena_used[2];
	uint32_t arena_size; /* bytes of each of the two arenas */
	char *arena[2];      /* point into the pool's memory */
};

struct ar_http_params {
	struct ar_http_limits limits;
	uint32_t arena_size;   /* per side and transaction: strings, headers, body */
	uint32_t body_capture; /* body bytes kept per side (within the arena) */
	uint32_t max_tx;       /* transactions in the worker's pool */
	uint16_t max_pipeline; /* requests awaiting a response per connection */
	bool log_headers;      /* keep the full header lists */
};

/* Callbacks of the transaction layer; run on the worker thread. */
struct ar_http_tx_ops {
	/* A transaction is done (or ended with its connection). @conn_user is
	 * the user pointer given to ar_http_conn_init(). */
	void (*on_tx)(void *ctx, void *conn_user, const struct ar_http_tx *tx);
	/* A framing anomaly in @side; @tx_id is that of the transaction concerned. */
	void (*on_anomaly)(void *ctx, void *conn_user, enum ar_http_side side,
			   enum ar_http_anomaly an, uint64_t tx_id);
};

struct ar_http_ctx;

/* Counters of one ctx (worker). */
struct ar_http_stats {
	uint64_t requests;
	uint64_t responses;
	uint64_t tx_done;       /* transactions handed to on_tx */
	uint64_t tx_incomplete; /* of which ended without a complete response */
	uint64_t tx_pool_empty; /* requests not recorded: pool exhausted */
	uint64_t parse_errors;  /* streams given up as not HTTP */
	uint64_t anomalies[AR_HTTP_AN_MAX];
	uint64_t tx_live; /* transactions held now */
};

/*
 * Creates the per-worker context: a pool of @p->max_tx transactions with
 * their arenas. Returns NULL and sets errno on failure.
 */
struct ar_http_ctx *ar_http_ctx_create(const struct ar_http_params *p,
				       const struct ar_http_tx_ops *ops, void *ops_ctx);
/* Accepts NULL. All connections must have been closed first. */
void ar_http_ctx_free(struct ar_http_ctx *c);
const struct ar_http_stats *ar_http_ctx_stats(const struct ar_http_ctx *c);

/*
 * Per-connection state, embedded in the flow's l7 area (size:
 * sizeof(struct ar_http_conn)). Private to lib/http.
 */
struct ar_http_conn {
	struct ar_http_ctx *ctx;
	void *user;
	struct ar_http_parser parser[2]; /* by side */
	uint32_t pending[16];            /* FIFO ring of requests awaiting a response */
	uint32_t cur[2];                 /* pool index being filled, by side */
	uint64_t next_tx_id;
	uint64_t cur_ts;
	uint64_t cur_id[2]; /* tx id of the message in progress, by side */
	uint32_t overflow;  /* requests beyond max_pipeline, not recorded */
	uint8_t head;       /* first entry of pending */
	uint8_t n_pending;
	uint8_t state; /* open, tunnel, dead, closed */
	uint8_t flags;
};

/* Starts a connection; @user comes back in the callbacks. */
void ar_http_conn_init(struct ar_http_conn *c, struct ar_http_ctx *ctx, void *user);

/*
 * In-order stream data of @side seen at @ts. Never fails: bad input is
 * counted and reported as anomalies.
 */
void ar_http_conn_data(struct ar_http_conn *c, enum ar_http_side side, const uint8_t *data,
		       size_t len, uint64_t ts);

/* @len bytes of @side are missing. The parser resynchronises. */
void ar_http_conn_gap(struct ar_http_conn *c, enum ar_http_side side, size_t len, uint64_t ts);

/* @side reached its end (FIN). */
void ar_http_conn_eof(struct ar_http_conn *c, enum ar_http_side side, uint64_t ts);

/* The connection ends: open transactions are handed out, incomplete. */
void ar_http_conn_close(struct ar_http_conn *c, uint64_t ts);

/*
 * True when the first bytes of a stream look like an HTTP/1.x request
 * ("GET / HTTP/1.1", or a known method followed by a space). Used to
 * recognise HTTP on any port. Needs at most 16 bytes; @len may be fewer.
 */
bool ar_http_detect_request(const uint8_t *data, size_t len);
/* Likewise for a response ("HTTP/1."). */
bool ar_http_detect_response(const uint8_t *data, size_t len);

/* Resolves a string of @tx. */
static inline const char *
ar_http_tx_str(const struct ar_http_tx *tx, enum ar_http_side side, struct ar_http_str s)
{
	return tx->arena[side] + s.off;
}

/*
 * Walks the header list of @side. *@pos starts at 0. Returns false at the
 * end; otherwise sets the name and value (not NUL-terminated).
 */
bool ar_http_tx_header_next(const struct ar_http_tx *tx, enum ar_http_side side, uint32_t *pos,
			    const char **name, uint32_t *name_len, const char **value,
			    uint32_t *value_len);

const char *ar_http_anomaly_name(enum ar_http_anomaly an);

#endif
