/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target of lib/http: drives connections of a small pool through a
 * sequence of operations read from the input. Each operation starts with a
 * control byte ctl; op = ctl & 7:
 *   0-2  (ctl >> 3) + 1 data bytes follow, to the request side
 *   3-5  (ctl >> 3) + 1 data bytes follow, to the response side
 *   6    gap of (ctl >> 4) + 1 bytes, response side if ctl & 8
 *   7    ctl & 16: close the connection and open a new one;
 *        else eof of the response side if ctl & 8, of the request side if not
 * Bit 0 of the first byte turns log_headers off.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ar_http.h"

static uint64_t tx_seen;

static void
on_tx(void *ctx, void *conn_user, const struct ar_http_tx *tx)
{
	uint32_t pos = 0, nl, vl;
	const char *n, *v;

	(void)ctx;
	(void)conn_user;
	/* touch everything the consumer may read */
	for (int side = 0; side < 2; side++)
		while (ar_http_tx_header_next(tx, (enum ar_http_side)side, &pos, &n, &nl, &v, &vl))
			tx_seen += (uint64_t)(unsigned char)n[0] +
				   (nl ? (unsigned char)n[nl - 1] : 0) +
				   (vl ? (unsigned char)v[vl - 1] : 0);
	const struct ar_http_str *s[] = { &tx->method, &tx->uri,        &tx->protocol,
					  &tx->host,   &tx->user_agent, &tx->body[0] };
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i]->len)
			tx_seen += (unsigned char)ar_http_tx_str(tx, AR_HTTP_REQ,
								 *s[i])[s[i]->len - 1];
	const struct ar_http_str *r[] = { &tx->resp_protocol, &tx->reason, &tx->resp_content_type,
					  &tx->location, &tx->body[1] };
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i]->len)
			tx_seen += (unsigned char)ar_http_tx_str(tx, AR_HTTP_RESP,
								 *r[i])[r[i]->len - 1];
}

static void
on_anomaly(void *ctx, void *conn_user, enum ar_http_side side, enum ar_http_anomaly an,
	   uint64_t tx_id)
{
	(void)ctx;
	(void)conn_user;
	tx_seen += (uint64_t)side + (uint64_t)an + tx_id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ar_http_tx_ops ops = { .on_tx = on_tx, .on_anomaly = on_anomaly };
	struct ar_http_params params = {
		.limits = { .max_line = 128, .max_header_count = 6, .max_header_bytes = 256 },
		.arena_size = 192,
		.body_capture = 24,
		.max_tx = 3,
		.max_pipeline = 2,
		.log_headers = true,
	};
	struct ar_http_ctx *ctx;
	struct ar_http_conn conn;
	size_t i = 0;
	uint64_t ts = 0;

	if (size > 0 && (data[0] & 1))
		params.log_headers = false;
	ctx = ar_http_ctx_create(&params, &ops, NULL);
	if (ctx == NULL)
		abort();
	ar_http_conn_init(&conn, ctx, NULL);
	while (i < size) {
		uint8_t ctl = data[i++];
		unsigned op = ctl & 7;
		ts += 10;
		if (op <= 5) {
			size_t len = (size_t)(ctl >> 3) + 1;
			if (len > size - i)
				len = size - i;
			ar_http_conn_data(&conn, op >= 3 ? AR_HTTP_RESP : AR_HTTP_REQ, data + i,
					  len, ts);
			i += len;
		} else if (op == 6) {
			ar_http_conn_gap(&conn, (ctl & 8) ? AR_HTTP_RESP : AR_HTTP_REQ,
					 (size_t)(ctl >> 4) + 1, ts);
		} else if (ctl & 16) {
			ar_http_conn_close(&conn, ts);
			ar_http_conn_init(&conn, ctx, NULL);
		} else {
			ar_http_conn_eof(&conn, (ctl & 8) ? AR_HTTP_RESP : AR_HTTP_REQ, ts);
		}
	}
	ar_http_conn_close(&conn, ts + 10);
	if (ar_http_ctx_stats(ctx)->tx_live != 0)
		abort();
	ar_http_ctx_free(ctx);
	return 0;
}
