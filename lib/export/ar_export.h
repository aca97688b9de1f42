/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/export: the records workers hand to the output side, and their EVE
 * JSON form.
 *
 * A record is self-contained (it owns copies of every string it shows), so
 * a worker fills it, passes it over a ring and forgets it; the writer thread
 * formats it and gives it back. Formatting never allocates.
 */
#ifndef AR_EXPORT_H
#define AR_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ar_flow.h"
#include "ar_http.h"
#include "ar_pkt.h"

enum ar_rec_type {
	AR_REC_HTTP = 1,
	AR_REC_ANOMALY,
	AR_REC_ALERT, /* a signature hit: "alert" event */
	AR_REC_PII,   /* sensitive data: "pii" event */
	AR_REC_LINE,  /* an event formatted by its producer: data[] holds the line, '\n' included */
};

/* Layer an anomaly comes from. */
enum ar_rec_layer {
	AR_LAYER_STREAM = 0, /* lib/flow: enum ar_flow_anomaly */
	AR_LAYER_HTTP,       /* lib/http: enum ar_http_anomaly */
};

struct ar_rec_anomaly {
	uint8_t layer; /* enum ar_rec_layer */
	uint8_t side;  /* 0 request / to server, 1 response / to client */
	uint16_t code; /* enum of that layer */
	uint32_t pad;
	uint64_t tx_id; /* HTTP only */
};

/* A string copied into a record's data[]. */
struct ar_rec_str {
	uint16_t off;
	uint16_t len;
};

/*
 * A finding of lib/match (AR_REC_ALERT or AR_REC_PII) with what identifies
 * its transaction. Strings are copied into the record: a rule set may be
 * replaced before the record is written.
 */
struct ar_rec_detect {
	uint32_t rule_id;
	uint32_t count;   /* matches in the field */
	uint16_t cwe;     /* 0: none */
	uint16_t status;  /* response status, 0: none */
	uint8_t severity; /* enum ar_severity */
	uint8_t name_hit; /* the field's name matched */
	uint8_t response; /* found in the response */
	uint64_t tx_id;
	struct ar_rec_str msg, category, owasp, pii_type, field, excerpt, severity_name;
	struct ar_rec_str method, url, host;
};

/*
 * One event record. For AR_REC_HTTP the transaction's arenas point into
 * data[] (ar_rec_fill_http() does that); fix them with ar_rec_relocate()
 * after copying a record elsewhere.
 */
struct ar_rec {
	uint16_t type;   /* enum ar_rec_type */
	uint16_t worker; /* producing worker index */
	uint32_t size;   /* bytes used, header included */
	uint64_t ts;     /* event time, ns (packet time) */
	uint64_t flow_id;
	uint64_t pcap_cnt;         /* offline: number of the packet that made it, else 0 */
	struct ar_pkt_tuple tuple; /* client -> server */
	union {
		struct ar_http_tx http;
		struct ar_rec_anomaly anomaly;
		struct ar_rec_detect detect;
	};
	char data[];
};

/*
 * Fills @r (of @cap bytes) with a copy of @tx and the used part of its
 * arenas. Returns 0, or -ENOSPC when @cap is too small (nothing valid then).
 */
int ar_rec_fill_http(struct ar_rec *r, size_t cap, const struct ar_http_tx *tx);

/*
 * Appends @n bytes of @s to record @r (of @cap bytes) and returns where
 * they are; a string that does not fit is cut (and may be empty).
 */
struct ar_rec_str ar_rec_put(struct ar_rec *r, size_t cap, const char *s, size_t n);

/* Resolves a string of @r. */
static inline const char *
ar_rec_s(const struct ar_rec *r, struct ar_rec_str s)
{
	return r->data + s.off;
}

/* Bytes a record of @tx needs. */
size_t ar_rec_http_size(const struct ar_http_tx *tx);

/* Output options of the EVE formatter. */
struct ar_eve_opts {
	bool http_headers;   /* request_headers / response_headers arrays */
	uint32_t field_cap;  /* bytes kept of any one string field (0: no cap) */
	uint32_t header_cap; /* max headers listed per side (0: no cap) */
};

/*
 * Formats @r as one EVE JSON line (with the trailing '\n') into @buf.
 * Returns its length, or 0 when it did not fit in @cap (the caller counts
 * and drops it). Any thread; no allocation.
 */
size_t ar_eve_format(const struct ar_rec *r, const struct ar_eve_opts *o, char *buf, size_t cap);

/* The "flow_id" an event shows for flow @id of worker @worker. */
static inline uint64_t
ar_eve_flow_id(uint64_t id, uint16_t worker)
{
	/* below 2^53, so JSON readers that use doubles keep it exact */
	return ((id << 7) | (worker & 0x7f)) & ((1ull << 53) - 1);
}

/*
 * Writes the common EVE head ("timestamp", "flow_id", "pcap_cnt",
 * "event_type", "vlan" when @t has VLAN ids, addresses, "proto") into an
 * open JSON object. @t may be NULL (no tuple fields).
 */
struct ar_json;
void ar_eve_head(struct ar_json *j, uint64_t ts, uint64_t flow_id, uint64_t pcap_cnt,
		 const char *event_type, const struct ar_pkt_tuple *t);

/* The members of an "alert" or "pii" event after its head (eve_detect.c). */
void ar_eve_detect(struct ar_json *j, const struct ar_rec *r);

#endif
