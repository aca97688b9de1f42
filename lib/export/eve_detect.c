/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "alert" and "pii" events: what lib/match found in a transaction.
 *
 * An alert carries the signature (id, message, category, severity, OWASP
 * API Top 10 and CWE), the field it matched in and an excerpt of the
 * normalised text; a pii event carries the data type, the field and a
 * masked sample, never the value. Both are joined to their transaction by
 * flow_id and tx_id and repeat the request's method, URL, host and status,
 * so a SIEM needs no join.
 */
#include <string.h>

#include "ar_core.h"
#include "ar_export.h"

struct ar_rec_str
ar_rec_put(struct ar_rec *r, size_t cap, const char *s, size_t n)
{
	struct ar_rec_str out = { 0, 0 };
	size_t used = r->size - sizeof(struct ar_rec);
	size_t room = cap > r->size ? cap - r->size : 0;
	if (used > UINT16_MAX)
		return out;
	if (n > room)
		n = room;
	if (n > UINT16_MAX - used)
		n = UINT16_MAX - used;
	out.off = (uint16_t)used;
	out.len = (uint16_t)n;
	if (n)
		memcpy(r->data + used, s, n);
	r->size += (uint32_t)n;
	return out;
}

static void
kv_rs(struct ar_json *j, const char *key, const struct ar_rec *r, struct ar_rec_str s)
{
	if (s.len)
		ar_json_kv_str(j, key, ar_rec_s(r, s), s.len, 0);
}

void
ar_eve_detect(struct ar_json *j, const struct ar_rec *r)
{
	const struct ar_rec_detect *d = &r->detect;
	ar_json_kv_u64(j, "tx_id", d->tx_id);
	if (r->type == AR_REC_ALERT) {
		ar_json_key(j, "alert");
		ar_json_obj_open(j);
		ar_json_kv_u64(j, "signature_id", d->rule_id);
		kv_rs(j, "signature", r, d->msg);
		kv_rs(j, "category", r, d->category);
		kv_rs(j, "severity", r, d->severity_name);
		kv_rs(j, "owasp", r, d->owasp);
		if (d->cwe)
			ar_json_kv_u64(j, "cwe", d->cwe);
		kv_rs(j, "field", r, d->field);
		if (d->name_hit)
			ar_json_kv_bool(j, "in_name", true);
		kv_rs(j, "excerpt", r, d->excerpt);
		ar_json_obj_close(j);
	} else {
		ar_json_key(j, "pii");
		ar_json_obj_open(j);
		kv_rs(j, "type", r, d->pii_type);
		ar_json_kv_u64(j, "rule_id", d->rule_id);
		kv_rs(j, "severity", r, d->severity_name);
		kv_rs(j, "field", r, d->field);
		ar_json_kv_cstr(j, "side", d->response ? "response" : "request");
		kv_rs(j, "sample", r, d->excerpt);
		ar_json_kv_u64(j, "count", d->count);
		ar_json_obj_close(j);
	}
	ar_json_key(j, "http");
	ar_json_obj_open(j);
	kv_rs(j, "hostname", r, d->host);
	kv_rs(j, "url", r, d->url);
	kv_rs(j, "http_method", r, d->method);
	if (d->status)
		ar_json_kv_u64(j, "status", d->status);
	ar_json_obj_close(j);
}
