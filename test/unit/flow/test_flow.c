/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/flow unit tests: the table (lookup, timeouts, eviction), TCP state
 * and reassembly. Packets are built by hand as struct ar_pkt_info.
 *
 * A recorder collects every callback into a log string ("N D0:5 G1:3 E0
 * X:closed"), and per direction a stream image where each gap byte is '~',
 * so each test asserts the exact sequence and the exact bytes delivered.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include <ar_flow.h>

#define C2S AR_DIR_TO_SERVER
#define S2C AR_DIR_TO_CLIENT

#define SYN AR_TCP_SYN
#define ACK AR_TCP_ACK
#define FIN AR_TCP_FIN
#define RST AR_TCP_RST
#define PSH AR_TCP_PSH

#define CPORT 40000
#define SPORT 80

struct rec {
	struct ar_flow_table *t;
	char log[8192];
	size_t loglen;
	uint8_t stream[2][65536];
	uint32_t slen[2];
	unsigned n_new, n_end;
	unsigned anomalies[AR_FLOW_AN_MAX];
	uint64_t ended_ids[64];
	uint64_t last_id;
	int l7_dirty; /* on_flow_new found l7 not zeroed */
	const uint8_t *last_data;
};

static struct rec R;

static void
logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(R.log + R.loglen, sizeof(R.log) - R.loglen, fmt, ap);
	va_end(ap);
	if (n > 0)
		R.loglen += (size_t)n;
	if (R.loglen >= sizeof(R.log))
		R.loglen = sizeof(R.log) - 1;
}

static void
on_new(void *ctx, struct ar_flow *f)
{
	(void)ctx;
	uint8_t *l7 = f->l7;

	for (unsigned i = 0; l7 != NULL && i < 32; i++)
		if (l7[i] != 0)
			R.l7_dirty = 1;
	if (l7 != NULL)
		memset(l7, 0xab, 32); /* dirty it: the next user must see zeros */
	R.n_new++;
	R.last_id = f->id;
	logf_("N ");
}

static void
on_data(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, const uint8_t *data, uint32_t len,
	uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)ts;
	assert_true(len > 0);
	assert_true(R.slen[dir] + len <= sizeof(R.stream[dir]));
	memcpy(R.stream[dir] + R.slen[dir], data, len);
	R.slen[dir] += len;
	R.last_data = data;
	logf_("D%d:%u ", dir, len);
}

static void
on_gap(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint32_t len, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)ts;
	assert_true(len > 0);
	for (uint32_t i = 0; i < len && R.slen[dir] < sizeof(R.stream[dir]); i++)
		R.stream[dir][R.slen[dir]++] = '~';
	logf_("G%d:%u ", dir, len);
}

static void
on_eof(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)ts;
	logf_("E%d ", dir);
}

static void
on_anomaly(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, enum ar_flow_anomaly an, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)ts;
	R.anomalies[an]++;
	/* Gaps are already in the log as G. */
	if (an != AR_FLOW_AN_GAP)
		logf_("A%d:%s ", dir, ar_flow_anomaly_name(an));
}

static void
on_end(void *ctx, struct ar_flow *f, enum ar_flow_end why, uint64_t ts)
{
	(void)ctx;
	(void)ts;
	if (R.n_end < 64)
		R.ended_ids[R.n_end] = f->id;
	R.n_end++;
	logf_("X:%s ", ar_flow_end_name(why));
}

static const struct ar_flow_ops ops = {
	.on_flow_new = on_new,
	.on_data = on_data,
	.on_gap = on_gap,
	.on_eof = on_eof,
	.on_anomaly = on_anomaly,
	.on_flow_end = on_end,
};

static struct ar_flow_params
params(void)
{
	struct ar_flow_params p = {
		.max_flows = 16,
		.l7_state_size = 64,
		.timeout_new_ns = 30,
		.timeout_est_ns = 300,
		.timeout_closed_ns = 10,
		.ooo_flow_cap = 4096,
		.ooo_worker_cap = 8192,
		.overlap = AR_OVERLAP_FIRST,
		.ops = &ops,
	};
	return p;
}

static void
table_with(const struct ar_flow_params *p)
{
	memset(&R, 0, sizeof(R));
	R.t = ar_flow_table_create(p);
	assert_non_null(R.t);
}

static void
table(void)
{
	struct ar_flow_params p = params();

	table_with(&p);
}

static const struct ar_flow_stats *
st(void)
{
	return ar_flow_table_stats(R.t);
}

/* The counter identity holds at every moment. */
static void
check_identity(void)
{
	const struct ar_flow_stats *s = st();

	assert_int_equal(s->segments, s->segments_in_order + s->segments_reordered +
					      s->segments_retrans + s->segments_dropped_cap +
					      s->segments_after_close);
	uint64_t ended = 0;

	for (int i = 0; i < AR_FLOW_END_MAX; i++)
		ended += s->flows_ended[i];
	assert_int_equal(s->flows_created, s->flows_live + ended);
	assert_int_equal(s->gaps, R.anomalies[AR_FLOW_AN_GAP]);
}

static void
done(void)
{
	check_identity();
	ar_flow_table_flush(R.t, UINT64_MAX);
	check_identity();
	assert_int_equal(st()->flows_live, 0);
	assert_int_equal(st()->ooo_bytes, 0);
	ar_flow_table_free(R.t);
	R.t = NULL;
}

static void
addr4(uint8_t *a, uint8_t last)
{
	memset(a, 0, 16);
	a[0] = 10;
	a[3] = last;
}

/* A TCP packet of the test connection 10.0.0.1:40000 <-> 10.0.0.2:80. */
static struct ar_pkt_info
tcp4(int dir, uint16_t cport, uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack,
     const void *data, uint32_t len)
{
	struct ar_pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	addr4(dir == C2S ? pi.tuple.src : pi.tuple.dst, 1);
	addr4(dir == C2S ? pi.tuple.dst : pi.tuple.src, 2);
	pi.tuple.sport = dir == C2S ? cport : sport;
	pi.tuple.dport = dir == C2S ? sport : cport;
	pi.tuple.family = AR_AF_INET;
	pi.tuple.proto = IPPROTO_TCP;
	pi.seq = seq;
	pi.ack = ack;
	pi.tcp_flags = flags;
	pi.payload = data;
	pi.payload_len = len;
	pi.wscale = 0xff;
	return pi;
}

static int
pkt_on(int dir, uint16_t cport, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
       uint64_t ts)
{
	struct ar_pkt_info pi =
		tcp4(dir, cport, SPORT, flags, seq, ack, data, data ? (uint32_t)strlen(data) : 0);

	return ar_flow_process(R.t, &pi, ts);
}

/* A packet of the default connection; @data is a C string or NULL. */
static int
pkt(int dir, uint8_t flags, uint32_t seq, uint32_t ack, const char *data, uint64_t ts)
{
	return pkt_on(dir, CPORT, flags, seq, ack, data, ts);
}

/* Client ISN 1000, server ISN 5000; after it both sides' data starts at 1001 / 5001. */
static void
handshake(uint64_t ts)
{
	assert_int_equal(pkt(C2S, SYN, 1000, 0, NULL, ts), 0);
	assert_int_equal(pkt(S2C, SYN | ACK, 5000, 1001, NULL, ts), 0);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, NULL, ts), 0);
}

static void
assert_stream(int dir, const char *expect)
{
	size_t n = strlen(expect);

	assert_int_equal(R.slen[dir], n);
	assert_memory_equal(R.stream[dir], expect, n);
}

static void
assert_log(const char *expect)
{
	assert_string_equal(R.log, expect);
}

static void
clear_log(void)
{
	R.loglen = 0;
	R.log[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* Table                                                                */
/* ------------------------------------------------------------------ */

static void
test_create_rejects_bad_params(void **state)
{
	(void)state;
	struct ar_flow_params p = params();

	p.max_flows = 0;
	errno = 0;
	assert_null(ar_flow_table_create(&p));
	assert_int_equal(errno, EINVAL);
	p = params();
	p.overlap = 7;
	errno = 0;
	assert_null(ar_flow_table_create(&p));
	assert_int_equal(errno, EINVAL);
	assert_null(ar_flow_table_create(NULL));
	ar_flow_table_free(NULL);
}

static void
test_both_directions_find_one_flow(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(S2C, ACK, 5001, 1001, "hi", 2), 0);
	assert_int_equal(st()->flows_created, 1);
	assert_int_equal(st()->flows_live, 1);
	assert_int_equal(R.n_new, 1);
	assert_log("N D1:2 ");
	assert_stream(S2C, "hi");
	done();
}

static struct ar_flow *captured;
static struct ar_flow copy_of_captured;

static void
capture_new(void *ctx, struct ar_flow *f)
{
	(void)ctx;
	captured = f;
}

static void
capture_end(void *ctx, struct ar_flow *f, enum ar_flow_end why, uint64_t ts)
{
	(void)ctx;
	(void)why;
	(void)ts;
	copy_of_captured = *f;
}

static void
test_first_packet_syn_ack_makes_its_receiver_the_client(void **state)
{
	(void)state;
	struct ar_flow_ops o = ops;
	struct ar_flow_params p = params();

	o.on_flow_new = capture_new;
	p.ops = &o;
	table_with(&p);
	assert_int_equal(pkt(S2C, SYN | ACK, 5000, 1001, NULL, 1), 0);
	assert_int_equal(captured->tuple.sport, CPORT);
	assert_int_equal(captured->tuple.src[3], 1);
	assert_int_equal(captured->tcp_state, AR_TCP_SYN_RECV);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "GET", 2), 0);
	assert_int_equal(pkt(S2C, ACK, 5001, 1004, "200", 3), 0);
	assert_stream(C2S, "GET");
	assert_stream(S2C, "200");
	assert_int_equal(st()->flows_created, 1);
	captured = NULL;
	done();
}

static void
test_tuple_and_counters_of_midstream_flow_by_higher_port(void **state)
{
	(void)state;
	struct ar_flow_ops o = { .on_flow_new = capture_new, .on_flow_end = capture_end };
	struct ar_flow_params p = params();
	struct ar_pkt_info pi;

	p.ops = &o;
	table_with(&p);
	/* The server (port 80) speaks first: the client is still port 40000. */
	pi = tcp4(S2C, CPORT, SPORT, ACK | PSH, 7000, 3000, "HTTP/1.1 200", 12);
	assert_int_equal(ar_flow_process(R.t, &pi, 5), 0);
	pi = tcp4(C2S, CPORT, SPORT, ACK, 3000, 7012, NULL, 0);
	assert_int_equal(ar_flow_process(R.t, &pi, 6), 0);
	assert_non_null(captured);
	assert_int_equal(captured->tuple.sport, CPORT);
	assert_int_equal(captured->tuple.dport, SPORT);
	assert_int_equal(captured->tuple.src[3], 1);
	assert_int_equal(captured->tuple.dst[3], 2);
	assert_int_equal(captured->midstream, 1);
	assert_int_equal(captured->tcp_state, AR_TCP_ESTABLISHED);
	assert_int_equal(captured->pkts[C2S], 1);
	assert_int_equal(captured->pkts[S2C], 1);
	assert_int_equal(captured->bytes[S2C], 12);
	assert_int_equal(captured->bytes[C2S], 0);
	assert_int_equal(captured->tcp_flags_seen[S2C], ACK | PSH);
	assert_int_equal(captured->first_ts, 5);
	assert_int_equal(captured->last_ts, 6);
	assert_int_not_equal(captured->id, 0);
	done();
	assert_int_equal(copy_of_captured.pkts[S2C], 1);
	captured = NULL;
}

static void
test_midstream_equal_ports_first_sender_is_client(void **state)
{
	(void)state;
	struct ar_flow_ops o = { .on_flow_new = capture_new };
	struct ar_flow_params p = params();
	struct ar_pkt_info pi;

	p.ops = &o;
	table_with(&p);
	pi = tcp4(S2C, 5060, 5060, ACK, 1, 1, "x", 1); /* from 10.0.0.2 */
	assert_int_equal(ar_flow_process(R.t, &pi, 1), 0);
	assert_int_equal(captured->tuple.src[3], 2);
	assert_int_equal(captured->tuple.dst[3], 1);
	/* The reply from 10.0.0.1 is the other direction of the same flow. */
	pi = tcp4(C2S, 5060, 5060, ACK, 1, 2, "y", 1);
	assert_int_equal(ar_flow_process(R.t, &pi, 2), 0);
	assert_int_equal(captured->pkts[C2S], 1);
	assert_int_equal(captured->pkts[S2C], 1);
	assert_int_equal(st()->flows_created, 1);
	captured = NULL;
	done();
}

static void
test_ipv6_both_directions_find_one_flow(void **state)
{
	(void)state;
	struct ar_pkt_info a, b;

	table();
	memset(&a, 0, sizeof(a));
	a.tuple.family = AR_AF_INET6;
	a.tuple.proto = IPPROTO_TCP;
	a.tuple.src[0] = 0x20;
	a.tuple.src[15] = 1;
	a.tuple.dst[0] = 0x20;
	a.tuple.dst[15] = 2;
	a.tuple.sport = 50000;
	a.tuple.dport = 443;
	a.tcp_flags = SYN;
	a.seq = 10;
	b = a;
	memcpy(b.tuple.src, a.tuple.dst, 16);
	memcpy(b.tuple.dst, a.tuple.src, 16);
	b.tuple.sport = 443;
	b.tuple.dport = 50000;
	b.tcp_flags = SYN | ACK;
	b.seq = 90;
	b.ack = 11;
	assert_int_equal(ar_flow_process(R.t, &a, 1), 0);
	assert_int_equal(ar_flow_process(R.t, &b, 2), 0);
	b.tcp_flags = ACK;
	b.seq = 91;
	b.payload = (const uint8_t *)"v6";
	b.payload_len = 2;
	assert_int_equal(ar_flow_process(R.t, &b, 3), 0);
	assert_int_equal(st()->flows_created, 1);
	assert_stream(S2C, "v6");
	done();
}

/* A packet of the default connection seen on VLAN @outer (and @inner for QinQ). */
static int
pkt_vlan(int dir, uint8_t nvlan, uint16_t outer, uint16_t inner, uint8_t flags, uint32_t seq,
	 uint32_t ack, const char *data, uint64_t ts)
{
	struct ar_pkt_info pi =
		tcp4(dir, CPORT, SPORT, flags, seq, ack, data, data ? (uint32_t)strlen(data) : 0);

	pi.tuple.vlan_count = nvlan;
	pi.tuple.vlan[0] = nvlan > 0 ? outer : 0;
	pi.tuple.vlan[1] = nvlan > 1 ? inner : 0;
	return ar_flow_process(R.t, &pi, ts);
}

static void
test_same_five_tuple_on_two_vlans_is_two_flows(void **state)
{
	(void)state;
	struct ar_flow_ops o = ops;
	struct ar_flow_params p = params();
	const struct ar_flow *f10, *f20;

	o.on_flow_new = capture_new;
	p.ops = &o;
	table_with(&p);
	assert_int_equal(pkt_vlan(C2S, 1, 10, 0, SYN, 1000, 0, NULL, 1), 0);
	f10 = captured;
	assert_int_equal(pkt_vlan(C2S, 1, 20, 0, SYN, 3000, 0, NULL, 2), 0);
	f20 = captured;
	assert_ptr_not_equal(f10, f20);
	assert_int_equal(st()->flows_created, 2);
	/* Each reply finds the flow of its own VLAN. */
	assert_int_equal(pkt_vlan(S2C, 1, 20, 0, SYN | ACK, 7000, 3001, NULL, 3), 0);
	assert_int_equal(pkt_vlan(S2C, 1, 10, 0, SYN | ACK, 5000, 1001, NULL, 4), 0);
	assert_int_equal(pkt_vlan(C2S, 1, 10, 0, ACK, 1001, 5001, "ten", 5), 0);
	assert_int_equal(pkt_vlan(C2S, 1, 20, 0, ACK, 3001, 7001, "twenty", 6), 0);
	assert_int_equal(st()->flows_created, 2);
	assert_int_equal(f10->pkts[C2S], 2);
	assert_int_equal(f10->pkts[S2C], 1);
	assert_int_equal(f10->bytes[C2S], 3);
	assert_int_equal(f20->bytes[C2S], 6);
	assert_int_equal(f10->tuple.vlan_count, 1);
	assert_int_equal(f10->tuple.vlan[0], 10);
	assert_int_equal(f20->tuple.vlan[0], 20);
	assert_log("D0:3 D0:6 ");

	/* QinQ: the inner id tells flows apart too, and the flow keeps both ids. */
	assert_int_equal(pkt_vlan(C2S, 2, 10, 100, SYN, 1000, 0, NULL, 7), 0);
	assert_int_equal(captured->tuple.vlan_count, 2);
	assert_int_equal(captured->tuple.vlan[0], 10);
	assert_int_equal(captured->tuple.vlan[1], 100);
	assert_int_equal(pkt_vlan(C2S, 2, 10, 101, SYN, 1000, 0, NULL, 8), 0);
	assert_int_equal(st()->flows_created, 4);
	assert_int_equal(pkt_vlan(S2C, 2, 10, 101, SYN | ACK, 9000, 1001, NULL, 9), 0);
	assert_int_equal(captured->tcp_state, AR_TCP_SYN_RECV);
	assert_int_equal(st()->flows_created, 4);

	/* Untagged and priority-tagged (id 0) frames are one flow, as in Suricata. */
	assert_int_equal(pkt_vlan(C2S, 0, 0, 0, SYN, 1000, 0, NULL, 10), 0);
	assert_int_equal(captured->tuple.vlan_count, 0);
	assert_int_equal(pkt_vlan(S2C, 1, 0, 0, SYN | ACK, 5000, 1001, NULL, 11), 0);
	assert_int_equal(st()->flows_created, 5);
	assert_int_equal(captured->tcp_state, AR_TCP_SYN_RECV);
	captured = NULL;
	done();
}

/* A link that tags one direction only: with ignore_vlan both make one flow. */
static void
test_ignore_vlan_keys_on_the_five_tuple(void **state)
{
	(void)state;
	struct ar_flow_ops o = ops;
	struct ar_flow_params p = params();

	o.on_flow_new = capture_new;
	p.ops = &o;
	p.ignore_vlan = true;
	table_with(&p);
	assert_int_equal(pkt_vlan(C2S, 1, 3136, 0, SYN, 1000, 0, NULL, 1), 0);
	assert_int_equal(pkt_vlan(S2C, 0, 0, 0, SYN | ACK, 5000, 1001, NULL, 2), 0);
	assert_int_equal(pkt_vlan(C2S, 1, 3136, 0, ACK, 1001, 5001, "GET", 3), 0);
	assert_int_equal(pkt_vlan(S2C, 0, 0, 0, ACK, 5001, 1004, "200", 4), 0);
	assert_int_equal(st()->flows_created, 1);
	assert_stream(C2S, "GET");
	assert_stream(S2C, "200");
	/* The flow shows the ids of the packet that made it. */
	assert_int_equal(captured->tuple.vlan_count, 1);
	assert_int_equal(captured->tuple.vlan[0], 3136);
	captured = NULL;
	done();

	/* Without it, the two directions are two flows, each one-sided. */
	p.ignore_vlan = false;
	table_with(&p);
	assert_int_equal(pkt_vlan(C2S, 1, 3136, 0, SYN, 1000, 0, NULL, 1), 0);
	assert_int_equal(pkt_vlan(S2C, 0, 0, 0, SYN | ACK, 5000, 1001, NULL, 2), 0);
	assert_int_equal(st()->flows_created, 2);
	captured = NULL;
	done();
}

static void
test_lone_ack_rst_fin_make_no_flow(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt(C2S, ACK, 1, 1, NULL, 1), -ENOENT);
	assert_int_equal(pkt(C2S, RST, 1, 1, NULL, 1), -ENOENT);
	assert_int_equal(pkt(C2S, RST | ACK, 1, 1, "rst text", 1), -ENOENT);
	assert_int_equal(pkt(C2S, FIN | ACK, 1, 1, NULL, 1), -ENOENT);
	assert_int_equal(st()->pkts_no_flow, 4);
	assert_int_equal(st()->flows_created, 0);
	assert_int_equal(st()->segments, 0);
	done();
}

static void
test_non_tcp_udp_is_not_attached(void **state)
{
	(void)state;
	struct ar_pkt_info pi = tcp4(C2S, CPORT, SPORT, SYN, 1, 0, NULL, 0);

	table();
	pi.tuple.proto = 1; /* ICMP */
	assert_int_equal(ar_flow_process(R.t, &pi, 1), -ENOENT);
	assert_int_equal(st()->pkts_no_flow, 1);
	done();
}

static void
test_flow_ids_unique_and_never_zero(void **state)
{
	(void)state;
	uint64_t ids[5];

	table();
	for (int i = 0; i < 5; i++) {
		assert_int_equal(pkt_on(C2S, (uint16_t)(CPORT + i), SYN, 1, 0, NULL, 1), 0);
		ids[i] = R.last_id;
	}
	for (int i = 0; i < 5; i++) {
		assert_int_not_equal(ids[i], 0);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
	}
	done();
}

static void
test_l7_zeroed_when_an_entry_is_reused(void **state)
{
	(void)state;
	struct ar_flow_params p = params();

	p.max_flows = 1;
	table_with(&p);
	assert_int_equal(pkt_on(C2S, 1111, SYN, 1, 0, NULL, 1), 0);
	/* Full: the second flow reuses the entry whose l7 on_new dirtied. */
	assert_int_equal(pkt_on(C2S, 2222, SYN, 1, 0, NULL, 2), 0);
	assert_int_equal(R.l7_dirty, 0);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_EVICTED], 1);
	done();
}

/* ------------------------------------------------------------------ */
/* Timeouts                                                             */
/* ------------------------------------------------------------------ */

static void
test_timeout_new_flow(void **state)
{
	(void)state;
	table(); /* new 30, est 300, closed 10 */
	assert_int_equal(pkt(C2S, SYN, 1000, 0, NULL, 100), 0);
	ar_flow_expire(R.t, 130); /* idle 30: not longer than the timeout */
	assert_int_equal(st()->flows_live, 1);
	ar_flow_expire(R.t, 131);
	assert_int_equal(st()->flows_live, 0);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_TIMEOUT], 1);
	assert_log("N X:timeout ");
	done();
}

static void
test_timeout_established_flow(void **state)
{
	(void)state;
	table();
	handshake(100);
	ar_flow_expire(R.t, 131); /* would have ended a new flow */
	assert_int_equal(st()->flows_live, 1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "a", 200), 0);
	ar_flow_expire(R.t, 500);
	assert_int_equal(st()->flows_live, 1);
	ar_flow_expire(R.t, 501);
	assert_int_equal(st()->flows_live, 0);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_TIMEOUT], 1);
	done();
}

static void
test_timeout_closed_flow_ends_with_its_close_reason(void **state)
{
	(void)state;
	table();
	handshake(100);
	assert_int_equal(pkt(C2S, FIN | ACK, 1001, 5001, NULL, 101), 0);
	assert_int_equal(pkt(S2C, FIN | ACK, 5001, 1002, NULL, 102), 0);
	ar_flow_expire(R.t, 112);
	assert_int_equal(st()->flows_live, 1);
	ar_flow_expire(R.t, 113);
	assert_int_equal(st()->flows_live, 0);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_CLOSED], 1);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_TIMEOUT], 0);
	assert_log("N E0 E1 X:closed ");
	done();
}

static void
test_expire_ends_only_idle_flows(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt_on(C2S, 1001, ACK, 1, 1, "a", 10), 0); /* est */
	assert_int_equal(pkt_on(C2S, 1002, ACK, 1, 1, "b", 20), 0); /* est */
	assert_int_equal(pkt_on(C2S, 1001, ACK, 2, 1, "c", 30), 0); /* 1001 seen again */
	ar_flow_expire(R.t, 321);                                   /* 1002 idle 301 */
	assert_int_equal(st()->flows_live, 1);
	assert_int_equal(R.n_end, 1);
	assert_int_equal(R.ended_ids[0], 2);
	ar_flow_expire(R.t, 331);
	assert_int_equal(st()->flows_live, 0);
	assert_int_equal(R.ended_ids[1], 1);
	done();
}

/* ------------------------------------------------------------------ */
/* Eviction                                                             */
/* ------------------------------------------------------------------ */

static void
test_eviction_order_closed_then_new_then_oldest_established(void **state)
{
	(void)state;
	struct ar_flow_params p = params();

	p.max_flows = 4;
	table_with(&p);
	assert_int_equal(pkt_on(C2S, 1001, ACK, 1, 1, "a", 1), 0);  /* id 1: est */
	assert_int_equal(pkt_on(C2S, 1002, ACK, 1, 1, "b", 2), 0);  /* id 2: est */
	assert_int_equal(pkt_on(C2S, 1003, SYN, 1, 0, NULL, 3), 0); /* id 3: new */
	assert_int_equal(pkt_on(C2S, 1004, ACK, 1, 1, "d", 4), 0);  /* id 4: est */
	assert_int_equal(pkt_on(C2S, 1004, RST, 2, 1, NULL, 5), 0); /* id 4: closed */
	assert_int_equal(pkt_on(C2S, 1001, ACK, 2, 1, "a", 6), 0);  /* id 1 seen again */
	clear_log();

	assert_int_equal(pkt_on(C2S, 2001, SYN, 1, 0, NULL, 7), 0); /* evicts the closed one */
	assert_int_equal(R.ended_ids[R.n_end - 1], 4);
	assert_int_equal(pkt_on(C2S, 2002, SYN, 1, 0, NULL, 8), 0); /* then the new one, id 3 */
	assert_int_equal(R.ended_ids[R.n_end - 1], 3);
	/* Now: 1 (est, t6), 2 (est, t2), 5 and 6 (new, t7, t8): new go first, oldest first. */
	assert_int_equal(pkt_on(C2S, 2003, ACK, 1, 1, "x", 9), 0);
	assert_int_equal(R.ended_ids[R.n_end - 1], 5);
	assert_int_equal(pkt_on(C2S, 2004, ACK, 1, 1, "y", 10), 0);
	assert_int_equal(R.ended_ids[R.n_end - 1], 6);
	/* Only established left: 2 is the oldest. */
	assert_int_equal(pkt_on(C2S, 2005, ACK, 1, 1, "z", 11), 0);
	assert_int_equal(R.ended_ids[R.n_end - 1], 2);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_EVICTED], 5);
	assert_int_equal(st()->flows_live, 4);
	assert_log("X:evicted N X:evicted N X:evicted N D0:1 X:evicted N D0:1 X:evicted N D0:1 ");
	done();
}

static void
test_eviction_delivers_held_data_before_end(void **state)
{
	(void)state;
	struct ar_flow_params p = params();

	p.max_flows = 1;
	table_with(&p);
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "ab", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1006, 5001, "fg", 3), 0); /* hole: cde */
	clear_log();
	assert_int_equal(pkt_on(C2S, 3333, SYN, 1, 0, NULL, 4), 0);
	assert_log("G0:3 D0:2 X:evicted N ");
	assert_stream(C2S, "ab~~~fg");
	assert_int_equal(st()->flows_ended[AR_FLOW_END_EVICTED], 1);
	assert_int_equal(st()->ooo_bytes, 0);
	done();
}

/* ------------------------------------------------------------------ */
/* TCP state                                                            */
/* ------------------------------------------------------------------ */

static void
test_handshake_states(void **state)
{
	(void)state;
	struct ar_flow_ops o = ops;
	struct ar_flow_params p = params();

	o.on_flow_new = capture_new;
	p.ops = &o;
	table_with(&p);
	assert_int_equal(pkt(C2S, SYN, 1000, 0, NULL, 1), 0);
	assert_int_equal(captured->tcp_state, AR_TCP_SYN_SENT);
	assert_int_equal(captured->midstream, 0);
	assert_int_equal(pkt(S2C, SYN | ACK, 5000, 1001, NULL, 2), 0);
	assert_int_equal(captured->tcp_state, AR_TCP_SYN_RECV);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, NULL, 3), 0);
	assert_int_equal(captured->tcp_state, AR_TCP_ESTABLISHED);
	assert_int_equal(pkt(C2S, ACK | PSH, 1001, 5001, "GET / HTTP/1.1\r\n\r\n", 4), 0);
	assert_int_equal(pkt(S2C, ACK | PSH, 5001, 1019, "HTTP/1.1 200 OK\r\n\r\n", 5), 0);
	assert_stream(C2S, "GET / HTTP/1.1\r\n\r\n");
	assert_stream(S2C, "HTTP/1.1 200 OK\r\n\r\n");
	assert_int_equal(st()->segments_in_order, 2);
	assert_int_equal(st()->gaps, 0);
	captured = NULL;
	done();
}

static void
test_syn_retransmission_is_harmless(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt(C2S, SYN, 1000, 0, NULL, 1), 0);
	assert_int_equal(pkt(C2S, SYN, 1000, 0, NULL, 2), 0);
	assert_int_equal(pkt(C2S, SYN, 1000, 0, NULL, 3), 0);
	handshake(4);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 5), 0);
	assert_int_equal(st()->flows_created, 1);
	assert_stream(C2S, "abc");
	assert_log("N D0:3 ");
	done();
}

static void
test_fin_each_way_calls_eof_and_closes(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK | FIN, 1001, 5001, "bye", 2), 0);
	assert_int_equal(pkt(S2C, ACK, 5001, 1005, "ok", 3), 0);
	assert_int_equal(pkt(S2C, ACK | FIN, 5003, 1005, NULL, 4), 0);
	assert_int_equal(pkt(C2S, ACK, 1005, 5004, NULL, 5), 0);
	assert_log("N D0:3 E0 D1:2 E1 ");
	/* A retransmitted FIN changes nothing. */
	assert_int_equal(pkt(C2S, ACK | FIN, 1001, 5001, "bye", 6), 0);
	assert_int_equal(st()->segments_retrans, 1);
	clear_log();
	done();
	assert_log("X:closed ");
}

static void
test_fin_after_hole_waits_for_the_data(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK | FIN, 1004, 5001, "def", 2), 0);
	assert_log("N ");
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 3), 0);
	assert_log("N D0:3 D0:3 E0 ");
	assert_stream(C2S, "abcdef");
	done();
}

static void
test_fin_with_hole_gap_when_fin_is_acked(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK | FIN, 1004, 5001, "def", 2), 0);
	/* The server ACKs the FIN: "abc" went by without us. */
	assert_int_equal(pkt(S2C, ACK, 5001, 1008, NULL, 3), 0);
	assert_log("N G0:3 D0:3 E0 ");
	assert_stream(C2S, "~~~def");
	assert_int_equal(st()->gaps, 1);
	assert_int_equal(st()->gap_bytes, 3);
	done();
}

static void
test_fin_with_hole_gap_at_flow_end(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK | FIN, 1004, 5001, NULL, 2), 0);
	clear_log();
	done();
	assert_log("G0:3 E0 X:shutdown ");
}

static void
test_rst_ends_both_directions(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 2), 0);
	assert_int_equal(pkt(S2C, RST | ACK, 5001, 1004, NULL, 3), 0);
	assert_log("N D0:3 E0 E1 ");
	/* Data crossing the RST: old is a retransmission, new is flagged. */
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 4), 0);
	assert_int_equal(pkt(C2S, ACK, 1004, 5001, "zz", 5), 0);
	assert_int_equal(st()->segments_retrans, 1);
	assert_int_equal(st()->segments_after_close, 1);
	assert_int_equal(R.anomalies[AR_FLOW_AN_BAD_SEQ_AFTER_CLOSE], 1);
	ar_flow_expire(R.t, 16);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_RST], 1);
	assert_log("N D0:3 E0 E1 A0:bad_seq_after_close X:rst ");
	done();
}

static void
test_rst_delivers_held_data_as_gap_and_data(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "cd", 2), 0);
	assert_int_equal(pkt(C2S, RST, 1005, 0, NULL, 3), 0);
	assert_log("N G0:2 D0:2 E0 E1 ");
	done();
}

static void
test_data_past_fin_is_flagged(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK | FIN, 1001, 5001, "a", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "zz", 3), 0);
	assert_int_equal(st()->segments_after_close, 1);
	assert_log("N D0:1 E0 A0:bad_seq_after_close ");
	done();
}

static void
test_new_syn_on_closed_flow_starts_a_new_flow(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, RST, 1001, 0, NULL, 2), 0);
	assert_int_equal(pkt(C2S, SYN, 9000, 0, NULL, 3), 0);
	assert_int_equal(pkt(S2C, SYN | ACK, 7000, 9001, NULL, 4), 0);
	assert_int_equal(pkt(C2S, ACK, 9001, 7001, "new", 5), 0);
	assert_log("N E0 E1 X:rst N D0:3 ");
	assert_int_equal(st()->flows_created, 2);
	done();
}

/*
 * A packet of the default connection with a receive window @win (raw) and,
 * for a SYN, a window scale @ws (0xff: none); @auth: a TCP-MD5/AO option.
 */
static int
pkt_win(int dir, uint8_t flags, uint32_t seq, uint32_t ack, const char *data, uint16_t win,
	uint8_t ws, uint8_t auth, uint64_t ts)
{
	struct ar_pkt_info pi =
		tcp4(dir, CPORT, SPORT, flags, seq, ack, data, data ? (uint32_t)strlen(data) : 0);

	pi.win = win;
	pi.wscale = ws;
	pi.tcp_auth = auth;
	return ar_flow_process(R.t, &pi, ts);
}

/* Client ISN 1000 and server ISN 5000 as handshake(), windows scaled by 2^2 and 2^3. */
static void
handshake_win(uint8_t auth, uint64_t ts)
{
	assert_int_equal(pkt_win(C2S, SYN, 1000, 0, NULL, 64240, 2, auth, ts), 0);
	assert_int_equal(pkt_win(S2C, SYN | ACK, 5000, 1001, NULL, 65160, 3, auth, ts), 0);
	/* Windows now in units of 4 (client) and 8 (server) bytes. */
	assert_int_equal(pkt_win(C2S, ACK, 1001, 5001, NULL, 1000, 0xff, 0, ts), 0);
	assert_int_equal(pkt_win(S2C, ACK, 5001, 1001, NULL, 500, 0xff, 0, ts), 0);
}

static void
test_rst_in_window_closes(void **state)
{
	(void)state;
	table();
	handshake_win(0, 1);
	assert_int_equal(pkt_win(C2S, ACK, 1001, 5001, "abc", 1000, 0xff, 0, 2), 0);
	/* The server's window is 500 * 8 = 4000 bytes from 1004: a RST at its last byte. */
	assert_int_equal(pkt_win(C2S, RST, 1004 + 3999, 0, NULL, 0, 0xff, 0, 3), 0);
	assert_log("N D0:3 E0 E1 ");
	assert_int_equal(st()->rst_rejected, 0);
	ar_flow_expire(R.t, 20);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_RST], 1);
	assert_log("N D0:3 E0 E1 X:rst ");
	done();
}

static void
test_rst_out_of_window_counted_and_ignored(void **state)
{
	(void)state;
	table();
	handshake_win(0, 1);
	assert_int_equal(pkt_win(C2S, ACK, 1001, 5001, "abc", 1000, 0xff, 0, 2), 0);
	/* One past the server's window, then below what it acknowledged. */
	assert_int_equal(pkt_win(C2S, RST, 1004 + 4000, 0, NULL, 0, 0xff, 0, 3), 0);
	assert_int_equal(pkt_win(S2C, ACK, 5001, 1004, NULL, 500, 0xff, 0, 4), 0);
	assert_int_equal(pkt_win(C2S, RST | ACK, 1003, 5001, NULL, 0, 0xff, 0, 5), 0);
	/* The other way: the client's window is 1000 * 4 bytes from 5001. */
	assert_int_equal(pkt_win(S2C, RST, 5001 + 4000, 0, NULL, 0, 0xff, 0, 6), 0);
	assert_int_equal(st()->rst_rejected, 3);
	assert_int_equal(R.anomalies[AR_FLOW_AN_RST_REJECTED], 3);
	assert_int_equal(st()->flows_live, 1);
	/* The stream goes on: data after the RSTs is reassembled. */
	assert_int_equal(pkt_win(C2S, ACK, 1005, 5001, "e", 1000, 0xff, 0, 7), 0);
	assert_int_equal(pkt_win(C2S, ACK, 1004, 5001, "d", 1000, 0xff, 0, 8), 0);
	assert_int_equal(pkt_win(S2C, ACK, 5001, 1006, "ok", 500, 0xff, 0, 9), 0);
	assert_stream(C2S, "abcde");
	assert_stream(S2C, "ok");
	assert_int_equal(st()->segments_after_close, 0);
	assert_log("N D0:3 A0:rst_rejected A0:rst_rejected A1:rst_rejected D0:1 D0:1 D1:2 ");
	/* A RST at the sender's next byte still ends it. */
	assert_int_equal(pkt_win(S2C, RST, 5003, 0, NULL, 0, 0xff, 0, 10), 0);
	assert_log("N D0:3 A0:rst_rejected A0:rst_rejected A1:rst_rejected D0:1 D0:1 D1:2 E0 E1 ");
	assert_int_equal(st()->rst_rejected, 3);
	assert_int_equal(st()->flows_live, 1);
	done();
}

/*
 * The evasion of suricata-verify security-4710: a RST at the right seq but
 * with a TCP-MD5 option the server never agreed to; the server drops it and
 * the request follows.
 */
static void
test_rst_signed_unlike_the_handshake_ignored(void **state)
{
	(void)state;
	table();
	handshake_win(0, 1);
	assert_int_equal(pkt_win(C2S, RST | ACK, 1001, 5001, NULL, 8192, 0xff, 1, 2), 0);
	assert_int_equal(pkt_win(C2S, ACK | PSH, 1001, 5001, "GET /", 8192, 0xff, 0, 3), 0);
	assert_int_equal(st()->rst_rejected, 1);
	assert_stream(C2S, "GET /");
	assert_log("N A0:rst_rejected D0:5 ");
	done();

	/* A connection signed from its SYN on: an unsigned RST is dropped, a signed one ends it. */
	table();
	handshake_win(1, 1);
	assert_int_equal(pkt_win(S2C, RST, 5001, 0, NULL, 0, 0xff, 0, 2), 0);
	assert_int_equal(st()->rst_rejected, 1);
	assert_int_equal(pkt_win(S2C, RST, 5001, 0, NULL, 0, 0xff, 1, 3), 0);
	assert_log("N A1:rst_rejected E0 E1 ");
	done();
}

/* Without the handshake the window scale is unknown: taken as 14, the largest. */
static void
test_rst_midstream_window_scale_unknown(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt_win(C2S, ACK, 1001, 5001, "abc", 1000, 0xff, 0, 1), 0);
	assert_int_equal(pkt_win(S2C, ACK, 5001, 1004, NULL, 2, 0xff, 0, 2), 0);
	/* The server advertised 2 << 14 bytes: 1004 + 32767 is in, 1004 + 32768 out. */
	assert_int_equal(pkt_win(C2S, RST, 1004 + 32768, 0, NULL, 0, 0xff, 0, 3), 0);
	assert_int_equal(st()->rst_rejected, 1);
	/* No SYN seen: a signed RST is not judged by its signature. */
	assert_int_equal(pkt_win(C2S, RST, 1004 + 32767, 0, NULL, 0, 0xff, 1, 4), 0);
	assert_log("N D0:3 A0:rst_rejected E0 E1 ");
	done();
}

static void
test_tfo_syn_data_delivered_when_accepted(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt(C2S, SYN, 1000, 0, "GET /", 1), 0);
	assert_int_equal(pkt(S2C, SYN | ACK, 5000, 1006, NULL, 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1006, 5001, " HTTP", 3), 0);
	assert_stream(C2S, "GET / HTTP");
	assert_int_equal(st()->segments_in_order, 2);
	assert_int_equal(st()->gaps, 0);
	done();
}

static void
test_tfo_syn_data_not_delivered_twice_when_refused(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt(C2S, SYN, 1000, 0, "GET /", 1), 0);
	/* The server acks only the SYN: the client sends the data again. */
	assert_int_equal(pkt(S2C, SYN | ACK, 5000, 1001, NULL, 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "GET /", 3), 0);
	assert_int_equal(pkt(C2S, ACK, 1006, 5001, " HTTP", 4), 0);
	assert_stream(C2S, "GET / HTTP");
	assert_int_equal(st()->segments_retrans, 1);
	assert_int_equal(st()->gaps, 0);
	/* Retransmitted SYN with its data: also not again. */
	assert_int_equal(pkt(C2S, SYN, 1000, 0, "GET /", 5), 0);
	assert_stream(C2S, "GET / HTTP");
	assert_int_equal(st()->segments_retrans, 2);
	done();
}

static void
test_missed_syn_ack_server_seq_from_client_ack(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt(C2S, SYN, 1000, 0, NULL, 1), 0);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "q", 2), 0);
	/* The server's first bytes were lost: the client's ack told us where it starts. */
	assert_int_equal(pkt(S2C, ACK, 5004, 1002, "xyz", 3), 0);
	assert_int_equal(pkt(C2S, ACK, 1002, 5007, NULL, 4), 0);
	assert_log("N D0:1 G1:3 D1:3 ");
	done();
}

/* ------------------------------------------------------------------ */
/* Reassembly                                                           */
/* ------------------------------------------------------------------ */

static void
test_in_order_data_handed_up_from_the_packet(void **state)
{
	(void)state;
	static const char payload[] = "zero-copy";

	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, payload, 2), 0);
	assert_ptr_equal(R.last_data, payload);
	done();
}

static unsigned both_ways_ended;

static void
count_both_ways(void *ctx, struct ar_flow *f, enum ar_flow_end why, uint64_t ts)
{
	(void)ctx;
	(void)why;
	(void)ts;
	if (f->pkts[C2S] == 1 && f->pkts[S2C] == 1 && f->bytes[C2S] == 2 && f->bytes[S2C] == 3 &&
	    f->tuple.sport >= 30000 && f->tuple.sport < 30064 && f->tuple.dport == SPORT)
		both_ways_ended++;
}

static void
test_many_flows_each_found_from_both_sides(void **state)
{
	(void)state;
	struct ar_flow_ops o = { .on_flow_end = count_both_ways };
	struct ar_flow_params p = params();

	p.max_flows = 64;
	p.ops = &o;
	table_with(&p);
	for (uint16_t i = 0; i < 64; i++)
		assert_int_equal(pkt_on(C2S, (uint16_t)(30000 + i), ACK, 1, 1, "rq", 1), 0);
	for (uint16_t i = 64; i-- > 0;)
		assert_int_equal(pkt_on(S2C, (uint16_t)(30000 + i), ACK, 1, 3, "rsp", 2), 0);
	assert_int_equal(st()->flows_created, 64);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_EVICTED], 0);
	both_ways_ended = 0;
	done();
	assert_int_equal(both_ways_ended, 64);
}

static void
test_reordered_segments_delivered_in_order(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1007, 5001, "ghi", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1004, 5001, "def", 3), 0);
	assert_int_equal(st()->ooo_bytes, 6);
	assert_int_equal(st()->ooo_bytes_max, 6);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 4), 0);
	assert_log("N D0:3 D0:3 D0:3 ");
	assert_stream(C2S, "abcdefghi");
	assert_int_equal(st()->segments_reordered, 2);
	assert_int_equal(st()->segments_in_order, 1);
	assert_int_equal(st()->ooo_bytes, 0);
	done();
}

static void
test_duplicate_segments_counted_as_retransmissions(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 3), 0); /* delivered already */
	assert_int_equal(pkt(C2S, ACK, 1007, 5001, "ghi", 4), 0);
	assert_int_equal(pkt(C2S, ACK, 1007, 5001, "ghi", 5), 0); /* held already */
	assert_int_equal(pkt(C2S, ACK, 1004, 5001, "def", 6), 0);
	assert_stream(C2S, "abcdefghi");
	assert_int_equal(st()->segments, 5);
	assert_int_equal(st()->segments_in_order, 2);
	assert_int_equal(st()->segments_reordered, 1);
	assert_int_equal(st()->segments_retrans, 2);
	assert_int_equal(st()->segments_overlap_diff, 0);
	done();
}

static void
test_overlap_with_same_data_not_flagged(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1005, 5001, "efgh", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "cdefgh", 3), 0); /* overlaps, same */
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "ab", 4), 0);
	assert_stream(C2S, "abcdefgh");
	assert_int_equal(st()->segments_overlap_diff, 0);
	assert_int_equal(R.anomalies[AR_FLOW_AN_OVERLAP_DIFF], 0);
	assert_int_equal(st()->segments_reordered, 2);
	done();
}

static void
overlap_diff_run(enum ar_flow_overlap_policy pol, const char *expect)
{
	struct ar_flow_params p = params();

	p.overlap = pol;
	table_with(&p);
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1004, 5001, "DEF", 2), 0);    /* held */
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "cdefgh", 3), 0); /* differs over DEF */
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "ab", 4), 0);
	assert_stream(C2S, expect);
	assert_int_equal(st()->segments_overlap_diff, 1);
	assert_int_equal(R.anomalies[AR_FLOW_AN_OVERLAP_DIFF], 1);
	assert_int_equal(st()->segments_reordered, 2);
	assert_log("N A0:overlap_diff D0:2 D0:1 D0:3 D0:2 ");
	done();
}

static void
test_overlap_with_different_data_policy_first(void **state)
{
	(void)state;
	overlap_diff_run(AR_OVERLAP_FIRST, "abcDEFgh");
}

static void
test_overlap_with_different_data_policy_last(void **state)
{
	(void)state;
	overlap_diff_run(AR_OVERLAP_LAST, "abcdefgh");
}

static void
in_order_over_held_run(enum ar_flow_overlap_policy pol, const char *expect)
{
	struct ar_flow_params p = params();

	p.overlap = pol;
	table_with(&p);
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "CD", 2), 0); /* held */
	/* In order, and covers the held bytes with other ones. */
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abcdef", 3), 0);
	assert_stream(C2S, expect);
	assert_int_equal(st()->segments_overlap_diff, 1);
	assert_log("N A0:overlap_diff D0:2 D0:2 D0:2 ");
	done();
}

static void
test_in_order_segment_over_held_data_policy_first(void **state)
{
	(void)state;
	in_order_over_held_run(AR_OVERLAP_FIRST, "abCDef");
}

static void
test_in_order_segment_over_held_data_policy_last(void **state)
{
	(void)state;
	in_order_over_held_run(AR_OVERLAP_LAST, "abcdef");
}

static void
test_partial_retransmission_delivers_only_new_part(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abcd", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "cdefg", 3), 0);
	assert_log("N D0:4 D0:3 ");
	assert_stream(C2S, "abcdefg");
	assert_int_equal(st()->segments_in_order, 2);
	done();
}

static void
test_missing_segment_gap_on_ack_with_exact_length(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "ab", 2), 0);
	/* 1003..1009 never captured; 1010.. held. */
	assert_int_equal(pkt(C2S, ACK, 1010, 5001, "jk", 3), 0);
	assert_int_equal(pkt(S2C, ACK, 5001, 1012, NULL, 4), 0);
	assert_log("N D0:2 G0:7 D0:2 ");
	assert_stream(C2S, "ab~~~~~~~jk");
	assert_int_equal(st()->gaps, 1);
	assert_int_equal(st()->gap_bytes, 7);
	assert_int_equal(R.anomalies[AR_FLOW_AN_GAP], 1);
	/* The stream goes on after the gap. */
	assert_int_equal(pkt(C2S, ACK, 1012, 5001, "lm", 5), 0);
	assert_stream(C2S, "ab~~~~~~~jklm");
	done();
}

static void
test_ack_past_everything_held_gaps_to_the_ack(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "cd", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1007, 5001, "gh", 3), 0);
	assert_int_equal(pkt(S2C, ACK, 5001, 1011, NULL, 4), 0);
	assert_log("N G0:2 D0:2 G0:2 D0:2 G0:2 ");
	assert_stream(C2S, "~~cd~~gh~~");
	assert_int_equal(st()->gap_bytes, 6);
	done();
}

/* Captures often show an ACK before the data it acknowledges. */
static void
test_ack_before_its_data_is_no_gap(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(S2C, ACK, 5001, 1004, NULL, 2), 0);
	assert_int_equal(pkt(S2C, ACK, 5001, 1007, NULL, 3), 0);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "abc", 4), 0);
	assert_int_equal(pkt(C2S, ACK, 1004, 5001, "def", 5), 0);
	assert_log("N D0:3 D0:3 ");
	assert_int_equal(st()->gaps, 0);
	assert_stream(C2S, "abcdef");
	done();
}

/* It is a gap once data past the hole shows up: held data, or a FIN. */
static void
test_ack_ahead_is_a_gap_once_data_beyond_shows(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(S2C, ACK, 5001, 1007, NULL, 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1004, 5001, "def", 3), 0);
	assert_log("N G0:3 D0:3 ");
	/* Held data past the acknowledged part of a hole: that part is a gap. */
	assert_int_equal(pkt(S2C, ACK, 5001, 1009, NULL, 4), 0);
	assert_log("N G0:3 D0:3 ");
	assert_int_equal(pkt(C2S, ACK, 1011, 5001, "kl", 5), 0);
	assert_log("N G0:3 D0:3 G0:2 ");
	assert_int_equal(pkt(C2S, ACK, 1007, 5001, "ghij", 6), 0);
	assert_log("N G0:3 D0:3 G0:2 D0:2 D0:2 ");
	/* A FIN past an acknowledged hole. */
	assert_int_equal(pkt(S2C, ACK, 5001, 1016, NULL, 7), 0);
	assert_log("N G0:3 D0:3 G0:2 D0:2 D0:2 ");
	assert_int_equal(pkt(C2S, ACK | FIN, 1016, 5001, NULL, 8), 0);
	assert_log("N G0:3 D0:3 G0:2 D0:2 D0:2 G0:3 E0 ");
	assert_stream(C2S, "~~~def~~ijkl~~~");
	assert_int_equal(st()->gap_bytes, 8);
	done();
}

/* Acknowledged data never seen is a gap when the stream ends, by flush or RST. */
static void
test_ack_ahead_is_a_gap_at_stream_end(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "ab", 2), 0);
	assert_int_equal(pkt(S2C, ACK, 5001, 1006, NULL, 3), 0);
	clear_log();
	done();
	assert_log("G0:3 X:shutdown ");

	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "ab", 2), 0);
	assert_int_equal(pkt(S2C, ACK, 5001, 1006, NULL, 3), 0);
	assert_int_equal(pkt(C2S, RST, 1006, 0, NULL, 4), 0);
	assert_log("N D0:2 G0:3 E0 E1 ");
	done();
}

static void
test_flush_delivers_held_data_as_gap_then_data(void **state)
{
	(void)state;
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "a", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1004, 5001, "d", 3), 0);
	assert_int_equal(pkt(S2C, ACK, 5003, 1002, "zz", 4), 0);
	clear_log();
	done();
	assert_log("G0:2 D0:1 G1:2 D1:2 X:shutdown ");
	assert_stream(C2S, "a~~d");
	assert_stream(S2C, "~~zz");
}

static void
test_per_flow_cap_drops_segment_and_gaps(void **state)
{
	(void)state;
	struct ar_flow_params p = params();

	p.ooo_flow_cap = 4;
	table_with(&p);
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "cd", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1005, 5001, "ef", 3), 0); /* 4 held: at the cap */
	assert_int_equal(pkt(C2S, ACK, 1009, 5001, "ij", 4), 0); /* over: dropped */
	assert_log("N A0:ooo_flow_cap G0:2 D0:2 D0:2 G0:4 ");
	assert_stream(C2S, "~~cdef~~~~");
	assert_int_equal(st()->segments_dropped_cap, 1);
	assert_int_equal(st()->segments_reordered, 2);
	assert_int_equal(R.anomalies[AR_FLOW_AN_OOO_FLOW_CAP], 1);
	assert_int_equal(st()->ooo_bytes, 0);
	assert_int_equal(st()->ooo_bytes_max, 4);
	/* Goes on in order after the dropped segment. */
	assert_int_equal(pkt(C2S, ACK, 1011, 5001, "kl", 5), 0);
	assert_stream(C2S, "~~cdef~~~~kl");
	done();
}

static void
test_per_worker_cap_across_flows(void **state)
{
	(void)state;
	struct ar_flow_params p = params();
	char big[257];

	memset(big, 'x', 256);
	big[256] = '\0';
	p.ooo_worker_cap = 512; /* two chunks */
	table_with(&p);
	assert_int_equal(pkt_on(C2S, 1001, ACK, 100, 1, "a", 1), 0);
	assert_int_equal(pkt_on(C2S, 1002, ACK, 100, 1, "a", 1), 0);
	assert_int_equal(pkt_on(C2S, 1001, ACK, 102, 1, big, 2), 0); /* held: 256 */
	assert_int_equal(pkt_on(C2S, 1002, ACK, 102, 1, big, 3), 0); /* held: 512 */
	assert_int_equal(st()->ooo_bytes, 512);
	clear_log();
	/* Flow 1002 again: no room in the table, though its own cap has room. */
	assert_int_equal(pkt_on(C2S, 1002, ACK, 400, 1, "q", 4), 0);
	assert_int_equal(st()->segments_dropped_cap, 1);
	assert_int_equal(R.anomalies[AR_FLOW_AN_OOO_WORKER_CAP], 1);
	assert_log("A0:ooo_worker_cap G0:1 D0:256 G0:43 ");
	assert_int_equal(st()->ooo_bytes, 256);
	/* Room again: flow 1002 can hold. */
	assert_int_equal(pkt_on(C2S, 1002, ACK, 500, 1, "r", 5), 0);
	assert_int_equal(st()->ooo_bytes, 257);
	assert_int_equal(st()->segments_reordered, 3);
	done();
}

static void
test_small_segments_use_whole_chunks_of_the_worker_pool(void **state)
{
	(void)state;
	struct ar_flow_params p = params();

	p.ooo_worker_cap = 512; /* two chunks: two small segments fill it */
	table_with(&p);
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, "c", 2), 0);
	assert_int_equal(pkt(C2S, ACK, 1005, 5001, "e", 3), 0);
	assert_int_equal(pkt(C2S, ACK, 1007, 5001, "g", 4), 0);
	assert_int_equal(st()->segments_dropped_cap, 1);
	assert_stream(C2S, "~~c~e~~");
	done();
}

static void
test_segment_larger_than_a_chunk_held_in_pieces(void **state)
{
	(void)state;
	char big[1001], expect[1003];

	for (int i = 0; i < 1000; i++)
		big[i] = (char)('A' + i % 26);
	big[1000] = '\0';
	table();
	handshake(1);
	assert_int_equal(pkt(C2S, ACK, 1003, 5001, big, 2), 0);
	assert_int_equal(st()->ooo_bytes, 1000);
	assert_int_equal(pkt(C2S, ACK, 1001, 5001, "01", 3), 0);
	assert_log("N D0:2 D0:256 D0:256 D0:256 D0:232 ");
	snprintf(expect, sizeof(expect), "01%s", big);
	assert_stream(C2S, expect);
	done();
}

static void
test_seq_wraparound(void **state)
{
	(void)state;
	table();
	assert_int_equal(pkt(C2S, SYN, 0xfffffffa, 0, NULL, 1), 0);
	assert_int_equal(pkt(S2C, SYN | ACK, 0xfffffff0, 0xfffffffb, NULL, 2), 0);
	assert_int_equal(pkt(C2S, ACK, 0xfffffffb, 0xfffffff1, NULL, 3), 0);
	/* Bytes 0xfffffffb..0xffffffff are "abcde", then 0x0.. "fgh", "ijk". */
	assert_int_equal(pkt(C2S, ACK, 3, 0xfffffff1, "ijk", 4), 0);
	assert_int_equal(pkt(C2S, ACK, 0, 0xfffffff1, "fgh", 5), 0);
	assert_int_equal(pkt(C2S, ACK, 0xfffffffb, 0xfffffff1, "abcde", 6), 0);
	assert_int_equal(pkt(C2S, ACK, 0xfffffffd, 0xfffffff1, "cdefg", 7), 0); /* old */
	assert_stream(C2S, "abcdefghijk");
	assert_int_equal(st()->segments_retrans, 1);
	/* A gap across the wrap: 0xfffffff1..2 missed, "zz" at 3, the client acks 5. */
	assert_int_equal(pkt(S2C, ACK, 3, 6, "zz", 8), 0);
	assert_int_equal(pkt(C2S, ACK, 6, 5, NULL, 9), 0);
	assert_stream(S2C, "~~~~~~~~~~~~~~~~~~zz");
	assert_int_equal(pkt(C2S, ACK | FIN, 6, 5, NULL, 10), 0);
	assert_int_equal(pkt(S2C, ACK | FIN, 5, 7, NULL, 11), 0);
	assert_log("N D0:5 D0:3 D0:3 G1:18 D1:2 E0 E1 ");
	done();
}

static void
test_udp_datagrams_each_delivered(void **state)
{
	(void)state;
	struct ar_pkt_info pi = tcp4(C2S, 53000, 53, 0, 0, 0, "query", 5);

	table();
	pi.tuple.proto = IPPROTO_UDP;
	assert_int_equal(ar_flow_process(R.t, &pi, 1), 0);
	pi = tcp4(S2C, 53000, 53, 0, 0, 0, "answer", 6);
	pi.tuple.proto = IPPROTO_UDP;
	assert_int_equal(ar_flow_process(R.t, &pi, 2), 0);
	assert_int_equal(ar_flow_process(R.t, &pi, 3), 0);
	assert_log("N D0:5 D1:6 D1:6 ");
	assert_int_equal(st()->udp_pkts, 3);
	assert_int_equal(st()->segments, 0);
	assert_int_equal(st()->flows_created, 1);
	ar_flow_expire(R.t, 303);
	assert_int_equal(st()->flows_live, 1);
	ar_flow_expire(R.t, 304);
	assert_int_equal(st()->flows_ended[AR_FLOW_END_TIMEOUT], 1);
	done();
}

/* A deterministic shuffle of one stream into segments, with duplicates. */
static void
test_scrambled_stream_reassembles_exactly(void **state)
{
	(void)state;
	char stream[2000];
	uint32_t x = 12345;

	struct ar_flow_params p = params();

	p.ooo_worker_cap = 100 * 256; /* each 20-byte segment takes a chunk */
	for (int i = 0; i < 2000; i++)
		stream[i] = (char)('a' + i % 23);
	table_with(&p);
	handshake(1);
	/* 100 segments of 20 bytes, sent in a scrambled order, each twice. */
	int order[100];

	for (int i = 0; i < 100; i++)
		order[i] = i;
	for (int i = 99; i > 0; i--) {
		x = x * 1103515245 + 12345;
		int j = (int)((x >> 16) % (uint32_t)(i + 1));
		int tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 100; i++) {
			struct ar_pkt_info pi =
				tcp4(C2S, CPORT, SPORT, ACK, 1001 + (uint32_t)order[i] * 20, 5001,
				     stream + order[i] * 20, 20);

			assert_int_equal(ar_flow_process(R.t, &pi, 2), 0);
			check_identity();
		}
	assert_int_equal(R.slen[C2S], 2000);
	assert_memory_equal(R.stream[C2S], stream, 2000);
	assert_int_equal(st()->segments, 200);
	assert_int_equal(st()->segments_retrans, 100);
	assert_int_equal(st()->gaps, 0);
	done();
}

static void
test_counter_identity_over_mixed_traffic(void **state)
{
	(void)state;
	struct ar_flow_params p = params();

	p.ooo_flow_cap = 6;
	table_with(&p);
	handshake(1);
	pkt(C2S, ACK, 1001, 5001, "abc", 2);     /* in order */
	pkt(C2S, ACK, 1001, 5001, "abc", 3);     /* retrans */
	pkt(C2S, ACK, 1007, 5001, "ghi", 4);     /* reordered */
	pkt(C2S, ACK, 1011, 5001, "klmn", 5);    /* dropped (cap) */
	pkt(C2S, ACK | FIN, 1020, 5001, "t", 6); /* reordered: a hole 1015..1019 */
	pkt(C2S, ACK, 1030, 5001, "zz", 7);      /* past the FIN */
	pkt(S2C, ACK, 5001, 1022, "resp", 8);    /* in order; its ack gaps to the FIN */
	const struct ar_flow_stats *s = st();

	assert_int_equal(s->segments, 7);
	assert_int_equal(s->segments_in_order, 2);
	assert_int_equal(s->segments_retrans, 1);
	assert_int_equal(s->segments_reordered, 2);
	assert_int_equal(s->segments_dropped_cap, 1);
	assert_int_equal(s->segments_after_close, 1);
	assert_stream(C2S, "abc~~~ghi~~~~~~~~~~t");
	done();
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ar_flow_end_name(AR_FLOW_END_EVICTED), "evicted");
	assert_string_equal(ar_flow_end_name(AR_FLOW_END_MAX), "unknown");
	assert_string_equal(ar_flow_anomaly_name(AR_FLOW_AN_OVERLAP_DIFF), "overlap_diff");
	assert_string_equal(ar_flow_anomaly_name(AR_FLOW_AN_RST_REJECTED), "rst_rejected");
	assert_string_equal(ar_flow_anomaly_name(AR_FLOW_AN_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_params),
		cmocka_unit_test(test_both_directions_find_one_flow),
		cmocka_unit_test(test_first_packet_syn_ack_makes_its_receiver_the_client),
		cmocka_unit_test(test_tuple_and_counters_of_midstream_flow_by_higher_port),
		cmocka_unit_test(test_midstream_equal_ports_first_sender_is_client),
		cmocka_unit_test(test_ipv6_both_directions_find_one_flow),
		cmocka_unit_test(test_same_five_tuple_on_two_vlans_is_two_flows),
		cmocka_unit_test(test_ignore_vlan_keys_on_the_five_tuple),
		cmocka_unit_test(test_lone_ack_rst_fin_make_no_flow),
		cmocka_unit_test(test_non_tcp_udp_is_not_attached),
		cmocka_unit_test(test_flow_ids_unique_and_never_zero),
		cmocka_unit_test(test_l7_zeroed_when_an_entry_is_reused),
		cmocka_unit_test(test_timeout_new_flow),
		cmocka_unit_test(test_timeout_established_flow),
		cmocka_unit_test(test_timeout_closed_flow_ends_with_its_close_reason),
		cmocka_unit_test(test_expire_ends_only_idle_flows),
		cmocka_unit_test(test_eviction_order_closed_then_new_then_oldest_established),
		cmocka_unit_test(test_eviction_delivers_held_data_before_end),
		cmocka_unit_test(test_handshake_states),
		cmocka_unit_test(test_syn_retransmission_is_harmless),
		cmocka_unit_test(test_fin_each_way_calls_eof_and_closes),
		cmocka_unit_test(test_fin_after_hole_waits_for_the_data),
		cmocka_unit_test(test_fin_with_hole_gap_when_fin_is_acked),
		cmocka_unit_test(test_fin_with_hole_gap_at_flow_end),
		cmocka_unit_test(test_rst_ends_both_directions),
		cmocka_unit_test(test_rst_delivers_held_data_as_gap_and_data),
		cmocka_unit_test(test_data_past_fin_is_flagged),
		cmocka_unit_test(test_new_syn_on_closed_flow_starts_a_new_flow),
		cmocka_unit_test(test_rst_in_window_closes),
		cmocka_unit_test(test_rst_out_of_window_counted_and_ignored),
		cmocka_unit_test(test_rst_signed_unlike_the_handshake_ignored),
		cmocka_unit_test(test_rst_midstream_window_scale_unknown),
		cmocka_unit_test(test_tfo_syn_data_delivered_when_accepted),
		cmocka_unit_test(test_tfo_syn_data_not_delivered_twice_when_refused),
		cmocka_unit_test(test_missed_syn_ack_server_seq_from_client_ack),
		cmocka_unit_test(test_in_order_data_handed_up_from_the_packet),
		cmocka_unit_test(test_many_flows_each_found_from_both_sides),
		cmocka_unit_test(test_reordered_segments_delivered_in_order),
		cmocka_unit_test(test_duplicate_segments_counted_as_retransmissions),
		cmocka_unit_test(test_overlap_with_same_data_not_flagged),
		cmocka_unit_test(test_overlap_with_different_data_policy_first),
		cmocka_unit_test(test_overlap_with_different_data_policy_last),
		cmocka_unit_test(test_in_order_segment_over_held_data_policy_first),
		cmocka_unit_test(test_in_order_segment_over_held_data_policy_last),
		cmocka_unit_test(test_partial_retransmission_delivers_only_new_part),
		cmocka_unit_test(test_missing_segment_gap_on_ack_with_exact_length),
		cmocka_unit_test(test_ack_past_everything_held_gaps_to_the_ack),
		cmocka_unit_test(test_ack_before_its_data_is_no_gap),
		cmocka_unit_test(test_ack_ahead_is_a_gap_once_data_beyond_shows),
		cmocka_unit_test(test_ack_ahead_is_a_gap_at_stream_end),
		cmocka_unit_test(test_flush_delivers_held_data_as_gap_then_data),
		cmocka_unit_test(test_per_flow_cap_drops_segment_and_gaps),
		cmocka_unit_test(test_per_worker_cap_across_flows),
		cmocka_unit_test(test_small_segments_use_whole_chunks_of_the_worker_pool),
		cmocka_unit_test(test_segment_larger_than_a_chunk_held_in_pieces),
		cmocka_unit_test(test_seq_wraparound),
		cmocka_unit_test(test_udp_datagrams_each_delivered),
		cmocka_unit_test(test_scrambled_stream_reassembles_exactly),
		cmocka_unit_test(test_counter_identity_over_mixed_traffic),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
