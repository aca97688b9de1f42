/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target of the catalog's saved state and of record building. The
 * first byte selects what the rest is:
 *   0  saved state: two bytes of length L (little-endian), L bytes of a
 *      site value (key "s.test"), then an endpoint key's method and
 *      template ("GET /a/{aId}") up to a NUL, then that endpoint's value;
 *      the catalog must count what it refuses and stay usable: a record
 *      is learnt and everything saved afterwards.
 *   1  a whole transaction for ar_api_rec_build(): the request target up to
 *      the first '\n', the request body (as JSON) up to the next '\n', the
 *      response body (as JSON) after it; the record is then learnt.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ar_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sink(void *user, unsigned cf, const void *key, size_t klen, const void *val, size_t vlen)
{
	(void)cf;
	(void)key;
	(void)klen;
	(void)val;
	*(size_t *)user += vlen;
	return 0;
}

static struct ar_api_rec rec;

static void
build(const char *s, size_t n)
{
	const char *nl1 = memchr(s, '\n', n);
	size_t tl = nl1 ? (size_t)(nl1 - s) : n;
	const char *rest = nl1 ? nl1 + 1 : s + n;
	size_t rl = (size_t)(s + n - rest);
	const char *nl2 = memchr(rest, '\n', rl);
	size_t bl = nl2 ? (size_t)(nl2 - rest) : rl;
	const char *resp = nl2 ? nl2 + 1 : rest + rl;
	uint8_t addr[4] = { 10, 0, 0, 1 };
	struct ar_api_tx_view v = {
		.method = "POST",
		.method_len = 4,
		.target = s,
		.target_len = tl,
		.host = "s.test",
		.host_len = 6,
		.req_ct = "application/json",
		.req_ct_len = 16,
		.req_body = rest,
		.req_body_len = bl,
		.has_response = true,
		.status = 200,
		.resp_ct = "application/json",
		.resp_ct_len = 16,
		.resp_body = resp,
		.resp_body_len = (size_t)(s + n - resp),
		.client = addr,
	};
	ar_api_rec_build(&rec, &v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct ar_api_params p = {
		.max_sites = 4, .max_endpoints = 64, .max_fields = 64, .max_nodes = 256
	};
	struct ar_api_catalog *c = ar_api_catalog_create(&p);
	if (c == NULL)
		return 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	if (data[0] % 2 == 0) {
		size_t l = n >= 2 ? (size_t)((uint8_t)s[0] | (uint8_t)s[1] << 8) : 0;
		if (l > n - (n >= 2 ? 2 : n))
			l = n >= 2 ? n - 2 : 0;
		const char *site = s + 2, *rest = site + l;
		size_t rl = n >= 2 ? n - 2 - l : 0;
		const char *nul = memchr(rest, 0, rl);
		const char *sp = nul ? memchr(rest, ' ', (size_t)(nul - rest)) : NULL;
		ar_api_load(c, AR_API_CF_SITES, "s.test", 6, site, l);
		if (sp) {
			/* key: site NUL method NUL template */
			char key[512];
			size_t ml = (size_t)(sp - rest), tl = (size_t)(nul - sp - 1);
			if (7 + ml + 1 + tl <= sizeof(key)) {
				memcpy(key, "s.test", 7);
				memcpy(key + 7, rest, ml);
				key[7 + ml] = 0;
				memcpy(key + 8 + ml, sp + 1, tl);
				ar_api_load(c, AR_API_CF_ENDPOINTS, key, 8 + ml + tl, nul + 1,
					    (size_t)(rest + rl - nul - 1));
			}
		}
		build("/a/1\n{}\n{}", 10);
	} else {
		build(s, n);
	}
	ar_api_learn(c, &rec);
	size_t bytes = 0;
	ar_api_save(c, true, sink, &bytes);
	ar_api_catalog_free(c);
	return 0;
}
