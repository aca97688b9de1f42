/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers: packet sources behind one small table. A port is any DPDK
 * ethdev (a PCI NIC, or a vdev such as net_pcap for a capture file or
 * net_af_packet for a Linux interface), opened from the string the config
 * gives, with one RX queue per worker and a symmetric RSS key when the
 * device can spread flows, one queue otherwise.
 *
 * Called from the main thread at start-up and shutdown only.
 */
#ifndef AR_PORT_H
#define AR_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;
struct ar_pcapfile;

#define AR_PORT_MAX 16

struct ar_port {
	char device[4160]; /* as configured: PCI address or vdev string */
	char name[64];     /* ethdev name (vdev name, or PCI address) */
	uint16_t port_id;
	uint16_t nb_rxq;          /* queues set up */
	int link_type;            /* pcap LINKTYPE_* of what the port delivers */
	bool is_pcap_file;        /* "file:PATH": read by libpcap */
	bool rss;                 /* the device spreads flows by symmetric RSS */
	bool rx_timestamp;        /* mbufs carry the RX timestamp dynfield */
	char pcap_path[4096];     /* capture file, if any */
	struct ar_pcapfile *file; /* its reader */
	struct rte_mempool *mp;   /* mbufs for the file reader */
};

/* True when @dev looks like a PCI address ("0000:03:00.0" or "03:00.0"). */
bool ar_port_is_pci(const char *dev);

/*
 * Fills in @p's name and link type from @p->device before the EAL starts.
 * A device "file:PATH" is a capture file: it is opened here, so a file that
 * cannot be read is reported before anything starts. Returns 0, or -errno
 * with a one-line reason in @err.
 */
int ar_port_prepare(struct ar_port *p, char *err, size_t errlen);

/*
 * After rte_eal_init(): finds the device, configures @want_rxq RX queues
 * (fewer if the device has fewer; RSS only with more than one), starts it.
 * Returns 0, or -errno with a one-line reason in @err.
 */
int ar_port_open(struct ar_port *p, uint16_t want_rxq, uint16_t rxd, struct rte_mempool *mp,
		 char *err, size_t errlen);

/* Stops and closes a port opened by ar_port_open(). */
void ar_port_close(struct ar_port *p);

/* Registers the RX timestamp dynfield; after rte_eal_init(). Returns 0 or -errno. */
int ar_port_ts_init(void);
/* Dynfield offset and flag of RX timestamps (-1 before ar_port_ts_init()). */
int ar_port_ts_offset(void);
uint64_t ar_port_ts_flag(void);

/*
 * Receives up to @n frames from @p: rte_eth_rx_burst() for a device, the
 * capture reader for a file. Worker thread that owns the queue.
 */
uint16_t ar_port_rx(const struct ar_port *p, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

/* True when @p is a capture file that has been read to its end. */
bool ar_port_done(const struct ar_port *p);

/* Frames read from a capture file so far (0 for devices). */
uint64_t ar_port_file_frames(const struct ar_port *p);

/* The capture reader behind "file:" ports (drivers/pcapfile.c). */
struct ar_pcapfile *ar_pcapfile_open(const char *path, int *link_type, char *err, size_t errlen);
void ar_pcapfile_close(struct ar_pcapfile *f);
uint16_t ar_pcapfile_rx(struct ar_pcapfile *f, struct rte_mempool *mp, struct rte_mbuf **pkts,
			uint16_t n);
bool ar_pcapfile_eof(const struct ar_pcapfile *f);
uint64_t ar_pcapfile_frames(const struct ar_pcapfile *f);

#endif
