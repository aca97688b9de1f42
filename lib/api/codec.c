/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The byte codec of persisted state: varints and length-prefixed strings,
 * written into a growable buffer and read back from untrusted bytes with
 * every read bounds-checked. A reader that runs off its input turns "bad"
 * and yields zeros from then on, so decoders check once at the end.
 */
#include <errno.h>
#include <stdlib.h>

#include "api_priv.h"

static bool
wbuf_reserve(struct wbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
wbuf_free(struct wbuf *b)
{
	free(b->p);
	*b = (struct wbuf){ 0 };
}

void
wbuf_u8(struct wbuf *b, uint8_t v)
{
	if (wbuf_reserve(b, 1))
		b->p[b->len++] = v;
}

void
wbuf_varint(struct wbuf *b, uint64_t v)
{
	if (!wbuf_reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

void
wbuf_u64(struct wbuf *b, uint64_t v)
{
	if (!wbuf_reserve(b, 8))
		return;
	for (unsigned i = 0; i < 8; i++)
		b->p[b->len++] = (uint8_t)(v >> (8 * i));
}

void
wbuf_bytes(struct wbuf *b, const void *s, size_t n)
{
	if (n && wbuf_reserve(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

void
wbuf_str(struct wbuf *b, const char *s, size_t n)
{
	wbuf_varint(b, n);
	wbuf_bytes(b, s, n);
}

uint8_t
rbuf_u8(struct rbuf *b)
{
	if (b->bad || b->off >= b->len) {
		b->bad = true;
		return 0;
	}
	return b->p[b->off++];
}

uint64_t
rbuf_varint(struct rbuf *b)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t c = rbuf_u8(b);
		if (b->bad)
			return 0;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	b->bad = true; /* more than 10 bytes */
	return 0;
}

uint64_t
rbuf_u64(struct rbuf *b)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)rbuf_u8(b) << (8 * i);
	return b->bad ? 0 : v;
}

const char *
rbuf_str(struct rbuf *b, size_t *n)
{
	uint64_t len = rbuf_varint(b);
	if (b->bad || len > b->len - b->off) {
		b->bad = true;
		*n = 0;
		return NULL;
	}
	const char *s = (const char *)b->p + b->off;
	b->off += len;
	*n = len;
	return s;
}
