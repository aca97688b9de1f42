/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture files as a packet source. DPDK's net_pcap driver reads files too,
 * but in DPDK 22.11 it offers no RX timestamp offload (its rx_offload_capa
 * is empty), and packet time is our clock: the same capture must give the
 * same flows, timeouts and latencies on any machine at any speed. So files
 * are read with libpcap (which also handles pcapng and every link type)
 * into mbufs of the same pool, stamped with the capture's timestamp in the
 * standard RX timestamp dynfield, and handed to the same worker path.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "ar_port.h"

struct ar_pcapfile {
	pcap_t *pc;
	uint64_t frames;
	uint64_t nombuf;
	bool eof;
	/* a frame read while the pool was empty, taken first on the next call */
	struct pcap_pkthdr *pending_h;
	const u_char *pending;
};

struct ar_pcapfile *
ar_pcapfile_open(const char *path, int *link_type, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct ar_pcapfile *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (f->pc == NULL) {
		snprintf(err, errlen, "capture `%s` cannot be read: %s", path, perr);
		free(f);
		errno = EINVAL;
		return NULL;
	}
	*link_type = pcap_datalink(f->pc);
	return f;
}

void
ar_pcapfile_close(struct ar_pcapfile *f)
{
	if (f == NULL)
		return;
	pcap_close(f->pc);
	free(f);
}

bool
ar_pcapfile_eof(const struct ar_pcapfile *f)
{
	return f->eof;
}

uint64_t
ar_pcapfile_frames(const struct ar_pcapfile *f)
{
	return f->frames;
}

/* Copies @len bytes into a chain of mbufs from @mp. NULL if the pool is empty. */
static struct rte_mbuf *
frame_to_mbuf(struct rte_mempool *mp, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(mp), *last = head;
	if (head == NULL)
		return NULL;
	uint32_t off = 0;
	for (;;) {
		uint32_t room = rte_pktmbuf_tailroom(last);
		uint32_t n = len - off < room ? len - off : room;
		memcpy(rte_pktmbuf_mtod(last, uint8_t *), data + off, n);
		last->data_len = (uint16_t)n;
		off += n;
		if (off == len)
			break;
		struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);
		if (seg == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		last->next = seg;
		last = seg;
		head->nb_segs++;
	}
	head->pkt_len = len;
	return head;
}

uint16_t
ar_pcapfile_rx(struct ar_pcapfile *f, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n)
{
	int ts_off = ar_port_ts_offset();
	uint64_t ts_flag = ar_port_ts_flag();
	uint16_t got = 0;
	while (got < n && !f->eof) {
		struct pcap_pkthdr *h = f->pending_h;
		const u_char *data = f->pending;
		if (data == NULL) {
			int rc = pcap_next_ex(f->pc, &h, &data);
			if (rc != 1) {
				/* -2: end of file; -1: a damaged file ends here too */
				f->eof = true;
				break;
			}
		}
		struct rte_mbuf *m = frame_to_mbuf(mp, data, h->caplen);
		if (m == NULL) {
			/*
			 * The caller frees its burst and calls again: keep the
			 * frame (libpcap's buffer stays valid until the next read).
			 */
			f->nombuf++;
			f->pending_h = h;
			f->pending = data;
			break;
		}
		f->pending_h = NULL;
		f->pending = NULL;
		f->frames++;
		*RTE_MBUF_DYNFIELD(m, ts_off, rte_mbuf_timestamp_t *) =
			(uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		m->ol_flags |= ts_flag;
		pkts[got++] = m;
	}
	return got;
}
