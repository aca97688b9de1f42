/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/pkt. Frames are built byte by byte; every decode runs on
 * a malloc'd copy of exactly the frame's length, so ASan catches any read
 * past the end.
 */
#include <netinet/in.h>
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

#include <ar_pkt.h>

/* ---- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t b[2048];
	size_t len;
	size_t l3;  /* IP header */
	size_t l4;  /* TCP/UDP header (= end of IPv6 extension headers) */
	size_t pay; /* L4 payload */
	int ipver;
	int proto;
};

static const uint8_t v4_src[4] = { 192, 0, 2, 1 };
static const uint8_t v4_dst[4] = { 198, 51, 100, 7 };
static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [13] = 2, [15] = 7 };
static const char http_get[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

static void
put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	if (n == 0)
		return;
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void
zeros(struct frame *f, size_t n)
{
	while (n--)
		put8(f, 0);
}

static void
set16(struct frame *f, size_t off, uint16_t v)
{
	f->b[off] = v >> 8;
	f->b[off + 1] = v & 0xff;
}

static const uint16_t tpids[] = { 0x88a8, 0x8100, 0x9100, 0x8100, 0x8100, 0x8100 };

static void
eth(struct frame *f, int nvlan, uint16_t type)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

	put(f, macs, sizeof(macs));
	for (int i = 0; i < nvlan; i++) {
		put16(f, tpids[i]);
		put16(f, 0xe000 | (100 + i)); /* PCP 7: must be masked off */
	}
	put16(f, type);
}

static void
ipv4(struct frame *f, uint8_t proto, int opt_words)
{
	f->l3 = f->len;
	f->ipver = 4;
	put8(f, 0x40 | (5 + opt_words));
	put8(f, 0);
	put16(f, 0);      /* total length: finish() */
	put16(f, 0x1234); /* id */
	put16(f, 0x4000); /* DF */
	put8(f, 64);
	put8(f, proto);
	put16(f, 0); /* checksum: not checked */
	put(f, v4_src, 4);
	put(f, v4_dst, 4);
	for (int i = 0; i < opt_words; i++)
		put32(f, 0x01010101); /* NOPs */
	f->l4 = f->len;
}

static void
ipv6(struct frame *f, uint8_t nh)
{
	f->l3 = f->len;
	f->ipver = 6;
	put32(f, 0x60012345);
	put16(f, 0); /* payload length: finish() */
	put8(f, nh);
	put8(f, 57);
	put(f, v6_src, 16);
	put(f, v6_dst, 16);
	f->l4 = f->len;
}

/* An IPv6 extension header of kind @kind, @len bytes, followed by @nh. */
static void
ext(struct frame *f, uint8_t kind, uint8_t nh, size_t len)
{
	put8(f, nh);
	switch (kind) {
	case IPPROTO_FRAGMENT:
		put8(f, 0);
		put16(f, 0); /* offset 0, M 0: atomic */
		put32(f, 0xdeadbeef);
		break;
	case IPPROTO_AH:
		put8(f, len / 4 - 2);
		zeros(f, len - 2);
		break;
	default:
		put8(f, len / 8 - 1);
		if (kind == IPPROTO_HOPOPTS || kind == IPPROTO_DSTOPTS) {
			put8(f, 1); /* PadN */
			put8(f, len - 4);
			zeros(f, len - 4);
		} else {
			zeros(f, len - 2);
		}
		break;
	}
	f->l4 = f->len;
}

static void
tcp(struct frame *f, uint8_t flags, const uint8_t *opts, size_t optlen)
{
	assert_int_equal(optlen % 4, 0);
	f->l4 = f->len;
	f->proto = IPPROTO_TCP;
	put16(f, 49152);
	put16(f, 80);
	put32(f, 0x01020304);
	put32(f, 0xa0b0c0d0);
	put8(f, ((20 + optlen) / 4) << 4);
	put8(f, flags);
	put16(f, 64240);
	put16(f, 0); /* checksum */
	put16(f, 7); /* urgent pointer */
	put(f, opts, optlen);
	f->pay = f->len;
}

static void
udp(struct frame *f)
{
	f->l4 = f->len;
	f->proto = IPPROTO_UDP;
	put16(f, 5353);
	put16(f, 53);
	put16(f, 0); /* length: finish() */
	put16(f, 0);
	f->pay = f->len;
}

/* Sets the IP and UDP lengths to what the frame holds. */
static void
finish(struct frame *f)
{
	if (f->ipver == 4)
		set16(f, f->l3 + 2, f->len - f->l3);
	else
		set16(f, f->l3 + 4, f->len - f->l3 - 40);
	if (f->proto == IPPROTO_UDP)
		set16(f, f->l4 + 4, f->len - f->l4);
}

/* A link header of @link for an IP packet of version @ipver. */
static void
link_hdr(struct frame *f, int link, int ipver, int nvlan)
{
	uint16_t et = ipver == 4 ? 0x0800 : 0x86dd;

	switch (link) {
	case AR_LINK_ETHERNET:
		eth(f, nvlan, et);
		break;
	case AR_LINK_LINUX_SLL:
		put16(f, 0); /* to us */
		put16(f, 1); /* ARPHRD_ETHER */
		put16(f, 6); /* address length */
		zeros(f, 8); /* address */
		put16(f, nvlan ? 0x8100 : et);
		for (int i = 0; i < nvlan; i++) {
			put16(f, 100 + i);
			put16(f, i + 1 < nvlan ? 0x8100 : et);
		}
		break;
	case AR_LINK_LINUX_SLL2:
		put16(f, et);
		put16(f, 0); /* reserved */
		put32(f, 3); /* ifindex */
		put16(f, 1); /* ARPHRD_ETHER */
		put8(f, 4);  /* outgoing */
		put8(f, 6);  /* address length */
		zeros(f, 8);
		break;
	case AR_LINK_NULL:
		put32(f, ipver == 4 ? 0x02000000 : 0x1e000000); /* host order, LE */
		break;
	case AR_LINK_CHDLC:
		put8(f, 0x0f);
		put8(f, 0);
		put16(f, et);
		break;
	default: /* RAW, 12, 14, IPV4, IPV6 */
		break;
	}
}

/* ---- decode on an exact-size heap copy --------------------------------- */

struct res {
	enum ar_pkt_reason r;
	struct ar_pkt_info info;
	ptrdiff_t l3, l4, pay; /* offsets into the frame, -1 if NULL */
};

static ptrdiff_t
offset_of(const uint8_t *p, const uint8_t *base)
{
	return p ? p - base : -1;
}

static struct res
decode_len(const struct frame *f, size_t len, int link)
{
	struct res res;
	uint8_t *copy = malloc(len);

	assert_true(copy != NULL || len == 0);
	if (len)
		memcpy(copy, f->b, len);
	res.r = ar_pkt_decode(copy, (uint32_t)len, (enum ar_pkt_link)link, &res.info);
	res.l3 = offset_of(res.info.l3, copy);
	res.l4 = offset_of(res.info.l4, copy);
	res.pay = offset_of(res.info.payload, copy);
	if (res.r == AR_PKT_OK) {
		assert_true(res.pay + (ptrdiff_t)res.info.payload_len <= (ptrdiff_t)len);
		/* Touch every payload byte: ASan checks the bound. */
		volatile uint8_t sink = 0;
		for (uint32_t i = 0; i < res.info.payload_len; i++)
			sink ^= res.info.payload[i];
		(void)sink;
	}
	free(copy);
	return res;
}

static struct res
decode(const struct frame *f, int link)
{
	return decode_len(f, f->len, link);
}

static void
assert_tuple(const struct ar_pkt_info *i, int ipver, int proto)
{
	uint8_t zero[12] = { 0 };

	if (ipver == 4) {
		assert_int_equal(i->tuple.family, AR_AF_INET);
		assert_memory_equal(i->tuple.src, v4_src, 4);
		assert_memory_equal(i->tuple.dst, v4_dst, 4);
		assert_memory_equal(i->tuple.src + 4, zero, 12);
		assert_memory_equal(i->tuple.dst + 4, zero, 12);
		assert_int_equal(i->ttl, 64);
	} else {
		assert_int_equal(i->tuple.family, AR_AF_INET6);
		assert_memory_equal(i->tuple.src, v6_src, 16);
		assert_memory_equal(i->tuple.dst, v6_dst, 16);
		assert_int_equal(i->ttl, 57);
	}
	assert_int_equal(i->tuple.proto, proto);
	if (proto == IPPROTO_TCP) {
		assert_int_equal(i->tuple.sport, 49152);
		assert_int_equal(i->tuple.dport, 80);
	} else {
		assert_int_equal(i->tuple.sport, 5353);
		assert_int_equal(i->tuple.dport, 53);
	}
	assert_int_equal(i->tuple.pad0, 0);
	assert_memory_equal(i->tuple.pad1, zero, sizeof(i->tuple.pad1));
}

/*
 * Decodes @f whole, then cut at every length: the cut lands in the link
 * header (TRUNC_L2), the IP header with its extensions (TRUNC_IP), the L4
 * header (TRUNC_L4) or the payload (OK, payload cut short).
 */
static void
check_frame(const struct frame *f, int link, size_t ip_end)
{
	struct res full = decode(f, link);

	assert_int_equal(full.r, AR_PKT_OK);
	assert_tuple(&full.info, f->ipver, f->proto);
	assert_int_equal(full.l3, f->l3);
	assert_int_equal(full.l4, f->l4);
	assert_int_equal(full.pay, f->pay);
	assert_int_equal(full.info.payload_len, ip_end - f->pay);

	for (size_t len = 0; len < f->len; len++) {
		struct res r = decode_len(f, len, link);
		enum ar_pkt_reason want = len < f->l3  ? AR_PKT_TRUNC_L2 :
					  len < f->l4  ? AR_PKT_TRUNC_IP :
					  len < f->pay ? AR_PKT_TRUNC_L4 :
							 AR_PKT_OK;

		if (r.r != want)
			fail_msg("link %d, cut at %zu of %zu: got %s, want %s", link, len, f->len,
				 ar_pkt_reason_name(r.r), ar_pkt_reason_name(want));
		if (want != AR_PKT_OK)
			continue;
		assert_memory_equal(&r.info.tuple, &full.info.tuple, sizeof(r.info.tuple));
		assert_int_equal(r.pay, f->pay);
		assert_int_equal(r.info.payload_len, (len < ip_end ? len : ip_end) - f->pay);
	}
}

static void
build_tcp(struct frame *f, int link, int ipver, int nvlan)
{
	memset(f, 0, sizeof(*f));
	link_hdr(f, link, ipver, nvlan);
	if (ipver == 4)
		ipv4(f, IPPROTO_TCP, 0);
	else
		ipv6(f, IPPROTO_TCP);
	tcp(f, AR_TCP_PSH | AR_TCP_ACK, NULL, 0);
	put(f, http_get, strlen(http_get));
	finish(f);
}

static void
build_udp(struct frame *f, int link, int ipver)
{
	memset(f, 0, sizeof(*f));
	link_hdr(f, link, ipver, 0);
	if (ipver == 4)
		ipv4(f, IPPROTO_UDP, 0);
	else
		ipv6(f, IPPROTO_UDP);
	udp(f);
	put(f, "dns?", 4);
	finish(f);
}

/* ---- good frames ------------------------------------------------------- */

static void
test_eth_ipv4_tcp_fields(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_tuple(&r.info, 4, IPPROTO_TCP);
	assert_int_equal(r.l3, 14);
	assert_int_equal(r.l4, 34);
	assert_int_equal(r.pay, 54);
	assert_int_equal(r.info.payload_len, strlen(http_get));
	assert_int_equal(r.info.vlan_count, 0);
	assert_int_equal(r.info.seq, 0x01020304);
	assert_int_equal(r.info.ack, 0xa0b0c0d0);
	assert_int_equal(r.info.win, 64240);
	assert_int_equal(r.info.urg_ptr, 7);
	assert_int_equal(r.info.tcp_flags, AR_TCP_PSH | AR_TCP_ACK);
	assert_int_equal(r.info.mss, 0);
	assert_int_equal(r.info.wscale, 0xff);
}

static void
test_eth_ipv4_udp_fields(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	build_udp(&f, AR_LINK_ETHERNET, 4);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_tuple(&r.info, 4, IPPROTO_UDP);
	assert_int_equal(r.l4, 34);
	assert_int_equal(r.pay, 42);
	assert_int_equal(r.info.payload_len, 4);
	assert_int_equal(r.info.tcp_flags, 0);
	assert_int_equal(r.info.seq, 0);
	check_frame(&f, AR_LINK_ETHERNET, f.len);
}

static const int all_links[] = {
	AR_LINK_ETHERNET, AR_LINK_LINUX_SLL, AR_LINK_LINUX_SLL2, AR_LINK_RAW, 12, 14,
	AR_LINK_NULL,     AR_LINK_CHDLC,
};

static const size_t l2_len[] = { 14, 16, 20, 0, 0, 0, 4, 4 };

static void
test_every_link_type_and_truncation(void **state)
{
	struct frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(all_links) / sizeof(all_links[0]); i++) {
		for (int v = 4; v <= 6; v += 2) {
			build_tcp(&f, all_links[i], v, 0);
			assert_int_equal(f.l3, l2_len[i]);
			check_frame(&f, all_links[i], f.len);
			build_udp(&f, all_links[i], v);
			check_frame(&f, all_links[i], f.len);
		}
	}
	build_tcp(&f, AR_LINK_IPV4, 4, 0);
	check_frame(&f, AR_LINK_IPV4, f.len);
	build_tcp(&f, AR_LINK_IPV6, 6, 0);
	check_frame(&f, AR_LINK_IPV6, f.len);
}

static void
test_vlan_depths(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	for (int v = 4; v <= 6; v += 2) {
		for (int n = 0; n <= AR_PKT_MAX_VLAN; n++) {
			build_tcp(&f, AR_LINK_ETHERNET, v, n);
			r = decode(&f, AR_LINK_ETHERNET);
			assert_int_equal(r.r, AR_PKT_OK);
			assert_int_equal(r.l3, 14 + 4 * n);
			assert_int_equal(r.info.vlan_count, n);
			for (int i = 0; i < n; i++)
				assert_int_equal(r.info.vlan[i], 100 + i);
			/* The tuple keeps the outer two. */
			assert_int_equal(r.info.tuple.vlan_count, n < 2 ? n : 2);
			assert_int_equal(r.info.tuple.vlan[0], n > 0 ? 100 : 0);
			assert_int_equal(r.info.tuple.vlan[1], n > 1 ? 101 : 0);
			assert_tuple(&r.info, v, IPPROTO_TCP);
			check_frame(&f, AR_LINK_ETHERNET, f.len);
		}
	}
}

/* An 802.1Q tag, then 802.1ad QinQ (outer S-tag, inner C-tag): the ids. */
static void
test_vlan_single_and_qinq_ids_in_tuple(void **state)
{
	static const uint8_t macs[12] = { 0 };
	struct frame f;
	struct res r;

	(void)state;
	memset(&f, 0, sizeof(f));
	put(&f, macs, sizeof(macs));
	put16(&f, 0x8100);
	put16(&f, 0x2000 | 3136); /* PCP 1 */
	put16(&f, 0x0800);
	ipv4(&f, IPPROTO_TCP, 0);
	tcp(&f, AR_TCP_ACK, NULL, 0);
	finish(&f);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.tuple.vlan_count, 1);
	assert_int_equal(r.info.tuple.vlan[0], 3136);
	assert_int_equal(r.info.tuple.vlan[1], 0);

	memset(&f, 0, sizeof(f));
	put(&f, macs, sizeof(macs));
	put16(&f, 0x88a8);
	put16(&f, 20); /* service tag, PCP 0 */
	put16(&f, 0x8100);
	put16(&f, 0xf000 | 4094); /* PCP 7, DEI: masked off */
	put16(&f, 0x86dd);
	ipv6(&f, IPPROTO_TCP);
	tcp(&f, AR_TCP_ACK, NULL, 0);
	finish(&f);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.vlan_count, 2);
	assert_int_equal(r.info.tuple.vlan_count, 2);
	assert_int_equal(r.info.tuple.vlan[0], 20);
	assert_int_equal(r.info.tuple.vlan[1], 4094);
	assert_tuple(&r.info, 6, IPPROTO_TCP);

	/* A priority tag (id 0) is a tag: counted, id 0. */
	memset(&f, 0, sizeof(f));
	put(&f, macs, sizeof(macs));
	put16(&f, 0x8100);
	put16(&f, 0xa000);
	put16(&f, 0x0800);
	ipv4(&f, IPPROTO_TCP, 0);
	tcp(&f, AR_TCP_ACK, NULL, 0);
	finish(&f);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.tuple.vlan_count, 1);
	assert_int_equal(r.info.tuple.vlan[0], 0);
}

static void
test_vlan_too_deep(void **state)
{
	struct frame f;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, AR_PKT_MAX_VLAN + 1);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_VLAN_TOO_DEEP);
}

static void
test_sll_with_vlan(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	build_tcp(&f, AR_LINK_LINUX_SLL, 6, 2);
	r = decode(&f, AR_LINK_LINUX_SLL);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.vlan_count, 2);
	assert_int_equal(r.info.vlan[0], 100);
	assert_int_equal(r.info.vlan[1], 101);
	assert_int_equal(r.info.tuple.vlan_count, 2);
	assert_int_equal(r.info.tuple.vlan[0], 100);
	assert_int_equal(r.info.tuple.vlan[1], 101);
	check_frame(&f, AR_LINK_LINUX_SLL, f.len);
}

static void
test_null_link_families(void **state)
{
	static const uint32_t fams6[] = { 24, 28, 30 };
	struct frame f;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		for (int be = 0; be <= 1; be++) {
			build_tcp(&f, AR_LINK_NULL, 6, 0);
			uint32_t v = be ? fams6[i] : __builtin_bswap32(fams6[i]);
			f.b[0] = v >> 24;
			f.b[1] = v >> 16;
			f.b[2] = v >> 8;
			f.b[3] = v;
			assert_int_equal(decode(&f, AR_LINK_NULL).r, AR_PKT_OK);
		}
	}
	/* AF_INET, written by a big-endian host. */
	build_tcp(&f, AR_LINK_NULL, 4, 0);
	memcpy(f.b, "\0\0\0\2", 4);
	assert_int_equal(decode(&f, AR_LINK_NULL).r, AR_PKT_OK);
	/* AF_UNSPEC, AF_APPLETALK-ish: not IP. */
	memcpy(f.b, "\x10\0\0\0", 4);
	assert_int_equal(decode(&f, AR_LINK_NULL).r, AR_PKT_NOT_IP);
	memcpy(f.b, "\0\0\0\0", 4);
	assert_int_equal(decode(&f, AR_LINK_NULL).r, AR_PKT_NOT_IP);
}

static void
test_ipv4_options(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 3);
	tcp(&f, AR_TCP_ACK, NULL, 0);
	put(&f, http_get, strlen(http_get));
	finish(&f);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.l4, 14 + 32);
	check_frame(&f, AR_LINK_ETHERNET, f.len);
}

static void
test_ethernet_padding_ignored(void **state)
{
	struct frame f;
	struct res r;
	size_t ip_end;

	(void)state;
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 0);
	tcp(&f, AR_TCP_ACK, NULL, 0);
	put(&f, "ab", 2);
	finish(&f);
	ip_end = f.len;
	zeros(&f, 60 - f.len); /* pad to the Ethernet minimum */
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.payload_len, 2);
	check_frame(&f, AR_LINK_ETHERNET, ip_end);

	/* The same for UDP, whose length also bounds the payload. */
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x86dd);
	ipv6(&f, IPPROTO_UDP);
	udp(&f);
	finish(&f);
	ip_end = f.len;
	zeros(&f, 6);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.payload_len, 0);
	check_frame(&f, AR_LINK_ETHERNET, ip_end);
}

static void
test_udp_length_shorter_than_ip(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	build_udp(&f, AR_LINK_ETHERNET, 4);
	set16(&f, f.l4 + 4, 10); /* 2 of the 4 payload bytes */
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.payload_len, 2);
}

static void
test_snapped_capture_decodes_what_is_there(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	set16(&f, f.l3 + 2, 1500); /* the original packet was longer */
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.payload_len, strlen(http_get));

	build_tcp(&f, AR_LINK_ETHERNET, 6, 0);
	set16(&f, f.l3 + 4, 1460);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.payload_len, strlen(http_get));
}

/* ---- TCP options ------------------------------------------------------- */

static struct res
syn_with(const uint8_t *opts, size_t n, uint8_t flags)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 0);
	tcp(&f, flags, opts, n);
	finish(&f);
	check_frame(&f, AR_LINK_ETHERNET, f.len);
	return decode(&f, AR_LINK_ETHERNET);
}

static void
test_tcp_syn_options(void **state)
{
	/* Linux's SYN: MSS, SACK permitted, timestamps, NOP, window scale. */
	static const uint8_t linux_syn[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					       0, 1, 0,    0,    0, 0, 1, 3,  3, 7 };
	struct res r;

	(void)state;
	r = syn_with(linux_syn, sizeof(linux_syn), AR_TCP_SYN);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.mss, 1460);
	assert_int_equal(r.info.wscale, 7);
	assert_int_equal(r.info.payload_len, 0);
	assert_int_equal(r.pay, 14 + 20 + 40);

	r = syn_with(linux_syn, sizeof(linux_syn), AR_TCP_SYN | AR_TCP_ACK);
	assert_int_equal(r.info.mss, 1460);
	assert_int_equal(r.info.wscale, 7);

	/* Not a SYN: options are not looked at. */
	r = syn_with(linux_syn, sizeof(linux_syn), AR_TCP_ACK);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.mss, 0);
	assert_int_equal(r.info.wscale, 0xff);
}

/* TCP-MD5 and TCP-AO options are flagged on SYN and RST, the only segments looked at. */
static void
test_tcp_auth_option_on_syn_and_rst(void **state)
{
	/* NOP, NOP, MD5 (kind 19, 18 bytes): a 20-byte option block. */
	static const uint8_t md5[20] = {
		1,    1,    19,   18,   0xc5, 0x73, 0xf6, 0xbc, 0x7d, 0xba,
		0x9c, 0xf6, 0xc6, 0x95, 0xd6, 0x8a, 0xff, 0x10, 0x38, 0xe2
	};
	/* TCP-AO (kind 29): key id 166, rnext key id 40, no MAC bytes here. */
	static const uint8_t ao[4] = { 29, 4, 166, 40 };
	static const uint8_t md5_short[4] = { 19, 4, 0, 0 }; /* wrong length: not MD5 */
	/* A window scale and an MSS on a RST: not taken. */
	static const uint8_t ws_mss[8] = { 3, 3, 7, 1, 2, 4, 0x05, 0xb4 };
	struct res r;

	(void)state;
	r = syn_with(md5, sizeof(md5), AR_TCP_RST | AR_TCP_ACK);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.tcp_auth, 1);
	r = syn_with(ao, sizeof(ao), AR_TCP_RST);
	assert_int_equal(r.info.tcp_auth, 1);
	r = syn_with(md5, sizeof(md5), AR_TCP_SYN);
	assert_int_equal(r.info.tcp_auth, 1);
	r = syn_with(md5_short, sizeof(md5_short), AR_TCP_RST);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.tcp_auth, 0);
	/* Data segments are not looked at. */
	r = syn_with(md5, sizeof(md5), AR_TCP_ACK | AR_TCP_PSH);
	assert_int_equal(r.info.tcp_auth, 0);
	r = syn_with(ws_mss, sizeof(ws_mss), AR_TCP_RST);
	assert_int_equal(r.info.tcp_auth, 0);
	assert_int_equal(r.info.wscale, 0xff);
	assert_int_equal(r.info.mss, 0);
	r = syn_with(ws_mss, sizeof(ws_mss), AR_TCP_SYN);
	assert_int_equal(r.info.wscale, 7);
	assert_int_equal(r.info.mss, 1460);
	assert_int_equal(r.info.tcp_auth, 0);
}

static void
test_tcp_malformed_options_not_fatal(void **state)
{
	static const uint8_t zero_len[8] = { 2, 4, 0x02, 0x18, 3, 0, 7, 0 };
	static const uint8_t past_end[4] = { 1, 1, 3, 3 }; /* WS cut by the header end */
	static const uint8_t odd_len_mss[8] = { 2, 3, 5, 3, 3, 9, 0, 0 };
	static const uint8_t eol_first[8] = { 0, 2, 4, 5, 0xb4, 1, 1, 1 };
	static const uint8_t big_ws[4] = { 3, 3, 200, 0 };
	static const uint8_t last_kind[4] = { 1, 1, 1, 2 }; /* kind with no length */
	struct res r;

	(void)state;
	r = syn_with(zero_len, sizeof(zero_len), AR_TCP_SYN);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.mss, 536);
	assert_int_equal(r.info.wscale, 0xff);

	r = syn_with(past_end, sizeof(past_end), AR_TCP_SYN);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.wscale, 0xff);

	r = syn_with(odd_len_mss, sizeof(odd_len_mss), AR_TCP_SYN);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.mss, 0); /* wrong length: skipped */
	assert_int_equal(r.info.wscale, 9);

	r = syn_with(eol_first, sizeof(eol_first), AR_TCP_SYN);
	assert_int_equal(r.info.mss, 0);

	r = syn_with(big_ws, sizeof(big_ws), AR_TCP_SYN);
	assert_int_equal(r.info.wscale, 14);

	r = syn_with(last_kind, sizeof(last_kind), AR_TCP_SYN);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.info.mss, 0);
}

/* ---- IPv6 extension headers -------------------------------------------- */

static void
build_v6_chain(struct frame *f, const uint8_t *kinds, const size_t *lens, int n, int with_tcp)
{
	memset(f, 0, sizeof(*f));
	eth(f, 0, 0x86dd);
	ipv6(f, n ? kinds[0] : IPPROTO_TCP);
	for (int i = 0; i < n; i++)
		ext(f, kinds[i], i + 1 < n ? kinds[i + 1] : IPPROTO_TCP, lens[i]);
	if (with_tcp) {
		tcp(f, AR_TCP_ACK, NULL, 0);
		put(f, http_get, strlen(http_get));
	}
	finish(f);
}

static void
test_ipv6_each_extension_header(void **state)
{
	static const uint8_t kinds[] = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS,
					 IPPROTO_FRAGMENT, IPPROTO_AH };
	static const size_t lens[] = { 8, 24, 16, 8, 24 };
	struct frame f;
	struct res r;

	(void)state;
	for (int i = 0; i < 5; i++) {
		build_v6_chain(&f, &kinds[i], &lens[i], 1, 1);
		r = decode(&f, AR_LINK_ETHERNET);
		assert_int_equal(r.r, AR_PKT_OK);
		assert_int_equal(r.l4, 14 + 40 + lens[i]);
		assert_int_equal(r.info.payload_len, strlen(http_get));
		check_frame(&f, AR_LINK_ETHERNET, f.len);
	}
	/* All of them in one chain. */
	build_v6_chain(&f, kinds, lens, 5, 1);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_OK);
	assert_int_equal(r.l4, 14 + 40 + 80);
	check_frame(&f, AR_LINK_ETHERNET, f.len);
}

static void
test_ipv6_chain_of_eight_ok_nine_too_long(void **state)
{
	uint8_t kinds[9];
	size_t lens[9];
	struct frame f;

	(void)state;
	kinds[0] = IPPROTO_HOPOPTS;
	lens[0] = 8;
	for (int i = 1; i < 9; i++) {
		kinds[i] = IPPROTO_DSTOPTS;
		lens[i] = 8;
	}
	build_v6_chain(&f, kinds, lens, 8, 1);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_OK);
	build_v6_chain(&f, kinds, lens, 9, 1);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IPV6_EXT);
}

static void
test_ipv6_fragment_and_esp(void **state)
{
	static const uint8_t frag[] = { IPPROTO_FRAGMENT };
	static const uint8_t dst_esp[] = { IPPROTO_DSTOPTS };
	static const size_t l8[] = { 8 };
	struct frame f;
	struct res r;

	(void)state;
	/* First fragment: offset 0, M 1. */
	build_v6_chain(&f, frag, l8, 1, 1);
	set16(&f, 14 + 40 + 2, 0x0001);
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_IP_FRAGMENT);
	assert_int_equal(r.info.tuple.family, AR_AF_INET6);
	assert_memory_equal(r.info.tuple.src, v6_src, 16);
	/* Last fragment: offset 185 (x8), M 0. */
	set16(&f, 14 + 40 + 2, 185 << 3);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_IP_FRAGMENT);
	/* Reserved bits alone do not make a fragment. */
	set16(&f, 14 + 40 + 2, 0x0006);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_OK);

	/* ESP right after the fixed header, and after a destination header. */
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x86dd);
	ipv6(&f, IPPROTO_ESP);
	zeros(&f, 32);
	finish(&f);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_TCP_UDP);
	build_v6_chain(&f, dst_esp, l8, 1, 0);
	f.b[14 + 40] = IPPROTO_ESP;
	zeros(&f, 16);
	finish(&f);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_TCP_UDP);

	/* No next header. */
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x86dd);
	ipv6(&f, IPPROTO_NONE);
	finish(&f);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_TCP_UDP);
	/* ICMPv6. */
	f.b[14 + 6] = IPPROTO_ICMPV6;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_TCP_UDP);
}

static void
test_ipv6_bad_extension_headers(void **state)
{
	static const uint8_t dst_hbh[] = { IPPROTO_DSTOPTS, IPPROTO_HOPOPTS };
	static const uint8_t rt[] = { IPPROTO_ROUTING };
	static const size_t l8[] = { 8, 8 };
	static const size_t l24[] = { 24 };
	struct frame f;

	(void)state;
	/* Hop-by-hop anywhere but first. */
	build_v6_chain(&f, dst_hbh, l8, 2, 1);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IPV6_EXT);

	/* Header longer than the payload length says. */
	build_v6_chain(&f, rt, l24, 1, 1);
	set16(&f, 14 + 4, 16);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IPV6_EXT);
	/* Payload length too small for even the first 8 bytes. */
	set16(&f, 14 + 4, 4);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IPV6_EXT);
	/* Length byte pointing past the frame. */
	build_v6_chain(&f, rt, l24, 1, 1);
	f.b[14 + 40 + 1] = 255;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IPV6_EXT);
}

/* ---- malformed frames -------------------------------------------------- */

static void
test_not_ip(void **state)
{
	struct frame f;

	(void)state;
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x0806); /* ARP */
	zeros(&f, 28);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_IP);
	memset(&f, 0, sizeof(f));
	eth(&f, 1, 0x88cc); /* LLDP under a tag */
	zeros(&f, 20);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_IP);
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 46); /* 802.3 length field */
	zeros(&f, 46);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_IP);

	build_tcp(&f, AR_LINK_LINUX_SLL, 4, 0);
	set16(&f, 14, 0x0806);
	assert_int_equal(decode(&f, AR_LINK_LINUX_SLL).r, AR_PKT_NOT_IP);
	build_tcp(&f, AR_LINK_LINUX_SLL2, 4, 0);
	set16(&f, 0, 0x0004); /* 802.2 LLC */
	assert_int_equal(decode(&f, AR_LINK_LINUX_SLL2).r, AR_PKT_NOT_IP);
	build_tcp(&f, AR_LINK_CHDLC, 4, 0);
	set16(&f, 2, 0x8035); /* SLARP */
	assert_int_equal(decode(&f, AR_LINK_CHDLC).r, AR_PKT_NOT_IP);
}

static void
test_unsupported_link(void **state)
{
	struct frame f;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	assert_int_equal(decode(&f, 105).r, AR_PKT_UNSUPP_LINK); /* 802.11 */
	assert_int_equal(decode(&f, 127).r, AR_PKT_UNSUPP_LINK); /* radiotap */
	assert_int_equal(decode(&f, -1).r, AR_PKT_UNSUPP_LINK);
	assert_int_equal(decode_len(&f, 0, 9999).r, AR_PKT_UNSUPP_LINK);
}

static void
test_bad_ip_version(void **state)
{
	struct frame f;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 6, 0);
	set16(&f, 12, 0x0800); /* IPv6 under an IPv4 ethertype */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IP_VERSION);
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	set16(&f, 12, 0x86dd); /* and the other way round */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IP_VERSION);

	build_tcp(&f, AR_LINK_IPV4, 6, 0);
	assert_int_equal(decode(&f, AR_LINK_IPV4).r, AR_PKT_BAD_IP_VERSION);
	build_tcp(&f, AR_LINK_IPV6, 4, 0);
	assert_int_equal(decode(&f, AR_LINK_IPV6).r, AR_PKT_BAD_IP_VERSION);

	build_tcp(&f, AR_LINK_RAW, 4, 0);
	f.b[0] = 0x55;
	assert_int_equal(decode(&f, AR_LINK_RAW).r, AR_PKT_BAD_IP_VERSION);
	f.b[0] = 0x05;
	assert_int_equal(decode(&f, 12).r, AR_PKT_BAD_IP_VERSION);
	build_tcp(&f, AR_LINK_NULL, 6, 0);
	memcpy(f.b, "\2\0\0\0", 4); /* AF_INET over an IPv6 packet */
	assert_int_equal(decode(&f, AR_LINK_NULL).r, AR_PKT_BAD_IP_VERSION);
}

static void
test_bad_ipv4_lengths(void **state)
{
	struct frame f;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	f.b[14] = 0x44; /* IHL 4 */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IP_HLEN);
	f.b[14] = 0x40;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IP_HLEN);

	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	set16(&f, 16, 19); /* total length under the header */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IP_LEN);
	set16(&f, 16, 0); /* TSO on the capturing host: not decoded */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IP_LEN);
	f.b[14] = 0x4f; /* IHL 15 = 60 bytes > total length 40 */
	set16(&f, 16, 40);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_IP_LEN);

	/* IHL 15 within the total length, but the frame ends first. */
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	f.b[14] = 0x4f;
	assert_int_equal(decode_len(&f, 14 + 40, AR_LINK_ETHERNET).r, AR_PKT_TRUNC_IP);

	/* Total length leaves less than a TCP header. */
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	set16(&f, 16, 30);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_TRUNC_L4);
}

static void
test_ipv4_fragments(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	set16(&f, 14 + 6, 0x2000); /* MF */
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_IP_FRAGMENT);
	assert_int_equal(r.info.tuple.family, AR_AF_INET);
	assert_memory_equal(r.info.tuple.dst, v4_dst, 4);
	set16(&f, 14 + 6, 0x00b9); /* offset only: the last fragment */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_IP_FRAGMENT);
	set16(&f, 14 + 6, 0x4000); /* DF only */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_OK);
	set16(&f, 14 + 6, 0x8000); /* the evil bit is not a fragment */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_OK);
}

static void
test_not_tcp_udp(void **state)
{
	struct frame f;
	struct res r;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	f.b[14 + 9] = IPPROTO_ICMP;
	r = decode(&f, AR_LINK_ETHERNET);
	assert_int_equal(r.r, AR_PKT_NOT_TCP_UDP);
	assert_int_equal(r.info.ttl, 64);
	f.b[14 + 9] = IPPROTO_SCTP;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_TCP_UDP);
	build_tcp(&f, AR_LINK_ETHERNET, 6, 0);
	f.b[14 + 6] = IPPROTO_SCTP;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_NOT_TCP_UDP);
}

static void
test_bad_tcp_hlen(void **state)
{
	struct frame f;

	(void)state;
	build_tcp(&f, AR_LINK_ETHERNET, 4, 0);
	f.b[34 + 12] = 4 << 4;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_TCP_HLEN);
	f.b[34 + 12] = 0;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_TCP_HLEN);

	/* Data offset past the IP packet (payload is 27 bytes; 15 words = 60). */
	memset(&f, 0, sizeof(f));
	eth(&f, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 0);
	tcp(&f, AR_TCP_ACK, NULL, 0);
	put8(&f, 'x');
	finish(&f);
	zeros(&f, 64); /* bytes there, but past the IP total length */
	f.b[34 + 12] = 15 << 4;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_TCP_HLEN);

	build_tcp(&f, AR_LINK_ETHERNET, 6, 0);
	set16(&f, 14 + 4, 24); /* IPv6 payload length 24, TCP header 32 */
	f.b[54 + 12] = 8 << 4;
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_BAD_TCP_HLEN);
}

static void
test_bad_udp_length(void **state)
{
	struct frame f;

	(void)state;
	build_udp(&f, AR_LINK_ETHERNET, 4);
	set16(&f, f.l4 + 4, 7);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_TRUNC_L4);
	set16(&f, f.l4 + 4, 0);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_TRUNC_L4);
	set16(&f, f.l4 + 4, 13); /* past the IP total length */
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_TRUNC_L4);
	set16(&f, f.l4 + 4, 12);
	assert_int_equal(decode(&f, AR_LINK_ETHERNET).r, AR_PKT_OK);
}

static void
test_empty_and_tiny_frames(void **state)
{
	static const int links[] = { AR_LINK_ETHERNET, AR_LINK_LINUX_SLL, AR_LINK_LINUX_SLL2,
				     AR_LINK_NULL, AR_LINK_CHDLC };
	struct frame f;

	(void)state;
	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		assert_int_equal(decode_len(&f, 0, links[i]).r, AR_PKT_TRUNC_L2);
	assert_int_equal(decode_len(&f, 0, AR_LINK_RAW).r, AR_PKT_TRUNC_IP);
	assert_int_equal(decode_len(&f, 0, AR_LINK_IPV4).r, AR_PKT_TRUNC_IP);
	assert_int_equal(decode_len(&f, 0, AR_LINK_IPV6).r, AR_PKT_TRUNC_IP);
}

/* ---- names, hash, tuples, addresses ------------------------------------ */

static void
test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(ar_pkt_reason_name(AR_PKT_OK), "ok");
	assert_string_equal(ar_pkt_reason_name(AR_PKT_TRUNC_L2), "trunc_l2");
	assert_string_equal(ar_pkt_reason_name(AR_PKT_UNSUPP_LINK), "unsupp_link");
	assert_string_equal(ar_pkt_reason_name(AR_PKT_IP_FRAGMENT), "ip_fragment");
	assert_string_equal(ar_pkt_reason_name(AR_PKT_BAD_TCP_HLEN), "bad_tcp_hlen");
	assert_string_equal(ar_pkt_reason_name(AR_PKT_REASON_MAX), "unknown");
	assert_string_equal(ar_pkt_reason_name((enum ar_pkt_reason) - 1), "unknown");
	for (int i = 0; i < AR_PKT_REASON_MAX; i++) {
		const char *a = ar_pkt_reason_name(i);

		assert_non_null(a);
		for (const char *c = a; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
				    *c == '_');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, ar_pkt_reason_name(j));
	}
}

static struct ar_pkt_tuple
tuple4(uint32_t s, uint32_t d, uint16_t sp, uint16_t dp, uint8_t proto)
{
	struct ar_pkt_tuple t;

	memset(&t, 0, sizeof(t));
	memcpy(t.src, &s, 4);
	memcpy(t.dst, &d, 4);
	t.sport = sp;
	t.dport = dp;
	t.family = AR_AF_INET;
	t.proto = proto;
	return t;
}

static void
test_hash_symmetric(void **state)
{
	struct ar_pkt_tuple t, r;
	struct frame f;
	struct res d;

	(void)state;
	for (uint32_t i = 0; i < 1000; i++) {
		t = tuple4(0x0a000001 + i * 7919, 0xc0a80001 ^ (i * 104729), 1024 + i, 443,
			   IPPROTO_TCP);
		ar_pkt_tuple_reverse(&t, &r);
		assert_int_equal(ar_pkt_tuple_hash(&t), ar_pkt_tuple_hash(&r));
	}
	/* Same address, ports decide the order. */
	t = tuple4(0x7f000001, 0x7f000001, 40000, 8080, IPPROTO_TCP);
	ar_pkt_tuple_reverse(&t, &r);
	assert_int_equal(ar_pkt_tuple_hash(&t), ar_pkt_tuple_hash(&r));

	/* IPv6, from a decoded frame; and with QinQ tags, which both directions carry. */
	build_tcp(&f, AR_LINK_ETHERNET, 6, 0);
	d = decode(&f, AR_LINK_ETHERNET);
	ar_pkt_tuple_reverse(&d.info.tuple, &r);
	assert_int_equal(ar_pkt_tuple_hash(&d.info.tuple), ar_pkt_tuple_hash(&r));
	build_tcp(&f, AR_LINK_ETHERNET, 4, 2);
	d = decode(&f, AR_LINK_ETHERNET);
	ar_pkt_tuple_reverse(&d.info.tuple, &r);
	assert_int_equal(r.vlan_count, 2);
	assert_int_equal(r.vlan[0], 100);
	assert_int_equal(r.vlan[1], 101);
	assert_int_equal(ar_pkt_tuple_hash(&d.info.tuple), ar_pkt_tuple_hash(&r));
}

static void
test_hash_tells_tuples_apart(void **state)
{
	enum {
		N = 4096
	};
	struct ar_pkt_tuple base = tuple4(0x0a000001, 0x0a000002, 1000, 2000, IPPROTO_TCP);
	struct ar_pkt_tuple t;
	uint32_t h = ar_pkt_tuple_hash(&base);
	static uint32_t seen[N];
	int buckets[64] = { 0 };

	(void)state;
	t = base;
	t.proto = IPPROTO_UDP;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h);
	t = base;
	t.sport = 1001;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h);
	/* Swapping only the ports is another flow. */
	t = base;
	t.sport = 2000;
	t.dport = 1000;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h);
	t = base;
	t.src[3] ^= 1;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h);
	/* An IPv6 address whose first 4 bytes equal the IPv4 one. */
	t = base;
	t.family = AR_AF_INET6;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h);
	/* Another VLAN, outer or inner, or the two ids swapped. */
	t = base;
	t.vlan_count = 1;
	t.vlan[0] = 10;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h);
	uint32_t h10 = ar_pkt_tuple_hash(&t);
	t.vlan[0] = 11;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h10);
	t.vlan_count = 2;
	t.vlan[0] = 10;
	t.vlan[1] = 11;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h10);
	uint32_t h1011 = ar_pkt_tuple_hash(&t);
	t.vlan[0] = 11;
	t.vlan[1] = 10;
	assert_int_not_equal(ar_pkt_tuple_hash(&t), h1011);
	/* The count is not hashed: untagged and priority-tagged (id 0) are alike. */
	t = base;
	t.vlan_count = 1;
	assert_int_equal(ar_pkt_tuple_hash(&t), h);

	/* Clients of one server on sequential ports: no collisions, flat buckets. */
	for (int i = 0; i < N; i++) {
		t = tuple4(0x0a000000 + (i >> 8), 0x0a640001, 32768 + (i & 0xff), 443, IPPROTO_TCP);
		seen[i] = ar_pkt_tuple_hash(&t);
		buckets[seen[i] & 63]++;
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < i; j++)
			assert_int_not_equal(seen[i], seen[j]);
	for (int b = 0; b < 64; b++) /* 64 expected per bucket */
		assert_true(buckets[b] > 32 && buckets[b] < 100);
}

static void
test_tuple_reverse(void **state)
{
	struct ar_pkt_tuple t = tuple4(1, 2, 3, 4, IPPROTO_UDP), r, rr;

	(void)state;
	ar_pkt_tuple_reverse(&t, &r);
	assert_memory_equal(r.src, t.dst, 16);
	assert_memory_equal(r.dst, t.src, 16);
	assert_int_equal(r.sport, 4);
	assert_int_equal(r.dport, 3);
	assert_int_equal(r.proto, IPPROTO_UDP);
	assert_int_equal(r.family, AR_AF_INET);
	ar_pkt_tuple_reverse(&r, &rr);
	assert_memory_equal(&rr, &t, sizeof(t));
	ar_pkt_tuple_reverse(&rr, &rr); /* in place */
	assert_memory_equal(&rr, &r, sizeof(r));
}

static void
test_addr_str(void **state)
{
	static const uint8_t loop6[16] = { [15] = 1 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };
	char buf[46];
	char small[8];

	(void)state;
	assert_string_equal(ar_pkt_addr_str(v4_src, AR_AF_INET, buf, sizeof(buf)), "192.0.2.1");
	assert_string_equal(ar_pkt_addr_str(v6_dst, AR_AF_INET6, buf, sizeof(buf)),
			    "2001:db8::2:7");
	assert_string_equal(ar_pkt_addr_str(loop6, AR_AF_INET6, buf, sizeof(buf)), "::1");
	assert_string_equal(ar_pkt_addr_str(mapped, AR_AF_INET6, buf, sizeof(buf)),
			    "::ffff:192.0.2.1");
	assert_ptr_equal(ar_pkt_addr_str(v6_src, AR_AF_INET6, small, sizeof(small)), small);
	assert_string_equal(small, "");
	assert_string_equal(ar_pkt_addr_str(v4_src, 5, buf, sizeof(buf)), "");
	assert_ptr_equal(ar_pkt_addr_str(v4_src, AR_AF_INET, buf, 0), buf);
}

static void
test_link_supported(void **state)
{
	static const int yes[] = { 0, 1, 12, 14, 101, 104, 113, 228, 229, 276 };
	static const int no[] = { -1, 2, 9, 105, 127, 147, 192, 220, 277, 65535 };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(ar_pkt_link_supported(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(ar_pkt_link_supported(no[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4_tcp_fields),
		cmocka_unit_test(test_eth_ipv4_udp_fields),
		cmocka_unit_test(test_every_link_type_and_truncation),
		cmocka_unit_test(test_vlan_depths),
		cmocka_unit_test(test_vlan_single_and_qinq_ids_in_tuple),
		cmocka_unit_test(test_vlan_too_deep),
		cmocka_unit_test(test_sll_with_vlan),
		cmocka_unit_test(test_null_link_families),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ethernet_padding_ignored),
		cmocka_unit_test(test_udp_length_shorter_than_ip),
		cmocka_unit_test(test_snapped_capture_decodes_what_is_there),
		cmocka_unit_test(test_tcp_syn_options),
		cmocka_unit_test(test_tcp_auth_option_on_syn_and_rst),
		cmocka_unit_test(test_tcp_malformed_options_not_fatal),
		cmocka_unit_test(test_ipv6_each_extension_header),
		cmocka_unit_test(test_ipv6_chain_of_eight_ok_nine_too_long),
		cmocka_unit_test(test_ipv6_fragment_and_esp),
		cmocka_unit_test(test_ipv6_bad_extension_headers),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_unsupported_link),
		cmocka_unit_test(test_bad_ip_version),
		cmocka_unit_test(test_bad_ipv4_lengths),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_not_tcp_udp),
		cmocka_unit_test(test_bad_tcp_hlen),
		cmocka_unit_test(test_bad_udp_length),
		cmocka_unit_test(test_empty_and_tiny_frames),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_hash_symmetric),
		cmocka_unit_test(test_hash_tells_tuples_apart),
		cmocka_unit_test(test_tuple_reverse),
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_link_supported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
