/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: frame decode, then the flow table and TCP reassembly.
 *
 * Input: records of [u16 little-endian length][Ethernet frame of that
 * length]; a short last record is decoded as far as it goes. Each frame is
 * decoded (lib/pkt) and, when it is TCP or UDP, fed to a small flow table
 * (few flows, small out-of-order caps, short timeouts, so eviction, caps
 * and expiry all happen) at a packet time that grows per record. The ops
 * check what the layer above relies on; the counter identity is checked
 * after every record. The overlap policy is taken from the input size.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ar_flow.h>
#include <ar_pkt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the target remembers per flow, in the flow's l7 area. */
struct fz_flow {
	uint64_t id;
	uint64_t delivered[2]; /* data + gap bytes */
	uint8_t eof[2];
};

struct fz {
	uint64_t live;
	uint8_t sink; /* xor of every delivered byte */
};

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void
fz_new(void *ctx, struct ar_flow *f)
{
	struct fz *z = ctx;
	struct fz_flow *s = f->l7;

	CHECK(f->id != 0);
	CHECK(s->id == 0 && s->delivered[0] == 0 && s->eof[0] == 0 && s->eof[1] == 0);
	s->id = f->id;
	z->live++;
}

static void
fz_data(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, const uint8_t *data, uint32_t len,
	uint64_t ts)
{
	struct fz *z = ctx;
	struct fz_flow *s = f->l7;
	uint8_t acc = 0;

	(void)ts;
	CHECK(dir == AR_DIR_TO_SERVER || dir == AR_DIR_TO_CLIENT);
	CHECK(s->id == f->id);
	CHECK(len > 0 && len <= 65535);
	CHECK(!s->eof[dir]);
	/* Touch every byte: the sanitizers check the range is live. */
	for (uint32_t i = 0; i < len; i++)
		acc ^= data[i];
	z->sink ^= acc;
	s->delivered[dir] += len;
}

static void
fz_gap(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint32_t len, uint64_t ts)
{
	struct fz_flow *s = f->l7;

	(void)ctx;
	(void)ts;
	CHECK(f->tuple.proto == 6);
	CHECK(len > 0);
	CHECK(!s->eof[dir]);
	s->delivered[dir] += len;
}

static void
fz_eof(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, uint64_t ts)
{
	struct fz_flow *s = f->l7;

	(void)ctx;
	(void)ts;
	CHECK(!s->eof[dir]);
	s->eof[dir] = 1;
}

static void
fz_anomaly(void *ctx, struct ar_flow *f, enum ar_flow_dir dir, enum ar_flow_anomaly an, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)ts;
	CHECK(dir == AR_DIR_TO_SERVER || dir == AR_DIR_TO_CLIENT);
	CHECK(an < AR_FLOW_AN_MAX);
}

static void
fz_end(void *ctx, struct ar_flow *f, enum ar_flow_end why, uint64_t ts)
{
	struct fz *z = ctx;
	struct fz_flow *s = f->l7;

	(void)ts;
	CHECK(why < AR_FLOW_END_MAX);
	CHECK(s->id == f->id);
	CHECK(z->live > 0);
	z->live--;
	s->id = 0;
}

static const struct ar_flow_ops fz_ops = {
	.on_flow_new = fz_new,
	.on_data = fz_data,
	.on_gap = fz_gap,
	.on_eof = fz_eof,
	.on_anomaly = fz_anomaly,
	.on_flow_end = fz_end,
};

static void
check_stats(const struct ar_flow_table *t, const struct fz *z)
{
	const struct ar_flow_stats *s = ar_flow_table_stats(t);
	uint64_t ended = 0;

	CHECK(s->segments == s->segments_in_order + s->segments_reordered + s->segments_retrans +
				     s->segments_dropped_cap + s->segments_after_close);
	for (int i = 0; i < AR_FLOW_END_MAX; i++)
		ended += s->flows_ended[i];
	CHECK(s->flows_created == s->flows_live + ended);
	CHECK(s->flows_live == z->live);
	CHECK(s->flows_live <= 4);
	CHECK(s->ooo_bytes <= 3000 && s->ooo_bytes <= s->ooo_bytes_max);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { 0 };
	struct ar_flow_params p = {
		.max_flows = 4,
		.l7_state_size = sizeof(struct fz_flow),
		.timeout_new_ns = 5000,
		.timeout_est_ns = 20000,
		.timeout_closed_ns = 2000,
		.ooo_flow_cap = 1500,
		.ooo_worker_cap = 3000,
		.overlap = (size & 1) ? AR_OVERLAP_LAST : AR_OVERLAP_FIRST,
		.ops = &fz_ops,
		.ctx = &z,
	};
	struct ar_flow_table *t = ar_flow_table_create(&p);
	uint64_t ts = 0;
	size_t off = 0;

	if (t == NULL)
		return 0;
	while (off + 2 <= size) {
		uint32_t len = (uint32_t)data[off] | (uint32_t)data[off + 1] << 8;
		struct ar_pkt_info pi;

		off += 2;
		if (len > size - off)
			len = (uint32_t)(size - off);
		/* A copy of exactly the frame, so a read past it is caught. */
		uint8_t *frame = malloc(len ? len : 1);

		if (frame == NULL)
			break;
		memcpy(frame, data + off, len);
		off += len;
		ts += 1000;
		if (ar_pkt_decode(frame, len, AR_LINK_ETHERNET, &pi) == AR_PKT_OK &&
		    (pi.tuple.proto == 6 || pi.tuple.proto == 17)) {
			CHECK(pi.payload_len <= len);
			int rc = ar_flow_process(t, &pi, ts);

			CHECK(rc == 0 || rc == -ENOENT);
		}
		free(frame);
		ar_flow_expire(t, ts);
		check_stats(t, &z);
	}
	ar_flow_table_flush(t, ts + 1);
	check_stats(t, &z);
	CHECK(ar_flow_table_stats(t)->flows_live == 0);
	CHECK(ar_flow_table_stats(t)->ooo_bytes == 0);
	ar_flow_table_free(t);
	return 0;
}
