/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/pkt: L2-L4 decode of one frame, and the symmetric tuple hash.
 *
 * All bounds are kept as offsets from the start of the frame, never as
 * pointers past it. Two ends matter for an IP packet:
 *
 *   cap   the captured bytes (len);
 *   decl  where the IP header says the packet ends (IPv4 total length,
 *         IPv6 40 + payload length).
 *
 * A header that does not fit before decl is malformed (BAD_*); one that fits
 * before decl but not before cap is truncated (TRUNC_*). The L4 payload runs
 * to min(cap, decl): Ethernet padding after decl is ignored, and a snapped
 * capture (decl past cap) is decoded with the bytes that are there, so the
 * caller sees payload_len smaller than the IP header announces; the next
 * segment's seq then lies past seq + payload_len, which reassembly sees as a
 * gap.
 *
 * Not checked, on purpose: IPv4 header and L4 checksums (mirrored traffic
 * often carries offloaded, not yet computed checksums), IPv4 options content,
 * IPv6 option TLVs. IPv4 total length 0 (TSO on the capturing host) and IPv6
 * payload length 0 (jumbograms, TSO) are not decoded: bad_ip_len, resp.
 * bad_ipv6_ext or trunc_l4.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <ar_pkt.h>

#define ETH_HLEN     14
#define SLL_HLEN     16
#define SLL2_HLEN    20
#define NULL_HLEN    4
#define CHDLC_HLEN   4
#define VLAN_HLEN    4
#define IPV4_HLEN    20
#define IPV6_HLEN    40
#define TCP_HLEN     20
#define UDP_HLEN     8
#define IPV6_MAX_EXT 8

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_VLAN  0x8100
#define ETHERTYPE_QINQ  0x88a8
#define ETHERTYPE_QINQ1 0x9100

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return ntohs(v);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/*
 * TCP options, SYN and RST only: MSS and window scale count on a SYN, a
 * signature on both. At most 40 bytes and every step advances, so the walk
 * is bounded. A malformed option ends the walk and keeps what was found.
 */
static void
tcp_options(const uint8_t *o, uint32_t n, bool syn, struct ar_pkt_info *out)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t kind = o[i];
		uint8_t olen;

		if (kind == 0) /* end of option list */
			return;
		if (kind == 1) { /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= n)
			return;
		olen = o[i + 1];
		if (olen < 2 || olen > n - i)
			return;
		if (kind == 2 && olen == 4 && syn)
			out->mss = rd16(o + i + 2);
		else if (kind == 3 && olen == 3 && syn)
			/* RFC 7323 2.3: values above 14 are taken as 14. */
			out->wscale = o[i + 2] > 14 ? 14 : o[i + 2];
		else if ((kind == 19 && olen == 18) || (kind == 29 && olen >= 4))
			out->tcp_auth = 1; /* TCP-MD5 signature, TCP-AO MAC */
		i += olen;
	}
}

/*
 * L4 at offset @l4 of @d; the IP packet ends at @decl (header) and the
 * capture at @cap. The tuple's addresses and family are already set.
 */
static enum ar_pkt_reason
decode_l4(const uint8_t *d, size_t l4, size_t decl, size_t cap, uint8_t proto,
	  struct ar_pkt_info *out)
{
	const uint8_t *h = d + l4;
	size_t end = decl < cap ? decl : cap;
	size_t hlen;

	out->tuple.proto = proto;
	out->l4 = h;
	if (proto == IPPROTO_TCP) {
		if (unlikely(l4 + TCP_HLEN > end))
			return AR_PKT_TRUNC_L4;
		hlen = (size_t)(h[12] >> 4) * 4;
		if (unlikely(hlen < TCP_HLEN || l4 + hlen > decl))
			return AR_PKT_BAD_TCP_HLEN;
		if (unlikely(l4 + hlen > cap))
			return AR_PKT_TRUNC_L4;
		out->tuple.sport = rd16(h);
		out->tuple.dport = rd16(h + 2);
		out->seq = rd32(h + 4);
		out->ack = rd32(h + 8);
		out->tcp_flags = h[13];
		out->win = rd16(h + 14);
		out->urg_ptr = rd16(h + 18);
		if ((h[13] & (AR_TCP_SYN | AR_TCP_RST)) && hlen > TCP_HLEN)
			tcp_options(h + TCP_HLEN, (uint32_t)(hlen - TCP_HLEN),
				    (h[13] & AR_TCP_SYN) != 0, out);
	} else {
		uint16_t ulen;

		if (unlikely(l4 + UDP_HLEN > end))
			return AR_PKT_TRUNC_L4;
		ulen = rd16(h + 4);
		/* No reason of its own: a UDP length outside its IP packet
		 * is counted as a short L4 header. */
		if (unlikely(ulen < UDP_HLEN || l4 + ulen > decl))
			return AR_PKT_TRUNC_L4;
		out->tuple.sport = rd16(h);
		out->tuple.dport = rd16(h + 2);
		hlen = UDP_HLEN;
		if (l4 + ulen < end)
			end = l4 + ulen;
	}
	out->payload = h + hlen;
	out->payload_len = (uint32_t)(end - l4 - hlen);
	return AR_PKT_OK;
}

/*
 * The address and its zero tail as whole 64-bit words, the width the hash
 * reads them at: a wider load over a narrower store would not be forwarded.
 */
static inline void
set_v4addr(uint8_t *dst, const uint8_t *a)
{
	uint32_t v;
	uint64_t w[2];

	memcpy(&v, a, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w[0] = v;
#else
	w[0] = (uint64_t)v << 32;
#endif
	w[1] = 0;
	memcpy(dst, w, sizeof(w));
}

static enum ar_pkt_reason
decode_ipv4(const uint8_t *d, size_t l3, size_t cap, struct ar_pkt_info *out)
{
	const uint8_t *h = d + l3;
	size_t hlen, tot;

	if (unlikely(l3 + IPV4_HLEN > cap))
		return AR_PKT_TRUNC_IP;
	if (unlikely((h[0] >> 4) != 4))
		return AR_PKT_BAD_IP_VERSION;
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if (unlikely(hlen < IPV4_HLEN))
		return AR_PKT_BAD_IP_HLEN;
	tot = rd16(h + 2);
	if (unlikely(tot < hlen))
		return AR_PKT_BAD_IP_LEN;
	if (unlikely(l3 + hlen > cap))
		return AR_PKT_TRUNC_IP;

	out->l3 = h;
	out->ttl = h[8];
	out->tuple.family = AR_AF_INET;
	set_v4addr(out->tuple.src, h + 12);
	set_v4addr(out->tuple.dst, h + 16);
	/* MF set, or a fragment offset: not the whole datagram. */
	if (unlikely(rd16(h + 6) & 0x3fff))
		return AR_PKT_IP_FRAGMENT;
	if (unlikely(h[9] != IPPROTO_TCP && h[9] != IPPROTO_UDP))
		return AR_PKT_NOT_TCP_UDP;
	return decode_l4(d, l3 + hlen, l3 + tot, cap, h[9], out);
}

static enum ar_pkt_reason
decode_ipv6(const uint8_t *d, size_t l3, size_t cap, struct ar_pkt_info *out)
{
	const uint8_t *h = d + l3;
	size_t off, decl;
	uint8_t nh;
	int n;

	if (unlikely(l3 + IPV6_HLEN > cap))
		return AR_PKT_TRUNC_IP;
	if (unlikely((h[0] >> 4) != 6))
		return AR_PKT_BAD_IP_VERSION;

	out->l3 = h;
	out->ttl = h[7];
	out->tuple.family = AR_AF_INET6;
	memcpy(out->tuple.src, h + 8, 16);
	memcpy(out->tuple.dst, h + 24, 16);
	decl = l3 + IPV6_HLEN + rd16(h + 4);
	off = l3 + IPV6_HLEN;
	nh = h[6];
	if (likely(nh == IPPROTO_TCP || nh == IPPROTO_UDP))
		return decode_l4(d, off, decl, cap, nh, out);

	/* Extension headers: bounded chain, each at least 8 bytes. */
	for (n = 0; n < IPV6_MAX_EXT; n++) {
		const uint8_t *e = d + off;
		size_t elen;

		switch (nh) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
			return decode_l4(d, off, decl, cap, nh, out);
		case IPPROTO_HOPOPTS:
			/* RFC 8200 4.1: only right after the fixed header. */
			if (unlikely(n != 0))
				return AR_PKT_BAD_IPV6_EXT;
			/* fallthrough */
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_FRAGMENT:
		case IPPROTO_AH:
			break;
		default: /* ESP, no next header, ICMPv6, ... */
			return AR_PKT_NOT_TCP_UDP;
		}
		if (unlikely(off + 8 > decl))
			return AR_PKT_BAD_IPV6_EXT;
		if (unlikely(off + 8 > cap))
			return AR_PKT_TRUNC_IP;
		if (nh == IPPROTO_FRAGMENT) {
			/* Offset or M set: a real fragment. Offset 0 and M 0
			 * is an atomic fragment (RFC 6946): the whole packet. */
			if (rd16(e + 2) & 0xfff9)
				return AR_PKT_IP_FRAGMENT;
			elen = 8;
		} else if (nh == IPPROTO_AH) {
			elen = ((size_t)e[1] + 2) * 4;
		} else {
			elen = ((size_t)e[1] + 1) * 8;
		}
		if (unlikely(off + elen > decl))
			return AR_PKT_BAD_IPV6_EXT;
		if (unlikely(off + elen > cap))
			return AR_PKT_TRUNC_IP;
		nh = e[0];
		off += elen;
	}
	switch (nh) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return decode_l4(d, off, decl, cap, nh, out);
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_FRAGMENT:
	case IPPROTO_AH:
		return AR_PKT_BAD_IPV6_EXT; /* chain too long */
	default:
		return AR_PKT_NOT_TCP_UDP;
	}
}

/*
 * The ethertype @type sits at offset @off - 2; VLAN tags may follow. Used by
 * Ethernet and by both Linux cooked headers (libpcap puts the tag back there).
 * The first AR_PKT_TUPLE_VLAN ids also go into the tuple: they are part of
 * the flow's identity.
 */
static enum ar_pkt_reason
decode_ethertype(const uint8_t *d, size_t off, size_t cap, uint16_t type, struct ar_pkt_info *out)
{
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ1) {
		uint16_t id;

		if (unlikely(off + VLAN_HLEN > cap))
			return AR_PKT_TRUNC_L2;
		if (unlikely(out->vlan_count == AR_PKT_MAX_VLAN))
			return AR_PKT_VLAN_TOO_DEEP;
		id = rd16(d + off) & 0x0fff;
		if (out->vlan_count < AR_PKT_TUPLE_VLAN) {
			out->tuple.vlan[out->vlan_count] = id;
			out->tuple.vlan_count = (uint8_t)(out->vlan_count + 1);
		}
		out->vlan[out->vlan_count++] = id;
		type = rd16(d + off + 2);
		off += VLAN_HLEN;
	}
	if (likely(type == ETHERTYPE_IPV4))
		return decode_ipv4(d, off, cap, out);
	if (type == ETHERTYPE_IPV6)
		return decode_ipv6(d, off, cap, out);
	return AR_PKT_NOT_IP;
}

/* No link header: the version nibble says which IP. */
static enum ar_pkt_reason
decode_raw(const uint8_t *d, size_t cap, struct ar_pkt_info *out)
{
	if (unlikely(cap == 0))
		return AR_PKT_TRUNC_IP;
	switch (d[0] >> 4) {
	case 4:
		return decode_ipv4(d, 0, cap, out);
	case 6:
		return decode_ipv6(d, 0, cap, out);
	default:
		return AR_PKT_BAD_IP_VERSION;
	}
}

/*
 * BSD loopback: the family is in the byte order of the host that captured,
 * which need not be ours. Families fit in a byte, so the order shows.
 */
static enum ar_pkt_reason
decode_null(const uint8_t *d, size_t cap, struct ar_pkt_info *out)
{
	uint32_t fam;

	if (unlikely(cap < NULL_HLEN))
		return AR_PKT_TRUNC_L2;
	fam = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
	if (fam & 0xffff0000)
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2: /* AF_INET everywhere */
		return decode_ipv4(d, NULL_HLEN, cap, out);
	case 24: /* AF_INET6: NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		return decode_ipv6(d, NULL_HLEN, cap, out);
	default:
		return AR_PKT_NOT_IP;
	}
}

enum ar_pkt_reason
ar_pkt_decode(const uint8_t *data, uint32_t len, enum ar_pkt_link link, struct ar_pkt_info *out)
{
	size_t cap = len;
	uint16_t type;

	/* Field by field: a memset of the whole struct becomes "rep stos",
	 * dearer than the decode itself. vlan[] past vlan_count is not written. */
	memset(&out->tuple, 0, sizeof(out->tuple));
	out->l3 = NULL;
	out->l4 = NULL;
	out->payload = NULL;
	out->payload_len = 0;
	out->vlan_count = 0;
	out->ttl = 0;
	out->seq = 0;
	out->ack = 0;
	out->win = 0;
	out->tcp_flags = 0;
	out->wscale = 0xff;
	out->mss = 0;
	out->urg_ptr = 0;
	out->tcp_auth = 0;

	switch ((int)link) {
	case AR_LINK_ETHERNET:
		if (unlikely(cap < ETH_HLEN))
			return AR_PKT_TRUNC_L2;
		return decode_ethertype(data, ETH_HLEN, cap, rd16(data + 12), out);
	case AR_LINK_LINUX_SLL:
		if (unlikely(cap < SLL_HLEN))
			return AR_PKT_TRUNC_L2;
		return decode_ethertype(data, SLL_HLEN, cap, rd16(data + 14), out);
	case AR_LINK_LINUX_SLL2:
		if (unlikely(cap < SLL2_HLEN))
			return AR_PKT_TRUNC_L2;
		return decode_ethertype(data, SLL2_HLEN, cap, rd16(data), out);
	case AR_LINK_RAW:
	case 12: /* DLT_RAW on most BSDs */
	case 14: /* DLT_RAW on OpenBSD */
		return decode_raw(data, cap, out);
	case AR_LINK_IPV4:
		return decode_ipv4(data, 0, cap, out);
	case AR_LINK_IPV6:
		return decode_ipv6(data, 0, cap, out);
	case AR_LINK_NULL:
		return decode_null(data, cap, out);
	case AR_LINK_CHDLC:
		if (unlikely(cap < CHDLC_HLEN))
			return AR_PKT_TRUNC_L2;
		type = rd16(data + 2);
		if (type == ETHERTYPE_IPV4)
			return decode_ipv4(data, CHDLC_HLEN, cap, out);
		if (type == ETHERTYPE_IPV6)
			return decode_ipv6(data, CHDLC_HLEN, cap, out);
		return AR_PKT_NOT_IP;
	default:
		return AR_PKT_UNSUPP_LINK;
	}
}

static const char *const reason_names[] = {
	[AR_PKT_OK] = "ok",
	[AR_PKT_TRUNC_L2] = "trunc_l2",
	[AR_PKT_UNSUPP_LINK] = "unsupp_link",
	[AR_PKT_NOT_IP] = "not_ip",
	[AR_PKT_VLAN_TOO_DEEP] = "vlan_too_deep",
	[AR_PKT_TRUNC_IP] = "trunc_ip",
	[AR_PKT_BAD_IP_VERSION] = "bad_ip_version",
	[AR_PKT_BAD_IP_HLEN] = "bad_ip_hlen",
	[AR_PKT_BAD_IP_LEN] = "bad_ip_len",
	[AR_PKT_IP_FRAGMENT] = "ip_fragment",
	[AR_PKT_BAD_IPV6_EXT] = "bad_ipv6_ext",
	[AR_PKT_NOT_TCP_UDP] = "not_tcp_udp",
	[AR_PKT_TRUNC_L4] = "trunc_l4",
	[AR_PKT_BAD_TCP_HLEN] = "bad_tcp_hlen",
};

_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == AR_PKT_REASON_MAX,
	       "a reason without a name");

const char *
ar_pkt_reason_name(enum ar_pkt_reason r)
{
	if ((unsigned int)r >= AR_PKT_REASON_MAX)
		return "unknown";
	return reason_names[r];
}

static inline uint64_t
rd64h(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
rotl64(uint64_t v, int r)
{
	return (v << r) | (v >> (64 - r));
}

/* murmur3's per-word mix with a lane multiplier: a bijection of @w. */
static inline uint64_t
lane(uint64_t w, uint64_t k)
{
	return rotl64(w * k, 31) * 0x4cf5ad432745937fULL;
}

/*
 * Sorts the two endpoints (any total order will do; native integer compares
 * are cheapest), so both directions hash the same words. Sorting rather than
 * a commutative combine (xor/add of the two sides) keeps A:p<->B:q and
 * A:q<->B:p apart. Each word then goes through its own lane, in parallel,
 * the lanes are summed and murmur3's fmix64 spreads the sum.
 *
 * The ports and VLAN ids are read one by one and placed away from their
 * memory layout: one wider load of them would wait for the decoder's 16-bit
 * stores to retire (a failed store-to-load forward). The VLAN ids do not
 * depend on the direction; vlan_count is left out, so an untagged frame and
 * a priority-tagged one (id 0) hash alike, as lib/flow keys them alike.
 */
uint32_t
ar_pkt_tuple_hash(const struct ar_pkt_tuple *t)
{
	uint64_t s0 = rd64h(t->src), s1 = rd64h(t->src + 8);
	uint64_t d0 = rd64h(t->dst), d1 = rd64h(t->dst + 8);
	uint64_t sp = t->sport, dp = t->dport;
	uint64_t vl = (uint64_t)t->vlan[0] << 32 | t->vlan[1];
	uint64_t a0, a1, b0, b1, meta, h;
	bool swap;

	swap = s0 > d0 || (s0 == d0 && (s1 > d1 || (s1 == d1 && sp > dp)));
	a0 = swap ? d0 : s0;
	a1 = swap ? d1 : s1;
	b0 = swap ? s0 : d0;
	b1 = swap ? s1 : d1;
	meta = (swap ? (dp << 40 | sp << 16) : (sp << 40 | dp << 16)) | (uint64_t)t->proto << 8 |
	       t->family;

	h = lane(a0, 0x87c37b91114253d5ULL) + lane(a1, 0x9e3779b97f4a7c15ULL) +
	    lane(b0, 0xc2b2ae3d27d4eb4fULL) + lane(b1, 0x165667b19e3779f9ULL) +
	    lane(meta, 0xd6e8feb86659fd93ULL) + lane(vl, 0xa0761d6478bd642fULL);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

void
ar_pkt_tuple_reverse(const struct ar_pkt_tuple *t, struct ar_pkt_tuple *rev)
{
	struct ar_pkt_tuple r = *t; /* @rev may be @t */

	memcpy(r.src, t->dst, sizeof(r.src));
	memcpy(r.dst, t->src, sizeof(r.dst));
	r.sport = t->dport;
	r.dport = t->sport;
	*rev = r;
}

char *
ar_pkt_addr_str(const uint8_t *addr, uint8_t family, char *buf, size_t size)
{
	int af = family == AR_AF_INET ? AF_INET : family == AR_AF_INET6 ? AF_INET6 : -1;

	if (size == 0)
		return buf;
	if (af < 0 || inet_ntop(af, addr, buf, (socklen_t)size) == NULL)
		buf[0] = '\0';
	return buf;
}

bool
ar_pkt_link_supported(int link)
{
	switch (link) {
	case AR_LINK_NULL:
	case AR_LINK_ETHERNET:
	case 12:
	case 14:
	case AR_LINK_RAW:
	case AR_LINK_CHDLC:
	case AR_LINK_LINUX_SLL:
	case AR_LINK_IPV4:
	case AR_LINK_IPV6:
	case AR_LINK_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}
