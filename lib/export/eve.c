/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE JSON: the event shapes Suricata users already parse, with apiradar's
 * own facts in objects of their own ("transaction", "anomaly").
 */
#include <errno.h>
#include <string.h>

#include "ar_core.h"
#include "ar_export.h"

size_t
ar_rec_http_size(const struct ar_http_tx *tx)
{
	return sizeof(struct ar_rec) + tx->arena_used[0] + tx->arena_used[1];
}

int
ar_rec_fill_http(struct ar_rec *r, size_t cap, const struct ar_http_tx *tx)
{
	size_t need = ar_rec_http_size(tx);
	if (need > cap)
		return -ENOSPC;
	r->type = AR_REC_HTTP;
	r->size = (uint32_t)need;
	r->http = *tx;
	memcpy(r->data, tx->arena[0], tx->arena_used[0]);
	memcpy(r->data + tx->arena_used[0], tx->arena[1], tx->arena_used[1]);
	r->http.arena[0] = r->data;
	r->http.arena[1] = r->data + tx->arena_used[0];
	r->http.arena_size = 0; /* a copy: nothing more may be added */
	return 0;
}

/*
 * Addresses as Suricata writes them: dotted quad, and IPv6 in full
 * ("fe80:0000:0000:0000:020c:29ff:faf2:ab42"), so filters written for its
 * events match ours.
 */
static const char *
eve_addr(const uint8_t *a, uint8_t family, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	if (family != AR_AF_INET6 || size < 40)
		return ar_pkt_addr_str(a, family, buf, size);
	char *o = buf;
	for (int i = 0; i < 16; i++) {
		if (i > 0 && i % 2 == 0)
			*o++ = ':';
		*o++ = hex[a[i] >> 4];
		*o++ = hex[a[i] & 15];
	}
	*o = '\0';
	return buf;
}

void
ar_eve_head(struct ar_json *j, uint64_t ts, uint64_t flow_id, uint64_t pcap_cnt,
	    const char *event_type, const struct ar_pkt_tuple *t)
{
	char buf[64];
	size_t n = ar_time_format(ts, buf, sizeof(buf));
	ar_json_kv_str(j, "timestamp", buf, n, 0);
	if (flow_id != 0)
		ar_json_kv_u64(j, "flow_id", flow_id);
	if (pcap_cnt != 0)
		ar_json_kv_u64(j, "pcap_cnt", pcap_cnt);
	ar_json_kv_cstr(j, "event_type", event_type);
	if (t == NULL)
		return;
	/* where Suricata puts it, and only for tagged frames */
	if (t->vlan_count > 0) {
		ar_json_key(j, "vlan");
		ar_json_arr_open(j);
		for (unsigned i = 0; i < t->vlan_count && i < AR_PKT_TUPLE_VLAN; i++)
			ar_json_u64(j, t->vlan[i]);
		ar_json_arr_close(j);
	}
	ar_json_kv_cstr(j, "src_ip", eve_addr(t->src, t->family, buf, sizeof(buf)));
	ar_json_kv_u64(j, "src_port", t->sport);
	ar_json_kv_cstr(j, "dest_ip", eve_addr(t->dst, t->family, buf, sizeof(buf)));
	ar_json_kv_u64(j, "dest_port", t->dport);
	ar_json_kv_cstr(j, "proto", t->proto == 6 ? "TCP" : t->proto == 17 ? "UDP" : "IP");
}

static void
kv_field(struct ar_json *j, const char *key, const struct ar_http_tx *tx, enum ar_http_side side,
	 struct ar_http_str s, const struct ar_eve_opts *o)
{
	if (s.len == 0)
		return;
	ar_json_kv_str(j, key, ar_http_tx_str(tx, side, s), s.len, o->field_cap);
}

/*
 * Suricata's "hostname": the host of an absolute request URI, else the Host
 * header; without the port, lower case.
 */
static void
kv_hostname(struct ar_json *j, const struct ar_http_tx *tx, const struct ar_eve_opts *o)
{
	const char *h = NULL;
	size_t len = 0;
	const char *uri = ar_http_tx_str(tx, AR_HTTP_REQ, tx->uri);
	if (tx->uri.len > 7 && (strncasecmp(uri, "http://", 7) == 0 ||
				(tx->uri.len > 8 && strncasecmp(uri, "https://", 8) == 0))) {
		h = memchr(uri, '/', tx->uri.len) + 2;
		const char *end = uri + tx->uri.len;
		const char *slash = memchr(h, '/', (size_t)(end - h));
		len = (size_t)((slash ? slash : end) - h);
		/* userinfo@host */
		const char *at = memchr(h, '@', len);
		if (at != NULL) {
			len -= (size_t)(at + 1 - h);
			h = at + 1;
		}
	} else if (tx->host.len > 0) {
		h = ar_http_tx_str(tx, AR_HTTP_REQ, tx->host);
		len = tx->host.len;
	}
	if (h == NULL || len == 0)
		return;
	/* strip the port, but not the colons of a bracketed IPv6 literal */
	const char *close = h[0] == '[' ? memchr(h, ']', len) : NULL;
	const char *colon =
		memrchr(close ? close : h, ':', len - (size_t)((close ? close : h) - h));
	if (colon != NULL)
		len = (size_t)(colon - h);
	while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	char low[256];
	if (len > sizeof(low))
		len = sizeof(low);
	for (size_t i = 0; i < len; i++)
		low[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] + 32) : h[i];
	ar_json_kv_str(j, "hostname", low, len, o->field_cap);
}

/* Content type without its parameters, as Suricata logs it. */
static void
kv_ctype(struct ar_json *j, const char *key, const struct ar_http_tx *tx, enum ar_http_side side,
	 struct ar_http_str s, const struct ar_eve_opts *o)
{
	if (s.len == 0)
		return;
	const char *v = ar_http_tx_str(tx, side, s);
	const char *semi = memchr(v, ';', s.len);
	size_t len = semi ? (size_t)(semi - v) : s.len;
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	ar_json_kv_str(j, key, v, len, o->field_cap);
}

static void
headers(struct ar_json *j, const char *key, const struct ar_http_tx *tx, enum ar_http_side side,
	const struct ar_eve_opts *o)
{
	uint32_t pos = 0, n = 0, nlen, vlen;
	const char *name, *value;
	ar_json_key(j, key);
	ar_json_arr_open(j);
	while (ar_http_tx_header_next(tx, side, &pos, &name, &nlen, &value, &vlen)) {
		if (o->header_cap != 0 && n++ >= o->header_cap)
			break;
		ar_json_obj_open(j);
		ar_json_kv_str(j, "name", name, nlen, o->field_cap);
		ar_json_kv_str(j, "value", value, vlen, o->field_cap);
		ar_json_obj_close(j);
	}
	ar_json_arr_close(j);
}

static const struct {
	uint32_t bit;
	const char *name;
} tx_flag_names[] = {
	{ AR_HTTP_TX_GAP, "gap" },
	{ AR_HTTP_TX_TRUNCATED, "truncated" },
	{ AR_HTTP_TX_HTTP09, "http09" },
	{ AR_HTTP_TX_CONTINUE, "continue" },
	{ AR_HTTP_TX_UPGRADE, "upgrade" },
	{ AR_HTTP_TX_CONNECT, "connect" },
	{ AR_HTTP_TX_REQ_CHUNKED, "request_chunked" },
	{ AR_HTTP_TX_RESP_CHUNKED, "response_chunked" },
	{ AR_HTTP_TX_NO_RESPONSE, "no_response" },
	{ AR_HTTP_TX_REQ_BODY_CUT, "request_body_cut" },
	{ AR_HTTP_TX_RESP_BODY_CUT, "response_body_cut" },
};

static void
transaction(struct ar_json *j, const struct ar_http_tx *tx)
{
	ar_json_key(j, "transaction");
	ar_json_obj_open(j);
	/* no request seen (a response after a gap): no time to measure from */
	if (tx->req_ts != 0 && tx->resp_ts != 0 && tx->resp_ts >= tx->req_ts)
		ar_json_kv_u64(j, "latency_us", (tx->resp_ts - tx->req_ts) / 1000);
	if (tx->req_ts != 0 && tx->resp_end_ts != 0 && tx->resp_end_ts >= tx->req_ts)
		ar_json_kv_u64(j, "duration_us", (tx->resp_end_ts - tx->req_ts) / 1000);
	ar_json_kv_u64(j, "request_bytes", tx->req_wire_bytes);
	ar_json_kv_u64(j, "response_bytes", tx->resp_wire_bytes);
	ar_json_kv_u64(j, "request_body_length", tx->req_body_len);
	ar_json_kv_u64(j, "response_body_length", tx->resp_body_len);
	ar_json_kv_bool(j, "complete", (tx->flags & AR_HTTP_TX_RESP_COMPLETE) != 0);
	if (tx->flags &
	    ~(AR_HTTP_TX_REQ_COMPLETE | AR_HTTP_TX_RESP_SEEN | AR_HTTP_TX_RESP_COMPLETE)) {
		ar_json_key(j, "flags");
		ar_json_arr_open(j);
		for (size_t i = 0; i < sizeof(tx_flag_names) / sizeof(tx_flag_names[0]); i++)
			if (tx->flags & tx_flag_names[i].bit)
				ar_json_cstr(j, tx_flag_names[i].name);
		ar_json_arr_close(j);
	}
	if (tx->anomalies != 0) {
		ar_json_key(j, "anomalies");
		ar_json_arr_open(j);
		for (unsigned a = 0; a < AR_HTTP_AN_MAX; a++)
			if (tx->anomalies & (1u << a))
				ar_json_cstr(j, ar_http_anomaly_name(a));
		ar_json_arr_close(j);
	}
	ar_json_obj_close(j);
}

static void
format_http(struct ar_json *j, const struct ar_rec *r, const struct ar_eve_opts *o)
{
	const struct ar_http_tx *tx = &r->http;
	ar_json_kv_u64(j, "tx_id", tx->tx_id);
	ar_json_key(j, "http");
	ar_json_obj_open(j);
	kv_hostname(j, tx, o);
	kv_field(j, "url", tx, AR_HTTP_REQ, tx->uri, o);
	kv_field(j, "http_user_agent", tx, AR_HTTP_REQ, tx->user_agent, o);
	kv_ctype(j, "http_content_type", tx, AR_HTTP_RESP, tx->resp_content_type, o);
	kv_field(j, "http_refer", tx, AR_HTTP_REQ, tx->referer, o);
	kv_field(j, "http_method", tx, AR_HTTP_REQ, tx->method, o);
	kv_field(j, "protocol", tx, AR_HTTP_REQ, tx->protocol, o);
	if (tx->status != 0)
		ar_json_kv_u64(j, "status", tx->status);
	kv_field(j, "redirect", tx, AR_HTTP_RESP, tx->location, o);
	ar_json_kv_u64(j, "length", tx->resp_body_len);
	kv_ctype(j, "http_request_content_type", tx, AR_HTTP_REQ, tx->req_content_type, o);
	if (o->http_headers) {
		headers(j, "request_headers", tx, AR_HTTP_REQ, o);
		if (tx->flags & AR_HTTP_TX_RESP_SEEN)
			headers(j, "response_headers", tx, AR_HTTP_RESP, o);
	}
	ar_json_obj_close(j);
	transaction(j, tx);
}

static void
format_anomaly(struct ar_json *j, const struct ar_rec *r)
{
	const struct ar_rec_anomaly *a = &r->anomaly;
	ar_json_key(j, "anomaly");
	ar_json_obj_open(j);
	if (a->layer == AR_LAYER_HTTP) {
		ar_json_kv_cstr(j, "type", "applayer");
		ar_json_kv_cstr(j, "app_proto", "http");
		ar_json_kv_cstr(j, "event", ar_http_anomaly_name(a->code));
		ar_json_kv_cstr(j, "layer", a->side == 0 ? "request" : "response");
		ar_json_kv_u64(j, "tx_id", a->tx_id);
	} else {
		ar_json_kv_cstr(j, "type", "stream");
		ar_json_kv_cstr(j, "event", ar_flow_anomaly_name(a->code));
		ar_json_kv_cstr(j, "direction", a->side == 0 ? "to_server" : "to_client");
	}
	ar_json_obj_close(j);
}

size_t
ar_eve_format(const struct ar_rec *r, const struct ar_eve_opts *o, char *buf, size_t cap)
{
	struct ar_json j;
	if (cap < 2)
		return 0;
	if (r->type == AR_REC_LINE) {
		size_t n = r->size - sizeof(*r);
		if (n > cap)
			return 0;
		memcpy(buf, r->data, n);
		return n;
	}
	ar_json_init(&j, buf, cap - 1);
	ar_json_obj_open(&j);
	switch (r->type) {
	case AR_REC_HTTP:
		ar_eve_head(&j, r->ts, r->flow_id, r->pcap_cnt, "http", &r->tuple);
		format_http(&j, r, o);
		break;
	case AR_REC_ANOMALY:
		ar_eve_head(&j, r->ts, r->flow_id, r->pcap_cnt, "anomaly", &r->tuple);
		format_anomaly(&j, r);
		break;
	case AR_REC_ALERT:
	case AR_REC_PII:
		ar_eve_head(&j, r->ts, r->flow_id, r->pcap_cnt,
			    r->type == AR_REC_ALERT ? "alert" : "pii", &r->tuple);
		ar_eve_detect(&j, r);
		break;
	default:
		return 0;
	}
	ar_json_obj_close(&j);
	if (j.overflow)
		return 0;
	buf[j.len] = '\n';
	return j.len + 1;
}
