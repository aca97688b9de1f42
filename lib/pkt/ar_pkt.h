/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/pkt: decode of one captured frame down to its L4 payload.
 *
 * Decoding never allocates and never copies: the result points into the
 * frame. Bad input is never asserted on: the decoder returns a reason code,
 * which the caller counts. Thread-safe: no state beyond the caller's struct.
 */
#ifndef AR_PKT_H
#define AR_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link-layer types, numbered as in pcap's LINKTYPE_* registry. */
enum ar_pkt_link {
	AR_LINK_NULL = 0, /* BSD loopback: 4-byte host-order family */
	AR_LINK_ETHERNET = 1,
	AR_LINK_RAW = 101,   /* raw IPv4/IPv6 (also DLT_RAW 12/14) */
	AR_LINK_CHDLC = 104, /* Cisco HDLC */
	AR_LINK_LINUX_SLL = 113,
	AR_LINK_IPV4 = 228,
	AR_LINK_IPV6 = 229,
	AR_LINK_LINUX_SLL2 = 276,
};

/*
 * Why a frame was not decoded to L4. AR_PKT_OK is 0; the others are
 * drop/skip reasons, each counted by the caller (ar_pkt_reason_name()).
 */
enum ar_pkt_reason {
	AR_PKT_OK = 0,
	AR_PKT_TRUNC_L2,       /* shorter than its link header */
	AR_PKT_UNSUPP_LINK,    /* link type we do not decode */
	AR_PKT_NOT_IP,         /* ARP, LLDP, ...: fine, but not ours */
	AR_PKT_VLAN_TOO_DEEP,  /* more than AR_PKT_MAX_VLAN tags */
	AR_PKT_TRUNC_IP,       /* shorter than its IP header */
	AR_PKT_BAD_IP_VERSION, /* version nibble disagrees with ethertype */
	AR_PKT_BAD_IP_HLEN,    /* IPv4 IHL < 5 or past the frame */
	AR_PKT_BAD_IP_LEN,     /* IP total/payload length smaller than header */
	AR_PKT_IP_FRAGMENT,    /* fragments are counted, not reassembled yet */
	AR_PKT_BAD_IPV6_EXT,   /* extension header chain malformed or too long */
	AR_PKT_NOT_TCP_UDP,    /* ICMP, SCTP, ...: fine, but not ours */
	AR_PKT_TRUNC_L4,       /* shorter than its TCP/UDP header */
	AR_PKT_BAD_TCP_HLEN,   /* TCP data offset < 5 or past the IP payload */
	AR_PKT_REASON_MAX,
};

#define AR_PKT_MAX_VLAN 4

enum ar_pkt_family {
	AR_AF_INET = 4,
	AR_AF_INET6 = 6,
};

/* TCP flag bits as on the wire. */
#define AR_TCP_FIN 0x01
#define AR_TCP_SYN 0x02
#define AR_TCP_RST 0x04
#define AR_TCP_PSH 0x08
#define AR_TCP_ACK 0x10
#define AR_TCP_URG 0x20
#define AR_TCP_ECE 0x40
#define AR_TCP_CWR 0x80

/* VLAN ids a tuple keeps: Suricata keys flows on the first two too. */
#define AR_PKT_TUPLE_VLAN 2

/*
 * What tells one flow from another: the 5-tuple and the outermost VLAN ids
 * (the outer and inner tag of QinQ), so two VLANs that reuse addresses are
 * two flows. IPv4 addresses sit in the first 4 bytes of src/dst, the rest
 * is zero, and so are the pads, so tuples compare with memcmp.
 */
struct ar_pkt_tuple {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;     /* host order */
	uint16_t dport;     /* host order */
	uint8_t family;     /* enum ar_pkt_family */
	uint8_t proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t vlan_count; /* ids in vlan[]: min(tags of the frame, AR_PKT_TUPLE_VLAN) */
	uint8_t pad0;
	uint16_t vlan[AR_PKT_TUPLE_VLAN]; /* outermost first; 0 past vlan_count */
	uint8_t pad1[4];
};

/* What the decoder found. Pointers point into the frame. */
struct ar_pkt_info {
	struct ar_pkt_tuple tuple;
	const uint8_t *l3; /* IP header */
	const uint8_t *l4; /* TCP/UDP header */
	const uint8_t *payload;
	uint32_t payload_len;           /* L4 payload, bounded by the IP length */
	uint16_t vlan[AR_PKT_MAX_VLAN]; /* every tag, outermost first (the tuple keeps two) */
	uint8_t vlan_count;
	uint8_t ttl; /* IPv4 TTL or IPv6 hop limit */
	/* TCP only: */
	uint32_t seq;      /* host order */
	uint32_t ack;      /* host order */
	uint16_t win;      /* raw window, host order */
	uint8_t tcp_flags; /* AR_TCP_* */
	uint8_t wscale;    /* window scale option on SYN, 0xff if absent */
	uint16_t mss;      /* MSS option on SYN, 0 if absent */
	uint16_t urg_ptr;
	/* SYN and RST only: a TCP-MD5 (RFC 2385) or TCP-AO (RFC 5925) option is
	 * present. A receiver drops a segment whose signing differs from the
	 * connection's, so lib/flow does not let such a RST end a stream. */
	uint8_t tcp_auth;
};

/*
 * Decode one frame of link type @link. Fills @out and returns AR_PKT_OK, or
 * returns the reason the frame is not TCP/UDP over IP (then @out is only
 * partly filled). Never reads past @data + @len.
 */
enum ar_pkt_reason ar_pkt_decode(const uint8_t *data, uint32_t len, enum ar_pkt_link link,
				 struct ar_pkt_info *out);

/* Short stable name of a reason, for counters and stats ("trunc_l2"). */
const char *ar_pkt_reason_name(enum ar_pkt_reason r);

/*
 * Symmetric hash of a tuple (VLAN ids included, their count not): the same
 * value for both directions, so both land on one worker and one flow bucket.
 */
uint32_t ar_pkt_tuple_hash(const struct ar_pkt_tuple *t);

/* Writes the reverse of @t into @rev. */
void ar_pkt_tuple_reverse(const struct ar_pkt_tuple *t, struct ar_pkt_tuple *rev);

/*
 * Formats an address of @family as text (dotted quad, or RFC 5952 IPv6) into
 * @buf of @size bytes (46 is always enough). Returns @buf.
 */
char *ar_pkt_addr_str(const uint8_t *addr, uint8_t family, char *buf, size_t size);

/* True when @link is one this library decodes. */
bool ar_pkt_link_supported(int link);

#endif
