/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target of lib/match normalisation, validators and masking. The
 * input is three control bytes and a value:
 *   bytes 0-1  ar_norm flags (little endian, low 10 bits)
 *   byte 2     output cap of a cut run, as cap = full * byte / 256, and the
 *              output cap of ar_mask
 * The value is normalised by those flags and by all of them. Checks, each
 * an abort when broken: the result is never longer than the value; in
 * place gives the same bytes as out of place; a cut run gives the first
 * cap bytes of the full result; ar_mask stays within its cap and ends its
 * output with a NUL. Every validator also runs on the value. All buffers
 * have their exact size, so the sanitizers see any access past them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ar_match.h"

static uint64_t seen;

static uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (d == NULL)
		abort();
	memcpy(d, p, n);
	return d;
}

static void
check_norm(const uint8_t *val, size_t n, unsigned flags, uint8_t cut_byte)
{
	uint8_t *in = dup_exact(val, n), *full = malloc(n ? n : 1), *place = dup_exact(val, n);
	size_t nfull, nplace, cap, ncut;
	uint8_t *cut;

	if (full == NULL)
		abort();
	nfull = ar_norm(in, n, full, n, flags);
	if (nfull > n)
		abort();
	nplace = ar_norm(place, n, place, n, flags);
	if (nplace != nfull || memcmp(place, full, nfull) != 0)
		abort();
	cap = nfull * cut_byte / 256;
	cut = malloc(cap ? cap : 1);
	if (cut == NULL)
		abort();
	ncut = ar_norm(in, n, cut, cap, flags);
	if (ncut != (cap < nfull ? cap : nfull) || memcmp(cut, full, ncut) != 0)
		abort();
	/* the same cut, in place */
	memcpy(place, val, n);
	ncut = ar_norm(place, n, place, cap, flags);
	if (ncut != (cap < nfull ? cap : nfull) || memcmp(place, full, ncut) != 0)
		abort();
	if (memcmp(in, val, n) != 0)
		abort();
	seen += nfull;
	free(cut);
	free(place);
	free(full);
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;
	uint8_t cut_byte;
	char *val, *masked;
	size_t n, mask_cap, mn;

	if (size < 3)
		return 0;
	flags = (unsigned)(data[0] | data[1] << 8) & 0x3FF;
	cut_byte = data[2];
	n = size - 3;
	check_norm(data + 3, n, flags, cut_byte);
	check_norm(data + 3, n, 0x3FF, cut_byte);

	val = (char *)dup_exact(data + 3, n);
	for (int v = AR_VAL_NONE; v < AR_VAL_MAX; v++)
		seen += ar_validate((enum ar_validator)v, val, n);
	mask_cap = cut_byte;
	masked = malloc(mask_cap ? mask_cap : 1);
	if (masked == NULL)
		abort();
	mn = ar_mask(val, n, masked, mask_cap);
	if (mask_cap == 0 ? mn != 0 : (mn >= mask_cap || masked[mn] != '\0'))
		abort();
	seen += mn;
	free(masked);
	free(val);
	return 0;
}
