/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transaction records (built by workers, read by the learner) and the names
 * of lib/api's enums.
 */
#include <errno.h>
#include <stddef.h>

#include "api_priv.h"

static const char *const method_names[AR_API_METHOD_MAX] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
};

const char *
ar_api_method_name(unsigned m)
{
	return m < AR_API_METHOD_MAX ? method_names[m] : NULL;
}

unsigned
ar_api_method_parse(const char *s, size_t n)
{
	for (unsigned m = 0; m < AR_API_METHOD_MAX; m++)
		if (strlen(method_names[m]) == n && memcmp(method_names[m], s, n) == 0)
			return m;
	return AR_API_METHOD_MAX;
}

static const char *const seg_names[AR_SEG_MAX] = {
	"word", "integer", "number", "uuid",  "hex",  "hash",
	"date", "email",   "token",  "mixed", "text",
};

const char *
ar_api_seg_name(enum ar_api_seg c)
{
	return (unsigned)c < AR_SEG_MAX ? seg_names[c] : "?";
}

static const char *const type_names[AR_TYPE_MAX] = {
	"null", "boolean", "integer", "number", "string", "object", "array",
};

const char *
ar_api_type_name(enum ar_api_type t)
{
	return (unsigned)t < AR_TYPE_MAX ? type_names[t] : "?";
}

static const char *const fmt_names[AR_FMT_MAX] = {
	NULL, "date-time", "date", "email", "uuid", "ipv4", "ipv6", "uri", "hostname",
};

const char *
ar_api_fmt_name(enum ar_api_fmt f)
{
	return (unsigned)f < AR_FMT_MAX ? fmt_names[f] : NULL;
}

static const char *const auth_names[AR_AUTH_MAX] = {
	"none",          "basic",        "bearer", "bearer-jwt", "digest",
	"apikey-header", "apikey-query", "cookie", "other",
};

const char *
ar_api_auth_name(enum ar_api_auth a)
{
	return (unsigned)a < AR_AUTH_MAX ? auth_names[a] : "?";
}

static const char *const change_names[AR_API_CHANGE_MAX] = {
	"new_endpoint", "new_param", "new_field", "type_changed", "merged",
	"split",        "zombie",    "shadow",    "unused",       "undocumented",
};

const char *
ar_api_change_name(enum ar_api_change c)
{
	return (unsigned)c < AR_API_CHANGE_MAX ? change_names[c] : "?";
}

_Static_assert(AR_API_REC_FIELDS < 255 && AR_API_REC_SLOTS >= 2 * AR_API_REC_FIELDS &&
		       (AR_API_REC_SLOTS & (AR_API_REC_SLOTS - 1)) == 0,
	       "field index: one byte per slot, half empty, a power of two");

void
ar_api_rec_init(struct ar_api_rec *r)
{
	/* The header and the field index: fields and arena are written before they are read. */
	memset(r, 0, offsetof(struct ar_api_rec, hits));
}

int
ar_api_rec_str(struct ar_api_rec *r, const char *s, size_t n, uint16_t *off, uint16_t *len)
{
	if (n > (size_t)AR_API_REC_ARENA - r->arena_len) {
		*off = 0;
		*len = 0;
		return -1;
	}
	memcpy(r->arena + r->arena_len, s, n);
	*off = r->arena_len;
	*len = (uint16_t)n;
	r->arena_len += (uint16_t)n;
	return *off;
}

int
ar_api_rec_field(struct ar_api_rec *r, enum ar_api_where where, const char *name, size_t name_len,
		 enum ar_api_type type, enum ar_api_fmt fmt, const char *val, size_t val_len,
		 uint8_t flags)
{
	/*
	 * A record has up to AR_API_REC_FIELDS fields: an open-addressing index
	 * over (where, type, name) keeps the duplicate check linear overall.
	 */
	/*
	 * 32-bit FNV-1a, not api_fnv(): the index needs a few bits, and the
	 * 64-bit multiply costs the worker an instruction per byte of every
	 * field name (1.5 % of discovery's work on the benchmark capture).
	 */
	uint32_t h = 2166136261u ^ (uint32_t)(where << 8 | type);
	for (size_t i = 0; i < name_len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	unsigned slot = (h ^ h >> 16) & (AR_API_REC_SLOTS - 1);
	for (; r->field_slots[slot]; slot = (slot + 1) & (AR_API_REC_SLOTS - 1)) {
		const struct ar_api_field *f = &r->fields[r->field_slots[slot] - 1];
		if (f->where == where && f->type == type && f->name_len == name_len &&
		    memcmp(r->arena + f->name_off, name, name_len) == 0)
			return 1;
	}
	if (r->n_fields >= AR_API_REC_FIELDS)
		goto cut;
	struct ar_api_field *f = &r->fields[r->n_fields];
	if (ar_api_rec_str(r, name, name_len, &f->name_off, &f->name_len) < 0)
		goto cut;
	f->val_off = f->val_len = 0;
	flags &= (uint8_t)~AR_API_F_VALUE;
	if (val && val_len <= AR_API_VAL_MAX &&
	    ar_api_rec_str(r, val, val_len, &f->val_off, &f->val_len) >= 0)
		flags |= AR_API_F_VALUE;
	f->where = (uint8_t)where;
	f->type = (uint8_t)type;
	f->fmt = (uint8_t)fmt;
	f->flags = flags;
	r->n_fields++;
	r->field_slots[slot] = (uint8_t)r->n_fields;
	return 0;
cut:
	r->fields_cut++;
	r->flags |= AR_API_R_CUT;
	return -ENOSPC;
}
