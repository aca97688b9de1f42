/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target of lib/match's inspection: one exchange built from the
 * input, inspected with a small rule set that has a rule on every target
 * and form, a validator, a key rule and a count. The input:
 *   byte 0: bit 0 a response is present; bits 1-3 the request's content
 *           type, bits 4-6 the response's (index into ctypes[]);
 *   then five sections separated by NUL bytes: request target, request
 *   header lines ("Name: value\n"), request body, response header lines,
 *   response body.
 * Every hit's field and excerpt are read to the last byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar_match.h"

static const char rules_yaml[] =
	"rules:\n"
	"  - {id: 1, msg: a, category: sqli, targets: request, norm: sql,"
	" pattern: '\\bunion\\s+select\\b'}\n"
	"  - {id: 2, msg: b, category: xss, targets: [args, xml, body, header],"
	" pattern: '<script'}\n"
	"  - {id: 3, msg: c, category: leak, targets: response, pattern: 'exception'}\n"
	"  - {id: 4, msg: d, type: card, norm: raw, targets: [args, resp_json, resp_body],"
	" validator: luhn, pattern: '\\b\\d{13,19}\\b'}\n"
	"  - {id: 5, msg: e, type: password, targets: [args, resp_json], key: '^pass'}\n"
	"  - {id: 6, msg: f, category: traversal, targets: [path, args], min_count: 2,"
	" pattern: '\\.\\./'}\n"
	"  - {id: 7, msg: g, category: ua, targets: header, field: user-agent,"
	" pattern: 'sqlmap'}\n"
	"  - {id: 8, msg: h, type: jwt, norm: raw, targets: [args, resp_body], validator: jwt,"
	" pattern: 'eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}'}\n";

static const char *const ctypes[8] = {
	NULL,
	"application/json",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=b",
	"text/xml",
	"text/plain",
	"application/problem+json; charset=utf-8",
	"multipart/form-data",
};

static struct ar_ruleset *rs;
static struct ar_match_ws *ws;
static unsigned long sink;

static void
setup(void)
{
	char path[] = "/tmp/ar_fuzz_rules_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, rules_yaml, sizeof(rules_yaml) - 1) != sizeof(rules_yaml) - 1)
		abort();
	close(fd);
	const char *paths[] = { path };
	char err[512];
	rs = ar_ruleset_load(paths, 1, 1, err, sizeof(err));
	unlink(path);
	if (!rs) {
		fprintf(stderr, "fuzz_inspect: %s\n", err);
		abort();
	}
	ws = ar_match_ws_create(512); /* small: values get cut */
	if (!ws)
		abort();
}

static void
on_hit(void *user, const struct ar_hit *h)
{
	(void)user;
	for (size_t i = 0; i < h->field_len; i++)
		sink += (unsigned char)h->field[i];
	for (size_t i = 0; i < h->excerpt_len; i++)
		sink += (unsigned char)h->excerpt[i];
}

/* "Name: value" lines into @kv; returns how many. */
static unsigned
parse_headers(const char *s, size_t n, struct ar_kv *kv, unsigned cap, const char *ctype)
{
	unsigned k = 0;
	if (ctype)
		kv[k++] = (struct ar_kv){ "Content-Type", ctype, 12, (uint32_t)strlen(ctype) };
	while (n > 0 && k < cap) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) : n;
		const char *colon = memchr(s, ':', len);
		if (colon) {
			size_t nlen = (size_t)(colon - s);
			const char *v = colon + 1;
			size_t vlen = len - nlen - 1;
			kv[k++] = (struct ar_kv){ s, v, (uint32_t)nlen, (uint32_t)vlen };
		}
		if (!nl)
			break;
		n -= len + 1;
		s = nl + 1;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rs)
		setup();
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	const char *sec[5] = { "", "", "", "", "" };
	size_t len[5] = { 0 };
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	for (int i = 0; i < 5 && p <= end; i++) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		sec[i] = p;
		len[i] = z ? (size_t)(z - p) : (size_t)(end - p);
		p += len[i] + 1;
		if (!z)
			break;
	}
	struct ar_kv req[16], resp[16];
	struct ar_exchange x = {
		.target = sec[0],
		.target_len = len[0],
		.req_headers = req,
		.n_req_headers = parse_headers(sec[1], len[1], req, 16, ctypes[(flags >> 1) & 7]),
		.req_body = sec[2],
		.req_body_len = len[2],
		.req_body_cut = (flags & 0x80) != 0,
		.has_response = (flags & 1) != 0,
		.resp_headers = resp,
		.n_resp_headers = parse_headers(sec[3], len[3], resp, 16, ctypes[(flags >> 4) & 7]),
		.resp_body = sec[4],
		.resp_body_len = len[4],
	};
	ar_inspect(rs, 0, ws, &x, on_hit, NULL);
	return 0;
}
