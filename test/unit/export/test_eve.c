/* SPDX-License-Identifier: BSD-3-Clause */
/* EVE JSON of http and anomaly records: exact lines. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "ar_export.h"

/* Builds a transaction whose strings live in two small arenas. */
struct tx_builder {
	struct ar_http_tx tx;
	char arena[2][512];
};

static struct ar_http_str
put(struct tx_builder *b, enum ar_http_side side, const char *s)
{
	struct ar_http_str r = { b->tx.arena_used[side], (uint32_t)strlen(s) };
	memcpy(b->arena[side] + r.off, s, r.len);
	b->tx.arena_used[side] += r.len;
	return r;
}

static void
builder_init(struct tx_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->tx.arena[0] = b->arena[0];
	b->tx.arena[1] = b->arena[1];
	b->tx.arena_size = sizeof(b->arena[0]);
}

static void
tuple_v4(struct ar_pkt_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = AR_AF_INET;
	t->proto = 6;
	memcpy(t->src, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(t->dst, (uint8_t[]){ 10, 0, 0, 2 }, 4);
	t->sport = 40000;
	t->dport = 8080;
}

static char rec_buf[8192] __attribute__((aligned(64)));

static void
test_http_record_formats_suricata_fields(void **state)
{
	(void)state;
	struct tx_builder b;
	builder_init(&b);
	b.tx.tx_id = 2;
	b.tx.req_ts = 1700000000000000000ull;
	b.tx.resp_ts = b.tx.req_ts + 1500000; /* 1.5 ms */
	b.tx.resp_end_ts = b.tx.req_ts + 2000000;
	b.tx.req_wire_bytes = 120;
	b.tx.resp_wire_bytes = 300;
	b.tx.req_body_len = 5;
	b.tx.resp_body_len = 17;
	b.tx.status = 201;
	b.tx.flags = AR_HTTP_TX_REQ_COMPLETE | AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_RESP_COMPLETE |
		     AR_HTTP_TX_RESP_CHUNKED;
	b.tx.method = put(&b, AR_HTTP_REQ, "POST");
	b.tx.uri = put(&b, AR_HTTP_REQ, "/api/v1/orders?x=\"1\"");
	b.tx.protocol = put(&b, AR_HTTP_REQ, "HTTP/1.1");
	b.tx.host = put(&b, AR_HTTP_REQ, "Shop.Example:8080");
	b.tx.user_agent = put(&b, AR_HTTP_REQ, "ua\x01");
	b.tx.resp_content_type = put(&b, AR_HTTP_RESP, "application/json; charset=utf-8");
	b.tx.location = put(&b, AR_HTTP_RESP, "/api/v1/orders/7");

	struct ar_rec *r = (struct ar_rec *)rec_buf;
	assert_int_equal(ar_rec_fill_http(r, sizeof(rec_buf), &b.tx), 0);
	/* the record owns its strings: clobber the originals */
	memset(b.arena, 'X', sizeof(b.arena));
	r->ts = b.tx.resp_end_ts;
	r->flow_id = ar_eve_flow_id(5, 1);
	tuple_v4(&r->tuple);

	struct ar_eve_opts o = { .http_headers = false, .field_cap = 0 };
	char line[2048];
	size_t n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	assert_string_equal(
		line,
		"{\"timestamp\":\"2023-11-14T22:13:20.002000+0000\",\"flow_id\":641,"
		"\"event_type\":\"http\",\"src_ip\":\"10.0.0.1\",\"src_port\":40000,"
		"\"dest_ip\":\"10.0.0.2\",\"dest_port\":8080,\"proto\":\"TCP\",\"tx_id\":2,"
		"\"http\":{\"hostname\":\"shop.example\",\"url\":\"/api/v1/orders?x=\\\"1\\\"\","
		"\"http_user_agent\":\"ua\\u0001\",\"http_content_type\":\"application/json\","
		"\"http_method\":\"POST\",\"protocol\":\"HTTP/1.1\",\"status\":201,"
		"\"redirect\":\"/api/v1/orders/7\",\"length\":17},"
		"\"transaction\":{\"latency_us\":1500,\"duration_us\":2000,\"request_bytes\":120,"
		"\"response_bytes\":300,\"request_body_length\":5,\"response_body_length\":17,"
		"\"complete\":true,\"flags\":[\"response_chunked\"]}}\n");
}

static void
test_hostname_comes_from_absolute_uri(void **state)
{
	(void)state;
	struct tx_builder b;
	builder_init(&b);
	b.tx.method = put(&b, AR_HTTP_REQ, "GET");
	b.tx.uri = put(&b, AR_HTTP_REQ, "http://user@WWW.Example.COM:81/a");
	b.tx.host = put(&b, AR_HTTP_REQ, "other.example");
	struct ar_rec *r = (struct ar_rec *)rec_buf;
	assert_int_equal(ar_rec_fill_http(r, sizeof(rec_buf), &b.tx), 0);
	tuple_v4(&r->tuple);
	struct ar_eve_opts o = { 0 };
	char line[2048];
	size_t n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"hostname\":\"www.example.com\","));
}

static void
test_ipv6_host_keeps_its_colons(void **state)
{
	(void)state;
	struct tx_builder b;
	builder_init(&b);
	b.tx.method = put(&b, AR_HTTP_REQ, "GET");
	b.tx.uri = put(&b, AR_HTTP_REQ, "/");
	b.tx.host = put(&b, AR_HTTP_REQ, "[2001:db8::1]:8443");
	struct ar_rec *r = (struct ar_rec *)rec_buf;
	assert_int_equal(ar_rec_fill_http(r, sizeof(rec_buf), &b.tx), 0);
	tuple_v4(&r->tuple);
	struct ar_eve_opts o = { 0 };
	char line[2048];
	size_t n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"hostname\":\"[2001:db8::1]\","));
}

static void
test_record_too_small_is_refused(void **state)
{
	(void)state;
	struct tx_builder b;
	builder_init(&b);
	b.tx.uri = put(&b, AR_HTTP_REQ, "/0123456789");
	struct ar_rec *r = (struct ar_rec *)rec_buf;
	assert_int_equal(ar_rec_http_size(&b.tx), sizeof(struct ar_rec) + 11);
	assert_int_equal(ar_rec_fill_http(r, sizeof(struct ar_rec) + 10, &b.tx), -ENOSPC);
	assert_int_equal(ar_rec_fill_http(r, sizeof(struct ar_rec) + 11, &b.tx), 0);
}

static void
test_line_that_does_not_fit_gives_zero(void **state)
{
	(void)state;
	struct tx_builder b;
	builder_init(&b);
	b.tx.method = put(&b, AR_HTTP_REQ, "GET");
	b.tx.uri = put(&b, AR_HTTP_REQ, "/");
	struct ar_rec *r = (struct ar_rec *)rec_buf;
	assert_int_equal(ar_rec_fill_http(r, sizeof(rec_buf), &b.tx), 0);
	tuple_v4(&r->tuple);
	struct ar_eve_opts o = { 0 };
	char line[2048];
	size_t full = ar_eve_format(r, &o, line, sizeof(line));
	assert_true(full > 0);
	for (size_t cap = 0; cap < full; cap++)
		assert_int_equal(ar_eve_format(r, &o, line, cap), 0);
	assert_int_equal(ar_eve_format(r, &o, line, full), full);
	assert_int_equal(line[full - 1], '\n');
}

static void
test_anomaly_records_name_layer_and_event(void **state)
{
	(void)state;
	struct ar_rec *r = (struct ar_rec *)rec_buf;
	memset(r, 0, sizeof(*r));
	r->type = AR_REC_ANOMALY;
	r->ts = 0;
	r->flow_id = 9;
	tuple_v4(&r->tuple);
	r->anomaly = (struct ar_rec_anomaly){
		.layer = AR_LAYER_HTTP, .side = 0, .code = AR_HTTP_AN_CL_AND_TE, .tx_id = 3
	};
	struct ar_eve_opts o = { 0 };
	char line[1024];
	size_t n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	char want[512];
	snprintf(want, sizeof(want),
		 "\"anomaly\":{\"type\":\"applayer\",\"app_proto\":\"http\",\"event\":\"%s\","
		 "\"layer\":\"request\",\"tx_id\":3}}\n",
		 ar_http_anomaly_name(AR_HTTP_AN_CL_AND_TE));
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, "\"timestamp\":\"1970-01-01T00:00:00.000000+0000\""));

	r->anomaly = (struct ar_rec_anomaly){ .layer = AR_LAYER_STREAM,
					      .side = 1,
					      .code = AR_FLOW_AN_OVERLAP_DIFF };
	n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	snprintf(
		want, sizeof(want),
		"\"anomaly\":{\"type\":\"stream\",\"event\":\"%s\",\"direction\":\"to_client\"}}\n",
		ar_flow_anomaly_name(AR_FLOW_AN_OVERLAP_DIFF));
	assert_non_null(strstr(line, want));
}

/* A response whose request was never seen has no latency or duration. */
static void
test_response_without_request_has_no_latency(void **state)
{
	(void)state;
	struct tx_builder b;
	builder_init(&b);
	b.tx.resp_ts = 1700000005000000000ull;
	b.tx.resp_end_ts = b.tx.resp_ts;
	b.tx.status = 200;
	b.tx.resp_body_len = 2;
	b.tx.resp_wire_bytes = 40;
	b.tx.flags = AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_RESP_COMPLETE;
	struct ar_rec *r = (struct ar_rec *)rec_buf;
	assert_int_equal(ar_rec_fill_http(r, sizeof(rec_buf), &b.tx), 0);
	r->ts = b.tx.resp_end_ts;
	tuple_v4(&r->tuple);
	struct ar_eve_opts o = { 0 };
	char line[2048];
	size_t n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"transaction\":{\"request_bytes\":0,\"response_bytes\":40,"
				     "\"request_body_length\":0,\"response_body_length\":2,"
				     "\"complete\":true}}\n"));
}

/* "vlan" right after "event_type", as Suricata writes it, and only for tagged flows. */
static void
test_vlan_ids_follow_event_type(void **state)
{
	(void)state;
	struct ar_rec *r = (struct ar_rec *)rec_buf;
	memset(r, 0, sizeof(*r));
	r->type = AR_REC_ANOMALY;
	r->flow_id = 9;
	r->pcap_cnt = 4;
	tuple_v4(&r->tuple);
	r->tuple.vlan_count = 2;
	r->tuple.vlan[0] = 10;
	r->tuple.vlan[1] = 4094;
	r->anomaly = (struct ar_rec_anomaly){ .layer = AR_LAYER_STREAM,
					      .side = 0,
					      .code = AR_FLOW_AN_RST_REJECTED };
	struct ar_eve_opts o = { 0 };
	char line[1024];
	size_t n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	assert_string_equal(
		line,
		"{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"flow_id\":9,\"pcap_cnt\":4,"
		"\"event_type\":\"anomaly\",\"vlan\":[10,4094],\"src_ip\":\"10.0.0.1\","
		"\"src_port\":40000,\"dest_ip\":\"10.0.0.2\",\"dest_port\":8080,\"proto\":\"TCP\","
		"\"anomaly\":{\"type\":\"stream\",\"event\":\"rst_rejected\","
		"\"direction\":\"to_server\"}}\n");

	/* One tag, id 0 (a priority tag) included: Suricata shows it too. */
	r->tuple.vlan_count = 1;
	r->tuple.vlan[0] = 0;
	r->tuple.vlan[1] = 0;
	n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"event_type\":\"anomaly\",\"vlan\":[0],\"src_ip\":"));

	r->tuple.vlan_count = 0;
	n = ar_eve_format(r, &o, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"event_type\":\"anomaly\",\"src_ip\":"));
	assert_null(strstr(line, "vlan"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_record_formats_suricata_fields),
		cmocka_unit_test(test_hostname_comes_from_absolute_uri),
		cmocka_unit_test(test_ipv6_host_keeps_its_colons),
		cmocka_unit_test(test_record_too_small_is_refused),
		cmocka_unit_test(test_line_that_does_not_fit_gives_zero),
		cmocka_unit_test(test_anomaly_records_name_layer_and_event),
		cmocka_unit_test(test_response_without_request_has_no_latency),
		cmocka_unit_test(test_vlan_ids_follow_event_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
