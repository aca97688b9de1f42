/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK ethdev ports: PCI NICs and vdevs, one RX queue per worker. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf_dyn.h>

#include "ar_port.h"

/*
 * The 0x6d5a key makes Toeplitz hashing symmetric: swapping source and
 * destination gives the same hash, so both directions of a flow reach the
 * same queue and worker.
 */
static uint8_t sym_rss_key[52] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static int ts_offset = -1;
static unsigned file_count;
static uint64_t ts_flag;

int
ar_port_ts_init(void)
{
	if (ts_offset >= 0)
		return 0;
	int rc = rte_mbuf_dyn_rx_timestamp_register(&ts_offset, &ts_flag);
	return rc < 0 ? -rte_errno : 0;
}

uint16_t
ar_port_rx(const struct ar_port *p, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	if (p->file != NULL)
		return ar_pcapfile_rx(p->file, p->mp, pkts, n);
	return rte_eth_rx_burst(p->port_id, queue, pkts, n);
}

bool
ar_port_done(const struct ar_port *p)
{
	return p->file != NULL && ar_pcapfile_eof(p->file);
}

uint64_t
ar_port_file_frames(const struct ar_port *p)
{
	return p->file != NULL ? ar_pcapfile_frames(p->file) : 0;
}

int
ar_port_ts_offset(void)
{
	return ts_offset;
}

uint64_t
ar_port_ts_flag(void)
{
	return ts_flag;
}

bool
ar_port_is_pci(const char *dev)
{
	unsigned d, b, s, f;
	char tail;
	return sscanf(dev, "%x:%x:%x.%x%c", &d, &b, &s, &f, &tail) == 4 ||
	       sscanf(dev, "%x:%x.%x%c", &b, &s, &f, &tail) == 3;
}

int
ar_port_prepare(struct ar_port *p, char *err, size_t errlen)
{
	p->link_type = 1; /* Ethernet, unless a capture says otherwise */
	p->is_pcap_file = false;
	if (strncmp(p->device, "file:", 5) == 0) {
		snprintf(p->pcap_path, sizeof(p->pcap_path), "%s", p->device + 5);
		snprintf(p->name, sizeof(p->name), "file%u", file_count++);
		p->file = ar_pcapfile_open(p->pcap_path, &p->link_type, err, errlen);
		if (p->file == NULL)
			return -EINVAL;
		p->is_pcap_file = true;
		p->nb_rxq = 1;
		return 0;
	}
	size_t n = strcspn(p->device, ",");
	if (n == 0 || n >= sizeof(p->name)) {
		snprintf(err, errlen, "device `%s`: no device name before the first comma",
			 p->device);
		return -EINVAL;
	}
	memcpy(p->name, p->device, n);
	p->name[n] = '\0';
	return 0;
}

int
ar_port_open(struct ar_port *p, uint16_t want_rxq, uint16_t rxd, struct rte_mempool *mp, char *err,
	     size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	p->mp = mp;
	if (p->file != NULL)
		return 0;

	if (rte_eth_dev_get_port_by_name(p->name, &p->port_id) != 0) {
		snprintf(err, errlen, "port `%s` does not exist (device `%s` was not found)",
			 p->name, p->device);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port `%s`: cannot read device info: %s", p->name,
			 rte_strerror(-rc));
		return rc;
	}
	memset(&conf, 0, sizeof(conf));
	p->nb_rxq = want_rxq < info.max_rx_queues ? want_rxq : info.max_rx_queues;
	if (p->nb_rxq == 0)
		p->nb_rxq = 1;
	uint64_t rss_hf =
		(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	p->rss = p->nb_rxq > 1 && rss_hf != 0;
	if (!p->rss)
		p->nb_rxq = 1;
	if (p->rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = sym_rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len =
			info.hash_key_size && info.hash_key_size <= sizeof(sym_rss_key) ?
				info.hash_key_size :
				40;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	p->rx_timestamp = false;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
		p->rx_timestamp = true;
	}
	/* A TX queue is configured because some PMDs refuse zero; it is unused. */
	rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, 1, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port `%s`: configure failed: %s", p->name,
			 rte_strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, rte_eth_dev_socket_id(p->port_id),
					    NULL, mp);
		if (rc != 0) {
			snprintf(err, errlen, "port `%s`: RX queue %u setup failed: %s", p->name, q,
				 rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_tx_queue_setup(p->port_id, 0, 512, rte_eth_dev_socket_id(p->port_id), NULL);
	if (rc != 0) {
		snprintf(err, errlen, "port `%s`: TX queue setup failed: %s", p->name,
			 rte_strerror(-rc));
		return rc;
	}
	if (p->rx_timestamp && ts_offset < 0)
		p->rx_timestamp = false;
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port `%s`: start failed: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	if (!p->is_pcap_file)
		rte_eth_promiscuous_enable(p->port_id);
	return 0;
}

void
ar_port_close(struct ar_port *p)
{
	if (p->file != NULL) {
		ar_pcapfile_close(p->file);
		p->file = NULL;
		return;
	}
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}
